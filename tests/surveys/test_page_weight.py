"""A question page is light: HTML + CSS ≤ 30 KB, no third-party requests, shuffled options
keep fixed ones in place."""

import re
from pathlib import Path

from surveys.forms import ordered_options
from tests.surveys.test_hostile import all_types  # noqa: F401  (fixture)

CSS = Path(__file__).resolve().parents[2] / "cms" / "static" / "css" / "innsikt.css"


def test_question_page_with_every_type_is_under_30_kb(respondent, all_types):  # noqa: F811
    response = respondent.get(all_types.url)
    html = response.content
    assert response.status_code == 200
    total = len(html) + CSS.stat().st_size
    assert total <= 30 * 1024, total
    # Only same-origin resources, and a policy that forbids others.
    for url in re.findall(rb'(?:src|href)="([^"]+)"', html):
        assert not url.startswith((b"http://", b"https://", b"//")) or b"localhost" in url
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert b"<script" not in html


def test_shuffling_keeps_fixed_options_in_place():
    q = {
        "key": "q",
        "randomise": True,
        "options": [
            {"key": k, "label": k, "fixed": k == "dont-know"}
            for k in ["a", "b", "c", "d", "dont-know"]
        ],
    }
    orders = {tuple(o["key"] for o in ordered_options(q, seed)) for seed in range(40)}
    assert len(orders) > 5
    assert all(order[-1] == "dont-know" for order in orders)
    # The same respondent (seed) always sees the same order.
    assert ordered_options(q, 7) == ordered_options(q, 7)
