"""Authoring: keys on save, validation errors, versions on publish, translations, preview."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from wagtail.models import Locale

from surveys.models import SurveyPage, SurveyVersion
from tests import factories
from tests.factories import cond, q, step


def _keys(page):
    return [qq["key"] for s in page.versions.first().schema["steps"] for qq in s["questions"]]


def test_saving_gives_every_block_a_key(library_a):
    page = factories.survey(library_a, [step("", q("short_text", "", "Hvor bor du?"))])
    raw = page.body.get_prep_value()
    key = raw[0]["value"]["questions"][0]["value"]["key"]
    assert key.startswith("hvor-bor-du-")
    assert _keys(page) == [key]


def test_impossible_rule_is_a_validation_error_on_the_body(library_a):
    body = [
        step("s1", q("yes_no", "a", show_if=cond(("later", "equals", "yes")))),
        step("s2", q("yes_no", "later")),
    ]
    page = SurveyPage(title="Bad", slug="bad", body=body)
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        library_a.add_child(instance=page)
    assert "earlier pages" in str(raised.value.message_dict["body"])


def test_publishing_freezes_a_version_and_only_when_questions_change(library_a):
    page = factories.survey(library_a, factories.BRANCHING)
    assert page.versions.count() == 1
    page.title = "New title"
    page.save_revision().publish()
    assert page.versions.count() == 1
    body = page.body.get_prep_value()
    body[0]["value"]["questions"][0]["value"]["label"] = "Har du lånekort?"
    page.body = body
    page.save_revision().publish()
    versions = list(SurveyVersion.objects.filter(page=page).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    # Renaming the label kept the key, so both versions answer in the same column.
    assert _keys(page)[0] == "card"
    assert versions[1].schema["steps"][0]["questions"][0]["label"] == "Har du lånekort?"


def test_translated_copy_keeps_the_keys(library_a):
    page = factories.survey(library_a, factories.BRANCHING, slug="keys")
    en = Locale.objects.get_or_create(language_code="en")[0]
    copy = page.copy_for_translation(en, copy_parents=True).specific
    body = copy.body.get_prep_value()
    body[0]["value"]["questions"][0]["value"]["label"] = "Do you have a library card?"
    copy.body = body
    copy.save_revision().publish()
    assert _keys(copy) == _keys(page)
    assert copy.translation_key == page.translation_key


def test_preview_renders_each_step_with_the_respondent_template(library_a, admin_client):
    page = factories.survey(library_a, factories.BRANCHING)
    assert [m for m, _label in page.preview_modes] == ["0", "1", "2"]
    response = page.make_preview_request(preview_mode="1")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="loans"' in html and "<form" in html
