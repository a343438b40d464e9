"""SpatialLag: invariances, panel forms, hand-checked values, errors (no R needed)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import diffusion_stats as ds
from diffusion_stats.core.errors import (
    ConvergenceWarning,
    DataValidationError,
    InputError,
    RowAccountingWarning,
    SpecificationError,
)
from diffusion_stats.spatial.lag import SpatialLag, spatial_temporal_lag


def lattice(n: int) -> sp.csr_matrix:
    """Binary rook lattice n x n."""
    idx = np.arange(n * n).reshape(n, n)
    rows = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    cols = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    B = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n * n, n * n))
    return sp.csr_matrix(B + B.T)


def simulate(W: sp.csr_matrix, rho: float, rng, beta=(1.0, 1.0, -0.5)) -> tuple[np.ndarray, np.ndarray]:
    n = W.shape[0]
    Wr = sp.diags(1 / np.asarray(W.sum(axis=1)).ravel()) @ W
    X = rng.standard_normal((n, 2))
    e = rng.standard_normal(n)
    y = sp.linalg.spsolve(sp.csc_matrix(sp.identity(n) - rho * Wr), beta[0] + X @ np.array(beta[1:]) + e)
    return y, X


@pytest.fixture(scope="module")
def cs():
    rng = np.random.default_rng(11)
    B = lattice(8)
    y, X = simulate(B, 0.45, rng)
    labels = [f"s{i:02d}" for i in range(64)]
    W = ds.Weights.from_matrix(B, labels, name="lattice")
    d = pd.DataFrame({"unit": labels, "y": y, "x1": X[:, 0], "x2": X[:, 1]})
    return d, W, B


@pytest.fixture(scope="module")
def panel():
    """Balanced 25 units x 6 years, constant W, unit effects in the data."""
    rng = np.random.default_rng(5)
    B = lattice(5)
    Wr = (sp.diags(1 / np.asarray(B.sum(axis=1)).ravel()) @ B).toarray()
    labels = [f"u{i}" for i in range(25)]
    alpha = rng.standard_normal(25)
    rows = []
    for t in range(2000, 2006):
        X = rng.standard_normal((25, 2))
        y = np.linalg.solve(np.eye(25) - 0.35 * Wr, alpha + 0.3 * t / 1000 + X @ [1.0, -0.5] + rng.standard_normal(25))
        rows.append(pd.DataFrame({"unit": labels, "year": t, "y": y, "x1": X[:, 0], "x2": X[:, 1]}))
    d = pd.concat(rows, ignore_index=True)
    return d, ds.Weights.from_matrix(B, labels), B


def stacked(d: pd.DataFrame, W, B) -> tuple[pd.DataFrame, object]:
    """The stacked cross-section form: units relabelled unit|year, block-diagonal W."""
    years = sorted(d["year"].unique())
    blocks, labs = [], []
    for t in years:
        g = d[d["year"] == t]
        Bt = W.aligned(list(g["unit"]), year=t if W.is_time_varying else None)
        blocks.append(Bt)
        labs += [f"{u}|{t}" for u in g["unit"]]
    Wbig = ds.Weights.from_matrix(sp.block_diag(blocks, format="csr"), labs)
    s = pd.concat([d[d["year"] == t] for t in years], ignore_index=True)
    s["cell"] = labs
    return s, Wbig


# ----------------------------------------------------------------------------- cross-section
def test_matches_spreg_full(cs):
    spreg = pytest.importorskip("spreg")
    libpysal = pytest.importorskip("libpysal")
    d, W, B = cs
    res = SpatialLag("y ~ x1 + x2", d, W, unit="unit").fit()
    w = libpysal.weights.WSP(B).to_W(silence_warnings=True)
    w.transform = "r"
    m = spreg.ML_Lag(d[["y"]].to_numpy(), d[["x1", "x2"]].to_numpy(), w, method="full")
    np.testing.assert_allclose(res.params.to_numpy(), np.r_[m.betas[-1], m.betas[:-1, 0]], rtol=1e-6)
    np.testing.assert_allclose(res.std_errors.to_numpy(), np.r_[m.std_err[-1], m.std_err[:-1]], rtol=1e-5)
    np.testing.assert_allclose(res.loglik, m.logll, rtol=1e-8)


def test_row_order_and_relabelling_invariance(cs):
    d, W, B = cs
    r0 = SpatialLag("y ~ x1 + x2", d, W, unit="unit").fit()
    shuffled = d.sample(frac=1.0, random_state=1)
    r1 = SpatialLag("y ~ x1 + x2", shuffled, W, unit="unit").fit()
    np.testing.assert_allclose(r1.params, r0.params, rtol=1e-10)
    np.testing.assert_allclose(r1.std_errors, r0.std_errors, rtol=1e-8)
    assert r1.residuals().index.equals(shuffled.index)
    np.testing.assert_allclose(r1.residuals().loc[d.index], r0.residuals().loc[d.index], atol=1e-9)
    # relabel units (and permute W's label order)
    perm = np.random.default_rng(0).permutation(64)
    new = {f"s{i:02d}": f"z{perm[i]:03d}" for i in range(64)}
    W2 = ds.Weights.from_matrix(B[perm][:, perm], [new[f"s{i:02d}"] for i in perm])
    d2 = d.assign(unit=d["unit"].map(new))
    r2 = SpatialLag("y ~ x1 + x2", d2, W2, unit="unit").fit()
    np.testing.assert_allclose(r2.params, r0.params, rtol=1e-10)


@pytest.mark.parametrize("logdet", ["LU", "chebyshev", "mc"])
def test_logdets_agree(cs, logdet):
    d, W, _ = cs
    r0 = SpatialLag("y ~ x1 + x2", d, W, unit="unit").fit()
    r1 = SpatialLag("y ~ x1 + x2", d, W, unit="unit", logdet=logdet).fit()
    assert r1.logdet_method == logdet and r1.info["Log-determinant"] == logdet
    tol = {"LU": 1e-7, "chebyshev": 1e-3, "mc": 5e-3}[logdet]
    np.testing.assert_allclose(r1.rho, r0.rho, atol=tol)
    np.testing.assert_allclose(r1.std_errors, r0.std_errors, rtol=0.15)
    if logdet == "LU":
        np.testing.assert_allclose(r1.loglik, r0.loglik, rtol=1e-10)


def test_logdet_values():
    from diffusion_stats.spatial._numerics import LogDet

    B = lattice(6)
    Wr = sp.csr_matrix(sp.diags(1 / np.asarray(B.sum(axis=1)).ravel()) @ B)
    exact = LogDet([Wr], "eigen")
    lu = LogDet([Wr], "LU")
    for rho in (-0.8, -0.2, 0.0, 0.3, 0.9):
        direct = np.linalg.slogdet(np.eye(36) - rho * Wr.toarray())[1]
        assert exact(rho) == pytest.approx(direct, abs=1e-10)
        assert lu(rho) == pytest.approx(direct, abs=1e-10)
    d1, d2 = exact.derivatives(0.3)
    G = np.linalg.solve(np.eye(36) - 0.3 * Wr.toarray(), Wr.toarray())
    assert d1 == pytest.approx(-np.trace(G), rel=1e-10)
    assert d2 == pytest.approx(-np.trace(G @ G), rel=1e-10)
    assert lu.derivatives(0.3)[1] == pytest.approx(d2, rel=1e-6)


def test_impacts_closed_forms(cs):
    d, W, B = cs
    res = SpatialLag("y ~ x1 + x2", d, W, unit="unit").fit()
    imp = res.impacts(n_sim=200, seed=3)
    b = res.params[["x1", "x2"]].to_numpy()
    np.testing.assert_allclose(imp["total"].to_numpy(), b / (1 - res.rho), rtol=1e-10)  # row-standardised W
    Wr = (sp.diags(1 / np.asarray(B.sum(axis=1)).ravel()) @ B).toarray()
    S = np.linalg.inv(np.eye(64) - res.rho * Wr)
    np.testing.assert_allclose(imp["direct"].to_numpy(), b * np.trace(S) / 64, rtol=1e-10)
    again = res.impacts(n_sim=200, seed=3)
    pd.testing.assert_frame_equal(imp, again)  # seeded
    assert (imp["se_direct"] > 0).all()


def test_s2sls_cluster_and_robust(cs):
    d, W, _ = cs
    d = d.assign(region=np.repeat(np.arange(8), 8))
    m = SpatialLag("y ~ x1 + x2", d, W, unit="unit", method="s2sls")
    r = m.fit()
    rc = m.fit(cluster="region")
    rr = m.fit(cov_type="robust")
    np.testing.assert_allclose(rc.params, r.params)
    assert rc.cov_type == "cluster" and rc.n_clusters == (8,)
    assert rr.cov_type == "robust"
    with pytest.raises(SpecificationError):
        SpatialLag("y ~ x1 + x2", d, W, unit="unit").fit(cov_type="robust")


# ----------------------------------------------------------------------------- panels
def test_balanced_constant_W_equals_stacked_cross_section(panel):
    d, W, B = panel
    rp = SpatialLag("y ~ x1 + x2", d, W, unit="unit", time="year").fit()
    s, Wbig = stacked(d, W, B)
    rs = SpatialLag("y ~ x1 + x2", s, Wbig, unit="cell").fit()
    np.testing.assert_allclose(rp.params, rs.params, rtol=1e-9)
    np.testing.assert_allclose(rp.std_errors, rs.std_errors, rtol=1e-8)
    np.testing.assert_allclose(rp.sigma2, rs.sigma2, rtol=1e-10)
    np.testing.assert_allclose(rp.loglik, rs.loglik, rtol=1e-10)
    # unit effects: the stacked cross-section with unit dummies (LSDV) has the same rho and beta;
    # sigma^2 is the Lee-Yu corrected one, SSR / (N(T-1)) instead of SSR / (NT)
    rf = SpatialLag("y ~ x1 + x2", d, W, unit="unit", time="year", effects="unit").fit()
    rl = SpatialLag("y ~ x1 + x2 + C(unit)", s, Wbig, unit="cell").fit()
    np.testing.assert_allclose(rf.params[["rho", "x1", "x2"]], rl.params[["rho", "x1", "x2"]], rtol=1e-8)
    np.testing.assert_allclose(rf.sigma2, rl.sigma2 * 6 / 5, rtol=1e-8)


def _unbalanced_tv(panel):
    d, W, B = panel
    rng = np.random.default_rng(2)
    d = d[rng.random(len(d)) > 0.15].copy()   # units leave and enter
    # a network that changes by year: drop a few ties each year
    coo = sp.triu(B, 1).tocoo()
    edges = []
    for t in range(2000, 2006):
        keep = np.random.default_rng(t).random(len(coo.row)) > 0.2
        edges.append(pd.DataFrame({"source": [f"u{i}" for i in coo.row[keep]],
                                   "target": [f"u{j}" for j in coo.col[keep]], "year": t}))
    Wt = ds.Weights.from_edges(pd.concat(edges), year="year", units=[f"u{i}" for i in range(25)])
    keep = []
    for t, g in d.groupby("year"):  # drop units without a neighbour that year (repeatedly)
        units = list(g["unit"])
        while True:
            A = Wt.aligned(units, year=t)
            ok = np.diff(A.indptr) > 0
            if ok.all():
                break
            units = [u for u, k in zip(units, ok, strict=False) if k]
        keep.append(g[g["unit"].isin(units)])
    return pd.concat(keep), Wt


def test_unbalanced_time_varying_W(panel):
    d, Wt = _unbalanced_tv(panel)
    assert Wt.is_time_varying
    res = SpatialLag("y ~ x1 + x2", d, Wt, unit="unit", time="year").fit()
    assert res.info["Balanced"] == "no" and res.nobs == len(d)
    s, Wbig = stacked(d, Wt, None)
    rs = SpatialLag("y ~ x1 + x2", s, Wbig, unit="cell").fit()
    np.testing.assert_allclose(res.params, rs.params, rtol=1e-9)
    np.testing.assert_allclose(res.std_errors, rs.std_errors, rtol=1e-8)
    # dict {year: Weights} gives the same
    Wd = {t: ds.Weights.from_matrix(Wt.matrix(t), Wt.labels) for t in Wt.years}
    rd = SpatialLag("y ~ x1 + x2", d, Wd, unit="unit", time="year").fit()
    np.testing.assert_allclose(rd.params, res.params, rtol=1e-12)
    for eff in ("unit", "time", "twoway"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            r = SpatialLag("y ~ x1 + x2", d, Wt, unit="unit", time="year", effects=eff).fit()
        assert np.isfinite(r.std_errors).all() and -1 < r.rho < 1


def test_time_effects_unbalanced_equal_transformation_approach(panel):
    """Time effects: per-year orthonormal transformation F_t' (y_t, W_t) is exact, even unbalanced."""
    d, Wt = _unbalanced_tv(panel)
    res = SpatialLag("y ~ x1 + x2", d, Wt, unit="unit", time="year", effects="time").fit()
    ys, Xs, blocks = [], [], []
    for t in sorted(d["year"].unique()):
        g = d[d["year"] == t]
        A = Wt.aligned(list(g["unit"]), year=t).toarray()
        A = A / A.sum(axis=1, keepdims=True)
        n = len(g)
        ev, vec = np.linalg.eigh(np.eye(n) - 1.0 / n)
        F = vec[:, ev > 0.5]
        ys.append(F.T @ g["y"].to_numpy())
        Xs.append(F.T @ g[["x1", "x2"]].to_numpy())
        blocks.append(F.T @ A @ F)
    from diffusion_stats.spatial import _numerics as num

    y, X = np.concatenate(ys), np.vstack(Xs)
    Wb = sp.block_diag(blocks, format="csr")
    ld = num.LogDet([sp.csr_matrix(b) for b in blocks], "eigen")
    fit = num.maximise_concentrated(y, Wb @ y, X, ld, len(y))
    np.testing.assert_allclose(res.rho, fit.rho, rtol=1e-6)
    np.testing.assert_allclose(res.params[["x1", "x2"]], fit.beta, rtol=1e-6)
    np.testing.assert_allclose(res.sigma2, fit.sigma2, rtol=1e-6)
    np.testing.assert_allclose(res.loglik, fit.loglik, rtol=1e-8)


