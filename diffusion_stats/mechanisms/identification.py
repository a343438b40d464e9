"""Simulation-based identification check on the user's own design.

Can these units, years, weight matrices and covariates recover the channel effects at
all, and can they tell a process driven by one mechanism from one driven by another?
:func:`identification_check` simulates adoptions under stated true effects with
:func:`diffusion_stats.simulate_diffusion`, rebuilds the panel and the exposures exactly
as for the real data, refits, and reports bias, RMSE, interval coverage, power and a
confusion table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.options import renamed
from ..output.summary import Summary, format_number
from ._parallel import child_seeds, seeded_map
from ._simdesign import SimDesign, make_estimator, run_one
from .channels import _as_channels

__all__ = ["identification_check", "IdentificationResult"]


@dataclass(frozen=True, eq=False)
class IdentificationResult:
    """What the simulations say about identification.

    Attributes
    ----------
    table : DataFrame
        One row per term (channels and covariates with effects): true, estimate (mean),
        bias, rel_bias, rmse, sd (of estimates), mean_se, coverage (share of intervals
        covering the truth), power (share with p < alpha; the size when true = 0), lower
        and upper (2.5 and 97.5 percentiles of the estimates).
    confusion : DataFrame or None
        Rows: the mechanism that truly drives adoption ("none" = no diffusion); columns:
        the share of simulations in which each channel was found significantly positive.
    estimates : DataFrame
        Every simulation's estimates (scenario, sim, term, estimate, std_error, pvalue).
    n_sim, n_failed : int
    """

    table: pd.DataFrame
    confusion: pd.DataFrame | None
    estimates: pd.DataFrame
    n_sim: int
    n_failed: int
    alpha: float
    notes: list = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The recovery table, e.g. for ``ds.plots.identification``."""
        return self.table.copy()

    def summary(self) -> Summary:
        header = [("Simulations", format_number(self.n_sim)), ("Failed fits", format_number(self.n_failed)),
                  ("Interval level", f"{1 - self.alpha:.0%}")]
        tables = [("Recovery of the true effects", self.table)]
        if self.confusion is not None:
            tables.append(("Attribution: share of simulations with a significant positive effect", self.confusion))
        return Summary(title="Identification check", header=header, tables=tables, notes=list(self.notes))

    def __str__(self) -> str:
        return str(self.summary())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _task(ctx: dict, task: tuple) -> dict:
    scen, k, seed = task
    fit = ctx.get("_fit")
    if fit is None:
        fit = make_estimator(ctx["estimator"], ctx["formula"], ctx["fit_kwargs"])
        ctx["_fit"] = fit
    out = run_one(ctx["design"], fit, ctx["scenarios"][scen], ctx["terms"], np.random.default_rng(seed),
                  ctx["common_shock_sd"])
    out["scenario"], out["sim"] = scen, k
    return out


