"""LimeSurvey .lss documents for tests, in either layout, from a compact description.

``lss(...)`` writes the XML LimeSurvey exports: before DBVersion 400 every text row carries
a ``language`` column (LimeSurvey 3); from 400 on the texts are in ``*_l10ns`` tables
(LimeSurvey 4–6). ``SAMPLE`` describes Innsikt's own sample survey (every question type,
conditions, relevance, validation, piping, three languages); running this module writes
it as tests/data/import/limesurvey/innsikt_*.lss (a test checks the files still match).
"""

from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "import" / "limesurvey"
SID = "123456"


def _cell(name: str, value: Any) -> str:
    text = str(value)
    if text == "":
        return f"<{name}/>"
    return f"<{name}><![CDATA[{text}]]></{name}>"


def _table(name: str, fields: list[str], rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    head = "".join(f"<fieldname>{f}</fieldname>" for f in fields)
    body = "".join(
        "<row>" + "".join(_cell(f, row[f]) for f in fields if f in row) + "</row>" for row in rows
    )
    return f" <{name}>\n  <fields>{head}</fields>\n  <rows>{body}</rows>\n </{name}>\n"


def lss(
    *,
    db_version: int = 359,
    languages: tuple[str, ...] = ("nb", "nn", "en"),
    groups: list[dict[str, Any]],
    questions: list[dict[str, Any]],
    answers: list[dict[str, Any]] = (),  # type: ignore[assignment]
    attributes: list[tuple[str, str, str, str]] = (),  # type: ignore[assignment]
    conditions: list[dict[str, Any]] = (),  # type: ignore[assignment]
    settings: dict[str, dict[str, str]] | None = None,
    survey_format: str = "G",
    doc_type: str = "Survey",
) -> bytes:
    """A survey export. Texts are {language: text} (questions: {language: (text, help)})."""
    l10n = db_version >= 400
    base = languages[0]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<document>\n',
        f" <LimeSurveyDocType>{doc_type}</LimeSurveyDocType>\n",
        f" <DBVersion>{db_version}</DBVersion>\n <languages>",
        "".join(f"<language>{lang}</language>" for lang in languages),
        "</languages>\n",
    ]
    cond_rows = [{"cid": i + 1, "scenario": 1, **c} for i, c in enumerate(conditions)]
    out.append(
        _table(
            "conditions",
            ["cid", "qid", "cqid", "cfieldname", "method", "value", "scenario"],
            cond_rows,
        )
    )
    group_fields = ["gid", "sid", "group_order", "randomization_group", "grelevance"]
    group_rows, group_texts = [], []
    for g in groups:
        row = {
            "gid": g["gid"],
            "sid": SID,
            "group_order": g["order"],
            "randomization_group": g.get("randomization", ""),
            "grelevance": g.get("relevance", ""),
        }
        for lang in languages:
            texts = {
                "group_name": g["name"].get(lang, ""),
                "description": g.get("description", {}).get(lang, ""),
                "language": lang,
            }
            if l10n:
                group_texts.append({"id": f"{g['gid']}{lang}", "gid": g["gid"], **texts})
            else:
                group_rows.append({**row, **texts})
        if l10n:
            group_rows.append(row)
    if l10n:
        out.append(_table("groups", group_fields, group_rows))
        out.append(
            _table(
                "group_l10ns", ["id", "gid", "group_name", "description", "language"], group_texts
            )
        )
    else:
        out.append(
            _table("groups", [*group_fields, "group_name", "description", "language"], group_rows)
        )

    q_fields = [
        "qid", "parent_qid", "sid", "gid", "type", "title", "preg", "other", "mandatory",
        "question_order", "scale_id", "same_default", "relevance",
    ]  # fmt: skip
    parents, subs, q_texts = [], [], []
    for q in questions:
        row = {
            "qid": q["qid"],
            "parent_qid": q.get("parent", 0),
            "sid": SID,
            "gid": q["gid"],
            "type": q.get("type", "T"),
            "title": q["title"],
            "preg": q.get("preg", ""),
            "other": q.get("other", "N"),
            "mandatory": q.get("mandatory", "N"),
            "question_order": q.get("order", 1),
            "scale_id": q.get("scale", 0),
            "same_default": 0,
            "relevance": q.get("relevance", "1"),
        }
        target = subs if q.get("parent") else parents
        for lang in languages:
            text, help_text = q["texts"].get(lang, ("", ""))
            texts = {"question": text, "help": help_text, "language": lang}
            if l10n:
                q_texts.append({"id": f"{q['qid']}{lang}", "qid": q["qid"], **texts})
            else:
                target.append({**row, **texts})
        if l10n:
            target.append(row)
    fields = q_fields if l10n else [*q_fields, "question", "help", "language"]
    out.append(_table("questions", fields, parents))
    out.append(_table("subquestions", fields, subs))
    if l10n:
        out.append(
            _table(
                "question_l10ns", ["id", "qid", "question", "help", "script", "language"], q_texts
            )
        )

    answer_rows, answer_texts = [], []
    for i, a in enumerate(answers):
        row = {
            "aid": i + 1,
            "qid": a["qid"],
            "code": a["code"],
            "sortorder": a.get("order", i),
            "assessment_value": 0,
            "scale_id": a.get("scale", 0),
        }
        if l10n:
            answer_rows.append(row)
            for lang in languages:
                answer_texts.append(
                    {
                        "id": f"{i}{lang}",
                        "aid": i + 1,
                        "answer": a["texts"].get(lang, ""),
                        "language": lang,
                    }
                )
        else:
            del row["aid"]
            for lang in languages:
                answer_rows.append({**row, "answer": a["texts"].get(lang, ""), "language": lang})
    if l10n:
        out.append(
            _table(
                "answers",
                ["aid", "qid", "code", "sortorder", "assessment_value", "scale_id"],
                answer_rows,
            )
        )
        out.append(_table("answer_l10ns", ["id", "aid", "answer", "language"], answer_texts))
    else:
        out.append(
            _table(
                "answers",
                ["qid", "code", "answer", "sortorder", "assessment_value", "language", "scale_id"],
                answer_rows,
            )
        )
    out.append(
        _table(
            "question_attributes",
            ["qid", "attribute", "value", "language"],
            [
                {"qid": q, "attribute": a, "value": v, "language": lang}
                for q, a, v, lang in attributes
            ],
        )
    )
    out.append(
        _table(
            "surveys",
            ["sid", "language", "additional_languages", "format"],
            [
                {
                    "sid": SID,
                    "language": base,
                    "additional_languages": " ".join(languages[1:]),
                    "format": survey_format,
                }
            ],
        )
    )
    settings = settings or {}
    out.append(
        _table(
            "surveys_languagesettings",
            [
                "surveyls_survey_id",
                "surveyls_language",
                "surveyls_title",
                "surveyls_description",
                "surveyls_welcometext",
                "surveyls_endtext",
            ],
            [
                {
                    "surveyls_survey_id": SID,
                    "surveyls_language": lang,
                    "surveyls_title": settings.get(lang, {}).get("title", ""),
                    "surveyls_description": settings.get(lang, {}).get("description", ""),
                    "surveyls_welcometext": settings.get(lang, {}).get("welcome", ""),
                    "surveyls_endtext": settings.get(lang, {}).get("end", ""),
                }
                for lang in languages
            ],
        )
    )
    out.append("</document>\n")
    return "".join(out).encode()