def test_temporal_lag(panel):
    d, W, B = panel
    with pytest.warns(RowAccountingWarning, match="25 of 150"):
        out = spatial_temporal_lag(d, "y", W, unit="unit", time="year")
    Wr = (sp.diags(1 / np.asarray(B.sum(axis=1)).ravel()) @ B).toarray()
    prev = d[d["year"] == 2002].set_index("unit")["y"].reindex([f"u{i}" for i in range(25)]).to_numpy()
    got = out[out["year"] == 2003].set_index("unit")["W_y_lag"].reindex([f"u{i}" for i in range(25)]).to_numpy()
    np.testing.assert_allclose(got, Wr @ prev)
    with pytest.warns(RowAccountingWarning, match="25 of 150 rows excluded"):
        res = SpatialLag("y ~ x1 + x2", d, W, unit="unit", time="year", effects="unit", temporal_lag=True).fit()
    assert "W_y_lag" in res.params.index and res.nobs == 125


def test_panel_s2sls_effects(panel):
    d, W, _ = panel
    r = SpatialLag("y ~ x1 + x2", d, W, unit="unit", time="year", effects="unit", method="s2sls").fit(
        cluster="unit")
    assert abs(r.params["x1"] - 1.0) < 0.3 and r.n_clusters == (25,)


