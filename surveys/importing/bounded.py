"""Run a reader on an untrusted file in a child process held to a time and a memory cap.

A questionnaire file comes from outside: XML, zip archives and spreadsheets each have ways
to make a parser run for minutes or take gigabytes. The reader runs in a forked child whose
address space is capped (``RLIMIT_AS``: an allocation past the cap fails inside the child
with MemoryError) and which is killed when it outlives its time; the web worker or command
that asked only waits, and gets the result, or one clear message. ``os.fork`` rather than
multiprocessing: it also works inside daemonic processes (Celery's pool), and the child
needs nothing but the reader and the bytes it already has.

The child never touches the database or the log (it leaves with ``os._exit``, so nothing of
the parent's — connections, atexit handlers — is closed or flushed from it).
"""

import contextlib
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from .model import ImportRejected

T = TypeVar("T")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _address_space() -> int:
    """This process's virtual size in bytes (/proc/self/statm's first field)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * PAGE


def _child(write_fd: int, call: Callable[[], Any], megabytes: int) -> None:
    outcome: tuple[str, Any]
    try:
        limit = _address_space() + megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = call()
        outcome = ("ok", (result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start))
    except ImportRejected as rejected:
        outcome = ("rejected", str(rejected))
    except MemoryError:
        outcome = ("memory", None)
    except RecursionError:
        outcome = ("failed", "RecursionError")
    except Exception as error:  # anything a hostile file provokes; reported as unreadable
        outcome = ("failed", f"{type(error).__name__}: {error}"[:500])
    try:
        data = pickle.dumps(outcome)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    except Exception as error:
        data = pickle.dumps(("failed", f"unpicklable result: {error}"[:500]))
    view = memoryview(data)
    while view:
        written = os.write(write_fd, view)
        view = view[written:]
    os._exit(0)


class Bounded:
    """The outcome of :func:`bounded_call`: the value, and the child's extra peak memory
    (kB of resident memory above what it shared with its parent when it started)."""

    def __init__(self, value: Any, extra_peak_kb: int, seconds: float) -> None:
        self.value = value
        self.extra_peak_kb = extra_peak_kb
        self.seconds = seconds


def bounded_call(call: Callable[[], T], *, seconds: float, megabytes: int) -> Bounded:
    """``call()`` in a forked child with at most ``megabytes`` more address space than the
    parent and ``seconds`` of wall time. ImportRejected from the call passes through; a
    call that runs out of either, or fails otherwise, raises ImportRejected saying so."""
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (coverage cannot follow it)
        os.close(read_fd)
        try:
            _child(write_fd, call, megabytes)
        finally:
            os._exit(1)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = started + seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise ImportRejected(
                    _(
                        "Reading the file took longer than %(seconds)d seconds and was "
                        "stopped. A questionnaire file is read in a second or two: this one "
                        "may be damaged or built to overload the reader."
                    )
                    % {"seconds": seconds}
                )
            ready, _w, _x = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        _reap(pid)
    if not chunks:
        raise ImportRejected(_("The file could not be read (the reader stopped unexpectedly)."))
    status, payload = pickle.loads(b"".join(chunks))  # noqa: S301 - our own child's bytes
    if status == "ok":
        value, extra_kb = payload
        return Bounded(value, extra_kb, time.monotonic() - started)
    if status == "rejected":
        raise ImportRejected(payload)
    if status == "memory":
        raise ImportRejected(
            _(
                "Reading the file needed more than %(mb)d MB of memory and was stopped. A "
                "questionnaire file needs far less: this one may be damaged or built to "
                "overload the reader."
            )
            % {"mb": megabytes}
        )
    raise BoundedFailure(payload)


class BoundedFailure(ImportRejected):
    """The reader failed in a way it did not foresee (a bug, or a file it cannot take).
    The researcher sees a general message; ``detail`` is for the log."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            _(
                "The file could not be read: its content is not what a LimeSurvey or "
                "XLSForm export holds. Export it again and import the new file; if that "
                "fails too, send the file to your administrator."
            )
        )
        self.detail = detail


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
