"""Backups of everything Innsikt stores, in one archive, and their restore (docs/deploy.md,
"Backup and restore"; ``manage.py backup`` and ``manage.py restore``).

An archive is a tar.gz of the database (PostgreSQL: ``pg_dump --format=custom``; SQLite: a
copy made with SQLite's backup API), the files of MEDIA_ROOT and INNSIKT_PRIVATE_ROOT, and
a manifest, written last: when it was made, the migrations applied per app and the rows
per table (both read in the same snapshot as the dump), and the SHA-256 of every file as it
went into the archive. With a key the archive is encrypted and authenticated
(cms.sealing), so a wrong key or a changed byte is refused.

A restore checks everything before it changes anything — the archive is whole, every file
matches its checksum and nothing was added, the archive was made at the migration state of
this code, the database engine is the same — then replaces the database and the files,
checks the row counts against the manifest, and replays the erasure journal
(cms.erasure_journal), which lives outside both and so survives the restore.

This module imports no app: the replay (the panel's) is handed in by the caller.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory
from typing import IO, Any, BinaryIO, cast

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from .erasure_journal import ErasureReplay, erasure_journal_path
from .sealing import CHUNK, SEALED_MAGIC, SealedReader, SealedWriter, SealError, seal_key_check

FORMAT = "innsikt-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Archive folder → the setting of the directory it holds.
FILE_ROOTS = {"media": "MEDIA_ROOT", "private": "INNSIKT_PRIVATE_ROOT"}
DATABASE_FILES = {"postgresql": "database/innsikt.pgdump", "sqlite": "database/innsikt.sqlite3"}


class BackupError(Exception):
    """A backup could not be made, or an archive may not be restored; the message says why
    and what to do. Raised before anything was changed, unless the message says otherwise."""


@dataclass(frozen=True)
class BackupMade:
    path: Path
    tables: int
    rows: int
    files: int
    encrypted: bool


@dataclass(frozen=True)
class BackupRestored:
    created_at: str
    tables: int
    rows: int
    files: int
    encrypted: bool
    # None when the archive was only checked (nothing restored, nothing replayed).
    replay: ErasureReplay | None


def backup_key(*, key_file: Path | None) -> str | None:
    """The passphrase: the key file's content if one is given, else INNSIKT_BACKUP_KEY,
    else None (no encryption)."""
    if key_file is not None:
        try:
            return key_file.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise BackupError(f"Cannot read the key file {key_file}: {error}") from error
    return settings.INNSIKT_BACKUP_KEY or None


def backup_create(*, destination: Path, key: str | None) -> BackupMade:
    """Write an archive of the database and the files. ``destination`` is a file name
    ending in .tar.gz or .enc, or else a directory (made if missing) that gets a dated
    archive. The archive appears under its name only when complete, mode 0600 (it holds
    personal data). Raises BackupError."""
    roots = _file_roots()
    if key:
        _key_check(key)
    if destination.name.endswith((".tar.gz", ".enc")) and not destination.is_dir():
        target = destination
    else:
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M%S")
        target = destination / f"innsikt-{stamp}.tar.gz{'.enc' if key else ''}"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        with TemporaryDirectory(dir=settings.DATA_DIR, prefix=".backup-") as work:
            dump = _database_dump(Path(work))
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(descriptor, "wb") as raw:
                sealed = SealedWriter(raw, key) if key else None
                files = _archive_write(cast(IO[bytes], sealed or raw), dump, roots)
                if sealed is not None:
                    sealed.finish()
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupMade(
        path=target,
        tables=len(dump.rows),
        rows=sum(dump.rows.values()),
        files=len(files) - 1,
        encrypted=bool(key),
    )


def _archive_write(sink: IO[bytes], dump: "_Dump", roots: dict[str, Path]) -> dict[str, Any]:
    """The tar.gz stream: the database, the files, and the manifest last (it holds the
    checksums of the bytes that went in before it). Returns the manifest's files."""
    with tarfile.open(fileobj=sink, mode="w|gz") as tar:
        files = {dump.name: _add(tar, dump.name, dump.path)}
        for folder, root in roots.items():
            for path in _files_under(root):
                name = f"{folder}/{path.relative_to(root).as_posix()}"
                files[name] = _add(tar, name, path)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "database": {"vendor": dump.vendor, "file": dump.name},
            "migrations": dump.migrations,
            "row_counts": dump.rows,
            "files": files,
        }
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
        tar.addfile(info, io.BytesIO(data))
    return files


