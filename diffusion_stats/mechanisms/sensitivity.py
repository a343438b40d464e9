"""Weight-matrix sensitivity (Plumper & Neumayer 2010).

The connectivity matrix is a modelling choice: binary or weighted, row-standardised or
not, cut off at some distance or at k nearest partners. :func:`weight_sensitivity`
refits the model across such a family and shows the range of the channel's estimate,
both raw and per standard deviation of exposure (raw coefficients of a count and of a
share are not on one scale).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import DiffusionStatsError, InputError
from ..output.summary import Summary
from ._protocol import channel_names, is_model, model_data, rebuild
from .channels import Channel, _as_channels, add_channels

__all__ = ["weight_sensitivity", "weight_family", "SensitivityResult", "k_nearest", "threshold"]


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """A channel's estimate across weight specifications.

    Attributes
    ----------
    table : DataFrame
        One row per specification (index ``weights``): term, kind, estimate, std_error,
        pvalue, lower, upper, exposure_sd, std_estimate (estimate x exposure_sd).
    range : dict
        min / max of the estimate and of the standardised estimate, and whether the sign
        or the significance changes across specifications.
    """

    table: pd.DataFrame
    range: dict
    reference: str
    verdict: str
    notes: list = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The table, e.g. for ``ds.plots.weight_sensitivity``."""
        return self.table.copy()

    def summary(self) -> Summary:
        header = [("Channel", str(self.table["term"].iloc[0])), ("Main specification", self.reference),
                  ("Specifications", str(len(self.table)))]
        return Summary(title="Sensitivity to the weight matrix", header=header,
                       tables=[("", self.table.drop(columns=["term"]))], notes=[self.verdict, *self.notes])

    def __str__(self) -> str:
        return str(self.summary())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _map_matrices(W: Any, fn, name: str) -> Any:
    from ..weights.core import Weights

    if W.is_time_varying:
        mats: dict[int | None, Any] = {int(y): fn(W.matrix(year=int(y))) for y in W.years}
    else:
        mats = {None: fn(W.matrix())}
    return Weights(mats, list(W.labels), name=name)


def k_nearest(W: Any, k: int, *, name: str | None = None) -> Any:
    """Keep each unit's ``k`` strongest ties (largest weights; ties broken by label order).

    For inverse-distance or similarity weights these are the k nearest / most similar
    partners. The kept ties keep their weights.

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> W = ds.Weights.from_matrix([[0, 3, 1], [3, 0, 2], [1, 2, 0]], ["a", "b", "c"])
    >>> k_nearest(W, 1).neighbors("c")
    ('b',)
    """
    if int(k) < 1:
        raise InputError(f"k={k} must be >= 1")

    def f(m: sp.csr_matrix) -> sp.csr_matrix:
        m = m.tocsr()
        rows, cols, vals = [], [], []
        for i in range(m.shape[0]):  # loop over units (not rows of data): n is small
            lo, hi = m.indptr[i], m.indptr[i + 1]
            if hi == lo:
                continue
            idx, v = m.indices[lo:hi], m.data[lo:hi]
            order = np.lexsort((idx, -v))[: int(k)]
            rows += [i] * len(order)
            cols += idx[order].tolist()
            vals += v[order].tolist()
        return sp.csr_matrix((vals, (rows, cols)), shape=m.shape)

    return _map_matrices(W, f, name or f"{W.name}_knn{k}")


def threshold(W: Any, minimum: float, *, name: str | None = None) -> Any:
    """Keep ties with weight >= ``minimum`` (e.g. inverse distance >= 1 / cutoff).

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> W = ds.Weights.from_matrix([[0, 3, 1], [3, 0, 2], [1, 2, 0]], ["a", "b", "c"])
    >>> threshold(W, 2).neighbors("a")
    ('b',)
    """
    def f(m: sp.csr_matrix) -> sp.csr_matrix:
        m = m.copy().tocsr()
        m.data = np.where(m.data >= minimum, m.data, 0.0)
        m.eliminate_zeros()
        return m

    return _map_matrices(W, f, name or f"{W.name}_min{minimum:g}")


def weight_family(channel: Channel, *, k: Sequence[int] = (), thresholds: Sequence[float] = (),
                  extra: Mapping[str, Any] | None = None) -> dict[str, Channel]:
    """A family of specifications around a channel's weights.

    Always: the channel as given, binary share, count, and row-standardised weighted
    share (for non-binary weights also the raw weighted sum); plus ``k`` nearest
    partners and weight ``thresholds`` if given, and any ``extra`` {name: Weights}.

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> fam = weight_family(ds.Channel("border", ds.Weights.us_borders()))
    >>> sorted(fam)  # "share" is the channel as given
    ['as given', 'count', 'row-standardised']
    """
    W = channel.weights
    fam: dict[str, Channel] = {"as given": channel}
    fam["share"] = Channel(channel.name, W, mechanism=channel.mechanism, kind="share", lag=channel.lag,
                           missing_years=channel.missing_years, missing_units=channel.missing_units)
    fam["count"] = Channel(channel.name, W, mechanism=channel.mechanism, kind="count", lag=channel.lag,
                           missing_years=channel.missing_years, missing_units=channel.missing_units)
    fam["row-standardised"] = Channel(channel.name, W.row_standardize(), mechanism=channel.mechanism,
                                      kind="weighted", lag=channel.lag, missing_years=channel.missing_years,
                                      missing_units=channel.missing_units)
    mats = [W.matrix(year=y) for y in W.years] if W.is_time_varying else [W.matrix()]
    binary = all(np.all((m.data == 0) | (m.data == 1)) for m in mats)
    if not binary:
        fam["weighted"] = Channel(channel.name, W, mechanism=channel.mechanism, kind="weighted", lag=channel.lag,
                                  missing_years=channel.missing_years, missing_units=channel.missing_units)
    for kk in k:
        fam[f"{kk} nearest"] = Channel(channel.name, k_nearest(W, kk), mechanism=channel.mechanism, kind="share",
                                       lag=channel.lag, missing_years=channel.missing_years,
                                       missing_units=channel.missing_units)
    for th in thresholds:
        fam[f"weight >= {th:g}"] = Channel(channel.name, threshold(W, th), mechanism=channel.mechanism, kind="share",
                                           lag=channel.lag, missing_years=channel.missing_years,
                                           missing_units=channel.missing_units)
    for nm, Wx in (extra or {}).items():
        fam[str(nm)] = Wx.renamed(channel.name) if isinstance(Wx, Channel) else channel.with_weights(Wx)
    # drop duplicates: "as given" equals one of the standard ones
    if channel.kind in ("share", "count") and channel.weight_by is None:
        fam.pop(channel.kind, None)
    return fam


