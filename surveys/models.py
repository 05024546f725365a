"""Surveys: the page researchers build, its frozen versions, channels, quotas and responses.

Anonymity (DESIGN.md §3): a Response has a random UUID key, a day-precision date at most, no
IP, user agent, cookie or session id, and no link to the abuse-control token. Started counts
are per day and channel, never per respondent.
"""

import re
import secrets
import uuid

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.url_routing import RouteResult

from cms.models import AnsweredPage
from cms.selectors import content_cached

from .blocks import SurveyBodyBlock
from .editor import LogicPanel, SurveyPageForm
from .keys import assign_keys, saved_keys
from .logic import validate_schema
from .routes import route_match
from .schema import compile_schema, questions_by_key

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def new_channel_code() -> str:
    """10 characters from a 31-letter alphabet (~50 bits): short enough for a QR poster,
    unguessable enough for a public survey address (it protects nothing secret)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


class SurveyPage(AnsweredPage):
    base_form_class = SurveyPageForm

    intro = RichTextField(blank=True, verbose_name=_("introduction"))
    body = StreamField(SurveyBodyBlock(), verbose_name=_("questions"), blank=True)
    thank_you_text = RichTextField(blank=True, verbose_name=_("thank-you text"))
    closed_text = RichTextField(
        blank=True,
        verbose_name=_("closed-survey text"),
        help_text=_("Shown when the survey is closed, not yet open or full."),
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    response_limit = models.PositiveIntegerField(
        _("response limit"), null=True, blank=True, help_text=_("Close after this many answers.")
    )
    one_response_per_browser = models.BooleanField(
        _("one response per browser"),
        default=True,
        help_text=_("Uses a signed cookie, never the IP address."),
    )
    store_date = models.BooleanField(
        _("store the answer date (day only)"),
        default=True,
        help_text=_("Turn off to keep no time at all with the answers."),
    )
    resume_days = models.PositiveSmallIntegerField(
        _("days a saved answer can be resumed"), default=7
    )
    listed = models.BooleanField(_("list on the library's front page"), default=True)
    invitation_only = models.BooleanField(
        _("by invitation only"),
        default=False,
        help_text=_(
            "Only the links in the panel's invitations open the survey. Its own address, QR "
            "codes and embeds say that it is by invitation, so nobody invited answers twice "
            "(once by invitation, once anonymously)."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        LogicPanel(heading=_("Logic in words")),
        FieldPanel("body"),
        FieldPanel("thank_you_text"),
        FieldPanel("closed_text"),
    ]
    collect_panels = [
        MultiFieldPanel(
            [FieldPanel("opens_at"), FieldPanel("closes_at"), FieldPanel("response_limit")],
            heading=_("When and how many"),
        ),
        InlinePanel("quotas", label=_("Quotas")),
        MultiFieldPanel(
            [
                FieldPanel("one_response_per_browser"),
                FieldPanel("invitation_only"),
                FieldPanel("store_date"),
                FieldPanel("resume_days"),
                FieldPanel("listed"),
            ],
            heading=_("Privacy and respondents"),
        ),
        InlinePanel("channels", label=_("Channels (link, QR poster, wifi embed)")),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Questionnaire")),
            ObjectList(collect_panels, heading=_("Collecting")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
        ]
    )
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    # Channels and quotas belong to the original survey; a translated copy answers under the
    # same channel codes and counts towards the same quotas (selectors match translation_key).
    exclude_fields_in_copy = ["channels", "quotas"]

    class Meta:
        verbose_name = _("survey")

    def clean(self) -> None:
        super().clean()
        body_errors, other_errors = self.body_prepare()
        if body_errors or other_errors:
            raise ValidationError({"body": body_errors, NON_FIELD_ERRORS: other_errors})

    def body_prepare(self) -> tuple[list[str], list[str]]:
        """Give every block of the questions its stable key and check the survey's logic
        and quotas. Changes ``body`` (keys only); returns editor-facing error messages about
        the questions and about the rest (quotas)."""
        # The stored row, not the submitted form, says which key each existing block has:
        # answers are stored by key, so a key is never edited (surveys.keys).
        saved: dict[str, str] = {}
        if self.pk:
            stored = SurveyPage.objects.filter(pk=self.pk).values_list("body", flat=True).first()
            if stored:
                saved = saved_keys(list(stored.raw_data) if hasattr(stored, "raw_data") else stored)
        raw = self.body.get_prep_value()
        keyed = assign_keys(raw, saved)
        if keyed != raw:
            self.body = keyed  # type: ignore[assignment]
        schema = compile_schema(keyed)
        questions = questions_by_key(schema)
        quota_errors: list[str] = []
        for quota in self.quotas.all() if self.pk or hasattr(self, "quotas") else []:
            q = questions.get(quota.question_key)
            if q is None or q["type"] != "single_choice":
                quota_errors.append(
                    _('Quota: "%(key)s" is not a single-choice question in this survey.')
                    % {"key": quota.question_key}
                )
            elif quota.option_key not in {o["key"] for o in q["options"]}:
                quota_errors.append(
                    _('Quota: "%(option)s" is not an option of "%(key)s".')
                    % {"option": quota.option_key, "key": quota.question_key}
                )
        return validate_schema(schema), quota_errors

    # ---- serving ------------------------------------------------------------------------
    # A survey is answered by the front door (surveys.views.survey_serve, through the
    # answer_page hook: cms.serving); the page only says which route a path is.
    def route(self, request: HttpRequest, path_components: list[str]) -> RouteResult:
        found = route_match("".join(f"{part}/" for part in path_components))
        if found is None or not self.live:
            raise Http404
        name, kwargs = found
        return RouteResult(self, args=(name,), kwargs=kwargs)

    def get_view_restrictions(self) -> QuerySet[PageViewRestriction]:
        """Wagtail's check on every request, answered from the content cache while the
        survey has no restriction: a survey is answered far more often than its privacy
        changes (cms.receivers drops the cache when a restriction changes). Still a
        queryset, as the admin's privacy dialog expects."""
        restricted = content_cached(
            f"view-restricted:{self.pk}", lambda: Page.get_view_restrictions(self).exists()
        )
        if not restricted:
            none = PageViewRestriction.objects.none()
            # Known to be empty: the hook's iteration then compiles no SQL (~40 µs).
            none._result_cache = []
            return none
        return Page.get_view_restrictions(self)

    # Wagtail preview: one mode per step, rendered by the respondent's own templates.
    @property
    def preview_modes(self) -> list[tuple[str, str]]:
        steps = compile_schema(self.body.get_prep_value())["steps"]
        return [(str(i), str(_("Page %(n)d") % {"n": i + 1})) for i in range(len(steps))] or [
            ("0", str(_("Page 1")))
        ]

    @property
    def default_preview_mode(self) -> str:
        return "0"


