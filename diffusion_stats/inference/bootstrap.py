"""Score (Kline-Santos) wild cluster bootstrap for Cox, binary and S-2SLS models: :func:`wild_bootstrap`.

For a coefficient ``b_k`` and a null value ``b0`` the model is refitted with ``b_k = b0``
(``impose_null=True``). At that restricted fit, with ``S_i`` the score contribution of row
``i`` and ``A`` the information (S-2SLS: ``S_i = x^_i (y_i - x_i b)``, ``A = X^'X^``, with
``x^`` the first-stage fitted regressors: the wild restricted bootstrap in score form),
the efficient score of ``b_k`` is

    s_i = S_ik - A_kr A_rr^{-1} S_ir        (r: the other coefficients)

(it is unaffected, to first order, by estimating the others). With ``s_g`` its cluster
sums, the score statistic and its bootstrap draws are

    T = sum_g s_g / sqrt(sum_g s_g^2),    T*_b = sum_g v_bg s_g / sqrt(sum_g v_bg^2 s_g^2)

with independent cluster weights ``v_bg`` (Rademacher +-1 or Webb's six points). The
p-value is the share of draws with ``|T*_b| >= |T|`` (symmetric, two-sided). With two
cluster columns the variance in ``T`` and ``T*`` is the two-way (Cameron-Gelbach-Miller)
one and the weights are drawn by the dimension with fewer clusters. With Rademacher
weights and ``2^G <= reps`` (and G <= 12) every one of the 2^G sign vectors is used once
(full enumeration: the p-value is exact and needs no seed). ``impose_null=False`` uses
the unrestricted estimate and the Wald form: ``T`` the CR0 t statistic and ``T*_b`` from
the bootstrap of the cluster sums of the influence functions ``(M S_g)_k``.

Confidence sets invert the test: the set of ``b0`` whose p-value exceeds ``alpha``,
with the same draws for every ``b0`` (its ends found by bisection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from ..core.errors import DataValidationError, InputError, SpecificationError, did_you_mean
from ..core.options import renamed
from ..core.progress import progress
from .covariance import group_codes

__all__ = ["wild_bootstrap", "BootstrapResult"]

WEIGHTS = ("rademacher", "webb")
_ENUM_MAX_G = 12
_BLOCK = 2048  # draws per block (memory: block x cells)
_TIE = 1e-9    # |T*| >= |T| (1 - _TIE): draws equal to T up to rounding count as ties


@dataclass
class BootstrapResult:
    """Result of :func:`wild_bootstrap`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per tested term: ``coef``, ``null`` (b0), ``statistic`` (T), ``pvalue``
        and the confidence-set bounds ``lower``/``upper`` (NaN when not computed).
    reps : int
        Draws used (2^G with full enumeration).
    enumerated : bool
        Every Rademacher sign vector used once (exact p-values).
    n_clusters : tuple of int
        Clusters per dimension; the weights are drawn by ``boot_cluster``.
    """

    table: pd.DataFrame
    reps: int
    enumerated: bool
    weights: str
    impose_null: bool
    cluster: tuple[str, ...]
    n_clusters: tuple[int, ...]
    boot_cluster: str
    alpha: float
    draws: dict = field(default_factory=dict, repr=False)

    @property
    def pvalues(self) -> pd.Series:
        return self.table["pvalue"].copy()

    def summary(self):
        """Summary (text, HTML, LaTeX, Markdown) of the tests and confidence sets."""
        from ..output.summary import Summary
        how = "full enumeration of the sign vectors" if self.enumerated else f"{self.reps:,} draws"
        header = [("Weights", f"{self.weights}, {how}"),
                  ("Null", "imposed (score bootstrap)" if self.impose_null else "not imposed (Wald form)"),
                  ("Clusters", " & ".join(f"{c} ({g})" for c, g in zip(self.cluster, self.n_clusters, strict=True))),
                  ("Weights drawn by", self.boot_cluster),
                  ("Confidence set", f"{1 - self.alpha:.0%}, by test inversion")]
        return Summary(title="Wild cluster bootstrap (Kline-Santos score)", header=header,
                       tables=[("", self.table)])

    def __repr__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


# --------------------------------------------------------------------------- model adapters
class _Adapter:
    """Restricted refits and row scores of one fitted model."""

    names: list[str]
    beta: np.ndarray
    cov: np.ndarray

    def restricted(self, k: int, b0: float) -> tuple[np.ndarray, np.ndarray]:
        """(row scores S (n, p), information A) at the fit with b_k = b0."""
        raise NotImplementedError

    def restricted_at(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row scores, information) at ``beta``."""
        raise NotImplementedError

    def cluster_values(self, col: str) -> np.ndarray:
        raise NotImplementedError

    def columns(self) -> Any:
        """The columns of the model's data."""
        raise NotImplementedError


