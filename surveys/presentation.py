"""How stored answers read for people: option labels instead of keys (piping, admin, CSV)."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from .schema import Schema, answerable

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
