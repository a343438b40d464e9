"""Numerics of the spatial-lag model: log-determinants, concentrated likelihood, variance.

Everything here works on plain numpy / scipy.sparse objects; the public API lives in
:mod:`diffusion_stats.spatial.lag`. A (possibly panel) spatial-lag model is described
by a list of per-period CSR blocks ``W_t`` (one block for a cross-section) laid out
block-diagonally in the row order of the data, a projector ``Q`` (the within
transformation, identity for a cross-section) and two scalars:

* ``c`` multiplies the sum of the per-block log-determinants (``(T-1)/T`` for unit
  effects in a balanced panel, Lee & Yu 2010, transformation approach);
* ``tau`` in {0, 1}: with time effects each block's log-determinant loses the
  eigenvalue 1 of the row-standardised ``W_t``, ``log|I - rho W_t| - log(1 - rho)``.

The log-likelihood is

    l(beta, rho, s2) = -(m/2) log(2 pi s2) + c * sum_t [log|I - rho W_t| - tau log(1 - rho)]
                       - ||Q (y - rho W y - X beta)||^2 / (2 s2)

with ``m`` the number of observations less the absorbed fixed effects.
For a cross-section (``Q = I``, ``c = 1``, ``tau = 0``, ``m = n``) this is the
likelihood maximised by ``spatialreg::lagsarlm``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy import optimize

from ..core.errors import ConvergenceWarning, InputError, SpecificationError, user_stacklevel

__all__ = ["LogDet", "maximise_concentrated", "lag_information", "observed_information",
           "LOGDET_METHODS"]

LOGDET_METHODS = ("eigen", "LU", "chebyshev", "mc")


def _block_key(W: sp.csr_matrix) -> tuple:
    """Hashable identity of a sparse block (identical blocks share work)."""
    W = W.tocsr()
    W.sort_indices()
    return (W.shape[0], W.indptr.tobytes(), W.indices.tobytes(), W.data.tobytes())


def _unique_blocks(blocks: Sequence[sp.csr_matrix]) -> tuple[list[sp.csr_matrix], np.ndarray]:
    """Distinct blocks and how many times each occurs."""
    keys: dict[tuple, int] = {}
    uniq: list[sp.csr_matrix] = []
    counts: list[int] = []
    for B in blocks:
        k = _block_key(B)
        if k in keys:
            counts[keys[k]] += 1
        else:
            keys[k] = len(uniq)
            uniq.append(sp.csr_matrix(B, dtype=float))
            counts.append(1)
    return uniq, np.asarray(counts, dtype=float)


def _eigenvalues(W: sp.csr_matrix) -> np.ndarray:
    """All eigenvalues of a (small) block; real when W is symmetric or similar to symmetric."""
    A = W.toarray()
    if A.shape[0] == 0:
        return np.zeros(0)
    if np.allclose(A, A.T, rtol=0, atol=1e-14):
        return np.linalg.eigvalsh(A)
    # row-standardised symmetric C: W = D^-1 C is similar to D^-1/2 C D^-1/2
    rs = A.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(A != 0, 1.0 / np.where(A != 0, A, 1.0), 0.0)
    # try d_i = 1 / w_ij (binary C): D W = C symmetric?
    d = np.where(rs > 0, inv.max(axis=1), 0.0)
    C = d[:, None] * A
    if np.allclose(C, C.T, rtol=1e-12, atol=1e-12) and (d > 0).all():
        s = np.sqrt(d)
        S = (s[:, None] * A) / s[None, :]
        return np.linalg.eigvalsh((S + S.T) / 2)
    ev = np.linalg.eigvals(A)
    if np.max(np.abs(ev.imag)) < 1e-10 * max(1.0, np.max(np.abs(ev.real))):
        return np.sort(ev.real)
    return ev


def _similar_symmetric(W: sp.csr_matrix) -> sp.csr_matrix | None:
    """Symmetric S = D^1/2 W D^-1/2 when W is symmetric or a row-standardised symmetric matrix."""
    W = sp.csr_matrix(W)
    diff = W - W.T
    if diff.nnz == 0 or abs(diff).max() <= 1e-14:
        return W
    rs = np.asarray(W.sum(axis=1)).ravel()
    if not np.allclose(rs[rs != 0], 1.0):
        return None
    # W = D^-1 C with C symmetric binary: row i's nonzeros all equal 1/d_i
    d = np.zeros(W.shape[0])
    rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
    np.maximum.at(d, rows, W.data)
    with np.errstate(divide="ignore"):
        deg = np.where(d > 0, 1.0 / d, 0.0)
    C = sp.diags(deg) @ W
    dC = C - C.T
    if dC.nnz and abs(dC).max() > 1e-10:
        return None
    s = np.sqrt(deg)
    si = np.divide(1.0, s, out=np.zeros_like(s), where=s > 0)
    S = sp.csr_matrix(sp.diags(s) @ W @ sp.diags(si))
    return (S + S.T) / 2


def _extreme_eigenvalues(W: sp.csr_matrix) -> tuple[float, float]:
    """Smallest and largest real eigenvalues of a sparse block (ARPACK, dense if small)."""
    n = W.shape[0]
    if n <= 400:
        ev = _eigenvalues(W)
        return float(np.min(ev.real)), float(np.max(ev.real))
    rs = np.asarray(W.sum(axis=1)).ravel()
    row_std = np.allclose(rs[rs != 0], 1.0)
    S = _similar_symmetric(W)
    if S is not None:
        lo = spla.eigsh(S, k=1, which="SA", return_eigenvectors=False, tol=1e-6, maxiter=20 * n)
        hi = np.array([1.0]) if row_std else spla.eigsh(S, k=1, which="LA", return_eigenvectors=False,
                                                         tol=1e-8, maxiter=20 * n)
        return float(lo[0]), float(hi[0])
    try:
        lo = spla.eigs(W, k=1, which="SR", return_eigenvectors=False, tol=1e-8, maxiter=20 * n)
        if row_std:
            hi = np.array([1.0])
        else:
            hi = spla.eigs(W, k=1, which="LR", return_eigenvectors=False, tol=1e-8, maxiter=20 * n)
    except spla.ArpackNoConvergence:  # pragma: no cover - fallback
        ev = _eigenvalues(W)
        return float(np.min(ev.real)), float(np.max(ev.real))
    return float(lo.real[0]), float(hi.real[0])


def _trace_products(W: sp.csr_matrix, q: int) -> np.ndarray:
    """Exact traces tr(W^k), k = 0..q, from W^a and W^b with a + b = k (a, b <= ceil(q/2))."""
    n = W.shape[0]
    half = (q + 1) // 2
    pows = [sp.identity(n, format="csr")]
    for _ in range(half):
        pows.append(sp.csr_matrix(pows[-1] @ W))
    tr = np.empty(q + 1)
    for k in range(q + 1):
        a = min(k, half)
        b = k - a
        tr[k] = pows[a].multiply(pows[b].T).sum()
    return tr


class LogDet:
    """``rho -> c * sum_t [log|I - rho W_t| - tau log(1 - rho)]`` and its derivatives.

    Parameters
    ----------
    blocks : list of CSR matrices
        The per-period weight blocks (one for a cross-section).
    method : {"eigen", "LU", "chebyshev", "mc"}
        "eigen": exact, from all eigenvalues (dense, small blocks); "LU": exact, from the
        sparse LU factorisation of ``I - rho W_t`` at every evaluation; "chebyshev":
        Pace & LeSage (2004) Chebyshev approximation of order ``order`` with exact traces;
        "mc": Barry & Pace (1999) Monte Carlo approximation (``order`` powers, ``n_draws``
        random vectors, seeded).
    """

    def __init__(self, blocks: Sequence[sp.csr_matrix], method: str = "eigen", *, c: float = 1.0,
                 tau: float = 0.0, order: int | None = None, n_draws: int = 16, seed: int = 0,
                 interval: tuple[float, float] | None = None) -> None:
        if method not in LOGDET_METHODS:
            raise InputError(f"logdet={method!r} is not one of {LOGDET_METHODS}; use 'eigen' for small N "
                             "(exact), 'LU' for large sparse W (exact), 'chebyshev' or 'mc' (approximate)")
        self.method = method
        self.interval_rule = "eigenvalues" if method == "eigen" else "given"
        self.interval_exact = (True, True) if method == "eigen" else (False, False)
        self.c = float(c)
        self.tau = float(tau)
        self.blocks, self.counts = _unique_blocks(blocks)
        self.n = int(sum(B.shape[0] * k for B, k in zip(self.blocks, self.counts, strict=False)))
        self.eigs: list[np.ndarray] | None = None
        if method == "eigen":
            self.eigs = [_eigenvalues(B) for B in self.blocks]
            lo = min(float(np.min(e.real)) for e in self.eigs if len(e))
            hi = max(float(np.max(e.real)) for e in self.eigs if len(e))
        elif interval is None:
            # no eigenvalue search: bounds from W's structure (row-standardised: [-1, 1]; else the
            # spectral-radius bound); the fit widens a bound the estimate runs into (widen_interval)
            from ._sparse import structural_bounds

            bnds = [structural_bounds(B) for B in self.blocks]
            lo = min(b.lo for b in bnds)
            hi = max(b.hi for b in bnds)
            self.interval_rule = "; ".join(sorted({b.rule for b in bnds}))
            self.interval_exact = (False, all(b.exact_hi for b in bnds))
        else:
            lo, hi = 1.0 / interval[0], 1.0 / interval[1]
        if interval is None:
            if not (lo < 0 < hi):
                raise SpecificationError(
                    f"W has eigenvalues in [{lo:.3g}, {hi:.3g}]; a spatial lag needs a negative smallest and a "
                    "positive largest eigenvalue (is W all zeros, or not a weight matrix?)")
            interval = (1.0 / lo, 1.0 / hi)
        self.interval = (float(interval[0]), float(interval[1]))
        self.order = order
        if method == "chebyshev":
            self.order = 5 if order is None else int(order)
            self._cheb_setup()
        elif method == "mc":
            self.order = 30 if order is None else int(order)
            self._mc_setup(n_draws, seed)
        elif method == "LU":
            # sparse LU with one fill-reducing ordering per block, reused at every rho; no pivoting:
            # inside the interval I - rho W is diagonally dominant or similar to an SPD matrix
            from ._sparse import OrderedLU

            self._olu = [OrderedLU(B) for B in self.blocks]

    # -- approximations -------------------------------------------------------
    def _cheb_setup(self) -> None:
        q = self.order
        assert q is not None  # set by __init__ for "chebyshev"
        # Chebyshev nodes on [-1, 1] for f(x) = log(1 - rho x) need per-rho coefficients;
        # store exact traces of T_j(W), j = 0..q.
        self._cheb_tr = []
        for B in self.blocks:
            trp = _trace_products(B, q)  # tr(W^k)
            # T_j(x) = sum_k a_jk x^k
            a = np.zeros((q + 1, q + 1))
            a[0, 0] = 1.0
            if q >= 1:
                a[1, 1] = 1.0
            for j in range(2, q + 1):
                a[j, 1:] += 2 * a[j - 1, :-1]
                a[j] -= a[j - 2]
            self._cheb_tr.append(a @ trp)
        x = np.cos(np.pi * (np.arange(1, q + 2) - 0.5) / (q + 1))
        self._cheb_x = x
        js = np.arange(q + 1)
        self._cheb_T = np.cos(np.outer(js, np.pi * (np.arange(1, q + 2) - 0.5) / (q + 1)))

    def _cheb_block(self, rho: float, k: int) -> float:
        q = self.order
        assert q is not None
        f = np.log1p(-rho * self._cheb_x)
        coef = (2.0 / (q + 1)) * (self._cheb_T @ f)
        coef[0] /= 2.0
        return float(coef @ self._cheb_tr[k])

    def _mc_setup(self, n_draws: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        m = self.order
        assert m is not None  # set by __init__ for "mc"
        self._mc_tr = []
        for B in self.blocks:
            nb = B.shape[0]
            x = rng.standard_normal((nb, n_draws))
            xx = np.einsum("ij,ij->j", x, x)
            # per-draw estimates (for the Monte Carlo standard error), then exact low-order traces
            per = np.empty((n_draws, m))
            v = x.copy()
            for k in range(m):
                v = B @ v
                per[:, k] = nb * np.einsum("ij,ij->j", x, v) / xx
            exact = [B.diagonal().sum()]  # exact tr(W) and tr(W^2), as spatialreg; tr(W^3), tr(W^4) if cheap
            if m > 1:
                exact.append(B.multiply(B.T).sum())
            if m > 3 and B.nnz <= 30 * max(nb, 1):
                B2 = sp.csr_matrix(B @ B)
                exact += [B2.multiply(B.T).sum(), B2.multiply(B2.T).sum()]
            for k, t in enumerate(exact):
                per[:, k] = t
            self._mc_tr.append(per.mean(axis=0))
            self._mc_per = getattr(self, "_mc_per", []) + [per]

    def _mc_block(self, rho: float, k: int) -> float:
        m = self.order
        assert m is not None
        pw = rho ** np.arange(1, m + 1) / np.arange(1, m + 1)
        return float(-(pw @ self._mc_tr[k]))

    def approximation_error(self, rho: float) -> dict | None:
        """Error of an approximate log-determinant at ``rho`` (None for the exact methods).

        "mc": the Monte Carlo standard error of the value and of its first derivative in rho
        (from the spread over the random draws) and the truncation bound
        ``n |rho r|^(m+1) / ((m+1)(1 - |rho r|))`` of the power series (``r`` the spectral-radius
        bound of W). "chebyshev": the Chebyshev truncation bound ``n 2 M / ((b - 1) b^q)`` on the
        Bernstein ellipse of parameter ``b`` (half-way to the singularity at ``1/rho``), ``M`` the
        largest ``|log(1 - rho z)|`` on it.
        """
        from ._sparse import structural_bounds

        if self.method not in ("mc", "chebyshev"):
            return None
        assert self.order is not None  # set by __init__ for both
        r = max(max(abs(b.lo), abs(b.hi)) for b in (structural_bounds(B) for B in self.blocks))
        ns = np.array([B.shape[0] for B in self.blocks], dtype=float)
        n = float(ns @ self.counts)
        if self.method == "mc":
            m = self.order
            k = np.arange(1, m + 1)
            sd_v = sd_d = 0.0
            for per, cnt in zip(self._mc_per, self.counts, strict=True):
                vals = -(per @ (rho ** k / k))
                ders = -(per @ (k * rho ** (k - 1) / k))
                nd = per.shape[0]
                sd_v += (cnt * vals.std(ddof=1)) ** 2 / nd
                sd_d += (cnt * ders.std(ddof=1)) ** 2 / nd
            q = abs(rho) * r
            trunc = n * q ** (m + 1) / ((m + 1) * (1 - q)) if q < 1 else np.inf
            return {"se": self.c * float(np.sqrt(sd_v)), "se_derivative": self.c * float(np.sqrt(sd_d)),
                    "truncation_bound": self.c * float(trunc), "draws": int(self._mc_per[0].shape[0]),
                    "order": int(m)}
        # Chebyshev on [-1, 1] after scaling W by r (the method assumes eigenvalues in [-1, 1])
        q = self.order
        a = 1.0 / max(abs(rho) * r, 1e-300)
        b0 = a + np.sqrt(a * a - 1.0) if a > 1 else 1.0
        b = 0.5 * (1.0 + b0)
        if b <= 1.0:
            return {"truncation_bound": float("inf"), "order": int(q)}
        th = np.linspace(0, 2 * np.pi, 721)
        z = 0.5 * (b * np.exp(1j * th) + np.exp(-1j * th) / b)
        M = float(np.max(np.abs(np.log(1.0 - rho * r * z))))
        return {"truncation_bound": self.c * float(n * 2 * M / ((b - 1) * b ** q)), "order": int(q)}

    # -- evaluation -----------------------------------------------------------
    def raw(self, rho: float) -> float:
        """``sum_t log|I - rho W_t|`` (no ``c``, no ``tau`` term)."""
        tot = 0.0
        for k, cnt in enumerate(self.counts):
            if self.method == "eigen":
                assert self.eigs is not None  # set by __init__ for "eigen"
                ev = self.eigs[k]
                if np.iscomplexobj(ev):
                    v = float(np.sum(np.log(1.0 - rho * ev)).real)
                else:
                    v = float(np.sum(np.log(np.abs(1.0 - rho * ev))))
            elif self.method == "LU":
                v = self._olu[k].logdet(rho)
            elif self.method == "chebyshev":
                v = self._cheb_block(rho, k)
            else:
                v = self._mc_block(rho, k)
            tot += cnt * v
        return tot

    def blocks_all(self) -> list[sp.csr_matrix]:
        """The blocks with repetitions (for building another LogDet on the same W)."""
        return [B for B, k in zip(self.blocks, self.counts, strict=True) for _ in range(int(k))]

    def n_blocks(self) -> float:
        return float(self.counts.sum())

    def __call__(self, rho: float) -> float:
        cache = self.__dict__.setdefault("_cache", {})
        if rho in cache:
            return cache[rho]
        val = self._value(rho)
        if len(cache) < 256:
            cache[rho] = val
        return val

    def _value(self, rho: float) -> float:
        val = self.raw(rho)
        if self.tau:
            val -= self.tau * self.n_blocks() * np.log(1.0 - rho)
        return self.c * val

    def derivatives(self, rho: float) -> tuple[float, float]:
        """First and second derivative in rho (exact for eigen; 5-point differences otherwise)."""
        if self.method == "eigen":
            assert self.eigs is not None
            d1 = d2 = 0.0
            for ev, cnt in zip(self.eigs, self.counts, strict=False):
                g = ev / (1.0 - rho * ev)
                d1 -= cnt * float(np.sum(g).real)
                d2 -= cnt * float(np.sum(g * g).real)
            if self.tau:
                d1 += self.tau * self.n_blocks() / (1.0 - rho)
                d2 += self.tau * self.n_blocks() / (1.0 - rho) ** 2
            return self.c * d1, self.c * d2
        h = 1e-4 * max(1.0, abs(rho))
        lo, hi = self.interval
        h = min(h, 0.25 * (rho - lo), 0.25 * (hi - rho)) if lo < rho < hi else h
        f = [self(rho + k * h) for k in (-1, 0, 1)]
        d1 = (f[2] - f[0]) / (2 * h)
        d2 = (f[2] - 2 * f[1] + f[0]) / (h * h)
        return d1, d2


@dataclass(frozen=True)
class LagFit:
    rho: float
    beta: np.ndarray
    sigma2: float
    ssr: float
    loglik: float
    logdet: float
    n_evals: int
    at_bound: bool


def maximise_concentrated(ytil: np.ndarray, wytil: np.ndarray, Xtil: np.ndarray, logdet: LogDet,
                          m: float, *, tol: float = 1e-10) -> LagFit:
    """Maximise the concentrated log-likelihood in rho on ``logdet.interval``.

    ``ytil``, ``wytil`` and ``Xtil`` are the (within-transformed) response, spatial lag
    of the response and design. SSR(rho) is a quadratic in rho obtained from two
    least-squares fits (as spatialreg), so each evaluation costs one log-determinant.
    """
    Qx, R = np.linalg.qr(Xtil)
    if R.size and np.min(np.abs(np.diag(R))) < 1e-10 * max(1.0, np.max(np.abs(np.diag(R)))):
        raise SpecificationError("the design matrix is singular (collinear regressors or a regressor absorbed by "
                                 "the fixed effects); drop the redundant term(s)")
    e0 = ytil - Qx @ (Qx.T @ ytil)
    e1 = wytil - Qx @ (Qx.T @ wytil)
    a, b, cc = e0 @ e0, e0 @ e1, e1 @ e1
    n_evals = 0

    def negll(rho: float) -> float:
        nonlocal n_evals
        n_evals += 1
        ssr = a - 2 * rho * b + rho * rho * cc
        return -(logdet(rho) - 0.5 * m * np.log(ssr / m))

    lo, hi = logdet.interval
    res = None
    sparse_enough = all(B.nnz <= 30 * B.shape[0] for B in logdet.blocks)  # W^3 stays cheap
    if logdet.method == "LU" and logdet.n > 2000 and sparse_enough:
        # locate rho with the (cheap) Chebyshev log-determinant, then search a narrow
        # bracket with the exact one; fall back to the whole interval if it hits an edge
        approx = LogDet(logdet.blocks_all(), "chebyshev", c=logdet.c, tau=logdet.tau, order=5,
                        interval=logdet.interval)
        r0 = optimize.minimize_scalar(
            lambda r: -(approx(r) - 0.5 * m * np.log((a - 2 * r * b + r * r * cc) / m)),
            bounds=(lo, hi), method="bounded", options={"xatol": 1e-6}).x
        from ._sparse import surrogate_search

        res = surrogate_search(negll, lambda r: -(approx(r) - 0.5 * m * np.log((a - 2 * r * b + r * r * cc) / m)),
                               r0, lo, hi, tol=tol)
        if res is None:
            blo, bhi = max(lo, r0 - 0.02), min(hi, r0 + 0.02)
            res = optimize.minimize_scalar(negll, bounds=(blo, bhi), method="bounded",
                                           options={"xatol": tol, "maxiter": 500})
            edge = 1e-4 * (bhi - blo)
            if (res.x - blo < edge and blo > lo) or (bhi - res.x < edge and bhi < hi):
                res = None
    if res is None:
        res = optimize.minimize_scalar(negll, bounds=(lo, hi), method="bounded",
                                       options={"xatol": tol, "maxiter": 500})
    rho = float(res.x)
    if logdet.method == "eigen":  # polish with Newton steps (exact derivatives): rho to machine precision
        for _ in range(8):
            ssr = a - 2 * rho * b + rho * rho * cc
            d1s, d2s = -2 * b + 2 * rho * cc, 2 * cc
            l1, l2 = logdet.derivatives(rho)
            g = l1 - 0.5 * m * d1s / ssr
            h = l2 - 0.5 * m * (d2s * ssr - d1s * d1s) / ssr ** 2
            if not (h < 0 and np.isfinite(g)):
                break
            new = rho - g / h
            if not (lo < new < hi) or negll(new) > negll(rho) + 1e-12 * abs(negll(rho)):
                break
            done = abs(new - rho) <= 1e-15 * max(1.0, abs(rho))
            rho = float(new)
            if done:
                break
    if not res.success:
        warnings.warn(f"rho search did not converge ({res.message})", ConvergenceWarning, stacklevel=user_stacklevel())
    width = hi - lo
    at_bound = (rho - lo) < 1e-5 * width or (hi - rho) < 1e-5 * width
    beta = np.linalg.solve(R, Qx.T @ (ytil - rho * wytil))
    ssr = float(a - 2 * rho * b + rho * rho * cc)
    s2 = ssr / m
    ld = logdet(rho)
    ll = ld - 0.5 * m * (np.log(2 * np.pi) + np.log(s2) + 1.0)
    return LagFit(rho=rho, beta=beta, sigma2=s2, ssr=ssr, loglik=float(ll), logdet=float(ld),
                  n_evals=n_evals, at_bound=bool(at_bound))


def _dense_G_traces(blocks: Sequence[sp.csr_matrix], counts: np.ndarray, rho: float, tau: float
                    ) -> tuple[float, float, float, list[np.ndarray]]:
    """Exact tr(G), tr(GG), tr(G'G) summed over blocks (time-demeaned when tau), and each G."""
    trG = trGG = trGtG = 0.0
    Gs = []
    for B, cnt in zip(blocks, counts, strict=False):
        nb = B.shape[0]
        Wd = B.toarray()
        G = np.linalg.solve(np.eye(nb) - rho * Wd, Wd)  # (I - rho W)^-1 W = W (I - rho W)^-1
        Gs.append(G)
        if tau:
            P = np.eye(nb) - 1.0 / nb
            Gp = P @ G @ P
        else:
            Gp = G
        trG += cnt * np.trace(Gp)
        trGG += cnt * np.sum(Gp * Gp.T)
        trGtG += cnt * np.sum(Gp * Gp)
    return trG, trGG, trGtG, Gs


def lag_information(fit: LagFit, Xtil: np.ndarray, GXb: np.ndarray, logdet: LogDet, m: float,
                    traces: tuple[float, float, float]) -> np.ndarray:
    """Inverse of the analytical information matrix, order (sigma2, rho, beta...).

    This is spatialreg's ``lagsarlm`` asymptotic variance (method="eigen"): with
    ``G = W (I - rho W)^-1``,

        I_ss = m / (2 s2^2),  I_sr = c tr(G) / s2,  I_rr = c [tr(G'G) + tr(GG)] + |Q G X b|^2 / s2,
        I_rb = X' Q G X b / s2,  I_bb = X'X / s2.
    """
    s2 = fit.sigma2
    trG, trGG, trGtG = traces
    c = logdet.c
    k = Xtil.shape[1]
    inf = np.zeros((k + 2, k + 2))
    inf[0, 0] = m / (2 * s2 * s2)
    inf[0, 1] = inf[1, 0] = c * trG / s2
    inf[1, 1] = c * (trGtG + trGG) + GXb @ GXb / s2
    inf[1, 2:] = inf[2:, 1] = Xtil.T @ GXb / s2
    inf[2:, 2:] = Xtil.T @ Xtil / s2
    return _safe_inverse(inf)


def observed_information(fit: LagFit, ytil: np.ndarray, wytil: np.ndarray, Xtil: np.ndarray,
                         logdet: LogDet, m: float) -> np.ndarray:
    """Inverse of the observed information (negative Hessian of the full log-likelihood).

    Used for the sparse / approximate log-determinants (as spatialreg's numerical
    Hessian for method="Matrix"): exact except for the second derivative of the
    log-determinant, taken by 5-point differences (or exact for "eigen").
    """
    s2 = fit.sigma2
    e = ytil - fit.rho * wytil - Xtil @ fit.beta
    _, d2 = logdet.derivatives(fit.rho)
    k = Xtil.shape[1]
    H = np.zeros((k + 2, k + 2))
    H[0, 0] = m / (2 * s2 * s2) - e @ e / s2 ** 3
    H[0, 1] = H[1, 0] = -(wytil @ e) / s2 ** 2
    H[0, 2:] = H[2:, 0] = -(Xtil.T @ e) / s2 ** 2
    H[1, 1] = d2 - wytil @ wytil / s2
    H[1, 2:] = H[2:, 1] = -(Xtil.T @ wytil) / s2
    H[2:, 2:] = -(Xtil.T @ Xtil) / s2
    return _safe_inverse(-H)


def _safe_inverse(A: np.ndarray) -> np.ndarray:
    try:
        V = np.linalg.inv(A)
    except np.linalg.LinAlgError:
        raise SpecificationError("the information matrix is singular; standard errors cannot be computed "
                                 "(collinear regressors?)") from None
    if not np.all(np.isfinite(V)):
        raise SpecificationError("the information matrix could not be inverted (non-finite values)")
    return V


def solve_blocks(blocks: Sequence[sp.csr_matrix], offsets: np.ndarray, rho: float, v: np.ndarray,
                 transpose: bool = False) -> np.ndarray:
    """``(I - rho W)^-1 v`` for block-diagonal W (blocks in row order), v of shape (n,) or (n, k).

    Identical blocks (a constant W in a balanced panel) are factorised once.
    """
    v = np.asarray(v, dtype=float)
    out = np.empty_like(v)
    groups: dict[tuple, list[int]] = {}
    for i, B in enumerate(blocks):
        groups.setdefault(_block_key(B), []).append(i)
    for idx in groups.values():
        B = blocks[idx[0]]
        A = sp.identity(B.shape[0], format="csc") - rho * sp.csc_matrix(B)
        if transpose:
            A = A.T.tocsc()
        lu = spla.splu(A)
        segs = [v[offsets[i]:offsets[i + 1]] for i in idx]
        rhs = np.concatenate([s_.reshape(len(s_), -1) for s_ in segs], axis=1)
        sol = lu.solve(rhs)
        k = 1 if v.ndim == 1 else v.shape[1]
        for j, i in enumerate(idx):
            part = sol[:, j * k:(j + 1) * k]
            out[offsets[i]:offsets[i + 1]] = part[:, 0] if v.ndim == 1 else part
    return out


def matvec_blocks(blocks: Sequence[sp.csr_matrix], offsets: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``W v`` for block-diagonal W."""
    out = np.empty_like(v, dtype=float)
    for B, (a, b) in zip(blocks, zip(offsets[:-1], offsets[1:], strict=False), strict=False):
        out[a:b] = B @ v[a:b]
    return out