class _BinaryAdapter(_Adapter):
    def __init__(self, res) -> None:
        state = getattr(res, "state", None)
        if state is None or state.data is None:
            raise InputError("wild_bootstrap needs the results of EventLogit/DyadicLogit.fit() from this session")
        d = state.data
        self.d = d
        self.y = d.y
        self.X: Any = d.X if sparse.issparse(d.X) else np.asarray(d.X)  # sparse duration dummies stay sparse
        self.w = d.weights
        self.link = state.link
        self.names = list(state.names)
        self.beta = res.params.to_numpy()
        if d.case_control == "prior":
            raise SpecificationError("wild_bootstrap: case_control='prior' changes the intercept after the fit; "
                                     "bootstrap the uncorrected model")
        self.beta_fit = state.fit.params

    def _at(self, fit):
        from ..binary.numerics import glm_scores, gram, irls_weights
        S = glm_scores(self.y, self.X, fit, self.w)
        _, wt = irls_weights(fit.eta, fit.mu, fit.link, self.w)
        A, _ = gram(self.X, wt, None)
        return S, A

    def restricted(self, k: int, b0: float):
        from ..binary.numerics import fit_binary_glm
        free = [j for j in range(self.X.shape[1]) if j != k]
        xk = self.X[:, [k]]
        off = (xk.toarray() if sparse.issparse(xk) else xk).ravel() * b0
        f = fit_binary_glm(self.y, self.X[:, free], link=self.link, weights=self.w, offset=off,
                           names=[self.names[j] for j in free], tol=1e-12, start=self.beta_fit[free], _check=False)
        return self._at(f)

    def restricted_at(self, beta):
        from ..binary.numerics import GLMFit, linkinv
        eta = self.X @ beta
        mu = linkinv(eta, self.link)
        f = GLMFit(params=beta, cov_unscaled=np.eye(len(beta)), eta=eta, mu=mu, loglik=0.0, deviance=0.0,
                   null_deviance=0.0, iterations=0, converged=True, link=self.link)
        return self._at(f)

    def cluster_values(self, col: str) -> np.ndarray:
        return self.d.data[col].to_numpy()[self.d.rows]

    def columns(self):
        return self.d.data.columns


class _CoxAdapter(_Adapter):
    def __init__(self, res) -> None:
        from ..survival import numerics as cn
        self.cn = cn
        self.res = res
        if res.state.data is None or res.state.risk_sets is None:
            raise InputError("wild_bootstrap needs the results of an in-memory CoxHazard.fit()")
        self.P, self.rs = res.state.in_memory("wild_bootstrap")
        self.names = list(res.params.index)
        self.beta = res.params.to_numpy()
        self.exact = res.ties == "exact"
        self.lay = cn.exact_layout(self.rs) if self.exact else None
        self.ws = None if self.exact else cn.workspace(self.rs, self.P.X, self.P.w)

    def _eval(self, b, keep=False):
        cn = self.cn
        if self.exact:
            return cn.evaluate_exact(self.rs, self.lay, self.P.X, b)
        return cn.evaluate(self.rs, self.P.X, self.P.w, b, efron=self.res.ties == "efron", keep=keep, ws=self.ws)

    def restricted_at(self, b):
        cn = self.cn
        e = self._eval(b, keep=True)
        if self.exact:
            L = cn.exact_score_residuals(self.rs, self.lay, self.P.X, b)
        else:
            L, _ = cn.score_residuals(self.rs, self.P.X, e)
        return self.P.w[:, None] * L, e.info

    def restricted(self, k: int, b0: float):
        b = self.beta.copy()
        b[k] = b0
        free = np.array([j for j in range(len(b)) if j != k], dtype=int)
        if len(free):
            e = self._eval(b)
            for _ in range(60):  # Newton on the free coefficients, with step halving
                step = np.linalg.solve(e.info[np.ix_(free, free)], e.score[free])
                t = 1.0
                while True:
                    nb = b.copy()
                    nb[free] += t * step
                    ne = self._eval(nb)
                    if ne.loglik >= e.loglik - 1e-12 * abs(e.loglik) or t < 1e-8:
                        break
                    t /= 2
                done = abs(ne.loglik - e.loglik) <= 1e-13 * (abs(ne.loglik) + 0.1)
                b, e = nb, ne
                if done and np.max(np.abs(step)) < 1e-8:
                    break
        return self.restricted_at(b)

    def cluster_values(self, col: str) -> np.ndarray:
        return self.res.model.data[col].to_numpy()[self.P.mask]

    def columns(self):
        return self.res.model.data.columns


