"""Weighted findings (issue 19): a single-choice question's weighted shares with 95 %
confidence intervals beside the unweighted ones, a weighted cross-tab, and the words that
describe a weighting (margins, source and date, method, cap, design effect) — for the
explore view, report blocks and a report's methods section.

The k rule applies to the UNWEIGHTED count of real respondents, always: each category's
unweighted count passes research.findings.suppression first (with its secondary
suppression), and a weighted share is shown only where the unweighted share may be. A
weighted count is never shown (weights have mean 1, so it is no count of anybody, and a
large one would invite reading a small group as a big one).

Pure: pandas, no models; weights from research.findings.weighting.rake (via
research.margins.selectors.margin_weights).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from django.utils.formats import date_format
from django.utils.translation import gettext, override

from cms.formatting import number_text, percent_text

from .analysis import categories, crosstab, dimension
from .suppression import Cell, SuppressedTable, hidden_label, suppress_counts, suppress_table
from .weighted_estimates import weighted_shares
from .weighting import RakingResult

#: The question types with one category per respondent: those weighted shares are made for.
SINGLE = ("single_choice", "dropdown", "yes_no")


@dataclass(frozen=True)
class WeightedRow:
    label: str
    respondents: Cell  # unweighted, suppressed
    share: str  # unweighted, "" when it may not be shown
    interval: str  # its 95 % interval, "low–high"
    weighted_share: str  # "" when the unweighted share may not be shown
    weighted_interval: str


@dataclass(frozen=True)
class WeightedQuestion:
    key: str
    label: str
    base: Cell  # respondents who answered (unweighted, suppressed)
    rows: tuple[WeightedRow, ...]
    effective_base: str  # Kish's effective n of those who answered; "" when hidden

    @property
    def shown(self) -> bool:
        return not self.base.suppressed


def weighted_question(
    frame: pd.DataFrame,
    q: Mapping[str, Any],
    weights: pd.Series,
    *,
    k: int,
    language: str,
) -> WeightedQuestion | None:
    """One single-choice question's shares, unweighted and weighted (None for another
    type). ``weights`` covers every row of ``frame`` (a converged raking)."""
    if q["type"] not in SINGLE:
        return None
    column = frame[q["key"]] if q["key"] in frame else pd.Series([], dtype=object)
    answers = column.where(column.notna() & (column.astype(str) != "")).map(
        lambda v: v if v != v else str(v)  # NaN stays missing
    )
    known = categories(q)
    keys = [key for key, _label in known]
    table = weighted_shares(answers, weights, categories=keys)
    counts = {row.category: row.respondents for row in table.rows}
    cells = suppress_counts(counts, k=k, total=table.base)
    rows = []
    for (key, label), estimate in zip(known, table.rows, strict=True):
        cell = cells.cells[key]
        shown = cell.pct is not None  # never a share the unweighted rule hides
        rows.append(
            WeightedRow(
                label=str(label),
                respondents=cell,
                share=_pct(estimate.share, language) if shown else "",
                interval=_interval(estimate.low, estimate.high, language) if shown else "",
                weighted_share=_pct(estimate.weighted_share, language) if shown else "",
                weighted_interval=(
                    _interval(estimate.weighted_low, estimate.weighted_high, language)
                    if shown
                    else ""
                ),
            )
        )
    return WeightedQuestion(
        key=str(q["key"]),
        label=str(q.get("label") or q["key"]),
        base=cells.total,
        rows=tuple(rows),
        effective_base=(
            "" if cells.total.suppressed else number_text(table.effective_base, language, 1)
        ),
    )


@dataclass(frozen=True)
class WeightedCrosstab:
    """A cross-tab's unweighted counts (suppressed) and its weighted percentages, shown
    only in cells whose unweighted count is."""

    counts: SuppressedTable
    weighted: pd.DataFrame  # text, same shape as counts.cells; "" where hidden
    percent: str  # "row" or "column"

    def header(self) -> list[str]:
        return [str(c) for c in self.counts.values.columns]

    def rows(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(row label, [(unweighted count or "< k", weighted percentage or "")])."""
        hidden = hidden_label(self.counts.k)
        out = []
        for i, label in enumerate(self.counts.values.index):
            cells = []
            for j in range(len(self.counts.values.columns)):
                count = (
                    hidden
                    if self.counts.hidden.iat[i, j]
                    else str(int(self.counts.values.iat[i, j]))
                )
                cells.append((count, str(self.weighted.iat[i, j])))
            out.append((str(label), cells))
        return out


