"""Site pages and per-library settings shared by every app.

A library is a Wagtail Site: its root is a HomePage, its researchers group holds page
permissions on that root, and its LibrarySettings carry name, logo, contacts and thresholds.
"""

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, Site
from wagtail.models.audit_log import BaseLogEntry, BaseLogEntryManager

from . import wcag
from .forms import LibraryPageForm
from .serving import page_answer
from .tenancy import LibraryReferences, library_id_of, library_ids_for_user


class AnsweredPage(Page):
    """A page answered by its app's ``answer_page`` hook (cms.serving), live and in the
    editor's preview; in preview the request carries ``is_preview`` and ``preview_mode`` as
    in Wagtail's own. Pages that need only their own fields stay plain Wagtail pages."""

    class Meta:
        abstract = True

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return page_answer(self, request, *args, **kwargs)

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        request.is_preview = True  # type: ignore[attr-defined]
        request.preview_mode = mode_name  # type: ignore[attr-defined]
        return page_answer(self, request)


class InternalPage(Page):
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


class HomePage(Page):
    """A library's public front page: an introduction and the surveys open to everyone."""

    intro = RichTextField(blank=True, verbose_name=_("introduction"))

    base_form_class = LibraryPageForm
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.StandardPage",
        "cms.AccessibilityStatementPage",
        "surveys.SurveyPage",
        "panel.PanelSignupPage",
        "research.ResearchProjectPage",
    ]

    class Meta:
        verbose_name = _("library home page")


class StandardPage(Page):
    """An editable text page: accessibility statement, privacy statement, about."""

    body = RichTextField(verbose_name=_("body"))

    base_form_class = LibraryPageForm
    content_panels = [*Page.content_panels, FieldPanel("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("text page")


class AccessibilityStatementPage(Page):
    """A library's accessibility statement against the 47 WCAG criteria the Norwegian
    regulation requires (cms.wcag), as uustatus.no asks for it: one row per criterion
    that has been assessed (the rest show as not checked), filled by editors and by
    ``manage.py accessibility_statement_fill`` from the automated tests' results
    (docs/accessibility-statement.md)."""

    intro = RichTextField(blank=True, verbose_name=_("introduction"))
    contact_email = models.EmailField(
        _("feedback address"),
        help_text=_("Where users report accessibility problems and ask for content."),
    )
    statement_date = models.DateField(_("date of the statement"))
    assessment = models.TextField(
        _("how the assessment was made"),
        help_text=_(
            "For example: automated tests (axe-core, keyboard and no-JavaScript tests in "
            "Chromium) and a manual review by the library."
        ),
    )

    base_form_class = LibraryPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("contact_email"), FieldPanel("statement_date"), FieldPanel("assessment")],
            heading=_("About the statement"),
        ),
        InlinePanel("criteria", heading=_("Success criteria"), label=_("criterion")),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("accessibility statement")

    def statement_rows(self) -> list[wcag.Row]:
        """All 47 criteria with this page's values (in memory in a preview or revision)."""
        stored = {
            row.criterion: {
                "status": row.status,
                "evidence": row.evidence,
                "problem": row.problem,
                "fix_by": row.fix_by,
            }
            for row in self.criteria.all()
        }
        return wcag.statement_rows(stored)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        language = getattr(request, "LANGUAGE_CODE", "nb")
        rows = self.statement_rows()
        labels = dict(AccessibilityCriterionRow.Status.choices)
        context["summary"] = wcag.status_counts(rows)
        context["principles"] = [
            {
                "number": principle.number,
                "name": principle.name_nb if wcag.norwegian(language) else principle.name_en,
                "rows": [
                    {
                        "number": row.criterion.number,
                        "name": row.criterion.name(language),
                        "level": row.criterion.level,
                        "status": row.status,
                        "status_label": labels[row.status],
                        "evidence": row.evidence,
                        "problem": row.problem,
                        "fix_by": date.fromisoformat(row.fix_by) if row.fix_by else None,
                    }
                    for row in rows
                    if row.criterion.principle == principle.number
                ],
            }
            for principle in wcag.PRINCIPLES
        ]
        return context


def criterion_choices() -> list[tuple[str, str]]:
    """The 47 criteria, named in the editor's language (read when a form is shown)."""
    language = get_language() or "nb"
    return [(c.number, f"{c.number} {c.name(language)} ({c.level})") for c in wcag.CRITERIA]


