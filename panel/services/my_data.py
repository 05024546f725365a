"""Members' own data ("Mine data"): the sign-in link, everything held about a member,
erasure, and the log of staff access to personal data."""

import uuid
from functools import partial
from typing import Any
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import Site

from cms.abuse import address_mail_take
from cms.erasure_journal import erasure_journal_append
from cms.models import LibraryLogEntry
from cms.queueing import task_enqueue
from surveys.models import Response

from ..loans import LOAN_ATTRIBUTES
from ..models import AccessLog, PanelMember
from ..signals import member_data_collect
from .messages import my_data_link_message


def my_data_member_for_email(*, library: Site, email: str) -> PanelMember | None:
    """The confirmed member with this address in this library, if any."""
    return (
        PanelMember.objects.filter(library=library, email=email.strip().lower())
        .exclude(status=PanelMember.Status.PENDING)
        .first()
    )


def my_data_link_request(*, library: Site, email: str) -> None:
    """Someone asked for a sign-in link: queue the mail if the address belongs to a
    confirmed member of this library (at most INNSIKT_MAILS_PER_ADDRESS mails a day to one
    address, cms.abuse), and do nothing visible otherwise."""
    member = my_data_member_for_email(library=library, email=email)
    if member is not None and address_mail_take(member.email):
        member_id = str(member.pk)
        transaction.on_commit(partial(task_enqueue, "panel.tasks.my_data_link_send", member_id))


def my_data_link_send(*, member_id: UUID | str) -> bool:
    """Mail a member a sign-in link to their data. Returns False if the member is gone."""
    member = PanelMember.objects.filter(pk=member_id).first()
    if member is None:
        return False
    my_data_link_message(member).send()
    return True


def member_export(*, member: PanelMember) -> dict[str, Any]:
    """Everything held about a member, as JSON-ready data (their right of access): the
    profile and screener answers, loan statistics and whether a card hash is held, every
    consent with its text version, every invitation and reminder, the do-not-contact
    records, when staff looked at their data, how many answers carry their pseudonym, and
    the other apps' sections (interview bookings, notes and passages)."""
    attributes = dict(member.attributes)
    invitations = (
        member.invitations.select_related("campaign__survey", "campaign__guide")
        .prefetch_related("reminders")
        .order_by("created_at")
    )
    data: dict[str, Any] = {
        "member": {
            "id": str(member.pk),
            "email": member.email,
            "language": member.language,
            "age_band": member.age_band,
            "joined_via": member.channel,
            "status": member.status,
            "signed_up": _when(member.created_at),
            "confirmed": _when(member.confirmed_at),
            "last_active": _when(member.last_active_at),
            "e_mail_bounced": _when(member.bounced_at),
            "do_not_contact": member.do_not_contact,
            "screener_answers": {k: v for k, v in attributes.items() if k not in LOAN_ATTRIBUTES},
        },
        "loan_statistics": {
            "library_card_hash_held": bool(member.card_hash),
            **{key: attributes.get(key) for key in LOAN_ATTRIBUTES},
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
        "invitations": [
            {
                "campaign": invitation.campaign.name,
                "about": str(invitation.campaign.topic.title),
                "kind": invitation.campaign.kind,
                "invited": _when(invitation.created_at),
                "state": invitation.state,
                "sent": _when(invitation.sent_at),
                "answered": _when(invitation.completed_at),
                "reminders": [
                    {"number": r.number, "state": r.state, "sent": _when(r.sent_at)}
                    for r in invitation.reminders.all()
                ],
            }
            for invitation in invitations
        ],
        "do_not_contact_records": [
            {"on_the_list": block.blocked, "reason": block.reason, "at": _when(block.at)}
            for block in member.blocks.all()
        ],
        "staff_access": [
            {"at": _when(at), "action": action}
            for at, action in AccessLog.objects.filter(member_id=member.pk)
            .order_by("at")
            .values_list("at", "action")
        ],
        "answers_under_your_pseudonym": Response.objects.filter(pseudonym=member.pseudonym).count()
        if member.pseudonym
        else 0,
    }

    for _receiver, sections in member_data_collect.send(sender=PanelMember, member=member):
        if isinstance(sections, dict):
            data.update(sections)
    return data


def _when(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def member_erase(*, member: PanelMember) -> None:
    """Delete the member and everything that names them, so that nothing left can be tied
    back to them: their consent records, do-not-contact records, interview participation
    (research deletes it with the member) and membership go; their answers lose the
    pseudonym (pseudonymous answers become anonymous: nothing left can recompute or match
    it); invitations keep only that a message was sent; the access log and the admin's
    history of the member keep what staff did, under a new random id that nothing else
    holds (the member's id, from which the pseudonym could be computed again, is gone)."""
    stand_in = uuid.uuid4()
    with transaction.atomic():
        if member.pseudonym:
            Response.objects.filter(pseudonym=member.pseudonym).update(pseudonym="")
        AccessLog.objects.filter(member_id=member.pk).update(member_id=stand_in)
        LibraryLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(PanelMember),
            object_id=str(member.pk),
        ).update(object_id=str(stand_in), label=str(stand_in))
        # Inside the transaction: no erasure commits without its line in the journal, which
        # a restore replays so that an older backup does not bring the member back.
        erasure_journal_append(
            library_id=member.library_id, member_id=member.pk, pseudonym=member.pseudonym
        )
        member.delete()


def access_log_record(*, staff: Any, library_id: int, member_id: UUID | None, action: str) -> None:
    AccessLog.objects.create(staff=staff, library_id=library_id, member_id=member_id, action=action)
