"""Loan statistics from the library system, applied to members who consented to linking."""

import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from wagtail.models import Site

from ..loans import parse_loans_csv
from ..models import (
    LoanImport,
    PanelMember,
    Purpose,
)
from .consent import member_consents_now


def loans_import(
    *, library: Site, uploaded_by: Any, filename: str, content: bytes
) -> tuple[LoanImport, bool]:
    """Apply a loan-statistics file to the members who consented to linking (matched by
    card hash or e-mail address): their ``loan_band`` and ``loan_year`` attributes take the
    newest year's band. Returns (the import, whether this exact file was imported before —
    then nothing changes)."""
    digest = hashlib.sha256(content).hexdigest()
    earlier = LoanImport.objects.filter(library=library, sha256=digest).first()
    if earlier is not None:
        return earlier, True
    rows, problems = parse_loans_csv(content, settings.INNSIKT_CARD_HMAC_KEY)
    matched = changed = 0
    with transaction.atomic():
        members = PanelMember.objects.select_for_update().filter(
            library=library, status=PanelMember.Status.ACTIVE
        )
        by_card = {m.card_hash: m for m in members if m.card_hash}
        by_email = {m.email: m for m in members}
        for row in rows:
            member = by_card.get(row.card_hash) if row.card_hash else by_email.get(row.email)
            if member is None or not member_consents_now(member, Purpose.LOAN_LINKING):
                continue
            matched += 1
            if int(member.attributes.get("loan_year", 0)) > row.year:
                continue
            new = {**member.attributes, "loan_band": row.band, "loan_year": row.year}
            if new != member.attributes:
                member.attributes = new
                member.save(update_fields=["attributes"])
                changed += 1
        record = LoanImport.objects.create(
            library=library,
            sha256=digest,
            filename=filename[:200],
            uploaded_by=uploaded_by,
            rows=len(rows) + len(problems),
            matched=matched,
            changed=changed,
            problems=[{"line": line, "problem": text} for line, text in problems],
        )
    return record, False
