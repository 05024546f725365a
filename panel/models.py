"""The user panel: members, versioned consent texts and the append-only consent record.

Personal data is kept to the minimum the panel needs: an e-mail address (to reach the
member), the preferred language, an age band and the screener's answers. No mobile
number: Innsikt sends no SMS, so none is asked for or kept. Every consent is a row that
is never changed: member, purpose, text version, given or withdrawn, time and channel.
"""

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, Site

from cms.forms import LibraryOwnedForm, LibraryPageForm
from cms.models import AnsweredPage
from cms.tenancy import LibraryReferences
from surveys.blocks import QUESTION_BLOCKS
from surveys.keys import assign_keys
from surveys.models import ChannelBase

from .admin_forms import CampaignForm
from .blocks import SegmentRuleBlock
from .link_tokens import CONFIRMATION, INVITATION, derived_token, token_digest
from .pseudonyms import member_pseudonym

# The shortest reason a campaign may give to override the contact limits.
OVERRIDE_REASON_MIN = 20


class Purpose(models.TextChoices):
    PANEL = "panel", _("Panel membership")
    LOAN_LINKING = "loan_linking", _("Linking with library loan statistics")
    INTERVIEWS = "interviews", _("Interviews")


class ConsentText(LibraryReferences, models.Model):
    """What a member agrees to for one purpose, in one version. A text that anyone has
    consented to is never edited: a change is a new version (``material`` when members must
    consent again)."""

    library_lookup = "library"
    base_form_class = LibraryOwnedForm

    library = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    version = models.PositiveIntegerField(_("version"), editable=False)
    text_nb = models.TextField(_("text (Norwegian Bokmål)"))
    text_nn = models.TextField(
        _("text (Norwegian Nynorsk)"),
        blank=True,
        help_text=_("Empty: members who read Nynorsk are shown the Bokmål text."),
    )
    text_en = models.TextField(_("text (English)"))
    material = models.BooleanField(
        _("material change"),
        default=True,
        help_text=_("Members who agreed to an earlier version must agree again."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("library"),
        FieldPanel("purpose"),
        FieldPanel("text_nb"),
        FieldPanel("text_nn"),
        FieldPanel("text_en"),
        FieldPanel("material"),
    ]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["library", "purpose", "version"], name="unique_consent_version"
            )
        ]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.version is None:
            latest = ConsentText.objects.filter(
                library_id=self.library_id, purpose=self.purpose
            ).aggregate(n=models.Max("version"))["n"]
            self.version = (latest or 0) + 1
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.pk and ConsentRecord.objects.filter(text_id=self.pk).exists():
            raise ValidationError(
                _("Members have agreed to this version. Add a new version instead.")
            )

    def text(self, language: str) -> str:
        """The text in ``language`` (a code of settings.LANGUAGES); the Bokmål text where
        this version has none in that language (an empty Nynorsk text, a language added
        without a field here)."""
        return str(getattr(self, f"text_{language}", "") or self.text_nb)


