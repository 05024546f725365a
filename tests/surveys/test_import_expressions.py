"""LimeSurvey relevance equations and XLSForm ``relevant`` expressions → Innsikt conditions
(surveys.importing.expressions): what translates, into what, and why the rest does not."""

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.importing import model
from surveys.importing.expression_parse import MAX_DEPTH
from surveys.importing.expressions import (
    QuestionRef,
    condition_from_limesurvey,
    condition_from_xlsform,
)
from surveys.keys import assign_keys
from surveys.logic import validate_schema
from surveys.schema import compile_schema, condition


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


LIKERT = {str(n): str(n) for n in range(1, 6)}
# The questions as the reader would describe them: on page 1 (step 0) unless said otherwise;
# the condition under test belongs to a question on page 2 (step 1).
QUESTIONS = {
    "q1": ("single_choice", {"a1": "a1", "a2": "a2", "a3": "a3"}, 0),
    "m": ("multiple_choice", {"sq001": "sq001", "sq002": "sq002", "other": "other"}, 0),
    "age": ("number", {}, 0),
    "name": ("short_text", {}, 0),
    "yn": ("yes_no", {"yes": "yes", "no": "no"}, 0),
    "sat": ("likert", LIKERT, 0),
    "mx": ("matrix", {}, 0),
    "when": ("date", {}, 0),
    "here": ("short_text", {}, 1),
    "later": ("short_text", {}, 2),
}
LS_CODES = {
    "Q1": ("q1", {"A1": "a1", "A2": "a2", "A3": "a3"}),
    "Q2": ("m", {"SQ001": "sq001", "SQ002": "sq002", "other": "other"}),
    "AGE": ("age", {}),
    "NAME": ("name", {}),
    "YN": ("yn", {"Y": "yes", "N": "no"}),
    "SAT": ("sat", LIKERT),
    "MX": ("mx", {}),
    "WHEN": ("when", {}),
    "HERE": ("here", {}),
    "LATER": ("later", {}),
}


def _ref(key, options):
    kind, _options, step = QUESTIONS[key]
    return QuestionRef(key=key, kind=kind, options=options, step=step)


LS_REFS = {code: _ref(key, options) for code, (key, options) in LS_CODES.items()}
XLS_REFS = {key: _ref(key, options) for key, (_k, options, _s) in QUESTIONS.items()}


def body_with(show_if):
    """A survey holding every referenced question, and a question on page 2 shown if…"""

    def make(key):
        kind, options, _step = QUESTIONS[key]
        fields = {}
        if kind == "matrix":
            fields = {
                "rows": [model.option("r1", "R1")],
                "columns": [model.option("c1", "C1"), model.option("c2", "C2")],
            }
        elif kind == "likert":
            fields = {"left_label": "Low", "right_label": "High"}
        elif kind in ("single_choice", "multiple_choice"):
            fields = {
                "options": [model.option(k, k) for k in options if k != "other"],
                "other": "other" in options,
            }
        return model.question(kind, key, key.title(), **fields)

    first = [make(k) for k, (_kind, _o, step) in QUESTIONS.items() if step == 0]
    target = model.question("short_text", "target", "Target", show_if=show_if)
    return [
        model.step("p1", first),
        model.step("p2", [make("here"), target]),
        model.step("p3", [make("later")]),
    ]


def rules(match, *triples):
    return {"match": match, "rules": [{"question": q, "op": o, "value": v} for q, o, v in triples]}


ALWAYS = None  # schema.condition of a condition without rules

