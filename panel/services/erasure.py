"""Erasures stay erased after a restore: the replay of the erasure journal
(cms.erasure_journal), which ``manage.py restore`` runs once the database is back."""

from cms.erasure_journal import (
    ErasureReplay,
    erasure_hash,
    erasure_journal_read,
    erasure_member_hash,
)
from surveys.models import Response

from ..models import PanelMember
from .my_data import member_erase


def erasures_replay() -> ErasureReplay:
    """Erase again every member the journal names, through ``member_erase`` (so their
    answers are de-linked and the access log re-keyed exactly as at the first erasure), then
    de-link any answer still carrying a journaled pseudonym. Idempotent: a second replay
    finds nobody. Each member's erasure is its own transaction, so an interrupted replay is
    finished by running it again.

    The journal holds keyed hashes only, so matching means hashing every member id and
    every pseudonym still held; both are one row per member, which a restore can afford."""
    journal = erasure_journal_read()
    members = {entry.member for entry in journal.entries}
    pseudonyms = {entry.pseudonym for entry in journal.entries if entry.pseudonym}
    named = [
        pk
        for pk in PanelMember.objects.values_list("pk", flat=True)
        if erasure_member_hash(pk) in members
    ]
    erased = 0
    for pk in named:
        member = PanelMember.objects.filter(pk=pk).first()
        if member is not None:
            member_erase(member=member)
            erased += 1
    delinked = 0
    held = Response.objects.exclude(pseudonym="").values_list("pseudonym", flat=True).distinct()
    for pseudonym in list(held):
        if erasure_hash(kind="pseudonym", value=pseudonym) in pseudonyms:
            delinked += Response.objects.filter(pseudonym=pseudonym).update(pseudonym="")
    return ErasureReplay(
        entries=len(journal.entries),
        unreadable=journal.unreadable,
        members_erased=erased,
        answers_delinked=delinked,
    )
