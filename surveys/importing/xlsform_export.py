"""Export an Innsikt survey to XLSForm (``.xlsx``; issue 18), in every language it has,
so it opens in ODK, KoboToolbox or Excel and reads back into Innsikt as the same survey
(surveys.importing.xlsform). Pure: compiled schemas in, bytes out.

The mapping (docs/import.md has the table):

- a page is a ``begin group`` / ``end group`` (appearance ``field-list``: one screen in
  ODK), its condition the group's ``relevant``, its introduction a leading ``note``;
- a matrix is a ``begin group`` with appearance ``table-list`` holding one ``select_one``
  per row, all of one list (ODK's own matrix): rows are named ``<matrix>_<row>``;
- likert, nps and rating are ``select_one`` with their own list (``1``…``n``, ``0``…``10``)
  labelled by the scale's end labels, yes/no a ``select_one`` of ``yes``/``no``, consent an
  ``acknowledge``, ranking a ``rank``, headings and texts ``note``s (a heading as markdown
  ``# …``, a text as markdown), an e-mail question a ``text`` with a ``regex`` constraint;
- validation goes to ``constraint`` (+ ``constraint_message`` for a pattern's message),
  shuffled options to ``parameters`` ``randomize=true``, conditions to ``relevant``;
- a skip rule has no XLSForm counterpart: it becomes part of the ``relevant`` of every page
  it skips (the same pages are shown). A rule the writer cannot express is listed on a
  ``notes`` sheet, never dropped silently;
- an ``innsikt`` column (ODK tools ignore unknown columns) names the Innsikt type where the
  XLSForm type does not, and flags ``fixed`` / ``shuffle``, so the round trip is exact.
"""

import io
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ..schema import DISPLAY_TYPES, Schema
from .model import LANGUAGES
from .xlsform_syntax import (
    EMAIL_PATTERN,
    constraint_write,
    html_markdown,
    language_column,
    pipes_to_xlsform,
    xpath_string,
)

SINGLE_TYPES = {"single_choice", "dropdown", "yes_no", "likert", "nps", "rating"}
MULTIPLE_TYPES = {"multiple_choice", "ranking"}
_OPS = {"gt": ">", "lt": "<", "ge": ">=", "le": "<="}


