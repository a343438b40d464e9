"""Inferring latent diffusion networks from adoption cascades (netinf).

:func:`netinf` is the algorithm of Gomez-Rodriguez, Leskovec & Krause (2010) exactly as
R's NetworkInference 1.2.5 ``netinf`` runs it (same edges in the same order, same
improvements and Vuong-test p-values; ``tests/reference/netinf``), and
:func:`rolling_netinf` infers one network per year from a moving window of earlier
adoptions (Desmarais, Harden & Boehmke 2015), as a year-varying :class:`Weights` for
``Channel(..., mechanism="learning")``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ..core.accounting import Accounting
from ..core.errors import DiffusionStatsWarning, InputError, SpecificationError
from ..design.frame import Reports, design_frame

__all__ = ["netinf", "rolling_netinf", "network_stability", "network_leaders"]

TransMod = Literal["exponential", "rayleigh", "log-normal"]


def _bar(total: int, desc: str, enabled: bool | None):
    from ..core import progress as _progress

    on = _progress._ENABLED if enabled is None else bool(enabled)
    if not on or total <= 1:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False)


def _check_model(trans_mod: Any) -> str:
    if trans_mod not in get_args(TransMod):
        raise InputError(f"trans_mod={trans_mod!r}: use one of {', '.join(map(repr, get_args(TransMod)))}")
    return str(trans_mod)


def _check_params(params: Any, model: str) -> tuple[float, ...] | None:
    if params is None:
        return None
    vals = np.atleast_1d(np.asarray(params, dtype=object))
    want = 2 if model == "log-normal" else 1
    what = "(mu, sigma)" if want == 2 else ("lambda" if model == "exponential" else "alpha")
    try:
        out = tuple(float(v) for v in vals)
    except (TypeError, ValueError):
        out = ()
    if len(out) != want or not all(np.isfinite(out)) or out[-1] <= 0:
        raise InputError(f"params={params!r}: the {model} model takes {what}, finite, with "
                         f"{'sigma' if want == 2 else what} > 0 (or params=None to choose them from the data)")
    return out


def _check_counts(n_edges: Any, p_value_cutoff: Any) -> tuple[int | None, float | None]:
    if (n_edges is None) == (p_value_cutoff is None):
        raise SpecificationError("netinf: pass exactly one of n_edges= (how many edges to infer) or "
                                 "p_value_cutoff= (add edges until the Vuong test's p-value reaches it)")
    if n_edges is not None:
        if isinstance(n_edges, bool) or not isinstance(n_edges, (int, np.integer)) or n_edges < 1:
            raise InputError(f"n_edges={n_edges!r}: pass a whole number >= 1")
        return int(n_edges), None
    if isinstance(p_value_cutoff, bool) or not isinstance(p_value_cutoff, (int, float, np.integer, np.floating)) \
            or not 0 < float(p_value_cutoff) <= 1:
        raise InputError(f"p_value_cutoff={p_value_cutoff!r}: pass a number in (0, 1]")
    return None, float(p_value_cutoff)


def _run(a: pd.DataFrame, labels: Sequence[str], model: str, params: tuple[float, ...] | None,
         n_edges: int | None, cutoff: float | None, *, cap: bool, progress: bool | None,
         desc: str = "netinf") -> tuple[pd.DataFrame, dict[str, Any]]:
    """netinf on the canonical table ``a`` (unit, policy, year) with node order ``labels``."""
    from . import _netinf_numerics as nm

    node = pd.Categorical(a["unit"], categories=list(labels)).codes
    pol = pd.Categorical(a["policy"])
    c = nm.Cascades(node, pol.codes, a["year"].to_numpy(np.float64), len(labels), len(pol.categories))
    pairs = nm.pair_index(c)
    n_possible = len(pairs["edge_ptr"]) - 1
    info: dict[str, Any] = {"cascades": c.n_cascades, "adoptions": len(c), "possible edges": n_possible,
                            "capped": False, "single-adopter cascades": int((c.size == 1).sum()),
                            "adoptions with no earlier adopter": int((pairs["n_earlier"] == 0).sum())}
    if n_possible == 0 and (cap or n_edges is None):
        edges = pd.DataFrame({"origin": pd.Series([], dtype=object), "destination": pd.Series([], dtype=object),
                              "improvement": np.zeros(0), "p_value": np.zeros(0)})
        info["params"] = params
        return edges, info
    if n_edges is not None and n_edges > n_possible:
        if not cap:
            raise InputError(f"n_edges={n_edges}: only {n_possible:,} edges are possible in these cascades (a "
                             f"parent must adopt strictly before its child in at least one cascade); pass "
                             f"n_edges <= {n_possible} or p_value_cutoff=")
        n_edges, info["capped"] = n_possible, True
    if params is None:
        params = nm.default_params(c, model)
    info["params"] = params
    bar = _bar(n_edges if n_edges is not None else n_possible, desc, progress)
    try:
        res = nm.greedy(c, pairs, model, params, n_edges=n_edges or 0, cutoff=cutoff,
                        tick=None if bar is None else (lambda: bar.update(1)))
    finally:
        if bar is not None:
            bar.close()
    lab = np.asarray(labels, dtype=object)
    edges = pd.DataFrame({"origin": lab[res["parent"]], "destination": lab[res["child"]],
                          "improvement": res["improvement"], "p_value": res["p_value"]})
    return edges, info


def netinf(adoptions: pd.DataFrame, *, n_edges: int | None = None, p_value_cutoff: float | None = None,
           trans_mod: TransMod = "exponential", params: float | Sequence[float] | None = None,
           progress: bool | None = None) -> pd.DataFrame:
    """Infer the latent diffusion network behind adoption cascades (netinf).

    Each policy is a cascade; a unit's adoption year is its event time. The greedy
    algorithm of Gomez-Rodriguez, Leskovec & Krause (2010) adds, one at a time, the
    edge ``origin -> destination`` that most improves the likelihood of the cascades'
    best spanning trees, exactly as R's NetworkInference 1.2.5 ``netinf`` does (same
    edges in the same order, same improvements and p-values).

    Parameters
    ----------
    adoptions : DataFrame
        The adoption table (unit, policy, year; see :func:`~diffusion_stats.read_adoptions`).
    n_edges : int, optional
        Number of edges to infer (at most the number of possible edges).
    p_value_cutoff : float in (0, 1], optional
        Instead of ``n_edges``: add edges until the Vuong test's p-value reaches the
        cutoff; as in R, the edge that reaches it is the last one returned.
    trans_mod : {"exponential", "rayleigh", "log-normal"}
        Transmission-time density: ``lambda exp(-lambda x)``,
        ``x / alpha^2 exp(-x^2 / (2 alpha^2))`` or the log-normal (``mu``, ``sigma``).
    params : float or (mu, sigma), optional
        The density's parameters; ``None`` chooses them from the data as R does (see
        Notes).
    progress : bool, optional
        Show a progress bar (default: the package setting).

    Returns
    -------
    DataFrame
        One row per inferred edge in order of addition: ``origin``, ``destination``
        (unit labels; ``origin`` adopts first, ``destination`` follows),
        ``improvement`` (gain in the trees' log-likelihood) and ``p_value`` (one-sided
        Vuong test of the edge's addition; NaN with a single cascade, as in R).
        ``df.reports.netinf`` holds ``trans_mod`` and ``params``, ``df.accounting`` the
        accounting: every adoption
        is used; the counts give the cascades, those with one adopter (they add nothing
        but count in the Vuong test), the adoptions with no strictly earlier adopter
        (no possible parent), the nodes and the possible edges.

    Raises
    ------
    SpecificationError
        Neither or both of ``n_edges`` and ``p_value_cutoff``; params giving zero
        likelihood to an observed adoption.
    InputError
        Bad option values, or more edges asked than are possible.

    Notes
    -----
    - Ties: a unit can only be infected by units that adopted strictly earlier; units
      adopting in the same year never infect each other, and a policy's first adopters
      (all of them, if tied) have no parent.
    - Every unit with an earlier adopter in a cascade also has a "background" parent
      (density times 1e-10); an edge replaces it (density times 0.5) where it scores
      higher. Cascades with one adopter add nothing but count in the Vuong test.
    - Units are coded in sorted label order and cascades in sorted policy order (R's
      order with ``node_names = sort(unique(...))`` in the C locale); among edges with
      exactly equal improvements the last in (destination, origin) order is taken, as
      in R.
    - ``params=None``: exponential ``lambda`` is the mean of ``1 / mean(time since the
      cascade's first adoption)`` and ``1 / mean(time since the previous adoption)``;
      rayleigh and log-normal use R's formulas (see
      ``_netinf_numerics.default_params``; R's rayleigh start overflows to NaN, and R
      stops, beyond 171 non-first adoptions, here it is computed in logs).

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> a = pd.DataFrame({"unit": ["A", "B", "C", "A", "B", "A", "C"],
    ...                   "policy": ["p1", "p1", "p1", "p2", "p2", "p3", "p3"],
    ...                   "year": [1990, 1992, 1995, 2000, 2001, 1980, 1983]})
    >>> net = ds.mechanisms.netinf(a, n_edges=2, params=1.0)
    >>> net[["origin", "destination"]].values.tolist()
    [['A', 'B'], ['A', 'C']]
    >>> net["improvement"].round(3).tolist()
    [44.665, 42.665]
    """
    from ..design.adoptions import as_adoptions

    model = _check_model(trans_mod)
    n, cutoff = _check_counts(n_edges, p_value_cutoff)
    pars = _check_params(params, model)
    a = as_adoptions(adoptions)
    labels = sorted(a["unit"].unique())
    edges, info = _run(a, labels, model, pars, n, cutoff, cap=False, progress=progress)
    acc = Accounting("netinf", n_rows=len(edges))
    acc.counts.update({k: info[k] for k in ("adoptions", "cascades", "single-adopter cascades",
                                            "adoptions with no earlier adopter", "possible edges")})
    acc.counts.update({"nodes": len(labels), "edges": len(edges)})
    return design_frame(edges, acc, Reports(netinf={"trans_mod": model,
                                                    "params": tuple(float(x) for x in (info["params"] or ()))}))


def rolling_netinf(adoptions: pd.DataFrame, *, window: int = 35, n_edges: int = 300,
                   years: Sequence[int] | None = None, trans_mod: TransMod = "exponential",
                   params: float | Sequence[float] | None = None, name: str = "netinf",
                   progress: bool | None = None) -> Any:
    """One inferred diffusion network per year, from a moving window of earlier adoptions.

    The network for year ``t`` is :func:`netinf` on the adoptions of the ``window``
    years before it, ``t - window <= year <= t - 1`` (each policy's adoptions in the
    window form its cascade), so it never uses an adoption from year ``t`` or later
    (Desmarais, Harden & Boehmke 2015 use 35 years and 300 edges).

    Parameters
    ----------
    adoptions : DataFrame
        The adoption table (unit, policy, year).
    window : int
        Number of past years in each window.
    n_edges : int
        Edges per network; a window with fewer possible edges gets all of them (the
        years are listed in the accounting and a warning).
    years : sequence of int, optional
        The years to build networks for (default: every year from the second adoption
        year to the last adoption year + 1).
    trans_mod, params
        As in :func:`netinf`; ``params=None`` chooses them per window.
    name : str
        Name of the returned weights.
    progress : bool, optional
        Show a progress bar over the years (default: the package setting).

    Returns
    -------
    Weights
        Year-varying, directed: ``W_t[destination, origin] = 1`` for each inferred edge,
        on all units of ``adoptions`` (a year whose window has no possible edge has an
        empty matrix). ``W.accounting.counts`` holds ``cascades per window``,
        ``adoptions per window``, ``edges per year``, ``params per year`` and how many
        windows were computed or reused (identical windows are inferred once).

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> a = pd.DataFrame({"unit": list("ABCABAC"), "policy": "p1 p1 p1 p2 p2 p3 p3".split(),
    ...                   "year": [1990, 1992, 1995, 2000, 2001, 1980, 1983]})
    >>> W = ds.mechanisms.rolling_netinf(a, window=20, n_edges=2, years=[1996, 2002], params=1.0)
    >>> W.neighbors("B", year=1996), W.neighbors("B", year=2002)
    (('A',), ('A',))
    >>> W.accounting.counts["cascades per window"]
    {'1996': 2, '2002': 3}
    """
    import scipy.sparse as sp

    from ..design.adoptions import as_adoptions
    from ..weights.core import Weights

    model = _check_model(trans_mod)
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise InputError(f"window={window!r}: pass a whole number of years >= 1")
    n, _ = _check_counts(n_edges, None)
    assert n is not None  # _check_counts raises when neither is given
    pars = _check_params(params, model)
    a = as_adoptions(adoptions)
    labels = sorted(a["unit"].unique())
    yr = a["year"].to_numpy(np.int64)
    if years is None:
        uy = np.unique(yr)
        years_arr = np.arange(uy[1] if len(uy) > 1 else uy[0] + 1, uy[-1] + 2) if len(uy) else np.zeros(0, int)
    else:
        try:
            years_arr = np.asarray(list(years), dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"years={years!r}: pass whole years, e.g. range(1960, 2010)") from None
        if years_arr.size == 0 or not np.all(np.isfinite(years_arr)) or np.any(years_arr != np.round(years_arr)):
            raise InputError(f"years={years!r}: pass a non-empty list of whole years, e.g. range(1960, 2010)")
        years_arr = np.unique(years_arr.astype(np.int64))
    order = np.argsort(yr, kind="stable")
    a, yr = a.iloc[order].reset_index(drop=True), yr[order]
    lo = np.searchsorted(yr, years_arr - window, side="left")
    hi = np.searchsorted(yr, years_arr, side="left")   # strictly before t
    cache: dict[tuple[int, int], tuple[pd.DataFrame, dict]] = {}
    n_lab = len(labels)
    index = {u: i for i, u in enumerate(labels)}
    mats: dict[int | None, Any] = {}
    per: dict[str, dict[str, Any]] = {k: {} for k in ("cascades per window", "adoptions per window",
                                                      "edges per year", "params per year")}
    capped: list[int] = []
    bar = _bar(len(years_arr), "rolling netinf", progress)
    try:
        for t, i0, i1 in zip(years_arr.tolist(), lo.tolist(), hi.tolist(), strict=True):
            key = (i0, i1)
            if key not in cache:
                sub = a.iloc[i0:i1]
                cache[key] = _run(sub, labels, model, pars, n, None, cap=True, progress=False)
            edges, info = cache[key]
            r = np.array([index[u] for u in edges["destination"]], dtype=np.int64)
            c = np.array([index[u] for u in edges["origin"]], dtype=np.int64)
            mats[t] = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n_lab, n_lab))
            per["cascades per window"][str(t)] = info["cascades"] if i1 > i0 else 0
            per["adoptions per window"][str(t)] = i1 - i0
            per["edges per year"][str(t)] = len(edges)
            per["params per year"][str(t)] = [float(x) for x in (info.get("params") or ())]
            if info["capped"] or len(edges) < n:
                capped.append(t)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    acc = Accounting("rolling_netinf", n_rows=int(sum(per["edges per year"].values())))
    acc.counts.update({"years": len(years_arr), "window": int(window), "n_edges": n, "trans_mod": model,
                       "windows computed": len(cache), "windows reused": len(years_arr) - len(cache),
                       "years with fewer edges": len(capped)})
    for k, v in per.items():
        acc.counts[k] = v
    if capped:
        from ..core.errors import user_stacklevel

        warnings.warn(f"rolling_netinf: {len(capped)} year(s) have fewer than n_edges={n} possible edges in their "
                      f"window and got all of them (e.g. {', '.join(map(str, capped[:5]))}); see "
                      f"W.accounting.counts['edges per year']", DiffusionStatsWarning, stacklevel=user_stacklevel())
    return Weights(mats, labels, name=name, accounting=acc)


# --------------------------------------------------------------------------- diagnostics
def years_and_matrices(W: Any, argument: str = "W") -> list[tuple[int | None, Any]]:
    from ..weights.core import Weights

    if not isinstance(W, Weights):
        raise InputError(f"{argument} must be a Weights (e.g. from rolling_netinf or network_weights), "
                         f"not {type(W).__name__}")
    if not W.is_time_varying:
        return [(None, W.matrix())]
    return [(y, W.matrix(year=y)) for y in W.years or ()]


def network_stability(W: Any, *, by: Literal["year", "edge"] = "year") -> pd.DataFrame:
    """How stable a year-varying directed network is from one window to the next.

    Parameters
    ----------
    W : Weights
        Year-varying directed network, e.g. from :func:`rolling_netinf` (a tie
        ``W_t[destination, origin]``).
    by : {"year", "edge"}
        ``"year"``: one row per year with ``edges``, ``kept`` (also in the previous
        year's network), ``new``, ``dropped`` and ``jaccard`` (shared / union of the two
        years' edges; NaN in the first year). ``"edge"``: one row per edge ever present
        with ``origin``, ``destination``, ``years`` (number of years present),
        ``first_year``, ``last_year`` and ``share`` (of all years), most persistent
        first.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> e = pd.DataFrame({"source": ["A", "A", "B"], "target": ["B", "C", "C"], "year": [1, 1, 2]})
    >>> W = ds.Weights.from_edges(e, year="year", symmetric=False)
    >>> ds.mechanisms.network_stability(W)[["year", "edges", "kept", "new", "dropped"]].values.tolist()
    [[1, 2, 0, 2, 0], [2, 1, 0, 1, 2]]
    """
    if by not in ("year", "edge"):
        raise InputError(f"by={by!r}: use 'year' or 'edge'")
    items = years_and_matrices(W)
    n = W.n
    coo = [m.tocoo() for _, m in items]
    key = np.concatenate([c.col.astype(np.int64) * n + c.row for c in coo])
    which = np.repeat(np.arange(len(coo)), [c.nnz for c in coo])
    allk, inv = np.unique(key, return_inverse=True)
    pres = np.zeros((len(coo), len(allk)), dtype=bool)
    pres[which, inv] = True
    yr = np.array([-1 if y is None else y for y, _ in items], dtype=np.int64)
    if by == "year":
        edges = pres.sum(axis=1)
        kept = np.concatenate([[0], (pres[1:] & pres[:-1]).sum(axis=1)])
        union = np.concatenate([[0], (pres[1:] | pres[:-1]).sum(axis=1)])
        dropped = np.concatenate([[0], edges[:-1] - kept[1:]])
        with np.errstate(invalid="ignore", divide="ignore"):
            jac = np.where(union > 0, kept / np.maximum(union, 1), np.nan)
        jac[0] = np.nan
        return pd.DataFrame({"year": [y for y, _ in items], "edges": edges, "kept": kept, "new": edges - kept,
                             "dropped": dropped, "jaccard": jac})
    lab = np.asarray(W.labels, dtype=object)
    first = yr[np.argmax(pres, axis=0)]
    last = yr[len(yr) - 1 - np.argmax(pres[::-1], axis=0)]
    out = pd.DataFrame({"origin": lab[allk // n], "destination": lab[allk % n], "years": pres.sum(axis=0),
                        "first_year": first, "last_year": last, "share": pres.mean(axis=0)})
    return out.sort_values(["years", "first_year", "origin", "destination"], ascending=[False, True, True, True],
                           kind="stable").reset_index(drop=True)


def network_leaders(W: Any, *, year: int | None = None, top: int | None = 10) -> pd.DataFrame:
    """In- and out-degree table of a directed (inferred) network: who leads, who follows.

    ``out_degree`` counts a unit's followers (edges from it), ``in_degree`` its sources.
    For year-varying weights and ``year=None`` the degrees are averaged over the years
    and ``years_top`` counts the years in which the unit had the largest out-degree
    (ties count for each).

    Parameters
    ----------
    W : Weights
        Directed network (``W[destination, origin]``), static or year-varying.
    year : int, optional
        One year of a year-varying network.
    top : int or None
        Rows to return (largest out-degree first); ``None`` for every unit.

    Returns
    -------
    DataFrame
        ``unit``, ``out_degree``, ``in_degree`` [, ``years_top``].

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> e = pd.DataFrame({"source": ["A", "A", "B"], "target": ["B", "C", "C"]})
    >>> W = ds.Weights.from_edges(e, symmetric=False)
    >>> ds.mechanisms.network_leaders(W).values.tolist()
    [['A', 2.0, 0.0], ['B', 1.0, 1.0], ['C', 0.0, 2.0]]
    """
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1):
        raise InputError(f"top={top!r}: pass a whole number >= 1, or None for every unit")
    items = years_and_matrices(W)
    if year is not None:
        items = [(year, W.matrix(year=year))] if W.is_time_varying else items
    outd = np.array([np.asarray((m != 0).sum(axis=0)).ravel() for _, m in items], dtype=np.float64)
    ind = np.array([np.asarray((m != 0).sum(axis=1)).ravel() for _, m in items], dtype=np.float64)
    out = pd.DataFrame({"unit": list(W.labels), "out_degree": outd.mean(axis=0), "in_degree": ind.mean(axis=0)})
    if len(items) > 1:
        out["years_top"] = (outd == outd.max(axis=1, keepdims=True)).sum(axis=0)
    out = out.sort_values(["out_degree", "in_degree", "unit"], ascending=[False, True, True],
                          kind="stable").reset_index(drop=True)
    return out if top is None else out.head(top)
