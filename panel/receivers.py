"""The panel listens: a stored pseudonymous survey answer completes the invitation; a
provider's hard bounce marks the address (django-anymail's tracking webhook)."""

from typing import Any

from anymail.signals import AnymailTrackingEvent, tracking
from django.dispatch import receiver

from surveys.signals import response_submitted

from .services import invitation_complete, member_bounce_record


@receiver(response_submitted)
def complete_invitation(
    sender: Any, response_id: Any, survey_id: int, pseudonym: str | None, **kwargs: Any
) -> None:
    if pseudonym:
        invitation_complete(pseudonym=pseudonym, survey_id=survey_id)


@receiver(tracking)
def record_hard_bounce(
    sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any
) -> None:
    """A provider reports a hard bounce through django-anymail's tracking webhook."""
    if event.event_type == "bounced" and event.recipient:
        member_bounce_record(email=event.recipient, at=event.timestamp)
