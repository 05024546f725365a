"""Research jobs and their audit trail (DESIGN.md C7: long jobs are rows).

An export runs as a Celery task; its row carries status, progress and the file, and the
admin shows progress from the row. Files live in private storage (INNSIKT_PRIVATE_ROOT),
never under MEDIA_ROOT: they leave only through a view that checks access and logs it.
"""

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivateStorage(FileSystemStorage):
    """INNSIKT_PRIVATE_ROOT, read when used (so a test's override of the setting holds)."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(settings.INNSIKT_PRIVATE_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def private_storage() -> FileSystemStorage:
    return PrivateStorage()


class ExportJob(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", _("CSV (UTF-8, for Excel) with codebook")
        XLSX = "xlsx", _("Excel workbook (XLSX) with codebook")
        SAV = "sav", _("SPSS (.sav) with labels and codebook")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey("surveys.SurveyPage", on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=8, choices=Format.choices)
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(storage=private_storage, upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))


class ResearchLog(models.Model):
    """Who generated or downloaded which export or report, when (kept when the job goes)."""

    class Action(models.TextChoices):
        EXPORT = "export", _("started an export")
        DOWNLOAD_EXPORT = "download-export", _("downloaded an export")
        REPORT = "report", _("generated a report")
        DOWNLOAD_REPORT = "download-report", _("downloaded a report")

    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)  # kept if the account is deleted
    action = models.CharField(max_length=20, choices=Action.choices)
    survey_id = models.IntegerField(null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("research log entry")
        verbose_name_plural = _("research log")
