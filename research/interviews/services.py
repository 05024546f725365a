"""Interview services: booking (race-free), rescheduling, cancelling, attendance, mail with
calendar files, reminders, notes, coding, and what a withdrawn consent deletes.

Race-free booking: every place of a slot is a seat (1…capacity) and the database refuses
two open bookings of one seat (a partial unique constraint). Booking tries the free seats
in turn inside a savepoint; PostgreSQL makes a second transaction inserting the same seat
wait for the first and then fail, so two members clicking at the same moment get one
booking and one ``SlotTaken`` — never two bookings of a one-person slot.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.queueing import task_enqueue
from panel.models import Campaign, ConsentRecord, ConsentText, Invitation, PanelMember, Purpose
from panel.services import (
    consent_give,
    contact_gate,
    invitation_token,
    library_display_name,
    library_sender,
    member_needs_reconsent,
)

from .calendar import CalendarEvent, event_ics
from .models import (
    Excerpt,
    InterviewBooking,
    InterviewCode,
    InterviewNote,
    InterviewParticipant,
    InterviewSlot,
)
from .selectors import BOOKING_NOTICE

Status = InterviewBooking.Status


class SlotTaken(Exception):
    """Every place of the chosen time was taken (perhaps a moment ago)."""


class BookingClosed(Exception):
    """The member may not book in this campaign now (``reason`` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---- booking ------------------------------------------------------------------------------
def booking_open_reason(invitation: Invitation) -> str:
    """Why this invitation cannot book now ("" when it can): a stable code."""
    member, campaign = invitation.member, invitation.campaign
    if campaign.kind != Campaign.Kind.INTERVIEW:
        return "not-interview"
    if member is None or member.status != PanelMember.Status.ACTIVE:
        return "left"
    if campaign.status != Campaign.Status.RUNNING:
        return "closed"
    latest = member.consents.filter(purpose=Purpose.INTERVIEWS).order_by("-at", "-pk").first()
    if latest is not None and not latest.given:
        return "withdrawn"
    return ""


def interview_consent_needed(member: PanelMember) -> ConsentText | None:
    """The current interview consent text if the member has not agreed to it (or to a
    version since which nothing material changed); else None."""
    return member_needs_reconsent(member=member, purpose=Purpose.INTERVIEWS, unless_given=True)


def _participant(invitation: Invitation, consent: ConsentRecord | None) -> InterviewParticipant:
    """The member's participant row in the campaign, made with the next free code."""
    assert invitation.member is not None
    found = InterviewParticipant.objects.filter(
        campaign=invitation.campaign, member=invitation.member
    ).first()
    if found is not None:
        if consent is not None:
            InterviewParticipant.objects.filter(pk=found.pk).update(consent=consent)
            found.consent = consent
        return found
    if consent is None:
        consent = (
            invitation.member.consents.filter(purpose=Purpose.INTERVIEWS, given=True)
            .order_by("-at", "-pk")
            .first()
        )
    for _attempt in range(20):
        number = (
            InterviewParticipant.objects.filter(campaign=invitation.campaign).aggregate(
                n=Max("number")
            )["n"]
            or 0
        ) + 1
        try:
            with transaction.atomic():
                return InterviewParticipant.objects.create(
                    campaign=invitation.campaign,
                    member=invitation.member,
                    invitation=invitation,
                    number=number,
                    consent=consent,
                )
        except IntegrityError:
            found = InterviewParticipant.objects.filter(
                campaign=invitation.campaign, member=invitation.member
            ).first()
            if found is not None:
                return found
    raise IntegrityError("no free participant code")


def _take_seat(participant: InterviewParticipant, slot: InterviewSlot, sequence: int) -> Any:
    taken = set(
        InterviewBooking.objects.filter(slot=slot)
        .exclude(status=Status.CANCELLED)
        .values_list("seat", flat=True)
    )
    for seat in range(1, slot.capacity + 1):
        if seat in taken:
            continue
        try:
            with transaction.atomic():
                return InterviewBooking.objects.create(
                    participant=participant, slot=slot, seat=seat, sequence=sequence
                )
        except IntegrityError:
            continue  # taken by someone else meanwhile: try the next seat
    raise SlotTaken()


def interview_book(
    *, invitation: Invitation, slot_id: int, consent_text: ConsentText | None = None
) -> InterviewBooking:
    """Book (or move the member's booking to) a place in ``slot_id``. ``consent_text``: the
    interview consent the member just agreed to on the booking page, recorded first.
    Raises BookingClosed, SlotTaken, or ValidationError for a slot not on offer."""
    reason = booking_open_reason(invitation)
    if reason:
        raise BookingClosed(reason)
    member = invitation.member
    assert member is not None
    now = timezone.now()
    slot = InterviewSlot.objects.filter(
        pk=slot_id, campaign=invitation.campaign, starts_at__gt=now + BOOKING_NOTICE
    ).first()
    if slot is None:
        raise ValidationError(_("Choose one of the times on the list."))
    for attempt in range(5):
        try:
            return _book(invitation, member, slot, consent_text, now)
        except OperationalError:
            # SQLite (the embedded default) refuses a second writer that started as a
            # reader ("database is locked") instead of making it wait: try again, and the
            # seat the other booking took is then seen as taken.
            if connection.vendor != "sqlite" or attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _book(
    invitation: Invitation,
    member: PanelMember,
    slot: InterviewSlot,
    consent_text: ConsentText | None,
    now: datetime,
) -> InterviewBooking:
    with transaction.atomic():
        consent = None
        if consent_text is not None:
            consent = consent_give(member=member, text=consent_text, channel="interview-booking")
        participant = _participant(invitation, consent)
        current = (
            InterviewBooking.objects.select_for_update()
            .filter(participant=participant, status=Status.BOOKED)
            .select_related("slot")
            .first()
        )
        if current is not None and current.slot_id == slot.pk:
            return current
        sequence = 0
        if current is not None:
            sequence = current.sequence + 1
            InterviewBooking.objects.filter(pk=current.pk).update(
                status=Status.CANCELLED, cancelled_at=now
            )
        booking = _take_seat(participant, slot, sequence)
        if slot.starts_at - now <= timedelta(hours=24):
            # The confirmation is the reminder: no "tomorrow" mail an hour later.
            InterviewBooking.objects.filter(pk=booking.pk).update(reminded_at=now)
        Invitation.objects.filter(pk=invitation.pk, completed_at__isnull=True).update(
            completed_at=now
        )
        PanelMember.objects.filter(pk=member.pk).update(
            last_active_at=now, retention_notice_at=None
        )
        transaction.on_commit(
            partial(
                task_enqueue,
                "research.tasks.interview_mail_send",
                str(booking.pk),
                "rescheduled" if current else "booked",
            )
        )
    return booking


def interview_cancel(*, booking: InterviewBooking, notify: bool = True) -> bool:
    """Cancel an open booking (frees its place). Idempotent: False if it was not open."""
    with transaction.atomic():
        done = InterviewBooking.objects.filter(pk=booking.pk, status=Status.BOOKED).update(
            status=Status.CANCELLED, cancelled_at=timezone.now(), sequence=booking.sequence + 1
        )
        if done and notify:
            transaction.on_commit(
                partial(
                    task_enqueue, "research.tasks.interview_mail_send", str(booking.pk), "cancelled"
                )
            )
    return bool(done)


def interview_attendance_mark(*, booking: InterviewBooking, attended: bool) -> None:
    """Record that the participant came, or did not (a no-show counts in the panel's
    contact rules through the invitation). Only once the time has begun; changeable."""
    if booking.status == Status.CANCELLED:
        raise ValidationError(_("A cancelled booking has no attendance."))
    if booking.slot.starts_at > timezone.now():
        raise ValidationError(_("Attendance can be marked once the interview has begun."))
    with transaction.atomic():
        InterviewBooking.objects.filter(pk=booking.pk).update(
            status=Status.ATTENDED if attended else Status.NO_SHOW
        )
        invitation_id = booking.participant.invitation_id
        if invitation_id is not None:
            Invitation.objects.filter(pk=invitation_id).update(
                no_show_at=None if attended else timezone.now()
            )


def interview_slots_add(
    *,
    campaign: Campaign,
    first_start: datetime,
    minutes: int,
    count: int,
    gap_minutes: int,
    place: str,
    video_url: str,
    interviewer: Any,
    capacity: int,
) -> list[InterviewSlot]:
    """Add ``count`` consecutive times of ``minutes``, ``gap_minutes`` apart."""
    slots = []
    start = first_start
    for _n in range(count):
        slots.append(
            InterviewSlot(
                campaign=campaign,
                starts_at=start,
                minutes=minutes,
                place=place,
                video_url=video_url,
                interviewer=interviewer,
                capacity=capacity,
            )
        )
        start += timedelta(minutes=minutes + gap_minutes)
    return InterviewSlot.objects.bulk_create(slots)


def interview_slot_delete(*, slot: InterviewSlot) -> None:
    """Delete a time nobody has booked (cancelled bookings of it go with it)."""
    if slot.bookings.exclude(status=Status.CANCELLED).exists():
        raise ValidationError(_("Someone has booked this time. Cancel their booking first."))
    with transaction.atomic():
        slot.bookings.all().delete()
        slot.delete()


# ---- mail -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Mail:
    subject: str
    text: str
    ics: bytes


def booking_manage_url(booking: InterviewBooking) -> str:
    invitation_id = booking.participant.invitation_id
    root = booking.participant.campaign.library.root_url
    return root + reverse("interview_booking", args=[invitation_token(str(invitation_id))])


def booking_event(booking: InterviewBooking) -> CalendarEvent:
    """The calendar event of a participant's interview (stable UID per participant)."""
    participant = booking.participant
    campaign = participant.campaign
    library = campaign.library
    slot = booking.slot
    name, address = library_display_name(library), library_sender(library)
    url = booking_manage_url(booking)
    location = ", ".join(v for v in (slot.place, slot.video_url) if v)
    return CalendarEvent(
        uid=f"interview-{participant.pk}-{campaign.pk}@innsikt",
        sequence=booking.sequence,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        summary=_("Interview: %(topic)s") % {"topic": campaign.topic.localized.title},
        description=_("Change or cancel: %(url)s") % {"url": url},
        location=location,
        url=url,
        organizer_name=name,
        organizer_email=address.rsplit("<", 1)[-1].rstrip(">").strip(),
        stamp=timezone.now(),
    )


def _booking_mail(booking: InterviewBooking, kind: str) -> _Mail:
    participant = booking.participant
    campaign = participant.campaign
    slot = booking.slot
    context = {
        "kind": kind,
        "topic": campaign.topic.localized.title,
        "library": library_display_name(campaign.library),
        "starts_at": timezone.localtime(slot.starts_at),
        "ends_at": timezone.localtime(slot.ends_at),
        "minutes": slot.minutes,
        "place": slot.place,
        "video_url": slot.video_url,
        "url": booking_manage_url(booking),
    }
    subject = render_to_string("research/interviews/email/booking_subject.txt", context).strip()
    text = render_to_string("research/interviews/email/booking.txt", context)
    ics = event_ics(booking_event(booking), cancelled=kind == "cancelled")
    return _Mail(subject, text, ics)


# What happened to a booking: the mail answering it is the member's own business (a reply
# to their booking, or the notice of a change), sent without the contact rules. The
# day-before reminder is not among them: it goes through interview_reminder_send, which
# asks the rules.
BOOKING_NOTICES = ("booked", "rescheduled", "cancelled")


def interview_mail_send(*, booking_id: UUID | str, kind: str) -> bool:
    """E-mail the participant about their booking: "booked", "rescheduled" or
    "cancelled", with the calendar file. Sends nothing for a booking that changed since
    (a confirmation of a booking already moved again). Raises ValueError for another
    kind."""
    if kind not in BOOKING_NOTICES:
        raise ValueError(f"not a booking notice: {kind!r}")
    return _booking_mail_send(booking_id, kind)


def _booking_mail_send(booking_id: UUID | str, kind: str) -> bool:
    """Send the booking's mail of ``kind``: a notice, or the reminder the rules allowed."""
    booking = (
        InterviewBooking.objects.select_related(
            "slot", "participant__member__library", "participant__campaign__library"
        )
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        return False
    wanted = Status.CANCELLED if kind == "cancelled" else Status.BOOKED
    if booking.status != wanted:
        return False
    member = booking.participant.member
    with translation.override(member.language):
        mail = _booking_mail(booking, kind)
        message = EmailMultiAlternatives(
            mail.subject, mail.text, library_sender(member.library), [member.email]
        )
    method = "CANCEL" if kind == "cancelled" else "PUBLISH"
    # Django adds the charset itself (a second one would repeat the parameter).
    message.attach("intervju.ics", mail.ics, f"text/calendar; method={method}")
    message.send()
    return True


def interview_reminders_due(*, now: datetime) -> list[str]:
    """Open bookings whose interview begins within 24 hours and that had no reminder."""
    return [
        str(pk)
        for pk in InterviewBooking.objects.filter(
            status=Status.BOOKED,
            reminded_at__isnull=True,
            slot__starts_at__gt=now,
            slot__starts_at__lte=now + timedelta(hours=24),
        ).values_list("pk", flat=True)
    ]


def interview_reminder_send(*, booking_id: UUID | str) -> bool:
    """The day-before reminder, at most once (claimed by a conditional UPDATE first), and
    only if the contact rules allow it now (panel.services.contact_gate): a member who
    withdrew the interview consent, left, went on the do-not-contact list or bounced gets
    none, and the rules' reason is kept on the booking. Outside the campaign's sending
    window nothing is claimed: the next dispatch (every 15 minutes) tries again."""
    booking = (
        InterviewBooking.objects.select_related("participant__campaign__library")
        .filter(pk=booking_id, status=Status.BOOKED, reminded_at__isnull=True)
        .first()
    )
    if booking is None:
        return False
    participant = booking.participant
    decision = contact_gate(
        campaign=participant.campaign, members=[participant.member_id], kind="booking"
    ).get(participant.member_id)
    if decision is not None and decision.later:
        InterviewBooking.objects.filter(pk=booking.pk).update(reminder_reason=decision.reason)
        return False
    claimed = InterviewBooking.objects.filter(
        pk=booking_id, status=Status.BOOKED, reminded_at__isnull=True
    ).update(reminded_at=timezone.now(), reminder_reason=decision.reason if decision else "gone")
    if not claimed or decision is None or not decision.allowed:
        return False
    try:
        return _booking_mail_send(booking_id, "reminder")
    except OSError:
        # Not sent: release the claim so the retried task sends it.
        InterviewBooking.objects.filter(pk=booking_id).update(reminded_at=None)
        raise


# ---- notes and coding ---------------------------------------------------------------------
def interview_note_save(
    *, participant: InterviewParticipant, question_key: str, text: str, user: Any
) -> InterviewNote:
    """Save the note under one guide question (an empty text keeps the row: its excerpts
    stay until they are deleted)."""
    note, _created = InterviewNote.objects.update_or_create(
        participant=participant,
        question_key=question_key,
        defaults={"text": text.replace("\r\n", "\n"), "updated_by": user},
    )
    return note


def excerpt_create(
    *, note: InterviewNote, text: str, codes: list[InterviewCode], quotable: bool, user: Any
) -> Excerpt:
    """Tag a passage of a note with codes. The passage must be part of the note."""
    passage = text.strip()
    if not passage:
        raise ValidationError(_("Copy the passage from the note into the field."))
    if passage not in note.text:
        raise ValidationError(_("The passage must be copied exactly from the note."))
    library_id = note.participant.campaign.library_id
    if any(code.library_id != library_id for code in codes):
        raise ValidationError(_("Choose codes from this library's codebook."))
    if not codes and not quotable:
        raise ValidationError(_("Choose at least one code, or mark the passage as a quote."))
    excerpt = Excerpt.objects.create(note=note, text=passage, quotable=quotable, created_by=user)
    excerpt.codes.set(codes)
    return excerpt


def interview_data_withdraw(*, member_id: UUID) -> int:
    """The member withdrew their interview consent: delete every note (and the excerpts
    and quotes made from them) and cancel their open bookings. Returns notes deleted."""
    participants = InterviewParticipant.objects.filter(member_id=member_id)
    for booking in InterviewBooking.objects.filter(
        participant__in=participants, status=Status.BOOKED
    ).select_related("participant"):
        interview_cancel(booking=booking)
    _total, per_model = InterviewNote.objects.filter(participant__in=participants).delete()
    return per_model.get(InterviewNote._meta.label, 0)


def member_interview_data(member: PanelMember) -> dict[str, list[dict[str, Any]]]:
    """A member's interview bookings and notes, for their right of access (my data)."""
    bookings = []
    for booking in (
        InterviewBooking.objects.filter(participant__member=member)
        .select_related("slot", "participant__campaign__library")
        .order_by("slot__starts_at")
    ):
        bookings.append(
            {
                "when": timezone.localtime(booking.slot.starts_at).strftime("%Y-%m-%d %H:%M"),
                "minutes": booking.slot.minutes,
                "place": booking.slot.place,
                "video_url": booking.slot.video_url,
                "status": booking.status,
                "status_label": str(booking.get_status_display()),
                "booked": booking.created_at.isoformat(),
                "manage_url": booking_manage_url(booking)
                if booking.status == Status.BOOKED
                else "",
            }
        )
    notes = [
        {"question": key, "note": text, "updated": updated.isoformat()}
        for key, text, updated in InterviewNote.objects.filter(
            participant__member=member
        ).values_list("question_key", "text", "updated_at")
    ]
    passages = [
        {
            "passage": excerpt.text,
            "codes": [code.path for code in excerpt.codes.all()],
            "may_be_quoted": excerpt.quotable,
            "at": excerpt.created_at.isoformat(),
        }
        for excerpt in Excerpt.objects.filter(note__participant__member=member)
        .prefetch_related("codes__parent__parent")
        .order_by("created_at", "pk")
    ]
    participants = [
        {"round": campaign, "code": f"P-{number:03d}"}
        for campaign, number in InterviewParticipant.objects.filter(member=member).values_list(
            "campaign__name", "number"
        )
    ]
    return {
        "interview_participation": participants,
        "interview_bookings": bookings,
        "interview_notes": notes,
        "interview_passages": passages,
    }
