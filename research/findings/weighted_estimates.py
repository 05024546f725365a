"""Weighted estimates next to unweighted ones, with 95 % confidence intervals, for the
explore view, cross-tabs, charts and report blocks (weights from ``weighting.rake``).

Pure: pandas and numpy, no models.

Intervals use a Taylor-linearised variance of the weighted ratio Σwy/Σw, the respondent
weights taken as fixed and the sample as drawn with replacement (what R's survey::svymean
gives for such a design): it follows how unevenly the weights fall *within* the category
or question at hand, where Kish's design effect is one figure for the whole sample (it is
reported too, as ``effective_base``). Shares use the Wilson score interval on the effective
sample size p(1-p)/variance, which stays inside 0..1 for small and extreme shares; means a
normal interval. The variance ignores that raking to margins correlated with the answer
makes estimates *more* precise (a calibration estimator's residual variance would), so the
intervals err on the wide side.

The k rule applies to the unweighted counts of real respondents, which every estimate
exposes (``respondents``, ``base``): suppression.py is fed those, never weighted counts.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .weighting import effective_sample_size

#: z of a two-sided 95 % interval.
Z95 = 1.959963984540054

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ShareEstimate:
    """One category of a single-choice question, unweighted and weighted (shares 0..1,
    intervals at 95 %). ``respondents`` is the unweighted count the k rule applies to."""

    category: Hashable
    respondents: int
    share: float
    low: float
    high: float
    weighted_count: float  # sum of the weights (mean-1 scale)
    weighted_share: float
    weighted_low: float
    weighted_high: float


@dataclass(frozen=True)
class ShareTable:
    base: int  # respondents who answered (unweighted)
    weighted_base: float
    effective_base: float  # Kish's effective sample size of those who answered
    rows: tuple[ShareEstimate, ...]


@dataclass(frozen=True)
class MeanEstimate:
    respondents: int
    mean: float
    low: float
    high: float
    weighted_mean: float
    weighted_low: float
    weighted_high: float
    effective_sample_size: float


def weighted_shares(
    answers: pd.Series,
    weights: pd.Series,
    *,
    categories: Sequence[Hashable] | None = None,
) -> ShareTable:
    """Shares of a single-choice question's categories among those who answered (NaN is
    no answer), unweighted and weighted, with 95 % intervals (module docstring). Rows
    follow ``categories`` (those nobody chose included) or else the order of first answer.
    ``ValueError`` when a respondent who answered has no weight (a programming error)."""
    answered = answers[answers.notna()]
    w = _aligned(answered, weights)
    n = len(answered)
    if categories is None:
        categories = list(pd.unique(answered))
    total = float(w.sum())
    rows = []
    for category in categories:
        chosen = (answered == category).to_numpy()
        count = int(chosen.sum())
        share = count / n if n else math.nan
        low, high = _wilson(share, n)
        weighted_share = float(w[chosen].sum() / total) if total > 0 else math.nan
        variance = _ratio_variance(chosen.astype(np.float64), w, weighted_share)
        effective = _effective_n(weighted_share, variance, w)
        weighted_low, weighted_high = _wilson(weighted_share, effective)
        rows.append(
            ShareEstimate(
                category=category,
                respondents=count,
                share=share,
                low=low,
                high=high,
                weighted_count=float(w[chosen].sum()),
                weighted_share=weighted_share,
                weighted_low=weighted_low,
                weighted_high=weighted_high,
            )
        )
    return ShareTable(n, total, effective_sample_size(w) if n else 0.0, tuple(rows))


def weighted_mean(values: pd.Series, weights: pd.Series) -> MeanEstimate:
    """Mean of a numeric answer (rating, NPS, number; NaN is no answer), unweighted and
    weighted, with 95 % normal intervals: s/√n unweighted, the linearised variance of the
    weighted ratio weighted. ``ValueError`` as ``weighted_shares``."""
    answered = values[values.notna()].astype(np.float64)
    w = _aligned(answered, weights)
    y = answered.to_numpy()
    n = len(y)
    if n == 0:
        nan = math.nan
        return MeanEstimate(0, nan, nan, nan, nan, nan, nan, 0.0)
    mean = float(y.mean())
    half = Z95 * float(y.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    weighted = float((w * y).sum() / w.sum())
    weighted_half = Z95 * math.sqrt(_ratio_variance(y, w, weighted)) if n > 1 else math.nan
    return MeanEstimate(
        respondents=n,
        mean=mean,
        low=mean - half,
        high=mean + half,
        weighted_mean=weighted,
        weighted_low=weighted - weighted_half,
        weighted_high=weighted + weighted_half,
        effective_sample_size=effective_sample_size(w),
    )


def _aligned(answered: pd.Series, weights: pd.Series) -> Floats:
    w = weights.reindex(answered.index).to_numpy(dtype=np.float64)
    if np.isnan(w).any() or (w < 0).any():
        raise ValueError("every respondent who answered needs a weight of 0 or more")
    return w


def _ratio_variance(y: Floats, w: Floats, estimate: float) -> float:
    """Linearised variance of Σwy/Σw, weights fixed, with replacement:
    n/(n-1) · Σ w²(y - estimate)² / (Σw)² (as R's survey::svymean for such a design)."""
    n = len(y)
    total = w.sum()
    if n < 2 or total <= 0:
        return math.nan
    return float(n / (n - 1) * ((w * (y - estimate)) ** 2).sum() / total**2)


def _effective_n(share: float, variance: float, w: Floats) -> float:
    """n* with p(1-p)/n* = variance; Kish's n_eff where the share is 0 or 1 (no spread
    to measure) or the variance is undefined."""
    if math.isnan(share) or math.isnan(variance) or variance <= 0:
        return effective_sample_size(w) if len(w) else 0.0
    return share * (1 - share) / variance


def _wilson(share: float, n: float) -> tuple[float, float]:
    """Wilson score interval at 95 % for a share observed on ``n`` (may be fractional)."""
    if math.isnan(share) or not n > 0:
        return math.nan, math.nan
    z2 = Z95 * Z95
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # Exactly 0 and 1 at the ends (the formula leaves rounding residue there).
    low = 0.0 if share <= 0 else max(0.0, centre - half)
    high = 1.0 if share >= 1 else min(1.0, centre + half)
    return low, high
