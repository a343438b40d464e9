"""The monadic event-history panel: one row per (policy, unit, year) at risk.

Built without any Python loop over rows or policies: the policies x units grid of
adoption years is computed with numpy broadcasting, and the rows of every at-risk
spell are laid out with ``np.repeat`` / ``cumsum`` arithmetic.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..core.accounting import Accounting
from ..core.errors import DataValidationError, InputError, RowAccountingWarning, require_columns, user_stacklevel
from .adoptions import as_adoptions, labels_to_str, years_to_int
from .frame import DesignFrame, Reports, design_frame, report

__all__ = ["event_history", "PANEL_COLUMNS"]

PANEL_COLUMNS = ("policy", "unit", "year", "start", "stop", "event")

_LO = np.iinfo(np.int64).min // 4  # "open" span ends; far from overflow in differences
_HI = np.iinfo(np.int64).max // 4


def _as_year(value: Any, name: str) -> int | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}= must be an integer year, not {value!r}") from None
    if not np.isfinite(f) or f != int(f):
        raise InputError(f"{name}= must be an integer year, not {value!r}")
    return int(f)


def _examples(df: pd.DataFrame, k: int = 5) -> list[str]:
    return [" ".join(map(str, r)) for r in df.head(k).itertuples(index=False)]


def _span_years(frame: pd.DataFrame, col: str, argument: str, ids: tuple[str, ...], fill: int) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), fill, dtype="int64")
    y, miss = years_to_int(frame[col], argument=argument, column=col, context=frame, id_columns=ids,
                           allow_missing=True)
    return np.where(miss, fill, y)


def _units_table(units: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted unit labels with first/last years (open ends as sentinels)."""
    if isinstance(units, pd.DataFrame):
        require_columns(units, ["unit"], argument="units")
        labels = labels_to_str(units["unit"], argument="units", column="unit")
        frame = units.reset_index(drop=True).assign(unit=labels)
        first = _span_years(frame, "first_year", "units", ("unit",), _LO)
        last = _span_years(frame, "last_year", "units", ("unit",), _HI)
    elif isinstance(units, (str, bytes)) or not isinstance(units, Iterable):
        raise InputError("units= must be a DataFrame with unit, first_year, last_year (NaN = open) or a list "
                         f"of unit labels, not {type(units).__name__}")
    else:
        labels = labels_to_str(pd.Series(list(units), dtype=object), argument="units", column="unit")
        first = np.full(len(labels), _LO, dtype="int64")
        last = np.full(len(labels), _HI, dtype="int64")
    s = pd.Series(labels)
    if s.duplicated().any():
        raise DataValidationError(f"units= lists some units more than once (e.g. "
                                  f"{', '.join(s[s.duplicated()].unique()[:5])}); give one row per unit")
    bad = first > last
    if bad.any():
        raise DataValidationError(f"units= has first_year > last_year for {bad.sum()} units (e.g. "
                                  f"{', '.join(labels[bad][:5])})")
    order = np.argsort(labels.astype(str), kind="stable")
    return labels[order], first[order], last[order]


def _policy_windows(ad: pd.DataFrame, windows: pd.DataFrame | None, start: int | None, end: int | None,
                    acc: Accounting) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """Sorted policy labels with window start/end years; adoptions of unknown policies removed."""
    first_adopt = ad.groupby("policy", sort=True)["year"].min()
    default_end = int(ad["year"].max()) if len(ad) else None
    if windows is None:
        labels = first_adopt.index.to_numpy(dtype=object)
        s = first_adopt.to_numpy(dtype="int64") if start is None else np.full(len(labels), start, dtype="int64")
        if end is None and default_end is None:
            e: np.ndarray = np.zeros(0, dtype="int64")
        else:
            e = np.full(len(labels), default_end if end is None else end, dtype="int64")
        return labels, s, e, ad
    if not isinstance(windows, pd.DataFrame):
        raise InputError("windows= must be a DataFrame with policy, first_year, last_year "
                         f"(e.g. SPID's policies_metadata), not {type(windows).__name__}")
    require_columns(windows, ["policy", "first_year", "last_year"], argument="windows")
    labels = labels_to_str(windows["policy"], argument="windows", column="policy")
    w = windows.reset_index(drop=True).assign(policy=labels)
    dup = pd.Series(labels).duplicated()
    if dup.any():
        raise DataValidationError(f"windows= has several rows for {dup.sum()} policies (e.g. "
                                  f"{', '.join(labels[dup.to_numpy()][:5])}); give one row per policy")
    s = _span_years(w, "first_year", "windows", ("policy",), _LO)
    e = _span_years(w, "last_year", "windows", ("policy",), _HI)
    fa = first_adopt.reindex(labels).to_numpy(dtype="float64")
    open_s = s == _LO
    if open_s.any():  # NaN first_year: the policy's first adoption
        s = np.where(open_s, np.nan_to_num(fa, nan=_HI).astype("int64"), s)
    if (e == _HI).any():  # NaN last_year: `end` or the latest adoption year in the data
        fill = end if end is not None else default_end
        e = np.where(e == _HI, _LO if fill is None else fill, e)
    if start is not None:
        s = np.maximum(s, start)
    if end is not None:
        e = np.minimum(e, end)
    known = ad["policy"].isin(set(labels)).to_numpy()
    acc.counts.setdefault("adoptions by outcome", {})["policy not in windows="] = int((~known).sum())
    if not known.all():
        gone = ad.loc[~known]
        acc.exclude(len(gone), f"belong to {gone['policy'].nunique():,} policies with no row in windows=: "
                    "excluded", what="adoptions", examples=_examples(gone[["policy", "unit", "year"]]))
        ad = ad.loc[known]
    order = np.argsort(labels.astype(str), kind="stable")
    return labels[order], s[order], e[order], ad


