"""An export's file from its columns and a rows source: CSV (UTF-8 with BOM, for Excel),
XLSX and SPSS .sav, each with a codebook, all with one numeric coding (research/exports/
columns.py) so one codebook describes every format.

One interface (`export_file_write`): the columns and an `ExportRows` — the cells coded in
Python, or CSV lines the database coded (research/exports/coding.py; CSV and XLSX only).
The two give the same file for the same answers (tests/research/test_export_coding.py).

CSV and XLSX are written row by row (flat memory whatever the size); SPSS needs the whole
table in memory (pyreadstat writes from a DataFrame). Pure: no models, no database.
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .columns import Cells, Column, cells_defuse, codebook
from .xlsx_sheet import CODE, NUMBER, TEXT, xlsx_write

Progress = Callable[[int], None]


def codebook_tail(rule: str, notes: Sequence[str]) -> list[list[str]]:
    """What follows the codebook's variables: an empty line, the export's rule, then one
    line per note (e.g. how the weight was made, research/exports/weights.py)."""
    return [[], [rule], *([note] for note in notes)]


def _csv_zip(
    target: Path,
    columns: list[Column],
    rule: str,
    write_data: Callable[[io.TextIOWrapper], int],
    progress: Progress,
    notes: Sequence[str] = (),
) -> int:
    """A ZIP with data.csv (the header, then what ``write_data`` writes; it returns the
    number of rows) and codebook.csv, both UTF-8 with BOM (Excel reads both), streamed."""
    # zlib's fastest level: a third of level 6's time for a somewhat larger download.
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("data.csv", "w") as raw:
            stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            csv.writer(stream).writerow([c.name for c in columns])
            n = write_data(stream)
            stream.flush()
            stream.detach()
        with archive.open("codebook.csv", "w") as raw:
            stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            writer = csv.writer(stream)
            writer.writerows(codebook(columns))
            writer.writerows(codebook_tail(rule, notes))
            stream.flush()
            stream.detach()
    progress(n)
    return n


def write_csv(
    target: Path,
    columns: list[Column],
    cells: Iterable[Cells],
    progress: Progress,
    rule: str,
    *,
    notes: Sequence[str] = (),
) -> int:
    """A ZIP with data.csv and codebook.csv (UTF-8 with BOM, comma CSV). Streams: memory
    does not grow with the number of rows."""

    def write_data(stream: io.TextIOWrapper) -> int:
        writer = csv.writer(stream)
        defuse = cells_defuse(columns)
        n = 0
        for row in cells:
            writer.writerow(defuse(row))  # None is written as an empty field
            n += 1
            if n % 5000 == 0:
                progress(n)
        return n

    return _csv_zip(target, columns, rule, write_data, progress, notes)


def write_csv_lines(
    target: Path,
    columns: list[Column],
    chunks: Iterable[tuple[int, str]],
    progress: Progress,
    rule: str,
    *,
    notes: Sequence[str] = (),
) -> int:
    """As `write_csv`, from (rows, CSV text) chunks already coded as `write_csv` would
    write the cells (research/exports/coding.py)."""

    def write_data(stream: io.TextIOWrapper) -> int:
        n = reported = 0
        for rows, text in chunks:
            stream.write(text)
            n += rows
            if n - reported >= 5000:
                progress(n)
                reported = n
        return n

    return _csv_zip(target, columns, rule, write_data, progress, notes)


def cell_kinds(columns: list[Column]) -> list[str]:
    """How each column's cells go into a spreadsheet (research/exports/xlsx_sheet.py)."""
    return [TEXT if not c.numeric else NUMBER if c.is_number else CODE for c in columns]


def _xlsx(
    target: Path,
    columns: list[Column],
    cells: Iterable[Cells],
    progress: Progress,
    rule: str,
    *,
    notes: Sequence[str] = (),
) -> int:
    return xlsx_write(
        target,
        header=[c.name for c in columns],
        kinds=cell_kinds(columns),
        rows=cells,
        sheets=[("codebook", [*codebook(columns), *codebook_tail(rule, notes)])],
        progress=progress,
    )


