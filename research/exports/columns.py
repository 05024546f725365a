"""An export's columns: the one definition of what a survey's answers become in every
export format and on every path (coded in Python here, or in SQL by research/exports/coding.py).

Columns: the meta columns of `META_COLUMNS`, then per question one column (choices coded
1…n in the questionnaire's order, yes = 1 / no = 0, scales as their value, numbers, text),
or one per option (multiple choice ticked 1 / 0; ranking: the rank) or per matrix row.
Free text passes `clean_text` (research/findings/scrub.py) and text cells are defused
against spreadsheet formulas (research/findings/formulas.py). No direct identifier is ever
written: no response id, no pseudonym, no member data, and no e-mail question (its answer
is an address: it stays in the admin's response view, where access is logged).

Reading: the database extracts exactly the JSON values the columns need (one text value
per question, per matrix row and per "Other" text; research.exports.selectors), so no
response's answers are decoded as a whole in Python; `export_cells` turns each row of raw
values into the export's cells with one small decoder per column.

Pure: no models, no database.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from surveys.presentation import option_label

from ..findings.formulas import safe

META_COLUMNS = [
    ("channel", "Kanal / channel"),
    ("language", "Språk / language"),
    ("version", "Versjon / version"),
    ("submitted_on", "Dato / date"),
]
# The response field each meta column reads (an ORM lookup), in META_COLUMNS' order: the
# Python path reads these (research.exports.selectors) and so does the SQL path's query.
META_FIELDS = {
    "channel": "channel_id",
    "language": "language",
    "version": "version__number",
    "submitted_on": "submitted_on",
}
TEXT_KINDS = {"short_text", "long_text", "email", "date"}
CODED_KINDS = {"multiple_choice", "ranking", "consent", "meta"}  # numeric columns, coded
SCRUBBED_KINDS = {"short_text", "long_text", "other_text"}  # free text (dates are not)
Row = Mapping[str, Any]  # {"answers": {...}, "channel": …, "language": …, "version": …, …}
Cells = list[Any]


@dataclass(frozen=True)
class Column:
    name: str  # the variable name: letters, digits and _ (valid in SPSS)
    key: str  # question key, or meta field
    sub: str | None  # option or matrix-row key, "other_text", or None
    label: str
    kind: str  # question type, or "meta"
    codes: dict[str, int] = field(default_factory=dict)  # answer key → code
    value_labels: dict[int, str] = field(default_factory=dict)
    numeric: bool = True

    @property
    def is_number(self) -> bool:
        """Read from the answer as a number (int or float), not coded."""
        return self.numeric and not self.codes and self.kind not in CODED_KINDS

    @property
    def path(self) -> tuple[str, ...]:
        """What the database extracts for this column: a meta field, or a JSON path into
        the answers (question key, then matrix row)."""
        if self.kind == "meta":
            return (self.key,)
        if self.kind == "matrix":
            return ("answers", self.key, str(self.sub))
        if self.sub == "other_text":
            return ("answers", f"{self.key}.other")
        return ("answers", self.key)


def _variable(name: str, taken: set[str]) -> str:
    """A valid, unique SPSS variable name (≤ 64 bytes, starts with a letter)."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", name)[:60] or "v"
    if not base[0].isalpha():
        base = "v_" + base
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base[:56]}_{n}"
    taken.add(candidate.lower())
    return candidate


def export_columns(questions: list[dict[str, Any]]) -> list[Column]:
    taken: set[str] = set()
    out = [
        Column(_variable(key, taken), key, None, label, "meta", numeric=(key == "version"))
        for key, label in META_COLUMNS
    ]
    for q in questions:
        key, kind, label = q["key"], q["type"], str(q.get("label") or q["key"])
        if kind == "email":  # a direct identifier: never exported
            continue
        if kind in ("single_choice", "dropdown"):
            options = [o["key"] for o in q["options"]] + (["other"] if q.get("other") else [])
            codes = {k: i for i, k in enumerate(options, start=1)}
            labels = {i: option_label(q, k) for k, i in codes.items()}
            out.append(Column(_variable(key, taken), key, None, label, kind, codes, labels))
        elif kind == "yes_no":
            labels = {1: option_label(q, "yes"), 0: option_label(q, "no")}
            codes = {"yes": 1, "no": 0}
            out.append(Column(_variable(key, taken), key, None, label, kind, codes, labels))
        elif kind in ("likert", "rating", "nps"):
            points = [int(o["key"]) for o in q["options"]]
            labels = {p: str(p) for p in points}
            if q.get("left_label"):
                labels[points[0]] = f"{points[0]} {q['left_label']}"
            if q.get("right_label"):
                labels[points[-1]] = f"{points[-1]} {q['right_label']}"
            out.append(Column(_variable(key, taken), key, None, label, kind, {}, labels))
        elif kind == "multiple_choice":
            labels = {1: "Valgt / ticked", 0: "Ikke valgt / not ticked"}
            options = [(o["key"], o["label"]) for o in q["options"]]
            if q.get("other"):
                options.append(("other", option_label(q, "other")))
            for sub, text in options:
                name = _variable(f"{key}_{sub}", taken)
                out.append(Column(name, key, sub, f"{label}: {text}", kind, {}, labels))
        elif kind == "ranking":
            for option in q["options"]:
                name = _variable(f"{key}_{option['key']}", taken)
                text = f"{label}: {option['label']} (rang / rank)"
                out.append(Column(name, key, option["key"], text, kind))
        elif kind == "matrix":
            codes = {c["key"]: i for i, c in enumerate(q["columns"], start=1)}
            labels = {i: c["label"] for c, i in zip(q["columns"], codes.values(), strict=True)}
            for row in q["rows"]:
                name = _variable(f"{key}_{row['key']}", taken)
                text = f"{label}: {row['label']}"
                out.append(Column(name, key, row["key"], text, kind, codes, labels))
        elif kind == "number":
            out.append(Column(_variable(key, taken), key, None, label, kind))
        elif kind == "consent":
            out.append(Column(_variable(key, taken), key, None, label, kind, {}, {1: "Ja / yes"}))
        else:  # text, date
            out.append(Column(_variable(key, taken), key, None, label, kind, numeric=False))
        if q.get("other"):
            name = _variable(f"{key}_other_text", taken)
            text = f"{label}: {option_label(q, 'other')} (tekst / text)"
            out.append(Column(name, key, "other_text", text, "other_text", numeric=False))
    return out


