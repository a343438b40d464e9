"""Few-cluster inference: CR2/CR3 with Satterthwaite df against R (tests/reference/fewclusters).

Binary GLMs against ``clubSandwich::vcovCR``/``coef_test(test = "Satterthwaite")`` on the
Berry & Berry lottery risk set and a 10-policy SPID subset; Cox against the computation
written out in R from ``residuals.coxph(type = "dfbeta")`` and a loop over the risk sets.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers import lottery_complete_cases, lottery_counting_process

import diffusion_stats as ds
from diffusion_stats.inference import small_sample as ss

RTOL_B, RTOL_SE = 1e-6, 1e-5
F_LOGIT = "adopt ~ elect1 + elect2 + income1 + fiscal + party + religion + neighbor"
F_COX = "adopt ~ fiscal + elect1 + elect2 + income1 + religion + neighbor"


def close(a, b, rtol):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=0)


@pytest.fixture(scope="module")
def ref(reference_dir):
    with open(reference_dir / "fewclusters" / "reference.json") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def lottery(shared_data):
    return lottery_complete_cases(shared_data)


@pytest.fixture(scope="module")
def lottery_cp(shared_data):
    lot = lottery_counting_process(shared_data)
    return lot.dropna(subset=["adopt", "fiscal", "elect1", "elect2", "income1", "religion", "neighbor"])


@pytest.fixture(scope="module")
def spid_sub(shared_data, ref):
    spid = ds.datasets.load_spid(unit="postal")
    # R: sort(unique(policy))[seq(1, 728, length.out = 10)]
    pols = sorted(spid.metadata["policy"].unique())
    keep = [pols[i] for i in np.linspace(1, 728, 10).astype(int) - 1]
    assert keep == ref["spid_logit"]["policies"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        p = ds.event_history(spid.adoptions, windows=spid.metadata[spid.metadata["policy"].isin(keep)])
        p = ds.exposure(p, spid.adoptions, ds.Weights.us_borders(), kind="share", name="share")
    p = p[p["policy"].isin(keep)].reset_index(drop=True)
    p["year2"] = p["year"] - 1900
    assert len(p) == ref["spid_logit"]["nobs"] and p["event"].sum() == ref["spid_logit"]["events"]
    return p


# --------------------------------------------------------------------------- binary GLM
@pytest.mark.parametrize("kind", ["CR2", "CR3"])
def test_logit_lottery_equals_clubsandwich(lottery, ref, kind):
    r = ref["lottery_logit"]
    res = ds.EventLogit(F_LOGIT, lottery).fit(cluster="state", small_sample=kind, tol=1e-14)
    close(res.params, r["coef"], RTOL_B)
    close(res.cov.to_numpy().ravel(order="F"), r[kind]["cov"], RTOL_SE)
    close(res.std_errors, r[kind]["se"], RTOL_SE)
    close(res.df_terms, r[kind]["df"], 1e-6)
    close(res.pvalues, r[kind]["p"], 1e-6)
    assert res.n_clusters == (r["n_clusters"],)
    # intervals use t with the Satterthwaite df
    from scipy import stats
    ci = res.conf_int()
    q = stats.t.ppf(0.975, np.asarray(r[kind]["df"]))
    close(ci["upper"] - res.params, q * np.asarray(r[kind]["se"]), RTOL_SE)
    text = str(res.summary())
    assert kind in text and "Satterthwaite" in text and " df " in text


@pytest.mark.parametrize("kind", ["CR2", "CR3"])
def test_cloglog_prior_weights_equals_clubsandwich(lottery, ref, kind):
    r = ref["lottery_cloglog_w"]
    lot = lottery.assign(w=1 + (np.arange(len(lottery)) + 1) % 3)
    res = ds.EventLogit(F_LOGIT, lot, link="cloglog", weights="w").fit(cluster="state", small_sample=kind,
                                                                       tol=1e-14)
    close(res.params, r["coef"], RTOL_B)
    close(res.std_errors, r[kind]["se"], RTOL_SE)
    close(res.df_terms, r[kind]["df"], 1e-6)


@pytest.mark.parametrize("kind", ["CR2", "CR3"])
def test_logit_spid_subset_equals_clubsandwich(spid_sub, ref, kind):
    r = ref["spid_logit"]
    res = ds.EventLogit("event ~ share + year2", spid_sub).fit(cluster="unit", small_sample=kind, tol=1e-14)
    close(res.params, r["coef"], RTOL_B)
    close(res.std_errors, r[kind]["se"], RTOL_SE)
    close(res.df_terms, r[kind]["df"], 1e-6)
    close(res.pvalues, r[kind]["p"], 1e-5)  # p ~ 1e-3: inherits the SE's relative error x |t| ~ 40


def test_dyadic_logit_takes_small_sample(lottery):
    d = lottery.assign(partner=lottery["state"].shift(1).fillna("XX"))
    d = d[d["state"] != d["partner"]]
    a = ds.DyadicLogit(F_LOGIT, d, unit="state", partner="partner").fit(cluster="state", small_sample="CR3")
    b = ds.EventLogit(F_LOGIT, d).fit(cluster="state", small_sample="CR3")
    close(a.std_errors, b.std_errors, 1e-12)
    close(a.df_terms, b.df_terms, 1e-12)


def test_logit_invariant_to_row_order_and_labels(lottery):
    base = ds.EventLogit(F_LOGIT, lottery).fit(cluster="state", small_sample="CR2")
    perm = lottery.sample(frac=1, random_state=3).reset_index(drop=True)
    perm["state"] = "s" + perm["state"].astype(str)
    other = ds.EventLogit(F_LOGIT, perm).fit(cluster="state", small_sample="CR2")
    close(other.std_errors, base.std_errors, 1e-9)
    close(other.df_terms, base.df_terms, 1e-9)


def test_existing_finite_sample_options_unchanged(lottery):
    a = ds.EventLogit(F_LOGIT, lottery).fit(cluster="state", hc_type="HC1")
    assert a.df_terms is None and a.stat_name == "z"
    with pytest.raises(ds.SpecificationError, match="two finite-sample"):
        ds.EventLogit(F_LOGIT, lottery).fit(cluster="state", hc_type="HC1", small_sample="CR2")


# --------------------------------------------------------------------------- Cox
@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("kind", ["CR2", "CR3"])
def test_cox_lottery_equals_R(lottery_cp, ref, ties, kind):
    r = ref[f"cox_lottery_{ties}"]
    res = ds.CoxHazard(F_COX, lottery_cp, start="start", stop="stop", weights="w", ties=ties).fit(
        cluster="state", small_sample=kind)
    close(res.params, r["coef"], RTOL_B)
    close(res.naive_std_errors, r["naive_se"], RTOL_SE)
    close(res.cov.to_numpy().ravel(order="F"), r[kind]["cov"], RTOL_SE)
    close(res.df_terms, r[kind]["df"], 1e-6)
    assert "Satterthwaite" in str(res.summary()) and "Pr(>|t|)" in str(res.summary())
    # CR1-style plain cluster variance is untouched
    plain = ds.CoxHazard(F_COX, lottery_cp, start="start", stop="stop", weights="w", ties=ties).fit(
        cluster="state")
    close(plain.std_errors, r["CL_se"], RTOL_SE)
    assert plain.df_terms is None


@pytest.mark.parametrize("kind", ["CR2", "CR3"])
def test_cox_spid_subset_strata_equals_R(spid_sub, ref, kind):
    r = ref["cox_spid_efron"]
    res = ds.CoxHazard("event ~ share", spid_sub, start="start", stop="stop", strata="policy",
                       ties="efron").fit(cluster="unit", small_sample=kind)
    close(res.params, r["coef"], RTOL_B)
    close(res.std_errors, r[kind]["se"], RTOL_SE)
    close(res.df_terms, r[kind]["df"], 1e-6)


def test_cox_cluster_information_sums_to_information(lottery_cp):
    """Hand check: the clusters' shares of the information add up to the information."""
    from diffusion_stats.survival import _numerics as cn
    res = ds.CoxHazard(F_COX, lottery_cp, start="start", stop="stop", weights="w", ties="efron").fit()
    P, rs0 = res.state.in_memory()
    e = cn.evaluate(rs0, P.X, P.w, res.params.to_numpy(), efron=True, keep=True)
    from diffusion_stats.inference.covariance import group_codes
    g, G = group_codes(lottery_cp["state"].to_numpy())
    for rs in (rs0, cn.pairs_of(rs0)):
        F = ss.cox_cluster_information(rs, P.X, P.w, e, g, G)
        close(F.sum(axis=0), e.info, 1e-10)
        assert np.all(np.linalg.eigvalsh(F) > -1e-12)


