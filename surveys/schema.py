"""Compile a SurveyPage body (raw StreamField JSON) into the frozen schema a SurveyVersion
stores and the wizard runs on. The schema is plain JSON: steps → questions → options."""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from wagtail.rich_text import expand_db_html

from .keys import items

DISPLAY_TYPES = {"heading", "info"}
CHOICE_TYPES = {"single_choice", "multiple_choice", "dropdown", "ranking"}
SCALE_TYPES = {"likert", "nps", "rating"}
NUMERIC_TYPES = {"number", *SCALE_TYPES}
SCHEMA_FORMAT = 1

Schema = dict[str, Any]


def _number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return float(number) if number.is_finite() else None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def condition(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """Normalise a ConditionBlock value; None when it has no rules (always true)."""
    if not raw:
        return None
    rules = []
    for rule, _id in items(raw.get("rules")):
        question = str(rule.get("question") or "").strip()
        if not question:
            continue
        # Options picked in the editor are "question:option"; those of another question
        # (left ticked after the rule's question changed) do not count.
        picked = [
            key
            for q_key, sep, key in (str(o).partition(":") for o in rule.get("options") or [])
            if sep and q_key == question and key
        ]
        value = ",".join(picked) if picked else str(rule.get("value") or "").strip()
        rules.append(
            {
                "question": question,
                "op": str(rule.get("operator") or "equals"),
                "value": value,
            }
        )
    if not rules:
        return None
    return {"match": "any" if raw.get("match") == "any" else "all", "rules": rules}


def _options(raw: list[Any] | None) -> list[dict[str, Any]]:
    return [
        {"key": v["key"], "label": str(v.get("label") or ""), "fixed": bool(v.get("fixed"))}
        for v, _id in items(raw)
    ]


def _rich_text(html: str | None) -> str:
    if not html:
        return ""
    return expand_db_html(str(html))


def question(block_type: str, value: dict[str, Any]) -> dict[str, Any]:
    """One question (or display block) of the schema."""
    q: dict[str, Any] = {
        "type": block_type,
        "key": value["key"],
        "show_if": condition(value.get("show_if")),
    }
    if block_type == "heading":
        q["text"] = str(value.get("text") or "")
        return q
    if block_type == "info":
        q["html"] = _rich_text(value.get("text"))
        return q
    q.update(
        label=str(value.get("label") or ""),
        help=str(value.get("help_text") or ""),
        required=bool(value.get("required")) or block_type == "consent",
        fixed=bool(value.get("fixed")),
    )
    if block_type in ("short_text", "long_text"):
        limit = settings.INNSIKT_MAX_TEXT_LENGTH
        q.update(
            min_length=_int(value.get("min_length")),
            max_length=min(_int(value.get("max_length")) or limit, limit),
            pattern=str(value.get("pattern") or ""),
            pattern_message=str(value.get("pattern_message") or ""),
        )
    elif block_type == "number":
        q.update(
            min=_number(value.get("min_value")),
            max=_number(value.get("max_value")),
            decimals=value.get("decimals") or "integer",
        )
    elif block_type in CHOICE_TYPES:
        q.update(options=_options(value.get("options")), randomise=bool(value.get("randomise")))
        if block_type in ("single_choice", "multiple_choice"):
            q["other"] = bool(value.get("other"))
        if block_type == "multiple_choice":
            q.update(
                min_selections=_int(value.get("min_selections")),
                max_selections=_int(value.get("max_selections")),
            )
    elif block_type == "likert":
        points = 7 if str(value.get("points")) == "7" else 5
        q.update(
            options=[{"key": str(n), "label": str(n), "fixed": True} for n in range(1, points + 1)],
            left_label=str(value.get("left_label") or ""),
            right_label=str(value.get("right_label") or ""),
        )
    elif block_type == "nps":
        q.update(
            options=[{"key": str(n), "label": str(n), "fixed": True} for n in range(11)],
            left_label=str(value.get("left_label") or ""),
            right_label=str(value.get("right_label") or ""),
        )
    elif block_type == "rating":
        q.update(
            options=[{"key": str(n), "label": str(n), "fixed": True} for n in range(1, 6)],
            left_label=str(value.get("left_label") or ""),
            right_label=str(value.get("right_label") or ""),
        )
    elif block_type == "yes_no":
        q["options"] = [
            {"key": "yes", "label": "", "fixed": True},
            {"key": "no", "label": "", "fixed": True},
        ]
    elif block_type == "matrix":
        q.update(rows=_options(value.get("rows")), columns=_options(value.get("columns")))
    return q


def compile_schema(body: list[Any]) -> Schema:
    """The frozen, JSON-serialisable schema of a keyed body (see surveys.keys)."""
    steps = []
    for step_value, _id in items(body):
        questions = [
            question(q_type, q_value)
            for q_value, q_type in _typed_items(step_value.get("questions"))
        ]
        steps.append(
            {
                "key": step_value["key"],
                "title": str(step_value.get("title") or ""),
                "intro_html": _rich_text(step_value.get("intro")),
                "shuffle": bool(step_value.get("shuffle_questions")),
                "show_if": condition(step_value.get("show_if")),
                "skip": [
                    {"when": condition(rule.get("when")), "target": str(rule.get("target") or "")}
                    for rule, _rid in items(step_value.get("skip_rules"))
                ],
                "questions": questions,
            }
        )
    return {"format": SCHEMA_FORMAT, "steps": steps}


def _typed_items(raw: list[Any] | None) -> list[tuple[dict[str, Any], str]]:
    return [(item["value"], item["type"]) for item in raw or [] if isinstance(item, dict)]


def answerable(q: dict[str, Any]) -> bool:
    return q["type"] not in DISPLAY_TYPES


def questions_by_key(schema: Schema) -> dict[str, dict[str, Any]]:
    return {q["key"]: q for step in schema["steps"] for q in step["questions"] if answerable(q)}


def questions_merged(schemas: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The answerable questions by key over several versions' schemas, newest first, then
    keys only older versions had (answers of every version are analysed together by key)."""
    seen: dict[str, dict[str, Any]] = {}
    for schema in schemas:
        for step in schema["steps"]:
            for q in step["questions"]:
                if answerable(q) and q["key"] not in seen:
                    seen[q["key"]] = q
    return list(seen.values())
