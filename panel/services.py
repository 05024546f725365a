"""Panel services: sign-up with double opt-in, confirmation, consent, purge (DESIGN.md C2)."""

import smtplib
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.header import Header
from email.utils import formataddr, parseaddr
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from wagtail.models import Site

from cms.mail import Prototype, send_recorded

from .eligibility import ContactRules, contact_decision
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
            "library": library_display_name(member.library),
        }
        subject = render_to_string("panel/email/confirm_subject.txt", context).strip()
        text = render_to_string("panel/email/confirm.txt", context)
        html = render_to_string("panel/email/confirm.html", context)
    message = EmailMultiAlternatives(subject, text, library_sender(member.library), [member.email])
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


def library_display_name(site: Site) -> str:
    from cms.models import LibrarySettings

    return LibrarySettings.for_site(site).library_name or site.site_name


def library_sender(site: Site) -> str:
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
            "library": library_display_name(member.library),
        }
        subject = render_to_string("panel/email/my_data_subject.txt", context).strip()
        text = render_to_string("panel/email/my_data.txt", context)
    EmailMultiAlternatives(subject, text, library_sender(member.library), [member.email]).send()
    return True


def member_export(*, member: PanelMember) -> dict[str, Any]:
    """Everything stored about a member, as JSON-ready data (their right of access)."""
    data: dict[str, Any] = {
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
    }
    from .signals import member_data_collect

    for _receiver, sections in member_data_collect.send(sender=PanelMember, member=member):
        if isinstance(sections, dict):
            data.update(sections)
    return data


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
        from .signals import consent_withdrawn

        transaction.on_commit(
            partial(
                consent_withdrawn.send, sender=PanelMember, member_id=member.pk, purpose=purpose
            )
        )
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
    from .selectors import contact_facts, segment_members
    from .tasks import invitations_send as send_task

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
    from .tasks import invitations_send as send_task

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


@dataclass(frozen=True)
class MailTemplate:
    """A campaign's invitation (or reminder) in one language, rendered once with markers
    where each member's personal links go (DESIGN.md: per-chunk work, not per message)."""

    sender: str
    subject: str
    text: str
    html: str
    prototype: Prototype | None = None  # the serialised message, for the SMTP backend

    URL = "innsikt-personal-link-7d1c"
    UNSUBSCRIBE = "innsikt-unsubscribe-link-7d1c"
    TO = "innsikt-recipient-7d1c@innsikt.invalid"
    MESSAGE_ID = "innsikt-message-id-7d1c"

    def fill(self, *, url: str, unsubscribe: str) -> tuple[str, str, str]:
        def put(body: str, quote: Callable[[str], str]) -> str:
            return body.replace(self.URL, quote(url)).replace(self.UNSUBSCRIBE, quote(unsubscribe))

        return self.subject, put(self.text, str), put(self.html, lambda v: str(escape(v)))


MailTemplates = dict[tuple[int, str, bool], MailTemplate]


def _ascii_header(value: str) -> str:
    """A header value as RFC 2047 encoded words, once per template: Django would encode
    the same non-ASCII subject and sender name again for every message (≈ half of a
    message's build time)."""
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="")


def _mail_template(campaign: Campaign, member: PanelMember, reminder: bool) -> MailTemplate:
    library = member.library
    with translation.override(member.language):
        context = {
            "url": MailTemplate.URL,
            "unsubscribe": MailTemplate.UNSUBSCRIBE,
            "greeting": campaign.greeting,
            "survey": campaign.topic.localized.title,
            "interview": campaign.kind == Campaign.Kind.INTERVIEW,
            "library": library_display_name(library),
            "reminder": reminder,
        }
        name, address = parseaddr(library_sender(library))
        template = MailTemplate(
            sender=formataddr((_ascii_header(name), address)) if name else address,
            subject=_ascii_header(
                render_to_string("panel/email/invitation_subject.txt", context).strip()
            ),
            text=render_to_string("panel/email/invitation.txt", context),
            html=render_to_string("panel/email/invitation.html", context),
        )
    sample = _mail_message(
        template,
        to=MailTemplate.TO,
        message_id=MailTemplate.MESSAGE_ID,
        url=MailTemplate.URL,
        unsubscribe=MailTemplate.UNSUBSCRIBE,
    )
    markers = (MailTemplate.URL, MailTemplate.UNSUBSCRIBE, MailTemplate.TO, MailTemplate.MESSAGE_ID)
    return replace(template, prototype=Prototype.of(sample, markers))


