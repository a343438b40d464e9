"""Benchmark: repeated-event panels from every 0/1 CSP variable, against R.

Python: ds.policy_spells -> ds.event_history(repeated="ag", risk="both") ->
ds.status_exposure (queen borders) on all 0/1 CSP variables (~1 M state-years), then an
AG Cox fit with cluster(unit) on the helmet-law panel. R (same script, via Rscript): the
row-wise lag panel with base R (order + ave/diff, vectorised) and coxph(... + cluster(unit))
on the same helmet panel. Prints wall times and the ratios. The CSP extract is read
once through ds.datasets.load_csp (cached Parquet).

Run:  DIFFUSION_STATS_DATA=../shared/data python benchmarks/bench_repeated.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("DIFFUSION_STATS_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))

import diffusion_stats as ds  # noqa: E402

R_CODE = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
p <- read.csv(args[2], stringsAsFactors = FALSE)
t0 <- proc.time()[["elapsed"]]
d <- d[order(d$variable, d$st, d$year), ]
key <- paste(d$variable, d$st)
same <- c(FALSE, key[-1] == key[-length(key)])
prev <- c(NA, d$value[-nrow(d)])
panel <- data.frame(key = key[same], year = d$year[same], status = prev[same],
                    event = as.integer(d$value[same] != prev[same]))
t1 <- proc.time()[["elapsed"]]
f <- coxph(Surv(start, stop, event) ~ nb + cluster(unit), data = p, ties = "efron")
t2 <- proc.time()[["elapsed"]]
cat(sprintf("%d %.4f %.4f %.10f\n", nrow(panel), t1 - t0, t2 - t1, coef(f)[1]))
"""


def main() -> None:
    csp = ds.datasets.load_csp(_binary_variables())
    csp = csp.dropna(subset=["value"])
    csp = csp[csp["variable"] != "rep_unified"]  # conflicting duplicate state-years
    W = ds.Weights.us_borders(include_dc=True)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spells = ds.policy_spells(csp, unit="st", policy="variable", gaps="bridge")
        t1 = time.perf_counter()
        panel = ds.event_history(spells, repeated="ag", risk="both")
        t2 = time.perf_counter()
        panel = ds.status_exposure(panel, spells, W, name="nb", missing_units="zero")
    t3 = time.perf_counter()
    helm = panel[(panel["policy"] == "regulation_motorcycle_helmets") & (panel["event_type"] == "adoption")]
    ds.CoxHazard("event ~ nb", helm.iloc[:200]).fit(cov_type="classical")  # warm-up: first-call imports
    t4 = time.perf_counter()
    res = ds.CoxHazard("event ~ nb", helm).fit()
    t5 = time.perf_counter()
    print(f"spells {len(spells):,} from {len(csp):,} state-years: {t1 - t0:.2f} s; AG panel {len(panel):,} rows: "
          f"{t2 - t1:.2f} s; current-status exposure: {t3 - t2:.2f} s; Cox AG fit: {t5 - t4:.3f} s")
    if shutil.which("Rscript") is None:
        print("Rscript not found: R timings skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        csp.to_csv(Path(tmp) / "d.csv", index=False)
        helm[["unit", "start", "stop", "event", "nb"]].to_csv(Path(tmp) / "p.csv", index=False)
        (Path(tmp) / "b.R").write_text(R_CODE)
        out = subprocess.run(["Rscript", str(Path(tmp) / "b.R"), str(Path(tmp) / "d.csv"), str(Path(tmp) / "p.csv")],
                             capture_output=True, text=True, check=True).stdout.split()
    n_r, r_panel, r_fit, r_coef = int(out[0]), float(out[1]), float(out[2]), float(out[3])
    print(f"R: lag panel {n_r:,} rows {r_panel:.2f} s (observed years only: Python also has the "
          f"{len(panel) - n_r:,} bridged gap years; no spells, enum or exposure); coxph {r_fit:.3f} s; "
          f"coef {r_coef:.8f} vs {float(res.params['nb']):.8f}")
    print(f"ratio Python spells+panel / R lag panel: {(t2 - t0) / r_panel:.2f}; Cox fit Python / R: "
          f"{(t5 - t4) / r_fit:.2f}")


def _binary_variables() -> list[str]:
    """The 0/1 CSP variables (from the cached extract of all variables' value sets)."""
    import pyreadr

    from diffusion_stats.datasets import cache_dir

    listing = cache_dir() / "csp" / "binary_variables.txt"
    if listing.exists():
        return listing.read_text().split()
    csp = next(iter(pyreadr.read_r(str(ds.datasets.fetch("csp/csp.rda"))).values()))
    v = csp.dropna(subset=["value"]).groupby("variable")["value"].agg(lambda s: bool(s.isin([0.0, 1.0]).all()))
    names = sorted(v.index[v])
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text("\n".join(names))
    return names


if __name__ == "__main__":
    main()
