"""Issue 17 in the browser: a researcher builds a branching condition in the Wagtail editor
with the keyboard, picking the question and its option from lists (no key typed), pipes an
earlier answer into a later question from a list, saves, and reads the rule as a sentence
and the flow's paths as text."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from surveys.models import SurveyPage
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

BODY = [
    factories.step("om", factories.q("yes_no", "kort", "Har du lånekort?"), title="Om deg"),
    factories.step("lan", factories.q("short_text", "hva", "Hva låner du?"), title="Lån"),
    factories.step("slutt", factories.q("short_text", "ros", "Noe mer?"), title="Til slutt"),
]


def _signed_in(new_context, site_url, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = new_context()
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": site_url}]
    )
    return context.new_page()


def test_a_branching_condition_built_with_the_keyboard(new_context, site_url, library_a):
    survey = factories.survey(library_a, BODY, slug="kort")
    researcher = factories.researcher("forsker", library_a)
    tab = _signed_in(new_context, site_url, researcher)
    tab.goto(site_url + reverse("wagtailadmin_pages:edit", args=[survey.pk]))
    tab.wait_for_load_state("networkidle")
    condition = tab.locator("#block_group-body-1-value-show_if-section")

    # Page 2's "Show this page only if": open it and add a rule, with the keyboard.
    condition.locator("button.w-panel__toggle").focus()
    tab.keyboard.press("Enter")
    condition.locator("[data-contentpath=rules] button[data-streamfield-list-add]").focus()
    tab.keyboard.press("Enter")
    question = tab.locator("select[name='body-1-value-show_if-rules-0-value-question']")
    expect(question).to_be_visible()
    # A real <select> with a label, offering page 1's question by its text — and not the
    # questions of this page or later ones.
    label = tab.locator("label[for='body-1-value-show_if-rules-0-value-question']")
    expect(label).to_contain_text("Spørsmål")
    question.focus()
    later = question.locator("option[value='hva']")
    expect(later).to_be_disabled()
    tab.keyboard.type("Har")
    expect(question).to_have_value("kort")
    # The options of the chosen question only; tick "Nei" with the space bar.
    no = tab.locator("input[name='body-1-value-show_if-rules-0-value-options'][value='kort:no']")
    expect(no).to_be_visible()
    no.focus()
    tab.keyboard.press("Space")
    expect(no).to_be_checked()

    # Piping without typing the key: page 3's question shows the answer from page 1.
    pipe = tab.locator("#body-2-value-questions-0-value-label-pipe")
    expect(pipe).to_have_attribute("aria-label", "Vis et tidligere svar i spørsmålet")
    expect(pipe.locator("option")).to_have_count(3)  # the prompt and pages 1-2's questions
    label = tab.locator("#body-2-value-questions-0-value-label")
    label.focus()
    tab.keyboard.press("End")
    tab.keyboard.type(" Du svarte ")
    pipe.focus()
    tab.keyboard.type("Side 1")
    tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")
    expect(label).to_have_value("Noe mer? Du svarte {kort}")

    tab.locator("button.action-save").focus()  # "Save draft"
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    saved = SurveyPage.objects.get(pk=survey.pk).get_latest_revision_as_object()
    rule = saved.body.get_prep_value()[1]["value"]["show_if"]["rules"][0]["value"]
    assert rule["question"] == "kort" and rule["options"] == ["kort:no"]
    piped = saved.body.get_prep_value()[2]["value"]["questions"][0]["value"]["label"]
    assert piped == "Noe mer? Du svarte {kort}"

    # The rule as a sentence in the editor, in the researcher's language.
    expect(tab.locator("#logic-in-words")).to_contain_text("Vises hvis «Har du lånekort?» er «Nei»")

    # The flow page: the diagram has a text equivalent listing every path.
    tab.goto(site_url + reverse("surveys_flow", args=[survey.pk]))
    expect(tab.locator("svg#flow-diagram[role=img] title")).to_have_count(1)
    expect(tab.locator("#rules")).to_contain_text("Vises hvis «Har du lånekort?» er «Nei»")
    paths = tab.locator("#paths > li")
    expect(paths).to_have_count(2)
    expect(tab.locator("#paths")).to_contain_text("Sidene 1, 2, 3, så slutten.")
    expect(tab.locator("#paths")).to_contain_text("Sidene 1, 3, så slutten.")
    # The flow page's own content (diagram, paths, preview form) has no WCAG violation.
    results = Axe().run(
        tab,
        context={"include": [[".innsikt-flow"]]},
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}},
    )
    assert results.violations_count == 0, results.generate_report()

    # Preview from page 3 with "Nei" on page 1: the page a respondent would see, piped.
    tab.select_option("#id_start", "2")
    tab.select_option("#id_answer-kort", "no")
    tab.locator("#flow-preview button[type=submit]").focus()
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    expect(tab.locator("body")).to_contain_text("Noe mer? Du svarte Nei")
    expect(tab.locator("button[type=submit]")).to_have_count(0)
