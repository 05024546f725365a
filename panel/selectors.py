"""Panel reads, scoped to the libraries a staff user works for (DESIGN.md C9)."""

from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet
from django.http import Http404

from cms.selectors import library_sites_for_user

from .models import Campaign, Invitation, PanelMember, Segment
from .segments import segment_q


def members_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[PanelMember]:
    """Members of the libraries whose home page the user may edit (superusers: all)."""
    sites = library_sites_for_user(user)
    return PanelMember.objects.filter(library__in=[s.pk for s in sites])


def member_get_for_user(user: AbstractBaseUser | AnonymousUser, member_id: UUID) -> PanelMember:
    """One member of the user's libraries; Http404 for anyone else's (never reveal that a
    member exists in another library)."""
    member = members_for_user(user).filter(pk=member_id).first()
    if member is None:
        raise Http404
    return member


def segment_members(segment: Segment) -> QuerySet[PanelMember]:
    """The library's active members that the segment's rules select."""
    q, annotations = segment_q(segment.match, segment.rule_list())
    members = PanelMember.objects.filter(
        library_id=segment.library_id, status=PanelMember.Status.ACTIVE
    )
    if annotations:
        members = members.annotate(**annotations)
    return members.filter(q)


def segment_count(segment: Segment) -> int:
    return segment_members(segment).count()


def campaign_progress(campaign: Campaign) -> dict[str, int]:
    """Counts from the invitation rows (never from the Celery result backend)."""
    rows = dict(
        campaign.invitations.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    return {
        "invited": sum(rows.values()),
        "queued": rows.get(Invitation.State.QUEUED, 0) + rows.get(Invitation.State.SENDING, 0),
        "sent": rows.get(Invitation.State.SENT, 0),
        "failed": rows.get(Invitation.State.FAILED, 0),
        "bounced": campaign.invitations.filter(member__bounced_at__isnull=False).count(),
        "completed": campaign.invitations.filter(completed_at__isnull=False).count(),
        "reminded": campaign.invitations.filter(reminders_sent__gt=0).count(),
    }


def campaign_get_for_user(user: AbstractBaseUser | AnonymousUser, campaign_id: int) -> Campaign:
    sites = {s.pk for s in library_sites_for_user(user)}
    campaign = Campaign.objects.filter(pk=campaign_id, library__in=sites).first()
    if campaign is None:
        raise Http404
    return campaign
