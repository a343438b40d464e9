"""Benchmark: country directed dyad-years 1990-2014 with shared-IGO and distance covariates.

Target (issue 7): about 190 states and 36,000 directed dyads a year, 25 years (~0.9 M rows),
built from the raw COW/CEPII files in under 30 s. Prints wall time per stage and peak
memory (the process's max RSS; tracemalloc is left off: it slows pandas several-fold).

Run:  DIFFUSION_STATS_DATA=../shared/data python benchmarks/bench_country_dyads.py
"""

from __future__ import annotations

import os
import resource
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("DIFFUSION_STATS_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))

from diffusion_stats import countries as C  # noqa: E402
from diffusion_stats.core.errors import RowAccountingWarning  # noqa: E402

FIRST, LAST = 1990, 2014


def directed_dyads(state_years: pd.DataFrame) -> pd.DataFrame:
    """All ordered pairs (i, j), i != j, of states in the system in the same year (numpy)."""
    sy = state_years.sort_values(["year", "unit"])
    years = sy["year"].to_numpy()
    units = sy["unit"].astype(int).to_numpy()
    ys, start, counts = np.unique(years, return_index=True, return_counts=True)
    per = counts * (counts - 1)
    out_i = np.empty(per.sum(), dtype=np.int64)
    out_j = np.empty(per.sum(), dtype=np.int64)
    out_y = np.repeat(ys, per)
    pos = 0
    for s, n in zip(start, counts, strict=True):          # one step per year, not per row
        u = units[s:s + n]
        ii, jj = np.meshgrid(u, u, indexing="ij")
        off = ~np.eye(n, dtype=bool)
        k = n * (n - 1)
        out_i[pos:pos + k], out_j[pos:pos + k] = ii[off], jj[off]
        pos += k
    return pd.DataFrame({"unit1": out_i, "unit2": out_j, "year": out_y})


def _key(a, b, y):
    return (np.asarray(y, np.int64) * 1000 + np.asarray(a, np.int64)) * 1000 + np.asarray(b, np.int64)


def package_dyads() -> None:
    """The same through the public API: ds.dyads on the ICCPR-OP2 risk set, every partner."""
    import diffusion_stats as ds

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RowAccountingWarning)
        units = C.read_cow_states(spells="envelope", years=(FIRST, LAST))
        labels = list(units.unit)
        adopt = C.read_un_treaty("4-12")
        igo = C.read_cow_igo(years=(FIRST - 1, LAST), labels=labels)
        md = C.read_cow_mindist(years=(FIRST, LAST)).rename(columns={"unit1": "unit", "unit2": "partner"})
        cd = C.read_cepii_dist()[["unit1", "unit2", "dist", "comlang_off", "colony"]]
        cd = cd.rename(columns={"unit1": "unit", "unit2": "partner"})
        t1 = time.perf_counter()
        windows = pd.DataFrame({"policy": ["4-12"], "first_year": [FIRST], "last_year": [LAST]})
        dy = ds.dyads(adopt[["unit", "policy", "year"]], windows=windows,
                      units=units[["unit", "first_year", "last_year"]], sources="all",
                      dyad_covariates=[igo, (md, "symmetric"), cd])
    t2 = time.perf_counter()
    print(f"ds.dyads (ICCPR-OP2 risk set, sources='all', IGO + mindist + CEPII): {len(dy):,} dyad-years; "
          f"read {t1 - t0:.2f} s + build {t2 - t1:.2f} s = {t2 - t0:.2f} s")


def main() -> None:
    t0 = time.perf_counter()
    stamps = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RowAccountingWarning)
        states = C.read_cow_states()
        sy = C.state_years(states, years=(FIRST, LAST))
        stamps["read states"] = time.perf_counter()
        dy = directed_dyads(sy)
        stamps["build directed dyads"] = time.perf_counter()
        igo = C.read_cow_igo(years=(FIRST, LAST), as_frame=True)
        stamps["read IGO (917k dyad-years)"] = time.perf_counter()
        md = C.read_cow_mindist(years=(FIRST, LAST))
        stamps["read mindist (952k dyad-years)"] = time.perf_counter()
        cd = C.read_cepii_dist()
        stamps["read CEPII + map ISO3->COW"] = time.perf_counter()

    # merge undirected covariates on an integer key (min, max, year)
    lo = np.minimum(dy.unit1.to_numpy(), dy.unit2.to_numpy())
    hi = np.maximum(dy.unit1.to_numpy(), dy.unit2.to_numpy())
    k = _key(lo, hi, dy.year.to_numpy())
    ki = pd.Index(_key(igo.unit1.astype(int), igo.unit2.astype(int), igo.year))
    pos = ki.get_indexer(k)
    dy["dyadigos"] = np.where(pos >= 0, igo["dyadigos"].to_numpy()[pos], np.nan)
    km = pd.Index(_key(md.unit1.astype(int), md.unit2.astype(int), md.year))
    pos = km.get_indexer(k)
    dy["mindist"] = np.where(pos >= 0, md["mindist"].to_numpy()[pos], np.nan)
    kc = pd.Index(_key(cd.unit1.astype(int), cd.unit2.astype(int), 0))
    pos = kc.get_indexer(_key(dy.unit1, dy.unit2, 0))
    for c in ("dist", "comlang_off", "colony"):
        dy[c] = np.where(pos >= 0, cd[c].to_numpy()[pos], np.nan)
    dy["unit1"] = dy["unit1"].astype(str)
    dy["unit2"] = dy["unit2"].astype(str)
    stamps["merge covariates"] = time.perf_counter()

    total = stamps["merge covariates"] - t0
    per_year = dy.groupby("year").size()
    prev = t0
    for name, t in stamps.items():
        print(f"  {name:<34s} {t - prev:7.2f} s")
        prev = t
    print(f"directed dyad-years: {len(dy):,} ({per_year.min():,}-{per_year.max():,} a year; "
          f"{sy.groupby('year').size().min()}-{sy.groupby('year').size().max()} states)")
    print(f"missing: dyadigos {dy.dyadigos.isna().mean():.1%}, mindist {dy.mindist.isna().mean():.1%}, "
          f"CEPII dist {dy.dist.isna().mean():.1%}")
    print(f"total {total:.2f} s (target < 30 s): {'OK' if total < 30 else 'TOO SLOW'}")
    print(f"peak memory (max RSS of the process) "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:,.0f} MiB; "
          f"frame {dy.memory_usage(deep=True).sum() / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
    package_dyads()
