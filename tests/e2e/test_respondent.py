"""A respondent answers the branching survey in a real browser: keyboard only on a phone,
without JavaScript, in Nynorsk by way of the language switch, and across two browsers with
"save and continue later"."""

import re

import pytest
from playwright.sync_api import expect
from wagtail.models import Site

from surveys.models import Response, ResumeDraft
from tests import factories
from tests.e2e.browsing import PHONE, path_of, tab_to

pytestmark = pytest.mark.e2e

NEXT = ".btns button[type=submit]:not([name])"  # the default button: Neste / Send svar


@pytest.fixture
def branching(library_a):
    return factories.survey(library_a, factories.BRANCHING, slug="branching")


def press_enter_and_wait(tab) -> None:
    with tab.expect_navigation():
        tab.keyboard.press("Enter")


def answer_branching_by_keyboard(tab, url: str, thanks: str = "Takk for svarene dine") -> None:
    """Tab/Shift+Tab between fields, Space and arrow keys to choose, Enter to send."""
    tab.goto(url)
    expect(tab.locator(".progress")).to_have_text("Side 1 av 2")

    # Sending the first page empty: the GOV.UK error summary takes focus, the title says so.
    tab_to(tab, NEXT)
    press_enter_and_wait(tab)
    assert tab.title().startswith("Feil:")
    summary = tab.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_count(2)
    expect(tab.locator(".progress")).to_have_text("Side 1 av 2")

    # The summary's first link moves focus to the first radio of the question it names.
    tab.keyboard.press("Tab")
    expect(tab.locator('.error-summary a[href="#f-card-0"]')).to_be_focused()
    tab.keyboard.press("Enter")
    expect(tab.locator("#f-card-0")).to_be_focused()
    tab.keyboard.press("Space")  # Ja

    # Sent again with one answer still missing (and #f-card-0 in the address): the summary
    # takes focus again and names only what is left.
    tab_to(tab, NEXT)
    press_enter_and_wait(tab)
    assert tab.title().startswith("Feil:")
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_count(1)
    expect(tab.locator("#f-card-0")).to_be_checked()
    tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")
    expect(tab.locator("#f-why-0")).to_be_focused()
    tab.keyboard.press("Space")  # author …
    tab.keyboard.press("ArrowDown")  # … topic …
    tab.keyboard.press("ArrowDown")  # … friends
    tab_to(tab, NEXT)
    press_enter_and_wait(tab)

    # card = yes: the loans page is shown, and the survey now has three pages.
    expect(tab.locator(".progress")).to_have_text("Side 2 av 3")
    expect(tab.locator("h1")).to_have_text("Loans")
    assert not tab.title().startswith("Feil:")
    tab_to(tab, "#f-loans-0")
    tab.keyboard.press("ArrowDown")  # few
    tab.keyboard.press("Tab")
    expect(tab.locator("#f-uses-0")).to_be_focused()
    tab.keyboard.press("Space")  # books
    tab.keyboard.press("Tab")
    tab.keyboard.press("Tab")
    expect(tab.locator("#f-uses-2")).to_be_focused()
    tab.keyboard.press("Space")  # study …
    tab.keyboard.press("Shift+Tab")
    expect(tab.locator("#f-uses-1")).to_be_focused()
    tab.keyboard.press("Space")  # wifi
    tab.keyboard.press("Tab")
    tab.keyboard.press("Space")  # … and study off again
    tab_to(tab, NEXT)
    press_enter_and_wait(tab)

    expect(tab.locator(".progress")).to_have_text("Side 3 av 3")
    expect(tab.locator("legend").first).to_contain_text("How satisfied are you after Friends?")
    tab_to(tab, "#f-satisfied-0")
    tab.keyboard.press("Space")  # 1 …
    for _ in range(3):
        tab.keyboard.press("ArrowRight")  # … 4
    tab.keyboard.press("Tab")
    expect(tab.locator("#f-comment")).to_be_focused()
    tab.keyboard.type("Fint med wifi")
    tab_to(tab, NEXT)
    assert tab.locator(NEXT).inner_text() == "Send svar"
    press_enter_and_wait(tab)

    assert tab.url.endswith("/takk/")  # no stale #fragment carried from an error link
    expect(tab.locator("h1")).to_have_text(thanks)