class PanelMember(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for e-mail confirmation")
        ACTIVE = "active", _("Member")
        LEFT = "left", _("Left the panel")

    library_lookup = "library"
    base_form_class = LibraryOwnedForm

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    library = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language"), max_length=8, default="nb")
    age_band = models.CharField(_("age band"), max_length=20)
    attributes = models.JSONField(_("screener answers"), default=dict, blank=True)
    card_hash = models.CharField(
        _("library card (keyed hash)"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Only with consent to linking; the card number itself is never stored."),
    )
    channel = models.CharField(_("joined via"), max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(_("hard bounce"), null=True, blank=True)
    # Retention: the last time the member did something (confirmed, answered, opened their
    # data), and when we told them their membership will end for inactivity.
    last_active_at = models.DateTimeField(null=True, blank=True)
    retention_notice_at = models.DateTimeField(null=True, blank=True)
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    # HMAC of the id (panel.pseudonyms): what pseudonymous answers carry. Deleted with the
    # member, which breaks every link from their answers back to them.
    pseudonym = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The digest of the confirmation link's token (panel.link_tokens): the link is opaque.
    confirm_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["library", "email"], name="unique_member_email")
        ]
        permissions = [
            ("set_do_not_contact", _("Can put members on and off the do-not-contact list"))
        ]
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")

    def __str__(self) -> str:
        return f"{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.pseudonym:
            self.pseudonym = member_pseudonym(self.pk)
        if not self.confirm_digest:
            self.confirm_digest = token_digest(derived_token(CONFIRMATION, str(self.pk)))
        super().save(*args, **kwargs)


class ConsentRecord(LibraryReferences, models.Model):
    """Append-only: a consent given or withdrawn. Never updated or deleted while the member
    exists (erasing the member removes them with the member)."""

    library_lookup = "member__library"

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+")
    given = models.BooleanField()
    at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["at"]


class PanelSignupPage(AnsweredPage):
    """Where people join the panel: minimum personal data, a screener built with the same
    question blocks as surveys, and a consent per purpose. Answered by panel.views.signup
    (the answer_page hook, cms.serving)."""

    base_form_class = LibraryPageForm

    intro = RichTextField(blank=True, verbose_name=_("introduction"))
    screener = StreamField(
        QUESTION_BLOCKS,
        blank=True,
        verbose_name=_("screener questions"),
        help_text=_("Their answers become member attributes that segments can use."),
    )
    thank_you_text = RichTextField(blank=True, verbose_name=_("text after signing up"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("screener"),
        FieldPanel("thank_you_text"),
        InlinePanel(
            "channels",
            label=_("Channels (link, QR poster, wifi embed)"),
            help_text=_(
                "Each channel gets its own short address; who joins through it is recorded "
                "(segments can select “joined via event QR”). Posters and embed codes: "
                "Panel → Sign-up channels."
            ),
        ),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    # A channel's code is its address: copies (translations included) get their own
    # channels; a channel reaches the page in the visitor's language.
    exclude_fields_in_copy = ["channels"]

    class Meta:
        verbose_name = _("panel sign-up page")

    def clean(self) -> None:
        super().clean()
        raw = self.screener.get_prep_value()
        wrapped = assign_keys([{"type": "step", "value": {"key": "screener", "questions": raw}}])
        keyed = wrapped[0]["value"]["questions"]
        if keyed != raw:
            self.screener = keyed  # type: ignore[assignment]


class SignupChannel(ChannelBase):
    library_page_lookup = "page"
    page = ParentalKey(PanelSignupPage, on_delete=models.CASCADE, related_name="channels")

    class Meta(ChannelBase.Meta):
        verbose_name = _("sign-up channel")


class AccessLog(models.Model):
    """Every time staff see or export a member's personal data. Kept after the member is
    erased (it then names only the former member's random id)."""

    library_lookup = "library"

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        LIST = "list", _("listed")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    library = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    member_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access to personal data")


class Segment(models.Model):
    """A named group of members, by rules over member fields and screener answers (e.g.
    "student AND loans 1–3 AND joined via an event QR code")."""

    library_lookup = "library"
    base_form_class = LibraryOwnedForm

    library = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    rules = StreamField(
        [("rule", SegmentRuleBlock())],
        blank=True,
        verbose_name=_("rules"),
        help_text=_("No rules: every active member of the library."),
    )
    match = models.CharField(
        _("combine"),
        max_length=3,
        default="all",
        choices=[("all", _("All rules hold")), ("any", _("Any rule holds"))],
    )

    panels = [FieldPanel("library"), FieldPanel("name"), FieldPanel("match"), FieldPanel("rules")]

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    def rule_list(self) -> list[dict[str, str]]:
        return [
            {"field": r.value["field"], "op": r.value["operator"], "value": r.value["value"]}
            for r in self.rules
        ]


class LoanImport(models.Model):
    """One upload of loan statistics: counts and line-by-line problems, never identifiers."""

    library_lookup = "library"

    library = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["library", "sha256"], name="unique_loan_file")
        ]
        verbose_name = _("loan statistics import")
        verbose_name_plural = _("loan statistics imports")


class Campaign(LibraryReferences, models.Model):
    """A survey — or an interview invitation — sent to a segment: when, in which daily
    window, with which reminders. An interview campaign invites members who consented to
    interviews to book a slot (research.interviews); its guide is an interview guide page."""

    class Kind(models.TextChoices):
        SURVEY = "survey", _("Survey")
        INTERVIEW = "interview", _("Interview invitation")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")

    library_lookup = "library"
    base_form_class = CampaignForm

    library = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.SURVEY)
    survey = models.ForeignKey(
        "surveys.SurveyPage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("survey"),
        help_text=_("For a survey campaign."),
    )
    # An interview guide page (research.InterviewGuidePage): the panel knows it only as a
    # page, so it does not depend on the research app (DESIGN.md §1).
    guide = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interview guide"),
        help_text=_("For an interview invitation: members book a time for this interview."),
    )
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, verbose_name=_("segment"))
    starts_at = models.DateTimeField(_("start"))
    window_start = models.TimeField(_("send from"), default=datetime.time(9, 0))
    window_end = models.TimeField(_("send until"), default=datetime.time(20, 0))
    remind_after_days = models.PositiveSmallIntegerField(_("remind after (days)"), default=4)
    max_reminders = models.PositiveSmallIntegerField(
        _("reminders at most"), default=1, validators=[MaxValueValidator(2)]
    )
    cap = models.PositiveIntegerField(_("at most this many invitations"), null=True, blank=True)
    greeting = models.TextField(
        _("greeting"), blank=True, help_text=_("Opens the e-mail, e.g. “Hei! Vi trenger deg.”")
    )
    override_reason = models.TextField(
        _("reason to override the contact limits"),
        blank=True,
        help_text=_(
            "Only for this campaign: invite members even if they were contacted recently "
            "(it lifts the cool-down and the limit per period, never consent, opt-out or "
            "the do-not-contact list). Say why in a sentence: the reason is kept on record "
            "with who launched the campaign and when, and cannot change after the launch."
        ),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    # Who the launch did not invite, and why: the contact rules' reason → how many.
    launch_summary = models.JSONField(default=dict, blank=True)
    # Since when invitations wait for the task queue, which could not be reached to hand
    # them over; cleared when the sweep hands them over (panel.tasks.campaigns_sweep).
    queue_waiting_since = models.DateTimeField(null=True, blank=True, editable=False)

    panels = [
        FieldPanel("library"),
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("survey"),
        PageChooserPanel("guide", "research.InterviewGuidePage"),
        FieldPanel("segment"),
        FieldPanel("starts_at"),
        FieldPanel("window_start"),
        FieldPanel("window_end"),
        FieldPanel("remind_after_days"),
        FieldPanel("max_reminders"),
        FieldPanel("cap"),
        FieldPanel("greeting"),
        FieldPanel("override_reason"),
    ]

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()  # no survey, guide or segment of another library
        if self.kind == self.Kind.SURVEY and self.survey_id is None:
            raise ValidationError({"survey": _("Choose the survey to send.")})
        if self.kind == self.Kind.INTERVIEW and self.guide_id is None:
            raise ValidationError({"guide": _("Choose the interview guide.")})
        # The guide is a page to the panel (it does not import research): its type is
        # checked by name, since the chooser's restriction is only the editor's widget.
        if self.guide is not None and (
            self.guide.specific_class._meta.label != "research.InterviewGuidePage"
        ):
            raise ValidationError({"guide": _("Choose an interview guide page.")})
        reason = self.override_reason.strip()
        if reason and len(reason) < OVERRIDE_REASON_MIN:
            raise ValidationError(
                {
                    "override_reason": _(
                        "Say why in a sentence (at least %(n)d characters): the reason is "
                        "kept with the campaign."
                    )
                    % {"n": OVERRIDE_REASON_MIN}
                }
            )
        if self.pk and self.status != self.Status.DRAFT:
            saved = Campaign.objects.filter(pk=self.pk).values_list("override_reason", flat=True)
            if saved.first() != self.override_reason:
                raise ValidationError(
                    {
                        "override_reason": _(
                            "The campaign is launched: its reason to override the contact "
                            "limits is on record and cannot change."
                        )
                    }
                )

    @property
    def overrides_limits(self) -> bool:
        """A written reason lifts the frequency rules for this campaign (panel.eligibility)."""
        return bool(self.override_reason.strip())

    @property
    def purpose(self) -> str:
        """The consent a member must have given to be invited."""
        return Purpose.INTERVIEWS if self.kind == self.Kind.INTERVIEW else Purpose.PANEL

    @property
    def topic(self) -> Page:
        """What members are invited to: the survey, or the interview guide (for its title)."""
        page = self.guide if self.kind == self.Kind.INTERVIEW else self.survey
        assert page is not None
        return page


class CampaignOverride(models.Model):
    """Append-only: a campaign launched with a reason to override the contact limits —
    the reason as it was at the launch, who launched, when."""

    library_lookup = "campaign__library"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="overrides")
    reason = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("override of the contact limits")