def test_kspace_cr3_is_one_step_jackknife():
    """CR3: M s~_j = (A - F_j)^{-1} s_j, the one-step leave-one-cluster-out change."""
    rng = np.random.default_rng(0)
    F = np.stack([(lambda a: a @ a.T)(rng.normal(size=(3, 5))) for _ in range(6)])
    A = F.sum(0)
    M = np.linalg.inv(A)
    S = rng.normal(size=(6, 3))
    V, _ = ss.kspace_cr(M, S, F, "CR3")
    U = np.stack([np.linalg.solve(A - F[j], S[j]) for j in range(6)])
    close(V, U.T @ U, 1e-10)
    V2, _ = ss.kspace_cr(M, S, F, "CR2")
    B = ss.kspace_adjust(M, F, "CR2")
    for j in range(6):  # B_j^2 = (I - F_j M)^{-1}
        close(B[j] @ B[j], np.linalg.inv(np.eye(3) - F[j] @ M), 1e-9)


# --------------------------------------------------------------------------- errors
def test_errors(lottery, lottery_cp):
    m = ds.EventLogit(F_LOGIT, lottery)
    with pytest.raises(ds.InputError, match="CR2"):
        m.fit(cluster="state", small_sample="CR9")
    with pytest.raises(ds.SpecificationError, match="cov_type='cluster'"):
        m.fit(cov_type="robust", small_sample="CR2")
    with pytest.raises(ds.SpecificationError, match="one-way"):
        m.fit(cluster=["state", "year"], small_sample="CR2")
    with pytest.raises(ds.InputError, match="small_sample"):
        m.fit(cluster="state", small_sample="CR9")
    c = ds.CoxHazard(F_COX, lottery_cp, start="start", stop="stop", ties="exact")
    with pytest.raises(ds.SpecificationError, match="exact"):
        c.fit(cluster="state", small_sample="CR2")


