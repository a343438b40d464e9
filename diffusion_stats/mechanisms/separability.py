"""Can these data tell the channels apart? Correlations, VIFs, condition number, verdict.

A neighbour share can stand for learning, competition or emulation at once: when two
channels' exposures move together, their separate coefficients are not identified in
practice, whatever the estimator reports. This module measures that before anyone reads
a horse race.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataValidationError, InputError, require_columns
from ..output.summary import Summary, format_number

__all__ = ["separability", "SeparabilityResult"]


@dataclass(frozen=True, eq=False)
class SeparabilityResult:
    """Collinearity diagnostics of channel exposures and a plain-language verdict.

    Attributes
    ----------
    correlations : DataFrame
        Pearson correlations of the exposures over the rows used (within groups if
        ``within`` was given).
    raw_correlations : DataFrame
        The same without removing group means.
    vif : Series
        Variance inflation factors (diagonal of the inverse correlation matrix).
    condition_number : float
        sqrt(largest / smallest eigenvalue) of the correlation matrix (Belsley's scaled
        condition number; > 30 signals harmful collinearity).
    flagged : DataFrame
        Pairs that cannot be told apart (columns a, b, r, reason).
    separable : bool
        True when no pair was flagged and the thresholds hold.
    verdict : str
        Plain-language conclusion.
    """

    correlations: pd.DataFrame
    raw_correlations: pd.DataFrame
    vif: pd.Series
    condition_number: float
    flagged: pd.DataFrame
    separable: bool
    verdict: str
    within: tuple[str, ...] = ()
    nobs: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> Summary:
        header = [("Rows", format_number(self.nobs)),
                  ("Variation", "within " + " x ".join(self.within) if self.within else "overall"),
                  ("Condition number", format_number(self.condition_number)),
                  ("Separable", "yes" if self.separable else "no")]
        table = self.correlations.copy()
        table["VIF"] = self.vif
        return Summary(title="Channel separability", header=header, tables=[("Correlations and VIFs", table)],
                       notes=[self.verdict])

    def __str__(self) -> str:
        return str(self.summary())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _names(channels: Any) -> list[str]:
    out: list[str] = []
    for c in channels:
        name = c if isinstance(c, str) else getattr(c, "name", None)
        if name is None:
            raise InputError(f"channels must be column names or ds.Channel objects; got {c!r}")
        out.append(name)
    return out


def _demean(X: np.ndarray, data: pd.DataFrame, within: Sequence[str]) -> np.ndarray:
    codes = data.groupby(list(within), sort=False, observed=True).ngroup().to_numpy()
    g = int(codes.max()) + 1
    cnt = np.bincount(codes, minlength=g).astype(float)
    out = np.empty_like(X)
    for j in range(X.shape[1]):
        mean = np.bincount(codes, weights=X[:, j], minlength=g) / cnt
        out[:, j] = X[:, j] - mean[codes]
    return out


def _corr(X: np.ndarray) -> np.ndarray:
    Xc = X - X.mean(axis=0)
    sd = np.sqrt((Xc**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = (Xc.T @ Xc) / np.outer(sd, sd)
    return R


def separability(data: pd.DataFrame, channels: Sequence[Any], *, within: Sequence[str] | str | None = "auto",
                 max_corr: float = 0.9, max_vif: float = 10.0, max_condition: float = 30.0,
                 at_risk_only: bool = True) -> SeparabilityResult:
    """Diagnose whether channel exposures can be told apart in these data.

    Parameters
    ----------
    data : DataFrame
        The panel with one column per channel (e.g. from :func:`ds.add_channels`).
    channels : list of str or Channel
        The channel columns to compare (at least two). A moderated term ``"a:b"`` not in
        ``data`` is the product of columns ``a`` and ``b`` (uncentred products correlate
        with their parts by construction: centre the moderator first).
    within : list of str, str, None or "auto"
        Remove group means first, so the diagnostics measure the variation an estimator
        actually uses: a Cox model stratified by policy compares units within each
        (policy, year) risk set, a logit with year effects within years. ``"auto"`` uses
        ``("policy", "year")`` when both columns exist, else no grouping.
    max_corr, max_vif, max_condition : float
        Thresholds: ``|r|`` above ``max_corr`` flags a pair; a VIF above ``max_vif`` or a
        condition number above ``max_condition`` makes the set non-separable.
    at_risk_only : bool
        Use only rows of a panel (all rows of a risk-set panel are at risk; the option is
        kept for panels carrying post-adoption rows with a column ``at_risk``).

    Returns
    -------
    SeparabilityResult

    Examples
    --------
    >>> import numpy as np, pandas as pd, diffusion_stats as ds
    >>> rng = np.random.default_rng(0)
    >>> a = rng.random(500)
    >>> df = pd.DataFrame({"a": a, "b": a + rng.normal(0, 0.01, 500), "c": rng.random(500)})
    >>> res = ds.separability(df, ["a", "b", "c"], within=None)
    >>> res.separable
    False
    >>> list(res.flagged[["a", "b"]].iloc[0])
    ['a', 'b']
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data must be a pandas DataFrame (a panel with channel columns), got {type(data).__name__}")
    names = _names(channels)
    if len(names) < 2:
        raise InputError(f"separability needs at least two channels, got {names}")
    if len(set(names)) != len(names):
        raise InputError(f"channels are listed more than once: {names}")
    from .resistance import product_columns

    cols = product_columns(data, names)  # a moderated term 'a:b' is the product of its columns
    if within == "auto":
        within_t: tuple[str, ...] = ("policy", "year") if {"policy", "year"} <= set(data.columns) else ()
    elif within is None:
        within_t = ()
    else:
        within_t = (within,) if isinstance(within, str) else tuple(within)
        require_columns(data, within_t, argument="data (within=)")
    d = data
    X = cols.to_numpy(dtype=float)
    if at_risk_only and "at_risk" in d.columns:
        X = X[d["at_risk"].astype(bool).to_numpy()]
        d = d.loc[d["at_risk"].astype(bool)]
    nan = np.isnan(X)
    if nan.any():
        per = {n: int(c) for n, c in zip(names, nan.sum(axis=0), strict=False) if c}
        raise DataValidationError(f"channel exposures have missing values {per}; fill or drop those rows first")
    if len(X) < len(names) + 2:
        raise InputError(f"too few rows ({len(X)}) for {len(names)} channels")
    raw = _corr(X)
    Xw = _demean(X, d, within_t) if within_t else X
    sd = Xw.std(axis=0)
    const = [n for n, s in zip(names, sd, strict=False) if not s > 1e-12 * max(1.0, np.abs(X).max())]
    R = _corr(Xw)
    flagged_rows = []
    if const:
        where = "within " + " x ".join(within_t) if within_t else "across rows"
        for c in const:
            flagged_rows.append({"a": c, "b": "", "r": np.nan,
                                 "reason": f"'{c}' does not vary {where}: its effect is not identified"})
        keep = [i for i, n in enumerate(names) if n not in const]
    else:
        keep = list(range(len(names)))
    Rk = R[np.ix_(keep, keep)]
    kn = [names[i] for i in keep]
    if len(keep) >= 2:
        eig = np.linalg.eigvalsh(Rk)
        cond = float(np.sqrt(eig.max() / max(eig.min(), 1e-300))) if eig.min() > 0 else float("inf")
        try:
            vif_k = np.diag(np.linalg.inv(Rk)) if np.isfinite(cond) and cond < 1e8 else np.full(len(keep), np.inf)
        except np.linalg.LinAlgError:
            vif_k = np.full(len(keep), np.inf)
    else:
        cond = 1.0 if keep else float("inf")
        vif_k = np.ones(len(keep))
    vif = pd.Series(np.inf, index=names, name="VIF")
    vif.iloc[keep] = vif_k
    for a_i in range(len(kn)):
        for b_i in range(a_i + 1, len(kn)):
            r = Rk[a_i, b_i]
            if abs(r) >= max_corr:
                flagged_rows.append({"a": kn[a_i], "b": kn[b_i], "r": float(r),
                                     "reason": f"|r| = {abs(r):.3f} >= {max_corr}"})
    flagged = pd.DataFrame(flagged_rows, columns=["a", "b", "r", "reason"])
    high_vif = [n for n in names if vif[n] > max_vif]
    separable = flagged.empty and not high_vif and cond <= max_condition
    where = f" (within {' x '.join(within_t)} groups)" if within_t else ""
    off = np.abs(Rk - np.eye(len(kn)))[np.triu_indices(len(kn), 1)] if len(kn) >= 2 else np.array([0.0])
    if separable:
        verdict = (f"The {len(names)} channels are separable in these data{where}: largest |r| = "
                   f"{off.max():.2f}, largest VIF = {vif.max():.2f}, condition number = {cond:.1f}. "
                   "A horse race can attribute effects to each channel (identification_check tells "
                   "you with what power).")
    else:
        parts = []
        for row in flagged.itertuples():
            if row.b:
                parts.append(f"'{row.a}' and '{row.b}' cannot be told apart (r = {row.r:.3f}{where})")
            else:
                parts.append(row.reason)
        pair_members = set(flagged["a"]) | set(flagged["b"])
        only_vif = [n for n in high_vif if n not in pair_members]
        if only_vif:
            parts.append("VIF above " f"{max_vif:g} for " + ", ".join(f"'{n}' ({vif[n]:.1f})" for n in only_vif)
                         + ": a combination of the other channels nearly reproduces it")
        if cond > max_condition and not parts:
            parts.append(f"condition number {cond:.1f} > {max_condition:g}")
        verdict = ("Not separable: " + "; ".join(parts) + ". Their separate coefficients are not "
                   "identified in practice; combine them into one channel, drop one, or use data "
                   "(years, units, weights) in which they diverge. Do not read the horse race as "
                   "evidence for one mechanism over the other.")
    corr_df = pd.DataFrame(R, index=names, columns=names)
    return SeparabilityResult(correlations=corr_df, raw_correlations=pd.DataFrame(raw, index=names, columns=names),
                              vif=vif, condition_number=cond, flagged=flagged, separable=bool(separable),
                              verdict=verdict, within=within_t, nobs=int(len(X)),
                              details={"constant": const, "high_vif": high_vif})
