"""Analysis of survey answers with pandas: pure functions from data to DataFrames and plain
values, with no web, database or Celery in them (research/selectors.py reads the data).

The input is a *response frame* (`responses_frame`): one row per response, the meta
columns of `META` and one object column per question key holding the stored answer as the
wizard saved it (surveys.forms.StepForm.answers): an option key for single choice, dropdown
and yes/no; a list of option keys for multiple choice and ranking (ranking in rank order);
{row key: column key} for a matrix; an int for scales; a number; text; an ISO date.

Nothing here is fit for output on its own: counts go through suppression.py and free text
through scrub.py on their way out (findings.py does both; all in research/findings/).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from surveys.presentation import option_label

from .filters import Filters

META = ["submitted_on", "channel", "language", "version", "pseudonym"]
CHOICE = {"single_choice", "dropdown", "yes_no"}
SCALE = {"likert", "rating", "nps"}
MULTI = {"multiple_choice"}
TEXT = {"short_text", "long_text"}
# Kinds a cross-tab can use as a dimension (a respondent falls in one category, or — for
# multiple choice — in each category they ticked).
CATEGORICAL = CHOICE | SCALE | MULTI


@dataclass(frozen=True)
class Numeric:
    n: int
    mean: float | None
    median: float | None
    std: float | None
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class Nps:
    n: int
    promoters: int  # 9–10
    passives: int  # 7–8
    detractors: int  # 0–6
    score: float | None  # % promoters − % detractors, −100…100


@dataclass(frozen=True)
class QuestionResult:
    """What the analysis of one question found (before suppression)."""

    key: str
    kind: str
    label: str
    n: int  # respondents who answered it
    counts: pd.DataFrame | None = None  # index: category key; columns: label, count
    matrix: pd.DataFrame | None = None  # rows × columns of counts (matrix, Likert grids)
    numeric: Numeric | None = None
    nps: Nps | None = None
    ranking: pd.DataFrame | None = None  # index: option key; label, mean_rank, n
    texts: list[str] = field(default_factory=list)  # not yet scrubbed


def responses_frame(
    rows: Iterable[Mapping[str, Any]], questions: list[dict[str, Any]]
) -> pd.DataFrame:
    """One row per response: `META` columns, then one column per question key (and
    ``<key>.other`` for "Other" texts). ``rows`` are mappings with an ``answers`` dict
    and the meta fields; missing values become None."""
    keys = [q["key"] for q in questions]
    keys += [f"{q['key']}.other" for q in questions if q.get("other")]
    meta: dict[str, list[Any]] = {name: [] for name in META}
    answers: dict[str, list[Any]] = {key: [] for key in keys}
    for row in rows:
        for name in META:
            meta[name].append(row.get(name))
        given = row.get("answers") or {}
        for key in keys:
            answers[key].append(given.get(key))
    frame = pd.DataFrame({**meta, **answers}, dtype=object)
    frame["submitted_on"] = pd.to_datetime(frame["submitted_on"], errors="coerce")
    return frame


def filter_frame(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if filters.channels:
        keep &= frame["channel"].isin(filters.channels)
    if filters.date_from is not None:
        keep &= frame["submitted_on"] >= pd.Timestamp(filters.date_from)
    if filters.date_to is not None:
        keep &= frame["submitted_on"] <= pd.Timestamp(filters.date_to)
    if filters.versions:
        keep &= frame["version"].isin(filters.versions)
    if filters.pseudonyms is not None:
        keep &= frame["pseudonym"].isin(filters.pseudonyms)
    return frame.loc[keep]


def _answered(series: pd.Series) -> pd.Series:
    """The given answers: not None/NaN, not empty text, list or object.

    Vectorised: missing values and empty text are found by numpy/pandas loops in C; only a
    column of lists or objects (multiple choice, ranking, matrix: a column holds one kind,
    as the survey schema stores it) is walked in Python to drop empty ones."""
    if series.dtype != object:
        return series[series.notna()]
    values = series.to_numpy(dtype=object)
    keep = pd.notna(values)
    if not keep.any():
        return series[keep]
    keep &= values != ""
    first = values[int(np.argmax(keep))] if keep.any() else None
    if isinstance(first, (list, dict, tuple)):
        keep = np.fromiter(
            (k and bool(v) for v, k in zip(values, keep, strict=True)),
            dtype=bool,
            count=len(values),
        )
    return series[keep]


def categories(q: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, label) of a categorical question's categories, in the questionnaire's order."""
    kind = q["type"]
    if kind == "yes_no":
        return [(key, option_label(q, key)) for key in ("yes", "no")]
    if kind in SCALE:
        points = range(0, 11) if kind == "nps" else range(1, len(q.get("options") or []) + 1)
        return [(str(n), str(n)) for n in points]
    out = [(o["key"], o["label"]) for o in q.get("options") or []]
    if q.get("other"):
        out.append(("other", option_label(q, "other")))
    return out


