"""S-2SLS (SpatialLag(method="s2sls")) in the package's own numerics: coefficients and the
classical / HC0 / cluster variances against AER::ivreg + sandwich (make_s2sls_sandwich.R), and
against linearmodels' IV2SLS where it is installed."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds

RTOL_B = 1e-10  # tighter than the project's 1e-6: observed agreement with ivreg is ~1e-12
RTOL_SE = 1e-10  # tighter than 1e-5: observed ~1e-13


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "spatial" / "s2sls_sandwich.json").read_text())


@pytest.fixture(scope="module")
def sim(reference_dir):
    return pd.read_csv(reference_dir / "fewclusters" / "s2sls_sim.csv")


def _model(sim, **kw):
    return ds.SpatialLag("y ~ x", sim, ds.Weights.us_borders(), unit="unit", time="year", method="s2sls", **kw)


ORDER = [1, 0, 2]  # R: (Intercept), Wy, x -> rho, Intercept, x


def _R(ref, key):
    return np.asarray(ref[key])[np.ix_(ORDER, ORDER)]


@pytest.mark.parametrize("kw,key", [
    ({}, "vcov"),
    ({"cov_type": "robust"}, "HC0"),
    ({"cluster": "unit"}, "CL_HC1"),
    ({"cluster": "unit", "small_sample": "HC1"}, "CL_HC1"),
    ({"cluster": "unit", "small_sample": "CR1"}, "CL_HC0"),
    ({"cluster": "unit", "small_sample": True}, "CL_HC0"),
    ({"cluster": "unit", "small_sample": "none"}, "CL_none"),
])
def test_s2sls_variances_equal_ivreg_sandwich(sim, ref, kw, key):
    r = _model(sim).fit(**kw)
    assert list(r.params.index) == ["rho", "Intercept", "x"]
    np.testing.assert_allclose(r.params.to_numpy(), np.asarray(ref["coef"])[ORDER], rtol=RTOL_B)
    # the whole matrix, at 1e-9 relative to its largest entry (the R values carry 15 digits)
    V, VR = r.cov.to_numpy(), _R(ref, key)
    np.testing.assert_allclose(V, VR, rtol=0, atol=1e-9 * np.abs(VR).max())
    np.testing.assert_allclose(r.std_errors.to_numpy(), np.sqrt(np.diag(VR)), rtol=RTOL_SE)
    if "cluster" in kw:
        assert r.n_clusters == (ref["n_clusters"],)


def test_s2sls_sigma2_is_ssr_over_n_minus_k(sim, ref):
    r = _model(sim).fit()
    np.testing.assert_allclose(r.sigma2, ref["sigma2"], rtol=1e-9)
    u = r.residuals().to_numpy()
    assert r.sigma2 == pytest.approx(float(u @ u) / (ref["n"] - ref["k"]), rel=1e-12)


def test_first_stage_summary_equals_lm_anova(sim, ref):
    fs = _model(sim).fit().first_stage
    assert isinstance(fs, pd.DataFrame) and list(fs.index) == ["rho"]
    f = ref["first_stage"]
    row = fs.loc["rho"]
    for col in ("r2", "partial_r2", "F"):
        np.testing.assert_allclose(row[col], f[col], rtol=1e-9)
    assert row["df_num"] == f["df_num"] and row["df_den"] == f["df_den"]
    assert 0 <= row["pvalue"] < 1e-10  # strong instruments in this design


def test_row_order_invariance(sim):
    a = _model(sim).fit(cluster="unit")
    b = _model(sim.sample(frac=1.0, random_state=2).reset_index(drop=True)).fit(cluster="unit")
    np.testing.assert_allclose(b.params.to_numpy(), a.params.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.cov.to_numpy(), a.cov.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize("effects", [None, "unit", "twoway"])
@pytest.mark.parametrize("formula", ["y ~ x", "y ~ x + z"])
def test_s2sls_equals_linearmodels(sim, effects, formula):
    iv = pytest.importorskip("linearmodels.iv")
    d = sim.assign(z=np.random.default_rng(5).normal(size=len(sim)), g=sim["unit"].str[:1])
    m = ds.SpatialLag(formula, d, ds.Weights.us_borders(), unit="unit", time="year", effects=effects,
                      method="s2sls")
    st = m.fit().state
    H = st.instruments
    idx = pd.RangeIndex(len(st.yt))
    mod = iv.IV2SLS(pd.Series(st.yt, index=idx), pd.DataFrame(st.Xt, index=idx) if st.Xt.shape[1] else None,
                    pd.Series(st.Wyt, index=idx, name="rho"), pd.DataFrame(H, index=idx))
    n, k = len(st.yt), 1 + st.Xt.shape[1]
    absorbed = n - m._m
    codes = pd.Series(pd.factorize(d.loc[st.index, "g"])[0], index=idx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = [({}, mod.fit(cov_type="unadjusted", debiased=True), (n - k) / (n - k - absorbed)),
                 ({"cov_type": "robust"}, mod.fit(cov_type="robust", debiased=False), 1.0),
                 ({"cluster": "g"}, mod.fit(cov_type="clustered", clusters=codes, debiased=True), 1.0)]
        for kw, lm, scale in cases:
            r = m.fit(**kw)
            order = ["rho"] + [c for c in lm.params.index if c != "rho"]
            np.testing.assert_allclose(r.params.to_numpy(), lm.params[order].to_numpy(), rtol=1e-10)
            np.testing.assert_allclose(r.cov.to_numpy(), lm.cov.loc[order, order].to_numpy() * scale,
                                       rtol=1e-9, atol=1e-14)


def test_robust_small_sample_other_than_none_raises(sim):
    with pytest.raises(ds.SpecificationError, match="small_sample"):
        _model(sim).fit(cov_type="robust", small_sample="HC1")
