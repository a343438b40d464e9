"""Formula parsing (formulaic) with the package's error and missing-data rules."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import ColumnNotFoundError, DataValidationError, InputError, RowAccountingWarning, did_you_mean

__all__ = ["Design", "design_matrices"]


@dataclass(frozen=True)
class Design:
    """Response, design matrix and bookkeeping from a formula.

    ``rows`` is a boolean mask over the input ``data`` of the rows used.
    """

    y: np.ndarray
    X: np.ndarray
    names: list[str]
    rows: np.ndarray
    response: str
    n_dropped: int
    spec: Any = None  # formulaic ModelSpec of the right-hand side (rebuilds the design for new data)


def design_matrices(formula: str, data: pd.DataFrame, *, intercept: bool = True,
                    missing: str = "raise", extra: tuple[str | None, ...] = ()) -> Design:
    """Build ``y`` and ``X`` from ``"y ~ x1 + x2"``.

    Parameters
    ----------
    formula : str
        Two-sided formulaic formula.
    data : DataFrame
    intercept : bool
        Keep the intercept (logit, OLS) or remove it (Cox).
    missing : {"raise", "drop"}
        Rows with NaN in the response, a term, or an ``extra`` column raise an error
        naming the column and count, or are dropped with a :class:`RowAccountingWarning`.
    extra : tuple of column names
        Role columns (start, stop, strata, cluster, ...) that must be complete too.
    """
    import formulaic
    from formulaic.errors import FormulaicError

    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if not isinstance(formula, str) or "~" not in formula:
        raise InputError(f"formula must be a string like 'event ~ x1 + x2', got {formula!r}")
    if missing not in ("raise", "drop"):
        raise InputError(f"missing={missing!r}; use 'raise' or 'drop'")
    from .validate import check_formula_inputs

    check_formula_inputs(formula, data)
    try:
        mm = formulaic.model_matrix(formula, data, na_action="ignore")
    except FormulaicError as exc:
        m = re.search(r"`([^`]+)` is not present", str(exc))
        if m:
            name = m.group(1)
            raise ColumnNotFoundError(
                f"formula term '{name}' is not a column of data{did_you_mean(name, data.columns)}") from None
        raise InputError(f"could not parse formula {formula!r}: {exc}") from None
    lhs = mm.lhs
    if lhs.shape[1] != 1:
        raise InputError(f"formula {formula!r} must have exactly one response on the left of '~'")
    response = str(lhs.columns[0])
    X = mm.rhs
    if not intercept and "Intercept" in X.columns:
        X = X.drop(columns="Intercept")
    yv = np.asarray(lhs.iloc[:, 0], dtype=float)
    Xv = np.asarray(X, dtype=float)
    inf = np.isinf(yv) | np.isinf(Xv).any(axis=1)
    if inf.any():
        cols = [str(nm) for j, nm in enumerate(X.columns) if np.isinf(Xv[:, j]).any()]
        if np.isinf(yv).any():
            cols.insert(0, response)
        raise DataValidationError(
            f"{int(inf.sum())} of {len(data)} rows have an infinite value in {cols} (e.g. row "
            f"{data.index[np.flatnonzero(inf)[0]]!r}); an infinite covariate has no estimate: replace it "
            "(e.g. data.replace([np.inf, -np.inf], np.nan) and then drop or impute) or transform the term")
    bad = np.isnan(yv) | np.isnan(Xv).any(axis=1)
    extra_cols = [c for c in extra if c is not None]
    for c in extra_cols:
        if c not in data.columns:
            raise ColumnNotFoundError(f"column '{c}' not found in data{did_you_mean(c, data.columns)}")
        bad |= pd.isna(data[c]).to_numpy()
    n_bad = int(bad.sum())
    if n_bad:
        per = {response: int(np.isnan(yv).sum())}
        for j, nm in enumerate(X.columns):
            per[str(nm)] = int(np.isnan(Xv[:, j]).sum())
        for c in extra_cols:
            per[c] = int(pd.isna(data[c]).sum())
        per = {k: v for k, v in per.items() if v}
        detail = ", ".join(f"'{k}': {v}" for k, v in per.items())
        if missing == "raise":
            raise DataValidationError(
                f"{n_bad} of {len(data)} rows have missing values ({detail}); drop or impute them, "
                "or pass missing='drop' to exclude them with a warning")
        warnings.warn(f"{n_bad} of {len(data)} rows excluded for missing values ({detail})",
                      RowAccountingWarning, stacklevel=3)
    keep = ~bad
    return Design(y=yv[keep], X=Xv[keep], names=[str(c) for c in X.columns], rows=keep,
                  response=response, n_dropped=n_bad, spec=mm.rhs.model_spec)
