"""The protocol every estimator shares: a recorded specification and ``with_*`` rebuilders.

A model is built from a formula, a data frame and keyword arguments (column roles such as
``start=``, ``strata=``, ``unit=``, ``W=``, and options such as ``ties=``, ``link=``).
:class:`ModelProtocol` records exactly those constructor arguments when the model is
built (the subclass's ``__init__`` is wrapped once, when the class is defined), so that

* ``model.spec()`` returns them as a frozen :class:`Specification`;
* ``model.with_formula(f)``, ``model.with_data(d)``, ``model.with_options(**kw)`` and
  ``model.replace(formula=, data=, **kw)`` return NEW models of the same class built from
  the recorded arguments with some replaced (the original is never changed);
* the mechanism tools (horse race, placebo, permutation, sensitivity, Galton) refit any
  estimator through these methods, never by reading the model's attributes back.

To add an estimator: inherit ``ModelProtocol``, take ``(formula, data, ...)`` with the other
arguments by keyword, and list the column-role arguments in ``_role_args``; everything
else the constructor takes is an option.
"""

from __future__ import annotations

import functools
import inspect
import pickle
import re
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from ..core.errors import InputError, did_you_mean
from ..core.formula import caller_namespace, current_namespace, use_namespace

__all__ = ["ModelProtocol", "Specification"]


@dataclass(frozen=True, eq=False)
class Specification:
    """What a model was built from: the class, formula, data, column roles and options.

    ``roles`` and ``options`` are read-only mappings of the constructor's keyword
    arguments (defaults included); ``namespace`` is the caller's namespace the formula
    is evaluated in (user-defined functions such as ``shifted(x)``).
    """

    model: type
    formula: str
    data: Any
    roles: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    namespace: Mapping[str, Any] | None = field(default=None, repr=False)

    def __reduce__(self) -> tuple:
        # plain dicts (mapping proxies do not pickle); namespace entries that cannot be
        # pickled (modules, lambdas) are left out: formulaic provides ``np`` itself
        ns = {}
        for k, v in (self.namespace or {}).items():
            try:
                pickle.dumps(v)
            except Exception:  # noqa: BLE001 - anything unpicklable stays behind
                continue
            ns[k] = v
        return (_specification, (self.model, self.formula, self.data, dict(self.roles), dict(self.options), ns))

    @property
    def arguments(self) -> dict[str, Any]:
        """Roles and options together: the keyword arguments of the constructor."""
        return {**self.roles, **self.options}

    def __repr__(self) -> str:
        kw = ", ".join(f"{k}={v!r}" for k, v in self.arguments.items()
                       if isinstance(v, (str, int, float, bool, type(None), list, tuple)))
        shape = getattr(self.data, "shape", None)
        return f"Specification({self.model.__name__}, {self.formula!r}, data{list(shape) if shape else ''}, {kw})"


def _specification(model: type, formula: str, data: Any, roles: dict, options: dict,
                   namespace: dict | None) -> Specification:
    return Specification(model=model, formula=formula, data=data, roles=MappingProxyType(roles),
                         options=MappingProxyType(options), namespace=namespace)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _names_used(namespace: Mapping[str, Any] | None, formula: Any) -> dict[str, Any]:
    """The entries of ``namespace`` that ``formula`` mentions (the rest is not kept alive)."""
    if not namespace or not isinstance(formula, str):
        return {}
    return {k: namespace[k] for k in set(_NAME.findall(formula)) if k in namespace}


def _recording(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap a constructor so that it records its bound arguments and formula namespace."""
    sig = inspect.signature(init)  # read once, when the class is defined
    names = list(sig.parameters)[1:]  # without self
    if names[:2] != ["formula", "data"]:
        raise TypeError(f"{init.__qualname__}: a ModelProtocol constructor takes (formula, data, ...), "
                        f"got {names[:2]}")

    translate = getattr(init, "__translate_keywords__", None)  # deprecated spellings (core.options.renamed)

    @functools.wraps(init)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if translate is not None:
            kwargs = translate(dict(kwargs))
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        namespace = current_namespace()
        if namespace is None:
            namespace = caller_namespace()
        with use_namespace(namespace):
            init(self, *args, **kwargs)
        arguments = dict(bound.arguments)
        arguments.pop(next(iter(sig.parameters)))
        formula, data = arguments.pop("formula"), arguments.pop("data")
        arguments.update(self._resolved_arguments())
        role_names = type(self)._role_args
        self._specification = Specification(
            model=type(self), formula=formula, data=data,
            roles=MappingProxyType({k: v for k, v in arguments.items() if k in role_names}),
            options=MappingProxyType({k: v for k, v in arguments.items() if k not in role_names}),
            namespace=_names_used(namespace, formula))

    __init__.__protocol_recording__ = True  # type: ignore[attr-defined]
    return __init__


class ModelProtocol:
    """Base of every estimator: records its specification, rebuilds with changes.

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> df = pd.DataFrame({"start": 0, "stop": [1, 1, 2, 2, 3, 4, 4, 5],
    ...                    "event": [1, 0, 1, 1, 0, 1, 0, 1],
    ...                    "x": [1.0, 0.0, 1.0, 0.5, 0.0, 2.0, 1.0, 0.0],
    ...                    "z": [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0]})
    >>> m = ds.CoxHazard("event ~ x", df, ties="breslow")
    >>> m.spec().options["ties"]
    'breslow'
    >>> m2 = m.with_formula("event ~ x + z").with_options(ties="efron")
    >>> m2.spec().formula, m2.spec().options["ties"], m.spec().options["ties"]
    ('event ~ x + z', 'efron', 'breslow')
    """

    #: constructor arguments that name columns (or, for SpatialLag, the weights): the roles
    _role_args: ClassVar[tuple[str, ...]] = ()
    _specification: Specification

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "__protocol_recording__", False):
            cls.__init__ = _recording(init)  # type: ignore[method-assign]

    def _resolved_arguments(self) -> dict[str, Any]:
        """Arguments whose value the constructor resolved (e.g. ``tau`` read from the data's
        metadata): recorded as used, so a rebuilt model uses the same."""
        return {}

    def spec(self) -> Specification:
        """The recorded specification (formula, data, roles, options) of this model."""
        return self._specification

    def replace(self, *, formula: str | None = None, data: Any = None, **options: Any) -> Any:
        """A new model of the same class with the formula, data and/or keyword arguments replaced.

        Raises :class:`InputError` for a keyword the constructor does not take.
        """
        s = self.spec()
        known = s.arguments
        for k in options:
            if k not in known:
                raise InputError(f"{s.model.__name__} has no argument {k}={options[k]!r} (its arguments are "
                                 f"{', '.join(known)}){did_you_mean(k, known)}")
        namespace = s.namespace
        if formula is not None and formula != s.formula:  # a new formula may use the caller's names too
            namespace = ChainMap(dict(s.namespace or {}), caller_namespace())
        with use_namespace(namespace):
            return s.model(s.formula if formula is None else formula, s.data if data is None else data,
                           **{**known, **options})

    def with_formula(self, formula: str) -> Any:
        """The same model with another formula (roles, options and data kept)."""
        return self.replace(formula=formula)

    def with_data(self, data: Any) -> Any:
        """The same model on other data (formula, roles and options kept)."""
        return self.replace(data=data)

    def with_options(self, **options: Any) -> Any:
        """The same model with some constructor keywords (options or roles) changed."""
        return self.replace(**options)
