"""Interview read side: free times, a participant's open booking, library scoping."""

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.selectors import library_rules
from cms.tenancy import library_sites_for_user
from panel.models import Campaign, Invitation, Segment
from panel.selectors import segment_members
from panel.services import library_display_name

from ..findings.scrub import scrub
from .exchange import (
    CodeItem,
    ExcerptItem,
    ExchangeData,
    GuideItem,
    ParticipantItem,
    ThemeItem,
)
from .models import (
    Excerpt,
    InterviewBooking,
    InterviewCode,
    InterviewNote,
    InterviewParticipant,
    InterviewSlot,
    InterviewTheme,
)
from .quotes import Attribution, quote_attribution

# Times can be booked until an hour before they begin.
BOOKING_NOTICE = timedelta(hours=1)


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


# ---- coding -------------------------------------------------------------------------------
def interviewed_participants(campaign: Campaign) -> QuerySet[InterviewParticipant]:
    """Participants who were interviewed: marked as attended, or with notes."""
    return InterviewParticipant.objects.filter(
        Q(bookings__status=InterviewBooking.Status.ATTENDED)
        | Q(pk__in=InterviewNote.objects.exclude(text="").values("participant_id")),
        campaign=campaign,
    ).distinct()


def codebook(library_id: int) -> list[tuple[InterviewCode, int]]:
    """The library's codes in tree order, each with its depth (0 = top level)."""
    codes = list(InterviewCode.objects.filter(library_id=library_id).order_by("name"))
    children: dict[int | None, list[InterviewCode]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    ordered: list[tuple[InterviewCode, int]] = []
    placed: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for code in children.get(parent, []):
            if code.pk in placed:
                continue
            placed.add(code.pk)
            ordered.append((code, depth))
            walk(code.pk, depth + 1)

    walk(None, 0)
    return ordered


def code_descendants(library_id: int) -> dict[int, set[int]]:
    """Each code's id with the ids of all codes under it (itself included)."""
    parents = dict(InterviewCode.objects.filter(library_id=library_id).values_list("pk", "parent"))
    below: dict[int, set[int]] = {pk: {pk} for pk in parents}
    for pk in parents:
        seen, node = {pk}, parents.get(pk)
        while node is not None and node not in seen:
            below[node].add(pk)
            seen.add(node)
            node = parents.get(node)
    return below


def code_participants(campaign: Campaign) -> dict[int, set[int]]:
    """Code id → ids of the campaign's participants with an excerpt coded with it or with
    a code under it (a parent code counts its children's participants once)."""
    direct: dict[int, set[int]] = {}
    for code_id, participant_id in Excerpt.codes.through.objects.filter(
        excerpt__note__participant__campaign=campaign
    ).values_list("interviewcode_id", "excerpt__note__participant_id"):
        direct.setdefault(code_id, set()).add(participant_id)
    result: dict[int, set[int]] = {}
    for code_id, below in code_descendants(campaign.library_id).items():
        result[code_id] = set().union(*(direct.get(c, set()) for c in below))
    return result


def segment_participants(campaign: Campaign) -> list[tuple[str, set[int]]]:
    """(segment name, participant ids in it) for each of the library's segments."""

    people = dict(
        InterviewParticipant.objects.filter(campaign=campaign).values_list("member_id", "pk")
    )
    groups = []
    for segment in Segment.objects.filter(library_id=campaign.library_id).order_by("name"):
        members = segment_members(segment).filter(pk__in=list(people)).values_list("pk", flat=True)
        groups.append((segment.name, {people[m] for m in members}))
    return groups


def code_excerpts(campaign: Campaign, code_id: int) -> QuerySet[Excerpt]:
    below = code_descendants(campaign.library_id).get(code_id, {code_id})
    return (
        Excerpt.objects.filter(note__participant__campaign=campaign, codes__in=below)
        .select_related("note__participant__member", "note__participant__campaign__segment")
        .prefetch_related("codes")
        .distinct()
        .order_by("note__participant__number", "created_at")
    )


def interviewed_age_bands(campaign: Campaign) -> Counter[str]:
    """Interviewed participants of the campaign per age band (for quote attribution)."""
    return Counter(interviewed_participants(campaign).values_list("member__age_band", flat=True))


def excerpt_attribution(
    excerpt: Excerpt, *, k: int, bands: Counter[str] | None = None
) -> Attribution:
    """Who a quotable excerpt may be attributed to (research/interviews/quotes.py).
    ``bands``: the campaign's ``interviewed_age_bands``, when the caller has them."""
    participant = excerpt.note.participant
    campaign = participant.campaign
    return quote_attribution(
        segment=campaign.segment.name,
        age_band=participant.member.age_band,
        age_bands=interviewed_age_bands(campaign) if bands is None else bands,
        k=k,
    )


def interview_exchange_data(campaign: Campaign, *, exported_by: str) -> ExchangeData:
    """Everything the interview exports hold, with note texts scrubbed. Notes under a key no
    longer in the guide come last, each under a pseudo-question "Removed from the guide"."""

    _k, card_pattern = library_rules(campaign.library)

    def clean(text: str) -> str:
        return scrub(text, card_pattern=card_pattern or None)

    guide = campaign.topic.specific
    in_guide = [
        GuideItem(key=q.key, section=section.title, text=q.text)
        for section in guide.guide_sections()
        for q in section.questions
    ]
    known = {item.key for item in in_guide}
    notes: dict[int, dict[str, str]] = {}
    removed: set[str] = set()
    for participant_id, key, text in InterviewNote.objects.filter(
        participant__campaign=campaign
    ).values_list("participant_id", "question_key", "text"):
        if text.strip():
            notes.setdefault(participant_id, {})[key] = clean(text)
            if key not in known:
                removed.add(key)
    # A note whose question was deleted from the guide (keys are never edited, so that is
    # the only way) must not vanish from the exports: it goes under a pseudo-question at
    # the end that says so.
    items = (
        *in_guide,
        *(
            GuideItem(
                key=key,
                section=_("Notes under questions no longer in the guide"),
                text=_("Removed from the guide: %(key)s") % {"key": key},
            )
            for key in sorted(removed)
        ),
    )
    participants = tuple(
        ParticipantItem(
            code=p.code, age_band=p.member.age_band, created_at=p.created_at, notes=notes[p.pk]
        )
        for p in InterviewParticipant.objects.filter(campaign=campaign)
        .select_related("member")
        .order_by("number")
        if p.pk in notes
    )
    codes = tuple(
        CodeItem(id=c.pk, name=c.name, parent_id=c.parent_id, description=c.description)
        for c, _depth in codebook(campaign.library_id)
    )

    themes = tuple(
        ThemeItem(
            id=t.pk,
            name=t.name,
            description=t.description,
            code_ids=tuple(sorted(c.pk for c in t.codes.all())),
        )
        for t in InterviewTheme.objects.filter(library_id=campaign.library_id).prefetch_related(
            "codes"
        )
    )
    excerpts = tuple(
        ExcerptItem(
            id=e.pk,
            participant=e.note.participant.code,
            question=e.note.question_key,
            text=clean(e.text),
            code_ids=tuple(sorted(c.pk for c in e.codes.all())),
            quotable=e.quotable,
            created_at=e.created_at,
            created_by=e.created_by.get_username() if e.created_by else "",
        )
        for e in Excerpt.objects.filter(note__participant__campaign=campaign)
        .select_related("note__participant", "created_by")
        .prefetch_related("codes")
        .order_by("note__participant__number", "created_at", "pk")
    )
    return ExchangeData(
        project=campaign.name,
        library=library_display_name(campaign.library),
        guide=items,
        codes=codes,
        themes=themes,
        participants=participants,
        excerpts=excerpts,
        exported_by=exported_by,
        exported_at=timezone.now(),
    )


def interview_facts(campaign: Campaign) -> dict[str, Any]:
    """For a report's methods section: how many were interviewed, when, from which segment."""

    interviewed = interviewed_participants(campaign)
    span = InterviewBooking.objects.filter(
        participant__in=interviewed, status=InterviewBooking.Status.ATTENDED
    ).aggregate(first=Min("slot__starts_at"), last=Max("slot__starts_at"))
    return {
        "name": campaign.name,
        "segment": campaign.segment.name,
        "n": interviewed.count(),
        "first": span["first"],
        "last": span["last"],
    }


def interviews_next_for_user(
    user: AbstractBaseUser | AnonymousUser, *, now: datetime, limit: int = 5
) -> list[InterviewSlot]:
    """The next interview times of the user's libraries (from ``now``), soonest first, with
    their round and how many places are ``booked`` — one query."""
    sites = [s.pk for s in library_sites_for_user(user)]
    return list(
        InterviewSlot.objects.filter(campaign__library__in=sites, starts_at__gte=now)
        .select_related("campaign")
        .annotate(
            booked=Count("bookings", filter=Q(bookings__status=InterviewBooking.Status.BOOKED))
        )
        .order_by("starts_at", "pk")[:limit]
    )
