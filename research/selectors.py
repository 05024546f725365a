"""Research reads: a survey's answers as a response frame for research/analysis.py.

Access goes through surveys.selectors.survey_get_for_user first (DESIGN.md C9); these
functions take a survey the caller may already see.
"""

import gc
import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.http import Http404

from cms.models import LibrarySettings
from cms.tenancy import library_site_for_page
from panel.models import Invitation, Segment
from panel.selectors import segment_members
from surveys.models import Channel, SurveyPage
from surveys.selectors import survey_questions, survey_responses

from .export_coding import csv_select_query
from .filters import Filters
from .models import FindingsReportPage

if TYPE_CHECKING:
    import pandas as pd
    import psycopg

    from .export_coding import CsvPlan


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

    site = library_site_for_page(page)
    segment = Segment.objects.filter(pk=segment_id, library=site).first()
    if segment is None:
        return frozenset()
    return frozenset(
        segment_members(segment).exclude(pseudonym="").values_list("pseudonym", flat=True)
    )


def _filtered_responses(page: SurveyPage, filters: Filters | None) -> Any:
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
    return responses


META_FIELDS = {
    "channel": "channel_id",
    "language": "language",
    "version": "version__number",
    "submitted_on": "submitted_on",
}


def survey_export_rows(
    page: SurveyPage, filters: Filters | None, paths: list[tuple[str, ...]]
) -> Iterator[tuple[Any, ...]]:
    """For each response passing ``filters``, the values at ``paths`` (research.exports):
    meta fields, or JSON values the database extracts as text (lists and objects as JSON
    text) — the answers are never decoded as a whole in Python."""

    columns: list[Any] = []
    for path in paths:
        if path[0] != "answers":
            columns.append(META_FIELDS[path[0]])
        elif len(path) == 2:
            columns.append(KeyTextTransform(path[1], "answers"))
        else:
            columns.append(KeyTextTransform(path[2], KeyTransform(path[1], "answers")))
    named = {f"v{i}": c for i, c in enumerate(columns) if not isinstance(c, str)}
    responses = _filtered_responses(page, filters)
    if named:
        responses = responses.annotate(**named)
    names = [c if isinstance(c, str) else f"v{i}" for i, c in enumerate(columns)]
    return responses.values_list(*names).iterator(chunk_size=5000)


@contextmanager
def export_connection() -> "Iterator[Callable[[], psycopg.Connection[Any]] | None]":
    """PostgreSQL: the connection an export's rows stream over (see `survey_export_lines`),
    opened on a thread while the caller reads the survey and builds the query, so the
    connecting (≈ 5 ms) is off the export's critical path; yields what waits for it, and
    closes it at the end. Inside a transaction it yields None: the rows must be read on
    the caller's connection, which sees them."""

    if connection.in_atomic_block:
        yield None
        return
    params = connection.get_connection_params()

    def connect() -> "psycopg.Connection[Any]":
        own = connection.get_new_connection(params)
        # JIT compiling the long expressions costs more (≈ 2 s per 100,000 rows) than it saves.
        own.execute("SET jit = off")
        own.execute("SET DateStyle = ISO")  # dates as text: YYYY-MM-DD
        return own

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-connect")
    opening = pool.submit(connect)
    pool.shutdown(wait=False)  # the thread ends when connected
    try:
        yield opening.result
    finally:
        if opening.exception() is None:
            opening.result().close()


def survey_export_lines(
    page: SurveyPage,
    filters: Filters | None,
    plan: "CsvPlan",
    own: "Callable[[], psycopg.Connection[Any]] | None" = None,
) -> Iterator[tuple[str | None, ...]]:
    """PostgreSQL only: for each response passing ``filters``, the fields of ``plan``
    (research.export_coding): the export's cells coded by the database. Outside a
    transaction (a worker) the rows stream over a connection of their own (``own``, from
    `export_connection`; one opened here without it), so the database codes the next rows
    while the caller writes these (and the caller's connection stays free for progress
    updates)."""

    inner = _filtered_responses(page, filters).values_list(
        "answers", "channel_id", "language", "version__number", "submitted_on"
    )
    sql, inner_params = inner.query.sql_with_params()
    params = dict(plan.params)
    numbers = iter(range(len(inner_params)))

    def name(match: "re.Match[str]") -> str:  # positional %s to named, %% kept
        if match[0] == "%%":
            return "%%"
        at = f"i{next(numbers)}"
        params[at] = inner_params[int(at[1:])]
        return f"%({at})s"

    query = csv_select_query(plan, re.sub(r"%%|%s", name, sql))
    if connection.in_atomic_block:
        # The caller's transaction may hold rows no other connection sees: read here.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")  # as export_connection
            cursor.execute("SET LOCAL DateStyle = ISO")
        with connection.chunked_cursor() as cursor:
            cursor.execute(query, params)
            while rows := cursor.fetchmany(EXPORT_BATCH):
                yield from rows
        return
    if own is None:
        with export_connection() as opened:
            assert opened is not None  # outside a transaction
            yield from survey_export_lines(page, filters, plan, opened)
        return
    stream = own()
    # Streamed in chunks (libpq's chunked-rows mode): the server codes rows without
    # waiting for a request per batch, and while this process writes the rows it has,
    # the next ones queue in the socket's buffer — memory stays flat.
    text = psycopg.ClientCursor(stream).mogrify(query, params)
    yield from stream.cursor().stream(text, size=EXPORT_BATCH)