LIMESURVEY_OK = [
    ('Q1 == "A1"', rules("all", ("q1", "equals", "a1"))),
    ('{Q1 == "A1"}', rules("all", ("q1", "equals", "a1"))),
    ("Q1.NAOK eq 'A2'", rules("all", ("q1", "equals", "a2"))),
    ('"A3" == Q1.code', rules("all", ("q1", "equals", "a3"))),
    ('Q1 != "A1"', rules("all", ("q1", "not_equals", "a1"))),
    ('Q1 == "A1" or Q1 == "A2"', rules("all", ("q1", "any_of", "a1,a2"))),
    (
        'Q1 == "A1" || Q1 == "A2" || AGE > 17',
        rules("any", ("q1", "any_of", "a1,a2"), ("age", "gt", "17")),
    ),
    (
        '(Q1 == "A1" or Q1 == "A3") and AGE >= 18',
        rules("all", ("q1", "any_of", "a1,a3"), ("age", "ge", "18")),
    ),
    ('!(AGE > 17 and NAME == "x")', rules("any", ("age", "le", "17"), ("name", "not_equals", "x"))),
    ("not (AGE < 18)", rules("all", ("age", "ge", "18"))),
    ("AGE ge 18 and AGE le 67", rules("all", ("age", "ge", "18"), ("age", "le", "67"))),
    (
        "AGE gt 17 && (AGE lt 30 && AGE ne 20)",
        rules("all", ("age", "gt", "17"), ("age", "lt", "30"), ("age", "not_equals", "20")),
    ),
    ("18 <= AGE", rules("all", ("age", "ge", "18"))),
    ("AGE > -1", rules("all", ("age", "gt", "-1"))),
    ("AGE == 5.5", rules("all", ("age", "equals", "5.5"))),
    ("is_empty(NAME)", rules("all", ("name", "not_answered", ""))),
    ("!is_empty(NAME.NAOK)", rules("all", ("name", "answered", ""))),
    ('NAME == ""', rules("all", ("name", "not_answered", ""))),
    ("NAME != ''", rules("all", ("name", "answered", ""))),
    ('NAME == "Oslo \\"sentrum\\""', rules("all", ("name", "equals", 'Oslo "sentrum"'))),
    ("strlen(NAME) > 0", rules("all", ("name", "answered", ""))),
    ('Q2_SQ001 == "Y"', rules("all", ("m", "equals", "sq001"))),
    ('Q2_SQ002.NAOK != "Y"', rules("all", ("m", "not_equals", "sq002"))),
    ("!is_empty(Q2_other)", rules("all", ("m", "equals", "other"))),
    ('Q2_SQ001 == "Y" or Q2_SQ002 == "Y"', rules("all", ("m", "any_of", "sq001,sq002"))),
    ('Q2_SQ001 == ""', rules("all", ("m", "not_equals", "sq001"))),
    ('YN == "Y"', rules("all", ("yn", "equals", "yes"))),
    ("SAT >= 4", rules("all", ("sat", "ge", "4"))),
    ("SAT == 5", rules("all", ("sat", "equals", "5"))),
    ('MX.NAOK != ""', rules("all", ("mx", "answered", ""))),
    ('WHEN == "2024-05-01"', rules("all", ("when", "equals", "2024-05-01"))),
    ("", ALWAYS),
    ("1", ALWAYS),
    ("  {1}  ", ALWAYS),
    ('1 and Q1 == "A1"', rules("all", ("q1", "equals", "a1"))),
    ('0 or Q1 == "A1"', rules("all", ("q1", "equals", "a1"))),
]