class _IVAdapter(_Adapter):
    """S-2SLS: estimating equations X^'(y - X b) = 0 with X^ = P_Z X, so S_i = x^_i e_i, A = X^'X^."""

    def __init__(self, res) -> None:
        m = res.model
        if m.method != "s2sls":
            raise InputError("wild_bootstrap takes SpatialLag results with method='s2sls' (ML is not supported)")
        st = res.state
        self.st = st
        self.y = st.yt
        self.X = np.column_stack([st.Wyt, st.Xt])
        Z = np.column_stack([st.Xt, st.instruments])
        coef, *_ = np.linalg.lstsq(Z, self.X, rcond=None)
        self.Xh = Z @ coef
        self.names = list(res.params.index)
        self.beta = res.params.to_numpy()

    def restricted_at(self, beta):
        e = self.y - self.X @ beta
        return self.Xh * e[:, None], self.Xh.T @ self.Xh

    def restricted(self, k: int, b0: float):
        r = [j for j in range(self.X.shape[1]) if j != k]
        b = np.zeros(self.X.shape[1])
        b[k] = b0
        if r:
            Xh_r = self.Xh[:, r]
            b[r] = np.linalg.solve(Xh_r.T @ self.X[:, r], Xh_r.T @ (self.y - b0 * self.X[:, k]))
        return self.restricted_at(b)

    def cluster_values(self, col: str) -> np.ndarray:
        return self.st.data.loc[self.st.index, col].to_numpy()

    def columns(self):
        return self.st.data.columns


def _adapter(results) -> _Adapter:
    from ..binary.event_logit import BinaryResults
    from ..spatial.lag import SpatialLagResults
    from ..survival.cox import CoxResults
    if isinstance(results, CoxResults):
        return _CoxAdapter(results)
    if isinstance(results, BinaryResults):
        return _BinaryAdapter(results)
    if isinstance(results, SpatialLagResults):
        return _IVAdapter(results)
    raise InputError(f"wild_bootstrap takes the results of CoxHazard, EventLogit, DyadicLogit or SpatialLag "
                     f"(method='s2sls') .fit(); got {type(results).__name__}")


# --------------------------------------------------------------------------- draws
def _draw_weights(kind: str, G: int, reps: int, rng: np.random.Generator | None) -> tuple[np.ndarray, bool]:
    """(reps x G) weights, and whether they enumerate all sign vectors."""
    if kind == "rademacher" and G <= _ENUM_MAX_G and 2 ** G <= reps + 1:
        codes = np.arange(2 ** G, dtype=np.int64)
        bits = (codes[:, None] >> np.arange(G)[None, :]) & 1
        return 1.0 - 2.0 * bits, True
    if rng is None:
        rng = np.random.default_rng()
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(reps, G)), False
    pts = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
    return rng.choice(pts, size=(reps, G)), False


class _Layout:
    """Cells (intersections of the cluster dimensions) and their map to each dimension."""

    def __init__(self, codes: list[np.ndarray], sizes: list[int], boot: int) -> None:
        if len(codes) == 1:
            self.cell, self.n_cells = codes[0], sizes[0]
            self.dims: list[np.ndarray] = [np.arange(sizes[0])]
        else:
            self.cell, self.n_cells = group_codes(codes[0] * sizes[1] + codes[1])
            first = np.zeros(self.n_cells, dtype=np.int64)
            first[self.cell[::-1]] = np.arange(len(self.cell))[::-1]
            self.dims = [codes[0][first], codes[1][first]]
        self.sizes = sizes
        self.boot = boot
        self.ind = [sparse.csr_matrix((np.ones(self.n_cells), (np.arange(self.n_cells), d)),
                                      shape=(self.n_cells, g)) for d, g in zip(self.dims, sizes, strict=True)]

    def variance(self, sc: np.ndarray) -> np.ndarray:
        """Cluster-robust (CR0; two-way: CGM) variance of the sum of cell scores: (b, cells) -> (b,)."""
        two = np.atleast_2d(sc)
        v = np.square(two).sum(axis=1)
        if len(self.ind) == 2:
            g1 = np.asarray((self.ind[0].T @ two.T).T)
            g2 = np.asarray((self.ind[1].T @ two.T).T)
            v = np.square(g1).sum(axis=1) + np.square(g2).sum(axis=1) - v
        return v


