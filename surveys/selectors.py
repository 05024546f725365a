"""Survey reads: the live version, state, quotas, and access for researchers (C9)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from wagtail.models import Page

from cms.selectors import content_cached, site_chrome
from cms.tenancy import library_scope

from .keys import assign_keys
from .models import Channel, Quota, Response, SurveyPage, SurveyStart, SurveyVersion
from .schema import Schema, compile_schema, questions_merged

VERSION_CACHE_KEY = "innsikt:survey-version:{page_id}"


@dataclass
class SurveyRuntime:
    """What answering a survey needs, read once and cached until content changes: the page
    in the respondent's language, its address, the channel, the live version, quotas and
    site chrome."""

    page: SurveyPage
    page_url: str
    channel: Channel | None
    version: SurveyVersion | None
    quotas: list[Quota] = field(default_factory=list)
    chrome: dict[str, Any] = field(default_factory=dict)


def _runtime(
    page: SurveyPage, channel: Channel | None, language: str, request: Any
) -> SurveyRuntime:
    return SurveyRuntime(
        page=page,
        page_url=page.get_url(request=request) or "/",
        channel=channel,
        version=SurveyVersion.objects.filter(page=page).order_by("-number").first(),
        quotas=list(Quota.objects.filter(survey__translation_key=page.translation_key)),
        chrome=site_chrome(page.get_site(), language),
    )


def survey_runtime_for_channel(code: str, language: str, request: Any = None) -> SurveyRuntime:
    """The runtime of the survey behind a channel code, in the given language (the
    translation of the survey when one is live). Raises Http404 for unknown codes."""

    def build() -> SurveyRuntime | bool:
        channel = Channel.objects.select_related("survey").filter(code=code).first()
        if channel is None:
            return False
        page = channel.survey
        localized = page.localized
        if localized.pk != page.pk and localized.live:
            page = localized.specific
        return _runtime(page, channel, language, request)

    runtime = content_cached(f"runtime:c:{code}:{language}", build)
    if not isinstance(runtime, SurveyRuntime):
        raise Http404
    return runtime


def survey_runtime_for_page(page: SurveyPage, language: str, request: Any = None) -> SurveyRuntime:
    return _page_runtime(page.pk, lambda: page, language, request)


def _page_runtime(
    page_id: int, page: Callable[[], SurveyPage], language: str, request: Any
) -> SurveyRuntime:
    """The runtime of a survey at its page address (``page()`` only when not cached)."""
    host = request.get_host() if request is not None else ""
    return content_cached(
        f"runtime:p:{page_id}:{language}:{host}",
        lambda: _runtime(page(), None, language, request),
    )


def survey_route(request: Any, path: str) -> tuple[SurveyPage, tuple, dict] | None:
    """Wagtail's route (page, args, kwargs) for a public path that leads to a survey
    page, cached per host, language and content generation; None for every other page.
    The page comes from the survey's cached runtime, so a warm request reads nothing."""

    def build() -> tuple[int, tuple, dict] | bool:
        route = Page.route_for_request(request, path)
        if route is None:
            raise _NoRoute  # unknown paths are not remembered (bots probe endless ones)
        page, args, kwargs = route
        if not isinstance(page, SurveyPage):
            return False
        return (page.pk, tuple(args), dict(kwargs))

    language = get_language() or "nb"
    try:
        found = content_cached(f"route:{request.get_host()}:{language}:{path}", build)
    except _NoRoute:
        return None
    if not isinstance(found, tuple):
        return None
    page_id, args, kwargs = found
    runtime = _page_runtime(page_id, lambda: SurveyPage.objects.get(pk=page_id), language, request)
    return runtime.page, args, kwargs


class _NoRoute(Exception):
    pass


def survey_live_version(page: SurveyPage) -> SurveyVersion | None:
    """The newest published version of this page (cached until the next publish)."""
    key = VERSION_CACHE_KEY.format(page_id=page.pk)
    version: SurveyVersion | None = cache.get(key)
    if version is None:
        version = SurveyVersion.objects.filter(page=page).order_by("-number").first()
        if version is not None:
            cache.set(key, version, 60 * 60)
    return version


def survey_responses(page: SurveyPage) -> QuerySet[Response]:
    """Responses to this survey in every language (translations share keys)."""
    return Response.objects.filter(survey__translation_key=page.translation_key)


def survey_state(page: SurveyPage, quotas: list[Quota] | None = None) -> str:
    """open | not_open | closed | full (response limit or a closing quota reached).
    Counts answers only when the survey has a limit or a closing quota."""
    now = timezone.now()
    if page.opens_at and now < page.opens_at:
        return "not_open"
    if page.closes_at and now >= page.closes_at:
        return "closed"
    if page.response_limit is not None and (survey_responses(page).count() >= page.response_limit):
        return "full"
    for quota in survey_quotas(page) if quotas is None else quotas:
        if quota.action == Quota.Action.CLOSE and _quota_count(page, quota) >= quota.limit:
            return "full"
    return "open"


def survey_quotas(page: SurveyPage) -> list[Quota]:
    """The survey's quotas (the original's: translations answer under the same ones)."""
    return list(Quota.objects.filter(survey__translation_key=page.translation_key))


def _quota_count(page: SurveyPage, quota: Quota) -> int:
    lookup = {f"answers__{quota.question_key}": quota.option_key}
    return survey_responses(page).filter(**lookup).count()


