"""A findings report rendered: the whole report as HTML, and as PDF with WeasyPrint.

The figures come from research.reports.selectors (built before rendering). The PDF has a
cover (library name and logo), table of contents, page numbers and vector charts, is tagged
for accessibility (PDF/UA-1), and uses the system's fonts-dejavu (nothing is downloaded).
"""

import gc
import re
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_tags

from cms.models import LibrarySettings

from ..documents import library_logo_uri, report_language
from .selectors import report_results

_HEADING = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<text>.*?)</h2>", re.S)


def number_headings(html: str) -> tuple[str, list[tuple[str, str]]]:
    """Give every ``<h2>`` of the rendered body an id and return the table of contents
    as (id, text) pairs, in order."""
    toc: list[tuple[str, str]] = []

    def name(match: re.Match[str]) -> str:
        attrs = match.group("attrs")
        found = re.search(r'id="([^"]+)"', attrs)
        anchor = found.group(1) if found else f"section-{len(toc) + 1}"
        if not found:
            attrs += f' id="{anchor}"'
        toc.append((anchor, strip_tags(match.group("text")).strip()))
        return f"<h2{attrs}>{match.group('text')}</h2>"

    return _HEADING.sub(name, html), toc


def report_html(
    page: Any, *, for_pdf: bool = True, generated_by: str = "", site: Any = None
) -> str:
    """The whole report as one HTML document (the PDF's source)."""
    language = report_language(page)
    with translation.override(language):
        report = report_results(page, language=language, site=site)
        body, toc = number_headings(
            render_to_string(
                "research/report_body.html", {"page": page, "report": report, "pdf": for_pdf}
            )
        )
        site = report.site
        library = LibrarySettings.for_site(site).library_name if site else ""
        return render_to_string(
            "research/report_pdf.html",
            {
                "page": page,
                "body": body,
                "toc": toc,
                "library": library or (site.site_name if site else ""),
                "logo": library_logo_uri(site),
                "generated": timezone.localtime(),
                "generated_by": generated_by,
                "language": report.language,
                "rule": report.privacy.rule(),
            },
        )


def report_pdf(page: Any, *, generated_by: str = "", site: Any = None) -> tuple[bytes, int]:
    """(PDF bytes, number of pages)."""
    from weasyprint import HTML  # heavy (fonts, layout): loaded by the first PDF only

    # Rendering makes millions of small, short-lived objects without cycles (frames, boxes):
    # the cyclic garbage collector would run again and again for nothing (≈ 10 % of the
    # time at 100,000 answers). It is paused for the rendering only.
    enabled = gc.isenabled()
    gc.disable()
    try:
        html = report_html(page, generated_by=generated_by, site=site)
        document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
        return document.write_pdf(pdf_variant="pdf/ua-1"), len(document.pages)
    finally:
        if enabled:
            gc.enable()
