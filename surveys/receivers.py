"""Surveys listens: publishing a survey freezes its questions as a new version."""

from typing import Any

from django.dispatch import receiver
from wagtail.signals import page_published

from .models import SurveyPage
from .services import survey_version_freeze


@receiver(page_published)
def freeze_version_on_publish(sender: Any, instance: object, **kwargs: Any) -> None:
    if isinstance(instance, SurveyPage):
        survey_version_freeze(page=instance)
