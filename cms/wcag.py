"""The 47 WCAG success criteria of a Norwegian accessibility statement, and the rules that
turn automated test results into statuses — pure: no models, no database.

The Norwegian regulation (forskrift om universell utforming av IKT-løsninger, § 4) requires
WCAG 2.1 levels A and AA except 1.2.3, 1.2.4 and 1.2.5: 47 success criteria, the list
uustatus.no's statement form asks about. Names are W3C's English ones and the Norwegian
(Bokmål) ones of the authorised translation that uutilsynet.no uses.

Results (docs/accessibility-statement.md) are records written by the browser tests: an axe
run lists the rules that passed, were violated or were incomplete on one page, each with
its tags (``wcag143`` → 1.4.3); a named test lists the criteria it exercises and its
outcome. `criteria_outcomes` folds them into one outcome per criterion the tests cover.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Principle:
    number: str
    name_en: str
    name_nb: str


@dataclass(frozen=True)
class Criterion:
    number: str
    name_en: str
    name_nb: str
    level: str  # "A" or "AA"

    @property
    def principle(self) -> str:
        return self.number.split(".")[0]

    def name(self, language: str) -> str:
        """The name in ``language`` (Norwegian for nb, nn and no; English otherwise)."""
        return self.name_nb if norwegian(language) else self.name_en


PRINCIPLES = (
    Principle("1", "Perceivable", "Mulig å oppfatte"),
    Principle("2", "Operable", "Mulig å betjene"),
    Principle("3", "Understandable", "Forståelig"),
    Principle("4", "Robust", "Robust"),
)

# Not required by the Norwegian regulation (audio description and live captions).
EXCLUDED = ("1.2.3", "1.2.4", "1.2.5")

CRITERIA = (
    Criterion("1.1.1", "Non-text Content", "Ikke-tekstlig innhold", "A"),
    Criterion(
        "1.2.1",
        "Audio-only and Video-only (Prerecorded)",
        "Bare lyd og bare video (forhåndsinnspilt)",
        "A",
    ),
    Criterion("1.2.2", "Captions (Prerecorded)", "Teksting (forhåndsinnspilt)", "A"),
    Criterion("1.3.1", "Info and Relationships", "Informasjon og relasjoner", "A"),
    Criterion("1.3.2", "Meaningful Sequence", "Meningsfylt rekkefølge", "A"),
    Criterion("1.3.3", "Sensory Characteristics", "Sensoriske egenskaper", "A"),
    Criterion("1.3.4", "Orientation", "Visningsretning", "AA"),
    Criterion("1.3.5", "Identify Input Purpose", "Identifiser formål med inndata", "AA"),
    Criterion("1.4.1", "Use of Color", "Bruk av farge", "A"),
    Criterion("1.4.2", "Audio Control", "Styring av lyd", "A"),
    Criterion("1.4.3", "Contrast (Minimum)", "Kontrast (minimum)", "AA"),
    Criterion("1.4.4", "Resize Text", "Endring av tekststørrelse", "AA"),
    Criterion("1.4.5", "Images of Text", "Bilder av tekst", "AA"),
    Criterion("1.4.10", "Reflow", "Dynamisk tilpasning (Reflow)", "AA"),
    Criterion("1.4.11", "Non-text Contrast", "Kontrast for ikke-tekstlig innhold", "AA"),
    Criterion("1.4.12", "Text Spacing", "Tekstavstand", "AA"),
    Criterion(
        "1.4.13",
        "Content on Hover or Focus",
        "Innhold ved pekerfokus (hover) eller tastaturfokus",
        "AA",
    ),
    Criterion("2.1.1", "Keyboard", "Tastatur", "A"),
    Criterion("2.1.2", "No Keyboard Trap", "Ingen tastaturfelle", "A"),
    Criterion("2.1.4", "Character Key Shortcuts", "Hurtigtaster som består av ett tegn", "A"),
    Criterion("2.2.1", "Timing Adjustable", "Justerbar hastighet", "A"),
    Criterion("2.2.2", "Pause, Stop, Hide", "Pause, stopp, skjul", "A"),
    Criterion(
        "2.3.1",
        "Three Flashes or Below Threshold",
        "Terskelverdi på maksimalt tre glimt",
        "A",
    ),
    Criterion("2.4.1", "Bypass Blocks", "Hoppe over blokker", "A"),
    Criterion("2.4.2", "Page Titled", "Sidetitler", "A"),
    Criterion("2.4.3", "Focus Order", "Fokusrekkefølge", "A"),
    Criterion("2.4.4", "Link Purpose (In Context)", "Formål med lenke (i kontekst)", "A"),
    Criterion("2.4.5", "Multiple Ways", "Flere måter", "AA"),
    Criterion("2.4.6", "Headings and Labels", "Overskrifter og ledetekster", "AA"),
    Criterion("2.4.7", "Focus Visible", "Synlig fokus", "AA"),
    Criterion("2.5.1", "Pointer Gestures", "Pekerbevegelser", "A"),
    Criterion("2.5.2", "Pointer Cancellation", "Pekeravbrytelse", "A"),
    Criterion("2.5.3", "Label in Name", "Ledetekst i navn", "A"),
    Criterion("2.5.4", "Motion Actuation", "Bevegelsesaktivering", "A"),
    Criterion("3.1.1", "Language of Page", "Språk på siden", "A"),
    Criterion("3.1.2", "Language of Parts", "Språk på deler av innhold", "AA"),
    Criterion("3.2.1", "On Focus", "Fokus", "A"),
    Criterion("3.2.2", "On Input", "Inndata", "A"),
    Criterion("3.2.3", "Consistent Navigation", "Konsekvent navigering", "AA"),
    Criterion("3.2.4", "Consistent Identification", "Konsekvent identifikasjon", "AA"),
    Criterion("3.3.1", "Error Identification", "Identifikasjon av feil", "A"),
    Criterion("3.3.2", "Labels or Instructions", "Ledetekster eller instruksjoner", "A"),
    Criterion("3.3.3", "Error Suggestion", "Forslag ved feil", "AA"),
    Criterion(
        "3.3.4",
        "Error Prevention (Legal, Financial, Data)",
        "Forhindre feil (juridiske feil, økonomiske feil, datafeil)",
        "AA",
    ),
    Criterion("4.1.1", "Parsing", "Parsing (oppdeling)", "A"),
    Criterion("4.1.2", "Name, Role, Value", "Navn, rolle, verdi", "A"),
    Criterion("4.1.3", "Status Messages", "Statusbeskjeder", "AA"),
)

BY_NUMBER = {c.number: c for c in CRITERIA}

# A row's status, as stored.
MET = "met"
NOT_MET = "not_met"
NOT_APPLICABLE = "not_applicable"
NOT_CHECKED = "not_checked"
STATUSES = (MET, NOT_MET, NOT_APPLICABLE, NOT_CHECKED)
# The answers of uustatus.no's statement form (its own wording, in Nynorsk: not translated).
UUSTATUS_ANSWERS = {
    MET: "Ja",
    NOT_MET: "Nei",
    NOT_APPLICABLE: "Ikkje aktuelt",
    NOT_CHECKED: "Ikkje testa",
}

# Pages of the admin: their axe runs (the editor's tests) do not decide the public
# site's statement.
ADMIN_PATHS = ("/admin/",)

_TAG = re.compile(r"^wcag(\d)(\d)(\d{1,2})$")


def norwegian(language: str) -> bool:
    return language.split("-")[0].lower() in ("nb", "nn", "no")


def sort_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def criterion_of_tag(tag: str) -> str | None:
    """The criterion an axe tag names (``wcag143`` → ``"1.4.3"``, ``wcag1410`` →
    ``"1.4.10"``), or None for level tags (``wcag2aa``), other tags and criteria outside
    the 47 (``wcag2411`` of WCAG 2.2, the excluded 1.2.3–1.2.5)."""
    match = _TAG.match(tag)
    if match is None:
        return None
    number = ".".join(str(int(part)) for part in match.groups())
    return number if number in BY_NUMBER else None


@dataclass
class Outcome:
    """What the automated tests say about one criterion."""

    number: str
    status: str  # MET or NOT_MET
    checks: str  # the rules and tests, with their pages (for NOT_MET: what failed where)
    checked_on: str  # ISO date of the latest record about it


@dataclass
class _Tally:
    passed: dict[str, set[str]] = field(default_factory=dict)  # rule or test → pages
    violated: dict[str, set[str]] = field(default_factory=dict)
    dates: set[str] = field(default_factory=set)


def _latest(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The latest record per test and page: a results file written by several runs
    counts only each check's last run."""
    latest: dict[tuple[str, str], Mapping[str, Any]] = {}
    for record in records:
        key = (str(record.get("test", "")), str(record.get("url", "")))
        if key not in latest or str(record.get("date", "")) >= str(latest[key].get("date", "")):
            latest[key] = record
    return list(latest.values())


