"""Numerics behind the :class:`~diffusion_stats.Weights` constructors.

Label handling (strings, fast factorisation), edge and dyad(-year) tables to per-year
CSR matrices on integer codes, distance-based neighbour pairs (KD-tree for
coordinates, sorting for distance tables), and the bundled US state borders. The
public API, with its documentation, is in :mod:`diffusion_stats.weights.core`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.accounting import Accounting
from ..core.bundled import bundled_path
from ..core.errors import (
    DataValidationError,
    InputError,
    RowAccountingWarning,
    did_you_mean,
    require_columns,
    user_stacklevel,
)

__all__ = ["as_labels", "factorize_labels", "long_to_mats", "coordinate_pairs", "inverse_distance_mats",
           "distance_table_pairs", "us_border_edges"]

_EARTH_RADIUS_KM = 6371.0088


# --------------------------------------------------------------------------- labels and checks
def as_labels(values: Any, *, argument: str) -> np.ndarray:
    """Unit labels as an object array of ``str``; integral floats lose their ``.0``.

    Country codes read from R arrive as floats (``2.0``); they become ``"2"`` so that
    they match labels built from integer columns.

    Examples
    --------
    >>> as_labels([2.0, 20.0], argument="ccode").tolist()
    ['2', '20']
    """
    s = pd.Series(values)
    if s.isna().any():
        bad = int(s.isna().sum())
        raise DataValidationError(f"{argument}: {bad} missing (NaN) unit label(s); drop those rows or fill the labels")
    if pd.api.types.is_bool_dtype(s):
        return s.astype(str).to_numpy(dtype=object)
    if pd.api.types.is_float_dtype(s):
        f = s.to_numpy(dtype=float)
        if np.all(np.isfinite(f)) and np.all(f == np.round(f)):
            s = pd.Series(f.astype(np.int64))
    return s.astype(str).to_numpy(dtype=object)


def factorize_labels(values: Any, *, argument: str) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, labels)``: int64 codes into unique ``str`` labels (see :func:`as_labels`).

    Only the unique values are converted to strings, so long columns stay fast.

    Examples
    --------
    >>> codes, labels = factorize_labels(pd.Series([20.0, 2.0, 20.0]), argument="ccode")
    >>> codes.tolist(), labels.tolist()
    ([0, 1, 0], ['20', '2'])
    """
    codes, uniq = pd.factorize(pd.Series(values), use_na_sentinel=True)
    if (codes < 0).any():
        raise DataValidationError(f"{argument}: {int((codes < 0).sum())} missing (NaN) unit label(s); drop those rows "
                                  f"or fill the labels")
    labels = as_labels(np.asarray(uniq, dtype=object) if not isinstance(uniq, pd.Index) else uniq.to_numpy(),
                       argument=argument)
    codes2, uniq2 = pd.factorize(labels)  # 1 and "1" (or 1.0) become the same label
    return codes2[codes].astype(np.int64), np.asarray(uniq2, dtype=object)


def _as_years(values: Any, *, argument: str) -> np.ndarray:
    s = pd.Series(values)
    if s.isna().any():
        raise DataValidationError(f"{argument}: {int(s.isna().sum())} missing (NaN) year(s); drop or fill them")
    f = pd.to_numeric(s, errors="coerce")
    if f.isna().any() or not np.all(f.to_numpy(dtype=float) == np.round(f.to_numpy(dtype=float))):
        bad = s[f.isna() | (f != np.round(f))].head(3).tolist()
        raise DataValidationError(f"{argument}: years must be whole numbers; got {bad}")
    return f.to_numpy(dtype=float).astype(np.int64)


def _freeze(m: sp.csr_matrix) -> sp.csr_matrix:
    m = sp.csr_matrix(m, dtype=np.float64, copy=True)  # never freeze (or share) the caller's arrays
    m.sum_duplicates()
    m.eliminate_zeros()
    m.sort_indices()
    for arr in (m.data, m.indices, m.indptr):
        arr.flags.writeable = False
    return m


