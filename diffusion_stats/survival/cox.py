"""Counting-process Cox proportional hazards model: :class:`CoxHazard`.

Equal to R's ``survival::coxph`` (start/stop data, strata, case weights, Breslow and
Efron ties; exact ties = ``clogit(method = "exact")``), with one- and two-way
cluster-robust (Lin-Wei) variance. Numerics live in :mod:`._numerics`, diagnostics
(``cox.zph``, residuals, baseline hazard, predicted survival) in
:mod:`.cox_diagnostics`.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import (
    ConvergenceWarning,
    DataValidationError,
    DiffusionStatsWarning,
    IdentificationWarning,
    InputError,
    SeparationWarning,
    SpecificationError,
    require_columns,
    user_stacklevel,
)
from ..core.formula import Design, design_matrices
from ..core.options import CovType, Missing, Ties, check_option
from ..inference.covariance import (
    SmallSample,
    cluster_pieces,
    finite_sample_meat,
    group_codes,
    resolve_cov_type,
    resolve_small_sample,
    robust_factor,
)
from ..inference.protocol import ModelProtocol
from ..inference.results import Results
from ..output.summary import Summary, format_number
from . import _numerics as cn

if TYPE_CHECKING:
    from ._frailty import FrailtyResults

__all__ = ["CoxData", "CoxFitState", "CoxHazard", "CoxResults", "SMALL_SAMPLE_DEFAULT", "SMALL_SAMPLE_SUPPORTED"]

#: ``small_sample`` of the Cox models: unset is "none" (R's coxph), "CR1" Stata's stcox factors
SMALL_SAMPLE_DEFAULT = {"robust": "none", "cluster": "none"}
SMALL_SAMPLE_SUPPORTED = {"classical": ("none",), "robust": ("none", "CR1"),
                          "cluster": ("none", "CR1", "CR2", "CR3")}

TIES = ("efron", "breslow", "exact")


@dataclass(frozen=True)
class CoxData:
    """Validated arrays and the risk-set structure of a Cox model's rows (built once per model)."""

    X: np.ndarray            # centred design, identified columns only
    Xraw: np.ndarray         # uncentred, all columns
    means: np.ndarray        # column means used for centring (identified columns)
    names: list[str]         # identified column names
    all_names: list[str]
    dropped: dict[str, str]  # column -> reason
    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray
    w: np.ndarray
    strata: np.ndarray       # codes
    strata_labels: np.ndarray
    rows: np.ndarray         # index labels of the rows used
    mask: np.ndarray         # boolean mask over the input data
    rs: cn.RiskSets
    spec: Any = None         # formulaic ModelSpec of the covariates (None: plain column names)


@dataclass(frozen=True)
class CoxFitState:
    """What a Cox fit leaves for its results, diagnostics and post-estimation.

    ``data`` holds the rows' arrays (``None`` for a Dask fit, whose rows stay out of
    core) and ``risk_sets`` the risk-set layout the final evaluation used.
    """

    names: list[str]                 # identified covariates, in the order of the coefficients
    dropped: dict[str, str]          # covariate -> why it was not identified
    strata_labels: np.ndarray
    n_events: int
    evaluation: cn.Evaluation        # the partial likelihood at the estimate
    data: CoxData | None = None
    risk_sets: cn.RiskSets | None = None

    def in_memory(self, what: str = "this") -> tuple[CoxData, cn.RiskSets]:
        """The rows' arrays and the final risk sets; a clear error when the fit kept none."""
        if self.data is None or self.risk_sets is None:
            raise SpecificationError(f"{what} needs the rows in memory; it is not available for a Dask fit. "
                                     "Refit with ds.CoxHazard on a pandas frame (e.g. a subset of strata)")
        return self.data, self.risk_sets