def results_problems(data: Any) -> list[str]:
    """What is wrong with a results document (empty: it can be used)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("records"), list):
        return ['not an object with a "records" list']
    problems = []
    for index, record in enumerate(data["records"]):
        if not isinstance(record, Mapping) or record.get("kind") not in ("axe", "test"):
            problems.append(f'record {index}: "kind" must be "axe" or "test"')
        elif record["kind"] == "test" and record.get("outcome") not in ("passed", "failed"):
            problems.append(f'record {index}: "outcome" must be "passed" or "failed"')
        elif record["kind"] == "test" and not isinstance(record.get("criteria"), list):
            problems.append(f'record {index}: "criteria" must be a list')
        elif record["kind"] == "axe" and not all(
            isinstance(record.get(part, []), list) for part in ("passes", "violations")
        ):
            problems.append(f'record {index}: "passes" and "violations" must be lists')
    return problems


def _rules(items: Any) -> Iterable[tuple[str, list[str]]]:
    for item in items or []:
        if isinstance(item, Mapping):
            yield str(item.get("id", "?")), [str(t) for t in item.get("tags", [])]


def _pages(pages: set[str], shown: int = 3) -> str:
    """The first pages by address, and how many more (language-neutral: stored as is)."""
    listed = sorted(pages)
    more = f" +{len(listed) - shown}" if len(listed) > shown else ""
    return ", ".join(listed[:shown]) + more


def criteria_outcomes(data: Mapping[str, Any]) -> dict[str, Outcome]:
    """One outcome per criterion the records cover: not met when any latest record shows
    a violation (the pages and rule ids, or the failed test, are the evidence); met when
    rules or tests passed and none failed. Criteria no record covers are absent — an
    editor decides them. Incomplete axe results (to be reviewed by a person) and runs
    on admin pages decide nothing. Deterministic: the same records give the same outcomes."""
    tallies: dict[str, _Tally] = {}

    def tally(number: str | None, date: str) -> _Tally | None:
        if number is None:
            return None
        found = tallies.setdefault(number, _Tally())
        found.dates.add(date)
        return found

    for record in _latest(data.get("records", [])):
        date = str(record.get("date", ""))[:10]
        page = str(record.get("url", "")) or str(record.get("test", ""))
        if page.startswith(ADMIN_PATHS):
            continue  # the statement is about the public site, not the staff's admin
        if record.get("kind") == "axe":
            for rule, tags in _rules(record.get("passes")):
                for tag in tags:
                    if (t := tally(criterion_of_tag(tag), date)) is not None:
                        t.passed.setdefault(f"axe-core {rule}", set()).add(page)
            for rule, tags in _rules(record.get("violations")):
                for tag in tags:
                    if (t := tally(criterion_of_tag(tag), date)) is not None:
                        t.violated.setdefault(f"axe-core {rule}", set()).add(page)
        elif record.get("kind") == "test":
            name = str(record.get("test", ""))
            for number in record.get("criteria", []):
                if (t := tally(str(number) if str(number) in BY_NUMBER else None, date)) is None:
                    continue
                side = t.passed if record.get("outcome") == "passed" else t.violated
                side.setdefault(f"test {name}", set())
    outcomes = {}
    for number, found in sorted(tallies.items(), key=lambda item: sort_key(item[0])):
        day = max(found.dates)
        if found.violated:
            checks = "; ".join(
                f"{check}: {_pages(pages)}" if pages else check
                for check, pages in sorted(found.violated.items())
            )
            outcomes[number] = Outcome(number, NOT_MET, checks, day)
        else:
            checks = "; ".join(
                f"{check}: {_pages(pages)}" if pages else check
                for check, pages in sorted(found.passed.items())
            )
            outcomes[number] = Outcome(number, MET, checks, day)
    return outcomes


@dataclass(frozen=True)
class Row:
    """One criterion of a statement as shown and exported."""

    criterion: Criterion
    status: str
    evidence: str
    problem: str
    fix_by: str  # ISO date or ""


def statement_rows(stored: Mapping[str, Mapping[str, Any]]) -> list[Row]:
    """All 47 criteria in order, each with its stored values (number → fields) or "not
    checked" when nothing is stored."""
    rows = []
    for criterion in CRITERIA:
        values = stored.get(criterion.number, {})
        fix_by: Any = values.get("fix_by")
        rows.append(
            Row(
                criterion,
                str(values.get("status") or NOT_CHECKED),
                str(values.get("evidence") or ""),
                str(values.get("problem") or ""),
                fix_by.isoformat() if hasattr(fix_by, "isoformat") else str(fix_by or ""),
            )
        )
    return rows


def status_counts(rows: Iterable[Row]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def export_records(rows: Iterable[Row], language: str = "nb") -> list[dict[str, str]]:
    """The rows as uustatus.no's form asks for them: criterion number and name, answer
    ("Ja", "Nei", "Ikkje aktuelt", "Ikkje testa") and a comment (evidence; for "Nei" what
    is wrong and when it will be fixed)."""
    records = []
    for row in rows:
        comment = row.evidence
        if row.status == NOT_MET:
            parts = [row.problem or row.evidence]
            if row.fix_by:
                fixed = "utbedres innen" if norwegian(language) else "to be fixed by"
                parts.append(f"{fixed} {row.fix_by}")
            comment = " — ".join(p for p in parts if p)
        records.append(
            {
                "criterion": row.criterion.number,
                "name": row.criterion.name(language),
                "level": row.criterion.level,
                "status": UUSTATUS_ANSWERS[row.status],
                "comment": comment,
            }
        )
    return records


EXPORT_COLUMNS = ("criterion", "name", "level", "status", "comment")
