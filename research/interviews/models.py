"""Interviews' models: guides (pages), slots, participants, bookings, notes per guide
question, codes, themes and quoted excerpts.

They belong to the research app (app label ``research``: their tables and migrations are
research's) and are registered by research/models.py, which imports this module; nothing
here imports research.models, so research/interviews/ stands on its own below the app's
report and export code.
"""

import uuid
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, Site

from cms.forms import LibraryOwnedForm
from cms.models import InternalPage
from cms.tenancy import LibraryReferences
from surveys.keys import assign_keys, saved_keys

from .blocks import GUIDE_BLOCKS, GuideSection, guide_sections


class InterviewGuidePage(InternalPage):
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
