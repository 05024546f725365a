from typing import Any

from django.template.loader import render_to_string
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSetGroup

from cms.admin_tenancy import LibrarySnippetViewSet
from cms.audit import AuditLogViewSet, audit_log_register
from cms.selectors import library_rules
from cms.tenancy import library_id_for_page

from . import admin_views, views
from .interviews import admin_views as interview_views
from .interviews.choosers import quote_chooser_viewset
from .interviews.models import InterviewCode, InterviewGuidePage, InterviewTheme
from .interviews.selectors import interviews_next_for_user
from .log.models import ResearchLog
from .margins import admin_views as margin_views
from .margins.models import PopulationMargin
from .models import FindingsReportPage
from .report_pickers import report_surveys_set
from .selectors import campaign_response_rates, downloads_ready_for_user, report_survey_questions


@hooks.register("answer_page")
def answer_report_pages(page, request, *args, **kwargs):
    """A findings report is answered by its view, live and in the editor's preview
    (cms.serving)."""
    if not isinstance(page, FindingsReportPage):
        return None
    return views.report_page(request, page)


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = [
        path("surveys/<int:page_id>/answers/", admin_views.answers, name="research_answers"),
        path("surveys/<int:page_id>/exports/", admin_views.exports, name="research_exports"),
        path("surveys/<int:page_id>/explore/", admin_views.explore, name="research_explore"),
        path(
            "exports/<uuid:job_id>/download/",
            admin_views.export_download,
            name="research_export_download",
        ),
        path("findings/", admin_views.findings, name="research_findings"),
        path("exports/", admin_views.exports_index, name="research_exports_index"),
        path("reports/<int:page_id>/pdf/", admin_views.reports, name="research_reports"),
        path("jobs/<uuid:job_id>/status.json", admin_views.job_status, name="research_job_status"),
        path(
            "reports/pdf/<uuid:job_id>/download/",
            admin_views.report_download,
            name="research_report_download",
        ),
        path("interviews/", interview_views.rounds, name="research_interviews"),
        path(
            "interviews/<int:campaign_id>/",
            interview_views.round_detail,
            name="research_interview_round",
        ),
        path(
            "interviews/<int:campaign_id>/coding/",
            interview_views.coding,
            name="research_interview_coding",
        ),
        path(
            "interviews/<int:campaign_id>/export.<str:fmt>",
            interview_views.export,
            name="research_interview_export",
        ),
        path(
            "interviews/participants/<int:participant_id>/",
            interview_views.session,
            name="research_interview_session",
        ),
        path("margins/upload/", margin_views.upload, name="research_margins_upload"),
        path("margins/<int:pk>/mapping/", margin_views.mapping, name="research_margin_mapping"),
        path(
            "interviews/guides/<int:page_id>/pdf/",
            interview_views.guide_pdf,
            name="research_interview_guide_pdf",
        ),
    ]
    return [path("research/", include(urls))]


# The admin menu's "Interviews" (its items below, and INTERVIEWS_MENU_HOOK's) and
# "Findings": none of a researcher's work is under Wagtail's "Snippets".
INTERVIEWS_MENU_HOOK = "register_innsikt_interviews_menu_item"


@hooks.register(INTERVIEWS_MENU_HOOK)
def register_interview_rounds_menu_item():
    return MenuItem(
        _("Rounds and times"), reverse("research_interviews"), icon_name="date", order=10
    )


@hooks.register("register_admin_menu_item")
def register_findings_menu():
    return SubmenuMenuItem(
        _("Findings"),
        Menu(
            items=[
                MenuItem(
                    _("Projects and reports"),
                    reverse("research_findings"),
                    icon_name="doc-full",
                    order=10,
                ),
                MenuItem(
                    _("Exports"), reverse("research_exports_index"), icon_name="download", order=20
                ),
                MenuItem(
                    _("Population margins"),
                    reverse("wagtailsnippets_research_populationmargin:list"),
                    icon_name="table",
                    order=30,
                ),
            ]
        ),
        name="findings",
        icon_name="doc-full-inverse",
        order=280,
    )


class PopulationMarginIndexView(IndexView):
    """The margins listing, with "Upload margins from CSV" beside "Add"."""

    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(
                _("Upload margins from CSV"),
                url=reverse("research_margins_upload"),
                icon_name="upload",
            ),
        ]


class PopulationMarginViewSet(LibrarySnippetViewSet):
    """Population margins, under the admin menu's "Findings" (register_findings_menu)."""

    model = PopulationMargin
    icon = "table"
    add_to_admin_menu = False
    # Its menu item is the "Findings" menu's (register_findings_menu), so it stays out of
    # Wagtail's "Snippets".
    menu_item_is_registered = True
    index_view_class = PopulationMarginIndexView
    list_display = ["name", "source", "date", "library"]


