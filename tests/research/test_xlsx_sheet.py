"""research/exports/xlsx_sheet.py: the data rows it encodes are the XML XlsxWriter writes for the
same cells (compared on generated cells), the workbook opens in openpyxl and pandas with
every row and the right dimension, and odd text never breaks the file."""

import io
import re
import zipfile
from xml.etree import ElementTree

import pandas as pd
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from research.exports.xlsx_sheet import CODE, MAX_TEXT, NUMBER, TEXT, row_encoder, xlsx_write

SPECIAL_TEXT = [
    "_x0041_",
    "a_x00e9_b",
    "&<>\"'",
    " lead",
    "trail\t",
    "\n",
    "a\x0bb\x1f\r",
    "\ufffe\uffff",
    "æøå ÆØÅ 😀",
    "=SUM(A1)",
]
texts = st.one_of(st.text(max_size=40), st.sampled_from(SPECIAL_TEXT)).filter(
    lambda t: not (t.startswith("<r>") and t.endswith("</r>"))
)


def _xlsxwriter_row(kinds, cells) -> str:
    """Row 2 as XlsxWriter's constant-memory mode writes it (without its spans)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet("data")
    sheet.write_row(1, 0, cells)
    book.close()
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    found = re.search(r'<row r="2"[^>]*>.*?</row>', xml, re.S)
    return "" if found is None else re.sub(r' spans="[^"]*"', "", found[0])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just(CODE), st.integers(-(10**6), 10**6)),
            st.tuples(st.just(NUMBER), st.integers(-(10**12), 10**12)),
            st.tuples(st.just(TEXT), texts),
            st.tuples(st.sampled_from([CODE, NUMBER, TEXT]), st.none()),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_rows_are_the_xml_xlsxwriter_writes(typed_cells):
    kinds = [kind for kind, _value in typed_cells]
    cells = [value for _kind, value in typed_cells]
    ours = row_encoder(kinds)(2, cells)
    reference = _xlsxwriter_row(kinds, cells)
    if reference:
        assert ours == reference
    else:  # XlsxWriter writes no row of empty cells
        assert ours == '<row r="2"></row>' and all(c in (None, "") for c in cells)


def _read(path):
    book = load_workbook(path, read_only=True)
    return book, [list(row) for row in book["data"].iter_rows(values_only=True)]


def test_workbook_reads_back_with_every_row_and_the_dimension(tmp_path):
    target = tmp_path / "x.xlsx"
    rows = [[i, i % 7 or None, f"svar {i}"] for i in range(12_003)]
    done: list[int] = []
    n = xlsx_write(
        target,
        header=["id", "code", "text"],
        kinds=[CODE, NUMBER, TEXT],
        rows=iter(rows),
        sheets=[("codebook", [["variable", "label"], ["id", "Løpenummer"]])],
        progress=done.append,
    )
    assert n == 12_003 and done == [5000, 10_000, 12_003]
    book, read = _read(target)
    assert book.sheetnames == ["data", "codebook"]
    assert book["data"].calculate_dimension() == "A1:C12004"
    assert read[0] == ["id", "code", "text"] and read[1:] == rows
    codebook = list(book["codebook"].iter_rows(values_only=True))
    assert codebook == [("variable", "label"), ("id", "Løpenummer")]
    frame = pd.read_excel(target, sheet_name="data")
    assert len(frame) == 12_003 and frame["text"].iloc[-1] == "svar 12002"
    with zipfile.ZipFile(target) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert '<pane ySplit="1"' in sheet  # the header row stays in view


def test_odd_values_keep_the_file_valid_and_read_back(tmp_path):
    odd = [
        "<r><t>rich?</t></r>",  # XlsxWriter would write this as markup
        "a & b < c > d",
        "kontroll\x07tegn",
        "x" * (MAX_TEXT + 10),
        "😀" * (MAX_TEXT // 2 + 3),  # two UTF-16 units each
        "  mellomrom  ",
    ]
    rows = [
        [text, number]
        for text, number in zip(odd, ["nan", 4.5, float("inf"), 1e-5, 7, "-inf"], strict=True)
    ]
    target = tmp_path / "odd.xlsx"
    xlsx_write(
        target,
        header=["text", "number"],
        kinds=[TEXT, NUMBER],
        rows=rows,
        sheets=[],
        progress=lambda n: None,
    )
    with zipfile.ZipFile(target) as archive:
        ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))  # noqa: S314 (our file)
    _book, read = _read(target)
    assert read[1] == ["<r><t>rich?</t></r>", "nan"]  # text, not a number or markup
    assert read[2] == ["a & b < c > d", 4.5]
    assert read[3][1] == "inf" and read[4][1] == 1e-5 and read[6] == ["  mellomrom  ", "-inf"]
    assert len(read[4][0]) == MAX_TEXT
    assert len(read[5][0].encode("utf-16-le")) // 2 <= MAX_TEXT
    assert read[3][0] in ("kontroll\x07tegn", "kontroll_x0007_tegn")


def test_an_empty_export_is_a_header_only_workbook(tmp_path):
    target = tmp_path / "empty.xlsx"
    n = xlsx_write(
        target,
        header=["a", "b"],
        kinds=[CODE, TEXT],
        rows=[],
        sheets=[],
        progress=lambda n: None,
    )
    book, read = _read(target)
    assert n == 0 and read == [["a", "b"]]
    assert book["data"].calculate_dimension() == "A1:B1"
