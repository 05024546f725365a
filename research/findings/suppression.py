"""Small-cell suppression: the one gate every published number passes.

Every count, percentage, chart bar, cross-tab cell and segment breakdown that leaves Innsikt
goes through this module, so that no individual can be singled out. Pure pandas/numpy and no
models; its few words and percentages for readers come from gettext and cms/formatting.py,
so they need Django's settings (the languages and catalogues).

Rules
-----
* ``k`` is 5 by default, configurable per library, never below 3 (``check_k`` raises
  ``ValueError``).
* Primary suppression: a count in ``1 .. k-1`` is hidden and shown as ``"< k"``. A count of 0 is
  *not* sensitive and stays 0: a zero reveals no individual (there is nobody to single out), and
  hiding zeros would blank out most small tables for no gain.
* Percentages are published only where the base is published and ``n >= 10``, and never for a
  hidden cell (a percentage of a hidden cell is the hidden cell).
* Secondary (complementary) suppression, so that no hidden count can be worked out from the
  published totals:

  - 1-D (``suppress_counts``): if the total is published and exactly one cell is hidden, the
    total minus the visible cells would *be* that cell, so the smallest visible non-zero cell is
    hidden too. With two or more hidden cells each one can lie anywhere between 0 and their
    (published) sum. If there is no other non-zero cell, a zero cell is hidden instead (the
    hidden cell may then have moved into it); if there is no other cell at all, the total is
    hidden.
  - 2-D (``suppress_table``): the table is extended by its margins - row totals as an extra
    column, column totals as an extra row, the grand total in the corner. Every line of that
    extended table (each row with its total, each column with its total, the row-total vector
    with the grand total, the column-total vector with the grand total) is one published
    equation "last entry = sum of the others". Margins and the grand total are suppressed like
    any other entry (primary when in ``1 .. k-1``), so a hidden margin is simply a hidden entry
    of both its own line and the margin vector. Then:

    1. Line rule, repeated until stable: a line with exactly one hidden entry gets a second
       one. The choice prefers non-zero entries (a hidden zero can only absorb, never give up,
       the uncertainty), then an entry whose crossing line already holds a hidden entry (so the
       new entry does not set off a new round), then the smallest count, then position.
    2. Exact check: "two per line" is the textbook heuristic but not enough (hidden cells can
       still pin each other down). A hidden count is undetermined by the published numbers
       exactly when it lies on an alternating cycle of hidden entries along which values can be
       shifted by +1/-1 without any of them going below zero (see ``_on_cycle``). Every hidden
       entry with a count in ``1 .. k-1`` must lie on such a cycle; if one does not, the
       smallest entry that closes a cycle through it is hidden, and we go back to step 1.
       Hiding everything always protects (all values can be doubled), so this terminates.

Hidden secondary cells are labelled ``"< k"`` like primary ones, so a reader cannot tell which
hidden cells are the small ones.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.utils.translation import gettext, ngettext

from cms.formatting import per_language, percent_text

DEFAULT_K = 5
MIN_K = 3
#: Percentages of a smaller base swing by 10+ points per person and invite over-reading.
MIN_PCT_BASE = 10

Counts = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Position = tuple[int, int]


@dataclass(frozen=True)
class Cell:
    """One published number: ``count`` is None exactly when ``suppressed``.

    ``pct`` is None unless it may be published; ``label`` is the text to show ("12" or "< 5").
    """

    count: int | None
    pct: float | None
    suppressed: bool
    label: str


@dataclass(frozen=True)
class SuppressedSeries:
    """A 1-D distribution after suppression: one ``Cell`` per category plus the total.

    ``Cell.pct`` of a category is its share of the total (None when hidden or base < 10);
    the total's ``pct`` is always None.
    """

    k: int
    cells: Mapping[Hashable, Cell]
    total: Cell

    def display(self, language: str = "nb") -> pd.DataFrame:
        """Strings ready for output: columns ``count`` and ``pct`` ("" where not published),
        one row per category and a last row for the total."""
        total = total_label(language)
        rows = [*self.cells.values(), self.total]
        return pd.DataFrame(
            {
                "count": [cell.label for cell in rows],
                "pct": [percent_text(cell.pct, language, 1) for cell in rows],
            },
            index=pd.Index([*self.cells.keys(), total], dtype=object),
        )


@dataclass(frozen=True)
class SuppressedTable:
    """A 2-D cross-tab after suppression.

    ``values`` holds the published counts (nullable ``Int64``, ``<NA>`` where hidden) and
    ``hidden`` the mask. ``row_pct`` / ``col_pct`` are percentages of the row / column total,
    NaN unless the cell is visible and its base is published and at least 10. Margins are
    ``Cell``s whose ``pct`` is the share of the grand total (same conditions).
    """

    k: int
    values: pd.DataFrame
    hidden: pd.DataFrame
    row_pct: pd.DataFrame
    col_pct: pd.DataFrame
    row_totals: Mapping[Hashable, Cell]
    column_totals: Mapping[Hashable, Cell]
    grand_total: Cell

    def display(self, language: str = "nb") -> pd.DataFrame:
        """Counts as strings ready for output, with a total column and a total row."""
        total = total_label(language)
        label = hidden_label(self.k)
        body = [
            [label if gone else str(int(value)) for value, gone in zip(values, mask, strict=True)]
            for values, mask in zip(
                self.values.itertuples(index=False),
                self.hidden.itertuples(index=False),
                strict=True,
            )
        ]
        rows = [
            [*cells, margin.label]
            for cells, margin in zip(body, self.row_totals.values(), strict=True)
        ]
        rows.append([*(c.label for c in self.column_totals.values()), self.grand_total.label])
        return pd.DataFrame(
            rows,
            index=pd.Index([*self.values.index, total], dtype=object),
            columns=pd.Index([*self.values.columns, total], dtype=object),
        )


def check_k(k: int) -> int:
    """Return ``k`` as an int. Raises ``ValueError`` below 3, ``TypeError`` if not an integer."""
    if isinstance(k, bool):
        raise TypeError("k must be an integer")
    value = operator.index(k)  # rejects floats, strings
    if value < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}, got {value}")
    return value


def rows_may_leave(n: int, k: int, *, filtered: bool) -> bool:
    """May the ``n`` responses a filter selects leave as rows (a row-level export) or be
    explored? Not when a filter narrows them below ``k``: the rows of so few people — a
    segment of one member, one morning at a small event — could point out who they are,
    and no cell suppression applies to rows. The whole survey, unfiltered, may (its size
    is no choice of the researcher's)."""
    return not filtered or n >= check_k(k)


def hidden_label(k: int) -> str:
    """The text shown instead of a hidden count."""
    return f"< {k}"


def rule_text(k: int, language: str = "nb") -> str:
    """The sentence explaining suppression to readers, e.g. "Celler med færre enn 5 svar er
    skjult.", from the message catalogues. Languages: those of ``settings.LANGUAGES``;
    others raise ``ValueError``."""
    return _rule_text(language, check_k(k))


@per_language
def total_label(language: str) -> str:
    """The heading of a total row or column: "Totalt" (nb), "Total" (en)."""
    return gettext("Total")


def suppress_counts(
    counts: Mapping[str, int] | pd.Series,
    *,
    k: int = DEFAULT_K,
    total: int | None = None,
) -> SuppressedSeries:
    """Suppress a 1-D distribution (e.g. answers to a single-choice question).

    ``total`` is the published base (default: the sum of ``counts``; pass the number of
    respondents when they differ) and must be at least every count. It is treated as if it were
    the sum, which is the cautious reading. Percentages are of ``total``. Counts must be
    non-negative integers (``ValueError`` otherwise). Order of categories is kept.
    """
    k = check_k(k)
    if isinstance(counts, pd.Series):
        labels: list[Hashable] = list(counts.index)
        values = _as_counts(counts.to_numpy())
    else:
        labels = list(counts.keys())
        values = _as_counts(list(counts.values()))
    n = int(values.sum()) if total is None else int(_as_counts([total])[0])
    if values.size and n < int(values.max()):
        raise ValueError(f"total ({n}) is smaller than a count ({int(values.max())})")

    hidden = _sensitive(values, k)
    total_hidden = _is_sensitive(n, k)
    if not total_hidden and int(hidden.sum()) == 1:
        # total - visible cells would equal the single hidden cell.
        visible = [i for i in range(values.size) if not hidden[i]]
        if visible:
            partner = min(visible, key=lambda i: (values[i] == 0, values[i], i))
            hidden[partner] = True
        else:
            total_hidden = True

    with_pct = not total_hidden and n >= MIN_PCT_BASE
    cells = {
        label: _cell(
            int(value), bool(gone), k, 100.0 * int(value) / n if with_pct and not gone else None
        )
        for label, value, gone in zip(labels, values, hidden, strict=True)
    }
    return SuppressedSeries(k=k, cells=cells, total=_cell(n, total_hidden, k, None))


def suppress_table(table: pd.DataFrame, *, k: int = DEFAULT_K) -> SuppressedTable:
    """Suppress a 2-D cross-tab of counts that is published with its margins.

    Row totals, column totals and the grand total are the sums of ``table`` and are suppressed
    with it. Guarantee: no hidden count (cell, margin or grand total) in ``1 .. k-1`` can be
    worked out from the published numbers, even exactly by linear algebra and non-negativity;
    no published number is in ``1 .. k-1``. Counts must be non-negative integers.
    """
    k = check_k(k)
    body = _as_counts(table.to_numpy()).reshape(table.shape)
    ext = _extended(body)
    hidden = _suppress_extended(ext, k)

    n_rows, n_cols = body.shape
    cells_hidden = hidden[:n_rows, :n_cols]
    row_tot, col_tot, grand = ext[:n_rows, n_cols], ext[n_rows, :n_cols], int(ext[-1, -1])
    row_base_ok = ~hidden[:n_rows, n_cols] & (row_tot >= MIN_PCT_BASE)
    col_base_ok = ~hidden[n_rows, :n_cols] & (col_tot >= MIN_PCT_BASE)
    grand_ok = not hidden[-1, -1] and grand >= MIN_PCT_BASE

    def frame(data: npt.NDArray[Any]) -> pd.DataFrame:
        return pd.DataFrame(data, index=table.index, columns=table.columns)

    with np.errstate(divide="ignore", invalid="ignore"):
        row_pct = np.where(
            ~cells_hidden & row_base_ok[:, None], 100.0 * body / row_tot[:, None], np.nan
        )
        col_pct = np.where(
            ~cells_hidden & col_base_ok[None, :], 100.0 * body / col_tot[None, :], np.nan
        )

    def margin(value: int, gone: bool) -> Cell:
        return _cell(value, gone, k, 100.0 * value / grand if grand_ok and not gone else None)

    hidden_frame = frame(cells_hidden)
    return SuppressedTable(
        k=k,
        values=frame(body).astype("Int64").mask(hidden_frame),
        hidden=hidden_frame,
        row_pct=frame(row_pct),
        col_pct=frame(col_pct),
        row_totals={
            label: margin(int(v), bool(h))
            for label, v, h in zip(table.index, row_tot, hidden[:n_rows, n_cols], strict=True)
        },
        column_totals={
            label: margin(int(v), bool(h))
            for label, v, h in zip(table.columns, col_tot, hidden[n_rows, :n_cols], strict=True)
        },
        grand_total=_cell(grand, bool(hidden[-1, -1]), k, None),
    )


# -- helpers ---------------------------------------------------------------------------------


@per_language
def _rule_text(language: str, k: int) -> str:
    return ngettext(
        "Cells with fewer than %(k)d answer are hidden.",
        "Cells with fewer than %(k)d answers are hidden.",
        k,
    ) % {"k": k}


def _cell(count: int, hidden: bool, k: int, pct: float | None) -> Cell:
    if hidden:
        return Cell(count=None, pct=None, suppressed=True, label=hidden_label(k))
    return Cell(count=count, pct=pct, suppressed=False, label=str(count))


def _as_counts(raw: object) -> Counts:
    """Non-negative integer counts as int64, or ValueError (NaN, fractions, negatives, bools)."""
    arr = np.asarray(raw)
    if arr.dtype.kind == "b":
        raise ValueError("counts must be integers, not booleans")
    if arr.dtype.kind not in "iu":
        try:
            as_float = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError("counts must be non-negative integers") from None
        if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
            raise ValueError("counts must be non-negative integers")
        arr = as_float
    counts = arr.astype(np.int64)
    if np.any(counts < 0):
        raise ValueError("counts must be non-negative integers")
    return counts


def _sensitive(values: Counts, k: int) -> Mask:
    # 0 is deliberately not sensitive: a zero reveals no individual.
    return (values >= 1) & (values < k)


def _is_sensitive(value: int, k: int) -> bool:
    return 1 <= value < k


def _extended(body: Counts) -> Counts:
    """The table with row totals as a last column, column totals as a last row, grand total in
    the corner. Each of its lines is the published equation "last entry = sum of the others"."""
    n_rows, n_cols = body.shape
    ext = np.zeros((n_rows + 1, n_cols + 1), dtype=np.int64)
    ext[:n_rows, :n_cols] = body
    ext[:n_rows, n_cols] = body.sum(axis=1)
    ext[n_rows, :n_cols] = body.sum(axis=0)
    ext[n_rows, n_cols] = body.sum()
    return ext


def _suppress_extended(ext: Counts, k: int) -> Mask:
    """Hidden mask over the extended table: primary, then line rule and exact check to a
    fixed point (see the module docstring)."""
    hidden = _sensitive(ext, k)
    while True:
        _complete_lines(ext, hidden)
        exposed = [
            p for p in _positions(hidden & _sensitive(ext, k)) if not _on_cycle(ext, hidden, p)
        ]
        if not exposed:
            return hidden
        hidden[_closing_entry(ext, hidden, exposed[0])] = True


def _positions(mask: Mask) -> list[Position]:
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(mask), strict=True)]