# --------------------------------------------------------------------------- score bootstrap
@pytest.fixture(scope="module")
def divisions():
    from diffusion_stats.core.bundled import bundled_path
    st = pd.read_csv(bundled_path("us_states.csv"))
    return dict(zip(st["postal"], st["division"], strict=True))


def test_score_bootstrap_logit_equals_R_enumeration(lottery, ref, divisions):
    lot = lottery.assign(div=lottery["state"].map(divisions))
    m = ds.EventLogit(F_LOGIT, lot)
    res = m.fit(cluster="div")
    for r in ref["boot_logit"]:
        b = ds.wild_bootstrap(res, r["term"], null=r["null"], conf_int=False)
        assert b.enumerated and b.reps == r["reps"] == 512
        row = b.table.loc[r["term"]]
        close(row["statistic"], r["statistic"], 1e-6)
        assert row["pvalue"] == r["pvalue"]  # exactly: the same sign vectors
        two = ds.wild_bootstrap(res, r["term"], null=r["null"], cluster=["div", "year"], conf_int=False)
        assert two.boot_cluster == "div" and two.n_clusters == (9, 23)
        close(two.table.loc[r["term"], "statistic"], r["twoway_statistic"], 1e-6)
        assert two.table.loc[r["term"], "pvalue"] == r["twoway_pvalue"]


def test_score_bootstrap_cox_equals_R_enumeration(lottery_cp, ref, divisions):
    lot = lottery_cp.assign(div=lottery_cp["state"].map(divisions))
    res = ds.CoxHazard(F_COX, lot, start="start", stop="stop", ties="efron").fit(cluster="div")
    for r in ref["boot_cox"]:
        b = ds.wild_bootstrap(res, r["term"], null=r["null"], conf_int=False)
        row = b.table.loc[r["term"]]
        close(row["statistic"], r["statistic"], 1e-6)
        assert row["pvalue"] == r["pvalue"] and b.reps == r["reps"]


