"""Research in the Wagtail admin: exports as jobs with progress, and logged downloads.
Every view checks access through surveys.selectors.survey_get_for_user (DESIGN.md C9)."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from surveys.models import SurveyVersion
from surveys.selectors import survey_get_for_user

from .forms import ExportForm
from .models import ExportJob, ResearchLog
from .selectors import survey_channel_labels
from .services import export_start, research_log_record


def _filter_choices(page) -> dict:
    versions = SurveyVersion.objects.filter(page__translation_key=page.translation_key)
    return {
        "channels": sorted(set(survey_channel_labels(page).values())),
        "versions": sorted(set(versions.values_list("number", flat=True))),
    }


def exports(request, page_id: int):
    page = survey_get_for_user(request.user, page_id)
    form = ExportForm(request.POST or None, **_filter_choices(page))
    if request.method == "POST" and form.is_valid():
        export_start(
            survey=page,
            user=request.user,
            format=form.cleaned_data["format"],
            filters=form.filters(),
        )
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
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    research_log_record(
        user=request.user,
        action=ResearchLog.Action.DOWNLOAD_EXPORT,
        survey_id=job.survey_id,
        object_id=str(job.pk),
        detail=job.format,
    )
    name = job.file.name.rsplit("/", 1)[-1]
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)
