"""Research reads: a survey's answers as a response frame for research/analysis.py.

Access goes through surveys.selectors.survey_get_for_user first (DESIGN.md C9); these
functions take a survey the caller may already see.
"""

from collections.abc import Iterator
from typing import Any

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from surveys.models import Channel, SurveyPage, SurveyVersion
from surveys.selectors import survey_responses

from .analysis import Filters, questions_of, responses_frame


def survey_questions(page: SurveyPage) -> list[dict[str, Any]]:
    """The survey's answerable questions over every published version, newest first, with
    this page's labels; keys only a translation's versions have come after (translations
    share keys)."""
    versions = SurveyVersion.objects.filter(page__translation_key=page.translation_key)
    own = versions.filter(page=page).order_by("-number")
    others = versions.exclude(page=page).order_by("-number")
    return questions_of(v.schema for v in [*own, *others])


def survey_channel_labels(page: SurveyPage) -> dict[int | None, str]:
    """How a response's channel reads in analysis: its name, or "link" for the page."""
    labels: dict[int | None, str] = {None: "link"}
    for channel in Channel.objects.filter(survey__translation_key=page.translation_key):
        labels[channel.pk] = f"{channel.get_kind_display()}: {channel.name}"
    return labels


def segment_pseudonyms(page: SurveyPage, segment_id: int) -> frozenset[str]:
    """The pseudonyms the current members of a segment of the survey's library answer
    under: the only join between answers and the panel (no member id reaches analysis).
    A segment of another library selects nobody."""
    from cms.selectors import library_site_for_page
    from panel.models import Segment
    from panel.selectors import segment_members

    site = library_site_for_page(page)
    segment = Segment.objects.filter(pk=segment_id, library=site).first()
    if segment is None:
        return frozenset()
    return frozenset(
        segment_members(segment).exclude(pseudonym="").values_list("pseudonym", flat=True)
    )


def survey_rows(page: SurveyPage, filters: Filters | None = None) -> Iterator[dict[str, Any]]:
    """Every answer to the survey in any language that passes ``filters`` (in the database),
    as plain dicts — answers and meta fields only, read in chunks without building model
    instances."""
    labels = survey_channel_labels(page)
    responses = survey_responses(page).order_by()
    if filters is not None:
        if filters.channels:
            ids = [pk for pk, label in labels.items() if label in filters.channels]
            pick = Q(channel_id__in=[pk for pk in ids if pk is not None])
            if None in ids:
                pick |= Q(channel__isnull=True)
            responses = responses.filter(pick)
        if filters.date_from:
            responses = responses.filter(submitted_on__gte=filters.date_from)
        if filters.date_to:
            responses = responses.filter(submitted_on__lte=filters.date_to)
        if filters.versions:
            responses = responses.filter(version__number__in=filters.versions)
        if filters.segment_id is not None:
            responses = responses.filter(pseudonym__in=segment_pseudonyms(page, filters.segment_id))
        if filters.pseudonyms is not None:
            responses = responses.filter(pseudonym__in=filters.pseudonyms)
    return (
        {
            "answers": answers,
            "submitted_on": submitted_on,
            "channel": labels.get(channel_id, "link"),
            "language": language,
            "version": number,
            "pseudonym": pseudonym,
        }
        for answers, submitted_on, channel_id, language, number, pseudonym in (
            responses.values_list(
                "answers", "submitted_on", "channel_id", "language", "version__number", "pseudonym"
            ).iterator(chunk_size=2000)
        )
    )


def survey_frame(
    page: SurveyPage, filters: Filters | None = None
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """(questions, response frame) of the survey's answers that pass ``filters``."""
    questions = survey_questions(page)
    return questions, responses_frame(survey_rows(page, filters), questions)


def survey_row_count(page: SurveyPage) -> int:
    return survey_responses(page).count()


def survey_facts(page: SurveyPage) -> dict[str, Any]:
    """What a methods section says about a survey (raw counts: the caller suppresses):
    answers in total and per channel, the period answered, and for panel surveys how many
    invitations were sent and completed."""
    from django.db.models import Count, Max, Min

    from panel.models import Invitation

    responses = survey_responses(page).order_by()
    span = responses.aggregate(n=Count("pk"), first=Min("submitted_on"), last=Max("submitted_on"))
    labels = survey_channel_labels(page)
    by_channel: dict[str, int] = {}
    for channel_id, n in responses.values_list("channel_id").annotate(n=Count("pk")):
        label = labels.get(channel_id, "link")
        by_channel[label] = by_channel.get(label, 0) + n
    invitations = Invitation.objects.filter(
        campaign__survey__translation_key=page.translation_key, state=Invitation.State.SENT
    )
    return {
        "title": page.title,
        "n": span["n"],
        "first": span["first"],
        "last": span["last"],
        "channels": dict(sorted(by_channel.items())),
        "invited": invitations.count(),
        "completed": invitations.filter(completed_at__isnull=False).count(),
    }


def report_get_for_user(user: AbstractBaseUser | AnonymousUser, page_id: int) -> Any:
    """The findings report if the user may edit it (its library's researchers); 404 for
    unknown pages, 403 for another library's."""
    from .models import FindingsReportPage

    report = FindingsReportPage.objects.filter(pk=page_id).first()
    if report is None:
        raise Http404
    if not report.permissions_for_user(user).can_edit():
        raise PermissionDenied
    return report


def library_segments(page: SurveyPage) -> list[tuple[int, str]]:
    """(id, name) of the panel segments of the survey's library."""
    from cms.selectors import library_site_for_page
    from panel.models import Segment

    site = library_site_for_page(page)
    return list(Segment.objects.filter(library=site).order_by("name").values_list("pk", "name"))
