"""Consent: the current text per purpose, giving, withdrawing (leaving the panel; losing
the link to loan statistics), and whether a member must agree to a new material version."""

from functools import partial

from django.db import transaction
from wagtail.models import Site

from ..loans import LOAN_ATTRIBUTES
from ..models import (
    ConsentRecord,
    ConsentText,
    PanelMember,
    Purpose,
)
from ..signals import consent_withdrawn


def consent_current(*, library: Site, purpose: str) -> ConsentText | None:
    return ConsentText.objects.filter(library=library, purpose=purpose).order_by("-version").first()


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
        if purpose == Purpose.LOAN_LINKING:
            _loan_link_delete(member)
        transaction.on_commit(
            partial(
                consent_withdrawn.send, sender=PanelMember, member_id=member.pk, purpose=purpose
            )
        )
    return True


def _loan_link_delete(member: PanelMember) -> None:
    """Without the consent to linking, nothing linked stays: the card hash and the loan
    band and year go at once (the next import finds no card and asks the consent)."""
    member.refresh_from_db(fields=["attributes"])
    attributes = {k: v for k, v in member.attributes.items() if k not in LOAN_ATTRIBUTES}
    PanelMember.objects.filter(pk=member.pk).update(card_hash="", attributes=attributes)
    member.card_hash, member.attributes = "", attributes


def member_consents_now(member: PanelMember, purpose: str) -> bool:
    latest = member.consents.filter(purpose=purpose).order_by("-at", "-pk").first()
    return bool(latest and latest.given)


def member_unsubscribe(*, member: PanelMember, channel: str) -> None:
    """Leave the panel (a withdrawal of the panel consent). Idempotent."""
    if not consent_withdraw(member=member, purpose=Purpose.PANEL, channel=channel):
        PanelMember.objects.filter(pk=member.pk).update(status=PanelMember.Status.LEFT)


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
