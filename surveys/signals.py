"""Signals: surveys announces finished responses; publishing freezes a version."""

from django.dispatch import Signal, receiver
from wagtail.signals import page_published

# Sent on commit after a response is stored: kwargs response_id (UUID), survey_id, pseudonym.
# panel listens to mark an invitation completed (DESIGN.md §1).
response_submitted = Signal()


@receiver(page_published)
def freeze_version_on_publish(sender, instance, **kwargs):
    from .models import SurveyPage
    from .services import survey_version_freeze

    if isinstance(instance, SurveyPage):
        survey_version_freeze(page=instance)
