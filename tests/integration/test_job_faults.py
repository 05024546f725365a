"""The job side of Innsikt when a part fails (issue 15 §3), with real parts: a Celery worker
in its own process, the test run's broker (Redis in CI), PostgreSQL in CI, an SMTP server.

- The broker is down when a researcher clicks "Export" or "Generate PDF", or launches a
  campaign: the click answers a normal page that says the work waits for the task queue;
  when the broker is back, the sweep (what beat runs every minute) hands the work over
  and the worker does it — every invitation sent once, counted at the SMTP server.
- The worker is killed (SIGKILL) while it writes an export or renders a report: nothing
  half-written is offered; a new worker and the sweep finish the job, one whole file.
- The disk fills up while an export is written (a real 1 MB tmpfs, mounted for the worker
  alone): the job fails in words, its files go, the site answers, and the same worker
  writes the export once space is freed.

The test process reaches the broker through a TCP proxy (tests/proxy.py) that "goes down"
for it alone: the worker keeps its own connection, and the broker itself (shared with other
test runs) is never touched.
"""

import csv
import io
import logging
import os
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from collections import Counter
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from panel.models import Campaign, ConsentText, Invitation, Segment
from research.models import ExportJob, ReportJob
from tests import factories
from tests.integration.conftest import wait_for
from tests.proxy import TcpProxy
from tests.realparts import worker_start, worker_stop

# Short leases, so a dead worker's job is taken over within seconds (production: 180 s).
FAST = {"INNSIKT_JOB_LEASE_SECONDS": "3"}
# What the admin says, in Bokmål (its default language).
JOB_WAITS = "Venter på oppgavekøen"
SENDING_WAITS = "Utsendingen venter på oppgavekøen"
DISK_FULL = "Serveren gikk tom for diskplass mens eksporten ble skrevet"
CLICK_SECONDS = 5  # a click while the broker is down answers within this


class BrokerRoad:
    """The test process's way to the broker, which can go down and come back while the
    worker keeps its own: with Redis, a TcpProxy in front of it; with kombu's filesystem
    transport (no server), a broker address that refuses while down."""

    def __init__(self, app) -> None:
        self.app = app
        url = urlsplit(app.conf.broker_url)
        self.redis = url.scheme in ("redis", "rediss")
        upstream = (url.hostname or "127.0.0.1", url.port or 6379) if self.redis else None
        self.proxy = TcpProxy(upstream or ("127.0.0.1", 9)).__enter__()
        self.through = f"redis://127.0.0.1:{self.proxy.port}{url.path if self.redis else '/0'}"
        if self.redis:
            self._use(self.through)

    def down(self) -> None:
        self.proxy.down()
        if not self.redis:
            self._use(self.through)

    def up(self) -> None:
        self.proxy.up()
        if not self.redis:
            self._use(None)

    def close(self) -> None:
        self._use(None)
        self.proxy.close()

    def _use(self, url: str | None) -> None:
        """Publish to ``url`` (None: the configured broker) from now on. kombu keeps one
        pool per address for the process (so the pools are dropped here, not closed)."""
        self.app._pool = None
        self.app.amqp._producer_pool = None
        self.app.conf.broker_write_url = url


@pytest.fixture
def broker(transactional_db):
    from cms.celery import app

    app.control.purge()  # no stale messages from an earlier run
    road = BrokerRoad(app)
    yield road
    road.close()


@pytest.fixture
def private_root(settings, tmp_path) -> Path:
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    return settings.INNSIKT_PRIVATE_ROOT


def _worker(tmp_path: Path, smtp_server, name: str = "worker", **env: str):
    return worker_start(
        tmp_path / f"{name}.log",
        smtp_server.port,
        INNSIKT_PRIVATE_ROOT=str(tmp_path / "private"),
        **{**FAST, **env},
    )


def _sweep_until(done, what: str, timeout: float = 40) -> None:
    """Send the job sweep, as beat does every minute, until ``done()``."""
    from research.tasks import jobs_sweep

    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, what()
        jobs_sweep.delay()
        wait_for(done, timeout=1.5)


