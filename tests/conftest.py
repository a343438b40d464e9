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
