"""Admin forms of population margins: the CSV upload and the mapping to survey questions."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput
from wagtail.models import Site

from cms.forms import form_blank_choices_named, form_library_from_user
from cms.tenancy import form_choices_scope

from .models import MarginDimension, PopulationMargin
from .selectors import option_guess


class MarginUploadForm(forms.Form):
    library = forms.ModelChoiceField(queryset=Site.objects.all())
    name = forms.CharField(label=_("Name"), max_length=200)
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        help_text=_("Where the counts come from, e.g. “SSB table 07459, Stavanger 2026”."),
    )
    date = forms.DateField(
        label=_("Date"), widget=AdminDateInput, help_text=_("The date the counts describe.")
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns dimension, category, population: one row per category with its "
            "population count. Never a list of people."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_choices_scope(self, user)
        form_library_from_user(self, user)


def _question_choices(questions: list[dict[str, Any]]) -> list[Any]:
    by_survey: dict[str, list[tuple[str, str]]] = {}
    for q in questions:
        by_survey.setdefault(q["survey"], []).append((q["key"], f"{q['label']} ({q['key']})"))
    return [("", _("Not mapped")), *by_survey.items()]


class MarginMappingForm(forms.Form):
    """Per dimension a choice of survey question (``q-<id>``) and, for the question it is
    mapped to, per category a choice of that question's option (``o-<id>-<category>``)."""

    def __init__(
        self,
        *args: Any,
        dimensions: list[MarginDimension],
        questions: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
        self.by_key = {q["key"]: q for q in questions}
        choices = _question_choices(questions)
        self.rows: list[dict[str, Any]] = []
        for dimension in dimensions:
            name = f"q-{dimension.pk}"
            self.fields[name] = forms.ChoiceField(
                label=dimension.label, choices=choices, required=False
            )
            self.initial[name] = dimension.question_key
            question = self.by_key.get(dimension.question_key)
            option_fields = []
            if question is not None:
                option_choices = [("", _("No matching option")), *question["options"]]
                for category in dimension.category_list():
                    field = f"o-{dimension.pk}-{category['key']}"
                    self.fields[field] = forms.ChoiceField(
                        label=category["label"], choices=option_choices, required=False
                    )
                    self.initial[field] = category["option"] or option_guess(
                        category, question["options"]
                    )
                    option_fields.append(field)
            self.rows.append({"dimension": dimension, "question": name, "options": option_fields})
        form_blank_choices_named(self)

    def mapping_of(self, dimension: MarginDimension) -> tuple[str, dict[str, str], bool]:
        """(question key, category key → option key, whether the question changed) as
        posted; a changed question's options are guessed, for the researcher to check."""
        question_key = self.cleaned_data.get(f"q-{dimension.pk}") or ""
        changed = question_key != dimension.question_key
        options: dict[str, str] = {}
        question = self.by_key.get(question_key)
        for category in dimension.category_list():
            if question is None:
                continue
            if changed:
                options[category["key"]] = option_guess(category, question["options"])
            else:
                posted = self.cleaned_data.get(f"o-{dimension.pk}-{category['key']}") or ""
                options[category["key"]] = posted
        return question_key, options, changed

    def fields_of(self, names: list[str]) -> list[Any]:
        return [self[name] for name in names]


class RepresentativenessForm(forms.Form):
    """The explore view's choice of population margin (the survey's library's)."""

    margin: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=PopulationMargin.objects.none(), label=_("Population margins")
    )

    def __init__(self, *args: Any, margins: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["margin"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = margins
        form_blank_choices_named(self)


class WeightingForm(forms.Form):
    """The explore view's "Weight by": a population margin of the survey's library and
    the trimming cap (times the mean weight; empty: no trimming)."""

    weight_margin: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=PopulationMargin.objects.none(), label=_("Weight by")
    )
    cap = forms.FloatField(
        label=_("Trimming cap"),
        required=False,
        initial=5.0,
        min_value=1.01,
        max_value=100,
        help_text=_("No weight above this many times the mean weight. Empty: no trimming."),
    )

    def __init__(self, *args: Any, margins: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["weight_margin"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = margins
        form_blank_choices_named(self)
