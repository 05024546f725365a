"""The contact gate: the one door every message about research goes through.

``contact_gate`` asks the contact rules (panel.eligibility) about members of a campaign
right before a message is sent — the launch deciding whom to invite, each invitation,
each reminder, each interview reminder — and the caller records the answer on the
message's row (``reason``; ``withheld`` when the answer is no). The only mail sent without
it answers the member's own action, and is listed in docs/privacy.md: the sign-up
confirmation, the "my data" sign-in link, a booking's confirmation, change or
cancellation, and the notice before an inactive membership ends.

Also here: the do-not-contact list (set and lifted by staff with a reason, append-only)
and hard bounces, the facts the rules read.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..eligibility import ContactRules, Decision, Kind, contact_decision
from ..models import Campaign, ContactBlock, PanelMember, Purpose
from ..selectors import contact_facts
from .consent import consent_current


def contact_rules() -> ContactRules:
    return ContactRules(
        cooldown_days=settings.INNSIKT_CONTACT_COOLDOWN_DAYS,
        max_per_period=settings.INNSIKT_CONTACT_MAX_PER_PERIOD,
        period_days=settings.INNSIKT_CONTACT_PERIOD_DAYS,
        max_no_shows=settings.INNSIKT_INTERVIEW_MAX_NO_SHOWS,
    )


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


def window_open(campaign: Campaign, now: datetime) -> bool:
    """Is ``now`` inside the campaign's daily sending window (and after its start)?"""
    return next_send_time(campaign, now) <= now


def contact_gate(
    *,
    campaign: Campaign,
    members: QuerySet[PanelMember] | Iterable[UUID | str],
    kind: Kind,
    now: datetime | None = None,
) -> dict[UUID, Decision]:
    """The contact rules' answer about a ``kind`` of message of ``campaign`` now, for each
    of ``members`` (a queryset, or ids) that is still a member of the campaign's library.
    Reads the facts of all of them in a few queries (panel.selectors.contact_facts), so a
    chunk of 500 costs what one does. Deciding whom to invite ignores the sending window:
    the invitations wait for it."""
    now = now or timezone.now()
    if not isinstance(members, QuerySet):
        members = PanelMember.objects.filter(pk__in=list(members))
    members = members.filter(library_id=campaign.library_id)
    current = consent_current(library=campaign.library, purpose=Purpose.PANEL)
    rules = contact_rules()
    is_open = kind == "invite" or window_open(campaign, now)
    return {
        member_id: contact_decision(
            replace(facts, window_open=is_open),
            rules,
            now,
            override=campaign.overrides_limits,
            kind=kind,
        )
        for member_id, facts in contact_facts(campaign, members, current, kind=kind)
    }


def member_contact_block(
    *, member: PanelMember, blocked: bool, reason: str, staff: Any
) -> ContactBlock:
    """Put a member on the do-not-contact list (``blocked``) or take them off, with the
    reason, written to the member's record. Raises ValueError without a reason."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    with transaction.atomic():
        record = ContactBlock.objects.create(
            member=member, blocked=blocked, reason=reason, staff=staff
        )
        PanelMember.objects.filter(pk=member.pk).update(do_not_contact=blocked)
    member.do_not_contact = blocked
    return record


def member_bounce_record(*, email: str, at: datetime | None = None) -> int:
    """A hard bounce: no more mail to this address in any library (until it is changed).
    Returns how many memberships it touched. Idempotent (the first bounce time stays)."""
    return PanelMember.objects.filter(email=email.strip().lower(), bounced_at__isnull=True).update(
        bounced_at=at or timezone.now()
    )
