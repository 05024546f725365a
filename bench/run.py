"""Benchmark: Innsikt's survey runtime against a stock Wagtail form page and a constant view.

    .venv/bin/python bench/run.py [--seconds 10] [--connections 4] [--rounds 1]

Run by hand (not part of the test suite). It

1. installs Debian's ``wrk`` if it is missing (like bin/bootstrap installs Debian packages),
   creates and migrates the PostgreSQL database of bench/settings.py and collects static files;
2. builds a library site (hostname localhost) holding a stock Wagtail ``FormPage``
   (bench.formpage, as in Wagtail's docs) with 10 fields of mixed types, and two Innsikt
   surveys with the same 10 questions: one page, and three pages (4 + 3 + 3); the one-page
   survey is also measured through its channel short link /s/<code>/, which does not go
   through Wagtail's page routing;
3. in-process (Django's test client, same settings and database): counts the SQL queries of a
   warm request of every scenario, times requests one at a time without a profiler (and the
   time spent in SQL and in Redis round trips), and, when pyinstrument is installed (it is not a
   dependency), profiles Innsikt's GET and POST: where the time goes, by layer and function;
4. starts gunicorn (2 sync workers) on 127.0.0.1 and, per scenario, runs wrk with N
   connections for a bounded time after a short warm-up; POST scenarios are real submissions
   (CSRF cookie + token, session cookie, the wizard's management field; each wrk connection
   is one browser whose cookies come from a GET made before the run and, as a browser's,
   from every response after it), and the rows they
   created (each must hold all ten answers) are counted in the database and compared with
   the submissions wrk saw;
5. stops gunicorn and prints the machine, the results table and the goals (markdown).

Everything is bounded: each wrk run by --seconds (plus a subprocess timeout), gunicorn's start
by 30 s, every loop by a count. Only 127.0.0.1 is contacted (and Debian's mirror when wrk has
to be installed).
"""

import argparse
import functools
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "load.lua"
SETTINGS = "bench.settings"
LIBRARY_SLUG = "bench-library"

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STEP_RE = re.compile(r'name="(s[0-9a-f]{16}-current_step)" value="([^"]*)"')
BENCH_RE = re.compile(r"^BENCH (.*)$", re.M)

GOAL_X_STOCK = 3.0  # Innsikt req/s >= 3 x the stock FormPage's (same method)
GOAL_OF_CONSTANT = 0.10  # Innsikt req/s >= 10 % of the constant view's
GOAL_P99_MS = 25.0
GOAL_QUERIES = {"GET": 3, "POST": 5}


# ---- the 10 questions, as an Innsikt survey and as stock Wagtail form fields ---------------
def innsikt_questions() -> list[dict]:
    from tests.factories import q

    return [
        q("short_text", "name", "Your name", max_length=100),
        q("long_text", "comment", "What should the library do better?", max_length=2000),
        q("email", "email", "E-mail address"),
        q("number", "age", "Age", min_value=0, max_value=120),
        q("date", "visited", "When did you last visit?"),
        q("single_choice", "branch", "Which branch?", options=["sentrum", "hundvag", "madla"]),
        q("multiple_choice", "uses", "What do you use?", options=["books", "wifi", "study"]),
        q("dropdown", "often", "How often do you come?", options=["weekly", "monthly", "rarely"]),
        q("yes_no", "card", "Do you have a library card?"),
        q(
            "likert",
            "satisfied",
            "How satisfied are you?",
            points="5",
            left_label="Bad",
            right_label="Good",
        ),
    ]


STOCK_FIELDS = [  # (label = clean name, field type, choices)
    ("name", "singleline", ""),
    ("comment", "multiline", ""),
    ("email", "email", ""),
    ("age", "number", ""),
    ("visited", "date", ""),
    ("branch", "radio", "sentrum,hundvag,madla"),
    ("uses", "checkboxes", "books,wifi,study"),
    ("often", "dropdown", "weekly,monthly,rarely"),
    ("card", "radio", "yes,no"),
    ("satisfied", "radio", "1,2,3,4,5"),
]

ANSWERS: dict[str, Any] = {
    "name": "Kari Nordmann",
    "comment": "More seats by the windows, please, and longer opening hours on Saturdays.",
    "email": "kari@example.no",
    "age": "42",
    "visited": "2026-03-12",
    "branch": "madla",
    "uses": ["books", "wifi"],
    "often": "monthly",
    "card": "yes",
    "satisfied": "4",
}
PAGES = {
    "p1": ["name", "comment", "email", "age"],
    "p2": ["visited", "branch", "uses"],
    "p3": ["often", "card", "satisfied"],
}