class CoxHazard(ModelProtocol):
    """Cox proportional hazards model for counting-process (start, stop] data.

    Parameters
    ----------
    formula : str
        ``"event ~ x1 + x2"``: the event indicator (0/1) on the left, covariates on the
        right (formulaic syntax; no intercept is used).
    data : pandas.DataFrame
        One row per (unit, interval) at risk, e.g. the output of ``ds.event_history``.
    start, stop : str
        Interval columns; a row is at risk at event times ``t`` with
        ``start < t <= stop``. ``start=None`` means right-censored data (start 0).
    strata : str or list of str, optional
        Column(s) defining strata with their own baseline hazard (e.g. ``"policy"``).
    ties : {"efron", "breslow", "exact"}
        Handling of tied event times (R's default is Efron). "exact" is the discrete
        conditional-logit likelihood (R's ``ties = "exact"``).
    weights : str, optional
        Column of positive case weights (R's ``weights=``).
    missing : {"raise", "drop"}
        Rows with missing values raise, or are dropped with a warning.
    frailty : str, optional
        Shared gamma frailty by this column (e.g. ``"unit"``): survival's
        ``frailty(unit, distribution = "gamma")`` penalised partial likelihood with theta
        maximising its corrected likelihood; ``fit()`` then returns
        :class:`diffusion_stats.survival._frailty.FrailtyResults` (``theta``, ``frailties``).

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> df = pd.DataFrame({"start": 0, "stop": [1, 1, 2, 2, 3, 4, 4, 5],
    ...                    "event": [1, 0, 1, 1, 0, 1, 0, 1],
    ...                    "x": [1.0, 0.0, 1.0, 0.5, 0.0, 2.0, 1.0, 0.0]})
    >>> res = ds.CoxHazard("event ~ x", df).fit()
    >>> round(float(res.params["x"]), 4)
    0.5884
    """

    _role_args = ("start", "stop", "strata", "weights", "frailty")

    def __init__(self, formula: str, data: pd.DataFrame, *, start: str | None = "start",
                 stop: str = "stop", strata: str | list[str] | None = None,
                 ties: Ties = "efron", weights: str | None = None, missing: Missing = "raise",
                 frailty: str | None = None) -> None:
        if not isinstance(data, pd.DataFrame):
            raise InputError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        check_option("missing", missing, Missing)
        if ties not in TIES:
            raise SpecificationError(f"ties={ties!r} is not one of {TIES}; R's default is 'efron'")
        strata_cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
        for role, cols in (("start", [start]), ("stop", [stop]), ("weights", [weights]), ("strata", strata_cols),
                           ("frailty", [frailty])):
            require_columns(data, cols, argument=f"data ({role}=)")
        self.formula = formula
        self.data = data
        self.start, self.stop, self.ties, self.weights = start, stop, ties, weights
        self.strata = strata_cols
        self.missing = missing
        self.frailty = frailty  # shared gamma frailty by this column (diffusion_stats.survival._frailty)
        self._prep: CoxData | None = None
        # validate eagerly so bad input fails at construction
        self._prepared()

    # -- data preparation ------------------------------------------------------
    def _prepared(self) -> CoxData:
        if self._prep is not None:
            return self._prep
        data = self.data
        scodes, slabels = None, None
        if self.strata:
            key = data[self.strata[0]] if len(self.strata) == 1 else pd.MultiIndex.from_frame(data[self.strata])
            scodes, slabels = pd.factorize(key, sort=True)
        extra: tuple[str | None, ...] = (self.start, self.stop, self.weights)
        if scodes is not None and np.any(scodes < 0):
            extra = extra + tuple(self.strata)  # let the formula layer report / drop them
        des = _fast_design(self.formula, data, extra) or design_matrices(
            self.formula, data, intercept=False, missing=self.missing, extra=extra)
        if des.X.shape[1] == 0:
            raise SpecificationError(f"formula {self.formula!r} has no covariates; add terms after '~'")
        if np.isinf(des.X).any():
            cols = [nm for j, nm in enumerate(des.names) if np.isinf(des.X[:, j]).any()]
            raise DataValidationError(
                f"{int(np.isinf(des.X).any(axis=1).sum())} rows have an infinite value in {cols}; an infinite "
                "covariate has no estimate: replace it (e.g. data.replace([np.inf, -np.inf], np.nan), then drop "
                "or impute) or transform the term")
        sub = data.loc[des.rows] if not des.rows.all() else data
        n = len(sub)
        if n == 0:
            raise DataValidationError("no rows left to fit the Cox model")
        event = des.y
        bad = ~np.isin(event, (0.0, 1.0))
        if bad.any():
            vals = pd.unique(event[bad])[:5]
            raise DataValidationError(
                f"event column '{des.response}' must be 0/1; {int(bad.sum())} rows have other values "
                f"(e.g. {', '.join(map(str, vals))}); recode it as 1 = event, 0 = no event")
        stop = _numeric(sub[self.stop], self.stop)
        start = np.zeros(n) if self.start is None else _numeric(sub[self.start], self.start)
        bad = stop <= start
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataValidationError(
                f"{int(bad.sum())} rows have stop <= start (first: row {sub.index[i]!r}, "
                f"{self.start}={start[i]}, {self.stop}={stop[i]}); every interval must have start < stop")
        if self.weights is not None:
            w = _numeric(sub[self.weights], self.weights)
            if np.any(w <= 0):
                raise DataValidationError(
                    f"weights column '{self.weights}' has {int((w <= 0).sum())} values <= 0; "
                    "case weights must be positive (drop those rows)")
        else:
            w = np.ones(n)
        if self.strata:
            assert scodes is not None and slabels is not None  # factorised above
            codes = scodes[des.rows]
            used = np.bincount(codes, minlength=len(slabels)) > 0
            if not used.all():  # renumber strata left after dropping rows
                remap = np.cumsum(used) - 1
                codes, slabels = remap[codes], slabels[used]
            labels = np.asarray(slabels)
            _check_strata_count(self.strata, len(labels), n)
        else:
            codes, labels = np.zeros(n, dtype=np.int64), np.array(["(all)"], dtype=object)
        if event.sum() == 0:
            raise DataValidationError(f"event column '{des.response}' has no events; nothing to fit")
        Xraw = des.X
        rs = cn.build_risk_sets(start, stop, event, w, codes)
        names = list(des.names)
        keep, dropped = _identified(rs, Xraw, w, names)
        if dropped:
            warnings.warn(
                "covariates not identified by the partial likelihood were dropped: "
                + "; ".join(f"'{k}' ({v})" for k, v in dropped.items()),
                IdentificationWarning, stacklevel=user_stacklevel())
        if not keep.any():
            raise SpecificationError(
                "no covariate is identified by the partial likelihood (each is constant within every "
                "risk set or collinear); nothing can be estimated")
        Xk = Xraw[:, keep]
        means = Xk.mean(axis=0)
        self._prep = CoxData(
            X=Xk - means, Xraw=Xraw, means=means, names=[nm for nm, k in zip(names, keep, strict=True) if k],
            all_names=names, dropped=dropped, start=start, stop=stop, event=event.astype(np.int8),
            w=w, strata=codes.astype(np.int64), strata_labels=labels, rows=np.asarray(sub.index),
            mask=des.rows, rs=rs, spec=des.spec)
        return self._prep

    # -- fitting ----------------------------------------------------------------
    def fit(self, *, cov_type: CovType | None = None, cluster: str | list[str] | None = None,
            small_sample: SmallSample = None, max_iter: int = 50,
            tol: float = 1e-12) -> CoxResults | FrailtyResults:
        """Maximise the partial likelihood (Newton-Raphson with step halving).

        Parameters
        ----------
        cov_type : {"classical", "robust", "cluster"}, optional
            "robust" is the Lin-Wei sandwich (R's ``robust = TRUE``); giving ``cluster``
            implies "cluster" (R's ``cluster =``). With ``ties="exact"`` the sandwich uses
            the exact likelihood's score residuals (derivation in
            ``survival._numerics.exact_score_residuals``; R has no counterpart: checked by
            enumeration of the risk sets' subsets in the tests).
        cluster : str or list of two str, optional
            One column (one-way) or two (Cameron-Gelbach-Miller two-way: V1 + V2 - V12).
        small_sample : {None, "none", "CR1", "CR2", "CR3", True, False}
            Finite-sample factor (the package-wide vocabulary, table in
            :mod:`diffusion_stats.inference.covariance`). Unset, "none" or ``False``: none
            (R's ``coxph``). "CR1" or ``True``: multiply each clustered meat by G/(G-1),
            the robust one by n/(n-1) (Stata's ``stcox, vce(cluster)`` / ``vce(robust)``).
            "CR2" (bias-reduced linearisation) or "CR3" (cluster jackknife) for one-way
            ``cov_type="cluster"``, with Satterthwaite degrees of freedom for t-tests and
            intervals (``df_terms``); ties "breslow" or "efron" (see
            :mod:`diffusion_stats.inference.small_sample`). "HC1" (n/(n-k)) has no
            partial-likelihood counterpart and raises.
        max_iter, tol : int, float
            Newton iterations and relative log-likelihood tolerance.

        Returns
        -------
        CoxResults
        """
        if self.frailty is not None:  # shared gamma frailty: survival's penalised likelihood
            if cov_type not in (None, "classical") or cluster is not None:
                raise SpecificationError("a frailty model reports the penalised-information variance only; "
                                         "drop cov_type=/cluster=")
            from ._frailty import frailty_fit
            return frailty_fit(self, self._prepared())
        from ..design.repeated import default_cluster

        by_default = cov_type is None and cluster is None and default_cluster(self.data) is not None
        if by_default:  # repeated-event panel: cluster by unit, as coxph(... + cluster(id))
            cluster = default_cluster(self.data)
        default_cov = cov_type is None and cluster is None
        cov_type, ccols = resolve_cov_type(cov_type, cluster, allowed=("classical", "robust", "cluster"),
                                           data=self.data)
        P = self._prepared()
        weights_note = None
        if default_cov and np.any(P.w != np.round(P.w)):
            # R's coxph: non-integer case weights are sampling weights, so the default variance is robust
            cov_type = "robust"
            weights_note = ("Variance robust (Lin-Wei sandwich) by default because the case weights are not "
                            "integers, as R's coxph does; pass cov_type='classical' for the model-based one.")
        kind = resolve_small_sample(small_sample, cov_type, ccols, model=type(self).__name__,
                                    default=SMALL_SAMPLE_DEFAULT, supported=SMALL_SAMPLE_SUPPORTED)
        exact = self.ties == "exact"
        if kind in ("CR2", "CR3") and exact:
            raise SpecificationError(f"small_sample={kind!r} is available for ties='breslow' or 'efron', not "
                                     "'exact'; use ties='efron' or ds.wild_bootstrap")
        if exact and np.any(P.w != 1):
            raise SpecificationError("ties='exact' does not take case weights (as R's clogit); "
                                     "use ties='efron' or drop weights=")
        rs, X, w = P.rs, P.X, P.w
        if exact and rs.mode != "pairs":
            if rs.n_pairs > 50_000_000:
                raise SpecificationError(
                    f"ties='exact' needs the {rs.n_pairs:,} (risk set, row) pairs spelled out, too many; "
                    "use ties='efron'")
            rs = cn.pairs_of(rs)
        beta, e, e0, converged, it, halvings, change = self._newton(rs, X, w, exact, max_iter, tol)
        if not exact and e.precision > 1e7:
            # interval sums lost precision (rows with huge risk scores entering and leaving):
            # redo the fit on the expanded risk sets, which add positive terms only
            if rs.n_pairs <= 30_000_000:
                rs = cn.pairs_of(rs)
                beta, e, e0, converged, it, halvings, change = self._newton(rs, X, w, exact, max_iter, tol)
            else:
                warnings.warn(
                    f"risk-set sums may have lost precision (ratio {e.precision:.2g}); consider centring or "
                    "rescaling covariates with extreme values", ConvergenceWarning, stacklevel=user_stacklevel())
        # polish / separation check: one more Newton step at the final point
        from ..core.validate import check_flat_likelihood

        check_flat_likelihood(e.info, e0.info, X, w, P.event, P.names, self.ties)
        converged = _check_solution(beta, e, P.names, converged, it, change)
        naive = _inv(e.info)
        robust_score = None
        df_terms = None
        if cov_type == "classical":
            cov, n_clusters = naive, ()
        else:
            if exact:  # see cn.exact_score_residuals for the derivation
                L = cn.exact_score_residuals(rs, cn.exact_layout(rs), X, beta)
            else:
                L, _ = cn.score_residuals(rs, X, e)
            D = np.einsum("ij,jk->ik", w[:, None] * L, naive)
            meat_of, n_clusters = self._meat_function(cov_type, ccols, P, kind)
            if kind in ("CR2", "CR3"):
                from ..inference.small_sample import cox_cluster_information, group_sum, kspace_cr
                g, G = group_codes(self.data[ccols[0]].to_numpy()[P.mask])
                if G < 2:
                    raise SpecificationError("cov_type='cluster' needs at least 2 clusters; the cluster column is "
                                             "constant")
                F = cox_cluster_information(rs, X, w, e, g, G)
                meat, df_terms = kspace_cr(naive, group_sum(w[:, None] * L, g, G), F, kind)
            else:
                meat = meat_of(D)
            if not exact and e0.parts is not None:
                # R's robust score test: u0' (S0' S0)^-1 u0 with S0 the (clustered) weighted
                # score residuals at beta = 0
                L0, _ = cn.score_residuals(rs, X, e0)
                robust_score = float(e0.score @ _solve(meat_of(w[:, None] * L0), e0.score))
            cov = meat
            _warn_negative_diagonal(cov, P.names)
        tests = _tests(beta, e, e0, cov, robust_score)
        idx = pd.Index(P.names)
        info: dict[str, Any] = {"Events": int(P.event.sum()), "Strata": len(P.strata_labels) if self.strata else 1,
                "Ties": self.ties}
        if weights_note:
            info["variance note"] = weights_note
        state = CoxFitState(names=list(P.names), dropped=dict(P.dropped), strata_labels=P.strata_labels,
                            n_events=int(P.event.sum()), evaluation=e, data=P, risk_sets=rs)
        return CoxResults(
            model=self, state=state, params=pd.Series(beta, index=idx, name="coef"),
            cov=pd.DataFrame(cov, index=idx, columns=idx),
            naive_cov=pd.DataFrame(naive, index=idx, columns=idx), nobs=rs.n, loglik=e.loglik,
            loglik_null=e0.loglik, cov_type=cov_type, cluster=ccols, n_clusters=n_clusters,
            info=info, formula=self.formula, tests=tests, converged=converged, iterations=it,
            step_halvings=halvings, small_sample=kind, df_terms=df_terms,
            cluster_by_default=by_default)


    def _meat_function(self, cov_type: str, ccols: tuple[str, ...], P: CoxData, kind: str):
        """Function D -> sandwich meat for the chosen variance (``D`` the weighted score
        residuals times the model-based variance, so the meat is the variance), with the
        finite-sample factor of ``kind`` (:mod:`diffusion_stats.inference.covariance`), and
        the cluster counts."""
        if cov_type == "robust":
            def meat(D: np.ndarray) -> np.ndarray:
                return np.einsum("ij,ik->jk", D, D) * robust_factor(cov_type, kind, len(D), D.shape[1])
            return meat, ()
        codes = []
        for c in ccols:
            g, G = group_codes(self.data[c].to_numpy()[P.mask])
            if np.any(g < 0):
                raise DataValidationError(
                    f"cluster column '{c}' has {int((g < 0).sum())} missing values in the rows used; "
                    "fill or drop them")
            codes.append((g, G))
        from ..core.validate import check_cluster_count

        check_cluster_count([G for _, G in codes], list(ccols))
        kind1 = kind if kind in ("none", "CR1") else "none"  # CR2/CR3: the robust score test's meat
        return (lambda D: finite_sample_meat(cluster_pieces(D, codes), kind1)), tuple(G for _, G in codes)

    def _newton(self, rs: cn.RiskSets, X: np.ndarray, w: np.ndarray, exact: bool, max_iter: int,
                tol: float) -> tuple:
        """Newton-Raphson with step halving from beta = 0."""
        lay = cn.exact_layout(rs) if exact else None
        ws = None if exact else cn.workspace(rs, X, w)

        def ev(b: np.ndarray) -> cn.Evaluation:
            if exact:
                assert lay is not None
                return cn.evaluate_exact(rs, lay, X, b)
            return cn.evaluate(rs, X, w, b, efron=self.ties == "efron", keep=True, ws=ws)

        return cn.newton(ev, X.shape[1], max_iter, tol)


