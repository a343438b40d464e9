"""UN Treaty Collection participation tables and the FCTC dates, as adoptions.

The UN tables (one CSV per treaty, named ``<chapter>-<number>.csv``) give per participant
a signature date and one "consent to be bound" date whose suffix names the act:
none = ratification, ``a`` = accession, ``d`` = succession, ``A`` = acceptance,
``AA`` = approval. All five make a state a party, so with ``event="ratification"``
(the default) the adoption date is that date whatever the act, and the act is kept in
the ``action`` column. ``event="signature"`` uses the signature date instead.

Participant names are mapped to COW codes by date (:func:`names_to_cow`): "Germany"
ratifying in 1973 is the German Federal Republic (260), in 1992 Germany (255). Names
that cannot be mapped, and participants that are not COW states (European Union, Holy
See, Cook Islands, Niue, State of Palestine), are dropped and reported by name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..core.accounting import Accounting
from ..core.errors import DataValidationError, DiffusionStatsError, InputError
from ..design.frame import Reports, design_frame
from ._io import data_file

__all__ = ["read_un_treaty", "read_fctc", "un_treaty_index", "parse_un_date"]

_ACTS = {"": "ratification", "a": "accession", "d": "succession", "A": "acceptance", "AA": "approval"}
_DATE = re.compile(r"^\s*(\d{1,2}\s+[A-Za-z]{3}\s+\d{4})\s*(AA|A|a|d)?\s*$")
_TREATY = re.compile(r"^\d{1,2}-\d{1,3}(-[a-z])?$")


def parse_un_date(values) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse UN Treaty Collection cells such as ``"10 Feb 2003 a"``.

    Parameters
    ----------
    values : array-like of str (NaN for empty cells)

    Returns
    -------
    dates : Series of datetime64 (NaT for empty or unparseable cells)
    actions : Series of str (ratification, accession, succession, acceptance, approval)
    bad : Series of bool (non-empty cells that could not be parsed)

    Examples
    --------
    >>> d, a, bad = parse_un_date(["10 Feb 2003 a", "31 Jan 2003", "1 Apr 2005 AA", None])
    >>> a.tolist()[:3], int(bad.sum())
    (['accession', 'ratification', 'approval'], 0)
    """
    s = pd.Series(values, dtype=object).where(lambda x: x.notna(), None)
    s = s.map(lambda v: None if v is None or str(v).strip() == "" else str(v))
    ext = s.dropna().str.extract(_DATE).reindex(s.index)
    dates = pd.to_datetime(ext[0], format="%d %b %Y", errors="coerce")
    actions = ext[1].fillna("").map(_ACTS).where(dates.notna())
    bad = s.notna() & dates.isna()
    return dates, actions, bad


def un_treaty_index(path=None) -> pd.DataFrame:
    """The UN Treaty Collection index (``untreaties/index.csv``) with a ``treaty`` id column.

    Parameters
    ----------
    path : path-like, optional
        Default ``$DIFFUSION_STATS_DATA/untreaties/index.csv``.

    Returns
    -------
    DataFrame
        ``treaty`` ("4-8"), ``chapter_no``, ``treaty_no``, ``treaty_name``, ``chapter_name``, ...

    Examples
    --------
    >>> idx = un_treaty_index()
    >>> idx.set_index("treaty").loc["4-12", "treaty_name"][:40]
    'Second Optional Protocol to the Internat'
    """
    df = pd.read_csv(data_file(path, "untreaties", "index.csv"), dtype=str)
    if not {"chapter_no", "treaty_no", "treaty_name"} <= set(df.columns):
        raise DataValidationError(f"untreaties index lacks chapter_no/treaty_no/treaty_name (has {list(df.columns)})")
    df.insert(0, "treaty", df["chapter_no"].str.strip() + "-" + df["treaty_no"].str.strip())
    return df


def _finish(df: pd.DataFrame, acc: Accounting, mapping, merge, policy: str) -> pd.DataFrame:
    from .cow import _merge_map

    mm = _merge_map(merge)
    bad = df["ccode"].isna()
    nonstate = bad & df["participant"].isin(list(mapping.not_states))
    acc.exclude(int(nonstate.sum()), "are not COW states: dropped", what="participants",
                examples=[f"{n} ({mapping.not_states[n]})" for n in df.loc[nonstate, "participant"]])
    unm = bad & ~nonstate
    acc.exclude(int(unm.sum()), "could not be mapped to a COW code (pass overrides={name: ISO3}): dropped",
                what="participants", examples=df.loc[unm, "participant"].tolist())
    acc.counts["unmapped names"] = list(df.loc[unm, "participant"])
    df = df.loc[~bad].copy()
    df["ccode"] = df["ccode"].astype("int64")
    df["unit"] = df["ccode"].map(lambda c: str(mm.get(c, c)))
    df = df.sort_values(["unit", "date"], kind="stable")
    dup = df.duplicated("unit")
    acc.exclude(int(dup.sum()), "name a unit that already adopted (e.g. after merge=): later date dropped",
                what="participants", examples=df.loc[dup, "participant"].tolist())
    df = df.loc[~dup]
    df["policy"] = policy
    df["year"] = df["date"].dt.year.astype("int64")
    df = df.sort_values(["policy", "year", "unit"], kind="stable").reset_index(drop=True)
    df = df[["unit", "policy", "year", "date", "action", "participant", "iso3", "ccode"]]
    acc.n_rows = len(df)
    acc.counts["adoptions"] = len(df)
    acc.counts["by action"] = df["action"].value_counts().to_dict()
    df = design_frame(df, acc, Reports(name_mapping=mapping))
    return df


