"""Weighting respondents to population margins: raking (iterative proportional fitting),
trimming, Kish's design effect and effective sample size.

Pure: pandas and numpy, no models, no database. Everything a researcher can get wrong in
the margins (a category missing, a zero population, totals that disagree, a raking that
cannot converge) comes back as a ``Problem`` with a translated explanation that says which
dimension, which category and what to do, never as an exception (docs/weighting.md).

Conventions
-----------
* A *margin* is one dimension (a column of the respondent frame: a question key, a panel
  attribute, a segment) with the population count of each category. Categories are matched
  by equality with the frame's values, so both must use the same keys.
* Weights have **mean 1** over the respondents (they sum to n, not to the population):
  weighted counts stay on the scale of the sample, so nobody reads them as people; the
  trimming cap is a ratio to the mean weight; SPSS and R treat the column as a frequency
  weight without surprises. ``RakingResult.population_total`` / n turns them into
  population counts when one is wanted.
* Raking works on the table of category combinations (at most one weight per occupied
  cell: every respondent in a cell has the same weight), so its cost after one pass over
  the frame depends on the number of cells, not on the number of respondents.
* Convergence: the largest difference between a weighted share and its population share,
  over every category of every dimension, is at most ``tolerance`` (shares in 0..1).
* Trimming (``cap``): no weight above ``cap`` × the mean weight. Capped weight is spread
  over the other respondents in proportion to their weights (the mean stays 1), inside
  every raking pass, until both the margins and the cap hold. If they cannot both hold
  within ``max_iterations`` the result says so (``Problem`` ``cap_prevents_fit``).

Weighted estimates with confidence intervals are in ``weighted_estimates.py``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.conf import settings
from django.utils.translation import get_language, gettext, ngettext

from cms.formatting import number_text, percent_text, supported_language

#: Dimension totals that differ by more than this (relative) are reported when rescaled.
TOTAL_TOLERANCE = 0.005

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

# Problem codes (stable, for callers and tests; the messages are for people).
EMPTY_FRAME = "empty_frame"
NO_MARGINS = "no_margins"
DUPLICATE_DIMENSION = "duplicate_dimension"
MISSING_COLUMN = "missing_column"
EMPTY_MARGIN = "empty_margin"
INVALID_COUNT = "invalid_count"
MISSING_ANSWERS = "missing_answers"
CATEGORY_NOT_IN_MARGIN = "category_not_in_margin"
ZERO_POPULATION = "zero_population"
NO_RESPONDENTS = "no_respondents"
TOTALS_DIFFER = "totals_differ"
INVALID_CAP = "invalid_cap"
NOT_CONVERGED = "not_converged"
CAP_PREVENTS_FIT = "cap_prevents_fit"


@dataclass(frozen=True)
class Margin:
    """One dimension's population: ``population`` maps each category to its count.

    ``label`` and ``category_labels`` are what the researcher sees in explanations (the
    question text, the option labels); the dimension key and category keys stand in for
    missing ones.
    """

    dimension: str
    population: Mapping[Hashable, float]
    label: str = ""
    category_labels: Mapping[Hashable, str] = field(default_factory=dict)

    def name(self) -> str:
        return self.label or self.dimension

    def category_name(self, category: Hashable) -> str:
        return str(self.category_labels.get(category, category))


MarginsInput = Sequence[Margin] | Mapping[str, Mapping[Hashable, float]]


@dataclass(frozen=True)
class Problem:
    """Something the researcher must know or fix. ``blocking`` problems stop the raking
    (no weights); the others are notes (e.g. totals rescaled to a common total)."""

    code: str
    message: str
    dimension: str | None = None
    category: Hashable | None = None
    blocking: bool = True


@dataclass(frozen=True)
class MarginFit:
    """One category: population vs respondents vs weighted respondents (shares 0..1)."""

    dimension: str
    category: Hashable
    population: float  # after rescaling to the common total
    population_share: float
    respondents: int  # unweighted: the k rule applies to this
    sample_share: float
    weighted_share: float  # NaN when no weights were made

    @property
    def error(self) -> float:
        return abs(self.weighted_share - self.population_share)


@dataclass(frozen=True)
class RakingResult:
    """What ``rake`` made. Use ``weights`` only when ``converged`` is true: otherwise they
    are the last iteration's (for diagnosis) or None when the input was refused."""

    weights: pd.Series | None
    converged: bool
    iterations: int
    max_margin_error: float
    respondents: int
    population_total: float
    cap: float | None
    trimmed: int  # respondents whose weight was capped
    design_effect: float
    effective_sample_size: float
    fit: tuple[MarginFit, ...]
    problems: tuple[Problem, ...]

    @property
    def blocking(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.blocking)


