"""Benchmark: raking 100,000 respondents on 3 dimensions (5 × 4 × 2 categories), issue 19.

    .venv/bin/python bench/weighting.py [--size 100000] [--repeat 5]

Run by hand (not part of the test suite); no database, no network. Every step runs in a
fresh child process (this script with ``--child STEP``) that builds the same seeded
respondent frame first (not timed), then times the step: the first call (what a report
pays: one raking per report) and the median of ``--repeat`` calls. Peak RSS is the child's
VmHWM (the frame, numpy and pandas included; MB = MiB); "frame" is its RSS before the
step, so the step's own memory is the difference.

Steps:

- ``baseline``: a plain pandas group-by count of the three columns over the same frame
  (``frame.groupby([...]).size()``): the least any raking must do, since it needs the
  respondents per category combination. Measured in the same run, because the machine is
  shared and noisy;
- ``rake``: research.findings.weighting.rake to the three margins (no cap);
- ``rake_cap``: the same with trimming at 5 × the mean weight (the unweighted raking's
  largest weight is above 5, so the trimming passes run).

The data: age band (16–19, 20–29, 30–44, 45–66, 67+), loan band (0, 1–3, 4–12, 13+ loans a
year) and student (yes/no), drawn like an engaged sample (heavy borrowers, middle-aged)
with the loan band and student status depending on age; the margins are those of a
population with more non-borrowers and young people, so raking needs several passes and
the weights spread (design effect about 1.5–2).

Goals (issue 19): ≤ 1 s wall and ≤ 300 MB peak RSS for ``rake`` at 100,000.
"""

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 1.0
GOAL_MB = 300.0
STEPS = ["baseline", "rake", "rake_cap"]
CAP = 5.0

AGES = ["16-19", "20-29", "30-44", "45-66", "67+"]
LOANS = ["0", "1-3", "4-12", "13+"]
STUDENT = ["yes", "no"]
# Population (e.g. SSB for age, the library system for loans): the same total everywhere.
MARGINS = {
    "age": dict(zip(AGES, [9_000, 27_000, 36_000, 42_000, 26_000], strict=True)),
    "loans": dict(zip(LOANS, [63_000, 35_000, 25_200, 16_800], strict=True)),
    "student": {"yes": 14_000, "no": 126_000},
}


def make_frame(n: int, seed: int = 19) -> Any:
    """The respondents: one row per respondent, object columns of category keys (as
    research.findings.analysis's response frames hold single-choice answers)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    age = rng.choice(5, size=n, p=[0.04, 0.14, 0.26, 0.33, 0.23])
    # Heavier borrowers than the population, the young and the old most of all.
    loan_p = np.array(
        [
            [0.10, 0.30, 0.35, 0.25],
            [0.15, 0.30, 0.30, 0.25],
            [0.15, 0.25, 0.30, 0.30],
            [0.20, 0.25, 0.30, 0.25],
            [0.12, 0.18, 0.30, 0.40],
        ]
    )
    cumulative = loan_p.cumsum(axis=1)[age]
    loans = (rng.random(n)[:, None] > cumulative).sum(axis=1)
    student = rng.random(n) < np.array([0.85, 0.40, 0.06, 0.01, 0.002])[age]
    return pd.DataFrame(
        {
            "age": np.array(AGES, dtype=object)[age],
            "loans": np.array(LOANS, dtype=object)[loans],
            "student": np.where(student, "yes", "no").astype(object),
        }
    )


def _vmhwm_mb() -> float:
    """Peak RSS of this process (VmHWM; ru_maxrss would carry the parent's peak over)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _vmrss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(step: str, size: int, repeat: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    # The engine's explanations are translated; the happy path writes none, but the
    # module reads the language through Django's settings.
    settings.configure(USE_I18N=True, LANGUAGE_CODE="en", LANGUAGES=[("en", "English")])
    django.setup()
    from research.findings.weighting import rake

    frame = make_frame(size)
    columns = list(MARGINS)

    def run() -> Any:
        if step == "baseline":
            return frame.groupby(columns, observed=True).size()
        return rake(frame, MARGINS, cap=CAP if step == "rake_cap" else None)

    gc.collect()
    frame_mb = _vmrss_mb()
    started = time.perf_counter()
    result = run()
    first = time.perf_counter() - started
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    out: dict[str, Any] = {
        "step": step,
        "first_s": first,
        "median_s": statistics.median(times),
        "frame_mb": frame_mb,
        "peak_mb": _vmhwm_mb(),
    }
    if step != "baseline":
        out.update(
            converged=result.converged,
            iterations=result.iterations,
            max_margin_error=result.max_margin_error,
            design_effect=result.design_effect,
            effective_sample_size=result.effective_sample_size,
            max_weight=float(result.weights.max()),
            trimmed=result.trimmed,
            problems=[problem.code for problem in result.problems],
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", choices=STEPS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.size, args.repeat)))
        return
    results = {}
    for step in STEPS:
        completed = subprocess.run(
            [sys.executable, __file__, "--child", step, "--size", str(args.size),
             "--repeat", str(args.repeat)],
            capture_output=True, text=True, timeout=600, check=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )  # fmt: skip
        results[step] = json.loads(completed.stdout.strip().splitlines()[-1])
    base = results["baseline"]
    python = sys.version.split()[0]
    print(f"Raking {args.size:,} respondents, 3 dimensions (5 × 4 × 2), Python {python}")
    header = ("step", "first s", "median s", "× base", "frame MB", "peak MB", "× base")
    print("{:10} {:>8} {:>9} {:>7} {:>9} {:>8} {:>7}".format(*header))
    for step, r in results.items():
        print(
            f"{step:10} {r['first_s']:8.3f} {r['median_s']:9.3f} "
            f"{r['median_s'] / base['median_s']:7.1f} {r['frame_mb']:9.1f} {r['peak_mb']:8.1f} "
            f"{r['peak_mb'] / base['peak_mb']:7.2f}"
        )
    for step in ("rake", "rake_cap"):
        r = results[step]
        print(
            f"{step}: converged={r['converged']} iterations={r['iterations']} "
            f"max margin error={r['max_margin_error']:.1e} deff={r['design_effect']:.3f} "
            f"n_eff={r['effective_sample_size']:,.0f} max weight={r['max_weight']:.3f} "
            f"trimmed={r['trimmed']:,} problems={r['problems']}"
        )
    rake_result = results["rake"]
    ok_time = rake_result["first_s"] <= GOAL_SECONDS
    ok_memory = rake_result["peak_mb"] <= GOAL_MB
    print(
        f"goal ≤ {GOAL_SECONDS:.0f} s: {'met' if ok_time else 'MISSED'} "
        f"({rake_result['first_s']:.3f} s first call); "
        f"goal ≤ {GOAL_MB:.0f} MB: {'met' if ok_memory else 'MISSED'} "
        f"({rake_result['peak_mb']:.1f} MB peak)"
    )


if __name__ == "__main__":
    main()
