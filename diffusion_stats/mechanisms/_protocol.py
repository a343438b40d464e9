"""How the mechanism tools refit any estimator: through the model protocol.

Every estimator derives from :class:`diffusion_stats.inference.protocol.ModelProtocol`,
which records the formula, data, column roles and options the model was built with;
the tools read them with ``model.spec()`` and refit with ``model.replace(formula=,
data=, **options)`` (the engine of ``with_formula`` / ``with_data`` / ``with_options``).
Nothing is read back from a model's attributes. A third-party estimator joins by
inheriting ``ModelProtocol`` (see its docstring).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, overload

import pandas as pd

from ..core.errors import InputError, SpecificationError
from ..inference.protocol import ModelProtocol

__all__ = ["is_model", "model_formula", "model_data", "rebuild", "fit_model", "rhs_terms", "drop_terms",
           "add_terms", "channel_names", "fit_results"]


def is_model(obj: Any) -> bool:
    """True for an unfitted model (a :class:`ModelProtocol`), False for a Results."""
    return isinstance(obj, ModelProtocol)


def _protocol(model: Any) -> ModelProtocol:
    if not isinstance(model, ModelProtocol):
        raise InputError(f"{type(model).__name__} is not a diffusion_stats model; the mechanism tools need a model "
                         "built as Model('event ~ ...', data, ...) (an estimator deriving from "
                         "diffusion_stats.inference.protocol.ModelProtocol)")
    return model


@overload
def model_formula(model: Any, *, strict: Literal[True] = ...) -> str: ...
@overload
def model_formula(model: Any, *, strict: bool) -> str | None: ...
def model_formula(model: Any, *, strict: bool = True) -> str | None:
    """The formula the model was built with (``None`` for a non-model unless ``strict``)."""
    if not strict and not isinstance(model, ModelProtocol):
        return None
    return _protocol(model).spec().formula


def model_data(model: Any) -> pd.DataFrame:
    """The data the model was built on."""
    return _protocol(model).spec().data


def rebuild(model: Any, formula: str | None = None, data: pd.DataFrame | None = None,
            **overrides: Any) -> Any:
    """A new model like ``model`` with another formula, data and/or constructor keywords."""
    return _protocol(model).replace(formula=formula, data=data, **overrides)


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
    out: list[str] = []
    cur: list[str] = []
    depth = 0
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
