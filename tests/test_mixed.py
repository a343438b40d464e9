"""MixedEventLogit (binary GLMM) against lme4::glmer (tests/reference/mixed).

Two real pooled designs: the DHB 2015 smoking risk sets (three laws stacked, random
effects by state) and the SPID "Government Operations" policies (30 policies, random
intercept and border-share slope by policy; the panel built here with the package's
own builders, in base R by the reference script).

Tolerances: fixed effects and variance components at rtol 1e-4 — glmer's optimiser
(nloptwrap, even with xtol_abs = ftol_abs = 1e-12) stops at about that precision on
these flat likelihoods, while this package converges to the Newton decrement 1e-12;
the objective itself (the Laplace and AGQ deviance at glmer's own parameters and at a
fixed probe point) at 1e-6 relative or better; conditional modes and conditional
variances at glmer's parameters at 1e-6, at each implementation's own optimum at 1e-4.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _helpers import spid_border_panel

import diffusion_stats as ds
from diffusion_stats.binary._mixed_numerics import MixedProblem, gh_rule

SMOKING_F = ("pooleddv ~ C(policynum) + poolednei + smk + healthorgslobby + tobaccolobby + profess"
             " + yr")
SPID_F = "event ~ share + lt"
RTOL_OPT = 1e-4  # glmer's optimiser precision (see module docstring)


@pytest.fixture(scope="module")
def ref(reference_dir):
    with open(reference_dir / "mixed" / "reference.json") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def smoking(shared_data):
    d = pd.read_csv(shared_data / "dhb2015" / "smoking.tab", sep="\t")
    cols = ["pooleddv", "poolednei", "percentsmokers", "healthorgslobby", "tobaccolobby", "profess",
            "policynum", "year", "state"]
    d = d.dropna(subset=cols).copy()
    d["yr"] = (d["year"] - 1990) / 10
    d["smk"] = (d["percentsmokers"] - 25) / 10
    return d


@pytest.fixture(scope="module")
def govops(shared_data):
    p = spid_border_panel(shared_data, "Government Operations")
    p["lt"] = np.log(p["stop"])
    return p


CASES = {
    # name: (design, R key, groups, re, n_agq, link)
    "smoking_ri": ("smoking", "ri_laplace", "state", "1", 1, "logit"),
    "smoking_ri_agq": ("smoking", "ri_agq10", "state", "1", 10, "logit"),
    "smoking_rs": ("smoking", "rs_laplace", "state", "1 + poolednei", 1, "logit"),
    "smoking_probit": ("smoking", "ri_probit", "state", "1", 1, "probit"),
    "smoking_cloglog": ("smoking", "ri_cloglog", "state", "1", 1, "cloglog"),
    "smoking_cloglog_agq": ("smoking", "ri_cloglog_agq10", "state", "1", 10, "cloglog"),
    "spid_ri": ("spid_govops", "ri_laplace", "policy", "1", 1, "logit"),
    "spid_ri_agq": ("spid_govops", "ri_agq10", "policy", "1", 10, "logit"),
    "spid_rs": ("spid_govops", "rs_laplace", "policy", "1 + share", 1, "logit"),
}


@pytest.fixture(scope="module")
def fits(smoking, govops):
    cache: dict = {}

    def get(name):
        if name not in cache:
            design, _key, groups, re, agq, link = CASES[name]
            data, f = (smoking, SMOKING_F) if design == "smoking" else (govops, SPID_F)
            m = ds.MixedEventLogit(f, data, groups=groups, re=re, link=link)
            cache[name] = (m, m.fit(n_agq=agq))
        return cache[name]
    return get


def _R(ref, name):
    design, key = CASES[name][:2]
    return ref[design][key], ref[design]


def test_designs_match_r(smoking, govops, ref):
    assert len(smoking) == ref["smoking"]["n"] and smoking["pooleddv"].sum() == ref["smoking"]["events"]
    G = ref["spid_govops"]
    assert len(govops) == G["n"] == 24_211 and govops["event"].sum() == G["events"]
    assert govops["policy"].nunique() == G["policies"] == 30
    assert govops["share"].sum() == pytest.approx(G["share_sum"], rel=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_objective_equals_glmer(name, fits, ref):
    """The deviance function at glmer's optimum and at a probe point equals glmer's."""
    m, res = fits(name)
    R, _ = _R(ref, name)
    P = m.problem()
    agq = CASES[name][4]
    at_r = np.r_[np.atleast_1d(R["theta"]), R["beta"]]
    probe = np.r_[np.atleast_1d(R["probe_theta"]), R["probe_beta"]]
    # rel 1e-8: glmer's own evaluation carries its penalised-IRLS stopping error (up to
    # ~8e-9 relative here even with tolPwrss = 1e-13) and lme4's C++ link clamping
    assert P.deviance(at_r, agq) == pytest.approx(R["opt_dev"], rel=1e-8)
    assert P.deviance(probe, agq) == pytest.approx(R["probe_dev"], rel=1e-8)
    assert -P.deviance(at_r, agq) / 2 == pytest.approx(R["loglik"], rel=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_estimates_equal_glmer(name, fits, ref):
    m, res = fits(name)
    R, _ = _R(ref, name)
    assert res.converged
    np.testing.assert_allclose(res.params, R["beta"], rtol=RTOL_OPT, atol=1e-5)
    np.testing.assert_allclose(res.theta, np.atleast_1d(R["theta"]), rtol=RTOL_OPT)
    np.testing.assert_allclose(res.re_cov.to_numpy(), np.atleast_2d(R["varcorr"]), rtol=2 * RTOL_OPT, atol=1e-6)
    # our optimum is at least as good as glmer's
    assert res.loglik >= R["loglik"] - 1e-6
    assert res.loglik == pytest.approx(R["loglik"], rel=1e-6)
    assert res.aic == pytest.approx(R["aic"], rel=1e-6)
    assert res.bic == pytest.approx(R["bic"], rel=1e-6)
    assert res.nobs == R["nobs"] and res.n_groups == R["ngroups"]
    # conditional modes and variances at the optimum, matched by level name
    lev = [str(v) for v in R["levels"]]
    got = res.ranef.set_axis([str(v) for v in res.ranef.index]).loc[lev].to_numpy()
    np.testing.assert_allclose(got, np.asarray(R["ranef"]).reshape(got.shape), rtol=RTOL_OPT * 10, atol=1e-4)
    cv = res.ranef_var.set_axis([str(v) for v in res.ranef_var.index]).loc[lev].to_numpy()
    np.testing.assert_allclose(cv, np.asarray(R["condvar"]).reshape(cv.shape), rtol=RTOL_OPT * 10)


@pytest.mark.parametrize("name", ["smoking_ri", "smoking_rs", "spid_rs", "smoking_cloglog"])
def test_modes_and_pirls_vcov_at_glmer_parameters(name, fits, ref):
    """At glmer's (theta, beta): conditional modes, condVar and vcov(use.hessian=FALSE)."""
    m, _ = fits(name)
    R, _ = _R(ref, name)
    P = m.problem()
    theta, beta = np.atleast_1d(R["theta"]), np.asarray(R["beta"])
    st = P.modes(theta, beta)
    from diffusion_stats.binary._mixed_numerics import lambda_from_theta
    Lam = lambda_from_theta(theta, P.q)
    b = pd.DataFrame(st.u @ Lam.T, index=[str(v) for v in m.group_levels])
    lev = [str(v) for v in R["levels"]]
    np.testing.assert_allclose(b.loc[lev].to_numpy(), np.asarray(R["ranef"]).reshape(len(lev), -1),
                               rtol=1e-6, atol=1e-9)
    cv = np.diagonal(Lam @ np.linalg.inv(st.H) @ Lam.T, axis1=1, axis2=2)
    cv = pd.DataFrame(cv, index=b.index).loc[lev].to_numpy()
    np.testing.assert_allclose(cv, np.asarray(R["condvar"]).reshape(cv.shape), rtol=1e-6)
    np.testing.assert_allclose(P.rx_cov(theta, beta), np.asarray(R["vcov_pirls"]), rtol=1e-5)


