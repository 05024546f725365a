"""An XLSForm's sheets understood row by row (issue 18): languages, settings, choice lists,
survey rows with their types, and the checks that reject a form outright (duplicate names,
unknown lists, ``relevant`` referring to itself or to a later row). Pure; the reader
(surveys.importing.xlsform) turns the result into Innsikt pages.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .model import LANGUAGES, ImportedSurvey, ImportRejected
from .xlsform_syntax import DEFAULT, REFERENCE_RE, Column, column, language_code, markdown_plain
from .xlsform_workbook import Sheet, Workbook

Texts = dict[str, str]  # language → text

LANGUAGE_LABELS = {"nb": "Norsk bokmål", "nn": "Nynorsk", "en": "English"}


@dataclass
class Choice:
    name: str
    labels: Texts
    tokens: set[str]
    row: int


@dataclass
class Row:
    """One survey row. ``kind`` is the type's first word(s) normalised (``select_one``,
    ``begin_group``, ``text``…), ``list_name`` the list of a select, ``texts`` the
    translatable columns by base (``label``, ``hint``, ``constraint_message``…) and
    language, ``cells`` the other columns by their (alias-resolved) name."""

    number: int
    type: str
    kind: str
    name: str
    list_name: str = ""
    or_other: bool = False
    texts: dict[str, Texts] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)

    def cell(self, name: str) -> str:
        return self.cells.get(name, "")

    def text(self, base: str) -> Texts:
        return self.texts.get(base, {})

    def title(self) -> str:
        """The row's label in the first language it has, for the report."""
        labels = self.text("label")
        for lang in (*LANGUAGES, DEFAULT):
            if labels.get(lang):
                return markdown_plain(labels[lang].lstrip("# "))[0][:60]
        return ""


@dataclass
class Form:
    rows: list[Row]
    choices: dict[str, list[Choice]]
    languages: list[str]
    base_language: str
    titles: Texts
    form_id: str


_SELECT = re.compile(
    r"^(select_one|select one|select1|select_multiple|select all that apply|"
    r"select_multiple|rank)(?: from)?\s+(\S+)(?:\s+(or_other|or specify other|or other))?$"
)
_KINDS = {
    "begin group": "begin_group",
    "begin_group": "begin_group",
    "end group": "end_group",
    "end_group": "end_group",
    "begin repeat": "begin_repeat",
    "begin_repeat": "begin_repeat",
    "end repeat": "end_repeat",
    "end_repeat": "end_repeat",
    "end loop": "end_repeat",
    "end_loop": "end_repeat",
}
_SELECT_KINDS = {
    "select_one": "select_one",
    "select one": "select_one",
    "select1": "select_one",
    "select_multiple": "select_multiple",
    "select all that apply": "select_multiple",
    "rank": "rank",
}


def _kind(type_text: str) -> tuple[str, str, bool]:
    """(kind, list name, or_other) of a type cell."""
    text = re.sub(r"\s+", " ", type_text.strip().lower())
    select = _SELECT.match(text)
    if select and not select.group(2).startswith("${"):
        return _SELECT_KINDS[select.group(1)], select.group(2), bool(select.group(3))
    if text.startswith(("begin loop", "begin_loop")):
        return "begin_repeat", "", False
    if text in ("phone number", "phone_number"):
        return "phone_number", "", False
    return _KINDS.get(text, text.split(" ")[0]), "", False


