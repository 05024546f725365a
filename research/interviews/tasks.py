"""Interview tasks: thin interfaces over research.interviews.services (DESIGN.md C5).

Their Celery names stay ``research.tasks.<name>``, as when they lived in research/tasks.py:
messages already queued (a mail retrying with back-off) and the beat schedule
(CELERY_BEAT_SCHEDULE) name them so. cms/celery.py discovers this module.
"""

from celery import shared_task
from django.utils import timezone

from cms.queueing import mail_task, task_enqueue_each

from . import services


@mail_task(name="research.tasks.interview_mail_send")
def interview_mail_send(booking_id: str, kind: str) -> bool:
    """Mail a booking's confirmation, change or cancellation with its calendar file.
    Sends nothing when the booking changed since the mail was asked for."""
    return services.interview_mail_send(booking_id=booking_id, kind=kind)


@shared_task(name="research.tasks.interview_reminders_dispatch", acks_late=True, ignore_result=True)
def interview_reminders_dispatch() -> int:
    """Periodic (Celery beat): queue the day-before reminders that are due."""
    due = services.interview_reminders_due(now=timezone.now())
    task_enqueue_each(interview_reminder_send, due)
    return len(due)


@mail_task(name="research.tasks.interview_reminder_send")
def interview_reminder_send(booking_id: str) -> bool:
    """Send one reminder; claimed first, so two workers never send the same one."""
    return services.interview_reminder_send(booking_id=booking_id)
