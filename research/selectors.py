"""Research reads: a survey's answers as a response frame for research/analysis.py.

Access goes through surveys.selectors.survey_get_for_user first (DESIGN.md C9); these
functions take a survey the caller may already see.
"""

from collections.abc import Iterator
from typing import Any

import pandas as pd
from django.db.models import Q

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
