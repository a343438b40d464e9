"""CoxHazard on the pooled SPID event-history panel against R (tests/reference/cox).

The panel is built here with the package's own builders (ds.read_adoptions,
ds.event_history with SPID's policy windows, ds.exposure on queen contiguity); the R
script builds the same panel independently in base R. Their agreement (rows, events,
exposure sums) is itself checked.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from _helpers import spid_border_panel

import diffusion_stats as ds
from diffusion_stats import IdentificationWarning


@pytest.fixture(scope="module")
def ref(reference_dir):
    with open(reference_dir / "cox" / "reference.json") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def panel(shared_data):
    return spid_border_panel(shared_data)


def test_panel_matches_r_build(panel, ref):
    S = ref["spid"]
    assert len(panel) == S["nrow"] == 582_377
    assert int(panel["event"].sum()) == S["events"] == 17_833
    assert panel["share"].sum() == pytest.approx(S["share_sum"], rel=1e-12)
    assert (panel["share"] ** 2).sum() == pytest.approx(S["share_sq"], rel=1e-12)


def test_pooled_efron_cluster_state(panel, ref):
    R = ref["spid"]["efron"]
    res = ds.CoxHazard("event ~ share", panel, strata="policy").fit(cluster="unit")
    np.testing.assert_allclose(res.params, R["coef"], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors, np.sqrt(R["var"][0]), rtol=1e-5)
    np.testing.assert_allclose(res.naive_std_errors, np.sqrt(R["naive_var"][0]), rtol=1e-5)
    assert res.loglik == pytest.approx(R["loglik"][1], rel=1e-9)
    assert res.loglik_null == pytest.approx(R["loglik"][0], rel=1e-9)
    assert res.nobs == R["n"] and res.n_events == R["nevent"]
    assert res.n_strata == 728 and res.n_clusters == (50,)
    assert res.concordance == pytest.approx(R["concordance"][0], rel=1e-9)
    assert res.tests["robust_score"]["statistic"] == pytest.approx(float(np.ravel(R["rscore"])[0]), rel=1e-6)
    assert "Robust = " in str(res.summary())
    # the figures
    assert round(float(res.params.iloc[0]), 4) == 1.1427
    assert round(float(res.std_errors.iloc[0]), 4) == 0.0923


def test_pooled_breslow_and_two_way(panel, ref):
    m = ds.CoxHazard("event ~ share", panel, strata="policy", ties="breslow")
    R = ref["spid"]["breslow"]
    res = m.fit(cluster="unit")
    np.testing.assert_allclose(res.params, R["coef"], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors, np.sqrt(R["var"][0]), rtol=1e-5)
    me = ds.CoxHazard("event ~ share", panel, strata="policy")
    np.testing.assert_allclose(me.fit(cluster="year").std_errors,
                               np.sqrt(ref["spid"]["efron_cluster_year"]["var"][0]), rtol=1e-5)
    two = me.fit(cluster=["unit", "year"])
    np.testing.assert_allclose(two.cov.values.ravel(), np.ravel(ref["spid"]["efron_twoway_state_year_var"]),
                               rtol=1e-5)


@pytest.fixture(scope="module")
def subset(panel, ref):
    sub = panel[panel["policy"].isin(ref["spid_subset"]["policies"])].copy()
    sub["year2"] = sub["year"] - 1900
    return sub


def test_subset_strata_and_unidentified_year(subset, ref):
    S = ref["spid_subset"]
    assert len(subset) == S["nrow"]
    # year is constant within every (policy, year) risk set: R returns NA, we drop it
    assert S["efron"]["coef"][1] == "NA"
    for ties in ("breslow", "efron"):
        with pytest.warns(IdentificationWarning, match="year2"):
            m = ds.CoxHazard("event ~ share + year2", subset, strata="policy", ties=ties)
        res = m.fit(cluster="unit")
        R = S[ties]
        np.testing.assert_allclose(res.params, R["coef"][:1], rtol=1e-6)
        np.testing.assert_allclose(res.std_errors, np.sqrt(R["var"][0][0]), rtol=1e-5)
        np.testing.assert_allclose(res.naive_std_errors, np.sqrt(R["naive_var"][0][0]), rtol=1e-5)
        assert res.loglik == pytest.approx(R["loglik"][1], rel=1e-9)
        assert list(res.dropped) == ["year2"]


def test_subset_exact_ties_vs_clogit(subset, ref):
    R = ref["spid_subset"]["exact"]
    with pytest.warns(IdentificationWarning):
        res = ds.CoxHazard("event ~ share + year2", subset, strata="policy", ties="exact").fit()
    np.testing.assert_allclose(res.params, R["coef"][:1], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors, np.sqrt(R["var"][0][0]), rtol=1e-5)
    assert res.loglik == pytest.approx(R["loglik"][1], rel=1e-9)


def test_subset_zph_and_residuals_with_strata(subset, ref):
    for ties in ("breslow", "efron"):
        R = ref["spid_subset"][ties]
        with pytest.warns(IdentificationWarning):
            res = ds.CoxHazard("event ~ share + year2", subset, strata="policy", ties=ties).fit(cluster="unit")
        for tr in ("km", "rank", "identity"):
            z = res.cox_zph(tr)
            # R keeps the NA coefficient out of cox.zph as well: one term + GLOBAL (same value)
            np.testing.assert_allclose(z["chisq"].iloc[0], R["zph"][tr]["chisq"][0], rtol=1e-5)
        np.testing.assert_allclose(res.residuals("martingale"), R["resid_martingale"], rtol=0, atol=1e-8)
        np.testing.assert_allclose(res.residuals("score")["share"], np.asarray(R["resid_score"])[:, 0],
                                   rtol=0, atol=1e-8)


def test_pooled_exact_ties_vs_clogit(panel, ref):
    # R: clogit(event ~ share + strata(policy:year), method = "exact"): the same likelihood
    R = ref["spid"]["exact"]
    res = ds.CoxHazard("event ~ share", panel, strata="policy", ties="exact").fit(cluster="unit")
    np.testing.assert_allclose(res.params, R["coef"], rtol=1e-6)
    np.testing.assert_allclose(res.naive_std_errors, np.sqrt(R["var"][0]), rtol=1e-5)
    assert res.loglik == pytest.approx(R["loglik"][1], rel=1e-9)
    assert res.loglik_null == pytest.approx(R["loglik"][0], rel=1e-9)
    # clustered SE (no R counterpart): finite and larger than the model-based one here
    assert res.std_errors.iloc[0] > res.naive_std_errors.iloc[0]