def _lines(shape: tuple[int, ...]) -> Iterable[list[Position]]:
    n_rows, n_cols = shape
    for i in range(n_rows):
        yield [(i, j) for j in range(n_cols)]
    for j in range(n_cols):
        yield [(i, j) for i in range(n_rows)]


def _complete_lines(ext: Counts, hidden: Mask) -> None:
    """Give every line of the extended table with exactly one hidden entry a second one,
    repeating until no line has exactly one (a hidden margin counts like any hidden entry)."""
    changed = True
    while changed:
        changed = False
        for line in _lines(ext.shape):
            if sum(bool(hidden[p]) for p in line) != 1:
                continue
            candidates = [p for p in line if not hidden[p]]
            if not candidates:
                continue

            def preference(p: Position) -> tuple[bool, bool, int, Position]:
                # The line's own hidden entry is in p's row or column, so > 1 means the
                # crossing line already has one and hiding p sets off no new round there.
                crossing = int(hidden[p[0], :].sum() + hidden[:, p[1]].sum()) > 1
                return (bool(ext[p] == 0), not crossing, int(ext[p]), p)

            hidden[min(candidates, key=preference)] = True
            changed = True


# The exact check. Nodes are the extended table's lines: row-line i is node i, column-line j is
# node n_rows + 1 + j; a hidden entry (i, j) is an edge between them. Publishing fixes each line's
# signed sum (cells +1, the line's total -1), so a change to hidden values that keeps every
# published number must balance at every node. Substituting d = sign * delta with sign -1 for a
# margin entry (+1 for body cells and the grand total) turns this into: delta sums to zero at
# every node, i.e. delta is a sum of alternating +1/-1 cycles. Orient an edge row->column when
# delta is +1 and column->row when -1: a directed cycle is then exactly such a change. A hidden
# entry whose count is 0 may only grow (d >= 0), so it keeps one direction; others keep both. A
# hidden count can change iff its edge lies on a directed cycle of length >= 4, and then it can
# change by one (values are integers, everything else moves by at most one).


