"""One vocabulary (docs/design.md "One vocabulary"): the public signatures use only the new
names, the old spellings still work for one release with a FutureWarning at the caller's
line and the same numbers, and EventLogit's ``time=`` (the old name of the duration clock)
is refused where it would read as a period column."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
import diffusion_stats.mechanisms as mech

OLD = {"maxiter", "progress_bar", "show_progress", "chunk_rows", "self_loops"}


def _public_callables():
    """Every ``ds.*`` and ``ds.mechanisms.*`` callable, and every public method of the
    classes among them (``fit``, ``from_edges``, ...)."""
    seen: dict[str, object] = {}
    for owner, prefix in ((ds, "ds"), (mech, "ds.mechanisms")):
        for name in sorted(getattr(owner, "_LAZY", None) or getattr(owner, "__all__", None) or dir(owner)):
            if name.startswith("_"):
                continue
            obj = getattr(owner, name, None)
            if obj is None or inspect.ismodule(obj) or not callable(obj):
                continue
            seen[f"{prefix}.{name}"] = obj
            if inspect.isclass(obj):
                for m, f in inspect.getmembers(obj):
                    if hasattr(pd.DataFrame, m) and getattr(obj, m) is getattr(pd.DataFrame, m, None):
                        continue  # inherited unchanged from pandas (DesignFrame): not our vocabulary
                    if not m.startswith("_") and callable(f) and not inspect.isclass(f):
                        seen[f"{prefix}.{name}.{m}"] = f
    return seen


def _params(f) -> list[str]:
    try:
        return list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        return []


def test_public_signatures_use_the_new_names():
    calls = _public_callables()
    assert "ds.EventLogit.fit" in calls and "ds.Weights.from_edges" in calls and len(calls) > 100
    bad = {k: sorted(OLD & set(_params(f))) for k, f in calls.items() if OLD & set(_params(f))}
    assert bad == {}
    # the duration clock has its own name; time= is the period column where it exists
    for cls in (ds.EventLogit, ds.DaskEventLogit):
        ps = _params(cls)
        assert "clock" in ps and "time" not in ps
    for f in (ds.SpatialLag, ds.spatial_temporal_lag, ds.yearly_moran):
        assert "time" in _params(f)
    for k in ("ds.CoxHazard.fit", "ds.EventLogit.fit", "ds.DyadicLogit.fit", "ds.MixedEventLogit.fit",
              "ds.DaskCoxHazard.fit", "ds.DaskEventLogit.fit", "ds.DaskDyadicLogit.fit"):
        assert "max_iter" in _params(calls[k]), k
    for k in ("ds.wild_bootstrap", "ds.placebo_test", "ds.permutation_test", "ds.identification_check",
              "ds.counterfactual", "ds.iter_dyads", "ds.write_dyads_parquet"):
        assert "progress" in _params(calls[k]), k
    for k in ("ds.iter_dyads", "ds.write_dyads_parquet", "ds.dask_dyads", "ds.dask_event_history", "ds.partition_by",
              "ds.write_dyads_partitioned"):
        assert "partition_rows" in _params(calls[k]), k
    assert "self_pairs" in _params(ds.Weights.from_edges) and "self_pairs" in _params(ds.Weights.from_dyads)


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": rng.normal(size=300), "t": np.tile(np.arange(1, 7), 50)})
    df["event"] = (rng.random(300) < 1 / (1 + np.exp(1.5 - 0.5 * df["x"]))).astype(int)
    return df


def _warns_here(fn, old: str):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    hits = [x for x in w if issubclass(x.category, FutureWarning) and f"{old}=" in str(x.message)]
    assert len(hits) == 1, [str(x.message) for x in w]
    assert hits[0].filename == __file__  # points at the user's line
    return out


def test_old_iteration_name_warns_and_gives_the_same_numbers(panel):
    new = ds.EventLogit("event ~ x", panel).fit(max_iter=7, tol=1e-9)
    old = _warns_here(lambda: ds.EventLogit("event ~ x", panel).fit(maxiter=7, tol=1e-9), "maxiter")
    assert new.params.equals(old.params) and new.cov.equals(old.cov)
    with pytest.raises(ds.SpecificationError, match="max_iter= only"):
        ds.EventLogit("event ~ x", panel).fit(maxiter=7, max_iter=7)


def test_event_logit_time_is_the_old_clock_for_one_release(panel):
    new = ds.EventLogit("event ~ x", panel, duration="cubic", clock="t")
    old = _warns_here(lambda: ds.EventLogit("event ~ x", panel, duration="cubic", time="t"), "time")
    assert old.spec().roles["clock"] == "t" and "time" not in old.spec().arguments
    a, b = new.fit(), old.fit()
    assert a.params.equals(b.params) and str(a.summary()) == str(b.summary())
    with pytest.raises(ds.SpecificationError, match="clock="):  # no duration: time= would read as a period
        ds.EventLogit("event ~ x", panel, time="t")
    with pytest.raises(ds.SpecificationError, match="clock= only"):
        ds.EventLogit("event ~ x", panel, duration="cubic", time="t", clock="t")
    with pytest.raises(ds.ColumnNotFoundError, match="clock="):
        ds.EventLogit("event ~ x", panel, duration="cubic", clock="nope")


def test_old_pair_and_chunk_names_warn():
    e = pd.DataFrame({"source": ["a", "b", "a"], "target": ["b", "c", "a"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        new = ds.Weights.from_edges(e, self_pairs="drop")
        old = _warns_here(lambda: ds.Weights.from_edges(e, self_loops="drop"), "self_loops")
    assert (new.matrix() != old.matrix()).nnz == 0
    ad = pd.DataFrame({"unit": ["A", "B", "A"], "policy": ["p", "p", "q"], "year": [2001, 2002, 2002]})
    chunks = _warns_here(lambda: ds.iter_dyads(ad, units=["A", "B", "C"], end=2003, sources="all", chunk_rows=5,
                                               progress=False), "chunk_rows")
    assert [len(c) for c in chunks] == [12, 10]
    _warns_here(lambda: ds.iter_dyads(ad, units=["A", "B", "C"], end=2003, sources="all", show_progress=False),
                "show_progress")
