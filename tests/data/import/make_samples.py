"""Make the XLSForm sample workbooks under tests/data/import/xlsform/ (issue 18).

Run from the repository root: ``python tests/data/import/make_samples.py``. The output is
committed; run again after changing a sample here. The ``.xls`` copy needs xlwt (not a
dependency of Innsikt: ``pip install xlwt==1.3.0`` in a scratch place, see SOURCES.md).

Two kinds of sample:

- ``library_survey``: our own realistic three-language (nb, nn, en) library survey that
  uses every XLSForm feature the reader maps, and some it does not (each is in the report);
- ``pyxform_*``: small forms from pyxform's own test data (tests/example_xls/*.md,
  BSD-2-Clause, © the XLSForm/pyxform contributors), written as workbooks.
"""

from pathlib import Path

HERE = Path(__file__).parent / "xlsform"

NB, NN, EN = "Norsk bokmål (nb)", "Nynorsk (nn)", "English (en)"
LANGS = (NB, NN, EN)


def tr(base: str) -> list[str]:
    return [f"{base}::{lang}" for lang in LANGS]


SURVEY_HEADERS = [
    "type",
    "name",
    *tr("label"),
    *tr("hint"),
    "required",
    "relevant",
    "constraint",
    *tr("constraint_message"),
    "appearance",
    "parameters",
    "choice_filter",
    "calculation",
]


def row(type_: str, name: str = "", label=("", "", ""), hint=("", "", ""), **cells: str) -> list:
    message = cells.pop("message", ("", "", ""))
    return [
        type_,
        name,
        *label,
        *hint,
        cells.get("required", ""),
        cells.get("relevant", ""),
        cells.get("constraint", ""),
        *message,
        cells.get("appearance", ""),
        cells.get("parameters", ""),
        cells.get("choice_filter", ""),
        cells.get("calculation", ""),
    ]


