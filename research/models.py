"""Research projects, findings reports and their jobs. The app's other models live in its
sub-packages and are imported here so Django registers them: the research log
(research/log/models.py) and the interviews' (research/interviews/models.py).

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
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from cms.models import AnsweredPage, InternalPage
from cms.tenancy import LibraryReferences, library_site_for_page
from surveys.selectors import survey_questions

from .blocks import REPORT_BLOCKS

# The interview models live in research/interviews/models.py (app label "research", their
# tables unchanged); imported here so that Django registers them with the app.
from .interviews.models import (  # noqa: F401
    Excerpt,
    InterviewBooking,
    InterviewCode,
    InterviewGuidePage,
    InterviewNote,
    InterviewParticipant,
    InterviewSlot,
    InterviewTheme,
)
from .log.models import ResearchLog  # noqa: F401  (registered with the app, as below)
from .margins.models import MarginDimension, PopulationMargin  # noqa: F401  (as above)


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


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobStage(models.TextChoices):
    """What a running job's worker is doing, written at the work's real stage boundaries
    (research.services.job_run and the report and export work); the admin shows it with
    the job's percent."""

    READING = "reading", _("Reading answers")
    WRITING = "writing", _("Writing the file")
    LAYOUT = "layout", _("Laying out the pages")
    RENDERING = "rendering", _("Rendering PDF")
    SAVING = "saving", _("Saving the file")


class JobFailure(models.TextChoices):
    """Why a job failed, when Innsikt knows (the admin says it in words); empty: an error,
    shown as it was raised."""

    DISK_FULL = "disk-full", _("disk full")
    INTERRUPTED = "interrupted", _("interrupted too often")
    REFUSED = "refused", _("refused, with the reason")


# A job whose worker died is run again, at most this many times in all (research.services;
# the failure messages below say "three times").
JOB_MAX_ATTEMPTS = 3


def job_stalled(before: datetime) -> Q:
    """Running jobs with no sign of life (the heartbeat, or the claim itself) since
    ``before``: their worker died, or hangs."""
    return Q(status=JobStatus.RUNNING) & (
        Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before)
    )


