"""Row accounting shared by every builder and reader.

Builders never drop or add rows silently: each exclusion is recorded with its count
and reason, warned about once (:class:`RowAccountingWarning`), and kept on the
returned DataFrame as ``df.attrs["accounting"]`` (read it with :func:`accounting`).
"""

from __future__ import annotations

import functools
import numbers
import sys
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import InputError, RowAccountingWarning, user_stacklevel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Accounting", "accounting", "format_fact"]


def _is_numpy_scalar(v: Any) -> bool:
    # numpy is not imported here (``import diffusion_stats`` stays light); a numpy scalar
    # can only exist once numpy has been imported by someone else
    np = sys.modules.get("numpy")
    return np is not None and isinstance(v, np.generic)


def to_plain(v: Any) -> Any:
    """A JSON-safe version of ``v`` (numpy scalars to Python, other objects to str)."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if _is_numpy_scalar(v):
        return v.item()
    if isinstance(v, tuple):
        return tuple(to_plain(x) for x in v)
    if isinstance(v, list):
        return [to_plain(x) for x in v]
    if isinstance(v, dict):
        return {(to_plain(k) if _is_numpy_scalar(k) or isinstance(k, (bool, int, float, str)) else str(k)): to_plain(x)
                for k, x in v.items()}
    return str(v)


class Exclusion(NamedTuple):
    """``count`` items (``what``: rows, units, dyads...) excluded or added, and why."""

    count: int  # type: ignore[assignment]  # the field shadows tuple.count on purpose (public name)
    reason: str
    what: str = "rows"
    examples: tuple = ()

    def __str__(self) -> str:
        ex = f" (e.g. {', '.join(map(str, self.examples[:5]))})" if self.examples else ""
        return f"{self.count:,} {self.what} {self.reason}{ex}"


class _Counts(dict):
    """A dict that stores JSON-safe values: numpy scalars become Python numbers.

    Containers (dict, list) are stored as the same object, so a builder may keep filling
    a nested tally in place; builders put only Python numbers and strings in them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.update(*args, **kwargs)

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(str(key), value if isinstance(value, (dict, list)) else to_plain(value))

    def update(self, *args: Any, **kwargs: Any) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v


class Accounting(dict):
    """What a builder produced and what it left out.

    A ``dict`` underneath (keys ``builder``, ``n_rows``, ``counts``, ``exclusions``) holding
    only JSON-safe values, so a DataFrame carrying it in ``.attrs`` can still be written
    with ``to_parquet``; :func:`accounting` turns the plain dict read back into this class.

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

    Examples
    --------
    >>> acc = Accounting("demo", n_rows=10)
    >>> acc.exclude(2, "adopted before the window: excluded", what="units", warn=False)
    >>> acc.n_excluded, str(acc.exclusions[0])
    (2, '2 units adopted before the window: excluded')
    """

    def __init__(self, builder: str, n_rows: int = 0, counts: dict | None = None,
                 exclusions: list | None = None) -> None:
        super().__init__(builder=str(builder), n_rows=int(n_rows), counts=_Counts(counts or {}),
                         exclusions=[Exclusion(int(e[0]), str(e[1]), str(e[2]), tuple(to_plain(list(e[3]))))
                                     for e in (exclusions or [])])

    builder = property(lambda self: self["builder"], doc="The function that built the table.")
    counts = property(lambda self: self["counts"], doc="Named totals.")
    exclusions = property(lambda self: self["exclusions"], doc="Exclusions with counts and reasons.")

    @property
    def n_rows(self) -> int:
        """Rows in the result."""
        return self["n_rows"]

    @n_rows.setter
    def n_rows(self, value: int) -> None:
        self["n_rows"] = int(value)

    @classmethod
    def from_dict(cls, d: dict) -> Accounting:
        """Rebuild from the plain dict that JSON (e.g. a Parquet round trip) gives back."""
        return cls(d["builder"], d.get("n_rows", 0), d.get("counts"), d.get("exclusions"))

    def exclude(self, count: int, reason: str, *, what: str = "rows", examples=(), warn: bool = True) -> None:
        """Record an exclusion (if ``count`` > 0) and warn with its count and reason."""
        count = int(count)
        if count <= 0:
            return
        ex = Exclusion(count, str(reason), str(what), tuple(to_plain(list(examples)[:10])))
        self.exclusions.append(ex)
        if warn:
            warnings.warn(f"{self.builder}: {ex}", RowAccountingWarning, stacklevel=user_stacklevel())

    @property
    def n_excluded(self) -> int:
        return sum(e.count for e in self.exclusions)

    def to_frame(self) -> pd.DataFrame:
        """The exclusions as a DataFrame (count, what, reason)."""

        return _FullTextFrame([{"count": e.count, "what": e.what, "reason": e.reason} for e in self.exclusions],
                              columns=["count", "what", "reason"])

    def __str__(self) -> str:
        lines = [f"{self.builder}: {self.n_rows:,} rows"]
        lines += [f"  {k}: {format_fact(v)}" for k, v in self.counts.items()]
        lines += [f"  excluded: {e}" for e in self.exclusions] or ["  nothing excluded"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Accounting({self.builder!r}, n_rows={self.n_rows}, counts={dict(self.counts)}, " \
               f"exclusions={len(self.exclusions)})"

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(str(self)) + "</pre>"


def format_fact(v: Any) -> str:
    """An accounting count as text: ``1,234``; a mapping as ``event: 444; x: 0``, not a dict."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, numbers.Integral):
        return f"{int(v):,}"
    if isinstance(v, dict):
        return "; ".join(f"{k}: {format_fact(x)}" for k, x in v.items()) or "none"
    if isinstance(v, (list, tuple, set)):
        return ", ".join(format_fact(x) for x in v) or "none"
    return str(v)


@functools.lru_cache(maxsize=1)
def _full_text_frame_class():
    import pandas as pd

    class FullTextFrame(pd.DataFrame):
        """A DataFrame that prints its text columns in full (reasons are sentences)."""

        @property
        def _constructor(self):  # operations on it give plain DataFrames
            return pd.DataFrame

        def __repr__(self) -> str:
            with pd.option_context("display.max_colwidth", None):
                return pd.DataFrame(self).to_string()

        def _repr_html_(self) -> str | None:
            with pd.option_context("display.max_colwidth", None):
                return pd.DataFrame(self)._repr_html_()

        def __reduce__(self):  # pickles as a plain DataFrame
            return pd.DataFrame(self).__reduce__()

    return FullTextFrame


def _FullTextFrame(*args, **kwargs):
    return _full_text_frame_class()(*args, **kwargs)


def accounting(df: pd.DataFrame) -> Accounting:
    """Return the :class:`Accounting` a builder attached to ``df``."""
    acc: Any = getattr(df, "attrs", {}).get("accounting")
    if isinstance(acc, dict) and not isinstance(acc, Accounting) and "builder" in acc:
        acc = Accounting.from_dict(acc)  # read back from Parquet / JSON
    if acc is None:
        raise InputError("this DataFrame carries no accounting: it was not made by a diffusion_stats builder "
                         "(or pandas dropped .attrs in a later operation); rebuild it or keep the builder's output")
    return acc
