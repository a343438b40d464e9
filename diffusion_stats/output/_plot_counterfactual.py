"""Plot of counterfactual adoption curves (``ds.plots.counterfactual``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.errors import InputError
from ._plot_base import _PALETTE, _get_ax, _style

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["counterfactual"]


def counterfactual(result: Any, *, policy: str | None = None, title: str | None = None,
                   ax: Axes | None = None) -> Axes:
    """Observed, fitted and counterfactual cumulative adoption curves with intervals.

    Parameters
    ----------
    result : CounterfactualResult
        From :func:`diffusion_stats.postestimation.counterfactual`.
    policy : str, optional
        One policy's curves (means over draws); default the pooled curves with intervals.
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np, diffusion_stats as ds
    >>> units = list("abcdefghij")
    >>> W = ds.Weights.from_matrix(np.ones((10, 10)) - np.eye(10), units, name="all")
    >>> chans = [ds.Channel("all", W)]
    >>> sim = ds.simulate_diffusion(units, chans, effects={"all": 2.0}, start=2000, end=2008, n_policies=2, seed=3)
    >>> pan = ds.add_channels(ds.event_history(sim, windows=sim.reports.windows, units=units), sim, chans)
    >>> fit = ds.EventLogit("event ~ all", pan).fit()
    >>> ax = ds.plots.counterfactual(ds.counterfactual(fit, sim, chans, switch_off="all", draws=5, progress=False))
    >>> len(ax.get_lines())
    3
    """
    if not hasattr(result, "curves") or not hasattr(result, "policy_curves"):
        raise InputError(f"result must be a ds.counterfactual result, got {type(result).__name__}")
    ax = _get_ax(ax)
    what = ", ".join([*(f"{c} off" for c in result.switch_off), *(f"{c} replaced" for c in result.replaced),
                      *(f"{m['unit']} moved to {'never' if m['year'] is None else m['year']}"
                        for m in getattr(result, "moved", []))])
    if policy is None:
        cur = result.curves
        band = True
    else:
        pc = result.policy_curves
        col = pc.columns[0]
        cur = pc[pc[col].astype(str) == str(policy)]
        if cur.empty:
            raise InputError(f"policy {policy!r} is not in the result; policies are "
                             f"{sorted(pc[col].astype(str).unique())[:10]}")
        band = False
    x = cur["year"].to_numpy()
    ax.step(x, cur["observed"], where="post", color="black", lw=1.4, label="observed")
    scen = (("fitted", _PALETTE[0], "fitted"), ("counterfactual", _PALETTE[1], f"counterfactual ({what})"))
    for s, colr, lab in scen:
        ax.plot(x, cur[s], color=colr, lw=1.8, ls="-" if s == "fitted" else "--", label=lab)
        if band:
            ax.fill_between(x, cur[f"{s}_lower"], cur[f"{s}_upper"], color=colr, alpha=0.18, lw=0)
    ax.set_xlabel("year")
    ax.set_ylabel("cumulative adoptions")
    ax.set_title(title if title is not None else ("Counterfactual adoption" + (f": {policy}" if policy else "")))
    ax.legend(frameon=False)
    _style(ax)
    return ax
