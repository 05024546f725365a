"""Exports and report PDFs as jobs that survive a broker that is down, a worker that dies
and a disk that fills up (research.services: _job_claim, jobs_sweep; research.job_files).
Here the services run in-process; tests/integration/test_job_faults.py does the same with
a real worker, a real broker and a real full disk."""

import errno
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from research import services
from research.findings.filters import Filters
from research.job_files import WORK_PREFIX, disk_full, file_publish, work_folder
from research.models import JOB_MAX_ATTEMPTS, ExportJob, ReportJob
from research.services import _job_claim, export_run, export_start, jobs_sweep
from tests import factories

WAITING_FOR_QUEUE = "Venter på oppgavekøen"  # the admin speaks Bokmål by default
DISK_FULL = "Serveren gikk tom for diskplass mens eksporten ble skrevet"


@pytest.fixture
def private_root(settings, tmp_path):
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    return settings.INNSIKT_PRIVATE_ROOT


@pytest.fixture
def survey(library_a):
    page = factories.survey(library_a, factories.ALL_TYPES, slug="alle")
    factories.responses(page, 12, seed=3)
    return page


@pytest.fixture
def queue(monkeypatch):
    """The task queue as research.services sees it: what was handed over, and a switch."""

    class Queue:
        up = True
        handed: list[tuple[str, tuple]] = []

        def __call__(self, task, *args, **options) -> bool:
            if self.up:
                self.handed.append((getattr(task, "name", task), args))
            return self.up

    queue = Queue()
    queue.handed = []
    monkeypatch.setattr(services, "task_enqueue", queue)
    return queue


def _job(survey, **fields) -> ExportJob:
    return ExportJob.objects.create(survey=survey, format="csv", **fields)


def test_a_click_while_the_queue_is_down_keeps_the_job_and_says_it_waits(
    client, researcher_a, survey, private_root, queue
):
    client.force_login(researcher_a)
    queue.up = False
    url = reverse("research_exports", args=[survey.pk])
    assert client.post(url, {"format": "csv"}).status_code == 302
    job = ExportJob.objects.get()
    assert (job.status, job.enqueued_at) == ("queued", None)
    assert WAITING_FOR_QUEUE in client.get(url).content.decode()
    with translation.override("en"):
        assert job.waiting.startswith("Waiting for the task queue")

    queue.up = True
    assert jobs_sweep(now=timezone.now()) == {"handed": 1}
    job.refresh_from_db()
    assert job.enqueued_at is not None and job.waiting == ""
    assert queue.handed == [("research.tasks.export_run", (str(job.pk),))]
    assert WAITING_FOR_QUEUE not in client.get(url).content.decode()


def test_the_sweep_hands_over_again_a_job_not_started_in_time(survey, settings, queue):
    settings.INNSIKT_JOB_REQUEUE_SECONDS = 60
    now = timezone.now()
    fresh = _job(survey, enqueued_at=now - timedelta(seconds=30))
    late = _job(survey, enqueued_at=now - timedelta(seconds=90))
    ExportJob.objects.filter(pk=late.pk).update(created_at=now - timedelta(seconds=90))
    assert jobs_sweep(now=now) == {"handed": 1}
    assert queue.handed == [("research.tasks.export_run", (str(late.pk),))]
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert late.enqueued_at > now - timedelta(seconds=1)
    with translation.override("en"):
        assert fresh.waiting == ""
        assert late.waiting == "Waiting for a free worker; it will start automatically."


def test_a_job_whose_worker_died_is_claimed_again_after_its_lease(survey, settings):
    settings.INNSIKT_JOB_LEASE_SECONDS = 60
    now = timezone.now()
    job = _job(survey)
    assert _job_claim(ExportJob, job.pk) is not None
    assert _job_claim(ExportJob, job.pk) is None  # its worker is alive (a fresh heartbeat)
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=now - timedelta(seconds=61))
    assert _job_claim(ExportJob, job.pk) is not None  # the lease ran out: its worker died
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 2)


def test_a_running_job_renews_its_lease_so_a_long_render_is_not_taken_over(
    transactional_db, library_a, settings, queue
):
    """WeasyPrint renders in one long call: the heartbeat comes from a thread of its own,
    with its own database connection, and stops with the job."""
    import time

    settings.INNSIKT_JOB_LEASE_SECONDS = 1
    job = _job(factories.survey(library_a, factories.BRANCHING, slug="lang"))
    token = _job_claim(ExportJob, job.pk)
    with services._job_heartbeat(ExportJob, job.pk, token):
        time.sleep(2.5)  # a render of two and a half leases
        assert jobs_sweep(now=timezone.now()) == {}  # not taken for a dead worker's
        assert _job_claim(ExportJob, job.pk) is None
    job.refresh_from_db()
    assert job.heartbeat_at > token + timedelta(seconds=1.5)
    beat = job.heartbeat_at
    time.sleep(1)
    job.refresh_from_db()
    assert job.heartbeat_at == beat  # stopped with the job


