"""Correlates of War readers: state system membership, contiguity, shared IGOs,
minimum distance, national capabilities and trade.

Units are COW country codes **as strings** (``"2"`` = USA, ``"255"`` = Germany), so they
match the package-wide ``unit`` (str) of the adoption layout and ``Weights`` labels; an
integer ``ccode`` column is kept beside them where useful.

State births, deaths and re-entries
-----------------------------------
COW records one row per membership spell. Several states have more than one spell
(France 1816-1942 and 1944-, the Netherlands, Poland, the Baltic states ...) and the
big twentieth-century transitions are coded as follows:

* **Germany**: 255 (Germany) 1816-1945 and again from 3 Oct 1990; 260 (German Federal
  Republic) 1955-1990; 265 (GDR) 1954-1990.
* **Czechoslovakia**: 315, 1918-1939 and 1945-1992; then 316 (Czech Republic) and
  317 (Slovakia) from 1993.
* **Yugoslavia / Serbia**: 345 continuously from 1944 (Serbia keeps the code); the
  other republics enter with new codes in 1991-2008.
* **USSR / Russia**: 365 continuously since 1816 (COW does not split the USSR from Russia);
  the other Soviet republics enter in 1991.
* **Yemen**: 678 (Yemen Arab Republic) and 680 (Yemen People's Republic) end on 21 May
  1990; 679 (Yemen) enters on 22 May 1990.

Spells become risk-set spans in years: a state is in the system in year *t* if any
spell covers any day of *t* (COW's state-year convention), so in 1990 both 260 and 255
are in the system. ``read_cow_states`` returns one row per spell (a unit may have several
rows; gaps are years out of the system, e.g. Germany 1946-1989). ``spells="envelope"``
gives one row per unit instead (first entry .. last exit, gaps reported), for builders
that take one span per unit.

Successor states can be merged into one unit with ``merge=`` (e.g.
:data:`CONTINUITY_MERGES`: the German Federal Republic becomes Germany 255,
Czechoslovakia continues as the Czech Republic 316, the Yemen Arab Republic continues
as Yemen 679). This matters for treaties: the UN lists Germany's pre-1990 ratifications
under "Germany", which the date-aware name mapping gives to 260; with merging they
belong to unit "255", which is then not at risk again after 1990.

One case no merge fixes: the Republic of Yemen (679) continues *both* Yemens in UN
practice, but COW's Yemen Arab Republic (678) and Yemen People's Republic (680) coexisted
until 1990, so they cannot be one unit before then. Treaties that Democratic Yemen (680)
joined before unification (CEDAW in 1984, the ICCPR in 1987) are recorded for 680, and 679
is at risk for them from its entry (or, with :data:`CONTINUITY_MERGES`, as the YAR's
continuation). Drop 679 from those risk sets, or end its span, if that matters.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..core.accounting import Accounting
from ..core.errors import InputError
from ..design.frame import design_frame
from ._io import data_file, read_rda, year_range

__all__ = [
    "CONTINUITY_MERGES",
    "read_cow_states",
    "states_in_system",
    "state_years",
    "read_cow_contiguity",
    "read_cow_igo",
    "read_cow_mindist",
    "read_cow_capabilities",
    "read_cow_trade",
    "capability_weights",
]

#: Successor merges for continuity across state transitions: old COW code -> unit.
CONTINUITY_MERGES: dict[int, int] = {260: 255, 315: 316, 678: 679}

#: Names of the COW direct contiguity types.
CONTTYPES = {1: "land or river border", 2: "separated by 12 miles of water or less",
             3: "separated by 24 miles of water or less", 4: "separated by 150 miles of water or less",
             5: "separated by 400 miles of water or less"}


def _merge_map(merge) -> dict[int, int]:
    if merge is None or merge is False:
        return {}
    if merge is True or merge == "continuity":
        return dict(CONTINUITY_MERGES)
    if isinstance(merge, Mapping):
        try:
            return {int(k): int(v) for k, v in merge.items()}
        except (TypeError, ValueError):
            raise InputError(f"merge={merge!r}: give a dict of COW codes {{old: new}}, e.g. {{260: 255}}") from None
    raise InputError(f"merge={merge!r}: use None, 'continuity' or a dict {{old COW code: new COW code}}")


def _date(y, m, d) -> pd.Series:
    return pd.to_datetime(pd.DataFrame({"year": y, "month": m.fillna(1), "day": d.fillna(1)}).astype(int),
                          errors="coerce")


def read_cow_states(path=None, *, merge=None, spells: str = "all", years=None,
                    collapse: bool = True) -> pd.DataFrame:
    """COW state system membership as unit existence spans.

    Parameters
    ----------
    path : path-like, optional
        ``cow_states.rda`` (peacesciencer's copy of COW ``states2016``); default
        ``$DIFFUSION_STATS_DATA/cow/cow_states.rda``.
    merge : None, "continuity" or dict, optional
        Merge successor codes into one unit (see module notes and :data:`CONTINUITY_MERGES`).
    spells : {"all", "envelope"}
        ``"all"``: one row per spell (a unit may have several rows). ``"envelope"``: one
        row per unit from first entry to last exit; the gap years thus put at risk are
        reported.
    years : int or (first, last), optional
        Clip spans to this window (spells outside it are left out; ``first_date`` and
        ``last_date`` stay the spell's own).
    collapse : bool
        Join spells of the same unit that overlap or follow each other without a gap
        year (only happens with ``merge``: e.g. Czechoslovakia to 1992, Czech Republic
        from 1993), so no year is counted twice and spans have no empty gaps.

    Returns
    -------
    DataFrame
        ``unit`` (str), ``ccode`` (int, the original code of the spell's first row),
        ``stateabb``, ``statenme``, ``spell`` (1, 2, ... within unit), ``first_year``,
        ``last_year`` (int64), ``first_date``, ``last_date``; sorted by ccode, first_year.
        ``df.accounting`` counts spells and units.

    Examples
    --------
    >>> st = read_cow_states()
    >>> st.loc[st.unit == "255", ["first_year", "last_year"]].values.tolist()
    [[1816, 1945], [1990, 2016]]
    """
    if spells not in ("all", "envelope"):
        raise InputError(f"spells={spells!r}: use 'all' (one row per spell) or 'envelope' (one row per unit)")
    raw = read_rda(data_file(path, "cow", "cow_states.rda"), "cow_states",
                   ["ccode", "stateabb", "statenme", "styear", "stmonth", "stday", "endyear", "endmonth", "endday"])
    acc = Accounting("read_cow_states", counts={"input spells": len(raw)})
    bad = raw["ccode"].isna() | raw["styear"].isna() | raw["endyear"].isna() | (raw["endyear"] < raw["styear"])
    acc.exclude(int(bad.sum()), "with missing code/years or end before start: dropped", what="spells",
                examples=raw.loc[bad, "statenme"].tolist())
    raw = raw.loc[~bad]
    df = pd.DataFrame({
        "ccode": raw["ccode"].astype("int64").to_numpy(),
        "stateabb": raw["stateabb"].astype(str).to_numpy(),
        "statenme": raw["statenme"].astype(str).to_numpy(),
        "first_year": raw["styear"].astype("int64").to_numpy(),
        "last_year": raw["endyear"].astype("int64").to_numpy(),
        "first_date": _date(raw["styear"], raw["stmonth"], raw["stday"]).to_numpy(),
        "last_date": _date(raw["endyear"], raw["endmonth"], raw["endday"]).to_numpy(),
    })
    yr = year_range(years)
    if yr is not None:
        inside = (df["last_year"] >= yr[0]) & (df["first_year"] <= yr[1])
        acc.counts[f"spells outside years={yr}"] = int((~inside).sum())
        df = df.loc[inside].copy()
        df["first_year"] = df["first_year"].clip(lower=yr[0])
        df["last_year"] = df["last_year"].clip(upper=yr[1])
    mm = _merge_map(merge)
    df["unit"] = df["ccode"].map(lambda c: str(mm.get(c, c)))
    if mm:
        acc.counts["merged codes"] = ", ".join(f"{k}->{v}" for k, v in mm.items())
    df = df.sort_values(["unit", "first_date"], kind="stable").reset_index(drop=True)
    if collapse:
        prev_last = df.groupby("unit")["last_year"].shift()
        new = prev_last.isna() | (df["first_year"] > prev_last + 1)
        grp = new.cumsum()
        n0 = len(df)
        df = df.groupby(grp, sort=False).agg(
            unit=("unit", "first"), ccode=("ccode", "first"), stateabb=("stateabb", "first"),
            statenme=("statenme", "first"), first_year=("first_year", "min"), last_year=("last_year", "max"),
            first_date=("first_date", "min"), last_date=("last_date", "max")).reset_index(drop=True)
        if len(df) < n0:
            acc.counts["spells joined (adjacent or overlapping years after merge)"] = n0 - len(df)
    if spells == "envelope":
        years_in = (df["last_year"] - df["first_year"] + 1).groupby(df["unit"]).sum()
        env = df.groupby("unit", sort=False).agg(
            ccode=("ccode", "first"), stateabb=("stateabb", "last"), statenme=("statenme", "last"),
            first_year=("first_year", "min"), last_year=("last_year", "max"),
            first_date=("first_date", "min"), last_date=("last_date", "max")).reset_index()
        gap = (env["last_year"] - env["first_year"] + 1).to_numpy() - years_in.reindex(env["unit"]).to_numpy()
        acc.exclude(int(gap.sum()), "out-of-system gap years (between spells) included by spells='envelope'",
                    what="unit-years added", examples=env.loc[gap > 0, "statenme"].tolist())
        df = env
    df["spell"] = df.groupby("unit").cumcount() + 1
    df = df.sort_values(["ccode", "first_year"], kind="stable").reset_index(drop=True)
    df = df[["unit", "ccode", "stateabb", "statenme", "spell", "first_year", "last_year", "first_date", "last_date"]]
    acc.n_rows = len(df)
    acc.counts["units"] = int(df["unit"].nunique())
    df = design_frame(df, acc)
    return df


def state_years(states: pd.DataFrame | None = None, *, years=None, path=None, merge=None) -> pd.DataFrame:
    """Unit-years in the state system (one row per unit and year it was a member).

    Parameters
    ----------
    states : DataFrame, optional
        Output of :func:`read_cow_states` (default: read it).
    years : int or (first, last), optional
        Keep only these years.
    path, merge
        Passed to :func:`read_cow_states` when ``states`` is None.

    Returns
    -------
    DataFrame
        ``unit`` (str), ``year`` (int64), sorted by year, unit (as ints).

    Examples
    --------
    >>> sy = state_years(years=(1990, 1991))
    >>> int((sy.year == 1991).sum())
    177
    """
    if states is None:
        states = read_cow_states(path, merge=merge)
    n = (states["last_year"] - states["first_year"] + 1).to_numpy()
    units = np.repeat(states["unit"].to_numpy(), n)
    start = np.repeat(states["first_year"].to_numpy(), n)
    offs = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    out = pd.DataFrame({"unit": units, "year": (start + offs).astype("int64")}).drop_duplicates()
    yr = year_range(years)
    if yr is not None:
        out = out[(out["year"] >= yr[0]) & (out["year"] <= yr[1])]
    key = out["unit"].astype(int)
    return out.assign(_k=key).sort_values(["year", "_k"]).drop(columns="_k").reset_index(drop=True)


def states_in_system(year: int, states: pd.DataFrame | None = None, *, path=None, merge=None) -> pd.DataFrame:
    """States that were members of the COW system at any time in ``year``.

    Parameters
    ----------
    year : int
    states : DataFrame, optional
        Output of :func:`read_cow_states` (default: read it).
    path, merge
        Passed to :func:`read_cow_states` when ``states`` is None.

    Returns
    -------
    DataFrame
        The spells covering ``year`` (``unit``, ``ccode``, ``stateabb``, ``statenme``, ...),
        one row per unit, sorted by ccode.

    Examples
    --------
    >>> len(states_in_system(1816))
    23
    """
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InputError(f"year={year!r}: give one integer year") from None
    if states is None:
        states = read_cow_states(path, merge=merge)
    hit = states[(states["first_year"] <= year) & (states["last_year"] >= year)]
    return hit.drop_duplicates("unit").reset_index(drop=True)


def _expand_years(df: pd.DataFrame, first: pd.Series, last: pd.Series) -> pd.DataFrame:
    n = (last - first + 1).to_numpy().astype(int)
    idx = np.repeat(np.arange(len(df)), n)
    offs = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    out = df.iloc[idx].reset_index(drop=True)
    out["year"] = (np.repeat(first.to_numpy(), n) + offs).astype("int64")
    return out


def _apply_merge(df: pd.DataFrame, mm: dict, cols: list[str], acc: Accounting, what: str, *,
                 undirected: bool = False, keys: list[str] | None = None) -> pd.DataFrame:
    """Recode integer COW codes in ``cols`` with ``mm``; drop self-pairs and, if ``keys``,
    duplicates (the record of the code that survives the merge is kept)."""
    if not mm:
        return df
    df = df.copy()
    n_rec = np.zeros(len(df), dtype=np.int64)
    for c in cols:
        hit = df[c].isin(list(mm)).to_numpy()
        n_rec += hit
        df[c] = df[c].replace(mm)
    if undirected and len(cols) == 2:
        a, b = df[cols[0]].to_numpy(), df[cols[1]].to_numpy()
        df[cols[0]], df[cols[1]] = np.minimum(a, b), np.maximum(a, b)
    acc.counts[f"{what} recoded by merge="] = int((n_rec > 0).sum())
    if len(cols) == 2:
        selfp = (df[cols[0]] == df[cols[1]]).to_numpy()
        acc.exclude(int(selfp.sum()), "became self-pairs after merge= (predecessor with successor): dropped",
                    what=what)
        df, n_rec = df.loc[~selfp], n_rec[~selfp]
    if keys:
        order = np.argsort(n_rec, kind="stable")
        df = df.iloc[order]
        dup = df.duplicated(keys)
        acc.exclude(int(dup.sum()), f"fell on the same {', '.join(keys)} after merge=: the surviving code's "
                    "own record kept", what=what)
        df = df.loc[~dup.to_numpy()].sort_index()
    return df


def _to_weights(frame: pd.DataFrame, *, value: str | None, symmetric: bool, name: str, units=None):
    from ..weights.core import Weights

    if units is not None:  # a selection the caller asked for: dyads with other units are left out
        units = [str(u) for u in units]
        frame = frame[frame["unit1"].isin(units) & frame["unit2"].isin(units)]
    return Weights.from_dyads(frame, unit1="unit1", unit2="unit2", value=value, year="year",
                              units=units, symmetric=symmetric, name=name)


def _filter_years(df: pd.DataFrame, yr, acc: Accounting, what: str) -> pd.DataFrame:
    if yr is None:
        return df
    keep = (df["year"] >= yr[0]) & (df["year"] <= yr[1])
    acc.counts[f"{what} outside years={yr}"] = int((~keep).sum())  # a selection, not a loss: no warning
    return df.loc[keep]


def _restrict_states(df: pd.DataFrame, states, acc: Accounting, what: str) -> pd.DataFrame:
    if states is None:
        return df
    sy = state_years(states).assign(_in=True)
    ok = np.ones(len(df), bool)
    for col in ("unit1", "unit2"):
        hit = df[[col, "year"]].merge(sy.rename(columns={"unit": col}), on=[col, "year"], how="left")["_in"]
        ok &= hit.notna().to_numpy()
    acc.exclude(int((~ok).sum()), "with a state outside the state system that year (states=): dropped",
                what=what, examples=(df.loc[~ok, "unit1"] + "-" + df.loc[~ok, "unit2"] + " "
                                     + df.loc[~ok, "year"].astype(str)).head(5).tolist())
    return df.loc[ok]


def read_cow_contiguity(path=None, *, max_type: int = 1, years=None, states: pd.DataFrame | None = None,
                        merge=None, labels=None, as_frame: bool = False, name: str | None = None):
    """COW direct contiguity as a yearly (time-varying) binary ``Weights``.

    Spells (``stdate`` .. ``enddate``) become dyad-years (every calendar year the spell
    touches). A dyad is a neighbour in year *t* if its closest contiguity type that year
    is ``<= max_type``: 1 = land or river border, 2 = 12 miles of water, 3 = 24 miles,
    4 = 150 miles, 5 = 400 miles. Rows with ``conttype`` 0 (spells recorded as *not*
    directly contiguous) never count and are reported.

    Parameters
    ----------
    path : path-like, optional
        ``cow_contdir.rda``; default ``$DIFFUSION_STATS_DATA/cow/cow_contdir.rda``.
    max_type : int in 1..5
        Contiguity-type threshold.
    years : int or (first, last), optional
    states : DataFrame, optional
        Output of :func:`read_cow_states`; drops (and reports) dyad-years where a state
        is not in the system.
    merge : None, "continuity" or dict, optional
        Recode successor codes as in :func:`read_cow_states` (self-pairs dropped; the
        closest type kept where two codes meet).
    labels : sequence of str, optional
        Unit labels of the ``Weights`` (adds isolates, e.g. island states; dyads with
        other units are left out).
    as_frame : bool
        Return the directed dyad-year frame (``unit1``, ``unit2``, ``year``, ``conttype``)
        instead of ``Weights``.
    name : str, optional
        Weights name (default ``"contiguity<=k"``).

    Returns
    -------
    Weights or DataFrame

    Examples
    --------
    >>> W = read_cow_contiguity(max_type=1, years=(1990, 2014))
    >>> W.neighbors("2", year=2000)
    ('20', '70')
    """
    if not isinstance(max_type, (int, np.integer)) or isinstance(max_type, bool) or not 1 <= max_type <= 5:
        raise InputError(f"max_type={max_type!r}: give an integer 1..5 "
                         f"({'; '.join(f'{k} = {v}' for k, v in CONTTYPES.items())})")
    yr = year_range(years)
    raw = read_rda(data_file(path, "cow", "cow_contdir.rda"), "cow_contdir",
                   ["ccode1", "ccode2", "conttype", "stdate", "enddate"])
    acc = Accounting("read_cow_contiguity", counts={"input spells": len(raw), "max_type": int(max_type)})
    st = pd.to_datetime(raw["stdate"], errors="coerce")
    en = pd.to_datetime(raw["enddate"], errors="coerce")
    bad = raw[["ccode1", "ccode2", "conttype"]].isna().any(axis=1) | st.isna() | en.isna() | (en < st)
    acc.exclude(int(bad.sum()), "with missing codes/dates or end before start: dropped", what="spells")
    zero = ~bad & (raw["conttype"] == 0)
    acc.counts["spells with conttype 0 (not directly contiguous), ignored"] = int(zero.sum())
    beyond = ~bad & (raw["conttype"] > max_type)
    acc.counts[f"spells with conttype > {max_type}, ignored"] = int(beyond.sum())
    keep = ~bad & ~zero & ~beyond
    sp = pd.DataFrame({"unit1": raw.loc[keep, "ccode1"].astype("int64"),
                       "unit2": raw.loc[keep, "ccode2"].astype("int64"),
                       "conttype": raw.loc[keep, "conttype"].astype("int64")})
    dy = _expand_years(sp, st[keep].dt.year, en[keep].dt.year)
    dy = _filter_years(dy, yr, acc, "dyad-years")
    dy = _apply_merge(dy, _merge_map(merge), ["unit1", "unit2"], acc, "dyad-years")
    n0 = len(dy)
    dy = dy.sort_values("conttype").drop_duplicates(["unit1", "unit2", "year"])
    acc.counts["overlapping spell-years collapsed to the closest type"] = n0 - len(dy)
    dy = dy.sort_values(["year", "unit1", "unit2"]).reset_index(drop=True)
    dy["unit1"] = dy["unit1"].astype(str)
    dy["unit2"] = dy["unit2"].astype(str)
    dy = _restrict_states(dy, states, acc, "dyad-years")
    dy = dy[["unit1", "unit2", "year", "conttype"]].reset_index(drop=True)
    acc.n_rows = len(dy)
    acc.counts["directed dyad-years"] = len(dy)
    dy = design_frame(dy, acc)
    if as_frame:
        return dy
    return _to_weights(dy, value=None, symmetric=False, name=name or f"contiguity<={max_type}", units=labels)


def _dyad_year_reader(path, file, obj, value, dtype, builder, bad_reason, years, merge, states,
                      drop_duplicates=False) -> pd.DataFrame:
    """Non-directed COW dyad-year file -> ``unit1``, ``unit2`` (str codes), ``year``, ``value``.

    Rows with a missing field or a negative ``value`` (COW's missing codes) are dropped
    with ``bad_reason``; then the years, successor merges, (optionally) duplicated
    dyad-years and non-system states are handled and reported, as for state-years.
    """
    yr = year_range(years)
    raw = read_rda(data_file(path, "cow", file), obj, ["ccode1", "ccode2", "year", value])
    acc = Accounting(builder, counts={"input dyad-years": len(raw)})
    bad = raw.isna().any(axis=1) | (raw[value] < 0)
    acc.exclude(int(bad.sum()), bad_reason, what="dyad-years")
    df = pd.DataFrame({"unit1": raw.loc[~bad, "ccode1"].astype("int64"),
                       "unit2": raw.loc[~bad, "ccode2"].astype("int64"),
                       "year": raw.loc[~bad, "year"].astype("int64"),
                       value: raw.loc[~bad, value].astype(dtype)})
    df = _filter_years(df, yr, acc, "dyad-years")
    df = _apply_merge(df, _merge_map(merge), ["unit1", "unit2"], acc, "dyad-years", undirected=True,
                      keys=["unit1", "unit2", "year"])
    if drop_duplicates:
        dup = df.duplicated(["unit1", "unit2", "year"])
        acc.exclude(int(dup.sum()), "duplicated dyad-years: dropped (first kept)", what="dyad-years")
        df = df.loc[~dup]
    df["unit1"] = df["unit1"].astype(str)
    df["unit2"] = df["unit2"].astype(str)
    df = _restrict_states(df, states, acc, "dyad-years").reset_index(drop=True)
    acc.n_rows = len(df)
    df = design_frame(df, acc)
    return df


def read_cow_igo(path=None, *, years=None, min_shared: int = 1, binary: bool = False,
                 states: pd.DataFrame | None = None, merge=None, labels=None, as_frame: bool = False,
                 name: str = "igo"):
    """COW shared IGO memberships by dyad-year as a yearly ``Weights`` (weight = count).

    Parameters
    ----------
    path : path-like, optional
        ``cow_igo_ndy.rda`` (non-directed dyad-years, ``dyadigos`` = number of IGOs in
        which both are full members); default ``$DIFFUSION_STATS_DATA/cow/cow_igo_ndy.rda``.
    years : int or (first, last), optional
    min_shared : int
        Pairs sharing fewer IGOs are not neighbours (the frame keeps them).
    binary : bool
        Weight 1 instead of the count.
    states : DataFrame, optional
        Drop (and report) dyad-years where a state is not in the system.
    merge : None, "continuity" or dict, optional
        Recode successor codes as in :func:`read_cow_states`.
    labels : sequence of str, optional
        Unit labels of the ``Weights`` (dyads with other units are left out).
    as_frame : bool
        Return the non-directed frame ``unit1``, ``unit2``, ``year``, ``dyadigos`` instead.
    name : str

    Returns
    -------
    Weights (symmetric) or DataFrame

    Examples
    --------
    >>> W = read_cow_igo(years=(1990, 2014))
    >>> W.years[:2]
    (1990, 1991)
    """
    df = _dyad_year_reader(path, "cow_igo_ndy.rda", "cow_igo_ndy", "dyadigos", "int64", "read_cow_igo",
                           "with missing values or COW missing codes (<0): dropped", years, merge, states,
                           drop_duplicates=True)
    if as_frame:
        return df
    if not isinstance(min_shared, (int, np.integer)) or min_shared < 1:
        raise InputError(f"min_shared={min_shared!r}: give an integer >= 1")
    w = df[df["dyadigos"] >= min_shared].copy()
    if binary:
        w["dyadigos"] = 1
    return _to_weights(w, value="dyadigos", symmetric=True, name=name, units=labels)


def read_cow_mindist(path=None, *, years=None, max_distance: float | None = None,
                     states: pd.DataFrame | None = None, merge=None, labels=None, name: str | None = None):
    """COW minimum distance between states by dyad-year (km).

    Parameters
    ----------
    path : path-like, optional
        ``cow_mindist.rda``; default ``$DIFFUSION_STATS_DATA/cow/cow_mindist.rda``.
    years : int or (first, last), optional
    max_distance : float, optional
        If given, return a yearly binary symmetric ``Weights`` of pairs at most this far
        apart instead of the frame.
    states : DataFrame, optional
        Drop (and report) dyad-years where a state is not in the system.
    merge : None, "continuity" or dict, optional
        Recode successor codes as in :func:`read_cow_states`.
    labels : sequence of str, optional
        Unit labels of the ``Weights`` (with ``max_distance``; dyads with other units are
        left out).
    name : str, optional

    Returns
    -------
    DataFrame (``unit1`` < ``unit2`` as codes, ``year``, ``mindist``) or Weights

    Examples
    --------
    >>> md = read_cow_mindist(years=2000)
    >>> md.columns.tolist()
    ['unit1', 'unit2', 'year', 'mindist']
    """
    df = _dyad_year_reader(path, "cow_mindist.rda", "cow_mindist", "mindist", float, "read_cow_mindist",
                           "with missing or negative distance: dropped", years, merge, states)
    if max_distance is None:
        return df
    if not np.isfinite(max_distance) or max_distance < 0:
        raise InputError(f"max_distance={max_distance!r}: give a distance in km >= 0")
    w = df[df["mindist"] <= max_distance]
    return _to_weights(w, value=None, symmetric=True, name=name or f"mindist<={max_distance:g}km", units=labels)


def _state_year_reader(path, folder_file, obj, cols, builder, years, merge=None) -> pd.DataFrame:
    yr = year_range(years)
    raw = read_rda(data_file(path, "cow", folder_file), obj, ["ccode", "year", *cols])
    acc = Accounting(builder, counts={"input state-years": len(raw)})
    bad = raw[["ccode", "year"]].isna().any(axis=1)
    acc.exclude(int(bad.sum()), "with missing ccode or year: dropped", what="state-years")
    raw = raw.loc[~bad]
    df = pd.DataFrame({"unit": raw["ccode"].astype("int64").to_numpy(),
                       "year": raw["year"].astype("int64").to_numpy()})
    for c in cols:
        v = raw[c].astype(float).to_numpy().copy()
        neg = v < 0
        v[neg] = np.nan
        df[c] = v
        acc.counts[f"{c}: missing"] = int(np.isnan(v).sum())
        if neg.any():
            acc.counts[f"{c}: COW missing codes (<0) set to NaN"] = int(neg.sum())
    df = _filter_years(df, yr, acc, "state-years")
    df = _apply_merge(df, _merge_map(merge), ["unit"], acc, "state-years", keys=["unit", "year"])
    df["unit"] = df["unit"].astype(str)
    dup = df.duplicated(["unit", "year"])
    acc.exclude(int(dup.sum()), "duplicated state-years: dropped (first kept)", what="state-years")
    df = df.loc[~dup].reset_index(drop=True)
    acc.n_rows = len(df)
    df = design_frame(df, acc)
    return df


def read_cow_capabilities(path=None, *, years=None, merge=None) -> pd.DataFrame:
    """COW National Material Capabilities (state-year), with the CINC score.

    Parameters
    ----------
    path : path-like, optional
        ``cow_nmc.rda``; default ``$DIFFUSION_STATS_DATA/cow/cow_nmc.rda``.
    years : int or (first, last), optional
    merge : None, "continuity" or dict, optional
        Recode successor codes as in :func:`read_cow_states` (where two codes meet in a
        year, the surviving code's own record is kept and the other reported).

    Returns
    -------
    DataFrame
        ``unit`` (str), ``year``, ``milex``, ``milper``, ``irst``, ``pec``, ``tpop``,
        ``upop``, ``cinc``; missing values (NaN or COW's negative codes) as NaN, counted
        in the accounting.

    Examples
    --------
    >>> cap = read_cow_capabilities(years=(1990, 2014))
    >>> bool(abs(cap.groupby("year").cinc.sum() - 1).max() < 0.02)   # CINC shares sum to ~1
    True
    """
    return _state_year_reader(path, "cow_nmc.rda", "cow_nmc",
                              ["milex", "milper", "irst", "pec", "tpop", "upop", "cinc"],
                              "read_cow_capabilities", years, merge)


def read_cow_trade(path=None, *, years=None, merge=None) -> pd.DataFrame:
    """COW state-level trade (imports, exports; current US$ millions) by state-year.

    Parameters
    ----------
    path : path-like, optional
        ``cow_trade_sy.rda``; default ``$DIFFUSION_STATS_DATA/cow/cow_trade_sy.rda``.
    years : int or (first, last), optional
    merge : None, "continuity" or dict, optional
        As in :func:`read_cow_capabilities`.

    Returns
    -------
    DataFrame
        ``unit`` (str), ``year``, ``imports``, ``exports`` (NaN where missing).

    Examples
    --------
    >>> tr = read_cow_trade(years=2000)
    >>> tr.columns.tolist()
    ['unit', 'year', 'imports', 'exports']
    """
    return _state_year_reader(path, "cow_trade_sy.rda", "cow_trade_sy", ["imports", "exports"],
                              "read_cow_trade", years, merge)


def capability_weights(capabilities: pd.DataFrame, *, how: str = "capability", in_system: pd.DataFrame | None = None,
                       value: str = "cinc", labels=None, name: str = "capability"):
    """Yearly power-based ``Weights`` between all states in the system (a coercion channel).

    ``how="capability"``: w_ij = c_j, the capability of j. Row-standardised,
    ``exposure(kind="weighted")`` is the share of the other states' capabilities that
    has already adopted. Note that this share is nearly the same for every state in a
    year (it differs only by leaving out the state itself), so within a Cox risk set or
    with year effects it is barely identified.

    ``how="asymmetry"``: w_ij = log(c_j / c_i) when j is stronger than i, else 0
    (pressure runs from stronger to weaker states). Row-standardised, exposure is the
    power-asymmetry-weighted share of stronger states that have adopted; it varies
    across states within a year.

    Parameters
    ----------
    capabilities : DataFrame
        ``unit``, ``year`` and ``value`` (e.g. from :func:`read_cow_capabilities`).
    how : {"capability", "asymmetry"}
    in_system : DataFrame, optional
        ``unit``, ``year`` pairs to keep (e.g. :func:`state_years`); default: every
        unit-year in ``capabilities`` with a non-missing value.
    value : str
        Capability column (default ``"cinc"``).
    labels : sequence of str, optional
        Unit labels of the ``Weights`` (dyads with other units are left out).
    name : str

    Returns
    -------
    Weights

    See Also
    --------
    diffusion_stats.mechanisms.capability_weights : any unit-level capability table; bounded
        asymmetry ``max(c_j - c_i, 0) / (c_i + c_j)``, optionally restricted to existing ties.

    Examples
    --------
    >>> cap = read_cow_capabilities(years=(2000, 2001))
    >>> W = capability_weights(cap).row_standardize()
    """
    from ..core.errors import require_columns

    require_columns(capabilities, ["unit", "year", value], argument="capabilities")
    cap = capabilities[["unit", "year", value]].dropna()
    cap = cap[cap[value] > 0].astype({"unit": str})
    if in_system is not None:
        require_columns(in_system, ["unit", "year"], argument="in_system")
        cap = cap.merge(in_system[["unit", "year"]].astype({"unit": str}), on=["unit", "year"])
    pairs = cap.merge(cap[["unit", "year", value]].rename(columns={"unit": "unit2"}), on="year",
                      suffixes=("_i", ""))
    pairs = pairs[pairs["unit"] != pairs["unit2"]].rename(columns={"unit": "unit1"})
    if how == "asymmetry":
        ratio = np.log(pairs[value].to_numpy() / pairs[f"{value}_i"].to_numpy())
        pairs[value] = np.where(ratio > 0, ratio, 0.0)
    elif how != "capability":
        raise InputError(f"how={how!r}: use 'capability' (w_ij = c_j) or 'asymmetry' (w_ij = log(c_j/c_i) if > 0)")
    return _to_weights(pairs[["unit1", "unit2", "year", value]], value=value, symmetric=False, name=name,
                       units=labels)