def read_un_treaty(treaty: str, path=None, *, event: str = "ratification",
                   overrides: Mapping[str, str | None] | None = None, merge=None,
                   table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Adoptions (ratification or signature) of a UN treaty by COW states.

    Parameters
    ----------
    treaty : str
        Chapter-number id as in the UN Treaty Collection, e.g. ``"4-8"`` (CEDAW),
        ``"4-12"`` (ICCPR second optional protocol), ``"27-7-a"`` (Kyoto Protocol).
    path : path-like, optional
        The treaty CSV; default ``$DIFFUSION_STATS_DATA/untreaties/treaties/<treaty>.csv``.
    event : {"ratification", "signature"}
        ``"ratification"``: the date of consent to be bound (ratification, accession,
        succession, acceptance or approval). ``"signature"``: the signature date.
    overrides : dict, optional
        ``{participant name: ISO3}`` for names the default mapping misses or gets wrong.
    merge : None, "continuity" or dict, optional
        Successor merges applied to the COW codes (see :func:`read_cow_states`).
    table : DataFrame, optional
        Output of :func:`cow_iso3_table` (default: built from the COW states file).

    Returns
    -------
    DataFrame
        Canonical adoptions (``unit`` = COW code as str, ``policy`` = the treaty id,
        ``year`` int64) plus ``date``, ``action``, ``participant`` (cleaned name),
        ``iso3`` and ``ccode`` (the COW code before ``merge``); sorted by policy, year,
        unit. ``df.accounting`` reports participants without the event, unparseable
        cells, non-states and unmapped names; ``df.reports.name_mapping`` holds the
        :class:`NameMapping`.

    Examples
    --------
    >>> op2 = read_un_treaty("4-12")
    >>> op2.columns[:3].tolist()
    ['unit', 'policy', 'year']
    """
    from .codes import clean_name, names_to_cow

    if not isinstance(treaty, str) or not _TREATY.match(treaty):
        raise InputError(f"treaty={treaty!r}: give the UN chapter-number id as a string, e.g. '4-8' (CEDAW) "
                         f"or '27-7-a' (Kyoto Protocol)")
    if event not in ("ratification", "signature"):
        raise InputError(f"event={event!r}: use 'ratification' (consent to be bound: ratification, accession, "
                         f"succession, acceptance, approval) or 'signature'")
    f = data_file(path, "untreaties", f"treaties/{treaty}.csv")
    raw = pd.read_csv(f, dtype=str)
    cols = list(raw.columns)
    if len(cols) < 3 or not cols[0].lower().startswith("participant"):
        raise DataValidationError(f"{str(f)!r} is not a UN participation table: expected columns Participant, "
                                  f"Signature, Ratification...; found {cols}")
    sig = next((c for c in cols[1:] if c.lower().startswith("signature")), None)
    con = next((c for c in cols[1:] if c != sig), None)
    if sig is None or con is None:
        raise DataValidationError(f"{str(f)!r}: cannot find the signature and ratification columns in {cols}")
    acc = Accounting("read_un_treaty", counts={"treaty": treaty, "event": event, "participants": len(raw)})
    if path is None:
        try:
            idx = un_treaty_index().set_index("treaty")
            if treaty in idx.index:
                acc.counts["treaty name"] = str(idx.loc[treaty, "treaty_name"])[:120]
        except (DiffusionStatsError, OSError):  # the index is a nicety; the table itself was read
            pass
    names = raw[cols[0]].fillna("").astype(str)
    cleaned = names.map(clean_name)
    acc.counts["names with footnote marks or bad encoding cleaned"] = int((cleaned != names.str.strip()).sum())
    dates, actions, bad = parse_un_date(raw[sig if event == "signature" else con])
    if event == "signature":
        actions = actions.map(lambda a: "succession to signature" if a == "succession" else "signature")
        actions = actions.where(dates.notna())
    cells = raw.loc[bad, sig if event == "signature" else con]
    acc.exclude(int(bad.sum()), f"have a {event} cell that is not a date: dropped", what="participants",
                examples=[f"{n}: {v!r}" for n, v in zip(cleaned[bad], cells, strict=True)])
    none = dates.isna() & ~bad
    acc.exclude(int(none.sum()), f"have no {event} date (not adopters): left out", what="participants",
                examples=cleaned[none].tolist(), warn=False)
    keep = dates.notna()
    codes, mapping = names_to_cow(cleaned[keep].to_numpy(), dates[keep].to_numpy(), overrides=overrides, table=table)
    df = pd.DataFrame({"participant": cleaned[keep].to_numpy(), "date": dates[keep].to_numpy(),
                       "action": actions[keep].to_numpy(), "iso3": mapping.codes.to_numpy(), "ccode": codes})
    return _finish(df, acc, mapping, merge, treaty)


_FCTC_CONSENT = ["ratification", "acceptance", "approval", "formal_confirm", "accession", "succession"]


def read_fctc(path=None, *, event: str = "ratification", overrides: Mapping[str, str | None] | None = None,
              merge=None, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Adoptions of the WHO Framework Convention on Tobacco Control by COW states.

    Parameters
    ----------
    path : path-like, optional
        ``treaty_dates.csv`` (dates as yyyymmdd); default
        ``$DIFFUSION_STATS_DATA/fctc/treaty_dates.csv``.
    event : {"ratification", "signature"}
        ``"ratification"``: the earliest of ratification, acceptance, approval, formal
        confirmation, accession and succession (the act goes to ``action``).
    overrides, merge, table
        As in :func:`read_un_treaty`.

    Returns
    -------
    DataFrame
        Canonical adoptions with ``policy = "FCTC"`` plus ``date``, ``action``,
        ``participant``, ``iso3``, ``ccode``.

    Examples
    --------
    >>> fctc = read_fctc()
    >>> fctc.policy.unique().tolist()
    ['FCTC']
    """
    from .codes import clean_name, names_to_cow

    if event not in ("ratification", "signature"):
        raise InputError(f"event={event!r}: use 'ratification' or 'signature'")
    f = data_file(path, "fctc", "treaty_dates.csv")
    raw = pd.read_csv(f, dtype=str, na_values=["<NA>", "NA", ""], keep_default_na=False)
    need = ["country_name", "signature", *_FCTC_CONSENT]
    miss = [c for c in need if c not in raw.columns]
    if miss:
        raise DataValidationError(f"{str(f)!r} lacks column(s) {miss}; is this the fctc treaty_dates.csv?")
    acc = Accounting("read_fctc", counts={"event": event, "participants": len(raw)})
    cleaned = raw["country_name"].fillna("").astype(str).map(clean_name)
    # In this file the consent date sits in `ratification`; acceptance, approval, formal_confirm,
    # accession and succession hold TRUE to flag the kind of act (or, in other versions, a date).
    cols = ["signature"] if event == "signature" else _FCTC_CONSENT
    parsed, flags = {}, {}
    badall = np.zeros(len(raw), bool)
    for c in cols:
        v = raw[c].str.strip()
        flag = v.str.upper().isin(["TRUE", "T", "1"]).fillna(False)
        d = pd.to_datetime(v.where(~flag), format="%Y%m%d", errors="coerce")
        badall |= (v.notna() & ~flag & d.isna()).to_numpy()
        parsed[c], flags[c] = d, flag
    P = pd.DataFrame(parsed)
    F = pd.DataFrame(flags)
    acc.exclude(int(badall.sum()), "have a date that is not yyyymmdd: those cells ignored", what="participants",
                examples=cleaned[badall].tolist())
    date = P.min(axis=1)
    arr = P.to_numpy(dtype="datetime64[ns]")
    first = np.where(np.isnat(arr), np.datetime64("2262-01-01"), arr).argmin(axis=1)
    action = pd.Series(np.asarray(cols, dtype=object)[first], index=P.index)
    if event == "ratification":
        fl = F.drop(columns="ratification")
        flagged = fl.any(axis=1)
        action = action.where(~flagged, fl.idxmax(axis=1))
    action = action.where(date.notna())
    several = (P.notna().sum(axis=1) > 1)
    acc.counts["participants with several consent dates (earliest used)"] = int(several.sum())
    none = date.isna()
    acc.exclude(int(none.sum()), f"have no {event} date (not adopters): left out", what="participants",
                examples=cleaned[none].tolist(), warn=False)
    keep = ~none
    codes, mapping = names_to_cow(cleaned[keep].to_numpy(), date[keep].to_numpy(), overrides=overrides, table=table)
    df = pd.DataFrame({"participant": cleaned[keep].to_numpy(), "date": date[keep].to_numpy(),
                       "action": action[keep].astype(str).str.replace("formal_confirm", "formal confirmation")
                                             .to_numpy(),
                       "iso3": mapping.codes.to_numpy(), "ccode": codes})
    return _finish(df, acc, mapping, merge, "FCTC")
