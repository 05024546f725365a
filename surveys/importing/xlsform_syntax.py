"""XLSForm's small languages, both ways (issue 18): language columns, ODK's markdown in
labels, ``${name}`` piping, and the ``constraint`` forms Innsikt's validation can hold.
Shared by the reader (surveys.importing.xlsform) and the writer
(surveys.importing.xlsform_export), so what one writes the other reads. Pure.
"""

import html
import re
from dataclasses import dataclass, field

from .model import rich_text

# ---- languages --------------------------------------------------------------------------

# The column names the writer uses: label::Norsk bokmål (nb) …
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "nn": "Nynorsk", "en": "English"}

_CODES = {"nb": "nb", "nob": "nb", "no": "nb", "nor": "nb", "nn": "nn", "nno": "nn"}
_CODES.update({"en": "en", "eng": "en"})
_NAMES = {
    "norsk bokmål": "nb",
    "norsk bokmal": "nb",
    "bokmål": "nb",
    "bokmal": "nb",
    "norwegian bokmål": "nb",
    "norwegian bokmal": "nb",
    "norsk": "nb",
    "norwegian": "nb",
    "nynorsk": "nn",
    "norsk nynorsk": "nn",
    "norwegian nynorsk": "nn",
    "english": "en",
    "engelsk": "en",
}
DEFAULT = "default"  # XLSForm's name for the language of the plain ``label`` column
_CODE_IN_NAME = re.compile(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*\)\s*$")


def language_code(name: str) -> str | None:
    """Innsikt's language for an XLSForm language name (``Norsk bokmål (nb)``,
    ``English (en)``, ``english``, ``nn``, ``en-GB``…); ``default`` for XLSForm's default
    language; None for a language Innsikt does not offer."""
    text = (name or "").strip()
    if not text or text.lower() == DEFAULT:
        return DEFAULT
    match = _CODE_IN_NAME.search(text)
    if match:
        return _CODES.get(match.group(1).lower())
    lowered = re.sub(r"\s+", " ", text.lower())
    if lowered in _NAMES:
        return _NAMES[lowered]
    return _CODES.get(re.split(r"[-_]", lowered)[0])


def language_column(language: str) -> str:
    """``Norsk bokmål (nb)`` for ``nb``: the suffix of the writer's translated columns."""
    return f"{LANGUAGE_NAMES[language]} ({language})"


# Translatable columns of the survey and choices sheets (aliases included), by their base.
TRANSLATABLE = {
    "label": "label",
    "caption": "label",
    "hint": "hint",
    "constraint_message": "constraint_message",
    "constraint message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "required_message": "required_message",
    "jr:requiredmsg": "required_message",
    "guidance_hint": "guidance_hint",
    "form_title": "form_title",
    "title": "form_title",
}


@dataclass(frozen=True)
class Column:
    """A header, understood: ``base`` (``label``, ``hint``, ``type``…, aliases resolved)
    and, for a translated column, the language name as written (``None`` for a plain
    column)."""

    base: str
    language: str | None = None


_MEDIA = re.compile(r"^(media::)?(image|big-image|audio|video)(::|:|$)")


def column(header: str) -> Column:
    """``label::Nynorsk (nn)`` → Column("label", "Nynorsk (nn)"); ``label:English`` (the
    older single colon) too; ``list name`` → ``list_name``; media columns → ``media``."""
    text = re.sub(r"\s+", " ", header.strip())
    lowered = text.lower()
    if _MEDIA.match(lowered):
        return Column("media")
    for sep in ("::", ":"):
        base, found, rest = text.partition(sep)
        key = base.strip().lower()
        if found and key in TRANSLATABLE:
            return Column(TRANSLATABLE[key], rest.strip())
    if lowered in TRANSLATABLE:
        return Column(TRANSLATABLE[lowered])
    aliases = {
        "list name": "list_name",
        "relevance": "relevant",
        "calculate": "calculation",
        "constraining_message": "constraint_message",
        "readonly": "read_only",
    }
    return Column(aliases.get(lowered, lowered.replace(" ", "_") if lowered else ""))


