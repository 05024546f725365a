"""Findings: analysis results made fit to publish.

research/findings/analysis.py counts; this module is the only road from those counts to anything a
reader sees (the admin's explore view, report blocks on the web and in the PDF):

* every count, bar and cross-tab cell passes research/findings/suppression.py (``< k``, percentages
  only on bases of at least 10, secondary suppression);
* a question answered by fewer than k respondents shows nothing but that fact — no mean,
  median, NPS or average rank of a handful of people;
* minimum and maximum are never published (they are one person's answer);
* free text passes research/findings/scrub.py, and is shown only for groups of at least k
  respondents (the same holds for quotes).

Pure: data in, plain values out (no Django models, no database).
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from django.utils.translation import gettext, ngettext, pgettext

from cms.formatting import number_text, per_language, percent_text

from .analysis import MULTI, SCALE, TEXT, categories, crosstab, question_result
from .scrub import scrub
from .suppression import (
    Cell,
    SuppressedSeries,
    SuppressedTable,
    check_k,
    hidden_label,
    rule_text,
    suppress_counts,
    suppress_table,
    total_label,
)

Language = str  # a code of settings.LANGUAGES ("nb", "en", …)
Percent = Literal["row", "column", "none"]


@per_language
def _words(language: str, k: int) -> dict[str, str]:
    """The findings' words in ``language``; "too_few" names ``k``."""
    too_few = ngettext(
        "Fewer than %(k)d answer: the result is not shown.",
        "Fewer than %(k)d answers: the result is not shown.",
        k,
    ) % {"k": k}
    return {
        "too_few": too_few,
        "mean": gettext("Mean"),
        "median": gettext("Median"),
        "std": gettext("Standard deviation"),
        "nps": gettext("NPS"),
        "promoters": gettext("Promoters (9–10)"),
        "passives": gettext("Passives (7–8)"),
        "detractors": gettext("Detractors (0–6)"),
        "answered": gettext("Answers"),
        "channel": gettext("Channel"),
        # The channel column's value for answers given at the survey's own address
        # (research.selectors.survey_channel_labels): a code in exports, words in a table.
        "link": gettext("Survey address"),
        # In the admin a segment is an "utvalg"; a cross-tab's axis keeps "Segment".
        "segment": pgettext("cross-tab axis", "Segment"),
        "language": gettext("Language"),
        "version": gettext("Version"),
    }


@dataclass(frozen=True)
class Privacy:
    """The library's publishing rules: k (never below 3), its card-number pattern, and the
    reader's language."""

    k: int = 5
    card_pattern: str | None = r"N\d{9}"
    language: Language = "nb"

    def __post_init__(self) -> None:
        check_k(self.k)

    def words(self) -> dict[str, str]:
        """The findings' words in the reader's language (a shared dict: do not change it)."""
        return _words(self.language, self.k)

    def clean(self, text: str) -> str:
        return scrub(text, card_pattern=self.card_pattern or None)

    def rule(self) -> str:
        return rule_text(self.k, self.language)


@dataclass(frozen=True)
class QuestionFinding:
    """What may be shown about one question."""

    key: str
    kind: str
    label: str
    n: Cell  # respondents who answered (suppressed like any count)
    rule: str
    hidden_reason: str = ""  # set when fewer than k answered: nothing else is shown
    series: SuppressedSeries | None = None  # categories (choices, scale points, bins)
    labels: Mapping[Hashable, str] = field(default_factory=dict)  # category key → label
    grid: SuppressedTable | None = None  # matrix rows × columns, or one scale as one row
    summary: list[tuple[str, str]] = field(default_factory=list)  # ("Mean", "3,4")
    nps: SuppressedSeries | None = None  # promoters / passives / detractors
    nps_score: str = ""
    ranking: list[tuple[str, str, Cell]] = field(default_factory=list)  # label, mean, n
    texts: list[str] = field(default_factory=list)  # scrubbed; only for n ≥ k

    @property
    def shown(self) -> bool:
        return not self.hidden_reason

    def bars(self) -> list[tuple[str, Cell]]:
        """(label, cell) per category, for charts and tables."""
        if self.series is None:
            return []
        return [(self.labels.get(key, str(key)), cell) for key, cell in self.series.cells.items()]


def _too_few(n: int, privacy: Privacy) -> bool:
    return n < privacy.k


def question_finding(
    frame: pd.DataFrame, q: Mapping[str, Any], privacy: Privacy
) -> QuestionFinding:
    """The publishable result of one question over the answers in ``frame``."""
    result = question_result(frame, q)
    words = privacy.words()
    n_cell = suppress_counts({"n": result.n}, k=privacy.k).cells["n"]
    base: dict[str, Any] = {
        "key": result.key,
        "kind": result.kind,
        "label": result.label,
        "n": n_cell,
        "rule": privacy.rule(),
    }
    if _too_few(result.n, privacy):
        return QuestionFinding(**base, hidden_reason=words["too_few"])
    out: dict[str, Any] = {}
    if result.counts is not None:
        total = result.n  # multiple choice: shares of respondents, not of ticks
        out["series"] = suppress_counts(result.counts["count"], k=privacy.k, total=total)
        out["labels"] = dict(zip(result.counts.index, result.counts["label"], strict=True))
        if result.kind in SCALE and result.kind != "nps":
            row = result.counts.set_index("label")["count"].to_frame().T
            row.index = pd.Index([result.label])
            out["grid"] = suppress_table(row, k=privacy.k)
    if result.matrix is not None:
        out["grid"] = suppress_table(result.matrix, k=privacy.k)
    if result.numeric is not None and result.numeric.n >= privacy.k:
        lang = privacy.language
        summary = [(words["mean"], number_text(result.numeric.mean or 0.0, lang))]
        summary.append((words["median"], number_text(result.numeric.median or 0.0, lang)))
        if result.numeric.std is not None:
            summary.append((words["std"], number_text(result.numeric.std, lang)))
        out["summary"] = summary
    if result.nps is not None:
        parts = {
            words["promoters"]: result.nps.promoters,
            words["passives"]: result.nps.passives,
            words["detractors"]: result.nps.detractors,
        }
        out["nps"] = suppress_counts(parts, k=privacy.k, total=result.nps.n)
        if result.nps.score is not None:
            out["nps_score"] = number_text(result.nps.score, privacy.language, 0)
    if result.ranking is not None:
        ranking = []
        for _key, row in result.ranking.iterrows():
            n = int(row["n"])
            cell = suppress_counts({"n": n}, k=privacy.k).cells["n"]
            mean = "" if n < privacy.k else number_text(float(row["mean_rank"]), privacy.language)
            ranking.append((str(row["label"]), mean, cell))
        out["ranking"] = ranking
    # Free text (n ≥ k here), and the "Other" texts of a choice question when the group
    # that gave them is at least k.
    if result.kind in TEXT or len(result.texts) >= privacy.k:
        out["texts"] = [privacy.clean(t) for t in result.texts]
    return QuestionFinding(**base, **out)