class CoxResults(Results):
    """Results of :meth:`CoxHazard.fit` (R's ``coxph`` object, in Python).

    Attributes
    ----------
    params, hazard_ratios : pandas.Series
        Coefficients and ``exp(coef)``.
    std_errors, naive_std_errors : pandas.Series
        Standard errors of the chosen ``cov_type`` and the model-based ones.
    loglik, loglik_null : float
        Log partial likelihood at the estimate and at zero.
    tests : dict
        ``likelihood_ratio``, ``wald`` and ``score`` tests (statistic, df, pvalue).
    n_events, n_strata, converged, iterations : int, int, bool, int
    dropped : dict
        Covariates dropped as not identified, with the reason.
    """

    model_name = "Cox proportional hazards"
    stat_name = "z"

    def __init__(self, *, model: Any, state: CoxFitState, naive_cov: pd.DataFrame,
                 loglik_null: float, tests: dict, converged: bool, iterations: int,
                 step_halvings: int, small_sample: str, cluster_by_default: bool = False,
                 **kw: Any) -> None:
        super().__init__(**kw)
        self.cluster_by_default = cluster_by_default  # repeated-event panel: cluster(unit) by default
        self.model = model  # the specification, for with_*() and refits
        #: the typed fit state (:class:`CoxFitState`) everything below is built from
        self.state = state
        self._naive_cov = naive_cov
        self.loglik_null = float(loglik_null)
        self.tests = tests
        self.converged = converged
        self.iterations = iterations
        self.step_halvings = step_halvings
        self.small_sample = small_sample
        self.ties = model.ties

    @property
    def hazard_ratios(self) -> pd.Series:
        return np.exp(self.params).rename("exp(coef)")

    @property
    def naive_cov(self) -> pd.DataFrame:
        return self._naive_cov.copy()

    @property
    def naive_std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self._naive_cov.values)), index=self._params.index, name="se(coef)")

    @property
    def n_events(self) -> int:
        return self.state.n_events

    @property
    def n_iter(self) -> int:
        return self.iterations

    @property
    def fitted_values(self) -> pd.Series:
        """Expected number of events of each row used: ``event - martingale residual`` (R's
        ``predict(fit, type = "expected")``), labelled by the data's index."""
        mart = self.residuals("martingale")
        P, _ = self.state.in_memory("fitted_values")
        return pd.Series(P.event - mart.to_numpy(), index=mart.index, name="fitted")

    @property
    def n_strata(self) -> int:
        return len(self.state.strata_labels) if self.model.strata else 1

    @property
    def dropped(self) -> dict[str, str]:
        return dict(self.state.dropped)

    @property
    def linear_predictor(self) -> pd.Series:
        """``x'beta`` with covariates centred at their means (R's ``linear.predictors``)."""
        P, _ = self.state.in_memory("linear_predictor")
        return pd.Series(P.X @ self._params.values, index=P.rows)

    @property
    def concordance(self) -> float:
        """Harrell's C as R's ``coxph`` (see :func:`.cox_diagnostics.concordance`)."""
        if self.state.data is None or self.state.risk_sets is None:
            return float("nan")  # results assembled without the risk-set layout (e.g. out of core)
        if not hasattr(self, "_concordance"):
            from .diagnostics import concordance
            self._concordance = concordance(self)
        return self._concordance

    def conf_int_exp(self, alpha: float = 0.05) -> pd.DataFrame:
        """Hazard-ratio intervals: ``exp(coef)``, ``exp(-coef)``, lower and upper bounds."""
        ci = np.exp(self.conf_int(alpha))
        lvl = f"{1 - alpha:.2f}".lstrip("0")
        return pd.DataFrame({"exp(coef)": self.hazard_ratios, "exp(-coef)": np.exp(-self.params),
                             f"lower {lvl}": ci["lower"], f"upper {lvl}": ci["upper"]})

    # diagnostics (implemented in cox_diagnostics)
    def residuals(self, kind: str = "martingale") -> pd.Series | pd.DataFrame:
        """Residuals: "martingale", "score", "schoenfeld", "dfbeta" (R's ``residuals.coxph``)."""
        from .diagnostics import residuals
        return residuals(self, kind)

    def cox_zph(self, transform: str = "km", global_test: bool = True) -> pd.DataFrame:
        """Proportional-hazards test of R's ``cox.zph`` (survival >= 3.0)."""
        from .diagnostics import cox_zph
        return cox_zph(self, transform=transform, global_test=global_test)

    def baseline_hazard(self) -> pd.DataFrame:
        """Baseline cumulative hazard at covariates 0 (R's ``basehaz(fit, centered=FALSE)``)."""
        from .diagnostics import baseline_hazard
        return baseline_hazard(self)

    def predict_survival(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Predicted survival curves for new covariate values (R's ``survfit(fit, newdata)``)."""
        from .diagnostics import predict_survival
        return predict_survival(self, newdata)

    # presentation
    def _coef_table(self) -> pd.DataFrame:
        t = pd.DataFrame({"coef": self._params, "exp(coef)": self.hazard_ratios,
                          "se(coef)": self.naive_std_errors})
        if self._cov_type != "classical":
            t["robust se"] = self.std_errors
        t[self.stat_name] = self.tvalues
        if self._df_terms is not None:
            t["df"] = self._df_terms
        t[f"Pr(>|{self.stat_name}|)"] = self.pvalues
        return t

    def _header(self) -> list[tuple[str, str]]:
        h = [("n", format_number(self._nobs)), ("number of events", format_number(self.n_events))]
        if self.model.strata:
            h.append(("strata", f"{', '.join(self.model.strata)} ({self.n_strata})"))
        h.append(("ties", self.ties))
        cov = self._cov_type
        if self._cluster:
            cov += f" by {' & '.join(self._cluster)} ({' & '.join(map(str, self._n_clusters))} clusters)"
        if self.small_sample in ("CR2", "CR3"):
            from ..inference.small_sample import describe
            cov += f", {describe(self.small_sample)}"
        h.append(("variance", cov + (" (G/(G-1))" if self.small_sample == "CR1" else "")))
        h.append(("log-likelihood", f"{self.loglik_null:.4f} (null), {self._loglik:.4f}"))
        h.append(("converged", f"{self.converged} ({self.iterations} iterations)"))
        return h

    def summary(self) -> Summary:
        """R's ``summary.coxph`` layout: coefficients, hazard ratios with 95% CI, tests."""
        title = f"{self.model_name}: {self.formula}"
        notes = []
        names = {"likelihood_ratio": "Likelihood ratio test", "wald": "Wald test",
                 "score": "Score (logrank) test"}
        for k, lab in names.items():
            t = self.tests[k]
            line = f"{lab:<21}= {format_number(t['statistic'])}  on {t['df']} df,   p={format_number(t['pvalue'])}"
            if k == "score" and "robust_score" in self.tests:
                rt = self.tests["robust_score"]
                line += f",   Robust = {format_number(rt['statistic'])}  p={format_number(rt['pvalue'])}"
            notes.append(line)
        if np.isfinite(self.concordance):
            notes.insert(0, f"Concordance= {self.concordance:.3f}")
        if self._cluster:
            notes.append("(The likelihood ratio and score tests assume independence of observations "
                         "within a cluster; the Wald test does not.)")
        if self.cluster_by_default:
            from ..design.repeated import DEFAULT_CLUSTER_NOTE
            notes.append(DEFAULT_CLUSTER_NOTE.format(col=self._cluster[0]))
        if self.dropped:
            notes.append("Dropped (not identified): " + "; ".join(f"{k}: {v}" for k, v in self.dropped.items()))
        if (getattr(self, "info", None) or {}).get("variance note"):
            notes.append(self.info["variance note"])
        return Summary(title=title, header=self._header(),
                       tables=[("", self._coef_table()), ("", self.conf_int_exp())], notes=notes)


# -- helpers -----------------------------------------------------------------------
_SIMPLE = re.compile(r"^\s*([A-Za-z_]\w*)\s*~\s*([A-Za-z_]\w*(?:\s*\+\s*[A-Za-z_]\w*)*)\s*$")


def _fast_design(formula: str, data: pd.DataFrame, extra: tuple[str | None, ...]) -> Design | None:
    """``y ~ a + b`` with numeric, complete columns: build the arrays directly (same
    result as formulaic, without its overhead on large panels); otherwise ``None``."""
    m = _SIMPLE.match(formula) if isinstance(formula, str) else None
    if m is None:
        return None
    lhs, rhs = m.group(1), [t.strip() for t in m.group(2).split("+")]
    cols = [lhs, *rhs]
    if len(set(rhs)) != len(rhs) or any(c not in data.columns for c in cols):
        return None
    if not all(pd.api.types.is_numeric_dtype(data[c]) and not isinstance(data[c].dtype, pd.CategoricalDtype)
               for c in cols):
        return None
    y = data[lhs].to_numpy(dtype=float)
    X = np.column_stack([data[c].to_numpy(dtype=float) for c in rhs])
    bad = np.isnan(y) | np.isnan(X).any(axis=1)
    for c in extra:
        if c is not None:
            bad |= data[c].isna().to_numpy()
    if bad.any():
        return None
    return Design(y=y, X=X, names=rhs, rows=np.ones(len(data), dtype=bool), response=lhs, n_dropped=0)


def _numeric(col: pd.Series, name: str) -> np.ndarray:
    try:
        v = np.asarray(col, dtype=float)
    except (TypeError, ValueError):
        raise DataValidationError(f"column '{name}' must be numeric, got dtype {col.dtype}") from None
    if not np.all(np.isfinite(v)):
        raise DataValidationError(f"column '{name}' has {int((~np.isfinite(v)).sum())} missing or infinite values")
    return v


_solve, _inv = cn._solve, cn._inv


def _identified(rs: cn.RiskSets, X: np.ndarray, w: np.ndarray, names: list[str]
                ) -> tuple[np.ndarray, dict[str, str]]:
    """Which columns vary within risk sets (information at beta = 0) and are not collinear."""
    p = X.shape[1]
    Xc = X - X.mean(axis=0)
    e = cn.evaluate(rs, Xc, w, np.zeros(p), efron=False)
    return cn.identified_columns(e.info, rs.dw.sum() * np.maximum(Xc.var(axis=0), 1e-300), names)


def _check_strata_count(strata: list[str], n_strata: int, n: int) -> None:
    """Refuse strata with one row each (no risk set compares two rows)."""
    if n_strata == n and n > 1:
        raise SpecificationError(
            f"strata={strata!r} has one row per stratum ({n} strata for {n} rows): no risk set "
            "compares two rows. Strata should group many rows (e.g. strata='policy'); "
            "did you pass a row or unit id?")


def _check_solution(beta: np.ndarray, e: cn.Evaluation, names: list[str], converged: bool, it: int,
                    change: float) -> bool:
    """One more Newton step at the final point: warn about separation (a coefficient that
    would still move far) or non-convergence; returns the corrected ``converged``."""
    last_step = _solve(e.info, e.score)
    infinite = np.abs(last_step) > np.maximum(1e-6, 1e-4 * np.abs(beta))
    sep_names = [nm for nm, f in zip(names, infinite, strict=True) if f]
    # separation = the log-likelihood has plateaued while a coefficient still moves; a fit stopped by
    # max_iter with the log-likelihood still climbing is non-convergence, not separation
    plateau = abs(change) <= 1e-8 * (1 + abs(e.loglik))
    if sep_names and not plateau:
        warnings.warn(f"Newton-Raphson did not converge in {it} iterations (the log-likelihood still changed "
                      f"by {change:.3g} at the last step, next step {np.max(np.abs(last_step)):.3g}); this is "
                      "not separation: raise max_iter", ConvergenceWarning, stacklevel=user_stacklevel())
        return False
    if sep_names:
        warnings.warn(
            f"monotone likelihood (separation): the partial likelihood plateaus while "
            f"{', '.join(repr(s) for s in sep_names)} keep growing (now "
            f"{', '.join(f'{b:.3g}' for b, f in zip(beta, infinite, strict=True) if f)}); "
            "the estimate is infinite. "
            "Check for a covariate that perfectly predicts events in the risk sets",
            SeparationWarning, stacklevel=user_stacklevel())
        return False
    if not converged:
        warnings.warn(f"Newton-Raphson did not converge in {it} iterations "
                      f"(last log-likelihood change {change:.3g}, last step "
                      f"{np.max(np.abs(last_step)):.3g}); raise max_iter",
                      ConvergenceWarning, stacklevel=user_stacklevel())
    return converged


def _warn_negative_diagonal(cov: np.ndarray, names: list[str]) -> None:
    if np.any(np.diag(cov) < 0):
        warnings.warn(
            "the two-way clustered variance (V1 + V2 - V12) has a negative diagonal entry for "
            f"{[nm for nm, v in zip(names, np.diag(cov), strict=True) if v < 0]}; its standard "
            "error is reported as 0. Cluster on one dimension or use small_sample='CR1'",
            DiffusionStatsWarning, stacklevel=user_stacklevel())


def _tests(beta: np.ndarray, e: cn.Evaluation, e0: cn.Evaluation, cov: np.ndarray,
           robust_score: float | None = None) -> dict:
    """R's summary.coxph tests: LR and score use the model-based information."""
    p = len(beta)
    lr = 2 * (e.loglik - e0.loglik)
    score_stat = float(e0.score @ _solve(e0.info, e0.score))
    wald = float(beta @ _solve(cov, beta))
    stats_ = [("likelihood_ratio", lr), ("wald", wald), ("score", score_stat)]
    if robust_score is not None:
        stats_.append(("robust_score", robust_score))
    return {name: {"statistic": s, "df": p, "pvalue": float(stats.chi2.sf(s, p))} for name, s in stats_}


# the plain-formula fast path, shared with binary.mixed_logit
fast_design = _fast_design
