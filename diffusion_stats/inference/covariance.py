"""Shared variance vocabulary and sandwich "meat" computations.

Every estimator accepts ``cov_type`` in {"classical", "robust", "cluster", "dyadic"}
plus ``cluster=`` (one or two column names). :func:`resolve_cov_type` applies the
package-wide rules; the ``*_meat`` functions turn an (n, k) matrix of per-observation
score contributions into the k x k middle of the sandwich, from group sums (never an
n x n loop).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd

from ..core.errors import SpecificationError, require_columns
from ..core.options import CovType

__all__ = [
    "COV_TYPES",
    "resolve_cov_type",
    "group_codes",
    "cluster_meat",
    "multiway_meat",
    "dyadic_meat",
]

COV_TYPES = ("classical", "robust", "cluster", "dyadic")


def resolve_cov_type(cov_type: str | None, cluster: str | Sequence[str] | None, *,
                     allowed: Sequence[str] = ("classical", "robust", "cluster"),
                     default: str = "classical", data: pd.DataFrame | None = None
                     ) -> tuple[CovType, tuple[str, ...]]:
    """Validate and normalise ``(cov_type, cluster)``.

    Rules: giving ``cluster`` with ``cov_type=None`` means "cluster" (as R's coxph);
    "cluster" needs one or two cluster columns; "classical"/"robust"/"dyadic" with
    ``cluster`` is a contradiction and raises.
    """
    if cluster is None:
        cols: tuple[str, ...] = ()
    elif isinstance(cluster, str):
        cols = (cluster,)
    else:
        cols = tuple(cluster)
        if not all(isinstance(c, str) for c in cols):
            raise SpecificationError(f"cluster must be a column name or a list of one or two names, got {cluster!r}")
    if cov_type is None:
        cov_type = "cluster" if cols else default
    if not isinstance(cov_type, str) or cov_type not in COV_TYPES:
        raise SpecificationError(
            f"cov_type={cov_type!r} is not one of {COV_TYPES}; pass e.g. cov_type='robust'")
    if cov_type not in allowed:
        raise SpecificationError(
            f"cov_type={cov_type!r} is not available for this model; choose one of {tuple(allowed)}")
    if cov_type == "cluster":
        if not cols:
            raise SpecificationError("cov_type='cluster' needs cluster= one or two column names, e.g. cluster='unit'")
        if len(cols) > 2:
            raise SpecificationError(f"cluster= takes one or two columns (two-way clustering), got {len(cols)}: {cols}")
        if len(cols) == 2 and cols[0] == cols[1]:
            raise SpecificationError(f"the two cluster columns are the same ({cols[0]!r}); pass it once")
    elif cols:
        raise SpecificationError(
            f"cov_type={cov_type!r} contradicts cluster={cluster!r}; use cov_type='cluster' "
            "(or leave cov_type unset) to cluster, or drop cluster=")
    if data is not None and cols:
        require_columns(data, cols, argument="data (cluster=)")
    return cast(CovType, cov_type), cols  # checked against COV_TYPES above


def group_codes(values) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 for arbitrary labels, and G. NaN labels are an error for callers."""
    codes, uniques = pd.factorize(pd.Series(values), sort=False)
    return codes.astype(np.int64), len(uniques)


def _group_sums(scores: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Column-wise sums of ``scores`` by group code (k bincounts; k is small)."""
    out = np.empty((n_groups, scores.shape[1]))
    for j in range(scores.shape[1]):
        out[:, j] = np.bincount(codes, weights=scores[:, j], minlength=n_groups)
    return out


def cluster_meat(scores: np.ndarray, codes: np.ndarray, n_groups: int | None = None) -> np.ndarray:
    """Sum over clusters of the outer product of within-cluster score sums."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    if n_groups is None:
        n_groups = int(codes.max()) + 1 if len(codes) else 0
    s = _group_sums(scores, codes, n_groups)
    return s.T @ s


def multiway_meat(scores: np.ndarray, codes1: np.ndarray, codes2: np.ndarray) -> np.ndarray:
    """Cameron-Gelbach-Miller two-way meat: M(g1) + M(g2) - M(g1 x g2), unadjusted."""
    inter, g12 = group_codes(codes1.astype(np.int64) * (int(codes2.max()) + 1) + codes2)
    return (cluster_meat(scores, codes1) + cluster_meat(scores, codes2)
            - cluster_meat(scores, inter, g12))


def dyadic_meat(scores: np.ndarray, unit_codes: np.ndarray, partner_codes: np.ndarray,
                n_units: int | None = None) -> np.ndarray:
    """Dyadic-robust meat (Fafchamps & Gubert 2007; Aronow, Samii & Assenova 2015).

    Any two observations whose dyads share a unit (as unit or partner) may be
    correlated. With S_u the sum of scores of observations involving unit u and
    S_{uv} the sum over the unordered pair {u, v}:

        meat = sum_u S_u S_u' - sum_{u<v} S_{uv} S_{uv}'

    (a pair of observations in the same unordered dyad shares two units and is counted
    twice by the first sum). ``unit_codes`` and ``partner_codes`` must be codes from one
    common factorisation. O(n k^2).
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        scores = scores[:, None]
    u = np.asarray(unit_codes, dtype=np.int64)
    p = np.asarray(partner_codes, dtype=np.int64)
    if np.any(u == p):
        raise SpecificationError("dyadic variance: some rows pair a unit with itself (unit == partner); drop them")
    if n_units is None:
        n_units = int(max(u.max(), p.max())) + 1
    su = _group_sums(scores, u, n_units) + _group_sums(scores, p, n_units)
    lo, hi = np.minimum(u, p), np.maximum(u, p)
    pair, n_pairs = group_codes(lo * n_units + hi)
    sp = _group_sums(scores, pair, n_pairs)
    return su.T @ su - sp.T @ sp
