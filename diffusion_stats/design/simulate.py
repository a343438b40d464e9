"""Seeded simulation of policy diffusion through named channels.

:func:`simulate_diffusion` generates adoptions on the user's own units, policy windows,
weight matrices and covariates under stated true effects. It is the generator behind
:func:`diffusion_stats.identification_check` and the coverage study in
``benchmarks/validate_identification.py``.

Two data-generating processes are offered:

``model="cox"`` (grouped proportional hazards)
    Within year ``t`` a unit at risk has the continuous-time hazard
    ``h0(s) * exp(X_it beta + sum_c gamma_c e_c,it)`` with ``s = t - first_year`` and all
    covariates and exposures constant within the year, so
    ``P(adopt in t | at risk) = 1 - exp(-h0(s) exp(eta_it))``. This is the model a
    ``CoxHazard`` (Efron ties) or ``EventLogit(link="cloglog")`` fit estimates.
``model="logit"`` (discrete-time logit)
    ``P(adopt in t | at risk) = expit(logit(h0(s)) + X_it beta + sum_c gamma_c e_c,it)``,
    the model an ``EventLogit`` with duration dummies estimates.

Exposures follow the definition of :func:`diffusion_stats.design.exposure` exactly (unit j counts
as an adopter for row (p, i, t) when it adopted p in a year <= t - lag; "share" divides by
the number of i's neighbours, isolates get 0). They are computed year by year inside the
generator, because each year's adoptions feed the next year's exposures; tests check
that they equal ``ds.exposure`` on the panel built from the simulated adoptions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.accounting import Accounting
from ..core.errors import DataValidationError, InputError, require_columns
from .frame import DesignFrame, Reports, design_frame

__all__ = ["simulate_diffusion"]

_MODELS = ("cox", "logit")
_KINDS = ("share", "count", "weighted")


def _weights_at(W: Any, labels: Sequence[str], year: int, how: str = "previous") -> sp.csr_matrix:
    """W (or W_year for a time-varying W) aligned to ``labels``, as csr.

    A time-varying W without a matrix for ``year`` is handled as
    :func:`diffusion_stats.design.exposure` does with ``missing_years=how``.
    """
    if getattr(W, "is_time_varying", False):
        y = W.year_for(year, how, needed_by="the simulation")
        if y is None:
            return sp.csr_matrix((len(labels), len(labels)))
        return sp.csr_matrix(W.aligned(list(labels), year=y, missing="zero"), dtype=float)
    return sp.csr_matrix(W.aligned(list(labels), missing="zero"), dtype=float)


def _channel_matrix(spec: Mapping[str, Any], labels: Sequence[str], year: int
                    ) -> tuple[sp.csr_matrix, np.ndarray | None]:
    """The channel's exposure matrix at ``year`` (diagonal removed; 0/1 for "share"/"count")
    and, for "share", each row's number of neighbours (as :func:`diffusion_stats.design.exposure`)."""
    M = _weights_at(spec["weights"], labels, year, spec["missing_years"]).tolil()
    M.setdiag(0)
    M = M.tocsr()
    M.eliminate_zeros()
    if spec["kind"] == "weighted":
        return M, None
    B = M.copy()
    B.data = (B.data > 0).astype(float)
    B.eliminate_zeros()
    deg = np.asarray(B.sum(axis=1)).ravel() if spec["kind"] == "share" else None
    return B, deg


def _channel_specs(channels: Any, effects: Mapping[str, float]) -> list[dict[str, Any]]:
    """Normalise channels (Channel objects or a {name: Weights} mapping) to dicts."""
    if channels is None:
        channels = []
    if isinstance(channels, Mapping):
        items = [{"name": str(k), "weights": v, "kind": "share", "lag": 1, "missing_years": "previous"}
                 for k, v in channels.items()]
    else:
        items = []
        for ch in channels:
            if not hasattr(ch, "weights") or not hasattr(ch, "name"):
                raise InputError(f"channels must be ds.Channel objects or a {{name: Weights}} mapping; got {ch!r}")
            if getattr(ch, "weight_by", None) is not None:
                raise InputError(f"channel '{ch.name}' has weight_by=...: simulate_diffusion supports plain "
                                 "channels only (its source weights depend on simulated outcomes)")
            items.append({"name": ch.name, "weights": ch.weights, "kind": ch.kind, "lag": int(ch.lag),
                          "missing_years": getattr(ch, "missing_years", "previous")})
    names = [c["name"] for c in items]
    if len(set(names)) != len(names):
        raise InputError(f"channel names must be unique, got {names}")
    unknown = [k for k in effects if k not in names]
    if unknown:
        raise InputError(f"effects name channels {unknown} that are not among the channels {names}")
    for c in items:
        if c["kind"] not in _KINDS:
            raise InputError(f"channel '{c['name']}': kind={c['kind']!r}; use one of {_KINDS}")
        if c["lag"] < 1:
            raise InputError(f"channel '{c['name']}': lag={c['lag']} must be >= 1 in a simulation "
                             "(this year's adoptions cannot drive this year's hazard)")
        c["gamma"] = float(effects.get(c["name"], 0.0))
    return items


