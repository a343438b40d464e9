"""ds.exposure: Berry & Berry's lottery neighbours, hand-checked cases, invariances."""

from __future__ import annotations

import doctest
import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffusion_stats as ds
from diffusion_stats.weights.core import Weights

emod = importlib.import_module("diffusion_stats.design.exposure")  # the module (ds.exposure is the function)
WATER = [("IL", "MI"), ("ME", "MA")]  # B&B's water borders (../shared/data/README.md)


def _quiet(*args, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        return ds.exposure(*args, **kwargs)


def naive_exposure(panel, adoptions, W, lag, kind, missing_years="previous") -> np.ndarray:
    """Row-by-row reference: the definition in contract 5, written as plainly as possible."""
    year_of = {(u, p): y for u, p, y in adoptions[["unit", "policy", "year"]].itertuples(index=False)}
    out = []
    for p, i, t in panel[["policy", "unit", "year"]].itertuples(index=False):
        s = t - lag
        if W.is_time_varying:
            yrs = np.array(W.years)
            if s in W.years:
                key = s
            elif missing_years == "nearest":
                key = int(yrs[np.lexsort((yrs, np.abs(yrs - s)))[0]])
            else:
                key = int(yrs[yrs <= s].max())
            m = W.matrix(key).toarray()
        else:
            m = W.matrix().toarray()
        r = W.labels.index(str(i))
        cnt = wsum = 0.0
        for c, j in enumerate(W.labels):
            if j == str(i) or m[r, c] == 0:
                continue
            adopted = year_of.get((j, p), 10**9) <= s
            cnt += (m[r, c] > 0) * adopted
            wsum += m[r, c] * adopted
        deg = np.count_nonzero(m[r])
        out.append({"count": cnt, "share": cnt / deg if deg else 0.0, "weighted": wsum}[kind])
    return np.array(out, dtype=float)


def test_docstring_examples_run():
    res = doctest.testmod(emod, extraglobs={"ds": ds, "pd": pd, "np": np})
    assert res.failed == 0 and res.attempted >= 4


# --------------------------------------------------------------------------- Berry & Berry
@pytest.fixture(scope="module")
def lottery(shared_data):
    d = pd.read_csv(shared_data / "dhb2015" / "lottery.tab", sep="\t")
    d["year"] = d["year"] + 1900  # coded 64..86
    return d


def test_berry_berry_neighbor_reproduced(lottery):
    """All 901 rows of B&B's `neighbor` from the public API.

    Adoption years come from the file itself (the year with adopt = 1). No state adopted
    a lottery before the 1964 window: New Hampshire's 1964 lottery, the first of the
    modern era, is in the file (adopt = 1 in 1964), as are NY 1967, NJ 1971, ... So
    every lottery B&B count is visible in the file, and an adopter's exposure would count
    pre-window adopters anyway (they need only be in `adoptions`, not in the panel).
    """
    assert lottery.groupby("state")["adopt"].sum().max() == 1
    adopt = ds.read_adoptions(lottery.loc[lottery.adopt == 1].assign(policy="lottery"), unit="state")
    assert len(adopt) == 27 and adopt.year.min() == 1964  # NH: first modern state lottery
    units = pd.DataFrame({"unit": sorted(lottery.state.unique())})  # 48 contiguous states
    panel = ds.event_history(adopt, start=1964, end=1986, units=units)
    assert len(panel) == 901 and panel.event.sum() == 27
    W = ds.Weights.us_borders("queen", extra_pairs=WATER)
    out = ds.exposure(panel, adopt, W, kind="count", lag=1, name="nbr")
    m = out.merge(lottery.rename(columns={"state": "unit"}), on=["unit", "year"], how="outer", validate="1:1",
                  indicator=True)
    assert (m["_merge"] == "both").all() and len(m) == 901
    assert (m["event"] == m["adopt"]).all()
    np.testing.assert_array_equal(m["nbr"].to_numpy(), m["neighbor"].to_numpy())
    assert out["nbr"].dtype == np.int64
    # without the water borders, B&B's counts are not reproduced: IL's rows after MI's 1972 lottery and
    # ME's after MA's 1972 lottery differ (MI and MA adopted first, so their own rows agree)
    plain = ds.exposure(panel, adopt, ds.Weights.us_borders("queen"), kind="count", name="nbr")
    diff = plain.merge(lottery.rename(columns={"state": "unit"}), on=["unit", "year"])
    assert set(diff.loc[diff.nbr != diff.neighbor, "unit"]) == {"IL", "ME"}
    assert ds.accounting(out).counts["nbr: isolate rows (exposure 0)"] == 0
    assert out.reports.exposure["nbr"].isolates == ()
    # pre-window adopters: open the window in 1970 instead. NH (1964) and NY (1967) leave the
    # risk set (reported), but still count as neighbours: exposure reads `adoptions`, not the panel
    with pytest.warns(ds.RowAccountingWarning, match="before the policy's window"):
        late = ds.event_history(adopt, start=1970, end=1986, units=units)
    assert not late.unit.isin(["NH", "NY"]).any()
    late = ds.exposure(late, adopt, W, kind="count", name="nbr")
    m70 = late.merge(lottery.rename(columns={"state": "unit"}), on=["unit", "year"], validate="1:1")
    assert len(m70) == len(late) == int((lottery.year >= 1970).sum())  # every 1970-86 row of the file
    np.testing.assert_array_equal(m70["nbr"].to_numpy(), m70["neighbor"].to_numpy())
    assert m70.loc[m70.unit.eq("VT") & m70.year.eq(1970), "nbr"].item() == 2  # NH and NY, both pre-1970


def test_berry_berry_share_vs_nbrpercn(lottery):
    """``nbrpercn`` = neighbor / number of neighbours, except where the file's own
    denominators are inconsistent: WI (2 instead of 4; its 1986 value is 1.5 > 1),
    KY (8 instead of 7) and AR (7 instead of 6): 28 rows, all of these three states."""
    adopt = ds.read_adoptions(lottery.loc[lottery.adopt == 1].assign(policy="lottery"), unit="state")
    panel = lottery.rename(columns={"state": "unit"}).assign(policy="lottery")
    out = ds.exposure(panel, adopt, ds.Weights.us_borders(extra_pairs=WATER), kind="share", name="share")
    bad = ~np.isclose(out["share"], out["nbrpercn"], atol=6e-5)  # nbrpercn stored with 4 decimals
    assert bad.sum() == 28 and set(out.loc[bad, "unit"]) == {"WI", "KY", "AR"}
    assert out.loc[out.unit.eq("WI"), "nbrpercn"].max() == 1.5


def test_time_varying_netinf_on_lottery_matches_pandas(lottery, shared_data):
    """W_t = DHB's inferred diffusion network by year (1960-2009) on the lottery risk set."""
    net = pd.read_csv(shared_data / "dhb2015" / "dhb2015apsr-networks.csv")
    with pytest.warns(ds.RowAccountingWarning, match="self-pairs"):
        W = Weights.from_dyads(net, unit1="state_02", unit2="state_01", value="src_10_400", year="year",
                               name="netinf")
    adopt = ds.read_adoptions(lottery.loc[lottery.adopt == 1].assign(policy="lottery"), unit="state")
    panel = lottery[["state", "year"]].rename(columns={"state": "unit"}).assign(policy="lottery")
    with pytest.warns(ds.RowAccountingWarning, match=r"133 rows of 33 unit\(s\) with no partner in W"):
        out = ds.exposure(panel, adopt, W, kind="count", name="x")
    # plain pandas: ties (i <- j) in year t-1 joined to j's adoption year
    ties = net[(net.src_10_400 == 1) & (net.state_01 != net.state_02)]
    j = panel.assign(s=panel.year - 1).merge(ties, left_on=["unit", "s"], right_on=["state_02", "year"],
                                             suffixes=("", "_w"))
    j = j.merge(adopt.rename(columns={"unit": "state_01", "year": "ay"})[["state_01", "ay"]], on="state_01")
    ref = (j[j.ay <= j.s].groupby(["unit", "year"]).size().rename("ref").reset_index())
    m = out.merge(ref, on=["unit", "year"], how="left").fillna({"ref": 0})
    np.testing.assert_array_equal(m["x"].to_numpy(), m["ref"].to_numpy())
    assert m["x"].sum() > 50  # not trivially zero


# --------------------------------------------------------------------------- hand-checked
@pytest.fixture
def chain():
    # a - b - c - d
    return Weights.from_edges(pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "d"]}), name="chain")


