"""Panel services: sign-up with double opt-in, confirmation, consent, purge (DESIGN.md C2)."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Site

from .eligibility import ContactFacts, ContactRules, contact_decision
from .loans import card_hash
from .models import (
    Campaign,
    ConsentRecord,
    ConsentText,
    Invitation,
    LoanImport,
    PanelMember,
    Purpose,
)

CONFIRM_SALT = "innsikt.panel.confirm"
CONFIRM_DAYS = 7


class TokenInvalid(Exception):
    """A confirmation link that is tampered with, unknown or expired (``expired`` says which)."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def consent_current(*, library: Site, purpose: str) -> ConsentText | None:
    return ConsentText.objects.filter(library=library, purpose=purpose).order_by("-version").first()


def member_signup(
    *,
    library: Site,
    email: str,
    mobile: str,
    language: str,
    age_band: str,
    attributes: dict[str, Any],
    consents: dict[str, bool],
    channel: str,
    card: str = "",
) -> PanelMember | None:
    """Sign a person up, or do nothing visible if the address is already in this library's
    panel (no duplicate, nothing revealed to the person at the keyboard; a pending sign-up
    gets a fresh confirmation mail). Requires the panel consent. Sends the confirmation
    mail through Celery after commit. Returns the member, or None for a known address."""
    if not consents.get(Purpose.PANEL):
        raise ValueError("the panel consent is required")
    email = email.strip().lower()
    from .tasks import signup_confirmation_send

    existing = PanelMember.objects.filter(library=library, email=email).first()
    if existing is not None:
        if existing.status == PanelMember.Status.PENDING:
            transaction.on_commit(lambda: signup_confirmation_send.delay(str(existing.pk)))
        return None
    try:
        with transaction.atomic():
            member = PanelMember.objects.create(
                library=library,
                email=email,
                mobile=mobile.strip(),
                language=language,
                age_band=age_band,
                attributes=attributes,
                channel=channel,
                # Only a keyed hash, and only with consent to linking with loan statistics.
                card_hash=card_hash(card, settings.INNSIKT_CARD_HMAC_KEY)
                if card and consents.get(Purpose.LOAN_LINKING)
                else "",
            )
            for purpose, given in consents.items():
                text = consent_current(library=library, purpose=purpose)
                if given and text is not None:
                    ConsentRecord.objects.create(
                        member=member, purpose=purpose, text=text, given=True, channel=channel
                    )
    except IntegrityError:
        return None  # the same address signed up at the same moment
    transaction.on_commit(lambda: signup_confirmation_send.delay(str(member.pk)))
    return member


def _unsign(token: str, salt: str, max_age: timedelta | None = None) -> str:
    """The value a link's token was signed for; TokenInvalid when tampered or too old."""
    try:
        if max_age is None:
            return signing.Signer(salt=salt).unsign(token)
        return signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise TokenInvalid(expired=True) from exc
    except signing.BadSignature as exc:
        raise TokenInvalid() from exc


def confirmation_token(member: PanelMember) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(member.pk))


def signup_confirmation_send(*, member_id: UUID | str) -> bool:
    """Mail the confirmation link to a pending member, in their language. Idempotent in
    effect: any of the links sent works until it expires. Returns False when there is
    nothing to send (confirmed or gone)."""
    member = PanelMember.objects.filter(pk=member_id, status=PanelMember.Status.PENDING).first()
    if member is None:
        return False
    with translation.override(member.language):
        path = reverse("panel_confirm", args=[confirmation_token(member)])
        context = {
            "url": member.library.root_url + path,
            "days": CONFIRM_DAYS,
            "library": _library_name(member.library),
        }
        subject = render_to_string("panel/email/confirm_subject.txt", context).strip()
        text = render_to_string("panel/email/confirm.txt", context)
        html = render_to_string("panel/email/confirm.html", context)
    message = EmailMultiAlternatives(subject, text, _sender(member.library), [member.email])
    message.attach_alternative(html, "text/html")
    message.send()
    return True


