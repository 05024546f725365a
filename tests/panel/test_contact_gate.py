"""One contact gate on every send (DESIGN.md C16).

Every function of the project that sends mail either asks the contact rules
(panel.services.contact.contact_gate) right before sending, or is a listed exception
answering the member's own action; the walk over the source finds a new sender that does
neither. Each gated sender is then run with a member whose situation changed after the
campaign's launch — consent withdrawn for the purpose, put on the do-not-contact list,
left, bounced — and must send nothing and record why.
"""

import ast
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from panel.models import (
    Campaign,
    CampaignOverride,
    ConsentRecord,
    ConsentText,
    ContactBlock,
    Invitation,
    PanelMember,
    Reminder,
    Segment,
)
from panel.selectors import contact_reason_label
from panel.services import (
    campaign_launch,
    consent_withdraw,
    invitation_send,
    member_bounce_record,
    member_contact_block,
    member_export,
    member_unsubscribe,
    reminder_send,
    reminders_dispatch,
)
from research.interviews.services import interview_mail_send, interview_reminder_send
from research.models import InterviewBooking, InterviewParticipant
from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
APPS = ("cms", "surveys", "panel", "research")
# Functions that send mail without the contact rules, and why: each answers the member's
# own action or tells them what they must know (docs/privacy.md lists them).
UNGATED = {
    "panel/services/signup.py:signup_confirmation_send": "confirms the member's own sign-up",
    "panel/services/my_data.py:my_data_link_send": "the member asked for the link",
    "panel/services/retention.py:_retention_notice_send": "the notice before their data ends",
    "research/interviews/services.py:interview_mail_send": "their booking, changed or cancelled",
    "cms/mail.py:send_recorded": "the transport every sender uses",
}


def _sends(node: ast.AST) -> bool:
    """Does this function send mail: ``send_recorded(…)``, or ``.send()`` with no
    arguments (a message's; a signal's ``send`` takes a sender)?"""
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        if isinstance(func, ast.Name) and func.id == "send_recorded":
            return True
        message_send = isinstance(func, ast.Attribute) and func.attr == "send"
        if message_send and not (call.args or call.keywords):
            return True
    return False


def _called(node: ast.AST) -> set[str]:
    return {
        getattr(c.func, "id", getattr(c.func, "attr", ""))
        for c in ast.walk(node)
        if isinstance(c, ast.Call)
    }


def _gates(name: str, calls: dict[str, set[str]], seen: frozenset[str] = frozenset()) -> bool:
    """Does the function ask contact_gate, itself or through one of its module it calls?"""
    if "contact_gate" in calls[name]:
        return True
    return any(
        _gates(callee, calls, seen | {name})
        for callee in calls[name]
        if callee in calls and callee not in seen
    )


def _covered(
    path: str, name: str, calls: dict[str, set[str]], seen: frozenset[str] = frozenset()
) -> bool:
    """Gated, a listed exception, or called only by covered functions of its module."""
    if f"{path}:{name}" in UNGATED or _gates(name, calls):
        return True
    callers = [c for c, called in calls.items() if name in called and c != name]
    return bool(callers) and all(
        _covered(path, caller, calls, seen | {name}) for caller in callers if caller not in seen
    )


def _senders() -> dict[str, bool]:
    """Every function of the apps that sends mail, and whether it is covered."""
    found: dict[str, bool] = {}
    for app in APPS:
        for file in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in file.parts:
                continue
            tree = ast.parse(file.read_text())
            functions = {
                node.name: node
                for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            }
            calls = {name: _called(node) for name, node in functions.items()}
            path = file.relative_to(ROOT).as_posix()
            for name, node in functions.items():
                if _sends(node):
                    found[f"{path}:{name}"] = _covered(path, name, calls)
    return found


def test_every_sender_asks_the_contact_gate_or_is_a_listed_exception():
    senders = _senders()
    assert {name for name, ok in senders.items() if not ok} == set()
    # The walk finds the senders it must, and every listed exception still exists.
    for expected in (
        "panel/services/sending.py:invitations_send",
        "panel/services/sending.py:reminder_send",
        "research/interviews/services.py:_booking_mail_send",
        "panel/services/signup.py:signup_confirmation_send",
        "panel/services/my_data.py:my_data_link_send",
        "panel/services/retention.py:_retention_notice_send",
    ):
        assert expected in senders, expected
    for exception in UNGATED:
        path, name = exception.split(":")
        assert f"def {name}(" in (ROOT / path).read_text(), exception


def test_the_booking_notice_path_sends_no_reminder(study):
    with pytest.raises(ValueError):
        interview_mail_send(booking_id=study.slots[0].pk, kind="reminder")


# ---- the gated senders, with a member whose situation changed after the launch ----------


