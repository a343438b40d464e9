"""Numerics of the counting-process Cox model (no pandas, no formulas).

Layout
------
Rows carry ``(start, stop]`` intervals, an event flag, a case weight and a stratum code.
A *risk set* is one (stratum, event time) pair; row ``i`` is in the risk set at time
``t`` of its stratum when ``start_i < t <= stop_i``. :class:`RiskSets` sorts once and
expands the data into (risk set, row) *pairs*: for each row the risk sets it belongs to
form a contiguous range of its stratum's sorted event times, found with two
``searchsorted`` calls; the pairs are generated with ``np.repeat`` and kept sorted by
risk set so every per-risk-set sum is one ``np.add.reduceat``. Annual event-history data
(one row per unit-year) put each row in exactly one risk set, so the expansion has as
many pairs as rows.

Stability: within each risk set the linear predictors are shifted by the set's maximum
(log-sum-exp), so no ``exp`` can overflow whatever the covariate scale.

Ties
----
``breslow`` and ``efron`` follow R's survival (agfit4): with ``d`` tied deaths of total
weight ``dw`` and mean weight ``dw/d``, Efron's term is
``sum_deaths w_i eta_i - (dw/d) sum_{j<d} log(S0 - j/d D0)`` (Breslow: ``j/d`` -> 0).
``exact`` is the discrete conditional-logit likelihood ``sum_deaths eta_i - log
e_d(exp(eta))`` per risk set with ``e_d`` the elementary symmetric polynomial, computed
with the recursion of Gail, Lubin & Rubinstein (1981) together with its first and second
derivatives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import linalg

__all__ = ["RiskSets", "Evaluation", "ExactLayout", "Workspace", "workspace", "build_risk_sets", "pairs_of",
           "evaluate", "evaluate_exact", "exact_layout", "exact_score_residuals",
           "score_residuals", "newton", "identified_columns"]


# "auto" layout: expand into pairs while they number at most max(PAIRS_PER_ROW * n,
# MAX_AUTO_PAIRS); beyond that use interval sums (module constants so tests can force a mode)
PAIRS_PER_ROW = 3
MAX_AUTO_PAIRS = 2_000_000
# precomputed outer products x x' per pair up to this many cells, else built per column
XX_MAX_CELLS = 30_000_000


@dataclass
class RiskSets:
    """Risk-set structure (fixed for a data set, reused across Newton iterations)."""

    n: int
    n_sets: int
    pair_row: np.ndarray      # row of each pair, pairs sorted by risk set
    pair_set: np.ndarray      # risk set of each pair
    pair_death: np.ndarray    # bool: the pair is a death in its own risk set
    set_ptr: np.ndarray       # start of each set's pairs (len n_sets)
    death_rows: np.ndarray    # event rows sorted by risk set
    death_set: np.ndarray     # risk set of each death
    death_ptr: np.ndarray     # start of each set's deaths (len n_sets)
    n_death: np.ndarray       # deaths per set
    dw: np.ndarray            # weighted deaths per set
    set_time: np.ndarray      # event time of each set
    set_stratum: np.ndarray   # stratum code of each set
    set_size: np.ndarray      # rows at risk per set
    lo: np.ndarray            # first risk set of each row (global set index)
    hi: np.ndarray            # one past the last risk set of each row
    row_stratum: np.ndarray   # stratum code of each row
    mode: str                 # "pairs" (expanded) or "cumsum" (interval sums, no expansion)
    n_pairs: int


def _count_le(sorted_vals: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``np.searchsorted(sorted_vals, x, side="right")``; by table lookup when every
    value is an integer in a modest range (annual data), which is much faster."""
    if len(x) and len(sorted_vals):
        lo_v, hi_v = float(min(x.min(), sorted_vals[0])), float(max(x.max(), sorted_vals[-1]))
        if hi_v - lo_v <= 5_000_000 and np.all(x == np.floor(x)) and np.all(sorted_vals == np.floor(sorted_vals)):
            base = int(lo_v)
            grid = np.arange(base, int(hi_v) + 1)
            table = np.searchsorted(sorted_vals, grid, side="right")
            return table[(x - base).astype(np.int64)]
    return np.searchsorted(sorted_vals, x, side="right")