def _grid(units, years, policy="p"):
    return pd.DataFrame([(policy, u, y) for u in units for y in years], columns=["policy", "unit", "year"])


def test_lag_hand_checked(chain):
    adopt = pd.DataFrame({"unit": ["a", "b"], "policy": "p", "year": [2000, 2002]})
    panel = _grid(["c", "d"], range(2000, 2006))
    exp = {1: [0, 0, 0, 1, 1, 1], 0: [0, 0, 1, 1, 1, 1], 2: [0, 0, 0, 0, 1, 1]}
    for lag, want in exp.items():
        out = ds.exposure(panel, adopt, chain, kind="count", lag=lag)
        assert out.loc[out.unit == "c", "exposure"].tolist() == want, lag
        assert out.loc[out.unit == "d", "exposure"].tolist() == [0] * 6
    sh = ds.exposure(_grid(["b"], [2000, 2001, 2003]), adopt, chain, kind="share")
    assert sh["exposure"].tolist() == [0.0, 0.5, 0.5]  # b's partners: a (2000) and c (never)


def test_own_adoption_never_counts():
    W = Weights.from_matrix([[0, 2, 0], [3, 0, 0], [0, 0, 0]], labels="abc")
    adopt = pd.DataFrame({"unit": ["a", "b", "c"], "policy": "p", "year": [2000, 2000, 2000]})
    panel = _grid(["a", "b", "c"], [2001])
    with pytest.warns(ds.RowAccountingWarning, match=r"1 rows of 1 unit\(s\) with no partner in W \(c\)"):
        out = ds.exposure(panel, adopt, W, kind="weighted")
    assert out["exposure"].tolist() == [2.0, 3.0, 0.0]
    assert _quiet(panel, adopt, W, kind="count")["exposure"].tolist() == [1, 1, 0]


