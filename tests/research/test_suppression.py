"""Small-cell suppression: the examples from the spec, and the attacker's view as properties.

The central property: from everything a table publishes (visible cells, row and column totals,
grand total) no hidden count in 1..k-1 can be worked out. An attacker knows the published
numbers, that all counts are non-negative integers and that every line adds up; hidden margins
are unknowns too. A hidden count is determined exactly when the smallest and largest values
consistent with all that coincide. Since the true table is one consistent assignment, that is
the same as: no *other* consistent assignment gives the cell a different value. The test looks
for such a witness with a small constraint solver (bounds propagation plus search), so a pass
is a proof for the generated table, independent of how the module reasons.
"""

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from research.findings.suppression import (
    DEFAULT_K,
    Cell,
    SuppressedTable,
    check_k,
    rule_text,
    suppress_counts,
    suppress_table,
)

# -- check_k and rule_text --------------------------------------------------------------------


def test_k_defaults_to_5_and_may_be_3_but_not_lower():
    assert DEFAULT_K == 5
    assert check_k(3) == 3
    assert check_k(np.int64(7)) == 7
    for too_small in (2, 1, 0, -5):
        with pytest.raises(ValueError, match="at least 3"):
            check_k(too_small)
    with pytest.raises(ValueError):
        suppress_counts({"a": 1}, k=2)
    with pytest.raises(ValueError):
        suppress_table(pd.DataFrame([[1, 2], [3, 4]]), k=2)


def test_k_must_be_an_integer():
    for not_int in (5.0, "5", True):
        with pytest.raises(TypeError):
            check_k(not_int)  # type: ignore[arg-type]


def test_rule_text_names_k_in_both_languages():
    assert rule_text(5) == "Celler med færre enn 5 svar er skjult."
    assert rule_text(5, "en") == "Cells with fewer than 5 answers are hidden."
    assert "færre enn 7 svar" in rule_text(7, "nb")
    assert "fewer than 3 answers" in rule_text(3, "en")
    with pytest.raises(ValueError):
        rule_text(5, "sv")
    with pytest.raises(ValueError):
        rule_text(2)


# -- 1-D examples -----------------------------------------------------------------------------


def test_single_small_cell_takes_the_smallest_other_non_zero_cell_with_it():
    result = suppress_counts({"a": 12, "b": 3, "c": 0, "d": 7}, k=5)

    assert result.cells["b"] == Cell(count=None, pct=None, suppressed=True, label="< 5")
    # b is the only small cell and the total (22) is published: 22 - 12 - 0 - 7 would be b.
    # d is the smallest non-zero visible cell, so it goes too.
    assert result.cells["d"].suppressed
    assert result.cells["d"].label == "< 5"
    assert result.cells["c"] == Cell(count=0, pct=0.0, suppressed=False, label="0")
    assert result.cells["a"].count == 12
    assert result.cells["a"].pct == pytest.approx(100 * 12 / 22)
    assert result.total == Cell(count=22, pct=None, suppressed=False, label="22")


def test_percentages_need_a_base_of_at_least_10():
    below = suppress_counts({"a": 6, "b": 0})
    assert below.cells["a"].count == 6
    assert below.cells["a"].pct is None
    assert below.cells["b"].pct is None

    at = suppress_counts({"a": 10, "b": 0})
    assert at.cells["a"].pct == pytest.approx(100.0)
    assert at.cells["b"].pct == 0.0


def test_k_3_hides_only_ones_and_twos():
    result = suppress_counts(pd.Series({"a": 3, "b": 2, "c": 9}), k=3)
    assert result.cells["b"].label == "< 3"
    assert result.cells["a"].suppressed  # the partner: smallest other non-zero
    assert not result.cells["c"].suppressed
    assert result.cells["c"].count == 9


def test_two_small_cells_protect_each_other():
    result = suppress_counts({"a": 20, "b": 1, "c": 4})
    assert [cell.suppressed for cell in result.cells.values()] == [False, True, True]


def test_small_total_is_hidden_with_everything_else():
    result = suppress_counts({"a": 3, "b": 0, "c": 1})
    assert result.total.suppressed
    assert result.total.label == "< 5"
    assert result.cells["b"].count == 0


