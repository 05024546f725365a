"""Response rates of a panel campaign (issue 19): invited → completed per group (segment,
message, recruitment channel), under the suppression rules.

Each group is published as a small distribution — answered / not answered out of the
invited — through research.findings.suppression.suppress_counts, the one gate: a count
under k is hidden, and so is its partner (the invited total minus one would give it
away); the rate is the answered share, published only where that count is and the group
has 10 invited or more. Pure: no models.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from .suppression import Cell, suppress_counts


@dataclass(frozen=True)
class RateRow:
    label: str
    invited: Cell
    completed: Cell
    rate: float | None  # percent, None when hidden


@dataclass(frozen=True)
class RateTable:
    heading: str
    rows: tuple[RateRow, ...]


def response_rates(heading: str, groups: Sequence[tuple[str, int, int]], k: int) -> RateTable:
    """``groups``: (label, invited, completed) with completed ≤ invited."""
    rows = []
    for label, invited, completed in groups:
        if completed > invited:
            raise ValueError(f"{label}: more completed ({completed}) than invited ({invited})")
        table = suppress_counts(
            {"completed": completed, "not": invited - completed}, k=k, total=invited
        )
        done = table.cells["completed"]
        rows.append(RateRow(label, table.total, done, done.pct))
    return RateTable(heading, tuple(rows))
