"""A job's stage and percent on its page and at its status address: in words, refreshed
without JavaScript, followed by a small script with it, and only for the job's own
library. (tests/integration/test_job_progress.py: written by a real worker.)"""

import pytest
from django.urls import reverse
from django.utils import timezone

from research.models import ExportJob, JobStage, ReportJob
from research.services import _job_claim, _job_progress, export_run
from tests import factories


@pytest.fixture
def survey(library_a, settings, tmp_path):
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    page = factories.survey(library_a, factories.ALL_TYPES, slug="alle")
    factories.responses(page, 12, seed=3)
    return page


def _running(survey, stage: str, progress: int) -> ExportJob:
    job = ExportJob.objects.create(survey=survey, format="csv")
    ExportJob.objects.filter(pk=job.pk).update(
        status="running", stage=stage, progress=progress, started_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def test_the_job_page_shows_stage_and_percent_and_refreshes_without_javascript(
    client, researcher_a, survey
):
    _running(survey, JobStage.WRITING, 40)
    client.force_login(researcher_a)
    html = client.get(reverse("research_exports", args=[survey.pk])).content.decode()
    assert "Skriver filen 40\u00a0%" in html  # "Writing the file 40 %", in Bokmål
    assert '<progress max="100" value="40"' in html
    assert 'role="status" aria-live="polite"' in html
    # Without JavaScript: the page refreshes itself, and says how to see the progress.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "job-refresh" in html
    # With JavaScript: the progress script follows the job's status address.
    assert "research/job-progress" in html and "research/jobs/" in html


def test_the_status_address_reports_stage_percent_and_download(client, researcher_a, survey):
    job = _running(survey, JobStage.WRITING, 40)
    client.force_login(researcher_a)
    data = client.get(reverse("research_job_status", args=[job.pk])).json()
    assert data["status"] == "running" and data["running"] is True
    assert (data["stage"], data["percent"]) == ("writing", 40)
    assert data["text"] == "Skriver filen 40\u00a0%" and data["download"] is None
    ExportJob.objects.filter(pk=job.pk).update(status="queued", stage="", progress=0)
    assert export_run(job_id=job.pk) == "done"
    data = client.get(reverse("research_job_status", args=[job.pk])).json()
    assert (data["status"], data["percent"], data["running"]) == ("done", 100, False)
    assert data["download"] == reverse("research_export_download", args=[job.pk])


def test_a_report_jobs_status_is_its_librarys_only(client, researcher_a, researcher_b, findings):
    report, _survey, _segment = findings
    job = ReportJob.objects.create(report=report, title=report.title)
    url = reverse("research_job_status", args=[job.pk])
    client.force_login(researcher_b)
    assert client.get(url).status_code == 404
    client.force_login(researcher_a)
    assert client.get(url).json()["text"] == "I kø"  # "Queued"
    missing = reverse("research_job_status", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing).status_code == 404


def test_progress_is_the_attempts_own_and_never_goes_back(survey):
    job = ExportJob.objects.create(survey=survey, format="csv")
    token = _job_claim(ExportJob, job.pk)
    assert token is not None
    progress = _job_progress(ExportJob, job.pk, token)
    progress(JobStage.WRITING, 60)
    progress(JobStage.READING, 10)  # late, lower: ignored
    job.refresh_from_db()
    assert (job.stage, job.progress) == ("writing", 60)
    stale = _job_progress(ExportJob, job.pk, token.replace(year=2000))
    stale(JobStage.SAVING, 98)  # another attempt's claim: changes nothing
    job.refresh_from_db()
    assert (job.stage, job.progress) == ("writing", 60)
