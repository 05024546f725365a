"""LimeSurvey (.lss, LimeSurvey 3.x–6.x) → ImportedSurvey (issue 18).

Groups become pages (a group's relevance the page's condition, its description the page's
introduction); questions keep their codes as keys, answer options and sub-questions theirs;
relevance equations and the old conditions table become show-if conditions through
surveys.importing.expressions. When a condition names a question on the same page (which
LimeSurvey allows and Innsikt does not), the group is continued on a new page from that
question on, so the condition still works. Every language the survey has in Norwegian
Bokmål, Nynorsk or English becomes a body with the same keys. What cannot be carried over
is reported per element, never dropped silently; docs/import.md has the mapping table.

Pure: the file is read by surveys.importing.limesurvey_source (defusedxml, no DTDs or
entities); no database, no models.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import model
from .expressions import QuestionRef, condition_from_limesurvey
from .limesurvey_source import Answer, Condition, Group, Question, Source, Texts, source_read
from .model import ImportedSurvey, ImportRejected, has_markup, key_from_code, plain_text, rich_text

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
_BRACES_RE = re.compile(r"\{([^{}\n]{1,200})\}")
_PIPE_NAME_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\.(?:shown|NAOK|code|value))?\s*$")
_INSERTANS_RE = re.compile(r"^INSERTANS:\d+X\d+X(\d+)")
_INNSIKT_PIPE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_PREG_RE = re.compile(r"^\s*([/#~!@%|])(.*)\1([a-zA-Z]*)\s*$", re.DOTALL)
_KEPT_TAGS = {"p", "b", "strong", "i", "em", "a", "ul", "ol", "li", "br", "span", "div"}


class Txt(dict[str, str]):
    """One field's text per Innsikt language. The body is built once with a placeholder
    for each (_Reader.ph) and rendered per language (_render), so every language's body
    has the same structure and keys by construction."""


class _Skip(Exception):
    """The question is not imported; the message says why and what to do."""


def _render(node: Any, texts: list[Txt], language: str) -> Any:
    if isinstance(node, str):
        if node.startswith("\x00"):
            return texts[int(node.strip("\x00"))].get(language, "")
        return node
    if isinstance(node, dict):
        return {k: _render(v, texts, language) for k, v in node.items()}
    if isinstance(node, list):
        return [_render(v, texts, language) for v in node]
    return node


def _plain(markup: str) -> str:
    return plain_text(_SCRIPT_RE.sub("", markup or ""))


def _short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 1].rstrip() + "…"


def _innsikt_language(code: str) -> str | None:
    base = code.lower().replace("_", "-").split("-")[0]
    if base in model.LANGUAGES:
        return base
    return "nb" if base == "no" else None


def _number(text: str) -> str | None:
    try:
        float(text)
    except ValueError:
        return None
    return text.strip()


class _Reader:
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

    # ---- languages and texts -----------------------------------------------------------

    def choose_languages(self) -> None:
        for code in self.source.languages:
            language = _innsikt_language(code)
            element = _("Language “%(code)s”") % {"code": code}
            if language is None:
                continue
            if language in self.languages:
                self.survey.note(
                    element,
                    "not_imported",
                    _("The survey already has %(language)s texts from “%(other)s”.")
                    % {"language": language, "other": self.languages[language]},
                )
                continue
            self.languages[language] = code
            if code.lower().split("-")[0] == "no":
                self.survey.note(element, "changed", _("Read as Norwegian Bokmål (nb)."))
        for code in self.source.languages:
            if _innsikt_language(code) is None:
                element = _("Language “%(code)s”") % {"code": code}
                if not self.languages and code == self.base:
                    self.languages["nb"] = code
                    self.survey.note(
                        element,
                        "changed",
                        _(
                            "Innsikt has surveys in Norwegian Bokmål, Nynorsk and English: "
                            "the texts in this language (the survey's own) were put in the "
                            "Norwegian Bokmål version. Translate them in Innsikt."
                        ),
                    )
                else:
                    self.survey.note(
                        element,
                        "not_imported",
                        _(
                            "Innsikt has surveys in Norwegian Bokmål, Nynorsk and English; "
                            "the texts in this language were left out."
                        ),
                    )
        own = _innsikt_language(self.base)
        self.survey.base_language = own if own in self.languages else next(iter(self.languages))
        self.base = self.languages[self.survey.base_language]

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
        return lambda raw: cut(self.pipe(_plain(raw)))

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

        return _BRACES_RE.sub(swap, text)

    def rich(self, raw: str) -> str:
        """Rich text (introductions, display texts): Innsikt fills in no answers there."""
        if _BRACES_RE.search(raw or ""):
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
        text = _short(_plain((q.texts.get(self.base) or {}).get("question", "")))
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
        message = self.txt(self.localised(q, "em_validation_q_tip"), "v", lambda v: cut(_plain(v)))
        return {"pattern": core, "pattern_message": self.ph(message)}

    def question_blocks(
        self, q: Question, fixed: bool
    ) -> tuple[list[dict], dict[str, QuestionRef]]:
        """The blocks a question becomes and the names conditions can use for them
        (QuestionRef without its step). Raises _Skip when it is not imported."""
        attrs = q.attributes
        if attrs.get("hidden") == "1":
            raise _Skip(
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
                raise _Skip(_("It has no answer options."))
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
                raise _Skip(_("It has no answer options."))
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
                raise _Skip(_("It has no answer options."))
            fields = {**common, "options": options, "randomise": randomise}
            return [model.question("ranking", key, label, **fields)], ref("ranking", codes)
        if kind_of == "X":
            text = self.ph(self.txt(q.texts, "question", self.rich))
            return [model.display("info", key, text)], {}
        raise _Skip(self.skip_reason(kind_of))

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
            raise _Skip(_("It has no sub-questions."))
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
            raise _Skip(_("A matrix needs at least one row and two columns."))
        if q.type == "H":
            self.changes.append(
                _("Shown with the statements as rows (LimeSurvey showed them as columns).")
            )
        if q.type == "1":
            self.changes.append(_("A dual-scale array: only its first scale was imported."))
        return model.question("matrix", key, label, **common, rows=rows, columns=columns)

    # ---- logic -------------------------------------------------------------------------

    def condition_expression(self, conditions: list[Condition]) -> tuple[str, str]:
        """The old conditions table as one relevance equation: scenarios ORed, conditions
        within a scenario ANDed, conditions on the same field within a scenario ORed.
        Returns (expression, why it cannot be written)."""
        scenarios: dict[int, dict[str, list[str]]] = {}
        for c in conditions:
            target = self.source.questions.get(c.cqid)
            if c.cfieldname.startswith("{") or target is None:
                return "", _(
                    "a condition uses %(field)s, which is not a question of the survey"
                ) % {"field": c.cfieldname}
            if c.method not in ("==", "!=", "<", "<=", ">", ">="):
                return "", _("a condition uses “%(method)s”, which Innsikt cannot express") % {
                    "method": c.method
                }
            if len(c.value) > 1 and c.value.startswith("@") and c.value.endswith("@"):
                return "", _("a condition compares with another answer")
            field = c.cfieldname.lstrip("+")
            rest = ""
            for prefix in (f"{self.source.sid}X{target.gid}X{c.cqid}", f"Q{c.cqid}"):
                if field.startswith(prefix):
                    rest = field[len(prefix) :]
                    break
            if rest.startswith("_S") and rest[2:] in self.source.questions:
                rest = self.source.questions[rest[2:]].title
            rest = rest.lstrip("_")
            value = c.value.replace("\\", "\\\\").replace('"', '\\"')
            if c.cfieldname.startswith("+"):  # one option of a multiple choice, ticked
                term = f'{target.title}_{c.value} {c.method} "Y"'
            else:
                name = f"{target.title}_{rest}" if rest else target.title
                term = f'{name} {c.method} "{value}"'
            scenarios.setdefault(c.scenario, {}).setdefault(c.cfieldname, []).append(term)
        parts = [
            "(" + " and ".join("(" + " or ".join(terms) + ")" for terms in fields.values()) + ")"
            for _scenario, fields in sorted(scenarios.items())
        ]
        return " or ".join(parts), ""

    def show_if(self, expression: str, what: str, can_split: bool) -> dict[str, Any]:
        """A relevance equation as the condition of the element about to be added to the
        current page; a new page is started first when that makes it work."""
        expression = expression.strip()
        if not expression or expression == "1":
            return model.NO_CONDITION
        at = len(self.steps) - 1
        result = condition_from_limesurvey(expression, self.refs, at)
        if result.same_step and can_split and self.answerable_on_current_page():
            self.continue_page()
            result = condition_from_limesurvey(expression, self.refs, at + 1)
        if result.condition is not None:
            return result.condition
        self.changes.append(
            _(
                "Shown always: its %(what)s “%(expression)s” cannot be expressed in Innsikt, "
                "because %(reason)s Add the condition by hand if it is needed."
            )
            % {"what": what, "expression": expression[:300], "reason": result.reason}
        )
        return model.NO_CONDITION

    # ---- pages -------------------------------------------------------------------------

    def open_page(self, group: Group, shuffle: bool) -> None:
        self.steps.append(
            model.step(
                key_from_code(f"g{group.gid}", self.step_taken),
                [],
                title=self.ph(self.txt(group.texts, "group_name", self.label(STEP_TITLE_MAX))),
                intro=self.ph(self.txt(group.texts, "description", self.rich)),
                shuffle=shuffle,
            )
        )
        self.page_group = group

    def continue_page(self) -> None:
        """The rest of the current group on a new page (same heading and condition)."""
        previous = self.steps[-1]["value"]
        gid = self.page_group.gid if self.page_group else ""
        self.steps.append(
            model.step(
                key_from_code(f"g{gid}", self.step_taken),
                [],
                title=previous["title"],
                show_if=previous["show_if"],
                shuffle=previous["shuffle_questions"],
            )
        )
        self.pages_added += 1

    def answerable_on_current_page(self) -> bool:
        return any(b["type"] != "info" for b in self.steps[-1]["value"]["questions"])

    def read_group(self, number: int, group: Group) -> None:
        name = _plain((group.texts.get(self.base) or {}).get("group_name", ""))
        element = _("Group %(n)d “%(name)s”") % {"n": number, "name": _short(name)}
        self.changes = []
        self.pages_added = 0
        position = len(self.survey.report)
        random_groups = {q.attributes.get("random_group", "").strip() for q in group.questions}
        random_groups.discard("")
        first_page = len(self.steps)
        self.open_page(group, shuffle=bool(random_groups))
        self.rich_lost(group.texts, "description")
        self.steps[-1]["value"]["show_if"] = self.show_if(
            group.relevance, _("relevance equation"), can_split=False
        )
        if len(random_groups) > 1:
            self.changes.append(
                _(
                    "Its questions are shuffled together (LimeSurvey shuffled %(n)d sets "
                    "separately)."
                )
                % {"n": len(random_groups)}
            )
        if group.randomization.strip():
            self.changes.append(_("Innsikt keeps pages in order: the group is not shuffled."))
        group_changes = self.changes
        for question in group.questions:
            self.read_question(
                question,
                fixed=bool(random_groups)
                and not question.attributes.get("random_group", "").strip(),
            )
        self.changes = group_changes
        if not any(s["value"]["questions"] for s in self.steps[first_page:]):
            del self.steps[first_page:]
            self.survey.report.insert(
                position,
                model.ReportLine(
                    element, "not_imported", _("It has no questions Innsikt could import.")
                ),
            )
            return
        if self.pages_added:
            self.changes.append(
                _(
                    "Split into %(n)d pages so that conditions on answers from the same group "
                    "work (Innsikt's conditions use answers from earlier pages)."
                )
                % {"n": self.pages_added + 1}
            )
        details = list(dict.fromkeys(self.changes))
        self.survey.report.insert(
            position,
            model.ReportLine(element, "changed" if details else "as_is", " ".join(details)),
        )

    def read_question(self, q: Question, fixed: bool) -> None:
        self.changes = []
        element = self.question_name(q)
        conditions = self.source.conditions.get(q.qid)
        try:
            blocks, refs = self.question_blocks(q, fixed)
        except _Skip as skipped:
            self.survey.note(element, "not_imported", str(skipped))
            return
        if conditions:
            expression, problem = self.condition_expression(conditions)
            if problem:
                self.changes.append(
                    _(
                        "Shown always: its LimeSurvey conditions cannot be expressed, because "
                        "%(reason)s."
                    )
                    % {"reason": problem}
                )
                show_if = model.NO_CONDITION
            else:
                show_if = self.show_if(expression, _("conditions"), can_split=True)
        else:
            show_if = self.show_if(q.relevance, _("relevance equation"), can_split=True)
        step_no = len(self.steps) - 1
        for block in blocks:
            block["value"]["show_if"] = show_if
        self.steps[-1]["value"]["questions"].extend(blocks)
        for name, ref in refs.items():
            placed = QuestionRef(ref.key, ref.kind, ref.options, step_no)
            self.refs[name] = placed
            self.refs_by_qid.setdefault(q.qid, placed)
        self.note(element)

    def note(self, element: str) -> None:
        details = list(dict.fromkeys(self.changes))
        self.survey.note(element, "changed" if details else "as_is", " ".join(details))

    # ---- the survey ----------------------------------------------------------------------

    def read(self) -> ImportedSurvey:
        self.choose_languages()
        settings = self.source.settings
        self.changes = []
        cut = self.cut(TITLE_MAX)
        titles = self.txt(settings, "surveyls_title", lambda raw: cut(_plain(raw)))
        titles = Txt({k: v or _("Imported survey") for k, v in titles.items()})
        intros = self.txt(
            {
                lang: {
                    "t": row.get("surveyls_description", "") + row.get("surveyls_welcometext", "")
                }
                for lang, row in settings.items()
            },
            "t",
            rich_text,
        )
        thanks = self.txt(settings, "surveyls_endtext", rich_text)
        for name in ("surveyls_description", "surveyls_welcometext", "surveyls_endtext"):
            self.rich_lost(settings, name)
            if _BRACES_RE.search((settings.get(self.base) or {}).get(name, "")):
                self.changes.append(
                    _("A {…} expression in the welcome or end text is kept as written.")
                )
        if self.source.format == "A":
            self.changes.append(
                _("LimeSurvey showed all groups on one page; Innsikt shows a page per group.")
            )
        survey_changes = self.changes
        for number, group in enumerate(self.source.groups, start=1):
            self.read_group(number, group)
        if not self.steps:
            raise ImportRejected(
                _(
                    "The survey has no questions Innsikt can import (it has no groups with "
                    "questions)."
                )
            )
        self.changes = survey_changes
        self.survey.report.insert(
            0,
            model.ReportLine(
                _("Survey “%(title)s”") % {"title": _short(titles[self.survey.base_language])},
                "changed" if survey_changes else "as_is",
                " ".join(dict.fromkeys(survey_changes)),
            ),
        )
        for language, count in self.missing.items():
            self.survey.note(
                _("Language “%(code)s”") % {"code": self.languages[language]},
                "changed",
                _(
                    "%(n)d texts had no translation; the survey's own language is used for "
                    "them. Translate them in Innsikt."
                )
                % {"n": count},
            )
        for language in self.languages:
            self.survey.titles[language] = titles[language]
            self.survey.intros[language] = intros[language]
            self.survey.thank_yous[language] = thanks[language]
            self.survey.bodies[language] = _render(self.steps, self.texts, language)
        return self.survey


def survey_read(content: bytes) -> ImportedSurvey:
    """The survey in a LimeSurvey .lss export (LimeSurvey 3.0 or later), one body per
    Innsikt language it has, with its import report. Raises ImportRejected when the file
    cannot be imported at all (not well-formed XML, a DTD or entities, not a survey
    export, a LimeSurvey older than 3.0, no questions). Pure; time grows linearly with the
    file."""
    return _Reader(source_read(content)).read()
