"""axe-core finds no WCAG 2.2 A/AA violation on any public page or survey state, in every
language of settings.LANGUAGES (nb, nn, en), at phone size (where respondents are).

One test per language builds the library's public site once and walks every case (page or
state) on it, each in a browser context of its own: building the site (and its translation)
for each case took longer than the case. Every case runs even when one fails; the failures
are listed together, and each case's axe results are recorded for the accessibility
statement under the case's own name (``…test_no_wcag_violations[nn-saved]``)."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.db import OperationalError
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Locale, Site

from cms.models import LibrarySettings
from tests import factories
from tests.e2e import a11y_results
from tests.e2e.browsing import PHONE, path_of

pytestmark = pytest.mark.e2e

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE = Axe()


def build_public_site(home, *, language: str = django_settings.LANGUAGE_CODE) -> dict:
    """A library as respondents meet it: front page, statements in the footer, an open survey
    with every question type and a closed one; translated into ``language`` when it is not
    the default."""
    privacy = factories.standard_page(
        home,
        "personvern",
        "Personvernerklæring",
        "<p>Vi lagrer ikke navn, IP-adresse eller annet som kan identifisere deg.</p>",
    )
    statement = factories.standard_page(
        home,
        "tilgjengelighet",
        "Tilgjengelighetserklæring",
        "<p>Skjemaene følger WCAG 2.2 nivå AA. "
        '<a href="mailto:post@example.no">Si fra om feil</a>.</p>',
    )
    settings = LibrarySettings.for_site(Site.objects.get(root_page=home))
    settings.library_name = "Stavanger bibliotek"
    settings.privacy_page = privacy
    settings.accessibility_page = statement
    settings.save()
    pages = {
        "privacy": privacy,
        "accessibility": statement,
        "survey": factories.survey(home, factories.ALL_TYPES, slug="alle"),
        "closed": factories.survey(
            home,
            factories.BRANCHING,
            slug="stengt",
            closes_at=timezone.now() - timedelta(days=1),
            closed_text="<p>Takk til alle som svarte.</p>",
        ),
    }
    if language != django_settings.LANGUAGE_CODE:
        pages = {name: factories.translation(page, language) for name, page in pages.items()}
        home = home.get_translation(Locale.objects.get(language_code=language))
    pages["home"] = home
    # A late request of the previous test (Chromium's /favicon.ico) can cache the site root
    # paths while this site is half built; translated pages would then have no URL.
    Site.clear_site_root_paths_cache()
    return {name: path_of(page) for name, page in pages.items()}


def send(tab) -> None:
    with tab.expect_navigation():
        tab.locator(".btns button[type=submit]:not([name])").click()


def answer_wrongly(tab) -> None:
    """Send the all-types page so that every question shows an error: invalid values where
    a value can be invalid, nothing where only an answer is missing."""
    tab.fill("#f-postnummer", "abc")  # pattern
    tab.fill("#f-forslag", "kort")  # min_length
    tab.fill("#f-alder", "200")  # max
    tab.fill("#f-epost", "ikke-en-adresse")  # format
    tab.check("#f-hvorfor-3")  # "Other" without saying what
    tab.check("#f-bruk-0")  # fewer than min_selections
    tab.select_option("#f-viktigst--ro", "1")  # only one item ranked
    send(tab)
    expect(tab.locator(".q--error")).to_have_count(factories.ALL_TYPES_QUESTIONS)


def visit(tab, url: str) -> None:
    response = tab.goto(url)
    assert response is not None and response.ok, url


def database_down(*args, **kwargs):
    raise OperationalError("could not connect to server: Connection refused")


def open_case(tab, url: str, paths: dict, case: str, monkeypatch) -> None:
    """Bring the page into the state the case names (and check that it got there)."""
    survey = url + paths["survey"]
    if case == "unavailable":  # "try again in a moment" (cms.error_views)
        monkeypatch.setattr("surveys.views.survey_runtime_for_page", database_down)
        response = tab.goto(survey)
        assert response is not None and response.status == 503
    elif case == "unavailable-send":  # the same, keeping what was sent
        visit(tab, survey)
        monkeypatch.setattr("surveys.views._rate_limited", database_down)
        with tab.expect_navigation() as sent:
            tab.locator("button[name=wizard_save]").click()
        assert sent.value is not None and sent.value.status == 503
        expect(tab.locator("form input[type=hidden]").first).to_be_attached()
    elif case in ("home", "privacy", "accessibility"):
        visit(tab, url + paths[case])
    elif case == "survey":
        visit(tab, survey)
        expect(tab.locator("#f-postnummer")).to_be_visible()
    elif case == "survey-errors":
        visit(tab, survey)
        answer_wrongly(tab)
    elif case == "saved":
        visit(tab, survey)
        with tab.expect_navigation():
            tab.locator("button[name=wizard_save]").click()
        expect(tab.locator(".code")).to_be_visible()
    elif case == "resume-code":
        visit(tab, survey + "fortsett/")
        expect(tab.locator("#f-code")).to_be_visible()
    elif case == "closed":
        visit(tab, url + paths["closed"])
        expect(tab.locator("main")).to_contain_text("Takk til alle som svarte.")
        expect(tab.locator("form")).to_have_count(0)
    elif case == "thanks":
        visit(tab, survey + "takk/")
        expect(tab.locator("form")).to_have_count(0)
    else:
        raise ValueError(case)


CASES = [
    "home",
    "privacy",
    "accessibility",
    "survey",
    "survey-errors",
    "saved",
    "resume-code",
    "closed",
    "thanks",
    "unavailable",
    "unavailable-send",
]


@pytest.mark.parametrize("language", [code for code, _name in django_settings.LANGUAGES])
def test_no_wcag_violations(new_context, site_url, library_a, language, monkeypatch, request):
    paths = build_public_site(library_a, language=language)
    test = request.node.nodeid.rsplit("[", 1)[0]
    failures = []
    for case in CASES:
        with monkeypatch.context() as patch, a11y_results.check(f"{test}[{language}-{case}]"):
            tab = new_context(**PHONE).new_page()
            try:
                open_case(tab, site_url, paths, case, patch)
                assert tab.locator("html").get_attribute("lang") == language
                results = AXE.run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
                assert results.violations_count == 0, results.generate_report()
            except Exception as error:  # every case runs; all failures are reported below
                failures.append(f"{language}-{case}: {error}")
            finally:
                tab.context.close()
    assert not failures, "\n\n".join(failures)
