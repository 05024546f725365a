"""Segments: rules over member fields and screener answers, counted in the database, and
visible only to the library's own staff."""

import re

import pytest
from django.urls import reverse
from wagtail.models import Site

from panel.models import PanelMember, Segment
from panel.selectors import segment_count, segment_members
from tests import factories


def _member(site, email, status="active", **fields):
    return PanelMember.objects.create(
        library=site, email=email, status=status, age_band=fields.pop("age_band", "20-24"), **fields
    )


def _segment(site, rules, match="all"):
    return Segment.objects.create(
        library=site,
        name="Studenter med få lån",
        match=match,
        rules=[
            {"type": "rule", "value": {"field": f, "operator": o, "value": v}} for f, o, v in rules
        ],
    )


@pytest.fixture
def members(library_a, library_b):
    a = Site.objects.get(root_page=library_a)
    b = Site.objects.get(root_page=library_b)
    _member(
        a,
        "s1@x.no",
        channel="qr-bokbad",
        attributes={"student": "yes", "loans": "1-3", "uses": ["wifi", "study"], "visits": 4},
    )
    _member(
        a, "s2@x.no", channel="link", attributes={"student": "yes", "loans": "1-3", "visits": 12}
    )
    _member(
        a,
        "w@x.no",
        channel="qr-bokbad",
        age_band="35-49",
        attributes={"student": "no", "loans": "0", "uses": ["wifi"]},
    )
    _member(a, "p@x.no", status="pending", attributes={"student": "yes", "loans": "1-3"})
    _member(b, "b@x.no", channel="qr-bokbad", attributes={"student": "yes", "loans": "1-3"})
    return a


def test_students_with_few_loans_who_came_by_qr(members):
    segment = _segment(
        members,
        [
            ("student", "equals", "yes"),
            ("loans", "equals", "1-3"),
            ("channel", "equals", "qr-bokbad"),
        ],
    )
    assert [m.email for m in segment_members(segment)] == ["s1@x.no"]


@pytest.mark.parametrize(
    ("rules", "match", "expected"),
    [
        ([], "all", {"s1@x.no", "s2@x.no", "w@x.no"}),  # pending and other library excluded
        ([("uses", "equals", "wifi")], "all", {"s1@x.no", "w@x.no"}),  # multiple choice
        ([("loans", "any_of", "0, 4-12")], "all", {"w@x.no"}),
        ([("student", "not_equals", "yes")], "all", {"w@x.no"}),
        ([("uses", "answered", "")], "all", {"s1@x.no", "w@x.no"}),
        ([("visits", "gt", "5")], "all", {"s2@x.no"}),
        ([("visits", "ge", "4")], "all", {"s1@x.no", "s2@x.no"}),  # 4 counts: at least
        ([("visits", "le", "4")], "all", {"s1@x.no"}),
        ([("age_band", "equals", "35-49"), ("visits", "lt", "5")], "any", {"s1@x.no", "w@x.no"}),
        ([("age_band", "any_of", "20-24")], "all", {"s1@x.no", "s2@x.no"}),
    ],
)
def test_rules(members, rules, match, expected):
    segment = _segment(members, rules, match)
    assert {m.email for m in segment_members(segment)} == expected
    assert segment_count(segment) == len(expected)


def test_segment_list_shows_live_counts_to_own_staff_only(client, members, library_a, library_b):
    segment = _segment(members, [("student", "equals", "yes")])
    client.force_login(factories.researcher("forsker-a", library_a))
    listing = client.get(reverse("wagtailsnippets_panel_segment:list")).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", listing))
    assert re.search(r"Studenter med få lån .*Stavanger \S* ?2 ", text), text[-600:]
    client.force_login(factories.researcher("forsker-b", library_b))
    listing = client.get(reverse("wagtailsnippets_panel_segment:list")).content.decode()
    assert "Studenter med få lån" not in listing
    edit = client.get(reverse("wagtailsnippets_panel_segment:edit", args=[segment.pk]))
    assert edit.status_code == 404