# ---- yes/no -------------------------------------------------------------------------------

TRUE_WORDS = {"yes", "true", "true()", "1"}
FALSE_WORDS = {"", "no", "false", "false()", "0"}


def truth(value: str) -> bool | None:
    """XLSForm's yes/true/TRUE()…: True or False; None for an expression."""
    lowered = (value or "").strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return None


def parameters(value: str) -> dict[str, str]:
    """``randomize=true seed=${s}`` (spaces, commas or semicolons between) → dict."""
    found: dict[str, str] = {}
    for part in re.split(r"[\s,;]+", value or ""):
        name, sep, setting = part.partition("=")
        if sep and name.strip():
            found[name.strip().lower()] = setting.strip()
    return found


# ---- piping -------------------------------------------------------------------------------

REFERENCE_RE = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}")
INNSIKT_PIPE_RE = re.compile(r"\{([a-z0-9][a-z0-9_-]{0,79})\}")


def pipes_to_xlsform(text: str, keys: set[str]) -> str:
    """Innsikt's ``{key}`` → XLSForm's ``${key}`` for keys of questions."""
    return INNSIKT_PIPE_RE.sub(
        lambda m: "${" + m.group(1) + "}" if m.group(1) in keys else m.group(0), text
    )


# ---- markdown (ODK labels) ↔ Innsikt rich text --------------------------------------------

_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+|mailto:[^)\s]+)\)")
_MD_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_MD_ITALIC = re.compile(
    r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"
)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$")


def _inline_html(text: str) -> str:
    out = html.escape(text, quote=False)
    out = _MD_LINK.sub(lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', out)
    out = _MD_BOLD.sub(lambda m: f"<b>{m.group(1) or m.group(2)}</b>", out)
    out = _MD_ITALIC.sub(lambda m: f"<i>{m.group(1) or m.group(2)}</i>", out)
    return out


def markdown_html(text: str) -> str:
    """ODK's label markdown (paragraphs, ``**bold**``, ``*italic*``, ``[links](https://…)``,
    ``# headings``, ``-`` and ``1.`` lists) as Innsikt rich text. HTML already in the label
    (ODK allows ``<span>`` and more) is reduced by :func:`rich_text` like any import."""
    if re.search(r"<(p|b|i|strong|em|a|ul|ol|li|br|span|div)\b", text or "", re.IGNORECASE):
        return rich_text(text)
    blocks: list[str] = []
    paragraph: list[str] = []
    list_kind = ""
    list_items: list[str] = []

    def flush() -> None:
        nonlocal list_kind
        if paragraph:
            blocks.append("<p>" + "<br/>".join(_inline_html(p) for p in paragraph) + "</p>")
            paragraph.clear()
        if list_items:
            inner = "".join(f"<li>{_inline_html(i)}</li>" for i in list_items)
            blocks.append(f"<{list_kind}>{inner}</{list_kind}>")
            list_items.clear()
            list_kind = ""

    for line in (text or "").replace("\r\n", "\n").split("\n"):
        item = _LIST_ITEM.match(line)
        heading = _MD_HEADING.match(line)
        if not line.strip():
            flush()
        elif item:
            kind = "ul" if item.group(1) else "ol"
            if paragraph or (list_kind and list_kind != kind):
                flush()
            list_kind = kind
            list_items.append(item.group(3))
        elif heading:
            flush()
            blocks.append(f"<p><b>{_inline_html(heading.group(1))}</b></p>")
        else:
            if list_items:
                flush()
            paragraph.append(line.strip())
    flush()
    return "".join(blocks)


_HTML_BLOCK = re.compile(r"<(p|ul|ol)>(.*?)</\1>", re.DOTALL)
_HTML_INLINE = [
    (re.compile(r"<b>(.*?)</b>", re.DOTALL), r"**\1**"),
    (re.compile(r"<i>(.*?)</i>", re.DOTALL), r"*\1*"),
    (re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL), r"[\2](\1)"),
    (re.compile(r"<br/?>"), "\n"),
]


