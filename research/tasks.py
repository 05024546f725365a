"""Research tasks: thin interfaces over services (DESIGN.md C5)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def export_run(job_id: str) -> str:
    """Write an export's file; safe to run twice (the job row is claimed)."""
    return services.export_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def report_run(job_id: str) -> str:
    """Render a findings report's PDF; safe to run twice (the job row is claimed)."""
    return services.report_run(job_id=job_id)
