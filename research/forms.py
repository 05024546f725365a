"""Admin forms for analysis filters and exports."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .analysis import Filters
from .models import ExportJob


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

    def __init__(self, *args: Any, channels: list[str], versions: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [(c, c) for c in channels]
        self.fields["versions"].choices = [(v, str(v)) for v in versions]

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
        )


class ExportForm(FiltersForm):
    format = forms.ChoiceField(
        label=_("Format"), choices=ExportJob.Format.choices, widget=forms.RadioSelect
    )
