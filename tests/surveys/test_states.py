"""Closed, not-yet-open, full, quota and unpublished states: clear pages, never a 500."""

from datetime import timedelta

import pytest
from django.utils import timezone

from surveys.models import Quota, Response
from tests import factories
from tests.factories import q, step
from tests.wizard import Walk

ONE_PAGE = [step("only", q("single_choice", "group", options=["student", "other"]))]


def _survey(home, **fields):
    return factories.survey(home, ONE_PAGE, slug="states", **fields)


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"closes_at": timezone.now() - timedelta(days=1)}, "This survey is closed"),
        ({"opens_at": timezone.now() + timedelta(days=3)}, "has not opened yet"),
        ({"response_limit": 0}, "all the answers it needs"),
    ],
)
def test_state_pages(respondent, library_a, fields, text):
    page = _survey(library_a, **fields)
    with_en = Walk(respondent, "/en" + page.url).open()
    assert with_en.status == 200 and text in with_en.html and with_en.step is None
    # Posting anyway changes nothing and is answered with the same page.
    response = respondent.post(page.url, {"group": "student"})
    assert response.status_code == 200
    assert Response.objects.count() == 0


def test_response_limit_closes_after_n(respondent, library_a):
    page = _survey(library_a, response_limit=1, one_response_per_browser=False)
    Walk(respondent, page.url).open().submit({"group": "student"})
    assert Response.objects.count() == 1
    assert "all the answers it needs" in Walk(respondent, "/en" + page.url).open().html


def _with_quota(home, action):
    page = _survey(home, one_response_per_browser=False)
    page.quotas.add(Quota(question_key="group", option_key="student", limit=1, action=action))
    page.save_revision().publish()
    return page


def test_screen_out_quota(respondent, library_a):
    page = _with_quota(library_a, Quota.Action.SCREEN_OUT)
    Walk(respondent, page.url).open().submit({"group": "student"})
    walk = Walk(respondent, "/en" + page.url).open().submit({"group": "student"})
    assert "we already have enough answers from people like you" in walk.html.lower()
    walk = Walk(respondent, page.url).open().submit({"group": "other"})
    assert Response.objects.filter(answers__group="other").count() == 1
    assert Response.objects.filter(answers__group="student").count() == 1


def test_close_quota(respondent, library_a):
    page = _with_quota(library_a, Quota.Action.CLOSE)
    Walk(respondent, page.url).open().submit({"group": "student"})
    assert "all the answers it needs" in Walk(respondent, "/en" + page.url).open().html


def test_quota_on_unknown_question_is_a_validation_error(library_a):
    from django.core.exceptions import ValidationError

    page = _survey(library_a)
    page.quotas.add(Quota(question_key="nope", option_key="x", limit=1))
    with pytest.raises(ValidationError):
        page.full_clean()


def test_unpublished_survey_channel_is_not_found(respondent, library_a):
    page = factories.survey(library_a, ONE_PAGE, slug="gone", channels=[("link", "Web", "")])
    code = page.channels.get().code
    page.unpublish()
    page.versions.all().delete()
    response = respondent.get(f"/s/{code}/")
    assert response.status_code == 404
    assert respondent.get("/s/doesnotexist/").status_code == 404
