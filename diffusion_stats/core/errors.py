"""One exception and warning family for the whole package.

Every error a user can trigger derives from :class:`DiffusionStatsError`, and most also
derive from the built-in exception a Python user would expect (``ValueError``,
``KeyError``, ...), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from types import FrameType

__all__ = [
    "user_stacklevel",
    "DiffusionStatsError",
    "InputError",
    "ColumnNotFoundError",
    "DataValidationError",
    "SpecificationError",
    "ConvergenceError",
    "DataNotAvailableError",
    "DiffusionStatsWarning",
    "RowAccountingWarning",
    "ConvergenceWarning",
    "IdentificationWarning",
    "SeparationWarning",
    "did_you_mean",
    "require_columns",
]


class DiffusionStatsError(Exception):
    """Root of every error raised by diffusion_stats."""


class InputError(DiffusionStatsError, ValueError):
    """An argument has a value the function cannot use."""


class ColumnNotFoundError(DiffusionStatsError, KeyError):
    """A named column is missing from a DataFrame."""

    def __str__(self) -> str:  # KeyError would repr() the message otherwise
        return str(self.args[0]) if self.args else ""


class DataValidationError(DiffusionStatsError, ValueError):
    """The data violate a rule (duplicate adoptions, stop <= start, NaN, ...)."""


class SpecificationError(DiffusionStatsError, ValueError):
    """Options contradict each other or the model cannot be specified as asked."""


class ConvergenceError(DiffusionStatsError, RuntimeError):
    """An iterative estimator failed and no usable estimate exists."""


class DataNotAvailableError(DiffusionStatsError, FileNotFoundError):
    """A dataset is neither cached nor downloadable."""


class MissingDependencyError(DiffusionStatsError, ImportError):
    """An optional dependency is not installed; the message names the extra that installs it."""


def require(module: str, *, extra: str, what: str, alternative: str = ""):
    """Import an optional dependency, or raise :class:`MissingDependencyError` naming the extra.

    >>> require("math", extra="spatial", what="this example").__name__
    'math'
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise MissingDependencyError(
            f"{what} needs {top}, which is not installed: pip install 'diffusion_stats[{extra}]' "
            f"(or pip install {top})" + (f", or {alternative}" if alternative else "")) from None


class DiffusionStatsWarning(UserWarning):
    """Root of every warning issued by diffusion_stats."""


class RowAccountingWarning(DiffusionStatsWarning):
    """Rows were excluded or added; the message gives counts and reasons."""


class ConvergenceWarning(DiffusionStatsWarning):
    """An iterative estimator stopped before meeting its tolerance."""


class IdentificationWarning(DiffusionStatsWarning):
    """A covariate cannot be identified by the model (e.g. constant within risk sets)."""


class SeparationWarning(DiffusionStatsWarning):
    """Monotone likelihood / (quasi-)complete separation: an estimate diverges."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def require_columns(data, columns: Sequence[str | None], *, argument: str = "data") -> None:
    """Raise :class:`ColumnNotFoundError` naming the first missing column.

    ``None`` entries are skipped, so optional roles can be passed straight through.
    """
    have = list(map(str, data.columns))
    for col in columns:
        if col is None:
            continue
        if col not in data.columns:
            raise ColumnNotFoundError(
                f"column '{col}' not found in {argument}{did_you_mean(col, have)} "
                f"(available: {', '.join(have[:12])}{', ...' if len(have) > 12 else ''})"
            )


def user_stacklevel() -> int:
    """``stacklevel`` for ``warnings.warn`` that points at the first frame outside the package."""
    import os
    import sys

    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # diffusion_stats/
    f: FrameType | None = sys._getframe(1)
    level = 1
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(pkg):
        f = f.f_back
        level += 1
    return level