def member_confirm(*, token: str) -> PanelMember:
    """Confirm the sign-up a link was made for. Raises TokenInvalid for tampered, unknown
    or expired links. Confirming twice is harmless."""
    member_id = _unsign(token, CONFIRM_SALT, timedelta(days=CONFIRM_DAYS))
    member = PanelMember.objects.filter(pk=member_id).first()
    if member is None:
        raise TokenInvalid(expired=True)  # purged after its week
    if member.status == PanelMember.Status.PENDING:
        PanelMember.objects.filter(pk=member.pk, status=PanelMember.Status.PENDING).update(
            status=PanelMember.Status.ACTIVE,
            confirmed_at=timezone.now(),
            last_active_at=timezone.now(),
        )
        member.refresh_from_db()
    return member


def members_purge_unconfirmed() -> int:
    """Delete sign-ups never confirmed within the link's lifetime. Idempotent."""
    cutoff = timezone.now() - timedelta(days=CONFIRM_DAYS)
    _total, per_model = PanelMember.objects.filter(
        status=PanelMember.Status.PENDING, created_at__lt=cutoff
    ).delete()
    return per_model.get(PanelMember._meta.label, 0)


def _library_name(site: Site) -> str:
    from cms.models import LibrarySettings

    return LibrarySettings.for_site(site).library_name or site.site_name


def _sender(site: Site) -> str:
    from cms.models import LibrarySettings

    return LibrarySettings.for_site(site).sender_email or settings.DEFAULT_FROM_EMAIL


# ---- members' own data ---------------------------------------------------------------------
MY_DATA_SALT = "innsikt.panel.mydata"
MY_DATA_MINUTES = 60


def my_data_token(member: PanelMember) -> str:
    return signing.TimestampSigner(salt=MY_DATA_SALT).sign(str(member.pk))


def my_data_member(*, token: str) -> PanelMember:
    """The member a sign-in link was made for. Raises TokenInvalid (expired after an hour)."""
    member_id = _unsign(token, MY_DATA_SALT, timedelta(minutes=MY_DATA_MINUTES))
    member = PanelMember.objects.filter(pk=member_id).first()
    if member is None:
        raise TokenInvalid()
    return member


def my_data_member_for_email(*, library: Site, email: str) -> PanelMember | None:
    """The confirmed member with this address in this library, if any."""
    return (
        PanelMember.objects.filter(library=library, email=email.strip().lower())
        .exclude(status=PanelMember.Status.PENDING)
        .first()
    )


def my_data_link_request(*, library: Site, email: str) -> None:
    """Someone asked for a sign-in link: queue the mail if the address belongs to a
    confirmed member of this library, and do nothing visible otherwise."""
    member = my_data_member_for_email(library=library, email=email)
    if member is not None:
        from .tasks import my_data_link_send as task

        member_id = str(member.pk)
        transaction.on_commit(lambda: task.delay(member_id))


def my_data_link_send(*, member_id: UUID | str) -> bool:
    """Mail a member a sign-in link to their data. Returns False if the member is gone."""
    member = PanelMember.objects.filter(pk=member_id).first()
    if member is None:
        return False
    with translation.override(member.language):
        context = {
            "url": member.library.root_url
            + reverse("panel_my_data_signin", args=[my_data_token(member)]),
            "minutes": MY_DATA_MINUTES,
            "library": _library_name(member.library),
        }
        subject = render_to_string("panel/email/my_data_subject.txt", context).strip()
        text = render_to_string("panel/email/my_data.txt", context)
    EmailMultiAlternatives(subject, text, _sender(member.library), [member.email]).send()
    return True


def member_export(*, member: PanelMember) -> dict[str, Any]:
    """Everything stored about a member, as JSON-ready data (their right of access)."""
    return {
        "member": {
            "id": str(member.pk),
            "email": member.email,
            "mobile": member.mobile,
            "language": member.language,
            "age_band": member.age_band,
            "joined_via": member.channel,
            "status": member.status,
            "signed_up": member.created_at.isoformat(),
            "confirmed": member.confirmed_at.isoformat() if member.confirmed_at else None,
            "screener_answers": member.attributes,
        },
        "consents": [
            {
                "purpose": record.purpose,
                "text_version": record.text.version,
                "text": record.text.text(member.language),
                "given": record.given,
                "at": record.at.isoformat(),
                "channel": record.channel,
            }
            for record in member.consents.select_related("text")
        ],
        "invitations": [],
        "interview_bookings": [],
    }


