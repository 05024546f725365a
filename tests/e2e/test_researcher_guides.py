"""The researcher guides' pictures (docs/guides/), taken while Chromium walks the three
tasks in the real admin, in Bokmål: build a survey, run a campaign, make a report.

Each step asserts what the screen shows, so the walk is a test like the others and runs in
bin/test. The pictures go to pytest's tmp_path, or — with ``INNSIKT_GUIDE_SCREENSHOTS=1`` —
to docs/guides/img/, replacing the guides' pictures (so CI never changes the tree):

    INNSIKT_GUIDE_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_researcher_guides.py

What the guides show being done is done in the browser; what they take as given comes
from the factories: the panel's members, the answers, and (for the campaign and the report)
a published survey and a report with its blocks. Whatever differs from run to run (a key's
random suffix, the time a PDF was made) is covered, so taking the pictures again changes a
file only when the screen changed."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Locator, expect
from playwright.sync_api import Page as Tab
from wagtail.models import Site

from panel.models import Campaign, ConsentText, Segment
from research.models import FindingsReportPage, ReportJob
from research.services import report_run
from surveys.models import SurveyPage
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

GUIDES_IMG = Path(__file__).resolve().parents[2] / "docs" / "guides" / "img"
VIEWPORT = {"width": 1280, "height": 800}

BODY = [
    factories.step(
        "om",
        factories.q("yes_no", "kort", "Har du lånekort?"),
        title="Om deg",
    ),
    factories.step("lan", factories.q("short_text", "hva", "Hva låner du?"), title="Lån"),
    factories.step(
        "slutt", factories.q("long_text", "ros", "Noe mer du vil si?"), title="Til slutt"
    ),
]


@pytest.fixture
def pictures(tmp_path) -> Path:
    """Where the pictures go: docs/guides/img/ when asked for, else the test's own folder."""
    if os.environ.get("INNSIKT_GUIDE_SCREENSHOTS") == "1":
        GUIDES_IMG.mkdir(parents=True, exist_ok=True)
        return GUIDES_IMG
    return tmp_path


def _survey(home) -> SurveyPage:
    """The survey of the guides: three pages of questions, published."""
    survey = factories.survey(home, BODY, slug="lanere")
    survey.title = "Lånerundersøkelsen 2026"
    survey.save_revision().publish()
    return SurveyPage.objects.get(pk=survey.pk)


def _signed_in(new_context, site_url, user) -> Tab:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = new_context(viewport=VIEWPORT)
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": site_url}]
    )
    return context.new_page()


def _shoot(
    tab: Tab,
    folder: Path,
    name: str,
    *,
    at: Locator | None = None,
    mask: list[Locator] | None = None,
) -> None:
    """The viewport as a PNG with ``at`` in the middle of the window; ``mask`` covers what
    changes from run to run (a time, a random key), as does the user's picture in the menu.
    For the guides' own pictures, once the page has settled (requests, fonts, layout), so
    taking them again changes a file only when the screen changed; a test run's pictures
    (in tmp_path) skip that wait (~1 s a picture)."""
    if folder == GUIDES_IMG:
        tab.wait_for_load_state("networkidle")
        tab.evaluate("document.fonts.ready.then(() => true)")
    # No blinking caret or running transitions in a picture.
    tab.add_style_tag(
        content="*{caret-color:transparent!important;transition:none!important;"
        "animation:none!important;scroll-behavior:auto!important}"
    )
    if folder == GUIDES_IMG:
        tab.wait_for_timeout(300)  # the admin's own scripts finish laying out
    if at is not None:
        at.evaluate("e => e.scrollIntoView({block: 'center', inline: 'nearest'})")
    # Scrolling into view may have moved a box sideways: the picture shows it as it opens.
    tab.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollLeft = 0 })")
    tab.screenshot(
        path=folder / name,
        animations="disabled",
        caret="hide",
        mask=[*(mask or []), tab.locator(".avatar, .sidebar-footer img")],
        mask_color="#e6e6e6",
    )


