"""Sign-up with double opt-in: the sign-up itself, the confirmation mail and link, and
the purge of sign-ups never confirmed."""

from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Site

from cms.abuse import address_mail_take
from cms.queueing import task_enqueue

from ..loans import card_hash
from ..models import (
    ConsentRecord,
    PanelMember,
    Purpose,
)
from .consent import consent_current
from .messages import confirmation_message
from .tokens import CONFIRM_DAYS, member_for_confirmation

CONFIRMATION_TASK = "panel.tasks.signup_confirmation_send"


def member_signup(
    *,
    library: Site,
    email: str,
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
    mail through Celery after commit — at most INNSIKT_MAILS_PER_ADDRESS a day to one
    address (cms.abuse), so the form cannot be used to flood someone's mailbox. Returns
    the member, or None for a known address."""
    if not consents.get(Purpose.PANEL):
        raise ValueError("the panel consent is required")
    email = email.strip().lower()
    existing = PanelMember.objects.filter(library=library, email=email).first()
    if existing is not None:
        if existing.status == PanelMember.Status.PENDING and address_mail_take(email):
            transaction.on_commit(partial(task_enqueue, CONFIRMATION_TASK, str(existing.pk)))
        return None
    try:
        with transaction.atomic():
            member = PanelMember.objects.create(
                library=library,
                email=email,
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
    if address_mail_take(email):
        transaction.on_commit(partial(task_enqueue, CONFIRMATION_TASK, str(member.pk)))
    return member


def signup_confirmation_send(*, member_id: UUID | str) -> bool:
    """Mail the confirmation link to a pending member, in their language. Idempotent in
    effect: any of the links sent works until it expires. Returns False when there is
    nothing to send (confirmed or gone)."""
    member = PanelMember.objects.filter(pk=member_id, status=PanelMember.Status.PENDING).first()
    if member is None:
        return False
    confirmation_message(member).send()
    return True


def member_confirm(*, token: str) -> PanelMember:
    """Confirm the sign-up a link was made for. Raises TokenInvalid for tampered, unknown
    or expired links. Confirming twice is harmless."""
    member = member_for_confirmation(token)
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
