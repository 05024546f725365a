"""Numbers, percentages and dates in the reader's language (cms/formatting.py): exact text for
nb, nn and en, and a new language from its catalogue and Django's formats alone, without code."""

import datetime
import math
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import dateformat, formats

from cms import formatting
from cms.formatting import (
    check_language,
    in_language,
    number_text,
    per_language,
    percent_text,
    supported_language,
)
from research.findings import charts
from research.findings.suppression import rule_text, suppress_counts, suppress_table, total_label

ROOT = Path(__file__).resolve().parents[2]
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "digits", "nb", "en"),
    [
        (1234.5, 1, f"1{NBSP}234,5", "1,234.5"),
        (1234567.891, 2, f"1{NBSP}234{NBSP}567,89", "1,234,567.89"),
        (1234, 0, f"1{NBSP}234", "1,234"),
        (999, 0, "999", "999"),
        (-1234.5, 1, f"-1{NBSP}234,5", "-1,234.5"),
        (-3.25, 2, "-3,25", "-3.25"),
        (0, 0, "0", "0"),
        (0.0, 1, "0,0", "0.0"),
        (3.45, 1, "3,5", "3.5"),  # rounded as Python rounds the float (3.45 is 3.4500…02)
        (12, 3, "12,000", "12.000"),
    ],
)
def test_numbers_in_nb_nn_and_en(value, digits, nb, en):
    assert number_text(value, "nb", digits) == nb
    assert number_text(value, "nn", digits) == nb  # Nynorsk writes numbers as Bokmål does
    assert number_text(value, "en", digits) == en


def test_one_decimal_unless_told():
    """The findings' means and medians: one decimal is the default."""
    assert number_text(3.14159, "nb") == "3,1" and number_text(3.14159, "en") == "3.1"


def test_norwegian_groups_with_a_no_break_space_so_numbers_never_wrap():
    text = number_text(12345678, "nb", 0)
    assert text == "12\u00a0345\u00a0678"
    assert " " not in text and "\u202f" not in text


@pytest.mark.parametrize(
    ("value", "digits", "nb", "en"),
    [
        (34.2, 0, f"34{NBSP}%", "34%"),
        (34.5, 1, f"34,5{NBSP}%", "34.5%"),
        (100.0, 0, f"100{NBSP}%", "100%"),
        (0.0, 0, f"0{NBSP}%", "0%"),
        (0.4, 0, f"0{NBSP}%", "0%"),
        (-12.5, 1, f"-12,5{NBSP}%", "-12.5%"),
    ],
)
def test_percentages_in_nb_nn_and_en(value, digits, nb, en):
    assert percent_text(value, "nb", digits) == nb
    assert percent_text(value, "nn", digits) == nb
    assert percent_text(value, "en", digits) == en


@pytest.mark.parametrize("missing", [None, math.nan, float("nan")])
def test_a_percentage_that_may_not_be_published_is_empty(missing):
    assert percent_text(missing, "nb") == "" and percent_text(missing, "en") == ""


@pytest.mark.parametrize("language", ["sv", "de", "", "NB", "nb-no"])
def test_a_language_outside_settings_languages_fails_clearly(language):
    with pytest.raises(ValueError, match="unsupported language"):
        number_text(1, language)
    with pytest.raises(ValueError, match="unsupported language"):
        percent_text(1.0, language)
    with pytest.raises(ValueError, match="unsupported language"):
        check_language(language)


def test_the_words_come_from_the_catalogues():
    assert rule_text(5, "nb") == "Celler med færre enn 5 svar er skjult."
    assert rule_text(5, "en") == "Cells with fewer than 5 answers are hidden."
    assert rule_text(5, "nn") == "Celler med færre enn 5 svar er skjulte."
    assert (total_label("nb"), total_label("nn"), total_label("en")) == ("Totalt",) * 2 + ("Total",)
    shown = suppress_counts({"a": 6, "b": 7}).display("nb")
    assert list(shown.index) == ["a", "b", "Totalt"]
    assert list(shown["pct"]) == [f"46,2{NBSP}%", f"53,8{NBSP}%", ""]


def test_a_language_is_looked_up_once_not_per_cell(monkeypatch):
    """Reports format a number per table cell: after the first call no translation is
    activated and no format module is read."""
    number_text(1, "nb")
    percent_text(1.0, "nb")

    def refuse(*args, **kwargs):
        raise AssertionError("looked up again")

    monkeypatch.setattr(formatting.translation, "override", refuse)
    monkeypatch.setattr(formatting.formats, "get_format", refuse)
    assert number_text(1234, "nb", 0) == f"1{NBSP}234"
    assert percent_text(34.0, "nb") == f"34{NBSP}%"


