"""Contact governance: may we contact this member now, for this campaign? (DESIGN.md §3)

Pure: the caller gathers the facts (``ContactFacts``) and the library's rules
(``ContactRules``); ``contact_decision`` answers with a reason. Every message about research
asks it right before it is sent (panel.services.contact.contact_gate) — the launch that
invites, each invitation, each reminder, each interview reminder — so a member who left,
withdrew the consent for the purpose, went on the do-not-contact list or bounced since the
launch gets nothing more.

What each kind of message needs:

- ``invite`` (a campaign's launch deciding whom to invite): not left, not on the
  do-not-contact list, not bounced, consent given for the campaign's purpose, not invited
  by this campaign already, not over the no-show limit (interviews), and the frequency
  rules: a cool-down since the last invitation and a cap per period;
- ``send`` (an invitation, when it is sent): the same, except that the invitation itself
  exists; the frequency rules count other campaigns' invitations;
- ``remind`` (a reminder of an unanswered invitation): not left, not on the list, not
  bounced, consent given, not answered yet. A reminder is part of its invitation: the
  frequency rules, which count invitations, do not apply;
- ``booking`` (the day-before reminder of a booked interview): not left, not on the list,
  not bounced, consent given.

Every kind is sent only inside the campaign's daily window: outside it the answer is "not
now" (``later``), and the sender waits for the window. A researcher's written override for
one campaign lifts only the frequency rules, never consent, opt-out, bounces or the
do-not-contact list. An interview invitation needs the interview consent too.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

Kind = Literal["invite", "send", "remind", "booking"]
KINDS: tuple[Kind, ...] = ("invite", "send", "remind", "booking")


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
    invited_at: list[datetime] = field(default_factory=list)  # other campaigns' invitations
    no_shows: int = 0  # interviews booked and not attended
    interview: bool = False  # the campaign is an interview invitation
    completed: bool = False  # the member answered this campaign's survey
    window_open: bool = True  # now is inside the campaign's daily sending window


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # a stable code: "ok", "no-consent", "left", "cooldown", ...
    # The member agreed to an earlier version of a materially changed text: the invitation
    # must ask for consent to the new version before anything else.
    reconsent: bool = False
    # Not now, but later: outside the sending window (nothing is wrong with the member).
    later: bool = False


def contact_decision(
    facts: ContactFacts,
    rules: ContactRules,
    now: datetime,
    *,
    override: bool = False,
    kind: Kind = "invite",
) -> Decision:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of contact: {kind!r}")
    if facts.left_panel:
        return Decision(False, "left")
    if facts.do_not_contact:
        return Decision(False, "do-not-contact")
    if facts.bounced:
        return Decision(False, "bounced")
    if not facts.consent_given:
        return Decision(False, "no-consent")
    if kind == "invite" and facts.already_invited:
        return Decision(False, "already-invited")
    if kind == "remind" and facts.completed:
        return Decision(False, "answered")
    if kind in ("invite", "send"):
        if facts.interview and facts.no_shows >= rules.max_no_shows:
            return Decision(False, "no-shows")
        if not override:
            last = max(facts.invited_at, default=None)
            if last is not None and now - last < timedelta(days=rules.cooldown_days):
                return Decision(False, "cooldown")
            since = now - timedelta(days=rules.period_days)
            if sum(1 for at in facts.invited_at if at >= since) >= rules.max_per_period:
                return Decision(False, "period-cap")
    if not facts.window_open:
        return Decision(False, "outside-window", later=True)
    return Decision(True, "ok", reconsent=not facts.consent_current)
