"""Reading XLSForm workbooks (issue 18): each mapping on real files, the languages with the
same keys, the report's statuses, and bad input rejected with a clear message
(surveys.importing.xlsform)."""

import io
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from surveys.importing.model import ImportRejected
from surveys.importing.xlsform import survey_read as _survey_read
from surveys.importing.xlsform_workbook import MAX_SURVEY_ROWS
from surveys.keys import assign_keys
from surveys.logic import validate_schema
from surveys.schema import compile_schema

SAMPLES = Path(__file__).parent.parent / "data" / "import" / "xlsform"


def survey_read(content: bytes, kind: str, **options):
    """The reader in English, so the report and messages read as these tests expect
    whatever the catalogues say."""
    with translation.override("en"):
        return _survey_read(content, kind, **options)


def workbook(survey: list[list[str]], choices=None, settings=None, **extra) -> bytes:
    """An XLSForm .xlsx made in memory: each argument a sheet's rows, header first."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in (
        ("survey", survey),
        ("choices", choices),
        ("settings", settings),
        *extra.items(),
    ):
        if rows is None:
            continue
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def schema_of(imported, lang=None) -> dict:
    body = imported.bodies[lang or imported.base_language]
    schema = compile_schema(assign_keys(body))
    assert validate_schema(schema) == []
    return schema


def questions(schema) -> dict[str, dict]:
    return {q["key"]: q for s in schema["steps"] for q in s["questions"]}


def report(imported) -> dict[str, tuple[str, str]]:
    """{element name's first two words (e.g. "Question alder"): (status, detail)}."""
    return {
        " ".join(line.element.split()[:2]): (line.status, line.detail) for line in imported.report
    }


@pytest.fixture(scope="module")
def library():
    return survey_read((SAMPLES / "library_survey.xlsx").read_bytes(), "xlsx")


# ---- the library survey: every mapping -----------------------------------------------------


def test_languages_titles_and_same_keys(library):
    assert library.languages == ["nb", "nn", "en"]
    assert library.base_language == "nb"
    assert library.titles == {
        "nb": "Brukerundersøkelse 2025",
        "nn": "Brukarundersøking 2025",
        "en": "User survey 2025",
    }
    keys = {lang: compile_schema(library.bodies[lang]) for lang in library.languages}

    def shape(schema):
        return [
            (
                s["key"],
                [(q["key"], [o["key"] for o in q.get("options", [])]) for q in s["questions"]],
            )
            for s in schema["steps"]
        ]

    assert shape(keys["nb"]) == shape(keys["nn"]) == shape(keys["en"])
    en = questions(schema_of(library, "en"))
    nn = questions(schema_of(library, "nn"))
    assert en["alder"]["label"] == "How old are you?"
    assert nn["alder"]["label"] == "Kor gammal er du?"
    assert en["kommune"]["options"][0]["label"] == "Stavanger"
    assert nn["tjenester"]["options"][1]["label"] == "Trådlaust nett"


def test_missing_translation_falls_back_and_is_reported(library):
    nn = questions(schema_of(library, "nn"))
    assert nn["postnummer"]["help"] == "Fire sifre"  # the Bokmål hint
    status, detail = report(library)["Language Nynorsk"]
    assert status == "changed" and "postnummer" in detail


def test_pages_from_top_level_groups_and_headings_from_nested_ones(library):
    schema = schema_of(library)
    steps = {s["key"]: s for s in schema["steps"]}
    assert list(steps) == ["om_deg", "bruk", "bruk_2", "vurdering", "vurdering_2", "avslutning"]
    assert steps["om_deg"]["title"] == "Om deg"
    # Group relevant → page condition; the nested group "arrangement" uses an answer of its
    # own page, so it starts a new page (with the same heading and condition).
    lanekort = {"match": "all", "rules": [{"question": "lanekort", "op": "equals", "value": "yes"}]}
    assert steps["bruk"]["show_if"] == steps["bruk_2"]["show_if"] == lanekort
    first = steps["bruk_2"]["questions"][0]
    assert (first["type"], first["text"]) == ("heading", "Arrangementer")
    event = {
        "match": "all",
        "rules": [{"question": "tjenester", "op": "equals", "value": "arrangementer"}],
    }
    assert first["show_if"] == event
    assert questions(schema)["antall_arr"]["show_if"] == event
    assert report(library)["Group arrangement"][0] == "changed"


def test_question_types(library):
    qs = questions(schema_of(library))
    kinds = {key: q["type"] for key, q in qs.items()}
    assert kinds == {
        "alder": "number",
        "kommune": "dropdown",
        "bydel": "single_choice",
        "postnummer": "short_text",
        "lanekort": "yes_no",
        "sist_besok": "date",
        "tjenester": "multiple_choice",
        "hyppighet": "single_choice",
        "viktigst": "ranking",
        "arrangement": "heading",
        "antall_arr": "number",
        "timer": "number",
        "vurdering_info": "info",
        "fornoyd": "likert",
        "anbefale": "nps",
        "forhold": "matrix",
        "hvorfor_fornoyd": "short_text",
        "forslag": "long_text",
        "ungdom": "short_text",
        "neste_ar": "short_text",
        "epost": "email",
        "samtykke": "consent",
        "takk": "heading",
    }
    assert qs["tjenester"]["other"] is True and qs["tjenester"]["randomise"] is True
    assert qs["viktigst"]["randomise"] is True
    assert [o["key"] for o in qs["viktigst"]["options"]] == ["apningstider", "utvalg", "ro"]
    assert qs["vurdering_info"]["html"] == "<p><b>Tenk på</b> ditt siste besøk.</p>"
    assert qs["takk"]["text"] == "Takk for svarene!"
    assert qs["samtykke"]["required"] is True


def test_required_hint_and_validation(library):
    qs = questions(schema_of(library))
    assert qs["alder"]["required"] and qs["kommune"]["required"] and qs["lanekort"]["required"]
    assert not qs["sist_besok"]["required"]
    assert qs["alder"]["help"] == "I hele år"
    assert (qs["alder"]["min"], qs["alder"]["max"], qs["alder"]["decimals"]) == (10, 120, "integer")
    assert (qs["antall_arr"]["min"], qs["antall_arr"]["max"]) == (1, None)  # ". > 0", whole numbers
    assert (qs["timer"]["min"], qs["timer"]["max"], qs["timer"]["decimals"]) == (0, 100, "decimal")
    assert report(library)["Question timer"][0] == "changed"  # ". < 100" read as at most 100
    assert qs["postnummer"]["pattern"] == "[0-9]{4}"
    assert qs["postnummer"]["pattern_message"] == "Skriv postnummeret med fire sifre"
    assert qs["forslag"]["max_length"] == 500
    assert qs["tjenester"]["max_selections"] == 3


def test_scales_and_matrix(library):
    qs = questions(schema_of(library, "en"))
    likert = qs["fornoyd"]
    assert (likert["left_label"], likert["right_label"]) == ("Strongly disagree", "Strongly agree")
    assert [o["key"] for o in likert["options"]] == ["1", "2", "3", "4", "5"]
    assert (qs["anbefale"]["left_label"], qs["anbefale"]["right_label"]) == (
        "Not at all likely",
        "Extremely likely",
    )
    matrix = qs["forhold"]
    assert [r["key"] for r in matrix["rows"]] == ["apningstider", "utvalg"]
    assert [r["label"] for r in matrix["rows"]] == ["Opening hours", "The collection"]
    assert [c["key"] for c in matrix["columns"]] == ["darlig", "ok", "bra"]


def test_conditions_and_piping(library):
    qs = questions(schema_of(library))
    # Choice names of a likert list become its points: enig = 4, helt_enig = 5.
    assert qs["hvorfor_fornoyd"]["show_if"] == {
        "match": "all",
        "rules": [{"question": "fornoyd", "op": "any_of", "value": "4,5"}],
    }
    assert qs["forslag"]["show_if"]["rules"] == [{"question": "alder", "op": "ge", "value": "18"}]
    assert qs["forslag"]["label"] == "Du er {alder} år. Hva kan biblioteket gjøre bedre?"
    # What Innsikt cannot express is left out and reported, never dropped silently.
    assert qs["ungdom"]["show_if"] is None
    status, detail = report(library)["Question ungdom"]
    assert status == "changed" and "(${alder} > 20" in detail
    status, detail = report(library)["Question neste_ar"]
    assert status == "changed" and "alder_neste" in detail


def test_report_statuses(library):
    lines = report(library)
    assert lines["Question alder"][0] == "changed"  # its constraint message is Innsikt's own
    assert lines["Question sist_besok"] == ("as_is", "")
    assert lines["Question lanekort"][0] == "changed"  # a yes/no list
    for name in ("start", "end", "alder_neste", "sted", "bilde", "barn_navn"):
        assert lines[f"Question {name}"][0] == "not_imported", name
        assert lines[f"Question {name}"][1], name  # with the reason
    assert lines["Repeat barn"][0] == "not_imported"
    assert "choice filter" in lines["Question bydel"][1]
    assert all(line.status in ("as_is", "changed", "not_imported") for line in library.report)


def test_the_xls_copy_reads_the_same(library):
    old = survey_read((SAMPLES / "library_survey.xls").read_bytes(), "xls")
    assert old.bodies == library.bodies
    assert old.titles == library.titles


# ---- others' forms --------------------------------------------------------------------------


def test_pyxform_samples():
    group = survey_read((SAMPLES / "pyxform_group.xlsx").read_bytes(), "xlsx")
    schema = schema_of(group, "en")
    assert [s["key"] for s in schema["steps"]] == ["page_1", "father"]
    assert list(questions(schema)) == ["family_name", "phone_number", "age"]
    assert questions(schema)["phone_number"]["type"] == "short_text"

    other = survey_read((SAMPLES / "pyxform_specify_other.xlsx").read_bytes(), "xlsx")
    sex = questions(schema_of(other, "en"))["sex"]
    assert (sex["type"], sex["other"]) == ("single_choice", True)

    yes_no = survey_read((SAMPLES / "pyxform_yes_or_no_question.xlsx").read_bytes(), "xlsx")
    assert questions(schema_of(yes_no, "en"))["good_day"]["type"] == "yes_no"

    loop = survey_read((SAMPLES / "pyxform_loop.xlsx").read_bytes(), "xlsx")
    assert list(questions(schema_of(loop, "en"))) == ["available_toilet_types"]
    assert report(loop)["Repeat loop_toilet_types"][0] == "not_imported"

    upper = survey_read((SAMPLES / "pyxform_case_insensitivity.xlsx").read_bytes(), "xlsx")
    assert upper.titles == {"en": "Yes or no"}
    assert list(questions(schema_of(upper, "en"))) == ["q1"]
    assert report(upper)["Question q2"][0] == "not_imported"


def test_plain_label_column_is_the_default_language():
    survey = [["type", "name", "label", "label::English (en)"], ["text", "a", "Navn", "Name"]]
    imported = survey_read(workbook(survey), "xlsx")
    assert imported.languages == ["nb", "en"]
    assert questions(schema_of(imported, "nb"))["a"]["label"] == "Navn"
    settings = [["default_language"], ["Nynorsk (nn)"]]
    imported = survey_read(workbook(survey, settings=settings), "xlsx")
    assert imported.languages == ["nn", "en"] and imported.base_language == "nn"
    imported = survey_read(workbook(survey), "xlsx", fallback_language="en")
    assert questions(schema_of(imported, "en"))["a"]["label"] == "Name"  # explicit column wins


def test_unsupported_language_is_reported():
    survey = [
        ["type", "name", "label::English (en)", "label::Français (fr)"],
        ["text", "a", "Name", "Nom"],
    ]
    imported = survey_read(workbook(survey), "xlsx")
    assert imported.languages == ["en"]
    assert report(imported)["Language Français"][0] == "not_imported"


def test_flat_form_splits_where_a_condition_uses_the_same_page():
    survey = [
        ["type", "name", "label", "relevant"],
        ["integer", "age", "Age", ""],
        ["text", "job", "Job", "${age} > 17"],
        ["text", "school", "School", "${age} < 18"],
    ]
    imported = survey_read(workbook(survey), "xlsx")
    schema = schema_of(imported)
    assert [[q["key"] for q in s["questions"]] for s in schema["steps"]] == [
        ["age"],
        ["job", "school"],
    ]
    assert report(imported)["Question job"][0] == "changed"


def test_likert_appearance_on_a_list_that_is_no_scale():
    survey = [["type", "name", "label", "appearance"], ["select_one abc", "q", "Q", "likert"]]
    choices = [
        ["list_name", "name", "label"],
        ["abc", "a", "A"],
        ["abc", "b", "B"],
        ["abc", "c", "C"],
    ]
    imported = survey_read(workbook(survey, choices), "xlsx")
    assert questions(schema_of(imported))["q"]["type"] == "single_choice"
    assert report(imported)["Question q"][0] == "changed"


# ---- bad input ----------------------------------------------------------------------------


def rejected(content: bytes, kind: str = "xlsx") -> str:
    with pytest.raises(ImportRejected) as caught:
        survey_read(content, kind)
    return str(caught.value)


def test_duplicate_names_are_rejected():
    survey = [["type", "name", "label"], ["text", "a", "A"], ["integer", "a", "B"]]
    assert "“a” is used twice" in rejected(workbook(survey))


def test_duplicate_choice_names_are_rejected():
    survey = [["type", "name", "label"], ["select_one l", "a", "A"]]
    choices = [["list_name", "name", "label"], ["l", "x", "X"], ["l", "x", "Y"]]
    assert "has the name “x” twice" in rejected(workbook(survey, choices))


@pytest.mark.parametrize(
    ("relevant", "message"),
    [
        ("${a} = 'x'", "refers to itself"),
        ("${b} != ''", "comes later in the form"),
        ("${nowhere} = 1", "not in the form"),
    ],
)
def test_conditions_on_itself_or_later_questions_are_rejected(relevant, message):
    survey = [
        ["type", "name", "label", "relevant"],
        ["text", "a", "A", relevant],
        ["text", "b", "B", ""],
    ]
    assert message in rejected(workbook(survey))


def test_a_group_condition_on_its_own_question_is_rejected():
    survey = [
        ["type", "name", "label", "relevant"],
        ["begin group", "g", "G", "${a} = 'x'"],
        ["text", "a", "A", ""],
        ["end group", "", "", ""],
    ]
    assert "comes later in the form" in rejected(workbook(survey))


def test_unknown_list_is_rejected():
    survey = [["type", "name", "label"], ["select_one nowhere", "a", "A"]]
    choices = [["list_name", "name", "label"], ["l", "x", "X"]]
    assert "“nowhere”" in rejected(workbook(survey, choices))


def test_workbook_without_survey_sheet_is_rejected():
    assert "no sheet called “survey”" in rejected(workbook(None, Sheet1=[["a"], ["b"]]))


def test_form_without_any_importable_question_is_rejected():
    survey = [["type", "name", "label"], ["geopoint", "where", "Where?"], ["calculate", "c", ""]]
    assert "None of the form's questions" in rejected(workbook(survey))


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"PK\x03\x04 this is no zip", "xlsx"),
        (b"<html>not a workbook</html>", "xlsx"),
        (b"\xd0\xcf\x11\xe0 broken ole", "xls"),
        (b"just text", "xls"),
    ],
)
def test_corrupt_files_are_rejected(content, kind):
    assert "not a readable" in rejected(content, kind)


