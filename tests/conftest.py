import os
import socket

import pytest
import redis.client
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from cms.selectors import content_cache_reset
from tests import factories
from tests.interviewdata import study  # noqa: F401  (shared fixture)
from tests.realparts import celery_worker, smtp_server  # noqa: F401  (shared fixtures)
from tests.reportdata import findings  # noqa: F401  (shared fixture)

KEPT_BY_FLUSH = ("django_content_type", "auth_permission")


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete():
    """After a transactional test (browser, worker, live server) Django empties every table
    (``flush``). On PostgreSQL it does so with one TRUNCATE of all ~100 tables, which costs
    0.3–1.2 s however few rows the test wrote, while DELETE FROM each table costs ~0.05 s:
    the DELETEs run in one transaction and Django's foreign keys are DEFERRABLE INITIALLY
    DEFERRED, so the order of the tables does not matter (the project has no DELETE
    triggers). Content types and permissions, which flush's post_migrate would make again
    at once, are kept (their ids stay the same), and post_migrate runs only when their
    number changed since the last flush (it then adds what is missing, as before).
    ``reset_sequences`` keeps Django's own statements."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.commands import flush
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate, post_migrate = DatabaseOperations.sql_flush, flush.emit_post_migrate_signal
    kept: dict[str, tuple[int, int]] = {}

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            f"DELETE FROM {self.quote_name(table)};"  # noqa: S608  (Django's table names)
            for table in tables
            if table not in KEPT_BY_FLUSH
        ]

    def emit_post_migrate_signal(verbosity, interactive, db, **kwargs):
        def counts() -> tuple[int, int]:
            return (ContentType.objects.using(db).count(), Permission.objects.using(db).count())

        if kept.get(db) == counts():
            return
        post_migrate(verbosity, interactive, db, **kwargs)
        kept[db] = counts()

    DatabaseOperations.sql_flush = sql_flush
    flush.emit_post_migrate_signal = emit_post_migrate_signal
    yield
    DatabaseOperations.sql_flush = truncate
    flush.emit_post_migrate_signal = post_migrate


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    content_cache_reset()
    # A request in an earlier test (the admin's English, say) leaves its language active
    # in this thread: every test starts in the default language.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    cache.clear()
    content_cache_reset()


@pytest.fixture
def library_a(db):
    return factories.library("stavanger", "localhost", default=True)


@pytest.fixture
def library_b(db):
    return factories.library("baerum", "baerum.localhost")


@pytest.fixture
def researcher_a(library_a):
    """Persona: a researcher at library A (Sølvberget)."""
    return factories.researcher("forsker-a", library_a)


@pytest.fixture
def researcher_b(library_b):
    """Persona: a researcher at library B (Bærum)."""
    return factories.researcher("forsker-b", library_b)


@pytest.fixture
def branching_survey(library_a):
    return factories.survey(
        library_a,
        factories.BRANCHING,
        slug="branching",
        channels=[("qr", "Bokbad", ""), ("embed", "Wifi", "https://wifi.example.no")],
    )


@pytest.fixture
def respondent(client):
    client.defaults["HTTP_HOST"] = "localhost"
    return client


def _redis_url() -> str:
    """The test run's own Redis database (CACHE_URL) when it has one, else db 3."""
    url = os.environ.get("CACHE_URL", "")
    if url.startswith("redis://"):
        return url
    with socket.socket() as s:
        s.settimeout(0.5)
        if s.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.skip("needs a Redis server on 127.0.0.1:6379 (CI has one)")
    return "redis://127.0.0.1:6379/3"


@pytest.fixture
def on_redis(settings):
    """The default cache on a real Redis (db 3), as in production."""
    settings.CACHES = {
        "default": {
            "BACKEND": "cms.redis_cache.RedisCache",
            "LOCATION": _redis_url(),
            "KEY_PREFIX": "test-rate-limit",
        }
    }
    cache.clear()


@pytest.fixture
def round_trips(monkeypatch):
    """Every command sent to Redis, a pipeline as one entry (the real client still sends)."""
    sent: list[str] = []
    command, execute = redis.client.Redis.execute_command, redis.client.Pipeline.execute

    def one(self, *args, **kwargs):
        sent.append(str(args[0]))
        return command(self, *args, **kwargs)

    def pipelined(self, *args, **kwargs):
        sent.append("+".join(str(c[0][0]) for c in self.command_stack))
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Redis, "execute_command", one)
    monkeypatch.setattr(redis.client.Pipeline, "execute", pipelined)
    return sent