@pytest.mark.parametrize("name", list(CASES))
def test_hessian_standard_errors(name, fits, ref):
    """glmer's default vcov: inverse of half its finite-difference Hessian of the deviance
    in (theta, beta) (numDeriv-style differences of an objective with its own stopping
    error), at its optimum; ours differences the exact gradient (Laplace) or the
    objective (AGQ). The two numerical Hessians agree to ~1e-3 in the standard errors."""
    _, res = fits(name)
    R, _ = _R(ref, name)
    np.testing.assert_allclose(res.std_errors, np.sqrt(np.diag(np.asarray(R["vcov"]))), rtol=5e-3)


def test_lr_test_boundary(fits, ref):
    _, res = fits("spid_ri")
    R, top = _R(ref, "spid_ri")
    lr = res.lr_test()
    assert lr["pooled_loglik"] == pytest.approx(top["pooled_loglik"], rel=1e-9)
    assert lr["statistic"] == pytest.approx(2 * (R["loglik"] - top["pooled_loglik"]), rel=1e-5)
    from scipy import stats
    assert lr["pvalue"] == pytest.approx(0.5 * stats.chi2.sf(lr["statistic"], 1), rel=1e-12)
    assert lr["df"] == 1


def test_summary_prints_like_lme4(fits):
    _, res = fits("spid_rs")
    text = str(res.summary())
    for s in ("Laplace Approximation", "Random effects:", "Fixed effects:", "Std.Dev.", "policy share",
              "Number of obs", "AIC", "BIC", "logLik", "boundary-corrected"):
        assert s in text
    assert "nAGQ = 10" in str(fits("spid_ri_agq")[1].summary())


