"""The small protocol the mechanism tools use to refit any estimator.

A *model* is any object with ``formula`` (str), the data it was built on, and
``fit(**kwargs)`` returning a :class:`~diffusion_stats.inference.results.Results`. To refit with
another formula or other data the tools rebuild it, in this order of preference:

1. ``model._refit_with(formula=..., data=...)`` if the estimator defines it;
2. ``type(model)(formula, data, **model._roles)`` if it keeps its constructor keywords
   in ``_roles``;
3. ``type(model)(formula, data, *positional, **keywords)`` with the constructor's other
   arguments read back from same-named public attributes or ``_<name>`` attributes
   (values that cannot be constructor arguments, e.g. per-row arrays already subset to
   the rows used, are left at their defaults; a required argument that cannot be read
   back is an error naming it).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import InputError, SpecificationError

__all__ = ["is_model", "model_formula", "model_data", "rebuild", "fit_model", "rhs_terms", "drop_terms",
           "add_terms", "channel_names", "fit_results"]

_SIMPLE = (str, int, float, bool, type(None), np.integer, np.floating)


def is_model(obj: Any) -> bool:
    """True for an unfitted model (has fit and a formula), False for a Results."""
    return callable(getattr(obj, "fit", None)) and model_formula(obj, strict=False) is not None


def model_formula(model: Any, *, strict: bool = True) -> str | None:
    for attr in ("formula", "_formula"):
        v = getattr(model, attr, None)
        if isinstance(v, str):
            return v
    if strict:
        raise InputError(f"{type(model).__name__} has no formula; the mechanism tools need a model built as "
                         "Model('event ~ ...', data, ...)")
    return None


def model_data(model: Any) -> pd.DataFrame:
    for attr in ("data", "_data"):
        v = getattr(model, attr, None)
        if isinstance(v, pd.DataFrame):
            return v
    raise InputError(f"{type(model).__name__} does not expose the data it was built on (model.data); "
                     "pass the model's data explicitly")


def _read_back(model: Any, name: str, n_rows: int) -> tuple[bool, Any]:
    for attr in (name, f"_{name}"):
        if attr in ("data", "formula"):
            continue
        try:
            v = inspect.getattr_static(model, attr)
        except AttributeError:
            continue
        if isinstance(v, property):
            try:
                v = getattr(model, attr)
            except Exception:  # noqa: BLE001 - a failing property is simply not readable
                continue
        elif callable(v):
            continue
        if isinstance(v, _SIMPLE):
            return True, v
        if isinstance(v, (tuple, list)) and all(isinstance(x, _SIMPLE) for x in v):
            return True, (v[0] if len(v) == 1 and name in ("strata", "cluster") else list(v))
        if hasattr(v, "aligned") and hasattr(v, "labels"):  # a Weights (SpatialLag's W)
            return True, v
        if isinstance(v, np.ndarray) and v.ndim == 1 and len(v) == n_rows:
            return True, v
    return False, None


def rebuild(model: Any, formula: str | None = None, data: pd.DataFrame | None = None,
            **overrides: Any) -> Any:
    """A new model like ``model`` with another formula and/or data (see module docstring)."""
    formula = formula if formula is not None else model_formula(model)
    data = data if data is not None else model_data(model)
    refit = getattr(model, "_refit_with", None)
    if callable(refit):
        return refit(formula=formula, data=data, **overrides)
    cls = type(model)
    roles = getattr(model, "_roles", None)
    if isinstance(roles, Mapping):
        kw = {**dict(roles), **overrides}
        return cls(formula, data, **kw)
    sig = inspect.signature(cls.__init__)
    params = list(sig.parameters.values())[1:]  # drop self
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    n_rows = len(model_data(model))
    for i, p in enumerate(params):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if i == 0 or p.name == "formula":
            value: Any = formula
        elif i == 1 or p.name == "data":
            value = data
        elif p.name in overrides:
            value = overrides[p.name]
        else:
            ok, value = _read_back(model, p.name, n_rows)
            if not ok or (isinstance(value, np.ndarray) and len(value) != len(data)):
                if p.default is inspect.Parameter.empty:
                    raise SpecificationError(
                        f"cannot rebuild {cls.__name__}: its argument '{p.name}' cannot be read back from the model; "
                        f"give the estimator a _roles dict or _refit_with(), or pass results instead of the model")
                continue
        if p.kind == p.POSITIONAL_ONLY or (p.kind == p.POSITIONAL_OR_KEYWORD and i < 2):
            args.append(value)
        elif p.kind == p.POSITIONAL_OR_KEYWORD and p.default is inspect.Parameter.empty:
            args.append(value)
        else:
            kwargs[p.name] = value
    return cls(*args, **kwargs)


def fit_model(model: Any, fit_kwargs: Mapping[str, Any] | None) -> Any:
    return model.fit(**dict(fit_kwargs or {}))


def fit_results(model_or_results: Any, fit_kwargs: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """(model or None, results) from either."""
    if is_model(model_or_results):
        return model_or_results, fit_model(model_or_results, fit_kwargs)
    if hasattr(model_or_results, "params") and hasattr(model_or_results, "cov"):
        return None, model_or_results
    raise InputError(f"expected a model (with formula, data and fit()) or fitted results, got "
                     f"{type(model_or_results).__name__}")


# -- formulas -------------------------------------------------------------------------
def _split_top(s: str, sep: str = "+") -> list[str]:
    out, depth, cur = [], 0, []
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return [t for t in out if t]


def rhs_terms(formula: str) -> tuple[str, list[str]]:
    if "~" not in formula:
        raise InputError(f"formula {formula!r} has no '~'")
    lhs, rhs = formula.split("~", 1)
    return lhs.strip(), _split_top(rhs)


def _tokens(term: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", term))


def drop_terms(formula: str, names: list[str]) -> str:
    """The formula without the top-level terms ``names`` (error if they enter other terms)."""
    lhs, terms = rhs_terms(formula)
    keep = []
    for t in terms:
        if t in names:
            continue
        inside = _tokens(t) & set(names)
        if inside:
            raise SpecificationError(f"term '{t}' of {formula!r} uses channel(s) {sorted(inside)}; the drop-one and "
                                     "placebo refits can only remove channels that enter as plain terms")
        keep.append(t)
    if not keep:
        keep = ["1"]
    return f"{lhs} ~ " + " + ".join(keep)


def add_terms(formula: str, names: list[str]) -> str:
    lhs, terms = rhs_terms(formula)
    return f"{lhs} ~ " + " + ".join(terms + [n for n in names if n not in terms])


def channel_names(channels: Any, params_index: Any = None) -> list[str]:
    if channels is None:
        raise InputError("channels is required: the channel column names (or ds.Channel objects) to compare")
    if isinstance(channels, str) or hasattr(channels, "weights") or hasattr(channels, "mechanism"):
        channels = [channels]
    names = []
    for c in channels:
        nm = c if isinstance(c, str) else getattr(c, "name", None)
        if nm is None:
            raise InputError(f"channels must be names or ds.Channel objects; got {c!r}")
        names.append(nm)
    if len(set(names)) != len(names):
        raise InputError(f"channels are listed more than once: {names}")
    if params_index is not None:
        from ..core.errors import did_you_mean

        idx = list(map(str, params_index))
        for nm in names:
            if nm not in idx:
                raise InputError(f"channel '{nm}' is not a term of the model{did_you_mean(nm, idx)}; "
                                 f"terms are {idx}")
    return names