# -- margins ----------------------------------------------------------------------------------


def margins_normalise(margins: MarginsInput) -> tuple[Margin, ...]:
    """``margins`` as Margin objects: a mapping ``{dimension: {category: count}}`` is
    accepted as well as a sequence of ``Margin``."""
    if isinstance(margins, Mapping):
        return tuple(Margin(str(name), dict(counts)) for name, counts in margins.items())
    return tuple(margins)


@dataclass(frozen=True)
class _Coded:
    """The frame coded against the margins: one category index per respondent and
    dimension, and each dimension's population shares (rescaled to a common total)."""

    margins: tuple[Margin, ...]
    codes: tuple[Ints, ...]
    shares: tuple[Floats, ...]
    population_total: float


def margins_check(
    frame: pd.DataFrame, margins: MarginsInput
) -> tuple[tuple[Problem, ...], _Coded | None]:
    """Every problem of ``margins`` against ``frame`` (one row per respondent), and the
    coded input when nothing blocks. Never raises for bad input."""
    margins = margins_normalise(margins)
    problems: list[Problem] = []
    if len(frame.index) == 0:
        problems.append(Problem(EMPTY_FRAME, gettext("There are no respondents to weight.")))
    if not margins:
        problems.append(
            Problem(NO_MARGINS, gettext("Choose at least one population margin to weight by."))
        )
    seen: set[str] = set()
    codes: list[Ints] = []
    shares: list[Floats] = []
    for margin in margins:
        if margin.dimension in seen:
            problems.append(_problem(DUPLICATE_DIMENSION, margin, None, _duplicate(margin)))
            continue
        seen.add(margin.dimension)
        checked = _margin_check(frame, margin, problems)
        if checked is not None:
            codes.append(checked[0])
            shares.append(checked[1])
    # Totals are compared even when something else blocks, so one round of corrections
    # can fix everything.
    totals = [(margin, total) for margin in margins if (total := _total(margin)) is not None]
    for margin, total in totals[1:]:
        reference, reference_total = totals[0]
        if abs(total - reference_total) > TOTAL_TOLERANCE * reference_total:
            message = _totals_differ(reference, margin, reference_total, total)
            problems.append(Problem(TOTALS_DIFFER, message, margin.dimension, blocking=False))
    if any(problem.blocking for problem in problems) or not codes:
        return tuple(problems), None
    return tuple(problems), _Coded(margins, tuple(codes), tuple(shares), totals[0][1])


def _total(margin: Margin) -> float | None:
    """The margin's total when every count is valid and it is positive."""
    counts = [_count(value) for value in margin.population.values()]
    if not counts or not all(math.isfinite(c) and c >= 0 for c in counts) or sum(counts) <= 0:
        return None
    return float(sum(counts))


def _margin_check(
    frame: pd.DataFrame, margin: Margin, problems: list[Problem]
) -> tuple[Ints, Floats] | None:
    before = len(problems)
    if margin.dimension not in frame.columns:
        problems.append(_problem(MISSING_COLUMN, margin, None, _missing_column(margin)))
        return None
    categories = list(margin.population)
    if not categories:
        problems.append(_problem(EMPTY_MARGIN, margin, None, _empty_margin(margin)))
        return None
    counts = np.array([_count(margin.population[c]) for c in categories], dtype=np.float64)
    for category, count in zip(categories, counts, strict=True):
        if not math.isfinite(count) or count < 0:
            problems.append(_problem(INVALID_COUNT, margin, category, _invalid(margin, category)))
    column = frame[margin.dimension]
    missing = int(column.isna().sum())
    if missing:
        problems.append(_problem(MISSING_ANSWERS, margin, None, _missing(margin, missing)))
    # -1 for a value the margin does not have (and for no answer).
    codes = pd.Index(categories, dtype=object).get_indexer(column).astype(np.int64)
    unknown = column[(codes < 0) & column.notna().to_numpy()]
    for category, number in unknown.value_counts(sort=False).items():
        problems.append(
            _problem(CATEGORY_NOT_IN_MARGIN, margin, category, _unknown(margin, category, number))
        )
    # Zero populations and empty categories are checked even when other categories are
    # unknown, so one round of corrections can fix everything.
    respondents = np.bincount(codes[codes >= 0], minlength=len(categories))
    for index, category in enumerate(categories):
        if respondents[index] and counts[index] == 0:
            message = _zero_population(margin, category, int(respondents[index]))
            problems.append(_problem(ZERO_POPULATION, margin, category, message))
        elif counts[index] > 0 and not respondents[index]:
            message = _no_respondents(margin, category)
            problems.append(_problem(NO_RESPONDENTS, margin, category, message))
    total = float(counts.sum())
    if len(problems) > before:
        return None
    if not total > 0:  # all zero and nobody answered (an empty frame is reported already)
        problems.append(_problem(EMPTY_MARGIN, margin, None, _empty_margin(margin)))
        return None
    return codes, counts / total


