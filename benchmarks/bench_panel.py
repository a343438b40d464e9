"""Benchmark: the pooled SPID event-history panel with one border-share exposure.

Builds SPID v1.0's pooled risk set (728 policies x 50 states, windows = SPID's
``first_year``/``last_year``) and the share of bordering states (queen contiguity) that
adopted before year t, twice:

1. with diffusion_stats (``ds.event_history`` + ``ds.exposure``);
2. with a plain pandas merge/groupby implementation of the same definitions,

checks that both give the same rows and the same exposure, and prints wall-clock times
(best of ``--repeat`` runs) and peak memory allocated during each build (tracemalloc,
which sees numpy and pandas buffers). Target: under 2 s for diffusion_stats.

Run::

    DIFFUSION_STATS_DATA=../shared/data python benchmarks/bench_panel.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import diffusion_stats as ds

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def build_ds(adoptions: pd.DataFrame, windows: pd.DataFrame, units: pd.DataFrame, W: ds.Weights) -> pd.DataFrame:
    """diffusion_stats: risk set, then the lagged share of bordering adopters."""
    panel = ds.event_history(adoptions, windows=windows, units=units)
    return ds.exposure(panel, adoptions, W, kind="share", lag=1, name="border_share")


def build_pandas(adoptions: pd.DataFrame, windows: pd.DataFrame, units: pd.DataFrame,
                 edges: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas: cross join, repeat rows per year at risk, merge neighbours, groupby."""
    w = windows[["policy", "first_year", "last_year"]]
    pairs = w.merge(units[["unit"]], how="cross")
    pairs = pairs.merge(adoptions.rename(columns={"year": "adopt_year"}), on=["policy", "unit"], how="left")
    pairs = pairs[~(pairs["adopt_year"] < pairs["first_year"])]  # adopted before the window: excluded
    adopted_inside = pairs["adopt_year"] <= pairs["last_year"]
    last = np.where(adopted_inside, pairs["adopt_year"], pairs["last_year"]).astype("int64")
    n_years = last - pairs["first_year"].to_numpy() + 1
    pairs = pairs[n_years > 0]
    n_years = n_years[n_years > 0]
    panel = pairs.loc[pairs.index.repeat(n_years), ["policy", "unit", "first_year", "adopt_year"]]
    panel["year"] = panel["first_year"] + panel.groupby(level=0).cumcount()
    panel["event"] = (panel["year"] == panel["adopt_year"]).astype("int8")
    panel = panel.reset_index(drop=True)
    # exposure: neighbours' adoption years, counted when <= t - 1
    nb = panel[["policy", "unit", "year"]].reset_index().merge(edges, on="unit")
    nb = nb.merge(adoptions.rename(columns={"unit": "partner", "year": "partner_year"}),
                  on=["policy", "partner"], how="left")
    nb["adopted"] = nb["partner_year"] <= nb["year"] - 1
    agg = nb.groupby("index").agg(count=("adopted", "sum"), degree=("partner", "size"))
    share = (agg["count"] / agg["degree"]).reindex(panel.index, fill_value=0.0)  # isolates: 0
    panel["border_share"] = share.to_numpy()
    return panel[["policy", "unit", "year", "event", "border_share"]].sort_values(
        ["policy", "unit", "year"], ignore_index=True)


def measure(fn: Callable[[], pd.DataFrame], repeat: int) -> tuple[pd.DataFrame, float, float]:
    """Best wall time over ``repeat`` runs, and peak traced memory (MB) of one run."""
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, min(times), peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per implementation (best is shown)")
    args = parser.parse_args()
    os.environ.setdefault("DIFFUSION_STATS_DATA", str(DATA))
    ds.set_progress(False)
    warnings.simplefilter("ignore", ds.RowAccountingWarning)  # exclusions are printed from the accounting below

    t0 = time.perf_counter()
    spid = ds.datasets.load_spid(unit="postal")
    t_load = time.perf_counter() - t0
    adoptions, windows = spid.adoptions, spid.metadata
    W = ds.Weights.us_borders("queen")
    units = pd.DataFrame({"unit": list(W.labels)})  # the 50 states, all at risk from first_year
    edges = W.to_frame()[["unit", "partner"]]

    ours, t_ours, m_ours = measure(lambda: build_ds(adoptions, windows, units, W), args.repeat)
    theirs, t_pd, m_pd = measure(lambda: build_pandas(adoptions, windows, units, edges), args.repeat)

    # agreement
    a = ours[["policy", "unit", "year", "event", "border_share"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(a[["policy", "unit", "year"]], theirs[["policy", "unit", "year"]],
                                  check_dtype=False)
    assert (a["event"].to_numpy() == theirs["event"].to_numpy()).all()
    max_diff = float(np.abs(a["border_share"].to_numpy() - theirs["border_share"].to_numpy()).max())
    assert max_diff < 1e-12, max_diff

    acc = ds.accounting(ours)
    print("SPID v1.0 pooled panel + border-share exposure (queen contiguity, lag 1)")
    print(f"  rows {len(ours):,}  events {int(ours['event'].sum()):,}  "
          f"isolate rows (AK, HI) {acc.counts.get('border_share: isolate rows (exposure 0)', 0):,}")
    for e in acc.exclusions:
        print(f"  excluded: {e}")
    print(f"  load_spid (RData read, verified)   {t_load:7.3f} s")
    print(f"  diffusion_stats  event_history + exposure   {t_ours:7.3f} s   peak {m_ours:7.1f} MB")
    print(f"  plain pandas     merge/repeat/groupby       {t_pd:7.3f} s   peak {m_pd:7.1f} MB")
    print(f"  speed-up {t_pd / t_ours:5.1f}x; results identical (max |diff| in exposure {max_diff:.1e})")
    print(f"  target < 2 s: {'met' if t_ours < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
