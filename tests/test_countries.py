"""Country readers checked against the raw files (counts computed independently here)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pyreadr
import pytest

import diffusion_stats as ds
from diffusion_stats import countries as C

TREATIES = ["4-4", "4-5", "4-8", "4-9", "4-11", "4-12", "18-10", "27-7", "27-7-a"]
NON_STATES = {"European Union", "Holy See", "Cook Islands", "Niue", "State of Palestine"}


@pytest.fixture(scope="module")
def raw_states(shared_data):
    return pyreadr.read_r(str(shared_data / "cow" / "cow_states.rda"))["cow_states"]


@pytest.fixture(scope="module")
def raw_contdir(shared_data):
    return pyreadr.read_r(str(shared_data / "cow" / "cow_contdir.rda"))["cow_contdir"]


@pytest.fixture(scope="module")
def states(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return C.read_cow_states()


# ------------------------------------------------------------------ state system
@pytest.mark.parametrize("year", [1816, 1946, 1991, 2015])
def test_states_in_system_matches_raw(raw_states, states, year):
    raw = raw_states[(raw_states.styear <= year) & (raw_states.endyear >= year)]
    expect = sorted(raw.ccode.astype(int).unique())
    got = C.states_in_system(year, states)
    assert sorted(got.ccode) == expect
    assert list(got.unit) == [str(c) for c in expect]


def test_states_in_system_known_counts(states):
    assert [len(C.states_in_system(y, states)) for y in (1816, 1946, 1991, 2015)] == [23, 66, 177, 195]


def test_read_cow_states_layout_and_spells(raw_states, states):
    assert list(states.columns[:7]) == ["unit", "ccode", "stateabb", "statenme", "spell", "first_year", "last_year"]
    assert len(states) == len(raw_states) == 243
    assert states.unit.nunique() == raw_states.ccode.nunique() == 217
    assert states.unit.map(type).eq(str).all()
    ger = states[states.unit == "255"][["first_year", "last_year"]].values.tolist()
    assert ger == [[1816, 1945], [1990, 2016]]
    assert states[states.unit == "260"][["first_year", "last_year"]].values.tolist() == [[1955, 1990]]
    assert states[states.unit == "365"][["first_year", "last_year"]].values.tolist() == [[1816, 2016]]
    assert states[states.unit == "315"][["first_year", "last_year"]].values.tolist() == [[1918, 1939], [1945, 1992]]
    assert states[states.unit == "345"][["first_year", "last_year"]].values.tolist() == [[1878, 1941], [1944, 2016]]
    assert ds.accounting(states).n_rows == 243


def test_merge_continuity_joins_successors(raw_states):
    m = C.read_cow_states(merge="continuity")
    assert m[m.unit == "255"][["first_year", "last_year"]].values.tolist() == [[1816, 1945], [1955, 2016]]
    assert m[m.unit == "316"][["first_year", "last_year"]].values.tolist() == [[1918, 1939], [1945, 2016]]
    assert "260" not in set(m.unit) and "315" not in set(m.unit) and "678" not in set(m.unit)
    # no year counted twice within a unit
    sy = C.state_years(m)
    assert not sy.duplicated().any()
    # 1990: GFR and Germany were both in the system; merged they are one unit-year
    assert len(C.states_in_system(1990, m)) == len(C.states_in_system(1990, C.read_cow_states())) - 2


def test_envelope_reports_gap_years(raw_states):
    with pytest.warns(ds.RowAccountingWarning, match="gap years"):
        env = C.read_cow_states(spells="envelope")
    assert env.unit.is_unique and len(env) == 217
    r = raw_states.assign(n=raw_states.endyear - raw_states.styear + 1)
    span = r.groupby("ccode").agg(a=("styear", "min"), b=("endyear", "max"), n=("n", "sum"))
    gap = int((span.b - span.a + 1 - span.n).sum())
    assert ds.accounting(env).exclusions[0].count == gap


def test_state_years_matches_raw(raw_states, states):
    sy = C.state_years(states, years=(1990, 2014))
    for y in (1990, 2000, 2014):
        raw = raw_states[(raw_states.styear <= y) & (raw_states.endyear >= y)].ccode.nunique()
        assert (sy.year == y).sum() == raw


# ------------------------------------------------------------------ contiguity
def _raw_pairs(raw, year, k):
    st = pd.to_datetime(raw.stdate).dt.year
    en = pd.to_datetime(raw.enddate).dt.year
    r = raw[(raw.conttype >= 1) & (raw.conttype <= k) & (st <= year) & (en >= year)]
    return set(zip(r.ccode1.astype(int).astype(str), r.ccode2.astype(int).astype(str), strict=True))


@pytest.mark.parametrize("k", [1, 5])
@pytest.mark.parametrize("year", [1900, 1950, 1990, 2014])
def test_contiguity_pairs_per_year(raw_contdir, k, year):
    W = C.read_cow_contiguity(max_type=k, years=(1900, 2014))
    expect = _raw_pairs(raw_contdir, year, k)
    m = W.matrix(year).tocoo()
    lab = np.array(W.labels)
    got = set(zip(lab[m.row], lab[m.col], strict=True))
    assert got == expect
    assert W.is_symmetric(year)
    assert set(m.data) == {1.0}


def test_contiguity_known_counts():
    w1 = C.read_cow_contiguity(max_type=1, years=(1900, 2014))
    w5 = C.read_cow_contiguity(max_type=5, years=(1900, 2014))
    # undirected contiguous pairs per year (also equal to the raw-file count in the test above)
    assert {y: w1.matrix(y).nnz // 2 for y in (1900, 1950, 1990, 2014)} == {1900: 58, 1950: 100, 1990: 263, 2014: 316}
    assert {y: w5.matrix(y).nnz // 2 for y in (1900, 1950, 1990, 2014)} == {1900: 87, 1950: 161, 1990: 478, 2014: 556}
    fr = C.read_cow_contiguity(max_type=5, years=(1990, 2014), as_frame=True)
    assert list(fr.columns) == ["unit1", "unit2", "year", "conttype"]
    assert fr.conttype.between(1, 5).all()
    acc = ds.accounting(fr)
    assert acc.counts["spells with conttype 0 (not directly contiguous), ignored"] == 180


def test_contiguity_threshold_validated():
    with pytest.raises(ds.InputError, match="max_type=7"):
        C.read_cow_contiguity(max_type=7)
    with pytest.raises(ds.InputError, match="max_type"):
        C.read_cow_contiguity(max_type=0)


def test_contiguity_restrict_to_states(states):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        fr = C.read_cow_contiguity(max_type=5, years=(1940, 1946), as_frame=True, states=states)
    sy = set(zip(*C.state_years(states, years=(1940, 1946)).values.T, strict=True))
    assert all((a, y) in sy and (b, y) in sy for a, b, y in fr[["unit1", "unit2", "year"]].itertuples(index=False))


# ------------------------------------------------------------------ IGO, distance, capabilities, trade
@pytest.mark.slow  # > 10 s
def test_igo_weights_match_raw(shared_data):
    raw = pyreadr.read_r(str(shared_data / "cow" / "cow_igo_ndy.rda"))["cow_igo_ndy"]
    W = C.read_cow_igo(years=(1995, 2005))
    r = raw[(raw.year == 2000) & (raw.dyadigos >= 1)]
    m = W.matrix(2000)
    assert m.nnz == 2 * len(r)
    assert m.sum() == pytest.approx(2 * r.dyadigos.sum())
    i, j = W.labels.index("2"), W.labels.index("20")
    assert m[i, j] == raw[(raw.ccode1 == 2) & (raw.ccode2 == 20) & (raw.year == 2000)].dyadigos.item()
    Wb = C.read_cow_igo(years=2000, min_shared=30, binary=True)
    assert Wb.matrix(2000).nnz == 2 * int((r.dyadigos >= 30).sum())


def test_mindist_frame_and_threshold(shared_data):
    raw = pyreadr.read_r(str(shared_data / "cow" / "cow_mindist.rda"))["cow_mindist"]
    md = C.read_cow_mindist(years=2000)
    assert len(md) == int((raw.year == 2000).sum())
    W = C.read_cow_mindist(years=2000, max_distance=0)
    assert W.matrix(2000).nnz == 2 * int(((raw.year == 2000) & (raw.mindist <= 0)).sum())


def test_capabilities_and_trade(shared_data):
    cap = C.read_cow_capabilities(years=(1990, 2012))
    assert set(cap.columns) >= {"unit", "year", "cinc", "milex"}
    assert np.allclose(cap.groupby("year").cinc.sum(), 1, atol=0.02)  # COW rounding; 1991: 1.016
    raw = pyreadr.read_r(str(shared_data / "cow" / "cow_nmc.rda"))["cow_nmc"]
    assert len(C.read_cow_capabilities()) == len(raw)
    tr = C.read_cow_trade(years=2000)
    rt = pyreadr.read_r(str(shared_data / "cow" / "cow_trade_sy.rda"))["cow_trade_sy"]
    assert len(tr) == int((rt.year == 2000).sum())
    assert ds.accounting(C.read_cow_trade()).counts["imports: missing"] == int(rt.imports.isna().sum())


def test_capability_weights():
    cap = C.read_cow_capabilities(years=2000)
    W = C.capability_weights(cap)
    m = W.matrix(2000)
    n = int((cap.cinc > 0).sum())
    assert m.nnz == n * (n - 1)
    j = W.labels.index("2")
    col = m[:, j].toarray().ravel()
    assert np.allclose(col[np.arange(len(col)) != j], cap.loc[cap.unit == "2", "cinc"].item())


# ------------------------------------------------------------------ CEPII
def test_cepii_dist(shared_data):
    raw = pyreadr.read_r(str(shared_data / "cepii" / "dist_cepii.rda"))["dist_cepii"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        cd = C.read_cepii_dist()
    us_uk = cd[(cd.unit1 == "2") & (cd.unit2 == "200")].iloc[0]
    r = raw[(raw.iso_o == "USA") & (raw.iso_d == "GBR")].iloc[0]
    assert us_uk.comlang_off == r.comlang_off == 1
    assert us_uk.dist == pytest.approx(r.dist)
    # one CEPII code, several COW states over time
    assert {"255", "260"} <= set(cd.unit1)
    d260 = cd[(cd.unit1 == "260") & (cd.unit2 == "2")].dist.item()
    assert d260 == cd[(cd.unit1 == "255") & (cd.unit2 == "2")].dist.item()
    # CEPII aliases: Romania ROM, DR Congo ZAR, Serbia YUG
    assert cd.loc[cd.unit1 == "360", "iso_o"].iloc[0] == "ROM"
    assert cd.loc[cd.unit1 == "490", "iso_o"].iloc[0] == "ZAR"
    assert cd.loc[cd.unit1 == "345", "iso_o"].iloc[0] == "YUG"
    assert not (cd.unit1 == cd.unit2).any()
    acc = ds.accounting(cd)
    assert acc.counts["distw: missing ('.')"] == int((raw.distw == ".").sum())
    W = C.cepii_weights(cd, "colony")
    assert W.matrix().nnz == int((cd.colony == 1).sum())


# ------------------------------------------------------------------ treaties
def _raw_treaty(shared_data, t):
    return pd.read_csv(shared_data / "untreaties" / "treaties" / f"{t}.csv", dtype=str)


@pytest.mark.parametrize("treaty", TREATIES)
def test_ratifications_per_treaty(shared_data, treaty):
    raw = _raw_treaty(shared_data, treaty)
    cell = raw.iloc[:, 2]
    parties = raw[cell.notna()]
    expect = len(parties) - parties.Participant.isin(NON_STATES).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        a = C.read_un_treaty(treaty)
    assert len(a) == expect
    assert list(a.columns[:3]) == ["unit", "policy", "year"]
    assert a.year.dtype == np.int64 and (a.policy == treaty).all()
    assert a.unit.is_unique
    assert a.equals(a.sort_values(["policy", "year", "unit"]))
    # action counts from the suffixes, independently
    suf = parties[~parties.Participant.isin(NON_STATES)].iloc[:, 2].str.extract(r"\d{4}\s*(AA|A|a|d)?\s*$")[0]
    names = {None: "ratification", "a": "accession", "d": "succession", "A": "acceptance", "AA": "approval"}
    expect_actions = suf.map(lambda s: names[s if isinstance(s, str) else None]).value_counts().to_dict()
    assert a.action.value_counts().to_dict() == expect_actions
    # dates: year equals the date's year and matches the raw cell
    assert (a.year == a.date.dt.year).all()
    acc = ds.accounting(a)
    assert acc.counts["unmapped names"] == []


@pytest.mark.parametrize("treaty", TREATIES)
def test_signatures_per_treaty(shared_data, treaty):
    raw = _raw_treaty(shared_data, treaty)
    sig = raw[raw.iloc[:, 1].notna()]
    expect = len(sig) - sig.Participant.isin(NON_STATES).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        s = C.read_un_treaty(treaty, event="signature")
    assert len(s) == expect
    assert set(s.action) <= {"signature", "succession to signature"}


def test_known_treaty_counts():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        counts = {t: len(C.read_un_treaty(t)) for t in ("4-8", "4-12")}
    assert counts == {"4-8": 186, "4-12": 81}


def test_date_aware_mapping_germany_yemen():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        iccpr = C.read_un_treaty("4-4")
        op2 = C.read_un_treaty("4-12")
        cedaw = C.read_un_treaty("4-8")
        cedaw_m = C.read_un_treaty("4-8", merge="continuity")
    assert iccpr.set_index("participant").loc["Germany", "unit"] == "260"     # 1973: FRG
    assert op2.set_index("participant").loc["Germany", "unit"] == "255"       # 1992: Germany
    assert cedaw.set_index("participant").loc["Yemen", "unit"] == "680"       # 1984: Democratic Yemen
    assert cedaw.set_index("participant").loc["Serbia", "unit"] == "345"
    assert cedaw.set_index("participant").loc["Czech Republic", "unit"] == "316"
    g = cedaw_m.set_index("participant").loc["Germany"]
    assert g.unit == "255" and g.ccode == 260
    # Ukraine ratified CEDAW in 1981, before entering the COW system: kept, attributed to 369
    assert cedaw.set_index("participant").loc["Ukraine", "unit"] == "369"


def test_non_states_reported_by_name():
    with pytest.warns(ds.RowAccountingWarning, match="not COW states"):
        a = C.read_un_treaty("27-7")
    m = a.reports.name_mapping
    assert set(m.not_states) == {"European Union", "Cook Islands", "Niue", "State of Palestine"} & set(m.not_states)
    assert "European Union" in m.not_states and m.unmapped == ()


def test_un_treaty_parsing_footnotes_and_bad_cells(tmp_path):
    f = tmp_path / "9-9.csv"
    f.write_text(
        'Participant,Signature,"Ratification, Acceptance(A), Accession(a), Succession(d), Approval(AA)"\n'
        "\"Germany2, 3\",1 Jan 1990,17 Dec 1973\n"
        "Côte d'Ivoire1,,5 Mar 1995 a\n"
        "Micronesia (Federated States of)4,,1 Feb 2000 AA\n"
        "Atlantis,,2 Feb 2002 A\n"
        "France,2 Feb 1990,pending\n"
        "Chile,3 Mar 1991,\n"
        "Czech Republic5,,22 Feb 1993 d\n", encoding="utf-8")
    with pytest.warns(ds.RowAccountingWarning):
        a = C.read_un_treaty("9-9", path=f)
    assert list(a.participant) == ["Germany", "Czech Republic", "Côte d'Ivoire", "Micronesia (Federated States of)"]
    assert list(a.unit) == ["260", "316", "437", "987"]
    assert list(a.action) == ["ratification", "succession", "accession", "approval"]
    acc = ds.accounting(a)
    reasons = " | ".join(str(e) for e in acc.exclusions)
    assert "France" in reasons and "'pending'" in reasons
    assert "Chile" in reasons and "no ratification date" in reasons
    assert acc.counts["unmapped names"] == ["Atlantis"]
    assert acc.counts["names with footnote marks or bad encoding cleaned"] == 4
    # the user supplies the missing mapping
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        b = C.read_un_treaty("9-9", path=f, overrides={"Atlantis": "ISL"})
    assert b.set_index("participant").loc["Atlantis", "unit"] == "395"
    assert b.set_index("participant").loc["Atlantis", "action"] == "acceptance"
    s = C.read_un_treaty("9-9", path=f, event="signature")
    assert set(s.participant) == {"Germany", "France", "Chile"}
    assert s.set_index("participant").loc["Germany", "unit"] == "260"


def test_treaty_input_errors(tmp_path):
    with pytest.raises(ds.InputError, match="treaty="):
        C.read_un_treaty("CEDAW")
    with pytest.raises(ds.InputError, match="event="):
        C.read_un_treaty("4-8", event="entry into force")
    with pytest.raises(ds.DataNotAvailableError):
        C.read_un_treaty("4-99")
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ds.DataValidationError, match="Participant"):
        C.read_un_treaty("4-8", path=bad)


def test_fctc(shared_data):
    raw = pd.read_csv(shared_data / "fctc" / "treaty_dates.csv", dtype=str, na_values=["<NA>"], keep_default_na=False)
    parties = raw[raw.ratification.notna()]
    expect = len(parties) - parties.country_name.isin(NON_STATES).sum()
    with pytest.warns(ds.RowAccountingWarning, match="not COW states"):
        f = C.read_fctc()
    assert len(f) == expect == 178
    assert (f.policy == "FCTC").all()
    assert f.action.value_counts().to_dict() == {
        "ratification": int(expect - sum(raw.loc[raw.ratification.notna() & ~raw.country_name.isin(NON_STATES), c]
                                         .notna().sum() for c in ["acceptance", "approval", "formal_confirm",
                                                                  "accession", "succession"])),
        **{k: v for k, v in f.action.value_counts().to_dict().items() if k != "ratification"}}
    assert "Côte d'Ivoire" in set(f.participant)      # mis-decoded UTF-8 in the raw file, repaired
    assert ds.accounting(f).counts["unmapped names"] == []
    d = f.set_index("participant").loc["Norway"]
    assert d.date == pd.Timestamp("2003-06-16") and d.action == "approval"
    # cross-check against the file's own Gleditsch-Ward codes where GW == COW
    gw = pd.read_csv(shared_data / "fctc" / "gw_country_codes.csv")
    merged = f.merge(gw.rename(columns={"country_name": "participant"}), on="participant")
    same = merged[merged.gwcode.astype(str) == merged.unit]
    assert len(same) / len(merged) > 0.9


def test_data_not_available(monkeypatch, tmp_path):
    import diffusion_stats.datasets._fetch as fetch_mod

    def offline(*a, **k):
        raise OSError("offline")

    monkeypatch.setattr(fetch_mod, "urlopen", offline)
    monkeypatch.setenv("DIFFUSION_STATS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DIFFUSION_STATS_DATA", raising=False)
    with pytest.raises(ds.DataNotAvailableError, match="cow/cow_states.rda"):
        C.read_cow_states()
    monkeypatch.setenv("DIFFUSION_STATS_DATA", str(tmp_path))
    with pytest.raises(ds.DataNotAvailableError, match="cow/cow_states.rda"):
        C.read_cow_states()
    with pytest.raises(ds.DataNotAvailableError, match="path="):
        C.read_cow_igo(path=tmp_path / "nope.rda")
    # a treaty table that is not in the registry: looked up under DIFFUSION_STATS_DATA only
    with pytest.raises(ds.DataNotAvailableError, match="DIFFUSION_STATS_DATA"):
        C.read_un_treaty("4-99")


def test_bad_arguments():
    with pytest.raises(ds.InputError, match="spells="):
        C.read_cow_states(spells="some")
    with pytest.raises(ds.InputError, match="merge="):
        C.read_cow_states(merge="yes please")
    with pytest.raises(ds.InputError, match="years="):
        C.read_cow_igo(years=(2000, 1990))
    with pytest.raises(ds.InputError, match="year="):
        C.states_in_system("nineteen ninety")


def test_unit_is_str_everywhere():
    assert re.fullmatch(r"\d+", C.states_in_system(2000).unit.iloc[0])


# ------------------------------------------------------------------ merge=, years=, labels=
def test_states_years_clip():
    st = C.read_cow_states(years=(1990, 2014))
    assert st.first_year.min() == 1990 and st.last_year.max() == 2014
    assert set(st.unit) == set(C.state_years(years=(1990, 2014)).unit)
    assert ds.accounting(st).counts["spells outside years=(1990, 2014)"] > 0


def test_reader_merge_recodes_successors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        igo = C.read_cow_igo(years=(1985, 1991), merge="continuity", as_frame=True)
        plain = C.read_cow_igo(years=(1985, 1991), as_frame=True)
        cont = C.read_cow_contiguity(max_type=5, years=1990, merge="continuity", as_frame=True)
        cap = C.read_cow_capabilities(years=(1989, 1991), merge="continuity")
        raw_cap = C.read_cow_capabilities(years=(1989, 1991))
    assert not ({"260", "315", "678"} & (set(igo.unit1) | set(igo.unit2)))
    assert (igo.unit1.astype(int) < igo.unit2.astype(int)).all()
    assert not igo.duplicated(["unit1", "unit2", "year"]).any()
    # 1985: 255 absent, so GFR's dyads become Germany's, values unchanged
    a = igo[(igo.year == 1985) & (igo.unit1 == "2") & (igo.unit2 == "255")].dyadigos.item()
    b = plain[(plain.year == 1985) & (plain.unit1 == "2") & (plain.unit2 == "260")].dyadigos.item()
    assert a == b
    assert not (cont.unit1 == cont.unit2).any()
    # 1990: both 255 and 260 have a record: Germany's own is kept
    g = cap[(cap.unit == "255") & (cap.year == 1990)].cinc.item()
    assert g == raw_cap[(raw_cap.unit == "255") & (raw_cap.year == 1990)].cinc.item()
    assert cap[(cap.unit == "255") & (cap.year == 1989)].cinc.item() == \
        raw_cap[(raw_cap.unit == "260") & (raw_cap.year == 1989)].cinc.item()


def test_labels_add_isolates_and_filter():
    labels = [str(c) for c in C.states_in_system(2000).unit]
    W = C.read_cow_contiguity(max_type=1, years=2000, labels=labels)
    assert W.labels == tuple(labels)
    assert "31" in W.isolates(2000)  # Bahamas: no land border, kept as an isolate
    sub = labels[:20]
    W2 = C.read_cow_igo(years=2000, labels=sub)
    assert W2.labels == tuple(sub)


def test_capability_asymmetry_weights():
    cap = C.read_cow_capabilities(years=2000)
    W = C.capability_weights(cap, how="asymmetry")
    m = W.matrix(2000)
    c = cap.set_index("unit").cinc
    i, j = W.labels.index("20"), W.labels.index("2")
    assert m[i, j] == pytest.approx(np.log(c["2"] / c["20"]))
    assert m[j, i] == 0  # the strongest state feels no pressure from Canada
    with pytest.raises(ds.InputError, match="how="):
        C.capability_weights(cap, how="gravity")
