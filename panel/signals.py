"""The panel listens to surveys: a stored pseudonymous answer completes the invitation.
It announces consent withdrawals and collects a member's data from the apps that hold
some (research's interview bookings), without importing them (DESIGN.md §1)."""

from anymail.signals import tracking
from django.dispatch import Signal, receiver

from surveys.signals import response_submitted

# Sent on commit after a member withdrew a consent: kwargs member_id (UUID), purpose.
# research deletes the member's interview notes when the interview consent is withdrawn.
consent_withdrawn = Signal()
# Sent while a member's data is exported (their right of access): kwargs member. Receivers
# return {section name: JSON-ready list}, merged into the export.
member_data_collect = Signal()


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