def test_predict_with_and_without_random_effects(fits, govops):
    m, res = fits("spid_rs")
    eta0 = res.predict(re=False, type="link")
    X = np.column_stack([np.ones(len(govops)), govops["share"], govops["lt"]])
    np.testing.assert_allclose(eta0, X @ res.params.to_numpy(), rtol=1e-12)
    b = res.ranef.loc[govops["policy"]].to_numpy()
    Z = np.column_stack([np.ones(len(govops)), govops["share"]])
    np.testing.assert_allclose(res.predict(type="link"), eta0 + (Z * b).sum(axis=1), rtol=1e-12)
    new = govops.iloc[:5].copy()
    new["policy"] = "not_a_policy"
    np.testing.assert_allclose(res.predict(new), 1 / (1 + np.exp(-eta0[:5])), rtol=1e-12)
    with pytest.raises(ds.InputError, match="type="):
        res.predict(type="odds")


def test_invariant_to_row_order_and_relabelling(smoking, fits):
    _, res = fits("smoking_ri")
    rng = np.random.default_rng(5)
    shuf = smoking.iloc[rng.permutation(len(smoking))].copy()
    states = sorted(smoking["state"].unique())
    relabel = {st: f"u{99 - k:02d}" for k, st in enumerate(states)}  # reverses the level order
    shuf["state"] = shuf["state"].map(relabel)
    r2 = ds.MixedEventLogit(SMOKING_F, shuf, groups="state", re="1").fit()
    np.testing.assert_allclose(r2.params, res.params, rtol=1e-6)
    np.testing.assert_allclose(r2.theta, res.theta, rtol=1e-6)
    assert r2.loglik == pytest.approx(res.loglik, rel=1e-12)
    back = {v: k for k, v in relabel.items()}
    got = r2.ranef.set_axis([back[s] for s in r2.ranef.index]).loc[res.ranef.index]
    np.testing.assert_allclose(got.to_numpy(), res.ranef.to_numpy(), rtol=1e-5, atol=1e-8)