class _Languages:
    """Which languages the columns hold, and where the plain (default) columns go."""

    def __init__(self, book: Workbook, default_language: str, fallback: str, out: ImportedSurvey):
        self.found: dict[str, str] = {}  # code → language as written
        self.unsupported: dict[str, str] = {}
        headers = [
            h for name in ("survey", "choices") for h in book.sheets.get(name, Sheet()).headers
        ]
        plain_used = False
        for header in headers:
            col = column(header)
            if col.base not in ("label", "hint", "constraint_message", "required_message"):
                continue
            if col.language is None:
                plain_used = plain_used or col.base == "label"
                continue
            code = language_code(col.language)
            if code in (None,):
                self.unsupported.setdefault(col.language.lower(), col.language)
            elif code == DEFAULT:
                plain_used = plain_used or col.base == "label"
            else:
                self.found.setdefault(code, col.language)
        default = language_code(default_language) if default_language else DEFAULT
        self.plain: str | None = None
        if plain_used:
            if default not in (None, DEFAULT):
                self.plain = default
            elif default is None and self.found:
                out.note(
                    _("Language %(language)s") % {"language": default_language},
                    "not_imported",
                    _(
                        "The form's default language is not one Innsikt offers (Norwegian "
                        "Bokmål, Nynorsk, English); its plain label and hint columns were left "
                        "out."
                    ),
                )
            else:
                self.plain = fallback
                if default is None:
                    out.note(
                        _("Language %(language)s") % {"language": default_language},
                        "changed",
                        _(
                            "Innsikt offers Norwegian Bokmål, Nynorsk and English: the form's "
                            "texts were imported as %(language)s. Translate them in the editor."
                        )
                        % {"language": LANGUAGE_LABELS[fallback]},
                    )
        codes = set(self.found) | ({self.plain} if self.plain else set())
        self.codes = [c for c in LANGUAGES if c in codes]
        first = next(
            (language_code(column(h).language or "") for h in headers if column(h).base == "label"),
            None,
        )
        if default in self.codes:
            self.base = str(default)
        elif self.plain:
            self.base = self.plain
        elif first in self.codes:
            self.base = str(first)
        else:
            self.base = self.codes[0] if self.codes else fallback
        for language in self.unsupported.values():
            out.note(
                _("Language %(language)s") % {"language": language},
                "not_imported",
                _(
                    "Innsikt surveys can be in Norwegian Bokmål, Nynorsk and English; the "
                    "columns in this language were left out."
                ),
            )

    def of(self, col: Column) -> str | None:
        """The Innsikt language of a translated or plain column, None to leave it out."""
        if col.language is None:
            return self.plain
        code = language_code(col.language)
        if code == DEFAULT:
            return self.plain
        return code if code in self.codes else None


def _settings(book: Workbook) -> tuple[dict[str, str], dict[str, str]]:
    """(plain settings, translated form titles as language name → title)."""
    sheet = book.sheets.get("settings")
    if not sheet or not sheet.rows:
        return {}, {}
    plain: dict[str, str] = {}
    titles: dict[str, str] = {}
    for header, value in sheet.rows[0][1].items():
        col = column(header)
        if col.base == "form_title" and col.language is not None:
            titles[col.language] = value
        else:
            plain[col.base] = value
    return plain, titles


def form_read(book: Workbook, fallback_language: str, out: ImportedSurvey) -> Form:
    """The form's rows, lists and languages, checked. Raises ImportRejected for a form
    that cannot be imported at all (see the module docstring)."""
    settings, translated_titles = _settings(book)
    languages = _Languages(book, settings.get("default_language", ""), fallback_language, out)
    if not languages.codes:
        raise ImportRejected(
            _(
                "The “survey” sheet has no label column in a language Innsikt offers: add "
                "“label” or “label::Norsk bokmål (nb)”, “label::Nynorsk (nn)”, "
                "“label::English (en)”."
            )
        )
    choices = _choices(book.sheets.get("choices", Sheet()), languages)
    rows = _rows(book.sheets["survey"], languages)
    _check(rows, choices)
    titles: Texts = {}
    for name, title in translated_titles.items():
        code = language_code(name)
        if code in languages.codes and title:
            titles[str(code)] = title
    if settings.get("form_title"):
        titles.setdefault(languages.plain or languages.base, settings["form_title"])
    return Form(
        rows=rows,
        choices=choices,
        languages=languages.codes,
        base_language=languages.base,
        titles=titles,
        form_id=settings.get("form_id", ""),
    )


