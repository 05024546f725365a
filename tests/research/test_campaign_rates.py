"""Response rates of a panel campaign (issue 19): invited → answered per segment, per
message (invitation e-mail, reminders) and per channel members joined by, on the
campaign's admin page, with counts under k hidden (research.findings.suppression)."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Site
from wagtail.users.models import UserProfile

from panel.models import Campaign, Invitation, PanelMember, Reminder, Segment
from research.findings.response_rates import response_rates
from research.selectors import campaign_response_rates
from tests import factories


def _rule(value):
    return [{"type": "rule", "value": {"field": "student", "operator": "equals", "value": value}}]


@pytest.fixture
def campaign(library_a):
    site = Site.objects.get(root_page=library_a)
    students = factories.panel_members(site, 30, prefix="s", attributes={"student": "yes"})
    others = factories.panel_members(site, 12, prefix="o", attributes={"student": "no"})
    PanelMember.objects.filter(pk__in=students).update(channel="Plakat")
    Segment.objects.create(library=site, name="Alle")
    Segment.objects.create(library=site, name="Studenter", rules=_rule("yes"))
    Segment.objects.create(library=site, name="Ikke studenter", rules=_rule("no"))
    survey = factories.survey(library_a, factories.ALL_TYPES, slug="panelsvar")
    now = timezone.now()
    campaign = Campaign.objects.create(
        library=site,
        name="Høst",
        survey=survey,
        segment=Segment.objects.get(name="Alle"),
        starts_at=now - timedelta(days=10),
        window_start=time(0, 0),
        window_end=time(23, 59),
        max_reminders=1,
        status=Campaign.Status.RUNNING,
    )
    sent, reminded = now - timedelta(days=9), now - timedelta(days=5)

    def invite(member, answered=None):
        return Invitation.objects.create(
            campaign=campaign,
            member_id=member,
            state=Invitation.State.SENT,
            sent_at=sent,
            completed_at=answered,
        )

    for member in students[:15]:  # answered the invitation e-mail
        invite(member, sent + timedelta(hours=2))
    for i, member in enumerate(students[15:]):  # reminded; five answered after it
        invitation = invite(member, reminded + timedelta(hours=1) if i < 5 else None)
        Reminder.objects.create(
            invitation=invitation, number=1, state=Reminder.State.SENT, sent_at=reminded
        )
    for i, member in enumerate(others):  # three answered: fewer than k
        invite(member, sent + timedelta(hours=3) if i < 3 else None)
    Invitation.objects.create(campaign=campaign, state=Invitation.State.FAILED)  # not invited
    return campaign


def _rows(tables):
    return {
        (t.heading, r.label): (r.invited.label, r.completed.label, r.rate)
        for t in tables
        for r in t.rows
    }


@pytest.mark.django_db
def test_rates_per_segment_message_and_channel_with_small_counts_hidden(campaign):
    with translation.override("en"):
        rows = _rows(campaign_response_rates(campaign))
    assert rows["By segment", "Alle"] == ("42", "23", pytest.approx(100 * 23 / 42))
    assert rows["By segment", "Studenter"] == ("30", "20", pytest.approx(100 * 20 / 30))
    # 3 of 12 answered: hidden, and so are the 9 who did not (12 − 9 would give it away).
    assert rows["By segment", "Ikke studenter"] == ("12", "< 5", None)
    assert rows["By message", "Invitation e-mail"] == ("42", "18", pytest.approx(100 * 18 / 42))
    assert rows["By message", "Reminder 1"] == ("15", "5", pytest.approx(100 * 5 / 15))
    assert rows["By how members joined", "Plakat"] == ("30", "20", pytest.approx(200 / 3))
    assert rows["By how members joined", "not recorded"] == ("12", "< 5", None)


@pytest.mark.django_db
def test_campaign_page_shows_the_rates(client, admin_user, campaign):
    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "en"  # the admin speaks its user's language
    profile.save()
    client.force_login(admin_user)
    html = client.get(reverse("panel_campaign", args=[campaign.pk])).content.decode()
    section = html.split('id="response-rates"')[1].split("</section>")[0]
    assert "Studenter" in section and "66.7" in section.replace(",", ".")
    assert "&lt; 5" in section and "Reminder 1" in section


def test_rates_hide_small_groups_and_rates_under_ten_invited():
    table = response_rates("t", [("a", 4, 4), ("b", 8, 6), ("c", 20, 10)], k=5)
    a, b, c = table.rows
    assert a.invited.suppressed and a.rate is None
    assert b.completed.suppressed  # 2 did not answer: hidden, and its partner with it
    assert b.rate is None  # under 10 invited: no rate
    assert c.rate == pytest.approx(50.0) and c.completed.label == "10"
    with pytest.raises(ValueError):
        response_rates("t", [("x", 3, 4)], k=5)
