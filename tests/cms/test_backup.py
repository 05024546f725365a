"""Backup and restore, drilled: an archive restored into a fresh database gives back exactly
what was backed up (every table's rows, every file), except that a member erased after the
backup stays erased (the erasure journal is replayed); a changed, foreign or wrongly keyed
archive is refused before anything changes.

Backups read the database from another connection (pg_dump, SQLite's backup API), so these
tests commit their data (transactional tests). The restore runs ``manage.py restore`` in a
subprocess pointed at a fresh database, as an operator would.
"""

import hashlib
import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from wagtail.models import Site

from cms.backup import BackupError, backup_create, backup_restore
from cms.erasure_journal import erasure_journal_append, erasure_journal_read
from cms.sealing import SEALED_MAGIC
from panel.models import AccessLog, ConsentText, PanelMember
from panel.services import member_erase
from panel.services.erasure import erasures_replay
from surveys.models import Response
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
# The stand-in id an erasure gives the access log is random: the replay's differs from the
# first erasure's, and that is all that may differ.
RANDOM_STAND_IN = {("panel_accesslog", "member_id")}


@dataclass
class Places:
    data: Path
    media: Path
    private: Path
    journal: Path


@dataclass
class World:
    survey: Any
    erased: PanelMember
    kept: PanelMember


@dataclass
class Fresh:
    name: str
    url: str


@pytest.fixture
def places(tmp_path, settings) -> Places:
    """The directories of this test, the same in the test process and in the restore's
    subprocess (whose cms.settings.test puts MEDIA_ROOT in INNSIKT_DATA_DIR/test-media)."""
    data = tmp_path / "data"
    here = Places(data, data / "test-media", data / "private", tmp_path / "erasures.jsonl")
    settings.MEDIA_ROOT = str(here.media)
    settings.INNSIKT_PRIVATE_ROOT = str(here.private)
    settings.INNSIKT_ERASURE_JOURNAL = str(here.journal)
    for path, content in {
        here.media / "documents" / "plan.pdf": os.urandom(3000),
        here.media / "images" / "logo.png": os.urandom(2000),
        here.private / "exports" / "svar.csv": b"kanal;svar\nqr;ja\n",
        here.private / "reports" / "funn.pdf": os.urandom(4000),
    }.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return here


@pytest.fixture
def world(places, admin_user) -> World:
    """A library with a survey, two panel members with pseudonymous answers (one to be
    erased, with a logged staff view) and anonymous answers."""
    home = factories.library("stavanger", "localhost", default=True)
    site = Site.objects.get(root_page=home)
    survey = factories.survey(home, factories.BRANCHING, slug="bibliotekbruk")
    text = ConsentText.objects.create(library=site, purpose="panel", text_nb="Ja", text_en="Yes")
    erased_id, kept_id = factories.panel_members(site, 2, text=text, prefix="backup")
    erased, kept = PanelMember.objects.get(pk=erased_id), PanelMember.objects.get(pk=kept_id)
    factories.responses(survey, 2, pseudonym=erased.pseudonym)
    factories.responses(survey, 2, seed=2, pseudonym=kept.pseudonym)
    factories.responses(survey, 3, seed=3)
    AccessLog.objects.create(staff=admin_user, library=site, member_id=erased.pk, action="view")
    return World(survey, erased, kept)


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[Fresh]:
    """An empty database on the test's server: a new file, or a new PostgreSQL database."""
    if connection.vendor == "sqlite":
        path = tmp_path / "fresh.sqlite3"
        yield Fresh(str(path), f"sqlite:///{path}")
        return
    import psycopg  # only on PostgreSQL

    database = connection.settings_dict
    name = f"{database['NAME']}_restore_{os.getpid()}"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    with closing(_connect("postgres")) as admin:
        admin.autocommit = True
        admin.execute(drop)
        admin.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"])
    address = f"{database['HOST'] or ''}:{database['PORT'] or 5432}"
    yield Fresh(name, f"postgres://{credentials}@{address}/{name}")
    with closing(psycopg.connect(**_pg_params("postgres"), autocommit=True)) as admin:
        admin.execute(drop)


