"""ds.dyads / iter_dyads / write_dyads_parquet: SPID sizes, hand-checked cases, a loop
reference, covariates (directed/symmetric, static/by year, Weights, monadic) and row
accounting."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds

KEY = ["policy", "unit", "year", "partner"]


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        return fn(*args, **kw)


@pytest.fixture(scope="module")
def spid(shared_data):
    return quiet(ds.datasets.load_spid)


# ------------------------------------------------------------------ SPID must-show sizes
def test_spid_prior_adopters(spid):
    ad, meta = spid
    d = quiet(ds.dyads, ad, windows=meta)
    assert len(d) == 5_193_965
    assert list(d.columns) == ["policy", "unit", "partner", "year", "event", "partner_adopted",
                               "years_since_partner_adopted"]
    assert d["partner_adopted"].all() and (d["years_since_partner_adopted"] >= 1).all()
    acc = ds.accounting(d)
    assert acc.counts["monadic rows at risk"] == 582_377 and acc.counts["monadic events"] == 17_833
    # every monadic event with at least one prior adopter appears once per prior adopter
    assert acc.counts["dyad events"] == int(d["event"].sum())
    assert d["year"].dtype == np.int16 and d["event"].dtype == np.int8
    assert isinstance(d["unit"].dtype, pd.CategoricalDtype)
    assert d.memory_usage(deep=False).sum() < 80e6


def test_spid_all_sources_size_without_building(spid):
    ad, meta = spid
    chunks = quiet(ds.iter_dyads, ad, windows=meta, sources="all", progress=False)
    assert chunks.n_rows == 28_536_473 == 582_377 * 49


@pytest.mark.slow  # > 10 s
def test_spid_all_sources_built(spid):
    ad, meta = spid
    d = quiet(ds.dyads, ad, windows=meta, sources="all")
    assert len(d) == 28_536_473
    assert int(d["event"].sum()) == 17_833 * 49
    assert int(d["partner_adopted"].sum()) == 5_193_965


# ------------------------------------------------------------------ loop reference
def naive_dyads(ad: pd.DataFrame, units: list[str], end: int, sources: str) -> pd.DataFrame:
    rows = []
    first = ad.groupby("policy")["year"].min()
    for pol, s in first.items():
        ay = dict(zip(ad.loc[ad.policy == pol, "unit"], ad.loc[ad.policy == pol, "year"], strict=True))
        for i in units:
            for t in range(s, end + 1):
                if i in ay and ay[i] < t:
                    break
                for j in units:
                    if j == i:
                        continue
                    adopted = j in ay and ay[j] < t
                    if sources == "prior_adopters" and not adopted:
                        continue
                    rows.append((pol, i, j, t, int(ay.get(i) == t), int(adopted),
                                 float(t - ay[j]) if adopted else np.nan))
    return pd.DataFrame(rows, columns=["policy", "unit", "partner", "year", "event", "partner_adopted",
                                       "years_since_partner_adopted"])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("sources", ["all", "prior_adopters"])
def test_matches_loop_reference(seed, sources):
    rng = np.random.default_rng(seed)
    units = [f"u{k}" for k in range(6)]
    recs = []
    for p in ["p1", "p2", "p3"]:
        for u in units:
            if rng.random() < 0.6:
                recs.append((u, p, int(rng.integers(2000, 2010))))
    ad = pd.DataFrame(recs, columns=["unit", "policy", "year"])
    got = quiet(ds.dyads, ad, units=units, end=2010, sources=sources)
    exp = naive_dyads(ad, units, 2010, sources)
    got = got.astype({"policy": str, "unit": str, "partner": str, "year": int, "event": int,
                      "partner_adopted": int, "years_since_partner_adopted": float})
    got = got.sort_values(KEY).reset_index(drop=True)
    exp = exp.sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[exp.columns], exp, check_dtype=False)
    # the monadic rows of the "all" design are exactly event_history's
    if sources == "all":
        eh = quiet(ds.event_history, ad, units=units, end=2010)
        mon = got[["policy", "unit", "year", "event"]].drop_duplicates().reset_index(drop=True)
        pd.testing.assert_frame_equal(mon, eh[["policy", "unit", "year", "event"]].astype({"event": int}),
                                      check_dtype=False)


def test_hand_checked():
    ad = pd.DataFrame({"unit": ["A", "B"], "policy": ["p", "p"], "year": [2001, 2003]})
    d = quiet(ds.dyads, ad, units=["A", "B", "C"], end=2003)
    assert d[["unit", "partner", "year", "event"]].astype(str).values.tolist() == [
        ["B", "A", "2002", "0"], ["B", "A", "2003", "1"], ["C", "A", "2002", "0"], ["C", "A", "2003", "0"]]
    acc = ds.accounting(d)
    assert acc.counts["monadic rows without partners"] == 3  # A, B, C in 2001: nobody had adopted before
    with pytest.warns(ds.RowAccountingWarning, match="3 monadic rows at risk have no partner"):
        ds.dyads(ad, units=["A", "B", "C"], end=2003)


def test_unit_spans_limit_partners():
    ad = pd.DataFrame({"unit": ["A", "B"], "policy": ["p", "p"], "year": [2000, 2001]})
    units = pd.DataFrame({"unit": ["A", "B", "C"], "first_year": [np.nan, np.nan, 2002],
                          "last_year": [2000, np.nan, np.nan]})
    d = quiet(ds.dyads, ad, units=units, end=2003, sources="all")
    # A exists only in 2000, C only from 2002: never partners outside those years
    assert not ((d["partner"] == "A") & (d["year"] > 2000)).any()
    assert not ((d["partner"] == "C") & (d["year"] < 2002)).any()
    got = sorted(map(tuple, d[["unit", "partner", "year"]].astype(str).values.tolist()))
    assert got == [("A", "B", "2000"), ("B", "A", "2000"), ("C", "B", "2002"), ("C", "B", "2003")]


# ------------------------------------------------------------------ covariates
@pytest.fixture()
def small():
    ad = pd.DataFrame({"unit": ["A", "B", "C"], "policy": ["p", "p", "p"], "year": [2000, 2001, 2003]})
    return ad


def test_dyad_covariates_directed_symmetric_by_year(small):
    dist = pd.DataFrame({"unit": ["A", "A", "B"], "partner": ["B", "C", "C"], "dist": [1.0, 2.0, 3.0]})
    trade = pd.DataFrame({"unit": ["B", "C", "C"], "partner": ["A", "A", "B"], "year": [2001, 2002, 2002],
                          "trade": [0.5, 0.25, 0.75]})
    with pytest.warns(ds.RowAccountingWarning, match="no covariate match"):
        d = ds.dyads(small, units=["A", "B", "C", "D"], end=2003, sources="all",
                     dyad_covariates=[(dist, "symmetric"), trade])
    row = d.set_index(["unit", "partner", "year"])
    assert row.loc[("C", "A", 2002), "dist"] == 2.0  # symmetric: (A, C) listed once
    assert row.loc[("B", "A", 2001), "trade"] == 0.5
    assert np.isnan(row.loc[("B", "A", 2000), "trade"])  # by year: no 2000 row
    assert d["dist"].dtype == np.float32
    acc = ds.accounting(d)
    un = acc.counts["dyads without a covariate match"]
    assert un["dyad_covariates[0]"] == int(d["dist"].isna().sum()) > 0  # pairs with D
    assert un["dyad_covariates[1]"] == int(d["trade"].isna().sum())
    assert acc.counts["missing covariate values"]["trade"] == un["dyad_covariates[1]"]
    assert len(d) == acc.n_rows  # nothing dropped


def test_monadic_covariates_both_sides(small):
    cov = pd.DataFrame({"unit": ["A", "B", "C"], "year": [2001, 2001, 2001], "gdp": [1.0, 2.0, 3.0],
                        "region": ["n", "s", "s"]})
    d = quiet(ds.dyads, small, units=["A", "B", "C"], end=2003, sources="all", covariates=cov)
    r = d[(d["year"] == 2001) & (d["unit"] == "B") & (d["partner"] == "C")].iloc[0]
    assert r["unit_gdp"] == 2.0 and r["partner_gdp"] == 3.0 and r["partner_region"] == "s"
    assert isinstance(d["unit_region"].dtype, pd.CategoricalDtype)
    assert d.loc[d["year"] != 2001, "unit_gdp"].isna().all()
    static = cov.drop(columns="year").assign(gdp=[5.0, 6.0, 7.0])
    d2 = quiet(ds.dyads, small, units=["A", "B", "C"], end=2003, covariates=static, float32=False)
    assert d2["unit_gdp"].notna().all() and d2["unit_gdp"].dtype == np.float64


def test_weights_as_dyad_covariate(small):
    edges = pd.DataFrame({"source": ["A"], "target": ["B"]})
    W = ds.Weights.from_edges(edges, units=["A", "B", "C"], name="border")
    d = quiet(ds.dyads, small, units=["A", "B", "C"], end=2003, sources="all", dyad_covariates=W)
    ab = d["unit"].isin(["A", "B"]) & d["partner"].isin(["A", "B"])
    assert (d.loc[ab, "border"] == 1).all() and ab.any()
    assert (d.loc[~ab, "border"] == 0).all()
    # a unit the matrix does not know: NaN, counted as unmatched
    W2 = ds.Weights.from_edges(edges, name="border")
    with pytest.warns(ds.RowAccountingWarning, match="no covariate match"):
        d2 = ds.dyads(small, units=["A", "B", "C"], end=2003, sources="all", dyad_covariates=W2)
    involves_c = (d2["unit"] == "C") | (d2["partner"] == "C")
    assert d2.loc[involves_c, "border"].isna().all()
    assert ds.accounting(d2).counts["dyads without a covariate match"]["dyad_covariates[0]"] == involves_c.sum()


def test_covariate_errors(small):
    dup = pd.DataFrame({"unit": ["A", "A"], "partner": ["B", "B"], "x": [1, 2]})
    with pytest.raises(ds.DataValidationError, match="several rows"):
        quiet(ds.dyads, small, dyad_covariates=dup)
    with pytest.raises(ds.ColumnNotFoundError, match="partner"):
        quiet(ds.dyads, small, dyad_covariates=pd.DataFrame({"unit": ["A"], "source": ["B"], "x": [1]}))
    with pytest.raises(ds.InputError, match="clash"):
        quiet(ds.dyads, small, dyad_covariates=pd.DataFrame({"unit": ["A"], "partner": ["B"], "event": [1]}))
    with pytest.raises(ds.InputError, match="policy-specific"):
        quiet(ds.dyads, small, covariates=pd.DataFrame({"unit": ["A"], "policy": ["p"], "x": [1.0]}))
    with pytest.raises(ds.InputError, match="sources="):
        quiet(ds.dyads, small, sources="everyone")
    with pytest.raises(ds.InputError, match="directed"):
        quiet(ds.dyads, small, dyad_covariates=(pd.DataFrame({"unit": [], "partner": []}), "both"))


# ------------------------------------------------------------------ chunked paths
def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Fast exact equality (assert_frame_equal is slow on millions of categorical rows)."""
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for c in a.columns:
        x, y = a[c], b[c]
        assert x.dtype == y.dtype, c
        if isinstance(x.dtype, pd.CategoricalDtype):
            assert list(x.cat.categories) == list(y.cat.categories)
            np.testing.assert_array_equal(x.cat.codes.to_numpy(), y.cat.codes.to_numpy())
        else:
            np.testing.assert_array_equal(x.to_numpy(), y.to_numpy())


