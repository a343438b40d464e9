"""Permutation inference for channel effects: QAP relabelling and permuted adoption timing.

Two reference distributions, each answering "how large would this channel's estimate
be if the channel carried no information?":

``scheme="qap"`` (Krackhardt 1988; Dekker, Krackhardt & Snijders 2007)
    The units of one channel's weight matrix are relabelled at random (rows and columns
    together, so the network's structure is kept but tied to the wrong units); that
    channel's exposure is rebuilt and the model refitted, the other channels untouched.
``scheme="years"``
    Adoption years are permuted among the adopters of each policy (keeping each
    policy's timing profile); all exposures are rebuilt from the permuted timing while
    the outcome panel stays as observed.

p-values are ``(1 + #{|b*| >= |b|}) / (n_perm + 1)`` (two-sided) or the one-sided
analogue: the randomization p-value of the sharp null that the channel carries no
information. The randomization interval (``ri_lower``, ``ri_upper``; two-sided only)
inverts the shifted sharp null ``gamma = gamma0``: ``b - gamma0`` is referred to the
same permutation distribution, so the set ``{gamma0 : p(gamma0) > alpha}`` is
``b +- a_(m)``, ``a_(m)`` the m-th largest ``|b*|`` with ``m = floor(alpha (n_perm + 1) - 1) + 1``
(unbounded when ``m < 1``). It assumes the permutation distribution does not move with
``gamma0`` (exact for a linear model, first-order for logit/Cox: treat it as an
approximation far from 0).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DiffusionStatsError, InputError
from ..core.options import renamed
from ..output.summary import Summary, format_number
from ._parallel import child_seeds, seeded_map
from ._protocol import channel_names, is_model, model_data, rebuild
from .channels import _as_channels, add_channels

__all__ = ["permutation_test", "PermutationResult", "relabel_weights"]


@dataclass(frozen=True, eq=False)
class PermutationResult:
    """Permutation p-values for each channel.

    Attributes
    ----------
    table : DataFrame
        One row per channel: estimate, pvalue_perm (randomization p-value under the sharp
        null), pvalue_model (analytic), perm_mean, perm_sd, perm_lower, perm_upper
        (2.5 / 97.5 percentiles), ri_lower, ri_upper (randomization interval, module
        docstring), n_perm.
    distribution : DataFrame
        The permuted estimates (one column per channel, one row per permutation).
    scheme : str
    """

    table: pd.DataFrame
    distribution: pd.DataFrame
    scheme: str
    alternative: str
    n_failed: int = 0
    notes: list = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> Summary:
        label = {"qap": "QAP relabelling of units in each channel's W",
                 "years": "adoption years permuted within policy"}[self.scheme]
        header = [("Scheme", label), ("Alternative", self.alternative),
                  ("Permutations", format_number(int(self.table["n_perm"].max()))),
                  ("Failed refits", format_number(self.n_failed))]
        return Summary(title="Permutation test of channel effects", header=header, tables=[("", self.table)],
                       notes=list(self.notes))

    def __str__(self) -> str:
        return str(self.summary())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def relabel_weights(W: Any, perm: np.ndarray) -> Any:
    """W with unit labels permuted: the unit in position ``perm[k]`` takes row/column k's ties.

    Examples
    --------
    >>> import numpy as np, diffusion_stats as ds
    >>> W = ds.Weights.from_matrix([[0, 1, 0], [1, 0, 0], [0, 0, 0]], ["a", "b", "c"])
    >>> relabel_weights(W, np.array([2, 1, 0])).neighbors("c")
    ('b',)
    """
    from ..weights.core import Weights

    labels = list(W.labels)
    new = [labels[int(k)] for k in perm]
    if W.is_time_varying:
        mats: dict[int | None, Any] = {int(y): W.matrix(year=int(y)) for y in W.years}
    else:
        mats = {None: W.matrix()}
    return Weights(mats, new, name=f"{W.name}_qap")


def _ri_interval(b: float, d: np.ndarray, alpha: float, alternative: str) -> tuple[float, float]:
    """Randomization interval ``b +- a_(m)`` (module docstring); NaN for one-sided tests."""
    if alternative != "two-sided" or not len(d):
        return np.nan, np.nan
    m = int(np.floor(alpha * (len(d) + 1) - 1)) + 1
    if m < 1:
        return -np.inf, np.inf
    a = np.sort(np.abs(d))[::-1][m - 1]
    return b - a, b + a


def _permute_years(adoptions: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    ad = adoptions[["unit", "policy", "year"]].reset_index(drop=True)
    codes = pd.factorize(ad["policy"])[0]
    key = rng.random(len(ad))
    order = np.lexsort((key, codes))            # random order within policy
    base = np.lexsort((np.arange(len(ad)), codes))  # original order within policy
    years = ad["year"].to_numpy()
    out = ad.copy()
    out.loc[base, "year"] = years[order]
    return out


def _perm_task(ctx: dict, task: tuple) -> dict:
    kind, target, seed = task
    rng = np.random.default_rng(seed)
    data, chans, adopt = ctx["data"], ctx["channels"], ctx["adoptions"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "qap":
                ch = next(c for c in chans if c.name == target)
                Wp = relabel_weights(ch.weights, rng.permutation(ch.weights.n))
                new = add_channels(data.drop(columns=[target]), adopt, [ch.with_weights(Wp)], partner=ctx["partner"])
                new = new[data.columns]
            else:
                adp = _permute_years(adopt, rng)
                base = data.drop(columns=[c.name for c in chans])
                new = add_channels(base, adp, chans, partner=ctx["partner"])[data.columns]
            res = rebuild(ctx["model"], data=new).fit(**ctx["fit_kwargs"])
        return {"ok": True, "target": target, "params": res.params.reindex(ctx["names"]).to_numpy(dtype=float)}
    except (DiffusionStatsError, np.linalg.LinAlgError) as exc:
        return {"ok": False, "target": target, "error": f"{type(exc).__name__}: {exc}"}


@renamed(progress_bar="progress")
def permutation_test(model: Any, adoptions: pd.DataFrame, channels: Any, *, scheme: str = "qap",
                     n_perm: int = 199, alternative: str = "two-sided", fit_kwargs: dict | None = None,
                     seed: int = 0, n_jobs: int | None = 1, progress: bool | None = None,
                     alpha: float = 0.05) -> PermutationResult:
    """Permutation reference distributions and p-values for each channel's effect.

    Parameters
    ----------
    model : model
        Unfitted model whose data holds the channel columns (built with
        :func:`ds.add_channels` from ``adoptions`` and ``channels``).
    adoptions : DataFrame
        The adoptions the exposures were built from.
    channels : list of Channel
    scheme : {"qap", "years"}
        "qap": relabel the units of each channel's W in turn (``n_perm`` refits per
        channel); "years": permute adoption years within policy (``n_perm`` refits).
    n_perm : int
    alternative : {"two-sided", "greater", "less"}
    fit_kwargs : dict, optional
    seed : int
        Same seed, same p-values, for any ``n_jobs``.
    n_jobs : int
        Worker processes (-1: all cores).
    progress : bool, optional
    alpha : float
        1 - level of the randomization interval (``ri_lower``, ``ri_upper``).

    Returns
    -------
    PermutationResult

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> W = ds.Weights.us_borders()
    >>> ad = ds.simulate_diffusion(list(W.labels), {"border": W}, effects={"border": 1.5},
    ...                            start=1990, end=2010, n_policies=10, seed=2)
    >>> ch = [ds.Channel("border", W)]
    >>> panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows,
    ...                                          units=list(W.labels)), ad, ch)
    >>> pt = ds.permutation_test(ds.EventLogit("event ~ border", panel), ad, ch, n_perm=9,
    ...                          progress=False)
    >>> float(pt.table.loc["border", "pvalue_perm"]) <= 0.1
    True
    """
    if not is_model(model):
        raise InputError(f"permutation_test needs an unfitted model, not {type(model).__name__}")
    if scheme not in ("qap", "years"):
        raise InputError(f"scheme={scheme!r}; use 'qap' (relabel units in W) or 'years' (permute adoption years "
                         "within policy)")
    if alternative not in ("two-sided", "greater", "less"):
        raise InputError(f"alternative={alternative!r}; use 'two-sided', 'greater' or 'less'")
    if int(n_perm) < 1:
        raise InputError(f"n_perm={n_perm} must be >= 1")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha!r}; e.g. alpha=0.05 for a 95% interval")
    chans = _as_channels(channels)
    fk = dict(fit_kwargs or {})
    obs = model.fit(**fk)
    names = channel_names(chans, obs.params.index)
    data = model_data(model)
    partner = "partner" if "partner" in data.columns else None
    if partner is not None:
        extra = [f"{c.name}_{s}" for c in chans for s in ("tie", "w") if f"{c.name}_{s}" in data.columns]
        if extra:
            raise InputError(f"dyadic data with channel tie columns {extra}: drop them or use the monadic exposures")
    ctx = {"data": data, "channels": chans, "adoptions": adoptions, "model": model, "fit_kwargs": fk,
           "names": names, "partner": partner}
    if scheme == "qap":
        seeds = child_seeds(seed, len(names) * int(n_perm))
        tasks: list[tuple[str, str | None, Any]] = [
            ("qap", n, seeds[i * int(n_perm) + k]) for i, n in enumerate(names) for k in range(int(n_perm))]
    else:
        seeds = child_seeds(seed, int(n_perm))
        tasks = [("years", None, seeds[k]) for k in range(int(n_perm))]
    outs = seeded_map(_perm_task, ctx, tasks, n_jobs=n_jobs, desc=f"permutations ({scheme})",
                      show=progress)
    n_failed = sum(not o["ok"] for o in outs)
    dist: dict[str, list[float]] = {n: [] for n in names}
    for o in outs:
        if not o["ok"]:
            continue
        if scheme == "qap":
            dist[o["target"]].append(float(o["params"][names.index(o["target"])]))
        else:
            for j, n in enumerate(names):
                dist[n].append(float(o["params"][j]))
    rows = []
    for n in names:
        b = float(obs.params[n])
        d = np.asarray(dist[n])
        if alternative == "two-sided":
            hits = np.sum(np.abs(d) >= abs(b) - 1e-12 * max(1.0, abs(b)))
        elif alternative == "greater":
            hits = np.sum(d >= b - 1e-12 * max(1.0, abs(b)))
        else:
            hits = np.sum(d <= b + 1e-12 * max(1.0, abs(b)))
        rows.append({"channel": n, "estimate": b, "pvalue_perm": (1 + hits) / (len(d) + 1),
                     "pvalue_model": float(obs.pvalues[n]),
                     "perm_mean": d.mean() if len(d) else np.nan, "perm_sd": d.std(ddof=1) if len(d) > 1 else np.nan,
                     "perm_lower": np.percentile(d, 2.5) if len(d) else np.nan,
                     "perm_upper": np.percentile(d, 97.5) if len(d) else np.nan,
                     **dict(zip(("ri_lower", "ri_upper"), _ri_interval(b, d, alpha, alternative), strict=True)),
                     "n_perm": len(d)})
    table = pd.DataFrame(rows).set_index("channel")
    width = max(len(v) for v in dist.values())
    distribution = pd.DataFrame({n: pd.Series(v, dtype=float).reindex(range(width)) for n, v in dist.items()})
    notes = []
    if n_failed:
        notes.append(f"{n_failed} permuted refits failed and were left out.")
    if scheme == "years":
        notes.append("Exposures were rebuilt from permuted timing; the outcome panel is the observed one.")
    return PermutationResult(table=table, distribution=distribution, scheme=scheme, alternative=alternative,
                             n_failed=n_failed, notes=notes)
