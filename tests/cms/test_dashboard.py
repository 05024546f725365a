"""The researcher's dashboard (Wagtail's home page): open surveys with their answers,
campaigns sending, downloads ready and the next interviews — of the user's own library
only, with a bounded number of queries; and the results index with counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from panel.models import Campaign
from surveys.models import SurveyStart
from tests import factories
from tests.tenancy_world import FOREIGN, OWN, library_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def worlds(admin_user):
    own = library_world("stavanger", "localhost", OWN, default=True, admin=admin_user)
    foreign = library_world("baerum", "baerum.localhost", FOREIGN, default=False, admin=admin_user)
    return own, foreign


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_the_dashboard_shows_the_users_own_library_only(client, worlds):
    own, foreign = worlds
    client.force_login(own.researcher)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    surveys = _section(html, "dashboard-surveys")
    assert own.pages["survey"].title in surveys
    campaigns = _section(html, "dashboard-campaigns")
    assert own.objects["campaign"].name in campaigns
    downloads = _section(html, "dashboard-downloads")
    assert reverse("research_report_download", args=[own.objects["report_job"].pk]) in downloads
    assert reverse("research_export_download", args=[own.objects["export"].pk]) in downloads
    interviews = _section(html, "dashboard-interviews")
    assert own.objects["interviews"].name in interviews
    assert FOREIGN.lower() not in html.lower()
    # And the other way round.
    client.force_login(foreign.researcher)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert foreign.objects["campaign"].name in html and OWN.lower() not in html.lower()


def test_open_surveys_show_answers_today_last_week_and_completion(client, worlds):
    own, _foreign = worlds
    survey = own.pages["survey"]
    # The world's six answers are today's; seven respondents started.
    client.force_login(own.researcher)
    row = _row(client, survey.title)
    assert row == ["6", "6", "86\xa0%"]  # 6 of 7 started finished


def _row(client, title: str) -> list[str]:
    import re

    html = client.get(reverse("wagtailadmin_home")).content.decode()
    surveys = _section(html, "dashboard-surveys")
    for tr in re.findall(r"<tr>(.*?)</tr>", surveys, re.S):
        if title in tr:
            cells = re.findall(r"<td>(.*?)</td>", tr, re.S)
            return [re.sub(r"<[^>]+>", "", c).replace("&nbsp;", "\xa0").strip() for c in cells[1:]]
    raise AssertionError(f"{title} not on the dashboard")


def test_the_dashboards_queries_do_not_grow_with_its_rows(client, worlds):
    own, _foreign = worlds
    client.force_login(own.researcher)
    client.get(reverse("wagtailadmin_home"))  # warm: the user's libraries, the site's caches
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("wagtailadmin_home"))
    for i in range(3):
        survey = factories.survey(own.home, factories.BRANCHING, slug=f"more-{i}")
        factories.responses(survey, 2)
        SurveyStart.objects.create(survey=survey, count=3)
        Campaign.objects.create(
            library=own.site,
            name=f"More {i}",
            survey=survey,
            segment=own.objects["segment"],
            starts_at=timezone.now(),
            status=Campaign.Status.RUNNING,
        )
    with CaptureQueriesContext(connection) as after:
        html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "More 2" in html
    assert len(after.captured_queries) <= len(before.captured_queries) + 2, [
        q["sql"][:120] for q in after.captured_queries
    ]


def test_the_results_index_shows_counts(client, worlds):
    own, _foreign = worlds
    client.force_login(own.researcher)
    html = client.get(reverse("surveys_index")).content.decode()
    assert own.pages["survey"].title in html and FOREIGN.lower() not in html.lower()
    assert '<td class="answers-total">6</td>' in html
    assert '<td class="answers-week">6</td>' in html
    assert '<td class="answers-partial">1</td>' in html  # 7 started, 6 finished
