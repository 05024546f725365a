"""Interview data out of Innsikt, so researchers are never locked in: notes, codes, themes
and excerpts as CSV (a ZIP, UTF-8 with BOM for Excel) or XLSX (one sheet each), and as a
REFI-QDA project (.qdpx) that QualCoder, NVivo, ATLAS.ti and MAXQDA import.

Pure: `ExchangeData` in, bytes out. Participants appear only by code (P-001) with their
age band; note texts arrive already scrubbed of personal data (research/findings/scrub.py), and
spreadsheet formulas are defused in CSV and XLSX cells.

In the .qdpx each participant's interview is one text source — the guide's questions with
the notes under them — and each excerpt is a coded selection of that text (found where the
passage stands in its note; a passage no longer in its edited note is left out of the
.qdpx, and stays in the CSV and XLSX).
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

import xlsxwriter

from ..findings.formulas import safe
from .qdpx import (
    QdaCode,
    QdaProject,
    QdaSelection,
    QdaSet,
    QdaSource,
    QdaUser,
    qda_guid,
    qdpx_build,
)


@dataclass(frozen=True)
class GuideItem:
    key: str
    section: str
    text: str


@dataclass(frozen=True)
class CodeItem:
    id: int
    name: str
    parent_id: int | None
    description: str


@dataclass(frozen=True)
class ThemeItem:
    id: int
    name: str
    description: str
    code_ids: tuple[int, ...]


@dataclass(frozen=True)
class ParticipantItem:
    code: str
    age_band: str
    created_at: datetime
    notes: dict[str, str]  # question key → scrubbed note


@dataclass(frozen=True)
class ExcerptItem:
    id: int
    participant: str
    question: str
    text: str  # scrubbed
    code_ids: tuple[int, ...]
    quotable: bool
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class ExchangeData:
    project: str  # the campaign's name
    library: str
    guide: tuple[GuideItem, ...]
    codes: tuple[CodeItem, ...]
    themes: tuple[ThemeItem, ...]
    participants: tuple[ParticipantItem, ...]
    excerpts: tuple[ExcerptItem, ...]
    exported_by: str
    exported_at: datetime


def _code_paths(data: ExchangeData) -> dict[int, str]:
    by_id = {c.id: c for c in data.codes}
    paths: dict[int, str] = {}
    for code in data.codes:
        names: list[str] = []
        seen: set[int] = set()
        node: CodeItem | None = code
        while node is not None and node.id not in seen:
            seen.add(node.id)
            names.append(node.name)
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        paths[code.id] = " › ".join(reversed(names))
    return paths


def exchange_tables(data: ExchangeData) -> dict[str, list[list[object]]]:
    """The four tables, each a header and rows: notes, codes, themes, excerpts."""
    paths = _code_paths(data)
    notes: list[list[object]] = [
        ["participant", "age_band", "section", "question_key", "question", "note"]
    ]
    for person in data.participants:
        for item in data.guide:
            if person.notes.get(item.key):
                notes.append(
                    [
                        person.code,
                        person.age_band,
                        item.section,
                        item.key,
                        item.text,
                        person.notes[item.key],
                    ]
                )
    codes: list[list[object]] = [["code_id", "code", "parent_id", "path", "description"]]
    codes += [[c.id, c.name, c.parent_id or "", paths[c.id], c.description] for c in data.codes]
    themes: list[list[object]] = [["theme", "description", "codes"]]
    themes += [
        [t.name, t.description, "; ".join(paths[c] for c in t.code_ids if c in paths)]
        for t in data.themes
    ]
    excerpts: list[list[object]] = [
        [
            "excerpt_id",
            "participant",
            "question_key",
            "passage",
            "codes",
            "quotable",
            "coded_by",
            "coded_at",
        ]
    ]
    excerpts += [
        [
            e.id,
            e.participant,
            e.question,
            e.text,
            "; ".join(paths[c] for c in e.code_ids if c in paths),
            "yes" if e.quotable else "no",
            e.created_by,
            e.created_at.isoformat(timespec="seconds"),
        ]
        for e in data.excerpts
    ]
    return {"notes": notes, "codes": codes, "themes": themes, "excerpts": excerpts}


def exchange_csv(data: ExchangeData) -> bytes:
    """A ZIP with notes.csv, codes.csv, themes.csv and excerpts.csv."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in exchange_tables(data).items():
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerows([[safe(v) for v in row] for row in rows])
            archive.writestr(f"{name}.csv", text.getvalue().encode("utf-8-sig"))
    return buffer.getvalue()


