"""Logs never contain answers, e-mail addresses, tokens or IP addresses (cms.logging_privacy,
LOGGING in cms/settings/base.py).

The flows run through the project's own logging configuration in JSON, with the root
logger at DEBUG, and the test scans every line written. Beside the project's handler a
second one without the filter records what would have been written: it must contain the
addresses, tokens and IPs, so the scan is known to look where they would appear.
"""

import copy
import io
import json
import logging
import logging.config
import re
import secrets
import socket
from datetime import time, timedelta
from types import SimpleNamespace

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Site

from cms.logging_privacy import EMAIL, IP, TOKEN, PrivacyFilter, redact
from panel import views as panel_views
from panel.models import Campaign, ConsentRecord, ConsentText, Invitation, PanelMember, Segment
from panel.services import (
    campaign_launch,
    confirmation_token,
    invitation_send,
    invitation_token,
    my_data_link_send,
    signup_confirmation_send,
)
from surveys.models import Response
from surveys.routes import ROUTES as SURVEY_ROUTES
from surveys.routes import route_path
from tests import factories
from tests.factories import q
from tests.wizard import Walk

pytestmark = pytest.mark.django_db

# Each answer has a made-up ASCII word: however a log escapes the rest (JSON, SQL), the
# word would show.
OTHER_ANSWER = "Bokbadet med Zyxwav-forfatteren"
COMMENT_ANSWER = "Kommentar Qwzxpt svært fin"
PANEL_COMMENT = "Panelsvar Vbnmkl om lesesalen"
SIGNUP_EMAIL = "Kari.Logg@Example.no"
CLIENT_IP = "192.0.2.44"  # documentation addresses (RFC 5737): no traffic goes there
PROXY_IP = "198.51.100.7"


