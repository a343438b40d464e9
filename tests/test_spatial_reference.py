"""SpatialLag, Moran and LM tests against spatialreg / spdep on real data.

Reference values: tests/reference/spatial/make_reference.R (see its header for the data:
CSP state cross-section 2010 and state-year panel 2000-2010 with the bundled US borders;
COW NMC country cross-section 2012 with COW land contiguity).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats.spatial.lag import SpatialLag

REF_RTOL_EST = 1e-6
REF_RTOL_SE = 1e-5

CSP_VARS = ["taxes_inc", "pc_inc_ann", "nonwhite", "pop_annual"]  # as conftest.CSP_SPATIAL_VARS


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "spatial" / "reference.json").read_text())


@pytest.fixture(scope="module")
def us_W():
    from diffusion_stats.core.bundled import bundled_path

    b = pd.read_csv(bundled_path("us_state_borders.csv"))
    b = b[~b["corner_only"].astype(bool) & (b["state1"] != "DC") & (b["state2"] != "DC")]
    return ds.Weights.from_edges(b, source="state1", target="state2", symmetric=True, name="US rook")


@pytest.fixture(scope="module")
def csp_wide(csp_extracts):
    """CSP variables, all states, 2000-2010 (conftest reads CSP once per session)."""
    wide = csp_extracts["states_2000_2010"].copy()
    wide["year"] = wide["year"].astype(int)
    wide["lincome"] = np.log(wide["pc_inc_ann"])
    wide["lpop"] = np.log(wide["pop_annual"])
    return wide


@pytest.fixture(scope="module")
def csp_panel(csp_wide, us_W):
    """48 contiguous states x 2000-2010."""
    wide = csp_wide[csp_wide["st"].isin(us_W.labels)].copy()
    wide = wide[["year", "st", "taxes_inc", "lincome", "nonwhite", "lpop"]].sort_values(["year", "st"])
    assert len(wide) == 48 * 11 and wide.notna().all().all()
    return wide.reset_index(drop=True)


@pytest.fixture(scope="module")
def country(shared_data):
    import pyreadr

    nmc = next(iter(pyreadr.read_r(str(shared_data / "cow" / "cow_nmc.rda")).values()))
    cd = next(iter(pyreadr.read_r(str(shared_data / "cow" / "cow_contdir.rda")).values()))
    nmc = nmc[nmc["year"] == 2012]
    nmc = nmc.dropna(subset=["milex", "tpop", "upop", "pec"])
    nmc = nmc[(nmc["milex"] > 0) & (nmc["tpop"] > 0) & (nmc["upop"] > 0) & (nmc["pec"] > 0)]
    cd = cd[(cd["conttype"] == 1) & (pd.to_datetime(cd["stdate"]) <= "2012-12-31")
            & (pd.to_datetime(cd["enddate"]) >= "2012-01-01")]
    codes = set(nmc["ccode"].astype(int))
    while True:  # drop countries without a land neighbour in the sample, repeatedly
        e = cd[cd["ccode1"].astype(int).isin(codes) & cd["ccode2"].astype(int).isin(codes)]
        has = set(e["ccode1"].astype(int)) | set(e["ccode2"].astype(int))
        if has >= codes:
            break
        codes &= has
    e = e[["ccode1", "ccode2"]].astype(int).astype(str).drop_duplicates()
    W = ds.Weights.from_edges(e, source="ccode1", target="ccode2", symmetric=True, name="COW land")
    d = nmc[nmc["ccode"].astype(int).isin(codes)].copy()
    d["unit"] = d["ccode"].astype(int).astype(str)
    d["lmilex_pc"] = np.log(d["milex"] / d["tpop"])
    d["ltpop"] = np.log(d["tpop"])
    d["lpec_pc"] = np.log(d["pec"] / d["tpop"])
    d["urban"] = d["upop"] / d["tpop"]
    # shuffle rows: matching is by label, never position
    d = d.sample(frac=1.0, random_state=3).reset_index(drop=True)
    return d, W


def _check_lag(res, r, names, *, se=True):
    np.testing.assert_allclose(res.rho, r["rho"], rtol=REF_RTOL_EST)
    beta_r = np.array([r["beta"][k] for k in r["beta"]])
    # beta given rho is a least-squares fit: at R's rho it must agree to rounding
    m = res.model
    b_at_r = np.linalg.lstsq(m._Xt, m._yt - r["rho"] * m._Wyt, rcond=None)[0]
    np.testing.assert_allclose(b_at_r, beta_r, rtol=1e-9)
    # at our rho: R's optimize() stops at tol = 1.5e-8 in rho (ours is Newton-polished), and a
    # coefficient near zero (the state intercept, -0.23) moves by |d beta / d rho| * 1.5e-8;
    # so rtol 1e-6 relative to the coefficient vector's scale, not to each element
    np.testing.assert_allclose(res.params[names].to_numpy(), beta_r, rtol=REF_RTOL_EST,
                               atol=REF_RTOL_EST * np.max(np.abs(beta_r)))
    np.testing.assert_allclose(res.sigma2, r["sigma2"], rtol=REF_RTOL_EST)
    if se:
        np.testing.assert_allclose(res.std_errors["rho"], r["rho_se"], rtol=REF_RTOL_SE)
        np.testing.assert_allclose(res.std_errors[names].to_numpy(), [r["rest_se"][k] for k in r["rest_se"]],
                                   rtol=REF_RTOL_SE)
    np.testing.assert_allclose(res.loglik, r["LL"], rtol=REF_RTOL_EST)


STATE_X = ["Intercept", "lincome", "nonwhite", "lpop"]
FML = "taxes_inc ~ lincome + nonwhite + lpop"


# ----------------------------------------------------------------------------- state cross-section
@pytest.mark.slow
def test_state_cross_section_ml(csp_panel, us_W, ref):
    r = ref["state"]
    cs = csp_panel[csp_panel["year"] == 2010]
    assert sorted(cs["st"]) == r["units"]
    res = SpatialLag(FML, cs, us_W, unit="st").fit()
    assert res.logdet_method == "eigen"
    _check_lag(res, r, STATE_X)
    # full covariance (sigma2, rho, beta) as spatialreg's resvar
    V = np.asarray(r["resvar"])
    np.testing.assert_allclose(res.cov.to_numpy(), V[1:, 1:], rtol=REF_RTOL_SE, atol=1e-12)
    np.testing.assert_allclose(res.sigma2_se ** 2, V[0, 0], rtol=REF_RTOL_SE)
    lr = res.lr_test()
    np.testing.assert_allclose(lr["statistic"], r["LR"], rtol=REF_RTOL_EST)
    np.testing.assert_allclose(lr["loglik"] - lr["statistic"] / 2, lr["loglik_null"], rtol=1e-12)
    np.testing.assert_allclose(res.wald_rho()["statistic"], r["Wald"], rtol=REF_RTOL_SE)
    np.testing.assert_allclose(res.lm_residual["statistic"], r["LMtest"], rtol=REF_RTOL_SE)


@pytest.mark.slow
@pytest.mark.parametrize("logdet", ["LU", "chebyshev", "mc"])
def test_state_cross_section_other_logdets(csp_panel, us_W, ref, logdet):
    r = ref["state"]
    cs = csp_panel[csp_panel["year"] == 2010]
    res = SpatialLag(FML, cs, us_W, unit="st", logdet=logdet).fit()
    assert res.logdet_method == logdet
    if logdet == "LU":  # exact log-determinant: same estimates; SEs from the observed information
        np.testing.assert_allclose(res.rho, r["rho"], rtol=1e-6)
        np.testing.assert_allclose(res.sigma2, r["sigma2"], rtol=1e-6)
        np.testing.assert_allclose(res.loglik, r["LL"], rtol=1e-9)
        np.testing.assert_allclose(res.std_errors["rho"], r["rho_se"], rtol=0.1)
    else:  # approximations: close, not equal
        np.testing.assert_allclose(res.rho, r["rho"], rtol=0.05, atol=0.01)


@pytest.mark.slow
def test_state_impacts(csp_panel, us_W, ref):
    r = ref["state"]["impacts"]
    cs = csp_panel[csp_panel["year"] == 2010]
    res = SpatialLag(FML, cs, us_W, unit="st").fit()
    imp = res.impacts(n_sim=1000, seed=1)
    assert list(imp.index) == r["names"]
    for c in ("direct", "indirect", "total"):
        np.testing.assert_allclose(imp[c].to_numpy(), np.ravel(r[c]), rtol=1e-6)
        # simulated SEs: different random draws from the same distribution (1000 draws: ~5% noise)
        np.testing.assert_allclose(imp[f"se_{c}"].to_numpy(), r[f"se_{c}"], rtol=0.15)
    imp_tr = res.impacts(n_sim=0, method="trace")
    np.testing.assert_allclose(imp_tr["direct"].to_numpy(), np.ravel(r["direct"]), rtol=1e-4)


@pytest.mark.slow
def test_state_durbin(csp_panel, us_W, ref):
    r = ref["state_durbin"]
    cs = csp_panel[csp_panel["year"] == 2010]
    res = SpatialLag(FML, cs, us_W, unit="st", durbin=True).fit()
    coefs = list(r["coefficients"].values())
    np.testing.assert_allclose(res.params.to_numpy(), coefs, rtol=1e-6)
    np.testing.assert_allclose(res.sigma2, r["sigma2"], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors.to_numpy(), [r["rho_se"], *r["rest_se"].values()], rtol=1e-5)
    imp = res.impacts(n_sim=0)
    for c in ("direct", "indirect", "total"):
        np.testing.assert_allclose(imp[c].to_numpy(), np.ravel(r["impacts"][c]), rtol=1e-6)


@pytest.mark.slow
def test_state_s2sls(csp_panel, us_W, ref):
    r = ref["state"]["stsls"]
    cs = csp_panel[csp_panel["year"] == 2010]
    res = SpatialLag(FML, cs, us_W, unit="st", method="s2sls").fit()
    np.testing.assert_allclose(res.params.to_numpy(), list(r["coefficients"].values()), rtol=1e-6)
    np.testing.assert_allclose(res.cov.to_numpy(), np.asarray(r["var"]), rtol=1e-5)
    rob = SpatialLag(FML, cs, us_W, unit="st", method="s2sls").fit(cov_type="robust")
    np.testing.assert_allclose(rob.cov.to_numpy(), np.asarray(r["robust_var"]), rtol=1e-5)


@pytest.mark.slow
def test_state_diagnostics(csp_panel, us_W, ref):
    r = ref["state"]
    cs = csp_panel[csp_panel["year"] == 2010]
    _check_diagnostics(cs, us_W, "st", FML, "taxes_inc", r)


def _check_diagnostics(d, W, unit, fml, yname, r):
    m = ds.moran_test(d, W, unit=unit, column=yname)
    for k, v in (("I", "I"), ("expectation", "expectation"), ("variance", "variance"), ("statistic", "statistic"),
                 ("pvalue", "p_value")):
        np.testing.assert_allclose(getattr(m, k), r["moran_y"][v], rtol=1e-6)
    m = ds.moran_test(d, W, unit=unit, column=yname, randomisation=False)
    np.testing.assert_allclose([m.I, m.variance, m.statistic, m.pvalue],
                               [r["moran_y_normal"][k] for k in ("I", "variance", "statistic", "p_value")], rtol=1e-6)
    m = ds.moran_test(d, W, unit=unit, formula=fml)
    np.testing.assert_allclose([m.I, m.expectation, m.variance, m.statistic, m.pvalue],
                               [np.ravel(r["lm_morantest"][k])[0] for k in ("I", "expectation", "variance",
                                                                            "statistic", "p_value")], rtol=1e-6)
    lm = ds.lm_tests(fml, d, W, unit=unit)
    for name in lm.index:
        np.testing.assert_allclose(lm.loc[name, "statistic"], r["lm_tests"][name]["statistic"], rtol=1e-6)
        np.testing.assert_allclose(lm.loc[name, "pvalue"], r["lm_tests"][name]["p_value"], rtol=1e-6)
        assert lm.loc[name, "df"] == r["lm_tests"][name]["df"]


# ----------------------------------------------------------------------------- state panel
@pytest.mark.slow
@pytest.mark.parametrize("effects", ["unit", "time", "twoway"])
def test_state_panel_lee_yu(csp_panel, us_W, ref, effects):
    r = ref["panel"][effects]
    res = SpatialLag(FML, csp_panel, us_W, unit="st", time="year", effects=effects).fit()
    _check_lag(res, r, STATE_X[1:])
    assert res.nobs == 528


@pytest.mark.slow
def test_state_panel_pooled(csp_panel, us_W, ref):
    r = ref["panel"]["pooled"]
    res = SpatialLag(FML, csp_panel, us_W, unit="st", time="year").fit()
    _check_lag(res, r, STATE_X)


@pytest.mark.slow
def test_time_varying_network_panel(csp_wide, shared_data, ref):
    """50 states x 2000-2009 with W_t = the DHB (2015) inferred diffusion network of each year."""
    r = ref["panel_tv"]
    net = pd.read_csv(shared_data / "dhb2015" / "dhb2015apsr-networks.csv")
    net = net[net["year"].between(2000, 2009) & (net["src_35_300"] == 1) & (net["state_01"] != net["state_02"])]
    states = sorted(set(net["state_01"]) | set(net["state_02"]))
    assert len(states) == 50
    W = ds.Weights.from_dyads(net, unit1="state_02", unit2="state_01", year="year", units=states,
                              name="NetInf 35/300")
    assert W.is_time_varying
    d = csp_wide[csp_wide["st"].isin(states) & (csp_wide["year"] <= 2009)]
    d = d.sample(frac=1.0, random_state=0)  # row order must not matter
    res = SpatialLag(FML, d, W, unit="st", time="year").fit()
    assert res.n_isolates == r["n_isolates"]
    # rho is ~ -0.008 here: R's optimize() tolerance (1.5e-8, absolute in effect) is ~2e-6 of it
    np.testing.assert_allclose(res.rho, r["rho"], rtol=0, atol=1e-7)
    m = res.model
    beta_r = np.array(list(r["beta"].values()))
    np.testing.assert_allclose(np.linalg.lstsq(m._Xt, m._yt - r["rho"] * m._Wyt, rcond=None)[0], beta_r, rtol=1e-9)
    np.testing.assert_allclose(res.params[STATE_X].to_numpy(), beta_r, rtol=1e-6)
    np.testing.assert_allclose(res.sigma2, r["sigma2"], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors.to_numpy(), [r["rho_se"], *r["rest_se"].values()], rtol=1e-5)
    np.testing.assert_allclose(res.loglik, r["LL"], rtol=1e-9)


# ----------------------------------------------------------------------------- countries
def test_country_cross_section(country, ref):
    d, W = country
    r = ref["country"]
    assert sorted(d["unit"], key=int) == r["units"]
    fml = "lmilex_pc ~ ltpop + lpec_pc + urban"
    res = SpatialLag(fml, d, W, unit="unit").fit()
    _check_lag(res, r, ["Intercept", "ltpop", "lpec_pc", "urban"])
    np.testing.assert_allclose(res.lr_test()["statistic"], r["LR"], rtol=1e-6)
    imp = res.impacts(n_sim=0)
    for c in ("direct", "indirect", "total"):
        np.testing.assert_allclose(imp[c].to_numpy(), np.ravel(r["impacts"][c]), rtol=1e-6)
    st = SpatialLag(fml, d, W, unit="unit", method="s2sls").fit()
    np.testing.assert_allclose(st.params.to_numpy(), list(r["stsls"]["coefficients"].values()), rtol=1e-6)
    np.testing.assert_allclose(st.cov.to_numpy(), np.asarray(r["stsls"]["var"]), rtol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check_diagnostics(d, W, "unit", fml, "lmilex_pc", r)


def test_country_lu_matches_spatialreg_matrix(country, ref):
    """Sparse LU log-determinant vs lagsarlm(method="Matrix") (sparse Cholesky).

    For n <= 1500 both report the analytical asymptotic variance (spatialreg's small_asy).
    """
    d, W = country
    r = ref["country"]["matrix_method"]
    res = SpatialLag("lmilex_pc ~ ltpop + lpec_pc + urban", d, W, unit="unit", logdet="LU").fit()
    np.testing.assert_allclose(res.rho, r["rho"], rtol=1e-6)
    np.testing.assert_allclose(res.loglik, r["LL"], rtol=1e-9)
    se_r = np.r_[r["rho_se"], list(r["rest_se"].values())]
    np.testing.assert_allclose(res.std_errors.to_numpy(), se_r, rtol=1e-5)


def test_observed_information_is_profile_hessian(country):
    """Large-N variance (observed information) = inverse Hessian of the profile likelihood."""
    from diffusion_stats.spatial import _numerics as num

    d, W = country
    res = SpatialLag("lmilex_pc ~ ltpop + lpec_pc + urban", d, W, unit="unit").fit()
    m = res.model
    lde = num.LogDet(m._layout.blocks, "LU")
    beta = res.params.to_numpy()[1:]
    fit = num.LagFit(rho=res.rho, beta=beta, sigma2=res.sigma2, ssr=0, loglik=0, logdet=0, n_evals=0,
                     at_bound=False)
    V = num.observed_information(fit, m._yt, m._Wyt, m._Xt, lde, m._m)
    ldx = num.LogDet(m._layout.blocks, "eigen")

    def prof(th):
        e = m._yt - th[0] * m._Wyt - m._Xt @ th[1:]
        n = len(e)
        return ldx(th[0]) - n / 2 * np.log(e @ e / n)

    th, k, h = np.r_[res.rho, beta], len(beta) + 1, 1e-4
    H = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            H[i, j] = (prof(th + ei + ej) - prof(th + ei - ej) - prof(th - ei + ej) + prof(th - ei - ej)) / (4 * h * h)
    np.testing.assert_allclose(np.sqrt(np.diag(V))[1:], np.sqrt(np.diag(np.linalg.inv(-H))), rtol=1e-5)


# ----------------------------------------------------------------------------- yearly Moran, event history
def test_yearly_moran_lottery_risk_set(shared_data, us_W, ref):
    """Berry & Berry lottery risk set: yearly Moran's I of adoption and of logit residuals vs spdep."""
    import statsmodels.api as sm

    r = ref["lottery"]
    d = pd.read_csv(shared_data / "dhb2015" / "lottery.tab", sep="\t")
    d["year"] = d["year"] + 1900
    X = sm.add_constant(d[["income1", "fiscal", "elect1"]])
    glm = sm.GLM(d["adopt"], X, family=sm.families.Binomial()).fit(tol=1e-14, maxiter=100)
    np.testing.assert_allclose(glm.params.to_numpy(), list(r["coefficients"].values()), rtol=1e-6)
    d["resid"] = d["adopt"] - glm.fittedvalues
    with pytest.warns(UserWarning, match="constant"):
        out = ds.yearly_moran(d, us_W, column="adopt", unit="state", time="year")
    got = out[out["note"] != "constant"].set_index("year")
    years = [y["year"] for y in r["yearly"]]
    assert list(got.index) == years
    for y in r["yearly"]:  # R writes NaN (negative randomisation variance) as the string "NaN"
        row = got.loc[y["year"]]
        assert row["n"] == y["n"]
        np.testing.assert_allclose([row["I"], row["variance"], row["statistic"], row["pvalue"]],
                                   [float(y[k]) for k in ("I", "variance", "statistic", "p_value")], rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ds.yearly_moran(d, us_W, column="resid", unit="state", time="year").set_index("year")
    for y in r["yearly"]:
        np.testing.assert_allclose([res.loc[y["year"], "I"], res.loc[y["year"], "statistic"]],
                                   [float(y["resid_I"]), float(y["resid_statistic"])], rtol=1e-6)
    assert any(y["n_isolates"] > 0 for y in r["yearly"])  # the isolate (adjust.n) rule is exercised