def _examples(items: Iterable, k: int = 5) -> str:
    items = list(items)
    more = f", ... ({len(items)} in all)" if len(items) > k else ""
    return ", ".join(map(str, items[:k])) + more


def _check_weights(w: np.ndarray, *, argument: str, allow_negative: bool) -> None:
    if np.isnan(w).any():
        raise DataValidationError(
            f"{argument}: {int(np.isnan(w).sum())} missing (NaN) weight(s); drop those rows, fill them "
            f"(0 = no tie), or pass missing='drop'")
    if not np.all(np.isfinite(w)):
        raise DataValidationError(f"{argument}: {int((~np.isfinite(w)).sum())} infinite weight(s); weights "
                                  f"must be finite")
    if not allow_negative and (w < 0).any():
        raise DataValidationError(
            f"{argument}: {int((w < 0).sum())} negative weight(s) (e.g. {w[w < 0][:3].tolist()}); weights must be "
            f">= 0 (pass allow_negative=True if negative ties are intended)")


def _units_list(units: Any) -> np.ndarray:
    """``units=`` as unique str labels: a sequence, or a DataFrame with a ``unit`` column."""
    if isinstance(units, pd.DataFrame):
        require_columns(units, ["unit"], argument="units")
        units = units["unit"]
    lab = as_labels(list(units), argument="units")
    if len(set(lab)) != len(lab):
        dup = pd.Series(lab)[pd.Series(lab).duplicated()].unique()
        raise InputError(f"units: duplicated label(s) {_examples(dup)}; list each unit once")
    return lab


def _note(acc: Accounting, count: int, reason: str, *, examples: Sequence[Any]) -> None:
    """Record an exclusion and warn pointing at the caller of the public constructor."""
    acc.exclude(count, reason, what="rows", examples=examples, warn=False)
    ex = f" (e.g. {', '.join(map(str, list(examples)[:5]))})" if len(examples) else ""
    warnings.warn(f"{acc.builder}: {count:,} rows {reason}{ex}", RowAccountingWarning, stacklevel=user_stacklevel())


def _pick_column(df: pd.DataFrame, candidates: Sequence[str]) -> str:
    low = {c.lower(): c for c in df.columns}
    for c in candidates:
        if c in low:
            return low[c]
    raise DataValidationError(f"bundled us_states.csv lacks a column among {candidates}; reinstall diffusion_stats")