@pytest.fixture
def panel(library_a, admin_user):
    """A library with panel and interview consent texts, one member who gave both, a
    survey campaign and an interview campaign (all-day windows), each launched."""
    site = Site.objects.get(root_page=library_a)
    texts = {
        purpose: ConsentText.objects.create(
            library=site, purpose=purpose, text_nb="Ja", text_en="Yes"
        )
        for purpose in ("panel", "interviews")
    }
    member = PanelMember.objects.create(
        library=site, email="kari@example.no", status="active", age_band="20-24"
    )
    for text in texts.values():
        ConsentRecord.objects.create(member=member, purpose=text.purpose, text=text, given=True)
    segment = Segment.objects.create(library=site, name="Alle")
    survey = factories.survey(library_a, factories.BRANCHING, slug="s")
    common = {
        "library": site,
        "segment": segment,
        "starts_at": timezone.now() - timedelta(hours=1),
        "window_start": time(0, 0),
        "window_end": time(23, 59),
        "remind_after_days": 2,
        "created_by": admin_user,
    }
    survey_campaign = Campaign.objects.create(name="Høst", survey=survey, **common)
    return {"site": site, "member": member, "survey": survey_campaign, "common": common}


def _launched(campaign, admin_user, django_capture_on_commit_callbacks) -> Invitation:
    with django_capture_on_commit_callbacks(execute=False):
        assert campaign_launch(campaign=campaign, user=admin_user) == 1
    return Invitation.objects.get(campaign=campaign)


CHANGES = {
    # change applied to the member → the contact rules' reason (withdrawing the panel
    # consent is leaving the panel: "left"; see SURVEY_REASONS)
    "consent": "no-consent",
    "do_not_contact": "do-not-contact",
    "left": "left",
    "bounced": "bounced",
}


SURVEY_REASONS = {**CHANGES, "consent": "left"}


def _change(member: PanelMember, change: str, purpose: str, staff) -> None:
    if change == "consent":
        consent_withdraw(member=member, purpose=purpose)
    elif change == "do_not_contact":
        member_contact_block(member=member, blocked=True, reason="Ringte og ba om ro", staff=staff)
    elif change == "left":
        member_unsubscribe(member=member, channel="test")
    else:
        member_bounce_record(email=member.email)


@pytest.mark.parametrize("change", CHANGES)
def test_an_invitation_is_withheld_when_the_member_changed_since_the_launch(
    panel, change, admin_user, django_capture_on_commit_callbacks
):
    invitation = _launched(panel["survey"], admin_user, django_capture_on_commit_callbacks)
    _change(panel["member"], change, "panel", admin_user)
    assert invitation_send(invitation_id=invitation.pk) == "withheld"
    invitation.refresh_from_db()
    assert (invitation.state, invitation.reason) == ("withheld", SURVEY_REASONS[change])
    assert mail.outbox == []


@pytest.mark.parametrize("change", CHANGES)
def test_a_reminder_is_withheld_when_the_member_changed_since_the_invitation(
    panel, change, admin_user, django_capture_on_commit_callbacks
):
    invitation = _launched(panel["survey"], admin_user, django_capture_on_commit_callbacks)
    assert invitation_send(invitation_id=invitation.pk) == "sent"
    _change(panel["member"], change, "panel", admin_user)
    later = timezone.now() + timedelta(days=3)
    (reminder_id,) = reminders_dispatch(now=later)
    assert reminder_send(reminder_id=reminder_id, now=later) == "withheld"
    reminder = Reminder.objects.get(pk=reminder_id)
    assert (reminder.state, reminder.reason) == ("withheld", SURVEY_REASONS[change])
    assert len(mail.outbox) == 1  # the invitation only
    # A withheld reminder ends the reminders of that invitation.
    assert reminders_dispatch(now=later + timedelta(days=5)) == []


@pytest.mark.parametrize("change", CHANGES)
def test_an_interview_invitation_needs_the_interview_consent_at_sending(
    study, change, admin_user, django_capture_on_commit_callbacks
):
    """Withdrawing the interview consent (not the panel's) stops an interview invitation."""
    invitation = study.invitations[0]
    _change(invitation.member, change, "interviews", admin_user)
    assert invitation_send(invitation_id=invitation.pk) == "withheld"
    invitation.refresh_from_db()
    assert invitation.reason == CHANGES[change]


def _booked_for_tomorrow(study) -> InterviewBooking:
    """The study's first member booked into a time 20 hours from now (a reminder is due)."""
    invitation = study.invitations[0]
    participant = InterviewParticipant.objects.create(
        campaign=study.campaign, member=invitation.member, invitation=invitation, number=1
    )
    slot = study.slots[0]
    slot.starts_at = timezone.now() + timedelta(hours=20)
    slot.save()
    return InterviewBooking.objects.create(participant=participant, slot=slot)


@pytest.mark.parametrize("change", CHANGES)
def test_a_booking_reminder_is_withheld_when_the_member_changed(
    study, change, admin_user, django_capture_on_commit_callbacks
):
    booking = _booked_for_tomorrow(study)
    with django_capture_on_commit_callbacks(execute=False):  # the withdrawal's clean-up waits
        _change(study.invitations[0].member, change, "interviews", admin_user)
    assert not interview_reminder_send(booking_id=booking.pk)
    booking.refresh_from_db()
    assert booking.reminded_at is not None and booking.reminder_reason == CHANGES[change]
    assert mail.outbox == []


