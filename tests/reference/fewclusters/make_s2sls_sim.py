"""Write tests/reference/fewclusters/s2sls_sim.csv: a simulated state-year panel for the S-2SLS
CR2/CR3 reference (make_reference.R fits it with AER::ivreg + clubSandwich).

48 contiguous states x 10 years, queen contiguity from datasets/us_state_borders.csv
(row-standardised), y = (I - 0.3 W)^{-1} (1 + 0.5 x + u_state + e), with a state effect u
(the within-cluster correlation) and x correlated with it. Run from the repository root:
``python tests/reference/fewclusters/make_s2sls_sim.py``.
"""

import numpy as np
import pandas as pd

b = pd.read_csv("datasets/us_state_borders.csv")
b = b[~b["state1"].isin(["DC", "AK", "HI"]) & ~b["state2"].isin(["DC", "AK", "HI"])]
states = sorted(set(b["state1"]) | set(b["state2"]))
ix = {s: i for i, s in enumerate(states)}
n = len(states)
W = np.zeros((n, n))
W[b["state1"].map(ix), b["state2"].map(ix)] = 1
W[b["state2"].map(ix), b["state1"].map(ix)] = 1
W /= W.sum(axis=1, keepdims=True)
rng = np.random.default_rng(2026)
u = rng.normal(0, 1, n)
rows = []
for year in range(2000, 2010):
    x = rng.normal(0, 1, n) + 0.5 * u
    y = np.linalg.solve(np.eye(n) - 0.3 * W, 1 + 0.5 * x + u + rng.normal(0, 1, n))
    rows.append(pd.DataFrame({"unit": states, "year": year, "x": x, "y": y}))
pd.concat(rows).to_csv("tests/reference/fewclusters/s2sls_sim.csv", index=False, float_format="%.17g")
