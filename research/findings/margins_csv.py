"""Population margins from an aggregate CSV file (issue 19): one row per dimension and
category with its population count — never one row per person.

``margins_csv_read(content)`` returns the dimensions, or raises ``MarginsRejected`` with a
translated message that says why and what to do. A margins file is a table of counts that
anyone may read (like an SSB table); a file that looks person-level (a column of unique
identifiers, columns such as name, e-mail, national identity number, birth date or phone,
values that are e-mail addresses or identity numbers, more than ``MAX_ROWS`` rows, counts
of 1 in most rows, no population column) is refused as a whole, so nothing of it is
stored. Pure: no models, no database.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.utils.text import slugify
from django.utils.translation import gettext as _

REQUIRED = ("dimension", "category", "population")
#: An aggregate table of a library's population has tens of rows; thousands are people.
MAX_ROWS = 500
#: A file is read no further than this (a margins file is a few kilobytes).
MAX_BYTES = 1_000_000
#: A column whose every value differs, over at least this many rows, identifies rows.
UNIQUE_COLUMN_MIN_ROWS = 10
#: Counts of exactly 1 in more than this share of the rows: one row per person.
ONES_SHARE = 0.5
ONES_MIN_ROWS = 4

# Column names (lower case, without spaces, dashes and underscores) that only a file about
# persons has: names, contact details, identity numbers, birth dates, card numbers.
_PERSON_COLUMNS = re.compile(
    r"^(id|personid|userid|borrowerid|memberid|uuid|navn|name|fornavn|etternavn|firstname|"
    r"lastname|surname|fullname|email|epost|mail|emailaddress|epostadresse|"
    r"fodselsnummer|fødselsnummer|fnr|personnummer|pnr|dnummer|ssn|nationalid|"
    r"fodselsdato|fødselsdato|født|fodt|birthdate|dateofbirth|dob|birthday|"
    r"telefon|telefonnummer|tlf|mobil|mobilnummer|phone|phonenumber|mobile|"
    r"adresse|address|postadresse|gateadresse|"
    r"lanekort|lånekort|lanekortnummer|lånekortnummer|kortnummer|cardnumber|librarycard)$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ELEVEN_DIGITS = re.compile(r"^\d{6}\s?\d{5}$")  # fødselsnummer / D-nummer
_PHONE = re.compile(r"^\+?\d[\d ]{7,}$")
_COUNT = re.compile(r"^\d+$")


class MarginsRejected(ValueError):
    """The file cannot be used as margins; ``message`` says why (translated). Person-level
    files set ``person_level``."""

    def __init__(self, message: str, *, person_level: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.person_level = person_level


@dataclass(frozen=True)
class CategoryCount:
    key: str
    label: str
    population: int


@dataclass(frozen=True)
class DimensionCounts:
    key: str
    label: str
    categories: tuple[CategoryCount, ...]


def margins_csv_read(content: bytes) -> tuple[DimensionCounts, ...]:
    """The dimensions of an aggregate margins file (columns ``dimension``, ``category``,
    ``population``; comma, semicolon or tab separated; UTF-8 or Windows-1252), in file
    order. Raises ``MarginsRejected`` for anything that is not such a file."""
    if len(content) > MAX_BYTES:
        raise MarginsRejected(
            _(
                "The file is larger than a margins table can be (%(limit)s kB). A margins "
                "file has one row per category with its population count, not one row per "
                "person."
            )
            % {"limit": MAX_BYTES // 1000},
            person_level=True,
        )
    text = _decoded(content)
    if not text.strip():
        raise MarginsRejected(_("The file is empty."))
    rows = _rows(text)
    header = [_column_name(cell) for cell in rows[0]]
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    _check_person_columns(rows[0], header)
    _check_unique_columns(rows[0], header, body)
    if "population" not in header:
        raise MarginsRejected(
            _(
                "The file has no “population” column. A margins file gives the population "
                "count of each category (columns: dimension, category, population); a list "
                "of people, one row each, cannot be used."
            ),
            person_level=True,
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise MarginsRejected(
            _(
                "The file lacks the column(s) %(columns)s. Expected: dimension, category, "
                "population."
            )
            % {"columns": ", ".join(missing)}
        )
    extra = [
        raw.strip() for raw, name in zip(rows[0], header, strict=False) if name not in REQUIRED
    ]
    if extra:
        raise MarginsRejected(
            _(
                "Unexpected column(s): %(columns)s. A margins file has exactly the columns "
                "dimension, category and population."
            )
            % {"columns": ", ".join(extra)}
        )
    if len(body) > MAX_ROWS:
        raise MarginsRejected(
            _(
                "The file has %(rows)s rows; a margins table has at most %(limit)s (one per "
                "category). So many rows look like one row per person, which must not be "
                "uploaded: count the people per category first."
            )
            % {"rows": len(body), "limit": MAX_ROWS},
            person_level=True,
        )
    if not body:
        raise MarginsRejected(_("The file has a header but no rows."))
    return _dimensions(header, body)


def _decoded(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in Norway saves "CSV" as Windows-1252.
        return content.decode("cp1252", errors="replace")


def _rows(text: str) -> list[list[str]]:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise MarginsRejected(_("The file is empty."))
    return rows


def _column_name(cell: str) -> str:
    return re.sub(r"[\s_\-.]+", "", cell.strip().lower()).replace("e-post", "epost")


def _check_person_columns(raw: list[str], header: list[str]) -> None:
    personal = [
        cell.strip() for cell, name in zip(raw, header, strict=True) if _PERSON_COLUMNS.match(name)
    ]
    if personal:
        raise MarginsRejected(
            _(
                "The file has column(s) about persons (%(columns)s). Margins are counts per "
                "category; a file with names, contact details, identity numbers or birth "
                "dates must not be uploaded. Nothing was saved."
            )
            % {"columns": ", ".join(personal)},
            person_level=True,
        )


def _check_unique_columns(raw: list[str], header: list[str], body: list[list[str]]) -> None:
    """A column beside dimension/category/population whose every value differs identifies
    rows (a person number, a card number); values that are e-mail addresses, 11-digit
    identity numbers or phone numbers are personal in any column."""
    for index, name in enumerate(header):
        values = [row[index].strip() for row in body if index < len(row)]
        if any(_EMAIL.match(v) or _ELEVEN_DIGITS.match(v) for v in values) or (
            name in ("dimension", "category") and any(_PHONE.match(v) for v in values)
        ):
            raise MarginsRejected(
                _(
                    "The column “%(column)s” holds e-mail addresses, identity numbers or "
                    "phone numbers: this is data about persons, which must not be uploaded. "
                    "Nothing was saved."
                )
                % {"column": raw[index].strip()},
                person_level=True,
            )
        if name in REQUIRED or len(values) < UNIQUE_COLUMN_MIN_ROWS:
            continue
        if len(set(values)) == len(values):
            raise MarginsRejected(
                _(
                    "The column “%(column)s” has a different value in every row, like an "
                    "identifier of persons. A margins file has only the columns dimension, "
                    "category and population. Nothing was saved."
                )
                % {"column": raw[index].strip()},
                person_level=True,
            )


def _dimensions(header: list[str], body: list[list[str]]) -> tuple[DimensionCounts, ...]:
    at = {name: header.index(name) for name in REQUIRED}
    order: list[str] = []
    labels: dict[str, str] = {}
    categories: dict[str, list[CategoryCount]] = {}
    seen: set[tuple[str, str]] = set()
    ones = 0
    for number, row in enumerate(body, start=2):
        cells = [row[at[name]].strip() if at[name] < len(row) else "" for name in REQUIRED]
        dimension, category, count = cells
        if not dimension or not category:
            raise MarginsRejected(
                _("Row %(row)s lacks a dimension or a category.") % {"row": number}
            )
        population = _population(count, number)
        ones += population == 1
        dimension_key = slugify(dimension) or dimension
        category_key = slugify(category) or category
        if (dimension_key, category_key) in seen:
            raise MarginsRejected(
                _(
                    "Row %(row)s: the category “%(category)s” of “%(dimension)s” comes twice. "
                    "Each category has one row with its population count."
                )
                % {"row": number, "category": category, "dimension": dimension}
            )
        seen.add((dimension_key, category_key))
        if dimension_key not in labels:
            order.append(dimension_key)
            labels[dimension_key] = dimension
            categories[dimension_key] = []
        categories[dimension_key].append(CategoryCount(category_key, category, population))
    if len(body) >= ONES_MIN_ROWS and ones > ONES_SHARE * len(body):
        raise MarginsRejected(
            _(
                "The population is 1 in %(ones)s of %(rows)s rows: that looks like one row "
                "per person, not counts per category. Count the people per category first. "
                "Nothing was saved."
            )
            % {"ones": ones, "rows": len(body)},
            person_level=True,
        )
    for key in order:
        if len(categories[key]) < 2:
            raise MarginsRejected(
                _(
                    "The dimension “%(dimension)s” has only one category; a dimension needs "
                    "at least two to compare respondents with the population."
                )
                % {"dimension": labels[key]}
            )
    return tuple(DimensionCounts(key, labels[key], tuple(categories[key])) for key in order)


def _population(text: str, row: int) -> int:
    # "27 000" and "27 000" (thin or no-break space) are how Norwegian tables print counts.
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text)
    if not _COUNT.match(cleaned):
        raise MarginsRejected(
            _("Row %(row)s: the population “%(value)s” is not a whole number of 0 or more.")
            % {"row": row, "value": text}
        )
    return int(cleaned)
