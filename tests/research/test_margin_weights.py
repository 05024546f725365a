"""Weighting a survey's respondents to a population margin (issue 19):
research.margins.selectors.margin_weights rakes the respondents' answers to the mapped
questions to the margin's population counts.

Tenancy is the caller's: margin_weights takes a margin and a frame the caller has already
scoped (margins_for_survey / margin_get_for_user, and a survey the user may see; both are
tested in test_representativeness.py and the tenancy walk), so it is not restated here.
"""

from datetime import date

import pytest
from django.utils import translation
from wagtail.models import Site

from research.margins.models import MarginDimension, PopulationMargin
from research.margins.selectors import margin_weights
from research.selectors import survey_frame
from tests import factories

BODY = [
    factories.step(
        "s",
        factories.q("yes_no", "card", "Do you have a library card?"),
        factories.q("single_choice", "age", "How old are you?", options=["young", "middle", "old"]),
    )
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _margin(home, dimensions):
    margin = PopulationMargin.objects.create(
        library=Site.objects.get(root_page=home),
        name="Borrowers 2025",
        source="library system",
        date=date(2026, 1, 1),
    )
    for key, label, question_key, categories in dimensions:
        MarginDimension.objects.create(
            margin=margin,
            key=key,
            label=label,
            question_key=question_key,
            categories=[
                ("category", {"key": k, "label": label, "population": p, "option": option})
                for k, label, p, option in categories
            ],
        )
    return margin


CARD = (
    "card",
    "Library card",
    "card",
    [("y", "Has a card", 50_000, "yes"), ("n", "No card", 50_000, "no")],
)
# Two population categories mapped to one option: added up (collapsing in the margin).
AGE = (
    "age",
    "Age",
    "age",
    [
        ("16-29", "16–29", 20_000, "young"),
        ("30-44", "30–44", 15_000, "middle"),
        ("45-66", "45–66", 25_000, "middle"),
        ("67+", "67+", 40_000, "old"),
    ],
)


def _answers(survey):
    for n, card, age in (
        (30, "yes", "young"),
        (10, "yes", "old"),
        (8, "no", "middle"),
        (12, "no", "old"),
        (10, "yes", "middle"),
    ):
        factories.responses(survey, n, card=card, age=age, seed=n)


@pytest.mark.django_db
def test_weights_reproduce_every_mapped_margin(library_a):
    survey = factories.survey(library_a, BODY, slug="weights")
    _answers(survey)
    margin = _margin(library_a, [CARD, AGE])
    _questions, frame = survey_frame(survey)

    result = margin_weights(margin, frame, cap=None)

    assert result.converged and not result.blocking
    weights = result.weights
    assert weights is not None and len(weights) == 70
    assert weights.mean() == pytest.approx(1.0)
    total = weights.sum()
    card = weights.groupby(frame["card"]).sum() / total
    assert card["yes"] == pytest.approx(0.5, abs=1e-6)
    assert card["no"] == pytest.approx(0.5, abs=1e-6)
    age = weights.groupby(frame["age"]).sum() / total
    assert age["young"] == pytest.approx(0.20, abs=1e-6)
    assert age["middle"] == pytest.approx(0.40, abs=1e-6)  # 15,000 + 25,000
    assert age["old"] == pytest.approx(0.40, abs=1e-6)
    assert result.design_effect > 1 and result.effective_sample_size < 70


@pytest.mark.django_db
def test_the_cap_holds(library_a):
    survey = factories.survey(library_a, BODY, slug="weights")
    _answers(survey)
    margin = _margin(library_a, [CARD, AGE])
    _questions, frame = survey_frame(survey)
    uncapped = margin_weights(margin, frame, cap=None).weights
    assert uncapped is not None and uncapped.max() > 1.5

    result = margin_weights(margin, frame, cap=1.5)

    assert result.cap == 1.5
    assert result.weights is not None and result.weights.max() <= 1.5 + 1e-9


@pytest.mark.django_db
def test_a_dimension_mapped_to_no_question_blocks_the_weighting(library_a):
    survey = factories.survey(library_a, BODY, slug="weights")
    _answers(survey)
    unmapped = (
        "loans",
        "Loans a year",
        "",
        [("few", "1–3", 6_715, ""), ("many", "4+", 93_285, "")],
    )
    margin = _margin(library_a, [CARD, unmapped])
    _questions, frame = survey_frame(survey)

    result = margin_weights(margin, frame)

    assert result.weights is None and not result.converged
    [problem] = result.blocking
    assert problem.code == "missing_column"
    assert "Loans a year" in problem.message and "map the margin to a question" in problem.message


@pytest.mark.django_db
def test_a_category_with_a_population_but_no_option_blocks_the_weighting(library_a):
    survey = factories.survey(library_a, BODY, slug="weights")
    _answers(survey)
    age = (*AGE[:3], [*AGE[3], ("80+", "80 and over", 3_000, "")])
    margin = _margin(library_a, [CARD, age])
    _questions, frame = survey_frame(survey)

    result = margin_weights(margin, frame)

    assert result.weights is None and not result.converged
    codes = [problem.code for problem in result.blocking]
    assert codes == ["unmapped_category"]
    assert "“80 and over” of “Age”" in result.blocking[0].message


@pytest.mark.django_db
def test_respondents_outside_the_margin_are_reported_not_dropped(library_a):
    survey = factories.survey(library_a, BODY, slug="weights")
    _answers(survey)
    factories.responses(survey, 3, card="yes", age="", seed=99)  # no answer to age
    young_and_middle = (*AGE[:3], AGE[3][:3])  # "old" is in no category
    margin = _margin(library_a, [CARD, young_and_middle])
    _questions, frame = survey_frame(survey)

    result = margin_weights(margin, frame)

    assert result.weights is None
    by_code = {problem.code: problem for problem in result.blocking}
    assert set(by_code) == {"missing_answers", "category_not_in_margin"}
    assert by_code["category_not_in_margin"].category == "old"
    assert "22" in by_code["category_not_in_margin"].message  # 10 + 12 respondents
    assert "3" in by_code["missing_answers"].message
