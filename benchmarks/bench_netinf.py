"""Benchmark: netinf on SPID (728 cascades, 300 edges), diffusion_stats vs NetworkInference.

Times ``ds.mechanisms.netinf(adoptions, n_edges=300)`` (exponential, starting value from
the data; adoption table in, edge list out) beside R's NetworkInference 1.2.5
``netinf(cascades, n_edges = 300, quiet = TRUE)`` (its Rcpp/C++ implementation) run in
the same script through ``Rscript``; only the ``netinf`` call is timed inside R, the
cascade object is built beforehand. Prints each time (best of ``--repeat`` runs), the
ratio, and whether both returned the same edges.

Usage::

    python benchmarks/bench_netinf.py [--repeat 3] [--edges 300] [--rlib DIR] [--no-r]

``--rlib`` is the R library holding NetworkInference (built from its public source with
``R CMD INSTALL -l DIR``; default: R's usual libraries).
Data: ../shared/data/spid/policies.RData (or $DIFFUSION_STATS_DATA).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import diffusion_stats as ds

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DIFFUSION_STATS_DATA", ROOT.parent / "shared" / "data"))
os.environ.setdefault("DIFFUSION_STATS_DATA", str(DATA))

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
if (nzchar(args[4])) .libPaths(c(args[4], .libPaths()))
suppressPackageStartupMessages(library(NetworkInference))
invisible(Sys.setlocale("LC_COLLATE", "C"))
load(args[1])
d <- as.data.frame(policies)
d$statenam <- as.character(d$statenam)
casc <- as_cascade_long(d, cascade_node_name = "statenam", event_time = "adopt_year",
                        cascade_id = "policy", node_names = sort(unique(d$statenam)))
reps <- as.integer(args[2])
times <- numeric(reps)
for (i in seq_len(reps)) {
  t0 <- proc.time()[["elapsed"]]
  res <- netinf(casc, trans_mod = "exponential", n_edges = as.integer(args[3]), quiet = TRUE)
  times[i] <- proc.time()[["elapsed"]] - t0
}
cat(sprintf("%.17g %d\n", min(times), length(casc$cascade_nodes)))
writeLines(paste(res$origin_node, res$destination_node, sep = "->"))
"""


def time_ds(adoptions, n_edges: int, repeat: int):
    best, res = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = ds.mechanisms.netinf(adoptions, n_edges=n_edges, progress=False)
        best = min(best, time.perf_counter() - t0)
    return best, res


def time_r(n_edges: int, repeat: int, rlib: str):
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("R: Rscript not found, skipped")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "netinf.R"
        script.write_text(R_SCRIPT)
        out = subprocess.run([rscript, str(script), str(DATA / "spid" / "policies.RData"), str(repeat),
                              str(n_edges), rlib], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print("R failed (is NetworkInference installed? see --rlib):", out.stderr[-500:])
        return None
    lines = out.stdout.strip().splitlines()
    best, n_casc = lines[0].split()
    return float(best), int(n_casc), lines[1:]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--edges", type=int, default=300)
    ap.add_argument("--rlib", default="")
    ap.add_argument("--no-r", action="store_true")
    args = ap.parse_args(argv)
    adoptions = ds.datasets.load_spid().adoptions
    print(f"SPID: {len(adoptions):,} adoptions, {adoptions['policy'].nunique()} cascades, "
          f"{args.edges} edges (exponential, params from the data)")
    t_ds, res = time_ds(adoptions, args.edges, args.repeat)
    print(f"diffusion_stats netinf     : {t_ds:7.3f} s")
    if not args.no_r:
        r = time_r(args.edges, args.repeat, args.rlib)
        if r is not None:
            t_r, n_casc, edges_r = r
            same = edges_r == [f"{o}->{d}" for o, d in zip(res["origin"], res["destination"], strict=True)]
            print(f"NetworkInference netinf    : {t_r:7.3f} s   ({n_casc} cascades; same edges in the same "
                  f"order: {same})")
            print(f"speed-up vs NetworkInference: {t_r / t_ds:6.1f}x")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(same machine, same load for both: load average {load:.1f} on {os.cpu_count()} CPUs)", flush=True)


if __name__ == "__main__":
    main()
