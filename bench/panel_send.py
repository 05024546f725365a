"""Benchmark: sending a panel campaign's invitations, and counting a large segment.

    .venv/bin/python bench/panel_send.py [--members 30000] [--segment-members 100000]

Run by hand (not part of the test suite). It

1. creates and migrates the PostgreSQL database of bench/settings.py when missing
   (BENCH_DATABASE_URL, as bench/run.py), uses Redis db 12 as the Celery broker (flushed at
   the start) and starts an SMTP sink (aiosmtpd, in this process) that counts the messages it
   accepts per recipient;
2. builds a library with a published survey, a panel consent text, ``--members`` active
   members (bulk) with one given consent each, a segment with no rules (everyone) and a
   campaign with the window 00:00–23:59 that started an hour ago;
3. the limit: a plain ``smtplib`` loop sends ``--members`` copies of a real invitation
   (rendered once, same size) over one connection to the same sink;
4. starts 2 Celery worker processes (``--pool=solo``) on Redis and PostgreSQL, times
   ``campaign_launch`` itself and then launch → every invitation accepted by the sink
   (bounded by ``--timeout``), and checks duplicates (each member exactly once) and the
   invitation rows;
5. profiles ``invitations_send`` in-process (cProfile, a chunk of ``--profile-sends`` to the sink);
6. builds a second library with ``--segment-members`` members and times ``segment_count`` of a
   two-rule segment (student = yes AND loan_band = 1-3): median of 5 after a warm-up;
7. prints the results table and the goals (markdown).

BENCH_POOL / BENCH_CONCURRENCY (default ``solo`` / ``1``) change the workers' pool, e.g.
``threads`` / ``4``, to compare.

Only 127.0.0.1 is contacted.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import resource
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "bench.settings"
BROKER_URL = "redis://127.0.0.1:6379/12"
PANEL_SLUG, PANEL_HOST = "bench-panel", "panel.bench.localhost"
BIG_SLUG, BIG_HOST = "bench-panel-big", "panel-big.bench.localhost"
WORKERS = 2

GOAL_SECONDS_30K = 60.0  # launch → 30,000 invitations accepted
GOAL_OF_PLAIN = 0.50  # ≥ 50 % of the plain smtplib loop's messages/s
GOAL_SEGMENT_MS = 200.0  # segment count over 100,000 members


# ---- the SMTP sink -------------------------------------------------------------------------
class Sink:
    """An aiosmtpd handler that counts accepted messages per recipient (nothing is parsed)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.total = 0
        self.first_at: float | None = None
        self.last_at: float | None = None

    def reset(self) -> None:
        with self.lock:
            self.counts = Counter()
            self.total = 0
            self.first_at = self.last_at = None

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.counts[rcpt.lower()] += 1
            self.total += 1
            if self.first_at is None:
                self.first_at = now
            self.last_at = now
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- setup ------------------------------------------------------------------------------
def setup_django(email_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["CELERY_BROKER_URL"] = BROKER_URL
    os.environ["EMAIL_URL"] = email_url
    from bench.run import ensure_database

    ensure_database(fresh=False)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()


def clean() -> None:
    """Remove the rows of earlier runs: both libraries, their panel data and pages."""
    from django.db import connection
    from wagtail.models import Page, Site

    sites = list(Site.objects.filter(hostname__in=[PANEL_HOST, BIG_HOST]).values_list("pk"))
    ids = [s[0] for s in sites]
    if ids:
        with connection.cursor() as c:
            c.execute(
                "DELETE FROM panel_invitation WHERE campaign_id IN "
                "(SELECT id FROM panel_campaign WHERE library_id = ANY(%s))",
                [ids],
            )
            for table in ("panel_campaign", "panel_segment", "panel_accesslog"):
                # constant table names, the ids as a parameter
                c.execute(f"DELETE FROM {table} WHERE library_id = ANY(%s)", [ids])  # noqa: S608
            c.execute(
                "DELETE FROM panel_consentrecord WHERE member_id IN "
                "(SELECT id FROM panel_panelmember WHERE library_id = ANY(%s))",
                [ids],
            )
            c.execute("DELETE FROM panel_panelmember WHERE library_id = ANY(%s)", [ids])
            c.execute("DELETE FROM panel_consenttext WHERE library_id = ANY(%s)", [ids])
    for old in Page.objects.filter(depth=2, slug__in=[PANEL_SLUG, BIG_SLUG]):
        old.delete()


def members_create(site, n: int, prefix: str, attributes, batch: int = 5000) -> list:
    """n active members (bulk_create skips save(), so the pseudonym is set here)."""
    from django.utils import timezone

    from panel.models import PanelMember
    from panel.pseudonyms import member_pseudonym

    now = timezone.now()
    ids = []
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(n, start + batch)):
            pk = uuid.uuid4()
            rows.append(
                PanelMember(
                    id=pk,
                    library=site,
                    email=f"{prefix}{i}@bench.example",
                    language="nb",
                    age_band="30-39",
                    attributes=attributes(i),
                    channel="bench",
                    status=PanelMember.Status.ACTIVE,
                    confirmed_at=now,
                    last_active_at=now,
                    pseudonym=member_pseudonym(pk),
                )
            )
            ids.append(pk)
        PanelMember.objects.bulk_create(rows)
    return ids


