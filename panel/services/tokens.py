"""The tokens in the panel's links: confirmation, "my data" sign-in, invitation (also
the reminder's, the interview booking's and the unsubscribe link's).

Every token is opaque: no database id can be read in it, and the database keeps only its
SHA-256 (``digest``), so a database reader cannot follow a link either. Tokens of rows
that mails point at for long (invitations, confirmation) are derived from the row with a
keyed hash (HMAC of SECRET_KEY: panel.link_tokens), so every mail about the same invitation
carries the same link; a "my data" link is random and lives an hour in the cache. Links
of mails sent before tokens were opaque (Django-signed ids) are still accepted for
invitations and unsubscribing, which people keep in their inboxes.
"""

import secrets
from datetime import timedelta
from uuid import UUID

from django.core import signing
from django.core.cache import cache
from django.utils import timezone

from ..link_tokens import CONFIRMATION, INVITATION, derived_token, token_digest
from ..models import Invitation, PanelMember

CONFIRM_DAYS = 7
MY_DATA_MINUTES = 60
# Salts of the links signed before tokens were opaque.
LEGACY_INVITE_SALT = "innsikt.panel.invitation"
LEGACY_UNSUBSCRIBE_SALT = "innsikt.panel.unsubscribe"


class TokenInvalid(Exception):
    """A link's token that is tampered with, unknown or expired (``expired`` says which)."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


# ---- invitations: the survey link, the reminder, the booking page, unsubscribing --------


def invitation_token(invitation_id: UUID | str) -> str:
    return derived_token(INVITATION, str(invitation_id))


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link names; TokenInvalid for an unknown token, or when the member
    is gone (erased)."""
    invitations = Invitation.objects.select_related("campaign", "member")
    invitation = invitations.filter(token_digest=token_digest(token)).first()
    if invitation is None and ":" in token:  # a mail sent before tokens were opaque
        invitation = invitations.filter(pk=_legacy(token, LEGACY_INVITE_SALT)).first()
    if invitation is None or invitation.member is None:
        raise TokenInvalid()
    return invitation


def unsubscribe_token(invitation_id: UUID | str) -> str:
    """Unsubscribing is by the invitation's link: the mail is about that invitation."""
    return invitation_token(invitation_id)


def member_for_unsubscribe(token: str) -> PanelMember:
    if ":" in token:  # a mail sent before tokens were opaque: a signed member id
        member = PanelMember.objects.filter(pk=_legacy(token, LEGACY_UNSUBSCRIBE_SALT)).first()
        if member is None:
            raise TokenInvalid()
        return member
    member = invitation_for_token(token).member
    assert member is not None
    return member


def _legacy(token: str, salt: str) -> str:
    try:
        return signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature as exc:
        raise TokenInvalid() from exc


# ---- the sign-up's confirmation ---------------------------------------------------------


def confirmation_token(member: PanelMember) -> str:
    """The same for every mail to one sign-up (and useless once it is confirmed)."""
    return derived_token(CONFIRMATION, str(member.pk))


def member_for_confirmation(token: str) -> PanelMember:
    """The sign-up a confirmation link was made for; TokenInvalid for an unknown link, or
    (expired) one older than CONFIRM_DAYS or of a sign-up purged since."""
    member = PanelMember.objects.filter(confirm_digest=token_digest(token)).first()
    if member is None:
        raise TokenInvalid(expired=True)  # purged after its week, or never made
    if timezone.now() - member.created_at > timedelta(days=CONFIRM_DAYS):
        raise TokenInvalid(expired=True)
    return member


# ---- "my data": a random link that lives an hour, used once ------------------------------


def _my_data_key(token: str) -> str:
    return f"innsikt:my-data-link:{token_digest(token)}"


def my_data_token(member: PanelMember) -> str:
    """A new sign-in link for the member (random; the cache keeps only its digest)."""
    token = secrets.token_urlsafe(16)
    cache.set(_my_data_key(token), str(member.pk), MY_DATA_MINUTES * 60)
    return token


def my_data_member(*, token: str) -> PanelMember:
    """The member a sign-in link was made for, once: the link is used up. TokenInvalid
    for an unknown, used or expired one (after an hour)."""
    member_id = cache.get(_my_data_key(token))
    member = PanelMember.objects.filter(pk=member_id).first() if member_id else None
    if member is None:
        raise TokenInvalid()
    cache.delete(_my_data_key(token))
    return member
