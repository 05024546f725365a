"""The erasure journal: an append-only file, outside the database, with one line per panel
erasure, so that restoring a backup made before an erasure does not bring the member back
(``panel.services.erasure.erasures_replay`` replays it after every restore).

It lives outside the database because a restore replaces the database, and outside
MEDIA_ROOT and INNSIKT_PRIVATE_ROOT because a restore replaces those too
(``INNSIKT_ERASURE_JOURNAL``). It holds no personal data: no member id, address or
pseudonym, only keyed hashes (HMAC-SHA256 under INNSIKT_PSEUDONYM_KEY, each with its own
prefix, so no journal value equals a pseudonym) of the member id and of the pseudonym, the
library's id and the time. A line names somebody only to whoever holds both the key and a
database in which that member still exists, which is exactly what a replay needs.
"""

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.utils import timezone

VERSION = 1


@dataclass(frozen=True)
class ErasureEntry:
    at: str
    library_id: int
    member: str  # erasure_hash(kind="member", value=<member id>)
    pseudonym: str  # erasure_hash(kind="pseudonym", value=<pseudonym>), or ""


@dataclass(frozen=True)
class ErasureJournal:
    entries: list[ErasureEntry]
    # Lines that are not entries (a write torn by a crash, an edit by hand): reported, so
    # an operator can look, rather than silently dropped.
    unreadable: int


@dataclass(frozen=True)
class ErasureReplay:
    """What replaying the journal did (panel.services.erasure.erasures_replay)."""

    entries: int
    unreadable: int
    members_erased: int
    answers_delinked: int


def erasure_hash(*, kind: str, value: str) -> str:
    """The keyed hash the journal stores for a member id (kind "member") or a pseudonym
    (kind "pseudonym"). The one rule both the writer and the replay use."""
    key = settings.INNSIKT_PSEUDONYM_KEY.encode()
    message = f"erasure-journal:{kind}:{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def erasure_member_hash(member_id: UUID | str) -> str:
    # One spelling of the id (hyphenated, lower case) whatever the caller passes.
    return erasure_hash(kind="member", value=str(UUID(str(member_id))))


def erasure_journal_path() -> Path:
    return Path(settings.INNSIKT_ERASURE_JOURNAL)


def erasure_journal_append(*, library_id: int, member_id: UUID | str, pseudonym: str) -> None:
    """Record an erasure; on disk (fsync) when this returns. Called inside the erasure's
    transaction, so that no erasure commits unrecorded: if the journal cannot be written
    this raises OSError and the erasure rolls back (the member can ask again), which is
    better than an erasure that a restore would silently undo."""
    line = json.dumps(
        {
            "v": VERSION,
            "at": timezone.now().isoformat(),
            "library": library_id,
            "member": erasure_member_hash(member_id),
            "pseudonym": erasure_hash(kind="pseudonym", value=pseudonym) if pseudonym else "",
        },
        sort_keys=True,
    )
    path = erasure_journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    # O_APPEND and one write per line, under an exclusive lock: web processes and workers
    # erase at the same time, and their lines must never interleave.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(descriptor, (line + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if created:
        # A new file is durable only once its directory entry is.
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def erasure_journal_read() -> ErasureJournal:
    """Every entry, oldest first. A missing journal is an empty one (no erasure yet)."""
    path = erasure_journal_path()
    if not path.exists():
        return ErasureJournal(entries=[], unreadable=0)
    entries: list[ErasureEntry] = []
    unreadable = 0
    with path.open(encoding="utf-8", errors="replace") as journal:
        for line in journal:
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                entries.append(
                    ErasureEntry(
                        at=str(data["at"]),
                        library_id=int(data["library"]),
                        member=str(data["member"]),
                        pseudonym=str(data.get("pseudonym") or ""),
                    )
                )
            except (ValueError, KeyError, TypeError):
                unreadable += 1
    return ErasureJournal(entries=entries, unreadable=unreadable)
