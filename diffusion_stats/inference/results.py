"""Base class of every fitted model's results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import InputError, SpecificationError
from ..output.summary import Summary, format_number

__all__ = ["Results"]


class Results:
    """Fitted-model results with a common interface across estimators.

    Subclasses fill in the constructor arguments; everything here is read-only.

    Attributes
    ----------
    params : pandas.Series
        Estimates, labelled by term.
    cov : pandas.DataFrame
        Variance-covariance matrix of ``params`` (of the chosen ``cov_type``).
    std_errors, tvalues, pvalues : pandas.Series
        Standard errors, z (or t) statistics and two-sided p-values.
    nobs : int
        Observations used.
    loglik : float or None
        Log-(partial) likelihood at the estimate.
    cov_type : str
        One of "classical", "robust", "cluster", "dyadic".
    df_terms : pandas.Series or None
        Degrees of freedom per coefficient (Satterthwaite, with ``small_sample="CR2"`` or
        "CR3"): then tests and intervals use Student t with these df.
    model : the fitted model (``model.spec()`` gives its formula, data, roles and options)
    n_events : int or None
        Events in the rows used (``None`` for a model without events, e.g. SpatialLag).
    converged, n_iter : bool, int
        Whether the estimator met its tolerance, and its iterations (Newton or IRLS steps;
        likelihood evaluations of the spatial ML line search; 0 for closed forms).
    fitted_values : pandas.Series
        Fitted values of the rows used, labelled by the data's index (probabilities;
        expected events for Cox; ``rho W y + X beta`` for SpatialLag).
    residuals(kind=...) : method
        Residuals of the rows used; the kinds depend on the model.
    """

    model_name = "Model"
    stat_name = "z"
    #: the fitted model (set by each estimator's results)
    model: Any = None
    #: whether the estimator met its convergence tolerance (set by each estimator's results)
    converged: bool | None = None

    def __init__(self, *, params: pd.Series, cov: pd.DataFrame, nobs: int,
                 loglik: float | None = None, cov_type: str = "classical",
                 cluster: tuple[str, ...] = (), n_clusters: tuple[int, ...] = (),
                 df_resid: float | None = None, info: dict[str, Any] | None = None,
                 formula: str | None = None, df_terms=None) -> None:
        self._params = params.astype(float)
        self._cov = cov.astype(float)
        self._nobs = int(nobs)
        self._loglik = None if loglik is None else float(loglik)
        self._cov_type = cov_type
        self._cluster = tuple(cluster)
        self._n_clusters = tuple(int(g) for g in n_clusters)
        self._df_resid = df_resid
        self._info = dict(info or {})
        self.formula = formula
        self._df_terms = None if df_terms is None else pd.Series(
            np.asarray(df_terms, dtype=float), index=self._params.index, name="df")
        # CR2/CR3: the pieces of the Satterthwaite df, for any contrast (see contrast_df)
        self._satterthwaite = getattr(df_terms, "pieces", None)
        if self._df_terms is not None:
            self.stat_name = "t"

    # -- core quantities ---------------------------------------------------
    @property
    def params(self) -> pd.Series:
        return self._params.copy()

    @property
    def cov(self) -> pd.DataFrame:
        return self._cov.copy()

    def cov_params(self) -> pd.DataFrame:
        """Variance-covariance matrix of the estimates (statsmodels spelling)."""
        return self.cov

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.clip(np.diag(self._cov.values), 0, None)),
                         index=self._params.index, name="std_error")

    @property
    def bse(self) -> pd.Series:
        """Alias of ``std_errors`` (statsmodels spelling)."""
        return self.std_errors

    def contrast_df(self, C: Any) -> np.ndarray | None:
        """Satterthwaite degrees of freedom of the contrasts ``C @ params`` (one row of ``C`` a
        contrast, e.g. an effect's gradient) after ``small_sample="CR2"|"CR3"``; ``None`` for
        other variance estimators (normal reference distribution)."""
        if self._satterthwaite is None:
            return None
        from .small_sample import contrast_df

        C = np.atleast_2d(np.asarray(C, dtype=float))
        if C.shape[1] != len(self._params):
            return None
        return contrast_df(self._satterthwaite, C)

    @property
    def df_terms(self) -> pd.Series | None:
        """Per-coefficient degrees of freedom of the t-tests (``None``: normal or ``df_resid``)."""
        return None if self._df_terms is None else self._df_terms.copy()

    def _df(self):
        """Degrees of freedom of the t reference distribution, or ``None`` for the normal."""
        if self._df_terms is not None:
            return self._df_terms.to_numpy()
        if self._df_resid is not None and self.stat_name == "t":
            return self._df_resid
        return None

    @property
    def tvalues(self) -> pd.Series:
        return (self._params / self.std_errors).rename(self.stat_name)

    @property
    def pvalues(self) -> pd.Series:
        t = self.tvalues.values
        df = self._df()
        if df is not None:
            p = 2 * stats.t.sf(np.abs(t), df)
        else:
            p = 2 * stats.norm.sf(np.abs(t))
        return pd.Series(p, index=self._params.index, name="pvalue")

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald confidence intervals with columns ``lower`` and ``upper``."""
        if not 0 < alpha < 1:
            raise InputError(f"alpha must be in (0, 1), got {alpha!r}; use e.g. alpha=0.05 for 95% intervals")
        df = self._df()
        if df is not None:
            q = stats.t.ppf(1 - alpha / 2, df)
        else:
            q = stats.norm.ppf(1 - alpha / 2)
        se = self.std_errors
        return pd.DataFrame({"lower": self._params - q * se, "upper": self._params + q * se})

    @property
    def nobs(self) -> int:
        return self._nobs

    @property
    def loglik(self) -> float | None:
        return self._loglik

    @property
    def n_events(self) -> int | None:
        """Events in the rows used; ``None`` for a model without events."""
        return None

    @property
    def n_iter(self) -> int | None:
        """Iterations the estimator took (``None`` if it does not say)."""
        return None

    @property
    def fitted_values(self) -> pd.Series:
        """Fitted values of the rows used, labelled by the data's index."""
        raise SpecificationError(f"{type(self).__name__} has no fitted values")

    def residuals(self, kind: str = "response") -> pd.Series | pd.DataFrame:
        """Residuals of the rows used (the kinds depend on the model)."""
        raise SpecificationError(f"{type(self).__name__} has no residuals")

    @property
    def cov_type(self) -> str:
        return self._cov_type

    @property
    def cluster(self) -> tuple[str, ...]:
        return self._cluster

    @property
    def n_clusters(self) -> tuple[int, ...]:
        return self._n_clusters

    @property
    def info(self) -> dict[str, Any]:
        """Model facts shown by ``summary()`` and ``ds.compare`` (events, strata, ...)."""
        return dict(self._info)

    def wald_test(self, R, q=None) -> dict[str, float]:
        """Wald test of ``R @ params = q`` with this result's covariance.

        ``R`` may be a matrix or a list of term names (each tested = 0).
        Returns a dict with ``statistic``, ``df`` and ``pvalue`` (chi-squared).
        """
        names = list(self._params.index)
        if isinstance(R, (list, tuple)) and R and isinstance(R[0], str):
            missing = [r for r in R if r not in names]
            if missing:
                raise InputError(f"terms {missing} are not in the model; terms are {names}")
            Rm = np.zeros((len(R), len(names)))
            for i, r in enumerate(R):
                Rm[i, names.index(r)] = 1.0
        else:
            try:
                Rm = np.atleast_2d(np.asarray(R, dtype=float))
            except (TypeError, ValueError):
                raise InputError(f"R must be a list of term names or a numeric matrix with {len(names)} columns "
                                 f"(terms {names}), not {type(R).__name__}") from None
        if Rm.ndim != 2 or Rm.shape[1] != len(names):
            raise InputError(f"R has shape {Rm.shape}; it needs one column per coefficient ({len(names)}: {names}), "
                             "one row per restriction; or give a list of term names")
        qv = np.zeros(Rm.shape[0]) if q is None else np.atleast_1d(np.asarray(q, dtype=float))
        if qv.shape != (Rm.shape[0],):
            raise InputError(f"q has shape {qv.shape}; it needs one value per row of R ({Rm.shape[0]})")
        d = Rm @ self._params.values - qv
        V = Rm @ self._cov.values @ Rm.T
        try:
            stat = float(d @ np.linalg.solve(V, d))
        except np.linalg.LinAlgError:
            raise SpecificationError("the restrictions R are linearly dependent (R V R' is singular); drop "
                                     "redundant rows of R") from None
        df = Rm.shape[0]
        return {"statistic": stat, "df": df, "pvalue": float(stats.chi2.sf(stat, df))}

    def predict(self, newdata: pd.DataFrame | None = None, *, kind: str | None = None, se: bool = False,
                alpha: float = 0.05, **options: Any) -> pd.Series | pd.DataFrame:
        """Predictions for the estimation rows or ``newdata``.

        See :func:`diffusion_stats.postestimation.effects.predict` for the kinds of each model;
        ``se=True`` adds delta-method standard errors and intervals.
        """
        from ..postestimation.effects import predict
        return predict(self, newdata, kind=kind, se=se, alpha=alpha, **options)

    # -- presentation --------------------------------------------------------
    def _coef_table(self) -> pd.DataFrame:
        ci = self.conf_int()
        t = pd.DataFrame({
            "coef": self._params, "std err": self.std_errors, self.stat_name: self.tvalues,
            f"P>|{self.stat_name}|": self.pvalues, "[0.025": ci["lower"], "0.975]": ci["upper"],
        })
        if self._df_terms is not None:
            t.insert(3, "df", self._df_terms)
        return t

    def _header(self) -> list[tuple[str, str]]:
        h = [("Observations", format_number(self._nobs))]
        for k, v in self._info.items():
            h.append((k, format_number(v) if not isinstance(v, str) else v))
        if self._loglik is not None:
            h.append(("Log-likelihood", format_number(self._loglik)))
        cov = self._cov_type
        if self._cluster:
            cov += f" by {' & '.join(self._cluster)} ({' & '.join(map(str, self._n_clusters))} clusters)"
        h.append(("Covariance", cov))
        return h

    def summary(self) -> Summary:
        """Summary that prints as text, renders HTML in Jupyter, and writes LaTeX."""
        title = f"{self.model_name} Results"
        if self.formula:
            title += f": {self.formula}"
        return Summary(title=title, header=self._header(), tables=[("", self._coef_table())])

    def to_latex(self) -> str:
        return self.summary().to_latex()

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def __repr__(self) -> str:
        return str(self.summary())
