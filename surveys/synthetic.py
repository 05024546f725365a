"""Plausible synthetic answers for a survey schema: demo content and benchmarks.

Answers follow the survey's own logic (surveys.logic.evaluate), so hidden questions stay
unanswered just as they would for a real respondent.
"""

import random
from typing import Any

from .logic import evaluate
from .schema import Schema, answerable

FREE_TEXT = [
    "Bra tilbud, men vanskelig å finne informasjon om arrangementene.",
    "Jeg visste ikke at biblioteket hadde dette.",
    "Mer plass til å studere i eksamenstiden, takk.",
    "Lengre åpningstider i helgene.",
    "Flere e-bøker på engelsk.",
    "Hyggelige ansatte.",
    "Wifi-en er treg om ettermiddagen.",
    "Appen er vanskelig å bruke.",
]


def synthetic_answer(q: dict[str, Any], rng: random.Random) -> Any:
    kind = q["type"]
    options = [o["key"] for o in q.get("options") or []]
    if kind in ("single_choice", "dropdown", "yes_no"):
        weights = [len(options) - i for i in range(len(options))]
        return rng.choices(options, weights=weights)[0]
    if kind == "multiple_choice":
        chosen = [o for o in options if rng.random() < 0.4] or [rng.choice(options)]
        if q.get("max_selections"):
            chosen = chosen[: q["max_selections"]]
        return chosen
    if kind in ("likert", "rating"):
        return int(rng.choices(options, weights=[1, 2, 3, 4, 3, 2, 1][: len(options)])[0])
    if kind == "nps":
        return int(rng.choices(options, weights=[1, 1, 1, 1, 2, 2, 3, 4, 5, 4, 3])[0])
    if kind == "number":
        lo = int(q.get("min") or 0)
        hi = int(q.get("max") or lo + 50)
        return rng.randint(lo, min(hi, lo + 60))
    if kind == "matrix":
        columns = [c["key"] for c in q["columns"]]
        return {r["key"]: rng.choice(columns) for r in q["rows"]}
    if kind == "ranking":
        order = list(options)
        rng.shuffle(order)
        return order
    if kind == "consent":
        return True
    if kind == "date":
        return f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
    if kind == "email":
        return None  # never invent personal data
    return rng.choice(FREE_TEXT)


def synthetic_answers(schema: Schema, rng: random.Random) -> dict[str, Any]:
    """One respondent's answers, following the survey's logic."""
    answers: dict[str, Any] = {}
    for step in schema["steps"]:
        visible = evaluate(schema, answers)
        if visible.ended_after is not None:
            break
        if step["key"] not in visible.steps:
            continue
        shown = set(visible.questions.get(step["key"], []))
        for q in step["questions"]:
            if not answerable(q) or q["key"] not in shown:
                continue
            if not q["required"] and rng.random() < 0.25:
                continue
            value = synthetic_answer(q, rng)
            if value is not None:
                answers[q["key"]] = value
    return evaluate(schema, answers).answers