def consent_withdraw(*, member: PanelMember, purpose: str, channel: str = "my-data") -> bool:
    """Append a withdrawal for a purpose the member has consented to. Withdrawing the panel
    consent means leaving the panel: no more contact. Returns False if there was nothing to
    withdraw (idempotent)."""
    latest = member.consents.filter(purpose=purpose).order_by("-at", "-pk").first()
    if latest is None or not latest.given:
        return False
    with transaction.atomic():
        ConsentRecord.objects.create(
            member=member, purpose=purpose, text=latest.text, given=False, channel=channel
        )
        if purpose == Purpose.PANEL:
            PanelMember.objects.filter(pk=member.pk).update(status=PanelMember.Status.LEFT)
    return True


def member_erase(*, member: PanelMember) -> None:
    """Delete the member and everything that names them (consents). Access-log rows keep
    only the random id. Pseudonymous answers, once invitations exist, stay as anonymous
    data with no link back."""
    member.delete()


def access_log_record(*, staff: Any, library_id: int, member_id: UUID | None, action: str) -> None:
    from .models import AccessLog

    AccessLog.objects.create(staff=staff, library_id=library_id, member_id=member_id, action=action)


# ---- loan statistics ---------------------------------------------------------------------
def _consents_now(member: PanelMember, purpose: str) -> bool:
    latest = member.consents.filter(purpose=purpose).order_by("-at", "-pk").first()
    return bool(latest and latest.given)


def loans_import(
    *, library: Site, uploaded_by: Any, filename: str, content: bytes
) -> tuple[LoanImport, bool]:
    """Apply a loan-statistics file to the members who consented to linking (matched by
    card hash or e-mail address): their ``loan_band`` and ``loan_year`` attributes take the
    newest year's band. Returns (the import, whether this exact file was imported before —
    then nothing changes)."""
    import hashlib

    from .loans import parse_loans_csv

    digest = hashlib.sha256(content).hexdigest()
    earlier = LoanImport.objects.filter(library=library, sha256=digest).first()
    if earlier is not None:
        return earlier, True
    rows, problems = parse_loans_csv(content, settings.INNSIKT_CARD_HMAC_KEY)
    matched = changed = 0
    with transaction.atomic():
        members = PanelMember.objects.select_for_update().filter(
            library=library, status=PanelMember.Status.ACTIVE
        )
        by_card = {m.card_hash: m for m in members if m.card_hash}
        by_email = {m.email: m for m in members}
        for row in rows:
            member = by_card.get(row.card_hash) if row.card_hash else by_email.get(row.email)
            if member is None or not _consents_now(member, Purpose.LOAN_LINKING):
                continue
            matched += 1
            if int(member.attributes.get("loan_year", 0)) > row.year:
                continue
            new = {**member.attributes, "loan_band": row.band, "loan_year": row.year}
            if new != member.attributes:
                member.attributes = new
                member.save(update_fields=["attributes"])
                changed += 1
        record = LoanImport.objects.create(
            library=library,
            sha256=digest,
            filename=filename[:200],
            uploaded_by=uploaded_by,
            rows=len(rows) + len(problems),
            matched=matched,
            changed=changed,
            problems=[{"line": line, "problem": text} for line, text in problems],
        )
    return record, False


# ---- campaigns and invitations -----------------------------------------------------------
INVITE_SALT = "innsikt.panel.invitation"
UNSUBSCRIBE_SALT = "innsikt.panel.unsubscribe"
CLAIM_LEASE = timedelta(minutes=5)
STUCK_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 5
CHUNK = 500


