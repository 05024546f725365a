"""Raking (research/findings/weighting.py): published examples, properties, and every bad
input of issue 19 as a clear problem instead of a crash or silently wrong weights."""

import math

import numpy as np
import pandas as pd
import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from research.findings import weighting as w
from research.findings.weighting import Margin, design_effect, effective_sample_size, rake


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the catalogues are the translators' work)."""
    with translation.override("en"):
        yield


def respondents(table: dict[tuple[str, ...], int], columns: list[str]) -> pd.DataFrame:
    """A respondent frame with ``count`` rows per combination of categories."""
    rows = [combo for combo, count in table.items() for _ in range(count)]
    return pd.DataFrame(rows, columns=columns)


def weighted_table(frame: pd.DataFrame, weights: pd.Series, columns: list[str]) -> pd.Series:
    return weights.groupby([frame[c] for c in columns]).sum()


def shares(frame: pd.DataFrame, weights: pd.Series, column: str) -> pd.Series:
    return weights.groupby(frame[column]).sum() / weights.sum()


# -- published examples -----------------------------------------------------------------------


def test_reproduces_the_two_by_two_raking_example_of_klemens():
    """Ben Klemens's raking illustration for the Apophenia library's apop_rake: a quick
    survey of 35 people, 7 9 / 12 7, raked to census margins of 5 and 15 (rows) and 10 and
    10 (columns).

    Raking keeps the table's cross-product ratio (Mosteller, "Association and estimation in
    contingency tables", JASA 63, 1968), so the fit has a closed form: with x the fitted
    top-left cell, the fit is x, 5-x / 10-x, 5+x with x(5+x) / ((5-x)(10-x)) = 7·7 / (9·12),
    i.e. 59x² + 1275x - 2450 = 0, x = (√2203825 - 1275) / 118 = 1.77566563…
    """
    frame = respondents(
        {("r1", "c1"): 7, ("r1", "c2"): 9, ("r2", "c1"): 12, ("r2", "c2"): 7}, ["row", "col"]
    )
    margins = {"row": {"r1": 5, "r2": 15}, "col": {"c1": 10, "c2": 10}}

    result = rake(frame, margins, tolerance=1e-12, max_iterations=1000)

    assert result.converged and not result.problems
    x = (math.sqrt(2203825) - 1275) / 118
    expected = {("r1", "c1"): x, ("r1", "c2"): 5 - x, ("r2", "c1"): 10 - x, ("r2", "c2"): 5 + x}
    # Weights have mean 1: times population / n they are population counts per respondent.
    fitted = weighted_table(frame, result.weights * result.population_total / 35, ["row", "col"])
    for cell, value in expected.items():
        assert fitted[cell] == pytest.approx(value, abs=1e-6)
    # Each respondent's weight is the fitted cell over the cell's respondents.
    r1c1 = (frame.row == "r1") & (frame.col == "c1")
    assert result.weights[r1c1].iloc[0] * 20 / 35 == pytest.approx(x / 7, abs=1e-6)


# Wikipedia, "Iterative proportional fitting", section Example (also the README of the ipfn
# package): a 4 × 4 seed raked to row totals 150, 300, 400, 150 and column totals 200, 300,
# 400, 100. WIKIPEDIA_FIT is the converged table to 6 decimals, computed by 2,000 plain
# row/column passes in numpy (independent of the engine's cell code), not transcribed from the
# page; the test also checks the two properties that make the fit unique (Ireland & Kullback
# 1968): the targets are met and every cross-product ratio of the seed is kept.
WIKIPEDIA_SEED = [[40, 30, 20, 10], [35, 50, 100, 75], [30, 80, 70, 120], [20, 30, 40, 50]]
WIKIPEDIA_FIT = [
    [64.558510, 46.232460, 35.384298, 3.824732],
    [49.967919, 68.159354, 156.498546, 25.374180],
    [56.721944, 144.428226, 145.082481, 53.767349],
    [28.751627, 41.179961, 63.034674, 17.033738],
]


