"""Admin forms of the interview workflow: adding times, notes and excerpts."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import InterviewCode


class SlotsAddForm(forms.Form):
    """One or more consecutive times, e.g. six 30-minute interviews with 15 minutes between."""

    first_start = forms.DateTimeField(
        label=_("First start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=5, max_value=240, initial=30
    )
    count = forms.IntegerField(
        label=_("How many times in a row"), min_value=1, max_value=40, initial=1
    )
    gap_minutes = forms.IntegerField(
        label=_("Break between (minutes)"), min_value=0, max_value=240, initial=15
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    interviewer = forms.ModelChoiceField(
        label=_("Interviewer"), queryset=get_user_model().objects.none(), required=False
    )
    capacity = forms.IntegerField(
        label=_("Places per time"),
        min_value=1,
        max_value=20,
        initial=1,
        help_text=_("1 for an interview; more for a group session."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["interviewer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = get_user_model().objects.filter(is_active=True).order_by("username")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("place") and not data.get("video_url"):
            raise forms.ValidationError(_("Give a place, a video link or both."))
        return data


class NoteForm(forms.Form):
    """The note under one guide question (prefixed with the question's key)."""

    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))


def _code_label(code: InterviewCode) -> str:
    return code.path


class ExcerptForm(forms.Form):
    """Tag a passage of one note: copy it from the note, pick codes, perhaps mark it as a
    quote."""

    text = forms.CharField(
        label=_("Passage"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Copy the words from the note above."),
    )
    codes = forms.ModelMultipleChoiceField(
        label=_("Codes"),
        queryset=InterviewCode.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    quotable = forms.BooleanField(label=_("May be quoted in reports (anonymised)"), required=False)

    def __init__(self, *args: Any, library_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["codes"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        codes = list(InterviewCode.objects.filter(library_id=library_id).select_related("parent"))
        field.queryset = InterviewCode.objects.filter(library_id=library_id)
        # Django's documented way to relabel choices; mypy sees a method replaced.
        field.label_from_instance = _code_label  # type: ignore[method-assign,assignment]
        field.choices = [(c.pk, c.path) for c in sorted(codes, key=lambda c: c.path)]
