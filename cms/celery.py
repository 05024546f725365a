"""The Celery app. Default broker: kombu's filesystem transport (no server needed)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.base")

app = Celery("innsikt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
