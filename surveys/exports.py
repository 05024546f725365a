"""Flat tables of responses: one column per question key, merged across versions.

Multi-choice and ranking become one column per option, matrices one per row, "Other" text
its own column. Used by the streamed CSV export (and later by research exports).
"""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from .presentation import answer_text, option_label
from .schema import Schema, answerable

META_COLUMNS = ["response_id", "submitted_on", "channel", "language", "version"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def merged_questions(schemas: Iterable[Schema]) -> list[dict[str, Any]]:
    """Questions by key, newest schema first, then keys only older versions had."""
    seen: dict[str, dict[str, Any]] = {}
    for schema in schemas:
        for step in schema["steps"]:
            for q in step["questions"]:
                if answerable(q) and q["key"] not in seen:
                    seen[q["key"]] = q
    return list(seen.values())


def columns(questions: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], str | None]]:
    """(column name, question, sub-key) for every output column of the questions."""
    out: list[tuple[str, dict[str, Any], str | None]] = []
    for q in questions:
        key, kind = q["key"], q["type"]
        if kind in ("multiple_choice", "ranking"):
            out += [(f"{key}.{o['key']}", q, o["key"]) for o in q["options"]]
            if q.get("other"):
                out += [(f"{key}.other", q, "other"), (f"{key}.other_text", q, "other_text")]
        elif kind == "matrix":
            out += [(f"{key}.{r['key']}", q, r["key"]) for r in q["rows"]]
        else:
            out.append((key, q, None))
            if q.get("other"):
                out.append((f"{key}.other_text", q, "other_text"))
    return out


def cell(q: dict[str, Any], sub: str | None, answers: dict[str, Any], labels: bool) -> Any:
    key, kind = q["key"], q["type"]
    value = answers.get(key)
    if sub == "other_text":
        return answers.get(f"{key}.other", "")
    if value in (None, "", [], {}):
        return ""
    if kind == "multiple_choice":
        return int(sub in value)
    if kind == "ranking":
        return value.index(sub) + 1 if sub in value else ""
    if kind == "matrix":
        chosen = value.get(sub, "")
        if labels and chosen:
            return {c["key"]: c["label"] for c in q["columns"]}.get(chosen, chosen)
        return chosen
    if labels:
        if kind in ("single_choice", "dropdown", "yes_no"):
            return option_label(q, str(value))
        return answer_text(q, value)
    if kind == "consent":
        return 1
    return value


def safe(value: Any) -> Any:
    """Defuse spreadsheet formulas in text cells (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(
    questions: list[dict[str, Any]],
    responses: Iterable[Any],
    *,
    labels: bool = False,
) -> Iterator[str]:
    """CSV lines (UTF-8 with BOM for Excel), header first; ``responses`` yields objects with
    id, submitted_on, channel_name, language, version_number and answers."""
    writer = csv.writer(_Echo())
    cols = columns(questions)
    yield "\ufeff" + writer.writerow(META_COLUMNS + [name for name, _q, _s in cols])
    for r in responses:
        meta = [str(r.id), r.submitted_on or "", r.channel_name, r.language, r.version_number]
        yield writer.writerow(meta + [safe(cell(q, sub, r.answers, labels)) for _n, q, sub in cols])
