"""An export's rows, read from the database: the rows source research.exports.writers
writes a file from (`survey_export_source`).

Two paths give the same file (tests/research/test_export_coding.py compares them byte for
byte), chosen here and nowhere else:

- PostgreSQL, CSV and XLSX: the database codes the cells (research/exports/coding.py) and
  the rows stream over a connection of the export's own, opened on a thread while the
  survey is read (`export_connection`, `survey_export_lines`);
- otherwise: the database extracts the raw values the columns need
  (`survey_export_rows`) and research.exports.columns.export_cells codes them in Python.

Access goes through surveys.selectors.survey_get_for_user first (DESIGN.md C9), and the
filters through research.services.filters_check.
"""

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection, transaction
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from surveys.models import SurveyPage
from surveys.selectors import survey_questions

from ..findings.filters import Filters
from ..selectors import survey_channel_labels, survey_responses_filtered
from .coding import CsvPlan, csv_chunks, csv_select_query, export_csv_plan
from .columns import META_COLUMNS, META_FIELDS, export_cells, export_columns, export_paths
from .writers import LINE_WRITERS, ExportRows


def survey_export_rows(
    page: SurveyPage, filters: Filters | None, paths: list[tuple[str, ...]]
) -> Iterator[tuple[Any, ...]]:
    """For each response passing ``filters``, the values at ``paths`` (research.exports.columns):
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
    responses = survey_responses_filtered(page, filters)
    if named:
        responses = responses.annotate(**named)
    names = [c if isinstance(c, str) else f"v{i}" for i, c in enumerate(columns)]
    return responses.values_list(*names).iterator(chunk_size=5000)


@contextmanager
def export_connection() -> Iterator[Callable[[], psycopg.Connection[Any]] | None]:
    """PostgreSQL: the connection an export's rows stream over (see `survey_export_lines`),
    opened on a thread while the caller reads the survey and builds the query, so the
    connecting (≈ 5 ms) is off the export's critical path; yields what waits for it, and
    closes it at the end. Inside a transaction it yields None: the rows must be read on
    the caller's connection, which sees them."""

    if connection.in_atomic_block:
        yield None
        return
    params = connection.get_connection_params()

    def connect() -> psycopg.Connection[Any]:
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
    plan: CsvPlan,
    own: Callable[[], psycopg.Connection[Any]] | None = None,
) -> Iterator[tuple[str | None, ...]]:
    """PostgreSQL only: for each response passing ``filters``, the fields of ``plan``
    (research.exports.coding): the export's cells coded by the database. Outside a
    transaction (a worker) the rows stream over a connection of their own (``own``, from
    `export_connection`; one opened here without it), so the database codes the next rows
    while the caller writes these (and the caller's connection stays free for progress
    updates)."""

    inner = survey_responses_filtered(page, filters).values_list(
        "answers",
        *(META_FIELDS[key] for key, _label in META_COLUMNS),  # as csv_select_query
    )
    sql, inner_params = inner.query.sql_with_params()
    params = dict(plan.params)
    numbers = iter(range(len(inner_params)))

    def name(match: re.Match[str]) -> str:  # positional %s to named, %% kept
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


@contextmanager
def survey_export_source(
    page: SurveyPage,
    filters: Filters | None,
    *,
    clean_text: Callable[[str], str],
    format: str,
    in_database: bool = True,
) -> Iterator[ExportRows]:
    """The rows of the survey's export in ``format`` for the answers passing ``filters``,
    free text passed through ``clean_text``: coded by the database where it can (PostgreSQL,
    a format of LINE_WRITERS, channel names SQL can code), in Python otherwise. Use the rows
    inside the block: the database's own connection closes at its end. ``in_database``
    false: cells coded in Python whatever the format (a weighted export appends to them)."""
    if in_database and format in LINE_WRITERS and connection.vendor == "postgresql":
        with export_connection() as own:  # connecting while the plan is built
            columns = export_columns(survey_questions(page))
            plan = export_csv_plan(columns, survey_channel_labels(page), clean_text)
            if plan is not None:
                lines = csv_chunks(plan, survey_export_lines(page, filters, plan, own))
                yield ExportRows(columns, lines=lines)
                return
    else:
        columns = export_columns(survey_questions(page))
    raw = survey_export_rows(page, filters, export_paths(columns))
    yield ExportRows(
        columns, cells=export_cells(columns, raw, clean_text, survey_channel_labels(page))
    )
