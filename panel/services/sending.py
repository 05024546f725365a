"""Sending invitations and reminders, each exactly once (DESIGN.md C6), each only when
the contact rules allow it right before it goes (panel.services.contact.contact_gate).

An invitation or a reminder is a row with a state: queued → sending (claimed by a
conditional UPDATE, with a lease) → sent | failed | withheld. The row is marked sent after
the SMTP server has the whole message and before it accepts it (cms.mail.send_recorded),
so a worker killed at any point neither sends a message twice nor loses one. A message
the rules refuse is ``withheld`` with the rules' reason; one outside the campaign's
sending window waits for it.
"""

import smtplib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

import psycopg
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Count, F, Max, Model, Q
from django.utils import timezone

from cms.mail import send_recorded

from ..eligibility import Decision
from ..models import Campaign, Invitation, Reminder
from .campaigns import MAX_ATTEMPTS, claim_lease, invitations_enqueue
from .contact import contact_gate, next_send_time
from .messages import MailTemplates, invitation_message

SendState = Invitation.State


class ClaimLost(Exception):
    """Another worker took this message over (our lease ran out): do not send it."""


def _permanent(error: OSError) -> bool:
    """An SMTP reply that retrying will not change (5xx), e.g. a refused recipient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _mark_sent(model: type[Model], pk: str, *, claimed_at: datetime) -> bool:
    """Mark a claimed invitation or reminder sent, if the claim is still ours; commits at
    once (autocommit). One plain UPDATE: building it with the ORM for every message was a
    fifth of a send's CPU time (bench/panel_send.py). On PostgreSQL it is a prepared
    statement (server-side binding): parsed and planned once per connection, not once per
    message, on the database's share of the same CPUs."""
    table = model._meta.db_table
    sql = (
        f"UPDATE {table} SET state = %s, sent_at = %s "  # noqa: S608 (a model's table name)
        "WHERE id = %s AND state = %s AND claimed_at = %s"
    )
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        params = [SendState.SENT.value, timezone.now(), UUID(str(pk))]
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, [*params, SendState.SENDING.value, claimed_at], prepare=True)
            return cursor.rowcount == 1
    adapt = connection.ops.adapt_datetimefield_value
    assert model._meta.pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                SendState.SENT.value,
                adapt(timezone.now()),
                model._meta.pk.get_db_prep_value(pk, connection),
                SendState.SENDING.value,
                adapt(claimed_at),
            ],
        )
        return cursor.rowcount == 1


def _decisions(invitations: list[Invitation], now: datetime) -> dict[str, Decision]:
    """The contact rules' answer for each invitation (by id) about sending it now: one
    gate call per campaign of the chunk. An invitation whose member is gone has none."""
    by_campaign: dict[int, list[Invitation]] = defaultdict(list)
    for invitation in invitations:
        if invitation.member_id is not None:
            by_campaign[invitation.campaign_id].append(invitation)
    answers: dict[str, Decision] = {}
    for group in by_campaign.values():
        decided = contact_gate(
            campaign=group[0].campaign,
            members=[i.member_id for i in group if i.member_id is not None],
            kind="send",
            now=now,
        )
        for invitation in group:
            if invitation.member_id in decided:
                answers[str(invitation.pk)] = decided[invitation.member_id]
    return answers