def t(nb: str, nn: str | None = None, en: str | None = None) -> dict[str, str]:
    return {"nb": nb, "nn": nn if nn is not None else nb, "en": en if en is not None else nb}


def qt(nb: str, nn: str, en: str, help_nb: str = "", help_nn: str = "", help_en: str = ""):
    return {"nb": (nb, help_nb), "nn": (nn, help_nn), "en": (en, help_en)}


def _answers(qid: int, items: list[tuple[str, dict[str, str]]], scale: int = 0) -> list[dict]:
    return [
        {"qid": qid, "code": code, "order": i + 1, "scale": scale, "texts": texts}
        for i, (code, texts) in enumerate(items)
    ]


def _subs(parent: int, gid: int, first_qid: int, items: list[tuple[str, dict[str, str]]]):
    return [
        {
            "qid": first_qid + i,
            "parent": parent,
            "gid": gid,
            "title": code,
            "order": i + 1,
            "texts": {lang: (text, "") for lang, text in texts.items()},
        }
        for i, (code, texts) in enumerate(items)
    ]


LIKE = [
    ("A1", t("Dårlig", "Dårleg", "Poor")),
    ("A2", t("Greit", "Greitt", "Fair")),
    ("A3", t("Bra", "Bra", "Good")),
]
VISITS = [
    ("A1", t("Hver uke", "Kvar veke", "Every week")),
    ("A2", t("Hver måned", "Kvar månad", "Every month")),
    ("A3", t("Sjeldnere", "Sjeldnare", "Less often")),
]


