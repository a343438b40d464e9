"""King & Zeng (2001) case-control sampling, prior correction and weighting."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _helpers import lottery_complete_cases

import diffusion_stats as ds
from diffusion_stats.binary.rare_events import prior_correction_offset

F = "adopt ~ elect1 + elect2 + income1 + fiscal + party + religion + neighbor"


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "logit" / "reference.json").read_text())


@pytest.fixture(scope="module")
def lottery(shared_data):
    return lottery_complete_cases(shared_data)


@pytest.fixture(scope="module")
def cc(lottery):
    """The R script's deterministic 'sample': every event plus the non-events in every 4th row."""
    keep = (lottery["adopt"] == 1) | ((np.arange(len(lottery)) + 1) % 4 == 0)
    return lottery[keep].reset_index(drop=True), float(lottery["adopt"].mean())


def test_prior_correction_matches_R(cc, ref):
    sample, tau = cc
    r = ref["cc_prior"]
    assert len(sample) == r["n"] and tau == pytest.approx(r["tau"], rel=1e-12)
    res = ds.EventLogit(F, sample, case_control="prior", tau=tau).fit()
    np.testing.assert_allclose(res.params, r["coef"], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors, r["classical"], rtol=1e-5)
    cl = ds.EventLogit(F, sample, case_control="prior", tau=tau).fit(cluster="state")
    np.testing.assert_allclose(cl.std_errors, r["CL_state"], rtol=1e-5)
    assert "prior" in res.info["Case-control"] and "King & Zeng" in str(res.summary())
    # slopes untouched, intercept shifted by the documented offset
    plain = ds.EventLogit(F, sample).fit()
    np.testing.assert_allclose(res.params.iloc[1:], plain.params.iloc[1:], rtol=1e-12)
    assert plain.params["Intercept"] - res.params["Intercept"] == pytest.approx(
        prior_correction_offset(tau, r["ybar"]), rel=1e-12)


def test_weighting_matches_R(cc, ref):
    sample, tau = cc
    r = ref["cc_weight"]
    m = ds.EventLogit(F, sample, case_control="weight", tau=tau)
    res = m.fit()  # default cov_type is robust under weighting
    assert res.cov_type == "robust"
    np.testing.assert_allclose(res.params, r["coef"], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors, r["HC0"], rtol=1e-5)
    np.testing.assert_allclose(m.fit(cluster="state").std_errors, r["CL_state"], rtol=1e-5)
    with pytest.raises(ds.SpecificationError, match="invalid with case_control='weight'"):
        m.fit(cov_type="classical")


def test_case_control_sample_counts_and_attrs(lottery):
    s = ds.case_control_sample(lottery, event="adopt", controls_per_event=5, seed=11)
    n1 = int(lottery["adopt"].sum())
    assert s["adopt"].sum() == n1 and len(s) == 6 * n1
    info = s.reports.case_control
    assert info["tau"] == pytest.approx(n1 / len(lottery)) and info["ybar"] == pytest.approx(1 / 6)
    acc = ds.accounting(s)
    assert acc.n_rows == len(s) and acc.n_excluded == len(lottery) - len(s)
    # tau is read from the sample's attrs
    res = ds.EventLogit(F, s, case_control="prior").fit()
    assert "tau=" in res.info["Case-control"]
    # same seed, same sample
    s2 = ds.case_control_sample(lottery, event="adopt", controls_per_event=5, seed=11)
    pd.testing.assert_frame_equal(s, s2)


def test_chunked_sampling_and_errors(lottery):
    chunks = [lottery.iloc[:400], lottery.iloc[400:]]
    s = ds.case_control_sample(iter(chunks), event="adopt", fraction=0.5, seed=2)
    assert s["adopt"].sum() == lottery["adopt"].sum()
    assert s.reports.case_control["n_population"] == len(lottery)
    with pytest.raises(ds.InputError, match="exactly one"):
        ds.case_control_sample(lottery, event="adopt")
    with pytest.raises(ds.InputError, match="fraction="):
        ds.case_control_sample(iter(chunks), event="adopt", controls_per_event=3)
    with pytest.raises(ds.ColumnNotFoundError, match="did you mean 'adopt'"):
        ds.case_control_sample(lottery, event="adop", fraction=0.1)
    with pytest.raises(ds.SpecificationError, match="tau="):
        ds.EventLogit(F, lottery.copy(), case_control="prior")
    with pytest.raises(ds.SpecificationError, match="logit link"):
        ds.EventLogit(F, lottery, case_control="prior", tau=0.01, link="probit")


def test_prior_correction_recovers_population_intercept():
    """Simulated rare events: the corrected intercept is close to the full-data fit."""
    rng = np.random.default_rng(5)
    n = 200_000
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-5.0 + 0.8 * x)))).astype(int)
    full = pd.DataFrame({"event": y, "x": x})
    b_full = ds.EventLogit("event ~ x", full).fit().params
    s = ds.case_control_sample(full, controls_per_event=10, seed=1)
    for how in ("prior", "weight"):
        b = ds.EventLogit("event ~ x", s, case_control=how).fit(
            cov_type="robust" if how == "weight" else None).params
        assert abs(b["Intercept"] - b_full["Intercept"]) < 0.15
        assert abs(b["x"] - b_full["x"]) < 0.1
