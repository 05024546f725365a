"""One front door for a respondent: the survey's route table (surveys.routes) serves its page
address and its channel links alike, through Wagtail's own hooks — view restrictions and any
hook another app registers run on the cached route too."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail import hooks
from wagtail.models import PageViewRestriction

from surveys.routes import ROUTES, route_match, route_path

TOKEN = "AbCdEfGhIjKlMnOpQrSt"  # a resume token nobody saved: the page still asks first


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_every_route_is_matched_and_built_by_the_same_table(route):
    kwargs = {"token": TOKEN} if "<str:token>" in route.path else {}
    path = route_path(route.name, **kwargs)
    assert route_match(path) == (route.name, kwargs)


def test_a_sub_path_outside_the_table_leads_nowhere():
    for rest in ("takk", "takk/x/", "fortsett/a/b/", "nope/", "/"):
        assert route_match(rest) is None, rest
    with pytest.raises(ValueError):
        route_path("resume")  # the token is missing


def _addresses(survey):
    channel = survey.channels.first()
    return {"page": survey.url, "channel": f"/s/{channel.code}/"}


@pytest.mark.parametrize("where", ["page", "channel"])
def test_every_route_answers_at_the_page_and_at_a_channel(branching_survey, where):
    base = _addresses(branching_survey)[where]
    client = Client(HTTP_HOST="localhost")
    expected = {
        "respond": "Do you have a library card?",
        "thanks": "Takk",
        "resume_code": 'name="code"',
        "resume": '<form method="post">',
    }
    for route in ROUTES:
        kwargs = {"token": TOKEN} if "<str:token>" in route.path else {}
        response = client.get(base + route_path(route.name, **kwargs))
        assert response.status_code == 200, (route.name, response.status_code)
        assert expected[route.name] in response.content.decode(), route.name
    assert client.get(base + "finnes-ikke/").status_code == 404


def test_a_view_restriction_on_a_survey_page_is_honoured_on_the_cached_route(branching_survey):
    client = Client(HTTP_HOST="localhost")
    assert client.get(branching_survey.url).status_code == 200  # the route is now cached
    PageViewRestriction.objects.create(
        page=branching_survey, restriction_type=PageViewRestriction.PASSWORD, password="hemmelig"
    )
    response = client.get(branching_survey.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="password"' in html and "Har du lånekort" not in html


def test_a_hook_another_app_registers_runs_on_the_cached_route(branching_survey):
    seen = []

    def closed_for_maintenance(page, request, serve_args, serve_kwargs):
        seen.append((page.pk, serve_args))
        return HttpResponse("maintenance", status=503)

    client = Client(HTTP_HOST="localhost")
    assert client.get(branching_survey.url).status_code == 200
    with hooks.register_temporarily("before_serve_page", closed_for_maintenance):
        response = client.get(branching_survey.url + "takk/")
    assert response.status_code == 503 and seen == [(branching_survey.pk, ("thanks",))]


def test_a_warm_survey_page_reads_no_route_and_no_restriction(branching_survey):
    client = Client(HTTP_HOST="localhost")
    client.get(branching_survey.url)
    client.get(branching_survey.url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(branching_survey.url).status_code == 200
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert "wagtailcore_pageviewrestriction" not in tables
    assert "wagtailcore_page" not in tables
