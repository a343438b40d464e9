"""Repeated events (adoption, repeal, re-adoption): spells, panels, current-status exposure, fits.

Real data: CSP (csp/csp.rda). The first read takes ~25 s, so the tests that need it are
marked slow, and the 0/1 variables (rows
with a value) are cached once as parquet in pytest's cache dir (never committed) by the
session-scoped fixture ``csp01``. Reference values: tests/reference/repeated/
make_reference.R (survival::coxph with cluster(unit), strata(enum); sandwich::vcovCL).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats import DataValidationError, InputError, SpecificationError

POLICIES = ["labor_minwage_abovefed", "regulation_motorcycle_helmets"]
FML = "event ~ nb_in_force + nb_repealed"


@pytest.fixture(scope="session")
def ref(reference_dir):
    return json.loads((reference_dir / "repeated" / "reference.json").read_text())


@pytest.fixture(scope="session")
def csp01(csp_extracts):
    """CSP rows of every 0/1 variable with a value: year, st, variable, value (conftest reads CSP once)."""
    return csp_extracts["binary01"]


@pytest.fixture(scope="session")
def spells(csp01):
    return ds.policy_spells(csp01, unit="st", policy="variable", policies=POLICIES)


@pytest.fixture(scope="session")
def W():
    return ds.Weights.us_borders(include_dc=True)


@pytest.fixture(scope="session")
def panels(spells, W):
    """Adoption panels (AG/PWP total, PWP gap) and the repeal panel, with status channels."""
    out = {}
    for key, form, risk in [("total", "ag", "adoption"), ("gap", "pwp-gap", "adoption"),
                            ("repeal", "pwp-gap", "repeal")]:
        p = ds.event_history(spells, repeated=form, risk=risk)
        out[key] = ds.status_channels(p, spells, ds.Channel("nb", W), states=("in_force", "repealed"))
    return out


# --------------------------------------------------------------------------- counts
@pytest.mark.slow  # needs the raw CSP read (csp_extracts): ~25 s on a fresh clone
def test_switching_variables_recomputed_from_raw(csp01, ref):
    """0/1 CSP variables that switch off and on again: independent pandas count = R = policy_spells."""
    d = csp01.sort_values(["variable", "st", "year"], kind="stable")
    dup = d.duplicated(["variable", "st", "year"])
    dupvars = sorted(d.loc[dup, "variable"].unique())
    assert dupvars == sorted(np.atleast_1d(ref["csp01"]["duplicated_variables"]))  # rep_unified: conflicting rows
    d = d[~d["variable"].isin(dupvars)]
    pair = d.groupby(["variable", "st"], sort=False).ngroup().to_numpy()
    prev = d["value"].shift().where(np.r_[False, pair[1:] == pair[:-1]])
    on = (prev == 0) & (d["value"] == 1)
    off = (prev == 1) & (d["value"] == 0)
    offs_before = off.astype(int).groupby(pair).cumsum() - off
    readopt = on & (offs_before > 0)
    switching = sorted(d.loc[readopt, "variable"].unique())
    assert switching == ref["csp01"]["switch_off_on"]
    assert len(switching) == ref["csp01"]["n_switch_off_on"] == 40
    assert int(on.sum()) == ref["csp01"]["n_adoptions"] and int(off.sum()) == ref["csp01"]["n_repeals"]
    # the package, over all 0/1 variables (gaps bridged as the row-order count does)
    s = ds.policy_spells(d, unit="st", policy="variable", gaps="bridge")
    c = ds.accounting(s).counts
    assert c["policies that switch off and on again"] == len(switching)
    assert (c["adoptions"], c["repeals"], c["re-adoptions"]) == (int(on.sum()), int(off.sum()), int(readopt.sum()))
    assert ref["csp01"]["n_readoptions"] == int(readopt.sum())


@pytest.mark.slow  # needs the raw CSP read (csp_extracts): ~25 s on a fresh clone
@pytest.mark.parametrize("pol", POLICIES)
def test_policy_counts_match_r(spells, ref, pol):
    r = ref["policies"][pol]["counts"]
    s = spells[spells["policy"] == pol]
    ev = ds.status_events(s)
    assert s.groupby("unit").ngroups == r["pairs"]
    assert len(s) == r["spells"]
    assert (ev["event_type"] == "adoption").sum() == r["adoptions"]
    assert (ev["event_type"] == "repeal").sum() == r["repeals"]
    readopt = ev[(ev["event_type"] == "adoption")
                 & (ev["event_number"] > 1)]
    assert len(readopt) == r["readoptions"]
    assert readopt["unit"].nunique() == r["switch_off_on"]
    assert int((s["left_censored"] & (s["status"] == 1)).sum()) == r["in_force_at_start"]


@pytest.mark.slow  # needs the raw CSP read (csp_extracts): ~25 s on a fresh clone
@pytest.mark.parametrize("pol", POLICIES)
def test_panel_rows_match_r(panels, ref, pol):
    r = ref["policies"][pol]["rows"]
    ad = panels["total"][panels["total"]["policy"] == pol]
    rp = panels["repeal"][panels["repeal"]["policy"] == pol]
    assert (len(ad), int(ad["event"].sum()), int(ad["enum"].max())) == (
        r["adoption"], r["adoption_events"], r["max_enum_adoption"])
    assert (len(rp), int(rp["event"].sum()), int(rp["enum"].max())) == (
        r["repeal"], r["repeal_events"], r["max_enum_repeal"])
    e = ref["policies"][pol]["exposure_sums"]
    both = pd.concat([ad, rp])
    np.testing.assert_allclose(both["nb_in_force"].sum(), e["nb_in_force"], rtol=1e-12)
    np.testing.assert_allclose(both["nb_repealed"].sum(), e["nb_repealed"], rtol=1e-12)


@pytest.mark.slow  # needs the raw CSP read (csp_extracts): ~25 s on a fresh clone
def test_spell_accounting_covers_every_spell(spells, panels):
    n = len(spells)
    for p in panels.values():
        c = ds.accounting(p).counts
        assert c["spells"] == n
        assert sum(c["spells by outcome"].values()) == n
    both = ds.event_history(spells, repeated="ag", risk="both")
    assert len(both) == len(panels["total"]) + len(panels["repeal"])
    # every observed state-year after the first is one row of the "both" panel
    yrs = spells.groupby(["policy", "unit"]).agg(a=("first_year", "min"), b=("last_year", "max"))
    assert len(both) == int((yrs["b"] - yrs["a"]).sum())


# --------------------------------------------------------------------------- exposure
@pytest.mark.slow  # needs the raw CSP read (csp_extracts): ~25 s on a fresh clone
def test_current_status_exposure_brute_force(csp01, panels, W):
    """nb_in_force / nb_repealed = brute-force counts over the raw CSP values at t - 1."""
    pol = "regulation_motorcycle_helmets"
    raw = csp01[csp01["variable"] == pol]
    val = {(s, int(y)): v for s, y, v in zip(raw["st"], raw["year"], raw["value"], strict=True)}
    first_on = raw[raw["value"] == 1].groupby("st")["year"].min().to_dict()
    nbrs = {u: W.neighbors(u) for u in W.labels}
    p = pd.concat([panels["total"], panels["repeal"]])
    p = p[p["policy"] == pol]
    for row in p.itertuples(index=False):
        ns = nbrs[row.unit]
        t1 = row.year - 1
        on = sum(val.get((j, t1)) == 1 for j in ns)
        rep = sum(val.get((j, t1)) == 0 and first_on.get(j, 10**6) <= t1 for j in ns)
        want_on = on / len(ns) if ns else 0.0
        want_rep = rep / len(ns) if ns else 0.0
        assert row.nb_in_force == pytest.approx(want_on, abs=1e-15), row
        assert row.nb_repealed == pytest.approx(want_rep, abs=1e-15), row


@pytest.mark.slow  # needs the raw CSP read (csp_extracts): ~25 s on a fresh clone
def test_status_exposure_kinds_and_states(spells, W):
    p = ds.event_history(spells, repeated="ag", risk="both")
    p = p[p["policy"] == "regulation_motorcycle_helmets"]
    cnt = ds.status_exposure(p, spells, W, kind="count", state="in_force", name="c")
    sh = ds.status_exposure(p, spells, W, kind="share", state="in_force", name="s")
    deg = p["unit"].map({u: len(W.neighbors(u)) for u in W.labels}).to_numpy()
    np.testing.assert_allclose(sh["s"], np.divide(cnt["c"], deg, out=np.zeros(len(p)), where=deg > 0))
    ever = ds.status_exposure(p, spells, W, kind="count", state="ever", name="e")["e"]
    rep = ds.status_exposure(p, spells, W, kind="count", state="repealed", name="r")["r"]
    np.testing.assert_array_equal(ever, cnt["c"] + rep)
    # adoption/repeal events of neighbours in t - 1: differences of the in-force count
    a = ds.status_exposure(p, spells, W, kind="count", state="adoption", name="a")["a"]
    assert a.sum() > 0 and (a <= cnt["c"]).all()


# --------------------------------------------------------------------------- fits vs R
def _close(res, r, se_key="se"):
    np.testing.assert_allclose(res.params.to_numpy(), r["coef"], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors.to_numpy(), r[se_key], rtol=1e-5)


@pytest.mark.slow  # needs the raw CSP read (csp_extracts): ~25 s on a fresh clone
@pytest.mark.parametrize("pol", POLICIES)
@pytest.mark.parametrize("fit", ["ag", "pwp_total", "pwp_gap", "repeal"])
def test_cox_matches_coxph(panels, ref, pol, fit):
    key = {"ag": "total", "pwp_total": "total", "pwp_gap": "gap", "repeal": "repeal"}[fit]
    data = panels[key][panels[key]["policy"] == pol]
    m = ds.CoxHazard(FML, data, strata=None if fit == "ag" else "enum")
    res = m.fit()  # cluster by unit by default on a repeated-events panel
    r = ref["policies"][pol]["fits"][fit]
    assert res._cov_type == "cluster" and res._cluster == ("unit",)
    assert res.n_events == r["nevent"] and res.nobs == r["n"]
    _close(res, r)
    np.testing.assert_allclose(res.naive_std_errors.to_numpy(), r["naive_se"], rtol=1e-5)
    np.testing.assert_allclose([res.loglik_null, res.loglik], r["loglik"], rtol=1e-9)
    text = str(res.summary())
    assert "default for repeated-event panels" in text and "cluster by unit" in text


@pytest.mark.slow  # needs the raw CSP read (csp_extracts): ~25 s on a fresh clone
@pytest.mark.parametrize("pol", POLICIES)
def test_event_logit_matches_vcovcl(panels, ref, pol):
    data = panels["total"][panels["total"]["policy"] == pol]
    res = ds.EventLogit(FML, data).fit()
    r = ref["policies"][pol]["logit"]
    _close(res, r)
    np.testing.assert_allclose(res.loglik, r["loglik"], rtol=1e-9)
    assert "default for repeated-event panels" in str(res.summary())
    classical = ds.EventLogit(FML, data).fit(cov_type="classical")
    assert classical._cov_type == "classical"
    assert "default for repeated-event panels" not in str(classical.summary())


# --------------------------------------------------------------------------- hand checks
def _toy():
    return pd.DataFrame({"unit": ["A"] * 6 + ["B"] * 6, "policy": "p", "year": list(range(2000, 2006)) * 2,
                         "value": [0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0]})


def test_toy_panels_by_hand():
    s = ds.policy_spells(_toy())
    assert s[["unit", "spell", "status", "first_year", "last_year"]].values.tolist() == [
        ["A", 1, 0, 2000, 2000], ["A", 2, 1, 2001, 2002], ["A", 3, 0, 2003, 2004], ["A", 4, 1, 2005, 2005],
        ["B", 1, 1, 2000, 2001], ["B", 2, 0, 2002, 2005]]
    ag = ds.event_history(s, repeated="ag")
    assert ag[["unit", "year", "start", "event", "enum"]].values.tolist() == [
        ["A", 2001, 0, 1, 1], ["A", 2004, 3, 0, 2], ["A", 2005, 4, 1, 2],
        ["B", 2003, 2, 0, 2], ["B", 2004, 3, 0, 2], ["B", 2005, 4, 0, 2]]
    gap = ds.event_history(s, repeated="pwp-gap")
    assert gap["start"].tolist() == [0, 0, 1, 0, 1, 2]
    rp = ds.event_history(s, repeated="pwp-total", risk="repeal")
    assert rp[["unit", "year", "start", "event", "enum"]].values.tolist() == [
        ["A", 2002, 1, 0, 1], ["A", 2003, 2, 1, 1], ["B", 2001, 0, 0, 1], ["B", 2002, 1, 1, 1]]
    c = ds.accounting(ag).counts
    assert c["spells by outcome"] == {"at risk (rows in this panel)": 3, "in the repeal risk set (risk='repeal')": 2,
                                      "no year at risk (began in the pair's last observed year)": 1}
    assert ag.reports.repeated["cluster"] == "unit"


def test_events_and_spell_tables_round_trip():
    s = ds.policy_spells(_toy())
    ev = ds.status_events(s)
    assert ev[["unit", "year", "event_type", "event_number"]].values.tolist() == [
        ["A", 2001, "adoption", 1], ["B", 2002, "repeal", 1], ["A", 2003, "repeal", 1], ["A", 2005, "adoption", 2]]
    back = ds.spells_from_events(ev, start=2001, end=2005)
    cols = ["policy", "unit", "spell", "status", "first_year", "last_year", "left_censored", "right_censored"]
    pd.testing.assert_frame_equal(back[cols], s[cols])
    # the same history as a table of in-force spells
    on = pd.DataFrame({"unit": ["A", "A", "B"], "policy": "p", "start": [2001, 2005, 1990],
                       "end": [2002, None, 2001]})
    pd.testing.assert_frame_equal(ds.read_spells(on, window=(2001, 2005))[cols], s[cols])
    # and the panel from the event table directly
    pd.testing.assert_frame_equal(ds.event_history(ev, repeated="ag", start=2001, end=2005),
                                  ds.event_history(s, repeated="ag"), check_like=False)


def test_row_order_and_relabelling_invariance():
    d = _toy()
    s = ds.policy_spells(d)
    shuffled = ds.policy_spells(d.sample(frac=1.0, random_state=3))
    pd.testing.assert_frame_equal(s, shuffled)
    ren = ds.policy_spells(d.assign(unit=d["unit"].map({"A": "Z", "B": "Y"})))
    assert ren["unit"].tolist() == ["Y", "Y", "Z", "Z", "Z", "Z"]
    pd.testing.assert_frame_equal(ren.drop(columns="unit").reset_index(drop=True),
                                  pd.concat([s.iloc[4:], s.iloc[:4]]).drop(columns="unit").reset_index(drop=True))


def test_clear_errors():
    d = _toy()
    with pytest.raises(DataValidationError, match="not 0/1"):
        ds.policy_spells(d.assign(value=d["value"] * 2))
    with pytest.raises(DataValidationError, match="missing='drop'"):
        ds.policy_spells(d.assign(value=d["value"].where(d.index != 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ds.accounting(ds.policy_spells(d.assign(value=d["value"].where(d.index != 3)),
                                              missing="drop", gaps="bridge")).n_excluded == 2
    with pytest.raises(DataValidationError, match="gaps='bridge'"):
        ds.policy_spells(d.drop(index=3))
    with pytest.raises(DataValidationError, match="repeated"):
        ds.policy_spells(pd.concat([d, d.iloc[[0]].assign(value=1)]))
    with pytest.raises(InputError, match="repeated="):
        ds.event_history(ds.policy_spells(d))
    with pytest.raises(InputError, match="did you mean 'pwp-gap'"):
        ds.event_history(ds.policy_spells(d), repeated="pwp_gap")
    ev = pd.DataFrame({"unit": "A", "policy": "p", "year": [2000, 2003], "event_type": "adoption"})
    with pytest.raises(DataValidationError, match="alternate"):
        ds.spells_from_events(ev)
    with pytest.raises(DataValidationError, match="adoption"):
        ds.spells_from_events(ev.assign(event_type=["adopt", "repeal"]))
    with pytest.raises(SpecificationError, match="event table"):
        ds.event_history(ds.policy_spells(d), repeated="ag", start=2000)


def test_first_adoptions_only_give_the_ordinary_panel():
    ad = pd.DataFrame({"unit": ["A", "B", "C", "A", "C"], "policy": ["p", "p", "p", "q", "q"],
                       "year": [2001, 2003, 2003, 1999, 2004]})
    units = ["A", "B", "C", "D"]
    plain = ds.event_history(ad, units=units, end=2005)
    rep = ds.event_history(ad, repeated="ag", units=units, end=2005)
    pd.testing.assert_frame_equal(rep[list(plain.columns)], plain)
    assert (rep["enum"] == 1).all() and (rep["event_type"] == "adoption").all()


def test_event_table_units_and_covariates():
    ev = pd.DataFrame({"unit": ["A", "A"], "policy": "p", "year": [2001, 2003], "event_type": ["adoption", "repeal"]})
    cov = pd.DataFrame({"unit": ["A", "B"] * 3, "year": np.repeat([2001, 2002, 2003], 2), "x": np.arange(6.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = ds.event_history(ev, repeated="ag", risk="both", units=["A", "B"], end=2004, covariates=cov)
    assert p[["unit", "year", "event_type", "event"]].values.tolist() == [
        ["A", 2001, "adoption", 1], ["A", 2002, "repeal", 0], ["A", 2003, "repeal", 1], ["A", 2004, "adoption", 0],
        ["B", 2001, "adoption", 0], ["B", 2002, "adoption", 0], ["B", 2003, "adoption", 0],
        ["B", 2004, "adoption", 0]]
    np.testing.assert_array_equal(p["x"].to_numpy(), [0, 2, 4, np.nan, 1, 3, 5, np.nan])
    assert ds.accounting(p).counts["rows without a covariates match"] == 2
    with pytest.raises(DataValidationError, match="not in units="):
        ds.spells_from_events(ev, units=["B"])


def test_read_spells_window_accounting():
    t = pd.DataFrame({"unit": ["A", "A", "B", "C"], "policy": "igo", "start": [1950, 1990, 1985, 2001],
                      "end": [1960, None, 1995, 2001]})
    with pytest.warns(ds.RowAccountingWarning, match="wholly outside"):
        s = ds.read_spells(t, window=(1990, 2003))
    assert ds.accounting(s).counts["input spells"] == 4
    assert s[["unit", "status", "first_year", "last_year"]].values.tolist() == [
        ["A", 0, 1989, 1989], ["A", 1, 1990, 2003], ["B", 1, 1989, 1995], ["B", 0, 1996, 2003],
        ["C", 0, 1989, 2000], ["C", 1, 2001, 2001], ["C", 0, 2002, 2003]]
    with pytest.raises(DataValidationError, match="overlap"):
        ds.read_spells(pd.concat([t, t.iloc[[1]].assign(start=1995)]), window=(1990, 2003))


def test_status_exposure_time_varying_weights_equal_static():
    d = _toy()
    s = ds.policy_spells(d)
    p = ds.event_history(s, repeated="ag", risk="both")
    W = ds.Weights.from_edges(pd.DataFrame({"source": ["A"], "target": ["B"]}), symmetric=True)
    Wt = ds.Weights({y: W.matrix() for y in range(2000, 2006)}, list(W.labels), name="by year")
    a = ds.status_exposure(p, s, W, kind="count")["exposure"]
    b = ds.status_exposure(p, s, Wt, kind="count")["exposure"]
    np.testing.assert_array_equal(a, b)
    # B's in-force status at t - 1 seen from A: B in force 2000-2001
    assert a[p["unit"] == "A"].tolist() == [1, 1, 0, 0, 0]


def test_broken_spell_table_is_refused():
    s = ds.policy_spells(_toy())
    with pytest.raises(DataValidationError, match="not a spell table"):
        ds.event_history(s[s["spell"] != 2], repeated="ag")
    with pytest.raises(DataValidationError, match="not a spell table"):
        ds.status_events(s.assign(first_year=s["first_year"] + (s["spell"] == 3)))


@pytest.mark.slow  # needs the raw CSP read (csp_extracts): ~25 s on a fresh clone
@pytest.mark.parametrize("fit", ["ag", "pwp_gap"])
def test_pooled_policies_match_coxph(panels, ref, fit):
    """Both policies in one panel: strata by policy (and enum), one cluster per state."""
    data = panels["total" if fit == "ag" else "gap"]
    res = ds.CoxHazard(FML, data, strata="policy" if fit == "ag" else ["policy", "enum"]).fit()
    r = ref["pooled"][fit]
    assert res.n_events == r["nevent"] and res.nobs == r["n"] and res._n_clusters == (51,)
    _close(res, r)
    np.testing.assert_allclose(res.naive_std_errors.to_numpy(), r["naive_se"], rtol=1e-5)
