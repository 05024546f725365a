"""Research services: exports and report PDFs as jobs (DESIGN.md C2, C7), recorded in the
research log (research.log: who exported, generated or downloaded what, when).

A job's life: its row is made and, on commit, its task handed to the queue
(``_job_enqueue``; a queue that cannot be reached leaves it queued). A worker runs one
attempt through ``job_run``, the one runner of both kinds: it claims the row (``_job_claim``,
the one UPDATE that makes the task safe to run twice), renews a lease while the job's work
runs (``_job_heartbeat``) and offers the file only when it is whole (research.job_files).
The sweep (``jobs_sweep``, every minute) hands over what never reached the queue and runs
again what lost its worker, JOB_MAX_ATTEMPTS times at most."""

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Revision

from cms.queueing import task_enqueue
from cms.selectors import library_rules
from cms.tenancy import library_id_of, library_site_for_page
from surveys.models import SurveyPage

from .exports.selectors import survey_export_source
from .exports.weights import ExportWeights, answers_key, cells_weighted, weights_by_answers
from .exports.writers import WRITERS, ExportRows, export_file_write
from .findings.filters import Filters, filters_from_json, filters_to_json
from .findings.scrub import scrubber
from .job_files import disk_full, file_publish, work_folder, work_folders_remove
from .log.models import ResearchLog
from .log.services import research_log_record
from .margins.models import PopulationMargin
from .models import (
    JOB_MAX_ATTEMPTS,
    ExportJob,
    FindingsReportPage,
    JobFailure,
    JobStage,
    JobStatus,
    ReportJob,
    job_stalled,
    private_storage,
)
from .selectors import survey_frame, survey_row_count

log = logging.getLogger("innsikt.research")

JobModel = type[ExportJob] | type[ReportJob]
HEARTBEATS_PER_LEASE = 3  # a worker renews its lease this often per lease: two may be late


def job_lease() -> timedelta:
    """How long a job's claim holds without a heartbeat (INNSIKT_JOB_LEASE_SECONDS)."""
    return timedelta(seconds=settings.INNSIKT_JOB_LEASE_SECONDS)


def _job_claim(model: JobModel, job_id: UUID | str, **fields: Any) -> datetime | None:
    """Claim a job for this worker: a queued one, or a running one whose lease ran out (its
    worker died) and that has attempts left — the one UPDATE that makes a job task safe to
    run twice. Returns the claim's token (the attempt's ``started_at``; every later write
    of the attempt is conditional on it, so a worker that lost its claim changes nothing),
    or None when there was nothing to claim."""
    now = timezone.now()
    lost = job_stalled(now - job_lease()) & Q(attempts__lt=JOB_MAX_ATTEMPTS)
    claimed = model.objects.filter(Q(status=JobStatus.QUEUED) | lost, pk=job_id).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        error="",
        failure="",
        **fields,
    )
    return now if claimed else None


def _job_mine(model: JobModel, job_id: UUID | str, token: datetime) -> Any:
    """The job's row while this attempt still holds the claim (``token``)."""
    return model.objects.filter(pk=job_id, status=JobStatus.RUNNING, started_at=token)


def _job_folder(model: JobModel, job_id: UUID | str) -> tuple[str, Path]:
    """The job's folder in private storage: (name for the file field, path)."""
    prefix = str(model._meta.get_field("file").upload_to).strip("/")  # type: ignore[union-attr]
    name = f"{prefix}/{job_id}"
    return name, Path(private_storage().path(name))


