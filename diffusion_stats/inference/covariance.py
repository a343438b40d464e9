"""Shared variance vocabulary, sandwich "meat" computations and finite-sample factors.

Every estimator accepts ``cov_type`` in {"classical", "robust", "cluster", "dyadic"}
plus ``cluster=`` (one or two column names), and ``small_sample=`` (the finite-sample
choice, one vocabulary: :data:`SmallSample`). :func:`resolve_cov_type` and
:func:`resolve_small_sample` apply the package-wide rules; the ``*_meat`` functions turn
an (n, k) matrix of per-observation score contributions into the k x k middle of the
sandwich, from group sums (never an n x n loop); :func:`finite_sample_meat` applies the
factors (G/(G-1) per clustering, n/(n-k), ...) to meat pieces, whether they come from the
rows in memory or from per-partition score sums reduced by a Dask model. CR2/CR3 numerics
live in :mod:`diffusion_stats.inference.small_sample`.

``small_sample`` values (``cov_type`` "robust" / "cluster"; R equivalents in
``docs/design.md``):

=========  ================================  ===========================================
value      "robust"                          "cluster" (factor per clustering)
=========  ================================  ===========================================
"none"     HC0: no factor                    CR0: no factor
"CR1"      n/(n-1) (each row a cluster)      G/(G-1)
"HC1"      n/(n-k)                           G/(G-1) x (n-1)/(n-k) (Stata regress)
"CR2"      -                                 bias-reduced linearisation (one-way)
"CR3"      -                                 cluster jackknife (one-way)
=========  ================================  ===========================================

``None`` (unset) is the estimator's default, its R counterpart's (see each ``fit``);
``True`` is a synonym of "CR1", ``False`` of "none".
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from scipy import sparse

from ..core.errors import InputError, SpecificationError, require_columns, user_stacklevel
from ..core.options import CovType, check_option

__all__ = [
    "COV_TYPES",
    "SmallSample",
    "SMALL_SAMPLE_KINDS",
    "resolve_cov_type",
    "resolve_small_sample",
    "small_sample_from_hc_type",
    "group_codes",
    "cluster_meat",
    "multiway_meat",
    "dyadic_meat",
    "cluster_factor",
    "robust_factor",
    "finite_sample_meat",
    "cluster_meat_any",
    "cluster_pieces",
    "check_no_small_sample",
    "dyadic_meat_rows",
    "dyadic_meat_from_sums",
    "describe_adjustment",
    "not_psd_warning",
    "sandwich",
]

COV_TYPES = ("classical", "robust", "cluster", "dyadic")

#: the finite-sample choice of every estimator's ``fit(small_sample=...)`` (module docstring)
SmallSample = Literal["none", "CR1", "HC1", "CR2", "CR3"] | bool | None
SMALL_SAMPLE_KINDS = ("none", "CR1", "HC1", "CR2", "CR3")
_SYNONYMS = {True: "CR1", False: "none"}


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


def resolve_small_sample(small_sample: Any, cov_type: str | None, cluster: tuple[str, ...], *, model: str,
                         default: Mapping[str, str], supported: Mapping[str, Sequence[str]],
                         name: str = "small_sample") -> str:
    """Validate ``small_sample`` for ``cov_type`` and return one of :data:`SMALL_SAMPLE_KINDS`.

    ``None`` becomes ``default[cov_type]`` (the estimator's default); ``True``/``False``
    become "CR1"/"none". ``supported[cov_type]`` lists what the estimator computes for
    that ``cov_type``; anything else raises :class:`SpecificationError` naming ``model``,
    the combination and the choices. "CR2"/"CR3" need one-way clustering. ``name`` is the
    argument as the user spelled it (``"hc_type"`` through the deprecated alias).
    """
    if isinstance(small_sample, (bool, np.bool_)):
        kind = _SYNONYMS[bool(small_sample)]
    elif small_sample is None:
        kind = default.get(str(cov_type), "none")
    else:
        kind = check_option(name, small_sample, Literal["none", "CR1", "HC1", "CR2", "CR3"])
    if kind in ("CR2", "CR3") and small_sample is not None:
        if cov_type != "cluster":
            raise SpecificationError(f"{name}={kind!r} needs cov_type='cluster' and cluster=<column>; "
                                     f"got cov_type={cov_type!r}")
        if len(cluster) != 1:
            raise SpecificationError(f"{name}={kind!r} is for one-way clustering; got two cluster columns "
                                     f"{cluster}. Cluster on one, or use ds.wild_bootstrap(..., cluster=[...])")
    ok = tuple(supported.get(str(cov_type), ("none",)))
    if kind not in ok:
        raise SpecificationError(
            f"{model}: {name}={small_sample!r} is not available with cov_type={cov_type!r}; choose one of "
            f"{', '.join(map(repr, ok))} (or leave {name} unset for the default, "
            f"{default.get(str(cov_type), 'none')!r})")
    return kind


def small_sample_from_hc_type(hc_type: Any, small_sample: Any) -> Any:
    """Map the deprecated ``hc_type=`` to ``small_sample=`` (FutureWarning at the user's line).

    ``hc_type="HC0"`` is the default (``small_sample=None``), ``"HC1"`` is ``small_sample="HC1"``.
    Returns the ``small_sample`` value to use; ``hc_type=None`` (not given) returns ``small_sample``.
    """
    if hc_type is None:
        return small_sample
    check_option("hc_type", hc_type, Literal["HC0", "HC1"])
    new = None if hc_type == "HC0" else "HC1"
    warnings.warn(f"hc_type= is deprecated and will be removed; use small_sample={new!r} "
                  f"(hc_type={hc_type!r} gives the same numbers)", FutureWarning, stacklevel=user_stacklevel())
    if small_sample is not None and new is not None:
        raise SpecificationError(f"hc_type={hc_type!r} and small_sample={small_sample!r} are two finite-sample "
                                 "corrections; pass one of them (small_sample=)")
    return small_sample if new is None else new


def cluster_factor(n_groups: int, kind: str) -> float:
    """G/(G-1) for "CR1" and "HC1"; 1 for "none"."""
    return n_groups / (n_groups - 1) if kind in ("CR1", "HC1") else 1.0


def robust_factor(cov_type: str, kind: str, n: int, k: int) -> float:
    """The scalar outside the (adjusted) meat: "robust" n/(n-1) ("CR1") or n/(n-k) ("HC1");
    "cluster" (n-1)/(n-k) ("HC1"); otherwise 1."""
    if cov_type == "robust":
        if kind == "HC1":
            return n / (n - k)
        if kind == "CR1":
            return n / (n - 1)
    elif cov_type == "cluster" and kind == "HC1":
        return (n - 1) / (n - k)
    return 1.0


def finite_sample_meat(pieces: Sequence[tuple[Any, int]], kind: str) -> np.ndarray:
    """Combine cluster meat pieces with the per-clustering factor of ``kind``.

    ``pieces``: ``((M, G),)`` one-way, or ``((M1, G1), (M2, G2), (M12, G12))`` two-way
    (Cameron-Gelbach-Miller: f1 M1 + f2 M2 - f12 M12, each ``f = G/(G-1)`` for "CR1" and
    "HC1", 1 for "none"; a single intersection cell, G12 = 1, contributes nothing when
    adjusted). ``M = sum_g S_g S_g'`` over the G non-empty clusters, computed from the rows
    (:func:`cluster_meat`, :func:`cluster_meat_any`) or from partition score sums.
    """
    if len(pieces) == 1:
        M, G = pieces[0]
        return M * cluster_factor(G, kind) if kind != "none" else M
    (M1, g1), (M2, g2), (M12, g12) = pieces
    if kind == "none":
        return M1 + M2 - M12
    return (cluster_factor(g1, kind) * M1 + cluster_factor(g2, kind) * M2
            - (cluster_factor(g12, kind) * M12 if g12 > 1 else 0.0))


_DENSE_PAIRS = 4_000_000  # up to this many unit x unit cells, pair codes come from a dense table


def _indicator(codes: np.ndarray, n_groups: int) -> sparse.csr_matrix:
    n = len(codes)
    return sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_groups, n))


def cluster_meat_any(scores: Any, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """:func:`cluster_meat` for dense or scipy-sparse scores."""
    if sparse.issparse(scores):
        g = (_indicator(codes, n_groups) @ scores).toarray()
        return g.T @ g
    return cluster_meat(scores, codes, n_groups)


def dyadic_meat_rows(S: Any, u: np.ndarray, p: np.ndarray, n_units: int) -> np.ndarray:
    """Dyadic meat (as :func:`dyadic_meat`) in one pass over the rows, for dense or sparse scores.

    Every row belongs to exactly one unordered pair {u, v}, so the unit sums are sums of
    pair sums: S_u = sum_v S_uv. Only the pair sums touch the n rows.
    """
    lo = np.minimum(u, p).astype(np.int64)
    hi = np.maximum(u, p).astype(np.int64)
    if n_units * n_units <= _DENSE_PAIRS:
        key = lo * n_units + hi
        present = np.flatnonzero(np.bincount(key, minlength=n_units * n_units))
        pair = np.searchsorted(present, key)
        plo, phi = present // n_units, present % n_units
    else:
        pair, n_pairs = group_codes(lo * n_units + hi)
        first = np.zeros(n_pairs, dtype=np.int64)
        first[pair[::-1]] = np.arange(len(pair))[::-1]
        plo, phi = lo[first], hi[first]
    n_pairs = len(plo)
    if sparse.issparse(S):
        sp = (_indicator(pair, n_pairs) @ S).toarray()
    else:
        sp = np.empty((n_pairs, S.shape[1]))
        for j in range(S.shape[1]):
            sp[:, j] = np.bincount(pair, weights=S[:, j], minlength=n_pairs)
    su = np.zeros((n_units, sp.shape[1]))
    np.add.at(su, plo, sp)
    np.add.at(su, phi, sp)
    return su.T @ su - sp.T @ sp


def dyadic_meat_from_sums(su: np.ndarray, sp: np.ndarray) -> np.ndarray:
    """Dyadic meat from unit score sums ``su`` and unordered-pair sums ``sp`` (e.g. reduced
    over Dask partitions): ``su' su - sp' sp``."""
    return su.T @ su - sp.T @ sp


def cluster_pieces(scores: Any, codes: Sequence[tuple[np.ndarray, int]]) -> tuple[tuple[Any, int], ...]:
    """Meat pieces for :func:`finite_sample_meat` from row scores: one-way ``((M, G),)`` or
    two-way ``((M1, G1), (M2, G2), (M12, G12))`` (G12 the non-empty intersection cells)."""
    if len(codes) == 1:
        c, G = codes[0]
        return ((cluster_meat_any(scores, c, G), G),)
    (c1, g1), (c2, g2) = codes
    c12, g12 = group_codes(c1 * g2 + c2)
    return ((cluster_meat_any(scores, c1, g1), g1), (cluster_meat_any(scores, c2, g2), g2),
            (cluster_meat_any(scores, c12, g12) if g12 > 1 else 0.0, g12))


def check_no_small_sample(small_sample: Any, what: str) -> None:
    """Raise unless ``small_sample`` is unset/"none"/False (for variances without a factor)."""
    if small_sample is None or small_sample is False or small_sample == "none":
        return
    if small_sample is not True and small_sample not in SMALL_SAMPLE_KINDS:
        raise InputError(f"small_sample={small_sample!r} is not one of {SMALL_SAMPLE_KINDS}")
    raise SpecificationError(f"small_sample={small_sample!r}: {what} has no finite-sample factor; drop small_sample")


_ADJUSTMENT = {("robust", "none"): "HC0 (none)", ("robust", "HC1"): "HC1 (n/(n-k))",
               ("robust", "CR1"): "CR1 (n/(n-1))", ("cluster", "none"): "none (CR0)",
               ("cluster", "CR1"): "G/(G-1) per clustering",
               ("cluster", "HC1"): "G/(G-1) per clustering x (n-1)/(n-k)"}


def describe_adjustment(cov_type: str, kind: str) -> str:
    """Text of the finite-sample factor for summaries."""
    if kind in ("CR2", "CR3"):
        from .small_sample import describe

        return describe(kind)
    return _ADJUSTMENT.get((cov_type, kind), "none")


def not_psd_warning(V: np.ndarray, what: str) -> bool:
    """Warn (and return True) when the symmetric part of ``V`` has a negative eigenvalue."""
    from ..core.errors import DiffusionStatsWarning

    ev = np.linalg.eigvalsh((V + V.T) / 2)
    if ev.min() < -1e-12 * max(abs(ev.max()), 1e-300):
        warnings.warn(
            f"the {what} variance matrix is not positive definite (smallest eigenvalue {ev.min():.3g}); "
            "some standard errors or tests may be invalid (few units/clusters relative to terms?)",
            DiffusionStatsWarning, stacklevel=user_stacklevel())
        return True
    return False


def sandwich(bread: np.ndarray, cov_type: str, *, kind: str, n: int, k: int,
             meat: np.ndarray | None = None, cluster_meats: Sequence[tuple[Any, int]] = (),
             n_units: int = 0) -> tuple[np.ndarray, dict]:
    """``f x bread @ meat~ @ bread`` for every ``cov_type``, from the bread (the model-based
    variance ``A^{-1}``) and meat pieces, which come from the rows in memory or from
    per-partition sums (Dask); ``kind`` from :func:`resolve_small_sample` ("none", "CR1",
    "HC1"; CR2/CR3 are :mod:`.small_sample`'s).

    ``meat``: ``sum_i s_i s_i'`` ("robust") or the dyadic meat ("dyadic", over ``n_units``
    units); ``cluster_meats``: pieces of :func:`finite_sample_meat` (which gives ``meat~``);
    ``f``: :func:`robust_factor`. Returns ``(V, facts)`` with ``n_clusters``, ``adjustment``
    (text) and ``not_psd``.
    """
    from ..core.errors import DiffusionStatsWarning

    facts: dict = {"n_clusters": (), "not_psd": False}
    if cov_type == "classical":
        facts["adjustment"] = "model-based (inverse Fisher information)"
        return bread.copy(), facts
    f = robust_factor(cov_type, kind, n, k)
    if cov_type in ("robust", "dyadic"):
        if meat is None:  # pragma: no cover - the callers pass it
            raise SpecificationError(f"cov_type={cov_type!r} needs the meat")
        M: np.ndarray = meat
    if cov_type == "robust":
        facts["adjustment"] = describe_adjustment(cov_type, kind)
        V = f * bread @ M @ bread
    elif cov_type == "cluster":
        if len(cluster_meats) == 1:
            G = cluster_meats[0][1]
            if G < 2:
                raise SpecificationError("cov_type='cluster' needs at least 2 clusters; the cluster column is constant")
            from ..core.validate import MIN_CLUSTERS
            if G < MIN_CLUSTERS:
                warnings.warn(f"only {G} clusters (< {MIN_CLUSTERS}): the cluster-robust variance is unreliable "
                              "with so few; consider a wild cluster bootstrap or a coarser model",
                              DiffusionStatsWarning, stacklevel=user_stacklevel())
            facts["n_clusters"] = (G,)
        else:
            g1, g2 = cluster_meats[0][1], cluster_meats[1][1]
            if min(g1, g2) < 2:
                raise SpecificationError("two-way clustering needs at least 2 clusters in each dimension")
            facts["n_clusters"] = (g1, g2)
        cmeat = finite_sample_meat(cluster_meats, kind)
        facts["adjustment"] = describe_adjustment(cov_type, kind)
        V = f * bread @ cmeat @ bread
        if len(cluster_meats) == 3:
            facts["not_psd"] = not_psd_warning(V, "two-way clustered")
    elif cov_type == "dyadic":
        V = bread @ M @ bread
        facts["n_clusters"] = (n_units,)
        facts["adjustment"] = "none"
        facts["not_psd"] = not_psd_warning(V, "dyadic-robust")
    else:  # pragma: no cover - resolve_cov_type guards this
        raise SpecificationError(f"unknown cov_type {cov_type!r}")
    V = (V + V.T) / 2
    return V, facts
