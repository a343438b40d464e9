"""CoxHazard against R's survival (stored values), hand-checked cases, invariances, bad input.

Reference values: tests/reference/cox/make_reference.R -> reference.json (survival 3.5,
every fit converged with eps = 1e-12). Estimates compared at rtol 1e-6, standard errors
at 1e-5; residual vectors contain exact zeros, so they use atol 1e-8 instead.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers import lottery_counting_process

import diffusion_stats as ds
from diffusion_stats import (
    ColumnNotFoundError,
    DataValidationError,
    DiffusionStatsError,
    IdentificationWarning,
    RowAccountingWarning,
    SeparationWarning,
    SpecificationError,
)

FORMULA = "adopt ~ fiscal + elect1 + elect2 + income1 + religion + neighbor"


@pytest.fixture(scope="module")
def ref(reference_dir):
    with open(reference_dir / "cox" / "reference.json") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def lottery(shared_data):
    return lottery_counting_process(shared_data)


def _tiny() -> pd.DataFrame:
    return pd.DataFrame({
        "start": 0.0,
        "stop": [1, 1, 1, 2, 2, 2, 3, 4, 4, 4],
        "event": [1, 1, 0, 1, 0, 1, 1, 1, 1, 0],
        "x": [0, 1, 1, 1, 0, 2, 1, 0, 1, 2],
        "w": [1, 2, 1, 1, 3, 1, 2, 1, 1, 1],
    })


def _close(a, b, rtol):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=0)


def _check_fit(res, R, *, se_key="var"):
    _close(res.params, R["coef"], 1e-6)
    _close(res.std_errors, np.sqrt(np.diag(np.atleast_2d(R[se_key]))), 1e-5)
    _close(res.loglik, R["loglik"][1], 1e-8)
    _close(res.loglik_null, R["loglik"][0], 1e-8)
    assert res.nobs == R["n"] and res.n_events == R["nevent"]
    if "rscore" in R:  # R's robust score test (clustered / robust fits)
        assert res.tests["robust_score"]["statistic"] == pytest.approx(float(np.ravel(R["rscore"])[0]), rel=1e-6)


# --- tiny hand-checked case -------------------------------------------------------------
@pytest.mark.parametrize("ties", ["breslow", "efron", "exact"])
def test_tiny_matches_r(ref, ties):
    res = ds.CoxHazard("event ~ x", _tiny(), ties=ties).fit()
    _check_fit(res, ref["tiny"][ties])
    _close(res.naive_cov.values, ref["tiny"][ties]["var"], 1e-5)


def test_tiny_loglik_at_zero_by_hand(ref):
    # Risk sets (all rows start at 0): t=1: n=10, d=2; t=2: n=7, d=2; t=3: n=4, d=1;
    # t=4: n=3, d=2. At beta = 0 every risk score is 1, so
    #   Breslow: -sum d log n                 = -(2 log 10 + 2 log 7 + log 4 + 2 log 3)
    #   Efron:   -sum_k sum_{j<d} log(n - j)  = -(log 10 + log 9 + log 7 + log 6 + log 4 + log 3 + log 2)
    #   exact:   -sum log C(n, d)             = -(log 45 + log 21 + log 4 + log 3)
    by_hand = {
        "breslow": -(2 * math.log(10) + 2 * math.log(7) + math.log(4) + 2 * math.log(3)),
        "efron": -sum(math.log(v) for v in (10, 9, 7, 6, 4, 3, 2)),
        "exact": -(math.log(45) + math.log(21) + math.log(4) + math.log(3)),
    }
    for ties, ll0 in by_hand.items():
        res = ds.CoxHazard("event ~ x", _tiny(), ties=ties).fit()
        assert res.loglik_null == pytest.approx(ll0, rel=1e-12)
        assert ref["tiny"][ties]["loglik"][0] == pytest.approx(ll0, rel=1e-12)


def test_tiny_exact_equals_clogit(ref):
    _close(ref["tiny"]["exact"]["coef"], ref["tiny"]["clogit_exact"]["coef"], 1e-8)


def test_tiny_weights(ref):
    res = ds.CoxHazard("event ~ x", _tiny(), weights="w").fit()
    _check_fit(res, ref["tiny"]["efron_weighted"])


def test_right_censored_start_none(ref):
    res = ds.CoxHazard("event ~ x", _tiny().drop(columns="start"), start=None).fit()
    _close(res.params, ref["tiny"]["efron"]["coef"], 1e-6)


# --- Berry & Berry lottery ---------------------------------------------------------------
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_lottery_classical(lottery, ref, ties):
    R = ref["lottery"][ties]
    res = ds.CoxHazard(FORMULA, lottery, ties=ties).fit()
    _check_fit(res, R)
    _close(res.cov.values, R["var"], 1e-5)
    assert res.tests["score"]["statistic"] == pytest.approx(R["score"], rel=1e-6)
    assert res.tests["wald"]["statistic"] == pytest.approx(R["wald"], rel=1e-5)
    assert res.tests["likelihood_ratio"]["statistic"] == pytest.approx(R["lr"], rel=1e-6)
    assert res.converged and res.cov_type == "classical"


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_lottery_cluster_one_and_two_way(lottery, ref, ties):
    R = ref["lottery"][ties]
    m = ds.CoxHazard(FORMULA, lottery, ties=ties)
    st = m.fit(cluster="state")
    _check_fit(st, R["cluster_state"])
    _close(st.naive_std_errors, np.sqrt(np.diag(R["cluster_state"]["naive_var"])), 1e-5)
    assert st.n_clusters == (48,) and st.cov_type == "cluster"
    assert st.tests["wald"]["statistic"] == pytest.approx(R["cluster_state"]["wald"], rel=1e-5)
    _close(m.fit(cluster="year").cov.values, R["cluster_year"]["var"], 1e-5)
    rob = m.fit(cov_type="robust")
    _close(rob.cov.values, R["robust"]["var"], 1e-5)
    assert rob.tests["robust_score"]["statistic"] == pytest.approx(float(np.ravel(R["robust"]["rscore"])[0]), rel=1e-6)
    assert m.fit(cluster="year").tests["robust_score"]["statistic"] == pytest.approx(
        float(np.ravel(R["cluster_year"]["rscore"])[0]), rel=1e-6)
    two = m.fit(cluster=["state", "year"])
    _close(two.cov.values, R["twoway_state_year_var"], 1e-5)
    assert two.n_clusters == (48, 23)


def test_small_sample_factor(lottery):
    m = ds.CoxHazard(FORMULA, lottery)
    a, b = m.fit(cluster="state"), m.fit(cluster="state", small_sample=True)
    _close(b.cov.values, a.cov.values * 48 / 47, 1e-12)
    v_s, v_y = a.cov.values, m.fit(cluster="year").cov.values
    v_sy = m.fit(cov_type="robust").cov.values  # state x year identifies rows here
    n = len(lottery)
    two = m.fit(cluster=["state", "year"], small_sample=True).cov.values
    _close(two, v_s * 48 / 47 + v_y * 23 / 22 - v_sy * n / (n - 1), 1e-10)


def test_lottery_weights(lottery, ref):
    R = ref["lottery"]["efron_weighted"]
    m = ds.CoxHazard(FORMULA, lottery, weights="w")
    _check_fit(m.fit(), R)
    _check_fit(m.fit(cluster="state"), R["cluster_state"])


def test_lottery_exact(lottery, ref):
    R = ref["lottery"]["exact"]
    res = ds.CoxHazard(FORMULA, lottery, ties="exact").fit()
    _close(res.params, R["coef"], 1e-6)
    _close(res.std_errors, np.sqrt(np.diag(R["var"])), 1e-5)
    assert res.loglik == pytest.approx(R["loglik"][1], rel=1e-8)
    # R's coxph(ties = "exact") agrees with the clogit reference on this risk set
    _close(ref["lottery"]["exact_coxph"]["coef"], R["coef"], 1e-8)


def test_exact_refuses_weights(lottery):
    with pytest.raises(SpecificationError, match="weights"):
        ds.CoxHazard(FORMULA, lottery, ties="exact", weights="w").fit()


def _brute_force_exact_residuals(df, beta, xcols):
    """Score residuals of the exact likelihood by enumerating every subset of every risk set."""
    from itertools import combinations

    X = df[xcols].to_numpy(float)
    eta = X @ beta
    L = np.zeros_like(X)
    scores = {}
    for t in sorted(df.loc[df["event"] == 1, "stop"].unique()):
        risk = np.flatnonzero((df["start"] < t).to_numpy() & (df["stop"] >= t).to_numpy())
        dead = set(np.flatnonzero((df["stop"] == t).to_numpy() & (df["event"] == 1).to_numpy()))
        d = len(dead)
        subsets = np.array(list(combinations(risk, d)))             # (n_subsets, d) row ids
        wts = np.exp(eta[subsets].sum(axis=1))
        pi = np.bincount(subsets.ravel(), weights=np.repeat(wts, d), minlength=len(df)) / wts.sum()
        xbar = pi[risk] @ X[risk] / d
        delta = np.isin(risk, list(dead)).astype(float)
        L[risk] += (delta - pi[risk])[:, None] * (X[risk] - xbar)
        # the risk set's score by enumeration: sum_D x - E[sum_S x]
        scores[t] = X[list(dead)].sum(0) - wts @ X[subsets].sum(axis=1) / wts.sum()
    return L, scores


def test_exact_robust_variance_brute_force():
    # small data with tied deaths (up to 3 at a time) and delayed entry
    rng = np.random.default_rng(11)
    n = 40
    df = pd.DataFrame({"start": rng.integers(0, 3, n).astype(float), "x": rng.normal(size=n),
                       "z": rng.integers(0, 2, n).astype(float), "g": rng.integers(0, 6, n)})
    df["stop"] = df["start"] + rng.integers(1, 5, n)
    df["event"] = (rng.uniform(size=n) < 0.6).astype(int)
    res = ds.CoxHazard("event ~ x + z", df, ties="exact").fit(cluster="g")
    beta = res.params.to_numpy()
    from diffusion_stats.survival import _numerics as cn

    P, rs = res.state.in_memory()
    L = cn.exact_score_residuals(rs, cn.exact_layout(rs), P.X, beta)
    Lb, _ = _brute_force_exact_residuals(df, beta, ["x", "z"])
    np.testing.assert_allclose(L, Lb, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(L.sum(0), 0, atol=1e-8)          # the score at the maximum
    V = res.naive_cov.to_numpy()
    G = np.stack([Lb[(df["g"] == g).to_numpy()].sum(0) for g in sorted(df["g"].unique())])
    np.testing.assert_allclose(res.cov.to_numpy(), V @ G.T @ G @ V, rtol=1e-9)


def test_exact_robust_nested_clusters_use_the_risk_set_scores(lottery):
    # clusters that contain whole risk sets (year): the cluster score is the gradient of the
    # clusters' log likelihood, whatever the row decomposition; checked by enumeration
    res = ds.CoxHazard("adopt ~ fiscal + neighbor", lottery, ties="exact").fit(cluster="year")
    _, scores = _brute_force_exact_residuals(lottery.rename(columns={"adopt": "event"}),
                                             res.params.to_numpy(), ["fiscal", "neighbor"])
    U = np.stack([scores[t] for t in sorted(scores)])
    V = res.naive_cov.to_numpy()
    np.testing.assert_allclose(res.cov.to_numpy(), V @ U.T @ U @ V, rtol=1e-8)


def test_exact_robust_without_ties_equals_breslow():
    rng = np.random.default_rng(5)
    n = 80
    df = pd.DataFrame({"stop": rng.permutation(n) + 1.0, "event": rng.integers(0, 2, n),
                       "x": rng.normal(size=n), "g": rng.integers(0, 9, n)})
    a = ds.CoxHazard("event ~ x", df, start=None, ties="exact").fit(cluster="g")
    b = ds.CoxHazard("event ~ x", df, start=None, ties="breslow").fit(cluster="g")
    _close(a.params, b.params, 1e-10)
    _close(a.std_errors, b.std_errors, 1e-10)


# --- results object ----------------------------------------------------------------------
def test_results_interface(lottery, ref):
    res = ds.CoxHazard(FORMULA, lottery).fit(cluster="state")
    assert list(res.params.index) == ref["lottery"]["efron"]["names"]
    _close(res.hazard_ratios, np.exp(res.params), 1e-15)
    z = res.params / res.std_errors
    _close(res.tvalues, z, 1e-15)
    ci = res.conf_int()
    _close(ci["upper"] - res.params, 1.959963984540054 * res.std_errors, 1e-12)
    text = str(res.summary())
    for col in ("coef", "exp(coef)", "se(coef)", "robust se", "Pr(>|z|)", "lower .95", "upper .95",
                "Likelihood ratio test", "Score (logrank) test"):
        assert col in text
    assert "\\toprule" in res.to_latex() and "<table" in res._repr_html_()
    assert "robust se" not in str(ds.CoxHazard(FORMULA, lottery).fit().summary())


# --- invariances -------------------------------------------------------------------------
def test_row_order_invariance(lottery):
    a = ds.CoxHazard(FORMULA, lottery).fit(cluster="state")
    shuffled = lottery.sample(frac=1.0, random_state=7)
    b = ds.CoxHazard(FORMULA, shuffled).fit(cluster="state")
    _close(b.params, a.params, 1e-10)
    _close(b.std_errors, a.std_errors, 1e-10)


def test_splitting_a_spell_changes_nothing():
    rng = np.random.default_rng(3)
    n = 60
    df = pd.DataFrame({"id": np.arange(n), "start": 0.0, "stop": rng.integers(1, 9, n).astype(float),
                       "event": rng.integers(0, 2, n), "x": rng.normal(size=n)})
    cut = 2.5
    long = df[df["stop"] > cut]
    first = long.assign(stop=cut, event=0)
    second = long.assign(start=cut)
    split = pd.concat([df[df["stop"] <= cut], first, second], ignore_index=True)
    assert len(split) > len(df)
    for ties in ("breslow", "efron", "exact"):
        a = ds.CoxHazard("event ~ x", df, ties=ties).fit()
        b = ds.CoxHazard("event ~ x", split, ties=ties).fit()
        _close(b.params, a.params, 1e-10)
        _close(b.std_errors, a.std_errors, 1e-10)
        assert b.loglik == pytest.approx(a.loglik, rel=1e-12)
    a = ds.CoxHazard("event ~ x", df).fit(cluster="id")
    b = ds.CoxHazard("event ~ x", split).fit(cluster="id")
    _close(b.std_errors, a.std_errors, 1e-10)


def test_relabelling_units_and_strata(lottery):
    a = ds.CoxHazard(FORMULA, lottery).fit(cluster="state")
    relab = lottery.assign(state=lottery["state"].map(lambda s: f"unit_{s[::-1]}"))
    b = ds.CoxHazard(FORMULA, relab).fit(cluster="state")
    _close(b.std_errors, a.std_errors, 1e-12)
    lot2 = lottery.assign(grp=(lottery["statenum"] % 4).astype(str))
    c = ds.CoxHazard(FORMULA, lot2, strata="grp").fit()
    d = ds.CoxHazard(FORMULA, lot2.assign(grp=lot2["grp"].map({"0": "z", "1": "y", "2": "x", "3": "w"})),
                     strata="grp").fit()
    _close(d.params, c.params, 1e-12)
    assert c.n_strata == 4


def test_shift_and_huge_covariates_do_not_overflow(lottery):
    base = ds.CoxHazard(FORMULA, lottery).fit()
    # a constant shift of a covariate leaves the partial likelihood unchanged
    shifted = ds.CoxHazard(FORMULA, lottery.assign(income1=lottery["income1"] + 1e4)).fit()
    _close(shifted.params, base.params, 1e-7)
    # one covariate value 34 standard deviations out: finite, converged fit
    out = lottery.copy()
    out.loc[out.index[5], "fiscal"] = out["fiscal"].mean() + 34 * out["fiscal"].std()
    res = ds.CoxHazard(FORMULA, out).fit()
    assert np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.std_errors)) and res.converged


def test_stratum_specific_shift_uses_log_sum_exp(lottery):
    # with strata, adding a stratum constant to x changes nothing; 5000 per stratum puts the
    # linear predictor spread far beyond exp's range, exercising the per-risk-set shift
    lot = lottery.assign(grp=lottery["statenum"] % 3)
    a = ds.CoxHazard("adopt ~ fiscal + religion", lot, strata="grp").fit()
    b = ds.CoxHazard("adopt ~ fiscal + religion",
                     lot.assign(religion=lot["religion"] + 5000.0 * lot["grp"]), strata="grp").fit()
    _close(b.params, a.params, 1e-7)
    _close(b.std_errors, a.std_errors, 1e-6)


# --- identification, separation ----------------------------------------------------------
def test_constant_within_risk_sets_is_dropped(lottery):
    lot = lottery.assign(national=lottery.groupby("year")["adopt"].transform("mean"))
    with pytest.warns(IdentificationWarning, match="national"):
        m = ds.CoxHazard(FORMULA + " + national", lot)
    res = m.fit()
    assert "national" not in res.params.index and "national" in res.dropped
    _close(res.params, ds.CoxHazard(FORMULA, lottery).fit().params, 1e-10)


def test_collinear_covariate_is_dropped(lottery):
    with pytest.warns(IdentificationWarning, match="collinear"):
        res = ds.CoxHazard("adopt ~ fiscal + religion + rel2", lottery.assign(rel2=2 * lottery["religion"] + 1)).fit()
    assert len(res.params) == 2


def test_separation_is_reported():
    df = pd.DataFrame({"stop": np.arange(1.0, 9.0), "event": 1, "x": np.arange(8.0, 0.0, -1.0)})
    with pytest.warns(SeparationWarning, match="'x'"):
        res = ds.CoxHazard("event ~ x", df, start=None).fit()
    assert not res.converged


# --- bad input ---------------------------------------------------------------------------
def test_unknown_columns_did_you_mean(lottery):
    with pytest.raises(ColumnNotFoundError, match="did you mean 'fiscal'"):
        ds.CoxHazard("adopt ~ fiscl", lottery)
    with pytest.raises(ColumnNotFoundError, match="did you mean 'state'"):
        ds.CoxHazard(FORMULA, lottery, strata="stat")
    with pytest.raises(ColumnNotFoundError, match=r"start=.*did you mean 'start'"):
        ds.CoxHazard(FORMULA, lottery, start="starts")
    with pytest.raises(ColumnNotFoundError, match="did you mean 'state'"):
        ds.CoxHazard(FORMULA, lottery).fit(cluster="stat")


def test_non_binary_event(lottery):
    with pytest.raises(DataValidationError, match="must be 0/1"):
        ds.CoxHazard("religion ~ fiscal", lottery)


def test_stop_not_after_start(lottery):
    bad = lottery.copy()
    bad.loc[bad.index[3], "stop"] = bad.loc[bad.index[3], "start"]
    with pytest.raises(DataValidationError, match="stop <= start"):
        ds.CoxHazard(FORMULA, bad)


def test_nan_raises_or_drops(lottery):
    with pytest.raises(DataValidationError, match="'party': 44"):
        ds.CoxHazard("adopt ~ fiscal + party", lottery)
    with pytest.warns(RowAccountingWarning, match="44 of 901"):
        res = ds.CoxHazard("adopt ~ fiscal + party", lottery, missing="drop").fit()
    assert res.nobs == 901 - 44
    nan_strata = lottery.assign(grp=np.where(lottery.index < 3, np.nan, lottery["statenum"] % 2))
    with pytest.raises(DataValidationError, match="grp"):
        ds.CoxHazard(FORMULA, nan_strata, strata="grp")


def test_cluster_with_missing_values(lottery):
    bad = lottery.assign(state=lottery["state"].where(lottery.index > 2))
    with pytest.raises(DataValidationError, match="cluster column 'state' has 3 missing"):
        ds.CoxHazard(FORMULA, bad).fit(cluster="state")


def test_strata_one_row_each(lottery):
    with pytest.raises(SpecificationError, match="one row per stratum"):
        ds.CoxHazard(FORMULA, lottery.assign(rowid=np.arange(len(lottery))), strata="rowid")


def test_contradictions_and_bad_options(lottery):
    m = ds.CoxHazard(FORMULA, lottery)
    with pytest.raises(SpecificationError):
        m.fit(cov_type="classical", cluster="state")
    with pytest.raises(SpecificationError):
        m.fit(cov_type="cluster")
    with pytest.raises(SpecificationError, match="ties"):
        ds.CoxHazard(FORMULA, lottery, ties="kalbfleisch")
    with pytest.raises(DataValidationError, match="positive"):
        ds.CoxHazard(FORMULA, lottery.assign(w=0.0), weights="w")
    with pytest.raises(DataValidationError, match="no events"):
        ds.CoxHazard(FORMULA, lottery.assign(adopt=0))
    with pytest.raises(DiffusionStatsError):
        ds.CoxHazard(FORMULA, lottery.to_numpy())


def test_no_warnings_on_clean_fit(lottery):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds.CoxHazard(FORMULA, lottery).fit(cluster="state")


# --- continuous time: expanded pairs vs interval sums, both against R ----------------------
@pytest.fixture(scope="module")
def sim(reference_dir):
    return pd.read_csv(reference_dir / "cox" / "sim_continuous.csv")


@pytest.fixture(params=["pairs", "cumsum"])
def layout(request, monkeypatch):
    from diffusion_stats.survival import _numerics as cn

    if request.param == "cumsum":  # force the interval-sum layout
        monkeypatch.setattr(cn, "PAIRS_PER_ROW", 0)
        monkeypatch.setattr(cn, "MAX_AUTO_PAIRS", 0)
    return request.param


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_continuous_time_layouts_match_r(sim, ref, layout, ties):
    R = ref["sim"][ties]
    m = ds.CoxHazard("event ~ x1 + x2", sim, strata="grp", ties=ties, weights="w")
    assert m._prepared().rs.mode == layout
    res = m.fit(cluster="unit")
    _check_fit(res, R)
    _close(res.naive_std_errors, np.sqrt(np.diag(R["naive_var"])), 1e-5)
    np.testing.assert_allclose(res.residuals("score"), R["resid_score"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.residuals("martingale"), R["resid_martingale"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.cox_zph("km")["chisq"], R["zph_km"]["chisq"], rtol=1e-5)
    bh = res.baseline_hazard()
    np.testing.assert_allclose(bh["hazard"], R["basehaz"]["hazard"], rtol=1e-6)
    assert list(bh["strata"]) == [s.split("=")[-1] for s in R["basehaz"]["strata"]]


def test_continuous_time_exact(sim, ref, layout):
    R = ref["sim"]["exact"]
    res = ds.CoxHazard("event ~ x1 + x2", sim, strata="grp", ties="exact").fit()
    _check_fit(res, R)


def test_cumsum_precision_fallback(sim, monkeypatch):
    from diffusion_stats.survival import _numerics as cn

    base = ds.CoxHazard("event ~ x1 + x2", sim, strata="grp").fit()
    monkeypatch.setattr(cn, "PAIRS_PER_ROW", 0)
    monkeypatch.setattr(cn, "MAX_AUTO_PAIRS", 0)
    # one early-leaving row with a risk score e^200 times the others': interval sums would
    # cancel catastrophically, so the fit falls back to the expanded risk sets
    bad = sim.copy()
    i = bad["stop"].idxmin()
    bad.loc[i, "x1"] = 400.0
    bad.loc[i, "event"] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ds.CoxHazard("event ~ x1 + x2", bad, strata="grp").fit()
    assert res.state.risk_sets.mode == "pairs"
    assert np.all(np.isfinite(res.params))
    assert base.state.risk_sets.mode == "pairs"


def test_many_covariates_without_outer_product_cache(sim, layout, monkeypatch):
    from diffusion_stats.survival import _numerics as cn

    sim = sim.assign(x3=sim["x1"] ** 2, x4=sim["x1"] * sim["x2"], x5=np.sin(sim["stop"]))
    f = "event ~ x1 + x2 + x3 + x4 + x5"
    a = ds.CoxHazard(f, sim, strata="grp", weights="w").fit(cluster="unit")
    monkeypatch.setattr(cn, "XX_MAX_CELLS", 0)
    b = ds.CoxHazard(f, sim, strata="grp", weights="w").fit(cluster="unit")
    _close(b.params, a.params, 1e-10)
    _close(b.std_errors, a.std_errors, 1e-10)
