"""What a questionnaire file becomes before anything is saved: an :class:`ImportedSurvey`
(one raw SurveyPage body per language, every block keyed from the source's codes) and its
import report. Pure: the readers (surveys.importing.limesurvey, .xlsform) build these, the
service (surveys.importing.services) checks and saves them.

The bodies are raw StreamField JSON in the shape SurveyPage.body stores (surveys.blocks):
``[{"type": "step", "value": {...}}]``. The builders below are the one place that shape is
written by an importer.
"""

import html
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from anyascii import anyascii

from ..keys import KEY_RE

Status = Literal["as_is", "changed", "not_imported"]
STATUSES: tuple[Status, ...] = ("as_is", "changed", "not_imported")
LANGUAGES = ("nb", "nn", "en")  # the languages a survey page can have (settings.LANGUAGES)


class ImportRejected(Exception):
    """The file cannot be imported at all. The message is for the researcher: what is
    wrong and what to do; nothing is created."""


@dataclass(frozen=True)
class ReportLine:
    """One element of the source and what became of it.

    ``element`` names it as the researcher knows it in the source (e.g. ``Question Q3
    “How often …”``); ``detail`` says what changed and why, or why it was not imported and
    what to do instead (empty for an element imported as it is)."""

    element: str
    status: Status
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"element": self.element, "status": self.status, "detail": self.detail}


@dataclass
class ImportedSurvey:
    """A questionnaire read from a file: per language (``nb``, ``nn``, ``en``) its title,
    introduction (HTML), thank-you text (HTML) and body. Every body has the same steps,
    questions, options and keys; only the words differ. ``base_language`` is the language
    the source calls its own (its body is the fallback for texts another language lacks)."""

    source: Literal["limesurvey", "xlsform"]
    base_language: str
    titles: dict[str, str] = field(default_factory=dict)
    intros: dict[str, str] = field(default_factory=dict)
    thank_yous: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    report: list[ReportLine] = field(default_factory=list)

    def note(self, element: str, status: Status, detail: str = "") -> None:
        self.report.append(ReportLine(element, status, detail))

    @property
    def languages(self) -> list[str]:
        return [lang for lang in LANGUAGES if lang in self.bodies]


# ---- keys ------------------------------------------------------------------------------


def key_from_code(code: str, taken: set[str]) -> str:
    """The Innsikt key for a source's question code or XLSForm name: lower case, letters,
    digits, "_" and "-" (``Q1`` → ``q1``, ``age_group`` stays, ``Q1 SQ/2`` → ``q1-sq-2``),
    unique in ``taken`` (a clash, e.g. ``Q1`` and ``q1``, gets ``-2``, ``-3``…). Adds the
    key to ``taken``."""
    base = re.sub(r"[^a-z0-9_]+", "-", anyascii(code or "").lower()).strip("-_")[:72] or "q"
    key, n = base, 1
    while key in taken or not KEY_RE.match(key):
        n += 1
        key = f"{base}-{n}"
        if not KEY_RE.match(key):  # base started with something KEY_RE refuses
            key = f"q-{base}-{n}"[:80]
    taken.add(key)
    return key


# ---- text ------------------------------------------------------------------------------

