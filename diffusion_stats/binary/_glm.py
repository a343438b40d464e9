"""Binary-response GLM numerics shared by EventLogit and DyadicLogit.

Iteratively reweighted least squares (Fisher scoring, as R's ``glm.fit``) for a 0/1
response with a logit, complementary log-log or probit link, optional prior weights and
offset; per-observation scores (R's ``sandwich::estfun.glm``), and the meat pieces of
every sandwich, which :func:`diffusion_stats.inference.covariance.sandwich` assembles with
R's finite-sample factors (``small_sample=``: unset = "none" for robust, "CR1" for cluster):

=================  ==================================================================
``classical``      ``A^{-1}``, A = X'WX (W = IRLS working weights; dispersion 1) =
                   ``vcov(glm)``
``robust`` none    ``A^{-1} (sum_i s_i s_i') A^{-1}`` = ``sandwich::vcovHC(type="HC0")``
``robust`` "HC1"   HC0 x n / (n - k)                  = ``vcovHC(type="HC1")``
``cluster`` 1-way  ``A^{-1} [G/(G-1) sum_g S_g S_g'] A^{-1}``; "HC1" adds (n-1)/(n-k)
                   = ``vcovCL(cluster=~g, type="HC0"|"HC1")`` (cadjust=TRUE; R's
                   default type for a glm is "HC0")
``cluster`` 2-way  meat = G1/(G1-1) M(g1) + G2/(G2-1) M(g2) - G12/(G12-1) M(g1 x g2)
                   (each term its own cadjust; G12 = number of non-empty g1 x g2
                   cells); "HC1" adds (n-1)/(n-k) = ``vcovCL(cluster=~g1+g2)``
``dyadic``         ``A^{-1} D A^{-1}`` with D = sum_u S_u S_u' - sum_{u<v} S_uv S_uv'
                   (:func:`diffusion_stats.inference.covariance.dyadic_meat`), no finite-sample
                   factor
=================  ==================================================================

Here s_i = w_i (y_i - mu_i) mu'(eta_i) / (mu_i (1 - mu_i)) x_i is the score of
observation i (w_i the prior weight), n the number of observations and k the number of
coefficients.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, overload

import numpy as np
from scipy import sparse, special, stats

from ..core.errors import (
    ConvergenceError,
    ConvergenceWarning,
    DataValidationError,
    InputError,
    SeparationWarning,
    SpecificationError,
    user_stacklevel,
)
from ..inference.covariance import (
    cluster_pieces,
    dyadic_meat_rows,
    group_codes,
    resolve_small_sample,
    sandwich,
    small_sample_from_hc_type,
)

__all__ = ["LINKS", "GLMFit", "IRLSPoint", "irls", "block_point", "null_deviance", "fit_binary_glm", "glm_scores",
           "glm_cov", "resolve_glm_small_sample", "SMALL_SAMPLE_DEFAULT",
           "SMALL_SAMPLE_SUPPORTED", "separation_stats", "separation_flags", "check_binary"]

LINKS = ("logit", "cloglog", "probit")
_EPS = np.finfo(float).eps
_PROBIT_THRESH = -stats.norm.ppf(_EPS)
_WARM_N = 1_000_000  # above this many rows, IRLS starts from a subsample fit


# --------------------------------------------------------------------------- links
def _linkinv(eta: np.ndarray, link: str) -> np.ndarray:
    """Inverse link with R's clamping (mu kept in [eps, 1 - eps])."""
    if link == "logit":
        mu = special.expit(eta)
    elif link == "probit":
        mu = special.ndtr(np.clip(eta, -_PROBIT_THRESH, _PROBIT_THRESH))
    else:  # cloglog
        mu = -np.expm1(-np.exp(np.minimum(eta, 700.0)))
    np.maximum(mu, _EPS, out=mu)
    np.minimum(mu, 1 - _EPS, out=mu)
    return mu


