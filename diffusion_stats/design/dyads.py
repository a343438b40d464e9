"""The directed-dyad panel: unit i at risk in year t, paired with each potential source j.

Built on :func:`~diffusion_stats.event_history` (same windows, units and row accounting):
each at-risk (policy, unit, year) row is expanded to its partners with ``np.repeat`` and
index arithmetic, never a Python loop over rows. Output dtypes are lean: ``policy``,
``unit`` and ``partner`` are categoricals (``unit`` and ``partner`` share one category
list, the unit labels), ``year`` is int16 (int32 outside -32768..32767), indicators int8,
``years_since_partner_adopted`` and numeric covariates float32.

For designs too large for memory use :func:`iter_dyads` (an iterator of frames, a few
policies at a time) or :func:`write_dyads_parquet` (Parquet part files).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.accounting import Accounting
from ..core.errors import DataValidationError, InputError, RowAccountingWarning, require_columns, user_stacklevel
from ..core.options import renamed
from ..core.progress import progress
from .frame import DesignFrame, design_frame

__all__ = ["dyads", "iter_dyads", "write_dyads_parquet", "DyadChunks", "DYAD_COLUMNS"]

DYAD_COLUMNS = ("policy", "unit", "partner", "year", "event", "partner_adopted", "years_since_partner_adopted")
_SOURCES = ("prior_adopters", "all")
_DENSE_LIMIT = 50_000_000  # cells of a dense (unit, partner[, year]) lookup table


# --------------------------------------------------------------------------- set-up
class _Plan:
    """Monadic panel, unit/policy codes, adoption grid and per-row partner counts."""

    def __init__(self, adoptions: pd.DataFrame, *, start, end, windows, units, sources: str) -> None:
        from .adoptions import as_adoptions
        from .panel import _units_table, event_history

        if sources not in _SOURCES:
            raise InputError(f"sources={sources!r}; use 'prior_adopters' (partners that adopted before t) or "
                             "'all' (every other unit)")
        self.sources = sources
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            panel = event_history(adoptions, start=start, end=end, windows=windows, units=units)
        for w in caught:  # re-issue event_history's accounting warnings as ours
            msg = str(w.message).replace("event_history:", "dyads (risk set):", 1)
            warnings.warn(msg, w.category, stacklevel=user_stacklevel())
        acc0 = panel.accounting
        assert acc0 is not None
        self.monadic_acc: Accounting = acc0
        ad = as_adoptions(adoptions)
        if units is None:
            ulab = np.sort(ad["unit"].unique().astype(object))
            self.u_first = self.u_last = None
        else:
            ulab, uf, ul = _units_table(units)
            spans = (uf > np.iinfo(np.int64).min // 4) | (ul < np.iinfo(np.int64).max // 4)
            self.u_first, self.u_last = (uf, ul) if spans.any() else (None, None)
        self.unit_labels = np.asarray(ulab, dtype=object)
        U = self.U = len(self.unit_labels)
        self.policy_labels = np.asarray(pd.unique(panel["policy"]), dtype=object)
        P = len(self.policy_labels)
        self.pcode = pd.Categorical(panel["policy"], categories=self.policy_labels).codes.astype(np.int32)
        self.ucode = pd.Categorical(panel["unit"], categories=self.unit_labels).codes.astype(np.int32)
        self.year = panel["year"].to_numpy(dtype=np.int64)
        self.event = panel["event"].to_numpy(dtype=np.int8)
        self.n_monadic = len(panel)
        del panel
        # adoption grid (all adoptions of panel policies by known units, including those
        # before the window: such partners are prior adopters)
        NONE = np.iinfo(np.int64).max // 4
        A = np.full((P, U), NONE, dtype=np.int64)
        pc = pd.Index(self.policy_labels).get_indexer(ad["policy"].to_numpy())
        uc = pd.Index(self.unit_labels).get_indexer(ad["unit"].to_numpy())
        ok = (pc >= 0) & (uc >= 0)
        A[pc[ok], uc[ok]] = ad["year"].to_numpy()[ok]
        self.A, self.NONE = A, NONE
        ymin = int(min(self.year.min() if self.n_monadic else 0, A[A != NONE].min() if (A != NONE).any() else 0))
        ymax = int(max(self.year.max() if self.n_monadic else 0, A[A != NONE].max() if (A != NONE).any() else 0))
        self.ymin, self.ymax = ymin, ymax
        if sources == "all":
            self.m = np.full(self.n_monadic, max(U - 1, 0), dtype=np.int64)
        else:
            # partners = units with A[p, j] < t, taken in adoption order: counts via one searchsorted
            big = ymax - ymin + 3
            A2 = np.where(A == NONE, ymax - ymin + 2, A - ymin)
            self.order = np.argsort(A2, axis=1, kind="stable").astype(np.int32)
            keys = (np.arange(P, dtype=np.int64)[:, None] * big + np.take_along_axis(A2, self.order, 1)).ravel()
            q = self.pcode.astype(np.int64) * big + (self.year - ymin)
            self.m = np.searchsorted(keys, q, side="left") - self.pcode.astype(np.int64) * U
        yr_lo, yr_hi = ymin, ymax
        self.year_dtype = np.int16 if (-32768 <= yr_lo and yr_hi <= 32767) else np.int32

    # ----------------------------------------------------------------- expansion
    def expand(self, rows: slice) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Directed-dyad rows for the monadic rows ``rows`` (a contiguous slice)."""
        m = self.m[rows]
        n = int(m.sum())
        U = self.U
        rep = np.repeat(np.arange(len(m), dtype=np.int32), m)
        starts = np.cumsum(m) - m
        off = np.arange(n, dtype=np.int64) - np.repeat(starts, m)
        p = self.pcode[rows][rep]
        i = self.ucode[rows][rep]
        t = self.year[rows][rep]
        if self.sources == "all":
            j = (off + (off >= i)).astype(np.int32)
        else:
            j = self.order.ravel()[p.astype(np.int64) * U + off]
        aj = self.A[p, j]
        adopted = aj < t
        keep = None
        if self.u_first is not None:
            assert self.u_last is not None  # set together
            keep = (self.u_first[j] <= t) & (t <= self.u_last[j])
            if keep.all():
                keep = None
        ys = np.where(adopted, t - np.where(adopted, aj, 0), np.nan).astype(np.float32)
        ev = self.event[rows][rep]
        if keep is not None:
            p, i, j, t, ev, adopted, ys = p[keep], i[keep], j[keep], t[keep], ev[keep], adopted[keep], ys[keep]
        ucat = pd.CategoricalDtype(self.unit_labels)
        df = pd.DataFrame({
            "policy": pd.Categorical.from_codes(p, dtype=pd.CategoricalDtype(self.policy_labels)),
            "unit": pd.Categorical.from_codes(i, dtype=ucat),
            "partner": pd.Categorical.from_codes(j, dtype=ucat),
            "year": t.astype(self.year_dtype),
            "event": ev,
            "partner_adopted": adopted.astype(np.int8),
            "years_since_partner_adopted": ys,
        }, copy=False)
        return df, (i, j, t)  # the codes, for the covariate attacher

    def chunks(self, partition_rows: int) -> list[slice]:
        """Contiguous monadic slices, whole policies, about ``partition_rows`` dyad rows each."""
        if self.n_monadic == 0:
            return []
        bounds = np.flatnonzero(np.diff(self.pcode)) + 1
        pol_start = np.concatenate([[0], bounds])
        pol_end = np.concatenate([bounds, [self.n_monadic]])
        cm = np.concatenate([[0], np.cumsum(self.m)])
        sizes = cm[pol_end] - cm[pol_start]
        out, s, acc = [], 0, 0
        for k, size in enumerate(sizes):
            if acc and acc + size > partition_rows:
                out.append(slice(int(pol_start[s]), int(pol_end[k - 1])))
                s, acc = k, 0
            acc += int(size)
        out.append(slice(int(pol_start[s]), int(pol_end[-1])))
        return out


