"""Diffusion through named international organizations (COW IGO v3 memberships).

International organizations spread norms among their members in several ways, and each
builder here is one of them, so a horse race can set them against each other:

Socialization
    :func:`comembership_weights` + :func:`socialization` - fellow members of one named
    organization (the Council of Europe, the OAS) or a set of them (by type or region,
    :func:`~diffusion_stats.countries.select_igos`); exposure = share of a state's fellow
    members that have adopted (Johnston 2001; Bearce & Bondanella 2007; Greenhill 2010).
Mimicry of leaders
    :func:`power_weights` + :func:`mimicry_members` - fellow members weighted by their
    power (CINC), or only the organization's ``leaders`` most capable members: states copy
    the leading members of their organizations (DiMaggio & Powell 1983, mimetic
    isomorphism; Shipan & Volden 2008). :func:`mimicry_leaders` - a fixed set of leaders
    for everyone (e.g. the five permanent members of the Security Council).
Conditionality
    :func:`conditionality` - states seeking membership (candidate-years the user gives, or
    the organization's associates or observers) are tied to its full members: exposure =
    share of the members that adopted (Schimmelfennig & Sedelmeier 2004; Kelley 2004).
Standard setting
    :func:`standard_setting` - the organization's own endorsement of the norm (a year the
    user gives: a convention, a protocol, a membership condition) switches on a term for
    its members from that year (Finnemore 1993: IOs as "teachers of norms").

Every ``W_t[i, j]`` is state i's tie to source j in year t; memberships come from
:func:`~diffusion_stats.countries.read_igo_memberships` (columns ``igo``, ``unit``,
``year``, ``status``: 1 full, 2 associate, 3 observer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError, require_columns
from ..design.frame import DesignFrame, derived_accounting, design_frame
from .channels import Channel

__all__ = ["comembership_weights", "power_weights", "socialization", "mimicry_members", "mimicry_leaders",
           "standard_setting", "StandardSetting", "conditionality", "P5"]

#: COW codes of the five permanent members of the UN Security Council (US, UK, France, Russia, China).
P5: tuple[str, ...] = ("2", "200", "220", "365", "710")

SOURCES = {
    "socialization": "Johnston (2001) ISQ; Bearce & Bondanella (2007) IO; Greenhill (2010) ISQ "
                     "(socialization in IGOs; COW IGO v3, Pevehouse et al. 2020)",
    "mimicry_members": "DiMaggio & Powell (1983) ASR (mimetic isomorphism); Shipan & Volden (2008) AJPS "
                       "(imitation of leaders); COW NMC (CINC)",
    "mimicry_leaders": "DiMaggio & Powell (1983) ASR; Walker (1969) APSR; Shipan & Volden (2008) AJPS",
    "standard_setting": "Finnemore (1993) IO (IOs as teachers of norms); Finnemore & Sikkink (1998) IO",
    "conditionality": "Schimmelfennig & Sedelmeier (2004) JEPP; Kelley (2004) IO (membership conditionality)",
}


def _prepare(memberships: pd.DataFrame, igos: Any, status: Any, years: Any, argument: str = "igos"):
    from ..countries.igo import resolve_igos, status_codes, year_range

    if not isinstance(memberships, pd.DataFrame):
        raise InputError(f"memberships must be a DataFrame from countries.read_igo_memberships, got "
                         f"{type(memberships).__name__}")
    require_columns(memberships, ["igo", "unit", "year", "status"], argument="memberships")
    codes = status_codes(status)
    keys = resolve_igos(igos, pd.unique(memberships["igo"]), argument=argument)
    m = memberships[memberships["igo"].isin(keys) & memberships["status"].isin(codes)]
    m = m[["igo", "unit", "year"]].assign(unit=m["unit"].astype(str), year=m["year"].astype(np.int64))
    yr = year_range(years)
    have = (int(memberships["year"].min()), int(memberships["year"].max())) if len(memberships) else None
    if yr is not None and have is not None and (yr[0] < have[0] or yr[1] > have[1]):
        raise InputError(f"years={years!r} reach beyond the memberships table ({have[0]}-{have[1]}): those years "
                         "would have no members at all. Read the memberships for these years "
                         "(read_igo_memberships(years=...); COW IGO v3 ends in 2014) or narrow years=")
    if yr is None:
        yr = (int(m["year"].min()), int(m["year"].max())) if len(m) else None
    if yr is None:
        raise InputError(f"{argument}={igos!r}: no memberships with status {codes} in the table given")
    m = m[(m["year"] >= yr[0]) & (m["year"] <= yr[1])]
    return m.drop_duplicates(), keys, codes, yr


def _row_standardized(W: Any) -> Any:
    """``W.row_standardize()`` with its warnings pointing at the user's line."""
    import warnings

    from ..core.errors import user_stacklevel

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = W.row_standardize()
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=user_stacklevel())
    return out


