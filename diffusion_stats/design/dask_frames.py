"""Design matrices on Dask partitions (private helpers of :mod:`diffusion_stats.design.distributed`).

One formulaic spec is built on the client from the collection's metadata (categorical levels
collected over all partitions) and applied to every partition; group sums of scores by
cluster, unit and unordered pair are returned keyed by label so they add across partitions.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import (
    ColumnNotFoundError,
    DataValidationError,
    DiffusionStatsError,
    InputError,
    RowAccountingWarning,
    SpecificationError,
    did_you_mean,
    user_stacklevel,
)

__all__: list[str] = []


class DaskNotInstalledError(DiffusionStatsError, ImportError):
    """Dask (``dask[dataframe]`` and ``distributed``) is needed but not installed."""


def import_dask():
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - dask is a dev dependency
        raise DaskNotInstalledError(
            "this function needs Dask: pip install 'diffusion_stats[distributed]' "
            "(or pip install 'dask[dataframe]' distributed)") from None
    return dask, dd


def is_dask_frame(data: Any) -> bool:
    mod = type(data).__module__
    return mod.startswith("dask") and hasattr(data, "npartitions") and hasattr(data, "columns")


# =========================================================================== design on partitions
_STATEFUL = re.compile(r"\b(center|scale|standardize|bs|cr|cs|cc|te|poly|hashed|lag)\s*\(")


@dataclass
class PartitionSpec:
    """Formula spec built once on the client, applied to every partition."""

    formula: str
    spec: Any
    names: list[str]
    response: str
    intercept: bool
    levels: dict[str, pd.CategoricalDtype] = field(default_factory=dict)


def build_spec(formula: str, data, *, intercept: bool) -> PartitionSpec:
    """Formulaic spec from the collection's metadata, with global categorical levels."""
    import formulaic
    from formulaic.errors import FormulaicError

    dask, _ = import_dask()
    if not isinstance(formula, str) or "~" not in formula:
        raise InputError(f"formula must be a string like 'event ~ x1 + x2', got {formula!r}")
    m = _STATEFUL.search(formula)
    if m:
        raise SpecificationError(
            f"formula {formula!r} uses the stateful transform {m.group(1)}(), whose state (means, knots, ...) "
            "would be computed per partition; compute that column before fitting on Dask")
    try:
        req = formulaic.Formula(formula).required_variables
    except FormulaicError as exc:
        raise InputError(f"could not parse formula {formula!r}: {exc}") from None
    cols = list(data.columns)
    used = [c for c in cols if c in req]
    for v in sorted(req):
        if v not in cols and v not in ("np", "numpy", "C", "I", "Q"):
            raise ColumnNotFoundError(f"formula term '{v}' is not a column of data{did_you_mean(v, cols)}")
    meta = data._meta
    in_c = set(re.findall(r"\bC\(\s*([A-Za-z_]\w*)", formula))
    levels: dict[str, pd.CategoricalDtype] = {}
    unknown: list[str] = []
    for c in used:
        dt = meta[c].dtype
        if isinstance(dt, pd.CategoricalDtype):
            if dt.categories is not None and "__UNKNOWN_CATEGORIES__" not in list(map(str, dt.categories)):
                levels[c] = dt
            else:
                unknown.append(c)
        elif not (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt)) or c in in_c:
            unknown.append(c)
    if unknown:
        uniq = dask.compute(*[data[c].dropna().unique() for c in unknown])
        for c, u in zip(unknown, uniq, strict=True):
            vals = pd.Index(np.asarray(u)).unique()
            if c not in in_c and not isinstance(meta[c].dtype, pd.CategoricalDtype):  # numbers stored as text
                from ..core.validate import check_formula_inputs

                check_formula_inputs(formula, pd.DataFrame({c: pd.Series(np.asarray(u), dtype=object)}))
            levels[c] = pd.CategoricalDtype(vals.sort_values())
    sample = data._meta_nonempty[used].copy() if used else data._meta_nonempty.iloc[:, :0].copy()
    for c, dt in levels.items():
        cats = dt.categories
        n = len(sample)
        sample[c] = pd.Categorical.from_codes(np.arange(n) % max(len(cats), 1), dtype=dt) if len(cats) else \
            pd.Categorical([None] * n, dtype=dt)
    try:
        mm = formulaic.model_matrix(formula, sample, na_action="ignore")
    except FormulaicError as exc:
        raise InputError(f"could not parse formula {formula!r}: {exc}") from None
    if mm.lhs.shape[1] != 1:
        raise InputError(f"formula {formula!r} must have exactly one response on the left of '~'")
    names = [str(c) for c in mm.rhs.columns]
    if not intercept and "Intercept" in names:
        names.remove("Intercept")
    return PartitionSpec(formula=formula, spec=mm.model_spec, names=names, response=str(mm.lhs.columns[0]),
                 intercept=intercept, levels=levels)