def _mail_message(
    template: MailTemplate, *, to: str, message_id: str, url: str, unsubscribe: str
) -> EmailMultiAlternatives:
    subject, text, html = template.fill(url=url, unsubscribe=unsubscribe)
    message = EmailMultiAlternatives(
        subject,
        text,
        template.sender,
        [to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<{message_id}@innsikt>",
        },
    )
    message.attach_alternative(html, "text/html")
    if template.prototype is not None:
        values = {
            MailTemplate.URL: url,
            MailTemplate.UNSUBSCRIBE: unsubscribe,
            MailTemplate.TO: to,
            MailTemplate.MESSAGE_ID: message_id,
        }
        with suppress(ValueError):  # e.g. an address with non-ASCII letters: built in full
            message.mime_bytes = template.prototype.fill(values)  # type: ignore[attr-defined]
    return message


def _invitation_message(
    invitation: Invitation, *, reminder: bool, templates: MailTemplates | None = None
) -> EmailMultiAlternatives:
    member, campaign = invitation.member, invitation.campaign
    assert member is not None
    templates = {} if templates is None else templates
    key = (campaign.pk, member.language, reminder)
    if key not in templates:
        templates[key] = _mail_template(campaign, member, reminder)
    template = templates[key]
    root = member.library.root_url
    with translation.override(member.language):
        url = root + reverse("panel_invitation", args=[invitation_token(invitation.pk)])
        unsubscribe = root + reverse("panel_unsubscribe", args=[unsubscribe_token(member)])
    return _mail_message(
        template,
        to=member.email,
        message_id=f"{invitation.pk}.{int(reminder)}.{invitation.reminders_sent}",
        url=url,
        unsubscribe=unsubscribe,
    )


class ClaimLost(Exception):
    """Another worker took this invitation over (our lease ran out): do not send it."""


def _permanent(error: OSError) -> bool:
    """An SMTP reply that retrying will not change (5xx), e.g. a refused recipient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _invitation_mark_sent(pk: str, *, claimed_at: datetime) -> bool:
    """Mark a claimed invitation sent, if the claim is still ours; commits at once
    (autocommit). One plain UPDATE: building it with the ORM for every message was a fifth
    of a send's CPU time (bench/panel_send.py)."""
    adapt = connection.ops.adapt_datetimefield_value
    assert Invitation._meta.pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Invitation._meta.db_table} SET state = %s, sent_at = %s "  # noqa: S608
            "WHERE id = %s AND state = %s AND claimed_at = %s",
            [
                Invitation.State.SENT.value,
                adapt(timezone.now()),
                Invitation._meta.pk.get_db_prep_value(pk, connection),
                Invitation.State.SENDING.value,
                adapt(claimed_at),
            ],
        )
        return cursor.rowcount == 1


