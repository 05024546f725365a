"""The respondent's multi-page flow: steps, branching, back, errors, piping, submission."""

import pytest

from surveys.models import Response
from tests.wizard import Walk


@pytest.fixture
def walk(respondent, branching_survey):
    return Walk(respondent, branching_survey.url).open()


def test_branching_survey_with_card_shows_loans_page_and_stores_answers(walk, branching_survey):
    assert walk.step == "about"
    assert "Page 1 of 2" in walk.html or "Side 1 av 2" in walk.html
    walk.submit({"card": "yes", "why": "author"})
    assert walk.step == "loans"
    walk.submit({"loans": "few", "uses": ["books", "wifi"]})
    assert walk.step == "rate"
    assert "How satisfied are you after Author?" in walk.html
    walk.submit({"satisfied": "4", "comment": "Fint"})
    assert walk.status == 200
    response = Response.objects.get(survey=branching_survey)
    assert response.answers == {
        "card": "yes",
        "why": "author",
        "loans": "few",
        "uses": ["books", "wifi"],
        "satisfied": 4,
        "comment": "Fint",
    }
    assert response.version.number == 1
    assert response.channel is None


def test_without_card_skips_loans_page(walk, branching_survey):
    walk.submit({"card": "no", "why": "topic"})
    assert walk.step == "rate"
    walk.submit({"satisfied": "2"})
    assert Response.objects.get().answers == {"card": "no", "why": "topic", "satisfied": 2}


def test_answers_on_a_page_that_becomes_hidden_are_not_stored(walk):
    walk.submit({"card": "yes", "why": "author"})
    walk.submit({"loans": "many"})
    assert walk.step == "rate"
    walk.back({}, to="loans")
    walk.back({}, to="about")
    assert walk.step == "about"
    walk.submit({"card": "no", "why": "author"})
    assert walk.step == "rate"
    walk.submit({"satisfied": "5"})
    assert "loans" not in Response.objects.get().answers


def test_back_keeps_answers_on_both_pages(walk):
    walk.submit({"card": "yes", "why": "friends"})
    walk.back({"loans": "few"}, to="about")
    assert walk.step == "about"
    assert 'value="friends" checked' in walk.html
    walk.submit({"card": "yes", "why": "friends"})
    assert walk.step == "loans"
    assert 'value="few" checked' in walk.html


def test_errors_are_summarised_linked_and_titled(walk):
    walk.submit({"why": "other"})
    assert walk.step == "about"
    assert walk.title().startswith(("Error:", "Feil:"))
    assert 'class="error-summary"' in walk.html
    assert 'href="#f-card-0"' in walk.html
    assert 'aria-describedby="f-card-err"' in walk.html
    # "Other" chosen without saying what: an error on that question, nothing lost.
    assert 'value="other" checked' in walk.html


def test_reload_keeps_the_current_page(walk):
    walk.submit({"card": "yes", "why": "author"})
    walk.open()
    assert walk.step == "loans"


def test_second_response_from_same_browser_is_refused(walk, branching_survey):
    walk.submit({"card": "no", "why": "topic"}).submit({"satisfied": "3"})
    walk.open()
    assert walk.step is None
    assert "already" in walk.html or "allerede" in walk.html
    assert Response.objects.count() == 1


def test_honeypot_filled_stores_nothing(walk):
    walk.submit({"card": "no", "why": "topic"})
    walk.submit({"satisfied": "3", "website": "http://spam.example"})
    assert Response.objects.count() == 0
