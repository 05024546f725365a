"""The cached chrome (library name, footer links) of public pages and the content
generation that invalidates it. Which libraries a user works for: cms.tenancy."""

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.http import Http404
from django.urls import translate_url
from wagtail.models import Locale, Page, Site

from cms.models import AccessibilityStatementPage, LibrarySettings
from cms.tenancy import library_object_or_404

T = TypeVar("T")
GENERATION_KEY = "innsikt:content-generation"
# How long a process trusts its copy of the generation number: a publish reaches other
# processes within this time. It saves one cache round trip on every public request.
GENERATION_TRUST_SECONDS = 1.0
MEMO_LIMIT = 512

_generation: tuple[int, float] = (0, 0.0)
_memo: dict[str, Any] = {}


def content_generation() -> int:
    """A number that changes whenever public content changes (cms.receivers)."""
    global _generation
    value, read_at = _generation
    now = time.monotonic()
    if value and now - read_at < GENERATION_TRUST_SECONDS:
        return value
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = 1
        cache.add(GENERATION_KEY, generation, None)
    _generation = (int(generation), now)
    return int(generation)


def content_generation_bump() -> None:
    global _generation
    try:
        value = cache.incr(GENERATION_KEY)
    except ValueError:
        value = 2
        cache.set(GENERATION_KEY, value, None)
    _generation = (int(value), time.monotonic())
    _memo.clear()


def content_cache_reset() -> None:
    """Forget this process's copies (tests call it when they clear the shared cache)."""
    global _generation
    _generation = (0, 0.0)
    _memo.clear()


def content_cached(name: str, build: Callable[[], T], timeout: int = 60 * 60) -> T:
    """``build()``'s result for ``name`` in the current content generation, from this
    process's memory, else the shared cache, else built and stored in both. Everything
    cached this way is dropped when content changes."""
    key = f"innsikt:{content_generation()}:{name}"
    if key in _memo:
        return _memo[key]
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    if len(_memo) >= MEMO_LIMIT:
        _memo.clear()
    _memo[key] = value
    return value


def page_language_links(
    page: Page, current: str, languages: list[tuple[str, str]], request: Any
) -> list[dict[str, Any]]:
    """A link per language of ``languages``, in their order: the current one to this page
    (marked ``current``), the others to the page's live translation (else the translated
    site root, else the same path under the other language prefix). Cached per content
    generation."""

    def build() -> list[dict[str, Any]]:
        links: list[dict[str, Any]] = []
        site = Site.find_for_request(request)
        for code, name in languages:
            if code == current:
                links.append({"code": code, "name": name, "url": request.path, "current": True})
                continue
            url = None
            for candidate in (page, site.root_page if site else None):
                if candidate is None:
                    continue
                try:
                    locale = Locale.objects.get_for_language(code)
                except Locale.DoesNotExist:
                    break
                translated = candidate.get_translation_or_none(locale)
                if translated is not None and translated.live:
                    url = translated.get_url(request=request)
                    break
            links.append(
                {"code": code, "name": name, "url": url or translate_url(request.path, code)}
            )
        return links

    return content_cached(f"lang:{page.pk}:{current}:{request.get_host()}", build)


def site_chrome(site: Site | None, language: str) -> dict[str, Any]:
    """Library name and footer links (accessibility, privacy) of a site in a language.
    Cached until content changes."""
    if site is None:
        return {"library_name": "Innsikt", "footer_links": []}

    def build() -> dict[str, Any]:
        library = LibrarySettings.for_site(site)
        links = []
        for target in (library.accessibility_page, library.privacy_page):
            if target is not None:
                localized = target.localized
                links.append({"title": localized.title, "url": localized.get_url()})
        return {
            "library_name": library.library_name or site.site_name or "Innsikt",
            "footer_links": links,
        }

    return content_cached(f"chrome:{site.pk}:{language}", build)


def library_rules(site: Any) -> tuple[int, str]:
    """(k, library-card pattern) of a library (a Wagtail Site, or None: the defaults): the
    rules every output of research follows (k never below 3, whatever the row holds)."""
    if site is None:
        return 5, r"N\d{9}"

    values = LibrarySettings.for_site(site)
    return max(values.k_threshold, 3), values.card_number_pattern


# ---- accessibility statements ------------------------------------------------------------


def accessibility_statement_for_hostname(hostname: str) -> Any:
    """The accessibility statement page of the library at ``hostname`` (its default
    language's tree), or None when the library has none. Raises Site.DoesNotExist for an
    unknown hostname."""
    site = Site.objects.select_related("root_page").get(hostname=hostname)
    return AccessibilityStatementPage.objects.child_of(site.root_page).order_by("pk").first()


def accessibility_statement_get_for_user(user: Any, page_id: int) -> Any:
    """The statement page ``page_id`` of one of the user's libraries that the user may
    edit; Http404 for any other page (cms.tenancy)."""
    page = library_object_or_404(AccessibilityStatementPage, user, pk=page_id)
    if not page.permissions_for_user(user).can_edit():
        raise Http404
    return page


def accessibility_statement_rows(page: Any) -> list[Any]:
    """All 47 criteria of the statement's published version (its draft when it has never
    been published), for the export."""
    source = page if page.live else page.get_latest_revision_as_object()
    return source.statement_rows()
