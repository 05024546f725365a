"""Contact governance: may we contact this member now, for this campaign? (DESIGN.md §3)

Pure: the caller gathers the facts (``ContactFacts``) and the library's rules
(``ContactRules``); ``contact_decision`` answers with a reason. Every send path — first
invitation and reminder alike — asks it. A researcher's written override for one campaign
lifts only the frequency rules (cool-down and the per-period cap), never consent, opt-out,
bounces or the do-not-contact list. An interview invitation needs the interview consent, and
goes to no one who missed ``max_no_shows`` booked interviews.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ContactRules:
    cooldown_days: int = 30
    max_per_period: int = 3
    period_days: int = 90
    max_no_shows: int = 2  # booked interviews not attended: no more interview invitations


@dataclass(frozen=True)
class ContactFacts:
    consent_given: bool  # the latest record for the campaign's purpose is "given"
    consent_current: bool  # ... to the current version, or no material change since
    left_panel: bool
    bounced: bool
    do_not_contact: bool
    already_invited: bool  # to this campaign
    invited_at: list[datetime] = field(default_factory=list)  # earlier invitations
    no_shows: int = 0  # interviews booked and not attended
    interview: bool = False  # the campaign is an interview invitation


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # a stable code: "ok", "no-consent", "left", "cooldown", ...
    # The member agreed to an earlier version of a materially changed text: the invitation
    # must ask for consent to the new version before anything else.
    reconsent: bool = False


def contact_decision(
    facts: ContactFacts, rules: ContactRules, now: datetime, *, override: bool = False
) -> Decision:
    if facts.left_panel:
        return Decision(False, "left")
    if facts.do_not_contact:
        return Decision(False, "do-not-contact")
    if facts.bounced:
        return Decision(False, "bounced")
    if not facts.consent_given:
        return Decision(False, "no-consent")
    if facts.already_invited:
        return Decision(False, "already-invited")
    if facts.interview and facts.no_shows >= rules.max_no_shows:
        return Decision(False, "no-shows")
    if not override:
        if facts.invited_at and now - max(facts.invited_at) < timedelta(days=rules.cooldown_days):
            return Decision(False, "cooldown")
        since = now - timedelta(days=rules.period_days)
        if sum(1 for at in facts.invited_at if at >= since) >= rules.max_per_period:
            return Decision(False, "period-cap")
    return Decision(True, "ok", reconsent=not facts.consent_current)