def _labels(m: pd.DataFrame, units: Sequence[Any] | None) -> list[str]:
    if units is not None:
        return [str(u) for u in units]
    u = pd.unique(m["unit"])
    return sorted(u.tolist(), key=lambda s: (0, int(s)) if str(s).isdigit() else (1, str(s)))


def _incidence(m: pd.DataFrame, idx: pd.Index, n_groups: int, gcode: np.ndarray,
               values: np.ndarray | None = None) -> sp.csr_matrix:
    ui = idx.get_indexer(m["unit"])
    ok = ui >= 0
    v = np.ones(int(ok.sum())) if values is None else values[ok]
    return sp.csr_matrix((v, (ui[ok], gcode[ok])), shape=(len(idx), n_groups))


def comembership_weights(memberships: pd.DataFrame, igos: Any, *, status: Any = "full", years: Any = None,
                         units: Sequence[Any] | None = None, binary: bool = False,
                         name: str | None = None) -> Any:
    """Co-membership in one named IGO or a set, as a yearly ``Weights``.

    ``W_t[i, j]`` = number of the selected IGOs in which both i and j hold a status in
    ``status`` in year t (1 with ``binary=True``); ``W_t[i, i] = 0``. With one IGO the
    row of a member lists its fellow members, and ``kind="share"`` exposure is the share
    of the organization's other members that have adopted.

    Parameters
    ----------
    memberships : DataFrame
        From :func:`diffusion_stats.countries.read_igo_memberships`.
    igos : str or list of str
        IGO abbreviations (``"coe"``) or unambiguous names (``"Council of Europe"``);
        a set, e.g. from :func:`diffusion_stats.countries.select_igos`.
    status : "full", "full+associate", "any" or codes
        Status threshold: who counts as a member (1 full, 2 associate, 3 observer).
    years : int or (first, last), optional
        Years to build (default: the years of the selected memberships); every year gets
        a matrix, empty when nobody is a member.
    units : sequence of str, optional
        Labels (e.g. every state at risk; states never members get empty rows).
    binary : bool
    name : str, optional

    Returns
    -------
    Weights (symmetric, one matrix per year)

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"igo": ["coe"] * 3 + ["eu"] * 2, "unit": ["220", "255", "365", "220", "255"],
    ...                   "year": 2000, "status": [1, 1, 2, 1, 1]})
    >>> W = comembership_weights(m, ["coe", "eu"])
    >>> W.matrix(year=2000).toarray()
    array([[0., 2.],
           [2., 0.]])
    >>> comembership_weights(m, "coe", status="full+associate").neighbors("365", year=2000)
    ('220', '255')
    """
    from ..weights.core import Weights

    m, keys, codes, yr = _prepare(memberships, igos, status, years)
    labels = _labels(m, units)
    idx = pd.Index(labels)
    gcode, groups = pd.factorize(m["igo"])
    ylist = np.arange(yr[0], yr[1] + 1)
    mats: dict[int | None, Any] = {}
    by_year = dict(tuple(m.assign(_g=gcode).groupby("year", sort=True)))
    for y in ylist:
        g = by_year.get(int(y))
        if g is None:
            mats[int(y)] = sp.csr_matrix((len(labels), len(labels)))
            continue
        B = _incidence(g, idx, len(groups), g["_g"].to_numpy())
        C = (B @ B.T).tocsr()
        C.setdiag(0.0)
        C.eliminate_zeros()
        if binary:
            C.data[:] = 1.0
        mats[int(y)] = C
    nm = name or ("co_" + "_".join(keys) if len(keys) <= 3 else f"co_{len(keys)}_igos")
    return Weights(mats, labels, name=nm)


