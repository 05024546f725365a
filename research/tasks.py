"""Research tasks: thin interfaces over services (DESIGN.md C5)."""

from celery import shared_task
from django.utils import timezone

from cms.queueing import task_enqueue

from . import services
from .interviews import services as interviews


@shared_task(acks_late=True, ignore_result=True)
def export_run(job_id: str) -> str:
    """Write an export's file; safe to run twice (the job row is claimed)."""
    return services.export_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def report_run(job_id: str) -> str:
    """Render a findings report's PDF; safe to run twice (the job row is claimed)."""
    return services.report_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def jobs_sweep() -> dict[str, int]:
    """Periodic (Celery beat, every minute): hand over exports and report PDFs that never
    reached the task queue, and run again those whose worker died. Safe to run twice."""
    return services.jobs_sweep(now=timezone.now())


@shared_task(
    acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def interview_mail_send(booking_id: str, kind: str) -> bool:
    """Mail a booking's confirmation, change or cancellation with its calendar file.
    Sends nothing when the booking changed since the mail was asked for."""
    return interviews.interview_mail_send(booking_id=booking_id, kind=kind)


@shared_task(acks_late=True, ignore_result=True)
def interview_reminders_dispatch() -> int:
    """Periodic (Celery beat): queue the day-before reminders that are due."""
    due = interviews.interview_reminders_due(now=timezone.now())
    for booking_id in due:
        if not task_enqueue(interview_reminder_send, booking_id):
            break  # the queue is down: the next dispatch queues them again
    return len(due)


@shared_task(
    acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def interview_reminder_send(booking_id: str) -> bool:
    """Send one reminder; claimed first, so two workers never send the same one."""
    return interviews.interview_reminder_send(booking_id=booking_id)
