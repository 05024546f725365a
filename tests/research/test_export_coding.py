"""research/exports/coding.py: the CSV export coded by PostgreSQL is the file the Python
coding (research/exports/columns.py, writers.py) writes, byte for byte — on well-formed
answers and on the odd ones SQL hands back to Python (numbers such as "4.50", lists that
are not lists of options, text holding the marker character, formulas, quotes, commas and
line breaks)."""

import csv
import io
import zipfile
from functools import partial

import pandas as pd
import pytest
from django.db import connection

from research.exports.coding import MARK, csv_chunks, csv_field, export_csv_plan
from research.exports.columns import export_cells, export_columns, export_paths
from research.exports.selectors import survey_export_lines, survey_export_rows
from research.exports.writers import write_csv, write_csv_lines, write_xlsx, write_xlsx_lines
from research.findings.filters import Filters
from research.findings.scrub import scrub
from research.selectors import survey_channel_labels, survey_questions
from research.services import export_write
from surveys.models import Channel, Response
from surveys.selectors import survey_live_version
from tests import factories

RULE = "Celler med færre enn 5 svar er skjult."

ODD_ANSWERS = [
    # numbers SQL does not write as they are: Python's int()/float() decide
    {"alder": "4.50", "fornoyd": "05", "anbefale": -3, "stjerner": 4.0},
    {"alder": " 7", "fornoyd": "", "anbefale": "1e3", "stjerner": "x"},
    {"alder": 12345678901234567890123, "anbefale": True, "stjerner": None},
    # multiple choice and ranking that are not lists of the options
    {"bruk": "boker", "viktigst": "ro"},
    {"bruk": ["boker", "ukjent"], "viktigst": ["ro", "ro", "hjelp", "apent"]},
    {"bruk": [], "viktigst": []},
    {"bruk": "", "viktigst": ["apent", 'x"ro']},
    {"bruk": ["wifi", "wifi"], "viktigst": ["hjelp", "ro"]},
    {"bruk": {"boker": 1}, "viktigst": None},
    # choices, matrix, consent, other text
    {"hvorfor": "other", "hvorfor.other": "=SUM(A1) Ring 912 34 567", "filial": 3},
    {"hvorfor": "ukjent", "tilbud": {"apningstider": "bra", "utvalg": 2}, "samtykke": False},
    {"tilbud": ["ok"], "kort": True, "samtykke": ""},
    # text cells: formulas, quotes, commas, line breaks, the marker, personal data
    {"besok": "-2026-01-01", "postnummer": '4006, "Stavanger"', "forslag": "Ja\r\nnei"},
    {"besok": 'a,"b"\nc', "postnummer": "\x01 4006", "forslag": "@kari@example.no \x01\x02"},
    {"besok": "\x012026", "postnummer": "+47 41234567", "forslag": "\tTab"},
    {"besok": "", "postnummer": "", "forslag": ""},
    {},
]


@pytest.fixture
def survey(library_a):
    page = factories.survey(library_a, factories.ALL_TYPES, slug="koding")
    qr = Channel.objects.create(survey=page, kind="qr", name='Plakat, "inngang"', code="plakat")
    embed = Channel.objects.create(survey=page, kind="embed", name="=Wifi", code="wifi")
    factories.responses(page, 20, seed=7)
    factories.responses(page, 5, seed=8, channel=qr)
    factories.responses(page, 5, seed=9, channel=embed)
    version = survey_live_version(page)
    Response.objects.bulk_create(
        Response(survey=page, version=version, language=lang, answers=answers, submitted_on=day)
        for answers, lang, day in zip(
            ODD_ANSWERS,
            ["nb", "en", "-x", "a,b", "\x01"] * 4,
            [None, "2026-05-17"] * 10,
            strict=False,
        )
    )
    return page


def _reference(page, target, clean, writer=write_csv) -> bytes:
    """The export as research/exports/columns.py codes it, in Python."""
    columns = export_columns(survey_questions(page))
    raw = survey_export_rows(page, None, export_paths(columns))
    cells = export_cells(columns, raw, clean, survey_channel_labels(page))
    writer(target, columns, cells, lambda n: None, RULE)
    return target.read_bytes()