def power_weights(memberships: pd.DataFrame, igos: Any, capabilities: pd.DataFrame, *, status: Any = "full",
                  value: str = "cinc", leaders: int | None = None, weighted: bool = True, years: Any = None,
                  units: Sequence[Any] | None = None, name: str | None = None) -> Any:
    """Fellow members weighted by their power: the organization's leaders.

    ``W_t[i, j] = c_j(t)`` (``weighted=True``) or 1 when j is a fellow member of i in a
    selected IGO in year t and, with ``leaders=k``, j is among the k most capable members
    of that IGO that year (ties broken by COW code). ``c`` is ``value`` (e.g. CINC) from
    ``capabilities``; members without a capability score are never leaders and weigh 0.
    Row-standardised, ``kind="weighted"`` exposure is the capability-weighted share of a
    state's fellow members (or leaders) that have adopted.

    Parameters
    ----------
    memberships, igos, status, years, units
        As in :func:`comembership_weights`.
    capabilities : DataFrame
        ``unit``, ``year`` and ``value`` (e.g. :func:`diffusion_stats.countries.read_cow_capabilities`).
    value : str
    leaders : int, optional
        Only the ``leaders`` most capable members of each IGO-year are sources.
    weighted : bool
        Weight each source by its capability (else 1).
    name : str, optional

    Returns
    -------
    Weights (one matrix per year; not symmetric)

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"igo": "g", "unit": ["a", "b", "c"], "year": 2000, "status": 1})
    >>> cap = pd.DataFrame({"unit": ["a", "b", "c"], "year": 2000, "cinc": [0.5, 0.2, 0.1]})
    >>> power_weights(m, "g", cap, units=["a", "b", "c"]).matrix(year=2000).toarray()
    array([[0. , 0.2, 0.1],
           [0.5, 0. , 0.1],
           [0.5, 0.2, 0. ]])
    >>> power_weights(m, "g", cap, leaders=1, weighted=False, units=["a", "b", "c"]).neighbors("c", year=2000)
    ('a',)
    """
    from ..weights.core import Weights

    require_columns(capabilities, ["unit", "year", value], argument="capabilities")
    if leaders is not None and (isinstance(leaders, bool) or not isinstance(leaders, (int, np.integer))
                                or leaders < 1):
        raise InputError(f"leaders={leaders!r}: give a positive integer (the k most capable members) or None")
    m, keys, codes, yr = _prepare(memberships, igos, status, years)
    cap = capabilities[["unit", "year", value]].assign(unit=capabilities["unit"].astype(str),
                                                       year=capabilities["year"].astype(np.int64))
    if cap.duplicated(["unit", "year"]).any():
        from ..core.errors import DataValidationError

        raise DataValidationError("capabilities has more than one row per (unit, year)")
    m = m.merge(cap, on=["unit", "year"], how="left")
    c = pd.to_numeric(m[value], errors="coerce").to_numpy(dtype=float)
    c = np.where(np.isfinite(c) & (c > 0), c, 0.0)
    m = m.assign(_c=c)
    if leaders is not None:
        key = pd.to_numeric(m["unit"], errors="coerce").fillna(np.inf)
        m = m.assign(_k=key).sort_values(["igo", "year", "_c", "_k"], ascending=[True, True, False, True],
                                         kind="stable")
        rank = m.groupby(["igo", "year"], sort=False).cumcount()
        m = m.assign(_lead=(rank < int(leaders)) & (m["_c"] > 0))
    else:
        m = m.assign(_lead=True)
    labels = _labels(m, units)
    idx = pd.Index(labels)
    gcode, groups = pd.factorize(m["igo"])
    m = m.assign(_g=gcode)
    mats: dict[int | None, Any] = {}
    by_year = dict(tuple(m.groupby("year", sort=True)))
    for y in range(yr[0], yr[1] + 1):
        g = by_year.get(int(y))
        if g is None:
            mats[int(y)] = sp.csr_matrix((len(labels), len(labels)))
            continue
        B = _incidence(g, idx, len(groups), g["_g"].to_numpy())
        src = g[g["_lead"].to_numpy()]
        S = _incidence(src, idx, len(groups), src["_g"].to_numpy())
        M = (B @ S.T).tocsr()      # M[i, j] = number of selected IGOs where i is a member and j a source
        M.data[:] = 1.0
        M.setdiag(0.0)
        M.eliminate_zeros()
        if weighted:
            cj = np.zeros(len(labels))
            ui = idx.get_indexer(g["unit"])
            cj[ui[ui >= 0]] = g["_c"].to_numpy()[ui >= 0]
            M = (M @ sp.diags(cj)).tocsr()
            M.eliminate_zeros()
        mats[int(y)] = M
    nm = name or ("power_" + "_".join(keys) if len(keys) <= 3 else f"power_{len(keys)}_igos")
    return Weights(mats, labels, name=nm)


