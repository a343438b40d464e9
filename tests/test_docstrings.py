"""Every docstring example in the package runs (numpydoc examples are part of the docs)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds

MODULES = sorted(m.name for m in pkgutil.walk_packages(ds.__path__, prefix="diffusion_stats.")
                 if not m.name.startswith("diffusion_stats.bundled"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = doctest.testmod(module, extraglobs={"ds": ds, "pd": pd, "np": np}, report=True,
                              optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert res.failed == 0, f"{res.failed} of {res.attempted} docstring examples in {name} failed (see output)"