def _service(page, target, format="csv", card_pattern=r"N\d{9}", progress=None) -> int:
    """The export as the service writes it (on PostgreSQL, coded by the database)."""
    return export_write(
        survey=page,
        filters=Filters(),
        format=format,
        target=target,
        progress=progress or (lambda n: None),
        k=5,
        card_pattern=card_pattern,
    )


def _data(path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("data.csv")


def _sheet(path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_csv_field_quotes_as_csv_writer_does():
    values = [None, "", "a", "a,b", 'a"b', "a\nb", "a\rb", " a", "\t", 1, 0, -2, 2.5, 1e-10]
    for value in values:
        line = io.StringIO()
        csv.writer(line).writerow([value, "x"])
        assert line.getvalue() == csv_field(value) + ",x\r\n", value


def test_database_coded_csv_is_the_python_coded_file(survey, tmp_path):
    clean = partial(scrub, card_pattern=r"N\d{9}")
    reference = _reference(survey, tmp_path / "reference.zip", clean)
    columns = export_columns(survey_questions(survey))
    done: list[int] = []
    rows = _service(survey, tmp_path / "service.zip", progress=done.append)
    assert rows == len(ODD_ANSWERS) + 30 and done[-1] == rows
    assert _data(tmp_path / "service.zip") == _data(tmp_path / "reference.zip")
    text = _data(tmp_path / "reference.zip").decode("utf-8-sig")
    assert "912 34 567" not in text and "kari@example.no" not in text and "41234567" not in text
    data = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert len(data) == rows and list(data.columns) == [c.name for c in columns]
    labels = set(survey_channel_labels(survey).values())
    assert set(data["channel"]) == labels and any("," in label for label in labels)
    assert "'=SUM(A1) Ring [fjernet]" in set(data["hvorfor_other_text"])
    assert "'-2026-01-01" in set(data["besok"]) and "[fjernet]" in set(data["postnummer"])

    if connection.vendor == "postgresql":  # the database's coding, driven directly
        plan = export_csv_plan(columns, survey_channel_labels(survey), clean)
        assert plan is not None
        fetched = list(survey_export_lines(survey, None, plan))
        handed = {
            part.split("\x02", 1)[1]
            for row in fetched
            for at in plan.runs_at
            for part in row[at].split(MARK)[1::2]
        }  # the raw values SQL handed to Python, as JSON
        assert {'"4.50"', '"05"', '" 7"', '"1e3"', '"x"', '"4.0"', '"\\u0001"'} <= handed
        chunks = csv_chunks(plan, survey_export_lines(survey, None, plan), size=7)
        write_csv_lines(tmp_path / "sql.zip", columns, chunks, lambda n: None, RULE)
        assert (tmp_path / "sql.zip").read_bytes() != b""
        assert _data(tmp_path / "sql.zip") == _data(tmp_path / "reference.zip")
        assert reference.startswith(b"PK")


def test_channel_name_with_the_marker_is_coded_in_python(survey, tmp_path):
    Channel.objects.filter(code="wifi").update(name="Wifi\x01")
    clean = partial(scrub, card_pattern=None)
    columns = export_columns(survey_questions(survey))
    assert export_csv_plan(columns, survey_channel_labels(survey), clean) is None
    _service(survey, tmp_path / "service.zip", card_pattern=None)
    _reference(survey, tmp_path / "reference.zip", clean)
    assert _data(tmp_path / "service.zip") == _data(tmp_path / "reference.zip")


def test_export_job_outside_a_transaction_writes_the_same_file(
    transactional_db, survey, tmp_path, settings, monkeypatch
):
    """As a worker runs it (autocommit): on PostgreSQL the rows stream over a second
    connection while the job's progress is written on the first — the same CSV and XLSX
    data as the Python coding."""
    from research import services
    from research.models import ExportJob
    from research.services import export_run

    monkeypatch.setattr(services, "PROGRESS_SECONDS", 0)  # every report written
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    clean = partial(scrub, card_pattern=r"N\d{9}")
    _reference(survey, tmp_path / "reference.zip", clean)
    _reference(survey, tmp_path / "reference.xlsx", clean, write_xlsx)
    for format, read in (("csv", _data), ("xlsx", _sheet)):
        job = ExportJob.objects.create(survey=survey, format=format)
        assert export_run(job_id=job.pk) == ExportJob.Status.DONE
        job.refresh_from_db()
        assert job.rows_done == job.rows_total == len(ODD_ANSWERS) + 30
        copy = tmp_path / f"job.{format}"
        with job.file.open("rb") as handle:
            copy.write_bytes(handle.read())
        reference = tmp_path / ("reference.zip" if format == "csv" else "reference.xlsx")
        assert read(copy) == read(reference), format


def test_database_coded_xlsx_is_the_python_coded_workbook(survey, tmp_path):
    """The XLSX export reads the database-coded CSV lines (research.exports
    write_xlsx_lines): its data sheet is the Python coding's, byte for byte."""
    clean = partial(scrub, card_pattern=r"N\d{9}")
    columns = export_columns(survey_questions(survey))
    _reference(survey, tmp_path / "reference.xlsx", clean, write_xlsx)
    rows = _service(survey, tmp_path / "service.xlsx", "xlsx")
    assert rows == len(ODD_ANSWERS) + 30
    assert _sheet(tmp_path / "service.xlsx") == _sheet(tmp_path / "reference.xlsx")
    data = pd.read_excel(tmp_path / "service.xlsx", sheet_name="data", dtype=str)
    assert len(data) == rows and list(data.columns) == [c.name for c in columns]
    assert "'=SUM(A1) Ring [fjernet]" in set(data["hvorfor_other_text"])
    assert "'-2026-01-01" in set(data["besok"]) and "[fjernet]" in set(data["postnummer"])
    text = _sheet(tmp_path / "service.xlsx").decode("utf-8")
    assert "912 34 567" not in text and "kari@example.no" not in text
    if connection.vendor == "postgresql":  # the database's coding, driven directly
        plan = export_csv_plan(columns, survey_channel_labels(survey), clean)
        chunks = csv_chunks(plan, survey_export_lines(survey, None, plan), size=7)
        write_xlsx_lines(tmp_path / "sql.xlsx", columns, chunks, lambda n: None, RULE)
        assert _sheet(tmp_path / "sql.xlsx") == _sheet(tmp_path / "reference.xlsx")


def test_ranks_are_the_same_for_orders_kept_and_orders_worked_out_again():
    """A ranking question's cells for each order of its options — more orders than the
    coder keeps (8! > RANKS_KEPT), each coded twice — are the commas before each option."""
    import itertools
    import json

    from research.exports.coding import RANKS_KEPT, _ranks

    options = [f"o{i}" for i in range(8)]
    cells = _ranks([f'"{o}"' for o in options])
    orders = list(itertools.permutations(options))
    assert len(orders) > RANKS_KEPT
    for _ in range(2):
        for order in orders:
            expected = ",".join(str(order.index(o) + 1) for o in options)
            assert cells(json.dumps(list(order))) == expected
    assert cells(json.dumps(["o3"])) == ",,,1,,,,"
    assert cells(None) == cells("") == ",,,,,,,"


def test_export_connection_is_opened_aside_and_closed_after(transactional_db, survey):
    """Outside a transaction the export's own connection is opened on a thread and closed
    at the end of the block; inside one there is none (the rows are read where the
    caller's transaction sees them)."""
    from django.db import transaction

    from research.exports.selectors import export_connection

    if connection.vendor != "postgresql":
        pytest.skip("the database-coded export is PostgreSQL's")
    with export_connection() as own:
        assert own is not None
        stream = own()
        assert stream.execute("SHOW jit").fetchone() == ("off",)
        assert stream.execute("SELECT current_date::text ~ '^\\d{4}-\\d\\d-\\d\\d$'").fetchone()
    assert stream.closed
    with transaction.atomic(), export_connection() as own:
        assert own is None
