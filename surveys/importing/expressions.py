"""Logic expressions of questionnaire files → Innsikt conditions (issue 18).

Two dialects, one grammar: LimeSurvey's ExpressionScript (relevance equations, e.g.
``Q1 == "A1" and !is_empty(Q2)``) and XLSForm's XPath subset (``relevant``, e.g.
``${q} = 'a' and selected(${m}, 'b')``). Each has its own tokeniser; both feed one parser
(one AST) and one translator.

An Innsikt condition is ONE level: all of, or any of, a list of rules (surveys.logic). The
translator therefore rewrites what it can into that shape — ``not`` pushed down onto the
comparisons (De Morgan: ``not (a and b)`` is ``not a or not b``; ``not (x > 3)`` is
``x <= 3``), nested ``and``/``or`` of the same kind flattened, ``q == a or q == b`` on one
choice question collapsed into "is any of" — and says why when it cannot: a mix of
``and``/``or`` that stays nested, arithmetic, functions without a counterpart, references
to unknown or later questions, option codes the question does not have.

Bounded: expressions longer than :data:`MAX_LENGTH` characters or nested deeper than
``expression_parse.MAX_DEPTH`` are refused before any recursion can grow; and/or chains are
lists, not nested nodes, so a long chain does not deepen the recursion. The tokenisers and
the parser live in surveys.importing.expression_parse.

Pure: no models, no I/O. Reasons are translated (the import report shows them).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _

from . import model
from .expression_parse import (
    Arith,
    BoolOp,
    Call,
    Cmp,
    Const,
    Lit,
    Node,
    Not,
    NotExpressible,
    Ref,
    Token,
    limesurvey_tokens,
    parse,
    xlsform_tokens,
)

MAX_LENGTH = 4000

# Innsikt types whose options a rule compares with (surveys.schema: they have "options").
OPTION_KINDS = {
    "single_choice",
    "dropdown",
    "multiple_choice",
    "yes_no",
    "likert",
    "nps",
    "rating",
}
SCALE_KINDS = {"likert", "nps", "rating"}  # options "1".."n": also compared as numbers
TEXT_KINDS = {"short_text", "long_text", "email"}
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class QuestionRef:
    """What the translator knows of a question the source can name."""

    key: str  # Innsikt key of the question
    kind: str  # Innsikt block type (surveys.blocks), e.g. "single_choice"
    options: Mapping[str, str] = field(default_factory=dict)  # source code -> option key
    step: int = 0  # index of the Innsikt step (page) holding it


@dataclass(frozen=True)
class Translated:
    """A raw ConditionBlock value (surveys.importing.model.condition), or None with the
    reason it cannot be expressed. A condition without rules means "always".

    ``same_step`` is True when the only obstacle is a reference to a question on the same
    page (a reader may then start a new page before the question and translate again)."""

    condition: dict[str, Any] | None
    reason: str = ""
    same_step: bool = False

    @property
    def ok(self) -> bool:
        return self.condition is not None


# ---- translation -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Atom:
    """One Innsikt rule: question, operator and option keys or a value."""

    question: QuestionRef
    op: str
    options: tuple[str, ...] = ()
    value: str = ""


_NEGATED = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_MIRRORED = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
_NUMBER_OPS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _Translator:
    def __init__(
        self,
        refs: Mapping[str, QuestionRef],
        at_step: int,
        same_step_ok: bool,
        dialect: Literal["limesurvey", "xlsform"],
    ) -> None:
        self.refs = refs
        self.at_step = at_step
        self.same_step_ok = same_step_ok
        self.dialect = dialect
        self.same_step: list[str] = []

    # -- names -------------------------------------------------------------------------

    def shown_name(self, ref: Ref) -> str:
        if self.dialect == "xlsform":
            return "${" + ref.name + "}"
        return f"{ref.name}.{ref.attr}" if ref.attr else ref.name

    def resolve(self, ref: Ref) -> tuple[QuestionRef, str | None]:
        """The question a reference names, and the option key when it names one option
        of a multiple-choice question (LimeSurvey's ``Q2_SQ001``: ticked or not)."""
        attr = ref.attr.lower()
        if attr not in ("", "naok", "code", "value", "valuenaok"):
            raise NotExpressible(
                _("it uses “%(name)s”, a property of an answer Innsikt cannot compare.")
                % {"name": self.shown_name(ref)}
            )
        question, option = self.refs.get(ref.name), None
        if question is None and self.dialect == "limesurvey" and "_" in ref.name:
            base, _sep, code = ref.name.partition("_")
            parent = self.refs.get(base)
            if parent is not None and parent.kind == "multiple_choice":
                option = self.option_key(parent, code, ref)
                question = parent
        if question is None:
            raise NotExpressible(
                _("it refers to “%(name)s”, which is not a question that was imported.")
                % {"name": self.shown_name(ref)}
            )
        if attr.startswith("value") and question.kind in OPTION_KINDS - SCALE_KINDS:
            raise NotExpressible(
                _("it compares the assessment value of “%(name)s”, which Innsikt does not have.")
                % {"name": self.shown_name(ref)}
            )
        if question.step > self.at_step:
            raise NotExpressible(
                _("it refers to “%(name)s”, which comes later in the survey.")
                % {"name": self.shown_name(ref)}
            )
        if question.step == self.at_step and not self.same_step_ok:
            self.same_step.append(self.shown_name(ref))
        return question, option

    def option_key(self, question: QuestionRef, code: str, ref: Ref) -> str:
        key = question.options.get(code)
        if key is None:
            folded = {c.casefold(): k for c, k in question.options.items()}
            key = folded.get(code.casefold())
        if key is None:
            raise NotExpressible(
                _("“%(code)s” is not an answer option of “%(name)s”.")
                % {"code": code, "name": self.shown_name(ref)}
            )
        return key

    # -- to rules ------------------------------------------------------------------------

    def nnf(self, node: Node, negate: bool) -> Any:
        """``node`` with ``not`` pushed down to the rules: a Const, an _Atom or a BoolOp
        of those (same-kind children flattened, one question's options collapsed)."""
        if isinstance(node, Not):
            return self.nnf(node.item, not negate)
        if isinstance(node, Const):
            return Const(node.value != negate)
        if isinstance(node, BoolOp):
            kind: Literal["and", "or"] = node.kind
            if negate:
                kind = "or" if kind == "and" else "and"
            return self.combine(kind, [self.nnf(item, negate) for item in node.items])
        if isinstance(node, Lit):
            if node.number:
                return Const((float(node.text) != 0) != negate)
            raise NotExpressible(_("it uses a text where a condition is expected."))
        if isinstance(node, Cmp):
            return self.comparison(node, negate)
        if isinstance(node, Call):
            return self.function(node, negate)
        if isinstance(node, Ref):
            raise NotExpressible(
                _("it uses the answer to “%(name)s” on its own; compare it with a value.")
                % {"name": self.shown_name(node)}
            )
        raise NotExpressible(_("it calculates (+, −, ×, ÷), which Innsikt's rules cannot do."))

    def combine(self, kind: Literal["and", "or"], parts: list[Any]) -> Any:
        flat: list[Any] = []
        for part in parts:
            if isinstance(part, BoolOp) and part.kind == kind:
                flat.extend(part.items)
            elif isinstance(part, Const):
                if part.value == (kind == "or"):  # true in "or", false in "and"
                    return part
            else:
                flat.append(part)
        if kind == "or":
            flat = self.collapse(flat)
        if not flat:
            return Const(kind == "and")
        return flat[0] if len(flat) == 1 else BoolOp(kind, tuple(flat))

    @staticmethod
    def collapse(parts: list[Any]) -> list[Any]:
        """``q == a or q == b`` on one choice question → one "is any of" rule."""
        merged: dict[str, int] = {}
        out: list[Any] = []
        for part in parts:
            if isinstance(part, _Atom) and part.op in ("equals", "any_of") and part.options:
                at = merged.get(part.question.key)
                if at is not None:
                    first: _Atom = out[at]
                    options = first.options + tuple(
                        o for o in part.options if o not in first.options
                    )
                    out[at] = _Atom(first.question, "any_of", options)
                    continue
                merged[part.question.key] = len(out)
            out.append(part)
        return out

    def comparison(self, node: Cmp, negate: bool) -> _Atom:
        left, right, op = node.left, node.right, node.op
        if isinstance(left, Lit) and not isinstance(right, Lit):
            left, right, op = right, left, _MIRRORED[op]
        if negate:
            op = _NEGATED[op]
        if isinstance(left, Arith) or isinstance(right, Arith):
            raise NotExpressible(_("it calculates (+, −, ×, ÷), which Innsikt's rules cannot do."))
        if isinstance(left, Call):
            return self.counted(left, op, right)
        if not isinstance(left, Ref):
            raise NotExpressible(_("it compares values without naming a question."))
        if not isinstance(right, Lit):
            raise NotExpressible(
                _("it compares the answer to “%(name)s” with another answer or a calculation.")
                % {"name": self.shown_name(left)}
            )
        question, option = self.resolve(left)
        value = right.text
        if option is not None:
            return self.ticked(question, option, op, value, left)
        if value == "" and op in ("==", "!="):
            return _Atom(question, "not_answered" if op == "==" else "answered")
        return self.compare(question, op, value, left)

    def compare(self, question: QuestionRef, op: str, value: str, ref: Ref) -> _Atom:
        name = self.shown_name(ref)
        kind = question.kind
        if kind == "multiple_choice":
            raise NotExpressible(
                _(
                    "it compares the whole answer to the multiple-choice question “%(name)s”; "
                    "only whether one option is chosen can be expressed."
                )
                % {"name": name}
            )
        if kind in OPTION_KINDS:
            if op in ("==", "!="):
                key = self.option_key(question, value, ref)
                return _Atom(question, "equals" if op == "==" else "not_equals", (key,))
            if kind in SCALE_KINDS:
                key = self.option_key(question, value, ref)
                if _is_number(key):
                    return _Atom(question, _NUMBER_OPS[op], value=key)
            raise NotExpressible(
                _("it compares the options of “%(name)s” by order, which Innsikt cannot do.")
                % {"name": name}
            )
        if kind == "number":
            if not _is_number(value):
                raise NotExpressible(
                    _("it compares the number question “%(name)s” with “%(value)s”, not a number.")
                    % {"name": name, "value": value}
                )
            ops = {"==": "equals", "!=": "not_equals", **_NUMBER_OPS}
            return _Atom(question, ops[op], value=value)
        if kind in TEXT_KINDS or (kind == "date" and _ISO_DATE_RE.match(value)):
            if op in ("==", "!="):
                return _Atom(question, "equals" if op == "==" else "not_equals", value=value)
            raise NotExpressible(
                _("it compares the text or date of “%(name)s” by order, which Innsikt cannot do.")
                % {"name": name}
            )
        raise NotExpressible(
            _("it compares the answer to “%(name)s”; Innsikt can only ask whether it is answered.")
            % {"name": name}
        )

    def ticked(self, question: QuestionRef, option: str, op: str, value: str, ref: Ref) -> _Atom:
        """A comparison on one option of a multiple-choice question: ``Y`` when ticked."""
        if op in ("==", "!=") and value.upper() in ("Y", ""):
            is_ticked = (op == "==") == (value != "")
            return _Atom(question, "equals" if is_ticked else "not_equals", (option,))
        raise NotExpressible(
            _("it compares the option “%(name)s” with “%(value)s”; an option is ticked (Y) or not.")
            % {"name": self.shown_name(ref), "value": value}
        )

    def counted(self, call: Call, op: str, right: Any) -> _Atom:
        """string-length(q) / strlen(q) / count-selected(q) compared with 0 or 1: whether
        ``q`` is answered."""
        if (
            call.name in ("string-length", "strlen", "count-selected")
            and len(call.args) == 1
            and isinstance(call.args[0], Ref)
            and isinstance(right, Lit)
            and right.number
        ):
            holds = {(">", "0"), (">=", "1"), ("!=", "0")}
            fails = {("==", "0"), ("<", "1"), ("<=", "0")}
            pair = (op, right.text)
            if pair in holds or pair in fails:
                question, option = self.resolve(call.args[0])
                if option is not None:
                    return _Atom(question, "equals" if pair in holds else "not_equals", (option,))
                return _Atom(question, "answered" if pair in holds else "not_answered")
        raise NotExpressible(
            _("it uses %(function)s(…) in a way Innsikt's rules cannot express.")
            % {"function": call.name}
        )

    def function(self, call: Call, negate: bool) -> _Atom:
        args = call.args
        if call.name == "is_empty" and len(args) == 1 and isinstance(args[0], Ref):
            question, option = self.resolve(args[0])
            if option is not None:
                return _Atom(question, "equals" if negate else "not_equals", (option,))
            return _Atom(question, "answered" if negate else "not_answered")
        if (
            call.name == "selected"
            and len(args) == 2
            and isinstance(args[0], Ref)
            and isinstance(args[1], Lit)
        ):
            question, option = self.resolve(args[0])
            if question.kind not in OPTION_KINDS or option is not None:
                raise NotExpressible(
                    _("it uses selected(…) on “%(name)s”, which has no options.")
                    % {"name": self.shown_name(args[0])}
                )
            key = self.option_key(question, args[1].text, args[0])
            return _Atom(question, "not_equals" if negate else "equals", (key,))
        raise NotExpressible(
            _("it uses the function %(function)s(…), which has no counterpart in Innsikt.")
            % {"function": call.name}
        )


def _rule(atom: _Atom) -> dict[str, Any]:
    return model.rule(atom.question.key, atom.op, atom.value, list(atom.options) or None)


def _translate(
    expr: str,
    tokenise: Callable[[str], list[Token]],
    refs: Mapping[str, QuestionRef],
    at_step: int,
    same_step_ok: bool,
    dialect: Literal["limesurvey", "xlsform"],
) -> Translated:
    if len(expr) > MAX_LENGTH:
        return Translated(None, _("it is longer than %(n)d characters.") % {"n": MAX_LENGTH})
    translator = _Translator(refs, at_step, same_step_ok, dialect)
    try:
        tree = parse(tokenise(expr))
        result = translator.nnf(tree, False)
        if isinstance(result, BoolOp) and any(not isinstance(i, _Atom) for i in result.items):
            raise NotExpressible(
                _(
                    "it mixes “and” and “or” in a way one Innsikt condition (all of, or any "
                    "of, a list of rules) cannot express."
                )
            )
        if isinstance(result, Const) and not result.value:
            raise NotExpressible(_("it never holds (the element would never be shown)."))
    except NotExpressible as refused:
        return Translated(None, refused.reason)
    except RecursionError:  # defensive: the depth cap should make this unreachable
        return Translated(None, _("it is nested too deeply."))
    if translator.same_step:
        names = ", ".join(f"“{n}”" for n in dict.fromkeys(translator.same_step))
        return Translated(
            None,
            _(
                "it refers to %(names)s on the same page; Innsikt's conditions can only use "
                "answers from earlier pages."
            )
            % {"names": names},
            same_step=True,
        )
    if isinstance(result, Const):
        return Translated(model.condition([]))
    if isinstance(result, _Atom):
        return Translated(model.condition([_rule(result)]))
    match: Literal["all", "any"] = "all" if result.kind == "and" else "any"
    return Translated(model.condition([_rule(a) for a in result.items], match))


def condition_from_limesurvey(
    expr: str, refs: Mapping[str, QuestionRef], at_step: int, *, same_step_ok: bool = False
) -> Translated:
    """A LimeSurvey relevance equation as an Innsikt condition for an element on step
    ``at_step``. ``refs`` maps question codes (and, for multiple numeric questions split into
    several, ``Q_SQ`` field names) to what Innsikt made of them; ``Q_SQ`` of a multiple-choice
    question in ``refs`` names its option ``SQ``. Empty or ``1`` → a condition without rules
    (always). Never raises."""
    return _translate(expr or "", limesurvey_tokens, refs, at_step, same_step_ok, "limesurvey")


def condition_from_xlsform(
    expr: str, refs: Mapping[str, QuestionRef], at_step: int, *, same_step_ok: bool = False
) -> Translated:
    """An XLSForm ``relevant`` expression as an Innsikt condition for an element on step
    ``at_step``; ``refs`` maps XLSForm names (``${name}``) to questions. Empty → a condition
    without rules (always). Never raises."""
    return _translate(expr or "", xlsform_tokens, refs, at_step, same_step_ok, "xlsform")
