"""research/findings/findings.py: what may be published about a question, a cross-tab and a quote —
suppressed, scrubbed, and nothing at all for groups smaller than k."""

import pandas as pd
from django.utils import translation

from research.findings.analysis import responses_frame
from research.findings.findings import (
    Privacy,
    crosstab_finding,
    group_series,
    number_text,
    question_finding,
    quote_finding,
)
from tests.research.test_analysis import AGE, GRID, IDEA, LIKERT, NPS, RANK, STUDENT, WHY

QUESTIONS = [STUDENT, WHY, LIKERT, NPS, AGE, RANK, GRID, IDEA]


def frame_of(rows: list[dict], pseudonyms: list[str] | None = None) -> pd.DataFrame:
    return responses_frame(
        (
            {
                "answers": a,
                "channel": "qr" if i % 2 else "link",
                "pseudonym": (pseudonyms or [""] * len(rows))[i],
            }
            for i, a in enumerate(rows)
        ),
        QUESTIONS,
    )


def many(n_yes: int, n_no: int) -> pd.DataFrame:
    rows = [
        {
            "student": "yes",
            "why": ["books"],
            "happy": 4,
            "nps": 9,
            "age": 20 + i,
            "rank": ["a", "b"],
            "idea": f"Ring meg på 912 34 {i:03d}",
        }
        for i in range(n_yes)
    ]
    rows += [
        {"student": "no", "why": ["wifi", "books"], "happy": 2, "nps": 3, "age": 60}
        for _ in range(n_no)
    ]
    return frame_of(rows)


def test_small_cells_are_hidden_with_their_complement_and_shares_of_respondents():
    with translation.override("en"):
        finding = question_finding(many(20, 3), STUDENT, Privacy(k=5))
    bars = dict(finding.bars())
    assert bars["No"].label == "< 5" and bars["No"].count is None
    assert bars["Yes"].suppressed  # the total would give it away: hidden too
    assert finding.n.label == "23"
    why = dict(question_finding(many(20, 8), WHY, Privacy(k=5)).bars())
    assert why["Books"].label == "28" and round(why["Books"].pct) == 100  # of respondents
    assert why["Wifi"].label == "8"


def test_a_question_answered_by_fewer_than_k_shows_nothing_but_that():
    finding = question_finding(many(3, 0), AGE, Privacy(k=5, language="en"))
    assert not finding.shown and finding.summary == [] and finding.series is None
    assert finding.hidden_reason == "Fewer than 5 answers: the result is not shown."
    assert finding.n.label == "< 5"


def test_numbers_publish_mean_median_never_min_or_max():
    finding = question_finding(many(10, 0), AGE, Privacy(k=5))
    summary = dict(finding.summary)
    assert summary["Gjennomsnitt"] == "24,5" and summary["Median"] == "24,5"
    assert not any("29" in value for _label, value in finding.summary)  # the oldest one


def test_nps_score_and_groups_and_ranking_means_only_for_k_or_more():
    finding = question_finding(many(12, 6), NPS, Privacy(k=5))
    assert finding.nps_score == "33"  # (12 − 6) / 18
    groups = {label: cell.label for label, cell in finding.nps.cells.items()}
    assert groups["Ambassadører (9–10)"] == "12" and groups["Kritikere (0–6)"] == "6"
    ranking = question_finding(many(6, 0), RANK, Privacy(k=5)).ranking
    assert ranking[0][:2] == ("A", "1,0")
    assert next(r for r in ranking if r[0] == "C")[1] == ""  # nobody ranked C


def test_free_text_is_scrubbed_and_only_shown_for_k_or_more():
    shown = question_finding(many(6, 0), IDEA, Privacy(k=5))
    assert shown.texts and all(t == "Ring meg på [fjernet]" for t in shown.texts)
    assert question_finding(many(4, 0), IDEA, Privacy(k=5)).texts == []


def test_crosstab_by_segment_hides_a_segment_of_three():
    frame = frame_of(
        [{"student": "yes"}] * 12 + [{"student": "no"}] * 9,
        pseudonyms=[f"p{i}" for i in range(21)],
    )
    groups = {
        "Studenter 1–3 lån": frozenset(["p0", "p1", "p2"]),
        "Alle andre": frozenset(f"p{i}" for i in range(3, 21)),
    }
    finding = crosstab_finding(frame, STUDENT, group_series(frame, groups, "segment"), Privacy(k=5))
    assert finding.column_title == "Segment"
    cells = dict(finding.rows())
    assert cells["Ja"][0] == "< 5"  # the segment of three
    assert finding.totals()[0] == "< 5"
    assert "3" not in [c for row in cells.values() for c in row]


def test_a_crosstab_by_channel_names_the_survey_address_in_words_in_every_language():
    """Answers given at the survey's own address are "link" in the data (and exports);
    a table a person reads says so in their language."""
    frame = many(12, 12)
    headings = {}
    for language in ("nb", "nn", "en"):
        finding = crosstab_finding(frame, STUDENT, "channel", Privacy(k=3, language=language))
        headings[language] = (finding.column_title, finding.header()[:2])
    assert headings == {
        "nb": ("Kanal", ["Undersøkelsens adresse", "qr"]),
        "nn": ("Kanal", ["Adressa til undersøkinga", "qr"]),
        "en": ("Channel", ["Survey address", "qr"]),
    }


def test_quote_must_be_an_answer_and_the_group_large_enough():
    frame = many(6, 0)
    text, why = quote_finding(frame, "idea", "Ring meg  på 912 34 002", Privacy(k=5))
    assert (text, why) == ("Ring meg på [fjernet]", "")
    assert quote_finding(frame, "idea", "Made up", Privacy(k=5)) == (None, "not-an-answer")
    assert quote_finding(many(3, 0), "idea", "Ring meg på 912 34 000", Privacy(k=5))[0] is None


def test_number_formats():
    assert number_text(1234.5, "nb") == "1\u00a0234,5" and number_text(1234.5, "en") == "1,234.5"