def _merge_covariates(panel: pd.DataFrame, covariates: pd.DataFrame, unit_labels: np.ndarray,
                      pol_labels: np.ndarray, pcode: np.ndarray, ucode: np.ndarray, acc: Accounting) -> pd.DataFrame:
    if not isinstance(covariates, pd.DataFrame):
        raise InputError(f"covariates= must be a DataFrame keyed by unit and year, not {type(covariates).__name__}")
    require_columns(covariates, ["unit", "year"], argument="covariates")
    by_policy = "policy" in covariates.columns
    keys = ["policy", "unit", "year"] if by_policy else ["unit", "year"]
    cols = [c for c in covariates.columns if c not in keys]
    clash = [c for c in cols if c in panel.columns]
    if clash:
        raise InputError(f"covariates= has columns that the panel already has: {', '.join(map(str, clash))}; "
                         "rename them")
    cov = covariates.reset_index(drop=True)
    cu = labels_to_str(cov["unit"], argument="covariates", column="unit")
    cy, _ = years_to_int(cov["year"], argument="covariates", column="year", context=cov.assign(unit=cu),
                         id_columns=("unit",))
    dup = pd.DataFrame({k: cov[k] for k in keys[:-1]}).assign(unit=cu, year=cy).duplicated(keep=False).to_numpy()
    if dup.any():
        ex = _examples(pd.DataFrame({"unit": cu[dup], "year": cy[dup]}))
        raise DataValidationError(f"covariates= has {dup.sum():,} rows sharing a ({', '.join(keys)}) key (e.g. "
                                  f"{'; '.join(ex)}); merging them would duplicate panel rows: aggregate first")
    years = np.concatenate([cy, panel["year"].to_numpy()])
    y0 = int(years.min()) if len(years) else 0
    span = int(years.max()) - y0 + 1 if len(years) else 1
    cu_code = pd.Index(unit_labels).get_indexer(cu)
    ckey = cu_code.astype("int64") * span + (cy - y0)
    pkey = ucode.astype("int64") * span + (panel["year"].to_numpy() - y0)
    if by_policy:
        cp = labels_to_str(cov["policy"], argument="covariates", column="policy")
        cp_code = pd.Index(pol_labels).get_indexer(cp)
        ckey = ckey + cp_code.astype("int64") * (len(unit_labels) * span)
        pkey = pkey + pcode.astype("int64") * (len(unit_labels) * span)
        ckey = np.where((cu_code < 0) | (cp_code < 0), -1 - np.arange(len(ckey)), ckey)
    else:
        ckey = np.where(cu_code < 0, -1 - np.arange(len(ckey)), ckey)
    idx = pd.Index(ckey).get_indexer(pkey)
    unmatched = idx < 0
    merged = cov[cols].reindex(idx)
    merged.index = panel.index
    out = pd.concat([panel, merged], axis=1)
    n_un = int(unmatched.sum())
    hit = idx[~unmatched]
    miss = {str(c): n_un + int(cov[c].isna().to_numpy()[hit].sum()) for c in cols}
    acc.counts["rows without a covariates match"] = n_un
    acc.counts["missing covariate values"] = miss
    if n_un or any(miss.values()):
        parts = []
        if n_un:
            ex = _examples(panel.loc[unmatched, ["unit", "year"] if not by_policy else ["policy", "unit", "year"]])
            parts.append(f"{n_un:,} panel rows have no matching ({', '.join(keys)}) row in covariates= "
                         f"(e.g. {'; '.join(ex[:3])})")
        shown = ", ".join(f"{c} {n:,}" for c, n in miss.items() if n)
        if shown:
            parts.append(f"missing values per column: {shown}")
        warnings.warn(f"event_history: {'; '.join(parts)}; rows kept with NaN (none dropped)",
                      RowAccountingWarning, stacklevel=user_stacklevel())
    return out


