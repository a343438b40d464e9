"""Repeated events: policies that are adopted, repealed and adopted again.

A unit's history of one policy is a sequence of *status spells*: runs of years in which
the policy is in force (status 1) or not (status 0). The canonical spell table has one
row per spell,

``policy``, ``unit``, ``spell`` (1, 2, ... within the pair), ``status`` (int8 0/1),
``first_year``, ``last_year`` (the years the status holds, inclusive),
``left_censored`` (the first spell: it began before the data), ``right_censored`` (the
last spell),

and covers every year from the pair's first to its last observed year. A new spell
begins with an event in its ``first_year``: an *adoption* (0 -> 1) or a *repeal*
(1 -> 0). The table is read from long unit-year indicator data (:func:`policy_spells`,
e.g. CSP's state-year policy variables), from an event table with ``event_type``
(:func:`spells_from_events`) or from a table of in-force spells (:func:`read_spells`).

:func:`repeated_event_history` (``ds.event_history(..., repeated=...)``) lays out the
counting-process panel: the row of year ``t`` belongs to the spell holding year
``t - 1`` and records whether the status changed in ``t``. :func:`status_exposure`
counts neighbours by their *current* status at ``t - lag`` (in force, repealed, ...),
and :func:`status_channels` does it for a list of :class:`~diffusion_stats.Channel`.
Everything is vectorised: spells and rows are laid out with ``np.repeat`` / ``cumsum``
arithmetic, exposures are sparse products over the units x (policy, year) status array.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypeVar, cast, get_args

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.accounting import Accounting
from ..core.errors import (
    DataValidationError,
    DiffusionStatsError,
    InputError,
    SpecificationError,
    did_you_mean,
    require_columns,
)
from .adoptions import labels_to_str, years_to_int
from .frame import DesignFrame, Reports, derived_accounting, design_frame, report

__all__ = [
    "policy_spells",
    "spells_from_events",
    "read_spells",
    "status_events",
    "repeated_event_history",
    "status_exposure",
    "status_channels",
    "SPELL_COLUMNS",
]

SPELL_COLUMNS = ("policy", "unit", "spell", "status", "first_year", "last_year", "left_censored",
                 "right_censored")
EVENT_TYPES = ("adoption", "repeal")
Form = Literal["ag", "pwp-total", "pwp-gap"]
Risk = Literal["adoption", "repeal", "both"]
State = Literal["in_force", "repealed", "ever", "adoption", "repeal"]
_S = TypeVar("_S", bound=str)
_FORMS = get_args(Form)
_RISKS = get_args(Risk)
_STATES: tuple[State, ...] = get_args(State)


def _choice(value: Any, options: Sequence[_S], argument: str) -> _S:
    if not isinstance(value, str) or value not in options:
        hint = did_you_mean(str(value), options) if isinstance(value, str) else ""
        raise InputError(f"{argument}={value!r}: use one of {tuple(options)}{hint}")
    return cast(_S, value)  # one of options


def _ex(*cols: np.ndarray, k: int = 5) -> list[str]:
    return [" ".join(map(str, r)) for r in zip(*(c[:k] for c in cols), strict=True)]


def _pair_key(pol: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Integer key of each (policy, unit) pair, increasing with the sorted labels."""
    if not len(pol):
        return np.zeros(0, dtype="int64")
    pc, _ = pd.factorize(pol, sort=True)
    uc, ul = pd.factorize(unit, sort=True)
    return pc.astype("int64") * len(ul) + uc


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """Boolean mask: row i starts a new group (``keys`` sorted)."""
    new = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        new[1:] = keys[1:] != keys[:-1]
    return new


# --------------------------------------------------------------------------- spells
def _assemble(pol: np.ndarray, unit: np.ndarray, year: np.ndarray, status: np.ndarray, last_obs: np.ndarray,
              acc: Accounting) -> pd.DataFrame:
    """Spells from "status begins" records sorted by (policy, unit, year).

    Each record says: from ``year`` on, the pair has ``status``; ``last_obs`` is the
    pair's last observed year (same on every record of the pair). Records that repeat
    the previous status are merged (no event); the caller checks alternation first
    when a repeat is an error.
    """
    pair_key = _pair_key(pol, unit)
    pair_new = _group_starts(pair_key)
    change = pair_new.copy()
    change[1:] |= status[1:] != status[:-1]
    idx = np.flatnonzero(change)
    s_pol, s_unit, s_year, s_status = pol[idx], unit[idx], year[idx], status[idx]
    s_pair = pair_key[idx]
    first_of_pair = _group_starts(s_pair)
    last_of_pair = np.ones(len(idx), dtype=bool)
    if len(idx) > 1:
        last_of_pair[:-1] = s_pair[1:] != s_pair[:-1]
    last_year = np.empty(len(idx), dtype="int64")
    last_year[:-1] = s_year[1:] - 1
    last_year[last_of_pair] = last_obs[idx][last_of_pair]
    grp_first = np.maximum.accumulate(np.where(first_of_pair, np.arange(len(idx)), 0))
    spell = np.arange(len(idx)) - grp_first + 1
    out = pd.DataFrame({
        "policy": s_pol, "unit": s_unit, "spell": spell.astype("int64"), "status": s_status.astype("int8"),
        "first_year": s_year.astype("int64"), "last_year": last_year,
        "left_censored": first_of_pair, "right_censored": last_of_pair,
    })
    later = spell > 1
    adopt = later & (s_status == 1)
    repeal = later & (s_status == 0)
    # a re-adoption: an adoption after an earlier in-force spell of the pair
    on = (s_status == 1).astype("int64")
    c = np.cumsum(on)
    prior_on = c - on - (c - on)[grp_first] if len(idx) else on
    readopt = adopt & (prior_on > 0)
    pairs_readopt = np.unique(s_pair[readopt])
    acc.n_rows = len(out)
    acc.counts.update({
        "spells": int(len(out)),
        "unit-policy pairs": int(first_of_pair.sum()),
        "policies": int(pd.unique(s_pol).size),
        "units": int(pd.unique(s_unit).size),
        "adoptions": int(adopt.sum()),
        "repeals": int(repeal.sum()),
        "re-adoptions": int(readopt.sum()),
        "pairs in force at the start": int((first_of_pair & (s_status == 1)).sum()),
        "pairs that switch off and on again": int(len(pairs_readopt)),
        "policies that switch off and on again": int(pd.unique(s_pol[readopt]).size),
    })
    return design_frame(out, acc, Reports())


