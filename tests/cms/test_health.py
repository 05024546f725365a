"""/health/ and the admin's system status: everyone gets up or down, the health token and
superusers get each check's details, a broken part gives 503, and nothing gives a 500."""

import json
import socket
import time
from datetime import time as clock
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from cms import health
from cms.celery import app as celery_app
from cms.tasks import heartbeat
from panel.models import Campaign, Invitation, PanelMember, Segment
from research.models import ExportJob
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = "health-token-for-tests-0123456789-abcdefghij"


@pytest.fixture
def token(settings):
    settings.INNSIKT_HEALTH_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture
def beating():
    """A worker ran the heartbeat task just now."""
    heartbeat()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _details(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def _statuses(details: dict) -> dict[str, str]:
    return {name: check["status"] for name, check in details["checks"].items()}


def test_public_answer_is_ok_in_plain_text_never_stored(client, beating):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"


def test_token_gets_every_check_in_json(client, beating, token, settings):
    settings.INNSIKT_HEALTH_MIN_FREE_MB = 1  # whatever the test machine's disk holds
    response = client.get("/health/", **token)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    details = _details(response)
    assert details["status"] == "ok"
    assert _statuses(details) == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "heartbeat": "ok",
        "disk": "ok",
        "backlog": "ok",
    }
    assert details["checks"]["heartbeat"]["data"]["age_seconds"] < 60
    assert set(details["checks"]["backlog"]["data"]["counts"]) == {
        "panel_invitations",
        "research_jobs",
    }


def test_stale_heartbeat_is_503_publicly_and_detailed_for_token_and_superuser(
    client, token, admin_user
):
    health.heartbeat_record(now=timezone.now() - timedelta(minutes=10))

    public = client.get("/health/")
    assert public.status_code == 503
    assert public.content == b"unavailable"
    assert public["Cache-Control"] == "no-store"

    details = _details(client.get("/health/", **token))
    assert details["status"] == "fail"
    assert _statuses(details)["heartbeat"] == "fail"
    assert _statuses(details)["database"] == "ok"
    assert "10" in details["checks"]["heartbeat"]["detail"]

    client.force_login(admin_user)
    response = client.get("/health/")
    assert response.status_code == 503
    assert _statuses(_details(response))["heartbeat"] == "fail"


def test_no_heartbeat_at_all_is_down(client, token):
    response = client.get("/health/", **token)

    assert response.status_code == 503
    assert _statuses(_details(response))["heartbeat"] == "fail"


def test_cache_server_down_is_503_and_named_in_the_details(client, beating, token, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }

    assert client.get("/health/").content == b"unavailable"
    response = client.get("/health/", **token)
    assert response.status_code == 503
    statuses = _statuses(_details(response))
    assert statuses["cache"] == "fail"
    assert statuses["heartbeat"] == "fail"  # kept in the same cache: unknown, so not fine
    assert statuses["database"] == statuses["broker"] == "ok"


def test_broker_down_answers_quickly_with_503(client, beating, token, monkeypatch):
    closed = f"redis://127.0.0.1:{_closed_port()}/0"
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", closed)
    monkeypatch.setitem(celery_app.conf, "broker_url", closed)
    started = time.monotonic()

    response = client.get("/health/", **token)

    assert time.monotonic() - started < health.CHECK_TIMEOUT + 1
    assert response.status_code == 503
    details = _details(response)
    assert details["checks"]["broker"]["status"] == "fail"
    assert "OperationalError" in details["checks"]["broker"]["detail"]


def test_a_hanging_check_fails_by_the_deadline_and_a_raising_one_is_a_failure(
    client, beating, token, monkeypatch
):
    def hangs():
        time.sleep(5)
        return health.CheckResult("ok")

    def raises():
        raise RuntimeError("database exploded")

    monkeypatch.setattr(health, "CHECK_TIMEOUT", 0.3)
    monkeypatch.setitem(health.CHECKS, "database", raises)
    monkeypatch.setitem(health.CHECKS, "hanging", hangs)
    started = time.monotonic()

    response = client.get("/health/", **token)

    assert time.monotonic() - started < 2
    assert response.status_code == 503
    details = _details(response)
    assert _statuses(details)["hanging"] == "fail"
    assert _statuses(details)["database"] == "fail"
    assert "database exploded" in details["checks"]["database"]["detail"]
    assert client.get("/health/").content == b"unavailable"