def socialization(memberships: pd.DataFrame, igos: Any, *, name: str | None = None, status: Any = "full",
                  kind: Literal["share", "count", "weighted"] = "share", years: Any = None,
                  units: Sequence[Any] | None = None,
                  lag: int = 1) -> Channel:
    """Socialization among fellow members of a named organization (or a set).

    ``kind="share"``: exposure = share of a state's fellow members (in any of ``igos``)
    that have adopted by ``t - lag``; non-members have exposure 0. ``kind="weighted"`` on
    a set: fellow members weighted by the number of shared organizations (row-standardised).
    Follows Johnston (2001, "Treating international institutions as social
    environments", ISQ), Bearce & Bondanella (2007, IO) and Greenhill (2010, ISQ).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"igo": "coe", "unit": ["220", "255"], "year": 2000, "status": 1})
    >>> ch = socialization(m, "coe")
    >>> ch.mechanism, ch.name, ch.kind
    ('socialization', 'coe', 'share')
    """
    if kind not in ("share", "count", "weighted"):
        raise InputError(f"kind={kind!r}; use 'share' (share of fellow members), 'count' or 'weighted'")
    W = comembership_weights(memberships, igos, status=status, years=years, units=units)
    if kind == "weighted":
        W = _row_standardized(W)
    return Channel(name or W.name.removeprefix("co_"), W, mechanism="socialization", kind=kind, lag=lag,
                   source=SOURCES["socialization"], missing_years="zero")


def mimicry_members(memberships: pd.DataFrame, igos: Any, capabilities: pd.DataFrame, *, name: str | None = None,
                    leaders: int | None = None, status: Any = "full", value: str = "cinc", years: Any = None,
                    units: Sequence[Any] | None = None, lag: int = 1) -> Channel:
    """Mimicry of an organization's leading members: capability-weighted share of them that adopted.

    Built on :func:`power_weights` (row-standardised, ``kind="weighted"``). Follows
    DiMaggio & Powell (1983, mimetic isomorphism: organizations copy those seen as
    successful or powerful) and Shipan & Volden (2008, imitation of larger units).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"igo": "g", "unit": ["a", "b"], "year": 2000, "status": 1})
    >>> cap = pd.DataFrame({"unit": ["a", "b"], "year": 2000, "cinc": [0.5, 0.2]})
    >>> mimicry_members(m, "g", cap, leaders=1).mechanism
    'mimicry'
    """
    W = _row_standardized(power_weights(memberships, igos, capabilities, status=status, value=value,
                                        leaders=leaders, years=years, units=units))
    return Channel(name or W.name, W, mechanism="mimicry", kind="weighted", lag=lag,
                   source=SOURCES["mimicry_members"], missing_years="zero")


