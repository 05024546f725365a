"""Admin views of population margins (thin: parse, check access, call one service):
uploading a margin from an aggregate CSV file, and mapping its dimensions to survey
questions. The snippet's own views (list, add, edit) are Wagtail's
(research.wagtail_hooks)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from cms.tenancy import library_sites_for_user
from research.findings.margins_csv import MAX_BYTES, MarginsRejected

from .forms import MarginMappingForm, MarginUploadForm
from .models import PopulationMargin
from .selectors import margin_get_for_user, margin_questions
from .services import margin_create_from_csv, margin_dimension_map


def upload(request: HttpRequest) -> HttpResponse:
    """Upload margins from an aggregate CSV file; a rejected file saves nothing and says
    why."""
    form = MarginUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        library = data.get("library") or next(iter(library_sites_for_user(request.user)), None)
        if library is None:
            form.add_error(None, _("You work for no library."))
        else:
            content = data["file"].read(MAX_BYTES + 1)
            try:
                margin = margin_create_from_csv(
                    library=library,
                    name=data["name"],
                    source=data["source"],
                    on=data["date"],
                    content=content,
                )
            except MarginsRejected as rejected:
                form.add_error("file", rejected.message)
            except ValidationError as invalid:
                form.add_error(None, invalid)
            else:
                messages.success(
                    request,
                    _("Margins “%(name)s” uploaded. Map its dimensions to survey questions.")
                    % {"name": margin.name},
                )
                return redirect("research_margin_mapping", pk=margin.pk)
    return render(request, "research/admin/margin_upload.html", {"form": form})


class MarginMappingView(View):
    """Map each dimension of a margin to a survey question of its library, and each
    category to one of the question's options, chosen from lists. ``model`` names the
    object of the URL's ``pk`` for cms.tenancy's admin gate."""

    model = PopulationMargin

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.margin = margin_get_for_user(request.user, kwargs["pk"])
        self.questions = margin_questions(self.margin.library_id)
        self.dimensions = list(self.margin.dimensions.all())
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data: Any = None) -> MarginMappingForm:
        return MarginMappingForm(data, dimensions=self.dimensions, questions=self.questions)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, self._form())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(request, form)
        allowed = {q["key"]: [key for key, _label in q["options"]] for q in self.questions}
        changed_any = False
        try:
            with transaction.atomic():
                for dimension in self.dimensions:
                    question_key, options, changed = form.mapping_of(dimension)
                    changed_any |= changed and bool(question_key)
                    margin_dimension_map(
                        dimension=dimension,
                        question_key=question_key,
                        options=options,
                        allowed=allowed,
                    )
        except ValidationError as invalid:
            form.add_error(None, invalid)
            return self._render(request, form)
        if changed_any:
            messages.info(
                request,
                _("Questions saved. Check each category's option below, then save again."),
            )
        else:
            messages.success(request, _("Mapping saved."))
        return redirect("research_margin_mapping", pk=self.margin.pk)

    def _render(self, request: HttpRequest, form: MarginMappingForm) -> HttpResponse:
        return render(
            request,
            "research/admin/margin_mapping.html",
            {
                "margin": self.margin,
                "form": form,
                "rows": [
                    {
                        "dimension": row["dimension"],
                        "question": form[row["question"]],
                        "options": form.fields_of(row["options"]),
                    }
                    for row in form.rows
                ],
                "edit_url": reverse(
                    "wagtailsnippets_research_populationmargin:edit", args=[self.margin.pk]
                ),
            },
        )


mapping = MarginMappingView.as_view()