def test_score_bootstrap_confidence_set_and_seed(lottery, divisions):
    lot = lottery.assign(div=lottery["state"].map(divisions))
    res = ds.EventLogit(F_LOGIT, lot).fit(cluster="div")
    b = ds.wild_bootstrap(res, "neighbor")
    lo, hi = b.table.loc["neighbor", ["lower", "upper"]]
    assert lo < res.params["neighbor"] < hi
    # test inversion: just inside the set the test does not reject, just outside it does
    p_in = ds.wild_bootstrap(res, "neighbor", null=lo + 1e-3, conf_int=False).pvalues["neighbor"]
    p_out = ds.wild_bootstrap(res, "neighbor", null=lo - 1e-3, conf_int=False).pvalues["neighbor"]
    assert p_in > 0.05 >= p_out
    w1 = ds.wild_bootstrap(res, "neighbor", weights="webb", reps=999, seed=7, conf_int=False)
    w2 = ds.wild_bootstrap(res, "neighbor", weights="webb", reps=999, seed=7, conf_int=False)
    assert not w1.enumerated and w1.reps == 999
    assert w1.pvalues["neighbor"] == w2.pvalues["neighbor"]
    # draws are sign-symmetric under full enumeration
    d = b.draws["neighbor"]
    close(np.sort(d), np.sort(-d), 1e-12)


def test_bootstrap_errors(lottery):
    res = ds.EventLogit(F_LOGIT, lottery).fit()
    with pytest.raises(ds.SpecificationError, match="needs clusters"):
        ds.wild_bootstrap(res, "neighbor")
    with pytest.raises(ds.InputError, match="not a coefficient"):
        ds.wild_bootstrap(res, "neighbour", cluster="state")
    with pytest.raises(ds.InputError, match="weights="):
        ds.wild_bootstrap(res, "neighbor", cluster="state", weights="mammen")
    with pytest.raises(ds.InputError, match="not found"):
        ds.wild_bootstrap(res, "neighbor", cluster="region")
    with pytest.raises(ds.InputError, match="s2sls"):
        ds.wild_bootstrap(object(), "x")


# --------------------------------------------------------------------------- randomization interval
def test_permutation_randomization_interval():
    W = ds.Weights.us_borders()
    ad = ds.simulate_diffusion(list(W.labels), {"border": W}, effects={"border": 1.0}, start=1990, end=2005,
                               n_policies=6, seed=4)
    ch = [ds.Channel("border", W)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows, units=list(W.labels)), ad, ch)
    m = ds.EventLogit("event ~ border", panel)
    pt = ds.permutation_test(m, ad, ch, n_perm=19, alpha=0.1, progress=False)
    row = pt.table.loc["border"]
    d = np.sort(np.abs(pt.distribution["border"].to_numpy()))[::-1]
    # m = floor(0.1 * 20 - 1) + 1 = 2: the second largest |b*|
    close([row["ri_lower"], row["ri_upper"]], [row["estimate"] - d[1], row["estimate"] + d[1]], 1e-12)
    # inverting by hand: just inside the interval p > alpha, just outside p <= alpha
    def p_of(g0):
        return (1 + np.sum(d >= abs(row["estimate"] - g0))) / 20
    assert p_of(row["ri_upper"] - 1e-9) > 0.1 >= p_of(row["ri_upper"] + 1e-9)
    wide = ds.permutation_test(m, ad, ch, n_perm=9, progress=False).table.loc["border"]
    assert np.isinf(wide["ri_lower"]) and np.isinf(wide["ri_upper"])  # 9 permutations cannot reach 5%
    with pytest.raises(ds.InputError, match="alpha"):
        ds.permutation_test(m, ad, ch, n_perm=9, alpha=2, progress=False)


