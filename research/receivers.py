"""Research listens to the panel: a withdrawn interview consent deletes that member's
interview notes; a member's data export includes their interview bookings and notes. Each
request starts with no surveys for the report editor's question pickers (report_pickers)."""

from typing import Any
from uuid import UUID

from django.core.signals import request_started
from django.dispatch import receiver

from panel.models import PanelMember, Purpose
from panel.signals import consent_withdrawn, member_data_collect

from .interviews.services import interview_data_withdraw, member_interview_data
from .report_pickers import report_surveys_set


@receiver(consent_withdrawn)
def delete_interview_notes(sender: Any, member_id: UUID, purpose: str, **kwargs: Any) -> None:
    if purpose == Purpose.INTERVIEWS:
        interview_data_withdraw(member_id=member_id)


@receiver(member_data_collect)
def interview_data(
    sender: Any, member: PanelMember, **kwargs: Any
) -> dict[str, list[dict[str, Any]]]:
    return member_interview_data(member)


@receiver(request_started)
def forget_the_report_surveys(sender: Any, **kwargs: Any) -> None:
    report_surveys_set(None)
