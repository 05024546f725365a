"""REFI-QDA export (research/interviews/qdpx.py): the document is valid against the
standard's own XSD, the zip holds the source texts byte for byte, and every selection's
positions give back the text that was selected (code points, end exclusive).

The schema is the vendored REFI-QDA 1.5 project schema (research/schemas/refi-qda/), read
by xmlschema; GUIDs are also checked against the XSD's own GUIDType, not a copy of its regex.
"""

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from research.interviews.qdpx import (
    NAMESPACE,
    SOURCES_FOLDER,
    QdaCode,
    QdaProject,
    QdaSelection,
    QdaSet,
    QdaSource,
    QdaUser,
    QdpxError,
    qda_guid,
    qde_xml,
    qdpx_build,
)

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "research/schemas/refi-qda/Project-mrt2019.xsd"
SCHEMA = xmlschema.XMLSchema(SCHEMA_PATH)
NS = {"q": NAMESPACE}
OSLO = timezone(timedelta(hours=2))
WHEN = datetime(2026, 9, 14, 10, 30, 15, 123456, tzinfo=OSLO)

KARI = QdaUser(qda_guid("user", "1"), "Kari Nordmann")
OLA = QdaUser(qda_guid("user", "2"), 'Ola "Ola" Hansen & <co>')

INTERVIEW = (
    "Intervju 1 – «Biblioteket er stua mi»\n"
    "Jeg kommer hit nesten hver dag 😀. Lesesalen på Sølvberget er rolig, og de ansatte "
    "hjelper meg med å låne e-bøker.\r\n"
    'Men åpningstidene <før kl. 10 & etter kl. 20> passer dårlig for "oss som jobber".'
)
ANSWERS = "Savner flere bøker på samisk og arabisk. Kaffeautomaten er ødelagt 😞 – igjen!\n"
OBSERVATION = (
    "Observasjon, Tøyen: en forelder med barn 👩\u200d👧 leser høyt; "
    "cafe\u0301-hjørnet er fullt. Æ, ø og å på skiltene er lette å lese.\n"
)


def code(key: str, name: str, parent: str | None = None, **extra: str) -> QdaCode:
    return QdaCode(
        qda_guid("code", key),
        name,
        parent_guid=qda_guid("code", parent) if parent else None,
        **extra,
    )


CODES = (
    code("room", "Fysisk rom", color="#1F77B4", description="Alt om lokalene"),
    code("reading-room", "Lesesal", "room"),
    code("quiet", 'Støy & ro <stillhet> "ja"', "reading-room", color="#abc"),
    code("services", "Tjenester"),
    code("digital", "Digitale tjenester", "services"),
    code("ebooks", "E-bøker", "digital", description="Lån via appen <&>"),
    code("hours", "Åpningstider", color="#FF7F0E"),
    code("collections", "Samlinger"),
    code("languages", "Språk", "collections"),
    code("mood", "Stemning 😀"),
)
C = {c.name: c.guid for c in CODES}


def phrase(
    source_key: str, text: str, fragment: str, codes: tuple[str, ...], user: QdaUser, **extra
) -> QdaSelection:
    start = text.index(fragment)
    return QdaSelection(
        guid=qda_guid("selection", source_key, fragment),
        start=start,
        end=start + len(fragment),
        code_guids=tuple(C[name] for name in codes),
        creator_guid=user.guid,
        created_at=WHEN + timedelta(minutes=len(fragment)),
        **extra,
    )


# (source key, fragment) -> the fragment, for checking what each selection gives back.
SELECTED: dict[str, str] = {}


def selections(source_key: str, text: str, *specs) -> tuple[QdaSelection, ...]:
    result = []
    for fragment, codes, user, extra in specs:
        selection = phrase(source_key, text, fragment, codes, user, **extra)
        SELECTED[selection.guid] = fragment
        result.append(selection)
    return tuple(result)


