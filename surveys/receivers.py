"""Surveys listens: publishing a survey freezes its questions as a new version; each
request starts with no survey for the editor's question pickers (surveys.editor), so a
thread's next request never lists the questions of a survey edited before it."""

from typing import Any

from django.core.signals import request_started
from django.dispatch import receiver
from wagtail.signals import page_published

from .editor import editing_schema_set
from .models import SurveyPage
from .services import survey_version_freeze


@receiver(page_published)
def freeze_version_on_publish(sender: Any, instance: object, **kwargs: Any) -> None:
    if isinstance(instance, SurveyPage):
        survey_version_freeze(page=instance)


@receiver(request_started)
def forget_the_edited_survey(sender: Any, **kwargs: Any) -> None:
    editing_schema_set(None)