def contact_rules() -> ContactRules:
    return ContactRules(
        cooldown_days=settings.INNSIKT_CONTACT_COOLDOWN_DAYS,
        max_per_period=settings.INNSIKT_CONTACT_MAX_PER_PERIOD,
        period_days=settings.INNSIKT_CONTACT_PERIOD_DAYS,
    )


def member_contact_facts(
    member: PanelMember, campaign: Campaign, current: ConsentText | None
) -> ContactFacts:
    """The facts eligibility needs, from a member with prefetched consents and invitations."""
    records = sorted(
        (r for r in member.consents.all() if r.purpose == Purpose.PANEL),
        key=lambda r: (r.at, r.pk),
    )
    latest = records[-1] if records else None
    consent_current = bool(
        latest
        and current
        and (
            latest.text_id == current.pk
            or not ConsentText.objects.filter(
                library_id=member.library_id,
                purpose=Purpose.PANEL,
                material=True,
                version__gt=latest.text.version,
            ).exists()
        )
    )
    invitations = list(member.invitations.all())
    return ContactFacts(
        consent_given=bool(latest and latest.given),
        consent_current=consent_current,
        left_panel=member.status == PanelMember.Status.LEFT,
        bounced=member.bounced_at is not None,
        do_not_contact=member.do_not_contact,
        already_invited=any(i.campaign_id == campaign.pk for i in invitations),
        invited_at=[i.created_at for i in invitations if i.campaign_id != campaign.pk],
    )


def campaign_launch(*, campaign: Campaign, user: Any) -> int:
    """Invite the segment's eligible members (at most ``cap``) and start sending at the
    campaign's start, inside its daily window. Returns how many were invited. Launching a
    running campaign again invites only members not yet invited (idempotent)."""
    from .selectors import segment_members
    from .tasks import campaign_dispatch

    now = timezone.now()
    override = bool(campaign.override_reason.strip())
    current = consent_current(library=campaign.segment.library, purpose=Purpose.PANEL)
    members = segment_members(campaign.segment).prefetch_related("consents__text", "invitations")
    rules = contact_rules()
    already = Invitation.objects.filter(campaign=campaign).count()
    room = None if campaign.cap is None else max(campaign.cap - already, 0)
    new: list[Invitation] = []
    for member in members.order_by("pk"):
        if room is not None and len(new) >= room:
            break
        facts = member_contact_facts(member, campaign, current)
        decision = contact_decision(facts, rules, now, override=override)
        if decision.allowed:
            new.append(Invitation(campaign=campaign, member=member, reconsent=decision.reconsent))
    with transaction.atomic():
        Invitation.objects.bulk_create(new, ignore_conflicts=True)
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
    transaction.on_commit(lambda: campaign_dispatch.delay(campaign.pk))
    return len(new)


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


def invitation_token(invitation_id: UUID | str) -> str:
    return signing.Signer(salt=INVITE_SALT).sign(str(invitation_id))


def invitation_for_token(token: str) -> Invitation:
    invitation_id = _unsign(token, INVITE_SALT)
    invitation = (
        Invitation.objects.select_related("campaign", "member").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.member is None:
        raise TokenInvalid()
    return invitation


def unsubscribe_token(member: PanelMember) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(member.pk))


def member_for_unsubscribe(token: str) -> PanelMember:
    member_id = _unsign(token, UNSUBSCRIBE_SALT)
    member = PanelMember.objects.filter(pk=member_id).first()
    if member is None:
        raise TokenInvalid()
    return member


def member_unsubscribe(*, member: PanelMember, channel: str) -> None:
    """Leave the panel (a withdrawal of the panel consent). Idempotent."""
    if not consent_withdraw(member=member, purpose=Purpose.PANEL, channel=channel):
        PanelMember.objects.filter(pk=member.pk).update(status=PanelMember.Status.LEFT)


MailCache = dict[tuple[int, str], dict[str, str]]