def backup_restore(
    *,
    archive: Path,
    key: str | None,
    erasures_replay: Callable[[], ErasureReplay],
    check_only: bool = False,
) -> BackupRestored:
    """Restore ``archive`` into the configured database (empty or not) and directories,
    then call ``erasures_replay`` — required, so that no restore can forget the erasures
    made since the backup. With ``check_only`` the archive is only checked. Raises
    BackupError; before the database is replaced when the archive is refused. The services
    must be stopped (the database is replaced under them)."""
    roots = _file_roots()
    if key:
        _key_check(key)
    with TemporaryDirectory(dir=settings.DATA_DIR, prefix=".restore-") as work:
        staged = Path(work)
        manifest, encrypted = _unpack(archive, key, staged)
        vendor = manifest["database"]["vendor"]
        rows: dict[str, int] = manifest["row_counts"]
        restored = BackupRestored(
            created_at=manifest["created_at"],
            tables=len(rows),
            rows=sum(rows.values()),
            files=len(manifest["files"]) - 1,
            encrypted=encrypted,
            replay=None,
        )
        if check_only:
            return restored
        # Django's own connections would hold locks (PostgreSQL) or a stale file (SQLite).
        connections.close_all()
        _database_load(vendor, staged / manifest["database"]["file"])
        with connection.cursor() as cursor:
            now = _row_counts(cursor, vendor)
        wrong = sorted(t for t, n in rows.items() if now.get(t) != n)
        if wrong:
            raise BackupError(
                "The database was restored but its row counts differ from the archive's in "
                f"{', '.join(wrong[:10])}: restore again, and report this if it repeats."
            )
        for folder, root in roots.items():
            _directory_replace(root, staged / folder)
    try:
        replay = erasures_replay()
    except Exception as error:
        raise BackupError(
            "The database and the files were restored, but replaying the erasure journal "
            f"failed ({error!r}): fix the cause and restore again (it is safe to repeat). "
            "Do not start the services before: erased members would be back."
        ) from error
    # Cached pages, survey versions and sessions belong to the database just replaced.
    cache.clear()
    return replace(restored, replay=replay)


# --- The database -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Dump:
    vendor: str
    name: str  # in the archive
    path: Path
    migrations: dict[str, list[str]]
    rows: dict[str, int]


def _database_dump(work: Path) -> _Dump:
    if connection.vendor == "postgresql":
        return _postgres_dump(work)
    if connection.vendor == "sqlite":
        return _sqlite_dump(work)
    raise BackupError(f"Backups of a {connection.vendor} database are not supported.")


def _postgres_dump(work: Path) -> _Dump:
    """pg_dump in a snapshot exported by a read-only transaction that also reads the
    migrations and row counts, so the manifest describes exactly the dumped data even while
    the site keeps writing."""
    path = work / "innsikt.pgdump"
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True  # BEGIN below is ours, with the isolation it needs
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            migrations = _migrations_applied(cursor)
            rows = _row_counts(cursor, "postgresql")
            _run(
                "pg_dump",
                [
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={path}",
                    f"--dbname={connection.settings_dict['NAME']}",
                ],
            )
            cursor.execute("COMMIT")
    finally:
        raw.close()
    return _Dump("postgresql", DATABASE_FILES["postgresql"], path, migrations, rows)


def _sqlite_dump(work: Path) -> _Dump:
    """A copy through SQLite's backup API (consistent while others write); the manifest's
    facts are read from the copy itself."""
    source_name = _sqlite_file()
    if not source_name.is_file():
        raise BackupError(f"The SQLite database {source_name} does not exist.")
    path = work / "innsikt.sqlite3"
    source, copy = sqlite3.connect(source_name), sqlite3.connect(path)
    try:
        source.backup(copy)
        cursor = copy.cursor()
        migrations, rows = _migrations_applied(cursor), _row_counts(cursor, "sqlite")
    finally:
        source.close()
        copy.close()
    return _Dump("sqlite", DATABASE_FILES["sqlite"], path, migrations, rows)


def _database_load(vendor: str, path: Path) -> None:
    if vendor == "postgresql":
        # --clean --if-exists: the target may be fresh or hold an older copy; one
        # transaction: a failed restore leaves the database as it was.
        _run(
            "pg_restore",
            [
                f"--dbname={connection.settings_dict['NAME']}",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                str(path),
            ],
        )
        return
    target = _sqlite_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    source, destination = sqlite3.connect(path), sqlite3.connect(target)
    try:
        source.backup(destination)  # replaces every page of the target, schema included
    finally:
        source.close()
        destination.close()


