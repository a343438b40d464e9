"""Execute the notebooks in notebooks/ (each in a fresh kernel) with nbclient.

Notebooks are committed without outputs; they read real data through
DIFFUSION_STATS_DATA (set to ../shared/data by conftest.py). Each runs in well under 60 s
(06 reads the CSP .rda once, ~1-2 min, then its Parquet extract from the user cache: ~12 s).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MINE = ["01_quickstart.ipynb", "02_spid_event_history.ipynb", "03_dyadic_learning.ipynb", "05_netinf.ipynb",
        "06_repeated_events.ipynb", "08_replicate_berry_berry.ipynb"]
REAL_DATA = {"02_spid_event_history.ipynb", "03_dyadic_learning.ipynb", "05_netinf.ipynb", "06_repeated_events.ipynb",
             "08_replicate_berry_berry.ipynb"}


def _run(path: Path, timeout: int = 240) -> float:
    nb = nbformat.read(path, as_version=4)
    env_before = dict(os.environ)
    os.environ["DIFFUSION_STATS_PROGRESS"] = "0"
    os.environ["MPLBACKEND"] = "Agg"
    t0 = time.perf_counter()
    try:
        nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    return time.perf_counter() - t0


@pytest.mark.slow  # each notebook starts a kernel: 10-30 s
@pytest.mark.parametrize("name", MINE)
def test_notebook_executes(name, request):
    path = NOTEBOOKS / name
    if not path.exists():
        pytest.skip(f"{name} not written yet")
    if name in REAL_DATA:
        request.getfixturevalue("shared_data")  # skips (or fails in CI) without ../shared/data
    seconds = _run(path)
    print(f"{name}: {seconds:.1f} s")


@pytest.mark.parametrize("name", MINE)
def test_notebook_committed_without_outputs(name):
    path = NOTEBOOKS / name
    if not path.exists():
        pytest.skip(f"{name} not written yet")
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, f"{name} has outputs"
