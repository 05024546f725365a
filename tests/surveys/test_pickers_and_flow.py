"""Pick, don't type (issue 17): the editor's rule pickers list the survey's own questions by
label and page; a tampered key gets the logic check's clear error; the flow page shows the
rules in words, the diagram and every path, and previews from any page with earlier answers."""

import html
import re

import pytest
from django.urls import reverse
from wagtail.users.models import UserProfile

from surveys.models import SurveyPage
from tests import factories
from tests.surveys.test_admin_editing import _form, _yes_no, listblock

pytestmark = pytest.mark.django_db


def _english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def researcher(library_a):
    return _english(factories.researcher("forsker", library_a))


def _text(page_html: str) -> str:
    """The editor page's text with the StreamField's JSON (block definitions, errors)
    unescaped, so its widgets and messages can be read."""
    text = html.unescape(page_html).replace('\\"', '"')
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def test_the_picker_lists_the_surveys_questions_by_label_with_their_page(
    client, researcher, library_a
):
    page = factories.survey(library_a, factories.BRANCHING)
    client.force_login(researcher)
    text = _text(client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode())
    picker = re.search(r"<select[^>]*data-innsikt-question-picker.*?</select>", text, re.S)
    assert picker, "no question picker in the editor"
    options = re.findall(r'<option value="([^"]*)"(?: data-page="(\d+)")?[^>]*>([^<]*)<', picker[0])
    assert options[0] == ("", "", "Choose a question")
    # Every question of the survey, by its label, with its page (the script keeps a rule to
    # earlier pages; saving checks it).
    assert ("card", "0", "Do you have a library card?") in options
    assert ("loans", "1", "How often?") in options
    assert ("satisfied", "2", "How satisfied are you after {why}?") in options
    assert '<optgroup label="Page 1: About">' in picker[0]
    # The option picker: options grouped by question, each saying its question.
    assert re.search(r'value="card:no"[^>]*data-question="card"', text)
    # The skip rules' page picker: later pages and the end.
    assert re.search(r'<select[^>]*data-innsikt-page-picker.*?value="end"', text, re.S)
    # The sentences of the survey's rules are shown in the editor.
    assert "Shown if “Do you have a library card?” is “Yes”" in text


def test_a_rule_picked_in_the_editor_is_saved_by_key(client, researcher, library_a):
    client.force_login(researcher)
    url = reverse("wagtailadmin_pages:add", args=["surveys", "surveypage", library_a.pk])
    response = client.post(url, _form("Kort", [_yes_no("Har du lånekort?")], [_yes_no("To?")]))
    assert response.status_code == 302
    page = SurveyPage.objects.get(slug="kort")
    body = page.get_latest_revision_as_object().body.get_prep_value()
    card_key = body[0]["value"]["questions"][0]["value"]["key"]
    form = _form("Kort", [_yes_no("Har du lånekort?")], [_yes_no("To?")])
    # Edit: keep the blocks' keys and ids, and pick the first question with option "no".
    data = _rule_form(body, card_key, options=[f"{card_key}:no"])
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), {**form, **data})
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = SurveyPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    from surveys.schema import compile_schema

    schema = compile_schema(saved.body.get_prep_value())
    rule = schema["steps"][1]["questions"][0]["show_if"]["rules"][0]
    assert rule == {"question": card_key, "op": "equals", "value": "no"}


def _rule_form(body, question_key, options=(), operator="equals", value=""):
    """Form data that keeps the saved blocks (by id and key) and gives page 2's question a
    condition."""
    data = {}
    for s, step in enumerate(body):
        data[f"body-{s}-id"] = step["id"]
        data[f"body-{s}-value-key"] = step["value"]["key"]
        for n, q in enumerate(step["value"]["questions"]):
            data[f"body-{s}-value-questions-{n}-id"] = q["id"]
            data[f"body-{s}-value-questions-{n}-value-key"] = q["value"]["key"]
    prefix = "body-1-value-questions-0-value-show_if-rules-"
    rule = {"question": question_key, "operator": operator, "value": value}
    for name, field_value in listblock([rule]).items():
        if isinstance(field_value, dict):
            for k, v in field_value.items():
                if k == "value":
                    for f, fv in v.items():
                        data[f"{prefix}{name}-value-{f}"] = fv
                else:
                    data[f"{prefix}{name}-{k}"] = v
        else:
            data[f"{prefix}{name}"] = field_value
    data[f"{prefix}0-value-options"] = list(options)
    return data


