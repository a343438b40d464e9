"""COW IGO v3 per-organization membership (Pevehouse, Nordstrom, McManus & Jamison 2020).

Two published forms of the same data:

* ``state_year_format3`` - one row per state-year (``ccode``, ``year``, ``state``) and a
  column per IGO (its lower-case abbreviation, e.g. ``coe``, ``oas``, ``eu``);
* ``igo_year_format3`` - one row per IGO-year (``ioname``, ``orgname``, ``year``, start and
  end dates, the ``political`` / ``social`` / ``economic`` type flags ...) and a column per
  state, named by the state's short name (``usa``, ``uk``, ``wgermany``).

Cell codes: 0 not a member, 1 full member, 2 associate member, 3 observer, -9 missing,
-1 state not in the system (the IGO-year form leaves such cells empty instead).

:func:`read_igo_memberships` reads either form into one long table of memberships
(``igo``, ``unit``, ``year``, ``status``), accounting for every cell it does not keep: non
members, missing (-9), not in the system (-1 or empty), codes outside the codebook and,
for the IGO-year form, state columns whose name has no COW code. The IGO-year form's
state names are matched to COW codes through the state-year file's ``ccode``/``state``
pairs (all 217 match in v3).

The two forms do not agree cell by cell. In the v3 files, of the full memberships
(``status="full"``) 534,677 are in both forms, 1,643 only in the IGO-year form and 1,095
only in the state-year form (most are 0 in one form and 1 in the other; some are missing,
-9, or not in the system, -1, in one of them; 123 state-year full memberships have no
IGO-year row at all). The state-year form is the default; say ``form="igo_year"`` to use
the other and compare.

Regions
-------
:data:`COW_REGIONS` assigns states to regions by COW code block (Americas 2-199, Europe
200-399, Africa 400-626, Middle East 630-699, Asia 700-899, Oceania 900-999), the blocks
of the COW state list. :func:`igo_catalog` gives each IGO the region that holds most of
its ever-full members and that region's share, so ``select_igos(region="Europe",
min_share=0.9)`` picks the European organizations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..core.accounting import Accounting
from ..core.errors import InputError, did_you_mean
from ..design.frame import design_frame
from ._io import data_file, read_rda, year_range

__all__ = ["IGO_STATUS", "COW_REGIONS", "read_igo_memberships", "igo_catalog", "find_igo", "select_igos",
           "igo_spells", "igo_members", "cow_region"]

#: COW IGO v3 membership codes kept as memberships.
IGO_STATUS: dict[int, str] = {1: "full", 2: "associate", 3: "observer"}

#: COW code blocks -> region: (first code, last code, region).
COW_REGIONS: tuple[tuple[int, int, str], ...] = (
    (2, 199, "Americas"), (200, 399, "Europe"), (400, 626, "Africa"), (630, 699, "Middle East"),
    (700, 899, "Asia"), (900, 999, "Oceania"))

_IGO_META = ("ioname", "orgname", "year", "sdate", "deaddate", "dead", "integrated", "replaced", "longorgname",
             "ionum", "igocode", "version", "accuracyofpre1965membershipdates", "sourcesandnotes", "imputed",
             "political", "social", "economic")
_STATUS_SETS = {"full": (1,), "full+associate": (1, 2), "any": (1, 2, 3)}


def cow_region(units: Any) -> np.ndarray:
    """Region of each COW code (see :data:`COW_REGIONS`); "" for codes outside the blocks.

    Examples
    --------
    >>> cow_region(["2", "255", "710"]).tolist()
    ['Americas', 'Europe', 'Asia']
    """
    c = pd.to_numeric(pd.Series(np.asarray(units, dtype=object).ravel()), errors="coerce").to_numpy()
    out = np.full(len(c), "", dtype=object)
    for lo, hi, name in COW_REGIONS:
        out[(c >= lo) & (c <= hi)] = name
    return out


def status_codes(status: Any, argument: str = "status") -> tuple[int, ...]:
    """Normalise a status selection: "full", "full+associate", "any", or codes (1, 2, 3)."""
    if isinstance(status, str):
        if status not in _STATUS_SETS:
            raise InputError(f"{argument}={status!r}{did_you_mean(status, _STATUS_SETS)}; use 'full', "
                             "'full+associate', 'any' or a tuple of codes (1 full, 2 associate, 3 observer)")
        return _STATUS_SETS[status]
    try:
        codes = tuple(sorted({int(s) for s in ([status] if np.isscalar(status) else status)}))  # type: ignore[arg-type]  # any user value: errors caught below
    except (TypeError, ValueError):
        raise InputError(f"{argument}={status!r}: give 'full', 'full+associate', 'any' or codes from "
                         "{1, 2, 3}") from None
    if not codes or not set(codes) <= set(IGO_STATUS):
        raise InputError(f"{argument}={status!r}: codes must be among 1 (full), 2 (associate), 3 (observer)")
    return codes


def _merge_map(merge):
    from .cow import _merge_map as mm

    return mm(merge)


_CACHE: dict = {}


_REQUIRED = {"state_year_format3": ["ccode", "year", "state"],
             "igo_year_format3": ["ioname", "orgname", "year", "political", "social", "economic"]}


def _read_cached(path, file: str, obj: str) -> pd.DataFrame:
    """Read (once per file version and process) one of the two large IGO files; never mutated."""
    p = data_file(path, "cow_igo", file)
    st = p.stat()
    key = (str(p.resolve()), st.st_mtime_ns, st.st_size, obj)
    if key not in _CACHE:
        if len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = read_rda(p, obj, _REQUIRED[obj])
    return _CACHE[key]


def _read_form(path, form):
    if form == "state_year":
        return _read_cached(path, "state_year_format3.rda", "state_year_format3")
    return _read_cached(path, "igo_year_format3.rda", "igo_year_format3")


def read_igo_memberships(path=None, *, form: Literal["state_year", "igo_year"] = "state_year",
                         status: Any = "any", years=None, merge=None,
                         states: pd.DataFrame | None = None, codes_path=None) -> pd.DataFrame:
    """COW IGO v3 memberships as a long table: one row per IGO, state and year of membership.

    Parameters
    ----------
    path : path-like, optional
        The file of the chosen form; default ``$DIFFUSION_STATS_DATA/cow_igo/`` +
        ``state_year_format3.rda`` or ``igo_year_format3.rda``.
    form : {"state_year", "igo_year"}
        Which published form to read (they differ in a few thousand cells; see the
        module notes).
    status : "full", "full+associate", "any" or codes
        Membership statuses kept (1 full, 2 associate, 3 observer); the others are
        counted in the accounting.
    years : int or (first, last), optional
    merge : None, "continuity" or dict, optional
        Recode successor codes as in :func:`~diffusion_stats.countries.read_cow_states`;
        where two codes meet in an IGO-year the stronger status is kept (full over
        associate over observer) and the other reported.
    states : DataFrame, optional
        Output of :func:`~diffusion_stats.countries.read_cow_states`: drop (and report)
        memberships of states outside the COW system that year.
    codes_path : path-like, optional
        ``form="igo_year"`` only: the state-year file whose ``ccode``/``state`` pairs map
        the state columns to COW codes (default: the published file).

    Returns
    -------
    DataFrame
        ``igo`` (lower-case abbreviation, e.g. ``"coe"``), ``unit`` (str COW code),
        ``ccode`` (int, the original code), ``year`` (int64), ``status`` (int8: 1, 2, 3),
        ``imputed`` (bool: the IGO-year is flagged ``imputed`` in the IGO-year file, i.e.
        interpolated between COW's 5-yearly codings; only before 1965), sorted by igo,
        year, ccode. ``df.accounting`` counts every cell by code.

    Examples
    --------
    >>> m = read_igo_memberships(status="full", years=2010)
    >>> int((m.igo == "coe").sum())   # Council of Europe full members in 2010
    47
    """
    if form not in ("state_year", "igo_year"):
        raise InputError(f"form={form!r}{did_you_mean(str(form), ['state_year', 'igo_year'])}; use 'state_year' "
                         "(state_year_format3.rda) or 'igo_year' (igo_year_format3.rda)")
    keep = status_codes(status)
    yr = year_range(years)
    raw = _read_form(path, form)
    builder = "read_igo_memberships"
    acc = Accounting(builder, counts={"form": form, "input rows": len(raw)})
    ryear = pd.to_numeric(raw["year"], errors="coerce")
    bad = ryear.isna()
    if form == "state_year":
        bad |= pd.to_numeric(raw["ccode"], errors="coerce").isna()
    else:
        bad |= raw["ioname"].isna()
    acc.exclude(int(bad.sum()), "with a missing year or identifier: dropped", what="input rows")
    raw, ryear = raw.loc[~bad], ryear[~bad]
    if yr is not None:
        inside = ((ryear >= yr[0]) & (ryear <= yr[1])).to_numpy()
        acc.counts[f"input rows outside years={yr}"] = int((~inside).sum())
        raw, ryear = raw.loc[inside], ryear[inside]
    if form == "state_year":
        cols = [c for c in raw.columns if c not in ("ccode", "year", "state")]
        row_unit = raw["ccode"].astype("int64").to_numpy()
        col_igo = np.asarray(cols, dtype=object)
        V = raw[cols].to_numpy(dtype=float)
        acc.counts["IGO columns"] = len(cols)
    else:
        cols = [c for c in raw.columns if c not in _IGO_META]
        sy = _read_cached(codes_path, "state_year_format3.rda", "state_year_format3")
        code_of = dict(zip(sy["state"].astype(str), sy["ccode"].astype("int64"), strict=True))
        unmatched = [c for c in cols if c not in code_of]
        acc.counts["state columns"] = len(cols)
        acc.exclude(len(unmatched), "state columns with no COW code in the state-year file: dropped",
                    what="state columns", examples=unmatched)
        cols = [c for c in cols if c in code_of]
        V = raw[cols].to_numpy(dtype=float).T          # states x IGO-years
        row_unit = np.array([code_of[c] for c in cols], dtype=np.int64)
        col_igo = raw["ioname"].astype(str).str.lower().to_numpy(dtype=object)
        ryear_cols = ryear.to_numpy()
    acc.counts["input cells"] = int(V.size)
    nan = np.isnan(V)
    acc.counts["cells empty (state not in system / not recorded)"] = int(nan.sum())
    for code, what in ((-1, "-1 (state not in system)"), (-9, "-9 (missing)"), (0, "0 (not a member)")):
        acc.counts[f"cells coded {what}"] = int((V == code).sum())
    for code, what in IGO_STATUS.items():
        acc.counts[f"cells coded {code} ({what})"] = int((V == code).sum())
    odd = ~nan & ~np.isin(V, [-9, -1, 0, 1, 2, 3])
    if odd.any():
        r, c = np.nonzero(odd)
        ex = [f"{V[i, j]:g}" for i, j in zip(r[:5], c[:5], strict=True)]
        acc.exclude(int(odd.sum()), "cells with a code outside the codebook (0/1/2/3/-9/-1): dropped", what="cells",
                    examples=ex)
    not_kept = np.isin(V, [s for s in IGO_STATUS if s not in keep])
    if not_kept.any():
        acc.counts[f"membership cells with a status not in status={keep}"] = int(not_kept.sum())
    r, c = np.nonzero(np.isin(V, keep))
    if form == "state_year":
        df = pd.DataFrame({"igo": col_igo[c], "ccode": row_unit[r], "year": ryear.to_numpy()[r].astype("int64"),
                           "status": V[r, c].astype(np.int8)})
    else:
        df = pd.DataFrame({"igo": col_igo[c], "ccode": row_unit[r], "year": ryear_cols[c].astype("int64"),
                           "status": V[r, c].astype(np.int8)})
    acc.counts["membership cells kept"] = len(df)
    mm = _merge_map(merge)
    unit = df["ccode"].map(mm).fillna(df["ccode"]).astype("int64") if mm else df["ccode"]
    df["unit"] = unit.astype(str)
    if mm:
        acc.counts["merged codes"] = ", ".join(f"{k}->{v}" for k, v in mm.items())
        df = df.sort_values(["status", "ccode"], kind="stable")
        dup = df.duplicated(["igo", "unit", "year"])
        acc.exclude(int(dup.sum()), "fell on the same IGO, unit and year after merge=: the stronger status "
                    "kept", what="memberships",
                    examples=(df.loc[dup, "igo"] + " " + df.loc[dup, "ccode"].astype(str) + " "
                              + df.loc[dup, "year"].astype(str)).head(5).tolist())
        df = df.loc[~dup]
    if states is not None:
        from .cow import state_years

        sy_in = state_years(states).assign(_in=True)
        hit = df[["unit", "year"]].merge(sy_in, on=["unit", "year"], how="left")["_in"].notna().to_numpy()
        acc.exclude(int((~hit).sum()), "of states outside the state system that year (states=): dropped",
                    what="memberships", examples=(df.loc[~hit, "igo"] + " " + df.loc[~hit, "unit"] + " "
                                                  + df.loc[~hit, "year"].astype(str)).head(5).tolist())
        df = df.loc[hit]
    df = df.sort_values(["igo", "year", "ccode"], kind="stable").reset_index(drop=True)
    df["imputed"] = _imputed_flags(df, path if form == "igo_year" else None)
    acc.counts["memberships in IGO-years flagged imputed (between COW's 5-yearly codings)"] = int(
        df["imputed"].sum())
    df = df[["igo", "unit", "ccode", "year", "status", "imputed"]]
    acc.n_rows = len(df)
    acc.counts["IGOs with a membership"] = int(df["igo"].nunique())
    df = design_frame(df, acc)
    return df


def _imputed_flags(df: pd.DataFrame, path) -> np.ndarray:
    """True where the IGO-year is flagged ``imputed`` in the IGO-year file (COW coded early
    years at 5-year intervals; the years between are interpolated)."""
    raw = _read_cached(path, "igo_year_format3.rda", "igo_year_format3")
    if "imputed" not in raw.columns:
        return np.zeros(len(df), bool)
    flag = raw.loc[pd.to_numeric(raw["imputed"], errors="coerce") == 1, ["ioname", "year"]]
    key = pd.MultiIndex.from_arrays([flag["ioname"].astype(str).str.lower(), flag["year"].astype("int64")])
    return pd.MultiIndex.from_arrays([df["igo"], df["year"]]).isin(key)


def igo_catalog(path=None, *, memberships: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per IGO: abbreviation, names, years, type flags (and region, given memberships).

    Parameters
    ----------
    path : path-like, optional
        ``igo_year_format3.rda``; default ``$DIFFUSION_STATS_DATA/cow_igo/igo_year_format3.rda``.
    memberships : DataFrame, optional
        From :func:`read_igo_memberships`: adds ``n_members`` (units ever a full member),
        ``region`` (the :data:`COW_REGIONS` region holding most of them) and
        ``region_share`` (its share).

    Returns
    -------
    DataFrame
        ``igo`` (lower-case abbreviation, the key used everywhere), ``ioname``,
        ``orgname``, ``longorgname``, ``ionum``, ``first_year``, ``last_year`` (years with a
        row), ``sdate``, ``deaddate``, ``dead``, ``integrated``, ``replaced``,
        ``political``, ``social``, ``economic`` (0/1 flags; an IGO may have several).

    Examples
    --------
    >>> cat = igo_catalog()
    >>> coe = cat.set_index("igo").loc["coe"]
    >>> coe.orgname, int(coe.first_year)
    ('Council of Europe', 1949)
    """
    raw = _read_cached(path, "igo_year_format3.rda", "igo_year_format3")
    raw = raw.assign(igo=raw["ioname"].astype(str).str.lower())
    g = raw.groupby("igo", sort=True)
    first = g.first()
    out = pd.DataFrame({"igo": first.index, "ioname": first["ioname"].astype(str).to_numpy(),
                        "orgname": first["orgname"].astype(str).to_numpy()})
    for c in ("longorgname", "ionum", "sdate", "deaddate", "dead", "integrated", "replaced"):
        if c in raw.columns:
            out[c] = g[c].first().to_numpy()
    out["first_year"] = g["year"].min().astype("int64").to_numpy()
    out["last_year"] = g["year"].max().astype("int64").to_numpy()
    for c in ("political", "social", "economic"):
        out[c] = g[c].max().fillna(0).astype("int64").to_numpy()
    if memberships is not None:
        full = memberships.loc[memberships["status"] == 1, ["igo", "unit"]].drop_duplicates()
        full = full.assign(region=cow_region(full["unit"]))
        n = full.groupby("igo").size()
        top = full.groupby(["igo", "region"]).size().rename("k").reset_index()
        top = top.sort_values(["igo", "k"], ascending=[True, False], kind="stable").drop_duplicates("igo")
        top = top.set_index("igo")
        out["n_members"] = n.reindex(out["igo"]).fillna(0).astype("int64").to_numpy()
        out["region"] = top["region"].reindex(out["igo"]).fillna("").to_numpy()
        out["region_share"] = (top["k"].reindex(out["igo"]) / n.reindex(out["igo"])).to_numpy()
    out = design_frame(out, Accounting("igo_catalog", n_rows=len(out),
                                       counts={"input IGO-years": len(raw), "IGOs": len(out)}))
    return out


_STOP = {"of", "the", "for", "and", "de", "on", "in"}
_ABBREV = {"org": "organization", "orgn": "organization", "am": "american", "amer": "american",
           "intl": "international", "int": "international", "assoc": "association", "coop": "cooperation",
           "dev": "development", "comm": "commission", "cttee": "committee", "comm.": "commission",
           "reg": "regional", "econ": "economic", "inst": "institute", "conf": "conference", "cent": "central",
           "afr": "african", "eur": "european", "gen": "general", "govt": "government", "sec": "security"}


def _norm(s: str) -> str:
    s = re.sub(r"(?<=[a-z])-(?=[a-z])", "", str(s).lower())     # co-operation = cooperation
    s = re.sub(r"[^a-z0-9 ]+", " ", s).strip()
    return re.sub(r"isation\b", "ization", s)   # British spelling


def find_igo(query: str, catalog: pd.DataFrame | None = None) -> pd.DataFrame:
    """IGOs matching a name or abbreviation (case-insensitive).

    An exact abbreviation (``"COE"``, ``"oas"``) or full name gives that IGO; otherwise
    every IGO whose short or long name has a word beginning with each word of ``query``
    (``"council europe"``), where COW's abbreviated words count ("Org", "Am" match
    "Organization", "American"; British spellings are accepted).

    Raises
    ------
    InputError
        Nothing matches (with the closest abbreviations and names).

    Examples
    --------
    >>> find_igo("Council of Europe").igo.tolist()
    ['coe']
    >>> find_igo("OAS").orgname.tolist()
    ['Pan-Am Union/Org of Am States']
    >>> "oas" in find_igo("Organization of American States").igo.tolist()
    True
    """
    if not isinstance(query, str) or not query.strip():
        raise InputError(f"query={query!r}: give an IGO abbreviation ('COE') or part of its name ('Council of "
                         "Europe')")
    cat = igo_catalog() if catalog is None else catalog
    q = query.strip().lower()
    exact = cat[cat["igo"] == q]
    if len(exact):
        return exact.reset_index(drop=True)
    names = (cat["orgname"].map(_norm) + " | " + cat.get("longorgname", cat["orgname"]).fillna("").map(_norm))
    exact_name = cat[(cat["orgname"].map(_norm) == _norm(q))
                     | (cat.get("longorgname", cat["orgname"]).fillna("").map(_norm) == _norm(q))]
    if len(exact_name):
        return exact_name.reset_index(drop=True)
    words = [w for w in _norm(q).split() if w not in _STOP]
    # COW's abbreviated words count as the full word ("Org" = "Organization", "Am" = "American")
    tokens = names.str.split().map(lambda ts: {_ABBREV.get(t, t) for t in ts})
    hit = np.ones(len(cat), bool)
    for w in words:
        hit &= tokens.map(lambda ts, w=w: any(t.startswith(w) for t in ts)).to_numpy()
    if not words or not hit.any():
        hint = did_you_mean(q, list(cat["igo"]) + list(cat["orgname"]))
        raise InputError(f"no IGO matches {query!r}{hint}; search by abbreviation (e.g. 'coe', 'oas', 'eu') or "
                         "words of the name; igo_catalog() lists them all")
    return cat[hit].reset_index(drop=True)


def resolve_igos(igos: Any, known: Sequence[str], catalog: pd.DataFrame | None = None,
                 argument: str = "igo") -> list[str]:
    """Abbreviations for ``igos`` (abbreviations or unambiguous names); an error names any unmatched one."""
    items = [igos] if isinstance(igos, str) else list(igos)
    if not items:
        raise InputError(f"{argument}: give at least one IGO (abbreviation or name)")
    known_set = set(known)
    out = []
    for it in items:
        key = str(it).strip().lower()
        if key in known_set:
            out.append(key)
            continue
        try:
            hits = find_igo(str(it), catalog)
        except InputError as exc:
            raise InputError(f"{argument}={it!r}: {exc}") from None
        if len(hits) != 1:
            lst = ", ".join([f"{a} ({n})" for a, n in zip(hits["igo"], hits["orgname"], strict=True)][:8])
            raise InputError(f"{argument}={it!r} matches {len(hits)} IGOs: {lst}; give the abbreviation")
        key = hits["igo"].iloc[0]
        if key not in known_set:
            raise InputError(f"{argument}={it!r} ({key}) has no memberships in the table given (years or status "
                             "selected out?)")
        out.append(key)
    return list(dict.fromkeys(out))


def select_igos(catalog: pd.DataFrame, *,
                type: Literal["political", "social", "economic"] | Sequence[str] | None = None,
                region: str | None = None,
                min_share: float = 0.8, alive: int | None = None) -> list[str]:
    """Abbreviations of the IGOs of a type and/or region.

    Parameters
    ----------
    catalog : DataFrame
        From :func:`igo_catalog` (with ``memberships=`` for ``region``).
    type : {"political", "social", "economic"} or a list of them, optional
        Keep IGOs flagged with any of these types.
    region : str, optional
        One of the :data:`COW_REGIONS` names: keep IGOs whose ever-full members lie in
        that region for at least ``min_share``.
    min_share : float
    alive : int, optional
        Keep IGOs with a row in that year.

    Examples
    --------
    >>> cat = igo_catalog(memberships=read_igo_memberships(status="full", years=2000))
    >>> "coe" in select_igos(cat, type="political", region="Europe", alive=2000)
    True
    """
    keep = np.ones(len(catalog), bool)
    if type is not None:
        types = [type] if isinstance(type, str) else list(type)
        for t in types:
            if t not in ("political", "social", "economic"):
                raise InputError(f"type={t!r}{did_you_mean(str(t), ['political', 'social', 'economic'])}; use "
                                 "'political', 'social' or 'economic'")
        keep &= (catalog[types].to_numpy() == 1).any(axis=1)
    if region is not None:
        regions = [r[2] for r in COW_REGIONS]
        if region not in regions:
            raise InputError(f"region={region!r}{did_you_mean(str(region), regions)}; use one of {regions}")
        if "region" not in catalog.columns:
            raise InputError("region= needs igo_catalog(memberships=...) (the regions come from the members)")
        keep &= ((catalog["region"] == region) & (catalog["region_share"] >= float(min_share))).to_numpy()
    if alive is not None:
        keep &= ((catalog["first_year"] <= int(alive)) & (catalog["last_year"] >= int(alive))).to_numpy()
    return catalog.loc[keep, "igo"].tolist()


def igo_spells(memberships: pd.DataFrame) -> pd.DataFrame:
    """Membership spells: runs of consecutive years with the same IGO, unit and status.

    Returns
    -------
    DataFrame
        ``igo``, ``unit``, ``status``, ``first_year``, ``last_year``, ``n_years``; a gap
        year or a change of status starts a new spell.

    Examples
    --------
    >>> m = read_igo_memberships(years=(1990, 2014))
    >>> sp = igo_spells(m[(m.igo == "coe") & (m.unit == "290")])    # Poland
    >>> sp[["status", "first_year", "last_year"]].values.tolist()
    [[1, 1991, 2014]]
    """
    from ..core.errors import require_columns

    require_columns(memberships, ["igo", "unit", "year", "status"], argument="memberships")
    m = memberships[["igo", "unit", "year", "status"]].sort_values(["igo", "unit", "year"], kind="stable")
    same = ((m["igo"] == m["igo"].shift()) & (m["unit"] == m["unit"].shift())
            & (m["status"] == m["status"].shift()) & (m["year"] == m["year"].shift() + 1))
    sid = (~same).cumsum()
    out = m.groupby(sid.to_numpy(), sort=False).agg(igo=("igo", "first"), unit=("unit", "first"),
                                                   status=("status", "first"), first_year=("year", "min"),
                                                   last_year=("year", "max")).reset_index(drop=True)
    out["n_years"] = out["last_year"] - out["first_year"] + 1
    return out


def igo_members(memberships: pd.DataFrame, igo: str, year: int, *, status: Any = "full") -> list[str]:
    """Units with a status in ``status`` in ``igo`` in ``year``, sorted by COW code.

    Examples
    --------
    >>> m = read_igo_memberships(years=1990)
    >>> len(igo_members(m, "coe", 1990))
    22
    """
    codes = status_codes(status)
    key = resolve_igos(igo, pd.unique(memberships["igo"]))[0]
    hit = memberships[(memberships["igo"] == key) & (memberships["year"] == int(year))
                      & memberships["status"].isin(codes)]
    return sorted(pd.unique(hit["unit"]).tolist(), key=lambda u: int(u) if str(u).isdigit() else 10**9)
