"""Export to XLSForm and back (issue 18 item 4): a survey with every question type and
every kind of rule leaves as an XLSForm workbook and reads back into the same survey,
in every language, key by key (surveys.importing.xlsform_export / .xlsform)."""

import io
import itertools

import openpyxl
import pytest
from django.utils import translation

from surveys.importing.xlsform import survey_read, xlsform_write
from surveys.keys import assign_keys
from surveys.logic import evaluate, validate_schema
from surveys.schema import compile_schema
from tests.factories import cond, display, q, step

LANGS = ("nb", "nn", "en")


def words(text: str, lang: str) -> str:
    """The same text in each language (different, so a mix-up shows)."""
    return text if lang == "nb" or not text else f"[{lang}] {text}"


def translated(raw: object, lang: str) -> object:
    """A raw body with every label-like text in ``lang``."""
    if isinstance(raw, dict):
        out = {}
        for key, value in raw.items():
            if key in (
                "label",
                "help_text",
                "title",
                "left_label",
                "right_label",
                "pattern_message",
            ):
                out[key] = words(value, lang) if isinstance(value, str) else value
            elif key in ("text", "intro") and isinstance(value, str):
                out[key] = value.replace("<p>", f"<p>{'' if lang == 'nb' else f'[{lang}] '}", 1)
                if not value.startswith("<"):
                    out[key] = words(value, lang)
            else:
                out[key] = translated(value, lang)
        return out
    if isinstance(raw, list):
        return [translated(v, lang) for v in raw]
    return raw


def body() -> list:
    fixed_option = q(
        "single_choice", "hvorfor", "Hva kom du for?", options=["lane", "lese", "annet"]
    )
    fixed_option["value"]["options"][2]["value"]["fixed"] = True
    fixed_option["value"].update(other=True, randomise=True, fixed=True)
    first = step(
        "om",
        display("heading", "overskrift", "Om deg og biblioteket"),
        display(
            "info",
            "info",
            '<p>Alle <b>svar</b> er <i>anonyme</i>. Se <a href="https://bibliotek.no/personvern">'
            "personvern</a>.</p><ul><li>Ett</li><li>To</li></ul>",
        ),
        q(
            "short_text",
            "postnummer",
            "Postnummer",
            help_text="Fire sifre",
            pattern="[0-9]{4}",
            pattern_message="Skriv fire sifre",
            min_length=4,
            max_length=4,
        ),
        q("long_text", "forslag", "Hva kan vi gjøre bedre?", required=False, max_length=800),
        q("number", "alder", "Alder", min_value=10, max_value=120),
        q("number", "timer", "Timer i uka", decimals="decimal", min_value=0.5, required=False),
        q("email", "epost", "E-post", required=False),
        q("date", "besok", "Sist besøk"),
        fixed_option,
        q(
            "multiple_choice",
            "bruk",
            "Hva bruker du?",
            options=["boker", "wifi", "studieplass"],
            min_selections=1,
            max_selections=2,
            other=True,
            randomise=True,
        ),
        q("dropdown", "filial", "Filial", options=["sentrum", "madla"]),
        q("yes_no", "kort", "Har du lånekort?"),
        q("consent", "samtykke", "Jeg samtykker"),
        title="Om deg",
        skip=[(cond(("kort", "equals", "no")), "mer")],  # skips "vurdering"
    )
    first["value"]["intro"] = "<p>Først <b>litt</b> om deg.</p>"
    heading = display("heading", "del2", "Hvis ikke lån")
    heading["value"]["show_if"] = cond(("hvorfor", "not_equals", "lane"))
    info = display("info", "info2", "<p>Du bruker nett eller bøker.</p>")
    info["value"]["show_if"] = cond(("bruk", "any_of", "boker,wifi"))
    matrix = q(
        "matrix",
        "tilbud",
        "Hvordan vurderer du",
        rows=["apningstider", "utvalg"],
        columns=["darlig", "ok", "bra"],
    )
    matrix["value"]["fixed"] = True
    second = step(
        "vurdering",
        heading,
        info,
        q(
            "likert",
            "fornoyd",
            "Hvor fornøyd?",
            points="5",
            left_label="Misfornøyd",
            right_label="Fornøyd",
            show_if=cond(("alder", "ge", "18")),
        ),
        q(
            "likert",
            "enig",
            "Enig?",
            points="7",
            left_label="Uenig",
            right_label="Enig",
            show_if=cond(("alder", "le", "67"), ("kort", "equals", "yes")),
        ),
        q(
            "nps",
            "anbefale",
            "Anbefale?",
            left_label="Lite",
            right_label="Svært",
            show_if=cond(("alder", "gt", "15"), ("alder", "lt", "90"), match="any"),
        ),
        q("rating", "stjerner", "Karakter", left_label="", right_label="Topp"),
        q("ranking", "viktigst", "Ranger", options=["ro", "hjelp", "apent"], randomise=True),
        matrix,
        title="Vurdering",
        show_if=cond(("kort", "equals", "yes")),
    )
    third = step(
        "mer",
        q(
            "short_text",
            "hvorfor_ikke",
            "Du er {alder} år og kom for {hvorfor}. Hvorfor?",
            show_if=cond(("postnummer", "answered", ""), ("forslag", "not_answered", "")),
        ),
        q(
            "short_text",
            "s1",
            "Tekst",
            required=False,
            show_if=cond(("postnummer", "equals", "4006")),
        ),
        q(
            "short_text",
            "s2",
            "Dato",
            required=False,
            show_if=cond(("besok", "equals", "2025-01-31")),
        ),
        q("short_text", "s3", "Tall", required=False, show_if=cond(("alder", "equals", "30"))),
        q("short_text", "s4", "Tall2", required=False, show_if=cond(("alder", "not_equals", "31"))),
        q(
            "short_text",
            "s5",
            "Flere",
            required=False,
            show_if=cond(("bruk", "equals", "wifi"), ("bruk", "not_equals", "boker")),
        ),
        q(
            "short_text",
            "s6",
            "Valg",
            required=False,
            show_if=cond(("hvorfor", "any_of", "lane,lese")),
        ),
        q(
            "short_text",
            "s7",
            "Annet",
            required=False,
            show_if=cond(("hvorfor", "equals", "other")),
        ),
        q("short_text", "s8", "Skala", required=False, show_if=cond(("fornoyd", "gt", "3"))),
        q("short_text", "s9", "Ja", required=False, show_if=cond(("kort", "not_equals", "no"))),
        title="Mer",
        skip=[(cond(("anbefale", "le", "6")), "end")],  # skips "slutt"
    )
    third["value"]["shuffle_questions"] = True
    fourth = step("slutt", q("short_text", "til_slutt", "Noe mer?", required=False), title="Slutt")
    return [first, second, third, fourth]


