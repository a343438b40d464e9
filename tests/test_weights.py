"""ds.Weights: constructors, immutability, transforms, libpysal round trips, real data."""

from __future__ import annotations

import doctest
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import diffusion_stats as ds
from diffusion_stats.weights import core as wmod
from diffusion_stats.weights.core import Weights, WeightsImmutableError


def _chain() -> Weights:
    return Weights.from_edges(pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]}), name="chain")


# --------------------------------------------------------------------------- docs
def test_docstring_examples_run():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.RowAccountingWarning)
        res = doctest.testmod(wmod, extraglobs={"ds": ds, "pd": pd, "np": np},
                              optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted > 20


# --------------------------------------------------------------------------- from_edges
def test_from_edges_direction_and_symmetry():
    e = pd.DataFrame({"source": ["a", "a"], "target": ["b", "c"], "w": [2.0, 3.0]})
    sym = Weights.from_edges(e, weight="w")
    assert sym.labels == ("a", "b", "c")
    np.testing.assert_array_equal(sym.matrix().toarray(), [[0, 2, 3], [2, 0, 0], [3, 0, 0]])
    # directed: source -> target means target is exposed to source: W[target, source]
    d = Weights.from_edges(e, weight="w", symmetric=False)
    np.testing.assert_array_equal(d.matrix().toarray(), [[0, 0, 0], [2, 0, 0], [3, 0, 0]])
    assert d.neighbors("b") == ("a",) and d.neighbors("a") == ()
    assert not d.is_symmetric() and sym.is_symmetric()


def test_from_edges_units_adds_isolates_and_rejects_unknown():
    e = pd.DataFrame({"source": ["a"], "target": ["b"]})
    W = Weights.from_edges(e, units=["c", "b", "a"])
    assert W.labels == ("c", "b", "a") and W.isolates() == ("c",) and W.islands() == ("c",)
    with pytest.raises(ds.InputError, match=r"not in units=: a"):
        Weights.from_edges(e, units=["b", "c"])


@pytest.mark.parametrize("edges, match", [
    (pd.DataFrame({"source": ["a", "b"], "target": ["a", "c"]}), r"self-loop.*self_pairs='drop'"),
    (pd.DataFrame({"source": ["a", "a"], "target": ["b", "b"], "w": [1.0, 2.0]}), r"conflicting weights"),
    (pd.DataFrame({"source": ["a", "b"], "target": ["b", "a"], "w": [1.0, 2.0]}), r"conflicting.*reverse rows"),
    (pd.DataFrame({"source": ["a"], "target": ["b"], "w": [-1.0]}), r"negative weight.*allow_negative=True"),
    (pd.DataFrame({"source": ["a"], "target": ["b"], "w": [np.nan]}), r"missing \(NaN\) weight"),
    (pd.DataFrame({"source": ["a", None], "target": ["b", "c"], "w": [1.0, 1.0]}), r"missing \(NaN\) unit label"),
    (pd.DataFrame({"source": ["a"], "target": ["b"], "w": ["x"]}), r"non-numeric"),
])
def test_from_edges_bad_input(edges, match):
    with pytest.raises(ds.DiffusionStatsError, match=match) as info:
        Weights.from_edges(edges, weight="w" if "w" in edges else None)
    assert isinstance(info.value, ValueError)


def test_from_edges_missing_column_suggests():
    with pytest.raises(ds.ColumnNotFoundError, match=r"'sorce' not found in edges; did you mean 'source'"):
        Weights.from_edges(pd.DataFrame({"source": ["a"], "target": ["b"]}), source="sorce")


def test_from_edges_self_loops_drop_and_duplicates_merge():
    e = pd.DataFrame({"source": ["a", "a", "b", "c"], "target": ["b", "b", "a", "c"]})
    with pytest.warns(ds.RowAccountingWarning, match="1 rows dropped: self-pairs"):
        W = Weights.from_edges(e, self_pairs="drop")
    assert W.labels == ("a", "b", "c") and W.nnz == 2 and W.isolates() == ("c",)  # c stays a unit
    assert W.accounting.counts["duplicated ties merged"] >= 1
    assert W.accounting.exclusions[0].count == 1


def test_from_edges_negative_allowed_and_zero_is_no_tie():
    e = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "w": [-1.0, 0.0]})
    W = Weights.from_edges(e, weight="w", allow_negative=True)
    assert W.nnz == 2 and W.accounting.counts["rows with weight 0 (no tie)"] == 1
    assert W.isolates() == ("c",)


