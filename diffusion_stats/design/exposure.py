"""Time-lagged exposure to prior adopters through a weight matrix (the spatial lag).

For a panel row (policy ``p``, unit ``i``, year ``t``), with ``a_j = 1`` if unit ``j``
adopted ``p`` in a year ``<= t - lag`` (``j != i``):

- ``kind="count"``: ``sum_j 1[w_ij > 0] a_j`` (number of partners that adopted);
- ``kind="share"``: that count divided by the number of partners of ``i``;
- ``kind="weighted"``: ``sum_j w_ij a_j`` (with a row-standardised ``W`` this is a
  weighted share).

The computation is a sparse product ``W @ A_s`` of the weight matrix with the
units x policies indicator of adoptions up to year ``s = t - lag``, done once per
distinct ``s`` (incrementally for static ``W``); there is no loop over rows.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.accounting import to_plain
from ..core.errors import DataValidationError, InputError, RowAccountingWarning, require_columns, user_stacklevel
from ..weights.core import Weights, factorize_labels
from .frame import DesignFrame, derived_accounting, design_frame
from .frame import report as report_of

__all__ = ["exposure", "ExposureReport"]

_KINDS = ("share", "count", "weighted")
_MISSING_YEARS = ("previous", "nearest", "zero", "raise")


class ExposureReport(dict):
    """What :func:`exposure` did for one column (kept in ``df.reports.exposure[name]``).

    Attributes
    ----------
    name, kind, lag, weights : str, str, int, str
        The column, the formula, the lag and the weight matrix's name.
    isolates : tuple of str
        Panel units with no partner in ``W`` (in at least one year used).
    isolate_rows : int
        Panel rows whose unit had no partner in the matrix used: exposure 0.
    missing_units : tuple of str
        Panel units absent from ``W`` (only with ``missing_units="zero"``).
    missing_unit_rows : int
        Rows of those units (exposure 0).
    adopters_not_in_w : tuple of str
        Units in ``adoptions`` absent from ``W``: their adoptions reach nobody.
    year_fallback_rows : int
        Rows (time-varying ``W``) whose year ``t - lag`` had no matrix, so another
        year's matrix (or none) was used, per ``missing_years``.
    year_map : dict
        For those years: ``t - lag`` -> year of the matrix used (None = no ties).

    Also a plain ``dict`` of JSON-safe values, so the panel can still be written with
    ``to_parquet``.
    """

    def __init__(self, name: str, kind: str, lag: int, weights: str, isolates: tuple = (),
                 isolate_rows: int = 0, missing_units: tuple = (), missing_unit_rows: int = 0,
                 adopters_not_in_w: tuple = (), year_fallback_rows: int = 0, year_map: dict | None = None) -> None:
        super().__init__()
        for k, v in dict(name=name, kind=kind, lag=lag, weights=weights, isolates=isolates,
                         isolate_rows=isolate_rows, missing_units=missing_units,
                         missing_unit_rows=missing_unit_rows, adopters_not_in_w=adopters_not_in_w,
                         year_fallback_rows=year_fallback_rows, year_map=dict(year_map or {})).items():
            self[k] = to_plain(v)

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"ExposureReport has no attribute {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in self:
            raise AttributeError(f"ExposureReport has no field {key!r}")
        self[key] = to_plain(value)

    def __str__(self) -> str:
        lines = [f"exposure '{self.name}': kind={self.kind}, lag={self.lag}, W='{self.weights}'"]
        if self.isolate_rows:
            lines.append(f"  {self.isolate_rows:,} rows of {len(self.isolates)} isolated unit(s) "
                         f"({', '.join(self.isolates[:8])}) set to 0")
        if self.missing_unit_rows:
            lines.append(f"  {self.missing_unit_rows:,} rows of {len(self.missing_units)} unit(s) not in W "
                         f"({', '.join(self.missing_units[:8])}) set to 0")
        if self.adopters_not_in_w:
            lines.append(f"  adoptions by {len(self.adopters_not_in_w)} unit(s) not in W ignored "
                         f"({', '.join(self.adopters_not_in_w[:8])})")
        if self.year_fallback_rows:
            lines.append(f"  {self.year_fallback_rows:,} rows used another year's W (years {_span(self.year_map)})")
        return "\n".join(lines)


def _span(d: dict) -> str:
    ks = sorted(d)
    return f"{ks[0]}-{ks[-1]}" if ks else "none"


def _year_keys(s_values: np.ndarray, W: Weights, how: str) -> tuple[list, dict]:
    """Map each distinct ``t - lag`` to the W year used (None = no ties), by :meth:`Weights.year_for`."""
    if not W.is_time_varying:
        return [None] * len(s_values), {}
    keys = [W.year_for(int(s), how) for s in s_values]
    have = set(W.years or ())
    fallback = {int(s): k for s, k in zip(s_values, keys, strict=True) if int(s) not in have}
    return keys, fallback


def exposure(panel: pd.DataFrame, adoptions: pd.DataFrame, W: Weights, *, lag: int = 1, kind: str = "share",
             name: str = "exposure", missing_units: str = "raise", missing_years: str = "previous") -> DesignFrame:
    """Add the time-lagged exposure of each panel row to prior adopters through ``W``.

    Parameters
    ----------
    panel : DataFrame
        Rows with ``policy``, ``unit``, ``year`` (e.g. from ``ds.event_history``).
    adoptions : DataFrame
        ``unit``, ``policy``, ``year`` of first adoptions (e.g. from
        ``ds.read_adoptions``). Adopters need not be in the panel: units excluded from
        a risk set (e.g. adopters before the window) still count as prior adopters.
    W : Weights
        Static or time-varying weights matched by unit label; for time-varying
        weights the matrix of year ``t - lag`` is used.
    lag : int
        Adoptions in years ``<= t - lag`` count (``lag=0``: the same year counts too).
    kind : {"share", "count", "weighted"}
        ``"count"``: number of partners (``w_ij > 0``) that adopted; ``"share"``: that
        count over the number of partners; ``"weighted"``: ``sum_j w_ij a_j``.
        Isolates (no partners) get 0 and are reported.
    name : str
        Name of the new column.
    missing_units : {"raise", "zero"}
        Panel units absent from ``W``: raise an error listing them, or give them
        exposure 0 and report them.
    missing_years : {"previous", "nearest", "zero", "raise"}
        Time-varying ``W`` without a matrix for year ``t - lag``: use the latest
        earlier matrix (an error if there is none), the nearest year's matrix (ties
        to the earlier year), no ties (exposure 0), or raise. Rows affected are
        counted in the report.

    Returns
    -------
    DataFrame
        A copy of ``panel`` with column ``name`` (int64 for ``"count"``, float64
        otherwise). ``df.accounting`` keeps the panel's accounting plus this step's
        counts (and the rows you removed or added since it was built);
        ``df.reports.exposure[name]`` holds an :class:`ExposureReport`.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> W = ds.Weights.from_edges(pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]}))
    >>> adopt = pd.DataFrame({"unit": ["a"], "policy": ["p"], "year": [2000]})
    >>> panel = pd.DataFrame({"policy": "p", "unit": ["b", "b", "c"], "year": [2000, 2001, 2001]})
    >>> ds.exposure(panel, adopt, W, kind="count")["exposure"].tolist()
    [0, 1, 0]
    """
    if not isinstance(W, Weights):
        raise InputError(f"W must be a ds.Weights (build one with Weights.from_edges, from_matrix, ...), "
                         f"not {type(W).__name__}")
    if kind not in _KINDS:
        raise InputError(f"kind='{kind}': use one of {_KINDS}")
    if missing_units not in ("raise", "zero"):
        raise InputError(f"missing_units='{missing_units}': use 'raise' or 'zero'")
    if missing_years not in _MISSING_YEARS:
        raise InputError(f"missing_years='{missing_years}': use one of {_MISSING_YEARS}")
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 0:
        raise InputError(f"lag={lag!r}: must be a whole number >= 0 (1 = adoptions before year t)")
    lag = int(lag)
    if not isinstance(panel, pd.DataFrame):
        raise InputError(f"panel must be a DataFrame with policy, unit, year, not {type(panel).__name__}")
    require_columns(panel, ["policy", "unit", "year"], argument="panel")
    if name in panel.columns:
        raise InputError(f"name='{name}': the panel already has a column of that name; pick another name")
    from .adoptions import as_adoptions

    ad = as_adoptions(adoptions, argument="adoptions")

    # --- codes -------------------------------------------------------------------------
    n_rows = len(panel)
    u_codes, u_labels = factorize_labels(panel["unit"], argument="panel['unit']")
    pi, p_labels = factorize_labels(panel["policy"], argument="panel['policy']")
    yv = pd.to_numeric(panel["year"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(yv).any() or (yv != np.round(yv)).any():
        raise DataValidationError("panel['year']: years must be whole numbers without NaN; fill or drop those rows")
    s_row = yv.astype(np.int64) - lag
    widx = pd.Index(W.labels)
    ui = widx.get_indexer(u_labels)[u_codes] if n_rows else np.zeros(0, dtype=np.int64)
    report = ExposureReport(name=name, kind=kind, lag=lag, weights=W.name)
    miss = ui < 0
    if miss.any():
        mu = tuple(sorted(u_labels[np.unique(u_codes[miss])]))
        if missing_units == "raise":
            hint = ""
            if miss.all():
                hint = (f" (no panel unit matches W's labels: W has e.g. {', '.join(W.labels[:3])}; the panel "
                        f"{', '.join(mu[:3])}: use the same label style, e.g. Weights.us_borders(labels='name') "
                        f"or load_spid(unit='postal'))")
            from ..core.validate import closest_labels

            raise InputError(f"panel: {len(mu)} unit(s) not in W '{W.name}': {closest_labels(mu, W.labels, 10)}"
                             f"{', ...' if len(mu) > 10 else ''}{hint}; add them to W (units= when building it), "
                             f"drop them from the panel, or pass missing_units='zero' for exposure 0")
        report.missing_units, report.missing_unit_rows = mu, int(miss.sum())
    pols = pd.Index(p_labels)
    a_unit = ad["unit"].to_numpy(dtype=object)
    a_u = widx.get_indexer(a_unit)
    a_p = pols.get_indexer(ad["policy"].to_numpy(dtype=object))
    out_w = a_u < 0
    if out_w.any():
        report.adopters_not_in_w = tuple(sorted(set(a_unit[out_w])))
    use = (a_u >= 0) & (a_p >= 0)
    a_u, a_p, a_y = a_u[use], a_p[use], ad["year"].to_numpy(dtype=np.int64)[use]
    order = np.argsort(a_y, kind="stable")
    a_u, a_p, a_y = a_u[order], a_p[order], a_y[order]

    # --- one pass over distinct years s = t - lag ------------------------------------------
    values = np.zeros(n_rows, dtype=np.float64)
    iso = np.zeros(n_rows, dtype=bool)
    row_order = np.argsort(s_row, kind="stable")
    s_sorted = s_row[row_order]
    s_values, starts = np.unique(s_sorted, return_index=True)
    ends = np.append(starts[1:], n_rows) if len(starts) else starts  # an empty panel: no years
    keys, fallback = _year_keys(s_values, W, missing_years)
    n_u, n_p = W.n, len(pols)
    acc = np.zeros((n_u, n_p))
    deg: np.ndarray = np.zeros(n_u)
    # columns of the operator at the adopters, one column per adoption (sorted by year):
    # adding adoptions (ptr, top] adds entries indptr[ptr]:indptr[top] of this CSC matrix
    cols = sp.csc_matrix((n_u, len(a_u)))
    ent_pos = np.zeros(0, dtype=np.int64)
    # last year s of each run of consecutive years that use the same matrix
    run_last = np.empty(len(s_values), dtype=np.int64)
    for k in range(len(s_values) - 1, -1, -1):
        same_next = k + 1 < len(s_values) and keys[k + 1] == keys[k]
        run_last[k] = run_last[k + 1] if same_next else s_values[k]
    prev_key: int | None = None
    ptr = 0
    for i_s, (s, key, lo, hi) in enumerate(zip(s_values, keys, starts, ends, strict=True)):
        top = int(np.searchsorted(a_y, s, side="right"))
        if i_s == 0 or key != prev_key:  # new matrix (first year, or W_t changes): start from scratch
            mat = _operator(W, key, kind)
            deg = np.diff(mat.indptr).astype(np.float64)
            needed = int(np.searchsorted(a_y, run_last[i_s], side="right"))  # adoptions this matrix will see
            cols = mat.tocsc()[:, a_u[:needed]]
            cols.sort_indices()
            # flat position (unit i, policy p) in acc of every entry w_ij of an adopter j
            ent_pos = cols.indices.astype(np.int64) * n_p + np.repeat(a_p[:needed], np.diff(cols.indptr))
            acc = np.zeros((n_u, n_p))
            prev_key, ptr = key, 0
        if top > ptr:  # add the adoptions of years (previous s, s]
            e0, e1 = cols.indptr[ptr], cols.indptr[top]
            if e1 - e0 > acc.size // 8:
                acc += np.bincount(ent_pos[e0:e1], weights=cols.data[e0:e1], minlength=acc.size).reshape(acc.shape)
            else:
                np.add.at(acc.reshape(-1), ent_pos[e0:e1], cols.data[e0:e1])
        ptr = top
        rows = row_order[lo:hi]
        ok = rows[ui[rows] >= 0]
        v = acc[ui[ok], pi[ok]]
        dg = deg[ui[ok]]
        if kind == "share":
            v = np.divide(v, dg, out=np.zeros_like(v), where=dg > 0)
        values[ok] = v
        iso[ok] = dg == 0

    # --- result and accounting -----------------------------------------------------------
    out = panel.copy()
    out[name] = np.rint(values).astype(np.int64) if kind == "count" else values
    report.isolate_rows = int(iso.sum())
    report.isolates = tuple(sorted(u_labels[np.unique(u_codes[iso])]))
    if fallback:
        report.year_map = fallback
        report.year_fallback_rows = int(np.isin(s_row, np.fromiter(fallback, dtype=np.int64)).sum())
    accn = derived_accounting(panel, "exposure", n_rows)
    accn.counts[f"{name}: isolate rows (exposure 0)"] = report.isolate_rows
    if report.missing_unit_rows:
        accn.counts[f"{name}: rows of units not in W (exposure 0)"] = report.missing_unit_rows
    if report.year_fallback_rows:
        accn.counts[f"{name}: rows using another year's W"] = report.year_fallback_rows
    reports = dict(report_of(panel, "exposure", {}))
    reports[name] = report
    out = design_frame(out, accn, exposure=reports)
    _warn(report)
    return out


def _operator(W: Weights, key: int | None, kind: str) -> sp.csr_matrix:
    """The matrix multiplied with the adoption indicators: W (weighted) or 1[W > 0]."""
    if key is None and W.is_time_varying:  # missing_years="zero": no ties that year
        return sp.csr_matrix((W.n, W.n))
    mat = W._matrix(key)
    if kind == "weighted":
        return mat
    b = mat.copy()
    b.data = (b.data > 0).astype(np.float64)
    b.eliminate_zeros()
    return b


def _warn(r: ExposureReport) -> None:
    msgs = []
    if r.isolate_rows:
        msgs.append(f"{r.isolate_rows:,} rows of {len(r.isolates)} unit(s) with no partner in W "
                    f"({', '.join(r.isolates[:6])}{', ...' if len(r.isolates) > 6 else ''}) get exposure 0")
    if r.missing_unit_rows:
        msgs.append(f"{r.missing_unit_rows:,} rows of {len(r.missing_units)} unit(s) not in W "
                    f"({', '.join(r.missing_units[:6])}) get exposure 0")
    if r.adopters_not_in_w:
        msgs.append(f"adoptions by {len(r.adopters_not_in_w)} unit(s) not in W are ignored "
                    f"({', '.join(r.adopters_not_in_w[:6])})")
    if r.year_fallback_rows:
        msgs.append(f"{r.year_fallback_rows:,} rows had no W for year t - {r.lag} and used another year's "
                    f"(see df.reports.exposure['{r.name}'].year_map)")
    if msgs:
        warnings.warn(f"exposure '{r.name}' (W '{r.weights}'): " + "; ".join(msgs), RowAccountingWarning,
                      stacklevel=user_stacklevel())
