"""Beyond one machine: partitioned builders and Dask-backed estimation.

Pooled dyadic designs outgrow memory (all SPID policies with every partner are 28.5
million dyad-years; country dyads across many treaties reach 10^8-10^9 rows). This
module builds them partition by partition and fits the package's models on a
``dask.dataframe`` with **the same numbers as in memory**:

* :func:`dask_dyads` - the directed-dyad panel of :func:`~diffusion_stats.dyads` as a
  lazy ``dask.dataframe``, one partition per policy, per group of whole policies, or per
  policy and year range; nothing is materialised on the client.
* :func:`write_dyads_partitioned` - the same partitions written as Parquet part files by
  the workers, with the complete row accounting.
* :func:`dask_event_history` / :func:`partition_by` - the (small) monadic panel, or any
  pandas frame, split so that each policy lies in one partition.
* :class:`DaskEventLogit`, :class:`DaskDyadicLogit`, :class:`DaskCoxHazard` - the
  estimators on a Dask collection. Each partition turns its rows into the design with the
  formula spec built once (formulaic, same column order and categorical levels as in
  memory) and keeps only the arrays (persisted on the workers). IRLS / Newton steps sum
  ``X'WX``, ``X'Wz`` and the log-likelihood (or the partial likelihood's gradient and
  Hessian, :mod:`._cox_numerics`) across partitions; sandwich meats come from group sums
  of scores by cluster, by unit and by unordered pair, which add across partitions. The
  results are the in-memory ``BinaryResults`` / ``CoxResults`` with R's finite-sample
  factors as :mod:`._glm` and :class:`~diffusion_stats.CoxHazard` apply them.

Stratified Cox needs each stratum inside one partition (the risk sets must be local);
that is checked.

Pointing the same code at a real cluster: create a ``distributed.Client`` for the
cluster's scheduler (``Client("tcp://scheduler:8786")``, or dask-jobqueue /
dask-kubernetes / Coiled) before building or fitting; every computation here runs on the
active client. Read Parquet with ``dask.dataframe.read_parquet("s3://...")`` or build with
:func:`dask_dyads`; the workers need ``diffusion_stats`` installed.
"""

from __future__ import annotations

import copy
import re
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, stats

from . import _cox_numerics as cn
from ._accounting import Accounting
from ._covariance import resolve_cov_type
from ._errors import (
    ColumnNotFoundError,
    ConvergenceError,
    ConvergenceWarning,
    DataValidationError,
    DiffusionStatsError,
    DiffusionStatsWarning,
    IdentificationWarning,
    InputError,
    RowAccountingWarning,
    SeparationWarning,
    SpecificationError,
    did_you_mean,
)
from ._glm import (
    _WARM_N,
    LINKS,
    GLMFit,
    _irls_weights,
    _linkfun,
    _linkinv,
    _not_psd_warning,
    _solve_spd,
    fit_binary_glm,
    glm_scores,
)
from .cox import CoxResults, _inv, _solve

__all__ = [
    "DaskNotInstalledError",
    "dask_dyads",
    "write_dyads_partitioned",
    "dask_event_history",
    "partition_by",
    "DaskEventLogit",
    "DaskDyadicLogit",
    "DaskCoxHazard",
    "DaskCoxResults",
]


class DaskNotInstalledError(DiffusionStatsError, ImportError):
    """Dask (``dask[dataframe]`` and ``distributed``) is needed but not installed."""


def _dask():
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - dask is a dev dependency
        raise DaskNotInstalledError(
            "this function needs Dask: pip install 'diffusion_stats[distributed]' "
            "(or pip install 'dask[dataframe]' distributed)") from None
    return dask, dd


def _is_dask_frame(data: Any) -> bool:
    mod = type(data).__module__
    return mod.startswith("dask") and hasattr(data, "npartitions") and hasattr(data, "columns")


# =========================================================================== builders
def _pieces(plan, partition_rows: int | None, years_per_partition: int | None) -> list:
    """Monadic row selections (slices or index arrays), each inside whole policies."""
    if years_per_partition is None:
        return plan.chunks(1 if partition_rows is None else int(partition_rows))
    k = int(years_per_partition)
    out: list = []
    for s in plan.chunks(1):
        yrs = plan.year[s]
        if len(yrs) == 0:
            continue
        b = (yrs - yrs.min()) // k
        for v in np.unique(b):
            out.append(np.flatnonzero(b == v) + s.start)
    return out


def _build_part(plan, attach, piece) -> pd.DataFrame:
    """One partition of the dyad panel (a private copy of the covariate counters)."""
    a = copy.copy(attach)
    a.unmatched, a.missing = {}, {}
    df = a.add(plan.expand(piece))
    df.attrs = {}
    return df


def _check_partition_args(partition_rows, years_per_partition) -> None:
    if partition_rows is not None and (not isinstance(partition_rows, (int, np.integer)) or partition_rows < 1):
        raise InputError(f"partition_rows={partition_rows!r}; pass a positive number of dyad rows per partition "
                         "(whole policies are grouped up to it) or None for one partition per policy")
    if years_per_partition is not None and (
            not isinstance(years_per_partition, (int, np.integer)) or years_per_partition < 1):
        raise InputError(f"years_per_partition={years_per_partition!r}; pass a positive number of years "
                         "(each policy is split into year ranges of that length) or None")


def dask_dyads(adoptions: pd.DataFrame, *, start: int | None = None, end: int | None = None,
               windows: pd.DataFrame | None = None, units: Any = None, sources: str = "prior_adopters",
               dyad_covariates=None, covariates: pd.DataFrame | None = None, float32: bool = True,
               partition_rows: int | None = 1_000_000, years_per_partition: int | None = None):
    """The directed-dyad panel of :func:`~diffusion_stats.dyads` as a lazy ``dask.dataframe``.

    The plan (risk set, adoption grid, covariate lookups) is built once on the client and
    shipped to the workers once; each partition expands its monadic rows into dyads when
    it is computed, so the whole design never exists in one place.

    Parameters
    ----------
    adoptions, start, end, windows, units, sources, dyad_covariates, covariates, float32
        As in :func:`~diffusion_stats.dyads` (same rows, columns and dtypes; ``policy``,
        ``unit`` and ``partner`` are categoricals with known categories).
    partition_rows : int or None
        Whole policies are grouped into partitions of about this many dyad rows
        (default 1,000,000); ``None`` gives one partition per policy.
    years_per_partition : int, optional
        Split each policy into partitions of this many years (policy and year range);
        overrides ``partition_rows``. Fine for logit models; a stratified Cox model needs
        whole policies.

    Returns
    -------
    dask.dataframe.DataFrame
        Rows in the order of :func:`~diffusion_stats.dyads` (with ``years_per_partition``,
        by policy and year range). The risk-set accounting of the builder is issued as
        warnings here; use :func:`write_dyads_partitioned` for the complete counts
        (covariate matches) of a full pass.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> ad = pd.DataFrame({"unit": ["A", "B", "A"], "policy": ["p", "p", "q"], "year": [2001, 2002, 2002]})
    >>> ddf = ds.dask_dyads(ad, units=["A", "B", "C"], end=2003, sources="all", partition_rows=None)
    >>> ddf.npartitions, len(ddf.compute())
    (2, 22)
    """
    dask, dd = _dask()
    from .dyads import _prepare

    _check_partition_args(partition_rows, years_per_partition)
    plan, attach, _acc = _prepare(adoptions, start, end, windows, units, sources, dyad_covariates, covariates,
                                  float32)
    pieces = _pieces(plan, partition_rows, years_per_partition)
    meta = _build_part(plan, attach, slice(0, 0))
    if not pieces:
        return dd.from_pandas(meta, npartitions=1)
    tag = uuid.uuid4().hex[:12]
    plan_d = dask.delayed(plan, name=f"dyad-plan-{tag}", traverse=False)
    attach_d = dask.delayed(attach, name=f"dyad-attach-{tag}", traverse=False)
    parts = [dask.delayed(_build_part, pure=False)(plan_d, attach_d, p, dask_key_name=f"dyads-{tag}-{k}")
             for k, p in enumerate(pieces)]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _write_part(plan, attach, piece, path: str) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    a = copy.copy(attach)
    a.unmatched, a.missing = {}, {}
    df = a.add(plan.expand(piece))
    df.attrs = {}
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    return {"rows": len(df), "events": int(df["event"].sum()), "unmatched": a.unmatched, "missing": a.missing}