# --------------------------------------------------------------------------- covariates
class _DyadCov:
    """One dyadic covariate source prepared as a lookup (unit, partner[, year]) -> row."""

    _plan_labels: list[str]  # set by _Attach

    def __init__(self, spec: Any, k: int, plan: _Plan) -> None:
        from ..weights.core import Weights

        kind = "directed"
        if isinstance(spec, tuple):
            if len(spec) != 2 or spec[1] not in ("directed", "symmetric"):
                raise InputError("a dyad_covariates item is a DataFrame / ds.Weights or a pair "
                                 "(DataFrame, 'directed'|'symmetric')")
            spec, kind = spec
        self.kind = kind
        self.label = f"dyad_covariates[{k}]"
        U = plan.U
        if isinstance(spec, Weights):
            self.weights: Weights | None = spec
            self.name = spec.name
            self.columns = [spec.name]
            self.by_year = spec.is_time_varying
            return
        self.weights = None
        if not isinstance(spec, pd.DataFrame):
            raise InputError(f"{self.label} must be a DataFrame keyed by unit, partner [, year] or a ds.Weights, "
                             f"not {type(spec).__name__}")
        require_columns(spec, ["unit", "partner"], argument=self.label)
        if "policy" in spec.columns:
            raise InputError(f"{self.label} has a 'policy' column: policy-specific dyadic covariates are not "
                             "supported; merge them onto the dyads afterwards (keys policy, unit, partner, year)")
        self.by_year = "year" in spec.columns
        keys = ["unit", "partner"] + (["year"] if self.by_year else [])
        self.columns = [c for c in spec.columns if c not in keys]
        if not self.columns:
            raise InputError(f"{self.label} has no value columns besides {keys}")
        uc = pd.Index(plan.unit_labels).get_indexer(spec["unit"].astype(str).to_numpy())
        pc = pd.Index(plan.unit_labels).get_indexer(spec["partner"].astype(str).to_numpy())
        yr = spec["year"].to_numpy(dtype=np.int64) if self.by_year else np.zeros(len(spec), dtype=np.int64)
        ok = (uc >= 0) & (pc >= 0)
        self.n_unused = int((~ok).sum())
        if self.by_year:
            self.y0 = int(yr.min()) if len(yr) else 0
            self.span = int(yr.max()) - self.y0 + 1 if len(yr) else 1
        else:
            self.y0, self.span = 0, 1
        key = (uc.astype(np.int64) * U + pc) * self.span + (yr - self.y0)
        if kind == "symmetric":
            key2 = (pc.astype(np.int64) * U + uc) * self.span + (yr - self.y0)
            rows = np.concatenate([np.flatnonzero(ok), np.flatnonzero(ok)])
            keyall = np.concatenate([key[ok], key2[ok]])
            # a pair listed in both orders: keep one entry per directed key, but they must agree
            from ..core.validate import check_symmetric_agree

            check_symmetric_agree(keyall, rows, spec, self.columns, self.label)
            _, first = np.unique(keyall, return_index=True)
            dup_pairs = len(keyall) - len(first)
            rows, keyall = rows[first], keyall[first]
            self.n_both_orders = dup_pairs
        else:
            rows, keyall = np.flatnonzero(ok), key[ok]
            if len(np.unique(keyall)) != len(keyall):
                raise DataValidationError(f"{self.label} has several rows for some (unit, partner"
                                          f"{', year' if self.by_year else ''}) keys; aggregate first")
        self.values = spec[self.columns].reset_index(drop=True)
        cells = U * U * self.span
        if cells <= _DENSE_LIMIT:
            self.table: np.ndarray | None = np.full(cells, -1, dtype=np.int32 if len(spec) < 2**31 else np.int64)
            self.table[keyall] = rows
            self.index = None
        else:
            self.table = None
            self.index = pd.Index(keyall)
            self.rows = rows

    def lookup(self, i: np.ndarray, j: np.ndarray, t: np.ndarray, U: int) -> tuple[dict[str, Any], np.ndarray]:
        if self.weights is not None:
            return self._lookup_weights(i, j, t)
        yoff = (t.astype(np.int64) - self.y0) if self.by_year else np.zeros(len(i), dtype=np.int64)
        inside = (yoff >= 0) & (yoff < self.span)
        key = (i.astype(np.int64) * U + j) * self.span + np.where(inside, yoff, 0)
        if self.table is not None:
            idx = self.table[key].astype(np.int64)
        else:
            assert self.index is not None  # the table's alternative
            pos = self.index.get_indexer(key)
            idx = np.where(pos >= 0, self.rows[np.maximum(pos, 0)], -1)
        idx[~inside] = -1
        return {c: self.values[c] for c in self.columns}, idx

    def _lookup_weights(self, i, j, t):
        W = self.weights
        out = np.full(len(i), np.nan)
        matched = np.zeros(len(i), dtype=bool)
        labels = list(map(str, W.labels))
        years = [None] if not W.is_time_varying else list(W.years)
        for yr in years:
            sel = np.ones(len(i), dtype=bool) if yr is None else (t == yr)
            if not sel.any():
                continue
            M = W.aligned(self._plan_labels, year=yr, missing="zero").toarray()
            known = np.isin(np.asarray(self._plan_labels, dtype=object), labels)
            ii, jj = i[sel], j[sel]
            vals = M[ii, jj]
            okk = known[ii] & known[jj]
            v = np.where(okk, vals, np.nan)
            out[sel] = v
            matched[sel] = okk
        return {self.name: out}, np.where(matched, 0, -1)