# --------------------------------------------------------------------------- simulation (fast version)
@pytest.mark.slow
def test_null_channel_simulation_fast():
    """benchmarks/bench_small_sample.py's rejection-rate simulation, few replications."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_small_sample.py"
    spec = importlib.util.spec_from_file_location("bench_small_sample", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    tab = bench.rejection_table(Gs=(10, 20), reps=25, seed=3, boot_reps=199)
    rates = tab[["CR1 (z)", "CR2 + Satterthwaite", "score bootstrap"]]
    assert ((rates >= 0) & (rates <= 1)).all().all()
    assert (tab["CR1 (z)"] >= tab["CR2 + Satterthwaite"]).all()  # CR1: smaller SEs, normal reference
    assert (tab["mean df"] < tab.index.to_numpy()).all()         # Satterthwaite df below G


# --------------------------------------------------------------------------- S-2SLS
@pytest.mark.parametrize("kind", ["CR2", "CR3"])
def test_s2sls_equals_clubsandwich_ivreg(reference_dir, ref, kind):
    r = ref["s2sls"]
    d = pd.read_csv(reference_dir / "fewclusters" / "s2sls_sim.csv")
    res = ds.SpatialLag("y ~ x", d, ds.Weights.us_borders(), unit="unit", time="year", method="s2sls").fit(
        cluster="unit", small_sample=kind)
    order = [r["names"].index(n) for n in ("Wy", "(Intercept)", "x")]  # R: (Intercept), Wy, x
    close(res.params, np.asarray(r["coef"])[order], RTOL_B)
    close(res.std_errors, np.asarray(r[kind]["se"])[order], RTOL_SE)
    close(res.df_terms, np.asarray(r[kind]["df"])[order], 1e-6)
    close(res.pvalues, np.asarray(r[kind]["p"])[order], 1e-5)
    assert "Satterthwaite" in str(res.summary())
    with pytest.raises(ds.SpecificationError, match="fixed effects"):
        ds.SpatialLag("y ~ x", d, ds.Weights.us_borders(), unit="unit", time="year", effects="unit",
                      method="s2sls").fit(cluster="unit", small_sample=kind)


def test_compare_carries_satterthwaite_intervals(lottery):
    a = ds.EventLogit(F_LOGIT, lottery).fit(cluster="state", small_sample="CR2")
    b = ds.EventLogit(F_LOGIT, lottery).fit(cluster="state")
    t = ds.compare([a, b], se="conf_int")
    close(t.upper.iloc[:, 0].reindex(a.params.index), a.conf_int()["upper"], 1e-12)
    close(t.pvalues.iloc[:, 0].reindex(a.params.index), a.pvalues, 1e-12)
    assert "Satterthwaite" in str(t)


def test_score_bootstrap_s2sls_equals_R_enumeration(reference_dir, ref, divisions):
    d = pd.read_csv(reference_dir / "fewclusters" / "s2sls_sim.csv")
    d["div"] = d["unit"].map(divisions)
    res = ds.SpatialLag("y ~ x", d, ds.Weights.us_borders(), unit="unit", time="year", method="s2sls").fit(
        cluster="div")
    for r in ref["boot_s2sls"]:
        term = {"Wy": "rho", "x": "x"}[r["term"]]
        b = ds.wild_bootstrap(res, term, null=r["null"], conf_int=False)
        close(b.table.loc[term, "statistic"], r["statistic"], 1e-6)
        assert b.table.loc[term, "pvalue"] == r["pvalue"] and b.reps == r["reps"]
    ci = ds.wild_bootstrap(res, "x").table.loc["x"]
    assert ci["lower"] < res.params["x"] < ci["upper"]


def test_bootstrap_unrestricted_is_wald_form(lottery_cp, divisions):
    lot = lottery_cp.assign(div=lottery_cp["state"].map(divisions))
    res = ds.CoxHazard(F_COX, lot, start="start", stop="stop", ties="efron").fit(cluster="div")
    b = ds.wild_bootstrap(res, "religion", impose_null=False, conf_int=False)
    # T is the CR0 cluster t statistic (CoxHazard's default cluster variance is CR0, as R)
    close(b.table.loc["religion", "statistic"], res.tvalues["religion"], 1e-8)
    d = b.draws["religion"]
    assert b.pvalues["religion"] == np.mean(np.abs(d) >= abs(res.tvalues["religion"]) * (1 - 1e-9))
    s = b.summary()
    assert "not imposed" in str(s) and "<table>" in s.to_html()


def test_logit_cr2_quadrature_for_large_clusters(spid_sub, ref, monkeypatch):
    """Clusters above DENSE_CR2_MAX rows take the quadrature path: still clubSandwich's CR2."""
    monkeypatch.setattr(ss, "DENSE_CR2_MAX", 0)
    r = ref["spid_logit"]["CR2"]
    res = ds.EventLogit("event ~ share + year2", spid_sub).fit(cluster="unit", small_sample="CR2", tol=1e-14)
    close(res.std_errors, r["se"], RTOL_SE)
    close(res.df_terms, r["df"], 1e-6)