class _Writer:
    def __init__(self, schemas: Mapping[str, Schema], base: str) -> None:
        self.languages = [lang for lang in LANGUAGES if lang in schemas]
        self.base = base if base in schemas else self.languages[0]
        self.schemas = schemas
        self.main = schemas[self.base]
        self.questions = {
            q["key"]: q
            for s in self.main["steps"]
            for q in s["questions"]
            if q["type"] not in DISPLAY_TYPES
        }
        self.survey: list[dict[str, str]] = []
        self.choices: list[dict[str, str]] = []
        self.notes: list[str] = []
        self.names: set[str] = set(self.questions) | {
            q["key"] for s in self.main["steps"] for q in s["questions"]
        }

    # ---- texts -------------------------------------------------------------------------

    def texts(self, column: str, getter: Any, *, markdown: bool = False) -> dict[str, str]:
        """``column::<Language> (<code>)`` cells of one element in every language;
        ``getter`` takes a language's schema and returns the text (HTML if ``markdown``)."""
        return self.cells(
            column, {lang: getter(self.schemas[lang]) for lang in self.languages}, markdown
        )

    def cells(
        self, column: str, values: Mapping[str, str], markdown: bool = False
    ) -> dict[str, str]:
        cells = {}
        for lang in self.languages:
            text = values.get(lang) or ""
            text = html_markdown(text) if markdown else text
            text = pipes_to_xlsform(text, set(self.questions))
            if text:
                cells[f"{column}::{language_column(lang)}"] = text
        return cells

    def unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.names and n < 1000:
            n += 1
            candidate = f"{name}_{n}"
        self.names.add(candidate)
        return candidate

    # ---- logic -------------------------------------------------------------------------

    def rule(self, rule: dict[str, Any]) -> str | None:
        target = self.questions.get(rule["question"])
        if target is None or target["type"] == "matrix":
            return None
        ref = "${" + rule["question"] + "}"
        op, value, kind = rule["op"], str(rule.get("value") or ""), target["type"]
        if op == "answered":
            return f"{ref} != ''"
        if op == "not_answered":
            return f"{ref} = ''"
        if op in _OPS:
            return f"{ref} {_OPS[op]} {value}" if _is_number(value) else None
        values = [v.strip() for v in value.split(",") if v.strip()] if op == "any_of" else [value]
        parts = []
        for v in values:
            literal = v if kind == "number" and _is_number(v) else xpath_string(v)
            if literal is None:
                return None
            if kind in MULTIPLE_TYPES:
                parts.append(f"selected({ref}, {literal})")
            else:
                parts.append(f"{ref} = {literal}")
        if op == "not_equals":
            return (
                f"not({parts[0]})" if kind in MULTIPLE_TYPES else parts[0].replace(" = ", " != ", 1)
            )
        return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"

    def condition(self, cond: dict[str, Any] | None, where: str) -> str:
        """``relevant`` of a condition ("" for none); a rule that cannot be written makes
        the whole condition a note instead (a part of it would show what it should not)."""
        if not cond or not cond.get("rules"):
            return ""
        parts = [self.rule(r) for r in cond["rules"]]
        if any(p is None for p in parts):
            self.notes.append(
                _("%(where)s: the condition could not be written as “relevant”; add it by hand.")
                % {"where": where}
            )
            return ""
        joiner = " or " if cond.get("match") == "any" else " and "
        if len(parts) == 1:
            return str(parts[0])
        return joiner.join(
            f"({p})" if " or " in str(p) or " and " in str(p) else str(p) for p in parts
        )

    def skipped_by(self) -> list[list[str]]:
        """For each page, the expressions (one per earlier skip rule) that skip it: rule k
        of page i skips pages after i and before its target when it is the first of page
        i's rules that holds and page i was shown."""
        steps = self.main["steps"]
        index = {s["key"]: i for i, s in enumerate(steps)}
        guards: list[list[str]] = [[] for _step in steps]
        shown = [self.condition(s.get("show_if"), s["key"]) for s in steps]
        for i, source in enumerate(steps):
            earlier: list[str] = []
            for rule in source.get("skip") or []:
                when = self.condition(rule.get("when"), _("Page %(n)d, skip rule") % {"n": i + 1})
                if not when:
                    continue
                target = rule.get("target")
                stop = len(steps) if target == "end" else index.get(str(target), i + 1)
                parts = [f"({shown[i]})"] if shown[i] else []
                parts += [f"not({e})" for e in earlier] + [f"({when})"]
                fires = " and ".join(parts) if len(parts) > 1 else when
                for j in range(i + 1, stop):
                    guards[j].append(fires)
                earlier.append(when)
        return guards

    # ---- rows --------------------------------------------------------------------------

    def write(self, intros: Mapping[str, str], thanks: Mapping[str, str]) -> None:
        if any(intros.values()):
            self.note_row("survey_intro", intros, "survey_intro")
        guards = self.skipped_by()
        for n, step in enumerate(self.main["steps"]):
            own = self.condition(step.get("show_if"), _("Page %(n)d") % {"n": n + 1})
            parts = ([f"({own})" if guards[n] else own] if own else []) + [
                f"not({g})" for g in guards[n]
            ]
            self.survey.append(
                {
                    "type": "begin group",
                    "name": self.unique(step["key"]),
                    "appearance": "field-list",
                    "relevant": " and ".join(parts),
                    "innsikt": "shuffle" if step.get("shuffle") else "",
                    **self.texts("label", lambda s, n=n: s["steps"][n]["title"]),
                }
            )
            intro = {
                lang: self.schemas[lang]["steps"][n].get("intro_html", "")
                for lang in self.languages
            }
            if any(intro.values()):
                self.note_row(f"{step['key']}_intro", intro, "intro")
            for m, q in enumerate(step["questions"]):
                self.question(q, lambda s, n=n, m=m: s["steps"][n]["questions"][m])
            self.survey.append({"type": "end group"})
        if any(thanks.values()):
            self.note_row("thank_you", thanks, "thank_you")

    def note_row(self, name: str, html_by_language: Mapping[str, str], token: str) -> None:
        row = {"type": "note", "name": self.unique(name), "innsikt": token}
        row.update(self.cells("label", html_by_language, markdown=True))
        self.survey.append(row)

    def question(self, q: dict[str, Any], of: Any) -> None:
        kind, key = q["type"], q["key"]
        row: dict[str, str] = {"name": key, "relevant": self.condition(q.get("show_if"), key)}
        tokens = ["fixed"] if q.get("fixed") else []
        if kind == "heading":
            row.update(type="note", innsikt="heading")
            row.update(self.texts("label", lambda s: "# " + of(s)["text"] if of(s)["text"] else ""))
            self.survey.append(row)
            return
        if kind == "info":
            row.update(type="note", **self.texts("label", lambda s: of(s)["html"], markdown=True))
            self.survey.append(row)
            return
        row.update(self.texts("label", lambda s: of(s)["label"]))
        row.update(self.texts("hint", lambda s: of(s)["help"]))
        row["required"] = "yes" if q.get("required") else ""
        if kind == "matrix":
            self.matrix(q, of, row, tokens)
            return
        xls_type, appearance = _TYPES[kind]
        constraint, lost = "", list[str]()
        if kind in ("short_text", "long_text"):
            limit = q.get("max_length")
            constraint, lost = constraint_write(
                min_length=q.get("min_length"),
                max_length=limit if limit and limit < settings.INNSIKT_MAX_TEXT_LENGTH else None,
                pattern=q.get("pattern") or "",
            )
            if q.get("pattern"):
                row.update(self.texts("constraint_message", lambda s: of(s)["pattern_message"]))
        elif kind == "number":
            constraint, lost = constraint_write(minimum=q.get("min"), maximum=q.get("max"))
            xls_type = "decimal" if q.get("decimals") == "decimal" else "integer"
        elif kind == "email":
            constraint = f"regex(., {xpath_string(EMAIL_PATTERN)})"
            tokens.append("email")
        elif kind == "multiple_choice":
            constraint, lost = constraint_write(
                min_count=q.get("min_selections"), max_count=q.get("max_selections")
            )
        if lost:
            self.notes.append(
                _(
                    "%(key)s: the pattern holds both ' and \", which XLSForm cannot quote; add "
                    "it by hand."
                )
                % {"key": key}
            )
        if kind in ("yes_no", "likert", "nps", "rating"):
            tokens.append(kind)
        if "options" in q or kind == "yes_no":
            xls_type = f"{xls_type} {key}"
            self.choice_list(key, q, of)
        if q.get("other"):
            xls_type += " or_other"
        if q.get("randomise"):
            row["parameters"] = "randomize=true"
        row.update(type=xls_type, appearance=appearance, constraint=constraint)
        row["innsikt"] = " ".join(tokens)
        self.survey.append(row)

    def choice_list(self, list_name: str, q: dict[str, Any], of: Any) -> None:
        kind = q["type"]
        options = q["options"]
        for i, opt in enumerate(options):
            choice = {"list_name": list_name, "name": opt["key"]}
            if opt.get("fixed") and kind in (
                "single_choice",
                "multiple_choice",
                "dropdown",
                "ranking",
            ):
                choice["innsikt"] = "fixed"
            for lang in self.languages:
                translated = of(self.schemas[lang])
                label = translated["options"][i]["label"] if kind not in _SCALES else ""
                if kind == "yes_no":
                    with translation.override(lang):
                        label = _("Yes") if opt["key"] == "yes" else _("No")
                elif kind in _SCALES:
                    if i == 0:
                        label = translated.get("left_label") or ""
                    elif i == len(options) - 1:
                        label = translated.get("right_label") or ""
                    label = label or opt["key"]
                choice[f"label::{language_column(lang)}"] = label
            self.choices.append(choice)

    def matrix(self, q: dict[str, Any], of: Any, row: dict[str, str], tokens: list[str]) -> None:
        key = q["key"]
        required = row.pop("required")
        row.update(type="begin group", appearance="table-list", innsikt=" ".join(tokens))
        self.survey.append(row)
        self.choice_list(
            key,
            {"type": "matrix", "options": q["columns"]},
            lambda s: {"options": of(s)["columns"]},
        )
        for i, statement in enumerate(q["rows"]):
            self.survey.append(
                {
                    "type": f"select_one {key}",
                    "name": self.unique(f"{key}_{statement['key']}"),
                    "required": required,
                    **self.texts("label", lambda s, i=i: of(s)["rows"][i]["label"]),
                }
            )
        self.survey.append({"type": "end group"})


