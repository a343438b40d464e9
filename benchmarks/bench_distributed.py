"""Benchmark: the full pooled SPID directed-dyad design, in memory versus on Dask.

Design: all SPID v1.0 policies (windows = SPID's first_year/last_year), every state
paired with every other state (``sources="all"``): 28.5 million dyad-years, with the
queen-contiguity border indicator attached as a dyadic covariate. Model: a dyadic logit
``event ~ partner_adopted * borders_queen`` (partner adopted before t, bordering
partner, and their product: the classic neighbour-diffusion term) with dyadic-robust
standard errors.

Two runs, each in its own process so that peak memory is measured cleanly:

1. in memory: ``ds.dyads`` + ``ds.DyadicLogit(...).fit(cov_type="dyadic")``;
2. on a local Dask cluster (``--workers`` worker processes, one thread each):
   ``ds.dask_dyads`` (built partition by partition on the workers, never on the
   client) + ``ds.DaskDyadicLogit(...).fit(cov_type="dyadic")``.

Printed: wall-clock time of build + fit, peak resident memory of every process
(``ru_maxrss`` of the in-memory process, of the Dask client and of each worker,
collected with ``client.run``), and the largest relative difference between the two
fits' estimates and standard errors. Target: peak memory per worker under 4 GB.

Run::

    DIFFUSION_STATS_DATA=../shared/data python benchmarks/bench_distributed.py [--workers 2]
        [--policies N]   # first N policies only (a quick check)
        [--cox]          # also: stratified Cox on the pooled monadic panel, in memory vs Dask
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FORMULA = "event ~ partner_adopted * borders_queen"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _inputs(n_policies: int | None):
    import diffusion_stats as ds

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ad, meta = ds.datasets.load_spid()
    if n_policies:
        pols = sorted(ad["policy"].unique())[:n_policies]
        ad, meta = ad[ad["policy"].isin(pols)], meta[meta["policy"].isin(pols)]
    units = sorted(ad["unit"].unique())
    return dict(adoptions=ad, windows=meta, units=units, sources="all",
                dyad_covariates=ds.Weights.us_borders(labels="name"))


def _warm() -> None:
    """Import the package on a worker (so start-up memory is measured apart)."""
    import diffusion_stats.design.distributed  # noqa: F401


def run_memory(n_policies: int | None) -> dict:
    import diffusion_stats as ds

    args = _inputs(n_policies)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        d = ds.dyads(**args)
    t1 = time.perf_counter()
    res = ds.DyadicLogit(FORMULA, d).fit(cov_type="dyadic")
    t2 = time.perf_counter()
    return {"rows": len(d), "build_s": t1 - t0, "fit_s": t2 - t1, "peak_mb": _peak_mb(),
            "params": res.params.tolist(), "se": res.std_errors.tolist(), "names": list(res.params.index)}


def run_dask(n_policies: int | None, workers: int, partition_rows: int) -> dict:
    import distributed

    import diffusion_stats as ds

    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       memory_limit="8GB", dashboard_address=":0")
    client = distributed.Client(cluster)
    try:
        client.run(_warm)
        base = client.run(_peak_mb)
        args = _inputs(n_policies)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ds.RowAccountingWarning)
            ddf = ds.dask_dyads(**args, partition_rows=partition_rows)
        res = ds.DaskDyadicLogit(FORMULA, ddf).fit(cov_type="dyadic")
        t1 = time.perf_counter()
        peaks = client.run(_peak_mb)
    finally:
        client.close()
        cluster.close()
    return {"rows": res.nobs, "partitions": ddf.npartitions, "total_s": t1 - t0, "client_peak_mb": _peak_mb(),
            "worker_peak_mb": sorted(peaks.values()), "worker_base_mb": sorted(base.values()),
            "params": res.params.tolist(), "se": res.std_errors.tolist(), "names": list(res.params.index)}


def _monadic():
    import diffusion_stats as ds

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ad, meta = ds.datasets.load_spid()
        panel = ds.event_history(ad, windows=meta)
        panel = ds.exposure(panel, ad, ds.Weights.us_borders(labels="name"), name="border_share")
    return panel


def run_cox() -> None:
    """Stratified Cox on the pooled SPID monadic panel (728 policy strata), in memory vs Dask."""
    import distributed
    import numpy as np

    import diffusion_stats as ds

    panel = _monadic()
    f = "event ~ border_share"
    t0 = time.perf_counter()
    mem = ds.CoxHazard(f, panel, strata="policy").fit(cluster="unit")
    t1 = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    try:
        with distributed.Client(cluster):
            t2 = time.perf_counter()
            dsk = ds.DaskCoxHazard(f, ds.partition_by(panel, "policy", partition_rows=50_000),
                                   strata="policy").fit(cluster="unit")
            t3 = time.perf_counter()
    finally:
        cluster.close()
    db = float(np.max(np.abs(dsk.params / mem.params - 1)))
    dse = float(np.max(np.abs(dsk.std_errors / mem.std_errors - 1)))
    print(f"Cox {f!r}, strata='policy', cluster='unit' on {mem.nobs:,} SPID policy-state-years "
          f"({mem.n_strata} strata): in memory {t1 - t0:.1f} s, Dask (2 workers) {t3 - t2:.1f} s; "
          f"max relative difference: estimates {db:.1e}, SEs {dse:.1e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--policies", type=int, default=None, help="first N policies only (quick check)")
    ap.add_argument("--partition-rows", type=int, default=1_000_000)
    ap.add_argument("--mode", choices=["both", "memory", "dask"], default="both")
    ap.add_argument("--cox", action="store_true", help="also the stratified Cox model on the monadic panel")
    ap.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    os.environ.setdefault("DIFFUSION_STATS_DATA", str(DATA))
    os.environ.setdefault("DIFFUSION_STATS_PROGRESS", "0")
    if a._child:
        out = run_memory(a.policies) if a.mode == "memory" else run_dask(a.policies, a.workers, a.partition_rows)
        print("RESULT " + json.dumps(out))
        return
    results = {}
    for mode in (["dask", "memory"] if a.mode == "both" else [a.mode]):
        cmd = [sys.executable, __file__, "--_child", "--mode", mode, "--workers", str(a.workers),
               "--partition-rows", str(a.partition_rows)] + (["--policies", str(a.policies)] if a.policies else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode or not line:
            print(f"{mode} run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
            continue
        results[mode] = json.loads(line[-1][7:])
    print(f"SPID pooled directed dyads, sources='all'{f', first {a.policies} policies' if a.policies else ''}; "
          f"model: DyadicLogit {FORMULA!r}, cov_type='dyadic'")
    if "memory" in results:
        m = results["memory"]
        print(f"  in memory : {m['rows']:,} rows; build {m['build_s']:.1f} s + fit {m['fit_s']:.1f} s = "
              f"{m['build_s'] + m['fit_s']:.1f} s; peak RSS {m['peak_mb'] / 1024:.2f} GB (one process)")
    if "dask" in results:
        d = results["dask"]
        print(f"  Dask      : {d['rows']:,} rows in {d['partitions']} partitions on {a.workers} worker processes; "
              f"build + fit {d['total_s']:.1f} s; peak RSS per worker "
              f"{', '.join(f'{v / 1024:.2f}' for v in d['worker_peak_mb'])} GB (after start-up "
              f"{', '.join(f'{v / 1024:.2f}' for v in d['worker_base_mb'])} GB); "
              f"client {d['client_peak_mb'] / 1024:.2f} GB")
        print(f"  target    : peak memory per worker < 4 GB: "
              f"{'met' if max(d['worker_peak_mb']) < 4096 else 'NOT met'}")
    if len(results) == 2:
        import numpy as np

        m, d = results["memory"], results["dask"]
        db = np.max(np.abs(np.array(d["params"]) / np.array(m["params"]) - 1))
        ds_ = np.max(np.abs(np.array(d["se"]) / np.array(m["se"]) - 1))
        print(f"  agreement : max relative difference, estimates {db:.1e}, dyadic-robust SEs {ds_:.1e}")
        for nm, b, s in zip(m["names"], m["params"], m["se"], strict=True):
            print(f"      {nm:<32} {b: .6f} ({s:.6f})")
    if a.cox:
        run_cox()


if __name__ == "__main__":
    main()
