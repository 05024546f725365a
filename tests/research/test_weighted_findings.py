"""Weighted findings (issue 19): the explore view's "Weight by" (weighted shares with 95 %
intervals next to the unweighted ones, the weighting's summary, the engine's explanation
when it cannot weight) and the weighted cross-tab — the k rule always on the unweighted
count of real respondents."""

from datetime import date

import pandas as pd
import pytest
from django.urls import reverse
from wagtail.models import Site
from wagtail.users.models import UserProfile

from research.findings.weighted_findings import weighted_crosstab
from research.margins.models import MarginDimension, PopulationMargin
from tests import factories

BODY = [
    factories.step(
        "s",
        factories.q("yes_no", "card", "Do you have a library card?"),
        factories.q("single_choice", "age", "How old are you?", options=["young", "old"]),
    )
]


def _margin(home, card=(50_000, 50_000), age=(50_000, 50_000), age_options=("young", "old")):
    margin = PopulationMargin.objects.create(
        library=Site.objects.get(root_page=home),
        name="Borrowers 2025",
        source="library system",
        date=date(2026, 1, 1),
    )
    for key, label, options, population in (
        ("card", "Library card", ("yes", "no"), card),
        ("age", "Age", age_options, age),
    ):
        MarginDimension.objects.create(
            margin=margin,
            key=key,
            label=label,
            question_key=key,
            categories=[
                ("category", {"key": o, "label": o.title(), "population": p, "option": o})
                for o, p in zip(options, population, strict=True)
            ],
        )
    return margin


def _explore(client, survey, **params):
    url = reverse("research_explore", args=[survey.pk])
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _question(html, key):
    return html.split(f'id="q-{key}"')[1].split("</section>")[0]


@pytest.mark.django_db
def test_weighted_shares_and_the_summary_beside_the_unweighted(client, researcher_a, library_a):
    survey = factories.survey(library_a, BODY, slug="weighted")
    factories.responses(survey, 30, card="yes", age="young", seed=1)
    factories.responses(survey, 10, card="no", age="old", seed=2)
    factories.responses(survey, 10, card="yes", age="old", seed=3)
    factories.responses(survey, 10, card="no", age="young", seed=4)
    margin = _margin(library_a)
    client.force_login(researcher_a)

    html = _explore(client, survey, weight_margin=margin.pk, cap="5")

    summary = html.split('id="weighting-summary"')[1].split("</dl>")[0]
    assert "Borrowers 2025" in summary and "library system" in summary
    assert "IPF" in summary and "Kish" in summary
    card = _question(html, "card")
    # Unweighted: 40 of 60 have a card (66,7 %); weighted to the margin: 50,0 %.
    assert "66,7" in card and "50,0" in card
    assert "95" in card  # the interval columns
    assert 'id="weighting-problems"' not in html


@pytest.mark.django_db
def test_margins_that_cannot_weight_explain_why_and_show_no_weighted_figures(
    client, researcher_a, library_a
):
    survey = factories.survey(library_a, BODY, slug="weighted")
    factories.responses(survey, 30, card="yes", age="young", seed=1)
    factories.responses(survey, 20, card="no", age="old", seed=2)
    # "old" is in no category of the margin's age dimension.
    margin = _margin(library_a, age=(40_000, 60_000), age_options=("young", "middle"))
    client.force_login(researcher_a)

    html = _explore(client, survey, weight_margin=margin.pk, cap="5")

    problems = html.split('id="weighting-problems"')[1].split("</div>")[0]
    assert "Old" in problems or "old" in problems
    assert "Middle" in problems  # population but nobody in it: collapse it
    assert 'id="weighting-summary"' not in html
    assert "Weighted share" not in html  # no weighted figures anywhere


@pytest.mark.django_db
def test_a_category_under_k_shows_neither_count_nor_weighted_share(client, researcher_a, library_a):
    survey = factories.survey(library_a, BODY, slug="weighted")
    factories.responses(survey, 25, card="yes", age="young", seed=1)
    factories.responses(survey, 20, card="no", age="young", seed=2)
    # 4 < k old respondents, weighted up to 60 % of the respondents
    factories.responses(survey, 2, card="yes", age="old", seed=3)
    factories.responses(survey, 2, card="no", age="old", seed=5)
    margin = _margin(library_a, age=(40_000, 60_000))
    profile = UserProfile.get_for_user(researcher_a)
    profile.preferred_language = "en"  # the admin speaks its user's language
    profile.save()
    client.force_login(researcher_a)

    html = _explore(client, survey, weight_margin=margin.pk, cap="")  # no trimming

    assert 'id="weighting-summary"' in html
    age = _question(html, "age").split("Weighted share")[1]
    assert "&lt; 5" in age
    assert "60,0" not in age  # the weighted share of "old"
    assert "40,0" not in age  # nor that of "young", which would give it away
    assert ">4<" not in age and ">45<" not in age


def test_a_cross_tab_cell_under_k_stays_hidden_however_large_its_weight():
    frame = pd.DataFrame(
        {
            "card": ["yes"] * 30 + ["no"] * 30,
            "age": ["young"] * 10
            + ["middle"] * 10
            + ["old"] * 10
            + ["young"] * 15
            + ["middle"] * 12
            + ["old"] * 3,
        }
    )
    weights = pd.Series(1.0, index=frame.index)
    weights.iloc[57:] = 15.0  # three old people without a card: weighted count 45
    weights *= len(frame) / weights.sum()
    card = {"key": "card", "label": "Card", "type": "yes_no"}
    age = {
        "key": "age",
        "label": "Age",
        "type": "single_choice",
        "options": [{"key": o, "label": o} for o in ("young", "middle", "old")],
    }

    table = weighted_crosstab(frame, card, age, weights, k=5, language="en")

    rows = {label: dict(zip(table.header(), cells, strict=True)) for label, cells in table.rows()}
    assert rows["no"]["old"] == ("< 5", "")  # neither the count nor the weighted percentage
    for cells in rows.values():
        for count, pct in cells.values():
            assert not (count == "< 5" and pct)  # never a weighted share of a hidden cell
    assert rows["yes"]["young"] == ("10", "33.3%")  # shown where the count is (weighted)


def test_the_methods_paragraph_states_margins_source_date_method_cap_and_design_effect():
    from research.findings.weighted_findings import methods_text
    from research.findings.weighting import rake

    frame = pd.DataFrame({"card": ["yes"] * 30 + ["no"] * 10})
    result = rake(frame, {"card": {"yes": 50, "no": 50}}, cap=5.0)
    assert result.converged

    text = methods_text(
        result,
        margin_name="Borrowers 2025",
        source="library system",
        when=date(2026, 1, 1),
        dimensions=["Library card"],
        language="en",
    )

    assert "“Borrowers 2025” (Library card), source: library system" in text
    assert "2026" in text and "iterative proportional fitting" in text
    assert "trimmed at 5.0 times the mean weight" in text
    # Weights 2/3 (30 ×) and 2 (10 ×): Kish's deff = n Σw² / (Σw)² = 40 · 53.33 / 1600.
    assert "design effect of the weights is 1.33" in text
    assert "effective sample of 30.0" in text