def write_xlsx(
    target: Path,
    columns: list[Column],
    cells: Iterable[Cells],
    progress: Progress,
    rule: str,
    *,
    notes: Sequence[str] = (),
) -> int:
    """A workbook with the sheets "data" and "codebook"; the data rows are streamed
    (research/exports/xlsx_sheet.py: flat memory whatever the size). Text is never turned into
    numbers, formulas or links."""
    return _xlsx(target, columns, map(cells_defuse(columns), cells), progress, rule, notes=notes)


def write_xlsx_lines(
    target: Path,
    columns: list[Column],
    chunks: Iterable[tuple[int, str]],
    progress: Progress,
    rule: str,
    *,
    notes: Sequence[str] = (),
) -> int:
    """As `write_xlsx`, from (rows, CSV text) chunks already coded as `write_csv` would
    write the cells (research/exports/coding.py): the same workbook."""

    def cells() -> Iterator[list[str]]:
        for _rows, text in chunks:
            yield from csv.reader(io.StringIO(text, newline=""))

    return _xlsx(target, columns, cells(), progress, rule, notes=notes)


def write_sav(
    target: Path,
    columns: list[Column],
    cells: Iterable[Cells],
    progress: Progress,
    rule: str,
    *,
    notes: Sequence[str] = (),
) -> int:
    """A ZIP with data.sav (variable and value labels) and codebook.csv."""
    # heavy: only an SPSS export needs pandas and pyreadstat
    import pandas as pd
    import pyreadstat

    values: dict[str, list[Any]] = {c.name: [] for c in columns}
    lists = [values[c.name] for c in columns]
    n = 0
    for row in cells:
        for target_list, value in zip(lists, row, strict=True):
            target_list.append(value)
        n += 1
        if n % 5000 == 0:
            progress(n)
    frame = pd.DataFrame(
        {
            c.name: pd.to_numeric(pd.Series(values[c.name], dtype=object), errors="coerce")
            if c.numeric
            else pd.Series(["" if v is None else str(v) for v in values[c.name]], dtype=object)
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
        writer.writerows(codebook_tail(rule, notes))
        archive.writestr("codebook.csv", "\ufeff" + book.getvalue())
    sav.unlink()
    progress(n)
    return n


WRITERS = {"csv": (write_csv, "zip"), "xlsx": (write_xlsx, "xlsx"), "sav": (write_sav, "zip")}
# The writers of rows the database coded (research/exports/coding.py), by format.
LINE_WRITERS = {"csv": write_csv_lines, "xlsx": write_xlsx_lines}


@dataclass(frozen=True)
class ExportRows:
    """An export's rows source: its columns and either ``cells`` (one list per response,
    coded by research.exports.columns.export_cells) or ``lines`` ((rows, CSV text) chunks
    the database coded: research.exports.coding.csv_chunks)."""

    columns: list[Column]
    cells: Iterable[Cells] | None = None
    lines: Iterable[tuple[int, str]] | None = None
    notes: tuple[str, ...] = ()  # codebook lines after the rule (how the weight was made)


def export_file_write(
    format: str,
    target: Path,
    rows: ExportRows,
    progress: Progress,
    rule: str,
) -> int:
    """Write ``rows`` to ``target`` in ``format`` (a key of WRITERS) with the codebook and
    the export's ``rule``; return the number of rows. Raises KeyError for a format that
    cannot take the rows source (database-coded lines: CSV and XLSX only)."""
    if rows.lines is not None:
        return LINE_WRITERS[format](
            target, rows.columns, rows.lines, progress, rule, notes=rows.notes
        )
    assert rows.cells is not None  # one of the two, by construction
    return WRITERS[format][0](target, rows.columns, rows.cells, progress, rule, notes=rows.notes)
