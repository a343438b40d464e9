"""Shared helpers of the plotting modules (axes, styling, reading estimate tables)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core.errors import ColumnNotFoundError, InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22"]


def _get_ax(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.2)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _as_frame(data: Any, argument: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{argument} must be a pandas DataFrame, got {type(data).__name__}")
    return data


def _log_x(ax: Axes) -> None:
    """Log x axis with plain tick labels (0.5, 1, 2) instead of powers of ten."""
    import matplotlib.ticker as mticker

    ax.set_xscale("log")
    lo, hi = ax.get_xlim()
    if lo > 0 and hi / lo < 8:  # less than a decade: evenly spaced round ticks read better
        ticks = [t for t in mticker.MaxNLocator(nbins=6).tick_values(lo, hi) if lo <= t <= hi and t > 0]
        if lo <= 1.0 <= hi and all(abs(t - 1.0) > 0.08 * (hi - lo) for t in ticks):
            ticks = sorted([*ticks, 1.0])  # label the reference line (ratio 1)
        ax.xaxis.set_major_locator(mticker.FixedLocator(ticks))
    else:
        ax.xaxis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    ax.xaxis.set_minor_locator(mticker.NullLocator())


def _style(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="both", color="#e6e6e6", linewidth=0.7, zorder=0)
    ax.set_axisbelow(True)


_EST_NAMES = ("estimate", "coef", "params", "beta", "b")
_LO_NAMES = ("lower", "ci_lower", "conf_low", "lo", "[0.025", "2.5 %")
_HI_NAMES = ("upper", "ci_upper", "conf_high", "hi", "0.975]", "97.5 %")
_SE_NAMES = ("std_error", "std_err", "std err", "se", "robust se")


def _pick(df: pd.DataFrame, names: Sequence[str]) -> str | None:
    low = {str(c).lower(): c for c in df.columns}
    for n in names:
        if n in low:
            return low[n]
    return None


def _interval_table(obj: Any, alpha: float, argument: str) -> pd.DataFrame:
    """estimate / lower / upper by term from a Results or a table."""
    from scipy import stats

    if not isinstance(obj, pd.DataFrame) and not hasattr(obj, "params") and hasattr(obj, "to_frame"):
        obj = _to_table(obj, argument)  # e.g. a horse_race() result: its effects table
    if hasattr(obj, "params") and hasattr(obj, "std_errors"):
        b = obj.params
        if hasattr(obj, "conf_int"):
            ci = obj.conf_int(alpha=alpha)
            lo, hi = ci.iloc[:, 0], ci.iloc[:, 1]
        else:
            q = stats.norm.ppf(1 - alpha / 2)
            lo, hi = b - q * obj.std_errors, b + q * obj.std_errors
        return pd.DataFrame({"estimate": b, "lower": lo, "upper": hi})
    if isinstance(obj, pd.DataFrame):
        est = _pick(obj, _EST_NAMES)
        if est is None:
            raise ColumnNotFoundError(f"{argument}: no estimate column (looked for {', '.join(_EST_NAMES)}); "
                                      f"columns are {list(obj.columns)}")
        lo, hi = _pick(obj, _LO_NAMES), _pick(obj, _HI_NAMES)
        out = pd.DataFrame({"estimate": obj[est].astype(float)}, index=obj.index)
        if "mechanism" in obj.columns:
            out["mechanism"] = obj["mechanism"].astype(str)
        if lo is not None and hi is not None:
            out["lower"], out["upper"] = obj[lo].astype(float), obj[hi].astype(float)
        else:
            se = _pick(obj, _SE_NAMES)
            if se is None:
                raise ColumnNotFoundError(f"{argument}: need interval columns (lower/upper) or a standard-error "
                                          f"column (std_error/se); columns are {list(obj.columns)}")
            q = stats.norm.ppf(1 - alpha / 2)
            out["lower"] = out["estimate"] - q * obj[se].astype(float)
            out["upper"] = out["estimate"] + q * obj[se].astype(float)
        return out
    raise InputError(f"{argument} must be a fitted Results or a DataFrame with estimate and interval columns, "
                     f"got {type(obj).__name__}")


def _to_table(obj: Any, argument: str) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        return obj.copy()
    for attr in ("to_frame", "table", "frame", "summary_frame"):
        v = getattr(obj, attr, None)
        if v is None:
            continue
        v = v() if callable(v) else v
        if isinstance(v, pd.DataFrame):
            return v.copy()
    raise InputError(f"{argument} must be a DataFrame or an object with to_frame(); got {type(obj).__name__}")