@contextmanager
def _job_heartbeat(model: JobModel, job_id: UUID | str, token: datetime) -> Iterator[None]:
    """Renew the job's lease while the block runs, from a thread of its own (a report's
    rendering is one long call) with its own database connection. It stops with the block,
    or when the claim is lost; a database error is logged and the next beat tries again."""
    interval = job_lease().total_seconds() / HEARTBEATS_PER_LEASE
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    if not _job_mine(model, job_id, token).update(heartbeat_at=timezone.now()):
                        return  # the claim is another attempt's now
                except DatabaseError as exc:
                    log.warning("job heartbeat not written (%s)", type(exc).__name__)
        finally:
            connections.close_all()  # this thread's own

    thread = threading.Thread(target=beat, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


class JobRefused(Exception):
    """The job cannot be done as asked (e.g. weights that cannot be made): its message,
    in words for the researcher, says why and what to do, and is shown as it is."""


def _job_fail(model: JobModel, job_id: UUID | str, token: datetime, exc: Exception) -> str:
    """Record the attempt's failure on the row (if the claim is still its own): a full
    disk in words (JobFailure.DISK_FULL), a refusal with its explanation
    (JobFailure.REFUSED), anything else as it was raised."""
    refused = isinstance(exc, JobRefused)
    failure = JobFailure.REFUSED if refused else JobFailure.DISK_FULL if disk_full(exc) else ""
    _job_mine(model, job_id, token).update(
        status=JobStatus.FAILED,
        failure=failure,
        error=(str(exc) if refused else f"{type(exc).__name__}: {exc}")[:2000],
        heartbeat_at=None,
        finished_at=timezone.now(),
    )
    return _job_status(model, job_id)


def _job_status(model: JobModel, job_id: UUID | str) -> str:
    status = model.objects.filter(pk=job_id).values_list("status", flat=True).first()
    return status or "gone"


def _job_enqueue(model: JobModel, job_id: UUID | str) -> bool:
    """Hand the job's task to the task queue and record when. False when the queue cannot
    be reached (cms.queueing): nothing is recorded, the admin says the job waits for the
    queue, and the sweep hands it over once the queue is back. Call it on commit."""
    if not task_enqueue(
        "research.tasks.export_run" if model is ExportJob else "research.tasks.report_run",
        str(job_id),
    ):
        return False
    model.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(enqueued_at=timezone.now())
    return True


JobProgress = Callable[[str, int], None]


def _job_progress(model: JobModel, job_id: UUID | str, token: datetime) -> JobProgress:
    """What records the attempt's stage (a JobStage) and percent on its row, from the
    worker, with its lease renewed; a write for a claim that is no longer this attempt's
    changes nothing. Percent never goes back within an attempt."""

    def record(stage: str, percent: int) -> None:
        _job_mine(model, job_id, token).filter(progress__lte=percent).update(
            stage=stage, progress=max(0, min(99, percent)), heartbeat_at=timezone.now()
        )

    return record


@dataclass(frozen=True)
class JobFile:
    """What a job's work made: the file written in its work folder, the name it is offered
    under, and the fields recorded on the job's row when it is done."""

    written: Path
    name: str
    done: dict[str, Any]


def job_run(
    model: JobModel,
    job_id: UUID | str,
    work: Callable[[Any, Path, JobProgress], JobFile],
    *,
    claimed: dict[str, Any],
    related: tuple[str, ...] = (),
    heartbeat: bool = True,
    failed: dict[str, Any] | None = None,
) -> str:
    """Run one attempt of a job — the one runner of exports and report PDFs: claim the row
    (``claimed`` fields set with the claim; nothing to claim: the job's status, or "gone"),
    renew its lease while ``work(job, folder, progress)`` makes the file in a fresh work
    folder (with ``heartbeat``; else the work renews it), publish the file whole under its
    name, and mark the row done with the work's fields. The work calls ``progress(stage,
    percent)`` at its stage boundaries; the claim starts at "reading answers", 0 %, and
    the publishing is "saving the file". Every write is conditional on the claim. Safe to
    run twice. A failure is recorded on the row (``failed`` fields first, then the error;
    a full disk in words), never raised. Returns the job's status."""
    token = _job_claim(model, job_id, stage=JobStage.READING, progress=0, **claimed)
    job = model.objects.select_related(*related).filter(pk=job_id).first()
    if token is None or job is None:
        return job.status if job else "gone"
    lease: AbstractContextManager[None] = (
        _job_heartbeat(model, job.pk, token) if heartbeat else nullcontext()
    )
    try:
        with lease:
            folder, path = _job_folder(model, job.pk)
            progress = _job_progress(model, job.pk, token)
            with work_folder(path) as scratch:
                made = work(job, scratch, progress)
                progress(JobStage.SAVING, 98)
                file_publish(made.written, path / made.name)
        _job_mine(model, job.pk, token).update(
            status=JobStatus.DONE,
            stage="",
            progress=100,
            file=f"{folder}/{made.name}",
            heartbeat_at=None,
            finished_at=timezone.now(),
            **made.done,
        )
    except Exception as exc:  # the row shows the error; the admin never sees a 500
        if failed:
            model.objects.filter(pk=job.pk, started_at=token).update(**failed)
        return _job_fail(model, job.pk, token, exc)
    return _job_status(model, job.pk)


def jobs_sweep(*, now: datetime) -> dict[str, int]:
    """Periodic (research.tasks.jobs_sweep, every minute); safe to run twice, or on two
    workers at once (every change is a conditional UPDATE, and a job handed over twice
    runs once: its claim).

    - A running job whose lease ran out lost its worker: it is queued again — or, after
      JOB_MAX_ATTEMPTS attempts, failed as interrupted, and its work files removed.
    - A queued job whose task never reached the queue, or was handed over
      INNSIKT_JOB_REQUEUE_SECONDS ago and has not started, is handed to the queue (again).

    Returns how many jobs were ``requeued``, ``failed`` and ``handed`` over."""
    counts: Counter[str] = Counter()
    lost = now - job_lease()
    patience = now - timedelta(seconds=settings.INNSIKT_JOB_REQUEUE_SECONDS)
    for model in (ExportJob, ReportJob):
        stalled = model.objects.filter(job_stalled(lost))
        for pk in stalled.filter(attempts__gte=JOB_MAX_ATTEMPTS).values_list("pk", flat=True):
            if stalled.filter(pk=pk, attempts__gte=JOB_MAX_ATTEMPTS).update(
                status=JobStatus.FAILED,
                failure=JobFailure.INTERRUPTED,
                heartbeat_at=None,
                finished_at=now,
            ):
                work_folders_remove(_job_folder(model, pk)[1])
                counts["failed"] += 1
        counts["requeued"] += stalled.filter(attempts__lt=JOB_MAX_ATTEMPTS).update(
            status=JobStatus.QUEUED, enqueued_at=None, heartbeat_at=None
        )
        waiting = model.objects.filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=patience), status=JobStatus.QUEUED
        )
        for pk in waiting.values_list("pk", flat=True):
            if not _job_enqueue(model, pk):
                return dict(+counts)  # the queue is down again: the next sweep tries
            counts["handed"] += 1
    return dict(+counts)