def test_explicit_total_is_the_base_and_hidden_when_nothing_else_can_go():
    # The only cell is small and there is nothing to hide with it: the total must go instead.
    only = suppress_counts({"a": 3}, total=20)
    assert only.cells["a"].suppressed
    assert only.total.suppressed

    respondents = suppress_counts({"yes": 8, "no": 6}, total=20)
    assert respondents.cells["yes"].pct == pytest.approx(40.0)
    assert respondents.total.count == 20
    with pytest.raises(ValueError, match="smaller than a count"):
        suppress_counts({"a": 30}, total=20)


@pytest.mark.parametrize("bad", [{"a": -1}, {"a": 1.5}, {"a": float("nan")}, {"a": True}])
def test_counts_must_be_non_negative_integers(bad):
    with pytest.raises(ValueError):
        suppress_counts(bad)


def test_series_display_is_strings_with_a_total_row():
    result = suppress_counts({"a": 12, "b": 3, "c": 0, "d": 7})
    shown = result.display()
    assert shown.to_dict("index") == {
        "a": {"count": "12", "pct": "54,5\u00a0%"},
        "b": {"count": "< 5", "pct": ""},
        "c": {"count": "0", "pct": "0,0\u00a0%"},
        "d": {"count": "< 5", "pct": ""},
        "Totalt": {"count": "22", "pct": ""},
    }
    assert result.display("en").loc["a", "pct"] == "54.5%"
    assert list(result.display("en").index)[-1] == "Total"


# -- 2-D examples -----------------------------------------------------------------------------


def frame(rows: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        index=[f"r{i}" for i in range(len(rows))],
        columns=[f"c{j}" for j in range(len(rows[0]))],
    )


def hidden_set(result: SuppressedTable) -> set[tuple[str, str]]:
    mask = result.hidden
    return {(r, c) for r in mask.index for c in mask.columns if mask.loc[r, c]}


def test_one_small_cell_gets_a_partner_in_its_row_and_in_its_column():
    table = frame([[2, 10, 20], [12, 30, 40], [15, 35, 50]])
    result = suppress_table(table)

    hidden = result.hidden
    assert hidden.loc["r0", "c0"]
    assert hidden.loc["r0"].sum() >= 2
    assert hidden["c0"].sum() >= 2
    # Smallest partners: 10 in the row, 12 in the column; then 30 closes the rectangle
    # (its column already has a hidden cell), so no further round is needed.
    assert hidden_set(result) == {("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1")}
    assert not any(cell.suppressed for cell in result.row_totals.values())
    assert not any(cell.suppressed for cell in result.column_totals.values())
    assert result.grand_total == Cell(count=214, pct=None, suppressed=False, label="214")
    assert result.values.loc["r2", "c2"] == 50
    assert pd.isna(result.values.loc["r0", "c0"])


def test_margins_under_k_are_hidden_and_protected_in_the_margin_vector():
    table = frame([[1, 2, 0], [10, 20, 30], [12, 25, 40]])
    result = suppress_table(table)

    assert result.row_totals["r0"].suppressed  # 3 answers in the whole row
    assert result.row_totals["r0"].label == "< 5"
    # Otherwise r0's total would be the grand total minus the other row totals.
    assert result.row_totals["r1"].suppressed
    assert not result.row_totals["r2"].suppressed
    assert hidden_set(result) == {("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1")}
    assert result.values.loc["r0", "c2"] == 0  # a zero stays visible
    assert result.grand_total.count == 140


# Two blocks of small cells joined by one small cell (r1, c2). Every line holds two or more
# small cells, yet the published sums of rows r0+r1 minus those of columns c0+c1 (less the
# visible cells) is exactly the bridge cell.
BRIDGE = [[2, 3, 20, 30], [4, 1, 2, 40], [25, 30, 3, 4], [35, 40, 1, 2]]


def test_two_hidden_cells_per_line_is_not_enough_for_a_bridge_cell():
    table = frame(BRIDGE)
    result = suppress_table(table)

    primary = {(r, c) for r in table.index for c in table.columns if 1 <= table.loc[r, c] < 5}
    assert hidden_set(result) > primary
    assert result.hidden.loc["r0", "c2"]  # the cheapest cell that links the two blocks
    assert_no_hidden_count_determined(table, result, k=5)