def invitations_send(*, invitation_ids: Sequence[UUID | str]) -> dict[str, str]:
    """Send a chunk of invitations, each exactly once (DESIGN.md C6), over one connection.

    One conditional UPDATE claims the chunk's invitations that are queued, or held by a
    claim older than the lease (a dead worker's); ids claimed by a live worker, already
    sent or failed are left alone. Each claimed invitation is then recorded as ``sent`` —
    conditionally on this claim — after the SMTP server has the whole message and before
    it accepts it (``cms.mail.send_recorded``), so a worker killed at any point neither
    re-sends an accepted invitation nor loses an unaccepted one. A refused recipient (5xx)
    marks that invitation ``failed``. Any other SMTP error puts every unsent invitation of
    the chunk back in the queue with one more attempt (``failed`` after MAX_ATTEMPTS) and
    is raised, so the task retries with back-off. Returns each id's resulting state."""
    ids = [str(pk) for pk in invitation_ids]
    now = timezone.now()
    Invitation.objects.filter(
        Q(state=Invitation.State.QUEUED)
        | Q(state=Invitation.State.SENDING, claimed_at__lt=now - claim_lease()),
        pk__in=ids,
    ).update(state=Invitation.State.SENDING, claimed_at=now)
    mine = Invitation.objects.filter(pk__in=ids, state=Invitation.State.SENDING, claimed_at=now)
    claimed = list(
        mine.select_related("campaign__survey", "campaign__guide", "member__library").order_by("pk")
    )
    states: dict[str, str] = {}
    if len(claimed) < len(ids):
        others = Invitation.objects.filter(pk__in=ids).exclude(pk__in=[i.pk for i in claimed])
        states = {str(pk): state for pk, state in others.values_list("pk", "state")}
    templates: MailTemplates = {}
    connection = get_connection()
    try:
        if claimed:
            connection.open()
        for invitation in claimed:
            pk, member = str(invitation.pk), invitation.member
            claim = Invitation.objects.filter(pk=pk, state=Invitation.State.SENDING, claimed_at=now)
            if member is None or member.bounced_at or member.status == PanelMember.Status.LEFT:
                claim.update(state=Invitation.State.FAILED, last_error="member left or bounced")
                states[pk] = Invitation.State.FAILED
                continue

            def record(pk: str = pk) -> None:
                if not _invitation_mark_sent(pk, claimed_at=now):
                    raise ClaimLost()

            try:
                send_recorded(
                    _invitation_message(invitation, reminder=False, templates=templates),
                    record,
                    connection,
                )
            except ClaimLost:
                states[pk] = Invitation.State.SENDING
                continue
            except OSError as error:
                if not _permanent(error):
                    raise
                Invitation.objects.filter(pk=pk).update(
                    state=Invitation.State.FAILED, last_error=str(error)[:300]
                )
                states[pk] = Invitation.State.FAILED
                continue
            states[pk] = Invitation.State.SENT
    except OSError as error:
        unsent = mine.exclude(pk__in=[pk for pk in states])
        unsent.filter(attempts__gte=MAX_ATTEMPTS - 1).update(
            state=Invitation.State.FAILED, attempts=F("attempts") + 1, last_error=str(error)[:300]
        )
        requeued = unsent.update(
            state=Invitation.State.QUEUED,
            claimed_at=None,
            attempts=F("attempts") + 1,
            last_error=str(error)[:300],
        )
        states.update(
            (str(pk), state)
            for pk, state in Invitation.objects.filter(pk__in=ids).values_list("pk", "state")
        )
        if requeued:
            raise
    finally:
        connection.close()
    return states


def invitation_send(*, invitation_id: UUID | str) -> str:
    """Send one invitation (see ``invitations_send``); returns its resulting state."""
    return invitations_send(invitation_ids=[invitation_id])[str(invitation_id)]


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
        Invitation.objects.select_related("campaign__survey", "campaign__guide", "member__library")
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
            "library": library_display_name(member.library),
            "url": member.library.root_url + reverse("panel_my_data_request"),
            "days": RETENTION_NOTICE_DAYS,
        }
        subject = render_to_string("panel/email/retention_subject.txt", context).strip()
        text = render_to_string("panel/email/retention.txt", context)
    EmailMultiAlternatives(subject, text, library_sender(member.library), [member.email]).send()


def member_needs_reconsent(
    *, member: PanelMember, purpose: str = Purpose.PANEL, unless_given: bool = False
) -> ConsentText | None:
    """The current text for ``purpose``, if the member's latest consent to it is to an
    older version and a material version has come since; else None. ``unless_given``: also
    ask a member who never agreed, or withdrew (the interview consent at booking)."""
    current = consent_current(library=member.library, purpose=purpose)
    latest = member.consents.filter(purpose=purpose).order_by("-at", "-pk").first()
    if current is None:
        return None
    if latest is None or not latest.given:
        return current if unless_given else None
    if latest.text_id == current.pk:
        return None
    material_since = ConsentText.objects.filter(
        library=member.library,
        purpose=purpose,
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
    three leases — what the periodic sweep re-sends, after a worker was killed."""
    pending = Invitation.objects.filter(
        Q(state=Invitation.State.QUEUED)
        | Q(state=Invitation.State.SENDING, claimed_at__lt=now - claim_lease()),
        campaign=campaign,
    )
    if stuck_only:
        pending = pending.filter(created_at__lt=now - 3 * claim_lease())
    return [str(pk) for pk in pending.values_list("pk", flat=True)]