def schemas() -> dict[str, dict]:
    return {lang: compile_schema(assign_keys(translated(body(), lang))) for lang in LANGS}


def round_trip() -> tuple[dict[str, dict], object, bytes]:
    original = schemas()
    content = xlsform_write(
        original,
        titles={lang: words("Brukerundersøkelse", lang) for lang in LANGS},
        intros={lang: words("<p>Velkommen!</p>", lang) for lang in LANGS},
        thank_yous={lang: "<p>Takk!</p>" for lang in LANGS},
        form_id="bibliotek",
    )
    return original, survey_read(content, "xlsx"), content


def test_the_body_covers_every_type_and_operator():
    from surveys.blocks import OPERATORS, QUESTION_BLOCKS

    schema = schemas()["nb"]
    assert validate_schema(schema) == []
    types = {qu["type"] for s in schema["steps"] for qu in s["questions"]}
    assert types == {name for name, _block in QUESTION_BLOCKS}
    ops = {
        r["op"]
        for s in schema["steps"]
        for c in [s["show_if"], *(k["when"] for k in s["skip"])]
        + [qu["show_if"] for qu in s["questions"]]
        if c
        for r in c["rules"]
    }
    assert ops == {op for op, _label in OPERATORS}


def test_every_language_reads_back_to_the_same_schema_key_by_key():
    original, imported, _content = round_trip()
    assert imported.languages == list(LANGS)
    assert [line for line in imported.report if line.status == "not_imported"] == []
    skipped = {"vurdering", "slutt"}  # their conditions come from skip rules (next test)
    for lang in LANGS:
        back = compile_schema(assign_keys(imported.bodies[lang]))
        assert validate_schema(back) == []
        before = original[lang]
        assert [s["key"] for s in back["steps"]] == [s["key"] for s in before["steps"]]
        for old, new in zip(before["steps"], back["steps"], strict=True):
            for field in ("title", "intro_html", "shuffle"):
                assert new[field] == old[field], (lang, old["key"], field)
            if old["key"] not in skipped:
                assert new["show_if"] == old["show_if"], (lang, old["key"])
            assert new["skip"] == []
            assert [x["key"] for x in new["questions"]] == [x["key"] for x in old["questions"]]
            for a, b in zip(old["questions"], new["questions"], strict=True):
                for field in sorted(set(a) | set(b)):
                    assert b.get(field) == a.get(field), (lang, a["key"], field)


def test_titles_and_survey_texts_read_back():
    _original, imported, _content = round_trip()
    assert imported.titles == {lang: words("Brukerundersøkelse", lang) for lang in LANGS}
    assert imported.intros["en"] == "<p>[en] Velkommen!</p>"
    assert imported.thank_yous["nn"] == "<p>Takk!</p>"


