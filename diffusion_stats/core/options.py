"""Option arguments typed with ``Literal`` and checked at run time by one helper.

Every estimator types its string options with the aliases below (``ties: Ties``,
``link: Link``, ...), and checks them with :func:`check_option`, so a typo gets the same
error everywhere: the argument, the value, the allowed choices and the closest one.
"""

from __future__ import annotations

import functools
import types
import typing
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, TypeVar, Union

from .errors import InputError, SpecificationError, did_you_mean, user_stacklevel

__all__ = ["check_option", "choices_of", "renamed", "rename_keywords", "translating", "Ties", "CovType", "Link",
           "Duration", "SpatialMethod", "Missing", "HCType"]

F = TypeVar("F", bound=Callable[..., Any])

Ties = Literal["efron", "breslow", "exact"]
CovType = Literal["classical", "robust", "cluster", "dyadic"]
Link = Literal["logit", "cloglog", "probit"]
Duration = Literal["cubic", "spline", "dummies"]
SpatialMethod = Literal["ml", "s2sls"]
Missing = Literal["raise", "drop"]
HCType = Literal["HC0", "HC1"]


def choices_of(allowed: Any) -> tuple[Any, ...]:
    """The choices of a ``Literal`` (also ``Literal[...] | None``) or of an iterable of values."""
    origin = typing.get_origin(allowed)
    if origin is Literal:
        return tuple(typing.get_args(allowed))
    if origin is Union or (hasattr(types, "UnionType") and isinstance(allowed, types.UnionType)):
        out: list[Any] = []
        for a in typing.get_args(allowed):
            out.extend((None,) if a is type(None) else choices_of(a))
        return tuple(out)
    if allowed is None or allowed is type(None):
        return (None,)
    if isinstance(allowed, str) or not isinstance(allowed, Iterable):
        raise TypeError(f"check_option: allowed must be a Literal or a collection of values, got {allowed!r}")
    return tuple(allowed)


def check_option(name: str, value: Any, allowed: Any) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise :class:`InputError`.

    Parameters
    ----------
    name : str
        The argument's name, as the user typed it (``"ties"``).
    value
        What the user passed.
    allowed : Literal or collection
        ``Literal["efron", "breslow"]``, ``Literal[...] | None``, or a tuple of values.

    Raises
    ------
    InputError
        Naming the argument, the value, the choices and the closest choice.

    Examples
    --------
    >>> from typing import Literal
    >>> check_option("ties", "efron", Literal["efron", "breslow"])
    'efron'
    >>> try:
    ...     check_option("ties", "efrn", Literal["efron", "breslow"])
    ... except ValueError as err:
    ...     print(err)
    ties='efrn' is not one of 'efron', 'breslow'; did you mean 'efron'?
    """
    choices = choices_of(allowed)
    for c in choices:
        if value is c or (c is not None and isinstance(value, type(c)) and value == c):
            return value
    hint = did_you_mean(value, [c for c in choices if isinstance(c, str)]) if isinstance(value, str) else ""
    raise InputError(f"{name}={value!r} is not one of {', '.join(map(repr, choices))}{hint}")


# --------------------------------------------------------------------------- one vocabulary
def rename_keywords(kwargs: dict[str, Any], renames: Mapping[str, str], where: str) -> dict[str, Any]:
    """Map deprecated keyword spellings in ``kwargs`` to their new names (in place, also
    returned), with a ``FutureWarning`` at the user's line; both spellings at once raise."""
    for old, new in renames.items():
        if old in kwargs:
            if new in kwargs:
                raise SpecificationError(f"{where}: pass {new}= only; {old}= is its deprecated spelling")
            warnings.warn(f"{where}: {old}= is deprecated and will be removed in the next release; "
                          f"use {new}= (same meaning and default)", FutureWarning, stacklevel=user_stacklevel())
            kwargs[new] = kwargs.pop(old)
    return kwargs


def translating(translate: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[F], F]:
    """Decorator: pass the keywords through ``translate`` (deprecated spellings to new ones)
    before the function sees them; model constructors are translated before their arguments
    are recorded (:mod:`diffusion_stats.inference.protocol`)."""
    def deco(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **translate(kwargs))

        wrapper.__translate_keywords__ = translate  # type: ignore[attr-defined]
        return typing.cast(F, wrapper)
    return deco


def renamed(**renames: str) -> Callable[[F], F]:
    """Decorator: accept the old spelling of renamed keywords for one release.

    ``@renamed(maxiter="max_iter")`` maps ``maxiter=`` to ``max_iter=`` with a
    ``FutureWarning`` pointing at the caller's line; the signature shows the new names only.

    Examples
    --------
    >>> import warnings
    >>> @renamed(maxiter="max_iter")
    ... def f(*, max_iter=10):
    ...     return max_iter
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     f(maxiter=3), w[0].category.__name__
    (3, 'FutureWarning')
    """
    def deco(func: F) -> F:
        qual = func.__qualname__.replace("<locals>.", "")
        method = "." in qual

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if any(old in kwargs for old in renames):
                where = qual
                if method and args:  # the caller's class (EventLogit.fit, not _BinaryModel.fit)
                    owner = args[0] if isinstance(args[0], type) else type(args[0])
                    where = f"{owner.__name__}.{func.__name__}"
                kwargs = rename_keywords(kwargs, renames, where.replace(".__init__", ""))
            return func(*args, **kwargs)

        wrapper.__translate_keywords__ = (  # type: ignore[attr-defined]
            lambda kwargs: rename_keywords(kwargs, renames, qual.replace(".__init__", "")))
        wrapper.__renamed__ = dict(renames)  # type: ignore[attr-defined]
        return typing.cast(F, wrapper)
    return deco
