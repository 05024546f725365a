"""LimeSurvey .lss → ImportedSurvey (surveys.importing.limesurvey): every mapping on real
files' output, the import report, and files that must be rejected."""

import pytest
from django.utils import translation

from surveys.importing.limesurvey import survey_read
from surveys.importing.model import ImportRejected
from surveys.keys import assign_keys
from surveys.logic import validate_schema
from surveys.schema import compile_schema
from tests.surveys.limesurvey_files import DATA, SAMPLES, lss, many, sample


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def read(name):
    return survey_read((DATA / name).read_bytes())


@pytest.fixture(scope="module")
def imported():
    with translation.override("en"):
        return read("innsikt_sample_3x.lss")


def schema(survey, language="en"):
    return compile_schema(assign_keys(survey.bodies[language]))


def questions(survey, language="en"):
    return {q["key"]: q for s in schema(survey, language)["steps"] for q in s["questions"]}


def line(survey, start):
    found = [r for r in survey.report if r.element.startswith(start)]
    assert len(found) == 1, [r.element for r in survey.report]
    return found[0]


def one_question(qtype="S", db_version=359, languages=("nb",), **extra):
    """A survey with one group holding one question, Q1."""
    texts = {lang: ("Spørsmål", "") for lang in languages}
    return lss(
        db_version=db_version,
        languages=languages,
        groups=[{"gid": 1, "order": 1, "name": {lang: "G" for lang in languages}}],
        questions=[{"qid": 1, "gid": 1, "type": qtype, "title": "Q1", "texts": texts, **extra}],
        settings={lang: {"title": "T"} for lang in languages},
    )


# ---- files and layouts --------------------------------------------------------------------


def test_the_samples_are_what_the_builder_writes():
    for name, version in SAMPLES.items():
        assert (DATA / name).read_bytes() == sample(version), name


def test_both_layouts_give_the_same_survey(imported):
    newer = read("innsikt_sample_6x.lss")
    assert newer.bodies == imported.bodies
    assert newer.report == imported.report
    assert (newer.titles, newer.intros, newer.thank_yous) == (
        imported.titles,
        imported.intros,
        imported.thank_yous,
    )


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.lss")))
def test_every_body_passes_the_logic_check_with_the_same_keys(name):
    survey = read(name)
    keys = None
    for language in survey.languages:
        compiled = schema(survey, language)
        assert validate_schema(compiled) == []
        shape = [
            (
                s["key"],
                [(q["key"], [o["key"] for o in q.get("options") or []]) for q in s["questions"]],
            )
            for s in compiled["steps"]
        ]
        assert keys is None or shape == keys
        keys = shape


# ---- structure, types, options ------------------------------------------------------------


def test_groups_become_pages_with_their_headings_and_introductions(imported):
    steps = schema(imported, "nb")["steps"]
    assert [s["key"] for s in steps] == ["g10", "g20", "g20-2", "g30", "g40"]
    assert steps[0]["title"] == "Om deg"
    assert "<b>deg</b>" in imported.bodies["nb"][0]["value"]["intro"]
    assert schema(imported, "nn")["steps"][1]["title"] == "Bruk"
    assert schema(imported, "en")["steps"][0]["title"] == "About you"
    assert line(imported, "Group 5").status == "not_imported"  # only an equation


def test_question_types(imported):
    kinds = {key: q["type"] for key, q in questions(imported).items()}
    assert kinds == {
        "age": "number",  # N
        "gender": "single_choice",  # G
        "visits": "single_choice",  # L
        "card": "yes_no",  # Y
        "name": "short_text",  # S
        "uses": "multiple_choice",  # M
        "why": "dropdown",  # !
        "comment": "long_text",  # T
        "fav": "single_choice",  # O
        "extra": "multiple_choice",  # P
        "sat": "likert",  # 5
        "mx": "matrix",  # F
        "mx5": "matrix",  # A
        "mx10": "matrix",  # B
        "mxc": "matrix",  # C
        "mxe": "matrix",  # E
        "mxh": "matrix",  # H
        "dual": "matrix",  # 1
        "rank": "ranking",  # R
        "info": "info",  # X
        "greet": "short_text",
        "kids_boys": "number",  # K, split
        "kids_girls": "number",
        "when": "date",  # D
        "huge": "long_text",  # U
        "logic": "short_text",
        "postcode": "short_text",
        "later": "short_text",
        "contact_phone": "short_text",  # Q, split
        "contact_email": "short_text",
    }
    for code, reason in [
        ("SECRET", "hidden"),
        ("LANG", "language switch"),
        ("FILE", "File uploads"),
        ("ARRT", "array of text boxes"),
        ("ARRN", "array of text boxes or numbers"),
        ("CALC", "equation"),
    ]:
        report = line(imported, f"Question {code} ")
        assert report.status == "not_imported" and reason in report.detail