def _count(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


# -- raking -----------------------------------------------------------------------------------


def rake(
    frame: pd.DataFrame,
    margins: MarginsInput,
    *,
    max_iterations: int = 100,
    tolerance: float = 1e-6,
    cap: float | None = None,
) -> RakingResult:
    """Rake the respondents of ``frame`` to ``margins``; see the module's conventions.

    Never raises for bad margins or data: the result carries the problems, no weights when
    one of them blocks, and ``converged=False`` with an explanation when the margins (or
    the margins and the cap) cannot be met within ``max_iterations`` passes. Raises
    ``ValueError`` only for a programming error (``max_iterations`` < 1, ``tolerance`` <= 0).
    """
    if max_iterations < 1 or not tolerance > 0:
        raise ValueError("max_iterations must be >= 1 and tolerance > 0")
    problems, coded = margins_check(frame, margins)
    problem_list = list(problems)
    if cap is not None and not (math.isfinite(cap) and cap > 1):
        problem_list.append(Problem(INVALID_CAP, _invalid_cap(cap)))
    n = len(frame.index)
    if coded is None or any(problem.blocking for problem in problem_list):
        return _refused(n, cap, problem_list)

    cells, counts, cell_codes = _cells(coded.codes, [len(s) for s in coded.shares])
    targets = [share * n for share in coded.shares]
    weights = np.ones(len(counts), dtype=np.float64)
    weights, iterations, error = _ipf(
        weights, counts, cell_codes, targets, max_iterations, tolerance, None
    )
    converged = error <= tolerance
    if not converged:
        # The margins cannot be met even without a cap: say where it fails most (before
        # any trimming, which would only add to the error).
        worst = _worst(coded, counts, cell_codes, weights, n)
        message = _not_converged(worst, iterations)
        problem_list.append(_problem(NOT_CONVERGED, worst.margin, worst.category, message))
        if cap is not None:  # the cap holds for whatever weights are returned
            weights = _trim(weights, counts, cap)
            error = _error(weights, counts, cell_codes, targets, float(n))
    elif cap is not None and weights.max() > cap:
        weights, more, error = _ipf(
            weights, counts, cell_codes, targets, max_iterations, tolerance, cap
        )
        iterations += more
        converged = error <= tolerance
        if not converged:
            problem_list.append(_cap_problem(coded, counts, cell_codes, weights, n, cap))
    per_respondent = weights[cells]
    trimmed = int(counts[weights >= cap * (1 - 1e-12)].sum()) if cap is not None else 0
    deff = design_effect(per_respondent)
    return RakingResult(
        weights=pd.Series(per_respondent, index=frame.index, name="weight"),
        converged=converged,
        iterations=iterations,
        max_margin_error=error,
        respondents=n,
        population_total=coded.population_total,
        cap=cap,
        trimmed=trimmed,
        design_effect=deff,
        effective_sample_size=n / deff,
        fit=_fit(coded, counts, cell_codes, weights, n),
        problems=tuple(problem_list),
    )


def _refused(n: int, cap: float | None, problems: list[Problem]) -> RakingResult:
    return RakingResult(
        weights=None,
        converged=False,
        iterations=0,
        max_margin_error=math.nan,
        respondents=n,
        population_total=math.nan,
        cap=cap,
        trimmed=0,
        design_effect=math.nan,
        effective_sample_size=math.nan,
        fit=(),
        problems=tuple(problems),
    )


def _cells(codes: Sequence[Ints], sizes: Sequence[int]) -> tuple[Ints, Floats, list[Ints]]:
    """The occupied category combinations: each respondent's cell, the respondents per cell
    and each cell's category per dimension."""
    combined = np.zeros(len(codes[0]), dtype=np.int64)
    radix = 1
    for code, size in zip(codes, sizes, strict=True):
        if radix * size >= 2**62:  # compress before the mixed-radix number could overflow
            _keys, combined = np.unique(combined, return_inverse=True)
            radix = int(combined.max()) + 1
        combined = combined * size + code
        radix *= size
    _keys, first, cells, counts = np.unique(
        combined, return_index=True, return_inverse=True, return_counts=True
    )
    # Each cell's categories, read from its first respondent.
    cell_codes = [code[first] for code in codes]
    return cells.reshape(-1).astype(np.int64), counts.astype(np.float64), cell_codes


def _ipf(
    weights: Floats,
    counts: Floats,
    cell_codes: Sequence[Ints],
    targets: Sequence[Floats],
    max_iterations: int,
    tolerance: float,
    cap: float | None,
) -> tuple[Floats, int, float]:
    """Raking passes over the cells until the largest share error is within ``tolerance``;
    with ``cap``, every pass ends by trimming. Returns weights, passes and the error."""
    n = float(counts.sum())
    weights = weights.copy()
    error = math.inf
    for iteration in range(1, max_iterations + 1):
        for code, target in zip(cell_codes, targets, strict=True):
            totals = np.bincount(code, weights=counts * weights, minlength=len(target))
            # A category whose weights all underflowed to 0 (a raking that cannot converge)
            # keeps them rather than turning into inf·0 = NaN.
            factors = np.divide(target, totals, out=np.ones_like(target), where=totals > 0)
            weights *= factors[code]
        if cap is not None:
            weights = _trim(weights, counts, cap)
        error = _error(weights, counts, cell_codes, targets, n)
        if error <= tolerance:
            return weights, iteration, error
    return weights, max_iterations, error


def _error(
    weights: Floats, counts: Floats, cell_codes: Sequence[Ints], targets: Sequence[Floats], n: float
) -> float:
    return (
        max(
            float(np.abs(np.bincount(code, weights=counts * weights, minlength=len(t)) - t).max())
            for code, t in zip(cell_codes, targets, strict=True)
        )
        / n
    )


def _trim(weights: Floats, counts: Floats, cap: float) -> Floats:
    """Weights scaled to mean 1 with none above ``cap``: the capped cells get exactly
    ``cap`` and the others share the rest in proportion to their weights (exact, at most
    one round per cell; ``cap`` > 1 guarantees room)."""
    n = counts.sum()
    base = weights * (n / (counts * weights).sum())
    capped = np.zeros(len(weights), dtype=bool)
    trimmed = base
    while True:
        over = (trimmed > cap) & ~capped
        if not over.any():
            return trimmed
        capped |= over
        free = n - cap * counts[capped].sum()
        rest = (counts * base)[~capped].sum()
        if free <= 0 or capped.all():  # only possible with cap <= 1 (refused earlier)
            return np.full(len(weights), 1.0)
        with np.errstate(over="ignore", divide="ignore"):
            scale = free / rest
        if math.isfinite(scale):
            trimmed = np.where(capped, cap, base * scale)
        else:
            # The other weights all underflowed (a raking that cannot converge): they
            # share the rest equally, (n - cap·capped) / (n - capped) < 1 < cap each.
            trimmed = np.where(capped, cap, free / counts[~capped].sum())


@dataclass(frozen=True)
class _Worst:
    margin: Margin
    category: Hashable
    population_share: float
    weighted_share: float


def _worst(
    coded: _Coded, counts: Floats, cell_codes: Sequence[Ints], weights: Floats, n: int
) -> _Worst:
    best: _Worst | None = None
    for margin, code, share in zip(coded.margins, cell_codes, coded.shares, strict=True):
        weighted = np.bincount(code, weights=counts * weights, minlength=len(share)) / n
        index = int(np.abs(weighted - share).argmax())
        found = _Worst(margin, list(margin.population)[index], share[index], weighted[index])
        if best is None or abs(found.weighted_share - found.population_share) > abs(
            best.weighted_share - best.population_share
        ):
            best = found
    assert best is not None
    return best


def _cap_problem(
    coded: _Coded, counts: Floats, cell_codes: Sequence[Ints], weights: Floats, n: int, cap: float
) -> Problem:
    """Why the cap and the margins cannot both hold: a category whose population share over
    its respondents' share exceeds the cap needs an average weight above the cap (so no
    cap below that can work); else the category the capped weights miss the most."""
    needed: tuple[float, Margin, Hashable] | None = None
    for margin, code, share in zip(coded.margins, cell_codes, coded.shares, strict=True):
        sample = np.bincount(code, weights=counts, minlength=len(share)) / n
        ratios = share / sample
        index = int(ratios.argmax())
        if ratios[index] > cap and (needed is None or ratios[index] > needed[0]):
            needed = (float(ratios[index]), margin, list(margin.population)[index])
    if needed is not None:
        ratio, margin, category = needed
        message = _cap_needed(margin, category, ratio, cap)
        return _problem(CAP_PREVENTS_FIT, margin, category, message)
    worst = _worst(coded, counts, cell_codes, weights, n)
    return _problem(CAP_PREVENTS_FIT, worst.margin, worst.category, _cap_fit(worst, cap))


def _fit(
    coded: _Coded, counts: Floats, cell_codes: Sequence[Ints], weights: Floats, n: int
) -> tuple[MarginFit, ...]:
    rows: list[MarginFit] = []
    for margin, code, share in zip(coded.margins, cell_codes, coded.shares, strict=True):
        respondents = np.bincount(code, weights=counts, minlength=len(share))
        weighted = np.bincount(code, weights=counts * weights, minlength=len(share)) / n
        for index, category in enumerate(margin.population):
            rows.append(
                MarginFit(
                    dimension=margin.dimension,
                    category=category,
                    population=float(share[index] * coded.population_total),
                    population_share=float(share[index]),
                    respondents=int(respondents[index]),
                    sample_share=float(respondents[index] / n),
                    weighted_share=float(weighted[index]),
                )
            )
    return tuple(rows)


def design_effect(weights: pd.Series | Floats) -> float:
    """Kish's design effect of unequal weights, n·Σw²/(Σw)² (1 for equal weights)."""
    values = np.asarray(weights, dtype=np.float64)
    total = values.sum()
    return float(len(values) * (values**2).sum() / total**2) if total > 0 else math.nan


def effective_sample_size(weights: pd.Series | Floats) -> float:
    """Kish's effective sample size, (Σw)²/Σw² = n / design effect."""
    values = np.asarray(weights, dtype=np.float64)
    squares = (values**2).sum()
    return float(values.sum() ** 2 / squares) if squares > 0 else 0.0


# -- explanations (translated) ----------------------------------------------------------------


def _language() -> str:
    return supported_language(get_language() or settings.LANGUAGE_CODE)


def _number(value: float, digits: int = 0) -> str:
    return number_text(value, _language(), digits)


def _percent(share: float) -> str:
    return percent_text(100 * share, _language(), 1)


def _problem(code: str, margin: Margin, category: Hashable | None, message: str) -> Problem:
    return Problem(code, message, margin.dimension, category)


def _names(margin: Margin, category: Hashable | None = None) -> dict[str, str]:
    names = {"dimension": margin.name()}
    if category is not None:
        names["category"] = margin.category_name(category)
    return names


def _duplicate(margin: Margin) -> str:
    return gettext("“%(dimension)s” is chosen twice; keep one margin per dimension.") % _names(
        margin
    )


def _missing_column(margin: Margin) -> str:
    return gettext(
        "The respondents have no answers for “%(dimension)s”: map the margin to a question, "
        "panel attribute or segment they have."
    ) % _names(margin)


def _empty_margin(margin: Margin) -> str:
    return gettext(
        "The margin “%(dimension)s” has no population counts: enter the population of "
        "every category."
    ) % _names(margin)


def _invalid(margin: Margin, category: Hashable) -> str:
    return gettext(
        "The population of “%(category)s” in “%(dimension)s” must be a number of 0 or more."
    ) % _names(margin, category)


def _missing(margin: Margin, count: int) -> str:
    return ngettext(
        "%(count)s respondent has no answer for “%(dimension)s”. Raking needs a category "
        "for everyone: add one such as “No answer” to the margin with its population, or "
        "leave these respondents out of the weighted findings.",
        "%(count)s respondents have no answer for “%(dimension)s”. Raking needs a category "
        "for everyone: add one such as “No answer” to the margin with its population, or "
        "leave these respondents out of the weighted findings.",
        count,
    ) % {"count": _number(count), **_names(margin)}


def _unknown(margin: Margin, category: Hashable, count: int) -> str:
    return ngettext(
        "%(count)s respondent is in “%(category)s” of “%(dimension)s”, a category the "
        "margin does not have. Add its population to the margin, or collapse it into a "
        "neighbouring category in both the answers and the margin.",
        "%(count)s respondents are in “%(category)s” of “%(dimension)s”, a category the "
        "margin does not have. Add its population to the margin, or collapse it into a "
        "neighbouring category in both the answers and the margin.",
        count,
    ) % {"count": _number(count), **_names(margin, category)}


def _zero_population(margin: Margin, category: Hashable, count: int) -> str:
    return ngettext(
        "“%(category)s” of “%(dimension)s” has %(count)s respondent but a population of 0, "
        "so raking would give it a weight of 0. Correct the population, or collapse "
        "“%(category)s” with a neighbouring category.",
        "“%(category)s” of “%(dimension)s” has %(count)s respondents but a population of "
        "0, so raking would give them a weight of 0. Correct the population, or collapse "
        "“%(category)s” with a neighbouring category.",
        count,
    ) % {"count": _number(count), **_names(margin, category)}


def _no_respondents(margin: Margin, category: Hashable) -> str:
    population = _count(margin.population[category])
    return gettext(
        "No respondent is in “%(category)s” of “%(dimension)s”, whose population is "
        "%(population)s: raking cannot weight up a category nobody is in. Collapse "
        "“%(category)s” with a neighbouring category, in the margin and the answers."
    ) % {"population": _number(population), **_names(margin, category)}


def _totals_differ(reference: Margin, margin: Margin, reference_total: float, total: float) -> str:
    return gettext(
        "The margin “%(dimension)s” adds up to %(total)s and “%(reference)s” to "
        "%(reference_total)s (%(difference)s apart). Each margin is used as shares of its "
        "own total, scaled to the total of “%(reference)s”; check that both describe the "
        "same population at the same date."
    ) % {
        "total": _number(total),
        "reference": reference.name(),
        "reference_total": _number(reference_total),
        "difference": _percent(abs(total - reference_total) / reference_total),
        **_names(margin),
    }


def _invalid_cap(cap: float) -> str:
    return gettext(
        "The trimming cap must be a number above 1 (times the mean weight), for example 5, "
        "not %(cap)s."
    ) % {"cap": cap}


def _not_converged(worst: _Worst, iterations: int) -> str:
    return ngettext(
        "The raking did not converge in %(iterations)s round: the weighted share of "
        "“%(category)s” in “%(dimension)s” is %(weighted)s against %(population)s in the "
        "population. These respondents cannot meet all margins at once (or only very slowly), "
        "usually because a "
        "combination of categories has (almost) nobody in it. Collapse small categories or "
        "weight by fewer dimensions. No weights are used.",
        "The raking did not converge in %(iterations)s rounds: the weighted share of "
        "“%(category)s” in “%(dimension)s” is %(weighted)s against %(population)s in the "
        "population. These respondents cannot meet all margins at once (or only very slowly), "
        "usually because a "
        "combination of categories has (almost) nobody in it. Collapse small categories or "
        "weight by fewer dimensions. No weights are used.",
        iterations,
    ) % {
        "iterations": _number(iterations),
        "weighted": _percent(worst.weighted_share),
        "population": _percent(worst.population_share),
        **_names(worst.margin, worst.category),
    }


def _cap_fit(worst: _Worst, cap: float) -> str:
    return gettext(
        "With no weight above %(cap)s times the mean, the margins cannot all be met: the "
        "weighted share of “%(category)s” in “%(dimension)s” stays at %(weighted)s against "
        "%(population)s in the population. Raise the cap or collapse small categories. No "
        "weights are used."
    ) % {
        "cap": _number(cap, 1),
        "weighted": _percent(worst.weighted_share),
        "population": _percent(worst.population_share),
        **_names(worst.margin, worst.category),
    }


def _cap_needed(margin: Margin, category: Hashable, ratio: float, cap: float) -> str:
    return gettext(
        "“%(category)s” of “%(dimension)s” needs an average weight of %(ratio)s (its share "
        "of the population over its share of the respondents), more than the cap of "
        "%(cap)s times the mean. Raise the cap above %(ratio)s or collapse “%(category)s” "
        "with a neighbouring category. No weights are used."
    ) % {"ratio": _number(ratio, 1), "cap": _number(cap, 1), **_names(margin, category)}
