"""Research reads: a survey's answers as a response frame for research/findings/analysis.py
(an export's rows: research/exports/selectors.py), and the facts and rules around them.

Access goes through surveys.selectors.survey_get_for_user first (DESIGN.md C9); these
functions take a survey the caller may already see.
"""

import gc
import json
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext as _

from cms.selectors import library_rules
from cms.tenancy import library_id_for_page, library_scope, library_site_for_page
from panel.models import Campaign, Invitation, Reminder, Segment
from panel.selectors import segment_members
from surveys.logic import shown_unanswered
from surveys.models import Channel, SurveyPage, SurveyVersion
from surveys.selectors import survey_get_for_user, survey_questions, survey_responses

from .findings.filters import Filters
from .findings.scrub import scrubber
from .models import ExportJob, FindingsReportPage, JobStatus, ReportJob, ResearchProjectPage

if TYPE_CHECKING:
    import pandas as pd

    from .findings.response_rates import RateTable


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


def survey_responses_filtered(page: SurveyPage, filters: Filters | None) -> Any:
    """The survey's responses (every version and translation) that pass ``filters``,
    unordered: the one reading of a researcher's filters in the database."""
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


STRUCTURED = {"multiple_choice", "ranking", "matrix"}  # lists and objects


def survey_frame(
    page: SurveyPage, filters: Filters | None = None, keys: set[str] | None = None
) -> "tuple[list[dict[str, Any]], pd.DataFrame]":
    """(questions, response frame) of the survey's answers that pass ``filters``, with the
    columns of research.findings.analysis.responses_frame — for the questions in ``keys`` only,
    when given. The database extracts each needed answer (scalars as text; lists and
    objects as JSON), so no response's answers are decoded as a whole."""

    # heavy: pandas and numpy load when the first answers are analysed
    import pandas as pd

    # heavy: research.findings.analysis loads pandas and numpy
    from .findings.analysis import META

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
    responses = survey_responses_filtered(page, filters)
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


def survey_row_count(page: SurveyPage, filters: Filters | None = None) -> int:
    """The number of responses passing ``filters`` (an export's rows)."""
    return int(survey_responses_filtered(page, filters).count())


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


def job_get_for_user(user: AbstractBaseUser | AnonymousUser, job_id: Any) -> ExportJob | ReportJob:
    """An export or report PDF job of the user's libraries whose survey or report they may
    see (then the same checks as those pages: survey_get_for_user, report_get_for_user);
    404 for unknown jobs and another library's (cms.tenancy.library_scope)."""
    export = library_scope(ExportJob, user).filter(pk=job_id).first()
    if export is not None:
        survey_get_for_user(user, export.survey_id)
        return export
    report = library_scope(ReportJob, user).filter(pk=job_id).first()
    if report is None:
        raise Http404
    report_get_for_user(user, report.report_id)
    return report


def library_segments(page: SurveyPage) -> list[tuple[int, str]]:
    """(id, name) of the panel segments of the survey's library."""

    site = library_site_for_page(page)
    return list(Segment.objects.filter(library=site).order_by("name").values_list("pk", "name"))


# ---- findings in the admin menu and on the dashboard -----------------------------------


def findings_for_user(user: AbstractBaseUser | AnonymousUser) -> list[dict[str, Any]]:
    """The user's libraries' research projects, by title, each with its findings reports
    and every report's latest PDF job (None: never made) — three queries in all."""
    projects = list(
        library_scope(ResearchProjectPage, user).select_related("locale").order_by("title", "pk")
    )
    latest = ReportJob.objects.filter(report=OuterRef("pk")).order_by("-created_at")
    reports = list(
        library_scope(FindingsReportPage, user)
        .annotate(latest_job_id=Subquery(latest.values("pk")[:1]))
        .order_by("title", "pk")
    )
    jobs = ReportJob.objects.in_bulk([r.latest_job_id for r in reports if r.latest_job_id])
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for report in reports:
        job = jobs.get(report.latest_job_id)
        by_parent.setdefault(report.path[: -report.steplen], []).append(
            {"page": report, "job": job}
        )
    return [{"page": p, "reports": by_parent.get(p.path, [])} for p in projects]


