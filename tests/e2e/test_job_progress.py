"""A job's progress in Chromium: with JavaScript the line changes in place (an aria-live
region) from the job's status address, and the page loads again once the job is done;
without JavaScript the page refreshes itself until then."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from research.models import ExportJob
from tests import factories


@pytest.fixture
def running(library_a, settings, tmp_path):
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    survey = factories.survey(library_a, factories.ALL_TYPES, slug="alle")
    factories.responses(survey, 3, seed=3)
    job = ExportJob.objects.create(survey=survey, format="csv")
    ExportJob.objects.filter(pk=job.pk).update(
        status="running", stage="writing", progress=40, started_at=timezone.now()
    )
    return survey, job


def _signed_in(new_context, site_url, user, **options):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = new_context(**options)
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": site_url}]
    )
    return context.new_page()


def test_with_javascript_the_progress_changes_in_place(
    new_context, site_url, researcher_a, running
):
    survey, job = running
    tab = _signed_in(new_context, site_url, researcher_a)
    loads: list[str] = []
    tab.on("load", lambda: loads.append(tab.url))
    tab.goto(site_url + reverse("research_exports", args=[survey.pk]))
    status = tab.locator(f"[data-job-status$='{job.pk}/status.json']")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text("Skriver filen 40\u00a0%")
    expect(tab.locator(".job-refresh")).to_be_hidden()  # the link is for pages without JS
    ExportJob.objects.filter(pk=job.pk).update(progress=70)
    expect(status).to_contain_text("Skriver filen 70\u00a0%")
    expect(status.locator("progress")).to_have_attribute("value", "70")
    assert len(loads) == 1  # changed in place, not by loading the page again
    ExportJob.objects.filter(pk=job.pk).update(status="done", stage="", progress=100)
    expect(tab.locator("#exports")).to_contain_text("Last ned")
    # The new page's text can show before its load event has been reported.
    tab.wait_for_load_state("load")
    for _ in range(100):
        if len(loads) == 2:
            break
        tab.wait_for_timeout(50)
    assert len(loads) == 2  # once done, the page is loaded again with the download


def test_without_javascript_the_page_refreshes_itself(new_context, site_url, researcher_a, running):
    survey, job = running
    tab = _signed_in(new_context, site_url, researcher_a, java_script_enabled=False)
    tab.goto(site_url + reverse("research_exports", args=[survey.pk]))
    expect(tab.locator("#exports")).to_contain_text("Skriver filen 40\u00a0%")
    expect(tab.locator(".job-refresh a")).to_be_visible()
    ExportJob.objects.filter(pk=job.pk).update(progress=70)
    expect(tab.locator("#exports")).to_contain_text("Skriver filen 70\u00a0%", timeout=8_000)


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.mark.parametrize(
    "name",
    ["wagtailadmin_home", "surveys_index", "research_answers", "research_exports", "findings"],
)
def test_the_new_admin_screens_have_no_wcag_violations(
    new_context, site_url, researcher_a, running, name
):
    """axe-core on Innsikt's own parts of the admin screens this work added or changed."""
    from axe_playwright_python.sync_playwright import Axe

    survey, _job = running
    urls = {
        "wagtailadmin_home": reverse("wagtailadmin_home"),
        "surveys_index": reverse("surveys_index"),
        "research_answers": reverse("research_answers", args=[survey.pk]) + "?q=ro",
        "research_exports": reverse("research_exports", args=[survey.pk]),
        "findings": reverse("research_findings"),
    }
    tab = _signed_in(new_context, site_url, researcher_a)
    tab.goto(site_url + urls[name])
    # On the home page, Innsikt's panels: the dashboard's and the two-factor notice
    # (Wagtail's own panels are Wagtail's).
    parts = [["main"]]
    if name == "wagtailadmin_home":
        panels = ("surveys", "campaigns", "downloads", "interviews")
        parts = [[f"#dashboard-{panel}"] for panel in panels] + [["#two-factor-notice"]]
    results = Axe().run(
        tab,
        context={"include": parts},
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}},
    )
    assert results.violations_count == 0, results.generate_report()
