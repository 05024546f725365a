"""Panel reads, scoped to the libraries a staff user works for (DESIGN.md C9)."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cms.tenancy import library_scope, library_sites_for_user

from .eligibility import ContactFacts, Kind
from .models import (
    Campaign,
    ConsentRecord,
    ConsentText,
    Invitation,
    PanelMember,
    Purpose,
    Segment,
    SignupChannel,
)
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


def signup_channels_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[SignupChannel]:
    """Channels of the sign-up pages in the libraries the user works for."""
    within = Q(pk__in=[])
    for site in library_sites_for_user(user):
        within |= Q(page__path__startswith=site.root_page.path)
    return SignupChannel.objects.filter(within).select_related("page").order_by("page", "name")


def signup_channel_get_for_user(
    user: AbstractBaseUser | AnonymousUser, channel_id: int
) -> SignupChannel:
    channel = signup_channels_for_user(user).filter(pk=channel_id).first()
    if channel is None:
        raise Http404
    return channel


def segment_members(segment: Segment) -> QuerySet[PanelMember]:
    """The library's active members that the segment's rules select."""
    q, annotations = segment_q(segment.match, segment.rule_list())
    members = PanelMember.objects.filter(
        library_id=segment.library_id, status=PanelMember.Status.ACTIVE
    )
    if annotations:
        members = members.annotate(**annotations)
    return members.filter(q)


def contact_facts(
    campaign: Campaign,
    members: QuerySet[PanelMember],
    current: ConsentText | None,
    *,
    kind: Kind = "invite",
) -> Iterator[tuple[UUID, ContactFacts]]:
    """What the contact rules need to know about each of ``members`` (by id, in id order)
    for ``campaign``, in four queries whatever their number: the members, their consent
    records, their invitations, and the library's materially changed consent versions.

    Earlier contacts (``invited_at``) are other campaigns' invitations: when deciding whom
    to invite, every one still going out or sent (queued ones too: two campaigns launched
    the same day must not both invite); when sending, those actually sent, at the time
    they were sent. Withheld and failed invitations were no contact."""
    rows = list(members.order_by("pk").values_list("pk", "status", "bounced_at", "do_not_contact"))
    ids = members.values("pk")
    latest: dict[UUID, tuple[int, int, bool]] = {}  # member → (text id, version, given)
    interview = campaign.kind == Campaign.Kind.INTERVIEW
    agreed: dict[UUID, bool] = {}  # member → latest interview consent given (interviews only)
    for member_id, purpose, text_id, version, given in (
        ConsentRecord.objects.filter(
            member__in=ids,
            purpose__in=[Purpose.PANEL, Purpose.INTERVIEWS] if interview else [Purpose.PANEL],
        )
        .order_by("at", "pk")
        .values_list("member_id", "purpose", "text_id", "text__version", "given")
    ):
        if purpose == Purpose.PANEL:
            latest[member_id] = (text_id, version, given)
        else:
            agreed[member_id] = given
    invited: dict[UUID, list[datetime | None]] = defaultdict(list)
    already: set[UUID] = set()
    completed: set[UUID] = set()
    no_shows: dict[UUID, int] = defaultdict(int)
    contacts = [Invitation.State.SENT] if kind != "invite" else CONTACT_STATES
    for (
        member_id,
        campaign_id,
        state,
        created_at,
        sent_at,
        completed_at,
        no_show_at,
    ) in Invitation.objects.filter(member__in=ids).values_list(
        "member_id",
        "campaign_id",
        "state",
        "created_at",
        "sent_at",
        "completed_at",
        "no_show_at",
    ):
        if campaign_id == campaign.pk:
            already.add(member_id)
            if completed_at is not None:
                completed.add(member_id)
        elif state in contacts:
            invited[member_id].append(sent_at if kind != "invite" else created_at)
        if no_show_at is not None:
            no_shows[member_id] += 1
    newest_material = (
        ConsentText.objects.filter(
            library_id=campaign.library_id, purpose=Purpose.PANEL, material=True
        ).aggregate(v=Max("version"))["v"]
        or 0
    )
    for member_id, status, bounced_at, do_not_contact in rows:
        text_id, version, given = latest.get(member_id, (0, 0, False))
        yield (
            member_id,
            ContactFacts(
                consent_given=given and (not interview or agreed.get(member_id, False)),
                consent_current=bool(
                    current
                    and member_id in latest
                    and (text_id == current.pk or version >= newest_material)
                ),
                left_panel=status == PanelMember.Status.LEFT,
                bounced=bounced_at is not None,
                do_not_contact=do_not_contact,
                already_invited=member_id in already,
                invited_at=[at for at in invited.get(member_id, []) if at is not None],
                no_shows=no_shows.get(member_id, 0),
                interview=interview,
                completed=member_id in completed,
            ),
        )


# The states of an invitation that count as a contact when deciding whom to invite.
CONTACT_STATES = [Invitation.State.QUEUED, Invitation.State.SENDING, Invitation.State.SENT]


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
        "reminded": campaign.invitations.filter(reminders__state=Invitation.State.SENT)
        .distinct()
        .count(),
        "withheld": rows.get(Invitation.State.WITHHELD, 0),
    }


def campaign_failures(campaign: Campaign) -> list[tuple[str, int]]:
    """Why invitations failed: each error with how many it stopped, most frequent first."""
    rows = (
        campaign.invitations.filter(state=Invitation.State.FAILED)
        .values_list("last_error")
        .annotate(n=Count("pk"))
        .order_by("-n", "last_error")
    )
    return [(error or "–", n) for error, n in rows.values_list("last_error", "n")[:20]]


def campaign_get_for_user(user: AbstractBaseUser | AnonymousUser, campaign_id: int) -> Campaign:
    sites = {s.pk for s in library_sites_for_user(user)}
    campaign = Campaign.objects.filter(pk=campaign_id, library__in=sites).first()
    if campaign is None:
        raise Http404
    return campaign


# What the contact rules' reasons (panel.eligibility) mean, for staff.
CONTACT_REASONS = {
    "ok": _("allowed"),
    "left": _("left the panel"),
    "do-not-contact": _("on the do-not-contact list"),
    "bounced": _("the address bounced"),
    "no-consent": _("no consent for this purpose"),
    "already-invited": _("already invited by this campaign"),
    "answered": _("already answered"),
    "no-shows": _("did not come to booked interviews"),
    "cooldown": _("contacted recently (cool-down)"),
    "period-cap": _("contacted too often in the period"),
    "outside-window": _("waiting for the sending window"),
    "over-cap": _("over the campaign's limit"),
    "max-reminders": _("all reminders sent"),
    "campaign-finished": _("the campaign has finished"),
    "gone": _("no longer a member"),
}


def contact_reason_label(reason: str) -> str:
    return str(CONTACT_REASONS.get(reason, reason))


def campaign_launch_summary(campaign: Campaign) -> list[tuple[str, int]]:
    """Who the launch did not invite, by reason (most first), and who was withheld when
    sending, by reason: (label, count)."""
    counts: dict[str, int] = dict(campaign.launch_summary or {})
    withheld = (
        campaign.invitations.filter(state=Invitation.State.WITHHELD)
        .values_list("reason")
        .annotate(n=Count("pk"))
    )
    for reason, n in withheld.values_list("reason", "n"):
        counts[reason] = counts.get(reason, 0) + n
    return sorted(
        ((contact_reason_label(reason), n) for reason, n in counts.items()), key=lambda r: -r[1]
    )


def campaigns_sending_for_user(
    user: AbstractBaseUser | AnonymousUser, limit: int = 10
) -> list[dict[str, Any]]:
    """The user's libraries' running campaigns, newest start first, with their progress
    from the invitation rows: ``invited``, ``sent``, ``waiting`` (queued or sending),
    ``completed`` and the percent sent — one query."""
    campaigns = (
        library_scope(Campaign, user)
        .filter(status=Campaign.Status.RUNNING)
        .annotate(
            invited=Count("invitations"),
            sent=Count("invitations", filter=Q(invitations__state=Invitation.State.SENT)),
            waiting=Count(
                "invitations",
                filter=Q(
                    invitations__state__in=[Invitation.State.QUEUED, Invitation.State.SENDING]
                ),
            ),
            completed=Count("invitations", filter=Q(invitations__completed_at__isnull=False)),
        )
        .order_by("-starts_at", "pk")[:limit]
    )
    return [
        {
            "campaign": c,
            "invited": c.invited,
            "sent": c.sent,
            "waiting": c.waiting,
            "completed": c.completed,
            "percent": round(100 * c.sent / c.invited) if c.invited else 0,
        }
        for c in campaigns
    ]
