"""COW IGO v3 per-organization reader checked against the raw files (counts recomputed here)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyreadr
import pytest

import diffusion_stats as ds
from diffusion_stats import countries as C

META = {"ioname", "orgname", "year", "sdate", "deaddate", "dead", "integrated", "replaced", "longorgname", "ionum",
        "igocode", "version", "accuracyofpre1965membershipdates", "sourcesandnotes", "imputed", "political",
        "social", "economic"}

# (IGO, year, COW full members: recomputed below from both raw files)
CASES = [("coe", 1990), ("coe", 2010), ("oas", 2000), ("oau", 1990), ("au", 2010), ("comsec", 2000),
         ("eu", 2010), ("eec", 1985), ("nato", 2005)]


@pytest.fixture(scope="module")
def raw_sy(raw_igo_state_year):
    return raw_igo_state_year


@pytest.fixture(scope="module")
def raw_iy(shared_data):
    return pyreadr.read_r(str(shared_data / "cow_igo" / "igo_year_format3.rda"))["igo_year_format3"]


@pytest.fixture(scope="module")
def mem(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        return C.read_igo_memberships()


@pytest.fixture(scope="module")
def mem_iy(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        return C.read_igo_memberships(form="igo_year")


@pytest.mark.parametrize("igo, year", CASES)
def test_members_per_year_match_raw_state_year(raw_sy, mem, igo, year):
    r = raw_sy[raw_sy.year == year]
    for code in (1, 2, 3):
        expect = sorted(r.loc[r[igo] == code, "ccode"].astype(int).astype(str))
        got = mem[(mem.igo == igo) & (mem.year == year) & (mem.status == code)].unit.tolist()
        assert sorted(got) == expect, (igo, year, code)
    assert C.igo_members(mem, igo, year) == sorted(r.loc[r[igo] == 1, "ccode"].astype(int).astype(str), key=int)


@pytest.mark.slow
@pytest.mark.parametrize("igo, year", CASES)
def test_members_per_year_match_raw_igo_year(raw_iy, raw_sy, mem_iy, igo, year):
    code_of = dict(zip(raw_sy.state, raw_sy.ccode.astype(int).astype(str), strict=False))
    row = raw_iy[(raw_iy.ioname.str.lower() == igo) & (raw_iy.year == year)]
    assert len(row) == 1
    states = [c for c in raw_iy.columns if c not in META]
    full = sorted(code_of[s] for s in states if row[s].iloc[0] == 1)
    got = mem_iy[(mem_iy.igo == igo) & (mem_iy.year == year) & (mem_iy.status == 1)].unit.tolist()
    assert sorted(got) == full


def test_known_counts(mem):
    n = {(g, y): len(C.igo_members(mem, g, y)) for g, y in CASES}
    assert n[("coe", 1990)] == 22 and n[("coe", 2010)] == 47
    assert n[("eu", 2010)] == 27 and n[("nato", 2005)] == 26
    # OAS without Cuba (suspended 1962-2009); EEC before Spain and Portugal (1986)
    assert n[("oas", 2000)] == 34 and "40" not in C.igo_members(mem, "oas", 2000)
    assert n[("au", 2010)] == 51 and n[("comsec", 2000)] == 54 and n[("oau", 1990)] == 49
    assert n[("eec", 1985)] == 10


def test_every_cell_accounted(raw_sy, mem):
    acc = ds.accounting(mem)
    V = raw_sy.drop(columns=["ccode", "year", "state"]).to_numpy(float)
    assert acc.counts["input cells"] == V.size
    total = sum(v for k, v in acc.counts.items() if k.startswith("cells coded") or k.startswith("cells empty"))
    assert total == V.size
    assert acc.counts["cells coded 1 (full)"] == int((V == 1).sum()) == int((mem.status == 1).sum())
    assert acc.n_rows == len(mem) == int(np.isin(V, [1, 2, 3]).sum())
    assert acc.counts["IGO columns"] == 534
    assert mem.unit.map(type).eq(str).all() and mem.year.dtype == np.int64


@pytest.mark.slow
def test_forms_disagree_as_documented(mem, mem_iy):
    k = ["igo", "unit", "year"]
    a, b = mem.loc[mem.status == 1, k], mem_iy.loc[mem_iy.status == 1, k]
    j = a.merge(b, how="outer", indicator=True)["_merge"].value_counts()
    assert (j["both"], j["right_only"], j["left_only"]) == (534677, 1643, 1095)


@pytest.mark.slow
def test_igo_year_form_state_names_all_matched(mem_iy):
    acc = ds.accounting(mem_iy)
    assert acc.counts["state columns"] == 217
    assert not acc.exclusions  # every state column has a COW code, every code is in the codebook


def test_status_and_years_filters(mem):
    full = C.read_igo_memberships(status="full", years=(1990, 2000))
    assert set(full.status) == {1} and full.year.between(1990, 2000).all()
    sub = mem[(mem.status == 1) & mem.year.between(1990, 2000)].reset_index(drop=True)
    pd.testing.assert_frame_equal(full.reset_index(drop=True), sub)
    fa = C.read_igo_memberships(status="full+associate", years=2000)
    assert set(fa.status) == {1, 2}
    acc = ds.accounting(fa)
    assert acc.counts["membership cells with a status not in status=(1, 2)"] == int(
        ((mem.year == 2000) & (mem.status == 3)).sum())


def test_merge_and_states(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        raw = C.read_igo_memberships(years=(1985, 1995))
        m = C.read_igo_memberships(years=(1985, 1995), merge="continuity")
        st = C.read_cow_states()
        ms = C.read_igo_memberships(years=(1985, 1995), states=st)
    assert "260" not in set(m.unit) and "260" in set(raw.unit)
    assert not m.duplicated(["igo", "unit", "year"]).any()
    dropped = sum(e.count for e in ds.accounting(m).exclusions)
    assert len(m) + dropped == len(raw)
    # every kept membership is of a state in the system that year
    sy = C.state_years(st)
    ok = ms[["unit", "year"]].merge(sy, how="left", indicator=True)["_merge"].eq("both")
    assert ok.all()
    assert len(ms) + sum(e.count for e in ds.accounting(ms).exclusions) == len(raw)


def test_spells(mem):
    sp = C.igo_spells(mem[mem.igo == "coe"])
    # spells cover exactly the membership years
    assert sp.n_years.sum() == int((mem.igo == "coe").sum())
    ru = sp[sp.unit == "365"]
    assert ru[["status", "first_year", "last_year"]].values.tolist()[-1] == [1, 1996, 2014]
    # recomputed: a spell breaks at a gap or a change of status
    one = mem[(mem.igo == "coe") & (mem.unit == "365")].sort_values("year")
    breaks = ((one.year.diff() != 1) | (one.status.diff() != 0)).sum()
    assert breaks == len(ru)


def test_catalog_and_search(mem):
    cat = C.igo_catalog(memberships=mem)
    assert len(cat) == 534 and cat.igo.is_unique
    assert C.find_igo("Council of Europe").igo.tolist() == ["coe"]
    assert C.find_igo("coe", cat).orgname.tolist() == ["Council of Europe"]
    assert C.find_igo("african union", cat).igo.tolist() == ["au"]
    assert "comsec" in C.find_igo("commonwealth", cat).igo.tolist()
    # COW's abbreviated names ("Org", "Am"), British spelling and hyphens
    assert "oas" in C.find_igo("Organization of American States", cat).igo.tolist()
    assert C.find_igo("Organisation of African Unity", cat).igo.tolist() == ["oau"]
    assert C.find_igo("Organization for Security and Co-operation in Europe", cat).igo.tolist() == ["osce"]
    eu = cat.set_index("igo").loc["coe"]
    assert eu.region == "Europe" and eu.political == 1
    sel = C.select_igos(cat, type="political", region="Americas", alive=2000)
    assert "oas" in sel and "coe" not in sel
    with pytest.raises(ds.InputError, match="no IGO matches"):
        C.find_igo("Council of Narnia", cat)
    with pytest.raises(ds.InputError, match="region"):
        C.select_igos(cat, region="Europa")


def test_bad_input(shared_data):
    with pytest.raises(ds.DataValidationError, match="state_year_format3"):
        C.read_igo_memberships(path=shared_data / "cow" / "cow_states.rda")
    with pytest.raises(ds.InputError, match="years="):
        C.read_igo_memberships(years=(2000, 1990))
    with pytest.raises(ds.InputError, match="form="):
        C.read_igo_memberships(form="dyad")
    with pytest.raises(ds.InputError, match="status="):
        C.read_igo_memberships(status="members")
    with pytest.raises(ds.InputError, match="status="):
        C.read_igo_memberships(status=(1, 4))
    with pytest.raises(ds.DataNotAvailableError):
        C.read_igo_memberships(path="/nonexistent/state_year_format3.rda")


def test_imputed_flag(mem, shared_data):
    import pyreadr

    iy = pyreadr.read_r(str(shared_data / "cow_igo" / "igo_year_format3.rda"))["igo_year_format3"]
    f = iy[iy.imputed == 1]
    flagged = set(zip(f.ioname.str.lower(), f.year.astype(int), strict=True))
    got = set(zip(mem.loc[mem.imputed, "igo"], mem.loc[mem.imputed, "year"], strict=True))
    assert got <= flagged and len(got) > 0
    expect = sum((g, y) in flagged for g, y in zip(mem.igo, mem.year, strict=True))
    assert int(mem.imputed.sum()) == expect
    assert not mem.loc[mem.year >= 1970, "imputed"].any()
    key = "memberships in IGO-years flagged imputed (between COW's 5-yearly codings)"
    assert ds.accounting(mem).counts[key] == expect
