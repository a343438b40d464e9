"""Numerics shared by predictions, marginal effects and counterfactuals (diffusion_stats.postestimation.effects).

Everything here works on arrays: a design matrix ``X`` (n x p) in the order of the
fitted parameters, the estimate ``b`` and its variance ``V``. Delta-method standard
errors are ``sqrt(diag(G V G'))`` for a gradient matrix ``G`` (one row per quantity),
computed row by row without forming the n x n matrix.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from ..binary.numerics import linkinv as _linkinv

__all__ = ["delta_se", "link_value", "link_derivative", "wald_frame_columns", "group_means"]


def delta_se(G: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Delta-method standard errors ``sqrt(diag(G V G'))`` for gradient rows ``G``."""
    G = np.atleast_2d(G)
    var = np.einsum("ij,ij->i", G @ V, G)
    return np.sqrt(np.clip(var, 0.0, None))


def link_value(eta: np.ndarray, link: str) -> np.ndarray:
    """Inverse link (probability) of a binary model, as R's ``predict.glm(type = "response")``."""
    return _linkinv(np.asarray(eta, dtype=float), link)


def link_derivative(eta: np.ndarray, link: str) -> np.ndarray:
    """d mu / d eta of the inverse link (unclamped analytical derivative)."""
    eta = np.asarray(eta, dtype=float)
    if link == "logit":
        p = special.expit(eta)
        return p * (1.0 - p)
    if link == "probit":
        return stats.norm.pdf(eta)
    # cloglog: mu = 1 - exp(-exp(eta))
    e = np.exp(np.minimum(eta, 700.0))
    return e * np.exp(-e)


def wald_frame_columns(est: np.ndarray, se: np.ndarray, alpha: float,
                       df: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """estimate, std_error, z, pvalue, lower, upper: normal-theory Wald interval, or t with
    ``df`` degrees of freedom per row (CR2/CR3 Satterthwaite df; then a ``df`` column too)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    if df is None:
        q = stats.norm.ppf(1 - alpha / 2)
        p = 2 * stats.norm.sf(np.abs(z))
        return {"estimate": est, "std_error": se, "z": z, "pvalue": p, "lower": est - q * se,
                "upper": est + q * se}
    q = stats.t.ppf(1 - alpha / 2, df)
    p = 2 * stats.t.sf(np.abs(z), df)
    return {"estimate": est, "std_error": se, "z": z, "df": df, "pvalue": p, "lower": est - q * se,
            "upper": est + q * se}


def group_means(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Means of ``values`` (n,) or (n, k) by integer group codes (vectorised bincount / sparse)."""
    from scipy import sparse

    n = len(codes)
    Z = sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_groups, n))
    cnt = np.asarray(Z.sum(axis=1)).ravel()
    out = Z @ values
    return out / (cnt[:, None] if out.ndim == 2 else cnt)
