"""Loan statistics from the library system: parse a CSV, hash card numbers, band counts.

Pure functions. A row names a member by library card number or e-mail address, a year, and
either a loan count or a band. Card numbers become an HMAC-SHA256 (keyed by
``INNSIKT_CARD_HMAC_KEY``) the moment they are read; the clear number is never kept.
"""

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

# The member attributes the loan statistics set (and withdrawing the linking consent
# deletes): the newest year's band, and that year.
LOAN_ATTRIBUTES = ("loan_band", "loan_year")

BANDS = ["0", "1-3", "4-12", "13-plus"]
CARD_RE = re.compile(r"^[A-Za-z0-9]{4,20}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class LoanRow:
    line: int
    card_hash: str  # "" when the row names an e-mail address
    email: str
    year: int
    band: str


def card_hash(card: str, key: str) -> str:
    normalised = re.sub(r"\s+", "", card).upper()
    return hmac.new(key.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def loan_band(count: int) -> str:
    if count <= 0:
        return "0"
    if count <= 3:
        return "1-3"
    if count <= 12:
        return "4-12"
    return "13-plus"


def parse_loans_csv(data: bytes, key: str) -> tuple[list[LoanRow], list[tuple[int, str]]]:
    """Rows and (line, problem) pairs. Accepts UTF-8 (with or without BOM) or Latin-1,
    comma or semicolon separated, with a header naming ``card`` or ``email``, ``year`` and
    ``loans`` or ``band``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = {(h or "").strip().lower() for h in reader.fieldnames or []}
    problems: list[tuple[int, str]] = []
    if not ({"card", "email"} & header) or "year" not in header or not ({"loans", "band"} & header):
        return [], [(1, _("The header must name card or email, year, and loans or band."))]
    rows: list[LoanRow] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        card, email = row.get("card", ""), row.get("email", "").lower()
        if card and not CARD_RE.match(card.replace(" ", "")):
            problems.append((line, _("The card number is not 4–20 letters or digits.")))
            continue
        if not card and not EMAIL_RE.match(email):
            problems.append((line, _("Neither a card number nor a valid e-mail address.")))
            continue
        try:
            year = int(row.get("year", ""))
        except ValueError:
            problems.append((line, _("The year is not a number.")))
            continue
        if not 2000 <= year <= 2100:
            problems.append((line, _("The year is outside 2000–2100.")))
            continue
        if row.get("band"):
            band = row["band"].replace("–", "-").replace("+", "-plus")
            if band not in BANDS:
                problems.append(
                    (line, _("The band must be one of %(bands)s.") % {"bands": ", ".join(BANDS)})
                )
                continue
        else:
            try:
                count = int(row.get("loans", ""))
            except ValueError:
                problems.append((line, _("The number of loans is not a whole number.")))
                continue
            if count < 0:
                problems.append((line, _("The number of loans is negative.")))
                continue
            band = loan_band(count)
        rows.append(
            LoanRow(line, card_hash(card, key) if card else "", "" if card else email, year, band)
        )
    return rows, problems