def _units_frame(units: Any) -> pd.DataFrame:
    if isinstance(units, pd.DataFrame):
        require_columns(units, ["unit"], argument="units")
        u = units.copy()
        for col in ("first_year", "last_year"):
            if col not in u.columns:
                u[col] = np.nan
        u = u[["unit", "first_year", "last_year"]]
    else:
        labels = [str(x) for x in units]
        u = pd.DataFrame({"unit": labels, "first_year": np.nan, "last_year": np.nan})
    u["unit"] = u["unit"].astype(str)
    if u["unit"].duplicated().any():
        dup = u.loc[u["unit"].duplicated(), "unit"].tolist()[:5]
        raise DataValidationError(f"units has duplicated labels {dup}; give each unit once")
    if len(u) < 2:
        raise InputError(f"simulate_diffusion needs at least two units, got {len(u)}")
    return u.reset_index(drop=True)


def _windows_frame(windows: pd.DataFrame | None, n_policies: int, start: int | None,
                   end: int | None) -> pd.DataFrame:
    if windows is not None:
        require_columns(windows, ["policy", "first_year", "last_year"], argument="windows")
        w = windows[["policy", "first_year", "last_year"]].copy()
        w["policy"] = w["policy"].astype(str)
        if w["policy"].duplicated().any():
            raise DataValidationError(f"windows lists policies more than once: "
                                      f"{w.loc[w['policy'].duplicated(), 'policy'].tolist()[:5]}")
        if w[["first_year", "last_year"]].isna().any().any():
            raise DataValidationError("windows has missing first_year/last_year; every policy needs both")
        w["first_year"] = w["first_year"].astype(np.int64)
        w["last_year"] = w["last_year"].astype(np.int64)
        bad = w["last_year"] < w["first_year"]
        if bad.any():
            raise DataValidationError(
                f"windows: last_year < first_year for policies {w.loc[bad, 'policy'].tolist()[:5]}")
        return w.reset_index(drop=True)
    if start is None or end is None:
        raise InputError("give windows= (policy, first_year, last_year) or start= and end= (with n_policies=)")
    if int(end) < int(start):
        raise InputError(f"end={end} is before start={start}")
    if int(n_policies) < 1:
        raise InputError(f"n_policies={n_policies} must be >= 1")
    width = len(str(int(n_policies)))
    return pd.DataFrame({"policy": [f"p{k + 1:0{width}d}" for k in range(int(n_policies))],
                         "first_year": np.int64(start), "last_year": np.int64(end)})


def _baseline_fn(baseline: Any) -> Callable[[np.ndarray], np.ndarray]:
    if callable(baseline):
        def f(s):
            return np.asarray(baseline(s), dtype=float) * np.ones_like(s, dtype=float)
        return f
    arr = np.atleast_1d(np.asarray(baseline, dtype=float))
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise InputError(f"baseline must be positive and finite, got {baseline!r}")
    if arr.size == 1:
        return lambda s: np.full(np.shape(s), arr[0])
    return lambda s: arr[np.clip(np.asarray(s, dtype=np.int64), 0, arr.size - 1)]


def _covariate_matrix(covariates: pd.DataFrame | None, beta: Mapping[str, float], labels: list[str],
                      years: np.ndarray) -> np.ndarray | None:
    """(n_years, n_units) array of X beta, NaN where a unit-year has no covariates."""
    if not beta:
        return None
    if covariates is None:
        raise InputError(f"beta={dict(beta)} names covariates but covariates= was not given "
                         "(a DataFrame with unit, year and those columns)")
    require_columns(covariates, ["unit", "year", *beta], argument="covariates")
    cov = covariates[["unit", "year", *beta]].copy()
    cov["unit"] = cov["unit"].astype(str)
    if cov.duplicated(["unit", "year"]).any():
        raise DataValidationError("covariates has more than one row for some (unit, year); give one row each")
    xb = np.zeros(len(cov))
    for k, b in beta.items():
        xb = xb + float(b) * pd.to_numeric(cov[k], errors="coerce").to_numpy(dtype=float)
    out = np.full((len(years), len(labels)), np.nan)
    ui = pd.Index(labels).get_indexer(cov["unit"])
    yi = pd.Index(years).get_indexer(cov["year"].astype(np.int64))
    ok = (ui >= 0) & (yi >= 0)
    out[yi[ok], ui[ok]] = xb[ok]
    return out


