"""Test configuration: real data from ../shared/data, no network, no progress bars."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("DIFFUSION_STATS_PROGRESS", "0")

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT.parent / "shared" / "data").resolve()
REFERENCE = ROOT / "tests" / "reference"
os.environ.setdefault("DIFFUSION_STATS_DATA", str(SHARED))


def _need(path: Path) -> Path:
    if path.exists():
        return path
    if os.environ.get("CI"):
        pytest.fail(f"real data {path} missing in CI: ../shared/data must sit beside the checkout")
    pytest.skip(f"real data not available at {path} (place ../shared/data beside the checkout)")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder with the real public data (``../shared/data``)."""
    return _need(SHARED)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Folder with the stored R reference values."""
    return REFERENCE


@pytest.fixture(scope="session")
def raw_igo_state_year(shared_data):
    """COW IGO v3 ``state_year_format3`` as read by pyreadr (for independent recounts)."""
    import pyreadr

    return pyreadr.read_r(str(shared_data / "cow_igo" / "state_year_format3.rda"))["state_year_format3"]


# -- CSP (csp/csp.rda, 5.5M rows): read once per session, the extracts the tests use cached
# as Parquet in pytest's cache (never committed); the first read takes ~30 s.
CSP_SPATIAL_VARS = ["taxes_inc", "pc_inc_ann", "nonwhite", "pop_annual"]


def _csp_extracts(shared: Path, cache_dir: Path | None) -> dict:
    import pandas as pd

    names = {"binary01": "csp_binary_v1.parquet", "states_2000_2010": "csp_states_2000_2010_v1.parquet"}
    if cache_dir is not None and all((cache_dir / f).exists() for f in names.values()):
        return {k: pd.read_parquet(cache_dir / f) for k, f in names.items()}
    from diffusion_stats.datasets._csp import read_raw

    csp = read_raw(_need(shared / "csp" / "csp.rda"))  # the package's streaming reader: ~1 GB, not 6.6
    sub = csp.loc[csp["variable"].isin(CSP_SPATIAL_VARS) & csp["year"].between(2000, 2010),
                  ["year", "st", "variable", "value"]]
    wide = sub.pivot_table(index=["year", "st"], columns="variable", values="value").reset_index()
    wide.columns.name = None
    csp = csp.loc[csp["value"].notna(), ["year", "st", "variable", "value"]]
    is01 = csp.groupby("variable")["value"].agg(lambda v: bool(v.isin([0.0, 1.0]).all()))
    binary = csp.loc[csp["variable"].isin(is01.index[is01])].reset_index(drop=True)
    binary["year"] = binary["year"].astype("int64")
    del csp
    out = {"binary01": binary, "states_2000_2010": wide}
    if cache_dir is not None:
        for k, f in names.items():
            out[k].to_parquet(cache_dir / f)
    return out


@pytest.fixture(scope="session")
def csp_extracts(request) -> dict:
    """``{"binary01": rows of every 0/1 CSP variable, "states_2000_2010": the spatial tests'
    variables by state-year, 2000-2010}`` from one read of the raw file."""
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    return _csp_extracts(SHARED, cache.mkdir("diffusion_stats_csp") if cache is not None else None)
