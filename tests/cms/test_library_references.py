"""No reference crosses libraries (cms.tenancy.library_references_check): a campaign's
segment, survey and guide, a code's parent, a theme's codes, a project's surveys, a
library's statement pages and a report's segments are the object's own library's — in
the admin forms a researcher uses, and in model validation whoever saves."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from cms.models import LibrarySettings
from panel.models import Campaign, ConsentText, Segment
from research.models import (
    FindingsReportPage,
    InterviewCode,
    InterviewTheme,
    ProjectSurvey,
    ResearchProjectPage,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(library_a, library_b):
    site_a = Site.objects.get(root_page=library_a)
    site_b = Site.objects.get(root_page=library_b)
    return {
        "site_a": site_a,
        "site_b": site_b,
        "segment_a": Segment.objects.create(library=site_a, name="Studenter A"),
        "segment_b": Segment.objects.create(library=site_b, name="Studenter B"),
        "survey_a": factories.survey(library_a, factories.BRANCHING, slug="a"),
        "survey_b": factories.survey(library_b, factories.BRANCHING, slug="b"),
    }


def _campaign(**fields) -> Campaign:
    return Campaign(name="Vår", starts_at=timezone.now(), **fields)


def test_a_campaign_with_another_librarys_segment_or_survey_is_invalid(two):
    for field, value in (("segment", two["segment_b"]), ("survey", two["survey_b"])):
        values = {"library": two["site_a"], "segment": two["segment_a"], "survey": two["survey_a"]}
        values[field] = value
        with pytest.raises(ValidationError) as refused:
            _campaign(**values).full_clean(exclude=["created_by"])
        assert field in refused.value.message_dict
        assert "annet bibliotek" in " ".join(refused.value.message_dict[field])
    _campaign(library=two["site_a"], segment=two["segment_a"], survey=two["survey_a"]).full_clean(
        exclude=["created_by"]
    )


def test_an_interview_campaign_needs_an_interview_guide_of_its_library(two, library_a):
    values = {"library": two["site_a"], "segment": two["segment_a"], "kind": "interview"}
    with pytest.raises(ValidationError) as refused:  # a page, but not an interview guide
        _campaign(guide=two["survey_a"], **values).full_clean(exclude=["created_by"])
    assert "guide" in refused.value.message_dict


def test_researcher_cannot_post_a_campaign_with_another_librarys_segment(client, researcher_a, two):
    client.force_login(researcher_a)
    url = reverse("wagtailsnippets_panel_campaign:add")
    form = client.get(url).content.decode()
    # The segment is chosen with the segment chooser (its list is the library's own,
    # tests/cms/test_tenancy.py); the library is the researcher's, not asked.
    assert 'name="segment"' in form and 'name="library"' not in form
    assert "Studenter B" not in form and str(two["site_b"]) not in form
    data = {
        "library": two["site_a"].pk,
        "name": "Vårens undersøkelse",
        "kind": "survey",
        "survey": two["survey_a"].pk,
        "segment": two["segment_b"].pk,  # tampered: another library's segment
        "starts_at": "2026-12-10 10:00",
        "window_start": "09:00",
        "window_end": "20:00",
        "remind_after_days": 4,
        "max_reminders": 1,
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and not Campaign.objects.exists()
    assert 'id="id_segment' in refused.content.decode()  # the form again, with its error
    data["segment"] = two["segment_a"].pk
    saved = client.post(url, data)
    assert saved.status_code == 302
    assert Campaign.objects.get().segment == two["segment_a"]


def test_codebook_and_themes_stay_in_their_library(two):
    code_a = InterviewCode.objects.create(library=two["site_a"], name="Tid")
    code_b = InterviewCode.objects.create(library=two["site_b"], name="Tid")
    with pytest.raises(ValidationError) as refused:
        InterviewCode(library=two["site_a"], name="Eksamen", parent=code_b).full_clean()
    assert "parent" in refused.value.message_dict
    theme = InterviewTheme(library=two["site_a"], name="Barrierer")
    theme.codes = [code_a, code_b]  # a parental many-to-many: checked before it is saved
    with pytest.raises(ValidationError) as refused:
        theme.full_clean()
    assert "codes" in refused.value.message_dict


def test_researchers_manage_their_own_codebook_themes_and_consent_texts(client, researcher_a, two):
    """Their group has the permissions (the first release needed a superuser), and what
    they create is their own library's: a researcher of one library is not asked which
    (cms.forms.form_library_from_user), and a tampered library in the post is ignored."""
    client.force_login(researcher_a)
    form = client.get(reverse("wagtailsnippets_research_interviewcode:add")).content.decode()
    assert 'name="library"' not in form
    assert f'value="{two["site_b"].pk}"' not in form
    saved = client.post(
        reverse("wagtailsnippets_research_interviewcode:add"), {"name": "Tid", "description": ""}
    )
    assert saved.status_code == 302 and InterviewCode.objects.get().library == two["site_a"]
    tampered = client.post(
        reverse("wagtailsnippets_research_interviewcode:add"),
        {"library": two["site_b"].pk, "name": "Eksamen", "description": ""},
    )
    assert tampered.status_code == 302
    assert not InterviewCode.objects.filter(library=two["site_b"]).exists()
    assert InterviewCode.objects.get(name="Eksamen").library == two["site_a"]
    theme = client.post(
        reverse("wagtailsnippets_research_interviewtheme:add"),
        {"name": "Barrierer", "description": ""},
    )
    assert theme.status_code == 302 and InterviewTheme.objects.count() == 1
    consent = client.post(
        reverse("wagtailsnippets_panel_consenttext:add"),
        {"purpose": "panel", "text_nb": "Ja", "text_en": "Yes", "material": "on"},
    )
    assert consent.status_code == 302 and ConsentText.objects.get().library == two["site_a"]


def test_a_project_lists_only_surveys_of_its_library(two, library_a):
    project = ResearchProjectPage(title="Studenter", slug="studenter")
    library_a.add_child(instance=project)
    with pytest.raises(ValidationError) as refused:
        ProjectSurvey(project=project, survey=two["survey_b"]).full_clean()
    assert "survey" in refused.value.message_dict
    ProjectSurvey(project=project, survey=two["survey_a"]).full_clean()


def test_a_library_links_only_its_own_statement_pages(two, library_a, library_b):
    theirs = factories.standard_page(library_b, "personvern", "Personvern", "<p>B</p>")
    settings = LibrarySettings.for_site(two["site_a"])
    settings.privacy_page = theirs
    with pytest.raises(ValidationError) as refused:
        settings.full_clean()
    assert "privacy_page" in refused.value.message_dict
    settings.privacy_page = factories.standard_page(library_a, "personvern", "P", "<p>A</p>")
    settings.full_clean()


def test_a_report_cross_tab_refuses_another_librarys_segment(two, library_a):
    project = ResearchProjectPage(title="Funn", slug="funn")
    library_a.add_child(instance=project)
    report = FindingsReportPage(
        title="Rapport",
        slug="rapport",
        body=[
            {
                "type": "crosstab",
                "value": {
                    "survey": two["survey_a"].pk,
                    "rows": "card",
                    "columns": "segment",
                    "segments": [two["segment_b"].pk],
                    "percent": "row",
                    "heading": "",
                },
            }
        ],
    )
    with pytest.raises(ValidationError) as refused:  # saving the page validates it
        project.add_child(instance=report)
    assert "segment hører til et annet bibliotek" in str(refused.value)
    report.body[0].value["segments"] = [two["segment_a"]]
    assert not any("annet bibliotek" in p for p in report.problems())


def test_a_booking_is_for_a_time_of_its_own_round(study, library_a):
    """A booking's time must be one of its participant's interview round (slot ↔ round)."""
    from panel.models import Campaign
    from research.models import InterviewBooking, InterviewParticipant, InterviewSlot

    participant = InterviewParticipant.objects.create(
        campaign=study.campaign, member=study.members[0], number=1
    )
    other_round = Campaign.objects.create(
        library=study.site,
        name="Andre runde",
        kind=Campaign.Kind.INTERVIEW,
        guide=study.guide,
        segment=study.campaign.segment,
        starts_at=timezone.now(),
    )
    elsewhere = InterviewSlot.objects.create(
        campaign=other_round, starts_at=study.slots[0].starts_at
    )
    with pytest.raises(ValidationError) as refused:
        InterviewBooking(participant=participant, slot=elsewhere).full_clean()
    assert "slot" in refused.value.message_dict
    InterviewBooking(participant=participant, slot=study.slots[0]).full_clean()
