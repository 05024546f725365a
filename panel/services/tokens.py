"""Signed tokens of the panel's links: confirmation, my-data sign-in, invitation and
unsubscribe. A token names its member or invitation; TokenInvalid for tampered, unknown
or expired ones."""

from datetime import timedelta
from uuid import UUID

from django.core import signing

from ..models import (
    Invitation,
    PanelMember,
)

CONFIRM_SALT = "innsikt.panel.confirm"


CONFIRM_DAYS = 7


class TokenInvalid(Exception):
    """A confirmation link that is tampered with, unknown or expired (``expired`` says which)."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def token_unsign(token: str, salt: str, max_age: timedelta | None = None) -> str:
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


# ---- members' own data ---------------------------------------------------------------------
MY_DATA_SALT = "innsikt.panel.mydata"


MY_DATA_MINUTES = 60


def my_data_token(member: PanelMember) -> str:
    return signing.TimestampSigner(salt=MY_DATA_SALT).sign(str(member.pk))


# ---- campaigns and invitations -----------------------------------------------------------
INVITE_SALT = "innsikt.panel.invitation"


UNSUBSCRIBE_SALT = "innsikt.panel.unsubscribe"


def invitation_token(invitation_id: UUID | str) -> str:
    return signing.Signer(salt=INVITE_SALT).sign(str(invitation_id))


def invitation_for_token(token: str) -> Invitation:
    invitation_id = token_unsign(token, INVITE_SALT)
    invitation = (
        Invitation.objects.select_related("campaign", "member").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.member is None:
        raise TokenInvalid()
    return invitation


def unsubscribe_token(member: PanelMember) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(member.pk))


def member_for_unsubscribe(token: str) -> PanelMember:
    member_id = token_unsign(token, UNSUBSCRIBE_SALT)
    member = PanelMember.objects.filter(pk=member_id).first()
    if member is None:
        raise TokenInvalid()
    return member
