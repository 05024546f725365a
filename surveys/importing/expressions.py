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
:data:`MAX_DEPTH` are refused before any recursion can grow; and/or chains are lists, not
nested nodes, so a long chain does not deepen the recursion.

Pure: no models, no I/O. Reasons are translated (the import report shows them).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _

from . import model

MAX_LENGTH = 4000
MAX_DEPTH = 50

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


class _NotExpressible(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---- AST -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Lit:
    text: str
    number: bool


@dataclass(frozen=True)
class Ref:
    name: str  # as written in the source (without ${ })
    attr: str = ""  # LimeSurvey: "NAOK", "code", "shown"…


@dataclass(frozen=True)
class Call:
    name: str  # lower case
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Cmp:
    op: str  # == != < <= > >=
    left: Any
    right: Any


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class BoolOp:
    kind: Literal["and", "or"]
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Arith:
    op: str  # the first arithmetic operator met (the node is never walked)


Node = Const | Lit | Ref | Call | Cmp | Not | BoolOp | Arith


# ---- tokens ----------------------------------------------------------------------------

Token = tuple[str, str]  # (kind, text): num str ref name op and or not ( ) , arith

_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_LS_TOKEN_RE = re.compile(
    rf"""\s*(?:
    (?P<num>{_NUMBER})
    |(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<op>===|!==|==|!=|<=|>=|<|>|&&|\|\||!|=|\+|-|\*|/|\(|\)|,)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
    )""",
    re.VERBOSE,
)
_XLS_TOKEN_RE = re.compile(
    rf"""\s*(?:
    (?P<ref>\$\{{[^}}]*\}})
    |(?P<num>{_NUMBER})
    |(?P<str>"[^"]*"|'[^']*')
    |(?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)
    |(?P<name>[A-Za-z_][A-Za-z0-9_.:-]*)
    )""",
    re.VERBOSE,
)
_LS_WORD_OPS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_LS_SYMBOLS = {
    "==": ("op", "=="),
    "===": ("op", "=="),
    "!=": ("op", "!="),
    "!==": ("op", "!="),
    "&&": ("and", "and"),
    "||": ("or", "or"),
    "!": ("not", "not"),
}


def _unescape(quoted: str) -> str:
    return re.sub(r"\\(.)", r"\1", quoted[1:-1])


def _scan(expr: str, pattern: re.Pattern[str], word: Callable[[str, str], Token]) -> list[Token]:
    tokens: list[Token] = []
    pos, end = 0, len(expr.rstrip())
    while pos < end:
        match = pattern.match(expr, pos)
        if not match or match.end() == pos:
            raise _NotExpressible(
                _("it could not be read (at “%(text)s”).") % {"text": expr[pos : pos + 20].strip()}
            )
        pos = match.end()
        kind = match.lastgroup or ""
        text = match.group(kind)
        if kind == "name":
            following = expr[pos:].lstrip()[:1]
            tokens.append(word(text, following))
        elif text in ("(", ")", ","):
            tokens.append((text, text))
        else:
            tokens.append((kind, text))
    return tokens


def _limesurvey_tokens(expr: str) -> list[Token]:
    source = expr.strip()
    # A relevance equation may be written as {…} (the form used inside texts).
    if source.startswith("{") and source.endswith("}"):
        source = source[1:-1]
    if "{" in source or "}" in source:
        raise _NotExpressible(_("it uses {…} inside the expression."))

    def word(name: str, following: str) -> Token:
        lower = name.lower()
        if lower in ("and", "or", "not"):
            return (lower, lower)
        if lower in _LS_WORD_OPS:
            return ("op", _LS_WORD_OPS[lower])
        if following == "(":
            return ("name", lower)
        return ("ref", name)

    tokens = []
    for kind, text in _scan(source, _LS_TOKEN_RE, word):
        if kind == "op" and text in _LS_SYMBOLS:
            tokens.append(_LS_SYMBOLS[text])
        elif kind == "op" and text == "=":
            raise _NotExpressible(_("it assigns a value (=) instead of comparing (==)."))
        elif kind == "op" and text in "+-*/":
            tokens.append(("arith", text))
        elif kind == "str":
            tokens.append(("str", _unescape(text)))
        else:
            tokens.append((kind, text))
    return tokens


def _xlsform_tokens(expr: str) -> list[Token]:
    def word(name: str, following: str) -> Token:
        if name in ("and", "or"):
            return (name, name)
        if name in ("div", "mod"):
            return ("arith", name)
        if following == "(":
            return ("name", name.lower())
        raise _NotExpressible(
            _("it uses “%(name)s”, which is not a ${name} reference.") % {"name": name}
        )

    tokens = []
    for kind, text in _scan(expr.strip(), _XLS_TOKEN_RE, word):
        if kind == "op" and text == "=":
            tokens.append(("op", "=="))
        elif kind == "op" and text in "+-*":
            tokens.append(("arith", text))
        elif kind == "ref":
            tokens.append(("ref", text[2:-1].strip()))
        elif kind == "str":
            tokens.append(("str", text[1:-1]))
        else:
            tokens.append((kind, text))
    return tokens


# ---- parser ----------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the tokens; depth is counted at every level that can nest
    (not, parentheses, function arguments) and capped at MAX_DEPTH."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def expect(self, kind: str) -> None:
        if self.take()[0] != kind:
            raise _NotExpressible(_("it could not be read (unbalanced parentheses?)."))

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _NotExpressible(_("it is nested more than %(n)d levels deep.") % {"n": MAX_DEPTH})

    def parse(self) -> Node:
        if not self.tokens:
            return Const(True)
        node = self.or_()
        if self.peek()[0] != "end":
            raise _NotExpressible(
                _("it could not be read (at “%(text)s”).") % {"text": self.peek()[1]}
            )
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.peek()[0] == "or":
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_(self) -> Node:
        items = [self.unary()]
        while self.peek()[0] == "and":
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def unary(self) -> Node:
        if self.peek()[0] == "not":
            self.take()
            self.deeper()
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum_()
        if self.peek()[0] != "op":
            return left
        op = self.take()[1]
        right = self.sum_()
        if self.peek()[0] == "op":
            raise _NotExpressible(_("it chains comparisons (a < b < c)."))
        return Cmp(op, left, right)

    def sum_(self) -> Node:
        """An operand, or a calculation (never walked: the translator refuses it)."""
        node = self.operand()
        first = ""
        while self.peek()[0] == "arith":
            op = self.take()[1]
            first = first or op
            self.operand()
        return Arith(first) if first else node

    def operand(self) -> Node:
        kind, text = self.take()
        if kind == "arith" and text == "-":  # a negative number
            nxt = self.take()
            if nxt[0] == "num":
                return Lit("-" + nxt[1], True)
            return Arith("-")
        if kind == "num":
            return Lit(text, True)
        if kind == "str":
            return Lit(text, False)
        if kind == "ref":
            name, _dot, attr = text.partition(".")
            return Ref(name, attr)
        if kind == "(":
            self.deeper()
            node = self.or_()
            self.expect(")")
            self.depth -= 1
            return node
        if kind == "name":
            self.expect("(")
            self.deeper()
            args: list[Node] = []
            if self.peek()[0] != ")":
                args.append(self.or_())
                while self.peek()[0] == ",":
                    self.take()
                    args.append(self.or_())
            self.expect(")")
            self.depth -= 1
            if text == "not" and len(args) == 1:  # XLSForm's not(…)
                return Not(args[0])
            if text in ("true", "false") and not args:
                return Const(text == "true")
            return Call(text, tuple(args))
        raise _NotExpressible(_("it could not be read (at “%(text)s”).") % {"text": text})


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
            raise _NotExpressible(
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
            raise _NotExpressible(
                _("it refers to “%(name)s”, which is not a question that was imported.")
                % {"name": self.shown_name(ref)}
            )
        if attr.startswith("value") and question.kind in OPTION_KINDS - SCALE_KINDS:
            raise _NotExpressible(
                _("it compares the assessment value of “%(name)s”, which Innsikt does not have.")
                % {"name": self.shown_name(ref)}
            )
        if question.step > self.at_step:
            raise _NotExpressible(
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
            raise _NotExpressible(
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
            raise _NotExpressible(_("it uses a text where a condition is expected."))
        if isinstance(node, Cmp):
            return self.comparison(node, negate)
        if isinstance(node, Call):
            return self.function(node, negate)
        if isinstance(node, Ref):
            raise _NotExpressible(
                _("it uses the answer to “%(name)s” on its own; compare it with a value.")
                % {"name": self.shown_name(node)}
            )
        raise _NotExpressible(_("it calculates (+, −, ×, ÷), which Innsikt's rules cannot do."))

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
            raise _NotExpressible(_("it calculates (+, −, ×, ÷), which Innsikt's rules cannot do."))
        if isinstance(left, Call):
            return self.counted(left, op, right)
        if not isinstance(left, Ref):
            raise _NotExpressible(_("it compares values without naming a question."))
        if not isinstance(right, Lit):
            raise _NotExpressible(
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
            raise _NotExpressible(
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
            raise _NotExpressible(
                _("it compares the options of “%(name)s” by order, which Innsikt cannot do.")
                % {"name": name}
            )
        if kind == "number":
            if not _is_number(value):
                raise _NotExpressible(
                    _("it compares the number question “%(name)s” with “%(value)s”, not a number.")
                    % {"name": name, "value": value}
                )
            ops = {"==": "equals", "!=": "not_equals", **_NUMBER_OPS}
            return _Atom(question, ops[op], value=value)
        if kind in TEXT_KINDS or (kind == "date" and _ISO_DATE_RE.match(value)):
            if op in ("==", "!="):
                return _Atom(question, "equals" if op == "==" else "not_equals", value=value)
            raise _NotExpressible(
                _("it compares the text or date of “%(name)s” by order, which Innsikt cannot do.")
                % {"name": name}
            )
        raise _NotExpressible(
            _("it compares the answer to “%(name)s”; Innsikt can only ask whether it is answered.")
            % {"name": name}
        )

    def ticked(self, question: QuestionRef, option: str, op: str, value: str, ref: Ref) -> _Atom:
        """A comparison on one option of a multiple-choice question: ``Y`` when ticked."""
        if op in ("==", "!=") and value.upper() in ("Y", ""):
            is_ticked = (op == "==") == (value != "")
            return _Atom(question, "equals" if is_ticked else "not_equals", (option,))
        raise _NotExpressible(
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
        raise _NotExpressible(
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
                raise _NotExpressible(
                    _("it uses selected(…) on “%(name)s”, which has no options.")
                    % {"name": self.shown_name(args[0])}
                )
            key = self.option_key(question, args[1].text, args[0])
            return _Atom(question, "not_equals" if negate else "equals", (key,))
        raise _NotExpressible(
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
        tree = _Parser(tokenise(expr)).parse()
        result = translator.nnf(tree, False)
        if isinstance(result, BoolOp) and any(not isinstance(i, _Atom) for i in result.items):
            raise _NotExpressible(
                _(
                    "it mixes “and” and “or” in a way one Innsikt condition (all of, or any "
                    "of, a list of rules) cannot express."
                )
            )
        if isinstance(result, Const) and not result.value:
            raise _NotExpressible(_("it never holds (the element would never be shown)."))
    except _NotExpressible as refused:
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
    return _translate(expr or "", _limesurvey_tokens, refs, at_step, same_step_ok, "limesurvey")


def condition_from_xlsform(
    expr: str, refs: Mapping[str, QuestionRef], at_step: int, *, same_step_ok: bool = False
) -> Translated:
    """An XLSForm ``relevant`` expression as an Innsikt condition for an element on step
    ``at_step``; ``refs`` maps XLSForm names (``${name}``) to questions. Empty → a condition
    without rules (always). Never raises."""
    return _translate(expr or "", _xlsform_tokens, refs, at_step, same_step_ok, "xlsform")
