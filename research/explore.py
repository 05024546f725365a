"""The admin's "Explore results": every question's finding with its chart, and a cross-tab
the researcher picks — suppressed and scrubbed like every output (research/findings/findings.py)."""

from typing import Any

import pandas as pd

from surveys.models import SurveyPage

from .findings import charts
from .findings.analysis import categories
from .findings.findings import (
    CrosstabFinding,
    Privacy,
    crosstab_finding,
    group_series,
    percent_text,
    question_finding,
)
from .findings.weighted_findings import weighted_crosstab, weighted_question, weighting_summary
from .margins.models import PopulationMargin
from .margins.selectors import margin_weights
from .selectors import library_segments, segment_pseudonyms


def explore_findings(
    page: SurveyPage, questions: list[dict[str, Any]], frame: pd.DataFrame, privacy: Privacy
) -> list[dict[str, Any]]:
    """Each question's finding with a chart, for the admin's explore view."""
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


def explore_weighted(
    margin: PopulationMargin,
    cap: float | None,
    questions: list[dict[str, Any]],
    frame: pd.DataFrame,
    privacy: Privacy,
    *,
    crosstab: tuple[str, str, str] | None = None,
) -> dict[str, Any]:
    """The respondents raked to ``margin`` (research.margins.selectors.margin_weights):
    when the raking converged, each single-choice question's weighted shares by key, the
    weighted cross-tab of (rows, columns, percent) when both are questions, and the
    weighting's summary; otherwise the engine's explanations and no weighted figures."""
    result = margin_weights(margin, frame, cap=cap)
    notes = [problem.message for problem in result.problems if not problem.blocking]
    if not result.converged or result.blocking or result.weights is None:
        problems = [problem.message for problem in result.problems]
        return {"margin": margin, "problems": problems, "questions": {}, "notes": []}
    weights = result.weights
    by_key = {}
    for q in questions:
        found = weighted_question(frame, q, weights, k=privacy.k, language=privacy.language)
        if found is not None:
            by_key[q["key"]] = found
    table = None
    if crosstab is not None:
        keys = {q["key"]: q for q in questions}
        rows, columns, percent = crosstab
        if rows in keys and columns in keys:
            table = weighted_crosstab(
                frame,
                keys[rows],
                keys[columns],
                weights,
                k=privacy.k,
                language=privacy.language,
                percent="column" if percent == "column" else "row",
                row_labels=dict(categories(keys[rows])),
                column_labels=dict(categories(keys[columns])),
            )
    return {
        "margin": margin,
        "problems": [],
        "notes": notes,
        "questions": by_key,
        "crosstab": table,
        "summary": weighting_summary(
            result,
            margin_name=margin.name,
            source=margin.source,
            when=margin.date,
            dimensions=[d.label or d.key for d in margin.dimensions.all()],
            language=privacy.language,
        ),
    }