def test_labels_help_and_required_in_every_language(imported):
    for language, label, hint in [
        ("nb", "Hvor gammel er du?", "I hele år"),
        ("nn", "Kor gammal er du?", "I heile år"),
        ("en", "How old are you?", "In whole years"),
    ]:
        age = questions(imported, language)["age"]
        assert (age["label"], age["help"], age["required"]) == (label, hint, True)
    assert questions(imported)["gender"]["required"] is False
    assert "“Soft” mandatory" in line(imported, "Question HUGE").detail


def test_options_keep_their_codes_order_and_labels(imported):
    visits = {lang: questions(imported, lang)["visits"] for lang in ("nb", "nn", "en")}
    assert [o["key"] for o in visits["en"]["options"]] == ["a1", "a2", "a3"]
    assert [o["label"] for o in visits["nb"]["options"]] == ["Hver uke", "Hver måned", "Sjeldnere"]
    assert visits["nn"]["options"][0]["label"] == "Kvar veke"
    assert visits["en"]["other"] is True
    gender = questions(imported)["gender"]
    assert [(o["key"], o["label"]) for o in gender["options"]] == [("f", "Female"), ("m", "Male")]
    uses = questions(imported)["uses"]
    assert [o["key"] for o in uses["options"]] == ["sq001", "sq002", "sq003"] and uses["other"]
    mx = questions(imported)["mx"]
    assert [r["key"] for r in mx["rows"]] == ["r1", "r2"]
    assert [c["label"] for c in mx["columns"]] == ["Poor", "Fair", "Good"]
    assert [c["key"] for c in questions(imported)["mx10"]["columns"]] == [
        str(n) for n in range(1, 11)
    ]
    assert [c["label"] for c in questions(imported)["mxc"]["columns"]] == ["Yes", "No", "Uncertain"]
    assert [c["key"] for c in questions(imported)["mxe"]["columns"]] == ["i", "s", "d"]
    assert [c["key"] for c in questions(imported)["dual"]["columns"]] == ["a1", "a2", "a3"]
    assert "first scale" in line(imported, "Question DUAL").detail
    assert "as rows" in line(imported, "Question MXH").detail
    assert [o["key"] for o in questions(imported)["rank"]["options"]] == ["a", "b", "c"]
    assert questions(imported)["sat"]["options"][-1]["key"] == "5"
    kids = questions(imported, "nb")["kids_boys"]
    assert kids["label"] == "Antall barn – Gutter"
    assert "2 separate questions" in line(imported, "Question KIDS").detail
    assert "comment box" in line(imported, "Question FAV").detail


def test_randomisation(imported):
    assert questions(imported)["visits"]["randomise"] is True  # random_order
    assert questions(imported)["why"]["randomise"] is False
    rating = schema(imported)["steps"][3]
    assert rating["shuffle"] is True  # random_group on SAT and MX
    fixed = {q["key"]: q["fixed"] for q in rating["questions"]}
    assert fixed["sat"] is fixed["mx"] is False
    assert fixed["mx5"] is True  # not in the random group: stays in place


def test_validation(imported):
    q = questions(imported)
    assert (q["age"]["min"], q["age"]["max"], q["age"]["decimals"]) == (0.0, 120.0, "integer")
    assert q["kids_boys"]["decimals"] == "decimal" and q["kids_boys"]["min"] == 0.0
    assert q["name"]["max_length"] == 40
    assert q["name"]["pattern"] == "[A-Za-zÆØÅæøå -]+"
    assert q["name"]["pattern_message"] == "Letters only"
    assert questions(imported, "nn")["name"]["pattern_message"] == "Berre bokstavar"
    assert (q["uses"]["min_selections"], q["uses"]["max_selections"]) == (1, 2)
    assert q["postcode"]["pattern"] and "Numbers only" in line(imported, "Question POSTCODE").detail


