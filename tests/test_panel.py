"""ds.event_history: SPID must-show numbers, hand-checked cases, accounting, properties."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffusion_stats as ds

COLS = ["policy", "unit", "year", "start", "stop", "event"]


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        return fn(*args, **kw)


# ------------------------------------------------------------------ naive reference
def naive_panel(ad: pd.DataFrame, *, start=None, end=None, windows=None, units=None) -> pd.DataFrame:
    """Loop-based reference implementation of the documented rules."""
    ad = ad.copy()
    ad["unit"] = ad["unit"].astype(str)
    if units is None:
        spans = {u: (-10**9, 10**9) for u in ad["unit"].unique()}
    else:
        spans = {str(r.unit): (-10**9 if pd.isna(r.first_year) else int(r.first_year),
                               10**9 if pd.isna(r.last_year) else int(r.last_year))
                 for r in units.itertuples()}
    ad = ad[ad["unit"].isin(spans)]
    default_end = ad["year"].max() if len(ad) else None
    if windows is None:
        wins = {p: (start if start is not None else g["year"].min(), end if end is not None else default_end)
                for p, g in ad.groupby("policy")}
    else:
        wins = {}
        for r in windows.itertuples():
            g = ad[ad["policy"] == r.policy]
            s = int(r.first_year) if not pd.isna(r.first_year) else (g["year"].min() if len(g) else 10**9)
            e = int(r.last_year) if not pd.isna(r.last_year) else (end if end is not None else default_end)
            if start is not None:
                s = max(s, start)
            if end is not None:
                e = min(e, end)
            wins[r.policy] = (s, e)
    adopt = {(r.policy, r.unit): r.year for r in ad.itertuples()}
    rows = []
    for p in sorted(wins):
        s, e = wins[p]
        for u in sorted(spans):
            uf, ul = spans[u]
            a = adopt.get((p, u))
            if a is not None and (a < s or a < uf):
                continue
            for t in range(max(s, uf), min(e, ul) + 1):
                ev = int(a == t)
                rows.append((p, u, t, t - s, t - s + 1, ev))
                if ev:
                    break
    out = pd.DataFrame(rows, columns=COLS)
    return out.astype({"year": "int64", "start": "int64", "stop": "int64", "event": "int8"})


def check_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got[COLS].reset_index(drop=True), want.reset_index(drop=True),
                                  check_dtype=True)


# ------------------------------------------------------------------ SPID (real data)
@pytest.fixture(scope="module")
def spid(shared_data):
    import pyreadr

    objs = pyreadr.read_r(str(shared_data / "spid" / "policies.RData"))
    ad = ds.read_adoptions(objs["policies"], unit="statenam", year="adopt_year")
    return ad, objs["policies_metadata"]


def test_spid_pooled_panel_must_show(spid):
    ad, meta = spid
    with pytest.warns(ds.RowAccountingWarning, match="2 adoptions came before the policy's window opened"):
        panel = ds.event_history(ad, windows=meta)
    assert len(panel) == 582_377
    assert int(panel["event"].sum()) == 17_833
    acc = ds.accounting(panel)
    assert acc.n_rows == 582_377 and acc.counts["events"] == 17_833
    assert acc.counts["policies"] == 728 and acc.counts["units"] == 50
    assert len(acc.exclusions) == 1
    ex = acc.exclusions[0]
    assert ex.count == 2 and ex.what == "adoptions"
    assert {e.split()[0] for e in ex.examples} == {"gambling_casino"}
    # the two excluded adoptions are exactly those before gambling_casino's first_year
    fy = meta.set_index("policy")["first_year"]
    early = ad[ad["year"].to_numpy() < ad["policy"].map(fy).to_numpy()]
    assert len(early) == 2 and set(early["policy"]) == {"gambling_casino"}
    assert not panel.set_index(["policy", "unit"]).index.isin(early.set_index(["policy", "unit"]).index).any()
    # structure
    assert list(panel.columns) == COLS
    assert panel["year"].dtype == np.int64 and panel["event"].dtype == np.int8
    assert (panel["stop"] - panel["start"] == 1).all()
    assert (panel["start"] == panel["year"] - panel["policy"].map(fy)).all()
    assert panel.groupby(["policy", "unit"])["event"].sum().max() == 1
    assert panel["year"].le(panel["policy"].map(meta.set_index("policy")["last_year"])).all()
    srt = panel.sort_values(["policy", "unit", "year"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(panel, srt)


def test_spid_panel_accounts_for_every_adoption(spid):
    ad, meta = spid
    panel = quiet(ds.event_history, ad, windows=meta)
    acc = ds.accounting(panel)
    assert acc.counts["events"] + sum(e.count for e in acc.exclusions if e.what == "adoptions") == len(ad)
    assert acc.counts["adoptions by outcome"] == {"event": 17_833, "before the policy's window": 2}


def test_spid_default_window(spid):
    ad, _ = spid
    panel = ds.event_history(ad)  # window: first adoption .. 2017, nothing excluded
    assert int(panel["event"].sum()) == len(ad)
    assert ds.accounting(panel).exclusions == []
    first = ad.groupby("policy")["year"].min()
    assert (panel.groupby("policy")["year"].min() == first).all()
    assert panel["year"].max() == 2017


def test_spid_with_statehood_spans(spid, shared_data):
    ad, meta = spid
    states = ds.datasets.load_us_states()
    units = pd.DataFrame({"unit": states["name"], "first_year": states["statehood"].astype("float")})
    units = units[units["unit"] != "District of Columbia"]
    with pytest.warns(ds.RowAccountingWarning) as rec:
        panel = ds.event_history(ad, windows=meta, units=units)
    acc = ds.accounting(panel)
    msgs = " | ".join(str(w.message) for w in rec)
    assert "before the unit's first_year" in msgs
    assert sum(acc.counts["adoptions by outcome"].values()) == len(ad)
    assert acc.counts["events"] + sum(e.count for e in acc.exclusions if e.what == "adoptions") \
        + _pairs_with_adoptions(acc) == len(ad)
    # nobody is at risk before statehood
    sy = states.set_index("name")["statehood"].astype(float)
    assert (panel["year"] >= panel["unit"].map(sy)).all()


def _pairs_with_adoptions(acc) -> int:
    return acc.counts["adoptions by outcome"].get("unit span outside the window", 0)


def test_spid_panel_is_fast_enough_to_build_repeatedly(spid):
    # not a timing test (see benchmarks/): just the vectorised path on the full data, twice
    ad, meta = spid
    a = quiet(ds.event_history, ad, windows=meta)
    b = quiet(ds.event_history, ad.sample(frac=1, random_state=3), windows=meta.sample(frac=1, random_state=4))
    pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------------------------ hand-checked cases
AD = pd.DataFrame({"unit": ["A", "B", "C"], "policy": ["p", "p", "q"], "year": [2000, 2002, 2001]})


def test_hand_checked_default_window():
    panel = ds.event_history(AD)
    # p: window 2000..2002 (end = latest adoption anywhere); q: 2001..2002
    want = pd.DataFrame([
        ("p", "A", 2000, 0, 1, 1),
        ("p", "B", 2000, 0, 1, 0), ("p", "B", 2001, 1, 2, 0), ("p", "B", 2002, 2, 3, 1),
        ("p", "C", 2000, 0, 1, 0), ("p", "C", 2001, 1, 2, 0), ("p", "C", 2002, 2, 3, 0),
        ("q", "A", 2001, 0, 1, 0), ("q", "A", 2002, 1, 2, 0),
        ("q", "B", 2001, 0, 1, 0), ("q", "B", 2002, 1, 2, 0),
        ("q", "C", 2001, 0, 1, 1),
    ], columns=COLS).astype({"year": "int64", "start": "int64", "stop": "int64", "event": "int8"})
    check_equal(panel, want)
    acc = ds.accounting(panel)
    assert acc.n_rows == 12 and acc.counts["events"] == 3 and acc.counts["unit-policy pairs at risk"] == 6


def test_start_end_and_censoring():
    with pytest.warns(ds.RowAccountingWarning) as rec:
        panel = ds.event_history(AD, start=2001, end=2001)
    msgs = [str(w.message) for w in rec]
    assert any("1 adoptions came before the policy's window opened" in m for m in msgs)  # A/p 2000
    assert any("1 adoptions came after the window" in m and "censored" in m for m in msgs)  # B/p 2002
    assert panel[["policy", "unit", "year", "event"]].values.tolist() == [
        ["p", "B", 2001, 0], ["p", "C", 2001, 0], ["q", "A", 2001, 0], ["q", "B", 2001, 0], ["q", "C", 2001, 1]]
    assert (panel["start"] == 0).all()


def test_windows_table_and_unadopted_policy():
    win = pd.DataFrame({"policy": ["p", "q", "r"], "first_year": [1999, 2001, 2001],
                        "last_year": [2000, np.nan, 2001], "extra": 1})
    with pytest.warns(ds.RowAccountingWarning, match="after the window"):
        panel = ds.event_history(AD, windows=win)
    # p: 1999..2000, B adopts 2002 -> censored; q: last_year NaN -> latest adoption (2002); r: nobody adopted
    assert panel.groupby("policy").size().to_dict() == {"p": 6, "q": 5, "r": 3}
    assert panel.query("policy == 'p'")[["unit", "year", "event"]].values.tolist() == [
        ["A", 1999, 0], ["A", 2000, 1], ["B", 1999, 0], ["B", 2000, 0], ["C", 1999, 0], ["C", 2000, 0]]
    assert panel.query("policy == 'r'")[["unit", "year"]].values.tolist() == [["A", 2001], ["B", 2001], ["C", 2001]]
    assert panel.query("policy == 'q'")["year"].max() == 2002
    assert panel.query("policy == 'p'")["start"].tolist() == [0, 1, 0, 1, 0, 1]


def test_policies_missing_from_windows_reported():
    win = pd.DataFrame({"policy": ["p"], "first_year": [2000], "last_year": [2002]})
    with pytest.warns(ds.RowAccountingWarning, match="1 adoptions belong to 1 policies with no row in windows="):
        panel = ds.event_history(AD, windows=win)
    assert set(panel["policy"]) == {"p"}


def test_units_spans_and_non_overlap():
    units = pd.DataFrame({"unit": ["A", "B", "C", "D"], "first_year": [2001, np.nan, np.nan, 2005],
                          "last_year": [np.nan, 2001, np.nan, np.nan]})
    with pytest.warns(ds.RowAccountingWarning) as rec:
        panel = ds.event_history(AD, units=units)
    msgs = " | ".join(str(w.message) for w in rec)
    assert "1 adoptions came before the unit's first_year" in msgs  # A adopted p in 2000, exists from 2001
    assert "came after the window (or the unit's span) closed" in msgs  # B adopts p 2002, gone after 2001
    assert "2 unit-policy pairs have a unit existence span that does not overlap" in msgs  # D for p and q
    assert "D" not in set(panel["unit"])
    assert panel.query("unit == 'B' and policy == 'p'")["year"].tolist() == [2000, 2001]
    assert panel.query("unit == 'A' and policy == 'q'")["year"].tolist() == [2001, 2002]
    assert panel.query("unit == 'A' and policy == 'p'").empty


def test_units_list_adds_never_adopters_and_excludes_unknown():
    with pytest.warns(ds.RowAccountingWarning, match="1 adoptions are by 1 units not in units="):
        panel = ds.event_history(AD, units=["A", "B", "Z"])
    assert set(panel["unit"]) == {"A", "B", "Z"}
    # q's only adopter (C) is excluded, so q has no first adoption and no risk set
    assert panel.query("unit == 'Z'")["policy"].tolist() == ["p"] * 3


def test_covariates_merge_and_missing_report():
    cov = pd.DataFrame({"unit": ["A", "B", "B", "C", "C"], "year": [2000, 2000, 2001, 2001, 2002],
                        "x": [1.0, 2.0, np.nan, 4.0, 5.0], "g": [1, 2, 3, 4, 5], "s": list("abcde")})
    with pytest.warns(ds.RowAccountingWarning, match=r"rows kept with NaN \(none dropped\)"):
        panel = ds.event_history(AD, covariates=cov)
    assert len(panel) == 12
    acc = ds.accounting(panel)
    key = panel.set_index(["unit", "year"]).index
    matched = key.isin(cov.set_index(["unit", "year"]).index)
    assert acc.counts["rows without a covariates match"] == int((~matched).sum())
    assert acc.counts["missing covariate values"]["x"] == int(panel["x"].isna().sum())
    assert acc.counts["missing covariate values"]["g"] == int((~matched).sum())
    ref = panel[COLS].merge(cov, on=["unit", "year"], how="left")
    pd.testing.assert_frame_equal(panel.reset_index(drop=True), ref, check_dtype=False)


def test_policy_specific_covariates():
    cov = pd.DataFrame({"policy": ["p", "q"], "unit": ["B", "B"], "year": [2001, 2001], "z": [7.0, 8.0]})
    panel = quiet(ds.event_history, AD, covariates=cov)
    got = panel.dropna(subset=["z"])[["policy", "unit", "year", "z"]].values.tolist()
    assert got == [["p", "B", 2001, 7.0], ["q", "B", 2001, 8.0]]


def test_covariate_errors():
    with pytest.raises(ds.DataValidationError, match="sharing a"):
        ds.event_history(AD, covariates=pd.DataFrame({"unit": ["A", "A"], "year": [2000, 2000], "x": [1, 2]}))
    with pytest.raises(ds.InputError, match="already has: event"):
        ds.event_history(AD, covariates=pd.DataFrame({"unit": ["A"], "year": [2000], "event": [1]}))
    with pytest.raises(ds.ColumnNotFoundError, match="column 'year' not found in covariates; did you mean 'yeer'"):
        ds.event_history(AD, covariates=pd.DataFrame({"unit": ["A"], "yeer": [2000]}))


def test_argument_errors():
    with pytest.raises(ds.InputError, match="start=2003 is after end=2001"):
        ds.event_history(AD, start=2003, end=2001)
    with pytest.raises(ds.InputError, match="start= must be an integer year"):
        ds.event_history(AD, start=2000.5)
    with pytest.raises(ds.DataValidationError, match="adopt more than once"):
        ds.event_history(pd.concat([AD, AD.iloc[[0]]]))
    with pytest.raises(ds.ColumnNotFoundError,
                       match="column 'first_year' not found in windows; did you mean 'firstyear'"):
        ds.event_history(AD, windows=pd.DataFrame({"policy": ["p"], "firstyear": [1], "last_year": [2]}))
    with pytest.raises(ds.DataValidationError, match="one row per policy"):
        ds.event_history(AD, windows=pd.DataFrame({"policy": ["p", "p"], "first_year": [1, 1], "last_year": [2, 2]}))
    with pytest.raises(ds.DataValidationError, match="one row per unit"):
        ds.event_history(AD, units=["A", "A"])
    with pytest.raises(ds.InputError, match="units= must be"):
        ds.event_history(AD, units="A")


def test_empty_window_policy_reported():
    win = pd.DataFrame({"policy": ["p", "q"], "first_year": [2005, 2001], "last_year": [2001, 2002]})
    with pytest.warns(ds.RowAccountingWarning, match="1 policies have an empty window"):
        panel = ds.event_history(AD, windows=win)
    assert set(panel["policy"]) == {"q"}


def test_empty_adoptions():
    empty = AD.iloc[:0]
    panel = ds.event_history(empty)
    assert len(panel) == 0 and list(panel.columns) == COLS
    win = pd.DataFrame({"policy": ["p"], "first_year": [2000], "last_year": [2001]})
    panel = ds.event_history(empty, windows=win, units=["A"])
    assert panel[["unit", "year", "event"]].values.tolist() == [["A", 2000, 0], ["A", 2001, 0]]


def test_numeric_unit_labels_and_read_adoptions_output():
    ad = ds.read_adoptions(pd.DataFrame({"unit": [2, 10], "policy": ["p", "p"], "year": [1990, 1991]}))
    panel = ds.event_history(ad)
    assert panel["unit"].tolist() == ["10", "10", "2"]  # labels are strings, sorted as strings


# ------------------------------------------------------------------ property tests
@st.composite
def adoption_data(draw):
    n_units = draw(st.integers(1, 6))
    n_pol = draw(st.integers(1, 4))
    units = [f"u{i}" for i in range(n_units)]
    pols = [f"p{k}" for k in range(n_pol)]
    rows = []
    for p in pols:
        for u in units:
            if draw(st.booleans()):
                rows.append((u, p, draw(st.integers(1990, 2005))))
    ad = pd.DataFrame(rows, columns=["unit", "policy", "year"])
    spans = None
    if draw(st.booleans()):
        extra = [f"u{i}" for i in range(n_units, n_units + draw(st.integers(0, 2)))]
        fy = [draw(st.one_of(st.none(), st.integers(1988, 2006))) for _ in units + extra]
        ly = [draw(st.one_of(st.none(), st.integers(1988, 2008))) for _ in units + extra]
        fy, ly = zip(*[(a, b) if a is None or b is None or a <= b else (b, a) for a, b in zip(fy, ly, strict=True)],
                     strict=True)
        spans = pd.DataFrame({"unit": units + extra, "first_year": pd.array(fy, dtype="Int64"),
                              "last_year": pd.array(ly, dtype="Int64")}).astype({"first_year": float,
                                                                                  "last_year": float})
    windows = None
    if draw(st.booleans()):
        fy = [draw(st.integers(1988, 2004)) for _ in pols]
        ly = [f + draw(st.integers(0, 8)) for f in fy]
        windows = pd.DataFrame({"policy": pols, "first_year": fy, "last_year": ly})
    start = draw(st.one_of(st.none(), st.integers(1989, 1996)))
    end = draw(st.one_of(st.none(), st.integers(1997, 2007)))
    return ad, spans, windows, start, end


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(adoption_data())
def test_property_matches_naive_reference(data):
    ad, spans, windows, start, end = data
    got = quiet(ds.event_history, ad, start=start, end=end, windows=windows, units=spans)
    want = naive_panel(ad, start=start, end=end, windows=windows, units=spans)
    check_equal(got, want)


@SETTINGS
@given(adoption_data(), st.randoms(use_true_random=False))
def test_property_row_order_and_relabelling(data, rnd):
    ad, spans, windows, start, end = data
    base = quiet(ds.event_history, ad, start=start, end=end, windows=windows, units=spans)
    # row order of every input is irrelevant
    shuffled = ad.sample(frac=1, random_state=rnd.randint(0, 10**6))
    sp = spans.sample(frac=1, random_state=1) if spans is not None else None
    wi = windows.sample(frac=1, random_state=2) if windows is not None else None
    again = quiet(ds.event_history, shuffled, start=start, end=end, windows=wi, units=sp)
    pd.testing.assert_frame_equal(base, again)
    # relabelling units (a bijection) relabels the panel and changes nothing else
    labels = sorted(set(ad["unit"]) | (set(spans["unit"]) if spans is not None else set()))
    perm = labels[:]
    rnd.shuffle(perm)
    mapping = {a: f"z_{b}" for a, b in zip(labels, perm, strict=True)}
    ad2 = ad.assign(unit=ad["unit"].map(mapping))
    sp2 = spans.assign(unit=spans["unit"].map(mapping)) if spans is not None else None
    rel = quiet(ds.event_history, ad2, start=start, end=end, windows=windows, units=sp2)
    back = base.assign(unit=base["unit"].map(mapping).astype(object))
    back = back.sort_values(["policy", "unit", "year"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(rel, back)


@SETTINGS
@given(adoption_data())
def test_property_events_and_no_row_after_adoption(data):
    ad, spans, windows, start, end = data
    panel = quiet(ds.event_history, ad, start=start, end=end, windows=windows, units=spans)
    acc = ds.accounting(panel)
    # one row per (policy, unit, year); sorted
    assert not panel.duplicated(["policy", "unit", "year"]).any()
    pd.testing.assert_frame_equal(panel, panel.sort_values(["policy", "unit", "year"]).reset_index(drop=True))
    # each spell is contiguous and the event, if any, is its last row
    g = panel.groupby(["policy", "unit"])
    assert (g["year"].max() - g["year"].min() + 1 == g.size()).all()
    last = panel.groupby(["policy", "unit"]).tail(1)
    assert panel["event"].sum() == last["event"].sum()
    # events = adoptions inside the windows (= adoptions whose year appears as an at-risk row)
    key = ad.merge(panel, on=["policy", "unit", "year"], how="inner")
    assert int(panel["event"].sum()) == len(key) == acc.counts["events"]
    assert (key["event"] == 1).all()
    # no row at or after... strictly after the adoption year
    merged = panel.merge(ad.rename(columns={"year": "adopt"}), on=["policy", "unit"], how="left")
    assert not (merged["year"] > merged["adopt"]).any()
    # every adoption is accounted for
    assert sum(acc.counts["adoptions by outcome"].values()) == len(ad) == acc.counts["adoptions"]
    assert acc.counts["adoptions by outcome"]["event"] == acc.counts["events"]
    assert acc.n_rows == len(panel)


@SETTINGS
@given(adoption_data(), st.integers(1991, 2004))
def test_property_splitting_time_at_a_year(data, cut):
    """Building two windows [s, cut-1] and [cut, e] and stacking them equals one window."""
    ad, spans, _, _, _ = data
    if ad.empty:
        return
    end = int(ad["year"].max())
    start = int(ad["year"].min())
    full = quiet(ds.event_history, ad, start=start, end=end, units=spans)
    if not (start < cut <= end):
        return
    w1 = pd.DataFrame({"policy": sorted(ad["policy"].unique()), "first_year": start, "last_year": cut - 1})
    w2 = w1.assign(first_year=cut, last_year=end)
    a = quiet(ds.event_history, ad, windows=w1, units=spans)
    b = quiet(ds.event_history, ad[ad["year"] >= cut], windows=w2,
              units=spans if spans is not None else sorted(ad["unit"].unique()))
    # in the second piece, units that adopted before `cut` are gone: drop them as the full panel does
    b = b.merge(ad.rename(columns={"year": "adopt"}), on=["policy", "unit"], how="left")
    b = b[~(b["adopt"] < cut)].drop(columns="adopt")
    b["start"] += cut - start
    b["stop"] += cut - start
    stacked = pd.concat([a, b]).sort_values(["policy", "unit", "year"]).reset_index(drop=True)
    check_equal(full, stacked[COLS].astype({"event": "int8"}))


def test_covariates_with_empty_sides():
    cov = pd.DataFrame({"unit": ["A"], "year": [2000], "x": [1.0]})
    empty = ds.event_history(AD.iloc[:0], covariates=cov)
    assert len(empty) == 0 and list(empty.columns) == [*COLS, "x"]
    with pytest.warns(ds.RowAccountingWarning, match="12 panel rows have no matching"):
        panel = ds.event_history(AD, covariates=cov.iloc[:0])
    assert len(panel) == 12 and panel["x"].isna().all()


def test_nullable_integer_spans_and_windows():
    units = pd.DataFrame({"unit": ["A", "B", "C"], "first_year": pd.array([2001, None, None], dtype="Int64"),
                          "last_year": pd.array([None, None, None], dtype="Int64")})
    got = quiet(ds.event_history, AD, units=units)
    want = naive_panel(AD, units=units.astype({"first_year": float, "last_year": float}))
    check_equal(got, want)
    win = pd.DataFrame({"policy": ["p", "q"], "first_year": pd.array([1999, None], dtype="Int64"),
                        "last_year": pd.array([2003, 2003], dtype="Int64")})
    got = ds.event_history(AD, windows=win)
    assert got.groupby("policy")["year"].agg(["min", "max"]).values.tolist() == [[1999, 2003], [2001, 2003]]


@SETTINGS
@given(adoption_data(), st.data())
def test_property_covariate_merge_equals_left_join(data, draw):
    ad, spans, windows, start, end = data
    panel = quiet(ds.event_history, ad, start=start, end=end, windows=windows, units=spans)
    units = sorted(set(ad["unit"]) | {"zz"})
    keys = [(u, y) for u in units for y in range(1986, 2010)]
    chosen = draw.draw(st.lists(st.sampled_from(keys), unique=True, max_size=60))
    cov = pd.DataFrame(chosen, columns=["unit", "year"])
    cov["x"] = np.arange(len(cov), dtype=float)
    cov.loc[cov.index % 3 == 0, "x"] = np.nan
    cov["s"] = [f"s{i}" for i in range(len(cov))]
    got = quiet(ds.event_history, ad, start=start, end=end, windows=windows, units=spans, covariates=cov)
    want = panel.merge(cov, on=["unit", "year"], how="left")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    acc = ds.accounting(got)
    assert acc.n_rows == len(panel)
    assert acc.counts["missing covariate values"] == {"x": int(want["x"].isna().sum()),
                                                      "s": int(want["s"].isna().sum())}


# ------------------------------------------------------------------ published risk sets (real data)
@pytest.mark.parametrize("table,column,policy", [
    ("lottery", "adopt", "lottery"),          # Berry & Berry (1990): 901 state-years
    ("punishment", "adopt_cp", "cappun"),     # Boehmke (2005)
    ("gaming", "adopt_ig", "indgam"),
    ("gaming", "adopt_cg", "casino"),
    ("gaming", "adopt_ct", "cardtab"),
])
def test_reproduces_published_risk_sets(shared_data, table, column, policy):
    """The DHB 2015 replication risk sets are exactly event_history's panels.

    Rows of the published table with a non-missing adoption indicator are the state-years
    at risk; their first and last years give start/end, their states the units.
    """
    t = ds.datasets.load_dhb2015(table)
    risk = t.data.loc[t.data[column].notna(), ["state", "year", column]]
    ad = t.adoptions[t.adoptions["policy"] == policy]
    panel = ds.event_history(ad, start=int(risk["year"].min()), end=int(risk["year"].max()),
                             units=sorted(risk["state"].unique()))
    assert ds.accounting(panel).exclusions == []
    got = panel[["unit", "year", "event"]].reset_index(drop=True)
    want = (risk.rename(columns={"state": "unit", column: "event"}).sort_values(["unit", "year"])
            .reset_index(drop=True).astype({"event": "int8", "year": "int64"}))
    pd.testing.assert_frame_equal(got, want)