@renamed(progress_bar="progress")
def identification_check(panel: pd.DataFrame, adoptions: pd.DataFrame | None, channels: Any,
                         effects: Mapping[str, float], *, n_sim: int = 200, estimator: Any = "cox",
                         formula: str | None = None, fit_kwargs: dict | None = None, units: Any = None,
                         windows: pd.DataFrame | None = None, baseline: Any = "calibrate", dgp: str | None = None,
                         confusion: bool = True, confusion_effect: float = 1.0, common_shock_sd: float = 0.0,
                         alpha: float = 0.05, seed: int = 0, n_jobs: int | None = 1,
                         progress: bool | None = None) -> IdentificationResult:
    """Simulate the user's design under known effects, refit, and report recovery.

    Parameters
    ----------
    panel : DataFrame
        The real event-history panel (from ``ds.event_history``); it supplies the units,
        the policy windows, the covariates and (with ``baseline="calibrate"``) the
        observed adoption rate by time at risk.
    adoptions : DataFrame or None
        The real adoptions (not used to simulate; accepted for symmetry with the other
        tools and checked for the panel's policies).
    channels : list of Channel
        The channels, with the weights to simulate through (static or by year).
    effects : dict
        True effects: channel names (gamma) and covariate columns of ``panel`` (beta).
        Channels not named have effect 0.
    n_sim : int
        Simulations for the main scenario (and for each confusion scenario).
    estimator : "cox", "logit", "cloglog", model or callable
        "cox": ``CoxHazard(formula, strata="policy")``; "logit"/"cloglog":
        ``EventLogit(formula, link=..., duration="spline")``; an unfitted model: the same
        specification refitted on each simulated panel (its formula is used); a
        callable: ``data -> model or results``.
    formula : str, optional
        Default: ``"event ~ " + channels + covariates with effects``.
    fit_kwargs : dict, optional
        Passed to ``fit`` (e.g. ``{"cluster": "unit"}``).
    units, windows : optional
        Override the units (with existence spans) and policy windows read from the panel.
    baseline : "calibrate", float, array or callable
        Baseline hazard by time at risk (see :func:`diffusion_stats.simulate_diffusion`);
        "calibrate" reproduces the panel's event rate.
    dgp : {"cox", "logit"}, optional
        Data-generating process; default "logit" for logit estimators, else "cox".
    confusion : bool
        Also simulate each channel as the only driver (effect ``effects[c]``, or
        ``confusion_effect`` if that is 0) and a no-diffusion process, and tabulate
        which channels come out significant.
    common_shock_sd : float
        Policy-year common shocks in the simulated process (Galton's problem).
    alpha : float
    seed : int
        The same seed gives the same result for any ``n_jobs``.
    n_jobs : int
        Worker processes (-1: all cores); the estimator must then be picklable.
    progress : bool, optional

    Returns
    -------
    IdentificationResult

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> W = ds.Weights.us_borders()
    >>> ad = ds.simulate_diffusion(list(W.labels), {"border": W}, effects={"border": 1.0},
    ...                            start=1990, end=2010, n_policies=10, seed=1)
    >>> ch = [ds.Channel("border", W)]
    >>> panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows,
    ...                                          units=list(W.labels)), ad, ch)
    >>> chk = ds.identification_check(panel, ad, ch, {"border": 1.0}, n_sim=5,
    ...                               confusion=False, progress=False)
    >>> list(chk.table.index)
    ['border']
    """
    chans = _as_channels(channels)
    cnames = [c.name for c in chans]
    effects = {str(k): float(v) for k, v in dict(effects).items()}
    covs = [k for k in effects if k not in cnames]
    missing = [k for k in covs if k not in panel.columns]
    if missing:
        raise InputError(f"effects name {missing}, which are neither channels ({cnames}) nor panel columns")
    if int(n_sim) < 2:
        raise InputError(f"n_sim={n_sim} must be at least 2")
    if not 0 < alpha < 1:
        raise InputError(f"alpha={alpha} must be in (0, 1)")
    est_is_logit = isinstance(estimator, str) and estimator in ("logit", "cloglog")
    if dgp is None:
        dgp = "logit" if (est_is_logit and estimator == "logit") or getattr(estimator, "link", None) == "logit" \
            else "cox"
    design = SimDesign(panel=panel, channels=chans, covariates=covs, units=units, windows=windows,
                       baseline=baseline, model=dgp)
    terms = cnames + covs
    if formula is None:
        formula = "event ~ " + " + ".join(terms)
    scenarios: dict[str, dict[str, float]] = {"main": {**{c: 0.0 for c in cnames}, **effects}}
    if confusion:
        base_cov = {k: effects[k] for k in covs}
        scenarios["none"] = {**{c: 0.0 for c in cnames}, **base_cov}
        for c in cnames:
            g = effects.get(c, 0.0) or float(confusion_effect)
            scenarios[c] = {**{d: 0.0 for d in cnames}, c: g, **base_cov}
    tasks = []
    seeds = child_seeds(seed, len(scenarios) * int(n_sim))
    i = 0
    for scen in scenarios:
        for k in range(int(n_sim)):
            tasks.append((scen, k, seeds[i]))
            i += 1
    ctx = {"design": design, "estimator": estimator, "formula": formula, "fit_kwargs": dict(fit_kwargs or {}),
           "scenarios": scenarios, "terms": terms, "common_shock_sd": float(common_shock_sd)}
    outs = seeded_map(_task, ctx, tasks, n_jobs=n_jobs, desc="identification check", show=progress)
    rows = []
    errors: dict[str, int] = {}
    for o in outs:
        if not o["ok"]:
            errors[o["error"][:120]] = errors.get(o["error"][:120], 0) + 1
            continue
        for j, t in enumerate(terms):
            rows.append({"scenario": o["scenario"], "sim": o["sim"], "term": t, "estimate": o["estimate"][j],
                         "std_error": o["std_error"][j], "pvalue": o["pvalue"][j], "lower": o["lower"][j],
                         "upper": o["upper"][j], "events": o["events"]})
    est = pd.DataFrame(rows, columns=["scenario", "sim", "term", "estimate", "std_error", "pvalue", "lower",
                                      "upper", "events"])
    n_failed = int(sum(errors.values()))
    main = est[est["scenario"] == "main"]
    truth = scenarios["main"]
    tab = []
    for t in terms:
        d = main[main["term"] == t]
        tv = truth.get(t, 0.0)
        b = d["estimate"].to_numpy()
        if len(b) == 0:
            tab.append({"term": t, "true": tv, **{k: np.nan for k in (
                "estimate", "bias", "rel_bias", "rmse", "sd", "mean_se", "coverage", "power", "lower", "upper")},
                "n": 0})
            continue
        tab.append({"term": t, "true": tv, "estimate": b.mean(), "bias": b.mean() - tv,
                    "rel_bias": (b.mean() - tv) / tv if tv != 0 else np.nan,
                    "rmse": float(np.sqrt(np.mean((b - tv) ** 2))), "sd": b.std(ddof=1) if len(b) > 1 else np.nan,
                    "mean_se": d["std_error"].mean(),
                    "coverage": float(np.mean((d["lower"] <= tv) & (tv <= d["upper"]))),
                    "power": float(np.mean(d["pvalue"] < alpha)),
                    "lower": float(np.percentile(b, 2.5)), "upper": float(np.percentile(b, 97.5)), "n": len(b)})
    table = pd.DataFrame(tab).set_index("term")
    conf = None
    if confusion:
        crow = {}
        for scen in ["none", *cnames]:
            d = est[(est["scenario"] == scen) & (est["term"].isin(cnames))]
            sig = d.assign(s=(d["pvalue"] < alpha) & (d["estimate"] > 0))
            share = sig.groupby("term")["s"].mean().reindex(cnames)
            crow["none (no diffusion)" if scen == "none" else f"{scen} only"] = share
        conf = pd.DataFrame(crow).T
        conf.index.name = "true process"
        conf.columns.name = "found significant"
    notes = []
    if est.empty:
        notes.append("Every simulated fit failed; see the failures below.")
    if errors:
        notes.append("Failed fits: " + "; ".join(f"{v} x {k}" for k, v in errors.items()))
    for t in terms:
        if t in table.index and "coverage" in table.columns and np.isfinite(table.loc[t, "coverage"]):
            cov = table.loc[t, "coverage"]
            if abs(cov - (1 - alpha)) > 3 * np.sqrt(alpha * (1 - alpha) / max(table.loc[t, "n"], 1)) + 0.01:
                notes.append(f"'{t}': interval coverage {cov:.3f} departs from {1 - alpha:.2f}: the standard "
                             "errors (or the estimator) are not reliable in this design.")
    if conf is not None:
        for c in cnames:
            others = [d for d in cnames if d != c]
            for d in others:
                v = conf.loc[f"{c} only", d]
                if np.isfinite(v) and v > 2 * alpha + 0.05:
                    notes.append(f"A process driven only by '{c}' is attributed to '{d}' in {v:.0%} of simulations.")
    return IdentificationResult(table=table, confusion=conf, estimates=est, n_sim=int(n_sim), n_failed=n_failed,
                                alpha=alpha, notes=notes)
