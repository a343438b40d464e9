"""ds.Channel, ds.add_channels and the literature-grounded constructors."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

import diffusion_stats as ds
from diffusion_stats import mechanisms as mech


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        yield


@pytest.fixture(scope="module")
def toy():
    """Four units on a line a-b-c-d; one policy; hand-checkable exposures."""
    labels = ["a", "b", "c", "d"]
    m = np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]], dtype=float)
    W = ds.Weights.from_matrix(m, labels, name="line")
    adopt = pd.DataFrame({"unit": ["a", "c"], "policy": ["p", "p"], "year": [2000, 2002]})
    panel = ds.event_history(adopt, units=labels, end=2004)
    return W, adopt, panel


def test_channel_is_immutable_and_validated(toy):
    W, _, _ = toy
    ch = ds.Channel("line", W, mechanism="learning")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ch.name = "x"
    assert ch.renamed("z").name == "z" and ch.name == "line"
    with pytest.raises(ds.InputError, match="mechanism"):
        ds.Channel("x", W, mechanism="learnin")
    with pytest.raises(ds.InputError, match="valid identifier"):
        ds.Channel("two words", W)
    with pytest.raises(ds.InputError, match="ds.Weights"):
        ds.Channel("x", np.eye(2))
    with pytest.raises(ds.InputError, match="kind"):
        ds.Channel("x", W, kind="mean")
    with pytest.raises(ds.InputError, match="lag"):
        ds.Channel("x", W, lag=1.5)
    with pytest.raises(ds.DataValidationError, match="missing"):
        ds.Channel("x", W, weight_by=pd.DataFrame({"unit": ["a"], "year": [2000], "s": [np.nan]}))
    assert "mechanism='learning'" in repr(ch)


def test_add_channels_hand_checked(toy):
    W, adopt, panel = toy
    out = ds.add_channels(panel, adopt, [ds.Channel("share", W), ds.Channel("cnt", W, kind="count")])
    b = out[(out["unit"] == "b")].set_index("year")
    # b's neighbours a (2000) and c (2002): lag 1 -> 2001: 1/2, 2003: 2/2
    assert b.loc[2000, "share"] == 0.0
    assert b.loc[2001, "share"] == 0.5
    assert b.loc[2003, "share"] == 1.0 and b.loc[2003, "cnt"] == 2
    d = out[(out["unit"] == "d")].set_index("year")
    assert d.loc[2003, "share"] == 1.0 and d.loc[2002, "share"] == 0.0
    assert out.reports.channels == {"share": "other", "cnt": "other"}
    assert len(out) == len(panel)


def test_add_channels_equals_ds_exposure(toy):
    W, adopt, panel = toy
    ch = ds.Channel("e", W.row_standardize(), kind="weighted", lag=2)
    a = ds.add_channels(panel, adopt, [ch])["e"]
    b = ds.exposure(panel, adopt, W.row_standardize(), kind="weighted", lag=2, name="e")["e"]
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_add_channels_errors(toy):
    W, adopt, panel = toy
    with pytest.raises(ds.InputError, match="already has column"):
        ds.add_channels(panel.assign(x=1.0), adopt, [ds.Channel("x", W)])
    with pytest.raises(ds.InputError, match="unique"):
        ds.add_channels(panel, adopt, [ds.Channel("x", W), ds.Channel("x", W)])
    with pytest.raises(ds.ColumnNotFoundError, match="policy"):
        ds.add_channels(panel.drop(columns="policy"), adopt, [ds.Channel("x", W)])
    with pytest.raises(ds.InputError, match="Channel"):
        ds.add_channels(panel, adopt, ["x"])


def test_weight_by_success(toy):
    """Source-weighted exposure: only sources with success count, at t - lag."""
    W, adopt, panel = toy
    s = pd.DataFrame({"unit": ["a", "a", "c", "c"], "year": [2001, 2002, 2002, 2003], "s": [0.0, 1.0, 1.0, 1.0]})
    out = ds.add_channels(panel, adopt, [ds.Channel("ls", W, weight_by=s, kind="share"),
                                         ds.Channel("lc", W, weight_by=s, kind="count")])
    b = out[out["unit"] == "b"].set_index("year")
    # 2001 uses s at 2000: no row -> 0; 2002 uses 2001: a has s=0 -> 0; 2003 uses 2002: a (1) and c (1) -> 2/2
    assert b.loc[2001, "ls"] == 0.0
    assert b.loc[2002, "ls"] == 0.0
    assert b.loc[2003, "ls"] == 1.0 and b.loc[2003, "lc"] == 2.0
    # policy-specific weights
    sp_ = s.assign(policy="p")
    out2 = ds.add_channels(panel, adopt, [ds.Channel("ls", W, weight_by=sp_)])
    np.testing.assert_array_equal(out2["ls"].to_numpy(), out["ls"].to_numpy())


def test_success_weights_feed_channel():
    out = pd.DataFrame({"unit": ["a"] * 4 + ["b"] * 4, "year": [1999, 2000, 2001, 2002] * 2,
                        "y": [5.0, 5.0, 6.0, 7.0, 3.0, 3.0, 2.0, 1.0]})
    ad = pd.DataFrame({"unit": ["a", "b"], "policy": ["p", "p"], "year": [2000, 2000]})
    s = mech.success_weights(out, ad, outcome="y")
    assert s.set_index(["unit", "year"])["success"].to_dict() == {("a", 2001): 1.0, ("a", 2002): 2.0,
                                                                  ("b", 2001): 0.0, ("b", 2002): 0.0}
    s2 = mech.success_weights(out, ad, outcome="y", higher_is_better=False, transform="indicator", horizon=1)
    assert s2.set_index(["unit", "year"])["success"].to_dict() == {("a", 2001): 0.0, ("a", 2002): 0.0,
                                                                   ("b", 2001): 1.0, ("b", 2002): 1.0}
    ch = mech.learning_success(ds.Weights.us_borders(), s)
    assert ch.mechanism == "learning" and "Volden" in ch.source


def test_dyadic_ties(toy):
    W, adopt, _ = toy
    dy = ds.dyads(adopt, units=["a", "b", "c", "d"], end=2004, sources="all")
    out = ds.add_channels(dy, adopt, [ds.Channel("line", W)])
    r = out.set_index(["unit", "partner", "year"])
    assert r.loc[("b", "a", 2001), "line_tie"] == 1 and r.loc[("b", "d", 2001), "line_tie"] == 0
    assert r.loc[("b", "a", 2001), "line_w"] == 1.0
    mono = ds.add_channels(ds.event_history(adopt, units=["a", "b", "c", "d"], end=2004), adopt,
                           [ds.Channel("line", W)]).set_index(["unit", "year"])["line"]
    joined = out.join(mono.rename("mono"), on=["unit", "year"])
    np.testing.assert_array_equal(joined["line"].to_numpy(), joined["mono"].to_numpy())


def test_constructors_hand_checked():
    m = pd.DataFrame({"unit": ["a", "b", "a", "b", "c"], "group": ["g1", "g1", "g2", "g2", "g2"]})
    np.testing.assert_array_equal(mech.membership_weights(m).matrix().toarray(),
                                  [[0, 2, 1], [2, 0, 1], [1, 1, 0]])
    a = pd.DataFrame({"unit": ["a", "b", "c"], "region": ["N", "N", "S"], "ideo": [0.0, 1.0, 3.0]})
    assert mech.attribute_weights(a, "region").neighbors("a") == ("b",)
    P = mech.attribute_weights(a, "ideo", how="proximity", scale=1.0).matrix().toarray()
    assert P[0, 1] == pytest.approx(np.exp(-1)) and P[0, 2] == pytest.approx(np.exp(-3))
    L = mech.leader_weights(["CA", "NY", "NV"], ["CA"])
    assert L.neighbors("NV") == ("CA",) and L.neighbors("CA") == ()
    f = pd.DataFrame({"imp": ["a", "a", "b"], "exp": ["b", "c", "a"], "v": [3.0, 1.0, 5.0]})
    D = mech.dependence_weights(f, unit="imp", partner="exp", value="v").matrix().toarray()
    np.testing.assert_allclose(D, [[0, 0.75, 0.25], [1, 0, 0], [0, 0, 0]])
    c = pd.DataFrame({"unit": ["a", "b", "c"], "cinc": [0.1, 0.3, 0.1]})
    C = mech.capability_weights(c).matrix().toarray()
    assert C[0, 1] == pytest.approx(0.5) and C[1, 0] == 0 and C[0, 2] == 0
    ind = pd.DataFrame({"unit": ["PL", "PL"], "year": [1998, 1999], "flag": [1, 0]})
    K = mech.conditionality_weights(ind, ["DE", "FR"], units=["PL", "DE", "FR"])
    assert K.neighbors("PL", year=1998) == ("DE", "FR") and K.neighbors("PL", year=1999) == ()
    tr = pd.DataFrame({"exp": ["a", "a", "b", "c"], "mkt": ["US", "JP", "US", "DE"], "v": [1.0, 1.0, 2.0, 1.0]})
    S = mech.structural_equivalence(tr, unit="exp", market="mkt", value="v").matrix().toarray()
    assert S[0, 1] == pytest.approx(1 / np.sqrt(2)) and S[0, 2] == 0
    E = mech.similarity_weights(a, ["ideo"]).matrix().toarray()
    assert E[0, 1] > E[0, 2] > 0


def test_mechanism_channels():
    m = pd.DataFrame({"unit": ["a", "b"], "group": ["g", "g"]})
    W = mech.membership_weights(m)
    assert mech.igo_channel(W).mechanism == "learning"
    assert mech.igo_channel(W, mechanism="emulation").mechanism == "emulation"
    with pytest.raises(ds.InputError):
        mech.igo_channel(W, mechanism="coercion")
    assert mech.emulation_peers(W).mechanism == "emulation"
    assert mech.coercion_dependence(W).mechanism == "coercion"
    assert mech.coercion_power(W).kind == "weighted"
    assert mech.competition_trade(W).mechanism == "competition"
    assert mech.competition_similarity(W).weights.transform == "row-standardized"
    for ch in (mech.igo_channel(W), mech.emulation_peers(W), mech.coercion_power(W), mech.competition_trade(W)):
        assert ch.source


def test_dhb_network_direction_and_counts(shared_data):
    """DHB's inferred network: W_t[target, source]; tie counts per year equal the file's."""
    net = pd.read_csv(shared_data / "dhb2015" / "dhb2015apsr-networks.csv")
    ch = mech.learning_network(net)
    W = ch.weights
    assert W.years == tuple(range(1960, 2010)) and W.n == 50
    per_year = (net["src_10_400"] > 0).groupby(net["year"]).sum()
    for y in (1960, 1985, 2009):
        assert W.matrix(year=y).nnz == per_year[y]
    row = net[(net["year"] == 2000) & (net["src_10_400"] > 0)].iloc[0]
    assert row["state_02"] in W.neighbors(row["state_01"], year=2000)
    assert ch.mechanism == "learning" and "Desmarais" in ch.source


def test_dhb_network_sources_adopt_first(shared_data):
    """The reading behind network_weights' default: in tied pairs, state_02 adopts first more often."""
    import pyreadr

    net = pd.read_csv(shared_data / "dhb2015" / "dhb2015apsr-networks.csv")
    net = net[net["src_10_400"] > 0]
    spid = pyreadr.read_r(str(shared_data / "spid" / "policies.RData"))["policies"]
    postal = ds.datasets.load_us_states().set_index("name")["postal"]
    spid = spid.assign(s=spid["statenam"].map(postal))
    first02 = first01 = 0
    for y in range(1970, 2010, 5):
        a = spid[(spid["adopt_year"] < y) & (spid["adopt_year"] >= y - 10)]
        piv = a.pivot_table(index="policy", columns="s", values="adopt_year")
        e = net[(net["year"] == y) & net["state_01"].isin(piv.columns) & net["state_02"].isin(piv.columns)]
        d = piv[e["state_01"]].to_numpy() - piv[e["state_02"]].to_numpy()  # policies x ties
        first01 += int(np.nansum(d < 0))
        first02 += int(np.nansum(d > 0))
    assert (first02, first01) == (23_864, 18_748)