def test_per_language_caches_by_language_and_arguments():
    calls = []

    @per_language
    def words(language: str, k: int) -> str:
        calls.append((language, k))
        return f"{language}:{k}"

    assert words("nb", 5) == words("nb", 5) == "nb:5"
    assert words("en", 5) == "en:5"
    assert calls == [("nb", 5), ("en", 5)]
    with pytest.raises(ValueError):
        words("sv", 5)
    with pytest.raises(TypeError):
        words("nb", k=5)


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("nb", "nb"),
        ("nn", "nn"),
        ("nn-no", "nn"),
        ("en", "en"),
        ("en-gb", "en"),
        ("", "nb"),
        (None, "nb"),
        ("sv", "nb"),
    ],
)
def test_supported_language_picks_one_of_settings_languages(code, language):
    assert supported_language(code) == language


SWEDISH_PO = r"""msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Language: sv\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Cells with fewer than %(k)d answer are hidden."
msgid_plural "Cells with fewer than %(k)d answers are hidden."
msgstr[0] "Celler med färre än %(k)d svar är dolda."
msgstr[1] "Celler med färre än %(k)d svar är dolda."

msgid "Too few answers to show shares"
msgstr "För få svar för att visa andelar"

msgctxt "percent"
msgid "%(number)s%%"
msgstr "%(number)s<NBSP>%%"
""".replace("<NBSP>", NBSP)


def test_a_language_added_to_the_catalogues_needs_no_code(tmp_path):
    """As Nynorsk was added (a catalogue and an entry in LANGUAGES), so a fourth language:
    Django's sv formats give the decimal comma and the no-break space, the catalogue the
    words and the percent sign."""
    messages = tmp_path / "sv" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text(SWEDISH_PO, encoding="utf-8")
    subprocess.run(
        ["msgfmt", "--check", "-o", str(messages / "django.mo"), str(messages / "django.po")],
        check=True,
    )
    languages = [*settings.LANGUAGES, ("sv", "Svenska")]
    with override_settings(LANGUAGES=languages, LOCALE_PATHS=[*settings.LOCALE_PATHS, tmp_path]):
        assert number_text(1234567.25, "sv", 1) == number_text(1234567.25, "nb", 1)
        assert number_text(-1234, "sv", 0) == f"-1{NBSP}234"
        assert percent_text(34.2, "sv") == f"34{NBSP}%"
        assert rule_text(5, "sv") == "Celler med färre än 5 svar är dolda."
        small_base = suppress_table(pd.DataFrame({"Ja": [3], "Nei": [4]}, index=["A"]), k=3)
        svg = charts.stacked_chart_svg("Svar", small_base, language="sv")
        assert "A (n = 7): För få svar för att visa andelar; Ja 3, Nei 4." in svg
        # Words the catalogue does not have yet come from the default language (nb).
        assert total_label("sv") == "Totalt"
    with pytest.raises(ValueError):
        number_text(1, "sv")  # gone with the setting: nothing was cached past it


@pytest.mark.parametrize(
    ("language", "long", "short"),
    [
        ("nb", "mandag 7. desember 2026, 14:05", "07.12.2026"),
        ("nn", "måndag 7. desember 2026, 14:05", "07.12.2026"),
        ("en", "Monday 7. December 2026, 14:05", "12/07/2026"),
    ],
)
def test_dates_in_nb_nn_and_en(language, long, short):
    """The templates' date patterns ("l j. F Y, H:i" on booking pages and e-mails, "j. F Y"
    on reports) give each language its own day and month names; the short format is
    Django's for the language."""
    moment = datetime.datetime(2026, 12, 7, 14, 5)
    with in_language(language):
        assert dateformat.format(moment, "l j. F Y, H:i") == long
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == short


def test_german_separators_swap_dot_and_comma():
    with override_settings(LANGUAGES=[*settings.LANGUAGES, ("de", "Deutsch")]):
        assert number_text(1234567.5, "de", 1) == "1.234.567,5"
        assert number_text(-1234, "de", 0) == "-1.234"


def test_zh_hans_groups_as_django_says_and_rounds():
    """A language whose NUMBER_GROUPING is not 3 is grouped by Django, still rounded."""
    with override_settings(LANGUAGES=[*settings.LANGUAGES, ("zh-hans", "简体中文")]):
        assert number_text(1.96, "zh-hans", 1) == "2.0"
        assert number_text(-12345.678, "zh-hans", 2) == "-12345.68"


LANGUAGE_BRANCH = re.compile(
    r"""language\w*\s*[!=]=\s*["'][a-z]{2}["']|\.startswith\(\s*["'](nb|nn|en)["']\s*\)"""
)


# Content stored per language in model fields, not words or formats: a new language needs a
# field there (and a migration), not a catalogue. The list only shrinks.
CONTENT_FIELDS = {"panel/models.py"}  # ConsentText.text_nb / text_en


def test_no_module_branches_on_a_language_code():
    """Words and formats come from the catalogues and Django's formats; a comparison with a
    language code is a table outside gettext. The test walks every module of the four apps."""
    found = []
    for app in ("cms", "surveys", "panel", "research"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or str(path.relative_to(ROOT)) in CONTENT_FIELDS:
                continue
            source = path.read_text(encoding="utf-8")
            for number, line in enumerate(source.splitlines(), 1):
                if LANGUAGE_BRANCH.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
