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
        ds.counterfactual(sq, ad, d["chans"], switch_off="border", progress=False)
    only = ds.EventLogit("event ~ border", panel, link="cloglog").fit()
    with pytest.raises(ds.InputError, match="does not enter"):
        ds.counterfactual(only, ad, d["chans"], switch_off="border", progress=False)


@pytest.mark.slow
def test_coverage_short():
    """The benchmark's coverage study, 30 replications: the intervals of the attributable adoptions
    and of the counterfactual total cover the truth (500 replications in
    benchmarks/bench_counterfactual.py: 96.6% and 93.4%)."""
    d = bench.design(n_policies=10)
    tr = bench.truth(d)
    reps = [bench.one_rep(d, seed=1000 + k, draws=25) for k in range(30)]
    # fewer than 25 of 30 hits has probability 0.3% at 95% coverage, 1.2% at 93.4%
    assert sum(r["att_lo"] <= tr["attributable"] <= r["att_hi"] for r in reps) >= 25
    assert sum(r["cf_lo"] <= tr["counterfactual"] <= r["cf_hi"] for r in reps) >= 25


@pytest.fixture(scope="module")
def pair():
    """Two units a <-> b, 40 two-year policies (2000-2001): small enough to check by hand."""
    units = ["a", "b"]
    W = ds.Weights.from_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]), units, name="ab")
    ch = [ds.Channel("ab", W)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ad = ds.simulate_diffusion(units, ch, effects={"ab": 1.0}, start=2000, end=2001, n_policies=40,
                                   baseline=0.3, seed=4)
        panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows, units=units), ad, ch)
    res = ds.EventLogit("event ~ ab", panel, link="cloglog").fit()
    return units, ch, ad, panel, res


def test_move_hand_checked(pair):
    """a pinned at 2000 (or never) in policy p01; b's expected adoptions by 2001 are
    p0 + (1 - p0) p1 with p0 = F(alpha), p1 = F(alpha + gamma) (b's exposure is 1 from 2001)."""
    units, ch, ad, panel, res = pair
    alpha, gamma = -1.0, 1.5
    res._params = pd.Series([alpha, gamma], index=res.params.index)
    F = lambda x: 1 - np.exp(-np.exp(x))  # noqa: E731
    p0, p1 = F(alpha), F(alpha + gamma)
    D = 4000
    for year, expect_b in ((2000, p0 + (1 - p0) * p1), (None, p0 + (1 - p0) * p0)):
        cf = ds.counterfactual(res, ad, ch, move={"unit": "a", "year": year, "policy": "p01"}, draws=D, seed=5,
                               parameter_draws=False, progress=False)
        pc = cf.policy_curves.set_index(["policy", "year"])
        got = pc.loc[("p01", 2001), "counterfactual"] - (year is not None)
        se = 0.5 / np.sqrt(D)  # the sum of probabilities varies by < 1 between histories
        assert abs(got - expect_b) < 4 * se, (year, got, expect_b)
        # the first year is exact: b at risk with exposure 0
        assert pc.loc[("p01", 2000), "counterfactual"] == pytest.approx((year == 2000) + p0, rel=1e-12)
        # other policies are untouched (same random numbers): attributable exactly 0
        att = cf.attributable.drop(index=["p01", "pooled"])["attributable"]
        np.testing.assert_array_equal(att.to_numpy(), 0.0)
        assert "a moved to" in str(cf)


def test_move_to_observed_year_is_the_fitted_curve(sim):
    d, ad, panel = sim
    res = ds.EventLogit("event ~ border + net", panel, link="cloglog").fit(cluster="unit")
    row = ad.iloc[5]
    never = sorted(set(d["labels"]) - set(ad.loc[ad["policy"] == row["policy"], "unit"]))[0]
    for mv in ({"unit": row["unit"], "year": int(row["year"]), "policy": row["policy"]},
               {"unit": never, "year": None, "policy": row["policy"]}):
        cf = ds.counterfactual(res, ad, d["chans"], move=mv, draws=20, seed=3, progress=False)
        for c in ("fitted", "fitted_lower", "fitted_upper"):
            np.testing.assert_array_equal(cf.curves[c.replace("fitted", "counterfactual")], cf.curves[c])
        assert (cf.attributable["attributable"] == 0).all()
    # moving a unit earlier raises the expected adoptions of the others (positive contagion)
    early = ds.counterfactual(res, ad, d["chans"], move={"unit": "TX", "year": 1980}, draws=40, seed=3,
                              progress=False)
    a = early.attributable.loc["pooled"]
    assert a["counterfactual"] > a["fitted"]
    # combined with a channel switched off
    both = ds.counterfactual(res, ad, d["chans"], switch_off="border", move={"unit": "TX", "year": 1980},
                             draws=10, seed=3, progress=False)
    assert "border off, TX moved to 1980" in str(both)


def test_move_errors(sim):
    d, ad, panel = sim
    res = ds.EventLogit("event ~ border + net", panel, link="cloglog").fit()
    with pytest.raises(ds.InputError, match="not in the panel"):
        ds.counterfactual(res, ad, d["chans"], move={"unit": "XX", "year": 1990}, progress=False)
    with pytest.raises(ds.InputError, match="policy 'nope'"):
        ds.counterfactual(res, ad, d["chans"], move={"unit": "CA", "year": 1990, "policy": "nope"}, progress=False)
    with pytest.raises(ds.InputError, match="keys 'unit' and 'year'"):
        ds.counterfactual(res, ad, d["chans"], move={"unit": "CA"}, progress=False)
    with pytest.raises(ds.InputError, match="integer year or None"):
        ds.counterfactual(res, ad, d["chans"], move={"unit": "CA", "year": "1990"}, progress=False)
    with pytest.raises(ds.InputError, match="moved twice"):
        ds.counterfactual(res, ad, d["chans"], move=[{"unit": "CA", "year": 1990}, {"unit": "CA", "year": 1991}],
                          progress=False)