def test_dyadic_ties_time_varying_network(shared_data):
    """Partner ties from the year-specific DHB network at t - 1 (2009's network after 2010)."""
    net = pd.read_csv(shared_data / "dhb2015" / "dhb2015apsr-networks.csv")
    ch = mech.learning_network(net)
    adopt = pd.DataFrame({"unit": ["CA", "NY", "TX"], "policy": ["p"] * 3, "year": [1990, 1992, 2011]})
    units = sorted(set(net["state_01"]))
    dy = ds.dyads(adopt, units=units, start=1990, end=2011, sources="all")
    out = ds.add_channels(dy, adopt, [ch], exposure=False)
    rng = np.random.default_rng(0)
    for i in rng.choice(len(out), 200, replace=False):
        r = out.iloc[i]
        y = min(int(r["year"]) - 1, 2009)
        expect = int(r["partner"] in ch.weights.neighbors(r["unit"], year=y))
        assert r["learning_network_tie"] == expect
        assert r["learning_network_w"] == float(expect)


def test_constructors_on_real_country_data(shared_data):
    """Coercion (COW capabilities), emulation (CEPII common language) and trade-style
    dependence built from the raw files, checked against values computed by hand."""
    import pyreadr

    nmc = pyreadr.read_r(str(shared_data / "cow" / "cow_nmc.rda"))["cow_nmc"]
    nmc = nmc[nmc["year"].isin([1999, 2000]) & nmc["cinc"].notna()].assign(
        unit=lambda d: d["ccode"].astype(int).astype(str), year=lambda d: d["year"].astype(int))
    W = mech.capability_weights(nmc, value="cinc", year="year")
    assert W.years == (1999, 2000)
    c = nmc[nmc["year"] == 2000].set_index("unit")["cinc"]
    us, ca = c["2"], c["20"]
    m = W.matrix(year=2000)
    lab = W.labels
    assert m[lab.index("20"), lab.index("2")] == pytest.approx((us - ca) / (us + ca), rel=1e-12)
    assert m[lab.index("2"), lab.index("20")] == 0.0
    ch = mech.coercion_power(W)
    assert ch.mechanism == "coercion" and "CINC" in ch.source

    dist = pyreadr.read_r(str(shared_data / "cepii" / "dist_cepii.rda"))["dist_cepii"]
    sub = dist[dist["iso_o"].isin(["USA", "GBR", "FRA", "BEL", "DEU"]) & dist["iso_d"].isin(
        ["USA", "GBR", "FRA", "BEL", "DEU"])]
    L = ds.Weights.from_dyads(sub, unit1="iso_o", unit2="iso_d", value="comlang_off", name="comlang")
    peers = mech.emulation_peers(L)
    assert set(L.neighbors("USA")) == {"GBR"} and set(L.neighbors("FRA")) == {"BEL"}
    assert peers.mechanism == "emulation"


