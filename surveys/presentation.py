"""How surveys read for people: option labels instead of keys (piping, admin, CSV), the
headings of the message pages, and the editor's preview of a step."""

from collections.abc import Mapping
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .forms import StepForm
from .logic import condition_holds, evaluate
from .schema import Schema, answerable, compile_schema

YES_NO = {"yes": "Yes", "no": "No"}


def option_label(q: Mapping[str, Any], key: str) -> str:
    if q["type"] == "yes_no":
        return _(YES_NO.get(key, key))
    if key == "other":
        return _("Other")
    for option in q.get("options") or []:
        if option["key"] == key:
            return str(option["label"])
    return key


def answer_text(q: dict[str, Any], value: Any, other: str = "") -> str:
    """One answer as plain text in the respondent's terms."""
    if value in (None, "", [], {}):
        return ""
    kind = q["type"]
    if kind in ("single_choice", "dropdown", "yes_no"):
        text = option_label(q, str(value))
        return f"{text}: {other}" if value == "other" and other else text
    if kind == "multiple_choice":
        parts = [option_label(q, str(v)) for v in value]
        if other:
            parts = [p if p != _("Other") else f"{p}: {other}" for p in parts]
        return ", ".join(parts)
    if kind == "ranking":
        return " > ".join(option_label(q, str(v)) for v in value)
    if kind == "matrix":
        columns = {c["key"]: c["label"] for c in q["columns"]}
        rows = {r["key"]: r["label"] for r in q["rows"]}
        return "; ".join(f"{rows.get(r, r)}: {columns.get(c, c)}" for r, c in value.items())
    if kind == "consent":
        return _("Yes")
    return str(value)


def answer_labels(schema: Schema, answers: dict[str, Any]) -> dict[str, str]:
    """{question key: answer text} for piping earlier answers into later labels."""
    labels = {}
    for step in schema["steps"]:
        for q in step["questions"]:
            if answerable(q) and q["key"] in answers:
                labels[q["key"]] = answer_text(
                    q, answers[q["key"]], str(answers.get(f"{q['key']}.other", ""))
                )
    return labels


def state_title(state: str) -> str:
    """The heading of a survey's message page (closed, thanks, resume…) in the active
    language."""
    return {
        "closed": _("This survey is closed"),
        "not_open": _("This survey has not opened yet"),
        "full": _("This survey has all the answers it needs"),
        "already": _("You have already answered this survey"),
        "invitation_only": _("This survey is by invitation"),
        "screened_out": _("Thank you for your interest"),
        "thanks": _("Thank you for your answers"),
        "saved": _("Your answers are saved"),
        "resume_missing": _("The saved answers could not be found"),
        "resume": _("Continue where you left off"),
        "unpublished": _("This survey is not available"),
    }[state]


def questions_html(form: StepForm) -> str:
    """A step's questions as the respondent sees them (surveys/questions.html)."""
    return render_to_string("surveys/questions.html", {"questions": form.view()})


def survey_preview(
    page: Any,
    *,
    step_index: int,
    answers: dict[str, Any] | None = None,
    schema: Schema | None = None,
) -> tuple[str, dict[str, Any]]:
    """Wagtail's preview of a survey page: the respondent's step template over the draft's
    questions (not submittable), as (template, context).

    With ``answers`` (the flow page's preview: answers to earlier pages), the step shows what
    a respondent with those answers would see — the questions whose conditions hold and
    earlier answers piped in — and says so when those answers would not reach the page."""
    schema = schema or compile_schema(page.body.get_prep_value())
    steps = schema["steps"]
    chrome = {
        "page": page,
        "survey": page,
        "plain_language_urls": False,
        "embed": False,
        "base_url": "#",
    }
    if not steps:
        state = "unpublished"
        return "surveys/message.html", {**chrome, "state": state, "title": state_title(state)}
    step = steps[min(max(step_index, 0), len(steps) - 1)]
    questions, pipes, notice = step["questions"], {}, ""
    if answers is not None:
        result = evaluate(schema, answers)
        kept = result.answers
        questions = [q for q in questions if condition_holds(q.get("show_if"), kept)]
        pipes = answer_labels(schema, kept)
        if step["key"] not in result.steps:
            notice = _("With these answers a respondent would not see this page.")
    form = StepForm(questions=questions, pipes=pipes, seed=0)
    return "surveys/step.html", {
        **chrome,
        "step": step,
        "step_number": steps.index(step) + 1,
        "step_count": len(steps),
        "is_first": step is steps[0],
        "is_last": step is steps[-1],
        "questions_html": questions_html(form),
        "errors": [],
        "preview": True,
        "notice": notice,
    }
