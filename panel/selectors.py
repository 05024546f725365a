"""Panel reads, scoped to the libraries a staff user works for (DESIGN.md C9)."""

from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from cms.selectors import library_sites_for_user

from .models import PanelMember, Segment
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