def test_missing_years_one_rule_with_and_without_weight_by(toy):
    """A time-varying W without a matrix for t - lag follows the channel's missing_years in
    every builder (issue 12: the source-weighted path used to ignore "raise" and "previous"
    and silently take the first matrix)."""
    W0, adopt, panel = toy
    M = W0.matrix().toarray()
    W = ds.Weights({2001: M, 2003: M}, list(W0.labels), name="tv")  # no 2000, no 2002
    s = pd.DataFrame({"unit": ["a", "c"], "year": [2001, 2002], "s": [1.0, 1.0]})
    for wb in (None, s):
        with pytest.raises(ds.InputError, match="no matrix for year"):
            ds.add_channels(panel, adopt, [ds.Channel("x", W, weight_by=wb, missing_years="raise")])
        with pytest.raises(ds.InputError, match="starts in 2001"):
            ds.add_channels(panel, adopt, [ds.Channel("x", W, weight_by=wb, missing_years="previous")])
        ds.add_channels(panel, adopt, [ds.Channel("x", W, weight_by=wb, missing_years="nearest")])
    assert W.year_for(2002) == 2001 and W.year_for(2002, "nearest") == 2001 and W.year_for(2004) == 2003
    assert W.year_for(2000, "nearest") == 2001 and W.year_for(2000, "zero") is None
