"""Placebo test: peers' *future* adoptions must not predict adoption today.

For each channel the lead exposure of row (p, i, t) counts the same peers' adoptions in
years t+1 .. t+leads (they have not happened yet at t). Added to the model beside the
real, lagged exposure, a lead with a clear effect points to something other than
diffusion through that channel: common shocks, or units that are alike adopting alike.

Caveat (reverse diffusion): when ties are reciprocal and diffusion is real, a unit's
adoption in t raises its peers' hazard in t+1, so leads are not mechanically zero even
under pure diffusion. How large that reverse effect is in a given design can be read
from :func:`diffusion_stats.simulate_diffusion`: simulate the fitted diffusion process
without common shocks and run the same placebo on the simulated adoptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.options import renamed
from ..output.summary import Summary, format_number
from ._protocol import add_terms, channel_names, is_model, model_data, model_formula, rebuild
from .channels import _as_channels, add_channels

__all__ = ["placebo_test", "PlaceboResult", "lead_exposures"]


@dataclass(frozen=True, eq=False)
class PlaceboResult:
    """Lead (placebo) exposures next to the real ones.

    Attributes
    ----------
    table : DataFrame
        One row per channel: estimate of the real (lagged) exposure, estimate, std_error
        and pvalue of its lead, and ``passes`` (lead not significant).
    joint : dict
        Wald test that all leads are 0.
    results : Results
        The model with leads.
    passed : bool
        True when the joint test does not reject at ``alpha``.
    """

    table: pd.DataFrame
    joint: dict
    results: Any
    passed: bool
    leads: int
    alpha: float
    verdict: str
    notes: list = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> Summary:
        extra = ([("Calibrated p (diffusion-only simulations)", format_number(self.joint["pvalue_sim"]))]
                 if "pvalue_sim" in self.joint else [])
        header = [("Leads", f"peers' adoptions in t+1..t+{self.leads}"),
                  ("Joint Wald (leads = 0)", f"chi2({self.joint['df']}) = {self.joint['statistic']:.3f}, "
                                             f"p = {format_number(self.joint['pvalue'])}"),
                  *extra, ("Passed", "yes" if self.passed else "no")]
        return Summary(title="Placebo test: leads of exposure", header=header, tables=[("", self.table)],
                       notes=[self.verdict, *self.notes])

    def __str__(self) -> str:
        return str(self.summary())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _shift(adoptions: pd.DataFrame, by: int) -> pd.DataFrame:
    out = adoptions[["unit", "policy", "year"]].copy()
    out["year"] = out["year"].astype(np.int64) - int(by)
    return out


def lead_exposures(panel: pd.DataFrame, adoptions: pd.DataFrame, channels: Any, *, leads: int = 1,
                   suffix: str = "_lead") -> pd.DataFrame:
    """Add ``<name>_lead``: the channel's exposure to peers adopting in t+1 .. t+leads.

    Computed with :func:`add_channels` on adoptions shifted back in time: with lag L,
    exposure to adoptions shifted by ``leads + L`` counts peers adopting by ``t + leads``;
    shifted by ``L`` it counts peers adopting by ``t``; the lead is the difference.
    Future adoptions that would only enter a share's denominator do not: shares keep the
    number of neighbours as denominator, so the difference is the share of neighbours
    adopting in the lead window.

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> adopt = pd.DataFrame({"unit": ["NH", "VT"], "policy": ["x", "x"], "year": [2000, 2003]})
    >>> W = ds.Weights.us_borders().subset(["NH", "VT", "MA"])
    >>> panel = ds.event_history(adopt, units=["NH", "VT", "MA"])
    >>> out = lead_exposures(panel, adopt, [ds.Channel("border", W)])
    >>> "border_lead" in out.columns
    True
    """
    chans = _as_channels(channels)
    if int(leads) < 1:
        raise InputError(f"leads={leads} must be >= 1")
    import warnings

    from ..core.errors import RowAccountingWarning

    out = panel.copy()
    for ch in chans:
        with warnings.catch_warnings():  # isolates etc. are reported for the channel itself
            warnings.simplefilter("ignore", RowAccountingWarning)
            far = add_channels(panel, _shift(adoptions, int(leads) + int(ch.lag)), [ch.renamed("far_")], partner=None)
            near = add_channels(panel, _shift(adoptions, int(ch.lag)), [ch.renamed("near_")], partner=None)
        out[f"{ch.name}{suffix}"] = far["far_"].to_numpy(dtype=float) - near["near_"].to_numpy(dtype=float)
    return out


def _null_task(ctx: dict, seed: Any) -> dict:
    import warnings

    from ..core.errors import DiffusionStatsError

    design = ctx["design"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ad = design.simulate(ctx["effects"], np.random.default_rng(seed))
            panel = design.build(ad)
            keep = [c for c in ctx["columns"] if c in panel.columns]
            data = lead_exposures(panel[keep], ad, design.channels, leads=ctx["leads"])
            res = rebuild(ctx["model"], ctx["formula"], data).fit(**ctx["fit_kwargs"])
        lead = ctx["lead_names"]
        return {"ok": True, "lead": res.params[lead].to_numpy(dtype=float),
                "wald": float(res.wald_test(lead)["statistic"])}
    except (DiffusionStatsError, np.linalg.LinAlgError) as exc:
        return {"ok": False, "error": str(exc)}


@renamed(progress_bar="progress")
def placebo_test(model: Any, adoptions: pd.DataFrame, channels: Any, *, leads: int = 1, alpha: float = 0.05,
                 fit_kwargs: dict | None = None, null: str = "wald", n_sim: int = 49, dgp: str | None = None,
                 seed: int = 0, n_jobs: int | None = 1, progress: bool | None = None) -> PlaceboResult:
    """Add leads of each channel's exposure to the model and test that they are zero.

    Parameters
    ----------
    model : model
        Unfitted model whose data is the panel with the channel columns and whose
        formula includes them (e.g. ``ds.CoxHazard("event ~ border + network", panel,
        strata="policy")``).
    adoptions : DataFrame
        The adoptions the exposures were built from.
    channels : list of Channel
        The channels (their weights are needed to build the leads).
    leads : int
        Lead window: peers' adoptions in t+1 .. t+leads.
    alpha : float
        Level of the test.
    fit_kwargs : dict, optional
    null : {"wald", "simulate"}
        "wald": the usual test that the leads are 0. "simulate": also calibrate it
        against diffusion alone - simulate the fitted process (the channels' lagged
        effects and the model's plain covariates, baseline matched to the data, no
        common shocks) on the same units, windows and weights ``n_sim`` times, run the
        same placebo on each, and report where the observed leads fall
        (``lead_pvalue_sim``: share of simulated leads at least as large;
        ``joint["pvalue_sim"]``: the same for the Wald statistic). ``passed`` then uses
        the calibrated p-value.
    n_sim, dgp, seed, n_jobs, progress :
        Simulation settings for ``null="simulate"`` (``dgp`` defaults to "cox" for
        Cox models and "logit" for logit links).

    Returns
    -------
    PlaceboResult

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> W = ds.Weights.us_borders()
    >>> adopt = ds.simulate_diffusion(list(W.labels), {"border": W}, effects={"border": 1.0},
    ...                               start=1990, end=2010, n_policies=10, seed=3)
    >>> panel = ds.event_history(adopt, windows=adopt.reports.windows, units=list(W.labels))
    >>> ch = [ds.Channel("border", W)]
    >>> panel = ds.add_channels(panel, adopt, ch)
    >>> pt = ds.placebo_test(ds.EventLogit("event ~ border", panel), adopt, ch)
    >>> "border_lead" in pt.table.index
    False
    >>> "border" in pt.table.index
    True
    """
    if not is_model(model):
        raise InputError(f"placebo_test needs an unfitted model, not {type(model).__name__}")
    chans = _as_channels(channels)
    data = model_data(model)
    names = channel_names(chans)
    lead_names = [f"{n}_lead" for n in names]
    clash = [c for c in lead_names if c in data.columns]
    if clash:
        raise InputError(f"the model data already has columns {clash}; drop them first")
    data2 = lead_exposures(data, adoptions, chans, leads=leads)
    m = rebuild(model, add_terms(model_formula(model), lead_names), data2)
    res = m.fit(**dict(fit_kwargs or {}))
    channel_names(names + lead_names, res.params.index)
    ci = res.conf_int(alpha=alpha)
    t = pd.DataFrame(index=pd.Index(names, name="channel"))
    t["estimate"] = res.params[names].to_numpy()
    t["lead_estimate"] = res.params[lead_names].to_numpy()
    t["lead_std_error"] = res.std_errors[lead_names].to_numpy()
    t["lead_pvalue"] = res.pvalues[lead_names].to_numpy()
    t["lead_lower"] = ci.loc[lead_names].iloc[:, 0].to_numpy()
    t["lead_upper"] = ci.loc[lead_names].iloc[:, 1].to_numpy()
    t["passes"] = t["lead_pvalue"] >= alpha
    joint = res.wald_test(lead_names)
    passed = bool(joint["pvalue"] >= alpha)
    notes = ["Under genuine diffusion with reciprocal ties a unit's adoption raises its peers' next-year hazard, "
             "so leads can be positive without common shocks; null='simulate' calibrates the test against that."]
    if null not in ("wald", "simulate"):
        raise InputError(f"null={null!r}; use 'wald' or 'simulate'")
    if null == "simulate":
        from ._parallel import child_seeds, seeded_map
        from ._simdesign import SimDesign

        base = model.fit(**dict(fit_kwargs or {}))
        effects = {n: float(base.params[n]) for n in names}
        covs = [k for k in base.params.index if k not in names and k in data.columns]
        effects.update({k: float(base.params[k]) for k in covs})
        if dgp is None:
            dgp = "logit" if getattr(model, "link", None) == "logit" else "cox"
        design = SimDesign(panel=data, channels=chans, covariates=covs, model=dgp)
        ctx = {"design": design, "effects": effects, "leads": int(leads), "model": model,
               "formula": add_terms(model_formula(model), lead_names), "fit_kwargs": dict(fit_kwargs or {}),
               "lead_names": lead_names, "columns": [c for c in data.columns]}
        outs = seeded_map(_null_task, ctx, child_seeds(seed, int(n_sim)), n_jobs=n_jobs,
                          desc="placebo null", show=progress)
        ok = [o for o in outs if o["ok"]]
        if not ok:
            raise InputError("every simulated placebo refit failed: " + "; ".join(o["error"] for o in outs[:3]))
        sims = np.vstack([o["lead"] for o in ok])
        obs = t["lead_estimate"].to_numpy()
        t["lead_sim_mean"] = sims.mean(axis=0)
        t["lead_pvalue_sim"] = (1 + (sims >= obs[None, :] - 1e-12).sum(axis=0)) / (len(ok) + 1)
        t["passes"] = t["lead_pvalue_sim"] >= alpha
        wald = np.array([o["wald"] for o in ok])
        joint["pvalue_sim"] = float((1 + np.sum(wald >= joint["statistic"] - 1e-12)) / (len(ok) + 1))
        joint["n_sim"] = len(ok)
        passed = bool(joint["pvalue_sim"] >= alpha)
        notes.append(f"Calibrated against {len(ok)} simulations of diffusion alone (fitted lagged effects "
                     f"{', '.join(f'{k}={v:.3g}' for k, v in effects.items() if k in names)}; no common shocks).")
        if len(ok) < len(outs):
            notes.append(f"{len(outs) - len(ok)} simulated refits failed and were left out.")
    pkey = "pvalue_sim" if null == "simulate" else "pvalue"
    if passed:
        verdict = (f"Placebo passed: peers' future adoptions (t+1..t+{leads}) do not predict adoption "
                   f"{'beyond what diffusion alone produces ' if null == 'simulate' else ''}"
                   f"(joint p = {joint[pkey]:.3g}).")
    else:
        bad = [n for n in names if not t.loc[n, "passes"]]
        verdict = (f"Placebo failed (joint p = {joint[pkey]:.3g}): future adoptions through "
                   f"{', '.join(repr(b) for b in bad) or 'the channels jointly'} predict adoption today"
                   f"{' more than diffusion alone would' if null == 'simulate' else ''}. Suspect common shocks or "
                   "similar units reacting alike; check galton_check"
                   + ("." if null == "simulate" else
                      " and calibrate with null='simulate' (reverse diffusion also produces leads)."))
    return PlaceboResult(table=t, joint=joint, results=res, passed=passed, leads=int(leads), alpha=alpha,
                         verdict=verdict, notes=notes)
