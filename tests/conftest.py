import pytest
from django.core.cache import cache

from cms.selectors import content_cache_reset
from tests import factories
from tests.realparts import celery_worker, smtp_server  # noqa: F401  (shared fixtures)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    content_cache_reset()
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