def build_risk_sets(start: np.ndarray, stop: np.ndarray, event: np.ndarray,
                    weights: np.ndarray, strata: np.ndarray, mode: str = "auto") -> RiskSets:
    """Locate each row's risk sets; expand into (risk set, row) pairs when that is cheap.

    ``mode="auto"`` expands when the pairs are at most ``max(3 n, 2e6)`` (annual
    event-history data: about one pair per row); otherwise risk-set sums are computed
    without expansion as interval sums ("cumsum" mode): a row adds its terms at its first
    risk set and removes them after its last, and a cumulative sum over the risk sets
    (sorted by stratum and time) gives every S0, S1, S2 in O(n + K).
    """
    n = len(stop)
    s = strata.astype(np.int64)
    ev = event.astype(bool)
    etimes = np.unique(stop[ev])                  # distinct event times (all strata)
    M = np.int64(len(etimes) + 2)
    drow = np.flatnonzero(ev)
    death_key_all = s[drow] * M + np.searchsorted(etimes, stop[drow], side="right")
    set_keys = np.unique(death_key_all)
    K = len(set_keys)
    # risk sets of row i: event times t of its stratum with start_i < t <= stop_i
    ra = _count_le(etimes, start)
    rb = _count_le(etimes, stop)
    n_strata = int(s.max()) + 1 if n else 0
    if n_strata * int(M) <= 20_000_000:
        # dense table: number of set keys <= key, for every possible key
        flags = np.zeros(n_strata * int(M), dtype=np.int64)
        flags[set_keys] = 1
        cum = np.cumsum(flags)
        lo, hi = cum[s * M + ra], cum[s * M + rb]
    else:
        lo = np.searchsorted(set_keys, s * M + ra, side="right")
        hi = np.searchsorted(set_keys, s * M + rb, side="right")
    counts = hi - lo
    P = int(counts.sum())
    if mode == "auto":
        mode = "pairs" if P <= max(PAIRS_PER_ROW * n, MAX_AUTO_PAIRS) else "cumsum"
    if mode not in ("pairs", "cumsum"):
        raise ValueError(f"mode={mode!r}")
    pair_row: np.ndarray
    pair_set: np.ndarray
    if mode == "cumsum":
        pair_row = pair_set = np.zeros(0, dtype=np.int64)
    elif P == n and np.all(counts == 1):
        pair_row = np.argsort(lo, kind="stable")
        pair_set = lo[pair_row]
    else:
        pair_row = np.repeat(np.arange(n, dtype=np.int64), counts)
        offs = np.cumsum(counts) - counts
        pair_set = lo[pair_row] + (np.arange(P, dtype=np.int64) - offs[pair_row])
        if P and not np.all(np.diff(pair_set) >= 0):
            order = np.argsort(pair_set, kind="stable")
            pair_row, pair_set = pair_row[order], pair_set[order]
    pair_death = ev[pair_row] & (pair_set == hi[pair_row] - 1)
    set_size = np.cumsum(np.bincount(lo, minlength=K + 1) - np.bincount(hi, minlength=K + 1))[:K]
    set_ptr = np.concatenate([[0], np.cumsum(set_size)[:-1]]).astype(np.int64)
    dset = np.searchsorted(set_keys, death_key_all)
    order = np.argsort(dset, kind="stable")
    drow, dset = drow[order], dset[order]
    nd = np.bincount(dset, minlength=K)
    dptr = np.concatenate([[0], np.cumsum(nd)[:-1]]).astype(np.int64)
    dw = np.bincount(dset, weights=weights[drow], minlength=K)
    return RiskSets(n=n, n_sets=K, pair_row=pair_row, pair_set=pair_set, pair_death=pair_death,
                    set_ptr=set_ptr, death_rows=drow, death_set=dset, death_ptr=dptr,
                    n_death=nd, dw=dw, set_time=etimes[set_keys % M - 1],
                    set_stratum=set_keys // M, set_size=set_size, lo=lo, hi=hi, row_stratum=s,
                    mode=mode, n_pairs=P)