# ----------------------------------------------------------------------------- diagnostics
def test_moran_hand_checked():
    W = ds.Weights.from_edges(pd.DataFrame({"source": list("abcde"), "target": list("bcdea")}))
    d = pd.DataFrame({"unit": list("abcde"), "y": [1.0, 2.0, 3.0, 2.5, 1.5]})
    r = ds.moran_test(d, W, unit="unit", column="y")
    z = d["y"].to_numpy() - d["y"].mean()
    A = np.zeros((5, 5))
    for i in range(5):
        A[i, (i + 1) % 5] = A[i, (i - 1) % 5] = 0.5
    assert r.I == pytest.approx(z @ A @ z / (z @ z), rel=1e-12)
    assert r.expectation == pytest.approx(-0.25)


def test_yearly_moran_time_varying(panel):
    d, Wt = _unbalanced_tv(panel)
    out = ds.yearly_moran(d, Wt, column="y", unit="unit", time="year")
    assert list(out["year"]) == sorted(d["year"].unique())
    g = d[d["year"] == 2003]
    one = ds.moran_test(g, ds.Weights.from_matrix(Wt.matrix(2003), Wt.labels), unit="unit", column="y")
    row = out[out["year"] == 2003].iloc[0]
    assert row["I"] == pytest.approx(one.I, rel=1e-12) and row["n"] == len(g)
    ev = d.assign(event=(d["y"] > d["y"].median()).astype(int), policy="p")
    ev.loc[ev["year"] == 2001, "event"] = 0
    with pytest.warns(UserWarning, match="constant"):
        out = ds.yearly_moran(ev, Wt, column="event", unit="unit", time="year", by="policy")
    assert out.loc[out["year"] == 2001, "note"].item() == "constant"