def _pg_params(name: str) -> dict[str, Any]:
    database = connection.settings_dict
    params = {
        "host": database["HOST"],
        "port": database["PORT"],
        "user": database["USER"],
        "password": database["PASSWORD"],
        "dbname": name,
    }
    return {key: value for key, value in params.items() if value}


def _connect(name: str) -> Any:
    """A plain DB-API connection to database ``name`` of the test's engine and server."""
    if connection.vendor == "sqlite":
        return sqlite3.connect(name)
    import psycopg  # only on PostgreSQL

    return psycopg.connect(**_pg_params(name))


def _fingerprint(name: str) -> dict[str, tuple[int, str]]:
    """Per table: the number of rows and a SHA-256 of its rows in a fixed order."""
    tables = {}
    with closing(_connect(name)) as database:
        cursor = database.cursor()
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        else:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (a name from the catalogue)
            columns = [column[0] for column in cursor.description]
            rows = sorted(
                repr(
                    tuple(
                        "<random>" if (table, column) in RANDOM_STAND_IN else value
                        for column, value in zip(columns, row, strict=True)
                    )
                )
                for row in cursor.fetchall()
            )
            tables[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return tables


def _files(places: Places) -> dict[str, str]:
    return {
        str(path.relative_to(places.data)): hashlib.sha256(path.read_bytes()).hexdigest()
        for root in (places.media, places.private)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _restore_command(archive: Path, fresh: Fresh, places: Places, key: str | None):
    """``manage.py restore`` in its own process, configured for the fresh database and
    this test's directories and journal."""
    env = {key: value for key, value in os.environ.items() if key != "INNSIKT_BACKUP_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        DATABASE_URL=fresh.url,
        INNSIKT_DATA_DIR=str(places.data),
        INNSIKT_PRIVATE_ROOT=str(places.private),
        INNSIKT_ERASURE_JOURNAL=str(places.journal),
    )
    arguments = [sys.executable, "manage.py", "restore", str(archive), "--no-input"]
    if key:
        key_file = places.data.parent / "backup.key"
        key_file.write_text(key + "\n")
        arguments += ["--key-file", str(key_file)]
    return subprocess.run(
        arguments, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _never() -> Any:
    raise AssertionError("a refused archive must not reach the replay")


def _rewrite(archive: Path, change: Callable[[str, bytes], bytes | None], added: str = "") -> Path:
    """A copy of a plain archive with each member passed through ``change`` (None: left
    out), and a file named ``added`` added."""
    copy = archive.with_name(f"{change.__name__}{Path(added).name}-{archive.name}")
    with tarfile.open(archive, "r:gz") as source, tarfile.open(copy, "w:gz") as target:
        for info in source:
            member = source.extractfile(info)
            assert member is not None
            data = change(info.name, member.read())
            if data is not None:
                info.size = len(data)
                target.addfile(info, io.BytesIO(data))
        if added:
            info = tarfile.TarInfo(added)
            info.size = 5
            target.addfile(info, io.BytesIO(b"extra"))
    return copy


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_a_restore_gives_back_the_backup_and_erasures_stay_erased(
    world, places, fresh_database, tmp_path, encrypted
):
    key = secrets.token_urlsafe(48) if encrypted else None
    test_database = str(connection.settings_dict["NAME"])
    backed_up, files = _fingerprint(test_database), _files(places)
    made = backup_create(destination=tmp_path / "backups", key=key)
    assert made.path.parent == tmp_path / "backups"
    assert (made.files, made.encrypted) == (4, bool(key))

    # After the backup: the member asks to be erased ...
    erased = world.erased
    identifying = [str(erased.pk), erased.pk.hex, erased.email, erased.pseudonym]
    member_erase(member=erased)
    expected = _fingerprint(test_database)
    assert expected["panel_panelmember"] != backed_up["panel_panelmember"]
    # ... and life goes on: answers come in, a page is edited, files come and go.
    factories.responses(world.survey, 4, seed=9)
    world.survey.title = "Endret etter sikkerhetskopien"
    world.survey.save_revision().publish()
    (places.media / "documents" / "new.pdf").write_bytes(b"made after the backup")
    (places.private / "exports" / "svar.csv").write_text("changed after the backup")
    (places.media / "images" / "logo.png").unlink()

    result = _restore_command(made.path, fresh_database, places, key)
    assert result.returncode == 0, result.stdout + result.stderr

    # Every table is as backed up, with the erasure made since: nothing else differs ...
    restored = _fingerprint(fresh_database.name)
    assert restored == expected
    assert restored["surveys_response"] != backed_up["surveys_response"]  # de-linked
    with closing(_connect(fresh_database.name)) as database:
        cursor = database.cursor()
        cursor.execute("SELECT email FROM panel_panelmember")
        assert cursor.fetchall() == [(world.kept.email,)]
        cursor.execute("SELECT pseudonym FROM surveys_response WHERE pseudonym <> ''")
        assert {row[0] for row in cursor.fetchall()} == {world.kept.pseudonym}
    # ... and so is every file.
    assert _files(places) == files
    assert "members erased again: 1," in result.stdout
    # The journal that made this possible names nobody.
    journal = places.journal.read_text()
    assert len(journal.splitlines()) == 2  # the erasure, and its replay
    for value in identifying:
        assert value not in journal


@pytest.mark.django_db  # no backup here: the test's own transaction will do
def test_the_replay_erases_who_the_journal_names_and_is_idempotent(world, places):
    # As after restoring a backup older than these erasures: the journal names a member
    # still in the database, and a pseudonym whose member is gone but whose answers are not.
    erased = world.erased
    erasure_journal_append(
        library_id=erased.library_id, member_id=erased.pk, pseudonym=erased.pseudonym
    )
    gone = uuid.uuid4()  # a member no longer in the database, whose answers still are
    orphan = "f" * 64
    factories.responses(world.survey, 2, seed=5, pseudonym=orphan)
    erasure_journal_append(library_id=erased.library_id, member_id=gone, pseudonym=orphan)

    first = erasures_replay()
    assert (first.members_erased, first.answers_delinked) == (1, 2)
    assert not PanelMember.objects.filter(pk=erased.pk).exists()
    assert PanelMember.objects.filter(pk=world.kept.pk).exists()
    assert not Response.objects.filter(pseudonym__in=[erased.pseudonym, orphan]).exists()
    assert Response.objects.filter(pseudonym=world.kept.pseudonym).count() == 2

    second = erasures_replay()
    assert (second.members_erased, second.answers_delinked) == (0, 0)
    assert erasure_journal_read().unreadable == 0


def test_a_changed_archive_is_refused_before_anything_changes(world, places, tmp_path):
    made = backup_create(destination=tmp_path / "backup.tar.gz", key=None)
    # Made after the backup: a refused restore must leave them.
    factories.responses(world.survey, 1, seed=7)
    after = Response.objects.count()
    (places.media / "late.txt").write_text("after the backup")

    def unchanged(name: str, data: bytes) -> bytes | None:
        return data

    def changed(name: str, data: bytes) -> bytes | None:
        return b"not what was backed up" if name == "private/exports/svar.csv" else data

    def dropped(name: str, data: bytes) -> bytes | None:
        return None if name == "media/documents/plan.pdf" else data

    def database(name: str, data: bytes) -> bytes | None:
        return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("database/") else data

    for archive, words in (
        (_rewrite(made.path, changed), "checksum differs: private/exports/svar.csv"),
        (_rewrite(made.path, database), "checksum differs: database/innsikt"),
        (_rewrite(made.path, dropped), "missing: media/documents/plan.pdf"),
        (_rewrite(made.path, unchanged, "media/planted.js"), "not in the manifest: media/planted"),
    ):
        with pytest.raises(BackupError, match=words):
            backup_restore(archive=archive, key=None, erasures_replay=_never)
    assert Response.objects.count() == after
    assert (places.media / "late.txt").exists() and not (places.media / "planted.js").exists()


def test_an_archive_of_another_migration_state_is_refused(world, tmp_path):
    made = backup_create(destination=tmp_path / "backup.tar.gz", key=None)

    def migrations(change: Callable[[dict], None]) -> Path:
        def rewrite(name: str, data: bytes) -> bytes:
            if name != "manifest.json":
                return data
            manifest = json.loads(data)
            change(manifest["migrations"])
            return json.dumps(manifest).encode()

        return _rewrite(made.path, rewrite)

    newer = migrations(lambda applied: applied["panel"].append("9999_from_a_newer_release"))
    with pytest.raises(BackupError, match=r"does not know: panel\.9999_from_a_newer_release"):
        backup_restore(archive=newer, key=None, erasures_replay=_never)
    last = sorted(json.loads(_manifest(made.path))["migrations"]["surveys"])[-1]
    older = migrations(lambda applied: applied["surveys"].remove(last))
    with pytest.raises(BackupError, match=rf"the archive lacks: surveys\.{last}"):
        backup_restore(archive=older, key=None, erasures_replay=_never)
    assert PanelMember.objects.count() == 2


def _manifest(archive: Path) -> bytes:
    with tarfile.open(archive, "r:gz") as source:
        member = source.extractfile("manifest.json")
        assert member is not None
        return member.read()


@pytest.mark.django_db  # refused before any query
def test_what_is_not_a_backup_is_refused(places, tmp_path):
    noise = tmp_path / "noise.tar.gz"
    noise.write_bytes(os.urandom(5000))
    with pytest.raises(BackupError, match="not an Innsikt backup"):
        backup_restore(archive=noise, key=None, erasures_replay=_never)
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        info = tarfile.TarInfo("media/x.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="no manifest"):
        backup_restore(archive=other, key=None, erasures_replay=_never)
    escape = tmp_path / "escape.tar.gz"
    with tarfile.open(escape, "w:gz") as tar:
        info = tarfile.TarInfo("media/../../outside.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="which no Innsikt backup holds"):
        backup_restore(archive=escape, key=None, erasures_replay=_never)
    assert not (tmp_path / "outside.txt").exists() and not (places.data / "outside.txt").exists()


def test_an_encrypted_archive_opens_only_with_its_key_and_unchanged(world, tmp_path):
    key = secrets.token_urlsafe(48)
    made = backup_create(destination=tmp_path / "backup.tar.gz.enc", key=key)
    sealed = made.path.read_bytes()
    assert sealed.startswith(SEALED_MAGIC)
    assert world.kept.email.encode() not in sealed and b"manifest.json" not in sealed
    checked = backup_restore(archive=made.path, key=key, erasures_replay=_never, check_only=True)
    assert checked.encrypted and checked.replay is None

    def refused(archive: Path, key: str | None, words: str) -> None:
        with pytest.raises(BackupError, match=words):
            backup_restore(archive=archive, key=key, erasures_replay=_never)

    refused(made.path, None, "The archive is encrypted: give its key")
    refused(made.path, secrets.token_urlsafe(48), "made with another key")
    refused(made.path, "short", "at least 32 characters")
    flipped = bytearray(sealed)
    flipped[len(sealed) // 2] ^= 1
    (tmp_path / "flipped.enc").write_bytes(flipped)
    refused(tmp_path / "flipped.enc", key, "was changed or damaged")
    (tmp_path / "cut.enc").write_bytes(sealed[: len(sealed) - 100])
    refused(tmp_path / "cut.enc", key, "cut short")
    assert PanelMember.objects.count() == 2
