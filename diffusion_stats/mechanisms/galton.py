"""Galton's problem: the same model with and without common shocks, side by side.

Units that adopt together may react alike to a shared shock (a federal mandate, a
recession, a fad) rather than to each other. A diffusion estimate that survives
calendar-time fixed effects (logit) or a calendar-time baseline (Cox strata) is not a
common-shock artefact; one that collapses was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import InputError, SpecificationError, require_columns
from ..output.summary import Summary, format_number
from ._protocol import add_terms, channel_names, is_model, model_data, model_formula, rebuild

__all__ = ["galton_check", "GaltonResult"]


@dataclass(frozen=True, eq=False)
class GaltonResult:
    """Channel effects without and with common-shock controls.

    Attributes
    ----------
    table : DataFrame
        One row per channel: estimate/std_error/pvalue without shocks, the same with
        shocks, and the change (``ratio`` = with / without).
    without, with_shocks : Results
        The two fits.
    how : str
        What was added to absorb common shocks.
    verdict : str
    """

    table: pd.DataFrame
    without: Any
    with_shocks: Any
    how: str
    verdict: str
    notes: list = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> Summary:
        header = [("Common shocks", self.how),
                  ("Observations", format_number(self.without.nobs))]
        return Summary(title="Galton's problem: diffusion with and without common shocks", header=header,
                       tables=[("", self.table)], notes=[self.verdict, *self.notes])

    def __str__(self) -> str:
        return str(self.summary())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _shock_model(model: Any, time: str) -> tuple[Any, str]:
    data = model_data(model)
    require_columns(data, [time], argument="model data (galton_check time=)")
    strata = getattr(model, "strata", None)
    if strata is not None and hasattr(model, "ties"):  # Cox-type: calendar-time strata
        current = [strata] if isinstance(strata, str) else list(strata)
        new = current + ([time] if time not in current else [])
        how = (f"calendar-time baseline: strata = {' x '.join(new)} (a separate baseline hazard for every "
               f"{' x '.join(new)} cell)")
        return rebuild(model, strata=new), how
    formula = model_formula(model)
    term = f"C({time})"
    if term in formula:
        raise SpecificationError(f"the model already contains {term}; pass the model without common-shock controls")
    return rebuild(model, add_terms(formula, [term])), f"{time} fixed effects ({term} in the formula)"


def galton_check(model: Any, channels: Any, *, time: str = "year", with_shocks: Any = None,
                 fit_kwargs: dict | None = None, tolerance: float = 0.5) -> GaltonResult:
    """Fit a model with and without common-shock controls and compare channel effects.

    Parameters
    ----------
    model : model
        Unfitted model *without* common-shock controls, with the channels in its formula.
    channels : list of Channel or str
    time : str
        Calendar-time column. Cox models get it added to their strata (a baseline
        hazard per stratum x year: every risk set then holds calendar time fixed);
        other estimators get ``C(time)`` fixed effects.
    with_shocks : model, optional
        Your own common-shock specification (e.g. policy-by-year effects), used
        instead of the automatic one.
    fit_kwargs : dict, optional
        Passed to both fits (e.g. ``{"cluster": "unit"}``).
    tolerance : float
        A channel "survives" when its estimate keeps its sign, stays significant at 5%
        and keeps more than ``tolerance`` of its size.

    Returns
    -------
    GaltonResult

    Notes
    -----
    In a Cox model stratified by policy whose time axis is years since the policy's
    start, each risk set already holds one calendar year of one policy: the baseline
    absorbs policy-specific common shocks, and adding ``year`` to the strata changes
    nothing (the result says so). The contrast is then with a model that pools policies
    in one baseline.

    Examples
    --------
    >>> import numpy as np, pandas as pd, diffusion_stats as ds
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"year": np.repeat(np.arange(1990, 2010), 100), "x": rng.random(2000)})
    >>> df["event"] = (rng.random(2000) < 0.1).astype(int)
    >>> g = ds.galton_check(ds.EventLogit("event ~ x", df), ["x"])
    >>> list(g.table.columns[:2])
    ['estimate', 'std_error']
    """
    if not is_model(model):
        raise InputError("galton_check needs an unfitted model (e.g. ds.EventLogit('event ~ border', panel)), "
                         f"not {type(model).__name__}")
    fk = dict(fit_kwargs or {})
    r0 = model.fit(**fk)
    names = channel_names(channels, r0.params.index)
    if with_shocks is None:
        m1, how = _shock_model(model, time)
    else:
        if not is_model(with_shocks):
            raise InputError("with_shocks must be an unfitted model")
        m1, how = with_shocks, f"user model: {model_formula(with_shocks)}"
    r1 = m1.fit(**fk)
    channel_names(names, r1.params.index)
    t = pd.DataFrame(index=pd.Index(names, name="channel"))
    t["estimate"] = r0.params[names]
    t["std_error"] = r0.std_errors[names]
    t["pvalue"] = r0.pvalues[names]
    t["estimate_shocks"] = r1.params[names]
    t["std_error_shocks"] = r1.std_errors[names]
    t["pvalue_shocks"] = r1.pvalues[names]
    t["ratio"] = t["estimate_shocks"] / t["estimate"]
    survives = ((np.sign(t["estimate_shocks"]) == np.sign(t["estimate"])) & (t["pvalue_shocks"] < 0.05)
                & (t["ratio"] > tolerance))
    t["survives"] = survives
    notes = []
    same = np.allclose(r0.params[names].to_numpy(), r1.params[names].to_numpy(), rtol=1e-8, atol=1e-12)
    if same:
        notes.append("The two fits are identical: the model's risk sets already hold calendar time fixed, so its "
                     "baseline absorbs common shocks. Compare with a specification that pools the baseline.")
    parts = []
    for n in names:
        if not t.loc[n, "pvalue"] < 0.05:
            parts.append(f"'{n}' is not significant even without common-shock controls")
        elif survives[n]:
            parts.append(f"'{n}' survives common shocks (estimate {t.loc[n, 'estimate']:.3g} -> "
                         f"{t.loc[n, 'estimate_shocks']:.3g})")
        else:
            parts.append(f"'{n}' does not survive common shocks (estimate {t.loc[n, 'estimate']:.3g} -> "
                         f"{t.loc[n, 'estimate_shocks']:.3g}, p = {t.loc[n, 'pvalue_shocks']:.3g}): part or all "
                         "of its apparent diffusion is shared timing")
    verdict = "; ".join(parts) + "."
    return GaltonResult(table=t, without=r0, with_shocks=r1, how=how, verdict=verdict, notes=notes)