EXPECTED = {
    "card": "yes",
    "why": "friends",
    "loans": "few",
    "uses": ["books", "wifi"],
    "satisfied": 4,
    "comment": "Fint med wifi",
}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_keyboard_only_on_a_phone_through_the_branch(new_context, site_url, branching, javascript):
    tab = new_context(**PHONE, java_script_enabled=javascript).new_page()
    answer_branching_by_keyboard(tab, site_url + path_of(branching))
    response = Response.objects.get(survey=branching)
    assert response.answers == EXPECTED
    assert response.language == "nb"


def test_a_survey_answered_in_nynorsk_by_way_of_the_language_switch(
    new_context, site_url, branching
):
    """The switch offers nb / nn / en with the current language marked; Nynorsk leads to the
    survey's nn translation, answered with the keyboard in nn words; the answer is the nn
    page's, in nn, with the same keys."""
    nynorsk = factories.translation(branching, "nn")
    Site.clear_site_root_paths_cache()
    tab = new_context(**PHONE).new_page()
    tab.goto(site_url + path_of(branching))
    switch = tab.locator("ul.lang a")
    expect(switch).to_have_count(3)
    assert [switch.nth(i).get_attribute("hreflang") for i in range(3)] == ["nb", "nn", "en"]
    expect(tab.locator("ul.lang a[aria-current=true]")).to_have_attribute("lang", "nb")
    with tab.expect_navigation():
        tab.locator("ul.lang a[lang=nn]").click()
    assert tab.url == site_url + path_of(nynorsk)
    expect(tab.locator("html")).to_have_attribute("lang", "nn")
    expect(tab.locator("ul.lang a[aria-current=true]")).to_have_attribute("lang", "nn")
    expect(tab.get_by_role("button", name="Lagre og hald fram seinare")).to_be_visible()
    answer_branching_by_keyboard(tab, tab.url, thanks="Takk for svara dine")
    response = Response.objects.get()
    assert response.answers == EXPECTED
    assert (response.language, response.survey_id) == ("nn", nynorsk.pk)


def test_save_and_continue_later_in_another_browser(new_context, site_url, branching):
    first = new_context().new_page()
    first.goto(site_url + path_of(branching))
    first.check("#f-card-0")
    first.check("#f-why-1")
    with first.expect_navigation():
        first.get_by_role("button", name="Lagre og fortsett senere").click()
    expect(first.locator("h1")).to_have_text("Svarene dine er lagret")
    link = first.locator("main a", has_text="/fortsett/")
    resume_url = link.get_attribute("href")
    assert resume_url == link.inner_text()
    assert re.fullmatch(rf"{re.escape(site_url)}/branching/fortsett/[\w-]{{20,}}/", resume_url)
    assert first.locator(".code").inner_text() in resume_url

    # Another browser (no shared cookies or session): the link asks before it restores.
    second = new_context().new_page()
    second.goto(resume_url)
    expect(second.locator("h1")).to_have_text("Fortsett der du slapp")
    with second.expect_navigation():
        second.get_by_role("button", name="Fortsett").click()
    assert second.url == site_url + path_of(branching)
    # Back on the saved page; its kept answer (card = yes) already counts the loans page.
    expect(second.locator(".progress")).to_have_text("Side 1 av 3")
    expect(second.locator("#f-card-0")).to_be_checked()
    expect(second.locator("#f-why-1")).to_be_checked()
    assert ResumeDraft.objects.count() == 0  # a draft is used once

    with second.expect_navigation():
        second.locator(NEXT).click()
    expect(second.locator(".progress")).to_have_text("Side 2 av 3")
    second.check("#f-loans-2")
    with second.expect_navigation():
        second.locator(NEXT).click()
    second.check("#f-satisfied-4")
    with second.expect_navigation():
        second.locator(NEXT).click()
    assert second.url.endswith("/branching/takk/")

    response = Response.objects.get()
    assert response.answers == {"card": "yes", "why": "topic", "loans": "many", "satisfied": 5}
