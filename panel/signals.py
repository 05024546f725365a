"""The panel listens to surveys: a stored pseudonymous answer completes the invitation."""

from anymail.signals import tracking
from django.dispatch import receiver

from surveys.signals import response_submitted


@receiver(response_submitted)
def complete_invitation(sender, response_id, survey_id, pseudonym, **kwargs):
    if pseudonym:
        from .services import invitation_complete

        invitation_complete(pseudonym=pseudonym, survey_id=survey_id)


@receiver(tracking)
def record_hard_bounce(sender, event, esp_name, **kwargs):
    """A provider reports a hard bounce through django-anymail's tracking webhook."""
    if event.event_type == "bounced" and event.recipient:
        from .services import member_bounce_record

        member_bounce_record(email=event.recipient, at=event.timestamp)
