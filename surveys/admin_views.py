"""Results in the Wagtail admin: summary, responses, detail, bulk delete, posters. Files of
answers leave only through the research exports (research/exports/), which scrub, defuse
formulas and log every download.

Access goes through surveys.selectors.survey_get_for_user (edit permission on the page),
so a researcher sees only their own library's surveys.
"""

from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from cms.formatting import in_language
from cms.models import LibrarySettings
from cms.tenancy import library_sites_for_user

from .flow import flow_diagram, flow_paths, path_summary
from .forms import FlowPreviewForm
from .importing.services import survey_export_xlsform, survey_import
from .models import Channel, Response, SurveyPage
from .posters import poster_language, poster_pdf, poster_svg
from .presentation import answer_text, survey_preview
from .selectors import (
    survey_draft_schema,
    survey_get_for_user,
    survey_responses,
    survey_summary,
    surveys_with_counts,
)
from .sentences import schema_sentences
from .services import responses_delete


def _library_name(page: SurveyPage) -> str:
    site = page.get_site() or Site.objects.filter(is_default_site=True).first()
    if site is None:
        return ""
    return LibrarySettings.for_site(site).library_name or site.site_name


def _public_url(page: SurveyPage, channel: Channel) -> str:
    site = page.get_site()
    root = site.root_url if site else ""
    return f"{root}{reverse('survey_channel', args=[channel.code])}"


def index(request):
    rows = surveys_with_counts(request.user)
    return render(
        request,
        "surveys/admin/index.html",
        {"rows": rows, "partials": any(row["partial"] for row in rows)},
    )


def results(request, page_id: int):
    page = survey_get_for_user(request.user, page_id)
    channels = [
        {**row, "url": _public_url(page, row["channel"]) if row["channel"] else page.full_url}
        for row in survey_summary(page)["channels"]
    ]
    return render(
        request,
        "surveys/admin/results.html",
        {
            "page": page,
            "summary": survey_summary(page),
            "channels": channels,
        },
    )


def response_detail(request, page_id: int, response_id: UUID):
    page = survey_get_for_user(request.user, page_id)
    response = (
        survey_responses(page).select_related("version", "channel").filter(pk=response_id).first()
    )
    if response is None:
        raise Http404
    rows = []
    for step in response.version.schema["steps"]:
        for q in step["questions"]:
            if q["type"] in ("heading", "info"):
                continue
            rows.append(
                {
                    "key": q["key"],
                    "label": q["label"],
                    "answer": answer_text(
                        q,
                        response.answers.get(q["key"]),
                        str(response.answers.get(f"{q['key']}.other", "")),
                    ),
                }
            )
    return render(
        request,
        "surveys/admin/response.html",
        {"page": page, "response": response, "rows": rows},
    )


@require_http_methods(["POST"])
def responses_bulk_delete(request, page_id: int):
    page = survey_get_for_user(request.user, page_id)
    ids = []
    for raw in request.POST.getlist("response"):
        try:
            ids.append(UUID(raw))
        except ValueError:
            continue
    if not ids:
        messages.warning(request, _("Choose the answers to delete first."))
        return redirect("surveys_results", page_id=page.pk)
    if request.POST.get("confirm") != "yes":
        return render(request, "surveys/admin/confirm_delete.html", {"page": page, "ids": ids})
    deleted = responses_delete(page=page, response_ids=ids)
    messages.success(request, _("%(n)d answers deleted.") % {"n": deleted})
    return redirect("surveys_results", page_id=page.pk)


def _flow_context(page: SurveyPage, schema: dict, form: FlowPreviewForm | None) -> dict:
    paths, truncated = flow_paths(schema)
    return {
        "page": page,
        "schema": schema,
        "sentences": schema_sentences(schema),
        "diagram": flow_diagram(schema),
        "paths": [{"summary": path_summary(p), "because": p.because} for p in paths],
        "truncated": truncated,
        "form": form or FlowPreviewForm(schema=schema),
    }


def flow(request, page_id: int):
    """The survey's flow as last saved: every rule in words, a diagram of pages, conditions,
    skips and the end (SVG with a text equivalent: every path), and the preview chooser."""
    page = survey_get_for_user(request.user, page_id)
    schema = survey_draft_schema(page)
    return render(request, "surveys/admin/flow.html", _flow_context(page, schema, None))


