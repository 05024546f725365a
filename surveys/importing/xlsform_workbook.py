"""An XLSForm workbook's sheets as rows of text, read safely (issue 18).

Pure: bytes in, :class:`Workbook` out, or :class:`~surveys.importing.model.ImportRejected`
with a message for the researcher. ``.xlsx`` is read with openpyxl in read-only mode
(which parses the package's XML through defusedxml, so entity tricks are refused) after
the zip container itself is checked: its declared sizes and entry count are capped BEFORE
anything is decompressed (zipfile holds every entry to its declared size, so a zip bomb
cannot lie its way past the check). ``.xls`` (Excel 97–2003) is read with xlrd.

Why not pyxform's readers (``xls2json_backends``): they are thin wrappers around the same
openpyxl read-only and xlrd calls, pin both to exact versions, and its
``workbook_to_json`` checks a form for ODK's rules with English-only messages that reject
the whole form where Innsikt reports one row as "not imported".
"""

import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .model import ImportRejected

MAX_UNCOMPRESSED = 50 * 1024 * 1024  # all entries of the .xlsx together, as declared
MAX_ENTRIES = 2000
MAX_SURVEY_ROWS = 5000  # non-empty rows of the survey sheet
MAX_CHOICE_ROWS = 20000
MAX_COLUMNS = 300
MAX_ROWS_READ = 60000  # rows looked at in one sheet, empty ones included
EMPTY_RUN_END = 200  # this many empty rows in a row end a sheet (as pyxform does, with 60)
SHEETS = ("survey", "choices", "settings")

_SPACE = re.compile(r"\s+")


@dataclass
class Sheet:
    """One sheet: its column headers (stripped, case kept) and its non-empty rows as
    ``{header: text}`` with the spreadsheet's row number (for messages)."""

    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass
class Workbook:
    """The XLSForm sheets found (names compared case-insensitively): ``survey``,
    ``choices``, ``settings``; others are ignored."""

    sheets: dict[str, Sheet] = field(default_factory=dict)


def _text(value: object) -> str:
    """A cell as XLSForm text: numbers without a needless ".0", booleans as TRUE/FALSE,
    non-breaking spaces as spaces (what pyxform does too)."""
    if value is None:
        return ""
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    return str(value).replace("\xa0", " ").strip()


def _sheet(name: str, rows: Iterable[Sequence[object]]) -> Sheet:
    """Headers from the first non-empty row, then the rows below it."""
    limit = MAX_SURVEY_ROWS if name == "survey" else MAX_CHOICE_ROWS
    sheet = Sheet()
    empty_run = 0
    for number, values in enumerate(rows, start=1):
        if number > MAX_ROWS_READ:
            raise ImportRejected(
                _("The sheet “%(sheet)s” has more than %(n)d rows; Innsikt reads at most that.")
                % {"sheet": name, "n": MAX_ROWS_READ}
            )
        cells = [_text(v) for v in values[: MAX_COLUMNS + 1]]
        if not any(cells):
            empty_run += 1
            if empty_run >= EMPTY_RUN_END and sheet.headers:
                break
            continue
        empty_run = 0
        if not sheet.headers:
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise ImportRejected(
                    _("The sheet “%(sheet)s” has more than %(n)d columns.")
                    % {"sheet": name, "n": MAX_COLUMNS}
                )
            sheet.headers = [_SPACE.sub(" ", c) for c in cells]
            continue
        row = {h: c for h, c in zip(sheet.headers, cells, strict=False) if h and c}
        if not row:
            continue
        if len(sheet.rows) >= limit:
            raise ImportRejected(
                _(
                    "The sheet “%(sheet)s” has more than %(n)d rows. Split the form into "
                    "smaller surveys."
                )
                % {"sheet": name, "n": limit}
            )
        sheet.rows.append((number, row))
    return sheet


def _zip_check(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ImportRejected(
            _(
                "The file is not a readable .xlsx workbook (it may be damaged or another "
                "kind of file). Save it again from Excel or LibreOffice as .xlsx."
            )
        ) from error
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise ImportRejected(
                _("The .xlsx file holds %(n)d parts; a workbook has far fewer. Not read.")
                % {"n": len(entries)}
            )
        total = sum(max(entry.file_size, 0) for entry in entries)
        if total > MAX_UNCOMPRESSED:
            raise ImportRejected(
                _(
                    "The .xlsx file unpacks to %(mb)d MB, more than the %(cap)d MB Innsikt "
                    "reads. A questionnaire is far smaller: remove images or other sheets."
                )
                % {"mb": total // (1024 * 1024), "cap": MAX_UNCOMPRESSED // (1024 * 1024)}
            )


def _read_xlsx(content: bytes) -> Workbook:
    # Only here: openpyxl is a large import that the .xls path does not need.
    import openpyxl

    _zip_check(content)
    book = Workbook()
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            for title in wb.sheetnames:
                name = title.strip().lower()
                if name in SHEETS and name not in book.sheets:
                    book.sheets[name] = _sheet(name, wb[title].iter_rows(values_only=True))
        finally:
            wb.close()
    except ImportRejected:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged package
        raise ImportRejected(
            _(
                "The .xlsx workbook could not be read (%(error)s). Save it again from Excel "
                "or LibreOffice as .xlsx."
            )
            % {"error": type(error).__name__}
        ) from error
    return book


def _read_xls(content: bytes) -> Workbook:
    # Only here: xlrd is needed for Excel 97–2003 files alone.
    import xlrd

    book = Workbook()
    try:
        wb = xlrd.open_workbook(file_contents=content, on_demand=True)
    except Exception as error:  # xlrd raises XLRDError, CompDocError, struct errors…
        raise ImportRejected(
            _(
                "The file is not a readable .xls workbook (it may be damaged or another kind "
                "of file). Save it again from Excel or LibreOffice, preferably as .xlsx."
            )
        ) from error
    try:
        for index, title in enumerate(wb.sheet_names()):
            name = title.strip().lower()
            if name not in SHEETS or name in book.sheets:
                continue
            sheet = wb.sheet_by_index(index)

            def values(sheet: Any = sheet) -> Iterator[list[object]]:
                for r in range(sheet.nrows):
                    yield [_xls_value(cell, wb.datemode) for cell in sheet.row_slice(r, 0, None)]

            book.sheets[name] = _sheet(name, values())
    except ImportRejected:
        raise
    except Exception as error:
        raise ImportRejected(
            _("The .xls workbook could not be read (%(error)s).") % {"error": type(error).__name__}
        ) from error
    finally:
        wb.release_resources()
    return book


def _xls_value(cell: Any, datemode: int) -> object:
    import xlrd  # only reached from _read_xls, which imported it already

    kind, value = cell.ctype, cell.value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return value
    if kind in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return value


def workbook_read(content: bytes, kind: str) -> Workbook:
    """The XLSForm sheets of an ``.xlsx`` (``kind="xlsx"``) or ``.xls`` (``"xls"``)
    workbook. Raises ImportRejected for a damaged file, a zip bomb, too many rows or
    columns, or a workbook without a ``survey`` sheet."""
    if kind == "xlsx":
        book = _read_xlsx(content)
    elif kind == "xls":
        book = _read_xls(content)
    else:
        raise ImportRejected(_("Only .xlsx and .xls workbooks can be read as XLSForm."))
    if "survey" not in book.sheets:
        raise ImportRejected(
            _(
                "The workbook has no sheet called “survey”. An XLSForm keeps its questions "
                "in a sheet of that name (and its answer lists in “choices”)."
            )
        )
    if not book.sheets["survey"].rows:
        raise ImportRejected(_("The “survey” sheet has no questions."))
    return book