def _csv_rows(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        data = archive.read("data.csv").decode("utf-8-sig")
    return len(list(csv.reader(io.StringIO(data)))) - 1  # the header


def _download(client, name: str, job) -> bytes:
    answer = client.get(reverse(name, args=[job.pk]))
    assert answer.status_code == 200
    return b"".join(answer.streaming_content)


def _pdf_whole(content: bytes) -> int:
    assert content.startswith(b"%PDF") and content.rstrip().endswith(b"%%EOF")
    return len(pypdf.PdfReader(io.BytesIO(content)).pages)


def _job_files(root: Path, folder: str, job) -> list[str]:
    """Everything in the job's folder (work folders included), by name."""
    path = root / folder / str(job.pk)
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def _click(client, url: str, data: dict | None = None):
    started = time.monotonic()
    answer = client.post(url, data or {})
    took = time.monotonic() - started
    assert answer.status_code == 302, answer.status_code  # a normal page, not a 500
    assert took < CLICK_SECONDS, f"the click waited {took:.1f} s for the broker"
    return answer


# ---- the broker is down at the click -------------------------------------------------------


@pytest.mark.integration
def test_export_clicked_while_the_broker_is_down_runs_when_it_is_back(
    broker, tmp_path, private_root, smtp_server, client
):
    home = factories.library("stavanger", "localhost", default=True)
    researcher = factories.researcher("forsker-a", home)
    page = factories.survey(home, factories.ALL_TYPES, slug="alle")
    factories.responses(page, 40, seed=7)
    worker = _worker(tmp_path, smtp_server)
    try:
        client.force_login(researcher)
        url = reverse("research_exports", args=[page.pk])
        broker.down()
        _click(client, url, {"format": "csv"})
        assert ExportJob.objects.get().status == "queued"
        assert JOB_WAITS in client.get(url).content.decode()
        time.sleep(1)  # the worker heard of nothing
        assert ExportJob.objects.get().status == "queued"

        broker.up()
        _sweep_until(
            lambda: ExportJob.objects.get().status in ("done", "failed"),
            lambda: list(ExportJob.objects.values("status", "error")),
        )
    finally:
        worker_stop(worker)
    job = ExportJob.objects.get()
    assert (job.status, job.attempts) == ("done", 1), job.error
    assert JOB_WAITS not in client.get(url).content.decode()
    assert _csv_rows(_download(client, "research_export_download", job)) == 40


@pytest.mark.integration
def test_pdf_asked_for_while_the_broker_is_down_is_made_when_it_is_back(
    broker, tmp_path, private_root, smtp_server, client, findings, researcher_a
):
    report, _survey, _segment = findings
    worker = _worker(tmp_path, smtp_server)
    try:
        client.force_login(researcher_a)
        url = reverse("research_reports", args=[report.pk])
        broker.down()
        _click(client, url)
        assert JOB_WAITS in client.get(url).content.decode()

        broker.up()
        _sweep_until(
            lambda: ReportJob.objects.get().status in ("done", "failed"),
            lambda: list(ReportJob.objects.values("status", "error")),
            timeout=50,
        )
    finally:
        worker_stop(worker)
    job = ReportJob.objects.get()
    assert (job.status, job.attempts) == ("done", 1), job.error
    assert _pdf_whole(_download(client, "research_report_download", job)) == job.pages


@pytest.mark.integration
def test_campaign_launched_while_the_broker_is_down_is_sent_once_when_it_is_back(
    broker, tmp_path, smtp_server, client, admin_user, caplog
):
    """More members than one chunk (500): the launch stops trying after the first chunk
    finds the queue down, so the click stays short; the sweep hands over every one."""
    from panel.tasks import campaigns_sweep

    members = 600
    home = factories.library("stavanger", "localhost", default=True)
    site = Site.objects.get(root_page=home)
    text = ConsentText.objects.create(library=site, purpose="panel", text_nb="Ja", text_en="Yes")
    factories.panel_members(site, members, text=text)
    campaign = Campaign.objects.create(
        library=site,
        name="Høst",
        survey=factories.survey(home, factories.BRANCHING, slug="s"),
        segment=Segment.objects.create(library=site, name="Alle"),
        starts_at=timezone.now() - timedelta(minutes=1),
        window_start=clock(0, 0),
        window_end=clock(23, 59),
    )
    worker = _worker(tmp_path, smtp_server)
    try:
        client.force_login(admin_user)
        url = reverse("panel_campaign", args=[campaign.pk])
        broker.down()
        with caplog.at_level(logging.WARNING, logger="innsikt.queueing"):
            _click(client, url, {"launch": "yes"})
        tries = [r for r in caplog.records if r.name == "innsikt.queueing"]
        assert len(tries) == 1  # the second chunk was not tried: the queue was down
        assert Invitation.objects.filter(campaign=campaign, state="queued").count() == members
        assert SENDING_WAITS in client.get(url).content.decode()
        time.sleep(1)
        assert smtp_server.messages == []

        broker.up()
        campaigns_sweep.delay()  # what beat does every five minutes
        assert wait_for(
            lambda: Invitation.objects.filter(campaign=campaign, state="sent").count() == members,
            timeout=60,
        ), Counter(Invitation.objects.values_list("state", flat=True))
        assert wait_for(lambda: len(smtp_server.messages) >= members, timeout=10)
        campaigns_sweep.delay()  # once more: nothing is sent twice
        time.sleep(2)
    finally:
        worker_stop(worker)
    recipients = Counter(str(m["To"]) for m in smtp_server.messages)
    assert len(recipients) == members and max(recipients.values()) == 1
    assert SENDING_WAITS not in client.get(url).content.decode()


# ---- the worker is killed mid-job ----------------------------------------------------------


def _writing(folder: Path) -> Path | None:
    """A file being written anywhere in the job's folder (the export's first bytes)."""
    for path in folder.rglob("*") if folder.exists() else ():
        try:
            if path.is_file() and path.stat().st_size > 0:
                return path
        except FileNotFoundError:  # a writer's temporary file, gone in the meantime
            continue
    return None


@pytest.mark.integration
def test_worker_killed_while_writing_an_export_then_a_new_one_finishes_it(
    broker, tmp_path, private_root, smtp_server, client
):
    from research.findings.filters import Filters
    from research.services import export_start

    rows = 12000  # long enough to be caught mid-write (≈ 0.3 s on PostgreSQL)
    home = factories.library("stavanger", "localhost", default=True)
    researcher = factories.researcher("forsker-a", home)
    page = factories.survey(home, factories.ALL_TYPES, slug="alle")
    factories.responses(page, rows, seed=7)
    first = _worker(tmp_path, smtp_server, "first")
    second = None
    try:
        job = export_start(survey=page, user=researcher, format="csv", filters=Filters())
        folder = private_root / "exports" / str(job.pk)
        deadline = time.monotonic() + 30
        while (partial := _writing(folder)) is None:
            assert time.monotonic() < deadline, ExportJob.objects.values("status", "error")[0]
            time.sleep(0.001)
        first.kill()  # SIGKILL mid-write: no clean-up, no acknowledgement
        first.wait()
        job.refresh_from_db()
        assert job.status == "running", "the export finished before the worker was killed"
        assert partial.exists() and partial.stat().st_size > 0  # half a file, not offered:
        assert [n for n in _job_files(private_root, "exports", job) if n[0] != "."] == []
        client.force_login(researcher)
        download = reverse("research_export_download", args=[job.pk])
        assert client.get(download).status_code == 404

        second = _worker(tmp_path, smtp_server, "second")
        _sweep_until(
            lambda: ExportJob.objects.get().status in ("done", "failed"),
            lambda: list(ExportJob.objects.values("status", "attempts", "error")),
        )
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker_stop(worker)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_done) == ("done", 2, rows), job.error
    assert _job_files(private_root, "exports", job) == [Path(job.file.name).name]
    assert _csv_rows(_download(client, "research_export_download", job)) == rows


