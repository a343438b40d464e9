"""Channel constructors grounded in the diffusion literature.

Each ``*_weights`` function builds a :class:`~diffusion_stats.Weights` (static, or one
matrix per year when the input has a year column); each mechanism function wraps one in
a :class:`~diffusion_stats.Channel` with its mechanism and source. ``W[i, j]`` is always
unit i's exposure to source j.

Learning
    :func:`success_weights` + :func:`learning_success` - adopters count by the observed
    success of the policy where they adopted it (Volden 2006; Meseguer 2006; Gilardi
    2010). :func:`network_weights` + :func:`learning_network` - inferred diffusion ties
    (Desmarais, Harden & Boehmke 2015). :func:`membership_weights` +
    :func:`igo_channel` - shared IGO membership as a knowledge-exchange forum
    (Pevehouse, Nordstrom & Warnke 2004; Greenhill 2010).
Emulation / socialization
    :func:`attribute_weights` + :func:`emulation_peers` - cultural and political peers:
    common language, colonial ties, region, religion (Simmons & Elkins 2004; Elkins,
    Guzman & Simmons 2006), ideological proximity (Grossback, Nicholson-Crotty & Peterson
    2004); :func:`leader_weights` + :func:`emulation_leaders` - prestige / leader units
    (Walker 1969; Shipan & Volden 2008); :func:`igo_channel` with
    ``mechanism="emulation"`` - IO membership as socialization (Greenhill 2010).
Coercion / conditionality
    :func:`dependence_weights` + :func:`coercion_dependence` - the unit's trade or aid
    dependence on the adopter (Simmons, Dobbin & Garrett 2006; Elkins, Guzman &
    Simmons 2006); :func:`capability_weights` + :func:`coercion_power` - capability
    asymmetry (CINC ratio); :func:`conditionality_weights` +
    :func:`coercion_conditionality` - IO conditionality (IMF programme, EU candidacy)
    tying a unit to the conditioning members' policies.
Competition
    :func:`structural_equivalence` + :func:`competition_trade` - similarity of export
    markets (Simmons & Elkins 2004; Elkins, Guzman & Simmons 2006);
    :func:`similarity_weights` + :func:`competition_similarity` - neighbours weighted by
    economic similarity (Baybeck, Berry & Siegel 2011).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import DataValidationError, InputError, require_columns
from .channels import Channel, ChannelKind, MissingYears

__all__ = [
    "success_weights", "network_weights", "membership_weights", "attribute_weights", "leader_weights",
    "dependence_weights", "capability_weights", "conditionality_weights", "structural_equivalence",
    "similarity_weights", "learning_success", "learning_network", "igo_channel", "emulation_peers",
    "emulation_leaders", "coercion_dependence", "coercion_power", "coercion_conditionality",
    "competition_trade", "competition_similarity",
]

SOURCES = {
    "learning_success": "Volden (2006) AJPS; Meseguer (2006) EJPR; Gilardi (2010) AJPS",
    "learning_network": "Desmarais, Harden & Boehmke (2015) APSR (inferred NetInf diffusion ties)",
    "igo_learning": "Pevehouse, Nordstrom & Warnke (2004) CMPS (COW IGO); Greenhill (2010) ISQ",
    "igo_emulation": "Greenhill (2010) ISQ; Finnemore & Sikkink (1998) IO (socialization in IOs)",
    "emulation_peers": "Simmons & Elkins (2004) APSR; Elkins, Guzman & Simmons (2006) IO; "
                       "Grossback, Nicholson-Crotty & Peterson (2004) APR (ideology)",
    "emulation_leaders": "Walker (1969) APSR; Shipan & Volden (2008) AJPS",
    "coercion_dependence": "Simmons, Dobbin & Garrett (2006) IO; Elkins, Guzman & Simmons (2006) IO",
    "coercion_power": "Simmons, Dobbin & Garrett (2006) IO; COW National Material Capabilities (CINC)",
    "coercion_conditionality": "Simmons, Dobbin & Garrett (2006) IO; Schimmelfennig & Sedelmeier (2004) JEPP; "
                               "Kelley (2004) IO",
    "competition_trade": "Simmons & Elkins (2004) APSR; Elkins, Guzman & Simmons (2006) IO",
    "competition_similarity": "Baybeck, Berry & Siegel (2011) JOP; Berry & Berry (1990) APSR",
}


# -- helpers -----------------------------------------------------------------------------
def _labels_of(*series: pd.Series, units: Sequence[Any] | None) -> list[str]:
    if units is not None:
        return [str(u) for u in units]
    seen = pd.unique(pd.concat([s.astype(str) for s in series], ignore_index=True))
    return sorted(seen.tolist())


def _weights(mats: dict, labels: list[str], name: str) -> Any:
    from ..weights.core import Weights

    clean = {}
    for k, m in mats.items():
        m = sp.csr_matrix(m, dtype=float)
        m.setdiag(0.0)
        m.eliminate_zeros()
        clean[k] = m
    return Weights(clean, labels, name=name)


def _by_year(df: pd.DataFrame, year: str | None):
    if year is None:
        yield None, df
    else:
        for y, g in df.groupby(year, sort=True):
            yield int(y), g


def _restrict_to_base(M: np.ndarray, base: Any, labels: list[str], year: int | None) -> np.ndarray:
    """Zero the entries of dense ``M`` where ``base`` (a Weights or None) has no tie.

    A time-varying ``base`` is taken at ``year`` (when the data are yearly); ties
    missing from ``base`` count as absent.
    """
    if base is None:
        return M
    mask = base.aligned(labels, year=year, missing="zero") if (year is not None and base.is_time_varying) \
        else base.aligned(labels, missing="zero")
    return M * (mask.toarray() != 0)


def _check_units(values: pd.Series, labels: list[str], argument: str) -> None:
    bad = sorted(set(values.astype(str)) - set(labels))
    if bad:
        raise InputError(f"{argument}: {len(bad)} unit(s) not in units= ({', '.join(bad[:8])}); add them to units= "
                         "or drop those rows")


# -- learning ----------------------------------------------------------------------------
def success_weights(outcomes: pd.DataFrame, adoptions: pd.DataFrame, *, outcome: str, unit: str = "unit",
                    year: str = "year", before: int = 1, horizon: int | None = None,
                    higher_is_better: bool = True, transform: str = "positive") -> pd.DataFrame:
    """Observed success of each adopter's policy, by year: the ``weight_by`` of learning.

    For adopter j of policy p (adoption year a), success seen in year y is the change in
    ``outcome`` from ``a - before`` to ``y`` (``horizon`` given: to ``a + horizon``, known
    from that year on), signed so that positive = improvement. Before it can be seen
    (y <= a, or y < a + horizon) the adopter carries weight 0: a learner cannot learn
    from an outcome not yet observed (Volden 2006; Meseguer 2006; Gilardi 2010).

    Parameters
    ----------
    outcomes : DataFrame
        Unit-year outcomes (``unit``, ``year``, ``outcome``).
    adoptions : DataFrame
        ``unit``, ``policy``, ``year``.
    outcome : str
    before : int
        Baseline year offset before adoption.
    horizon : int, optional
        Fixed evaluation lag; default: the running change up to y.
    higher_is_better : bool
    transform : {"positive", "indicator", "raw"}
        max(change, 0), 1[change > 0], or the change itself.

    Returns
    -------
    DataFrame
        ``unit``, ``policy``, ``year``, ``success`` (use as ``Channel(weight_by=...)``).

    Examples
    --------
    >>> import pandas as pd
    >>> out = pd.DataFrame({"unit": "a", "year": [1999, 2000, 2001, 2002], "y": [5.0, 5.0, 6.0, 4.0]})
    >>> ad = pd.DataFrame({"unit": ["a"], "policy": ["p"], "year": [2000]})
    >>> success_weights(out, ad, outcome="y")["success"].tolist()  # 2001: 6 - 5; 2002: 4 - 5 < 0
    [1.0, 0.0]
    """
    require_columns(outcomes, [unit, year, outcome], argument="outcomes")
    require_columns(adoptions, ["unit", "policy", "year"], argument="adoptions")
    if transform not in ("positive", "indicator", "raw"):
        raise InputError(f"transform={transform!r}; use 'positive', 'indicator' or 'raw'")
    o = outcomes[[unit, year, outcome]].rename(columns={unit: "unit", year: "year", outcome: "y"})
    o = o.assign(unit=o["unit"].astype(str), year=o["year"].astype(np.int64))
    if o.duplicated(["unit", "year"]).any():
        raise DataValidationError("outcomes has more than one row per (unit, year)")
    ad = adoptions[["unit", "policy", "year"]].rename(columns={"year": "adopt_year"})
    ad = ad.assign(unit=ad["unit"].astype(str), base_year=ad["adopt_year"].astype(np.int64) - int(before))
    base = o.rename(columns={"year": "base_year", "y": "y0"})
    d = ad.merge(base, on=["unit", "base_year"], how="left").merge(o, on="unit", how="inner")
    if horizon is None:
        d = d[d["year"] > d["adopt_year"]]
        change = d["y"] - d["y0"]
    else:
        ev = o.rename(columns={"year": "eval_year", "y": "y1"})
        d = d.assign(eval_year=d["adopt_year"] + int(horizon)).merge(ev, on=["unit", "eval_year"], how="left")
        d = d[d["year"] >= d["eval_year"]]
        change = d["y1"] - d["y0"]
    change = change if higher_is_better else -change
    change = change.fillna(0.0)
    if transform == "positive":
        s = change.clip(lower=0.0)
    elif transform == "indicator":
        s = (change > 0).astype(float)
    else:
        s = change.astype(float)
    out = pd.DataFrame({"unit": d["unit"].to_numpy(), "policy": d["policy"].astype(str).to_numpy(),
                        "year": d["year"].to_numpy(dtype=np.int64), "success": s.to_numpy(dtype=float)})
    return out.sort_values(["policy", "unit", "year"]).reset_index(drop=True)


def network_weights(edges: pd.DataFrame, *, source: str = "state_02", target: str = "state_01",
                    year: str | None = "year", tie: str | None = "src_10_400", units: Sequence[Any] | None = None,
                    name: str = "network") -> Any:
    """Directed (inferred) diffusion network, e.g. ``dhb2015apsr-networks.csv``.

    A row with ``tie`` > 0 means ``source`` is a source of ``target``, so
    ``W[target, source] = 1``. Rows with a missing tie (the file's self-pairs) are dropped.

    Direction of ``dhb2015apsr-networks.csv``: the file does not document it. The
    defaults read ``state_02`` as the source and ``state_01`` as the follower, because
    in the data the source should adopt first: over the SPID policies adopted by both
    states of a tie in the ten years before the network's year (years 1970, 1975, ...,
    2005), ``state_02`` adopted first in 23,864 cases and ``state_01`` in 18,748
    (``tests/test_channels.py`` repeats this check); the policy leaders (California,
    Connecticut, Washington) are also the most frequent ``state_02``. Pass
    ``source="state_01", target="state_02"`` for the other reading.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"state_02": ["CA", "CA"], "state_01": ["NV", "OR"], "year": [2000, 2000],
    ...                   "src_10_400": [1, 0]})
    >>> network_weights(e, units=["CA", "NV", "OR"]).neighbors("NV", year=2000)
    ('CA',)
    """
    require_columns(edges, [source, target, year, tie], argument="edges")
    e = edges
    if tie is not None:
        v = pd.to_numeric(e[tie], errors="coerce")
        e = e[v.fillna(0) > 0]
    e = e[e[source].astype(str) != e[target].astype(str)]
    from ..weights.core import Weights

    if year is not None and units is None:
        units = sorted(set(edges[source].astype(str)) | set(edges[target].astype(str)))
    if year is not None and e.empty:
        raise DataValidationError(f"edges: no ties with {tie} > 0")
    W = Weights.from_edges(e, source=source, target=target, year=year, units=units, symmetric=False, name=name)
    if year is not None:  # years with no tie at all still get an (empty) matrix
        yrs = sorted(pd.unique(edges[year].astype(np.int64)))
        if tuple(yrs) != W.years:
            mats: dict[int | None, Any] = {
                int(y): (W.matrix(year=int(y)) if int(y) in (W.years or ()) else sp.csr_matrix((W.n, W.n)))
                for y in yrs}
            W = Weights(mats, list(W.labels), name=name)
    return W


def membership_weights(memberships: pd.DataFrame, *, unit: str = "unit", group: str = "group",
                       year: str | None = None, units: Sequence[Any] | None = None, min_shared: int = 1,
                       name: str = "shared_membership") -> Any:
    """Number of groups (IGOs, alliances, agreements) each pair of units shares.

    From a membership table (one row per unit-group[-year]):
    ``W[i, j] = #groups with both i and j`` when at least ``min_shared``. For COW's
    dyad-level counts (``cow_igo_ndy``) use ``Weights.from_dyads(value="dyadigos")``; the
    per-organization table of ``countries.read_igo_memberships`` works with
    ``group="igo", year="year"`` (or use :func:`comembership_weights`, which also selects
    organizations by name and status).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"unit": ["a", "b", "a", "b", "c"], "group": ["g1", "g1", "g2", "g2", "g2"]})
    >>> membership_weights(m).matrix().toarray()
    array([[0., 2., 1.],
           [2., 0., 1.],
           [1., 1., 0.]])
    """
    require_columns(memberships, [unit, group, year], argument="memberships")
    labels = _labels_of(memberships[unit], units=units)
    if units is not None:
        _check_units(memberships[unit], labels, "memberships")
    idx = pd.Index(labels)
    mats = {}
    for y, g in _by_year(memberships.drop_duplicates([unit, group] + ([year] if year else [])), year):
        ui = idx.get_indexer(g[unit].astype(str))
        gi, _ = pd.factorize(g[group])
        M = sp.csr_matrix((np.ones(len(g)), (ui, gi)), shape=(len(labels), int(gi.max()) + 1 if len(gi) else 0))
        C = (M @ M.T).tocsr()
        C.data = np.where(C.data >= min_shared, C.data, 0.0)
        mats[y] = C
    return _weights(mats, labels, name)


def attribute_weights(attributes: pd.DataFrame, column: str, *, unit: str = "unit", year: str | None = None,
                      how: str = "same", scale: float | None = None, units: Sequence[Any] | None = None,
                      name: str | None = None) -> Any:
    """Peers defined by a unit attribute.

    ``how="same"``: ``W[i, j] = 1`` when i and j share the value (language, region,
    colonizer, legal origin; missing values share nothing). ``how="proximity"``:
    ``W[i, j] = exp(-|x_i - x_j| / scale)`` for a numeric attribute such as ideology
    (scale default: its standard deviation).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"unit": ["a", "b", "c"], "region": ["N", "N", "S"]})
    >>> attribute_weights(a, "region").neighbors("a")
    ('b',)
    """
    require_columns(attributes, [unit, column, year], argument="attributes")
    if how not in ("same", "proximity"):
        raise InputError(f"how={how!r}; use 'same' (shared category) or 'proximity' (numeric closeness)")
    labels = _labels_of(attributes[unit], units=units)
    idx = pd.Index(labels)
    n = len(labels)
    keys = [unit] + ([year] if year else [])
    if attributes.duplicated(keys).any():
        raise DataValidationError(f"attributes has more than one row per ({', '.join(keys)})")
    if how == "proximity":
        x_all = pd.to_numeric(attributes[column], errors="coerce")
        sc = float(scale) if scale is not None else float(x_all.std())
        if not sc > 0:
            raise InputError(f"scale for '{column}' must be positive (the attribute does not vary?)")
    mats = {}
    for y, g in _by_year(attributes, year):
        ui = idx.get_indexer(g[unit].astype(str))
        ok = ui >= 0
        if how == "same":
            codes = np.full(n, -1, dtype=np.int64)
            c, _ = pd.factorize(g[column])
            codes[ui[ok]] = c[ok]
            M = (codes[:, None] == codes[None, :]) & (codes[:, None] >= 0)
            mats[y] = sp.csr_matrix(M.astype(float))
        else:
            x = np.full(n, np.nan)
            x[ui[ok]] = pd.to_numeric(g[column], errors="coerce").to_numpy(dtype=float)[ok]
            D = np.exp(-np.abs(x[:, None] - x[None, :]) / sc)
            mats[y] = sp.csr_matrix(np.nan_to_num(D, nan=0.0))
    return _weights(mats, labels, name or f"{column}_{how}")


def leader_weights(units: Sequence[Any], leaders: Sequence[Any], *, name: str = "leaders") -> Any:
    """Every unit looks to the same leaders: ``W[i, j] = 1`` for j in ``leaders``.

    Examples
    --------
    >>> leader_weights(["CA", "NY", "NV"], ["CA", "NY"]).neighbors("NV")
    ('CA', 'NY')
    """
    labels = [str(u) for u in units]
    lead = [str(x) for x in leaders]
    bad = [x for x in lead if x not in labels]
    if bad:
        raise InputError(f"leaders {bad} are not among the units")
    col = np.isin(np.asarray(labels), lead).astype(float)
    return _weights({None: np.tile(col, (len(labels), 1))}, labels, name)


def dependence_weights(flows: pd.DataFrame, *, unit: str, partner: str, value: str, year: str | None = None,
                       units: Sequence[Any] | None = None, name: str = "dependence") -> Any:
    """Asymmetric dependence: ``W[i, j]`` = share of i's flows (trade, aid) that involve j.

    ``flows`` lists the flow between ``unit`` (the dependent side: importer, aid
    recipient) and ``partner`` (exporter, donor). Row sums are 1 for units with flows.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"imp": ["a", "a", "b"], "exp": ["b", "c", "a"], "v": [3.0, 1.0, 5.0]})
    >>> dependence_weights(f, unit="imp", partner="exp", value="v", units=["a", "b", "c"]).matrix().toarray()[0]
    array([0.  , 0.75, 0.25])
    """
    require_columns(flows, [unit, partner, value, year], argument="flows")
    labels = _labels_of(flows[unit], flows[partner], units=units)
    idx = pd.Index(labels)
    mats = {}
    for y, g in _by_year(flows, year):
        v = pd.to_numeric(g[value], errors="coerce").fillna(0.0).clip(lower=0).to_numpy()
        ui, pj = idx.get_indexer(g[unit].astype(str)), idx.get_indexer(g[partner].astype(str))
        ok = (ui >= 0) & (pj >= 0) & (ui != pj)
        M = sp.csr_matrix((v[ok], (ui[ok], pj[ok])), shape=(len(labels), len(labels)))
        tot = np.asarray(M.sum(axis=1)).ravel()
        mats[y] = sp.diags(np.where(tot > 0, 1.0 / np.where(tot > 0, tot, 1.0), 0.0)) @ M
    return _weights(mats, labels, name)


def capability_weights(capabilities: pd.DataFrame, *, unit: str = "unit", value: str = "cinc",
                       year: str | None = None, base: Any = None, units: Sequence[Any] | None = None,
                       name: str = "power") -> Any:
    """Capability asymmetry: ``W[i, j] = max(c_j - c_i, 0) / (c_i + c_j)``.

    Only stronger partners exert pressure; the weight grows from 0 (equals) to 1 (i
    negligible). ``base`` (a Weights) restricts it to existing ties (e.g. trade or
    alliance partners).

    See Also
    --------
    diffusion_stats.countries.capability_weights : reads COW's capability table directly;
        ``how="asymmetry"`` gives ``log(c_j / c_i)`` for stronger partners (unbounded, driven
        more by the weakest states), ``how="capability"`` gives ``c_j``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"unit": ["a", "b"], "cinc": [0.1, 0.3]})
    >>> capability_weights(c).matrix().toarray()
    array([[0. , 0.5],
           [0. , 0. ]])
    """
    require_columns(capabilities, [unit, value, year], argument="capabilities")
    labels = _labels_of(capabilities[unit], units=units)
    idx = pd.Index(labels)
    n = len(labels)
    mats = {}
    for y, g in _by_year(capabilities, year):
        c = np.full(n, np.nan)
        ui = idx.get_indexer(g[unit].astype(str))
        ok = ui >= 0
        c[ui[ok]] = pd.to_numeric(g[value], errors="coerce").to_numpy(dtype=float)[ok]
        with np.errstate(invalid="ignore", divide="ignore"):
            M = np.clip(c[None, :] - c[:, None], 0, None) / (c[None, :] + c[:, None])
        M = np.nan_to_num(M, nan=0.0, posinf=0.0)
        mats[y] = sp.csr_matrix(_restrict_to_base(M, base, labels, y))
    return _weights(mats, labels, name)


def conditionality_weights(indicator: pd.DataFrame, sources: Sequence[Any], *, unit: str = "unit",
                           year: str = "year", flag: str = "flag", units: Sequence[Any] | None = None,
                           name: str = "conditionality") -> Any:
    """IO conditionality: a unit under a programme (``flag`` = 1 in year t) is tied to ``sources``.

    ``W_t[i, j] = 1`` when i is under conditionality in t (an IMF programme, EU
    candidacy) and j is one of the conditioning members (e.g. the EU member states, the
    IMF's largest shareholders); other rows are empty.

    Examples
    --------
    >>> import pandas as pd
    >>> ind = pd.DataFrame({"unit": ["PL", "PL"], "year": [1998, 1999], "flag": [1, 0]})
    >>> W = conditionality_weights(ind, ["DE", "FR"], units=["PL", "DE", "FR"])
    >>> W.neighbors("PL", year=1998), W.neighbors("PL", year=1999)
    (('DE', 'FR'), ())
    """
    require_columns(indicator, [unit, year, flag], argument="indicator")
    labels = _labels_of(indicator[unit], pd.Series(list(sources), dtype=object), units=units)
    idx = pd.Index(labels)
    src = idx.get_indexer([str(s) for s in sources])
    if (src < 0).any():
        raise InputError(f"sources {[s for s, k in zip(sources, src, strict=True) if k < 0]} are not among the units")
    mats = {}
    for y, g in _by_year(indicator, year):
        on = g[pd.to_numeric(g[flag], errors="coerce").fillna(0) > 0]
        ui = idx.get_indexer(on[unit].astype(str))
        ui = ui[ui >= 0]
        rows = np.repeat(ui, len(src))
        cols = np.tile(src, len(ui))
        mats[y] = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(labels), len(labels)))
    return _weights(mats, labels, name)


# -- competition -------------------------------------------------------------------------
def structural_equivalence(flows: pd.DataFrame, *, unit: str, market: str, value: str, year: str | None = None,
                           method: str = "cosine", units: Sequence[Any] | None = None,
                           name: str = "trade_competition") -> Any:
    """Trade competitors: similarity of units' export-market profiles (Simmons & Elkins 2004).

    Each unit's exports are a vector of shares over ``market`` (destinations or
    products); ``W[i, j]`` is the cosine similarity (or Pearson correlation, negatives
    set to 0) of i's and j's vectors: units selling to the same markets compete.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"exp": ["a", "b", "c"], "mkt": ["US", "US", "JP"], "v": [1.0, 2.0, 1.0]})
    >>> structural_equivalence(f, unit="exp", market="mkt", value="v").matrix().toarray()
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 0., 0.]])
    """
    require_columns(flows, [unit, market, value, year], argument="flows")
    if method not in ("cosine", "correlation"):
        raise InputError(f"method={method!r}; use 'cosine' or 'correlation'")
    labels = _labels_of(flows[unit], units=units)
    idx = pd.Index(labels)
    mats = {}
    for y, g in _by_year(flows, year):
        ui = idx.get_indexer(g[unit].astype(str))
        mi, _ = pd.factorize(g[market])
        v = pd.to_numeric(g[value], errors="coerce").fillna(0.0).clip(lower=0).to_numpy()
        ok = ui >= 0
        X = sp.csr_matrix((v[ok], (ui[ok], mi[ok])), shape=(len(labels), int(mi.max()) + 1)).toarray()
        tot = X.sum(axis=1, keepdims=True)
        X = np.divide(X, tot, out=np.zeros_like(X), where=tot > 0)
        if method == "correlation":
            X = X - X.mean(axis=1, keepdims=True)
        nrm = np.linalg.norm(X, axis=1)
        S = (X @ X.T) / np.outer(np.where(nrm > 0, nrm, 1.0), np.where(nrm > 0, nrm, 1.0))
        S[(nrm == 0)[:, None] | (nrm == 0)[None, :]] = 0.0
        mats[y] = sp.csr_matrix(np.clip(S, 0.0, 1.0))
    return _weights(mats, labels, name)


def similarity_weights(attributes: pd.DataFrame, columns: Sequence[str], *, unit: str = "unit",
                       year: str | None = None, base: Any = None, units: Sequence[Any] | None = None,
                       name: str = "economic_similarity") -> Any:
    """Economic similarity: ``W[i, j] = exp(-||z_i - z_j||)`` of standardised attributes.

    ``base`` (a Weights, e.g. borders) restricts it to neighbours: neighbours weighted
    by how alike their economies are, the competitors for the same firms and residents.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"unit": ["a", "b", "c"], "income": [1.0, 1.0, 9.0]})
    >>> W = similarity_weights(a, ["income"])
    >>> bool(W.matrix().toarray()[0, 1] > W.matrix().toarray()[0, 2])
    True
    """
    columns = list(columns)
    require_columns(attributes, [unit, year, *columns], argument="attributes")
    labels = _labels_of(attributes[unit], units=units)
    idx = pd.Index(labels)
    n = len(labels)
    Z_all = attributes[columns].apply(pd.to_numeric, errors="coerce")
    sd = Z_all.std().replace(0, 1.0).to_numpy()
    mu = Z_all.mean().to_numpy()
    mats = {}
    for y, g in _by_year(attributes, year):
        Z = np.full((n, len(columns)), np.nan)
        ui = idx.get_indexer(g[unit].astype(str))
        ok = ui >= 0
        Z[ui[ok]] = ((g[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float) - mu) / sd)[ok]
        D = np.sqrt(((Z[:, None, :] - Z[None, :, :]) ** 2).sum(axis=2))
        M = np.nan_to_num(np.exp(-D), nan=0.0)
        mats[y] = sp.csr_matrix(_restrict_to_base(M, base, labels, y))
    return _weights(mats, labels, name)


# -- channels ----------------------------------------------------------------------------
def learning_success(weights: Any, success: pd.DataFrame, *, name: str = "learning_success",
                     kind: ChannelKind = "share", lag: int = 1) -> Channel:
    """Learning from success: adopters count by their policy's observed success.

    ``success`` comes from :func:`success_weights`. Sources: Volden (2006); Meseguer
    (2006); Gilardi (2010).

    Examples
    --------
    >>> import pandas as pd, diffusion_stats as ds
    >>> s = pd.DataFrame({"unit": ["NH"], "policy": ["p"], "year": [2001], "success": [1.0]})
    >>> learning_success(ds.Weights.us_borders(), s).mechanism
    'learning'
    """
    return Channel(name, weights, mechanism="learning", kind=kind, weight_by=success, lag=lag,
                   source=SOURCES["learning_success"])


def learning_network(edges: pd.DataFrame, *, name: str = "learning_network", kind: ChannelKind = "count",
                     lag: int = 1, missing_years: MissingYears = "previous", **kwargs: Any) -> Channel:
    """Learning through an inferred diffusion network (Desmarais, Harden & Boehmke 2015).

    ``kwargs`` go to :func:`network_weights`. DHB count each state's sources that have
    adopted (``kind="count"``).

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"state_02": ["CA"], "state_01": ["NV"], "year": [2000], "src_10_400": [1]})
    >>> learning_network(e).kind
    'count'
    """
    return Channel(name, network_weights(edges, name=name, **kwargs), mechanism="learning", kind=kind, lag=lag,
                   source=SOURCES["learning_network"], missing_years=missing_years)


def igo_channel(weights: Any, *, mechanism: str = "learning", name: str = "shared_igos", kind: ChannelKind = "weighted",
                lag: int = 1) -> Channel:
    """Shared IGO membership as knowledge exchange (learning) or socialization (emulation).

    ``weights`` from :func:`membership_weights` or ``Weights.from_dyads`` on COW's
    dyadic IGO counts; row-standardise it for a weighted share.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"unit": ["a", "b"], "group": ["g", "g"]})
    >>> igo_channel(membership_weights(m), mechanism="emulation").mechanism
    'emulation'
    """
    if mechanism not in ("learning", "emulation", "socialization"):
        raise InputError(f"mechanism={mechanism!r}; shared IGOs stand for 'learning', 'emulation' or "
                         "'socialization' (see also mechanisms.socialization for one named IGO)")
    return Channel(name, weights, mechanism=mechanism, kind=kind, lag=lag,
                   source=SOURCES["igo_learning" if mechanism == "learning" else "igo_emulation"])


def emulation_peers(weights: Any, *, name: str = "peers", kind: ChannelKind = "share", lag: int = 1) -> Channel:
    """Emulation of cultural or political peers (from :func:`attribute_weights` or CEPII dyads).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"unit": ["a", "b"], "lang": ["en", "en"]})
    >>> emulation_peers(attribute_weights(a, "lang")).mechanism
    'emulation'
    """
    return Channel(name, weights, mechanism="emulation", kind=kind, lag=lag, source=SOURCES["emulation_peers"])


def emulation_leaders(units: Sequence[Any], leaders: Sequence[Any], *, name: str = "leaders",
                      lag: int = 1) -> Channel:
    """Emulation of prestigious leader units: exposure = share of the leaders that adopted.

    Examples
    --------
    >>> emulation_leaders(["CA", "NY", "NV"], ["CA", "NY"]).kind
    'share'
    """
    return Channel(name, leader_weights(units, leaders, name=name), mechanism="emulation", kind="share", lag=lag,
                   source=SOURCES["emulation_leaders"])


def coercion_dependence(weights: Any, *, name: str = "dependence", lag: int = 1) -> Channel:
    """Coercion through dependence: adopters weighted by the unit's dependence on them.

    Exposure = sum_j dep_ij a_j: the share of i's trade (aid) with adopters.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"imp": ["a"], "exp": ["b"], "v": [1.0]})
    >>> coercion_dependence(dependence_weights(f, unit="imp", partner="exp", value="v")).kind
    'weighted'
    """
    return Channel(name, weights, mechanism="coercion", kind="weighted", lag=lag,
                   source=SOURCES["coercion_dependence"])


def coercion_power(weights: Any, *, name: str = "power", lag: int = 1) -> Channel:
    """Coercion by stronger states: adopters weighted by capability asymmetry.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"unit": ["a", "b"], "cinc": [0.1, 0.3]})
    >>> coercion_power(capability_weights(c)).mechanism
    'coercion'
    """
    return Channel(name, weights, mechanism="coercion", kind="weighted", lag=lag, source=SOURCES["coercion_power"])


def coercion_conditionality(weights: Any, *, name: str = "conditionality", lag: int = 1,
                            missing_years: MissingYears = "zero", mechanism: str = "coercion") -> Channel:
    """Conditionality: under a programme, exposure = share of the conditioning members that adopted.

    ``mechanism="conditionality"`` labels it as the IO literature does (Schimmelfennig &
    Sedelmeier 2004 on EU accession; Kelley 2004 on European institutions), rather than
    as coercion in general (Simmons, Dobbin & Garrett 2006).

    Examples
    --------
    >>> import pandas as pd
    >>> ind = pd.DataFrame({"unit": ["PL"], "year": [1998], "flag": [1]})
    >>> W = conditionality_weights(ind, ["DE"], units=["PL", "DE"])
    >>> coercion_conditionality(W).missing_years
    'zero'
    """
    if mechanism not in ("coercion", "conditionality"):
        raise InputError(f"mechanism={mechanism!r}; use 'coercion' or 'conditionality'")
    return Channel(name, weights, mechanism=mechanism, kind="share", lag=lag,
                   source=SOURCES["coercion_conditionality"], missing_years=missing_years)


def competition_trade(weights: Any, *, name: str = "trade_competition", lag: int = 1) -> Channel:
    """Competition among trade rivals: adopters weighted by structural equivalence.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"exp": ["a", "b"], "mkt": ["US", "US"], "v": [1.0, 2.0]})
    >>> competition_trade(structural_equivalence(f, unit="exp", market="mkt", value="v")).mechanism
    'competition'
    """
    return Channel(name, weights.row_standardize(), mechanism="competition", kind="weighted", lag=lag,
                   source=SOURCES["competition_trade"])


def competition_similarity(weights: Any, *, name: str = "economic_competition", lag: int = 1) -> Channel:
    """Competition among economically similar neighbours (row-standardised similarity).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"unit": ["a", "b"], "income": [1.0, 2.0]})
    >>> competition_similarity(similarity_weights(a, ["income"])).kind
    'weighted'
    """
    return Channel(name, weights.row_standardize(), mechanism="competition", kind="weighted", lag=lag,
                   source=SOURCES["competition_similarity"])
