"""Contact governance as a pure function: every rule, and what an override may lift."""

from datetime import UTC, datetime, timedelta

import pytest

from panel.eligibility import ContactFacts, ContactRules, contact_decision

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
RULES = ContactRules()


def facts(**changes):
    base = {
        "consent_given": True,
        "consent_current": True,
        "left_panel": False,
        "bounced": False,
        "do_not_contact": False,
        "already_invited": False,
        "invited_at": [],
    }
    return ContactFacts(**{**base, **changes})


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({}, "ok"),
        ({"left_panel": True}, "left"),
        ({"do_not_contact": True}, "do-not-contact"),
        ({"bounced": True}, "bounced"),
        ({"consent_given": False}, "no-consent"),
        ({"already_invited": True}, "already-invited"),
        ({"invited_at": [NOW - timedelta(days=10)]}, "cooldown"),
        ({"invited_at": [NOW - timedelta(days=d) for d in (31, 50, 80)]}, "period-cap"),
        ({"invited_at": [NOW - timedelta(days=d) for d in (31, 50, 100)]}, "ok"),
    ],
)
def test_rules(change, reason):
    decision = contact_decision(facts(**change), RULES, NOW)
    assert decision.reason == reason and decision.allowed is (reason == "ok")


def test_override_lifts_frequency_rules_only():
    recent = facts(invited_at=[NOW - timedelta(days=2)])
    assert contact_decision(recent, RULES, NOW, override=True).allowed
    for change in ({"bounced": True}, {"consent_given": False}, {"left_panel": True}):
        assert not contact_decision(facts(**change), RULES, NOW, override=True).allowed


def test_a_new_material_version_still_invites_but_asks_for_consent_first():
    decision = contact_decision(facts(consent_current=False), RULES, NOW)
    assert decision.allowed and decision.reconsent
    assert not contact_decision(facts(), RULES, NOW).reconsent
