"""A findings report over a survey with planted personal data and a panel segment of three
(the `findings` fixture, shared through tests/conftest.py)."""

import pytest
from wagtail.models import Site

from panel.models import Segment
from research.models import FindingsReportPage, ResearchProjectPage
from tests import factories

NATIONAL_ID = "15076500565"  # valid under the classic rule
PHONE = "+47 912 34 567"


def report_body(survey, segment) -> list[dict]:
    return [
        {"type": "text", "value": "<h2>Bakgrunn</h2><p>Hvem bruker biblioteket?</p>"},
        {
            "type": "key_figures",
            "value": {
                "heading": "Nøkkeltall",
                "figures": [
                    {"value": "28 835", "label": "unike wifi-brukere i måneden", "source": "Wifi"},
                    {"value": "6 715", "label": "lånere med 1–3 lån i året", "source": "Bibliofil"},
                ],
            },
        },
        {
            "type": "chart",
            "value": {
                "survey": survey.pk,
                "question": "kort",
                "chart": "bar",
                "heading": "Har lånekort",
            },
        },
        {
            "type": "chart",
            "value": {
                "survey": survey.pk,
                "question": "fornoyd",
                "chart": "diverging",
                "heading": "",
            },
        },
        {"type": "chart", "value": {"survey": survey.pk, "question": "forslag", "chart": "bar"}},
        {
            "type": "crosstab",
            "value": {
                "survey": survey.pk,
                "rows": "kort",
                "columns": "segment",
                "segments": [segment.pk],
                "percent": "row",
                "heading": "Lånekort etter segment",
            },
        },
        {
            "type": "quote",
            "value": {"survey": survey.pk, "question": "forslag", "text": f"Ring meg på {PHONE}"},
        },
        {"type": "methods", "value": {"note": ""}},
    ]


@pytest.fixture
def findings(library_a):
    """(report, survey, segment): 40 answers, 3 of them from the segment's members; some
    free text carries a national identity number or a phone number."""
    site = Site.objects.get(root_page=library_a)
    survey = factories.survey(library_a, factories.ALL_TYPES, slug="alle")
    members = factories.panel_members(site, 3, attributes={"student": "yes"})
    segment = Segment.objects.create(
        library=site,
        name="Studenter",
        rules=[
            {"type": "rule", "value": {"field": "student", "operator": "equals", "value": "yes"}}
        ],
    )
    from panel.pseudonyms import member_pseudonym

    for i, member in enumerate(members):
        factories.responses(survey, 1, seed=100 + i, kort="yes", pseudonym=member_pseudonym(member))
    factories.responses(survey, 20, seed=1, forslag=f"Ring meg på {PHONE}", kort="yes")
    factories.responses(survey, 17, seed=2, forslag=f"Mitt fnr er {NATIONAL_ID}", kort="no")
    project = ResearchProjectPage(title="Unge voksne", slug="unge-voksne")
    library_a.add_child(instance=project)
    project.save_revision().publish()
    report = FindingsReportPage(
        title="Funn: unge voksne",
        slug="funn",
        subtitle="Våren 2026",
        body=report_body(survey, segment),
    )
    project.add_child(instance=report)
    report.save_revision().publish()
    return FindingsReportPage.objects.get(pk=report.pk), survey, segment
