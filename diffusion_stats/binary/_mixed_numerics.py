"""Numerics of the binary GLMM (``ds.MixedEventLogit``): lme4's glmer objective.

Model: ``eta_i = x_i' beta + z_i' b_{g(i)} + offset_i``, ``b_j = Lambda u_j``, ``u_j ~ N(0, I_q)``
independently over the J levels of one grouping factor, with ``Lambda`` the q x q
lower-triangular relative covariance factor (lme4's ``theta`` = its lower triangle
column by column: q = 2 gives ``(l11, l21, l22)``; the diagonal is >= 0). The response
is 0/1 with a logit, cloglog or probit link (dispersion 1).

Objectives (as ``lme4::glmer``, ``-2 log L``):

* Laplace (``nAGQ = 1``)::

      dev(theta, beta) = sum_i d_i(u^) + ||u^||^2 + log |L|^2,
      L L' = Lambda' Z' W Z Lambda + I,

  ``d_i`` the binomial deviance residuals, ``u^`` the conditional mode (penalised IRLS
  over u with beta fixed) and W the IRLS (expected-information) weights at ``u^``.
  With one grouping factor L is block diagonal: J blocks of q x q.
* Adaptive Gauss-Hermite (``nAGQ = K > 1``, q = 1 only; lme4's ``glmerAGQ``)::

      dev = sum_j devc_j(u^_j) + log |L|^2 - 2 sum_j log sum_k w_k exp(z_k^2 / 2
            - (devc_j(u^_j + z_k / L_jj) - devc_j(u^_j)) / 2),

  ``devc_j(u) = u^2 + sum_{i in j} d_i(u)``, (z_k, w_k) the K-point Gauss-Hermite rule
  for the standard normal density (lme4's ``GHrule``).

All per-group work is vectorised: group sums by ``np.bincount`` and batched q x q
linear algebra, no Python loop over groups. The outer maximisation over
``(theta, beta)`` is quasi-Newton (L-BFGS-B, the diagonal of Lambda bounded at 0) on
central finite-difference gradients, each evaluation warm-started at the previous
conditional modes; the Hessian at the optimum (finite differences of the same
objective) gives glmer's default standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import ConvergenceError
from ._glm import _linkinv, _mu_eta

__all__ = ["MixedProblem", "CrossedProblem", "gh_rule", "theta_bounds", "lambda_from_theta"]


def gh_rule(k: int) -> tuple[np.ndarray, np.ndarray]:
    """K-point Gauss-Hermite rule for the standard normal density (nodes, weights summing to 1),
    as lme4's ``GHrule(k)`` (symmetrised nodes and weights)."""
    z: np.ndarray
    z, w = np.polynomial.hermite_e.hermegauss(k)
    w = w / w.sum()
    z = (z - z[::-1]) / 2
    w = (w + w[::-1]) / 2
    return z, w


def lambda_from_theta(theta: np.ndarray, q: int) -> np.ndarray:
    """q x q lower-triangular Lambda from lme4's theta (lower triangle, column-major)."""
    L = np.zeros((q, q))
    rows, cols = np.tril_indices(q)
    order = np.lexsort((rows, cols))  # column-major
    L[rows[order], cols[order]] = theta
    return L


def theta_bounds(q: int) -> list[tuple[float | None, float | None]]:
    """Bounds of theta: the diagonal of Lambda >= 0 (lme4's ``lower``), off-diagonals free."""
    rows, cols = np.tril_indices(q)
    order = np.lexsort((rows, cols))
    return [(0.0, None) if r == c else (None, None) for r, c in zip(rows[order], cols[order], strict=True)]