_SCALES = {"likert", "nps", "rating"}
_TYPES = {
    "short_text": ("text", ""),
    "long_text": ("text", "multiline"),
    "number": ("integer", ""),
    "email": ("text", ""),
    "date": ("date", ""),
    "single_choice": ("select_one", ""),
    "dropdown": ("select_one", "minimal"),
    "multiple_choice": ("select_multiple", ""),
    "yes_no": ("select_one", ""),
    "likert": ("select_one", "likert"),
    "nps": ("select_one", "likert"),
    "rating": ("select_one", "likert"),
    "ranking": ("rank", ""),
    "consent": ("acknowledge", ""),
}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _sheet_rows(rows: Sequence[dict[str, str]], first: Sequence[str]) -> list[list[str]]:
    """A header (``first`` columns, then the others in the order met) and the rows."""
    headers = list(first)
    for row in rows:
        headers += [h for h in row if h not in headers]
    used = [h for h in headers if any(row.get(h) for row in rows)] or list(first)
    return [used] + [[row.get(h, "") for h in used] for row in rows]


def xlsform_write(
    schemas: Mapping[str, Schema],
    *,
    titles: Mapping[str, str] | None = None,
    intros: Mapping[str, str] | None = None,
    thank_yous: Mapping[str, str] | None = None,
    base_language: str = "nb",
    form_id: str = "",
) -> bytes:
    """An XLSForm ``.xlsx`` of a survey: ``schemas`` maps languages (``nb``, ``nn``,
    ``en``) to the compiled schema of the page in that language (surveys.schema
    .compile_schema: a page and its translations have the same keys). ``titles``,
    ``intros`` and ``thank_yous`` are the page's title, introduction and thank-you text
    per language. ``base_language`` is the settings sheet's default language."""
    # Only here: openpyxl is a large import that reading an .xls does not need.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not any(lang in schemas for lang in LANGUAGES):
        raise ValueError("xlsform_write needs the schema of at least one of nb, nn, en")
    writer = _Writer(schemas, base_language)
    titles = titles or {}
    writer.write(intros or {}, thank_yous or {})
    settings_row = {
        "form_title": titles.get(writer.base, ""),
        "form_id": form_id or "innsikt_survey",
        "default_language": language_column(writer.base),
    }
    for lang in writer.languages:
        if titles.get(lang):
            settings_row[f"form_title::{language_column(lang)}"] = titles[lang]
    book = Workbook(write_only=True)
    sheets = [
        ("survey", _sheet_rows(writer.survey, ["type", "name"])),
        ("choices", _sheet_rows(writer.choices, ["list_name", "name"])),
        ("settings", _sheet_rows([settings_row], list(settings_row))),
    ]
    if writer.notes:
        sheets.append(("notes", [[_("Not exported")]] + [[n] for n in writer.notes]))
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for values in rows:
            cells = []
            for value in values:
                cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value) or None)
                if value.startswith("="):  # text, never a formula
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
