"""Retention: long-inactive members are warned, then erased."""

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Q
from django.utils import timezone
from wagtail.models import Site

from cms.models import LibrarySettings

from ..models import PanelMember
from .messages import retention_notice_message
from .my_data import member_erase

RETENTION_NOTICE_DAYS = 30


def member_touch(*, member_id: UUID | str) -> None:
    """The member did something: their membership's inactivity clock restarts."""
    PanelMember.objects.filter(pk=member_id).update(
        last_active_at=timezone.now(), retention_notice_at=None
    )


def _retention_months(site: Site) -> int:
    return LibrarySettings.for_site(site).retention_months


def members_retention_run(*, now: datetime | None = None) -> tuple[int, int]:
    """Per library: warn members inactive for (retention − 30 days) by e-mail, and erase
    those warned at least 30 days ago who stayed inactive. Returns (warned, erased).
    Idempotent: a member is warned once per inactive spell."""
    now = now or timezone.now()
    warned = erased = 0
    for site in Site.objects.all():
        limit = now - timedelta(days=30 * _retention_months(site))
        members = PanelMember.objects.filter(library=site).exclude(
            status=PanelMember.Status.PENDING
        )
        inactive = members.filter(
            Q(last_active_at__lt=limit + timedelta(days=RETENTION_NOTICE_DAYS))
            | Q(
                last_active_at__isnull=True,
                created_at__lt=limit + timedelta(days=RETENTION_NOTICE_DAYS),
            )
        )
        for member in inactive.filter(
            retention_notice_at__lt=now - timedelta(days=RETENTION_NOTICE_DAYS)
        ):
            member_erase(member=member)
            erased += 1
        for member in inactive.filter(retention_notice_at__isnull=True):
            if member.bounced_at is None and member.status == PanelMember.Status.ACTIVE:
                _retention_notice_send(member)
            PanelMember.objects.filter(pk=member.pk).update(retention_notice_at=now)
            warned += 1
    return warned, erased


def _retention_notice_send(member: PanelMember) -> None:
    retention_notice_message(member, days=RETENTION_NOTICE_DAYS).send()