class _Job(models.Model):
    """A long job as a row (DESIGN.md C7): who asked, its status and timing, and the error
    when it failed. A worker claims it and renews a lease while it works; a job whose task
    never reached the queue, or whose worker died, is handed over again by the sweep
    (research.services: _job_claim, jobs_sweep)."""

    Status = JobStatus
    Stage = JobStage
    Failure = JobFailure
    # The job's failures in words, by kind of job (ExportJob, ReportJob).
    FAILURE_MESSAGES: dict[str, Any] = {}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    failure = models.CharField(max_length=20, choices=Failure.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the job's task was last handed to the task queue; empty: never (the queue could
    # not be reached) — the sweep hands it over when the queue is back.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # When the current attempt claimed the job; also the claim's token (research.services).
    started_at = models.DateTimeField(null=True, blank=True)
    # Renewed while a worker runs the job: older than the lease, the worker is gone.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The running attempt's stage and percent (0–100), written by its worker at the work's
    # stage boundaries; a failed job keeps the stage it failed in.
    stage = models.CharField(max_length=12, choices=JobStage.choices, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        """How far the job is, 0–100 (100 only when done)."""
        if self.status == JobStatus.DONE:
            return 100
        return min(99, self.progress)

    @property
    def running(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def progress_text(self) -> str:
        """The job's state in words for the admin: "Rendering PDF 80 %" while it runs."""
        if self.status == JobStatus.RUNNING and self.stage:
            return str(
                _("%(stage)s %(percent)s")
                % {"stage": self.get_stage_display(), "percent": f"{self.percent}\u00a0%"}  # type: ignore[attr-defined]
            )
        return str(self.get_status_display())  # type: ignore[attr-defined]

    @property
    def failure_message(self) -> str:
        """What went wrong, in words, when Innsikt knows; else ''. A refused job's error
        is its explanation for the researcher (research.services.JobRefused)."""
        if self.failure == JobFailure.REFUSED:
            return self.error
        return str(self.FAILURE_MESSAGES.get(self.failure, ""))

    @property
    def waiting(self) -> str:
        """For a queued job, why it has not started yet, in words; '' while all is well."""
        if self.status != JobStatus.QUEUED:
            return ""
        if self.enqueued_at is None:
            return str(
                _(
                    "Waiting for the task queue, which cannot be reached just now. It will "
                    "start automatically when the queue is back."
                )
            )
        if self.attempts:
            return str(_("Interrupted (its worker stopped); it will start again automatically."))
        patience = timedelta(seconds=settings.INNSIKT_JOB_REQUEUE_SECONDS)
        if self.created_at and timezone.now() - self.created_at > patience:
            return str(_("Waiting for a free worker; it will start automatically."))
        return ""


class ExportJob(_Job):
    class Format(models.TextChoices):
        CSV = "csv", _("CSV (UTF-8, for Excel) with codebook")
        XLSX = "xlsx", _("Excel workbook (XLSX) with codebook")
        SAV = "sav", _("SPSS (.sav) with labels and codebook")

    library_page_lookup = "survey"

    survey = models.ForeignKey("surveys.SurveyPage", on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=8, choices=Format.choices)
    filters = models.JSONField(default=dict, blank=True)
    # The raking weight the export carries: {"margin": PopulationMargin pk, "cap": 5.0};
    # empty: no weight column.
    weighting = models.JSONField(default=dict, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(storage=private_storage, upload_to="exports/", blank=True)

    FAILURE_MESSAGES = {
        JobFailure.DISK_FULL: _(
            "The server ran out of disk space while writing the export. Nothing was saved; "
            "ask your administrator to free space, then try again."
        ),
        JobFailure.INTERRUPTED: _(
            "The export was interrupted three times before it was finished (its worker "
            "stopped, or ran out of memory). Nothing was saved; try again, or ask your "
            "administrator to look at the workers."
        ),
    }

    class Meta(_Job.Meta):
        verbose_name = _("export")

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return min(99, self.progress)
        return min(99, int(100 * self.rows_done / self.rows_total))


class ResearchProjectPage(InternalPage):
    """A research project: its question, the surveys it uses and its findings reports."""

    intro = RichTextField(_("about the project"), blank=True, features=["bold", "italic", "link"])

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        InlinePanel("project_surveys", label=_("Surveys in this project")),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["research.FindingsReportPage", "research.InterviewGuidePage"]
    template = "research/project_page.html"

    class Meta:
        verbose_name = _("research project")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["reports"] = FindingsReportPage.objects.child_of(self).specific()
        context["guides"] = InterviewGuidePage.objects.child_of(self).specific()
        context["surveys"] = [s.survey for s in self.project_surveys.select_related("survey")]
        return context


class ProjectSurvey(LibraryReferences, Orderable):
    library_page_lookup = "project"

    project = ParentalKey(
        ResearchProjectPage, on_delete=models.CASCADE, related_name="project_surveys"
    )
    survey = models.ForeignKey(
        "surveys.SurveyPage", on_delete=models.CASCADE, related_name="+", verbose_name=_("survey")
    )

    panels = [PageChooserPanel("survey", "surveys.SurveyPage")]


class FindingsReportPage(InternalPage, AnsweredPage):
    """A findings report: text around live, suppressed charts and tables; one button in
    the admin makes a PDF of it (research.services.report_generate). Answered by
    research.views.report_page (the answer_page hook, cms.serving), which builds the
    figures before the template shows them."""

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
        problems = self.problems()
        if problems:
            raise ValidationError(problems)

    def problems(self) -> list[str]:
        """What stops the report from showing what its blocks ask for, in the editor's
        terms: checked against each survey's questions and the library's objects, never
        against answers (a quote that is not an answer, or a group under k, shows as the
        block's own message when the report renders)."""
        site = library_site_for_page(self) if self.path else None
        problems: list[str] = []
        for number, block in enumerate(self.body, start=1):
            where = _("Block %(n)d (%(kind)s)") % {"n": number, "kind": block.block.label}
            value = block.value
            if block.block_type == "interview_quote":
                problem = excerpt_quote_problem(value["excerpt"], site) if site else None
                if problem:
                    problems.append(f"{where}: {problem}")
                continue
            if block.block_type not in ("chart", "crosstab", "quote"):
                continue
            chosen = value["survey"]
            if chosen is None:
                problems.append(f"{where}: " + _("choose a survey."))
                continue
            if site is None:
                continue  # a new page: checked again when it is saved in its place
            if library_site_for_page(chosen) != site:
                problems.append(
                    f"{where}: "
                    + _("the survey “%(title)s” belongs to another library.")
                    % {"title": chosen.title}
                )
                continue
            keys = [q["key"] for q in survey_questions(chosen.specific)]
            if block.block_type == "crosstab":
                wanted = [value["rows"], value["columns"]]
            else:
                wanted = [value["question"]]
            for key in (key.strip() for key in wanted):
                if block.block_type == "crosstab" and key in ("channel", "kanal", "segment"):
                    continue
                if key not in keys:
                    problems.append(
                        f"{where}: "
                        + _("“%(title)s” has no question with the key “%(key)s”. Keys: %(keys)s")
                        % {"title": chosen.title, "key": key, "keys": ", ".join(keys[:20])}
                    )
            segments = (value.get("segments") or []) if block.block_type == "crosstab" else []
            if any(s is not None and s.library_id != site.pk for s in segments):
                problems.append(f"{where}: " + _("A chosen segment belongs to another library."))
        return problems


def excerpt_quote_problem(excerpt: Any, site: Any) -> str | None:
    """Why a report of the library ``site`` cannot quote ``excerpt`` (before the k rule,
    which needs the interviews: research.reports.selectors), or None."""
    if excerpt is None:
        return str(_("Choose a quote (it may have been deleted)."))
    if site is None or excerpt.note.participant.campaign.library_id != site.pk:
        return str(_("This quote belongs to another library and is not shown."))
    if not excerpt.quotable:
        return str(_("This passage is no longer marked as a quote."))
    return None


class ReportJob(_Job):
    """One generated PDF version of a report: every version is kept, with who made it from
    which revision, when."""

    library_page_lookup = "report"

    report = models.ForeignKey(FindingsReportPage, on_delete=models.CASCADE, related_name="jobs")
    revision_id = models.IntegerField(null=True, blank=True)
    title = models.CharField(max_length=255)
    file = models.FileField(storage=private_storage, upload_to="reports/", blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)

    FAILURE_MESSAGES = {
        JobFailure.DISK_FULL: _(
            "The server ran out of disk space while writing the PDF. Nothing was saved; "
            "ask your administrator to free space, then try again."
        ),
        JobFailure.INTERRUPTED: _(
            "Making the PDF was interrupted three times before it was finished (its worker "
            "stopped, or ran out of memory). Nothing was saved; try again, or ask your "
            "administrator to look at the workers."
        ),
    }

    class Meta(_Job.Meta):
        verbose_name = _("report PDF")

    def __str__(self) -> str:
        return f"{self.title} {self.created_at:%Y-%m-%d %H:%M}"