def event_history(adoptions: pd.DataFrame, *, start: int | None = None, end: int | None = None,
                  windows: pd.DataFrame | None = None, units: Any = None,
                  covariates: pd.DataFrame | None = None,
                  repeated: Literal["ag", "pwp-total", "pwp-gap"] | None = None,
                  risk: Literal["adoption", "repeal", "both"] = "adoption", check_years: bool = True) -> DesignFrame:
    """Build the pooled monadic event-history panel (the risk set).

    One row per (policy, unit, year) in which the unit is at risk of adopting the
    policy: from the policy's window start (or the unit's first year, if later) until
    the unit adopts (``event = 1`` that year; the unit then leaves the risk set) or the
    window (or the unit's existence) ends.

    Parameters
    ----------
    adoptions : DataFrame
        Canonical adoptions (``unit``, ``policy``, ``year``; see
        :func:`~diffusion_stats.read_adoptions`).
    start : int, optional
        Common first year at risk for every policy. Default: each policy's first
        adoption anywhere. With ``windows=``, a lower bound on the window starts.
    end : int, optional
        Last year observed. Default: the latest adoption year in ``adoptions``. With
        ``windows=``, an upper bound on the window ends (and the fill-in for a missing
        ``last_year``).
    windows : DataFrame, optional
        Per-policy windows, columns ``policy``, ``first_year``, ``last_year`` (SPID's
        ``policies_metadata`` layout; other columns ignored; NaN ``first_year`` = the
        policy's first adoption, NaN ``last_year`` = ``end``). The policies are then
        those of this table: a policy nobody adopted contributes its full risk set,
        adoptions of policies missing from it are excluded and reported.
    units : DataFrame or list, optional
        Units at risk: a DataFrame with ``unit`` and optionally ``first_year``,
        ``last_year`` (the unit's existence span, NaN = open: statehood, years in the
        state system), or a list of labels. Default: every unit that appears in
        ``adoptions`` (for any policy), always in existence; pass ``units=`` to add
        units that never adopted anything.
    covariates : DataFrame, optional
        Unit-year covariates keyed by ``unit`` and ``year`` (plus ``policy`` for
        policy-specific covariates), merged onto the panel. Panel rows with no match
        keep NaN and are counted per column, never dropped.
    repeated : {"ag", "pwp-total", "pwp-gap"}, optional
        Repeated events (adoption, repeal, re-adoption): ``adoptions`` is then a spell
        table (``ds.policy_spells``, ``ds.read_spells``) or an event table with
        ``event_type``, and the panel is built by
        :func:`~diffusion_stats.repeated_event_history` (Andersen-Gill or
        Prentice-Williams-Peterson layout; see there).
    risk : {"adoption", "repeal", "both"}
        With ``repeated=``: rows at risk of adoption, of repeal (adopters), or both.
    check_years : bool, default True
        Raise :class:`~diffusion_stats.DataValidationError` naming the adoption rows
        (and window, ``start``, ``end`` years) that lie more than 100 years from every
        other year (a truncated CSV line ``C,p,20``, a two-digit year, 2950): such a
        year would invent decades or centuries of risk set. ``False`` accepts them.

    Returns
    -------
    DataFrame
        Columns ``policy``, ``unit`` (str), ``year`` (int64), ``start``, ``stop``
        (int64 counting-process time: ``start = year - window start of the policy``,
        ``stop = start + 1``), ``event`` (int8), then the covariates; sorted by policy,
        unit, year. ``df.accounting`` (see :func:`~diffusion_stats.accounting`)
        holds the row, event, policy and unit counts and every exclusion:

        - units that adopted before the policy's window opened (excluded),
        - units that adopted before their own ``first_year`` (excluded),
        - unit-policy pairs whose existence span does not overlap the window (no rows),
        - adoptions after the window (or the unit's span) closed: the unit stays at
          risk with ``event = 0`` through the window end (censored),
        - adoptions by units not in ``units=`` or of policies not in ``windows=``,
        - policies whose window is empty.

        Each is also warned about (:class:`~diffusion_stats.RowAccountingWarning`).
        ``counts["adoptions by outcome"]`` splits the input adoptions by what became of
        them (``event`` plus the non-zero reasons above); its values sum to
        ``counts["adoptions"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> ad = pd.DataFrame({"unit": ["A", "B"], "policy": ["p", "p"], "year": [2001, 2003]})
    >>> ds.event_history(ad, units=["A", "B", "C"], end=2003)
      policy unit  year  start  stop  event
    0      p    A  2001      0     1      1
    1      p    B  2001      0     1      0
    2      p    B  2002      1     2      0
    3      p    B  2003      2     3      1
    4      p    C  2001      0     1      0
    5      p    C  2002      1     2      0
    6      p    C  2003      2     3      0
    >>> print(ds.accounting(_))
    event_history: 7 rows
      events: 2
      policies: 1
      units: 3
      adoptions: 2
      unit-policy pairs at risk: 3
      adoptions by outcome: event: 2
      nothing excluded
    """
    if repeated is not None:
        from .repeated import repeated_event_history

        if windows is not None:
            raise InputError("windows= is not available with repeated=; use start=/end= (event table) or filter "
                             "the spell table")
        return repeated_event_history(adoptions, repeated=repeated, risk=risk, start=start, end=end, units=units,
                                      covariates=covariates)
    if isinstance(adoptions, pd.DataFrame) and (
            "event_type" in adoptions.columns or {"spell", "status", "first_year"} <= set(adoptions.columns)):
        raise InputError("adoptions holds repeated events (an event_type column, or a spell table); pass "
                         "repeated='ag', 'pwp-total' or 'pwp-gap' to build the repeated-events panel")
    acc = Accounting("event_history")
    ad = as_adoptions(adoptions)
    start = _as_year(start, "start")
    end = _as_year(end, "end")
    if start is not None and end is not None and start > end:
        raise InputError(f"start={start} is after end={end}")
    n_adopt = len(ad)
    ad_all = ad
    outcome: dict[str, int] = {}
    acc.counts["adoptions by outcome"] = outcome

    # units
    if units is None:
        unit_labels = np.sort(ad["unit"].unique().astype(object))
        source_units = report(adoptions, "units")
        if source_units is not None:
            lost = sorted(set(map(str, source_units)) - set(map(str, unit_labels)))
            if lost:
                acc.counts["source units that never adopt here"] = len(lost)
                warnings.warn(
                    f"event_history: {len(lost):,} of the {len(source_units):,} units of the adoptions' source never "
                    f"adopt any policy in these adoptions and are left out of the risk set (e.g. "
                    f"{', '.join(lost[:8])}{', ...' if len(lost) > 8 else ''}); to keep them at risk pass "
                    "units=adoptions.reports.units (or the full list of units)",
                    RowAccountingWarning, stacklevel=user_stacklevel())
        u_first = np.full(len(unit_labels), _LO, dtype="int64")
        u_last = np.full(len(unit_labels), _HI, dtype="int64")
    else:
        unit_labels, u_first, u_last = _units_table(units)
        known = ad["unit"].isin(set(unit_labels)).to_numpy()
        outcome["unit not in units="] = int((~known).sum())
        if not known.all():
            gone = ad.loc[~known]
            acc.exclude(len(gone), f"are by {gone['unit'].nunique():,} units not in units=: excluded",
                        what="adoptions", examples=_examples(gone[["unit", "policy", "year"]]))
            ad = ad.loc[known]

    # policies and their windows
    pol_labels, s_p, e_p, ad = _policy_windows(ad, windows, start, end, acc)
    if check_years:
        from ..core.validate import check_years as _check_years

        wy = {}
        if isinstance(windows, pd.DataFrame):
            wy = {f"windows {c}": pd.to_numeric(windows[c], errors="coerce").to_numpy(dtype="float64")
                  for c in ("first_year", "last_year") if c in windows.columns}
        _check_years(ad_all, windows_years=wy, scalars={"start=": start, "end=": end})
    P, U = len(pol_labels), len(unit_labels)

    # policies x units grid of adoption years
    NONE = _HI
    A = np.full((P, U), NONE, dtype="int64")
    if len(ad) and P and U:
        pc = pd.Index(pol_labels).get_indexer(ad["policy"].to_numpy())
        uc = pd.Index(unit_labels).get_indexer(ad["unit"].to_numpy())
        A[pc, uc] = ad["year"].to_numpy()
    S, E = s_p[:, None], e_p[:, None]
    UF, UL = u_first[None, :], u_last[None, :]
    adopted = A != NONE
    empty_pol = np.broadcast_to(S > E, (P, U))
    eff_s = np.maximum(S, UF)
    eff_e = np.minimum(E, UL)
    pre_pol = adopted & ~empty_pol & (A < S)
    pre_unit = adopted & ~empty_pol & ~pre_pol & (A < UF)
    no_overlap = ~empty_pol & ~pre_pol & ~pre_unit & (eff_s > eff_e)
    ok = ~empty_pol & ~pre_pol & ~pre_unit & ~no_overlap
    post = ok & adopted & (A > eff_e)
    ev = ok & adopted & ~post
    last = np.where(ev, A, eff_e)
    length = np.where(ok, last - eff_s + 1, 0)

    # accounting of every adoption and pair
    outcome.update({
        "event": int(ev.sum()),
        "before the policy's window": int(pre_pol.sum()),
        "before the unit's first_year": int(pre_unit.sum()),
        "after the window (censored)": int(post.sum()),
        "unit span outside the window": int((no_overlap & adopted).sum()),
        "policy window empty": int((adopted & empty_pol).sum()),
    })
    def pairs_ex(mask: np.ndarray, with_year: bool = True) -> list[str]:
        i, j = np.nonzero(mask)
        i, j = i[:10], j[:10]
        return [f"{pol_labels[a]} {unit_labels[b]}" + (f" {A[a, b]}" if with_year else "")
                for a, b in zip(i, j, strict=True)]

    if empty_pol.any():
        n_pol = int((S > E).sum())
        acc.exclude(n_pol, "have an empty window (start after end): no rows "
                    f"({int((adopted & empty_pol).sum()):,} of their adoptions excluded)", what="policies",
                    examples=pol_labels[(S > E).ravel()][:10])
    acc.exclude(int(pre_pol.sum()), "came before the policy's window opened: the unit is excluded from that "
                "policy's risk set", what="adoptions", examples=pairs_ex(pre_pol))
    acc.exclude(int(pre_unit.sum()), "came before the unit's first_year (units=): the unit is excluded from "
                "that policy's risk set", what="adoptions", examples=pairs_ex(pre_unit))
    if no_overlap.any():
        n_lost = int((no_overlap & adopted).sum())
        acc.exclude(int(no_overlap.sum()), "have a unit existence span that does not overlap the policy window: "
                    "no rows" + (f" ({n_lost:,} of them with an adoption, excluded)" if n_lost else ""),
                    what="unit-policy pairs", examples=pairs_ex(no_overlap, with_year=False))
    acc.exclude(int(post.sum()), "came after the window (or the unit's span) closed: censored, the unit is at "
                "risk with event 0 through the window end", what="adoptions", examples=pairs_ex(post))

    # lay out the rows: policy-major, unit-minor grid order = sorted by policy, unit, year
    flat_len = length.ravel()
    pair = np.flatnonzero(flat_len > 0)
    lens = flat_len[pair]
    total = int(lens.sum())
    from ..core.validate import check_panel_size

    check_panel_size(total, fix="start=, end= and windows=")
    ends = np.cumsum(lens)
    rep = np.repeat(pair, lens)
    offset = np.arange(total, dtype="int64") - np.repeat(ends - lens, lens)
    year = eff_s.ravel()[rep] + offset
    pcode, ucode = np.divmod(rep, U) if U else (rep, rep)
    start_t = year - s_p[pcode]
    event = np.zeros(total, dtype="int8")
    event[ends[ev.ravel()[pair]] - 1] = 1
    panel = pd.DataFrame({
        "policy": pol_labels[pcode] if P else np.array([], dtype=object),
        "unit": unit_labels[ucode] if U else np.array([], dtype=object),
        "year": year.astype("int64"),
        "start": start_t.astype("int64"),
        "stop": (start_t + 1).astype("int64"),
        "event": event,
    })
    n_events = int(event.sum())
    acc.n_rows = total
    outcome = acc.counts.pop("adoptions by outcome")
    acc.counts.update({
        "events": n_events,
        "policies": int(P),
        "units": int(U),
        "adoptions": int(n_adopt),
        "unit-policy pairs at risk": int(len(pair)),
        "adoptions by outcome": {"event": outcome.pop("event"), **{k: v for k, v in outcome.items() if v}},
    })
    if covariates is not None:
        panel = _merge_covariates(panel, covariates, unit_labels, pol_labels, pcode, ucode, acc)
    return design_frame(panel, acc, Reports())
