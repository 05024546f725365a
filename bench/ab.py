"""A/B: the survey throughput of two source trees (bench/run.py's scenarios), interleaved.

    .venv/bin/python bench/ab.py --baseline-commit 3e25828 [--rounds 6] [--seconds 8]
    .venv/bin/python bench/ab.py --baseline /tmp/tree [--head TREE] ...

Run by hand (not part of the test suite). ``--baseline-commit`` exports that commit with
``git archive`` into /tmp/innsikt-ab-<commit> (once, with its message catalogues compiled;
the repository, its index and its worktrees are not touched); ``--baseline`` takes any
source tree instead. ``--head`` (default: this tree) is the tree to compare. Both use this
virtualenv: the baseline simply does not load the apps it does not list.

1. Each side is set up in its own tree by a child process (this file, ``--setup``): its
   bench/settings.py on a PostgreSQL database and a Redis database of its own
   (innsikt_ab_base / innsikt_ab_head, Redis db 12 / 13: the two trees' migrations differ),
   migrated, static files collected, and its bench/run.py builds its site (the same stock
   form page and the two surveys). The child prints the scenarios (paths, the requests of a
   submission) and the side's MIDDLEWARE.
2. Both gunicorns run at the same time (bench/run.py's options: 2 sync workers each), and
   wrk (bench/load.lua, bench/run.py's flows) measures each scenario on one side and then
   the other, the order alternating (A B, B A, …), every run after its own warm-up, for
   ``--rounds`` rounds. Runs of the same scenario on both sides are thus seconds apart, so
   a shared machine's load falls on both alike; the per-round ratio is the statistic.
   A run counts only responses with the expected status and page (load.lua); any other
   response or socket error is reported.
3. A probe (this file, ``--probe``, in each tree, in-process with Django's test client)
   counts the SQL queries and cache calls of each request of a respondent and times them,
   interleaved over ``--probe-pairs`` pairs.

Prints per scenario: req/s of both sides (median over the rounds), the ratio of the
medians, the median and range of the per-round ratios, and p99. Only 127.0.0.1 is
contacted. Everything is bounded: wrk runs by --seconds, each child and wrk by a timeout,
each loop by a count.
"""

import argparse
import dataclasses
import hashlib
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIDES = {  # side: (database, Redis db)
    "base": ("innsikt_ab_base", 12),
    "head": ("innsikt_ab_head", 13),
}
PG = "postgres://postgres@127.0.0.1:5432/"
REDIS = "redis://127.0.0.1:6379/"
SURVEY = ("i1-get", "i3-get", "i1s-get", "i1-post", "i3-post", "i1s-post")
DEFAULT_SCENARIOS = ("ok", *SURVEY)
TITLES = {
    "ok": "(a) constant 200 view",
    "stock-get": "(b) stock FormPage",
    "stock-post": "(b) stock FormPage",
    "i1-get": "1 page",
    "i3-get": "3 pages (page 1)",
    "i1s-get": "short link /s/CODE/",
    "i1-post": "1 page",
    "i3-post": "3 pages (3 POSTs)",
    "i1s-post": "short link /s/CODE/",
}


def side_env(side: str, tree: Path) -> dict[str, str]:
    database, redis_db = SIDES[side]
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(
        BENCH_DATABASE_URL=PG + database,
        BENCH_CACHE_URL=f"{REDIS}{redis_db}",
        PYTHONPATH=str(tree),
        DJANGO_SETTINGS_MODULE="bench.settings",
    )
    return env


def git(*args: str, cwd: Path = ROOT, text: bool = True):
    done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"ab: git {' '.join(args)}: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode() if text else done.stdout


def export_commit(commit: str) -> Path:
    """The commit's files in /tmp/innsikt-ab-<full hash> (git archive; made once)."""
    full = git("rev-parse", "--verify", f"{commit}^{{commit}}").strip()
    tree = Path(tempfile.gettempdir()) / f"innsikt-ab-{full[:12]}"
    if (tree / "bench" / "run.py").exists():
        return tree
    tree.mkdir(parents=True, exist_ok=True)
    data = git("archive", "--format=tar", full, text=False)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(tree, filter="data")
    # The message catalogues are compiled, as bin/bootstrap does (compilemessages), so
    # that both sides render the same translated pages.
    for po in sorted(tree.glob("**/locale/*/LC_MESSAGES/*.po")):
        subprocess.run(["msgfmt", "-o", str(po.with_suffix(".mo")), str(po)], check=True,
                       timeout=120)  # fmt: skip
    (tree / ".ab-commit").write_text(full + "\n")
    return tree