@pytest.mark.parametrize(
    ("preg", "pattern", "matches", "fails"),
    [
        ("/^[0-9]{4}$/", "[0-9]{4}", "0150", "150"),
        ("/^[a-z]+$/i", "(?i:[a-z]+)", "Oslo", "Oslo1"),
        ("/[0-9]/", "[\\s\\S]*(?:[0-9])[\\s\\S]*", "ab1c", "abc"),  # LimeSurvey searches
        ("^(ja|nei)$", "[\\s\\S]*(?:^(ja|nei)$)[\\s\\S]*", "nei", "kanskje"),
    ],
)
def test_regular_expressions_keep_their_meaning(preg, pattern, matches, fails):
    import re

    survey = survey_read(one_question("S", preg=preg))
    q = questions(survey, "nb")["q1"]
    assert q["pattern"] == pattern
    assert re.fullmatch(q["pattern"], matches) and not re.fullmatch(q["pattern"], fails)


@pytest.mark.parametrize(
    ("preg", "reason"), [("/[a-z]+/U", "flags"), ("/(unclosed/", "cannot read")]
)
def test_regular_expressions_innsikt_cannot_use_are_reported(preg, reason):
    survey = survey_read(one_question("S", preg=preg))
    assert questions(survey, "nb")["q1"]["pattern"] == ""
    report = line(survey, "Question Q1")
    assert report.status == "changed" and reason in report.detail


# ---- logic ---------------------------------------------------------------------------------


def rules(q):
    cond = q["show_if"]
    return cond and (cond["match"], [(r["question"], r["op"], r["value"]) for r in cond["rules"]])


def test_relevance_and_conditions_become_show_if(imported):
    steps = schema(imported)["steps"]
    # Group relevance applies to the group's pages, the continued one too.
    assert rules(steps[1]) == rules(steps[2]) == ("all", [("age", "ge", "16")])
    q = questions(imported)
    assert rules(q["uses"]) == ("all", [("card", "equals", "yes")])
    # WHY names USES on the same group: the group continues on a new page from WHY on.
    assert steps[2]["questions"][0]["key"] == "why"
    assert rules(q["why"]) == ("all", [("uses", "equals", "sq002")])
    assert "Split into 2 pages" in line(imported, "Group 2").detail
    # Conditions table: scenario 1 (two values of VISITS) or scenario 2 (GENDER).
    assert rules(q["comment"]) == (
        "any",
        [("visits", "any_of", "a1,a2"), ("gender", "equals", "f")],
    )
    # A "+" condition: one option of a multiple choice ticked.
    assert rules(q["extra"]) == ("all", [("uses", "equals", "sq001")])


def test_logic_innsikt_cannot_express_is_reported_not_dropped(imported):
    assert questions(imported)["logic"]["show_if"] is None
    report = line(imported, "Question LOGIC")
    assert report.status == "changed"
    assert '(AGE > 20 and CARD == "Y") or VISITS == "A3"' in report.detail
    assert "mixes “and” and “or”" in report.detail


def test_a_real_conditions_table_on_a_gender_question():
    survey = read("limesurvey_survey_allinoneCondition.lss")
    q = questions(survey)
    assert q["q00"]["type"] == "single_choice"
    assert rules(q["g02q02"]) == ("all", [("q00", "equals", "f")])
    assert q["g02q02"]["label"] == "G02Q02" and "no text" in line(survey, "Question G02Q02").detail
    assert "one page" in line(survey, "Survey").detail  # format A
    assert "{Q00.NAOK}" in line(survey, "Group 1").detail


# ---- piping, texts, languages ------------------------------------------------------------------


