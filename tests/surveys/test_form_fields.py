"""A step's fields are built once per survey version, step, language, questions shown and
answers piped into their labels, then reused (surveys.forms.StepForm ``fields_key``):
nothing one respondent's form holds or changes reaches another's."""

from django.test import Client
from django.utils import translation

from surveys.forms import StepForm
from surveys.models import SurveyVersion
from tests.wizard import Walk


def _rate_step(survey) -> tuple[tuple, list[dict]]:
    version = SurveyVersion.objects.filter(page=survey).latest("number")
    step = next(s for s in version.schema["steps"] if s["key"] == "rate")
    return (version.pk, version.created_at, step["key"]), step["questions"]


def _form(key, questions, why: str, data=None) -> StepForm:
    return StepForm(data, questions=questions, pipes={"why": why}, seed=0, fields_key=key)


def test_forms_of_one_step_have_their_own_fields(branching_survey):
    key, questions = _rate_step(branching_survey)
    first, second = _form(key, questions, "author"), _form(key, questions, "author")

    assert list(first.fields) == list(second.fields) == ["satisfied", "comment"]
    assert first.fields is not second.fields
    assert all(first.fields[n] is not second.fields[n] for n in first.fields)
    first.fields["comment"].required = True  # a change to one form's field…
    assert second.fields["comment"].required is False  # …is not the other's


def test_messages_follow_the_language_and_the_piped_answer(branching_survey):
    key, questions = _rate_step(branching_survey)
    with translation.override("nb"):
        bokmal = _form(key, questions, "author", data={})
        bokmal.is_valid()
        topic = _form(key, questions, "topic", data={})
        topic.is_valid()
    with translation.override("en"):
        english = _form(key, questions, "author", data={})
        english.is_valid()

    assert bokmal.errors["satisfied"] == ["Velg et svar på «How satisfied are you after author?»."]
    assert topic.errors["satisfied"] == ["Velg et svar på «How satisfied are you after topic?»."]
    assert english.errors["satisfied"] == [
        "Choose an answer to “How satisfied are you after author?”."
    ]


def test_a_respondents_errors_and_answers_stay_their_own(branching_survey):
    walks = [Walk(Client(HTTP_HOST="localhost"), branching_survey.url).open() for _ in range(2)]
    for walk, why in zip(walks, ("author", "topic"), strict=True):
        walk.submit({"card": "no", "why": why})
        assert walk.step == "rate"

    walks[0].submit({"comment": "x" * 300})  # too long, and no rating
    walks[1].submit({"satisfied": "4"})

    assert walks[0].step == "rate"
    assert "Velg et svar på «How satisfied are you after Author?»." in walks[0].html
    assert "«Comment» kan ha høyst 200 tegn." in walks[0].html
    assert "x" * 300 in walks[0].html  # what was typed is kept
    assert walks[1].step is None
    assert "Takk for svarene dine" in walks[1].html
    assert "kan ha høyst" not in walks[1].html
