"""The public site: Norwegian Bokmål by default, English under /en/, complete catalogues,
editable accessibility and privacy pages, and demo content that loads twice the same."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from wagtail.models import Locale, Site

from cms.models import HomePage, LibrarySettings, StandardPage
from surveys.models import Response, SurveyPage, SurveyVersion
from tests.catalogues import untranslated

ROOT = Path(__file__).resolve().parents[2]


def test_norwegian_is_the_default_even_for_english_browsers(client, library_a):
    response = client.get("/", HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nb">' in html and "Hopp til hovedinnhold" in html


def test_english_under_en_prefix(client, library_a):
    Locale.objects.get_or_create(language_code="en")
    html = client.get("/en/", HTTP_HOST="localhost").content.decode()
    assert '<html lang="en">' in html and "Skip to main content" in html


def test_language_switch_links_to_the_translation(client, library_a):
    en = Locale.objects.get_or_create(language_code="en")[0]
    page = StandardPage(title="Personvern", slug="personvern", body="<p>Norsk</p>")
    library_a.add_child(instance=page)
    page.save_revision().publish()
    copy = page.copy_for_translation(en, copy_parents=True)
    copy.title, copy.slug = "Privacy", "privacy"
    copy.save_revision().publish()
    html = client.get("/personvern/", HTTP_HOST="localhost").content.decode()
    assert 'href="/en/privacy/" lang="en"' in html


def test_footer_links_come_from_library_settings(client, library_a):
    page = StandardPage(
        title="Tilgjengelighetserklæring", slug="tilgjengelighet", body="<p>WCAG</p>"
    )
    library_a.add_child(instance=page)
    page.save_revision().publish()
    settings = LibrarySettings.for_site(Site.objects.get(root_page=library_a))
    settings.accessibility_page = page
    settings.save()
    html = client.get("/", HTTP_HOST="localhost").content.decode()
    assert '<a href="/tilgjengelighet/">Tilgjengelighetserklæring</a>' in html


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_catalogues_are_complete(language):
    """Every UI string has a translation in every language's catalogue (gettext's own tools
    decide); a language added to settings.LANGUAGES is checked without a new test."""
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert "msgid" in po.read_text()
    found = untranslated(po)
    assert found == "", found[:800]


def test_load_demo_is_realistic_and_idempotent(db):
    call_command("load_demo", verbosity=0)
    counts = (
        Site.objects.count(),
        SurveyPage.objects.count(),
        Response.objects.count(),
        SurveyVersion.objects.count(),
    )
    assert Site.objects.filter(hostname="baerum.localhost").exists()
    assert SurveyPage.objects.filter(locale__language_code="en").count() == 2
    # Nynorsk: Bærum's survey, with the same question keys as the Bokmål original.
    nn_survey = SurveyPage.objects.get(locale__language_code="nn")
    original = nn_survey.get_translation(Locale.objects.get(language_code="nb"))
    assert (nn_survey.slug, original.slug) == ("digitale-tenester", "digitale-tjenester")
    assert _question_keys(nn_survey) == _question_keys(original) != []
    assert "Kva tenester har du brukt sidan 2020?" in str(nn_survey.body.raw_data)
    nynorsk = Locale.objects.get(language_code="nn")
    for home in HomePage.objects.filter(locale__language_code="nb"):
        assert home.get_translation(nynorsk).live  # each library's home page at /nn/
    assert StandardPage.objects.filter(locale__language_code="nn").count() == 4
    assert Response.objects.count() >= 300
    assert SurveyVersion.objects.count() == 5
    # The demo findings report shows every block it asks for (no editor-facing problem).
    from research.models import FindingsReportPage
    from research.reports.services import report_html

    report = FindingsReportPage.objects.get(slug="funn-arrangementer")
    assert report.problems() == []
    html = report_html(report)
    assert 'class="report-error"' not in html and "Lånekort etter kanal" in html
    # An interview round: notes, a codebook, and a quote attributed to a group in the report.
    from research.models import Excerpt, InterviewBooking, InterviewGuidePage

    assert InterviewGuidePage.objects.count() == 1
    assert InterviewBooking.objects.filter(status="attended").count() == 6
    quote = Excerpt.objects.filter(quotable=True).order_by("created_at", "pk").first()
    assert quote.text in html and "Interview, " not in html and "Intervju, Studenter" in html
    call_command("load_demo", verbosity=0)
    assert FindingsReportPage.objects.count() == 1
    assert InterviewGuidePage.objects.count() == 1
    assert (
        Site.objects.count(),
        SurveyPage.objects.count(),
        Response.objects.count(),
        SurveyVersion.objects.count(),
    ) == counts


def _question_keys(survey: SurveyPage) -> list[str]:
    return [
        question["value"]["key"]
        for step in survey.body.raw_data
        for question in step["value"]["questions"]
    ]


def test_starting_django_loads_no_analysis_libraries():
    """Every web process and worker pays for what app loading imports: pandas, numpy and
    matplotlib (≈ 50 MB) load only when an analysis, chart or export needs them."""
    code = (
        "import sys, django; django.setup(); from django.urls import resolve; resolve('/');"
        "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'weasyprint')"
        " if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.test"}
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert loaded.strip() == "[]"


def test_nynorsk_under_nn_prefix(client, library_a):
    Locale.objects.get_or_create(language_code="nn")
    html = client.get("/nn/", HTTP_HOST="localhost").content.decode()
    assert '<html lang="nn">' in html and "Hopp til hovudinnhald" in html


def test_language_switch_offers_every_language_and_marks_the_current(client, library_a):
    """nb / nn / en in settings' order, each link in its own language (lang, hreflang),
    the page's own language marked for screen readers."""
    for code in ("nn", "en"):
        Locale.objects.get_or_create(language_code=code)
    page = StandardPage(title="Personvern", slug="personvern", body="<p>Norsk</p>")
    library_a.add_child(instance=page)
    page.save_revision().publish()
    nn = page.copy_for_translation(Locale.objects.get(language_code="nn"), copy_parents=True)
    nn.title = "Personvern (nynorsk)"
    nn.save_revision().publish()
    html = client.get("/nn/personvern/", HTTP_HOST="localhost").content.decode()
    links = re.findall(r'<ul class="lang"[^>]*>(.*?)</ul>', html)[0]
    assert re.findall(r'lang="(\w+)" hreflang="\1"', links) == ["nb", "nn", "en"]
    assert '<a href="/personvern/" lang="nb" hreflang="nb">Norsk bokmål</a>' in links
    assert 'href="/nn/personvern/" lang="nn" hreflang="nn" aria-current="true"' in links
    assert links.count("aria-current") == 1 and "Personvern (nynorsk)" in html


@pytest.mark.parametrize(
    ("path", "language", "words"),
    [
        ("/de/", "nb", "Fant ikke siden"),
        ("/de/personvern/", "nb", "Fant ikke siden"),
        ("/xx-yy/", "nb", "Fant ikke siden"),
        ("/nn-no/", "nn", "Fann ikkje sida"),  # a regional variant: Nynorsk's own words
    ],
)
def test_an_unknown_language_prefix_is_a_clear_404_in_the_default_language(
    client, library_a, path, language, words
):
    """No such language: the address is not found (never a 500), told in the library's
    default language (nb), whatever the browser asks for."""
    page = StandardPage(title="Personvern", slug="personvern", body="<p>Norsk</p>")
    library_a.add_child(instance=page)
    page.save_revision().publish()
    response = client.get(path, HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}">' in html and words in html


def test_the_home_page_title_names_the_library_once(client, library_a):
    """The home page is titled with the library's name: not "Stavanger – Stavanger"."""
    for path, code in (("/", "nb"), ("/nn/", "nn")):
        Locale.objects.get_or_create(language_code=code)
        html = client.get(path, HTTP_HOST="localhost").content.decode()
        assert re.search(r"<title>(.*?)</title>", html, re.S)[1] == "Stavanger"
