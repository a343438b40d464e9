"""Named diffusion channels and their exposures.

A :class:`Channel` makes a mechanism explicit: a name, the weight matrix through which
adoptions travel, the mechanism it stands for (learning, emulation, coercion,
competition), how exposure is summarised (share, count, weighted) and the lag.
:func:`add_channels` turns a list of channels into exposure columns on a monadic
event-history panel (one column per channel) or on a directed-dyad panel (the
partner-level tie and weight, plus the unit's monadic exposure).

Every exposure is computed by :func:`diffusion_stats.design.exposure`; this module only
prepares the weights (e.g. source-side weights for success-weighted learning).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import ColumnNotFoundError, DataValidationError, InputError, did_you_mean, require_columns
from ..design.frame import derived_accounting, design_frame

__all__ = ["Channel", "add_channels", "MECHANISMS", "MECHANISM_LABELS", "KINDS"]

MECHANISMS = ("learning", "emulation", "coercion", "competition", "socialization", "mimicry", "standard_setting",
              "conditionality", "other")
#: How each mechanism reads in tables and horse races (as the norm-diffusion literature names it).
MECHANISM_LABELS = {"learning": "learning", "emulation": "emulation", "coercion": "coercion",
                    "competition": "competition", "socialization": "socialization", "mimicry": "mimicry",
                    "standard_setting": "standard setting", "conditionality": "conditionality", "other": "other"}
KINDS = ("share", "count", "weighted")
ChannelKind = Literal["share", "count", "weighted"]
MissingYears = Literal["previous", "nearest", "zero", "raise"]
MissingUnits = Literal["raise", "zero"]


@dataclass(frozen=True, eq=False)
class Channel:
    """One diffusion channel: a weight matrix standing for one mechanism.

    Parameters
    ----------
    name : str
        Column name of the channel's exposure (a valid formula term, e.g. ``"border"``).
    weights : Weights
        Who is exposed to whom (``W[i, j]``: unit i's tie to source j), static or by year.
    mechanism : {"learning", "emulation", "coercion", "competition", "socialization", "mimicry", \
"standard_setting", "conditionality", "other"}
        The mechanism the channel operationalises (reported by ``horse_race``, labelled as
        in :data:`MECHANISM_LABELS`). Socialization: fellow members of an IO (Johnston
        2001); mimicry: copying leaders (DiMaggio & Powell 1983); standard setting: an
        IO's endorsement (Finnemore 1993); conditionality: membership conditions
        (Schimmelfennig & Sedelmeier 2004; Kelley 2004).
    kind : {"share", "count", "weighted"}
        Exposure summary, as in :func:`diffusion_stats.design.exposure`.
    weight_by : DataFrame, optional
        Source-side weights ``s``: columns ``unit``, ``year``, optionally ``policy``, and
        one value column. Exposure then counts source j's adoption with weight ``s_j``
        (at ``t - lag``): "count" = sum_j 1[w_ij > 0] s_j a_j, "share" = that / number of
        neighbours, "weighted" = sum_j w_ij s_j a_j. Success-weighted learning
        (Volden 2006) uses it (see :func:`diffusion_stats.mechanisms.success_weights`);
        missing source-years get weight 0.
    lag : int
        Sources count as adopters when they adopted in a year <= t - lag.
    source : str
        Where the operationalisation comes from (citation), shown in reports.
    missing_years : {"previous", "nearest", "zero", "raise"}
        Time-varying weights without a matrix for ``t - lag`` (passed to
        :func:`diffusion_stats.design.exposure`).
    missing_units : {"raise", "zero"}
        Panel units absent from the weights (passed to :func:`diffusion_stats.design.exposure`).

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> W = ds.Weights.us_borders()
    >>> ch = ds.Channel("border", W, mechanism="emulation")
    >>> ch.kind, ch.lag
    ('share', 1)
    """

    name: str
    weights: Any
    mechanism: str = "other"
    kind: ChannelKind = "share"
    weight_by: pd.DataFrame | None = None
    lag: int = 1
    source: str = ""
    missing_years: MissingYears = "previous"
    missing_units: MissingUnits = "raise"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise InputError(f"Channel name {self.name!r} must be a valid identifier (it becomes a column and a "
                             "formula term), e.g. 'border' or 'learning_net'")
        for attr in ("aligned", "labels"):
            if not hasattr(self.weights, attr):
                raise InputError(f"Channel '{self.name}': weights must be a ds.Weights, got "
                                 f"{type(self.weights).__name__}; build one with ds.Weights.from_edges/from_dyads/...")
        if self.mechanism not in MECHANISMS:
            hint = did_you_mean(self.mechanism, MECHANISMS)
            raise InputError(f"Channel '{self.name}': mechanism={self.mechanism!r}{hint}; use one of {MECHANISMS}")
        if self.kind not in KINDS:
            raise InputError(f"Channel '{self.name}': kind={self.kind!r}; use one of {KINDS}")
        if isinstance(self.lag, bool) or not isinstance(self.lag, (int, np.integer)):
            raise InputError(f"Channel '{self.name}': lag={self.lag!r} must be an integer (usually 1)")
        if self.weight_by is not None:
            _check_weight_by(self.weight_by, self.name)

    def with_weights(self, weights: Any, name: str | None = None) -> Channel:
        """A copy with other weights (and optionally another name)."""
        return replace(self, weights=weights, name=name or self.name)

    def renamed(self, name: str) -> Channel:
        """A copy under another name."""
        return replace(self, name=name)

    def __repr__(self) -> str:
        wb = ", weight_by=..." if self.weight_by is not None else ""
        return (f"Channel({self.name!r}, weights={getattr(self.weights, 'name', '?')!r}, mechanism={self.mechanism!r}, "
                f"kind={self.kind!r}, lag={self.lag}{wb})")


def _value_column(df: pd.DataFrame) -> str:
    vals = [c for c in df.columns if c not in ("unit", "year", "policy")]
    if len(vals) != 1:
        raise InputError(f"weight_by must have columns unit, year, [policy] and exactly one value column; "
                         f"got {list(df.columns)}")
    return vals[0]


def _check_weight_by(df: Any, name: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"Channel '{name}': weight_by must be a DataFrame (unit, year, [policy], value), "
                         f"got {type(df).__name__}")
    require_columns(df, ["unit", "year"], argument=f"Channel '{name}' weight_by")
    col = _value_column(df)
    keys = ["unit", "year"] + (["policy"] if "policy" in df.columns else [])
    if df.duplicated(keys).any():
        raise DataValidationError(f"Channel '{name}': weight_by has duplicated ({', '.join(keys)}) rows")
    v = pd.to_numeric(df[col], errors="coerce")
    if v.isna().any():
        raise DataValidationError(f"Channel '{name}': weight_by column '{col}' has {int(v.isna().sum())} missing or "
                                  "non-numeric values; use 0 for 'no weight'")


def _as_channels(channels: Any) -> list[Channel]:
    if isinstance(channels, Channel):
        channels = [channels]
    out = list(channels)
    for c in out:
        if not isinstance(c, Channel):
            raise InputError(f"channels must be ds.Channel objects, got {type(c).__name__}: {c!r}")
    names = [c.name for c in out]
    if len(set(names)) != len(names):
        raise InputError(f"channel names must be unique, got {names}")
    if not out:
        raise InputError("channels is empty; pass at least one ds.Channel")
    return out




# the channel list of any tool (one Channel, a list of them); used by design.repeated too
as_channels = _as_channels

def _scaled_weights(ch: Channel, svals: pd.DataFrame, labels: Sequence[str], years: np.ndarray) -> Any:
    """Weights whose year-y matrix is M_y diag(s_y) for every y in ``years``.

    For kind "count" M = binary W (w > 0), "share" M = binary W divided by the row
    degree, "weighted" M = W; the result is used with ds.exposure(kind="weighted").
    Sources without a weight in year y get weight 0.
    """
    from ..weights.core import Weights

    col = _value_column(svals)
    s = svals.assign(unit=svals["unit"].astype(str), year=svals["year"].astype(np.int64))
    idx = pd.Index(labels)
    W = ch.weights
    n = len(labels)
    S = np.zeros((len(years), n))
    yi = pd.Index(years).get_indexer(s["year"])
    ui = idx.get_indexer(s["unit"])
    ok = (yi >= 0) & (ui >= 0)
    S[yi[ok], ui[ok]] = pd.to_numeric(s[col]).to_numpy(dtype=float)[ok]
    base_cache: dict = {}
    mats: dict[int | None, Any] = {}
    for k, y in enumerate(years):
        y = int(y)
        wy = W.year_for(y, ch.missing_years, needed_by=f"channel '{ch.name}'") if W.is_time_varying else None
        if wy not in base_cache:
            if wy is None and W.is_time_varying:
                M = sp.csr_matrix((n, n))
            else:
                M = sp.csr_matrix(W.aligned(labels, year=wy, missing="zero"))
            if ch.kind != "weighted":
                M = M.copy()
                M.data = (M.data > 0).astype(float)
                M.eliminate_zeros()
                if ch.kind == "share":
                    deg = np.asarray(M.sum(axis=1)).ravel()
                    M = sp.diags(np.where(deg > 0, 1.0 / np.where(deg > 0, deg, 1.0), 0.0)) @ M
            base_cache[wy] = sp.csr_matrix(M)
        mats[y] = sp.csr_matrix(base_cache[wy] @ sp.diags(S[k]))
    return Weights(mats, list(labels), name=f"{ch.name}_weighted")


def _channel_exposure(panel: pd.DataFrame, adoptions: pd.DataFrame, ch: Channel) -> pd.Series:
    """The channel's exposure for each row of a monadic panel (policy, unit, year), via ds.exposure."""
    from ..design.exposure import exposure

    if ch.weight_by is None:
        out = exposure(panel, adoptions, ch.weights, lag=int(ch.lag), kind=ch.kind, name=ch.name,
                       missing_years=ch.missing_years, missing_units=ch.missing_units)
        return out[ch.name]
    labels = list(ch.weights.labels)
    extra = sorted(set(panel["unit"].astype(str)) - set(labels))
    labels = labels + extra
    wb = ch.weight_by
    py = panel["year"].to_numpy(dtype=np.int64) - int(ch.lag)
    years = np.arange(py.min(), py.max() + 1) if len(py) else np.array([0])
    if "policy" not in wb.columns:
        Ws = _scaled_weights(ch, wb, labels, years)
        out = exposure(panel, adoptions, Ws, lag=int(ch.lag), kind="weighted", name=ch.name,
                       missing_years=ch.missing_years, missing_units=ch.missing_units)
        return out[ch.name]
    result = pd.Series(0.0, index=panel.index, name=ch.name)
    wb = wb.assign(policy=wb["policy"].astype(str))
    by_policy = dict(tuple(wb.groupby("policy", sort=False)))
    ad_by = dict(tuple(adoptions.assign(policy=adoptions["policy"].astype(str)).groupby("policy", sort=False)))
    for pol, rows in panel.groupby(panel["policy"].astype(str), sort=False):
        svals = by_policy.get(pol)
        ad = ad_by.get(pol)
        if svals is None or ad is None or svals.empty:
            continue  # no source weights (or no adopters) for this policy: exposure 0
        Ws = _scaled_weights(ch, svals.drop(columns="policy"), labels, years)
        e = exposure(rows, ad, Ws, lag=int(ch.lag), kind="weighted", name=ch.name,
                       missing_years=ch.missing_years, missing_units=ch.missing_units)
        result.loc[rows.index] = e[ch.name].to_numpy()
    return result


def _dyad_ties(data: pd.DataFrame, ch: Channel, partner: str) -> tuple[np.ndarray, np.ndarray]:
    """W[unit, partner] at year - lag for each dyad row: (tie indicator, weight)."""
    W = ch.weights
    labels = list(W.labels)
    idx = pd.Index(labels)
    ui = idx.get_indexer(data["unit"].astype(str))
    pj = idx.get_indexer(data[partner].astype(str))
    wy_all = data["year"].to_numpy(dtype=np.int64) - int(ch.lag)
    w = np.zeros(len(data))
    ok = (ui >= 0) & (pj >= 0)
    if W.is_time_varying:
        yrs = np.asarray(W.years)
        # year to use for each row: that year, else latest earlier, else the first
        pos = np.searchsorted(yrs, wy_all, side="right") - 1
        use = yrs[np.clip(pos, 0, len(yrs) - 1)]
        for y in np.unique(use[ok]):
            sel = ok & (use == y)
            M = W.matrix(year=int(y))
            w[sel] = np.asarray(M[ui[sel], pj[sel]]).ravel()
    else:
        M = W.matrix()
        w[ok] = np.asarray(M[ui[ok], pj[ok]]).ravel()
    return (w != 0).astype(np.int8), w


def add_channels(panel: pd.DataFrame, adoptions: pd.DataFrame, channels: Any, *,
                 partner: str | None = "auto", exposure: bool = True) -> pd.DataFrame:
    """Add every channel's exposure to a panel in one call.

    Parameters
    ----------
    panel : DataFrame
        A monadic event-history panel (``policy``, ``unit``, ``year``; from
        :func:`ds.event_history`) or a directed-dyad panel (also ``partner``; from
        :func:`ds.dyads`).
    adoptions : DataFrame
        The adoptions (``unit``, ``policy``, ``year``) the exposures are built from.
    channels : Channel or list of Channel
    partner : str, None or "auto"
        Partner column of a dyadic panel (``"auto"``: ``"partner"`` if present).
    exposure : bool
        For dyadic panels, also add the unit's monadic exposure (column ``<name>``).

    Returns
    -------
    DataFrame
        A copy of ``panel`` with, for each channel, a column ``<name>`` (exposure), and
        for dyadic panels ``<name>_tie`` (int8: W[unit, partner] != 0 at year - lag) and
        ``<name>_w`` (the weight W[unit, partner]). The panel's accounting is kept
        (``df.accounting``) and ``df.reports.channels`` maps channel names to mechanisms.

    Examples
    --------
    >>> import diffusion_stats as ds, pandas as pd
    >>> adopt = pd.DataFrame({"unit": ["NH", "VT", "MA"], "policy": ["x", "x", "x"],
    ...                       "year": [2000, 2001, 2003]})
    >>> panel = ds.event_history(adopt, units=["NH", "VT", "MA", "ME"])
    >>> W = ds.Weights.us_borders().subset(["NH", "VT", "MA", "ME"])
    >>> out = ds.add_channels(panel, adopt, [ds.Channel("border", W)])
    >>> "border" in out.columns
    True
    """
    chans = _as_channels(channels)
    if not isinstance(panel, pd.DataFrame):
        raise InputError(f"panel must be a DataFrame (from ds.event_history or ds.dyads), got {type(panel).__name__}")
    require_columns(panel, ["policy", "unit", "year"], argument="panel")
    if not isinstance(adoptions, pd.DataFrame):
        raise InputError(f"adoptions must be a DataFrame with unit, policy, year; got {type(adoptions).__name__}")
    require_columns(adoptions, ["unit", "policy", "year"], argument="adoptions")
    if partner == "auto":
        partner = "partner" if "partner" in panel.columns else None
    elif partner is not None and partner not in panel.columns:
        hint = did_you_mean(partner, panel.columns)
        raise ColumnNotFoundError(f"partner column '{partner}' not found in panel{hint}")
    clash = [c.name for c in chans if c.name in panel.columns]
    if clash:
        raise InputError(f"panel already has column(s) {clash}; rename the channel(s) (Channel.renamed) or drop "
                         "the columns first")
    out = panel.copy()
    if partner is None:
        for ch in chans:
            out[ch.name] = _channel_exposure(panel, adoptions, ch).to_numpy(dtype=float)
    else:
        keys = ["policy", "unit", "year"]
        mono = panel[keys].drop_duplicates().reset_index(drop=True)
        if exposure:
            for ch in chans:
                mono[ch.name] = _channel_exposure(mono, adoptions, ch).to_numpy(dtype=float)
            merged = out[keys].merge(mono, on=keys, how="left", validate="many_to_one")
            for ch in chans:
                out[ch.name] = merged[ch.name].to_numpy()
        for ch in chans:
            tie, w = _dyad_ties(panel, ch, partner)
            out[f"{ch.name}_tie"] = tie
            out[f"{ch.name}_w"] = w
    return design_frame(out, derived_accounting(out, "add_channels", len(out)),
                        channels={c.name: c.mechanism for c in chans})
