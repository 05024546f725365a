"""The answer list: filters by channel, period, version and completion, and a search of the
free text as scrubbed — personal data is neither found nor shown. A GET form; bad input
is an error message, never a 500; another library's survey is not found."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Response, SurveyVersion
from tests import factories

PHONE = "41234567"


@pytest.fixture
def answered(branching_survey):
    """Four answers: two complete from the QR channel (one mentions a phone number), one
    partial by the survey's address a fortnight ago, one complete under version 2."""
    qr = branching_survey.channels.get(kind="qr")
    complete = {"card": "no", "why": "topic", "satisfied": "4"}
    factories.responses(
        branching_survey, 1, channel=qr, comment="Flere sofaer og ro i lesesalen", **complete
    )
    factories.responses(
        branching_survey, 1, channel=qr, comment=f"Ring meg på {PHONE} om sofaene", **complete
    )
    old = factories.responses(branching_survey, 1, comment="", **complete)[0]
    Response.objects.filter(pk=old.pk).update(submitted_on=timezone.localdate() - timedelta(14))
    return branching_survey


def _list(client, survey, **query) -> str:
    response = client.get(reverse("research_answers", args=[survey.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def _count(html: str) -> int:
    start = html.index('id="answers-count">') + len('id="answers-count">')
    return int(html[start:].split()[0])


def test_filters_by_channel_period_and_completion(client, researcher_a, answered):
    client.force_login(researcher_a)
    assert _count(_list(client, answered)) == 3
    qr = answered.channels.get(kind="qr")
    label = f"{qr.get_kind_display()}: {qr.name}"
    assert _count(_list(client, answered, channels=label)) == 2
    assert _count(_list(client, answered, channels="link")) == 1
    week_ago = (timezone.localdate() - timedelta(7)).isoformat()
    assert _count(_list(client, answered, date_from=week_ago)) == 2
    assert _count(_list(client, answered, date_to=week_ago)) == 1
    # The third left the optional comment empty: shown, unanswered.
    assert _count(_list(client, answered, completion="complete")) == 2
    assert _count(_list(client, answered, completion="partial")) == 1


def test_filters_by_version(client, researcher_a, answered):
    first = SurveyVersion.objects.get(page=answered)
    second = SurveyVersion.objects.create(page=answered, number=2, schema=first.schema)
    Response.objects.create(
        survey=answered,
        version=second,
        language="nb",
        answers={"card": "no", "why": "topic", "satisfied": "2", "comment": "ny"},
        submitted_on=timezone.localdate(),
    )
    client.force_login(researcher_a)
    assert _count(_list(client, answered, versions=2)) == 1
    assert _count(_list(client, answered, versions=1)) == 3
    assert _count(_list(client, answered)) == 4


def test_search_finds_scrubbed_free_text_and_never_personal_data(client, researcher_a, answered):
    client.force_login(researcher_a)
    html = _list(client, answered, q="SOFA")
    assert _count(html) == 2  # both comments, whatever the case
    assert "Ring meg på [fjernet] om sofaene" in html
    assert PHONE not in html
    # The number itself is removed from what is searched: not found, not revealed.
    html = _list(client, answered, q=PHONE)
    assert _count(html) == 0 and PHONE not in html.replace(f'value="{PHONE}"', "")
    assert _count(_list(client, answered, q="4123")) == 0
    # Search and filters together.
    assert _count(_list(client, answered, q="sofa", completion="partial")) == 0


def test_bad_input_is_a_message_not_a_500(client, researcher_a, answered):
    client.force_login(researcher_a)
    html = _list(client, answered, date_from="2026-13-45", versions="x", completion="maybe")
    assert 'role="alert"' in html
    today = timezone.localdate()
    html = _list(client, answered, date_from=today.isoformat(), date_to=(today - timedelta(3)))
    assert "Sluttdatoen er før startdatoen" in html or 'role="alert"' in html
    assert (
        client.get(reverse("research_answers", args=[answered.pk]), {"p": "zz"}).status_code == 200
    )
    assert _count(_list(client, answered, q="x" * 500)) == 3  # too long: an error, all shown


def test_another_librarys_answers_are_not_found(client, researcher_b, answered):
    client.force_login(researcher_b)
    url = reverse("research_answers", args=[answered.pk])
    assert client.get(url, {"q": "sofa"}).status_code == 404


def test_the_results_page_leads_to_the_answer_list(client, researcher_a, answered):
    client.force_login(researcher_a)
    html = client.get(reverse("surveys_results", args=[answered.pk])).content.decode()
    assert reverse("research_answers", args=[answered.pk]) in html
