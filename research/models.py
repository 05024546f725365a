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
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, Site

from cms.forms import LibraryOwnedForm, LibraryPageForm
from cms.models import AnsweredPage
from cms.tenancy import LibraryReferences, library_site_for_page
from surveys.keys import assign_keys, saved_keys
from surveys.selectors import survey_questions

from .blocks import REPORT_BLOCKS
from .interviews.blocks import GUIDE_BLOCKS, GuideSection, guide_sections


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


class JobFailure(models.TextChoices):
    """Why a job failed, when Innsikt knows (the admin says it in words); empty: an error,
    shown as it was raised."""

    DISK_FULL = "disk-full", _("disk full")
    INTERRUPTED = "interrupted", _("interrupted too often")


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

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def failure_message(self) -> str:
        """What went wrong, in words, when Innsikt knows; else ''."""
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
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))


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


class _InternalPage(Page):
    """Shown only to people who may edit it (researchers of the library); others get 404,
    and search engines are told to stay away."""

    base_form_class = LibraryPageForm

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


class FindingsReportPage(_InternalPage, AnsweredPage):
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
    step = models.CharField(max_length=40, blank=True)  # what the worker is doing now
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


# ---- interviews (research/interviews/) ----------------------------------------------------
class InterviewGuidePage(_InternalPage):
    """An interview guide: introduction and consent script, timed sections of questions
    with stable keys and follow-up probes. Sessions take notes per question key."""

    intro = RichTextField(
        _("introduction"), blank=True, help_text=_("What you say first: who you are, why.")
    )
    consent_script = RichTextField(
        _("consent script"),
        help_text=_(
            "Read aloud before the first question; the participant's consent text "
            "version is shown next to it in the session."
        ),
    )
    sections = StreamField(GUIDE_BLOCKS, verbose_name=_("sections"))
    closing = RichTextField(_("closing"), blank=True, help_text=_("Thanks and what happens next."))

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("consent_script"),
        FieldPanel("sections"),
        FieldPanel("closing"),
    ]
    parent_page_types = ["research.ResearchProjectPage"]
    subpage_types: list[str] = []
    template = "research/interviews/guide_page.html"

    class Meta:
        verbose_name = _("interview guide")

    def clean(self) -> None:
        super().clean()

        # Notes are stored under question keys: a question keeps the key the stored guide
        # gives it, whatever the form sends, so its notes stay with it.
        saved: dict[str, str] = {}
        if self.pk:
            stored = (
                InterviewGuidePage.objects.filter(pk=self.pk)
                .values_list("sections", flat=True)
                .first()
            )
            if stored:
                raw_stored = stored.raw_data if hasattr(stored, "raw_data") else stored
                saved = saved_keys(list(raw_stored))
        # Convert every block from its stored form first: get_prep_value passes unconverted
        # blocks through as they are, and a guide made in code would keep its questions
        # without ids, so no later save could tell which key was theirs.
        list(self.sections)
        raw = self.sections.get_prep_value()
        keyed = assign_keys(raw, saved)
        if keyed != raw:
            self.sections = keyed  # type: ignore[assignment]

    def guide_sections(self) -> list[GuideSection]:
        return guide_sections(self.sections)

    @property
    def total_minutes(self) -> int:
        return sum(section.minutes for section in self.guide_sections())


