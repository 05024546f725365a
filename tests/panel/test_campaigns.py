"""Campaigns: governance decides who is invited, each invitation is claimed and sent once,
the link opens the survey under the member's pseudonym, an answer completes the invitation,
reminders go only to those who have not answered, one-click unsubscribe works."""

import re
from datetime import time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from panel.models import (
    Campaign,
    ConsentRecord,
    ConsentText,
    Invitation,
    PanelMember,
    Reminder,
    Segment,
)
from panel.services import (
    campaign_launch,
    invitation_send,
    next_send_time,
    reminder_send,
    reminders_dispatch,
)
from surveys.models import Channel, Response
from tests import factories
from tests.wizard import Walk


@pytest.fixture
def campaign(library_a, admin_user):
    site = Site.objects.get(root_page=library_a)
    text = ConsentText.objects.create(library=site, purpose="panel", text_nb="Ja", text_en="Yes")
    survey = factories.survey(
        library_a, factories.BRANCHING, slug="panelsurvey", one_response_per_browser=False
    )
    members = {}
    for name in ("kari", "ola", "per", "bounced", "noconsent"):
        member = PanelMember.objects.create(
            library=site,
            email=f"{name}@example.no",
            status="active",
            age_band="20-24",
            attributes={"student": "yes"},
        )
        if name != "noconsent":
            ConsentRecord.objects.create(member=member, purpose="panel", text=text, given=True)
        members[name] = member
    PanelMember.objects.filter(email="bounced@example.no").update(bounced_at=timezone.now())
    segment = Segment.objects.create(
        library=site,
        name="Studenter",
        rules=[
            {"type": "rule", "value": {"field": "student", "operator": "equals", "value": "yes"}}
        ],
    )
    campaign = Campaign.objects.create(
        library=site,
        name="Høst",
        survey=survey,
        segment=segment,
        starts_at=timezone.now() - timedelta(hours=1),
        window_start=time(0, 0),
        window_end=time(23, 59),
        remind_after_days=3,
        max_reminders=1,
        created_by=admin_user,
    )
    return campaign, members


def test_launch_invites_only_eligible_members_once(
    campaign, admin_user, django_capture_on_commit_callbacks
):
    campaign, _members = campaign
    with django_capture_on_commit_callbacks(execute=False):
        assert campaign_launch(campaign=campaign, user=admin_user) == 3
    invited = set(Invitation.objects.values_list("member__email", flat=True))
    assert invited == {"kari@example.no", "ola@example.no", "per@example.no"}
    with django_capture_on_commit_callbacks(execute=False):
        assert campaign_launch(campaign=campaign, user=admin_user) == 0  # idempotent
    assert Invitation.objects.count() == 3


def test_cooldown_keeps_recently_invited_members_out_unless_overridden(
    campaign, admin_user, django_capture_on_commit_callbacks
):
    campaign, _members = campaign
    with django_capture_on_commit_callbacks(execute=False):
        campaign_launch(campaign=campaign, user=admin_user)
    second = Campaign.objects.create(
        library=campaign.library,
        name="Vinter",
        survey=campaign.survey,
        segment=campaign.segment,
        starts_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=False):
        assert campaign_launch(campaign=second, user=admin_user) == 0
    second.override_reason = "Kort frist fra ledelsen"
    second.save()
    with django_capture_on_commit_callbacks(execute=False):
        assert campaign_launch(campaign=second, user=admin_user) == 3


def test_send_claims_once_answer_completes_and_reminds_only_the_rest(
    campaign, admin_user, django_capture_on_commit_callbacks
):
    campaign, members = campaign
    with django_capture_on_commit_callbacks(execute=False):
        campaign_launch(campaign=campaign, user=admin_user)
    ids = list(Invitation.objects.values_list("pk", flat=True))
    for invitation_id in ids:
        assert invitation_send(invitation_id=invitation_id) == "sent"
        assert invitation_send(invitation_id=invitation_id) == "sent"  # no second mail
    assert len(mail.outbox) == 3
    kari_mail = next(m for m in mail.outbox if m.to == ["kari@example.no"])
    assert kari_mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(r"http://localhost(/panel/inv/\S+/)", kari_mail.body).group(1)

    browser = Client(HTTP_HOST="localhost")
    survey_url = browser.get(link)["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        Walk(browser, survey_url).open().submit({"card": "no", "why": "topic"}).submit(
            {"satisfied": "4"}
        )
    response = Response.objects.get()
    assert response.pseudonym == members["kari"].pseudonym
    assert str(members["kari"].pk) not in str(response.__dict__)
    kari_invitation = Invitation.objects.get(member=members["kari"])
    assert kari_invitation.completed_at is not None
    assert (
        "already answered" in browser.get(link).content.decode()
        or "allerede svart" in browser.get(link).content.decode()
    )

    later = timezone.now() + timedelta(days=4)
    ready = reminders_dispatch(now=later)
    reminded = {Reminder.objects.get(pk=pk).invitation_id for pk in ready}
    assert kari_invitation.pk not in reminded and len(ready) == 2
    for reminder_id in ready:
        assert reminder_send(reminder_id=reminder_id, now=later) == "sent"
        assert reminder_send(reminder_id=reminder_id, now=later) == "sent"  # no second mail
    assert len(mail.outbox) == 5
    assert reminders_dispatch(now=later + timedelta(days=10)) == []  # max one reminder


