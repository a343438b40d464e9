"""The measurement-debate toolkit on simulated data with known truth.

separability, horse_race, galton_check, placebo_test, permutation_test and
weight_sensitivity (identification_check: tests/test_mechanisms_identification.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers import two_channel_design
from scipy import stats

import diffusion_stats as ds


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        yield


@pytest.fixture(scope="module")
def design():
    """50 states, border + a random 'network' channel, 30 policies 1980-2010, both effects 1."""
    return two_channel_design()


# -- separability --------------------------------------------------------------------
def test_separability_flags_near_identical_weights(design):
    """A border matrix and the same matrix with one tie moved cannot be told apart."""
    B, labels, ad = design["B"], design["labels"], design["ad"]
    m = B.matrix().toarray()
    m[labels.index("NH"), labels.index("VT")] = 0
    m[labels.index("NH"), labels.index("CT")] = 1
    B2 = ds.Weights.from_matrix(m, labels, name="borders_edited")
    panel = ds.add_channels(design["panel"], ad, [ds.Channel("border2", B2)])
    res = ds.separability(panel, ["border", "border2", "net"])
    assert not res.separable
    assert res.within == ("policy", "year")
    pairs = {(r.a, r.b) for r in res.flagged.itertuples()}
    assert ("border", "border2") in pairs
    assert "cannot be told apart" in res.verdict and "border2" in res.verdict
    assert res.vif["border"] > 10 and res.vif["net"] < 2
    assert "Correlations" in str(res) and "<table" in res._repr_html_()


def test_separability_passes_well_separated_channels(design):
    res = ds.separability(design["panel"], design["chans"])
    assert res.separable
    assert res.flagged.empty
    assert res.condition_number < 3
    assert "separable in these data" in res.verdict


def test_separability_constant_within_and_errors(design):
    p = design["panel"].copy()
    p["national"] = p.groupby(["policy", "year"])["border"].transform("mean")
    res = ds.separability(p, ["border", "national"])
    assert not res.separable and "does not vary" in res.verdict
    with pytest.raises(ds.InputError, match="at least two"):
        ds.separability(p, ["border"])
    with pytest.raises(ds.ColumnNotFoundError, match="bordr"):
        ds.separability(p, ["bordr", "net"])
    with pytest.raises(ds.DataValidationError, match="missing"):
        ds.separability(p.assign(net=np.nan), ["border", "net"])


# -- horse race ----------------------------------------------------------------------
def test_horse_race_cox_model(design):
    panel, chans = design["panel"], design["chans"]
    model = ds.CoxHazard("event ~ border + net", panel, strata="policy")
    hr = ds.horse_race(model, chans, fit_kwargs={"cluster": "unit"})
    res = hr.results
    assert list(hr.effects.index) == ["border", "net"]
    assert hr.effects.loc["border", "mechanism"] == "emulation"
    # both true effects (1.0) inside the intervals
    assert ((hr.effects["lower"] < 1.0) & (hr.effects["upper"] > 1.0)).all()
    # joint Wald by hand
    b = res.params[["border", "net"]].to_numpy()
    V = res.cov.loc[["border", "net"], ["border", "net"]].to_numpy()
    assert hr.joint["statistic"] == pytest.approx(float(b @ np.linalg.solve(V, b)), rel=1e-10)
    # pairwise by hand
    d = b[0] - b[1]
    se = np.sqrt(V[0, 0] + V[1, 1] - 2 * V[0, 1])
    assert hr.pairwise.loc[0, "statistic"] == pytest.approx((d / se) ** 2, rel=1e-10)
    assert hr.pairwise.loc[0, "pvalue"] == pytest.approx(stats.chi2.sf((d / se) ** 2, 1), rel=1e-8)
    # drop-one LR equals an explicit refit
    r0 = ds.CoxHazard("event ~ net", panel, strata="policy").fit(cluster="unit")
    assert hr.drop_one.loc["border", "lr"] == pytest.approx(2 * (res.loglik - r0.loglik), rel=1e-10)
    assert hr.separability is not None and hr.separability.separable
    assert "Horse race" in str(hr)
    assert hr.to_frame().shape[0] == 2


def test_horse_race_results_only_and_logit(design):
    panel = design["panel"]
    res = ds.EventLogit("event ~ border + net", panel, link="cloglog").fit(cov_type="robust")
    hr = ds.horse_race(res, ["border", "net"])
    assert hr.drop_one is None and hr.separability is None
    assert hr.effects.loc["net", "estimate"] == pytest.approx(res.params["net"])
    with pytest.raises(ds.InputError, match="not a term"):
        ds.horse_race(res, ["border", "learning"])
    with pytest.raises(ds.InputError, match="model"):
        ds.horse_race("not a model", ["border"])


def test_horse_race_dyadic_logit(design):
    """Works with DyadicLogit: partner tie columns as channels."""
    ad, chans = design["ad"], design["chans"]
    sub = ad[ad["policy"].isin(["p01", "p02", "p03"])]
    win = ad.reports.windows
    dy = ds.dyads(sub, windows=win[win["policy"].isin(["p01", "p02", "p03"])], units=design["labels"],
                  sources="prior_adopters")
    dy = ds.add_channels(dy, sub, chans, exposure=False)
    m = ds.DyadicLogit("event ~ border_tie + net_tie", dy)
    hr = ds.horse_race(m, ["border_tie", "net_tie"], fit_kwargs={"cov_type": "dyadic"})
    assert hr.results.cov_type == "dyadic"
    assert np.isfinite(hr.drop_one["lr"]).all()


def test_horse_race_spatial_lag():
    """Works with SpatialLag (its W is read back for the drop-one refits)."""
    B = ds.Weights.us_borders()
    labels = list(B.labels)
    rng = np.random.default_rng(0)
    Wr = B.row_standardize().matrix().toarray()
    x1, x2 = rng.normal(size=50), rng.normal(size=50)
    y = np.linalg.solve(np.eye(50) - 0.3 * Wr, x1 + 0.5 * x2 + rng.normal(size=50))
    df = pd.DataFrame({"unit": labels, "y": y, "x1": x1, "x2": x2})
    hr = ds.horse_race(ds.SpatialLag("y ~ x1 + x2", df, B, unit="unit"), ["x1", "x2"])
    r0 = ds.SpatialLag("y ~ x2", df, B, unit="unit").fit()
    assert hr.drop_one.loc["x1", "loglik_without"] == pytest.approx(r0.loglik, rel=1e-12)
    assert "exp_estimate" not in hr.effects.columns


# -- Galton's problem ----------------------------------------------------------------
def test_galton_common_trend_is_removed_by_year_effects():
    """No diffusion, a steeply rising common baseline: the naive logit finds 'diffusion',
    year fixed effects remove it."""
    B = ds.Weights.us_borders()
    labels = list(B.labels)
    ad = ds.simulate_diffusion(labels, {"border": B}, effects={"border": 0.0}, start=1980, end=2005,
                               n_policies=30, baseline=lambda s: 0.004 * np.exp(0.16 * s), seed=8)
    ch = [ds.Channel("border", B)]
    panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows, units=labels), ad, ch)
    g = ds.galton_check(ds.EventLogit("event ~ border", panel), ch, fit_kwargs={"cluster": "unit"})
    t = g.table.loc["border"]
    assert t["estimate"] > 0.5 and t["pvalue"] < 0.001
    assert t["pvalue_shocks"] > 0.05 and not t["survives"]
    assert "does not survive" in g.verdict
    assert "C(year)" in g.how


def test_galton_cox_calendar_strata(design):
    panel, chans = design["panel"], design["chans"]
    g = ds.galton_check(ds.CoxHazard("event ~ border + net", panel, strata="policy"), chans)
    assert "policy x year" in g.how
    assert any("identical" in n for n in g.notes)  # policy strata already hold calendar time fixed
    assert g.table["survives"].all()


# -- placebo -------------------------------------------------------------------------
def test_placebo_lead_exposure_by_hand():
    W = ds.Weights.from_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]]), ["a", "b", "c"])
    ad = pd.DataFrame({"unit": ["b", "c"], "policy": ["p", "p"], "year": [2001, 2003]})
    panel = ds.event_history(ad, units=["a", "b", "c"], start=2000, end=2004)
    out = ds.mechanisms.lead_exposures(panel, ad, [ds.Channel("w", W)], leads=1)
    a = out[out["unit"] == "a"].set_index("year")["w_lead"]
    # a's neighbours b (2001) and c (2003): lead at t counts adoptions in t+1
    assert a.to_dict() == {2000: 0.5, 2001: 0.0, 2002: 0.5, 2003: 0.0, 2004: 0.0}
    out2 = ds.mechanisms.lead_exposures(panel, ad, [ds.Channel("w", W, kind="count")], leads=2)
    assert out2[out2["unit"] == "a"].set_index("year")["w_lead"].to_dict() == {
        2000: 1.0, 2001: 1.0, 2002: 1.0, 2003: 0.0, 2004: 0.0}


def test_placebo_passes_without_diffusion():
    B = ds.Weights.us_borders()
    labels = list(B.labels)
    ad = ds.simulate_diffusion(labels, {"border": B}, effects={"border": 0.0}, start=1980, end=2010,
                               n_policies=30, baseline=0.03, seed=3)
    ch = [ds.Channel("border", B)]
    panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows, units=labels), ad, ch)
    pt = ds.placebo_test(ds.CoxHazard("event ~ border", panel, strata="policy"), ad, ch)
    assert pt.passed and pt.table.loc["border", "passes"]
    assert "Placebo passed" in pt.verdict


@pytest.mark.slow
def test_placebo_calibrated_null_under_pure_diffusion(design):
    """Under genuine diffusion the naive lead test rejects (reverse diffusion); the
    diffusion-only calibration does not."""
    panel, ad = design["panel"], design["ad"]
    ch = [design["chans"][0]]
    model = ds.CoxHazard("event ~ border", panel.drop(columns="net"), strata="policy")
    pt = ds.placebo_test(model, ad, ch, null="simulate", n_sim=19, seed=1, progress=False)
    assert pt.joint["pvalue"] < 0.05
    assert pt.joint["pvalue_sim"] > 0.05 and pt.passed
    assert 0.3 < pt.table.loc["border", "lead_sim_mean"]


# -- permutation ---------------------------------------------------------------------
def test_permutation_qap_and_years(design):
    panel, ad, chans = design["panel"], design["ad"], design["chans"]
    model = ds.EventLogit("event ~ border + net", panel)
    q = ds.permutation_test(model, ad, chans, n_perm=9, seed=4, progress=False)
    assert (q.table["pvalue_perm"] == 0.1).all()  # the observed estimate beats every relabelling
    assert q.distribution.shape == (9, 2)
    assert (q.table["perm_upper"] < q.table["estimate"]).all()
    q2 = ds.permutation_test(model, ad, chans, n_perm=9, seed=4, progress=False)
    pd.testing.assert_frame_equal(q.distribution, q2.distribution)
    y = ds.permutation_test(model, ad, chans, scheme="years", n_perm=5, seed=4, progress=False)
    assert y.table["n_perm"].eq(5).all()
    assert "QAP" in str(q)
    with pytest.raises(ds.InputError, match="scheme"):
        ds.permutation_test(model, ad, chans, scheme="rows")


def test_permutation_irrelevant_channel_not_significant(design):
    """A channel with no effect: the QAP p-value is not small."""
    ad, labels = design["ad"], design["labels"]
    rng = np.random.default_rng(99)
    m = (rng.random((50, 50)) < 0.1).astype(float)
    np.fill_diagonal(m, 0)
    junk = ds.Channel("junk", ds.Weights.from_matrix(m, labels, name="junk"))
    panel = ds.add_channels(design["panel"], ad, [junk])
    model = ds.EventLogit("event ~ border + net + junk", panel)
    q = ds.permutation_test(model, ad, [junk], n_perm=19, seed=2, progress=False)
    assert q.table.loc["junk", "pvalue_perm"] > 0.05  # not beyond every relabelling
    assert q.table.loc["junk", "perm_lower"] < q.table.loc["junk", "estimate"] < q.table.loc["junk", "perm_upper"]


def test_permutation_parallel_matches_serial(design):
    panel, ad, chans = design["panel"], design["ad"], design["chans"]
    model = ds.EventLogit("event ~ border + net", panel)
    a = ds.permutation_test(model, ad, chans[:1], scheme="years", n_perm=4, seed=7, progress=False)
    b = ds.permutation_test(model, ad, chans[:1], scheme="years", n_perm=4, seed=7, n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(a.distribution, b.distribution)


# -- weight sensitivity --------------------------------------------------------------
def test_weight_sensitivity(design):
    panel, ad = design["panel"], design["ad"]
    ch = design["chans"][0]
    model = ds.CoxHazard("event ~ border + net", panel, strata="policy")
    ws = ds.weight_sensitivity(model, ad, ch, k=(2,), variants=None)
    t = ws.table
    assert {"as given", "count", "row-standardised", "2 nearest"} <= set(t.index)
    assert t.loc["as given", "estimate"] == pytest.approx(t.loc["row-standardised", "estimate"], rel=1e-8)
    assert not ws.range["sign_changes"]
    assert (t["std_estimate"] > 0).all()
    ws2 = ds.weight_sensitivity(model, ad, ch, variants={"rook": ds.Weights.us_borders("rook")})
    assert list(ws2.table.index) == ["as given", "rook"]
    assert "Sensitivity" in str(ws2)
