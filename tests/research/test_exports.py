"""research/exports/ (columns, writers): CSV (BOM), XLSX and SPSS exports with one coding
and a codebook, read back with pandas, openpyxl and pyreadstat and compared to the answers."""

import io
import zipfile
from datetime import date

import pandas as pd
import pyreadstat

from research.exports.columns import export_cells, export_columns, raw_row
from research.exports.writers import write_csv, write_sav, write_xlsx
from tests.research.test_analysis import ANSWERS, QUESTIONS

RULE = "Celler med færre enn 5 svar er skjult."


def clean(text: str) -> str:
    return text.replace("Kafeen", "[fjernet]")


def rows():
    """The answers as the database hands them to the export (research.exports.columns.raw_row)."""
    columns = export_columns(QUESTIONS)
    raw = (
        raw_row(
            columns,
            {
                "channel": channel,
                "submitted_on": date.fromisoformat(day) if day else None,
                "version": version,
                "language": "nb",
                "pseudonym": "secret-pseudonym",
                "answers": answers,
            },
        )
        for channel, day, version, answers in ANSWERS
    )
    return export_cells(columns, raw, clean, {c: c for c in ("qr", "link", "embed")})


def expected_first_row() -> dict:
    return {
        "channel": "qr",
        "student": 1,
        "why_books": 1,
        "why_wifi": 1,
        "why_events": 0,
        "why_other": 0,
        "happy": 5,
        "nps": 10,
        "age": 19,
        "rank_a": 1,
        "rank_b": 2,
        "rank_c": 3,
        "grid_open": 1,
        "idea": "Lengre åpningstid",
    }


def test_columns_have_valid_unique_variable_names_and_codes():
    columns = export_columns(QUESTIONS)
    names = [c.name for c in columns]
    assert len(names) == len(set(names))
    assert all(n[0].isalpha() and n.replace("_", "").isalnum() for n in names)
    student = next(c for c in columns if c.name == "student")
    assert student.codes == {"yes": 1, "no": 0}


def test_csv_is_utf8_with_bom_streamed_with_codebook(tmp_path):
    target = tmp_path / "x.zip"
    done = []
    n = write_csv(target, export_columns(QUESTIONS), rows(), done.append, RULE)
    assert n == len(ANSWERS) and done[-1] == n
    with zipfile.ZipFile(target) as archive:
        raw = archive.read("data.csv")
        codebook = archive.read("codebook.csv").decode("utf-8-sig")
    assert raw.startswith(b"\xef\xbb\xbf")
    data = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    first = data.iloc[0]
    for column, value in expected_first_row().items():
        assert first[column] == value, column
    assert "pseudonym" not in data.columns and "secret-pseudonym" not in raw.decode("utf-8-sig")
    assert data.loc[2, "why_other_text"] == "[fjernet]"  # free text passes the scrubber
    assert ("student" in codebook and "1 = Yes" in codebook) or "1 = Ja" in codebook
    assert RULE in codebook


def test_xlsx_has_data_and_codebook_sheets(tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "x.xlsx"
    write_xlsx(target, export_columns(QUESTIONS), rows(), lambda n: None, RULE)
    data = pd.read_excel(target, sheet_name="data")
    for column, value in expected_first_row().items():
        assert data.iloc[0][column] == value, column
    book = load_workbook(target, read_only=True)
    assert book.sheetnames == ["data", "codebook"]
    codebook = [r for r in book["codebook"].iter_rows(values_only=True)]
    assert codebook[0] == ("variable", "question_key", "label", "type", "values")


def test_sav_has_variable_and_value_labels(tmp_path):
    target = tmp_path / "x.zip"
    write_sav(target, export_columns(QUESTIONS), rows(), lambda n: None, RULE)
    with zipfile.ZipFile(target) as archive:
        (tmp_path / "data.sav").write_bytes(archive.read("data.sav"))
        assert "codebook.csv" in archive.namelist()
    data, meta = pyreadstat.read_sav(str(tmp_path / "data.sav"))
    for column, value in expected_first_row().items():
        assert data.iloc[0][column] == value, column
    assert meta.column_names_to_labels["student"] == "Student?"
    assert meta.variable_value_labels["happy"][5] == "5"
    assert set(meta.variable_value_labels["student"]) == {0.0, 1.0}
