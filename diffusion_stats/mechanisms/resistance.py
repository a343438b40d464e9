"""Resistance: a channel's effect conditional on moderators (capability, regime, sovereignty).

States resist international norms in the name of sovereignty: strong or autocratic
states may respond less to their peers' and organizations' adoptions. With the channel
interacted with moderators in the formula (``event ~ coe * cinc + coe:sovereignty``),
the effect of the channel at moderator values ``z`` is the linear combination

    b_channel + sum_k b_(channel:m_k) * z_k

of its main effect and interaction coefficients, with the delta-method standard error
``sqrt(L V L')`` from the fitted covariance ``V`` (classical, robust or clustered, as
fitted). :func:`conditional_effect` computes it; :func:`channel_terms` lists the terms
that contain a channel (used by ``horse_race`` and ``separability`` for moderated
channels).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import InputError, did_you_mean

__all__ = ["conditional_effect", "channel_terms"]


def _parts(term: str) -> list[str]:
    return [p.strip() for p in str(term).split(":")]


def channel_terms(names: Sequence[str], channel: str) -> list[str]:
    """Terms among ``names`` that contain ``channel`` (main effect first, then interactions).

    Examples
    --------
    >>> channel_terms(["Intercept", "coe", "cinc", "coe:cinc", "cinc:polity"], "coe")
    ['coe', 'coe:cinc']
    """
    return [t for t in names if channel in _parts(t)]


def conditional_effect(results: Any, channel: Any, at: Mapping[str, Any] | None = None, *,
                       alpha: float = 0.05) -> pd.DataFrame:
    """Effect of a channel at given moderator values, with delta-method standard errors.

    Parameters
    ----------
    results : Results
        A fitted model whose formula interacts the channel with moderators (e.g.
        ``event ~ coe * cinc + coe:sovereignty``); any estimator with ``params`` and
        ``cov``.
    channel : str or Channel
        The channel term (its main effect, which may be absent from the formula).
    at : dict, optional
        Moderator values: ``{"cinc": 0.01, "sovereignty": [0, 1]}``. Lists give a grid
        (every combination). Every moderator interacted with the channel must be given;
        moderators not interacted with it are ignored (they do not change its effect).
        A moderator term is named as in the fitted parameters (e.g. ``"polity"``, or
        ``"C(regime)[T.autocracy]"`` with value 0 or 1).
    alpha : float
        Level of the confidence intervals.

    Returns
    -------
    DataFrame
        One row per moderator profile: the moderator values, ``estimate``, ``std_error``,
        ``z``, ``pvalue``, ``lower``, ``upper`` (and ``exp_estimate``, the hazard or odds
        ratio, for Cox and logit/cloglog models). ``attrs["terms"]`` lists the
        coefficients combined and ``attrs["L"]`` their weights (a tuple per profile, in
        the order of ``terms``).

    Notes
    -----
    The main-effect coefficient alone is the effect at every moderator = 0, which may be
    far outside the data (CINC = 0, a sovereignty index of 0): read effects at values
    that occur. The standard error uses the covariance the model was fitted with.

    Examples
    --------
    >>> import numpy as np, pandas as pd, diffusion_stats as ds
    >>> rng = np.random.default_rng(1)
    >>> n = 20000
    >>> df = pd.DataFrame({"x": rng.random(n), "m": rng.integers(0, 2, n)})
    >>> df["event"] = (rng.random(n) < 1 / (1 + np.exp(1 - 2 * df.x + 2 * df.x * df.m))).astype(int)
    >>> res = ds.EventLogit("event ~ x * m", df).fit()
    >>> ce = conditional_effect(res, "x", at={"m": [0, 1]})      # b_x + b_(x:m) * m
    >>> ce[["m", "estimate"]].round(0).values.tolist()
    [[0.0, 2.0], [1.0, 0.0]]
    """
    name = channel if isinstance(channel, str) else getattr(channel, "name", None)
    if not isinstance(name, str):
        raise InputError(f"channel={channel!r}: give the channel's term name or the ds.Channel")
    params = getattr(results, "params", None)
    cov = getattr(results, "cov", None)
    if not isinstance(params, pd.Series) or cov is None:
        raise InputError(f"results must be fitted results with params and cov, got {type(results).__name__}")
    names = [str(n) for n in params.index]
    terms = channel_terms(names, name)
    if not terms:
        raise InputError(f"channel '{name}' is not a term of the model{did_you_mean(name, names)}; terms are "
                         f"{names}")
    at = dict(at or {})
    needed = sorted({p for t in terms for p in _parts(t) if p != name})
    missing = [m for m in needed if m not in at]
    if missing:
        raise InputError(f"at= lacks moderator(s) {missing} interacted with '{name}' (terms {terms}); give their "
                         f"values, e.g. at={{{', '.join(repr(m) + ': 0' for m in missing)}}}")
    known = {p for n in names for p in _parts(n)}
    unknown = [k for k in at if k not in known]
    if unknown:
        raise InputError(f"at= gives {unknown}, not a term of the model{did_you_mean(str(unknown[0]), known)}; "
                         f"the moderators of '{name}' are {needed or 'none'}")
    grid_vals = []
    for m in needed:
        v = at[m]
        arr = np.atleast_1d(np.asarray(v, dtype=object))
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise InputError(f"at['{m}']={v!r}: give numbers (0/1 for a dummy or a category's indicator)") from None
        if not np.isfinite(arr).all():
            raise InputError(f"at['{m}']={v!r}: values must be finite")
        grid_vals.append(arr)
    profiles = list(itertools.product(*grid_vals)) if needed else [()]
    P = np.array(profiles, dtype=float).reshape(len(profiles), len(needed))
    pos = {m: k for k, m in enumerate(needed)}
    L = np.zeros((len(profiles), len(names)))
    for t in terms:
        j = names.index(t)
        w = np.ones(len(profiles))
        for p in _parts(t):
            if p != name:
                w = w * P[:, pos[p]]
        L[:, j] += w
    b = params.to_numpy(dtype=float)
    V = cov.to_numpy(dtype=float) if hasattr(cov, "to_numpy") else np.asarray(cov, dtype=float)
    est = L @ b
    var = np.einsum("ij,jk,ik->i", L, V, L)
    se = np.sqrt(np.clip(var, 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    q = stats.norm.ppf(1 - alpha / 2)
    out = pd.DataFrame(P, columns=needed)
    out["estimate"] = est
    out["std_error"] = se
    out["z"] = z
    out["pvalue"] = 2 * stats.norm.sf(np.abs(z))
    out["lower"] = est - q * se
    out["upper"] = est + q * se
    if "cox" in str(getattr(results, "model_name", "")).lower() or getattr(results, "link", None) in ("logit",
                                                                                                  "cloglog"):
        out["exp_estimate"] = np.exp(est)
    out.attrs["channel"] = name
    out.attrs["terms"] = terms
    # plain tuples: a DataFrame or array in attrs breaks pandas' attrs comparisons (repr, concat)
    out.attrs["L"] = tuple(tuple(float(x) for x in row) for row in L[:, [names.index(t) for t in terms]])
    return out


def expand_term(term: str) -> list[str]:
    """``a*b`` -> ``a``, ``b``, ``a:b`` (every non-empty product of the factors); other terms as is."""
    from ._protocol import _split_top

    factors = _split_top(term, "*")
    if len(factors) < 2:
        return [term]
    out = []
    for k in range(1, len(factors) + 1):
        for combo in itertools.combinations(factors, k):
            out.append(":".join(combo))
    return out


def drop_channel_terms(formula: str, names: Sequence[str]) -> str:
    """The formula without every term that contains a channel in ``names`` (``a*b`` expanded first,
    so dropping ``a`` keeps ``b``)."""
    from ._protocol import _tokens, rhs_terms

    lhs, terms = rhs_terms(formula)
    keep = []
    for t in terms:
        for piece in expand_term(t):
            if not (_tokens(piece) & set(names)):
                keep.append(piece)
    keep = list(dict.fromkeys(keep)) or ["1"]
    return f"{lhs} ~ " + " + ".join(keep)


def moderated_channels(params_index: Sequence[Any], names: Sequence[str]) -> dict[str, list[str]]:
    """Each channel's terms (main effect first); an error names a channel with no main effect or no term."""
    idx = [str(n) for n in params_index]
    out = {}
    for n in names:
        terms = channel_terms(idx, n)
        if not terms:
            raise InputError(f"channel '{n}' is not a term of the model{did_you_mean(n, idx)}; terms are {idx}")
        if terms[0] != n:
            raise InputError(f"channel '{n}' enters only in interactions ({terms}); keep its main effect in the "
                             "formula (e.g. 'x * m', Brambor, Clark & Golder 2006) to compare channels")
        out[n] = terms
    return out


def product_columns(data: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Columns ``names`` of ``data``; a name ``a:b`` absent from ``data`` is the product of its parts."""
    from ..core.errors import require_columns

    cols = {}
    for n in names:
        if n in data.columns or ":" not in n:
            require_columns(data, [n], argument="data (channel columns; build them with ds.add_channels)")
            cols[n] = pd.to_numeric(data[n], errors="coerce").to_numpy(dtype=float)
        else:
            parts = _parts(n)
            require_columns(data, parts, argument=f"data (the parts of the interaction '{n}')")
            cols[n] = np.prod([pd.to_numeric(data[p], errors="coerce").to_numpy(dtype=float) for p in parts],
                              axis=0)
    return pd.DataFrame(cols, index=data.index)
