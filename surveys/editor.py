"""The survey editor's additions: pick, don't type (issue 17).

Conditions and skip rules choose their question (and a choice question's options) from
lists of the survey being edited, not a typed key. Wagtail renders a StreamField's block
definitions once per form, so the lists are built per request: the survey's page form sets
the schema of the page as loaded for editing (its latest revision) in a context variable,
and the pickers' widgets read it when they render. Keys stay what is stored, and the pickers'
fields accept any key: a later, deleted or foreign key (a tampered form) gets surveys.logic's
clear validation error naming the place, never a choice error or a 500.

Every option is tagged with the page its question is on (``data-page``) and every option of
a choice question with its question (``data-question``); surveys/question_pickers.js keeps
a rule's lists to earlier pages' questions and the chosen question's options while editing.
Without it the lists still offer the saved survey's questions, grouped by page, and saving
checks the rest.
"""

from contextvars import ContextVar
from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from wagtail.admin.panels import HelpPanel

from cms.forms import LibraryPageForm

from .keys import assign_keys
from .logic import END
from .schema import Schema, answerable, compile_schema
from .sentences import option_text, schema_sentences

_editing: ContextVar[Schema | None] = ContextVar("innsikt_editing_schema", default=None)


def editing_schema_set(schema: Schema | None) -> None:
    """Say which survey the pickers rendered in this context belong to."""
    _editing.set(schema)


def editing_schema() -> Schema:
    return _editing.get() or {"steps": []}


def body_schema(page: Any) -> Schema:
    """The schema of a page's body as loaded in the editor (provisional keys for blocks
    that have none yet)."""
    body = getattr(page, "body", None)
    return compile_schema(assign_keys(body.get_prep_value() if body is not None else []))


def _referenced_keys(schema: Schema) -> list[str]:
    keys: list[str] = []
    for step in schema["steps"]:
        conditions = [step.get("show_if"), *(q.get("show_if") for q in step["questions"])]
        conditions += [rule.get("when") for rule in step.get("skip") or []]
        for condition in conditions:
            for rule in (condition or {}).get("rules") or []:
                if rule["question"] not in keys:
                    keys.append(rule["question"])
    return keys


def question_choices() -> list[tuple[str, Any]]:
    """The survey's questions grouped by page, labelled by their text; keys that rules name
    but the survey does not have (a deleted question) follow, so the saved rule still shows
    what it refers to instead of silently becoming another question."""
    schema = editing_schema()
    groups: list[tuple[str, Any]] = [("", _("Choose a question"))]
    known = set()
    for i, step in enumerate(schema["steps"]):
        options = []
        for q in step["questions"]:
            if answerable(q):
                options.append((q["key"], _label(q)))
                known.add(q["key"])
        if options:
            title = step.get("title")
            group = _("Page %(n)d") % {"n": i + 1} + (f": {title}" if title else "")
            groups.append((group, options))
    unknown = [(k, _("Unknown question “%(key)s”") % {"key": k}) for k in _referenced_keys(schema)]
    unknown = [(k, label) for k, label in unknown if k not in known]
    if unknown:
        groups.append((_("Not in this survey"), unknown))
    return groups


def _label(q: dict[str, Any]) -> str:
    label = " ".join(str(q.get("label") or q["key"]).split())
    return label if len(label) <= 80 else label[:79] + "…"


def _pages() -> dict[str, int]:
    return {
        q["key"]: i
        for i, step in enumerate(editing_schema()["steps"])
        for q in step["questions"]
        if answerable(q)
    }


class QuestionSelect(forms.Select):
    """A select of the survey's questions; each option says its page (``data-page``)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"data-innsikt-question-picker": "", **(attrs or {})})
        self.choices = question_choices  # type: ignore[assignment]  # re-read per render

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # type: ignore[no-untyped-def]
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        page = _pages().get(str(value))
        if page is not None:
            option["attrs"]["data-page"] = str(page)
        return option


def option_choices() -> list[tuple[str, Any]]:
    """Every option of the survey's option questions, grouped by question; values are
    ``question-key:option-key`` (option keys repeat across questions)."""
    groups: list[tuple[str, Any]] = []
    for step in editing_schema()["steps"]:
        for q in step["questions"]:
            if answerable(q) and q.get("options") and q["type"] != "matrix":
                keys = [o["key"] for o in q["options"]] + (["other"] if q.get("other") else [])
                groups.append((_label(q), [(f"{q['key']}:{k}", option_text(q, k)) for k in keys]))
    return groups


class OptionCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes of every option question's options, grouped by question; each says its
    question (``data-question``). Its field gives it ``option_choices``."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"data-innsikt-option-picker": "", **(attrs or {})})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # type: ignore[no-untyped-def]
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        question, _sep, _key = str(value).partition(":")
        option["attrs"]["data-question"] = question
        return option


def page_choices() -> list[tuple[str, str]]:
    """The survey's pages and the end, for a skip rule's target."""
    steps = editing_schema()["steps"]
    choices = [("", _("Choose a page"))]
    for i, step in enumerate(steps):
        title = step.get("title")
        choices.append(
            (step["key"], _("Page %(n)d") % {"n": i + 1} + (f": {title}" if title else ""))
        )
    choices.append((END, _("The end of the survey")))
    return choices


class PageSelect(forms.Select):
    """A select of the survey's pages and the end; each page option says its position."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"data-innsikt-page-picker": "", **(attrs or {})})
        self.choices = page_choices  # type: ignore[assignment]  # re-read per render

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # type: ignore[no-untyped-def]
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        for i, step in enumerate(editing_schema()["steps"]):
            if step["key"] == value:
                option["attrs"]["data-page"] = str(i)
        return option


class SurveyPageForm(LibraryPageForm):
    """The survey's page form: sets the pickers' survey (the page as loaded for editing,
    i.e. its latest revision) before the questions render."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        editing_schema_set(body_schema(instance) if instance is not None else None)
        super().__init__(*args, **kwargs)


def pipe_choices(schema: Schema) -> list[dict[str, Any]]:
    """The answers a question's text can show (piping), by page: [{"key", "label", "page"}].
    A question may show answers from pages before its own (surveys.logic checks it)."""
    return [
        {"key": q["key"], "label": _label(q), "page": i, "token": "{" + q["key"] + "}"}
        for i, step in enumerate(schema["steps"])
        for q in step["questions"]
        if answerable(q)
    ]


class LogicPanel(HelpPanel):
    """The survey's rules as sentences, shown in the editor above the questions (as last
    saved), with a link to the flow page; and the earlier answers a question's text can
    show, which the script offers as a list beside each question's text (piping)."""

    class BoundPanel(HelpPanel.BoundPanel):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            page = self.instance
            schema = body_schema(page)
            self.content = render_to_string(
                "surveys/admin/logic_panel.html",
                {
                    "sentences": schema_sentences(schema),
                    "page": page,
                    "pipes": pipe_choices(schema),
                    "pipe_script": {
                        "choices": pipe_choices(schema),
                        "prompt": _("Insert an earlier answer…"),
                        "insert": _("Insert"),
                        "label": _("Show an earlier answer in the question"),
                        "page": _("Page %(n)d"),
                    },
                },
            )


__all__ = [
    "LogicPanel",
    "OptionCheckboxes",
    "PageSelect",
    "QuestionSelect",
    "SurveyPageForm",
    "editing_schema_set",
    "option_choices",
    "pipe_choices",
    "question_choices",
]