class Capture:
    """What the project's handler wrote (``text``) and what it would have written without
    its filter (``raw``)."""

    def __init__(self) -> None:
        self.filtered = io.StringIO()
        self.raw = io.StringIO()

    @property
    def text(self) -> str:
        return self.filtered.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def gunicorn_logger():
    """gunicorn's logger with an access log, set up before Django configures logging (as
    in a gunicorn worker): LOGGING must take its records over."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    config.set("accesslog", "-")
    return Logger(config)


@pytest.fixture
def captured(settings, gunicorn_logger):
    """The project's LOGGING in JSON, root and django.request at DEBUG; the loggers LOGGING
    holds at INFO (SQL, templates) stay there, since that is part of what is tested."""
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"
    config["root"]["level"] = "DEBUG"
    config["loggers"]["django.request"]["level"] = "DEBUG"
    logging.config.dictConfig(config)
    capture = Capture()
    root = logging.getLogger()
    (console,) = [h for h in root.handlers if any(isinstance(f, PrivacyFilter) for f in h.filters)]
    console.setStream(capture.filtered)  # type: ignore[attr-defined]
    unfiltered = logging.StreamHandler(capture.raw)
    unfiltered.setFormatter(console.formatter)
    root.handlers.insert(0, unfiltered)  # before the filter rewrites the record
    connection.force_debug_cursor = True  # SQL would be logged, were the level lower
    yield capture
    connection.force_debug_cursor = False
    logging.config.dictConfig(settings.LOGGING)


def _leaks(text: str, needles: set[str]) -> list[str]:
    """The needles found in ``text``, as written or JSON-escaped (``svært`` is
    ``sv\\u00e6rt`` in a JSON line or a JSON column's SQL parameter)."""
    lowered = text.lower()
    return sorted(
        n for n in needles if n.lower() in lowered or json.dumps(n)[1:-1].lower() in lowered
    )


# ---- the flows ----------------------------------------------------------------------------


def _respondent_flow(home, monkeypatch) -> tuple[set[str], set[str]]:
    """A respondent answers a survey with free text, saves and resumes on another device
    (link and typed code), and reaches the thank-you page; plus a dead resume link (404) and
    a failing one (500). Returns (answers, tokens)."""
    survey = factories.survey(home, factories.BRANCHING, slug="logg")
    browser = Client(HTTP_HOST="localhost")
    walk = Walk(browser, survey.url).open()
    walk.submit({"card": "yes", "why": "other", "why.other": OTHER_ANSWER})
    walk.submit({"loans": "few", "uses": ["books"]}, extra={"wizard_save": "1"})
    saved = re.search(r'<a href="http://localhost([^"]+/fortsett/([^"/]+)/)">', walk.html)
    assert saved, walk.html
    path, token = saved.groups()

    other = Client(HTTP_HOST="localhost")
    assert other.get(path).status_code == 200
    assert other.get(survey.url + "fortsett/", {"code": token}).status_code == 302
    other.post(path)
    walk = Walk(other, survey.url).open()
    assert walk.step == "loans"
    walk.submit({"loans": "few"}).submit({"satisfied": "4", "comment": COMMENT_ANSWER})
    assert "Takk" in walk.html or "Thank" in walk.html
    answers = Response.objects.get().answers
    assert answers["comment"] == COMMENT_ANSWER and answers["why.other"] == OTHER_ANSWER

    assert other.post(path).status_code == 404  # used up
    failing = secrets.token_urlsafe(16)

    def explode(**kwargs):
        raise RuntimeError("the saved answers could not be read")

    monkeypatch.setattr("surveys.views.draft_take", explode)
    crashing = Client(HTTP_HOST="localhost", raise_request_exception=False)
    assert crashing.post(survey.url + f"fortsett/{failing}/").status_code == 500
    monkeypatch.undo()
    return {OTHER_ANSWER, COMMENT_ANSWER, "Zyxwav", "Qwzxpt"}, {token, failing}


def _panel_flow(home, monkeypatch) -> tuple[set[str], set[str], set[str]]:
    """Sign-up with an address, the confirmation link, a "my data" link asked for and used,
    a campaign's invitation answered, the unsubscribe link, dead and failing token links.
    Returns (answers, e-mail addresses, tokens)."""
    site = Site.objects.get(root_page=home)
    signup = factories.panel_signup(
        home, purposes=("panel",), screener=[q("yes_no", "student", "Er du student?")]
    )
    client = Client(HTTP_HOST="localhost")
    form = {
        "email": SIGNUP_EMAIL,
        "language": "nb",
        "age-band": "20-24",
        "student": "yes",
        "consent-panel": "on",
    }
    assert client.post(signup.url, form).status_code == 302
    member = PanelMember.objects.get()
    tokens = {confirmation_token(member)}
    assert signup_confirmation_send(member_id=member.pk)
    confirm = re.search(r"http://localhost(/panel/bekreft/[^/\s]+/)", mail.outbox[-1].body)[1]
    assert client.get(confirm).status_code == 200
    client.post(confirm)
    member.refresh_from_db()
    assert member.status == "active"
    tokens.add(confirm.split("/")[-2])

    assert client.post(reverse("panel_my_data_request"), {"email": SIGNUP_EMAIL}).status_code == 302
    assert my_data_link_send(member_id=member.pk)
    my_data = re.search(r"http://localhost(/panel/mine-data/\S+/)", mail.outbox[-1].body)[1]
    tokens.add(my_data.split("/")[-2])
    reader = Client(HTTP_HOST="localhost")
    assert reader.get(my_data).status_code == 200
    assert reader.post(my_data).status_code == 302
    assert SIGNUP_EMAIL.lower() in reader.get(reverse("panel_my_data")).content.decode()

    survey = factories.survey(
        home, factories.BRANCHING, slug="panelsurvey", one_response_per_browser=False
    )
    text = ConsentText.objects.get(library=site, purpose="panel")
    invited = PanelMember.objects.create(
        library=site, email="ola.logg@example.no", status="active", attributes={"student": "yes"}
    )
    ConsentRecord.objects.create(member=invited, purpose="panel", text=text, given=True)
    campaign = Campaign.objects.create(
        library=site,
        name="Logg",
        survey=survey,
        segment=Segment.objects.create(library=site, name="Alle", rules=[]),
        starts_at=timezone.now() - timedelta(hours=1),
        window_start=time(0, 0),
        window_end=time(23, 59),
    )
    campaign_launch(campaign=campaign, user=None)
    for invitation in Invitation.objects.all():
        assert invitation_send(invitation_id=invitation.pk) == "sent"
    message = next(m for m in mail.outbox if m.to == ["ola.logg@example.no"])
    link = re.search(r"http://localhost(/panel/inv/\S+/)", message.body)[1]
    tokens.add(link.split("/")[-2])
    respondent = Client(HTTP_HOST="localhost")
    survey_url = respondent.get(link)["Location"]
    Walk(respondent, survey_url).open().submit({"card": "no", "why": "topic"}).submit(
        {"satisfied": "3", "comment": PANEL_COMMENT}
    )
    assert Response.objects.get(pseudonym=invited.pseudonym).answers["comment"] == PANEL_COMMENT
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>").split("localhost")[1]
    tokens.add(unsubscribe.rstrip("/").split("/")[-1])
    assert respondent.get(unsubscribe).status_code == 200

    # Dead links: a tampered invitation, an unknown booking and my-data token (4xx).
    dead = [
        signing.Signer(salt="tampered").sign(str(invited.pk)),
        secrets.token_urlsafe(16),
        secrets.token_urlsafe(16),
    ]
    tokens.update(dead)
    assert respondent.get(f"/panel/inv/{dead[0]}/").status_code == 400
    assert respondent.get(f"/intervju/{dead[1]}/").status_code in (400, 404)
    assert respondent.get(f"/en/panel/mine-data/{dead[2]}/").status_code < 500

    # A failing invitation link (500) whose exception names the link and the address.
    failing = invitation_token(Invitation.objects.get(member=invited).pk)

    def explode(token):
        raise RuntimeError(f"no invitation at /panel/inv/{token}/ for ola.logg@example.no")

    monkeypatch.setattr(panel_views, "invitation_for_token", explode)
    crashing = Client(HTTP_HOST="localhost", raise_request_exception=False)
    assert crashing.get(f"/panel/inv/{failing}/").status_code == 500
    monkeypatch.undo()
    emails = {SIGNUP_EMAIL, SIGNUP_EMAIL.lower(), "ola.logg@example.no"}
    return {PANEL_COMMENT, "Vbnmkl"}, emails, tokens


def _server_lines(token_path: str, gunicorn_logger) -> None:
    """A request line as runserver (django.server) and as gunicorn's access log write it,
    from their own code, with client addresses and a query string."""
    from django.core.servers.basehttp import WSGIRequestHandler

    with socket.socket() as listener:  # runserver's record carries its socket (addresses)
        listener.bind(("127.0.0.1", 0))
        handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
        handler.request = listener
        handler.client_address = (CLIENT_IP, 50123)
        handler.log_message('"%s" %s %s', f"GET {token_path}?code=x HTTP/1.1", "404", "179")
    environ = {
        "REMOTE_ADDR": PROXY_IP,
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{token_path}?email={SIGNUP_EMAIL}",
        "PATH_INFO": token_path,
        "QUERY_STRING": f"email={SIGNUP_EMAIL}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://innsikt.example.no{token_path}",
    }
    response = SimpleNamespace(status="404 Not Found", sent=179, headers=[])
    request = SimpleNamespace(headers=[("HOST", "localhost")])
    gunicorn_logger.access(response, request, environ, timedelta(milliseconds=12))


# ---- the tests ----------------------------------------------------------------------------


def test_respondent_and_panel_flows_log_no_answer_address_token_or_ip(
    captured, monkeypatch, gunicorn_logger
):
    home = factories.library("stavanger", "localhost", default=True)
    answers, tokens = _respondent_flow(home, monkeypatch)
    panel_answers, emails, panel_tokens = _panel_flow(home, monkeypatch)
    answers |= panel_answers
    tokens |= panel_tokens
    invitation_path = f"/panel/inv/{sorted(panel_tokens)[0]}/"
    _server_lines(invitation_path, gunicorn_logger)
    # A request for a host name that is an address (django.security.DisallowedHost).
    assert Client().get("/", HTTP_HOST=CLIENT_IP).status_code == 400
    ips = {CLIENT_IP, PROXY_IP, "127.0.0.1"}

    lines = captured.lines()  # every line is one JSON object
    loggers = {line["logger"] for line in lines}
    assert {"django.request", "django.server", "gunicorn.access"} <= loggers, loggers
    assert "django.security.DisallowedHost" in loggers
    errors = [
        line
        for line in lines
        if line["logger"] == "django.request" and line["level"] == "ERROR" and "exc_info" in line
    ]
    assert len(errors) == 2, "the two forced 500s are logged with their tracebacks"
    assert all(TOKEN in line["message"] for line in errors)
    assert any(TOKEN in line["exc_info"] and EMAIL in line["exc_info"] for line in errors)
    assert TOKEN in captured.text and EMAIL in captured.text and IP in captured.text

    # Without the filter the same records would have carried them: the scan looks where
    # they appear.
    assert _leaks(captured.raw.getvalue(), emails)
    assert len(_leaks(captured.raw.getvalue(), tokens)) >= 5
    assert _leaks(captured.raw.getvalue(), ips) == sorted(ips)

    assert _leaks(captured.text, answers) == []
    assert _leaks(captured.text, emails) == []
    assert _leaks(captured.text, tokens) == []
    assert _leaks(captured.text, ips) == []
    # A token's signature alone (what follows the value it signs) is a secret too.
    assert _leaks(captured.text, {t.rsplit(":", 1)[-1] for t in tokens if ":" in t}) == []


def test_sql_at_debug_would_log_answers_which_is_why_it_is_held_at_info(settings, monkeypatch):
    """What the INFO floor on django.db.backends prevents: with it lowered, the answers are
    in the log, and no filter can tell them from other text."""
    config = copy.deepcopy(settings.LOGGING)
    config["root"]["level"] = "DEBUG"
    config["loggers"]["django.db.backends"]["level"] = "DEBUG"
    logging.config.dictConfig(config)
    buffer = io.StringIO()
    for handler in logging.getLogger().handlers:
        handler.setStream(buffer)  # type: ignore[attr-defined]
    connection.force_debug_cursor = True
    try:
        home = factories.library("stavanger", "localhost", default=True)
        answers, _tokens = _respondent_flow(home, monkeypatch)
    finally:
        connection.force_debug_cursor = False
        logging.config.dictConfig(settings.LOGGING)

    assert {"Zyxwav", "Qwzxpt"} <= set(_leaks(buffer.getvalue(), answers))


def _token_routes() -> list[str]:
    """A path for every URL pattern with a ``token`` argument: the site's URLs and the
    routes of routable pages (a survey's resume link), each with a fresh random token."""
    paths: list[str] = []

    def walk(patterns, namespaces):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                spaces = [*namespaces, pattern.namespace] if pattern.namespace else namespaces
                walk(pattern.url_patterns, spaces)
            elif isinstance(pattern, URLPattern) and "token" in pattern.pattern.converters:
                name = ":".join([*namespaces, pattern.name])
                kwargs = {arg: "abc" for arg in pattern.pattern.converters}
                paths.append(reverse(name, kwargs={**kwargs, "token": "TOKEN"}))

    walk(get_resolver().url_patterns, [])
    from django.apps import apps

    for model in apps.get_models():
        if issubclass(model, RoutablePageMixin):
            for route in model.get_subpage_urls():
                if isinstance(route, URLPattern) and "token" in route.pattern.converters:
                    subpath = model.get_resolver().reverse(route.name, token="TOKEN")
                    paths.append(f"/library/{model._meta.model_name}/{subpath}")
    # A survey page's own routes (the same table as its channel links: surveys.routes).
    for route in SURVEY_ROUTES:
        if "<str:token>" in route.path:
            paths.append("/library/min-undersokelse/" + route_path(route.name, token="TOKEN"))
    return paths


def test_every_token_url_is_redacted():
    """Not examples: every route that takes a token, in both languages, so a new token
    link the filter misses fails here."""
    paths = _token_routes()
    assert len(paths) >= 8, paths
    for path in paths:
        for language_path in (path, "/en" + path if not path.startswith("/en/") else path):
            token = secrets.token_urlsafe(16)
            line = f'"GET {language_path.replace("TOKEN", token)} HTTP/1.1" 404'
            assert token not in redact(line), language_path
            assert TOKEN in redact(line)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /panel/mine-data/side/ 200", "GET /panel/mine-data/side/ 200"),
        ("Not Found: /s/abc123/", "Not Found: /s/abc123/"),  # a channel code is public
        ("worker celery@web1 ready", "worker celery@web1 ready"),
        ("at 12:30:45, version 5.2", "at 12:30:45, version 5.2"),
        ("to ola%40example.no", f"to {EMAIL}"),
        ("from [2001:db8::7]:443", f"from [{IP}]:443"),
        ("{'path': 'panel/avmeld/x-y_z/'}", f"{{'path': 'panel/avmeld/{TOKEN}/'}}"),
        (
            'BadSignature: Signature "Ab-c_9" does not match',
            f'BadSignature: Signature "{TOKEN}" does not match',
        ),
    ],
)
def test_redaction_keeps_what_identifies_nobody(text, expected):
    assert redact(text) == expected
    assert redact(redact(text)) == redact(text)


def test_a_record_whose_arguments_do_not_fit_is_written_redacted_not_raised():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %s", ("one",), None)
    record.extra_thing = SimpleNamespace(email="kari@example.no")

    assert PrivacyFilter().filter(record) is True
    assert "kari@example.no" not in record.getMessage() + str(vars(record))
