"""Counterfactual adoption curves: ``ds.counterfactual``.

How many adoptions did a channel produce? Switching a channel off changes who adopts
early and therefore everyone's later exposure, so the counterfactual is a forward
simulation of the whole adoption process, not a change in one column:

1. From the first year of each policy, every unit at risk adopts with the fitted
   probability: ``F(x_it'b)`` for ``EventLogit`` (logit, cloglog, probit) or, for
   ``CoxHazard``, the grouped proportional-hazards probability
   ``1 - exp(-dH0_s(t) exp(x_it'b))`` with ``dH0_s(t)`` the Breslow/Efron baseline
   increment of the row's stratum at its stop time (zero where the baseline has no
   jump: the nonparametric baseline allows adoptions only at observed event times).
2. Every channel's exposure is recomputed each year from the simulated adoptions, with
   the channel's weights, kind and lag exactly as :func:`diffusion_stats.design.exposure`.
3. The same is done with the chosen channels switched off (exposure 0) or their
   weights replaced, with the same random numbers (common random numbers make the
   difference precise), and the expected number of adoptions is accumulated as the
   sum of adoption probabilities over the units at risk in each simulated history.
4. Each of ``draws`` replications uses its own coefficients drawn from N(b, V) (the
   fit's variance: classical, robust, cluster...), simulated in two independent
   histories; the intervals are for the expected adoptions, from parameter uncertainty,
   with the noise of a simulated history removed (see the Notes of :func:`counterfactual`).

Covariates other than the channels come from the estimation panel. A unit that adopted
in the data has no panel rows after its adoption; if it has not adopted by then in a
simulated history, its last row is carried forward (duration and time columns advanced
by the elapsed years). Units that adopted before a policy's first panel year, or that
adopted but are not in the panel, count as adopters (sources) at their observed year.

The channels must enter the formula affinely (as terms, possibly interacted with other
variables, but not with each other or through nonlinear transformations); this is
checked. Everything is vectorised across draws (units x policies x draws arrays, one
sparse product per channel and year).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import (
    ColumnNotFoundError,
    DataValidationError,
    InputError,
    SpecificationError,
    did_you_mean,
    require_columns,
)
from ..output.summary import Summary, format_number
from ._numerics import link_value

__all__ = ["counterfactual", "CounterfactualResult"]

_NEVER = np.iinfo(np.int32).max


@dataclass(frozen=True, eq=False)
class CounterfactualResult:
    """Expected adoption curves with and without the channel(s).

    Attributes
    ----------
    curves : DataFrame
        Pooled over policies, by year: ``observed`` (cumulative adoptions in the data),
        ``fitted`` and ``counterfactual`` (expected cumulative adoptions, mean over
        draws) with ``*_lower`` / ``*_upper`` intervals, and ``attributable`` with its
        interval.
    policy_curves : DataFrame
        The same by policy and year (means over draws; long: policy, year, observed,
        fitted, counterfactual).
    attributable : DataFrame
        One row per policy and a last row "pooled": observed, fitted and counterfactual
        totals, ``attributable`` = fitted - counterfactual (mean over draws) and its
        interval (``lower``, ``upper``; see the Notes of :func:`counterfactual`), and the
        share of fitted adoptions it represents.
    switch_off, replaced : list of str
        Channels switched off / given other weights.
    moved : list of dict
        Units whose adoption was moved (``unit``, ``year``, ``policy``).
    draws : int
    """

    curves: pd.DataFrame
    policy_curves: pd.DataFrame
    attributable: pd.DataFrame
    switch_off: list
    replaced: list
    draws: int
    alpha: float
    notes: list = field(default_factory=list)
    moved: list = field(default_factory=list)

    def summary(self) -> Summary:
        pooled = self.attributable.loc["pooled"]
        what = ", ".join([*(f"{c} off" for c in self.switch_off), *(f"{c} replaced" for c in self.replaced),
                          *(f"{m['unit']} moved to {'never' if m['year'] is None else m['year']}"
                            for m in self.moved)])
        lvl = f"{100 * (1 - self.alpha):g}%"
        header = [("Counterfactual", what), ("Draws", str(self.draws)),
                  ("Observed adoptions", format_number(pooled["observed"])),
                  ("Fitted (expected)", format_number(pooled["fitted"])),
                  ("Counterfactual (expected)", format_number(pooled["counterfactual"])),
                  (f"Attributable [{lvl}]", f"{pooled['attributable']:.1f} [{pooled['lower']:.1f}, "
                                             f"{pooled['upper']:.1f}]")]
        return Summary(title="Counterfactual adoption", header=header,
                       tables=[("Attributable adoptions", self.attributable)], notes=list(self.notes))

    def plot(self, ax=None, **kw):
        """``ds.plots.counterfactual(self, ax=ax)``."""
        from ..output.plots import counterfactual as plot_cf
        return plot_cf(self, ax=ax, **kw)

    def __str__(self) -> str:
        return str(self.summary())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _as_list(x: Any) -> list:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def counterfactual(results: Any, adoptions: pd.DataFrame, channels: Any, *, switch_off: Any = None,
                   replace: dict | None = None, move: Any = None, draws: int = 200, seed: int | None = None,
                   parameter_draws: bool = True, unit: str = "unit", policy: str = "policy", year: str = "year",
                   alpha: float = 0.05, progress: bool | None = None) -> CounterfactualResult:
    """Simulate adoption forward under the fitted model, with and without channels.

    Parameters
    ----------
    results : results of EventLogit or CoxHazard ``.fit()`` on a monadic panel
        The formula contains each channel's exposure column (named as the channel,
        e.g. from ``ds.add_channels``).
    adoptions : DataFrame
        The observed adoptions (``unit``, ``policy``, ``year``) the panel was built from.
    channels : list of Channel
        Every channel in the formula (their exposures are recomputed each year).
    switch_off : str or list of str, optional
        Channel(s) whose exposure is set to 0 in the counterfactual.
    replace : dict, optional
        ``{channel: Weights}``: counterfactual with the channel's weights replaced.
    move : dict or list of dict, optional
        A unit's adoption moved: ``{"unit": "CA", "year": 1990}`` (optionally
        ``"policy": ...``; default every policy of the panel) pins that unit's adoption at
        ``year`` (``None``: never adopts) in the counterfactual. In *both* scenarios the
        moved unit is pinned rather than simulated (at its observed year in the fitted
        scenario, never if it did not adopt), so the comparison isolates the move:
        everyone else is simulated forward and reacts through the channels, and moving a
        unit to its observed year reproduces the fitted curve exactly. The pinned
        adoption counts in the curves in its year (when inside the policy's panel years).
        Can be combined with ``switch_off`` / ``replace``.
    draws : int
        Parameter draws (each simulated in two independent histories, see Notes).
    seed : int, optional
    parameter_draws : bool
        Draw the coefficients from N(b, V) (default); False keeps b: one history per draw,
        and the intervals are then the Monte Carlo spread of a single simulated history
        at b (simulation noise only).
    unit, policy, year : str
        Columns of the panel and of ``adoptions``.
    alpha : float
        1 - level of the intervals.
    progress : bool, optional
        Show a progress bar over years (default: the package setting).

    Returns
    -------
    CounterfactualResult

    Notes
    -----
    **What the intervals cover.** The curves and totals are *expected* adoptions: the
    expectation, over the adoption process, of the number of adoptions given the
    coefficients, the panel's units, policies, years and covariates, and the adoptions
    fixed before each policy's first panel year. The point estimate is the mean over
    draws; the interval is a ``1 - alpha`` interval for that expected value from the
    uncertainty of the coefficients (N(b, V) with the fit's variance). Each parameter draw
    is simulated in two independent histories: their mean estimates the expected value at
    that draw, and their difference the variance of one history, which is removed from the
    spread over draws, so the interval does not include the randomness of a simulated
    history; the Monte Carlo error of the mean over ``draws`` is added. The interval is
    normal (mean +- z sd): percentile intervals from a few hundred draws fall short of
    their nominal level (the 2.5% and 97.5% order statistics of 100 normal draws cover
    about 93%). It is *not* a prediction interval for the adoptions one realised history
    would show. On the package's simulator with known
    parameters (``benchmarks/bench_counterfactual.py``, 500 replications) the 95%
    intervals cover the true expected counterfactual total and the true attributable
    adoptions at close to nominal rates (figures in that script's header).

    Examples
    --------
    >>> import numpy as np, diffusion_stats as ds
    >>> labels = [f"u{i}" for i in range(20)]
    >>> ring = np.roll(np.eye(20), 1, axis=1) + np.roll(np.eye(20), -1, axis=1)
    >>> ch = [ds.Channel("ring", ds.Weights.from_matrix(ring, labels, name="ring"))]
    >>> ad = ds.simulate_diffusion(labels, ch, effects={"ring": 1.5}, start=1990, end=2005, n_policies=4,
    ...                            baseline=0.05, seed=1)
    >>> panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows, units=labels), ad, ch)
    >>> res = ds.EventLogit("event ~ ring", panel, link="cloglog").fit(cluster="unit")
    >>> cf = ds.counterfactual(res, ad, ch, switch_off="ring", draws=20, seed=1, progress=False)
    >>> bool(cf.attributable.loc["pooled", "attributable"] > 0)
    True
    """
    from ..design.simulate import channel_matrix as _channel_matrix
    from ..design.simulate import channel_specs as _channel_specs
    from .effects import _design, _estimation_data, _family

    fam = _family(results)
    if fam not in ("binary", "cox"):
        raise SpecificationError("counterfactual needs EventLogit or CoxHazard results (a monadic event-history "
                                 "model); SpatialLag and DyadicLogit are not supported")
    if not isinstance(draws, (int, np.integer)) or draws < 1:
        raise InputError(f"draws must be a positive integer, got {draws!r}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha!r}")
    specs = _channel_specs(channels, {})
    cnames = [s["name"] for s in specs]
    if not cnames:
        raise InputError("channels is empty: give the ds.Channel objects whose exposures enter the formula")
    off = _as_list(switch_off)
    rep = dict(replace or {})
    for nm in [*off, *rep]:
        if nm not in cnames:
            raise InputError(f"channel '{nm}' (switch_off/replace) is not among the channels {cnames}"
                             f"{did_you_mean(nm, cnames)}")
    moves = _as_moves(move)
    if not off and not rep and not moves:
        raise InputError("nothing to compare: give switch_off= (channel names), replace= {channel: Weights} or "
                         "move= {'unit': ..., 'year': ...}")
    both = set(off) & set(rep)
    if both:
        raise InputError(f"channels {sorted(both)} are both switched off and replaced; choose one")
    data = _estimation_data(results, fam)
    require_columns(data, [unit, policy, year], argument="the estimation data (unit=, policy=, year=)")
    require_columns(adoptions, [unit, policy, year], argument="adoptions")
    model = results.model
    spec = (results.state.in_memory("counterfactual").spec if fam == "binary"
            else results.state.in_memory("counterfactual")[0].spec)
    used = set(spec.required_variables) if spec is not None else set(results.params.index)
    for nm in cnames:
        if nm not in data.columns:
            raise ColumnNotFoundError(f"channel '{nm}' has no exposure column in the estimation data; fit the "
                                      "model on ds.add_channels(panel, adoptions, channels)")
        if nm not in used:
            raise InputError(f"channel '{nm}' does not enter the formula {results.formula!r}; pass only the "
                             "channels of the model")
    response = results.formula.split("~", 1)[0].strip()
    require_columns(data, [response], argument="the estimation data (response)")
    clock = results.state.in_memory("counterfactual").clock if fam == "binary" else None
    time_cols = ([clock] if clock is not None else []) + (
        [c for c in (model.start, model.stop) if c is not None] if fam == "cox" else [])

    # ---------------------------------------------------------------- layout
    pol_codes, pol_labels = pd.factorize(data[policy].astype(str), sort=True)
    labels = sorted(set(data[unit].astype(str)) | set(adoptions[unit].astype(str)))
    uidx = pd.Index(labels)
    ui = uidx.get_indexer(data[unit].astype(str))
    yr = data[year].to_numpy(dtype=np.int64)
    ev = data[response].to_numpy(dtype=float)
    P, n = len(pol_labels), len(labels)
    last_year = pd.Series(yr).groupby(pol_codes).max().reindex(range(P)).to_numpy()
    first_year = pd.Series(yr).groupby(pol_codes).min().reindex(range(P)).to_numpy()
    # carried-forward rows after each observed adoption (to the policy's last panel year)
    evr = np.flatnonzero(ev == 1)
    extra = last_year[pol_codes[evr]] - yr[evr]
    if np.any(extra < 0):
        raise DataValidationError("panel rows after an adoption year: each (policy, unit) must end at its event")
    src = np.repeat(evr, extra)
    step = np.arange(len(src)) - np.repeat(np.cumsum(extra) - extra, extra) + 1
    grid = pd.concat([data, data.iloc[src]], ignore_index=True)
    add = np.r_[np.zeros(len(data), dtype=np.int64), step]
    grid[year] = np.r_[yr, yr[src] + step]
    for c in time_cols:
        grid[c] = grid[c].to_numpy(dtype=float) + add
    g_pol = np.r_[pol_codes, pol_codes[src]]
    g_unit = np.r_[ui, ui[src]]
    g_year = grid[year].to_numpy(dtype=np.int64)
    in_panel = np.zeros((n, P), dtype=bool)
    in_panel[ui, pol_codes] = True

    # ---------------------------------------------------------------- designs (affine in the channels)
    b, V, names = results.params.to_numpy(), results.cov.to_numpy(), list(results.params.index)
    zero = grid.copy()
    for nm in cnames:
        zero[nm] = 0.0
    X0 = _design(results, fam, zero, names)
    S = {}
    for nm in cnames:
        one, two = zero.copy(), zero.copy()
        one[nm], two[nm] = 1.0, 2.0
        S[nm] = _design(results, fam, one, names) - X0
        if not np.allclose(_design(results, fam, two, names) - X0, 2 * S[nm], rtol=1e-9, atol=1e-9):
            raise SpecificationError(f"channel '{nm}' enters the formula nonlinearly; counterfactual simulation "
                                     "needs each channel as a linear term (interactions with covariates are fine)")
    if len(cnames) > 1:
        allc = zero.copy()
        for nm in cnames:
            allc[nm] = 1.0
        if not np.allclose(_design(results, fam, allc, names) - X0, sum(S.values()), rtol=1e-9, atol=1e-9):
            raise SpecificationError("channels interact with each other in the formula; counterfactual simulation "
                                     "needs them to enter separately")
    del zero
    rng = np.random.default_rng(seed)
    D = int(draws)
    if parameter_draws:  # each parameter draw simulated in two independent histories (columns d and D + d)
        B = rng.multivariate_normal(b, V, size=D, method="eigh")
        B = np.vstack([B, B])
    else:
        B = np.tile(b, (D, 1))
    H = B.shape[0]

    # ---------------------------------------------------------------- Cox baseline increments per row
    inc_row: np.ndarray | None = None
    G_row: np.ndarray | None = None
    if fam == "cox":
        inc_row, G_row = _cox_row_increments(results, grid, b)

    # ---------------------------------------------------------------- initial adoption state
    ad = adoptions[[unit, policy, year]].copy()
    ad["_u"] = uidx.get_indexer(ad[unit].astype(str))
    ad["_p"] = pd.Index(pol_labels).get_indexer(ad[policy].astype(str))
    ad = ad[(ad["_p"] >= 0) & (ad["_u"] >= 0)]
    obs = np.full((n, P), _NEVER, dtype=np.int64)
    ad = ad.sort_values(year).drop_duplicates(["_u", "_p"])
    obs[ad["_u"].to_numpy(), ad["_p"].to_numpy()] = ad[year].to_numpy(dtype=np.int64)
    fixed = ~in_panel | (obs < first_year[None, :])  # sources, not simulated
    init = np.where(fixed, obs, _NEVER)
    pinned = np.zeros((n, P), dtype=bool)
    init_cf = init.copy()
    for mv in moves:
        iu = uidx.get_indexer([mv["unit"]])[0]
        if iu < 0:
            raise InputError(f"move: unit {mv['unit']!r} is not in the panel or adoptions"
                             f"{did_you_mean(mv['unit'], labels)}")
        if mv["policy"] is None:
            pp = np.flatnonzero(in_panel[iu] | (obs[iu] < _NEVER))
        else:
            hit = pd.Index(pol_labels).get_indexer([mv["policy"]])[0]
            if hit < 0:
                raise InputError(f"move: policy {mv['policy']!r} is not in the panel"
                                 f"{did_you_mean(mv['policy'], list(pol_labels))}")
            pp = np.array([hit])
        if pinned[iu, pp].any():
            raise InputError(f"move: unit {mv['unit']!r} is moved twice for the same policy")
        pinned[iu, pp] = True
        init[iu, pp] = obs[iu, pp]  # fitted scenario: pinned at the observed year (never if not adopted)
        init_cf[iu, pp] = _NEVER if mv["year"] is None else mv["year"]
    state = {"fitted": np.repeat(init[:, :, None], H, axis=2).astype(np.int32),
             "counterfactual": np.repeat(init_cf[:, :, None], H, axis=2).astype(np.int32)}
    wmap = {"fitted": {s["name"]: s for s in specs},
            "counterfactual": {s["name"]: (dict(s, weights=rep[s["name"]]) if s["name"] in rep else s)
                               for s in specs if s["name"] not in off}}
    for nm, Wr in rep.items():
        if not hasattr(Wr, "aligned"):
            raise InputError(f"replace['{nm}'] must be a ds.Weights, got {type(Wr).__name__}")

    years = np.unique(g_year)
    order = np.argsort(g_year, kind="stable")
    if inc_row is not None:  # Cox: rows at times without a baseline jump cannot adopt: skip them
        order = order[inc_row[order] > 0]
    if pinned.any():  # pinned (moved) units are not simulated
        order = order[~pinned[g_unit[order], g_pol[order]]]
    bounds = np.searchsorted(g_year[order], years, side="left").tolist() + [len(order)]
    ny = len(years)
    pooled = {s: np.zeros((ny, H)) for s in state}
    per_pol = {s: np.zeros((P, ny)) for s in state}  # mean over draws
    totals = {s: np.zeros((P, H)) for s in state}
    cache: dict = {}
    from ..core.progress import progress as _bar
    with _one_blas_thread():  # many small products: BLAS threads only contend
        for k in _bar(range(ny), desc="counterfactual", total=ny, enabled=progress):
            t = int(years[k])
            rows = order[bounds[k]:bounds[k + 1]]
            pi, ii = g_pol[rows], g_unit[rows]
            act, loc = np.unique(pi, return_inverse=True)
            U = rng.random((len(rows), H))
            base = X0[rows] @ B.T
            slopes = {nm: S[nm][rows] @ B.T for nm in cnames}
            inc = np.zeros((0, 0))
            if inc_row is not None and G_row is not None:
                inc = inc_row[rows][:, None] * np.exp(G_row[rows] @ (B - b).T)
            Z = sp.csr_matrix((np.ones(len(rows)), (pi, np.arange(len(rows)))), shape=(P, len(rows)))
            for s, A in state.items():
                eta = base.copy()
                for nm, sp_ in wmap[s].items():
                    e = _exposure(A, sp_, labels, t, act, cache, _channel_matrix, s)
                    eta += e[ii, loc, :] * slopes[nm]
                if fam == "binary":
                    prob = link_value(eta, results.link)
                else:
                    assert inc is not None  # Cox
                    prob = -np.expm1(-inc * np.exp(np.minimum(eta, 700.0)))
                risk = A[ii, pi, :] == _NEVER
                prob = np.where(risk, prob, 0.0)
                rr, dd = np.nonzero(risk & (U < prob))
                A[ii[rr], pi[rr], dd] = t
                pooled[s][k] = prob.sum(axis=0)
                tot = np.asarray(Z @ prob)
                totals[s] += tot
                per_pol[s][:, k] = tot.mean(axis=1)

    # pinned adoptions count (probability 1) in their year when inside the policy's panel years
    for s, A0 in (("fitted", init), ("counterfactual", init_cf)):
        pu, pp = np.nonzero(pinned & in_panel & (A0 >= first_year[None, :]) & (A0 <= last_year[None, :]))
        for u_, p_ in zip(pu, pp, strict=True):
            k = int(np.searchsorted(years, A0[u_, p_]))
            if k < ny and years[k] == A0[u_, p_]:
                pooled[s][k] += 1.0
                totals[s][p_] += 1.0
                per_pol[s][p_, k] += 1.0

    # ---------------------------------------------------------------- summaries
    qlo, qhi = alpha / 2, 1 - alpha / 2
    paired = bool(parameter_draws)

    def _iv(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _interval(X, paired, qlo, qhi)
    obs_year = pd.Series(ev).groupby(yr).sum().reindex(years, fill_value=0).to_numpy()
    cur = pd.DataFrame({"year": years, "observed": np.cumsum(obs_year)})
    for s in state:
        cur[s], cur[f"{s}_lower"], cur[f"{s}_upper"] = _iv(np.cumsum(pooled[s], axis=0))
    diff = np.cumsum(pooled["fitted"] - pooled["counterfactual"], axis=0)
    cur["attributable"], cur["attributable_lower"], cur["attributable_upper"] = _iv(diff)
    # per policy
    obs_py = pd.DataFrame({"p": pol_codes, "y": yr, "e": ev}).groupby(["p", "y"])["e"].sum()
    yi = np.searchsorted(years, obs_py.index.get_level_values("y"))
    O = np.zeros((P, ny))
    O[obs_py.index.get_level_values("p"), yi] = obs_py.to_numpy()
    pc = pd.DataFrame({policy: np.repeat(pol_labels, ny), "year": np.tile(years, P),
                       "observed": np.cumsum(O, axis=1).ravel(),
                       "fitted": np.cumsum(per_pol["fitted"], axis=1).ravel(),
                       "counterfactual": np.cumsum(per_pol["counterfactual"], axis=1).ravel()})
    yrs_of = np.tile(years, P)
    keep = (yrs_of >= np.repeat(first_year, ny)) & (yrs_of <= np.repeat(last_year, ny))
    pc = pc[keep].reset_index(drop=True)
    att = totals["fitted"] - totals["counterfactual"]
    m_att, lo_att, hi_att = _iv(att)
    tab = pd.DataFrame({"observed": O.sum(axis=1), "fitted": totals["fitted"].mean(axis=1),
                        "counterfactual": totals["counterfactual"].mean(axis=1), "attributable": m_att,
                        "lower": lo_att, "upper": hi_att},
                       index=pd.Index(list(pol_labels), name=policy))
    m_pa, lo_pa, hi_pa = _iv(att.sum(axis=0)[None, :])
    tab.loc["pooled"] = [O.sum(), totals["fitted"].sum(axis=0).mean(), totals["counterfactual"].sum(axis=0).mean(),
                         m_pa[0], lo_pa[0], hi_pa[0]]
    with np.errstate(invalid="ignore", divide="ignore"):
        tab["share_of_fitted"] = tab["attributable"] / tab["fitted"]
    notes = [f"{len(src)} unit-years carried forward after observed adoptions (covariates of the adoption year)."]
    if fam == "cox":
        notes.append("Cox: yearly adoption probability 1 - exp(-dH0 exp(eta)) with the stratum's baseline increments "
                     "(zero where no event was observed); the baseline follows each parameter draw to first order.")
    if parameter_draws:
        notes.append(f"Intervals: {100 * (1 - alpha):g}% normal intervals for the expected adoptions from {D} "
                     f"draws of the coefficients from N(b, V) ({results.cov_type} variance), each simulated in two "
                     "histories; the noise of a simulated history is removed (not a prediction interval).")
    else:
        notes.append(f"Intervals: {100 * (1 - alpha):g}% Monte Carlo spread of one simulated history at b "
                     "(no parameter uncertainty).")
    if moves:
        notes.append("Moved: " + "; ".join(
            f"{m['unit']}{'' if m['policy'] is None else ' (' + str(m['policy']) + ')'} adopts "
            f"{'never' if m['year'] is None else 'in ' + str(m['year'])}" for m in moves)
            + " (pinned at the observed year in the fitted scenario).")
    return CounterfactualResult(curves=cur, policy_curves=pc, attributable=tab, switch_off=off, replaced=list(rep),
                                draws=D, alpha=alpha, notes=notes, moved=moves)


def _as_moves(move: Any) -> list[dict]:
    """Validate ``move=`` into a list of {"unit", "year", "policy"} dicts."""
    if move is None:
        return []
    items = [move] if isinstance(move, dict) else move
    if not isinstance(items, (list, tuple)) or not all(isinstance(m, dict) for m in items):
        raise InputError(f"move must be a dict {{'unit': ..., 'year': ...}} or a list of them, got {move!r}")
    out = []
    for m in items:
        extra = set(m) - {"unit", "year", "policy"}
        if "unit" not in m or "year" not in m or extra:
            raise InputError(f"move={m!r}: give the keys 'unit' and 'year' (None: never adopts) and optionally "
                             f"'policy'{'; unknown keys ' + str(sorted(extra)) if extra else ''}")
        y = m["year"]
        if y is not None and (isinstance(y, bool) or not isinstance(y, (int, np.integer))):
            raise InputError(f"move: year must be an integer year or None (never adopts), got {y!r}")
        out.append({"unit": str(m["unit"]), "year": None if y is None else int(y),
                    "policy": None if m.get("policy") is None else str(m["policy"])})
    return out


def _interval(X: np.ndarray, paired: bool, qlo: float, qhi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and interval over the last axis (draws).

    ``paired``: columns ``d`` and ``D + d`` are two independent histories of one parameter draw
    ``b_d``. The interval is for the expected value: mean +- z sd with
    ``sd^2 = (var(pair means) - s2) + var(pair means) / D``: the spread of the expected value
    over the parameter draws (``s2`` = simulation variance of a pair mean, a quarter of the mean
    squared pair difference, removed) plus the Monte Carlo variance of the mean over ``D`` draws.
    A normal interval: percentiles of a few hundred draws fall short of nominal coverage (the
    2.5% / 97.5% order statistics of 100 draws cover ~93%). Unpaired: percentiles of the draws.
    """
    if not paired:
        return X.mean(axis=-1), np.quantile(X, qlo, axis=-1), np.quantile(X, qhi, axis=-1)
    from scipy.stats import norm

    D = X.shape[-1] // 2
    a, c = X[..., :D], X[..., D:]
    y = (a + c) / 2
    m = y.mean(axis=-1)
    s2 = ((a - c) ** 2).mean(axis=-1) / 4  # var(one history) / 2 = E[(a - c)^2] / 4
    tot = y.var(axis=-1, ddof=1) if D > 1 else np.zeros_like(m)
    sd = np.sqrt(np.clip(tot - s2, 0.0, None) + tot / D)
    z = norm.ppf(qhi)
    return m, m - z * sd, m + z * sd


def _one_blas_thread():
    """Context limiting BLAS to one thread (threadpoolctl when installed)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(1)


def _exposure(A: np.ndarray, spec: dict, labels: list, t: int, act: np.ndarray, cache: dict, matrix_fn,
              scenario: str) -> np.ndarray:
    """Exposure (units x active policies x draws) at year t from adoption years ``A``."""
    wy = int(t - spec["lag"])
    tv = getattr(spec["weights"], "is_time_varying", False)
    key = (scenario, spec["name"], wy if tv else None)
    if key not in cache:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cache[key] = matrix_fn(spec, labels, wy)
    M, deg = cache[key]
    Aa = A[:, act, :]
    n = A.shape[0]
    ind = (Aa <= wy).reshape(n, -1).astype(float)
    e: np.ndarray = np.asarray(M @ ind).reshape(n, len(act), A.shape[2])
    if deg is not None:
        e = np.where(deg[:, None, None] > 0, e / np.where(deg > 0, deg, 1.0)[:, None, None], 0.0)
    return e


def _cox_row_increments(results: Any, grid: pd.DataFrame, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Baseline increment (covariates 0) at each grid row's (stratum, stop) and d log inc / d b."""
    from .effects import _cox_increments, _cox_strata_of

    _, rs = results.state.in_memory("counterfactual")
    stop = grid[results.model.stop].to_numpy(dtype=float)
    codes = _cox_strata_of(results, grid)
    inc = _cox_increments(results, b)
    G = np.zeros((len(inc), len(b)))
    pos = inc > 0
    for j in range(len(b)):
        h = 1e-6 * max(1.0, abs(b[j]))
        up, dn = b.copy(), b.copy()
        up[j] += h
        dn[j] -= h
        iu, idn = _cox_increments(results, up), _cox_increments(results, dn)
        G[pos, j] = (np.log(iu[pos]) - np.log(idn[pos])) / (2 * h)
    # set index of (stratum, time)
    key_sets = rs.set_stratum.astype(np.int64) * (10 ** 7) + np.round(rs.set_time * 1000).astype(np.int64)
    key_rows = codes.astype(np.int64) * (10 ** 7) + np.round(stop * 1000).astype(np.int64)
    o = np.argsort(key_sets)
    loc = np.searchsorted(key_sets[o], key_rows)
    loc = np.minimum(loc, len(o) - 1)
    hit = key_sets[o][loc] == key_rows
    k = o[loc]
    return np.where(hit, inc[k], 0.0), np.where(hit[:, None], G[k], 0.0)