def html_markdown(markup: str) -> str:
    """Innsikt rich text (paragraphs, bold, italic, links, lists) as ODK label markdown:
    what :func:`markdown_html` reads back to the same HTML."""
    source = rich_text(markup)

    def inline(fragment: str) -> str:
        for pattern, replacement in _HTML_INLINE:
            fragment = pattern.sub(replacement, fragment)
        return html.unescape(re.sub(r"<[^>]+>", "", fragment))

    parts: list[str] = []
    for match in _HTML_BLOCK.finditer(source):
        kind, inner = match.group(1), match.group(2)
        if kind == "p":
            parts.append(inline(inner))
        else:
            items = re.findall(r"<li>(.*?)</li>", inner, re.DOTALL)
            parts.append(
                "\n".join(
                    (f"{n}. " if kind == "ol" else "- ") + inline(item)
                    for n, item in enumerate(items, start=1)
                )
            )
    return "\n\n".join(parts)


def markdown_plain(text: str) -> tuple[str, bool]:
    """A label or hint as Innsikt's plain text: markdown emphasis and HTML tags removed,
    links as their text; and whether anything was removed (the report says so)."""
    source = text or ""
    plain = re.sub(r"</?[A-Za-z][^>]*>", "", source)
    plain = _MD_LINK.sub(r"\1", plain)
    plain = _MD_BOLD.sub(lambda m: m.group(1) or m.group(2), plain)
    plain = _MD_ITALIC.sub(lambda m: m.group(1) or m.group(2), plain)
    plain = html.unescape(plain)
    plain = re.sub(r"\s+", " ", plain).strip()
    return plain, plain != re.sub(r"\s+", " ", source).strip()


# ---- constraints ---------------------------------------------------------------------------

# The writer's constraint for an e-mail question; the reader knows an e-mail question by it.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

_NUM = r"-?\d+(?:\.\d+)?"
_CMP_DOT = re.compile(rf"^\.\s*(>=|<=|>|<)\s*({_NUM})$")
_CMP_DOT_REVERSED = re.compile(rf"^({_NUM})\s*(>=|<=|>|<)\s*\.$")
_CMP_LENGTH = re.compile(r"^string-length\(\s*\.\s*\)\s*(>=|<=|>|<)\s*(\d+)$")
_CMP_COUNT = re.compile(r"^count-selected\(\s*\.\s*\)\s*(>=|<=|>|<)\s*(\d+)$")
_REGEX = re.compile(r"""^regex\(\s*\.\s*,\s*(?:'([^']*)'|"([^"]*)")\s*\)$""")
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">"}


def split_top(expression: str, word: str) -> list[str]:
    """``a and (b or c) and d`` split at the top-level ``word`` (outside parentheses and
    quotes)."""
    parts: list[str] = []
    depth, quote, start, i = 0, "", 0, 0
    text = expression
    pattern = re.compile(rf"\s+{word}\s+", re.IGNORECASE)
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0:
            match = pattern.match(text, i)
            if match and i > 0 and text[i].isspace():
                parts.append(text[start:i])
                start = i = match.end()
                continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def unwrap(expression: str) -> str:
    """Outer parentheses that enclose the whole expression removed."""
    text = expression.strip()
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, char in enumerate(text):
            depth += char == "("
            depth -= char == ")"
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


@dataclass
class Constraint:
    """What of a constraint Innsikt can hold, and the parts it cannot (as written)."""

    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_count: int | None = None
    max_count: int | None = None
    pattern: str | None = None
    rest: list[str] = field(default_factory=list)
    strict: list[str] = field(default_factory=list)  # "> 3" read as ">= 3" (decimals)


