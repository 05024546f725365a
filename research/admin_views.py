"""Research in the Wagtail admin: exports and report PDFs as jobs with progress, and
logged downloads. Every view checks access first: surveys through
surveys.selectors.survey_get_for_user, reports through report_get_for_user (DESIGN.md C9)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cms.formatting import supported_language
from cms.tenancy import library_id_of, library_site_for_page
from surveys.models import SurveyVersion
from surveys.selectors import survey_get_for_user, survey_responses

from .findings.filters import Filters
from .forms import AnswersForm, CrosstabForm, ExportForm, FiltersForm
from .log.models import ResearchLog
from .margins.forms import RepresentativenessForm, WeightingForm
from .margins.selectors import DEFAULT_CAP, margin_representativeness, margins_for_survey
from .models import ExportJob, ReportJob
from .selectors import (
    exports_for_user,
    findings_for_user,
    job_get_for_user,
    library_segments,
    report_get_for_user,
    survey_answers_listing,
    survey_channel_labels,
    survey_frame,
)
from .services import (
    FiltersTooNarrow,
    export_start,
    filters_check,
    library_privacy,
    report_generate,
    research_log_record,
)


def _filter_choices(page) -> dict:
    versions = SurveyVersion.objects.filter(page__translation_key=page.translation_key)
    return {
        "channels": sorted(set(survey_channel_labels(page).values())),
        "versions": sorted(set(versions.values_list("number", flat=True))),
        "segments": library_segments(page),
    }


def explore(request, page_id: int):
    """Every question's findings under the chosen filters, and a cross-tab of any two —
    suppressed and scrubbed exactly as in reports and exports (research/findings/findings.py)."""
    # heavy: analysis needs pandas and numpy, which no other admin page loads
    from .explore import explore_crosstab, explore_findings, explore_weighted
    from .findings.analysis import CATEGORICAL
    from .findings.representativeness import points_text, representativeness_display
    from .reports.selectors import library_privacy_for_site

    page = survey_get_for_user(request.user, page_id)
    choices = _filter_choices(page)
    data = request.GET if "filter" in request.GET or "rows" in request.GET else None
    form = FiltersForm(data, **choices)
    filters = form.filters() if data is not None else Filters()
    language = supported_language(get_language())
    privacy = library_privacy_for_site(library_site_for_page(page), language)
    try:
        filters_check(survey=page, filters=filters)
    except FiltersTooNarrow as too_narrow:
        # Nothing of so few answers is shown; the filters stay as chosen, with the reason.
        form.add_error(None, too_narrow)
        return render(
            request,
            "research/admin/explore.html",
            {"page": page, "form": form, "n": None, "rule": privacy.rule()},
        )
    questions, frame = survey_frame(page, filters)
    findings = explore_findings(page, questions, frame, privacy)
    categorical = [
        (q["key"], f"{q['key']}: {q.get('label') or q['key']}")
        for q in questions
        if q["type"] in CATEGORICAL
    ]
    crosstab_form = CrosstabForm(
        request.GET if "rows" in request.GET else None,
        questions=categorical,
        segments=bool(choices["segments"]),
    )
    crosstab = None
    if crosstab_form.is_bound and crosstab_form.is_valid():
        crosstab = explore_crosstab(page, questions, frame, privacy, **crosstab_form.cleaned_data)
    margins = margins_for_survey(request.user, page)
    margin_form = RepresentativenessForm(
        request.GET if "margin" in request.GET else None, margins=margins
    )
    representativeness = None
    if margin_form.is_bound and margin_form.is_valid():
        chosen = margin_form.cleaned_data["margin"]
        result = margin_representativeness(chosen, frame, privacy.k)
        representativeness = {
            "margin": chosen,
            "dimensions": representativeness_display(result, language),
            "largest": points_text(result.largest_deviation, language),
            "largest_at": result.largest_at,
        }
    weighting_form = WeightingForm(
        request.GET if "weight_margin" in request.GET else None,
        margins=margins,
        initial={"cap": DEFAULT_CAP},
    )
    weighted = None
    if weighting_form.is_bound and weighting_form.is_valid():
        chosen_crosstab = None
        if crosstab is not None:
            data = crosstab_form.cleaned_data
            chosen_crosstab = (data["rows"], data["columns"], data["percent"])
        weighted = explore_weighted(
            weighting_form.cleaned_data["weight_margin"],
            weighting_form.cleaned_data["cap"],
            questions,
            frame,
            privacy,
            crosstab=chosen_crosstab,
        )
        for item in findings:
            item["weighted"] = weighted["questions"].get(item["finding"].key)
    return render(
        request,
        "research/admin/explore.html",
        {
            "page": page,
            "form": form,
            "weighting_form": weighting_form if margins.exists() else None,
            "weighted": weighted,
            "crosstab_form": crosstab_form,
            "crosstab": crosstab,
            "margin_form": margin_form if margins.exists() else None,
            "representativeness": representativeness,
            "findings": findings,
            "n": len(frame),
            "rule": privacy.rule(),
        },
    )


def answers(request, page_id: int):
    """A survey's answers, one row each: filtered by channel, period, version and
    completion, and searched in the free text as scrubbed (research.selectors
    .survey_answers_listing). A GET form: every filtered list has an address."""
    page = survey_get_for_user(request.user, page_id)
    choices = _filter_choices(page)
    form = AnswersForm(
        request.GET or None, channels=choices["channels"], versions=choices["versions"]
    )
    filtering = form.is_bound and form.is_valid()
    data = form.cleaned_data if filtering else {}
    _k, card_pattern = library_privacy(page)
    found = survey_answers_listing(
        page,
        form.filters() if filtering else None,
        completion=data.get("completion") or "",
        search=data.get("q") or "",
        card_pattern=card_pattern or None,
    )
    listing = Paginator(found, 50).get_page(request.GET.get("p"))
    responses = (
        survey_responses(page)
        .select_related("channel", "version")
        .in_bulk([pk for pk, _excerpt in listing])
    )
    rows = [
        {"response": responses[pk], "excerpt": excerpt}
        for pk, excerpt in listing
        if pk in responses
    ]
    query = request.GET.copy()
    query.pop("p", None)
    return render(
        request,
        "research/admin/answers.html",
        {
            "page": page,
            "form": form,
            "listing": listing,
            "rows": rows,
            "count": len(found),
            "searching": bool(data.get("q")),
            "query": query.urlencode(),
            "filtered": bool(query),
        },
    )


def exports(request, page_id: int):
    page = survey_get_for_user(request.user, page_id)
    margins = [
        (m.pk, f"{m.name} ({m.source}, {m.date:%Y-%m-%d})")
        for m in margins_for_survey(request.user, page)
    ]
    form = ExportForm(request.POST or None, margins=margins, **_filter_choices(page))
    if request.method == "POST" and form.is_valid():
        try:
            export_start(
                survey=page,
                user=request.user,
                format=form.cleaned_data["format"],
                filters=form.filters(),
                **form.weighting(),
            )
        except FiltersTooNarrow as too_narrow:
            form.add_error(None, too_narrow)  # the choices stay as they were given
        else:
            messages.success(request, _("The export has started; this page shows its progress."))
            return redirect("research_exports", page_id=page.pk)
    jobs = list(ExportJob.objects.filter(survey=page)[:20])
    running = any(j.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING) for j in jobs)
    return render(
        request,
        "research/admin/exports.html",
        {"page": page, "form": form, "jobs": jobs, "refresh": running},
    )


def export_download(request, job_id):
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise Http404
    survey_get_for_user(request.user, job.survey_id)  # another library's export: no
    return _download(
        request, job, ResearchLog.Action.DOWNLOAD_EXPORT, job.format, survey_id=job.survey_id
    )


def _download(request, job, action: str, detail: str, survey_id: int | None = None):
    """A finished job's file, with the download logged (404 until it is done)."""
    if job.status != job.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:  # removed from the disk (a restore without it, by hand)
        raise Http404 from None
    research_log_record(
        user=request.user,
        action=action,
        library_id=library_id_of(job),
        survey_id=survey_id,
        object_id=str(job.pk),
        detail=detail,
    )
    name = job.file.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name)


