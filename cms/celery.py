"""The Celery app. Default broker: kombu's filesystem transport (no server needed)."""

import logging.config
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.base")

app = Celery("innsikt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# A package of an app with a tasks module of its own (autodiscovery finds apps' modules only).
app.autodiscover_tasks(["research.interviews"])


@setup_logging.connect
def logging_from_settings(**kwargs: Any) -> None:
    """Worker and beat log through Django's LOGGING, like the web: Celery's own set-up
    would replace the root logger's handler, and with it the privacy filter and the JSON
    format (cms.logging_privacy). The level is LOG_LEVEL's, not ``--loglevel``'s."""
    logging.config.dictConfig(settings.LOGGING)