def exports_for_user(user: AbstractBaseUser | AnonymousUser, limit: int = 50) -> list[ExportJob]:
    """The newest exports of the user's libraries' surveys, with their survey and maker."""
    scoped = library_scope(ExportJob, user).select_related("survey", "created_by")
    return list(scoped.order_by("-created_at")[:limit])


def downloads_ready_for_user(
    user: AbstractBaseUser | AnonymousUser, limit: int = 5
) -> list[dict[str, Any]]:
    """The newest finished report PDFs and exports of the user's libraries, newest first:
    (kind, title, finished, job) — two queries."""
    reports = library_scope(ReportJob, user).filter(status=JobStatus.DONE).exclude(file="")
    exports = library_scope(ExportJob, user).filter(status=JobStatus.DONE).exclude(file="")
    ready = [
        {"kind": "report", "title": job.title, "finished": job.finished_at, "job": job}
        for job in reports.order_by("-finished_at")[:limit]
    ] + [
        {"kind": "export", "title": job.survey.title, "finished": job.finished_at, "job": job}
        for job in exports.select_related("survey").order_by("-finished_at")[:limit]
    ]
    ready.sort(key=lambda item: (item["finished"] is not None, item["finished"]), reverse=True)
    return ready[:limit]


# ---- the answer list: filters, completion and a search of the scrubbed free text ------

FREE_TEXT = {"short_text", "long_text"}  # and every option question's "other" text
EXCERPT = 80  # characters of scrubbed text shown on each side of a match