LIBRARY_SURVEY = [
    row("start", "start"),
    row("end", "end"),
    row("begin group", "om_deg", ("Om deg", "Om deg", "About you")),
    row(
        "integer",
        "alder",
        ("Hvor gammel er du?", "Kor gammal er du?", "How old are you?"),
        ("I hele år", "I heile år", "In whole years"),
        required="yes",
        constraint=". >= 10 and . <= 120",
        message=(
            "Alderen må være mellom 10 og 120",
            "Alderen må vere mellom 10 og 120",
            "Age must be between 10 and 120",
        ),
    ),
    row(
        "select_one kommune",
        "kommune",
        ("Hvor bor du?", "Kvar bur du?", "Where do you live?"),
        appearance="minimal",
        required="TRUE()",
    ),
    row(
        "select_one bydeler",
        "bydel",
        ("Hvilken bydel?", "Kva bydel?", "Which district?"),
        choice_filter="kommune=${kommune}",
    ),
    row(
        "text",
        "postnummer",
        ("Postnummer", "Postnummer", "Postcode"),
        ("Fire sifre", "", "Four digits"),  # no Nynorsk hint: the report says so
        constraint="regex(., '^[0-9]{4}$')",
        message=(
            "Skriv postnummeret med fire sifre",
            "Skriv postnummeret med fire siffer",
            "Write the postcode as four digits",
        ),
    ),
    row(
        "select_one ja_nei",
        "lanekort",
        ("Har du lånekort?", "Har du lånekort?", "Do you have a library card?"),
        required="true",
    ),
    row(
        "date",
        "sist_besok",
        ("Når var du sist her?", "Når var du sist her?", "When were you last here?"),
    ),
    row("calculate", "alder_neste", calculation="${alder} + 1"),
    row("geopoint", "sted", ("Hvor er du nå?", "Kvar er du no?", "Where are you now?")),
    row("end group"),
    row(
        "begin group",
        "bruk",
        ("Bruk av biblioteket", "Bruk av biblioteket", "Using the library"),
        relevant="${lanekort} = 'yes'",
        appearance="field-list",
    ),
    row(
        "select_multiple tjenester or_other",
        "tjenester",
        ("Hva bruker du?", "Kva bruker du?", "What do you use?"),
        ("Velg inntil tre", "Vel inntil tre", "Choose up to three"),
        constraint="count-selected(.) <= 3",
        parameters="randomize=true",
    ),
    row(
        "select_one hyppighet",
        "hyppighet",
        ("Hvor ofte kommer du?", "Kor ofte kjem du?", "How often do you come?"),
        required="yes",
    ),
    row(
        "rank viktig",
        "viktigst",
        ("Ranger etter viktighet", "Ranger etter kor viktig", "Rank by importance"),
        parameters="randomize=true",
    ),
    row(
        "begin group",
        "arrangement",
        ("Arrangementer", "Arrangement", "Events"),
        relevant="selected(${tjenester}, 'arrangementer')",
    ),
    row(
        "integer",
        "antall_arr",
        (
            "Hvor mange arrangementer var du på i fjor?",
            "Kor mange arrangement var du på i fjor?",
            "How many events did you attend last year?",
        ),
        constraint=". > 0",
    ),
    row(
        "decimal",
        "timer",
        (
            "Timer i uka på biblioteket",
            "Timar i veka på biblioteket",
            "Hours a week at the library",
        ),
        constraint=". >= 0 and . < 100",
    ),
    row("end group"),
    row("begin repeat", "barn", ("Barn", "Born", "Children")),
    row("text", "barn_navn", ("Barnets navn", "Namnet til barnet", "Child's name")),
    row("end repeat"),
    row("end group"),
    row("begin group", "vurdering", ("Vurdering", "Vurdering", "Your view")),
    row(
        "note",
        "vurdering_info",
        (
            "**Tenk på** ditt siste besøk.",
            "**Tenk på** det siste besøket ditt.",
            "**Think of** your last visit.",
        ),
    ),
    row(
        "select_one enig",
        "fornoyd",
        (
            "Jeg er fornøyd med biblioteket",
            "Eg er nøgd med biblioteket",
            "I am satisfied with the library",
        ),
        appearance="likert",
        required="yes",
    ),
    row(
        "select_one nps_liste",
        "anbefale",
        (
            "Hvor sannsynlig er det at du anbefaler oss?",
            "Kor sannsynleg er det at du tilrår oss?",
            "How likely are you to recommend us?",
        ),
    ),
    row(
        "begin group",
        "forhold",
        ("Hvor fornøyd er du med", "Kor nøgd er du med", "How satisfied are you with"),
        appearance="table-list",
    ),
    row(
        "select_one tre",
        "forhold_apningstider",
        ("Åpningstidene", "Opningstidene", "Opening hours"),
    ),
    row("select_one tre", "forhold_utvalg", ("Utvalget", "Utvalet", "The collection")),
    row("end group"),
    row(
        "text",
        "hvorfor_fornoyd",
        ("Hva er du mest fornøyd med?", "Kva er du mest nøgd med?", "What pleases you most?"),
        relevant="${fornoyd} = 'enig' or ${fornoyd} = 'helt_enig'",
    ),
    row("end group"),
    row("begin group", "avslutning", ("Til slutt", "Til slutt", "Finally")),
    row(
        "text",
        "forslag",
        (
            "Du er ${alder} år. Hva kan biblioteket gjøre bedre?",
            "Du er ${alder} år. Kva kan biblioteket gjere betre?",
            "You are ${alder}. What could the library do better?",
        ),
        ("Skriv fritt", "Skriv fritt", "Write freely"),
        relevant="${alder} >= 18",
        constraint="string-length(.) <= 500",
        appearance="multiline",
    ),
    row(
        "text",
        "ungdom",
        ("Hva savner du som ung?", "Kva saknar du som ung?", "What do you miss as a young person?"),
        relevant="(${alder} > 20 and ${lanekort} = 'yes') or ${alder} < 12",
    ),
    row(
        "text",
        "neste_ar",
        ("Hva gjør du neste år?", "Kva gjer du neste år?", "What will you do next year?"),
        relevant="${alder_neste} > 30",
    ),
    row(
        "text",
        "epost",
        ("E-post (valgfritt)", "E-post (valfritt)", "E-mail (optional)"),
        constraint=r"regex(., '^[^@\s]+@[^@\s]+\.[^@\s]+$')",
    ),
    row("image", "bilde", ("Ta et bilde", "Ta eit bilete", "Take a photo")),
    row(
        "acknowledge",
        "samtykke",
        (
            "Jeg har lest hvordan svarene brukes",
            "Eg har lese korleis svara blir brukte",
            "I have read how the answers are used",
        ),
    ),
    row("note", "takk", ("# Takk for svarene!", "# Takk for svara!", "# Thank you!")),
    row("end group"),
]

