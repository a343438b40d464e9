"""Write sim_continuous.csv: a small simulated counting-process data set (continuous time,
delayed entry, gaps, ties, strata, case weights) used to test the interval-sum layout
against R. Run from the repository root: python tests/reference/cox/make_sim.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261126)
rows = []
for unit in range(500):
    x2 = int(rng.integers(0, 2))
    grp = "abc"[unit % 3]
    w = int(rng.integers(1, 4))
    t = float(np.round(rng.uniform(0, 2), 1))          # delayed entry
    for _spell in range(int(rng.integers(1, 4))):
        x1 = float(np.round(rng.normal(), 3))
        length = float(np.round(rng.exponential(3.0 / np.exp(0.5 * x1 - 0.4 * x2)), 1)) + 0.1
        stop = round(t + length, 1)
        event = int(rng.uniform() < 0.35)
        rows.append((f"u{unit:03d}", t, stop, event, x1, x2, grp, w))
        if event:
            break
        t = round(stop + float(np.round(rng.uniform(0, 0.5), 1)), 1)   # gaps allowed
df = pd.DataFrame(rows, columns=["unit", "start", "stop", "event", "x1", "x2", "grp", "w"])
df.to_csv(Path(__file__).with_name("sim_continuous.csv"), index=False)
print(len(df), df["event"].sum(), df["stop"].nunique())