def mimicry_leaders(units: Sequence[Any], leaders: Sequence[Any] = P5, *, name: str = "p5", lag: int = 1) -> Channel:
    """Mimicry of a fixed set of leaders (default :data:`P5`): share of them that adopted.

    Every unit looks to the same leaders (``leader_weights``); follows DiMaggio & Powell
    (1983), Walker (1969) and Shipan & Volden (2008). The exposure is nearly the same for
    every unit in a year, so with year effects or a Cox risk set it is barely identified:
    check :func:`diffusion_stats.separability`.

    Examples
    --------
    >>> ch = mimicry_leaders(["2", "200", "220", "365", "710", "740"])
    >>> ch.mechanism, ch.kind
    ('mimicry', 'share')
    """
    from .constructors import leader_weights

    return Channel(name, leader_weights(units, leaders, name=name), mechanism="mimicry", kind="share", lag=lag,
                   source=SOURCES["mimicry_leaders"])


@dataclass(frozen=True, eq=False)
class StandardSetting:
    """An organization's endorsement of a norm as a term for its members.

    ``add_to(panel)`` adds column ``name`` = 1 when the row's unit is a member of the
    organization in ``year - lag`` and ``year - lag >= endorsed``, else 0. Pass the
    object (or its name) to :func:`diffusion_stats.horse_race` like a channel.
    """

    name: str
    igo: str
    endorsed: int
    members: pd.DataFrame
    lag: int = 1
    mechanism: str = "standard_setting"
    source: str = SOURCES["standard_setting"]

    def add_to(self, panel: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``panel`` (``unit``, ``year``) with the standard-setting term."""
        if not isinstance(panel, pd.DataFrame):
            raise InputError(f"panel must be a DataFrame with unit and year, got {type(panel).__name__}")
        require_columns(panel, ["unit", "year"], argument="panel")
        if self.name in panel.columns:
            raise InputError(f"panel already has a column '{self.name}'; pass another name= to standard_setting")
        key = pd.DataFrame({"unit": panel["unit"].astype(str).to_numpy(),
                            "year": panel["year"].to_numpy(dtype=np.int64) - int(self.lag)})
        hit = key.merge(self.members.assign(_m=1), on=["unit", "year"], how="left")["_m"].notna().to_numpy()
        out = panel.copy()
        out[self.name] = (hit & (key["year"].to_numpy() >= int(self.endorsed))).astype(np.int8)
        return design_frame(out, derived_accounting(out, "standard_setting", len(out))) \
            if isinstance(out, DesignFrame) else out


def standard_setting(memberships: pd.DataFrame, igo: str, endorsed: int, *, name: str | None = None,
                     status: Any = "full", lag: int = 1) -> StandardSetting:
    """The organization's own endorsement (a year from the user) switches on a term for its members.

    Finnemore (1993, "International organizations as teachers of norms", IO): an IO that
    adopts a standard (e.g. the Council of Europe's Protocol No. 6 on the death penalty,
    1983, and its abolition condition for new members from the mid-1990s) teaches it to
    its members. The term is 1 for a member from ``endorsed + lag`` on.

    Parameters
    ----------
    memberships : DataFrame
        From :func:`diffusion_stats.countries.read_igo_memberships`.
    igo : str
        One IGO (abbreviation or unambiguous name).
    endorsed : int
        Year of the organization's endorsement.
    name : str, optional
        Column name (default ``"<igo>_endorsed"``).
    status, lag
        Who counts as a member; membership is read at ``year - lag``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"igo": "coe", "unit": ["220", "220"], "year": [1983, 1984], "status": 1})
    >>> panel = pd.DataFrame({"unit": ["220", "220", "2"], "year": [1984, 1985, 1985]})
    >>> standard_setting(m, "coe", 1984).add_to(panel)["coe_endorsed"].tolist()
    [0, 1, 0]
    """
    if isinstance(endorsed, bool) or not isinstance(endorsed, (int, np.integer)):
        raise InputError(f"endorsed={endorsed!r}: give the year (an integer) in which the organization endorsed "
                         "the norm")
    m, keys, codes, yr = _prepare(memberships, igo, status, None, argument="igo")
    if len(keys) != 1:
        raise InputError(f"igo={igo!r}: give one organization (got {keys})")
    nm = name or f"{keys[0]}_endorsed"
    if not nm.isidentifier():
        raise InputError(f"name={nm!r} must be a valid identifier (it becomes a column and a formula term)")
    return StandardSetting(name=nm, igo=keys[0], endorsed=int(endorsed),
                           members=m[["unit", "year"]].drop_duplicates().reset_index(drop=True), lag=int(lag))


def conditionality(memberships: pd.DataFrame, igo: str, candidates: Any, *, name: str | None = None,
                   status: Any = "full", years: Any = None, units: Sequence[Any] | None = None,
                   lag: int = 1) -> Channel:
    """Membership conditionality: candidates are tied to the organization's members.

    ``W_t[i, j] = 1`` when i is a candidate in year t and j a member (``status``) of
    ``igo`` in t; other rows are empty, so ``kind="share"`` exposure is the share of the
    organization's members that have adopted, for candidates only. Follows Schimmelfennig
    & Sedelmeier (2004, "Governance by conditionality", JEPP) and Kelley (2004, "International
    actors on the domestic scene", IO).

    Parameters
    ----------
    memberships : DataFrame
        From :func:`diffusion_stats.countries.read_igo_memberships`.
    igo : str
        One IGO (abbreviation or unambiguous name).
    candidates : DataFrame or {"associate", "observer"}
        Candidate-years (``unit``, ``year``: e.g. from application to accession), or the
        organization's associate members or observers in each year.
    name, status, years, units, lag
        As in :func:`socialization`.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"igo": "coe", "unit": ["220", "255"], "year": 1995, "status": 1})
    >>> cand = pd.DataFrame({"unit": ["365"], "year": [1995]})
    >>> ch = conditionality(m, "coe", cand, units=["220", "255", "365"])
    >>> ch.mechanism, ch.weights.neighbors("365", year=1995), ch.weights.neighbors("220", year=1995)
    ('conditionality', ('220', '255'), ())
    """
    from ..weights.core import Weights

    m, keys, codes, yr = _prepare(memberships, igo, status, years, argument="igo")
    if len(keys) != 1:
        raise InputError(f"igo={igo!r}: give one organization (got {keys})")
    if isinstance(candidates, str):
        code = {"associate": 2, "observer": 3}.get(candidates)
        if code is None:
            raise InputError(f"candidates={candidates!r}; give a DataFrame of candidate-years (unit, year) or "
                             "'associate' / 'observer'")
        c = memberships[(memberships["igo"] == keys[0]) & (memberships["status"] == code)]
    elif isinstance(candidates, pd.DataFrame):
        require_columns(candidates, ["unit", "year"], argument="candidates")
        c = candidates
    else:
        raise InputError(f"candidates must be a DataFrame (unit, year) or 'associate' / 'observer', got "
                         f"{type(candidates).__name__}")
    c = pd.DataFrame({"unit": c["unit"].astype(str).to_numpy(), "year": c["year"].astype(np.int64).to_numpy()})
    c = c[(c["year"] >= yr[0]) & (c["year"] <= yr[1])].drop_duplicates()
    labels = _labels(pd.concat([m[["unit"]], c[["unit"]]]), units)
    idx = pd.Index(labels)
    n = len(labels)
    mem_by = dict(tuple(m.groupby("year")))
    cand_by = dict(tuple(c.groupby("year")))
    mats: dict[int | None, Any] = {}
    for y in range(yr[0], yr[1] + 1):
        g, k = mem_by.get(y), cand_by.get(y)
        if g is None or k is None:
            mats[y] = sp.csr_matrix((n, n))
            continue
        src = idx.get_indexer(g["unit"])
        row = idx.get_indexer(k["unit"])
        src, row = src[src >= 0], row[row >= 0]
        M = sp.csr_matrix((np.ones(len(row) * len(src)), (np.repeat(row, len(src)), np.tile(src, len(row)))),
                          shape=(n, n))
        M.setdiag(0.0)
        M.eliminate_zeros()
        M.data[:] = 1.0
        mats[y] = M
    nm = name or f"{keys[0]}_conditionality"
    W = Weights(mats, labels, name=nm)
    return Channel(nm, W, mechanism="conditionality", kind="share", lag=lag, source=SOURCES["conditionality"],
                   missing_years="zero")
