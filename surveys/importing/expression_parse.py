"""Tokenisers, the parser and the syntax tree of questionnaire logic expressions (issue 18).

Two dialects, one grammar: LimeSurvey's ExpressionScript and XLSForm's XPath subset each
have a tokeniser; both feed one recursive-descent parser. Depth is counted wherever the
grammar can nest and capped at :data:`MAX_DEPTH`; and/or chains become lists, not nested
nodes. surveys.importing.expressions translates the tree into Innsikt conditions. Pure.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _

MAX_DEPTH = 50


class NotExpressible(Exception):
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
            raise NotExpressible(
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


def limesurvey_tokens(expr: str) -> list[Token]:
    source = expr.strip()
    # A relevance equation may be written as {…} (the form used inside texts).
    if source.startswith("{") and source.endswith("}"):
        source = source[1:-1]
    if "{" in source or "}" in source:
        raise NotExpressible(_("it uses {…} inside the expression."))

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
            raise NotExpressible(_("it assigns a value (=) instead of comparing (==)."))
        elif kind == "op" and text in "+-*/":
            tokens.append(("arith", text))
        elif kind == "str":
            tokens.append(("str", _unescape(text)))
        else:
            tokens.append((kind, text))
    return tokens


def xlsform_tokens(expr: str) -> list[Token]:
    def word(name: str, following: str) -> Token:
        if name in ("and", "or"):
            return (name, name)
        if name in ("div", "mod"):
            return ("arith", name)
        if following == "(":
            return ("name", name.lower())
        raise NotExpressible(
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
            raise NotExpressible(_("it could not be read (unbalanced parentheses?)."))

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise NotExpressible(_("it is nested more than %(n)d levels deep.") % {"n": MAX_DEPTH})

    def parse(self) -> Node:
        if not self.tokens:
            return Const(True)
        node = self.or_()
        if self.peek()[0] != "end":
            raise NotExpressible(
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
            raise NotExpressible(_("it chains comparisons (a < b < c)."))
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
        raise NotExpressible(_("it could not be read (at “%(text)s”).") % {"text": text})


def parse(tokens: list[Token]) -> Node:
    """The tree of an expression's tokens (an empty expression is true). Raises
    NotExpressible when it cannot be read or nests deeper than MAX_DEPTH."""
    return _Parser(tokens).parse()