def _arcs(ext: Counts, i: int, j: int) -> tuple[bool, bool]:
    """(row->column allowed, column->row allowed) for entry (i, j) if it is hidden."""
    if ext[i, j] > 0:
        return True, True
    n_rows, n_cols = ext.shape[0] - 1, ext.shape[1] - 1
    grows_with_plus = (i < n_rows) == (j < n_cols)  # sign +1: body cell or grand total
    return grows_with_plus, not grows_with_plus


def _graph(ext: Counts, hidden: Mask) -> dict[int, set[int]]:
    n_rows = ext.shape[0]
    succ: dict[int, set[int]] = {node: set() for node in range(ext.shape[0] + ext.shape[1])}
    for i, j in _positions(hidden):
        forward, backward = _arcs(ext, i, j)
        if forward:
            succ[i].add(n_rows + j)
        if backward:
            succ[n_rows + j].add(i)
    return succ


def _reach(succ: dict[int, set[int]], start: int, skip: frozenset[int]) -> set[int]:
    """Nodes reachable from ``start`` without using an arc between the two nodes in ``skip``."""
    seen, todo = {start}, deque([start])
    while todo:
        node = todo.popleft()
        for nxt in succ[node]:
            if nxt not in seen and not (node in skip and nxt in skip):
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _reversed(succ: dict[int, set[int]]) -> dict[int, set[int]]:
    pred: dict[int, set[int]] = {node: set() for node in succ}
    for node, nexts in succ.items():
        for nxt in nexts:
            pred[nxt].add(node)
    return pred


