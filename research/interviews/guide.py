"""The interview guide as a printable PDF, through the same WeasyPrint pipeline as the
findings reports (installed DejaVu fonts, tagged PDF/UA, the library's name and logo)."""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cms.models import LibrarySettings
from cms.tenancy import library_site_for_page

from ..documents import library_logo_uri, report_language


def guide_html(guide: Any) -> str:
    site = library_site_for_page(guide)
    language = report_language(guide)
    with translation.override(language):
        library = LibrarySettings.for_site(site).library_name if site else ""
        return render_to_string(
            "research/interviews/guide_pdf.html",
            {
                "guide": guide,
                "sections": guide.guide_sections(),
                "minutes": guide.total_minutes,
                "library": library or (site.site_name if site else ""),
                "logo": library_logo_uri(site),
                "language": language,
                "generated": timezone.localtime(),
            },
        )


def guide_pdf(guide: Any) -> bytes:
    from weasyprint import HTML  # heavy: only a guide's PDF needs WeasyPrint

    document = HTML(string=guide_html(guide), base_url=str(settings.BASE_DIR)).render()
    return document.write_pdf(pdf_variant="pdf/ua-1")
