"""Small-cluster variance: CR2 (bias-reduced linearisation) and CR3 (jackknife) with
Satterthwaite (Bell-McCaffrey) degrees of freedom.

Every estimator here is a one-way cluster sandwich ``V = M (sum_j s~_j s~_j') M`` with
``M`` the model-based variance (inverse information) and ``s~_j`` the score sum of
cluster ``j`` after an adjustment:

=======  ===================================================================================
CR3      ``s~_j = (I - F_j M)^{-1} s_j``: the one-step leave-one-cluster-out jackknife,
         ``M s~_j = (A - F_j)^{-1} s_j`` (A = M^{-1} the information, F_j cluster j's part)
CR2      binary GLM: clubSandwich's adjustment (Pustejovsky & Tipton 2018) with the
         working model ``Theta_j = diag(mu (1 - mu) / w)``, inverse-variance weights::

             s~_j = X~_j' W_j A_j r_j,   A_j = R_j' G_j^{-1/2} R_j,   R_j = Theta_j^{1/2},
             G_j = R_j (I - X~_j M X~_j' W_j) Theta_j R_j'

         (X~ = d mu/d eta x, W = w / (mu (1 - mu)), r = y - mu; eigenvalues of G_j
         below 1e-12 are dropped, as clubSandwich's ``matrix_power``): equal to
         ``clubSandwich::vcovCR(glm, type = "CR2")``. Dense in the cluster's rows
         (``O(n_j^3)``) up to :data:`DENSE_CR2_MAX` rows, by quadrature of the inverse
         square root (``O(n_j k^2)`` per node) above (:func:`_cr2_cluster_quad`).

         Cox: the same idea in parameter space, ``s~_j = (I - F_j M)^{-1/2} s_j`` with the
         symmetric root ``(I - F_j M)^{-1/2} = L^{-T} (I - L' F_j L)^{-1/2} L'``
         (``M = L L'``), where ``F_j = sum_{i in j} w_i exp(eta_i) sum_k sum_l c h_kl
         (x_i - a_kl)(x_i - a_kl)'`` is cluster j's share of the (Breslow or Efron)
         information (the F_j sum to A exactly). For a linear model with homoskedastic
         working errors this is the Bell-McCaffrey CR2.
=======  ===================================================================================

Satterthwaite degrees of freedom for coefficient ``i`` (``c = e_i``, ``a = M c``),
from ``K_j = E_j Theta_j E_j'`` and ``N_j = E_j X~_j`` (``E_j`` the adjusted
estimating matrix; in parameter space ``K_j = B_j F_j B_j'``, ``N_j = B_j F_j``)::

    P_jl = [j = l] a' K_j a - (N_j' a)' M (N_l' a),   df = (tr P)^2 / tr(P^2)

which is clubSandwich's ``coef_test(..., test = "Satterthwaite")`` (its ``P_array``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from ..core.errors import SpecificationError

__all__ = ["SatterthwaiteDF", "contrast_df", "SMALL_SAMPLE", "DENSE_CR2_MAX", "describe",
           "cluster_order", "kspace_adjust", "glm_cr", "cox_cluster_information", "kspace_cr", "iv_cr",
           "satterthwaite_df"]

SMALL_SAMPLE = ("CR2", "CR3")  # validated with the rest of small_sample= by covariance.resolve_small_sample
DENSE_CR2_MAX = 1500  # rows per cluster for the dense binary-GLM CR2 (quadrature above)
_EIG_TOL = 1e-12      # clubSandwich's matrix_power tolerance


def describe(kind: str) -> str:
    """Text for summaries."""
    return {"CR2": "CR2 (bias-reduced linearisation), Satterthwaite df",
            "CR3": "CR3 (cluster jackknife), Satterthwaite df"}[kind]


def cluster_order(codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by cluster (stable) and the start of each cluster (length G + 1)."""
    order = np.argsort(codes, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_groups))])
    return order, ptr