register_snippet(PopulationMarginViewSet)


@hooks.register("register_admin_viewset")
def register_quote_chooser():
    return quote_chooser_viewset


class InterviewCodeViewSet(LibrarySnippetViewSet):
    model = InterviewCode
    icon = "tag"
    menu_label = _("Codebook")
    menu_order = 20
    list_display = ["path", "library", "description"]

    def get_queryset(self, request):
        # Scoped to the user's libraries by LibrarySnippetViewSet's views; the parents are
        # read with the codes for their paths.
        return InterviewCode.objects.select_related("parent__parent__parent")


class InterviewThemeViewSet(LibrarySnippetViewSet):
    model = InterviewTheme
    icon = "folder-open-inverse"
    menu_label = _("Themes")
    menu_order = 30
    list_display = ["name", "library", "description"]


class InterviewsMenu(SnippetViewSetGroup):
    """The admin menu's "Interviews": rounds and their times (through
    INTERVIEWS_MENU_HOOK), the codebook and the themes."""

    menu_label = _("Interviews")
    menu_icon = "group"
    menu_order = 270
    menu_name = "interviews"
    submenu_hook = INTERVIEWS_MENU_HOOK
    items = (InterviewCodeViewSet, InterviewThemeViewSet)


register_snippet(InterviewsMenu)


# The PDF of a page, in its header and listing menus: (label, URL name) by page type.
_PDF_BUTTONS = {
    FindingsReportPage: (_("PDF versions"), "research_reports"),
    InterviewGuidePage: (_("Guide as PDF"), "research_interview_guide_pdf"),
}


def _pdf_button(page, user, **kwargs):
    button = _PDF_BUTTONS.get(type(page.specific_deferred))
    if button is not None and page.permissions_for_user(user).can_edit():
        label, url_name = button
        yield PageMenuItem(
            label, reverse(url_name, args=[page.pk]), icon_name="doc-full", priority=5, page=page
        )


hooks.register("register_page_listing_more_buttons", _pdf_button)
hooks.register("register_page_header_buttons", _pdf_button)


class ResearchLogViewSet(AuditLogViewSet):
    model = ResearchLog
    menu_label = _("Research log")
    name = "research_log"
    list_display = ["at", "username", "action", "survey_id", "object_id", "detail"]
    list_filter = ["action"]
    search_fields = ["username", "detail", "object_id"]


audit_log_register(ResearchLog)


@hooks.register("register_admin_viewset")
def register_research_log():
    return ResearchLogViewSet()


class DownloadsReadyPanel(Component):
    """The dashboard's finished report PDFs and exports of the user's libraries."""

    name = "innsikt_downloads_ready"
    order = 120
    template_name = "research/admin/dashboard_downloads.html"

    def get_context_data(self, parent_context=None):
        return {"items": downloads_ready_for_user((parent_context or {})["request"].user)}


class NextInterviewsPanel(Component):
    """The dashboard's next interview times of the user's libraries."""

    name = "innsikt_next_interviews"
    order = 130
    template_name = "research/admin/dashboard_interviews.html"

    def get_context_data(self, parent_context=None):
        user = (parent_context or {})["request"].user
        return {"slots": interviews_next_for_user(user, now=timezone.now())}


@hooks.register("construct_homepage_panels")
def research_panels(request, panels):
    panels.extend([DownloadsReadyPanel(), NextInterviewsPanel()])


def _report_pickers(page: Any) -> None:
    library_id = library_id_for_page(page) if page.path else None
    report_surveys_set(report_survey_questions(library_id))


@hooks.register("before_edit_page")
def report_pickers_for_edit(request, page):
    """The report editor's question lists: the page's library's surveys (report_pickers)."""
    if isinstance(page.specific_deferred, FindingsReportPage):
        _report_pickers(page)


@hooks.register("before_create_page")
def report_pickers_for_create(request, parent_page, page_class):
    if issubclass(page_class, FindingsReportPage):
        _report_pickers(parent_page)


@hooks.register("panel_campaign_sections")
def campaign_response_rates_section(request: Any, campaign: Any) -> str:
    """The campaign page's response rates (panel.admin_views.campaign_detail): computed
    and suppressed here, where the suppression rules live."""
    if campaign.kind != "survey":
        return ""
    return render_to_string(
        "research/admin/campaign_rates.html",
        {
            "tables": campaign_response_rates(campaign),
            "k": library_rules(campaign.library)[0],
        },
        request=request,
    )
