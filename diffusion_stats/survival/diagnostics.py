"""Diagnostics for :class:`~diffusion_stats.survival.cox.CoxResults`.

R's ``cox.zph`` (survival >= 3.0 score test for ``beta_j(t) = beta_j + gamma_j g(t)``),
residuals (martingale, score, Schoenfeld, dfbeta), the baseline cumulative hazard and
predicted survival curves. Normally reached through the results' methods
(``res.cox_zph()``, ``res.residuals("score")``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import linalg, stats

from ..core.errors import InputError, SpecificationError
from . import _numerics as cn

if TYPE_CHECKING:  # pragma: no cover
    from .cox import CoxResults

__all__ = ["residuals", "cox_zph", "baseline_hazard", "predict_survival", "concordance"]

RESIDUALS = ("martingale", "score", "schoenfeld", "dfbeta")
TRANSFORMS = ("km", "rank", "identity")


def _eval(res: CoxResults) -> cn.Evaluation:
    if res.ties == "exact":
        raise SpecificationError("residuals and cox.zph are available for ties='efron' or 'breslow', "
                                 "not for ties='exact'")
    return res.state.evaluation


def residuals(res: CoxResults, kind: str = "martingale") -> pd.Series | pd.DataFrame:
    """Residuals of a fitted Cox model, as R's ``residuals.coxph``.

    Parameters
    ----------
    res : CoxResults
    kind : {"martingale", "score", "schoenfeld", "dfbeta"}
        "score" residuals are unweighted; "dfbeta" = weighted score residuals times
        the model-based variance (their cross-product is the robust variance).
        "schoenfeld" has one row per event, ordered by stratum and time.

    Returns
    -------
    Series (martingale) or DataFrame indexed by the data's row labels.

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> df = pd.DataFrame({"stop": [1, 1, 2, 2, 3, 4], "event": [1, 0, 1, 1, 0, 1],
    ...                    "x": [1.0, 0.0, 1.0, 0.5, 0.0, 2.0]})
    >>> res = ds.CoxHazard("event ~ x", df, start=None).fit()
    >>> abs(float(res.residuals("martingale").sum())) < 1e-12
    True
    """
    if kind not in RESIDUALS:
        raise InputError(f"kind={kind!r} is not one of {RESIDUALS}")
    P, rs = res.state.in_memory("residuals()")
    e = _eval(res)
    L, mart = cn.score_residuals(rs, P.X, e)
    cols = list(P.names)
    if kind == "martingale":
        return pd.Series(mart, index=P.rows, name="martingale")
    if kind == "score":
        return pd.DataFrame(L, index=P.rows, columns=cols)
    if kind == "dfbeta":
        naive = np.ascontiguousarray(res.naive_cov.to_numpy())  # C order, as the einsum always had it
        return pd.DataFrame(np.einsum("ij,jk->ik", P.w[:, None] * L, naive),
                            index=P.rows, columns=cols)
    # schoenfeld: x_i - mean_j a_kj for each death
    assert e.parts is not None  # kept for ties="efron"/"breslow" (_eval refuses "exact")
    a, ss = e.parts["a"], e.parts["step_set"]
    Abar: np.ndarray = np.stack([np.bincount(ss, weights=a[:, c], minlength=rs.n_sets) for c in range(a.shape[1])], 1)
    Abar /= rs.n_death[:, None]
    dr = rs.death_rows
    out = pd.DataFrame(P.X[dr] - Abar[rs.death_set], index=P.rows[dr], columns=cols)
    out.insert(0, "time", rs.set_time[rs.death_set])
    if res.model.strata:
        out.insert(0, "stratum", P.strata_labels[rs.set_stratum[rs.death_set]])
    return out


def _km_left(P, times: np.ndarray) -> np.ndarray:
    """Unweighted Kaplan-Meier of all rows (strata ignored) just before ``times``."""
    n = len(P.stop)
    rs = cn.build_risk_sets(P.start, P.stop, P.event, np.ones(n), np.zeros(n, dtype=np.int64))
    surv = np.cumprod(1 - rs.n_death / rs.set_size)
    k = np.searchsorted(rs.set_time, times, side="left") - 1
    return np.where(k >= 0, surv[np.maximum(k, 0)], 1.0)


def cox_zph(res: CoxResults, transform: str = "km", global_test: bool = True) -> pd.DataFrame:
    """Test of proportional hazards (R's ``cox.zph(fit, transform, terms = FALSE)``).

    For each covariate the score test of ``gamma_j = 0`` in
    ``beta_j(t) = beta_j + gamma_j g(t)`` at the fitted ``beta`` (survival >= 3.0), with
    ``g`` the centred transform of time; the global test adds all ``gamma`` at once.
    The information matrix of the augmented model is built from the per-event-time
    (Efron sub-step) information blocks ``I_s`` as ``[[sum I_s, sum g_s I_s],
    [sum g_s I_s, sum g_s^2 I_s]]``.

    Parameters
    ----------
    res : CoxResults
    transform : {"km", "rank", "identity"}
        ``km``: 1 - left-continuous Kaplan-Meier of all rows; ``rank``: ranks of the
        stop times (all rows, average ties); ``identity``: the stop time.
    global_test : bool
        Append a "GLOBAL" row.

    Returns
    -------
    DataFrame with columns ``chisq``, ``df``, ``p``.

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> df = pd.DataFrame({"stop": [1, 1, 2, 2, 3, 4, 5, 5], "event": [1, 0, 1, 1, 0, 1, 1, 0],
    ...                    "x": [1.0, 0.0, 1.0, 0.5, 0.0, 2.0, 0.3, 1.0]})
    >>> ds.CoxHazard("event ~ x", df, start=None).fit().cox_zph("km").columns.tolist()
    ['chisq', 'df', 'p']
    """
    if transform not in TRANSFORMS:
        raise InputError(f"transform={transform!r} is not one of {TRANSFORMS}")
    P, rs = res.state.in_memory("cox_zph()")
    e = _eval(res)
    times = P.stop
    if transform == "identity":
        tt = times
    elif transform == "rank":
        tt = stats.rankdata(times)
    else:
        tt = 1 - _km_left(P, times)
    ev = P.event.astype(bool)
    g = tt - tt[ev].mean()
    # one sub-step per death; all deaths of a set share its time, hence g
    dr = rs.death_rows
    gs = g[dr]
    pr = e.parts
    assert pr is not None
    a, den, mw, ss = pr["a"], pr["den"], pr["mw"], pr["step_set"]
    X = P.X
    p = X.shape[1]
    u = np.einsum("s,sj->j", gs, P.w[dr][:, None] * X[dr] - mw[:, None] * a)
    # per-step information blocks at the estimate (kept by the last evaluation)
    M2 = pr["M2"].reshape(len(ss), p, p)
    Is = (mw / den)[:, None, None] * M2 - mw[:, None, None] * a[:, :, None] * a[:, None, :]
    I11 = Is.sum(0)
    I12 = np.einsum("s,sij->ij", gs, Is)
    I22 = np.einsum("s,sij->ij", gs**2, Is)
    imat = np.block([[I11, I12], [I12, I22]])
    rows, chisq, dfs = [], [], []
    for j in range(p):
        kk = list(range(p)) + [p + j]
        uu = np.r_[np.zeros(p), u[j]]
        chisq.append(float(uu @ linalg.solve(imat[np.ix_(kk, kk)], uu)))
        dfs.append(1)
        rows.append(P.names[j])
    if global_test:
        uu = np.r_[np.zeros(p), u]
        chisq.append(float(uu @ linalg.solve(imat, uu)))
        dfs.append(p)
        rows.append("GLOBAL")
    chisq_a = np.array(chisq)
    return pd.DataFrame({"chisq": chisq_a, "df": dfs, "p": stats.chi2.sf(chisq_a, dfs)}, index=rows)


def baseline_hazard(res: CoxResults) -> pd.DataFrame:
    """Baseline cumulative hazard at covariates = 0 (R's ``basehaz(fit, centered = FALSE)``).

    Breslow increments for ``ties="breslow"``, Efron increments for ``"efron"``;
    reported at every distinct stop time of each stratum.

    Returns
    -------
    DataFrame with columns ``time``, ``hazard`` (cumulative) and ``strata`` when stratified.

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> df = pd.DataFrame({"stop": [1, 2, 2, 3, 4, 5], "event": [1, 1, 0, 1, 0, 1],
    ...                    "x": [0.5, 1.0, 0.0, 0.2, 1.5, 0.3]})
    >>> bh = ds.CoxHazard("event ~ x", df, start=None).fit().baseline_hazard()
    >>> bh.columns.tolist(), bool(bh["hazard"].is_monotonic_increasing)
    (['time', 'hazard'], True)
    """
    P, rs = res.state.in_memory("baseline_hazard()")
    e = _eval(res)
    pr = e.parts
    assert pr is not None
    beta = res.params.to_numpy()
    shift = float(P.means @ beta)
    # uncentred denominator = scaled den * exp(m + xbar'beta)
    inc = pr["mw"] / pr["den"] * np.exp(-(pr["m"][pr["step_set"]] + shift))
    dh = np.bincount(pr["step_set"], weights=inc, minlength=rs.n_sets)
    frames = []
    for s in np.unique(P.strata):
        sel = rs.set_stratum == s
        st = rs.set_time[sel]
        ch = np.cumsum(dh[sel])
        allt = np.unique(P.stop[P.strata == s])
        k = np.searchsorted(st, allt, side="right") - 1
        H = np.where(k >= 0, ch[np.maximum(k, 0)], 0.0)
        fr = pd.DataFrame({"time": allt, "hazard": H})
        if res.model.strata:
            fr["strata"] = P.strata_labels[s]
        frames.append(fr)
    return pd.concat(frames, ignore_index=True)


def predict_survival(res: CoxResults, newdata: pd.DataFrame) -> pd.DataFrame:
    """Survival curves ``S(t | x) = exp(-H0(t) exp(x'beta))`` for new covariate rows.

    Matches R's ``survfit(fit, newdata)`` (default ``stype = 2``) for unstratified
    models; for stratified models each curve uses the baseline of the stratum given in
    ``newdata``'s strata column.

    Returns
    -------
    DataFrame indexed by time, one column per row of ``newdata``.

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> df = pd.DataFrame({"stop": [1, 2, 2, 3, 4, 5], "event": [1, 1, 0, 1, 0, 1],
    ...                    "x": [0.5, 1.0, 0.0, 0.2, 1.5, 0.3]})
    >>> res = ds.CoxHazard("event ~ x", df, start=None).fit()
    >>> res.predict_survival(pd.DataFrame({"x": [0.0, 1.0]})).shape
    (5, 2)
    """
    from ..postestimation.effects import design_for

    Xk = design_for(res, newdata)  # the fit's kept ModelSpec: categorical levels as in the fit
    risk = np.exp(Xk @ res.params.to_numpy())
    bh = baseline_hazard(res)
    if res.model.strata:
        if len(res.model.strata) != 1 or res.model.strata[0] not in newdata.columns:
            raise InputError(f"newdata needs the strata column {res.model.strata} for a stratified model")
        out = {}
        for i, s in enumerate(newdata[res.model.strata[0]]):
            b = bh[bh["strata"] == s]
            out[i] = pd.Series(np.exp(-b["hazard"].to_numpy() * risk[i]), index=b["time"].to_numpy())
        return pd.DataFrame(out)
    H = bh["hazard"].to_numpy()
    return pd.DataFrame(np.exp(-np.outer(H, risk)), index=pd.Index(bh["time"].to_numpy(), name="time"))


def concordance(res: CoxResults, max_pairs: int = 20_000_000) -> float:
    """Harrell's concordance as R's ``coxph`` reports it (``fit$concordance``).

    Over every event ``i`` and every row ``j`` at risk at that time in the same stratum
    without an event then, weighted by ``w_i w_j``: concordant when ``eta_i > eta_j``,
    half for ties in the linear predictor. Returns NaN when the risk sets are too large
    to spell out (more than ``max_pairs`` pairs).

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> df = pd.DataFrame({"stop": [1, 2, 3, 4, 5, 6], "event": [1, 1, 0, 1, 1, 0],
    ...                    "x": [2.0, 0.5, 1.0, 1.5, 0.0, 0.2]})
    >>> 0 <= ds.CoxHazard("event ~ x", df, start=None).fit().concordance <= 1
    True
    """
    P, rs = res.state.in_memory("concordance")
    if rs.mode != "pairs":
        if rs.n_pairs > max_pairs:
            return float("nan")
        rs = cn.pairs_of(rs)
    eta = P.X @ res.params.to_numpy()
    eta_p = eta[rs.pair_row]
    w_p = P.w[rs.pair_row]
    _, rk = np.unique(eta_p, return_inverse=True)
    R = np.int64(rk.max() + 2) if len(rk) else np.int64(1)
    key = rs.pair_set.astype(np.int64) * R + rk
    oth = ~rs.pair_death
    order = np.argsort(key[oth], kind="stable")
    ko = key[oth][order]
    cw = np.concatenate([[0.0], np.cumsum(w_p[oth][order])])
    kd, wd = key[rs.pair_death], w_p[rs.pair_death]
    base = rs.pair_set[rs.pair_death].astype(np.int64) * R
    first = cw[np.searchsorted(ko, base, side="left")]
    last = cw[np.searchsorted(ko, base + R, side="left")]
    lo = cw[np.searchsorted(ko, kd, side="left")]
    hi = cw[np.searchsorted(ko, kd, side="right")]
    num = float(np.sum(wd * ((lo - first) + 0.5 * (hi - lo))))
    den = float(np.sum(wd * (last - first)))
    return num / den if den > 0 else float("nan")