def test_one_click_unsubscribe_by_post_without_csrf(
    campaign, admin_user, django_capture_on_commit_callbacks
):
    campaign, members = campaign
    with django_capture_on_commit_callbacks(execute=False):
        campaign_launch(campaign=campaign, user=admin_user)
    invitation_send(invitation_id=Invitation.objects.get(member=members["ola"]).pk)
    url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").split("localhost")[1]
    client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
    assert client.get(url).status_code == 200
    assert PanelMember.objects.get(pk=members["ola"].pk).status == "active"
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert PanelMember.objects.get(pk=members["ola"].pk).status == "left"
    assert ConsentRecord.objects.filter(member=members["ola"], given=False).exists()


def test_window_and_start(campaign):
    campaign, _members = campaign
    campaign.window_start, campaign.window_end = time(9, 0), time(20, 0)
    campaign.starts_at = timezone.now() - timedelta(days=2)
    night = timezone.localtime().replace(hour=22, minute=0)
    send = timezone.localtime(next_send_time(campaign, night))
    assert (send.hour, send.minute) == (9, 0) and send.date() > night.date()
    morning = night.replace(hour=7)
    assert timezone.localtime(next_send_time(campaign, morning)).hour == 9


def test_campaign_page_shows_progress_and_launches_for_own_staff(
    client, campaign, library_b, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    campaign, _members = campaign
    url = reverse("panel_campaign", args=[campaign.pk])
    client.force_login(factories.researcher("forsker-b", library_b))
    assert client.get(url).status_code == 404
    client.force_login(factories.researcher("forsker-a", campaign.library.root_page))
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url, {"launch": "yes"})
    html = client.get(url).content.decode()
    assert '<dd id="invited">3</dd>' in html and '<dd id="queued">3</dd>' in html
    listing = client.get(reverse("wagtailsnippets_panel_campaign:list")).content.decode()
    assert "Høst" in listing


def test_smtp_down_requeues_then_fails_visibly(
    campaign, admin_user, settings, django_capture_on_commit_callbacks
):
    import socket

    from panel.services import MAX_ATTEMPTS

    campaign, members = campaign
    with django_capture_on_commit_callbacks(execute=False):
        campaign_launch(campaign=campaign, user=admin_user)
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    invitation = Invitation.objects.get(member=members["kari"])
    for attempt in range(1, MAX_ATTEMPTS):
        with pytest.raises(OSError):
            invitation_send(invitation_id=invitation.pk)
        invitation.refresh_from_db()
        assert (invitation.state, invitation.attempts) == ("queued", attempt)
        assert invitation.last_error
    assert invitation_send(invitation_id=invitation.pk) == "failed"
    assert Invitation.objects.get(pk=invitation.pk).state == "failed"

    # The campaign's page names the error and offers to send the failed ones again.
    client = Client()
    client.force_login(admin_user)
    page = client.get(reverse("panel_campaign", args=[campaign.pk])).content.decode()
    assert 'id="failures"' in page and "Connection refused" in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("panel_campaign", args=[campaign.pk]), {"retry": "yes"})
    assert len(queued) == 1  # one chunk handed to the workers
    assert Invitation.objects.get(pk=invitation.pk).attempts == 0
    assert invitation_send(invitation_id=invitation.pk) == "sent"  # what the worker does
    assert [m.to for m in mail.outbox] == [["kari@example.no"]]


