"""Membership channels (mechanisms.membership): W_t against brute force from the raw COW IGO
file, and exposures on the ICCPR-OP2 panel against hand counts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats import countries as C
from diffusion_stats import mechanisms as M

Y0, Y1 = 1990, 2014
MERGE = "continuity"


@pytest.fixture(scope="module")
def raw_sy(raw_igo_state_year):
    return raw_igo_state_year


@pytest.fixture(scope="module")
def mem(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        return C.read_igo_memberships(years=(Y0 - 1, Y1), merge=MERGE)


def _raw_members(raw_sy, igo, year, codes=(1,)):
    r = raw_sy[(raw_sy.year == year) & raw_sy[igo].isin(codes)]
    return set(r.ccode.astype(int).replace(C.CONTINUITY_MERGES).astype(str))


@pytest.mark.parametrize("igos, status, year", [(["coe"], "full", 1995), (["coe"], "full", 2010),
                                                (["coe", "eu", "nato"], "full", 2005),
                                                (["oas"], "full+associate", 2000), (["comsec"], "any", 1990)])
def test_comembership_equals_brute_force(raw_sy, mem, igos, status, year):
    W = M.comembership_weights(mem, igos, status=status)
    codes = {"full": (1,), "full+associate": (1, 2), "any": (1, 2, 3)}[status]
    labels = list(W.labels)
    A = W.aligned(labels, year=year).toarray()
    B = np.zeros_like(A)
    members = [_raw_members(raw_sy, g, year, codes) for g in igos]
    for a, i in enumerate(labels):
        for b, j in enumerate(labels):
            if i != j:
                B[a, b] = sum((i in s) and (j in s) for s in members)
    np.testing.assert_array_equal(A, B)
    assert W.is_symmetric(year=year)


def test_power_weights_brute_force(raw_sy, mem, shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        cap = C.read_cow_capabilities(years=(2000, 2000), merge=MERGE)
    c = dict(zip(cap.unit, cap.cinc, strict=True))
    W = M.power_weights(mem, "nato", cap, years=2000)
    W3 = M.power_weights(mem, "nato", cap, years=2000, leaders=3, weighted=False)
    labels = list(W.labels)
    members = _raw_members(raw_sy, "nato", 2000)
    top3 = sorted(members, key=lambda u: -c.get(u, 0))[:3]
    assert set(top3) == {"2", "200", "255"}  # US, UK, Germany lead NATO by CINC in 2000
    A, A3 = W.aligned(labels, year=2000).toarray(), W3.aligned(labels, year=2000).toarray()
    for a, i in enumerate(labels):
        for b, j in enumerate(labels):
            inside = i != j and i in members and j in members
            assert A[a, b] == pytest.approx(c.get(j, 0.0) if inside else 0.0)
            assert A3[a, b] == (1.0 if inside and j in top3 else 0.0)


@pytest.fixture(scope="module")
def op2(shared_data, mem):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        adopt = C.read_un_treaty("4-12", merge=MERGE)
        units = C.read_cow_states(merge=MERGE, spells="envelope", years=(Y0, Y1))
        cap = C.read_cow_capabilities(years=(Y0 - 1, Y1), merge=MERGE)
    labels = list(units.unit)
    canon = adopt[["unit", "policy", "year"]]
    windows = pd.DataFrame({"policy": ["4-12"], "first_year": [Y0], "last_year": [Y1]})
    panel = ds.event_history(canon, windows=windows, units=units[["unit", "first_year", "last_year"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)  # non-members: no partner, exposure 0
        chans = [M.socialization(mem, "Council of Europe", name="coe", units=labels),
                 M.socialization(mem, ["eu", "eec"], name="eu", units=labels),
                 M.mimicry_members(mem, "coe", cap, leaders=3, name="coe_leaders", units=labels),
                 M.mimicry_leaders(labels)]
        panel = ds.add_channels(panel, canon, chans)
    ss = M.standard_setting(mem, "coe", 1994)
    panel = ss.add_to(panel)
    return dict(panel=panel, canon=canon, cap=cap, chans=chans, ss=ss)


CASES = [("290", 1995), ("365", 1999), ("640", 2005), ("369", 2003), ("2", 2000), ("325", 1993)]


@pytest.mark.parametrize("unit, year", CASES)
def test_socialization_exposure_hand_count(raw_sy, op2, unit, year):
    adopt_year = dict(zip(op2["canon"].unit, op2["canon"].year, strict=True))
    panel = op2["panel"].set_index(["unit", "year"])
    if (unit, year) not in panel.index:
        pytest.skip("not at risk")
    t = year - 1
    for col, igos in (("coe", ["coe"]), ("eu", ["eu", "eec"])):
        members = set().union(*[_raw_members(raw_sy, g, t) for g in igos])
        fellows = members - {unit} if unit in members else set()
        expect = (sum(adopt_year.get(j, 9999) <= t for j in fellows) / len(fellows)) if fellows else 0.0
        assert panel.loc[(unit, year), col] == pytest.approx(expect), (col, unit, year)
    # standard setting: member of the CoE in t-1 and t-1 >= 1994
    expect_ss = int(unit in _raw_members(raw_sy, "coe", t) and t >= 1994)
    assert panel.loc[(unit, year), "coe_endorsed"] == expect_ss


@pytest.mark.parametrize("unit, year", CASES[:4])
def test_mimicry_exposure_hand_count(raw_sy, op2, unit, year):
    adopt_year = dict(zip(op2["canon"].unit, op2["canon"].year, strict=True))
    cap = op2["cap"]
    t = year - 1
    c = dict(zip(cap[cap.year == t].unit, cap[cap.year == t].cinc, strict=True))
    panel = op2["panel"].set_index(["unit", "year"])
    members = _raw_members(raw_sy, "coe", t)
    lead = sorted(members, key=lambda u: (-c.get(u, 0), int(u)))[:3]
    src = [j for j in lead if j != unit] if unit in members else []
    w = np.array([c[j] for j in src])
    a = np.array([adopt_year.get(j, 9999) <= t for j in src])
    expect = float((w * a).sum() / w.sum()) if len(src) else 0.0
    assert panel.loc[(unit, year), "coe_leaders"] == pytest.approx(expect)
    p5 = [adopt_year.get(j, 9999) <= t for j in M.P5]
    assert panel.loc[(unit, year), "p5"] == pytest.approx(np.mean(p5))


def test_horse_race_reads_the_vocabulary(op2):
    panel = op2["panel"]
    chans = [op2["chans"][0], op2["chans"][2], op2["ss"]]
    hr = ds.horse_race(ds.EventLogit("event ~ coe + coe_leaders + coe_endorsed", panel), chans, drop_one=False)
    assert hr.effects["mechanism"].tolist() == ["socialization", "mimicry", "standard setting"]
    assert "Johnston (2001)" in str(hr) and "Finnemore (1993)" in str(hr)


def test_vocabulary_and_errors(mem):
    W = ds.Weights.us_borders()
    for mech in ("socialization", "mimicry", "standard_setting", "conditionality", "learning", "emulation",
                 "coercion", "competition", "other"):
        assert ds.Channel("x", W, mechanism=mech).mechanism == mech
    with pytest.raises(ds.InputError, match="socialisation"):
        ds.Channel("x", W, mechanism="socialisation")
    with pytest.raises(ds.InputError, match="no IGO matches"):
        M.comembership_weights(mem, "Council of Narnia")
    with pytest.raises(ds.InputError, match="matches"):
        M.comembership_weights(mem, "commonwealth")
    with pytest.raises(ds.InputError, match="status="):
        M.comembership_weights(mem, "coe", status="members")
    with pytest.raises(ds.InputError, match="endorsed="):
        M.standard_setting(mem, "coe", "1994")
    with pytest.raises(ds.InputError, match="leaders="):
        M.power_weights(mem, "coe", pd.DataFrame({"unit": [], "year": [], "cinc": []}), leaders=0)
    ind = pd.DataFrame({"unit": ["PL"], "year": [1998], "flag": [1]})
    cw = M.conditionality_weights(ind, ["DE"], units=["PL", "DE"])
    assert M.coercion_conditionality(cw, mechanism="conditionality").mechanism == "conditionality"


def test_conditionality_brute_force(raw_sy, mem):
    # Russia applied to the CoE in 1992 and joined in 1996; Ukraine applied 1992, joined 1995
    cand = pd.DataFrame({"unit": ["365"] * 4 + ["369"] * 3, "year": [1992, 1993, 1994, 1995, 1992, 1993, 1994]})
    ch = M.conditionality(mem, "coe", cand, years=(1990, 2000))
    assert ch.mechanism == "conditionality" and ch.kind == "share"
    W = ch.weights
    for y in (1991, 1993, 1995):
        members = _raw_members(raw_sy, "coe", y)
        under = set(cand.loc[cand.year == y, "unit"])
        for u in W.labels:
            expect = tuple(sorted(members - {u}, key=int)) if u in under else ()
            assert tuple(sorted(W.neighbors(u, year=y), key=int)) == expect, (u, y)
    obs = M.conditionality(mem, "coe", "observer", years=2000)
    assert set(u for u in obs.weights.labels if obs.weights.neighbors(u, year=2000)) == {"2", "20", "70", "666", "740"}
    with pytest.raises(ds.InputError, match="candidates="):
        M.conditionality(mem, "coe", "applicant")


def test_warnings_point_at_the_callers_line():
    m = pd.DataFrame({"igo": "g", "unit": ["a", "b", "c"], "year": 2000, "status": 1})
    cap = pd.DataFrame({"unit": ["a", "b", "c"], "year": 2000, "cinc": [0.5, 0.2, 0.1]})
    with pytest.warns(ds.RowAccountingWarning) as rec:
        M.mimicry_members(m, "g", cap, units=["a", "b", "c", "d"])  # d: no fellow members
    assert all(w.filename == __file__ for w in rec)


def test_membership_weights_reads_the_igo_table(mem):
    """The older generic builder gives the same counts from the reader's long table."""
    sub = mem[mem.igo.isin(["coe", "eu", "nato"]) & (mem.status == 1) & mem.year.between(2000, 2002)]
    Wg = M.membership_weights(sub, group="igo", year="year")
    Wc = M.comembership_weights(mem, ["coe", "eu", "nato"], years=(2000, 2002), units=Wg.labels)
    for y in (2000, 2001, 2002):
        np.testing.assert_array_equal(Wg.matrix(year=y).toarray(), Wc.matrix(year=y).toarray())


def test_years_beyond_the_table_are_refused(mem):
    with pytest.raises(ds.InputError, match="reach beyond the memberships table"):
        M.comembership_weights(mem, "coe", years=(1980, 2000))
    with pytest.raises(ds.InputError, match="COW IGO v3 ends in 2014"):
        M.socialization(mem, "coe", years=(2000, 2016))