def _free_text_keys(schema: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    for step in schema.get("steps", []):
        for q in step.get("questions", []):
            if q.get("type") in FREE_TEXT:
                keys.add(q["key"])
            if q.get("other"):
                keys.add(f"{q['key']}.other")
    return keys


def _excerpt(text: str, at: int, length: int) -> str:
    start, end = max(0, at - EXCERPT), min(len(text), at + length + EXCERPT)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def survey_answers_listing(
    page: SurveyPage,
    filters: Filters | None,
    *,
    completion: str = "",
    search: str = "",
    card_pattern: str | None = None,
) -> list[tuple[Any, str]]:
    """The survey's responses that pass ``filters`` (research.selectors'
    survey_responses_filtered), newest first, as (response id, excerpt):

    - ``completion``: "complete" keeps answers in which every question the respondent was
      shown is answered, "partial" those with shown questions left unanswered
      (surveys.logic.shown_unanswered);
    - ``search``: keeps answers whose free text *as scrubbed* (research.findings.scrub,
      with the library's card pattern) contains it, case-insensitively; the excerpt is
      that scrubbed text around the match. Personal data the scrubber removes is neither
      found nor shown. Free text is short and long text answers and "other" texts, never
      e-mail or other answers.

    Without ``completion`` and ``search`` it reads the ids only. With them it reads each
    passing answer once, in chunks, and each version's schema once; on PostgreSQL the
    database first keeps only the answers whose stored text contains the search (the
    scrubbed text contains it only if the stored text does)."""
    responses = survey_responses_filtered(page, filters).order_by("-submitted_on", "pk")
    needle = search.strip().casefold()
    if not completion and not needle:
        return [(pk, "") for pk in responses.values_list("pk", flat=True)]
    if needle and connection.vendor == "postgresql" and not set(search) & {'"', "\\"}:
        responses = responses.annotate(stored=Cast("answers", TextField())).filter(
            stored__icontains=search.strip()
        )
    schemas = dict(
        SurveyVersion.objects.filter(page__translation_key=page.translation_key).values_list(
            "pk", "schema"
        )
    )
    text_keys = {pk: _free_text_keys(schema) for pk, schema in schemas.items()}
    clean = scrubber(card_pattern)
    found: list[tuple[Any, str]] = []
    rows = responses.values_list("pk", "version_id", "answers")
    for pk, version_id, answers in rows.iterator(chunk_size=1000):
        schema = schemas.get(version_id) or {"steps": []}
        if completion:
            complete = not shown_unanswered(schema, answers)
            if complete != (completion == "complete"):
                continue
        excerpt = ""
        if needle:
            for key in sorted(text_keys.get(version_id, ())):
                value = answers.get(key)
                if not isinstance(value, str) or not value:
                    continue
                shown = clean(value)
                at = shown.casefold().find(needle)
                if at >= 0:
                    excerpt = _excerpt(shown, at, len(needle))
                    break
            else:
                continue
        found.append((pk, excerpt))
    return found


def report_survey_questions(library_id: int | None) -> list[dict[str, Any]]:
    """The library's surveys with their published questions (key and label), for the report
    editor's question pickers (research.report_pickers); none outside a library."""
    if library_id is None:
        return []
    surveys = [
        page
        for page in SurveyPage.objects.all().order_by("title")
        if library_id_for_page(page) == library_id
    ]
    return [
        {
            "id": page.pk,
            "title": page.title,
            "questions": [
                {"key": q["key"], "label": str(q.get("label") or q["key"])}
                for q in survey_questions(page)
            ],
        }
        for page in surveys
    ]


def campaign_response_rates(campaign: Campaign) -> "list[RateTable]":
    """A campaign's invited → completed rates per segment of its library (the invited
    members each segment holds now), per message (the invitation e-mail, then each
    reminder: those it was sent to, and who answered after it and before the next) and
    per channel the members joined by; suppressed with the library's k
    (research.findings.response_rates). Invited: the invitations sent."""
    # heavy: the suppression module loads pandas and numpy
    from .findings.response_rates import response_rates

    k, _card = library_rules(campaign.library)
    sent = list(
        campaign.invitations.filter(state=Invitation.State.SENT).values_list(
            "pk", "member_id", "member__channel", "completed_at"
        )
    )
    reminders: dict[Any, dict[int, Any]] = {}
    for invitation_id, number, at in Reminder.objects.filter(
        invitation__campaign=campaign, state=Reminder.State.SENT
    ).values_list("invitation_id", "number", "sent_at"):
        reminders.setdefault(invitation_id, {})[number] = at

    by_segment = []
    for segment in Segment.objects.filter(library_id=campaign.library_id).order_by("name", "pk"):
        members = set(segment_members(segment).values_list("pk", flat=True))
        rows = [row for row in sent if row[1] in members]
        by_segment.append((segment.name, len(rows), sum(1 for r in rows if r[3])))

    def answered_after(invitation_id: Any, completed: Any, number: int) -> bool:
        sent_at = reminders.get(invitation_id, {})
        start = sent_at.get(number) if number else None
        following = sent_at.get(number + 1)
        return (
            completed is not None
            and (start is None or completed >= start)
            and (following is None or completed < following)
        )

    by_message = [
        (
            str(_("Invitation e-mail")),
            len(sent),
            sum(1 for pk, _m, _c, done in sent if answered_after(pk, done, 0)),
        )
    ]
    for number in range(1, campaign.max_reminders + 1):
        reached = [row for row in sent if number in reminders.get(row[0], {})]
        by_message.append(
            (
                str(_("Reminder %(n)d") % {"n": number}),
                len(reached),
                sum(1 for pk, _m, _c, done in reached if answered_after(pk, done, number)),
            )
        )
    channels: dict[str, list[int]] = {}
    for _pk, _member, channel, done in sent:
        counts = channels.setdefault(channel or str(_("not recorded")), [0, 0])
        counts[0] += 1
        counts[1] += done is not None
    return [
        response_rates(str(_("By segment")), by_segment, k),
        response_rates(str(_("By message")), by_message, k),
        response_rates(
            str(_("By how members joined")),
            [(label, n, done) for label, (n, done) in sorted(channels.items())],
            k,
        ),
    ]
