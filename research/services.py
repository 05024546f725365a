"""Research services: exports and report PDFs as jobs (DESIGN.md C2, C7), and the
research log (who exported, generated or downloaded what, when)."""

import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.tenancy import library_id_of, library_site_for_page
from surveys.models import SurveyPage

from .export_coding import csv_chunks, export_csv_plan
from .exports import LINE_WRITERS, WRITERS, export_cells, export_columns, export_paths
from .filters import Filters, filters_from_json, filters_to_json
from .models import ExportJob, FindingsReportPage, ReportJob, ResearchLog
from .scrub import scrubber
from .selectors import (
    export_connection,
    library_rules,
    survey_channel_labels,
    survey_export_lines,
    survey_export_rows,
    survey_questions,
    survey_row_count,
)

STALE_RUN = timedelta(hours=1)  # a running job older than this lost its worker


def _job_claim(model: Any, job_id: UUID | str, **fields: Any) -> bool:
    """Claim a queued job row (or one whose worker died STALE_RUN ago) for this worker: the
    one UPDATE that makes a job task safe to run twice."""
    now = timezone.now()
    return bool(
        model.objects.filter(
            Q(status=model.Status.QUEUED)
            | Q(status=model.Status.RUNNING, started_at__lt=now - STALE_RUN),
            pk=job_id,
        ).update(status=model.Status.RUNNING, started_at=now, error="", **fields)
    )


def research_log_record(
    *,
    user: Any,
    action: str,
    library_id: int | None,
    survey_id: int | None = None,
    object_id: str = "",
    detail: str = "",
) -> ResearchLog:
    """Write who did what to which library's research data (the library's own log)."""
    return ResearchLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "get_username", lambda: "")() or "",
        action=action,
        library_id=library_id,
        survey_id=survey_id,
        object_id=object_id[:64],
        detail=detail[:200],
    )


def library_privacy(page: SurveyPage) -> tuple[int, str]:
    """(k, library-card pattern) of the library the survey belongs to."""
    return library_rules(library_site_for_page(page))


class FiltersTooNarrow(ValidationError):
    """Filters leave fewer answers than the library's k (research.suppression)."""


def filters_check(*, survey: SurveyPage, filters: Filters) -> None:
    """The one check of filters before answers leave as rows or are explored: raises
    FiltersTooNarrow when they narrow the survey's answers below the library's k."""
    from .suppression import rows_may_leave  # loads pandas: not at the admin's start-up

    k, _card_pattern = library_privacy(survey)
    filtered = filters != Filters()
    if filtered and not rows_may_leave(survey_row_count(survey, filters), k, filtered=True):
        raise FiltersTooNarrow(
            _(
                "These filters leave fewer than %(k)d answers, the smallest group this "
                "library shows: the answers of so few people could point out who they are. "
                "Choose wider filters."
            )
            % {"k": k}
        )


def export_rule(k: int) -> str:
    return _(
        "Response-level data without direct identifiers; free text has personal data "
        "removed. Tables made from it must hide cells with fewer than %(k)d answers, as "
        "Innsikt's own tables do."
    ) % {"k": k}


def export_write(
    *,
    survey: SurveyPage,
    filters: Filters,
    format: str,
    target: Path,
    progress: Callable[[int], None],
    k: int,
    card_pattern: str | None,
) -> int:
    """Write the survey's answers that pass ``filters`` to ``target`` in ``format``;
    return the number of rows."""
    writer, _suffix = WRITERS[format]
    clean = scrubber(card_pattern or None)
    if format in LINE_WRITERS and connection.vendor == "postgresql":
        # The cells coded by the database (research/export_coding.py): the same file.
        with export_connection() as own:  # connecting while the plan is built
            columns = export_columns(survey_questions(survey))
            plan = export_csv_plan(columns, survey_channel_labels(survey), clean)
            if plan is not None:
                chunks = csv_chunks(plan, survey_export_lines(survey, filters, plan, own))
                return LINE_WRITERS[format](target, columns, chunks, progress, export_rule(k))
    else:
        columns = export_columns(survey_questions(survey))
    labels = survey_channel_labels(survey)
    raw = survey_export_rows(survey, filters, export_paths(columns))
    cells = export_cells(columns, raw, clean, labels)
    return writer(target, columns, cells, progress, export_rule(k))


def export_start(*, survey: SurveyPage, user: Any, format: str, filters: Filters) -> ExportJob:
    """Create the export's job row and hand it to a worker when the transaction commits."""
    from .tasks import export_run as run_task

    if format not in WRITERS:
        raise ValueError(f"unknown export format {format!r}")
    filters_check(survey=survey, filters=filters)
    job = ExportJob.objects.create(
        survey=survey, format=format, filters=filters_to_json(filters), created_by=user
    )
    research_log_record(
        user=user,
        action=ResearchLog.Action.EXPORT,
        library_id=library_id_of(survey),
        survey_id=survey.pk,
        object_id=str(job.pk),
        detail=format,
    )
    transaction.on_commit(partial(run_task.delay, str(job.pk)))
    return job