def _dev_resid(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Binomial (0/1) deviance residuals ``-2 log Pr(y | mu)``."""
    return -2.0 * np.log(np.where(y > 0, mu, 1.0 - mu))


@dataclass
class ModeState:
    """Conditional modes and the pieces of the objective at one (theta, beta)."""

    u: np.ndarray          # (J, q) spherical modes
    H: np.ndarray          # (J, q, q) Lambda' Z_j' W Z_j Lambda + I at the mode
    devc: np.ndarray       # (J,) ||u_j||^2 + sum of deviance residuals of group j
    logdet: np.ndarray     # (J,) log |H_j|
    eta: np.ndarray        # (n,) linear predictor at the mode
    converged: bool


class MixedProblem:
    """Data of a binary GLMM with one grouping factor and its objective functions.

    Parameters
    ----------
    y, X, Z : arrays (n,), (n, p), (n, q)
    g : int array (n,) group codes 0..J-1 (every level present)
    link : {"logit", "cloglog", "probit"}
    offset : array (n,) or None
    """

    def __init__(self, y: np.ndarray, X: np.ndarray, Z: np.ndarray, g: np.ndarray, n_groups: int, *,
                 link: str = "logit", offset: np.ndarray | None = None) -> None:
        g = np.asarray(g, dtype=np.intp)
        # rows sorted by group (stable): group sums are contiguous segment sums
        order = np.argsort(g, kind="stable")
        self.order = order
        self.y = np.asarray(y, dtype=float)[order]
        self.X = np.ascontiguousarray(np.asarray(X, dtype=float)[order])
        self.Z = np.ascontiguousarray(np.asarray(Z, dtype=float)[order])
        self.g = g[order]
        self.J = int(n_groups)
        counts = np.bincount(self.g, minlength=self.J)
        if np.any(counts == 0):
            raise ValueError("every group code 0..J-1 must occur")
        self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self._counts = counts
        self.link = link
        self.offset = None if offset is None else np.asarray(offset, dtype=float)[order]
        self.n, self.p = self.X.shape
        self.q = self.Z.shape[1]
        self.n_theta = self.q * (self.q + 1) // 2
        # products z_a z_b (a <= b) for the group sums of Z'WZ
        self._pairs = [(a, b) for a in range(self.q) for b in range(a, self.q)]
        self._zz = np.column_stack([self.Z[:, a] * self.Z[:, b] for a, b in self._pairs])
        self._ones_z = bool(np.all(self.Z[:, 0] == 1.0))
        self._u = np.zeros((self.J, self.q))  # warm start of the modes

    def unsort(self, v: np.ndarray) -> np.ndarray:
        """Row vector in the caller's row order (the problem stores rows sorted by group)."""
        out = np.empty_like(v)
        out[self.order] = v
        return out

    # ----------------------------------------------------------------- pieces
    def _gsum(self, v: np.ndarray) -> np.ndarray:
        return np.add.reduceat(v, self._starts)

    def _gsums(self, V: np.ndarray) -> np.ndarray:
        """(J, k) group sums of the columns of an (n, k) array."""
        return np.add.reduceat(V, self._starts, axis=0)

    def _eta(self, fixed: np.ndarray, Lam: np.ndarray, u: np.ndarray) -> np.ndarray:
        b = u @ Lam.T  # (J, q): b_j = Lambda u_j
        if self.q == 1:
            bi = np.repeat(b[:, 0], self._counts)
            return fixed + (bi if self._ones_z else self.Z[:, 0] * bi)
        return fixed + np.einsum("ij,ij->i", self.Z, np.repeat(b, self._counts, axis=0))

    def _fixed(self, beta: np.ndarray) -> np.ndarray:
        f = self.X @ beta
        return f if self.offset is None else f + self.offset

    def _ztwz(self, wt: np.ndarray) -> np.ndarray:
        """(J, q, q) group sums of w z z'."""
        out = np.empty((self.J, self.q, self.q))
        S = self._gsums(self._zz * wt[:, None])
        for k, (a, b) in enumerate(self._pairs):
            out[:, a, b] = S[:, k]
            out[:, b, a] = S[:, k]
        return out

    def _zt(self, v: np.ndarray) -> np.ndarray:
        """(J, q) group sums of v z."""
        if self.q == 1 and self._ones_z:
            return self._gsum(v)[:, None]
        return self._gsums(self.Z * v[:, None])

    def _local(self, eta: np.ndarray):
        if self.link == "logit":
            mu = _linkinv(eta, "logit")
            var = mu * (1.0 - mu)
            return mu, var, var
        mu = _linkinv(eta, self.link)
        me = _mu_eta(eta, mu, self.link)
        var = mu * (1.0 - mu)
        return mu, me, var

    def modes(self, theta: np.ndarray, beta: np.ndarray, *, u0: np.ndarray | None = None,
              tol: float | None = None, maxiter: int = 100) -> ModeState:
        """Conditional modes u^ (penalised IRLS over u, beta fixed) and the objective pieces.

        Fisher-scoring steps solved group by group (batched), with step halving per group
        when the penalised deviance of the group increases. Converged when the largest
        step is below ``tol``; that last step is taken too. Default ``tol``: 1e-8 for the
        logit (Fisher scoring is Newton for the canonical link: quadratic convergence,
        so the modes are then exact to rounding), 1e-12 for cloglog and probit (Fisher
        scoring converges linearly there).
        """
        if tol is None:
            tol = 1e-8 if self.link == "logit" else 1e-12
        Lam = lambda_from_theta(theta, self.q)
        fixed = self._fixed(beta)
        u = (self._u if u0 is None else u0).copy()
        eye = np.eye(self.q)
        eta = self._eta(fixed, Lam, u)
        mu, me, var = self._local(eta)
        devc = self._gsum(_dev_resid(self.y, mu)) + (u * u).sum(axis=1)
        converged = False
        for _ in range(maxiter):
            wt = me * me / var
            H = Lam.T @ self._ztwz(wt) @ Lam + eye  # (J,q,q) via broadcasting
            grad = self._zt((self.y - mu) * me / var) @ Lam - u
            step = np.linalg.solve(H, grad[:, :, None])[:, :, 0]
            big = float(np.abs(step).max()) if step.size else 0.0
            t = np.ones(self.J)
            new_u = u + step
            for _h in range(30):  # per-group step halving (groups are separable)
                eta_new = self._eta(fixed, Lam, new_u)
                mu_n, me_n, var_n = self._local(eta_new)
                devc_new = self._gsum(_dev_resid(self.y, mu_n)) + (new_u * new_u).sum(axis=1)
                if big < tol:
                    break
                worse = ~(devc_new <= devc + 1e-10 * (1 + np.abs(devc)))
                if not worse.any():
                    break
                t[worse] /= 2
                new_u = np.where(worse[:, None], u + t[:, None] * step, new_u)
            u, eta, mu, me, var, devc = new_u, eta_new, mu_n, me_n, var_n, devc_new
            if big < tol:
                converged = True
                break
        wt = me * me / var
        H = Lam.T @ self._ztwz(wt) @ Lam + eye
        sign, logdet = np.linalg.slogdet(H)
        self._u = u
        return ModeState(u=u, H=H, devc=devc, logdet=logdet, eta=eta, converged=converged)

    # ----------------------------------------------------------------- objectives
    def group_deviance(self, theta: np.ndarray, beta: np.ndarray, n_agq: int = 1,
                       u0: np.ndarray | None = None) -> np.ndarray:
        """(J,) contributions of each group to the objective (they sum to it)."""
        st = self.modes(theta, beta, u0=u0)
        if n_agq <= 1:
            return st.devc + st.logdet
        # adaptive Gauss-Hermite (q = 1)
        z, w = gh_rule(n_agq)
        Lam = lambda_from_theta(theta, 1)
        fixed = self._fixed(beta)
        sd = 1.0 / np.sqrt(st.H[:, 0, 0])
        mult = np.zeros(self.J)
        for zk, wk in zip(z, w, strict=True):  # loop over the K nodes, not over groups
            if zk == 0:
                mult += wk
                continue
            uk = st.u + zk * sd[:, None]
            mu = _linkinv(self._eta(fixed, Lam, uk), self.link)
            devc_k = self._gsum(_dev_resid(self.y, mu)) + uk[:, 0] ** 2
            mult += wk * np.exp(0.5 * zk * zk - 0.5 * (devc_k - st.devc))
        return st.devc + st.logdet - 2.0 * np.log(mult)

    def deviance(self, params: np.ndarray, n_agq: int = 1) -> float:
        """The glmer objective at ``params = (theta, beta)``."""
        theta, beta = params[:self.n_theta], params[self.n_theta:]
        return float(self.group_deviance(theta, beta, n_agq).sum())

    # ----------------------------------------------------------------- derivatives
    def _steps(self, params: np.ndarray) -> np.ndarray:
        return 1e-5 * np.maximum(np.abs(params), 0.1)

    def gradient(self, params: np.ndarray, n_agq: int = 1, *, per_group: bool = False) -> np.ndarray:
        """Central finite-difference gradient (``per_group``: (J, d) Jacobian of the group
        contributions), warm-started at the modes of ``params``; one-sided at a bound."""
        base_u = self.modes(params[:self.n_theta], params[self.n_theta:]).u
        h = self._steps(params)
        bounds = theta_bounds(self.q) + [(None, None)] * self.p
        cols = []
        for k in range(len(params)):
            lo = bounds[k][0]
            up, dn = params.copy(), params.copy()
            up[k] += h[k]
            dn[k] -= h[k]
            one_sided = lo is not None and dn[k] < lo
            gu = self.group_deviance(up[:self.n_theta], up[self.n_theta:], n_agq, u0=base_u)
            if one_sided:
                g0 = self.group_deviance(params[:self.n_theta], params[self.n_theta:], n_agq, u0=base_u)
                cols.append((gu - g0) / h[k])
            else:
                gd = self.group_deviance(dn[:self.n_theta], dn[self.n_theta:], n_agq, u0=base_u)
                cols.append((gu - gd) / (2 * h[k]))
        self._u = base_u
        Jm = np.column_stack(cols)
        return Jm if per_group else Jm.sum(axis=0)

    def hessian(self, params: np.ndarray, n_agq: int = 1, *, central: bool = True,
                grad0: np.ndarray | None = None) -> np.ndarray:
        """Finite-difference Hessian of the objective, from differences of the gradient
        (the exact one for the Laplace objective, finite differences for AGQ); forward
        differences from ``grad0`` when ``central=False``; one-sided at a bound."""
        d = len(params)
        h = self._steps(params) * (1.0 if n_agq <= 1 else 10.0)
        bounds = theta_bounds(self.q) + [(None, None)] * self.p
        Hm = np.empty((d, d))
        if grad0 is None and (not central or any(b[0] is not None and params[k] - h[k] < b[0]
                                                 for k, b in enumerate(bounds))):
            grad0 = self._grad(params, n_agq)
        for k in range(d):
            up = params.copy()
            up[k] += h[k]
            gu = self._grad(up, n_agq)
            lo = bounds[k][0]
            if central and not (lo is not None and params[k] - h[k] < lo):
                dn = params.copy()
                dn[k] -= h[k]
                Hm[:, k] = (gu - self._grad(dn, n_agq)) / (2 * h[k])
            else:
                Hm[:, k] = (gu - grad0) / h[k]
        return (Hm + Hm.T) / 2

    def objective_hessian(self, params: np.ndarray, n_agq: int) -> np.ndarray:
        """Hessian by second differences of the objective itself (forward, step 1e-4
        relative; d(d+3)/2 + 1 evaluations): the AGQ objective has no exact gradient."""
        d = len(params)
        h = 1e-4 * np.maximum(np.abs(params), 0.1)
        f0 = self.deviance(params, n_agq)
        E = np.diag(h)
        fi = np.array([self.deviance(params + E[k], n_agq) for k in range(d)])
        Hm = np.empty((d, d))
        for k in range(d):
            for m in range(k, d):
                fkm = self.deviance(params + E[k] + E[m], n_agq)
                Hm[k, m] = Hm[m, k] = (fkm - fi[k] - fi[m] + f0) / (h[k] * h[m])
        return Hm

    def _grad(self, x: np.ndarray, n_agq: int) -> np.ndarray:
        return self.laplace_gradient(x)[1] if n_agq <= 1 else self.gradient(x, n_agq)

    def _fg(self, x: np.ndarray, n_agq: int) -> tuple[float, np.ndarray]:
        if n_agq <= 1:
            return self.laplace_gradient(x)
        return self.deviance(x, n_agq), self.gradient(x, n_agq)

    # ----------------------------------------------------------------- analytic Laplace gradient
    def _elementwise(self, eta: np.ndarray):
        """r = d log p / d eta, its derivative dr, the IRLS weight w and its derivative dw."""
        if self.link == "logit":
            mu = _linkinv(eta, "logit")
            v = mu * (1.0 - mu)
            return self.y - mu, -v, v, v * (1.0 - 2.0 * mu)

        def rw(e):
            mu, me, var = self._local(e)
            return (self.y - mu) * me / var, me * me / var

        h = 1e-6 * np.maximum(1.0, np.abs(eta))
        r, w = rw(eta)
        ru, wu = rw(eta + h)
        rd, wd = rw(eta - h)
        return r, (ru - rd) / (2 * h), w, (wu - wd) / (2 * h)

    def laplace_gradient(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Laplace objective and its exact gradient in (theta, beta).

        The total derivative through the conditional modes u^(theta, beta) (implicit
        function theorem on the mode equations) and through the weights W(eta) in
        log |L|^2; the penalised deviance is stationary in u, so it contributes its
        partial derivatives only. Group sums throughout.
        """
        q = self.q
        theta, beta = params[:self.n_theta], params[self.n_theta:]
        st = self.modes(theta, beta)
        Lam = lambda_from_theta(theta, q)
        u = st.u
        r, dr, w, dw = self._elementwise(st.eta)
        Hinv = np.linalg.inv(st.H)
        K = Lam @ Hinv @ Lam.T  # (J, q, q)
        hlev = np.zeros(self.n)
        for k, (a, b) in enumerate(self._pairs):
            hlev += (1.0 if a == b else 2.0) * np.repeat(K[:, a, b], self._counts) * self._zz[:, k]
        c = dw * hlev
        Ztr = self._zt(r)                 # (J, q)
        Ztc = self._zt(c)
        M = self._ztwz(w)                 # (J, q, q)
        N = self._ztwz(dr)
        Q = np.stack([self._gsums(self.X * (dr * self.Z[:, a])[:, None]) for a in range(q)], axis=1)  # (J, q, p)
        Hobs = np.eye(q) - Lam.T @ N @ Lam
        cs = Ztc @ Lam                    # (J, q): sum_i c_i s_i
        # d u^/d beta = Hobs^{-1} Lambda' Q
        du_b = np.linalg.solve(Hobs, np.einsum("ba,jbk->jak", Lam, Q))  # (J, q, p)
        g_beta = -2.0 * (self.X.T @ r) + self.X.T @ c + np.einsum("ja,jak->k", cs, du_b)
        rows, cols = np.tril_indices(q)
        order = np.lexsort((rows, cols))
        HLM = Hinv @ Lam.T @ M            # (J, q, q)
        P = np.einsum("ba,jbc->jac", Lam, N)  # Lambda' N_j
        g_theta = np.empty(self.n_theta)
        for k, (a, b) in enumerate(zip(rows[order], cols[order], strict=True)):
            # E_k has a 1 at (a, b): z' E_k u = z_a u_b
            G = P[:, :, a] * u[:, b][:, None]
            G[:, b] += Ztr[:, a]
            du = np.linalg.solve(Hobs, G[:, :, None])[:, :, 0]
            g_theta[k] = (-2.0 * float(np.dot(Ztr[:, a], u[:, b])) + 2.0 * float(HLM[:, b, a].sum())
                          + float(np.dot(Ztc[:, a], u[:, b])) + float(np.einsum("ja,ja->", cs, du)))
        f = float((st.devc + st.logdet).sum())
        return f, np.concatenate([g_theta, g_beta])

    # ----------------------------------------------------------------- fit
    def _diag_index(self) -> list[int]:
        rows, cols = np.tril_indices(self.q)
        order = np.lexsort((rows, cols))
        return [k for k, (r, c) in enumerate(zip(rows[order], cols[order], strict=True)) if r == c]

    def _reflect(self, x: np.ndarray) -> np.ndarray:
        """Negate each column of Lambda whose diagonal is negative (Lambda Lambda' is unchanged)."""
        x = x.copy()
        nt = self.q * (self.q + 1) // 2
        Lam = lambda_from_theta(x[:nt], self.q)
        neg = np.diag(Lam) < 0
        if neg.any():
            Lam[:, neg] *= -1
            rows, cols = np.tril_indices(self.q)
            order = np.lexsort((rows, cols))
            x[:nt] = Lam[rows[order], cols[order]]
        return x

    def _newton(self, x: np.ndarray, n_agq: int, maxiter: int, tol: float, total: dict):
        f, g = self._fg(x, n_agq)
        total["nfev"] += 1
        converged, msg = False, "maximum iterations reached"
        H = None
        for _ in range(maxiter):
            total["nit"] += 1
            if H is None:  # finite-difference (Laplace) Hessian, then BFGS updates
                H = self.hessian(x, 1, central=False, grad0=g if n_agq <= 1 else None)
                total["nfev"] += len(x)
            w, V = np.linalg.eigh(H)
            floor = max(1e-8 * float(np.abs(w).max(initial=1.0)), 1e-12)
            w = np.where(w < floor, np.maximum(np.abs(w), floor), w)  # modified Newton if not PD
            step = -(V @ ((V.T @ g) / w))
            decrement = float(-g @ step)
            if decrement < tol * (1.0 + abs(f)):
                converged, msg = True, "Newton decrement below tolerance"
                break
            t = 1.0
            for _ in range(40):
                xn = self._reflect(x + t * step)
                fn = self.deviance(xn, n_agq)
                total["nfev"] += 1
                if np.isfinite(fn) and fn <= f - 1e-4 * t * decrement:
                    break
                t /= 2
            else:  # no decrease: at the optimum to rounding
                converged = decrement < 1e-6 * (1.0 + abs(f))
                msg = "line search found no decrease"
                break
            gn_f, gn = self._fg(xn, n_agq)
            total["nfev"] += 1
            sv, yv = xn - x, gn - g
            sy = float(sv @ yv)
            if t < 0.25:
                H = None  # poor model: fresh finite-difference Hessian
            elif sy > 1e-12 * float(np.linalg.norm(sv) * np.linalg.norm(yv)):
                Hs = H @ sv
                H = H + np.outer(yv, yv) / sy - np.outer(Hs, Hs) / float(sv @ Hs)
            x, f, g = xn, gn_f, gn
        return x, f, converged, msg

    def fit(self, start: np.ndarray, n_agq: int = 1, *, maxiter: int = 100, tol: float = 1e-12) -> dict:
        """Minimise the glmer objective over (theta, beta) from ``start``.

        Quasi-Newton: a finite-difference Hessian of the exact gradient at the start
        (AGQ: finite-difference gradient, Laplace Hessian; eigenvalues floored when not
        positive definite), BFGS updates after each step, a fresh Hessian after a
        poor step; backtracking line search; a column of Lambda with a negative
        diagonal is negated (same covariance), so the diagonal stays >= 0 as in lme4,
        and a zero diagonal (always stationary) is left when a step off it lowers the
        objective. Converged when the Newton decrement ``g' H^{-1} g`` of the free
        parameters is below ``tol`` (relative to 1 + |objective|).
        """
        x = self._reflect(np.asarray(start, dtype=float).copy())
        total = {"nit": 0, "nfev": 0}
        for _restart in range(5):
            x, f, converged, msg = self._newton(x, n_agq, maxiter, tol, total)
            # theta_kk = 0 is always stationary (the objective is even in each column of
            # Lambda): move off it when that lowers the objective
            moved = False
            for k in self._diag_index():
                if x[k] < 1e-4:
                    trial = x.copy()
                    trial[k] = 0.05
                    ft = self.deviance(trial, n_agq)
                    total["nfev"] += 1
                    if ft < f - 1e-8 * (1 + abs(f)):
                        x, moved = trial, True
                        break
            if not moved:
                break
        nit, nfev = total["nit"], total["nfev"]
        if not np.all(np.isfinite(x)):
            raise ConvergenceError("the GLMM optimisation produced non-finite parameters; rescale covariates")
        dev = self.deviance(x, n_agq)
        return {"params": x, "deviance": dev, "converged": converged, "message": msg, "nfev": nfev, "nit": nit}

    # ----------------------------------------------------------------- PIRLS-based covariance
    def rx_cov(self, theta: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """lme4's ``vcov(use.hessian = FALSE)``: inverse of the Schur complement
        ``X'WX - X'WZ Lambda H^{-1} Lambda' Z'WX`` at the conditional modes."""
        st = self.modes(theta, beta)
        Lam = lambda_from_theta(theta, self.q)
        mu, me, var = self._local(st.eta)
        wt = me * me / var
        XtWX = self.X.T @ (self.X * wt[:, None])
        C = np.stack([self._gsums(self.X * (wt * self.Z[:, a])[:, None]) for a in range(self.q)], axis=1)
        C = np.einsum("ab,jbc->jac", Lam.T, C)
        S = XtWX - np.einsum("jap,jaq->pq", C, np.linalg.solve(st.H, C))
        return np.linalg.inv(S)


class CrossedProblem(MixedProblem):
    """A second, crossed grouping factor with a random intercept (lme4's
    ``(re | g1) + (1 | g2)``), Laplace approximation only.

    theta = (theta of the first term, lambda2), ``u2 ~ N(0, I_J2)``, b2 = lambda2 u2. The
    system ``Lambda' Z' W Z Lambda + I`` is solved by block elimination: the first
    factor's q x q blocks (batched), then the dense J2 x J2 Schur complement, so
    ``log |L|^2 = sum_j log |H11_j| + log |S|``. Gradients by central differences.
    """

    def __init__(self, y, X, Z, g, n_groups, g2, n_groups2, *, link="logit", offset=None) -> None:
        super().__init__(y, X, Z, g, n_groups, link=link, offset=offset)
        self.g2 = np.asarray(g2, dtype=np.intp)[self.order]
        self.J2 = int(n_groups2)
        self.n_theta1 = self.n_theta
        self.n_theta = self.n_theta1 + 1
        self._cell = self.g * self.J2 + self.g2
        self._u2: np.ndarray = np.zeros(self.J2)

    def _pieces(self, theta):
        return lambda_from_theta(theta[:self.n_theta1], self.q), float(theta[self.n_theta1])

    def _eta2(self, fixed, Lam, lam2, u1, u2):
        return self._eta(fixed, Lam, u1) + lam2 * u2[self.g2]

    def _system(self, Lam, lam2, wt):
        eye = np.eye(self.q)
        H11 = Lam.T @ self._ztwz(wt) @ Lam + eye
        H22 = lam2 * lam2 * np.bincount(self.g2, weights=wt, minlength=self.J2) + 1.0
        C = np.stack([np.bincount(self._cell, weights=wt * self.Z[:, a], minlength=self.J * self.J2)
                      .reshape(self.J, self.J2) for a in range(self.q)], axis=1)  # (J, q, J2)
        H12 = lam2 * np.einsum("ba,jbk->jak", Lam, C)
        Xs = np.linalg.solve(H11, H12)  # H11^{-1} H12
        S = np.diag(H22) - np.einsum("jak,jal->kl", H12, Xs)
        return H11, H12, Xs, S

    def crossed_modes(self, theta, beta, *, tol: float | None = None, maxiter: int = 100):
        """Conditional modes (u1, u2) and the Laplace deviance."""
        tol = (1e-8 if self.link == "logit" else 1e-12) if tol is None else tol
        Lam, lam2 = self._pieces(theta)
        fixed = self._fixed(beta)
        u1, u2 = self._u.copy(), self._u2.copy()

        def pdev(a, b):
            eta = self._eta2(fixed, Lam, lam2, a, b)
            mu, me, var = self._local(eta)
            return float(_dev_resid(self.y, mu).sum() + (a * a).sum() + (b * b).sum()), mu, me, var

        f, mu, me, var = pdev(u1, u2)
        for _ in range(maxiter):
            wt = me * me / var
            r = (self.y - mu) * me / var
            g1 = self._zt(r) @ Lam - u1
            g2 = lam2 * np.bincount(self.g2, weights=r, minlength=self.J2) - u2
            H11, H12, Xs, S = self._system(Lam, lam2, wt)
            y1 = np.linalg.solve(H11, g1[:, :, None])[:, :, 0]
            d2 = np.linalg.solve(S, g2 - np.einsum("jak,ja->k", H12, y1))
            d1 = y1 - np.einsum("jak,k->ja", Xs, d2)
            big = max(float(np.abs(d1).max()), float(np.abs(d2).max()))
            t = 1.0
            for _h in range(30):
                fn, mun, men, varn = pdev(u1 + t * d1, u2 + t * d2)
                if big < tol or fn <= f + 1e-10 * (1 + abs(f)):
                    break
                t /= 2
            u1, u2, f, mu, me, var = u1 + t * d1, u2 + t * d2, fn, mun, men, varn
            if big < tol:
                break
        wt = me * me / var
        H11, H12, Xs, S = self._system(Lam, lam2, wt)
        logdet = float(np.linalg.slogdet(H11)[1].sum() + np.linalg.slogdet(S)[1])
        self._u, self._u2 = u1, u2
        return u1, u2, f + logdet, H11, S

    def deviance(self, params, n_agq: int = 1) -> float:
        if n_agq > 1:
            raise ValueError("crossed random effects: Laplace only")
        return float(self.crossed_modes(params[:self.n_theta], params[self.n_theta:])[2])

    def _fd_grad(self, x):
        u1, u2 = self._u.copy(), self._u2.copy()
        h = self._steps(x)
        lower = np.array([b[0] if b[0] is not None else -np.inf for b in theta_bounds(self.q)] + [0.0]
                         + [-np.inf] * self.p)
        g = np.empty(len(x))
        f0 = None
        for k in range(len(x)):
            up, dn = x.copy(), x.copy()
            up[k] += h[k]
            dn[k] -= h[k]
            self._u, self._u2 = u1, u2
            fu = self.deviance(up)
            self._u, self._u2 = u1, u2
            if dn[k] < lower[k]:
                if f0 is None:
                    f0 = self.deviance(x)
                    self._u, self._u2 = u1, u2
                g[k] = (fu - f0) / h[k]
            else:
                g[k] = (fu - self.deviance(dn)) / (2 * h[k])
        self._u, self._u2 = u1, u2
        return g

    def _grad(self, x, n_agq):
        return self._fd_grad(x)

    def _fg(self, x, n_agq):
        f = self.deviance(x)
        return f, self._fd_grad(x)

    def hessian(self, params, n_agq: int = 1, *, central: bool = True, grad0=None):
        d = len(params)
        h = self._steps(params) * 10
        g0 = self._fd_grad(params) if grad0 is None else grad0
        Hm = np.empty((d, d))
        for k in range(d):
            up = params.copy()
            up[k] += h[k]
            Hm[:, k] = (self._fd_grad(up) - g0) / h[k]
        return (Hm + Hm.T) / 2

    def _diag_index(self):
        return super()._diag_index() + [self.n_theta1]

    def _reflect(self, x):
        x = x.copy()
        x[:self.n_theta1] = MixedProblem._reflect(self, x)[:self.n_theta1]
        x[self.n_theta1] = abs(x[self.n_theta1])
        return x
