"""Research listens to the panel: a withdrawn interview consent deletes that member's
interview notes; a member's data export includes their interview bookings and notes."""

from typing import Any
from uuid import UUID

from django.dispatch import receiver

from panel.models import PanelMember, Purpose
from panel.signals import consent_withdrawn, member_data_collect

from .interviews.services import interview_data_withdraw, member_interview_data


@receiver(consent_withdrawn)
def delete_interview_notes(sender: Any, member_id: UUID, purpose: str, **kwargs: Any) -> None:
    if purpose == Purpose.INTERVIEWS:
        interview_data_withdraw(member_id=member_id)


@receiver(member_data_collect)
def interview_data(
    sender: Any, member: PanelMember, **kwargs: Any
) -> dict[str, list[dict[str, Any]]]:
    return member_interview_data(member)
