"""The panel listens to surveys: a stored pseudonymous answer completes the invitation."""

from django.dispatch import receiver

from surveys.signals import response_submitted


@receiver(response_submitted)
def complete_invitation(sender, response_id, survey_id, pseudonym, **kwargs):
    if pseudonym:
        from .services import invitation_complete

        invitation_complete(pseudonym=pseudonym, survey_id=survey_id)