# ----------------------------------------------------------------------------- errors
def test_errors(cs, panel):
    d, W, _ = cs
    with pytest.raises(InputError, match="not in W"):
        SpatialLag("y ~ x1", pd.concat([d, d.iloc[:1].assign(unit="zz")], ignore_index=True), W, unit="unit")
    with pytest.raises(DataValidationError, match="missing"):
        SpatialLag("y ~ x1", d.assign(x1=np.where(d.index == 3, np.nan, d["x1"])), W, unit="unit")
    with pytest.raises(SpecificationError, match="singular"):
        SpatialLag("y ~ x1 + x3", d.assign(x3=2 * d["x1"]), W, unit="unit").fit()
    with pytest.raises(InputError, match="ds.Weights"):
        SpatialLag("y ~ x1", d, np.eye(64), unit="unit")
    with pytest.raises(SpecificationError, match="time="):
        SpatialLag("y ~ x1", d, W, unit="unit", effects="unit")
    with pytest.raises(DataValidationError, match="duplicated"):
        SpatialLag("y ~ x1", pd.concat([d, d.iloc[:1]]), W, unit="unit")
    with pytest.raises(InputError, match="logdet"):
        SpatialLag("y ~ x1", d, W, unit="unit", logdet="cholesky")
    pdat, Wp, _ = panel
    with pytest.raises(SpecificationError, match="absorbed"):
        SpatialLag("y ~ x1 + g", pdat.assign(g=pdat["unit"].str[1:].astype(float)), Wp, unit="unit",
                   time="year", effects="unit")


