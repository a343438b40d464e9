"""Country codes: Correlates of War (COW) codes, ISO 3166 alpha-3 codes and names.

Names are mapped to ISO3 with :mod:`country_converter` after cleaning (footnote digits
stuck to names, mis-decoded UTF-8), with an explicit override table checked first.
ISO3 codes are mapped to COW codes *by date*, because one ISO3 code can stand for
several COW states over time: ``DEU`` is COW 255 (Germany) before 1945 and from
3 October 1990, but COW 260 (German Federal Republic) from 1955 to 2 October 1990.

Every name that cannot be mapped is reported (never silently dropped), and every
name that maps to something that is not a COW state system member (the European
Union, the Holy See, Cook Islands, Niue, the State of Palestine) is reported with the
reason. Pass ``overrides={"name": "ISO3"}`` to fix or add mappings.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ..core.errors import InputError

__all__ = [
    "NAME_OVERRIDES",
    "NOT_COW_STATES",
    "COW_ISO3_OVERRIDES",
    "NameMapping",
    "clean_name",
    "names_to_iso3",
    "cow_iso3_table",
    "iso3_to_cow",
    "names_to_cow",
]

#: Names that country_converter misses, mis-maps or that changed over time, mapped to
#: ISO3 (ISO 3166-1; withdrawn ISO 3166-3 codes for dissolved states; XKX for Kosovo).
#: Checked before country_converter; extend per call with ``overrides=``.
NAME_OVERRIDES: dict[str, str] = {
    "Micronesia (Federated States of)": "FSM",
    "Micronesia, Federated States of": "FSM",
    "Federated States of Micronesia": "FSM",
    "Côte d'Ivoire": "CIV",
    "Cote d'Ivoire": "CIV",
    "Ivory Coast": "CIV",
    "Kosovo": "XKX",
    "Serbia and Montenegro": "SRB",
    "Yugoslavia": "SRB",
    "Czechoslovakia": "CSK",
    "German Democratic Republic": "DDR",
    "Democratic Yemen": "YMD",
    "Yemen People's Republic": "YMD",
    "Swaziland": "SWZ",
    "Eswatini": "SWZ",
    "Cabo Verde": "CPV",
    "Türkiye": "TUR",
    "The former Yugoslav Republic of Macedonia": "MKD",
    "North Macedonia": "MKD",
    "Holy See": "VAT",
    "State of Palestine": "PSE",
    "European Union": "EUU",
    "European Community": "EUU",
}

#: Codes that are parties to treaties but not members of the COW state system, and why.
NOT_COW_STATES: dict[str, str] = {
    "EUU": "regional economic integration organisation, not a state",
    "VAT": "Holy See: not a COW state system member (COW 327, the Papal States, ended 1860)",
    "COK": "Cook Islands: self-governing in free association with New Zealand, not a COW state",
    "NIU": "Niue: self-governing in free association with New Zealand, not a COW state",
    "PSE": "State of Palestine: not a COW state system member",
}

#: COW codes whose name country_converter cannot map, or maps to a code that would
#: collide with another state: code -> ISO3 (None = no ISO3 equivalent).
COW_ISO3_OVERRIDES: dict[int, str | None] = {
    240: None, 245: None, 267: None, 269: None, 271: None, 273: None, 275: None, 280: None,  # German states
    260: "DEU",   # German Federal Republic (1955-1990): Germany's ISO3 in those years
    265: "DDR",   # German Democratic Republic (ISO 3166-3)
    300: None,    # Austria-Hungary
    315: "CSK",   # Czechoslovakia (ISO 3166-3)
    316: "CZE",
    327: None,    # Papal States (not the Holy See)
    329: None, 332: None, 335: None, 337: None,  # Italian states
    345: "SRB",   # COW Yugoslavia continues as Serbia
    347: "XKX",
    511: None,    # Zanzibar
    678: "YEM",   # Yemen Arab Republic: UN 'Yemen' before unification (see PREDECESSOR_OVERRIDES)
    679: "YEM",
    680: "YMD",   # Yemen People's Republic (Democratic Yemen, ISO 3166-3)
    730: "KOR",   # Korea 1887-1905
    817: "VDR",   # Republic of Vietnam (no ISO3; placeholder that matches nothing)
}

_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]")
_FOOTNOTE = re.compile(r"(?<=[^\s\d])[\s,]*(\d+\s*,?\s*)+$")


def clean_name(name: str) -> str:
    """Clean a participant name: fix mis-decoded UTF-8, strip footnote digits.

    Parameters
    ----------
    name : str
        A raw name, e.g. ``"Germany2, 3"`` or ``"CÃ´te d'Ivoire"``.

    Returns
    -------
    str
        The cleaned name.

    Examples
    --------
    >>> clean_name("Germany2, 3")
    'Germany'
    >>> clean_name("CÃ´te d'Ivoire")
    "Côte d'Ivoire"
    """
    s = str(name)
    if _MOJIBAKE.search(s):
        try:
            s = s.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    s = unicodedata.normalize("NFC", s)
    s = s.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
    s = _FOOTNOTE.sub("", s.strip())
    return re.sub(r"\s+", " ", s).strip()


@dataclass(frozen=True, eq=False)
class NameMapping:
    """Result of mapping names to codes.

    Attributes
    ----------
    codes : pandas.Series
        Code per input name (index: the raw names, in input order); missing where unmapped.
    unmapped : tuple of str
        Raw names that could not be mapped at all.
    not_states : dict
        Raw name -> reason, for names that map to a non-state (not a COW state).
    source : pandas.Series
        Where each mapping came from: ``"user"``, ``"override"``, ``"country_converter"``,
        or ``"unmapped"``.
    """

    codes: pd.Series
    unmapped: tuple = ()
    not_states: dict = field(default_factory=dict)
    source: pd.Series | None = None

    def report(self) -> str:
        """Text report of unmapped names and non-states."""
        lines = [f"{self.codes.notna().sum()} of {len(self.codes)} names mapped"]
        lines += [f"  unmapped: {n!r}" for n in self.unmapped]
        lines += [f"  not a state: {n!r} ({r})" for n, r in self.not_states.items()]
        return "\n".join(lines)


@lru_cache(maxsize=1)
def _converter():
    import country_converter as coco

    return coco.CountryConverter()


@lru_cache(maxsize=4096)
def _coco_one(name: str) -> str | None:
    logger = logging.getLogger("country_converter")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        out = _converter().convert(name, to="ISO3", not_found=None)
    finally:
        logger.setLevel(old)
    if isinstance(out, str) and re.fullmatch(r"[A-Z]{3}", out):
        return out
    return None


def names_to_iso3(names: Iterable[str], *, overrides: Mapping[str, str | None] | None = None) -> NameMapping:
    """Map country names to ISO3 codes, reporting every name that cannot be mapped.

    Names are cleaned (:func:`clean_name`), then looked up in ``overrides`` (raw or
    cleaned name), then :data:`NAME_OVERRIDES`, then :mod:`country_converter`.

    Parameters
    ----------
    names : iterable of str
        Country names as they appear in the source.
    overrides : dict, optional
        ``{name: ISO3}``; ``None`` as value marks a name as deliberately unmapped.

    Returns
    -------
    NameMapping

    Examples
    --------
    >>> m = names_to_iso3(["Viet Nam", "Germany2", "Atlantis"])
    >>> list(m.codes)
    ['VNM', 'DEU', None]
    >>> m.unmapped
    ('Atlantis',)
    """
    raw = [str(n) for n in names]
    for k, v in (overrides or {}).items():
        if v is not None and not (isinstance(v, str) and re.fullmatch(r"[A-Za-z]{3}", v.strip())):
            raise InputError(f"overrides={{{k!r}: {v!r}}}: the value must be an ISO 3166 alpha-3 code such as "
                             f"'DEU' (or None to leave the name unmapped)")
    user = {clean_name(k): v for k, v in (overrides or {}).items()}
    user.update({str(k): v for k, v in (overrides or {}).items()})
    codes: list[str | None] = []
    src: list[str] = []
    for n in raw:
        c = clean_name(n)
        if n in user or c in user:
            v = user.get(n, user.get(c))
            codes.append(None if v is None else str(v).strip().upper())
            src.append("user")
        elif c in NAME_OVERRIDES:
            codes.append(NAME_OVERRIDES[c])
            src.append("override")
        else:
            v = _coco_one(c) if c else None
            codes.append(v)
            src.append("country_converter" if v else "unmapped")
    s = pd.Series(codes, index=raw, dtype=object, name="iso3")
    unmapped = tuple(dict.fromkeys(n for n, v in zip(raw, codes, strict=False) if v is None))
    not_states = {n: NOT_COW_STATES[v] for n, v in zip(raw, codes, strict=False) if v in NOT_COW_STATES}
    return NameMapping(s, unmapped, not_states, pd.Series(src, index=raw, name="source"))


def cow_iso3_table(states: pd.DataFrame | None = None, *, path=None) -> pd.DataFrame:
    """COW state spells with their ISO3 code: the crosswalk behind every name mapping.

    Parameters
    ----------
    states : DataFrame, optional
        Output of :func:`read_cow_states` (default: read it from ``path`` / the data folder).
    path : path-like, optional
        Passed to :func:`read_cow_states` when ``states`` is None.

    Returns
    -------
    DataFrame
        One row per COW spell: ``ccode``, ``stateabb``, ``statenme``, ``iso3`` (None for
        states with no ISO3 equivalent, e.g. Bavaria), ``first_date``, ``last_date``.

    Examples
    --------
    >>> t = cow_iso3_table()
    >>> t.loc[t.ccode == 260, "iso3"].item()
    'DEU'
    """
    if states is None:
        from .cow import read_cow_states

        states = read_cow_states(path, collapse=False)
    t = states[["ccode", "stateabb", "statenme", "first_date", "last_date"]].copy()
    iso = {}
    for code, nm in t.drop_duplicates("ccode")[["ccode", "statenme"]].itertuples(index=False):
        iso[int(code)] = COW_ISO3_OVERRIDES[int(code)] if int(code) in COW_ISO3_OVERRIDES else _coco_one(nm)
    t["iso3"] = t["ccode"].map(iso)
    return t.reset_index(drop=True)


def iso3_to_cow(iso3, dates, *, table: pd.DataFrame | None = None) -> np.ndarray:
    """COW code of the state that held ``iso3`` on each date.

    The spell containing the date wins; if none does (e.g. Ukraine's 1973 ratification,
    before Ukraine entered the COW system in 1991), the next spell that starts after the
    date is used, else the last one that ended before it. So a treaty action taken before
    a state's entry is kept and attributed to that state (risk-set builders then report it
    as an adoption before the unit was at risk).

    Parameters
    ----------
    iso3 : array-like of str
    dates : array-like of datetime-like (or int years, read as 1 July)
    table : DataFrame, optional
        Output of :func:`cow_iso3_table`.

    Returns
    -------
    numpy.ndarray of float
        COW codes, NaN where the ISO3 code has no COW state.

    Examples
    --------
    >>> iso3_to_cow(["DEU", "DEU", "DEU"], ["1973-12-17", "1990-10-01", "1992-08-18"])
    array([260., 260., 255.])
    """
    if table is None:
        table = cow_iso3_table()
    iso3 = pd.Series(np.asarray(iso3, dtype=object))
    d = pd.Series(dates)
    if pd.api.types.is_integer_dtype(d) or pd.api.types.is_float_dtype(d):
        d = pd.to_datetime(d.astype("Int64").astype(str) + "-07-01", errors="coerce")
    else:
        d = pd.to_datetime(d, errors="coerce")
    if len(d) != len(iso3):
        raise InputError(f"iso3 and dates differ in length ({len(iso3)} vs {len(d)})")
    q = pd.DataFrame({"iso3": iso3.values, "date": d.values, "_i": np.arange(len(iso3))})
    tab = table.loc[table["iso3"].notna(), ["iso3", "ccode", "first_date", "last_date"]]
    # pandas would match missing keys with each other: only real codes may join
    m = q[q["iso3"].notna()].merge(tab, on="iso3", how="inner")
    inside = (m["date"] >= m["first_date"]) & (m["date"] <= m["last_date"])
    after = m["first_date"] > m["date"]
    # rank candidates: inside (0, shortest distance), then next future spell (1), then last past spell (2)
    m["_rank"] = np.where(inside, 0, np.where(after, 1, 2))
    dist = np.where(after, (m["first_date"] - m["date"]).dt.days, (m["date"] - m["last_date"]).dt.days)
    m["_dist"] = np.where(inside, 0, dist)
    m = m.sort_values(["_i", "_rank", "_dist"]).drop_duplicates("_i")
    out = np.full(len(iso3), np.nan)
    out[m["_i"].to_numpy()] = m["ccode"].to_numpy(dtype=float)
    return out


#: Treaty actions that the UN lists under a successor's name but that were effected
#: by a predecessor, with the COW code of the state that acted (UNTC footnotes).
#: Key: (participant name, date before which the rule applies); value: COW code.
PREDECESSOR_OVERRIDES: dict[tuple[str, str], int] = {
    # "The formalities were effected by Democratic Yemen" (ICCPR 1987, CEDAW 1984)
    ("Yemen", "1990-05-22"): 680,
}


def names_to_cow(names, dates, *, overrides: Mapping[str, str | None] | None = None,
                 table: pd.DataFrame | None = None) -> tuple[np.ndarray, NameMapping]:
    """Map names (with the date of the action) to COW codes.

    Parameters
    ----------
    names : array-like of str
    dates : array-like of datetime-like
    overrides : dict, optional
        ``{name: ISO3}`` passed to :func:`names_to_iso3`.
    table : DataFrame, optional
        Output of :func:`cow_iso3_table`.

    Returns
    -------
    codes : numpy.ndarray of float (NaN where unmapped or not a COW state)
    mapping : NameMapping (the name -> ISO3 step, with unmapped names and non-states)

    Examples
    --------
    >>> codes, m = names_to_cow(["Germany", "Holy See"], ["1985-07-10", "1990-04-20"])
    >>> codes
    array([260., nan])
    """
    names = pd.Series(np.asarray(names, dtype=object)).astype(str)
    mapping = names_to_iso3(names, overrides=overrides)
    iso = mapping.codes.to_numpy(dtype=object)
    codes = iso3_to_cow(iso, dates, table=table)
    d = pd.to_datetime(pd.Series(dates), errors="coerce")
    cleaned = names.map(clean_name)
    for (nm, before), code in PREDECESSOR_OVERRIDES.items():
        hit = (cleaned == nm).to_numpy() & (d < pd.Timestamp(before)).to_numpy()
        codes[hit] = code
    notstate = np.isin(iso, list(NOT_COW_STATES))
    codes[notstate] = np.nan
    return codes, mapping
