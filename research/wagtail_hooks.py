from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem

from cms.audit import AuditLogViewSet, audit_log_register

from . import admin_views
from .models import FindingsReportPage, ResearchLog


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = [
        path("surveys/<int:page_id>/exports/", admin_views.exports, name="research_exports"),
        path("surveys/<int:page_id>/explore/", admin_views.explore, name="research_explore"),
        path(
            "exports/<uuid:job_id>/download/",
            admin_views.export_download,
            name="research_export_download",
        ),
        path("reports/<int:page_id>/pdf/", admin_views.reports, name="research_reports"),
        path(
            "reports/pdf/<uuid:job_id>/download/",
            admin_views.report_download,
            name="research_report_download",
        ),
    ]
    return [path("research/", include(urls))]


def _pdf_button(page, user, **kwargs):
    if (
        isinstance(page.specific_deferred, FindingsReportPage)
        and page.permissions_for_user(user).can_edit()
    ):
        yield PageMenuItem(
            _("PDF versions"),
            reverse("research_reports", args=[page.pk]),
            icon_name="doc-full",
            priority=5,
            page=page,
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