CHOICES = [
    ["list_name", "name", *tr("label"), "kommune"],
    ["kommune", "stavanger", "Stavanger", "Stavanger", "Stavanger", ""],
    ["kommune", "sandnes", "Sandnes", "Sandnes", "Sandnes", ""],
    ["kommune", "sola", "Sola", "Sola", "Sola", ""],
    ["bydeler", "madla", "Madla", "Madla", "Madla", "stavanger"],
    ["bydeler", "hinna", "Hinna", "Hinna", "Hinna", "stavanger"],
    ["bydeler", "ganddal", "Ganddal", "Ganddal", "Ganddal", "sandnes"],
    ["ja_nei", "yes", "Ja", "Ja", "Yes", ""],
    ["ja_nei", "no", "Nei", "Nei", "No", ""],
    ["tjenester", "boker", "Bøker", "Bøker", "Books", ""],
    ["tjenester", "wifi", "Trådløst nett", "Trådlaust nett", "Wi-fi", ""],
    ["tjenester", "arrangementer", "Arrangementer", "Arrangement", "Events", ""],
    ["tjenester", "studieplass", "Studieplass", "Studieplass", "Study desk", ""],
    ["hyppighet", "ukentlig", "Hver uke", "Kvar veke", "Every week", ""],
    ["hyppighet", "manedlig", "Hver måned", "Kvar månad", "Every month", ""],
    ["hyppighet", "sjeldnere", "Sjeldnere", "Sjeldnare", "Less often", ""],
    ["viktig", "apningstider", "Åpningstider", "Opningstider", "Opening hours", ""],
    ["viktig", "utvalg", "Utvalg", "Utval", "Collection", ""],
    ["viktig", "ro", "Ro", "Ro", "Quiet", ""],
    ["enig", "helt_uenig", "Helt uenig", "Heilt usamd", "Strongly disagree", ""],
    ["enig", "uenig", "Uenig", "Usamd", "Disagree", ""],
    ["enig", "noytral", "Verken eller", "Verken eller", "Neither", ""],
    ["enig", "enig", "Enig", "Samd", "Agree", ""],
    ["enig", "helt_enig", "Helt enig", "Heilt samd", "Strongly agree", ""],
    *[["nps_liste", str(n), *((str(n),) * 3), ""] for n in range(11) if n not in (0, 10)],
    ["tre", "darlig", "Dårlig", "Dårleg", "Poor", ""],
    ["tre", "ok", "Greit", "Greitt", "Fair", ""],
    ["tre", "bra", "Bra", "Bra", "Good", ""],
]
# The NPS list's ends carry words; placed at their positions in the list.
_nps_start = next(i for i, c in enumerate(CHOICES) if c[0] == "nps_liste")
CHOICES.insert(
    _nps_start,
    ["nps_liste", "0", "Svært lite sannsynlig", "Svært lite sannsynleg", "Not at all likely", ""],
)
CHOICES.insert(
    _nps_start + 10,
    ["nps_liste", "10", "Svært sannsynlig", "Svært sannsynleg", "Extremely likely", ""],
)

SETTINGS = [
    ["form_title", "form_title::" + NN, "form_title::" + EN, "form_id", "default_language"],
    ["Brukerundersøkelse 2025", "Brukarundersøking 2025", "User survey 2025", "bibliotek_2025", NB],
]

LIBRARY = {"survey": [SURVEY_HEADERS, *LIBRARY_SURVEY], "choices": CHOICES, "settings": SETTINGS}


# ---- pyxform's test forms (tests/example_xls/*.md, BSD-2-Clause) ------------------------