CODE = ("cms", "surveys", "panel", "research", "bench/settings.py", "bench/urls.py")


def fingerprint(tree: Path) -> str:
    """The commit (and a hash of uncommitted changes to the code a request runs), or for an
    exported tree the commit it was exported from."""
    exported = tree / ".ab-commit"
    if exported.exists():
        return exported.read_text().strip()[:7] + " (exported)"
    head = git("rev-parse", "--short", "HEAD", cwd=tree).strip()
    diff = git("diff", "HEAD", "--", *CODE, cwd=tree)
    return f"{head}+{hashlib.sha256(diff.encode()).hexdigest()[:8]}" if diff else head


def child(tree: Path, side: str, *args: str, timeout: int = 900) -> str:
    """This file run in ``tree`` (so that ``bench`` and the apps are the tree's); returns
    the JSON it printed on its last line starting with ``AB ``."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        cwd=tree,
        env=side_env(side, tree),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("AB "):
            return json.loads(line[3:])
    raise SystemExit(f"ab: {' '.join(args)} in {tree} failed:\n{done.stdout[-2000:]}\n"
                     f"{done.stderr[-4000:]}")  # fmt: skip


def _tree_imports() -> None:
    """In a child: import ``bench`` and the apps from the working directory's tree."""
    skip = {Path(__file__).resolve().parent, ROOT}
    tree = Path.cwd().resolve()
    sys.path[:] = [str(tree)] + [p for p in sys.path if Path(p or ".").resolve() not in skip]
    sys.modules.pop("bench", None)


# ---- child: set a side up ----------------------------------------------------------------
def setup() -> None:
    _tree_imports()
    from bench import run

    run.setup_django(fresh=False)
    from django.conf import settings

    scenarios = run.build_data()
    out = {
        "middleware": list(settings.MIDDLEWARE),
        "conn_health_checks": settings.DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
        "session_engine": settings.SESSION_ENGINE,
        "machine": run.machine(),
        "scenarios": [dataclasses.asdict(s) for s in scenarios],
    }
    print("AB " + json.dumps(out))


