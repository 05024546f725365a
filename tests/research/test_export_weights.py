"""Exports carry the raking weight (issue 19): a "weight" column in CSV, XLSX and SAV (with
its variable label), the codebook saying how it was made — and an export that fails with
the engine's explanation, never a file with wrong weights."""

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from research.exports.columns import Column
from research.exports.weights import (
    ExportWeights,
    WeightsInconsistent,
    cells_weighted,
    weights_by_answers,
)
from research.margins.models import MarginDimension, PopulationMargin
from research.models import ExportJob
from research.services import export_run
from tests import factories

QUESTIONS = [
    factories.step(
        "s",
        factories.q("yes_no", "card", "Do you have a library card?"),
        factories.q("single_choice", "age", "Your age", options=["young", "old"]),
    )
]
LABEL = "Raking weight: Borrowers 2025 (library system, 2026-01-01), cap 5"


@pytest.fixture
def private_root(settings, tmp_path):
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    return settings.INNSIKT_PRIVATE_ROOT


@pytest.fixture
def survey(library_a):
    page = factories.survey(library_a, QUESTIONS, slug="vekt")
    # Card holders and the young are over-represented: 30 of 45 have a card, 30 are young.
    factories.responses(page, 20, seed=1, card="yes", age="young")
    factories.responses(page, 10, seed=2, card="yes", age="old")
    factories.responses(page, 10, seed=3, card="no", age="young")
    factories.responses(page, 5, seed=4, card="no", age="old")
    return page


def _margin(home, *, card=(50_000, 50_000), age=(40_000, 60_000), name="Borrowers 2025"):
    margin = PopulationMargin.objects.create(
        library=Site.objects.get(root_page=home),
        name=name,
        source="library system",
        date=date(2026, 1, 1),
    )
    for key, label, options, population in (
        ("card", "Library card", ("yes", "no"), card),
        ("age", "Age", ("young", "old"), age),
    ):
        MarginDimension.objects.create(
            margin=margin,
            key=key,
            label=label,
            question_key=key,
            categories=[
                ("category", {"key": o, "label": o.title(), "population": p, "option": o})
                for o, p in zip(options, population, strict=True)
            ],
        )
    return margin


