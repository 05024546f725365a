"""Findings reports: the figures behind a report's blocks, and the report as HTML and PDF.

``ReportData`` is what every block template of a report reaches as ``report``: it reads
each survey's answers once, keeps to the report's own library, and turns a block's choices
into published findings (research/findings.py: suppressed and scrubbed) and charts
(research/charts.py). The web page, the admin preview and the PDF all render the same
templates with it.

``report_pdf`` renders the PDF with WeasyPrint: cover (library name and logo), table of
contents, page numbers, vector charts, tagged for accessibility (PDF/UA-1), fonts from the
system's fonts-dejavu package (nothing is downloaded).
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from cms.models import LibrarySettings
from cms.tenancy import library_site_for_page
from surveys.models import SurveyPage

from .analysis import CATEGORICAL
from .filters import Filters
from .findings import (
    CrosstabFinding,
    Privacy,
    crosstab_finding,
    group_series,
    percent_text,
    question_finding,
    quote_finding,
)
from .selectors import library_rules, segment_pseudonyms, survey_facts, survey_frame
from .suppression import suppress_counts

SURVEY_BLOCKS = ("chart", "crosstab", "quote")


def report_language(page: Any) -> str:
    code = getattr(getattr(page, "locale", None), "language_code", "") or "nb"
    return "en" if code.startswith("en") else "nb"


def library_privacy_for_site(site: Any, language: str) -> Privacy:
    k, card_pattern = library_rules(site)
    return Privacy(k=k, card_pattern=card_pattern or None, language=language)  # type: ignore[arg-type]


@dataclass
class _Survey:
    page: SurveyPage
    questions: list[dict[str, Any]]
    frame: pd.DataFrame


class ReportData:
    """The figures of one report, computed on demand and cached for one rendering."""

    def __init__(self, page: Any, *, language: str | None = None, site: Any = None) -> None:
        self.page = page
        self.language = language or report_language(page)
        self.site = site or (library_site_for_page(page) if page.path else None)
        self.privacy = library_privacy_for_site(self.site, self.language)
        self._surveys: dict[tuple[int, int | None], _Survey] = {}
        self._sites: dict[int, Any] = {}
        # The question keys the blocks use, per survey: only those columns are read.
        self._keys: dict[int, set[str]] = {}
        for block in getattr(page, "body", None) or []:
            if block.block_type in SURVEY_BLOCKS and block.value["survey"] is not None:
                value = block.value
                wanted = self._keys.setdefault(value["survey"].pk, set())
                if block.block_type == "crosstab":
                    wanted.update({value["rows"].strip(), value["columns"].strip()})
                else:
                    wanted.add(value["question"].strip())

    # -- data ------------------------------------------------------------------------------

    def survey(self, chosen: Any) -> SurveyPage | None:
        """The chosen survey, if it belongs to the report's library (never another's)."""
        if chosen is None:
            return None
        if chosen.pk not in self._sites:
            self._sites[chosen.pk] = library_site_for_page(chosen)
        if self.site is None or self._sites[chosen.pk] != self.site:
            return None
        return chosen.specific if not isinstance(chosen, SurveyPage) else chosen

    def data(self, chosen: Any, segment_id: int | None = None) -> _Survey | None:
        survey = self.survey(chosen)
        if survey is None:
            return None
        key = (survey.pk, segment_id)
        if key not in self._surveys:
            questions, frame = survey_frame(
                survey, Filters(segment_id=segment_id), keys=self._keys.get(survey.pk)
            )
            self._surveys[key] = _Survey(survey, questions, frame)
        return self._surveys[key]

    def surveys_used(self) -> list[SurveyPage]:
        """The surveys the report's blocks use, in order (for the methods section)."""
        seen: dict[int, SurveyPage] = {}
        for block in self.page.body:
            if block.block_type in SURVEY_BLOCKS:
                survey = self.survey(block.value["survey"])
                if survey is not None:
                    seen.setdefault(survey.pk, survey)
        return list(seen.values())

    @staticmethod
    def _question(data: _Survey, key: str) -> dict[str, Any] | None:
        return next((q for q in data.questions if q["key"] == key.strip()), None)

    def _missing(self, chosen: Any) -> dict[str, Any]:
        if chosen is None:
            return {"error": _("Choose a survey.")}
        return {"error": _("This survey belongs to another library and is not shown.")}

    # -- blocks ----------------------------------------------------------------------------

    def chart(self, value: Any) -> dict[str, Any]:
        from . import charts

        segment = value.get("segment")
        data = self.data(value["survey"], segment.pk if segment else None)
        if data is None:
            return self._missing(value["survey"])
        q = self._question(data, value["question"])
        if q is None:
            return {"error": _("The survey has no question with this key.")}
        finding = question_finding(data.frame, q, self.privacy)
        title = value.get("heading") or finding.label
        out: dict[str, Any] = {"finding": finding, "title": title, "segment": segment}
        if not finding.shown:
            return out
        style = value.get("chart") or "bar"
        k, language = self.privacy.k, self.privacy.language
        if finding.grid is not None and (style != "bar" or finding.series is None):
            if style == "diverging":
                columns = list(finding.grid.values.columns)
                neutral = str(columns[len(columns) // 2]) if len(columns) % 2 else None
                out["svg"] = charts.diverging_chart_svg(
                    title, finding.grid, neutral=neutral, language=language
                )
            else:
                out["svg"] = charts.stacked_chart_svg(title, finding.grid, language=language)
        elif finding.nps is not None:
            bars = [(str(label), cell) for label, cell in finding.nps.cells.items()]
            out["svg"] = charts.bar_chart_svg(title, bars, k=k, language=language, unit="pct")
        elif finding.bars():
            out["svg"] = charts.bar_chart_svg(
                title, finding.bars(), k=k, language=language, unit="pct"
            )
        out["rows"] = [
            (label, cell.label, percent_text(cell.pct, language)) for label, cell in finding.bars()
        ]
        if finding.grid is not None and not out["rows"]:  # a matrix: its table under the chart
            out["grid"] = CrosstabFinding(
                title=title,
                row_title="",
                column_title="",
                table=finding.grid,
                percent="row",
                rule=finding.rule,
                language=language,
            )
        return out

    def crosstab(self, value: Any) -> dict[str, Any]:
        data = self.data(value["survey"])
        if data is None:
            return self._missing(value["survey"])
        rows = self._question(data, value["rows"])
        if rows is None or rows["type"] not in CATEGORICAL:
            return {"error": _("Rows must be a choice, scale or yes/no question of the survey.")}
        spec = value["columns"].strip()
        columns: Any
        if spec in ("channel", "kanal"):
            columns = "channel"
        elif spec == "segment":
            chosen = list(value.get("segments") or [])
            library_id = self.site.pk if self.site is not None else None  # set: data found
            if any(s is not None and s.library_id != library_id for s in chosen):
                return {"error": _("A chosen segment belongs to another library.")}
            groups = {s.name: segment_pseudonyms(data.page, s.pk) for s in chosen if s}
            if not groups:
                return {"error": _("Choose the segments to compare.")}
            columns = group_series(data.frame, groups, "segment")
        else:
            columns = self._question(data, spec)
            if columns is None or columns["type"] not in CATEGORICAL:
                return {"error": _("Columns must be a choice question, “channel” or “segment”.")}
        finding = crosstab_finding(
            data.frame,
            rows,
            columns,
            self.privacy,
            percent=value.get("percent") or "row",
            title=value.get("heading") or "",
        )
        return {"finding": finding}

    def quote(self, value: Any) -> dict[str, Any]:
        data = self.data(value["survey"])
        if data is None:
            return self._missing(value["survey"])
        text, why = quote_finding(
            data.frame, value["question"].strip(), value["text"], self.privacy
        )
        if text is None:
            if why == "not-an-answer":
                return {"error": _("This text is not an answer to that question.")}
            return {"error": why}
        return {"text": text, "survey": data.page}

    def interview_quote(self, value: Any) -> dict[str, Any]:
        """A quotable interview excerpt: scrubbed, attributed only to a group of at least
        k interviewed participants (research/interviews/quotes.py)."""
        from .interviews.selectors import excerpt_attribution

        excerpt = value["excerpt"]
        if excerpt is None:
            return {"error": _("Choose a quote (it may have been deleted).")}
        campaign = excerpt.note.participant.campaign
        if self.site is None or campaign.library_id != self.site.pk:
            return {"error": _("This quote belongs to another library and is not shown.")}
        if not excerpt.quotable:
            return {"error": _("This passage is no longer marked as a quote.")}
        attribution = excerpt_attribution(excerpt, k=self.privacy.k)
        if attribution.label is None:
            return {
                "error": _(
                    "Fewer than %(k)d participants were interviewed: the quote could point "
                    "to a person."
                )
                % {"k": self.privacy.k}
            }
        return {"text": self.privacy.clean(excerpt.text), "label": attribution.label}

    def interviews_used(self) -> list[Any]:
        """The interview campaigns the report quotes, in order (for the methods section)."""
        seen: dict[int, Any] = {}
        for block in self.page.body:
            if block.block_type == "interview_quote" and block.value["excerpt"] is not None:
                campaign = block.value["excerpt"].note.participant.campaign
                if self.site is not None and campaign.library_id == self.site.pk:
                    seen.setdefault(campaign.pk, campaign)
        return list(seen.values())

    def methods(self, value: Any = None) -> dict[str, Any]:
        k, language = self.privacy.k, self.privacy.language
        interviews = []
        for campaign in self.interviews_used():
            from .interviews.selectors import interview_facts

            facts = interview_facts(campaign)
            n = suppress_counts({"n": facts["n"]}, k=k).cells["n"]
            interviews.append({**facts, "n": n.label})
        surveys = []
        for survey in self.surveys_used():
            facts = survey_facts(survey)
            n = suppress_counts({"n": facts["n"]}, k=k).cells["n"]
            channels = suppress_counts(facts["channels"], k=k, total=facts["n"])
            rate = None
            if facts["invited"]:
                invited = suppress_counts({"i": facts["invited"]}, k=k).cells["i"]
                done = suppress_counts(
                    {"c": facts["completed"], "r": facts["invited"] - facts["completed"]},
                    k=k,
                    total=facts["invited"],
                ).cells["c"]
                rate = {
                    "invited": invited.label,
                    "completed": done.label,
                    "pct": percent_text(done.pct, language),
                }
            surveys.append(
                {
                    "title": facts["title"],
                    "n": n.label,
                    "first": facts["first"],
                    "last": facts["last"],
                    "channels": [
                        (_("Survey address") if label == "link" else label, cell.label)
                        for label, cell in channels.cells.items()
                    ],
                    "rate": rate,
                }
            )
        return {"surveys": surveys, "interviews": interviews, "rule": self.privacy.rule(), "k": k}


def explore_findings(
    page: SurveyPage, questions: list[dict[str, Any]], frame: pd.DataFrame, privacy: Privacy
) -> list[dict[str, Any]]:
    """Each question's finding with a chart, for the admin's explore view."""
    from . import charts

    out = []
    for q in questions:
        finding = question_finding(frame, q, privacy)
        svg = ""
        if finding.shown and finding.grid is not None and finding.series is None:
            svg = charts.stacked_chart_svg(finding.label, finding.grid, language=privacy.language)
        elif finding.shown and finding.bars():
            svg = charts.bar_chart_svg(
                finding.label, finding.bars(), k=privacy.k, language=privacy.language, unit="pct"
            )
        grid = None
        if finding.grid is not None and finding.series is None:
            grid = CrosstabFinding(
                title=finding.label,
                row_title="",
                column_title="",
                table=finding.grid,
                percent="row",
                rule=finding.rule,
                language=privacy.language,
            )
        rows = [
            (label, c.label, percent_text(c.pct, privacy.language)) for label, c in finding.bars()
        ]
        out.append({"finding": finding, "svg": svg, "rows": rows, "grid": grid})
    return out


def explore_crosstab(
    page: SurveyPage,
    questions: list[dict[str, Any]],
    frame: pd.DataFrame,
    privacy: Privacy,
    *,
    rows: str,
    columns: str,
    percent: str,
) -> CrosstabFinding | None:
    from .selectors import library_segments

    by_key = {q["key"]: q for q in questions}
    if rows not in by_key:
        return None
    spec: Any
    if columns == "channel":
        spec = "channel"
    elif columns == "segment":
        groups = {name: segment_pseudonyms(page, pk) for pk, name in library_segments(page)}
        spec = group_series(frame, groups, "segment")
    elif columns in by_key:
        spec = by_key[columns]
    else:
        return None
    return crosstab_finding(frame, by_key[rows], spec, privacy, percent=percent)  # type: ignore[arg-type]


def report_problems(page: Any) -> list[str]:
    """What stops a report from showing what its blocks ask for, in the editor's terms."""
    report = ReportData(page)
    problems: list[str] = []
    for number, block in enumerate(page.body, start=1):
        if block.block_type not in SURVEY_BLOCKS:
            continue
        value = block.value
        where = _("Block %(n)d (%(kind)s)") % {"n": number, "kind": block.block.label}
        chosen = value["survey"]
        if chosen is None:
            problems.append(f"{where}: " + _("choose a survey."))
            continue
        if report.site is not None and report.survey(chosen) is None:
            problems.append(
                f"{where}: "
                + _("the survey “%(title)s” belongs to another library.") % {"title": chosen.title}
            )
            continue
        if report.site is None:
            continue  # a new page: checked again when it is saved in its place
        data = report.data(chosen)
        assert data is not None
        keys = [q["key"] for q in data.questions]
        wanted = [value["rows"], value["columns"]] if block.block_type == "crosstab" else []
        if block.block_type != "crosstab":
            wanted = [value["question"]]
        before = len(problems)
        for key in wanted:
            key = key.strip()
            if key in ("channel", "kanal", "segment") and block.block_type == "crosstab":
                continue
            if key not in keys:
                problems.append(
                    f"{where}: "
                    + _("“%(title)s” has no question with the key “%(key)s”. Keys: %(keys)s")
                    % {"title": chosen.title, "key": key, "keys": ", ".join(keys[:20])}
                )
        if block.block_type == "quote" and len(problems) == before:
            result = report.quote(value)
            if "error" in result:
                problems.append(f"{where}: {result['error']}")
        segments = (value.get("segments") or []) if block.block_type == "crosstab" else []
        if any(s is not None and s.library_id != report.site.pk for s in segments):
            problems.append(f"{where}: " + _("A chosen segment belongs to another library."))
    for number, block in enumerate(page.body, start=1):
        if block.block_type == "interview_quote" and report.site is not None:
            result = report.interview_quote(block.value)
            if "error" in result:
                where = _("Block %(n)d (%(kind)s)") % {"n": number, "kind": block.block.label}
                problems.append(f"{where}: {result['error']}")
    return problems


_HEADING = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<text>.*?)</h2>", re.S)


def number_headings(html: str) -> tuple[str, list[tuple[str, str]]]:
    """Give every ``<h2>`` of the rendered body an id and return the table of contents
    as (id, text) pairs, in order."""
    toc: list[tuple[str, str]] = []

    def name(match: re.Match[str]) -> str:
        attrs = match.group("attrs")
        found = re.search(r'id="([^"]+)"', attrs)
        anchor = found.group(1) if found else f"section-{len(toc) + 1}"
        if not found:
            attrs += f' id="{anchor}"'
        toc.append((anchor, strip_tags(match.group("text")).strip()))
        return f"<h2{attrs}>{match.group('text')}</h2>"

    return _HEADING.sub(name, html), toc


def _logo_path(site: Any) -> str | None:
    if site is None:
        return None
    logo = LibrarySettings.for_site(site).logo
    if logo is None:
        return None
    try:
        return Path(logo.get_rendition("max-600x240").file.path).as_uri()
    except Exception:  # a missing image file must not stop the report
        return None


def report_html(
    page: Any, *, for_pdf: bool = True, generated_by: str = "", site: Any = None
) -> str:
    """The whole report as one HTML document (the PDF's source)."""
    report = ReportData(page, site=site)
    with translation.override(report.language):
        body, toc = number_headings(
            render_to_string(
                "research/report_body.html", {"page": page, "report": report, "pdf": for_pdf}
            )
        )
        site = report.site
        library = LibrarySettings.for_site(site).library_name if site else ""
        return render_to_string(
            "research/report_pdf.html",
            {
                "page": page,
                "body": body,
                "toc": toc,
                "library": library or (site.site_name if site else ""),
                "logo": _logo_path(site),
                "generated": timezone.localtime(),
                "generated_by": generated_by,
                "language": report.language,
                "rule": report.privacy.rule(),
            },
        )


def report_pdf(page: Any, *, generated_by: str = "", site: Any = None) -> tuple[bytes, int]:
    """(PDF bytes, number of pages)."""
    import gc

    from weasyprint import HTML

    # Rendering makes millions of small, short-lived objects without cycles (frames, boxes):
    # the cyclic garbage collector would run again and again for nothing (≈ 10 % of the
    # time at 100,000 answers). It is paused for the rendering only.
    enabled = gc.isenabled()
    gc.disable()
    try:
        html = report_html(page, generated_by=generated_by, site=site)
        document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
        return document.write_pdf(pdf_variant="pdf/ua-1"), len(document.pages)
    finally:
        if enabled:
            gc.enable()


def report_pdf_bench(survey_page_id: int, *, charts: int = 20, crosstabs: int = 5) -> bytes:
    """bench/findings.py: the PDF of an unsaved report over one survey with ``charts``
    charts and ``crosstabs`` cross-tabs of its categorical questions (analysis included)."""
    from .models import FindingsReportPage
    from .selectors import survey_questions

    survey = SurveyPage.objects.get(pk=survey_page_id)
    keys = [q["key"] for q in survey_questions(survey) if q["type"] in CATEGORICAL]
    body: list[dict[str, Any]] = [{"type": "text", "value": "<h2>Bakgrunn</h2><p>Benchmark.</p>"}]
    for i in range(charts):
        body.append(
            {"type": "chart", "value": {"survey": survey.pk, "question": keys[i % len(keys)]}}
        )
    for i in range(crosstabs):
        rows, columns = keys[i % len(keys)], keys[(i + 1) % len(keys)]
        body.append(
            {"type": "crosstab", "value": {"survey": survey.pk, "rows": rows, "columns": columns}}
        )
    body.append({"type": "methods", "value": {"note": ""}})
    page = FindingsReportPage(title="Benchmark", slug="benchmark", body=body, locale=survey.locale)
    content, _pages = report_pdf(page, site=library_site_for_page(survey))
    return content