def test_never_a_500_even_when_the_report_itself_breaks(client, token, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(health, "report_build", broken)

    for headers in ({}, token):
        response = client.get("/health/", **headers)
        assert response.status_code == 503
        assert response.content == b"unavailable"


def test_little_disk_space_warns_and_stays_up(client, beating, token, settings):
    settings.INNSIKT_HEALTH_MIN_FREE_MB = 10**12

    assert client.get("/health/").content == b"ok"
    response = client.get("/health/", **token)
    assert response.status_code == 200
    details = _details(response)
    assert details["status"] == "warn"
    assert details["checks"]["disk"]["status"] == "warn"
    assert str(settings.DATA_DIR) in details["checks"]["disk"]["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_AUTHORIZATION": "Bearer wrong"},
        {"HTTP_AUTHORIZATION": TOKEN},  # no scheme
        {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
    ],
)
def test_a_wrong_token_gets_the_public_answer(client, beating, token, headers):
    response = client.get("/health/", **headers)

    assert response.content == b"ok"


def test_without_a_configured_token_no_token_works(client, beating, settings):
    settings.INNSIKT_HEALTH_TOKEN = ""

    response = client.get("/health/", HTTP_AUTHORIZATION="Bearer ")

    assert response.content == b"ok"


def test_a_researcher_gets_the_public_answer(client, beating, researcher_a):
    """The details describe every library's work: not one library's researchers'."""
    client.force_login(researcher_a)

    response = client.get("/health/")

    assert response.content == b"ok"


def test_work_waiting_too_long_is_counted_per_app(library_a, admin_user):
    now = timezone.now()
    survey = factories.survey(library_a, factories.BRANCHING, slug="health")
    ExportJob.objects.create(survey=survey, format="csv")  # just queued: fine
    queued = ExportJob.objects.create(survey=survey, format="csv")
    running = ExportJob.objects.create(
        survey=survey, format="csv", status=ExportJob.Status.RUNNING, started_at=now
    )
    site = Site.objects.get(root_page=library_a)
    campaign = Campaign.objects.create(
        library=site,
        name="Vår",
        survey=survey,
        segment=Segment.objects.create(library=site, name="Alle", rules=[]),
        starts_at=now - timedelta(days=1),
        window_start=clock(0, 0),
        window_end=clock(23, 59),
        status=Campaign.Status.RUNNING,
        created_by=admin_user,
    )
    member = PanelMember.objects.create(library=site, email="a@example.no", status="active")
    invitation = Invitation.objects.create(campaign=campaign, member=member)
    assert health.check_backlog(now=now).status == "ok"

    ExportJob.objects.filter(pk=queued.pk).update(created_at=now - timedelta(hours=1))
    ExportJob.objects.filter(pk=running.pk).update(started_at=now - timedelta(hours=2))
    Invitation.objects.filter(pk=invitation.pk).update(created_at=now - timedelta(hours=1))
    result = health.check_backlog(now=now)

    assert result.status == "warn"
    assert result.data["counts"] == {"panel_invitations": 1, "research_jobs": 2}
    assert "1" in result.detail and "2" in result.detail


def test_beat_schedules_the_heartbeat_task_a_worker_runs(settings):
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "cms.tasks.heartbeat"
    ]
    assert len(entries) == 1 and entries[0]["schedule"] <= 60
    assert "cms.tasks.heartbeat" in celery_app.tasks

    assert health.check_heartbeat().status == "fail"
    heartbeat.apply()  # as a worker runs it
    result = health.check_heartbeat()
    assert result.status == "ok"
    assert health.check_heartbeat(now=timezone.now() + timedelta(minutes=4)).status == "fail"


def test_system_status_page_for_superusers_only(client, beating, admin_user, researcher_a):
    url = reverse("innsikt_system_status")
    client.force_login(researcher_a)
    refused = client.get(url)  # Wagtail turns the refusal into a redirect with a message
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    dashboard = client.get(reverse("wagtailadmin_home"))
    assert dashboard.status_code == 200 and url not in dashboard.content.decode()

    client.force_login(admin_user)
    html = client.get(url).content.decode()
    for name in ("database", "cache", "broker", "heartbeat", "disk", "backlog"):
        assert f'id="check-{name}" data-status="ok"' in html
    assert 'id="heartbeat"' in html and str(timezone.localdate().year) in html
    assert url in client.get(reverse("wagtailadmin_home")).content.decode()


def test_system_status_page_shows_a_failing_check(client, admin_user):
    client.force_login(admin_user)

    html = client.get(reverse("innsikt_system_status")).content.decode()

    assert 'id="check-heartbeat" data-status="fail"' in html