def test_time_varying_hand_checked_and_fallbacks():
    e = pd.DataFrame({"source": ["b", "c"], "target": ["a", "a"], "w": [2.0, 5.0], "year": [2000, 2001]})
    W = Weights.from_edges(e, weight="w", year="year", symmetric=False, name="Wt")
    adopt = pd.DataFrame({"unit": ["b", "c"], "policy": "p", "year": [1999, 1999]})
    panel = _grid(["a"], [2001, 2002, 2003])
    out = _quiet(panel, adopt, W, kind="weighted")
    assert out["exposure"].tolist() == [2.0, 5.0, 5.0]  # W_2000, W_2001, (no W_2002) previous: W_2001
    rep = out.reports.exposure["exposure"]
    assert rep.year_fallback_rows == 1 and rep.year_map == {2002: 2001}
    assert _quiet(panel, adopt, W, kind="weighted", missing_years="zero")["exposure"].tolist() == [2.0, 5.0, 0.0]
    with pytest.raises(ds.InputError, match=r"no matrix for year 2002.*missing_years="):
        ds.exposure(panel, adopt, W, kind="weighted", missing_years="raise")
    early = _grid(["a"], [2000, 2001])
    with pytest.raises(ds.InputError, match=r"starts in 2000 but the panel needs year 1999.*'nearest'"):
        ds.exposure(early, adopt, W)
    with pytest.warns(ds.RowAccountingWarning, match=r"1 rows had no W for year t - 1"):
        near = ds.exposure(early, adopt, W, kind="weighted", missing_years="nearest")
    assert near["exposure"].tolist() == [2.0, 2.0]
    # ties change but adoptions before the change still count under the new ties
    adopt2 = pd.DataFrame({"unit": ["c"], "policy": "p", "year": [1990]})
    assert _quiet(panel, adopt2, W, kind="count")["exposure"].tolist() == [0, 1, 1]
    # isolates by year: b has a tie only in 2000 (as a partner of nobody: row empty)
    tv = _quiet(_grid(["a", "b"], [2001]), adopt, W, kind="share")
    assert tv.reports.exposure["exposure"].isolates == ("b",)


