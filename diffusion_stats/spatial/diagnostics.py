"""Spatial diagnostics: Moran's I (of a variable or of OLS residuals), LM tests, yearly Moran.

Formulas follow spdep: :func:`moran_test` is ``spdep::moran.test`` (a variable) or
``spdep::lm.morantest`` (OLS residuals, ``formula=``); :func:`lm_tests` is
``spdep::lm.LMtests`` (LMerr, LMlag, RLMerr, RLMlag, SARMA; Anselin et al. 1996);
:func:`yearly_moran` applies ``moran.test`` year by year to a panel with the W of that
year restricted to the units present, e.g. to adoption indicators or event-model
residuals of an event-history panel.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from ..core.errors import (
    DataValidationError,
    DiffusionStatsWarning,
    InputError,
    SpecificationError,
    require_columns,
    user_stacklevel,
)
from ..core.formula import design_matrices
from .lag import spatial_layout

__all__ = ["MoranResult", "moran_test", "lm_tests", "yearly_moran"]


@dataclass(frozen=True)
class MoranResult:
    """Moran's I with its moments under the null and the standard-deviate test."""

    I: float  # noqa: E741 - the statistic's name
    expectation: float
    variance: float
    statistic: float
    pvalue: float
    n: int
    alternative: str
    kind: str

    def __repr__(self) -> str:
        return (f"Moran's I ({self.kind}): I = {self.I:.6g}, E[I] = {self.expectation:.6g}, "
                f"Var[I] = {self.variance:.6g}, z = {self.statistic:.4f}, p = {self.pvalue:.4g} "
                f"({self.alternative}), n = {self.n}")

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _pvalue(z: float, alternative: str) -> float:
    if alternative == "greater":
        return float(stats.norm.sf(z))
    if alternative == "less":
        return float(stats.norm.cdf(z))
    if alternative == "two.sided":
        return float(2 * stats.norm.sf(abs(z)))
    raise InputError(f"alternative={alternative!r}; use 'greater' (default, as spdep), 'less' or 'two.sided'")


def _moran_variable(x: np.ndarray, W: sp.csr_matrix, *, randomisation: bool, alternative: str,
                    kind: str = "variable") -> MoranResult:
    n = len(x)
    if n < 4:
        raise DataValidationError(f"Moran's I needs at least 4 units, got {n}")
    z = x - x.mean()
    zz = z @ z
    if zz <= 0:
        raise DataValidationError("the variable is constant: Moran's I is undefined")
    S0 = W.sum()
    if S0 == 0:
        raise DataValidationError("W has no ties among these units: Moran's I is undefined")
    Ws = W + W.T
    S1 = 0.5 * Ws.multiply(Ws).sum()
    rs = np.asarray(W.sum(axis=1)).ravel()
    cs = np.asarray(W.sum(axis=0)).ravel()
    S2 = np.sum((rs + cs) ** 2)
    K = n * np.sum(z ** 4) / zz ** 2
    # spdep's adjust.n = TRUE: units without neighbours do not count in n (z keeps them)
    n = n - int(np.sum(np.diff(W.tocsr().indptr) == 0))
    I_ = (n / S0) * (z @ (W @ z)) / zz
    EI = -1.0 / (n - 1)
    if randomisation:
        VI = n * ((n * n - 3 * n + 3) * S1 - n * S2 + 3 * S0 ** 2)
        VI -= K * (n * (n - 1) * S1 - 2 * n * S2 + 6 * S0 ** 2)
        VI = VI / ((n - 1) * (n - 2) * (n - 3) * S0 ** 2) - EI ** 2
    else:
        VI = (n * n * S1 - n * S2 + 3 * S0 ** 2) / (S0 ** 2 * (n * n - 1)) - EI ** 2
    if VI <= 0:
        warnings.warn(f"Moran's I: the variance under {'randomisation' if randomisation else 'normality'} is "
                      f"negative ({VI:.3g}; the variable's kurtosis is too high, e.g. a rare binary outcome), so "
                      "the z-test is undefined (NaN, as spdep); use randomisation=False or a permutation test",
                      DiffusionStatsWarning, stacklevel=user_stacklevel())
        zi = np.nan
        pv = np.nan
    else:
        zi = (I_ - EI) / np.sqrt(VI)
        pv = _pvalue(zi, alternative)
    return MoranResult(float(I_), float(EI), float(VI), float(zi), pv, len(x), alternative,
                       kind + (" (randomisation)" if randomisation else " (normality)"))