def _choices(sheet: Sheet, languages: _Languages) -> dict[str, list[Choice]]:
    lists: dict[str, list[Choice]] = {}
    columns = {h: column(h) for h in sheet.headers}
    for number, cells in sheet.rows:
        list_name = name = ""
        labels: Texts = {}
        tokens: set[str] = set()
        for header, value in cells.items():
            col = columns[header]
            if col.base == "list_name":
                list_name = value.strip()
            elif col.base == "name":
                name = value.strip()
            elif col.base == "label":
                lang = languages.of(col)
                if lang:
                    labels[lang] = value
            elif col.base == "innsikt":
                tokens = set(value.lower().split())
        if not list_name:
            continue
        if not name:
            raise ImportRejected(
                _("The “choices” sheet, row %(row)d: the choice in list “%(list)s” has no name.")
                % {"row": number, "list": list_name}
            )
        entries = lists.setdefault(list_name, [])
        if any(c.name == name for c in entries):
            raise ImportRejected(
                _(
                    "The “choices” sheet, row %(row)d: the list “%(list)s” has the name "
                    "“%(name)s” twice. Each choice of a list needs its own name."
                )
                % {"row": number, "list": list_name, "name": name}
            )
        entries.append(Choice(name, labels, tokens, number))
    return lists


def _rows(sheet: Sheet, languages: _Languages) -> list[Row]:
    columns = {h: column(h) for h in sheet.headers}
    if not any(c.base == "type" for c in columns.values()):
        raise ImportRejected(_("The “survey” sheet has no “type” column."))
    rows: list[Row] = []
    for number, cells in sheet.rows:
        row = Row(number=number, type="", kind="", name="")
        for header, value in cells.items():
            col = columns[header]
            if col.base in (
                "label",
                "hint",
                "constraint_message",
                "required_message",
                "guidance_hint",
            ):
                lang = languages.of(col)
                if lang:
                    row.texts.setdefault(col.base, {})[lang] = value
                continue
            row.cells[col.base] = value
        row.type = row.cells.pop("type", "")
        row.name = row.cells.pop("name", "").strip()
        row.tokens = set(row.cells.pop("innsikt", "").lower().split())
        if not row.type:
            if row.name or row.texts:
                raise ImportRejected(
                    _("The “survey” sheet, row %(row)d, has no type.") % {"row": number}
                )
            continue
        row.kind, row.list_name, row.or_other = _kind(row.type)
        rows.append(row)
    return rows


def _check(rows: list[Row], choices: dict[str, list[Choice]]) -> None:
    """Names unique, lists known, ``relevant`` only about earlier rows."""
    position: dict[str, int] = {}
    for index, row in enumerate(rows):
        if row.kind in ("end_group", "end_repeat"):
            continue
        if not row.name:
            raise ImportRejected(
                _("The “survey” sheet, row %(row)d (%(type)s), has no name.")
                % {"row": row.number, "type": row.type}
            )
        if row.name in position:
            raise ImportRejected(
                _(
                    "The name “%(name)s” is used twice in the “survey” sheet (rows %(first)d "
                    "and %(second)d). Each question and group needs a name of its own."
                )
                % {
                    "name": row.name,
                    "first": rows[position[row.name]].number,
                    "second": row.number,
                }
            )
        position[row.name] = index
        if row.list_name and row.list_name not in choices:
            raise ImportRejected(
                _(
                    "The “survey” sheet, row %(row)d: question “%(name)s” uses the list "
                    "“%(list)s”, which the “choices” sheet does not have."
                )
                % {"row": row.number, "name": row.name, "list": row.list_name}
            )
    for index, row in enumerate(rows):
        for ref in REFERENCE_RE.findall(row.cell("relevant")):
            where = {"row": row.number, "name": row.name, "ref": ref}
            if ref == row.name:
                raise ImportRejected(
                    _(
                        "The “survey” sheet, row %(row)d: the condition (relevant) of "
                        "“%(name)s” refers to itself. A condition can only use earlier answers."
                    )
                    % where
                )
            if ref not in position:
                raise ImportRejected(
                    _(
                        "The “survey” sheet, row %(row)d: the condition (relevant) of "
                        "“%(name)s” refers to ${%(ref)s}, which is not in the form."
                    )
                    % where
                )
            if position[ref] > index:
                raise ImportRejected(
                    _(
                        "The “survey” sheet, row %(row)d: the condition (relevant) of "
                        "“%(name)s” refers to ${%(ref)s}, which comes later in the form. A "
                        "condition can only use answers to earlier questions."
                    )
                    % where
                )
