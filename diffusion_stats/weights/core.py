"""Immutable, labelled, sparse weight matrices: one per diffusion mechanism.

A :class:`Weights` holds ``W`` (or one ``W_t`` per year) as ``scipy.sparse`` CSR
matrices over a fixed tuple of unit labels. Entry ``W[i, j]`` is unit ``i``'s tie to
unit ``j``: row ``i`` is the unit whose exposure is computed, ``j`` the partner whose
adoptions it sees (the spatial-econometrics convention, ``(Wy)_i = sum_j w_ij y_j``).
Data are always matched to a ``Weights`` by label, never by position.

Time-varying weights keep **one label set for all years** (the union of every year's
units, or the ``units=`` you pass); a unit absent in some year simply has no ties in
that year's matrix.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.accounting import Accounting
from ..core.errors import (
    DataValidationError,
    DiffusionStatsError,
    InputError,
    RowAccountingWarning,
    did_you_mean,
    require_columns,
    user_stacklevel,
)
from ..core.options import renamed
from ._build import (
    _check_weights,
    _examples,
    _freeze,
    as_labels,
    coordinate_pairs,
    distance_table_pairs,
    factorize_labels,
    inverse_distance_mats,
    long_to_mats,
    us_border_edges,
)

__all__ = ["Weights", "WeightsImmutableError", "MissingDependencyError", "as_labels", "factorize_labels"]


class WeightsImmutableError(DiffusionStatsError, AttributeError):
    """A :class:`Weights` object cannot be changed; its methods return new objects."""


class MissingDependencyError(DiffusionStatsError, ImportError):
    """An optional dependency (e.g. libpysal) is not installed."""


# --------------------------------------------------------------------------- class
class Weights:
    """An immutable, labelled, sparse weight matrix, optionally one per year.

    Build one with a constructor (:meth:`from_edges`, :meth:`from_dyads`,
    :meth:`from_matrix`, :meth:`from_coordinates`, :meth:`from_distances`,
    :meth:`from_libpysal`, :meth:`us_borders`); transformations
    (:meth:`row_standardize`, :meth:`binarize`, :meth:`symmetrize`, :meth:`subset`)
    return new objects. ``W[i, j]`` is unit ``i``'s tie to partner ``j``.

    Notes
    -----
    - Labels are strings (integral floats such as COW codes read from R become
      ``"2"``, not ``"2.0"``); data are matched to them by label, never position.
    - Time-varying weights share one label set across years (the union of all
      years' units, or ``units=``); a unit absent in a year has an empty row then.
    - Matrices are stored read-only; :meth:`matrix` and :meth:`aligned` return copies.
    - Self-ties are never stored: constructors refuse or drop them (and report it).
    - :attr:`accounting` records what a constructor dropped or merged.

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> W = ds.Weights.from_edges(
    ...     pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]}), name="chain")
    >>> W
    <Weights 'chain': 3 units, 4 ties (binary, symmetric), static>
    >>> W.neighbors("b")
    ('a', 'c')
    >>> W.row_standardize().matrix().toarray()
    array([[0. , 1. , 0. ],
           [0.5, 0. , 0.5],
           [0. , 1. , 0. ]])
    """

    __slots__ = ("_labels", "_index", "_mats", "_name", "_accounting", "_transform")
    _labels: tuple[str, ...]
    _index: dict[str, int]
    _mats: dict[int | None, sp.csr_matrix]
    _name: str
    _accounting: Accounting
    _transform: str

    def __init__(self, matrices: Mapping[int | None, Any], labels: Sequence[str] | np.ndarray, *, name: str = "W",
                 accounting: Accounting | None = None, transform: str = "original") -> None:
        labels = tuple(str(x) for x in labels)
        if len(set(labels)) != len(labels):
            dup = pd.Series(labels)[pd.Series(labels).duplicated()].unique()
            raise InputError(f"labels: duplicated unit label(s) {_examples(dup)}; every unit needs one label")
        n = len(labels)
        mats: dict[int | None, sp.csr_matrix] = {}
        keys = list(matrices)
        if not keys:
            raise InputError("matrices: at least one matrix is needed")
        if None in keys and len(keys) > 1:
            raise InputError("matrices: use either a single static matrix (key None) or one matrix per year")
        for key in sorted(keys, key=lambda k: -1 if k is None else k):
            m = sp.csr_matrix(matrices[key], dtype=np.float64)
            if m.shape != (n, n):
                raise InputError(f"matrix{'' if key is None else f' for year {key}'} has shape {m.shape}; "
                                 f"expected ({n}, {n}) for {n} labels")
            if m.diagonal().any():
                bad = [labels[i] for i in np.flatnonzero(m.diagonal())]
                raise DataValidationError(
                    f"matrix{'' if key is None else f' for year {key}'} has self-ties (nonzero diagonal) for "
                    f"{_examples(bad)}; a unit cannot be its own neighbour: set the diagonal to 0")
            mats[None if key is None else int(key)] = _freeze(m)
        setter = object.__setattr__
        setter(self, "_labels", labels)
        setter(self, "_index", {lab: i for i, lab in enumerate(labels)})
        setter(self, "_mats", mats)
        setter(self, "_name", str(name))
        setter(self, "_accounting", accounting if accounting is not None else Accounting("Weights", n_rows=0))
        setter(self, "_transform", transform)

    # ------------------------------------------------------------------ immutability
    def __setattr__(self, key: str, value: Any) -> None:
        raise WeightsImmutableError(
            f"Weights objects are immutable (cannot set '{key}'); use row_standardize(), binarize(), "
            f"symmetrize(), subset() or a constructor to get a new one")

    def __delattr__(self, key: str) -> None:
        raise WeightsImmutableError("Weights objects are immutable")

    def __reduce__(self):
        return (_rebuild, (dict(self._mats), self._labels, self._name, self._accounting, self._transform))

    def __copy__(self) -> Weights:
        return self

    def __deepcopy__(self, memo: dict) -> Weights:
        return self

    # ------------------------------------------------------------------ properties
    @property
    def labels(self) -> tuple[str, ...]:
        """Unit labels, in matrix order."""
        return self._labels

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self._labels)

    @property
    def name(self) -> str:
        """Name used in column labels and reports."""
        return self._name

    @property
    def years(self) -> tuple[int, ...] | None:
        """Years with a matrix (time-varying weights) or ``None`` (static)."""
        return None if None in self._mats else tuple(sorted(k for k in self._mats if k is not None))

    @property
    def is_time_varying(self) -> bool:
        """Whether there is one matrix per year."""
        return None not in self._mats

    @property
    def transform(self) -> str:
        """``"original"``, ``"binary"`` or ``"row-standardized"``."""
        return self._transform

    @property
    def accounting(self) -> Accounting:
        """What the constructor dropped or repaired (self-pairs, NaN, duplicates, ...)."""
        return self._accounting

    @property
    def index(self) -> Mapping[str, int]:
        """Label -> row position (read-only view)."""
        return dict(self._index)

    @property
    def nnz(self) -> int:
        """Number of ties (nonzero entries), summed over years."""
        return int(sum(m.nnz for m in self._mats.values()))

    # ------------------------------------------------------------------ access
    def _key(self, year: int | None) -> int | None:
        if not self.is_time_varying:
            return None
        if year is None:
            yrs = self.years
            assert yrs is not None  # time-varying
            raise InputError(f"year: these weights vary by year ({yrs[0]}-{yrs[-1]}, {len(yrs)} matrices); "
                             f"pass year=")
        y = int(year)
        if y not in self._mats:
            yrs = self.years
            assert yrs is not None  # time-varying
            raise InputError(f"year={y}: no matrix for that year in weights '{self.name}' (years {yrs[0]}-{yrs[-1]}, "
                             f"{len(yrs)} matrices); pick one of W.years")
        return y

    def _matrix(self, year: int | None = None) -> sp.csr_matrix:
        """The stored (read-only) matrix, without copying. Internal use."""
        return self._mats[self._key(year)]

    def matrix(self, year: int | None = None) -> sp.csr_matrix:
        """A copy of ``W`` (or ``W_year``) as CSR in :attr:`labels` order.

        Examples
        --------
        >>> W = ds.Weights.from_matrix([[0, 1], [1, 0]], labels=["x", "y"])
        >>> W.matrix().toarray()
        array([[0., 1.],
               [1., 0.]])
        """
        return self._matrix(year).copy()

    def aligned(self, labels: Sequence[Any] | np.ndarray, year: int | None = None, *,
                missing: str = "raise") -> sp.csr_matrix:
        """``W`` reindexed to ``labels`` (rows and columns), matched by label.

        Parameters
        ----------
        labels : sequence
            Target order. Labels in ``W`` but not here are dropped (with their ties).
        year : int, optional
            Required for time-varying weights.
        missing : {"raise", "zero"}
            Labels not in ``W``: raise an error listing them, or give them no ties.

        Examples
        --------
        >>> W = ds.Weights.from_matrix([[0, 2], [1, 0]], labels=["x", "y"])
        >>> W.aligned(["y", "x"]).toarray()
        array([[0., 1.],
               [2., 0.]])
        """
        lab = as_labels(list(labels), argument="labels")
        if len(set(lab)) != len(lab):
            dup = pd.Series(lab)[pd.Series(lab).duplicated()].unique()
            raise InputError(f"labels: duplicated label(s) {_examples(dup)}; list each unit once")
        pos = np.array([self._index.get(x, -1) for x in lab], dtype=np.int64)
        miss = lab[pos < 0]
        if len(miss) and missing == "raise":
            raise InputError(f"labels: {len(miss)} unit(s) not in weights '{self.name}': {_examples(miss)}; add them "
                             f"(units=) when building W or pass missing='zero' to give them no ties")
        if missing not in ("raise", "zero"):
            raise InputError(f"missing='{missing}': use 'raise' or 'zero'")
        m = self._matrix(year)
        found = np.flatnonzero(pos >= 0)
        sel = sp.csr_matrix((np.ones(len(found)), (found, pos[found])), shape=(len(lab), self.n))
        return sp.csr_matrix(sel @ m @ sel.T)

    def neighbors(self, unit: Any, year: int | None = None) -> tuple[str, ...]:
        """Partners ``j`` with ``W[unit, j] != 0``, in label order.

        Examples
        --------
        >>> ds.Weights.from_matrix([[0, 1], [0, 0]], labels=["x", "y"]).neighbors("x")
        ('y',)
        """
        i = self._position(unit)
        m = self._matrix(year)
        return tuple(self._labels[j] for j in m.indices[m.indptr[i]:m.indptr[i + 1]])

    def _position(self, unit: Any) -> int:
        lab = as_labels([unit], argument="unit")[0]
        if lab not in self._index:
            raise InputError(f"unit '{lab}' is not in weights '{self.name}'{did_you_mean(lab, self._labels)}")
        return self._index[lab]

    def isolates(self, year: int | None = None) -> tuple[str, ...]:
        """Units with no ties (an empty row of ``W``, or of ``W_year``).

        Examples
        --------
        >>> ds.Weights.from_matrix([[0, 1, 0], [1, 0, 0], [0, 0, 0]], labels="abc").isolates()
        ('c',)
        """
        m = self._matrix(year)
        return tuple(self._labels[i] for i in np.flatnonzero(np.diff(m.indptr) == 0))

    islands = isolates

    def to_frame(self) -> pd.DataFrame:
        """Ties as a DataFrame with columns ``unit``, ``partner``, [``year``], ``weight``.

        Examples
        --------
        >>> ds.Weights.from_matrix([[0, 2], [0, 0]], labels=["x", "y"]).to_frame()
          unit partner  weight
        0    x       y     2.0
        """
        lab = np.asarray(self._labels, dtype=object)
        parts = []
        for key, m in self._mats.items():
            coo = m.tocoo()
            order = np.lexsort((coo.col, coo.row))
            df = pd.DataFrame({"unit": lab[coo.row[order]], "partner": lab[coo.col[order]]})
            if key is not None:
                df["year"] = np.int64(key)
            df["weight"] = coo.data[order]
            parts.append(df)
        cols = ["unit", "partner", "weight"] if not self.is_time_varying else ["unit", "partner", "year", "weight"]
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
        if self.is_time_varying:
            out = out.sort_values(["year"], kind="stable").reset_index(drop=True)
        return out[cols]

    def equals(self, other: Weights) -> bool:
        """Same labels (same order), years and matrices (exactly).

        Examples
        --------
        >>> W = ds.Weights.from_matrix([[0, 1], [1, 0]], labels="ab")
        >>> W.equals(W.binarize()), W.equals(W.row_standardize())
        (True, True)
        """
        if not isinstance(other, Weights) or self._labels != other._labels or set(self._mats) != set(other._mats):
            return False
        return all((self._mats[k] != other._mats[k]).nnz == 0 for k in self._mats)

    # ------------------------------------------------------------------ transforms
    def _derive(self, mats: Mapping[int | None, Any], transform: str, note: str | None = None,
                name: str | None = None) -> Weights:
        acc = copy.deepcopy(self._accounting)
        if note:
            acc.counts[f"transform: {note}"] = "applied"
        return Weights(mats, self._labels, name=self._name if name is None else name, accounting=acc,
                       transform=transform)

    def year_for(self, year: int, missing_years: str = "previous", *, needed_by: str = "the panel") -> int | None:
        """The year whose matrix stands for ``year``, the one rule every builder uses when a
        time-varying W has no matrix for a year (``t - lag``).

        ``missing_years``: "previous" (the latest earlier matrix; an error before the first),
        "nearest" (ties to the earlier year), "zero" (None: no ties that year) or "raise".
        A static W returns None (its one matrix serves every year).

        Examples
        --------
        >>> import numpy as np, diffusion_stats as ds
        >>> W = ds.Weights({2000: np.eye(2)[::-1], 2004: np.eye(2)[::-1]}, ["a", "b"])
        >>> W.year_for(2003), W.year_for(2003, "nearest"), W.year_for(2003, "zero")
        (2000, 2004, None)
        """
        if not self.is_time_varying:
            return None
        yrs = np.asarray(self.years, dtype=np.int64)
        s = int(year)
        pos = int(np.searchsorted(yrs, s, side="right")) - 1
        if pos >= 0 and yrs[pos] == s:
            return s
        if missing_years == "raise":
            raise InputError(f"W '{self.name}' has no matrix for year {s} (= t - lag; W covers {yrs[0]}-{yrs[-1]}, "
                             f"{len(yrs)} years); pass missing_years='previous', 'nearest' or 'zero', or restrict "
                             f"{needed_by}")
        if missing_years == "zero":
            return None
        if missing_years == "previous":
            if pos < 0:
                raise InputError(f"W '{self.name}' starts in {yrs[0]} but {needed_by} needs year {s} (= t - lag) and "
                                 f"there is no earlier matrix; pass missing_years='nearest' (use {yrs[0]}) or 'zero' "
                                 f"(no ties), or restrict {needed_by} to years > {yrs[0]}")
            return int(yrs[pos])
        if missing_years != "nearest":
            raise InputError(f"missing_years={missing_years!r}: use 'previous', 'nearest', 'zero' or 'raise'")
        cand = [int(yrs[p]) for p in (pos, pos + 1) if 0 <= p < len(yrs)]
        return min(cand, key=lambda y: (abs(y - s), y))

    def row_standardize(self) -> Weights:
        """A new ``Weights`` whose rows sum to 1; isolates' rows stay zero (and are reported).

        Examples
        --------
        >>> W = ds.Weights.from_matrix([[0, 1, 3], [1, 0, 0], [1, 0, 0]], labels="abc")
        >>> W.row_standardize().matrix().toarray()[0]
        array([0.  , 0.25, 0.75])
        """
        mats = {}
        iso_total: dict[str, int] = {}
        for key, m in self._mats.items():
            rs = np.asarray(m.sum(axis=1)).ravel()
            has = np.diff(m.indptr) > 0
            if (rs[has] <= 0).any():
                bad = [self._labels[i] for i in np.flatnonzero(has & (rs <= 0))]
                raise DataValidationError(f"row_standardize: rows of {_examples(bad)} sum to <= 0 (negative weights); "
                                          f"cannot scale them to sum to 1")
            inv = np.divide(1.0, rs, out=np.zeros_like(rs), where=rs > 0)
            mats[key] = sp.diags(inv) @ m
            for i in np.flatnonzero(~has):
                iso_total[self._labels[i]] = iso_total.get(self._labels[i], 0) + 1
        out = self._derive(mats, "row-standardized", "row-standardized")
        if iso_total:
            where = "" if not self.is_time_varying else " in at least one year"
            reason = f"have no ties{where}: their rows stay zero after row-standardisation"
            out._accounting.exclude(len(iso_total), reason, what="isolated units", examples=sorted(iso_total),
                                    warn=False)
            warnings.warn(f"Weights '{self.name}'.row_standardize: {len(iso_total)} unit(s) "
                          f"({_examples(sorted(iso_total))}) {reason}",
                          RowAccountingWarning, stacklevel=user_stacklevel())
        return out

    def binarize(self) -> Weights:
        """A new ``Weights`` with every nonzero tie set to 1.

        Examples
        --------
        >>> ds.Weights.from_matrix([[0, 0.2], [5, 0]], labels="ab").binarize().matrix().toarray()
        array([[0., 1.],
               [1., 0.]])
        """
        mats = {}
        for key, m in self._mats.items():
            b = m.copy()
            b.data = np.ones_like(b.data)
            mats[key] = b
        return self._derive(mats, "binary", "binarized")

    def symmetrize(self, how: str = "max") -> Weights:
        """A new symmetric ``Weights``: ``how`` in {"max", "min", "mean", "sum"} of ``W`` and ``W.T``.

        ``"max"`` keeps a tie present in either direction (union); ``"min"`` only ties
        present in both (intersection); ``"mean"`` is ``(W + W.T) / 2``.

        Examples
        --------
        >>> ds.Weights.from_matrix([[0, 2], [0, 0]], labels="ab").symmetrize("mean").matrix().toarray()
        array([[0., 1.],
               [1., 0.]])
        """
        ops = {"max": lambda m: m.maximum(m.T), "min": lambda m: m.minimum(m.T),
               "mean": lambda m: (m + m.T) * 0.5, "sum": lambda m: m + m.T}
        if how not in ops:
            raise InputError(f"how='{how}': use one of {sorted(ops)}")
        return self._derive({k: ops[how](m) for k, m in self._mats.items()}, self._transform, f"symmetrized ({how})")

    def subset(self, labels: Sequence[Any], *, name: str | None = None) -> Weights:
        """A new ``Weights`` over ``labels`` only (ties to other units dropped).

        Examples
        --------
        >>> ds.Weights.from_matrix([[0, 1, 1], [1, 0, 0], [1, 0, 0]], labels="abc").subset(["a", "b"]).n
        2
        """
        lab = as_labels(list(labels), argument="labels")
        mats = {k: self.aligned(lab, k) for k in self._mats}
        return Weights(mats, lab, name=self._name if name is None else name,
                       accounting=copy.deepcopy(self._accounting), transform=self._transform)

    def is_symmetric(self, year: int | None = None) -> bool:
        """Whether ``W`` (or every ``W_t`` when ``year`` is None) equals its transpose.

        Examples
        --------
        >>> ds.Weights.from_matrix([[0, 1], [0, 0]], labels="ab").is_symmetric()
        False
        """
        keys = [self._key(year)] if (year is not None or not self.is_time_varying) else list(self._mats)
        return all(abs(self._mats[k] - self._mats[k].T).max() == 0 if self._mats[k].nnz else True for k in keys)

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        mats = list(self._mats.values())
        binary = all(np.all(m.data == 1) for m in mats)
        sym = self.is_symmetric()
        kind = "binary" if binary else ("row-standardized" if self._transform == "row-standardized" else "weighted")
        desc = f"{kind}, {'symmetric' if sym else 'asymmetric'}"
        if self.is_time_varying:
            yrs = self.years
            assert yrs is not None  # time-varying
            ties = f"{self.nnz / len(yrs):,.0f} ties per year on average ({desc})"
            span = f"{len(yrs)} years {yrs[0]}-{yrs[-1]}"
            return f"<Weights '{self.name}': {self.n} units, {ties}, {span}>"
        iso = self.isolates()
        isos = f", isolates: {_examples(iso, 6)}" if iso else ""
        return f"<Weights '{self.name}': {self.n} units, {self.nnz:,} ties ({desc}), static{isos}>"

    def _repr_html_(self) -> str:
        import html
        return "<pre>" + html.escape(repr(self)) + "</pre>"

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_matrix(cls, m: Any, labels: Sequence[Any] | None = None, *, name: str = "W",
                    allow_negative: bool = False) -> Weights:
        """Build from a square array, sparse matrix or DataFrame (or a ``{year: matrix}`` dict).

        Parameters
        ----------
        m : array-like, scipy.sparse matrix, DataFrame, or dict of year -> one of these
            ``m[i, j]`` is unit ``i``'s tie to unit ``j``. A DataFrame with equal index
            and columns supplies its own labels (columns are reordered to the index).
        labels : sequence, optional
            Unit labels in row order (required unless ``m`` is a labelled DataFrame).
        name : str
            Name used in reports and column names.
        allow_negative : bool
            Negative ties are an error unless this is True.

        Examples
        --------
        >>> W = ds.Weights.from_matrix(np.array([[0, 1], [1, 0]]), labels=["MA", "NH"], name="toy")
        >>> W.labels
        ('MA', 'NH')
        """
        if isinstance(m, Mapping):
            pairs = {int(y): cls._dense_or_sparse(v, labels) for y, v in m.items()}
            labs = {tuple(lab) for _, lab in pairs.values()}
            if len(labs) != 1:
                raise InputError("m: every year's matrix must have the same labels (same order)")
            mats: dict[int | None, sp.csr_matrix] = {y: mm for y, (mm, _) in pairs.items()}
            lab = labs.pop()
        else:
            mm, lab = cls._dense_or_sparse(m, labels)
            mats = {None: mm}
        for key, mm in mats.items():
            _check_weights(mm.data, argument="m" if key is None else f"m[{key}]", allow_negative=allow_negative)
        acc = Accounting("Weights.from_matrix", n_rows=len(lab))
        acc.counts["units"] = len(lab)
        return cls(mats, lab, name=name, accounting=acc)

    @staticmethod
    def _dense_or_sparse(m: Any, labels: Sequence[Any] | None) -> tuple[sp.csr_matrix, tuple[str, ...]]:
        if isinstance(m, pd.DataFrame):
            idx = as_labels(m.index, argument="m.index")
            cols = as_labels(m.columns, argument="m.columns")
            if set(idx) != set(cols) or len(idx) != len(cols):
                raise InputError("m: a DataFrame weight matrix needs the same labels in its index and columns")
            order = pd.Index(cols).get_indexer(idx)
            arr = m.to_numpy(dtype=float)[:, order]
            if labels is not None and tuple(as_labels(list(labels), argument="labels")) != tuple(idx):
                raise InputError("labels: do not pass labels= with a labelled DataFrame (or make them equal its index)")
            return sp.csr_matrix(arr), tuple(idx)
        if labels is None:
            raise InputError("labels: required unless m is a DataFrame with unit labels as index and columns")
        lab = tuple(as_labels(list(labels), argument="labels"))
        if sp.issparse(m):
            mm = sp.csr_matrix(m, dtype=np.float64)
        else:
            arr = np.asarray(m, dtype=float)
            if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
                raise InputError(f"m: expected a square 2-D matrix, got shape {arr.shape}")
            if np.isnan(arr).any():
                raise DataValidationError(f"m: {int(np.isnan(arr).sum())} NaN entries; use 0 for no tie")
            mm = sp.csr_matrix(arr)
        if mm.shape != (len(lab), len(lab)):
            raise InputError(f"labels: {len(lab)} labels for a {mm.shape[0]} x {mm.shape[1]} matrix")
        return mm, lab

    @classmethod
    @renamed(self_loops="self_pairs")
    def from_edges(cls, edges: pd.DataFrame, *, source: str = "source", target: str = "target",
                   weight: str | None = None, year: str | None = None, units: Sequence[Any] | None = None,
                   symmetric: bool = True, name: str = "W", allow_negative: bool = False,
                   self_pairs: str = "raise") -> Weights:
        """Build from an edge list: one row per tie.

        An edge ``source -> target`` means influence flows from ``source`` to
        ``target``: ``target``'s exposure counts ``source``'s adoptions, so it is stored
        as ``W[target, source]``. With ``symmetric=True`` (default) each edge is a tie
        in both directions.

        Parameters
        ----------
        edges : DataFrame
        source, target : str
            Columns holding unit labels.
        weight : str, optional
            Column of tie strengths (default: every listed edge has weight 1; 0 = no tie).
        year : str, optional
            Column of years: one matrix per year (time-varying ``W_t``).
        units : sequence or DataFrame with a ``unit`` column, optional
            The full unit list (adds isolates; edges naming other units are an error).
        symmetric : bool
            Whether each edge also implies the reverse tie.
        name : str
        allow_negative : bool
            Allow negative weights.
        self_pairs : {"raise", "drop"}
            Edges from a unit to itself: error, or drop them and report the count (the name
            ``Weights.from_dyads`` uses; ``self_loops=`` is its deprecated spelling).

        Examples
        --------
        >>> e = pd.DataFrame({"source": ["IL", "ME"], "target": ["MI", "MA"]})
        >>> W = ds.Weights.from_edges(e, units=["IL", "MI", "ME", "MA", "HI"], name="water")
        >>> W.neighbors("MA"), W.isolates()
        (('ME',), ('HI',))
        """
        require_columns(edges, [source, target, weight, year], argument="edges")
        return cls._from_long(edges, row_col=target, col_col=source, weight=weight, year=year, units=units,
                              symmetric=symmetric, name=name, allow_negative=allow_negative, self_pairs=self_pairs,
                              missing="raise", builder="Weights.from_edges", argument="edges")

    @classmethod
    def from_dyads(cls, df: pd.DataFrame, *, unit1: str, unit2: str, value: str | None = None,
                   year: str | None = None, units: Sequence[Any] | None = None, symmetric: bool = False,
                   name: str = "W", self_pairs: str = "drop", missing: str = "drop",
                   allow_negative: bool = False) -> Weights:
        """Build from a dyad (or dyad-year) table, e.g. shared IGO memberships by year.

        Each row sets ``W[unit1, unit2] = value``: ``unit1`` is the unit whose exposure
        is computed, ``unit2`` the partner. ``value`` 0 means no tie. Dyad tables
        usually list self-pairs and missing values; by default both are dropped and
        counted in :attr:`accounting` (with a warning).

        Parameters
        ----------
        df : DataFrame
        unit1, unit2 : str
            Columns with unit labels.
        value : str, optional
            Tie strength column (default: every listed dyad is a tie of weight 1).
        year : str, optional
            Year column: one matrix per year.
        units : sequence or DataFrame with a ``unit`` column, optional
            Full unit list (adds isolates; other labels are an error).
        symmetric : bool
            Whether each row also sets ``W[unit2, unit1]`` (for tables listing each
            undirected pair once, such as COW's ``ccode1 < ccode2``).
        name : str
        self_pairs : {"drop", "raise"}
        missing : {"drop", "raise"}
            Rows whose ``value`` is NaN: drop (no tie) and report, or raise.
        allow_negative : bool

        Examples
        --------
        >>> d = pd.DataFrame({"c1": [2, 2, 20], "c2": [20, 2, 200], "yr": [1990, 1990, 1991],
        ...                   "igos": [7, np.nan, 3]})
        >>> W = ds.Weights.from_dyads(d, unit1="c1", unit2="c2", value="igos", year="yr",
        ...                           symmetric=True, name="igo")  # warns: 1 self-pair dropped
        >>> W.years, W.labels
        ((1990, 1991), ('2', '20', '200'))
        >>> W.matrix(1990).toarray()
        array([[0., 7., 0.],
               [7., 0., 0.],
               [0., 0., 0.]])
        """
        require_columns(df, [unit1, unit2, value, year], argument="df")
        return cls._from_long(df, row_col=unit1, col_col=unit2, weight=value, year=year, units=units,
                              symmetric=symmetric, name=name, allow_negative=allow_negative,
                              self_pairs=self_pairs, missing=missing, builder="Weights.from_dyads", argument="df")

    @classmethod
    def _from_long(cls, df: pd.DataFrame, *, name: str, **kwargs: Any) -> Weights:
        mats, labels, acc = long_to_mats(df, **kwargs)
        return cls(mats, labels, name=name, accounting=acc)

    @classmethod
    def from_coordinates(cls, coords: pd.DataFrame, *, unit: str = "unit", x: str = "x", y: str = "y",
                         k: int | None = None, cutoff: float | None = None, power: float = 1.0,
                         binary: bool = False, metric: str = "euclidean", name: str = "W") -> Weights:
        """Distance-based weights from point coordinates.

        Neighbours are the ``k`` nearest units (if ``k`` is given; with ``cutoff`` too,
        only those of them within it), else every unit within ``cutoff`` (if given),
        else every other unit. Weights are ``distance ** -power`` (inverse distance),
        or 1 with ``binary=True``.

        Parameters
        ----------
        coords : DataFrame
            One row per unit.
        unit, x, y : str
            Columns: label, and coordinates (``x`` = longitude, ``y`` = latitude in
            degrees for ``metric="haversine"``).
        k : int, optional
            Number of nearest neighbours (asymmetric in general; ties at the k-th
            distance broken by the tree's order).
        cutoff : float, optional
            Maximum distance (same units as the coordinates; km for haversine).
        power : float
            Inverse-distance exponent.
        binary : bool
            Ties of weight 1 instead of inverse distance.
        metric : {"euclidean", "haversine"}
        name : str

        Examples
        --------
        >>> pts = pd.DataFrame({"unit": ["a", "b", "c"], "x": [0.0, 1.0, 3.0], "y": [0.0, 0.0, 0.0]})
        >>> ds.Weights.from_coordinates(pts, k=1).neighbors("c")
        ('b',)
        >>> ds.Weights.from_coordinates(pts, cutoff=2.5).matrix().toarray()[0]
        array([0., 1., 0.])
        """
        lab, rows, cols, d = coordinate_pairs(coords, unit=unit, x=x, y=y, k=k, cutoff=cutoff, metric=metric)
        mats, acc = inverse_distance_mats(lab, rows, cols, d, power=power, binary=binary,
                                          builder="Weights.from_coordinates", argument="coords")
        return cls(mats, lab, name=name, accounting=acc)

    @classmethod
    def from_distances(cls, distances: pd.DataFrame, *, unit1: str = "unit1", unit2: str = "unit2",
                       distance: str = "distance", year: str | None = None, k: int | None = None,
                       cutoff: float | None = None, power: float = 1.0, binary: bool = False,
                       units: Sequence[Any] | None = None, symmetric: bool = True, missing: str = "raise",
                       name: str = "W") -> Weights:
        """Distance-based weights from a long table of pairwise distances (e.g. CEPII ``dist``).

        Self-pairs (a unit's internal distance) are dropped and counted. With
        ``symmetric=True`` each row gives the distance both ways (a pair listed twice
        must agree). Neighbours and weights as in :meth:`from_coordinates`; ``k`` picks
        each unit's ``k`` nearest partners (per year when ``year`` is given; ties at
        the k-th distance broken by label order). A square DataFrame of distances
        (index = columns = labels) is accepted too.

        Parameters
        ----------
        distances : DataFrame
            Long table (one row per pair, optionally per year) or square matrix.
        unit1, unit2, distance : str
            Columns: the unit whose row of ``W`` is set, the partner, the distance.
        year : str, optional
            Year column: one matrix per year (e.g. COW minimum distances by year).
        k : int, optional
            Keep each unit's ``k`` nearest partners.
        cutoff : float, optional
            Keep partners at distance ``<= cutoff``.
        power : float
            Inverse-distance exponent (weights ``distance ** -power``).
        binary : bool
            Ties of weight 1 instead of inverse distance.
        units : sequence or DataFrame with a ``unit`` column, optional
            Full unit list (adds isolates; other labels are an error).
        symmetric : bool
            Each row gives the distance both ways.
        missing : {"raise", "drop"}
            Rows with a missing distance.
        name : str

        Examples
        --------
        >>> d = pd.DataFrame({"unit1": ["a", "a", "b"], "unit2": ["b", "c", "c"], "distance": [1.0, 4.0, 2.0]})
        >>> ds.Weights.from_distances(d, power=2).matrix().toarray()[0]
        array([0.    , 1.    , 0.0625])
        >>> ds.Weights.from_distances(d, k=1).neighbors("c")
        ('b',)
        """
        lab, rows, cols, d, years, acc = distance_table_pairs(
            distances, unit1=unit1, unit2=unit2, distance=distance, year=year, k=k, cutoff=cutoff, units=units,
            symmetric=symmetric, missing=missing)
        mats, acc = inverse_distance_mats(lab, rows, cols, d, power=power, binary=binary, years=years, acc=acc,
                                          builder="Weights.from_distances", argument="distances")
        return cls(mats, lab, name=name, accounting=acc)

    @classmethod
    def from_libpysal(cls, w: Any, *, name: str | None = None) -> Weights:
        """Build from a ``libpysal.weights.W`` (labels become strings).

        Examples
        --------
        >>> from libpysal.weights import lat2W
        >>> ds.Weights.from_libpysal(lat2W(2, 2), name="lattice").n
        4
        """
        if not (hasattr(w, "sparse") and hasattr(w, "id_order")):
            raise InputError(f"w: expected a libpysal.weights.W, got {type(w).__name__}")
        acc = Accounting("Weights.from_libpysal", n_rows=int(w.sparse.nnz))
        return cls({None: w.sparse}, [str(i) for i in w.id_order], name=name or "W", accounting=acc,
                   transform={"B": "binary", "R": "row-standardized"}.get(str(getattr(w, "transform", "O")).upper(),
                                                                          "original"))

    def to_libpysal(self, year: int | None = None) -> Any:
        """Convert (one year of) these weights to a ``libpysal.weights.W``.

        Examples
        --------
        >>> W = ds.Weights.from_matrix([[0, 1], [1, 0]], labels=["a", "b"])
        >>> W.to_libpysal().neighbors["a"]
        ['b']
        """
        try:
            from libpysal.weights import W as PysalW
        except ImportError as err:
            raise MissingDependencyError("to_libpysal needs libpysal: pip install libpysal "
                                         "(or pip install 'diffusion_stats[spatial]')") from err
        m = self._matrix(year)
        neigh, wts = {}, {}
        for i, lab in enumerate(self._labels):
            sl = slice(m.indptr[i], m.indptr[i + 1])
            neigh[lab] = [self._labels[j] for j in m.indices[sl]]
            wts[lab] = m.data[sl].tolist()
        return PysalW(neigh, wts, id_order=list(self._labels), silence_warnings=True)

    @classmethod
    def us_borders(cls, contiguity: str = "queen", extra_pairs: Iterable[tuple[str, str]] | None = None, *,
                   labels: str = "postal", include_dc: bool = False, name: str | None = None) -> Weights:
        """Contiguity of the US states from the bundled ``us_state_borders`` table.

        Parameters
        ----------
        contiguity : {"queen", "rook"}
            ``"rook"`` drops the Four Corners pairs that touch at a point only (AZ-CO,
            NM-UT); ``"queen"`` keeps them.
        extra_pairs : iterable of (str, str), optional
            Further symmetric ties, e.g. water borders ``[("IL", "MI"), ("ME", "MA")]``
            (postal codes or names).
        labels : {"postal", "name"}
            Unit labels: postal codes (``"NH"``) or names (``"New Hampshire"``).
        include_dc : bool
            Include the District of Columbia as a unit.
        name : str, optional
            Default ``"borders_queen"`` / ``"borders_rook"``.

        Examples
        --------
        >>> W = ds.Weights.us_borders(extra_pairs=[("IL", "MI"), ("ME", "MA")])
        >>> W.neighbors("ME")
        ('MA', 'NH')
        >>> W.isolates()
        ('AK', 'HI')
        """
        if contiguity not in ("queen", "rook"):
            raise InputError(f"contiguity='{contiguity}': use 'queen' or 'rook'")
        if labels not in ("postal", "name"):
            raise InputError(f"labels='{labels}': use 'postal' or 'name'")
        e, units, n_extra = us_border_edges(contiguity, extra_pairs, labels=labels, include_dc=include_dc)
        W = cls.from_edges(e, units=units, symmetric=True, name=name or f"borders_{contiguity}")
        W._accounting.counts["extra pairs"] = n_extra
        return W


def _rebuild(mats: dict, labels: tuple, name: str, acc: Accounting, transform: str) -> Weights:
    return Weights(mats, labels, name=name, accounting=acc, transform=transform)
