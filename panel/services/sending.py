"""Sending invitations and reminders, each exactly once (DESIGN.md C6)."""

import smtplib
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from django.core.mail import get_connection
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from cms.mail import send_recorded

from ..models import (
    Campaign,
    Invitation,
    PanelMember,
)
from .campaigns import MAX_ATTEMPTS, claim_lease
from .messages import MailTemplates, invitation_message


class ClaimLost(Exception):
    """Another worker took this invitation over (our lease ran out): do not send it."""


def _permanent(error: OSError) -> bool:
    """An SMTP reply that retrying will not change (5xx), e.g. a refused recipient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _invitation_mark_sent(pk: str, *, claimed_at: datetime) -> bool:
    """Mark a claimed invitation sent, if the claim is still ours; commits at once
    (autocommit). One plain UPDATE: building it with the ORM for every message was a fifth
    of a send's CPU time (bench/panel_send.py)."""
    adapt = connection.ops.adapt_datetimefield_value
    assert Invitation._meta.pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Invitation._meta.db_table} SET state = %s, sent_at = %s "  # noqa: S608
            "WHERE id = %s AND state = %s AND claimed_at = %s",
            [
                Invitation.State.SENT.value,
                adapt(timezone.now()),
                Invitation._meta.pk.get_db_prep_value(pk, connection),
                Invitation.State.SENDING.value,
                adapt(claimed_at),
            ],
        )
        return cursor.rowcount == 1


def invitations_send(*, invitation_ids: Sequence[UUID | str]) -> dict[str, str]:
    """Send a chunk of invitations, each exactly once (DESIGN.md C6), over one connection.

    One conditional UPDATE claims the chunk's invitations that are queued, or held by a
    claim older than the lease (a dead worker's); ids claimed by a live worker, already
    sent or failed are left alone. Each claimed invitation is then recorded as ``sent`` —
    conditionally on this claim — after the SMTP server has the whole message and before
    it accepts it (``cms.mail.send_recorded``), so a worker killed at any point neither
    re-sends an accepted invitation nor loses an unaccepted one. A refused recipient (5xx)
    marks that invitation ``failed``. Any other SMTP error puts every unsent invitation of
    the chunk back in the queue with one more attempt (``failed`` after MAX_ATTEMPTS) and
    is raised, so the task retries with back-off. Returns each id's resulting state."""
    ids = [str(pk) for pk in invitation_ids]
    now = timezone.now()
    Invitation.objects.filter(
        Q(state=Invitation.State.QUEUED)
        | Q(state=Invitation.State.SENDING, claimed_at__lt=now - claim_lease()),
        pk__in=ids,
    ).update(state=Invitation.State.SENDING, claimed_at=now)
    mine = Invitation.objects.filter(pk__in=ids, state=Invitation.State.SENDING, claimed_at=now)
    claimed = list(
        mine.select_related("campaign__survey", "campaign__guide", "member__library").order_by("pk")
    )
    states: dict[str, str] = {}
    if len(claimed) < len(ids):
        others = Invitation.objects.filter(pk__in=ids).exclude(pk__in=[i.pk for i in claimed])
        states = {str(pk): state for pk, state in others.values_list("pk", "state")}
    templates: MailTemplates = {}
    connection = get_connection()
    try:
        if claimed:
            connection.open()
        for invitation in claimed:
            pk, member = str(invitation.pk), invitation.member
            claim = Invitation.objects.filter(pk=pk, state=Invitation.State.SENDING, claimed_at=now)
            if member is None or member.bounced_at or member.status == PanelMember.Status.LEFT:
                claim.update(state=Invitation.State.FAILED, last_error="member left or bounced")
                states[pk] = Invitation.State.FAILED
                continue

            def record(pk: str = pk) -> None:
                if not _invitation_mark_sent(pk, claimed_at=now):
                    raise ClaimLost()

            try:
                send_recorded(
                    invitation_message(invitation, reminder=False, templates=templates),
                    record,
                    connection,
                )
            except ClaimLost:
                states[pk] = Invitation.State.SENDING
                continue
            except OSError as error:
                if not _permanent(error):
                    raise
                Invitation.objects.filter(pk=pk).update(
                    state=Invitation.State.FAILED, last_error=str(error)[:300]
                )
                states[pk] = Invitation.State.FAILED
                continue
            states[pk] = Invitation.State.SENT
    except OSError as error:
        unsent = mine.exclude(pk__in=[pk for pk in states])
        unsent.filter(attempts__gte=MAX_ATTEMPTS - 1).update(
            state=Invitation.State.FAILED, attempts=F("attempts") + 1, last_error=str(error)[:300]
        )
        requeued = unsent.update(
            state=Invitation.State.QUEUED,
            claimed_at=None,
            attempts=F("attempts") + 1,
            last_error=str(error)[:300],
        )
        states.update(
            (str(pk), state)
            for pk, state in Invitation.objects.filter(pk__in=ids).values_list("pk", "state")
        )
        if requeued:
            raise
    finally:
        connection.close()
    return states


def invitation_send(*, invitation_id: UUID | str) -> str:
    """Send one invitation (see ``invitations_send``); returns its resulting state."""
    return invitations_send(invitation_ids=[invitation_id])[str(invitation_id)]


def reminders_due(*, now: datetime) -> list[str]:
    """Ids of sent, unanswered invitations whose campaign wants a reminder now."""
    due = []
    candidates = Invitation.objects.filter(
        state=Invitation.State.SENT,
        completed_at__isnull=True,
        campaign__status=Campaign.Status.RUNNING,
        reminders_sent__lt=F("campaign__max_reminders"),
        member__status=PanelMember.Status.ACTIVE,
        member__bounced_at__isnull=True,
        member__do_not_contact=False,
    ).select_related("campaign")
    for invitation in candidates:
        last = invitation.reminded_at or invitation.sent_at
        if last and now - last >= timedelta(days=invitation.campaign.remind_after_days):
            due.append(str(invitation.pk))
    return due


def reminder_send(*, invitation_id: UUID | str) -> bool:
    """Send the next reminder unless the member answered, left or bounced meanwhile.
    Counts first (a conditional UPDATE), so two workers never send the same reminder."""
    invitation = (
        Invitation.objects.select_related("campaign__survey", "campaign__guide", "member__library")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.member is None:
        return False
    counted = Invitation.objects.filter(
        pk=invitation_id, reminders_sent=invitation.reminders_sent, completed_at__isnull=True
    ).update(reminders_sent=F("reminders_sent") + 1, reminded_at=timezone.now())
    if not counted:
        return False
    invitation_message(invitation, reminder=True).send()
    return True
