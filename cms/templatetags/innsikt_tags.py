"""Site chrome: the language switch and the footer links, for pages and plain views alike.

Library name and footer links come from cms.selectors.site_chrome (cached); a view that
already knows them (the survey runtime) passes ``chrome`` in its context.
"""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language
from wagtail.models import Locale, Page, Site

from cms.selectors import site_chrome

register = template.Library()


def _chrome(context) -> dict:
    if "chrome" in context:
        return context["chrome"]
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    chrome = site_chrome(site, get_language() or settings.LANGUAGE_CODE)
    context["chrome"] = chrome
    return chrome


def _localized_url(page: Page | None, language: str, request) -> str | None:
    if page is None:
        return None
    try:
        locale = Locale.objects.get_for_language(language)
    except Locale.DoesNotExist:
        return None
    translated = page.get_translation_or_none(locale)
    if translated is None or not translated.live:
        return None
    return translated.get_url(request=request)


@register.inclusion_tag("cms/language_switch.html", takes_context=True)
def language_switch(context):
    """Links to this page in the other interface languages (the page's translation if it has
    one, else the same address under the other language prefix)."""
    request = context.get("request")
    page = context.get("page")
    current = get_language()
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        url = None
        if isinstance(page, Page) and not context.get("plain_language_urls"):
            url = _localized_url(page, code, request)
            if url is None:
                site = Site.find_for_request(request)
                url = _localized_url(site.root_page if site else None, code, request)
        if url is None and request is not None:
            url = translate_url(request.get_full_path(), code)
        links.append({"code": code, "name": name, "url": url or "/"})
    return {"links": links}


@register.inclusion_tag("cms/footer_links.html", takes_context=True)
def footer_links(context):
    """The library's accessibility and privacy statements, in the current language."""
    return {"links": _chrome(context)["footer_links"]}


@register.simple_tag(takes_context=True)
def library_name(context) -> str:
    return _chrome(context)["library_name"]
