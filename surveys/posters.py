"""Printable material for a channel: the QR code (segno) and an A4 poster (SVG and PDF), its
words in the poster's language (with an English line below them on a non-English poster,
for visitors who read neither Norwegian)."""

import base64
import io

import segno
from django.conf import settings
from django.template.loader import render_to_string

from cms.formatting import check_language, in_language, supported_language


def poster_language(page_language: str | None, requested: str | None) -> str:
    """A poster's language: the one asked for (``?language=``: one of settings.LANGUAGES,
    else ``ValueError``), else the language of the page it leads to."""
    if requested:
        return check_language(requested)
    return supported_language(page_language)


def qr_svg(url: str, *, scale: int = 8) -> str:
    """The QR code for url as an SVG string (error correction M, dark on white)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, title=url
    )
    return buffer.getvalue().decode()


def poster_html(
    *, library: str, title: str, event: str, url: str, language: str = settings.LANGUAGE_CODE
) -> str:
    """The A4 poster as HTML in ``language`` (one of settings.LANGUAGES, else ValueError)."""
    with in_language(language):
        return render_to_string(
            "surveys/admin/poster.html",
            {
                "library": library,
                "title": title,
                "event": event,
                "url": url,
                "qr": qr_svg(url),
                "language": language,
            },
        )


def poster_pdf(
    *, library: str, title: str, event: str, url: str, language: str = settings.LANGUAGE_CODE
) -> bytes:
    from weasyprint import HTML  # heavy: only a poster's PDF needs WeasyPrint

    html = poster_html(library=library, title=title, event=event, url=url, language=language)
    return HTML(string=html).write_pdf()


def poster_svg(
    *, library: str, title: str, event: str, url: str, language: str = settings.LANGUAGE_CODE
) -> str:
    """An A4 (210 × 297 mm) SVG poster with the QR code in the middle, in ``language``."""
    with in_language(language):
        return render_to_string(
            "surveys/admin/poster.svg",
            {
                "library": library,
                "title": title,
                "event": event,
                "url": url,
                "qr_data": base64.b64encode(qr_svg(url).encode()).decode(),
                "language": language,
            },
        )
