"""Campaigns: launch (who is invited, decided by the contact rules), retries, the
sending window, completion, and the invitations still to send."""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cms.queueing import task_enqueue
from surveys.models import SurveyPage

from ..models import Campaign, CampaignOverride, Invitation, PanelMember, invitation_link_digest
from ..selectors import segment_members
from .contact import contact_gate, next_send_time

MAX_ATTEMPTS = 5


CHUNK = 500


def claim_lease() -> timedelta:
    """How long a claim holds; the sweep re-sends what waited three leases (DESIGN.md C6)."""
    return timedelta(seconds=settings.INNSIKT_SEND_LEASE_SECONDS)


def campaign_launch(*, campaign: Campaign, user: Any) -> int:
    """Invite the segment's members the contact rules allow (at most ``cap``) and start
    sending at the campaign's start, inside its daily window. Returns how many were
    invited; the campaign keeps how many were not, by reason (``launch_summary``).
    Launching a running campaign again invites only members not yet invited (idempotent).
    A reason to override the contact limits is put on record, with who launched, when.

    Invitations are inserted in chunks of CHUNK, each committed and handed to a sending
    task at once, so the first mail goes out while later chunks are still being written.
    Each invitation asks the contact rules again when it is sent (panel.services.sending).
    When the task queue cannot be reached, the invitations stay queued and the campaign
    says it waits for the queue; the sweep hands them over when it is back."""
    now = timezone.now()
    already = Invitation.objects.filter(campaign=campaign).count()
    room = None if campaign.cap is None else max(campaign.cap - already, 0)
    decisions = contact_gate(
        campaign=campaign, members=segment_members(campaign.segment), kind="invite", now=now
    )
    eligible: list[Invitation] = []
    summary: Counter[str] = Counter()
    for member_id, decision in decisions.items():
        if not decision.allowed:
            summary[decision.reason] += 1
        elif room is not None and len(eligible) >= room:
            summary["over-cap"] += 1
        else:
            invitation = Invitation(
                campaign=campaign,
                member_id=member_id,
                reconsent=decision.reconsent,
                reason=decision.reason,
            )
            invitation.token_digest = invitation_link_digest(invitation.pk)  # no save()
            eligible.append(invitation)
    first_launch = campaign.launched_at is None
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.RUNNING,
        launched_at=campaign.launched_at or now,
        launch_summary=dict(summary),
    )
    if campaign.overrides_limits and (first_launch or not campaign.overrides.exists()):
        CampaignOverride.objects.create(
            campaign=campaign, reason=campaign.override_reason.strip(), by=user
        )
    campaign.refresh_from_db(fields=["status", "launched_at", "launch_summary"])
    eta = next_send_time(campaign, now)
    handed = [True]  # once the queue could not be reached, the sweep hands over the rest

    def hand_over(ids: list[str]) -> None:
        if handed[0]:
            handed[0] = invitations_enqueue(campaign_id=campaign.pk, ids=ids, eta=eta)

    for start in range(0, len(eligible), CHUNK):
        chunk = eligible[start : start + CHUNK]
        with transaction.atomic():
            Invitation.objects.bulk_create(chunk, ignore_conflicts=True)
            transaction.on_commit(partial(hand_over, [str(i.pk) for i in chunk]))
    return len(eligible)


def invitations_enqueue(*, campaign_id: int, ids: Sequence[str], eta: datetime) -> bool:
    """Hand the campaign's invitations to sending tasks, CHUNK ids a task, to start at
    ``eta``. When the task queue cannot be reached (cms.queueing) the rest is not tried:
    the campaign records since when its invitations wait for the queue (its admin page
    says so) and ``campaigns_sweep`` hands every queued one over once the queue is back.
    Returns whether all were handed over. Call it on commit: the rows must be there."""
    for start in range(0, len(ids), CHUNK):
        if not task_enqueue(
            "panel.tasks.invitations_send", list(ids[start : start + CHUNK]), eta=eta
        ):
            Campaign.objects.filter(pk=campaign_id, queue_waiting_since__isnull=True).update(
                queue_waiting_since=timezone.now()
            )
            return False
    return True


def campaigns_sweep(*, now: datetime) -> int:
    """Periodic (panel.tasks.campaigns_sweep): hand over again the invitations of running
    campaigns that wait — every queued one of a campaign whose hand-over found the task
    queue down (to go out at the sending window's next opening), and, inside the window,
    those stuck for three leases (their worker was killed, or their message lost). Each
    invitation is claimed before it is sent, so running this twice sends nothing twice.
    Returns how many invitations were handed over."""
    total = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.RUNNING):
        send_at = next_send_time(campaign, now)
        since = campaign.queue_waiting_since
        if since is not None:
            ids = invitations_pending(campaign=campaign, now=now)
            if not invitations_enqueue(campaign_id=campaign.pk, ids=ids, eta=send_at):
                break  # the queue is down again: the next sweep tries
            Campaign.objects.filter(pk=campaign.pk, queue_waiting_since=since).update(
                queue_waiting_since=None
            )
        elif send_at <= now:
            ids = invitations_pending(campaign=campaign, now=now, stuck_only=True)
            if not invitations_enqueue(campaign_id=campaign.pk, ids=ids, eta=now):
                break
        else:
            continue
        total += len(ids)
    return total


def campaign_retry_failed(*, campaign: Campaign) -> int:
    """Queue the campaign's failed invitations again (e.g. after the SMTP server was down),
    with fresh attempts. Each asks the contact rules again when it is sent. Returns how
    many were queued."""
    retry = Invitation.objects.filter(campaign=campaign, state=Invitation.State.FAILED)
    ids = [str(pk) for pk in retry.values_list("pk", flat=True)]
    Invitation.objects.filter(pk__in=ids).update(
        state=Invitation.State.QUEUED, attempts=0, claimed_at=None, last_error=""
    )
    eta = next_send_time(campaign, timezone.now())
    transaction.on_commit(partial(invitations_enqueue, campaign_id=campaign.pk, ids=ids, eta=eta))
    return len(ids)


def invitation_complete(*, pseudonym: str, survey_id: int) -> int:
    """Mark the open invitations of this pseudonym's member to this survey (any language)
    as completed; only that fact is recorded, never which answer was theirs."""
    page = SurveyPage.objects.filter(pk=survey_id).first()
    if not pseudonym or page is None:
        return 0
    PanelMember.objects.filter(pseudonym=pseudonym).update(
        last_active_at=timezone.now(), retention_notice_at=None
    )
    return Invitation.objects.filter(
        member__pseudonym=pseudonym,
        campaign__survey__translation_key=page.translation_key,
        completed_at__isnull=True,
    ).update(completed_at=timezone.now())


def invitations_pending(
    *, campaign: Campaign, now: datetime, stuck_only: bool = False
) -> list[str]:
    """Ids of a campaign's invitations still to send: queued, or claimed by a worker whose
    lease ran out (it died). ``stuck_only`` keeps only those waiting longer than
    three leases — what the periodic sweep re-sends, after a worker was killed."""
    pending = Invitation.objects.filter(
        Q(state=Invitation.State.QUEUED)
        | Q(state=Invitation.State.SENDING, claimed_at__lt=now - claim_lease()),
        campaign=campaign,
    )
    if stuck_only:
        pending = pending.filter(created_at__lt=now - 3 * claim_lease())
    return [str(pk) for pk in pending.values_list("pk", flat=True)]