def test_build_a_survey(new_context, site_url, library_a, pictures):
    researcher = factories.researcher("forsker", library_a)
    tab = _signed_in(new_context, site_url, researcher)

    # 1. A new survey under the library's home page: its title, and pages of questions.
    tab.goto(
        site_url + reverse("wagtailadmin_pages:add", args=["surveys", "surveypage", library_a.pk])
    )
    tab.locator("#id_title").fill("Lånerundersøkelsen 2026")
    expect(tab.locator("#id_title")).to_have_value("Lånerundersøkelsen 2026")
    _shoot(tab, pictures, "survey-1-new.png")

    # 2. Three pages with the list's "+", their headings, then each page's question,
    # chosen by kind from the list its own "+" opens.
    body = tab.locator("[data-contentpath=body]").first
    for _page in range(3):
        body.locator(".c-sf-add-button").first.click()
    headings = body.locator("[data-contentpath=title] input")
    expect(headings).to_have_count(3)
    for index, heading in enumerate(("Om deg", "Lån", "Til slutt")):
        headings.nth(index).fill(heading)
    pages = body.locator("[data-contentpath=questions]")
    # From the last page up: a page's own "+" keeps its place while earlier pages are empty.
    for index, kind, text in (
        (2, "Lang tekst", "Noe mer du vil si?"),
        (1, "Kort tekst", "Hva låner du?"),
        (0, "Ja/nei", "Har du lånekort?"),
    ):
        pages.nth(index).locator(".c-sf-add-button").first.click()
        kinds = tab.get_by_role("option", name=kind, exact=True)
        expect(kinds).to_be_visible()
        if index == 0:
            _shoot(tab, pictures, "survey-2-question-types.png")
        kinds.click()
        label = pages.nth(index).locator("[data-contentpath=label]").locator("input, textarea")
        label.first.fill(text)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Lagre kladd").click()  # (Save draft)
    survey = SurveyPage.objects.get(title="Lånerundersøkelsen 2026")
    steps = survey.get_latest_revision_as_object().body.get_prep_value()
    assert [step["value"]["title"] for step in steps] == ["Om deg", "Lån", "Til slutt"]
    questions = [step["value"]["questions"][0] for step in steps]
    assert [q["type"] for q in questions] == ["yes_no", "short_text", "long_text"]
    assert [q["value"]["label"] for q in questions] == [
        "Har du lånekort?",
        "Hva låner du?",
        "Noe mer du vil si?",
    ]
    card = questions[0]["value"]["key"]  # made on the first save, from the text
    assert card.startswith("har-du-lanekort-")
    label = tab.locator("#body-0-value-questions-0-value-label")
    expect(label).to_have_value("Har du lånekort?")
    key = tab.locator("#body-0-value-questions-0-value-key")
    expect(key).to_have_value(card)
    _shoot(tab, pictures, "survey-3-questions.png", at=label, mask=[key])

    # 4. A condition on page 2, picked from lists: "show only to those without a card".
    condition = tab.locator("#block_group-body-1-value-show_if-section")
    condition.locator("button.w-panel__toggle").click()
    condition.locator("[data-contentpath=rules] button[data-streamfield-list-add]").click()
    question = tab.locator("select[name='body-1-value-show_if-rules-0-value-question']")
    question.select_option(card)
    no = tab.locator(f"input[name='body-1-value-show_if-rules-0-value-options'][value='{card}:no']")
    no.check()
    expect(no).to_be_checked()
    _shoot(tab, pictures, "survey-4-condition.png", at=question)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Lagre kladd").click()  # (Save draft)
    expect(tab.locator("#logic-in-words")).to_contain_text("Vises hvis «Har du lånekort?» er «Nei»")

    # 5. The flow page: the survey's paths as a picture and in words.
    tab.goto(site_url + reverse("surveys_flow", args=[survey.pk]))
    expect(tab.locator("svg#flow-diagram")).to_be_visible()
    expect(tab.locator("#paths > li")).to_have_count(2)
    _shoot(tab, pictures, "survey-5-flow.png")

    # 6. Preview from page 2 as someone who answered "Nei" on page 1.
    tab.select_option("#id_start", "1")
    tab.select_option(f"#id_answer-{card}", "no")
    with tab.expect_navigation():
        tab.locator("#flow-preview button[type=submit]").click()
    expect(tab.locator("body")).to_contain_text("Hva låner du?")
    _shoot(tab, pictures, "survey-6-preview.png")

    # 7. Publish: the editor's "Publiser" under the arrow beside "Lagre kladd".
    tab.goto(site_url + reverse("wagtailadmin_pages:edit", args=[survey.pk]))
    tab.locator("footer .w-dropdown__toggle").first.click()
    publish = tab.locator("button[name=action-publish]")
    expect(publish).to_be_visible()
    _shoot(tab, pictures, "survey-7-publish.png")
    with tab.expect_navigation():
        publish.click()
    live = SurveyPage.objects.get(pk=survey.pk)
    assert not live.has_unpublished_changes
    assert live.get_latest_revision_as_object().body.get_prep_value()[1]["value"]["show_if"][
        "rules"
    ]

    # 8. Answers come in: counted in the results index, read one by one.
    factories.responses(live, 12, seed=7)
    tab.goto(site_url + reverse("surveys_index"))
    row = tab.locator("main tr", has_text="Lånerundersøkelsen 2026")
    expect(row).to_contain_text("12")
    tab.goto(site_url + reverse("research_answers", args=[survey.pk]))
    expect(tab.locator("main")).to_contain_text("12")
    _shoot(tab, pictures, "survey-8-answers.png")