def policy_spells(data: pd.DataFrame, *, unit: str = "unit", year: str = "year", policy: str = "policy",
                  value: str = "value", policies: Iterable[str] | None = None,
                  missing: Literal["raise", "drop"] = "raise",
                  gaps: Literal["raise", "bridge"] = "raise",
                  duplicates: Literal["raise", "identical"] = "raise") -> pd.DataFrame:
    """Read long unit-year 0/1 policy indicators into status spells.

    Parameters
    ----------
    data : DataFrame
        Long indicator data: one row per (unit, policy, year) with a 0/1 (or boolean)
        value, "1 = the policy is in force that year" (CSP's layout: ``st``, ``year``,
        ``variable``, ``value``).
    unit, year, policy, value : str
        Column names.
    policies : list of str, optional
        Keep only these policies (others are not read; unknown names raise).
    missing : {"raise", "drop"}
        Rows with a missing value raise an error, or are excluded and counted.
    gaps : {"raise", "bridge"}
        Years missing inside a pair's observed span raise an error, or are bridged:
        the status is taken to hold until the next observed year, and a change is dated
        in the first observed year with the new status.
    duplicates : {"raise", "identical"}
        Repeated (unit, policy, year) rows raise an error, or, if they repeat the same
        value, all but one are excluded and counted (conflicting values always raise).

    Returns
    -------
    DataFrame
        The spell table (columns :data:`SPELL_COLUMNS`, sorted by policy, unit, spell).
        ``df.accounting`` counts the spells, adoptions (0 -> 1), repeals
        (1 -> 0), re-adoptions (adoptions after an earlier in-force spell), the pairs
        and policies that switch off and on again, and every excluded row.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> d = pd.DataFrame({"st": "NE", "variable": "helmet", "year": range(2000, 2006),
    ...                   "value": [0, 1, 1, 0, 1, 1]})
    >>> ds.policy_spells(d, unit="st", policy="variable")[["spell", "status", "first_year", "last_year"]]
       spell  status  first_year  last_year
    0      1       0        2000       2000
    1      2       1        2001       2002
    2      3       0        2003       2003
    3      4       1        2004       2005
    """
    acc = Accounting("policy_spells")
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data must be a long DataFrame of unit-year 0/1 indicators, not {type(data).__name__}")
    _choice(missing, ("raise", "drop"), "missing")
    _choice(gaps, ("raise", "bridge"), "gaps")
    _choice(duplicates, ("raise", "identical"), "duplicates")
    require_columns(data, [unit, year, policy, value], argument="data")
    if len({unit, year, policy, value}) < 4:
        raise InputError(f"unit=, year=, policy= and value= must name four different columns, got "
                         f"{unit!r}, {year!r}, {policy!r}, {value!r}")
    acc.counts["input rows"] = len(data)
    if policies is not None:
        wanted = [policies] if isinstance(policies, str) else [str(p) for p in policies]
        present = set(pd.unique(data[policy].astype(str)))
        unknown = [p for p in wanted if p not in present]
        if unknown:
            raise InputError(f"policies=: {len(unknown)} name(s) not in column '{policy}': "
                             f"{', '.join(unknown[:5])}{did_you_mean(unknown[0], present)}")
        data = data.loc[data[policy].astype(str).isin(wanted).to_numpy()]
        acc.counts["rows of the selected policies"] = len(data)
    raw = data[value]
    if pd.api.types.is_bool_dtype(raw):
        v = raw.to_numpy(dtype="float64")
    elif pd.api.types.is_numeric_dtype(raw):
        v = raw.to_numpy(dtype="float64", na_value=np.nan)
    else:
        raise DataValidationError(f"column '{value}' of data must be numeric 0/1 or boolean, not {raw.dtype}")
    u = labels_to_str(data[unit], argument="data", column=unit)
    p = labels_to_str(data[policy], argument="data", column=policy)
    y, _ = years_to_int(data[year], argument="data", column=year, context=pd.DataFrame({unit: u, policy: p}),
                        id_columns=(unit, policy))
    miss = np.isnan(v)
    if miss.any():
        if missing == "raise":
            raise DataValidationError(
                f"{int(miss.sum()):,} rows of data have a missing '{value}' (e.g. "
                f"{'; '.join(_ex(p[miss], u[miss], y[miss]))}); pass missing='drop' to exclude them "
                "(counted in the accounting), or fill them")
        acc.exclude(int(miss.sum()), f"had a missing '{value}': excluded (missing='drop')",
                    examples=_ex(p[miss], u[miss], y[miss]))
        keep = ~miss
        u, p, y, v = u[keep], p[keep], y[keep], v[keep]
    bad = (v != 0) & (v != 1)
    if bad.any():
        raise DataValidationError(
            f"{int(bad.sum()):,} values of '{value}' are not 0/1 (e.g. "
            f"{'; '.join(_ex(p[bad], u[bad], y[bad], v[bad]))}); code 1 = in force, 0 = not in force")
    pair_key = _pair_key(p, u)
    order = np.lexsort((y, pair_key))
    u, p, y, v, pair_key = u[order], p[order], y[order], v[order].astype("int8"), pair_key[order]
    new_pair = _group_starts(pair_key)
    step = np.diff(y, prepend=y[:1] - 1) if len(y) else y
    dup = ~new_pair & (step == 0)
    if dup.any():
        raise DataValidationError(
            f"data has {int(dup.sum()):,} repeated (unit, policy, year) rows (e.g. "
            f"{'; '.join(_ex(p[dup], u[dup], y[dup]))}); keep one value per unit, policy and year "
            "(duplicates='identical' drops exact repeats)")
    gap = ~new_pair & (step > 1)
    n_gap_years = int((step[gap] - 1).sum())
    acc.counts["unobserved years inside a pair's span"] = n_gap_years
    if gap.any():
        if gaps == "raise":
            raise DataValidationError(
                f"{int(gap.sum()):,} pairs have unobserved years inside their span ({n_gap_years:,} years; e.g. the "
                f"year before {'; '.join(_ex(p[gap], u[gap], y[gap]))}); pass gaps='bridge' to let a status hold "
                "until the next observed year, or fill the years")
        acc.exclude(n_gap_years, "were unobserved inside a pair's span: bridged (gaps='bridge'), the status "
                    "holds until the next observed year", what="years", warn=False)
    last_obs: np.ndarray = np.zeros(len(y), dtype="int64")
    if len(y):
        pair_end = np.append(np.flatnonzero(new_pair)[1:], len(y)) - 1
        last_obs = np.repeat(y[pair_end], np.diff(np.append(np.flatnonzero(new_pair), len(y))))
    return _assemble(p, u, y, v, last_obs, acc)


