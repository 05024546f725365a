"""Template filters for findings reports."""

import base64

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def svg_data_uri(svg: str) -> str:
    """An SVG chart as a data: URI for <img> (public pages' CSP allows no inline styles,
    which matplotlib's SVG uses; WeasyPrint draws it as vectors either way)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@register.filter
def svg_summary(svg: str) -> str:
    """The chart's <desc> (every published value as text), for the image's alt text."""
    start, end = svg.find("<desc"), svg.find("</desc>")
    if start < 0 or end < 0:
        return ""
    return strip_tags(svg[start : end + 7]).strip()


@register.filter
def css_string(text: object) -> str:
    """``text`` as a quoted CSS string (a PDF's running head): every character that could
    end the string, the declaration or the style element is a CSS hex escape."""
    escaped = "".join(
        f"\\{ord(c):x} " if c in "\\\"'<>&\n\r\f" or ord(c) < 0x20 else c for c in str(text)
    )
    return mark_safe(f'"{escaped}"')  # every special character is escaped above