def sample(db_version: int) -> bytes:
    """Innsikt's sample survey: every LimeSurvey question type the issue lists, in nb, nn
    and en, with relevance, conditions, validation and piping."""
    groups = [
        {
            "gid": 10,
            "order": 1,
            "name": t("Om deg", "Om deg", "About you"),
            "description": t(
                "<p>Litt om <b>deg</b>.</p>",
                "<p>Litt om <b>deg</b>.</p>",
                "<p>About <b>you</b>.</p>",
            ),
        },
        {"gid": 20, "order": 2, "name": t("Bruk", "Bruk", "Use"), "relevance": "AGE >= 16"},
        {"gid": 30, "order": 3, "name": t("Vurdering", "Vurdering", "Rating"), "randomization": ""},
        {"gid": 40, "order": 4, "name": t("Resten", "Resten", "The rest")},
        {"gid": 50, "order": 5, "name": t("Beregnet", "Rekna ut", "Calculated")},
    ]
    q = []

    def add(qid, gid, qtype, title, texts, order, **extra):
        q.append(
            {
                "qid": qid,
                "gid": gid,
                "type": qtype,
                "title": title,
                "texts": texts,
                "order": order,
                **extra,
            }
        )

    add(
        1,
        10,
        "N",
        "AGE",
        qt(
            "Hvor gammel er du?",
            "Kor gammal er du?",
            "How old are you?",
            "I hele år",
            "I heile år",
            "In whole years",
        ),
        1,
        mandatory="Y",
    )
    add(2, 10, "G", "GENDER", qt("Kjønn", "Kjønn", "Gender"), 2)
    add(
        3,
        10,
        "L",
        "VISITS",
        qt(
            "Hvor ofte besøker du biblioteket?",
            "Kor ofte vitjar du biblioteket?",
            "How often do you visit the library?",
        ),
        3,
        other="Y",
        mandatory="Y",
    )
    add(
        4,
        10,
        "Y",
        "CARD",
        qt("Har du lånekort?", "Har du lånekort?", "Do you have a library card?"),
        4,
    )
    add(
        5, 10, "S", "NAME", qt("Fornavn", "Førenamn", "First name"), 5, preg="/^[A-Za-zÆØÅæøå -]+$/"
    )
    add(
        6,
        20,
        "M",
        "USES",
        qt("Hva bruker du?", "Kva bruker du?", "What do you use?"),
        1,
        other="Y",
        relevance='CARD == "Y"',
    )
    add(
        7,
        20,
        "!",
        "WHY",
        qt("Hvorfor wifi?", "Kvifor wifi?", "Why wifi?"),
        2,
        relevance='USES_SQ002 == "Y"',
    )
    add(8, 20, "T", "COMMENT", qt("Fortell mer", "Fortel meir", "Tell us more"), 3)
    add(9, 20, "O", "FAV", qt("Favorittavdeling", "Favorittavdeling", "Favourite section"), 4)
    add(10, 20, "P", "EXTRA", qt("Ekstra tjenester", "Ekstra tenester", "Extra services"), 5)
    add(
        11,
        30,
        "5",
        "SAT",
        qt("Hvor fornøyd er du?", "Kor nøgd er du?", "How satisfied are you?"),
        1,
    )
    add(12, 30, "F", "MX", qt("Vurder", "Vurder", "Rate"), 2)
    add(13, 30, "A", "MX5", qt("Fem punkter", "Fem punkt", "Five points"), 3)
    add(14, 30, "B", "MX10", qt("Ti punkter", "Ti punkt", "Ten points"), 4)
    add(15, 30, "C", "MXC", qt("Ja/nei/usikker", "Ja/nei/usikker", "Yes/no/uncertain"), 5)
    add(16, 30, "E", "MXE", qt("Mer/likt/mindre", "Meir/likt/mindre", "More/same/less"), 6)
    add(17, 30, "H", "MXH", qt("Etter kolonne", "Etter kolonne", "By column"), 7)
    add(18, 30, "1", "DUAL", qt("To skalaer", "To skalaer", "Dual scale"), 8)
    add(19, 40, "R", "RANK", qt("Ranger", "Ranger", "Rank"), 1)
    add(
        20,
        40,
        "X",
        "INFO",
        qt(
            "<p>Takk så langt, <b>{NAME}</b>!</p>", "<p>Takk så langt!</p>", "<p>Thanks so far!</p>"
        ),
        2,
    )
    add(
        21,
        40,
        "S",
        "GREET",
        qt(
            "Hei {NAME}, hva heter biblioteket ditt?",
            "Hei {NAME.shown}, kva heiter biblioteket ditt?",
            "Hi {INSERTANS:123456X10X5}, what is your library called?",
        ),
        3,
    )
    add(22, 40, "K", "KIDS", qt("Antall barn", "Tal på born", "Number of children"), 4)
    add(23, 40, "D", "WHEN", qt("Siste besøk", "Siste vitjing", "Last visit"), 5)
    add(24, 40, "U", "HUGE", qt("Fri tekst", "Fri tekst", "Free text"), 6, mandatory="S")
    add(
        25,
        40,
        "S",
        "LOGIC",
        qt("Blandet logikk", "Blanda logikk", "Mixed logic"),
        7,
        relevance='(AGE > 20 and CARD == "Y") or VISITS == "A3"',
    )
    add(26, 40, "S", "POSTCODE", qt("Postnummer", "Postnummer", "Postcode"), 8)
    add(27, 40, "S", "LATER", qt("Senere: {HUGE}", "Seinare: {HUGE}", "Later: {HUGE}"), 9)
    add(28, 40, "S", "SECRET", qt("Skjult", "Skjult", "Hidden"), 10)
    add(29, 40, "I", "LANG", qt("Språk", "Språk", "Language"), 11)
    add(30, 40, "|", "FILE", qt("Last opp", "Last opp", "Upload"), 12)
    add(31, 40, ";", "ARRT", qt("Tekstrutenett", "Tekstrutenett", "Text grid"), 13)
    add(32, 40, ":", "ARRN", qt("Tallrutenett", "Talrutenett", "Number grid"), 14)
    add(33, 40, "Q", "CONTACT", qt("Kontakt", "Kontakt", "Contact"), 15)
    add(34, 50, "*", "CALC", qt("{AGE * 12}", "{AGE * 12}", "{AGE * 12}"), 1)

    q += _subs(
        6,
        20,
        100,
        [
            ("SQ001", t("Bøker", "Bøker", "Books")),
            ("SQ002", t("Wifi")),
            ("SQ003", t("Arrangementer", "Arrangement", "Events")),
        ],
    )
    q += _subs(
        10,
        20,
        110,
        [("SQ001", t("Lesesal", "Lesesal", "Reading room")), ("SQ002", t("Kafé", "Kafé", "Café"))],
    )
    rows = [
        ("R1", t("Utvalg", "Utval", "Selection")),
        ("R2", t("Åpningstider", "Opningstider", "Opening hours")),
    ]
    for n, parent in enumerate((12, 13, 14, 15, 16, 17, 18)):
        q += _subs(parent, 30, 120 + n * 10, rows)
    q += _subs(
        22,
        40,
        200,
        [("BOYS", t("Gutter", "Gutar", "Boys")), ("GIRLS", t("Jenter", "Jenter", "Girls"))],
    )
    q += _subs(31, 40, 210, rows)
    q += _subs(32, 40, 220, rows)
    q += _subs(33, 40, 230, [("PHONE", t("Telefon")), ("EMAIL", t("E-post", "E-post", "E-mail"))])

    answers = (
        _answers(3, VISITS)
        + _answers(7, [("A1", t("Jobb", "Jobb", "Work")), ("A2", t("Skole", "Skule", "School"))])
        + _answers(9, [("B", t("Barn", "Born", "Children")), ("V", t("Voksen", "Vaksen", "Adult"))])
        + _answers(12, LIKE)
        + _answers(17, LIKE)
        + _answers(18, LIKE)
        + _answers(
            18, [("X", t("Lite", "Lite", "Little")), ("Y", t("Mye", "Mykje", "Much"))], scale=1
        )
        + _answers(
            19,
            [
                ("A", t("Bøker", "Bøker", "Books")),
                ("B", t("Film")),
                ("C", t("Spill", "Spel", "Games")),
            ],
        )
    )
    attributes = [
        ("1", "min_num_value_n", "0", ""),
        ("1", "max_num_value_n", "120", ""),
        ("1", "num_value_int_only", "1", ""),
        ("3", "random_order", "1", ""),
        ("5", "maximum_chars", "40", ""),
        ("5", "em_validation_q_tip", "Bare bokstaver", "nb"),
        ("5", "em_validation_q_tip", "Berre bokstavar", "nn"),
        ("5", "em_validation_q_tip", "Letters only", "en"),
        ("6", "min_answers", "1", ""),
        ("6", "max_answers", "2", ""),
        ("11", "random_group", "rating", ""),
        ("12", "random_group", "rating", ""),
        ("22", "min_num_value_n", "0", ""),
        ("26", "numbers_only", "1", ""),
        ("28", "hidden", "1", ""),
    ]
    conditions = [
        # COMMENT: (VISITS is A1 or A2) — one scenario, one field — or (GENDER is F).
        {"qid": 8, "cqid": 3, "cfieldname": f"{SID}X10X3", "method": "==", "value": "A1"},
        {"qid": 8, "cqid": 3, "cfieldname": f"{SID}X10X3", "method": "==", "value": "A2"},
        {
            "qid": 8,
            "cqid": 2,
            "cfieldname": f"{SID}X10X2",
            "method": "==",
            "value": "F",
            "scenario": 2,
        },
        # EXTRA: books ticked in USES ("+" field: one option of a multiple choice).
        {"qid": 10, "cqid": 6, "cfieldname": f"+{SID}X20X6", "method": "==", "value": "SQ001"},
    ]
    settings = {
        "nb": {
            "title": "Bibliotekundersøkelsen",
            "welcome": "<p>Velkommen!</p>",
            "end": "<p>Takk for svarene!</p>",
        },
        "nn": {
            "title": "Bibliotekundersøkinga",
            "welcome": "<p>Velkomen!</p>",
            "end": "<p>Takk for svara!</p>",
        },
        "en": {
            "title": "The library survey",
            "welcome": "<p>Welcome!</p>",
            "end": "<p>Thank you!</p>",
        },
    }
    return lss(
        db_version=db_version,
        groups=groups,
        questions=q,
        answers=answers,
        attributes=attributes,
        conditions=conditions,
        settings=settings,
    )


SAMPLES = {"innsikt_sample_3x.lss": 359, "innsikt_sample_6x.lss": 624}


def many(n: int, db_version: int = 624) -> bytes:
    """A survey of ``n`` list questions in groups of ten, in nb, nn and en, each shown
    only if the one before it (on the page before) has its first answer."""
    groups = [
        {"gid": g, "order": g, "name": t(f"Del {g}", f"Del {g}", f"Part {g}")}
        for g in range(1, n // 10 + 2)
    ]
    questions, answers = [], []
    for i in range(1, n + 1):
        relevance = f'Q{i - 10} == "A1"' if i > 10 else "1"
        questions.append(
            {
                "qid": i,
                "gid": (i - 1) // 10 + 1,
                "type": "L",
                "title": f"Q{i}",
                "order": i,
                "relevance": relevance,
                "texts": qt(f"Spørsmål {i}", f"Spørsmål {i}", f"Question {i}"),
            }
        )
        answers += _answers(i, VISITS)
    return lss(db_version=db_version, groups=groups, questions=questions, answers=answers)


if __name__ == "__main__":
    for name, version in SAMPLES.items():
        (DATA / name).write_bytes(sample(version))
