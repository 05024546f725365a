"""Research's part of the installation's health (cms.health): export and report jobs that
wait or run far longer than they should — their task was lost, or a worker died mid-job.
Imported by ResearchConfig.ready, which registers the count."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cms.health import backlog_register

from .models import ExportJob, JobStatus, ReportJob, job_stalled

# A free worker starts a job within seconds; a quarter of an hour queued means none does.
QUEUED_TOO_LONG = timedelta(minutes=15)


def silent_too_long() -> timedelta:
    """A running job's worker renews its lease (INNSIKT_JOB_LEASE_SECONDS); the sweep runs
    again, within a minute, a job whose lease ran out. A job silent for a quarter of an
    hour (or two leases, if longer) is one the sweep does not reach: beat or every worker
    is down."""
    return max(QUEUED_TOO_LONG, 2 * timedelta(seconds=settings.INNSIKT_JOB_LEASE_SECONDS))


def jobs_overdue(now: datetime) -> int:
    """Export and report jobs queued for more than QUEUED_TOO_LONG since they were made,
    or running without a heartbeat for longer than ``silent_too_long``."""
    late = Q(status=JobStatus.QUEUED, created_at__lt=now - QUEUED_TOO_LONG) | job_stalled(
        now - silent_too_long()
    )
    return ExportJob.objects.filter(late).count() + ReportJob.objects.filter(late).count()


backlog_register(
    "research_jobs", _("exports and report PDFs waiting or running too long"), jobs_overdue
)