def test_agq_equals_direct_integration():
    """Hand check: with many nodes the AGQ deviance equals -2 log of the integral over b
    computed on a fine grid, group by group."""
    rng = np.random.default_rng(2)
    J, n = 6, 240
    g = np.repeat(np.arange(J), n // J)
    x = rng.normal(size=n)
    X = np.column_stack([np.ones(n), x])
    y = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.8 * x + rng.normal(size=J)[g])))).astype(float)
    P = MixedProblem(y, X, np.ones((n, 1)), g, J)
    theta, beta = 0.9, np.array([-0.4, 0.7])
    grid = np.linspace(-8, 8, 4001)
    eta = (X @ beta)[:, None] + theta * grid[None, :]
    ll = np.where(y[:, None] > 0, -np.log1p(np.exp(-eta)), -np.log1p(np.exp(eta)))
    per = np.stack([ll[g == j].sum(axis=0) for j in range(J)])
    dens = np.exp(per) * np.exp(-grid**2 / 2) / np.sqrt(2 * np.pi)
    direct = -2 * np.log(np.trapezoid(dens, grid, axis=1)).sum()
    assert P.deviance(np.r_[theta, beta], 25) == pytest.approx(direct, rel=1e-9)
    # the Laplace approximation is close but not equal
    assert abs(P.deviance(np.r_[theta, beta], 1) - direct) > 1e-4
    z, w = gh_rule(10)
    assert w.sum() == pytest.approx(1.0) and (z * z * w).sum() == pytest.approx(1.0)


def test_analytic_gradient_matches_finite_differences(smoking):
    for link in ("logit", "probit", "cloglog"):
        m = ds.MixedEventLogit(SMOKING_F, smoking, groups="state", re="1 + poolednei", link=link)
        P = m.problem()
        x = np.r_[0.5, 0.7, 1.7, -1.4, -0.4, -0.7, 1.7, -0.07, 0.3, -0.4, -0.1, 0.35]
        _, g = P.laplace_gradient(x)
        np.testing.assert_allclose(g, P.gradient(x), rtol=1e-5, atol=1e-4)


def test_cluster_and_pirls_covariances(fits, smoking):
    m, res = fits("smoking_ri")
    rc = m.fit(cov_type="cluster")
    assert rc.cov_type == "cluster" and rc.n_clusters == (48,)
    np.testing.assert_allclose(rc.params, res.params, rtol=1e-8)
    assert np.all(rc.std_errors > 0) and not np.allclose(rc.std_errors, res.std_errors, rtol=1e-2)
    rp = m.fit(cov_type="pirls")
    np.testing.assert_allclose(rp.std_errors, res.std_errors, rtol=0.1)  # different information; each checked vs R


def test_plot_ranef(fits):
    import matplotlib.pyplot as plt

    _, res = fits("spid_rs")
    ax = res.plot_ranef("share")
    assert len(ax.get_yticklabels()) == 30
    fig, ax2 = plt.subplots()
    assert res.plot_ranef(ax=ax2) is ax2
    with pytest.raises(ds.InputError, match="not a random-effect term"):
        res.plot_ranef("lt")
    plt.close("all")


