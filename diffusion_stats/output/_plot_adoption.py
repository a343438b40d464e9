"""Plots of adoption data: cumulative curves, the US tile map, exposure versus hazard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.errors import InputError, did_you_mean, require_columns
from ._plot_base import _PALETTE, _as_frame, _get_ax, _style

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["adoption_curves", "tile_map", "exposure_hazard", "US_TILES"]

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


# --------------------------------------------------------------------------------------
# adoption curves
# --------------------------------------------------------------------------------------
def adoption_curves(adoptions: pd.DataFrame, policies: str | Sequence[str] | None = None, *,
                    n_units: int | None = None, share: bool = True, highlight: Sequence[str] | None = None,
                    max_labels: int = 8, start: int | None = None, ax: Axes | None = None) -> Axes:
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
    start : int, optional
        First year shown (e.g. the first year with events in the panel), so that a few
        early adoptions do not stretch the axis over centuries; earlier adoptions still
        count in the curves' levels. Default: the first adoption year.
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
    if start is not None:
        if not isinstance(start, (int, np.integer)) or start > hi:
            raise InputError(f"adoption_curves: start={start!r} must be an integer year up to the last "
                             f"adoption year {hi}")
        lo = max(lo, int(start))
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
def state_code(unit: Any) -> str | None:
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
        code = state_code(unit)
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
        in_study = {c for c in (state_code(u) for u in units) if c is not None}
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
