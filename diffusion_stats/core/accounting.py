"""Row accounting shared by every builder and reader.

Builders never drop or add rows silently: each exclusion is recorded with its count
and reason, warned about once (:class:`RowAccountingWarning`), and kept on the
returned frame (a :class:`~diffusion_stats.design.frame.DesignFrame`) as
``frame.accounting`` (or :func:`accounting`), never in ``DataFrame.attrs``. When the
frame's rows change after building, the accounting still describes the build and states
the difference in ``after_build``.
"""

from __future__ import annotations

import copy
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

    A ``dict`` underneath (keys ``builder``, ``n_rows``, ``counts``, ``exclusions`` and,
    for a frame whose rows changed after building, ``after_build``) holding only JSON-safe
    values, so it can be written into a Parquet file's metadata; :func:`accounting` turns
    the plain dict read back into this class.

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
    after_build : dict or None
        Only when the frame's rows differ from the build: ``n_rows`` (this frame's rows)
        and ``changes`` (Exclusion-like ``(count, reason, what)`` entries: rows removed or
        added by the user's own operations, a merge or a concatenation).

    Examples
    --------
    >>> acc = Accounting("demo", n_rows=10)
    >>> acc.exclude(2, "adopted before the window: excluded", what="units", warn=False)
    >>> acc.n_excluded, str(acc.exclusions[0])
    (2, '2 units adopted before the window: excluded')
    """

    def __init__(self, builder: str, n_rows: int = 0, counts: dict | None = None,
                 exclusions: list | None = None, after_build: dict | None = None) -> None:
        super().__init__(builder=str(builder), n_rows=int(n_rows), counts=_Counts(counts or {}),
                         exclusions=[_exclusion(e) for e in (exclusions or [])])
        if after_build:
            self["after_build"] = {"n_rows": int(after_build["n_rows"]),
                                   "changes": [_exclusion(e) for e in after_build.get("changes", [])]}

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

    @property
    def after_build(self) -> dict | None:
        """This frame's rows and the changes since the build (None when the rows are the built ones)."""
        return self.get("after_build")

    @property
    def current_rows(self) -> int:
        """Rows of the frame now (``n_rows`` unless they changed after building)."""
        ab = self.after_build
        return int(ab["n_rows"]) if ab else self.n_rows

    def with_after_build(self, n_rows: int, changes: list) -> Accounting:
        """A copy stating that the frame now has ``n_rows`` rows after ``changes``."""
        return Accounting(self.builder, self.n_rows, copy.deepcopy(dict(self.counts)), list(self.exclusions),
                          after_build={"n_rows": n_rows, "changes": list(changes)})

    @classmethod
    def from_dict(cls, d: dict) -> Accounting:
        """Rebuild from the plain dict that JSON (e.g. a Parquet round trip) gives back."""
        return cls(d["builder"], d.get("n_rows", 0), copy.deepcopy(dict(d.get("counts") or {})),
                   d.get("exclusions"), d.get("after_build"))

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
        if self.after_build:
            lines.append(f"  after building: {self.after_build_text()}")
        return "\n".join(lines)

    def after_build_text(self) -> str:
        """One sentence on the rows changed after building ("" when none changed)."""
        ab = self.after_build
        if not ab:
            return ""
        changes = "; ".join(str(e) for e in ab["changes"]) or "no rows removed or added"
        return f"built {self.n_rows:,} rows; this frame has {int(ab['n_rows']):,}: {changes}"

    def __repr__(self) -> str:
        after = f", rows now={self.current_rows}" if self.after_build else ""
        return f"Accounting({self.builder!r}, n_rows={self.n_rows}, counts={dict(self.counts)}, " \
               f"exclusions={len(self.exclusions)}{after})"

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(str(self)) + "</pre>"


def _exclusion(e: Any) -> Exclusion:
    """An Exclusion from an Exclusion or the list JSON gives back for one."""
    return Exclusion(int(e[0]), str(e[1]), str(e[2]) if len(e) > 2 else "rows",
                     tuple(to_plain(list(e[3]))) if len(e) > 3 else ())


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


def accounting(df: Any) -> Accounting:
    """Return the :class:`Accounting` a builder attached to ``df``.

    ``df`` is a builder's frame (its ``.accounting``, which states rows removed or added
    after building), any object with an ``accounting`` attribute (``Weights``,
    ``iter_dyads``), or a DataFrame read back from a Parquet file a builder's frame wrote
    (the accounting in its metadata, compared with the rows read).

    Raises
    ------
    InputError
        When nothing is attached, e.g. a plain ``pandas.DataFrame``.
    """
    acc = getattr(df, "accounting", None) if isinstance(getattr(type(df), "accounting", None), property) else None
    if isinstance(acc, Accounting):
        return acc
    stored = (getattr(df, "attrs", None) or {}).get("accounting")
    if isinstance(stored, dict) and "builder" in stored:  # read back from a Parquet file's metadata
        acc = stored if isinstance(stored, Accounting) else Accounting.from_dict(stored)
        n_now = len(df)
        if n_now != acc.current_rows:
            changes = list(acc.after_build["changes"]) if acc.after_build else []
            d = n_now - acc.current_rows
            changes.append(Exclusion(abs(d), ("added" if d > 0 else "removed") + " after the file was read "
                                     "(pandas kept the file's metadata but not the rows)"))
            acc = acc.with_after_build(n_now, changes)
        return acc
    raise InputError(
        f"this {type(df).__name__} carries no accounting. Builders (ds.event_history, ds.dyads, ds.exposure, ...) "
        "return a DesignFrame whose .accounting survives pandas operations on it; it is lost when a plain frame "
        "is made from it (pd.DataFrame(panel), a merge with a plain frame on the left such as cov.merge(panel), "
        "to_csv/read_csv) and a summary of the rows (groupby totals, pivot_table, corr, describe, the transpose) "
        "has none. Keep the builder's frame on the left (panel.merge(cov)) or rebuild it")
