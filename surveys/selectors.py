"""Survey reads: the live version, state, quotas, and access for researchers (C9)."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from cms.selectors import content_generation, site_chrome

from .models import Channel, Quota, Response, SurveyPage, SurveyStart, SurveyVersion

VERSION_CACHE_KEY = "innsikt:survey-version:{page_id}"
RUNTIME_TTL = 60 * 60


@dataclass
class SurveyRuntime:
    """What answering a survey needs, read once and cached until content changes: the page
    in the respondent's language, the channel, the live version, quotas and site chrome."""

    page: SurveyPage
    channel: Channel | None
    version: SurveyVersion | None
    quotas: list[Quota] = field(default_factory=list)
    chrome: dict[str, Any] = field(default_factory=dict)


def _runtime(page: SurveyPage, channel: Channel | None, language: str) -> SurveyRuntime:
    return SurveyRuntime(
        page=page,
        channel=channel,
        version=SurveyVersion.objects.filter(page=page).order_by("-number").first(),
        quotas=list(Quota.objects.filter(survey__translation_key=page.translation_key)),
        chrome=site_chrome(page.get_site(), language),
    )


def survey_runtime_for_channel(code: str, language: str) -> SurveyRuntime:
    """The runtime of the survey behind a channel code, in the given language (the
    translation of the survey when one is live). Raises Http404 for unknown codes."""
    key = f"innsikt:runtime:{content_generation()}:c:{code}:{language}"
    runtime: SurveyRuntime | None = cache.get(key)
    if runtime is None:
        channel = Channel.objects.select_related("survey").filter(code=code).first()
        if channel is None:
            raise Http404
        page = channel.survey
        localized = page.localized
        if localized.pk != page.pk and localized.live:
            page = localized.specific
        runtime = _runtime(page, channel, language)
        cache.set(key, runtime, RUNTIME_TTL)
    return runtime


def survey_runtime_for_page(page: SurveyPage, language: str) -> SurveyRuntime:
    key = f"innsikt:runtime:{content_generation()}:p:{page.pk}:{language}"
    runtime: SurveyRuntime | None = cache.get(key)
    if runtime is None:
        runtime = _runtime(page, None, language)
        cache.set(key, runtime, RUNTIME_TTL)
    return runtime


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
    for quota in _quotas(page) if quotas is None else quotas:
        if quota.action == Quota.Action.CLOSE and _quota_count(page, quota) >= quota.limit:
            return "full"
    return "open"


def _quotas(page: SurveyPage) -> list[Quota]:
    return list(Quota.objects.filter(survey__translation_key=page.translation_key))


def _quota_count(page: SurveyPage, quota: Quota) -> int:
    lookup = {f"answers__{quota.question_key}": quota.option_key}
    return survey_responses(page).filter(**lookup).count()


def quota_blocking(
    page: SurveyPage, answers: dict[str, Any], quotas: list[Quota] | None = None
) -> Quota | None:
    """The first full quota that these answers fall into, if any."""
    for quota in _quotas(page) if quotas is None else quotas:
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


def surveys_for_user(user: AbstractBaseUser | AnonymousUser) -> list[SurveyPage]:
    return [
        p
        for p in SurveyPage.objects.all().order_by("title")
        if p.permissions_for_user(user).can_edit()
    ]


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