def _moran_residuals(y: np.ndarray, X: np.ndarray, W: sp.csr_matrix, *, alternative: str) -> MoranResult:
    n, p = X.shape
    n = n - int(np.sum(np.diff(W.tocsr().indptr) == 0))  # spdep (zero.policy): n without isolates
    XtXinv = np.linalg.inv(X.T @ X)
    u = y - X @ (XtXinv @ (X.T @ y))
    S0 = W.sum()
    Ws = W + W.T
    S1 = 0.5 * Ws.multiply(Ws).sum()
    I_ = (n / S0) * (u @ (W @ u)) / (u @ u)
    Z = (0.5 * Ws) @ X  # spdep uses the symmetrised listw2U(W) = (W + W')/2
    C1 = X.T @ Z
    trA = np.trace(XtXinv @ C1)
    EI = -(n * trA) / ((n - p) * S0)
    C2 = Z.T @ Z
    C3 = XtXinv @ C1
    trA2 = np.trace(C3 @ C3)
    trB = np.trace(4 * (XtXinv @ C2))
    VI = (n * n / (S0 * S0 * (n - p) * (n - p + 2))) * (S1 + 2 * trA2 - trB - 2 * trA ** 2 / (n - p))
    zi = (I_ - EI) / np.sqrt(VI)
    return MoranResult(float(I_), float(EI), float(VI), float(zi), _pvalue(zi, alternative), n, alternative,
                       "OLS residuals")


def _cross_section(data: pd.DataFrame, W: Any, unit: str, standardize: str | None, cols: Sequence[str]):
    require_columns(data, [unit, *cols])
    lay = spatial_layout(data[unit].to_numpy(), None, W, standardize=standardize, unit_name=unit)
    return lay.blocks[0].tocsr()


def moran_test(data: pd.DataFrame, W: Any, *, unit: str, column: str | None = None, formula: str | None = None,
               alternative: str = "greater", randomisation: bool = True,
               standardize: str | None = "row") -> MoranResult:
    """Moran's I test of a variable (``column=``) or of OLS residuals (``formula=``).

    Parameters
    ----------
    data : DataFrame
        One row per unit.
    W : ds.Weights
        Matched to ``data[unit]`` by label; restricted to these units and
        row-standardised (``standardize="row"``, spdep's ``style="W"``).
    unit : str
    column : str
        Variable to test (``spdep::moran.test``; ``randomisation=`` as there).
    formula : str
        OLS model whose residuals are tested (``spdep::lm.morantest``).
    alternative : {"greater", "less", "two.sided"}

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> W = ds.Weights.from_edges(pd.DataFrame({"source": list("abcde"), "target": list("bcdea")}))
    >>> d = pd.DataFrame({"unit": list("abcde"), "y": [1.0, 2.0, 3.0, 2.5, 1.5]})
    >>> round(ds.moran_test(d, W, unit="unit", column="y").I, 4)
    0.3
    """
    if (column is None) == (formula is None):
        raise SpecificationError("pass exactly one of column= (Moran's I of a variable) or formula= (of OLS residuals)")
    if column is not None:
        Wm = _cross_section(data, W, unit, standardize, [column])
        x = data[column].to_numpy(dtype=float)
        if np.isnan(x).any():
            raise DataValidationError(f"column '{column}' has {int(np.isnan(x).sum())} missing values; drop them first")
        return _moran_variable(x, Wm, randomisation=randomisation, alternative=alternative)
    assert formula is not None  # exactly one of column= / formula= (checked above)
    design = design_matrices(formula, data, extra=(unit,))
    sub = data.loc[design.rows]
    Wm = _cross_section(sub, W, unit, standardize, [])
    return _moran_residuals(design.y, design.X, Wm, alternative=alternative)


