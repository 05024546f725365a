"""Printable material for a channel: the QR code (segno) and an A4 poster (SVG and PDF)."""

import base64
import io

import segno
from django.template.loader import render_to_string


def qr_svg(url: str, *, scale: int = 8) -> str:
    """The QR code for url as an SVG string (error correction M, dark on white)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, title=url
    )
    return buffer.getvalue().decode()


def poster_html(*, library: str, title: str, event: str, url: str) -> str:
    return render_to_string(
        "surveys/admin/poster.html",
        {"library": library, "title": title, "event": event, "url": url, "qr": qr_svg(url)},
    )


def poster_pdf(*, library: str, title: str, event: str, url: str) -> bytes:
    from weasyprint import HTML  # heavy: only a poster's PDF needs WeasyPrint

    html = poster_html(library=library, title=title, event=event, url=url)
    return HTML(string=html).write_pdf()


def poster_svg(*, library: str, title: str, event: str, url: str) -> str:
    """An A4 (210 × 297 mm) SVG poster with the QR code in the middle."""
    return render_to_string(
        "surveys/admin/poster.svg",
        {
            "library": library,
            "title": title,
            "event": event,
            "url": url,
            "qr_data": base64.b64encode(qr_svg(url).encode()).decode(),
        },
    )