def build_panel(n: int):
    """The library, survey, consent text, n members with consent, segment (all), campaign."""
    from datetime import time as dtime
    from datetime import timedelta

    from django.utils import timezone
    from wagtail.models import Site

    from panel.models import Campaign, ConsentRecord, ConsentText, Purpose, Segment
    from tests.factories import BRANCHING, library, survey

    home = library(PANEL_SLUG, PANEL_HOST)
    site = Site.objects.get(root_page=home)
    page = survey(home, BRANCHING, slug="panel-survey")
    text = ConsentText.objects.create(
        library=site, purpose=Purpose.PANEL, text_nb="Panel.", text_en="Panel."
    )
    ids = members_create(site, n, "member", lambda i: {"student": "yes"})
    for start in range(0, n, 5000):
        ConsentRecord.objects.bulk_create(
            ConsentRecord(
                member_id=pk, purpose=Purpose.PANEL, text=text, given=True, channel="bench"
            )
            for pk in ids[start : start + 5000]
        )
    segment = Segment.objects.create(library=site, name="Everyone")
    campaign = Campaign.objects.create(
        library=site,
        name="Bench campaign",
        survey=page,
        segment=segment,
        starts_at=timezone.now() - timedelta(hours=1),
        window_start=dtime(0, 0),
        window_end=dtime(23, 59),
        greeting="Hei! Vi trenger deg.",
    )
    return site, campaign


# ---- the limit: a plain smtplib loop ------------------------------------------------------
def plain_loop(campaign, n: int, port: int, sink: Sink) -> dict:
    """n copies of a real invitation (rendered once) over one SMTP connection."""
    from panel.models import Invitation, PanelMember
    from panel.services import invitation_message

    member = PanelMember.objects.filter(library=campaign.library).select_related("library").first()
    invitation = Invitation(campaign=campaign, member=member)
    message = invitation_message(invitation).message()
    data = message.as_bytes(linesep="\r\n")
    sender = message["From"]
    recipients = [f"plain{i}@bench.example" for i in range(n)]
    sink.reset()
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for rcpt in recipients:
            smtp.sendmail(sender, [rcpt], data)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rate": n / seconds, "accepted": sink.total, "size": len(data)}


# ---- Celery workers ---------------------------------------------------------------------
POOL, CONCURRENCY = os.environ.get("BENCH_POOL", "solo"), os.environ.get("BENCH_CONCURRENCY", "1")


