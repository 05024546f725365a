"""Faults survived by the web (issue 15 §3): PostgreSQL restarting while respondents submit,
and Redis (the sessions) restarting in the middle of a multi-page survey.

Real parts: gunicorn (2 sync workers, as in production) serving the test database; a TCP
proxy (tests.proxy) between gunicorn and PostgreSQL or Redis stands in for the restart —
open connections are cut and new ones refused, then accepted again — so the real servers,
which other runs share, are not touched. Respondents are HTTP clients with their own
cookies, posting the real forms. When a page says "try again in a moment" (503), they do
what it says: press "Send again", which posts the kept form again.
"""

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pytest
import redis
import requests
from bs4 import BeautifulSoup
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from cms.error_views import RETRY_AFTER_SECONDS
from surveys.models import Response
from surveys.views import SESSION_LOST_NOTICE
from tests import factories
from tests.proxy import TcpProxy
from tests.realparts import gunicorn_start, process_children, worker_stop

pytestmark = pytest.mark.integration

REDIS = ("127.0.0.1", 6379)
BODY = [
    factories.step("who", factories.q("short_text", "marker", "Your code")),
    factories.step(
        "rate",
        factories.q("single_choice", "visits", "How often?", options=["never", "few", "many"]),
        factories.q("long_text", "comment", "Comment", required=False, max_length=200),
    ),
    factories.step(
        "last", factories.q("yes_no", "card", "Do you have a library card?", required=False)
    ),
]
ANSWERS = [{"marker": None}, {"visits": "few", "comment": "Fine.\nReally."}, {"card": "yes"}]


def _nb(text: str) -> str:
    with translation.override("nb"):
        return gettext(text)


