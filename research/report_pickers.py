"""Pick, don't type, in findings reports (issue 17): a chart's, cross-tab's or quote's
question is chosen from a list of the library's surveys' questions, by label, grouped by
survey; the key stays what is stored.

Pure (no models): the list is read per request by the admin's edit and create hooks
(research.wagtail_hooks, through research.selectors.report_survey_questions) and held in a
context variable that the widgets read when the block definitions render. Every option
says its survey (``data-survey``); surveys/question_pickers.js shows only the chosen
survey's questions. The fields accept any key: FindingsReportPage.problems reports a key
the survey does not have.
"""

from contextvars import ContextVar
from typing import Any

from django import forms
from django.utils.translation import gettext as _

SurveyQuestions = list[dict[str, Any]]  # [{"id", "title", "questions": [{"key", "label"}]}]

_surveys: ContextVar[SurveyQuestions | None] = ContextVar("innsikt_report_surveys", default=None)


def report_surveys_set(surveys: SurveyQuestions | None) -> None:
    _surveys.set(surveys)


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= 80 else text[:79] + "…"


def report_question_choices(*, extra: list[tuple[str, str]] | None = None) -> list[Any]:
    choices: list[Any] = [("", _("Choose a question"))]
    if extra:
        choices.append((_("Other columns"), extra))
    for survey in _surveys.get() or []:
        options = [(q["key"], _short(q["label"] or q["key"])) for q in survey["questions"]]
        if options:
            choices.append((survey["title"], options))
    return choices


def _survey_of(key: str) -> list[str]:
    return [
        str(s["id"]) for s in _surveys.get() or [] if any(q["key"] == key for q in s["questions"])
    ]


class ReportQuestionSelect(forms.Select):
    """A select of the library's surveys' questions; each option says its survey."""

    def __init__(self, *, columns: bool = False) -> None:
        super().__init__(attrs={"data-innsikt-report-question": ""})
        self.choices = self._columns if columns else report_question_choices  # type: ignore[assignment]  # re-read per render

    @staticmethod
    def _columns() -> list[Any]:
        return report_question_choices(
            extra=[("channel", _("Channel")), ("segment", _("Panel segment"))]
        )

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # type: ignore[no-untyped-def]
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        surveys = _survey_of(str(value))
        if surveys and value:
            option["attrs"]["data-survey"] = " ".join(surveys)
        return option
