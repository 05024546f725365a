"""A first visit's questions are rendered once per version, step and language and then
kept (surveys.views.SurveyWizard._questions_html); anything that depends on the
respondent — values, errors, shuffled options, piped answers — is never served from it."""

import re

from django.test import Client

from surveys.models import SurveyPage
from tests import factories
from tests.wizard import Walk

QUESTION_TEMPLATE = "surveys/question.html"


def _visit(url: str) -> Walk:
    return Walk(Client(HTTP_HOST="localhost"), url).open()


def _question_templates(client: Client, url: str) -> int:
    response = client.get(url)
    return sum(t.name == QUESTION_TEMPLATE for t in response.templates)


def test_the_first_page_is_rendered_once_and_then_kept(branching_survey):
    first, second = _visit(branching_survey.url), _visit(branching_survey.url)

    assert "Do you have a library card?" in first.html
    # Apart from the per-visitor fields (CSRF token, submission id), the pages are equal.
    assert _without_tokens(first.html) == _without_tokens(second.html)
    assert _question_templates(Client(HTTP_HOST="localhost"), branching_survey.url) == 0


def _without_tokens(html: str) -> str:
    return re.sub(r'name="(csrfmiddlewaretoken|submission)" value="[^"]*"', "", html)


def test_a_published_change_is_shown_at_once(branching_survey):
    _visit(branching_survey.url)
    page = SurveyPage.objects.get(pk=branching_survey.pk)
    body = page.body.get_prep_value()
    body[0]["value"]["questions"][0]["value"]["label"] = "Har du lånekort hos oss?"
    page.body = body
    page.save_revision().publish()

    assert "Har du lånekort hos oss?" in _visit(branching_survey.url).html


def test_errors_and_values_are_the_respondents_own(branching_survey):
    walk = _visit(branching_survey.url).submit({"why": "topic"})  # card missing

    assert walk.status == 200 and "q--error" in walk.html
    assert 'value="topic" checked' in walk.html
    assert "q--error" not in _visit(branching_survey.url).html


def test_piped_answers_are_the_respondents_own(branching_survey):
    def to_last_page(why: str) -> str:
        walk = _visit(branching_survey.url).submit({"card": "no", "why": why})
        return walk.html

    assert "after Topic?" in to_last_page("topic")
    assert "after Friends?" in to_last_page("friends")


def test_shuffled_options_are_in_each_respondents_own_order(library_a):
    options = [f"o{n}" for n in range(12)]
    survey = factories.survey(
        library_a,
        [
            factories.step(
                "s", factories.q("single_choice", "pick", options=options, randomise=True)
            )
        ],
        slug="shuffled",
        one_response_per_browser=False,
    )

    def order(html: str) -> list[str]:
        return [o for o in sorted(options, key=lambda o: html.index(f'value="{o}"'))]

    orders = {tuple(order(_visit(survey.url).html)) for _ in range(4)}
    assert len(orders) > 1  # 4 visitors in one order: (1/12!)^3 by chance
