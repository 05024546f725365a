"""Representativeness (issue 19): respondents' shares beside the population's per mapped
dimension, the difference in points and the largest deviation — under the k rule — in
the explore view, for the survey's own library's margins only."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from research.findings.representativeness import (
    CategoryInput,
    dimension_compare,
    representativeness,
    respondents_by_category,
)
from research.margins.models import MarginDimension, PopulationMargin
from tests import factories


def _compare(counts, population=None, k=5):
    population = population or [100] * len(counts)
    return dimension_compare(
        key="d",
        label="Dimension",
        question_key="q",
        categories=[
            CategoryInput(f"c{i}", f"C{i}", p, n)
            for i, (n, p) in enumerate(zip(counts, population, strict=True))
        ],
        k=k,
    )


def test_shares_and_difference_in_points():
    row = _compare([30, 12], [50_000, 50_000])
    yes, no = row.rows
    assert yes.population_share == pytest.approx(50.0)
    assert yes.respondent_share == pytest.approx(100 * 30 / 42)
    assert yes.difference == pytest.approx(100 * 30 / 42 - 50)
    assert no.difference == pytest.approx(100 * 12 / 42 - 50)
    assert row.largest_deviation == pytest.approx(abs(no.difference))
    assert row.base.count == 42 and not row.base.suppressed


def test_a_category_under_k_hides_its_share_and_the_one_that_would_reveal_it():
    row = _compare([20, 3, 15], [40, 30, 30])
    shown = {r.key: r for r in row.rows}
    assert shown["c1"].respondents.suppressed and shown["c1"].respondents.count is None
    assert shown["c1"].respondent_share is None and shown["c1"].difference is None
    # Secondary suppression: with the total shown, one hidden cell would be total − rest.
    assert shown["c2"].respondents.suppressed and shown["c2"].difference is None
    assert shown["c0"].difference == pytest.approx(100 * 20 / 38 - 40)
    # The summary is of shown differences only: it cannot reveal a hidden share.
    assert row.largest_deviation == pytest.approx(abs(shown["c0"].difference))
    with translation.override("en"):
        assert "Hidden categories" in _compare([20, 3, 15], [40, 30, 30]).note


def test_fewer_than_k_respondents_show_nothing():
    row = _compare([2, 1])
    assert row.base.suppressed
    assert all(r.respondents.suppressed and r.difference is None for r in row.rows)
    assert row.largest_deviation is None


def test_shares_only_from_ten_respondents():
    row = _compare([5, 4], k=3)
    assert [r.respondents.count for r in row.rows] == [5, 4]
    assert all(r.respondent_share is None for r in row.rows)
    assert row.largest_deviation is None


def test_summary_is_the_largest_shown_deviation_across_dimensions():
    first = _compare([30, 12], [50, 50])
    second = _compare([10, 10, 10], [80, 10, 10])
    result = representativeness([first, second])
    expected = abs(100 / 3 - 80)
    assert result.largest_deviation == pytest.approx(expected)
    assert result.largest_at == "Dimension: C0"


def test_answers_count_by_mapped_option_and_unanswered_count_nowhere():
    counts, unmapped = respondents_by_category(
        ["yes", "no", "yes", None, "", "maybe", float("nan")], {"yes": "ja", "no": "nei"}
    )
    assert counts == {"ja": 2, "nei": 1} and unmapped == 1


# ---- the explore view -------------------------------------------------------------------

CARD = [factories.step("s", factories.q("yes_no", "card", "Do you have a library card?"))]


def _margin(home, name, population=(50_000, 50_000), question_key="card"):
    margin = PopulationMargin.objects.create(
        library=Site.objects.get(root_page=home),
        name=name,
        source="library system",
        date=date(2026, 1, 1),
    )
    MarginDimension.objects.create(
        margin=margin,
        key="card",
        label="Library card",
        question_key=question_key,
        categories=[
            ("category", {"key": k, "label": k.title(), "population": p, "option": k})
            for k, p in zip(("yes", "no"), population, strict=True)
        ],
    )
    return margin


@pytest.mark.django_db
def test_explore_compares_respondents_with_the_chosen_margin(client, researcher_a, library_a):
    survey = factories.survey(library_a, CARD, slug="card")
    factories.responses(survey, 30, card="yes")
    factories.responses(survey, 12, card="no")
    margin = _margin(library_a, "Borrowers 2025")
    client.force_login(researcher_a)
    url = reverse("research_explore", args=[survey.pk])
    html = client.get(url).content.decode()
    assert "Borrowers 2025" in html  # offered
    html = client.get(url, {"margin": margin.pk}).content.decode()
    section = html.split('id="representativeness"')[1].split("<h2>")[0]
    assert "50,0" in section  # the population's share (nb formats)
    assert "71,4" in section and "28,6" in section  # the respondents'
    assert "+21,4" in section and "−21,4" in section  # the difference in points
    assert 'id="largest-deviation"' in section and "21,4" in section


@pytest.mark.django_db
def test_explore_hides_respondent_counts_under_k(client, researcher_a, library_a):
    survey = factories.survey(library_a, CARD, slug="card")
    factories.responses(survey, 40, card="yes")
    factories.responses(survey, 2, card="no")
    margin = _margin(library_a, "Borrowers 2025")
    client.force_login(researcher_a)
    url = reverse("research_explore", args=[survey.pk])
    section = client.get(url, {"margin": margin.pk}).content.decode()
    section = section.split('id="representativeness"')[1].split("<h2>")[0]
    assert "&lt; 5" in section
    assert (
        ">2<" not in section and ">40<" not in section
    )  # neither the small count nor its give-away


@pytest.mark.django_db
def test_another_librarys_margin_is_neither_offered_nor_used(
    client, researcher_a, library_a, library_b
):
    survey = factories.survey(library_a, CARD, slug="card")
    factories.responses(survey, 20, card="yes")
    foreign = _margin(library_b, "Bærum secret margins", population=(1, 99))
    client.force_login(researcher_a)
    url = reverse("research_explore", args=[survey.pk])
    html = client.get(url, {"margin": foreign.pk}).content.decode()
    assert "Bærum secret margins" not in html
    assert 'id="largest-deviation"' not in html