def test_skip_rules_become_the_conditions_of_the_pages_they_skip():
    """No skip rule in XLSForm: the skipped pages get a ``relevant`` instead, and the survey
    shows the same pages and questions — for every answer to the questions a rule uses.
    (A skip over "at most 6" becomes "greater than 6" on the skipped page: when that question
    was never shown, Innsikt's rule holds for neither; docs/import.md says so.)"""
    original, imported, _content = round_trip()
    back = compile_schema(assign_keys(imported.bodies["nb"]))
    pages = {s["key"]: s for s in back["steps"]}
    assert pages["vurdering"]["show_if"] == {
        "match": "all",
        "rules": [
            {"question": "kort", "op": "equals", "value": "yes"},
            {"question": "kort", "op": "not_equals", "value": "no"},
        ],
    }
    assert pages["slutt"]["show_if"] == {
        "match": "all",
        "rules": [{"question": "anbefale", "op": "gt", "value": "6"}],
    }
    base = {"alder": 40, "postnummer": "4006", "hvorfor": "lese", "bruk": ["wifi"]}
    cases = [*itertools.product(["yes"], [3, 6, 7, 10]), ("no", None), ("no", 3)]
    for kort, anbefale in cases:
        answers = {**base, "kort": kort, "anbefale": anbefale}
        before, after = evaluate(original["nb"], answers), evaluate(back, answers)
        visible_before = [k for s in before.steps for k in before.questions[s]]
        visible_after = [k for s in after.steps for k in after.questions[s]]
        if kort == "no":  # "anbefale" is never shown: only the first skip is compared
            visible_before.remove("til_slutt")
            assert "til_slutt" not in visible_after
        assert visible_after == visible_before, answers


def test_the_workbook_is_plain_xlsform():
    """What ODK tools read: survey/choices/settings sheets, label::Language (code) columns,
    a select_one list per choice question, relevant and constraint as XPath."""
    _original, _imported, content = round_trip()
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames == ["survey", "choices", "settings"]
    rows = list(book["survey"].iter_rows(values_only=True))
    header = rows[0]
    assert "label::Norsk bokmål (nb)" in header and "label::English (en)" in header
    padded = [dict(zip(header, [*r, *[None] * len(header)], strict=False)) for r in rows[1:]]
    by_name = {r["name"]: r for r in padded if r["name"]}
    assert by_name["alder"]["constraint"] == ". >= 10 and . <= 120"
    assert by_name["postnummer"]["constraint"] == (
        "string-length(.) >= 4 and string-length(.) <= 4 and regex(., '^[0-9]{4}$')"
    )
    assert by_name["hvorfor"]["type"] == "select_one hvorfor or_other"
    assert by_name["hvorfor"]["parameters"] == "randomize=true"
    assert by_name["bruk"]["constraint"] == "count-selected(.) >= 1 and count-selected(.) <= 2"
    assert by_name["vurdering"]["relevant"] == "(${kort} = 'yes') and not(${kort} = 'no')"
    assert by_name["s6"]["relevant"] == "(${hvorfor} = 'lane' or ${hvorfor} = 'lese')"
    assert by_name["tilbud"]["appearance"] == "table-list"
    assert by_name["tilbud_utvalg"]["type"] == "select_one tilbud"
    assert by_name["samtykke"]["type"] == "acknowledge"
    assert by_name["hvorfor_ikke"]["label::English (en)"].startswith("[en] Du er ${alder} år")
    settings = list(book["settings"].iter_rows(values_only=True))
    assert dict(zip(settings[0], settings[1], strict=True))["default_language"] == (
        "Norsk bokmål (nb)"
    )


@pytest.mark.parametrize("text", ["=1+1", "Tekst\x07 med kontrolltegn"])
def test_texts_that_look_like_formulas_stay_text(text):
    raw = [step("s", q("short_text", "a", text))]
    content = xlsform_write({"nb": compile_schema(assign_keys(raw))})
    back = compile_schema(assign_keys(survey_read(content, "xlsx").bodies["nb"]))
    assert back["steps"][0]["questions"][0]["label"] == text.replace("\x07", "")


def test_a_rule_xlsform_cannot_hold_is_listed_not_dropped():
    """A rule on a matrix has no single XLSForm field to refer to: it goes to the notes."""
    raw = [
        step("a", q("matrix", "m", "M", rows=["r1"], columns=["x", "y"])),
        step("b", q("short_text", "t", "T", show_if=cond(("m", "answered", "")))),
    ]
    with translation.override("en"):  # the note in English whatever the catalogues say
        content = xlsform_write({"en": compile_schema(assign_keys(raw))})
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames[-1] == "notes"
    notes = [r[0] for r in book["notes"].iter_rows(values_only=True)]
    assert any(str(n).startswith("t: the condition could not be written") for n in notes[1:])
