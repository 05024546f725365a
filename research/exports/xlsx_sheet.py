"""The XLSX export's data sheet, streamed: each row is encoded here as one piece of
SpreadsheetML text, and the workbook around it (package, styles, the header row, the
codebook sheet) is written by XlsxWriter.

Why: XlsxWriter's `write_row` costs about 2.5 µs a cell in Python (a cell object, a type
dispatch and a tag writer per cell): 15 s for 100,000 responses of 59 columns. Here a row
is one string join over precomputed cell references (well under a microsecond a cell),
with the XML XlsxWriter's constant-memory mode writes for the same cells:

- a number as ``<c r="B2"><v>3</v></c>`` — a column read as a number (an answer, not a
  code) that is not a finite number (``nan``, ``inf``) becomes text instead of an invalid
  file;
- text as an inline string, ``&``, ``<`` and ``>`` escaped, control characters written as
  Excel's ``_xHHHH_`` escapes (and a literal ``_xHHHH_`` protected as ``_x005F_xHHHH_``),
  ``xml:space="preserve"`` on leading or trailing white space, cut at Excel's 32,767
  characters — and, unlike XlsxWriter, a text that looks like rich text (``<r>…</r>``) is
  escaped like any other, never written as markup;
- an empty cell (None or "") is left out.

The sheet's ``<dimension>`` (which readers such as openpyxl's read-only mode trust) comes
before the rows, so the rows go to a temporary file first and are copied into the archive
with the right dimension once their number is known — as XlsxWriter's constant-memory mode
does. Memory stays flat whatever the number of rows.
"""

import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

CODE, NUMBER, TEXT = "code", "number", "text"  # how a column's cells are written
MAX_TEXT = 32767  # Excel's limit, in UTF-16 code units
ZIP64_FROM = 1 << 31  # an entry this large needs ZIP64 headers (zipfile must be told)

_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def xml_text(text: str) -> str:
    """``text`` as the content of an inline string's ``<t>``, as Excel escapes it."""
    if len(text) > MAX_TEXT // 2 and _utf16_length(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
        while _utf16_length(text) > MAX_TEXT:
            text = text[:-1]
    if _SPECIAL.search(text) is None:
        return text
    text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda match: f"_x{ord(match[0]):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_cell(ref: str, row: str, value: Any) -> str:
    text = xml_text(value if value.__class__ is str else str(value))
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'{ref}{row}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _is_finite_number(text: str) -> bool:
    """Python's text for an int or a finite float ends in a digit ("4.5", "1e-05");
    "nan", "inf" and "-inf" do not."""
    return text[-1] in "0123456789"


def row_encoder(kinds: Sequence[str]) -> Callable[[int, Sequence[Any]], str]:
    """How the cells of row ``n`` (1-based, as Excel counts) become its ``<row>`` element;
    ``kinds[i]`` says how column i is written (CODE: a trusted number, NUMBER: a number
    read from an answer, TEXT)."""
    plan = [(f'<c r="{xl_col_to_name(i)}', kind) for i, kind in enumerate(kinds)]

    def encode(n: int, cells: Sequence[Any]) -> str:
        row = str(n)
        parts = ['<row r="', row, '">']
        append = parts.append
        for (ref, kind), value in zip(plan, cells, strict=True):
            if value is None or value == "":
                continue
            if kind == CODE:
                append(f'{ref}{row}"><v>{value}</v></c>')
            elif kind == NUMBER:
                text = value if value.__class__ is str else str(value)
                if _is_finite_number(text):
                    append(f'{ref}{row}"><v>{text}</v></c>')
                else:
                    append(_text_cell(ref, row, text))
            else:
                append(_text_cell(ref, row, value))
        append("</row>")
        return "".join(parts)

    return encode


def xlsx_write(
    target: Path,
    *,
    header: Sequence[str],
    kinds: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]],
    progress: Callable[[int], None],
) -> int:
    """A workbook at ``target``: the sheet "data" (``header``, then ``rows``, written as
    `row_encoder` writes them, with the header row frozen), then the small ``sheets``
    ((name, rows), written by XlsxWriter). Returns the number of data rows."""
    encode = row_encoder(kinds)
    with tempfile.TemporaryDirectory(dir=target.parent) as folder:
        body = Path(folder) / "rows.xml"
        n = 0
        with body.open("w", encoding="utf-8", newline="") as out:
            write = out.write
            for cells in rows:
                n += 1
                write(encode(n + 1, cells))
                if n % 5000 == 0:
                    progress(n)

        skeleton = Path(folder) / "skeleton.xlsx"
        book = xlsxwriter.Workbook(
            str(skeleton),
            {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        data = book.add_worksheet("data")
        data.write_row(0, 0, list(header))
        data.freeze_panes(1, 0)
        for name, lines in sheets:
            sheet = book.add_worksheet(name)
            for i, line in enumerate(lines):
                sheet.write_row(i, 0, list(line))
        book.close()
        last = _last_cell(n + 1, len(header))
        _assemble(skeleton, target, body, data_sheet="xl/worksheets/sheet1.xml", dimension=last)
    progress(n)
    return n


def _last_cell(row: int, columns: int) -> str:
    """The bottom-right cell of a sheet of ``row`` rows and ``columns`` columns."""
    return f"{xl_col_to_name(max(columns, 1) - 1)}{row}"


def _assemble(skeleton: Path, target: Path, body: Path, *, data_sheet: str, dimension: str) -> None:
    """``target``: the skeleton's entries, the data sheet with the rows of ``body`` after
    its header row and the dimension A1:``dimension``."""
    with (
        zipfile.ZipFile(skeleton) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
    ):
        for info in source.infolist():
            if info.filename != data_sheet:
                archive.writestr(info, source.read(info))
                continue
            xml = source.read(info).decode("utf-8")
            xml = xml.replace("<sheetData/>", "<sheetData></sheetData>")
            head, tail = xml.split("</sheetData>", 1)
            head = _DIMENSION.sub(f'<dimension ref="A1:{dimension}"/>', head, count=1)
            size = len(head) + body.stat().st_size + len(tail) + 20
            with (
                archive.open(data_sheet, "w", force_zip64=size >= ZIP64_FROM) as entry,
                body.open("rb") as rows,
            ):
                entry.write(head.encode("utf-8"))
                shutil.copyfileobj(rows, entry, 1 << 20)
                entry.write(b"</sheetData>" + tail.encode("utf-8"))
