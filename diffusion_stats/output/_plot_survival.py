"""Survival and cumulative-hazard curves of a fitted Cox model, one line per stratum."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.options import check_option
from ._plot_base import _PALETTE, _get_ax

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


def survival(cox_results: Any, newdata: pd.DataFrame | None = None, *,
             kind: Literal["survival", "cumulative_hazard"] = "survival",
             strata: Sequence[Any] | None = None, ax: Axes | None = None) -> Axes:
    """Survival or cumulative-hazard step curves of a fitted Cox model.

    Without ``newdata`` the baseline (covariates = 0, R's ``basehaz(fit, centered =
    FALSE)``) is drawn, one line per stratum; with ``newdata`` one line per row, from
    ``predict_survival`` (R's ``survfit(fit, newdata)``).

    Parameters
    ----------
    cox_results : CoxResults
        A fitted :class:`~diffusion_stats.CoxHazard` model.
    newdata : DataFrame, optional
        Covariate rows (and the strata column for a stratified model), one curve each.
    kind : {"survival", "cumulative_hazard"}
        ``S(t) = exp(-H(t))`` or ``H(t)``.
    strata : sequence, optional
        Strata to draw (default: all); baseline curves only.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> df = pd.DataFrame({"stop": [1, 2, 2, 3, 4, 5], "event": [1, 1, 0, 1, 0, 1],
    ...                    "x": [0.5, 1.0, 0.0, 0.2, 1.5, 0.3]})
    >>> res = ds.CoxHazard("event ~ x", df, start=None).fit()
    >>> len(ds.plots.survival(res, kind="cumulative_hazard").get_lines())
    1
    """
    check_option("kind", kind, ("survival", "cumulative_hazard"))
    if not hasattr(cox_results, "baseline_hazard"):
        raise InputError(f"survival needs fitted Cox results (with baseline_hazard()), "
                         f"got {type(cox_results).__name__}; fit a ds.CoxHazard model first")
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if newdata is None:
        bh = cox_results.baseline_hazard()
        if "strata" in bh.columns:
            levels = list(pd.unique(bh["strata"]))
            if strata is not None:
                bad = [s for s in strata if s not in levels]
                if bad:
                    raise InputError(f"strata {bad} are not strata of the fit; choose from {levels}")
                levels = list(strata)
            for s in levels:
                b = bh[bh["strata"] == s]
                curves[str(s)] = (b["time"].to_numpy(float), b["hazard"].to_numpy(float))
        else:
            if strata is not None:
                raise InputError("strata= was given but the model is not stratified; drop strata=")
            curves["baseline"] = (bh["time"].to_numpy(float), bh["hazard"].to_numpy(float))
    else:
        if not isinstance(newdata, pd.DataFrame):
            raise InputError(f"newdata must be a pandas DataFrame, got {type(newdata).__name__}")
        sv = cox_results.predict_survival(newdata)
        t = np.asarray(sv.index, dtype=float)
        for c in sv.columns:
            curves[str(c)] = (t, -np.log(sv[c].to_numpy(float)))
    ax = _get_ax(ax)
    for i, (lab, (t, h)) in enumerate(curves.items()):
        y = np.exp(-h) if kind == "survival" else h
        y0 = 1.0 if kind == "survival" else 0.0
        ax.step(np.r_[0.0 if t.size == 0 else min(0.0, t[0]), t], np.r_[y0, y], where="post",
                color=_PALETTE[i % len(_PALETTE)], lw=1.6, label=lab)
    ax.set_xlabel("time")
    ax.set_ylabel("survival S(t)" if kind == "survival" else "cumulative hazard H(t)")
    if kind == "survival":
        ax.set_ylim(0, 1.02)
    if len(curves) > 1:
        ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return ax
