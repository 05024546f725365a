"""Soak benchmark: mixed survey traffic for minutes on a deploy-like stack; errors, memory
growth and latency over time.

    .venv/bin/python bench/soak.py [--minutes 8] [--connections 4] [--budget 600]

Run by hand (not part of the test suite). It

1. sets up like bench/run.py (its settings bench/settings.py, database, static files and
   site: the one-page and three-page surveys and the one-page survey's short link), in a
   PostgreSQL database and Redis databases of its own (``BENCH_DATABASE_URL`` default
   ``innsikt_soak``, ``BENCH_CACHE_URL`` default Redis db 10, the Celery broker Redis db 11;
   both Redis databases are flushed at the start);
2. starts gunicorn with deploy/gunicorn.conf.py (sync workers, its timeouts and logging;
   ``--workers`` of them, default 2, and without deploy's recycling after 1000 requests,
   which would hide a leak: ``--recycle`` keeps it), and a Celery worker as deploy runs it
   (``celery -A cms worker --concurrency=2``, prefork), on the same broker the web uses;
3. measures the stack fresh: wrk (bench/load.lua) on the constant view and on the one-page
   survey's first visit, a few seconds each;
4. drives mixed survey traffic from ``--connections`` client processes (each one request
   at a time, a new browser — cookie jar — per visit, no think time) for ``--minutes``:
   first visits of both surveys and of the short link, full submissions of the one-page
   survey (at its page or its short link) and of the three-page survey (every page POSTed
   in order with the session cookie and the CSRF token, then the thank-you page), visits
   that stop after the first page, and save-and-resume (save on page 2, open the resume
   link in a new browser, finish). Meanwhile it plays Celery beat, faster than beat:
   every ``--task-seconds`` it queues ``cms.tasks.heartbeat`` and
   ``surveys.tasks.drafts_purge_expired``, and it samples the resident memory
   (/proc/PID/status VmRSS; and private memory from smaps_rollup) and CPU time of the
   gunicorn master and workers and the Celery worker and its pool every ``--sample-seconds``,
   with the CPU time of the clients, of PostgreSQL and Redis and of the whole machine (the
   rest is other people's work on a shared machine: the noise);
5. measures the stack again with the same wrk runs, stops everything, and checks the
   database: every submission the clients completed is stored exactly once with all its
   answers, nothing else was stored, the start counters grew by exactly the starts, every
   saved draft was taken; and the broker's queue is empty and the last heartbeat recent;
6. prints the machine, the per-window latency table, memory per process group, and the
   goals (0 errors; memory growth from the end of the warm-up window to the end of the run
   ≤ 10 %; p99 stable: no drift — the last window's p99 ≤ ``--p99-factor`` × the first
   steady window's — and no outlier — every steady window's p99 ≤ ``--p99-factor`` × the
   steady windows' median) in markdown, with the web workers' CPU time per request and the
   CPU the rest of the machine used, per window (on a shared machine a slow window is
   more often other people's work than the server's).

Everything is bounded: the whole run by ``--budget`` seconds (the traffic is shortened to
fit when setting up took long), every request by a 10 s timeout, every subprocess and wait
by a timeout, every loop by a count. Only 127.0.0.1 is contacted (and Debian's mirror when
wrk has to be installed).
"""

