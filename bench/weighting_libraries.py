"""The raking libraries evaluated for issue 19, on bench/weighting.py's data (docs/weighting.md,
"Choosing the raking library").

    # each candidate in a folder of its own, with its own dependencies (not the shared venv)
    for p in weightipy samplics ipfn balance; do
        .venv/bin/pip install --target /tmp/rake-pkgs/eval/$p $p; done
    .venv/bin/python bench/weighting_libraries.py [--size 100000] [--eval-dir /tmp/rake-pkgs/eval]

Each candidate runs in a fresh child with only its own folder (and this repository) on
``PYTHONPATH``: the time to import it, the first raking call (no cap, then with a cap of 5 ×
the mean weight where the library trims), the child's peak RSS (VmHWM), and — checked here,
not taken from the library — the largest difference between a weighted share and its
population share, the largest weight over the mean, and whether the library tells if it
converged. "innsikt" is research.findings.weighting on the same data.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = ["innsikt", "ipfn", "weightipy", "samplics", "balance"]
CAP = 5.0


def _check(frame: Any, weights: Any, margins: dict[str, dict[str, float]]) -> dict[str, float]:
    import numpy as np

    w = np.asarray(weights, dtype=float)
    error = 0.0
    for dimension, population in margins.items():
        total = sum(population.values())
        for category, count in population.items():
            share = w[(frame[dimension] == category).to_numpy()].sum() / w.sum()
            error = max(error, abs(share - count / total))
    return {"max_margin_error": error, "max_weight_ratio": float(w.max() / w.mean())}


def _innsikt(frame: Any, margins: dict, cap: float | None) -> tuple[Any, Any]:
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=True, LANGUAGE_CODE="en", LANGUAGES=[("en", "English")])
        import django

        django.setup()
    from research.findings.weighting import rake

    result = rake(frame, margins, cap=cap)
    return result.weights, {"converged": result.converged, "iterations": result.iterations}


def _ipfn(frame: Any, margins: dict, cap: float | None) -> tuple[Any, Any]:
    import pandas as pd
    from ipfn import ipfn

    if cap is not None:
        return None, "no trimming"
    df = frame.copy()
    df["total"] = 1.0
    n = len(df)
    aggregates = []
    for dimension, population in margins.items():
        total = sum(population.values())
        series = pd.Series({k: v * n / total for k, v in population.items()})
        series.index.name = dimension
        aggregates.append(series)
    fitted, flag, _log = ipfn.ipfn(
        df, aggregates, [[d] for d in margins], weight_col="total",
        convergence_rate=1e-6, max_iteration=100, verbose=2,
    ).iteration()  # fmt: skip
    return fitted["total"], {"converged": bool(flag)}


def _weightipy(frame: Any, margins: dict, cap: float | None) -> tuple[Any, Any]:
    import weightipy as wp

    targets = {d: {k: 100 * v / sum(p.values()) for k, v in p.items()} for d, p in margins.items()}
    params = {"max_iterations": 100, "convcrit": 1e-6}
    if cap is not None:
        params["cap"] = cap
    scheme = wp.scheme_from_dict(targets, rim_params=params)
    return wp.weight(frame, scheme), "printed only"


def _samplics(frame: Any, margins: dict, cap: float | None) -> tuple[Any, Any]:
    import numpy as np
    from samplics.weighting import SampleWeight

    n = len(frame)
    control = {d: {k: v * n / sum(p.values()) for k, v in p.items()} for d, p in margins.items()}
    weights = SampleWeight().rake(
        samp_weight=np.ones(n), margins={d: frame[d].to_numpy() for d in margins},
        control=control, up_bound=cap, tol=1e-6, ctrl_tol=1e-6, max_iter=100,
    )  # fmt: skip
    return weights, "none (weights only; up_bound is checked, not applied)"


def _balance(frame: Any, margins: dict, cap: float | None) -> tuple[Any, Any]:
    import pandas as pd
    from balance.weighting_methods.rake import rake

    targets = {d: {k: float(v) for k, v in p.items()} for d, p in margins.items()}
    result = rake(
        frame, pd.Series(1.0, index=frame.index), None, None, target_margins=targets,
        max_iteration=100, convergence_rate=1e-6, weight_trimming_mean_ratio=cap,
    )  # fmt: skip
    return result["weight"], {"converged": int(result["model"]["converged"])}


RUNNERS = {
    "innsikt": _innsikt,
    "ipfn": _ipfn,
    "weightipy": _weightipy,
    "samplics": _samplics,
    "balance": _balance,
}
IMPORTS = {
    "innsikt": "import pandas",
    "ipfn": "from ipfn import ipfn",
    "weightipy": "import weightipy",
    "samplics": "from samplics.weighting import SampleWeight",
    "balance": "from balance.weighting_methods.rake import rake",
}


def child(name: str, size: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    exec(IMPORTS[name])  # noqa: S102 - a fixed import line of this file
    out: dict[str, Any] = {"library": name, "import_s": time.perf_counter() - started}
    from bench.weighting import MARGINS, _vmhwm_mb, make_frame

    frame = make_frame(size)
    for label, cap in (("plain", None), ("cap", CAP)):
        started = time.perf_counter()
        try:
            weights, info = RUNNERS[name](frame, MARGINS, cap)
        except Exception as error:  # a candidate failing is a finding, not a crash
            out[label] = {"error": f"{type(error).__name__}: {error}"[:200]}
            continue
        seconds = time.perf_counter() - started
        if weights is None:
            out[label] = {"error": info}
            continue
        out[label] = {"seconds": seconds, "info": info, **_check(frame, weights, MARGINS)}
    out["peak_mb"] = _vmhwm_mb()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--eval-dir", default="/tmp/rake-pkgs/eval")  # noqa: S108 - by hand
    parser.add_argument("--only", default=",".join(CANDIDATES))
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.size), default=str))
        return
    for name in args.only.split(","):
        path = [str(ROOT)] if name == "innsikt" else [f"{args.eval_dir}/{name}", str(ROOT)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
        completed = subprocess.run(
            [sys.executable, __file__, "--child", name, "--size", str(args.size)],
            capture_output=True, text=True, timeout=900, env=env, check=False,
        )  # fmt: skip
        lines = completed.stdout.strip().splitlines()
        if completed.returncode or not lines:
            print(json.dumps({"library": name, "error": completed.stderr[-600:]}))
            continue
        print(lines[-1])


if __name__ == "__main__":
    main()