def test_iter_and_parquet_equal_full(spid, tmp_path):
    ad, meta = spid
    pols = meta["policy"].iloc[:40]
    ad, meta = ad[ad["policy"].isin(pols)], meta[meta["policy"].isin(pols)]
    full = quiet(ds.dyads, ad, windows=meta, sources="all", units=sorted(spid[0]["unit"].unique()))
    chunks = quiet(ds.iter_dyads, ad, windows=meta, sources="all", units=sorted(spid[0]["unit"].unique()),
                   partition_rows=100_000, progress=False)
    parts = list(chunks)
    assert len(parts) == len(chunks) > 1
    got = pd.concat(parts, ignore_index=True)
    same_frame(got, full)
    assert chunks.accounting.n_rows == len(full)
    acc = quiet(ds.write_dyads_parquet, ad, tmp_path / "d", windows=meta, sources="all",
                units=sorted(spid[0]["unit"].unique()), partition_rows=100_000, progress=False)
    back = pd.read_parquet(tmp_path / "d")
    assert len(back) == len(full) == acc.counts["dyad rows"]
    assert int(back["event"].sum()) == acc.counts["dyad events"] == int(full["event"].sum())
    with pytest.raises(ds.InputError, match="already holds"):
        quiet(ds.write_dyads_parquet, ad, tmp_path / "d", windows=meta)