def test_errors(smoking):
    with pytest.raises(ds.ColumnNotFoundError, match="groups column 'stat'"):
        ds.MixedEventLogit(SMOKING_F, smoking, groups="stat")
    with pytest.raises(ds.ColumnNotFoundError, match="re term"):
        ds.MixedEventLogit(SMOKING_F, smoking, groups="state", re="1 + nope")
    m = ds.MixedEventLogit(SMOKING_F, smoking, groups="state", re="1 + poolednei")
    with pytest.raises(ds.SpecificationError, match="single scalar random effect"):
        m.fit(n_agq=5)
    with pytest.raises(ds.InputError, match="cov_type"):
        m.fit(cov_type="robust")
    with pytest.raises(ds.InputError, match="n_agq"):
        m.fit(n_agq=0)
    with pytest.raises(ds.InputError, match="link"):
        ds.MixedEventLogit(SMOKING_F, smoking, groups="state", link="cauchit")
    with pytest.raises(ds.InputError, match="left side"):
        ds.MixedEventLogit(SMOKING_F, smoking, groups="state", re="1 | state")
    one = smoking.assign(g=1)
    with pytest.raises(ds.SpecificationError, match="at least two groups"):
        ds.MixedEventLogit(SMOKING_F, one, groups="g")


# --------------------------------------------------------------------------- gamma frailty Cox
@pytest.fixture(scope="module")
def frailty_model(govops):
    return ds.CoxHazard("event ~ share", govops, strata="policy", frailty="unit")


@pytest.fixture(scope="module")
def frailty_fit(frailty_model):
    return frailty_model.fit()


def test_frailty_fixed_theta_equals_coxph(frailty_model, ref):
    """coxph(... + frailty(state, distribution = "gamma", theta = 0.5)): coefficient,
    variance, partial likelihood, I-likelihood and the frailties."""
    from diffusion_stats.survival._frailty import fit_gamma_frailty

    R = ref["frailty_govops"]["fixed_0.5"]
    P = frailty_model._prepared()
    codes, levels = pd.factorize(frailty_model.data["unit"].to_numpy()[P.mask], sort=True)
    out = fit_gamma_frailty(P.rs, P.X, P.w, codes, len(levels), P.event.astype(float), efron=True, theta=0.5)
    np.testing.assert_allclose(out["beta"], np.atleast_1d(R["coef"]), rtol=1e-6)
    np.testing.assert_allclose(out["var"][0, 0], R["var"], rtol=1e-5)
    # survival's Newton keeps only the diagonal of the frailty block (sparse frailty), so
    # it stops on a flat ridge of the penalised likelihood: the criterion agrees to 1e-12,
    # its split into PL and penalty (and the coefficient) to ~1e-8 / 5e-7
    assert out["c_loglik"] == pytest.approx(R["c_loglik"], rel=1e-12)
    assert out["loglik"] == pytest.approx(R["loglik"][1], rel=2e-8)
    assert list(levels) == R["levels"]
    np.testing.assert_allclose(out["frail"], R["frail"], rtol=1e-4, atol=1e-5)  # same ridge (above)


@pytest.mark.slow
def test_frailty_theta_and_coefficients_equal_coxph(frailty_fit, ref):
    """theta maximising survival's corrected likelihood, found in R with optimize() over
    fixed-theta coxph fits: theta and coefficients at rtol 1e-5; survival's own default
    search (stopped at a 1e-5 relative change of that likelihood) lands within 1e-3."""
    F = ref["frailty_govops"]
    R = F["optimum"]
    assert frailty_fit.theta == pytest.approx(R["theta"], rel=1e-5)
    np.testing.assert_allclose(frailty_fit.params, np.atleast_1d(R["coef"]), rtol=1e-5)
    np.testing.assert_allclose(frailty_fit.std_errors, np.sqrt(np.atleast_1d(R["var"])), rtol=1e-5)
    assert frailty_fit.loglik == pytest.approx(R["loglik"][1], rel=2e-8)  # R's ridge (see above)
    assert frailty_fit.c_loglik == pytest.approx(R["c_loglik"], rel=1e-10)
    assert frailty_fit.c_loglik >= F["survival_default"]["c_loglik"] - 1e-9
    assert frailty_fit.theta == pytest.approx(F["survival_default"]["theta"], rel=1e-2)
    np.testing.assert_allclose(frailty_fit.params, np.atleast_1d(F["survival_default"]["coef"]), rtol=1e-3)
    np.testing.assert_allclose(frailty_fit.frailties.to_numpy(), R["frail"], rtol=1e-4, atol=1e-6)
    assert "gamma by unit" in str(frailty_fit.summary())