def test_reproduces_the_wikipedia_ipf_example():
    rows, cols = ["1", "2", "3", "4"], ["1", "2", "3", "4"]
    seed = {(r, c): WIKIPEDIA_SEED[i][j] for i, r in enumerate(rows) for j, c in enumerate(cols)}
    frame = respondents(seed, ["row", "col"])
    margins = {
        "row": dict(zip(rows, [150, 300, 400, 150], strict=True)),
        "col": dict(zip(cols, [200, 300, 400, 100], strict=True)),
    }

    result = rake(frame, margins, tolerance=1e-12, max_iterations=1000)

    assert result.converged
    fitted = weighted_table(frame, result.weights * 1000 / 800, ["row", "col"]).unstack()
    fit = fitted.to_numpy()
    np.testing.assert_allclose(fit, WIKIPEDIA_FIT, atol=1e-6)
    np.testing.assert_allclose(fit.sum(axis=1), [150, 300, 400, 150], atol=1e-6)
    np.testing.assert_allclose(fit.sum(axis=0), [200, 300, 400, 100], atol=1e-6)
    z = np.array(WIKIPEDIA_SEED, dtype=float)
    for i in range(1, 4):
        for j in range(1, 4):
            kept = fit[0, 0] * fit[i, j] / (fit[0, j] * fit[i, 0])
            assert kept == pytest.approx(z[0, 0] * z[i, j] / (z[0, j] * z[i, 0]), rel=1e-9)


# -- result conventions -----------------------------------------------------------------------


