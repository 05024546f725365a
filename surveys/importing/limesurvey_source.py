"""Reading a LimeSurvey survey archive (.lss) into plain records (issue 18).

An .lss file is LimeSurvey's database rows as XML: ``<document>`` holds one element per
table (``<questions>``, ``<answers>``…), each with ``<rows><row><column>value</column>``.
Two layouts exist: before DBVersion 400 (LimeSurvey 3) each text row carries a
``language`` column and is repeated per language; from 400 on (LimeSurvey 4, 5, 6) the
texts moved to ``*_l10ns`` tables (``group_l10ns``, ``question_l10ns``, ``answer_l10ns``).
This module reads either into the same records; surveys.importing.limesurvey maps them to
Innsikt. Pure; the XML parser refuses DTDs and entities (defusedxml).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from .model import ImportRejected

MIN_DBVERSION = 350  # LimeSurvey 3.0
L10N_DBVERSION = 400  # LimeSurvey 4: texts in *_l10ns tables

Texts = dict[str, dict[str, str]]  # source language -> {field: text}


@dataclass
class Answer:
    code: str
    order: int
    scale: int
    texts: Texts = field(default_factory=dict)  # {"answer": …}


@dataclass
class Question:
    qid: str
    gid: str
    type: str
    title: str  # the question code
    order: int
    scale: int = 0
    mandatory: str = "N"
    other: str = "N"
    preg: str = ""
    relevance: str = ""
    texts: Texts = field(default_factory=dict)  # {"question": …, "help": …}
    subquestions: list["Question"] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)  # language-independent
    localised: dict[str, dict[str, str]] = field(default_factory=dict)  # attribute -> lang -> value


@dataclass
class Condition:
    cqid: str
    cfieldname: str
    method: str
    value: str
    scenario: int


@dataclass
class Group:
    gid: str
    order: int
    relevance: str = ""
    randomization: str = ""
    texts: Texts = field(default_factory=dict)  # {"group_name": …, "description": …}
    questions: list[Question] = field(default_factory=list)


@dataclass
class Source:
    db_version: int
    sid: str
    languages: list[str]  # base language first
    format: str  # A (all in one), G (group by group), S (question by question)
    settings: Texts  # language -> surveys_languagesettings row
    groups: list[Group]
    questions: dict[str, Question]  # by qid, parents and subquestions
    conditions: dict[str, list[Condition]]  # by the qid of the question they show


def _rows(root: Element, table: str) -> list[dict[str, str]]:
    element = root.find(table)
    if element is None:
        return []
    return [{c.tag: (c.text or "") for c in row} for row in element.iterfind("rows/row")]


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _parse(content: bytes) -> Element:
    try:
        return fromstring(content, forbid_dtd=True)
    except DefusedXmlException as refused:
        raise ImportRejected(
            _(
                "The file declares a DTD or entities, which LimeSurvey exports never do; "
                "Innsikt does not read such files, for safety. Export the survey from "
                "LimeSurvey again and import that file."
            )
        ) from refused
    except ParseError as broken:
        line = broken.position[0] if getattr(broken, "position", None) else 0
        raise ImportRejected(
            _(
                "The file is not well-formed XML (the error is on line %(line)d): it is "
                "damaged or not a LimeSurvey export. Export the survey from LimeSurvey again."
            )
            % {"line": line}
        ) from broken


def _check_document(root: Element) -> int:
    doc_type = (root.findtext("LimeSurveyDocType") or "").strip()
    if root.tag != "document" or not doc_type:
        raise ImportRejected(
            _(
                "This is not a LimeSurvey survey file (.lss). In LimeSurvey, choose "
                "Export → Survey structure (.lss) and import that file."
            )
        )
    if doc_type != "Survey":
        raise ImportRejected(
            _(
                "This is a LimeSurvey export of a %(kind)s, not of a whole survey. In "
                "LimeSurvey, choose Export → Survey structure (.lss) and import that file."
            )
            % {"kind": doc_type.lower()}
        )
    version_text = (root.findtext("DBVersion") or "").strip()
    if not version_text.isdigit():
        raise ImportRejected(
            _("The file does not say which LimeSurvey version made it (DBVersion is missing).")
        )
    version = int(version_text)
    if version < MIN_DBVERSION:
        raise ImportRejected(
            _(
                "The file was exported from an old LimeSurvey (database version %(found)d); "
                "Innsikt reads exports from LimeSurvey 3.0 or later (version %(least)d or "
                "higher). Import the survey into LimeSurvey 3 or later, then export it again."
            )
            % {"found": version, "least": MIN_DBVERSION}
        )
    return version


def _texts_into(target: Texts, row: dict[str, str], fields: tuple[str, ...]) -> None:
    language = row.get("language", "")
    target[language] = {name: row.get(name, "") for name in fields}


def source_read(content: bytes) -> Source:
    """The survey's records, in either layout. Raises ImportRejected for a file that is
    not XML, declares a DTD or entities, is not a LimeSurvey survey export, or comes
    from a LimeSurvey older than 3.0."""
    root = _parse(content)
    version = _check_document(root)
    l10n = version >= L10N_DBVERSION or root.find("question_l10ns") is not None

    survey = (_rows(root, "surveys") or [{}])[0]
    sid = survey.get("sid", "")
    declared = [(e.text or "").strip() for e in root.iterfind("languages/language")]
    base = survey.get("language", "").strip() or (declared[0] if declared else "")
    extra = survey.get("additional_languages", "").split()
    languages = list(dict.fromkeys(lang for lang in [base, *declared, *extra] if lang))
    if not languages:
        raise ImportRejected(_("The file names no language; it is not a complete survey export."))

    settings: Texts = {}
    for row in _rows(root, "surveys_languagesettings"):
        settings[row.get("surveyls_language", "")] = row

    groups: dict[str, Group] = {}
    for row in _rows(root, "groups"):
        group = groups.get(row.get("gid", ""))
        if group is None:
            group = Group(
                gid=row.get("gid", ""),
                order=_int(row.get("group_order")),
                relevance=row.get("grelevance", ""),
                randomization=row.get("randomization_group", ""),
            )
            groups[group.gid] = group
        if not l10n:
            _texts_into(group.texts, row, ("group_name", "description"))
    for row in _rows(root, "group_l10ns"):
        if row.get("gid") in groups:
            _texts_into(groups[row["gid"]].texts, row, ("group_name", "description"))

    questions: dict[str, Question] = {}
    for row in [*_rows(root, "questions"), *_rows(root, "subquestions")]:
        question = questions.get(row.get("qid", ""))
        if question is None:
            question = Question(
                qid=row.get("qid", ""),
                gid=row.get("gid", ""),
                type=row.get("type", ""),
                title=row.get("title", ""),
                order=_int(row.get("question_order")),
                scale=_int(row.get("scale_id")),
                mandatory=row.get("mandatory", "N") or "N",
                other=row.get("other", "N") or "N",
                preg=row.get("preg", ""),
                relevance=row.get("relevance", ""),
            )
            question.attributes["_parent"] = row.get("parent_qid", "0") or "0"
            questions[question.qid] = question
        if not l10n:
            _texts_into(question.texts, row, ("question", "help"))
    for row in _rows(root, "question_l10ns"):
        if row.get("qid") in questions:
            _texts_into(questions[row["qid"]].texts, row, ("question", "help"))

    answers: dict[str, Answer] = {}  # by aid (4.x) or qid/scale/code (3.x)
    for row in _rows(root, "answers"):
        ident = row.get("aid") or f"{row.get('qid')}/{row.get('scale_id')}/{row.get('code')}"
        answer = answers.get(ident)
        if answer is None:
            answer = Answer(
                code=row.get("code", ""),
                order=_int(row.get("sortorder")),
                scale=_int(row.get("scale_id")),
            )
            answers[ident] = answer
            if row.get("qid") in questions:
                questions[row["qid"]].answers.append(answer)
        if not l10n:
            _texts_into(answer.texts, row, ("answer",))
    for row in _rows(root, "answer_l10ns"):
        if row.get("aid") in answers:
            _texts_into(answers[row["aid"]].texts, row, ("answer",))

    for row in _rows(root, "question_attributes"):
        question = questions.get(row.get("qid", ""))
        if question is None:
            continue
        name, value, language = row.get("attribute", ""), row.get("value", ""), row.get("language")
        if language:
            question.localised.setdefault(name, {})[language] = value
        else:
            question.attributes[name] = value

    conditions: dict[str, list[Condition]] = defaultdict(list)
    for row in _rows(root, "conditions"):
        conditions[row.get("qid", "")].append(
            Condition(
                cqid=row.get("cqid", ""),
                cfieldname=row.get("cfieldname", ""),
                method=row.get("method", "") or "==",
                value=row.get("value", ""),
                scenario=_int(row.get("scenario")) or 1,
            )
        )

    for question in questions.values():
        question.answers.sort(key=lambda a: (a.scale, a.order, a.code))
        parent = question.attributes.pop("_parent")
        if parent != "0" and parent in questions:
            questions[parent].subquestions.append(question)
        elif parent == "0" and question.gid in groups:
            groups[question.gid].questions.append(question)
    for question in questions.values():
        question.subquestions.sort(key=lambda s: (s.scale, s.order, s.title))
    ordered = sorted(groups.values(), key=lambda g: (g.order, _int(g.gid)))
    for group in ordered:
        group.questions.sort(key=lambda q: (q.order, _int(q.qid)))

    return Source(
        db_version=version,
        sid=sid,
        languages=languages,
        format=survey.get("format", "G") or "G",
        settings=settings,
        groups=ordered,
        questions=questions,
        conditions=dict(conditions),
    )
