"""Few-cluster inference: speed of the score bootstrap on the pooled SPID Cox, and a
simulation of rejection rates under a null channel effect.

Run from the repository root (needs ../shared/data for the speed part):

    PYTHONPATH=$PWD python benchmarks/bench_small_sample.py [--reps 400] [--skip-speed]

1. Speed: ``ds.wild_bootstrap`` with 9,999 draws on the pooled SPID event-history Cox
   (582,377 rows, 50 state clusters, strata by policy, Efron ties); target < 30 s.
   CR2 on the same fit, and R's ``coxph`` fit of the same model for scale (if Rscript is
   on the PATH). No other tool offers a cluster bootstrap for Cox models.
2. Simulation: pooled diffusion designs with G = 10, 20, 50 units (the clusters), 20
   policies over 25 years, a random "network" channel whose true effect is 0, and an
   unobserved unit-year shock shared by all of a unit's policies in a year (N(0, 1); the
   within-cluster correlation). Cox model ``event ~ net`` (strata by policy), clustered by
   unit; share of replications rejecting ``net = 0`` at 5% with CR1 (G/(G-1), normal
   reference, Stata's ``stcox``), CR2 + Satterthwaite t, and the score bootstrap
   (Rademacher, 999 draws).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import diffusion_stats as ds


def null_design(G: int, seed: int, *, n_policies: int = 20, years: int = 25, shock_sd: float = 1.0,
                baseline: float = 0.04) -> pd.DataFrame:
    """One pooled event-history panel with a null channel effect (module docstring)."""
    rng = np.random.default_rng(seed)
    labels = [f"u{i:02d}" for i in range(G)]
    # heterogeneous degrees: a few hubs (leverage is what makes CR1 over-reject)
    p_tie = np.minimum(1.0, 3.0 / G * np.exp(rng.normal(0, 0.8, G)))
    m = (rng.random((G, G)) < p_tie[:, None]).astype(float)
    np.fill_diagonal(m, 0)
    N = ds.Weights.from_matrix(m, labels, name="net")
    ch = [ds.Channel("net", N)]
    start, end = 1980, 1980 + years - 1
    yrs = np.arange(start, end + 1)
    cov = pd.DataFrame({"unit": np.repeat(labels, len(yrs)), "year": np.tile(yrs, G),
                        "shock": rng.normal(0, shock_sd, G * len(yrs))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ad = ds.simulate_diffusion(labels, ch, effects={"net": 0.0}, start=start, end=end, n_policies=n_policies,
                                   covariates=cov, beta={"shock": 1.0}, baseline=baseline, seed=rng)
        panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows, units=labels), ad, ch)
    return panel


def one_replication(G: int, seed: int, boot_reps: int = 999) -> dict:
    """Rejections (bool) of net = 0 at 5% by CR1, CR2 + Satterthwaite and the score bootstrap."""
    panel = null_design(G, seed)
    m = ds.CoxHazard("event ~ net", panel, start="start", stop="stop", strata="policy", ties="efron")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cr1 = m.fit(cluster="unit", small_sample=True)
        cr2 = m.fit(cluster="unit", small_sample="CR2")
        bt = ds.wild_bootstrap(cr1, "net", reps=boot_reps, seed=seed, conf_int=False, progress=False)
    return {"CR1": bool(cr1.pvalues["net"] < 0.05), "CR2": bool(cr2.pvalues["net"] < 0.05),
            "bootstrap": bool(bt.pvalues["net"] < 0.05), "df": float(cr2.df_terms["net"])}


def rejection_table(Gs=(10, 20, 50), reps: int = 400, seed: int = 0, boot_reps: int = 999) -> pd.DataFrame:
    """Rejection rates at 5% (and mean Satterthwaite df) by number of clusters."""
    rows = []
    for G in Gs:
        out = pd.DataFrame([one_replication(G, seed + 1000 * G + r, boot_reps) for r in range(reps)])
        rows.append({"clusters": G, "CR1 (z)": out["CR1"].mean(), "CR2 + Satterthwaite": out["CR2"].mean(),
                     "score bootstrap": out["bootstrap"].mean(), "mean df": out["df"].mean(),
                     "replications": str(reps)})
    return pd.DataFrame(rows).set_index("clusters")


def markdown(tab: pd.DataFrame) -> str:
    """The table as GitHub Markdown (no optional dependency)."""
    cols = [tab.index.name or ""] + list(tab.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---:|" * len(cols)]
    for idx, row in tab.iterrows():
        cells = [str(idx)] + [f"{v:.3f}" if isinstance(v, float) and c != "mean df" else
                              (f"{v:.1f}" if c == "mean df" else str(v)) for c, v in row.items()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def speed() -> None:
    import os
    os.environ.setdefault("DIFFUSION_STATS_DATA", "../shared/data")
    spid = ds.datasets.load_spid(unit="postal")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        p = ds.event_history(spid.adoptions, windows=spid.metadata)
        p = ds.exposure(p, spid.adoptions, ds.Weights.us_borders(), kind="share", name="share")
    m = ds.CoxHazard("event ~ share", p, start="start", stop="stop", strata="policy", ties="efron")
    t0 = time.perf_counter()
    res = m.fit(cluster="unit")
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    bt = ds.wild_bootstrap(res, "share", reps=9999, seed=1, conf_int=False)
    t_boot = time.perf_counter() - t0
    t0 = time.perf_counter()
    cr2 = m.fit(cluster="unit", small_sample="CR2")
    t_cr2 = time.perf_counter() - t0
    t0 = time.perf_counter()
    bci = ds.wild_bootstrap(res, "share", reps=9999, seed=1)
    t_ci = time.perf_counter() - t0
    print(f"pooled SPID Cox: {len(p):,} rows, {res.n_clusters[0]} clusters")
    print(f"  fit (CR0 cluster)            {t_fit:7.2f} s")
    print(f"  score bootstrap, 9,999 draws {t_boot:7.2f} s  (target < 30 s)  p = {bt.pvalues['share']:.4g}")
    print(f"  ... with confidence set      {t_ci:7.2f} s  [{bci.table.loc['share', 'lower']:.4f}, "
          f"{bci.table.loc['share', 'upper']:.4f}]")
    print(f"  fit with CR2 + Satterthwaite {t_cr2:7.2f} s  se {cr2.std_errors['share']:.5f} "
          f"(CR0 {res.std_errors['share']:.5f}), df {cr2.df_terms['share']:.2f}")
    lm = ds.EventLogit("event ~ share", p)
    t0 = time.perf_counter()
    lr = lm.fit(cluster="unit", small_sample="CR2")
    t_l = time.perf_counter() - t0
    print(f"  EventLogit fit + CR2         {t_l:7.2f} s  (clusters of ~11,600 rows: quadrature; clubSandwich "
          f"would need 50 dense 11,600^2 eigenproblems) se {lr.std_errors['share']:.5f}, df {lr.df_terms['share']:.2f}")
    import shutil
    import subprocess
    if shutil.which("Rscript"):
        code = ("suppressPackageStartupMessages(library(survival));"
                "d <- read.csv(commandArgs(TRUE)[1]);"
                "t0 <- proc.time()[[3]];"
                "f <- coxph(Surv(start, stop, event) ~ share + strata(policy), data = d, cluster = unit);"
                "cat(proc.time()[[3]] - t0)")
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".csv") as fh:
            p[["start", "stop", "event", "share", "policy", "unit"]].to_csv(fh.name, index=False)
            t_r = float(subprocess.run(["Rscript", "-e", code, fh.name], capture_output=True, text=True).stdout)
        print(f"  R coxph fit (cluster)        {t_r:7.2f} s  (fit + 9,999-draw bootstrap here / R fit: "
              f"{(t_fit + t_boot) / t_r:.2f})")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=400)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-sim", action="store_true")
    a = ap.parse_args()
    ds.set_progress(False) if hasattr(ds, "set_progress") else None
    if not a.skip_speed:
        speed()
    if not a.skip_sim:
        t0 = time.perf_counter()
        tab = rejection_table(reps=a.reps)
        mc = 1.96 * np.sqrt(0.05 * 0.95 / a.reps)
        print(f"\nRejection rates of a true null at 5% ({a.reps} replications per row; Monte Carlo "
              f"+-{mc:.3f}); {time.perf_counter() - t0:.0f} s")
        print(markdown(tab))
