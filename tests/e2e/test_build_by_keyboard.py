"""Issue 17's walk from end to end, by keyboard only: a researcher signs in to the Wagtail
admin, makes a new survey under the library's home page and builds its branching with the
pickers (question, operator, option, page: chosen from lists, no key typed), saves and
publishes it; the survey is translated to Nynorsk (same keys); respondents answer the
Nynorsk version at /nn/… with the keyboard, taking the branch and the skip to the end.

No mouse: Tab and Shift+Tab move, Enter and Space press, arrow keys and typing choose, the
way a keyboard or screen-reader user works. The one ``focus()`` puts the cursor in the
sign-in form's first field; every later step starts from wherever the keys left it (or,
after a page loads, from the top of the page)."""

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page as Tab
from playwright.sync_api import expect
from wagtail.models import Site

from surveys.models import Response, SurveyPage
from surveys.selectors import survey_live_version
from tests import factories
from tests.e2e.browsing import PHONE, focused, path_of, tab_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORT = {"width": 1280, "height": 900}
# The editor is a long form: from the top of the page a field can be 200 presses away.
FAR = 300
BODY_ADD = "#body-root > div > div > .c-sf-add-button"  # the "+" between pages
NEXT = ".btns button[type=submit]:not([name])"  # the default button: Neste / Send svar
BACK = ".btns button[name=wizard_goto_step]"

# The survey's texts in Bokmål (typed in the editor) and Nynorsk (its translation).
NYNORSK = {
    "Om besøket": "Om besøket",
    "Hva kom du for?": "Kva kom du for?",
    "Lån": "Lån",
    "Arrangement": "Eit arrangement",
    "Lesesalen": "Lesesalen",
    "Arrangementet": "Arrangementet",
    "Hvilket arrangement var du på?": "Kva for eit arrangement var du på?",
    "Noe mer du vil si?": "Noko meir du vil seie?",
}


def _send(tab: Tab, key: str = "Enter") -> None:
    """Press a key that sends a form, and wait for the page that answers."""
    with tab.expect_navigation():
        tab.keyboard.press(key)


def _shift_tab_to(tab: Tab, selector: str, *, limit: int = 40) -> None:
    """Press Shift+Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        if focused(tab, selector):
            return
        tab.keyboard.press("Shift+Tab")
    raise AssertionError(f"{selector} not reached in {limit} presses of Shift+Tab")


def _type(tab: Tab, selector: str, text: str) -> None:
    """Type into the focused field, which must be ``selector``; it then holds the text."""
    field = tab.locator(selector)
    expect(field).to_be_focused()
    tab.keyboard.type(text)
    expect(field).to_have_value(text)


def _add_question(tab: Tab, step: int, index: int, kind: str, text: str) -> None:
    """Add a question of ``kind`` at the end of page ``step``: Enter on the next "+" of a
    questions list, Tab into the block chooser's search field (it follows the "+"), type
    the kind, Enter. The new question's text field takes the focus; its text is typed."""
    tab_to(tab, "[data-contentpath=questions] .c-sf-add-button", limit=FAR)
    tab.keyboard.press("Enter")
    search = tab.get_by_role("combobox")
    expect(search).to_be_visible()
    tab.keyboard.press("Tab")
    expect(search).to_be_focused()
    tab.keyboard.type(kind)
    tab.keyboard.press("Enter")
    _type(tab, f"#body-{step}-value-questions-{index}-value-label", text)


def _add_rule(tab: Tab, section: str, prefix: str, operator: str, option: str) -> None:
    """Open a collapsed condition (``section``), add a rule and build it from the lists:
    the question by typing the start of its text, the operator by typing its name, the
    option by Tab to its checkbox and Space. Earlier pages' questions only are offered."""
    tab_to(tab, f"{section} button.w-panel__toggle", limit=FAR)
    tab.keyboard.press("Enter")
    tab_to(tab, f"{section} [data-contentpath=rules] button[data-streamfield-list-add]")
    tab.keyboard.press("Enter")
    question = tab.locator(f"{prefix}question")
    expect(question).to_be_focused()
    # A list of the survey's questions by their text; the choice question is offered, the
    # questions of page 2 are not (a rule looks back).
    expect(question.locator("option:not([disabled])")).to_have_text(
        ["Velg et spørsmål", "Hva kom du for?"]
    )
    tab.keyboard.type("Hva")
    tab.keyboard.press("Tab")
    expect(tab.locator(f"{prefix}operator")).to_be_focused()
    tab.keyboard.type(operator)
    tab.keyboard.press("Tab")
    # The options of the chosen question only, as checkboxes named by their labels.
    name = f"{prefix[1:]}options"
    expect(tab.locator(f"input[name='{name}']:visible")).to_have_count(3)
    box = tab.locator(f"label:visible:has(input[name='{name}'])", has_text=option).locator("input")
    tab_to(tab, f"#{box.get_attribute('id')}", limit=4)
    tab.keyboard.press("Space")
    expect(box).to_be_checked()