def group_sum(V: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Sums of the rows of ``V`` (n, m) by cluster: (G, m)."""
    out = np.empty((n_groups, V.shape[1]))
    for c in range(V.shape[1]):
        out[:, c] = np.bincount(codes, weights=V[:, c], minlength=n_groups)
    return out


def _sym_power(S: np.ndarray, p: float, tol: float = _EIG_TOL) -> np.ndarray:
    """Symmetric matrix power of a stack (..., m, m); eigenvalues <= tol give 0."""
    lam, U = np.linalg.eigh((S + np.swapaxes(S, -1, -2)) / 2)
    lp = np.where(lam > tol, np.abs(lam) ** p, 0.0)
    return (U * lp[..., None, :]) @ np.swapaxes(U, -1, -2)


def kspace_adjust(M: np.ndarray, F: np.ndarray, kind: str) -> np.ndarray:
    """Adjustment matrices ``B_j`` (G, k, k) from the clusters' information shares ``F``."""
    k = M.shape[0]
    eye = np.eye(k)
    if kind == "CR3":
        return np.linalg.inv(eye[None] - F @ M[None])
    # CR2: L^{-T} (I - L' F_j L)^{-1/2} L'
    L = np.linalg.cholesky(M)
    T = np.einsum("ai,jab,bk->jik", L, F, L)
    lam, U = np.linalg.eigh((T + np.swapaxes(T, 1, 2)) / 2)
    if np.any(lam >= 1 - 1e-12):
        raise SpecificationError(
            "CR2: one cluster carries (almost) all the information on some coefficient (I - F_j M is "
            "singular), e.g. a covariate that varies in one cluster only; use small_sample='CR3' or a bootstrap")
    R = np.einsum("jik,jk,jlk->jil", U, (1 - lam) ** -0.5, U)
    Linv = np.linalg.inv(L)
    return np.einsum("ai,jab,bk->jik", Linv, R, L.T)


def _df_of(A: np.ndarray, M: np.ndarray, K: np.ndarray, N: np.ndarray) -> np.ndarray:
    """Satterthwaite df of the linear combinations whose columns of ``A`` are ``M c``."""
    g2 = np.einsum("li,jlm,mi->ij", A, K, A)          # (m, G): a' K_j a per combination
    v = np.einsum("jlm,li->ijm", N, A)                # (m, G, k): N_j' a
    H = np.einsum("ijm,mn,iln->ijl", v, M, v)         # (m, G, G)
    P = -H
    idx = np.arange(K.shape[0])
    P[:, idx, idx] += g2
    tr = np.einsum("ijj->i", P)
    tr2 = np.einsum("ijl,ijl->i", P, P)
    with np.errstate(divide="ignore", invalid="ignore"):
        return tr * tr / tr2


def satterthwaite_df(M: np.ndarray, K: np.ndarray, N: np.ndarray) -> np.ndarray:
    """Satterthwaite df of every coefficient from ``K_j``, ``N_j`` (G, k, k) (module docstring)."""
    return _df_of(M, M, K, N)  # a = M e_i for coefficient i


class SatterthwaiteDF(np.ndarray):
    """Per-coefficient Satterthwaite df that keep their pieces ``(M, K_j, N_j)``, so that the
    df of any contrast ``c'beta`` (an effect's gradient) can be computed later
    (:func:`contrast_df`); behaves as the plain array of df otherwise."""

    pieces: tuple[np.ndarray, np.ndarray, np.ndarray] | None

    def __new__(cls, df: np.ndarray, M: np.ndarray, K: np.ndarray, N: np.ndarray) -> SatterthwaiteDF:
        obj = np.asarray(df, dtype=float).view(cls)
        obj.pieces = (M, K, N)
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        self.pieces = getattr(obj, "pieces", None)


def contrast_df(pieces: tuple[np.ndarray, np.ndarray, np.ndarray], C: np.ndarray,
                chunk: int = 2000) -> np.ndarray:
    """Satterthwaite df of the contrasts ``C @ beta`` (rows of ``C``), as clubSandwich's
    ``linear_contrast(test = "Satterthwaite")``: the single-coefficient formula of
    :func:`satterthwaite_df` with ``a = M c`` in place of ``M e_i``. Rows are taken in
    chunks (memory ~ chunk x G^2)."""
    M, K, N = pieces
    C = np.atleast_2d(np.asarray(C, dtype=float))
    out = np.empty(C.shape[0])
    for i in range(0, C.shape[0], chunk):
        out[i:i + chunk] = _df_of(M @ C[i:i + chunk].T, M, K, N)
    return out


def _finish(M: np.ndarray, St: np.ndarray, K: np.ndarray, N: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    MS = St @ M
    V = MS.T @ MS
    return (V + V.T) / 2, SatterthwaiteDF(satterthwaite_df(M, K, N), M, K, N)


# --------------------------------------------------------------------------- binary GLM
def glm_cr(X, y: np.ndarray, mu: np.ndarray, dmu: np.ndarray, M: np.ndarray, weights: np.ndarray | None,
           codes: np.ndarray, n_groups: int, kind: str, dense_max: int | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """CR2/CR3 variance and Satterthwaite df for a binary GLM (``clubSandwich::vcovCR.glm``).

    ``X`` the design (dense or sparse), ``mu`` fitted probabilities, ``dmu`` = d mu/d eta,
    ``M`` the inverse information, ``weights`` prior weights (rows with weight 0 are
    left out, as R), ``codes`` cluster codes 0..G-1. CR2 works on clusters of up to
    ``dense_max`` rows with a dense eigendecomposition and on larger ones by quadrature
    (:func:`_cr2_cluster_quad`).
    """
    n, k = X.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    keep = w > 0
    v = mu * (1 - mu)
    theta = np.where(keep, v / np.where(keep, w, 1.0), 1.0)
    Xt = (sparse.diags(dmu) @ X).tocsr() if sparse.issparse(X) else X * dmu[:, None]
    r = y - mu
    if not keep.all():
        Xt = Xt[keep]
        theta, r, codes = theta[keep], r[keep], codes[keep]
    Q = (sparse.diags(theta ** -0.5) @ Xt).tocsr() if sparse.issparse(Xt) else Xt * (theta ** -0.5)[:, None]
    S = group_sum(np.asarray(Q.multiply((theta ** -0.5 * r)[:, None]).toarray() if sparse.issparse(Q)
                              else Q * (theta ** -0.5 * r)[:, None]), codes, n_groups)  # score sums
    if kind == "CR3":
        F = _cluster_gram(Q, codes, n_groups)
        B = kspace_adjust(M, F, "CR3")
        St = np.einsum("jab,jb->ja", B, S)
        return _finish(M, St, B @ F @ np.swapaxes(B, 1, 2), B @ F)
    if dense_max is None:
        dense_max = DENSE_CR2_MAX
    order, ptr = cluster_order(codes, n_groups)
    sizes = np.diff(ptr)
    Xs = Xt.tocsr() if sparse.issparse(Xt) else np.asarray(Xt)  # dense one cluster at a time
    St = np.empty((n_groups, k))
    K = np.empty((n_groups, k, k))
    N = np.empty((n_groups, k, k))
    with _one_blas_thread():
        for j in range(n_groups):  # one n_j x n_j problem per cluster (clubSandwich's CR2)
            rows = order[ptr[j]:ptr[j + 1]]
            xj = Xs[rows].toarray() if sparse.issparse(Xs) else Xs[rows]
            if sizes[j] <= dense_max:
                _cr2_cluster(j, xj, theta[rows], r[rows], M, St, K, N)
            else:
                _cr2_cluster_quad(j, xj, theta[rows], r[rows], M, St, K, N)
    return _finish(M, St, K, N)


def _one_blas_thread():
    """Single-threaded BLAS/LAPACK for many small eigenproblems (threads spin on a busy
    machine: 30x slower); a no-op without ``threadpoolctl``."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        from contextlib import nullcontext
        return nullcontext()
    return threadpool_limits(1)


def _cr2_cluster(j: int, xj: np.ndarray, th: np.ndarray, rj: np.ndarray, M: np.ndarray,
                 St: np.ndarray, K: np.ndarray, N: np.ndarray) -> None:
    """clubSandwich's CR2 pieces of cluster ``j`` (rows ``xj`` of X~, theta, residuals) into row j
    of St, K, N."""
    sq = np.sqrt(th)
    Z = xj * sq[:, None]
    G = np.diag(th * th) - Z @ M @ Z.T
    A = sq[:, None] * _sym_power(G, -0.5) * sq[None, :]
    E = (xj / th[:, None]).T @ A                   # X~_j' W_j A_j (k, n_j)
    St[j] = E @ rj
    K[j] = (E * th[None, :]) @ E.T
    N[j] = E @ xj


def _cr2_cluster_quad(j: int, xj: np.ndarray, th: np.ndarray, rj: np.ndarray, M: np.ndarray,
                      St: np.ndarray, K: np.ndarray, N: np.ndarray, h: float = 0.25) -> None:
    """:func:`_cr2_cluster` for a large cluster without the n_j x n_j matrix.

    Only ``Y = G^{-1/2} C`` with ``C = X~ Theta^{-1/2}`` (n_j x k) is needed
    (``E = Y' Theta^{1/2}``). With ``G^{-1/2} = (2/pi) int_R (G + e^{2u} I)^{-1} e^u du`` and
    ``G + s I = D_s - Z M Z'`` (``D_s = diag(theta^2 + s)``, ``Z = Theta^{1/2} X~``) each
    resolvent applied to ``C`` is a Woodbury solve in O(n_j k^2); the trapezoidal rule in
    ``u`` (step ``h``; the integrand is a sech, so the error falls like exp(-pi^2 / h), about
    1e-17 at h = 0.25) over the spectrum's bounds +- 40 converges to machine precision.
    Eigenvalues below clubSandwich's 1e-12 cut-off are not zeroed here (they arise only
    for fitted probabilities below ~1e-6).
    """
    sq = np.sqrt(th)
    Z = xj * sq[:, None]
    C = xj / sq[:, None]
    d2 = th * th
    # spectrum of G = Theta (I - P) Theta lies in [(1 - p_max) min theta^2, max theta^2]
    Lc = np.linalg.cholesky(M)
    QtQ = (xj / sq[:, None]).T @ (xj / sq[:, None])
    p_max = float(np.linalg.eigvalsh(Lc.T @ QtQ @ Lc).max())
    lo = max((1 - min(p_max, 1 - 1e-15)) * d2.min(), 1e-300)
    hi = d2.max()
    us = np.arange(0.5 * np.log(lo) - 40, 0.5 * np.log(hi) + 40 + h, h)
    Minv = np.linalg.inv(M)
    Y = np.zeros_like(C)
    for u in us:
        s = np.exp(2 * u)
        Di = 1.0 / (d2 + s)
        DZ = Z * Di[:, None]
        core = Minv - Z.T @ DZ
        Y += np.exp(u) * (C * Di[:, None] + DZ @ np.linalg.solve(core, DZ.T @ C))
    Y *= 2 * h / np.pi
    St[j] = Y.T @ (sq * rj)
    K[j] = (Y * d2[:, None]).T @ Y
    N[j] = Y.T @ (xj * sq[:, None])


def _cluster_gram(Q, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """``sum_{i in j} q_i q_i'`` per cluster: (G, k, k)."""
    k = Q.shape[1]
    if sparse.issparse(Q):
        Qd = Q.toarray()
    else:
        Qd = np.asarray(Q)
    QQ = (Qd[:, :, None] * Qd[:, None, :]).reshape(len(Qd), k * k)
    return group_sum(QQ, codes, n_groups).reshape(n_groups, k, k)


# --------------------------------------------------------------------------- Cox
def cox_cluster_information(rs, X: np.ndarray, w: np.ndarray, ev, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Each cluster's share ``F_j`` (G, k, k) of the Breslow/Efron information at ``ev``.

    Row i's share is ``w_i exp(eta_i) sum_{sets k, Efron steps l} c h_kl (x_i - a_kl)(x_i - a_kl)'``
    (``c = 1 - l/d`` for the set's tied deaths, 1 otherwise; ``h_kl`` the hazard increment,
    ``a_kl`` the weighted mean): the notation of ``_cox_numerics.score_residuals``. The
    shares sum to the information matrix.
    """
    from ..survival.numerics import pair_hazard_sums

    P = ev.parts
    K = rs.n_sets
    ss, den, a, mw, f = P["step_set"], P["den"], P["a"], P["mw"], P["f"]
    p = X.shape[1]
    h = mw / den
    aa = (a[:, :, None] * a[:, None, :]).reshape(len(a), p * p)
    B = np.concatenate([a, aa], axis=1)                 # per step: a, a a'
    H = np.bincount(ss, weights=h, minlength=K)
    Hd = np.bincount(ss, weights=h * (1 - f), minlength=K)
    HB = group_sum(h[:, None] * B, ss, K)
    HBd = group_sum((h * (1 - f))[:, None] * B, ss, K)
    ez = P["ez"]
    if rs.mode == "cumsum":
        lo, hi = rs.lo, rs.hi
        CH = np.concatenate([[0.0], np.cumsum(H)])
        c0 = ez * (CH[hi] - CH[lo])
        CB = np.vstack([np.zeros((1, HB.shape[1])), np.cumsum(HB, axis=0)])
        cb = ez[:, None] * (CB[hi] - CB[lo])
        dr, kk = rs.death_rows, rs.death_set
        c0[dr] += ez[dr] * (Hd[kk] - H[kk])
        cb[dr] += ez[dr][:, None] * (HBd[kk] - HB[kk])
    else:
        c0, cb = pair_hazard_sums(rs, ez, H, HB, Hd, HBd)
    c1, c2 = cb[:, :p], cb[:, p:]
    # x x' c0 - x c1' - c1 x' + c2, weighted, summed by cluster
    xc1 = (X[:, :, None] * c1[:, None, :]).reshape(len(X), p * p)
    row = ((X[:, :, None] * X[:, None, :]).reshape(len(X), p * p) * c0[:, None] - xc1
           - xc1.reshape(len(X), p, p).transpose(0, 2, 1).reshape(len(X), p * p) + c2)
    Fj = group_sum(w[:, None] * row, codes, n_groups).reshape(n_groups, p, p)
    return (Fj + np.swapaxes(Fj, 1, 2)) / 2


def kspace_cr(M: np.ndarray, S: np.ndarray, F: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """CR2/CR3 variance and df from the clusters' score sums ``S`` (G, k) and information shares
    ``F`` (G, k, k), ``M`` the inverse of their sum (Cox; OLS/2SLS with identity working model)."""
    B = kspace_adjust(M, F, kind)
    St = np.einsum("jab,jb->ja", B, S)
    return _finish(M, St, B @ F @ np.swapaxes(B, 1, 2), B @ F)


# --------------------------------------------------------------------------- 2SLS
def iv_cr(y: np.ndarray, Xend: np.ndarray, Z: np.ndarray, beta: np.ndarray, codes: np.ndarray, n_groups: int,
          kind: str) -> tuple[np.ndarray, np.ndarray]:
    """CR2/CR3 and df for 2SLS (``clubSandwich::vcovCR.ivreg``): the OLS formulas on the projected
    regressors ``X^ = Z (Z'Z)^{-1} Z' X`` with the structural residuals ``y - X b`` and an
    identity working model, for which CR2 is ``(I - X^_j M X^_j')^{-1/2}`` (parameter space:
    :func:`kspace_cr` with ``F_j = X^_j' X^_j``)."""
    coef, *_ = np.linalg.lstsq(Z, Xend, rcond=None)
    Xh = Z @ coef
    e = y - Xend @ beta
    M = np.linalg.inv(Xh.T @ Xh)
    S = group_sum(Xh * e[:, None], codes, n_groups)
    return kspace_cr(M, S, _cluster_gram(Xh, codes, n_groups), kind)