class SurveyVersion(models.Model):
    """The questions as they were when a survey was published (immutable)."""

    library_page_lookup = "page"

    page = models.ForeignKey(SurveyPage, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    schema = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="unique_survey_version")
        ]
        ordering = ["page", "-number"]

    def __str__(self) -> str:
        return f"{self.page_id} v{self.number}"


class ChannelBase(Orderable):
    """Where people reach a page: a link, an event's QR poster or an embed on the wifi
    landing page, with a short code for its URL. Survey channels and the panel's sign-up
    channels share it."""

    class Kind(models.TextChoices):
        LINK = "link", _("Link")
        QR = "qr", _("Event QR poster")
        EMBED = "embed", _("Embedded form (wifi landing page)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LINK)
    name = models.CharField(
        _("name"), max_length=120, help_text=_("E.g. the event: “Bokbad 12. mars”.")
    )
    code = models.CharField(max_length=16, unique=True, default=new_channel_code, editable=False)
    allowed_origins = models.TextField(
        _("allowed embedding sites"),
        blank=True,
        help_text=_(
            "For embeds: one origin per line, e.g. https://wifi.stavanger.kommune.no. "
            "Other sites cannot show the form."
        ),
    )

    panels = [FieldPanel("kind"), FieldPanel("name"), FieldPanel("allowed_origins")]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("channel")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    def clean(self) -> None:
        super().clean()
        bad = [o for o in self.allowed_origins.split() if not ORIGIN_RE.match(o.rstrip("/"))]
        if bad:
            raise ValidationError(
                {
                    "allowed_origins": _(
                        "Write each site as an origin, like https://wifi.example.no: %(bad)s"
                    )
                    % {"bad": ", ".join(bad)}
                }
            )

    def origins(self) -> list[str]:
        # Only well-formed origins reach the CSP header, even if clean() was bypassed.
        candidates = [o.strip().rstrip("/") for o in self.allowed_origins.split()]
        return [o for o in candidates if ORIGIN_RE.match(o)]


class Channel(ChannelBase):
    library_page_lookup = "survey"
    survey = ParentalKey(SurveyPage, on_delete=models.CASCADE, related_name="channels")

    class Meta(ChannelBase.Meta):
        verbose_name = _("channel")


class Quota(Orderable):
    library_page_lookup = "survey"

    class Action(models.TextChoices):
        CLOSE = "close", _("Close the survey")
        SCREEN_OUT = "screen_out", _("Thank and stop respondents who give this answer")

    survey = ParentalKey(SurveyPage, on_delete=models.CASCADE, related_name="quotas")
    question_key = models.CharField(_("question key"), max_length=80)
    option_key = models.CharField(_("option key"), max_length=80)
    limit = models.PositiveIntegerField(_("number of answers"))
    action = models.CharField(
        _("when full"), max_length=12, choices=Action.choices, default=Action.SCREEN_OUT
    )

    panels = [
        FieldPanel("question_key"),
        FieldPanel("option_key"),
        FieldPanel("limit"),
        FieldPanel("action"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("quota")


class Response(models.Model):
    """One finished answer. Random key; no IP, agent, cookie or precise time (see module doc)."""

    library_page_lookup = "survey"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(SurveyPage, on_delete=models.CASCADE, related_name="responses")
    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    channel_kind = models.CharField(max_length=10, default=Channel.Kind.LINK)
    language = models.CharField(max_length=8)
    answers = models.JSONField(default=dict)
    submitted_on = models.DateField(null=True, blank=True)
    pseudonym = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["survey", "submitted_on"], name="response_survey_day")]
        verbose_name = _("response")


class SurveyStart(models.Model):
    """How many respondents saved a first page, per survey, channel and day (a counter,
    never a row per respondent). ``channel_code`` is "" for the survey's own address and
    ``day`` is "" when the survey keeps no dates."""

    library_page_lookup = "survey"

    survey = models.ForeignKey(SurveyPage, on_delete=models.CASCADE, related_name="+")
    channel_code = models.CharField(max_length=16, blank=True, default="")
    day = models.CharField(max_length=10, blank=True, default="")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "channel_code", "day"], name="unique_survey_start"
            )
        ]


class ResumeDraft(models.Model):
    """A half-finished answer saved for later. Reached only with a random token whose hash is
    stored here; it carries no identity and is deleted on resume or expiry."""

    library_page_lookup = "survey"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    survey = models.ForeignKey(SurveyPage, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL)
    data = models.JSONField()
    expires_on = models.DateField()
