"""Plots of estimates: forest, identification check, weight sensitivity, Schoenfeld residuals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.errors import ColumnNotFoundError, InputError, did_you_mean, require_columns
from ._plot_base import (
    _EST_NAMES,
    _PALETTE,
    _as_frame,
    _get_ax,
    _interval_table,
    _log_x,
    _pick,
    _style,
    _to_table,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["forest", "identification", "weight_sensitivity", "schoenfeld"]

# --------------------------------------------------------------------------------------
# forest plot
# --------------------------------------------------------------------------------------
def forest(results: Any, terms: Sequence[str] | Mapping[str, str] | None = None, *, exponentiate: bool = False,
           alpha: float = 0.05, by: str | None = None, title: str | None = "Channel effects",
           ax: Axes | None = None) -> Axes:
    """Forest plot: estimates with confidence intervals, one row per term.

    Parameters
    ----------
    results : Results, horse-race result, DataFrame, or dict name -> any of these
        A fitted model; a ``ds.horse_race`` result (its effects table; terms are
        labelled with their mechanism); a table indexed by term with an estimate column
        (estimate / coef) and interval (lower / upper) or standard-error columns; or
        several of these, drawn side by side in colours (e.g. a ``galton_check``'s
        ``{"without shocks": g.without, "with shocks": g.with_shocks}``).
    terms : list or dict, optional
        Terms to show, top to bottom (a dict also relabels them). Default: every term
        except the intercept.
    exponentiate : bool, default False
        Show exp(estimate) on a log axis (hazard / odds ratios); reference line at 1.
    alpha : float, default 0.05
        Interval level when intervals are computed from standard errors.
    by : str, optional
        For one long table: column that splits it into models (e.g. "model").
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"estimate": [0.5, 0.2], "std_error": [0.1, 0.15]}, index=["border", "learning"])
    >>> ax = forest(t)
    """
    if isinstance(results, Mapping):
        tables = {str(k): _interval_table(v, alpha, f"results[{k!r}]") for k, v in results.items()}
    elif by is not None:
        df = _as_frame(results, "results")
        require_columns(df, [by], argument="results")
        if "term" in df.columns:
            df = df.set_index("term")
        tables = {str(k): _interval_table(g.drop(columns=[by]), alpha, "results")
                  for k, g in df.groupby(by, sort=False)}
    else:
        if isinstance(results, pd.DataFrame) and "term" in results.columns:
            results = results.set_index("term")
        tables = {"": _interval_table(results, alpha, "results")}
    if not tables:
        raise InputError("forest: nothing to plot (no results given)")
    all_terms: list[str] = []
    mech: dict[str, str] = {}
    for t in tables.values():
        all_terms += [str(x) for x in t.index if str(x) not in all_terms]
        if "mechanism" in t.columns:
            mech.update({str(k): v for k, v in t["mechanism"].items() if v and v not in ("nan", "other")})
    labels: dict[str, str] = {t: f"{t} ({m})" for t, m in mech.items()}
    if terms is None:
        order = [t for t in all_terms if t not in ("Intercept", "const", "(Intercept)")]
    else:
        if isinstance(terms, Mapping):
            labels = {str(k): str(v) for k, v in terms.items()}
            order = list(labels)
        else:
            order = [str(t) for t in terms]
        miss = [t for t in order if t not in all_terms]
        if miss:
            raise InputError(f"forest: terms {miss} not found; terms are {all_terms}")
    if not order:
        raise InputError("forest: no terms to plot")
    ax = _get_ax(ax, figsize=(6.4, max(2.4, 0.55 * len(order) * max(1, len(tables) ** 0.5) + 1.2)))
    k = len(tables)
    offsets = np.linspace(0.18, -0.18, k) if k > 1 else np.zeros(1)  # first model on top
    ypos = np.arange(len(order))[::-1].astype(float)
    for (name, t), off, col in zip(tables.items(), offsets, _PALETTE, strict=False):
        t = t.reindex(order)
        est, lo, hi = t["estimate"].to_numpy(float), t["lower"].to_numpy(float), t["upper"].to_numpy(float)
        if exponentiate:
            est, lo, hi = np.exp(est), np.exp(lo), np.exp(hi)
        y = ypos + off
        ax.hlines(y, lo, hi, color=col, lw=2, zorder=3)
        ax.plot(est, y, "o", color=col, ms=7, mec="white", zorder=4, label=name or None)
    ref = 1.0 if exponentiate else 0.0
    ax.axvline(ref, color="#555555", lw=1, ls="--", zorder=1)
    if exponentiate:
        _log_x(ax)
    ax.set_yticks(ypos)
    ax.set_yticklabels([labels.get(t, t) for t in order])
    ax.set_ylim(-0.7, len(order) - 0.3)
    ax.set_xlabel(("Hazard / odds ratio" if exponentiate else "Estimate") + f" with {100 * (1 - alpha):g}% interval")
    if title:
        ax.set_title(title)
    if k > 1:
        ax.legend(frameon=False, fontsize="small", loc="best")
    _style(ax)
    ax.grid(axis="y", visible=False)
    return ax


# --------------------------------------------------------------------------------------
# identification check
# --------------------------------------------------------------------------------------
def identification(check: Any, *, kind: str = "recovery", ax: Axes | None = None,
                   title: str | None = None) -> Axes:
    """Identification check: recovered estimates against the truth, by channel.

    Parameters
    ----------
    check : result of ``ds.identification_check`` or DataFrame
        A table indexed by channel (or with a ``channel``/``term`` column) holding the
        true value (``true``/``truth``), the mean recovered estimate (``estimate``/
        ``mean``) and an interval of the recovered estimates (``lower``/``upper``, e.g.
        the 2.5-97.5 percentiles across simulations). Objects with ``to_frame()`` or a
        ``table`` attribute are converted first.
    kind : {"recovery", "confusion"}, default "recovery"
        "recovery": true value vs recovered estimates per term; "confusion": heat map
        of ``check.confusion`` (rows: the mechanism that truly drives adoption; cells:
        share of simulations in which each channel comes out significant).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"true": [1.0, 0.0], "estimate": [0.9, 0.1], "lower": [0.5, -0.3],
    ...                   "upper": [1.3, 0.5]}, index=["border", "learning"])
    >>> ax = identification(t)
    """
    if kind == "confusion":
        return _confusion(check, ax=ax, title=title)
    if kind != "recovery":
        raise InputError(f"kind={kind!r}; use 'recovery' or 'confusion'")
    tab = _to_table(check, "check")
    for col in ("channel", "term"):
        if col in tab.columns:
            tab = tab.set_index(col)
            break
    true_col = _pick(tab, ("true", "truth", "true_value", "beta_true"))
    if true_col is None:
        raise ColumnNotFoundError(f"check: no column with the true values (true/truth); columns are "
                                  f"{list(tab.columns)}")
    if _pick(tab, _EST_NAMES) is None:
        failed = getattr(check, "n_failed", None)
        raise InputError("identification: the check holds no recovered estimates"
                         + (f" ({failed} simulation fits failed; see its .notes)" if failed else "")
                         + f"; columns are {list(tab.columns)}")
    t = _interval_table(tab.drop(columns=[true_col]), 0.05, "check")
    truth = tab[true_col].astype(float)
    order = list(map(str, t.index))
    ypos = np.arange(len(order))[::-1].astype(float)
    ax = _get_ax(ax, figsize=(6.4, max(2.4, 0.6 * len(order) + 1.2)))
    ax.hlines(ypos, t["lower"], t["upper"], color="#1f77b4", lw=2.5, zorder=3,
              label="recovered: middle 95% of simulations")
    ax.plot(t["estimate"], ypos, "o", color="#1f77b4", ms=7, mec="white", zorder=4, label="recovered: mean")
    ax.plot(truth, ypos, "D", color="#d62728", ms=7, mfc="none", mew=1.8, zorder=5, label="true value")
    ax.set_yticks(ypos)
    ax.set_yticklabels(order)
    ax.set_ylim(-0.7, len(order) - 0.3)
    ax.set_xlabel("Estimate")
    ax.set_title(title or "Identification check: true vs recovered")
    ax.legend(frameon=False, fontsize="small", loc="best")
    _style(ax)
    ax.grid(axis="y", visible=False)
    return ax


def _confusion(check: Any, *, ax: Axes | None, title: str | None) -> Axes:
    conf = check if isinstance(check, pd.DataFrame) else getattr(check, "confusion", None)
    if not isinstance(conf, pd.DataFrame) or conf.empty:
        raise InputError("identification(kind='confusion'): the check has no confusion table; run "
                         "ds.identification_check(..., confusion=True)")
    vals = conf.to_numpy(float)
    ax = _get_ax(ax, figsize=(1.3 * conf.shape[1] + 3.0, 0.6 * conf.shape[0] + 1.8))
    im = ax.imshow(vals, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            v = vals[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=9,
                        color="white" if v > 0.6 else "black")
    ax.set_xticks(range(conf.shape[1]))
    ax.set_xticklabels(list(map(str, conf.columns)))
    ax.set_yticks(range(conf.shape[0]))
    ax.set_yticklabels(list(map(str, conf.index)))
    ax.set_xlabel("Channel found significant (share of simulations)")
    ax.set_ylabel("True driver")
    ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
    ax.set_title(title or "Identification check: attribution")
    return ax


# --------------------------------------------------------------------------------------
# weight sensitivity
# --------------------------------------------------------------------------------------
def weight_sensitivity(table: Any, term: str | None = None, *, exponentiate: bool = False,
                       reference: str | None = None, standardized: bool = False, ax: Axes | None = None) -> Axes:
    """Estimates of one term across alternative weight matrices, with intervals.

    Parameters
    ----------
    table : result of ``ds.weight_sensitivity``, DataFrame, or dict name -> Results
        Rows indexed by weight-matrix name (or a ``weights`` column) with estimate and
        interval (or standard-error) columns; a ``term`` column selects ``term``. A dict
        of fitted models is read at ``term``.
    term : str, optional
        The term to show (needed when the table holds several).
    exponentiate : bool, default False
        Show exp(estimate) on a log axis.
    reference : str, optional
        Weight matrix of the main specification, drawn in red; the grey band spans the
        range of the other point estimates. Default: the result's ``reference``.
    standardized : bool, default False
        Plot the effect of a one-standard-deviation change in exposure (estimate and
        interval times ``exposure_sd``), comparable across differently scaled matrices.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"estimate": [0.8, 0.6, 0.9], "std_error": [0.2, 0.25, 0.3]},
    ...                  index=["rook", "queen", "distance"])
    >>> ax = weight_sensitivity(t, reference="rook")
    """
    if reference is None and isinstance(getattr(table, "reference", None), str):
        reference = table.reference
    sd = None
    if isinstance(table, Mapping):
        if standardized:
            raise InputError("weight_sensitivity: standardized=True needs a ds.weight_sensitivity result "
                             "(with exposure_sd)")
        if term is None:
            raise InputError("weight_sensitivity: with a dict of models, name the term (term='exposure')")
        rows = {}
        for k, res in table.items():
            t = _interval_table(res, 0.05, f"table[{k!r}]")
            if term not in t.index:
                raise InputError(f"term '{term}' not in model '{k}'{did_you_mean(term, map(str, t.index))}")
            rows[str(k)] = t.loc[term]
        tab = pd.DataFrame(rows).T
    else:
        tab = _to_table(table, "table")
        if "term" in tab.columns:
            terms = list(pd.unique(tab["term"].astype(str)))
            if term is None:
                if len(terms) > 1:
                    raise InputError(f"weight_sensitivity: table holds terms {terms}; choose one with term=")
                term = terms[0]
            if term not in terms:
                raise InputError(f"term '{term}' not in table{did_you_mean(term, terms)}; terms are {terms}")
            tab = tab[tab["term"].astype(str) == term].drop(columns=["term"])
        for col in ("weights", "W", "matrix", "name"):
            if col in tab.columns:
                tab = tab.set_index(col)
                break
        if standardized:
            if "exposure_sd" not in tab.columns:
                raise ColumnNotFoundError("weight_sensitivity: standardized=True needs an 'exposure_sd' column; "
                                          f"columns are {list(tab.columns)}")
            sd = tab["exposure_sd"].to_numpy(float)
        tab = _interval_table(tab, 0.05, "table")
    est, lo, hi = (tab[c].to_numpy(float) for c in ("estimate", "lower", "upper"))
    if sd is not None:
        est, lo, hi = est * sd, lo * sd, hi * sd
    if exponentiate:
        est, lo, hi = np.exp(est), np.exp(lo), np.exp(hi)
    names = list(map(str, tab.index))
    if reference is not None and reference not in names:
        raise InputError(f"reference '{reference}' is not one of the weight matrices {names}")
    ypos = np.arange(len(names))[::-1].astype(float)
    ax = _get_ax(ax, figsize=(6.4, max(2.4, 0.5 * len(names) + 1.3)))
    others = [i for i, n in enumerate(names) if n != reference]
    if len(names) > 1:
        sel = est[others] if reference is not None and others else est
        ax.axvspan(np.nanmin(sel), np.nanmax(sel), color="#dddddd", alpha=0.6, zorder=1,
                   label="range of point estimates")
    colors = ["#d62728" if n == reference else "#1f77b4" for n in names]
    ax.hlines(ypos, lo, hi, color=colors, lw=2, zorder=3)
    ax.scatter(est, ypos, color=colors, s=45, edgecolor="white", zorder=4)
    ref = 1.0 if exponentiate else 0.0
    ax.axvline(ref, color="#555555", lw=1, ls="--", zorder=2)
    if exponentiate:
        _log_x(ax)
    ax.set_yticks(ypos)
    ax.set_yticklabels([f"{n} (main)" if n == reference else n for n in names])
    ax.set_ylim(-0.7, len(names) - 0.3)
    what = "Hazard / odds ratio" if exponentiate else "Estimate"
    if sd is not None:
        what += " per SD of exposure"
    ax.set_xlabel(what + " with 95% interval")
    ax.set_title(f"Sensitivity to the weight matrix{': ' + term if term else ''}")
    if len(names) > 1:
        ax.legend(frameon=False, fontsize="small", loc="best")
    _style(ax)
    ax.grid(axis="y", visible=False)
    return ax


# --------------------------------------------------------------------------------------
# Schoenfeld residuals
# --------------------------------------------------------------------------------------
def _schoenfeld_frame(results: Any) -> tuple[pd.DataFrame, bool]:
    """Residual table and whether it is already scaled (beta(t) around the coefficient)."""
    if isinstance(results, pd.DataFrame):
        return results, False
    res_fn = getattr(results, "residuals", None)
    if callable(res_fn):
        try:
            return res_fn("scaled_schoenfeld"), True
        except (TypeError, ValueError, KeyError):
            pass
        try:
            raw = res_fn("schoenfeld")
        except (TypeError, ValueError, KeyError):
            raw = None
        if isinstance(raw, pd.DataFrame):
            return _scale_schoenfeld(results, raw), True
    raise InputError(f"schoenfeld: {type(results).__name__} has no Schoenfeld residuals; pass a Cox model's "
                     "results (with .residuals('schoenfeld')) or a DataFrame of residuals indexed by event time")


def _scale_schoenfeld(results: Any, raw: pd.DataFrame) -> pd.DataFrame:
    """Grambsch & Therneau (1994) scaled residuals: beta + d * V r_k (V: model-based variance)."""
    params = results.params
    terms = [t for t in params.index if t in raw.columns]
    if not terms:
        return raw
    V = getattr(results, "naive_cov", None)
    V = results.cov if V is None else V
    V = V.loc[terms, terms].to_numpy(float)
    r = raw[terms].to_numpy(float)
    d = len(raw)
    out = raw.copy()
    out[terms] = params[terms].to_numpy(float) + d * r @ V
    return out


def _lowess(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from statsmodels.nonparametric.smoothers_lowess import lowess

    fit = lowess(y, x, frac=2 / 3, it=3, return_sorted=True)
    return fit[:, 0], fit[:, 1]


_HEXBIN_ABOVE = 2000  # schoenfeld: more residuals than this are drawn as a hexbin density


def schoenfeld(results: Any, term: str | None = None, *, time: str | None = None, ax: Axes | None = None) -> Axes:
    """Scaled Schoenfeld residuals of a Cox model against event time, with a lowess curve.

    Under proportional hazards the scaled residuals (beta + d V r_k, Grambsch & Therneau
    1994, with d events and V the model-based variance) scatter flat around the
    coefficient, as in R's ``plot(cox.zph(fit))``; a trend says the effect changes over
    time. A DataFrame is plotted as given (reference line at 0). More than 2,000
    residuals are drawn as a hexagonal-bin density (log counts) instead of points.

    Parameters
    ----------
    results : Cox Results or DataFrame
        Results with ``residuals("schoenfeld")`` (scaled here) or a DataFrame with one
        column per term, indexed by event time (or with a
        ``time``/``stop`` column).
    term : str, optional
        Term to plot (default: the first).
    time : str, optional
        Column with event times when they are not the index.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.DataFrame({"x": np.sin(np.arange(30))}, index=pd.Index(np.arange(30.), name="time"))
    >>> ax = schoenfeld(r)
    """
    df, scaled = _schoenfeld_frame(results)
    df = df.copy()
    tcol = time or next((c for c in ("time", "stop", "event_time") if c in df.columns), None)
    if tcol is not None:
        require_columns(df, [tcol], argument="residuals")
        t = df.pop(tcol).to_numpy(float)
    else:
        t = np.asarray(df.index, dtype=float)
    df = df.select_dtypes("number")
    if df.shape[1] == 0:
        raise InputError("schoenfeld: the residual table has no numeric term columns")
    if term is None:
        term = str(df.columns[0])
    if term not in df.columns:
        raise InputError(f"term '{term}' has no residuals{did_you_mean(term, map(str, df.columns))}; "
                         f"terms are {list(map(str, df.columns))}")
    y = df[term].to_numpy(float)
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    ax = _get_ax(ax)
    if len(t) > _HEXBIN_ABOVE:  # thousands of events: a density, not an overplotted blob
        ax.hexbin(t, y, gridsize=(45, 30), mincnt=1, cmap="Blues", bins="log", linewidths=0, zorder=2)
        ax.plot([], [], "h", color="#6baed6", label=f"residuals ({len(t):,}; density, log scale)")
    else:
        ax.scatter(t, y, s=10, color="#1f77b4", alpha=0.35, edgecolor="none", zorder=2, label="residual")
    if len(t) >= 5 and np.ptp(t) > 0:
        xs, ys = _lowess(t, y)
        ax.plot(xs, ys, color="#d62728", lw=2, zorder=3, label="lowess")
    if scaled and hasattr(results, "params") and term in results.params.index:
        coef = float(results.params[term])
        ax.axhline(coef, color="#555555", lw=1, ls="--", zorder=1, label=f"coefficient ({coef:.3g})")
        ax.set_ylabel(f"Beta(t) for {term} (scaled Schoenfeld)")
    else:
        ax.axhline(0, color="#555555", lw=1, ls="--", zorder=1)
        ax.set_ylabel(f"Schoenfeld residual: {term}")
    ax.set_xlabel("Event time")
    ax.set_title(f"Proportional-hazards check: {term}")
    ax.legend(frameon=False, fontsize="small", loc="best")
    _style(ax)
    return ax