EXPORT_BATCH = 250


STRUCTURED = {"multiple_choice", "ranking", "matrix"}  # lists and objects


def survey_frame(
    page: SurveyPage, filters: Filters | None = None, keys: set[str] | None = None
) -> "tuple[list[dict[str, Any]], pd.DataFrame]":
    """(questions, response frame) of the survey's answers that pass ``filters``, with the
    columns of research.analysis.responses_frame — for the questions in ``keys`` only,
    when given. The database extracts each needed answer (scalars as text; lists and
    objects as JSON), so no response's answers are decoded as a whole."""

    # heavy: pandas and numpy load when the first answers are analysed
    import pandas as pd

    # heavy: research.analysis loads pandas and numpy
    from .analysis import META

    questions = survey_questions(page)
    wanted = [q for q in questions if keys is None or q["key"] in keys]
    names: list[str] = []
    exprs: dict[str, Any] = {}
    structured: set[int] = set()  # positions of the columns holding JSON lists/objects
    for q in wanted:
        if q["type"] in STRUCTURED:
            structured.add(len(exprs))
        # Every value as text: structured ones are decoded below without Django's per-row
        # JSONField converters (most of the read's Python time when they ran).
        exprs[f"q{len(exprs)}"] = KeyTextTransform(q["key"], "answers")
        names.append(q["key"])
        if q.get("other"):
            exprs[f"q{len(exprs)}"] = KeyTextTransform(f"{q['key']}.other", "answers")
            names.append(f"{q['key']}.other")
    meta = ["submitted_on", "channel_id", "language", "version__number", "pseudonym"]
    responses = _filtered_responses(page, filters)
    if exprs:
        responses = responses.annotate(**exprs)
    # Building a few million small objects triggers the cyclic GC again and again for
    # nothing (they hold no cycles): it is paused while the columns are read.
    enabled = gc.isenabled()
    gc.disable()
    try:
        rows = responses.values_list(*meta, *exprs).iterator(chunk_size=5000)
        columns = list(zip(*rows, strict=True)) or [()] * (len(meta) + len(exprs))
        loads = json.loads
        for position in structured:
            at = len(meta) + position
            columns[at] = tuple(None if v is None else loads(v) for v in columns[at])
    finally:
        if enabled:
            gc.enable()
    labels = survey_channel_labels(page)
    data = dict(
        zip(
            ["submitted_on", "channel", "language", "version", "pseudonym"],
            columns[: len(meta)],
            strict=True,
        )
    )
    data["channel"] = tuple(labels.get(c, "link") for c in data["channel"])
    frame = pd.DataFrame(
        {name: list(data[name]) for name in META}
        | {name: list(values) for name, values in zip(names, columns[len(meta) :], strict=True)},
        dtype=object,
    )
    frame["submitted_on"] = pd.to_datetime(frame["submitted_on"], errors="coerce")
    return questions, frame


def library_rules(site: Any) -> tuple[int, str]:
    """(k, library-card pattern) of a library (a Wagtail Site, or None: the defaults): the
    rules every output of Innsikt follows (k never below 3)."""
    if site is None:
        return 5, r"N\d{9}"

    values = LibrarySettings.for_site(site)
    return max(values.k_threshold, 3), values.card_number_pattern


def survey_row_count(page: SurveyPage, filters: Filters | None = None) -> int:
    """The number of responses passing ``filters`` (an export's rows)."""
    return int(_filtered_responses(page, filters).count())


def survey_facts(page: SurveyPage) -> dict[str, Any]:
    """What a methods section says about a survey (raw counts: the caller suppresses):
    answers in total and per channel, the period answered, and for panel surveys how many
    invitations were sent and completed."""

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

    report = FindingsReportPage.objects.filter(pk=page_id).first()
    if report is None:
        raise Http404
    if not report.permissions_for_user(user).can_edit():
        raise PermissionDenied
    return report


def library_segments(page: SurveyPage) -> list[tuple[int, str]]:
    """(id, name) of the panel segments of the survey's library."""

    site = library_site_for_page(page)
    return list(Segment.objects.filter(library=site).order_by("name").values_list("pk", "name"))
