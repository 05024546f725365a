"""Benchmark: importing questionnaire files (issue 18) — a 300-question, 3-language LimeSurvey
(.lss) and a 300-row, 3-language XLSForm (.xlsx), each ≤ 2 s and ≤ 200 MB.

    .venv/bin/python bench/importing.py [--questions 300] [--rounds 3]

Run by hand (not part of the test suite). It

1. writes the two files into a temporary directory (generated here, below: 30 pages of 10
   questions cycling through text, number, date, single and multiple choice, dropdown,
   yes/no, five-point, array and ranking questions with their options, a show-if condition
   on every fifth question, all in Bokmål, Nynorsk and English);
2. creates and migrates its own PostgreSQL database ``innsikt_bench_import`` (override with
   IMPORT_DATABASE_URL) with one library, and uses Redis db 12 as the cache;
3. per file runs, in a fresh child process each (this script with ``--child``), after
   django.setup() and a warm-up of Django's model graph:

   - ``parse``: the baseline — the file parsed by the library the reader stands on
     (defusedxml for .lss, openpyxl in read-only mode for .xlsx), every cell or element
     visited, nothing mapped: the floor any reader of that file pays;
   - ``read``: the reader alone (surveys.importing.limesurvey / .xlsform ``survey_read``),
     in this process;
   - ``import``: surveys.importing.services.survey_import as the admin and the command run
     it — the reader in its bounded child process, the checks, the draft page and its two
     translated copies saved (in a transaction rolled back afterwards, so rounds are equal);

   and reports wall time and memory: the peak RSS of the child process over its RSS after
   set-up (VmHWM − VmRSS before the step: what the step itself needed; Django, Wagtail and
   pandas loaded take ~150 MB before any step) plus, for ``import``, the reader child's own
   peak above what it shared with its parent at the fork.
4. prints a table with the median of ``--rounds`` rounds, each step's time as a ratio of
   ``parse`` (measured in the same child: the machine is shared and noisy), and the goals.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/innsikt_bench_import"
)
CACHE_URL = "redis://127.0.0.1:6379/12"
LANGUAGES = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English"}
WORDS = {
    "nb": ("Hvor ofte bruker du", "biblioteket", "Velg ett svar", "Svar"),
    "nn": ("Kor ofte bruker du", "biblioteket", "Vel eitt svar", "Svar"),
    "en": ("How often do you use", "the library", "Choose one answer", "Answer"),
}
LSS_TYPES = ["S", "T", "N", "D", "L", "M", "Y", "5", "F", "R", "!"]
XLS_TYPES = [
    "text",
    "integer",
    "decimal",
    "date",
    "select_one opts",
    "select_multiple opts",
    "select_one yn",
    "select_one opts",
    "rank opts",
    "note",
]


# ---- the files -----------------------------------------------------------------------------
def _cell(tag: str, value: object) -> str:
    return f"<{tag}><![CDATA[{value}]]></{tag}>"


def _rows(name: str, rows: list[dict[str, object]]) -> str:
    if not rows:
        return ""
    fields = "".join(f"<fieldname>{f}</fieldname>" for f in rows[0])
    body = "".join(
        "<row>" + "".join(_cell(k, v) for k, v in row.items()) + "</row>" for row in rows
    )
    return f"<{name}><fields>{fields}</fields><rows>{body}</rows></{name}>"


def lss_file(n_questions: int) -> bytes:
    """A LimeSurvey 6 export (DBVersion 624, texts in the *_l10ns tables)."""
    sid = 123456
    groups, group_l10ns, questions, subquestions, question_l10ns = [], [], [], [], []
    answers, answer_l10ns, attributes = [], [], []
    qid = aid = l10n = 0
    per_group = 10
    list_in_earlier_group = ""  # the code of a list question on an earlier page
    for g in range(1, n_questions // per_group + 1):
        groups.append(
            {"gid": g, "sid": sid, "group_order": g, "randomization_group": "", "grelevance": "1"}
        )
        for lang in LANGUAGES:
            l10n += 1
            group_l10ns.append(
                {
                    "id": l10n,
                    "gid": g,
                    "group_name": f"{WORDS[lang][3]} {g}",
                    "description": f"<p>{WORDS[lang][1]} {g}</p>",
                    "language": lang,
                }
            )
        list_in_group = ""
        for i in range(per_group):
            qid += 1
            kind = LSS_TYPES[(qid - 1) % len(LSS_TYPES)]
            relevance = "1"
            if qid % 5 == 0 and list_in_earlier_group:
                relevance = f'{list_in_earlier_group} == "A2"'
            if kind == "L":
                list_in_group = f"Q{qid:04d}"
            questions.append(
                {
                    "qid": qid,
                    "parent_qid": 0,
                    "sid": sid,
                    "gid": g,
                    "type": kind,
                    "title": f"Q{qid:04d}",
                    "preg": "",
                    "other": "Y" if kind == "M" else "N",
                    "mandatory": "Y" if i % 2 else "N",
                    "encrypted": "N",
                    "question_order": i,
                    "scale_id": 0,
                    "same_default": 0,
                    "relevance": relevance,
                    "question_theme_name": "",
                    "modulename": "",
                    "same_script": 0,
                }
            )
            for lang in LANGUAGES:
                l10n += 1
                question_l10ns.append(
                    {
                        "id": l10n,
                        "qid": qid,
                        "question": f"<p>{WORDS[lang][0]} {WORDS[lang][1]} ({qid})?</p>",
                        "help": WORDS[lang][2],
                        "script": "",
                        "language": lang,
                    }
                )
            if kind == "N":
                attributes.append(
                    {"qid": qid, "attribute": "min_num_value_n", "value": "0", "language": ""}
                )
            if kind in ("L", "F", "R", "!"):
                for a in range(1, 6):
                    aid += 1
                    answers.append(
                        {
                            "aid": aid,
                            "qid": qid,
                            "code": f"A{a}",
                            "sortorder": a,
                            "assessment_value": 0,
                            "scale_id": 0,
                        }
                    )
                    for lang in LANGUAGES:
                        l10n += 1
                        answer_l10ns.append(
                            {
                                "id": l10n,
                                "aid": aid,
                                "answer": f"{WORDS[lang][3]} {a}",
                                "language": lang,
                            }
                        )
            if kind in ("M", "F"):
                for s in range(1, 5):
                    sub = 100000 + qid * 10 + s
                    subquestions.append(
                        {**questions[-1], "qid": sub, "parent_qid": qid, "type": "T"}
                        | {"title": f"SQ{s:03d}", "question_order": s, "relevance": "1"}
                    )
                    for lang in LANGUAGES:
                        l10n += 1
                        question_l10ns.append(
                            {
                                "id": l10n,
                                "qid": sub,
                                "question": f"{WORDS[lang][3]} {s}",
                                "help": "",
                                "script": "",
                                "language": lang,
                            }
                        )
        list_in_earlier_group = list_in_group or list_in_earlier_group
    surveys = [{"sid": sid, "language": "nb", "additional_languages": "nn en", "anonymized": "Y"}]
    settings = [
        {
            "surveyls_survey_id": sid,
            "surveyls_language": lang,
            "surveyls_title": f"{WORDS[lang][1].capitalize()} {n_questions}",
            "surveyls_description": "",
            "surveyls_welcometext": f"<p>{WORDS[lang][0]}</p>",
            "surveyls_endtext": f"<p>{WORDS[lang][3]}</p>",
        }
        for lang in LANGUAGES
    ]
    languages = "".join(f"<language>{lang}</language>" for lang in LANGUAGES)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<document>',
        "<LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>624</DBVersion>",
        f"<languages>{languages}</languages>",
        _rows("answers", answers),
        _rows("answer_l10ns", answer_l10ns),
        _rows("groups", groups),
        _rows("group_l10ns", group_l10ns),
        _rows("questions", questions),
        _rows("subquestions", subquestions),
        _rows("question_l10ns", question_l10ns),
        _rows("question_attributes", attributes),
        _rows("surveys", surveys),
        _rows("surveys_languagesettings", settings),
        "</document>",
    ]
    return "\n".join(parts).encode()


def xlsform_file(n_rows: int, path: Path) -> None:
    """An XLSForm of ``n_rows`` rows of questions (plus group rows) in three languages."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    survey = book.create_sheet("survey")
    label_cols = [f"label::{name} ({code})" for code, name in LANGUAGES.items()]
    hint_cols = [f"hint::{name} ({code})" for code, name in LANGUAGES.items()]
    survey.append(["type", "name", *label_cols, *hint_cols, "required", "relevant", "constraint"])
    per_group = 10
    for g in range(n_rows // per_group):
        survey.append(
            ["begin group", f"g{g}", *(f"{WORDS[c][3]} {g}" for c in LANGUAGES), "", "", ""]
        )
        for i in range(per_group):
            n = g * per_group + i
            kind = XLS_TYPES[n % len(XLS_TYPES)]
            relevant = f"${{q{(g - 1) * per_group + 4}}} = 'o2'" if n % 5 == 0 and g else ""
            constraint = ". >= 0 and . <= 120" if kind == "integer" else ""
            survey.append(
                [
                    kind,
                    f"q{n}",
                    *(f"{WORDS[c][0]} {WORDS[c][1]} ({n})?" for c in LANGUAGES),
                    *(WORDS[c][2] for c in LANGUAGES),
                    "yes" if (i % 2 and kind != "note") else "",
                    relevant,
                    constraint,
                ]
            )
        survey.append(["end group", "", "", "", "", "", "", "", "", "", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *label_cols])
    for o in range(1, 6):
        choices.append(["opts", f"o{o}", *(f"{WORDS[c][3]} {o}" for c in LANGUAGES)])
    for name, words in (("yes", ("Ja", "Ja", "Yes")), ("no", ("Nei", "Nei", "No"))):
        choices.append(["yn", name, *words])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language"])
    settings.append([f"Biblioteket {n_rows}", "bench", "Norsk bokmål (nb)"])
    book.save(path)


# ---- the child -----------------------------------------------------------------------------
def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["BENCH_DATABASE_URL"] = DATABASE_URL
    os.environ["BENCH_CACHE_URL"] = CACHE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def library_home():
    from wagtail.models import Locale, Page, Site

    from cms.models import HomePage

    site = Site.objects.filter(hostname="import.bench").first()
    if site:
        return site.root_page.specific
    locale, _created = Locale.objects.get_or_create(language_code="nb")
    for code in ("nn", "en"):
        Locale.objects.get_or_create(language_code=code)
    root = Page.get_first_root_node()
    home = HomePage(title="Importbiblioteket", slug="import-bench", locale=locale)
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.create(hostname="import.bench", root_page=home, site_name="Import")
    return home


def parse_baseline(path: Path) -> int:
    """Every element or cell of the file visited by the parsing library, nothing mapped."""
    if path.suffix == ".lss":
        from defusedxml import ElementTree

        return sum(1 for _ in ElementTree.parse(str(path)).iter())
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    cells = sum(1 for sheet in book.worksheets for row in sheet.iter_rows() for _ in row)
    book.close()
    return cells


def child(path: Path) -> None:
    setup_django()
    from django.apps import apps
    from django.db import transaction

    for model in apps.get_models():
        model._meta.get_fields()
    home = library_home()
    content = path.read_bytes()
    from surveys.importing import limesurvey, xlsform
    from surveys.importing.services import survey_import

    result: dict[str, object] = {"bytes": len(content)}

    def measured(name: str, call) -> object:
        before = _status_kb("VmRSS")
        started = time.perf_counter()
        value = call()
        result[name] = time.perf_counter() - started
        result[f"{name}_mb"] = max(0, _status_kb("VmHWM") - before) / 1024
        return value

    # The parsing libraries imported before the clock starts (a running server has them).
    import defusedxml.ElementTree  # noqa: F401
    import openpyxl  # noqa: F401

    measured("parse", lambda: parse_baseline(path))
    if path.suffix == ".lss":
        imported = measured("read", lambda: limesurvey.survey_read(content))
    else:
        imported = measured("read", lambda: xlsform.survey_read(content, "xlsx"))
    result["languages"] = imported.languages

    def import_and_roll_back():
        with transaction.atomic():
            outcome = survey_import(home, path.name, content)
            transaction.set_rollback(True)
        return outcome

    if os.environ.get("IMPORT_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(import_and_roll_back)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    outcome = measured("import", import_and_roll_back)
    if outcome.rejected:
        raise SystemExit(f"rejected: {outcome.rejected} {outcome.failure_detail}")
    result["questions"] = outcome.questions
    result["pages_created"] = 1 + len(outcome.translations)
    result["reader_child_mb"] = outcome.extra_peak_kb / 1024
    result["counts"] = outcome.counts
    result["process_peak_mb"] = _status_kb("VmHWM") / 1024
    print("RESULT " + json.dumps(result), flush=True)


# ---- the parent ----------------------------------------------------------------------------
def ensure_database() -> None:
    setup_django()
    import psycopg
    from django.conf import settings
    from django.core.management import call_command

    name = settings.DATABASES["default"]["NAME"]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)
    library_home()


def run_child(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise SystemExit(f"child failed ({done.returncode}): {done.stderr[-3000:]}")
    if os.environ.get("IMPORT_PROFILE"):
        print(done.stderr[-12000:])
    return json.loads(lines[-1][len("RESULT ") :])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child))
        return 0
    ensure_database()
    with tempfile.TemporaryDirectory() as tmp:
        lss = Path(tmp) / f"limesurvey-{args.questions}.lss"
        lss.write_bytes(lss_file(args.questions))
        xlsx = Path(tmp) / f"xlsform-{args.questions}.xlsx"
        xlsform_file(args.questions, xlsx)
        print(f"{'file':<24}{'step':<8}{'wall s':>8}{'× parse':>9}{'MB':>8}   goal")
        ok = True
        for path in (lss, xlsx):
            runs = [run_child(path) for _ in range(args.rounds)]

            def median(key: str, runs: list[dict] = runs) -> float:
                return statistics.median(float(r[key]) for r in runs)

            parse = median("parse")
            for step in ("parse", "read", "import"):
                wall = median(step)
                mb = median(f"{step}_mb")
                if step == "import":
                    mb += median("reader_child_mb")
                goal = ""
                if step == "import":
                    met = wall <= 2.0 and mb <= 200
                    ok &= met
                    goal = f"≤ 2 s, ≤ 200 MB: {'met' if met else 'MISSED'}"
                print(
                    f"{path.name:<24}{step:<8}{wall:>8.3f}{wall / parse:>9.2f}{mb:>8.1f}   {goal}"
                )
            first = runs[0]
            print(
                f"{'':<24}{first['bytes'] / 1024:.0f} kB, {first['questions']} questions, "
                f"languages {', '.join(first['languages'])}, {first['pages_created']} draft "
                f"pages, report {first['counts']}; whole process peak "
                f"{median('process_peak_mb'):.0f} MB (Django, Wagtail, pandas loaded included)"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
