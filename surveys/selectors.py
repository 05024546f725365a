"""Survey reads: the live version, state, quotas, and access for researchers (C9)."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from .models import Channel, Quota, Response, SurveyPage, SurveyStart, SurveyVersion

VERSION_CACHE_KEY = "innsikt:survey-version:{page_id}"


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


def survey_state(page: SurveyPage) -> str:
    """open | not_open | closed | full (response limit or a closing quota reached)."""
    now = timezone.now()
    if page.opens_at and now < page.opens_at:
        return "not_open"
    if page.closes_at and now >= page.closes_at:
        return "closed"
    if page.response_limit is not None and (survey_responses(page).count() >= page.response_limit):
        return "full"
    for quota in _quotas(page):
        if quota.action == Quota.Action.CLOSE and _quota_count(page, quota) >= quota.limit:
            return "full"
    return "open"


def _quotas(page: SurveyPage) -> list[Quota]:
    return list(Quota.objects.filter(survey__translation_key=page.translation_key))


def _quota_count(page: SurveyPage, quota: Quota) -> int:
    lookup = {f"answers__{quota.question_key}": quota.option_key}
    return survey_responses(page).filter(**lookup).count()


def quota_blocking(page: SurveyPage, answers: dict[str, Any]) -> Quota | None:
    """The first full quota that these answers fall into, if any."""
    for quota in _quotas(page):
        if answers.get(quota.question_key) != quota.option_key:
            continue
        if _quota_count(page, quota) >= quota.limit:
            return quota
    return None


def channel_get_by_code(code: str) -> Channel:
    try:
        return Channel.objects.select_related("survey").get(code=code)
    except Channel.DoesNotExist as exc:
        raise Http404 from exc


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
