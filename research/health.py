"""Research's part of the installation's health (cms.health): export and report jobs that
wait or run far longer than they should — their task was lost, or a worker died mid-job.
Imported by ResearchConfig.ready, which registers the count."""

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cms.health import backlog_register

from .models import ExportJob, ReportJob

# A free worker starts a job within seconds; a quarter of an hour queued means none does.
QUEUED_TOO_LONG = timedelta(minutes=15)
# Redis hands an unacknowledged task to another worker after an hour (docs/deploy.md): a
# job running longer has lost its worker.
RUNNING_TOO_LONG = timedelta(hours=1)


def jobs_overdue(now: datetime) -> int:
    """Export and report jobs queued for more than QUEUED_TOO_LONG or running for more
    than RUNNING_TOO_LONG."""
    status = ExportJob.Status  # the two kinds of job share their statuses (research.models._Job)
    late = Q(status=status.QUEUED, created_at__lt=now - QUEUED_TOO_LONG) | Q(
        status=status.RUNNING, started_at__lt=now - RUNNING_TOO_LONG
    )
    return ExportJob.objects.filter(late).count() + ReportJob.objects.filter(late).count()


backlog_register(
    "research_jobs", _("exports and report PDFs waiting or running too long"), jobs_overdue
)