def test_piping_earlier_answers(imported):
    assert questions(imported, "nb")["greet"]["label"] == "Hei {name}, hva heter biblioteket ditt?"
    assert questions(imported, "nn")["greet"]["label"].startswith("Hei {name},")  # {NAME.shown}
    assert questions(imported, "en")["greet"]["label"].startswith("Hi {name},")  # {INSERTANS:…}
    # HUGE is on the same page: kept as written, reported.
    assert questions(imported)["later"]["label"] == "Later: {HUGE}"
    assert "“{HUGE}” is not filled in" in line(imported, "Question LATER").detail
    assert "{…}" in line(imported, "Question INFO").detail  # display texts are not piped


def test_titles_intros_and_thank_yous(imported):
    assert imported.languages == ["nb", "nn", "en"] and imported.base_language == "nb"
    assert imported.titles == {
        "nb": "Bibliotekundersøkelsen",
        "nn": "Bibliotekundersøkinga",
        "en": "The library survey",
    }
    assert imported.intros["nn"] == "<p>Velkomen!</p>"
    assert imported.thank_yous["en"] == "<p>Thank you!</p>"


def test_other_languages_are_reported_and_the_base_fills_in():
    survey = read("limesurvey_survey_remote_api_group_language.lss")
    assert survey.languages == ["en"] and survey.base_language == "en"
    assert line(survey, "Language “de”").status == "not_imported"
    german_only = survey_read(one_question("S", languages=("de",)))
    assert german_only.languages == ["nb"]
    assert "Norwegian Bokmål version" in line(german_only, "Language “de”").detail
    norwegian = survey_read(one_question("S", languages=("no", "en")))
    assert norwegian.languages == ["nb", "en"]
    assert line(norwegian, "Language “no”").status == "changed"


def test_a_missing_translation_falls_back_and_is_reported():
    content = lss(
        languages=("nb", "en"),
        groups=[{"gid": 1, "order": 1, "name": {"nb": "G", "en": "G"}}],
        questions=[{"qid": 1, "gid": 1, "type": "S", "title": "Q1", "texts": {"nb": ("Navn", "")}}],
    )
    survey = survey_read(content)
    assert questions(survey, "en")["q1"]["label"] == "Navn"
    assert "had no translation" in line(survey, "Language “en”").detail


def test_report_statuses(imported):
    statuses = {r.status for r in imported.report}
    assert statuses == {"as_is", "changed", "not_imported"}
    assert line(imported, "Question AGE").status == "as_is"
    assert line(imported, "Question AGE").detail == ""


# ---- bad input -------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<document><LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>359</DBVersion>&lol3;</document>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<document><LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>359</DBVersion>&xxe;</document>"""


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"<document><LimeSurveyDocType>Survey", "not well-formed XML"),
        (b"\x89PNG\r\n\x1a\n", "not well-formed XML"),
        (BILLION_LAUGHS, "DTD or entities"),
        (EXTERNAL_ENTITY, "DTD or entities"),
        (one_question("S").replace(b">359<", b">340<"), "database version 340"),
        (one_question("S").replace(b"<DBVersion>359</DBVersion>", b""), "DBVersion is missing"),
        (b"<?xml version='1.0'?><html><body>Hei</body></html>", "not a LimeSurvey survey file"),
        (one_question("S").replace(b">Survey<", b">Question<"), "export of a question"),
        (
            lss(groups=[], questions=[], settings={"nb": {"title": "T"}}, languages=("nb",)),
            "no questions Innsikt can import",
        ),
    ],
)
def test_files_that_cannot_be_imported_are_rejected_with_a_clear_message(content, fragment):
    with pytest.raises(ImportRejected) as rejected:
        survey_read(content)
    assert fragment in str(rejected.value)


def test_an_old_limesurvey_is_told_what_to_do():
    with pytest.raises(ImportRejected) as rejected:
        survey_read(one_question("S").replace(b">359<", b">178<"))
    assert "LimeSurvey 3" in str(rejected.value) and "178" in str(rejected.value)


# ---- size --------------------------------------------------------------------------------------


def test_a_300_question_three_language_survey_reads_whole():
    """Time and memory: bench/importing.py (docs/performance.md)."""
    survey = survey_read(many(300))
    assert len(questions(survey)) == 300 and survey.languages == ["nb", "nn", "en"]
    q = questions(survey)
    assert rules(q["q11"]) == ("all", [("q1", "equals", "a1")])
