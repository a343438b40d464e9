"""Formula parsing (formulaic) with the package's error and missing-data rules."""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import sys
import warnings
from collections import ChainMap
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from types import FrameType
from typing import Any

import numpy as np
import pandas as pd

from .errors import (
    ColumnNotFoundError,
    DataValidationError,
    InputError,
    RowAccountingWarning,
    did_you_mean,
    user_stacklevel,
)

__all__ = ["Design", "design_matrices", "caller_namespace", "current_namespace", "use_namespace"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # diffusion_stats/
_NAMESPACE: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "diffusion_stats_formula_namespace", default=None)


def caller_namespace() -> MutableMapping[str, Any]:
    """Locals and globals of the first frame outside diffusion_stats (the user's line).

    Formulas are evaluated with the data's columns first and this namespace second, so a
    user-defined function (``"event ~ shifted(x)"``) or module (``np.log(x)``) works, as
    R's formula environment.
    """
    f: FrameType | None = sys._getframe(1)
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_PACKAGE):
        f = f.f_back
    if f is None:
        return {}
    return ChainMap(dict(f.f_locals), f.f_globals)


def current_namespace() -> Mapping[str, Any] | None:
    """The namespace set by :func:`use_namespace` (a model being built), or ``None``."""
    return _NAMESPACE.get()


@contextlib.contextmanager
def use_namespace(namespace: Mapping[str, Any] | None) -> Iterator[None]:
    """Evaluate formulas inside the block in ``namespace`` (models record and reuse theirs)."""
    token = _NAMESPACE.set(namespace)
    try:
        yield
    finally:
        _NAMESPACE.reset(token)


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
                    missing: str = "raise", extra: tuple[str | None, ...] = (),
                    namespace: Mapping[str, Any] | None = None) -> Design:
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
    namespace : mapping, optional
        Names the formula may use besides the data's columns (user-defined functions).
        Default: the namespace of the model being built (:func:`use_namespace`), else
        that of the caller outside the package (:func:`caller_namespace`).
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
        if namespace is None:
            namespace = current_namespace()
        if namespace is None:
            namespace = caller_namespace()
        mm = formulaic.model_matrix(formula, data, na_action="ignore", context=namespace)
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
                      RowAccountingWarning, stacklevel=user_stacklevel())
    keep = ~bad
    return Design(y=yv[keep], X=Xv[keep], names=[str(c) for c in X.columns], rows=keep,
                  response=response, n_dropped=n_bad, spec=mm.rhs.model_spec)