def test_missing_units_and_unknown_adopters(chain):
    adopt = pd.DataFrame({"unit": ["a", "zz"], "policy": "p", "year": [2000, 2000]})
    panel = _grid(["b", "x", "y"], [2001])
    with pytest.raises(ds.InputError, match=r"2 unit\(s\) not in W 'chain': x, y.*missing_units='zero'"):
        ds.exposure(panel, adopt, chain)
    with pytest.warns(ds.RowAccountingWarning) as rec:
        out = ds.exposure(panel, adopt, chain, missing_units="zero", kind="count")
    msg = str(rec[0].message)
    assert "2 rows of 2 unit(s) not in W (x, y) get exposure 0" in msg and "adoptions by 1 unit(s) not in W" in msg
    assert out["exposure"].tolist() == [1, 0, 0]
    rep = out.reports.exposure["exposure"]
    assert rep.missing_units == ("x", "y") and rep.adopters_not_in_w == ("zz",)
    assert "not in W" in str(rep)


def test_pre_window_adopters_count_and_policies_separate(chain):
    adopt = pd.DataFrame({"unit": ["a", "c", "c"], "policy": ["p", "p", "q"], "year": [1950, 1999, 2001]})
    panel = pd.concat([_grid(["b"], [2000, 2002], "p"), _grid(["b"], [2000, 2002], "q"), _grid(["b"], [2000], "r")])
    out = ds.exposure(panel, adopt, chain, kind="count")  # a (1950) is not in the panel but counts
    assert out["exposure"].tolist() == [2, 2, 0, 1, 0]


def test_row_standardized_weighted_equals_share():
    W = Weights.us_borders()
    rng = np.random.default_rng(0)
    adopt = pd.DataFrame({"unit": list(W.labels), "policy": "p", "year": rng.integers(1990, 2010, W.n)})
    panel = _grid(list(W.labels), range(1990, 2011))
    share = _quiet(panel, adopt, W, kind="share")["exposure"]
    with pytest.warns(ds.RowAccountingWarning):
        R = W.row_standardize()
    weighted = _quiet(panel, adopt, R, kind="weighted")["exposure"]
    np.testing.assert_allclose(share, weighted, rtol=1e-12)
    sub = panel.iloc[::37]
    np.testing.assert_allclose(share.iloc[::37], naive_exposure(sub, adopt, W, 1, "share"), rtol=1e-12)


def test_accounting_carried_from_panel(chain):
    adopt = ds.read_adoptions(pd.DataFrame({"unit": ["a", "c"], "policy": "p", "year": [2000, 2003]}))
    panel = ds.event_history(adopt, units=["a", "b", "c", "d"], end=2004)
    out = ds.exposure(panel, adopt, chain, kind="count", name="nb")
    acc = ds.accounting(out)
    assert acc.builder == "event_history" and acc.counts["nb: isolate rows (exposure 0)"] == 0
    assert acc is not ds.accounting(panel) and "nb: isolate rows (exposure 0)" not in ds.accounting(panel).counts
    twice = ds.exposure(out, adopt, chain.row_standardize(), kind="weighted", name="nb2")
    assert set(twice.reports.exposure) == {"nb", "nb2"}
    assert "nb" not in panel.columns and len(out) == len(panel)


@pytest.mark.parametrize("kwargs, err, match", [
    ({"kind": "mean"}, ds.InputError, r"kind='mean'"),
    ({"lag": -1}, ds.InputError, r"lag=-1"),
    ({"lag": 1.5}, ds.InputError, r"lag=1.5"),
    ({"name": "year"}, ds.InputError, r"name='year'.*already has a column"),
    ({"missing_units": "drop"}, ds.InputError, r"missing_units='drop'"),
    ({"missing_years": "interpolate"}, ds.InputError, r"missing_years='interpolate'"),
])
def test_bad_arguments(chain, kwargs, err, match):
    adopt = pd.DataFrame({"unit": ["a"], "policy": "p", "year": [2000]})
    with pytest.raises(err, match=match):
        ds.exposure(_grid(["b"], [2001]), adopt, chain, **kwargs)


