"""Row accounting shared by every builder and reader.

Builders never drop or add rows silently: each exclusion is recorded with its count
and reason, warned about once (:class:`RowAccountingWarning`), and kept on the
returned DataFrame as ``df.attrs["accounting"]`` (read it with :func:`accounting`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import pandas as pd

from ._errors import InputError, RowAccountingWarning

__all__ = ["Accounting", "accounting"]


@dataclass(frozen=True)
class Exclusion:
    """``count`` items (``what``: rows, units, dyads...) excluded or added, and why."""

    count: int
    reason: str
    what: str = "rows"
    examples: tuple = ()

    def __str__(self) -> str:
        ex = f" (e.g. {', '.join(map(str, self.examples[:5]))})" if self.examples else ""
        return f"{self.count:,} {self.what} {self.reason}{ex}"


@dataclass
class Accounting:
    """What a builder produced and what it left out.

    Attributes
    ----------
    builder : str
        The function that built the table.
    n_rows : int
        Rows in the result.
    counts : dict
        Named totals (events, units, policies, input adoptions, ...).
    exclusions : list of Exclusion
        Everything excluded or added, with counts and reasons.
    """

    builder: str
    n_rows: int = 0
    counts: dict = field(default_factory=dict)
    exclusions: list = field(default_factory=list)

    def exclude(self, count: int, reason: str, *, what: str = "rows", examples=(), warn: bool = True) -> None:
        """Record an exclusion (if ``count`` > 0) and warn with its count and reason."""
        count = int(count)
        if count <= 0:
            return
        ex = Exclusion(count, reason, what, tuple(examples)[:10])
        self.exclusions.append(ex)
        if warn:
            warnings.warn(f"{self.builder}: {ex}", RowAccountingWarning, stacklevel=3)

    @property
    def n_excluded(self) -> int:
        return sum(e.count for e in self.exclusions)

    def to_frame(self) -> pd.DataFrame:
        """The exclusions as a DataFrame (count, what, reason)."""
        return pd.DataFrame([{"count": e.count, "what": e.what, "reason": e.reason} for e in self.exclusions],
                            columns=["count", "what", "reason"])

    def __str__(self) -> str:
        lines = [f"{self.builder}: {self.n_rows:,} rows"]
        lines += [f"  {k}: {v:,}" if isinstance(v, int) else f"  {k}: {v}" for k, v in self.counts.items()]
        lines += [f"  excluded: {e}" for e in self.exclusions] or ["  nothing excluded"]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(str(self)) + "</pre>"


def accounting(df: pd.DataFrame) -> Accounting:
    """Return the :class:`Accounting` a builder attached to ``df``."""
    acc = getattr(df, "attrs", {}).get("accounting")
    if acc is None:
        raise InputError("this DataFrame carries no accounting: it was not made by a diffusion_stats builder "
                         "(or pandas dropped .attrs in a later operation); rebuild it or keep the builder's output")
    return acc
