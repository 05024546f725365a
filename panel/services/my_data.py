"""Members' own data ("Mine data"): the sign-in link, everything held about a member,
erasure, and the log of staff access to personal data."""

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from ..models import (
    PanelMember,
)
from .messages import library_display_name, library_sender
from .tokens import MY_DATA_MINUTES, MY_DATA_SALT, TokenInvalid, my_data_token, token_unsign


def my_data_member(*, token: str) -> PanelMember:
    """The member a sign-in link was made for. Raises TokenInvalid (expired after an hour)."""
    member_id = token_unsign(token, MY_DATA_SALT, timedelta(minutes=MY_DATA_MINUTES))
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
        from ..tasks import my_data_link_send as task

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
    from ..signals import member_data_collect

    for _receiver, sections in member_data_collect.send(sender=PanelMember, member=member):
        if isinstance(sections, dict):
            data.update(sections)
    return data


def member_erase(*, member: PanelMember) -> None:
    """Delete the member and everything that names them (consents). Access-log rows keep
    only the random id. Pseudonymous answers, once invitations exist, stay as anonymous
    data with no link back."""
    member.delete()


def access_log_record(*, staff: Any, library_id: int, member_id: UUID | None, action: str) -> None:
    from ..models import AccessLog

    AccessLog.objects.create(staff=staff, library_id=library_id, member_id=member_id, action=action)
