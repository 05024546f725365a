"""The installation's health: one function per check, each returning a ``CheckResult``, and
``report_build`` running them side by side under one deadline. Served at /health/ and as
the admin's "System status" (cms.health_views); docs/deploy.md says how to monitor it.

A check never raises: a failure is a result. ``ok``; ``warn`` — worth a look while the
service still works (the disk filling up, work waiting too long); ``fail`` — a part is down
or unreachable, and /health/ answers 503.

cms sits below the other apps (DESIGN.md C17) and cannot count their jobs itself: each app
registers a count of its own overdue work here (``backlog_register``) when it is ready.
"""

import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, Literal, ParamSpec

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .celery import app as celery_app

Status = Literal["ok", "warn", "fail"]
_SEVERITY: dict[Status, int] = {"ok": 0, "warn": 1, "fail": 2}

# /health/ answers within this even when a server hangs: a check that has not answered by
# then fails, and its thread is left to finish on its own.
CHECK_TIMEOUT = 3.0
# Below CHECK_TIMEOUT, so a broker that is down reports its own error, not a timeout.
BROKER_TIMEOUT = 2
HEARTBEAT_KEY = "innsikt:health:heartbeat"
# Beat enqueues cms.tasks.heartbeat every minute (CELERY_BEAT_SCHEDULE); three missed beats
# mean beat is down, or every worker is down or busy.
HEARTBEAT_STALE = timedelta(minutes=3)
_MB = 1024 * 1024

CHECK_LABELS: dict[str, Promise] = {
    "database": gettext_lazy("Database"),
    "cache": gettext_lazy("Cache and sessions"),
    "broker": gettext_lazy("Task queue (Celery broker)"),
    "heartbeat": gettext_lazy("Celery worker and beat (heartbeat)"),
    "disk": gettext_lazy("Free disk space"),
    "backlog": gettext_lazy("Work waiting too long"),
}

log = logging.getLogger("innsikt.health")


@dataclass(frozen=True)
class CheckResult:
    """One check's answer. ``data`` holds machine-readable values for monitoring (JSON)."""

    status: Status
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    took_ms: int = 0


@dataclass(frozen=True)
class HealthReport:
    checks: tuple[CheckResult, ...]
    checked_at: datetime

    @property
    def status(self) -> Status:
        return max((c.status for c in self.checks), key=_SEVERITY.__getitem__, default="ok")

    @property
    def healthy(self) -> bool:
        """False when a check failed: /health/ then answers 503. Warnings stay healthy."""
        return self.status != "fail"

    @property
    def heartbeat_at(self) -> datetime | None:
        for check in self.checks:
            if check.name == "heartbeat" and check.data.get("at"):
                return datetime.fromisoformat(check.data["at"])
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "checked_at": self.checked_at.isoformat(),
            "checks": {
                c.name: {
                    "status": c.status,
                    "detail": c.detail,
                    "took_ms": c.took_ms,
                    "data": c.data,
                }
                for c in self.checks
            },
        }


# ---- the checks -------------------------------------------------------------------------

P = ParamSpec("P")
# Every check takes no argument or only optional ones (for tests); report_build passes none.
Check = Callable[..., CheckResult]
CHECKS: dict[str, Check] = {}


def _check(name: str) -> Callable[[Callable[P, CheckResult]], Callable[P, CheckResult]]:
    """Register a check under ``name``: timed, and any exception turned into a failure."""

    def decorate(body: Callable[P, CheckResult]) -> Callable[P, CheckResult]:
        @wraps(body)
        def run(*args: P.args, **kwargs: P.kwargs) -> CheckResult:
            started = time.monotonic()
            try:
                result = body(*args, **kwargs)
            except Exception as exc:
                result = CheckResult("fail", _failure(exc))
            took = round((time.monotonic() - started) * 1000)
            return replace(result, name=name, took_ms=took)

        CHECKS[name] = run
        return run

    return decorate


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


@_check("database")
def check_database() -> CheckResult:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return CheckResult("ok")


@_check("cache")
def check_cache() -> CheckResult:
    """Store a value and read it back (sessions and rate limits live in this cache)."""
    key = f"innsikt:health:probe:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    try:
        read = cache.get(key)
    finally:
        cache.delete(key)
    if read != value:
        return CheckResult("fail", _("The cache did not return the value just stored."))
    return CheckResult("ok")


