"""Read an XLSForm (ODK, KoboToolbox, SurveyCTO: ``.xlsx`` or ``.xls``) into an
:class:`~surveys.importing.model.ImportedSurvey` (issue 18). Pure: no database.

Pages. A top-level ``begin group`` is a page (its label the page heading, its
``relevant`` the page's condition). Rows outside any group collect into pages of their
own between the groups. A group inside a page becomes a heading (its label) followed by its
questions; its ``relevant`` goes to the heading and to each of its questions. A group with
appearance ``table-list`` whose rows are all ``select_one`` of one list is a matrix (ODK's
own way of showing one; the writer exports matrices so). Innsikt's conditions and piping
can only use answers from earlier pages: a question whose ``relevant`` or ``${…}`` uses an
answer on its own page starts a new page (the report says so).

Languages. ``label::Norsk bokmål (nb)``, ``label::Nynorsk (nn)``, ``label::English (en)``
(names or codes, ``label:English`` too) become the languages of the survey; plain
``label``/``hint`` columns are the settings sheet's ``default_language`` when it is one of
these, else ``fallback_language`` (Norwegian Bokmål: libraries are Norwegian). A text
missing in one language is taken from the form's base language and reported.

The ``innsikt`` column (written by surveys.importing.xlsform_export, ignored by ODK tools)
names the Innsikt type where XLSForm's type alone does not say it (``email``, ``yes_no``,
``likert``, ``nps``, ``rating``, ``heading``, ``intro``) and flags ``fixed`` (keep in
place) and ``shuffle`` (a page's questions); forms from elsewhere are read without it.
"""

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ..logic import PIPE_RE
from .expressions import QuestionRef, Translated, condition_from_xlsform
from .model import (
    NO_CONDITION,
    ImportedSurvey,
    ImportRejected,
    display,
    key_from_code,
    option,
    question,
    step,
)
from .xlsform_export import xlsform_write
from .xlsform_rows import LANGUAGE_LABELS, Choice, Form, Row, form_read
from .xlsform_syntax import REFERENCE_RE, markdown_html, markdown_plain, truth
from .xlsform_types import T, block_for_row
from .xlsform_workbook import workbook_read

__all__ = ["survey_read", "xlsform_write"]

GROUPS = ("begin_group", "begin_repeat")
ENDS = ("end_group", "end_repeat")


def survey_read(content: bytes, kind: str, *, fallback_language: str = "nb") -> ImportedSurvey:
    """The survey an XLSForm workbook (``kind`` ``"xlsx"`` or ``"xls"``) holds, with its
    import report. Raises ImportRejected for a file that cannot be imported at all: not a
    workbook, a zip bomb, no survey sheet, more than 5,000 rows, duplicate names, an
    unknown choice list, a ``relevant`` about itself or a later row, nothing importable."""
    out = ImportedSurvey(source="xlsform", base_language=fallback_language)
    form = form_read(workbook_read(content, kind), fallback_language, out)
    out.base_language = form.base_language
    return _Reader(form, out).read()


@dataclass
class _Target:
    """What became of a named row: the Innsikt question (for conditions and piping), or
    why it cannot be referred to."""

    key: str = ""
    kind: str = ""
    options: dict[str, str] = field(default_factory=dict)
    step: int = 0
    why_not: str = ""


@dataclass
class _Page:
    key: str
    title: T
    show_if: dict[str, Any] | None
    loose: bool = False  # made of rows outside any group
    shuffle: bool = False
    intro: T = field(default_factory=T)
    blocks: list[dict[str, Any]] = field(default_factory=list)


def _end(rows: list[Row], begin: int) -> int:
    """Index of the row closing the group or repeat begun at ``rows[begin]`` (len(rows)
    when it is never closed)."""
    depth = 0
    for i in range(begin, len(rows)):
        if rows[i].kind in GROUPS:
            depth += 1
        elif rows[i].kind in ENDS:
            depth -= 1
            if depth == 0:
                return i
    return len(rows)


