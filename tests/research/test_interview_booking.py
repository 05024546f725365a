"""Interview booking: the invitation reaches only members who agreed to interviews, the
personal link opens the booking page, a time is booked, moved and cancelled with calendar
files, one place is never booked twice, reminders go once, no-shows count in governance,
and withdrawing the interview consent deletes the notes."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from panel.models import Campaign, ConsentText, Invitation
from panel.services import campaign_launch, invitation_send, invitation_token
from research.interviews.services import (
    SlotTaken,
    interview_attendance_mark,
    interview_book,
    interview_mail_send,
    interview_note_save,
    interview_reminder_send,
    interview_reminders_due,
)
from research.models import InterviewBooking, InterviewNote, InterviewParticipant


def _url(invitation, name="interview_booking"):
    return reverse(name, args=[invitation_token(invitation.pk)])


def _ics(message):
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    return Calendar.from_ical(attachment[1])


def test_only_members_who_agreed_to_interviews_are_invited_and_the_link_books(study, client):
    assert len(study.invitations) == 3  # the fourth member gave no interview consent
    assert study.members[3].pk not in {i.member_id for i in study.invitations}
    invitation = study.invitations[0]
    assert invitation_send(invitation_id=invitation.pk) == "sent"
    (message,) = mail.outbox
    assert "intervju" in message.subject.lower()
    assert "Studentintervju" in message.body
    link = message.body.split("/panel/inv/")[1].split()[0]
    response = client.get(f"/panel/inv/{link}", HTTP_HOST="localhost")
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_HOST="localhost")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Bestill et intervju" in html or "Book an interview" in html
    assert html.count('type="radio"') == 3


def test_book_confirm_with_calendar_file_move_and_cancel(study, client):
    invitation = study.invitations[0]
    one, two, _group = study.slots
    response = client.post(_url(invitation), {"slot": one.pk}, HTTP_HOST="localhost")
    assert response.status_code == 302 and "done=booked" in response["Location"]
    booking = InterviewBooking.objects.get(status="booked")
    participant = booking.participant
    assert participant.code == "P-001"
    assert participant.consent.text_id == study.interview_text.pk
    invitation.refresh_from_db()
    assert invitation.completed_at is not None  # no "please book" reminder any more

    assert interview_mail_send(booking_id=booking.pk, kind="booked")
    calendar = _ics(mail.outbox[-1])
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert event.decoded("DTSTART") == one.starts_at
    assert event.decoded("DTEND") == one.starts_at + timedelta(minutes=30)
    assert "Sølvberget, rom 2" in str(event["LOCATION"])
    uid = str(event["UID"])

    page = client.get(_url(invitation), HTTP_HOST="localhost").content.decode()
    assert "Sølvberget, rom 2" in page and "kalender.ics" in page
    ics = client.get(_url(invitation, "interview_booking_calendar"), HTTP_HOST="localhost")
    assert ics["Content-Type"] == "text/calendar"
    assert str(Calendar.from_ical(ics.content).walk("VEVENT")[0]["UID"]) == uid

    response = client.post(_url(invitation), {"slot": two.pk}, HTTP_HOST="localhost")
    assert "done=moved" in response["Location"]
    moved = InterviewBooking.objects.get(status="booked")
    assert moved.slot == two and moved.sequence == 1
    assert InterviewBooking.objects.get(pk=booking.pk).status == "cancelled"
    assert interview_mail_send(booking_id=moved.pk, kind="rescheduled")
    assert not interview_mail_send(booking_id=booking.pk, kind="booked")  # moved since
    (event,) = _ics(mail.outbox[-1]).walk("VEVENT")
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == two.starts_at

    assert client.get(_url(invitation, "interview_booking_cancel"), HTTP_HOST="localhost")
    assert InterviewBooking.objects.filter(status="booked").count() == 1  # GET only asks
    client.post(_url(invitation, "interview_booking_cancel"), HTTP_HOST="localhost")
    moved.refresh_from_db()
    assert moved.status == "cancelled"
    assert interview_mail_send(booking_id=moved.pk, kind="cancelled")
    calendar = _ics(mail.outbox[-1])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_a_taken_place_gives_a_clear_message_and_keeps_the_page(study, client):
    first, second = study.invitations[:2]
    one = study.slots[0]
    client.post(_url(first), {"slot": one.pk}, HTTP_HOST="localhost")
    # The second member loaded the page before: they still post the same time.
    response = client.post(_url(second), {"slot": one.pk}, HTTP_HOST="localhost")
    assert response.status_code == 409
    html = response.content.decode()
    assert "error-summary" in html
    assert "booket den tiden" in html or "booked that time" in html
    assert InterviewBooking.objects.filter(slot=one).count() == 1
    assert html.count('type="radio"') == 2  # the taken time is gone from the list


def test_group_time_takes_as_many_as_it_has_places(study):
    group = study.slots[2]
    for invitation in study.invitations:
        interview_book(invitation=invitation, slot_id=group.pk)
    assert sorted(group.bookings.values_list("seat", flat=True)) == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_two_members_at_the_same_moment_get_one_booking_and_one_slot_taken(library_a, admin_user):
    from tests.interviewdata import interview_study

    study = interview_study(library_a, admin_user)
    slot = study.slots[0]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(invitation):
        try:
            barrier.wait()
            interview_book(invitation=invitation, slot_id=slot.pk)
            outcomes.append("booked")
        except SlotTaken:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(i,)) for i in study.invitations[:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked", "taken"]
    assert InterviewBooking.objects.filter(slot=slot, status="booked").count() == 1


def test_a_new_interview_consent_text_is_asked_for_and_errors_keep_the_choice(study, client):
    ConsentText.objects.create(
        library=study.site,
        purpose="interviews",
        text_nb="Nye vilkår for intervju.",
        text_en="New interview terms.",
    )
    invitation = study.invitations[0]
    slot = study.slots[1]
    page = client.get(_url(invitation), HTTP_HOST="localhost").content.decode()
    assert "Nye vilkår for intervju." in page
    response = client.post(_url(invitation), {"slot": slot.pk}, HTTP_HOST="localhost")
    html = response.content.decode()
    assert response.status_code == 200 and "error-summary" in html and 'href="#consent"' in html
    assert f'value="{slot.pk}" id="slot-{slot.pk}" checked' in html
    assert not InterviewBooking.objects.exists()
    client.post(_url(invitation), {"slot": slot.pk, "consent": "yes"}, HTTP_HOST="localhost")
    participant = InterviewParticipant.objects.get()
    assert participant.consent.text.version == 2


def test_reminder_the_day_before_goes_once(study):
    invitation = study.invitations[0]
    booking = interview_book(invitation=invitation, slot_id=study.slots[0].pk)
    start = study.slots[0].starts_at
    assert interview_reminders_due(now=start - timedelta(hours=30)) == []
    due = interview_reminders_due(now=start - timedelta(hours=20))
    assert due == [str(booking.pk)]
    assert interview_reminder_send(booking_id=booking.pk)
    assert not interview_reminder_send(booking_id=booking.pk)
    assert interview_reminders_due(now=start - timedelta(hours=20)) == []
    assert "Påminnelse" in mail.outbox[-1].subject or "Reminder" in mail.outbox[-1].subject


def test_no_shows_count_in_the_contact_rules(study, admin_user, settings):
    settings.INNSIKT_INTERVIEW_MAX_NO_SHOWS = 1
    settings.INNSIKT_CONTACT_COOLDOWN_DAYS = 0
    booking = interview_book(invitation=study.invitations[0], slot_id=study.slots[0].pk)
    with pytest.raises(ValidationError):
        interview_attendance_mark(booking=booking, attended=False)
    booking.slot.starts_at = timezone.now() - timedelta(hours=1)
    booking.slot.save()
    interview_attendance_mark(booking=booking, attended=False)
    assert Invitation.objects.get(pk=study.invitations[0].pk).no_show_at is not None
    again = Campaign.objects.create(
        library=study.site,
        name="Runde 2",
        kind=Campaign.Kind.INTERVIEW,
        guide=study.guide,
        segment=study.campaign.segment,
        starts_at=timezone.now(),
    )
    assert campaign_launch(campaign=again, user=admin_user) == 2  # the no-show is left out


def test_my_data_export_holds_interview_bookings_and_notes(study):
    from panel.services import member_export

    invitation = study.invitations[0]
    booking = interview_book(invitation=invitation, slot_id=study.slots[0].pk)
    interview_note_save(
        participant=booking.participant, question_key="x", text="Hun låner sjelden.", user=None
    )
    export = member_export(member=invitation.member)
    assert export["interview_bookings"][0]["status"] == "booked"
    assert export["interview_bookings"][0]["place"] == "Sølvberget, rom 2"
    assert export["interview_notes"] == [
        {
            "question": "x",
            "note": "Hun låner sjelden.",
            "updated": export["interview_notes"][0]["updated"],
        }
    ]


@pytest.mark.django_db(transaction=True)
def test_withdrawal_on_commit_deletes_notes_and_my_data_lists_bookings(library_a, admin_user):
    from django.test import Client

    from panel.services import consent_withdraw, my_data_token
    from tests.interviewdata import interview_study

    study = interview_study(library_a, admin_user)
    invitation = study.invitations[0]
    booking = interview_book(invitation=invitation, slot_id=study.slots[0].pk)
    interview_note_save(
        participant=booking.participant, question_key="x", text="Hun låner sjelden.", user=None
    )
    client = Client(HTTP_HOST="localhost")
    client.get(reverse("panel_my_data_signin", args=[my_data_token(invitation.member)]))
    client.post(reverse("panel_my_data_signin", args=[my_data_token(invitation.member)]))
    page = client.get(reverse("panel_my_data")).content.decode()
    when = timezone.localtime(study.slots[0].starts_at).strftime("%Y-%m-%d %H:%M")
    assert when in page and "Sølvberget, rom 2" in page
    assert consent_withdraw(member=invitation.member, purpose="interviews")
    assert not InterviewNote.objects.exists()
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_new_panel_terms_are_asked_for_before_booking(study, client):
    ConsentText.objects.create(
        library=study.site, purpose="panel", text_nb="Nye panelvilkår.", text_en="New terms."
    )
    url = reverse("panel_invitation", args=[invitation_token(study.invitations[0].pk)])
    page = client.get(url, HTTP_HOST="localhost").content.decode()
    assert "Nye panelvilkår." in page and ("velg en tid" in page or "choose a time" in page)
    response = client.post(url, {"agree": "yes"}, HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"] == _url(study.invitations[0])