class InterviewSlot(LibraryReferences, models.Model):
    """A time researchers offer for an interview campaign; ``capacity`` people may book
    it (1 for an interview, more for a group session)."""

    library_lookup = "campaign__library"

    campaign = models.ForeignKey(
        "panel.Campaign",
        on_delete=models.CASCADE,
        related_name="interview_slots",
        limit_choices_to={"kind": "interview"},
        verbose_name=_("interview campaign"),
    )
    starts_at = models.DateTimeField(_("starts"))
    minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), default=30, validators=[MinValueValidator(5)]
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("interviewer"),
    )
    capacity = models.PositiveSmallIntegerField(
        _("places"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("interview time")
        verbose_name_plural = _("interview times")

    def __str__(self) -> str:

        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def ends_at(self) -> Any:

        return self.starts_at + timedelta(minutes=self.minutes)


class InterviewParticipant(LibraryReferences, models.Model):
    """A member who booked in an interview campaign, known to researchers only by a code
    (P-017). Deleted with the member (erasure)."""

    library_lookup = "campaign__library"

    campaign = models.ForeignKey(
        "panel.Campaign", on_delete=models.CASCADE, related_name="interview_participants"
    )
    member = models.ForeignKey("panel.PanelMember", on_delete=models.CASCADE, related_name="+")
    invitation = models.OneToOneField(
        "panel.Invitation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    number = models.PositiveIntegerField()
    consent = models.ForeignKey(
        "panel.ConsentRecord", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="one_participant_each"),
            models.UniqueConstraint(fields=["campaign", "number"], name="unique_participant_code"),
        ]
        verbose_name = _("interview participant")

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"P-{self.number:03d}"


class InterviewBooking(LibraryReferences, models.Model):
    """A participant's place in a slot. Each place of a slot is a seat (1…capacity); the
    partial unique constraint on (slot, seat) among open bookings is what makes a place
    impossible to book twice, even at the same moment (research.interviews.services)."""

    library_lookup = "participant__campaign__library"

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participant = models.ForeignKey(
        InterviewParticipant, on_delete=models.CASCADE, related_name="bookings"
    )
    slot = models.ForeignKey(InterviewSlot, on_delete=models.PROTECT, related_name="bookings")
    seat = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # The contact rules' answer about the day-before reminder (panel.eligibility).
    reminder_reason = models.CharField(max_length=30, blank=True)
    # The calendar event's SEQUENCE: each change of the participant's booking raises it,
    # so calendar programs update the event (same UID) instead of adding one.
    sequence = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["slot__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "seat"],
                condition=~Q(status="cancelled"),
                name="one_booking_per_seat",
            ),
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(status="booked"),
                name="one_open_booking_each",
            ),
        ]
        verbose_name = _("interview booking")

    def clean(self) -> None:
        super().clean()  # of one library
        if (
            self.slot_id
            and self.participant_id
            and (self.slot.campaign_id != self.participant.campaign_id)
        ):
            raise ValidationError({"slot": _("This time belongs to another interview round.")})


class InterviewNote(models.Model):
    """What the interviewer wrote under one guide question in one participant's session."""

    library_lookup = "participant__campaign__library"

    participant = models.ForeignKey(
        InterviewParticipant, on_delete=models.CASCADE, related_name="notes"
    )
    question_key = models.CharField(max_length=80)
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "question_key"], name="one_note_per_question"
            )
        ]
        verbose_name = _("interview note")


class InterviewCode(LibraryReferences, models.Model):
    """A code of the library's codebook; codes nest (a parent groups its children)."""

    library_lookup = "library"
    base_form_class = LibraryOwnedForm

    library = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("parent code"),
    )
    description = models.TextField(_("description"), blank=True)

    panels = [
        FieldPanel("library"),
        FieldPanel("name"),
        FieldPanel("parent"),
        FieldPanel("description"),
    ]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["library", "parent", "name"], name="unique_code_name")
        ]
        verbose_name = _("code")
        verbose_name_plural = _("codebook")

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        names, seen = [], set()
        node: InterviewCode | None = self
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return " › ".join(reversed(names))

    def clean(self) -> None:
        super().clean()  # the parent is of the same library
        node, seen = self.parent, set()
        while node is not None:
            if node.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("A code cannot be inside itself.")})
            if node.pk in seen:
                break
            seen.add(node.pk)
            node = node.parent


class InterviewTheme(LibraryReferences, ClusterableModel):
    """A theme: codes grouped under one finding (of its own library's codebook)."""

    library_lookup = "library"
    base_form_class = LibraryOwnedForm

    library = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    codes = ParentalManyToManyField(
        InterviewCode, blank=True, related_name="themes", verbose_name=_("codes")
    )

    panels = [
        FieldPanel("library"),
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("codes", widget=forms.CheckboxSelectMultiple),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name


class Excerpt(LibraryReferences, models.Model):
    """A passage of a note, tagged with codes; a quotable excerpt may appear, scrubbed and
    attributed only by segment, in findings reports (research.interviews.quotes)."""

    library_lookup = "note__participant__campaign__library"

    note = models.ForeignKey(InterviewNote, on_delete=models.CASCADE, related_name="excerpts")
    text = models.TextField(_("passage"))
    codes = models.ManyToManyField(InterviewCode, blank=True, related_name="excerpts")
    quotable = models.BooleanField(_("may be quoted"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("excerpt")
        verbose_name_plural = _("excerpts")

    def __str__(self) -> str:
        return f"{self.note.participant.code}: {self.text[:80]}"
