"""Real parts for integration and browser tests: an SMTP server (aiosmtpd) and a Celery
worker in a subprocess on the same database and broker as the tests."""

import email
import os
import socket
import subprocess
import sys
import time
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


def worker_start(log_path: Path, smtp_port: int, **env_extra: str) -> subprocess.Popen:
    """Start `celery worker` (solo pool) on the test database and broker, its mail going
    to the test's SMTP server; return once it is ready (fail the test if it is not)."""
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
