"""Interview read side: free times, a participant's open booking, library scoping."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from cms.selectors import library_sites_for_user
from panel.models import Campaign, Invitation

from ..models import InterviewBooking, InterviewParticipant, InterviewSlot
from .services import BOOKING_NOTICE


def interview_free_slots(campaign: Campaign, *, now: datetime) -> QuerySet[InterviewSlot]:
    """The campaign's times that can still be booked, each with ``free`` places."""
    return (
        InterviewSlot.objects.filter(campaign=campaign, starts_at__gt=now + BOOKING_NOTICE)
        .annotate(taken=Count("bookings", filter=~Q(bookings__status="cancelled")))
        .filter(taken__lt=F("capacity"))
        .annotate(free=F("capacity") - F("taken"))
        .order_by("starts_at", "pk")
    )


def invitation_open_booking(invitation: Invitation) -> InterviewBooking | None:
    return (
        InterviewBooking.objects.filter(
            participant__campaign=invitation.campaign,
            participant__member=invitation.member,
            status=InterviewBooking.Status.BOOKED,
        )
        .select_related("slot", "participant")
        .first()
    )


def interview_campaigns_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Campaign]:
    sites = [s.pk for s in library_sites_for_user(user)]
    return Campaign.objects.filter(kind=Campaign.Kind.INTERVIEW, library__in=sites).order_by("-pk")


def interview_campaign_get_for_user(user: Any, campaign_id: int) -> Campaign:
    campaign = (
        interview_campaigns_for_user(user)
        .select_related("guide", "segment", "library")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise Http404
    return campaign


def participant_get_for_user(user: Any, participant_id: int) -> InterviewParticipant:
    participant = (
        InterviewParticipant.objects.select_related("campaign__guide", "member", "consent__text")
        .filter(pk=participant_id, campaign__in=interview_campaigns_for_user(user))
        .first()
    )
    if participant is None:
        raise Http404
    return participant


def booking_get_for_user(user: Any, booking_id: Any) -> InterviewBooking:
    booking = (
        InterviewBooking.objects.select_related("slot", "participant__campaign")
        .filter(pk=booking_id, participant__campaign__in=interview_campaigns_for_user(user))
        .first()
    )
    if booking is None:
        raise Http404
    return booking