def realistic_project() -> QdaProject:
    interview = QdaSource(
        guid=qda_guid("source", "interview-1"),
        name="Intervju 1 <Sølvberget> & «stua»",
        text=INTERVIEW,
        creator_guid=KARI.guid,
        created_at=WHEN,
        description='Transkribert av "Kari" <& co>',
        selections=selections(
            "interview-1",
            INTERVIEW,
            ("hver dag 😀", ("Stemning 😀",), KARI, {"name": "Hver dag 😀"}),
            # Two overlapping selections.
            (
                "Lesesalen på Sølvberget er rolig",
                ("Lesesal", 'Støy & ro <stillhet> "ja"'),
                KARI,
                {},
            ),
            (
                "Sølvberget er rolig, og de ansatte hjelper meg med å låne e-bøker",
                ("E-bøker",),
                OLA,
                {"note": 'Overlapper med "Lesesal" & <ro>'},
            ),
            # Several codes on one selection, with XML-special characters in the text.
            (
                "åpningstidene <før kl. 10 & etter kl. 20> passer dårlig",
                ("Åpningstider", "Fysisk rom", "Tjenester"),
                OLA,
                {"name": '<Åpning> & "tid"'},
            ),
            # Across the CR LF line break.
            ("e-bøker.\r\nMen", ("E-bøker",), KARI, {}),
        ),
    )
    answers = QdaSource(
        guid=qda_guid("source", "answers"),
        name="Fritekstsvar, spørreundersøkelse 2026",
        text=ANSWERS,
        creator_guid=OLA.guid,
        created_at=WHEN,
        selections=selections(
            "answers",
            ANSWERS,
            ("samisk og arabisk", ("Språk",), OLA, {}),
            ("ødelagt 😞", ("Stemning 😀", "Fysisk rom"), OLA, {}),
        ),
    )
    observation = QdaSource(
        guid=qda_guid("source", "observation"),
        name="Observasjon Tøyen",
        text=OBSERVATION,
        creator_guid=KARI.guid,
        created_at=WHEN,
        selections=selections(
            "observation",
            OBSERVATION,
            ("barn 👩\u200d👧 leser høyt", ("Stemning 😀",), KARI, {}),
            ("cafe\u0301-hjørnet", ("Fysisk rom",), KARI, {}),
            ("Æ, ø og å", ("Språk",), OLA, {}),
        ),
    )
    theme = QdaSet(
        guid=qda_guid("theme", "access"),
        name="Tilgjengelighet & <tema>",
        description='Tema: "når og hvordan" brukerne kommer inn',
        code_guids=(C["Åpningstider"], C["E-bøker"], C["Språk"]),
    )
    return QdaProject(
        name='Brukerinnsikt 2026 – "Biblioteket & meg" <pilot>',
        origin="Innsikt 0.1.0",
        created_at=WHEN,
        creator=KARI,
        users=(KARI, OLA),
        codes=CODES,
        sets=(theme,),
        sources=(interview, answers, observation),
        description="Prosjekt om brukernes opplevelse av bibliotekene i Stavanger & Oslo.",
    )


PROJECT = realistic_project()


