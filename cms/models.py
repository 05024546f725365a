"""Site pages and per-library settings shared by every app.

A library is a Wagtail Site: its root is a HomePage, its researchers group holds page
permissions on that root, and its LibrarySettings carry name, logo, contacts and thresholds.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """A library's public front page: an introduction and the surveys open to everyone."""

    intro = RichTextField(blank=True, verbose_name=_("introduction"))

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.StandardPage",
        "surveys.SurveyPage",
        "panel.PanelSignupPage",
        "research.ResearchProjectPage",
    ]

    class Meta:
        verbose_name = _("library home page")


class StandardPage(Page):
    """An editable text page: accessibility statement, privacy statement, about."""

    body = RichTextField(verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("text page")


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        message = _("Not a valid regular expression: %(error)s") % {"error": exc}
        raise ValidationError(message) from exc


@register_setting(icon="site")
class LibrarySettings(BaseSiteSetting):
    """Per-library values (DESIGN.md §3): one row per Wagtail Site."""

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
