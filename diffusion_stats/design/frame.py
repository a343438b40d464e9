"""The frame every builder returns: a DataFrame that carries its row accounting and reports.

A :class:`DesignFrame` is a ``pandas.DataFrame`` (every pandas method works and returns a
``DesignFrame``) with two typed attributes instead of hidden ``DataFrame.attrs`` keys:

- :attr:`DesignFrame.accounting`: the builder's :class:`~diffusion_stats.Accounting`, never
  stale: when the rows differ from what the builder produced (a ``query``, a boolean mask,
  ``head``, ``drop``, ``dropna``, ``concat``, ``merge`` ...), the accounting still describes
  the build and states the difference ("built 582,377 rows; this frame has 500,000: 82,377
  rows removed after building by your own operations").
- :attr:`DesignFrame.reports`: a frozen :class:`Reports` with what the builder reported
  beside the rows (exposure reports, channel mechanisms, policy windows, ...).

What survives what
------------------
Kept by every pandas operation that returns a new frame from a ``DesignFrame``: copies, row
selection, sorting, ``assign``, column selection, ``reset_index``, ``panel.merge(cov)``,
``panel.join(...)``, ``pd.merge(panel, cov)`` and ``pd.concat([panel, ...])`` (the builder
frame first), group-wise ``transform`` / ``shift`` / ``filter``, pickling. Summaries (group
totals, ``corr``, ``describe``, ``pivot_table``, ``stack``, ``melt``, the transpose) are not
the builder's rows and carry no accounting. Rows changed by a merge or a concatenation are recorded with the
operation. ``DesignFrame.to_parquet`` writes the accounting (as it stands) and the JSON-safe
reports into the file's metadata; ``pd.read_parquet`` gives a plain DataFrame whose
``attrs`` hold them, which :func:`~diffusion_stats.accounting` reads (comparing the row
count). Lost: ``pd.DataFrame(panel)``, a merge with a plain frame on the left
(``cov.merge(panel)``), ``to_csv`` / ``read_csv`` and other writers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..core.accounting import Accounting, Exclusion, to_plain

__all__ = ["DesignFrame", "Reports", "design_frame", "report", "derived_accounting"]


@dataclasses.dataclass(frozen=True)
class Reports:
    """What a builder reported beside its rows (read as ``frame.reports.<name>``).

    Attributes
    ----------
    units : tuple of str or None
        Every unit of the adoptions' source (:func:`~diffusion_stats.read_adoptions`), so a
        subset of policies can tell which units it lost.
    exposure : dict
        Column name -> :class:`~diffusion_stats.ExposureReport` (or a plain dict for status
        exposures) for each exposure column added.
    channels : dict
        Column name -> mechanism, for columns added by ``add_channels`` / ``status_channels``.
    windows : DataFrame or None
        Policy windows used by ``simulate_diffusion``.
    exposures : DataFrame or None
        The true exposures of ``simulate_diffusion(..., return_exposures=True)``.
    truth : dict or None
        The true parameters of ``simulate_diffusion``.
    repeated : dict or None
        The repeated-events form, risk and cluster of a repeated-events panel.
    case_control : dict or None
        ``tau``, ``ybar`` and the counts of ``case_control_sample``.
    name_mapping : object or None
        The name-to-code mapping of ``countries.treaty_adoptions``.
    netinf : dict or None
        ``trans_mod`` and ``params`` of ``netinf`` edges.
    """

    units: tuple | None = None
    exposure: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    channels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    windows: pd.DataFrame | None = None
    exposures: pd.DataFrame | None = None
    truth: Mapping[str, Any] | None = None
    repeated: Mapping[str, Any] | None = None
    case_control: Mapping[str, Any] | None = None
    name_mapping: Any = None
    netinf: Mapping[str, Any] | None = None

    def replace(self, **changes: Any) -> Reports:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict:
        """The JSON-safe reports (for a file's metadata): windows as columns of lists;
        the simulated exposures and the name mapping are left out."""
        out: dict[str, Any] = {}
        if self.units is not None:
            out["units"] = list(self.units)
        if self.exposure:
            out["exposure"] = {str(k): to_plain(dict(v)) for k, v in self.exposure.items()}
        if self.channels:
            out["channels"] = to_plain(dict(self.channels))
        if self.windows is not None:
            out["windows"] = to_plain(self.windows.to_dict("list"))
        for k in ("truth", "repeated", "case_control"):
            v = getattr(self, k)
            if v is not None:
                out[k] = to_plain(dict(v))
        if self.netinf is not None:
            out.update(to_plain(dict(self.netinf)))
        return out


@dataclasses.dataclass(frozen=True)
class _Build:
    """The accounting and reports of a build, and the rows they describe.

    ``n_rows`` and ``range_index`` describe the baseline the current rows are compared
    with: the builder's output or, after a merge or concatenation with other frames, the
    result of that operation; ``steps`` are the row changes recorded at those operations.
    """

    accounting: Accounting
    reports: Reports
    n_rows: int
    range_index: bool
    steps: tuple[Exclusion, ...] = ()


def _is_default_index(idx: pd.Index, n: int) -> bool:
    return isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1 and len(idx) == n


def _row_changes(build: _Build, frame: pd.DataFrame) -> list[Exclusion]:
    """Rows removed and added since the baseline, from the index (a cheap fingerprint)."""
    n_now, n_base = len(frame), build.n_rows
    idx = frame.index
    if build.range_index and _is_default_index(idx, n_base):
        return []
    removed = added = 0
    if build.range_index and not isinstance(idx, pd.MultiIndex) and pd.api.types.is_integer_dtype(idx.dtype):
        a = idx.to_numpy()
        seen = np.zeros(n_base, dtype=bool)
        seen[a[(a >= 0) & (a < n_base)]] = True  # distinct labels of the baseline still present
        kept = int(np.count_nonzero(seen))
        removed, added = n_base - kept, n_now - kept
    else:  # the index no longer tells rows apart: the net difference only
        removed, added = max(n_base - n_now, 0), max(n_now - n_base, 0)
    out = []
    if removed:
        out.append(Exclusion(removed, "removed after building by your own operations"))
    if added:
        out.append(Exclusion(added, "added after building by your own operations (repeated or new index labels)"))
    return out


def _rebase(build: _Build, before: pd.DataFrame, result: pd.DataFrame, step: Exclusion | None) -> _Build:
    """The build after an operation that makes new rows: earlier changes and the step recorded."""
    steps = build.steps + tuple(_row_changes(build, before)) + ((step,) if step is not None and step.count else ())
    return dataclasses.replace(build, n_rows=len(result), range_index=_is_default_index(result.index, len(result)),
                               steps=steps)


def _build_of(obj: Any) -> _Build | None:
    return getattr(obj, "_ds_build", None) if isinstance(obj, DesignFrame) else None


def _signed(n_in: int, n_out: int, what: str) -> Exclusion:
    d = n_out - n_in
    verb = "added" if d > 0 else "removed"
    return Exclusion(abs(d), f"{verb} by {what} after building ({n_in:,} rows in, {n_out:,} out)")


# pandas methods whose result is a summary of the rows, not rows: the accounting is not carried
_SUMMARIES = frozenset({"corr", "cov", "corrwith", "describe", "pivot_table", "pivot", "transpose", "unstack",
                        "stack", "melt", "crosstab"})


def _row_labels(idx: pd.Index) -> bool:
    """Whether an index can still hold the builder's row labels (integers, not group keys)."""
    return not isinstance(idx, pd.MultiIndex) and pd.api.types.is_integer_dtype(idx.dtype)


class DesignFrame(pd.DataFrame):
    """A DataFrame returned by a diffusion_stats builder, with its accounting and reports.

    Behaves as a ``pandas.DataFrame``; operations on it return a ``DesignFrame`` that keeps
    :attr:`accounting` and :attr:`reports`. See the module docstring for what survives
    what; ``pd.DataFrame(frame)`` (or :meth:`to_pandas`) gives the plain frame.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> ad = pd.DataFrame({"unit": ["A", "B"], "policy": "p", "year": [2001, 2002]})
    >>> panel = ds.event_history(ad, units=["A", "B", "C"], end=2003)
    >>> panel.accounting.n_rows, len(panel)
    (6, 6)
    >>> print(panel.query("year > 2001").accounting.after_build_text())
    built 6 rows; this frame has 3: 3 rows removed after building by your own operations
    """

    _metadata = ["_ds_build"]
    _ds_build: _Build | None = None

    @property
    def _constructor(self):
        return DesignFrame

    def __finalize__(self, other: Any, method: str | None = None, **kwargs: Any) -> DesignFrame:
        out = super().__finalize__(other, method=method, **kwargs)
        if method in _SUMMARIES or (method == "groupby" and not _row_labels(out.index)):
            # a summary (group totals, correlations, a pivot) is not the builder's rows
            object.__setattr__(out, "_ds_build", None)
        elif method in ("merge", "ordered_merge", "asof_merge"):
            left = getattr(other, "orig_left", getattr(other, "left", None))
            b = _build_of(left)
            if b is not None and left is not None:
                how = getattr(other, "how", None)
                on = getattr(other, "on", None)
                what = f"merge(how={how!r}" + (f", on={on!r}" if on else "") + ")"
                object.__setattr__(out, "_ds_build", _rebase(b, left, out, _signed(len(left), len(out), what)))
        elif method == "concat":
            objs = list(getattr(other, "objs", []))
            builds = [_build_of(o) for o in objs]
            first = next((i for i, b in enumerate(builds) if b is not None), None)
            if first is None:
                object.__setattr__(out, "_ds_build", None)
            else:
                b = builds[first]
                assert b is not None
                axis = getattr(other, "bm_axis", 1)
                if axis == 0:  # columns side by side: the rows are the first builder frame's
                    object.__setattr__(out, "_ds_build", b)
                elif all(x is b for x in builds):
                    object.__setattr__(out, "_ds_build", b)  # pieces of one build: the index tells
                else:
                    n_in = len(objs[first])
                    step = Exclusion(len(out) - n_in, f"added by pd.concat with {len(objs) - 1} other frame(s) "
                                                      f"after building ({n_in:,} rows in, {len(out):,} out)")
                    object.__setattr__(out, "_ds_build", _rebase(b, objs[first], out, step))
        return out

    @property
    def accounting(self) -> Accounting | None:
        """The builder's :class:`~diffusion_stats.Accounting`, with the rows changed since.

        ``n_rows`` and the exclusions describe the build; when this frame's rows differ,
        ``after_build`` holds this frame's row count and each change (rows removed or added
        by your own operations, by a merge or by a concatenation). None when nothing is
        attached (a ``DesignFrame`` made directly).
        """
        b = self._ds_build
        if b is None:
            return None
        changes = list(b.steps) + _row_changes(b, self)
        if not changes:
            return b.accounting
        return b.accounting.with_after_build(len(self), changes)

    @property
    def reports(self) -> Reports:
        """What the builder reported beside the rows (:class:`Reports`)."""
        b = self._ds_build
        return b.reports if b is not None else Reports()

    def to_pandas(self) -> pd.DataFrame:
        """The plain ``pandas.DataFrame`` (same data, no accounting)."""
        return pd.DataFrame(self)

    def to_parquet(self, path: Any = None, *args: Any, **kwargs: Any) -> Any:
        """``DataFrame.to_parquet``, with the accounting and JSON-safe reports in the metadata.

        ``pd.read_parquet`` gives them back in ``attrs``; :func:`~diffusion_stats.accounting`
        reads them (and tells when the rows read differ from those written).
        """
        plain = pd.DataFrame(self)
        meta = self.reports.to_json()
        acc = self.accounting
        if acc is not None:
            meta["accounting"] = acc
        plain.attrs = meta
        return plain.to_parquet(path, *args, **kwargs)


def design_frame(df: pd.DataFrame, accounting: Accounting | None, reports: Reports | None = None,
                 **report_changes: Any) -> DesignFrame:
    """``df`` as a new :class:`DesignFrame` carrying ``accounting`` and ``reports`` (the data
    are not copied).

    ``reports`` defaults to those ``df`` already carries; ``report_changes`` replace fields.
    The current rows become the baseline later operations are compared with.
    """
    base = reports if reports is not None else (df.reports if isinstance(df, DesignFrame) else Reports())
    if report_changes:
        base = base.replace(**report_changes)
    out = DesignFrame(df, copy=False)  # a new object sharing the data: ``df`` keeps its own build
    out.attrs = {}
    acc = accounting if accounting is not None else Accounting("unknown", n_rows=len(out))
    object.__setattr__(out, "_ds_build", _Build(acc, base, len(out), _is_default_index(out.index, len(out))))
    return out


def report(data: Any, name: str, default: Any = None) -> Any:
    """The report ``name`` a builder attached to ``data`` (a DesignFrame's :attr:`reports`, or
    the JSON metadata of a frame read back from Parquet); ``default`` when there is none."""
    if isinstance(data, DesignFrame):
        v = getattr(data.reports, name)
        return default if v is None or (isinstance(v, Mapping) and not v) else v
    attrs = getattr(data, "attrs", None) or {}
    return attrs.get(name, default)


def derived_accounting(panel: Any, builder: str, n_rows: int) -> Accounting:
    """The accounting of a builder that extends ``panel`` (e.g. ``exposure``): a copy of the
    panel's accounting as it stands now, with rows the user removed or added since it was
    built recorded as exclusions (no warning: the user made them), and ``n_rows`` updated."""
    from ..core.accounting import accounting as _accounting

    try:
        base = _accounting(panel)
    except Exception:  # a plain frame: this builder starts the accounting
        return Accounting(builder, n_rows=n_rows)
    acc = Accounting.from_dict(base)
    after = acc.pop("after_build", None)
    if after:
        acc.exclusions.extend(Exclusion(int(e[0]), str(e[1]), str(e[2]) if len(e) > 2 else "rows")
                              for e in after["changes"])
    acc.n_rows = n_rows
    return acc