@dataclass(frozen=True)
class CrosstabFinding:
    """A published cross-tab: counts with their margins, and row or column percentages."""

    title: str
    row_title: str
    column_title: str
    table: SuppressedTable
    percent: Percent
    rule: str
    language: str

    def header(self) -> list[str]:
        return [str(c) for c in self.table.values.columns] + [total_label(self.language)]

    def rows(self) -> list[tuple[str, list[str]]]:
        """(row label, cells as text): "12 (34 %)", "< 5", with the row total last."""
        label = hidden_label(self.table.k)
        pct = {"row": self.table.row_pct, "column": self.table.col_pct}.get(self.percent)
        out = []
        for i, row_label in enumerate(self.table.values.index):
            cells = []
            for j in range(len(self.table.values.columns)):
                if self.table.hidden.iat[i, j]:
                    cells.append(label)
                    continue
                text = str(int(self.table.values.iat[i, j]))
                share = percent_text(pct.iat[i, j], self.language) if pct is not None else ""
                cells.append(f"{text} ({share})" if share else text)
            cells.append(list(self.table.row_totals.values())[i].label)
            out.append((str(row_label), cells))
        return out

    def totals(self) -> list[str]:
        return [c.label for c in self.table.column_totals.values()] + [self.table.grand_total.label]


def _axis(
    frame: pd.DataFrame, spec: Mapping[str, Any] | str | pd.Series, words: dict[str, str]
) -> tuple[Mapping[str, Any] | str | pd.Series, str, dict[str, str]]:
    """A cross-tab dimension with its title and the labels of its categories."""
    if isinstance(spec, pd.Series):
        return spec, words.get(str(spec.name), str(spec.name)), {}
    if isinstance(spec, str):
        return spec, words.get(spec, spec), {"link": words["link"]} if spec == "channel" else {}

    return spec, str(spec.get("label") or spec["key"]), dict(categories(spec))


def crosstab_finding(
    frame: pd.DataFrame,
    rows: Mapping[str, Any] | str | pd.Series,
    columns: Mapping[str, Any] | str | pd.Series,
    privacy: Privacy,
    *,
    percent: Percent = "row",
    title: str = "",
) -> CrosstabFinding:
    """Cross-tab of two questions, or a question by channel / segment (a Series of group
    labels on the frame's index, repeated where a respondent is in several groups)."""
    words = privacy.words()
    row_spec, row_title, row_labels = _axis(frame, rows, words)
    col_spec, col_title, col_labels = _axis(frame, columns, words)
    counts = crosstab(frame, row_spec, col_spec)
    counts.index = pd.Index([row_labels.get(str(i), str(i)) for i in counts.index])
    counts.columns = pd.Index([col_labels.get(str(c), str(c)) for c in counts.columns])
    return CrosstabFinding(
        title=title or f"{row_title} × {col_title}",
        row_title=row_title,
        column_title=col_title,
        table=suppress_table(counts, k=privacy.k),
        percent=percent,
        rule=privacy.rule(),
        language=privacy.language,
    )


def group_series(frame: pd.DataFrame, groups: Mapping[str, frozenset[str]], name: str) -> pd.Series:
    """For a cross-tab by segment: one entry per (response, group it is in), labelled with
    the group's name, joined through the pseudonym only."""
    parts = [
        pd.Series(label, index=frame.index[frame["pseudonym"].isin(pseudonyms)], dtype=object)
        for label, pseudonyms in groups.items()
    ]
    series = pd.concat(parts) if parts else pd.Series([], dtype=object)
    return series.rename(name)


def quote_finding(
    frame: pd.DataFrame, key: str, text: str, privacy: Privacy
) -> tuple[str | None, str]:
    """A researcher-picked quote: (scrubbed text, "") when ``text`` is one of the answers
    to ``key`` and at least k respondents answered it; else (None, why not)."""
    wanted = " ".join(text.split())
    answers = frame[key].dropna().astype(str) if key in frame else pd.Series([], dtype=str)
    other = f"{key}.other"
    if other in frame:
        answers = pd.concat([answers, frame[other].dropna().astype(str)])
    answers = answers[answers.str.strip() != ""]
    if len(answers) < privacy.k:
        return None, privacy.words()["too_few"]
    if not any(" ".join(a.split()) == wanted for a in answers):
        return None, "not-an-answer"
    return privacy.clean(wanted), ""


def multi_choice(kind: str) -> bool:
    return kind in MULTI