def _form_fields(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The action and fields of the page's POST form as a browser sends it when its main
    button is pressed: text, hidden and textarea values, checked boxes, selected options."""
    form = BeautifulSoup(html, "html.parser").find("form", method="post")
    assert form is not None, html[:2000]
    fields = []
    for element in form.find_all(["input", "textarea", "select"]):
        name, kind = element.get("name"), element.get("type")
        if not name or kind == "submit" or element.name == "button":
            continue
        if kind in ("checkbox", "radio"):
            if element.has_attr("checked"):
                fields.append((name, element.get("value", "on")))
        elif element.name == "select":
            chosen = element.find("option", selected=True)
            if chosen is not None and chosen.get("value"):
                fields.append((name, chosen["value"]))
        elif element.name == "textarea":
            fields.append((name, element.text.removeprefix("\n")))
        else:
            fields.append((name, element.get("value", "")))
    return form.get("action") or "", fields


def _step(html: str) -> str:
    """The survey page being shown (the wizard's current_step field)."""
    _action, fields = _form_fields(html)
    return next(value for name, value in fields if name.endswith("-current_step"))


@dataclass
class Respondent:
    """One browser answering the three-page survey; records what it saw."""

    base: str
    marker: str
    session: requests.Session = field(default_factory=requests.Session)
    unavailable: int = 0  # 503 "try again in a moment" pages seen
    errors: list[str] = field(default_factory=list)  # anything else that is not 200/302
    thanked: bool = False

    def _ok(self, response: requests.Response) -> bool:
        if response.status_code == 503:
            self.unavailable += 1
            assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert _nb("Try again in a moment") in response.text
            return False
        if response.status_code != 200:
            self.errors.append(f"{response.status_code} {response.url}")
            raise AssertionError(self.errors[-1])
        return True

    def get(self, url: str, deadline: float) -> str:
        while time.monotonic() < deadline:
            try:
                response = self.session.get(url, timeout=10)
            except requests.ConnectionError as exc:  # gunicorn itself must stay up
                self.errors.append(f"connection: {exc}")
                raise
            if self._ok(response):
                return response.text
            time.sleep(0.3)  # the page says: wait a few seconds and try again
        raise TimeoutError(url)

    def post(self, url: str, fields: list[tuple[str, str]], deadline: float) -> str:
        while time.monotonic() < deadline:
            response = self.session.post(url, data=fields, timeout=10)
            if self._ok(response):
                if response.url.endswith("/takk/"):
                    self.thanked = True
                return response.text
            # "Send again": the 503 page's form holds what was sent, to be sent again.
            action, kept = _form_fields(response.text)
            assert sorted(kept) == sorted(fields), "the typed answers were not kept"
            url = urljoin(url, action)
            time.sleep(0.3)
        raise TimeoutError(url)

    def page(self, html: str, answers: dict) -> list[tuple[str, str]]:
        """The page's form with these answers filled in (over what it already holds)."""
        _action, fields = _form_fields(html)
        return [(n, v) for n, v in fields if n not in answers] + list(answers.items())

    def answer_all(self, url: str, deadline: float) -> None:
        html = self.get(url, deadline)
        for answers in ANSWERS:
            answers = {k: (v if v is not None else self.marker) for k, v in answers.items()}
            html = self.post(url, self.page(html, answers), deadline)
        assert self.thanked, html[:2000]


def _stored_markers(survey) -> Counter:
    return Counter(r.answers.get("marker") for r in Response.objects.filter(survey=survey))


@pytest.fixture
def survey(transactional_db):
    home = factories.library("stavanger", "localhost", default=True)
    return factories.survey(home, BODY, slug="fault")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a database restart is PostgreSQL's (CI runs it)"
)
def test_database_restart_while_respondents_submit(survey, tmp_path):
    settings = connection.settings_dict
    upstream = (settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432))
    with TcpProxy(upstream) as proxy:
        url = f"postgres://{settings['USER']}@127.0.0.1:{proxy.port}/{settings['NAME']}"
        server, base = gunicorn_start(
            tmp_path / "gunicorn.log",
            DATABASE_URL=url,
            CACHE_URL=f"file://{tmp_path / 'cache'}",
            DB_CONN_MAX_AGE="60",  # kept connections, as in production: the restart kills them
        )
        try:
            workers = process_children(server.pid)
            assert len(workers) == 2
            survey_url = f"{base}/{survey.slug}/"
            stop = threading.Event()
            respondents: list[Respondent] = []
            lock = threading.Lock()

            def browse(n: int) -> None:
                i = 0
                while not stop.is_set():
                    respondent = Respondent(base, f"r{n}-{i}")
                    with lock:
                        respondents.append(respondent)
                    respondent.answer_all(survey_url, deadline=time.monotonic() + 40)
                    i += 1

            threads = [threading.Thread(target=browse, args=(n,)) for n in range(4)]
            for thread in threads:
                thread.start()
            time.sleep(2)
            proxy.down()  # PostgreSQL restarts: connections cut, new ones refused
            time.sleep(4)
            proxy.up()
            back_at = time.monotonic()
            probe = Respondent(base, "probe")
            probe.get(survey_url, deadline=back_at + 10)
            recovered_in = time.monotonic() - back_at
            time.sleep(2)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            assert not any(thread.is_alive() for thread in threads)

            assert recovered_in < 10, f"answered again only after {recovered_in:.1f} s"
            assert server.poll() is None, "gunicorn stopped"
            assert process_children(server.pid) == workers, "a gunicorn worker was restarted"
            assert [r.errors for r in respondents if r.errors] == []  # no 500, no refusal
            assert sum(r.unavailable for r in respondents) > 0, "the outage was not noticed"
            thanked = [r.marker for r in respondents if r.thanked]
            assert len(thanked) == len(respondents)  # everyone got through in the end
            stored = _stored_markers(survey)
            assert {m: n for m, n in stored.items() if n > 1} == {}  # none twice
            assert set(stored) == set(thanked)  # every thank-you page's answers are stored
        finally:
            worker_stop(server)


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis(*REDIS, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on localhost (CI has it)")
@pytest.mark.parametrize("data_kept", [False, True], ids=["data-lost", "data-kept"])
def test_redis_restart_in_the_middle_of_a_multi_page_survey(survey, tmp_path, data_kept):
    """Sessions live in Redis (cms.settings: never in the database). After the first page,
    Redis restarts — losing its data (no persistence) or keeping it. While it is down the
    respondent is asked to try again in a moment with their answers kept; after, they go on
    (data kept) or are told plainly that the earlier pages were lost and start again with
    the last page's answers kept (data lost). Nothing unfinished is stored."""
    db, prefix = 10, f"fault-{uuid.uuid4().hex}"  # the database may be shared: own keys
    real = redis.Redis(*REDIS, db=db)
    with TcpProxy(REDIS) as proxy:
        server, base = gunicorn_start(
            tmp_path / "gunicorn.log",
            CACHE_URL=f"redis://127.0.0.1:{proxy.port}/{db}",
            CACHE_KEY_PREFIX=prefix,
        )
        try:
            survey_url = f"{base}/{survey.slug}/"
            deadline = time.monotonic() + 40
            respondent = Respondent(base, "mid-survey")
            html = respondent.get(survey_url, deadline)
            html = respondent.post(
                survey_url, respondent.page(html, {"marker": respondent.marker}), deadline
            )
            second_page = respondent.page(html, ANSWERS[1])

            proxy.down()
            answer = respondent.session.post(survey_url, data=second_page, timeout=10)
            assert answer.status_code == 503  # not a 500, not a traceback
            assert _nb("Try again in a moment") in answer.text
            _action, kept = _form_fields(answer.text)
            assert sorted(kept) == sorted(second_page)  # what they typed is kept
            # A first visit during the outage needs no session: a process that has the page
            # in memory shows it, one that must read Redis says "try again"; never a 500.
            newcomer = requests.get(survey_url, timeout=10)
            assert newcomer.status_code in (200, 503)
            if newcomer.status_code == 200:
                assert _step(newcomer.text) == "who" and "sessionid" not in newcomer.cookies
            else:
                assert _nb("Try again in a moment") in newcomer.text
            if not data_kept:
                for key in real.scan_iter(match=f"{prefix}:*"):
                    real.delete(key)  # a restart without persistence: all of it is gone
            proxy.up()

            html = respondent.post(survey_url, kept, deadline)  # "Send again"
            if data_kept:
                assert _step(html) == "last"  # on they go, as if nothing happened
            else:
                with translation.override("nb"):
                    notice = str(SESSION_LOST_NOTICE)
                assert notice in html  # told plainly what happened
                assert _step(html) == "who"
                assert Response.objects.count() == 0  # nothing unfinished stored
                # Starting again: page one; page two comes back with what was typed.
                html = respondent.post(
                    survey_url, respondent.page(html, {"marker": respondent.marker}), deadline
                )
                assert "Fine.\nReally." in BeautifulSoup(html, "html.parser").get_text()
                assert _step(html) == "rate"
                html = respondent.post(survey_url, respondent.page(html, {}), deadline)
            html = respondent.post(survey_url, respondent.page(html, ANSWERS[2]), deadline)
            assert respondent.thanked
            assert respondent.errors == []
            stored = list(Response.objects.filter(survey=survey))
            assert len(stored) == 1
            assert stored[0].answers == {
                "marker": "mid-survey",
                "visits": "few",
                "comment": "Fine.\nReally.",
                "card": "yes",
            }
            log = (tmp_path / "gunicorn.log").read_text()
            assert "Internal Server Error" not in log
        finally:
            worker_stop(server)
            for key in real.scan_iter(match=f"{prefix}:*"):
                real.delete(key)