def _campaign_mail_facts(campaign: Campaign, member: PanelMember, cache: MailCache) -> dict:
    """What every mail of a campaign in one language shares (read once per chunk)."""
    key = (campaign.pk, member.language)
    if key not in cache:
        with translation.override(member.language):
            cache[key] = {
                "root": member.library.root_url,
                "survey": campaign.survey.localized.title,
                "library": _library_name(member.library),
                "sender": _sender(member.library),
            }
    return cache[key]


def _invitation_message(
    invitation: Invitation, *, reminder: bool, cache: MailCache | None = None
) -> EmailMultiAlternatives:
    member, campaign = invitation.member, invitation.campaign
    assert member is not None
    facts = _campaign_mail_facts(campaign, member, {} if cache is None else cache)
    root = facts["root"]
    with translation.override(member.language):
        unsubscribe = root + reverse("panel_unsubscribe", args=[unsubscribe_token(member)])
        context = {
            "url": root + reverse("panel_invitation", args=[invitation_token(invitation.pk)]),
            "unsubscribe": unsubscribe,
            "greeting": campaign.greeting,
            "survey": facts["survey"],
            "library": facts["library"],
            "reminder": reminder,
        }
        subject = render_to_string("panel/email/invitation_subject.txt", context).strip()
        text = render_to_string("panel/email/invitation.txt", context)
        html = render_to_string("panel/email/invitation.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        facts["sender"],
        [member.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<{invitation.pk}.{int(reminder)}.{invitation.reminders_sent}@innsikt>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def invitations_send_chunk(*, invitation_ids: list[str]) -> int:
    """Send a chunk over one SMTP connection, sharing the campaign's mail facts. Each
    invitation is still claimed and marked on its own. Returns how many were sent; an SMTP
    error is raised (after re-queueing that invitation) so the task retries the chunk."""
    cache: MailCache = {}
    sent = 0
    with get_connection() as connection:
        for invitation_id in invitation_ids:
            state = invitation_send(invitation_id=invitation_id, connection=connection, cache=cache)
            sent += state == Invitation.State.SENT
    return sent


def invitation_send(
    *, invitation_id: UUID | str, connection: Any = None, cache: MailCache | None = None
) -> str:
    """Send one invitation exactly once: claim it with a conditional UPDATE (queued, or a
    stale claim older than the lease), send, then mark it sent. A failure puts it back in
    the queue until MAX_ATTEMPTS, then marks it failed. Returns the resulting state."""
    now = timezone.now()
    claimed = Invitation.objects.filter(
        Q(state=Invitation.State.QUEUED)
        | Q(state=Invitation.State.SENDING, claimed_at__lt=now - CLAIM_LEASE),
        pk=invitation_id,
    ).update(state=Invitation.State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    invitation = (
        Invitation.objects.select_related("campaign__survey", "member__library")
        .filter(pk=invitation_id)
        .first()
    )
    if not claimed or invitation is None:
        return invitation.state if invitation else "gone"
    if (
        invitation.member is None
        or invitation.member.bounced_at
        or (invitation.member.status == PanelMember.Status.LEFT)
    ):
        Invitation.objects.filter(pk=invitation_id).update(
            state=Invitation.State.FAILED, last_error="member left, bounced or erased"
        )
        return Invitation.State.FAILED
    try:
        message = _invitation_message(invitation, reminder=False, cache=cache)
        message.connection = connection
        message.send()
    except OSError as exc:
        state = (
            Invitation.State.FAILED
            if invitation.attempts >= MAX_ATTEMPTS
            else Invitation.State.QUEUED
        )
        Invitation.objects.filter(pk=invitation_id).update(
            state=state, claimed_at=None, last_error=str(exc)[:300]
        )
        if state == Invitation.State.QUEUED:
            raise
        return state
    Invitation.objects.filter(pk=invitation_id).update(
        state=Invitation.State.SENT, sent_at=timezone.now(), last_error=""
    )
    return Invitation.State.SENT


def reminders_due(*, now: datetime) -> list[str]:
    """Ids of sent, unanswered invitations whose campaign wants a reminder now."""
    due = []
    candidates = Invitation.objects.filter(
        state=Invitation.State.SENT,
        completed_at__isnull=True,
        campaign__status=Campaign.Status.RUNNING,
        reminders_sent__lt=F("campaign__max_reminders"),
        member__status=PanelMember.Status.ACTIVE,
        member__bounced_at__isnull=True,
        member__do_not_contact=False,
    ).select_related("campaign")
    for invitation in candidates:
        last = invitation.reminded_at or invitation.sent_at
        if last and now - last >= timedelta(days=invitation.campaign.remind_after_days):
            due.append(str(invitation.pk))
    return due


def reminder_send(*, invitation_id: UUID | str) -> bool:
    """Send the next reminder unless the member answered, left or bounced meanwhile.
    Counts first (a conditional UPDATE), so two workers never send the same reminder."""
    invitation = (
        Invitation.objects.select_related("campaign__survey", "member__library")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.member is None:
        return False
    counted = Invitation.objects.filter(
        pk=invitation_id, reminders_sent=invitation.reminders_sent, completed_at__isnull=True
    ).update(reminders_sent=F("reminders_sent") + 1, reminded_at=timezone.now())
    if not counted:
        return False
    _invitation_message(invitation, reminder=True).send()
    return True


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


# ---- bounces -------------------------------------------------------------------------------
def member_bounce_record(*, email: str, at: datetime | None = None) -> int:
    """A hard bounce: no more mail to this address in any library (until it is changed).
    Returns how many memberships it touched. Idempotent (the first bounce time stays)."""
    return PanelMember.objects.filter(email=email.strip().lower(), bounced_at__isnull=True).update(
        bounced_at=at or timezone.now()
    )


# ---- retention -----------------------------------------------------------------------------
RETENTION_NOTICE_DAYS = 30


def member_touch(*, member_id: UUID | str) -> None:
    """The member did something: their membership's inactivity clock restarts."""
    PanelMember.objects.filter(pk=member_id).update(
        last_active_at=timezone.now(), retention_notice_at=None
    )


def _retention_months(site: Site) -> int:
    from cms.models import LibrarySettings

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
    with translation.override(member.language):
        context = {
            "library": _library_name(member.library),
            "url": member.library.root_url + reverse("panel_my_data_request"),
            "days": RETENTION_NOTICE_DAYS,
        }
        subject = render_to_string("panel/email/retention_subject.txt", context).strip()
        text = render_to_string("panel/email/retention.txt", context)
    EmailMultiAlternatives(subject, text, _sender(member.library), [member.email]).send()


def member_needs_reconsent(*, member: PanelMember) -> ConsentText | None:
    """The current panel text, if the member's latest panel consent is to an older version
    and a material version has come since; else None."""
    current = consent_current(library=member.library, purpose=Purpose.PANEL)
    latest = member.consents.filter(purpose=Purpose.PANEL).order_by("-at", "-pk").first()
    if current is None or latest is None or not latest.given or latest.text_id == current.pk:
        return None
    material_since = ConsentText.objects.filter(
        library=member.library,
        purpose=Purpose.PANEL,
        material=True,
        version__gt=latest.text.version,
    ).exists()
    return current if material_since else None


def consent_give(*, member: PanelMember, text: ConsentText, channel: str) -> ConsentRecord:
    """Append a consent to this text version."""
    return ConsentRecord.objects.create(
        member=member, purpose=text.purpose, text=text, given=True, channel=channel
    )


def invitations_pending(
    *, campaign: Campaign, now: datetime, stuck_only: bool = False
) -> list[str]:
    """Ids of a campaign's invitations still to send: queued, or claimed by a worker whose
    lease ran out (it died). ``stuck_only`` keeps only those waiting longer than
    STUCK_AFTER — what the periodic sweep re-sends, after a worker was killed."""
    pending = Invitation.objects.filter(
        Q(state=Invitation.State.QUEUED)
        | Q(state=Invitation.State.SENDING, claimed_at__lt=now - CLAIM_LEASE),
        campaign=campaign,
    )
    if stuck_only:
        pending = pending.filter(created_at__lt=now - STUCK_AFTER)
    return [str(pk) for pk in pending.values_list("pk", flat=True)]