def test_bad_inputs(chain):
    adopt = pd.DataFrame({"unit": ["a"], "policy": "p", "year": [2000]})
    with pytest.raises(ds.InputError, match="W must be a ds.Weights"):
        ds.exposure(_grid(["b"], [2001]), adopt, np.eye(4))
    with pytest.raises(ds.ColumnNotFoundError, match=r"'unit' not found in panel; did you mean 'units'"):
        ds.exposure(_grid(["b"], [2001]).rename(columns={"unit": "units"}), adopt, chain)
    with pytest.raises(ds.DataValidationError):
        ds.exposure(_grid(["b"], [2001]), pd.concat([adopt, adopt]), chain)  # duplicated adoption
    with pytest.raises(ds.DataValidationError, match="panel\\['year'\\]"):
        ds.exposure(_grid(["b"], [2001]).assign(year=np.nan), adopt, chain)


# --------------------------------------------------------------------------- invariances
@st.composite
def small_problem(draw, time_varying=False):
    n = draw(st.integers(2, 6))
    labels = [f"u{k}" for k in range(n)]
    years = list(range(2000, 2006))
    wyears = years if time_varying else [None]
    rows = []
    for wy in wyears:
        for i in range(n):
            for j in range(n):
                if i != j and draw(st.booleans()):
                    rows.append((labels[i], labels[j], draw(st.sampled_from([0.5, 1.0, 2.0])), wy))
    if not rows:
        rows.append((labels[0], labels[1], 1.0, wyears[0]))
    e = pd.DataFrame(rows, columns=["unit", "partner", "w", "year"])
    if time_varying:
        W = Weights.from_dyads(e, unit1="unit", unit2="partner", value="w", year="year", units=labels)
    else:
        W = Weights.from_dyads(e, unit1="unit", unit2="partner", value="w", units=labels)
    ad = []
    for p in ("p", "q"):
        for u in labels:
            if draw(st.booleans()):
                ad.append((u, p, draw(st.sampled_from(years))))
    adopt = pd.DataFrame(ad, columns=["unit", "policy", "year"])
    panel = pd.DataFrame([(p, u, y) for p in ("p", "q") for u in labels for y in years],
                         columns=["policy", "unit", "year"])
    keep = draw(st.lists(st.booleans(), min_size=len(panel), max_size=len(panel)))
    panel = panel[np.array(keep)] if any(keep) else panel
    lag = draw(st.integers(0, 2))
    kind = draw(st.sampled_from(["count", "share", "weighted"]))
    return W, adopt, panel.reset_index(drop=True), lag, kind


_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(small_problem())
def test_matches_naive_static(prob):
    W, adopt, panel, lag, kind = prob
    out = _quiet(panel, adopt, W, lag=lag, kind=kind)
    np.testing.assert_allclose(out["exposure"].to_numpy(dtype=float), naive_exposure(panel, adopt, W, lag, kind),
                               rtol=1e-12)


@_SETTINGS
@given(small_problem(time_varying=True))
def test_matches_naive_time_varying(prob):
    W, adopt, panel, lag, kind = prob
    out = _quiet(panel, adopt, W, lag=lag, kind=kind, missing_years="nearest")
    np.testing.assert_allclose(out["exposure"].to_numpy(dtype=float),
                               naive_exposure(panel, adopt, W, lag, kind, "nearest"), rtol=1e-12)


@_SETTINGS
@given(small_problem(time_varying=True), st.randoms(use_true_random=False))
def test_row_order_invariance(prob, rnd):
    W, adopt, panel, lag, kind = prob
    base = _quiet(panel, adopt, W, lag=lag, kind=kind, missing_years="nearest")
    perm = list(range(len(panel)))
    rnd.shuffle(perm)
    aperm = list(range(len(adopt)))
    rnd.shuffle(aperm)
    shuffled = _quiet(panel.iloc[perm], adopt.iloc[aperm], W, lag=lag, kind=kind, missing_years="nearest")
    pd.testing.assert_series_equal(shuffled["exposure"].sort_index(), base["exposure"])


