"""Admin forms for analysis filters and exports."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .findings.filters import Filters
from .models import ExportJob


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """A field the form class declares as a ChoiceField, to be given its choices."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class FiltersForm(forms.Form):
    """Channel, period and version; every field optional (empty = all)."""

    channels = forms.MultipleChoiceField(
        label=_("Channels"), required=False, widget=forms.CheckboxSelectMultiple
    )
    date_from = forms.DateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    versions = forms.TypedMultipleChoiceField(
        label=_("Versions"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    segment = forms.TypedChoiceField(
        label=_("Panel segment"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Panel surveys: only the answers of the segment's current members."),
    )

    def __init__(
        self,
        *args: Any,
        channels: list[str],
        versions: list[int],
        segments: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "channels").choices = [(c, c) for c in channels]
        _choice_field(self, "versions").choices = [(v, str(v)) for v in versions]
        _choice_field(self, "segment").choices = [("", _("Everyone")), *(segments or [])]
        if not segments:
            del self.fields["segment"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(
            channels=frozenset(data.get("channels") or []),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            versions=frozenset(data.get("versions") or []),
            segment_id=data.get("segment"),
        )


class AnswersForm(FiltersForm):
    """The answer list's filters: channel, period and version (no panel segment: a list of
    single answers by segment would single out its members), completion, and a search of
    the scrubbed free text. Sent with GET, so a filtered list has an address."""

    completion = forms.ChoiceField(
        label=_("Completion"),
        required=False,
        choices=[
            ("", _("All answers")),
            ("complete", _("Every question shown was answered")),
            ("partial", _("Some questions shown were left unanswered")),
        ],
        widget=forms.RadioSelect,
    )
    q = forms.CharField(
        label=_("Search the free text"),
        required=False,
        max_length=200,
        help_text=_(
            "Finds words in the free-text answers as they are shown: with personal data "
            "(phone numbers, e-mail addresses, national identity and library card numbers) "
            "removed, so those are never found."
        ),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args: Any, channels: list[str], versions: list[int], **kwargs: Any):
        super().__init__(*args, channels=channels, versions=versions, segments=None, **kwargs)


class ExportForm(FiltersForm):
    """Format and filters, and optionally a raking weight: a population margin of the
    survey's library (``margins``: (pk, name) pairs; without any, no weight fields) and the
    trimming cap."""

    format = forms.ChoiceField(
        label=_("Format"), choices=ExportJob.Format.choices, widget=forms.RadioSelect
    )
    weight_margin = forms.TypedChoiceField(
        label=_("Weight by"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Adds a column “weight”: each answer's raking weight to this population margin "
            "(mean 1), for weighted tables in SPSS or R. If no weights can be made, the "
            "export fails and says why."
        ),
    )
    weight_cap = forms.FloatField(
        label=_("Largest weight (× the mean)"),
        required=False,
        initial=5,
        help_text=_("Weights above this are trimmed to it. Default 5."),
    )

    def __init__(
        self, *args: Any, margins: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not margins:
            del self.fields["weight_margin"], self.fields["weight_cap"]
            return
        _choice_field(self, "weight_margin").choices = [("", _("No weight")), *margins]

    def clean_weight_cap(self) -> float:
        cap = self.cleaned_data.get("weight_cap")
        if cap is None:
            return 5.0
        if not cap > 1:
            raise forms.ValidationError(
                _("The largest weight must be more than 1 (1 would make every weight 1).")
            )
        return float(cap)

    def weighting(self) -> dict[str, Any]:
        """export_start's weight arguments from the valid form: none without a margin."""
        margin = self.cleaned_data.get("weight_margin")
        if margin is None:
            return {}
        return {"weight_margin_id": margin, "weight_cap": self.cleaned_data["weight_cap"]}


class CrosstabForm(forms.Form):
    """Two dimensions of the survey: questions, or the channel / a segment comparison."""

    rows = forms.ChoiceField(label=_("Rows"))
    columns = forms.ChoiceField(label=_("Columns"))
    percent = forms.ChoiceField(
        label=_("Percentages"),
        initial="row",
        choices=[("row", _("Of each row")), ("column", _("Of each column")), ("none", _("None"))],
    )

    def __init__(self, *args: Any, questions: list[tuple[str, str]], segments: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice_field(self, "rows").choices = questions
        extra = [("channel", _("Channel"))] + (
            [("segment", _("Panel segments"))] if segments else []
        )
        _choice_field(self, "columns").choices = [*questions, *extra]