def sample_frame(n: int = 2000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.choice(["young", "middle", "old"], size=n, p=[0.1, 0.5, 0.4])
    loans = np.where(
        rng.random(n) < np.where(age == "young", 0.2, 0.6), "many", rng.choice(["none", "few"], n)
    )
    return pd.DataFrame({"age": age, "loans": loans}, index=pd.RangeIndex(1000, 1000 + n))


MARGINS = {
    "age": {"young": 3000, "middle": 4000, "old": 3000},
    "loans": {"none": 5000, "few": 3000, "many": 2000},
}


def test_weights_have_mean_one_and_follow_the_frames_index():
    frame = sample_frame()
    result = rake(frame, MARGINS)
    assert result.converged and result.weights is not None
    assert result.weights.index.equals(frame.index)
    assert result.weights.mean() == pytest.approx(1.0)
    assert result.respondents == 2000 and result.population_total == 10000
    for dimension, population in MARGINS.items():
        got = shares(frame, result.weights, dimension)
        for category, count in population.items():
            assert got[category] == pytest.approx(count / 10000, abs=1e-6)
    assert result.max_margin_error <= 1e-6


def test_fit_compares_population_respondents_and_weighted_shares():
    frame = sample_frame()
    result = rake(frame, MARGINS)
    young = next(f for f in result.fit if (f.dimension, f.category) == ("age", "young"))
    assert young.population == 3000 and young.population_share == pytest.approx(0.3)
    assert young.respondents == (frame.age == "young").sum()
    assert young.sample_share == pytest.approx(young.respondents / 2000)
    assert young.weighted_share == pytest.approx(0.3, abs=1e-6)
    assert len(result.fit) == 6


def test_design_effect_and_effective_sample_size_follow_kish():
    weights = np.array([1.0, 1.0, 2.0, 4.0])
    assert design_effect(weights) == pytest.approx(4 * 22 / 64)
    assert effective_sample_size(weights) == pytest.approx(64 / 22)
    result = rake(sample_frame(), MARGINS)
    assert result.design_effect == pytest.approx(design_effect(result.weights))
    assert result.effective_sample_size == pytest.approx(2000 / result.design_effect)
    assert result.design_effect > 1


def test_trimming_caps_weights_and_keeps_the_margins():
    frame = sample_frame()
    plain = rake(frame, MARGINS)
    assert plain.weights.max() > 3
    trimmed = rake(frame, MARGINS, cap=3)
    assert trimmed.converged, trimmed.problems
    assert trimmed.weights.max() <= 3 * trimmed.weights.mean() * (1 + 1e-12)
    assert trimmed.trimmed == int((trimmed.weights >= 3 - 1e-9).sum()) > 0
    assert trimmed.max_margin_error <= 1e-6
    assert trimmed.design_effect < plain.design_effect


def test_a_cap_that_is_not_reached_changes_nothing():
    frame = sample_frame()
    plain, capped = rake(frame, MARGINS), rake(frame, MARGINS, cap=50)
    assert capped.trimmed == 0 and capped.iterations == plain.iterations
    pd.testing.assert_series_equal(plain.weights, capped.weights)


def test_margins_as_margin_objects_with_labels():
    frame = sample_frame()
    margins = [
        Margin("age", MARGINS["age"], label="Age band", category_labels={"young": "16–29"}),
        Margin("loans", MARGINS["loans"]),
    ]
    assert rake(frame, margins).converged
    margins[0] = Margin(
        "age", {"middle": 1, "old": 1}, label="Age band", category_labels={"young": "16–29"}
    )
    problem = rake(frame, margins).problems[0]
    assert problem.code == w.CATEGORY_NOT_IN_MARGIN
    assert "in “16–29” of “Age band”, a category the margin does not have" in problem.message


# -- properties -------------------------------------------------------------------------------


@st.composite
def raking_inputs(draw):
    sizes = draw(st.lists(st.integers(2, 5), min_size=1, max_size=3))
    n = draw(st.integers(sum(sizes) + 1, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    columns = {}
    margins = {}
    for d, size in enumerate(sizes):
        categories = [f"c{i}" for i in range(size)]
        # every category gets respondents; the rest fall unevenly
        values = categories + list(rng.choice(categories, n - size, p=rng.dirichlet([1] * size)))
        rng.shuffle(values)
        columns[f"d{d}"] = values
        margins[f"d{d}"] = {c: draw(st.integers(1, 10_000)) for c in categories}
    total = sum(margins["d0"].values())
    for name, population in list(margins.items())[1:]:  # consistent totals
        scale = total / sum(population.values())
        margins[name] = {c: v * scale for c, v in population.items()}
    return pd.DataFrame(columns), margins


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(raking_inputs())
def test_converged_weights_reproduce_every_margin(inputs):
    frame, margins = inputs
    result = rake(frame, margins, tolerance=1e-8, max_iterations=2000)
    assert not result.blocking or [p.code for p in result.blocking] == [w.NOT_CONVERGED]
    assert result.design_effect >= 1 - 1e-12
    if result.converged:
        assert (result.weights > 0).all()
        for dimension, population in margins.items():
            total = sum(population.values())
            got = shares(frame, result.weights, dimension)
            for category, count in population.items():
                assert abs(got[category] - count / total) <= 1e-8 + 1e-12
    else:
        assert result.max_margin_error > 1e-8
        assert result.problems[-1].code == w.NOT_CONVERGED


@PROPERTY
@given(raking_inputs(), st.floats(1.05, 10))
def test_trimming_never_lets_a_weight_exceed_the_cap(inputs, cap):
    frame, margins = inputs
    result = rake(frame, margins, cap=cap, tolerance=1e-8, max_iterations=500)
    assert result.weights is not None
    assert result.weights.max() <= cap * result.weights.mean() * (1 + 1e-9)
    assert result.design_effect >= 1 - 1e-12
    if result.converged:
        assert (result.weights > 0).all()
        assert result.max_margin_error <= 1e-8
    else:
        assert {p.code for p in result.problems} & {w.NOT_CONVERGED, w.CAP_PREVENTS_FIT}


# -- bad input: a clear problem, never a crash --------------------------------------------------


def codes(result):
    return [problem.code for problem in result.problems]


def assert_refused(result, code):
    assert result.weights is None and not result.converged
    assert code in codes(result)
    problem = next(p for p in result.problems if p.code == code)
    assert problem.blocking and problem.message
    return problem


def test_category_in_the_answers_but_not_in_the_margin():
    frame = sample_frame()
    margins = {**MARGINS, "age": {"middle": 4000, "old": 3000}}
    problem = assert_refused(rake(frame, margins), w.CATEGORY_NOT_IN_MARGIN)
    assert (problem.dimension, problem.category) == ("age", "young")
    count = int((frame.age == "young").sum())
    assert f"{count} respondents are in “young” of “age”" in problem.message
    assert "collapse" in problem.message


def test_category_with_respondents_but_zero_population():
    problem = assert_refused(
        rake(sample_frame(), {**MARGINS, "loans": {"none": 5000, "few": 5000, "many": 0}}),
        w.ZERO_POPULATION,
    )
    assert (problem.dimension, problem.category) == ("loans", "many")
    assert "population of 0" in problem.message and "collapse “many”" in problem.message


def test_category_with_population_but_no_respondents():
    margins = {**MARGINS, "loans": {**MARGINS["loans"], "dozens": 500}}
    problem = assert_refused(rake(sample_frame(), margins), w.NO_RESPONDENTS)
    assert (problem.dimension, problem.category) == ("loans", "dozens")
    assert "No respondent is in “dozens” of “loans”, whose population is 500" in problem.message


def test_totals_that_differ_are_rescaled_and_reported():
    frame = sample_frame()
    margins = {**MARGINS, "loans": {k: v * 2 for k, v in MARGINS["loans"].items()}}
    result = rake(frame, margins)
    assert result.converged and codes(result) == [w.TOTALS_DIFFER]
    (note,) = result.problems
    assert not note.blocking and note.dimension == "loans"
    assert "“loans” adds up to 20,000 and “age” to 10,000 (100.0% apart)" in note.message
    assert result.population_total == 10000
    got = shares(frame, result.weights, "loans")
    assert got["none"] == pytest.approx(0.5, abs=1e-6)


def test_totals_within_half_a_percent_are_not_reported():
    margins = {**MARGINS, "loans": {**MARGINS["loans"], "none": 5040}}  # 0.4 %
    assert codes(rake(sample_frame(), margins)) == []


def test_a_raking_that_cannot_converge_says_where_and_gives_no_usable_weights():
    # Age and loans coincide in the sample (young ⇔ many) but not in the margins: no
    # weights can give 50 % young and 20 % many at once.
    frame = respondents({("young", "many"): 30, ("old", "none"): 70}, ["age", "loans"])
    margins = {"age": {"young": 50, "old": 50}, "loans": {"many": 20, "none": 80}}
    result = rake(frame, margins, max_iterations=50)
    assert not result.converged and result.iterations == 50
    assert result.max_margin_error > 0.1
    (problem,) = result.problems
    assert problem.code == w.NOT_CONVERGED and problem.blocking
    assert "did not converge in 50 rounds" in problem.message
    assert "No weights are used" in problem.message


def test_a_cap_below_what_a_category_needs_is_explained():
    frame = sample_frame()
    young = (frame.age == "young").mean()
    result = rake(frame, MARGINS, cap=2)  # "young" needs 0.3 / ~0.1 ≈ 3 × the mean
    assert not result.converged
    (problem,) = result.problems
    assert (problem.code, problem.category) == (w.CAP_PREVENTS_FIT, "young")
    assert f"needs an average weight of {0.3 / young:.1f}" in problem.message
    assert result.weights.max() <= 2 * (1 + 1e-12)


@pytest.mark.parametrize("cap", [1, 0.5, 0, -3, math.nan, math.inf])
def test_an_impossible_cap_is_refused(cap):
    assert_refused(rake(sample_frame(), MARGINS, cap=cap), w.INVALID_CAP)


def test_respondents_without_an_answer_for_a_dimension():
    frame = sample_frame()
    frame.loc[frame.index[:3], "age"] = None
    problem = assert_refused(rake(frame, MARGINS), w.MISSING_ANSWERS)
    assert problem.message.startswith("3 respondents have no answer for “age”")


@pytest.mark.parametrize(
    ("frame", "margins", "code"),
    [
        (pd.DataFrame({"age": []}), MARGINS, w.EMPTY_FRAME),
        (sample_frame(), {}, w.NO_MARGINS),
        (sample_frame(), {**MARGINS, "district": {"a": 1}}, w.MISSING_COLUMN),
        (sample_frame(), {**MARGINS, "age": {}}, w.EMPTY_MARGIN),
        (
            sample_frame(),
            {**MARGINS, "age": {"young": 0, "middle": 0, "old": 0}},
            w.ZERO_POPULATION,
        ),
        (sample_frame(), {**MARGINS, "age": {**MARGINS["age"], "old": -1}}, w.INVALID_COUNT),
        (sample_frame(), {**MARGINS, "age": {**MARGINS["age"], "old": "many"}}, w.INVALID_COUNT),
        (sample_frame(), {**MARGINS, "age": {**MARGINS["age"], "old": math.nan}}, w.INVALID_COUNT),
        (sample_frame(), [Margin("age", MARGINS["age"])] * 2, w.DUPLICATE_DIMENSION),
    ],
)
def test_empty_and_malformed_inputs(frame, margins, code):
    assert_refused(rake(frame, margins), code)


def test_every_problem_is_reported_at_once():
    frame = sample_frame()
    frame.loc[frame.index[0], "loans"] = "lots"
    margins = {
        "age": {"middle": 4000, "old": 3000, "ancient": 1},
        "loans": {k: v * 3 for k, v in MARGINS["loans"].items()},
    }
    result = rake(frame, margins)
    assert [(p.code, p.dimension, p.category) for p in result.problems] == [
        (w.CATEGORY_NOT_IN_MARGIN, "age", "young"),
        (w.NO_RESPONDENTS, "age", "ancient"),
        (w.CATEGORY_NOT_IN_MARGIN, "loans", "lots"),
        (w.TOTALS_DIFFER, "loans", None),
    ]


def test_many_dimensions_are_combined_without_overflow():
    # 22 dimensions of 8 categories: 8**22 = 2**66 combinations, more than an int64 holds.
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({f"d{i}": rng.choice(list("abcdefgh"), 400) for i in range(22)})
    # every category has respondents
    frame.iloc[:8] = np.tile(np.array(list("abcdefgh"), dtype=object)[:, None], (1, 22))
    margins = {c: frame[c].value_counts().to_dict() for c in frame.columns}
    result = rake(frame, margins)  # the sample's own shares: nothing to correct
    assert result.converged and result.iterations == 1
    np.testing.assert_allclose(result.weights, 1.0)


def test_programming_errors_raise():
    with pytest.raises(ValueError):
        rake(sample_frame(), MARGINS, max_iterations=0)
    with pytest.raises(ValueError):
        rake(sample_frame(), MARGINS, tolerance=0)
