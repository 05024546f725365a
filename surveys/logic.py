"""Show-if and skip logic: evaluation and validation (DESIGN.md §3 "Logic is data").

Conditions are data: ``{"match": "all"|"any", "rules": [{"question", "op", "value"}]}``.
One function, :func:`evaluate`, decides which steps and questions a respondent sees and which
answers are kept; the wizard and ``response_submit`` both call it, so an answer to a question
that ends up hidden is never stored. :func:`validate_schema` rejects rules an editor cannot
mean: references to unknown, later or same-page questions (which also rules out cycles),
skips backwards, wrong option keys and non-numeric comparisons.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .schema import NUMERIC_TYPES, Schema, answerable

PIPE_RE = re.compile(r"\{([a-z0-9][a-z0-9_-]{0,79})\}")
OPERATORS = {
    "equals",
    "not_equals",
    "any_of",
    "gt",
    "lt",
    "ge",
    "le",
    "answered",
    "not_answered",
}
# Comparisons of numbers: greater than, less than, at least, at most.
NUMBER_OPERATORS = {"gt", "lt", "ge", "le"}
END = "end"
Answers = dict[str, Any]


def is_answered(value: Any) -> bool:
    return value not in (None, "", [], {}) and value is not False


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _equals(answer: Any, expected: str) -> bool:
    if isinstance(answer, list):
        return expected in [str(a) for a in answer]
    if isinstance(answer, dict) or not is_answered(answer):
        return False
    a, b = _as_float(answer), _as_float(expected)
    if a is not None and b is not None:
        return a == b
    return str(answer) == expected


def rule_holds(rule: dict[str, Any], answers: Answers) -> bool:
    answer = answers.get(rule["question"])
    op, value = rule["op"], rule.get("value", "")
    if op == "answered":
        return is_answered(answer)
    if op == "not_answered":
        return not is_answered(answer)
    if op == "equals":
        return _equals(answer, value)
    if op == "not_equals":
        return not _equals(answer, value)
    if op == "any_of":
        return any(_equals(answer, v.strip()) for v in value.split(",") if v.strip())
    if op in NUMBER_OPERATORS:
        a, b = _as_float(answer), _as_float(value)
        if a is None or b is None:
            return False
        if op == "gt":
            return a > b
        if op == "lt":
            return a < b
        return a >= b if op == "ge" else a <= b
    return False


def condition_holds(condition: dict[str, Any] | None, answers: Answers) -> bool:
    """True when there is no condition, else all/any of its rules hold."""
    if not condition or not condition.get("rules"):
        return True
    results = (rule_holds(rule, answers) for rule in condition["rules"])
    return any(results) if condition.get("match") == "any" else all(results)


@dataclass
class Evaluation:
    steps: list[str] = field(default_factory=list)
    questions: dict[str, list[str]] = field(default_factory=dict)
    answers: Answers = field(default_factory=dict)
    ended_after: str | None = None


def evaluate(schema: Schema, answers: Answers) -> Evaluation:
    """Walk the survey in order with the given answers.

    Returns the visible steps, the visible questions per step and the answers that are kept
    (only those to visible questions; ``<key>.other`` follows its question). A step is hidden
    when its own condition fails or an earlier skip rule jumps over it. Conditions only ever
    see answers kept so far, so a hidden question cannot influence what follows.
    """
    result = Evaluation()
    skip_to: str | None = None
    for step in schema["steps"]:
        if result.ended_after is not None:
            break
        if skip_to is not None:
            if step["key"] != skip_to:
                continue
            skip_to = None
        if not condition_holds(step.get("show_if"), result.answers):
            continue
        result.steps.append(step["key"])
        visible = []
        for q in step["questions"]:
            if not condition_holds(q.get("show_if"), result.answers):
                continue
            visible.append(q["key"])
            if answerable(q) and q["key"] in answers:
                result.answers[q["key"]] = answers[q["key"]]
                other = f"{q['key']}.other"
                if other in answers:
                    result.answers[other] = answers[other]
        result.questions[step["key"]] = visible
        for rule in step.get("skip") or []:
            if rule.get("when") and condition_holds(rule["when"], result.answers):
                if rule["target"] == END:
                    result.ended_after = step["key"]
                else:
                    skip_to = rule["target"]
                break
    return result


def pipe(text: str, labels: dict[str, str]) -> str:
    """Replace ``{question-key}`` with the display text of an earlier answer (plain text;
    templates escape it). Unknown or unanswered keys become an empty string."""
    return PIPE_RE.sub(lambda m: labels.get(m.group(1), ""), text)


def _question_label(q: dict[str, Any]) -> str:
    return q.get("label") or q.get("text") or q["key"]


def validate_schema(schema: Schema) -> list[str]:
    """Editor-facing messages for every impossible rule; empty when the survey is sound."""
    errors: list[str] = []
    position: dict[str, int] = {}
    questions: dict[str, dict[str, Any]] = {}
    step_index = {step["key"]: i for i, step in enumerate(schema["steps"])}
    for i, step in enumerate(schema["steps"]):
        for q in step["questions"]:
            if answerable(q):
                position[q["key"]] = i
                questions[q["key"]] = q

    def check(cond: dict[str, Any] | None, where: str, step_no: int, allow_same: bool) -> None:
        for rule in (cond or {}).get("rules", []):
            key = rule["question"]
            if key not in questions:
                errors.append(
                    _(
                        '%(where)s: the condition refers to "%(key)s", which is not a question in '
                        "this survey."
                    )
                    % {"where": where, "key": key}
                )
                continue
            at = position[key]
            target = questions[key]
            name = _question_label(target)[:60]
            if at > step_no or (at == step_no and not allow_same):
                errors.append(
                    _(
                        '%(where)s: the condition refers to "%(question)s" on page %(page)d; '
                        "conditions can only use answers from earlier pages."
                    )
                    % {"where": where, "question": name, "page": at + 1}
                )
            op, value = rule["op"], rule.get("value", "")
            if op not in OPERATORS:
                errors.append(_("%(where)s: unknown operator.") % {"where": where})
            elif op in NUMBER_OPERATORS:
                if target["type"] not in NUMERIC_TYPES or _as_float(value) is None:
                    errors.append(
                        _(
                            '%(where)s: "greater/less than" and "at least/at most" need a '
                            "number question and a number value."
                        )
                        % {"where": where}
                    )
            elif op in ("equals", "not_equals", "any_of") and target.get("options"):
                valid = {o["key"] for o in target["options"]}
                if target.get("other"):
                    valid.add("other")
                wanted = [v.strip() for v in value.split(",")] if op == "any_of" else [value]
                if (
                    op != "any_of"
                    and "," in value
                    and all(v.strip() in valid for v in value.split(","))
                ):
                    errors.append(
                        _(
                            '%(where)s: "is" and "is not" compare with one option of '
                            '"%(question)s"; use "is any of" for several.'
                        )
                        % {"where": where, "question": name}
                    )
                    continue
                for v in wanted:
                    if v not in valid:
                        errors.append(
                            _(
                                '%(where)s: "%(value)s" is not an option of "%(question)s". '
                                "Options: %(options)s."
                            )
                            % {
                                "where": where,
                                "value": v,
                                "question": name,
                                "options": ", ".join(sorted(valid)),
                            }
                        )

    def check_pipes(text: str, where: str, step_no: int) -> None:
        for key in PIPE_RE.findall(text or ""):
            if key not in questions or position[key] >= step_no:
                name = _question_label(questions[key])[:60] if key in questions else key
                errors.append(
                    _(
                        '%(where)s: "{%(key)s}" (%(question)s) can only show an answer from an '
                        "earlier page."
                    )
                    % {"where": where, "key": key, "question": name}
                )

    for i, step in enumerate(schema["steps"]):
        page = _("Page %(page)d") % {"page": i + 1}
        check(step.get("show_if"), page, i, allow_same=False)
        for q in step["questions"]:
            where = f'{page}, "{_question_label(q)[:60]}"'
            check(q.get("show_if"), where, i, allow_same=False)
            check_pipes(q.get("label", ""), where, i)
            check_pipes(q.get("help", ""), where, i)
        for rule in step.get("skip") or []:
            where = _("%(page)s, skip rule") % {"page": page}
            check(rule.get("when"), where, i, allow_same=True)
            target = rule.get("target")
            if target != END and step_index.get(target, -1) <= i:
                if target in step_index:
                    target = _("page %(n)d") % {"n": step_index[target] + 1}
                errors.append(
                    _(
                        '%(where)s: "%(target)s" is not a later page. Choose a later page or '
                        "the end."
                    )
                    % {"where": where, "target": target}
                )
    return errors


def shown_unanswered(schema: Schema, answers: Answers) -> list[str]:
    """The keys of the answerable questions the respondent was shown (under the survey's
    logic, with their answers) and left unanswered — optional ones skipped. Empty: the
    answer is complete. Questions hidden by a condition or skipped over do not count."""
    by_key = {q["key"]: q for step in schema["steps"] for q in step["questions"]}
    walk = evaluate(schema, answers)
    return [
        key
        for step in walk.steps
        for key in walk.questions.get(step, [])
        if answerable(by_key[key]) and not is_answered(walk.answers.get(key))
    ]