def _stats(s_cell: np.ndarray, lay: _Layout, V: np.ndarray, bar: bool | None = False) -> np.ndarray:
    """Bootstrap statistics for one efficient-score vector over cells and weights V (reps x G_boot)."""
    out = np.empty(len(V))
    cmap = lay.dims[lay.boot]
    starts = range(0, len(V), _BLOCK)
    for a in progress(starts, desc="bootstrap draws", total=len(starts), enabled=bar if len(starts) > 1 else False):
        Vb = V[a:a + _BLOCK][:, cmap]                # (b, cells)
        sc = Vb * s_cell[None, :]
        num = sc.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[a:a + _BLOCK] = num / np.sqrt(lay.variance(sc))
    return out


# --------------------------------------------------------------------------- public
@renamed(progress_bar="progress")
def wild_bootstrap(results, terms: str | list[str], *, cluster: str | list[str] | None = None,
                   weights: Literal["rademacher", "webb"] = "rademacher", reps: int = 9999,
                   impose_null: bool = True, seed: int | None = None, null: float = 0.0,
                   alpha: float = 0.05, conf_int: bool = True, progress: bool | None = None
                   ) -> BootstrapResult:
    """Score (Kline-Santos) wild cluster bootstrap test and confidence set for coefficients.

    Parameters
    ----------
    results : CoxResults or BinaryResults
        A fitted :class:`~diffusion_stats.CoxHazard` (any ties), :class:`~diffusion_stats.EventLogit`
        or :class:`~diffusion_stats.DyadicLogit`.
    terms : str or list of str
        Coefficient(s) to test, each on its own (``b_k = null``).
    cluster : str or list of two str, optional
        Cluster column(s); default: the clusters of ``results``. With two, the variance
        is two-way and the weights are drawn by the dimension with fewer clusters.
    weights : {"rademacher", "webb"}
        Cluster weights: +-1 (enumerated in full when ``2^G <= reps`` and G <= 12), or
        Webb's six points (better with fewer than ~10 clusters).
    reps : int
        Number of draws.
    impose_null : bool
        Score bootstrap at the restricted fit (recommended) or the unrestricted Wald form.
    seed : int, optional
        Seed of the draws (unused with full enumeration).
    null : float
        Null value of the coefficient.
    alpha : float
        1 - confidence level of the confidence set.
    conf_int : bool
        Compute the confidence set by test inversion (one restricted refit per bisection
        step, ~40 refits per term).
    progress : bool, optional
        Show a progress bar over the blocks of draws (default: the package setting).

    Returns
    -------
    BootstrapResult

    Examples
    --------
    >>> import numpy as np, pandas as pd, diffusion_stats as ds
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"g": np.repeat(np.arange(8), 40), "x": rng.normal(size=320)})
    >>> df["event"] = (rng.random(320) < 1 / (1 + np.exp(2 - 0.5 * df["x"]))).astype(int)
    >>> res = ds.EventLogit("event ~ x", df).fit(cluster="g")
    >>> bt = ds.wild_bootstrap(res, "x", conf_int=False)
    >>> bt.enumerated, bt.reps
    (True, 256)
    """
    if weights not in WEIGHTS:
        raise InputError(f"weights={weights!r} is not one of {WEIGHTS}{did_you_mean(str(weights), WEIGHTS)}")
    if not isinstance(reps, (int, np.integer)) or reps < 99:
        raise InputError(f"reps={reps!r}; use an integer of at least 99 (e.g. 9999)")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha!r}")
    ad = _adapter(results)
    tlist = [terms] if isinstance(terms, str) else list(terms)
    if not tlist:
        raise InputError("terms= needs at least one coefficient name")
    for t in tlist:
        if t not in ad.names:
            raise InputError(f"term {t!r} is not a coefficient of the model{did_you_mean(str(t), ad.names)}; "
                             f"coefficients are {ad.names}")
    if cluster is None:
        cols = tuple(results.cluster)
        if not cols:
            raise SpecificationError("wild_bootstrap needs clusters: pass cluster='<column>' or fit with cluster=")
    else:
        cols = (cluster,) if isinstance(cluster, str) else tuple(cluster)
    if not 1 <= len(cols) <= 2:
        raise SpecificationError(f"cluster= takes one or two columns, got {cols}")
    codes, sizes = [], []
    for c in cols:
        if c not in ad.columns():
            raise InputError(f"cluster column {c!r} not found in the model's data{did_you_mean(c, ad.columns())}")
        v = ad.cluster_values(c)
        if pd.isna(v).any():
            raise DataValidationError(f"cluster column '{c}' has {int(pd.isna(v).sum())} missing values in the rows "
                                      "used; fill or drop them")
        g, G = group_codes(v)
        if G < 2:
            raise SpecificationError(f"cluster column '{c}' has a single cluster; the bootstrap needs at least 2")
        codes.append(g)
        sizes.append(G)
    boot = int(np.argmin(sizes))
    lay = _Layout(codes, sizes, boot)
    rng = None if seed is None else np.random.default_rng(seed)
    V, enumerated = _draw_weights(weights, sizes[boot], int(reps), rng)
    cell = lay.cell
    ncell = lay.n_cells

    def cell_sums(v: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=v, minlength=ncell)

    rows, keep_draws = [], {}
    base_cov = results.cov.to_numpy()
    for t in tlist:
        k = ad.names.index(t)
        if impose_null:
            def pvalue(b0, k=k, keep=False, t=t):
                S, A = ad.restricted(k, b0)
                s = _efficient(S, A, k)
                sc = cell_sums(s)
                T = float(sc.sum() / np.sqrt(lay.variance(sc))[0])
                Ts = _stats(sc, lay, V, progress if keep else False)
                if keep:
                    keep_draws[t] = Ts
                return T, float(np.mean(np.abs(Ts) >= np.abs(T) * (1 - _TIE)))
        else:
            S, A = ad.restricted_at(ad.beta)
            infl = np.asarray(S @ np.linalg.inv(A)[:, k]).ravel()   # (M S_i)_k
            ic = cell_sums(infl)
            se = float(np.sqrt(lay.variance(ic))[0])
            Ts_u = _stats(ic, lay, V, progress)
            keep_draws[t] = Ts_u

            def pvalue(b0, k=k, keep=False, ic=ic, se=se, Ts_u=Ts_u):  # type: ignore[misc]  # another closure, same call
                T = (ad.beta[k] - b0) / se
                return T, float(np.mean(np.abs(Ts_u) >= np.abs(T) * (1 - _TIE)))
        T, p = pvalue(null, keep=True)
        lo = hi = np.nan
        if conf_int:
            lo, hi = _invert(pvalue, ad.beta[k], float(np.sqrt(max(base_cov[k, k], 0))), alpha)
        rows.append({"term": t, "coef": ad.beta[k], "null": null, "statistic": T, "pvalue": p,
                     "lower": lo, "upper": hi})
    table = pd.DataFrame(rows).set_index("term")
    return BootstrapResult(table=table, reps=len(V), enumerated=enumerated, weights=weights, impose_null=impose_null,
                           cluster=cols, n_clusters=tuple(sizes), boot_cluster=cols[boot], alpha=alpha,
                           draws=keep_draws)


