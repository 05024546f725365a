"""Site chrome: the language switch and the footer links, for pages and plain views alike."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language
from wagtail.models import Locale, Page, Site

register = template.Library()


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
    one, else the same view under the other language prefix)."""
    request = context.get("request")
    page = context.get("page")
    current = get_language()
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        url = None
        if isinstance(page, Page):
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
    request = context.get("request")
    links = []
    site = Site.find_for_request(request) if request is not None else None
    if site is not None:
        from cms.models import LibrarySettings

        library = LibrarySettings.for_site(site)
        for target in (library.accessibility_page, library.privacy_page):
            if target is None:
                continue
            localized = target.localized
            links.append({"title": localized.title, "url": localized.get_url(request=request)})
    return {"links": links}


@register.simple_tag(takes_context=True)
def library_name(context) -> str:
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return "Innsikt"
    from cms.models import LibrarySettings

    return LibrarySettings.for_site(site).library_name or site.site_name or "Innsikt"
