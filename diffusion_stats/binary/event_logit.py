"""Discrete-time event-history models: ``ds.EventLogit``.

A unit-year panel at risk until adoption (``ds.event_history``) is a binary-response
regression: ``Pr(event_it = 1 | at risk) = F(x_it' b + g(t))`` with F the logistic,
complementary log-log (the grouped-duration proportional-hazards model) or normal cdf,
and g the baseline hazard ("duration dependence"):

* ``duration=None``: none (a constant baseline, the intercept);
* ``"cubic"``: t, t^2, t^3 (Carter & Signorino 2010);
* ``"spline"``: a natural cubic spline in t (Beck, Katz & Tucker 1998), R's
  ``splines::ns(t, df=spline_df)`` basis exactly: boundary knots at min(t) and max(t),
  ``spline_df - 1`` interior knots at the quantiles ``1/spline_df, ..., (spline_df-1)/spline_df``
  of t over the rows used (R's type-7 quantiles), or at ``knots=`` if given; the knots
  are reported in ``results.info``;
* ``"dummies"``: one indicator per observed value of t (the first is the reference when the
  formula has an intercept). Durations with no events cannot be estimated (separation)
  and are reported.

t is the column named by ``clock=`` (default ``"stop"``: the counting-process stop time of
``ds.event_history``, i.e. 1 in a policy's first year at risk).

Estimation is IRLS (``diffusion_stats.binary._glm``), the same algorithm as R's ``glm``; the
variance options and their finite-sample factors are documented there and in
:meth:`EventLogit.fit`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import sparse

from ..core.errors import (
    ColumnNotFoundError,
    DataValidationError,
    InputError,
    SpecificationError,
    did_you_mean,
    user_stacklevel,
)
from ..core.formula import design_matrices
from ..core.options import CovType, Duration, HCType, Link, Missing, check_option, renamed, translating
from ..inference.covariance import SmallSample, resolve_cov_type
from ..inference.protocol import ModelProtocol
from ..inference.results import Results
from ..output.summary import Summary
from ._glm import GLMFit, check_binary, check_link, fit_binary_glm, glm_cov, resolve_glm_small_sample

__all__ = ["EventLogit", "BinaryData", "BinaryFitState", "BinaryResults", "natural_spline_basis"]

_DURATIONS = (None, "cubic", "spline", "dummies")


# --------------------------------------------------------------------------- splines
def natural_spline_basis(t: np.ndarray, knots: np.ndarray, boundary: tuple[float, float]) -> np.ndarray:
    """R's ``splines::ns(t, knots=knots, Boundary.knots=boundary)`` basis (no intercept column).

    B-spline basis of order 4 on the knots (boundary knots repeated four times), with the
    first column dropped and projected onto the null space of the second derivatives at
    the two boundary knots (R's QR construction), so the columns equal R's exactly.

    Examples
    --------
    >>> import numpy as np
    >>> B = natural_spline_basis(np.arange(1.0, 11.0), np.array([4.0, 7.0]), (1.0, 10.0))
    >>> B.shape
    (10, 3)
    """
    from scipy.interpolate import BSpline
    from scipy.linalg import qr

    t = np.asarray(t, dtype=float)
    lo, hi = float(boundary[0]), float(boundary[1])
    if np.any((t < lo) | (t > hi)):
        raise InputError("natural_spline_basis: values outside the boundary knots are not supported")
    aknots = np.sort(np.concatenate([[lo] * 4, np.asarray(knots, dtype=float), [hi] * 4]))
    m = len(aknots) - 4
    basis: np.ndarray = np.empty((len(t), m))
    const: np.ndarray = np.empty((2, m))
    for j in range(m):
        c = np.zeros(m)
        c[j] = 1.0
        b = BSpline(aknots, c, 3, extrapolate=True)
        basis[:, j] = b(t)
        const[:, j] = b.derivative(2)(np.array([lo, hi]))
    # R evaluates the right boundary as the limit from the left (the last basis function is 1 there)
    at_hi = t == hi
    if at_hi.any():
        row = np.zeros(m)
        row[-1] = 1.0
        basis[at_hi] = row
    basis, const = basis[:, 1:], const[:, 1:]
    Q, _ = qr(const.T, mode="full")
    return basis @ Q[:, 2:]


def _check_duration_args(duration: Duration | None, clock: str, data) -> None:
    """``duration=`` is known and its ``clock=`` column exists (pandas or Dask frame)."""
    check_option("duration", duration, Duration | None)
    if duration is not None and clock not in data.columns:
        raise ColumnNotFoundError(f"clock column '{clock}' not found in data{did_you_mean(clock, data.columns)}; "
                                  "pass clock='your duration column' (the time since the unit became at risk)")


def clock_keyword(where: str):
    """Keyword translation of the event-history logits: ``time=`` was the duration clock
    before ``time`` meant the period everywhere. For one release ``time=`` is accepted as
    ``clock=`` when ``duration=`` is set (a ``FutureWarning``); without ``duration=`` it
    would have done nothing and now raises, so that nobody reads it as a period column."""
    def translate(kwargs: dict[str, Any]) -> dict[str, Any]:
        if "time" not in kwargs:
            return kwargs
        value = kwargs["time"]
        if "clock" in kwargs:
            raise SpecificationError(f"{where}: pass clock= only; time= was its old name (time means the period "
                                     "column elsewhere in diffusion_stats)")
        if kwargs.get("duration") is None:
            raise SpecificationError(
                f"{where}(time={value!r}): an event-history logit has no period role, and the duration clock is now "
                f"clock= (used with duration=). Drop time=, or pass duration='cubic' (or 'spline', 'dummies') with "
                f"clock={value!r}")
        warnings.warn(f"{where}: time= is deprecated as the name of the duration clock and will be removed in the "
                      f"next release (time means the period column elsewhere); use clock={value!r} (same meaning)",
                      FutureWarning, stacklevel=user_stacklevel())
        kwargs["clock"] = kwargs.pop("time")
        return kwargs
    return translate


def _duration_layout(duration: str, time: str, *, has_intercept: bool, spline_df: int, knots,
                     formula_names: list[str], bounds: Callable[[], tuple[float, float]],
                     quantile: Callable[[np.ndarray], np.ndarray], distinct: Callable[[], np.ndarray]) -> dict:
    """Names, summary facts and constants (spline knots, dummy values) of the duration terms.

    Needs only a summary of t over the rows used, through three callables (so that the
    Dask models can compute it from value counts over partitions): ``bounds()`` = (min,
    max), ``quantile(probs)`` = R's type-7 quantiles, ``distinct()`` = sorted distinct
    values. Raises for bad ``spline_df``/``knots`` and for terms already in the formula.
    """
    out: dict[str, Any] = {"kind": duration, "info": {}}
    if duration == "cubic":
        names = [time, f"{time}^2", f"{time}^3"]
    elif duration == "spline":
        if knots is None:
            if not isinstance(spline_df, (int, np.integer)) or spline_df < 1:
                raise InputError(f"spline_df must be a positive integer, got {spline_df!r}")
            probs = np.linspace(0, 1, spline_df + 1)[1:-1]
            kn = quantile(probs) if len(probs) else np.array([])
        else:
            kn = np.sort(np.asarray(knots, dtype=float))
        bnd = bounds()
        if np.any((kn <= bnd[0]) | (kn >= bnd[1])):
            raise InputError(f"spline knots {kn.tolist()} must lie strictly inside the range of '{time}' {bnd}")
        names = [f"ns({time})[{j + 1}]" for j in range(len(kn) + 1)]
        out.update(knots=kn, boundary=bnd, info={"spline knots": ", ".join(f"{v:g}" for v in kn),
                                                 "spline boundary knots": f"{bnd[0]:g}, {bnd[1]:g}"})
    else:  # dummies: one per observed value (the first is the reference with an intercept)
        vals = distinct()
        use = vals[1:] if has_intercept else vals
        names = [f"{time}[{v:g}]" for v in use]
        out["values"] = use
        if has_intercept:
            out["info"] = {"duration reference": f"{time} = {vals[0]:g}"}
    clash = [d for d in names if d in formula_names]
    if clash:
        raise SpecificationError(f"duration terms {clash} are already in the formula; drop them from the "
                                 "formula or use duration=None")
    out["names"] = names
    return out


def _duration_matrix(t: np.ndarray, layout: dict, *, dense: bool = False):
    """The duration columns for durations ``t`` (layout from :func:`_duration_layout`);
    dummies are a sparse one-hot matrix unless ``dense``."""
    kind = layout["kind"]
    if kind == "cubic":
        return np.column_stack([t, t**2, t**3])
    if kind == "spline":
        return natural_spline_basis(t, layout["knots"], layout["boundary"])
    use = layout["values"]
    if dense:
        return (t[:, None] == use[None, :]).astype(float)
    # sparse one-hot (one column per duration): hundreds of durations stay cheap
    col = np.minimum(np.searchsorted(use, t), max(len(use) - 1, 0))
    keep = (use[col] == t) if len(use) else np.zeros(len(t), dtype=bool)
    return sparse.csr_matrix((np.ones(int(keep.sum())), (np.flatnonzero(keep), col[keep])), shape=(len(t), len(use)))


# --------------------------------------------------------------------------- fit state
@dataclass(frozen=True)
class BinaryData:
    """The rows a binary model was fitted on: the design and what rebuilds it on new data."""

    data: pd.DataFrame            # the frame given to the model
    rows: np.ndarray              # boolean mask of the rows used
    index: pd.Index               # their labels
    y: np.ndarray
    X: Any                        # design (ndarray, or sparse with duration dummies)
    weights: np.ndarray | None    # prior (and case-control) weights of the rows used
    spec: Any                     # formulaic ModelSpec of the formula's terms
    clock: str | None = None      # the duration clock column (duration terms), else None
    duration_layout: dict | None = None  # the duration terms' constants (knots, values)
    case_control: str | None = None


@dataclass(frozen=True)
class BinaryFitState:
    """What a binary fit (EventLogit, DyadicLogit and their Dask twins) leaves for its
    results and post-estimation; ``data`` is ``None`` for a Dask fit."""

    fit: GLMFit
    fitted: Any                   # fitted probabilities (ndarray; a lazy Series for a Dask fit)
    names: list[str]
    link: str
    data: BinaryData | None = None

    def in_memory(self, what: str = "this") -> BinaryData:
        """The rows' design; a clear error when the fit kept none (Dask)."""
        if self.data is None:
            raise SpecificationError(f"{what} needs the rows in memory; it is not available for a Dask fit. "
                                     "Refit with ds.EventLogit / ds.DyadicLogit on a pandas frame")
        return self.data


# --------------------------------------------------------------------------- results
class BinaryResults(Results):
    """Results of a binary-response model (EventLogit, DyadicLogit).

    Adds ``link``, ``converged``, ``iterations``, ``deviance``, ``null_deviance``, ``aic``,
    ``fitted_values`` (probabilities of the rows used, a labelled Series), ``separation`` (terms flagged)
    and ``not_psd`` (the variance matrix failed the eigenvalue check) to the common
    interface.
    """

    model_name = "EventLogit"
    _model: Any  # set by EventLogit.fit, for ds.wild_bootstrap

    def __init__(self, *, state: BinaryFitState, notes: list[str], not_psd: bool,
                 model_name: str, model: Any = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.model_name = model_name
        self.model = model  # the specification, for with_*() and refits
        #: the typed fit state (:class:`BinaryFitState`) everything below is built from
        self.state = state
        self._fit = state.fit
        self._notes = list(notes)
        self._fitted = state.fitted
        self._not_psd = bool(not_psd)

    @property
    def link(self) -> str:
        return self._fit.link

    @property
    def converged(self) -> bool:  # type: ignore[override]  # read-only here; Results' attribute is a default
        return self._fit.converged

    @property
    def iterations(self) -> int:
        return self._fit.iterations

    @property
    def deviance(self) -> float:
        return self._fit.deviance

    @property
    def null_deviance(self) -> float:
        return self._fit.null_deviance

    @property
    def aic(self) -> float:
        return self._fit.deviance + 2 * len(self._params)

    @property
    def separation(self) -> list[str]:
        return list(self._fit.separation)

    @property
    def not_psd(self) -> bool:
        return self._not_psd

    @property
    def fitted_values(self) -> pd.Series:
        """Fitted probabilities of the rows used, labelled by the data's index."""
        return pd.Series(self._fitted, index=self._rows_index(), name="fitted")

    @property
    def n_events(self) -> int:
        return int(self._info["Events"])

    @property
    def n_iter(self) -> int:
        return self._fit.iterations

    def residuals(self, kind: str = "response") -> pd.Series:
        """Residuals of the rows used: "response", "pearson", "deviance" or "working" (R's
        ``residuals.glm``; see :func:`diffusion_stats.binary.diagnostics.binary_residuals`)."""
        from .diagnostics import ResidualKind, binary_residuals
        d = self.state.in_memory("residuals()")
        return binary_residuals(d.y, self._fitted, link=self.link, weights=d.weights,
                                kind=cast(ResidualKind, kind),  # checked by binary_residuals
                                index=self._rows_index())

    def _rows_index(self) -> pd.Index:
        d = self.state.data
        return d.index if d is not None else pd.RangeIndex(len(self._fitted))

    def summary(self) -> Summary:
        s = super().summary()
        s.notes.extend(self._notes)
        return s


# --------------------------------------------------------------------------- model base
class _BinaryModel(ModelProtocol):
    """Formula + data -> binary GLM; shared by EventLogit and DyadicLogit."""

    _name = "EventLogit"
    _allowed_cov: tuple[str, ...] = ("classical", "robust", "cluster")

    def _setup(self, formula: str, data: pd.DataFrame, *, link: str, weights, missing: str,
               extra: tuple[str | None, ...], case_control: str | None, tau: float | None) -> None:
        check_link(link)
        if case_control not in (None, "prior", "weight"):
            raise InputError(f"case_control={case_control!r}; use None, 'prior' (King & Zeng prior correction "
                             "of the intercept) or 'weight' (weighted likelihood)")
        wcol = weights if isinstance(weights, str) else None
        if wcol is not None and wcol not in data.columns:
            raise ColumnNotFoundError(f"weights column '{wcol}' not found in data{did_you_mean(wcol, data.columns)}")
        self._formula = formula
        self._data = data
        self._link = link
        self._design = design_matrices(formula, data, intercept=True, missing=missing,
                                       extra=tuple(extra) + ((wcol,) if wcol else ()))
        rows = self._design.rows
        check_binary(self._design.y, self._design.response)
        if weights is None:
            self._weights = None
        elif wcol is not None:
            self._weights = data.loc[rows, wcol].to_numpy(dtype=float)
        else:
            w = np.asarray(weights, dtype=float)
            if w.shape != (len(data),):
                raise InputError(f"weights must be a column name or an array of length {len(data)}, "
                                 f"got shape {w.shape}")
            self._weights = w[rows]
        if self._weights is not None and (np.any(~np.isfinite(self._weights)) or np.any(self._weights < 0)):
            raise DataValidationError("weights must be finite and non-negative")
        self._case_control = case_control
        self._cc: dict[str, float] = {}
        if case_control is not None:
            from .rare_events import case_control_setup
            self._cc = case_control_setup(self._design.y, data, tau=tau, link=link, how=case_control,
                                          names=self._design.names)
            if case_control == "weight":
                cw = self._cc["w1"] * self._design.y + self._cc["w0"] * (1 - self._design.y)
                self._weights = cw if self._weights is None else self._weights * cw
        self._X = self._design.X
        self._names = list(self._design.names)

    # -- public read-only facts
    @property
    def formula(self) -> str:
        return self._formula

    @property
    def link(self) -> str:
        return self._link

    @property
    def exog_names(self) -> list[str]:
        return list(self._names)

    @property
    def nobs(self) -> int:
        return len(self._design.y)

    def _rows(self) -> pd.DataFrame:
        return self._data.loc[self._design.rows]

    def _extra_cov_args(self, cov_type: str) -> dict:
        return {}

    @renamed(maxiter="max_iter")
    def fit(self, *, cov_type: CovType | None = None, cluster: str | list[str] | None = None,
            small_sample: SmallSample = None, hc_type: HCType | None = None, max_iter: int = 100,
            tol: float = 1e-10) -> BinaryResults:
        """Fit by IRLS and compute the chosen variance.

        Parameters
        ----------
        cov_type : {"classical", "robust", "cluster", "dyadic"}, optional
            "classical" (inverse information; the default, or "robust" with
            ``case_control="weight"``), "robust" (sandwich), "cluster" (one- or two-way;
            implied by ``cluster=``), "dyadic" (DyadicLogit only).
        cluster : str or list of str, optional
            One or two column names.
        small_sample : {None, "none", "CR1", "HC1", "CR2", "CR3", True, False}
            Finite-sample factor (the package-wide vocabulary, table in
            :mod:`diffusion_stats.inference.covariance`). Unset: none for "robust",
            G/(G-1) per clustering for "cluster" (R ``sandwich::vcovHC``/``vcovCL``
            defaults for a glm, ``type = "HC0"``, ``cadjust = TRUE``). "HC1" multiplies by
            n/(n-k) (robust) or (n-1)/(n-k) (cluster; ``type = "HC1"``, Stata's
            ``regress, vce(cluster)``); "none" drops G/(G-1) (``cadjust = FALSE``); "CR1" (= ``True``)
            is G/(G-1) per clustering, n/(n-1) for robust. "CR2" (bias-reduced
            linearisation) or "CR3" (cluster jackknife) for one-way ``cov_type="cluster"``,
            with Satterthwaite degrees of freedom for t-tests and intervals
            (``df_terms``): ``clubSandwich::vcovCR`` and ``coef_test(test =
            "Satterthwaite")``. "classical" and "dyadic" take no factor.
        hc_type : {"HC0", "HC1"}, optional
            Deprecated alias (FutureWarning): "HC0" is the default, "HC1" is
            ``small_sample="HC1"``.
        max_iter, tol : IRLS limits (relative deviance change, R's rule); ``maxiter=`` is the
            deprecated spelling of ``max_iter=``.

        Returns
        -------
        BinaryResults
        """
        default = "robust" if self._case_control == "weight" else "classical"
        from ..design.repeated import DEFAULT_CLUSTER_NOTE, default_cluster

        by_default = cov_type is None and cluster is None and default_cluster(self._data) is not None
        if by_default:  # repeated-event panel: cluster by unit
            cluster = default_cluster(self._data)
        cov_type, cols = resolve_cov_type(cov_type, cluster, allowed=self._allowed_cov, default=default,
                                          data=self._data)
        kind = resolve_glm_small_sample(small_sample, hc_type, cov_type, cols, model=type(self).__name__)
        if cov_type == "classical" and self._case_control == "weight":
            raise SpecificationError(
                "cov_type='classical' is invalid with case_control='weight' (the weighted information matrix is "
                "not the variance; King & Zeng 2001); use cov_type='robust', 'cluster' or 'dyadic'")
        y, X = self._design.y, self._X
        fit = fit_binary_glm(y, X, link=self._link, weights=self._weights, names=self._names,
                             maxiter=max_iter, tol=tol)
        clusters: tuple[np.ndarray, ...] = ()
        if cols:
            clusters = tuple(self._data[c].to_numpy()[self._design.rows] for c in cols)
            for c, v in zip(cols, clusters, strict=True):
                if pd.isna(v).any():
                    raise DataValidationError(f"cluster column '{c}' has {int(pd.isna(v).sum())} missing values "
                                              "in the rows used; fill or drop them")
        V, facts = glm_cov(y, X, fit, cov_type, small_sample=kind, weights=self._weights, clusters=clusters,
                           **self._extra_cov_args(cov_type))
        params = pd.Series(fit.params, index=self._names, name="coef")
        notes: list[str] = []
        info: dict[str, Any] = {"Link": self._link, "Events": int(y.sum())}
        info.update(self._info_extra())
        if self._cc:
            from .rare_events import apply_prior_correction
            info["Case-control"] = (f"{self._case_control} (tau={self._cc['tau']:.4g}, "
                                    f"sample event share={self._cc['ybar']:.4g})")
            if self._case_control == "prior":
                params = apply_prior_correction(params, self._cc["tau"], self._cc["ybar"])
                notes.append("Intercept prior-corrected (King & Zeng 2001): b0 - log[((1-tau)/tau) (ybar/(1-ybar))]; "
                             "slopes and all standard errors are those of the case-control sample fit.")
            else:
                notes.append("Weighted (King & Zeng 2001): events weighted tau/ybar, non-events (1-tau)/(1-ybar); "
                             "sandwich standard errors.")
        if cov_type != "classical":
            info["Variance factor"] = facts["adjustment"]
        if by_default:
            notes.append(DEFAULT_CLUSTER_NOTE.format(col=cols[0]))
        if not fit.converged:
            notes.append(f"WARNING: IRLS did not converge in {fit.iterations} iterations.")
        if fit.separation:
            notes.append(f"WARNING: (quasi-)complete separation; estimates of {fit.separation} diverge "
                         f"({fit.n_perfect} fitted probabilities numerically 0 or 1).")
        if facts["not_psd"]:
            notes.append(f"WARNING: the {cov_type} variance matrix is not positive definite; treat standard errors "
                         "and tests with caution.")
        cov = pd.DataFrame(V, index=self._names, columns=self._names)
        eta = X @ params.to_numpy()
        from ._glm import _linkinv
        rows = self._design.rows
        data = BinaryData(data=self._data, rows=rows, index=self._data.index[rows], y=y, X=X, weights=self._weights,
                          spec=self._design.spec, clock=self._clock_column(), duration_layout=self._duration_terms(),
                          case_control=self._case_control)
        state = BinaryFitState(fit=fit, fitted=_linkinv(eta, self._link), names=list(self._names), link=self._link,
                               data=data)
        n_clusters = self._report_clusters(cov_type, info, facts["n_clusters"])
        return BinaryResults(state=state, notes=notes, not_psd=facts["not_psd"],
                             model_name=self._name, model=self, params=params, cov=cov, nobs=len(y),
                             loglik=fit.loglik, cov_type=cov_type, cluster=cols, n_clusters=n_clusters,
                             info=info, formula=self._formula, df_terms=facts.get("df"))

    def _report_clusters(self, cov_type: str | None, info: dict, n_clusters: tuple) -> tuple:
        """The cluster counts the results report (DyadicLogit reports its dyadic units in ``info``)."""
        return n_clusters

    def _clock_column(self) -> str | None:
        return None

    def _duration_terms(self) -> dict | None:
        return None

    def _info_extra(self) -> dict:
        return {}

    def _resolved_arguments(self) -> dict:
        return {"tau": self._cc["tau"]} if self._cc else {}  # tau as used (it may come from the sample's report)


class EventLogit(_BinaryModel):
    """Discrete-time event-history model (logit, cloglog or probit) for a monadic panel.

    Parameters
    ----------
    formula : str
        ``"event ~ x1 + x2"`` (formulaic syntax). The response must be 0/1.
    data : DataFrame
        A unit-period panel at risk (e.g. from ``ds.event_history``).
    link : {"logit", "cloglog", "probit"}
    duration : {None, "cubic", "spline", "dummies"}
        Duration dependence in ``data[clock]`` (see the module docstring).
    clock : str
        The duration clock: time since the unit became at risk (default ``"stop"``, the
        counting-process stop time of ``ds.event_history``). Used with ``duration=``.
        ``time=`` is its deprecated name (``time`` means the period column elsewhere).
    spline_df : int
        Degrees of freedom of the natural spline (default 4: three interior knots at the
        quartiles of t), as ``splines::ns(t, df=4)``.
    knots : array-like, optional
        Interior spline knots instead of quantiles.
    weights : str or array, optional
        Prior weights (column name or array).
    missing : {"raise", "drop"}
        What to do with rows that have missing values.
    case_control : {None, "prior", "weight"}
        King & Zeng (2001) correction for data whose non-events were sampled
        (see ``ds.case_control_sample``); ``tau`` is the population event share (read
        from ``data.reports.case_control`` when the sample came from
        ``ds.case_control_sample``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import diffusion_stats as ds
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"x": rng.normal(size=400), "stop": np.tile(np.arange(1, 9), 50)})
    >>> df["event"] = (rng.random(400) < 0.2).astype(int)
    >>> res = ds.EventLogit("event ~ x", df, duration="cubic").fit(cov_type="robust")
    >>> list(res.params.index)
    ['Intercept', 'x', 'stop', 'stop^2', 'stop^3']
    """

    _name = "EventLogit"
    _role_args = ("clock", "weights")

    @translating(clock_keyword("EventLogit"))
    def __init__(self, formula: str, data: pd.DataFrame, *, link: Link = "logit", duration: Duration | None = None,
                 clock: str = "stop", spline_df: int = 4, knots=None, weights=None, missing: Missing = "raise",
                 case_control: str | None = None, tau: float | None = None) -> None:
        _check_duration_args(duration, clock, data)
        self._setup(formula, data, link=link, weights=weights, missing=missing,
                    extra=(clock,) if duration is not None else (), case_control=case_control, tau=tau)
        self._duration = duration
        self._clock = clock
        self._dur_info: dict = {}
        self._dur_layout: dict | None = None  # duration terms' constants, for predictions on new data
        if duration is not None:
            t = data.loc[self._design.rows, clock].to_numpy(dtype=float)
            layout = _duration_layout(duration, clock, has_intercept="Intercept" in self._names,
                                      spline_df=spline_df, knots=knots, formula_names=self._names,
                                      bounds=lambda: (float(t.min()), float(t.max())),
                                      quantile=lambda probs: np.quantile(t, probs), distinct=lambda: np.unique(t))
            D, dnames, self._dur_info = _duration_matrix(t, layout), layout["names"], layout["info"]
            self._dur_layout = layout
            self._X = (sparse.hstack([sparse.csr_matrix(self._X), D], format="csr") if sparse.issparse(D)
                       else np.column_stack([self._X, D]))
            self._names = self._names + dnames

    @property
    def duration(self) -> str | None:
        return self._duration

    def _clock_column(self) -> str | None:
        return self._clock if self._duration is not None else None

    def _duration_terms(self) -> dict | None:
        return self._dur_layout

    def _info_extra(self) -> dict:
        out: dict[str, Any] = {}
        if self._duration is not None:
            out["Duration"] = f"{self._duration} in '{self._clock}'"
            out.update(self._dur_info)
        return out


# public inside the package (used by postestimation)
duration_matrix = _duration_matrix