def _mu_eta(eta: np.ndarray, mu: np.ndarray, link: str) -> np.ndarray:
    """d mu / d eta, floored at machine epsilon as in R's binomial family."""
    if link == "logit":
        d = special.expit(eta) * special.expit(-eta)
    elif link == "probit":
        d = np.exp(-0.5 * eta * eta) / np.sqrt(2 * np.pi)
    else:
        e = np.minimum(eta, 700.0)
        d = np.exp(e - np.exp(e))
    return np.maximum(d, _EPS)


def _linkfun(mu: np.ndarray, link: str) -> np.ndarray:
    if link == "logit":
        return special.logit(mu)
    if link == "probit":
        return special.ndtri(mu)
    return np.log(-np.log1p(-mu))


def _irls_weights(eta: np.ndarray, mu: np.ndarray, link: str, w_prior: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(d mu/d eta, IRLS working weight w mu'^2 / (mu (1 - mu)))."""
    var = mu * (1.0 - mu)
    if link == "logit":
        me = np.maximum(var, _EPS)
        wt = me * me / var
    else:
        me = _mu_eta(eta, mu, link)
        wt = me * me / var
    if w_prior is not None:
        wt *= w_prior
    return me, wt


# --------------------------------------------------------------------------- checks
def check_link(link: str) -> None:
    """Raise :class:`InputError` unless ``link`` is one of :data:`LINKS`."""
    from ..core.options import check_option

    check_option("link", link, LINKS)


def check_binary(y: np.ndarray, response: str) -> None:
    """Raise :class:`DataValidationError` unless ``y`` is 0/1 with both values present."""
    bad = ~((y == 0) | (y == 1))
    if bad.any():
        vals = np.unique(y[bad])[:5]
        raise DataValidationError(
            f"the response '{response}' must be 0/1 (event indicator); found {int(bad.sum())} rows with other "
            f"values, e.g. {', '.join(map(repr, vals.tolist()))}. Recode it, e.g. '(x > 0) ~ ...' or a new column")
    if len(y) and (y.min() == y.max()):
        raise DataValidationError(
            f"the response '{response}' is {int(y[0])} in every one of the {len(y)} rows; a binary model needs "
            "both events and non-events")


def _solve_spd(A: np.ndarray, b: np.ndarray, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Solve A x = b for symmetric positive-definite A (with column equilibration).

    Returns (x, A^{-1}); raises SpecificationError naming collinear terms.
    """
    d = np.sqrt(np.clip(np.diag(A), 1e-300, None))
    As = A / np.outer(d, d)
    w, V = np.linalg.eigh(As)
    if not np.all(np.isfinite(w)) or w.min() <= w.max() * 1e-13:
        j = int(np.argmax(np.abs(V[:, 0]))) if len(w) else 0
        involved = [names[i] for i in np.flatnonzero(np.abs(V[:, 0]) > 0.1)] or [names[j]]
        raise SpecificationError(
            "the design matrix is (numerically) rank deficient: the terms "
            f"{involved} are collinear (or a term is constant / all zero in the rows used); drop one of them")
    inv_s = (V / w) @ V.T
    inv = inv_s / np.outer(d, d)
    inv = (inv + inv.T) / 2
    return inv @ b, inv


# --------------------------------------------------------------------------- fit
@dataclass
class GLMFit:
    """Raw output of :func:`fit_binary_glm` (arrays, no labels)."""

    params: np.ndarray
    cov_unscaled: np.ndarray
    eta: np.ndarray
    mu: np.ndarray
    loglik: float
    deviance: float
    null_deviance: float
    iterations: int
    converged: bool
    link: str
    separation: list[str] = field(default_factory=list)
    n_perfect: int = 0


@dataclass
class IRLSPoint:
    """The deviance at one coefficient vector, and (lazily) the IRLS normal equations there."""

    dev: float
    normal_equations: Callable[[], tuple[np.ndarray, np.ndarray]]  # () -> (X'WX, X'Wz)
    state: Any = None  # whatever the caller wants back at the estimate (in memory: eta, mu)


#: IRLS stops when the full step is below this fraction of |beta| + SE (and the deviance is flat)
STEP_TOL = 1e-10
#: ... or when the deviance has been flat for this many steps although the estimate still moves
FLAT_ITER = 5


def _step_size(d: np.ndarray, beta: np.ndarray, inv: np.ndarray) -> float:
    """``max_j |d_j| / (|beta_j| + SE_j)``: the Newton step in units that make 1e-10 mean
    "the estimate and its SE are settled to 10 digits"."""
    se = np.minimum(np.sqrt(np.clip(np.diag(inv), 0, None)), 1.0)  # capped: SEs explode under separation
    return float(np.max(np.abs(d) / (np.abs(beta) + se + 1e-300), initial=0.0))


def irls(point: Callable[[np.ndarray | None], IRLSPoint], start: np.ndarray | None, names: list[str], *,
         maxiter: int, tol: float) -> tuple[np.ndarray, np.ndarray, IRLSPoint, int, bool]:
    """IRLS (Fisher scoring) with R's step halving, from ``start`` (``None``: R's starting values).

    ``point(beta)`` evaluates the deviance at ``beta`` and offers the summed normal
    equations ``X'WX``, ``X'Wz`` there: over one block of rows in memory
    (:func:`fit_binary_glm`) or reduced over Dask partitions. Converges when the
    relative deviance change ``|dev - dev_old| / (|dev| + 0.1)`` is below ``tol`` and the
    full step is below ``STEP_TOL`` x (|beta| + SE) (or the deviance stayed flat for
    ``FLAT_ITER`` steps: separation), then takes one polishing step. Returns ``(beta, A^{-1}, point at beta, iterations,
    converged)``; ``A^{-1}`` is that of the last solved step after convergence (the
    polishing step moved the estimate by ~1e-8 SE, as R), else of the last estimate.
    """
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise InputError(f"maxiter={maxiter!r}: pass a whole number of IRLS iterations >= 1")
    beta = start
    pt = point(beta)
    converged, polish, n_iter, rel, flat = False, False, 0, np.inf, 0
    inv = np.zeros((len(names), len(names)))
    for _it in range(maxiter):
        n_iter += 1
        A, rhs = pt.normal_equations()
        new_beta, inv = _solve_spd(A, rhs, names)
        # size of the full Fisher-scoring step, relative to |beta| + SE: the deviance alone flattens
        # (rounding) long before a linearly converging (non-canonical link) estimate is settled
        step_rel = np.inf if beta is None else _step_size(new_beta - beta, beta, inv)
        del A, rhs
        if not np.all(np.isfinite(new_beta)):
            raise ConvergenceError("IRLS produced non-finite estimates; check for extreme covariate values "
                                   "(rescale them) or separation")
        # step halving when the deviance is not finite (R) or increases markedly
        step = new_beta
        for _ in range(30):
            new = point(step)
            if np.isfinite(new.dev) and (beta is None or new.dev <= pt.dev * (1 + 1e-7) + 1e-9):
                break
            step = (step + beta) / 2 if beta is not None else step / 2
        rel = abs(new.dev - pt.dev) / (abs(new.dev) + 0.1)
        beta, pt = step, new
        if polish:
            converged = True
            break
        if rel < tol:
            flat += 1
            # the step has settled (within STEP_TOL of |beta| + SE), or the deviance stayed flat for
            # FLAT_ITER steps while the estimate kept moving (separation: R's deviance rule; or a
            # rounding floor): one more Newton step at the converged point
            polish = step_rel <= STEP_TOL or flat >= FLAT_ITER
        else:
            flat = 0
    if not converged:
        warnings.warn(f"IRLS did not converge in {maxiter} iterations (last relative deviance change {rel:.2e}); "
                      "estimates may be unreliable: check for separation or rescale covariates",
                      ConvergenceWarning, stacklevel=user_stacklevel())
        # information at the last estimate
        A, _ = pt.normal_equations()
        _, inv = _solve_spd(A, np.zeros(len(names)), names)
    assert beta is not None  # maxiter >= 1: at least one step was taken
    return beta, inv, pt, n_iter, converged


def block_point(y: np.ndarray, X, beta: np.ndarray | None, *, link: str, weights: np.ndarray | None = None,
                offset: np.ndarray | None = None) -> IRLSPoint:
    """:class:`IRLSPoint` of one block of rows (all rows in memory, or one Dask partition)
    at ``beta`` (``None``: R's starting values ``mu = (w y + 0.5) / (w + 1)``)."""
    if beta is None:
        mu = (y + 0.5) / 2 if weights is None else (weights * y + 0.5) / (weights + 1)
        eta = _linkfun(mu, link)
    else:
        eta = X @ beta
        if offset is not None:
            eta = eta + offset
        mu = _linkinv(eta, link)
    ll = np.log(np.where(y > 0, mu, 1.0 - mu))
    dev = float(-2.0 * (ll.sum() if weights is None else np.dot(weights, ll)))
    del ll

    def normal_equations() -> tuple[np.ndarray, np.ndarray]:
        me, wt = _irls_weights(eta, mu, link, weights)
        z = y - mu
        z /= me
        z += eta if offset is None else eta - offset
        return _gram(X, wt, z)

    return IRLSPoint(dev=dev, normal_equations=normal_equations, state=(eta, mu))


def warm_start_step(n: int, maxiter: int) -> int:
    """Above ``_WARM_N`` rows IRLS starts from a fit on every ``step``-th row (0: no warm start)."""
    return n // (_WARM_N // 4) if n > _WARM_N and maxiter > 5 else 0


def subsample_start(y: np.ndarray, X, *, link: str, weights: np.ndarray | None, offset: np.ndarray | None,
                    names: list[str]) -> np.ndarray | None:
    """Starting values from a loose fit on a systematic subsample (``None`` on any trouble:
    IRLS then starts from R's values); the optimum reached is the full-data one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ws = fit_binary_glm(y, X, link=link, weights=weights, offset=offset, names=names, tol=1e-8,
                                maxiter=25, _check=False)
        except Exception:  # noqa: BLE001 - any trouble: fall back to R's starting values
            return None
    return ws.params if ws.converged and np.all(np.isfinite(ws.params)) else None


def null_deviance(n1: float, n0: float, ybar: float) -> float:
    """Deviance of the intercept-only model from the (weighted) event and non-event counts."""
    return -2.0 * ((n1 * np.log(ybar) if n1 > 0 else 0.0) + (n0 * np.log1p(-ybar) if n0 > 0 else 0.0))


def fit_binary_glm(y: np.ndarray, X: Any, *, link: str = "logit", weights: np.ndarray | None = None,
                   offset: np.ndarray | None = None, names: list[str] | None = None, tol: float = 1e-10,
                   maxiter: int = 100, start: np.ndarray | None = None, _check: bool = True) -> GLMFit:
    """Maximum likelihood for a binary GLM by IRLS (Fisher scoring).

    Converges when the relative deviance change ``|dev - dev_old| / (|dev| + 0.1)`` is
    below ``tol`` (R's rule, tighter default than R's 1e-8) and the Fisher-scoring step
    is below ``STEP_TOL`` = 1e-10 of ``|beta| + min(SE, 1)`` (the deviance flattens at
    rounding level long before a non-canonical link's linearly converging estimate is
    settled); then one more step polishes the estimate. A column far from zero relative
    to its spread (``x + 1e8``) beside an intercept is fitted centred and mapped back.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=500); X = np.column_stack([np.ones(500), x])
    >>> y = (rng.random(500) < 1 / (1 + np.exp(-(0.5 + x)))).astype(float)
    >>> fit = fit_binary_glm(y, X)
    >>> fit.converged
    True
    """
    if link not in LINKS:
        raise InputError(f"link={link!r} is not one of {LINKS}")
    y = np.asarray(y, dtype=float)
    X = X.tocsr().astype(float) if sparse.issparse(X) else np.asarray(X, dtype=float)
    n, k = X.shape
    names = list(names) if names is not None else [f"x{j}" for j in range(k)]
    w_prior = None if weights is None else np.asarray(weights, dtype=float)
    if w_prior is not None and (np.any(~np.isfinite(w_prior)) or np.any(w_prior < 0)):
        raise DataValidationError("weights must be finite and non-negative")
    off = None if offset is None else np.asarray(offset, dtype=float)
    if start is None and warm_start_step(n, maxiter):
        # warm start from a systematic subsample: IRLS then needs ~3 full-data passes
        # instead of ~7; the optimum (and so the result) is the full-data one
        sub = slice(0, n, warm_start_step(n, maxiter))
        start = subsample_start(y[sub], X[sub], link=link, weights=None if w_prior is None else w_prior[sub],
                                offset=None if off is None else off[sub], names=names)
    start = None if start is None else np.asarray(start, dtype=float)
    # a column far from zero relative to its spread (x + 1e8) beside an intercept: fit on the centred
    # column (R's QR copes; the normal equations would call it collinear), then map back exactly
    X_fit, T = X, None
    if not sparse.issparse(X) and k > 1 and n > 1:
        from ..core.validate import centring_shift

        T = centring_shift(X)
        if T is not None:
            X_fit = X - (X[:, [T[0]]] * T[1][None, :])  # intercept column x shifts
            if start is not None:
                start = start.copy()
                start[T[0]] += float(T[1] @ start)

    def point(b: np.ndarray | None) -> IRLSPoint:
        return block_point(y, X_fit, b, link=link, weights=w_prior, offset=off)

    beta, inv, last, n_iter, converged = irls(point, start, names, maxiter=maxiter, tol=tol)
    if T is not None:  # beta = M beta_c with M = I, M[i0, j] = -shift_j: the original parametrisation
        M = np.eye(k)
        M[T[0]] -= T[1]
        M[T[0], T[0]] = 1.0
        beta, inv = M @ beta, M @ inv @ M.T
    eta, mu = last.state
    dev = last.dev
    ybar = float(np.mean(y)) if w_prior is None else float(np.average(y, weights=w_prior))
    n1 = float(y.sum()) if w_prior is None else float(np.dot(w_prior, y))
    n0 = float(n - y.sum()) if w_prior is None else float(w_prior.sum() - n1)
    null_dev = null_deviance(n1, n0, ybar)
    sep, n_perfect = _separation(y, X, mu, beta, inv, names) if _check else ([], 0)
    return GLMFit(params=beta, cov_unscaled=inv, eta=eta, mu=mu, loglik=-dev / 2, deviance=dev,
                  null_deviance=null_dev, iterations=n_iter, converged=converged, link=link,
                  separation=sep, n_perfect=n_perfect)


def _separation(y: np.ndarray, X: np.ndarray, mu: np.ndarray, beta: np.ndarray, inv: np.ndarray,
                names: list[str]) -> tuple[list[str], int]:
    """Detect (quasi-)complete separation (see :func:`separation_flags`)."""
    return separation_flags(separation_stats(y, X, mu), beta, inv, names, len(y))


def separation_stats(y: np.ndarray, X, mu: np.ndarray) -> dict:
    """Row sums behind :func:`separation_flags`; they add over blocks of rows (``is01``
    combines with ``all``, ``on_perfect`` with ``any``)."""
    perfect = (mu < 1e-10) | (mu > 1 - 1e-10)
    n_perfect = int(perfect.sum())
    # 0/1 terms: is the outcome constant among the rows where the term is 1 (or 0)?
    if sparse.issparse(X):
        Xc = X.tocsc()
        is01 = np.array([np.all(np.isin(Xc.data[Xc.indptr[j]:Xc.indptr[j + 1]], (0.0, 1.0)))
                         for j in range(X.shape[1])])
        on = np.asarray(X.sum(axis=0)).ravel()
        y_on = X.T @ y
        cols_perfect = X[perfect].toarray() if n_perfect else None
    else:
        is01 = np.array([np.array_equal(X[:, j], X[:, j] != 0) for j in range(X.shape[1])])
        on = X.sum(axis=0)
        y_on = y @ X
        cols_perfect = X[perfect] if n_perfect else None
    on_perfect = (cols_perfect != 0).any(axis=0) if cols_perfect is not None else np.zeros(X.shape[1], dtype=bool)
    return {"n_perfect": n_perfect, "is01": is01, "on": on, "y_on": y_on, "ysum": y.sum(),
            "on_perfect": on_perfect}


def separation_flags(st: dict, beta: np.ndarray, inv: np.ndarray, names: list[str], n: int
                     ) -> tuple[list[str], int]:
    """Detect (quasi-)complete separation from :func:`separation_stats` (of all rows).

    Two signals: fitted probabilities numerically 0 or 1 (R's warning), and, for each
    0/1 term, an outcome that is constant among the rows where the term is 1 (a
    single-term quasi-complete separation, e.g. a duration dummy with no events).
    Terms flagged: those whose rows are perfectly predicted and whose coefficient is
    large (|b| > 10) or whose standard error is huge relative to the others.
    """
    n_perfect = st["n_perfect"]
    flagged: list[str] = []
    se = np.sqrt(np.clip(np.diag(inv), 0, None))
    on, y_on, ysum = st["on"], st["y_on"], st["ysum"]
    for j, nm in enumerate(names):
        if nm.lower() in ("intercept", "(intercept)"):
            continue
        if st["is01"][j] and 0 < on[j] < n:
            off_n, y_off = n - on[j], ysum - y_on[j]
            if y_on[j] in (0, on[j]) or y_off in (0, off_n):
                flagged.append(nm)
                continue
        if n_perfect and (abs(beta[j]) > 10 or se[j] > 1e3) and st["on_perfect"][j]:
            flagged.append(nm)
    if n_perfect and not flagged:
        flagged = ["(some combination of terms)"]
    if flagged:
        warnings.warn(
            f"(quasi-)complete separation: {n_perfect} fitted probabilities are numerically 0 or 1; "
            f"the estimates of {flagged} diverge (infinite MLE) and their standard errors are meaningless. "
            "Drop or merge those terms (e.g. duration dummies with no events), or use a penalised estimator",
            SeparationWarning, stacklevel=user_stacklevel())
    return flagged, n_perfect


# --------------------------------------------------------------------------- variance
@overload
def _gram(X, wt: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def _gram(X, wt: np.ndarray, z: None) -> tuple[np.ndarray, None]: ...
def _gram(X, wt: np.ndarray, z: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """X'WX and X'Wz for a dense or sparse X."""
    if sparse.issparse(X):
        Xw = sparse.diags(wt) @ X
        return (X.T @ Xw).toarray(), (None if z is None else Xw.T @ z)
    Xw = X * wt[:, None]
    return Xw.T @ X, (None if z is None else Xw.T @ z)


def glm_scores(y: np.ndarray, X: np.ndarray, fit: GLMFit | SimpleNamespace,
               weights: np.ndarray | None = None) -> np.ndarray:
    """Per-observation score contributions (R's ``sandwich::estfun`` for a binomial glm);
    ``fit`` needs ``mu``, ``eta`` and ``link`` only (a Dask partition passes a namespace)."""
    mu = fit.mu
    me = _mu_eta(fit.eta, mu, fit.link)
    r = (y - mu) * me / (mu * (1 - mu))
    if weights is not None:
        r = r * weights
    if sparse.issparse(X):
        return (sparse.diags(r) @ X).tocsr()
    return X * r[:, None]


#: ``small_sample`` of the binary GLMs: the default for each ``cov_type`` (R's vcovHC/vcovCL
#: ``type = "HC0"``, ``cadjust = TRUE``) and what each computes
SMALL_SAMPLE_DEFAULT = {"robust": "none", "cluster": "CR1"}
SMALL_SAMPLE_SUPPORTED = {"classical": ("none",), "robust": ("none", "CR1", "HC1"),
                          "cluster": ("none", "CR1", "HC1", "CR2", "CR3"), "dyadic": ("none",)}


def resolve_glm_small_sample(small_sample: Any, hc_type: Any, cov_type: str | None, cluster: tuple[str, ...], *,
                             model: str, cr23: bool = True) -> str:
    """The binary GLMs' ``small_sample=`` (with the deprecated ``hc_type=`` alias) as one of
    :data:`~diffusion_stats.inference.covariance.SMALL_SAMPLE_KINDS`."""
    name = "hc_type" if hc_type is not None and small_sample is None else "small_sample"
    small_sample = small_sample_from_hc_type(hc_type, small_sample)
    supported = dict(SMALL_SAMPLE_SUPPORTED)
    if not cr23:
        supported["cluster"] = ("none", "CR1", "HC1")
    return resolve_small_sample(small_sample, cov_type, cluster, model=model, default=SMALL_SAMPLE_DEFAULT,
                                supported=supported, name=name)


def glm_cov(y: np.ndarray, X: np.ndarray, fit: GLMFit, cov_type: str, *, small_sample: str = "none",
            weights: np.ndarray | None = None, clusters: tuple[np.ndarray, ...] = (),
            unit_codes: np.ndarray | None = None, partner_codes: np.ndarray | None = None
            ) -> tuple[np.ndarray, dict]:
    """Variance matrix of the estimates for every ``cov_type`` (see module docstring): the
    meat pieces from the scores of the rows, then
    :func:`diffusion_stats.inference.covariance.sandwich`. ``small_sample`` is resolved
    (:func:`resolve_glm_small_sample`).

    Returns ``(V, facts)`` where ``facts`` holds ``n_clusters``, ``adjustment`` (text) and
    ``not_psd`` (bool); with ``small_sample="CR2"|"CR3"`` (one-way "cluster", see
    :mod:`diffusion_stats.inference.small_sample`) also ``df``, the Satterthwaite degrees of
    freedom per coefficient.
    """
    if small_sample in ("CR2", "CR3"):
        from ..inference.small_sample import describe, glm_cr
        codes, G = group_codes(clusters[0])
        if G < 2:
            raise SpecificationError("cov_type='cluster' needs at least 2 clusters; the cluster column is constant")
        V, df = glm_cr(X, y, fit.mu, _mu_eta(fit.eta, fit.mu, fit.link), fit.cov_unscaled, weights, codes, G,
                       small_sample)
        return V, {"n_clusters": (G,), "not_psd": False, "adjustment": describe(small_sample), "df": df}
    n, k = X.shape
    bread = fit.cov_unscaled
    if cov_type == "classical":
        return sandwich(bread, cov_type, kind=small_sample, n=n, k=k)
    S = glm_scores(y, X, fit, weights)
    if cov_type == "robust":
        meat = S.T @ S
        if sparse.issparse(meat):
            meat = meat.toarray()
        return sandwich(bread, cov_type, kind=small_sample, n=n, k=k, meat=meat)
    if cov_type == "cluster":
        pieces = cluster_pieces(S, [group_codes(c) for c in clusters])
        return sandwich(bread, cov_type, kind=small_sample, n=n, k=k, cluster_meats=pieces)
    if cov_type == "dyadic":
        if unit_codes is None or partner_codes is None:
            raise SpecificationError("cov_type='dyadic' needs unit and partner columns")
        n_units = int(max(unit_codes.max(), partner_codes.max())) + 1
        meat = dyadic_meat_rows(S, unit_codes, partner_codes, n_units)
        present = (np.bincount(unit_codes, minlength=n_units) + np.bincount(partner_codes, minlength=n_units)) > 0
        return sandwich(bread, cov_type, kind=small_sample, n=n, k=k, meat=meat, n_units=int(present.sum()))
    raise SpecificationError(f"unknown cov_type {cov_type!r}")  # pragma: no cover - resolve_cov_type guards this