def _window(events_year: np.ndarray, events_pol: np.ndarray, pol_labels: np.ndarray, start: int | None,
            end: int | None) -> tuple[np.ndarray, int]:
    """Per-policy first year at risk, and the common last year."""
    if start is None:
        first = pd.Series(events_year).groupby(events_pol).min().reindex(pol_labels).to_numpy()
    else:
        first = np.full(len(pol_labels), start, dtype="int64")
    last = int(events_year.max()) if end is None else int(end)
    return first.astype("int64"), last


def _as_year(value: Any, name: str) -> int | None:
    from .panel import _as_year as as_year

    return as_year(value, name)


def _unit_list(units: Any, seen: np.ndarray) -> np.ndarray:
    if units is None:
        return np.sort(pd.unique(seen).astype(object))
    if isinstance(units, pd.DataFrame):
        if any(c in units.columns for c in ("first_year", "last_year")):
            raise SpecificationError("units= with first_year/last_year (unit existence spans) is not available "
                                     "for repeated events; pass a list of unit labels, or build the spell "
                                     "table with ds.policy_spells from data that covers each unit's span")
        require_columns(units, ["unit"], argument="units")
        labels = labels_to_str(units["unit"], argument="units", column="unit")
    elif isinstance(units, (str, bytes)) or not isinstance(units, Iterable):
        raise InputError(f"units= must be a list of unit labels, not {type(units).__name__}")
    else:
        labels = labels_to_str(pd.Series(list(units), dtype=object), argument="units", column="unit")
    extra = sorted(set(seen) - set(labels))
    if extra:
        raise DataValidationError(f"{len(extra)} units with events are not in units=: {', '.join(extra[:5])}; "
                                  "add them to units=")
    return np.sort(pd.unique(labels).astype(object))


def _from_status_records(pol: np.ndarray, unit: np.ndarray, year: np.ndarray, status: np.ndarray,
                         init: pd.DataFrame, last: int, acc: Accounting, what: str) -> pd.DataFrame:
    """Spells from event records (status from ``year`` on) plus one initial record per pair.

    ``init``: policy, unit, year (= first year at risk - 1), status. Consecutive equal
    statuses are an error (an adoption of a policy already in force, a repeal of one not
    in force).
    """
    p = np.concatenate([init["policy"].to_numpy(dtype=object), pol])
    u = np.concatenate([init["unit"].to_numpy(dtype=object), unit])
    y = np.concatenate([init["year"].to_numpy(dtype="int64"), year])
    s = np.concatenate([init["status"].to_numpy(dtype="int8"), status]).astype("int8")
    is_init = np.concatenate([np.ones(len(init), bool), np.zeros(len(pol), bool)])
    key = _pair_key(p, u)
    order = np.lexsort((~is_init, y, key))
    p, u, y, s, is_init, key = p[order], u[order], y[order], s[order], is_init[order], key[order]
    new_pair = _group_starts(key)
    if len(p):
        same_year = ~new_pair & (np.diff(y, prepend=y[0]) == 0) & ~is_init
        if same_year.any():
            raise DataValidationError(f"{what}: {int(same_year.sum())} unit-policy pairs have two events in one "
                                      f"year (e.g. {'; '.join(_ex(p[same_year], u[same_year], y[same_year]))}); "
                                      "keep one event per unit, policy and year")
        rep = ~new_pair & (s == np.roll(s, 1))
        if rep.any():
            kind = np.where(s[rep] == 1, "adoption while in force", "repeal while not in force")
            raise DataValidationError(
                f"{what}: {int(rep.sum())} events do not change the status (e.g. "
                f"{'; '.join(_ex(p[rep], u[rep], y[rep], kind))}); adoptions and repeals of a unit-policy "
                "pair must alternate")
    return _assemble(p, u, y, s, np.full(len(p), last, dtype="int64"), acc)


def spells_from_events(events: pd.DataFrame, *, start: int | None = None, end: int | None = None,
                       units: Any = None) -> pd.DataFrame:
    """Status spells from an event table with ``event_type`` (adoption / repeal).

    Parameters
    ----------
    events : DataFrame
        ``unit``, ``policy``, ``year``, ``event_type`` ("adoption" or "repeal"); the
        events of a unit-policy pair must alternate. A pair whose first event is a
        repeal was in force before the window (a left-censored in-force spell).
    start : int, optional
        First year at risk for every policy. Default: each policy's first event.
    end : int, optional
        Last year observed. Default: the latest event.
    units : list, optional
        Units at risk (default: every unit with an event). Each unit is at risk of
        every policy; a pair with no event has one spell, not in force.

    Returns
    -------
    DataFrame
        The spell table (see :func:`policy_spells`); the first spell of each pair holds
        the year before the window (``start - 1``).

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> ev = pd.DataFrame({"unit": ["A", "A", "B"], "policy": "p", "year": [2001, 2004, 2003],
    ...                    "event_type": ["adoption", "repeal", "repeal"]})
    >>> ds.spells_from_events(ev, end=2005)[["unit", "spell", "status", "first_year", "last_year"]]
      unit  spell  status  first_year  last_year
    0    A      1       0        2000       2000
    1    A      2       1        2001       2003
    2    A      3       0        2004       2005
    3    B      1       1        2000       2002
    4    B      2       0        2003       2005
    """
    acc = Accounting("spells_from_events")
    if not isinstance(events, pd.DataFrame):
        raise InputError(f"events must be a DataFrame with unit, policy, year, event_type, not "
                         f"{type(events).__name__}")
    require_columns(events, ["unit", "policy", "year", "event_type"], argument="events")
    start, end = _as_year(start, "start"), _as_year(end, "end")
    if len(events) == 0:
        raise DataValidationError("events is empty: there is nothing to build spells from")
    u = labels_to_str(events["unit"], argument="events", column="unit")
    p = labels_to_str(events["policy"], argument="events", column="policy")
    y, _ = years_to_int(events["year"], argument="events", column="year", context=pd.DataFrame({"unit": u,
                        "policy": p}), id_columns=("unit", "policy"))
    et = events["event_type"].astype("string").str.strip().str.lower().to_numpy(dtype=object, na_value="")
    bad = ~np.isin(et, EVENT_TYPES)
    if bad.any():
        raise DataValidationError(f"column 'event_type' of events has {int(bad.sum())} values other than "
                                  f"'adoption' / 'repeal' (e.g. {', '.join(map(repr, pd.unique(et[bad])[:5]))})")
    acc.counts["input events"] = len(events)
    pol_labels = np.sort(pd.unique(p).astype(object))
    first, last = _window(y, p, pol_labels, start, end)
    s_of = pd.Series(first, index=pol_labels)
    out_of = (y < s_of.reindex(p).to_numpy()) | (y > last)
    if out_of.any():
        raise DataValidationError(f"{int(out_of.sum())} events fall outside the window (first year at risk .. "
                                  f"end={last}; e.g. {'; '.join(_ex(p[out_of], u[out_of], y[out_of]))}); "
                                  "widen start=/end= or drop those events")
    unit_labels = _unit_list(units, u)
    # initial status: in force if the pair's first event is a repeal
    key = _pair_key(p, u)
    order = np.lexsort((y, key))
    first_ev = _group_starts(key[order])
    on_start = pd.Series(et[order][first_ev] == "repeal",
                         index=pd.MultiIndex.from_arrays([p[order][first_ev], u[order][first_ev]]))
    grid = pd.MultiIndex.from_product([pol_labels, unit_labels])
    init = pd.DataFrame({"policy": grid.get_level_values(0).to_numpy(dtype=object),
                         "unit": grid.get_level_values(1).to_numpy(dtype=object),
                         "year": np.repeat(first - 1, len(unit_labels)),
                         "status": on_start.reindex(grid, fill_value=False).to_numpy().astype("int8")})
    status = (et == "adoption").astype("int8")
    return _from_status_records(p, u, y, status, init, last, acc, "events")


