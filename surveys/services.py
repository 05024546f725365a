"""Survey services: every write about surveys and responses goes through one of these.

Typed, keyword-only, validate before they write (DESIGN.md C2).
"""

import hashlib
import json
import secrets
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.db import IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Field
from django.db.models.sql import InsertQuery
from django.utils import timezone

from cms.selectors import content_generation_bump

from .logic import evaluate
from .models import (
    Channel,
    Quota,
    Response,
    ResumeDraft,
    SurveyPage,
    SurveyStart,
    SurveyVersion,
)
from .schema import compile_schema
from .selectors import (
    VERSION_CACHE_KEY,
    quota_blocking,
    survey_quotas,
    survey_state,
)
from .signals import response_submitted


class SurveyUnavailable(Exception):
    """The survey cannot take this response; ``state`` says why (closed, full, screened_out)."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def survey_version_freeze(*, page: SurveyPage) -> SurveyVersion:
    """Freeze the live questions into a new SurveyVersion unless they equal the latest one.
    Idempotent: publishing without changing questions makes no new version."""
    schema = compile_schema(page.body.get_prep_value())
    latest = SurveyVersion.objects.filter(page=page).order_by("-number").first()
    if latest is not None and latest.schema == schema:
        version = latest
    else:
        version = SurveyVersion.objects.create(
            page=page, number=(latest.number + 1) if latest else 1, schema=schema
        )
    cache.delete(VERSION_CACHE_KEY.format(page_id=page.pk))
    content_generation_bump()  # cached survey runtimes now read the new version
    return version


def survey_start_record(*, page: SurveyPage, channel: Channel | None) -> None:
    """Count one more respondent who saved a first page (per day and channel only)."""
    day = timezone.localdate().isoformat() if page.store_date else ""
    code = channel.code if channel else ""
    updated = SurveyStart.objects.filter(survey=page, channel_code=code, day=day).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                SurveyStart.objects.create(survey=page, channel_code=code, day=day, count=1)
        except IntegrityError:
            SurveyStart.objects.filter(survey=page, channel_code=code, day=day).update(
                count=F("count") + 1
            )


def _response_stored(response_id: UUID | None, answers: dict[str, Any]) -> Response | None:
    """The response already stored under ``response_id`` with these same answers."""
    if response_id is None:
        return None
    stored = Response.objects.filter(pk=response_id).first()
    same = stored is not None and stored.answers == json.loads(json.dumps(answers))
    return stored if same else None


def response_submit(
    *,
    page: SurveyPage,
    version: SurveyVersion,
    channel: Channel | None,
    language: str,
    answers: dict[str, Any],
    pseudonym: str = "",
    quotas: list[Quota] | None = None,
    count_start: bool = False,
    response_id: UUID | None = None,
) -> Response:
    """Store a finished response.

    Keeps only answers to questions the logic shows (surveys.logic.evaluate). Raises
    SurveyUnavailable when the survey is closed, not open yet or full, or a quota screens
    the respondent out. Sends ``response_submitted`` after commit. ``count_start`` also
    counts the respondent as started (a survey finished in one request), in the same
    transaction.

    Idempotent per ``response_id`` and answers: the wizard picks the id before the last
    page is sent (surveys.views), so a submission sent again — after the database or Redis
    failed between storing it and the respondent seeing the thank-you page — finds its
    response already stored and stores nothing twice (the insert under a taken primary key
    fails and counts nothing; a survey that filled up meanwhile still says thanks). Other
    answers under a known id are another submission, stored under a new id (on a shared
    tablet at an event, the Back button resends the id with the next person's answers).
    Only these rare paths read the stored response: a first submission costs one insert.

    A response limit or a quota holds under simultaneous submissions: when the survey has
    either, the counts and the insert happen in one transaction that first locks the
    survey's page rows (every language, as they share quotas), so the last places are
    given out one submission at a time. Surveys without a limit or quota take no lock.
    """
    quotas = survey_quotas(page) if quotas is None else quotas
    kept = evaluate(version.schema, answers).answers
    try:
        response = _response_insert(
            page=page,
            version=version,
            channel=channel,
            language=language,
            kept=kept,
            pseudonym=pseudonym,
            quotas=quotas,
            count_start=count_start,
            response_id=response_id,
        )
    except SurveyUnavailable:
        stored = _response_stored(response_id, kept)
        if stored is None:
            raise
        return stored  # sent again after the survey filled up or closed: it was stored
    except IntegrityError:
        # The id is taken: this submission sent again (perhaps twice at once, the second
        # insert having waited for the first), or another one under a reused id.
        stored = _response_stored(response_id, kept)
        if stored is not None:
            return stored
        if response_id is None:
            raise
        return response_submit(
            page=page,
            version=version,
            channel=channel,
            language=language,
            answers=answers,
            pseudonym=pseudonym,
            quotas=quotas,
            count_start=count_start,
        )
    transaction.on_commit(
        lambda: response_submitted.send(
            sender=Response, response_id=response.pk, survey_id=page.pk, pseudonym=pseudonym
        )
    )
    return response


def _response_insert(
    *,
    page: SurveyPage,
    version: SurveyVersion,
    channel: Channel | None,
    language: str,
    kept: dict[str, Any],
    pseudonym: str,
    quotas: list[Quota],
    count_start: bool,
    response_id: UUID | None,
) -> Response:
    """The checks and the insert of ``response_submit``: one statement for a survey
    without a response limit or quota (an insert; with ``count_start``, on PostgreSQL, the
    start count's upsert and the insert in one statement), else one transaction."""
    response = Response(
        survey=page,
        version=version,
        channel=channel,
        channel_kind=channel.kind if channel else Channel.Kind.LINK,
        language=language,
        answers=kept,
        submitted_on=timezone.localdate() if page.store_date else None,
        pseudonym=pseudonym,
    )
    if response_id is not None:
        response.pk = response_id
    if page.response_limit is None and not quotas:
        # Nothing to count against: the state (dates) is known without reading.
        state = survey_state(page, quotas)
        if state != "open":
            raise SurveyUnavailable(state)
        connection = connections[Response.objects.db]
        if not count_start:
            with _statement(connection):
                response.save(force_insert=True)  # one INSERT, committed on its own
        elif connection.vendor == "postgresql":
            with _statement(connection):
                _response_insert_counting_start(response, page=page, channel=channel)
        else:
            with transaction.atomic():
                survey_start_record(page=page, channel=channel)
                response.save(force_insert=True)
        return response
    with transaction.atomic():
        # Without the lock two last respondents both count N-1 and both insert. Every
        # translation's row is locked (they share quotas), in pk order so submitters
        # never wait on each other crosswise. of=("self",) locks surveys_surveypage rows,
        # not Wagtail's wagtailcore_page rows; NO KEY UPDATE still serialises submitters
        # but lets other rows' foreign keys to the page (a start count, a draft) through.
        # Under READ COMMITTED the counts below see what the previous holder committed.
        # SQLite ignores select_for_update: the promise is made on PostgreSQL.
        list(
            SurveyPage.objects.select_for_update(of=("self",), no_key=True)
            .filter(translation_key=page.translation_key)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        state = survey_state(page, quotas)
        if state != "open":
            raise SurveyUnavailable(state)
        blocking = quota_blocking(page, kept, quotas)
        if blocking is not None:
            raise SurveyUnavailable("full" if blocking.action == "close" else "screened_out")
        if count_start:
            survey_start_record(page=page, channel=channel)
        response.save(force_insert=True)
    return response


def _statement(connection: BaseDatabaseWrapper) -> AbstractContextManager[object]:
    """Around a single statement: nothing when it commits on its own (autocommit); inside
    a caller's transaction a savepoint, so that a taken id (IntegrityError) leaves that
    transaction usable, as ``transaction.atomic`` did."""
    return (
        transaction.atomic(using=connection.alias) if connection.in_atomic_block else nullcontext()
    )


# The statement is the same for every answer, only its values differ: built once per
# database (like a prepared statement) rather than through Django's compiler on every
# submission (about 5 % of a one-page answer's time, issue 16).
_RESPONSE_INSERTS: dict[str, tuple[str, tuple[Field, ...]]] = {}


def _response_insert_statement(
    connection: BaseDatabaseWrapper, response: Response
) -> tuple[str, tuple[Field, ...]]:
    """The SQL of :func:`_response_insert_counting_start` and the fields whose values it
    binds after the start count's three, in order."""
    cached = _RESPONSE_INSERTS.get(connection.alias)
    if cached is not None:
        return cached
    fields = tuple(Response._meta.local_concrete_fields)
    query = InsertQuery(Response)
    query.insert_values(fields, [response])
    [(insert_sql, _params)] = query.get_compiler(connection=connection).as_sql()
    start = SurveyStart._meta

    def quoted(name: str) -> str:
        field = start.get_field(name)
        assert isinstance(field, Field) and field.column
        return connection.ops.quote_name(field.column)

    table = connection.ops.quote_name(start.db_table)
    columns = ", ".join(quoted(name) for name in ("survey", "channel_code", "day", "count"))
    conflict = ", ".join(quoted(name) for name in ("survey", "channel_code", "day"))
    count = quoted("count")
    # Only quoted model names and Django's own insert are interpolated; values are bound.
    sql = (
        f"WITH started AS (INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, 1) "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {count} = {table}.{count} + 1) {insert_sql}"
    )
    _RESPONSE_INSERTS[connection.alias] = (sql, fields)
    return sql, fields


def _response_insert_counting_start(
    response: Response, *, page: SurveyPage, channel: Channel | None
) -> None:
    """Insert ``response`` and count one more start for its day and channel, in one
    PostgreSQL statement (a data-modifying WITH runs exactly once, and the statement is
    atomic: a taken id — the same submission sent again — counts no start). The insert is
    the one Django builds for ``save(force_insert=True)``, its values prepared as Django's
    insert compiler prepares them (``pre_save``, then ``get_db_prep_save``); the start
    count is the upsert of ``survey_start_record``, on the ``unique_survey_start``
    constraint."""
    connection = connections[Response.objects.db]
    sql, fields = _response_insert_statement(connection, response)
    values = [f.get_db_prep_save(f.pre_save(response, True), connection) for f in fields]
    day = timezone.localdate().isoformat() if page.store_date else ""
    with connection.cursor() as cursor:
        cursor.execute(sql, [page.pk, channel.code if channel else "", day, *values])
    response._state.adding = False
    response._state.db = connection.alias


def responses_delete(*, page: SurveyPage, response_ids: list[UUID]) -> int:
    """Delete the given responses of this survey (any language); returns how many."""
    deleted, _detail = Response.objects.filter(
        survey__translation_key=page.translation_key, pk__in=response_ids
    ).delete()
    return deleted


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def draft_save(
    *, page: SurveyPage, channel: Channel | None, data: dict[str, Any]
) -> tuple[str, ResumeDraft]:
    """Keep a half-finished answer for ``page.resume_days``; returns (token, draft). The
    token (128 bits) is shown once; only its hash is stored."""
    token = secrets.token_urlsafe(16)
    draft = ResumeDraft.objects.create(
        token_hash=_token_hash(token),
        survey=page,
        channel=channel,
        data=data,
        expires_on=timezone.localdate() + timedelta(days=max(page.resume_days, 1)),
    )
    return token, draft


def draft_take(*, page: SurveyPage, token: str) -> dict[str, Any] | None:
    """Return and delete the saved answer for token, or None when unknown or expired."""
    with transaction.atomic():
        draft = (
            ResumeDraft.objects.select_for_update()
            .filter(
                token_hash=_token_hash(token),
                survey__translation_key=page.translation_key,
                expires_on__gte=timezone.localdate(),
            )
            .first()
        )
        if draft is None:
            return None
        data: dict[str, Any] = draft.data
        draft.delete()
    return data


def drafts_purge_expired() -> int:
    """Delete saved answers past their date. Idempotent."""
    deleted, _detail = ResumeDraft.objects.filter(expires_on__lt=timezone.localdate()).delete()
    return deleted
