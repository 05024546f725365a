"""Which libraries (Wagtail Sites) a user works for, their settings, and the cached chrome
(library name, footer links) of public pages."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from wagtail.models import Page, Site
from wagtail.permission_policies.pages import PagePermissionPolicy

GENERATION_KEY = "innsikt:content-generation"


def content_generation() -> int:
    """A number that changes whenever public content changes (cms.signals)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = 1
        cache.add(GENERATION_KEY, generation, None)
    return int(generation)


def content_generation_bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)


def site_chrome(site: Site | None, language: str) -> dict[str, Any]:
    """Library name and footer links (accessibility, privacy) of a site in a language.
    Cached until content changes."""
    if site is None:
        return {"library_name": "Innsikt", "footer_links": []}
    key = f"innsikt:chrome:{content_generation()}:{site.pk}:{language}"
    chrome: dict[str, Any] | None = cache.get(key)
    if chrome is None:
        from cms.models import LibrarySettings

        library = LibrarySettings.for_site(site)
        links = []
        for target in (library.accessibility_page, library.privacy_page):
            if target is not None:
                localized = target.localized
                links.append({"title": localized.title, "url": localized.get_url()})
        chrome = {
            "library_name": library.library_name or site.site_name or "Innsikt",
            "footer_links": links,
        }
        cache.set(key, chrome, 60 * 60)
    return chrome


def library_sites_for_user(user: AbstractBaseUser | AnonymousUser) -> list[Site]:
    """Sites whose root page the user may edit (superusers: all sites)."""
    sites = list(Site.objects.select_related("root_page").order_by("site_name"))
    if getattr(user, "is_superuser", False):
        return sites
    explorable = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    return [s for s in sites if explorable.filter(pk=s.root_page_id).exists()]


def library_site_for_page(page: Page) -> Site | None:
    """The Site (library) whose tree contains page, or None for pages outside every site."""
    for site in Site.objects.select_related("root_page"):
        if page.path.startswith(site.root_page.path):
            return site
    return None