def test_percentages_in_tables_need_a_visible_base_of_at_least_10():
    table = frame([[2, 10, 20], [12, 30, 40], [0, 8, 0]])
    result = suppress_table(table)

    assert np.isnan(result.row_pct.loc["r0", "c0"])  # hidden cell
    assert np.isnan(result.col_pct.loc["r0", "c0"])
    assert result.row_pct.loc["r0", "c2"] == pytest.approx(100 * 20 / 32)
    assert result.col_pct.loc["r0", "c2"] == pytest.approx(100 * 20 / 60)
    assert result.row_totals["r2"].count == 8  # published, but a base below 10
    assert result.row_pct.loc["r2"].isna().all()
    assert result.col_pct.loc["r2", "c1"] == pytest.approx(100 * 8 / 48)
    assert result.row_totals["r0"].pct == pytest.approx(100 * 32 / 122)
    assert result.grand_total.pct is None


def test_table_display_is_strings_with_totals():
    table = frame([[2, 10, 20], [12, 30, 40], [15, 35, 50]])
    shown = suppress_table(table).display()
    assert list(shown.columns) == ["c0", "c1", "c2", "Totalt"]
    assert list(shown.index) == ["r0", "r1", "r2", "Totalt"]
    assert shown.loc["r0"].tolist() == ["< 5", "< 5", "20", "32"]
    assert shown.loc["Totalt"].tolist() == ["29", "75", "110", "214"]
    assert suppress_table(table).display("en").loc["Total", "Total"] == "214"


def test_all_zero_table_publishes_zeros():
    result = suppress_table(frame([[0, 0], [0, 0]]))
    assert not result.hidden.to_numpy().any()
    assert result.grand_total.label == "0"


# -- the attacker's view ----------------------------------------------------------------------


def published_extended(result: SuppressedTable) -> np.ndarray:
    """The extended table (margins as last row/column) as published: None where hidden."""
    rows: list[list[int | None]] = []
    for r in result.values.index:
        row = [None if pd.isna(v) else int(v) for v in result.values.loc[r]]
        rows.append([*row, result.row_totals[r].count])
    rows.append([*(c.count for c in result.column_totals.values()), result.grand_total.count])
    return np.array(rows, dtype=object)


def true_extended(table: pd.DataFrame) -> np.ndarray:
    body = table.to_numpy().astype(int)
    ext = np.zeros((body.shape[0] + 1, body.shape[1] + 1), dtype=int)
    ext[:-1, :-1] = body
    ext[:-1, -1] = body.sum(axis=1)
    ext[-1, :-1] = body.sum(axis=0)
    ext[-1, -1] = body.sum()
    return ext


Equation = tuple[list[tuple[tuple[int, int], int]], int]  # sum(coef * x[pos]) == const


def line_equations(published: np.ndarray) -> list[Equation]:
    """Each line of the extended table: the body entries minus the total entry equal 0."""
    n_rows, n_cols = published.shape
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    equations = []
    for line in lines:
        terms, const = [], 0
        for index, pos in enumerate(line):
            coef = -1 if index == len(line) - 1 else 1
            if published[pos] is None:
                terms.append((pos, coef))
            else:
                const -= coef * published[pos]
        equations.append((terms, const))
    return equations


def feasible(equations: list[Equation], lo: dict, hi: dict) -> bool:
    """Is there an integer assignment within [lo, hi] satisfying every equation?"""
    lo, hi = dict(lo), dict(hi)
    changed = True
    while changed:  # bounds propagation to a fixed point
        changed = False
        for terms, const in equations:
            if not terms:
                if const != 0:
                    return False
                continue
            for var, coef in terms:
                others = [(v, c) for v, c in terms if v != var]
                rest_min = sum(lo[v] if c > 0 else -hi[v] for v, c in others)
                rest_max = sum(hi[v] if c > 0 else -lo[v] for v, c in others)
                low, high = const - rest_max, const - rest_min  # bounds on coef * x[var]
                if coef < 0:
                    low, high = -high, -low
                if low > lo[var]:
                    lo[var], changed = low, True
                if high < hi[var]:
                    hi[var], changed = high, True
                if lo[var] > hi[var]:
                    return False
    free = [v for v in lo if lo[v] < hi[v]]
    if not free:
        return True  # every equation's bounds collapsed onto its fixed values
    var = min(free, key=lambda v: hi[v] - lo[v])
    return any(
        feasible(equations, {**lo, var: value}, {**hi, var: value})
        for value in range(lo[var], hi[var] + 1)
    )


