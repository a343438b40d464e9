"""Simulate the bundled demo data (seeded, reproducible): ``python datasets/make_demo.py``.

Ten policies diffuse among the 50 US states from 1980 to 2019. Every state is at
risk of adopting each policy from 1980 until it adopts. In year t a state that has not
adopted policy p adopts with probability h, where

    logit(h) = a + b * share_{i,t-1} + c * x_{it}

- ``share_{i,t-1}``: share of the state's bordering states (queen contiguity,
  ``us_state_borders.csv``; Alaska and Hawaii have none, share = 0) that adopted p in
  a year <= t - 1;
- ``x_{it}``: a simulated state-year covariate, x_it = u_i + e_it with u_i ~ N(0, 1)
  and e_it ~ N(0, 0.5^2), rounded to 4 decimals (the rounded values are the ones used);
- true parameters: a = -4.0, b = 3.0, c = 0.5; seed 20240611.

Writes ``demo_adoptions.csv`` (unit, policy, year; units are postal codes) and
``demo_covariates.csv`` (unit, year, x) next to this script. Only numpy and pandas are
needed; ``tests/test_datasets.py`` re-runs :func:`simulate` and checks that the
committed files are reproduced byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent

A_INTERCEPT = -4.0
B_SHARE = 3.0
C_X = 0.5
SEED = 20240611
N_POLICIES = 10
FIRST_YEAR = 1980
LAST_YEAR = 2019


def simulate(seed: int = SEED, folder: Path = HERE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(adoptions, covariates)`` simulated from the model in the module docstring."""
    states = pd.read_csv(folder / "us_states.csv", dtype=str)
    units = np.sort(states.loc[states["postal"] != "DC", "postal"].to_numpy())
    borders = pd.read_csv(folder / "us_state_borders.csv", dtype={"state1": str, "state2": str})
    pos = {u: k for k, u in enumerate(units)}
    n = len(units)
    adj = np.zeros((n, n))
    for s1, s2 in zip(borders["state1"], borders["state2"], strict=True):
        if s1 in pos and s2 in pos:  # DC is not a unit of the demo
            adj[pos[s1], pos[s2]] = adj[pos[s2], pos[s1]] = 1.0
    degree = adj.sum(axis=1)

    rng = np.random.default_rng(seed)
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    u = rng.normal(0.0, 1.0, size=n)
    x = np.round(u[None, :] + rng.normal(0.0, 0.5, size=(len(years), n)), 4)  # years x units

    policies = [f"demo{k:02d}" for k in range(1, N_POLICIES + 1)]
    adopted = np.zeros((N_POLICIES, n), dtype=bool)
    adopt_year = np.zeros((N_POLICIES, n), dtype=int)
    for t, year in enumerate(years):
        count = adopted.astype(float) @ adj  # neighbours adopted by t-1 (policies x units)
        share = np.divide(count, degree, out=np.zeros_like(count), where=degree > 0)
        eta = A_INTERCEPT + B_SHARE * share + C_X * x[t][None, :]
        h = 1.0 / (1.0 + np.exp(-eta))
        draw = rng.random(size=(N_POLICIES, n))
        new = ~adopted & (draw < h)
        adopt_year[new] = year
        adopted |= new

    p_idx, u_idx = np.nonzero(adopted)
    adoptions = pd.DataFrame({"unit": units[u_idx], "policy": np.asarray(policies)[p_idx],
                              "year": adopt_year[p_idx, u_idx]})
    adoptions = adoptions.sort_values(["policy", "year", "unit"], kind="stable").reset_index(drop=True)
    covariates = pd.DataFrame({"unit": np.tile(units, len(years)), "year": np.repeat(years, n),
                               "x": x.ravel()})
    covariates = covariates.sort_values(["unit", "year"], kind="stable").reset_index(drop=True)
    return adoptions, covariates


def to_csv_text(df: pd.DataFrame) -> str:
    """The exact CSV text written for ``df`` (fixed float format and line ending)."""
    return df.to_csv(index=False, lineterminator="\n", float_format="%.4f")


def main() -> None:
    adoptions, covariates = simulate()
    (HERE / "demo_adoptions.csv").write_text(to_csv_text(adoptions), encoding="utf-8")
    (HERE / "demo_covariates.csv").write_text(to_csv_text(covariates), encoding="utf-8")
    print(f"wrote {len(adoptions)} adoptions and {len(covariates)} covariate rows to {HERE}")


if __name__ == "__main__":
    main()