def test_a_booking_reminder_goes_out_when_the_rules_allow(study):
    booking = _booked_for_tomorrow(study)
    assert interview_reminder_send(booking_id=booking.pk)
    assert not interview_reminder_send(booking_id=booking.pk)  # once
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [study.invitations[0].member.email]


# ---- the sending window ------------------------------------------------------------------


def test_outside_the_window_an_invitation_and_a_reminder_wait_for_it(
    panel, admin_user, django_capture_on_commit_callbacks
):
    campaign = panel["survey"]
    invitation = _launched(campaign, admin_user, django_capture_on_commit_callbacks)
    now = timezone.localtime()
    closed = now.replace(hour=3, minute=0)  # the window opens at 09:00
    Campaign.objects.filter(pk=campaign.pk).update(window_start=time(9, 0), window_end=time(20))
    from panel.services import contact_gate

    campaign.refresh_from_db()
    decision = contact_gate(
        campaign=campaign, members=[panel["member"].pk], kind="send", now=closed
    )[panel["member"].pk]
    assert decision.later and decision.reason == "outside-window" and not decision.allowed
    # A reminder due at night is kept queued until the window's next opening.
    Campaign.objects.filter(pk=campaign.pk).update(window_start=time(0, 0), window_end=time(23, 59))
    assert invitation_send(invitation_id=invitation.pk) == "sent"
    Campaign.objects.filter(pk=campaign.pk).update(window_start=time(9, 0), window_end=time(20))
    night = (now + timedelta(days=3)).replace(hour=3, minute=0)
    (reminder_id,) = reminders_dispatch(now=night)
    assert reminder_send(reminder_id=reminder_id, now=night) == "queued"
    reminder = Reminder.objects.get(pk=reminder_id)
    assert timezone.localtime(reminder.due_at).hour == 9 and reminder.due_at > night
    assert reminders_dispatch(now=night + timedelta(hours=1)) == []  # not yet due
    morning = reminder.due_at + timedelta(minutes=5)
    assert reminders_dispatch(now=morning) == [reminder_id]
    assert reminder_send(reminder_id=reminder_id, now=morning) == "sent"
    assert len(mail.outbox) == 2


# ---- overrides and the do-not-contact list -----------------------------------------------


def test_an_override_needs_a_reason_kept_on_record_and_frozen_at_launch(
    panel, admin_user, django_capture_on_commit_callbacks
):
    campaign = panel["survey"]
    campaign.override_reason = "Haster"
    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()
    assert "override_reason" in refused.value.message_dict
    campaign.override_reason = "Rådmannen trenger svar før budsjettmøtet 12. mars."
    campaign.full_clean()
    campaign.save()
    _launched(campaign, admin_user, django_capture_on_commit_callbacks)
    record = CampaignOverride.objects.get(campaign=campaign)
    assert (record.reason, record.by) == (campaign.override_reason, admin_user)
    campaign.refresh_from_db()
    campaign.override_reason = "Noe annet enn det som står i loggen."
    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()
    assert "override_reason" in refused.value.message_dict


def test_researchers_put_a_member_on_the_do_not_contact_list_with_a_reason(
    client, panel, researcher_a, researcher_b
):
    member = panel["member"]
    url = reverse("panel_member_contact", args=[member.pk])
    client.force_login(researcher_b)
    assert client.post(url, {"blocked": "yes", "reason": "x"}).status_code == 404
    client.force_login(researcher_a)
    inspect = client.get(reverse("panel_members:inspect", args=[member.pk])).content.decode()
    assert 'id="id_reason"' in inspect
    client.post(url, {"blocked": "yes", "reason": ""})  # no reason: nothing changes
    assert not PanelMember.objects.get(pk=member.pk).do_not_contact
    client.post(url, {"blocked": "yes", "reason": "Ringte og ba om ikke å bli kontaktet."})
    assert PanelMember.objects.get(pk=member.pk).do_not_contact
    client.post(url, {"blocked": "no", "reason": "Ville være med igjen (e-post 3. mai)."})
    assert not PanelMember.objects.get(pk=member.pk).do_not_contact
    records = list(ContactBlock.objects.filter(member=member).values_list("blocked", "staff"))
    assert records == [(True, researcher_a.pk), (False, researcher_a.pk)]
    export = member_export(member=member)
    assert [r["on_the_list"] for r in export["do_not_contact_records"]] == [True, False]


def test_the_campaign_page_says_who_was_not_contacted_and_why(
    client, panel, researcher_a, admin_user, django_capture_on_commit_callbacks
):
    site, campaign = panel["site"], panel["survey"]
    PanelMember.objects.create(
        library=site, email="uten@example.no", status="active", age_band="20-24"
    )  # no consent
    _launched(campaign, admin_user, django_capture_on_commit_callbacks)
    client.force_login(researcher_a)
    html = client.get(reverse("panel_campaign", args=[campaign.pk])).content.decode()
    table = html.split('id="not-contacted"')[1].split("</table>")[0]
    assert f"<td>{contact_reason_label('no-consent')}</td><td>1</td>" in table
