"""An export's weight column (issue 19): each response's raking weight, appended as the
last column of every format, and the codebook lines that say how it was made.

Raking gives every respondent in one cell of the margins' categories the same weight (the
engine rakes the table of occupied category combinations, research/findings/weighting.py),
so the weight is a function of the answers to the dimensions' questions. The export
therefore looks each row's weight up by those answers (`ExportWeights.by_answers`) instead
of relying on two database reads returning the rows in the same order — they need not.

Pure: no models, no database.
"""

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .columns import Cells, Column

WEIGHT_KIND = "weight"
# Weights written with this many decimals: 1e-10 of a mean-1 weight is far below any
# margin's tolerance, and the file stays readable.
WEIGHT_DECIMALS = 10


class WeightsInconsistent(ValueError):
    """Respondents with the same answers to the dimensions' questions got different
    weights: the weights cannot be looked up by answers (a programming error)."""


@dataclass(frozen=True)
class ExportWeights:
    """What an export needs to carry a weight: the dimensions' question keys (in order),
    each answer combination's weight, the weight variable's label and the codebook lines
    on the method."""

    question_keys: tuple[str, ...]
    by_answers: dict[tuple[Hashable, ...], float]
    label: str
    notes: tuple[str, ...] = field(default=())


def weights_by_answers(
    answers: Iterable[tuple[Hashable, ...]], weights: Iterable[float]
) -> dict[tuple[Hashable, ...], float]:
    """Each answer combination's weight, from respondents' answers and their weights (in
    the same order). Raises WeightsInconsistent when one combination has two weights (beyond
    rounding): the export would then not be able to say which to write."""
    found: dict[tuple[Hashable, ...], float] = {}
    for combination, weight in zip(answers, weights, strict=True):
        value = float(weight)
        known = found.setdefault(combination, value)
        if abs(known - value) > 1e-9 * max(1.0, abs(known)):
            raise WeightsInconsistent(f"two weights for the answers {combination!r}")
    return found


def weight_column(columns: Sequence[Column], label: str) -> Column:
    """The weight variable: "weight" (or "weight_2" … when a question took the name),
    numeric, labelled ``label``."""
    taken = {c.name.lower() for c in columns}
    name, n = "weight", 1
    while name in taken:
        n += 1
        name = f"weight_{n}"
    return Column(name, WEIGHT_KIND, None, label, WEIGHT_KIND)


def _answer_reader(columns: Sequence[Column], key: str) -> Callable[[Cells], Hashable]:
    """How a row's cells give back the answer (option key) to question ``key``: its
    column's code, decoded."""
    for at, column in enumerate(columns):
        if column.key == key and column.sub is None and column.kind != "meta":
            if not column.codes:
                return lambda cells: cells[at]
            decode = {code: answer for answer, code in column.codes.items()}
            return lambda cells: decode.get(cells[at])
    # The question is not in the export (not in this survey): every answer is "none".
    return lambda cells: None


def cells_weighted(
    columns: list[Column], cells: Iterable[Cells], weights: ExportWeights
) -> tuple[list[Column], Iterator[Cells]]:
    """The columns with the weight column last, and each row with its weight appended
    (empty for a response outside the weighted respondents, e.g. without an answer to a
    dimension's question, which the raking refuses anyway)."""
    readers = [_answer_reader(columns, key) for key in weights.question_keys]
    lookup = weights.by_answers

    def rows() -> Iterator[Cells]:
        for row in cells:
            weight = lookup.get(answers_key([read(row) for read in readers]))
            row.append(None if weight is None else round(weight, WEIGHT_DECIMALS))
            yield row

    return [*columns, weight_column(columns, weights.label)], rows()


def answers_key(values: Sequence[Any]) -> tuple[Hashable, ...]:
    """An answer combination as `weights_by_answers` keys it: text as it is, a missing
    answer (None, NaN, "") as None."""
    out: list[Hashable] = []
    for value in values:
        if value is None or value == "" or (isinstance(value, float) and value != value):
            out.append(None)
        else:
            out.append(str(value))
    return tuple(out)
