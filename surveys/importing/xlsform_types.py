"""Which Innsikt block an XLSForm survey row becomes (issue 18): the type table of the
XLSForm reader (surveys.importing.xlsform), with validation from ``constraint`` and what
each row loses on the way. Pure.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .model import display, key_from_code, question
from .xlsform_rows import Choice, Form, Row
from .xlsform_syntax import EMAIL_PATTERN, constraint_parse, markdown_html, parameters, truth

MAX_TEXT = 5000  # TextQuestionBlock's largest maximum length
_HEADING = re.compile(r"^#{1,6}\s+(?=[^\n]*$)")  # a one-line markdown heading's marker


class T(dict[str, str]):
    """A text in every language (language → text); replaced by one language's text when
    the reader makes the bodies."""


@dataclass
class Made:
    """The block a row became (None: not imported, ``why_not`` says why), what changed on
    the way, and its options by their XLSForm names (for conditions)."""

    block: dict[str, Any] | None = None
    changes: list[str] = field(default_factory=list)
    why_not: str = ""
    option_names: dict[str, str] = field(default_factory=dict)


class Context(Protocol):
    form: Form
    question_keys: set[str]

    def texts(self, row_texts: Mapping[str, str], *, plain: bool = True) -> tuple[T, bool]: ...

    def options(self, choices: list[Choice]) -> list[dict[str, Any]]: ...


_LOCATION = gettext_lazy("Innsikt does not ask for locations.")
_FILES = gettext_lazy(
    "Innsikt does not take photos, sound, video or files (answers stay anonymous and small)."
)
_META = gettext_lazy(
    "Device and user details are not collected: Innsikt stores none, so anonymous answers stay "
    "anonymous."
)
_EXTERNAL = gettext_lazy(
    "Choices from an external file are not supported; copy the list into the form's "
    "“choices” sheet."
)
UNSUPPORTED = {
    "geopoint": _LOCATION,
    "geotrace": _LOCATION,
    "geoshape": _LOCATION,
    "start-geopoint": _LOCATION,
    "image": _FILES,
    "photo": _FILES,
    "audio": _FILES,
    "video": _FILES,
    "file": _FILES,
    "background-audio": _FILES,
    "barcode": gettext_lazy("Innsikt cannot scan barcodes; use a short text if needed."),
    "time": gettext_lazy("Innsikt has no time-of-day question; use a short text if needed."),
    "calculate": gettext_lazy("A calculation is not a question; Innsikt surveys have none."),
    "hidden": gettext_lazy("A hidden field is not a question; Innsikt surveys have none."),
    "select_one_from_file": _EXTERNAL,
    "select_multiple_from_file": _EXTERNAL,
    "select_one_external": _EXTERNAL,
    "xml-external": _EXTERNAL,
    "csv-external": _EXTERNAL,
    "trigger": gettext_lazy("Innsikt has no trigger (button) question."),
    "begin_repeat": gettext_lazy("Innsikt has no repeated sections."),
}
for _meta in (
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "imei",
):
    UNSUPPORTED[_meta] = _META


# Columns whose content Innsikt has no place for, and what the report says of them.
_LOST_COLUMNS = (
    ("choice_filter", gettext_lazy("The choice filter was not imported: all options are shown.")),
    ("default", gettext_lazy("The default answer was not imported.")),
    ("read_only", gettext_lazy("“Read only” was not imported.")),
    ("calculation", gettext_lazy("The calculation was not imported.")),
    ("media", gettext_lazy("Pictures, sound and video were not imported.")),
    ("repeat_count", gettext_lazy("The repeat count was not imported.")),
)


def _scale_ends(choices: list[Choice], ctx: Context, *, required: bool) -> tuple[T, T]:
    """Labels of a scale's first and last point: empty where the label is just the point's
    own name (e.g. "1") unless the scale must have end labels (a Likert scale's are
    required)."""

    def label(choice: Choice) -> T:
        texts, _lost = ctx.texts(choice.labels)
        return T(
            {
                lang: ("" if text == choice.name and not required else text)
                for lang, text in texts.items()
            }
        )

    return label(choices[0]), label(choices[-1])


def _choice_kind(row: Row, choices: list[Choice], changes: list[str]) -> str:
    """The Innsikt type of a ``select_one``."""
    names = [c.name for c in choices]
    appearance = row.cell("appearance").lower().split()
    tokens = row.tokens
    if "yes_no" in tokens or (
        [n.lower() for n in names] == ["yes", "no"] and not row.or_other and not appearance
    ):
        if "yes_no" not in tokens:
            changes.append(
                _("A yes/no list: imported as a yes/no question (Innsikt's own labels).")
            )
        return "yes_no"
    if "nps" in tokens or (names == [str(n) for n in range(11)] and not row.or_other):
        if "nps" not in tokens:
            changes.append(_("A 0–10 scale: imported as a Net Promoter Score question."))
        return "nps"
    if "rating" in tokens and names == [str(n) for n in range(1, 6)]:
        return "rating"
    if "likert" in tokens or "likert" in appearance:
        if len(choices) in (5, 7) and not row.or_other:
            if "likert" not in tokens and names != [str(n) for n in range(1, len(names) + 1)]:
                changes.append(
                    _(
                        "A %(n)d-point Likert scale: answers are stored as 1–%(n)d (%(first)s = 1 "
                        "… %(last)s = %(n)d); the labels of the first and last point are kept."
                    )
                    % {"n": len(choices), "first": names[0], "last": names[-1]}
                )
            return "likert"
        changes.append(
            _(
                "Shown as a Likert scale in ODK, but Innsikt's scales have 5 or 7 points: "
                "imported as a single choice."
            )
        )
    if "minimal" in appearance or "autocomplete" in appearance:
        if row.or_other:
            changes.append(
                _("A dropdown with “Other”: imported as a single choice, which can have “Other”.")
            )
            return "single_choice"
        return "dropdown"
    return "single_choice"


def block_for_row(ctx: Context, row: Row) -> Made:
    """The Innsikt block of one survey row (not a group), or why it has none."""
    kind = row.kind
    if kind in UNSUPPORTED:
        return Made(why_not=str(UNSUPPORTED[kind]))
    made = Made()
    changes = made.changes
    label, lost = ctx.texts(row.text("label"))
    if lost and kind != "note":
        changes.append(_("Formatting (markdown or HTML) was removed from the text."))
    if not any(label.values()) and kind != "note":
        label = T({lang: row.name for lang in ctx.form.languages})
        changes.append(_("It has no label: its name is used as the question text."))
    hint, _lost = ctx.texts(row.text("hint"))
    required = truth(row.cell("required"))
    if required is None:
        changes.append(
            _("“Required” depends on an expression (%(expr)s): the question is optional.")
            % {"expr": row.cell("required")}
        )
    for column, what in _LOST_COLUMNS:
        if row.cell(column):
            changes.append(str(what))
    if row.text("required_message"):
        changes.append(_("The message for a missing answer is Innsikt's own."))
    fields: dict[str, Any] = {
        "help_text": hint,
        "required": bool(required),
        "fixed": "fixed" in row.tokens,
    }
    params = parameters(row.cell("parameters"))
    randomise = truth(params.get("randomize", "")) is True
    block_kind = ""
    constraint = row.cell("constraint")
    checked = constraint_parse(constraint, integer=kind != "decimal")
    used: set[str] = set()  # which parts of the constraint the block holds

    if kind == "note":
        text = {lang: t for lang, t in row.text("label").items()}
        lines = [t.strip() for t in text.values() if t.strip()]
        if "heading" in row.tokens or (lines and all(_HEADING.match(t) for t in lines)):
            heading, _lost = ctx.texts({k: _HEADING.sub("", v.strip()) for k, v in text.items()})
            made.block = display("heading", "", heading)  # type: ignore[arg-type]
        else:
            rich, _lost = ctx.texts(text, plain=False)
            made.block = display("info", "", T({k: markdown_html(v) for k, v in rich.items()}))  # type: ignore[arg-type]
        if required:
            changes.append(_("A note cannot be required."))
    elif kind == "phone_number":  # XLSForm's old "phone number": digits in a text field
        block_kind = "short_text"
        fields.update(pattern="[0-9+ ]*", pattern_message=T())
        changes.append(_("A phone number question: imported as a short text of digits."))
    elif kind == "text":
        email = "email" in row.tokens or checked.pattern == EMAIL_PATTERN[1:-1]
        if email:
            block_kind = "email"
            used.add("pattern")
        else:
            block_kind = (
                "long_text" if "multiline" in row.cell("appearance").lower() else "short_text"
            )
            if checked.max_length is not None and checked.max_length > MAX_TEXT:
                changes.append(
                    _("The longest answer Innsikt takes is %(n)d characters.") % {"n": MAX_TEXT}
                )
                checked.max_length = MAX_TEXT
            fields.update(min_length=checked.min_length, max_length=checked.max_length)
            used.update(("min_length", "max_length"))
            if checked.pattern is not None:
                fields.update(pattern=checked.pattern, pattern_message=T())
                used.add("pattern")
                message, _lost = ctx.texts(row.text("constraint_message"))
                fields["pattern_message"] = message
    elif kind in ("integer", "decimal", "range"):
        block_kind = "number"
        fields["decimals"] = "decimal" if kind == "decimal" else "integer"
        minimum, maximum = checked.minimum, checked.maximum
        used.update(("minimum", "maximum"))
        if kind == "range":
            changes.append(_("A range (slider) question: imported as a number field."))
            try:
                minimum = float(params.get("start", "0"))
                maximum = float(params.get("end", "10"))
                if not float(params.get("step", "1")).is_integer():
                    fields["decimals"] = "decimal"
            except ValueError:
                changes.append(_("Its start, end or step is not a number: no limits were set."))
        fields.update(min_value=minimum, max_value=maximum)
        if checked.strict:
            changes.append(
                _(
                    "“%(parts)s” was read as “at least / at most” (Innsikt's limits include "
                    "the bound)."
                )
                % {"parts": " and ".join(checked.strict)}
            )
    elif kind in ("date", "datetime"):
        block_kind = "date"
        if kind == "datetime":
            changes.append(_("Date and time: only the date is asked."))
    elif kind == "acknowledge":
        block_kind = "consent"
        fields["required"] = True
    elif kind in ("select_one", "select_multiple", "rank"):
        choices = ctx.form.choices[row.list_name]
        if kind == "select_one":
            block_kind = _choice_kind(row, choices, changes)
        else:
            block_kind = "multiple_choice" if kind == "select_multiple" else "ranking"
        if block_kind in ("single_choice", "dropdown", "multiple_choice", "ranking"):
            options = ctx.options(choices)
            fields.update(options=options, randomise=randomise)
            made.option_names = {c.name: o["key"] for c, o in zip(choices, options, strict=False)}
            if block_kind in ("single_choice", "multiple_choice"):
                fields["other"] = row.or_other
                if row.or_other:
                    made.option_names["other"] = "other"
            if block_kind == "multiple_choice":
                fields.update(min_selections=checked.min_count, max_selections=checked.max_count)
                used.update(("min_count", "max_count"))
        else:
            if randomise:
                changes.append(_("A scale is never shuffled: “randomize” was left out."))
            if block_kind == "yes_no":
                made.option_names = {c.name: c.name.lower() for c in choices}
            else:
                first = 0 if block_kind == "nps" else 1
                made.option_names = {c.name: str(n) for n, c in enumerate(choices, start=first)}
                left, right = _scale_ends(choices, ctx, required=block_kind == "likert")
                fields.update(left_label=left, right_label=right)
                if block_kind == "likert":
                    fields["points"] = str(len(choices))
    else:
        return Made(
            why_not=_("Innsikt has no question of the type “%(type)s”.") % {"type": row.type}
        )

    _constraint_rest(row, checked, used, changes)
    if made.block is None:
        key = key_from_code(row.name, ctx.question_keys)
        made.block = question(block_kind, key, label, **fields)  # type: ignore[arg-type]
    else:
        made.block["value"]["key"] = key_from_code(row.name, ctx.question_keys)
    return made


def _constraint_rest(row: Row, checked: Any, used: set[str], changes: list[str]) -> None:
    """Report the parts of ``constraint`` the block does not hold."""
    if not row.cell("constraint"):
        return
    held = {
        "minimum": checked.minimum is not None,
        "maximum": checked.maximum is not None,
        "min_length": checked.min_length is not None,
        "max_length": checked.max_length is not None,
        "min_count": checked.min_count is not None,
        "max_count": checked.max_count is not None,
        "pattern": checked.pattern is not None,
    }
    lost = [name for name, present in held.items() if present and name not in used]
    if checked.rest or lost:
        changes.append(
            _(
                "The constraint “%(expr)s” was not (fully) imported: Innsikt checks smallest and "
                "largest numbers, text length, a pattern and how many options are chosen. Add "
                "other checks in the editor."
            )
            % {"expr": row.cell("constraint")}
        )
    if row.text("constraint_message") and "pattern" not in used:
        changes.append(_("The constraint message is Innsikt's own for this check."))
