"""Spatial-lag (spatial autoregressive) models for cross-sections and unbalanced panels.

``y = rho W y + X beta + e`` (Franzese & Hays 2007), estimated by maximum likelihood or
by spatial two-stage least squares, for a cross-section or for a panel whose units may
enter and leave and whose network ``W_t`` may change every year.

Which form to use
-----------------
* The contemporaneous lag ``rho W y_t`` (this model) says units' outcomes are set
  simultaneously in equilibrium (tax competition in the same budget cycle). It is
  endogenous, hence ML or S-2SLS, and its effects must be read through
  :meth:`SpatialLagResults.impacts`, not from ``beta``.
* The spatio-temporal lag ``W_t y_{t-1}`` (``temporal_lag=True``) says units respond to
  what their neighbours did last period (learning, emulation with a reaction lag). It is
  predetermined, i.e. an ordinary exogenous regressor, appropriate when decisions take
  at least a period to react and the period is short relative to that delay (Franzese &
  Hays 2007). With ``temporal_lag=True`` alone and ``rho`` still estimated you get the
  time-space model with both; to use the temporal lag only, add it as a column to an
  ordinary regression (see :func:`spatial_temporal_lag`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy import stats

from ..core.errors import (
    ConvergenceWarning,
    DataValidationError,
    InputError,
    RowAccountingWarning,
    SpecificationError,
    require_columns,
    user_stacklevel,
)
from ..core.formula import design_matrices
from ..core.options import CovType, Missing, SpatialMethod
from ..inference.covariance import SmallSample, resolve_cov_type, resolve_small_sample
from ..inference.protocol import ModelProtocol
from ..inference.results import Results
from ..output.summary import Summary, format_number
from . import _numerics as num
from ._sparse import blas_threads

#: ``small_sample`` of SpatialLag: unset is "HC1" for the S-2SLS cluster variance (Stata's factor,
#: ``vcovCL(type = "HC1")``), "none" otherwise; "none"/"CR1"/CR2/CR3 for one-way S-2SLS clusters
SMALL_SAMPLE_DEFAULT = {"cluster": "HC1"}
SMALL_SAMPLE_SUPPORTED = {"classical": ("none",), "robust": ("none",),
                          "cluster": ("none", "CR1", "HC1", "CR2", "CR3")}

__all__ = ["SpatialFitState", "SpatialLag", "SpatialLagResults", "spatial_temporal_lag"]

EFFECTS = (None, "unit", "time", "twoway")
#: largest block (units) fitted with the exact sparse-LU log-determinant under logdet="auto"; the
#: Monte Carlo log-determinant (with its stated error) beyond
LU_MAX = 400_000


# ----------------------------------------------------------------------------- weights
def _weights_for(W: Any, year: Any) -> Any:
    """The Weights object for ``year`` from a Weights or a {year: Weights} dict."""
    if isinstance(W, Mapping):
        if year is None:
            raise InputError("W: a dict of per-year Weights needs time= (the year column)")
        key = year if year in W else None
        if key is None:
            try:
                key = int(year) if int(year) in W else None
            except (TypeError, ValueError):
                key = None
        if key is None:
            yrs = sorted(W)
            raise InputError(f"W: no weights for year {year} in the dict (years {yrs[0]}-{yrs[-1]}); "
                             "add that year's Weights or drop those rows")
        return W[key], None
    return W, (year if getattr(W, "is_time_varying", False) else None)


def _check_weights_type(W: Any) -> None:
    from ..weights.core import Weights

    if isinstance(W, Weights):
        return
    if isinstance(W, Mapping) and W and all(isinstance(v, Weights) for v in W.values()):
        return
    raise InputError(f"W must be a ds.Weights (or a dict {{year: ds.Weights}}), got {type(W).__name__}; "
                     "build one with ds.Weights.from_edges / from_matrix / from_libpysal. Weights are matched "
                     "to the data by unit label, never by position")


def _row_standardize(B: sp.csr_matrix) -> tuple[sp.csr_matrix, int]:
    rs = np.asarray(B.sum(axis=1)).ravel()
    inv = np.divide(1.0, rs, out=np.zeros_like(rs), where=rs != 0)
    return sp.csr_matrix(sp.diags(inv) @ B), int(np.sum(rs == 0))


@dataclass(frozen=True)
class SpatialLayout:
    """Rows sorted by period then data order, and the per-period W blocks."""

    order: np.ndarray          # positions (into the filtered data) in model order
    periods: list              # period label of each block (None for a cross-section)
    offsets: np.ndarray        # block boundaries in model order
    blocks: list               # CSR W_t in model order
    units: np.ndarray          # unit label of each row (model order)
    times: np.ndarray | None   # period of each row (model order)
    n_isolates: int


def spatial_layout(units: np.ndarray, times: np.ndarray | None, W: Any, *, standardize: str | None = "row",
                   unit_name: str = "unit") -> SpatialLayout:
    """Sort rows into per-period blocks and align W to each block by unit label."""
    _check_weights_type(W)
    if standardize not in ("row", None):
        raise InputError(f"standardize={standardize!r}; use 'row' (row-standardise W after restricting it to "
                         "the units present) or None (use W as given)")
    units = np.asarray(units).astype(str)
    n = len(units)
    if times is None:
        dup = pd.Series(units).duplicated()
        if dup.any():
            raise DataValidationError(
                f"unit column '{unit_name}' has {int(dup.sum())} duplicated value(s) (e.g. {units[dup.values][0]!r}) "
                "in a cross-section; pass time= for a panel or keep one row per unit")
        order: np.ndarray = np.arange(n)
        groups: list[tuple[Any, np.ndarray]] = [(None, order)]
    else:
        key = pd.DataFrame({"t": times, "u": units})
        dup = key.duplicated()
        if dup.any():
            r = key[dup].iloc[0]
            raise DataValidationError(f"{int(dup.sum())} duplicated (unit, time) pair(s), e.g. ({r['u']!r}, "
                                      f"{r['t']!r}); keep one row per unit and period")
        order = np.argsort(np.asarray(times), kind="stable")
        ts = np.asarray(times)[order]
        cuts = np.flatnonzero(ts[1:] != ts[:-1]) + 1
        groups = [(ts[a], order[a:b]) for a, b in zip(np.r_[0, cuts], np.r_[cuts, n], strict=False)]
    blocks, offs = [], [0]
    periods: list[Any] = []
    n_iso = 0
    cache: dict[tuple, tuple[sp.csr_matrix, int]] = {}
    for t, idx in groups:
        Wt, year = _weights_for(W, t)
        labs = units[idx]
        missing = sorted(set(labs) - set(Wt.labels))
        if missing:
            where = "" if t is None else f" (period {t})"
            raise InputError(f"{len(missing)} unit(s) in data{where} are not in W '{Wt.name}': "
                             f"{', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}; add them to W or "
                             "drop those rows")
        ckey = (id(Wt), year, labs.tobytes(), len(labs))
        if ckey in cache:
            B, iso = cache[ckey]
        else:
            B = Wt.aligned(list(labs), year=year)
            B.eliminate_zeros()
            if standardize == "row":
                B, iso = _row_standardize(B)
            else:
                iso = int(np.sum(np.diff(B.indptr) == 0))
            cache[ckey] = (B, iso)
        n_iso += iso
        blocks.append(B)
        periods.append(t)
        offs.append(offs[-1] + len(idx))
    return SpatialLayout(order=order, periods=periods, offsets=np.asarray(offs), blocks=blocks,
                         units=units[order], times=None if times is None else np.asarray(times)[order],
                         n_isolates=n_iso)


def _lag(layout: SpatialLayout, v: np.ndarray) -> np.ndarray:
    return num.matvec_blocks(layout.blocks, layout.offsets, v)


# ----------------------------------------------------------------------------- within transformation
def _demean(v: np.ndarray, codes: np.ndarray, g: int) -> np.ndarray:
    v2 = v if v.ndim == 2 else v[:, None]
    cnt = np.bincount(codes, minlength=g).astype(float)
    out = np.empty_like(v2, dtype=float)
    for j in range(v2.shape[1]):
        out[:, j] = v2[:, j] - (np.bincount(codes, weights=v2[:, j], minlength=g) / cnt)[codes]
    return out if v.ndim == 2 else out[:, 0]


def _within(v: np.ndarray, ucodes: np.ndarray | None, nu: int, tcodes: np.ndarray | None, nt: int,
            balanced: bool) -> np.ndarray:
    if ucodes is None and tcodes is None:
        return np.asarray(v, dtype=float)
    if ucodes is None:
        assert tcodes is not None
        return _demean(v, tcodes, nt)
    if tcodes is None:
        return _demean(v, ucodes, nu)
    out = _demean(_demean(v, ucodes, nu), tcodes, nt)
    if balanced:
        return out
    # unbalanced two-way: alternating projections to machine precision
    for _ in range(10_000):
        new = _demean(_demean(out, ucodes, nu), tcodes, nt)
        if np.max(np.abs(new - out)) <= 1e-14 * max(1.0, np.max(np.abs(v))):
            return new
        out = new
    warnings.warn("two-way within transformation did not converge in 10,000 sweeps", ConvergenceWarning,
                  stacklevel=user_stacklevel())
    return out


# ----------------------------------------------------------------------------- spatio-temporal lag
def spatial_temporal_lag(data: pd.DataFrame, column: str, W: Any, *, unit: str, time: str,
                         standardize: str | None = "row", name: str | None = None) -> pd.DataFrame:
    """Add ``W_t y_{t-1}``: the W-weighted average of the neighbours' previous-period value.

    For row ``(i, t)`` the value is ``sum_j w_ij,t y_{j,t-1}`` over neighbours ``j`` present
    at ``t`` (W restricted to the units present at ``t``, then row-standardised when
    ``standardize="row"``). Rows whose lag is undefined (first period, or a neighbour
    without a ``t-1`` value) get NaN and are counted in a :class:`RowAccountingWarning`.

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> W = ds.Weights.from_edges(pd.DataFrame({"source": ["a"], "target": ["b"]}))
    >>> d = pd.DataFrame({"unit": ["a", "b", "a", "b"], "year": [1, 1, 2, 2], "y": [1.0, 2.0, 3.0, 4.0]})
    >>> ds.spatial_temporal_lag(d, "y", W, unit="unit", time="year")["W_y_lag"].tolist()
    [nan, nan, 2.0, 1.0]
    """
    require_columns(data, [column, unit, time])
    name = name or f"W_{column}_lag"
    lay = spatial_layout(data[unit].to_numpy(), data[time].to_numpy(), W, standardize=standardize,
                         unit_name=unit)
    y = data[column].to_numpy(dtype=float)[lay.order]
    prev = pd.Series(y, index=pd.MultiIndex.from_arrays([lay.units, lay.times]))
    out = np.full(len(y), np.nan)
    bounds = list(zip(lay.offsets[:-1], lay.offsets[1:], strict=True))
    for t, (a, b), B in zip(lay.periods, bounds, lay.blocks, strict=True):
        try:
            tl = t - 1
        except TypeError:
            raise InputError(f"time column '{time}' must be numeric (years) for a temporal lag") from None
        yl = prev.reindex(pd.MultiIndex.from_arrays([lay.units[a:b], np.full(b - a, tl)])).to_numpy()
        Bc = B.tocsr()
        has_nan = np.isnan(yl)
        v = Bc @ np.where(has_nan, 0.0, yl)
        bad = (Bc @ has_nan.astype(float)) > 0
        v[bad] = np.nan
        out[a:b] = v
    res = data.copy()
    col = np.empty(len(y))
    col[lay.order] = out
    res[name] = col
    n_nan = int(np.isnan(col).sum())
    if n_nan:
        warnings.warn(f"spatial_temporal_lag: {n_nan} of {len(col)} rows have no '{name}' (first period or a "
                      f"neighbour without a previous-period '{column}')",
                      RowAccountingWarning, stacklevel=user_stacklevel())
    return res


# ----------------------------------------------------------------------------- model
class SpatialLag(ModelProtocol):
    """Spatial-lag model ``y = rho W y + X beta (+ W X theta) + e``.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + x2"`` (formulaic). With fixed effects the intercept is absorbed.
    data : DataFrame
        One row per unit (cross-section) or per unit and period (panel, possibly
        unbalanced).
    W : ds.Weights or dict {year: ds.Weights}
        Matched to ``data[unit]`` by label (never by position), per period for
        time-varying weights. W is restricted to the units present in each period and,
        with ``standardize="row"`` (default), row-standardised afterwards.
    unit : str
        Unit label column (matched to ``W.labels``).
    time : str, optional
        Period column; makes it a panel (block-diagonal ``W_t``).
    effects : {None, "unit", "time", "twoway"}
        Fixed effects removed by the within transformation; see Notes for the
        Lee & Yu (2010) correction.
    method : {"ml", "s2sls"}
        Maximum likelihood (concentrated in rho) or Kelejian & Prucha (1998) spatial
        two-stage least squares with instruments ``WX, W^2X``.
    durbin : bool
        Add ``WX`` for every non-constant regressor (spatial Durbin model).
    temporal_lag : bool
        Add the spatio-temporal lag ``W_t y_{t-1}`` as an exogenous regressor
        (panels only; first-period rows are dropped and counted).
    logdet : {"auto", "eigen", "LU", "chebyshev", "mc"}
        Log-determinant for ML. "auto": exact eigenvalues when every block has at most
        1,000 units, else sparse LU.
    standardize : {"row", None}
    missing : {"raise", "drop"}

    Notes
    -----
    ML maximises ``-(m/2) log(SSR(rho)/m) + c sum_t [log|I - rho W_t| - tau log(1 - rho)]``
    on ``(1/lambda_min, 1/lambda_max)`` by bounded Brent search; beta and sigma^2
    follow from rho. For a cross-section ``m = n``, ``c = 1``, ``tau = 0``: exactly
    ``spatialreg::lagsarlm``. With fixed effects (Lee & Yu 2010, transformation
    approach) the data are demeaned and

    * ``m`` = observations less absorbed effects: ``N(T-1)`` (unit), ``(N-1)T`` (time),
      ``(N-1)(T-1)`` (twoway) in a balanced panel; ``sigma^2 = SSR/m``, i.e. the direct
      ML ``SSR/(NT)`` multiplied by ``NT/m`` (the bias correction of sigma^2);
    * with time effects ``tau = 1``: the row-standardised ``W_t`` loses its eigenvalue 1
      (``log|I - rho W_t| - log(1 - rho)``), which also changes rho and beta (W_t must be
      row-standardised without isolates);
    * with unit effects ``c = (T-1)/T``, i.e. ``(T-1) log|I - rho W|``; the argmax in rho
      is unchanged, the information matrix uses ``T-1`` periods.

    In balanced panels with a constant W this is exactly Lee & Yu's transformation
    approach (the same as ``lagsarlm`` on the orthonormally transformed data, as the
    reference tests check). Unbalanced panels and year-varying ``W_t`` use the same
    formulas with ``c = m / (n - T)`` under time effects and ``c = m / n`` otherwise.
    Since ``c`` rescales the whole concentrated likelihood, rho and beta are then exact
    ML estimates of the model in which time effects are removed by the per-year
    orthonormal transformation (exact for any panel, because each year is its own block)
    and unit effects are free parameters (the "direct approach"); the orthonormal
    transformation over time is not available when W_t or the units present change.
    ``sigma^2 = SSR/m`` is the degrees-of-freedom corrected variance, and the
    information matrix is that of ``m`` effective observations (``(T-1)``-period traces
    in balanced panels, as Lee & Yu). Nothing else is bias-corrected: Lee & Yu's
    analytical O(1/T) corrections of the direct approach are not needed for the
    transformation approach and are not applied.

    Examples
    --------
    >>> import numpy as np, pandas as pd, diffusion_stats as ds
    >>> W = ds.Weights.from_edges(pd.DataFrame({"source": list("abcd"), "target": list("bcda")}))
    >>> d = pd.DataFrame({"unit": list("abcd"), "y": [1.0, 2.0, 2.5, 4.0], "x": [0.1, 0.5, 0.2, 0.9]})
    >>> res = ds.SpatialLag("y ~ x", d, W, unit="unit").fit()
    >>> sorted(res.params.index)
    ['Intercept', 'rho', 'x']
    """

    _role_args = ("W", "unit", "time")

    def __init__(self, formula: str, data: pd.DataFrame, W: Any, *, unit: str, time: str | None = None,
                 effects: str | None = None, method: SpatialMethod = "ml", durbin: bool = False,
                 temporal_lag: bool = False, logdet: str = "auto", standardize: str | None = "row",
                 missing: Missing = "raise") -> None:
        if not isinstance(data, pd.DataFrame):
            raise InputError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if effects not in EFFECTS:
            raise SpecificationError(f"effects={effects!r} is not one of {EFFECTS}")
        if method not in ("ml", "s2sls"):
            raise SpecificationError(f"method={method!r}; use 'ml' (maximum likelihood) or 's2sls'")
        if effects in ("time", "twoway", "unit") and time is None:
            raise SpecificationError(f"effects={effects!r} needs a panel: pass time= (the period column)")
        if temporal_lag and time is None:
            raise SpecificationError("temporal_lag=True needs a panel: pass time=")
        if logdet != "auto" and logdet not in num.LOGDET_METHODS:
            raise InputError(f"logdet={logdet!r} is not one of ('auto', {', '.join(map(repr, num.LOGDET_METHODS))})")
        require_columns(data, [unit, time])
        _check_weights_type(W)
        self.formula, self.data, self.W = formula, data, W
        self.unit, self.time, self.effects, self.method = unit, time, effects, method
        self.durbin, self.temporal_lag, self.logdet = bool(durbin), bool(temporal_lag), logdet
        self.standardize, self.missing = standardize, missing
        self._prepare()

    # -- data -----------------------------------------------------------------
    def _prepare(self) -> None:
        data = self.data
        n_dropped_lag = 0
        if self.temporal_lag:
            resp = self.formula.split("~")[0].strip()
            require_columns(data, [resp], argument="data (response)")
            assert self.time is not None  # __init__ requires time= with temporal_lag=True
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RowAccountingWarning)
                data = spatial_temporal_lag(data, resp, self.W, unit=self.unit, time=self.time,
                                            standardize=self.standardize, name="W_y_lag")
            ok = data["W_y_lag"].notna().to_numpy()
            n_dropped_lag = int((~ok).sum())
            if n_dropped_lag:
                warnings.warn(f"SpatialLag: {n_dropped_lag} of {len(data)} rows excluded: no spatio-temporal lag "
                              "W y_(t-1) (first period or neighbours missing at t-1)", RowAccountingWarning,
                              stacklevel=user_stacklevel())
            data = data.loc[ok]
        intercept = self.effects is None
        form = self.formula + (" + W_y_lag" if self.temporal_lag else "")
        design = design_matrices(form, data, intercept=intercept, missing=self.missing,
                                 extra=(self.unit, self.time))
        self._design = design
        self._n_dropped = design.n_dropped + n_dropped_lag
        rows = design.rows
        sub = data.loc[rows]
        times = None if self.time is None else sub[self.time].to_numpy()
        lay = spatial_layout(sub[self.unit].to_numpy(), times, self.W, standardize=self.standardize,
                             unit_name=self.unit)
        self._layout = lay
        self._index = sub.index[lay.order]
        y = design.y[lay.order]
        X = design.X[lay.order]
        names = list(design.names)
        self._lagged: dict[str, str] = {}
        if not np.all(np.isfinite(y)) or not np.all(np.isfinite(X)):
            raise DataValidationError("response or regressors contain infinite values; remove or recode them")
        if self.durbin:
            nc = [j for j, nm in enumerate(names) if nm != "Intercept"]
            WX = _lag(lay, X[:, nc])
            X = np.column_stack([X, WX])
            self._lagged = {f"W_{names[j]}": names[j] for j in nc}
            names += list(self._lagged)
        self._y, self._X, self._names = y, X, names
        self._Wy = _lag(lay, y)
        n = len(y)
        if n < X.shape[1] + 2:
            raise SpecificationError(f"{n} observations are too few for {X.shape[1]} regressors and rho")
        # fixed effects
        uc = tc = None
        nu = nt = 0
        if self.effects in ("unit", "twoway"):
            uc, nu = pd.factorize(lay.units)[0], len(np.unique(lay.units))
        if self.effects in ("time", "twoway"):
            assert lay.times is not None  # time effects need time= (checked by __init__)
            tc, nt = pd.factorize(lay.times)[0], len(np.unique(lay.times))
        n_units = len(np.unique(lay.units))
        n_periods = 1 if lay.times is None else len(np.unique(lay.times))
        balanced = n == n_units * n_periods
        self._balanced = balanced
        absorbed = {None: 0, "unit": nu, "time": nt, "twoway": nu + nt - 1}[self.effects]
        m = n - absorbed
        tau = 1.0 if self.effects in ("time", "twoway") else 0.0
        m0 = n - (nt if tau else 0)
        self._m, self._c, self._tau = float(m), float(m) / float(m0), tau
        if tau:
            for B, t in zip(lay.blocks, lay.periods, strict=False):
                rs = np.asarray(B.sum(axis=1)).ravel()
                if not np.allclose(rs, 1.0):
                    raise SpecificationError(
                        f"effects={self.effects!r} (time effects) needs a row-standardised W_t without isolates "
                        f"(Lee & Yu 2010); period {t} has {int(np.sum(~np.isclose(rs, 1.0)))} rows not summing to 1. "
                        "Use standardize='row' and drop isolated units")
        self._tr = lambda v: _within(v, uc, nu, tc, nt, balanced)
        self._yt = self._tr(y)
        self._Wyt = self._tr(self._Wy)
        self._Xt = self._tr(X)
        if X.shape[1]:
            scale = np.maximum(np.abs(X).max(axis=0), 1.0)
            gone = np.abs(self._Xt).max(axis=0) <= 1e-10 * scale
            if gone.any():
                bad = [names[j] for j in np.flatnonzero(gone)]
                raise SpecificationError(f"regressor(s) {bad} are absorbed by effects={self.effects!r} (no variation "
                                         "left after the within transformation); drop them")
        self._n_units, self._n_periods = n_units, n_periods

    # -- fitting --------------------------------------------------------------
    def _logdet_method(self) -> str:
        if self.logdet != "auto":
            return self.logdet
        big = max(B.shape[0] for B in self._layout.blocks)
        return "eigen" if big <= 1000 else ("LU" if big <= LU_MAX else "mc")

    def _G_apply(self, solvers, v: np.ndarray) -> np.ndarray:
        """``Q (I - rho W)^-1 W v`` with per-distinct-block solvers (large blocks)."""
        lay = self._layout
        keys = {num._block_key(B): k for k, B in enumerate(self._ld_blocks)}
        Wv = _lag(lay, v)
        out = np.empty_like(Wv)
        for B, a, b in zip(lay.blocks, lay.offsets[:-1], lay.offsets[1:], strict=True):
            out[a:b] = solvers[keys[num._block_key(B)]](Wv[a:b])
        return self._tr(out)

    def fit(self, *, cov_type: CovType | None = None, cluster: str | Sequence[str] | None = None,
            order: int | None = None, n_draws: int | None = None, seed: int = 0,
            information: str = "expected", traces: str = "auto", n_probes: int | None = None,
            interval: tuple[float, float] | None = None, small_sample: SmallSample = None) -> SpatialLagResults:
        """Estimate the model.

        Parameters
        ----------
        cov_type : {"classical", "robust", "cluster"}, optional
            ML: "classical" only (inverse information, as spatialreg). S-2SLS: classical
            (``s2 = SSR/(n-k)``, as ``spatialreg::stsls``), "robust" (HC0, as
            ``stsls(robust=TRUE)``) or "cluster" (one column; CR1 small-sample factor).
        cluster : str, optional
        order, n_draws, seed : options of the "chebyshev" / "mc" log-determinants (``n_draws``
            defaults to 16; ``seed`` also seeds the stochastic traces).
        information : {"expected", "observed"}
            ML variance: the inverse expected (analytical) information of (rho, beta, sigma^2), as
            ``spatialreg::lagsarlm(method="eigen")`` (default), or the inverse observed information
            (negative Hessian, second derivative of the log-determinant by differences).
        traces : {"auto", "exact", "stochastic"}
            Traces ``tr(G), tr(GG), tr(G'G)`` (``G = W (I - rho W)^-1``) of the expected information:
            "auto" is exact up to 20,000 units per block (dense up to 1,500; beyond, from
            derivatives of sparse log-determinants: ``tr(G)`` and ``tr(GG)`` are the first two
            derivatives of ``-log|I - rho W|``, ``tr(G'G)`` that of ``log det(AA' + e WW')``,
            a few factorisations) and stochastic beyond (Hutchinson, ``n_probes`` Rademacher
            probes; the summary states the resulting standard error of SE(rho)); "exact" gives
            the exact traces at any size (1.5 s at 40,000 units).
        n_probes : int, optional
            Probes of the stochastic traces (default 50; 16 above 100,000 observations, where the
            traces' relative noise is smaller).
        interval : (float, float), optional
            Search interval for rho. Default: from the eigenvalues ("eigen") or from W's structure
            without an eigenvalue search ((-1, 1) for a row-standardised W; ``(-1/r, 1/r)``, ``r`` the
            largest absolute row or column sum, otherwise); an estimate at a structural bound that is
            not the exact one (e.g. rho near -1) is re-searched on the exact eigenvalue interval.
        small_sample : {None, "none", "CR1", "HC1", "CR2", "CR3", True, False}, optional
            The package-wide finite-sample vocabulary (:mod:`diffusion_stats.inference.covariance`).
            Unset: none for ML, classical and "robust" (HC0); "HC1" for "cluster", i.e.
            G/(G-1) x (n-1)/(n-k) (Stata's ``regress, vce(cluster)`` factor, ``sandwich::vcovCL(type =
            "HC1")`` on ``AER::ivreg``); S-2SLS "cluster" also takes "CR1" (G/(G-1), ``vcovCL(type =
            "HC0")``) and "none" (no factor).
            "CR2"/"CR3": S-2SLS with ``cov_type="cluster"`` and no fixed effects, with
            Satterthwaite df (``clubSandwich::vcovCR`` on ``AER::ivreg``). Other
            combinations raise.
        """
        if information not in ("expected", "observed"):
            raise InputError(f"information={information!r}; use 'expected' (analytical, the default) or 'observed'")
        if traces not in ("auto", "exact", "stochastic"):
            raise InputError(f"traces={traces!r}; use 'auto', 'exact' or 'stochastic'")
        if n_probes is not None and int(n_probes) < 2:
            raise InputError(f"n_probes={n_probes!r}; use at least 2 probes (default 50, 16 above 100,000 "
                             "observations)")
        if self.method == "ml" and (cluster is not None or cov_type not in (None, "classical")):
            raise SpecificationError(
                f"cov_type={cov_type!r}{'' if cluster is None else f', cluster={cluster!r}'}: ML standard errors "
                "are the inverse information matrix (cov_type='classical'); for robust or cluster-robust "
                "standard errors use method='s2sls'")
        allowed = ("classical",) if self.method == "ml" else ("classical", "robust", "cluster")
        cov_type, cl = resolve_cov_type(cov_type, cluster, allowed=allowed, data=self.data)
        kind = resolve_small_sample(small_sample, cov_type, cl, model=f"SpatialLag(method={self.method!r})",
                                    default=SMALL_SAMPLE_DEFAULT,
                                    supported=SMALL_SAMPLE_SUPPORTED if self.method == "s2sls" else {})
        cr = kind if kind in ("CR2", "CR3") else None
        if cr is not None:
            if self.effects is not None:
                raise SpecificationError(f"small_sample={small_sample!r} is available without fixed effects only "
                                         f"(effects={self.effects!r} absorbs them); leave small_sample unset (HC1) "
                                         "or include dummies")
        if self.method == "s2sls":
            return self._fit_s2sls(cov_type, cl, kind)
        return self._fit_ml(order=order, n_draws=n_draws, seed=seed, information=information, traces=traces,
                            n_probes=None if n_probes is None else int(n_probes), interval=interval)

    def _fit_ml(self, *, order: int | None, n_draws: int | None, seed: int, information: str = "expected",
                traces: str = "auto", n_probes: int | None = None, interval=None) -> SpatialLagResults:
        lay = self._layout
        meth = self._logdet_method()
        if n_draws is None:
            n_draws = 16
        if n_probes is None:
            n_probes = 16 if len(self._y) > 100_000 else 50
        with blas_threads(None if meth == "eigen" else 1):
            ld = num.LogDet(lay.blocks, meth, c=self._c, tau=self._tau, order=order, n_draws=n_draws, seed=seed,
                            interval=interval)
            fit = num.maximise_concentrated(self._yt, self._Wyt, self._Xt, ld, self._m)
            lo, hi = ld.interval
            width = hi - lo
            near_lo, near_hi = fit.rho - lo < 1e-4 * width, hi - fit.rho < 1e-4 * width
            if interval is None and ((near_lo and not ld.interval_exact[0]) or (near_hi and not ld.interval_exact[1])):
                # the structural bound is not the exact one: widen to the eigenvalue interval (one search)
                ext = [num._extreme_eigenvalues(B) for B in ld.blocks]
                ex = (1.0 / min(e[0] for e in ext), 1.0 / max(e[1] for e in ext))
                ld = num.LogDet(lay.blocks, meth, c=self._c, tau=self._tau, order=order, n_draws=n_draws, seed=seed,
                                interval=ex)
                ld.interval_rule = "eigenvalues (widened: the estimate reached the structural bound)"
                ld.interval_exact = (True, True)
                fit = num.maximise_concentrated(self._yt, self._Wyt, self._Xt, ld, self._m)
        self._ld_blocks = ld.blocks
        if fit.at_bound:
            warnings.warn(f"rho = {fit.rho:.6g} is at the boundary of its interval {ld.interval}; the estimate "
                          "and its standard error should not be used (is W appropriate?)", ConvergenceWarning,
                          stacklevel=user_stacklevel())
        Xb = self._X @ fit.beta
        extra: dict[str, Any] = {}
        # expected (analytical) information by default, as spatialreg::lagsarlm(method="eigen"):
        # dense traces for small blocks, exact sparse column solves or stochastic traces beyond
        if information == "observed":
            V = num.observed_information(fit, self._yt, self._Wyt, self._Xt, ld, self._m)
            vc_kind = "observed information (negative Hessian; 2nd derivative of the log-determinant numerical)"
        elif (meth == "eigen" or sum(float(B.shape[0]) ** 3 for B in ld.blocks) <= 1500.0 ** 3) and \
                traces in ("auto", "exact"):
            trG, trGG, trGtG, Gs = num._dense_G_traces(ld.blocks, ld.counts, fit.rho, self._tau)
            GXb = self._tr(num.solve_blocks(lay.blocks, lay.offsets, fit.rho, _lag(lay, self._Xt @ fit.beta)))
            V = num.lag_information(fit, self._Xt, GXb, ld, self._m, (trG, trGG, trGtG))
            vc_kind = "expected information (analytical, as spatialreg::lagsarlm method='eigen')"
            extra["Traces"] = "exact (dense)"
        else:
            from ._sparse import expected_variance

            with blas_threads(1):
                lv = expected_variance(fit, self._Xt, lambda solvers: self._G_apply(solvers, self._Xt @ fit.beta),
                                       ld, self._m, self._tau, traces=traces, n_probes=n_probes, seed=seed)
            V = lv.V
            vc_kind = "expected information (analytical, as spatialreg::lagsarlm method='eigen')"
            extra["Traces"] = lv.traces.method
            if lv.rho_se_error is not None:
                extra["Traces"] += f"; SE(rho) +/- {lv.rho_se_error:.2g} (trace noise)"
                extra["rho_se_error"] = lv.rho_se_error
        names = ["rho"] + self._names
        params = pd.Series(np.r_[fit.rho, fit.beta], index=names)
        cov = pd.DataFrame(V[1:, 1:], index=names, columns=names)
        lm_resid = None
        if len(lay.blocks) == 1 and self.effects is None and lay.blocks[0].shape[0] <= 1500:
            # spatialreg's LMtest: residual spatial autocorrelation after the lag model
            Wd = lay.blocks[0].toarray()
            nb = Wd.shape[0]
            A = np.linalg.inv(np.eye(nb) - fit.rho * Wd)
            TW = Wd @ Wd + Wd.T @ Wd
            r_ = self._y - fit.rho * self._Wy - Xb
            stat = ((r_ @ Wd @ r_) / fit.sigma2) ** 2 / (np.trace(TW) - np.sum(TW * A.T) ** 2 * V[1, 1])
            lm_resid = {"statistic": float(stat), "df": 1, "pvalue": float(stats.chi2.sf(stat, 1))}
        # OLS (rho = 0) for the LR test
        b0, *_ = np.linalg.lstsq(self._Xt, self._yt, rcond=None)
        ssr0 = float(np.sum((self._yt - self._Xt @ b0) ** 2))
        ll0 = -0.5 * self._m * (np.log(2 * np.pi) + np.log(ssr0 / self._m) + 1.0)
        resid_t = self._yt - fit.rho * self._Wyt - self._Xt @ fit.beta
        fitted = self._y - (self._y - fit.rho * self._Wy - Xb)
        return SpatialLagResults(
            model=self, state=self._fit_state(ld=ld), params=params, cov=cov, sigma2=fit.sigma2,
            sigma2_se=float(np.sqrt(V[0, 0])),
            loglik=fit.loglik, loglik_null=ll0, logdet_method=meth, interval=ld.interval,
            residuals=resid_t, fitted=fitted, vc_kind=vc_kind, n_evals=fit.n_evals, cov_type="classical",
            cluster=(), n_clusters=(), ld=ld, lm_residual=lm_resid, extra_info=extra,
            converged=not fit.at_bound)

    def _fit_state(self, *, ld: Any = None, instruments: np.ndarray | None = None) -> SpatialFitState:
        return SpatialFitState(
            data=self.data, index=self._index, y=self._y, X=self._X, names=list(self._names), spec=self._design.spec,
            layout=self._layout, lagged=dict(self._lagged), n_units=self._n_units, n_periods=self._n_periods,
            balanced=self._balanced, n_dropped=self._n_dropped, yt=self._yt, Wyt=self._Wyt, Xt=self._Xt,
            instruments=instruments, log_determinant=ld)

    def _instruments(self) -> np.ndarray:
        lay = self._layout
        names = self._names
        base = [j for j, nm in enumerate(names) if nm != "Intercept" and nm not in self._lagged]
        Xb = self._X[:, base]
        WX = _lag(lay, Xb)
        WWX = _lag(lay, WX)
        cols = [WWX] if self.durbin else [WX, WWX]
        if self.durbin:
            cols.append(_lag(lay, WWX))
        H = np.column_stack(cols)
        return self._tr(H)

    def _fit_s2sls(self, cov_type: str, cluster: tuple[str, ...], kind: str = "none") -> SpatialLagResults:
        # 2SLS in numpy: instruments Z = [X, H], regressors [W y, X]; first-stage fitted values
        # Xhat = P_Z [W y, X] from a least-squares solve (SVD, stable for ill-conditioned Z);
        # beta = (Xhat' Xend)^{-1} Xhat' y; the sandwich through inference.covariance
        from ..inference.covariance import cluster_pieces, group_codes, sandwich

        names = ["rho"] + self._names
        H = self._instruments()
        if H.shape[1] < 1:
            raise SpecificationError("S-2SLS needs at least one non-constant regressor to build instruments WX, W^2X")
        Z = np.column_stack([self._Xt, H])
        Xend = np.column_stack([self._Wyt, self._Xt])
        y = self._yt
        n, k = len(y), Xend.shape[1]
        absorbed = n - self._m
        Pi, *_ = np.linalg.lstsq(Z, Xend, rcond=None)
        Xhat = Z @ Pi
        A = Xhat.T @ Xend
        p = np.linalg.solve(A, Xhat.T @ y)
        resid_t = y - Xend @ p
        ssr = float(resid_t @ resid_t)
        bread = np.linalg.inv(Xhat.T @ Xhat)
        bread = (bread + bread.T) / 2
        n_cl: tuple[int, ...] = ()
        df_terms: np.ndarray | None = None
        if cov_type == "classical":
            # s2 = SSR / (n - k - absorbed fixed effects), as ivreg / linearmodels "unadjusted, debiased"
            V = ssr / (n - k - absorbed) * bread
        elif cov_type == "robust":
            V, _ = sandwich(bread, "robust", kind=kind, n=n, k=k, meat=(Xhat * resid_t[:, None]).T
                            @ (Xhat * resid_t[:, None]))
        else:
            if len(cluster) != 1:
                raise SpecificationError("S-2SLS clusters on one column; pass cluster='unit' (or another column)")
            codes, G = group_codes(self.data.loc[self._index, cluster[0]].to_numpy())
            n_cl = (G,)
            if kind in ("CR2", "CR3"):
                from ..inference.small_sample import iv_cr
                V, df_terms = iv_cr(y, Xend, Z, p, codes, G, kind)
            else:
                V, _ = sandwich(bread, "cluster", kind=kind, n=n, k=k,
                                cluster_meats=cluster_pieces(Xhat * resid_t[:, None], [(codes, G)]))
        params = pd.Series(p, index=names)
        cov = pd.DataFrame(V, index=names, columns=names)
        fitted = self._y - (self._y - p[0] * self._Wy - self._X @ p[1:])
        s2 = ssr / (n - k - absorbed)
        return SpatialLagResults(
            model=self, state=self._fit_state(instruments=H), params=params, cov=cov, sigma2=s2,
            sigma2_se=None, loglik=None, loglik_null=None,
            logdet_method=None, interval=None, residuals=resid_t, fitted=fitted,
            vc_kind={"classical": "2SLS, s2 = SSR/(n-k)", "robust": "HC0 (White)",
                     "cluster": {"HC1": "cluster-robust (CR1)", "CR1": "cluster-robust, G/(G-1)",
                                 "none": "cluster-robust, no factor (CR0)"}.get(kind, "")
                     or f"cluster-robust {_describe_ss(kind)}"}[cov_type],
            n_evals=0, cov_type=cov_type, cluster=cluster, n_clusters=n_cl, ld=None,
            first_stage=_first_stage_summary(Z, Xend[:, :1], self._Xt, ["rho"], int(absorbed)),
            df_terms=df_terms)


def _first_stage_summary(Z: np.ndarray, endog: np.ndarray, exog: np.ndarray, names: list[str],
                         absorbed: int = 0) -> pd.DataFrame:
    """First-stage diagnostics of a 2SLS fit, one row per endogenous regressor.

    Columns: ``r2`` (R^2 of the regressor on all instruments ``Z``; centred when ``exog`` has
    a constant column, as ``lm``), ``partial_r2`` (1 - SSR(Z) / SSR(exog): the share of what the
    included regressors leave that the excluded instruments explain), ``F`` (classical F
    statistic of the excluded instruments, ``((SSR(exog) - SSR(Z)) / q) / (SSR(Z) / df_den)``,
    as ``anova(lm(w ~ x), lm(w ~ x + h))``), ``df_num`` (q, the excluded instruments),
    ``df_den`` (n - rank(Z) - absorbed fixed effects) and ``pvalue``.
    """
    n = Z.shape[0]

    def ssr(A: np.ndarray, v: np.ndarray) -> np.ndarray:
        if A.shape[1] == 0:
            return np.sum(v ** 2, axis=0)
        b, *_ = np.linalg.lstsq(A, v, rcond=None)
        return np.sum((v - A @ b) ** 2, axis=0)

    rz, rx = np.linalg.matrix_rank(Z), (np.linalg.matrix_rank(exog) if exog.shape[1] else 0)
    s_full, s_restr = ssr(Z, endog), ssr(exog, endog)
    const = exog.shape[1] > 0 and bool(np.any(np.all(exog == exog[:1], axis=0) & np.any(exog != 0, axis=0)))
    tss = np.sum((endog - endog.mean(axis=0)) ** 2, axis=0) if const else np.sum(endog ** 2, axis=0)
    q, df_den = rz - rx, n - rz - absorbed
    F = ((s_restr - s_full) / q) / (s_full / df_den)
    return pd.DataFrame({"r2": 1 - s_full / tss, "partial_r2": 1 - s_full / s_restr, "F": F,
                         "df_num": q, "df_den": df_den, "pvalue": stats.f.sf(F, q, df_den)},
                        index=pd.Index(names, name="endogenous"))


def _describe_ss(kind: str) -> str:
    from ..inference.small_sample import describe
    return describe(kind)


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class SpatialFitState:
    """What a SpatialLag fit leaves for its results and post-estimation: the rows in the
    estimation order (by period, then unit), the design, W's layout and the transformed
    (within) arrays."""

    data: pd.DataFrame            # the frame given to the model
    index: pd.Index               # labels of the rows used, in estimation order
    y: np.ndarray
    X: np.ndarray                 # regressors (with W X for Durbin terms)
    names: list[str]
    spec: Any                     # formulaic ModelSpec of the formula's terms
    layout: Any                   # per-period blocks of W (spatial.numerics layout)
    lagged: dict[str, str]        # Durbin term -> regressor it lags
    n_units: int
    n_periods: int
    balanced: bool
    n_dropped: int
    yt: np.ndarray                # within-transformed y, W y and X
    Wyt: np.ndarray
    Xt: np.ndarray
    instruments: np.ndarray | None = None  # S-2SLS instruments (None for ML)
    log_determinant: Any = None   # the ML fit's log-determinant (eigenvalues when it used them)


class SpatialLagResults(Results):
    """Results of :class:`SpatialLag`.

    Attributes
    ----------
    rho, sigma2 : float
    logdet_method : str or None
        Which log-determinant was used ("eigen", "LU", "chebyshev", "mc"; None for S-2SLS).
    residuals(kind="response") : method
        ``Q(y - rho W y - X beta)`` (within-transformed with fixed effects), data index.
    fitted_values : Series
        ``rho W y + X beta`` (fixed effects not included), data index.
    lm_residual : dict or None
        LM test of residual spatial autocorrelation after the lag model (spatialreg's
        ``LMtest``), for cross-sections fitted with the "eigen" log-determinant.
    first_stage : DataFrame or None
        S-2SLS only (None for ML): the first stage of ``W y`` on the instruments
        ``[X, WX, W^2X]``, one row per endogenous regressor (``"rho"``), with columns ``r2``
        (R^2 on all instruments), ``partial_r2`` (share of what X leaves that the excluded
        instruments explain), ``F``, ``df_num``, ``df_den``, ``pvalue`` (classical F test of
        the excluded instruments, as ``anova(lm(Wy ~ x), lm(Wy ~ x + Wx + WWx))``; with
        fixed effects, on the within-transformed data with the absorbed effects off ``df_den``).
    """

    model_name = "Spatial lag"

    def __init__(self, *, model: SpatialLag, state: SpatialFitState, params: pd.Series, cov: pd.DataFrame,
                 sigma2: float,
                 sigma2_se: float | None, loglik: float | None, loglik_null: float | None,
                 logdet_method: str | None, interval, residuals: np.ndarray, fitted: np.ndarray,
                 vc_kind: str, n_evals: int, cov_type: str, cluster, n_clusters, ld, first_stage=None,
                 lm_residual: dict | None = None, df_terms=None, extra_info: dict | None = None,
                 converged: bool = True) -> None:
        lay = state.layout
        info: dict[str, Any] = {
            "Method": "ML" if model.method == "ml" else "S-2SLS (Kelejian-Prucha)",
            "Units": state.n_units,
        }
        if model.time is not None:
            info["Periods"] = state.n_periods
            info["Balanced"] = "yes" if state.balanced else "no"
            info["Effects"] = str(model.effects)
        if logdet_method is not None:
            info["Log-determinant"] = logdet_method
        info["Variance"] = vc_kind
        extra_info = dict(extra_info or {})
        #: standard error of SE(rho) from stochastic traces (None when the traces are exact)
        self.rho_se_error = extra_info.pop("rho_se_error", None)
        if "Traces" in extra_info:
            info["Traces"] = extra_info.pop("Traces")
        #: the approximate log-determinant's error at rho-hat ("mc" / "chebyshev"), else None
        self.logdet_error = None
        if ld is not None:
            info["rho interval"] = ld.interval_rule
            err = ld.approximation_error(float(params["rho"]))
            if err is not None:
                self.logdet_error = err
                if "se" in err:
                    # the draws' error in d logdet / d rho moves rho-hat by (that error) x Var(rho)
                    # (the profile likelihood's curvature in rho is 1 / Var(rho))
                    err["rho_se"] = float(err["se_derivative"] * cov.loc["rho", "rho"])
                    info["Log-determinant error"] = (
                        f"Monte Carlo ({err['draws']} draws, order {err['order']}): SE {err['se']:.3g}, "
                        f"truncation <= {err['truncation_bound']:.3g}; rho +/- {err['rho_se']:.2g} from the draws")
                else:
                    info["Log-determinant error"] = (f"Chebyshev order {err['order']}: truncation <= "
                                                     f"{err['truncation_bound']:.3g}")
        info["sigma^2"] = sigma2
        super().__init__(params=params, cov=cov, nobs=len(state.y), loglik=loglik, cov_type=cov_type,
                         cluster=cluster, n_clusters=n_clusters, info=info, formula=model.formula,
                         df_terms=df_terms)
        self.model = model  # the specification, for with_*() and refits
        #: the typed fit state (:class:`SpatialFitState`) everything here is built from
        self.state = state
        self.model_name = "Spatial lag (ML)" if model.method == "ml" else "Spatial lag (S-2SLS)"
        self.sigma2 = float(sigma2)
        self.sigma2_se = sigma2_se
        self.rho = float(params["rho"])
        self.logdet_method = logdet_method
        self.interval = interval
        self.loglik_null = loglik_null
        self.n_evals = n_evals
        self.n_dropped = state.n_dropped
        self.n_isolates = lay.n_isolates
        self.first_stage = first_stage
        self._ld = ld
        #: LM test for residual spatial autocorrelation after the lag model (spatialreg's
        #: ``LMtest``; cross-sections with the "eigen" log-determinant only, else None)
        self.lm_residual = lm_residual
        self._residuals = pd.Series(residuals, index=state.index, name="residual")
        self._fitted_values = pd.Series(fitted, index=state.index, name="fitted")
        self.converged = bool(converged)

    @property
    def fitted_values(self) -> pd.Series:
        """``rho W y + X beta`` of the rows used (fixed effects not included), data index."""
        return self._fitted_values.copy()

    @property
    def n_iter(self) -> int:
        """Log-likelihood evaluations of the ML line search in rho (0 for S-2SLS)."""
        return self.n_evals

    def residuals(self, kind: str = "response") -> pd.Series:
        """``Q(y - rho W y - X beta)`` (within-transformed with fixed effects), data index;
        ``kind="pearson"`` divides by ``sigma``."""
        from ..core.options import check_option
        check_option("kind", kind, ("response", "pearson"))
        r = self._residuals.copy()
        return r if kind == "response" else (r / np.sqrt(self.sigma2)).rename("pearson")

    # -- tests ----------------------------------------------------------------------
    def lr_test(self) -> dict[str, float]:
        """Likelihood-ratio test of rho = 0 (spatialreg's ``LR1``)."""
        if self._loglik is None:
            raise SpecificationError("the LR test needs an ML fit (method='ml')")
        assert self.loglik_null is not None  # set with loglik by the ML fit
        stat = 2 * (self._loglik - self.loglik_null)
        return {"statistic": float(stat), "df": 1, "pvalue": float(stats.chi2.sf(stat, 1)),
                "loglik": self._loglik, "loglik_null": float(self.loglik_null)}

    def wald_rho(self) -> dict[str, float]:
        """Wald test of rho = 0 (spatialreg's ``Wald1``)."""
        return self.wald_test(["rho"])

    # -- impacts --------------------------------------------------------------------
    def impacts(self, n_sim: int = 1000, seed: int | None = 0, *, method: str = "auto",
                order: int = 30, se: str = "simulation") -> pd.DataFrame:
        """LeSage & Pace direct, indirect and total impacts, with simulated standard errors.

        Point impacts average over all observations: with ``S = (I - rho W)^-1`` per
        period, direct ``= beta_k tr(S)/n`` and total ``= beta_k 1'S1/n`` (Durbin terms
        add ``theta_k tr(SW)/n`` and ``theta_k 1'SW1/n``). ``method="exact"`` uses all
        eigenvalues (spatialreg's ``impacts(..., listw=)``), ``"trace"`` the power series
        ``sum_k rho^k tr(W^k)`` with exact traces of up to ``order`` powers computed by
        sparse products (spatialreg's ``trW``-based impacts). Standard errors: ``n_sim``
        draws of (rho, beta) from their asymptotic normal distribution (seeded); ``0``
        skips them. ``se="delta"``: delta-method standard errors instead (analytical
        gradient, no draws; :func:`diffusion_stats.postestimation.effects.spatial_impacts`).

        Returns
        -------
        DataFrame indexed by regressor with columns direct, indirect, total and, when
        simulated, their standard errors (``se_*``) and z-values.

        Examples
        --------
        >>> import pandas as pd, diffusion_stats as ds
        >>> W = ds.Weights.from_edges(pd.DataFrame({"source": list("abcdef"), "target": list("bcdefa")}))
        >>> d = pd.DataFrame({"unit": list("abcdef"), "y": [1.0, 2.0, 2.5, 4.0, 3.0, 1.5],
        ...                   "x": [0.1, 0.5, 0.2, 0.9, 0.7, 0.3]})
        >>> res = ds.SpatialLag("y ~ x", d, W, unit="unit").fit()
        >>> imp = res.impacts(n_sim=100, seed=1)
        >>> bool(abs(imp.loc["x", "total"] - res.params["x"] / (1 - res.rho)) < 1e-10)
        True
        """
        if se not in ("simulation", "delta"):
            raise InputError(f"se={se!r}; use 'simulation' (draws of the parameters) or 'delta'")
        st = self.state
        lay = st.layout
        if method == "auto":
            method = "exact" if max(B.shape[0] for B in lay.blocks) <= 1000 else "trace"
        if method not in ("exact", "trace"):
            raise InputError(f"method={method!r}; use 'exact', 'trace' or 'auto'")
        if se == "delta":
            from ..postestimation.effects import spatial_impacts
            return spatial_impacts(self, method=method, order=order)
        blocks, counts = num._unique_blocks(lay.blocks)
        n = float(sum(B.shape[0] * c for B, c in zip(blocks, counts, strict=False)))
        if method == "exact":
            eigs = [num._eigenvalues(B) for B in blocks]
        else:
            eigs = None
            trpow = [num._trace_products(B, order) for B in blocks]
        # 1'W^k 1 for totals and 1'W^k W 1 (Durbin)
        onepow = []
        for B in blocks:
            v = np.ones(B.shape[0])
            s = np.empty(order + 2)
            for k in range(order + 2):
                s[k] = v.sum()
                v = B.T @ v
            onepow.append(s)
        names = self._params.index[1:]
        base = [nm for nm in names if nm != "Intercept" and nm not in st.lagged]

        def point(rho: float, p: pd.Series) -> np.ndarray:
            trS = trSW = tot = totW = 0.0
            pw = rho ** np.arange(order + 2)
            for b, cnt in enumerate(counts):
                if eigs is not None:
                    ev = eigs[b]
                    trS += cnt * float(np.sum(1.0 / (1.0 - rho * ev)).real)
                    trSW += cnt * float(np.sum(ev / (1.0 - rho * ev)).real)
                else:
                    trS += cnt * float(pw[: order + 1] @ trpow[b])
                    trSW += cnt * float(pw[: order] @ trpow[b][1:])
                if eigs is not None:  # exact: S 1 and S W 1 by a sparse solve
                    B = blocks[b]
                    rhs = np.column_stack([np.ones(B.shape[0]), B @ np.ones(B.shape[0])])
                    sol = spla.splu((sp.identity(B.shape[0], format="csc") - rho * B).tocsc()).solve(rhs)
                    tot += cnt * float(sol[:, 0].sum())
                    totW += cnt * float(sol[:, 1].sum())
                else:
                    tot += cnt * float(pw[: order + 1] @ onepow[b][: order + 1])
                    totW += cnt * float(pw[: order + 1] @ onepow[b][1: order + 2])
            out = np.empty((len(base), 3))
            for i, nm in enumerate(base):
                bk = p[nm]
                th = p.get(f"W_{nm}", 0.0) if f"W_{nm}" in st.lagged else 0.0
                d = (bk * trS + th * trSW) / n
                t = (bk * tot + th * totW) / n
                out[i] = (d, t - d, t)
            return out

        pt = point(self.rho, self._params)
        df = pd.DataFrame(pt, index=base, columns=["direct", "indirect", "total"])
        if n_sim and n_sim > 0:
            rng = np.random.default_rng(seed)
            draws = rng.multivariate_normal(self._params.to_numpy(), self._cov.to_numpy(), size=int(n_sim),
                                            method="eigh")
            lo, hi = self.interval if self.interval is not None else (-1.0, 1.0)
            sims = np.array([point(d[0], pd.Series(d, index=self._params.index)) for d in draws
                             if lo < d[0] < hi])
            sds = sims.std(axis=0, ddof=1)
            for j, c in enumerate(["direct", "indirect", "total"]):
                df[f"se_{c}"] = sds[:, j]
            for c in ["direct", "indirect", "total"]:
                df[f"z_{c}"] = df[c] / df[f"se_{c}"]
            df.attrs["n_sim"] = len(sims)
        return df

    # -- presentation ---------------------------------------------------------------
    def summary(self) -> Summary:
        s = super().summary()
        if self._loglik is not None:
            lr = self.lr_test()
            s.notes.append(f"LR test rho = 0: {format_number(lr['statistic'])} (p = {format_number(lr['pvalue'])}); "
                           f"interval for rho: ({self.interval[0]:.4g}, {self.interval[1]:.4g})")
        if self.n_isolates:
            s.notes.append(f"{self.n_isolates} unit-period(s) without neighbours (zero rows of W)")
        s.notes.append("beta are not marginal effects: see .impacts() for direct / indirect / total effects")
        return s