def pairs_of(rs: RiskSets) -> RiskSets:
    """The same risk sets in "pairs" mode (expanding a "cumsum" structure)."""
    if rs.mode == "pairs":
        return rs
    counts = rs.hi - rs.lo
    pair_row = np.repeat(np.arange(rs.n, dtype=np.int64), counts)
    offs = np.cumsum(counts) - counts
    pair_set = rs.lo[pair_row] + (np.arange(rs.n_pairs, dtype=np.int64) - offs[pair_row])
    order = np.argsort(pair_set, kind="stable")
    pair_row, pair_set = pair_row[order], pair_set[order]
    is_event = np.zeros(rs.n, dtype=bool)
    is_event[rs.death_rows] = True
    pair_death = is_event[pair_row] & (pair_set == rs.hi[pair_row] - 1)
    return replace(rs, pair_row=pair_row, pair_set=pair_set, pair_death=pair_death, mode="pairs")


@dataclass
class Evaluation:
    """Log partial likelihood, score and information at one ``beta``."""

    loglik: float
    score: np.ndarray
    info: np.ndarray
    # per-set pieces kept for residuals (breslow/efron only)
    parts: dict | None = None
    # "cumsum" mode: max over sets of (sum of entered terms) / (risk-set sum); the
    # relative rounding error of the risk-set sums is about 1e-16 times this
    precision: float = 1.0


