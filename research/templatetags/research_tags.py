"""Template filters for findings reports."""

import base64

from django import template

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
    from django.utils.html import strip_tags

    return strip_tags(svg[start : end + 7]).strip()
