"""An interview study for tests: a library with panel and interview consent texts, members,
a research project with an interview guide, a running interview campaign and its times."""

import datetime
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import Site

from tests import factories

GUIDE_SECTIONS = [
    {
        "type": "section",
        "value": {
            "title": "Oppvarming",
            "minutes": 5,
            "intro": "Presenter deg.",
            "questions": [
                {"text": "Fortell litt om deg selv.", "probes": ["Hva studerer du?"]},
                {"text": "Når var du sist på biblioteket?", "probes": []},
            ],
        },
    },
    {
        "type": "section",
        "value": {
            "title": "Bruk av biblioteket",
            "minutes": 20,
            "intro": "",
            "questions": [
                {"text": "Hva hindrer deg i å låne bøker?", "probes": ["Kan du gi et eksempel?"]},
            ],
        },
    },
]


@dataclass
class Study:
    site: Site
    project: object
    guide: object
    campaign: object
    members: list  # PanelMember; the first three consented to interviews
    invitations: list  # Invitation, one per consenting member, in member order
    slots: list  # InterviewSlot: two one-person times, one group time of three
    interview_text: object


def interview_study(home, admin_user, *, n_members: int = 4, age_band: str = "20-24") -> Study:
    from panel.models import Campaign, ConsentRecord, ConsentText, Invitation, PanelMember, Segment
    from panel.services import campaign_launch
    from research.models import InterviewGuidePage, InterviewSlot, ResearchProjectPage

    site = Site.objects.get(root_page=home)
    panel_text = ConsentText.objects.create(
        library=site, purpose="panel", text_nb="Ja til panelet", text_en="Yes to the panel"
    )
    interview_text = ConsentText.objects.create(
        library=site,
        purpose="interviews",
        text_nb="Dere kan be meg om intervju.",
        text_en="You may ask me for an interview.",
    )
    ids = factories.panel_members(site, n_members, text=panel_text, prefix="student")
    PanelMember.objects.filter(pk__in=ids).update(age_band=age_band)
    members = list(PanelMember.objects.filter(pk__in=ids).order_by("email"))
    for member in members[:3]:
        ConsentRecord.objects.create(
            member=member, purpose="interviews", text=interview_text, given=True
        )
    segment = Segment.objects.create(library=site, name="Studenter")
    project = ResearchProjectPage(title="Studentene", slug="studentene")
    home.add_child(instance=project)
    guide = InterviewGuidePage(
        title="Studentintervju",
        slug="studentintervju",
        intro="<p>Takk for at du kom.</p>",
        consent_script="<p>Vi tar notater uten navn.</p>",
        sections=GUIDE_SECTIONS,
    )
    project.add_child(instance=guide)
    guide.save_revision().publish()
    campaign = Campaign.objects.create(
        library=site,
        name="Intervju med studenter",
        kind=Campaign.Kind.INTERVIEW,
        guide=guide,
        segment=segment,
        starts_at=timezone.now(),
        # All day: the contact rules send only inside the window, and tests run at any hour.
        window_start=datetime.time(0, 0),
        window_end=datetime.time(23, 59),
    )
    campaign_launch(campaign=campaign, user=admin_user)
    invitations = sorted(
        Invitation.objects.filter(campaign=campaign).select_related("member", "campaign"),
        key=lambda i: i.member.email,
    )
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slots = [
        InterviewSlot.objects.create(
            campaign=campaign, starts_at=start, minutes=30, place="Sølvberget, rom 2"
        ),
        InterviewSlot.objects.create(
            campaign=campaign,
            starts_at=start + timedelta(hours=1),
            minutes=30,
            video_url="https://video.example.no/rom",
        ),
        InterviewSlot.objects.create(
            campaign=campaign,
            starts_at=start + timedelta(days=1),
            minutes=60,
            place="Sølvberget, verkstedet",
            capacity=3,
        ),
    ]
    return Study(site, project, guide, campaign, members, invitations, slots, interview_text)


@pytest.fixture
def study(library_a, admin_user):
    return interview_study(library_a, admin_user)


def interview_quote_report(study: Study, excerpt):
    """A findings report in the study's project quoting ``excerpt``, with a methods section."""
    from research.models import FindingsReportPage

    report = FindingsReportPage(
        title="Funn fra intervjuene",
        slug="funn-intervju",
        body=[
            {"type": "text", "value": "<h2>Hva vi hørte</h2>"},
            {"type": "interview_quote", "value": {"excerpt": excerpt.pk}},
            {"type": "methods", "value": {"note": ""}},
        ],
    )
    study.project.add_child(instance=report)
    return report