def test_case_control_sample_from_chunks(spid):
    ad, meta = spid
    pols = meta["policy"].iloc[:30]
    chunks = quiet(ds.iter_dyads, ad[ad["policy"].isin(pols)], windows=meta[meta["policy"].isin(pols)],
                   sources="all", partition_rows=50_000, progress=False)
    s = ds.case_control_sample(chunks, fraction=0.05, seed=3)
    info = s.reports.case_control
    assert info["n_population"] == chunks.n_rows
    assert s["event"].sum() == info["n_events"]
    assert isinstance(s["unit"].dtype, pd.CategoricalDtype)
    res = ds.DyadicLogit("event ~ partner_adopted", s, case_control="prior").fit(cov_type="dyadic")
    assert np.isfinite(res.std_errors).all()


def test_relabel_and_row_order_invariance():
    rng = np.random.default_rng(7)
    units = [f"u{k}" for k in range(7)]
    recs = [(u, p, int(rng.integers(1990, 2000))) for p in ["a", "b"] for u in units if rng.random() < 0.7]
    ad = pd.DataFrame(recs, columns=["unit", "policy", "year"])
    base = quiet(ds.dyads, ad, units=units, end=2000, sources="all")
    mapping = {u: f"Z{6 - k}" for k, u in enumerate(units)}  # reverses the sort order of the labels
    ad2 = ad.assign(unit=ad["unit"].map(mapping)).sample(frac=1, random_state=1)
    other = quiet(ds.dyads, ad2, units=[mapping[u] for u in units], end=2000, sources="all")
    back = other.astype({"unit": str, "partner": str})
    inv = {v: k for k, v in mapping.items()}
    back["unit"] = back["unit"].map(inv)
    back["partner"] = back["partner"].map(inv)
    cols = ["policy", "unit", "partner", "year", "event", "partner_adopted", "years_since_partner_adopted"]
    a = base.astype({"policy": str, "unit": str, "partner": str})[cols].sort_values(KEY).reset_index(drop=True)
    b = back.astype({"policy": str})[cols].sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