PYXFORM_MD = {
    # tests/example_xls/group.md
    "group": """
| survey |
|        | type         | name         | label:English (en)                 |
|        | text         | family_name  | What's your family name?           |
|        | begin group  | father       | Father                             |
|        | phone number | phone_number | What's your father's phone number? |
|        | integer      | age          | How old is your father?            |
|        | end group    |              |                                    |
""",
    # tests/example_xls/specify_other.md
    "specify_other": """
| survey |
| | type                                   | name | label:English     |
| | select one from sexes or specify other | sex  | What sex are you? |
| choices |
| | list name | name   | label:English |
| | sexes     | male   | Male          |
| | sexes     | female | Female        |
""",
    # tests/example_xls/yes_or_no_question.md
    "yes_or_no_question": """
| survey  |
|         | type                      | name     | label:english                  |
|         | select one from yes_or_no | good_day | have you had a good day today? |
| choices |
|         | list name | name | label:english |
|         | yes_or_no | yes  | yes           |
|         | yes_or_no | no   | no            |
""",
    # tests/example_xls/text_and_integer.md
    "text_and_integer": """
| survey |
| | type    | name      | label:english               |
| | text    | your_name | What is your name?          |
| | integer | your_age  | How many years old are you? |
| choices |
| | list name | name | label:english |
""",
    # tests/example_xls/loop.md
    "loop": """
| survey |
| | type | name | label:english |
| | select all that apply from toilet_type or specify other | available_toilet_types | \
What type of toilets are on the premises? |
| | begin loop over toilet_type | loop_toilet_types |
| | integer | number | How many %(label)s are on the premises? |
| | end loop |
| choices |
| | list name | name | label:english |
| | toilet_type | pit_latrine_with_slab | Pit latrine with slab |
| | toilet_type | open_pit_latrine | Pit latrine without slab/open pit |
| | toilet_type | bucket_system | Bucket system |
""",
    # tests/example_xls/case_insensitivity.md
    "case_insensitivity": """
| SURVEY  |
|   | TYPE                   | NAME | LABEL::EN      | CHOICE_FILTER |
|   | select_one c1          | q1   | Are you good?  |               |
|   | select_one_external c1 | q2   | Where are you? | YES_NO=${q1}  |
|   | osm c1                 | q3   | Where exactly? |               |
| CHOICES |
|   | LIST_NAME | NAME | LABEL::EN  |
|   | c1        | n1-c | l1-c       |
|   | c1        | n2-c | l2-c       |
| SETTINGS |
|   | FORM_TITLE | FORM_ID | DEFAULT_LANGUAGE |
|   | Yes or no  | YesNo   | EN               |
| EXTERNAL_CHOICES |
|   | LIST_NAME | NAME | LABEL | YES_NO |
|   | c1        | n1-e | l1-e  | yes    |
|   | c1        | n2-e | l2-e  | yes    |
""",
}


def md_sheets(md: str) -> dict[str, list[list[str]]]:
    """pyxform's markdown form: a ``| sheet |`` line starts a sheet, ``| | a | b |`` lines
    are its rows (the first one the header)."""
    sheets: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in md.strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0]:
            current = sheets.setdefault(cells[0], [])
        elif current is not None:
            current.append(cells[1:])
    return sheets


def write_xlsx(path: Path, sheets: dict[str, list[list[str]]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for values in rows:
            sheet.append([v if v != "" else None for v in values])
    book.save(path)


def write_xls(path: Path, sheets: dict[str, list[list[str]]]) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for title, rows in sheets.items():
        sheet = book.add_sheet(title)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if value != "":
                    sheet.write(r, c, value)
    book.save(str(path))


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    write_xlsx(HERE / "library_survey.xlsx", LIBRARY)
    try:
        write_xls(HERE / "library_survey.xls", LIBRARY)
    except ImportError:
        print("xlwt is not installed: library_survey.xls left as it is")
    for name, md in PYXFORM_MD.items():
        write_xlsx(HERE / f"pyxform_{name}.xlsx", md_sheets(md))


if __name__ == "__main__":
    main()