def test_rho_at_boundary_warns():
    B = lattice(5)
    labels = [f"u{i}" for i in range(25)]
    W = ds.Weights.from_matrix(B, labels)
    Wr = (sp.diags(1 / np.asarray(B.sum(axis=1)).ravel()) @ B).toarray()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(25)
    deg = np.asarray(B.sum(axis=1)).ravel()
    pi = deg / deg.sum()                    # pi' W = pi'
    x = x - pi @ x                          # x in the range of I - W
    y = np.linalg.lstsq(np.eye(25) - Wr, x, rcond=None)[0] + 1e-9 * rng.standard_normal(25)
    d = pd.DataFrame({"unit": labels, "y": y, "x": x})
    with pytest.warns(ConvergenceWarning, match="boundary"):
        SpatialLag("y ~ x", d, W, unit="unit").fit()


@pytest.mark.parametrize("logdet", ["LU", "chebyshev", "mc"])
def test_panel_logdets(panel, logdet):
    d, Wt = _unbalanced_tv(panel)
    r0 = SpatialLag("y ~ x1 + x2", d, Wt, unit="unit", time="year", effects="twoway").fit()
    r1 = SpatialLag("y ~ x1 + x2", d, Wt, unit="unit", time="year", effects="twoway", logdet=logdet).fit()
    tol = {"LU": 1e-7, "chebyshev": 1e-2, "mc": 2e-2}[logdet]
    np.testing.assert_allclose(r1.rho, r0.rho, atol=tol)
    np.testing.assert_allclose(r1.std_errors, r0.std_errors, rtol=0.2)


