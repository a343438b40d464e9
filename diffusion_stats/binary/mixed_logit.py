"""Pooled event history with heterogeneity: ``ds.MixedEventLogit``.

A binary generalised linear mixed model (GLMM) for a pooled unit-period panel at risk:
random intercepts and (correlated) random slopes by one grouping factor, e.g. policies
that differ in baseline propensity and in how strongly they diffuse (Boehmke 2009;
Kreitzer & Boehmke 2016)::

    Pr(event_i = 1) = F(x_i' beta + z_i' b_{g(i)}),   b_j ~ N(0, Sigma),

F the logistic, complementary log-log or normal cdf, z_i the columns of ``re=`` (e.g.
``"1 + border"``: intercept and border slope) and g the level of ``groups=``.

Estimation is maximum likelihood with lme4's ``glmer`` objective, exactly (see
:mod:`diffusion_stats.binary._mixed_numerics`): the Laplace approximation (``n_agq=1``) or
adaptive Gauss-Hermite quadrature (``n_agq > 1``, one scalar random effect). Fixed
effects, variance components, conditional modes (lme4's ``ranef``) with conditional
variances (``condVar``), log-likelihood, AIC and BIC equal glmer's at glmer's optimum
(checked against R in ``tests/reference/mixed``).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import ColumnNotFoundError, DataValidationError, InputError, SpecificationError, did_you_mean
from ..core.formula import design_matrices
from ..core.options import renamed
from ..inference.covariance import SmallSample, finite_sample_meat, resolve_small_sample
from ..inference.protocol import ModelProtocol
from ..inference.results import Results
from ..output.summary import Summary, format_number
from ._glm import _linkinv, check_binary, check_link, fit_binary_glm, user_stacklevel
from ._mixed_numerics import MixedProblem, lambda_from_theta

__all__ = ["MixedEventLogit", "MixedResults"]

_COV_TYPES = ("hessian", "pirls", "cluster")


def _theta_names(terms: list[str]) -> list[str]:
    q = len(terms)
    rows, cols = np.tril_indices(q)
    order = np.lexsort((rows, cols))
    return [f"theta[{terms[r]}]" if r == c else f"theta[{terms[r]}:{terms[c]}]"
            for r, c in zip(rows[order], cols[order], strict=True)]


@dataclass(frozen=True)
class MixedFitState:
    """What a MixedEventLogit fit leaves for its results: the design of the rows used,
    the grouping and the variance of the covariance parameters."""

    X: np.ndarray                 # fixed-effect design of the rows used
    Z: np.ndarray                 # random-effect design
    codes: np.ndarray             # group code of each row
    levels: Any                   # group labels
    names: list[str]
    crossed: str | None           # the crossed random intercept's column, else None
    crossed_levels: Any = None
    theta_cov: np.ndarray | None = None  # variance of theta (Hessian fits), else None


class MixedResults(Results):
    """Results of :class:`MixedEventLogit`.

    Beyond the common interface (``params`` = fixed effects, ``cov``, ``std_errors``,
    ``loglik``, ``summary()`` ...):

    Attributes
    ----------
    theta : pandas.Series
        lme4's covariance parameters (lower triangle of the relative Cholesky factor,
        column by column).
    re_cov, re_corr : pandas.DataFrame
        Covariance / correlation matrix of the random effects (Sigma).
    var_components : pandas.DataFrame
        Variance and standard deviation per random-effect term (lme4's ``VarCorr``).
    ranef : pandas.DataFrame
        Conditional modes b_j (one row per group level, one column per term).
    ranef_var : pandas.DataFrame
        Conditional variances of b_j (one column per term; lme4's ``condVar``
        diagonal), ``ranef_cov`` the full q x q matrices (levels x q x q array).
    deviance, aic, bic : float
        ``-2 log L`` (glmer's objective), AIC and BIC with p + len(theta) parameters.
    pooled : BinaryResults-like dict
        Log-likelihood of the pooled GLM (no random effects), for :meth:`lr_test`.
    """

    model_name = "MixedEventLogit"
    _loglik: float  # always given (Results allows None)
    _theta_cov: np.ndarray | None  # set by MixedEventLogit.fit

    def __init__(self, *, model: MixedEventLogit, state: MixedFitState, fit: dict, theta: np.ndarray,
                 beta: np.ndarray, modes, n_agq: int, pooled_loglik: float, notes: list[str], **kw: Any) -> None:
        super().__init__(**kw)
        self._model = model
        self.model = model  # the specification, for with_*() and refits
        #: the typed fit state (:class:`MixedFitState`) everything below is built from
        self.state = state
        self._theta_cov = state.theta_cov
        self._fitinfo = fit
        self._theta = theta
        self._n_agq = n_agq
        self._pooled_loglik = pooled_loglik
        self._notes = notes
        terms = model.re_terms
        q = len(terms)
        nt1 = q * (q + 1) // 2
        Lam = lambda_from_theta(theta[:nt1], q)
        self._Sigma = Lam @ Lam.T
        b = modes.u @ Lam.T
        levels = model.group_levels
        self._ranef = pd.DataFrame(b, index=pd.Index(levels, name=model.groups), columns=terms)
        Hinv = modes.Hinv if hasattr(modes, "Hinv") else np.linalg.inv(modes.H)
        self._ranef_cov = Lam @ Hinv @ Lam.T
        self._crossed = None
        if state.crossed is not None:
            lam2 = float(theta[nt1])
            idx = pd.Index(state.crossed_levels, name=state.crossed)
            self._crossed = {"name": state.crossed, "variance": lam2 * lam2,
                             "ranef": pd.Series(lam2 * modes.u2, index=idx, name="Intercept"),
                             "ranef_var": pd.Series(lam2 * lam2 * modes.var2, index=idx, name="Intercept")}

    # -- variance components
    @property
    def theta(self) -> pd.Series:
        names = _theta_names(self._model.re_terms)
        if self.state.crossed is not None:
            names.append(f"theta[{self.state.crossed}:Intercept]")
        return pd.Series(self._theta, index=names, name="theta")

    @property
    def re_cov(self) -> pd.DataFrame:
        t = self._model.re_terms
        return pd.DataFrame(self._Sigma, index=t, columns=t)

    @property
    def re_corr(self) -> pd.DataFrame:
        sd = np.sqrt(np.diag(self._Sigma))
        with np.errstate(invalid="ignore", divide="ignore"):
            C = self._Sigma / np.outer(sd, sd)
        t = self._model.re_terms
        return pd.DataFrame(C, index=t, columns=t)

    @property
    def var_components(self) -> pd.DataFrame:
        v = np.diag(self._Sigma)
        return pd.DataFrame({"variance": v, "std_dev": np.sqrt(v)},
                            index=pd.Index(self._model.re_terms, name=self._model.groups))

    @property
    def var_components_se(self) -> pd.Series:
        """Standard errors of the random-effect variances (delta method from the inverse
        Hessian of theta; NaN with ``cov_type="pirls"`` or at a boundary fit). Wald
        intervals for variances are poor near zero: prefer :meth:`lr_test` there."""
        terms = self._model.re_terms
        q = len(terms)
        Vt = getattr(self, "_theta_cov", None)
        if Vt is None or self.singular:
            return pd.Series(np.nan, index=terms, name="se(variance)")
        rows, cols = np.tril_indices(q)
        order = np.lexsort((rows, cols))
        r, c = rows[order], cols[order]
        L = lambda_from_theta(self._theta, q)
        D = np.zeros((q, len(self._theta)))  # d Sigma_kk / d theta
        for k in range(len(self._theta)):
            D[r[k], k] = 2.0 * L[r[k], c[k]]
        return pd.Series(np.sqrt(np.clip(np.einsum("ij,jk,ik->i", D, Vt, D), 0, None)), index=terms,
                         name="se(variance)")

    @property
    def ranef(self) -> pd.DataFrame:
        return self._ranef.copy()

    @property
    def crossed(self) -> dict | None:
        """The crossed random intercept (``crossed=``): its ``name``, ``variance``, conditional
        modes ``ranef`` and conditional variances ``ranef_var``; None without one."""
        return None if self._crossed is None else dict(self._crossed)

    @property
    def ranef_var(self) -> pd.DataFrame:
        d = np.diagonal(self._ranef_cov, axis1=1, axis2=2)
        return pd.DataFrame(d, index=self._ranef.index, columns=self._ranef.columns)

    @property
    def ranef_cov(self) -> np.ndarray:
        return self._ranef_cov.copy()

    @property
    def n_groups(self) -> int:
        return len(self._ranef)

    @property
    def n_agq(self) -> int:
        return self._n_agq

    @property
    def converged(self) -> bool:  # type: ignore[override]  # read-only here; Results' attribute is a default
        return bool(self._fitinfo["converged"])

    @property
    def singular(self) -> bool:
        """A variance at zero or a perfect correlation (lme4's ``isSingular``, tol 1e-4)."""
        q = len(self._model.re_terms)
        L = lambda_from_theta(self._theta[:q * (q + 1) // 2], q)
        return bool(np.any(np.abs(np.diag(L)) < 1e-4) or (self._crossed is not None and
                                                           abs(self._theta[-1]) < 1e-4))

    @property
    def deviance(self) -> float:
        return -2.0 * float(self._loglik)

    @property
    def n_params(self) -> int:
        return len(self._params) + len(self._theta)

    @property
    def aic(self) -> float:
        return self.deviance + 2 * self.n_params

    @property
    def bic(self) -> float:
        return self.deviance + np.log(self._nobs) * self.n_params

    # -- tests
    def lr_test(self) -> dict[str, float]:
        """Likelihood-ratio test of the random effects against the pooled GLM.

        The null puts the variances on the boundary of the parameter space. One random
        effect (q = 1): the statistic is a 50:50 mixture of chi2(0) and chi2(1) (Self &
        Liang 1987), so the p-value is half the chi2(1) one. For q > 1 the null
        distribution depends on the information matrix; the p-value reported is the
        50:50 mixture of chi2(d-1) and chi2(d) with d = q(q+1)/2 (the Stram & Lee 1994
        rule for the last variance), with the naive chi2(d) p-value alongside.

        Returns a dict with ``statistic``, ``df``, ``pvalue``, ``pvalue_naive``.
        """
        stat = max(2.0 * (float(self._loglik) - self._pooled_loglik), 0.0)
        d = len(self._theta)
        naive = float(stats.chi2.sf(stat, d))
        p = 0.5 * (float(stats.chi2.sf(stat, d - 1)) if d > 1 else float(stat <= 0)) + 0.5 * naive
        return {"statistic": stat, "df": d, "pvalue": p, "pvalue_naive": naive,
                "pooled_loglik": self._pooled_loglik}

    # -- predictions
    def predict(self, data: pd.DataFrame | None = None, *, re: bool = True,  # type: ignore[override]  # lme4-style
                type: Literal["response", "link"] = "response") -> np.ndarray:
        """Predictions with (``re=True``, conditional on the modes) or without the random effects.

        ``data=None``: the rows used in the fit. Levels of ``groups`` not in the fit get
        b = 0 (the population prediction, as lme4's ``allow.new.levels=TRUE``).
        """
        if type not in ("response", "link"):
            raise InputError(f"type={type!r}; use 'response' (probabilities) or 'link' (linear predictor)")
        m = self._model
        if data is None:
            X, Z, g = self.state.X, self.state.Z, self.state.codes
        else:
            X, Z, g = m.design_of(data)
        eta = X @ self._params.to_numpy()
        if re:
            b = self._ranef.to_numpy()
            ok = g >= 0
            eta = eta + np.where(ok, np.einsum("ij,ij->i", Z, b[np.where(ok, g, 0)]), 0.0)
        return eta if type == "link" else _linkinv(eta, m.link)

    # -- presentation
    def _re_table(self) -> pd.DataFrame:
        vc = self.var_components
        out = pd.DataFrame({"Variance": vc["variance"], "Std.Dev.": vc["std_dev"]})
        C = self.re_corr.to_numpy()
        for k in range(len(C) - 1):
            out[f"Corr[{k + 1}]"] = [C[i, k] if i > k else np.nan for i in range(len(C))]
        out.index = [f"{self._model.groups} {t}" for t in out.index]
        if self._crossed is not None:
            v = self._crossed["variance"]
            out.loc[f"{self._crossed['name']} Intercept"] = [v, np.sqrt(v)] + [np.nan] * (out.shape[1] - 2)
        return out

    def summary(self) -> Summary:
        how = ("Laplace Approximation" if self._n_agq <= 1
               else f"Adaptive Gauss-Hermite Quadrature, nAGQ = {self._n_agq}")
        title = f"Generalized linear mixed model fit by maximum likelihood ({how}) [{self.model_name}]"
        m = self._model
        header = [("Family", f"binomial ( {m.link} )"),
                  ("Formula", f"{m.formula} + ({m.re} | {m.groups})"
                              + (f" + (1 | {self.state.crossed})" if self.state.crossed else "")),
                  ("AIC", format_number(self.aic)), ("BIC", format_number(self.bic)),
                  ("logLik", format_number(float(self._loglik))), ("deviance", format_number(self.deviance)),
                  ("df.resid", format_number(int(self._nobs - self.n_params))),
                  ("Number of obs", f"{self._nobs:,}, groups: {m.groups}, {self.n_groups}"),
                  ("Covariance", self._cov_type)]
        fe = pd.DataFrame({"Estimate": self._params, "Std. Error": self.std_errors,
                           "z value": self.tvalues, "Pr(>|z|)": self.pvalues})
        lr = self.lr_test()
        notes = list(self._notes)
        notes.append(f"LR test vs pooled model: chi2 = {lr['statistic']:.4g}, df = {lr['df']}, "
                     f"p = {lr['pvalue']:.4g} (boundary-corrected)")
        return Summary(title=title, header=header, tables=[("Random effects:", self._re_table()),
                                                           ("Fixed effects:", fe)], notes=notes)

    def plot_ranef(self, term: str | None = None, *, ax=None, alpha: float = 0.05, add_fixed: bool = True,
                   sort: bool = True):
        """Caterpillar plot of the per-group effects of ``term`` (default: the last
        random-effect term, e.g. the border slope) with conditional-variance intervals.

        ``add_fixed``: plot the group's total effect (fixed estimate + b_j) when the
        term is also a fixed effect. Returns the matplotlib Axes.
        """
        from ..output.axes import get_ax as _get_ax
        from ..output.axes import style as _style

        terms = self._model.re_terms
        term = terms[-1] if term is None else term
        if term not in terms:
            raise InputError(f"term={term!r} is not a random-effect term; choose one of {terms}")
        if not 0 < alpha < 1:
            raise InputError(f"alpha must be in (0, 1), got {alpha!r}")
        est = self._ranef[term].to_numpy().copy()
        if add_fixed and term in self._params.index:
            est = est + float(self._params[term])
        se = np.sqrt(self.ranef_var[term].to_numpy())
        zq = stats.norm.ppf(1 - alpha / 2)
        order = np.argsort(est) if sort else np.arange(len(est))
        ax = _get_ax(ax, figsize=(6.4, max(3.0, min(12.0, 0.12 * len(est)))))
        pos = np.arange(len(est))
        ax.errorbar(est[order], pos, xerr=zq * se[order], fmt="o", ms=3, lw=0.8, capsize=0)
        center = float(self._params[term]) if (add_fixed and term in self._params.index) else 0.0
        ax.axvline(center, color="grey", lw=0.8, ls="--")
        if len(est) <= 60:
            ax.set_yticks(pos)
            ax.set_yticklabels([str(v) for v in self._ranef.index[order]], fontsize=7)
        else:
            ax.set_yticks([])
        ax.set_xlabel(f"{term} by {self._model.groups}" + (" (fixed + random)" if center else " (random effect)"))
        _style(ax)
        return ax


class MixedEventLogit(ModelProtocol):
    """Binary GLMM for a pooled event-history panel (lme4's ``glmer``, exactly).

    Parameters
    ----------
    formula : str
        Fixed effects, ``"event ~ border + x"`` (formulaic syntax; duration terms such as
        ``stop + I(stop**2)`` and policy-level covariates with their cross-level
        interactions, e.g. ``border * topic``, go here). The response must be 0/1.
    data : DataFrame
        Pooled unit-period panel at risk (e.g. ``ds.event_history`` over many policies).
    groups : str
        Grouping column of the random effects (default ``"policy"``; ``"unit"`` gives a
        shared frailty by unit).
    re : str
        Random-effect terms by group, lme4's left of the bar: ``"1"`` (random
        intercept), ``"1 + border"`` (correlated intercept and border slope), ``"0 +
        border"`` (slope only).
    crossed : str, optional
        A second, crossed grouping column with a random intercept (lme4's ``(re | groups)
        + (1 | crossed)``, e.g. ``"unit"`` for a shared state effect across policies);
        Laplace approximation, Hessian standard errors.
    link : {"logit", "cloglog", "probit"}
    missing : {"raise", "drop"}

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import diffusion_stats as ds
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame({"policy": np.repeat(np.arange(20), 60), "x": rng.normal(size=1200)})
    >>> a = rng.normal(scale=0.7, size=20)
    >>> p = 1 / (1 + np.exp(-(-1.5 + a[df["policy"]] + 0.5 * df["x"])))
    >>> df["event"] = (rng.random(1200) < p).astype(int)
    >>> res = ds.MixedEventLogit("event ~ x", df, groups="policy", re="1").fit()
    >>> res.var_components.shape
    (1, 2)
    """

    _role_args = ("groups",)

    def __init__(self, formula: str, data: pd.DataFrame, *, groups: str = "policy", re: str = "1",
                 crossed: str | None = None, link: Literal["logit", "cloglog", "probit"] = "logit",
                 missing: Literal["raise", "drop"] = "raise") -> None:
        check_link(link)
        if not isinstance(data, pd.DataFrame):
            raise InputError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if not isinstance(groups, str):
            raise InputError(f"groups must be one column name, got {groups!r}")
        if groups not in data.columns:
            raise ColumnNotFoundError(f"groups column '{groups}' not found in data"
                                      f"{did_you_mean(groups, data.columns)}")
        if crossed is not None and (not isinstance(crossed, str) or crossed not in data.columns
                                    or crossed == groups):
            raise ColumnNotFoundError(f"crossed={crossed!r} must be a column of data other than groups="
                                      f"'{groups}'{did_you_mean(str(crossed), data.columns)}")
        if not isinstance(re, str) or "~" in re or "|" in re:
            raise InputError(f"re={re!r} must be the left side of lme4's bar, e.g. '1' or '1 + border'")
        self._formula, self._data, self._groups, self._re, self._link = formula, data, groups, re, link
        re_vars = [v for v in re_split(re) if v in data.columns]
        from ..core.formula import Design
        from ..survival.cox import fast_design as _fast_design

        extra = (groups, *re_vars) + ((crossed,) if crossed else ())
        fast = _fast_design(formula, data, extra)  # plain 'y ~ a + b': no formulaic pass
        if fast is not None:
            self._design = Design(y=fast.y, X=np.column_stack([np.ones(len(fast.y)), fast.X]),
                                  names=["Intercept", *fast.names], rows=fast.rows, response=fast.response,
                                  n_dropped=0)
        else:
            self._design = design_matrices(formula, data, intercept=True, missing=missing, extra=extra)
        rows = self._design.rows
        check_binary(self._design.y, self._design.response)
        self._X = self._design.X
        self._names = list(self._design.names)
        self._Z, self._re_terms = self._re_matrix(data.loc[rows])
        codes, levels = pd.factorize(data.loc[rows, groups], sort=True)
        self._codes = codes.astype(np.intp)
        self._levels = levels
        if len(levels) < 2:
            raise SpecificationError(f"groups='{groups}' has {len(levels)} level in the rows used; "
                                     "a random effect needs at least two groups")
        self._crossed = crossed
        if crossed is not None:
            c2, lev2 = pd.factorize(data.loc[rows, crossed], sort=True)
            self._codes2, self._levels2 = c2.astype(np.intp), lev2
            if len(lev2) < 2:
                raise SpecificationError(f"crossed='{crossed}' has {len(lev2)} level in the rows used")

    # -- design of the random part
    def _re_matrix(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
        import formulaic
        from formulaic.errors import FormulaicError

        toks = [t.strip() for t in self._re.split("+")]
        simple = [t for t in toks if t not in ("0", "1")]
        if (all(t in frame.columns and pd.api.types.is_numeric_dtype(frame[t]) for t in simple)
                and len(set(toks)) == len(toks) and not ("0" in toks and "1" in toks)):
            cols = ([] if "0" in toks else [np.ones(len(frame))]) + [frame[t].to_numpy(dtype=float) for t in simple]
            names = ([] if "0" in toks else ["Intercept"]) + simple
            if not cols:
                raise SpecificationError(f"re={self._re!r} has no terms; use e.g. re='1'")
            Z = np.column_stack(cols)
            if np.isnan(Z).any():
                raise DataValidationError(f"re={self._re!r}: {int(np.isnan(Z).any(axis=1).sum())} rows have "
                                          "missing values in the random-effect terms; drop or impute them")
            return Z, names
        try:
            mm = formulaic.model_matrix("~ " + self._re.strip(), frame, na_action="ignore")
        except FormulaicError as exc:
            m = re.search(r"`([^`]+)` is not present", str(exc))
            if m:
                raise ColumnNotFoundError(f"re term '{m.group(1)}' is not a column of data"
                                          f"{did_you_mean(m.group(1), frame.columns)}") from None
            raise InputError(f"could not parse re={self._re!r}: {exc}") from None
        names = [str(c) for c in mm.columns]
        Z = np.asarray(mm, dtype=float)
        if Z.shape[1] == 0:
            raise SpecificationError(f"re={self._re!r} has no terms; use e.g. re='1'")
        if np.isnan(Z).any():
            raise DataValidationError(f"re={self._re!r}: {int(np.isnan(Z).any(axis=1).sum())} rows have missing "
                                      "values in the random-effect terms; drop or impute them")
        return Z, names

    def design_of(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fixed-effect design, random-effect design and group codes (-1: a level not in
        the fit) of new data, for predictions."""
        import formulaic

        rhs = self._formula.split("~", 1)[1]
        X = formulaic.model_matrix("~ " + rhs, data, na_action="ignore")
        names = [str(c) for c in X.columns]
        if names != self._names:
            raise InputError(f"new data give the fixed-effect columns {names}, the fit has {self._names}; "
                             "make categorical columns carry the same levels")
        Z, _ = self._re_matrix(data)
        if self._groups not in data.columns:
            raise ColumnNotFoundError(f"groups column '{self._groups}' not found in the new data")
        g = pd.Index(self._levels).get_indexer(data[self._groups])
        return np.asarray(X, dtype=float), Z, g

    # -- facts
    @property
    def formula(self) -> str:
        return self._formula

    @property
    def re(self) -> str:
        return self._re

    @property
    def groups(self) -> str:
        return self._groups

    @property
    def link(self) -> str:
        return self._link

    @property
    def re_terms(self) -> list[str]:
        return list(self._re_terms)

    @property
    def exog_names(self) -> list[str]:
        return list(self._names)

    @property
    def group_levels(self) -> list:
        return list(self._levels)

    @property
    def nobs(self) -> int:
        return len(self._design.y)

    def problem(self) -> MixedProblem:
        """The numerical problem (objective, gradient) behind the model."""
        if self._crossed is not None:
            from ._mixed_numerics import CrossedProblem
            return CrossedProblem(self._design.y, self._X, self._Z, self._codes, len(self._levels), self._codes2,
                                  len(self._levels2), link=self._link)
        return MixedProblem(self._design.y, self._X, self._Z, self._codes, len(self._levels), link=self._link)

    @renamed(maxiter="max_iter")
    def fit(self, *, n_agq: int = 1, cov_type: Literal["hessian", "pirls", "cluster"] = "hessian",
            start: dict | None = None, max_iter: int = 1000, small_sample: SmallSample = None) -> MixedResults:
        """Maximum likelihood (Laplace or adaptive Gauss-Hermite quadrature).

        Parameters
        ----------
        n_agq : int
            1: Laplace approximation; > 1: adaptive Gauss-Hermite quadrature with that
            many nodes (one scalar random effect only; glmer's ``nAGQ``, at most 100).
        cov_type : {"hessian", "pirls", "cluster"}
            Variance of the fixed effects: "hessian" (inverse of half the
            finite-difference Hessian of the deviance in (theta, beta), the beta block:
            glmer's default ``vcov``), "pirls" (``vcov(use.hessian = FALSE)``: the
            penalised IRLS information at the modes, theta held fixed), or "cluster"
            (sandwich by ``groups``: the likelihood is a product over groups, so the
            per-group scores of (theta, beta) give the meat, with the G/(G-1) factor).
        start : dict, optional
            ``{"theta": ..., "beta": ...}`` starting values (default: theta = identity,
            beta from the pooled GLM).
        max_iter : int
            Limit on quasi-Newton iterations (``maxiter=`` is its deprecated spelling).
        small_sample : {None, "none", "CR1", True, False}
            Finite-sample factor of ``cov_type="cluster"`` (the package-wide vocabulary,
            :mod:`diffusion_stats.inference.covariance`): unset or "CR1" is G/(G-1),
            "none" drops it; "hessian"/"pirls" take none.

        Returns
        -------
        MixedResults
        """
        if cov_type not in _COV_TYPES:
            raise InputError(f"cov_type={cov_type!r} is not one of {_COV_TYPES}")
        kind = resolve_small_sample(small_sample, cov_type, (self._groups,) if cov_type == "cluster" else (),
                                    model=type(self).__name__, default={"cluster": "CR1"},
                                    supported={"cluster": ("none", "CR1")})
        if not isinstance(n_agq, (int, np.integer)) or not 1 <= n_agq <= 100:
            raise InputError(f"n_agq must be an integer from 1 to 100, got {n_agq!r}")
        q = len(self._re_terms)
        if self._crossed is not None and (n_agq > 1 or cov_type != "hessian"):
            raise SpecificationError(f"crossed='{self._crossed}' (a second grouping factor) is fitted by the Laplace "
                                     "approximation with Hessian standard errors only: use n_agq=1, "
                                     "cov_type='hessian'")
        if n_agq > 1 and q > 1:
            raise SpecificationError(f"n_agq={n_agq} (adaptive quadrature) needs a single scalar random effect; "
                                     f"re={self._re!r} has {q} terms; use n_agq=1 (Laplace)")
        y, X = self._design.y, self._X
        pooled = fit_binary_glm(y, X, link=self._link, names=self._names)
        P = self.problem()
        nt = P.n_theta
        if start is None:
            th0 = np.eye(q)[np.tril_indices(q)][np.lexsort(np.tril_indices(q))]
            x0 = np.concatenate([th0, [1.0] if self._crossed else [], pooled.params])
        else:
            x0 = np.concatenate([np.asarray(start["theta"], dtype=float), np.asarray(start["beta"], dtype=float)])
            if len(x0) != nt + X.shape[1]:
                raise InputError(f"start needs {nt} theta and {X.shape[1]} beta values")
        if n_agq > 1:  # start from the Laplace fit (as glmer starts AGQ from its nAGQ=0 stage)
            x0 = P.fit(x0, 1, maxiter=max_iter)["params"]
        out = P.fit(x0, n_agq, maxiter=max_iter)
        x = out["params"]
        theta, beta = x[:nt], x[nt:]
        notes: list[str] = []
        if not out["converged"]:
            from ..core.errors import ConvergenceWarning
            warnings.warn(f"MixedEventLogit: the optimiser stopped without convergence ({out['message']})",
                          ConvergenceWarning, stacklevel=user_stacklevel())
            notes.append(f"WARNING: optimiser did not converge ({out['message']}).")
        V, theta_cov = self._cov(P, x, n_agq, cov_type, kind)
        modes = P.modes(theta, beta) if self._crossed is None else _crossed_modes(P, theta, beta)
        params = pd.Series(beta, index=self._names, name="coef")
        info = {"Link": self._link, "Events": int(y.sum()), "Groups": f"{self._groups} ({len(self._levels)})"}
        state = MixedFitState(X=self._X, Z=self._Z, codes=self._codes, levels=self._levels, names=list(self._names),
                              crossed=self._crossed, crossed_levels=self._levels2 if self._crossed else None,
                              theta_cov=theta_cov)
        res = MixedResults(model=self, state=state, fit=out, theta=theta, beta=beta, modes=modes, n_agq=n_agq,
                           pooled_loglik=pooled.loglik, notes=notes,
                           params=params, cov=pd.DataFrame(V, index=self._names, columns=self._names),
                           nobs=len(y), loglik=-out["deviance"] / 2, cov_type=cov_type,
                           cluster=(self._groups,) if cov_type == "cluster" else (),
                           n_clusters=(len(self._levels),) if cov_type == "cluster" else (),
                           info=info, formula=self._formula)
        if res.singular:
            notes.append("boundary (singular) fit: a random-effect variance is (near) zero or a correlation is +-1")
        return res

    def _cov(self, P: MixedProblem, x: np.ndarray, n_agq: int, cov_type: str, kind: str = "CR1"
             ) -> tuple[np.ndarray, np.ndarray | None]:
        """Variance of the fixed effects and (Hessian-based fits) of theta."""
        nt = P.n_theta
        if cov_type == "pirls":
            return P.rx_cov(x[:nt], x[nt:]), None
        H = (P.hessian(x, central=False) if n_agq <= 1 else P.objective_hessian(x, n_agq)) / 2.0  # from -2 log L
        try:
            Hinv = np.linalg.inv(H)
        except np.linalg.LinAlgError:
            Hinv = np.full_like(H, np.nan)
        theta_cov = Hinv[:nt, :nt]
        if cov_type == "hessian":
            V = Hinv[nt:, nt:]
            if not np.all(np.isfinite(V)) or np.any(np.linalg.eigvalsh((V + V.T) / 2) <= 0):
                return P.rx_cov(x[:nt], x[nt:]), theta_cov  # glmer falls back to the PIRLS variance too
            return (V + V.T) / 2, theta_cov
        S = -0.5 * P.gradient(x, n_agq, per_group=True)  # (J, d) scores of log L per group
        meat = finite_sample_meat(((S.T @ S, S.shape[0]),), kind)
        V = Hinv @ meat @ Hinv
        V = V[nt:, nt:]
        return (V + V.T) / 2, theta_cov


@dataclass(frozen=True)
class _CrossedModes:
    """Conditional modes and variances of a crossed fit."""

    u: np.ndarray
    u2: np.ndarray
    Hinv: np.ndarray
    var2: np.ndarray


def _crossed_modes(P, theta, beta):
    """Modes and conditional variances of the crossed fit (diagonal blocks of the inverse
    of the joint system, by block elimination)."""
    u1, u2, _, H11, S = P.crossed_modes(theta, beta)
    Lam, lam2 = P._pieces(theta)
    mu, me, var = P._local(P._eta2(P._fixed(beta), Lam, lam2, u1, u2))
    H11, H12, Xs, S = P._system(Lam, lam2, me * me / var)
    Sinv = np.linalg.inv(S)
    Hinv11 = np.linalg.inv(H11) + np.einsum("jak,kl,jbl->jab", Xs, Sinv, Xs)
    return _CrossedModes(u=u1, u2=u2, Hinv=Hinv11, var2=np.diag(Sinv).copy())


def re_split(re_spec: str) -> list[str]:
    """The names in an ``re=`` specification (for the missing-value check)."""
    return [t for t in re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", re_spec) if t not in ("I", "C")]

