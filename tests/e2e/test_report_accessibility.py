"""A findings report as its researchers read it on the web (and as the PDF is made from):
no WCAG 2.2 A/AA violation found by axe-core, at desktop and phone size; charts have text
alternatives and every figure is also in a table."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client

from tests.e2e.browsing import PHONE, path_of

pytestmark = pytest.mark.e2e

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_findings_report_page_has_no_wcag_violations(
    new_context, site_url, findings, researcher_a, size
):
    report, _survey, _segment = findings
    client = Client()
    client.force_login(researcher_a)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = new_context(**(PHONE if size == "phone" else {}))
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site_url}])
    tab = context.new_page()
    tab.goto(site_url + path_of(report))
    assert tab.locator("h1").inner_text() == "Funn: unge voksne"
    images = tab.locator("img.chart")
    assert images.count() >= 2
    for i in range(images.count()):
        assert len(images.nth(i).get_attribute("alt") or "") > 10  # the chart's figures
    results = Axe().run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()
