"""What the middleware costs a respondent: this tree's MIDDLEWARE against the list before
issue 15 (commit 3e25828), in one process, request by request.

    .venv/bin/python bench/middleware_cost.py [--tree DIR] [--rounds 2000]

Run by hand (not part of the test suite), after bench/run.py has created and migrated its
database (``BENCH_DATABASE_URL``; the site is rebuilt here like bench/run.py builds it). Two
Django test clients share the process, the settings and the database; they differ only in
the middleware chain their handler loaded: *before* (3e25828's list, with its
PartitionedCookiesMiddleware, reproduced below) and *now* (settings.MIDDLEWARE). The two
alternate request by request (A B B A …), so the machine's load falls on both alike, and
each request is measured in the thread's CPU time (what the web worker spends; a shared
machine's waiting is not in it) and in wall time.

Requests of a respondent: first visits (no cookie) of the one-page survey, the three-page
survey and the short link; the one-page survey again with the session cookie (a reload
mid-wizard); its thank-you page with the session cookie; a one-page submission and the
three POSTs of a three-page submission, each with its session cookie. For every request:
SQL queries and cache calls under each chain, and the median CPU and wall time.

Then the *now* chain is instrumented: each middleware's own (exclusive) CPU time, SQL
queries and cache calls per request, i.e. its time minus the time of what it calls.
"""

import argparse
import os
import statistics
import sys
import time
import types
from pathlib import Path
from typing import Any

BEFORE = [  # cms/settings/base.py MIDDLEWARE at 3e25828
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bench_before_issue15.PartitionedCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]


class PartitionedCookiesMiddleware:
    """cms.middleware.PartitionedCookiesMiddleware as of 3e25828 (CookiePolicyMiddleware
    replaced it): every ``SameSite=None; Secure`` cookie is marked ``Partitioned``."""

    def __init__(self, get_response):
        self.get_response = get_response
        from http.cookies import Morsel

        reserved = Morsel._reserved  # type: ignore[attr-defined]
        if "partitioned" not in reserved:
            reserved["partitioned"] = "Partitioned"
            Morsel._flags.add("partitioned")  # type: ignore[attr-defined]

    def __call__(self, request):
        response = self.get_response(request)
        for morsel in response.cookies.values():
            if str(morsel["samesite"]).lower() == "none" and morsel["secure"]:
                morsel["partitioned"] = True
        return response


class Counters:
    """SQL queries (an execute wrapper) and cache calls (bench.run.timed_io), process-wide."""

    def __init__(self, run) -> None:
        self.run = run
        self.queries = 0
        self.io = run.IoTimes()

    def __enter__(self):
        from django.db import connection

        def count(execute, sql, params, many, context):
            self.queries += 1
            return execute(sql, params, many, context)

        self._timed = self.run.timed_io(self.io)
        self._timed.__enter__()
        self._wrapper = connection.execute_wrapper(count)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._wrapper.__exit__(*exc)
        self._timed.__exit__(*exc)

    def snapshot(self) -> tuple[int, int, int, int]:
        return (time.thread_time_ns(), time.perf_counter_ns(), self.queries, self.io.cache_calls)


def client_with(run, middleware: list[str] | None):
    """A test client whose handler loaded ``middleware`` (None: the settings' list)."""
    from django.test.utils import override_settings

    client = run._client()
    if middleware is None:
        client.handler.load_middleware()
    else:
        with override_settings(MIDDLEWARE=middleware):
            client.handler.load_middleware()
    return client


class Request:
    """One kind of respondent request, repeatable on a client (its set-up, then the call)."""

    def __init__(self, label: str, setup, call) -> None:
        self.label, self.setup, self.call = label, setup, call


