"""Quotas and the response limit hold when the last respondents press "Send" at once.

Real threads, each its own browser (test Client) and database connection, all held at a
barrier on the survey's last page and then posting together. Without the lock in
``response_submit`` they all count the same number of answers and all insert.
"""

import re
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from surveys.models import Quota, Response
from surveys.services import response_submit
from tests import factories
from tests.factories import q, step
from tests.wizard import Walk

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL (SQLite ignores select_for_update); CI runs PostgreSQL",
)

N = 3
RESPONDENTS = N + 5
ONE_PAGE = [step("only", q("single_choice", "group", options=["student", "other"]))]


def _outcome(walk: Walk, language: str) -> str:
    """stored (sent on to the thank-you page), or the state of the page shown instead."""
    if walk.status == 302:
        return "stored"
    heading = re.search(r"<h1>(.*?)</h1>", walk.html, re.S)
    with translation.override(language):
        titles = {
            translation.gettext("This survey has all the answers it needs"): "full",
            translation.gettext("Thank you for your interest"): "screened_out",
        }
    return titles.get(heading.group(1).strip() if heading else "", f"unexpected {walk.status}")


def _race(urls: list[str]) -> Counter[str]:
    """Open the survey at each url in its own browser, wait until all are on the last page,
    then send "student" from all at once; returns how many respondents had each outcome."""
    barrier = threading.Barrier(len(urls))
    outcomes: list[str] = []

    def respond(url: str) -> None:
        try:
            walk = Walk(Client(HTTP_HOST="localhost"), url).open()
            if walk.step != "only":
                raise RuntimeError(f"no survey form: {walk.status} {walk.title()}")
            barrier.wait(timeout=60)
            walk.submit({"group": "student"}, follow=False)
            outcomes.append(_outcome(walk, "en" if url.startswith("/en/") else "nb"))
        except Exception as exc:
            outcomes.append(f"error {exc!r}")
            barrier.abort()  # the others would otherwise wait for this one forever
        finally:
            connection.close()

    threads = [threading.Thread(target=respond, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


def _survey(home, **fields):
    return factories.survey(home, ONE_PAGE, slug="rush", one_response_per_browser=False, **fields)


def _with_quota(home, action: str):
    page = _survey(home)
    page.quotas.add(Quota(question_key="group", option_key="student", limit=N, action=action))
    page.save_revision().publish()
    return page


@pytest.mark.django_db(transaction=True)
def test_response_limit_holds(library_a):
    page = _survey(library_a, response_limit=N)
    outcomes = _race(["/en" + page.url] * RESPONDENTS)
    assert outcomes == {"stored": N, "full": RESPONDENTS - N}
    assert Response.objects.count() == N


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("action", "refused"),
    [(Quota.Action.CLOSE, "full"), (Quota.Action.SCREEN_OUT, "screened_out")],
)
def test_quota_holds(library_a, action, refused):
    page = _with_quota(library_a, action)
    outcomes = _race(["/en" + page.url] * RESPONDENTS)
    assert outcomes == {"stored": N, refused: RESPONDENTS - N}
    assert Response.objects.filter(answers__group="student").count() == N


@pytest.mark.django_db(transaction=True)
def test_quota_holds_across_languages(library_a):
    # The English translation counts towards the Norwegian original's quota: respondents
    # of both languages race for the same places.
    page = _with_quota(library_a, Quota.Action.CLOSE)
    english = factories.translation(page, "en")
    assert english.url.startswith("/en/")
    outcomes = _race([page.url, english.url] * (RESPONDENTS // 2))
    assert outcomes == {"stored": N, "full": 2 * (RESPONDENTS // 2) - N}
    assert Response.objects.filter(answers__group="student").count() == N


@pytest.mark.parametrize(("limit", "locks"), [(None, False), (N, True)])
def test_only_surveys_with_a_limit_or_quota_take_the_lock(library_a, limit, locks):
    page = _survey(library_a, response_limit=limit)
    with CaptureQueriesContext(connection) as queries:
        response_submit(
            page=page,
            version=page.versions.get(),
            channel=None,
            language="nb",
            answers={"group": "student"},
            quotas=[],
        )
    locking = [x["sql"] for x in queries.captured_queries if " FOR NO KEY UPDATE " in x["sql"]]
    assert bool(locking) is locks
    assert Response.objects.count() == 1