def _bound(op: str, number: float, integer: bool) -> tuple[str, float, bool]:
    """(min|max, bound, exact) for ``. op number``; a strict bound on whole numbers moves by
    one, on decimals it is kept inclusive (not exact)."""
    if op in (">=", "<="):
        return ("min" if op == ">=" else "max"), number, True
    if integer and float(number).is_integer():
        return ("min", number + 1, True) if op == ">" else ("max", number - 1, True)
    return ("min" if op == ">" else "max"), number, False


def constraint_parse(expression: str, *, integer: bool = True) -> Constraint:
    """The parts of ``constraint`` (joined by ``and``) that Innsikt's validation holds:
    ``. >= 1``, ``. <= 10`` (and ``>``, ``<``, reversed), ``string-length(.) <= 200``,
    ``count-selected(.) >= 2``, ``regex(., '…')`` (its anchors ``^`` and ``$`` dropped:
    Innsikt matches the whole answer anyway). Anything else lands in ``rest``."""
    found = Constraint()
    text = unwrap(expression or "")
    if not text:
        return found
    for part in split_top(text, "and"):
        part = unwrap(part)
        cmp = _CMP_DOT.match(part)
        if not cmp and (reverse := _CMP_DOT_REVERSED.match(part)):
            cmp_op, value = _FLIP[reverse.group(2)], reverse.group(1)
        elif cmp:
            cmp_op, value = cmp.group(1), cmp.group(2)
        else:
            cmp_op = ""
        if cmp_op:
            side, bound, exact = _bound(cmp_op, float(value), integer)
            if side == "min":
                found.minimum = bound if found.minimum is None else max(found.minimum, bound)
            else:
                found.maximum = bound if found.maximum is None else min(found.maximum, bound)
            if not exact:
                found.strict.append(part)
            continue
        length = _CMP_LENGTH.match(part) or _CMP_COUNT.match(part)
        if length:
            side, bound, _exact = _bound(length.group(1), float(length.group(2)), True)
            attr = ("min_" if side == "min" else "max_") + (
                "length" if part.startswith("string-length") else "count"
            )
            current = getattr(found, attr)
            number = int(bound)
            if current is not None:
                number = max(current, number) if side == "min" else min(current, number)
            setattr(found, attr, number)
            continue
        regex = _REGEX.match(part)
        if regex and found.pattern is None:
            pattern = regex.group(1) if regex.group(1) is not None else regex.group(2)
            if pattern.startswith("^"):
                pattern = pattern[1:]
            if pattern.endswith("$") and not pattern.endswith("\\$"):
                pattern = pattern[:-1]
            found.pattern = pattern
            continue
        found.rest.append(part)
    return found


def xpath_string(text: str) -> str | None:
    """An XPath 1.0 string literal for ``text`` (which has no escapes: ``'`` or ``"``
    quotes, whichever the text lacks); None when it holds both."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return None


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def constraint_write(
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    min_count: int | None = None,
    max_count: int | None = None,
    pattern: str = "",
) -> tuple[str, list[str]]:
    """The ``constraint`` for Innsikt's validation fields, and what could not be written
    (a pattern holding both quote characters)."""
    parts: list[str] = []
    lost: list[str] = []
    if minimum is not None:
        parts.append(f". >= {number_text(minimum)}")
    if maximum is not None:
        parts.append(f". <= {number_text(maximum)}")
    if min_length is not None:
        parts.append(f"string-length(.) >= {min_length}")
    if max_length is not None:
        parts.append(f"string-length(.) <= {max_length}")
    if min_count is not None:
        parts.append(f"count-selected(.) >= {min_count}")
    if max_count is not None:
        parts.append(f"count-selected(.) <= {max_count}")
    if pattern:
        anchored = pattern if pattern.startswith("^") else f"^{pattern}"
        if not (anchored.endswith("$") and not anchored.endswith("\\$")):
            anchored = f"{anchored}$"
        literal = xpath_string(anchored)
        if literal is None:
            lost.append(pattern)
        else:
            parts.append(f"regex(., {literal})")
    return " and ".join(parts), lost