def read_spells(table: pd.DataFrame, *, unit: str = "unit", policy: str = "policy", start: str = "start",
                end: str = "end", window: tuple[int | None, int | None] = (None, None),
                units: Any = None) -> pd.DataFrame:
    """Status spells from a table of in-force spells (memberships, laws in force).

    Parameters
    ----------
    table : DataFrame
        One row per in-force spell: ``unit``, ``policy``, ``start`` (first year in
        force: the adoption year), ``end`` (last year in force; missing = still in
        force at the end of the window; a repeal is dated ``end + 1``). Spells of a
        pair must not overlap or touch (merge touching spells first).
    unit, policy, start, end : str
        Column names.
    window : (first_year, last_year)
        Years at risk. Default: from the earliest ``start`` (per policy) to the latest
        year in the table. Spells over before the window are excluded and counted;
        a spell running into the window makes the pair in force at its start.
    units : list, optional
        Units at risk (default: every unit in the table).

    Returns
    -------
    DataFrame
        The spell table (see :func:`policy_spells`).

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> t = pd.DataFrame({"unit": ["A", "A"], "policy": "igo", "start": [1990, 2000],
    ...                   "end": [1994, None]})
    >>> ds.read_spells(t, window=(1990, 2003))[["spell", "status", "first_year", "last_year"]]
       spell  status  first_year  last_year
    0      1       0        1989       1989
    1      2       1        1990       1994
    2      3       0        1995       1999
    3      4       1        2000       2003
    """
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"table must be a DataFrame of in-force spells, not {type(table).__name__}")
    require_columns(table, [unit, policy, start, end], argument="table")
    try:
        w0, w1 = window
    except (TypeError, ValueError):
        raise InputError(f"window= must be a (first_year, last_year) pair, got {window!r}") from None
    w0, w1 = _as_year(w0, "window[0]"), _as_year(w1, "window[1]")
    u = labels_to_str(table[unit], argument="table", column=unit)
    p = labels_to_str(table[policy], argument="table", column=policy)
    ctx = pd.DataFrame({unit: u, policy: p})
    s, _ = years_to_int(table[start], argument="table", column=start, context=ctx, id_columns=(unit, policy))
    e, open_end = years_to_int(table[end], argument="table", column=end, context=ctx, id_columns=(unit, policy),
                               allow_missing=True)
    back = ~open_end & (e < s)
    if back.any():
        raise DataValidationError(f"{int(back.sum())} spells of table end before they start (e.g. "
                                  f"{'; '.join(_ex(p[back], u[back], s[back], e[back]))})")
    key = _pair_key(p, u)
    order = np.lexsort((s, key))
    po, uo, so, eo, oo = p[order], u[order], s[order], e[order], open_end[order]
    same = ~_group_starts(key[order])
    prev_end = np.roll(np.where(oo, np.iinfo(np.int64).max // 4, eo), 1)
    clash = same & (so <= prev_end + 1)
    if clash.any():
        raise DataValidationError(f"{int(clash.sum())} spells of table overlap or touch the pair's previous spell "
                                  f"(e.g. {'; '.join(_ex(po[clash], uo[clash], so[clash]))}); merge them")
    last = w1 if w1 is not None else int(max(s.max(), (e[~open_end] + 1).max() if (~open_end).any() else s.max()))
    pol_labels = np.sort(pd.unique(p).astype(object))
    first = (pd.Series(s).groupby(p).min().reindex(pol_labels).to_numpy() if w0 is None
             else np.full(len(pol_labels), w0)).astype("int64")
    f_of = pd.Series(first, index=pol_labels).reindex(p).to_numpy()
    acc = Accounting("read_spells")
    acc.counts["input spells"] = len(table)
    gone = (~open_end & (e < f_of - 1)) | (s > last)
    acc.exclude(int(gone.sum()), "lay wholly outside the window: excluded", what="spells",
                examples=_ex(p[gone], u[gone], s[gone]))
    keep = ~gone
    p, u, s, e, open_end, f_of = p[keep], u[keep], s[keep], e[keep], open_end[keep], f_of[keep]
    unit_labels = _unit_list(units, u)
    on_at_start = s <= f_of - 1
    grid = pd.MultiIndex.from_product([pol_labels, unit_labels])
    on = pd.Series(True, index=pd.MultiIndex.from_arrays([p[on_at_start], u[on_at_start]]))
    init = pd.DataFrame({"policy": grid.get_level_values(0).to_numpy(dtype=object),
                         "unit": grid.get_level_values(1).to_numpy(dtype=object),
                         "year": np.repeat(first - 1, len(unit_labels)),
                         "status": on.reindex(grid, fill_value=False).to_numpy().astype("int8")})
    adopt = ~on_at_start
    rep = ~open_end & (e + 1 <= last)
    ev_p = np.concatenate([p[adopt], p[rep]])
    ev_u = np.concatenate([u[adopt], u[rep]])
    ev_y = np.concatenate([s[adopt], e[rep] + 1])
    ev_s = np.concatenate([np.ones(int(adopt.sum()), "int8"), np.zeros(int(rep.sum()), "int8")])
    return _from_status_records(ev_p, ev_u, ev_y, ev_s, init, last, acc, "table")


def _as_spells(spells: Any, argument: str = "spells") -> pd.DataFrame:
    if not isinstance(spells, pd.DataFrame):
        raise InputError(f"{argument} must be a spell table (ds.policy_spells, ds.spells_from_events, "
                         f"ds.read_spells), not {type(spells).__name__}")
    require_columns(spells, ["policy", "unit", "spell", "status", "first_year", "last_year"], argument=argument)
    sp_ = spells.reset_index(drop=True)
    st = sp_["status"].to_numpy()
    if not np.isin(st, (0, 1)).all():
        raise DataValidationError(f"{argument}['status'] must be 0/1")
    a = sp_["first_year"].to_numpy(dtype="int64")
    b = sp_["last_year"].to_numpy(dtype="int64")
    if (b < a).any():
        raise DataValidationError(f"{argument}: {int((b < a).sum())} spells have last_year < first_year")
    order = np.lexsort((sp_["spell"].to_numpy(), _pair_key(sp_["policy"].astype(str).to_numpy(dtype=object),
                                                          sp_["unit"].astype(str).to_numpy(dtype=object))))
    sp_ = sp_.iloc[order].reset_index(drop=True)
    k = sp_["spell"].to_numpy(dtype="int64")
    a, b, st = a[order], b[order], st[order]
    new_pair = _group_starts(_pair_key(sp_["policy"].astype(str).to_numpy(dtype=object),
                                       sp_["unit"].astype(str).to_numpy(dtype=object)))
    nxt = ~new_pair
    nxt[0] = False
    prev_b, prev_st, prev_k = np.roll(b, 1), np.roll(st, 1), np.roll(k, 1)
    broken = (new_pair & (k != 1)) | (nxt & ((k != prev_k + 1) | (a != prev_b + 1) | (st == prev_st)))
    if broken.any():
        i = np.flatnonzero(broken)[:5]
        raise DataValidationError(
            f"{argument} is not a spell table: {int(broken.sum())} spells do not follow the pair's previous spell "
            f"(numbered 1, 2, ... with alternating status and contiguous years; e.g. "
            f"{'; '.join(_ex(sp_['policy'].to_numpy()[i], sp_['unit'].to_numpy()[i], k[i]))}); build it with "
            "ds.policy_spells, ds.spells_from_events or ds.read_spells and do not filter its rows")
    return sp_


def status_events(spells: pd.DataFrame) -> pd.DataFrame:
    """The adoption and repeal events of a spell table.

    Returns
    -------
    DataFrame
        ``unit``, ``policy``, ``year``, ``event_type`` ("adoption" / "repeal"),
        ``event_number`` (1 for the pair's first event of that type; an adoption of a
        pair in force at the start counts as its second), sorted by policy, year, unit.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> d = pd.DataFrame({"unit": "A", "policy": "p", "year": range(2000, 2005), "value": [1, 0, 0, 1, 0]})
    >>> ds.status_events(ds.policy_spells(d))
      unit policy  year event_type  event_number
    0    A      p  2001     repeal             1
    1    A      p  2003   adoption             2
    2    A      p  2004     repeal             2
    """
    s = _as_spells(spells)
    later = s["spell"].to_numpy() > 1
    st = s["status"].to_numpy()
    # an adoption beginning on-spell k is the pair's adoption number (on-spells so far); a repeal
    # beginning an off-spell is the repeal number (on-spells before it): both = on-spells so far
    on_cum = _within(s, (st == 1).astype("int64"))
    ev = pd.DataFrame({"unit": s["unit"].to_numpy()[later], "policy": s["policy"].to_numpy()[later],
                       "year": s["first_year"].to_numpy(dtype="int64")[later],
                       "event_type": np.where(st[later] == 1, "adoption", "repeal").astype(object),
                       "event_number": on_cum[later]})
    return ev.sort_values(["policy", "year", "unit"], kind="stable").reset_index(drop=True)


def _within(s: pd.DataFrame, x: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``x`` within each pair (spells sorted by pair and spell)."""
    spell = s["spell"].to_numpy()
    c = np.cumsum(x)
    first = np.maximum.accumulate(np.where(spell == 1, np.arange(len(x)), 0)) if len(x) else np.zeros(0, int)
    return c - c[first] + x[first]


def _enum(s: pd.DataFrame) -> np.ndarray:
    """Number of the event each spell is at risk of.

    Off-spell: the adoption numbered (earlier on-spells + 1); on-spell: the repeal
    numbered (on-spells so far), so a pair in force at the start is at risk of its first
    repeal and, after it, of its second adoption.
    """
    st = s["status"].to_numpy()
    on_cum = _within(s, (st == 1).astype("int64"))
    return np.where(st == 1, on_cum, on_cum + 1).astype("int64")


# --------------------------------------------------------------------------- panels
def repeated_event_history(spells: pd.DataFrame, *, repeated: Form = "ag", risk: Risk = "adoption",
                           start: int | None = None, end: int | None = None, units: Any = None,
                           covariates: pd.DataFrame | None = None) -> DesignFrame:
    """Counting-process panel for repeated events (``ds.event_history(..., repeated=...)``).

    The row of year ``t`` belongs to the spell holding year ``t - 1``: the unit is at
    risk of an adoption if the policy was not in force in ``t - 1``, of a repeal if it
    was, and ``event = 1`` if the status changed in ``t``. A spell contributes the years
    after its first year through the year of the event that ends it (or its last year,
    if it is the pair's last spell: censored).

    Parameters
    ----------
    spells : DataFrame
        A spell table (:func:`policy_spells`, :func:`read_spells`) or an event table
        with ``event_type`` (converted by :func:`spells_from_events` with ``start``,
        ``end``, ``units``). A table of first adoptions (``unit``, ``policy``,
        ``year`` only) is an event table of adoptions: its ``"ag"`` adoption panel has
        the rows of :func:`~diffusion_stats.event_history` without ``repeated=``.
    repeated : {"ag", "pwp-total", "pwp-gap"}
        ``"ag"`` (Andersen-Gill): every spell at risk of the next event, total time
        (``start = year - first year at risk of the policy``); ``"pwp-total"``
        (Prentice-Williams-Peterson conditional, total time) and ``"pwp-gap"`` (PWP gap
        time: ``start = year - first year of the spell at risk``): the same rows,
        meant to be stratified by ``enum`` (with several policies: by policy and enum).
    risk : {"adoption", "repeal", "both"}
        Rows at risk of adoption (spells not in force), of repeal (adopters: spells in
        force), or both (column ``event_type`` says which).
    start, end, units
        For an event table only (see :func:`spells_from_events`).
    covariates : DataFrame, optional
        Unit-year covariates merged as in :func:`~diffusion_stats.event_history`.

    Returns
    -------
    DataFrame
        ``policy``, ``unit``, ``year``, ``start``, ``stop``, ``event`` (int8),
        ``event_type`` (the event the row is at risk of), ``enum`` (its number: PWP
        stratum), ``spell``, ``status`` (in force in ``t - 1``), ``left_censored``
        (int8: the spell began before the data, so gap time counts from the first
        observed year), then covariates; sorted by policy, unit, year.
        ``df.accounting`` splits the spells by outcome (rows at risk, in the other
        risk set, no year at risk: began in the pair's last year); its values sum to
        ``counts["spells"]``. ``df.reports.repeated`` records the form and the cluster
        column (``"unit"``) that CoxHazard and EventLogit use by default.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> d = pd.DataFrame({"unit": "A", "policy": "p", "year": range(2000, 2006),
    ...                   "value": [0, 1, 1, 0, 0, 1]})
    >>> panel = ds.event_history(ds.policy_spells(d), repeated="pwp-gap")
    >>> panel[["year", "start", "stop", "event", "event_type", "enum", "spell"]]
       year  start  stop  event event_type  enum  spell
    0  2001      0     1      1   adoption     1      1
    1  2004      0     1      0   adoption     2      3
    2  2005      1     2      1   adoption     2      3
    >>> for outcome, n in ds.accounting(panel).counts["spells by outcome"].items():
    ...     print(n, outcome)
    2 at risk (rows in this panel)
    1 in the repeal risk set (risk='repeal')
    1 no year at risk (began in the pair's last observed year)
    """
    _choice(repeated, _FORMS, "repeated")
    _choice(risk, _RISKS, "risk")
    if not isinstance(spells, pd.DataFrame):
        raise InputError(f"spells must be a spell table or an event table (DataFrame), not {type(spells).__name__}")
    is_spells = {"spell", "status", "first_year", "last_year"} <= set(spells.columns)
    if not is_spells and "event_type" not in spells.columns and {"unit", "policy", "year"} <= set(spells.columns):
        spells = spells.assign(event_type="adoption")  # first adoptions only: no repeals
    if not is_spells and "event_type" in spells.columns:
        s = spells_from_events(spells, start=start, end=end, units=units)
    else:
        if start is not None or end is not None or units is not None:
            raise SpecificationError("start=, end= and units= apply to an event table (event_type column); a "
                                     "spell table carries its own window: filter the spells instead")
        s = spells
    s = _as_spells(s)
    base = _attached(s)
    acc = Accounting("event_history")
    if isinstance(base, dict) and base.get("counts"):
        acc.counts["source"] = f"{base.get('builder')}: {base['counts'].get('adoptions', 0)} adoptions, " \
                               f"{base['counts'].get('repeals', 0)} repeals"
    n = len(s)
    pol = s["policy"].to_numpy(dtype=object)
    unit = s["unit"].to_numpy(dtype=object)
    st = s["status"].to_numpy().astype("int8")
    a = s["first_year"].to_numpy(dtype="int64")
    b = s["last_year"].to_numpy(dtype="int64")
    spell = s["spell"].to_numpy(dtype="int64")
    last = np.ones(n, dtype=bool)
    if n > 1:
        last[:-1] = spell[1:] == 1
    length = b - a + (~last).astype("int64")
    enum = _enum(s)
    want = {"adoption": st == 0, "repeal": st == 1, "both": np.ones(n, dtype=bool)}[risk]
    empty = length == 0
    used = want & ~empty
    # total time origin: the policy's first year at risk (first observed year + 1)
    t0 = pd.Series(a[spell == 1] + 1).groupby(pol[spell == 1]).min()
    origin = t0.reindex(pol).to_numpy(dtype="int64")
    idx = np.flatnonzero(used)
    lens = length[idx]
    total = int(lens.sum())
    ends = np.cumsum(lens)
    rep = np.repeat(idx, lens)
    offset = np.arange(total, dtype="int64") - np.repeat(ends - lens, lens)
    year = a[rep] + 1 + offset
    tstart = offset if repeated == "pwp-gap" else year - origin[rep]
    event = np.zeros(total, dtype="int8")
    event[ends[~last[idx]] - 1] = 1
    panel = pd.DataFrame({
        "policy": pol[rep], "unit": unit[rep], "year": year, "start": tstart.astype("int64"),
        "stop": (tstart + 1).astype("int64"), "event": event,
        "event_type": np.where(st[rep] == 1, "repeal", "adoption").astype(object),
        "enum": enum[rep], "spell": spell[rep], "status": st[rep],
        "left_censored": (spell[rep] == 1).astype("int8"),
    })
    order = np.lexsort((year, _pair_key(pol, unit)[rep]))
    if len(order) and not np.all(order == np.arange(total)):
        panel = panel.iloc[order].reset_index(drop=True)
    other = "repeal" if risk == "adoption" else "adoption"
    outcome = {"at risk (rows in this panel)": int(used.sum())}
    if risk != "both":
        outcome[f"in the {other} risk set (risk='{other}')"] = int((~want & ~empty).sum())
    outcome["no year at risk (began in the pair's last observed year)"] = int(empty.sum())
    acc.n_rows = total
    acc.counts.update({
        "events": int(event.sum()),
        "events by type": {k: int(((panel["event_type"].to_numpy() == k) & (event == 1)).sum())
                           for k in EVENT_TYPES if risk in (k, "both")},
        "policies": int(pd.unique(pol).size),
        "units": int(pd.unique(unit).size),
        "spells": int(n),
        "spells by outcome": outcome,
        "censored spells (no event)": int((used & last).sum()),
        "left-censored spells at risk": int((used & (spell == 1)).sum()),
        "max enum": int(enum[used].max()) if used.any() else 0,
    })
    acc.exclude(int(empty.sum()), "began in the pair's last observed year: no year at risk, no rows",
                what="spells", examples=_ex(pol[empty], unit[empty], a[empty]), warn=False)
    if covariates is not None:
        from .panel import _merge_covariates

        u_lab = np.sort(pd.unique(panel["unit"]).astype(object))
        p_lab = np.sort(pd.unique(panel["policy"]).astype(object))
        ucode = pd.Index(u_lab).get_indexer(panel["unit"])
        pcode = pd.Index(p_lab).get_indexer(panel["policy"])
        panel = _merge_covariates(panel, covariates, u_lab, p_lab, pcode, ucode, acc)
    return design_frame(panel, acc, Reports(repeated={"form": repeated, "risk": risk, "cluster": "unit",
                                                      "strata": "enum" if repeated != "ag" else None}))


def _attached(s: pd.DataFrame) -> Any:
    try:
        from ..core.accounting import accounting

        return accounting(s)
    except DiffusionStatsError:
        return None


def default_cluster(data: pd.DataFrame) -> str | None:
    """The cluster column a repeated-events panel asks for (None for other data)."""
    info = report(data, "repeated")
    if isinstance(info, dict):
        col = info.get("cluster")
        if isinstance(col, str) and col in data.columns:
            return col
    return None


DEFAULT_CLUSTER_NOTE = ("Cluster-robust variance by '{col}' is the default for repeated-event panels (a unit's "
                        "events are not independent; as coxph with cluster(id)); pass cov_type='classical' for "
                        "the model-based variance.")


# --------------------------------------------------------------------------- exposure
def _state_cells(s: pd.DataFrame, state: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(spell index, first year, last year) of the spell-years that are in ``state``."""
    st = s["status"].to_numpy()
    spell = s["spell"].to_numpy()
    a = s["first_year"].to_numpy(dtype="int64")
    b = s["last_year"].to_numpy(dtype="int64")
    if state == "in_force":
        m = st == 1
    elif state == "repealed":
        m = (st == 0) & (spell > 1)
    elif state == "ever":
        m = (st == 1) | (spell > 1)
    elif state == "adoption":
        m = (st == 1) & (spell > 1)
        b = a
    else:  # repeal
        m = (st == 0) & (spell > 1)
        b = a
    i = np.flatnonzero(m)
    return i, a[i], b[i]


def status_exposure(panel: pd.DataFrame, spells: pd.DataFrame, W: Any, *, lag: int = 1,
                    kind: Literal["share", "count", "weighted"] = "share", state: State = "in_force",
                    name: str = "exposure", missing_units: Literal["raise", "zero"] = "raise",
                    missing_years: Literal["previous", "nearest", "zero", "raise"] = "previous") -> pd.DataFrame:
    """Exposure to neighbours by their *current* status at ``t - lag``.

    For a row (policy ``p``, unit ``i``, year ``t``) and ``s = t - lag``, with
    ``z_j = 1`` if unit ``j`` (``j != i``) is in ``state`` in year ``s``:
    ``"count"`` = ``sum_j 1[w_ij > 0] z_j``, ``"share"`` = that over the number of
    partners, ``"weighted"`` = ``sum_j w_ij z_j`` (as :func:`~diffusion_stats.design.exposure`,
    which counts *ever* adopters instead).

    Parameters
    ----------
    panel : DataFrame
        Rows with ``policy``, ``unit``, ``year``.
    spells : DataFrame
        The spell table giving every unit's status by year.
    W : Weights
        Static or time-varying weights (year ``s`` matrix, ``missing_years`` as in
        :func:`~diffusion_stats.design.exposure`).
    lag : int
        ``s = t - lag``.
    kind : {"share", "count", "weighted"}
    state : {"in_force", "repealed", "ever", "adoption", "repeal"}
        ``"in_force"``: the policy is in force in ``s``; ``"repealed"``: not in force
        in ``s`` after an earlier in-force spell; ``"ever"``: in force in ``s`` or
        before (within the data); ``"adoption"`` / ``"repeal"``: adopted / repealed in
        year ``s``.
    name : str
        New column.
    missing_units, missing_years : str
        As in :func:`~diffusion_stats.design.exposure`.

    Returns
    -------
    DataFrame
        A copy of ``panel`` with column ``name``. Partner-years without a status in
        ``spells`` (outside the pair's observed years, or units absent from it) count
        as 0 and are reported in ``df.accounting.counts``.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> d = pd.DataFrame({"unit": ["a"] * 3 + ["b"] * 3, "policy": "p", "year": [1, 2, 3] * 2,
    ...                   "value": [1, 0, 1, 0, 0, 0]})
    >>> s = ds.policy_spells(d)
    >>> W = ds.Weights.from_edges(pd.DataFrame({"source": ["a"], "target": ["b"]}), symmetric=True)
    >>> ds.status_exposure(ds.event_history(s, repeated="ag"), s, W)[["unit", "year", "exposure"]]
      unit  year  exposure
    0    a     3       0.0
    1    b     2       1.0
    2    b     3       0.0
    """
    from ..weights.core import Weights, factorize_labels
    from .exposure import _KINDS, _MISSING_YEARS, _operator, _year_keys

    if not isinstance(W, Weights):
        raise InputError(f"W must be a ds.Weights, not {type(W).__name__}")
    _choice(kind, _KINDS, "kind")
    _choice(state, _STATES, "state")
    _choice(missing_units, ("raise", "zero"), "missing_units")
    _choice(missing_years, _MISSING_YEARS, "missing_years")
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 0:
        raise InputError(f"lag={lag!r}: must be a whole number >= 0 (1 = status in year t - 1)")
    if not isinstance(panel, pd.DataFrame):
        raise InputError(f"panel must be a DataFrame with policy, unit, year, not {type(panel).__name__}")
    require_columns(panel, ["policy", "unit", "year"], argument="panel")
    if name in panel.columns:
        raise InputError(f"name='{name}': the panel already has a column of that name; pick another name")
    s = _as_spells(spells)
    n_rows = len(panel)
    u_codes, u_labels = factorize_labels(panel["unit"], argument="panel['unit']")
    pi, p_labels = factorize_labels(panel["policy"], argument="panel['policy']")
    yv = pd.to_numeric(panel["year"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(yv).any() or (yv != np.round(yv)).any():
        raise DataValidationError("panel['year']: years must be whole numbers without NaN")
    s_row = yv.astype(np.int64) - int(lag)
    widx = pd.Index(W.labels)
    ui = widx.get_indexer(u_labels)[u_codes] if n_rows else np.zeros(0, dtype=np.int64)
    miss = ui < 0
    if miss.any() and missing_units == "raise":
        mu = sorted(u_labels[np.unique(u_codes[miss])])
        raise InputError(f"panel: {len(mu)} unit(s) not in W '{W.name}': {', '.join(mu[:10])}; add them to W, "
                         "drop them from the panel, or pass missing_units='zero' for exposure 0")
    y0 = int(s_row.min()) if n_rows else 0
    n_y = int(s_row.max()) - y0 + 1 if n_rows else 1
    n_u, n_p = W.n, len(p_labels)
    # units x (policy, year) array of the state
    i, a, b = _state_cells(s, state)
    a, b = np.maximum(a, y0), np.minimum(b, y0 + n_y - 1)
    ok = b >= a
    i, a, b = i[ok], a[ok], b[ok]
    su = widx.get_indexer(s["unit"].to_numpy(dtype=object)[i])
    sp_ = pd.Index(p_labels).get_indexer(s["policy"].to_numpy(dtype=object)[i])
    keep = (su >= 0) & (sp_ >= 0)
    su, sp_, a, b = su[keep], sp_[keep], a[keep], b[keep]
    lens = b - a + 1
    cells = np.repeat(su * (n_p * n_y) + sp_ * n_y - y0, lens) + np.repeat(a, lens) + (
        np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens))
    Z: np.ndarray = np.zeros(n_u * n_p * n_y)
    Z[cells] = 1.0
    Z = Z.reshape(n_u, n_p * n_y)
    # source-years with a known status (any state) - to report partner-years counted as 0
    ka = np.maximum(s["first_year"].to_numpy(dtype="int64"), y0)
    kb = np.minimum(s["last_year"].to_numpy(dtype="int64"), y0 + n_y - 1)
    ku = widx.get_indexer(s["unit"].to_numpy(dtype=object))
    kp = pd.Index(p_labels).get_indexer(s["policy"].to_numpy(dtype=object))
    kk = (kb >= ka) & (ku >= 0) & (kp >= 0)
    known_n = np.zeros(n_p * n_y)
    klen = (kb - ka + 1)[kk]
    kcells = np.repeat(kp[kk] * n_y - y0, klen) + np.repeat(ka[kk], klen) + (
        np.arange(int(klen.sum())) - np.repeat(np.cumsum(klen) - klen, klen))
    np.add.at(known_n, kcells, 1.0)
    # one product per distinct W matrix
    years = np.arange(y0, y0 + n_y)
    keys, fallback = _year_keys(years, W, missing_years)
    values = np.zeros(n_rows)
    iso = np.zeros(n_rows, dtype=bool)
    col_year = np.tile(np.arange(n_y), n_p)
    for key in dict.fromkeys(keys):
        yrs_k = np.flatnonzero(np.array([k == key for k in keys], dtype=bool))
        cols = np.flatnonzero(np.isin(col_year, yrs_k))
        M = _operator(W, key, kind)
        R = np.asarray(M @ Z[:, cols])
        deg = np.diff(sp.csr_matrix(M).indptr).astype(float)
        sel = np.flatnonzero(np.isin(s_row - y0, yrs_k) & ~miss)
        col_of = pd.Index(cols).get_indexer(pi[sel] * n_y + (s_row[sel] - y0))
        v = R[ui[sel], col_of]
        dg = deg[ui[sel]]
        if kind == "share":
            v = np.divide(v, dg, out=np.zeros_like(v), where=dg > 0)
        values[sel] = v
        iso[sel] = dg == 0
    out = panel.copy()
    out[name] = np.rint(values).astype(np.int64) if kind == "count" else values
    accn = derived_accounting(panel, "status_exposure", n_rows)
    accn.counts[f"{name}: isolate rows (exposure 0)"] = int(iso.sum())
    if miss.any():
        accn.counts[f"{name}: rows of units not in W (exposure 0)"] = int(miss.sum())
    n_unknown = int((n_u - known_n).sum())
    accn.counts[f"{name}: W unit-years without a status in spells (counted 0)"] = n_unknown
    if fallback:
        accn.counts[f"{name}: years using another year's W"] = len(fallback)
    rep = dict(report(panel, "exposure", {}))
    rep[name] = {"name": name, "kind": kind, "lag": int(lag), "weights": W.name, "state": state}
    return design_frame(out, accn, exposure=rep)


def status_channels(panel: pd.DataFrame, spells: pd.DataFrame, channels: Any,
                    states: State | Sequence[State] = ("in_force", "repealed")) -> pd.DataFrame:
    """Channel exposures split by the neighbours' current status.

    For every :class:`~diffusion_stats.Channel` and every state, a column
    ``<channel>_<state>`` from :func:`status_exposure` with the channel's weights,
    kind, lag and missing-year rule; e.g. ``border_in_force`` and ``border_repealed``
    separate neighbours where the policy is in force from neighbours that repealed it.

    Returns
    -------
    DataFrame
        A copy of ``panel``; ``df.reports.channels`` maps each new column to its channel's
        mechanism (so ``horse_race`` and the other mechanisms tools can use them).

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> status = pd.DataFrame({"unit": ["x", "x", "y", "y"], "policy": "law", "year": [2001, 2002] * 2,
    ...                        "value": [1, 0, 0, 0]})
    >>> spells = ds.policy_spells(status)
    >>> line = ds.Weights.from_edges(pd.DataFrame({"source": ["x"], "target": ["y"]}), symmetric=True)
    >>> panel = ds.event_history(spells, repeated="ag")
    >>> ds.status_channels(panel, spells, ds.Channel("nb", line))[["unit", "year", "nb_in_force", "nb_repealed"]]
      unit  year  nb_in_force  nb_repealed
    0    y  2002          1.0          0.0
    """
    from ..mechanisms.channels import as_channels as _as_channels

    chans = _as_channels(channels)
    if isinstance(states, str):
        states = [states]
    states = [_choice(x, _STATES, "states") for x in states]
    if not states:
        raise InputError("states is empty; pass e.g. states=('in_force', 'repealed')")
    out = panel
    mech = dict(report(panel, "channels", {}))
    for ch in chans:
        if ch.weight_by is not None:
            raise SpecificationError(f"Channel '{ch.name}': weight_by is not available for status exposures; "
                                     "use ds.add_channels for success-weighted ever-adopter exposure")
        for state in states:
            col = f"{ch.name}_{state}"
            out = status_exposure(out, spells, ch.weights, lag=int(ch.lag), kind=ch.kind, state=state, name=col,
                                  missing_units=ch.missing_units, missing_years=ch.missing_years)
            mech[col] = ch.mechanism
    return design_frame(out, derived_accounting(out, "status_channels", len(out)), channels=mech)