def export_paths(columns: list[Column]) -> list[tuple[str, ...]]:
    """The distinct values to read per response, in order (several columns may share one:
    the options of a multiple-choice or ranking question)."""
    return list(dict.fromkeys(c.path for c in columns))


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if value.__class__ is str else str(value)


def _number(value: Any) -> int | float | None:
    if value is None or value == "" or value.__class__ is bool:
        return None
    if value.__class__ in (int, float):
        return value  # type: ignore[no-any-return]
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return None


def column_decoder(
    column: Column, channel_labels: Mapping[Any, str], clean_text: Callable[[str], str]
) -> Callable[[Any], Any]:
    """How one raw value (text as the database returns it; JSON text for lists) becomes
    the column's cell."""
    if column.kind == "meta":
        if column.key == "channel":
            return lambda v: channel_labels.get(v, "link")
        if column.key == "submitted_on":
            return lambda v: v.isoformat() if v else None
        return lambda v: v if v not in (None, "") else None
    if column.kind == "multiple_choice":
        token = f'"{column.sub}"'
        return lambda v: None if v in (None, "", "[]") else int(token in _text(v))  # type: ignore[operator]
    if column.kind == "ranking":
        token = f'"{column.sub}"'

        def rank(v: Any) -> int | None:
            text = _text(v)
            if text is None:
                return None
            at = text.find(token)
            return None if at < 0 else text.count(",", 0, at) + 1

        return rank
    if column.codes:
        codes = column.codes
        return lambda v: None if v is None else codes.get(v if v.__class__ is str else str(v))
    if column.kind == "consent":
        return lambda v: None if v in (None, "", False) else 1
    if column.numeric:
        return _number
    if column.kind in SCRUBBED_KINDS:

        def clean(v: Any) -> str | None:
            text = _text(v)
            return None if text is None else clean_text(text)

        return clean
    return _text


def export_cells(
    columns: list[Column],
    raw_rows: Iterable[Sequence[Any]],
    clean_text: Callable[[str], str],
    channel_labels: Mapping[Any, str],
) -> Iterator[Cells]:
    """Each raw row (the values of `export_paths`, in order) as the export's cells."""
    paths = export_paths(columns)
    at = {path: i for i, path in enumerate(paths)}
    plan = [(at[c.path], column_decoder(c, channel_labels, clean_text)) for c in columns]
    for raw in raw_rows:
        yield [decode(raw[i]) for i, decode in plan]


def raw_row(columns: list[Column], row: Row) -> tuple[Any, ...]:
    """What the database extracts for one response given as a dict (tests, and callers
    that already hold answers): lists and objects as JSON text, as PostgreSQL returns them."""
    out = []
    answers = row.get("answers") or {}
    for path in export_paths(columns):
        if path[0] != "answers":
            out.append(row.get(path[0]))
            continue
        value: Any = answers.get(path[1])
        if len(path) == 3:
            value = value.get(path[2]) if isinstance(value, dict) else None
        if isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        out.append(value)
    return tuple(out)


def cells_defuse(columns: list[Column]) -> Callable[[Cells], Cells]:
    """Spreadsheet formulas in text cells are defused (CSV injection), in place."""
    text_at = [i for i, c in enumerate(columns) if not c.numeric]

    def defuse(cells: Cells) -> Cells:
        for i in text_at:
            cells[i] = safe(cells[i])
        return cells

    return defuse


def codebook(columns: list[Column]) -> list[list[str]]:
    """Header and one line per column: variable, question key, label, type, values."""
    lines = [["variable", "question_key", "label", "type", "values"]]
    for c in columns:
        values = "; ".join(f"{code} = {text}" for code, text in sorted(c.value_labels.items()))
        key = c.key if c.sub is None else f"{c.key}.{c.sub}"
        lines.append([c.name, key, c.label, c.kind, values])
    return lines