def flow_preview(request, page_id: int):
    """A step of the saved draft as a respondent with the chosen earlier answers would see
    it (not submittable). Bad choices go back to the flow page's form with its errors."""
    page = survey_get_for_user(request.user, page_id)
    schema = survey_draft_schema(page)
    form = FlowPreviewForm(request.GET, schema=schema)
    if not schema["steps"] or not form.is_valid():
        context = _flow_context(page, schema, form)
        return render(request, "surveys/admin/flow.html", context, status=400)
    start, answers = form.preview_request()
    draft = page.get_latest_revision_as_object() if page.latest_revision_id else page
    template, context = survey_preview(draft, step_index=start, answers=answers, schema=schema)
    return render(request, template, context)


def channel_poster(request, channel_id: int, fmt: str):
    channel = Channel.objects.select_related("survey").filter(pk=channel_id).first()
    if channel is None:
        raise Http404
    page = survey_get_for_user(request.user, channel.survey_id)
    try:
        language = poster_language(page.locale.language_code, request.GET.get("language"))
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    with in_language(language):  # the address under the poster's language prefix (/nn/s/…)
        url = _public_url(page, channel)
    kwargs = {
        "library": _library_name(page),
        "title": page.title,
        "event": channel.name,
        "url": url,
        "language": language,
    }
    if fmt == "pdf":
        response = HttpResponse(poster_pdf(**kwargs), content_type="application/pdf")
    else:
        response = HttpResponse(poster_svg(**kwargs), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="plakat-{channel.code}.{fmt}"'
    return response


class SurveyImportForm(forms.Form):
    """The form of "New survey from file": the library (one whose home page the user may
    add surveys under) and the file."""

    library = forms.TypedChoiceField(label=gettext_lazy("Library"), coerce=int)
    file = forms.FileField(
        label=gettext_lazy("Questionnaire file"),
        help_text=gettext_lazy(
            "A LimeSurvey survey (.lss, LimeSurvey 3 or later) or an XLSForm (.xlsx or .xls)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".lss,.xml,.xlsx,.xls"}),
    )
    check_only = forms.BooleanField(
        label=gettext_lazy("Only check the file"),
        required=False,
        help_text=gettext_lazy("Shows what would be imported, and creates nothing."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        sites = [
            site
            for site in library_sites_for_user(user)
            if site.root_page.permissions_for_user(user).can_add_subpage()
        ]
        self.homes = {site.root_page_id: site.root_page for site in sites}
        library = self.fields["library"]
        assert isinstance(library, forms.TypedChoiceField)
        library.choices = [(site.root_page_id, site.site_name or site.hostname) for site in sites]
        if str(self.initial.get("library")) not in {str(pk) for pk in self.homes}:
            self.initial["library"] = next(iter(self.homes), None)


def survey_import_view(request):
    """Upload a LimeSurvey or XLSForm file; a draft survey (and its translations) is
    created under the chosen library's home page, and the import report shown."""
    if request.method == "POST":
        form = SurveyImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            home = form.homes[form.cleaned_data["library"]]
            limit = settings.INNSIKT_IMPORT_MAX_BYTES
            # Never read more than the cap (+1 byte, to tell a file that is too large).
            content = upload.read(limit + 1)
            outcome = survey_import(
                home.specific,
                upload.name,
                content,
                user=request.user,
                dry_run=form.cleaned_data["check_only"],
            )
            if outcome.rejected:
                form.add_error("file", outcome.rejected)
                return render(request, "surveys/admin/import.html", {"form": form}, status=400)
            return render(
                request, "surveys/admin/import_report.html", {"outcome": outcome, "home": home}
            )
        return render(request, "surveys/admin/import.html", {"form": form}, status=400)
    form = SurveyImportForm(user=request.user, initial={"library": request.GET.get("library")})
    if not form.homes:
        raise PermissionDenied
    return render(request, "surveys/admin/import.html", {"form": form})


def survey_xlsform(request, page_id: int):
    """The survey as last saved, in every language it has, as an XLSForm workbook (logic
    as ``relevant``, validation as ``constraint``); it imports back to the same survey."""
    page = survey_get_for_user(request.user, page_id)
    response = HttpResponse(
        survey_export_xlsform(page),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{page.slug}.xlsx"'
    return response


__all__ = [
    "Response",
    "channel_poster",
    "flow",
    "flow_preview",
    "index",
    "response_detail",
    "responses_bulk_delete",
    "results",
    "survey_import_view",
    "survey_xlsform",
]