@_SETTINGS
@given(small_problem(), st.randoms(use_true_random=False))
def test_relabelling_invariance(prob, rnd):
    """Renaming units (a permutation of labels, so W's label order changes too) changes nothing."""
    W, adopt, panel, lag, kind = prob
    base = _quiet(panel, adopt, W, lag=lag, kind=kind)
    old = list(W.labels)
    new = [f"z{k}" for k in range(len(old))]
    rnd.shuffle(new)
    ren = dict(zip(old, new, strict=True))
    f = W.to_frame()
    W2 = Weights.from_dyads(f.assign(unit=f.unit.map(ren), partner=f.partner.map(ren)), unit1="unit",
                            unit2="partner", value="weight", units=sorted(new))  # new label order
    out = _quiet(panel.assign(unit=panel.unit.map(ren)), adopt.assign(unit=adopt.unit.map(ren)), W2, lag=lag,
                 kind=kind)
    np.testing.assert_allclose(out["exposure"].to_numpy(dtype=float), base["exposure"].to_numpy(dtype=float),
                               rtol=1e-12)


def test_ds_exposure_stays_the_function_after_importing_the_module(chain):
    """``import diffusion_stats.design.exposure`` must not rebind ``ds.exposure`` to the module."""
    import diffusion_stats.design.exposure  # noqa: F401

    assert callable(ds.exposure) and ds.exposure is emod.exposure
    adopt = pd.DataFrame({"unit": ["a"], "policy": "p", "year": [2000]})
    assert ds.exposure(_grid(["b"], [2001]), adopt, chain, kind="count")["exposure"].tolist() == [1]


def test_spid_pooled_border_share_matches_pandas(shared_data):
    """SPID v1.0 pooled risk set (SPID windows, 50 states) with the queen-border share,
    checked against a plain pandas merge on a sample of 3,000 rows (the full comparison,
    with timings, is benchmarks/bench_panel.py)."""
    spid = ds.datasets.load_spid(unit="postal")
    W = Weights.us_borders("queen")
    with pytest.warns(ds.RowAccountingWarning):
        panel = ds.event_history(spid.adoptions, windows=spid.metadata, units=pd.DataFrame({"unit": list(W.labels)}))
    assert len(panel) == 582_377 and int(panel.event.sum()) == 17_833
    with pytest.warns(ds.RowAccountingWarning, match=r"26,684 rows of 2 unit\(s\) with no partner in W \(AK, HI\)"):
        out = ds.exposure(panel, spid.adoptions, W, kind="share", name="border")
    rep = out.reports.exposure["border"]
    assert rep.isolates == ("AK", "HI") and rep.isolate_rows == 26_684
    sample = out.sample(3000, random_state=1).reset_index()
    nb = sample.merge(W.to_frame()[["unit", "partner"]], on="unit", how="left")
    nb = nb.merge(spid.adoptions.rename(columns={"unit": "partner", "year": "py"}), on=["policy", "partner"],
                  how="left")
    nb["hit"] = nb["py"] <= nb["year"] - 1
    ref = nb.groupby("index").agg(c=("hit", "sum"), d=("partner", "count"))
    ref = (ref["c"] / ref["d"].where(ref["d"] > 0)).fillna(0.0)
    np.testing.assert_allclose(sample.set_index("index")["border"].loc[ref.index], ref, rtol=0, atol=1e-15)
    assert out["border"].between(0, 1).all() and out["border"].gt(0).mean() > 0.3


def test_empty_panel_gives_an_empty_exposure_column():
    """An empty panel (e.g. a query that matched nothing) gives an empty column, and its
    accounting says the rows were removed after building (it used to raise a raw ValueError)."""
    m = np.array([[0, 1.0], [1.0, 0]])
    W = ds.Weights.from_matrix(m, ["a", "b"], name="pair")
    adopt = pd.DataFrame({"unit": ["a"], "policy": ["p"], "year": [2000]})
    panel = ds.event_history(adopt, units=["a", "b"], end=2003)
    out = ds.exposure(panel.iloc[:0], adopt, W, name="pair")
    assert len(out) == 0 and out["pair"].dtype == np.float64
    assert "removed after building" in str(out.accounting)
    assert len(ds.exposure(panel.iloc[:0], adopt, W, kind="count", name="c")) == 0