# --------------------------------------------------------------------------- edge and dyad tables
def long_to_mats(df: pd.DataFrame, *, row_col: str, col_col: str, weight: str | None, year: str | None,
                 units: Any, symmetric: bool, allow_negative: bool, self_pairs: str, missing: str,
                 builder: str, argument: str, values: np.ndarray | None = None) -> tuple[dict, list, Accounting]:
    """An edge or dyad(-year) table to per-year CSR matrices: rows give ``W[row_col, col_col]``.

    Labels are handled as integer codes; duplicates and conflicts are found on one
    int64 key per (year, row, col). Returns ``(matrices, labels, accounting)``.
    """
    for opt, val, allowed in (("self_pairs", self_pairs, ("raise", "drop")), ("missing", missing, ("raise", "drop"))):
        if val not in allowed:
            raise InputError(f"{opt}='{val}': use one of {allowed}")
    acc = Accounting(builder, n_rows=len(df))
    acc.counts["input rows"] = len(df)
    r_raw, r_uniq = factorize_labels(df[row_col], argument=f"{argument}['{row_col}']")
    c_raw, c_uniq = factorize_labels(df[col_col], argument=f"{argument}['{col_col}']")
    seen = set(r_uniq) | set(c_uniq)  # every listed unit is a unit, even with only zero/NaN/self rows
    if units is not None:
        lab = _units_list(units)
        unknown = sorted(seen - set(lab))
        if unknown:
            raise InputError(f"{argument}: {len(unknown)} unit label(s) not in units=: {_examples(unknown)}; "
                             f"add them to units= or drop those rows")
        labels = list(lab)
    else:
        labels = sorted(seen)
    index = pd.Index(labels)
    lab_arr = np.asarray(labels, dtype=object)
    rc = index.get_indexer(r_uniq)[r_raw]
    cc = index.get_indexer(c_uniq)[c_raw]
    if values is not None:
        w = np.asarray(values, dtype=float)
    elif weight is None:
        w = np.ones(len(df))
    else:
        w = pd.to_numeric(df[weight], errors="coerce").to_numpy(dtype=float)
        nonnum = df[weight].notna().to_numpy() & np.isnan(w)
        if nonnum.any():
            raise DataValidationError(f"{argument}['{weight}']: {int(nonnum.sum())} non-numeric weight(s), e.g. "
                                      f"{df[weight][nonnum].head(3).tolist()}")
    yr = _as_years(df[year].to_numpy(), argument=f"{argument}['{year}']") if year is not None else None
    all_years = np.unique(yr) if yr is not None else None
    keep = np.ones(len(df), dtype=bool)
    selfp = rc == cc
    if selfp.any():
        who = sorted(set(lab_arr[rc[selfp]]))
        if self_pairs == "raise":
            opt = "self_pairs"
            raise DataValidationError(f"{argument}: {int(selfp.sum())} self-loop(s) ({_examples(who)} tied to "
                                      f"itself); a unit cannot be its own neighbour: drop those rows or pass "
                                      f"{opt}='drop'")
        _note(acc, int(selfp.sum()), "dropped: self-pairs (a unit with itself)", examples=who[:5])
        keep &= ~selfp
    nan = np.isnan(w) & keep
    if nan.any():
        if missing == "raise":
            _check_weights(w[keep], argument=f"{argument}['{weight}']", allow_negative=True)
        _note(acc, int(nan.sum()), f"dropped: missing (NaN) '{weight}' (treated as no tie)",
                    examples=[f"{lab_arr[a]}-{lab_arr[b]}" for a, b in zip(rc[nan][:5], cc[nan][:5], strict=True)])
        keep &= ~nan
    rc, cc, w = rc[keep], cc[keep], w[keep]
    yr = yr[keep] if yr is not None else None
    _check_weights(w, argument=argument if weight is None else f"{argument}['{weight}']",
                   allow_negative=allow_negative)
    zero = w == 0
    if zero.any():
        acc.counts["rows with weight 0 (no tie)"] = int(zero.sum())
        rc, cc, w = rc[~zero], cc[~zero], w[~zero]
        yr = yr[~zero] if yr is not None else None
    if symmetric:
        rc, cc = np.concatenate([rc, cc]), np.concatenate([cc, rc])
        w = np.concatenate([w, w])
        yr = np.concatenate([yr, yr]) if yr is not None else None
    # duplicates and conflicts, on one int64 key per (year, row, col)
    n = len(labels)
    y0 = int(all_years[0]) if all_years is not None else 0
    key = (((yr - y0) if yr is not None else np.zeros(len(rc), np.int64)) * n + rc) * n + cc
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    same = key[1:] == key[:-1]
    clash = np.zeros(len(key), dtype=bool)
    clash[1:] = same & (w[1:] != w[:-1])  # a repeated tie whose weights are not all equal
    if not clash.any() and same.any():
        exact = np.concatenate([[False], same])
        acc.counts["duplicated ties merged"] = int(exact.sum()) // (2 if symmetric else 1)
        key, w = key[~exact], w[~exact]
    if clash.any():
        clash[:-1] |= clash[1:]
        bad = np.flatnonzero(clash)[:4]
        yy, rr, cc_ = key[bad] // (n * n) + y0, key[bad] // n % n, key[bad] % n
        ex = "; ".join(f"{labels[r]}-{labels[c]}{'' if yr is None else f' ({y})'}: {v:g}"
                       for y, r, c, v in zip(yy, rr, cc_, w[bad], strict=True))
        hint = " (with symmetric=True the reverse rows count too)" if symmetric else ""
        raise DataValidationError(f"{argument}: {int(clash.sum())} duplicated tie(s) with conflicting "
                                  f"weights{hint}, e.g. {ex}; keep one row per tie (e.g. aggregate first)")
    ys, r_, c_ = key // (n * n) + y0, key // n % n, key % n
    if yr is None:
        mats: dict[int | None, Any] = {None: sp.csr_matrix((w, (r_, c_)), shape=(n, n))}
    else:
        mats = {}
        assert all_years is not None  # set whenever yr is
        bounds = np.searchsorted(ys, all_years, side="left"), np.searchsorted(ys, all_years, side="right")
        for yv, lo, hi in zip(all_years, *bounds, strict=True):
            mats[int(yv)] = sp.csr_matrix((w[lo:hi], (r_[lo:hi], c_[lo:hi])), shape=(n, n))
    acc.n_rows = int(len(key))
    acc.counts["units"] = n
    acc.counts["ties"] = int(len(key))
    if yr is not None:
        acc.counts["years"] = len(mats)
    return mats, labels, acc