_TAG_RE = re.compile(r"<[^>]*>")
_BLOCK_END_RE = re.compile(r"</(p|div|li|h[1-6])>|<br\s*/?>", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")


def plain_text(markup: str | None) -> str:
    """Text of an HTML fragment on one line (labels and hints are plain text in Innsikt)."""
    text = _BLOCK_END_RE.sub(" ", markup or "")
    text = html.unescape(_TAG_RE.sub("", text))
    return _SPACE_RE.sub(" ", text).strip()


def has_markup(markup: str | None) -> bool:
    """True when a fragment's HTML says more than its plain text (formatting, links,
    images): plain_text then loses something the report should mention."""
    stripped = re.sub(r"</?(p|span|div|br)\b[^>]*>", "", markup or "", flags=re.IGNORECASE)
    return bool(_TAG_RE.search(stripped))


_RICH_KEEP = {"p", "b", "strong", "i", "em", "a", "ul", "ol", "li", "br"}
_RICH_TAG_RE = re.compile(r"<(/?)([a-zA-Z0-9]+)([^>]*)>")
_HREF_RE = re.compile(r"""href\s*=\s*(["'])(https?://[^"'<>]+|mailto:[^"'<>]+)\1""")


def rich_text(markup: str | None) -> str:
    """An HTML fragment reduced to what Innsikt's rich-text fields hold (paragraphs, bold,
    italic, lists, http(s)/mailto links); every other tag is dropped, its text kept.
    Scripts and styles are dropped with their content. Text outside a block becomes a
    paragraph."""
    source = re.sub(
        r"<(script|style)\b.*?</\1\s*>", "", markup or "", flags=re.IGNORECASE | re.DOTALL
    )
    source = re.sub(r"<!--.*?-->", "", source, flags=re.DOTALL)

    def tag(match: re.Match[str]) -> str:
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        name = {"strong": "b", "em": "i"}.get(name, name)
        if name not in _RICH_KEEP:
            return ""
        if name == "br":
            return "<br/>"
        if name == "a":
            if closing:
                return "</a>"
            href = _HREF_RE.search(attrs)
            return f'<a href="{html.escape(href.group(2))}">' if href else "<a>"
        return f"<{closing}{name}>"

    cleaned = _RICH_TAG_RE.sub(tag, source).replace("<a></a>", "")
    cleaned = re.sub(r"<a>(.*?)</a>", r"\1", cleaned, flags=re.DOTALL).strip()
    if not cleaned:
        return ""
    if not re.match(r"<(p|ul|ol)>", cleaned):
        cleaned = f"<p>{cleaned}</p>"
    return cleaned


# ---- raw body builders ---------------------------------------------------------------


def items(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A ListBlock's raw value."""
    return [{"type": "item", "value": v} for v in values]


def option(key: str, label: str, fixed: bool = False) -> dict[str, Any]:
    return {"key": key, "label": label, "fixed": fixed}


def rule(question: str, operator: str, value: str = "", options: list[str] | None = None) -> dict:
    """One rule of a condition. For a choice question pass ``options`` (option keys of
    ``question``); for others a ``value``. Operators: surveys.blocks.OPERATORS."""
    return {
        "question": question,
        "operator": operator,
        "options": [f"{question}:{o}" for o in options or []],
        "value": value,
    }


def condition(rules: list[dict[str, Any]], match: Literal["all", "any"] = "all") -> dict:
    return {"match": match, "rules": items(rules)}


NO_CONDITION: dict[str, Any] = {"match": "all", "rules": []}


def question(kind: str, key: str, label: str, **fields: Any) -> dict[str, Any]:
    """A question block (``kind`` one of surveys.blocks.QUESTION_BLOCKS). ``fields`` are the
    block's own fields (``help_text``, ``required``, ``show_if``, ``options`` as a list of
    :func:`option` dicts…); lists are wrapped as ListBlock values here."""
    value: dict[str, Any] = {
        "key": key,
        "label": label,
        "help_text": "",
        "required": False,
        "fixed": False,
        "show_if": NO_CONDITION,
    }
    for name in ("options", "rows", "columns"):
        if name in fields:
            fields[name] = items(fields[name])
    value.update(fields)
    return {"type": kind, "value": value}


def display(
    kind: Literal["heading", "info"], key: str, text: str, show_if: dict | None = None
) -> dict[str, Any]:
    """A display block: ``heading`` (plain text) or ``info`` (rich text, see rich_text)."""
    return {"type": kind, "value": {"key": key, "text": text, "show_if": show_if or NO_CONDITION}}


def step(
    key: str,
    questions: list[dict[str, Any]],
    *,
    title: str = "",
    intro: str = "",
    show_if: dict[str, Any] | None = None,
    shuffle: bool = False,
    skip_rules: list[tuple[dict[str, Any], str]] | None = None,
) -> dict[str, Any]:
    return {
        "type": "step",
        "value": {
            "key": key,
            "title": title,
            "intro": intro,
            "questions": questions,
            "shuffle_questions": shuffle,
            "show_if": show_if or NO_CONDITION,
            "skip_rules": items([{"when": w, "target": t} for w, t in skip_rules or []]),
        },
    }
