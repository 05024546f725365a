"""Anonymous mode: a submission leaves no IP, user agent, cookie/session id, abuse token or
precise time in any table it touches, and stored identifiers do not reveal order."""

import datetime
import uuid

from django.apps import apps

from cms.abuse import TOKEN_COOKIE
from surveys.models import Response
from tests.wizard import Walk

IP = "203.0.113.77"
AGENT = "InnsiktProbe/9.9 (respondent-phone)"


def _snapshot() -> dict[str, dict]:
    rows = {}
    for model in apps.get_models():
        table = model._meta.db_table
        rows[table] = {
            str(r["pk"]): r
            for r in model.objects.values("pk", *[f.attname for f in model._meta.concrete_fields])
        }
    return rows


def test_submission_touches_no_identifying_column(client, branching_survey):
    client.defaults.update(HTTP_HOST="localhost", REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)
    walk = Walk(client, branching_survey.url).open()
    before = _snapshot()
    walk.submit({"card": "yes", "why": "other", "why.other": "Kaffe"})
    walk.submit({"loans": "few"}).submit({"satisfied": "4"})
    after = _snapshot()

    secrets_seen = {IP, AGENT}
    for cookie in client.cookies.values():
        secrets_seen.add(cookie.value)
        if cookie.key == TOKEN_COOKIE:
            # the raw random token inside the signed cookie value
            secrets_seen.add(cookie.value.split(":")[0])
    secrets_seen.discard("")

    touched = {}
    for table, rows in after.items():
        changed = [r for pk, r in rows.items() if before[table].get(pk) != r]
        if changed:
            touched[table] = changed
    assert "surveys_response" in touched
    assert set(touched) <= {"surveys_response", "surveys_surveystart"}, set(touched)

    for table, rows in touched.items():
        for row in rows:
            for column, value in row.items():
                text = str(value)
                for secret in secrets_seen:
                    assert secret not in text, (table, column)
                # No time of day: at most a date.
                assert not isinstance(value, datetime.datetime | datetime.time), (table, column)

    response = Response.objects.get()
    assert isinstance(response.pk, uuid.UUID) and response.pk.version == 4
    assert response.submitted_on == datetime.date.today() or response.submitted_on is not None
    assert response.pseudonym == ""


def test_abuse_token_is_not_stored_anywhere(client, branching_survey):
    client.defaults["HTTP_HOST"] = "localhost"
    Walk(client, branching_survey.url).open().submit({"card": "no", "why": "topic"}).submit(
        {"satisfied": "2"}
    )
    # set_signed_cookie stores "<value>:<timestamp>:<signature>"
    token = client.cookies[TOKEN_COOKIE].value.split(":")[0]
    assert len(token) >= 22
    for table, rows in _snapshot().items():
        for row in rows.values():
            assert token not in str(row), table


def test_survey_can_keep_no_date_at_all(client, library_a):
    from tests import factories

    page = factories.survey(library_a, factories.BRANCHING, slug="nodate", store_date=False)
    client.defaults["HTTP_HOST"] = "localhost"
    Walk(client, page.url).open().submit({"card": "no", "why": "topic"}).submit({"satisfied": "2"})
    assert Response.objects.get().submitted_on is None
    from surveys.models import SurveyStart

    assert SurveyStart.objects.get().day == ""