PROGRESS_SECONDS = 1.0  # an export's progress is written at most this often


def export_progress(
    job: ExportJob, survey: SurveyPage, filters: Filters, every: float | None = None
) -> Callable[[int], None]:
    """What records an export's progress on its job row, at most once per ``every``
    seconds (default PROGRESS_SECONDS: the admin's progress bar needs no more; an export
    done sooner writes none — export_run records the end). The total (the responses
    passing the filters) is counted at the first write, so on PostgreSQL the count runs
    while the database codes the next rows on the export's own connection, not before
    the first row."""
    interval = PROGRESS_SECONDS if every is None else every
    total: list[int] = []
    due = [time.monotonic() + interval]

    def progress(done: int) -> None:
        now = time.monotonic()
        if now < due[0]:
            return
        due[0] = now + interval
        if not total:
            total.append(survey_row_count(survey, filters))
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total[0])

    return progress


def export_run(*, job_id: UUID | str) -> str:
    """Write the export's file. Safe to run twice: only a queued job (or one whose worker
    died an hour ago) is claimed; a failure is recorded on the row, not raised."""
    claimed = _job_claim(ExportJob, job_id, rows_done=0)
    job = ExportJob.objects.select_related("survey").filter(pk=job_id).first()
    if not claimed or job is None:
        return job.status if job else "gone"
    survey = job.survey
    try:
        k, card_pattern = library_privacy(survey)
        filters = filters_from_json(job.filters)
        filters_check(survey=survey, filters=filters)  # members may have left since
        suffix = WRITERS[job.format][1]
        progress = export_progress(job, survey, filters)

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"export.{suffix}"
            rows = export_write(
                survey=survey,
                filters=filters,
                format=job.format,
                target=path,
                progress=progress,
                k=k,
                card_pattern=card_pattern,
            )
            name = f"{survey.slug}-{timezone.localdate():%Y%m%d}-{str(job.pk)[:8]}.{suffix}"
            with path.open("rb") as handle:
                job.file.save(name, File(handle), save=False)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE,
            file=job.file.name,
            rows_done=rows,
            rows_total=rows,
            finished_at=timezone.now(),
        )
        return ExportJob.Status.DONE
    except Exception as exc:  # the row shows the error; the admin never sees a 500
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        return ExportJob.Status.FAILED


def report_generate(*, report: FindingsReportPage, user: Any) -> ReportJob:
    """Create a PDF version of the report's latest revision (what the researcher sees in
    the preview) and hand it to a worker when the transaction commits."""
    from .tasks import report_run as run_task

    revision = report.latest_revision
    job = ReportJob.objects.create(
        report=report,
        revision_id=revision.pk if revision else None,
        title=report.title,
        created_by=user,
    )
    research_log_record(
        user=user,
        action=ResearchLog.Action.REPORT,
        library_id=library_id_of(report),
        object_id=str(job.pk),
        detail=report.title,
    )
    transaction.on_commit(partial(run_task.delay, str(job.pk)))
    return job


def report_run(*, job_id: UUID | str) -> str:
    """Render the job's PDF. Safe to run twice: only a queued job (or one whose worker died
    an hour ago) is claimed; a failure is recorded on the row, not raised."""
    from wagtail.models import Revision

    from .reports import report_pdf

    claimed = _job_claim(ReportJob, job_id, step="analysing")
    job = ReportJob.objects.select_related("report", "created_by").filter(pk=job_id).first()
    if not claimed or job is None:
        return job.status if job else "gone"
    try:
        page: Any = job.report
        revision = Revision.objects.filter(pk=job.revision_id).first() if job.revision_id else None
        if revision is not None:
            page = revision.as_object()
        by = (
            job.created_by.get_full_name() or job.created_by.get_username()
            if job.created_by
            else ""
        )
        content, pages = report_pdf(page, generated_by=by)
        name = f"{job.report.slug}-{timezone.localdate():%Y%m%d}-{str(job.pk)[:8]}.pdf"
        job.file.save(name, ContentFile(content), save=False)
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.DONE,
            step="",
            file=job.file.name,
            pages=pages,
            finished_at=timezone.now(),
        )
        return ReportJob.Status.DONE
    except Exception as exc:  # the row shows the error; the admin never sees a 500
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.FAILED,
            step="",
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        return ReportJob.Status.FAILED