LIMESURVEY_REFUSED = [
    ('(Q1 == "A1" and AGE > 3) or NAME == "x"', "mixes “and” and “or”"),
    ('!(Q1 == "A1" or AGE > 3) or NAME == "x"', "mixes “and” and “or”"),
    ("AGE + 1 > 3", "calculates"),
    ("AGE * 2 > 3", "calculates"),
    ("sum(AGE, 1) > 3", "sum(…)"),
    ('regexMatch("/^x/", NAME)', "regexmatch(…)"),
    ('UNKNOWN == "1"', "“UNKNOWN”, which is not a question that was imported"),
    ('Q9_SQ001 == "Y"', "“Q9_SQ001”, which is not a question"),
    ('LATER == "x"', "“LATER”, which comes later"),
    ('Q1 == "A9"', "“A9” is not an answer option of “Q1”"),
    ('Q2_SQ009 == "Y"', "“SQ009” is not an answer option"),
    ('Q1 > "A1"', "by order"),
    ('Q2 == "SQ001"', "multiple-choice question “Q2”"),
    ('Q2_SQ001 == "N"', "ticked (Y) or not"),
    ('AGE == "many"', "not a number"),
    ('NAME > "b"', "by order"),
    ('WHEN > "2024-01-01"', "by order"),
    ('MX == "A1"', "only ask whether it is answered"),
    ('Q1.shown == "x"', "“Q1.shown”, a property"),
    ('Q1.value == "1"', "assessment value"),
    ("0", "never holds"),
    ('0 and Q1 == "A1"', "never holds"),
    ('Q1 = "A1"', "assigns a value"),
    ("Q1 == AGE", "another answer"),
    ('"a" == "a"', "without naming a question"),
    ('Q1 == "A1" and (', "could not be read"),
    ("AGE < 3 < 5", "chains comparisons"),
    ("AGE", "on its own"),
    ('"yes"', "a text where a condition"),
    ("strlen(NAME) > 3", "strlen(…)"),
    ('Q1 == "A1" and {AGE} > 3', "{…} inside"),
    ("AGE > 3 # comment", "could not be read"),
    ('"x" == "' + "x" * 4001 + '"', "longer than 4000"),
    ("(" * (MAX_DEPTH + 1) + "AGE > 1" + ")" * (MAX_DEPTH + 1), f"more than {MAX_DEPTH} levels"),
    ("!" * (MAX_DEPTH + 1) + "is_empty(AGE)", "levels deep"),
    ("is_empty(" * (MAX_DEPTH + 1) + "AGE" + ")" * (MAX_DEPTH + 1), "levels deep"),
]

XLSFORM_OK = [
    ("${q1} = 'a1'", rules("all", ("q1", "equals", "a1"))),
    ("'a2' = ${q1}", rules("all", ("q1", "equals", "a2"))),
    ('${q1} != "a1"', rules("all", ("q1", "not_equals", "a1"))),
    ("${q1} = 'a1' or ${q1} = 'a2'", rules("all", ("q1", "any_of", "a1,a2"))),
    ("selected(${q1}, 'a3')", rules("all", ("q1", "equals", "a3"))),
    ("selected(${m}, 'sq002')", rules("all", ("m", "equals", "sq002"))),
    ("not(selected(${m}, 'sq002'))", rules("all", ("m", "not_equals", "sq002"))),
    (
        "selected(${m},'sq001') or selected(${m},'other')",
        rules("all", ("m", "any_of", "sq001,other")),
    ),
    ("${age} >= 18 and ${age} <= 67", rules("all", ("age", "ge", "18"), ("age", "le", "67"))),
    ("not(${age} > 17)", rules("all", ("age", "le", "17"))),
    (
        "not(${q1} = 'a1' or ${age} < 18)",
        rules("all", ("q1", "not_equals", "a1"), ("age", "ge", "18")),
    ),
    ("${name} != ''", rules("all", ("name", "answered", ""))),
    ("${name} = ''", rules("all", ("name", "not_answered", ""))),
    ("string-length(${name}) > 0", rules("all", ("name", "answered", ""))),
    ("string-length(${name}) = 0", rules("all", ("name", "not_answered", ""))),
    ("count-selected(${m}) >= 1", rules("all", ("m", "answered", ""))),
    ("${yn} = 'yes' and ${sat} < 3", rules("all", ("yn", "equals", "yes"), ("sat", "lt", "3"))),
    ("true()", ALWAYS),
    ("", ALWAYS),
    ("true() and ${age} > 1", rules("all", ("age", "gt", "1"))),
]