def test_new_material_consent_text_is_asked_for_before_the_survey(
    campaign, admin_user, django_capture_on_commit_callbacks
):
    campaign, members = campaign
    v2 = ConsentText.objects.create(
        library=campaign.library,
        purpose="panel",
        material=True,
        text_nb="Nye vilkår: høyst fire e-poster i året.",
        text_en="New terms.",
    )
    assert v2.version == 2
    with django_capture_on_commit_callbacks(execute=False):
        campaign_launch(campaign=campaign, user=admin_user)
    assert Invitation.objects.filter(reconsent=True).count() == 3
    links = {}
    for invitation in Invitation.objects.select_related("member"):
        invitation_send(invitation_id=invitation.pk)
        links[invitation.member.email] = re.search(
            r"http://localhost(/panel/inv/\S+/)", mail.outbox[-1].body
        ).group(1)
    browser = Client(HTTP_HOST="localhost")
    page = browser.get(links["kari@example.no"]).content.decode()
    assert "Nye vilkår: høyst fire e-poster i året." in page
    response = browser.post(links["kari@example.no"], {"agree": "yes"})
    assert response.status_code == 302 and response["Location"].endswith("/panelsurvey/")
    latest = ConsentRecord.objects.filter(member=members["kari"]).latest("at")
    assert (latest.text.version, latest.given) == (2, True)
    browser.post(links["ola@example.no"], {"agree": "no"})
    assert PanelMember.objects.get(pk=members["ola"].pk).status == "left"


def test_a_dead_workers_claim_is_taken_over_after_the_lease(
    campaign, admin_user, django_capture_on_commit_callbacks
):
    from panel.services import claim_lease, invitations_pending

    campaign, members = campaign
    with django_capture_on_commit_callbacks(execute=False):
        campaign_launch(campaign=campaign, user=admin_user)
    stuck = Invitation.objects.get(member=members["kari"])
    Invitation.objects.filter(pk=stuck.pk).update(
        state="sending", claimed_at=timezone.now() - claim_lease() / 2
    )
    now = timezone.now()
    assert str(stuck.pk) not in invitations_pending(campaign=campaign, now=now)
    assert invitation_send(invitation_id=stuck.pk) == "sending"  # another worker holds it
    assert len(mail.outbox) == 0
    Invitation.objects.filter(pk=stuck.pk).update(
        claimed_at=timezone.now() - claim_lease() - timedelta(seconds=1)
    )
    assert str(stuck.pk) in invitations_pending(campaign=campaign, now=timezone.now())
    assert invitation_send(invitation_id=stuck.pk) == "sent"
    assert [m.to for m in mail.outbox] == [["kari@example.no"]]


def test_an_invitation_only_survey_opens_from_the_invitation_only(
    campaign, admin_user, django_capture_on_commit_callbacks
):
    """The survey's own address, its channels and a stranger's browser say it is by
    invitation; the invitation's link opens it, and the answer is the member's one."""
    campaign, members = campaign
    survey = campaign.survey
    survey.invitation_only = True
    survey.channels.add(Channel(kind="qr", name="Bokbad"))
    survey.save_revision().publish()
    code = survey.channels.get().code
    with django_capture_on_commit_callbacks(execute=False):
        campaign_launch(campaign=campaign, user=admin_user)
    invitation = Invitation.objects.get(member=members["kari"])
    invitation_send(invitation_id=invitation.pk)
    link = re.search(r"http://localhost(/panel/inv/\S+/)", mail.outbox[-1].body).group(1)

    stranger = Client(HTTP_HOST="localhost")
    for address in (survey.url, f"/s/{code}/", f"/en/s/{code}/"):
        page = stranger.get(address)
        assert page.status_code == 403, address
        assert "csrfmiddlewaretoken" not in page.content.decode()  # no form to send
    html = stranger.get(survey.url).content.decode()
    assert "Denne undersøkelsen er bare for inviterte" in html
    assert "åpne lenken i invitasjonen" in html
    english = stranger.get(f"/en/s/{code}/").content.decode()
    assert "This survey is by invitation" in english
    # Sending the form anyway stores nothing.
    stranger.post(survey.url, {"card": "no", "why": "topic"})
    assert Response.objects.count() == 0

    browser = Client(HTTP_HOST="localhost")
    survey_url = browser.get(link)["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        Walk(browser, survey_url).open().submit({"card": "no", "why": "topic"}).submit(
            {"satisfied": "4"}
        )
    assert list(Response.objects.values_list("pseudonym", flat=True)) == [members["kari"].pseudonym]
    # Once answered, the same browser is not let in again without a new invitation.
    assert browser.get(survey_url).status_code == 403
