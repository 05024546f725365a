"""Research exports: CSV (UTF-8 with BOM, for Excel), XLSX and SPSS .sav, each with a
codebook, all with one numeric coding so one codebook describes every format.

Columns: the meta columns of `META_COLUMNS`, then per question one column (choices coded
1…n in the questionnaire's order, yes = 1 / no = 0, scales as their value, numbers, text),
or one per option (multiple choice ticked 1 / 0; ranking: the rank) or per matrix row.
Free text passes `clean_text` (research/scrub.py) and text cells are defused against
spreadsheet formulas. No direct identifier is ever written: no response id, no pseudonym,
no member data, and no e-mail question (its answer is an address: it stays in the admin's
response view, where access is logged).

CSV and XLSX are written row by row (flat memory whatever the size); SPSS needs the whole
table in memory (pyreadstat writes from a DataFrame).
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from surveys.exports import safe
from surveys.presentation import option_label

META_COLUMNS = [
    ("channel", "Kanal / channel"),
    ("language", "Språk / language"),
    ("version", "Versjon / version"),
    ("submitted_on", "Dato / date"),
]
TEXT_KINDS = {"short_text", "long_text", "email", "date"}
Progress = Callable[[int], None]
Row = Mapping[str, Any]  # {"answers": {...}, "channel": …, "language": …, "version": …, …}


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


def row_values(columns: list[Column], row: Row, clean_text: Callable[[str], str]) -> list[Any]:
    """One response as the export's cells (None where unanswered)."""
    answers = row.get("answers") or {}
    values: list[Any] = []
    for column in columns:
        if column.kind == "meta":
            value = row.get(column.key)
            values.append(
                None if value in (None, "") else str(value) if not column.numeric else value
            )
            continue
        value = answers.get(column.key)
        if column.sub == "other_text":
            text = answers.get(f"{column.key}.other")
            values.append(clean_text(str(text)) if text else None)
        elif value in (None, "", [], {}):
            values.append(None)
        elif column.kind == "multiple_choice":
            values.append(int(column.sub in value))
        elif column.kind == "ranking":
            values.append(value.index(column.sub) + 1 if column.sub in value else None)
        elif column.kind == "matrix":
            values.append(column.codes.get(value.get(column.sub, "")))
        elif column.codes:
            values.append(column.codes.get(str(value)))
        elif column.kind == "consent":
            values.append(1)
        elif column.numeric:
            values.append(value)
        else:
            values.append(clean_text(str(value)))
    return values


def codebook(columns: list[Column]) -> list[list[str]]:
    """Header and one line per column: variable, question key, label, type, values."""
    lines = [["variable", "question_key", "label", "type", "values"]]
    for c in columns:
        values = "; ".join(f"{code} = {text}" for code, text in sorted(c.value_labels.items()))
        key = c.key if c.sub is None else f"{c.key}.{c.sub}"
        lines.append([c.name, key, c.label, c.kind, values])
    return lines


def _text_cell(value: Any) -> Any:
    return safe(value) if isinstance(value, str) else value


def write_csv(
    target: Path,
    columns: list[Column],
    rows: Iterable[Row],
    clean_text: Callable[[str], str],
    progress: Progress,
    rule: str,
) -> int:
    """A ZIP with data.csv and codebook.csv (UTF-8 with BOM, ";"-free comma CSV, Excel
    reads both). Streams: memory does not grow with the number of rows."""
    n = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("data.csv", "w") as raw:
            stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            writer = csv.writer(stream)
            writer.writerow([c.name for c in columns])
            for row in rows:
                writer.writerow(
                    [
                        "" if v is None else _text_cell(v)
                        for v in row_values(columns, row, clean_text)
                    ]
                )
                n += 1
                if n % 1000 == 0:
                    progress(n)
            stream.flush()
            stream.detach()
        with archive.open("codebook.csv", "w") as raw:
            stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            writer = csv.writer(stream)
            writer.writerows(codebook(columns))
            writer.writerow([])
            writer.writerow([rule])
            stream.flush()
            stream.detach()
    progress(n)
    return n


def write_xlsx(
    target: Path,
    columns: list[Column],
    rows: Iterable[Row],
    clean_text: Callable[[str], str],
    progress: Progress,
    rule: str,
) -> int:
    """A workbook with the sheets "data" and "codebook" (openpyxl's write-only mode:
    rows go to disk as they come)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    data = book.create_sheet("data")
    data.append([c.name for c in columns])
    n = 0
    for row in rows:
        data.append([_text_cell(v) for v in row_values(columns, row, clean_text)])
        n += 1
        if n % 1000 == 0:
            progress(n)
    sheet = book.create_sheet("codebook")
    for line in codebook(columns):
        sheet.append(line)
    sheet.append([])
    sheet.append([rule])
    book.save(target)
    progress(n)
    return n


def write_sav(
    target: Path,
    columns: list[Column],
    rows: Iterable[Row],
    clean_text: Callable[[str], str],
    progress: Progress,
    rule: str,
) -> int:
    """A ZIP with data.sav (variable and value labels) and codebook.csv."""
    import pandas as pd
    import pyreadstat

    cells: dict[str, list[Any]] = {c.name: [] for c in columns}
    n = 0
    for row in rows:
        for column, value in zip(columns, row_values(columns, row, clean_text), strict=True):
            cells[column.name].append(value)
        n += 1
        if n % 1000 == 0:
            progress(n)
    frame = pd.DataFrame(
        {
            c.name: pd.to_numeric(pd.Series(cells[c.name], dtype=object), errors="coerce")
            if c.numeric
            else pd.Series(["" if v is None else str(v) for v in cells[c.name]], dtype=object)
            for c in columns
        }
    )
    sav = target.with_suffix(".sav.tmp")
    value_labels: dict[str, dict[int | float, str]] = {
        c.name: {code: text for code, text in c.value_labels.items()}
        for c in columns
        if c.value_labels
    }
    pyreadstat.write_sav(
        frame,
        str(sav),
        file_label=rule[:64],
        column_labels={c.name: c.label[:255] for c in columns},
        variable_value_labels=value_labels,
    )
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(sav, "data.sav")
        book = io.StringIO()
        writer = csv.writer(book)
        writer.writerows(codebook(columns))
        writer.writerow([])
        writer.writerow([rule])
        archive.writestr("codebook.csv", "\ufeff" + book.getvalue())
    sav.unlink()
    progress(n)
    return n


WRITERS = {"csv": (write_csv, "zip"), "xlsx": (write_xlsx, "xlsx"), "sav": (write_sav, "zip")}
