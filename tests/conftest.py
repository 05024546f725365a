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
