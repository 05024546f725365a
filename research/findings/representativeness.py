"""Representativeness (issue 19): how a survey's respondents compare with the population,
per dimension of a population margin — the population's share of each category beside
the respondents' share and the difference in percentage points — and one summary figure,
the largest absolute deviation.

Respondent counts pass research.findings.suppression like every count: a category with
fewer than k respondents is hidden (and a second one where the total would give it away),
shares are shown only of at least 10 respondents, and a difference is shown only where
the respondents' share is. The summary is the largest *shown* difference, so it never
reveals a hidden share. Population counts are published figures (SSB, the library
system), shown as they are. Pure: no models, no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cms.formatting import number_text, percent_text

from .suppression import Cell, suppress_counts


@dataclass(frozen=True)
class CategoryInput:
    key: str
    label: str
    population: int
    respondents: int


@dataclass(frozen=True)
class CategoryRow:
    key: str
    label: str
    population: int
    population_share: float | None  # percent; None when the population total is 0
    respondents: Cell  # suppressed
    respondent_share: float | None  # percent; None when hidden or the base is under 10
    difference: float | None  # points, respondents − population; None when not shown


@dataclass(frozen=True)
class DimensionRow:
    key: str
    label: str
    question_key: str
    rows: tuple[CategoryRow, ...]
    base: Cell  # respondents in the mapped categories (suppressed)
    largest_deviation: float | None  # points, absolute; None when no difference is shown
    note: str = ""  # why nothing or not everything is shown


@dataclass(frozen=True)
class Representativeness:
    dimensions: tuple[DimensionRow, ...]
    largest_deviation: float | None  # points, over every shown difference
    largest_at: str  # "dimension: category" of the largest deviation, "" when none


def dimension_compare(
    *,
    key: str,
    label: str,
    question_key: str,
    categories: Sequence[CategoryInput],
    k: int,
    unmapped: int = 0,
) -> DimensionRow:
    """One dimension's table. ``unmapped`` counts respondents whose answer matches no
    category (left out of the respondents' base; said in the note, not counted out)."""
    population_total = sum(c.population for c in categories)
    respondents = suppress_counts({c.key: c.respondents for c in categories}, k=k)
    rows = []
    for category in categories:
        cell = respondents.cells[category.key]
        population_share = (
            100.0 * category.population / population_total if population_total else None
        )
        difference = (
            cell.pct - population_share
            if cell.pct is not None and population_share is not None
            else None
        )
        rows.append(
            CategoryRow(
                key=category.key,
                label=category.label,
                population=category.population,
                population_share=population_share,
                respondents=cell,
                respondent_share=cell.pct,
                difference=difference,
            )
        )
    shown = [abs(row.difference) for row in rows if row.difference is not None]
    notes = []
    if respondents.total.suppressed:
        notes.append(_("Fewer than %(k)s respondents: nothing is shown.") % {"k": k})
    elif not shown:
        notes.append(_("Shares are shown from 10 respondents."))
    elif len(shown) < len(rows):
        notes.append(
            _("Hidden categories are left out of the largest deviation, so it cannot reveal them.")
        )
    if unmapped:
        notes.append(_("Respondents whose answer matches no category of the margin are left out."))
    return DimensionRow(
        key=key,
        label=label,
        question_key=question_key,
        rows=tuple(rows),
        base=respondents.total,
        largest_deviation=max(shown) if shown else None,
        note=" ".join(notes),
    )


def representativeness(dimensions: Sequence[DimensionRow]) -> Representativeness:
    """The dimensions with the summary: the largest absolute difference shown in any."""
    best: tuple[float, str] | None = None
    for dimension in dimensions:
        for row in dimension.rows:
            if row.difference is None:
                continue
            if best is None or abs(row.difference) > best[0]:
                best = (abs(row.difference), f"{dimension.label}: {row.label}")
    return Representativeness(
        dimensions=tuple(dimensions),
        largest_deviation=best[0] if best else None,
        largest_at=best[1] if best else "",
    )


def respondents_by_category(
    answers: Sequence[object], option_to_category: Mapping[str, str]
) -> tuple[dict[str, int], int]:
    """(respondents per category key, respondents whose answer matches no category) of one
    single-answer question's answers; no answer (None, "") counts in neither."""
    counts: dict[str, int] = {category: 0 for category in option_to_category.values()}
    unmapped = 0
    for answer in answers:
        if answer is None or answer == "" or answer != answer:  # NaN: not asked
            continue
        category = option_to_category.get(str(answer))
        if category is None:
            unmapped += 1
        else:
            counts[category] += 1
    return counts, unmapped


def points_text(value: float | None, language: str) -> str:
    """A difference in percentage points with its sign ("+3.2", "−1.0"); "–" when not
    shown."""
    if value is None:
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return sign + number_text(abs(value), language, 1)


def representativeness_display(result: Representativeness, language: str) -> list[dict]:
    """The tables as text for the admin: per dimension its rows (label, population,
    population share, respondents, respondents' share, difference), base, largest
    deviation and note."""
    out = []
    for dimension in result.dimensions:
        out.append(
            {
                "key": dimension.key,
                "label": dimension.label,
                "question_key": dimension.question_key,
                "base": dimension.base.label,
                "largest": points_text(dimension.largest_deviation, language),
                "note": dimension.note,
                "rows": [
                    {
                        "label": row.label,
                        "population": number_text(row.population, language, 0),
                        "population_share": percent_text(row.population_share, language, 1) or "–",
                        "respondents": row.respondents.label,
                        "respondent_share": percent_text(row.respondent_share, language, 1) or "–",
                        "difference": points_text(row.difference, language),
                    }
                    for row in dimension.rows
                ],
            }
        )
    return out
