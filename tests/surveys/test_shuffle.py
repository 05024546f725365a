"""A page can shuffle its questions per respondent (issue 17 item 5): each respondent keeps
one order on every request, headings and questions marked "Keep in place" stay put, and
the answers are stored by key whatever the order."""

import re

from django.test import Client

from surveys.forms import ordered_questions
from surveys.models import Response
from tests import factories
from tests.factories import q, step
from tests.wizard import Walk

KEYS = ["a", "b", "c", "d", "e", "f"]


def _schema_step(shuffle: bool = True) -> dict:
    questions = [{"type": "heading", "key": "top", "text": "Om deg"}]
    questions += [{"type": "short_text", "key": k, "label": k, "fixed": k == "c"} for k in KEYS]
    return {"key": "p1", "shuffle": shuffle, "questions": questions}


def test_the_order_is_the_respondents_own_and_fixed_questions_stay():
    orders = {
        tuple(q["key"] for q in ordered_questions(_schema_step(), seed)) for seed in range(40)
    }

    assert len(orders) > 10  # respondents see different orders
    for order in orders:
        assert sorted(order) == sorted(["top", *KEYS])  # nothing lost, nothing doubled
        assert order[0] == "top" and order[3] == "c"  # the heading and "c" keep their place
    assert ordered_questions(_schema_step(), 7) == ordered_questions(_schema_step(), 7)
    unshuffled = [q["key"] for q in ordered_questions(_schema_step(shuffle=False), 7)]
    assert unshuffled == ["top", *KEYS]


def _shuffled_survey(library):
    questions = [q("short_text", k, f"Spørsmål {k}", required=k != "f") for k in KEYS]
    questions[2]["value"]["fixed"] = True  # "c" keeps its place
    page = step("p1", *questions)
    page["value"]["shuffle_questions"] = True
    return factories.survey(library, [page, step("p2", q("yes_no", "card", "Lånekort?"))])


def _order(html: str) -> list[str]:
    return re.findall(r'<label for="f-([a-f])"', html)


def test_each_respondent_keeps_an_order_of_their_own(library_a):
    survey = _shuffled_survey(library_a)
    walks = [Walk(Client(HTTP_HOST="localhost"), survey.url).open() for _ in range(8)]
    orders = [_order(w.html) for w in walks]

    assert all(sorted(o) == KEYS for o in orders)
    assert all(o[2] == "c" for o in orders)
    assert len({tuple(o) for o in orders}) > 1  # not one order for everybody (8 visitors)

    walk, first = walks[0], orders[0]
    walk.submit({"a": "1"})  # errors: the page comes back in the same order
    assert _order(walk.html) == first
    walk.submit({k: k.upper() for k in KEYS})
    assert walk.step == "p2"
    walk.submit({"card": "yes"})
    assert Response.objects.get().answers == {**{k: k.upper() for k in KEYS}, "card": "yes"}
