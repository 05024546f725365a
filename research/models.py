"""Research projects, findings reports, their jobs and the audit trail.

A research project (an index page in a library's tree) groups surveys and findings
reports. A report's body is a StreamField of text, charts, cross-tabs, key figures, quotes
and an automatic methods section (research/blocks.py). Reports are internal: only people
who may edit them see them (the admin preview, or the page itself when signed in), and the
PDF leaves only through the logged download.

Long jobs are rows (DESIGN.md C7). An export or a report PDF runs as a Celery task; its row
carries status, progress and the file, and the admin shows progress from the row. Files
live in private storage (INNSIKT_PRIVATE_ROOT), never under MEDIA_ROOT: they leave only
through a view that checks access and logs it.
"""

import os
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from .blocks import REPORT_BLOCKS


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


class _InternalPage(Page):
    """Shown only to people who may edit it (researchers of the library); others get 404,
    and search engines are told to stay away."""

    class Meta:
        abstract = True

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.permissions_for_user(request.user).can_edit():
            raise Http404
        response = super().serve(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "private, no-store"
        return response


class ResearchProjectPage(_InternalPage):
    """A research project: its question, the surveys it uses and its findings reports."""

    intro = RichTextField(_("about the project"), blank=True, features=["bold", "italic", "link"])

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        InlinePanel("project_surveys", label=_("Surveys in this project")),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["research.FindingsReportPage"]
    template = "research/project_page.html"

    class Meta:
        verbose_name = _("research project")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["reports"] = FindingsReportPage.objects.child_of(self).specific()
        context["surveys"] = [s.survey for s in self.project_surveys.select_related("survey")]
        return context


class ProjectSurvey(Orderable):
    project = ParentalKey(
        ResearchProjectPage, on_delete=models.CASCADE, related_name="project_surveys"
    )
    survey = models.ForeignKey(
        "surveys.SurveyPage", on_delete=models.CASCADE, related_name="+", verbose_name=_("survey")
    )

    panels = [PageChooserPanel("survey", "surveys.SurveyPage")]


class FindingsReportPage(_InternalPage):
    """A findings report: text around live, suppressed charts and tables; one button in
    the admin makes a PDF of it (research.services.report_generate)."""

    subtitle = models.CharField(_("subtitle"), max_length=200, blank=True)
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("A few sentences for the cover page.")
    )
    body = StreamField(REPORT_BLOCKS, blank=True, verbose_name=_("content"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("subtitle"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    parent_page_types = ["research.ResearchProjectPage"]
    subpage_types: list[str] = []
    template = "research/report_page.html"

    class Meta:
        verbose_name = _("findings report")

    def clean(self) -> None:
        super().clean()
        from .reports import report_problems

        problems = report_problems(self)
        if problems:
            raise ValidationError(problems)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from .reports import ReportData

        context = super().get_context(request, *args, **kwargs)
        context["report"] = ReportData(self)
        return context


class ReportJob(models.Model):
    """One generated PDF version of a report: every version is kept, with who made it from
    which revision, when."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(FindingsReportPage, on_delete=models.CASCADE, related_name="jobs")
    revision_id = models.IntegerField(null=True, blank=True)
    title = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=40, blank=True)  # what the worker is doing now
    file = models.FileField(storage=private_storage, upload_to="reports/", blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report PDF")

    def __str__(self) -> str:
        return f"{self.title} {self.created_at:%Y-%m-%d %H:%M}"
