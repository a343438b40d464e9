"""results.predict and ds.effects against R (predict.glm, predict.coxph, survfit, and
marginal effects with delta-method SEs written out in R with numDeriv and vcovCL).

Reference values: tests/reference/effects/make_reference.R -> reference.json.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers import lottery_complete_cases, lottery_counting_process
from test_spatial_reference import csp_panel, csp_wide, us_W  # noqa: F401  (fixtures)

import diffusion_stats as ds

RTOL_B, RTOL_SE = 1e-6, 1e-5
F = "adopt ~ elect1 + elect2 + income1 + fiscal + party + religion + neighbor"


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "effects" / "reference.json").read_text())


@pytest.fixture(scope="module")
def lot(shared_data):
    d = lottery_complete_cases(shared_data)
    d["t"] = d["year"] - 63
    d["g"] = np.where(d["statenum"] % 2 == 1, "a", "b")
    return d


@pytest.fixture(scope="module")
def cp(shared_data):
    d = lottery_counting_process(shared_data).dropna(subset=["fiscal", "religion", "neighbor"])
    d = d.reset_index(drop=True)
    d["g"] = np.where(d["statenum"] % 2 == 1, "odd", "even")
    return d


def _pred(frame: pd.DataFrame, est, se) -> None:
    np.testing.assert_allclose(frame["estimate"], est, rtol=RTOL_B)
    np.testing.assert_allclose(frame["std_error"], se, rtol=RTOL_SE)


def _one(eff: pd.DataFrame, r: dict, rtol_se: float = RTOL_SE) -> None:
    assert len(eff) == 1
    np.testing.assert_allclose(eff["estimate"].iloc[0], r["estimate"], rtol=RTOL_B)
    np.testing.assert_allclose(eff["std_error"].iloc[0], r["std_error"], rtol=rtol_se)


@pytest.mark.parametrize("link", ["logit", "cloglog"])
def test_binary_predictions_and_effects_equal_R(lot, ref, link):
    r = ref[f"lottery_{link}"]
    res = ds.EventLogit(F, lot, link=link).fit(cluster="state")
    np.testing.assert_allclose(res.params.to_numpy(), r["coef"], rtol=RTOL_B)
    nd = lot.iloc[ref["newdata_rows"]]
    pl = res.predict(nd, kind="linear", se=True)
    _pred(pl, r["pred_link"], r["pred_link_se"])
    pr = res.predict(nd, kind="response", se=True)
    _pred(pr, r["pred_response"], r["pred_response_se"])
    assert list(pr.index) == list(nd.index)
    # estimation rows by default, equal to fitted values
    np.testing.assert_allclose(res.predict().to_numpy(), res.fitted_values, rtol=1e-12)
    _one(ds.effects(res, "fiscal"), r["ame_fiscal"])
    _one(ds.effects(res, "neighbor"), r["ame_neighbor"])
    _one(ds.effects(res, "neighbor", contrast=1), r["plus1_neighbor"])
    q = ref["fiscal_p10_p90"]
    e = ds.effects(res, "fiscal", contrast={"fiscal": ("p10", "p90")})
    _one(e, r["fiscal_p10_p90"])
    np.testing.assert_allclose(np.quantile(lot["fiscal"], [0.1, 0.9]), q, rtol=1e-12)


def test_moderated_channel_conditional_effects_equal_R(lot, ref):
    r = ref["lottery_moderated"]
    res = ds.EventLogit("adopt ~ neighbor * income1 + fiscal + C(g)", lot, duration="cubic", clock="t"
                        ).fit(cluster="state")
    rn = {"gb": "C(g)[T.b]", "I(t^2)": "t^2", "I(t^3)": "t^3", "(Intercept)": "Intercept"}
    coef = pd.Series(r["coef"], index=[rn.get(n, n) for n in r["names"]])
    np.testing.assert_allclose(res.params[coef.index].to_numpy(), coef.to_numpy(), rtol=RTOL_B)
    # new data holding only level "b" of the categorical (the predict_survival KeyError case)
    nd = lot.iloc[r["pred_b_rows"]]
    assert set(nd["g"]) == {"b"}
    p = res.predict(nd, se=True)
    _pred(p, r["pred_b"], r["pred_b_se"])
    e = ds.effects(res, "neighbor", at={"income1": r["income_at"]})
    assert e["income1"].tolist() == r["income_at"]
    for i in range(2):
        _one(e.iloc[[i]], r[f"cond_neighbor_{i + 1}"])
    _one(ds.effects(res, "g"), r["contrast_g"])
    assert ds.effects(res, "g")["contrast"].iloc[0] == "b - a"


def test_dyadic_logit_equals_R(lot, ref):
    r = ref["dyad"]
    a = lot[["state", "year", "adopt", "fiscal", "neighbor"]]
    b = lot[["state", "year", "fiscal"]].rename(columns={"state": "partner", "fiscal": "partner_fiscal"})
    dy = a.rename(columns={"state": "unit"}).merge(b, on="year")
    dy = dy[dy["unit"] != dy["partner"]].sort_values(["year", "unit", "partner"]).reset_index(drop=True)
    assert len(dy) == r["n"]
    res = ds.DyadicLogit("adopt ~ fiscal + partner_fiscal + neighbor", dy).fit(cluster=["unit", "partner"])
    np.testing.assert_allclose(res.params.to_numpy(), r["coef"], rtol=RTOL_B)
    p = res.predict(dy.head(5), se=True)
    _pred(p, r["pred_response"], r["pred_response_se"])
    _one(ds.effects(res, "partner_fiscal"), r["ame_partner_fiscal"])
    _one(ds.effects(res, "neighbor", contrast=1), r["plus1_neighbor"])


@pytest.mark.parametrize("spec", ["plain", "strata"])
def test_cox_predictions_and_absolute_risk_equal_R(cp, ref, spec):
    r = ref[f"cox_{spec}"]
    res = ds.CoxHazard("adopt ~ fiscal + religion + neighbor", cp, strata="g" if spec == "strata" else None
                       ).fit(cluster="state")
    np.testing.assert_allclose(res.params.to_numpy(), r["coef"], rtol=RTOL_B)
    nd = cp.iloc[ref["cox_newdata_rows"]]
    lp = res.predict(nd, kind="linear", se=True)
    _pred(lp, r["lp"], r["lp_se"])
    rk = res.predict(nd, kind="risk", se=True)
    np.testing.assert_allclose(rk["estimate"], r["risk"], rtol=RTOL_B)
    # R's predict.coxph(type = "risk", se.fit = TRUE) returns se(lp) * sqrt(risk) (survival's
    # convention, checked here on R's own numbers); the delta-method SE of exp(lp) is se(lp) * risk
    np.testing.assert_allclose(r["risk_se"], np.asarray(r["lp_se"]) * np.sqrt(r["risk"]), rtol=1e-10)
    np.testing.assert_allclose(rk["std_error"], np.asarray(r["lp_se"]) * np.asarray(r["risk"]), rtol=RTOL_SE)
    sv = res.predict(nd, kind="survival", se=True, times=r["times"])
    assert sv["row"].tolist() == np.repeat(nd.index, len(r["times"])).tolist()
    _pred(sv, r["surv"], r["surv_se"])
    ci = res.predict(nd, kind="cumulative_incidence", times=r["times"])
    np.testing.assert_allclose(ci["cumulative_incidence"], 1 - np.asarray(r["surv"]), rtol=1e-9, atol=1e-15)
    full = res.predict(nd, kind="survival")  # every stop time of the row's stratum, as survfit
    np.testing.assert_allclose(full["survival"], r["surv_survfit_full"], rtol=RTOL_B)
    e = ds.effects(res, "neighbor", contrast=1, scale="absolute_risk", horizon=r["horizon"])
    _one(e, r["absrisk_plus1"])
    hr = ds.effects(res, "neighbor", contrast=1)
    np.testing.assert_allclose(hr["estimate"].iloc[0], np.exp(res.params["neighbor"]), rtol=1e-12)
    np.testing.assert_allclose(hr["std_error"].iloc[0], res.std_errors["neighbor"], rtol=1e-9)


def test_predict_survival_one_level_of_a_categorical(cp):
    res = ds.CoxHazard("adopt ~ fiscal + C(g)", cp).fit()
    sf = res.predict_survival(pd.DataFrame({"fiscal": [0.0, 0.1], "g": ["odd", "odd"]}))
    assert sf.shape[1] == 2 and np.all(np.diff(sf[0].to_numpy()) <= 0)
    with pytest.raises(ds.DataValidationError, match="level"):
        res.predict(pd.DataFrame({"fiscal": [0.0], "g": ["neither"]}))


def test_invariances_and_hand_checks(lot):
    res = ds.EventLogit(F, lot).fit(cluster="state")
    e = ds.effects(res, ["neighbor", "fiscal"], contrast={"neighbor": 1})
    # row order of the data does not matter
    shuffled = lot.sample(frac=1.0, random_state=3)
    res2 = ds.EventLogit(F, shuffled).fit(cluster="state")
    e2 = ds.effects(res2, ["neighbor", "fiscal"], contrast={"neighbor": 1})
    np.testing.assert_allclose(e2["estimate"], e["estimate"], rtol=1e-8)
    np.testing.assert_allclose(e2["std_error"], e["std_error"], rtol=1e-6)
    # linear scale: the AME of a linear term is its coefficient, SE its SE
    lin = ds.effects(res, "fiscal", scale="linear")
    np.testing.assert_allclose(lin["estimate"].iloc[0], res.params["fiscal"], rtol=1e-8)
    np.testing.assert_allclose(lin["std_error"].iloc[0], res.std_errors["fiscal"], rtol=1e-7)
    # over=: the weighted mean of the group effects is the overall effect
    byg = ds.effects(res, "neighbor", contrast=1, over="g")
    w = lot["g"].value_counts().sort_index().to_numpy()
    np.testing.assert_allclose((byg["estimate"] * w).sum() / w.sum(), e["estimate"].iloc[0], rtol=1e-10)
    # simulation: on the linear scale the draws' SD is the delta SE up to Monte Carlo error (~1.1%)
    sim = ds.effects(res, "neighbor", contrast=1, scale="linear", interval="simulation", n_sim=4000, seed=1)
    np.testing.assert_allclose(sim["std_error"].iloc[0], res.std_errors["neighbor"], rtol=0.05)
    assert sim["lower"].iloc[0] < res.params["neighbor"] < sim["upper"].iloc[0]


def test_errors(lot):
    res = ds.EventLogit(F, lot).fit()
    with pytest.raises(ds.InputError, match="kind="):
        res.predict(kind="probability")
    with pytest.raises(ds.ColumnNotFoundError, match="neighbor"):
        res.predict(lot.drop(columns="neighbor"))
    bad = lot.head(3).copy()
    bad.loc[bad.index[0], "fiscal"] = np.nan
    with pytest.raises(ds.DataValidationError, match="missing"):
        res.predict(bad)
    with pytest.raises(ds.InputError, match="does not enter"):
        ds.effects(res, "statenum")
    with pytest.raises(ds.InputError, match="scale="):
        ds.effects(res, "fiscal", scale="hazard_ratio")
    with pytest.raises(ds.InputError, match="not understood"):
        ds.effects(res, "fiscal", contrast={"fiscal": ("p10", "q90")})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds.effects(res, "fiscal")


def test_horse_race_moderated_channel():
    rng = np.random.default_rng(4)
    n = 3000
    df = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "m": rng.uniform(-15, -2, n)})
    eta = -3 + 1.0 * df["a"] + 0.1 * df["a"] * df["m"] + 0.5 * df["b"]
    df["event"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    model = ds.EventLogit("event ~ a * m + b", df)
    with pytest.warns(ds.DiffusionStatsWarning, match=r"'a' enters interaction\(s\) \['a:m'\]") as rec:
        hr = ds.horse_race(model, ["a", "b"], drop_one=False, check_separability=False,
                           moderator_at={"m": [-10.0, -5.0]})
    assert rec[0].filename == __file__
    res = hr.results
    b, V = res.params, res.cov
    assert hr.joint["df"] == 3  # a, b and a:m
    np.testing.assert_allclose(hr.joint["statistic"], res.wald_test(["a", "b", "a:m"])["statistic"])
    c = hr.conditional
    assert c["value"].tolist() == [-10.0, -5.0]
    for v, row in zip([-10.0, -5.0], c.itertuples(), strict=True):
        g = np.zeros(len(b))
        g[list(b.index).index("a")], g[list(b.index).index("a:m")] = 1.0, v
        np.testing.assert_allclose(row.estimate, b["a"] + v * b["a:m"], rtol=1e-7)
        np.testing.assert_allclose(row.std_error, np.sqrt(g @ V.to_numpy() @ g), rtol=1e-6)
    np.testing.assert_allclose(hr.effects.loc["a", "estimate"], b["a"] + df["m"].mean() * b["a:m"], rtol=1e-7)
    np.testing.assert_allclose(hr.effects.loc["b", "estimate"], b["b"])
    assert "Conditional" in str(hr)


def test_spatial_predict_reduced_form_by_hand():
    rng = np.random.default_rng(2)
    labels = [f"u{i}" for i in range(30)]
    e = pd.DataFrame({"source": labels, "target": labels[1:] + labels[:1]})
    W = ds.Weights.from_edges(pd.concat([e, e.rename(columns={"source": "target", "target": "source"})]))
    d = pd.DataFrame({"unit": labels, "x": rng.normal(size=30)})
    d["y"] = 1 + d["x"] + rng.normal(size=30)
    res = ds.SpatialLag("y ~ x", d, W, unit="unit").fit()
    p = res.predict(se=True)
    Wd = res.state.layout.blocks[0].toarray()
    X = res.state.X

    def reduced(theta):
        return np.linalg.solve(np.eye(30) - theta[0] * Wd, X @ theta[1:])

    th = res.params.to_numpy()
    np.testing.assert_allclose(p["estimate"], reduced(th), rtol=1e-10)
    J = np.column_stack([(reduced(th + h) - reduced(th - h)) / 2e-6 for h in np.eye(len(th)) * 1e-6])
    np.testing.assert_allclose(p["std_error"], np.sqrt(np.einsum("ij,jk,ik->i", J, res.cov.to_numpy(), J)),
                               rtol=1e-6)
    lin = res.predict(d.head(3), kind="linear")
    np.testing.assert_allclose(lin, res.params["Intercept"] + res.params["x"] * d["x"].head(3), rtol=1e-12)
    with pytest.raises(ds.SpecificationError, match="estimation rows"):
        res.predict(d, kind="response")


@pytest.mark.slow
@pytest.mark.parametrize("durbin", [False, True])
def test_spatial_delta_impacts_equal_spatialreg(csp_panel, us_W, ref, durbin):  # noqa: F811
    """Point impacts equal spatialreg::impacts' exact values; the delta-method gradient equals
    a numerical one; delta SEs are close to R's simulated SEs (20,000 draws, Monte Carlo
    error of an SD ~0.5%). They are not equal: the impacts are nonlinear in rho and with
    48 units the simulated distribution is skewed, so the linearisation is 1-4% below the
    simulated SD for direct and total impacts and ~8% below for indirect ones (the
    package's own 20,000-draw simulation agrees with R's to 1.5%)."""
    r = ref["spatial_durbin" if durbin else "spatial_lag"]
    cs = csp_panel[csp_panel["year"] == 2010]
    res = ds.SpatialLag("taxes_inc ~ lincome + nonwhite + lpop", cs, us_W, unit="st", durbin=durbin).fit()
    # R's optimize() stops at tol 1.5e-8 in rho (see tests/test_spatial_reference._check_lag): the
    # intercept (near zero) moves by ~4e-7, so the bound is relative to the coefficients' scale
    np.testing.assert_allclose(res.params.to_numpy(), r["coef"], rtol=RTOL_B, atol=RTOL_B * np.max(np.abs(r["coef"])))
    imp = res.impacts(se="delta")
    assert list(imp.index) == r["names"]
    for c in ("direct", "indirect", "total"):
        np.testing.assert_allclose(imp[c].to_numpy(), np.ravel(r[c]), rtol=RTOL_B)
        np.testing.assert_allclose(imp[f"se_{c}"].to_numpy(), r[f"sim_se_{c}"], rtol=0.05 if c != "indirect" else 0.1)
    # gradient by central differences of the point impacts
    import copy

    p0 = res.params

    def point(p):
        rr = copy.copy(res)
        rr._params, rr.rho = p, float(p["rho"])
        return rr.impacts(n_sim=0)[["direct", "indirect", "total"]].to_numpy().ravel()

    steps = [pd.Series(e * 1e-6, index=p0.index) for e in np.eye(len(p0))]
    J = np.column_stack([(point(p0 + h) - point(p0 - h)) / 2e-6 for h in steps])
    se_num = np.sqrt(np.einsum("ij,jk,ik->i", J, res.cov.to_numpy(), J)).reshape(-1, 3)
    np.testing.assert_allclose(imp[["se_direct", "se_indirect", "se_total"]].to_numpy(), se_num, rtol=1e-6)
    # the same point values as the simulation path, and the trace method close to exact
    sim = res.impacts(n_sim=0)
    np.testing.assert_allclose(imp[["direct", "indirect", "total"]], sim[["direct", "indirect", "total"]],
                               rtol=1e-12)
    tr = res.impacts(se="delta", method="trace", order=60)
    np.testing.assert_allclose(tr.to_numpy(), imp.to_numpy(), rtol=1e-6)
