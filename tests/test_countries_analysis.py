"""Worked analysis: ratification of the ICCPR death-penalty protocol (ICCPR-OP2, UNTC 4-12)
by COW states, 1990-2014, with contiguity, shared-IGO, language/colonial and power channels.

Runs end to end from the raw files in ../shared/data through the public API, and checks
the pieces that can be checked independently: event counts against the raw treaty table,
exposures against hand computations from the raw COW files, and the Cox fit against
lifelines. Notebooks 04 (this analysis) and 07 (the same treaty through named international
organizations, and CAT) are run here too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyreadr
import pytest
from _helpers import assert_notebook_without_outputs, execute_notebook

import diffusion_stats as ds
from diffusion_stats import countries as C

Y0, Y1 = 1990, 2014
MERGE = "continuity"


@pytest.fixture(scope="module")
def study(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        adopt = C.read_un_treaty("4-12", merge=MERGE)
        units = C.read_cow_states(merge=MERGE, spells="envelope", years=(Y0, Y1))
        labels = list(units.unit)
        in_system = C.state_years(C.read_cow_states(merge=MERGE, years=(Y0 - 1, Y1)))
        windows = pd.DataFrame({"policy": ["4-12"], "first_year": [Y0], "last_year": [Y1]})
        canon = adopt[["unit", "policy", "year"]]
        panel = ds.event_history(canon, windows=windows, units=units[["unit", "first_year", "last_year"]])
        contig = C.read_cow_contiguity(max_type=1, years=(Y0 - 1, Y1), merge=MERGE, labels=labels,
                                       name="contiguity")
        igo = C.read_cow_igo(years=(Y0 - 1, Y1), merge=MERGE, labels=labels)
        cepii = C.read_cepii_dist(merge=MERGE)
        culture = C.cepii_weights(cepii, ["comlang_off", "colony", "comcol"], labels=labels, name="culture")
        cap = C.read_cow_capabilities(years=(Y0 - 1, Y1), merge=MERGE)
        power = C.capability_weights(cap, how="asymmetry", in_system=in_system, labels=labels, name="power")
        channels = [
            ds.Channel("contiguity", contig, mechanism="learning", kind="share", source="COW direct contiguity v3.2"),
            ds.Channel("igo", igo.row_standardize(), mechanism="emulation", kind="weighted",
                       source="COW IGO v3: shared full memberships"),
            ds.Channel("culture", culture, mechanism="emulation", kind="share",
                       source="CEPII GeoDist: common official language or colonial tie"),
            ds.Channel("power", power.row_standardize(), mechanism="coercion", kind="weighted",
                       source="COW NMC: log capability ratio of stronger states"),
        ]
        panel = ds.add_channels(panel, canon, channels)
    return dict(adopt=adopt, canon=canon, units=units, windows=windows, panel=panel, channels=channels,
                contig=contig, igo=igo, culture=culture, cap=cap)


def test_events_match_raw_treaty_table(shared_data, study):
    raw = pd.read_csv(shared_data / "untreaties" / "treaties" / "4-12.csv", dtype=str)
    cell = raw.iloc[:, 2].dropna()
    years = cell.str.extract(r"(\d{4})")[0].astype(int)
    expect = int(((years >= Y0) & (years <= Y1)).sum())
    panel = study["panel"]
    assert int(panel.event.sum()) == expect == 81
    acc = ds.accounting(panel)
    assert acc.counts["events"] == expect
    # every COW state in the system in 1990-2014 is at risk (with merged successors)
    st = pyreadr.read_r(str(shared_data / "cow" / "cow_states.rda"))["cow_states"]
    live = st[(st.endyear >= Y0) & (st.styear <= Y1)].ccode.astype(int).replace(C.CONTINUITY_MERGES)
    assert set(panel.unit) == set(live.astype(str))
    # Germany ratified in 1992 (as 255); the GFR code is merged away
    g = panel[panel.unit == "255"]
    assert g.year.max() == 1992 and g.event.iloc[-1] == 1


def test_contiguity_exposure_by_hand(shared_data, study):
    """Share of land neighbours (COW conttype 1, year t-1) that had ratified by t-1."""
    raw = pyreadr.read_r(str(shared_data / "cow" / "cow_contdir.rda"))["cow_contdir"]
    st = pd.to_datetime(raw.stdate).dt.year
    en = pd.to_datetime(raw.enddate).dt.year
    adopt_year = dict(zip(study["canon"].unit, study["canon"].year, strict=True))
    panel = study["panel"].set_index(["unit", "year"])
    for unit, year in [("750", 1995), ("2", 2000), ("140", 2005), ("365", 2010), ("666", 2012)]:
        t = year - 1
        nb = raw[(raw.ccode1 == int(unit)) & (raw.conttype == 1) & (st <= t) & (en >= t)].ccode2.astype(int)
        nb = set(nb.replace(C.CONTINUITY_MERGES).astype(str)) - {unit}
        adopted = sum(1 for j in nb if adopt_year.get(j, 9999) <= t)
        expect = adopted / len(nb) if nb else 0.0
        assert panel.loc[(unit, year), "contiguity"] == pytest.approx(expect), (unit, year)


def test_igo_exposure_by_hand(shared_data, study):
    raw = pyreadr.read_r(str(shared_data / "cow" / "cow_igo_ndy.rda"))["cow_igo_ndy"]
    adopt_year = dict(zip(study["canon"].unit, study["canon"].year, strict=True))
    panel = study["panel"].set_index(["unit", "year"])
    for unit, year in [("2", 1995), ("710", 2003), ("475", 2011)]:
        t = year - 1
        r = raw[(raw.year == t) & ((raw.ccode1 == int(unit)) | (raw.ccode2 == int(unit))) & (raw.dyadigos > 0)]
        partner = np.where(r.ccode1 == int(unit), r.ccode2, r.ccode1).astype(int).astype(str)
        w = r.dyadigos.to_numpy(float)
        a = np.array([adopt_year.get(j, 9999) <= t for j in partner])
        assert panel.loc[(unit, year), "igo"] == pytest.approx((w * a).sum() / w.sum()), (unit, year)


def test_channels_separable_and_cox_fit(study):
    panel, channels = study["panel"], study["channels"]
    sep = ds.separability(panel, channels)
    assert sep.separable
    res = ds.CoxHazard("event ~ contiguity + igo + culture + power", panel).fit(cov_type="robust")
    assert res.nobs == len(panel) == 3628
    assert np.isfinite(res.params).all() and np.isfinite(res.std_errors).all()
    # land neighbours' ratifications raise the hazard (p < 0.05 with robust errors)
    assert res.params["contiguity"] > 0 and res.pvalues["contiguity"] < 0.05
    assert "Cox" in str(res.summary())


def test_cox_matches_lifelines(study):
    """Cross-check of the country Cox fit against lifelines' CoxTimeVaryingFitter (Efron ties).

    rtol 1e-5: lifelines stops Newton-Raphson at its own (looser) convergence tolerance.
    """
    from lifelines import CoxTimeVaryingFitter

    panel = study["panel"]
    cols = ["contiguity", "igo", "culture", "power"]
    res = ds.CoxHazard("event ~ " + " + ".join(cols), panel).fit()
    ctv = CoxTimeVaryingFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctv.fit(panel[["unit", "start", "stop", "event", *cols]], id_col="unit", start_col="start",
                stop_col="stop", event_col="event")
    np.testing.assert_allclose(res.params[cols].to_numpy(), ctv.params_[cols].to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(res.std_errors[cols].to_numpy(), ctv.standard_errors_[cols].to_numpy(), rtol=1e-5)
    # invariance: row order does not matter
    shuffled = panel.sample(frac=1.0, random_state=3)
    res2 = ds.CoxHazard("event ~ " + " + ".join(cols), shuffled).fit()
    np.testing.assert_allclose(res2.params.to_numpy(), res.params.to_numpy(), rtol=1e-10)


def test_dyadic_logit(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        dy = ds.dyads(study["canon"], windows=study["windows"],
                      units=study["units"][["unit", "first_year", "last_year"]],
                      dyad_covariates=[study["contig"], study["igo"], study["culture"]],
                      covariates=study["cap"][["unit", "year", "cinc"]])
    acc = ds.accounting(dy)
    assert acc.counts["monadic events"] == 81
    assert acc.counts["monadic rows at risk"] == len(study["panel"])
    dy["log_igo"] = np.log1p(dy["igo"])
    dy["power_ratio"] = np.log(dy["partner_cinc"] / dy["unit_cinc"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ds.DyadicLogit("event ~ contiguity + log_igo + culture + power_ratio + years_since_partner_adopted",
                             dy).fit(cov_type="dyadic")
    assert res.nobs == len(dy)
    assert np.isfinite(res.params).all()
    assert res.params["contiguity"] > 0


@pytest.mark.slow  # > 10 s
def test_identification_check_runs(study):
    ic = ds.identification_check(study["panel"], study["canon"], study["channels"],
                                 {"contiguity": 1.0, "igo": 10.0}, n_sim=8, confusion=False, seed=1,
                                 progress=False)
    tab = ic.to_frame()
    assert {"contiguity", "igo", "culture", "power"} <= set(tab.index)
    assert ic.n_sim == 8 and ic.n_failed == 0
    assert "Identification" in str(ic.summary())


NOTEBOOKS = ["04_norm_diffusion_countries.ipynb", "07_igo_norms.ipynb"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_committed_without_outputs(name):
    assert_notebook_without_outputs(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes(shared_data, name):
    """Notebooks 04 and 07 run end to end from the raw files (fresh kernel)."""
    execute_notebook(name, shared_data)