def quota_blocking(
    page: SurveyPage, answers: dict[str, Any], quotas: list[Quota] | None = None
) -> Quota | None:
    """The first full quota that these answers fall into, if any."""
    for quota in survey_quotas(page) if quotas is None else quotas:
        if answers.get(quota.question_key) != quota.option_key:
            continue
        if _quota_count(page, quota) >= quota.limit:
            return quota
    return None


def survey_get_for_user(user: AbstractBaseUser | AnonymousUser, page_id: int) -> SurveyPage:
    """The survey if the user may see its results (edit permission on the page, which a
    library's researchers group holds on its own tree only); 404 for unknown pages, 403
    for others' surveys."""
    page = SurveyPage.objects.filter(pk=page_id).first()
    if page is None:
        raise Http404
    if not page.permissions_for_user(user).can_edit():
        raise PermissionDenied
    return page


def survey_summary(page: SurveyPage) -> dict[str, Any]:
    """Finished and started counts, completion rate, and counts per channel."""
    responses = survey_responses(page)
    finished = responses.count()
    started = (
        SurveyStart.objects.filter(survey__translation_key=page.translation_key).aggregate(
            n=Sum("count")
        )["n"]
        or 0
    )
    started = max(started, finished)
    by_channel: dict[int | None, int] = {
        row["channel"]: row["n"] for row in responses.values("channel").annotate(n=Count("pk"))
    }
    channels = [
        {"channel": None, "label": "", "count": by_channel.get(None, 0)},
        *[
            {"channel": c, "label": str(c), "count": by_channel.get(c.pk, 0)}
            for c in Channel.objects.filter(survey__translation_key=page.translation_key)
        ],
    ]
    return {
        "finished": finished,
        "started": started,
        "completion": round(100 * finished / started) if started else None,
        "channels": channels,
    }


def survey_questions(page: SurveyPage) -> list[dict[str, Any]]:
    """The survey's answerable questions over every published version, newest first, with
    this page's labels; keys only a translation's versions have come after (translations
    share keys)."""
    versions = SurveyVersion.objects.filter(page__translation_key=page.translation_key)
    own = versions.filter(page=page).order_by("-number")
    others = versions.exclude(page=page).order_by("-number")
    return questions_merged(v.schema for v in [*own, *others])


def surveys_with_counts(
    user: AbstractBaseUser | AnonymousUser, *, open_only: bool = False
) -> list[dict[str, Any]]:
    """The user's libraries' surveys by title (``open_only``: published, and open now —
    one per survey, not each translation), each with its answers: ``total``, ``today`` and
    in the last 7 days (``week``; None when the survey keeps no dates), ``started``,
    ``partial`` (started, not finished) and the completion rate in percent (None before
    anyone started). Translations share their counts. Three queries, whatever the number
    of surveys."""
    pages = library_scope(SurveyPage.objects.all(), user).select_related("locale")
    if open_only:
        now = timezone.now()
        pages = pages.filter(
            Q(live=True),
            Q(opens_at__isnull=True) | Q(opens_at__lte=now),
            Q(closes_at__isnull=True) | Q(closes_at__gt=now),
        )
    surveys = list(pages.order_by("title", "pk"))
    if open_only:  # one row per survey: the first of its translations by title
        firsts: dict[Any, SurveyPage] = {}
        for page in surveys:
            firsts.setdefault(page.translation_key, page)
        surveys = list(firsts.values())
    keys = {p.translation_key for p in surveys}
    today = timezone.localdate()
    answers: dict[Any, dict[str, Any]] = {
        row["survey__translation_key"]: dict(row)
        for row in Response.objects.filter(survey__translation_key__in=keys)
        .values("survey__translation_key")
        .annotate(
            total=Count("pk"),
            today=Count("pk", filter=Q(submitted_on=today)),
            week=Count("pk", filter=Q(submitted_on__gte=today - timedelta(days=6))),
        )
    }
    starts = dict(
        SurveyStart.objects.filter(survey__translation_key__in=keys)
        .values("survey__translation_key")
        .annotate(n=Sum("count"))
        .values_list("survey__translation_key", "n")
    )
    rows = []
    for page in surveys:
        counts = answers.get(page.translation_key, {})
        total = counts.get("total", 0)
        started = max(starts.get(page.translation_key) or 0, total)
        rows.append(
            {
                "page": page,
                "total": total,
                "today": counts.get("today", 0) if page.store_date else None,
                "week": counts.get("week", 0) if page.store_date else None,
                "started": started,
                "partial": started - total,
                "completion": round(100 * total / started) if started else None,
            }
        )
    return rows


def survey_draft_schema(page: SurveyPage) -> Schema:
    """The schema of the survey as last saved in the editor (its latest revision, draft or
    published), which the flow page and the editor's question pickers show. Keys are those
    the revision carries (saving gives every block its key); a block saved without one gets
    a provisional key so the schema still compiles."""
    draft = page.get_latest_revision_as_object() if page.latest_revision_id else page
    return compile_schema(assign_keys(draft.body.get_prep_value()))


def survey_drafts_by_language(page: SurveyPage) -> dict[str, SurveyPage]:
    """The survey and its translations as last saved in the editor (latest revisions, draft
    or published), by language code: what an XLSForm export of the survey holds."""
    drafts: dict[str, SurveyPage] = {}
    for copy in page.get_translations(inclusive=True).select_related("locale").specific():
        draft = copy.get_latest_revision_as_object() if copy.latest_revision_id else copy
        drafts[copy.locale.language_code] = draft
    return drafts
