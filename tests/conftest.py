import pytest
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