def write_dyads_partitioned(adoptions: pd.DataFrame, path: str | Path, *, start: int | None = None,
                            end: int | None = None, windows: pd.DataFrame | None = None, units: Any = None,
                            sources: str = "prior_adopters", dyad_covariates=None,
                            covariates: pd.DataFrame | None = None, float32: bool = True,
                            partition_rows: int | None = 1_000_000,
                            years_per_partition: int | None = None) -> Accounting:
    """Write the directed-dyad panel as Parquet part files, built in parallel by Dask workers.

    Same partitions as :func:`dask_dyads` (``part-00000.parquet``, ... in ``path``; read
    back with ``dask.dataframe.read_parquet(path)``). Each worker builds and writes its
    partitions; only counts come back, so the client never holds the design.

    Returns
    -------
    Accounting
        As ``ds.dyads(...).attrs["accounting"]``: monadic counts, ``dyad rows``,
        ``dyad events``, ``part files``, covariate match and missing counts summed over
        the partitions.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> import diffusion_stats as ds
    >>> ad = pd.DataFrame({"unit": ["A", "B"], "policy": ["p", "p"], "year": [2001, 2003]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     acc = ds.write_dyads_partitioned(ad, tmp, units=["A", "B", "C"], end=2003)
    ...     len(pd.read_parquet(tmp)), acc.counts["dyad rows"]
    (4, 4)
    """
    dask, _ = _dask()
    from .dyads import _prepare

    _check_partition_args(partition_rows, years_per_partition)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    old = sorted(path.glob("part-*.parquet"))
    if old:
        raise InputError(f"{path} already holds {len(old)} part files; choose an empty folder or delete them")
    plan, attach, acc = _prepare(adoptions, start, end, windows, units, sources, dyad_covariates, covariates,
                                 float32)
    pieces = _pieces(plan, partition_rows, years_per_partition)
    tag = uuid.uuid4().hex[:12]
    plan_d = dask.delayed(plan, name=f"dyad-plan-{tag}", traverse=False)
    attach_d = dask.delayed(attach, name=f"dyad-attach-{tag}", traverse=False)
    tasks = [dask.delayed(_write_part, pure=False)(plan_d, attach_d, p, str(path / f"part-{k:05d}.parquet"))
             for k, p in enumerate(pieces)]
    out = dask.compute(*tasks)
    for o in out:
        for k, v in o["unmatched"].items():
            attach.unmatched[k] = attach.unmatched.get(k, 0) + v
        for k, v in o["missing"].items():
            attach.missing[k] = attach.missing.get(k, 0) + v
    acc.n_rows = int(sum(o["rows"] for o in out))
    attach.report(acc)
    acc.counts["dyad rows"] = acc.n_rows
    acc.counts["dyad events"] = int(sum(o["events"] for o in out))
    acc.counts["part files"] = len(pieces)
    return acc


def partition_by(data: pd.DataFrame, by: str | Sequence[str] = "policy", *, partition_rows: int | None = None):
    """Split a pandas frame into a ``dask.dataframe`` with each group in one partition.

    Groups (e.g. policies: the strata of a pooled Cox model) are never split; with
    ``partition_rows`` consecutive groups are packed into partitions of about that many
    rows, otherwise each group is a partition. Rows keep their order within groups;
    groups follow their first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> df = pd.DataFrame({"policy": ["a", "a", "b", "c"], "x": [1, 2, 3, 4]})
    >>> ds.partition_by(df, "policy").npartitions
    3
    """
    _, dd = _dask()
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    cols = [by] if isinstance(by, str) else list(by)
    for c in cols:
        if c not in data.columns:
            raise ColumnNotFoundError(f"by= column '{c}' not found in data{did_you_mean(c, data.columns)}")
    if partition_rows is not None and (not isinstance(partition_rows, (int, np.integer)) or partition_rows < 1):
        raise InputError(f"partition_rows={partition_rows!r}; pass a positive number of rows or None")
    key = data[cols[0]] if len(cols) == 1 else pd.MultiIndex.from_frame(data[cols])
    codes, _ = pd.factorize(key, sort=False)
    if np.any(codes < 0):
        raise DataValidationError(f"by= columns {cols} have {int((codes < 0).sum())} missing values; fill or drop them")
    order = np.argsort(codes, kind="stable")
    if not np.all(np.diff(order) > 0):
        data = data.iloc[order]
        codes = codes[order]
    bounds = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(data)]])
    slices: list[slice] = []
    s0, acc = 0, 0
    for k in range(len(starts)):
        size = int(ends[k] - starts[k])
        if partition_rows is None or (acc and acc + size > partition_rows):
            if k:
                slices.append(slice(int(starts[s0]), int(starts[k])))
            s0, acc = k, 0
        acc += size
    if len(starts):
        slices.append(slice(int(starts[s0]), len(data)))
    frames = [data.iloc[s] for s in slices] or [data.iloc[:0]]
    out = dd.from_map(_identity, frames, meta=data.iloc[:0], enforce_metadata=False)
    return out


def _identity(df: pd.DataFrame) -> pd.DataFrame:
    return df


def dask_event_history(adoptions: pd.DataFrame, *, start: int | None = None, end: int | None = None,
                       windows: pd.DataFrame | None = None, units: Any = None,
                       covariates: pd.DataFrame | None = None, partition_rows: int | None = 100_000):
    """The monadic panel of :func:`~diffusion_stats.event_history` as a ``dask.dataframe``
    with each policy inside one partition (ready for :class:`DaskCoxHazard` with
    ``strata="policy"``).

    The monadic panel is one row per unit-year at risk (SPID: 582,377 rows), so it is
    built in memory (with the builder's row accounting warnings) and then split by
    :func:`partition_by`; the large designs are the dyadic ones (:func:`dask_dyads`).

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> ad = pd.DataFrame({"unit": ["A", "B", "A"], "policy": ["p", "p", "q"], "year": [2001, 2002, 2002]})
    >>> ds.dask_event_history(ad, units=["A", "B", "C"], end=2003, partition_rows=None).npartitions
    2
    """
    from .panel import event_history

    panel = event_history(adoptions, start=start, end=end, windows=windows, units=units, covariates=covariates)
    panel.attrs = {}
    return partition_by(panel, "policy", partition_rows=partition_rows)


# =========================================================================== design on partitions
_STATEFUL = re.compile(r"\b(center|scale|standardize|bs|cr|cs|cc|te|poly|hashed|lag)\s*\(")


@dataclass
class _Spec:
    """Formula spec built once on the client, applied to every partition."""

    formula: str
    spec: Any
    names: list[str]
    response: str
    intercept: bool
    levels: dict[str, pd.CategoricalDtype] = field(default_factory=dict)


def _build_spec(formula: str, data, *, intercept: bool) -> _Spec:
    """Formulaic spec from the collection's metadata, with global categorical levels."""
    import formulaic
    from formulaic.errors import FormulaicError

    dask, _ = _dask()
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
    return _Spec(formula=formula, spec=mm.model_spec, names=names, response=str(mm.lhs.columns[0]),
                 intercept=intercept, levels=levels)


def _design_part(pdf: pd.DataFrame, spec: _Spec, extra: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                                 dict[str, int]]:
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


def _labels_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """Local codes and labels (object array) of a cluster column; NaN -> -1."""
    codes, uniq = pd.factorize(values, sort=False)
    return codes.astype(np.int64), np.asarray(uniq, dtype=object)


