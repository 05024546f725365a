"""Population margins (issue 19): a library's known population counts per category of one
or more dimensions (age band, loan band, student yes/no, district …), with their source
and date, and how each dimension maps to a survey question. Respondents are compared with
them (representativeness, research.margins.selectors) and raked to them
(research.findings.weighting).

Margins are aggregate counts, never person-level data: the CSV upload refuses files that
look person-level (research.findings.margins_csv)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Site

from cms.forms import LibraryOwnedForm
from cms.tenancy import LibraryReferences

from .blocks import MarginCategoriesBlock


class PopulationMarginForm(LibraryOwnedForm):
    """Every dimension key once per margin (inline forms validate one at a time)."""

    def clean(self) -> Any:
        cleaned = super().clean()
        formset = self.formsets.get("dimensions")
        if formset is None:
            return cleaned
        seen: set[str] = set()
        for child in formset.forms:
            data = getattr(child, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            key = str(data.get("key") or "")
            if key in seen:
                child.add_error("key", _("Another dimension of this margin has this key."))
            seen.add(key)
        return cleaned


class PopulationMargin(LibraryReferences, ClusterableModel):
    """A library's population counts, with where they come from and when they were true."""

    library_lookup = "library"
    base_form_class = PopulationMarginForm

    library = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("Where the counts come from, e.g. “SSB table 07459, Stavanger 2026”."),
    )
    date = models.DateField(_("date"), help_text=_("The date the counts describe."))

    panels = [
        FieldPanel("library"),
        FieldPanel("name"),
        FieldPanel("source"),
        FieldPanel("date"),
        InlinePanel("dimensions", label=_("Dimensions"), min_num=1),
    ]

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("population margin")
        verbose_name_plural = _("population margins")

    def __str__(self) -> str:
        return self.name


class MarginDimension(Orderable):
    """One dimension of a margin: its categories with population counts, and the survey
    question it maps to (by key; each category names the option it matches)."""

    library_lookup = "margin__library"

    margin = ParentalKey(PopulationMargin, on_delete=models.CASCADE, related_name="dimensions")
    key = models.SlugField(_("key"), max_length=64, help_text=_("Short and stable, e.g. age."))
    label = models.CharField(_("label"), max_length=200)
    question_key = models.CharField(
        _("survey question"),
        max_length=120,
        blank=True,
        help_text=_("Chosen on the “Map to a survey question” page."),
    )
    categories = StreamField(MarginCategoriesBlock(), verbose_name=_("categories"))

    panels = [FieldPanel("key"), FieldPanel("label"), FieldPanel("categories")]

    class Meta(Orderable.Meta):
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")

    def __str__(self) -> str:
        return self.label or self.key

    def category_list(self) -> list[dict[str, Any]]:
        """The categories as dicts: key, label, population, option ("" when unmapped)."""
        return [
            {
                "key": str(child.value["key"]),
                "label": str(child.value["label"]),
                "population": int(child.value["population"] or 0),
                "option": str(child.value.get("option") or ""),
            }
            for child in self.categories
        ]

    def clean(self) -> None:
        super().clean()
        if self.key and not self.label:
            raise ValidationError({"label": _("Give the dimension a label.")})
