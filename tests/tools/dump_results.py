"""Record every Results object a test run creates, to compare two runs bitwise.

A pytest plugin, inactive unless loaded with ``-p`` AND ``DS_DUMP_RESULTS`` names an output
file::

    DS_DUMP_RESULTS=/tmp/after.npz PYTHONPATH=$PWD \
        python -m pytest -m "not slow" -x -q -p tests.tools.dump_results

For each :class:`diffusion_stats.inference.results.Results` constructed while a test runs
(setup, call or teardown) it stores the test's node id, a per-test call counter, and
``params``, ``std_errors``, ``cov`` (and ``loglik``, ``df_terms`` when set) as float64
arrays, plus the parameter labels. Compare two dumps with ``tests/tools/compare_results.py``.
Results built outside a test (at collection) are filed under the node id ``<collect>``.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from typing import Any

import numpy as np
import pytest

_OUT = os.environ.get("DS_DUMP_RESULTS")
_state: dict[str, Any] = {"node": "<collect>", "records": [], "arrays": {},
                          "counter": defaultdict(int)}


def _record(res: Any) -> None:
    node = _state["node"]
    n = _state["counter"][node]
    _state["counter"][node] += 1
    i = len(_state["records"])
    params = res._params
    arrays = {"params": np.asarray(params.to_numpy(), dtype=np.float64),
              "cov": np.asarray(res._cov.to_numpy(), dtype=np.float64)}
    arrays["std_errors"] = np.asarray(res.std_errors.to_numpy(), dtype=np.float64)
    if res._loglik is not None:
        arrays["loglik"] = np.asarray([res._loglik], dtype=np.float64)
    if getattr(res, "_df_terms", None) is not None:
        arrays["df_terms"] = np.asarray(res._df_terms.to_numpy(), dtype=np.float64)
    for name, a in arrays.items():
        _state["arrays"][f"r{i}_{name}"] = a
    _state["records"].append({"node": node, "call": n, "cls": type(res).__name__,
                              "labels": [str(x) for x in params.index], "arrays": sorted(arrays)})


def pytest_configure(config: pytest.Config) -> None:
    if not _OUT:
        return
    from diffusion_stats.inference.results import Results

    original = Results.__init__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        try:
            _record(self)
        except Exception as exc:  # never let the recorder change a test's outcome
            _state["records"].append({"node": _state["node"], "call": -1, "error": repr(exc)})

    Results.__init__ = __init__  # type: ignore[method-assign]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    _state["node"] = item.nodeid
    yield
    _state["node"] = "<between>"


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _OUT:
        return
    index = np.asarray(json.dumps(_state["records"]))
    np.savez_compressed(_OUT, __index__=index, **_state["arrays"])
