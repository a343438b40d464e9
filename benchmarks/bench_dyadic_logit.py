"""Benchmark: DyadicLogit with dyadic-robust variance on the 5.2M-row SPID prior-adopter design,
beside R glm + the dyadic estimator written out in R (issue 4; target: >= 3x faster than R).

Design: ds.dyads(SPID, windows=policies_metadata, sources="prior_adopters") = 5,193,965
directed dyad-years, with a static symmetric dyadic covariate (shared border, the
package's US-border table) and a monadic one of both sides (census region) ->
``event ~ border + log_years + same_region``, log_years = log(years since the partner
adopted).

Python time: model construction (formula -> design matrix) + IRLS fit + dyadic variance.
R time (same run, when Rscript is on PATH): glm(binomial) + the dyadic meat from rowsum
group sums (as tests/reference/logit/make_reference.R), timed inside R with
system.time; reading the CSV into R is not timed. R's glm uses its default tolerance
(epsilon 1e-8; ours is tighter), which favours R.

With ``--rare-events`` it also fits ``event ~ partner_adopted + border`` on the full
28.5M-row ``sources="all"`` design and on King & Zeng case-control samples drawn from
``ds.iter_dyads`` chunks (20%, 5%, 1% of non-events; prior correction and weighting), to show
the trade-off (time and rows vs. estimates and dyadic standard errors).

Run:  python benchmarks/bench_dyadic_logit.py [--rare-events]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("DIFFUSION_STATS_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
os.environ.setdefault("DIFFUSION_STATS_PROGRESS", "0")

import diffusion_stats as ds  # noqa: E402

FORMULA = "event ~ border + log_years + same_region"

R_SCRIPT = r"""
suppressPackageStartupMessages({library(data.table); library(jsonlite)})
d <- fread(commandArgs(TRUE)[1])
t <- system.time({
  fit <- glm(event ~ border + log_years + same_region, data = d, family = binomial)
  X <- model.matrix(fit); mu <- fitted(fit)
  ef <- (d$event - mu) * X                       # logit scores (= sandwich::estfun)
  B <- chol2inv(qr.R(fit$qr))                    # (X'WX)^-1
  units <- max(d$u, d$p) + 1
  S <- matrix(0, units, ncol(ef))
  su <- rowsum(ef, d$u); sp <- rowsum(ef, d$p)
  S[as.integer(rownames(su)) + 1, ] <- S[as.integer(rownames(su)) + 1, ] + su
  S[as.integer(rownames(sp)) + 1, ] <- S[as.integer(rownames(sp)) + 1, ] + sp
  pair <- pmin(d$u, d$p) * units + pmax(d$u, d$p)
  Sp <- rowsum(ef, pair)
  V <- B %*% (crossprod(S) - crossprod(Sp)) %*% B
})
cat(toJSON(list(seconds = unname(t["elapsed"]), coef = unname(coef(fit)), se = sqrt(diag(V)),
                iter = fit$iter), digits = NA, auto_unbox = TRUE))
"""


def border_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Complete symmetric shared-border table (every pair of states listed once) and regions."""
    states = ds.datasets.load_us_states()
    name = dict(zip(states["postal"], states["name"], strict=True))
    borders = ds.datasets.load_us_state_borders()
    borders = pd.DataFrame({"unit": borders["state1"].map(name), "partner": borders["state2"].map(name),
                            "border": 1})
    pairs = pd.MultiIndex.from_product([states["name"], states["name"]], names=["unit", "partner"]).to_frame(
        index=False)
    pairs = pairs[pairs["unit"] < pairs["partner"]]
    b = borders.assign(unit=borders[["unit", "partner"]].min(axis=1), partner=borders[["unit", "partner"]].max(axis=1))
    table = pairs.merge(b, on=["unit", "partner"], how="left").fillna({"border": 0})
    return table, states[["name", "region"]].rename(columns={"name": "unit"})