def _sign_in(tab: Tab, site_url: str) -> None:
    tab.goto(site_url + reverse("wagtailadmin_login"))
    tab.locator("#id_username").focus()  # the walk's one focus(); keys from here on
    tab.keyboard.type("forsker")
    tab.keyboard.press("Tab")
    tab.keyboard.type("pw-forsker")
    _send(tab)
    assert tab.url == site_url + reverse("wagtailadmin_home")


def _saved_body(title: str) -> list[dict[str, Any]]:
    page = SurveyPage.objects.get(title=title)
    return page.get_latest_revision_as_object().body.get_prep_value()


def _nynorsk(node: Any) -> None:
    """Every heading and label of a raw body in Nynorsk, in place (keys untouched)."""
    if isinstance(node, dict):
        for field in ("title", "label"):
            if node.get(field) in NYNORSK:
                node[field] = NYNORSK[node[field]]
        for value in node.values():
            _nynorsk(value)
    elif isinstance(node, list):
        for value in node:
            _nynorsk(value)


def _keys(node: Any) -> list[str]:
    """Every key of a raw body (pages, questions, options), in order."""
    if isinstance(node, dict):
        own = [str(node["key"])] if "key" in node else []
        return own + [k for v in node.values() for k in _keys(v)]
    if isinstance(node, list):
        return [k for v in node for k in _keys(v)]
    return []


