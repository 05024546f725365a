"""The research log's one model (app label ``research``; its table is research's)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site


class ResearchLog(models.Model):
    """Who generated or downloaded which export or report, when (kept when the job goes)."""

    library_lookup = "library"

    class Action(models.TextChoices):
        EXPORT = "export", _("started an export")
        DOWNLOAD_EXPORT = "download-export", _("downloaded an export")
        REPORT = "report", _("generated a report")
        DOWNLOAD_REPORT = "download-report", _("downloaded a report")
        INTERVIEW_SESSION = "interview-session", _("opened an interview session")
        INTERVIEW_EXPORT = "interview-export", _("exported interview data")

    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)  # kept if the account is deleted
    # The library whose data it was: a library's data-protection officer reads its own log.
    library = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    survey_id = models.IntegerField(null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("research log entry")
        verbose_name_plural = _("research log")