class AccessibilityCriterionRow(Orderable):
    """One success criterion of a statement: its status and the evidence for it."""

    library_page_lookup = "page"

    class Status(models.TextChoices):
        MET = wcag.MET, _("met")
        NOT_MET = wcag.NOT_MET, _("not met")
        NOT_APPLICABLE = wcag.NOT_APPLICABLE, _("not applicable")
        NOT_CHECKED = wcag.NOT_CHECKED, _("not checked")

    page = ParentalKey(
        AccessibilityStatementPage, on_delete=models.CASCADE, related_name="criteria"
    )
    criterion = models.CharField(
        _("criterion"),
        max_length=8,
        choices=criterion_choices,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NOT_CHECKED
    )
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("How it was checked, and what was found.")
    )
    problem = models.TextField(
        _("what is wrong"), blank=True, help_text=_("For a criterion not met.")
    )
    fix_by = models.DateField(
        _("to be fixed by"), null=True, blank=True, help_text=_("For a criterion not met.")
    )

    panels = [
        FieldRowPanel([FieldPanel("criterion"), FieldPanel("status")]),
        FieldPanel("evidence"),
        FieldRowPanel([FieldPanel("problem"), FieldPanel("fix_by")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("success criterion")
        unique_together = [("page", "criterion")]

    def clean(self) -> None:
        super().clean()
        if self.status == wcag.NOT_MET and not (self.problem or self.evidence):
            raise ValidationError({"problem": _("Say what is wrong for a criterion not met.")})


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        message = _("Not a valid regular expression: %(error)s") % {"error": exc}
        raise ValidationError(message) from exc


@register_setting(icon="site")
class LibrarySettings(LibraryReferences, BaseSiteSetting):
    """Per-library values (DESIGN.md §3): one row per Wagtail Site. Its pages
    (accessibility and privacy statements) must be the library's own."""

    library_lookup = "site"

    library_name = models.CharField(_("library name"), max_length=120, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
    )
    sender_email = models.EmailField(_("sender address"), blank=True)
    privacy_contact = models.EmailField(_("privacy contact"), blank=True)
    k_threshold = models.PositiveSmallIntegerField(
        _("smallest group shown (k)"),
        default=5,
        validators=[MinValueValidator(3)],
        help_text=_("Counts below this are hidden in every output. Never below 3."),
    )
    retention_months = models.PositiveSmallIntegerField(_("retention (months)"), default=24)
    card_number_pattern = models.CharField(
        _("library card number pattern"),
        max_length=100,
        default=r"N\d{9}",
        validators=[validate_regex],
        help_text=_(
            "A regular expression for the library's card numbers, removed from free-text "
            "answers in every output. Default: N followed by nine digits."
        ),
    )
    accessibility_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accessibility statement"),
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("privacy statement"),
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("library_name"), FieldPanel("logo"), FieldPanel("sender_email")],
            heading=_("Library"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("privacy_contact"),
                FieldPanel("k_threshold"),
                FieldPanel("retention_months"),
                FieldPanel("card_number_pattern"),
                FieldPanel("accessibility_page"),
                FieldPanel("privacy_page"),
            ],
            heading=_("Privacy and accessibility"),
        ),
    ]

    class Meta:
        verbose_name = _("library settings")


class LibraryLogEntryManager(BaseLogEntryManager):
    def log_action(self, instance: Any, action: str, **kwargs: Any) -> Any:
        kwargs.update(object_id=str(instance.pk), library_id=library_id_of(instance))
        return super().log_action(instance, action, **kwargs)

    def for_instance(self, instance: Any) -> Any:
        return self.filter(
            content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
            object_id=str(instance.pk),
        )

    def viewable_by_user(self, user: Any) -> Any:
        """The entries of the user's libraries, of the object types they have any
        permission on (superusers: all)."""
        ids = library_ids_for_user(user)
        if ids is None:
            return self.all()
        entries = self.filter(library__in=ids)
        allowed = []
        for content_type_id in entries.values_list("content_type_id", flat=True).distinct():
            content_type = ContentType.objects.get_for_id(content_type_id)
            if any(
                user.has_perm(f"{content_type.app_label}.{action}_{content_type.model}")
                for action in ("add", "change", "delete", "view")
            ):
                allowed.append(content_type_id)
        return entries.filter(content_type_id__in=allowed)


class LibraryLogEntry(BaseLogEntry):
    """Wagtail's log of what was done to a library-owned object (created, edited,
    deleted), kept with the object's library: Wagtail's own model log would show every
    library's entries to anyone who may edit the model (cms.wagtail_hooks registers it)."""

    library_lookup = "library"

    object_id = models.CharField(max_length=255, db_index=True)
    library = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = LibraryLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = _("library log entry")
        verbose_name_plural = _("library log entries")

    def __str__(self) -> str:
        return f"{self.action} {self.object_verbose_name} {self.object_id}"


class StaffSession(models.Model):
    """A signed-in session, noted by a hash of its key (cms.sessions): its owner sees
    their sessions and can end them; an idle one ends by itself. Belongs to no library."""

    library_owned = False

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    browser = models.CharField(_("browser"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff session")