def lm_tests(formula: str, data: pd.DataFrame, W: Any, *, unit: str,
             standardize: str | None = "row") -> pd.DataFrame:
    """Lagrange-multiplier tests for spatial dependence after OLS (``spdep::lm.LMtests``).

    Returns a DataFrame indexed by test (LMerr, LMlag, RLMerr, RLMlag, SARMA) with
    columns ``statistic``, ``df`` and ``pvalue``.

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> W = ds.Weights.from_edges(pd.DataFrame({"source": list("abcdef"), "target": list("bcdefa")}))
    >>> d = pd.DataFrame({"unit": list("abcdef"), "y": [1.0, 2.0, 3.0, 2.5, 1.5, 0.5],
    ...                   "x": [0.3, 0.1, 0.8, 0.2, 0.5, 0.4]})
    >>> list(ds.lm_tests("y ~ x", d, W, unit="unit").index)
    ['LMerr', 'LMlag', 'RLMerr', 'RLMlag', 'SARMA']
    """
    design = design_matrices(formula, data, extra=(unit,))
    sub = data.loc[design.rows]
    Wm = _cross_section(sub, W, unit, standardize, [])
    y, X = design.y, design.X
    N = len(y)
    XtXinv = np.linalg.inv(X.T @ X)
    yhat = X @ (XtXinv @ (X.T @ y))
    u = y - yhat
    s2 = (u @ u) / N
    TrW = Wm.multiply(Wm).sum() + Wm.multiply(Wm.T).sum()
    Wu, Wy, Wyhat = Wm @ u, Wm @ y, Wm @ yhat
    XtWyhat = X.T @ Wyhat
    dutWu = (u @ Wu) / s2
    J = (1.0 / (N * s2)) * (Wyhat @ Wyhat - XtWyhat @ XtXinv @ XtWyhat + TrW * s2)
    dutWy = (u @ Wy) / s2
    res = {
        "LMerr": (dutWu ** 2 / TrW, 1),
        "LMlag": (dutWy ** 2 / (N * J), 1),
        "RLMerr": ((dutWu - TrW * dutWy / (N * J)) ** 2 / (TrW * (1 - TrW / (N * J))), 1),
        "RLMlag": ((dutWy - dutWu) ** 2 / (N * J - TrW), 1),
        "SARMA": ((dutWy - dutWu) ** 2 / (N * J - TrW) + dutWu ** 2 / TrW, 2),
    }
    out = pd.DataFrame({"statistic": [float(v[0]) for v in res.values()], "df": [v[1] for v in res.values()]},
                       index=list(res))
    out["pvalue"] = stats.chi2.sf(out["statistic"], out["df"])
    return out


def yearly_moran(data: pd.DataFrame, W: Any, *, column: str, unit: str, time: str,
                 by: str | Sequence[str] | None = None, randomisation: bool = True,
                 alternative: str = "greater", standardize: str | None = "row") -> pd.DataFrame:
    """Moran's I of ``column`` in every period (and every ``by`` group, e.g. policy).

    Each period uses the W of that period (time-varying ``Weights`` or a dict
    ``{year: Weights}``) restricted to the units present then, row-standardised by
    default; units without a neighbour at risk keep a zero row and, as in spdep
    (``zero.policy=TRUE``, ``adjust.n=TRUE``), do not count in ``n`` of the moments.
    Periods where the variable is constant (e.g. no adoption that year) or with fewer
    than 4 units get NaN and a ``note``; so does the z-test when the randomisation
    variance is negative (a single adopter: kurtosis too high; spdep gives NaN too).

    Returns
    -------
    DataFrame with the ``by`` columns, ``time``, ``n``, ``I``, ``expectation``,
    ``variance``, ``statistic``, ``pvalue`` and ``note``.

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> W = ds.Weights.from_edges(pd.DataFrame({"source": list("abcde"), "target": list("bcdea")}))
    >>> d = pd.DataFrame({"unit": list("abcde") * 2, "year": [1] * 5 + [2] * 5,
    ...                   "event": [1, 1, 0, 0, 0, 0, 0, 1, 1, 0]})
    >>> ds.yearly_moran(d, W, column="event", unit="unit", time="year")["n"].tolist()
    [5, 5]
    """
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    require_columns(data, [column, unit, time, *by_cols])
    rows = []
    groups = data.groupby(by_cols + [time], sort=True) if by_cols else data.groupby(time, sort=True)
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        t = key[-1]
        rec = dict(zip(by_cols + [time], key, strict=False))
        x = g[column].to_numpy(dtype=float)
        rec["n"] = len(g)
        note = ""
        if np.isnan(x).any():
            raise DataValidationError(f"column '{column}' has missing values in period {t}; drop them first")
        lay = spatial_layout(g[unit].to_numpy(), np.full(len(g), t), W, standardize=standardize, unit_name=unit)
        Wm = lay.blocks[0].tocsr()
        if len(g) < 4:
            note = "fewer than 4 units"
        elif np.ptp(x) == 0:
            note = "constant"
        elif Wm.sum() == 0:
            note = "no ties"
        if note:
            rec.update(I=np.nan, expectation=np.nan, variance=np.nan, statistic=np.nan, pvalue=np.nan, note=note)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DiffusionStatsWarning)
                r = _moran_variable(x, Wm, randomisation=randomisation, alternative=alternative)
            rec.update(I=r.I, expectation=r.expectation, variance=r.variance, statistic=r.statistic,
                       pvalue=r.pvalue, note="" if r.variance > 0 else "negative variance (kurtosis)")
        rows.append(rec)
    out = pd.DataFrame(rows)
    n_nan = int((out["note"] != "").sum()) if len(out) else 0
    if n_nan:
        warnings.warn(f"yearly_moran: {n_nan} of {len(out)} period(s) without a Moran's I or its z-test "
                      f"({out.loc[out['note'] != '', 'note'].value_counts().to_dict()})", DiffusionStatsWarning,
                      stacklevel=user_stacklevel())
    return out