def _mv(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A @ b`` for tall, narrow ``A`` without BLAS (multithreaded BLAS on long vectors
    with a handful of columns is slow and erratic on busy machines)."""
    return np.einsum("ij,j->i", A, b)


def _vm(v: np.ndarray, A: np.ndarray) -> np.ndarray:
    """``v @ A`` for tall, narrow ``A`` without BLAS."""
    return np.einsum("i,ij->j", v, A)


def _reduce(values: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return np.zeros((0,) + values.shape[1:])
    return np.add.reduceat(values, ptr, axis=0)


@dataclass
class Workspace:
    """Data laid out in pair (risk-set) order once per fit, reused by every evaluation."""

    Xp: np.ndarray            # (P, p) covariates of each pair
    wp: np.ndarray            # (P,) case weights of each pair
    XXp: np.ndarray | None    # (P, p*p) outer products, None when too large
    Xd: np.ndarray            # (E, p) covariates of the deaths (set order)
    wd: np.ndarray
    XXd: np.ndarray
    j: np.ndarray             # Efron sub-step index of each death within its set
    X: np.ndarray
    w: np.ndarray


def workspace(rs: RiskSets, X: np.ndarray, w: np.ndarray, max_cells: int | None = None) -> Workspace:
    p = X.shape[1]
    max_cells = XX_MAX_CELLS if max_cells is None else max_cells
    # "cumsum" mode works on the rows themselves
    Xp = np.ascontiguousarray(X[rs.pair_row]) if rs.mode == "pairs" else X
    XXp = None
    if len(Xp) * p * p <= max_cells:
        XXp = (Xp[:, :, None] * Xp[:, None, :]).reshape(len(Xp), p * p)
    Xd = X[rs.death_rows]
    XXd = (Xd[:, :, None] * Xd[:, None, :]).reshape(len(Xd), p * p)
    j = np.arange(len(rs.death_rows)) - rs.death_ptr[rs.death_set]
    wp = w[rs.pair_row] if rs.mode == "pairs" else w
    return Workspace(Xp=Xp, wp=wp, XXp=XXp, Xd=Xd, wd=w[rs.death_rows], XXd=XXd, j=j, X=X, w=w)


def _set_max(rs: RiskSets, eta_p: np.ndarray) -> np.ndarray:
    """Shift per risk set: one global shift when the spread of ``eta`` over the pairs is
    < 500 (no exp can overflow or underflow to zero, and every risk-set sum adds positive
    terms only), the maximum of each set otherwise (log-sum-exp)."""
    if not rs.n_sets:
        return np.zeros(0)
    hi = float(eta_p.max())
    if hi - float(eta_p.min()) < 500.0:
        return np.full(rs.n_sets, hi)
    return np.maximum.reduceat(eta_p, rs.set_ptr)


def evaluate(rs: RiskSets, X: np.ndarray, w: np.ndarray, beta: np.ndarray, *,
             efron: bool, want_info: bool = True, keep: bool = False,
             ws: Workspace | None = None) -> Evaluation:
    """Breslow / Efron log partial likelihood, score and information."""
    if ws is None:
        ws = workspace(rs, X, w)
    p = X.shape[1]
    K = rs.n_sets
    cums = rs.mode == "cumsum"
    eta_p = _mv(ws.Xp, beta)
    if cums:
        m, mrow = _stratum_max(rs, eta_p)
        z = eta_p - mrow
    else:
        m = _set_max(rs, eta_p)
        z = eta_p - (m[0] if K else 0.0) if (np.all(m == m[0]) if K else True) else eta_p - m[rs.pair_set]
    ez = np.exp(z)
    r = ws.wp * ez
    if cums:
        S0 = _interval_sums(rs, r)
        S1 = _interval_sums(rs, r[:, None] * ws.Xp)
        gross = np.cumsum(np.bincount(rs.lo, weights=r, minlength=K + 1))[:K]
        precision = float(np.max(gross / S0)) if K else 1.0
    else:
        S0 = _reduce(r, rs.set_ptr)
        S1 = _reduce(r[:, None] * ws.Xp, rs.set_ptr)
        precision = 1.0
    eta_d = _mv(ws.Xd, beta)
    rd = ws.wd * np.exp(eta_d - m[rs.death_set])
    nd = rs.n_death
    meanwt = rs.dw / nd
    step_set = rs.death_set                       # one Efron sub-step per death
    if efron:
        D0 = _reduce(rd, rs.death_ptr)
        D1 = _reduce(rd[:, None] * ws.Xd, rs.death_ptr)
        f = ws.j / nd[step_set]
        den = S0[step_set] - f * D0[step_set]
        a = (S1[step_set] - f[:, None] * D1[step_set]) / den[:, None]
    else:
        f = np.zeros(len(step_set))
        den = S0[step_set]
        a = S1[step_set] / den[:, None]
    mw = meanwt[step_set]
    loglik = float(np.einsum("i,i->", ws.wd, eta_d) - np.sum(mw * (np.log(den) + m[step_set])))
    score = _vm(ws.wd, ws.Xd) - _vm(mw, a)
    info = np.zeros((p, p))
    if want_info:
        if ws.XXp is not None:
            rXX = r[:, None] * ws.XXp
            S2 = _interval_sums(rs, rXX) if cums else _reduce(rXX, rs.set_ptr)
        else:  # many covariates: one column block at a time (memory O(P p), not O(P p^2))
            S2 = np.empty((K, p * p))
            for c in range(p):
                blk = (r * ws.Xp[:, c])[:, None] * ws.Xp
                S2[:, c * p:(c + 1) * p] = _interval_sums(rs, blk) if cums else _reduce(blk, rs.set_ptr)
        M2 = S2[step_set]
        if efron:
            D2 = _reduce(rd[:, None] * ws.XXd, rs.death_ptr)
            M2 = M2 - f[:, None] * D2[step_set]
        info = _vm(mw / den, M2).reshape(p, p) - np.einsum("s,si,sj->ij", mw, a, a)
    parts = None
    if keep:
        parts = dict(m=m, ez=ez, den=den, a=a, mw=mw, f=f, step_set=step_set, eta_d=eta_d,
                     M2=M2 if want_info else None)
    return Evaluation(loglik=loglik, score=score, info=info, parts=parts, precision=precision)


def _interval_sums(rs: RiskSets, v: np.ndarray) -> np.ndarray:
    """Sum of ``v`` over the rows at risk in each set, without expanding pairs: add at the
    row's first set, remove after its last, cumulate over the sets."""
    K = rs.n_sets
    if v.ndim == 1:
        return np.cumsum(np.bincount(rs.lo, weights=v, minlength=K + 1)
                         - np.bincount(rs.hi, weights=v, minlength=K + 1))[:K]
    out = np.empty((K, v.shape[1]))
    for c in range(v.shape[1]):
        out[:, c] = _interval_sums(rs, v[:, c])
    return out


def _stratum_max(rs: RiskSets, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shift per stratum ("cumsum" mode): a global one when the spread is < 500, the
    stratum maximum otherwise. Returns (per-set shift, per-row shift)."""
    if not len(eta):
        return np.zeros(rs.n_sets), np.zeros(0)
    hi = float(eta.max())
    if hi - float(eta.min()) < 500.0:
        return np.full(rs.n_sets, hi), np.full(len(eta), hi)
    G = int(rs.row_stratum.max()) + 1
    ms = np.full(G, -np.inf)
    np.maximum.at(ms, rs.row_stratum, eta)
    return ms[rs.set_stratum], ms[rs.row_stratum]


def score_residuals(rs: RiskSets, X: np.ndarray, ev: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted score residuals (n x p) and martingale residuals (n) as R's survival.

    For row ``i`` and Efron sub-step ``j`` of risk set ``k`` (hazard increment
    ``h_kj = meanwt_k / den_kj``, sub-step mean ``a_kj``), with ``c = 1 - j/d`` for the
    tied deaths of the set and 1 for the others::

        L_i = e_i (x_i - mean_j a_kj) - sum_k sum_j c exp(eta_i) h_kj (x_i - a_kj)
        M_i = e_i - sum_k sum_j c exp(eta_i) h_kj
    """
    P = ev.parts
    assert P is not None
    K = rs.n_sets
    ss, den, a, mw, f = P["step_set"], P["den"], P["a"], P["mw"], P["f"]
    h = mw / den
    H = np.bincount(ss, weights=h, minlength=K)
    HA = np.stack([np.bincount(ss, weights=h * a[:, c], minlength=K) for c in range(a.shape[1])], 1) \
        if a.shape[1] else np.zeros((K, 0))
    Hd = np.bincount(ss, weights=h * (1 - f), minlength=K)
    HAd = np.stack([np.bincount(ss, weights=h * (1 - f) * a[:, c], minlength=K)
                    for c in range(a.shape[1])], 1) if a.shape[1] else np.zeros((K, 0))
    Abar = np.stack([np.bincount(ss, weights=a[:, c], minlength=K) for c in range(a.shape[1])], 1) \
        / rs.n_death[:, None]
    p = X.shape[1]
    if rs.mode == "cumsum":
        ez = P["ez"]                               # exp(eta_i - shift of row i's stratum)
        lo, hi = rs.lo, rs.hi
        CH = np.concatenate([[0.0], np.cumsum(H)])
        c0 = ez * (CH[hi] - CH[lo])
        c1 = np.empty((rs.n, p))
        for c in range(p):
            CA = np.concatenate([[0.0], np.cumsum(HA[:, c])])
            c1[:, c] = ez * (CA[hi] - CA[lo])
        dr = rs.death_rows
        k = rs.death_set
        c0[dr] += ez[dr] * (Hd[k] - H[k])
        c1[dr] += ez[dr][:, None] * (HAd[k] - HA[k])
    else:
        c0, c1 = _pair_hazard_sums(rs, P["ez"], H, HA, Hd, HAd)
    L = -(X * c0[:, None] - c1)
    dr = rs.death_rows
    L[dr] += X[dr] - Abar[rs.death_set]
    mart = -c0
    mart[dr] += 1.0
    return L, mart


def _pair_hazard_sums(rs: RiskSets, ez: np.ndarray, H: np.ndarray, HA: np.ndarray, Hd: np.ndarray,
                      HAd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ps, pr, pdth = rs.pair_set, rs.pair_row, rs.pair_death
    hsel = np.where(pdth, Hd[ps], H[ps]) * ez
    c0 = np.bincount(pr, weights=hsel, minlength=rs.n)
    p = HA.shape[1]
    c1 = np.empty((rs.n, p))
    for c in range(p):
        hac = np.where(pdth, HAd[ps, c], HA[ps, c]) * ez
        c1[:, c] = np.bincount(pr, weights=hac, minlength=rs.n)
    return c0, c1


# ---------------------------------------------------------------------------
# exact ties (discrete conditional logit)
@dataclass
class ExactLayout:
    """Dense padding of the risk sets with two or more deaths."""

    sets: np.ndarray          # ids of sets with d >= 2
    idx: np.ndarray           # (K2, nmax) row index (0 where padded)
    mask: np.ndarray          # (K2, nmax) True where a real member
    d: np.ndarray             # deaths per set
    death: np.ndarray         # (K2, nmax) True where the member dies in the set


def exact_layout(rs: RiskSets, max_cells: int = 50_000_000) -> ExactLayout:
    assert rs.mode == "pairs"
    sets = np.flatnonzero(rs.n_death >= 2)
    sizes = rs.set_size[sets]
    nmax = int(sizes.max()) if len(sets) else 0
    if len(sets) * nmax > max_cells:
        from ..core.errors import SpecificationError
        raise SpecificationError(
            f"ties='exact' needs a dense table of {len(sets)} tied risk sets x {nmax} members, "
            "too large; use ties='efron' (the usual approximation)")
    pos = np.arange(nmax)[None, :]
    mask = pos < sizes[:, None]
    idx = np.zeros((len(sets), nmax), dtype=np.int64)
    starts = rs.set_ptr[sets]
    flat = (starts[:, None] + pos)[mask]
    idx[mask] = rs.pair_row[flat]
    death = np.zeros((len(sets), nmax), dtype=bool)
    death[mask] = rs.pair_death[flat]
    return ExactLayout(sets=sets, idx=idx, mask=mask, d=rs.n_death[sets], death=death)


def evaluate_exact(rs: RiskSets, lay: ExactLayout, X: np.ndarray, beta: np.ndarray,
                   want_info: bool = True) -> Evaluation:
    """Exact (conditional logit) log likelihood, score and information.

    Sets with a single death use the ordinary Cox term; the others the recursion
    ``B(j, m) = B(j, m-1) + r_m B(j-1, m-1)`` for ``e_j`` of the first ``m`` risk
    scores, with first and second derivatives carried along (Gail et al. 1981).
    """
    p = X.shape[1]
    single = rs.n_death == 1
    eta = _mv(X, beta)
    # single-death sets: breslow form restricted to those sets
    eta_p = eta[rs.pair_row]
    m = _set_max(rs, eta_p)
    z = eta_p - m[rs.pair_set]
    r = np.exp(z)
    Xp = X[rs.pair_row]
    S0 = _reduce(r, rs.set_ptr)
    S1 = _reduce(r[:, None] * Xp, rs.set_ptr)
    dr = rs.death_rows
    loglik = float(eta[dr].sum())
    score = X[dr].sum(0)
    sg = single
    a1 = S1[sg] / S0[sg][:, None]
    loglik -= float(np.sum(np.log(S0[sg]) + m[sg]))
    score = score - a1.sum(0)
    info = np.zeros((p, p))
    if want_info:
        S2 = _reduce((r[:, None] * Xp)[:, :, None] * Xp[:, None, :], rs.set_ptr)
        info += (S2[sg] / S0[sg][:, None, None]).sum(0) - np.einsum("si,sj->ij", a1, a1)
    if len(lay.sets):
        K2, nmax = lay.idx.shape
        dmax = int(lay.d.max())
        mk = m[lay.sets]
        rr = np.where(lay.mask, np.exp(eta[lay.idx] - mk[:, None]), 0.0)
        # layout (j, ..., set): every update touches contiguous blocks
        rrt = np.ascontiguousarray(rr.T)              # (nmax, K2)
        XXt = np.ascontiguousarray(np.moveaxis(X[lay.idx], 0, -1))   # (nmax, p, K2)
        B = np.zeros((dmax + 1, K2))
        B[0] = 1.0
        dB = np.zeros((dmax + 1, p, K2))
        d2B = np.zeros((dmax + 1, p, p, K2)) if want_info else None
        for c in range(nmax):
            rc = rrt[c]
            xc = XXt[c]                               # (p, K2)
            top = min(c + 1, dmax)                    # e_j for j <= c + 1 only can change
            Bp, dBp = B[:top], dB[:top]
            if want_info:
                assert d2B is not None
                t = (xc[:, None, :] * xc[None, :, :])[None] * Bp[:, None, None, :]
                t += xc[None, :, None, :] * dBp[:, None, :, :]
                t += dBp[:, :, None, :] * xc[None, None, :, :]
                t += d2B[:top]
                d2B[1:top + 1] += rc * t
            dB[1:top + 1] += rc * (xc[None] * Bp[:, None, :] + dBp)
            B[1:top + 1] += rc * Bp
        ar = np.arange(K2)
        Bd = B[lay.d, ar]
        g = dB[lay.d, :, ar] / Bd[:, None]
        loglik -= float(np.sum(np.log(Bd) + lay.d * mk))
        score = score - g.sum(0)
        if want_info:
            assert d2B is not None
            info += (d2B[lay.d, :, :, ar] / Bd[:, None, None]).sum(0) - np.einsum("si,sj->ij", g, g)
    return Evaluation(loglik=loglik, score=score, info=info)


def exact_score_residuals(rs: RiskSets, lay: ExactLayout, X: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Score residuals of the exact (conditional logit) likelihood, one row per data row.

    Derivation. In risk set ``k`` with ``d`` deaths the log likelihood is
    ``l_k = sum_{i in D_k} eta_i - log e_d(r)``, ``r_i = exp(eta_i)``, so
    ``dl_k / d eta_i = delta_ik - pi_ik`` with ``pi_ik = r_i e_{d-1}(r without i) / e_d(r)``
    the conditional probability that ``i`` is among the ``d`` deaths (``sum_i pi_ik = d``).
    Hence the score is ``U = sum_k sum_i (delta_ik - pi_ik) x_i
    = sum_k sum_i (delta_ik - pi_ik)(x_i - xbar_k)`` with ``xbar_k = sum_i pi_ik x_i / d``,
    and row ``i``'s residual is ``L_i = sum_k (delta_ik - pi_ik)(x_i - xbar_k)``. Each term
    has conditional mean zero (``E delta_ik = pi_ik``), and with one death per set it is
    exactly the Breslow (Lin-Wei) score residual, so the sandwich
    ``I^-1 (sum_g L_g L_g') I^-1`` generalises R's robust variance to exact ties.
    ``e_{d-1}(r without i)`` comes from prefix and suffix elementary symmetric polynomials:
    ``sum_j E_prefix(i-1, j) E_suffix(i+1, d-1-j)``.
    """
    n, p = X.shape
    eta = _mv(X, beta)
    eta_p = eta[rs.pair_row]
    m = _set_max(rs, eta_p)
    r = np.exp(eta_p - m[rs.pair_set])
    Xp = X[rs.pair_row]
    S0 = _reduce(r, rs.set_ptr)
    S1 = _reduce(r[:, None] * Xp, rs.set_ptr)
    L = np.zeros((n, p))
    # single-death sets: pi = r / S0, xbar = S1 / S0
    single = (rs.n_death == 1)[rs.pair_set]
    pi = r / S0[rs.pair_set]
    xbar = S1 / S0[:, None]
    contrib = (rs.pair_death.astype(float) - pi)[:, None] * (Xp - xbar[rs.pair_set])
    contrib[~single] = 0.0
    for c in range(p):
        L[:, c] = np.bincount(rs.pair_row, weights=contrib[:, c], minlength=n)
    if len(lay.sets):
        K2, nmax = lay.idx.shape
        dmax = int(lay.d.max())
        PI = np.empty((K2, nmax))
        step = max(1, 20_000_000 // (nmax * (dmax + 1) + 1))     # sets per chunk (memory)
        for a0 in range(0, K2, step):
            sl = slice(a0, min(K2, a0 + step))
            rr = np.where(lay.mask[sl], np.exp(eta[lay.idx[sl]] - m[lay.sets[sl]][:, None]), 0.0)
            PI[sl] = _inclusion_probabilities(rr, lay.d[sl])
        d = lay.d
        XX = X[lay.idx]                               # (K2, nmax, p)
        xb = np.einsum("kc,kcj->kj", PI, XX) / d[:, None]
        res = (lay.death.astype(float) - PI)[:, :, None] * (XX - xb[:, None, :])
        res[~lay.mask] = 0.0
        flat_idx = lay.idx[lay.mask]
        flat_res = res[lay.mask]
        for c in range(p):
            L[:, c] += np.bincount(flat_idx, weights=flat_res[:, c], minlength=n)
    return L


def _inclusion_probabilities(rr: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``pi_c = r_c e_{d-1}(r without c) / e_d(r)`` for padded sets ``rr`` (K, nmax)."""
    K, nmax = rr.shape
    dmax = int(d.max())
    rrt = np.ascontiguousarray(rr.T)                  # (nmax, K)
    pre = np.zeros((nmax + 1, dmax + 1, K))           # pre[c] = e_j of members < c
    pre[0, 0] = 1.0
    for c in range(nmax):
        pre[c + 1] = pre[c]
        pre[c + 1, 1:] += rrt[c] * pre[c, :-1]
    suf = np.zeros((nmax + 1, dmax + 1, K))           # suf[c] = e_j of members >= c
    suf[nmax, 0] = 1.0
    for c in range(nmax - 1, -1, -1):
        suf[c] = suf[c + 1]
        suf[c, 1:] += rrt[c] * suf[c + 1, :-1]
    ar = np.arange(K)
    ed = pre[nmax, d, ar]
    other = d[None, :] - 1 - np.arange(dmax + 1)[:, None]     # (dmax+1, K): d-1-j
    valid = other >= 0
    right = suf[1:, np.where(valid, other, 0), ar[None, :]]    # (nmax, dmax+1, K)
    tot = np.where(valid[None], pre[:nmax] * right, 0.0).sum(axis=1)   # e_{d-1}(r without c)
    return (rrt * tot / ed).T


# ---------------------------------------------------------------------------
# Newton-Raphson (shared by CoxHazard and DaskCoxHazard)
def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return linalg.solve(A, b, assume_a="pos")
    except (linalg.LinAlgError, ValueError):
        return np.linalg.pinv(A) @ b


def _inv(A: np.ndarray) -> np.ndarray:
    try:
        return linalg.inv(A)
    except (linalg.LinAlgError, ValueError):
        return np.linalg.pinv(A)


def newton(ev: Callable[[np.ndarray], Evaluation], p: int, max_iter: int, tol: float) -> tuple:
    """Newton-Raphson with step halving from ``beta = 0``.

    ``ev(beta)`` returns the :class:`Evaluation` (log partial likelihood, score,
    information) at ``beta``: over the rows in memory, or summed over Dask partitions.
    Returns ``(beta, e, e0, converged, iterations, halvings, last_change)`` with ``e`` the
    evaluation at ``beta`` and ``e0`` the one at zero.
    """
    beta = np.zeros(p)
    e0 = ev(beta)
    e = e0
    converged, it, halvings, change, plateau = False, 0, 0, 0.0, 0
    for it in range(1, max_iter + 1):  # noqa: B007 (returned)
        step = _solve(e.info, e.score)
        new = beta + step
        en = ev(new)
        h = 0
        while (not np.isfinite(en.loglik) or en.loglik < e.loglik - 1e-10 * (1 + abs(e.loglik))) and h < 40:
            step = step / 2
            new = beta + step
            en = ev(new)
            h += 1
        halvings += h
        change = en.loglik - e.loglik
        beta, e = new, en
        if abs(change) <= tol * (1 + abs(e.loglik)):
            # the Newton step is settled relative to |beta| + SE (scale-free: a covariate in dollars has a
            # tiny coefficient and SE); Newton converges quadratically, so the estimate is then ~1e-12 off
            se = np.sqrt(np.clip(np.diag(_inv(e.info)), 0, None)) if p else np.zeros(0)
            # (SE capped at 1: under separation the SE explodes and must not make any step look small)
            if np.all(np.abs(step) <= 1e-6 * (np.abs(beta) + np.minimum(np.nan_to_num(se, nan=1.0), 1.0))):
                converged = True
                break
            plateau += 1
            if plateau >= 5:
                # log-likelihood flat while a coefficient keeps moving: monotone likelihood
                break
    return beta, e, e0, converged, it, halvings, change


def identified_columns(info0: np.ndarray, scale: np.ndarray, names: list[str]
                       ) -> tuple[np.ndarray, dict[str, str]]:
    """Columns identified by the partial likelihood, from the information at ``beta = 0``
    of the centred design: a column whose diagonal entry is below ``1e-10 * scale``
    (``scale`` = weighted deaths x column variance) is constant within every risk set;
    of the rest, a pivoted QR of the correlation form drops collinear ones."""
    p = len(names)
    keep = np.diag(info0) > 1e-10 * scale
    dropped = {names[j]: "constant within every risk set" for j in range(p) if not keep[j]}
    idx = np.flatnonzero(keep)
    if len(idx) > 1:
        sub = info0[np.ix_(idx, idx)]
        d = 1 / np.sqrt(np.diag(sub))
        C = sub * d[:, None] * d[None, :]
        _, R, piv = linalg.qr(C, pivoting=True)
        rank = int(np.sum(np.abs(np.diag(R)) > 1e-9 * abs(R[0, 0])))
        for j in piv[rank:]:
            keep[idx[j]] = False
            dropped[names[idx[j]]] = "collinear with other covariates within risk sets"
    return keep, dropped
