"""Segment rules as database filters (pure: rules in, a Q object out).

A rule names a member field (``age_band``, ``channel``, ``language``) or a screener answer
by its question key, an operator and a value — the same operators as survey logic
(surveys.logic). Filtering happens in the database, so counting a segment of 100,000
members never loads them.
"""

from typing import Any

from django.db.models import FloatField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

MEMBER_FIELDS = {"age_band", "channel", "language"}


def _values(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _as_number(value: str) -> float | None:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return None


# Segment rules share the survey operators (surveys.blocks.OPERATORS): number comparisons.
_NUMBER_LOOKUPS = {"gt": "gt", "lt": "lt", "ge": "gte", "le": "lte"}


def rule_q(field: str, op: str, value: str) -> tuple[Q, dict[str, Any]]:
    """(filter, annotations) for one rule. Unknown operators match nothing."""
    if field in MEMBER_FIELDS:
        if op == "equals":
            return Q(**{field: value}), {}
        if op == "not_equals":
            return ~Q(**{field: value}), {}
        if op == "any_of":
            return Q(**{f"{field}__in": _values(value)}), {}
        if op == "answered":
            return ~Q(**{field: ""}), {}
        if op == "not_answered":
            return Q(**{field: ""}), {}
        return Q(pk__in=[]), {}
    if op == "equals":
        return _answer_is(field, value), {}
    if op == "not_equals":
        return ~_answer_is(field, value), {}
    if op == "any_of":
        q = Q(pk__in=[])
        for v in _values(value):
            q |= _answer_is(field, v)
        return q, {}
    if op == "answered":
        return Q(attributes__has_key=field), {}
    if op == "not_answered":
        return ~Q(attributes__has_key=field), {}
    if op in _NUMBER_LOOKUPS:
        number = _as_number(value)
        if number is None:
            return Q(pk__in=[]), {}
        alias = f"_num_{abs(hash(field)) % 10**8}"
        annotation = {alias: Cast(KT(f"attributes__{field}"), FloatField())}
        lookup = _NUMBER_LOOKUPS[op]
        return Q(**{f"{alias}__{lookup}": number}), annotation
    return Q(pk__in=[]), {}


def _answer_is(key: str, value: str) -> Q:
    """A single answer equal to value, or a multiple-choice answer (a JSON list) that
    includes it. Written with key lookups that PostgreSQL and SQLite both support."""
    return Q(**{f"attributes__{key}": value}) | Q(**{f"attributes__{key}__icontains": f'"{value}"'})


def segment_q(match: str, rules: list[dict[str, str]]) -> tuple[Q, dict[str, Any]]:
    """Combine rules with all/any; no rules means everyone."""
    annotations: dict[str, Any] = {}
    parts = []
    for rule in rules:
        q, extra = rule_q(rule["field"], rule["op"], rule.get("value", ""))
        parts.append(q)
        annotations.update(extra)
    if not parts:
        return Q(), annotations
    combined = parts[0]
    for q in parts[1:]:
        combined = (combined | q) if match == "any" else (combined & q)
    return combined, annotations
