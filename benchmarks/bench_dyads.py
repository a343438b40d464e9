"""Benchmark: the pooled SPID directed-dyad panel (issue 4).

Targets: windows = SPID policies_metadata, 50 states.
  sources="prior_adopters": 5,193,965 dyad-years;
  sources="all": 582,377 x 49 = 28,536,473 dyad-years in < 60 s with < 6 GB peak memory.

Each build runs in a fresh child process so its peak memory (max RSS, from os.wait4) is
its own; wall time is measured inside the child around the ds.dyads call only (loading
SPID is reported apart). The chunked Parquet path (write_dyads_parquet) is timed too.

Run:  python benchmarks/bench_dyads.py        (DIFFUSION_STATS_DATA defaults to ../shared/data)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import diffusion_stats as ds
mode, arg = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
ad, meta = ds.datasets.load_spid()
t_load = time.perf_counter() - t0
t0 = time.perf_counter()
if mode == "frame":
    d = ds.dyads(ad, windows=meta, sources=arg)
    n, events, mb = len(d), int(d["event"].sum()), d.memory_usage(deep=False).sum() / 1e6
else:
    acc = ds.write_dyads_parquet(ad, arg, windows=meta, sources="all", progress=False)
    n, events, mb = acc.counts["dyad rows"], acc.counts["dyad events"], float("nan")
print(json.dumps({"load_s": t_load, "build_s": time.perf_counter() - t0, "rows": n, "events": events,
                  "frame_mb": mb}))
"""


def run(mode: str, arg: str) -> dict:
    env = dict(os.environ)
    env.setdefault("DIFFUSION_STATS_DATA", str(DATA))
    env["DIFFUSION_STATS_PROGRESS"] = "0"
    p = subprocess.Popen([sys.executable, "-c", CHILD, mode, arg], stdout=subprocess.PIPE, env=env, text=True)
    _, status, ru = os.wait4(p.pid, 0)
    out = json.loads(p.stdout.read())
    out["peak_gb"] = ru.ru_maxrss / 1024**2  # ru_maxrss is in KiB on Linux
    return out


def main() -> None:
    print(f"{'design':<34}{'rows':>12}{'events':>10}{'build s':>9}{'peak GB':>9}{'frame MB':>10}")
    for label, mode, arg, target in [
        ("prior_adopters (DataFrame)", "frame", "prior_adopters", 5_193_965),
        ("all (DataFrame)", "frame", "all", 28_536_473),
    ]:
        r = run(mode, arg)
        assert r["rows"] == target, (label, r["rows"])
        print(f"{label:<34}{r['rows']:>12,}{r['events']:>10,}{r['build_s']:>9.1f}{r['peak_gb']:>9.2f}"
              f"{r['frame_mb']:>10.0f}")
    with tempfile.TemporaryDirectory() as tmp:
        r = run("parquet", str(Path(tmp) / "dyads"))
        size = sum(f.stat().st_size for f in (Path(tmp) / "dyads").glob("*.parquet")) / 1e6
        print(f"{'all (write_dyads_parquet)':<34}{r['rows']:>12,}{r['events']:>10,}{r['build_s']:>9.1f}"
              f"{r['peak_gb']:>9.2f}{size:>10.0f}  (MB on disk)")
    print(f"(loading SPID: {r['load_s']:.1f} s, not included; targets: all < 60 s and < 6 GB)")


if __name__ == "__main__":
    main()
