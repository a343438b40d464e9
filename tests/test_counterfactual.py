"""ds.counterfactual: the forward simulation against the package's independent simulator
(ds.simulate_diffusion) with known parameters, its exposures against ds.add_channels,
errors, and the plot. The >= 200-replication coverage study is
benchmarks/bench_counterfactual.py; a short version runs here (slow mark).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats.design.simulate import _channel_matrix, _channel_specs
from diffusion_stats.postestimation.counterfactual import _exposure

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_counterfactual as bench  # noqa: E402


@pytest.fixture(scope="module")
def sim():
    d = bench.design(n_policies=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ad = ds.simulate_diffusion(d["labels"], d["chans"], effects=d["effects"], start=d["start"], end=d["end"],
                                   n_policies=d["n_policies"], baseline=d["baseline"], seed=3)
        panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows, units=d["labels"]), ad,
                                d["chans"])
    return d, ad, panel


def test_exposures_equal_add_channels(sim):
    d, ad, panel = sim
    labels = sorted(d["labels"])
    pols = sorted(panel["policy"].unique())
    A = np.full((len(labels), len(pols), 1), np.iinfo(np.int32).max, dtype=np.int32)
    ui = pd.Index(labels).get_indexer(ad["unit"])
    pi = pd.Index(pols).get_indexer(ad["policy"])
    A[ui, pi, 0] = ad["year"].to_numpy()
    for spec in _channel_specs(d["chans"], {}):
        for t in (1985, 1995, 2000):
            rows = panel[panel["year"] == t]
            act = np.arange(len(pols))
            e = _exposure(A, spec, labels, t, act, {}, _channel_matrix, "x")
            got = e[pd.Index(labels).get_indexer(rows["unit"]), pd.Index(pols).get_indexer(rows["policy"]), 0]
            np.testing.assert_allclose(got, rows[spec["name"]].to_numpy(), rtol=1e-12, atol=1e-12)


def test_true_parameters_reproduce_the_simulator(sim):
    """With the true coefficients (no parameter draws) the expected curves equal
    simulate_diffusion's, border on and off, within Monte Carlo error."""
    d, ad, panel = sim
    res = ds.EventLogit("event ~ border + net", panel, link="cloglog").fit(cluster="unit")
    res._params = pd.Series([np.log(d["baseline"]), 1.0, 1.0], index=res.params.index)
    cf = ds.counterfactual(res, ad, d["chans"], switch_off="border", draws=200, seed=2, parameter_draws=False,
                           progress=False)
    a = cf.attributable.loc["pooled"]
    n_big, k = 3000, d["n_policies"]
    for key, eff in (("fitted", d["effects"]), ("counterfactual", {"net": 1.0})):
        big = ds.simulate_diffusion(d["labels"], d["chans"], effects=eff, start=d["start"], end=d["end"],
                                    n_policies=n_big, baseline=d["baseline"], seed=99)
        per = big.groupby("policy").size().reindex(big.reports.windows["policy"], fill_value=0)
        se_truth = per.std() / np.sqrt(n_big) * k
        # no parameter draws: the interval is simulation noise of one history; its mean over draws
        se_cf = (a["upper"] - a["lower"] if key == "attributable" else
                 cf.curves[f"{key}_upper"].iloc[-1] - cf.curves[f"{key}_lower"].iloc[-1]) / 3.92 / np.sqrt(200)
        assert abs(a[key] - per.mean() * k) < 4 * np.hypot(se_truth, se_cf), key
    assert cf.curves["year"].tolist() == list(range(1980, 2001))
    assert cf.curves["observed"].iloc[-1] == panel["event"].sum() == a["observed"]
    assert np.all(np.diff(cf.curves["counterfactual"]) >= 0)


def test_cox_and_replaced_weights_and_plot(sim):
    d, ad, panel = sim
    res = ds.CoxHazard("event ~ border + net", panel, strata="policy").fit(cluster="unit")
    empty = ds.Weights.from_matrix(np.zeros((50, 50)), d["labels"], name="none")
    cf = ds.counterfactual(res, ad, d["chans"], switch_off=None, replace={"border": empty}, draws=30, seed=1,
                           progress=False)
    off = ds.counterfactual(res, ad, d["chans"], switch_off="border", draws=30, seed=1, progress=False)
    # an empty W gives exposure 0: the same counterfactual as switching the channel off
    np.testing.assert_allclose(cf.attributable["counterfactual"], off.attributable["counterfactual"], rtol=1e-12)
    a = off.attributable.loc["pooled"]
    assert abs(a["fitted"] - a["observed"]) < 0.1 * a["observed"]
    assert a["lower"] < a["attributable"] < a["upper"]
    assert "border off" in str(off)
    import matplotlib
    matplotlib.use("Agg")
    ax = ds.plots.counterfactual(off)
    assert len(ax.get_lines()) == 3
    ax = off.plot(policy=str(panel["policy"].iloc[0]))
    assert ax.get_title().endswith(str(panel["policy"].iloc[0]))


def test_errors(sim):
    d, ad, panel = sim
    res = ds.EventLogit("event ~ border + net", panel, link="cloglog").fit()
    with pytest.raises(ds.InputError, match="not among the channels"):
        ds.counterfactual(res, ad, d["chans"], switch_off="contiguity", progress=False)
    with pytest.raises(ds.InputError, match="nothing to compare"):
        ds.counterfactual(res, ad, d["chans"], switch_off=None, progress=False)
    with pytest.raises(ds.InputError, match="draws"):
        ds.counterfactual(res, ad, d["chans"], draws=0, progress=False)
    sq = ds.EventLogit("event ~ border + I(border**2) + net", panel, link="cloglog").fit()
    with pytest.raises(ds.SpecificationError, match="nonlinearly"):
        ds.counterfactual(sq, ad, d["chans"], progress=False)
    only = ds.EventLogit("event ~ border", panel, link="cloglog").fit()
    with pytest.raises(ds.InputError, match="does not enter"):
        ds.counterfactual(only, ad, d["chans"], progress=False)


@pytest.mark.slow
def test_coverage_short():
    """The benchmark's coverage study, 8 replications: the attributable interval covers the truth
    (200 replications in benchmarks/bench_counterfactual.py: 95.5%)."""
    d = bench.design(n_policies=10)
    tr = bench.truth(d)
    hits = [r["att_lo"] <= tr["attributable"] <= r["att_hi"]
            for r in (bench.one_rep(d, seed=1000 + k, draws=50) for k in range(8))]
    assert sum(hits) >= 7