def rare_events() -> None:
    """King & Zeng on the 28.5M-row sources='all' design: full fit vs case-control samples."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ad, meta = ds.datasets.load_spid()
        table, _ = border_table()
        f = "event ~ partner_adopted + border"
        t0 = time.perf_counter()
        full = ds.dyads(ad, windows=meta, sources="all", dyad_covariates=(table, "symmetric"))
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        rf = ds.DyadicLogit(f, full).fit(cov_type="dyadic")
        t_full = time.perf_counter() - t0
        print(f"\nrare events: full sources='all' design {len(full):,} rows (built {t_build:.1f} s), "
              f"DyadicLogit + dyadic variance {t_full:.1f} s")
        del full
        rows = [("full data", rf, t_full, len(rf.fitted_values))]
        for frac in (0.2, 0.05, 0.01):
            t0 = time.perf_counter()
            chunks = ds.iter_dyads(ad, windows=meta, sources="all", dyad_covariates=(table, "symmetric"),
                                   progress=False)
            s = ds.case_control_sample(chunks, fraction=frac, seed=1)
            t_s = time.perf_counter() - t0
            for how in ("prior", "weight"):
                t0 = time.perf_counter()
                r = ds.DyadicLogit(f, s, case_control=how).fit(cov_type="dyadic")
                rows.append((f"{frac:.0%} of non-events, {how}", r, time.perf_counter() - t0, len(s)))
            print(f"  sample {frac:.0%}: {len(s):,} rows, built from chunks in {t_s:.1f} s")
    print(f"  {'fit':<32}{'rows':>12}{'fit s':>7}" + "".join(f"{n:>24}" for n in rf.params.index))
    for label, r, t, n in rows:
        cells = "".join(f"{b:>14.4f} ({se:.4f})" for b, se in zip(r.params, r.std_errors, strict=True))
        print(f"  {label:<32}{n:>12,}{t:>7.1f}{cells}")


def build() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ad, meta = ds.datasets.load_spid()
        table, region = border_table()
        d = ds.dyads(ad, windows=meta, sources="prior_adopters", dyad_covariates=(table, "symmetric"),
                     covariates=region)
    d["log_years"] = np.log(d["years_since_partner_adopted"].astype(np.float64))
    d["same_region"] = (d["unit_region"].cat.codes.to_numpy() == d["partner_region"].cat.codes.to_numpy()
                        ).astype(np.int8)
    return d


def main() -> None:
    t0 = time.perf_counter()
    d = build()
    print(f"design: {len(d):,} rows, {int(d['event'].sum()):,} events, built in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    model = ds.DyadicLogit(FORMULA, d)
    t_model = time.perf_counter() - t0
    t1 = time.perf_counter()
    res = model.fit(cov_type="dyadic")
    t_fit = time.perf_counter() - t1
    py = t_model + t_fit
    print(f"python: {py:.2f} s (formula/design {t_model:.2f} s, IRLS + dyadic variance {t_fit:.2f} s, "
          f"{res.iterations} iterations)")
    print(res.summary())
    if shutil.which("Rscript") is None:
        print("Rscript not found: R comparison skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "design.csv"
        codes = pd.DataFrame({"event": d["event"], "border": d["border"].astype(np.int8),
                              "log_years": d["log_years"], "same_region": d["same_region"],
                              "u": d["unit"].cat.codes, "p": d["partner"].cat.codes})
        codes.to_csv(csv, index=False, float_format="%.17g")
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", str(script), str(csv)], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    rel_b = np.max(np.abs(res.params.to_numpy() / np.array(r["coef"]) - 1))
    rel_se = np.max(np.abs(res.std_errors.to_numpy() / np.array(r["se"]) - 1))
    print(f"R glm + dyadic: {r['seconds']:.2f} s ({r['iter']} iterations)")
    print(f"speed-up: {r['seconds'] / py:.1f}x (python total incl. formula parsing) / "
          f"{r['seconds'] / t_fit:.1f}x (fit + variance only)")
    print(f"agreement with R: max rel. diff. estimates {rel_b:.1e}, dyadic SEs {rel_se:.1e} "
          "(R stops at its default epsilon 1e-8)")


if __name__ == "__main__":
    import sys

    main()
    if "--rare-events" in sys.argv:
        rare_events()
