"""Figures for diffusion research (matplotlib).

Every function takes ``ax=None`` (a new figure is made when omitted) and returns the
Axes it drew on, so figures compose and can be restyled:

- :func:`adoption_curves` - cumulative adoption over time, one or many policies;
- :func:`tile_map` - US tile-grid map of adoption timing (50 states + DC; no GIS);
- :func:`exposure_hazard` - exposure to prior adopters versus the observed hazard;
- :func:`forest` - estimates with intervals (channel effects, horse races);
- :func:`identification` - identification-check results (true vs recovered);
- :func:`weight_sensitivity` - estimates across alternative weight matrices;
- :func:`schoenfeld` - scaled Schoenfeld residuals of a Cox model against time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import ColumnNotFoundError, InputError, did_you_mean, require_columns

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "adoption_curves", "tile_map", "exposure_hazard", "forest", "identification",
    "weight_sensitivity", "schoenfeld", "US_TILES",
]

#: Tile-grid positions (row, column) of the 50 US states and DC, with their names.
#: Row 0 is the top; a layout in the style of the NPR / Washington Post tile maps.
US_TILES: dict[str, tuple[int, int, str]] = {
    "AK": (0, 0, "Alaska"), "ME": (0, 11, "Maine"),
    "WI": (1, 6, "Wisconsin"), "VT": (1, 10, "Vermont"), "NH": (1, 11, "New Hampshire"),
    "WA": (2, 1, "Washington"), "ID": (2, 2, "Idaho"), "MT": (2, 3, "Montana"), "ND": (2, 4, "North Dakota"),
    "MN": (2, 5, "Minnesota"), "IL": (2, 6, "Illinois"), "MI": (2, 7, "Michigan"), "NY": (2, 9, "New York"),
    "MA": (2, 10, "Massachusetts"),
    "OR": (3, 1, "Oregon"), "NV": (3, 2, "Nevada"), "WY": (3, 3, "Wyoming"), "SD": (3, 4, "South Dakota"),
    "IA": (3, 5, "Iowa"), "IN": (3, 6, "Indiana"), "OH": (3, 7, "Ohio"), "PA": (3, 8, "Pennsylvania"),
    "NJ": (3, 9, "New Jersey"), "CT": (3, 10, "Connecticut"), "RI": (3, 11, "Rhode Island"),
    "CA": (4, 1, "California"), "UT": (4, 2, "Utah"), "CO": (4, 3, "Colorado"), "NE": (4, 4, "Nebraska"),
    "MO": (4, 5, "Missouri"), "KY": (4, 6, "Kentucky"), "WV": (4, 7, "West Virginia"), "VA": (4, 8, "Virginia"),
    "MD": (4, 9, "Maryland"), "DE": (4, 10, "Delaware"),
    "AZ": (5, 2, "Arizona"), "NM": (5, 3, "New Mexico"), "KS": (5, 4, "Kansas"), "AR": (5, 5, "Arkansas"),
    "TN": (5, 6, "Tennessee"), "NC": (5, 7, "North Carolina"), "SC": (5, 8, "South Carolina"),
    "DC": (5, 9, "District of Columbia"),
    "OK": (6, 4, "Oklahoma"), "LA": (6, 5, "Louisiana"), "MS": (6, 6, "Mississippi"), "AL": (6, 7, "Alabama"),
    "GA": (6, 8, "Georgia"),
    "HI": (7, 0, "Hawaii"), "TX": (7, 4, "Texas"), "FL": (7, 9, "Florida"),
}

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


# --------------------------------------------------------------------------------------
# adoption curves
# --------------------------------------------------------------------------------------
def adoption_curves(adoptions: pd.DataFrame, policies: str | Sequence[str] | None = None, *,
                    n_units: int | None = None, share: bool = True, highlight: Sequence[str] | None = None,
                    max_labels: int = 8, ax: Axes | None = None) -> Axes:
    """Cumulative adoption over time: one step curve per policy.

    Parameters
    ----------
    adoptions : DataFrame
        Columns ``unit``, ``policy``, ``year`` (the output of ``ds.read_adoptions``).
    policies : str or list of str, optional
        Policies to draw (default: all). With more than ``max_labels`` policies the
        curves are drawn thin and grey and only ``highlight`` ones are coloured.
    n_units : int, optional
        Denominator of the share (default: number of distinct units in ``adoptions``).
    share : bool, default True
        Plot the share of units that have adopted; False plots counts.
    highlight : list of str, optional
        Policies drawn in colour and labelled when many are shown.
    max_labels : int, default 8
        Up to this many policies each get a colour and a legend entry.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"unit": ["A", "B", "C"], "policy": "p", "year": [2000, 2001, 2001]})
    >>> ax = adoption_curves(a)
    """
    a = _as_frame(adoptions, "adoptions")
    require_columns(a, ["unit", "policy", "year"], argument="adoptions")
    all_pol = list(pd.unique(a["policy"].astype(str)))
    if policies is None:
        pols = all_pol
    else:
        pols = [policies] if isinstance(policies, str) else [str(p) for p in policies]
        for p in pols:
            if p not in all_pol:
                raise InputError(f"policy '{p}' not in adoptions{did_you_mean(p, all_pol)} "
                                 f"({len(all_pol)} policies, e.g. {', '.join(all_pol[:5])})")
    n = int(n_units) if n_units is not None else int(a["unit"].nunique())
    if share and n <= 0:
        raise InputError(f"n_units must be positive, got {n_units!r}")
    ax = _get_ax(ax)
    many = len(pols) > max_labels
    hl = set(highlight or ([] if many else pols))
    sub = a[a["policy"].astype(str).isin(pols)]
    lo, hi = int(sub["year"].min()), int(sub["year"].max())
    k = 0
    grid = np.arange(lo, hi + 1)
    curves = []
    for p, g in sub.groupby(sub["policy"].astype(str), sort=False):
        c = g.groupby("year").size().reindex(grid, fill_value=0).cumsum().to_numpy(float)
        curves.append(c / n if share else c)
        counts = g.groupby("year").size().sort_index().cumsum()
        years = np.r_[counts.index.values.astype(int), hi]
        vals = np.r_[counts.values, counts.values[-1]].astype(float)
        if share:
            vals = vals / n
        years = np.r_[years[0], years]
        vals = np.r_[0.0, vals]
        if p in hl:
            ax.step(years, vals, where="post", lw=2, color=_PALETTE[k % len(_PALETTE)], label=p, zorder=3)
            k += 1
        else:
            ax.step(years, vals, where="post", lw=0.6, color="#8a8a8a",
                    alpha=max(0.05, min(0.45, 15 / len(pols))), zorder=2)
    if many and not highlight:
        # average of the policies' curves, year by year (calendar time)
        ax.step(grid, np.mean(curves, axis=0), where="post", lw=2.2, color="black", zorder=4,
                label=f"mean of {len(pols)} policies")
        k = 2
    ax.set_xlim(lo - 0.5, hi + 0.5)
    ax.set_xlabel("Year")
    ax.set_ylabel("Share of units that have adopted" if share else "Units that have adopted")
    if share:
        ax.set_ylim(0, 1.02)
    title = f"Cumulative adoption: {pols[0]}" if len(pols) == 1 else f"Cumulative adoption ({len(pols)} policies)"
    ax.set_title(title)
    if k > 1 or (k == 1 and many) or (many and not highlight):
        if k > 5:  # many entries: outside, right of the axes
            ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
        else:
            ax.legend(frameon=True, framealpha=0.9, edgecolor="none", fontsize="small", loc="best")
    _style(ax)
    return ax


# --------------------------------------------------------------------------------------
# US tile map
# --------------------------------------------------------------------------------------
def _state_code(unit: Any) -> str | None:
    s = str(unit).strip()
    if s.upper() in US_TILES:
        return s.upper()
    low = s.lower().replace(".", "")
    for code, (_, _, name) in US_TILES.items():
        if name.lower() == low:
            return code
    if low in ("washington dc", "washington, dc", "dc"):
        return "DC"
    return None


def tile_map(data: pd.DataFrame | pd.Series | Mapping[str, Any], policy: str | None = None, *,
             units: Sequence[str] | None = None, cmap: str = "viridis", title: str | None = None,
             label: str = "Adoption year", annotate: bool = True, ax: Axes | None = None) -> Axes:
    """US tile-grid map of adoption timing (one square per state; no GIS needed).

    Parameters
    ----------
    data : DataFrame, Series or dict
        Adoptions (``unit``, ``policy``, ``year``; then ``policy`` picks one policy), or a
        mapping state -> value (year or any number). States are postal codes ("CA") or
        names ("California"); states without a value are drawn hatched grey ("never").
    policy : str, optional
        Policy to map when ``data`` holds several.
    units : list of str, optional
        The states in the study (codes or names). States outside it are drawn as blank
        outlines ("not in data") rather than as non-adopters. Default: all 51.
    cmap : str, default "viridis"
        Colour map of the values (early = dark).
    title, label : str
        Title and colour-bar label.
    annotate : bool, default True
        Write the postal code (and the two-digit year) in each tile.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = tile_map({"CA": 1990, "Texas": 2001, "NY": 1995})
    """
    import matplotlib as mpl
    from matplotlib.patches import Rectangle

    if isinstance(data, pd.DataFrame):
        require_columns(data, ["unit", "year"], argument="data")
        d = data
        if "policy" in d.columns:
            pols = list(pd.unique(d["policy"].astype(str)))
            if policy is None:
                if len(pols) > 1:
                    raise InputError(f"data hold {len(pols)} policies; choose one with policy= "
                                     f"(e.g. policy='{pols[0]}')")
                policy = pols[0] if pols else None
            elif policy not in pols:
                raise InputError(f"policy '{policy}' not in data{did_you_mean(policy, pols)}")
            d = d[d["policy"].astype(str) == policy]
        values = d.groupby("unit")["year"].min()
    elif isinstance(data, (pd.Series, Mapping)):
        values = pd.Series(data)
    else:
        raise InputError(f"data must be an adoptions DataFrame or a mapping state -> value, got {type(data).__name__}")
    vals: dict[str, float] = {}
    unknown = []
    for unit, v in values.items():
        code = _state_code(unit)
        if code is None:
            unknown.append(str(unit))
        elif pd.notna(v):
            vals[code] = float(v)
    if unknown and len(unknown) == len(values):
        raise InputError(f"no unit is a US state (postal code or name), e.g. {unknown[:3]}; tile_map draws the "
                         "50 states and DC")
    if units is None:
        in_study = set(US_TILES)
    else:
        in_study = {c for c in (_state_code(u) for u in units) if c is not None}
        if not in_study:
            raise InputError(f"units= names no US state (postal code or name), e.g. {list(units)[:3]}")
        in_study |= set(vals)
    ax = _get_ax(ax, figsize=(8.4, 5.4))
    cm = mpl.colormaps[cmap]
    if vals:
        vmin, vmax = min(vals.values()), max(vals.values())
        if vmin == vmax:
            vmin, vmax = vmin - 1, vmax + 1
    else:
        vmin, vmax = 0, 1
    norm = mpl.colors.Normalize(vmin=vmin, vmax=vmax)
    integer = all(float(v).is_integer() for v in vals.values())
    for code, (r, c, _) in US_TILES.items():
        v = vals.get(code)
        if code not in in_study:
            ax.add_patch(Rectangle((c, -r), 0.92, -0.92, facecolor="white", edgecolor="#dddddd", linewidth=0.6))
            color = "#bbbbbb"
        elif v is None:
            ax.add_patch(Rectangle((c, -r), 0.92, -0.92, facecolor="#eeeeee", edgecolor="#bbbbbb",
                                   hatch="////", linewidth=0.6))
            color = "#777777"
        else:
            rgba = cm(norm(v))
            ax.add_patch(Rectangle((c, -r), 0.92, -0.92, facecolor=rgba, edgecolor="white", linewidth=0.6))
            lum = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]
            color = "black" if lum > 0.55 else "white"
        if annotate:
            ax.text(c + 0.46, -r - 0.33, code, ha="center", va="center", fontsize=8.5, fontweight="bold",
                    color=color)
            if v is not None:
                txt = f"'{int(v) % 100:02d}" if integer and v >= 1000 else f"{v:g}"
                ax.text(c + 0.46, -r - 0.66, txt, ha="center", va="center", fontsize=7, color=color)
    ax.set_xlim(-0.2, 12.1)
    ax.set_ylim(-8.1, 0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    if vals:
        sm = mpl.cm.ScalarMappable(norm=norm, cmap=cm)
        cb = ax.figure.colorbar(sm, ax=ax, orientation="horizontal", fraction=0.05, pad=0.02, shrink=0.6)
        cb.set_label(label)
        if integer:
            cb.ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(nbins=6, integer=True))
            cb.ax.xaxis.set_major_formatter(mpl.ticker.FormatStrFormatter("%d"))
    never = len(in_study) - len(vals)
    if title is None:
        title = f"{policy}: adoption timing" if policy else label
        if never:
            title += f" ({never} hatched: not adopted)"
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------------------------
# exposure versus hazard
# --------------------------------------------------------------------------------------
def _wilson(k: np.ndarray, n: np.ndarray, z: float = 1.959963984540054) -> tuple[np.ndarray, np.ndarray]:
    p = k / n
    den = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return centre - half, centre + half


def exposure_hazard(panel: pd.DataFrame, exposure: str = "exposure", *, event: str = "event", bins: int = 8,
                    ax: Axes | None = None) -> Axes:
    """Observed hazard (share of at-risk rows that adopt) by binned exposure.

    A quick, model-free look at whether units adopt more often when more of their
    neighbours have adopted. Zero exposure is its own bin; positive values are cut at
    quantiles (or used as they are when there are at most ``bins`` distinct values).
    Bars are Wilson 95% intervals; marker area is proportional to the rows in the bin.

    Parameters
    ----------
    panel : DataFrame
        Event-history panel with the exposure column (``ds.exposure``) and ``event``.
    exposure : str, default "exposure"
        Exposure column.
    event : str, default "event"
        0/1 event column.
    bins : int, default 8
        Number of bins for positive exposures.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"exposure": [0, 0, .5, .5, 1, 1], "event": [0, 0, 0, 1, 1, 1]})
    >>> ax = exposure_hazard(p)
    """
    p = _as_frame(panel, "panel")
    require_columns(p, [exposure, event], argument="panel")
    if bins < 1:
        raise InputError(f"bins must be >= 1, got {bins!r}")
    x = pd.to_numeric(p[exposure], errors="coerce").to_numpy(float)
    y = pd.to_numeric(p[event], errors="coerce").to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        raise InputError(f"columns '{exposure}' and '{event}' have no complete numeric rows")
    x, y = x[ok], y[ok]
    pos = x[x > 0]
    uniq = np.unique(pos)
    if len(uniq) <= bins:
        codes = np.where(x > 0, np.searchsorted(uniq, x) + 1, 0)
    else:
        edges = np.unique(np.quantile(pos, np.linspace(0, 1, bins + 1)))
        codes = np.where(x > 0, np.clip(np.searchsorted(edges, x, side="left"), 1, len(edges) - 1), 0)
    df = pd.DataFrame({"code": codes, "x": x, "y": y})
    g = df.groupby("code").agg(x=("x", "mean"), k=("y", "sum"), n=("y", "size"))
    rate = g["k"] / g["n"]
    lo, hi = _wilson(g["k"].to_numpy(float), g["n"].to_numpy(float))
    ax = _get_ax(ax)
    sizes = 20 + 280 * g["n"] / g["n"].max()
    ax.errorbar(g["x"], rate, yerr=[rate - lo, hi - rate], fmt="none", ecolor="#1f77b4", alpha=0.6, lw=1.2,
                zorder=2)
    ax.plot(g["x"], rate, color="#1f77b4", lw=1, alpha=0.5, zorder=2)
    ax.scatter(g["x"], rate, s=sizes, color="#1f77b4", edgecolor="white", zorder=3)
    ax.set_xlabel(f"{exposure} (bin mean)")
    ax.set_ylabel("Observed hazard (events / rows at risk)")
    ax.set_title(f"Observed hazard by {exposure}")
    ax.set_ylim(bottom=0)
    ax.text(0.99, 0.02, f"{int(g['n'].sum()):,} rows, {int(g['k'].sum()):,} events; marker area ~ rows",
            transform=ax.transAxes, ha="right", va="bottom", fontsize="x-small", color="#555555")
    _style(ax)
    return ax


# --------------------------------------------------------------------------------------
# forest plot
# --------------------------------------------------------------------------------------
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


def forest(results: Any, terms: Sequence[str] | Mapping[str, str] | None = None, *, exponentiate: bool = False,
           alpha: float = 0.05, by: str | None = None, title: str | None = "Channel effects",
           ax: Axes | None = None) -> Axes:
    """Forest plot: estimates with confidence intervals, one row per term.

    Parameters
    ----------
    results : Results, horse-race result, DataFrame, or dict name -> any of these
        A fitted model; a ``ds.horse_race`` result (its effects table; terms are
        labelled with their mechanism); a table indexed by term with an estimate column
        (estimate / coef) and interval (lower / upper) or standard-error columns; or
        several of these, drawn side by side in colours (e.g. a ``galton_check``'s
        ``{"without shocks": g.without, "with shocks": g.with_shocks}``).
    terms : list or dict, optional
        Terms to show, top to bottom (a dict also relabels them). Default: every term
        except the intercept.
    exponentiate : bool, default False
        Show exp(estimate) on a log axis (hazard / odds ratios); reference line at 1.
    alpha : float, default 0.05
        Interval level when intervals are computed from standard errors.
    by : str, optional
        For one long table: column that splits it into models (e.g. "model").
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"estimate": [0.5, 0.2], "std_error": [0.1, 0.15]}, index=["border", "learning"])
    >>> ax = forest(t)
    """
    if isinstance(results, Mapping):
        tables = {str(k): _interval_table(v, alpha, f"results[{k!r}]") for k, v in results.items()}
    elif by is not None:
        df = _as_frame(results, "results")
        require_columns(df, [by], argument="results")
        if "term" in df.columns:
            df = df.set_index("term")
        tables = {str(k): _interval_table(g.drop(columns=[by]), alpha, "results")
                  for k, g in df.groupby(by, sort=False)}
    else:
        if isinstance(results, pd.DataFrame) and "term" in results.columns:
            results = results.set_index("term")
        tables = {"": _interval_table(results, alpha, "results")}
    if not tables:
        raise InputError("forest: nothing to plot (no results given)")
    all_terms: list[str] = []
    mech: dict[str, str] = {}
    for t in tables.values():
        all_terms += [str(x) for x in t.index if str(x) not in all_terms]
        if "mechanism" in t.columns:
            mech.update({str(k): v for k, v in t["mechanism"].items() if v and v not in ("nan", "other")})
    labels: dict[str, str] = {t: f"{t} ({m})" for t, m in mech.items()}
    if terms is None:
        order = [t for t in all_terms if t not in ("Intercept", "const", "(Intercept)")]
    else:
        if isinstance(terms, Mapping):
            labels = {str(k): str(v) for k, v in terms.items()}
            order = list(labels)
        else:
            order = [str(t) for t in terms]
        miss = [t for t in order if t not in all_terms]
        if miss:
            raise InputError(f"forest: terms {miss} not found; terms are {all_terms}")
    if not order:
        raise InputError("forest: no terms to plot")
    ax = _get_ax(ax, figsize=(6.4, max(2.4, 0.55 * len(order) * max(1, len(tables) ** 0.5) + 1.2)))
    k = len(tables)
    offsets = np.linspace(0.18, -0.18, k) if k > 1 else np.zeros(1)  # first model on top
    ypos = np.arange(len(order))[::-1].astype(float)
    for (name, t), off, col in zip(tables.items(), offsets, _PALETTE, strict=False):
        t = t.reindex(order)
        est, lo, hi = t["estimate"].to_numpy(float), t["lower"].to_numpy(float), t["upper"].to_numpy(float)
        if exponentiate:
            est, lo, hi = np.exp(est), np.exp(lo), np.exp(hi)
        y = ypos + off
        ax.hlines(y, lo, hi, color=col, lw=2, zorder=3)
        ax.plot(est, y, "o", color=col, ms=7, mec="white", zorder=4, label=name or None)
    ref = 1.0 if exponentiate else 0.0
    ax.axvline(ref, color="#555555", lw=1, ls="--", zorder=1)
    if exponentiate:
        _log_x(ax)
    ax.set_yticks(ypos)
    ax.set_yticklabels([labels.get(t, t) for t in order])
    ax.set_ylim(-0.7, len(order) - 0.3)
    ax.set_xlabel(("Hazard / odds ratio" if exponentiate else "Estimate") + f" with {100 * (1 - alpha):g}% interval")
    if title:
        ax.set_title(title)
    if k > 1:
        ax.legend(frameon=False, fontsize="small", loc="best")
    _style(ax)
    ax.grid(axis="y", visible=False)
    return ax


# --------------------------------------------------------------------------------------
# identification check
# --------------------------------------------------------------------------------------
def identification(check: Any, *, kind: str = "recovery", ax: Axes | None = None,
                   title: str | None = None) -> Axes:
    """Identification check: recovered estimates against the truth, by channel.

    Parameters
    ----------
    check : result of ``ds.identification_check`` or DataFrame
        A table indexed by channel (or with a ``channel``/``term`` column) holding the
        true value (``true``/``truth``), the mean recovered estimate (``estimate``/
        ``mean``) and an interval of the recovered estimates (``lower``/``upper``, e.g.
        the 2.5-97.5 percentiles across simulations). Objects with ``to_frame()`` or a
        ``table`` attribute are converted first.
    kind : {"recovery", "confusion"}, default "recovery"
        "recovery": true value vs recovered estimates per term; "confusion": heat map
        of ``check.confusion`` (rows: the mechanism that truly drives adoption; cells:
        share of simulations in which each channel comes out significant).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"true": [1.0, 0.0], "estimate": [0.9, 0.1], "lower": [0.5, -0.3],
    ...                   "upper": [1.3, 0.5]}, index=["border", "learning"])
    >>> ax = identification(t)
    """
    if kind == "confusion":
        return _confusion(check, ax=ax, title=title)
    if kind != "recovery":
        raise InputError(f"kind={kind!r}; use 'recovery' or 'confusion'")
    tab = _to_table(check, "check")
    for col in ("channel", "term"):
        if col in tab.columns:
            tab = tab.set_index(col)
            break
    true_col = _pick(tab, ("true", "truth", "true_value", "beta_true"))
    if true_col is None:
        raise ColumnNotFoundError(f"check: no column with the true values (true/truth); columns are "
                                  f"{list(tab.columns)}")
    if _pick(tab, _EST_NAMES) is None:
        failed = getattr(check, "n_failed", None)
        raise InputError("identification: the check holds no recovered estimates"
                         + (f" ({failed} simulation fits failed; see its .notes)" if failed else "")
                         + f"; columns are {list(tab.columns)}")
    t = _interval_table(tab.drop(columns=[true_col]), 0.05, "check")
    truth = tab[true_col].astype(float)
    order = list(map(str, t.index))
    ypos = np.arange(len(order))[::-1].astype(float)
    ax = _get_ax(ax, figsize=(6.4, max(2.4, 0.6 * len(order) + 1.2)))
    ax.hlines(ypos, t["lower"], t["upper"], color="#1f77b4", lw=2.5, zorder=3,
              label="recovered: middle 95% of simulations")
    ax.plot(t["estimate"], ypos, "o", color="#1f77b4", ms=7, mec="white", zorder=4, label="recovered: mean")
    ax.plot(truth, ypos, "D", color="#d62728", ms=7, mfc="none", mew=1.8, zorder=5, label="true value")
    ax.set_yticks(ypos)
    ax.set_yticklabels(order)
    ax.set_ylim(-0.7, len(order) - 0.3)
    ax.set_xlabel("Estimate")
    ax.set_title(title or "Identification check: true vs recovered")
    ax.legend(frameon=False, fontsize="small", loc="best")
    _style(ax)
    ax.grid(axis="y", visible=False)
    return ax


def _confusion(check: Any, *, ax: Axes | None, title: str | None) -> Axes:
    conf = check if isinstance(check, pd.DataFrame) else getattr(check, "confusion", None)
    if not isinstance(conf, pd.DataFrame) or conf.empty:
        raise InputError("identification(kind='confusion'): the check has no confusion table; run "
                         "ds.identification_check(..., confusion=True)")
    vals = conf.to_numpy(float)
    ax = _get_ax(ax, figsize=(1.3 * conf.shape[1] + 3.0, 0.6 * conf.shape[0] + 1.8))
    im = ax.imshow(vals, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            v = vals[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=9,
                        color="white" if v > 0.6 else "black")
    ax.set_xticks(range(conf.shape[1]))
    ax.set_xticklabels(list(map(str, conf.columns)))
    ax.set_yticks(range(conf.shape[0]))
    ax.set_yticklabels(list(map(str, conf.index)))
    ax.set_xlabel("Channel found significant (share of simulations)")
    ax.set_ylabel("True driver")
    ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
    ax.set_title(title or "Identification check: attribution")
    return ax


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


# --------------------------------------------------------------------------------------
# weight sensitivity
# --------------------------------------------------------------------------------------
def weight_sensitivity(table: Any, term: str | None = None, *, exponentiate: bool = False,
                       reference: str | None = None, standardized: bool = False, ax: Axes | None = None) -> Axes:
    """Estimates of one term across alternative weight matrices, with intervals.

    Parameters
    ----------
    table : result of ``ds.weight_sensitivity``, DataFrame, or dict name -> Results
        Rows indexed by weight-matrix name (or a ``weights`` column) with estimate and
        interval (or standard-error) columns; a ``term`` column selects ``term``. A dict
        of fitted models is read at ``term``.
    term : str, optional
        The term to show (needed when the table holds several).
    exponentiate : bool, default False
        Show exp(estimate) on a log axis.
    reference : str, optional
        Weight matrix of the main specification, drawn in red; the grey band spans the
        range of the other point estimates. Default: the result's ``reference``.
    standardized : bool, default False
        Plot the effect of a one-standard-deviation change in exposure (estimate and
        interval times ``exposure_sd``), comparable across differently scaled matrices.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"estimate": [0.8, 0.6, 0.9], "std_error": [0.2, 0.25, 0.3]},
    ...                  index=["rook", "queen", "distance"])
    >>> ax = weight_sensitivity(t, reference="rook")
    """
    if reference is None and isinstance(getattr(table, "reference", None), str):
        reference = table.reference
    sd = None
    if isinstance(table, Mapping):
        if standardized:
            raise InputError("weight_sensitivity: standardized=True needs a ds.weight_sensitivity result "
                             "(with exposure_sd)")
        if term is None:
            raise InputError("weight_sensitivity: with a dict of models, name the term (term='exposure')")
        rows = {}
        for k, res in table.items():
            t = _interval_table(res, 0.05, f"table[{k!r}]")
            if term not in t.index:
                raise InputError(f"term '{term}' not in model '{k}'{did_you_mean(term, map(str, t.index))}")
            rows[str(k)] = t.loc[term]
        tab = pd.DataFrame(rows).T
    else:
        tab = _to_table(table, "table")
        if "term" in tab.columns:
            terms = list(pd.unique(tab["term"].astype(str)))
            if term is None:
                if len(terms) > 1:
                    raise InputError(f"weight_sensitivity: table holds terms {terms}; choose one with term=")
                term = terms[0]
            if term not in terms:
                raise InputError(f"term '{term}' not in table{did_you_mean(term, terms)}; terms are {terms}")
            tab = tab[tab["term"].astype(str) == term].drop(columns=["term"])
        for col in ("weights", "W", "matrix", "name"):
            if col in tab.columns:
                tab = tab.set_index(col)
                break
        if standardized:
            if "exposure_sd" not in tab.columns:
                raise ColumnNotFoundError("weight_sensitivity: standardized=True needs an 'exposure_sd' column; "
                                          f"columns are {list(tab.columns)}")
            sd = tab["exposure_sd"].to_numpy(float)
        tab = _interval_table(tab, 0.05, "table")
    est, lo, hi = (tab[c].to_numpy(float) for c in ("estimate", "lower", "upper"))
    if sd is not None:
        est, lo, hi = est * sd, lo * sd, hi * sd
    if exponentiate:
        est, lo, hi = np.exp(est), np.exp(lo), np.exp(hi)
    names = list(map(str, tab.index))
    if reference is not None and reference not in names:
        raise InputError(f"reference '{reference}' is not one of the weight matrices {names}")
    ypos = np.arange(len(names))[::-1].astype(float)
    ax = _get_ax(ax, figsize=(6.4, max(2.4, 0.5 * len(names) + 1.3)))
    others = [i for i, n in enumerate(names) if n != reference]
    if len(names) > 1:
        sel = est[others] if reference is not None and others else est
        ax.axvspan(np.nanmin(sel), np.nanmax(sel), color="#dddddd", alpha=0.6, zorder=1,
                   label="range of point estimates")
    colors = ["#d62728" if n == reference else "#1f77b4" for n in names]
    ax.hlines(ypos, lo, hi, color=colors, lw=2, zorder=3)
    ax.scatter(est, ypos, color=colors, s=45, edgecolor="white", zorder=4)
    ref = 1.0 if exponentiate else 0.0
    ax.axvline(ref, color="#555555", lw=1, ls="--", zorder=2)
    if exponentiate:
        _log_x(ax)
    ax.set_yticks(ypos)
    ax.set_yticklabels([f"{n} (main)" if n == reference else n for n in names])
    ax.set_ylim(-0.7, len(names) - 0.3)
    what = "Hazard / odds ratio" if exponentiate else "Estimate"
    if sd is not None:
        what += " per SD of exposure"
    ax.set_xlabel(what + " with 95% interval")
    ax.set_title(f"Sensitivity to the weight matrix{': ' + term if term else ''}")
    if len(names) > 1:
        ax.legend(frameon=False, fontsize="small", loc="best")
    _style(ax)
    ax.grid(axis="y", visible=False)
    return ax


# --------------------------------------------------------------------------------------
# Schoenfeld residuals
# --------------------------------------------------------------------------------------
def _schoenfeld_frame(results: Any) -> tuple[pd.DataFrame, bool]:
    """Residual table and whether it is already scaled (beta(t) around the coefficient)."""
    if isinstance(results, pd.DataFrame):
        return results, False
    res_fn = getattr(results, "residuals", None)
    if callable(res_fn):
        try:
            return res_fn("scaled_schoenfeld"), True
        except (TypeError, ValueError, KeyError):
            pass
        try:
            raw = res_fn("schoenfeld")
        except (TypeError, ValueError, KeyError):
            raw = None
        if isinstance(raw, pd.DataFrame):
            return _scale_schoenfeld(results, raw), True
    raise InputError(f"schoenfeld: {type(results).__name__} has no Schoenfeld residuals; pass a Cox model's "
                     "results (with .residuals('schoenfeld')) or a DataFrame of residuals indexed by event time")


def _scale_schoenfeld(results: Any, raw: pd.DataFrame) -> pd.DataFrame:
    """Grambsch & Therneau (1994) scaled residuals: beta + d * V r_k (V: model-based variance)."""
    params = results.params
    terms = [t for t in params.index if t in raw.columns]
    if not terms:
        return raw
    V = getattr(results, "naive_cov", None)
    V = results.cov if V is None else V
    V = V.loc[terms, terms].to_numpy(float)
    r = raw[terms].to_numpy(float)
    d = len(raw)
    out = raw.copy()
    out[terms] = params[terms].to_numpy(float) + d * r @ V
    return out


def _lowess(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from statsmodels.nonparametric.smoothers_lowess import lowess

    fit = lowess(y, x, frac=2 / 3, it=3, return_sorted=True)
    return fit[:, 0], fit[:, 1]


def schoenfeld(results: Any, term: str | None = None, *, time: str | None = None, ax: Axes | None = None) -> Axes:
    """Scaled Schoenfeld residuals of a Cox model against event time, with a lowess curve.

    Under proportional hazards the scaled residuals (beta + d V r_k, Grambsch & Therneau
    1994, with d events and V the model-based variance) scatter flat around the
    coefficient, as in R's ``plot(cox.zph(fit))``; a trend says the effect changes over
    time. A DataFrame is plotted as given (reference line at 0).

    Parameters
    ----------
    results : Cox Results or DataFrame
        Results with ``residuals("schoenfeld")`` (scaled here) or a DataFrame with one
        column per term, indexed by event time (or with a
        ``time``/``stop`` column).
    term : str, optional
        Term to plot (default: the first).
    time : str, optional
        Column with event times when they are not the index.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.DataFrame({"x": np.sin(np.arange(30))}, index=pd.Index(np.arange(30.), name="time"))
    >>> ax = schoenfeld(r)
    """
    df, scaled = _schoenfeld_frame(results)
    df = df.copy()
    tcol = time or next((c for c in ("time", "stop", "event_time") if c in df.columns), None)
    if tcol is not None:
        require_columns(df, [tcol], argument="residuals")
        t = df.pop(tcol).to_numpy(float)
    else:
        t = np.asarray(df.index, dtype=float)
    df = df.select_dtypes("number")
    if df.shape[1] == 0:
        raise InputError("schoenfeld: the residual table has no numeric term columns")
    if term is None:
        term = str(df.columns[0])
    if term not in df.columns:
        raise InputError(f"term '{term}' has no residuals{did_you_mean(term, map(str, df.columns))}; "
                         f"terms are {list(map(str, df.columns))}")
    y = df[term].to_numpy(float)
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    ax = _get_ax(ax)
    ax.scatter(t, y, s=10, color="#1f77b4", alpha=0.35, edgecolor="none", zorder=2, label="residual")
    if len(t) >= 5 and np.ptp(t) > 0:
        xs, ys = _lowess(t, y)
        ax.plot(xs, ys, color="#d62728", lw=2, zorder=3, label="lowess")
    if scaled and hasattr(results, "params") and term in results.params.index:
        coef = float(results.params[term])
        ax.axhline(coef, color="#555555", lw=1, ls="--", zorder=1, label=f"coefficient ({coef:.3g})")
        ax.set_ylabel(f"Beta(t) for {term} (scaled Schoenfeld)")
    else:
        ax.axhline(0, color="#555555", lw=1, ls="--", zorder=1)
        ax.set_ylabel(f"Schoenfeld residual: {term}")
    ax.set_xlabel("Event time")
    ax.set_title(f"Proportional-hazards check: {term}")
    ax.legend(frameon=False, fontsize="small", loc="best")
    _style(ax)
    return ax
