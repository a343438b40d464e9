"""Type information ships with the package and mypy is configured and run by CI; bugs that
mypy found stay fixed."""

from __future__ import annotations

import re

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_py_typed_ships():
    assert (ROOT / "diffusion_stats" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["diffusion_stats"]


def test_mypy_config():
    cfg = PYPROJECT["tool"]["mypy"]
    oldest = re.fullmatch(r">=\s*(\d+\.\d+)", PYPROJECT["project"]["requires-python"]).group(1)
    assert cfg["python_version"] == oldest
    assert cfg["packages"] == ["diffusion_stats"]
    assert cfg["warn_unused_ignores"] is True and cfg["warn_redundant_casts"] is True
    assert "ignore_errors" not in cfg
    for o in cfg.get("overrides", []):  # only untyped third-party libraries are let off, never package modules
        mods = [o["module"]] if isinstance(o["module"], str) else o["module"]
        assert not any(m.startswith("diffusion_stats") for m in mods), mods
        assert set(o) <= {"module", "ignore_missing_imports"}, o
    # a new mypy release cannot turn CI red: the [dev] extra pins the minor version
    assert any(re.fullmatch(r"mypy==\d+\.\d+\.\*", d.replace(" ", ""))
               for d in PYPROJECT["project"]["optional-dependencies"]["dev"])


def test_ci_runs_ruff_and_mypy_before_pytest():
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    install = next(i for i, ln in enumerate(lines) if "pip install" in ln and "-e" in ln)
    ruff = lines.index("ruff check diffusion_stats tests benchmarks")
    mypy = lines.index("mypy")
    pytest_ = lines.index("pytest")
    assert install < ruff < pytest_ and install < mypy < pytest_


@pytest.mark.parametrize("maxiter", [0, -1, 2.5, True])
def test_glm_maxiter_below_one_is_an_error(maxiter):
    # found by mypy (IRLS could return beta=None): maxiter=0 used to give NaN estimates with a warning
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.random(200)})
    df["event"] = (rng.random(200) < 0.3).astype(int)
    with pytest.raises(ds.InputError, match=rf"maxiter={maxiter!r}: pass a whole number"):
        ds.EventLogit("event ~ a", df).fit(maxiter=maxiter)