def test_run_a_campaign(new_context, site_url, library_a, pictures):
    site = Site.objects.get(root_page=library_a)
    researcher = factories.researcher("forsker", library_a)
    text_nb, text_en = factories.CONSENT_TEXTS["panel"]
    consent = ConsentText.objects.create(
        library=site, purpose="panel", text_nb=text_nb, text_en=text_en
    )
    factories.panel_members(site, 8, text=consent)
    survey = _survey(library_a)
    tab = _signed_in(new_context, site_url, researcher)

    # 1. A segment: a name, and no rules (every active member of the library).
    tab.goto(site_url + reverse("wagtailsnippets_panel_segment:add"))
    tab.locator("#id_name").fill("Hele panelet")
    _shoot(tab, pictures, "campaign-1-segment.png")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Lagre", exact=True).click()
    segment = Segment.objects.get(name="Hele panelet")
    assert segment.library == site

    # 2. A campaign: the survey, the segment, when to start.
    tab.goto(site_url + reverse("wagtailsnippets_panel_campaign:add"))
    expect(tab.locator("main")).to_contain_text("Kampanje")
    tab.locator("#id_name").fill("Vårens lånerundersøkelse")
    # The survey from the page chooser: the library's pages, the survey by its title.
    tab.locator("[data-field-input]:has(#id_survey) button:visible").first.click()
    tab.locator(".modal a", has_text="Lånerundersøkelsen 2026").first.click()
    expect(tab.locator("#id_survey")).to_have_value(str(survey.pk))
    tab.locator("[data-field-input]:has(#id_segment) button:visible").first.click()
    tab.locator(".modal a", has_text="Hele panelet").first.click()
    expect(tab.locator("#id_segment")).to_have_value(str(segment.pk))
    tab.locator("#id_starts_at").fill("2026-04-01 09:00")
    # Clicking into the greeting closes the date picker, as it does for a person.
    tab.locator("#id_greeting").click()
    tab.keyboard.type("Hei! Vi vil gjerne høre hva du mener om biblioteket.")
    expect(tab.locator(".xdsoft_datetimepicker:visible")).to_have_count(0)
    tab.evaluate("document.activeElement.blur()")
    _shoot(tab, pictures, "campaign-2-new.png", at=tab.locator("#id_name"))
    with tab.expect_navigation():
        tab.get_by_role("button", name="Lagre", exact=True).click()
    campaign = Campaign.objects.get(name="Vårens lånerundersøkelse")
    assert campaign.status == Campaign.Status.DRAFT

    # 3. The campaign's page: launch, then its progress.
    tab.goto(site_url + reverse("panel_campaign", args=[campaign.pk]))
    with tab.expect_navigation():
        tab.locator("form:has(input[name=launch]) button[type=submit]").click()
    expect(tab.locator("#invited")).to_have_text("8")
    _shoot(tab, pictures, "campaign-3-progress.png")


def test_make_a_report(
    new_context, site_url, library_a, researcher_a, findings, pictures, settings, tmp_path
):
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    report, _survey, _segment = findings
    tab = _signed_in(new_context, site_url, researcher_a)

    # 1. A chart block: the survey, and its question picked from a list by its text.
    tab.goto(site_url + reverse("wagtailadmin_pages:edit", args=[report.pk]))
    question = tab.locator("select[name='body-3-value-question']")
    question.select_option("kort")
    expect(question).to_have_value("kort")
    _shoot(tab, pictures, "report-1-chart.png", at=question)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Lagre kladd").click()
    saved = FindingsReportPage.objects.get(pk=report.pk).get_latest_revision_as_object()
    saved = saved.body.get_prep_value()
    assert saved[3]["value"]["question"] == "kort"

    # 2. Generate the PDF: the job's stage and percent while it runs.
    tab.goto(site_url + reverse("research_reports", args=[report.pk]))
    with tab.expect_navigation():
        tab.locator("main form button[type=submit]").first.click()
    job = ReportJob.objects.get(report=report)
    assert job.status == "queued"
    # The picture shows a job mid-way, as a worker leaves its row while it renders (no
    # worker runs here: its progress is written to the row as job_run writes it).
    ReportJob.objects.filter(pk=job.pk).update(status="running", stage="rendering", progress=40)
    tab.reload()
    expect(tab.locator("#report-pdfs")).to_contain_text("Lager PDF 40\u00a0%")
    made = tab.locator("#report-pdfs tbody td:first-child")
    _shoot(tab, pictures, "report-2-progress.png", mask=[made])

    # 3. The worker's work (run here, as the worker runs it), then the download.
    ReportJob.objects.filter(pk=job.pk).update(status="queued", stage="", progress=0)
    assert report_run(job_id=job.pk) == "done"
    tab.goto(site_url + reverse("research_reports", args=[report.pk]))
    expect(tab.locator("#report-pdfs a.button")).to_be_visible()
    _shoot(tab, pictures, "report-3-download.png", mask=[made])
    href = tab.locator("#report-pdfs a.button").get_attribute("href")
    download = tab.request.get(site_url + (href or ""))
    assert download.ok
    assert download.body().startswith(b"%PDF")
