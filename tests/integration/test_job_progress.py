"""A report PDF's stage and percent are written by a real Celery worker at the work's stage
boundaries, and read by the job page's status address while the worker runs."""

import time

import pytest
from django.urls import reverse

from research.models import ReportJob
from tests.realparts import worker_start, worker_stop

RUNNING_STAGES = {"reading", "layout", "rendering", "saving"}


@pytest.mark.integration
def test_worker_records_stage_and_percent_read_through_the_status_address(
    transactional_db, tmp_path, settings, smtp_server, client, findings, researcher_a
):
    from cms.celery import app

    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    report, _survey, _segment = findings
    client.force_login(researcher_a)
    app.control.purge()
    worker = worker_start(
        tmp_path / "worker.log", smtp_server.port, INNSIKT_PRIVATE_ROOT=str(tmp_path / "private")
    )
    seen: list[tuple[str, str, int, str]] = []
    try:
        assert client.post(reverse("research_reports", args=[report.pk])).status_code == 302
        job = ReportJob.objects.get()
        status_url = reverse("research_job_status", args=[job.pk])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            data = client.get(status_url).json()
            seen.append((data["status"], data["stage"], data["percent"], data["text"]))
            if not data["running"]:
                break
            time.sleep(0.02)
    finally:
        worker_stop(worker)
    job.refresh_from_db()
    assert job.status == "done", job.error
    # The worker wrote at least one stage while it ran; the percent only ever grew.
    running = [s for s in seen if s[0] == "running" and s[1] in RUNNING_STAGES]
    assert running, seen
    assert all(0 <= percent < 100 for _status, _stage, percent, _text in running)
    percents = [percent for _status, _stage, percent, _text in seen]
    assert percents == sorted(percents), seen
    # The text is the stage in words with its percent ("Lager PDF 80 %").
    for _status, _stage, percent, text in running:
        assert text.endswith(f"{percent}\u00a0%") and len(text) > len(f"{percent} %") + 2
    last = client.get(status_url).json()
    assert last["percent"] == 100 and not last["running"]
    assert last["download"] == reverse("research_report_download", args=[job.pk])
    assert (job.stage, job.progress) == ("", 100)