def test_build_publish_translate_and_answer_by_keyboard(new_context, site_url, library_a):
    factories.researcher("forsker", library_a)
    tab = new_context(viewport=VIEWPORT).new_page()
    _sign_in(tab, site_url)

    # 1. A new survey under the library's home page, from the page types it takes.
    tab.goto(site_url + reverse("wagtailadmin_pages:add_subpage", args=[library_a.pk]))
    tab_to(tab, "main a[href*='/add/surveys/surveypage/']")
    _send(tab)
    tab_to(tab, "#id_title")
    _type(tab, "#id_title", "Besøket ditt")

    # 2. Page 1: a heading and a single-choice question with three options. A new block's
    # first field takes the focus, so each "+" is followed by typing.
    tab_to(tab, BODY_ADD, limit=FAR)
    tab.keyboard.press("Enter")
    _type(tab, "#body-0-value-title", "Om besøket")
    _add_question(tab, 0, 0, "Enkeltvalg", "Hva kom du for?")
    options = "#body-0-value-questions-0-value-options"
    tab_to(tab, f"{options}-0-value-label")
    _type(tab, f"{options}-0-value-label", "Lån")
    for index, label in ((1, "Arrangement"), (2, "Lesesalen")):
        # The options list's "+" after the last option adds one below it.
        tab_to(tab, "[data-contentpath=options] button[data-streamfield-list-add]")
        tab.keyboard.press("Enter")
        _type(tab, f"{options}-{index}-value-label", label)

    # 3. Page 2: a question to show only after "Arrangement", and one for everybody
    # (not required: Space unticks "Required").
    tab_to(tab, BODY_ADD, limit=FAR)
    tab.keyboard.press("Enter")
    _type(tab, "#body-1-value-title", "Arrangementet")
    _add_question(tab, 1, 0, "Kort tekst", "Hvilket arrangement var du på?")
    _add_question(tab, 1, 1, "Lang tekst", "Noe mer du vil si?")
    tab_to(tab, "#body-1-value-questions-1-value-required")
    tab.keyboard.press("Space")
    expect(tab.locator("#body-1-value-questions-1-value-required")).not_to_be_checked()

    # 4. Save a draft: the questions get their keys, and the pickers can offer them.
    tab_to(tab, "button.action-save", limit=FAR)
    _send(tab)
    steps = _saved_body("Besøket ditt")
    assert [step["value"]["title"] for step in steps] == ["Om besøket", "Arrangementet"]
    choice = steps[0]["value"]["questions"][0]
    assert choice["type"] == "single_choice"
    assert [o["value"]["label"] for o in choice["value"]["options"]] == [
        "Lån",
        "Arrangement",
        "Lesesalen",
    ]
    assert [q["type"] for q in steps[1]["value"]["questions"]] == ["short_text", "long_text"]
    assert steps[1]["value"]["questions"][1]["value"]["required"] is False
    why = choice["value"]["key"]
    _loan, event, reading = (o["value"]["key"] for o in choice["value"]["options"])
    which, more = (q["value"]["key"] for q in steps[1]["value"]["questions"])
    expect(tab.locator("#logic-in-words")).to_contain_text("Ingen betingelser eller hopperegler")

    # 5. A skip rule on page 1, "Lesesalen" ends the survey: the rule's question, operator
    # and option from the lists, then the target from the page picker by typing its name.
    tab_to(tab, "[data-contentpath=skip_rules] button[data-streamfield-list-add]", limit=FAR)
    tab.keyboard.press("Enter")
    _add_rule(
        tab,
        "#block_group-body-0-value-skip_rules-0-value-when-section",
        "#body-0-value-skip_rules-0-value-when-rules-0-value-",
        "er lik",
        "Lesesalen",
    )
    target = tab.locator("#body-0-value-skip_rules-0-value-target")
    tab_to(tab, "#body-0-value-skip_rules-0-value-target")
    # Later pages and the end; not page 1 itself.
    expect(target.locator("option:not([disabled])")).to_have_text(
        ["Velg en side", "Side 2: Arrangementet", "Slutten av undersøkelsen"]
    )
    tab.keyboard.type("Slutten")
    expect(target).to_have_value("end")

    # 6. Page 2's first question shows only after "Arrangement" ("is any of", one option).
    _add_rule(
        tab,
        "#block_group-body-1-value-questions-0-value-show_if-section",
        "#body-1-value-questions-0-value-show_if-rules-0-value-",
        "er en av",
        "Arrangement",
    )
    # The editor with its pickers open has no WCAG violation of Innsikt's making (Wagtail's
    # own rich-text fields have no accessible name: left out).
    results = Axe().run(
        tab,
        context={"exclude": [[".public-DraftEditor-content"]]},
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}},
    )
    assert results.violations_count == 0, results.generate_report()
    tab_to(tab, "button.action-save", limit=FAR)
    _send(tab)

    # What was stored is keys, and the editor says the rules in words.
    steps = _saved_body("Besøket ditt")
    skip = steps[0]["value"]["skip_rules"][0]["value"]
    assert skip["target"] == "end"
    assert skip["when"]["rules"][0]["value"] == {
        "question": why,
        "operator": "equals",
        "options": [f"{why}:{reading}"],
        "value": "",
    }
    shown_if = steps[1]["value"]["questions"][0]["value"]["show_if"]["rules"][0]["value"]
    assert (shown_if["question"], shown_if["operator"], shown_if["options"]) == (
        why,
        "any_of",
        [f"{why}:{event}"],
    )
    words = tab.locator("#logic-in-words")
    expect(words).to_contain_text(
        "Etter denne siden: Avslutter undersøkelsen hvis «Hva kom du for?» er «Lesesalen»"
    )
    expect(words).to_contain_text(
        "«Hvilket arrangement var du på?»: Vises hvis «Hva kom du for?» er «Arrangement»"
    )

    # 7. Publish: the arrow beside "Lagre kladd" opens the menu, "Publiser" is above.
    tab_to(tab, "footer .w-dropdown__toggle", limit=FAR)
    tab.keyboard.press("Enter")
    publish = tab.locator("button[name=action-publish]")
    expect(publish).to_be_visible()
    tab.keyboard.press("Tab")
    expect(publish).to_be_focused()
    _send(tab)
    survey = SurveyPage.objects.get(title="Besøket ditt")
    assert survey.live and not survey.has_unpublished_changes
    assert survey.get_parent().specific == library_a
    schema = survey_live_version(survey).schema
    assert [q["key"] for step in schema["steps"] for q in step["questions"]] == [
        why,
        which,
        more,
    ]

    # 8. The Nynorsk translation: the texts in Nynorsk, every key as it was.
    nynorsk = factories.translation(survey, "nn")
    body = nynorsk.body.get_prep_value()
    _nynorsk(body)
    nynorsk.body = body
    nynorsk.thank_you_text = "<p>Svara dine hjelper biblioteket å bli betre.</p>"
    nynorsk.save_revision().publish()
    nynorsk = SurveyPage.objects.get(pk=nynorsk.pk)
    assert _keys(nynorsk.body.get_prep_value()) == _keys(survey.body.get_prep_value())
    Site.clear_site_root_paths_cache()
    url = site_url + path_of(nynorsk)
    assert path_of(nynorsk).startswith("/nn/")

    # 9. A respondent in Nynorsk on a phone: "Lån" first, and page 2 has no event question;
    # back, "Eit arrangement", and it appears; sent, thanked in Nynorsk.
    answer = new_context(**PHONE).new_page()
    answer.goto(url)
    expect(answer.locator("html")).to_have_attribute("lang", "nn")
    expect(answer.locator(".progress")).to_have_text("Side 1 av 2")
    expect(answer.locator("legend")).to_contain_text("Kva kom du for?")
    tab_to(answer, f"#f-{why}-0")
    answer.keyboard.press("Space")  # Lån
    expect(answer.locator(f"#f-{why}-0")).to_be_checked()
    tab_to(answer, NEXT)
    _send(answer)
    expect(answer.locator(".progress")).to_have_text("Side 2 av 2")
    expect(answer.locator("h1")).to_have_text("Arrangementet")
    expect(answer.locator(f"#f-{more}")).to_be_visible()
    expect(answer.locator(f"#f-{which}")).to_have_count(0)
    expect(answer.locator("main")).not_to_contain_text("Kva for eit arrangement")
    tab_to(answer, BACK)
    expect(answer.locator(BACK)).to_have_text("Tilbake")
    _send(answer)
    expect(answer.locator(".progress")).to_have_text("Side 1 av 2")
    tab_to(answer, f"#f-{why}-0")
    expect(answer.locator(f"#f-{why}-0")).to_be_checked()
    answer.keyboard.press("ArrowDown")  # Eit arrangement
    expect(answer.locator(f"#f-{why}-1")).to_be_checked()
    tab_to(answer, NEXT)
    _send(answer)
    expect(answer.locator(".progress")).to_have_text("Side 2 av 2")
    expect(answer.locator(f"label[for=f-{which}]")).to_contain_text(
        "Kva for eit arrangement var du på?"
    )
    tab_to(answer, f"#f-{which}")
    answer.keyboard.type("Forfattarbesøk")
    tab_to(answer, f"#f-{more}")
    answer.keyboard.type("Fint!")
    tab_to(answer, NEXT)
    expect(answer.locator(NEXT)).to_have_text("Send svar")
    _send(answer)
    expect(answer.locator("h1")).to_have_text("Takk for svara dine")
    expect(answer.locator("main")).to_contain_text("Svara dine hjelper biblioteket å bli betre.")
    response = Response.objects.get()
    assert response.answers == {why: event, which: "Forfattarbesøk", more: "Fint!"}
    assert (response.language, response.survey_id) == ("nn", nynorsk.pk)

    # 10. Another respondent picks "Lesesalen": the skip rule ends the survey after page 1.
    answer = new_context(**PHONE).new_page()
    answer.goto(url)
    tab_to(answer, f"#f-{why}-0")
    answer.keyboard.press("Space")
    answer.keyboard.press("ArrowDown")
    answer.keyboard.press("ArrowDown")  # Lesesalen
    expect(answer.locator(f"#f-{why}-2")).to_be_checked()
    tab_to(answer, NEXT)
    _send(answer)
    expect(answer.locator("h1")).to_have_text("Takk for svara dine")
    expect(answer.locator("main")).to_contain_text("Svara dine hjelper biblioteket å bli betre.")
    skipped = Response.objects.exclude(pk=response.pk).get()
    assert skipped.answers == {why: reading}
    assert (skipped.language, skipped.survey_id) == ("nn", nynorsk.pk)
