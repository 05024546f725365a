"""The generated accessibility statement (cms.AccessibilityStatementPage) passes axe-core
(WCAG 2.x A/AA) at phone size in both languages, with every status shown."""

from datetime import date

import pytest
from wagtail.models import Locale, Site

from cms.models import LibrarySettings
from tests import factories
from tests.e2e.browsing import PHONE, path_of
from tests.e2e.test_accessibility import AXE, WCAG_TAGS, visit

pytestmark = pytest.mark.e2e

ROWS = [
    {"criterion": "1.1.1", "status": "met", "evidence": "Automatisk test, 2026-12-07: axe"},
    {
        "criterion": "1.4.3",
        "status": "not_met",
        "evidence": "Automatisk test, 2026-12-07: axe-core color-contrast: /",
        "problem": "For svak kontrast på lenker i bunnteksten.",
        "fix_by": date(2027, 2, 1),
    },
    {"criterion": "1.2.1", "status": "not_applicable", "evidence": "Ingen lyd eller video."},
]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_statement_page_has_no_wcag_violations(new_context, site_url, library_a, language):
    statement = factories.accessibility_statement(library_a, rows=ROWS)
    settings = LibrarySettings.for_site(Site.objects.get(root_page=library_a))
    settings.accessibility_page = statement
    settings.save()
    if language == "en":
        factories.translation(library_a, "en")
        statement = factories.translation(statement, "en")
    Site.clear_site_root_paths_cache()
    tab = new_context(**PHONE).new_page()
    visit(tab, site_url + path_of(statement))
    assert tab.locator("html").get_attribute("lang") == language
    assert tab.locator("main h3").count() == 47
    assert Locale.objects.filter(language_code=language).exists()
    results = AXE.run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()