def can_differ(equations: list[Equation], truth: dict, pos: tuple[int, int]) -> bool:
    """Is there a consistent assignment in which ``pos`` is not its true value?

    The search box is each true value +-1 (and >= 0). That is enough: the published equations
    are those of a table with margins, where any consistent change decomposes into cycles of
    +1/-1 steps, so a count that can change at all can change by one with every other hidden
    count moving by at most one. (Restricting the box can only make this test stricter.)
    """
    lo = {v: max(0, t - 1) for v, t in truth.items()}
    hi = {v: t + 1 for v, t in truth.items()}
    down = truth[pos] > 0 and feasible(equations, lo, {**hi, pos: truth[pos] - 1})
    return down or feasible(equations, {**lo, pos: truth[pos] + 1}, hi)


def assert_no_hidden_count_determined(table: pd.DataFrame, result: SuppressedTable, k: int):
    published = published_extended(result)
    truth_ext = true_extended(table)
    hidden = hidden_positions(published)
    truth = {pos: int(truth_ext[pos]) for pos in hidden}
    equations = line_equations(published)
    assert feasible(equations, truth, truth)  # sanity: the truth is consistent
    for pos in hidden:
        if 1 <= truth[pos] < k:
            assert can_differ(equations, truth, pos), f"hidden {pos}={truth[pos]} is determined"


def hidden_positions(published: np.ndarray) -> list[tuple[int, int]]:
    return [(int(i), int(j)) for (i, j), value in np.ndenumerate(published) if value is None]


def published_numbers(result: SuppressedTable) -> Iterator[int]:
    yield from (int(v) for v in result.values.stack().dropna())
    for cell in [*result.row_totals.values(), *result.column_totals.values()]:
        if cell.count is not None:
            yield cell.count
    if result.grand_total.count is not None:
        yield result.grand_total.count


count = st.one_of(st.integers(0, 6), st.integers(0, 6), st.integers(0, 60))


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    n_rows, n_cols = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    row = st.lists(count, min_size=n_cols, max_size=n_cols)
    return frame(draw(st.lists(row, min_size=n_rows, max_size=n_rows)))


@settings(max_examples=150, deadline=None)
@given(table=tables(), k=st.sampled_from([3, 5]))
@example(table=frame(BRIDGE), k=5)  # random tables rarely need more than the line rule
def test_no_hidden_small_count_can_be_worked_out_from_a_table(table, k):
    assert_no_hidden_count_determined(table, suppress_table(table, k=k), k)


@settings(max_examples=150, deadline=None)
@given(table=tables(), k=st.sampled_from([3, 5]))
def test_table_publishes_only_true_numbers_outside_1_to_k_minus_1(table, k):
    result = suppress_table(table, k=k)

    assert all(not 1 <= n < k for n in published_numbers(result))
    truth = true_extended(table)
    published = published_extended(result)
    hidden = hidden_positions(published)
    for pos, value in np.ndenumerate(published):
        if value is not None:
            assert value == truth[pos]
    assert {pos for pos, v in np.ndenumerate(truth) if 1 <= v < k} <= set(hidden)
    shown = result.display()  # same layout as the extended table
    for pos in hidden:
        assert shown.iloc[pos] == f"< {k}"
    for cell in [*result.row_totals.values(), *result.column_totals.values()]:
        assert cell.suppressed == (cell.count is None)
        assert cell.label == (f"< {k}" if cell.suppressed else str(cell.count))
    assert result.hidden.shape == table.shape


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(count, min_size=1, max_size=8),
    k=st.sampled_from([3, 5]),
)
def test_series_hides_small_counts_beyond_recovery(values, k):
    counts = {f"c{i}": v for i, v in enumerate(values)}
    result = suppress_counts(counts, k=k)

    published = [cell.count for cell in result.cells.values() if cell.count is not None]
    if result.total.count is not None:
        published.append(result.total.count)
    assert all(not 1 <= n < k for n in published)
    for label, cell in result.cells.items():
        if cell.suppressed:
            assert cell.label == f"< {k}"
            assert cell.pct is None
        else:
            assert cell.count == counts[label]
            assert cell.label == str(counts[label])
            assert (cell.pct is not None) == (sum(values) >= 10)

    if result.total.suppressed:
        return  # nothing to subtract from: every hidden count is unbounded
    assert result.total.count == sum(values)
    hidden = [label for label, cell in result.cells.items() if cell.suppressed]
    rest = result.total.count - sum(published[:-1])  # what the hidden cells add up to
    for label in hidden:
        if 1 <= counts[label] < k:
            lowest = rest if len(hidden) == 1 else 0  # the others may hold all of `rest`
            assert lowest != rest, f"{label}={counts[label]} is total minus the visible cells"
