"""Exports as jobs in the admin: a researcher starts one, a worker writes it (here the
service runs in-process; tests/integration/test_research_worker.py uses a real worker), the
download is logged — and a researcher of another library sees none of it."""

import io
import zipfile

import pandas as pd
import pytest
from django.urls import reverse

from research.models import ExportJob, ResearchLog
from research.services import export_run
from tests import factories

CARD_HOLDER_ID = "Ring meg på 912 34 567"


@pytest.fixture
def private_root(settings, tmp_path):
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    return settings.INNSIKT_PRIVATE_ROOT


@pytest.fixture
def survey(library_a):
    page = factories.survey(library_a, factories.ALL_TYPES, slug="alle")
    factories.responses(page, 12, seed=3, forslag=CARD_HOLDER_ID, epost="kari@example.no")
    return page


def _start(client, survey, fmt: str, captured) -> ExportJob:
    with captured(execute=False) as callbacks:
        answer = client.post(reverse("research_exports", args=[survey.pk]), {"format": fmt})
    assert answer.status_code == 302
    assert len(callbacks) == 1  # the task is enqueued when the transaction commits
    return ExportJob.objects.get()


def test_researcher_exports_csv_without_identifiers_and_download_is_logged(
    client, researcher_a, survey, private_root, django_capture_on_commit_callbacks
):
    client.force_login(researcher_a)
    job = _start(client, survey, "csv", django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.QUEUED and job.created_by == researcher_a

    assert export_run(job_id=job.pk) == ExportJob.Status.DONE
    assert export_run(job_id=job.pk) == ExportJob.Status.DONE  # safe to run twice
    job.refresh_from_db()
    assert job.rows_done == 12 and job.percent == 100
    assert private_root in (private_root / job.file.name).parents  # private, not MEDIA_ROOT

    html = client.get(reverse("research_exports", args=[survey.pk])).content.decode()
    assert reverse("research_export_download", args=[job.pk]) in html
    answer = client.get(reverse("research_export_download", args=[job.pk]))
    assert answer.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(answer.streaming_content))) as archive:
        raw = archive.read("data.csv").decode("utf-8-sig")
    data = pd.read_csv(io.StringIO(raw))
    assert len(data) == 12
    assert "epost" not in data.columns and "kari@example.no" not in raw
    assert "912 34 567" not in raw and (data["forslag"] == "Ring meg på [fjernet]").all()
    actions = list(ResearchLog.objects.values_list("action", "username", "object_id"))
    assert (ResearchLog.Action.EXPORT, "forsker-a", str(job.pk)) in actions
    assert (ResearchLog.Action.DOWNLOAD_EXPORT, "forsker-a", str(job.pk)) in actions


def test_failed_export_shows_its_error_not_a_500(
    client, researcher_a, survey, private_root, django_capture_on_commit_callbacks
):
    client.force_login(researcher_a)
    job = _start(client, survey, "xlsx", django_capture_on_commit_callbacks)
    private_root.parent.mkdir(exist_ok=True)
    private_root.write_text("a file where the folder should be")  # the disk is unusable
    assert export_run(job_id=job.pk) == ExportJob.Status.FAILED
    html = client.get(reverse("research_exports", args=[survey.pk])).content.decode()
    job.refresh_from_db()
    assert job.error and job.error.split(":")[0] in html  # the error, on the row
    assert client.get(reverse("research_export_download", args=[job.pk])).status_code == 404


def test_bad_filter_input_gets_a_clear_error_and_keeps_the_choice(
    client, researcher_a, survey, private_root
):
    client.force_login(researcher_a)
    answer = client.post(
        reverse("research_exports", args=[survey.pk]),
        {"format": "sav", "date_from": "2026-05-01", "date_to": "2026-04-01"},
    )
    assert answer.status_code == 200 and not ExportJob.objects.exists()
    html = answer.content.decode()
    assert 'role="alert"' in html and 'value="sav" required id="id_format_2" checked' in html
    assert 'aria-describedby="id_date_to_error"' in html and 'id="id_date_to_error"' in html


def test_researcher_of_another_library_cannot_see_start_or_download(
    client, researcher_a, researcher_b, survey, private_root, django_capture_on_commit_callbacks
):
    client.force_login(researcher_a)
    job = _start(client, survey, "csv", django_capture_on_commit_callbacks)
    export_run(job_id=job.pk)
    client.force_login(researcher_b)
    for answer in (
        client.get(reverse("research_exports", args=[survey.pk])),
        client.post(reverse("research_exports", args=[survey.pk]), {"format": "csv"}),
        client.get(reverse("research_export_download", args=[job.pk])),
    ):
        assert answer.status_code in (302, 403, 404)
    assert ExportJob.objects.count() == 1
    assert not ResearchLog.objects.filter(username="forsker-b").exists()


def test_progress_counts_the_filtered_rows_at_the_first_write(survey):
    """The job's total is the rows the export writes (filters applied), counted when
    progress is first written, and a job's percent follows it."""
    from research.findings.filters import Filters
    from research.selectors import survey_channel_labels
    from research.services import export_progress
    from surveys.models import Channel

    qr = Channel.objects.create(survey=survey, kind="qr", name="Plakat", code="plakat")
    factories.responses(survey, 5, seed=4, channel=qr)
    job = ExportJob.objects.create(survey=survey, format="csv", status=ExportJob.Status.RUNNING)
    label = survey_channel_labels(survey)[qr.pk]
    progress = export_progress(job, survey, Filters(channels=frozenset({label})), every=0)
    job.refresh_from_db()
    assert job.rows_total is None  # nothing counted before the first report
    progress(2)
    job.refresh_from_db()
    assert (job.rows_done, job.rows_total, job.percent) == (2, 5, 40)
    factories.responses(survey, 5, seed=5, channel=qr)  # counted once: the total stays
    progress(4)
    job.refresh_from_db()
    assert (job.rows_done, job.rows_total) == (4, 5)


def test_progress_is_written_at_most_once_per_interval(survey, django_assert_num_queries):
    """Reports inside the interval touch no database: an export done within the first
    second neither counts its rows nor writes progress (export_run records its end)."""
    from research.findings.filters import Filters
    from research.services import PROGRESS_SECONDS, export_progress

    assert PROGRESS_SECONDS <= 2  # the admin's bar still moves during a long export
    job = ExportJob.objects.create(survey=survey, format="csv", status=ExportJob.Status.RUNNING)
    progress = export_progress(job, survey, Filters(), every=3600)
    with django_assert_num_queries(0):
        for done in range(5000, 50001, 5000):
            progress(done)
    job.refresh_from_db()
    assert (job.rows_done, job.rows_total) == (0, None)
