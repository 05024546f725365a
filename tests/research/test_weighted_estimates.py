"""Weighted estimates with 95 % intervals next to the unweighted ones
(research/findings/weighted_estimates.py)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from research.findings.weighted_estimates import _wilson, weighted_mean, weighted_shares


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
     (1, 29, 0.0061, 0.1718), (29, 29, 0.8830, 1.0)],
)  # fmt: skip
def test_wilson_interval_matches_newcombe_1998(successes, n, low, high):
    """Newcombe, "Two-sided confidence intervals for the single proportion: comparison of
    seven methods", Statistics in Medicine 17 (1998) 857–872, Table II, method 3 (score
    interval without continuity correction)."""
    got = _wilson(successes / n, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_shares_by_hand_with_unequal_weights():
    answers = pd.Series(["a", "a", "b", "b"], index=[10, 11, 12, 13])
    weights = pd.Series([1.0, 3.0, 1.0, 1.0], index=[10, 11, 12, 13])
    table = weighted_shares(answers, weights, categories=["a", "b", "c"])
    a, b, c = table.rows
    assert (table.base, table.weighted_base) == (4, 6.0)
    assert (a.respondents, a.share, a.weighted_count) == (2, 0.5, 4.0)
    assert a.weighted_share == pytest.approx(4 / 6)
    # Linearised variance: n/(n-1) · Σ (w(y - p))² / (Σw)² = 4/3 · 2 / 36, y = 1 for "a".
    variance = 4 / 3 * 2 / 36
    assert (a.weighted_low, a.weighted_high) == pytest.approx(
        _wilson(4 / 6, (4 / 6) * (2 / 6) / variance)
    )
    assert (c.respondents, c.share, c.weighted_share) == (0, 0.0, 0.0)
    assert c.low == 0.0 and c.weighted_low == 0.0 and c.weighted_high > 0
    assert b.weighted_share == pytest.approx(2 / 6)


def test_equal_weights_give_the_unweighted_figures():
    rng = np.random.default_rng(5)
    answers = pd.Series(rng.choice(["x", "y", "z"], 500))
    table = weighted_shares(answers, pd.Series(1.0, index=answers.index))
    for row in table.rows:
        assert row.weighted_share == pytest.approx(row.share)
        # n/(n-1) in the linearised variance: n* = n - 1
        assert (row.weighted_low, row.weighted_high) == pytest.approx(
            _wilson(row.share, 499), abs=1e-12
        )
    assert table.effective_base == pytest.approx(500)


def test_no_answer_is_left_out_of_the_base_and_counts_stay_unweighted():
    answers = pd.Series(["a", None, "b", "a", np.nan])
    weights = pd.Series([2.0, 9.0, 0.5, 0.5, 9.0])
    table = weighted_shares(answers, weights)
    assert table.base == 3 and table.weighted_base == 3.0
    assert [(r.category, r.respondents) for r in table.rows] == [("a", 2), ("b", 1)]


def test_a_respondent_without_a_weight_is_a_programming_error():
    with pytest.raises(ValueError):
        weighted_shares(pd.Series(["a", "b"], index=[1, 2]), pd.Series([1.0], index=[1]))


def test_mean_by_hand():
    values = pd.Series([1.0, 2.0, 3.0, 4.0, None])
    weights = pd.Series([1.0, 1.0, 1.0, 5.0, 1.0])
    got = weighted_mean(values, weights)
    assert got.respondents == 4 and got.mean == 2.5
    half = 1.959963984540054 * np.std([1, 2, 3, 4], ddof=1) / 2
    assert (got.low, got.high) == pytest.approx((2.5 - half, 2.5 + half))
    mean = (1 + 2 + 3 + 20) / 8
    assert got.weighted_mean == pytest.approx(mean)
    residuals = np.array([1, 1, 1, 5]) * (np.array([1, 2, 3, 4]) - mean)
    se = math.sqrt(4 / 3 * (residuals**2).sum() / 64)
    assert got.weighted_high - got.weighted_mean == pytest.approx(1.959963984540054 * se)
    assert got.effective_sample_size == pytest.approx(64 / 28)


def test_mean_of_nothing():
    got = weighted_mean(pd.Series([None, None], dtype=float), pd.Series([1.0, 1.0]))
    assert got.respondents == 0 and math.isnan(got.weighted_mean)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.floats(0.05, 20)), min_size=2, max_size=60))
def test_shares_add_up_and_intervals_hold_the_estimate(rows):
    answers = pd.Series([r[0] for r in rows])
    weights = pd.Series([r[1] for r in rows])
    table = weighted_shares(answers, weights, categories=list("abc"))
    assert sum(r.weighted_share for r in table.rows) == pytest.approx(1.0)
    assert sum(r.respondents for r in table.rows) == len(rows)
    for row in table.rows:
        assert 0 <= row.weighted_low <= row.weighted_share + 1e-12
        assert row.weighted_share - 1e-12 <= row.weighted_high <= 1
        assert 0 <= row.low <= row.share + 1e-12 and row.share - 1e-12 <= row.high <= 1
