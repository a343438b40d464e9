"""Simulate-and-refit machinery shared by identification_check and the coverage study.

A :class:`SimDesign` holds the user's own design (units, policy windows, channels,
covariates, baseline) and turns true effects plus a seed into a simulated panel with
the channel exposures built exactly as for the real data (ds.event_history +
ds.add_channels), ready to refit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from ..core.errors import DiffusionStatsError, InputError, require_columns
from ._protocol import is_model, rebuild
from .channels import Channel, add_channels

__all__ = ["SimDesign", "make_estimator", "run_one"]


def _windows_from_panel(panel: pd.DataFrame) -> pd.DataFrame:
    require_columns(panel, ["policy", "year", "start"], argument="panel")
    w0 = (panel["year"].astype(np.int64) - panel["start"].astype(np.int64)).groupby(panel["policy"]).min()
    w1 = panel["year"].astype(np.int64).groupby(panel["policy"]).max()
    return pd.DataFrame({"policy": w0.index.astype(str), "first_year": w0.to_numpy(), "last_year": w1.to_numpy()})


@dataclass
class SimDesign:
    """The user's design, for simulation.

    Parameters
    ----------
    panel : DataFrame
        The real event-history panel (policy, unit, year, start, stop, event, covariates).
    channels : list of Channel
    covariates : list of str
        Panel columns entering the linear predictor (unit-year covariates).
    units : DataFrame or list, optional
        Units (with existence spans); default: every unit of the panel, always existing.
    windows : DataFrame, optional
        Policy windows; default: from the panel (first year at risk .. last year observed).
    baseline : "calibrate", float, array or callable
        ``h0(s)``; "calibrate" matches the panel's observed event rate by ``start``.
    model : {"cox", "logit"}
        Data-generating process (see :func:`diffusion_stats.simulate_diffusion`).
    """

    panel: pd.DataFrame
    channels: list
    covariates: list
    units: Any = None
    windows: pd.DataFrame | None = None
    baseline: Any = "calibrate"
    model: str = "cox"

    def __post_init__(self) -> None:
        require_columns(self.panel, ["policy", "unit", "year", "start", "event", *self.covariates],
                        argument="panel")
        for c in self.channels:
            if not isinstance(c, Channel):
                raise InputError(f"channels must be ds.Channel objects, got {c!r}")
            if c.weight_by is not None:
                raise InputError(f"channel '{c.name}' uses weight_by=: it cannot be simulated (its source weights "
                                 "depend on outcomes that the simulation does not generate)")
        if self.units is None:
            self.units = sorted(pd.unique(self.panel["unit"].astype(str)))
        if self.windows is None:
            self.windows = _windows_from_panel(self.panel)
        # every other panel column rides along as a unit-year covariate (first value per unit-year),
        # so an estimator whose formula uses more columns than those with effects can be refitted
        structural = {"policy", "unit", "year", "start", "stop", "event", *(c.name for c in self.channels)}
        extra = [c for c in self.panel.columns if c not in structural and not any(
            c == f"{ch.name}_{s}" for ch in self.channels for s in ("tie", "w", "lead"))]
        keep = list(dict.fromkeys([*self.covariates, *extra]))
        self._cov = self._complete(self.panel[["unit", "year", *keep]].drop_duplicates(["unit", "year"])) \
            if keep else None

    def _complete(self, cov: pd.DataFrame) -> pd.DataFrame:
        """Every unit x window year: a simulated unit can be at risk in years it was not at risk in
        the real panel; its covariates are carried from its nearest observed year (forward, then
        backward)."""
        units = [str(u) for u in (self.units["unit"] if isinstance(self.units, pd.DataFrame) else self.units)]
        assert self.windows is not None  # set by __post_init__
        years = np.arange(int(self.windows["first_year"].min()), int(self.windows["last_year"].max()) + 1)
        grid = pd.MultiIndex.from_product([units, years], names=["unit", "year"]).to_frame(index=False)
        cov = cov.assign(unit=cov["unit"].astype(str), year=cov["year"].astype(np.int64))
        out = grid.merge(cov, on=["unit", "year"], how="left").sort_values(["unit", "year"])
        cols = [c for c in out.columns if c not in ("unit", "year")]
        out[cols] = out.groupby("unit")[cols].ffill()
        out[cols] = out.groupby("unit")[cols].bfill()
        return out.reset_index(drop=True)

    def baseline_for(self, effects: Mapping[str, float]) -> Any:
        """The baseline h0(s); "calibrate" divides the observed rate by the mean of exp(eta)."""
        if not (isinstance(self.baseline, str) and self.baseline == "calibrate"):
            return self.baseline
        p = self.panel
        s = p["start"].to_numpy(dtype=np.int64)
        smax = int(s.max())
        n_s = np.bincount(s, minlength=smax + 1).astype(float)
        e_s = np.bincount(s, weights=p["event"].to_numpy(dtype=float), minlength=smax + 1)
        k = 5
        kern = np.ones(k)
        rate = (np.convolve(e_s, kern, "same") + 0.5) / (np.convolve(n_s, kern, "same") + 1.0)
        eta = np.zeros(len(p))
        for name, b in effects.items():
            if name in p.columns:
                eta += float(b) * p[name].to_numpy(dtype=float)
        with np.errstate(over="ignore"):
            m = np.bincount(s, weights=np.exp(eta), minlength=smax + 1) / np.maximum(n_s, 1)
        m = np.where(n_s > 0, m, 1.0)
        rate = np.clip(rate, 1e-5, 0.6)
        if self.model == "cox":
            h = -np.log1p(-rate) / np.convolve(m, kern / k, "same").clip(1e-3)
        else:
            h = rate / np.convolve(m, kern / k, "same").clip(1e-3)
        return np.clip(h, 1e-6, 0.9)

    def simulate(self, effects: Mapping[str, float], seed: Any, common_shock_sd: float = 0.0) -> pd.DataFrame:
        from ..design.simulate import simulate_diffusion

        names = {c.name for c in self.channels}
        gam = {k: v for k, v in effects.items() if k in names}
        beta = {k: v for k, v in effects.items() if k not in names}
        return simulate_diffusion(self.units, self.channels, effects=gam, windows=self.windows,
                                  covariates=self._cov, beta=beta, baseline=self.baseline_for(effects),
                                  model=self.model, common_shock_sd=common_shock_sd, seed=seed)

    def build(self, adoptions: pd.DataFrame) -> pd.DataFrame:
        from ..design.panel import event_history

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            panel = event_history(adoptions, windows=self.windows, units=self.units, covariates=self._cov)
            return add_channels(panel, adoptions, self.channels)


def make_estimator(estimator: Any, formula: str, fit_kwargs: Mapping[str, Any] | None) -> Callable:
    """A function data -> Results from "cox", "logit", "cloglog", a model or a callable."""
    fk = dict(fit_kwargs or {})
    if isinstance(estimator, str):
        if estimator == "cox":
            from ..survival.cox import CoxHazard

            return lambda d: CoxHazard(formula, d, strata="policy").fit(**fk)
        if estimator in ("logit", "cloglog"):
            from ..binary.event_logit import EventLogit

            link = cast(Literal["logit", "cloglog"], estimator)
            return lambda d: EventLogit(formula, d, link=link, duration="spline").fit(**fk)
        raise InputError(f"estimator={estimator!r}; use 'cox', 'logit', 'cloglog', an unfitted model, or a "
                         "function data -> results")
    if is_model(estimator):
        return lambda d: rebuild(estimator, data=d).fit(**fk)
    if callable(estimator):
        def run(d):
            out = estimator(d)
            return out.fit(**fk) if is_model(out) else out
        return run
    raise InputError(f"estimator must be 'cox', 'logit', a model or a callable, got {type(estimator).__name__}")


def run_one(design: SimDesign, fit: Callable, effects: Mapping[str, float], terms: list[str], seed: Any,
            common_shock_sd: float = 0.0) -> dict[str, Any]:
    """Simulate once, rebuild, refit; return estimates, SEs, p-values (NaN on failure)."""
    out: dict[str, Any] = {"ok": False, "error": "", "events": 0}
    try:
        ad = design.simulate(effects, seed, common_shock_sd)
        panel = design.build(ad)
        out["events"] = int(panel["event"].sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = fit(panel)
        p = res.params
        missing = [t for t in terms if t not in p.index]
        if missing:
            raise InputError(f"terms {missing} not estimated")
        out["estimate"] = p[terms].to_numpy(dtype=float)
        out["std_error"] = res.std_errors[terms].to_numpy(dtype=float)
        out["pvalue"] = res.pvalues[terms].to_numpy(dtype=float)
        ci = res.conf_int()
        out["lower"] = ci.loc[terms].iloc[:, 0].to_numpy(dtype=float)
        out["upper"] = ci.loc[terms].iloc[:, 1].to_numpy(dtype=float)
        out["ok"] = bool(np.all(np.isfinite(out["estimate"])) and np.all(np.isfinite(out["std_error"])))
        if not out["ok"]:
            out["error"] = "non-finite estimate or standard error"
    except (DiffusionStatsError, np.linalg.LinAlgError, FloatingPointError) as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out
