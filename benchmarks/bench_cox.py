"""Benchmark: pooled SPID Cox fit (efron, strata = policy, cluster = state).

Times ``ds.CoxHazard("event ~ share", panel, strata="policy").fit(cluster="unit")``
(model construction from the DataFrame + fit + clustered variance) beside R's
``coxph(Surv(start, stop, event) ~ share + strata(policy), cluster = state)`` run in
the same script through ``Rscript`` (only the ``coxph`` call is timed inside R, the
panel is handed over as CSV), and beside lifelines' ``CoxPHFitter`` (entry_col,
strata, cluster_col). Prints each time (best of ``--repeat`` runs) and the ratios.

Usage::

    python benchmarks/bench_cox.py [--repeat 3] [--no-lifelines] [--no-r]

Data: ../shared/data/spid/policies.RData (or $DIFFUSION_STATS_DATA).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import diffusion_stats as ds
from diffusion_stats.core.bundled import bundled_path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DIFFUSION_STATS_DATA", ROOT.parent / "shared" / "data"))

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c("character", "character", "integer", "numeric", "numeric",
                                      "integer", "numeric"))
reps <- as.integer(args[2])
times <- numeric(reps)
for (i in seq_len(reps)) {
  t0 <- proc.time()[["elapsed"]]
  f <- coxph(Surv(start, stop, event) ~ share + strata(policy), data = d, cluster = unit,
             ties = "efron")
  times[i] <- proc.time()[["elapsed"]] - t0
}
cat(sprintf("%.17g %.17g %.17g %s\n", min(times), coef(f)[1], sqrt(f$var[1, 1]),
            paste(sprintf("%.3f", times), collapse = ",")))
"""


def build_panel() -> pd.DataFrame:
    import pyreadr

    r = pyreadr.read_r(str(DATA / "spid" / "policies.RData"))
    pol, meta = r["policies"], r["policies_metadata"]
    states = pd.read_csv(bundled_path("us_states.csv"), dtype=str, keep_default_na=False)
    pol = pol.assign(unit=pol["statenam"].map(dict(zip(states["name"], states["postal"], strict=True))))
    adopt = ds.read_adoptions(pol, unit="unit", year="adopt_year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        panel = ds.event_history(adopt, windows=meta)
        panel = ds.exposure(panel, adopt, ds.Weights.us_borders(), kind="share", name="share")
    return panel


def time_ds(panel: pd.DataFrame, repeat: int) -> tuple[float, float, float]:
    best, res = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = ds.CoxHazard("event ~ share", panel, strata="policy").fit(cluster="unit")
        best = min(best, time.perf_counter() - t0)
    return best, float(res.params.iloc[0]), float(res.std_errors.iloc[0])


def time_r(panel: pd.DataFrame, repeat: int) -> tuple[float, float, float] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("R: Rscript not found, skipped")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "panel.csv"
        panel[["policy", "unit", "year", "start", "stop", "event", "share"]].to_csv(csv, index=False)
        script = Path(tmp) / "fit.R"
        script.write_text(R_SCRIPT)
        out = subprocess.run([rscript, str(script), str(csv), str(repeat)], capture_output=True, text=True,
                             check=False)
    if out.returncode != 0:
        print("R failed:", out.stderr[-500:])
        return None
    best, coef, se, _ = out.stdout.split()
    return float(best), float(coef), float(se)


def time_lifelines(panel: pd.DataFrame) -> tuple[float, float, float] | None:
    try:
        from lifelines import CoxPHFitter
    except ImportError:
        print("lifelines not installed, skipped")
        return None
    df = panel[["policy", "unit", "start", "stop", "event", "share"]]
    t0 = time.perf_counter()
    cph = CoxPHFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cph.fit(df, duration_col="stop", event_col="event", entry_col="start", strata=["policy"],
                cluster_col="unit", formula="share")
    elapsed = time.perf_counter() - t0
    return elapsed, float(cph.params_.iloc[0]), float(cph.standard_errors_.iloc[0])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--no-lifelines", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    panel = build_panel()
    print(f"pooled SPID panel: {len(panel):,} rows, {int(panel['event'].sum()):,} events, "
          f"{panel['policy'].nunique()} strata (built in {time.perf_counter() - t0:.2f} s)")
    t_ds, b, se = time_ds(panel, args.repeat)
    print(f"diffusion_stats CoxHazard : {t_ds:7.3f} s   coef {b:.6f}  cluster se {se:.6f}")
    rows = []
    if not args.no_r:
        r = time_r(panel, args.repeat)
        if r is not None:
            print(f"R survival::coxph         : {r[0]:7.3f} s   coef {r[1]:.6f}  cluster se {r[2]:.6f}")
            rows.append(("R coxph", r[0]))
    if not args.no_lifelines:
        lf = time_lifelines(panel)
        if lf is not None:
            print(f"lifelines CoxPHFitter     : {lf[0]:7.3f} s   coef {lf[1]:.6f}  cluster se {lf[2]:.6f}")
            rows.append(("lifelines", lf[0]))
    for name, t in rows:
        print(f"speed-up vs {name:<10}: {t / t_ds:6.1f}x")
    if hasattr(os, "getloadavg"):
        print(f"(load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
              "both tools ran under the same load)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