def reports(request, page_id: int):
    """A report's PDF versions: generate a new one, follow its progress, download any."""
    report = report_get_for_user(request.user, page_id)
    if request.method == "POST":
        report_generate(report=report, user=request.user)
        messages.success(request, _("The PDF is being made; this page shows its progress."))
        return redirect("research_reports", page_id=report.pk)
    jobs = list(ReportJob.objects.filter(report=report).select_related("created_by")[:50])
    running = any(j.status in (ReportJob.Status.QUEUED, ReportJob.Status.RUNNING) for j in jobs)
    return render(
        request,
        "research/admin/reports.html",
        {"page": report, "jobs": jobs, "refresh": running},
    )


def report_download(request, job_id):
    job = ReportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise Http404
    report_get_for_user(request.user, job.report_id)  # another library's report: no
    return _download(request, job, ResearchLog.Action.DOWNLOAD_REPORT, job.title)


def job_status(request, job_id):
    """A job's progress as JSON, for the job pages' progress script (research/static/
    research/job-progress.js): status, stage and percent in words and numbers, and the
    download address once it is done. Read from the job's row (DESIGN.md C7)."""
    job = job_get_for_user(request.user, job_id)
    done = job.status == job.Status.DONE and bool(job.file)
    download = None
    if done:
        name = (
            "research_export_download" if isinstance(job, ExportJob) else "research_report_download"
        )
        download = reverse(name, args=[job.pk])
    response = JsonResponse(
        {
            "id": str(job.pk),
            "status": job.status,
            "stage": job.stage,
            "percent": job.percent,
            "text": job.progress_text,
            "waiting": job.waiting,
            "running": job.running,
            "download": download,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def findings(request):
    """The admin menu's "Projects and reports": the user's libraries' research projects with
    their reports and each report's latest PDF."""
    return render(
        request, "research/admin/findings.html", {"projects": findings_for_user(request.user)}
    )


def exports_index(request):
    """The admin menu's "Exports": the newest exports of the user's libraries' surveys."""
    jobs = exports_for_user(request.user)
    return render(
        request,
        "research/admin/exports_index.html",
        {"jobs": jobs, "refresh": any(job.running for job in jobs)},
    )