class SendState(models.TextChoices):
    """A message's state (DESIGN.md C6): queued → sending (claimed, with a lease) → sent |
    failed, or withheld when the contact rules said no right before sending."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    WITHHELD = "withheld", _("Not sent (contact rules)")


class Invitation(LibraryReferences, models.Model):
    """One member invited by one campaign. State machine (DESIGN.md C6): queued → sending
    (claimed, with a lease) → sent | failed | withheld; a stale claim may be taken over."""

    library_lookup = "campaign__library"

    State = SendState

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(
        PanelMember, null=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    # The contact rules' answer when they last decided about it (panel.eligibility).
    reason = models.CharField(max_length=30, blank=True)
    # The digest of the link's token (panel.link_tokens): the link is opaque.
    token_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    reconsent = models.BooleanField(default=False)  # ask for the new consent version first
    completed_at = models.DateTimeField(null=True, blank=True)
    # Interview invitations: the member booked but did not come (set by research). Counts
    # in the contact rules (ContactRules.max_no_shows).
    no_show_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="one_invitation_each")
        ]
        indexes = [models.Index(fields=["campaign", "state"], name="invitation_campaign_state")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.token_digest:
            self.token_digest = invitation_link_digest(self.pk)
        super().save(*args, **kwargs)


def invitation_link_digest(invitation_id: Any) -> str:
    """What an invitation row keeps of its link (rows made in bulk set it themselves)."""
    return token_digest(derived_token(INVITATION, str(invitation_id)))


class Reminder(LibraryReferences, models.Model):
    """One reminder of an unanswered invitation, numbered 1…``max_reminders``. The
    number is unique per invitation, so two dispatchers (or a redelivered task) make one
    row, and the row is claimed like an invitation before it is sent: each reminder goes
    out at most once."""

    library_lookup = "invitation__campaign__library"

    State = SendState

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="reminders")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not before: outside the sending window it waits for the window's next opening.
    due_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["invitation", "number"]
        indexes = [models.Index(fields=["state", "due_at"], name="reminder_state_due")]
        constraints = [
            models.UniqueConstraint(fields=["invitation", "number"], name="one_reminder_each")
        ]
        verbose_name = _("reminder")


class ContactBlock(models.Model):
    """Append-only: a member put on (or taken off) the do-not-contact list by staff, with
    the reason. The member's ``do_not_contact`` flag follows the latest record."""

    library_lookup = "member__library"

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.BooleanField()
    reason = models.TextField(_("reason"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("do-not-contact record")