class _Attach:
    """Dyadic and monadic covariates attached chunk by chunk, with match counts."""

    def __init__(self, plan: _Plan, dyad_covariates, covariates, float32: bool) -> None:
        self.plan = plan
        self.float32 = float32
        specs: Sequence = [] if dyad_covariates is None else (
            dyad_covariates if isinstance(dyad_covariates, list) else [dyad_covariates])
        self.dyad = [_DyadCov(s, k, plan) for k, s in enumerate(specs)]
        for d in self.dyad:
            d._plan_labels = list(plan.unit_labels)
        names: list[str] = []
        for d in self.dyad:
            names += d.columns
        self.mon = None
        if covariates is not None:
            if not isinstance(covariates, pd.DataFrame):
                raise InputError(f"covariates= must be a DataFrame keyed by unit [and year], "
                                 f"not {type(covariates).__name__}")
            require_columns(covariates, ["unit"], argument="covariates")
            if "policy" in covariates.columns:
                raise InputError("covariates= has a 'policy' column: policy-specific monadic covariates are not "
                                 "supported by dyads; merge them afterwards (keys policy, unit, year)")
            by_year = "year" in covariates.columns
            cols = [c for c in covariates.columns if c not in ("unit", "year")]
            if not cols:
                raise InputError("covariates= has no value columns besides unit [, year]")
            self.mon_cols = cols
            self.mon = True
            names += [f"unit_{c}" for c in cols] + [f"partner_{c}" for c in cols]
            self._mon_setup(covariates, by_year, cols)
        clash = [c for c in names if c in DYAD_COLUMNS]
        dups = sorted({c for c in names if names.count(c) > 1})
        if clash or dups:
            raise InputError(f"covariate names clash with dyad columns or with each other: {clash + dups}; rename them")
        self.unmatched: dict[str, int] = {}
        self.missing: dict[str, int] = {}

    def _mon_setup(self, cov: pd.DataFrame, by_year: bool, cols: list[str]) -> None:
        plan = self.plan
        uc = pd.Index(plan.unit_labels).get_indexer(cov["unit"].astype(str).to_numpy())
        yr = cov["year"].to_numpy(dtype=np.int64) if by_year else np.zeros(len(cov), dtype=np.int64)
        ok = uc >= 0
        y0 = int(yr.min()) if (by_year and len(yr)) else 0
        span = int(yr.max()) - y0 + 1 if (by_year and len(yr)) else 1
        key = uc.astype(np.int64) * span + (yr - y0)
        if len(np.unique(key[ok])) != ok.sum():
            raise DataValidationError(f"covariates= has several rows for some (unit{', year' if by_year else ''}) "
                                      "keys; aggregate first")
        table = np.full(plan.U * span, -1, dtype=np.int64)
        table[key[ok]] = np.flatnonzero(ok)
        self.mon_table, self.mon_y0, self.mon_span, self.mon_by_year = table, y0, span, by_year
        self.mon_values = cov[cols].reset_index(drop=True)
        self.mon_cols = cols

    def _col(self, values: pd.Series, idx: np.ndarray) -> Any:
        v = values.to_numpy()
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            arr = v.astype(np.float64)[np.maximum(idx, 0)]
            arr[idx < 0] = np.nan
            return arr.astype(np.float32) if self.float32 else arr
        cat = pd.Categorical(values)
        codes = cat.codes.astype(np.int64)[np.maximum(idx, 0)]
        codes[idx < 0] = -1
        return pd.Categorical.from_codes(codes, dtype=cat.dtype)

    def add(self, part: tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> pd.DataFrame:
        df, (i, j, t) = part
        U = self.plan.U
        new: dict[str, Any] = {}
        for d in self.dyad:
            vals, idx = d.lookup(i, j, t, U)
            self.unmatched[d.label] = self.unmatched.get(d.label, 0) + int((idx < 0).sum())
            for c, v in vals.items():
                col = self._col(v, idx) if isinstance(v, pd.Series) else (
                    v.astype(np.float32) if self.float32 else v)
                new[c] = col
        if self.mon is not None:
            for side, codes in (("unit", i), ("partner", j)):
                yoff = (t.astype(np.int64) - self.mon_y0) if self.mon_by_year else np.zeros(len(codes), np.int64)
                inside = (yoff >= 0) & (yoff < self.mon_span)
                idx = self.mon_table[codes.astype(np.int64) * self.mon_span + np.where(inside, yoff, 0)]
                idx[~inside] = -1
                lab = f"covariates ({side} side)"
                self.unmatched[lab] = self.unmatched.get(lab, 0) + int((idx < 0).sum())
                for c in self.mon_cols:
                    new[f"{side}_{c}"] = self._col(self.mon_values[c], idx)
        for c, v in new.items():
            df[c] = v
            miss = int(pd.isna(v).sum()) if not isinstance(v, np.ndarray) else int(np.isnan(v).sum())
            self.missing[c] = self.missing.get(c, 0) + miss
        return df

    def report(self, acc: Accounting) -> None:
        if not (self.dyad or self.mon is not None):
            return
        acc.counts["dyads without a covariate match"] = dict(self.unmatched)
        acc.counts["missing covariate values"] = dict(self.missing)
        un = {k: v for k, v in self.unmatched.items() if v}
        if un:
            detail = "; ".join(f"{k}: {v:,}" for k, v in un.items())
            warnings.warn(f"dyads: dyad rows with no covariate match (kept with NaN, none dropped): {detail}",
                          RowAccountingWarning, stacklevel=user_stacklevel())


# --------------------------------------------------------------------------- public API
class DyadChunks:
    """Iterator of directed-dyad frames, a few whole policies at a time.

    ``len()`` is the number of chunks, ``n_rows`` the total number of dyad rows (known
    before iterating) and ``accounting`` the builder's accounting (its covariate match
    counts are complete once the iterator is exhausted).
    """

    def __init__(self, plan: _Plan, attach: _Attach, partition_rows: int, acc: Accounting,
                 show: bool | None) -> None:
        self._plan, self._attach, self._acc = plan, attach, acc
        self._slices = plan.chunks(partition_rows)
        self._progress = show
        self.n_rows = int(plan.m.sum()) if plan.u_first is None else None

    def __len__(self) -> int:
        return len(self._slices)

    @property
    def accounting(self) -> Accounting:
        return self._acc

    def __iter__(self) -> Iterator[pd.DataFrame]:
        n = 0
        self._attach.unmatched, self._attach.missing = {}, {}  # counts restart on each pass
        for s in progress(self._slices, desc="dyads", total=len(self._slices), enabled=self._progress):
            df = self._attach.add(self._plan.expand(s))
            n += len(df)
            yield df
        self._acc.n_rows = n
        self._attach.report(self._acc)


def _accounting(plan: _Plan, sources: str) -> Accounting:
    acc = Accounting("dyads")
    macc = plan.monadic_acc
    acc.counts.update({
        "monadic rows at risk": plan.n_monadic,
        "monadic events": int(plan.event.sum()),
        "policies": len(plan.policy_labels),
        "units": plan.U,
        "sources": sources,
    })
    for e in macc.exclusions:
        acc.exclusions.append(e)
    none = plan.m == 0
    if none.any():
        why = "no unit had adopted before the year" if sources == "prior_adopters" else "there is no other unit"
        acc.exclude(int(none.sum()), f"have no partner ({why}): they yield no dyads "
                    f"({int(plan.event[none].sum()):,} of them with an event)", what="monadic rows at risk",
                    warn=False)
        warnings.warn(f"dyads: {acc.exclusions[-1]}", RowAccountingWarning, stacklevel=user_stacklevel())
    acc.counts["monadic rows without partners"] = int(none.sum())
    return acc


def _prepare(adoptions, start, end, windows, units, sources, dyad_covariates, covariates, float32):
    plan = _Plan(adoptions, start=start, end=end, windows=windows, units=units, sources=sources)
    attach = _Attach(plan, dyad_covariates, covariates, float32)
    acc = _accounting(plan, sources)
    return plan, attach, acc


@renamed(chunk_rows="partition_rows", show_progress="progress")
def iter_dyads(adoptions: pd.DataFrame, *, start: int | None = None, end: int | None = None,
               windows: pd.DataFrame | None = None, units: Any = None, sources: str = "prior_adopters",
               dyad_covariates=None, covariates: pd.DataFrame | None = None, partition_rows: int = 5_000_000,
               float32: bool = True, progress: bool | None = None) -> DyadChunks:
    """Directed-dyad panel in chunks of whole policies (see :func:`dyads` for the arguments).

    Parameters
    ----------
    partition_rows : int
        Target number of dyad rows per chunk (a policy is never split); the same name as
        the Dask builders' partition size. ``chunk_rows=`` is its deprecated spelling.
    progress : bool, optional
        tqdm bar over chunks (default: the package setting). ``show_progress=`` is its
        deprecated spelling.

    Returns
    -------
    DyadChunks
        Iterable of DataFrames with :func:`dyads`' columns; ``.accounting`` is complete
        once exhausted.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> ad = pd.DataFrame({"unit": ["A", "B", "A"], "policy": ["p", "p", "q"], "year": [2001, 2002, 2002]})
    >>> chunks = ds.iter_dyads(ad, units=["A", "B", "C"], end=2003, sources="all", partition_rows=5)
    >>> [len(c) for c in chunks]
    [12, 10]
    """
    plan, attach, acc = _prepare(adoptions, start, end, windows, units, sources, dyad_covariates, covariates,
                                 float32)
    return DyadChunks(plan, attach, partition_rows, acc, progress)


def dyads(adoptions: pd.DataFrame, *, start: int | None = None, end: int | None = None,
          windows: pd.DataFrame | None = None, units: Any = None, sources: str = "prior_adopters",
          dyad_covariates=None, covariates: pd.DataFrame | None = None, float32: bool = True) -> DesignFrame:
    """Build the pooled directed-dyad panel.

    For each policy and year, each unit at risk (``unit``, exactly the rows of
    :func:`~diffusion_stats.event_history` with the same ``start``, ``end``,
    ``windows``, ``units``) is paired with each potential source ``partner``: every
    other unit (``sources="all"``) or only the units that adopted the policy before that
    year (``sources="prior_adopters"``, the default; adoptions before the policy's
    window count). With ``units=`` spans, a partner must exist in the year.

    Parameters
    ----------
    adoptions : DataFrame
        Canonical adoptions (unit, policy, year).
    start, end, windows, units
        As in :func:`~diffusion_stats.event_history`.
    sources : {"prior_adopters", "all"}
    dyad_covariates : DataFrame, ds.Weights, (DataFrame, "directed"|"symmetric"), or a list of them
        Dyadic covariates keyed by ``unit``, ``partner`` and optionally ``year`` (by-year;
        otherwise static); every other column is attached under its own name. A
        ``"directed"`` table (the default) is matched on (unit, partner); a
        ``"symmetric"`` one on either order (list each unordered pair once or twice). A
        ``ds.Weights`` attaches ``w[unit, partner]`` (0 where there is no tie) as a column
        named after the matrix (``W.name``), per year when time-varying.
    covariates : DataFrame, optional
        Monadic covariates keyed by ``unit`` and optionally ``year``, attached for both
        sides as ``unit_<name>`` and ``partner_<name>``.
    float32 : bool
        Store numeric covariates as float32 (default; halves memory) or float64.

    Returns
    -------
    DataFrame
        Columns ``policy``, ``unit``, ``partner`` (categoricals), ``year`` (int16/int32),
        ``event`` (int8: the unit adopts in ``year``), ``partner_adopted`` (int8: the
        partner adopted before ``year``), ``years_since_partner_adopted`` (float32,
        ``year`` minus the partner's adoption year; NaN if it has not adopted), then the
        covariates; sorted by policy, unit, year, partner (``"all"``) or by policy, unit,
        year and partner adoption order (``"prior_adopters"``).
        ``df.accounting`` holds the counts (monadic rows and events, dyad rows,
        dyad rows with no covariate match per source and side, missing values per
        column) and the risk-set exclusions of ``event_history``; dyads without a
        covariate match are kept with NaN and warned about
        (:class:`~diffusion_stats.RowAccountingWarning`).

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> ad = pd.DataFrame({"unit": ["A", "B"], "policy": ["p", "p"], "year": [2001, 2003]})
    >>> d = ds.dyads(ad, units=["A", "B", "C"], end=2003)
    >>> d[["unit", "partner", "year", "event", "years_since_partner_adopted"]]
      unit partner  year  event  years_since_partner_adopted
    0    B       A  2002      0                          1.0
    1    B       A  2003      1                          2.0
    2    C       A  2002      0                          1.0
    3    C       A  2003      0                          2.0
    """
    plan, attach, acc = _prepare(adoptions, start, end, windows, units, sources, dyad_covariates, covariates,
                                 float32)
    n_mon = plan.n_monadic
    df = attach.add(plan.expand(slice(0, n_mon)))
    acc.n_rows = len(df)
    _count_dyads(acc, len(df), int(df["event"].sum()))
    attach.report(acc)
    return design_frame(df, acc)


@renamed(chunk_rows="partition_rows", show_progress="progress")
def write_dyads_parquet(adoptions: pd.DataFrame, path: str | Path, *, start: int | None = None,
                        end: int | None = None, windows: pd.DataFrame | None = None, units: Any = None,
                        sources: str = "prior_adopters", dyad_covariates=None,
                        covariates: pd.DataFrame | None = None, partition_rows: int = 5_000_000,
                        float32: bool = True, progress: bool | None = None) -> Accounting:
    """Write the directed-dyad panel as Parquet part files (one per chunk of whole policies).

    The folder ``path`` receives ``part-00000.parquet``, ``part-00001.parquet``, ...
    (each written to a temporary name and renamed) and, last, a manifest with the row
    accounting; read back with :func:`~diffusion_stats.read_parquet_parts` (which checks
    the manifest; ``pandas.read_parquet(path)`` does not); categoricals are stored
    dictionary-encoded. Peak memory is that of one chunk. ``path`` must be new, empty or
    an interrupted run of this writer (completed by rerunning the same call); a folder
    holding other ``.parquet`` files is refused, and bad input creates nothing.

    Returns
    -------
    Accounting
        As ``dyads(...).accounting``.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> import diffusion_stats as ds
    >>> ad = pd.DataFrame({"unit": ["A", "B"], "policy": ["p", "p"], "year": [2001, 2003]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     acc = ds.write_dyads_parquet(ad, tmp, units=["A", "B", "C"], end=2003)
    ...     len(pd.read_parquet(tmp))
    4
    """
    from ._parts import finish_part_folder

    chunks = iter_dyads(adoptions, start=start, end=end, windows=windows, units=units, sources=sources,
                        dyad_covariates=dyad_covariates, covariates=covariates, partition_rows=partition_rows,
                        float32=float32, progress=progress)
    path = _part_folder(path, writer="write_dyads_parquet")  # after validation: bad input creates nothing
    n_events, files = 0, []
    for k, df in enumerate(chunks):
        n_events += int(df["event"].sum())
        _write_part_file(df, path / f"part-{k:05d}.parquet")
        files.append((f"part-{k:05d}.parquet", len(df)))
    acc = chunks.accounting
    _count_dyads(acc, acc.n_rows, n_events, len(chunks))
    finish_part_folder(path, writer="write_dyads_parquet", files=files, events=n_events, accounting=acc)
    return acc


def _part_folder(path: str | Path, writer: str = "diffusion_stats") -> Path:
    """The output folder of the part-file writers: created if needed (or an interrupted run of
    ours reclaimed), refused if it holds foreign .parquet files or a complete set (see _parts)."""
    from ._parts import prepare_part_folder

    return prepare_part_folder(path, writer=writer)


def _write_part_file(df: pd.DataFrame, path: Path | str) -> None:
    from ._parts import write_part_file

    write_part_file(df, path)


def _count_dyads(acc: Accounting, rows: int, events: int, part_files: int | None = None) -> None:
    acc.counts["dyad rows"] = rows
    acc.counts["dyad events"] = events
    if part_files is not None:
        acc.counts["part files"] = part_files
