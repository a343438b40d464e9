"""ds.EventLogit against R glm + sandwich on the Berry & Berry (1990) lottery risk set.

Reference values: tests/reference/logit/make_reference.R -> reference.json.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers import lottery_complete_cases

import diffusion_stats as ds
from diffusion_stats.binary.event_logit import natural_spline_basis

RTOL_B, RTOL_SE = 1e-6, 1e-5
F = "adopt ~ elect1 + elect2 + income1 + fiscal + party + religion + neighbor"


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "logit" / "reference.json").read_text())


@pytest.fixture(scope="module")
def lottery(shared_data):
    df = lottery_complete_cases(shared_data)
    df["t"] = df["year"] - 63
    return df


def close(a, b, rtol):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=0)


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
def test_lottery_all_variances_match_R(lottery, ref, link):
    r = ref[f"lottery_{link}"]
    assert len(lottery) == ref["lottery_n"] and lottery["adopt"].sum() == ref["lottery_events"]
    m = ds.EventLogit(F, lottery, link=link)
    res = m.fit()
    close(res.params, r["coef"], RTOL_B)
    close(res.std_errors, r["classical"], RTOL_SE)
    assert res.loglik == pytest.approx(r["loglik"], rel=1e-9)
    assert res.deviance == pytest.approx(r["deviance"], rel=1e-9)
    assert res.nobs == r["nobs"] and res.converged
    cases = [
        ({"cov_type": "robust"}, "HC0"),
        ({"cov_type": "robust", "small_sample": "HC1"}, "HC1"),
        ({"cluster": "state"}, "CL_state"),
        ({"cluster": "state", "small_sample": "HC1"}, "CL_state_HC1"),
        ({"cluster": ["state", "year"]}, "CL_state_year"),
        ({"cov_type": "cluster", "cluster": ["state", "year"], "small_sample": "HC1"}, "CL_state_year_HC1"),
    ]
    for kw, key in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ds.DiffusionStatsWarning)
            out = m.fit(**kw)
        close(out.params, r["coef"], RTOL_B)
        close(out.std_errors, r[key], RTOL_SE)
    k = len(r["coef"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.DiffusionStatsWarning)
        two = m.fit(cluster=["state", "year"])
    V, Vr = two.cov.to_numpy(), np.array(r["CL_state_year_cov"]).reshape(k, k, order="F")
    scale = np.sqrt(np.outer(np.abs(np.diag(Vr)), np.abs(np.diag(Vr))))
    assert np.max(np.abs(V - Vr) / scale) < 1e-5  # elementwise, relative to the diagonal scale
    assert two.n_clusters == (lottery["state"].nunique(), lottery["year"].nunique())
    assert two.cov.shape == (k, k)


def test_cubic_duration(lottery, ref):
    res = ds.EventLogit(F, lottery, duration="cubic", clock="t").fit()
    close(res.params, ref["lottery_cubic"]["coef"], RTOL_B)
    close(res.std_errors, ref["lottery_cubic"]["classical"], RTOL_SE)
    assert list(res.params.index[-3:]) == ["t", "t^2", "t^3"]
    cl = ds.EventLogit(F, lottery, duration="cubic", clock="t").fit(cluster="state")
    close(cl.std_errors, ref["lottery_cubic"]["CL_state"], RTOL_SE)
    cc = ds.EventLogit(F, lottery, duration="cubic", clock="t", link="cloglog").fit(cov_type="robust")
    close(cc.params, ref["lottery_cubic_cloglog"]["coef"], RTOL_B)
    close(cc.std_errors, ref["lottery_cubic_cloglog"]["HC0"], RTOL_SE)


def test_spline_duration_equals_R_ns(lottery, ref):
    r = ref["lottery_spline"]
    res = ds.EventLogit(F, lottery, duration="spline", clock="t", spline_df=4).fit(cov_type="robust")
    close(res.params, r["coef"], RTOL_B)
    close(res.std_errors, r["HC0"], RTOL_SE)
    assert res.info["spline knots"] == ", ".join(f"{v:g}" for v in r["knots"])
    # explicit knots give the same fit
    res2 = ds.EventLogit(F, lottery, duration="spline", clock="t", knots=r["knots"]).fit()
    close(res2.params, r["coef"], RTOL_B)


def test_natural_spline_basis_equals_R(ref):
    r = ref["ns_basis"]
    B = natural_spline_basis(np.array(r["x"], dtype=float), np.array(r["knots"]), tuple(r["boundary"]))
    np.testing.assert_allclose(B, np.array(r["basis"]).reshape(B.shape, order="F"), rtol=1e-10, atol=1e-13)


def test_dummies_duration(lottery, ref):
    r = ref["lottery_dummies"]
    sub = lottery[lottery["t"].isin(r["t_values"])].reset_index(drop=True)
    assert len(sub) == r["n"]
    res = ds.EventLogit(F, sub, duration="dummies", clock="t").fit(cov_type="robust")
    close(res.params, r["coef"], RTOL_B)
    close(res.std_errors, r["HC0"], RTOL_SE)
    assert res.info["duration reference"] == "t = 1"


def test_dummies_without_events_flag_separation(lottery):
    with pytest.warns(ds.SeparationWarning, match="t\\[2\\]"):
        res = ds.EventLogit(F, lottery, duration="dummies", clock="t").fit()
    assert "t[2]" in res.separation and "t[1]" not in res.separation
    assert "separation" in str(res.summary())


def test_complete_separation_detected():
    df = pd.DataFrame({"x": np.r_[np.zeros(20), np.ones(20)], "z": np.arange(40.0) % 7})
    df["event"] = (df["x"] > 0).astype(int)
    with pytest.warns(ds.SeparationWarning):
        res = ds.EventLogit("event ~ x + z", df).fit()
    assert "x" in res.separation


def test_errors(lottery):
    bad = lottery.assign(adopt=lottery["adopt"] * 2)
    with pytest.raises(ds.DataValidationError, match="must be 0/1"):
        ds.EventLogit(F, bad)
    with pytest.raises(ds.DataValidationError, match="is 0 in every"):
        ds.EventLogit(F, lottery.assign(adopt=0))
    with pytest.raises(ds.ColumnNotFoundError, match="did you mean 'religion'"):
        ds.EventLogit("adopt ~ religon", lottery)
    with pytest.raises(ds.ColumnNotFoundError, match="clock column 'stop'"):
        ds.EventLogit(F, lottery, duration="cubic")
    with pytest.raises(ds.InputError, match="link="):
        ds.EventLogit(F, lottery, link="loglog")
    with pytest.raises(ds.InputError, match="duration="):
        ds.EventLogit(F, lottery, duration="quartic", clock="t")
    m = ds.EventLogit(F, lottery)
    with pytest.raises(ds.SpecificationError, match="not available"):
        m.fit(cov_type="dyadic")
    with pytest.raises(ds.SpecificationError, match="contradicts"):
        m.fit(cov_type="robust", cluster="state")
    with pytest.raises(ds.ColumnNotFoundError, match="stat"):
        m.fit(cluster="stat")
    with pytest.raises(ds.InputError, match="hc_type"):
        m.fit(cov_type="robust", hc_type="HC3")
    with pytest.raises(ds.SpecificationError, match="collinear"):
        ds.EventLogit("adopt ~ elect1 + I(2 * elect1)", lottery).fit()
    holes = lottery.assign(party=np.where(lottery.index < 3, np.nan, lottery["party"]))
    with pytest.raises(ds.DataValidationError, match="missing values"):
        ds.EventLogit("adopt ~ party", holes)
    with pytest.warns(ds.RowAccountingWarning, match="3 of"):
        assert ds.EventLogit("adopt ~ party", holes, missing="drop").nobs == len(lottery) - 3


def test_invariances(lottery):
    base = ds.EventLogit(F, lottery).fit(cluster="state")
    perm = lottery.sample(frac=1, random_state=3).reset_index(drop=True)
    res = ds.EventLogit(F, perm).fit(cluster="state")
    close(res.params, base.params, 1e-9)
    close(res.std_errors, base.std_errors, 1e-8)
    relab = lottery.assign(state=lottery["state"].map(lambda s: f"S{s}"))
    res2 = ds.EventLogit(F, relab).fit(cluster="state")
    close(res2.std_errors, base.std_errors, 1e-10)


def test_results_interface(lottery):
    res = ds.EventLogit(F, lottery, link="cloglog").fit(cov_type="robust")
    ci = res.conf_int()
    assert list(ci.columns) == ["lower", "upper"] and (ci["lower"] < ci["upper"]).all()
    assert (res.pvalues > 0).all() and res.cov_type == "robust"
    txt = str(res.summary())
    assert "EventLogit" in txt and "cloglog" in txt and "Events" in txt
    assert "\\toprule" in res.to_latex()
    assert res.fitted_values.shape == (len(lottery),)
    assert res.aic == pytest.approx(res.deviance + 2 * len(res.params))


def test_sparse_dummies_equal_dense_factor_coding(lottery):
    """duration='dummies' builds a sparse design; the same model via a dense C(t) term agrees."""
    sub = lottery[lottery["t"].isin(lottery.loc[lottery["adopt"] == 1, "t"].unique())].reset_index(drop=True)
    sparse_m = ds.EventLogit(F, sub, duration="dummies", clock="t")
    dense_m = ds.EventLogit(F + " + C(t)", sub)
    for kw in ({}, {"cov_type": "robust", "small_sample": "HC1"}, {"cluster": "state"}, {"cluster": ["state", "year"]}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ds.DiffusionStatsWarning)
            a, b = sparse_m.fit(**kw), dense_m.fit(**kw)
        np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(a.std_errors.to_numpy(), b.std_errors.to_numpy(), rtol=1e-8)


@pytest.mark.slow  # > 10 s
def test_on_event_history_panel_default_time(shared_data):
    """The default clock='stop' column of ds.event_history drives the duration terms."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ad, meta = ds.datasets.load_spid()
        pols = meta["policy"].iloc[:60]
        panel = ds.event_history(ad[ad["policy"].isin(pols)], windows=meta[meta["policy"].isin(pols)])
    panel["decade"] = (panel["year"] - 1950) / 10
    res = ds.EventLogit("event ~ decade", panel, duration="cubic", link="cloglog").fit(cluster=["policy", "unit"])
    assert list(res.params.index) == ["Intercept", "decade", "stop", "stop^2", "stop^3"]
    assert res.nobs == len(panel) and res.info["Events"] == int(panel["event"].sum())
    assert res.n_clusters == (60 - int((meta["policy"].iloc[:60].isin(panel["policy"]) == 0).sum()),
                              panel["unit"].nunique())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.SeparationWarning)
        dm = ds.EventLogit("event ~ decade", panel, duration="dummies").fit()
    assert dm.params.index[2] == "stop[2]"


def test_rebuild_keeps_constructor_keywords(lottery):
    """The mechanism tools rebuild models from the recorded spec: keywords survive, weights are not doubled."""
    from diffusion_stats.mechanisms._protocol import rebuild

    keep = (lottery["adopt"] == 1) | ((np.arange(len(lottery)) + 1) % 4 == 0)
    sample = lottery[keep].reset_index(drop=True)
    m = ds.EventLogit(F, sample, link="logit", duration="cubic", clock="t", case_control="weight", tau=0.03)
    m2 = rebuild(m)
    np.testing.assert_allclose(m2.fit().params, m.fit().params, rtol=1e-12)
    m3 = rebuild(ds.EventLogit(F, lottery, link="cloglog", duration="spline", clock="t", spline_df=3),
                 formula=F + " + nbrpercn")
    assert m3.link == "cloglog" and m3.duration == "spline" and "nbrpercn" in m3.exog_names
