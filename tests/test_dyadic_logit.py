"""ds.DyadicLogit against R (glm + sandwich + the dyadic estimator written out in R) on a
directed-dyad design built from SPID (six policies) with the DHB (2015) inferred network
as a by-year dyadic covariate and statehood year as a monadic covariate.

Reference values: tests/reference/logit/make_reference.R -> reference.json (the R script
builds the design independently, with loops, and stores its key counts).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import diffusion_stats as ds
from diffusion_stats.binary._glm import fit_binary_glm, glm_cov, glm_scores
from diffusion_stats.inference.covariance import dyadic_meat

RTOL_B, RTOL_SE = 1e-6, 1e-5


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "logit" / "reference.json").read_text())


@pytest.fixture(scope="module")
def design(shared_data, ref):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        ad, meta = ds.datasets.load_spid()
    pols = ref["dyad_policies"]
    st = pd.read_csv(shared_data / "dhb2015" / "mkdata-network02-statehood.tab", sep="\t")
    net = pd.read_csv(shared_data / "dhb2015" / "dhb2015apsr-networks.csv")
    name = dict(zip(st["state"], st["statenam"], strict=True))
    net = pd.DataFrame({"unit": net["state_01"].map(name), "partner": net["state_02"].map(name),
                        "year": net["year"], "tie": net["src_35_300"]})
    net = net[net["unit"] != net["partner"]]
    cov = pd.DataFrame({"unit": st["statenam"], "yrstatehd": st["yrstatehd"]})
    d = ds.dyads(ad[ad["policy"].isin(pols)], windows=meta[meta["policy"].isin(pols)], sources="all",
                 units=sorted(ad["unit"].unique()), dyad_covariates=net, covariates=cov)
    d["statehood_c"] = (d["unit_yrstatehd"].astype(float) - 1850) / 100
    return d


def test_design_counts_equal_R(design, ref):
    c = ref["dyad_counts"]
    d = design
    assert len(d) == c["n"]
    assert d["event"].sum() == c["events_dyad"]
    assert d["partner_adopted"].sum() == c["partner_adopted"]
    assert d["tie"].sum() == c["tie"] and d["tie"].isna().sum() == c["tie_missing"]
    assert d["years_since_partner_adopted"].sum() == c["sum_years_since"]
    acc = ds.accounting(d)
    assert acc.counts["monadic rows at risk"] == c["monadic_rows"]
    assert acc.counts["monadic events"] == c["monadic_events"]
    assert acc.counts["dyads without a covariate match"]["dyad_covariates[0]"] == 0


@pytest.mark.parametrize("kw,key", [
    ({}, "classical"),
    ({"cov_type": "robust"}, "HC0"),
    ({"cov_type": "robust", "small_sample": "HC1"}, "HC1"),
    ({"cluster": "unit"}, "CL_unit"),
    ({"cluster": ["unit", "partner"]}, "CL_unit_partner"),
    ({"cluster": ["unit", "partner"], "small_sample": "HC1"}, "CL_unit_partner_HC1"),
    ({"cov_type": "dyadic"}, "dyadic"),
])
def test_logit_variances_equal_R(design, ref, kw, key):
    r = ref["dyad_logit"]
    res = ds.DyadicLogit("event ~ partner_adopted * tie + statehood_c", design).fit(**kw)
    np.testing.assert_allclose(res.params, r["coef"], rtol=RTOL_B)
    np.testing.assert_allclose(res.std_errors, r[key], rtol=RTOL_SE)
    assert res.loglik == pytest.approx(r["loglik"], rel=1e-9)
    if key == "dyadic":
        k = len(r["coef"])
        Vr = np.array(r["dyadic_cov"]).reshape(k, k, order="F")
        scale = np.sqrt(np.outer(np.diag(Vr), np.diag(Vr)))
        assert np.max(np.abs(res.cov.to_numpy() - Vr) / scale) < 1e-5
        assert not res.not_psd and res.info["Units (dyadic)"] == 50


def test_probit_dyadic_equals_R(design, ref):
    r = ref["dyad_probit"]
    res = ds.DyadicLogit("event ~ partner_adopted + tie", design, link="probit").fit(cov_type="dyadic")
    np.testing.assert_allclose(res.params, r["coef"], rtol=RTOL_B)
    np.testing.assert_allclose(res.std_errors, r["dyadic"], rtol=RTOL_SE)


def test_dyadic_equals_R_brute_force(design, ref):
    """R computed this one as S' C S with C the n x n 'rows share a unit' matrix."""
    r = ref["dyad_brute"]
    pol = ref["dyad_policies"][0]
    first = design.loc[design["policy"] == pol, "year"].min()
    sub = design[(design["policy"] == pol) & (design["year"] < first + 4)].reset_index(drop=True)
    assert len(sub) == r["n"] and sub["event"].sum() == r["events"]
    res = ds.DyadicLogit("event ~ partner_adopted + tie", sub).fit(cov_type="dyadic")
    np.testing.assert_allclose(res.params, r["coef"], rtol=RTOL_B)
    np.testing.assert_allclose(res.std_errors, r["dyadic"], rtol=RTOL_SE)


