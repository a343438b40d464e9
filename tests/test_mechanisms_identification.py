"""identification_check: fast CI version of benchmarks/validate_identification.py."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers import two_channel_design

import diffusion_stats as ds


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        warnings.simplefilter("ignore", ds.ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def design():
    """50 states, border + a random 'network' channel, 30 policies 1980-2010, both effects 1."""
    return two_channel_design()


@pytest.mark.slow
def test_identification_check_fast_coverage(design):
    """Fast CI version of the coverage study (40 replications, wide bounds)."""
    chk = ds.identification_check(design["panel"], design["ad"], design["chans"], {"border": 1.0, "net": 1.0},
                                  n_sim=40, estimator="cox", baseline=0.03, seed=3, progress=False)
    t = chk.table
    assert chk.n_failed == 0
    assert (t["coverage"] >= 0.85).all()
    assert (t["rel_bias"].abs() < 0.12).all()
    assert (t["power"] > 0.9).all()
    c = chk.confusion
    assert c.loc["border only", "border"] > 0.8 and c.loc["net only", "net"] > 0.8
    assert c.loc["border only", "net"] < 0.2 and c.loc["none (no diffusion)"].max() < 0.2
    assert chk.to_frame().index.tolist() == ["border", "net"]


def test_identification_check_with_model_estimator_and_seed(design):
    m = ds.EventLogit("event ~ border + net", design["panel"])
    kw = dict(n_sim=4, estimator=m, confusion=False, baseline=0.03, seed=11, progress=False)
    a = ds.identification_check(design["panel"], design["ad"], design["chans"], {"border": 1.0}, **kw)
    b = ds.identification_check(design["panel"], design["ad"], design["chans"], {"border": 1.0}, **kw)
    pd.testing.assert_frame_equal(a.estimates, b.estimates)
    assert a.table.loc["net", "true"] == 0.0
    with pytest.raises(ds.InputError, match="neither channels"):
        ds.identification_check(design["panel"], design["ad"], design["chans"], {"foo": 1.0}, n_sim=2)




@pytest.mark.slow
def test_identification_check_covariates_and_failures():
    """Covariates with effects are simulated and recovered; unit-years missing from the real panel are
    filled from the unit's nearest year; a failing estimator is reported, not raised."""
    B = ds.Weights.us_borders()
    labels = list(B.labels)
    rng = np.random.default_rng(1)
    cov = pd.DataFrame([(u, y, rng.normal(), rng.normal()) for u in labels for y in range(1990, 2011)],
                       columns=["unit", "year", "x", "z"])
    ad = ds.simulate_diffusion(labels, {"border": B}, effects={"border": 1.0}, start=1990, end=2010, n_policies=10,
                               covariates=cov, beta={"x": 0.5}, seed=1)
    ch = [ds.Channel("border", B)]
    p = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows, units=labels, covariates=cov), ad, ch)
    m = ds.CoxHazard("event ~ border + x + z", p, strata="policy")
    chk = ds.identification_check(p, ad, ch, {"border": 1.0, "x": 0.5}, n_sim=4, estimator=m, confusion=False,
                                  seed=2, progress=False)
    assert chk.n_failed == 0
    assert abs(chk.table.loc["x", "estimate"] - 0.5) < 0.2

    def broken(data):
        return ds.CoxHazard("event ~ border + nope", data, strata="policy")

    bad = ds.identification_check(p, ad, ch, {"border": 1.0}, n_sim=2, estimator=broken, confusion=False,
                                  progress=False)
    assert bad.n_failed == 2 and np.isnan(bad.table.loc["border", "coverage"])
    assert any("nope" in n for n in bad.notes)
