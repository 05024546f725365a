"""LimeSurvey questions → Innsikt blocks (issue 18): texts per language, piping, options
with their codes, validation and every question type, for surveys.importing.limesurvey.

A question becomes zero or more blocks (raw StreamField values, surveys.importing.model's
builders) whose texts are placeholders for per-language texts (:class:`Txt`), filled in by
:func:`render` once per language, so every body has the same structure and keys. What
changes on the way is collected in ``changes`` for the import report. Pure.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import model
from .expressions import QuestionRef
from .limesurvey_source import Answer, Group, Question, Source, Texts
from .model import ImportedSurvey, has_markup, key_from_code, plain_text, rich_text

LABEL_MAX, OPTION_MAX, STEP_TITLE_MAX, TITLE_MAX = 500, 300, 200, 255
PATTERN_MAX, MESSAGE_MAX, TEXT_MAX = 200, 200, 5000
SHORT = 50

# Innsikt's words for LimeSurvey's fixed scales, in each body's language.
WORDS = {
    "F": gettext_noop("Female"),
    "M": gettext_noop("Male"),
    "Y": gettext_noop("Yes"),
    "N": gettext_noop("No"),
    "U": gettext_noop("Uncertain"),
    "I": gettext_noop("Increase"),
    "S": gettext_noop("Same"),
    "D": gettext_noop("Decrease"),
}
FIXED_COLUMNS: dict[str, list[tuple[str, str | None]]] = {
    "A": [(str(n), None) for n in range(1, 6)],
    "B": [(str(n), None) for n in range(1, 11)],
    "C": [("Y", "Y"), ("N", "N"), ("U", "U")],
    "E": [("I", "I"), ("S", "S"), ("D", "D")],
}
TEXT_TYPES = {"S": "short_text", "T": "long_text", "U": "long_text"}
UNSUPPORTED_ATTRIBUTES = (
    "array_filter",
    "array_filter_exclude",
    "exclude_all_others",
    "date_min",
    "date_max",
    "equals_num_value",
    "min_num_value",
    "max_num_value",
)
_SCRIPT_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
BRACES_RE = re.compile(r"\{([^{}\n]{1,200})\}")
_PIPE_NAME_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\.(?:shown|NAOK|code|value))?\s*$")
_INSERTANS_RE = re.compile(r"^INSERTANS:\d+X\d+X(\d+)")
_INNSIKT_PIPE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_PREG_RE = re.compile(r"^\s*([/#~!@%|])(.*)\1([a-zA-Z]*)\s*$", re.DOTALL)
_KEPT_TAGS = {"p", "b", "strong", "i", "em", "a", "ul", "ol", "li", "br", "span", "div"}


class Txt(dict[str, str]):
    """One field's text per Innsikt language. The body is built once with a placeholder
    for each (_Reader.ph) and rendered per language (_render), so every language's body
    has the same structure and keys by construction."""


class Skip(Exception):
    """The question is not imported; the message says why and what to do."""


def render(node: Any, texts: list[Txt], language: str) -> Any:
    if isinstance(node, str):
        if node.startswith("\x00"):
            return texts[int(node.strip("\x00"))].get(language, "")
        return node
    if isinstance(node, dict):
        return {k: render(v, texts, language) for k, v in node.items()}
    if isinstance(node, list):
        return [render(v, texts, language) for v in node]
    return node


def plain(markup: str) -> str:
    return plain_text(_SCRIPT_RE.sub("", markup or ""))


def short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 1].rstrip() + "…"


def _number(text: str) -> str | None:
    try:
        float(text)
    except ValueError:
        return None
    return text.strip()


class QuestionMapper:
    """The state a reading shares (languages, keys taken, names conditions can use, the
    pages so far) and the mapping of one question to blocks."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.survey = ImportedSurvey(source="limesurvey", base_language="nb")
        self.languages: dict[str, str] = {}  # Innsikt language -> source language
        self.base = source.languages[0]
        self.missing: Counter[str] = Counter()  # texts a language lacked, per language
        self.steps: list[dict[str, Any]] = []
        self.step_taken: set[str] = set()
        self.question_taken: set[str] = set()
        self.refs: dict[str, QuestionRef] = {}
        self.refs_by_qid: dict[str, QuestionRef] = {}
        self.changes: list[str] = []  # of the element being read
        self.page_group: Group | None = None
        self.texts: list[Txt] = []  # what the body's placeholders stand for
        self.pages_added = 0

    def txt(self, texts: Texts, name: str, transform: Callable[[str], str]) -> Txt:
        """A field's text in each body's language (the base language's when a language
        lacks it), transformed (plain text, rich text, piping…)."""
        base_text = (texts.get(self.base) or {}).get(name, "")
        out = Txt()
        for language, code in self.languages.items():
            raw = (texts.get(code) or {}).get(name, "")
            if not raw.strip() and base_text.strip():
                raw = base_text
                self.missing[language] += 1
            out[language] = transform(raw)
        return out

    def ph(self, text: Txt) -> str:
        """A placeholder for ``text`` in the body, filled in per language by _render."""
        self.texts.append(text)
        return f"\x00{len(self.texts) - 1}\x00"

    def cut(self, limit: int) -> Callable[[str], str]:
        def apply(text: str) -> str:
            if len(text) <= limit:
                return text
            self.changes.append(
                _("A text was longer than Innsikt allows (%(n)d characters) and was shortened.")
                % {"n": limit}
            )
            return text[: limit - 1].rstrip() + "…"

        return apply

    def label(self, limit: int = LABEL_MAX) -> Callable[[str], str]:
        cut = self.cut(limit)
        return lambda raw: cut(self.pipe(plain(raw)))

    def pipe(self, text: str) -> str:
        """LimeSurvey's ``{Q1}``, ``{Q1.shown}``, ``{INSERTANS:…}`` → ``{key}`` when Q1 is
        on an earlier page; anything else in braces is kept and reported."""

        def swap(match: re.Match[str]) -> str:
            inner = match.group(1)
            ref = None
            if name := _PIPE_NAME_RE.match(inner):
                ref = self.refs.get(name.group(1))
            elif insertans := _INSERTANS_RE.match(inner):
                ref = self.refs_by_qid.get(insertans.group(1))
            if ref is not None and ref.step < len(self.steps) - 1:
                return "{" + ref.key + "}"
            self.changes.append(
                _(
                    "“{%(expression)s}” is not filled in: Innsikt shows answers from earlier "
                    "pages only (“Insert an earlier answer…”). Edit the text."
                )
                % {"expression": inner}
            )
            # Kept as written, unless Innsikt would read it as an answer to show.
            return f"[{inner}]" if _INNSIKT_PIPE_RE.match(inner) else match.group(0)

        return BRACES_RE.sub(swap, text)

    def rich(self, raw: str) -> str:
        """Rich text (introductions, display texts): Innsikt fills in no answers there."""
        if BRACES_RE.search(raw or ""):
            self.changes.append(
                _(
                    "A {…} expression in a text is kept as written: Innsikt does not fill it "
                    "in here."
                )
            )
        return rich_text(raw)

    def localised(self, q: Question, attribute: str) -> Texts:
        return {lang: {"v": value} for lang, value in q.localised.get(attribute, {}).items()}

    def word(self, code: str) -> Txt:
        out = Txt()
        for language in self.languages:
            with translation.override(language):
                out[language] = _(WORDS[code])
        return out

    def rich_lost(self, texts: Texts, name: str) -> None:
        """Rich texts keep paragraphs, bold, italic, lists and links; report the rest."""
        base = (texts.get(self.base) or {}).get(name, "")
        tags = {t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", base)}
        if tags - _KEPT_TAGS:
            self.changes.append(
                _("Formatting Innsikt does not keep (%(tags)s) was removed from a text; check it.")
                % {"tags": ", ".join(sorted(tags - _KEPT_TAGS))}
            )

    def markup_lost(self, texts: Texts, name: str, what: str) -> None:
        base = (texts.get(self.base) or {}).get(name, "")
        if has_markup(_SCRIPT_RE.sub("", base)):
            self.changes.append(
                _(
                    "The %(what)s's formatting (bold, links, images…) was removed: Innsikt "
                    "shows it as plain text."
                )
                % {"what": what}
            )

    # ---- elements ----------------------------------------------------------------------

    def question_name(self, q: Question) -> str:
        text = short(plain((q.texts.get(self.base) or {}).get("question", "")))
        return _("Question %(code)s “%(text)s”") % {"code": q.title, "text": text}

    def options(
        self, items: Iterable[tuple[str, Texts, str]], reserve_other: bool = False
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """Options from (code, texts, text field) in order: their dicts and code → key."""
        taken = {"other"} if reserve_other else set()
        built, codes = [], {}
        for code, texts, name in items:
            key = key_from_code(code, taken)
            codes[code] = key
            built.append(model.option(key, self.ph(self.txt(texts, name, self.label(OPTION_MAX)))))
        return built, codes

    def answer_options(self, q: Question, reserve_other: bool = False) -> tuple[list, dict]:
        answers: list[Answer] = [a for a in q.answers if a.scale == 0]
        return self.options(((a.code, a.texts, "answer") for a in answers), reserve_other)

    def sub_options(self, q: Question, reserve_other: bool = False) -> tuple[list, dict]:
        subs = [s for s in q.subquestions if s.scale == 0]
        return self.options(((s.title, s.texts, "question") for s in subs), reserve_other)

    def pattern(self, q: Question) -> dict[str, Any]:
        """preg → pattern (+ the validation tip as its message), when Python can read it."""
        preg = q.preg.strip()
        if not preg:
            return {}
        match = _PREG_RE.match(preg)
        body, flags = (match.group(2), match.group(3)) if match else (preg, "")
        problem = ""
        if set(flags) - set("imsxu"):
            problem = _("it uses flags (%(flags)s) Innsikt does not have") % {"flags": flags}
        elif (
            body.startswith("^")
            and body.endswith("$")
            and not body.endswith("\\$")
            and "|" not in body
        ):
            core = body[1:-1]
        else:  # LimeSurvey searches; Innsikt matches the whole answer
            core = f"[\\s\\S]*(?:{body})[\\s\\S]*"
        if not problem:
            scoped = "".join(f for f in flags if f in "imsx")
            core = f"(?{scoped}:{core})" if scoped else core
            try:
                re.compile(rf"^(?:{core})$")
            except re.error:
                problem = _("Innsikt cannot read it as a regular expression")
            if len(core) > PATTERN_MAX:
                problem = _("it is longer than %(n)d characters") % {"n": PATTERN_MAX}
        if problem:
            self.changes.append(
                _("The answer check /%(pattern)s/ was not imported: %(reason)s.")
                % {"pattern": body, "reason": problem}
            )
            return {}
        cut = self.cut(MESSAGE_MAX)
        message = self.txt(self.localised(q, "em_validation_q_tip"), "v", lambda v: cut(plain(v)))
        return {"pattern": core, "pattern_message": self.ph(message)}

    def question_blocks(
        self, q: Question, fixed: bool
    ) -> tuple[list[dict], dict[str, QuestionRef]]:
        """The blocks a question becomes and the names conditions can use for them
        (QuestionRef without its step). Raises Skip when it is not imported."""
        attrs = q.attributes
        if attrs.get("hidden") == "1":
            raise Skip(
                _(
                    "It is hidden in LimeSurvey (filled in from a default or the link); "
                    "Innsikt has no hidden questions."
                )
            )
        kind_of = q.type
        label_texts = self.txt(q.texts, "question", self.label())
        if not any(label_texts.values()):  # Innsikt's questions need a text
            label_texts = Txt({language: q.title for language in label_texts})
            self.changes.append(_("It has no text; its code is used as its text."))
        label = self.ph(label_texts)
        if kind_of != "X":
            self.markup_lost(q.texts, "question", _("question text"))
        common: dict[str, Any] = {
            "help_text": self.ph(self.txt(q.texts, "help", self.label())),
            "required": q.mandatory == "Y",
            "fixed": fixed,
        }
        if q.mandatory == "S":
            self.changes.append(_("“Soft” mandatory became optional."))
        for name in UNSUPPORTED_ATTRIBUTES:
            if attrs.get(name, "").strip():
                self.changes.append(
                    _(
                        "The LimeSurvey setting “%(name)s” has no Innsikt counterpart and was "
                        "left out."
                    )
                    % {"name": name}
                )
        if attrs.get("random_order") == "1" and kind_of in "FABCEH1":
            self.changes.append(_("Innsikt does not shuffle the rows of a matrix."))
        randomise = attrs.get("random_order") == "1"
        key = key_from_code(q.title, self.question_taken)

        def ref(kind: str, options: dict[str, str] | None = None) -> dict[str, QuestionRef]:
            return {q.title: QuestionRef(key, kind, options or {}, 0)}

        if kind_of in TEXT_TYPES:
            fields = {**common, **self.pattern(q)}
            limit = _number(attrs.get("maximum_chars", ""))
            if limit and int(float(limit)) > 0:
                fields["max_length"] = min(int(float(limit)), TEXT_MAX)
                if int(float(limit)) > TEXT_MAX:
                    self.changes.append(
                        _("The maximum length was lowered to Innsikt's %(n)d characters.")
                        % {"n": TEXT_MAX}
                    )
            if attrs.get("numbers_only") == "1" and "pattern" not in fields:
                fields["pattern"] = r"-?[0-9]+([.,][0-9]+)?"
                self.changes.append(_("“Numbers only” became a pattern that accepts numbers."))
            if attrs.get("em_validation_q", "").strip():
                self.changes.append(
                    _("The validation equation “%(expression)s” was not imported.")
                    % {"expression": attrs["em_validation_q"].strip()}
                )
            kind = TEXT_TYPES[kind_of]
            return [model.question(kind, key, label, **fields)], ref(kind)
        if kind_of == "N":
            return [model.question("number", key, label, **common, **self.number_fields(q))], ref(
                "number"
            )
        if kind_of in ("K", "Q"):
            return self.split(q, label_texts, common, key)
        if kind_of == "D":
            return [model.question("date", key, label, **common)], ref("date")
        if kind_of in ("L", "!", "O"):
            other = q.other == "Y"
            options, codes = self.answer_options(q, reserve_other=other)
            if not options:
                raise Skip(_("It has no answer options."))
            if other:
                codes["-oth-"] = "other"
            kind = "dropdown" if kind_of == "!" and not other else "single_choice"
            if kind_of == "!" and other:
                self.changes.append(
                    _("Shown as radio buttons: Innsikt's dropdown has no “Other” option.")
                )
            if kind_of == "O":
                self.changes.append(_("The comment box was left out (Innsikt has none)."))
            fields = {**common, "options": options, "randomise": randomise}
            if kind == "single_choice":
                fields["other"] = other
            return [model.question(kind, key, label, **fields)], ref(kind, codes)
        if kind_of in ("M", "P"):
            other = q.other == "Y"
            options, codes = self.sub_options(q, reserve_other=other)
            if not options:
                raise Skip(_("It has no answer options."))
            if other:
                codes["other"] = "other"
            if kind_of == "P":
                self.changes.append(_("The comment boxes were left out (Innsikt has none)."))
            fields = {**common, "options": options, "randomise": randomise, "other": other}
            for source_name, name in (
                ("min_answers", "min_selections"),
                ("max_answers", "max_selections"),
            ):
                value = _number(attrs.get(source_name, ""))
                if value and int(float(value)) >= 1:
                    fields[name] = int(float(value))
                elif attrs.get(source_name, "").strip():
                    self.changes.append(
                        _("“%(name)s” (%(value)s) is not a number and was left out.")
                        % {"name": source_name, "value": attrs[source_name]}
                    )
            return [model.question("multiple_choice", key, label, **fields)], ref(
                "multiple_choice", codes
            )
        if kind_of == "Y":
            return [model.question("yes_no", key, label, **common)], ref(
                "yes_no", {"Y": "yes", "N": "no"}
            )
        if kind_of == "G":
            options = [
                model.option("f", self.ph(self.word("F"))),
                model.option("m", self.ph(self.word("M"))),
            ]
            return [model.question("single_choice", key, label, **common, options=options)], ref(
                "single_choice", {"F": "f", "M": "m"}
            )
        if kind_of == "5":
            scale = {str(n): str(n) for n in range(1, 6)}
            fields = {**common, "points": "5", "left_label": "1", "right_label": "5"}
            return [model.question("likert", key, label, **fields)], ref("likert", scale)
        if kind_of in "FABCEH1":
            return [self.matrix(q, label, common, key)], ref("matrix")
        if kind_of == "R":
            options, codes = self.answer_options(q)
            if not options:
                raise Skip(_("It has no answer options."))
            fields = {**common, "options": options, "randomise": randomise}
            return [model.question("ranking", key, label, **fields)], ref("ranking", codes)
        if kind_of == "X":
            text = self.ph(self.txt(q.texts, "question", self.rich))
            return [model.display("info", key, text)], {}
        raise Skip(self.skip_reason(kind_of))

    @staticmethod
    def skip_reason(kind_of: str) -> str:
        if kind_of == "*":
            return _(
                "It is an equation: LimeSurvey calculates and stores a value, Innsikt does "
                "not calculate answers. Work the value out in the analysis instead."
            )
        if kind_of == "I":
            return _("A language switch: Innsikt shows each respondent their own language.")
        if kind_of == "|":
            return _(
                "File uploads are not supported: Innsikt does not store respondents' files. "
                "Ask for a description instead."
            )
        if kind_of in (";", ":"):
            return _(
                "An array of text boxes or numbers has no Innsikt counterpart. Add one "
                "question per row instead."
            )
        return _("LimeSurvey's question type “%(type)s” has no Innsikt counterpart.") % {
            "type": kind_of
        }

    def number_fields(self, q: Question) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "decimals": "integer" if q.attributes.get("num_value_int_only") == "1" else "decimal"
        }
        for source_name, name in (
            ("min_num_value_n", "min_value"),
            ("max_num_value_n", "max_value"),
        ):
            raw = q.attributes.get(source_name, "").strip()
            if raw and _number(raw) is not None:
                fields[name] = _number(raw)
            elif raw:
                self.changes.append(
                    _("The limit “%(value)s” is an expression and was left out.") % {"value": raw}
                )
        return fields

    def split(self, q: Question, label: Txt, common: dict, key: str) -> tuple[list, dict]:
        """Multiple numeric (K) / multiple short text (Q): one question per sub-question,
        keyed ``<code>_<sub-code>`` like LimeSurvey's own answer columns."""
        subs = [s for s in q.subquestions if s.scale == 0]
        if not subs:
            raise Skip(_("It has no sub-questions."))
        self.question_taken.discard(key)  # the parent itself has no block
        kind = "number" if q.type == "K" else "short_text"
        extra = self.number_fields(q) if kind == "number" else self.pattern(q)
        blocks, refs = [], {}
        for sub in subs:
            sub_key = key_from_code(f"{q.title}_{sub.title}", self.question_taken)
            sub_text = self.txt(sub.texts, "question", self.label())
            joined = Txt({lang: f"{label[lang]} – {sub_text[lang]}"[:LABEL_MAX] for lang in label})
            blocks.append(model.question(kind, sub_key, self.ph(joined), **common, **extra))
            refs[f"{q.title}_{sub.title}"] = QuestionRef(sub_key, kind, {}, 0)
        self.changes.append(
            _("Became %(n)d separate questions, one per sub-question (keys %(first)s…).")
            % {"n": len(blocks), "first": blocks[0]["value"]["key"]}
        )
        return blocks, refs

    def matrix(self, q: Question, label: str, common: dict, key: str) -> dict[str, Any]:
        rows, _codes = self.sub_options(q)
        if q.type in FIXED_COLUMNS:
            columns = [
                model.option(code.lower(), self.ph(self.word(word)) if word else code)
                for code, word in FIXED_COLUMNS[q.type]
            ]
        else:
            columns, _codes = self.answer_options(q)
        if not rows or len(columns) < 2:
            raise Skip(_("A matrix needs at least one row and two columns."))
        if q.type == "H":
            self.changes.append(
                _("Shown with the statements as rows (LimeSurvey showed them as columns).")
            )
        if q.type == "1":
            self.changes.append(_("A dual-scale array: only its first scale was imported."))
        return model.question("matrix", key, label, **common, rows=rows, columns=columns)
