"""Data set-ups shared by several test modules (each module keeps its own fixtures).

Test modules import these as ``from _helpers import ...`` (pytest puts ``tests/`` on
``sys.path``; there is no ``tests/__init__.py``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import diffusion_stats as ds


def two_channel_design() -> dict:
    """50 states, border + a random 'network' channel, 30 policies 1980-2010, both effects 1.

    The simulated design that ``benchmarks/validate_identification.py`` studies at
    scale; used by tests/test_mechanisms.py and tests/test_mechanisms_identification.py.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        B = ds.Weights.us_borders()
        labels = list(B.labels)
        rng = np.random.default_rng(5)
        m = (rng.random((50, 50)) < 0.08).astype(float)
        np.fill_diagonal(m, 0)
        N = ds.Weights.from_matrix(m, labels, name="net")
        chans = [ds.Channel("border", B, mechanism="emulation"), ds.Channel("net", N, mechanism="learning")]
        ad = ds.simulate_diffusion(labels, chans, effects={"border": 1.0, "net": 1.0}, start=1980, end=2010,
                                   n_policies=30, baseline=0.03, seed=1)
        panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows, units=labels), ad, chans)
    return {"labels": labels, "B": B, "N": N, "chans": chans, "ad": ad, "panel": panel}


def lottery_counting_process(shared_data: Path) -> pd.DataFrame:
    """Berry & Berry's lottery risk set (dhb2015/lottery.tab) as the Cox reference script builds it.

    As in tests/reference/cox/make_reference.R: counting-process time ``start = year - 64``,
    ``stop = start + 1``, and case weights ``w = 1 + statenum % 3``.
    """
    lot = pd.read_csv(shared_data / "dhb2015" / "lottery.tab", sep="\t")
    lot["start"] = lot["year"] - 64
    lot["stop"] = lot["start"] + 1
    lot["w"] = 1 + lot["statenum"] % 3
    return lot


#: Variables of the lottery logit models in tests/reference/logit/make_reference.R.
LOTTERY_LOGIT_VARS = ["adopt", "elect1", "elect2", "income1", "fiscal", "party", "religion", "neighbor", "state",
                      "year"]


def lottery_complete_cases(shared_data: Path) -> pd.DataFrame:
    """Berry & Berry's lottery risk set, rows complete in ``LOTTERY_LOGIT_VARS`` (R's complete.cases).

    The sample of tests/reference/logit/make_reference.R, renumbered 0..n-1.
    """
    df = pd.read_csv(shared_data / "dhb2015" / "lottery.tab", sep="\t")
    return df.dropna(subset=LOTTERY_LOGIT_VARS).reset_index(drop=True)


NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def assert_notebook_without_outputs(name: str) -> None:
    """The notebook ``notebooks/<name>`` is committed without outputs or execution counts."""
    import pytest

    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None


def execute_notebook(name: str, shared_data: Path) -> None:
    """Run ``notebooks/<name>`` end to end in a fresh kernel, reading the real data from ``shared_data``."""
    import os

    import pytest

    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    os.environ.update({"DIFFUSION_STATS_PROGRESS": "0", "MPLBACKEND": "Agg",
                       "DIFFUSION_STATS_DATA": str(shared_data)})
    try:
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(env)


def spid_border_panel(shared_data: Path, majortopic: str | None = None) -> pd.DataFrame:
    """The pooled SPID event-history panel with border-share exposure, as the Cox and
    mixed-model reference scripts build it in base R (``majortopic``: only that topic's
    policies)."""
    import pyreadr

    from diffusion_stats.core.bundled import bundled_path

    r = pyreadr.read_r(str(shared_data / "spid" / "policies.RData"))
    pol, meta = r["policies"], r["policies_metadata"]
    if majortopic is not None:
        meta = meta[meta["majortopic"] == majortopic]
        pol = pol[pol["policy"].isin(meta["policy"])]
    states = pd.read_csv(bundled_path("us_states.csv"), dtype=str, keep_default_na=False)
    pol = pol.assign(unit=pol["statenam"].map(dict(zip(states["name"], states["postal"], strict=True))))
    adopt = ds.read_adoptions(pol, unit="unit", year="adopt_year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        p = ds.event_history(adopt, windows=meta)
        return ds.exposure(p, adopt, ds.Weights.us_borders(), kind="share", name="share")


def heterogeneous_slopes_panel(n_policies: int, gamma: float, tau: float, seed: int, *, start: int = 1980,
                               end: int = 2009, baseline: float = 0.03) -> pd.DataFrame:
    """Pooled panel of ``n_policies`` simulated policies (``ds.simulate_diffusion``, logit
    model, 50 states, border channel) whose border slopes are drawn from N(gamma, tau^2):
    the design of the MixedEventLogit simulation (tests/test_mixed.py and
    benchmarks/bench_mixed.py)."""
    rng = np.random.default_rng(seed)
    B = ds.Weights.us_borders()
    labels = list(B.labels)
    chans = [ds.Channel("border", B, mechanism="emulation")]
    slopes = rng.normal(gamma, tau, size=n_policies)
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j in range(n_policies):  # one simulator call per policy: its own slope
            ad = ds.simulate_diffusion(labels, chans, effects={"border": float(slopes[j])}, start=start, end=end,
                                       n_policies=1, baseline=baseline, model="logit",
                                       seed=int(rng.integers(2**31)))
            p = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows, units=labels), ad, chans)
            p["policy"] = f"p{j:03d}"
            parts.append(p)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["slopes"] = slopes
    return out