def design_part(pdf: pd.DataFrame, spec: PartitionSpec,
                extra: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """(y, X, bad-row mask, missing counts per column) of one partition."""
    if len(spec.levels):
        pdf = pdf.copy(deep=False)
        for c, dt in spec.levels.items():
            if pdf[c].dtype != dt:
                pdf[c] = pd.Categorical(pdf[c], dtype=dt)
    if len(pdf) == 0:
        k = len(spec.names)
        return np.zeros(0), np.zeros((0, k)), np.zeros(0, dtype=bool), {}
    mm = spec.spec.get_model_matrix(pdf)
    X = mm.rhs
    if not spec.intercept and "Intercept" in X.columns:
        X = X.drop(columns="Intercept")
    y = np.asarray(mm.lhs.iloc[:, 0], dtype=float)
    Xv = np.asarray(X, dtype=float)
    if np.isinf(Xv).any() or np.isinf(y).any():  # as the in-memory design: never "not identified"
        cols = ([spec.response] if np.isinf(y).any() else []) + [
            nm for j, nm in enumerate(spec.names) if np.isinf(Xv[:, j]).any()]
        raise DataValidationError(
            f"{int((np.isinf(Xv).any(axis=1) | np.isinf(y)).sum())} rows (in one partition) have an infinite value "
            f"in {cols}; an infinite covariate has no estimate: replace it (e.g. df.replace([np.inf, -np.inf], "
            "np.nan), then drop or impute) or transform the term")
    bad = np.isnan(y) | np.isnan(Xv).any(axis=1)
    per: dict[str, int] = {}
    if bad.any():
        per[spec.response] = int(np.isnan(y).sum())
        for j, nm in enumerate(spec.names):
            per[nm] = int(np.isnan(Xv[:, j]).sum())
    for c in extra:
        na = pd.isna(pdf[c]).to_numpy()
        if na.any():
            bad |= na
            per[c] = per.get(c, 0) + int(na.sum())
    return y, Xv, bad, {k: v for k, v in per.items() if v}


def labels_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """Local codes and labels (object array) of a cluster column; NaN -> -1."""
    codes, uniq = pd.factorize(values, sort=False)
    return codes.astype(np.int64), np.asarray(uniq, dtype=object)


def dyad_codes(u: pd.Series, p: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit and partner codes into one local label list sorted by ``str(label)`` (so the
    orientation of an unordered pair is the same in every partition)."""
    if isinstance(u.dtype, pd.CategoricalDtype) and u.dtype == p.dtype:
        cu, cp = u.cat.codes.to_numpy().astype(np.int64), p.cat.codes.to_numpy().astype(np.int64)
        cats = np.asarray(u.cat.categories, dtype=object)
    else:
        codes, cats = pd.factorize(np.concatenate([np.asarray(u, dtype=object), np.asarray(p, dtype=object)]))
        cats = np.asarray(cats, dtype=object)
        cu, cp = codes[:len(u)].astype(np.int64), codes[len(u):].astype(np.int64)
    if (cu < 0).any() or (cp < 0).any():
        raise DataValidationError("unit/partner have missing values in the rows used")
    used = np.unique(np.concatenate([cu, cp]))
    lab = cats[used]
    order = np.argsort(np.asarray([str(x) for x in lab]), kind="stable")
    lut = np.full(len(cats), -1, dtype=np.int64)
    lut[used[order]] = np.arange(len(used))
    return lut[cu].astype(np.int32), lut[cp].astype(np.int32), lab[order]


def part_clusters(sub: pd.DataFrame, cols: Sequence[str]) -> tuple[list, dict[str, int]]:
    """Local (codes, labels) of each cluster column of one partition, and its missing counts."""
    clusters, cl_na = [], {}
    for c in cols:
        codes, lab = labels_codes(sub[c])
        if (codes < 0).any():
            cl_na[c] = int((codes < 0).sum())
        clusters.append((codes, lab))
    return clusters, cl_na


def check_missing(setup: list[dict], missing: str) -> None:
    """Rows with missing values over all partitions: raise (``missing="raise"``) or warn."""
    n_in, n_bad = sum(s["n_in"] for s in setup), sum(s["n_bad"] for s in setup)
    if not n_bad:
        return
    per: dict[str, int] = {}
    for s in setup:
        for k, v in s["per"].items():
            per[k] = per.get(k, 0) + v
    detail = ", ".join(f"'{k}': {v}" for k, v in per.items())
    if missing == "raise":
        raise DataValidationError(
            f"{n_bad} of {n_in} rows have missing values ({detail}); drop or impute them, "
            "or pass missing='drop' to exclude them with a warning")
    warnings.warn(f"{n_bad} of {n_in} rows excluded for missing values ({detail})",
                  RowAccountingWarning, stacklevel=user_stacklevel())


def check_cluster_na(setup: list[dict], cols: Sequence[str]) -> None:
    for c in cols:
        na = sum(s["cluster_na"].get(c, 0) for s in setup)
        if na:
            raise DataValidationError(f"cluster column '{c}' has {na} missing values in the rows used; "
                                      "fill or drop them")


def group_sums(S: np.ndarray, codes: np.ndarray, G: int) -> np.ndarray:
    out = np.empty((G, S.shape[1]))
    for j in range(S.shape[1]):
        out[:, j] = np.bincount(codes, weights=S[:, j], minlength=G)
    return out


def cluster_sums(S: np.ndarray, clusters: list[tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """Score sums by cluster label (one-way) or by cell of the two labels (two-way)."""
    if len(clusters) == 1:
        codes, lab = clusters[0]
        sums = group_sums(S, codes, len(lab))
        return pd.DataFrame(sums, index=pd.Index(lab, name="g1"))
    (c1, l1), (c2, l2) = clusters
    key = c1 * len(l2) + c2
    cells, inv = np.unique(key, return_inverse=True)
    sums = group_sums(S, inv.ravel(), len(cells))
    idx = pd.MultiIndex.from_arrays([l1[cells // len(l2)], l2[cells % len(l2)]], names=["g1", "g2"])
    return pd.DataFrame(sums, index=idx)


def dyad_sums(S: np.ndarray, uc: np.ndarray, pc: np.ndarray, lab: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    L = len(lab)
    su = group_sums(S, uc, L) + group_sums(S, pc, L)
    lo, hi = np.minimum(uc, pc), np.maximum(uc, pc)
    cells, inv = np.unique(lo * L + hi, return_inverse=True)
    sp = group_sums(S, inv.ravel(), len(cells))
    idx = pd.MultiIndex.from_arrays([lab[cells // L], lab[cells % L]])
    return pd.DataFrame(su, index=pd.Index(lab)), pd.DataFrame(sp, index=idx)


def reduce_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    allf = pd.concat(frames)
    return allf.groupby(level=list(range(allf.index.nlevels)), sort=False).sum()


def compute_all(tasks: list) -> list:
    dask, _ = import_dask()
    return list(dask.compute(*tasks))


def persist_all(tasks: list, persist: bool) -> list:
    dask, _ = import_dask()
    return list(dask.persist(*tasks)) if persist else tasks


def sum_arrays(items: list, key: str) -> Any:
    vals = [it[key] for it in items]
    out = vals[0]
    for v in vals[1:]:
        out = out + v
    return out


def as_dask(data, what: str):
    if not is_dask_frame(data):
        raise InputError(f"{what}: data must be a dask.dataframe.DataFrame (use ds.dask_dyads, "
                         "ds.dask_event_history, ds.partition_by or dask.dataframe.read_parquet); "
                         f"got {type(data).__name__}. For a pandas frame use the in-memory model")
    return data


def check_columns(data, cols: Sequence[str | None], role: str) -> None:
    for c in cols:
        if c is not None and c not in data.columns:
            raise ColumnNotFoundError(f"{role} column '{c}' not found in data{did_you_mean(c, data.columns)}")


