"""Logic in words and as a picture: the sentence builder (surveys.sentences) and the flow's
paths and diagram (surveys.flow), pure functions over a compiled schema."""

import pytest
from django.utils import translation

from surveys.flow import flow_diagram, flow_paths, path_summary, sample_values
from surveys.keys import assign_keys
from surveys.schema import compile_schema, questions_by_key
from surveys.sentences import rule_sentence, schema_sentences, shown_if_sentence, skip_sentence
from tests.factories import BRANCHING, cond, q, step


def schema_of(body):
    return compile_schema(assign_keys(body))


SCHEMA = schema_of(
    [
        step(
            "p1",
            q("yes_no", "card", "Do you have a library card?"),
            q("single_choice", "why", "What brought you?", options=["author", "topic"], other=True),
            q("number", "age", "How old are you?"),
            q("multiple_choice", "uses", "Uses", required=False, options=["books", "wifi"]),
        ),
        step("p2", q("short_text", "name", "Name", required=False), title="Card"),
        step("p3", q("short_text", "x", "X")),
    ]
)
QUESTIONS = questions_by_key(SCHEMA)


def r(question, op, value=""):
    return {"question": question, "op": op, "value": value}


@pytest.mark.parametrize(
    ("rule", "en", "nb"),
    [
        (
            r("card", "equals", "no"),
            "“Do you have a library card?” is “No”",
            "«Do you have a library card?» er «Nei»",
        ),
        (r("why", "not_equals", "topic"), "“What brought you?” is not “Topic”", None),
        (r("why", "equals", "other"), "“What brought you?” is “Other”", None),
        (
            r("why", "any_of", "author, topic"),
            "“What brought you?” is “Author” or “Topic”",
            "«What brought you?» er «Author» eller «Topic»",
        ),
        (r("uses", "equals", "wifi"), "“Uses” is “Wifi”", None),
        (r("age", "gt", "17"), "“How old are you?” is greater than 17", None),
        (r("age", "lt", "67"), "“How old are you?” is less than 67", None),
        (r("age", "ge", "18"), "“How old are you?” is at least 18", None),
        (r("age", "le", "66"), "“How old are you?” is at most 66", None),
        (r("uses", "answered"), "“Uses” is answered", "«Uses» er besvart"),
        (r("uses", "not_answered"), "“Uses” is not answered", None),
        (r("gone-abcd", "equals", "x"), "the unknown question “gone-abcd” is “x”", None),
    ],
)
def test_every_rule_kind_reads_as_a_sentence(rule, en, nb):
    with translation.override("en"):
        assert rule_sentence(rule, QUESTIONS) == en
    if nb:
        with translation.override("nb"):
            assert rule_sentence(rule, QUESTIONS) == nb


def test_conditions_join_with_and_or_or():
    both = {"match": "all", "rules": [r("card", "equals", "yes"), r("age", "gt", "17")]}
    with translation.override("en"):
        assert shown_if_sentence(both, QUESTIONS) == (
            "Shown if “Do you have a library card?” is “Yes” and “How old are you?” is "
            "greater than 17"
        )
        assert " or " in shown_if_sentence({**both, "match": "any"}, QUESTIONS)
        assert shown_if_sentence(None, QUESTIONS) == ""
    with translation.override("nb"):
        assert shown_if_sentence({**both, "match": "any"}, QUESTIONS) == (
            "Vises hvis «Do you have a library card?» er «Ja» eller «How old are you?» er "
            "større enn 17"
        )


def test_skip_rules_name_the_page_or_the_end():
    with translation.override("en"):
        to_page = {"when": {"match": "all", "rules": [r("card", "equals", "no")]}, "target": "p3"}
        assert skip_sentence(to_page, SCHEMA, QUESTIONS) == (
            "Goes to page 3 (“P3”) if “Do you have a library card?” is “No”"
        )
        to_end = {**to_page, "target": "end"}
        assert skip_sentence(to_end, SCHEMA, QUESTIONS).startswith("Ends the survey if")
    with translation.override("nb"):
        assert skip_sentence(to_end, SCHEMA, QUESTIONS).startswith("Avslutter undersøkelsen hvis")


def test_schema_sentences_lists_every_rule_page_by_page():
    schema = schema_of(
        [
            *BRANCHING[:1],
            step(
                "more",
                q("short_text", "t", "Tell us", show_if=cond(("why", "equals", "topic"))),
                skip=[(cond(("card", "equals", "no")), "end")],
                show_if=cond(("card", "answered", "")),
            ),
        ]
    )
    with translation.override("en"):
        pages = schema_sentences(schema)
    assert [p["page"] for p in pages] == [2]
    assert [rule["where"] for rule in pages[0]["rules"]] == [
        "This page",
        "“Tell us”",
        "After this page",
    ]