def _pairwise_meat(S, u, p):
    n = len(u)
    M = np.zeros((S.shape[1], S.shape[1]))
    for a in range(n):
        for b in range(n):
            if {u[a], p[a]} & {u[b], p[b]}:
                M += np.outer(S[a], S[b])
    return M


def test_dyadic_meat_equals_pairwise_sum():
    rng = np.random.default_rng(0)
    units = np.arange(7)
    pairs = np.array([(i, j) for i in units for j in units if i != j])
    rows = pairs[rng.integers(0, len(pairs), 150)]
    u, p = rows[:, 0], rows[:, 1]
    X = np.column_stack([np.ones(150), rng.normal(size=150), rng.integers(0, 2, 150)])
    y = (rng.random(150) < 0.35).astype(float)
    fit = fit_binary_glm(y, X)
    S = glm_scores(y, X, fit)
    np.testing.assert_allclose(dyadic_meat(S, u, p), _pairwise_meat(S, u, p), rtol=1e-10, atol=1e-12)
    V, facts = glm_cov(y, X, fit, "dyadic", unit_codes=u, partner_codes=p)
    np.testing.assert_allclose(V, fit.cov_unscaled @ _pairwise_meat(S, u, p) @ fit.cov_unscaled, rtol=1e-10)
    import diffusion_stats.inference.covariance as cv

    old = cv._DENSE_PAIRS
    try:  # the path for many units (pair codes by factorisation)
        cv._DENSE_PAIRS = 0
        V2, _ = glm_cov(y, X, fit, "dyadic", unit_codes=u, partner_codes=p)
    finally:
        cv._DENSE_PAIRS = old
    np.testing.assert_allclose(V2, V, rtol=1e-12)
    Ssp = glm_scores(y, sparse.csr_matrix(X), fit)  # sparse scores (duration dummies)
    np.testing.assert_allclose(cv.dyadic_meat_rows(Ssp, u, p, 7), _pairwise_meat(S, u, p), rtol=1e-10, atol=1e-12)
    # via the public model, with string labels and a relabelling/permutation invariance
    lab = np.array(list("ABCDEFG"))
    df = pd.DataFrame({"unit": lab[u], "partner": lab[p], "x": X[:, 1], "z": X[:, 2], "event": y})
    res = ds.DyadicLogit("event ~ x + z", df).fit(cov_type="dyadic")
    np.testing.assert_allclose(res.cov.to_numpy(), V, rtol=1e-9)
    df2 = df.sample(frac=1, random_state=1).reset_index(drop=True)
    df2[["unit", "partner"]] = df2[["unit", "partner"]].replace(dict(zip(lab, lab[::-1], strict=True)))
    res2 = ds.DyadicLogit("event ~ x + z", df2).fit(cov_type="dyadic")
    np.testing.assert_allclose(res2.std_errors, res.std_errors, rtol=1e-8)


def test_not_psd_flagged():
    """Few units, many terms: the dyadic matrix can fail the eigenvalue check."""
    rng = np.random.default_rng(3)
    found = False
    for _ in range(40):
        u = rng.integers(0, 3, 60)
        p = (u + rng.integers(1, 3, 60)) % 3
        df = pd.DataFrame({"unit": u.astype(str), "partner": p.astype(str), "event": rng.integers(0, 2, 60)})
        for c in "abcde":
            df[c] = rng.normal(size=60)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            res = ds.DyadicLogit("event ~ a + b + c + d + e", df).fit(cov_type="dyadic")
        if res.not_psd:
            assert any("not positive definite" in str(x.message) for x in w)
            assert "not positive definite" in str(res.summary())
            found = True
            break
    assert found


def test_errors(design):
    m = ds.DyadicLogit("event ~ partner_adopted", design)
    with pytest.raises(ds.SpecificationError, match="contradicts"):
        m.fit(cov_type="dyadic", cluster="unit")
    with pytest.raises(ds.SpecificationError, match="small_sample"):
        m.fit(cov_type="dyadic", small_sample="HC1")
    bad = design[design["policy"] == design["policy"].iloc[0]].astype({"unit": str, "partner": str})
    bad = bad.reset_index(drop=True)
    bad.loc[0, "partner"] = bad.loc[0, "unit"]
    with pytest.raises(ds.DataValidationError, match="pair a unit with itself"):
        ds.DyadicLogit("event ~ partner_adopted", bad).fit(cov_type="dyadic")
    with pytest.raises(ds.ColumnNotFoundError, match="partner"):
        ds.DyadicLogit("event ~ partner_adopted", design, partner="source")


def test_warm_start_gives_the_same_fit(design, monkeypatch):
    """Large data start IRLS from a subsample fit; the optimum must not change."""
    import diffusion_stats.binary._glm as glm

    cold = ds.DyadicLogit("event ~ partner_adopted * tie + statehood_c", design).fit(cov_type="dyadic")
    monkeypatch.setattr(glm, "_WARM_N", 50_000)
    warm = ds.DyadicLogit("event ~ partner_adopted * tie + statehood_c", design).fit(cov_type="dyadic")
    np.testing.assert_allclose(warm.params, cold.params, rtol=1e-9)
    np.testing.assert_allclose(warm.std_errors, cold.std_errors, rtol=1e-8)
    assert warm.iterations < cold.iterations