def test_the_sweep_runs_a_lost_job_again_and_gives_up_after_three_attempts(
    survey, settings, private_root, queue
):
    settings.INNSIKT_JOB_LEASE_SECONDS = 60
    now = timezone.now()
    silent = now - timedelta(seconds=61)
    alive = _job(survey, status="running", started_at=silent, heartbeat_at=now, attempts=1)
    lost = _job(survey, status="running", started_at=silent, heartbeat_at=silent, attempts=1)
    spent = _job(
        survey,
        status="running",
        started_at=silent,
        heartbeat_at=silent,
        attempts=JOB_MAX_ATTEMPTS,
    )
    leftover = Path(private_root) / "exports" / str(spent.pk) / f"{WORK_PREFIX}dead"
    leftover.mkdir(parents=True)
    (leftover / "export.zip").write_bytes(b"PK half")

    assert jobs_sweep(now=now) == {"failed": 1, "requeued": 1, "handed": 1}
    assert jobs_sweep(now=now) == {}  # safe to run twice: nothing happens twice
    assert queue.handed == [("research.tasks.export_run", (str(lost.pk),))]
    states = {j.pk: (j.status, j.failure) for j in ExportJob.objects.all()}
    assert states == {
        alive.pk: ("running", ""),
        lost.pk: ("queued", ""),
        spent.pk: ("failed", "interrupted"),
    }
    assert not leftover.exists()  # the dead attempts' half-written file is gone
    with translation.override("en"):
        assert ExportJob.objects.get(pk=spent.pk).failure_message.startswith(
            "The export was interrupted three times"
        )
        assert "start again" in ExportJob.objects.get(pk=lost.pk).waiting
    assert _job_claim(ExportJob, spent.pk) is None  # and no late message runs it again


def test_an_attempt_that_lost_its_claim_offers_nothing(survey, private_root, monkeypatch):
    """A worker that was only slow (another took the job over after its lease) finishes
    writing, but neither marks the job done nor records its file."""
    job = _job(survey)
    real_write = services.export_write

    def slow_write(**kwargs):
        rows = real_write(**kwargs)
        # Meanwhile the lease ran out and another worker claimed the job.
        ExportJob.objects.filter(pk=job.pk).update(started_at=timezone.now(), attempts=2)
        return rows

    monkeypatch.setattr(services, "export_write", slow_write)
    assert export_run(job_id=job.pk) == "running"
    job.refresh_from_db()
    assert (job.status, job.file.name, job.attempts) == ("running", "", 2)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EFBIG])
def test_a_full_disk_fails_the_export_in_words_and_leaves_no_file(
    client, researcher_a, survey, private_root, monkeypatch, code
):
    def full(*, target: Path, **kwargs):
        target.write_bytes(b"PK\x03\x04 the first bytes")
        raise OSError(code, "No space left on device")

    monkeypatch.setattr(services, "export_write", full)
    job = _job(survey)
    assert export_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert (job.status, job.failure, job.file.name) == ("failed", "disk-full", "")
    folder = Path(private_root) / "exports" / str(job.pk)
    assert list(folder.iterdir()) == []  # the half-written file went with its work folder
    client.force_login(researcher_a)
    html = client.get(reverse("research_exports", args=[survey.pk])).content.decode()
    assert DISK_FULL in html
    assert client.get(reverse("research_export_download", args=[job.pk])).status_code == 404


def test_another_error_is_shown_as_it_was_raised(survey, private_root, monkeypatch):
    def broken(**kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(services, "export_write", broken)
    job = _job(survey)
    assert export_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.failure == "" and job.failure_message == ""
    assert job.error.startswith("PermissionError")


def test_a_done_job_has_one_whole_file_under_its_name(
    survey, private_root, django_capture_on_commit_callbacks, researcher_a
):
    with django_capture_on_commit_callbacks(execute=False):
        job = export_start(survey=survey, user=researcher_a, format="csv", filters=Filters())
    assert export_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    folder = Path(private_root) / "exports" / str(job.pk)
    assert [p.name for p in folder.iterdir()] == [Path(job.file.name).name]
    assert job.file.name == f"exports/{job.pk}/alle-{timezone.localdate():%Y%m%d}.zip"


def test_a_report_whose_queue_was_down_says_it_waits(client, researcher_a, findings, queue):
    report, _survey, _segment = findings
    queue.up = False
    client.force_login(researcher_a)
    url = reverse("research_reports", args=[report.pk])
    assert client.post(url).status_code == 302
    assert ReportJob.objects.get().enqueued_at is None
    assert WAITING_FOR_QUEUE in client.get(url).content.decode()


# ---- research/job_files.py -----------------------------------------------------------------


def test_work_folder_replaces_earlier_attempts_and_cleans_up(tmp_path):
    job_folder = tmp_path / "exports" / "job"
    (job_folder / f"{WORK_PREFIX}killed").mkdir(parents=True)
    (job_folder / f"{WORK_PREFIX}killed" / "export.zip").write_bytes(b"half")
    with work_folder(job_folder) as work:
        assert [p.name for p in job_folder.iterdir()] == [work.name]
        (work / "export.zip").write_bytes(b"whole")
        file_publish(work / "export.zip", job_folder / "final.zip")
        (work / "leftover.tmp").write_bytes(b"")
    assert [p.name for p in job_folder.iterdir()] == ["final.zip"]
    assert (job_folder / "final.zip").read_bytes() == b"whole"


def test_disk_full_is_found_through_the_errors_it_caused():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as first:
            raise RuntimeError("zip writer failed") from first
    except RuntimeError as wrapped:
        assert disk_full(wrapped)
    assert not disk_full(OSError(errno.EACCES, "denied"))
    assert not disk_full(ValueError("x"))