def _on_cycle(ext: Counts, hidden: Mask, p: Position) -> bool:
    """Can hidden entry ``p`` change while every published number stays the same?"""
    succ = _graph(ext, hidden)
    row, col = p[0], ext.shape[0] + p[1]
    skip = frozenset({row, col})
    forward, backward = _arcs(ext, *p)
    return (forward and row in _reach(succ, col, skip)) or (
        backward and col in _reach(succ, row, skip)
    )


def _closing_entry(ext: Counts, hidden: Mask, p: Position) -> Position:
    """A visible entry whose hiding puts ``p`` on a cycle (smallest non-zero first); failing
    that, the smallest visible non-zero entry in p's lines, or anywhere, to widen the net."""
    n_rows = ext.shape[0]
    succ = _graph(ext, hidden)
    pred = _reversed(succ)
    row, col = p[0], n_rows + p[1]
    skip = frozenset({row, col})
    forward, backward = _arcs(ext, *p)
    # (start, goal) pairs: a path start ~> goal plus p's own arc goal -> start closes a cycle.
    ends = ([(col, row)] if forward else []) + ([(row, col)] if backward else [])
    reach = [(_reach(succ, start, skip), _reach(pred, goal, skip)) for start, goal in ends]

    def closes(q: Position) -> bool:
        q_row, q_col = q[0], n_rows + q[1]
        q_fwd, q_bwd = _arcs(ext, *q)
        return any(
            (q_fwd and q_row in src and q_col in dst) or (q_bwd and q_col in src and q_row in dst)
            for src, dst in reach
        )

    visible = _positions(~hidden)

    def key(q: Position) -> tuple[bool, int, Position]:
        return (bool(ext[q] == 0), int(ext[q]), q)

    closing = [q for q in visible if q != p and closes(q)]
    if closing:
        return min(closing, key=key)
    nearby = [q for q in visible if ext[q] > 0 and (q[0] == p[0] or q[1] == p[1])]
    anywhere = [q for q in visible if ext[q] > 0]
    if nearby or anywhere:
        return min(nearby or anywhere, key=key)
    # Unreachable: with every non-zero entry hidden, every one of them lies on a cycle.
    raise RuntimeError("suppression found nothing left to hide")