def _export(client, survey, fmt, margin, cap="5") -> ExportJob:
    answer = client.post(
        reverse("research_exports", args=[survey.pk]),
        {"format": fmt, "weight_margin": margin.pk, "weight_cap": cap},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    job = ExportJob.objects.get()
    assert job.weighting == {"margin": margin.pk, "cap": float(cap)}
    with translation.override("en"):
        export_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def _file(client, job) -> bytes:
    answer = client.get(reverse("research_export_download", args=[job.pk]))
    assert answer.status_code == 200
    return b"".join(answer.streaming_content)


def _assert_weights_meet_the_margins(data: pd.DataFrame) -> None:
    weights = data["weight"].astype(float)
    assert weights.notna().all() and weights.mean() == pytest.approx(1, abs=1e-9)
    card = weights.groupby(data["card"]).sum() / weights.sum()
    age = weights.groupby(data["age"]).sum() / weights.sum()
    assert card[1] == pytest.approx(0.5, abs=1e-6) and card[0] == pytest.approx(0.5, abs=1e-6)
    assert age[1] == pytest.approx(0.4, abs=1e-6) and age[2] == pytest.approx(0.6, abs=1e-6)
    # Same answers, same weight; different cells, different weights.
    assert (data.groupby(["card", "age"])["weight"].nunique() == 1).all()
    assert weights.nunique() == 4


@pytest.mark.django_db
def test_csv_carries_the_weight_and_the_codebook_says_how_it_was_made(
    client, researcher_a, library_a, survey, private_root
):
    client.force_login(researcher_a)
    job = _export(client, survey, "csv", _margin(library_a))
    assert job.status == ExportJob.Status.DONE, job.error
    with zipfile.ZipFile(io.BytesIO(_file(client, job))) as archive:
        data = pd.read_csv(io.StringIO(archive.read("data.csv").decode("utf-8-sig")))
        book = archive.read("codebook.csv").decode("utf-8-sig")
    assert list(data.columns)[-1] == "weight" and len(data) == 45
    _assert_weights_meet_the_margins(data)
    assert ["weight", "weight", LABEL, "weight", ""] in list(csv.reader(io.StringIO(book)))
    assert "raking (iterative proportional fitting)" in book and "Borrowers 2025" in book
    assert "Margin Library card (question card): Yes = 50000; No = 50000" in book
    assert "Kish design effect" in book and "trimmed at 5 × the mean" in book


@pytest.mark.django_db
def test_xlsx_carries_the_weight_as_a_number(client, researcher_a, library_a, survey, private_root):
    client.force_login(researcher_a)
    job = _export(client, survey, "xlsx", _margin(library_a))
    assert job.status == ExportJob.Status.DONE, job.error
    workbook = openpyxl.load_workbook(io.BytesIO(_file(client, job)), read_only=True)
    rows = list(workbook["data"].iter_rows(values_only=True))
    data = pd.DataFrame(rows[1:], columns=rows[0])
    assert all(isinstance(w, float) for w in data["weight"])  # a number, not text
    _assert_weights_meet_the_margins(data)
    book = [r[0] for r in workbook["codebook"].iter_rows(values_only=True) if r and r[0]]
    assert any(str(line).startswith("Converged after") for line in book)


@pytest.mark.django_db
def test_sav_weight_has_its_variable_label(client, researcher_a, library_a, survey, private_root):
    client.force_login(researcher_a)
    job = _export(client, survey, "sav", _margin(library_a), cap="2.5")
    assert job.status == ExportJob.Status.DONE, job.error
    with zipfile.ZipFile(io.BytesIO(_file(client, job))) as archive:
        sav = private_root / "read.sav"
        sav.write_bytes(archive.read("data.sav"))
    data, meta = pyreadstat.read_sav(str(sav))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["weight"] == LABEL.replace("cap 5", "cap 2.5")
    assert meta.readstat_variable_types["weight"] == "double"
    _assert_weights_meet_the_margins(data)
    assert data["weight"].max() <= 2.5 + 1e-9


@pytest.mark.django_db
def test_weights_that_cannot_be_made_fail_the_export_with_the_engines_explanation(
    client, researcher_a, library_a, survey, private_root
):
    client.force_login(researcher_a)
    # Respondents without a card, but a population of 0 without one: no weight can fit.
    job = _export(client, survey, "csv", _margin(library_a, card=(100_000, 0)))
    assert job.status == ExportJob.Status.FAILED and not job.file
    assert job.failure == "refused" and "No weights could be made" in job.error
    assert "No" in job.failure_message and "collapse" in job.error  # what to do
    html = client.get(reverse("research_exports", args=[survey.pk])).content.decode()
    assert "No weights could be made" in html and "JobRefused" not in html
    assert client.get(reverse("research_export_download", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_only_the_surveys_own_librarys_margins_are_offered(
    client, researcher_a, library_a, library_b, survey, private_root
):
    mine, theirs = _margin(library_a), _margin(library_b, name="Somewhere else")
    client.force_login(researcher_a)
    html = client.get(reverse("research_exports", args=[survey.pk])).content.decode()
    assert "Borrowers 2025" in html and "Somewhere else" not in html
    assert 'name="weight_cap"' in html and 'value="5"' in html
    for choice, cap in ((theirs.pk, "5"), (mine.pk, "1")):
        answer = client.post(
            reverse("research_exports", args=[survey.pk]),
            {"format": "csv", "weight_margin": choice, "weight_cap": cap},
        )
        assert answer.status_code == 200 and 'role="alert"' in answer.content.decode()
    assert not ExportJob.objects.exists()


def test_cells_get_the_weight_of_their_answers_and_none_outside_them():
    columns = [
        Column("card", "card", None, "Card", "yes_no", {"yes": 1, "no": 0}),
        Column("note", "note", None, "Note", "short_text", numeric=False),
    ]
    weights = ExportWeights(("card",), {("yes",): 0.8, ("no",): 1.4}, "Raking weight")
    out, rows = cells_weighted(columns, [[1, "a"], [0, "b"], [None, "c"]], weights)
    assert [c.name for c in out] == ["card", "note", "weight"] and out[-1].is_number
    assert list(rows) == [[1, "a", 0.8], [0, "b", 1.4], [None, "c", None]]


def test_one_answer_combination_with_two_weights_is_refused():
    assert weights_by_answers([("a",), ("a",)], [1.0, 1.0]) == {("a",): 1.0}
    with pytest.raises(WeightsInconsistent):
        weights_by_answers([("a",), ("a",)], [1.0, 1.5])


def test_the_weight_column_never_takes_a_questions_name():
    columns = [Column("weight", "weight", None, "Your weight", "number")]
    out, _rows = cells_weighted(columns, [], ExportWeights((), {}, "Raking weight"))
    assert out[-1].name == "weight_2"
