"""The loops shared by the in-memory and Dask estimators, driven through their callables.

``survival._numerics.newton`` (CoxHazard, DaskCoxHazard) and ``_glm.irls`` (EventLogit,
DyadicLogit and their Dask twins) take an evaluation callable: over one block of rows, or
summed over blocks. These tests check that summing the evaluation over row blocks (as the
Dask models do over partitions) gives the one-block fit, and that the public models
are what the loops return.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import diffusion_stats as ds
from diffusion_stats.binary._glm import IRLSPoint, block_point, fit_binary_glm, irls
from diffusion_stats.survival import _numerics as cn


def _binary_data(n: int = 900, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.0 + 0.8 * X[:, 1] - 0.5 * X[:, 2])))).astype(float)
    return y, X


def test_irls_one_block_is_fit_binary_glm():
    y, X = _binary_data()
    names = ["Intercept", "x", "d"]
    for link in ("logit", "cloglog", "probit"):
        fit = fit_binary_glm(y, X, link=link, names=names)
        beta, inv, last, n_iter, converged = irls(lambda b, link=link: block_point(y, X, b, link=link), None,
                                                  names, maxiter=100, tol=1e-10)
        assert converged and n_iter == fit.iterations
        np.testing.assert_array_equal(beta, fit.params)
        np.testing.assert_array_equal(inv, fit.cov_unscaled)
        assert last.dev == fit.deviance


def test_irls_on_block_sums_matches_one_block():
    """Normal equations and deviance summed over row blocks (the Dask reduction)."""
    y, X = _binary_data()
    names = ["Intercept", "x", "d"]
    blocks = np.array_split(np.arange(len(y)), 4)

    def summed(b):
        pts = [block_point(y[i], X[i], b, link="logit") for i in blocks]
        eqs = [p.normal_equations() for p in pts]
        A, rhs = sum(e[0] for e in eqs), sum(e[1] for e in eqs)
        return IRLSPoint(dev=sum(p.dev for p in pts), normal_equations=lambda: (A, rhs))

    fit = fit_binary_glm(y, X, names=names)
    beta, inv, last, _, converged = irls(summed, None, names, maxiter=100, tol=1e-10)
    assert converged
    np.testing.assert_allclose(beta, fit.params, rtol=1e-10)
    np.testing.assert_allclose(inv, fit.cov_unscaled, rtol=1e-10)
    np.testing.assert_allclose(last.dev, fit.deviance, rtol=1e-12)


def test_newton_on_stratum_sums_matches_coxhazard():
    """Newton on the partial likelihood summed over strata (one risk-set block per stratum,
    as DaskCoxHazard sums partitions) gives CoxHazard's estimate."""
    rng = np.random.default_rng(7)
    n = 300
    df = pd.DataFrame({"s": np.repeat(["a", "b", "c"], n // 3), "start": 0.0,
                       "stop": rng.integers(1, 9, n).astype(float), "event": rng.integers(0, 2, n),
                       "x": rng.normal(size=n), "z": rng.normal(size=n)})
    res = ds.CoxHazard("event ~ x + z", df, strata="s").fit()
    Xall = df[["x", "z"]].to_numpy() - df[["x", "z"]].to_numpy().mean(axis=0)
    blocks = []
    for _, g in df.groupby("s", sort=True):
        i = g.index.to_numpy()
        rs = cn.build_risk_sets(df.start.to_numpy()[i], df.stop.to_numpy()[i], df.event.to_numpy()[i],
                                np.ones(len(i)), np.zeros(len(i), dtype=np.int64))
        blocks.append((rs, np.ascontiguousarray(Xall[i]), np.ones(len(i))))

    def ev(b):
        es = [cn.evaluate(rs, X, w, b, efron=True) for rs, X, w in blocks]
        return cn.Evaluation(loglik=sum(e.loglik for e in es), score=sum(e.score for e in es),
                             info=sum(e.info for e in es))

    beta, e, e0, converged, it, _, _ = cn.newton(ev, 2, 50, 1e-12)
    assert converged and it == res.iterations
    np.testing.assert_allclose(beta, res.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(e.loglik, res.loglik, rtol=1e-12)
    np.testing.assert_allclose(e0.loglik, res.loglik_null, rtol=1e-12)
    np.testing.assert_allclose(cn._inv(e.info), res.naive_cov.to_numpy(), rtol=1e-9)
