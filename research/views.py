"""Findings reports on the site: the report page, for the library's researchers."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .models import FindingsReportPage


def report_page(request: HttpRequest, page: FindingsReportPage, *args: Any) -> HttpResponse:
    """The report as a web page (and the editor's preview): the figures are built first
    (research.reports.selectors), the templates only show them. Who may see it is checked
    before, as for every internal page (cms.models.InternalPage)."""
    # heavy: the figures need pandas and numpy, which no other page of a process loads
    from .reports.selectors import report_results

    context = page.get_context(request)
    context["report"] = report_results(page)
    return TemplateResponse(request, page.get_template(request), context)
