"""Real parts for integration and browser tests: an SMTP server (aiosmtpd) and a Celery
worker in a subprocess on the same database and broker as the tests."""

import email
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.port = 0
        self.reply = "250 Message accepted for delivery"  # a test may make it refuse

    async def handle_DATA(self, server, session, envelope):
        if self.reply.startswith("250"):
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return self.reply


@pytest.fixture
def smtp_server():
    """A real SMTP server on localhost (aiosmtpd)."""
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


def worker_start(
    log_path: Path, smtp_port: int, *, wrap: Sequence[str] = (), **env_extra: str
) -> subprocess.Popen:
    """Start `celery worker` (solo pool) on the test database and broker, its mail going
    to the test's SMTP server; return once it is ready (fail the test if it is not).
    ``wrap`` goes before the command (e.g. ``unshare`` with a script that ends in
    ``exec "$@"``: the process started is then the worker itself)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        **env_extra,
    }
    log = log_path.open("w")
    worker = subprocess.Popen(
        [
            *wrap,
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cms",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "ready" in log_path.read_text():
            return worker
        if worker.poll() is not None:
            pytest.fail(log_path.read_text())
        time.sleep(0.3)
    worker.kill()
    pytest.fail("worker did not start: " + log_path.read_text())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_start(log_path: Path, **env_extra: str) -> tuple[subprocess.Popen, str]:
    """Start gunicorn (2 sync workers, as deploy/gunicorn.conf.py) serving cms.wsgi on the
    test database; return the process and its base URL once it answers."""
    import urllib.request

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "DATABASE_URL": _database_url(),
        **env_extra,
    }
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cms.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--timeout=30",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail("gunicorn stopped: " + log_path.read_text())
        try:
            with urllib.request.urlopen(f"{url}/health/", timeout=5):
                return server, url
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP answer (503 too): it is serving
                return server, url
            time.sleep(0.3)
    server.kill()
    pytest.fail("gunicorn did not start: " + log_path.read_text())


def process_children(pid: int) -> set[int]:
    """The pids whose parent is ``pid`` (gunicorn's workers)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


def worker_stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.fixture
def celery_worker(transactional_db, tmp_path, smtp_server):
    """A real Celery worker for the test (its mail goes to the test's SMTP server)."""
    from cms.celery import app

    app.control.purge()  # no stale messages from an earlier run
    worker = worker_start(tmp_path / "worker.log", smtp_server.port)
    yield worker
    worker_stop(worker)
