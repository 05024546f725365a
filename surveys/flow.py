"""A survey's flow as a whole: every path a respondent can take, and a diagram's geometry.

Pure (no models). Paths are found by running the one evaluation (surveys.logic.evaluate) over
sample answers: for every question a rule refers to, the values that make its rules differ
(each option a rule names plus one it does not name, numbers either side of each threshold,
no answer when the question may be left empty). Runs that see the same pages are one path;
each path says which pages are seen and, in words, which rules decided it — so the list is
exactly what the wizard would do, not a second reading of the rules.
"""

import itertools
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .logic import END, condition_holds, evaluate
from .schema import CHOICE_TYPES, NUMERIC_TYPES, Schema, questions_by_key
from .sentences import condition_clause, quoted, skip_sentence, step_name

MAX_RUNS = 4096


@dataclass
class Path:
    steps: list[int]  # page numbers (1-based) in the order seen
    ended_early: bool
    because: list[list[str]] = field(default_factory=list)  # alternatives, each a list of clauses


def _referenced(schema: Schema) -> dict[str, list[dict[str, Any]]]:
    """{question key: the rules that name it}, in the order of the survey."""
    found: dict[str, list[dict[str, Any]]] = {}
    conditions = []
    for step in schema["steps"]:
        conditions.append(step.get("show_if"))
        conditions.extend(q.get("show_if") for q in step["questions"])
        conditions.extend(rule.get("when") for rule in step.get("skip") or [])
    for condition in conditions:
        for rule in (condition or {}).get("rules") or []:
            found.setdefault(rule["question"], []).append(rule)
    return found


def sample_values(q: dict[str, Any], rules: list[dict[str, Any]]) -> list[Any]:
    """Answers to ``q`` that tell its rules apart (see the module's docstring)."""
    named: list[str] = []
    for rule in rules:
        value = str(rule.get("value") or "")
        parts = value.split(",") if rule.get("op") == "any_of" else [value]
        named.extend(p.strip() for p in parts if p.strip() and p.strip() not in named)
    values: list[Any] = []
    if q.get("options") is not None and q["type"] != "matrix":
        keys = [o["key"] for o in q["options"]] + (["other"] if q.get("other") else [])
        chosen = [k for k in keys if k in named]
        spare = [k for k in keys if k not in named][:1]
        values = chosen + spare
        if q["type"] in CHOICE_TYPES - {"single_choice", "dropdown"}:
            values = [[v] for v in values]
    elif q["type"] in NUMERIC_TYPES:
        numbers: set[float] = set()
        for v in named:
            try:
                n = float(v)
            except ValueError:
                continue
            numbers.update({n - 1, n, n + 1})
        values = [int(n) if n.is_integer() else n for n in sorted(numbers)] or [1]
    else:
        values = [*named, _("something else")] if named else [_("an answer")]
    if not q.get("required") or any(r.get("op") in ("answered", "not_answered") for r in rules):
        values.append(None)
    return values


def _decisions(schema: Schema, answers: dict[str, Any]) -> list[str]:
    """The page conditions and skip rules that decided this run, in words, page by page:
    pages shown or left out by their condition, skip rules that fired, and skip rules of a
    page seen that did not fire. Pages jumped over or after the end are not mentioned."""
    questions = questions_by_key(schema)
    result = evaluate(schema, answers)
    kept = result.answers
    clauses: list[str] = []
    seen = set(result.steps)
    jump_to: int | None = None
    for i, step in enumerate(schema["steps"]):
        if jump_to is not None:
            if i < jump_to:
                continue
            jump_to = None
        show_if = step.get("show_if")
        if show_if and show_if.get("rules"):
            clause = condition_clause(show_if, questions)
            if step["key"] in seen:
                clauses.append(_("page %(n)d is shown: %(why)s") % {"n": i + 1, "why": clause})
            else:
                clauses.append(
                    _("page %(n)d is left out: not %(why)s") % {"n": i + 1, "why": clause}
                )
        if step["key"] not in seen:
            continue
        for rule in step.get("skip") or []:
            if not rule.get("when"):
                continue
            if condition_holds(rule["when"], kept):
                clauses.append(skip_sentence(rule, schema, questions))
                if rule["target"] == END:
                    return clauses
                jump_to = _index(schema, rule["target"])
                break
            clauses.append(
                _("after page %(n)d, no skip: not %(why)s")
                % {"n": i + 1, "why": condition_clause(rule["when"], questions)}
            )
    return clauses