def weighted_crosstab(
    frame: pd.DataFrame,
    rows: Mapping[str, Any],
    columns: Mapping[str, Any],
    weights: pd.Series,
    *,
    k: int,
    language: str,
    percent: str = "row",
    row_labels: Mapping[Hashable, str] | None = None,
    column_labels: Mapping[Hashable, str] | None = None,
) -> WeightedCrosstab:
    """Two single-answer questions crossed: unweighted counts under the k rule, and the
    weighted row (or column) percentage of each cell whose unweighted count is shown."""
    counts = crosstab(frame, rows, columns)
    left = dimension(frame, rows).rename("__rows")
    right = dimension(frame, columns).rename("__cols")
    both = pd.concat([left, right], axis=1, join="inner")
    w = weights.reindex(both.index).astype(float)
    sums = (
        w.groupby([both["__rows"], both["__cols"]])
        .sum()
        .unstack(fill_value=0.0)
        .reindex(index=counts.index, columns=counts.columns, fill_value=0.0)
    )
    axis_total = sums.sum(axis=1 if percent == "row" else 0)
    shares = sums.div(axis_total, axis=0 if percent == "row" else 1) * 100.0
    row_labels = row_labels or {}
    column_labels = column_labels or {}
    counts.index = pd.Index([row_labels.get(str(i), str(i)) for i in counts.index])
    counts.columns = pd.Index([column_labels.get(str(c), str(c)) for c in counts.columns])
    shares.index, shares.columns = counts.index, counts.columns
    table = suppress_table(counts, k=k)
    # A weighted percentage only where the unweighted one is published: the cell's count
    # is shown and its base is at least 10 (suppress_table's rule).
    published = (table.row_pct if percent == "row" else table.col_pct).notna().to_numpy()
    text = pd.DataFrame("", index=counts.index, columns=counts.columns, dtype=object)
    for i in range(len(counts.index)):
        for j in range(len(counts.columns)):
            if published[i, j] and not table.hidden.iat[i, j]:
                text.iat[i, j] = _pct(float(shares.iat[i, j]) / 100.0, language)
    return WeightedCrosstab(counts=table, weighted=text, percent=percent)


# -- describing a weighting -------------------------------------------------------------------


def weighting_summary(
    result: RakingResult,
    *,
    margin_name: str,
    source: str,
    when: date,
    dimensions: list[str],
    language: str,
) -> list[tuple[str, str]]:
    """(label, text) pairs describing a raking, for the explore view and a report's
    methods section."""
    with override(language):
        cap = (
            gettext("%(cap)s times the mean weight (%(trimmed)s respondents trimmed)")
            % {
                "cap": number_text(result.cap, language, 1),
                "trimmed": number_text(result.trimmed, language, 0),
            }
            if result.cap is not None
            else gettext("none")
        )
        return [
            (gettext("Margins"), f"{margin_name}: {', '.join(dimensions)}"),
            (gettext("Source and date"), f"{source}, {date_format(when, 'DATE_FORMAT')}"),
            (gettext("Method"), gettext("raking (iterative proportional fitting, IPF)")),
            (gettext("Trimming cap"), cap),
            (
                gettext("Iterations"),
                number_text(result.iterations, language, 0),
            ),
            (gettext("Design effect (Kish)"), number_text(result.design_effect, language, 2)),
            (
                gettext("Effective sample size"),
                gettext("%(effective)s of %(n)s respondents")
                % {
                    "effective": number_text(result.effective_sample_size, language, 1),
                    "n": number_text(result.respondents, language, 0),
                },
            ),
        ]


def methods_text(
    result: RakingResult,
    *,
    margin_name: str,
    source: str,
    when: date,
    dimensions: list[str],
    language: str,
) -> str:
    """One paragraph for a report's methods section."""
    with override(language):
        cap = (
            gettext(
                "Weights were trimmed at %(cap)s times the mean weight (%(trimmed)s "
                "respondents trimmed)."
            )
            % {
                "cap": number_text(result.cap, language, 1),
                "trimmed": number_text(result.trimmed, language, 0),
            }
            if result.cap is not None
            else gettext("Weights were not trimmed.")
        )
        return " ".join(
            [
                gettext(
                    "Weighted figures are raked (iterative proportional fitting, IPF) to the "
                    "population margins “%(margin)s” (%(dimensions)s), source: %(source)s, "
                    "dated %(date)s; the raking converged in %(iterations)s iterations."
                )
                % {
                    "margin": margin_name,
                    "dimensions": ", ".join(dimensions),
                    "source": source,
                    "date": date_format(when, "DATE_FORMAT"),
                    "iterations": number_text(result.iterations, language, 0),
                },
                cap,
                gettext(
                    "Kish's design effect of the weights is %(deff)s, so the %(n)s respondents "
                    "count as an effective sample of %(effective)s. Intervals are 95 %% "
                    "confidence intervals (Wilson, on the effective sample for weighted "
                    "shares). Counts under k and shares of fewer than 10 respondents are "
                    "hidden by the unweighted count of respondents, weighted or not."
                )
                % {
                    "deff": number_text(result.design_effect, language, 2),
                    "n": number_text(result.respondents, language, 0),
                    "effective": number_text(result.effective_sample_size, language, 1),
                },
            ]
        )


def _pct(share: float, language: str) -> str:
    if math.isnan(share):
        return ""
    return percent_text(100.0 * share, language, 1)


def _interval(low: float, high: float, language: str) -> str:
    if math.isnan(low) or math.isnan(high):
        return ""
    return f"{number_text(100.0 * low, language, 1)}–{number_text(100.0 * high, language, 1)}"