@_check("broker")
def check_broker(url: str | None = None) -> CheckResult:
    """Connect to Celery's broker (``url``, or the configured one) once, with a short
    timeout: a broker that is down answers within BROKER_TIMEOUT."""
    socket_timeouts = {"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT}
    with celery_app.connection_for_write(
        url, connect_timeout=BROKER_TIMEOUT, transport_options=socket_timeouts
    ) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
        transport = str(broker.transport_cls)
    return CheckResult("ok", data={"transport": transport})


def heartbeat_record(*, now: datetime) -> None:
    """Record that a worker ran the heartbeat task at ``now`` (cms.tasks.heartbeat)."""
    cache.set(HEARTBEAT_KEY, now.isoformat(), timeout=7 * 24 * 60 * 60)


@_check("heartbeat")
def check_heartbeat(now: datetime | None = None) -> CheckResult:
    """Did a worker run the beat-scheduled heartbeat task lately? Proves beat, the broker
    and at least one worker work together."""
    now = now or timezone.now()
    raw = cache.get(HEARTBEAT_KEY)
    if raw is None:
        return CheckResult(
            "fail", _("No heartbeat recorded: are Celery beat and a Celery worker running?")
        )
    at = datetime.fromisoformat(raw)
    age = max(0, int((now - at).total_seconds()))
    data = {"at": at.isoformat(), "age_seconds": age}
    if now - at > HEARTBEAT_STALE:
        minutes = age // 60
        detail = ngettext(
            "The last heartbeat is %(minutes)d minute old: Celery beat is down, or every "
            "worker is down or busy.",
            "The last heartbeat is %(minutes)d minutes old: Celery beat is down, or every "
            "worker is down or busy.",
            minutes,
        ) % {"minutes": minutes}
        return CheckResult("fail", detail, data)
    return CheckResult("ok", _("The last heartbeat is %(seconds)d s old.") % {"seconds": age}, data)


def _existing(path: Path) -> Path:
    """``path``, or its nearest existing parent (a directory not made yet)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@_check("disk")
def check_disk() -> CheckResult:
    """Free space where Innsikt writes: data (SQLite, file cache, beat schedule), private
    files (exports, report PDFs) and media. Warns below INNSIKT_HEALTH_MIN_FREE_MB."""
    minimum = settings.INNSIKT_HEALTH_MIN_FREE_MB
    free_mb = {}
    for setting in ("DATA_DIR", "INNSIKT_PRIVATE_ROOT", "MEDIA_ROOT"):
        path = Path(getattr(settings, setting))
        free_mb[str(path)] = shutil.disk_usage(_existing(path)).free // _MB
    low = sorted(path for path, free in free_mb.items() if free < minimum)
    data = {"free_mb": free_mb, "minimum_mb": minimum}
    if low:
        detail = _("Less than %(minimum)d MB free in: %(paths)s") % {
            "minimum": minimum,
            "paths": ", ".join(low),
        }
        return CheckResult("warn", detail, data)
    return CheckResult(
        "ok", _("%(free)d MB free at least.") % {"free": min(free_mb.values())}, data
    )


# ---- work waiting too long, counted by the apps that own it -----------------------------

BacklogCount = Callable[[datetime], int]


@dataclass(frozen=True)
class Backlog:
    label: str | Promise
    count: BacklogCount


_BACKLOGS: dict[str, Backlog] = {}


def backlog_register(key: str, label: str | Promise, count: BacklogCount) -> None:
    """Register an app's count of work waiting longer than it should (its jobs queued or
    running for too long, say); ``count(now)`` is called on every health check and should
    be one or two queries. Registering ``key`` again replaces it."""
    _BACKLOGS[key] = Backlog(label, count)


@_check("backlog")
def check_backlog(now: datetime | None = None) -> CheckResult:
    """Counts only, never which rows: a count above zero that stays is work a worker
    should have done (see each app's counter)."""
    now = now or timezone.now()
    counts = {key: backlog.count(now) for key, backlog in _BACKLOGS.items()}
    waiting = [f"{_BACKLOGS[key].label}: {n}" for key, n in counts.items() if n]
    if waiting:
        return CheckResult("warn", "; ".join(waiting), {"counts": counts})
    return CheckResult("ok", data={"counts": counts})


# ---- running them -----------------------------------------------------------------------


def _start(check: Check, language: str) -> Future[CheckResult]:
    """Run ``check`` in a daemon thread (one that hangs on a dead server never holds up the
    answer or the process's exit), in the caller's language, closing the thread's database
    connection afterwards."""
    future: Future[CheckResult] = Future()

    def work() -> None:
        try:
            with translation.override(language):
                future.set_result(check())
        except BaseException as exc:
            future.set_exception(exc)
        finally:
            connections.close_all()

    threading.Thread(target=work, name="innsikt-health", daemon=True).start()
    return future


def report_build(
    *, checks: dict[str, Check] | None = None, timeout: float | None = None
) -> HealthReport:
    """Run every check (or ``checks``) at once and wait at most ``timeout`` seconds
    (CHECK_TIMEOUT) in all; a check that has not answered by then fails. Never raises.
    Failures are logged."""
    checks = CHECKS if checks is None else checks
    timeout = CHECK_TIMEOUT if timeout is None else timeout
    language = translation.get_language() or settings.LANGUAGE_CODE
    started = {name: _start(check, language) for name, check in checks.items()}
    deadline = time.monotonic() + timeout
    results = []
    for name, future in started.items():
        try:
            result = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            detail = _("No answer within %(seconds)s s.") % {"seconds": timeout}
            result = CheckResult("fail", detail, name=name, took_ms=round(timeout * 1000))
        except Exception as exc:  # the check's own guard failed (it should not)
            result = CheckResult("fail", _failure(exc), name=name)
        results.append(result)
        if result.status == "fail":
            log.warning("health check %s failed: %s", name, result.detail)
    return HealthReport(tuple(results), timezone.now())