def _index(schema: Schema, key: str) -> int:
    for i, step in enumerate(schema["steps"]):
        if step["key"] == key:
            return i
    return len(schema["steps"])


def flow_paths(schema: Schema) -> tuple[list[Path], bool]:
    """Every distinct path through the survey (pages seen, in order), with the rules that
    lead to it; and whether the sample was cut short (more than MAX_RUNS combinations)."""
    questions = questions_by_key(schema)
    referenced = {k: rules for k, rules in _referenced(schema).items() if k in questions}
    keys = list(referenced)
    domains = [sample_values(questions[k], referenced[k]) for k in keys]
    index = {step["key"]: i + 1 for i, step in enumerate(schema["steps"])}
    paths: dict[tuple[tuple[int, ...], bool], Path] = {}
    truncated = False
    for n, combo in enumerate(itertools.product(*domains)):
        if n >= MAX_RUNS:
            truncated = True
            break
        answers = {k: v for k, v in zip(keys, combo, strict=True) if v is not None}
        result = evaluate(schema, answers)
        steps = tuple(index[s] for s in result.steps)
        ended = result.ended_after is not None and steps[-1:] != (len(schema["steps"]),)
        path = paths.setdefault((steps, ended), Path(steps=list(steps), ended_early=ended))
        because = _decisions(schema, answers)
        if because not in path.because:
            path.because.append(because)
    return list(paths.values()), truncated


# ---- the diagram's geometry -------------------------------------------------------------
BOX_W, BOX_H, GAP, MARGIN, LANE = 340, 58, 36, 16, 26


def flow_diagram(schema: Schema) -> dict[str, Any]:
    """Boxes (pages and the end), the arrows between them and the skip arrows, with their
    words; a template draws it as SVG. Skip arrows run in lanes to the right of the boxes
    and are numbered; the numbers match the list of skips under the diagram."""
    questions = questions_by_key(schema)
    steps = schema["steps"]
    boxes: list[dict[str, Any]] = []
    for i, step in enumerate(steps):
        y = MARGIN + i * (BOX_H + GAP)
        shown_if = condition_clause(step.get("show_if"), questions)
        name = step_name(schema, step["key"])
        boxes.append(
            {
                "x": MARGIN,
                "y": y,
                "label": name[:1].upper() + name[1:],
                "note": _("Only if %(condition)s") % {"condition": shown_if} if shown_if else "",
                "conditional_questions": sum(1 for q in step["questions"] if q.get("show_if")),
                "end": False,
            }
        )
    end_y = MARGIN + len(steps) * (BOX_H + GAP)
    boxes.append(
        {
            "x": MARGIN,
            "y": end_y,
            "label": _("End"),
            "note": "",
            "end": True,
            "conditional_questions": 0,
        }
    )
    arrows = [
        {"x": MARGIN + BOX_W // 2, "y1": b["y"] + BOX_H, "y2": b["y"] + BOX_H + GAP}
        for b in boxes[:-1]
    ]
    skips: list[dict[str, Any]] = []
    lane = 0
    for i, step in enumerate(steps):
        for rule in step.get("skip") or []:
            if not rule.get("when"):
                continue
            target = _index(schema, rule["target"]) if rule["target"] != END else len(steps)
            lane += 1
            x = MARGIN + BOX_W + lane * LANE
            y1 = boxes[i]["y"] + BOX_H // 2 + 8
            y2 = boxes[min(target, len(steps))]["y"] + BOX_H // 2 - 8
            skips.append(
                {
                    "number": lane,
                    "path": f"M{MARGIN + BOX_W},{y1} H{x} V{y2} H{MARGIN + BOX_W + 6}",
                    "label_x": x + 4,
                    "label_y": (y1 + y2) // 2,
                    "sentence": skip_sentence(rule, schema, questions),
                    "page": i + 1,
                }
            )
    return {
        "width": MARGIN * 2 + BOX_W + (lane + 1) * LANE + 16,
        "height": end_y + BOX_H + MARGIN,
        "box_w": BOX_W,
        "box_h": BOX_H,
        "boxes": boxes,
        "arrows": arrows,
        "skips": skips,
    }


def path_summary(path: Path) -> str:
    """“Pages 1, 2, 4, then the end.”"""
    pages = ", ".join(str(n) for n in path.steps)
    if not path.steps:
        return _("No page is shown.")
    if path.ended_early:
        return _("Pages %(pages)s; the survey ends early.") % {"pages": pages}
    return _("Pages %(pages)s, then the end.") % {"pages": pages}


__all__ = ["Path", "flow_diagram", "flow_paths", "path_summary", "quoted", "sample_values"]
