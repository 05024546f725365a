"""Campaigns: launch (who is invited, decided by the contact rules), retries, the
sending window, completion, and the invitations still to send."""

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..eligibility import ContactRules, contact_decision
from ..models import (
    Campaign,
    Invitation,
    PanelMember,
    Purpose,
)
from .consent import consent_current
from .my_data import access_log_record

MAX_ATTEMPTS = 5


CHUNK = 500


def claim_lease() -> timedelta:
    """How long a claim holds; the sweep re-sends what waited three leases (DESIGN.md C6)."""
    return timedelta(seconds=settings.INNSIKT_SEND_LEASE_SECONDS)


def contact_rules() -> ContactRules:
    return ContactRules(
        cooldown_days=settings.INNSIKT_CONTACT_COOLDOWN_DAYS,
        max_per_period=settings.INNSIKT_CONTACT_MAX_PER_PERIOD,
        period_days=settings.INNSIKT_CONTACT_PERIOD_DAYS,
        max_no_shows=settings.INNSIKT_INTERVIEW_MAX_NO_SHOWS,
    )


def campaign_launch(*, campaign: Campaign, user: Any) -> int:
    """Invite the segment's eligible members (at most ``cap``) and start sending at the
    campaign's start, inside its daily window. Returns how many were invited. Launching a
    running campaign again invites only members not yet invited (idempotent).

    Invitations are inserted in chunks of CHUNK, each committed and handed to a sending
    task at once, so the first mail goes out while later chunks are still being written."""
    from ..selectors import contact_facts, segment_members
    from ..tasks import invitations_send as send_task

    now = timezone.now()
    override = bool(campaign.override_reason.strip())
    current = consent_current(library=campaign.segment.library, purpose=Purpose.PANEL)
    rules = contact_rules()
    already = Invitation.objects.filter(campaign=campaign).count()
    room = None if campaign.cap is None else max(campaign.cap - already, 0)
    eligible: list[Invitation] = []
    for member_id, facts in contact_facts(campaign, segment_members(campaign.segment), current):
        if room is not None and len(eligible) >= room:
            break
        decision = contact_decision(facts, rules, now, override=override)
        if decision.allowed:
            eligible.append(
                Invitation(campaign=campaign, member_id=member_id, reconsent=decision.reconsent)
            )
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.RUNNING, launched_at=campaign.launched_at or now
    )
    if override:
        access_log_record(
            staff=user,
            library_id=campaign.library_id,
            member_id=None,
            action=f"override:{campaign.pk}",
        )
    campaign.refresh_from_db(fields=["status", "launched_at"])
    eta = next_send_time(campaign, now)
    for start in range(0, len(eligible), CHUNK):
        chunk = eligible[start : start + CHUNK]
        with transaction.atomic():
            Invitation.objects.bulk_create(chunk, ignore_conflicts=True)
            ids = [str(i.pk) for i in chunk]
            transaction.on_commit(partial(send_task.apply_async, args=(ids,), eta=eta))
    return len(eligible)


def campaign_retry_failed(*, campaign: Campaign) -> int:
    """Queue the campaign's failed invitations again (e.g. after the SMTP server was down),
    with fresh attempts — only for members who are still active, not bounced and not on
    the do-not-contact list. Returns how many were queued."""
    from ..tasks import invitations_send as send_task

    retry = Invitation.objects.filter(
        campaign=campaign,
        state=Invitation.State.FAILED,
        member__status=PanelMember.Status.ACTIVE,
        member__bounced_at__isnull=True,
        member__do_not_contact=False,
    )
    ids = [str(pk) for pk in retry.values_list("pk", flat=True)]
    Invitation.objects.filter(pk__in=ids).update(
        state=Invitation.State.QUEUED, attempts=0, claimed_at=None, last_error=""
    )
    eta = next_send_time(campaign, timezone.now())
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        transaction.on_commit(partial(send_task.apply_async, args=(chunk,), eta=eta))
    return len(ids)


def next_send_time(campaign: Campaign, now: datetime) -> datetime:
    """The first moment at or after now (and the campaign's start) inside its window,
    in the site's time zone."""
    local = timezone.localtime(max(now, campaign.starts_at))
    start = local.replace(
        hour=campaign.window_start.hour,
        minute=campaign.window_start.minute,
        second=0,
        microsecond=0,
    )
    end = local.replace(
        hour=campaign.window_end.hour, minute=campaign.window_end.minute, second=0, microsecond=0
    )
    if local < start:
        return start
    if local < end:
        return local
    return start + timedelta(days=1)


def invitation_complete(*, pseudonym: str, survey_id: int) -> int:
    """Mark the open invitations of this pseudonym's member to this survey (any language)
    as completed; only that fact is recorded, never which answer was theirs."""
    from surveys.models import SurveyPage

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