class _Reader:
    def __init__(self, form: Form, out: ImportedSurvey) -> None:
        self.form = form
        self.out = out
        self.targets: dict[str, _Target] = {}
        self.pages: list[_Page] = []
        self.step_keys: set[str] = set()
        self.question_keys: set[str] = set()
        self.groups: list[Row] = []  # the groups around the row being read, outermost first
        self.missing: dict[str, list[str]] = {lang: [] for lang in form.languages}
        self.survey_texts: dict[str, T] = {}
        self.survey_text_names = {
            "survey_intro": _("The survey's introduction."),
            "thank_you": _("The survey's thank-you text."),
        }
        self.dropped: list[str] = []  # ${name} references removed from texts
        self.refs: tuple[int, dict[str, QuestionRef]] = (0, {})
        self.translated: dict[tuple[int, int, bool], tuple[int, Translated]] = {}

    # ---- texts -----------------------------------------------------------------------------

    def texts(self, row_texts: Mapping[str, str], *, plain: bool = True) -> tuple[T, bool]:
        """A text in every language with ``${name}`` as ``{key}`` (a reference to what was
        not imported is dropped); plain text unless ``plain`` is False. Also whether
        formatting was removed."""
        result = T()
        changed = False
        for lang, text in row_texts.items():
            value = REFERENCE_RE.sub(self._pipe, text)
            if plain:
                value, lost = markdown_plain(value)
                changed = changed or lost
            result[lang] = value
        return result, changed

    def _pipe(self, match: Any) -> str:
        target = self.targets.get(match.group(1))
        if target is None or not target.key or target.kind == "matrix":
            self.dropped.append(match.group(0))
            return ""
        return "{" + target.key + "}"

    def options(self, choices: list[Choice]) -> list[dict[str, Any]]:
        taken: set[str] = set()
        result = []
        for choice in choices:
            label, _lost = self.texts(choice.labels)
            if not any(label.values()):
                label = T({lang: choice.name for lang in self.form.languages})
            key = key_from_code(choice.name, taken)
            result.append(option(key, label, "fixed" in choice.tokens))  # type: ignore[arg-type]
        return result

    # ---- structure ---------------------------------------------------------------------

    def read(self) -> ImportedSurvey:
        rows = self.form.rows
        index = 0
        while index < len(rows):
            row = rows[index]
            if row.kind == "begin_group" and not self.is_matrix(rows, index):
                end = self.closed(rows, index)
                self.page_from_group(row, rows[index + 1 : end])
                index = end + 1
            elif row.kind in ENDS:
                self.out.note(
                    _("Row %(row)d") % {"row": row.number},
                    "changed",
                    _("“%(type)s” without a matching begin row was ignored.") % {"type": row.type},
                )
                index += 1
            else:
                if not self.pages or not self.pages[-1].loose:
                    loose = sum(p.loose for p in self.pages) + 1
                    self.new_page(f"page_{loose}", T(), None).loose = True
                index = self.element(rows, index)
        return self.finish()

    def closed(self, rows: list[Row], begin: int) -> int:
        end = _end(rows, begin)
        if end == len(rows):
            self.out.note(
                self.name(rows[begin]),
                "changed",
                _("It is never closed (no “end group”): it was closed at the end of the form."),
            )
        return end

    def is_matrix(self, rows: list[Row], begin: int) -> bool:
        """A ``table-list`` group of ``select_one`` rows of one list: ODK's matrix."""
        row = rows[begin]
        if "table-list" not in row.cell("appearance").lower().split():
            return False
        inner = rows[begin + 1 : _end(rows, begin)]
        return (
            bool(inner)
            and all(r.kind == "select_one" and not r.or_other for r in inner)
            and len({r.list_name for r in inner}) == 1
        )

    def new_page(self, name: str, title: T, show_if: dict[str, Any] | None) -> _Page:
        page = _Page(key_from_code(name, self.step_keys), title, show_if)
        self.pages.append(page)
        return page

    def page_from_group(self, row: Row, inner: list[Row]) -> None:
        title, _lost = self.texts(row.text("label"))
        self.targets[row.name] = _Target(why_not=_("it is a group, not a question"))
        page = self.new_page(row.name, title, None)
        page.shuffle = "shuffle" in row.tokens
        changes: list[str] = []
        if row.cell("relevant"):
            translated = self.translate(row, len(self.pages) - 1, same_step_ok=True)
            if translated.condition is None:
                changes.append(self.condition_lost(row, translated.reason))
            elif translated.condition["rules"]:
                page.show_if = translated.condition
        self.out.note(self.name(row), "changed" if changes else "as_is", " ".join(changes))
        index = 0
        while index < len(inner):
            index = self.element(inner, index)

    def element(self, rows: list[Row], index: int) -> int:
        """Import ``rows[index]`` (a question, a nested group or a repeat) onto the last
        page; returns the index after it."""
        row = rows[index]
        if row.kind == "begin_repeat":
            end = self.closed(rows, index)
            why = _(
                "Innsikt has no repeated sections: the repeat and its questions were left "
                "out. Ask for the repeated items as separate questions instead."
            )
            for inner in rows[index : end + 1]:
                if inner.kind not in ENDS:
                    self.targets[inner.name] = _Target(why_not=why)
                    self.out.note(self.name(inner), "not_imported", why)
            return end + 1
        if row.kind == "begin_group":
            end = self.closed(rows, index)
            if self.is_matrix(rows, index):
                self.matrix(row, rows[index + 1 : end])
            else:
                self.heading_group(row, rows[index + 1 : end])
            return end + 1
        if row.kind in ENDS:
            return index + 1
        if row.kind == "note" and row.tokens & {"survey_intro", "thank_you"}:
            rich, _lost = self.texts(row.text("label"), plain=False)
            which = "survey_intro" if "survey_intro" in row.tokens else "thank_you"
            self.survey_texts[which] = T({k: markdown_html(v) for k, v in rich.items()})
            self.targets[row.name] = _Target(why_not=_("it is a text, not a question"))
            self.out.note(self.name(row), "as_is", self.survey_text_names[which])
            return index + 1
        if "intro" in row.tokens and row.kind == "note" and not self.pages[-1].blocks:
            rich, _lost = self.texts(row.text("label"), plain=False)
            self.pages[-1].intro = T({k: markdown_html(v) for k, v in rich.items()})
            self.targets[row.name] = _Target(why_not=_("it is a text, not a question"))
            self.out.note(self.name(row), "as_is", _("The page's introduction."))
            return index + 1
        self.question_row(row)
        return index + 1

    def heading_group(self, row: Row, inner: list[Row]) -> None:
        self.targets[row.name] = _Target(why_not=_("it is a group, not a question"))
        label, _lost = self.texts(row.text("label"))
        changes = [_("A group inside a page: imported as a heading above its questions.")]
        if any(label.values()):
            block = display("heading", key_from_code(row.name, self.question_keys), label)  # type: ignore[arg-type]
            self.place(block, [*self.groups, row], changes)
        else:
            changes = [_("A group without a label inside a page: its questions were kept.")]
        self.out.note(self.name(row), "changed", " ".join(changes))
        self.groups.append(row)
        index = 0
        while index < len(inner):
            index = self.element(inner, index)
        self.groups.pop()

    def matrix(self, row: Row, inner: list[Row]) -> None:
        label, _lost = self.texts(row.text("label"))
        hint, _lost = self.texts(row.text("hint"))
        changes: list[str] = []
        row_keys: set[str] = set()
        statements = []
        for r in inner:
            name = r.name[len(row.name) + 1 :] if r.name.startswith(row.name + "_") else r.name
            text, _lost = self.texts(r.text("label"))
            statements.append(option(key_from_code(name, row_keys), text))  # type: ignore[arg-type]
            self.targets[r.name] = _Target(
                why_not=_("it is a row of the matrix “%(name)s”") % {"name": row.name}
            )
            if r.cell("relevant") or r.cell("constraint"):
                changes.append(
                    _("The condition or constraint of row %(name)s was not imported.")
                    % {"name": r.name}
                )
        required = [truth(r.cell("required")) is True for r in inner]
        if any(required) and not all(required):
            changes.append(_("Some rows were required: the whole matrix is now required."))
        key = key_from_code(row.name, self.question_keys)
        block = question(
            "matrix",
            key,
            label,  # type: ignore[arg-type]
            help_text=hint,
            required=any(required),
            fixed="fixed" in row.tokens,
            rows=statements,
            columns=self.options(self.form.choices[inner[0].list_name]),
        )
        self.place(block, [*self.groups, row], changes)
        self.targets[row.name] = _Target(key=key, kind="matrix", step=len(self.pages) - 1)
        self.out.note(self.name(row), "changed" if changes else "as_is", " ".join(changes))

    def question_row(self, row: Row) -> None:
        self.dropped.clear()
        made = block_for_row(self, row)
        if self.dropped:
            made.changes.append(
                _(
                    "%(refs)s was removed from the text: it shows an answer to a question that "
                    "is not imported or comes later."
                )
                % {"refs": ", ".join(dict.fromkeys(self.dropped))}
            )
        if made.block is None:
            self.targets[row.name] = _Target(why_not=made.why_not)
            self.out.note(self.name(row), "not_imported", made.why_not)
            return
        self.place(made.block, [*self.groups, row], made.changes)
        value = made.block["value"]
        if made.block["type"] not in ("heading", "info"):
            self.targets[row.name] = _Target(
                value["key"], made.block["type"], made.option_names, len(self.pages) - 1
            )
        else:
            self.targets[row.name] = _Target(why_not=_("it is a text, not a question"))
        self.out.note(
            self.name(row), "changed" if made.changes else "as_is", " ".join(made.changes)
        )

    # ---- conditions and pages ----------------------------------------------------------

    def place(self, block: dict[str, Any], scope: list[Row], changes: list[str]) -> None:
        """Add ``block`` to the last page with the conditions of its row and the groups
        around it (``scope``); one that uses an answer on the same page starts a new page."""
        page = self.pages[-1]
        value = block["value"]
        on_page = {b["value"]["key"] for b in page.blocks}
        texts = [value.get(f) for f in ("label", "help_text", "text")]
        piped = {
            k for t in texts if isinstance(t, T) for v in t.values() for k in PIPE_RE.findall(v)
        }
        rows = [r for r in scope if r.cell("relevant")]
        same_step = bool(piped & on_page) or any(
            self.translate(r, len(self.pages) - 1, same_step_ok=False).same_step for r in rows
        )
        if same_step and page.blocks:
            split = _Page(
                key_from_code(f"{page.key}_2", self.step_keys),
                T(page.title),
                copy.deepcopy(page.show_if),
                loose=page.loose,
            )
            self.pages.append(split)
            changes.append(
                _(
                    "It starts a new page: its condition or text uses an answer on the same "
                    "page, and Innsikt only uses answers from earlier pages."
                )
            )
        value["show_if"] = self.combined(rows, changes)
        self.pages[-1].blocks.append(block)

    def combined(self, rows: list[Row], changes: list[str]) -> dict[str, Any]:
        """One condition from the ``relevant`` of a row and of the groups around it."""
        parts = []
        for row in rows:
            translated = self.translate(row, len(self.pages) - 1, same_step_ok=False)
            if translated.condition is None:
                changes.append(self.condition_lost(row, translated.reason))
            elif translated.condition["rules"]:
                parts.append(translated.condition)
        if not parts:
            return NO_CONDITION
        if len(parts) == 1:
            return parts[0]
        if all(p["match"] == "all" or len(p["rules"]) == 1 for p in parts):
            return {"match": "all", "rules": [r for p in parts for r in p["rules"]]}
        changes.append(
            _(
                "Only its own condition was kept: with its group's condition it would need a "
                "nested condition, which Innsikt does not have."
            )
        )
        return parts[-1]

    def condition_lost(self, row: Row, reason: str) -> str:
        return _("The condition “%(expr)s” was not imported: %(reason)s Add it in the editor.") % {
            "expr": row.cell("relevant"),
            "reason": reason,
        }

    def translate(self, row: Row, step_no: int, *, same_step_ok: bool) -> Translated:
        expression = row.cell("relevant")
        for name in REFERENCE_RE.findall(expression):
            target = self.targets.get(name)
            if target is not None and target.why_not:
                return Translated(
                    None,
                    _("it uses ${%(name)s}, which was not imported (%(why)s).")
                    % {"name": name, "why": target.why_not},
                )
        cached = self.translated.get((row.number, step_no, same_step_ok))
        if cached is not None and cached[0] == len(self.targets):
            return cached[1]
        known, refs = self.refs
        if known != len(self.targets):  # names are unique: targets are only ever added
            for name, t in itertools.islice(self.targets.items(), known, None):
                if t.key:
                    refs[name] = QuestionRef(t.key, t.kind, t.options, t.step)
            self.refs = (len(self.targets), refs)
        result = condition_from_xlsform(expression, refs, step_no, same_step_ok=same_step_ok)
        self.translated[(row.number, step_no, same_step_ok)] = (len(self.targets), result)
        return result

    # ---- report and bodies --------------------------------------------------------------

    def name(self, row: Row) -> str:
        kind = {"begin_group": _("Group"), "begin_repeat": _("Repeat")}.get(row.kind, _("Question"))
        label = row.title()
        if label:
            return _("%(kind)s %(name)s “%(label)s”") % {
                "kind": kind,
                "name": row.name,
                "label": label,
            }
        return _("%(kind)s %(name)s") % {"kind": kind, "name": row.name}

    def finish(self) -> ImportedSurvey:
        out, form = self.out, self.form
        for page in self.pages:
            if not page.blocks and not page.loose:
                out.note(
                    _("Page %(key)s") % {"key": page.key},
                    "not_imported",
                    _("The page has no question that could be imported; it was left out."),
                )
        pages = [p for p in self.pages if p.blocks]
        if not pages:
            raise ImportRejected(
                _("None of the form's questions can be imported into Innsikt (see the report).")
            )
        raw = [
            step(
                p.key,
                p.blocks,
                title=p.title,  # type: ignore[arg-type]
                intro=p.intro,  # type: ignore[arg-type]
                show_if=p.show_if,
                shuffle=p.shuffle,
            )
            for p in pages
        ]
        for lang in form.languages:
            out.bodies[lang] = self.materialise(raw, lang, "")
            title = form.titles.get(lang) or form.titles.get(form.base_language) or form.form_id
            out.titles[lang] = title
            out.intros[lang] = self.materialise(
                self.survey_texts.get("survey_intro", T()), lang, ""
            )
            out.thank_yous[lang] = self.materialise(
                self.survey_texts.get("thank_you", T()), lang, ""
            )
        for lang, owners in self.missing.items():
            if owners:
                out.note(
                    _("Language %(language)s") % {"language": LANGUAGE_LABELS[lang]},
                    "changed",
                    _(
                        "%(n)d texts have no %(language)s version; the %(base)s text is used "
                        "(%(elements)s). Translate them in the editor."
                    )
                    % {
                        "n": len(owners),
                        "language": LANGUAGE_LABELS[lang],
                        "base": LANGUAGE_LABELS[form.base_language],
                        "elements": ", ".join(dict.fromkeys(owners)),
                    },
                )
        return out

    def materialise(self, value: Any, lang: str, owner: str) -> Any:
        """The raw body with every :class:`T` replaced by its ``lang`` text (else the base
        language's, noted as missing)."""
        if isinstance(value, T):
            text = value.get(lang, "")
            if not text and value.get(self.form.base_language):
                self.missing[lang].append(owner)
                return value[self.form.base_language]
            return text or next((t for t in value.values() if t), "")
        if isinstance(value, dict):
            owner = str(value["key"]) if isinstance(value.get("key"), str) else owner
            return {k: self.materialise(v, lang, owner) for k, v in value.items()}
        if isinstance(value, list):
            return [self.materialise(v, lang, owner) for v in value]
        return value