def invitations_send(*, invitation_ids: Sequence[UUID | str]) -> dict[str, str]:
    """Send a chunk of invitations, each exactly once and each only if the contact rules
    allow it now, over one connection.

    One conditional UPDATE claims the chunk's invitations that are queued, or held by a
    claim older than the lease (a dead worker's); ids claimed by a live worker, already
    sent, failed or withheld are left alone. The contact rules then decide for every
    claimed invitation (one gate call per campaign): refused ones are ``withheld`` with
    the reason; outside the sending window they go back to the queue and are sent when it
    opens. Each allowed invitation is recorded as ``sent`` — conditionally on this claim —
    after the SMTP server has the whole message and before it accepts it. A refused
    recipient (5xx) marks that invitation ``failed``. Any other SMTP error puts every
    unsent invitation of the chunk back in the queue with one more attempt (``failed``
    after MAX_ATTEMPTS) and is raised, so the task retries with back-off. Returns each id's
    resulting state."""
    ids = [str(pk) for pk in invitation_ids]
    now = timezone.now()
    Invitation.objects.filter(
        Q(state=SendState.QUEUED) | Q(state=SendState.SENDING, claimed_at__lt=now - claim_lease()),
        pk__in=ids,
    ).update(state=SendState.SENDING, claimed_at=now)
    mine = Invitation.objects.filter(pk__in=ids, state=SendState.SENDING, claimed_at=now)
    claimed = list(
        mine.select_related("member__library").defer("member__attributes").order_by("pk")
    )
    # The chunk's invitations share their campaign (one, as a rule): read it once, not
    # once per row (its pages and JSON were a tenth of a send's CPU time).
    campaigns = Campaign.objects.select_related("library", "survey", "guide").in_bulk(
        {i.campaign_id for i in claimed}
    )
    for invitation in claimed:
        invitation.campaign = campaigns[invitation.campaign_id]
    states: dict[str, str] = {}
    if len(claimed) < len(ids):
        others = Invitation.objects.filter(pk__in=ids).exclude(pk__in=[i.pk for i in claimed])
        states = {str(pk): state for pk, state in others.values_list("pk", "state")}
    decisions = _decisions(claimed, now)
    waiting: dict[Campaign, list[str]] = defaultdict(list)
    templates: MailTemplates = {}
    mail = get_connection()
    try:
        for invitation in claimed:
            pk = str(invitation.pk)
            decision = decisions.get(pk)
            if decision is None or not decision.allowed:
                reason = decision.reason if decision else "gone"
                claim = Invitation.objects.filter(pk=pk, state=SendState.SENDING, claimed_at=now)
                if decision is not None and decision.later:
                    claim.update(state=SendState.QUEUED, claimed_at=None, reason=reason)
                    waiting[invitation.campaign].append(pk)
                    states[pk] = SendState.QUEUED
                else:
                    claim.update(state=SendState.WITHHELD, reason=reason)
                    states[pk] = SendState.WITHHELD
                continue

            def record(pk: str = pk) -> None:
                if not _mark_sent(Invitation, pk, claimed_at=now):
                    raise ClaimLost()

            try:
                send_recorded(
                    invitation_message(invitation, reminder=0, templates=templates), record, mail
                )
            except ClaimLost:
                states[pk] = SendState.SENDING
                continue
            except OSError as error:
                if not _permanent(error):
                    raise
                Invitation.objects.filter(pk=pk).update(
                    state=SendState.FAILED, last_error=str(error)[:300]
                )
                states[pk] = SendState.FAILED
                continue
            states[pk] = SendState.SENT
    except OSError as error:
        unsent = mine.exclude(pk__in=[pk for pk in states])
        unsent.filter(attempts__gte=MAX_ATTEMPTS - 1).update(
            state=SendState.FAILED, attempts=F("attempts") + 1, last_error=str(error)[:300]
        )
        requeued = unsent.update(
            state=SendState.QUEUED,
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
        mail.close()
    for campaign, pks in waiting.items():
        eta = next_send_time(campaign, now)
        transaction.on_commit(
            partial(invitations_enqueue, campaign_id=campaign.pk, ids=pks, eta=eta)
        )
    return states


def invitation_send(*, invitation_id: UUID | str) -> str:
    """Send one invitation (see ``invitations_send``); returns its resulting state."""
    return invitations_send(invitation_ids=[invitation_id])[str(invitation_id)]


def reminders_dispatch(*, now: datetime) -> list[str]:
    """Make the reminders that are due, and return the ids of every reminder to send now.

    A reminder is due for a sent, unanswered invitation of a running campaign when the
    earlier reminders (if any) were all sent, fewer than ``max_reminders`` exist, and
    ``remind_after_days`` have passed since the last message. It is a row numbered after
    the invitation's last one: the number is unique per invitation, so dispatchers running
    at once make one row. Returned are the new rows, queued ones whose time has come (they
    waited for the window) and ones whose worker died (claim older than the lease); a
    reminder sent twice to a worker is sent once (its claim)."""
    candidates = (
        Invitation.objects.filter(
            state=SendState.SENT,
            completed_at__isnull=True,
            member__isnull=False,
            campaign__status=Campaign.Status.RUNNING,
        )
        .annotate(
            made=Count("reminders"),
            unsent=Count("reminders", filter=~Q(reminders__state=SendState.SENT)),
            last=Max("reminders__sent_at"),
        )
        .filter(made__lt=F("campaign__max_reminders"), unsent=0)
        .select_related("campaign")
    )
    rows = []
    for invitation in candidates:
        last = invitation.last or invitation.sent_at  # type: ignore[attr-defined]
        if last and now - last >= timedelta(days=invitation.campaign.remind_after_days):
            number = invitation.made + 1  # type: ignore[attr-defined]
            rows.append(Reminder(invitation=invitation, number=number, due_at=now))
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    ready = Reminder.objects.filter(
        Q(state=SendState.QUEUED, due_at__lte=now)
        | Q(state=SendState.SENDING, claimed_at__lt=now - claim_lease())
    )
    return [str(pk) for pk in ready.values_list("pk", flat=True)]


def reminder_send(*, reminder_id: UUID | str, now: datetime | None = None) -> str:
    """Send one reminder if it is still due, exactly once: claimed by a conditional
    UPDATE (queued and due, or a dead worker's claim), then asked of the contact rules —
    a member who answered, left, withdrew the consent for the purpose, went on the
    do-not-contact list or bounced gets nothing, and the reminder is ``withheld`` with the
    reason; outside the sending window it waits for the window's next opening. An SMTP
    error other than a refused recipient puts it back in the queue and is raised (the
    task retries). Returns the reminder's resulting state."""
    now = now or timezone.now()
    Reminder.objects.filter(
        Q(state=SendState.QUEUED, due_at__lte=now)
        | Q(state=SendState.SENDING, claimed_at__lt=now - claim_lease()),
        pk=reminder_id,
    ).update(state=SendState.SENDING, claimed_at=now)
    reminder = (
        Reminder.objects.select_related(
            "invitation__campaign__library",
            "invitation__campaign__survey",
            "invitation__campaign__guide",
            "invitation__member__library",
        )
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return "gone"
    if reminder.state != SendState.SENDING or reminder.claimed_at != now:
        return reminder.state  # sent, withheld, or another worker's
    claim = Reminder.objects.filter(pk=reminder.pk, state=SendState.SENDING, claimed_at=now)
    invitation, campaign = reminder.invitation, reminder.invitation.campaign
    decision = None
    if invitation.member_id is not None:
        decided = contact_gate(
            campaign=campaign, members=[invitation.member_id], kind="remind", now=now
        )
        decision = decided.get(invitation.member_id)
    if reminder.number > campaign.max_reminders:
        reason = "max-reminders"
    elif campaign.status != Campaign.Status.RUNNING:
        reason = "campaign-finished"
    else:
        reason = decision.reason if decision else "gone"
    if decision is not None and decision.later and reason == decision.reason:
        claim.update(
            state=SendState.QUEUED,
            claimed_at=None,
            due_at=next_send_time(campaign, now),
            reason=reason,
        )
        return SendState.QUEUED
    if reason != "ok":
        claim.update(state=SendState.WITHHELD, reason=reason)
        return SendState.WITHHELD

    def record() -> None:
        if not _mark_sent(Reminder, str(reminder.pk), claimed_at=now):
            raise ClaimLost()

    mail = get_connection()
    try:
        send_recorded(invitation_message(invitation, reminder=reminder.number), record, mail)
    except ClaimLost:
        return SendState.SENDING
    except OSError as error:
        if _permanent(error):
            claim.update(state=SendState.FAILED, last_error=str(error)[:300])
            return SendState.FAILED
        claim.update(
            state=SendState.QUEUED if reminder.attempts + 1 < MAX_ATTEMPTS else SendState.FAILED,
            claimed_at=None,
            attempts=F("attempts") + 1,
            last_error=str(error)[:300],
        )
        raise
    finally:
        mail.close()
    Reminder.objects.filter(pk=reminder.pk).update(reason="ok")
    return SendState.SENT