def weight_sensitivity(model: Any, adoptions: pd.DataFrame, channel: Channel,
                       variants: Mapping[str, Any] | None = None, *, k: Sequence[int] = (),
                       thresholds: Sequence[float] = (), fit_kwargs: dict | None = None,
                       alpha: float = 0.05) -> SensitivityResult:
    """Refit a model across weight specifications for one channel.

    Parameters
    ----------
    model : model
        Unfitted model whose data holds the channel's column.
    adoptions : DataFrame
        The adoptions the exposures are built from.
    channel : Channel
        The channel to vary (its column name stays the same in every refit).
    variants : dict of {name: Weights or Channel}, optional
        The specifications; default :func:`weight_family` of the channel (with ``k``
        and ``thresholds``).
    fit_kwargs : dict, optional
    alpha : float

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> W = ds.Weights.us_borders()
    >>> ad = ds.simulate_diffusion(list(W.labels), {"border": W}, effects={"border": 1.0},
    ...                            start=1990, end=2010, n_policies=10, seed=4)
    >>> ch = ds.Channel("border", W)
    >>> panel = ds.add_channels(ds.event_history(ad, windows=ad.reports.windows,
    ...                                          units=list(W.labels)), ad, [ch])
    >>> ws = ds.weight_sensitivity(ds.EventLogit("event ~ border", panel), ad, ch)
    >>> "row-standardised" in ws.table.index
    True
    """
    if not is_model(model):
        raise InputError(f"weight_sensitivity needs an unfitted model, not {type(model).__name__}")
    (channel,) = _as_channels([channel])
    data = model_data(model)
    fk = dict(fit_kwargs or {})
    name = channel.name
    if variants is None:
        fam = weight_family(channel, k=k, thresholds=thresholds)
    else:
        fam = {"as given": channel}
        for nm, v in variants.items():
            fam[str(nm)] = v.renamed(name) if isinstance(v, Channel) else channel.with_weights(v)
    base = data.drop(columns=[name])
    partner = "partner" if "partner" in data.columns else None
    rows = []
    notes = []
    for nm, ch in fam.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                d = data if nm == "as given" else add_channels(base, adoptions, [ch], partner=partner)[data.columns]
                res = model.fit(**fk) if nm == "as given" else rebuild(model, data=d).fit(**fk)
            channel_names([name], res.params.index)
        except DiffusionStatsError as exc:
            notes.append(f"'{nm}': refit failed ({exc})")
            continue
        ci = res.conf_int(alpha=alpha)
        sd = float(d[name].std())
        b = float(res.params[name])
        rows.append({"weights": nm, "term": name, "kind": ch.kind, "estimate": b,
                     "std_error": float(res.std_errors[name]), "pvalue": float(res.pvalues[name]),
                     "lower": float(ci.loc[name].iloc[0]), "upper": float(ci.loc[name].iloc[1]),
                     "exposure_sd": sd, "std_estimate": b * sd})
    if not rows:
        raise InputError("every specification failed to fit: " + "; ".join(notes))
    table = pd.DataFrame(rows).set_index("weights")
    sig = table["pvalue"] < alpha
    rng = {"estimate_min": float(table["estimate"].min()), "estimate_max": float(table["estimate"].max()),
           "std_min": float(table["std_estimate"].min()), "std_max": float(table["std_estimate"].max()),
           "sign_changes": bool((np.sign(table["estimate"]) > 0).nunique() > 1),
           "significance_changes": bool(sig.nunique() > 1)}
    if rng["sign_changes"]:
        verdict = "The sign of the effect depends on the weight matrix: the finding is not robust to its choice."
    elif rng["significance_changes"]:
        verdict = (f"Significant at {alpha:g} in {int(sig.sum())} of {len(table)} specifications: the conclusion "
                   "depends on the weight matrix.")
    else:
        verdict = (f"Same sign and {'significance' if sig.all() else 'non-significance'} in all {len(table)} "
                   f"specifications; per-SD effects range {rng['std_min']:.3g} to {rng['std_max']:.3g}.")
    return SensitivityResult(table=table, range=rng, reference="as given", verdict=verdict, notes=notes)
