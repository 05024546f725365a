from typing import Any

from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.log_actions import LogFormatter

from . import admin_views, views
from .models import SurveyPage
from .selectors import surveys_with_counts


@hooks.register("answer_page")
def answer_survey_pages(page, request, *args, **kwargs):
    """A survey page is answered by the front door, its preview by the step template
    (cms.serving)."""
    if not isinstance(page, SurveyPage):
        return None
    if getattr(request, "is_preview", False):
        return views.survey_preview(request, page, step_index=int(request.preview_mode or 0))
    return views.page_serve(request, page, *args, **kwargs)


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = [
        path("", admin_views.index, name="surveys_index"),
        path("import/", admin_views.survey_import_view, name="surveys_import"),
        path("<int:page_id>/", admin_views.results, name="surveys_results"),
        path(
            "<int:page_id>/answers/<uuid:response_id>/",
            admin_views.response_detail,
            name="surveys_response",
        ),
        path(
            "<int:page_id>/delete/", admin_views.responses_bulk_delete, name="surveys_bulk_delete"
        ),
        path("<int:page_id>/flow/", admin_views.flow, name="surveys_flow"),
        path("<int:page_id>/xlsform/", admin_views.survey_xlsform, name="surveys_xlsform"),
        path("<int:page_id>/flow/preview/", admin_views.flow_preview, name="surveys_flow_preview"),
        path(
            "channels/<int:channel_id>/poster.<str:fmt>",
            admin_views.channel_poster,
            name="surveys_channel_poster",
        ),
    ]
    return [path("surveys/", include(urls))]


@hooks.register("register_admin_menu_item")
def register_results_menu_item():
    return MenuItem(
        _("Surveys and results"),
        reverse("surveys_index"),
        name="surveys",
        icon_name="table",
        order=250,
    )


def _results_button(page, user, **kwargs):
    if page.depth == 2 and page.permissions_for_user(user).can_add_subpage():
        # A library's home page: surveys are added under it, also from a file.
        yield PageMenuItem(
            _("New survey from file"),
            f"{reverse('surveys_import')}?library={page.pk}",
            icon_name="upload",
            priority=20,
            page=page,
        )
    if (
        isinstance(page.specific_deferred, SurveyPage)
        and page.permissions_for_user(user).can_edit()
    ):
        yield PageMenuItem(
            _("Results"),
            reverse("surveys_results", args=[page.pk]),
            icon_name="table",
            priority=5,
            page=page,
        )
        yield PageMenuItem(
            _("Flow and logic"),
            reverse("surveys_flow", args=[page.pk]),
            icon_name="list-ol",
            priority=6,
            page=page,
        )
        yield PageMenuItem(
            _("Download as XLSForm"),
            reverse("surveys_xlsform", args=[page.pk]),
            icon_name="download",
            priority=7,
            page=page,
        )


hooks.register("register_page_listing_more_buttons", _results_button)
hooks.register("register_page_header_buttons", _results_button)


class OpenSurveysPanel(Component):
    """The dashboard's open surveys of the user's libraries: answers today and in the last
    7 days, and the completion rate (surveys.selectors.surveys_with_counts)."""

    name = "innsikt_open_surveys"
    order = 100
    template_name = "surveys/admin/dashboard_surveys.html"

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        user = (parent_context or {})["request"].user
        return {"rows": surveys_with_counts(user, open_only=True)}


@hooks.register("construct_homepage_panels")
def open_surveys_panel(request: Any, panels: list[Any]) -> None:
    panels.append(OpenSurveysPanel())


@hooks.register("insert_editor_js")
def question_pickers_js():
    """Keeps a rule's pickers to earlier pages and the chosen question (surveys.editor)."""
    return format_html('<script src="{}"></script>', static("surveys/question_pickers.js"))


@hooks.register("register_log_actions")
def survey_import_log_action(actions: Any) -> None:
    """The page history says a survey came from a file, and what became of its elements
    (surveys.importing.services)."""

    @actions.register_action("innsikt.survey_import")
    class SurveyImported(LogFormatter):
        label = _("Import from a questionnaire file")

        def format_message(self, log_entry: Any) -> str:
            data = log_entry.data or {}
            return _(
                "Created from the %(source)s file “%(file)s”: %(as_is)s imported as they "
                "were, %(changed)s with a change, %(not_imported)s not imported."
            ) % {
                "source": data.get("source", ""),
                "file": data.get("file", ""),
                "as_is": data.get("as_is", 0),
                "changed": data.get("changed", 0),
                "not_imported": data.get("not_imported", 0),
            }
