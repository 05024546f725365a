"""A findings report rendered: the whole report as HTML, and as PDF with WeasyPrint.

The figures come from research.reports.selectors (built before rendering). The PDF has a
cover (library name and logo), table of contents, page numbers and vector charts, is tagged
for accessibility (PDF/UA-1), and uses the system's fonts-dejavu (nothing is downloaded).
"""

import gc
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_tags

from cms.models import LibrarySettings

from ..documents import library_logo_uri, report_language
from ..models import JobStage
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


# A job's progress: (stage, percent) at a stage boundary (research.services.job_run).
Progress = Callable[[str, int], None]


def _no_progress(stage: str, percent: int) -> None:
    return None


def report_html(
    page: Any,
    *,
    for_pdf: bool = True,
    generated_by: str = "",
    site: Any = None,
    progress: Progress = _no_progress,
) -> str:
    """The whole report as one HTML document (the PDF's source). ``progress`` hears the
    stage boundaries: answers read and analysed, then laid out."""
    language = report_language(page)
    with translation.override(language):
        progress(JobStage.READING, 5)
        report = report_results(page, language=language, site=site)
        progress(JobStage.LAYOUT, 40)
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


def report_pdf(
    page: Any, *, generated_by: str = "", site: Any = None, progress: Progress = _no_progress
) -> tuple[bytes, int]:
    """(PDF bytes, number of pages). ``progress`` hears the stage boundaries (reading
    answers, laying out, rendering, writing the PDF) with a percent of the whole."""
    from weasyprint import HTML  # heavy (fonts, layout): loaded by the first PDF only

    # Rendering makes millions of small, short-lived objects without cycles (frames, boxes):
    # the cyclic garbage collector would run again and again for nothing (≈ 10 % of the
    # time at 100,000 answers). It is paused for the rendering only.
    enabled = gc.isenabled()
    gc.disable()
    try:
        html = report_html(page, generated_by=generated_by, site=site, progress=progress)
        progress(JobStage.RENDERING, 55)
        document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
        progress(JobStage.RENDERING, 80)
        return document.write_pdf(pdf_variant="pdf/ua-1"), len(document.pages)
    finally:
        if enabled:
            gc.enable()
