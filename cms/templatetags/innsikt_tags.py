"""Site chrome: the language switch and the footer links, for pages and plain views alike.

Library name and footer links come from cms.selectors.site_chrome (cached); a view that
already knows them (the survey runtime) passes ``chrome`` in its context.
"""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language
from wagtail.models import Page, Site

from cms.selectors import page_language_links, site_chrome

register = template.Library()


def _chrome(context) -> dict:
    if "chrome" in context:
        return context["chrome"]
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    chrome = site_chrome(site, get_language() or settings.LANGUAGE_CODE)
    context["chrome"] = chrome
    return chrome


@register.inclusion_tag("cms/language_switch.html", takes_context=True)
def language_switch(context):
    """Links to this page in every interface language (nb / nn / en), the current one marked
    for screen readers (aria-current): the page's translation if it has one, else the same
    address under the other language prefix."""
    request = context.get("request")
    page = context.get("page")
    current = get_language()
    if isinstance(page, Page) and not context.get("plain_language_urls") and request:
        return {"links": page_language_links(page, current, settings.LANGUAGES, request)}
    links = []
    path = request.get_full_path() if request is not None else "/"
    for code, name in settings.LANGUAGES:
        url = path if code == current else translate_url(path, code)
        links.append({"code": code, "name": name, "url": url, "current": code == current})
    return {"links": links}


@register.inclusion_tag("cms/footer_links.html", takes_context=True)
def footer_links(context):
    """The library's accessibility and privacy statements, in the current language."""
    return {"links": _chrome(context)["footer_links"]}


@register.simple_tag(takes_context=True)
def library_name(context) -> str:
    return _chrome(context)["library_name"]