@pytest.mark.integration
def test_worker_killed_while_rendering_a_report_then_a_new_one_finishes_it(
    broker, tmp_path, private_root, smtp_server, client, findings, researcher_a
):
    from research.services import report_generate

    report, _survey, _segment = findings
    first = _worker(tmp_path, smtp_server, "first")
    second = None
    try:
        job = report_generate(report=report, user=researcher_a)
        deadline = time.monotonic() + 30
        while ReportJob.objects.get().status == "queued":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        first.kill()  # SIGKILL while it analyses and renders (≈ 2 s)
        first.wait()
        job.refresh_from_db()
        assert job.status == "running", "the PDF was made before the worker was killed"
        assert [n for n in _job_files(private_root, "reports", job) if n[0] != "."] == []
        client.force_login(researcher_a)
        download = reverse("research_report_download", args=[job.pk])
        assert client.get(download).status_code == 404

        second = _worker(tmp_path, smtp_server, "second")
        _sweep_until(
            lambda: ReportJob.objects.get().status in ("done", "failed"),
            lambda: list(ReportJob.objects.values("status", "attempts", "error")),
            timeout=50,
        )
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker_stop(worker)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2), job.error
    assert _job_files(private_root, "reports", job) == [Path(job.file.name).name]
    assert _pdf_whole(_download(client, "research_report_download", job)) == job.pages


# ---- the disk fills up ---------------------------------------------------------------------

DISK = 1024 * 1024  # the worker's whole disk: a 1 MB tmpfs
ROOM = 64 * 1024  # room left on it by a ballast file (the export needs about 100 KB)