def _dyad_codes(u: pd.Series, p: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _group_sums(S: np.ndarray, codes: np.ndarray, G: int) -> np.ndarray:
    out = np.empty((G, S.shape[1]))
    for j in range(S.shape[1]):
        out[:, j] = np.bincount(codes, weights=S[:, j], minlength=G)
    return out


def _cluster_sums(S: np.ndarray, clusters: list[tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """Score sums by cluster label (one-way) or by cell of the two labels (two-way)."""
    if len(clusters) == 1:
        codes, lab = clusters[0]
        sums = _group_sums(S, codes, len(lab))
        return pd.DataFrame(sums, index=pd.Index(lab, name="g1"))
    (c1, l1), (c2, l2) = clusters
    key = c1 * len(l2) + c2
    cells, inv = np.unique(key, return_inverse=True)
    sums = _group_sums(S, inv.ravel(), len(cells))
    idx = pd.MultiIndex.from_arrays([l1[cells // len(l2)], l2[cells % len(l2)]], names=["g1", "g2"])
    return pd.DataFrame(sums, index=idx)


def _dyad_sums(S: np.ndarray, uc: np.ndarray, pc: np.ndarray, lab: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    L = len(lab)
    su = _group_sums(S, uc, L) + _group_sums(S, pc, L)
    lo, hi = np.minimum(uc, pc), np.maximum(uc, pc)
    cells, inv = np.unique(lo * L + hi, return_inverse=True)
    sp = _group_sums(S, inv.ravel(), len(cells))
    idx = pd.MultiIndex.from_arrays([lab[cells // L], lab[cells % L]])
    return pd.DataFrame(su, index=pd.Index(lab)), pd.DataFrame(sp, index=idx)


def _reduce_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    allf = pd.concat(frames)
    return allf.groupby(level=list(range(allf.index.nlevels)), sort=False).sum()


def _compute(tasks: list) -> list:
    dask, _ = _dask()
    return list(dask.compute(*tasks))


def _persist(tasks: list, persist: bool) -> list:
    dask, _ = _dask()
    return list(dask.persist(*tasks)) if persist else tasks


def _sum_arrays(items: list, key: str) -> Any:
    vals = [it[key] for it in items]
    out = vals[0]
    for v in vals[1:]:
        out = out + v
    return out


def _as_dask(data, what: str):
    if not _is_dask_frame(data):
        raise InputError(f"{what}: data must be a dask.dataframe.DataFrame (use ds.dask_dyads, "
                         "ds.dask_event_history, ds.partition_by or dask.dataframe.read_parquet); "
                         f"got {type(data).__name__}. For a pandas frame use the in-memory model")
    return data


def _check_columns(data, cols: Sequence[str | None], role: str) -> None:
    for c in cols:
        if c is not None and c not in data.columns:
            raise ColumnNotFoundError(f"{role} column '{c}' not found in data{did_you_mean(c, data.columns)}")


# =========================================================================== binary GLM on Dask
def _glm_make_part(pdf: pd.DataFrame, spec: _Spec, roles: dict) -> dict:
    """Design arrays of one partition (what stays in worker memory)."""
    extra = [c for c in (roles["time"], roles["weights"], roles["unit"], roles["partner"]) if c is not None]
    y, X, bad, per = _design_part(pdf, spec, extra)
    keep = ~bad
    part: dict[str, Any] = {"n_in": len(y), "n_bad": int(bad.sum()), "per": per}
    sub = pdf if keep.all() else pdf.loc[keep]
    if not keep.all():
        y, X = y[keep], X[keep]
    part["y"], part["X"] = y, X
    part["w"] = None if roles["weights"] is None else sub[roles["weights"]].to_numpy(dtype=float)
    part["t"] = None if roles["time"] is None else sub[roles["time"]].to_numpy(dtype=float)
    clusters, cl_na = [], {}
    for c in roles["cluster"]:
        codes, lab = _labels_codes(sub[c])
        if (codes < 0).any():
            cl_na[c] = int((codes < 0).sum())
        clusters.append((codes, lab))
    part["clusters"], part["cluster_na"] = clusters, cl_na
    part["dyad"] = None
    part["self_pairs"] = 0
    if roles["dyadic"] and len(y):
        u, p = sub[roles["unit"]], sub[roles["partner"]]
        uc, pc, lab = _dyad_codes(u, p)
        part["self_pairs"] = int((uc == pc).sum())
        part["dyad"] = (uc, pc, lab)
    return part


def _glm_setup_stats(part: dict) -> dict:
    y = part["y"]
    badv = ~((y == 0) | (y == 1))
    w = part["w"]
    out = {"n_in": part["n_in"], "n_bad": part["n_bad"], "per": part["per"], "n": len(y),
           "ysum": float(y[~badv].sum()), "nonbinary": int(badv.sum()),
           "nonbinary_examples": np.unique(y[badv])[:5].tolist(),
           "w_bad": 0 if w is None else int((~np.isfinite(w) | (w < 0)).sum()),
           "cluster_na": part["cluster_na"], "self_pairs": part["self_pairs"],
           "t_counts": None}
    if part["t"] is not None:
        vals, cnt = np.unique(part["t"], return_counts=True)
        out["t_counts"] = (vals, cnt)
    return out


def _glm_add_duration(part: dict, dur: dict) -> dict:
    if dur["kind"] is None:
        return part
    from .event_logit import _duration_terms, natural_spline_basis

    t = part["t"]
    if dur["kind"] == "spline":
        D = natural_spline_basis(t, dur["knots"], dur["boundary"]) if len(t) else np.zeros((0, dur["ncol"]))
    elif dur["kind"] == "cubic":
        D, _, _ = _duration_terms(t, "cubic", "t", has_intercept=True, spline_df=4, knots=None)
    else:
        D = (t[:, None] == dur["values"][None, :]).astype(float)
    new = dict(part)
    new["X"] = np.column_stack([part["X"], D]) if len(t) else np.zeros((0, part["X"].shape[1] + len(dur["names"])))
    return new


def _glm_pass(part: dict, beta: np.ndarray | None, link: str) -> dict:
    """Deviance, X'WX and X'Wz at ``beta`` (R's start values when ``beta`` is None), as one
    IRLS step of :func:`diffusion_stats._glm.fit_binary_glm`."""
    y, X, w = part["y"], part["X"], part["w"]
    k = X.shape[1]
    if len(y) == 0:
        return {"dev": 0.0, "A": np.zeros((k, k)), "b": np.zeros(k)}
    if beta is None:
        mu = (y + 0.5) / 2 if w is None else (w * y + 0.5) / (w + 1)
        eta = _linkfun(mu, link)
    else:
        eta = X @ beta
        mu = _linkinv(eta, link)
    ll = np.log(np.where(y > 0, mu, 1.0 - mu))
    dev = float(-2.0 * (ll.sum() if w is None else np.dot(w, ll)))
    me, wt = _irls_weights(eta, mu, link, w)
    z = (y - mu) / me + eta
    Xw = X * wt[:, None]
    return {"dev": dev, "A": Xw.T @ X, "b": Xw.T @ z}


def _glm_subsample(part: dict, step: int) -> tuple:
    sl = slice(0, len(part["y"]), step)
    return part["y"][sl], part["X"][sl], None if part["w"] is None else part["w"][sl]


def _glm_final(part: dict, beta: np.ndarray, link: str, cov_type: str) -> dict:
    """Score products / group sums and separation statistics at the estimate."""
    y, X, w = part["y"], part["X"], part["w"]
    k = X.shape[1]
    out: dict[str, Any] = {"meat": np.zeros((k, k)), "clu": None, "su": None, "sp": None,
                           "n_perfect": 0, "is01": np.ones(k, bool), "on": np.zeros(k),
                           "y_on": np.zeros(k), "ysum": 0.0, "on_perfect": np.zeros(k, bool), "wsum": 0.0,
                           "wysum": 0.0}
    if len(y) == 0:
        return out
    eta = X @ beta
    mu = _linkinv(eta, link)
    wp = np.ones(len(y)) if w is None else w
    out["wsum"], out["wysum"] = float(wp.sum()), float(np.dot(wp, y))
    perfect = (mu < 1e-10) | (mu > 1 - 1e-10)
    out["n_perfect"] = int(perfect.sum())
    out["is01"] = np.array([np.array_equal(X[:, j], X[:, j] != 0) for j in range(k)])
    out["on"] = X.sum(axis=0)
    out["y_on"] = y @ X
    out["ysum"] = float(y.sum())
    out["on_perfect"] = (X[perfect] != 0).any(axis=0) if perfect.any() else np.zeros(k, bool)
    if cov_type == "classical":
        return out
    S = glm_scores(y, X, SimpleNamespace(mu=mu, eta=eta, link=link), w)
    if cov_type == "robust":
        out["meat"] = S.T @ S
    elif cov_type == "cluster":
        out["clu"] = _cluster_sums(S, part["clusters"])
    else:
        uc, pc, lab = part["dyad"]
        out["su"], out["sp"] = _dyad_sums(S, uc, pc, lab)
    return out


def _separation_from_stats(fin: dict, beta: np.ndarray, inv: np.ndarray, names: list[str], n: int
                           ) -> tuple[list[str], int]:
    """:func:`diffusion_stats._glm._separation` from summed partition statistics."""
    n_perfect = fin["n_perfect"]
    se = np.sqrt(np.clip(np.diag(inv), 0, None))
    flagged: list[str] = []
    on, y_on, ysum = fin["on"], fin["y_on"], fin["ysum"]
    for j, nm in enumerate(names):
        if nm.lower() in ("intercept", "(intercept)"):
            continue
        if fin["is01"][j] and 0 < on[j] < n:
            off_n, y_off = n - on[j], ysum - y_on[j]
            if y_on[j] in (0, on[j]) or y_off in (0, off_n):
                flagged.append(nm)
                continue
        if n_perfect and (abs(beta[j]) > 10 or se[j] > 1e3) and fin["on_perfect"][j]:
            flagged.append(nm)
    if n_perfect and not flagged:
        flagged = ["(some combination of terms)"]
    if flagged:
        warnings.warn(
            f"(quasi-)complete separation: {n_perfect} fitted probabilities are numerically 0 or 1; "
            f"the estimates of {flagged} diverge (infinite MLE) and their standard errors are meaningless. "
            "Drop or merge those terms (e.g. duration dummies with no events), or use a penalised estimator",
            SeparationWarning, stacklevel=4)
    return flagged, n_perfect


def _type7_quantiles(vals: np.ndarray, cnt: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """R's type-7 quantiles of the values ``vals`` repeated ``cnt`` times."""
    n = int(cnt.sum())
    cum = np.cumsum(cnt)
    out = []
    for p in probs:
        h = (n - 1) * p
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        xlo = vals[np.searchsorted(cum, lo, side="right")]
        xhi = vals[np.searchsorted(cum, hi, side="right")]
        out.append(xlo + (h - lo) * (xhi - xlo))
    return np.asarray(out, dtype=float)


class _DaskBinaryModel:
    """Binary GLM (logit / cloglog / probit) on a Dask collection; see :class:`DaskEventLogit`."""

    _name = "EventLogit"
    _allowed_cov: tuple[str, ...] = ("classical", "robust", "cluster")
    _dyadic = False

    def _setup(self, formula: str, data, *, link: str, weights, missing: str, extra: tuple[str, ...]) -> None:
        self._data = _as_dask(data, self._name)
        if link not in LINKS:
            raise InputError(f"link={link!r} is not one of {LINKS}{did_you_mean(str(link), LINKS)}")
        if missing not in ("raise", "drop"):
            raise InputError(f"missing={missing!r}; use 'raise' or 'drop'")
        if weights is not None and not isinstance(weights, str):
            raise InputError("weights= must be a column name on Dask (arrays cannot be aligned with partitions)")
        _check_columns(data, [weights], "weights")
        _check_columns(data, extra, "role")
        self._formula, self._link, self._missing, self._wcol = formula, link, missing, weights
        self._spec = _build_spec(formula, data, intercept=True)
        self._names = list(self._spec.names)

    @property
    def formula(self) -> str:
        return self._formula

    @property
    def link(self) -> str:
        return self._link

    @property
    def exog_names(self) -> list[str]:
        return list(self._names) + list(getattr(self, "_dur_names", []))

    def _roles(self, cluster_cols: tuple[str, ...], cov_type: str) -> dict:
        return {"time": None, "weights": self._wcol, "unit": None, "partner": None, "cluster": list(cluster_cols),
                "dyadic": False}

    def _duration(self, setup: list[dict]) -> dict:
        return {"kind": None, "names": []}

    def fit(self, cov_type: str | None = None, cluster: str | list[str] | None = None, *, hc_type: str = "HC0",
            maxiter: int = 100, tol: float = 1e-10, persist: bool = True):
        """Fit by IRLS with partition sums; same options and results as the in-memory model.

        Parameters
        ----------
        cov_type : {"classical", "robust", "cluster", "dyadic"}, optional
        cluster : str or list of str, optional
        hc_type : {"HC0", "HC1"}
        maxiter, tol : IRLS limits (relative deviance change, R's rule).
        persist : bool
            Keep the design arrays of every partition in worker memory for the IRLS
            passes (default). ``False`` rebuilds each partition from the source (Parquet
            or builder) on every pass: slower, with the smallest memory footprint.

        Returns
        -------
        BinaryResults
        """
        from .event_logit import BinaryResults

        cov_type, cols = resolve_cov_type(cov_type, cluster, allowed=self._allowed_cov, default="classical")
        _check_columns(self._data, cols, "cluster")
        if hc_type not in ("HC0", "HC1"):
            raise InputError(f"hc_type={hc_type!r}; use 'HC0' (no n/(n-k) factor) or 'HC1'")
        dask, _ = _dask()
        roles = self._roles(cols, cov_type)
        parts = [dask.delayed(_glm_make_part, pure=False)(p, self._spec, roles) for p in self._data.to_delayed()]
        parts = _persist(parts, persist)
        setup = _compute([dask.delayed(_glm_setup_stats, pure=False)(p) for p in parts])
        n_in = sum(s["n_in"] for s in setup)
        n_bad = sum(s["n_bad"] for s in setup)
        if n_bad:
            per: dict[str, int] = {}
            for s in setup:
                for k_, v in s["per"].items():
                    per[k_] = per.get(k_, 0) + v
            detail = ", ".join(f"'{k_}': {v}" for k_, v in per.items())
            if self._missing == "raise":
                raise DataValidationError(
                    f"{n_bad} of {n_in} rows have missing values ({detail}); drop or impute them, "
                    "or pass missing='drop' to exclude them with a warning")
            warnings.warn(f"{n_bad} of {n_in} rows excluded for missing values ({detail})",
                          RowAccountingWarning, stacklevel=2)
        n = sum(s["n"] for s in setup)
        resp = self._spec.response
        nonbin = sum(s["nonbinary"] for s in setup)
        if nonbin:
            ex = sorted({v for s in setup for v in s["nonbinary_examples"]})[:5]
            raise DataValidationError(
                f"the response '{resp}' must be 0/1 (event indicator); found {nonbin} rows with other values, "
                f"e.g. {', '.join(map(repr, ex))}. Recode it, e.g. '(x > 0) ~ ...' or a new column")
        ysum = sum(s["ysum"] for s in setup)
        if n and (ysum == 0 or ysum == n):
            raise DataValidationError(f"the response '{resp}' is {int(ysum > 0)} in every one of the {n} rows; "
                                      "a binary model needs both events and non-events")
        if sum(s["w_bad"] for s in setup):
            raise DataValidationError("weights must be finite and non-negative")
        for c in cols:
            na = sum(s["cluster_na"].get(c, 0) for s in setup)
            if na:
                raise DataValidationError(f"cluster column '{c}' has {na} missing values in the rows used; "
                                          "fill or drop them")
        selfp = sum(s["self_pairs"] for s in setup)
        if selfp:
            raise DataValidationError(f"{selfp} rows pair a unit with itself ({self._unit} == {self._partner}); "
                                      "a directed dyad needs two different units: drop them")
        dur = self._duration(setup)
        if dur["kind"] is not None:
            parts = _persist([dask.delayed(_glm_add_duration, pure=False)(p, dur) for p in parts], persist)
        names = self._names + dur["names"]
        k = len(names)
        wcol = self._wcol

        def run(beta):
            res = _compute([dask.delayed(_glm_pass, pure=False)(p, beta, self._link) for p in parts])
            return sum(r["dev"] for r in res), _sum_arrays(res, "A"), _sum_arrays(res, "b")

        # IRLS exactly as diffusion_stats._glm.fit_binary_glm, with partition sums
        beta = self._warm_start(parts, n, names, maxiter)
        dev, A, b = run(beta)
        converged, polish, n_iter, rel = False, False, 0, np.inf
        for _it in range(maxiter):
            n_iter += 1
            new_beta, _ = _solve_spd(A, b, names)
            if not np.all(np.isfinite(new_beta)):
                raise ConvergenceError("IRLS produced non-finite estimates; check for extreme covariate values "
                                       "(rescale them) or separation")
            step = new_beta
            for _ in range(30):
                dev_new, A_new, b_new = run(step)
                if np.isfinite(dev_new) and (beta is None or dev_new <= dev * (1 + 1e-7) + 1e-9):
                    break
                step = (step + beta) / 2 if beta is not None else step / 2
            rel = abs(dev_new - dev) / (abs(dev_new) + 0.1)
            beta, dev, A, b = step, dev_new, A_new, b_new
            if polish:
                converged = True
                break
            if rel < tol:
                polish = True
        if not converged:
            warnings.warn(f"IRLS did not converge in {maxiter} iterations (last relative deviance change "
                          f"{rel:.2e}); estimates may be unreliable: check for separation or rescale covariates",
                          ConvergenceWarning, stacklevel=2)
        _, inv = _solve_spd(A, np.zeros(k), names)
        fins = _compute([dask.delayed(_glm_final, pure=False)(p, beta, self._link, cov_type) for p in parts])
        fin = {key: _sum_arrays(fins, key) for key in ("n_perfect", "on", "y_on", "ysum", "wsum", "wysum")}
        fin["is01"] = np.all([f["is01"] for f in fins], axis=0)
        fin["on_perfect"] = np.any([f["on_perfect"] for f in fins], axis=0)
        wsum, wysum = fin["wsum"], fin["wysum"]
        ybar = wysum / wsum if wsum > 0 else 0.5
        n1, n0 = wysum, wsum - wysum
        null_dev = -2.0 * ((n1 * np.log(ybar) if n1 > 0 else 0.0) + (n0 * np.log1p(-ybar) if n0 > 0 else 0.0))
        sep, n_perfect = _separation_from_stats(fin, beta, inv, names, n)
        V, facts = self._cov(fins, inv, cov_type, hc_type, n, k, cols)
        glmfit = GLMFit(params=beta, cov_unscaled=inv, eta=np.zeros(0), mu=np.zeros(0), loglik=-dev / 2,
                        deviance=dev, null_deviance=null_dev, iterations=n_iter, converged=converged,
                        link=self._link, separation=sep, n_perfect=n_perfect)
        params = pd.Series(beta, index=names, name="coef")
        notes: list[str] = []
        info: dict[str, Any] = {"Link": self._link, "Events": int(round(ysum))}
        info.update(dur.get("info", {}))
        if cov_type != "classical":
            info["Variance factor"] = facts["adjustment"]
        if not converged:
            notes.append(f"WARNING: IRLS did not converge in {n_iter} iterations.")
        if sep:
            notes.append(f"WARNING: (quasi-)complete separation; estimates of {sep} diverge "
                         f"({n_perfect} fitted probabilities numerically 0 or 1).")
        if facts["not_psd"]:
            notes.append(f"WARNING: the {cov_type} variance matrix is not positive definite; treat standard errors "
                         "and tests with caution.")
        notes.append(f"Fitted on Dask: {self._data.npartitions} partitions, {n_iter + 1} passes over the data"
                     + (f" (weights '{wcol}')" if wcol else "") + ".")
        n_clusters = facts["n_clusters"]
        if cov_type == "dyadic":
            info["Units (dyadic)"] = n_clusters[0]
            n_clusters = ()
        cov = pd.DataFrame(V, index=names, columns=names)
        res = BinaryResults(fit=glmfit, notes=notes, fitted=np.zeros(0), not_psd=facts["not_psd"],
                            model_name=self._name, params=params, cov=cov, nobs=n, loglik=glmfit.loglik,
                            cov_type=cov_type, cluster=cols, n_clusters=n_clusters, info=info,
                            formula=self._formula)
        return res

    def _warm_start(self, parts: list, n: int, names: list[str], maxiter: int) -> np.ndarray | None:
        """Start from a systematic-subsample fit on large data (as ``fit_binary_glm``): IRLS
        then needs ~3 passes over the data instead of ~7; the optimum is the full-data one."""
        if n <= _WARM_N or maxiter <= 5:
            return None
        dask, _ = _dask()
        step = max(n // (_WARM_N // 4), 1)
        subs = _compute([dask.delayed(_glm_subsample, pure=False)(p, step) for p in parts])
        y = np.concatenate([s[0] for s in subs])
        X = np.concatenate([s[1] for s in subs])
        w = None if subs[0][2] is None else np.concatenate([s[2] for s in subs])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ws = fit_binary_glm(y, X, link=self._link, weights=w, names=names, tol=1e-8, maxiter=25,
                                    _check=False)
            except Exception:  # noqa: BLE001 - any trouble: fall back to R's starting values
                return None
        return ws.params if ws.converged and np.all(np.isfinite(ws.params)) else None

    @staticmethod
    def _cov(fins: list[dict], bread: np.ndarray, cov_type: str, hc_type: str, n: int, k: int,
             cols: tuple[str, ...]) -> tuple[np.ndarray, dict]:
        """:func:`diffusion_stats._glm.glm_cov` from reduced group sums (same factors)."""
        facts: dict = {"n_clusters": (), "not_psd": False}
        if cov_type == "classical":
            facts["adjustment"] = "model-based (inverse Fisher information)"
            return bread.copy(), facts
        hc1 = (n - 1) / (n - k) if hc_type == "HC1" else 1.0
        if cov_type == "robust":
            meat = _sum_arrays(fins, "meat")
            f = n / (n - k) if hc_type == "HC1" else 1.0
            facts["adjustment"] = f"{hc_type}" + (" (n/(n-k))" if hc_type == "HC1" else " (none)")
            V = f * bread @ meat @ bread
        elif cov_type == "cluster":
            sums = _reduce_frames([f["clu"] for f in fins])
            if len(cols) == 1:
                G = len(sums)
                if G < 2:
                    raise SpecificationError("cov_type='cluster' needs at least 2 clusters; the cluster column "
                                             "is constant")
                s = sums.to_numpy()
                meat = G / (G - 1) * (s.T @ s)
                facts["n_clusters"] = (G,)
            else:
                s1 = sums.groupby(level=0, sort=False).sum().to_numpy()
                s2 = sums.groupby(level=1, sort=False).sum().to_numpy()
                s12 = sums.to_numpy()
                g1, g2, g12 = len(s1), len(s2), len(s12)
                if min(g1, g2) < 2:
                    raise SpecificationError("two-way clustering needs at least 2 clusters in each dimension")
                meat = (g1 / (g1 - 1) * (s1.T @ s1) + g2 / (g2 - 1) * (s2.T @ s2)
                        - (g12 / (g12 - 1) * (s12.T @ s12) if g12 > 1 else 0.0))
                facts["n_clusters"] = (g1, g2)
            facts["adjustment"] = "G/(G-1) per clustering" + (" x (n-1)/(n-k)" if hc_type == "HC1" else "")
            V = hc1 * bread @ meat @ bread
            if len(cols) == 2:
                facts["not_psd"] = _not_psd_warning(V, "two-way clustered")
        else:  # dyadic
            su = _reduce_frames([f["su"] for f in fins]).to_numpy()
            sp = _reduce_frames([f["sp"] for f in fins]).to_numpy()
            meat = su.T @ su - sp.T @ sp
            V = bread @ meat @ bread
            facts["n_clusters"] = (len(su),)
            facts["adjustment"] = "none"
            facts["not_psd"] = _not_psd_warning(V, "dyadic-robust")
        V = (V + V.T) / 2
        return V, facts


class DaskEventLogit(_DaskBinaryModel):
    """:class:`~diffusion_stats.EventLogit` on a ``dask.dataframe`` (same numbers as in memory).

    Parameters
    ----------
    formula : str
        ``"event ~ x1 + x2"`` (formulaic). The design is built per partition from one
        spec (same columns and categorical levels as in memory; stateful transforms such
        as ``center()`` or ``bs()`` are refused: compute those columns first).
    data : dask.dataframe.DataFrame
        A unit-period panel at risk, e.g. :func:`dask_event_history`.
    link : {"logit", "cloglog", "probit"}
    duration : {None, "cubic", "spline", "dummies"}
        Duration dependence in ``data[time]`` (knots and dummy values from a pass over
        all partitions, as in memory).
    time : str
    spline_df : int
    knots : array-like, optional
    weights : str, optional
        Prior-weight column.
    missing : {"raise", "drop"}

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd
    >>> import diffusion_stats as ds
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"x": rng.normal(size=400), "stop": np.tile(np.arange(1, 9), 50)})
    >>> df["event"] = (rng.random(400) < 0.2).astype(int)
    >>> mem = ds.EventLogit("event ~ x", df).fit(cov_type="robust")
    >>> dsk = ds.DaskEventLogit("event ~ x", dd.from_pandas(df, npartitions=3)).fit(cov_type="robust")
    >>> bool(np.allclose(mem.params, dsk.params, rtol=1e-10) and np.allclose(mem.std_errors, dsk.std_errors))
    True
    """

    _name = "EventLogit"

    def __init__(self, formula: str, data, *, link: str = "logit", duration: str | None = None,
                 time: str = "stop", spline_df: int = 4, knots=None, weights: str | None = None,
                 missing: str = "raise") -> None:
        from .event_logit import _DURATIONS

        if duration not in _DURATIONS:
            raise InputError(f"duration={duration!r} is not one of {_DURATIONS}")
        if duration is not None and time not in data.columns:
            raise ColumnNotFoundError(f"time column '{time}' not found in data{did_you_mean(time, data.columns)}; "
                                      "pass time='your duration column'")
        self._setup(formula, data, link=link, weights=weights, missing=missing,
                    extra=(time,) if duration is not None else ())
        self._duration_kind, self._time, self._spline_df, self._knots = duration, time, spline_df, knots

    def _roles(self, cluster_cols, cov_type):
        r = super()._roles(cluster_cols, cov_type)
        r["time"] = self._time if self._duration_kind is not None else None
        return r

    def _duration(self, setup: list[dict]) -> dict:
        kind, time = self._duration_kind, self._time
        if kind is None:
            return {"kind": None, "names": []}
        tc = [s["t_counts"] for s in setup if s["t_counts"] is not None and len(s["t_counts"][0])]
        allv = pd.concat([pd.Series(c, index=v) for v, c in tc]).groupby(level=0).sum().sort_index()
        vals, cnt = allv.index.to_numpy(dtype=float), allv.to_numpy()
        has_int = "Intercept" in self._names
        names: list[str]
        info: dict = {}
        out: dict[str, Any] = {"kind": kind}
        if kind == "cubic":
            names = [time, f"{time}^2", f"{time}^3"]
        elif kind == "dummies":
            use = vals[1:] if has_int else vals
            names = [f"{time}[{v:g}]" for v in use]
            out["values"] = use
            if has_int:
                info = {"duration reference": f"{time} = {vals[0]:g}"}
        else:
            if self._knots is None:
                sdf = self._spline_df
                if not isinstance(sdf, (int, np.integer)) or sdf < 1:
                    raise InputError(f"spline_df must be a positive integer, got {sdf!r}")
                probs = np.linspace(0, 1, sdf + 1)[1:-1]
                kn = _type7_quantiles(vals, cnt, probs) if len(probs) else np.array([])
            else:
                kn = np.sort(np.asarray(self._knots, dtype=float))
            bnd = (float(vals.min()), float(vals.max()))
            if np.any((kn <= bnd[0]) | (kn >= bnd[1])):
                raise InputError(f"spline knots {kn.tolist()} must lie strictly inside the range of '{time}' {bnd}")
            out.update(knots=kn, boundary=bnd, ncol=len(kn) + 1)
            names = [f"ns({time})[{j + 1}]" for j in range(len(kn) + 1)]
            info = {"spline knots": ", ".join(f"{v:g}" for v in kn),
                    "spline boundary knots": f"{bnd[0]:g}, {bnd[1]:g}"}
        clash = [d for d in names if d in self._names]
        if clash:
            raise SpecificationError(f"duration terms {clash} are already in the formula; drop them from the "
                                     "formula or use duration=None")
        out["names"] = names
        out["info"] = {"Duration": f"{kind} in '{time}'", **info}
        return out


class DaskDyadicLogit(_DaskBinaryModel):
    """:class:`~diffusion_stats.DyadicLogit` on a ``dask.dataframe`` (same numbers as in memory).

    ``cov_type="dyadic"`` sums scores by unit (as unit or partner) and by unordered pair
    within each partition; those group sums add across partitions, so the meat
    ``sum_u S_u S_u' - sum_{u<v} S_uv S_uv'`` is exact whatever the partitioning.

    Parameters
    ----------
    formula : str
    data : dask.dataframe.DataFrame
        Directed-dyad rows, e.g. :func:`dask_dyads` or ``dask.dataframe.read_parquet`` of
        :func:`write_dyads_partitioned` output.
    unit, partner : str
    link : {"logit", "cloglog", "probit"}
    weights : str, optional
    missing : {"raise", "drop"}

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> import numpy as np, dask.dataframe as dd
    >>> rng = np.random.default_rng(3)
    >>> units = np.array(list("abcdefgh"))
    >>> i, j = np.meshgrid(np.arange(8), np.arange(8)); keep = i.ravel() != j.ravel()
    >>> df = pd.DataFrame({"unit": units[i.ravel()[keep]], "partner": units[j.ravel()[keep]]})
    >>> df = pd.concat([df] * 10, ignore_index=True)
    >>> df["x"] = rng.normal(size=len(df)); df["event"] = (rng.random(len(df)) < 0.3).astype(int)
    >>> mem = ds.DyadicLogit("event ~ x", df).fit(cov_type="dyadic")
    >>> dsk = ds.DaskDyadicLogit("event ~ x", dd.from_pandas(df, npartitions=4)).fit(cov_type="dyadic")
    >>> bool(np.allclose(dsk.std_errors, mem.std_errors, rtol=1e-10)), dsk.nobs
    (True, 560)
    """

    _name = "DyadicLogit"
    _allowed_cov = ("classical", "robust", "cluster", "dyadic")

    def __init__(self, formula: str, data, *, unit: str = "unit", partner: str = "partner",
                 link: str = "logit", weights: str | None = None, missing: str = "raise") -> None:
        self._unit, self._partner = unit, partner
        _as_dask(data, "DyadicLogit")
        for role, col in (("unit", unit), ("partner", partner)):
            if col not in data.columns:
                raise ColumnNotFoundError(f"{role}= column '{col}' not found in data"
                                          f"{did_you_mean(col, data.columns)}; pass {role}='<column name>'")
        self._setup(formula, data, link=link, weights=weights, missing=missing, extra=(unit, partner))

    def _roles(self, cluster_cols, cov_type):
        r = super()._roles(cluster_cols, cov_type)
        r.update(unit=self._unit, partner=self._partner, dyadic=cov_type == "dyadic")
        return r


# =========================================================================== Cox on Dask
def _cox_make_part(pdf: pd.DataFrame, spec: _Spec, roles: dict) -> dict:
    extra = [c for c in (roles["start"], roles["stop"], roles["weights"], *roles["strata"]) if c is not None]
    y, X, bad, per = _design_part(pdf, spec, extra)
    keep = ~bad
    sub = pdf if keep.all() else pdf.loc[keep]
    if not keep.all():
        y, X = y[keep], X[keep]
    n = len(y)
    part: dict[str, Any] = {"n_in": len(bad), "n_bad": int(bad.sum()), "per": per, "event": y, "Xraw": X}
    part["stop"] = sub[roles["stop"]].to_numpy(dtype=float)
    part["start"] = np.zeros(n) if roles["start"] is None else sub[roles["start"]].to_numpy(dtype=float)
    part["w"] = np.ones(n) if roles["weights"] is None else sub[roles["weights"]].to_numpy(dtype=float)
    if roles["strata"]:
        s = roles["strata"]
        key = sub[s[0]] if len(s) == 1 else pd.MultiIndex.from_frame(sub[s])
        codes, labels = pd.factorize(key, sort=True)
        part["strata"] = codes.astype(np.int64)
        part["strata_labels"] = [x if not isinstance(x, tuple) else tuple(x) for x in list(labels)]
    else:
        part["strata"] = np.zeros(n, dtype=np.int64)
        part["strata_labels"] = ["(all)"] if n else []
    clusters, cl_na = [], {}
    for c in roles["cluster"]:
        codes, lab = _labels_codes(sub[c])
        if (codes < 0).any():
            cl_na[c] = int((codes < 0).sum())
        clusters.append((codes, lab))
    part["clusters"], part["cluster_na"] = clusters, cl_na
    return part


def _cox_setup_stats(part: dict) -> dict:
    ev, X, w = part["event"], part["Xraw"], part["w"]
    badv = ~np.isin(ev, (0.0, 1.0))
    return {"n_in": part["n_in"], "n_bad": part["n_bad"], "per": part["per"], "n": len(ev),
            "nonbinary": int(badv.sum()), "examples": pd.unique(ev[badv])[:5].tolist(),
            "events": float(ev[~badv].sum()), "bad_interval": int((part["stop"] <= part["start"]).sum()),
            "nonfinite": int((~np.isfinite(part["stop"])).sum() + (~np.isfinite(part["start"])).sum()),
            "w_bad": int((w <= 0).sum()), "xsum": X.sum(axis=0), "xsq": (X * X).sum(axis=0),
            "strata": part["strata_labels"], "cluster_na": part["cluster_na"]}


def _cox_prepare(part: dict, means: np.ndarray) -> dict:
    new = dict(part)
    new["X"] = part["Xraw"] - means
    del new["Xraw"]
    new["rs"] = cn.build_risk_sets(part["start"], part["stop"], part["event"], part["w"], part["strata"]) \
        if len(part["event"]) else None
    return new


def _cox_info0(part: dict) -> dict:
    p = part["X"].shape[1]
    if part["rs"] is None or part["rs"].n_sets == 0:
        return {"info": np.zeros((p, p)), "dw": 0.0}
    e = cn.evaluate(part["rs"], part["X"], part["w"], np.zeros(p), efron=False)
    return {"info": e.info, "dw": float(part["rs"].dw.sum())}


def _cox_keep(part: dict, keep: np.ndarray) -> dict:
    new = dict(part)
    new["X"] = np.ascontiguousarray(part["X"][:, keep])
    new["ws"] = cn.workspace(part["rs"], new["X"], part["w"]) if (part["rs"] is not None and part["rs"].n_sets) \
        else None
    return new


def _cox_eval(part: dict, beta: np.ndarray, efron: bool) -> dict:
    p = len(beta)
    if part.get("ws") is None:
        return {"loglik": 0.0, "score": np.zeros(p), "info": np.zeros((p, p)), "precision": 1.0}
    e = cn.evaluate(part["rs"], part["X"], part["w"], beta, efron=efron, want_info=True, ws=part["ws"])
    return {"loglik": e.loglik, "score": e.score, "info": e.info, "precision": float(e.precision)}


def _cox_pairs(part: dict) -> dict:
    if part.get("ws") is None or part["rs"].mode == "pairs":
        return part
    new = dict(part)
    new["rs"] = cn.pairs_of(part["rs"])
    new["ws"] = cn.workspace(new["rs"], part["X"], part["w"])
    return new


def _cox_newton(parts: list, p: int, efron: bool, max_iter: int, tol: float) -> tuple:
    """Newton-Raphson with step halving from beta = 0 on partition sums (the loop of
    ``CoxHazard._newton``)."""
    dask, _ = _dask()

    def ev(b: np.ndarray) -> cn.Evaluation:
        r = _compute([dask.delayed(_cox_eval, pure=False)(pt, b, efron) for pt in parts])
        return cn.Evaluation(loglik=float(sum(x["loglik"] for x in r)), score=_sum_arrays(r, "score"),
                             info=_sum_arrays(r, "info"), precision=max(x["precision"] for x in r))

    beta = np.zeros(p)
    e0 = ev(beta)
    e = e0
    converged, it, halvings, change, plateau = False, 0, 0, 0.0, 0
    for it in range(1, max_iter + 1):  # noqa: B007 (returned)
        step = _solve(e.info, e.score)
        new = beta + step
        en = ev(new)
        h = 0
        while (not np.isfinite(en.loglik) or en.loglik < e.loglik - 1e-10 * (1 + abs(e.loglik))) and h < 40:
            step = step / 2
            new = beta + step
            en = ev(new)
            h += 1
        halvings += h
        change = en.loglik - e.loglik
        beta, e = new, en
        if abs(change) <= tol * (1 + abs(e.loglik)):
            if np.all(np.abs(step) <= 1e-6 * (1 + np.abs(beta))):
                converged = True
                break
            plateau += 1
            if plateau >= 5:
                break
    return beta, e, e0, converged, it, halvings, change


def _cox_resid(part: dict, beta: np.ndarray, efron: bool, cov_type: str) -> Any:
    p = len(beta)
    if part.get("ws") is None:
        return np.zeros((p, p)) if cov_type == "robust" else pd.DataFrame()
    e = cn.evaluate(part["rs"], part["X"], part["w"], beta, efron=efron, want_info=False, keep=True,
                    ws=part["ws"])
    L, _ = cn.score_residuals(part["rs"], part["X"], e)
    WL = part["w"][:, None] * L
    if cov_type == "robust":
        return WL.T @ WL
    return _cluster_sums(WL, part["clusters"])


class DaskCoxResults(CoxResults):
    """:class:`~diffusion_stats.cox.CoxResults` of a Dask fit.

    Everything of the in-memory results except what needs the rows themselves
    (residuals, ``cox_zph``, baseline hazard, predictions, linear predictor): those raise
    a clear error; refit in memory (e.g. on a subset of strata) for them.
    """

    def _rows_needed(self, what: str):
        raise SpecificationError(f"{what} needs the rows in memory; it is not available for a Dask fit. "
                                 "Refit with ds.CoxHazard on a pandas frame (e.g. a subset of strata)")

    @property
    def linear_predictor(self):
        self._rows_needed("linear_predictor")

    def residuals(self, kind: str = "martingale"):
        self._rows_needed("residuals()")

    def cox_zph(self, transform: str = "km", global_test: bool = True):
        self._rows_needed("cox_zph()")

    def baseline_hazard(self):
        self._rows_needed("baseline_hazard()")

    def predict_survival(self, newdata):
        self._rows_needed("predict_survival()")


class DaskCoxHazard:
    """:class:`~diffusion_stats.CoxHazard` on a ``dask.dataframe`` (same numbers as in memory).

    Each stratum must lie inside one partition (a risk set never spans partitions), as
    :func:`dask_event_history` and :func:`partition_by` arrange; that is checked. Without
    strata the data must be one partition. Per partition the risk sets are built once
    (:mod:`._cox_numerics`) and kept on the workers; every Newton step sums the log
    partial likelihood, gradient and Hessian of the partitions; cluster meats sum the
    score residuals by cluster within partitions and then across them.

    Parameters
    ----------
    formula, start, stop, strata, weights, missing
        As :class:`~diffusion_stats.CoxHazard`.
    data : dask.dataframe.DataFrame
    ties : {"efron", "breslow"}
        ("exact" is available in memory only.)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import diffusion_stats as ds
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame({"policy": np.repeat(["a", "b", "c"], 40), "start": 0,
    ...                    "stop": rng.integers(1, 8, 120), "event": rng.integers(0, 2, 120),
    ...                    "x": rng.normal(size=120)})
    >>> mem = ds.CoxHazard("event ~ x", df, strata="policy").fit()
    >>> dsk = ds.DaskCoxHazard("event ~ x", ds.partition_by(df, "policy"), strata="policy").fit()
    >>> bool(np.allclose(mem.params, dsk.params, rtol=1e-10))
    True
    """

    def __init__(self, formula: str, data, *, start: str | None = "start", stop: str = "stop",
                 strata: str | list[str] | None = None, ties: str = "efron", weights: str | None = None,
                 missing: str = "raise") -> None:
        _as_dask(data, "CoxHazard")
        if ties not in ("efron", "breslow"):
            if ties == "exact":
                raise SpecificationError("ties='exact' is available in memory only (ds.CoxHazard); use "
                                         "ties='efron' (R's default) or 'breslow' on Dask")
            raise SpecificationError(f"ties={ties!r} is not one of ('efron', 'breslow', 'exact')")
        if missing not in ("raise", "drop"):
            raise InputError(f"missing={missing!r}; use 'raise' or 'drop'")
        strata_cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
        for role, cols in (("start", [start]), ("stop", [stop]), ("weights", [weights]), ("strata", strata_cols)):
            _check_columns(data, cols, f"{role}=")
        self.formula, self.data = formula, data
        self.start, self.stop, self.ties, self.weights = start, stop, ties, weights
        self.strata, self.missing = strata_cols, missing
        self._spec = _build_spec(formula, data, intercept=False)
        if not self._spec.names:
            raise SpecificationError(f"formula {formula!r} has no covariates; add terms after '~'")

    def fit(self, cov_type: str | None = None, cluster: str | list[str] | None = None, small_sample: bool = False,
            *, max_iter: int = 50, tol: float = 1e-12, persist: bool = True):
        """Newton-Raphson with step halving on partition sums (see :meth:`CoxHazard.fit`).

        Parameters
        ----------
        cov_type : {"classical", "robust", "cluster"}, optional
        cluster : str or list of two str, optional
        small_sample : bool
        max_iter, tol : int, float
        persist : bool
            Keep each partition's risk sets in worker memory (default).

        Returns
        -------
        CoxResults
            A :class:`~diffusion_stats.cox.CoxResults` subclass.
        """
        cov_type, ccols = resolve_cov_type(cov_type, cluster, allowed=("classical", "robust", "cluster"))
        _check_columns(self.data, ccols, "cluster")
        dask, _ = _dask()
        roles = {"start": self.start, "stop": self.stop, "weights": self.weights, "strata": self.strata,
                 "cluster": list(ccols)}
        parts = _persist([dask.delayed(_cox_make_part, pure=False)(p, self._spec, roles)
                          for p in self.data.to_delayed()], persist)
        setup = _compute([dask.delayed(_cox_setup_stats, pure=False)(p) for p in parts])
        names_all = list(self._spec.names)
        n_in, n_bad = sum(s["n_in"] for s in setup), sum(s["n_bad"] for s in setup)
        if n_bad:
            per: dict[str, int] = {}
            for s in setup:
                for k_, v in s["per"].items():
                    per[k_] = per.get(k_, 0) + v
            detail = ", ".join(f"'{k_}': {v}" for k_, v in per.items())
            if self.missing == "raise":
                raise DataValidationError(
                    f"{n_bad} of {n_in} rows have missing values ({detail}); drop or impute them, "
                    "or pass missing='drop' to exclude them with a warning")
            warnings.warn(f"{n_bad} of {n_in} rows excluded for missing values ({detail})",
                          RowAccountingWarning, stacklevel=2)
        n = sum(s["n"] for s in setup)
        if n == 0:
            raise DataValidationError("no rows left to fit the Cox model")
        resp = self._spec.response
        nonbin = sum(s["nonbinary"] for s in setup)
        if nonbin:
            ex = [v for s in setup for v in s["examples"]][:5]
            raise DataValidationError(
                f"event column '{resp}' must be 0/1; {nonbin} rows have other values "
                f"(e.g. {', '.join(map(str, ex))}); recode it as 1 = event, 0 = no event")
        if sum(s["nonfinite"] for s in setup):
            raise DataValidationError(f"columns '{self.start}'/'{self.stop}' have missing or infinite values")
        badi = sum(s["bad_interval"] for s in setup)
        if badi:
            raise DataValidationError(f"{badi} rows have stop <= start; every interval must have start < stop")
        if sum(s["w_bad"] for s in setup):
            raise DataValidationError(f"weights column '{self.weights}' has values <= 0; case weights must be "
                                      "positive (drop those rows)")
        for c in ccols:
            na = sum(s["cluster_na"].get(c, 0) for s in setup)
            if na:
                raise DataValidationError(f"cluster column '{c}' has {na} missing values in the rows used; "
                                          "fill or drop them")
        events = sum(s["events"] for s in setup)
        if events == 0:
            raise DataValidationError(f"event column '{resp}' has no events; nothing to fit")
        # every stratum inside one partition
        seen: dict[Any, int] = {}
        for k_, s in enumerate(setup):
            for lab in s["strata"]:
                if lab in seen:
                    what = (f"stratum {lab!r} of strata={self.strata!r}" if self.strata else
                            "an unstratified model (one risk set per time over all rows)")
                    fix = ("repartition so that each stratum lies in one partition, e.g. "
                           f"ds.partition_by(df, {self.strata[0]!r}) or ds.dask_event_history(...)"
                           if self.strata else "pass strata= (e.g. strata='policy') or use one partition "
                           "(data.repartition(npartitions=1))")
                    raise SpecificationError(f"{what} spans partitions {seen[lab]} and {k_}: risk sets would be "
                                             f"split across partitions. Fix: {fix}")
                seen[lab] = k_
        strata_labels = np.asarray(sorted(seen, key=str) if self.strata else ["(all)"], dtype=object)
        if self.strata and len(strata_labels) == n and n > 1:
            raise SpecificationError(
                f"strata={self.strata!r} has one row per stratum ({n} strata for {n} rows): no risk set "
                "compares two rows. Strata should group many rows (e.g. strata='policy'); "
                "did you pass a row or unit id?")
        xsum, xsq = _sum_arrays(setup, "xsum"), _sum_arrays(setup, "xsq")
        means_all = xsum / n
        parts = _persist([dask.delayed(_cox_prepare, pure=False)(p, means_all) for p in parts], persist)
        # identification (as cox._identified, from summed information at beta = 0)
        i0 = _compute([dask.delayed(_cox_info0, pure=False)(p) for p in parts])
        info0, dw = _sum_arrays(i0, "info"), sum(r["dw"] for r in i0)
        var = np.maximum(xsq / n - means_all**2, 0.0)
        p_all = len(names_all)
        keep = np.diag(info0) > 1e-10 * (dw * np.maximum(var, 1e-300))
        dropped = {names_all[j]: "constant within every risk set" for j in range(p_all) if not keep[j]}
        idx = np.flatnonzero(keep)
        if len(idx) > 1:
            sub = info0[np.ix_(idx, idx)]
            d = 1 / np.sqrt(np.diag(sub))
            C = sub * d[:, None] * d[None, :]
            _, R, piv = linalg.qr(C, pivoting=True)
            rank = int(np.sum(np.abs(np.diag(R)) > 1e-9 * abs(R[0, 0])))
            for j in piv[rank:]:
                keep[idx[j]] = False
                dropped[names_all[idx[j]]] = "collinear with other covariates within risk sets"
        if dropped:
            warnings.warn("covariates not identified by the partial likelihood were dropped: "
                          + "; ".join(f"'{k_}' ({v})" for k_, v in dropped.items()), IdentificationWarning,
                          stacklevel=2)
        if not keep.any():
            raise SpecificationError("no covariate is identified by the partial likelihood (each is constant "
                                     "within every risk set or collinear); nothing can be estimated")
        names = [nm for nm, k_ in zip(names_all, keep, strict=True) if k_]
        parts = _persist([dask.delayed(_cox_keep, pure=False)(p, keep) for p in parts], persist)
        efron = self.ties == "efron"

        beta, e, e0, converged, it, halvings, change = _cox_newton(parts, len(names), efron, max_iter, tol)
        if e.precision > 1e7:
            # interval sums lost precision (as CoxHazard.fit): redo on expanded risk sets
            parts = _persist([dask.delayed(_cox_pairs, pure=False)(p) for p in parts], persist)
            beta, e, e0, converged, it, halvings, change = _cox_newton(parts, len(names), efron, max_iter, tol)
        p = len(names)
        last_step = _solve(e.info, e.score)
        infinite = np.abs(last_step) > np.maximum(1e-6, 1e-4 * np.abs(beta))
        sep_names = [nm for nm, f in zip(names, infinite, strict=True) if f]
        if sep_names:
            converged = False
            warnings.warn(
                f"monotone likelihood (separation): the partial likelihood plateaus while "
                f"{', '.join(repr(s) for s in sep_names)} keep growing (now "
                f"{', '.join(f'{b:.3g}' for b, f in zip(beta, infinite, strict=True) if f)}); "
                "the estimate is infinite. Check for a covariate that perfectly predicts events in the risk sets",
                SeparationWarning, stacklevel=2)
        elif not converged:
            warnings.warn(f"Newton-Raphson did not converge in {it} iterations "
                          f"(last log-likelihood change {change:.3g}, last step "
                          f"{np.max(np.abs(last_step)):.3g}); raise max_iter", ConvergenceWarning, stacklevel=2)
        naive = _inv(e.info)
        n_clusters: tuple[int, ...] = ()
        if cov_type == "classical":
            cov = naive
        else:
            r = _compute([dask.delayed(_cox_resid, pure=False)(pt, beta, efron, cov_type) for pt in parts])
            if cov_type == "robust":
                M = sum(r[1:], r[0])
                meat = naive @ M @ naive
                if small_sample:
                    meat = meat * n / (n - 1)
            else:
                sums = _reduce_frames(list(r))
                if len(ccols) == 1:
                    s = sums.to_numpy() @ naive
                    G = len(s)
                    meat = (s.T @ s) * (G / (G - 1) if small_sample else 1.0)
                    n_clusters = (G,)
                else:
                    s1 = sums.groupby(level=0, sort=False).sum().to_numpy() @ naive
                    s2 = sums.groupby(level=1, sort=False).sum().to_numpy() @ naive
                    s12 = sums.to_numpy() @ naive
                    G1, G2, G12 = len(s1), len(s2), len(s12)
                    if small_sample:
                        meat = (s1.T @ s1 * G1 / (G1 - 1) + s2.T @ s2 * G2 / (G2 - 1)
                                - s12.T @ s12 * G12 / (G12 - 1))
                    else:
                        meat = s1.T @ s1 + s2.T @ s2 - s12.T @ s12
                    n_clusters = (G1, G2)
            cov = meat
            if np.any(np.diag(cov) < 0):
                warnings.warn(
                    "the two-way clustered variance (V1 + V2 - V12) has a negative diagonal entry for "
                    f"{[nm for nm, v in zip(names, np.diag(cov), strict=True) if v < 0]}; its standard "
                    "error is reported as 0. Cluster on one dimension or use small_sample=True",
                    DiffusionStatsWarning, stacklevel=2)
        lr = 2 * (e.loglik - e0.loglik)
        score_stat = float(e0.score @ _solve(e0.info, e0.score))
        wald = float(beta @ _solve(cov, beta))
        tests = {nm: {"statistic": s, "df": p, "pvalue": float(stats.chi2.sf(s, p))}
                 for nm, s in (("likelihood_ratio", lr), ("wald", wald), ("score", score_stat))}
        idxn = pd.Index(names)
        info = {"Events": int(round(events)), "Strata": len(strata_labels) if self.strata else 1, "Ties": self.ties,
                "Partitions": int(self.data.npartitions)}
        model = SimpleNamespace(ties=self.ties, strata=self.strata, formula=self.formula)
        prepared = SimpleNamespace(event=np.array([int(round(events))]), strata_labels=strata_labels,
                                   dropped=dropped)
        return DaskCoxResults(model=model, prepared=prepared, params=pd.Series(beta, index=idxn, name="coef"),
                   cov=pd.DataFrame(cov, index=idxn, columns=idxn),
                   naive_cov=pd.DataFrame(naive, index=idxn, columns=idxn), nobs=n, loglik=e.loglik,
                   loglik_null=e0.loglik, cov_type=cov_type, cluster=ccols, n_clusters=n_clusters, info=info,
                   formula=self.formula, tests=tests, converged=converged, iterations=it, step_halvings=halvings,
                   evaluation=e, small_sample=small_sample, risk_sets=None)