def library_privacy(page: SurveyPage) -> tuple[int, str]:
    """(k, library-card pattern) of the library the survey belongs to."""
    return library_rules(library_site_for_page(page))


class FiltersTooNarrow(ValidationError):
    """Filters leave fewer answers than the library's k (research.findings.suppression)."""


def filters_check(*, survey: SurveyPage, filters: Filters) -> None:
    """The one check of filters before answers leave as rows or are explored: raises
    FiltersTooNarrow when they narrow the survey's answers below the library's k."""
    from .findings.suppression import rows_may_leave  # loads pandas: not at the admin's start-up

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


DEFAULT_WEIGHT_CAP = 5.0  # weights trimmed at 5 × the mean unless the researcher chooses


def _number(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def export_weights(
    *, survey: SurveyPage, filters: Filters, margin_id: int, cap: float
) -> ExportWeights:
    """Rake the respondents passing ``filters`` to the margin (of the survey's own
    library) with weights trimmed at ``cap`` × the mean (research.margins.selectors.
    margin_weights), and say how in the codebook. Raises JobRefused with the engine's
    explanation when the weights cannot be made (the raking did not converge, or the
    margins have problems): an export never carries wrong weights."""
    # heavy: the raking loads pandas and numpy, which an export without a weight never needs
    from .margins.selectors import margin_weights

    margin = (
        PopulationMargin.objects.filter(pk=margin_id, library_id=library_id_of(survey))
        .prefetch_related("dimensions")
        .first()
    )
    if margin is None:
        raise JobRefused(
            _(
                "The population margin chosen for the weight is no longer there (deleted, "
                "or not this library's). Start the export again and choose another margin."
            )
        )
    dimensions = list(margin.dimensions.all())
    keys = tuple(d.question_key for d in dimensions)
    _questions, frame = survey_frame(survey, filters, keys={k for k in keys if k})
    result = margin_weights(margin, frame, cap=cap)
    blocking = [str(p.message) for p in result.problems if p.blocking]
    if result.weights is None or not result.converged or blocking:
        raise JobRefused(
            _("No weights could be made, so no file was written: %(why)s")
            % {"why": " ".join(blocking) or _("the raking did not converge.")}
        )
    by_answers = weights_by_answers(
        (answers_key(row) for row in frame[list(keys)].itertuples(index=False, name=None)),
        result.weights.loc[frame.index],
    )
    where = {"name": margin.name, "source": margin.source, "date": margin.date.isoformat()}
    label = _("Raking weight: %(name)s (%(source)s, %(date)s), cap %(cap)s") % {
        **where,
        "cap": _number(cap),
    }
    notes = [
        _(
            "Weight: raking (iterative proportional fitting) of these respondents to the "
            "population margin “%(name)s” (%(source)s, %(date)s); weights have mean 1 and "
            "are trimmed at %(cap)s × the mean."
        )
        % {**where, "cap": _number(cap)},
        *(
            _("Margin %(dimension)s (question %(question)s): %(categories)s")
            % {
                "dimension": d.label,
                "question": d.question_key,
                "categories": "; ".join(
                    f"{c['label']} = {c['population']}" for c in d.category_list()
                ),
            }
            for d in dimensions
        ),
        _(
            "Converged after %(passes)d passes (largest margin error %(error)s points); "
            "%(trimmed)d respondents' weights trimmed; Kish design effect %(deff)s, "
            "effective sample size %(neff)s of %(n)d."
        )
        % {
            "passes": result.iterations,
            "error": _number(100 * result.max_margin_error, 6),
            "trimmed": result.trimmed,
            "deff": _number(result.design_effect, 3),
            "neff": _number(result.effective_sample_size, 1),
            "n": result.respondents,
        },
    ]
    return ExportWeights(keys, by_answers, label, tuple(notes))


def export_write(
    *,
    survey: SurveyPage,
    filters: Filters,
    format: str,
    target: Path,
    progress: Callable[[int], None],
    k: int,
    card_pattern: str | None,
    weights: ExportWeights | None = None,
) -> int:
    """Write the survey's answers that pass ``filters`` to ``target`` in ``format``, with
    the ``weights`` as the last column when given; return the number of rows."""
    clean = scrubber(card_pattern or None)
    with survey_export_source(
        survey, filters, clean_text=clean, format=format, in_database=weights is None
    ) as rows:
        if weights is not None:
            assert rows.cells is not None  # coded in Python when weighted
            columns, cells = cells_weighted(rows.columns, rows.cells, weights)
            rows = ExportRows(columns, cells=cells, notes=weights.notes)
        return export_file_write(format, target, rows, progress, export_rule(k))


def export_start(
    *,
    survey: SurveyPage,
    user: Any,
    format: str,
    filters: Filters,
    weight_margin_id: int | None = None,
    weight_cap: float = DEFAULT_WEIGHT_CAP,
) -> ExportJob:
    """Create the export's job row and hand it to the task queue when the transaction
    commits (a queue that cannot be reached leaves it queued, for the sweep). With
    ``weight_margin_id`` (a margin of the survey's library) the export carries a raking
    weight trimmed at ``weight_cap``. Raises ValueError for an unknown format, a margin of
    another library or a cap not above 1."""
    if format not in WRITERS:
        raise ValueError(f"unknown export format {format!r}")
    weighting: dict[str, Any] = {}
    if weight_margin_id is not None:
        mine = PopulationMargin.objects.filter(
            pk=weight_margin_id, library_id=library_id_of(survey)
        ).exists()
        if not mine or not weight_cap > 1:
            raise ValueError("the weight's margin must be the survey's library's, its cap > 1")
        weighting = {"margin": weight_margin_id, "cap": float(weight_cap)}
    filters_check(survey=survey, filters=filters)
    job = ExportJob.objects.create(
        survey=survey,
        format=format,
        filters=filters_to_json(filters),
        weighting=weighting,
        created_by=user,
    )
    research_log_record(
        user=user,
        action=ResearchLog.Action.EXPORT,
        library_id=library_id_of(survey),
        survey_id=survey.pk,
        object_id=str(job.pk),
        detail=format,
    )
    transaction.on_commit(partial(_job_enqueue, ExportJob, job.pk))
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
        # The attempt's own row (its claim's token), and its lease renewed with it.
        percent = min(97, int(100 * done / total[0])) if total[0] else 0
        ExportJob.objects.filter(pk=job.pk, started_at=job.started_at).update(
            rows_done=done,
            rows_total=total[0],
            stage=JobStage.WRITING,
            progress=percent,
            heartbeat_at=timezone.now(),
        )

    return progress


def export_run(*, job_id: UUID | str) -> str:
    """Write the export's file. Safe to run twice: only a queued job, or one whose worker
    died (its lease ran out), is claimed. The file appears under its final name only when
    it is whole (research.job_files). A failure is recorded on the row, not raised — a
    full disk in words — and its work files are removed. Returns the job's status."""

    def work(job: ExportJob, folder: Path, progress: JobProgress) -> JobFile:
        survey = job.survey
        k, card_pattern = library_privacy(survey)
        filters = filters_from_json(job.filters)
        filters_check(survey=survey, filters=filters)  # members may have left since
        progress(JobStage.WRITING, 1)
        suffix = WRITERS[job.format][1]
        name = f"{survey.slug[:40]}-{timezone.localdate():%Y%m%d}.{suffix}"
        written = folder / f"export.{suffix}"
        weights = None
        if job.weighting:
            weights = export_weights(
                survey=survey,
                filters=filters,
                margin_id=int(job.weighting["margin"]),
                cap=float(job.weighting.get("cap") or DEFAULT_WEIGHT_CAP),
            )
        rows = export_write(
            survey=survey,
            filters=filters,
            format=job.format,
            target=written,
            progress=export_progress(job, survey, filters),
            k=k,
            card_pattern=card_pattern,
            weights=weights,
        )
        return JobFile(written, name, {"rows_done": rows, "rows_total": rows})

    # On SQLite a second connection writing while the export's rows are read would lock
    # the database: there the progress reports alone renew the lease (export_progress).
    return job_run(
        ExportJob,
        job_id,
        work,
        claimed={"rows_done": 0},
        related=("survey",),
        heartbeat=connection.vendor != "sqlite",
    )


def report_generate(*, report: FindingsReportPage, user: Any) -> ReportJob:
    """Create a PDF version of the report's latest revision (what the researcher sees in
    the preview) and hand it to the task queue when the transaction commits (a queue that
    cannot be reached leaves it queued, for the sweep)."""
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
    transaction.on_commit(partial(_job_enqueue, ReportJob, job.pk))
    return job


def report_run(*, job_id: UUID | str) -> str:
    """Render the job's PDF. Safe to run twice: only a queued job, or one whose worker died
    (its lease ran out), is claimed; the lease is renewed while WeasyPrint renders. The
    file appears under its final name only when it is whole (research.job_files). A
    failure is recorded on the row, not raised — a full disk in words. Returns the job's
    status."""
    from .reports.services import report_pdf  # heavy: report data loads pandas; workers only

    def work(job: ReportJob, folder: Path, progress: JobProgress) -> JobFile:
        page: Any = job.report
        revision = Revision.objects.filter(pk=job.revision_id).first() if job.revision_id else None
        if revision is not None:
            page = revision.as_object()
        by = (
            job.created_by.get_full_name() or job.created_by.get_username()
            if job.created_by
            else ""
        )
        content, pages = report_pdf(page, generated_by=by, progress=progress)
        written = folder / "report.pdf"
        written.write_bytes(content)
        name = f"{job.report.slug[:40]}-{timezone.localdate():%Y%m%d}.pdf"
        return JobFile(written, name, {"pages": pages})

    return job_run(ReportJob, job_id, work, claimed={}, related=("report", "created_by"))