def _namespace() -> list[str] | None:
    """How to start a process with a mount namespace of its own, where it may mount a
    tmpfs (as root, or as root of a user namespace); None if this machine allows neither."""
    if os.environ.get("INNSIKT_TEST_DISK_FULL") == "rlimit" or not shutil.which("unshare"):
        return None
    probe = Path("/tmp") if Path("/tmp").is_dir() else Path.cwd()  # noqa: S108
    for prefix in (["unshare", "--mount"], ["unshare", "--user", "--map-root-user", "--mount"]):
        tried = subprocess.run(
            [*prefix, "sh", "-c", 'mount -t tmpfs -o size=64k tmpfs "$0"', str(probe)],
            capture_output=True,
            check=False,
        )
        if tried.returncode == 0:
            return prefix
    return None


class SmallDisk:
    """Where the worker writes (TMPDIR, private files, media): a real tmpfs of DISK bytes
    mounted at ``folder`` for the worker alone, ``ROOM`` of it free. Seen from the test
    through /proc/<pid>/root. Without mount namespaces (no ``unshare``), the fallback is a
    file-size limit (RLIMIT_FSIZE, soft) on the worker: a write past ROOM fails with EFBIG,
    as Python ignores SIGXFSZ; on SQLite that limit would stop the worker's own database
    writes, so there the fallback only holds with PostgreSQL."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir()
        self.namespace = _namespace()
        self.pid = 0

    @property
    def wrap(self) -> list[str]:
        if self.namespace is not None:
            script = (
                f'mount -t tmpfs -o size={DISK} tmpfs "$0" '
                '&& mkdir "$0/private" "$0/media" "$0/tmp" '
                f'&& head -c {DISK - ROOM} /dev/zero > "$0/ballast" && exec "$@"'
            )
            return [*self.namespace, "sh", "-c", script, str(self.folder)]
        for name in ("private", "media", "tmp"):
            (self.folder / name).mkdir()
        limit = (
            "import os, resource, sys; "
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({ROOM}, resource.RLIM_INFINITY)); "
            "os.execv(sys.argv[1], sys.argv[1:])"
        )
        return [sys.executable, "-c", limit]

    @property
    def view(self) -> Path:
        """The disk as the worker sees it."""
        if self.namespace is None:
            return self.folder
        return Path(f"/proc/{self.pid}/root") / self.folder.relative_to("/")

    def free(self) -> None:
        """What an administrator does: make room."""
        if self.namespace is not None:
            (self.view / "ballast").unlink()
        else:
            infinity = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
            resource.prlimit(self.pid, resource.RLIMIT_FSIZE, infinity)


@pytest.mark.integration
def test_disk_full_while_writing_an_export_fails_it_in_words_and_nothing_else_breaks(
    broker, tmp_path, settings, smtp_server, client
):
    rows = 5000  # about 100 KB zipped: more than the room left
    home = factories.library("stavanger", "localhost", default=True)
    researcher = factories.researcher("forsker-a", home)
    page = factories.survey(home, factories.ALL_TYPES, slug="alle")
    factories.responses(page, rows, seed=7)
    disk = SmallDisk(tmp_path / "disk")
    worker = worker_start(
        tmp_path / "worker.log",
        smtp_server.port,
        wrap=disk.wrap,
        INNSIKT_PRIVATE_ROOT=str(disk.folder / "private"),
        MEDIA_ROOT=str(disk.folder / "media"),
        TMPDIR=str(disk.folder / "tmp"),
        **FAST,
    )
    disk.pid = worker.pid
    settings.INNSIKT_PRIVATE_ROOT = disk.view / "private"  # downloads read the worker's disk
    try:
        client.force_login(researcher)
        url = reverse("research_exports", args=[page.pk])
        _click(client, url, {"format": "csv"})
        assert wait_for(lambda: ExportJob.objects.get().status in ("done", "failed"), 30)
        full = ExportJob.objects.get()
        assert (full.status, full.failure) == ("failed", "disk-full"), full.error
        html = client.get(url)
        assert html.status_code == 200 and DISK_FULL in html.content.decode()
        assert client.get(reverse("research_export_download", args=[full.pk])).status_code == 404
        # Nothing of it is left on the disk: neither the half-written file nor a work folder.
        assert _job_files(disk.view / "private", "exports", full) == []
        assert list((disk.view / "tmp").iterdir()) == []
        assert worker.poll() is None  # the worker lives on

        disk.free()
        _click(client, url, {"format": "csv"})  # the researcher tries again
        assert wait_for(lambda: ExportJob.objects.filter(status="queued").count() == 0, 30)
        assert wait_for(lambda: ExportJob.objects.exclude(pk=full.pk).get().status == "done", 30)
        again = ExportJob.objects.exclude(pk=full.pk).get()
        assert _csv_rows(_download(client, "research_export_download", again)) == rows
        assert worker.poll() is None
    finally:
        worker_stop(worker)