XLSFORM_REFUSED = [
    ("${age} * 2 > 10", "calculates"),
    ("${age} div 2 > 10", "calculates"),
    ("count-selected(${m}) >= 2", "count-selected(…)"),
    ("${nope} = 'a'", "“${nope}”, which is not a question that was imported"),
    ("coalesce(${name}, 'x') = 'x'", "coalesce(…)"),
    ("selected(${m}, 'zz')", "“zz” is not an answer option of “${m}”"),
    ("selected(${name}, 'zz')", "has no options"),
    ("${q1} = 'a1' and (${age} > 3 or ${name} = 'x')", "mixes"),
    (". > 3", "could not be read"),
    ("age > 3", "not a ${name} reference"),
    ("${later} = 'x'", "comes later"),
    ("false()", "never holds"),
    ("${m} = 'sq001'", "multiple-choice"),
    ("not(" * (MAX_DEPTH + 1) + "${age} > 1" + ")" * (MAX_DEPTH + 1), "levels deep"),
]


def _check_valid(condition_value):
    """The condition works in a real survey: the logic check finds nothing wrong."""
    errors = validate_schema(compile_schema(assign_keys(body_with(condition_value))))
    assert errors == []


@pytest.mark.parametrize(("expr", "expected"), LIMESURVEY_OK)
def test_limesurvey_expressions_that_translate(expr, expected):
    result = condition_from_limesurvey(expr, LS_REFS, 1)
    assert result.ok, result.reason
    assert condition(result.condition) == expected
    _check_valid(result.condition)


@pytest.mark.parametrize(("expr", "fragment"), LIMESURVEY_REFUSED)
def test_limesurvey_expressions_that_do_not(expr, fragment):
    result = condition_from_limesurvey(expr, LS_REFS, 1)
    assert result.condition is None
    assert fragment in result.reason
    assert not result.same_step


@pytest.mark.parametrize(("expr", "expected"), XLSFORM_OK)
def test_xlsform_expressions_that_translate(expr, expected):
    result = condition_from_xlsform(expr, XLS_REFS, 1)
    assert result.ok, result.reason
    assert condition(result.condition) == expected
    _check_valid(result.condition)


@pytest.mark.parametrize(("expr", "fragment"), XLSFORM_REFUSED)
def test_xlsform_expressions_that_do_not(expr, fragment):
    result = condition_from_xlsform(expr, XLS_REFS, 1)
    assert result.condition is None
    assert fragment in result.reason


def test_a_question_on_the_same_page_is_flagged_so_a_reader_can_split_the_page():
    result = condition_from_limesurvey('Q1 == "A1" and HERE == "x"', LS_REFS, 1)
    assert result.condition is None and result.same_step
    assert "“HERE” on the same page" in result.reason
    allowed = condition_from_limesurvey('HERE == "x"', LS_REFS, 1, same_step_ok=True)
    assert condition(allowed.condition) == rules("all", ("here", "equals", "x"))
    # Another obstacle wins: splitting the page would not help.
    mixed = condition_from_xlsform("${here} = 'x' and ${later} = 'y'", XLS_REFS, 1)
    assert mixed.condition is None and not mixed.same_step and "later" in mixed.reason


def test_long_and_or_chains_are_lists_not_deep_recursion():
    chain = " or ".join(f"AGE == {n}" for n in range(250))
    result = condition_from_limesurvey(chain, LS_REFS, 1)
    assert result.ok and len(result.condition["rules"]) == 250
    sums = "AGE" + " + 1" * 900 + " > 3"
    assert "calculates" in condition_from_limesurvey(sums, LS_REFS, 1).reason


_ALPHABET = st.sampled_from(
    [
        *"()!=<>&|+-*/,'\" .{}$_",
        "Q1",
        "Q2_SQ001",
        "AGE",
        "NAME",
        "${q1}",
        "${m}",
        "${age}",
        "and",
        "or",
        "not",
        "not(",
        "is_empty(",
        "selected(",
        "'A1'",
        "'a1'",
        '"Y"',
        "1",
        "18",
        "ge",
        "eq",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=40).map(" ".join))
def test_any_input_gives_a_valid_condition_or_a_reason(text):
    for translate, refs in (
        (condition_from_limesurvey, LS_REFS),
        (condition_from_xlsform, XLS_REFS),
    ):
        result = translate(text, refs, 1)
        if result.ok:
            _check_valid(result.condition)
        else:
            assert result.reason
