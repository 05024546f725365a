"""A job's file is offered whole or not at all.

An export or a report PDF is written in a work folder of its own beside the final file
(``<folder>/<job id>/.work-<random>/``, on the same filesystem), then moved to its final
name in one step (``os.replace``). A worker killed mid-write, or a disk that fills up,
leaves at most a work folder, never a partial file under the final name; the next attempt
at the job removes the work folders of earlier ones, and a failed attempt removes its own.

Pure file handling: no models, no settings (the caller passes the storage's paths).
"""

import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WORK_PREFIX = ".work-"
# Writing failed because the disk (or the user's quota, or a file-size limit) is full.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def disk_full(exc: BaseException) -> bool:
    """Was ``exc`` — or an error it was raised from or while handling — a full disk?"""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_FULL_ERRNOS:
            return True
        current = current.__cause__ or current.__context__
    return False


def work_folders_remove(job_folder: Path) -> int:
    """Remove the work folders left in ``job_folder`` by earlier attempts at the job;
    returns how many. Only the attempt holding the job's claim may call this."""
    if not job_folder.is_dir():
        return 0
    removed = 0
    for entry in job_folder.iterdir():
        if entry.name.startswith(WORK_PREFIX):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


@contextmanager
def work_folder(job_folder: Path) -> Iterator[Path]:
    """A fresh folder to write one attempt's file in, inside ``job_folder`` (made if
    missing), after removing earlier attempts' folders. It is removed on the way out
    whatever happens: after ``file_publish`` moved the file out of it, only leftovers
    (a writer's own temporary files) go."""
    job_folder.mkdir(parents=True, exist_ok=True)
    work_folders_remove(job_folder)
    folder = job_folder / f"{WORK_PREFIX}{secrets.token_hex(8)}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def file_publish(written: Path, final: Path) -> None:
    """Move the finished ``written`` file to ``final`` in one step, on disk first: readers
    see the whole file under ``final`` or none (a file of an earlier attempt there is
    replaced). Both must be on one filesystem (``work_folder`` sees to it)."""
    with written.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(written, final)
    directory = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