# ---- scenarios ------------------------------------------------------------------------
STOCK = "(b) stock Wagtail FormPage"
ONE = "(c) Innsikt, 1 page"
THREE = "(c) Innsikt, 3 pages"
LINK = "(c) Innsikt, 1 page, short link /s/CODE/"


@dataclass
class Step:
    status: int  # expected status
    marker: str  # the response body must contain this ("" = no check)
    answers: dict[str, Any]
    wizard_step: str | None = None  # value of the wizard's management field, if any
    honeypot: bool = False


@dataclass
class Scenario:
    key: str
    title: str
    method: str
    path: str
    kind: str  # ok | stock | innsikt
    steps: list[Step] = field(default_factory=list)  # one submission (POST scenarios)
    page_id: int | None = None
    # in-process results
    queries: list[int] = field(default_factory=list)  # per request of a warm submission/GET
    sql: list[list[str]] = field(default_factory=list)
    service_ms: float = 0.0  # median, one request at a time
    mean_ms: float = 0.0
    sql_ms: float = 0.0  # mean per request
    cache_ms: float = 0.0
    cache_calls: float = 0.0
    # load results, one per round
    runs: list[dict[str, Any]] = field(default_factory=list)

    def rows(self, complete: bool = True) -> int:
        """Rows this scenario's submissions created (responses or form submissions); with
        ``complete``, only those holding all ten answers."""
        if self.kind == "stock":
            from wagtail.contrib.forms.models import FormSubmission

            rows = FormSubmission.objects.filter(page_id=self.page_id)
            field = "form_data"
        else:
            from surveys.models import Response

            rows = Response.objects.filter(survey_id=self.page_id)
            field = "answers"
        if complete:
            rows = rows.filter(
                **{f"{field}__has_keys": list(ANSWERS), f"{field}__email": ANSWERS["email"]}
            )
        return rows.count()


def body(step: Step, csrf: str, management: str | None) -> str:
    pairs: list[tuple[str, str]] = [("csrfmiddlewaretoken", csrf)]
    if step.wizard_step is not None:
        if management is None:
            raise RuntimeError("no wizard management field on the survey page")
        pairs.append((management, step.wizard_step))
    for key, value in step.answers.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((key, v))
    if step.honeypot:
        pairs.append(("website", ""))  # the hidden field a browser sends empty
    return urllib.parse.urlencode(pairs)


def build_data() -> list[Scenario]:
    from wagtail.models import Locale, Page

    from bench.formpage.models import BenchFormPage, FormField
    from tests.factories import library, step, survey

    for old in Page.objects.filter(depth=2, slug=LIBRARY_SLUG):
        old.delete()
    home = library(LIBRARY_SLUG, "localhost", default=True)
    Locale.objects.get_or_create(language_code="en")  # English at /en/, as in production

    form_page = BenchFormPage(
        title="Stock form",
        slug="stock-form",
        intro="<p>Ten questions, Wagtail's form builder.</p>",
        thank_you_text="<p>Thank you for your answers.</p>",
        form_fields=[
            FormField(sort_order=i, label=label, field_type=kind, required=True, choices=choices)
            for i, (label, kind, choices) in enumerate(STOCK_FIELDS)
        ],
    )
    home.add_child(instance=form_page)
    form_page.save_revision().publish()
    names = [f.clean_name for f in form_page.get_form_fields()]
    if names != [label for label, _kind, _choices in STOCK_FIELDS]:
        raise RuntimeError(f"unexpected stock field names: {names}")

    questions = innsikt_questions()
    by_key = {q["value"]["key"]: q for q in questions}
    one = survey(
        home,
        [step("all", *questions)],
        slug="survey-1page",
        channels=[("link", "Bench link", "")],
        one_response_per_browser=False,
    )
    three = survey(
        home,
        [step(key, *[by_key[k] for k in keys]) for key, keys in PAGES.items()],
        slug="survey-3pages",
        one_response_per_browser=False,
    )

    def path(page) -> str:
        return page.get_url_parts()[2]

    stock_steps = [Step(200, 'class="bench-thanks"', ANSWERS)]
    one_steps = [Step(302, "", ANSWERS, wizard_step="all", honeypot=True)]
    keys = list(PAGES)
    three_steps = [
        Step(
            302 if i == len(keys) - 1 else 200,
            "" if i == len(keys) - 1 else f'current_step" value="{keys[i + 1]}"',
            {k: ANSWERS[k] for k in PAGES[key]},
            wizard_step=key,
            honeypot=True,
        )
        for i, key in enumerate(keys)
    ]
    stock, i1, i3 = path(form_page), path(one), path(three)
    link = f"/s/{one.channels.get().code}/"  # the same survey through its short link
    fp, p1, p3 = form_page.pk, one.pk, three.pk
    return [
        Scenario("ok", "(a) constant 200 view", "GET", "/bench/ok/", "ok"),
        Scenario("stock-get", STOCK, "GET", stock, "stock", page_id=fp),
        Scenario("i1-get", ONE, "GET", i1, "innsikt", page_id=p1),
        Scenario("i3-get", THREE + " (page 1)", "GET", i3, "innsikt", page_id=p3),
        Scenario("i1s-get", LINK, "GET", link, "innsikt", page_id=p1),
        Scenario("stock-post", STOCK, "POST", stock, "stock", stock_steps, page_id=fp),
        Scenario("i1-post", ONE, "POST", i1, "innsikt", one_steps, page_id=p1),
        Scenario("i3-post", THREE + " (3 POSTs)", "POST", i3, "innsikt", three_steps, page_id=p3),
        Scenario("i1s-post", LINK, "POST", link, "innsikt", one_steps, page_id=p1),
    ]