def test_zip_with_damaged_parts_is_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")  # broken XML
        archive.writestr("xl/workbook.xml", "nonsense")
    assert "could not be read" in rejected(buffer.getvalue())


def test_zip_bomb_is_rejected_before_it_is_unpacked():
    """60 MB of zeros compress to ~60 KB: the declared size is checked first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    tracemalloc.start()
    message = rejected(buffer.getvalue())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "unpacks to 60 MB" in message
    assert peak < 10 * 1024 * 1024  # nothing was unpacked


def test_zip_with_too_many_entries_is_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(2001):
            archive.writestr(f"x/{n}", b"")
    assert "2001 parts" in rejected(buffer.getvalue())


def test_xml_entities_are_refused():
    """A billion-laughs sheet: openpyxl parses through defusedxml."""
    content = workbook([["type", "name", "label"], ["text", "a", "A"]])
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    source, target = io.BytesIO(content), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            new.writestr(item, bomb if item.filename == "xl/worksheets/sheet1.xml" else data)
    assert "could not be read" in rejected(target.getvalue())


def test_too_many_rows_are_rejected():
    survey = [["type", "name", "label"]] + [
        ["text", f"q{n}", f"Q{n}"] for n in range(MAX_SURVEY_ROWS + 1)
    ]
    assert f"more than {MAX_SURVEY_ROWS} rows" in rejected(workbook(survey))


def test_a_300_row_three_language_form_reads_whole():
    langs = ["Norsk bokmål (nb)", "Nynorsk (nn)", "English (en)"]
    header = [
        "type",
        "name",
        *[f"label::{lang}" for lang in langs],
        *[f"hint::{lang}" for lang in langs],
    ]
    header += ["required", "relevant", "constraint"]
    survey = [header]
    for g in range(30):
        survey.append(["begin group", f"g{g}", *[f"Side {g}"] * 3, *[""] * 6])
        for k in range(9):
            n = g * 9 + k
            kind = ["text", "integer", "select_one often", "select_multiple often"][k % 4]
            relevant = f"${{q{n - 9}}} != ''" if g and k == 0 else ""
            survey.append(
                [
                    kind,
                    f"q{n}",
                    *[f"Spørsmål {n} {lang}" for lang in langs],
                    *(["Hjelp"] * 3),
                    "yes",
                    relevant,
                    ". >= 1 and . <= 10" if kind == "integer" else "",
                ]
            )
        survey.append(["end group"])
    choices = [["list_name", "name", *[f"label::{lang}" for lang in langs]]]
    choices += [["often", f"o{i}", f"Valg {i}", f"Val {i}", f"Option {i}"] for i in range(5)]
    content = workbook(survey, choices)
    assert len(survey) - 1 == 330
    # Time and memory: bench/importing.py (docs/performance.md).
    imported = survey_read(content, "xlsx")
    assert sum(len(s["value"]["questions"]) for s in imported.bodies["en"]) == 270