import argparse
import contextlib
import json
import multiprocessing
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402  (bench/run.py's data, settings and gunicorn/wrk helpers)

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/innsikt_soak"
DEFAULT_CACHE = "redis://127.0.0.1:6379/10"
DEFAULT_BROKER = "redis://127.0.0.1:6379/11"
GOAL_MEMORY = 10.0  # % growth, end of warm-up → end
GOAL_P99_FACTOR = 1.5
REQUEST_TIMEOUT = 10.0
CODE_RE = re.compile(r'<p class="code">([^<]+)</p>')
SUBMISSION_RE = re.compile(r'name="submission" value="([^"]*)"')  # the form's hidden id
MAX_FLOWS = 1_000_000  # per client process: a bound, never reached in 10 minutes

# The mix: visits (browsers) by weight. Requests per visit in brackets.
MIX: list[tuple[str, int]] = [
    ("view-1page", 20),  # first visit of the one-page survey [1]
    ("view-3page", 10),  # first visit of the three-page survey [1]
    ("view-link", 10),  # first visit through the short link /s/CODE/ [1]
    ("submit-1page", 25),  # GET, POST, thank-you; half at the page, half at the link [3]
    ("submit-3page", 20),  # GET, 3 POSTs, thank-you [5]
    ("leave-3page", 10),  # GET, POST page 1, gone [2]
    ("save-resume", 5),  # GET, POST p1, save on p2; new browser: resume, p2, p3, thanks [9]
]


# ---- the clients (one process per connection) ---------------------------------------------
class Failed(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Browser:
    """One visitor: a cookie jar, and every request recorded as
    (start relative to the traffic's start, latency ms, kind, outcome: "ok" or an error)."""

    def __init__(self, client: "Client") -> None:
        self.client = client
        self.cookies: dict[str, str] = {}
        self.submission = ""  # the hidden per-visit submission id of the page last opened

    def request(
        self, kind: str, method: str, path: str, status: int, marker: str = "", data: str = ""
    ) -> tuple[str, dict[str, str]]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        at = time.time() - self.client.t0
        conn = HTTPConnection("127.0.0.1", self.client.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=data.encode() if data else None, headers=headers)
            response = conn.getresponse()
            html = response.read().decode(errors="replace")
        except TimeoutError:
            self.client.record(at, started, kind, "timeout")
            raise Failed("timeout") from None
        except OSError as exc:
            code = f"socket: {type(exc).__name__}"
            self.client.record(at, started, kind, code)
            raise Failed(code) from None
        finally:
            conn.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            pair, *attributes = header.split(";")
            name, _sep, value = pair.partition("=")
            expired = any(a.strip().lower() == "max-age=0" for a in attributes)
            if expired:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        if response.status != status:
            code = f"status {response.status} (expected {status})"
            self.client.record(at, started, kind, code)
            raise Failed(code)
        if marker and marker not in html:
            self.client.record(at, started, kind, "content")
            raise Failed("content")
        self.client.record(at, started, kind, "ok")
        location = urllib.parse.urlsplit(response.getheader("Location") or "").path
        return html, {"location": location}

    def open(self, kind: str, path: str) -> tuple[str, str | None]:
        html, _meta = self.request(kind, "GET", path, 200, 'name="csrfmiddlewaretoken"')
        csrf, step = run.CSRF_RE.search(html), run.STEP_RE.search(html)
        if csrf is None:
            raise Failed("content")
        submission = SUBMISSION_RE.search(html)
        self.submission = submission.group(1) if submission else ""
        return csrf.group(1), step.group(1) if step else None


class Client:
    def __init__(self, config: dict[str, Any], index: int) -> None:
        self.port = config["port"]
        self.t0 = config["t0"]
        self.config = config
        self.index = index
        self.rng = random.Random(config["seed"] * 1000 + index)
        self.records: list[tuple[float, float, str, str]] = []
        self.completed: dict[str, list[str]] = {"one": [], "three": []}
        self.starts = {"one": 0, "three": 0}
        self.saves = 0
        self.resumed = 0
        self.flows: dict[str, int] = {}
        self.failed_flows: dict[str, int] = {}
        self.n = 0

    def record(self, at: float, started: float, kind: str, outcome: str) -> None:
        self.records.append((at, (time.perf_counter() - started) * 1000, kind, outcome))

    def answers(self, keys: list[str] | None = None) -> tuple[str, dict[str, Any]]:
        self.n += 1
        name = f"Soak {self.config['run_id']} {self.index}.{self.n}"
        answers = {**run.ANSWERS, "name": name}
        if keys is not None:
            answers = {k: answers[k] for k in keys}
        return name, answers

    def post(self, browser: Browser, kind: str, path: str, csrf: str, management: str | None,
             answers: dict[str, Any], wizard_step: str, status: int, marker: str,
             extra: str = "") -> tuple[str, dict[str, str]]:  # fmt: skip
        step = run.Step(status, marker, answers, wizard_step=wizard_step, honeypot=True)
        data = run.body(step, csrf, management) + extra
        if browser.submission:  # sent back as a browser does (idempotent submissions)
            data += "&" + urllib.parse.urlencode([("submission", browser.submission)])
        return browser.request(kind, "POST", path, status, marker, data)

    def flow(self, name: str) -> None:
        paths = self.config["paths"]
        browser = Browser(self)
        if name.startswith("view-"):
            where = name.removeprefix("view-")
            browser.open(f"GET {where} (first visit)", paths[where])
            return
        if name == "submit-1page":
            where = "1page" if self.rng.random() < 0.5 else "link"
            path = paths[where]
            csrf, management = browser.open(f"GET {where}", path)
            full, answers = self.answers()
            _html, meta = self.post(
                browser, "POST 1page", path, csrf, management, answers, "all", 302, ""
            )
            self.completed["one"].append(full)
            self.starts["one"] += 1
            browser.request("GET thank-you", "GET", meta["location"], 200)
            return
        if name not in ("submit-3page", "leave-3page", "save-resume"):
            raise ValueError(name)
        path = paths["3page"]
        csrf, management = browser.open("GET 3page", path)
        full, answers = self.answers()
        pages = list(run.PAGES)
        marker = 'current_step" value="{}"'
        page1 = {k: answers[k] for k in run.PAGES["p1"]}
        self.post(
            browser, "POST 3page p1", path, csrf, management, page1, "p1", 200,
            marker.format("p2"),
        )  # fmt: skip
        self.starts["three"] += 1
        if name == "leave-3page":
            return
        if name == "save-resume":
            page2 = {k: answers[k] for k in run.PAGES["p2"]}
            html, _meta = self.post(
                browser, "POST 3page p2 save", path, csrf, management, page2, "p2", 200,
                'class="code"', extra="&wizard_save=1",
            )  # fmt: skip
            found = CODE_RE.search(html)
            if found is None:
                raise Failed("content")
            self.saves += 1
            browser = Browser(self)  # another browser (or another day) opens the resume link
            resume = f"{path}fortsett/{found.group(1)}/"
            csrf, _step = browser.open("GET resume link", resume)
            data = urllib.parse.urlencode([("csrfmiddlewaretoken", csrf)])
            browser.request("POST resume", "POST", resume, 302, "", data)
            self.resumed += 1
            csrf, management = browser.open("GET 3page (resumed at p2)", path)
        for i, key in enumerate(pages[1:], start=1):
            last = i == len(pages) - 1
            page = {k: answers[k] for k in run.PAGES[key]}
            _html, meta = self.post(
                browser, f"POST 3page {key}", path, csrf, management, page, key,
                302 if last else 200, "" if last else marker.format(pages[i + 1]),
            )  # fmt: skip
        self.completed["three"].append(full)
        browser.request("GET thank-you", "GET", meta["location"], 200)

    def run(self) -> None:
        names = [n for n, _w in MIX]
        weights = [w for _n, w in MIX]
        while time.time() < self.t0:
            time.sleep(0.01)
        end = self.t0 + self.config["seconds"]
        for _ in range(MAX_FLOWS):
            if time.time() >= end:
                break
            name = self.rng.choices(names, weights)[0]
            self.flows[name] = self.flows.get(name, 0) + 1
            try:
                self.flow(name)
            except Failed:
                self.failed_flows[name] = self.failed_flows.get(name, 0) + 1


def client_main(config: dict[str, Any], index: int, out: str) -> None:
    client = Client(config, index)
    try:
        client.run()
    finally:
        Path(out).write_text(
            json.dumps(
                {
                    "records": client.records,
                    "completed": client.completed,
                    "starts": client.starts,
                    "saves": client.saves,
                    "resumed": client.resumed,
                    "flows": client.flows,
                    "failed_flows": client.failed_flows,
                }
            )
        )


# ---- processes: gunicorn, Celery, and what they use -------------------------------------
def proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def proc_memory(pid: int) -> tuple[int, int, float] | None:
    """(VmRSS kB, private kB (smaps_rollup Private_Clean + Private_Dirty), CPU seconds)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]
        private = 0
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            private = sum(int(v) for v in re.findall(r"^Private_\w+:\s+(\d+) kB", rollup, re.M))
        except OSError:
            pass
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, AttributeError, ValueError):
        return None
    return rss, private, cpu


def groups(gunicorn: int, celery: int, clients: list[int]) -> dict[str, list[int]]:
    children = proc_children()
    return {
        "gunicorn master": [gunicorn],
        "gunicorn workers": sorted(children.get(gunicorn, [])),
        "celery main": [celery],
        "celery pool": sorted(children.get(celery, [])),
        "clients": [os.getpid(), *clients],  # the load (and this process): CPU only
    }


SERVICES = ("postgres", "redis-server")


def cpu_elsewhere() -> tuple[float, float]:
    """(CPU seconds the machine has been busy, CPU seconds of the live PostgreSQL and Redis
    processes): the rest of the machine's work is the soak's own or someone else's."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    busy = (user + nice + system + irq + softirq + steal) / tick
    services = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        if name in SERVICES:
            rest = stat.rsplit(")", 1)[1].split()
            services += int(rest[11]) + int(rest[12])
    return busy, services / tick


@dataclass
class Sampler:
    """Samples memory and CPU every ``every`` seconds and, playing Celery beat, queues the
    periodic tasks every ``task_every`` seconds, on a thread, until stopped."""

    gunicorn: int
    celery: int
    clients: list[int]
    t0: float
    every: float
    task_every: float
    samples: list[dict[str, Any]] = field(default_factory=list)
    tasks_sent: int = 0
    task_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def sample(self) -> None:
        entry: dict[str, Any] = {"t": time.time() - self.t0, "load": os.getloadavg()[0]}
        entry["busy"], entry["services"] = cpu_elsewhere()
        for name, pids in groups(self.gunicorn, self.celery, self.clients).items():
            entry[name] = {}
            for pid in pids:
                got = proc_memory(pid)
                if got is not None:
                    entry[name][pid] = got
        self.samples.append(entry)

    def send_tasks(self) -> None:
        from cms.celery import app

        for task in ("cms.tasks.heartbeat", "surveys.tasks.drafts_purge_expired"):
            try:
                app.send_task(task)
                self.tasks_sent += 1
            except Exception as exc:  # recorded and reported
                self.task_errors.append(f"{task}: {exc!r}")

    def _loop(self) -> None:
        next_sample = next_task = time.time()
        for _ in range(100_000):  # bound: 100,000 ticks of 0.2 s is over 5 hours
            now = time.time()
            if now >= next_sample:
                self.sample()
                next_sample += self.every
            if now >= next_task:
                self.send_tasks()
                next_task += self.task_every
            if self._stop.wait(0.2):
                break


def broker_url(requested: str, directory: Path) -> str:
    """The requested Redis broker when it answers, else kombu's filesystem transport."""
    import redis

    try:
        redis.Redis.from_url(requested, socket_connect_timeout=2).ping()
        return requested
    except redis.RedisError:
        print(f"bench: {requested} does not answer; the broker is the filesystem", flush=True)
        os.environ["INNSIKT_DATA_DIR"] = str(directory / "data")  # base.py's broker folders
        return "filesystem://"


def flush_redis(url: str) -> None:
    import redis

    if url.startswith("redis://"):
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10).flushdb()


def start_celery(log: Path, concurrency: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": run.SETTINGS, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "celery", "-A", "cms", "worker", "--loglevel=WARNING",
        f"--concurrency={concurrency}", f"--hostname=soak-{os.getpid()}@%h",
    ]  # fmt: skip
    with log.open("w") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def heartbeat() -> str | None:
    from django.core.cache import cache

    from cms.health import HEARTBEAT_KEY

    return cache.get(HEARTBEAT_KEY)


def wait_celery(process: subprocess.Popen, log: Path, timeout: float = 60) -> float:
    """Queue heartbeats until the worker has run one; returns the seconds it took."""
    from cms.celery import app

    started = time.monotonic()
    before = heartbeat()
    for _ in range(int(timeout)):
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited: {log.read_text()[-2000:]}")
        app.send_task("cms.tasks.heartbeat")
        time.sleep(1)
        if heartbeat() not in (None, before):
            return time.monotonic() - started
    raise RuntimeError(f"the Celery worker ran no task within {timeout:.0f} s")


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM (a warm shutdown); then SIGKILL to what is left of the process group it was
    started in (its own session: the pool's children, if any outlived it)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    if process.poll() is None or group_members(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                members.append(int(entry.name))
    return members


def broker_left(url: str) -> int | None:
    """Messages still in the broker (queued or unacknowledged); None: not a Redis broker."""
    import redis

    if not url.startswith("redis://"):
        return None
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    return int(client.llen("celery")) + int(client.hlen("unacked"))


# ---- checks of the database --------------------------------------------------------------
def normal(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    return str(value)


def starts_total(survey_id: int) -> int:
    from django.db.models import Sum

    from surveys.models import SurveyStart

    return SurveyStart.objects.filter(survey_id=survey_id).aggregate(n=Sum("count"))["n"] or 0


def verify(run_id: str, ids: dict[str, int], clients: list[dict], starts_before) -> dict:
    """Every completed submission stored exactly once, with all its answers; nothing else
    stored; start counters grown by the starts; every saved draft taken."""
    from surveys.models import Response, ResumeDraft

    prefix = f"Soak {run_id} "
    result: dict[str, Any] = {}
    for survey, pk in ids.items():
        completed = [n for c in clients for n in c["completed"][survey]]
        stored: dict[str, int] = {}
        wrong = 0
        rows = Response.objects.filter(survey_id=pk, answers__name__startswith=prefix)
        for answers in rows.values_list("answers", flat=True).iterator():
            name = answers.get("name", "")
            stored[name] = stored.get(name, 0) + 1
            expected = {**run.ANSWERS, "name": name}
            if set(answers) != set(expected) or any(
                normal(answers[k]) != normal(v) for k, v in expected.items()
            ):
                wrong += 1
        others = Response.objects.filter(survey_id=pk).exclude(answers__name__startswith=prefix)
        completed_set = set(completed)
        starts = sum(c["starts"][survey] for c in clients)
        result[survey] = {
            "completed": len(completed),
            "completed_unique": len(completed_set),
            "rows": sum(stored.values()),
            "missing": len(completed_set - set(stored)),
            "duplicates": sum(n - 1 for n in stored.values() if n > 1),
            "unexpected": len(set(stored) - completed_set),
            "incomplete_or_wrong": wrong,
            "other_rows": others.count(),
            "starts": starts,
            "start_counter": starts_total(pk) - starts_before[survey],
        }
    saves = sum(c["saves"] for c in clients)
    result["drafts"] = {
        "saved": saves,
        "resumed": sum(c["resumed"] for c in clients),
        "left": ResumeDraft.objects.filter(survey_id=ids["three"]).count(),
    }
    return result


# ---- analysis -----------------------------------------------------------------------------
def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def windows(records, seconds: float, window: float, samples) -> list[dict[str, Any]]:
    count = max(1, int(seconds // window))
    out = []
    for w in range(count):
        lo, hi = w * window, (w + 1) * window
        inside = [r for r in records if lo <= r[0] < hi]
        ok = sorted(r[1] for r in inside)
        gets = sorted(r[1] for r in inside if r[2].startswith("GET"))
        posts = sorted(r[1] for r in inside if r[2].startswith("POST"))
        loads = [s["load"] for s in samples if lo <= s["t"] < hi]
        cpu = window_cpu(samples, lo, hi)
        out.append(
            cpu
            | {
                "window": w + 1,
                "from": lo,
                "requests": len(inside),
                "rps": len(inside) / window,
                "errors": sum(1 for r in inside if r[3] != "ok"),
                "p50": percentile(ok, 50),
                "p90": percentile(ok, 90),
                "p99": percentile(ok, 99),
                "max": ok[-1] if ok else float("nan"),
                "get_p99": percentile(gets, 99),
                "post_p99": percentile(posts, 99),
                "load": statistics.fmean(loads) if loads else float("nan"),
                "web_ms_per_request": 1000 * cpu["web"] * window / max(1, len(inside)),
            }
        )
    return out


def _cpu_delta(a: dict[str, Any], b: dict[str, Any], name: str) -> float:
    """CPU seconds a group used between two samples (processes present in both)."""
    return sum(b[name][pid][2] - a[name][pid][2] for pid in a[name].keys() & b[name].keys())


def window_cpu(samples, lo: float, hi: float) -> dict[str, float]:
    """Cores busy on average between the samples nearest the window's edges: the web
    workers, Celery, the clients (and this process), PostgreSQL and Redis, and the rest of
    the machine (other people's work: the noise)."""
    before = [s for s in samples if s["t"] <= lo + 0.5] or samples[:1]
    inside = [s for s in samples if s["t"] <= hi + 0.5]
    if not before or not inside or inside[-1]["t"] <= before[-1]["t"]:
        return {k: float("nan") for k in ("web", "celery", "clients", "services", "others")}
    a, b = before[-1], inside[-1]
    span = b["t"] - a["t"]
    web = _cpu_delta(a, b, "gunicorn workers") + _cpu_delta(a, b, "gunicorn master")
    celery = _cpu_delta(a, b, "celery main") + _cpu_delta(a, b, "celery pool")
    clients = _cpu_delta(a, b, "clients")
    services = b["services"] - a["services"]
    busy = b["busy"] - a["busy"]
    return {
        "web": web / span,
        "celery": celery / span,
        "clients": clients / span,
        "services": services / span,
        "others": max(0.0, busy - web - celery - clients - services) / span,
    }


def _total(sample: dict[str, Any], name: str, i: int) -> float:
    return sum(v[i] for v in sample[name].values())


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def memory(samples, warmup: float, seconds: float, span: float = 30.0) -> dict[str, Any]:
    """Per group: the median of the group's summed RSS (and private memory) over the
    ``span`` seconds after the warm-up and over the last ``span`` seconds, per process too;
    the slope over the steady part (least squares, MB per minute); CPU seconds used."""
    early = [s for s in samples if warmup <= s["t"] < warmup + span]
    late = [s for s in samples if seconds - span <= s["t"] <= seconds + 1]
    steady = [s for s in samples if warmup <= s["t"] <= seconds + 1]
    result: dict[str, Any] = {}
    for name in ("gunicorn master", "gunicorn workers", "celery main", "celery pool"):
        pids_early = set().union(*(s[name].keys() for s in early)) if early else set()
        pids_late = set().union(*(s[name].keys() for s in late)) if late else set()
        rss0 = _median([_total(s, name, 0) for s in early])
        rss1 = _median([_total(s, name, 0) for s in late])
        prv0 = _median([_total(s, name, 1) for s in early])
        prv1 = _median([_total(s, name, 1) for s in late])
        per_process = {}
        for pid in sorted(pids_early & pids_late):
            a = _median([s[name][pid][0] for s in early if pid in s[name]])
            b = _median([s[name][pid][0] for s in late if pid in s[name]])
            per_process[pid] = (a, b, 100 * (b - a) / a if a else float("nan"))
        xs = [s["t"] / 60 for s in steady]
        ys = [_total(s, name, 0) / 1024 for s in steady]
        slope = statistics.linear_regression(xs, ys).slope if len(set(xs)) > 1 else 0.0
        cpu = _total(late[-1], name, 2) - _total(early[0], name, 2) if early and late else 0.0
        result[name] = {
            "pids_early": sorted(pids_early),
            "pids_late": sorted(pids_late),
            "rss_mb": (rss0 / 1024, rss1 / 1024),
            "growth": 100 * (rss1 - rss0) / rss0 if rss0 else float("nan"),
            "private_mb": (prv0 / 1024, prv1 / 1024),
            "private_growth": 100 * (prv1 - prv0) / prv0 if prv0 else float("nan"),
            "per_process": per_process,
            "slope_mb_per_min": slope,
            "cpu_s": cpu,
        }
    return result


def timeline(samples, window: float, count: int) -> list[dict[str, Any]]:
    """Summed RSS per group at the last sample of each window."""
    rows = []
    for w in range(count):
        inside = [s for s in samples if w * window <= s["t"] < (w + 1) * window]
        if not inside:
            continue
        s = inside[-1]
        rows.append(
            {"window": w + 1, "t": s["t"]}
            | {name: sum(v[0] for v in s[name].values()) / 1024 for name in s if " " in name}
        )
    return rows


# ---- the control: wrk on a fresh and on a soaked stack --------------------------------------
def control(port: int, scenarios: list, seconds: int, connections: int, directory: Path) -> dict:
    out = {}
    for s in scenarios:
        run.wrk(port, s, 2, connections, directory)  # warm-up
        result = run.wrk(port, s, seconds, connections, directory)
        out[s.key] = {k: result[k] for k in ("rps", "p50_us", "p99_us", "requests", "bad")}
        out[s.key]["errors"] = sum(
            result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
        )
    return out


# ---- report -------------------------------------------------------------------------------
def git_state() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=30
        )
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "cms", "surveys",
                "panel", "research")  # fmt: skip
    return git("rev-parse", "--short", "HEAD") + (" with uncommitted changes" if dirty else "")


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def report(args, facts: dict[str, Any]) -> bool:
    p = print
    records = facts["records"]
    seconds, window = facts["seconds"], args.window
    wins = facts["windows"]
    steady = wins[args.warmup_windows :]
    first, last = steady[0], steady[-1]
    mem = facts["memory"]
    checks = facts["checks"]
    errors = [r for r in records if r[3] != "ok"]

    p()
    p(
        f"## Soak: {args.connections} connections, {seconds / 60:.0f} min of mixed survey "
        f"traffic, {facts['total_requests']} requests"
    )
    p()
    for line in facts["machine"]:
        p(f"- {line}")
    p()
    p("### Traffic")
    p()
    p("| visit | weight | visits | failed | requests |")
    p("|---|---:|---:|---:|---:|")
    flows, failed = facts["flows"], facts["failed_flows"]
    per_visit = {
        "view-1page": 1, "view-3page": 1, "view-link": 1, "submit-1page": 3,
        "submit-3page": 5, "leave-3page": 2, "save-resume": 9,
    }  # fmt: skip
    for name, weight in MIX:
        p(
            f"| {name} | {weight} | {flows.get(name, 0)} | {failed.get(name, 0)} "
            f"| {per_visit[name]} each |"
        )
    p()
    p("| request | count | errors | p50 ms | p99 ms |")
    p("|---|---:|---:|---:|---:|")
    kinds = sorted({r[2] for r in records}, key=lambda k: (not k.startswith("GET"), k))
    for kind in kinds:
        mine = [r for r in records if r[2] == kind]
        lat = sorted(r[1] for r in mine)
        bad = sum(1 for r in mine if r[3] != "ok")
        p50, p99 = percentile(lat, 50), percentile(lat, 99)
        p(f"| {kind} | {len(mine)} | {bad} | {p50:.1f} | {p99:.1f} |")
    p()
    p(f"### Latency per {window:.0f} s window (window {args.warmup_windows} = warm-up)")
    p()
    p("| window | from s | requests | req/s | errors | p50 ms | p90 ms | p99 ms | max ms "
      "| GET p99 | POST p99 | web CPU ms/req | cores: web / Celery / clients / PG+Redis "
      "/ others | load |")  # fmt: skip
    p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for w in wins:
        p(
            f"| {w['window']} | {w['from']:.0f} | {w['requests']} | {w['rps']:.1f} "
            f"| {w['errors']} | {w['p50']:.1f} | {w['p90']:.1f} | {w['p99']:.1f} "
            f"| {w['max']:.0f} | {w['get_p99']:.1f} | {w['post_p99']:.1f} "
            f"| {w['web_ms_per_request']:.2f} | {w['web']:.2f} / {w['celery']:.2f} / "
            f"{w['clients']:.2f} / {w['services']:.2f} / {w['others']:.2f} | {w['load']:.2f} |"
        )
    p()
    p("web CPU ms/req: the gunicorn processes' CPU time over the window per request (the "
      "server's own cost, which a leak or a growing structure would raise; the machine's "
      "other load hardly moves it). cores: average CPUs busy; others = the machine's busy "
      "time not accounted for by the soak's processes, PostgreSQL and Redis.")  # fmt: skip
    p()
    p("### Memory (VmRSS; private = smaps_rollup Private_*), after warm-up → end")
    p()
    p(
        "| process group | processes | RSS MB after warm-up | RSS MB at end | growth "
        "| private MB | private growth | slope MB/min | CPU s (steady) |"
    )
    p("|---|---|---:|---:|---:|---|---:|---:|---:|")
    for name, m in mem.items():
        pids = ", ".join(map(str, m["pids_late"]))
        if m["pids_early"] != m["pids_late"]:
            pids += f" (was {', '.join(map(str, m['pids_early']))})"
        p(
            f"| {name} | {pids} | {m['rss_mb'][0]:.1f} | {m['rss_mb'][1]:.1f} "
            f"| {m['growth']:+.1f} % | {m['private_mb'][0]:.1f} → {m['private_mb'][1]:.1f} "
            f"| {m['private_growth']:+.1f} % | {m['slope_mb_per_min']:+.2f} | {m['cpu_s']:.1f} |"
        )
        if len(m["per_process"]) > 1:
            for pid, (a, b, g) in m["per_process"].items():
                p(f"| ↳ {pid} | | {a / 1024:.1f} | {b / 1024:.1f} | {g:+.1f} % | | | | |")
    p()
    names = list(mem)
    p("RSS (MB, summed per group) at the end of each window:")
    p()
    p("| window | " + " | ".join(names) + " |")
    p("|---:|" + "---:|" * len(names))
    for row in facts["timeline"]:
        p(f"| {row['window']} | " + " | ".join(f"{row.get(n, 0):.1f}" for n in names) + " |")
    steady_requests = sum(w["requests"] for w in steady)
    cpu = mem["gunicorn workers"]["cpu_s"]
    p()
    p(
        f"gunicorn workers' CPU per request (steady windows): "
        f"{1000 * cpu / max(1, steady_requests):.2f} ms"
    )
    p()
    p("### Control: wrk on the fresh stack and on the soaked one")
    p()
    p("| scenario | req/s before | req/s after | ratio | p99 ms before | p99 ms after | ratio |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    before, after = facts["control_before"], facts["control_after"]
    for key, title in (("ok", "(a) constant 200 view"), ("i1-get", "1-page survey, first visit")):
        a, b = before[key], after[key]
        p(
            f"| {title} | {a['rps']:.0f} | {b['rps']:.0f} | {b['rps'] / a['rps']:.2f} "
            f"| {a['p99_us'] / 1000:.1f} | {b['p99_us'] / 1000:.1f} "
            f"| {b['p99_us'] / a['p99_us']:.2f} |"
        )
    p()
    p("### Checks")
    p()
    p("| survey | completed by the clients | rows stored | missing | duplicates | unexpected "
      "| incomplete/wrong | other rows | starts / start counter |")  # fmt: skip
    p("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for survey in ("one", "three"):
        c = checks[survey]
        p(
            f"| {survey}-page | {c['completed']} | {c['rows']} | {c['missing']} "
            f"| {c['duplicates']} | {c['unexpected']} | {c['incomplete_or_wrong']} "
            f"| {c['other_rows']} | {c['starts']} / {c['start_counter']} |"
        )
    d = checks["drafts"]
    p()
    p(f"- save and resume: {d['saved']} saved, {d['resumed']} resumed, {d['left']} drafts left")
    celery = facts["celery"]
    p(
        f"- Celery: ready after {celery['ready_s']:.1f} s; {celery['sent']} periodic tasks "
        f"queued during the traffic ({len(celery['send_errors'])} failed to queue), "
        f"{celery['left']} left in the broker at the end, last heartbeat "
        f"{celery['heartbeat_age']:.0f} s before the end"
    )
    for line in celery["send_errors"][:5]:
        p(f"  - {line}")
    for name, lines in facts["log_problems"].items():
        p(f"- {name} log: {len(lines)} error line(s)")
        for line in lines[:10]:
            p(f"    {line[:200]}")
    if errors:
        p()
        p("Errors by kind and outcome:")
        seen: dict[tuple[str, str], int] = {}
        for r in errors:
            seen[(r[2], r[3])] = seen.get((r[2], r[3]), 0) + 1
        for (kind, outcome), n in sorted(seen.items(), key=lambda kv: -kv[1]):
            p(f"    {n:6d}  {kind}: {outcome}")

    # ---- goals
    stored_ok = all(
        checks[s]["missing"] == checks[s]["duplicates"] == checks[s]["unexpected"]
        == checks[s]["incomplete_or_wrong"] == checks[s]["other_rows"] == 0
        and checks[s]["completed"] == checks[s]["completed_unique"]
        and checks[s]["starts"] == checks[s]["start_counter"]
        for s in ("one", "three")
    ) and d["left"] == 0 and d["saved"] == d["resumed"]  # fmt: skip
    restarts = sum(
        len(set(mem[g]["pids_early"]) ^ set(mem[g]["pids_late"]))
        for g in ("gunicorn workers", "celery pool")
    )
    worst_worker = max(
        (g for _a, _b, g in mem["gunicorn workers"]["per_process"].values()), default=float("nan")
    )
    celery_growth = max(mem["celery main"]["growth"], mem["celery pool"]["growth"])
    ratio = last["p99"] / first["p99"]
    steady_p99 = [w["p99"] for w in steady]
    median_p99 = statistics.median(steady_p99)
    worst = max(steady, key=lambda w: w["p99"])
    worst_p99 = worst["p99"] / median_p99
    cost = [w["web_ms_per_request"] for w in steady]
    control_ratio = after["ok"]["p99_us"] / before["ok"]["p99_us"]
    log_lines = sum(len(v) for v in facts["log_problems"].values())
    goals = [
        ("errors (non-2xx/3xx, wrong page, socket errors, timeouts)", "0", f"{len(errors)}",
         not errors),
        ("wrk control errors (non-200, socket errors, timeouts)", "0",
         f"{facts['control_errors']:.0f}", facts["control_errors"] == 0),
        ("server errors in the gunicorn and Celery logs; worker restarts", "0",
         f"{log_lines}; {restarts}", log_lines == 0 and restarts == 0),
        ("every completed submission stored once with all answers; counters; drafts", "exact",
         "exact" if stored_ok else "see checks", stored_ok),
        ("Celery: every queued task run", "0 left", f"{celery['left']} left",
         celery["left"] == 0 and not celery["send_errors"]),
        ("memory growth, gunicorn workers (sum)", f"≤ {GOAL_MEMORY:.0f} %",
         f"{mem['gunicorn workers']['growth']:+.1f} %",
         mem["gunicorn workers"]["growth"] <= GOAL_MEMORY),
        ("memory growth, each gunicorn worker (worst)", f"≤ {GOAL_MEMORY:.0f} %",
         f"{worst_worker:+.1f} %", worst_worker <= GOAL_MEMORY),
        ("memory growth, Celery worker (main, pool; worst)", f"≤ {GOAL_MEMORY:.0f} %",
         f"{celery_growth:+.1f} %", celery_growth <= GOAL_MEMORY),
        (f"p99 without drift: window {last['window']} / window {first['window']}",
         f"≤ {args.p99_factor:.2f}", f"{ratio:.2f} ({last['p99']:.1f} / {first['p99']:.1f} ms)",
         ratio <= args.p99_factor),
        (f"p99 per window: the worst steady window ({worst['window']}) / the steady windows' "
         f"median", f"≤ {args.p99_factor:.2f}",
         f"{worst_p99:.2f} ({worst['p99']:.1f} / {median_p99:.1f} ms; other work on the "
         f"machine then {worst['others']:.2f} cores)", worst_p99 <= args.p99_factor),
    ]  # fmt: skip
    p()
    p("### Goals")
    p()
    p("| goal | target | measured | result |")
    p("|---|---|---|---|")
    for goal, target, measured, ok in goals:
        p(f"| {goal} | {target} | {measured} | {verdict(ok)} |")
    p()
    p(
        f"p99 over the steady windows: {min(steady_p99):.1f}–{max(steady_p99):.1f} ms "
        f"(median {median_p99:.1f}; last / first steady window {ratio:.2f}); the web "
        f"workers' CPU per request {min(cost):.2f}–{max(cost):.2f} ms (last / first "
        f"{cost[-1] / cost[0]:.2f}); the constant view's p99 after / before the traffic "
        f"(machine noise): {control_ratio:.2f}."
    )
    return all(ok for *_rest, ok in goals)


def log_problems(path: Path) -> list[str]:
    if not path.exists():
        return []
    pattern = re.compile(r"Traceback|ERROR|CRITICAL|WORKER TIMEOUT|Worker exited|exited with")
    return [line for line in path.read_text(errors="replace").splitlines() if pattern.search(line)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=8, help="of traffic (default 8)")
    parser.add_argument("--connections", type=int, default=4, help="client processes (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery pool (2)")
    parser.add_argument("--window", type=float, default=60, help="latency window, s (60)")
    parser.add_argument("--warmup-windows", type=int, default=1, help="(default 1)")
    parser.add_argument("--sample-seconds", type=float, default=5, help="memory (5)")
    parser.add_argument("--task-seconds", type=float, default=5, help="beat's period (5)")
    parser.add_argument("--control-seconds", type=int, default=8, help="per wrk run (8)")
    parser.add_argument("--budget", type=int, default=600, help="whole run, s (600)")
    parser.add_argument("--p99-factor", type=float, default=GOAL_P99_FACTOR)
    parser.add_argument("--recycle", action="store_true", help="keep deploy's max_requests")
    parser.add_argument("--broker", default=DEFAULT_BROKER, help=f"({DEFAULT_BROKER})")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--keep", type=Path, help="keep logs and client records here")
    args = parser.parse_args()
    if not (0.5 <= args.minutes <= 60 and 1 <= args.connections <= 32 and 1 <= args.workers
            <= 16 and 10 <= args.window <= 600 and 60 <= args.budget <= 3900):  # fmt: skip
        parser.error("--minutes 0.5..60, --connections 1..32, --workers 1..16, "
                     "--window 10..600, --budget 60..3900")  # fmt: skip
    started = time.monotonic()
    os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    os.environ.setdefault("BENCH_CACHE_URL", DEFAULT_CACHE)
    run.ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="innsikt-soak-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        broker = broker_url(args.broker, directory)
        os.environ["CELERY_BROKER_URL"] = broker
        flush_redis(broker)
        run.setup_django(args.fresh)  # migrates; flushes the cache (BENCH_CACHE_URL)
        import celery
        import gunicorn

        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
        machine = [
            *run.machine(),
            f"gunicorn {gunicorn.__version__} (deploy/gunicorn.conf.py, {args.workers} sync "
            f"workers, max_requests {'as deployed' if args.recycle else '0'}), Celery "
            f"{celery.__version__} (prefork, concurrency {args.concurrency}), broker "
            f"{broker}, cache {os.environ['BENCH_CACHE_URL']}; "
            f"{ram:.0f} GB RAM",
            f"code: {git_state()}, Python {platform.python_version()}",
        ]
        scenarios = {s.key: s for s in run.build_data()}
        paths = {
            "1page": scenarios["i1-get"].path,
            "3page": scenarios["i3-get"].path,
            "link": scenarios["i1s-get"].path,
        }
        ids = {"one": scenarios["i1-get"].page_id, "three": scenarios["i3-get"].page_id}
        starts_before = {k: starts_total(v) for k, v in ids.items()}
        from django.db import connections

        connections.close_all()
        port = run.free_port()
        options = ["--config", str(ROOT / "deploy" / "gunicorn.conf.py")]
        if not args.recycle:
            options += ["--max-requests", "0"]
        env = {"GUNICORN_WORKERS": str(args.workers), "LOG_LEVEL": "warning"}
        print(f"bench: gunicorn ({args.workers} sync workers, deploy's config) on "
              f"127.0.0.1:{port}; Celery worker on {broker}", flush=True)  # fmt: skip
        glog, clog = directory / "gunicorn.log", directory / "celery.log"
        web = run.start_gunicorn(port, glog, options=options, env=env)
        worker = None
        try:
            worker = start_celery(clog, args.concurrency)
            ready_s = wait_celery(worker, clog)
            controls = [scenarios["ok"], scenarios["i1-get"]]
            print("bench: control before the traffic (wrk)", flush=True)
            control_before = control(port, controls, args.control_seconds, args.connections,
                                     directory)  # fmt: skip
            reserve = 2 * (args.control_seconds + 2) + 75
            available = args.budget - (time.monotonic() - started) - reserve
            seconds = min(args.minutes * 60, available) // args.window * args.window
            if seconds < (args.warmup_windows + 1) * args.window:
                raise SystemExit(f"bench: {available:.0f} s left in the budget: too little")
            run_id = f"{random.Random().getrandbits(32):08x}"
            t0 = time.time() + 1.5
            config = {"port": port, "t0": t0, "seconds": seconds, "seed": args.seed,
                      "run_id": run_id, "paths": paths}  # fmt: skip
            print(f"bench: {seconds / 60:.1f} min of traffic from {args.connections} clients "
                  f"(run {run_id})", flush=True)  # fmt: skip
            context = multiprocessing.get_context("spawn")
            outs = [directory / f"client-{i}.json" for i in range(args.connections)]
            clients = [
                context.Process(target=client_main, args=(config, i, str(out)), daemon=True)
                for i, out in enumerate(outs)
            ]
            for c in clients:
                c.start()
            sampler = Sampler(web.pid, worker.pid, [c.pid for c in clients], t0,
                              args.sample_seconds, args.task_seconds)  # fmt: skip
            sampler.start()
            for c in clients:
                c.join(timeout=max(1.0, t0 + seconds + 120 - time.time()))
            for c in clients:
                if c.is_alive():
                    c.terminate()
                    c.join(timeout=10)
            sampler.sample()
            sampler.stop()
            traffic_end = time.time()
            print("bench: control after the traffic (wrk)", flush=True)
            control_after = control(port, controls, args.control_seconds, args.connections,
                                    directory)  # fmt: skip
            left = broker_left(broker)
            for _ in range(30):
                if not left:
                    break
                time.sleep(1)
                left = broker_left(broker)
            beat = heartbeat()
        finally:
            if worker is not None:
                stop_process(worker, timeout=60)
            run.stop_gunicorn(web)
        results = [json.loads(out.read_text()) for out in outs if out.exists()]
        if len(results) != args.connections:
            raise SystemExit("bench: a client process wrote no results")
        records = [tuple(r) for c in results for r in c["records"]]
        flows: dict[str, int] = {}
        failed: dict[str, int] = {}
        for c in results:
            for k, v in c["flows"].items():
                flows[k] = flows.get(k, 0) + v
            for k, v in c["failed_flows"].items():
                failed[k] = failed.get(k, 0) + v
        from datetime import datetime

        beat_age = traffic_end - datetime.fromisoformat(beat).timestamp() if beat else float("inf")
        samples = sampler.samples
        warmup = args.warmup_windows * args.window
        facts = {
            "machine": machine,
            "seconds": seconds,
            "records": records,
            "total_requests": len(records),
            "flows": flows,
            "failed_flows": failed,
            "windows": windows(records, seconds, args.window, samples),
            "memory": memory(samples, warmup, seconds),
            "timeline": timeline(samples, args.window, int(seconds // args.window)),
            "control_before": control_before,
            "control_after": control_after,
            "control_errors": sum(
                x[k]["bad"] + x[k]["errors"] for x in (control_before, control_after) for k in x
            ),
            "checks": verify(run_id, ids, results, starts_before),
            "celery": {
                "ready_s": ready_s,
                "sent": sampler.tasks_sent,
                "send_errors": sampler.task_errors,
                "left": left if left is not None else 0,
                "heartbeat_age": beat_age,
            },
            "log_problems": {"gunicorn": log_problems(glog), "Celery": log_problems(clog)},
        }
        passed = report(args, facts)
        print(f"\nbench: the whole run took {time.monotonic() - started:.0f} s")
        if args.json:
            raw = {k: v for k, v in facts.items() if k != "records"}
            raw["samples"] = samples
            args.json.write_text(json.dumps(raw, indent=1, default=str))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
