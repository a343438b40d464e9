"""A light core install: optional dependencies missing give a clear error naming the extra."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomllib

import diffusion_stats as ds
from diffusion_stats.core.errors import MissingDependencyError

ROOT = Path(__file__).resolve().parents[1]


def test_optional_dependencies_are_extras_not_core():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = " ".join(cfg["dependencies"])
    for name in ("lifelines", "linearmodels", "dask", "distributed", "libpysal", "spreg", "sphinx", "pyarrow"):
        assert name not in core, f"{name} is a core dependency"
    extras = cfg["optional-dependencies"]
    assert {"spatial", "distributed", "docs", "dev"} <= set(extras)
    assert not any(d.startswith("linearmodels") for d in extras["spatial"])  # S-2SLS is numpy since issue 12
    assert any(d.startswith("pyarrow") for d in extras["distributed"])


def test_s2sls_runs_without_linearmodels(monkeypatch):
    labels = [f"s{i}" for i in range(6)]
    B = np.zeros((6, 6))
    for i in range(5):
        B[i, i + 1] = B[i + 1, i] = 1
    W = ds.Weights.from_matrix(B, labels, name="line").row_standardize()
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"unit": labels, "y": rng.normal(size=6), "x": rng.normal(size=6)})
    monkeypatch.setitem(sys.modules, "linearmodels", None)
    monkeypatch.setitem(sys.modules, "linearmodels.iv", None)
    r = ds.SpatialLag("y ~ x", d, W, unit="unit", method="s2sls").fit(cov_type="robust")
    assert np.all(np.isfinite(r.std_errors))


@pytest.mark.filterwarnings("ignore::diffusion_stats.RowAccountingWarning")
def test_parquet_without_pyarrow_names_the_extra(monkeypatch, tmp_path):
    f = tmp_path / "adoptions.parquet"
    f.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(MissingDependencyError, match=r"adoptions\.parquet.*diffusion_stats\[distributed\]"):
        ds.read_adoptions(str(f))
    ad = pd.DataFrame({"unit": ["A", "B"], "policy": ["p", "p"], "year": [2001, 2002]})
    with pytest.raises(MissingDependencyError, match=r"Parquet dyad files.*\[distributed\]"):
        ds.write_dyads_parquet(ad, tmp_path / "dyads", units=["A", "B", "C"], end=2003)
