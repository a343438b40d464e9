"""Real data: a horse race on SPID between a border channel and an inferred-network
learning channel, Galton's problem, and the placebo - checked against R.

Subset (to keep the file well under 60 s and to stay inside the network's years): the
398 SPID policies whose window lies in 1961-2009, the years for which Desmarais, Harden
& Boehmke's (2015) inferred network exists at lag 1 (231,650 state-years at risk,
8,935 adoptions). The R script ``tests/reference/mechanisms/make_reference.R`` builds
the same risk set and exposures independently from the raw files (no diffusion_stats
code) and fits ``survival::coxph`` and ``glm`` + ``sandwich::vcovCL``; its values are
stored in ``spid_horse_race.json``.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats import mechanisms as mech

RTOL_EST, RTOL_SE = 1e-6, 1e-5


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "mechanisms" / "spid_horse_race.json").read_text())


@pytest.fixture(scope="module")
def spid(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        s = ds.datasets.load_spid(unit="postal")
        meta = s.metadata
        win = meta[(meta["first_year"] >= 1961) & (meta["last_year"] <= 2009)]
        net = pd.read_csv(shared_data / "dhb2015" / "dhb2015apsr-networks.csv")
        border = ds.Channel("border", ds.Weights.us_borders(), mechanism="emulation",
                            source="bundled us_state_borders (queen)")
        learn = mech.learning_network(net, kind="share")
        chans = [border, learn]
        panel = ds.event_history(s.adoptions, windows=win)
        panel = ds.add_channels(panel, s.adoptions, chans)
    return {"adoptions": s.adoptions, "panel": panel, "chans": chans}


def test_panel_and_exposures_match_r(spid, ref):
    p = spid["panel"]
    assert len(p) == ref["n_rows"] == 231_650
    assert int(p["event"].sum()) == ref["n_events"] == 8_935
    assert p["policy"].nunique() == ref["n_policies"]
    for c in ("border", "learning_network"):
        assert p[c].sum() == pytest.approx(ref["exposure_sums"][c], rel=1e-10)
    leads = mech.lead_exposures(p[["policy", "unit", "year"]], spid["adoptions"], spid["chans"])
    for c in ("border_lead", "learning_network_lead"):
        assert leads[c].sum() == pytest.approx(ref["exposure_sums"][c], rel=1e-10)


def test_horse_race_cox_matches_r(spid, ref):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.ConvergenceWarning)
        model = ds.CoxHazard("event ~ border + learning_network", spid["panel"], strata="policy")
        hr = ds.horse_race(model, spid["chans"], fit_kwargs={"cluster": "unit"})
    r = ref["cox"]
    for c in ("border", "learning_network"):
        assert hr.effects.loc[c, "estimate"] == pytest.approx(r["coef"][c], rel=RTOL_EST)
        assert hr.effects.loc[c, "std_error"] == pytest.approx(r["se"][c], rel=RTOL_SE)
    assert hr.joint["statistic"] == pytest.approx(r["wald_joint"], rel=RTOL_SE)
    assert hr.pairwise.loc[0, "statistic"] == pytest.approx(r["wald_equal"], rel=RTOL_SE)
    assert hr.drop_one.loc["border", "loglik_without"] == pytest.approx(r["loglik_without_border"], rel=RTOL_EST)
    assert hr.drop_one.loc["learning_network", "loglik_without"] == pytest.approx(
        r["loglik_without_learning_network"], rel=RTOL_EST)
    assert hr.drop_one.loc["border", "loglik_full"] == pytest.approx(r["loglik"], rel=RTOL_EST)
    # substance: both channels matter, borders more; the channels are separable in SPID
    assert (hr.effects["pvalue"] < 0.05).all()
    assert hr.pairwise.loc[0, "pvalue"] < 1e-10
    assert hr.separability.separable
    assert hr.effects.loc["border", "mechanism"] == "emulation"
    assert hr.effects.loc["learning_network", "mechanism"] == "learning"


@pytest.mark.slow  # > 10 s
def test_galton_year_effects_match_r(spid, ref):
    model = ds.EventLogit("event ~ border + learning_network", spid["panel"])
    g = ds.galton_check(model, spid["chans"], fit_kwargs={"cluster": "unit"})
    r = ref["logit"]
    for c in ("border", "learning_network"):
        assert g.table.loc[c, "estimate"] == pytest.approx(r["coef"][c], rel=RTOL_EST)
        assert g.table.loc[c, "std_error"] == pytest.approx(r["se"][c], rel=RTOL_SE)
        assert g.table.loc[c, "estimate_shocks"] == pytest.approx(r["coef_fe"][c], rel=RTOL_EST)
        assert g.table.loc[c, "std_error_shocks"] == pytest.approx(r["se_fe"][c], rel=RTOL_SE)
    assert g.table["survives"].all()
    assert "C(year)" in g.how


def test_placebo_leads_match_r(spid, ref):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.ConvergenceWarning)
        model = ds.CoxHazard("event ~ border + learning_network", spid["panel"], strata="policy")
        pt = ds.placebo_test(model, spid["adoptions"], spid["chans"], fit_kwargs={"cluster": "unit"})
    r = ref["placebo"]
    for c in ("border", "learning_network"):
        assert pt.table.loc[c, "estimate"] == pytest.approx(r["coef"][c], rel=RTOL_EST)
        assert pt.table.loc[c, "lead_estimate"] == pytest.approx(r["coef"][f"{c}_lead"], rel=RTOL_EST)
        assert pt.table.loc[c, "lead_std_error"] == pytest.approx(r["se"][f"{c}_lead"], rel=RTOL_SE)
    assert pt.joint["statistic"] == pytest.approx(r["wald_leads"], rel=RTOL_SE)
    # In SPID the naive lead test rejects: peers' next-year adoptions predict adoption.
    # Under diffusion with reciprocal ties this also happens without common shocks (see
    # test_mechanisms.py::test_placebo_calibrated_null_under_pure_diffusion).
    assert not pt.passed
    assert np.isfinite(pt.table["lead_pvalue"]).all()