# ---- setup: wrk, database, Django -------------------------------------------------------
def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("bench: installing Debian's wrk", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-q"], check=True, timeout=600, env=env)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"],
        check=True,
        timeout=600,
        env=env,
    )


def ensure_database(fresh: bool) -> None:
    import psycopg
    from django.conf import settings
    from psycopg import sql

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        raise SystemExit("bench: BENCH_DATABASE_URL must be a PostgreSQL database")
    name = db["NAME"]
    conninfo = {
        "dbname": "postgres",
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as conn:
        quoted = sql.Identifier(name)
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(quoted))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"bench: creating database {name}", flush=True)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(quoted))


def setup_django(fresh: bool) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    ensure_database(fresh)
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    print(f"bench: collecting static files into {settings.STATIC_ROOT}", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest stays current
    cache.clear()  # the benchmark's own Redis database (sessions, caches, rate limits)


# ---- in-process: queries, service time, profile -----------------------------------------
def _client():
    from django.test import Client

    return Client(enforce_csrf_checks=True, HTTP_HOST="localhost")


def _open(client, path: str) -> tuple[str, str | None]:
    response = client.get(path)
    html = response.content.decode()
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code}")
    csrf = CSRF_RE.search(html)
    step = STEP_RE.search(html)
    if csrf is None:
        raise RuntimeError(f"GET {path}: no CSRF token in the page")
    return csrf.group(1), step.group(1) if step else None


def _check(response, step: Step, path: str) -> None:
    content = response.content.decode(errors="replace")
    if response.status_code != step.status or step.marker not in content:
        errors = re.findall(r'<li><a href="[^"]*">([^<]*)</a></li>', content)
        raise RuntimeError(
            f"POST {path} step {step.wizard_step}: status {response.status_code}, "
            f"expected {step.status} with {step.marker!r}; errors: {errors or content[:300]}"
        )


def _submit(client, scenario: Scenario, csrf: str, management: str | None, capture=None):
    out = []
    for step in scenario.steps:
        data = body(step, csrf, management)
        started = time.perf_counter()
        if capture is not None:
            with capture() as ctx:
                response = client.post(
                    scenario.path, data, content_type="application/x-www-form-urlencoded"
                )
            out.append((time.perf_counter() - started, ctx))
        else:
            response = client.post(
                scenario.path, data, content_type="application/x-www-form-urlencoded"
            )
            out.append((time.perf_counter() - started, None))
        _check(response, step, scenario.path)
    return out


@dataclass
class IoTimes:
    sql: float = 0.0
    cache: float = 0.0
    cache_calls: int = 0


