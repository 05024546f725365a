"""Research tasks: thin interfaces over services (DESIGN.md C5) — the export and report
jobs. The interviews' tasks are research/interviews/tasks.py."""

from celery import shared_task
from django.utils import timezone

from . import services


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
