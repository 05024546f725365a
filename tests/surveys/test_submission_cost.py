"""What one submission costs the database and Redis (issue 16's goals: at most 3 queries
for a one-page survey, and no Redis round trip more than needed). docs/performance.md
measures the time; these count the work, which the machine's load does not change."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from surveys.models import Response, SurveyStart
from tests import factories
from tests.wizard import Walk

ONE_PAGE = [
    factories.step(
        "all",
        factories.q("yes_no", "card", "Do you have a library card?"),
        factories.q("long_text", "name", "What should we call you?", required=False),
    )
]


@pytest.fixture
def one_page(library_a):
    return factories.survey(library_a, ONE_PAGE, slug="kort")


def _respond(one_page, **answers) -> Client:
    """A new respondent who opens the survey and sends its one page."""
    respondent = Client(HTTP_HOST="localhost")
    walk = Walk(respondent, one_page.url).open()
    respondent.post(one_page.url, {**walk.management, **answers}, follow=True)  # to the thanks
    return respondent


# Committed as in production (no test transaction around the request), so that what is
# counted is what the database is sent.
@pytest.mark.django_db(transaction=True)
def test_a_one_page_submission_is_one_statement_on_postgresql(one_page):
    _respond(one_page, card="no")  # the first visitor warms the process's caches
    respondent = Client(HTTP_HOST="localhost")
    walk = Walk(respondent, one_page.url).open()
    body = {**walk.management, "card": "yes", "name": "Kari"}

    with CaptureQueriesContext(connection) as ctx:
        response = respondent.post(one_page.url, body)

    assert response.status_code == 302
    answers = list(Response.objects.order_by("answers__card").values_list("answers", flat=True))
    assert answers == [{"card": "no"}, {"card": "yes", "name": "Kari"}]
    assert list(SurveyStart.objects.values_list("count", flat=True)) == [2]
    sql = [q["sql"].split()[0] for q in ctx.captured_queries]
    if connection.vendor == "postgresql":
        # The start count's upsert and the answer's insert: one atomic statement.
        assert sql == ["WITH"]
    else:  # SQLite has no INSERT in WITH: the same two statements in a transaction
        assert sql == ["BEGIN", "UPDATE", "INSERT", "COMMIT"]


def test_a_second_respondent_counts_on_the_same_start_row(one_page):
    for answer in ("yes", "no"):
        _respond(one_page, card=answer)

    assert Response.objects.count() == 2
    assert list(SurveyStart.objects.values_list("count", flat=True)) == [2]


def test_a_visit_and_a_submission_cost_one_redis_round_trip(on_redis, round_trips, one_page):
    _respond(one_page, card="no")  # the first visitor warms the caches
    round_trips.clear()
    respondent = Client(HTTP_HOST="localhost")
    walk = Walk(respondent, one_page.url).open()
    assert round_trips == []  # a first visit makes no session
    assert "sessionid" not in respondent.cookies

    response = respondent.post(one_page.url, {**walk.management, "card": "yes"})

    # The rate limit (one pipeline); the answer is stored at once, so no session is made.
    assert response.status_code == 302
    assert round_trips == ["INCRBY+EXPIRE+GET"]
    assert "sessionid" not in respondent.cookies
    round_trips.clear()
    respondent.get(one_page.url + "takk/")
    # The thank-you page needs nothing from the session.
    assert round_trips == []
    assert Response.objects.count() == 2


def test_a_later_page_reads_its_session_with_the_rate_limit(on_redis, round_trips, library_a):
    survey = factories.survey(library_a, factories.BRANCHING, slug="flere")
    _respond(survey, card="no", why="topic")  # warms the caches
    respondent = Client(HTTP_HOST="localhost")
    walk = Walk(respondent, survey.url).open().submit({"card": "no", "why": "topic"})
    assert walk.step == "rate"
    round_trips.clear()

    walk.submit({"satisfied": "4"}, follow=False)

    # The count and the session's read in one pipeline; the session, which held nothing
    # but this survey's answers, deleted with its cookie (nothing of them left in Redis).
    assert round_trips == ["INCRBY+EXPIRE+GET+GET", "DEL"]
    assert respondent.cookies["sessionid"].value == ""
    assert Response.objects.filter(survey=survey).count() == 1


def test_a_later_page_keeps_the_rest_of_the_session(on_redis, round_trips, library_a):
    """A session that holds more than the survey (here another survey begun in the same
    browser) keeps the rest when the answer is stored."""
    survey = factories.survey(library_a, factories.BRANCHING, slug="flere")
    other = factories.survey(library_a, factories.BRANCHING, slug="andre")
    respondent = Client(HTTP_HOST="localhost")
    Walk(respondent, other.url).open().submit({"card": "no", "why": "topic"})
    walk = Walk(respondent, survey.url).open().submit({"card": "no", "why": "topic"})
    round_trips.clear()

    walk.submit({"satisfied": "4"}, follow=False)

    assert round_trips == ["INCRBY+EXPIRE+GET+GET", "SET"]
    assert respondent.cookies["sessionid"].value != ""
    other_walk = Walk(respondent, other.url).open()
    assert other_walk.step == "rate"  # the other survey goes on where it was left