def requests(run, scenarios) -> list[Request]:
    def first_visit(path):
        def setup(client, state):
            client.cookies.clear()

        return setup, lambda client, state: client.get(path)

    def with_session(path, warm):
        def setup(client, state):
            if "session" not in state:
                client.cookies.clear()
                client.get(warm)
                state["session"] = True

        return setup, lambda client, state: client.get(path)

    one, three, link = scenarios["i1-post"], scenarios["i3-post"], scenarios["i1s-post"]
    out = [
        Request("GET 1 page, first visit", *first_visit(one.path)),
        Request("GET 3 pages, first visit", *first_visit(three.path)),
        Request("GET short link, first visit", *first_visit(link.path)),
        Request("GET 1 page, with session (reload)", *with_session(one.path, one.path)),
        Request("GET thank-you, with session", *with_session(one.path + "takk/", one.path)),
    ]

    def submission(scenario, index):
        step = scenario.steps[index]

        def setup(client, state):
            key = f"form:{scenario.key}"
            if key not in state:
                client.cookies.clear()
                state[key] = run._open(client, scenario.path)
            csrf, management = state[key]
            for before in scenario.steps[:index]:  # the pages before this one
                data = run.body(before, csrf, management)
                post = client.post(scenario.path, data, "application/x-www-form-urlencoded")
                run._check(post, before, scenario.path)
            state["data"] = run.body(step, csrf, management)

        def call(client, state):
            response = client.post(
                scenario.path, state["data"], "application/x-www-form-urlencoded"
            )
            run._check(response, step, scenario.path)
            return response

        return setup, call

    out.append(Request("POST 1-page submission", *submission(one, 0)))
    for i in range(len(three.steps)):
        out.append(Request(f"POST 3-page submission, page {i + 1}", *submission(three, i)))
    return out


def chain(client) -> list[Any]:
    """The middleware instances of the client's handler, outermost first."""
    found = []
    level = client.handler._middleware_chain
    for _ in range(100):
        middleware = getattr(level, "__wrapped__", None)
        if middleware is None or not hasattr(middleware, "get_response"):
            break
        found.append(middleware)
        level = middleware.get_response
    return found


def instrument(client, counters: Counters, totals: list[list[int]]) -> list[str]:
    """Time the whole chain and what each middleware calls (its get_response): totals[0]
    accumulates the (CPU ns, wall ns, queries, cache calls) spent in the chain, totals[i + 1]
    what was spent inside middleware i's callee."""

    def timed_call(inner, i):
        def timed(request):
            before = counters.snapshot()
            try:
                return inner(request)
            finally:
                after = counters.snapshot()
                for k in range(4):
                    totals[i][k] += after[k] - before[k]

        return timed

    names = []
    middlewares = chain(client)
    client.handler._middleware_chain = timed_call(client.handler._middleware_chain, 0)
    for i, middleware in enumerate(middlewares):
        names.append(type(middleware).__module__ + "." + type(middleware).__name__)
        middleware.get_response = timed_call(middleware.get_response, i + 1)
    return names


