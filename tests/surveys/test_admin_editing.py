"""Researchers build surveys in the Wagtail admin: the editor renders, saving assigns keys,
and an impossible rule is shown as a validation error instead of breaking the survey."""

from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield
from wagtail.users.models import UserProfile

from surveys.models import SurveyPage
from tests import factories


def listblock(items):
    """Form data of a ListBlock (like wagtail.test.utils.form_data.streamfield, no type)."""
    data = {
        str(i): {"value": item, "deleted": "", "order": str(i), "id": ""}
        for i, item in enumerate(items)
    }
    data["count"] = str(len(items))
    return data


def _form(title, questions_step1, questions_step2):
    def step(key, title, questions):
        return {
            "title": title,
            "key": key,
            "intro": rich_text(""),
            "questions": streamfield(questions),
            "show_if": {"match": "all", "rules": listblock([])},
            "skip_rules": listblock([]),
        }

    return nested_form_data(
        {
            "title": title,
            "slug": title.lower(),
            "intro": rich_text("<p>Hei</p>"),
            "body": streamfield(
                [
                    ("step", step("", "Side 1", questions_step1)),
                    ("step", step("", "Side 2", questions_step2)),
                ]
            ),
            "thank_you_text": rich_text(""),
            "closed_text": rich_text(""),
            "resume_days": 7,
            "one_response_per_browser": "on",
            "store_date": "on",
            "listed": "on",
            "quotas": inline_formset([]),
            "channels": inline_formset([]),
        }
    )


def _yes_no(label, show_if_key=""):
    rules = [{"question": show_if_key, "operator": "equals", "value": "yes"}] if show_if_key else []
    return (
        "yes_no",
        {
            "label": label,
            "key": "",
            "help_text": "",
            "required": "on",
            "show_if": {"match": "all", "rules": listblock(rules)},
        },
    )


def test_editor_pages_render(client, library_a):
    researcher = factories.researcher("forsker", library_a)
    client.force_login(researcher)
    add = client.get(
        reverse("wagtailadmin_pages:add", args=["surveys", "surveypage", library_a.pk])
    )
    assert add.status_code == 200
    page = factories.survey(library_a, factories.BRANCHING)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert edit.status_code == 200
    assert "card" in edit.content.decode()  # the key is visible to the editor


def test_creating_a_survey_in_the_admin_assigns_keys(client, library_a):
    client.force_login(factories.researcher("forsker", library_a))
    url = reverse("wagtailadmin_pages:add", args=["surveys", "surveypage", library_a.pk])
    response = client.post(
        url, _form("Kort", [_yes_no("Har du lånekort?")], [_yes_no("Låner du e-bøker?")])
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = SurveyPage.objects.get(slug="kort")
    keys = [
        q["value"]["key"]
        for s in page.get_latest_revision_as_object().body.get_prep_value()
        for q in s["value"]["questions"]
    ]
    assert keys[0].startswith("har-du-lanekort-") and keys[1].startswith("laner-du-e-boker-")


def test_an_impossible_rule_is_reported_in_the_admin(client, library_a):
    researcher = factories.researcher("forsker", library_a)
    profile = UserProfile.get_for_user(researcher)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(researcher)
    url = reverse("wagtailadmin_pages:add", args=["surveys", "surveypage", library_a.pk])
    response = client.post(
        url, _form("Feil", [_yes_no("Første?", show_if_key="does-not-exist")], [_yes_no("To?")])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "does-not-exist" in html and "not a question in this survey" in html
    assert not SurveyPage.objects.filter(slug="feil").exists()