BRANCHY = schema_of(
    [
        step(
            "a",
            q("yes_no", "card", "Card?"),
            skip=[(cond(("card", "equals", "no")), "c")],
        ),
        step("b", q("number", "loans", "Loans?"), skip=[(cond(("loans", "gt", "10")), "end")]),
        step("c", q("short_text", "t", "T"), show_if=cond(("card", "equals", "no"))),
        step("d", q("short_text", "u", "U")),
    ]
)


def test_paths_are_every_distinct_way_through():
    with translation.override("en"):
        paths, truncated = flow_paths(BRANCHY)
    assert not truncated
    seen = sorted((tuple(p.steps), p.ended_early) for p in paths)
    # card=no skips to c (shown only for card=no); card=yes goes on to b, where more than
    # 10 loans end the survey; otherwise b then d (c is left out).
    assert seen == [((1, 2), True), ((1, 2, 4), False), ((1, 3, 4), False)]
    by_pages = {tuple(p.steps): p for p in paths}
    with translation.override("en"):
        assert "Goes to page 3 (“C”) if “Card?” is “No”" in by_pages[(1, 3, 4)].because[0]
        assert any("Ends the survey if" in c for c in by_pages[(1, 2)].because[0])
        assert by_pages[(1, 2, 4)].because == [
            [
                "after page 1, no skip: not “Card?” is “No”",
                "after page 2, no skip: not “Loans?” is greater than 10",
                "page 3 is left out: not “Card?” is “No”",
            ]
        ]
        assert path_summary(by_pages[(1, 2)]) == "Pages 1, 2; the survey ends early."
        assert path_summary(by_pages[(1, 2, 4)]) == "Pages 1, 2, 4, then the end."


def test_a_survey_without_rules_has_one_path():
    with translation.override("en"):
        paths, _ = flow_paths(schema_of(BRANCHING[:1] + BRANCHING[2:]))
    assert [p.steps for p in paths] == [[1, 2]]


def test_paths_follow_conditions_on_every_kind_of_question():
    schema = schema_of(
        [
            step(
                "a",
                q("multiple_choice", "uses", "Uses", required=False, options=["books", "wifi"]),
                q("single_choice", "why", "Why", options=["x", "y", "z"]),
            ),
            step("b", q("short_text", "t", "T"), show_if=cond(("uses", "answered", ""))),
            step("c", q("short_text", "u", "U"), show_if=cond(("why", "any_of", "x,y"))),
        ]
    )
    with translation.override("en"):
        paths, _ = flow_paths(schema)
    assert sorted(tuple(p.steps) for p in paths) == [(1,), (1, 2), (1, 2, 3), (1, 3)]


def test_sample_values_separate_the_rules():
    number = {"type": "number", "key": "n", "required": True}
    assert sample_values(number, [r("n", "gt", "3")]) == [2, 3, 4]
    choice = {
        "type": "single_choice",
        "key": "c",
        "required": False,
        "options": [{"key": "a"}, {"key": "b"}, {"key": "c"}],
    }
    assert sample_values(choice, [r("c", "equals", "b")]) == ["b", "a", None]


def test_diagram_has_a_box_per_page_the_end_and_numbered_skips():
    with translation.override("en"):
        diagram = flow_diagram(BRANCHY)
    assert [b["label"] for b in diagram["boxes"]] == [
        "Page 1 (“A”)",
        "Page 2 (“B”)",
        "Page 3 (“C”)",
        "Page 4 (“D”)",
        "End",
    ]
    assert diagram["boxes"][2]["note"] == "Only if “Card?” is “No”"
    assert [s["number"] for s in diagram["skips"]] == [1, 2]
    assert len(diagram["arrows"]) == 4


def test_picked_options_become_the_rules_value():
    from surveys.schema import condition

    raw = {
        "match": "all",
        "rules": [
            {
                "question": "why",
                "operator": "any_of",
                "value": "",
                # An option of another question, left ticked after the question changed,
                # does not count.
                "options": ["why:author", "card:no", "why:topic"],
            }
        ],
    }
    assert condition(raw) == {
        "match": "all",
        "rules": [{"question": "why", "op": "any_of", "value": "author,topic"}],
    }
    # Old content without picked options keeps its typed value.
    typed = {"match": "all", "rules": [{"question": "age", "operator": "gt", "value": " 17 "}]}
    assert condition(typed)["rules"][0]["value"] == "17"


def test_equals_with_several_options_is_explained_by_label():
    from surveys.logic import validate_schema

    schema = schema_of(
        [
            step("a", q("single_choice", "why", "What brought you?", options=["x", "y"])),
            step("b", q("short_text", "t", "T"), show_if=cond(("why", "equals", "x,y"))),
        ]
    )
    with translation.override("en"):
        errors = validate_schema(schema)
    assert errors == [
        'Page 2: "is" and "is not" compare with one option of "What brought you?"; use "is '
        'any of" for several.'
    ]