def test_gammacon_hand_check():
    """survival's correction term by hand for d = (0, 1, 3), nu = 2."""
    from diffusion_stats.survival._frailty import gammacon

    nu = 2.0
    d = np.array([0.0, 1.0, 3.0])
    term1 = np.sum(d + nu * np.log(nu / (nu + d)))
    term2 = np.log((nu + 0) / (nu + 1)) + sum(np.log((nu + k - 1) / (nu + 3)) for k in (1, 2, 3))
    assert gammacon(d, nu) == pytest.approx(term1 + term2, rel=1e-14)


def test_frailty_errors(govops):
    with pytest.raises(ds.ColumnNotFoundError):
        ds.CoxHazard("event ~ share", govops, strata="policy", frailty="nope")
    m = ds.CoxHazard("event ~ share", govops, strata="policy", frailty="unit")
    with pytest.raises(ds.SpecificationError, match="penalised-information variance"):
        m.fit(cluster="unit")


@pytest.mark.slow
def test_compare_column(fits, frailty_fit):
    _, rs = fits("spid_rs")
    _, ri = fits("spid_ri")
    tab = ds.compare({"RI": ri, "RS": rs, "frailty": frailty_fit})
    row = tab.stats.loc["Random effects (SD)"]
    assert row["RS"].startswith("policy: Intercept") and "share" in row["RS"]
    assert row["frailty"].startswith("theta = ")
    assert "Random effects (SD)" in str(tab)
    assert "Random effects (SD)" not in ds.compare([ri], stats=("model", "nobs")).stats.index


@pytest.mark.slow
def test_simulation_slope_variance_and_lr_size():
    """Fast version of benchmarks/bench_mixed.py --sim: policies with known heterogeneous
    border slopes. The slope variance is recovered (within sampling error of 40 policies)
    and the boundary-corrected LR test rejects; with equal slopes it does not."""
    from _helpers import heterogeneous_slopes_panel

    p = heterogeneous_slopes_panel(40, 1.0, 0.8, seed=3)
    res = ds.MixedEventLogit("event ~ border", p, groups="policy", re="0 + border").fit(cov_type="pirls")
    true_var = float(np.var(p.attrs["slopes"], ddof=1))
    assert 0.4 * true_var < res.re_cov.iloc[0, 0] < 2.0 * true_var
    assert res.lr_test()["pvalue"] < 0.01
    p0 = heterogeneous_slopes_panel(40, 1.0, 0.0, seed=4)
    r0 = ds.MixedEventLogit("event ~ border", p0, groups="policy", re="0 + border").fit(cov_type="pirls")
    assert r0.lr_test()["pvalue"] > 0.05


def test_variance_component_standard_errors(fits):
    """Delta method by hand for one random intercept: se(theta^2) = 2 theta se(theta)."""
    _, res = fits("spid_ri")
    se = res.var_components_se
    th = float(res.theta.iloc[0])
    assert se.iloc[0] == pytest.approx(2 * th * np.sqrt(res.state.theta_cov[0, 0]), rel=1e-12)
    assert 0 < se.iloc[0] < res.var_components["variance"].iloc[0]
    assert fits("spid_rs")[1].var_components_se.notna().all()