@contextmanager
def timed_io(times: IoTimes):
    """Add up the time spent in SQL (a connection execute wrapper) and in Redis round trips
    of the cache and sessions (redis-py's command and pipeline calls, wrapped for the
    duration; a pipeline is one round trip; this process only)."""
    import redis.client
    from django.db import connection

    def sql(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times.sql += time.perf_counter() - started

    def wrap(original):
        @functools.wraps(original)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                times.cache += time.perf_counter() - started
                times.cache_calls += 1

        return timed

    originals = [
        (redis.client.Redis, "execute_command", redis.client.Redis.execute_command),
        (redis.client.Pipeline, "execute", redis.client.Pipeline.execute),
    ]
    for owner, name, original in originals:
        setattr(owner, name, wrap(original))
    try:
        with connection.execute_wrapper(sql):
            yield times
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def measure_inprocess(scenarios: list[Scenario], repeat: int) -> None:
    """Queries of a warm request (CaptureQueriesContext), then ``repeat`` requests one at a
    time: median wall time, and the mean time in SQL and in Redis round trips."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    capture = functools.partial(CaptureQueriesContext, connection)
    for s in scenarios:
        io = IoTimes()
        times = []
        if s.method == "GET":
            client = _client()
            client.get(s.path)  # the first request warms caches
            client.cookies.clear()  # every GET is a first visit: no cookies
            with capture() as ctx:
                response = client.get(s.path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {s.path}: {response.status_code}")
            s.queries = [len(ctx)]
            s.sql = [[q["sql"] for q in ctx.captured_queries]]
            with timed_io(io):
                for _ in range(repeat):
                    client.cookies.clear()
                    started = time.perf_counter()
                    client.get(s.path)
                    times.append(time.perf_counter() - started)
        else:
            client = _client()
            csrf, management = _open(client, s.path)
            _submit(client, s, csrf, management)  # warm: a first submission
            measured = _submit(client, s, csrf, management, capture=capture)
            s.queries = [len(ctx) for _t, ctx in measured]
            s.sql = [[q["sql"] for q in ctx.captured_queries] for _t, ctx in measured]
            with timed_io(io):
                for _ in range(max(1, repeat // len(s.steps))):
                    times += [t for t, _ctx in _submit(client, s, csrf, management)]
        s.service_ms = statistics.median(times) * 1000
        s.mean_ms = statistics.fmean(times) * 1000
        s.sql_ms = io.sql * 1000 / len(times)
        s.cache_ms = io.cache * 1000 / len(times)
        s.cache_calls = io.cache_calls / len(times)


# Layers of a request, innermost first: a sample belongs to the first layer found walking its
# stack from the running frame outwards (stdlib and C calls count for their caller's layer).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("SQL: execution and PostgreSQL round trips", ("/django/db/backends/", "/psycopg/")),
    ("ORM: query building, model instances", ("/django/db/",)),
    ("Cache calls (Redis)", ("/django/core/cache/", "/redis/")),
    ("Sessions", ("/django/contrib/sessions/",)),
    ("Template rendering", ("/django/template/",)),
    ("Django forms", ("/django/forms/",)),
    ("formtools wizard", ("/formtools/",)),
    ("Wagtail (site, routing, serve, rich text)", ("/wagtail/", "/modelcluster/", "/treebeard/")),
    ("URL resolving", ("/django/urls/",)),
    ("Translation (gettext)", ("/django/utils/translation/", "/gettext.py")),
    ("Signed cookies", ("/django/core/signing.py",)),
    ("CSP, rate limit, WhiteNoise", ("/csp/", "/cms/abuse.py", "/whitenoise/")),
    ("Innsikt surveys/ (own code)", (f"{ROOT}/surveys/",)),
    ("Innsikt cms/ (own code)", (f"{ROOT}/cms/",)),
    ("Test client (in-process harness)", ("/django/test/", f"{ROOT}/bench/")),
    ("Django request handling, middleware, rest", ("/django/",)),
]
# Subsystems that do not call back into the view: their inclusive time is meaningful.
SUBSYSTEMS: list[tuple[str, tuple[str, ...]]] = [
    ("SQL incl. round trips", ("/django/db/backends/", "/psycopg/")),
    ("ORM incl. SQL", ("/django/db/",)),
    ("Cache calls incl. Redis round trips", ("/django/core/cache/",)),
    ("Sessions incl. their cache calls", ("/django/contrib/sessions/",)),
    ("Template rendering incl. tags", ("/django/template/",)),
    ("Django forms", ("/django/forms/",)),
]


Stack = tuple[tuple[str, int, str], ...]  # (file, first line, function), innermost first


class Sampler:
    """A wall-clock profile as weighted stacks, taken with pyinstrument (not a dependency of
    Innsikt: ``.venv/bin/python -m pip install pyinstrument``). pyinstrument adds a cost to
    every Python call, so Python-heavy layers (ORM query building, templates) weigh more
    under it than they do unprofiled; the in-process table gives the unprofiled times."""

    def __init__(self, interval: float = 0.0005) -> None:
        from pyinstrument import Profiler

        self.tool = "pyinstrument"
        self.stacks: list[tuple[Stack, float]] = []
        self.seconds = 0.0
        self._profiler = Profiler(interval=interval, async_mode="disabled")

    def _walk(self, frame, outer: Stack) -> None:
        if frame.is_synthetic:
            return
        stack = ((frame.file_path or "", frame.line_no or 0, frame.function or "?"), *outer)
        if frame.total_self_time > 0:
            self.stacks.append((stack, frame.total_self_time))
        for child in frame.children:
            self._walk(child, stack)

    def __enter__(self) -> "Sampler":
        self._started = time.perf_counter()
        self._profiler.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._started
        root = self._profiler.stop().root_frame(trim_stem=False)
        if root is not None:
            self._walk(root, ())


def _short(frame: tuple[str, int, str]) -> str:
    filename, line, name = frame
    for marker in ("site-packages/", f"{ROOT}/", "/lib/python3.11/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({name})"


def _layer(stack: tuple[tuple[str, int, str], ...]) -> str:
    for frame in stack:
        for label, needles in LAYERS:
            if any(needle in frame[0] for needle in needles):
                return label
    return "other"


def _analyse(sampler: Sampler, n: int) -> dict[str, Any]:
    """Per request: time by layer (a partition), inclusive time of subsystems, the functions
    the time was spent in, and Innsikt's functions by inclusive time."""
    stacks = sampler.stacks
    total = sum(w for _s, w in stacks) or 1.0
    ms = sampler.seconds * 1000 / n  # wall time per request while profiled

    def share(weight: float) -> tuple[float, float]:
        return ms * weight / total, 100 * weight / total

    layers = dict.fromkeys([label for label, _n in LAYERS] + ["other"], 0.0)
    leaves: dict[tuple[str, int, str], float] = {}
    innsikt: dict[tuple[str, int, str], float] = {}
    mine = (f"{ROOT}/surveys/", f"{ROOT}/cms/")
    for stack, weight in stacks:
        layers[_layer(stack)] += weight
        leaves[stack[0]] = leaves.get(stack[0], 0.0) + weight
        for frame in set(stack):
            if frame[0].startswith(mine):
                innsikt[frame] = innsikt.get(frame, 0.0) + weight
    subsystems = []
    for label, needles in SUBSYSTEMS:
        weight = sum(
            w for stack, w in stacks if any(n in frame[0] for frame in stack for n in needles)
        )
        subsystems.append((label, *share(weight)))
    top = sorted(leaves.items(), key=lambda kv: -kv[1])[:15]
    own_top = sorted(innsikt.items(), key=lambda kv: -kv[1])[:12]
    return {
        "tool": sampler.tool,
        "total_ms": ms,
        "layers": [(label, *share(w)) for label, w in layers.items() if w],
        "subsystems": subsystems,
        "self": [(_short(f), *share(w)) for f, w in top],
        "own": [(_short(f), *share(w)) for f, w in own_top],
    }


def profile_innsikt(scenarios: list[Scenario], n: int) -> dict[str, dict[str, Any]]:
    result = {}
    get = next(s for s in scenarios if s.key == "i1-get")
    client = _client()
    client.get(get.path)
    with Sampler() as sampler:
        for _ in range(n):
            client.cookies.clear()  # a first visit
            client.get(get.path)
    result["Innsikt GET (1 page, first visit)"] = _analyse(sampler, n)

    post = next(s for s in scenarios if s.key == "i1-post")
    client = _client()
    csrf, management = _open(client, post.path)
    _submit(client, post, csrf, management)
    with Sampler() as sampler:
        for _ in range(n):
            _submit(client, post, csrf, management)
    result["Innsikt POST (1 page, valid submission)"] = _analyse(sampler, n)
    return result


# ---- gunicorn and wrk ------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    port: int,
    log: Path,
    options: list[str] | None = None,
    env: dict[str, str] | None = None,
    root: Path = ROOT,
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:port, answering /bench/ok/ within 30 s. ``options`` replace
    the default ones (2 sync workers, 30 s timeout; bench/soak.py passes deploy's config
    file), ``env`` adds to the environment, ``root`` is the source tree it serves
    (bench/ab.py serves a baseline's)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "PYTHONPATH": str(root),
        **(env or {}),
    }
    if options is None:
        options = ["--workers", "2", "--worker-class", "sync", "--timeout", "30",
                   "--log-level", "warning"]  # fmt: skip
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "cms.wsgi:application",
        *options,
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(root),
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            status, _html, _cookies = http_get(port, "/bench/ok/")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop_gunicorn(process)
    raise RuntimeError(f"gunicorn did not answer within 30 s: {log.read_text()[-2000:]}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def http_get(port: int, path: str) -> tuple[int, str, dict[str, str]]:
    """GET like a browser on its first visit; returns status, HTML and the cookies set."""
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        html = response.read().decode(errors="replace")
        cookies = {}
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _sep, value = header.split(";", 1)[0].partition("=")
            cookies[name.strip()] = value.strip()
        return response.status, html, cookies
    finally:
        conn.close()


def flow_file(port: int, scenario: Scenario, connections: int, directory: Path) -> Path:
    """One line per wrk connection: a browser that opened the page (cookies, CSRF token,
    the wizard's management field) and the requests of one submission (see load.lua)."""
    lines = []
    for _ in range(connections):
        status, html, cookies = http_get(port, scenario.path)
        csrf, step = CSRF_RE.search(html), STEP_RE.search(html)
        if status != 200 or csrf is None:
            raise RuntimeError(f"GET {scenario.path}: {status}, no form")
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        fields = [scenario.path, cookie]
        for s in scenario.steps:
            fields += [str(s.status), s.marker, body(s, csrf.group(1), step and step.group(1))]
        if any("\t" in f or "\n" in f for f in fields):
            raise RuntimeError("a tab or newline in a flow field")
        lines.append("\t".join(fields))
    path = directory / f"{scenario.key}.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(port: int, scenario: Scenario, seconds: int, connections: int, directory: Path) -> dict:
    command = [
        "wrk",
        "-t",
        str(connections),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}{scenario.path}",
    ]
    if scenario.method == "POST":
        command += ["--", str(flow_file(port, scenario, connections, directory))]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    match = BENCH_RE.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    result: dict[str, Any] = {k: float(v) for k, v in (p.split("=") for p in match[1].split())}
    result["seconds"] = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / result["seconds"]
    result["sps"] = result["submitted"] / result["seconds"]
    return result


def settled_rows(scenario: Scenario) -> tuple[int, int]:
    """(all rows, complete rows) once requests still in flight when wrk stopped are done."""
    previous = scenario.rows(complete=False)
    for _ in range(25):
        time.sleep(0.2)
        current = scenario.rows(complete=False)
        if current == previous:
            break
        previous = current
    return previous, scenario.rows()


def run_load(scenarios, port, seconds, warmup, connections, rounds, directory) -> None:
    for r in range(rounds):
        for s in scenarios:
            print(f"bench: round {r + 1}/{rounds}: {s.key} {s.method} {s.path}", flush=True)
            if warmup:
                wrk(port, s, warmup, connections, directory)
            before = settled_rows(s) if s.method == "POST" else (0, 0)
            result = wrk(port, s, seconds, connections, directory)
            result["load"] = os.getloadavg()[0]
            if s.method == "POST":
                after = settled_rows(s)
                result["rows_all"] = after[0] - before[0]
                result["rows"] = after[1] - before[1]
            s.runs.append(result)


# ---- report ----------------------------------------------------------------------------
def median_run(s: Scenario) -> dict[str, Any]:
    runs = sorted(s.runs, key=lambda r: r["rps"])
    return runs[(len(runs) - 1) // 2]


def machine() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    import django
    import wagtail

    return [
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"load average before the run {os.getloadavg()[0]:.2f}",
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"Wagtail {wagtail.__version__}, PostgreSQL {pg}, "
        f"{wrk_version.splitlines()[0].split(' Copyright')[0] if wrk_version else 'wrk'}",
    ]


def report(scenarios, args, profiles, machine_lines) -> bool:
    by_key = {s.key: s for s in scenarios}
    constant = median_run(by_key["ok"])["rps"]
    stock = {
        "GET": median_run(by_key["stock-get"])["rps"],
        "POST": median_run(by_key["stock-post"])["rps"],
    }
    print()
    print(
        f"## Results ({args.connections} connections, {args.seconds} s per scenario, "
        f"{args.rounds} round(s), median round by req/s)"
    )
    print()
    for line in machine_lines:
        print(f"- {line}")
    print()
    print(
        "| scenario | method | req/s | submissions/s | p50 ms | p99 ms | queries/req "
        "| in-process ms/req | × stock | % of constant | rows in DB / seen by wrk | load |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    verified = True
    notes = []
    for s in scenarios:
        r = median_run(s)
        rows = "–"
        if s.method == "POST":
            total_rows = sum(x["rows"] for x in s.runs)
            total_seen = sum(x["submitted"] for x in s.runs)
            in_flight = total_rows - total_seen
            complete = total_rows == sum(x["rows_all"] for x in s.runs)
            ok = complete and 0 <= in_flight <= args.connections * len(s.runs)
            verified &= ok
            rows = f"{total_rows:.0f} / {total_seen:.0f}" + ("" if ok else " MISMATCH")
        subs = f"{r['sps']:.0f}" if s.method == "POST" else "–"
        versus = f"{r['rps'] / stock[s.method]:.2f}" if s.kind == "innsikt" else "–"
        share = f"{100 * r['rps'] / constant:.1f} %" if s.kind != "ok" else "100 %"
        queries = "/".join(str(n) for n in s.queries)
        print(
            f"| {s.title} | {s.method} | {r['rps']:.0f} | {subs} | {r['p50_us'] / 1000:.1f} "
            f"| {r['p99_us'] / 1000:.1f} | {queries} | {s.service_ms:.1f} | {versus} "
            f"| {share} | {rows} | {r['load']:.1f} |"
        )
        if len(s.runs) > 1:
            rounds = ", ".join(f"{x['rps']:.0f}" for x in s.runs)
            notes.append(f"{s.title} {s.method}: req/s per round {rounds}")
        for x in s.runs:
            if x["bad"] or x["timeouts"] or x["connect_errors"] or x["read_errors"]:
                notes.append(
                    f"{s.title} {s.method}: {x['bad']:.0f} unexpected responses, "
                    f"{x['timeouts']:.0f} timeouts, {x['connect_errors']:.0f} connect and "
                    f"{x['read_errors']:.0f} read errors"
                )
    print()
    print(
        "load: the 1-minute load average when the run ended. p50/p99: wrk's latency of "
        "each request (a 3-page submission is 3 requests). queries/req: a warm request "
        "in-process (per request of a submission)."
    )
    for note in notes:
        print(f"- {note}")
    print()
    print("## In-process, one request at a time (Django test client, no profiler)")
    print()
    print(
        "| scenario | method | median ms | mean ms | SQL queries | SQL ms | Redis round trips "
        "| Redis ms | rest ms |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in scenarios:
        rest = s.mean_ms - s.sql_ms - s.cache_ms
        queries = "/".join(str(n) for n in s.queries)
        print(
            f"| {s.title} | {s.method} | {s.service_ms:.1f} | {s.mean_ms:.1f} | {queries} "
            f"| {s.sql_ms:.1f} | {s.cache_calls:.1f} | {s.cache_ms:.1f} | {rest:.1f} |"
        )
    print()
    print(
        "SQL ms and cache ms: time inside the database driver's execute and inside "
        "Django's Redis cache client calls (round trips included), mean per request; rest: "
        "everything else (Python: routing, forms, templates, middleware)."
    )
    print()
    print("## Goals")
    print()
    print("| scenario | goal | target | measured | met |")
    print("|---|---|---:|---:|---|")
    for s in scenarios:
        if s.kind != "innsikt":
            continue
        r = median_run(s)
        name = f"{s.title} {s.method}"
        goals = [
            (
                "req/s × stock FormPage",
                f"≥ {GOAL_X_STOCK:.0f}",
                r["rps"] / stock[s.method],
                GOAL_X_STOCK,
                ".2f",
            ),
            (
                "share of the constant view (%)",
                f"≥ {100 * GOAL_OF_CONSTANT:.0f} %",
                100 * r["rps"] / constant,
                100 * GOAL_OF_CONSTANT,
                ".1f",
            ),
            ("p99 latency (ms)", f"≤ {GOAL_P99_MS:.0f}", r["p99_us"] / 1000, -GOAL_P99_MS, ".1f"),
            (
                "queries per request (max)",
                f"≤ {GOAL_QUERIES[s.method]}",
                max(s.queries),
                -GOAL_QUERIES[s.method],
                "d",
            ),
        ]
        for goal, target, value, limit, fmt in goals:
            met = value >= limit if limit > 0 else value <= -limit
            if met:
                verdict = "yes"
            elif limit > 0:
                verdict = f"no: {100 * value / limit:.0f} % of the target"
            else:
                verdict = f"no: {value - -limit:{fmt}} over"
            print(f"| {name} | {goal} | {target} | {value:{fmt}} | {verdict} |")
    print()
    print("## Queries of a warm request (in-process)")
    for s in scenarios:
        if s.kind != "innsikt":
            continue
        for i, sql in enumerate(s.sql):
            label = f"request {i + 1} of {len(s.sql)}" if len(s.sql) > 1 else "request"
            print(f"\n{s.title} {s.method}, {label}: {len(sql)} queries")
            for q in sql:
                print(f"    {q[:160]}")
    for title, p in profiles.items():
        print()
        print(
            f"## Profile: {title}: {args.profile_requests} requests in-process with "
            f"{p['tool']}, {p['total_ms']:.1f} ms/request while profiled"
        )
        print()
        print("| layer (innermost first; sums to 100 %) | ms/request | share |")
        print("|---|---:|---:|")
        for label, ms, share in sorted(p["layers"], key=lambda c: -c[1]):
            print(f"| {label} | {ms:.2f} | {share:.0f} % |")
        print()
        print("| subsystem (inclusive) | ms/request | share |")
        print("|---|---:|---:|")
        for label, ms, share in p["subsystems"]:
            print(f"| {label} | {ms:.2f} | {share:.0f} % |")
        print()
        print("Where the time was spent (own time; ms/request, share):")
        for name, ms, share in p["self"]:
            print(f"    {ms:6.2f}  {share:4.1f} %  {name}")
        print()
        print("Innsikt's functions by inclusive time (ms/request, share):")
        for name, ms, share in p["own"]:
            print(f"    {ms:6.2f}  {share:4.1f} %  {name}")
    print()
    print(
        "Rows: every row a POST scenario created must hold all ten answers, and their "
        "number minus the submissions wrk saw must lie between 0 and the requests in flight "
        f"when wrk stopped (one per connection per run): "
        f"{'verified' if verified else 'NOT VERIFIED'}."
    )
    return verified


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="per scenario (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds before each (default 2)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (4)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat all scenarios (1)")
    parser.add_argument("--profile-requests", type=int, default=200, help="(default 200)")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--wait-idle",
        type=int,
        default=0,
        metavar="SECONDS",
        help="wait up to this long for the 1-minute load average to drop below 1 (default 0)",
    )
    args = parser.parse_args()
    if not (1 <= args.seconds <= 600 and 1 <= args.connections <= 64 and 1 <= args.rounds <= 10):
        parser.error("--seconds 1..600, --connections 1..64, --rounds 1..10")
    args.profile_requests = max(10, min(args.profile_requests, 5000))

    ensure_wrk()
    deadline = time.monotonic() + min(args.wait_idle, 1800)
    while os.getloadavg()[0] >= 1 and time.monotonic() < deadline:
        print(f"bench: load average {os.getloadavg()[0]:.2f}, waiting", flush=True)
        time.sleep(min(15, max(0.0, deadline - time.monotonic())))
    setup_django(args.fresh)
    machine_lines = machine()
    scenarios = build_data()
    print("bench: counting queries and timing requests in-process", flush=True)
    measure_inprocess(scenarios, repeat=60)
    profiles = {}
    if not args.no_profile:
        try:
            import pyinstrument  # noqa: F401
        except ImportError:
            print("bench: no profile: pyinstrument is not installed (pip install pyinstrument)")
        else:
            print("bench: profiling Innsikt's GET and POST", flush=True)
            profiles = profile_innsikt(scenarios, args.profile_requests)

    from django.db import connections

    connections.close_all()
    with tempfile.TemporaryDirectory(prefix="innsikt-bench-") as tmp:
        directory = Path(tmp)
        port = free_port()
        print(f"bench: gunicorn (2 sync workers) on 127.0.0.1:{port}", flush=True)
        process = start_gunicorn(port, directory / "gunicorn.log")
        try:
            run_load(
                scenarios,
                port,
                args.seconds,
                args.warmup,
                args.connections,
                args.rounds,
                directory,
            )
        finally:
            stop_gunicorn(process)
        log = (directory / "gunicorn.log").read_text().strip()
        if log:
            print("bench: gunicorn said:\n" + log[-3000:])
    verified = report(scenarios, args, profiles, machine_lines)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    s.key: {"queries": s.queries, "service_ms": s.service_ms, "runs": s.runs}
                    for s in scenarios
                },
                indent=2,
            )
        )
    return 0 if verified else 1


if __name__ == "__main__":
    sys.exit(main())