def exchange_xlsx(data: ExchangeData) -> bytes:
    """One workbook with a sheet per table."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    for name, rows in exchange_tables(data).items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write_string(
                    r, c, str(safe(value) if value is not None else ""), bold if r == 0 else None
                )
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def _source_text(data: ExchangeData, person: ParticipantItem) -> tuple[str, dict[str, int]]:
    """The interview as one text: header, then each guide question and its note. Returns
    the text and where each question's note starts in it."""
    parts = [f"{person.code} ({person.age_band})\n"]
    starts: dict[str, int] = {}
    length = len(parts[0])
    section = None
    for item in data.guide:
        note = person.notes.get(item.key, "")
        if not note:
            continue
        head = ""
        if item.section != section:
            section = item.section
            head += f"\n{section}\n"
        head += f"\n{item.text}\n"
        parts.append(head)
        length += len(head)
        starts[item.key] = length
        parts.append(note + "\n")
        length += len(note) + 1
    return "".join(parts), starts


def exchange_qdpx(data: ExchangeData) -> bytes:
    """The REFI-QDA project: codebook (nested codes), themes as code sets, one text source
    per participant with the coded excerpts as selections."""
    user = QdaUser(
        guid=qda_guid("user", data.exported_by or "innsikt"), name=data.exported_by or "Innsikt"
    )
    coders = {e.created_by for e in data.excerpts if e.created_by} - {user.name}
    users = (user, *(QdaUser(guid=qda_guid("user", name), name=name) for name in sorted(coders)))
    user_guid = {u.name: u.guid for u in users}
    code_guid = {c.id: qda_guid("code", data.library, str(c.id)) for c in data.codes}
    codes = tuple(
        QdaCode(
            guid=code_guid[c.id],
            name=c.name,
            parent_guid=code_guid.get(c.parent_id) if c.parent_id is not None else None,
            description=c.description,
        )
        for c in data.codes
    )
    sets = tuple(
        QdaSet(
            guid=qda_guid("theme", data.library, str(t.id)),
            name=t.name,
            description=t.description,
            code_guids=tuple(code_guid[c] for c in t.code_ids if c in code_guid),
        )
        for t in data.themes
    )
    by_person: dict[str, list[ExcerptItem]] = {}
    for excerpt in data.excerpts:
        by_person.setdefault(excerpt.participant, []).append(excerpt)
    sources = []
    for person in data.participants:
        text, starts = _source_text(data, person)
        selections = []
        for excerpt in by_person.get(person.code, []):
            note = person.notes.get(excerpt.question, "")
            at = note.find(excerpt.text) if excerpt.text else -1
            if at < 0 or excerpt.question not in starts:
                continue
            start = starts[excerpt.question] + at
            selections.append(
                QdaSelection(
                    guid=qda_guid("excerpt", data.library, str(excerpt.id)),
                    start=start,
                    end=start + len(excerpt.text),
                    code_guids=tuple(code_guid[c] for c in excerpt.code_ids if c in code_guid),
                    creator_guid=user_guid.get(excerpt.created_by, user.guid),
                    created_at=excerpt.created_at,
                    name=excerpt.text[:60],
                    note="quotable" if excerpt.quotable else "",
                )
            )
        sources.append(
            QdaSource(
                guid=qda_guid("participant", data.library, data.project, person.code),
                name=f"{person.code} – {data.project}",
                text=text,
                creator_guid=user.guid,
                created_at=person.created_at,
                selections=tuple(selections),
            )
        )
    project = QdaProject(
        name=data.project,
        origin="Innsikt",
        created_at=data.exported_at,
        creator=user,
        users=users,
        codes=codes,
        sets=sets,
        sources=tuple(sources),
        description=f"{data.library}: {data.project}",
    )
    return qdpx_build(project)