def simulate_diffusion(units: Any, channels: Any = None, *, effects: Mapping[str, float] | None = None,
                       windows: pd.DataFrame | None = None, n_policies: int = 1, start: int | None = None,
                       end: int | None = None, covariates: pd.DataFrame | None = None,
                       beta: Mapping[str, float] | None = None, baseline: Any = 0.05, model: str = "cox",
                       common_shock_sd: float = 0.0, seed: int | np.random.Generator | None = None,
                       return_exposures: bool = False) -> DesignFrame:
    """Simulate first adoptions under known channel effects.

    For each policy ``p`` and year ``t`` of its window, each unit at risk (existing, not
    yet adopted) adopts with probability

    * ``model="cox"``: ``1 - exp(-h0(s) * exp(eta))`` (grouped continuous-time PH),
    * ``model="logit"``: ``expit(logit(h0(s)) + eta)`` (discrete-time logit),

    with ``s = t - first_year_p`` (the panel's ``start``) and
    ``eta = X_it beta + sum_c gamma_c exposure_c,pit + u_pt``, where ``exposure_c`` uses the
    channel's weights at ``t - lag`` and adoptions up to ``t - lag`` (as
    :func:`diffusion_stats.design.exposure`) and ``u_pt ~ N(0, common_shock_sd^2)`` is an optional
    common shock shared by all units in policy-year (p, t) (Galton's problem).

    Parameters
    ----------
    units : sequence of str or DataFrame
        Unit labels, or a DataFrame with ``unit`` and optional ``first_year``/``last_year``
        existence spans (NaN = open).
    channels : list of Channel or dict of {name: Weights}, optional
        The diffusion channels (a dict means kind="share", lag=1).
    effects : dict of {channel name: gamma}
        True channel effects (log hazard ratio or log odds ratio per unit of exposure).
        Channels not named have effect 0 (they exist but do not drive adoption).
    windows : DataFrame, optional
        ``policy``, ``first_year``, ``last_year`` (inclusive) for each policy. Otherwise
        ``n_policies`` policies all running from ``start`` to ``end``.
    covariates : DataFrame, optional
        ``unit``, ``year`` and the columns named in ``beta``; required for every unit-year
        at risk when ``beta`` is given.
    beta : dict of {column: coefficient}, optional
    baseline : float, array or callable
        ``h0(s)``: a constant, an array indexed by ``s`` (last value carried on), or a
        function of ``s``. With ``model="cox"`` it is the yearly baseline hazard; with
        ``model="logit"`` the baseline adoption probability.
    model : {"cox", "logit"}
    common_shock_sd : float
        Standard deviation of the policy-year shock ``u_pt`` (0: none).
    seed : int or numpy Generator
        Seed; the same seed gives the same adoptions.
    return_exposures : bool
        Also keep the exposures the generator used for every unit-year at risk in
        ``df.reports.exposures`` (policy, unit, year, one column per channel).

    Returns
    -------
    DataFrame
        Adoptions (``unit``, ``policy``, ``year``; one row per first adoption, sorted by
        policy, year, unit). ``df.reports.windows`` holds the windows used,
        ``df.reports.truth`` the true parameters and ``df.accounting`` the counts.

    Examples
    --------
    >>> import numpy as np, diffusion_stats as ds
    >>> labels = [f"u{i}" for i in range(30)]
    >>> ring = np.roll(np.eye(30), 1, axis=1) + np.roll(np.eye(30), -1, axis=1)
    >>> W = ds.Weights.from_matrix(ring, labels, name="ring")
    >>> adopt = ds.simulate_diffusion(labels, {"ring": W}, effects={"ring": 1.0}, start=1990,
    ...                               end=2005, n_policies=3, baseline=0.05, seed=1)
    >>> list(adopt.columns)
    ['unit', 'policy', 'year']
    """
    if model not in _MODELS:
        raise InputError(f"model={model!r}; use 'cox' (grouped proportional hazards) or 'logit'")
    effects = dict(effects or {})
    beta = dict(beta or {})
    if common_shock_sd < 0 or not np.isfinite(common_shock_sd):
        raise InputError(f"common_shock_sd={common_shock_sd!r} must be a finite number >= 0")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    u = _units_frame(units)
    labels = u["unit"].tolist()
    n = len(labels)
    specs = _channel_specs(channels, effects)
    w = _windows_frame(windows, n_policies, start, end)
    h0 = _baseline_fn(baseline)
    P = len(w)
    first = w["first_year"].to_numpy()
    last = w["last_year"].to_numpy()
    years = np.arange(first.min(), last.max() + 1)
    xb = _covariate_matrix(covariates, beta, labels, years)
    ufirst = u["first_year"].to_numpy(dtype=float)
    ulast = u["last_year"].to_numpy(dtype=float)

    # per channel: (binary-without-diagonal or weighted) matrix cache by weights year
    def channel_matrix(spec: dict[str, Any], year: int) -> tuple[sp.csr_matrix, np.ndarray | None]:
        return _channel_matrix(spec, labels, year)

    cache: dict[tuple[int, int | None], tuple[sp.csr_matrix, np.ndarray | None]] = {}
    exp_frames: list[pd.DataFrame] = []
    adopt_year = np.full((n, P), np.iinfo(np.int64).max, dtype=np.int64)
    for yi, t in enumerate(years):
        active = (first <= t) & (t <= last)
        if not active.any():
            continue
        exists = ~((ufirst > t) | (ulast < t))  # NaN compares False: open spans exist
        at_risk = (adopt_year == np.iinfo(np.int64).max) & active[None, :] & exists[:, None]
        if not at_risk.any():
            continue
        eta = np.zeros((n, P))
        exp_cols = {}
        for k, spec in enumerate(specs):
            if spec["gamma"] == 0.0 and not return_exposures:
                continue
            wy = int(t - spec["lag"])
            key = (k, wy if getattr(spec["weights"], "is_time_varying", False) else None)
            if key not in cache:
                cache[key] = channel_matrix(spec, wy)
            M, deg = cache[key]
            A = (adopt_year <= wy).astype(float)
            e = np.asarray(M @ A)
            if deg is not None:
                with np.errstate(invalid="ignore", divide="ignore"):
                    e = np.where(deg[:, None] > 0, e / np.where(deg > 0, deg, 1.0)[:, None], 0.0)
            eta += spec["gamma"] * e
            if return_exposures:
                exp_cols[spec["name"]] = e[at_risk]
        if return_exposures:
            ri, rp = np.nonzero(at_risk)
            frame = pd.DataFrame({"policy": w["policy"].to_numpy(dtype=object)[rp],
                                  "unit": np.asarray(labels, dtype=object)[ri], "year": np.int64(t)})
            for nm, v in exp_cols.items():
                frame[nm] = v
            exp_frames.append(frame)
        if xb is not None:
            x = xb[yi]
            miss = at_risk & np.isnan(x)[:, None]
            if miss.any():
                bad = [labels[i] for i in np.flatnonzero(miss.any(axis=1))[:5]]
                raise DataValidationError(f"covariates are missing for {int(miss.any(axis=1).sum())} unit(s) at "
                                          f"risk in {int(t)} (e.g. {bad}); give every unit-year at risk a value")
            eta += np.nan_to_num(x)[:, None]
        if common_shock_sd > 0:
            eta += rng.normal(0.0, common_shock_sd, size=P)[None, :]
        base = h0((t - first).astype(np.int64))[None, :]
        if model == "cox":
            prob = -np.expm1(-base * np.exp(eta))
        else:
            lb = np.log(base) - np.log1p(-np.clip(base, None, 1 - 1e-12))
            prob = 1.0 / (1.0 + np.exp(-(lb + eta)))
        draw = rng.random((n, P)) < prob
        adopt_year[at_risk & draw] = t

    ui, pi = np.nonzero(adopt_year != np.iinfo(np.int64).max)
    out = pd.DataFrame({"unit": np.asarray(labels, dtype=object)[ui],
                        "policy": w["policy"].to_numpy(dtype=object)[pi],
                        "year": adopt_year[ui, pi].astype(np.int64)})
    out = out.sort_values(["policy", "year", "unit"], kind="mergesort").reset_index(drop=True)
    exposures = None
    if return_exposures:
        ex = pd.concat(exp_frames, ignore_index=True) if exp_frames else pd.DataFrame(
            columns=["policy", "unit", "year", *[sp_["name"] for sp_ in specs]])
        exposures = ex.sort_values(["policy", "unit", "year"], kind="mergesort").reset_index(drop=True)
    truth = {"effects": {s["name"]: s["gamma"] for s in specs}, "beta": beta, "model": model,
             "common_shock_sd": float(common_shock_sd),
             "seed": seed if not isinstance(seed, np.random.Generator) else None}
    acc = Accounting("simulate_diffusion", n_rows=len(out),
                     counts={"adoptions": len(out), "units": len(labels), "policies": len(w)})
    return design_frame(out, acc, Reports(windows=w, exposures=exposures, truth=truth))


# public inside the package (used by postestimation)
channel_matrix = _channel_matrix
channel_specs = _channel_specs
