"""Option arguments typed with ``Literal`` and checked at run time by one helper.

Every estimator types its string options with the aliases below (``ties: Ties``,
``link: Link``, ...), and checks them with :func:`check_option`, so a typo gets the same
error everywhere: the argument, the value, the allowed choices and the closest one.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from typing import Any, Literal, Union

from .errors import InputError, did_you_mean

__all__ = ["check_option", "choices_of", "Ties", "CovType", "Link", "Duration", "SpatialMethod", "Missing",
           "HCType"]

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