def _efficient(S: Any, A: np.ndarray, k: int) -> np.ndarray:
    """Row efficient scores of coefficient k: S_k - A_kr A_rr^{-1} S_r."""
    p = A.shape[0]
    if sparse.issparse(S):
        S = S.tocsc()
    if p == 1:
        out = S[:, [0]]
    else:
        r = [j for j in range(p) if j != k]
        g = np.linalg.solve(A[np.ix_(r, r)], A[r, k])
        out = S[:, [k]] - S[:, r] @ g[:, None]
    return np.asarray(out.todense() if sparse.issparse(out) else out).ravel()


def _invert(pvalue, est: float, se: float, alpha: float) -> tuple[float, float]:
    """Ends of {b0 : p(b0) > alpha} by bracketing from the estimate and bisection."""
    if not np.isfinite(se) or se <= 0:
        se = max(abs(est), 1.0)
    ends = []
    for side in range(2):
        sign = -1.0 if side == 0 else 1.0
        inside, step = est, 2.0 * se
        out = est + sign * step
        n = 0
        while pvalue(out)[1] > alpha:
            inside, step = out, step * 2
            out = est + sign * step
            n += 1
            if n > 30:
                ends.append(sign * np.inf)
                break
        else:
            for _ in range(30):
                mid = (inside + out) / 2
                if pvalue(mid)[1] > alpha:
                    inside = mid
                else:
                    out = mid
                if abs(out - inside) <= 1e-6 * se:
                    break
            ends.append((inside + out) / 2)
    return ends[0], ends[1]