def test_from_edges_time_varying():
    e = pd.DataFrame({"source": ["a", "a", "b"], "target": ["b", "c", "c"], "year": [2000, 2001, 2001]})
    W = Weights.from_edges(e, year="year")
    assert W.is_time_varying and W.years == (2000, 2001) and W.labels == ("a", "b", "c")
    assert W.neighbors("a", year=2000) == ("b",) and W.neighbors("a", year=2001) == ("c",)
    assert W.isolates(2000) == ("c",)
    with pytest.raises(ds.InputError, match=r"pass year="):
        W.matrix()
    with pytest.raises(ds.InputError, match=r"year=1999: no matrix"):
        W.matrix(1999)
    assert "2 years 2000-2001" in repr(W)
    f = W.to_frame()
    assert list(f.columns) == ["unit", "partner", "year", "weight"] and len(f) == 6
    back = Weights.from_dyads(f, unit1="unit", unit2="partner", value="weight", year="year")
    assert back.equals(W)


# --------------------------------------------------------------------------- from_matrix
def test_from_matrix_variants_and_errors():
    df = pd.DataFrame([[1, 0], [0, 2]], index=["y", "x"], columns=["x", "y"])  # columns reordered to the index
    W = Weights.from_matrix(df)
    assert W.labels == ("y", "x")
    np.testing.assert_array_equal(W.matrix().toarray(), [[0, 1], [2, 0]])
    W2 = Weights.from_matrix(sp.csr_matrix([[0, 1], [1, 0]]), labels=[10, 20])
    assert W2.labels == ("10", "20")
    Wt = Weights.from_matrix({1990: np.eye(2)[::-1], 1991: np.zeros((2, 2))}, labels=["a", "b"])
    assert Wt.years == (1990, 1991) and Wt.isolates(1991) == ("a", "b")
    with pytest.raises(ds.DataValidationError, match=r"self-ties.*set the diagonal to 0"):
        Weights.from_matrix(np.ones((2, 2)), labels=["a", "b"])
    with pytest.raises(ds.InputError, match=r"3 labels for a 2 x 2"):
        Weights.from_matrix(np.zeros((2, 2)), labels=["a", "b", "c"])
    with pytest.raises(ds.InputError, match=r"labels: required"):
        Weights.from_matrix(np.zeros((2, 2)))
    with pytest.raises(ds.InputError, match=r"duplicated unit label"):
        Weights.from_matrix(np.zeros((2, 2)), labels=["a", "a"])
    with pytest.raises(ds.DataValidationError, match="NaN"):
        Weights.from_matrix([[0, np.nan], [1, 0]], labels=["a", "b"])
    with pytest.raises(ds.DataValidationError, match="negative"):
        Weights.from_matrix([[0, -1], [1, 0]], labels=["a", "b"])


# --------------------------------------------------------------------------- immutability
def test_immutable_and_copies_out():
    W = _chain()
    with pytest.raises(WeightsImmutableError):
        W.name = "x"
    with pytest.raises(AttributeError):
        W._labels = ()
    m = W.matrix()
    m[0, 1] = 99.0
    assert W.matrix()[0, 1] == 1.0
    inner = W._matrix()
    assert not inner.data.flags.writeable and not inner.indices.flags.writeable
    with pytest.raises(ValueError):
        inner.data[0] = 5.0
    clone = pickle.loads(pickle.dumps(W))
    assert clone.equals(W) and clone.name == "chain"


# --------------------------------------------------------------------------- transforms
def test_row_standardize_isolates_reported():
    W = Weights.from_edges(pd.DataFrame({"source": ["a", "a"], "target": ["b", "c"], "w": [1.0, 3.0]}),
                           weight="w", units=["a", "b", "c", "d"])
    with pytest.warns(ds.RowAccountingWarning, match=r"1 unit\(s\) \(d\) have no ties"):
        R = W.row_standardize()
    m = R.matrix().toarray()
    np.testing.assert_allclose(m.sum(axis=1), [1, 1, 1, 0])
    np.testing.assert_allclose(m[0], [0, 0.25, 0.75, 0])
    assert R.transform == "row-standardized" and W.transform == "original"
    assert R.accounting.exclusions[-1].examples == ("d",)
    assert "row-standardized" in repr(R)


