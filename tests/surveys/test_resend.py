"""A submission sent again is stored once; a lost session is said plainly; a database or
Redis fault gets "try again in a moment" with what was sent kept (issue 15 §3). The same
faults with real servers and gunicorn: tests/integration/test_web_faults.py."""

import uuid

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import translation
from redis.exceptions import ConnectionError as RedisConnectionError

from cms.faults import fault_transient
from surveys.models import Response
from surveys.services import response_submit
from surveys.views import SESSION_LOST_NOTICE, SUBMISSION
from tests.wizard import Walk

PAGE_ONE = {"card": "yes", "why": "topic"}
PAGE_TWO = {"loans": "few"}
PAGE_THREE = {"satisfied": "4", "comment": "Kjempefint"}


def _submission(html: str) -> str:
    marker = f'name="{SUBMISSION}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_the_same_submission_sent_again_is_stored_once(branching_survey):
    version = branching_survey.versions.first()
    answers = {**PAGE_ONE, **PAGE_TWO, "satisfied": "4"}
    key = uuid.uuid4()
    kwargs = dict(page=branching_survey, version=version, channel=None, language="nb")
    first = response_submit(**kwargs, answers=answers, response_id=key)
    again = response_submit(**kwargs, answers=dict(answers), response_id=key)
    assert again.pk == first.pk == key
    assert Response.objects.count() == 1
    # The same id with other answers is someone else (Back on a shared tablet): stored too.
    other = response_submit(**kwargs, answers={**answers, "satisfied": "2"}, response_id=key)
    assert other.pk != key
    assert Response.objects.count() == 2


def test_the_wizard_keeps_one_submission_id_and_a_resent_last_page_stores_nothing_twice(
    respondent, branching_survey
):
    walk = Walk(respondent, branching_survey.url).open()
    shown = _submission(walk.html)
    walk.submit({**PAGE_ONE, SUBMISSION: shown})  # as a browser sends the page's form
    assert _submission(walk.html) == shown  # adopted from page one, kept in the session
    walk.submit(PAGE_TWO)
    last_page = {**walk.management, **PAGE_THREE, SUBMISSION: shown}
    session_before = dict(respondent.session.items())  # as if the final save never happened
    walk.submit(PAGE_THREE)
    assert list(Response.objects.values_list("pk", flat=True)) == [uuid.UUID(shown)]

    # The thank-you page never arrived (Redis failed after the database stored it): the
    # session still holds the wizard, and "Send again" posts the last page once more.
    session = respondent.session
    session.update(session_before)
    session.save()
    respondent.post(branching_survey.url, last_page)
    assert Response.objects.count() == 1


def test_a_one_page_survey_uses_the_id_it_was_shown_with(respondent, library_a):
    from tests import factories

    page = factories.survey(
        library_a, [factories.step("only", factories.q("short_text", "name"))], slug="one"
    )
    walk = Walk(respondent, page.url).open()
    shown = _submission(walk.html)
    form = {**walk.management, "name": "Kari", SUBMISSION: shown}
    respondent.post(page.url, form)
    other_browser = Client(HTTP_HOST="localhost")
    other_browser.get(page.url)
    other_browser.post(page.url, form)  # the same form sent again (the 503 page's "Send again")
    assert list(Response.objects.values_list("pk", flat=True)) == [uuid.UUID(shown)]


def test_a_lost_session_is_said_plainly_and_the_last_page_is_kept(respondent, branching_survey):
    walk = Walk(respondent, branching_survey.url).open().submit(PAGE_ONE)
    assert walk.step == "loans"
    respondent.cookies.pop("sessionid")  # Redis restarted without its data
    walk.submit({**PAGE_TWO, "uses": "wifi"})
    with translation.override("nb"):
        assert str(SESSION_LOST_NOTICE) in walk.html
    assert walk.step == "about"
    assert Response.objects.count() == 0
    walk.submit(PAGE_ONE)
    assert walk.step == "loans"
    assert 'value="few" checked' in walk.html  # what was typed on that page came back
    walk.submit({**PAGE_TWO}).submit(PAGE_THREE)
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    "fault",
    [
        OperationalError("server closed the connection unexpectedly"),
        RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    ],
    ids=["database", "redis"],
)
def test_a_fault_while_sending_is_try_again_with_the_answers_kept(
    respondent, branching_survey, monkeypatch, fault
):
    walk = Walk(respondent, branching_survey.url).open().submit(PAGE_ONE).submit(PAGE_TWO)
    respondent.raise_request_exception = False

    def down(**kwargs):
        raise fault

    monkeypatch.setattr("surveys.views.response_submit", down)
    form = {**walk.management, **PAGE_THREE, SUBMISSION: _submission(walk.html)}
    answer = respondent.post(branching_survey.url, form)
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert "no-store" in answer["Cache-Control"]
    html = answer.content.decode()
    with translation.override("nb"):
        assert translation.gettext("Try again in a moment") in html
    for name, value in form.items():
        assert f'name="{name}" value="{value}"' in html  # kept, to be sent again
    assert "Traceback" not in html
    assert Response.objects.count() == 0

    monkeypatch.undo()
    respondent.post(branching_survey.url, form)  # "Send again", the service back
    assert Response.objects.count() == 1


def test_a_fault_on_a_page_view_offers_to_try_again(respondent, branching_survey, monkeypatch):
    respondent.raise_request_exception = False

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("surveys.views.survey_runtime_for_page", down)
    answer = respondent.get(branching_survey.url)
    assert answer.status_code == 503
    assert f'href="{branching_survey.url}"' in answer.content.decode()


def test_a_bug_is_still_a_server_error_not_try_again(respondent, branching_survey, monkeypatch):
    respondent.raise_request_exception = False

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("surveys.views.survey_runtime_for_page", broken)
    assert respondent.get(branching_survey.url).status_code == 500


def test_which_faults_are_transient():
    assert fault_transient(OperationalError("the database system is starting up"))
    assert fault_transient(RedisConnectionError("Connection refused"))
    wrapped = RuntimeError("while rendering")
    wrapped.__cause__ = OperationalError("terminating connection")
    assert fault_transient(wrapped)
    assert not fault_transient(OperationalError("no such table: surveys_response"))
    assert not fault_transient(ValueError("a bug"))
    assert not fault_transient(None)
