"""netinf and rolling_netinf against R's NetworkInference 1.2.5, plus hand-checked cases.

Reference: ``tests/reference/netinf/make_reference.R`` runs NetworkInference's ``netinf``
(built from its public source) on SPID cascades: all 728 policies, the "Health" and
"Agriculture" majortopic subsets and the 1960-1994 window; exponential, rayleigh and
log-normal; R's own starting values and fixed params; ``n_edges`` and
``p_value_cutoff``. Stored in ``reference.json``; the tests never call R.

Tolerances (the issue's): same edges in the same order, improvements rtol 1e-8,
p-values rtol 1e-6, starting params rtol 1e-12 (the values are stored as 17-digit strings;
agreement is ~1e-14 throughout, exact zeros included).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats import mechanisms as mech
from diffusion_stats.core.errors import DiffusionStatsWarning, InputError, SpecificationError


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "netinf" / "reference.json").read_text())


@pytest.fixture(scope="module")
def spid(shared_data):
    return ds.datasets.load_spid()


def _subset(spid, subset):
    a, meta = spid
    if subset["kind"] == "all":
        return a
    if subset["kind"] == "majortopic":
        return a[a["policy"].isin(meta.loc[meta["majortopic"] == subset["value"], "policy"])]
    lo, hi = subset["value"]
    return a[(a["year"] >= lo) & (a["year"] <= hi)]


def _opt(v):
    return None if v in ({}, [], None) else v  # jsonlite writes R's NULL as {}


CASES = ["all_exponential_default", "all_exponential_fixed", "all_rayleigh_fixed", "health_exponential_default",
         "health_rayleigh_fixed", "health_exponential_cutoff", "agriculture_rayleigh_default",
         "agriculture_exponential_default", "health_lognormal_fixed", "health_lognormal_default",
         "window_1995_exponential_default"]


@pytest.mark.parametrize("case", CASES)
def test_netinf_matches_networkinference(spid, ref, case):
    r = ref["cases"][case]
    kw = {"n_edges": _opt(r["n_edges"]), "p_value_cutoff": _opt(r["p_value_cutoff"])}
    out = mech.netinf(_subset(spid, r["subset"]), trans_mod=r["trans_mod"], params=_opt(r["params_in"]), **kw)
    np.testing.assert_allclose(out.reports.netinf["params"], np.atleast_1d(r["params"]).astype(float), rtol=1e-12)
    assert out["origin"].tolist() == r["origin"]
    assert out["destination"].tolist() == r["destination"]
    np.testing.assert_allclose(out["improvement"], np.array(r["improvement"], dtype=float), rtol=1e-8)
    np.testing.assert_allclose(out["p_value"], np.array(r["p_value"], dtype=float), rtol=1e-6)
    acc = out.accounting
    assert acc.counts["cascades"] == r["n_cascades"] and acc.counts["possible edges"] == r["n_possible"]
    assert acc.counts["adoptions"] == len(_subset(spid, r["subset"])) and acc.n_excluded == 0


def test_reference_case_covers_the_issue(ref):
    # all policies and a topic subset, exponential and rayleigh, with and without params
    c = ref["cases"]
    assert ref["NetworkInference"] == "1.2.5"
    assert c["all_exponential_default"]["n_cascades"] == 728 and _opt(c["all_exponential_default"]["params_in"]) is None
    assert {c[k]["trans_mod"] for k in CASES} == {"exponential", "rayleigh", "log-normal"}
    assert _opt(c["agriculture_rayleigh_default"]["params_in"]) is None


# ---------------------------------------------------------------------------- hand checks
def _toy():
    return pd.DataFrame({"unit": ["A", "B", "C", "A", "B", "A", "C"],
                         "policy": ["p1", "p1", "p1", "p2", "p2", "p3", "p3"],
                         "year": [1990, 1992, 1995, 2000, 2001, 1980, 1983]})


def test_first_edge_by_hand():
    # exponential, lambda = 1: an edge u -> v scores log(0.5 exp(-dt)) instead of the
    # background log(1e-10 exp(-dt_best)); A -> B gains in p1 (dt 2 vs B's only parent A)
    # and p2 (dt 1): 2 * log(0.5 / 1e-10)
    out = mech.netinf(_toy(), n_edges=1, params=1.0)
    assert out[["origin", "destination"]].values.tolist() == [["A", "B"]]
    assert out["improvement"].iloc[0] == pytest.approx(2 * np.log(0.5 / 1e-10), rel=1e-13)


def test_same_year_adopters_do_not_infect_each_other():
    a = pd.DataFrame({"unit": ["A", "B", "C", "A", "B"], "policy": ["p", "p", "p", "q", "q"],
                      "year": [2000, 2000, 2001, 1990, 1990]})
    with pytest.raises(InputError, match="only 2 edges are possible"):
        mech.netinf(a, n_edges=3, params=1.0)
    out = mech.netinf(a, n_edges=2, params=1.0)
    assert set(zip(out["origin"], out["destination"], strict=True)) == {("A", "C"), ("B", "C")}
    counts = out.accounting.counts
    assert counts["adoptions with no earlier adopter"] == 4 and counts["possible edges"] == 2


def test_row_order_and_relabelling_invariance(spid):
    a = _subset(spid, {"kind": "majortopic", "value": "Health"})
    base = mech.netinf(a, n_edges=40)
    shuffled = mech.netinf(a.sample(frac=1, random_state=3), n_edges=40)
    pd.testing.assert_frame_equal(base, shuffled)
    # renaming policies keeps their sorted order -> identical; the time origin does not matter
    moved = a.assign(policy="x_" + a["policy"], year=a["year"] + 100)
    pd.testing.assert_frame_equal(base, mech.netinf(moved, n_edges=40))


def test_errors():
    a = _toy()
    with pytest.raises(SpecificationError, match="exactly one of n_edges"):
        mech.netinf(a)
    with pytest.raises(SpecificationError, match="exactly one of n_edges"):
        mech.netinf(a, n_edges=2, p_value_cutoff=0.1)
    with pytest.raises(InputError, match="trans_mod='gauss'"):
        mech.netinf(a, n_edges=1, trans_mod="gauss")
    with pytest.raises(InputError, match=r"params=\[1, 2\]"):
        mech.netinf(a, n_edges=1, params=[1, 2])
    with pytest.raises(InputError, match="sigma"):
        mech.netinf(a, n_edges=1, trans_mod="log-normal", params=(0, -1))
    with pytest.raises(InputError, match="p_value_cutoff=1.5"):
        mech.netinf(a, p_value_cutoff=1.5)
    with pytest.raises(InputError, match="n_edges=0"):
        mech.netinf(a, n_edges=0)
    tied = pd.DataFrame({"unit": ["A", "B"], "policy": ["p", "p"], "year": [1990, 1990]})
    with pytest.raises(InputError, match="only 0 edges are possible"):
        mech.netinf(tied, n_edges=1)
    assert mech.netinf(tied, p_value_cutoff=0.05).empty
    with pytest.raises(SpecificationError, match="zero likelihood"):
        mech.netinf(a, n_edges=1, params=1000.0)


# ---------------------------------------------------------------------------- rolling
def test_rolling_window_reproduces_netinf_by_hand(spid, ref):
    a = spid.adoptions
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiffusionStatsWarning)
        W = mech.rolling_netinf(a, window=35, n_edges=300, years=[1995, 1996])
    hand = mech.netinf(a[(a["year"] >= 1960) & (a["year"] <= 1994)], n_edges=300)
    r = ref["cases"]["window_1995_exponential_default"]
    assert hand["origin"].tolist() == r["origin"]
    ties = W.to_frame()
    t95 = ties[ties["year"] == 1995]
    assert set(zip(t95["partner"], t95["unit"], strict=True)) == set(zip(hand["origin"], hand["destination"],
                                                                          strict=True))
    counts = W.accounting.counts
    assert counts["cascades per window"]["1995"] == r["n_cascades"]
    assert counts["edges per year"] == {"1995": 300, "1996": 300}
    assert counts["adoptions per window"]["1995"] == int(((a["year"] >= 1960) & (a["year"] <= 1994)).sum())


def test_rolling_never_uses_own_year_or_later():
    # adoptions in year t (and later) must not change the network for year t
    a = _toy()
    W = mech.rolling_netinf(a, window=30, n_edges=1, years=[1996], params=1.0)
    later = pd.concat([a, pd.DataFrame({"unit": ["C", "B", "C"], "policy": ["p2", "p3", "p4"],
                                        "year": [1996, 1996, 2005]})])
    W2 = mech.rolling_netinf(later, window=30, n_edges=1, years=[1996], params=1.0)
    assert W.equals(W2)
    # ...while an adoption in t - 1 enters the window
    earlier = pd.concat([a, pd.DataFrame({"unit": ["C"], "policy": ["p2"], "year": [1995]})])
    W3 = mech.rolling_netinf(earlier, window=30, n_edges=1, years=[1996], params=1.0)
    assert W3.accounting.counts["adoptions per window"]["1996"] == W.accounting.counts["adoptions per window"][
        "1996"] + 1


def test_rolling_window_bounds_and_cache():
    a = _toy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiffusionStatsWarning)
        W = mech.rolling_netinf(a, window=5, n_edges=1, years=[1984, 1985, 1986, 1996, 1997], params=1.0)
    c = W.accounting.counts
    # window for t: t-5 .. t-1. 1984 and 1985 see p3's 1980 and 1983 adoptions, 1986 only
    # 1983; 1996 and 1997 see p1's 1992 and 1995 (identical windows: computed once)
    assert c["adoptions per window"] == {"1984": 2, "1985": 2, "1986": 1, "1996": 2, "1997": 2}
    assert c["windows computed"] == 3 and c["windows reused"] == 2
    assert c["edges per year"] == {"1984": 1, "1985": 1, "1986": 0, "1996": 1, "1997": 1}
    assert W.neighbors("C", year=1984) == ("A",) and W.neighbors("C", year=1986) == ()
    assert W.years == (1984, 1985, 1986, 1996, 1997)


def test_rolling_warns_when_windows_are_short():
    with pytest.warns(DiffusionStatsWarning, match="fewer than n_edges=50"):
        W = mech.rolling_netinf(_toy(), window=30, n_edges=50, years=[2002], params=1.0)
    assert W.accounting.counts["edges per year"] == {"2002": 3}  # A->B, A->C, B->C


def test_rolling_feeds_a_learning_channel():
    W = mech.rolling_netinf(_toy(), window=20, n_edges=2, years=[1996, 2002], params=1.0)
    ch = ds.Channel("netinf", W, mechanism="learning", kind="count")
    assert ch.mechanism == "learning"


# ---------------------------------------------------------------------------- diagnostics
def _chain():
    e = pd.DataFrame({"source": ["A", "A", "B", "A", "C"], "target": ["B", "C", "C", "B", "A"],
                      "year": [1, 1, 1, 2, 2]})
    return ds.Weights.from_edges(e, year="year", symmetric=False, units=["A", "B", "C", "D"])


def test_network_stability_by_hand():
    st = mech.network_stability(_chain())
    assert st[["edges", "kept", "new", "dropped"]].values.tolist() == [[3, 0, 3, 0], [2, 1, 1, 2]]
    assert np.isnan(st["jaccard"].iloc[0]) and st["jaccard"].iloc[1] == pytest.approx(1 / 4)
    ed = mech.network_stability(_chain(), by="edge")
    assert ed.iloc[0][["origin", "destination", "years", "first_year", "last_year"]].tolist() == ["A", "B", 2, 1, 2]
    assert len(ed) == 4 and ed["share"].tolist() == [1.0, 0.5, 0.5, 0.5]
    with pytest.raises(InputError, match="by='unit'"):
        mech.network_stability(_chain(), by="unit")
    with pytest.raises(InputError, match="must be a Weights"):
        mech.network_stability(pd.DataFrame())


def test_network_leaders_by_hand():
    lead = mech.network_leaders(_chain(), top=None)
    # year 1: out A 2, B 1; year 2: out A 1, C 1 -> mean A 1.5, B .5, C .5
    assert lead["unit"].tolist() == ["A", "B", "C", "D"]
    assert lead["out_degree"].tolist() == [1.5, 0.5, 0.5, 0.0]
    assert lead["in_degree"].tolist() == [0.5, 1.0, 1.0, 0.0]
    assert lead["years_top"].tolist() == [2, 0, 1, 0]
    one = mech.network_leaders(_chain(), year=2, top=2)
    assert one.values.tolist() == [["C", 1.0, 0.0], ["A", 1.0, 1.0]]  # ties: fewer sources first
    with pytest.raises(InputError, match="top=0"):
        mech.network_leaders(_chain(), top=0)


def test_network_graph_draws_every_edge():
    import matplotlib.pyplot as plt

    ax = ds.plots.network_graph(_chain(), year=1, layout="circle")
    assert len([c for c in ax.get_children() if type(c).__name__ == "Annotation"]) == 3
    fig, ax2 = plt.subplots()
    e = pd.DataFrame({"source": ["California", "New York"], "target": ["Nevada", "New Jersey"]})
    assert ds.plots.network_graph(ds.Weights.from_edges(e, symmetric=False), ax=ax2) is ax2
    with pytest.raises(InputError, match="layout='tiles' needs US states"):
        ds.plots.network_graph(_chain(), year=1, layout="tiles")
    plt.close("all")


def test_equal_improvements_take_the_last_edge_like_r():
    # A -> B and A -> C gain exactly log(0.5 / 1e-10) each; R (NetworkInference 1.2.5, run
    # by hand on this table) returns A -> C first, p-values 0.16973255723981939, 0.16948479150643003
    d = pd.DataFrame({"unit": ["A", "B", "A", "C"], "year": [1990, 1991, 1990, 1991], "policy": ["p", "p", "q", "q"]})
    out = mech.netinf(d, n_edges=2, params=1.0)
    assert out["destination"].tolist() == ["C", "B"]
    np.testing.assert_allclose(out["improvement"], [22.332703749380514] * 2, rtol=1e-13)
    np.testing.assert_allclose(out["p_value"], [0.16973255723981939, 0.16948479150643003], rtol=1e-12)