@pytest.mark.parametrize("tamper", ["later", "deleted", "foreign"])
def test_a_tampered_key_gets_the_clear_error(client, researcher, library_a, library_b, tamper):
    client.force_login(researcher)
    url = reverse("wagtailadmin_pages:add", args=["surveys", "surveypage", library_a.pk])
    client.post(url, _form("Kort", [_yes_no("Har du lånekort?")], [_yes_no("Låner du?")]))
    page = SurveyPage.objects.get(slug="kort")
    body = page.get_latest_revision_as_object().body.get_prep_value()
    later = body[1]["value"]["questions"][0]["value"]["key"]
    foreign = factories.survey(library_b, factories.BRANCHING, slug="fremmed")
    key = {"later": later, "deleted": "slettet-abcd", "foreign": "satisfied"}[tamper]
    assert foreign.pk  # "satisfied" is a key of the other library's survey only
    form = _form("Kort", [_yes_no("Har du lånekort?")], [_yes_no("Låner du?")])
    data = _rule_form(body, key, value="yes")
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), {**form, **data})
    assert response.status_code == 200
    text = _text(response.content.decode())
    if tamper == "later":
        # Named by its label, not its key.
        assert 'the condition refers to "Låner du?" on page 2' in text
    else:
        assert f'refers to "{key}", which is not a question in this survey' in text


def test_the_flow_page_shows_rules_diagram_and_every_path(client, researcher, library_a):
    page = factories.survey(library_a, factories.BRANCHING)
    client.force_login(researcher)
    response = client.get(reverse("surveys_flow", args=[page.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and '<title id="flow-title">' in html and "<desc" in html
    assert "Shown if “Do you have a library card?” is “Yes”" in html
    paths = html.split('id="paths"')[1].split("</ol>")[0]
    assert "Pages 1, 2, 3, then the end." in paths
    assert "Pages 1, 3, then the end." in paths
    assert "page 2 is left out: not “Do you have a library card?” is “Yes”" in paths


def test_the_flow_page_is_reachable_from_the_page_listing(client, researcher, library_a):
    page = factories.survey(library_a, factories.BRANCHING)
    client.force_login(researcher)
    listing = client.get(reverse("wagtailadmin_explore", args=[library_a.pk])).content.decode()
    assert reverse("surveys_flow", args=[page.pk]) in listing


def test_preview_starts_at_any_page_with_chosen_answers(client, researcher, library_a):
    page = factories.survey(library_a, factories.BRANCHING)
    client.force_login(researcher)
    url = reverse("surveys_flow_preview", args=[page.pk])
    shown = client.get(url, {"start": 2, "answer-card": "no", "answer-why": "topic"})
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "How satisfied are you after Topic?" in html  # earlier answer piped in
    assert "<form" not in html.split('id="main"')[-1] or "submission" not in html
    hidden = client.get(url, {"start": 1, "answer-card": "no"})
    assert "would not see this page" in hidden.content.decode()
    bad = client.get(url, {"start": 99, "answer-card": "maybe"})
    assert bad.status_code == 400
    assert "Check the choices below." in bad.content.decode()


def test_another_librarys_researcher_gets_no_flow(client, library_a, library_b):
    page = factories.survey(library_a, factories.BRANCHING)
    client.force_login(_english(factories.researcher("other", library_b)))
    assert client.get(reverse("surveys_flow", args=[page.pk])).status_code in (403, 404)
    assert client.get(reverse("surveys_flow_preview", args=[page.pk])).status_code in (403, 404)