def test_fast_design_path_equals_formulaic(govops):
    """Plain 'y ~ a + b' / re='1 + a' are built without formulaic: same arrays as formulaic's."""
    fast = ds.MixedEventLogit("event ~ share + lt", govops, groups="policy", re="1 + share")
    slow = ds.MixedEventLogit("event ~ share + I(lt)", govops, groups="policy", re="1 + I(share)")
    np.testing.assert_array_equal(fast._X, slow._X)
    np.testing.assert_array_equal(fast._Z, slow._Z)
    assert fast.exog_names == ["Intercept", "share", "lt"] and fast.re_terms == ["Intercept", "share"]
    z = ds.MixedEventLogit("event ~ share", govops, groups="policy", re="0 + share")
    assert z.re_terms == ["share"]


def test_singular_fit_three_policies(smoking):
    """Random intercept by the three smoking laws: the variance goes to zero (glmer: a
    'boundary (singular) fit', theta = 0); the log-likelihood is the pooled one."""
    f = "pooleddv ~ poolednei + smk + healthorgslobby + tobaccolobby + profess + yr"
    res = ds.MixedEventLogit(f, smoking, groups="policynum", re="1").fit()
    assert res.singular and abs(float(res.theta.iloc[0])) < 1e-5
    assert res.loglik == pytest.approx(res.lr_test()["pooled_loglik"], abs=1e-8)
    assert res.lr_test()["pvalue"] == 1.0
    assert any("singular" in n for n in res.summary().notes)
    assert res.var_components_se.isna().all()


# --------------------------------------------------------------------------- crossed random effects
@pytest.fixture(scope="module")
def crossed(govops):
    m = ds.MixedEventLogit(SPID_F, govops, groups="policy", re="1 + share", crossed="unit")
    return m, m.fit()


def _r_to_ours(R):
    """glmer orders its terms by decreasing number of levels (state before policy)."""
    names = R["theta_names"]
    pol = [i for i, n in enumerate(names) if n.startswith("policy")]
    st = [i for i, n in enumerate(names) if n.startswith("state")]
    return pol + st


def test_crossed_objective_and_estimates_equal_glmer(crossed, ref):
    m, res = crossed
    R = ref["crossed_govops"]
    perm = _r_to_ours(R)
    nt = len(perm)
    P = m.problem()
    probe = np.asarray(R["probe_pars"])
    probe = np.r_[probe[:nt][perm], probe[nt:]]
    assert P.deviance(probe) == pytest.approx(R["probe_dev"], rel=1e-8)
    at_r = np.r_[R["theta_policy"], np.atleast_1d(R["theta_state"]), R["beta"]]
    assert P.deviance(at_r) == pytest.approx(R["opt_dev"], rel=1e-8)
    assert res.loglik >= R["loglik"] - 1e-6
    assert res.loglik == pytest.approx(R["loglik"], rel=1e-8)
    np.testing.assert_allclose(res.params, R["beta"], rtol=RTOL_OPT)
    np.testing.assert_allclose(res.theta, at_r[:nt], rtol=RTOL_OPT)
    np.testing.assert_allclose(res.std_errors, R["se"], rtol=5e-3)  # both numerical Hessians
    assert res.aic == pytest.approx(R["aic"], rel=1e-8)
    cr = res.crossed
    np.testing.assert_allclose(cr["ranef"].loc[R["levels_state"]].to_numpy(), R["ranef_state"], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(cr["ranef_var"].loc[R["levels_state"]].to_numpy(), R["condvar_state"], rtol=1e-3)
    lev = [str(v) for v in R["levels_policy"]]
    got = res.ranef.set_axis([str(v) for v in res.ranef.index]).loc[lev].to_numpy()
    np.testing.assert_allclose(got, np.asarray(R["ranef_policy"]), rtol=1e-3, atol=1e-4)
    cv = res.ranef_var.set_axis([str(v) for v in res.ranef_var.index]).loc[lev].to_numpy()
    np.testing.assert_allclose(cv, np.asarray(R["condvar_policy"]), rtol=1e-3)
    assert "(1 | unit)" in str(res.summary()) and "unit Intercept" in str(res.summary())
    with pytest.raises(ds.SpecificationError, match="Laplace"):
        m.fit(n_agq=5)