# ---- child: the probe --------------------------------------------------------------------
def probe(requests: int) -> None:
    _tree_imports()
    from bench import run

    os.environ["DJANGO_SETTINGS_MODULE"] = run.SETTINGS
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scenarios = {s.key: s for s in run.build_data()}
    time.sleep(1.2)  # the content generation build_data bumped reaches this process's memo
    result: dict[str, dict] = {}

    def counted(call):
        io_times = run.IoTimes()
        with run.timed_io(io_times), CaptureQueriesContext(connection) as ctx:
            response = call()
        return response, len(ctx), io_times.cache_calls

    for key in ("i1-get", "i3-get", "i1s-get"):
        s = scenarios[key]
        client = run._client()
        client.get(s.path)
        client.cookies.clear()
        response, queries, calls = counted(partial(client.get, s.path))
        assert response.status_code == 200, response.status_code
        # the same page again, with the session cookie the first visit set (mid-wizard)
        again, q2, c2 = counted(partial(client.get, s.path))
        assert again.status_code == 200, again.status_code
        times = []
        for _ in range(requests):
            client.cookies.clear()
            started = time.perf_counter()
            client.get(s.path)
            times.append(time.perf_counter() - started)
        result[key] = {
            "first_visit": [queries, calls],
            "with_session": [q2, c2],
            "ms": statistics.median(times) * 1000,
        }
    # The thank-you page, with the session cookie a submission left (timed so), and
    # without any cookie.
    s = scenarios["i1-get"]
    thanks = s.path + "takk/"
    client = run._client()
    client.get(s.path)
    client.get(thanks)
    response, q2, c2 = counted(partial(client.get, thanks))
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(thanks)
        times.append(time.perf_counter() - started)
    client.cookies.clear()
    _response, queries, calls = counted(partial(client.get, thanks))
    result["i1-thanks"] = {
        "first_visit": [queries, calls],
        "with_session": [q2, c2],
        "ms": statistics.median(times) * 1000,
    }
    for key in ("i1-post", "i3-post", "i1s-post"):
        s = scenarios[key]
        client = run._client()
        csrf, management = run._open(client, s.path)
        run._submit(client, s, csrf, management)  # warm
        per_request = []
        for step in s.steps:
            data = run.body(step, csrf, management)
            post = partial(client.post, s.path, data, "application/x-www-form-urlencoded")
            response, queries, calls = counted(post)
            run._check(response, step, s.path)
            per_request.append([queries, calls])
        times = []
        for _ in range(max(1, requests // len(s.steps))):
            times += [t for t, _ctx in run._submit(client, s, csrf, management)]
        result[key] = {"requests": per_request, "ms": statistics.median(times) * 1000}
    print("AB " + json.dumps(result))


# ---- the interleaved load ----------------------------------------------------------------
def server_cpu(master: int) -> float:
    """CPU seconds used so far by a gunicorn master's workers (its children)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def scenario_objects(run, raw: list[dict]) -> dict:
    out = {}
    for item in raw:
        steps = [run.Step(**step) for step in item.pop("steps")]
        fields = {f.name for f in dataclasses.fields(run.Scenario)}
        s = run.Scenario(**{k: v for k, v in item.items() if k in fields}, steps=steps)
        s.runs = []
        out[s.key] = s
    return out


def interleave(run, servers, masters, scenarios, keys, args, directory: Path) -> dict:
    """wrk on each side in turn, per scenario and round; returns {key: {side: [runs]}}.
    Each run also records the CPU time the side's web workers spent per request: the
    server's own cost, which the machine's other load hardly moves (throughput does)."""
    results: dict[str, dict[str, list[dict]]] = {k: {"base": [], "head": []} for k in keys}
    for r in range(args.rounds):
        for i, key in enumerate(keys):
            order = ["base", "head"] if (r + i) % 2 == 0 else ["head", "base"]
            for side in order:
                s, port = scenarios[side][key], servers[side]
                print(f"ab: round {r + 1}/{args.rounds}: {key} {side} "
                      f"(load {os.getloadavg()[0]:.2f})", flush=True)  # fmt: skip
                if args.warmup:
                    run.wrk(port, s, args.warmup, args.connections, directory)
                cpu = server_cpu(masters[side])
                result = run.wrk(port, s, args.seconds, args.connections, directory)
                time.sleep(0.1)  # the requests in flight when wrk stopped
                spent = server_cpu(masters[side]) - cpu
                result["cpu_ms"] = 1000 * spent / max(1, result["requests"])
                result["load"] = os.getloadavg()[0]
                result["round"] = r
                results[key][side].append(result)
    return results


# ---- report ------------------------------------------------------------------------------
def spread(values: list[float]) -> str:
    return f"{min(values):.3f}–{max(values):.3f}" if values else "–"


def report(kept: dict, args) -> None:
    results, probes, info = kept["results"], kept["probes"], kept["info"]
    rounds = len(next(iter(results.values()))["base"])
    print()
    print(
        f"## A/B: survey throughput, {rounds} interleaved rounds, {kept['connections']} "
        f"connections, {kept['seconds']} s per run after {kept['warmup']} s of warm-up"
    )
    print()
    for side, label in (("base", "baseline"), ("head", "this tree")):
        i = info[side]
        mw = ", ".join(m.rsplit(".", 1)[-1] for m in i["middleware"])
        print(
            f"- {label}: {i['tree']} at {', '.join(sorted(set(i['fingerprints'])))}; "
            f"CONN_HEALTH_CHECKS {i['conn_health_checks']}, SESSION_ENGINE "
            f"{i['session_engine']}; {len(i['middleware'])} middleware: {mw}"
        )
    for line in kept.get("machine", []):
        print(f"- {line}")
    loads = [r["load"] for k in results for side in results[k].values() for r in side]
    print(f"- load average after each run: {min(loads):.2f}–{max(loads):.2f}")
    print()
    print(
        "| scenario | method | req/s baseline (median; per round) | req/s this tree | ratio of "
        "medians | per-round ratios: median (min–max) | p99 ms base / this | web CPU ms/req "
        "base / this (ratio) | errors |"
    )
    print("|---|---|---|---|---:|---|---|---|---:|")
    for key, sides in results.items():
        a = [x["rps"] for x in sides["base"]]
        b = [x["rps"] for x in sides["head"]]
        pairs = [y / x for x, y in zip(a, b, strict=True)]
        pa = statistics.median(x["p99_us"] for x in sides["base"]) / 1000
        pb = statistics.median(x["p99_us"] for x in sides["head"]) / 1000
        errors = sum(
            x["bad"] + x["connect_errors"] + x["read_errors"] + x["write_errors"] + x["timeouts"]
            for side in sides.values()
            for x in side
        )
        method = "POST" if key.endswith("post") else "GET"
        ca = statistics.median(x.get("cpu_ms", float("nan")) for x in sides["base"])
        cb = statistics.median(x.get("cpu_ms", float("nan")) for x in sides["head"])
        print(
            f"| {TITLES.get(key, key)} | {method} | {statistics.median(a):.0f} "
            f"({', '.join(f'{v:.0f}' for v in a)}) | {statistics.median(b):.0f} "
            f"({', '.join(f'{v:.0f}' for v in b)}) "
            f"| {statistics.median(b) / statistics.median(a):.3f} "
            f"| **{statistics.median(pairs):.3f}** ({spread(pairs)}) "
            f"| {pa:.1f} / {pb:.1f} | {ca:.2f} / {cb:.2f} ({cb / ca:.3f}) | {errors:.0f} |"
        )
    print()
    print("ratio: this tree / baseline (req/s: < 1 is slower). A per-round ratio compares the two")
    print("runs of the same scenario made one after the other. web CPU ms/req: the gunicorn")
    print("workers' CPU time per request, median over the rounds (> 1: this tree costs more).")
    if not probes["base"]:
        return
    print()
    print(
        f"## Probe: a respondent's requests in-process ({kept['probe_requests']} requests "
        f"each, {len(probes['base'])} interleaved pairs)"
    )
    print()
    print(
        "| scenario | request | SQL queries base / this | cache calls base / this "
        "| median ms base | median ms this | ratio |"
    )
    print("|---|---|---|---|---|---|---:|")
    pa, pb = probes["base"], probes["head"]
    for key in pa[0]:
        ma = [p[key]["ms"] for p in pa]
        mb = [p[key]["ms"] for p in pb]
        timing = (
            f"{statistics.median(ma):.2f} ({', '.join(f'{v:.2f}' for v in ma)}) "
            f"| {statistics.median(mb):.2f} ({', '.join(f'{v:.2f}' for v in mb)}) "
            f"| {statistics.median(mb) / statistics.median(ma):.3f}"
        )
        if "first_visit" in pa[0][key]:
            rows = [("first visit, no cookie", "first_visit"), ("with its session", "with_session")]
            for i, (label, name) in enumerate(rows):
                qa, ca = pa[0][key][name]
                qb, cb = pb[0][key][name]
                timed = 1 if key == "i1-thanks" else 0  # the thank-you page: timed with a session
                cells = timing if i == timed else "| | "
                print(f"| {key} GET | {label} | {qa} / {qb} | {ca} / {cb} | {cells} |")
        else:
            for i, ((qa, ca), (qb, cb)) in enumerate(
                zip(pa[0][key]["requests"], pb[0][key]["requests"], strict=True)
            ):
                cells = timing if i == 0 else "| | "
                print(
                    f"| {key} | POST {i + 1} (session cookie) | {qa} / {qb} | {ca} / {cb} "
                    f"| {cells} |"
                )
    print()
    print("The probe's queries do not include CONN_HEALTH_CHECKS' `SELECT 1` (psycopg's own")
    print("cursor, outside Django's execute wrappers); the times do.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="the baseline's source tree")
    parser.add_argument("--baseline-commit", help="export this commit as the baseline")
    parser.add_argument(
        "--head", type=Path, default=ROOT, help="the tree to compare (default: this one)"
    )
    parser.add_argument("--rounds", type=int, default=6, help="A B rounds (default 6)")
    parser.add_argument("--seconds", type=int, default=8, help="per wrk run (default 8)")
    parser.add_argument("--warmup", type=int, default=2, help="before each run (default 2)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--scenarios",
        default=",".join(DEFAULT_SCENARIOS),
        help=f"bench/run.py's keys (default {','.join(DEFAULT_SCENARIOS)})",
    )
    parser.add_argument("--probe-requests", type=int, default=300)
    parser.add_argument("--probe-pairs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep logs and JSON here")
    parser.add_argument("--report", type=Path, help="print the report of a kept ab.json")
    parser.add_argument("--probe", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup()
        return 0
    if args.probe:
        probe(max(10, min(args.probe, 5000)))
        return 0
    if args.report:
        report(json.loads(args.report.read_text()), args)
        return 0
    if args.baseline_commit:
        args.baseline = export_commit(args.baseline_commit)
    if args.baseline is None or not (args.baseline / "bench" / "run.py").exists():
        parser.error("--baseline (a source tree holding bench/run.py) or --baseline-commit")
    keys = [k.strip() for k in args.scenarios.split(",") if k.strip()]
    if not (1 <= args.rounds <= 20 and 1 <= args.seconds <= 120 and 0 <= args.probe_pairs <= 10
            and set(keys) <= set(TITLES)):  # fmt: skip
        parser.error(f"--rounds 1..20, --seconds 1..120, --probe-pairs 0..10, "
                     f"--scenarios of {', '.join(TITLES)}")  # fmt: skip
    from bench import run  # this tree's wrk, load.lua and flows drive both sides

    run.ensure_wrk()
    trees = {"base": args.baseline.resolve(), "head": args.head.resolve()}
    keep = args.keep or Path(tempfile.mkdtemp(prefix="innsikt-ab-run-"))
    keep.mkdir(parents=True, exist_ok=True)
    info: dict[str, dict] = {}
    scenarios: dict[str, dict] = {}
    for side, tree in trees.items():
        print(f"ab: setting up {side}: {tree} ({fingerprint(tree)})", flush=True)
        got = child(tree, side, "--setup")
        scenarios[side] = scenario_objects(run, got.pop("scenarios"))
        info[side] = {"tree": str(tree), "fingerprints": [fingerprint(tree)], **got}
    servers: dict[str, int] = {}
    processes = {}
    results: dict = {}
    try:
        for side, tree in trees.items():
            port = run.free_port()
            env = {k: v for k, v in side_env(side, tree).items() if k != "PYTHONPATH"}
            processes[side] = run.start_gunicorn(
                port, keep / f"gunicorn-{side}.log", env=env, root=tree
            )
            servers[side] = port
            print(f"ab: {side} on 127.0.0.1:{port}", flush=True)
        masters = {side: process.pid for side, process in processes.items()}
        results = interleave(run, servers, masters, scenarios, keys, args, keep)
        # Kept before the probes, so a probe that fails loses none of the load runs.
        (keep / "results.json").write_text(json.dumps(results, indent=1))
    finally:
        for process in processes.values():
            run.stop_gunicorn(process)
    for side, tree in trees.items():
        info[side]["fingerprints"].append(fingerprint(tree))
        log = (keep / f"gunicorn-{side}.log").read_text().strip()
        if log:
            print(f"ab: gunicorn ({side}) said:\n{log[-2000:]}")
    probes: dict[str, list[dict]] = {"base": [], "head": []}
    for i in range(args.probe_pairs):
        for side in ("base", "head") if i % 2 == 0 else ("head", "base"):
            print(f"ab: probe {i + 1}/{args.probe_pairs}: {side}", flush=True)
            probes[side].append(child(trees[side], side, "--probe", str(args.probe_requests)))
    kept = {
        "results": results,
        "probes": probes,
        "info": info,
        "machine": info["head"].pop("machine"),
        "connections": args.connections,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "probe_requests": args.probe_requests,
    }
    (keep / "ab.json").write_text(json.dumps(kept, indent=1))
    report(kept, args)
    print(f"\nab: logs and JSON in {keep}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