# --------------------------------------------------------------------------- distances
def coordinate_pairs(coords: pd.DataFrame, *, unit: str, x: str, y: str, k: int | None, cutoff: float | None,
                     metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Neighbour pairs ``(labels, rows, cols, distances)`` from point coordinates (KD-tree)."""
    from scipy.spatial import cKDTree

    require_columns(coords, [unit, x, y], argument="coords")
    lab = as_labels(coords[unit].to_numpy(), argument=f"coords['{unit}']")
    if len(set(lab)) != len(lab):
        dup = pd.Series(lab)[pd.Series(lab).duplicated()]
        raise InputError(f"coords['{unit}']: duplicated unit(s) {_examples(dup)}; one row per unit")
    pts = coords[[x, y]].to_numpy(dtype=float)
    if not np.isfinite(pts).all():
        bad = lab[~np.isfinite(pts).all(axis=1)]
        raise DataValidationError(f"coords: missing or infinite coordinates for {_examples(bad)}; drop or fill "
                                  f"them")
    if metric == "haversine":
        lon, lat = np.radians(pts[:, 0]), np.radians(pts[:, 1])
        pts = _EARTH_RADIUS_KM * np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon),
                                                  np.sin(lat)])

        def to_dist(c: np.ndarray) -> np.ndarray:
            return 2 * _EARTH_RADIUS_KM * np.arcsin(np.clip(c / (2 * _EARTH_RADIUS_KM), 0, 1))

        def to_chord(d: float) -> float:
            return 2 * _EARTH_RADIUS_KM * np.sin(min(d, np.pi * _EARTH_RADIUS_KM) / (2 * _EARTH_RADIUS_KM))
    elif metric == "euclidean":
        def to_dist(c: np.ndarray) -> np.ndarray:
            return c

        def to_chord(d: float) -> float:
            return d
    else:
        raise InputError(f"metric='{metric}': use 'euclidean' or 'haversine'")
    n = len(lab)
    tree = cKDTree(pts)
    if k is not None:
        k = int(k)
        if not 1 <= k < n:
            raise InputError(f"k={k}: need 1 <= k < number of units ({n})")
        dist, idx = tree.query(pts, k=k + 1)
        keep = idx != np.arange(n)[:, None]
        no_self = keep.all(axis=1)
        keep[no_self, -1] = False
        rows = np.repeat(np.arange(n), k)
        cols, d = idx[keep], to_dist(dist[keep])
        if cutoff is not None:  # the k nearest, but only those within the cut-off
            near = d <= cutoff
            rows, cols, d = rows[near], cols[near], d[near]
    elif cutoff is not None:
        if cutoff <= 0:
            raise InputError(f"cutoff={cutoff}: must be > 0")
        pairs = tree.query_pairs(to_chord(float(cutoff)), output_type="ndarray")
        rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
        cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
        d = to_dist(np.linalg.norm(pts[rows] - pts[cols], axis=1))
    else:
        rows, cols = np.nonzero(~np.eye(n, dtype=bool))
        d = to_dist(np.linalg.norm(pts[rows] - pts[cols], axis=1))
    return lab, rows, cols, d


def inverse_distance_mats(lab: np.ndarray, rows: np.ndarray, cols: np.ndarray, d: np.ndarray, *, power: float,
                          binary: bool, builder: str, argument: str, years: np.ndarray | None = None,
                          acc: Accounting | None = None) -> tuple[dict, Accounting]:
    """Per-year CSR matrices of ``d ** -power`` (or 1 with ``binary``) for the given pairs."""
    if not binary and (d == 0).any():
        z = np.flatnonzero(d == 0)[:3]
        ex = ", ".join(f"{lab[rows[i]]}-{lab[cols[i]]}" for i in z)
        raise DataValidationError(f"{argument}: {int((d == 0).sum())} pair(s) of distinct units at distance 0 "
                                  f"({ex}): inverse distance is undefined; pass binary=True, or merge/remove "
                                  f"those units")
    w = np.ones(len(d)) if binary else d ** (-float(power))
    n = len(lab)
    if years is None:
        mats: dict[int | None, Any] = {None: sp.csr_matrix((w, (rows, cols)), shape=(n, n))}
    else:
        mats = {}
        for y0 in np.unique(years):
            s = years == y0
            mats[int(y0)] = sp.csr_matrix((w[s], (rows[s], cols[s])), shape=(n, n))
    acc = acc if acc is not None else Accounting(builder)
    acc.n_rows = len(d)
    acc.counts["units"] = n
    acc.counts["ties"] = int(len(d))
    return mats, acc


def distance_table_pairs(distances: pd.DataFrame, *, unit1: str, unit2: str, distance: str, year: str | None,
                         k: int | None, cutoff: float | None, units: Any, symmetric: bool, missing: str
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, Accounting]:
    """Neighbour pairs from a long (or square) distance table: ``(labels, rows, cols, d, years, acc)``."""
    if isinstance(distances, pd.DataFrame) and len(distances.index) == distances.shape[1] and \
            list(map(str, distances.index)) == list(map(str, distances.columns)) and unit1 not in distances:
        sq = distances.copy()
        sq.index.name, sq.columns.name = "unit1", None
        distances = sq.reset_index().melt(id_vars="unit1", var_name="unit2", value_name="distance")
        unit1, unit2, distance, symmetric = "unit1", "unit2", "distance", False
    require_columns(distances, [unit1, unit2, distance, year], argument="distances")
    if missing not in ("raise", "drop"):
        raise InputError(f"missing='{missing}': use 'raise' or 'drop'")
    acc = Accounting("Weights.from_distances", n_rows=len(distances))
    acc.counts["input rows"] = len(distances)
    a = as_labels(distances[unit1].to_numpy(), argument=f"distances['{unit1}']")
    b = as_labels(distances[unit2].to_numpy(), argument=f"distances['{unit2}']")
    d = pd.to_numeric(distances[distance], errors="coerce").to_numpy(dtype=float)
    yr = _as_years(distances[year].to_numpy(), argument=f"distances['{year}']") if year else np.zeros(len(a), int)
    keep = a != b
    if (~keep).any():
        acc.exclude(int((~keep).sum()), "dropped: self-pairs (a unit's distance to itself)", warn=False)
    nan = np.isnan(d) & keep
    if nan.any():
        if missing == "raise":
            raise DataValidationError(f"distances['{distance}']: {int(nan.sum())} missing (NaN) distance(s), e.g. "
                                      f"{a[nan][0]}-{b[nan][0]}; drop them or pass missing='drop'")
        _note(acc, int(nan.sum()), f"dropped: missing (NaN) '{distance}'", examples=())
        keep &= ~nan
    a, b, d, yr = a[keep], b[keep], d[keep], yr[keep]
    if (d < 0).any() or not np.isfinite(d).all():
        raise DataValidationError(f"distances['{distance}']: distances must be finite and >= 0 "
                                  f"(e.g. {d[(d < 0) | ~np.isfinite(d)][:3].tolist()})")
    if symmetric:
        a, b = np.concatenate([a, b]), np.concatenate([b, a])
        d, yr = np.concatenate([d, d]), np.concatenate([yr, yr])
    if units is not None:
        lab = _units_list(units)
        unknown = sorted((set(a) | set(b)) - set(lab))
        if unknown:
            raise InputError(f"distances: {len(unknown)} unit label(s) not in units=: {_examples(unknown)}")
    else:
        lab = np.array(sorted(set(a) | set(b)), dtype=object)
    index = pd.Index(lab)
    t = pd.DataFrame({"y": yr, "r": index.get_indexer(a), "c": index.get_indexer(b), "d": d}).drop_duplicates()
    clash = t.duplicated(["y", "r", "c"], keep=False)
    if clash.any():
        r0 = t[clash].iloc[0]
        raise DataValidationError(f"distances: {int(clash.sum())} pair(s) listed with different distances, e.g. "
                                  f"{lab[int(r0.r)]}-{lab[int(r0.c)]}; keep one distance per pair")
    if cutoff is not None:
        t = t[t["d"] <= cutoff]
    if k is not None:
        t = t.sort_values(["y", "r", "d", "c"], kind="stable")
        t = t[t.groupby(["y", "r"], sort=False).cumcount() < int(k)]
    return lab, t["r"].to_numpy(), t["c"].to_numpy(), t["d"].to_numpy(), (t["y"].to_numpy() if year else None), acc


def us_border_edges(contiguity: str, extra_pairs: Iterable[tuple[str, str]] | None, *, labels: str,
                    include_dc: bool) -> tuple[pd.DataFrame, list, int]:
    """Edges (source, target) and units of the bundled US state borders, plus extra pairs."""
    states = pd.read_csv(bundled_path("us_states.csv"), dtype=str, keep_default_na=False)
    pcol = _pick_column(states, ("postal", "postal_code", "abbrev", "abbreviation", "code", "state"))
    ncol = _pick_column(states, ("name", "state_name", "statenam"))
    to_postal = dict(zip(states[pcol].str.upper(), states[pcol], strict=True))
    to_postal.update({nm.lower(): pc for nm, pc in zip(states[ncol], states[pcol], strict=True)})
    to_name = dict(zip(states[pcol], states[ncol], strict=True))
    borders = pd.read_csv(bundled_path("us_state_borders.csv"), keep_default_na=False)
    require_columns(borders, ["state1", "state2", "corner_only"], argument="us_state_borders.csv")
    if contiguity == "rook":
        corner = borders["corner_only"].astype(str).str.lower().isin(("1", "true", "yes", "t"))
        borders = borders[~corner]
    units = [s for s in states[pcol] if include_dc or s != "DC"]
    pairs = list(zip(borders["state1"], borders["state2"], strict=True))
    n_extra = 0
    for pair in extra_pairs or ():
        if len(pair) != 2:
            raise InputError(f"extra_pairs: each item must be a pair of states, got {pair!r}")
        conv = []
        for s in pair:
            key = str(s).upper() if str(s).upper() in to_postal else str(s).lower()
            if key not in to_postal:
                hint = did_you_mean(s, list(to_postal))
                raise InputError(f"extra_pairs: unknown state '{s}'{hint}; use postal codes ('IL') or names "
                                 f"('Illinois')")
            conv.append(to_postal[key])
        if "DC" in conv and not include_dc:
            raise InputError(f"extra_pairs: {pair!r} names the District of Columbia, which is not a unit here; "
                             f"pass include_dc=True")
        if conv[0] == conv[1]:
            raise InputError(f"extra_pairs: {pair!r} pairs a state with itself; a unit cannot be its own neighbour")
        pairs.append(tuple(conv))
        n_extra += 1
    pairs = [p for p in pairs if p[0] in units and p[1] in units]
    e = pd.DataFrame(pairs, columns=["source", "target"]).drop_duplicates()
    if labels == "name":
        e = e.apply(lambda c: c.map(to_name))
        units = [to_name[u] for u in units]
    return e, units, n_extra