def test_standardize_none_with_row_standardised_weights(cs):
    d, W, _ = cs
    r0 = SpatialLag("y ~ x1 + x2", d, W, unit="unit").fit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Wr = W.row_standardize()
    r1 = SpatialLag("y ~ x1 + x2", d, Wr, unit="unit", standardize=None).fit()
    np.testing.assert_allclose(r1.params, r0.params, rtol=1e-10)
    with pytest.raises(InputError, match="standardize"):
        SpatialLag("y ~ x1 + x2", d, W, unit="unit", standardize="col")


def test_directed_weights_eigen_vs_lu():
    """A non-symmetric W (directed ties, e.g. an inferred diffusion network): complex eigenvalues."""
    rng = np.random.default_rng(9)
    n = 60
    A = (rng.random((n, n)) < 0.06).astype(float)
    np.fill_diagonal(A, 0)
    A[np.arange(n), (np.arange(n) + 1) % n] = 1.0  # everyone has an out-tie
    labels = [f"d{i}" for i in range(n)]
    W = ds.Weights.from_matrix(A, labels)
    Wr = A / A.sum(axis=1, keepdims=True)
    X = rng.standard_normal((n, 1))
    y = np.linalg.solve(np.eye(n) - 0.4 * Wr, 1 + X[:, 0] + rng.standard_normal(n))
    d = pd.DataFrame({"unit": labels, "y": y, "x": X[:, 0]})
    r0 = SpatialLag("y ~ x", d, W, unit="unit").fit()
    r1 = SpatialLag("y ~ x", d, W, unit="unit", logdet="LU").fit()
    np.testing.assert_allclose(r1.params, r0.params, rtol=1e-7)
    np.testing.assert_allclose(r1.std_errors, r0.std_errors, rtol=1e-8)
    np.testing.assert_allclose(r1.loglik, r0.loglik, rtol=1e-10)
    direct = np.linalg.slogdet(np.eye(n) - r0.rho * Wr)[1]
    assert r0._ld(r0.rho) == pytest.approx(direct, abs=1e-9)


def test_unit_effects_match_spreg_panel_fe_lag(panel):
    """Elhorst's direct approach (spreg.Panel_FE_Lag): same rho and beta; sigma^2 = Lee-Yu * (T-1)/T."""
    spreg = pytest.importorskip("spreg")
    libpysal = pytest.importorskip("libpysal")
    d, W, B = panel
    res = SpatialLag("y ~ x1 + x2", d, W, unit="unit", time="year", effects="unit").fit()
    Wr = (sp.diags(1 / np.asarray(B.sum(axis=1)).ravel()) @ B).toarray()
    w = libpysal.weights.full2W(Wr)
    d = d.sort_values(["year", "unit"], key=lambda c: c.str[1:].astype(int) if c.name == "unit" else c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = spreg.Panel_FE_Lag(d[["y"]].to_numpy(), d[["x1", "x2"]].to_numpy(), w)
    np.testing.assert_allclose(res.params[["x1", "x2", "rho"]].to_numpy(), np.r_[m.betas[:-1, 0], m.betas[-1]],
                               rtol=1e-6)
    np.testing.assert_allclose(res.sigma2 * 5 / 6, m.sig2, rtol=1e-6)


def test_unbalanced_unit_effects_equal_lsdv(panel):
    """Unbalanced, year-varying W, unit effects: rho and beta are the ML estimates with unit dummies."""
    d, Wt = _unbalanced_tv(panel)
    rf = SpatialLag("y ~ x1 + x2", d, Wt, unit="unit", time="year", effects="unit").fit()
    s, Wbig = stacked(d, Wt, None)
    rl = SpatialLag("y ~ x1 + x2 + C(unit)", s, Wbig, unit="cell").fit()
    np.testing.assert_allclose(rf.params[["rho", "x1", "x2"]], rl.params[["rho", "x1", "x2"]], rtol=1e-8)
    n, n_units = len(d), d["unit"].nunique()
    np.testing.assert_allclose(rf.sigma2, rl.sigma2 * n / (n - n_units), rtol=1e-8)
