"""Beyond one machine: partitioned builders and Dask-backed estimation.

Pooled dyadic designs outgrow memory (all SPID policies with every partner are 28.5
million dyad-years; country dyads across many treaties reach 10^8-10^9 rows). This
module builds them partition by partition and fits the package's models on a
``dask.dataframe`` with **the same numbers as in memory**:

* :func:`dask_dyads` - the directed-dyad panel of :func:`~diffusion_stats.design.dyads` as a
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
  Hessian, :mod:`..survival._numerics`) across partitions; sandwich meats come from group sums
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
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..binary.distributed import DaskDyadicLogit, DaskEventLogit
from ..core.accounting import Accounting
from ..core.errors import (
    ColumnNotFoundError,
    DataValidationError,
    InputError,
    did_you_mean,
)
from ..survival.distributed import DaskCoxHazard, DaskCoxResults
from .dask_frames import (
    DaskNotInstalledError,
    import_dask,
)

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


def _expand_piece(plan, attach, piece) -> tuple[pd.DataFrame, Any]:
    """One partition of the dyad panel, and the attacher that counted its covariate
    matches (a private copy of the counters)."""
    a = copy.copy(attach)
    a.unmatched, a.missing = {}, {}
    df = pd.DataFrame(a.add(plan.expand(piece)))
    return df, a


def _build_part(plan, attach, piece) -> pd.DataFrame:
    """One partition of the dyad panel."""
    return _expand_piece(plan, attach, piece)[0]


def _plan_tasks(adoptions, start, end, windows, units, sources, dyad_covariates, covariates, float32,
                partition_rows, years_per_partition) -> tuple:
    """The dyad plan built once on the client, its partitions, and the plan and attacher as
    Dask objects shipped to the workers once: ``(plan, attach, acc, pieces, plan_d, attach_d, tag)``."""
    dask, _ = import_dask()
    from .dyads import _prepare

    _check_partition_args(partition_rows, years_per_partition)
    plan, attach, acc = _prepare(adoptions, start, end, windows, units, sources, dyad_covariates, covariates,
                                 float32)
    pieces = _pieces(plan, partition_rows, years_per_partition)
    tag = uuid.uuid4().hex[:12]
    plan_d = dask.delayed(plan, name=f"dyad-plan-{tag}", traverse=False)
    attach_d = dask.delayed(attach, name=f"dyad-attach-{tag}", traverse=False)
    return plan, attach, acc, pieces, plan_d, attach_d, tag


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
    """The directed-dyad panel of :func:`~diffusion_stats.design.dyads` as a lazy ``dask.dataframe``.

    The plan (risk set, adoption grid, covariate lookups) is built once on the client and
    shipped to the workers once; each partition expands its monadic rows into dyads when
    it is computed, so the whole design never exists in one place.

    Parameters
    ----------
    adoptions, start, end, windows, units, sources, dyad_covariates, covariates, float32
        As in :func:`~diffusion_stats.design.dyads` (same rows, columns and dtypes; ``policy``,
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
        Rows in the order of :func:`~diffusion_stats.design.dyads` (with ``years_per_partition``,
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
    dask, dd = import_dask()
    plan, attach, _acc, pieces, plan_d, attach_d, tag = _plan_tasks(
        adoptions, start, end, windows, units, sources, dyad_covariates, covariates, float32, partition_rows,
        years_per_partition)
    meta = _build_part(plan, attach, slice(0, 0))
    if not pieces:
        return dd.from_pandas(meta, npartitions=1)
    parts = [dask.delayed(_build_part, pure=False)(plan_d, attach_d, p, dask_key_name=f"dyads-{tag}-{k}")
             for k, p in enumerate(pieces)]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _write_part(plan, attach, piece, path: str) -> dict:
    from .dyads import _write_part_file

    df, a = _expand_piece(plan, attach, piece)
    _write_part_file(df, path)
    return {"rows": len(df), "events": int(df["event"].sum()), "unmatched": a.unmatched, "missing": a.missing}


def write_dyads_partitioned(adoptions: pd.DataFrame, path: str | Path, *, start: int | None = None,
                            end: int | None = None, windows: pd.DataFrame | None = None, units: Any = None,
                            sources: str = "prior_adopters", dyad_covariates=None,
                            covariates: pd.DataFrame | None = None, float32: bool = True,
                            partition_rows: int | None = 1_000_000,
                            years_per_partition: int | None = None) -> Accounting:
    """Write the directed-dyad panel as Parquet part files, built in parallel by Dask workers.

    Same partitions as :func:`dask_dyads` (``part-00000.parquet``, ... in ``path``; read
    back with ``ds.read_parquet_parts(path, dask=True)``, or call
    ``ds.check_parquet_parts(path)`` before ``dask.dataframe.read_parquet(path)``: it
    refuses a folder whose write was interrupted). Each worker builds and writes its
    partitions to temporary names renamed into place; only counts come back, so the
    client never holds the design. The manifest with the row accounting is written last.
    ``path`` must be new, empty or an interrupted run of this writer (which is completed).

    Returns
    -------
    Accounting
        As ``ds.dyads(...).accounting``: monadic counts, ``dyad rows``,
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
    dask, _ = import_dask()
    from .dyads import _count_dyads, _part_folder

    _check_partition_args(partition_rows, years_per_partition)
    plan, attach, acc, pieces, plan_d, attach_d, tag = _plan_tasks(
        adoptions, start, end, windows, units, sources, dyad_covariates, covariates, float32, partition_rows,
        years_per_partition)
    path = _part_folder(path, writer="write_dyads_partitioned")  # after validation: bad input creates nothing
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
    _count_dyads(acc, acc.n_rows, int(sum(o["events"] for o in out)), len(pieces))
    from ._parts import finish_part_folder

    finish_part_folder(path, writer="write_dyads_partitioned",
                       files=[(f"part-{k:05d}.parquet", o["rows"]) for k, o in enumerate(out)],
                       events=int(sum(o["events"] for o in out)), accounting=acc)
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
    _, dd = import_dask()
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
    return partition_by(panel.to_pandas(), "policy", partition_rows=partition_rows)