def start_workers(email_url: str, directory: Path) -> list[tuple[subprocess.Popen, Path]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_URL": email_url,
        "PYTHONPATH": str(ROOT),
    }
    workers = []
    for i in range(WORKERS):
        log = directory / f"worker{i + 1}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cms",
                "worker",
                f"--pool={POOL}",
                f"--concurrency={CONCURRENCY}",
                f"--hostname=bench{i + 1}@%h",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        workers.append((process, log))
    deadline = time.monotonic() + 90
    for process, log in workers:
        while "ready" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                stop_workers(workers)
                raise SystemExit("bench: a worker did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.3)
    return workers


def stop_workers(workers) -> None:
    for process, _log in workers:
        if process.poll() is None:
            process.terminate()
    for process, _log in workers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def run_campaign(campaign, n: int, sink: Sink, timeout: float, workers) -> dict:
    from panel.selectors import campaign_progress
    from panel.services import campaign_launch

    sink.reset()
    t0 = time.monotonic()
    invited = campaign_launch(campaign=campaign, user=None)
    launch_s = time.monotonic() - t0
    deadline = t0 + timeout
    last_report = t0
    while sink.total < invited and time.monotonic() < deadline:
        time.sleep(0.2)
        if time.monotonic() - last_report >= 15:
            last_report = time.monotonic()
            elapsed = last_report - t0
            print(f"bench: {sink.total}/{invited} accepted after {elapsed:.0f} s", flush=True)
            if any(p.poll() is not None for p, _log in workers):
                print("bench: a worker died", flush=True)
                break
    done = sink.total >= invited
    end = sink.last_at or time.monotonic()
    total_s = end - t0
    time.sleep(2)  # anything sent twice late still arrives
    counts = dict(sink.counts)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    per_worker = [log.read_text().count("succeeded in") for _p, log in workers]
    return {
        "invited": invited,
        "accepted": sink.total,
        "complete": done,
        "launch_s": launch_s,
        "first_s": (sink.first_at - t0) if sink.first_at else None,
        "total_s": total_s,
        "rate": sink.total / total_s if total_s > 0 else 0.0,
        "send_rate": (
            sink.total / (end - sink.first_at) if sink.first_at and end > sink.first_at else 0.0
        ),
        "duplicates": duplicates,
        "recipients": len(counts),
        "progress": campaign_progress(campaign),
        "tasks_per_worker": per_worker,
    }


# ---- profile of invitation_send -----------------------------------------------------------
def profile_sends(campaign, count: int, sink: Sink) -> dict:
    """cProfile of ``invitations_send`` in-process: a chunk of ``count`` (a fresh
    campaign's rows) timed without the profiler, then another chunk under cProfile."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from panel.models import Campaign, Invitation, PanelMember
    from panel.services import invitation_send, invitations_send

    second = Campaign.objects.create(
        library=campaign.library,
        name="Bench profile",
        survey=campaign.survey,
        segment=campaign.segment,
        starts_at=campaign.starts_at,
        window_start=campaign.window_start,
        window_end=campaign.window_end,
        greeting=campaign.greeting,
        status=Campaign.Status.RUNNING,
        # The same members again, minutes after the first campaign: the contact rules'
        # cool-down would withhold every send without a written override.
        override_reason="Benchmark: the same members again, minutes after the first.",
    )
    members = list(
        PanelMember.objects.filter(library=campaign.library).order_by("pk")[: 2 * count + 1]
    )
    rows = Invitation.objects.bulk_create(Invitation(campaign=second, member=m) for m in members)
    ids = [str(r.pk) for r in rows]
    invitation_send(invitation_id=ids[0])  # warm-up (templates, settings caches)
    # First without the profiler (the plain in-process cost of a send), then profiled.
    plain_ids, ids = ids[1 : count + 1], [ids[0], *ids[count + 1 :]]
    start = time.perf_counter()
    invitations_send(invitation_ids=plain_ids)
    unprofiled_ms = 1000 * (time.perf_counter() - start) / max(len(plain_ids), 1)
    sink.reset()
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        profiler.enable()
        invitations_send(invitation_ids=ids[1:])
        profiler.disable()
        seconds = time.perf_counter() - start
    sends = len(ids) - 1
    stats = pstats.Stats(profiler)
    total = sum(v[3] for k, v in stats.stats.items() if k[2] == "invitations_send") or seconds
    buckets = {
        "invitation_message (links, signing, template fill)": (
            "messages.py",
            "invitation_message",
        ),
        "render_to_string (templates, once per chunk and language)": (
            "loader.py",
            "render_to_string",
        ),
        "send_recorded (MIME build + SMTP + the sent mark)": ("mail.py", "send_recorded"),
        "SMTP sendmail (MAIL/RCPT/DATA)": ("smtplib.py", "sendmail"),
        "message() (MIME build)": ("message.py", "message"),
        "the sent mark (record: UPDATE, commit)": ("sending.py", "record"),
        "SQL execute (all queries)": ("utils.py", "_execute"),
        "QuerySet.update (claim, marks)": ("query.py", "update"),
    }
    costs = []
    for label, (filename, func) in buckets.items():
        cum = sum(v[3] for k, v in stats.stats.items() if k[2] == func and k[0].endswith(filename))
        costs.append((label, 1000 * cum / sends, 100 * cum / total))
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return {
        "sends": sends,
        "accepted": sink.total,
        "ms_per_send": 1000 * seconds / sends,
        "unprofiled_ms": unprofiled_ms,
        "queries_per_send": len(queries) / sends,
        "costs": costs,
        "top_self": out.getvalue(),
        "sample_sql": [q["sql"][:150] for q in queries.captured_queries[:12]],
    }


# ---- segment count over many members ------------------------------------------------------
def segment_bench(n: int) -> dict:
    from wagtail.models import Site

    from panel.models import Segment
    from panel.selectors import segment_count
    from tests.factories import library

    home = library(BIG_SLUG, BIG_HOST)
    site = Site.objects.get(root_page=home)
    rnd = random.Random(42)
    bands = ["0", "1-3", "4-10", "11+"]
    attrs = [
        {"student": rnd.choice(["yes", "no"]), "loan_band": rnd.choice(bands)} for _ in range(n)
    ]
    t0 = time.monotonic()
    members_create(site, n, "big", lambda i: attrs[i])
    created_s = time.monotonic() - t0
    from django.db import connection

    with connection.cursor() as c:
        c.execute("ANALYZE panel_panelmember")
    segment = Segment.objects.create(
        library=site,
        name="Students, 1-3 loans",
        rules=[
            ("rule", {"field": "student", "operator": "equals", "value": "yes"}),
            ("rule", {"field": "loan_band", "operator": "equals", "value": "1-3"}),
        ],
    )
    segment = Segment.objects.get(pk=segment.pk)
    expected = sum(1 for a in attrs if a["student"] == "yes" and a["loan_band"] == "1-3")
    segment_count(segment)  # warm-up
    times, result = [], 0
    for _ in range(5):
        start = time.perf_counter()
        result = segment_count(segment)
        times.append(1000 * (time.perf_counter() - start))
    from panel.selectors import segment_members

    with connection.cursor() as c:
        sql, params = segment_members(segment).query.sql_with_params()
        c.execute("EXPLAIN ANALYZE SELECT COUNT(*) FROM (" + sql + ") s", params)  # noqa: S608
        plan = [row[0] for row in c.fetchall()]
    return {
        "members": n,
        "create_s": created_s,
        "count": result,
        "expected": expected,
        "median_ms": statistics.median(times),
        "times": times,
        "plan": plan,
    }


# ---- report -----------------------------------------------------------------------------
def report(args, plain: dict, run: dict, prof: dict | None, seg: dict | None) -> None:
    import django
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SHOW server_version")
        pg = c.fetchone()[0]
    n = args.members
    print()
    print("# Panel: sending invitations")
    print()
    print(
        f"Machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end; "
        f"PostgreSQL {pg}, Django {django.get_version()}, {WORKERS} Celery workers "
        "(--pool=solo) on Redis."
    )
    print()
    print("| measure | value |")
    print("|---|---:|")
    print(f"| members invited | {run['invited']} |")
    print(f"| accepted by the sink | {run['accepted']} |")
    print(f"| campaign_launch (eligibility + bulk insert) | {run['launch_s']:.1f} s |")
    if run["first_s"] is not None:
        print(f"| launch → first message | {run['first_s']:.1f} s |")
    print(f"| launch → last message | {run['total_s']:.1f} s |")
    print(f"| messages/s, launch → last | {run['rate']:.0f} |")
    print(f"| messages/s, first → last message | {run['send_rate']:.0f} |")
    print(
        f"| CPU per message: both workers (incl. their start-up) / this process (the sink, "
        f"the launch) | {run['worker_cpu_ms']:.2f} ms / {run['bench_cpu_ms']:.2f} ms |"
    )
    print(
        f"| plain smtplib loop, one connection ({plain['size']} bytes each) | "
        f"{plain['rate']:.0f} msg/s ({plain['seconds']:.1f} s for {n}) |"
    )
    print(
        f"| ratio to the plain loop (launch → last) | {100 * run['rate'] / plain['rate']:.1f} % |"
    )
    print(f"| duplicates | {run['duplicates']} |")
    print(f"| distinct recipients | {run['recipients']} |")
    print(f"| invitation rows | {run['progress']} |")
    print(f"| invitations_send tasks per worker | {run['tasks_per_worker']} |")
    if seg:
        print(
            f"| segment count, {seg['members']} members, 2 rules (median of 5) | "
            f"{seg['median_ms']:.1f} ms (count {seg['count']}, expected {seg['expected']}) |"
        )
    projected = 30000 / run["rate"] if run["rate"] else float("inf")
    print()
    print("## Goals")
    print()
    print("| goal | target | measured | met |")
    print("|---|---:|---:|---|")
    label = "launch → 30,000 accepted"
    if n == 30000 and run["complete"]:
        measured, value = f"{run['total_s']:.1f} s", run["total_s"]
    else:
        measured = f"{projected:.0f} s (projected from {run['accepted']} at {run['rate']:.0f}/s)"
        value = projected
    ok = value <= GOAL_SECONDS_30K
    verdict = "yes" if ok else f"no: {value / GOAL_SECONDS_30K:.1f} × the target"
    print(f"| {label} | ≤ {GOAL_SECONDS_30K:.0f} s | {measured} | {verdict} |")
    share = run["rate"] / plain["rate"]
    verdict = "yes" if share >= GOAL_OF_PLAIN else f"no: {100 * share / GOAL_OF_PLAIN:.0f} % of it"
    print(f"| share of the plain loop's rate | ≥ 50 % | {100 * share:.1f} % | {verdict} |")
    dup_ok = run["duplicates"] == 0 and run["recipients"] == run["accepted"]
    print(f"| duplicates | 0 | {run['duplicates']} | {'yes' if dup_ok else 'no'} |")
    if seg:
        ok = seg["median_ms"] <= GOAL_SEGMENT_MS and seg["count"] == seg["expected"]
        verdict = "yes" if ok else f"no: {seg['median_ms'] / GOAL_SEGMENT_MS:.1f} × the target"
        print(
            f"| segment count over {seg['members']} | ≤ {GOAL_SEGMENT_MS:.0f} ms "
            f"| {seg['median_ms']:.1f} ms | {verdict} |"
        )
        print()
        print("Segment count plan (EXPLAIN ANALYZE):")
        for line in seg["plan"]:
            print(f"    {line}")
    if prof:
        print()
        print(
            f"## Profile: invitation_send in-process, {prof['sends']} sends to the sink "
            f"(cProfile): {prof['unprofiled_ms']:.1f} ms/send without the profiler, "
            f"{prof['ms_per_send']:.1f} ms/send while profiled, "
            f"{prof['queries_per_send']:.1f} Django SQL queries/send (the sent mark is a "
            "prepared statement outside Django's cursor)"
        )
        print()
        print("| part (inclusive; parts overlap) | ms/send | share |")
        print("|---|---:|---:|")
        for label, ms, pct in sorted(prof["costs"], key=lambda c: -c[1]):
            print(f"| {label} | {ms:.2f} | {pct:.0f} % |")
        print()
        print("Queries of the first sends:")
        for q in prof["sample_sql"]:
            print(f"    {q}")
        print()
        print("Own time (top 15):")
        print(prof["top_self"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=30000)
    parser.add_argument("--segment-members", type=int, default=100000)
    parser.add_argument("--timeout", type=int, default=1200, help="seconds (default 1200)")
    parser.add_argument("--profile-sends", type=int, default=200)
    args = parser.parse_args()
    if not (10 <= args.members <= 200000 and 0 <= args.segment_members <= 1000000):
        parser.error("--members 10..200000, --segment-members 0..1000000")

    from aiosmtpd.controller import Controller

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    email_url = f"smtp://127.0.0.1:{port}"
    try:
        setup_django(email_url)
        print("bench: cleaning earlier rows", flush=True)
        clean()
        print(f"bench: building a panel of {args.members} members", flush=True)
        t0 = time.monotonic()
        _site, campaign = build_panel(args.members)
        print(f"bench: built in {time.monotonic() - t0:.1f} s", flush=True)
        print("bench: plain smtplib loop (the limit)", flush=True)
        plain = plain_loop(campaign, args.members, port, sink)
        print(f"bench: plain loop {plain['rate']:.0f} msg/s", flush=True)

        from django.db import connections

        connections.close_all()
        with tempfile.TemporaryDirectory(prefix="innsikt-panel-bench-") as tmp:
            print(f"bench: starting {WORKERS} Celery workers", flush=True)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            workers = start_workers(email_url, Path(tmp))
            me = resource.getrusage(resource.RUSAGE_SELF)
            try:
                print("bench: launching the campaign", flush=True)
                run = run_campaign(campaign, args.members, sink, args.timeout, workers)
            finally:
                me_after = resource.getrusage(resource.RUSAGE_SELF)
                stop_workers(workers)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            run["worker_cpu_ms"] = (
                1000
                * (after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime)
                / max(run["accepted"], 1)
            )
            run["bench_cpu_ms"] = (
                1000
                * (me_after.ru_utime + me_after.ru_stime - me.ru_utime - me.ru_stime)
                / max(run["accepted"], 1)
            )
            errors = [
                line
                for _p, log in workers
                for line in log.read_text().splitlines()
                if "ERROR" in line or "Traceback" in line
            ]
            if errors:
                print("bench: worker errors:\n" + "\n".join(errors[:20]))
        prof = None
        if args.profile_sends:
            print("bench: profiling invitation_send", flush=True)
            prof = profile_sends(campaign, args.profile_sends, sink)
        seg = None
        if args.segment_members:
            print(f"bench: segment count over {args.segment_members} members", flush=True)
            seg = segment_bench(args.segment_members)
        report(args, plain, run, prof, seg)
    finally:
        controller.stop()
    return 0 if run["complete"] and run["duplicates"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