def _sqlite_file() -> Path:
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(name)


def _migrations_applied(cursor: Any) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _row_counts(cursor: Any, vendor: str) -> dict[str, int]:
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    counts = {}
    for (table,) in sorted(cursor.fetchall()):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a table name from the catalogue, quoted)
        counts[table] = cursor.fetchone()[0]
    return counts


def _run(program: str, arguments: list[str]) -> None:
    """A PostgreSQL client program, with the connection settings in its environment (the
    password never on a command line)."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} is not installed: install the PostgreSQL client programs of the "
            "server's major version (Debian: postgresql-client)."
        )
    database = connection.settings_dict
    environment = dict(os.environ)
    for setting, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if database.get(setting):
            environment[variable] = str(database[setting])
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service"):
        if database.get("OPTIONS", {}).get(option):
            environment[f"PG{option.upper()}"] = str(database["OPTIONS"][option])
    result = subprocess.run(  # noqa: S603 (a fixed program, arguments built here)
        [executable, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")


def _migrations_check(archived: dict[str, list[str]]) -> None:
    """The archive must have been made at this code's migration state: restoring data into
    a schema it was not made for fails half-way or, worse, succeeds wrongly."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    code = set(loader.graph.nodes)
    apps = {app for app, _name in code}
    applied = {(app, name) for app, names in archived.items() if app in apps for name in names}
    replaced = {key for migration in loader.replacements.values() for key in migration.replaces}
    missing = code - applied
    for key, migration in loader.replacements.items():
        if key in missing and all(old in applied for old in migration.replaces):
            missing.discard(key)  # applied before it was squashed
    unknown = applied - code - replaced
    if not missing and not unknown:
        return
    problems = []
    if missing:
        problems.append("this code has migrations the archive lacks: " + _listed(missing))
    if unknown:
        problems.append("the archive has migrations this code does not know: " + _listed(unknown))
    raise BackupError(
        "The archive was made at another migration state than this code's ("
        + "; ".join(problems)
        + "). Restore it with the release that made it, then upgrade as usual (migrate)."
    )


def _listed(keys: set[tuple[str, str]]) -> str:
    names = sorted(f"{app}.{name}" for app, name in keys)
    return ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")


# --- The files --------------------------------------------------------------------------


def _file_roots() -> dict[str, Path]:
    """The directories an archive holds. A restore empties them, so none may hold the code,
    the data directory, another root or the erasure journal."""
    roots = {folder: Path(getattr(settings, name)).resolve() for folder, name in FILE_ROOTS.items()}
    protected = [
        Path(settings.BASE_DIR).resolve(),
        Path(settings.DATA_DIR).resolve(),
        erasure_journal_path().resolve(),
    ]
    for folder, root in roots.items():
        others = [r for f, r in roots.items() if f != folder]
        if any(path == root or root in path.parents for path in protected + others):
            raise BackupError(
                f"{FILE_ROOTS[folder]} ({root}) holds the code, the data directory, the "
                "erasure journal or another backed-up directory; give it its own directory."
            )
    return roots


def _files_under(root: Path) -> list[Path]:
    # Regular files only, in a stable order; symbolic links are not followed.
    if not root.is_dir():
        return []
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return sorted(found)