def parse(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own output


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def selected_texts(data: bytes) -> dict[str, str]:
    """Selection GUID -> the text its positions select, read back from the .qdpx alone."""
    files = members(data)
    root = parse(files["project.qde"])
    result = {}
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        path = source.get("plainTextPath")
        assert path is not None and path.startswith("internal://")
        text = files[f"{SOURCES_FOLDER}/{path.removeprefix('internal://')}"].decode("utf-8")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            result[selection.get("guid")] = text[start:end]
    return result


# ---------------------------------------------------------------------------------------
# The realistic project


def test_document_is_valid_against_the_refi_qda_schema():
    SCHEMA.validate(parse(qde_xml(PROJECT)))  # raises with the path of any error
    assert SCHEMA.is_valid(io.BytesIO(members(qdpx_build(PROJECT))["project.qde"]))


def test_zip_holds_the_document_and_one_utf8_text_per_source():
    data = qdpx_build(PROJECT)
    files = members(data)
    assert list(files) == [
        "project.qde",
        *(f"Sources/{source.guid}.txt" for source in PROJECT.sources),
    ]
    assert files["project.qde"] == qde_xml(PROJECT)
    for source in PROJECT.sources:
        raw = files[f"Sources/{source.guid}.txt"]
        assert not raw.startswith(b"\xef\xbb\xbf")  # no byte-order mark to shift positions
        assert raw.decode("utf-8") == source.text  # exactly: CR LF, emoji, combining marks
    assert qdpx_build(PROJECT) == data  # deterministic


def test_every_selection_gives_back_the_selected_text():
    texts = selected_texts(qdpx_build(PROJECT))
    assert texts == SELECTED
    assert texts[qda_guid("selection", "interview-1", "hver dag 😀")] == "hver dag 😀"


def test_positions_count_code_points_end_exclusive():
    root = parse(qde_xml(PROJECT))
    guid = qda_guid("selection", "interview-1", "hver dag 😀")
    selection = root.find(f".//q:PlainTextSelection[@guid='{guid}']", NS)
    start = INTERVIEW.index("hver dag")
    # The emoji is one code point (two UTF-16 units, four UTF-8 bytes); end is exclusive.
    assert selection.get("startPosition") == str(start)
    assert selection.get("endPosition") == str(start + len("hver dag ") + 1)
    assert selection.get("creationDateTime") == "2026-09-14T08:40:15Z"  # UTC, whole seconds


def test_document_structure_and_escaping():
    raw = qde_xml(PROJECT)
    assert raw.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert b"&lt;" in raw and b"&amp;" in raw and b"&quot;" in raw  # escaped, not dropped
    root = parse(raw)
    assert root.tag == f"{{{NAMESPACE}}}Project"
    assert [child.tag.split("}")[1] for child in root] == [
        "Users",
        "CodeBook",
        "Sources",
        "Sets",
        "Description",
    ]
    assert root.get("name") == PROJECT.name
    assert root.get("creatingUserGUID") == KARI.guid
    assert [(u.get("guid"), u.get("name")) for u in root.iterfind("q:Users/q:User", NS)] == [
        (KARI.guid, KARI.name),
        (OLA.guid, OLA.name),
    ]

    # The code tree: three levels as nested Code elements, names and descriptions intact.
    quiet = root.find(
        "q:CodeBook/q:Codes/q:Code[@name='Fysisk rom']/q:Code[@name='Lesesal']/q:Code", NS
    )
    assert quiet.get("name") == 'Støy & ro <stillhet> "ja"'
    assert quiet.get("guid") == C['Støy & ro <stillhet> "ja"']
    assert quiet.get("isCodable") == "true" and quiet.get("color") == "#abc"
    ebooks = root.find(".//q:Code[@name='Digitale tjenester']/q:Code", NS)
    assert ebooks.findtext("q:Description", namespaces=NS) == "Lån via appen <&>"
    assert len(root.findall(".//q:Code", NS)) == len(CODES)
    assert [c.get("name") for c in root.findall("q:CodeBook/q:Codes/q:Code", NS)] == [
        "Fysisk rom",
        "Tjenester",
        "Åpningstider",
        "Samlinger",
        "Stemning 😀",
    ]

    # The theme: a set of member codes.
    theme = root.find("q:Sets/q:Set", NS)
    assert theme.get("name") == "Tilgjengelighet & <tema>"
    assert theme.findtext("q:Description", namespaces=NS) == PROJECT.sets[0].description
    assert [m.get("targetGUID") for m in theme.iterfind("q:MemberCode", NS)] == list(
        PROJECT.sets[0].code_guids
    )

    # Sources and selections.
    interview = root.find("q:Sources/q:TextSource", NS)
    assert interview.get("name") == "Intervju 1 <Sølvberget> & «stua»"
    assert interview.get("plainTextPath") == f"internal://{PROJECT.sources[0].guid}.txt"
    assert interview.get("creatingUser") == KARI.guid
    assert interview.findtext("q:Description", namespaces=NS) == 'Transkribert av "Kari" <& co>'
    several = root.find(".//q:PlainTextSelection[@name='<Åpning> & \"tid\"']", NS)
    assert several.get("creatingUser") == OLA.guid
    codings = several.findall("q:Coding", NS)
    assert [c.find("q:CodeRef", NS).get("targetGUID") for c in codings] == [
        C["Åpningstider"],
        C["Fysisk rom"],
        C["Tjenester"],
    ]
    assert len({c.get("guid") for c in codings}) == 3
    noted = root.find(".//q:PlainTextSelection[q:Description]", NS)
    assert noted.findtext("q:Description", namespaces=NS) == 'Overlapper med "Lesesal" & <ro>'


def test_overlapping_selections_are_kept_apart():
    texts = selected_texts(qdpx_build(PROJECT))
    first = PROJECT.sources[0].selections[1]
    second = PROJECT.sources[0].selections[2]
    assert first.start < second.start < first.end < second.end  # they do overlap
    assert texts[first.guid] == "Lesesalen på Sølvberget er rolig"
    assert texts[second.guid].startswith("Sølvberget er rolig, og")


def test_control_characters_are_replaced_so_the_document_stays_xml():
    broken = QdaCode(qda_guid("code", "bell"), "Bjelle\x07\x00 og\ufffe tab\t")
    project = replace(PROJECT, codes=(*CODES, broken))
    root = parse(qde_xml(project))
    SCHEMA.validate(root)
    assert root.find(f".//q:Code[@guid='{broken.guid}']", NS).get("name") == (
        "Bjelle\ufffd\ufffd og\ufffd tab\t"
    )


def test_empty_project_still_valid():
    project = QdaProject(
        name="Tomt",
        origin="Innsikt",
        created_at=WHEN,
        creator=KARI,
        users=(),
        codes=(),
        sets=(),
        sources=(),
    )
    root = parse(qde_xml(project))
    SCHEMA.validate(root)
    assert [child.tag.split("}")[1] for child in root] == ["Users"]
    assert list(members(qdpx_build(project))) == ["project.qde"]


# ---------------------------------------------------------------------------------------
# GUIDs


def test_qda_guid_is_stable_and_in_the_schema_format():
    # Pinned: a change here would give every re-exported object a new identity.
    assert (
        qda_guid("code", "42") == qda_guid("code", "42") == "d6469e7b-ad86-57a3-9f3d-8e47f6bedf7e"
    )
    assert qda_guid("code", "42") != qda_guid("code", "43")
    assert qda_guid("ab", "c") != qda_guid("a", "bc") != qda_guid("abc")
    guid_type = SCHEMA.types["GUIDType"]
    for guid in (qda_guid("x"), qda_guid("æøå", "😀"), qda_guid("")):
        assert guid_type.is_valid(guid)
    assert not guid_type.is_valid("not-a-guid")
    with pytest.raises(QdpxError):
        qda_guid()


def test_reexport_keeps_every_identity():
    def guids(data: bytes) -> list[str]:
        return [el.get("guid") for el in parse(data).iter() if el.get("guid")]

    first, second = guids(qde_xml(PROJECT)), guids(qde_xml(realistic_project()))
    assert first == second
    assert len(first) == len(set(first))  # and no two objects share one


# ---------------------------------------------------------------------------------------
# Validation can fail


def _mutated(change) -> ET.Element:
    root = parse(qde_xml(PROJECT))
    change(root)
    return root


def _drop_is_codable(root: ET.Element) -> None:
    del root.find(".//q:Code", NS).attrib["isCodable"]


def _bad_guid(root: ET.Element) -> None:
    root.find("q:Users/q:User", NS).set("guid", "user-1")


def _sets_before_sources(root: ET.Element) -> None:
    sets = root.find("q:Sets", NS)
    root.remove(sets)
    root.insert(2, sets)


def _bad_position(root: ET.Element) -> None:
    root.find(".//q:PlainTextSelection", NS).set("startPosition", "3.5")


def _unknown_element(root: ET.Element) -> None:
    ET.SubElement(root.find(".//q:TextSource", NS), f"{{{NAMESPACE}}}Transcript")


@pytest.mark.parametrize(
    "change",
    [_drop_is_codable, _bad_guid, _sets_before_sources, _bad_position, _unknown_element],
)
def test_schema_rejects_broken_documents(change):
    root = _mutated(change)
    assert not SCHEMA.is_valid(root)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        SCHEMA.validate(root)


def test_schema_rejects_a_document_outside_the_namespace():
    raw = qde_xml(PROJECT).replace(NAMESPACE.encode(), b"urn:example:not-refi")
    assert not SCHEMA.is_valid(io.BytesIO(raw))


def _with_selection(**changes) -> QdaProject:
    source = PROJECT.sources[1]
    source = replace(source, selections=(replace(source.selections[0], **changes),))
    return replace(PROJECT, sources=(PROJECT.sources[0], source, PROJECT.sources[2]))


@pytest.mark.parametrize(
    ("project", "message"),
    [
        (_with_selection(end=len(ANSWERS) + 1), "is not a non-empty span"),
        (_with_selection(start=5, end=5), "is not a non-empty span"),
        (_with_selection(start=-1), "is not a non-empty span"),
        (_with_selection(code_guids=(qda_guid("code", "nope"),)), "is not a code"),
        (_with_selection(creator_guid=qda_guid("user", "nobody")), "is not a user"),
        (_with_selection(created_at=datetime(2026, 1, 1)), "naive datetime"),
        (_with_selection(guid="selection-1"), "is not a GUID"),
        (_with_selection(guid=PROJECT.sources[0].guid), "already used"),
        (replace(PROJECT, codes=(*CODES, code("x", "Farge", color="red"))), "colour"),
        (replace(PROJECT, codes=(*CODES, code("orphan", "Foreldreløs", "missing"))), "parent"),
        (
            replace(PROJECT, codes=(code("a", "A", "b"), code("b", "B", "a")), sets=(), sources=()),
            "cycle",
        ),
        (replace(PROJECT, users=(QdaUser(KARI.guid, "Kari N."),)), "two names"),
        (
            replace(PROJECT, sets=(QdaSet(qda_guid("s"), "S", code_guids=("nope",)),)),
            "is not a code",
        ),
    ],
)
def test_exporter_refuses_inconsistent_projects(project, message):
    with pytest.raises(QdpxError, match=message):
        qdpx_build(project)


# ---------------------------------------------------------------------------------------
# Property: any text, any selections


@st.composite
def sources_with_selections(draw, index: int) -> QdaSource:
    # Hypothesis' text() draws any code point except surrogates: astral characters,
    # combining marks, CR, LF, NUL, XML specials and non-characters included.
    text = draw(st.text(min_size=1, max_size=80))
    selections = []
    for number in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        selections.append(
            QdaSelection(
                guid=qda_guid("p-selection", str(index), str(number)),
                start=start,
                end=end,
                code_guids=tuple(draw(st.lists(st.sampled_from(CODE_GUIDS), max_size=3))),
                creator_guid=draw(st.sampled_from((KARI.guid, OLA.guid))),
                created_at=draw(
                    st.datetimes(
                        min_value=datetime(1900, 1, 1),
                        max_value=datetime(2200, 1, 1),
                        timezones=st.just(UTC),
                    )
                ),
                name=draw(st.text(max_size=20)),
                note=draw(st.text(max_size=20)),
            )
        )
    return QdaSource(
        guid=qda_guid("p-source", str(index)),
        name=draw(st.text(max_size=30)),
        text=text,
        creator_guid=KARI.guid,
        created_at=WHEN,
        selections=tuple(selections),
        description=draw(st.text(max_size=30)),
    )


CODE_GUIDS = tuple(c.guid for c in CODES)


@st.composite
def projects(draw) -> QdaProject:
    count = draw(st.integers(1, 3))
    return QdaProject(
        name=draw(st.text(max_size=30)),
        origin="Innsikt",
        created_at=WHEN,
        creator=KARI,
        users=(OLA,),
        codes=CODES,
        sets=PROJECT.sets,
        sources=tuple(draw(sources_with_selections(index)) for index in range(count)),
        description=draw(st.text(max_size=30)),
    )


@settings(max_examples=60, deadline=None)
@given(projects())
def test_any_text_and_selections_give_a_valid_document_that_maps_back(project):
    data = qdpx_build(project)
    files = members(data)
    SCHEMA.validate(parse(files["project.qde"]))
    for source in project.sources:
        assert files[f"Sources/{source.guid}.txt"].decode("utf-8") == source.text
    texts = selected_texts(data)
    expected = {
        selection.guid: source.text[selection.start : selection.end]
        for source in project.sources
        for selection in source.selections
    }
    assert texts == expected

    # Names and descriptions come back as given, up to what XML 1.0 cannot carry.
    root = parse(files["project.qde"])
    assert root.get("name") == xml_safe(project.name)
    assert root.findtext("q:Description", namespaces=NS) == xml_lines(project.description)
    for source, source_el in zip(
        project.sources, root.iterfind("q:Sources/q:TextSource", NS), strict=True
    ):
        assert source_el.get("name") == xml_safe(source.name)
        assert source_el.findtext("q:Description", namespaces=NS) == xml_lines(source.description)
        for selection, selection_el in zip(
            source.selections, source_el.iterfind("q:PlainTextSelection", NS), strict=True
        ):
            assert (selection_el.get("name") or "") == xml_safe(selection.name)
            assert selection_el.findtext("q:Description", namespaces=NS) == xml_lines(
                selection.note
            )


def xml_safe(value: str) -> str:
    """What an XML 1.0 attribute can carry: other characters become U+FFFD."""

    def legal(char: str) -> bool:
        point = ord(char)
        return (
            char in "\t\n\r"
            or 0x20 <= point <= 0xD7FF
            or 0xE000 <= point <= 0xFFFD
            or 0x10000 <= point <= 0x10FFFF
        )

    return "".join(char if legal(char) else "\ufffd" for char in value)


def xml_lines(value: str) -> str | None:
    """What element content reads back as: XML-safe, line breaks as LF; absent when empty."""
    return xml_safe(value).replace("\r\n", "\n").replace("\r", "\n") or None