def test_binarize_symmetrize():
    W = Weights.from_matrix([[0, 2, 0], [0, 0, 0], [4, 0, 0]], labels="abc")
    np.testing.assert_array_equal(W.binarize().matrix().toarray(), [[0, 1, 0], [0, 0, 0], [1, 0, 0]])
    np.testing.assert_array_equal(W.symmetrize("max").matrix().toarray(), [[0, 2, 4], [2, 0, 0], [4, 0, 0]])
    np.testing.assert_array_equal(W.symmetrize("min").matrix().toarray(), np.zeros((3, 3)))
    np.testing.assert_array_equal(W.symmetrize("sum").matrix().toarray(), [[0, 2, 4], [2, 0, 0], [4, 0, 0]])
    np.testing.assert_array_equal(W.symmetrize("mean").matrix().toarray(), [[0, 1, 2], [1, 0, 0], [2, 0, 0]])
    with pytest.raises(ds.InputError, match="how='avg'"):
        W.symmetrize("avg")


def test_aligned_subset_neighbors():
    W = _chain()
    np.testing.assert_array_equal(W.aligned(["c", "b", "a"]).toarray(), [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(W.aligned(["a", "b"]).toarray(), [[0, 1], [1, 0]])
    with pytest.raises(ds.InputError, match=r"1 unit\(s\) not in weights 'chain': z.*missing='zero'"):
        W.aligned(["a", "z"])
    np.testing.assert_array_equal(W.aligned(["z", "a", "b"], missing="zero").toarray(),
                                  [[0, 0, 0], [0, 0, 1], [0, 1, 0]])
    S = W.subset(["a", "c"])
    assert S.labels == ("a", "c") and S.nnz == 0 and S.isolates() == ("a", "c")
    with pytest.raises(ds.InputError, match=r"unit 'bb' is not in weights 'chain'; did you mean 'b'"):
        W.neighbors("bb")


def test_repr():
    assert repr(_chain()) == "<Weights 'chain': 3 units, 4 ties (binary, symmetric), static>"
    assert "<pre>" in _chain()._repr_html_()


# --------------------------------------------------------------------------- coordinates / distances
def test_from_coordinates_hand_checked():
    pts = pd.DataFrame({"unit": ["a", "b", "c", "d"], "x": [0.0, 1.0, 3.0, 3.0], "y": [0.0, 0.0, 0.0, 4.0]})
    idw = Weights.from_coordinates(pts, power=2)
    assert idw.matrix()[0, 1] == pytest.approx(1.0) and idw.matrix()[0, 3] == pytest.approx(1 / 25)
    cut = Weights.from_coordinates(pts, cutoff=2.0)
    np.testing.assert_array_equal(cut.matrix().toarray()[:, :3][:3], [[0, 1, 0], [1, 0, 0.5], [0, 0.5, 0]])
    assert cut.isolates() == ("d",)
    knn = Weights.from_coordinates(pts, k=1, binary=True)
    assert [knn.neighbors(u) for u in "abcd"] == [("b",), ("a",), ("b",), ("c",)]
    assert knn.nnz == 4 and not knn.is_symmetric()
    both = Weights.from_coordinates(pts, k=1, cutoff=3.0)  # d's nearest (c, at 4) is beyond the cut-off
    assert both.isolates() == ("d",) and both.neighbors("c") == ("b",)
    with pytest.raises(ds.InputError, match=r"k=4"):
        Weights.from_coordinates(pts, k=4)
    dup = pd.concat([pts, pd.DataFrame({"unit": ["e"], "x": [0.0], "y": [0.0]})])
    with pytest.raises(ds.DataValidationError, match=r"distance 0 \(a-e.*binary=True"):
        Weights.from_coordinates(dup)
    assert Weights.from_coordinates(dup, binary=True, cutoff=0.5).neighbors("a") == ("e",)
    with pytest.raises(ds.InputError, match="metric='manhattan'"):
        Weights.from_coordinates(pts, metric="manhattan")


def test_from_coordinates_matches_libpysal():
    libpysal = pytest.importorskip("libpysal")
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 10, size=(40, 2))
    pts = pd.DataFrame({"unit": [f"u{i:02d}" for i in range(40)], "x": xy[:, 0], "y": xy[:, 1]})
    ours = Weights.from_coordinates(pts, k=4, binary=True)
    theirs = libpysal.weights.KNN.from_array(xy, k=4, ids=list(pts["unit"]))
    np.testing.assert_array_equal(ours.aligned(theirs.id_order).toarray(), theirs.full()[0])
    ours_d = Weights.from_coordinates(pts, cutoff=2.5, power=1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs_d = libpysal.weights.DistanceBand.from_array(xy, threshold=2.5, binary=False, alpha=-1.5,
                                                            ids=list(pts["unit"]), silence_warnings=True)
    np.testing.assert_allclose(ours_d.aligned(theirs_d.id_order).toarray(), theirs_d.full()[0], rtol=1e-12)


def test_from_distances_square_and_errors():
    sq = pd.DataFrame([[0, 1, 4], [1, 0, 2], [4, 2, 0]], index=list("abc"), columns=list("abc"), dtype=float)
    W = Weights.from_distances(sq, power=1)
    np.testing.assert_allclose(W.matrix().toarray(), [[0, 1, 0.25], [1, 0, 0.5], [0.25, 0.5, 0]])
    assert W.accounting.exclusions[0].count == 3  # the diagonal
    long = pd.DataFrame({"unit1": ["a", "b"], "unit2": ["b", "a"], "distance": [1.0, 2.0]})
    with pytest.raises(ds.DataValidationError, match="different distances"):
        Weights.from_distances(long)
    with pytest.raises(ds.DataValidationError, match=r"missing='drop'"):
        Weights.from_distances(pd.DataFrame({"unit1": ["a"], "unit2": ["b"], "distance": [np.nan]}))
    with pytest.raises(ds.DataValidationError, match=r">= 0"):
        Weights.from_distances(pd.DataFrame({"unit1": ["a"], "unit2": ["b"], "distance": [-1.0]}))


def test_from_distances_cepii_knn_and_cutoff(shared_data):
    import pyreadr

    dist = pyreadr.read_r(shared_data / "cepii" / "dist_cepii.rda")["dist_cepii"]
    W = Weights.from_distances(dist, unit1="iso_o", unit2="iso_d", distance="dist", k=3, binary=True,
                               symmetric=False, name="knn3")
    assert W.n == 224 and W.nnz == 224 * 3
    assert W.accounting.exclusions[0].count == 224  # iso_o == iso_d (internal distance)
    off = dist[dist.iso_o != dist.iso_d]
    brute = off.sort_values(["iso_o", "dist", "iso_d"]).groupby("iso_o").head(3)
    got = W.to_frame()
    pd.testing.assert_frame_equal(
        got[["unit", "partner"]].sort_values(["unit", "partner"]).reset_index(drop=True),
        brute.rename(columns={"iso_o": "unit", "iso_d": "partner"})[["unit", "partner"]]
        .sort_values(["unit", "partner"]).reset_index(drop=True))
    assert set(W.neighbors("FRA")) == set(brute.loc[brute.iso_o == "FRA", "iso_d"])
    inv = Weights.from_distances(dist, unit1="iso_o", unit2="iso_d", distance="dist", cutoff=1000.0, symmetric=False)
    near = off[off.dist <= 1000.0]
    assert inv.nnz == len(near)
    r = near.iloc[0]
    assert inv.matrix()[inv.index[r.iso_o], inv.index[r.iso_d]] == pytest.approx(1 / r.dist, rel=1e-12)


def test_haversine_matches_cepii_capital_distances(shared_data):
    import pyreadr

    geo = pyreadr.read_r(shared_data / "cepii" / "geo_cepii.rda")["geo_cepii"]
    dist = pyreadr.read_r(shared_data / "cepii" / "dist_cepii.rda")["dist_cepii"]
    caps = geo[geo.cap == 1].drop_duplicates("iso3", keep=False)
    caps = caps[caps.iso3.isin(["FRA", "DEU", "USA", "JPN", "BRA", "ZAF", "AUS", "IND"])]
    W = Weights.from_coordinates(caps, unit="iso3", x="lon", y="lat", metric="haversine", power=1)
    d = dist[dist.iso_o.isin(caps.iso3) & dist.iso_d.isin(caps.iso3) & (dist.iso_o != dist.iso_d)]
    ours = np.array([1 / W.matrix()[W.index[o], W.index[t]] for o, t in zip(d.iso_o, d.iso_d, strict=True)])
    # CEPII uses the great-circle formula on the same coordinates; Earth radius may differ slightly
    np.testing.assert_allclose(ours, d.distcap.to_numpy(), rtol=2e-3)


# --------------------------------------------------------------------------- dyad tables (real data)
def test_from_dyads_cow_igo(shared_data):
    import pyreadr

    igo = pyreadr.read_r(shared_data / "cow" / "cow_igo_ndy.rda")["cow_igo_ndy"]
    sub = igo[igo.year >= 1990]
    W = Weights.from_dyads(sub, unit1="ccode1", unit2="ccode2", value="dyadigos", year="year", symmetric=True,
                           name="igo")
    assert W.years == tuple(range(1990, 2015)) and W.is_time_varying
    assert "2" in W.labels and "2.0" not in W.labels  # float codes from R become "2"
    row = sub[(sub.ccode1 == 2) & (sub.ccode2 == 20) & (sub.year == 2000)].iloc[0]
    m = W.matrix(2000)
    assert m[W.index["2"], W.index["20"]] == row.dyadigos == m[W.index["20"], W.index["2"]]
    assert W.accounting.counts["rows with weight 0 (no tie)"] == int((sub.dyadigos == 0).sum())
    assert W.nnz == 2 * int((sub.dyadigos > 0).sum())
    assert W.is_symmetric()
    R = W.binarize()
    assert R.matrix(2014).max() == 1.0


def test_from_dyads_dhb_networks_self_pairs_and_nan(shared_data):
    net = pd.read_csv(shared_data / "dhb2015" / "dhb2015apsr-networks.csv")
    assert net.src_10_400.isna().sum() == 2500  # all on self-pairs
    with pytest.warns(ds.RowAccountingWarning, match=r"2,500 rows dropped: self-pairs"):
        W = Weights.from_dyads(net, unit1="state_02", unit2="state_01", value="src_10_400", year="year",
                               name="netinf")
    assert W.years == tuple(range(1960, 2010)) and W.n == 50
    assert W.nnz == int((net.src_10_400 == 1).sum())
    with pytest.raises(ds.DataValidationError, match=r"self-loop.*self_pairs='drop'"):
        Weights.from_dyads(net, unit1="state_02", unit2="state_01", value="src_10_400", year="year",
                           self_pairs="raise")
    odd = net[net.state_01 != net.state_02].copy()
    odd.loc[odd.index[:3], "src_10_400"] = np.nan
    with pytest.raises(ds.DataValidationError, match=r"3 missing \(NaN\) weight"):
        Weights.from_dyads(odd, unit1="state_02", unit2="state_01", value="src_10_400", year="year",
                           missing="raise")
    with pytest.warns(ds.RowAccountingWarning, match=r"3 rows dropped: missing \(NaN\) 'src_10_400'"):
        Weights.from_dyads(odd, unit1="state_02", unit2="state_01", value="src_10_400", year="year")


# --------------------------------------------------------------------------- libpysal
def test_libpysal_round_trip_and_row_standardisation():
    libpysal = pytest.importorskip("libpysal")
    lw = libpysal.weights.lat2W(3, 4, rook=False)
    W = Weights.from_libpysal(lw, name="lattice")
    assert W.n == 12 and W.labels == tuple(map(str, lw.id_order))
    np.testing.assert_array_equal(W.matrix().toarray(), lw.full()[0])
    back = W.to_libpysal()
    assert {k: sorted(v) for k, v in back.neighbors.items()} == \
        {str(k): sorted(str(x) for x in v) for k, v in lw.neighbors.items()}
    lw.transform = "R"
    np.testing.assert_allclose(W.row_standardize().matrix().toarray(), lw.full()[0], rtol=1e-15)
    assert Weights.from_libpysal(lw).transform == "row-standardized"
    with pytest.raises(ds.InputError, match="expected a libpysal"):
        Weights.from_libpysal(np.eye(2))
    U = Weights.us_borders()
    pw = U.to_libpysal()
    assert sorted(pw.islands) == ["AK", "HI"] and pw.n == 50


# --------------------------------------------------------------------------- US borders
def test_us_borders():
    q = Weights.us_borders()
    r = Weights.us_borders("rook")
    assert q.n == r.n == 50 and q.nnz - r.nnz == 4
    assert "CO" in q.neighbors("AZ") and "CO" not in r.neighbors("AZ") and "UT" not in r.neighbors("NM")
    assert q.isolates() == ("AK", "HI") and q.name == "borders_queen"
    bb = Weights.us_borders(extra_pairs=[("IL", "MI"), ("Maine", "massachusetts")])
    assert bb.nnz == q.nnz + 4 and bb.neighbors("ME") == ("MA", "NH")
    assert bb.accounting.counts["extra pairs"] == 2
    names = Weights.us_borders(labels="name")
    assert "New Hampshire" in names.neighbors("Vermont") and len(names.labels) == 50
    dc = Weights.us_borders(include_dc=True)
    assert dc.n == 51 and dc.neighbors("DC") == ("MD", "VA")
    with pytest.raises(ds.InputError, match=r"unknown state 'Ilinois'; did you mean"):
        Weights.us_borders(extra_pairs=[("Ilinois", "MI")])
    with pytest.raises(ds.InputError, match="include_dc=True"):
        Weights.us_borders(extra_pairs=[("DC", "VA")])
    with pytest.raises(ds.InputError, match="with itself"):
        Weights.us_borders(extra_pairs=[("IL", "Illinois")])
    with pytest.raises(ds.InputError, match="contiguity='bishop'"):
        Weights.us_borders("bishop")


def test_to_libpysal_without_libpysal(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "libpysal", None)
    monkeypatch.setitem(sys.modules, "libpysal.weights", None)
    with pytest.raises(wmod.MissingDependencyError, match=r"pip install libpysal") as info:
        _chain().to_libpysal()
    assert isinstance(info.value, ImportError) and isinstance(info.value, ds.DiffusionStatsError)


def test_time_varying_transforms_and_pickle():
    e = pd.DataFrame({"source": ["a", "a", "b"], "target": ["b", "c", "c"], "w": [1.0, 3.0, 1.0],
                      "year": [2000, 2001, 2001]})
    W = Weights.from_edges(e, weight="w", year="year")
    with pytest.warns(ds.RowAccountingWarning, match=r"\(c\) have no ties in at least one year"):
        R = W.row_standardize()
    np.testing.assert_allclose(R.matrix(2001).toarray(), [[0, 0, 1], [0, 0, 1], [0.75, 0.25, 0]])
    np.testing.assert_allclose(R.matrix(2000).toarray(), [[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    assert pickle.loads(pickle.dumps(R)).equals(R)
    assert W.aligned(["c", "a"], year=2001).toarray().tolist() == [[0, 3], [3, 0]]
    pytest.importorskip("libpysal")
    assert W.to_libpysal(year=2000).neighbors["a"] == ["b"]
    assert W.subset(["a", "b"]).years == (2000, 2001)


def test_edge_order_and_label_order_do_not_matter():
    rng = np.random.default_rng(7)
    n = 12
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, size=(40, 2)) if a != b}
    e = pd.DataFrame(sorted(pairs), columns=["source", "target"]).assign(w=lambda d: d.source * 10 + d.target + 1.0)
    e[["source", "target"]] = e[["source", "target"]].astype(str)
    W = Weights.from_edges(e, weight="w", symmetric=False)
    for seed in range(5):
        shuffled = e.sample(frac=1, random_state=seed)
        W2 = Weights.from_edges(shuffled, weight="w", symmetric=False, units=list(np.random.default_rng(seed)
                                                                                  .permutation(W.labels)))
        assert W2.aligned(W.labels).toarray().tolist() == W.matrix().toarray().tolist()
        pd.testing.assert_frame_equal(W2.to_frame().sort_values(["unit", "partner"], ignore_index=True),
                                      W.to_frame().sort_values(["unit", "partner"], ignore_index=True))


def test_caller_matrix_is_neither_frozen_nor_shared():
    m = sp.csr_matrix(np.array([[0, 1.0], [1.0, 0]]))
    W = Weights.from_matrix(m, labels=["a", "b"])
    m.data[0] = 5.0  # the caller's matrix stays writeable and W does not change
    assert W.matrix().toarray().tolist() == [[0, 1], [1, 0]]
