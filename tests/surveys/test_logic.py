"""Logic as data: evaluation on the server and editor-facing validation."""

import pytest
from django.utils import translation

from surveys.keys import assign_keys
from surveys.logic import condition_holds, evaluate, pipe, validate_schema
from surveys.schema import compile_schema
from tests.factories import BRANCHING, cond, q, step


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def schema_of(body):
    return compile_schema(assign_keys(body))


def rule(question, op, value=""):
    return {"match": "all", "rules": [{"question": question, "op": op, "value": value}]}


@pytest.mark.parametrize(
    ("op", "value", "answer", "expected"),
    [
        ("equals", "yes", "yes", True),
        ("equals", "yes", "no", False),
        ("equals", "books", ["books", "wifi"], True),
        ("not_equals", "yes", "no", True),
        ("not_equals", "yes", None, True),
        ("any_of", "a, b", "b", True),
        ("any_of", "a,b", ["c"], False),
        ("gt", "3", 4, True),
        ("gt", "3", "x", False),
        ("lt", "3", 2.5, True),
        ("ge", "3", 3, True),
        ("ge", "3", 2.9, False),
        ("ge", "3", None, False),
        ("le", "3", "3", True),
        ("le", "3", 3.5, False),
        ("le", "3", "x", False),
        ("answered", "", "", False),
        ("answered", "", ["x"], True),
        ("not_answered", "", None, True),
        ("equals", "3", 3, True),
    ],
)
def test_rules(op, value, answer, expected):
    assert condition_holds(rule("q", op, value), {"q": answer}) is expected


def test_all_and_any():
    both = {
        "match": "all",
        "rules": [
            {"question": "a", "op": "equals", "value": "1"},
            {"question": "b", "op": "equals", "value": "2"},
        ],
    }
    assert condition_holds(both, {"a": "1", "b": "2"})
    assert not condition_holds(both, {"a": "1", "b": "3"})
    assert condition_holds({**both, "match": "any"}, {"a": "1", "b": "3"})


def test_evaluate_drops_answers_to_hidden_steps_and_questions():
    schema = schema_of(BRANCHING)
    result = evaluate(schema, {"card": "no", "why": "topic", "loans": "few", "satisfied": 3})
    assert result.steps == ["about", "rate"]
    assert "loans" not in result.answers
    assert result.answers == {"card": "no", "why": "topic", "satisfied": 3}


def test_skip_to_end_and_to_a_later_step():
    body = [
        step(
            "one",
            q("yes_no", "go"),
            skip=[(cond(("go", "equals", "no")), "end"), (cond(("go", "equals", "yes")), "three")],
        ),
        step("two", q("short_text", "t")),
        step("three", q("short_text", "u")),
    ]
    schema = schema_of(body)
    assert evaluate(schema, {"go": "no"}).steps == ["one"]
    assert evaluate(schema, {"go": "yes", "t": "x"}).steps == ["one", "three"]
    assert "t" not in evaluate(schema, {"go": "yes", "t": "x"}).answers
    assert evaluate(schema, {}).steps == ["one", "two", "three"]


def test_piping_uses_display_text():
    assert pipe("Du sa {why}.", {"why": "Forfatteren"}) == "Du sa Forfatteren."
    assert pipe("Du sa {unknown}.", {}) == "Du sa ."


def test_a_sound_survey_validates():
    assert validate_schema(schema_of(BRANCHING)) == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        # refers to a later question
        (
            [
                step("s1", q("yes_no", "a", show_if=cond(("b", "equals", "yes")))),
                step("s2", q("yes_no", "b")),
            ],
            "earlier pages",
        ),
        # refers to a question on the same page
        (
            [step("s1", q("yes_no", "a"), q("yes_no", "b", show_if=cond(("a", "equals", "yes"))))],
            "earlier pages",
        ),
        # refers to a deleted key
        (
            [
                step("s1", q("yes_no", "a")),
                step("s2", q("yes_no", "b"), show_if=cond(("gone", "equals", "yes"))),
            ],
            "not a question",
        ),
        # an option that does not exist
        (
            [
                step("s1", q("single_choice", "a", options=["x", "y"])),
                step("s2", q("yes_no", "b"), show_if=cond(("a", "equals", "z"))),
            ],
            "not an option",
        ),
        # number comparison on a text question
        (
            [
                step("s1", q("short_text", "a")),
                step("s2", q("yes_no", "b"), show_if=cond(("a", "gt", "3"))),
            ],
            "number",
        ),
        # "at least" on a text question
        (
            [
                step("s1", q("short_text", "a")),
                step("s2", q("yes_no", "b"), show_if=cond(("a", "ge", "3"))),
            ],
            "at least/at most",
        ),
        # "at most" with a value that is not a number
        (
            [
                step("s1", q("number", "a")),
                step("s2", q("yes_no", "b"), show_if=cond(("a", "le", "many"))),
            ],
            "number value",
        ),
        # a skip backwards (which would make a cycle)
        (
            [
                step("s1", q("yes_no", "a")),
                step("s2", q("yes_no", "b"), skip=[(cond(("b", "equals", "yes")), "s1")]),
            ],
            "not a later page",
        ),
        # a skip to itself
        (
            [step("s1", q("yes_no", "a"), skip=[(cond(("a", "equals", "yes")), "s1")])],
            "not a later page",
        ),
        # piping from the same page
        (
            [step("s1", q("short_text", "a"), q("short_text", "b", label="Du sa {a}"))],
            "earlier page",
        ),
    ],
)
def test_impossible_rules_are_explained(body, fragment):
    errors = validate_schema(schema_of(body))
    assert errors and any(fragment in e for e in errors), errors