def choice_counts(series: pd.Series, q: Mapping[str, Any]) -> pd.DataFrame:
    """Respondents per category, every category listed (0 when nobody chose it). Multiple
    choice counts each ticked option, so the counts may add up to more than n."""
    answered = _answered(series)
    values = answered.explode() if q["type"] in MULTI else answered
    tally = values.astype(str).value_counts()
    cats = categories(q)
    return pd.DataFrame(
        {
            "label": [label for _key, label in cats],
            "count": [int(tally.get(key, 0)) for key, _label in cats],
        },
        index=pd.Index([key for key, _label in cats], name="category"),
    )


def numeric_summary(series: pd.Series) -> Numeric:
    values = pd.to_numeric(_answered(series), errors="coerce").dropna().astype(float)
    if values.empty:
        return Numeric(0, None, None, None, None, None)
    return Numeric(
        n=int(values.size),
        mean=float(values.mean()),
        median=float(values.median()),
        std=float(values.std()) if values.size > 1 else None,
        minimum=float(values.min()),
        maximum=float(values.max()),
    )


def number_distribution(series: pd.Series, *, bins: int = 8) -> pd.DataFrame:
    """Counts in equal-width bins (or per value, when there are few distinct values)."""
    values = pd.to_numeric(_answered(series), errors="coerce").dropna()
    if values.empty:
        return pd.DataFrame({"label": [], "count": []})
    distinct = np.sort(values.unique())
    if distinct.size <= bins:
        tally = values.value_counts()
        labels = [f"{v:g}" for v in distinct]
        return pd.DataFrame(
            {"label": labels, "count": [int(tally[v]) for v in distinct]}, index=labels
        )
    binned = pd.cut(values, bins=bins)
    tally = binned.value_counts(sort=False)
    labels = [f"{i.left:g}–{i.right:g}" for i in tally.index]
    return pd.DataFrame({"label": labels, "count": tally.to_numpy(dtype=int)}, index=labels)


def nps(series: pd.Series) -> Nps:
    values = pd.to_numeric(_answered(series), errors="coerce").dropna().astype(int)
    n = int(values.size)
    promoters = int((values >= 9).sum())
    detractors = int((values <= 6).sum())
    passives = n - promoters - detractors
    score = 100.0 * (promoters - detractors) / n if n else None
    return Nps(n, promoters, passives, detractors, score)


def matrix_counts(series: pd.Series, q: Mapping[str, Any]) -> pd.DataFrame:
    """Rows × columns of a matrix question: how many chose each column in each row."""
    rows = [(r["key"], r["label"]) for r in q["rows"]]
    cols = [(c["key"], c["label"]) for c in q["columns"]]
    counts = {key: dict.fromkeys((c for c, _ in cols), 0) for key, _ in rows}
    for answer in _answered(series):
        for row_key, col_key in answer.items():
            if row_key in counts and col_key in counts[row_key]:
                counts[row_key][col_key] += 1
    table = pd.DataFrame.from_dict(counts, orient="index").reindex(
        index=[k for k, _ in rows], columns=[k for k, _ in cols]
    )
    table.index = pd.Index([label for _, label in rows], name="row")
    table.columns = pd.Index([label for _, label in cols], name="column")
    return table.fillna(0).astype(int)


