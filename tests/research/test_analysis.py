"""research/findings/analysis.py: counts, distributions, NPS, rankings, matrices, filters and
cross-tabs from a response frame — checked against hand-counted answers."""

from datetime import date

import pytest

from research.findings.analysis import (
    crosstab,
    filter_frame,
    percentages,
    question_result,
    responses_frame,
)
from research.findings.filters import Filters


def opts(*keys: str) -> list[dict]:
    return [{"key": k, "label": k.capitalize(), "fixed": False} for k in keys]


STUDENT = {"type": "yes_no", "key": "student", "label": "Student?", "options": opts("yes", "no")}
WHY = {
    "type": "multiple_choice",
    "key": "why",
    "label": "Hvorfor?",
    "options": opts("books", "wifi", "events"),
    "other": True,
}
LIKERT = {"type": "likert", "key": "happy", "label": "Fornøyd?", "options": opts(*"12345")}
NPS = {"type": "nps", "key": "nps", "label": "Anbefale?", "options": opts(*map(str, range(11)))}
AGE = {"type": "number", "key": "age", "label": "Alder"}
RANK = {"type": "ranking", "key": "rank", "label": "Ranger", "options": opts("a", "b", "c")}
GRID = {
    "type": "matrix",
    "key": "grid",
    "label": "Tilbud",
    "rows": opts("open", "staff"),
    "columns": opts("good", "bad"),
}
IDEA = {"type": "long_text", "key": "idea", "label": "Forslag"}
QUESTIONS = [STUDENT, WHY, LIKERT, NPS, AGE, RANK, GRID, IDEA]

ANSWERS = [
    # channel, day, version, answers
    (
        "qr",
        "2026-03-12",
        1,
        {
            "student": "yes",
            "why": ["books", "wifi"],
            "happy": 5,
            "nps": 10,
            "age": 19,
            "rank": ["a", "b", "c"],
            "grid": {"open": "good"},
            "idea": "Lengre åpningstid",
        },
    ),
    (
        "qr",
        "2026-03-12",
        1,
        {
            "student": "yes",
            "why": ["wifi"],
            "happy": 4,
            "nps": 9,
            "age": 22,
            "rank": ["b", "a", "c"],
            "grid": {"open": "good", "staff": "bad"},
        },
    ),
    (
        "link",
        "2026-03-20",
        2,
        {
            "student": "no",
            "why": ["events", "other"],
            "why.other": "Kafeen",
            "happy": 2,
            "nps": 3,
            "age": 67,
            "rank": ["a", "c", "b"],
            "idea": "  ",
        },
    ),
    ("link", "2026-04-02", 2, {"student": "no", "happy": 4, "nps": 7, "age": 45}),
    ("embed", None, 2, {}),
]


@pytest.fixture
def frame():
    rows = [
        {
            "channel": c,
            "submitted_on": d,
            "version": v,
            "language": "nb",
            "pseudonym": "",
            "answers": a,
        }
        for c, d, v, a in ANSWERS
    ]
    return responses_frame(rows, QUESTIONS)


def test_choices_count_every_category_and_multiple_choice_per_option(frame):
    student = question_result(frame, STUDENT)
    assert student.n == 4 and student.counts["count"].to_dict() == {"yes": 2, "no": 2}
    why = question_result(frame, WHY)
    assert why.n == 3
    assert why.counts["count"].to_dict() == {"books": 1, "wifi": 2, "events": 1, "other": 1}
    assert why.texts == ["Kafeen"]


def test_scales_numbers_and_nps(frame):
    happy = question_result(frame, LIKERT)
    assert happy.counts["count"].tolist() == [0, 1, 0, 2, 1]
    assert happy.numeric.mean == pytest.approx(15 / 4) and happy.numeric.median == 4
    nps = question_result(frame, NPS).nps
    assert (nps.n, nps.promoters, nps.passives, nps.detractors) == (4, 2, 1, 1)
    assert nps.score == pytest.approx(25.0)
    age = question_result(frame, AGE)
    assert age.numeric.n == 4 and age.numeric.median == pytest.approx(33.5)
    assert int(age.counts["count"].sum()) == 4


def test_ranking_average_and_matrix(frame):
    ranking = question_result(frame, RANK).ranking
    assert ranking["mean_rank"].to_dict() == pytest.approx({"a": 4 / 3, "b": 2.0, "c": 8 / 3})
    assert list(ranking.index) == ["a", "b", "c"]  # best first
    grid = question_result(frame, GRID).matrix
    assert grid.loc["Open"].tolist() == [2, 0] and grid.loc["Staff"].tolist() == [0, 1]


def test_free_text_skips_blank_answers(frame):
    assert question_result(frame, IDEA).texts == ["Lengre åpningstid"]


def test_filters_by_channel_period_version_and_pseudonym(frame):
    assert len(filter_frame(frame, Filters(channels=frozenset({"qr"})))) == 2
    march = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    assert len(filter_frame(frame, march)) == 3  # the undated embed answer is left out
    assert len(filter_frame(frame, Filters(versions=frozenset({2})))) == 3
    assert len(filter_frame(frame, Filters(pseudonyms=frozenset()))) == 0


def test_crosstab_of_two_questions_and_of_a_question_by_channel(frame):
    table = crosstab(frame, STUDENT, LIKERT)
    assert table.loc["yes"].tolist() == [0, 0, 0, 1, 1]
    assert table.loc["no"].tolist() == [0, 1, 0, 1, 0]
    by_channel = crosstab(frame, WHY, "channel")
    assert by_channel.loc["wifi", "qr"] == 2 and by_channel.loc["other", "link"] == 1
    rows = percentages(table, by="row")
    assert rows.loc["yes"].sum() == pytest.approx(100.0)
