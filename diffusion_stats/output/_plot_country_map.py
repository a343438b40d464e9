"""World or region dot map of one value per country, at the capitals (no basemap, no downloads)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..core.errors import InputError, RowAccountingWarning, did_you_mean, require_columns, user_stacklevel
from ..core.options import check_option
from ._plot_base import _PALETTE, _get_ax

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

_WORLD = (-180.0, 180.0, -58.0, 84.0)  # lon/lat frame of the world map (no Antarctica)


def _cow_units(index: pd.Index, code: str) -> np.ndarray:
    """COW codes (as str, "" if unknown) of an index of COW codes or ISO3 codes."""
    if code == "cow":
        num = pd.to_numeric(pd.Series(index.astype(str).str.strip(), dtype=object), errors="coerce")
        whole = num.notna() & (num == num.round())
        return np.where(whole, num.fillna(0).astype("int64").astype(str), "").astype(object)
    from ..countries.codes import cow_iso3_table

    t = cow_iso3_table().dropna(subset=["iso3"]).sort_values("last_date", kind="stable")
    latest = t.drop_duplicates("iso3", keep="last").set_index("iso3")["ccode"].astype("int64").astype(str)
    return pd.Series(index.astype(str).str.strip().str.upper()).map(latest).fillna("").to_numpy(dtype=object)


def _as_values(values: Any) -> pd.Series:
    if isinstance(values, Mapping) and not isinstance(values, pd.Series):
        values = pd.Series(dict(values))
    if not isinstance(values, pd.Series):
        raise InputError(f"values must be a pandas Series (or a dict) indexed by country code, got "
                         f"{type(values).__name__}; e.g. adoptions.set_index('unit')['year']")
    if values.index.has_duplicates:
        dup = values.index[values.index.duplicated()].unique().tolist()[:5]
        raise InputError(f"values has several entries for the country code(s) {dup}: give one value per "
                         "country (e.g. the first ratification year: df.groupby('unit')['year'].min())")
    return values


def country_map(values: Any, *, code: Literal["cow", "iso3"] = "cow", units: Iterable[Any] | None = None,
                region: str | Iterable[str] | None = None, color: Literal["value", "region"] = "value",
                capitals: pd.DataFrame | None = None, path: Any = None, cmap: str = "viridis",
                label: str | None = None, title: str | None = None, size: float = 28.0,
                ax: Axes | None = None) -> Axes:
    """Dot map of one value per country, each dot at the country's capital on a lon/lat frame.

    Needs no basemap, shapefile or download: positions come from the COW capitals table
    (:func:`diffusion_stats.countries.read_cow_capitals`, each state's most recent capital).
    Numeric values get a colour scale; text, boolean or categorical values get one colour
    per category and a legend. Countries whose code has no capital (or is not a code) are
    not drawn: they are named in a note under the frame and in a
    :class:`~diffusion_stats.RowAccountingWarning`, never dropped silently.

    Parameters
    ----------
    values : Series or dict
        One value per country (e.g. the ratification year), indexed by COW code (``"2"``,
        ``2`` or ``2.0``) or by ISO3 code (``code="iso3"``). Missing values (NaN) are drawn
        as "no value" when the country is in ``units``.
    code : {"cow", "iso3"}
        The codes of ``values``' index and of ``units``. ISO3 codes map to the latest COW
        state holding them (:func:`~diffusion_stats.countries.cow_iso3_table`).
    units : iterable, optional
        All countries to show: those without a value are drawn as small hollow grey dots
        (e.g. the states in the system that have not ratified).
    region : str or list of str, optional
        Draw only the countries of these COW regions (``"Americas"``, ``"Europe"``,
        ``"Africa"``, ``"Middle East"``, ``"Asia"``, ``"Oceania"``, see
        :data:`~diffusion_stats.countries.COW_REGIONS`) and zoom the frame to them.
    color : {"value", "region"}
        Colour the dots by their value, or by their COW region (then ``values`` only says
        which countries to draw).
    capitals : DataFrame, optional
        Positions: columns ``ccode`` (or ``unit``), ``lat``, ``lng``, one row per country,
        as from :func:`~diffusion_stats.countries.read_cow_capitals` (default: read it from
        ``path`` or the data folder).
    path : path-like, optional
        ``cow_capitals.rda`` when ``capitals`` is None.
    cmap : str
        Matplotlib colour map of numeric values.
    label : str, optional
        Colour-bar label (default: the Series name).
    title : str, optional
    size : float
        Dot area (points squared).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The first collection holds the dots with a value, in the order of ``values``.

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> cap = pd.DataFrame({"ccode": [2, 220, 710], "lat": [38.9, 48.9, 39.9], "lng": [-77.0, 2.3, 116.4]})
    >>> ax = ds.plots.country_map(pd.Series({"2": 2003, "220": 2007}, name="year"), units=["2", "220", "710"],
    ...                           capitals=cap)
    >>> len(ax.collections[0].get_offsets()), len(ax.collections[1].get_offsets())
    (2, 1)
    """
    check_option("code", code, ("cow", "iso3"))
    check_option("color", color, ("value", "region"))
    values = _as_values(values)
    from ..countries.igo import COW_REGIONS, cow_region

    regions = [r for _, _, r in COW_REGIONS]
    wanted: list[str] | None = None
    if region is not None:
        wanted = [region] if isinstance(region, str) else list(region)
        for r in wanted:
            if r not in regions:
                raise InputError(f"region={r!r}{did_you_mean(str(r), regions)}; use one or several of {regions}")
    if capitals is None:
        from ..countries.capitals import read_cow_capitals

        capitals = read_cow_capitals(path)
    if not isinstance(capitals, pd.DataFrame):
        raise InputError(f"capitals must be a DataFrame (from ds.countries.read_cow_capitals()), got "
                         f"{type(capitals).__name__}")
    key = "unit" if "unit" in capitals.columns else "ccode"
    require_columns(capitals, [key, "lat", "lng"], argument="capitals")
    cap_units = _cow_units(pd.Index(capitals[key]), "cow")
    if pd.Index(cap_units).has_duplicates:
        raise InputError("capitals has several rows for a country: give one position per country "
                         "(read_cow_capitals() keeps the most recent capital of each)")
    pos = pd.DataFrame({"lng": pd.to_numeric(capitals["lng"], errors="coerce").to_numpy(),
                        "lat": pd.to_numeric(capitals["lat"], errors="coerce").to_numpy()},
                       index=pd.Index(cap_units)).dropna()

    v_units = _cow_units(values.index, code)
    placed = pd.Index(v_units).isin(pos.index)
    v_region = cow_region(v_units)
    in_region = np.ones(len(values), bool) if wanted is None else np.isin(v_region, wanted)
    unplaced = [str(k) for k in values.index[~placed & in_region]]
    has_value = values.notna().to_numpy()
    draw = placed & in_region & has_value

    others = np.zeros(0, dtype=object)
    if units is not None:
        u_index = pd.Index(list(units) if not isinstance(units, (str, bytes)) else [units])
        u_units = _cow_units(u_index, code)
        u_in = np.ones(len(u_units), bool) if wanted is None else np.isin(cow_region(u_units), wanted)
        u_placed = pd.Index(u_units).isin(pos.index)
        unplaced += [str(k) for k in u_index[~u_placed & u_in & ~u_index.isin(values.index)]]
        others = pd.unique(np.concatenate([u_units[u_placed & u_in], v_units[placed & in_region & ~has_value]]))
        others = np.setdiff1d(others.astype(str), v_units[draw].astype(str))
    if unplaced:
        warnings.warn(f"country_map: {len(unplaced)} country code(s) without a capital position, not drawn: "
                      f"{', '.join(unplaced[:20])}{' ...' if len(unplaced) > 20 else ''}",
                      RowAccountingWarning, stacklevel=user_stacklevel())

    xy = pos.loc[v_units[draw]]
    if wanted is None:
        x0, x1, y0, y1 = _WORLD
    else:
        allxy = pd.concat([xy, pos.loc[others]]) if len(others) else xy
        if len(allxy) == 0:
            x0, x1, y0, y1 = _WORLD
        else:
            pad = 4.0
            x0, x1 = allxy["lng"].min() - pad, allxy["lng"].max() + pad
            y0, y1 = allxy["lat"].min() - pad, allxy["lat"].max() + pad
    # a figure whose height fits the frame's aspect (about 7.6 in of map width beside a colour bar)
    ax = _get_ax(ax, figsize=(9.0, float(np.clip(7.6 * (y1 - y0) / (x1 - x0) + 1.1, 3.0, 9.0))))
    shown = values[draw]
    numeric = pd.api.types.is_numeric_dtype(shown) and not pd.api.types.is_bool_dtype(shown)
    if color == "region":
        cats = pd.Categorical(v_region[draw], categories=[r for r in regions if r in set(v_region[draw])])
        numeric = False
    elif not numeric:
        cats = pd.Categorical(shown.astype(str).to_numpy() if not isinstance(shown.dtype, pd.CategoricalDtype)
                              else shown.to_numpy())
    if numeric:
        sc = ax.scatter(xy["lng"].to_numpy(), xy["lat"].to_numpy(), c=shown.to_numpy(dtype=float), cmap=cmap,
                        s=size, edgecolors="k", linewidths=0.3, zorder=3)
        ax.figure.colorbar(sc, ax=ax, shrink=0.75, pad=0.02,
                           label=label if label is not None else str(values.name or ""))
    else:
        colours = np.array(_PALETTE * (len(cats.categories) // len(_PALETTE) + 1))[: len(cats.categories)]
        ax.scatter(xy["lng"].to_numpy(), xy["lat"].to_numpy(), c=colours[cats.codes] if len(cats) else [],
                   s=size, edgecolors="k", linewidths=0.3, zorder=3)
    if len(others):
        oxy = pos.loc[others]
        ax.scatter(oxy["lng"].to_numpy(), oxy["lat"].to_numpy(), s=size * 0.55, facecolors="none",
                   edgecolors="0.55", linewidths=0.7, zorder=2)
    if not numeric:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], ls="", marker="o", mfc=c, mec="k", mew=0.3, label=str(k))
                   for k, c in zip(cats.categories, colours, strict=True)]
        if len(others):
            handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec="0.55", label="no value"))
        if color == "region":
            legend_title: str | None = "COW region"
        else:
            legend_title = label if label is not None else (str(values.name) if values.name is not None else None)
        ax.legend(handles=handles, loc="lower left", fontsize=8, title=legend_title, title_fontsize=8,
                  framealpha=0.85, edgecolor="0.8")
    elif len(others):
        from matplotlib.lines import Line2D

        ax.legend(handles=[Line2D([], [], ls="", marker="o", mfc="none", mec="0.55", label="no value")],
                  loc="lower left", fontsize=8, framealpha=0.85, edgecolor="0.8")

    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.axhline(0, color="0.85", lw=0.6, zorder=1)
    ax.grid(color="0.92", lw=0.6, zorder=0)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_formatter(lambda v, _: f"{abs(v):.0f}°{'E' if v > 0 else 'W' if v < 0 else ''}")
    ax.yaxis.set_major_formatter(lambda v, _: f"{abs(v):.0f}°{'N' if v > 0 else 'S' if v < 0 else ''}")
    ax.tick_params(labelsize=8)
    ax.set_title(title if title is not None else "")
    note = f"{int(draw.sum())} countries with a value"
    if len(others):
        note += f", {len(others)} without (hollow)"
    if wanted is not None:
        note += f"; region: {', '.join(wanted)} ({int((~in_region).sum())} other countries not shown)"
    if unplaced:
        note += (f"; not placed (no capital position, {len(unplaced)}): {', '.join(unplaced[:10])}"
                 f"{' ...' if len(unplaced) > 10 else ''}")
    ax.annotate(note + ". Dots at capitals (COW).", (0, -0.02), xycoords="axes fraction", va="top",
                fontsize=7, color="0.35", annotation_clip=False, xytext=(0, -22), textcoords="offset points")
    return ax
