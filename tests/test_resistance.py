"""Resistance: conditional channel effects (delta method) and moderated channels in horse_race /
separability, checked against R glm + sandwich (tests/reference/resistance/make_reference.R)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers import lottery_complete_cases

import diffusion_stats as ds
from diffusion_stats import mechanisms as M

F = "adopt ~ neighbor * income1 + neighbor:party + fiscal + religion"
AT = {"income1": [40, 55, 70], "party": [0, 1]}


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "resistance" / "reference.json").read_text())


@pytest.fixture(scope="module")
def lottery(shared_data):
    return lottery_complete_cases(shared_data)


@pytest.mark.parametrize("fit_kw, key", [({}, "classical"), ({"cluster": "state"}, "cluster_state")])
def test_conditional_effect_matches_r(lottery, ref, fit_kw, key):
    res = ds.EventLogit(F, lottery).fit(**fit_kw)
    assert res.nobs == ref["n"]
    ce = M.conditional_effect(res, "neighbor", at=AT)
    assert ce["income1"].tolist() == ref["income1"] and ce["party"].tolist() == ref["party"]
    np.testing.assert_allclose(ce["estimate"], ref[key]["estimate"], rtol=1e-6)
    np.testing.assert_allclose(ce["std_error"], ref[key]["std_error"], rtol=1e-5)
    np.testing.assert_allclose(ce["exp_estimate"], np.exp(ce["estimate"]))
    assert ce.attrs["terms"] == ["neighbor", "neighbor:income1", "neighbor:party"]
    assert ce.attrs["L"][0] == (1.0, 40.0, 0.0)
    assert "estimate" in repr(ce.round(3))  # attrs stay plain (pandas compares them when printing)


def test_conditional_effect_hand_checks(lottery):
    res = ds.EventLogit(F, lottery).fit()
    zero = M.conditional_effect(res, "neighbor", at={"income1": 0, "party": 0})
    assert zero["estimate"].iloc[0] == pytest.approx(res.params["neighbor"], rel=1e-12)
    assert zero["std_error"].iloc[0] == pytest.approx(res.std_errors["neighbor"], rel=1e-12)
    one = M.conditional_effect(res, "neighbor", at={"income1": 50.0, "party": 1.0}).iloc[0]
    L = np.zeros(len(res.params))
    idx = list(res.params.index)
    L[idx.index("neighbor")], L[idx.index("neighbor:income1")], L[idx.index("neighbor:party")] = 1, 50, 1
    assert one["estimate"] == pytest.approx(L @ res.params.to_numpy())
    assert one["std_error"] == pytest.approx(np.sqrt(L @ res.cov.to_numpy() @ L))
    # at= order does not matter; moderators not interacted with the channel are ignored
    a = M.conditional_effect(res, "neighbor", at={"party": [0, 1], "income1": [40, 55, 70], "fiscal": 3})
    b = M.conditional_effect(res, "neighbor", at=AT)
    pd.testing.assert_frame_equal(a, b)
    # a model without interactions: the main effect, no moderators needed
    plain = ds.EventLogit("adopt ~ neighbor + income1", lottery).fit()
    e = M.conditional_effect(plain, "neighbor")
    assert e["estimate"].iloc[0] == pytest.approx(plain.params["neighbor"])


def test_conditional_effect_errors(lottery):
    res = ds.EventLogit(F, lottery).fit()
    with pytest.raises(ds.InputError, match="lacks moderator"):
        M.conditional_effect(res, "neighbor", at={"income1": 50})
    with pytest.raises(ds.InputError, match="not a term of the model"):
        M.conditional_effect(res, "neighbour", at=AT)
    with pytest.raises(ds.InputError, match="not a term of the model"):
        M.conditional_effect(res, "neighbor", at={**AT, "incme1": 3})
    with pytest.raises(ds.InputError, match="give numbers"):
        M.conditional_effect(res, "neighbor", at={"income1": "high", "party": 0})


def test_horse_race_moderated_channel(lottery, ref):
    model = ds.EventLogit(F, lottery)
    with pytest.warns(ds.DiffusionStatsWarning, match="effect at moderator = 0"):
        hr = ds.horse_race(model, ["neighbor", "fiscal"], check_separability=False)
    # joint Wald covers every term containing the channel (3) plus fiscal (1)
    assert hr.joint["df"] == 4
    res = hr.results
    j = res.wald_test(["neighbor", "neighbor:income1", "neighbor:party"])
    assert j["statistic"] == pytest.approx(ref["joint_classical"]["statistic"], rel=1e-5)
    d = hr.drop_one.loc["neighbor"]
    assert d["df"] == 3
    assert d["loglik_without"] == pytest.approx(ref["loglik_without"], rel=1e-8)
    assert d["lr"] == pytest.approx(2 * (ref["loglik"] - ref["loglik_without"]), rel=1e-6)
    assert any("moderator = 0" in n for n in hr.notes)
    # a channel only in interactions is refused with the fix
    with pytest.raises(ds.InputError, match="main effect"):
        ds.horse_race(ds.EventLogit("adopt ~ neighbor:income1 + fiscal", lottery), ["neighbor", "fiscal"])


def test_separability_accepts_interaction_terms(lottery):
    d = lottery.assign(inc_c=lottery.income1 - lottery.income1.mean())
    sep = ds.separability(d, ["neighbor", "fiscal", "neighbor:inc_c"], within=None)
    prod = d.neighbor * d.inc_c
    r = np.corrcoef(d.neighbor, prod)[0, 1]
    assert sep.correlations.loc["neighbor", "neighbor:inc_c"] == pytest.approx(r)
    with pytest.raises(ds.ColumnNotFoundError):
        ds.separability(d, ["neighbor", "neighbor:nothing"], within=None)


def test_drop_channel_terms():
    from diffusion_stats.mechanisms.resistance import drop_channel_terms

    assert drop_channel_terms("y ~ a * m + a:z + b", ["a"]) == "y ~ m + b"
    assert drop_channel_terms("y ~ a*m*z", ["a"]) == "y ~ m + z + m:z"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert drop_channel_terms("y ~ a", ["a"]) == "y ~ 1"


def test_conditional_effect_cox_matches_r(lottery, ref):
    """Cox (Efron), clustered by state: coxph's robust variance (tests/reference/cox shows they agree)."""
    lot = lottery.assign(start=lottery.year - 64, stop=lottery.year - 63)
    res = ds.CoxHazard(F.replace("adopt", "event", 1), lot.rename(columns={"adopt": "event"})).fit(cluster="state")
    R = ref["cox_cluster_state"]
    np.testing.assert_allclose(res.params[R["names"]], R["coef"], rtol=1e-6)
    ce = M.conditional_effect(res, "neighbor", at=AT)
    np.testing.assert_allclose(ce["estimate"], R["estimate"], rtol=1e-6)
    np.testing.assert_allclose(ce["std_error"], R["std_error"], rtol=1e-5)
    assert "exp_estimate" in ce.columns  # hazard ratios for Cox