def test_cox_cr2_invariant_to_row_order_and_labels(lottery_cp):
    m = ds.CoxHazard(F_COX, lottery_cp, start="start", stop="stop", weights="w", ties="efron")
    base = m.fit(cluster="state", small_sample="CR2")
    perm = lottery_cp.sample(frac=1, random_state=5).reset_index(drop=True)
    perm["state"] = "x" + perm["state"].astype(str)
    other = ds.CoxHazard(F_COX, perm, start="start", stop="stop", weights="w", ties="efron").fit(
        cluster="state", small_sample="CR2")
    close(other.std_errors, base.std_errors, 1e-9)
    close(other.df_terms, base.df_terms, 1e-9)


def test_bootstrap_sparse_duration_dummies_equal_dense(lottery, divisions):
    """Sparse duration dummies stay sparse; the efficient score does not depend on how the
    nuisance terms are parametrised (duration='dummies' vs C(t) with an intercept)."""
    lot = lottery.assign(t=lottery["year"] - 63, div=lottery["state"].map(divisions))
    lot = lot[lot["t"].isin(lot.loc[lot["adopt"] == 1, "t"].unique())]
    f = "adopt ~ elect1 + income1 + neighbor"
    a = ds.EventLogit(f, lot, duration="dummies", clock="t").fit(cluster="div")
    b = ds.EventLogit(f + " + C(t)", lot).fit(cluster="div")
    ta = ds.wild_bootstrap(a, "neighbor", conf_int=False).table.loc["neighbor"]
    tb = ds.wild_bootstrap(b, "neighbor", conf_int=False).table.loc["neighbor"]
    close(ta["statistic"], tb["statistic"], 1e-8)
    assert ta["pvalue"] == tb["pvalue"]


# --------------------------------------------------------------------------- contrasts and effects
@pytest.fixture(scope="module")
def contrast_ref(reference_dir):
    return json.loads((reference_dir / "fewclusters" / "contrast_reference.json").read_text())


@pytest.mark.parametrize("kind", ["CR2", "CR3"])
def test_contrast_df_equals_linear_contrast(lottery, contrast_ref, kind):
    """Satterthwaite df of linear contrasts = clubSandwich::linear_contrast (test = "Satterthwaite")."""
    r = contrast_ref
    res = ds.EventLogit(F_LOGIT, lottery).fit(cluster="state", small_sample=kind, tol=1e-14)
    C = np.array(r["contrasts"], dtype=float).reshape(r["n_contrasts"], -1)
    est = C @ res.params.to_numpy()
    se = np.sqrt(np.einsum("ij,jk,ik->i", C, res.cov.to_numpy(), C))
    close(est, np.array(r[kind]["estimate"], dtype=float), RTOL_B)
    close(se, np.array(r[kind]["se"], dtype=float), RTOL_SE)
    close(res.contrast_df(C), np.array(r[kind]["df"], dtype=float), 1e-6)
    # one coefficient at a time: the per-term df exactly
    np.testing.assert_allclose(res.contrast_df(np.eye(len(res.params))), res.df_terms.to_numpy(), rtol=1e-12)


def test_effects_and_predictions_carry_the_satterthwaite_df(lottery):
    res = ds.EventLogit(F_LOGIT, lottery).fit(cluster="state", small_sample="CR2", tol=1e-14)
    eff = ds.effects(res, "neighbor")  # probability scale: the gradient is the contrast
    assert "df" in eff.columns and np.all(eff["df"] > 1) and np.all(eff["df"] < 48)
    from scipy import stats
    q = stats.t.ppf(0.975, eff["df"].to_numpy())
    np.testing.assert_allclose(eff["upper"] - eff["estimate"], q * eff["std_error"], rtol=1e-10)
    lin = ds.effects(res, "neighbor", scale="linear")  # d eta / d neighbor = the coefficient
    np.testing.assert_allclose(lin["df"], res.df_terms["neighbor"], rtol=1e-10)
    pr = res.predict(lottery.head(5), kind="linear", se=True)
    X = np.column_stack([np.ones(5), lottery.head(5)[F_LOGIT.split("~")[1].replace(" ", "").split("+")].to_numpy()])
    np.testing.assert_allclose(pr["df"], res.contrast_df(X), rtol=1e-12)
    # without CR2/CR3: normal intervals, no df column
    plain = ds.EventLogit(F_LOGIT, lottery).fit(cluster="state")
    assert plain.contrast_df(np.eye(len(plain.params))) is None and "df" not in ds.effects(plain, "neighbor")
