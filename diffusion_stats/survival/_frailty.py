"""Shared gamma frailty for ``CoxHazard(..., frailty="unit")``: survival's penalised
partial likelihood (``coxph(... + frailty(unit, distribution = "gamma"))``).

Model: the hazard of a row of group j is ``w_j h0(t) exp(x' beta)`` with w_j ~ Gamma(mean
1, variance theta). Therneau, Grambsch & Pankratz (2003): for fixed theta, maximise the
penalised partial likelihood over (beta, gamma), gamma_j = log w_j::

    PPL(beta, gamma) = PL(beta, gamma) - nu sum_j (exp(gamma_j) - gamma_j),   nu = 1/theta,

(Newton on the full (p + J) system; the partial likelihood is the package's Breslow /
Efron one with one indicator column per group). theta is chosen by maximising
survival's corrected likelihood (the gamma-frailty marginal likelihood; "I-likelihood"
in ``print.coxph``)::

    c.loglik(theta) = PL + nu sum_j gamma_j + sum_j [d_j + nu log(nu / (nu + d_j))]
                      + sum_j sum_{k=1}^{d_j} log((nu + k - 1) / (nu + d_j)) ... (survival's
                      frailty.gammacon, term by term)

with gamma recentred so that mean(exp(gamma)) = 1 and d_j the events of group j.
survival finds the maximiser with a loose Brent search (relative change of c.loglik
below 1e-5); here the maximiser is found to 1e-10 in theta (bounded Brent on the
profile), which is the value the reference script finds with ``optimize`` over
fixed-theta ``coxph`` fits. The variance of beta is survival's ``fit$var``
(``se(coef)``): the beta block of the inverse penalised information with, for more than
five groups (survival's ``sparse`` frailty), the group block replaced by its diagonal;
the exact inverse is ``var_full`` (it differs by ~1e-3 relative here).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from ..core.errors import ConvergenceError, DataValidationError, SpecificationError
from ..inference.results import Results
from ..output.summary import Summary, format_number
from . import _numerics as cn

__all__ = ["gammacon", "fit_gamma_frailty", "FrailtyResults"]


def gammacon(d: np.ndarray, nu: float) -> float:
    """survival's ``frailty.gammacon(d, nu)``: the correction from the penalised to the
    marginal (gamma frailty) log-likelihood, ``d`` the events per group."""
    d = np.asarray(d, dtype=float)
    maxd = d.max()
    if nu > 1e7 * maxd:
        term1 = float(np.sum(d * d) / nu)
    else:
        term1 = float(np.sum(d + nu * np.log(nu / (nu + d))))
    # term2 = sum over groups with d_j > 0 of sum_{k=1}^{d_j} log((nu + k - 1) / (nu + d_j))
    di = d[d > 0].astype(np.int64)
    k = np.arange(1, int(maxd) + 1) if maxd > 0 else np.arange(0)
    # number of groups with d_j >= k, and the denominators nu + d_j counted d_j times
    ge = len(di) - np.searchsorted(np.sort(di), k, side="left")
    num = float(np.sum(ge * np.log(nu + k - 1)))
    den = float(np.sum(di * np.log(nu + di)))
    return term1 + num - den


def _frailty_evaluator(rs, X: np.ndarray, w: np.ndarray, groups: np.ndarray, J: int, efron: bool):
    """Log partial likelihood, score and information in (beta, gamma) for X plus one
    indicator column per group, using the indicator structure: the information's
    group block comes from (risk set, group) sums, never from (p + J)^2 products per row."""
    p = X.shape[1]
    G = np.zeros((len(X), J))
    G[np.arange(len(X)), groups] = 1.0
    XA = np.hstack([X, G])
    ws = cn.workspace(rs, XA, w, max_cells=0)  # no (pairs x (p+J)^2) outer products
    K = rs.n_sets
    gp = groups[rs.pair_row]
    gd = groups[rs.death_rows]
    pidx = rs.pair_set * J + gp
    didx = rs.death_set * J + gd
    Xp, Xd = ws.Xp[:, :p], ws.Xd[:, :p]
    XXp = (Xp[:, :, None] * Xp[:, None, :]).reshape(len(Xp), p * p)
    XXd = (Xd[:, :, None] * Xd[:, None, :]).reshape(len(Xd), p * p)

    def by_set_group(idx, v):
        return np.bincount(idx, weights=v, minlength=K * J).reshape(K, J)

    def ev(b: np.ndarray):
        e = cn.evaluate(rs, XA, w, b, efron=efron, want_info=False, keep=True, ws=ws)
        pt = e.parts
        assert pt is not None  # keep=True
        r = ws.wp * pt["ez"]
        rd = ws.wd * np.exp(pt["eta_d"] - pt["m"][rs.death_set])
        c = pt["mw"] / pt["den"]
        st = pt["step_set"]
        cS = np.bincount(st, weights=c, minlength=K)
        cfS = np.bincount(st, weights=c * pt["f"], minlength=K) if efron else np.zeros(K)
        Mbb = cS @ cn._reduce(r[:, None] * XXp, rs.set_ptr) - cfS @ cn._reduce(rd[:, None] * XXd, rs.death_ptr)
        Mbg = np.stack([cS @ by_set_group(pidx, r * Xp[:, k]) - cfS @ by_set_group(didx, rd * Xd[:, k])
                        for k in range(p)])
        Mgg = cS @ by_set_group(pidx, r) - cfS @ by_set_group(didx, rd)
        M = np.zeros((p + J, p + J))
        M[:p, :p] = Mbb.reshape(p, p)
        M[:p, p:] = Mbg
        M[p:, :p] = Mbg.T
        M[np.arange(p, p + J), np.arange(p, p + J)] = Mgg
        a = pt["a"]
        info = M - np.einsum("s,si,sj->ij", pt["mw"], a, a)
        return e.loglik, e.score, info

    return ev


def _penalised_fit(ev, p: int, J: int, nu: float, start: np.ndarray, *, max_iter: int = 100, tol: float = 1e-13):
    """Maximise PL - nu sum(exp(g) - g) over (beta, g) by Newton with step halving."""

    def pen(b):
        ll, score, info = ev(b)
        g = b[p:]
        eg = np.exp(g)
        score = score.copy()
        score[p:] -= nu * (eg - 1.0)
        info = info.copy()
        info[np.arange(p, p + J), np.arange(p, p + J)] += nu * eg
        return ll, ll - nu * float(np.sum(eg - g)), score, info

    b = start.copy()
    ll, f, s, H = pen(b)
    converged = False
    for _ in range(max_iter):
        step = np.linalg.solve(H, s)
        t = 1.0
        for _h in range(40):
            bn = b + t * step
            lln, fn, sn, Hn = pen(bn)
            if np.isfinite(fn) and fn >= f - 1e-12 * (1 + abs(f)):
                break
            t /= 2
        change = fn - f
        b, ll, f, s, H = bn, lln, fn, sn, Hn
        if abs(change) <= tol * (1 + abs(f)) and np.max(np.abs(t * step)) < 1e-9:
            converged = True
            break
    return b, ll, f, H, converged


def fit_gamma_frailty(rs, X: np.ndarray, w: np.ndarray, groups: np.ndarray, n_groups: int, event: np.ndarray,
                      *, efron: bool, theta: float | None = None, upper: float = 20.0) -> dict:
    """Gamma shared frailty Cox fit (fixed ``theta``, or theta maximising survival's
    corrected likelihood). Returns a dict of arrays."""
    n, p = X.shape
    if rs.mode != "pairs":
        rs = cn.pairs_of(rs)
    ev = _frailty_evaluator(rs, X, w, groups, n_groups, efron)
    d = np.bincount(groups, weights=event, minlength=n_groups)
    cache: dict[float, tuple] = {}
    state = {"start": np.zeros(p + n_groups)}

    def at(th: float):
        th = float(th)
        if th not in cache:
            if th <= 0:
                raise SpecificationError("theta must be > 0 for a gamma frailty")
            nu = 1.0 / th
            b, ll, f, H, ok = _penalised_fit(ev, p, n_groups, nu, state["start"])
            state["start"] = b
            g = b[p:]
            rec = float(np.log(np.mean(np.exp(g))))
            g = g - rec
            closs = ll + nu * float(np.sum(g)) + gammacon(d, nu)
            cache[th] = (b, ll, f, H, ok, closs)
        return cache[th]

    if theta is None:
        res = optimize.minimize_scalar(lambda s: -at(s * s)[5], bounds=(1e-4, np.sqrt(upper)), method="bounded",
                                       options={"xatol": 1e-8, "maxiter": 500})
        th = float(res.x) ** 2
        if th > 0.999 * upper:
            raise ConvergenceError(f"the frailty variance runs to the search bound {upper}; the data do not "
                                   "identify it (check the groups)")
    else:
        th = float(theta)
    b, ll, f, H, ok, closs = at(th)
    if not ok:
        raise ConvergenceError("the penalised partial likelihood did not converge; rescale covariates")
    full = np.linalg.inv(H)[:p, :p]
    if n_groups > 5:  # survival's sparse frailty (nclass > 5): the group block's diagonal only
        Hs = H.copy()
        Hs[p:, p:] = np.diag(np.diag(H[p:, p:]))
        sparse_var = np.linalg.inv(Hs)[:p, :p]
    else:
        sparse_var = full
    return {"theta": th, "beta": b[:p], "frail": b[p:], "var": sparse_var, "var_full": full, "loglik": ll,
            "penalised_loglik": f, "c_loglik": closs, "events_per_group": d}


class FrailtyResults(Results):
    """Results of a gamma shared-frailty Cox fit (``CoxHazard(..., frailty=...)``).

    Attributes beyond the common interface: ``theta`` (frailty variance), ``frailties``
    (log-frailty estimates gamma_j by group, survival's ``fit$frail``), ``c_loglik``
    (survival's "I-likelihood", the criterion theta maximises).
    """

    model_name = "Cox proportional hazards, gamma frailty"

    def __init__(self, *, theta: float, frailties: pd.Series, c_loglik: float, groups: str, **kw: Any) -> None:
        super().__init__(**kw)
        self._theta = float(theta)
        self._frail = frailties
        self._c_loglik = float(c_loglik)
        self._groups = groups

    @property
    def theta(self) -> float:
        return self._theta

    @property
    def frailties(self) -> pd.Series:
        return self._frail.copy()

    @property
    def hazard_ratios(self) -> pd.Series:
        return np.exp(self._params).rename("exp(coef)")

    @property
    def c_loglik(self) -> float:
        return self._c_loglik

    def summary(self) -> Summary:
        s = super().summary()
        s.header.append(("Frailty", f"gamma by {self._groups} ({len(self._frail)} groups), "
                                    f"variance theta = {format_number(self._theta)}"))
        s.header.append(("I-likelihood", format_number(self._c_loglik)))
        return s


def frailty_fit(model, P, *, theta: float | None = None) -> FrailtyResults:
    """The hook behind ``CoxHazard(..., frailty=col).fit()``: ``P`` is the model's
    :class:`~diffusion_stats.survival.cox.CoxData`, which the model passes."""
    col = model.frailty
    vals = model.data[col].to_numpy()[P.mask]
    if pd.isna(vals).any():
        raise DataValidationError(f"frailty column '{col}' has {int(pd.isna(vals).sum())} missing values in the "
                                  "rows used; fill or drop them")
    codes, levels = pd.factorize(vals, sort=True)
    if len(levels) < 2:
        raise SpecificationError(f"frailty='{col}' has {len(levels)} group; a frailty needs at least two")
    if model.ties == "exact":
        raise SpecificationError("a frailty term needs ties='efron' or 'breslow' (as survival)")
    out = fit_gamma_frailty(P.rs, P.X, P.w, codes, len(levels), P.event.astype(float),
                            efron=model.ties == "efron", theta=theta)
    idx = pd.Index(P.names)
    info = {"Events": int(P.event.sum()), "Strata": len(P.strata_labels) if model.strata else 1,
            "Ties": model.ties}
    return FrailtyResults(theta=out["theta"], frailties=pd.Series(out["frail"], index=pd.Index(levels, name=col),
                                                                  name="frail"),
                          c_loglik=out["c_loglik"], groups=col,
                          params=pd.Series(out["beta"], index=idx, name="coef"),
                          cov=pd.DataFrame(out["var"], index=idx, columns=idx), nobs=P.rs.n, loglik=out["loglik"],
                          info=info, formula=model.formula)
