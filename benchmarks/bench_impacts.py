"""Benchmark: spatial impacts with standard errors, ds (delta method and simulation) vs
spatialreg::impacts (simulation, R = 2000) on the Boston housing data (506 tracts,
spData::boston.c with boston.soi neighbours, row-standardised; the classic
log(CMEDV) hedonic model of Harrison & Rubinfeld as in spatialreg's examples).

R writes the data and the neighbour edges to a temporary folder (nothing is committed),
times lagsarlm + impacts, and the same model is fitted and timed here. Printed: the point
impacts' largest relative difference (must be < 1e-6), each tool's impacts time and the
ratio, and the delta-method vs simulated SEs.

Run:  PYTHONPATH=$PWD python benchmarks/bench_impacts.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import diffusion_stats as ds

R_CODE = r"""
suppressPackageStartupMessages({library(spatialreg); library(spdep); library(spData); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE); out <- args[1]; reps <- as.integer(args[2])
data(boston, package = "spData")
d <- boston.c
d$id <- paste0("t", seq_len(nrow(d)))
d$y <- log(d$CMEDV); d$NOX2 <- d$NOX^2; d$RM2 <- d$RM^2; d$lDIS <- log(d$DIS); d$lRAD <- log(d$RAD)
d$lLSTAT <- log(d$LSTAT)
lw <- nb2listw(boston.soi, style = "W")
f <- y ~ CRIM + ZN + INDUS + CHAS + NOX2 + RM2 + AGE + lDIS + lRAD + TAX + PTRATIO + B + lLSTAT
fit <- lagsarlm(f, data = d, listw = lw, method = "eigen")
times <- numeric(reps)
for (i in seq_len(reps)) {
  set.seed(i)
  t0 <- proc.time()[["elapsed"]]
  im <- impacts(fit, listw = lw, R = 2000)
  sm <- summary(im, zstats = TRUE, short = TRUE)
  times[i] <- proc.time()[["elapsed"]] - t0
}
nb <- boston.soi
edges <- data.frame(source = rep(d$id, card(nb)), target = d$id[unlist(nb[card(nb) > 0])])
write.csv(d[, c("id", "y", all.vars(f)[-1])], file.path(out, "boston.csv"), row.names = FALSE)
write.csv(edges, file.path(out, "edges.csv"), row.names = FALSE)
write_json(list(time = min(times), direct = im$res$direct, indirect = im$res$indirect, total = im$res$total,
                se = unname(sm$semat), names = attr(im, "bnames")), file.path(out, "r.json"),
           digits = NA, auto_unbox = TRUE)
"""
FORMULA = "y ~ CRIM + ZN + INDUS + CHAS + NOX2 + RM2 + AGE + lDIS + lRAD + TAX + PTRATIO + B + lLSTAT"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    if shutil.which("Rscript") is None:
        raise SystemExit("Rscript not found: this benchmark needs R with spatialreg and spData")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(R_CODE)
        subprocess.run(["Rscript", str(script), tmp, str(a.repeat)], check=True)
        d = pd.read_csv(Path(tmp) / "boston.csv")
        edges = pd.read_csv(Path(tmp) / "edges.csv")
        r = json.loads((Path(tmp) / "r.json").read_text())
    W = ds.Weights.from_edges(edges, name="boston.soi")
    res = ds.SpatialLag(FORMULA, d, W, unit="id").fit()
    best_d = best_s = np.inf
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        imp = res.impacts(se="delta")
        best_d = min(best_d, time.perf_counter() - t0)
        t0 = time.perf_counter()
        sim = res.impacts(n_sim=2000, seed=1)
        best_s = min(best_s, time.perf_counter() - t0)
    rel = max(float(np.max(np.abs(imp[c].to_numpy() - np.ravel(r[c])) / np.abs(np.ravel(r[c]))))
              for c in ("direct", "indirect", "total"))
    print(f"Boston (n = {len(d)}), point impacts vs spatialreg: max relative difference {rel:.2e}")
    print(f"impacts with SEs: ds delta {best_d:.3f} s | ds simulation (2000) {best_s:.2f} s | "
          f"spatialreg simulation (2000) {r['time']:.2f} s  -> R / ds delta = {r['time'] / best_d:.1f}x")
    se_r = np.asarray(r["se"])
    ratio = imp[["se_direct", "se_indirect", "se_total"]].to_numpy() / se_r
    print(f"delta SE / R simulated SE: median {np.median(ratio):.3f}, range [{ratio.min():.3f}, {ratio.max():.3f}]")
    ratio_s = sim[["se_direct", "se_indirect", "se_total"]].to_numpy() / se_r
    print(f"ds simulated SE / R simulated SE: median {np.median(ratio_s):.3f}, "
          f"range [{ratio_s.min():.3f}, {ratio_s.max():.3f}]")


if __name__ == "__main__":
    main()