def compare(run, kinds, variants, rounds: int, counters: Counters):
    """Each kind of request under each chain, ``rounds`` times, the chains taking turns in
    a rotating order; the SQL queries and cache calls of a warm request, CPU and wall ns."""
    # a client (a browser) per kind of request and chain, each with its own state
    clients = {(k.label, v): client_with(run, mw) for k in kinds for v, mw in variants.items()}
    states: dict[tuple[str, str], dict] = {key: {} for key in clients}
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    cpu: dict[tuple[str, str], list[int]] = {}
    wall: dict[tuple[str, str], list[int]] = {}
    names = list(variants)
    for kind in kinds:  # warm-up, and the queries and cache calls of a warm request
        for variant in names:
            client, state = clients[kind.label, variant], states[kind.label, variant]
            for _ in range(3):
                kind.setup(client, state)
                before = counters.snapshot()
                kind.call(client, state)
                after = counters.snapshot()
            counts[kind.label, variant] = (after[2] - before[2], after[3] - before[3])
    for r in range(rounds):
        shift = r % len(names)
        order = names[shift:] + names[:shift]
        if (r // len(names)) % 2:
            order.reverse()
        for kind in kinds:
            for variant in order:
                client, state = clients[kind.label, variant], states[kind.label, variant]
                kind.setup(client, state)
                before = counters.snapshot()
                kind.call(client, state)
                after = counters.snapshot()
                cpu.setdefault((kind.label, variant), []).append(after[0] - before[0])
                wall.setdefault((kind.label, variant), []).append(after[1] - before[1])
    return counts, cpu, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, help="source tree to measure (default: this one)")
    parser.add_argument("--rounds", type=int, default=2000, help="requests per kind and chain")
    parser.add_argument("--profile-rounds", type=int, default=1000)
    parser.add_argument(
        "--leave-one-out",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also compare the chain now with the chain without each new middleware",
    )
    args = parser.parse_args()
    rounds = max(50, min(args.rounds, 20000))
    tree = (args.tree or Path(__file__).resolve().parent.parent).resolve()
    here = Path(__file__).resolve().parent
    sys.path[:] = [str(tree)] + [p for p in sys.path if Path(p or ".").resolve() != here]
    os.chdir(tree)
    from bench import run

    os.environ["DJANGO_SETTINGS_MODULE"] = run.SETTINGS
    module = types.ModuleType("bench_before_issue15")
    module.PartitionedCookiesMiddleware = PartitionedCookiesMiddleware  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    import django

    django.setup()
    from django.conf import settings

    print(f"bench: {tree}; MIDDLEWARE now: {len(settings.MIDDLEWARE)}, before: {len(BEFORE)}")
    scenarios = {s.key: s for s in run.build_data()}
    kinds = requests(run, scenarios)
    variants: dict[str, list[str] | None] = {"before": BEFORE, "now": None}
    with Counters(run) as counters:
        counts, cpu, wall = compare(run, kinds, variants, rounds, counters)
        print()
        print(
            f"## Middleware before issue 15 and now: {rounds} requests of each kind per "
            "chain, alternating, in one process"
        )
        print()
        print(
            "| request | SQL queries before / now | cache calls before / now | CPU µs before "
            "| CPU µs now | Δ CPU µs | CPU ratio | wall µs before | wall µs now | wall ratio |"
        )
        print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for kind in kinds:
            qa, ca = counts[kind.label, "before"]
            qb, cb = counts[kind.label, "now"]
            a = statistics.median(cpu[kind.label, "before"]) / 1000
            b = statistics.median(cpu[kind.label, "now"]) / 1000
            wa = statistics.median(wall[kind.label, "before"]) / 1000
            wb = statistics.median(wall[kind.label, "now"]) / 1000
            print(
                f"| {kind.label} | {qa} / {qb} | {ca} / {cb} | {a:.0f} | {b:.0f} | {b - a:+.0f} "
                f"| {b / a:.3f} | {wa:.0f} | {wb:.0f} | {wb / wa:.3f} |"
            )
        print()
        print(
            "Medians; CPU: time.thread_time of the request (Django's test client included, "
            "equal for both chains); wall: perf_counter (includes Redis and PostgreSQL round "
            "trips and the machine's other load)."
        )

        if args.leave_one_out:
            from django.conf import settings as live

            old = {b.rsplit(".", 1)[-1] for b in BEFORE}
            new = [m for m in live.MIDDLEWARE if m.rsplit(".", 1)[-1] not in old]
            loo_variants: dict[str, list[str] | None] = {"now": None}
            for m in new:
                loo_variants[m] = [x for x in live.MIDDLEWARE if x != m]
            n = max(50, min(args.leave_one_out, 20000))
            lcounts, lcpu, _lwall = compare(run, kinds, loo_variants, n, counters)
            print()
            print(
                f"## Each new middleware's net cost: the chain now against the chain without "
                f"it ({n} requests of each kind per chain, taking turns)"
            )
            print()
            print("Δ CPU µs per request (median now − median without it); cache calls it adds:")
            print()
            short = [k.label.replace("submission, ", "") for k in kinds]
            print("| middleware left out | " + " | ".join(short) + " |")
            print("|---|" + "---:|" * len(kinds))
            for m in new:
                cells = []
                for kind in kinds:
                    a = statistics.median(lcpu[kind.label, m]) / 1000
                    b = statistics.median(lcpu[kind.label, "now"]) / 1000
                    dq = lcounts[kind.label, "now"][0] - lcounts[kind.label, m][0]
                    dc = lcounts[kind.label, "now"][1] - lcounts[kind.label, m][1]
                    extra = f" ({dq:+d} q, {dc:+d} c)" if dq or dc else ""
                    cells.append(f"{b - a:+.0f}{extra}")
                print(f"| {m.rsplit('.', 1)[-1]} | " + " | ".join(cells) + " |")

        # each middleware's own share under the *now* chain
        n = max(50, min(args.profile_rounds, 20000))
        print()
        print(f"## Each middleware's own cost now (instrumented, {n} requests of each kind)")
        names: list[str] = []
        table: dict[str, list[list[float]]] = {}
        for kind in kinds:
            client, state = client_with(run, None), {}
            totals = [[0, 0, 0, 0] for _ in range(len(chain(client)) + 1)]
            names = instrument(client, counters, totals)
            for _ in range(3):
                kind.setup(client, state)
                kind.call(client, state)
            whole = [0, 0, 0, 0]
            acc = [[0, 0, 0, 0] for _ in totals]
            for _ in range(n):
                kind.setup(client, state)  # earlier pages go through the chain too: not counted
                inside = [t[:] for t in totals]
                before = counters.snapshot()
                kind.call(client, state)
                after = counters.snapshot()
                for k in range(4):
                    whole[k] += after[k] - before[k]
                    for i, t in enumerate(totals):
                        acc[i][k] += t[k] - inside[i][k]
            # acc[0]: the whole chain; acc[i + 1]: inside middleware i's callee
            own = [[(whole[k] - acc[0][k]) / n for k in range(4)]]  # the test client's part
            own += [[(acc[i][k] - acc[i + 1][k]) / n for k in range(4)] for i in range(len(names))]
            own.append([v / n for v in acc[-1]])  # the view, URL routing and the rest
            table[kind.label] = own
        labels = [
            "(Django's test client and handler, outside the middleware)",
            *names,
            "(the view and everything below the middleware)",
        ]
        short = [
            k.label.replace("submission, ", "").replace(", first visit", " (new)") for k in kinds
        ]
        print()
        print("CPU µs per request (own time; queries / cache calls in brackets when not 0):")
        print()
        print("| middleware | " + " | ".join(short) + " |")
        print("|---|" + "---:|" * len(kinds))
        for i, label in enumerate(labels):
            cells = []
            for kind in kinds:
                c, _w, q, k = table[kind.label][i]
                extra = f" ({q:.1f} q / {k:.1f} c)" if (q > 0.01 or k > 0.01) else ""
                cells.append(f"{c / 1000:.1f}{extra}")
            old = {b.rsplit(".", 1)[-1] for b in BEFORE}
            new = "" if label.startswith("(") or label.rsplit(".", 1)[-1] in old else " (new)"
            print(f"| {label}{new} | " + " | ".join(cells) + " |")
    health_check(n)
    return 0


def health_check(n: int) -> None:
    """CONN_HEALTH_CHECKS: under a server, a request that uses the database first checks a
    reused connection with ``SELECT 1`` (Django's ``is_usable``). The test client leaves
    out the request_started handler that arms the check, so the tables above hold none of
    it: it is timed here by itself."""
    from django.conf import settings
    from django.db import connection

    connection.ensure_connection()
    cpu, wall = [], []
    for _ in range(n):
        c0, w0 = time.thread_time_ns(), time.perf_counter_ns()
        connection.is_usable()
        cpu.append(time.thread_time_ns() - c0)
        wall.append(time.perf_counter_ns() - w0)
    enabled = settings.DATABASES["default"].get("CONN_HEALTH_CHECKS", False)
    print()
    print(
        f"CONN_HEALTH_CHECKS={enabled}: the check of a reused connection (`SELECT 1`, once per "
        f"request that uses the database, not in the tables above): median "
        f"{statistics.median(cpu) / 1000:.0f} µs CPU, {statistics.median(wall) / 1000:.0f} µs "
        f"wall ({n} checks)."
    )


if __name__ == "__main__":
    sys.exit(main())
