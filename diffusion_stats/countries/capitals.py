"""COW capital cities with their coordinates (peacesciencer's ``cow_capitals``): the positions
of :func:`diffusion_stats.plots.country_map`, which needs no basemap or shapefile."""

from __future__ import annotations

import pandas as pd

from ..core.accounting import Accounting
from ..core.errors import InputError
from ..design.frame import DesignFrame, design_frame
from ._io import data_file, read_rda

__all__ = ["read_cow_capitals"]


def read_cow_capitals(path=None, *, year: int | None = None, merge=None) -> DesignFrame:
    """COW capitals with latitude and longitude, one row per state.

    Parameters
    ----------
    path : path-like, optional
        ``cow_capitals.rda`` (peacesciencer's copy of the COW capitals list); default
        ``$DIFFUSION_STATS_DATA/cow/cow_capitals.rda``.
    year : int, optional
        The capital on 1 July of this year (states without a capital spell that day are
        left out and counted). Default: each state's most recent capital (Brasilia, not Rio
        de Janeiro; Abuja, not Lagos). Earlier spells are counted in the accounting.
    merge : None, "continuity" or dict, optional
        Merge successor codes into one unit as the other readers do (see
        :data:`CONTINUITY_MERGES`); a merged unit keeps its own (the successor's) capital.

    Returns
    -------
    DataFrame
        ``unit`` (str, as the other readers), ``ccode`` (int), ``statenme``, ``capital``,
        ``stdate``, ``enddate`` (datetime), ``lat``, ``lng``; sorted by ``ccode``.
        ``.accounting`` counts the spells left out.

    Examples
    --------
    >>> cap = read_cow_capitals()
    >>> cap.loc[cap.unit == "475", "capital"].item()
    'Abuja'
    >>> read_cow_capitals(year=1985).loc[lambda d: d.unit == "475", "capital"].item()
    'Lagos'
    """
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise InputError(f"year={year!r}: give an int (the capital on 1 July of that year) or None "
                         "(each state's most recent capital)")
    raw = read_rda(data_file(path, "cow", "cow_capitals.rda"), "cow_capitals",
                   ["ccode", "statenme", "capital", "stdate", "enddate", "lat", "lng"])
    acc = Accounting("read_cow_capitals", counts={"input capital spells": len(raw)})
    df = pd.DataFrame({
        "ccode": pd.to_numeric(raw["ccode"], errors="coerce").to_numpy(),
        "statenme": raw["statenme"].astype(str).to_numpy(),
        "capital": raw["capital"].astype(str).to_numpy(),
        "stdate": pd.to_datetime(raw["stdate"], errors="coerce").to_numpy(),
        "enddate": pd.to_datetime(raw["enddate"], errors="coerce").to_numpy(),
        "lat": pd.to_numeric(raw["lat"], errors="coerce").to_numpy(),
        "lng": pd.to_numeric(raw["lng"], errors="coerce").to_numpy(),
    })
    bad = df[["ccode", "lat", "lng", "stdate", "enddate"]].isna().any(axis=1)
    acc.exclude(int(bad.sum()), "with a missing code, coordinate or date: dropped", what="capital spells",
                examples=df.loc[bad, "statenme"].tolist())
    df = df.loc[~bad].copy()
    df["ccode"] = df["ccode"].astype("int64")
    from .cow import _merge_map

    mm = _merge_map(merge)
    df["unit"] = df["ccode"].replace(mm).astype(str)
    if mm:
        acc.counts["merged codes"] = ", ".join(f"{k}->{v}" for k, v in mm.items())
    if year is not None:
        day = pd.Timestamp(year=year, month=7, day=1)
        on = (df["stdate"] <= day) & (df["enddate"] >= day)
        acc.counts[f"capital spells not in force on {day.date()}"] = int((~on).sum())
        df = df.loc[on]
    # one row per unit: its latest spell; a merged unit prefers the successor's own code
    df = df.assign(_own=(df["unit"] == df["ccode"].astype(str)).astype(int))
    df = df.sort_values(["unit", "_own", "enddate", "stdate"], kind="stable")
    n0 = len(df)
    df = df.drop_duplicates("unit", keep="last").drop(columns="_own")
    acc.counts["earlier capital spells (or predecessors' capitals) not kept"] = n0 - len(df)
    df = df.sort_values("ccode", kind="stable").reset_index(drop=True)
    df = df[["unit", "ccode", "statenme", "capital", "stdate", "enddate", "lat", "lng"]]
    acc.n_rows = len(df)
    acc.counts["units"] = len(df)
    return design_frame(df, acc)