class _Hashing:
    """A file as tarfile reads it, hashed on the way: the checksum is of the bytes archived."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.sha256.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as source:
        status = os.fstat(source.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = status.st_size, int(status.st_mtime), 0o600
        hashing = _Hashing(source)
        try:
            tar.addfile(info, cast(IO[bytes], hashing))
        except OSError as error:
            raise BackupError(f"{path} changed while it was archived; back up again.") from error
    return {"sha256": hashing.sha256.hexdigest(), "size": status.st_size}


def _directory_replace(root: Path, staged: Path) -> None:
    """Make ``root`` hold exactly what was archived. The directory itself stays (its owner,
    mode and mount); files made after the backup go, like the rows that named them."""
    root.mkdir(parents=True, exist_ok=True)
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if staged.is_dir():
        for child in staged.iterdir():
            shutil.move(child, root / child.name)


# --- Reading an archive -----------------------------------------------------------------


def _unpack(archive: Path, key: str | None, staged: Path) -> tuple[dict[str, Any], bool]:
    """Extract ``archive`` into ``staged`` and check it whole; returns (manifest, whether it
    was encrypted)."""
    try:
        raw = archive.open("rb")
    except OSError as error:
        raise BackupError(f"Cannot read {archive}: {error}") from error
    with raw:
        encrypted = raw.read(len(SEALED_MAGIC)) == SEALED_MAGIC
        raw.seek(0)
        if encrypted and not key:
            raise BackupError(
                "The archive is encrypted: give its key (INNSIKT_BACKUP_KEY or --key-file)."
            )
        try:
            source = io.BufferedReader(SealedReader(raw, key), CHUNK) if key and encrypted else raw
            manifest, hashes = _extract(cast(IO[bytes], source), staged)
        except SealError as error:
            raise BackupError(f"{error} Nothing was restored.") from error
        except (tarfile.TarError, EOFError, zlib.error, ValueError) as error:
            raise BackupError(
                f"{archive} is not an Innsikt backup, or it is damaged ({error}). "
                "Nothing was restored."
            ) from error
    _manifest_check(manifest, hashes)
    assert manifest is not None
    return manifest, encrypted


def _extract(source: IO[bytes], staged: Path) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Write the archive's files under ``staged``, hashing them; returns the manifest and
    the files' SHA-256. Only regular files under the archive's own folders are written, so
    a crafted archive cannot write anywhere else."""
    hashes: dict[str, str] = {}
    manifest = None
    with tarfile.open(fileobj=source, mode="r|gz") as tar:
        for info in tar:
            name = _member_name(info, hashes)
            member = tar.extractfile(info)
            assert member is not None  # a regular file, checked above
            if name == MANIFEST:
                manifest = json.loads(member.read())
                hashes[name] = ""
                continue
            target = staged / name
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with target.open("wb") as out:
                while block := member.read(CHUNK):
                    digest.update(block)
                    out.write(block)
            hashes[name] = digest.hexdigest()
    return manifest, hashes


def _member_name(info: tarfile.TarInfo, seen: dict[str, str]) -> str:
    path = PurePosixPath(info.name)
    allowed = {"database", *FILE_ROOTS}
    inside = not path.is_absolute() and ".." not in path.parts and len(path.parts) > 1
    if info.name != MANIFEST and not (inside and path.parts[0] in allowed):
        raise BackupError(f"The archive holds {info.name!r}, which no Innsikt backup holds.")
    if not info.isreg() or info.name in seen:
        raise BackupError(f"The archive holds {info.name!r} twice or not as a plain file.")
    return info.name


def _manifest_check(manifest: dict[str, Any] | None, hashes: dict[str, str]) -> None:
    if manifest is None:
        raise BackupError("The archive has no manifest: it is not an Innsikt backup, or cut short.")
    if not isinstance(manifest, dict) or (manifest.get("format"), manifest.get("version")) != (
        FORMAT,
        FORMAT_VERSION,
    ):
        raise BackupError("The archive is not an Innsikt backup of a format this code reads.")
    try:
        _manifest_facts_check(manifest, hashes)
    except (KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"The archive's manifest is malformed ({error!r}).") from error


def _manifest_facts_check(manifest: dict[str, Any], hashes: dict[str, str]) -> None:
    listed: dict[str, dict[str, Any]] = manifest["files"]
    archived = {name for name in hashes if name != MANIFEST}
    changed = sorted(n for n in listed if n in hashes and hashes[n] != listed[n]["sha256"])
    missing, added = sorted(set(listed) - archived), sorted(archived - set(listed))
    if changed or missing or added:
        problems = [
            f"{label}: {', '.join(names[:10])}"
            for label, names in (
                ("checksum differs", changed),
                ("missing", missing),
                ("not in the manifest", added),
            )
            if names
        ]
        raise BackupError(
            "The archive was changed or damaged since it was made ("
            + "; ".join(problems)
            + "). Nothing was restored."
        )
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor or manifest["database"]["file"] != DATABASE_FILES.get(vendor):
        raise BackupError(
            f"The archive holds a {vendor} database, and the configured one is "
            f"{connection.vendor}: restore it into the same kind of database."
        )
    _migrations_check(manifest["migrations"])


def _key_check(key: str) -> None:
    if key.startswith("REPLACE-ME"):
        raise BackupError(
            "The backup key is the placeholder from innsikt.env.example: set INNSIKT_BACKUP_KEY "
            "to a long random value and keep a copy in your secret store."
        )
    try:
        seal_key_check(key)
    except SealError as error:
        raise BackupError(str(error)) from error
