"""A findings report's data: every block's figures, built before anything is rendered.

``report_results`` reads each survey's answers once, keeps to the report's own library, and
turns each block's choices into published findings (research/findings/findings.py: suppressed and
scrubbed) and charts (research/findings/charts.py). The templates only show what it built (the web
page, the admin preview and the PDF alike: research.reports.services); no block or template
computes or queries.
"""

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.utils.translation import gettext as _

from cms.selectors import library_rules
from cms.tenancy import library_site_for_page
from surveys.models import SurveyPage

from ..documents import report_language
from ..findings import charts
from ..findings.analysis import CATEGORICAL
from ..findings.filters import Filters
from ..findings.findings import (
    CrosstabFinding,
    Privacy,
    crosstab_finding,
    group_series,
    percent_text,
    question_finding,
    quote_finding,
)
from ..findings.suppression import suppress_counts
from ..interviews.selectors import excerpt_attribution, interview_facts
from ..models import excerpt_quote_problem
from ..selectors import segment_pseudonyms, survey_facts, survey_frame

SURVEY_BLOCKS = ("chart", "crosstab", "quote")


def library_privacy_for_site(site: Any, language: str) -> Privacy:
    k, card_pattern = library_rules(site)
    return Privacy(k=k, card_pattern=card_pattern or None, language=language)


@dataclass
class _Survey:
    page: SurveyPage
    questions: list[dict[str, Any]]
    frame: pd.DataFrame


class ReportData:
    """Reads for one report: each survey's answers once, only the columns its blocks use."""

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
        excerpt = value["excerpt"]
        problem = excerpt_quote_problem(excerpt, self.site)
        if problem:
            return {"error": problem}
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


# What each kind of block shows, computed from its value (blocks of other kinds — text, key
# figures — show their value as it is).
BLOCK_RESULTS = {
    "chart": ReportData.chart,
    "crosstab": ReportData.crosstab,
    "quote": ReportData.quote,
    "interview_quote": ReportData.interview_quote,
    "methods": ReportData.methods,
}


@dataclass
class BlockResult:
    block: Any  # the StreamField block (its type, value and id)
    result: dict[str, Any] | None  # what its template shows; None: the value itself


@dataclass
class ReportResults:
    """Everything a report's templates show, built before rendering."""

    page: Any
    language: str
    site: Any
    privacy: Privacy
    blocks: list[BlockResult] = field(default_factory=list)


def report_results(page: Any, *, language: str | None = None, site: Any = None) -> ReportResults:
    """Every block's figures for ``page`` (a saved report, or an unsaved one with ``site``),
    with the suppression and wording of the report's language unless ``language`` is given
    (texts are translated in the active language: the PDF activates the report's)."""
    data = ReportData(page, language=language, site=site)
    blocks = []
    for block in getattr(page, "body", None) or []:
        compute = BLOCK_RESULTS.get(block.block_type)
        blocks.append(BlockResult(block, compute(data, block.value) if compute else None))
    return ReportResults(
        page=page, language=data.language, site=data.site, privacy=data.privacy, blocks=blocks
    )
