"""cms tasks: thin interfaces over services (DESIGN.md C5)."""

from celery import shared_task
from django.utils import timezone

from . import health


@shared_task(acks_late=True, ignore_result=True)
def heartbeat() -> None:
    """Periodic (every minute, CELERY_BEAT_SCHEDULE): record that beat scheduled and a
    worker ran a task just now, for /health/ and the admin's system status. Idempotent."""
    health.heartbeat_record(now=timezone.now())