def ranking_average(series: pd.Series, q: Mapping[str, Any]) -> pd.DataFrame:
    """Average rank per option (1 = first), best first, with how many ranked it."""
    ranks: dict[str, list[int]] = {o["key"]: [] for o in q["options"]}
    for answer in _answered(series):
        for position, key in enumerate(answer, start=1):
            if key in ranks:
                ranks[key].append(position)
    labels = {o["key"]: o["label"] for o in q["options"]}
    table = pd.DataFrame(
        {
            "label": [labels[k] for k in ranks],
            "mean_rank": [float(np.mean(v)) if v else np.nan for v in ranks.values()],
            "n": [len(v) for v in ranks.values()],
        },
        index=pd.Index(list(ranks), name="option"),
    )
    return table.sort_values("mean_rank", na_position="last")


def texts(series: pd.Series) -> list[str]:
    """Non-empty free-text answers, as given (scrub before any output)."""
    return [str(v) for v in _answered(series) if str(v).strip()]


def question_result(frame: pd.DataFrame, q: Mapping[str, Any]) -> QuestionResult:
    """Everything the analysis says about one question, by its type."""
    key, kind = q["key"], q["type"]
    series = frame[key] if key in frame else pd.Series([], dtype=object)
    n = int(_answered(series).size)
    base = {"key": key, "kind": kind, "label": str(q.get("label") or key), "n": n}
    if kind in CHOICE | MULTI:
        other = texts(frame[f"{key}.other"]) if f"{key}.other" in frame else []
        return QuestionResult(**base, counts=choice_counts(series, q), texts=other)
    if kind == "nps":
        return QuestionResult(
            **base,
            counts=choice_counts(series, q),
            nps=nps(series),
            numeric=numeric_summary(series),
        )
    if kind in SCALE:
        return QuestionResult(
            **base, counts=choice_counts(series, q), numeric=numeric_summary(series)
        )
    if kind == "number":
        return QuestionResult(
            **base, counts=number_distribution(series), numeric=numeric_summary(series)
        )
    if kind == "matrix":
        return QuestionResult(**base, matrix=matrix_counts(series, q))
    if kind == "ranking":
        return QuestionResult(**base, ranking=ranking_average(series, q))
    if kind in TEXT:
        return QuestionResult(**base, texts=texts(series))
    return QuestionResult(**base)  # date, e-mail, consent: only how many answered


def dimension(frame: pd.DataFrame, spec: "str | Mapping[str, Any] | pd.Series") -> pd.Series:
    """A categorical series for cross-tabs: a question (by its dict), or a meta column
    ("channel", "language", "version") or a prepared series name already in the frame
    (e.g. "segment", added from the panel through the pseudonym). Multiple choice gives
    one entry per ticked option (same index repeated). A Series is taken as given (index:
    the frame's; repeated where a respondent is in several groups, e.g. segments)."""
    if isinstance(spec, pd.Series):
        return spec.astype(str)
    if isinstance(spec, str):
        return frame[spec].dropna().astype(str)
    series = _answered(frame[spec["key"]]) if spec["key"] in frame else pd.Series([], dtype=object)
    if spec["type"] in MULTI:
        series = series.explode()
    return series.astype(str)


def crosstab(
    frame: pd.DataFrame,
    rows: "str | Mapping[str, Any] | pd.Series",
    columns: "str | Mapping[str, Any] | pd.Series",
) -> pd.DataFrame:
    """Counts of respondents by two dimensions (only those who answered both). Categories
    of questions are listed in the questionnaire's order, including empty ones."""
    left = dimension(frame, rows).rename("__rows")
    right = dimension(frame, columns).rename("__cols")
    joined = pd.merge(left, right, left_index=True, right_index=True, how="inner")
    table = pd.crosstab(joined["__rows"], joined["__cols"])
    for axis, spec in ((0, rows), (1, columns)):
        if isinstance(spec, Mapping):
            order = [key for key, _label in categories(spec)]
            table = table.reindex(order, axis=axis, fill_value=0)
    table.index.name = _dimension_name(rows)
    table.columns.name = _dimension_name(columns)
    return table.astype(int)


def _dimension_name(spec: "str | Mapping[str, Any] | pd.Series") -> str:
    if isinstance(spec, pd.Series):
        return str(spec.name)
    return spec if isinstance(spec, str) else str(spec["key"])


def percentages(table: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """Row ("row") or column ("column") percentages of a count table."""
    if by == "row":
        totals = table.sum(axis=1).replace(0, np.nan)
        return table.div(totals, axis=0) * 100
    totals = table.sum(axis=0).replace(0, np.nan)
    return table.div(totals, axis=1) * 100
