"""Predictions and marginal effects for every fitted model: ``results.predict`` and ``ds.effects``.

One vocabulary across models:

* ``results.predict(newdata, kind=...)`` gives the linear predictor or a model's natural
  scale (probability, relative risk, survival, cumulative incidence, spatial reduced
  form) for the estimation rows or for new data, with delta-method standard errors
  (``se=True``). New data are encoded with the formula's kept formulaic ``ModelSpec``
  (levels of categoricals as in the fit, so a single level present works; an unseen
  level is an error).
* ``ds.effects(results, variables, at=, over=, contrast=, scale=)`` gives average
  marginal effects (the mean over the estimation rows of the per-row derivative or
  contrast), effects at representative values (``at=``: variables set to chosen values
  in every row, e.g. a moderator), by group (``over=``), and contrasts such as "one more
  adopting neighbour" (``contrast={"neighbor": 1}``), "share from 0 to 0.5"
  (``{"share": (0, 0.5)}``) or "10th vs 90th percentile" (``{"x": ("p10", "p90")}``).
  Standard errors by the delta method with the fit's own variance (classical, robust,
  one- or two-way cluster, dyadic); ``interval="simulation"`` draws the parameters from
  their asymptotic normal distribution instead.

Every quantity is a function ``g(b)`` of the parameters; its gradient is written out
analytically (finite differences are used only in the data direction for ``dydx``:
a central difference with step ``1e-5`` times the variable's standard deviation, the
same rule for every model).
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ..core.errors import ColumnNotFoundError, DataValidationError, InputError, SpecificationError, did_you_mean
from . import _numerics as en

__all__ = ["predict", "effects", "design_for"]

BinaryKind = Literal["linear", "response"]
CoxKind = Literal["linear", "risk", "survival", "cumulative_incidence"]
Scale = Literal["response", "linear", "hazard_ratio", "absolute_risk"]
Interval = Literal["delta", "simulation"]
_KINDS = {"binary": ("linear", "response"), "cox": get_args(CoxKind), "spatial": ("linear", "response")}
_SCALES = {"binary": ("response", "linear"), "cox": ("hazard_ratio", "linear", "absolute_risk")}


# --------------------------------------------------------------------------- model access
def _family(results: Any) -> str:
    from ..binary.event_logit import BinaryResults
    from ..spatial.lag import SpatialLagResults
    from ..survival.cox import CoxResults

    if isinstance(results, BinaryResults):
        from ..binary.distributed import DaskBinaryResults
        if getattr(results, "model", None) is None or isinstance(results, DaskBinaryResults):
            raise SpecificationError(f"{type(results).__name__} holds no model to rebuild the design from; "
                                     "predictions need results of EventLogit or DyadicLogit fitted in memory")
        return "binary"
    if isinstance(results, CoxResults):
        if results.state.data is None:
            raise SpecificationError("these Cox results hold no in-memory design (e.g. DaskCoxHazard); "
                                     "predictions need results of ds.CoxHazard")
        return "cox"
    if isinstance(results, SpatialLagResults):
        return "spatial"
    raise InputError(f"results must come from EventLogit, DyadicLogit, CoxHazard or SpatialLag .fit(), "
                     f"got {type(results).__name__}")


def _beta(results: Any, fam: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Coefficients of the design columns, their variance and names (rho excluded for spatial)."""
    names = list(results.params.index)
    b, V = results.params.to_numpy(), results.cov.to_numpy()
    if fam == "spatial":
        return b[1:], V[1:, 1:], names[1:]
    return b, V, names


def _estimation_data(results: Any, fam: str) -> pd.DataFrame:
    st = results.state
    if fam == "binary":
        d = st.in_memory("predictions")
        return d.data.loc[d.rows]
    if fam == "cox":
        return results.model.data.loc[st.in_memory("predictions")[0].mask]
    return st.data.loc[st.index]


def _spec_and_roles(results: Any, fam: str):
    st = results.state
    if fam == "binary":
        return st.in_memory("predictions").spec
    if fam == "cox":
        return st.in_memory("predictions")[0].spec
    return st.spec


def design_for(results: Any, data: pd.DataFrame) -> np.ndarray:
    """Design matrix of ``data`` in the order of the fitted coefficients.

    Encodes ``data`` with the formula's ``ModelSpec`` kept from the fit (categorical
    levels, spline knots and duration terms as estimated). Raises
    :class:`ColumnNotFoundError` for a missing column and :class:`DataValidationError`
    for missing values or a categorical level not seen in the fit.
    """
    fam = _family(results)
    _, _, names = _beta(results, fam)
    return _design(results, fam, data, names)


def _design(results: Any, fam: str, data: pd.DataFrame, names: list[str]) -> np.ndarray:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"newdata must be a pandas DataFrame, got {type(data).__name__}")
    if len(data) == 0:
        raise InputError("newdata has no rows")
    spec = _spec_and_roles(results, fam)
    m = results.model
    cols: dict[str, np.ndarray] = {}
    if spec is None:  # plain column names (Cox fast path)
        base = [nm for nm in names]
        missing = [c for c in base if c not in data.columns]
        if missing:
            raise ColumnNotFoundError(f"newdata lacks column '{missing[0]}' of the formula "
                                      f"{results.formula!r}{did_you_mean(missing[0], data.columns)}")
        for c in base:
            cols[c] = _numeric_column(data[c], c)
    else:
        need = sorted(spec.required_variables)
        missing = [c for c in need if c not in data.columns]
        if missing:
            raise ColumnNotFoundError(f"newdata lacks column '{missing[0]}' of the formula "
                                      f"{results.formula!r}{did_you_mean(missing[0], data.columns)}")
        from formulaic.errors import FormulaicError
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*categories outside of the nominated levels.*")
            try:
                mm = spec.get_model_matrix(data, na_action="ignore", context=_namespace(m))
            except Warning as exc:  # formulaic's DataMismatchWarning, raised as an error above
                raise DataValidationError(f"newdata has a categorical level the model was not fitted with: {exc}; "
                                          "predictions exist only for levels seen in the fit") from None
            except (FormulaicError, ValueError, TypeError) as exc:
                raise InputError(f"newdata cannot be encoded with formula {results.formula!r}: {exc}") from None
        for c in mm.columns:
            cols[str(c)] = np.asarray(mm[c], dtype=float)
    bd = results.state.data if fam == "binary" else None
    if bd is not None and bd.duration_layout is not None and bd.clock is not None:
        from ..binary.event_logit import duration_matrix as _duration_matrix
        lay, clock = bd.duration_layout, bd.clock
        if clock not in data.columns:
            raise ColumnNotFoundError(f"newdata lacks the duration column '{clock}' (clock=) of the model")
        t = _numeric_column(data[clock], clock)
        if lay["kind"] == "spline" and np.any((t < lay["boundary"][0]) | (t > lay["boundary"][1])):
            raise DataValidationError(f"newdata['{clock}'] has values outside the spline's boundary knots "
                                      f"{lay['boundary']}; natural splines are not extrapolated")
        D = np.asarray(_duration_matrix(t, lay, dense=True), dtype=float)
        for j, nm in enumerate(lay["names"]):
            cols[nm] = D[:, j]
    if fam == "spatial" and m.durbin:
        raise SpecificationError("predictions of spatial Durbin models on new data are not supported; "
                                 "use newdata=None")
    absent = [nm for nm in names if nm not in cols]
    if absent:
        raise InputError(f"newdata gives no column for the term(s) {absent} of the fit")
    X = np.column_stack([cols[nm] for nm in names]) if names else np.empty((len(data), 0))
    bad = np.isnan(X)
    if bad.any():
        per = {nm: int(bad[:, j].sum()) for j, nm in enumerate(names) if bad[:, j].any()}
        raise DataValidationError(f"{int(bad.any(axis=1).sum())} of {len(data)} rows of newdata have missing "
                                  f"values in the terms ({per}); drop or fill them before predicting")
    return X


def _namespace(model: Any) -> Any:
    """The caller's namespace the model's formula was evaluated in (user-defined functions)."""
    from ..inference.protocol import ModelProtocol

    return model.spec().namespace if isinstance(model, ModelProtocol) else None


def _numeric_column(col: pd.Series, name: str) -> np.ndarray:
    try:
        return np.asarray(col, dtype=float)
    except (TypeError, ValueError):
        raise DataValidationError(f"newdata column '{name}' must be numeric, got dtype {col.dtype}") from None


def _check_choice(value: Any, allowed: tuple, argument: str, model: str) -> None:
    if value not in allowed:
        raise InputError(f"{argument}={value!r} is not available for {model}; use one of {allowed}")


# --------------------------------------------------------------------------- Cox baseline
def _cox_increments(results: Any, beta: np.ndarray) -> np.ndarray:
    """Baseline-hazard increments (covariates 0) of each risk set at coefficients ``beta``."""
    from ..survival import numerics as cn

    if results.ties == "exact":
        raise SpecificationError("absolute-risk predictions need ties='efron' or 'breslow' (the baseline hazard "
                                 "of ties='exact' is not defined here)")
    P, rs = results.state.in_memory("absolute-risk predictions")
    if np.allclose(beta, results.params.to_numpy(), rtol=0, atol=0):
        e = results.state.evaluation
    else:
        e = cn.evaluate(rs, P.X, P.w, beta, efron=results.ties == "efron", want_info=False, keep=True)
    pr = e.parts
    shift = float(P.means @ beta)
    inc = pr["mw"] / pr["den"] * np.exp(-(pr["m"][pr["step_set"]] + shift))
    return np.bincount(pr["step_set"], weights=inc, minlength=rs.n_sets)


def _cox_cumhaz(results: Any, strata_codes: np.ndarray, times: np.ndarray, *, gradient: bool
                ) -> tuple[np.ndarray, np.ndarray | None]:
    """H0(t) of each requested (stratum, time) and dH0/db (central differences in b)."""
    _, rs = results.state.in_memory("absolute-risk predictions")
    b = results.params.to_numpy()
    # set k counts for (s, t) when set_stratum == s and set_time <= t
    order = np.lexsort((rs.set_time, rs.set_stratum))
    st, tt = rs.set_stratum[order], rs.set_time[order]

    def H(inc: np.ndarray) -> np.ndarray:
        c = np.cumsum(inc[order])
        out = np.zeros(len(times))
        for s in np.unique(strata_codes):  # loop over strata (few), vectorised over rows
            sel = np.flatnonzero(st == s)
            if not len(sel):
                continue
            q = strata_codes == s
            k = np.searchsorted(tt[sel], times[q], side="right") - 1
            before = c[sel[0] - 1] if sel[0] > 0 else 0.0
            out[q] = np.where(k >= 0, c[sel[np.maximum(k, 0)]] - before, 0.0)
        return out

    H0 = H(_cox_increments(results, b))
    if not gradient:
        return H0, None
    G = np.empty((len(times), len(b)))
    for j in range(len(b)):  # p pairs of evaluations (p is small)
        h = 1e-6 * max(1.0, abs(b[j]))
        up, dn = b.copy(), b.copy()
        up[j] += h
        dn[j] -= h
        G[:, j] = (H(_cox_increments(results, up)) - H(_cox_increments(results, dn))) / (2 * h)
    return H0, G


def _cox_strata_of(results: Any, data: pd.DataFrame) -> np.ndarray:
    """Stratum codes of ``data``'s rows (the fit's labels)."""
    m = results.model
    n = len(data)
    if not m.strata:
        return np.zeros(n, dtype=np.int64)
    missing = [c for c in m.strata if c not in data.columns]
    if missing:
        raise ColumnNotFoundError(f"newdata needs the strata column(s) {m.strata} of the stratified Cox model "
                                  f"(missing '{missing[0]}')")
    labels = results.state.strata_labels
    key = data[m.strata[0]] if len(m.strata) == 1 else pd.MultiIndex.from_frame(data[m.strata])
    codes = pd.Index(labels).get_indexer(pd.Index(key))
    if np.any(codes < 0):
        bad = pd.Index(key)[codes < 0].unique()[:5].tolist()
        raise DataValidationError(f"newdata has strata {bad} that the model was not fitted with; "
                                  f"strata are {list(labels)[:10]}{' ...' if len(labels) > 10 else ''}")
    return codes.astype(np.int64)


# --------------------------------------------------------------------------- predictions
def _contrast_df(results: Any, G: np.ndarray | None) -> np.ndarray | None:
    """Satterthwaite df of each gradient row after small_sample="CR2"/"CR3", else None."""
    fn = getattr(results, "contrast_df", None)
    return None if fn is None or G is None else fn(G)


def _frame(index: pd.Index, est: np.ndarray, G: np.ndarray | None, V: np.ndarray, se: bool, alpha: float,
           name: str, extra: dict | None = None, results: Any = None) -> pd.Series | pd.DataFrame:
    if not se:
        if extra:
            return pd.DataFrame({**extra, name: est}, index=index)
        return pd.Series(est, index=index, name=name)
    assert G is not None  # given whenever se=True
    s = en.delta_se(G, V)
    df = _contrast_df(results, G)
    cols = en.wald_frame_columns(est, s, alpha, df)
    out = {**(extra or {}), "estimate": est, "std_error": s, "lower": cols["lower"], "upper": cols["upper"]}
    if df is not None:
        out["df"] = df
    return pd.DataFrame(out, index=index)


def predict(results: Any, newdata: pd.DataFrame | None = None, *, kind: str | None = None, se: bool = False,
            alpha: float = 0.05, reference: Literal["sample", "zero"] = "sample",
            times: Any = None) -> pd.Series | pd.DataFrame:
    """Predictions of a fitted model, optionally with delta-method standard errors.

    Parameters
    ----------
    results : results of EventLogit, DyadicLogit, CoxHazard or SpatialLag ``.fit()``
    newdata : DataFrame, optional
        Rows to predict for (the estimation rows when omitted). Needs every column of
        the formula (and ``time=`` for duration terms, the strata column for stratified
        Cox survival, ``unit``/``time`` for SpatialLag).
    kind : str
        EventLogit/DyadicLogit: "linear" (``x'b``) or "response" (probability, the
        default), as R's ``predict.glm(type = "link" / "response")``.
        CoxHazard: "linear" (the default) or "risk" (``exp`` of it), as R's
        ``predict.coxph(type = "lp" / "risk")``; "survival" or "cumulative_incidence"
        (``S(t | x) = exp(-H0_s(t) exp(x'b))`` and ``1 - S``) through the baseline
        hazard of the row's stratum, as R's ``survfit(fit, newdata)``.
        SpatialLag: "linear" (``X b``) or "response" (the reduced form
        ``(I - rho W)^-1 X b`` per period, the default; estimation rows only; fixed
        effects are not included).
    se : bool
        Return a frame with ``estimate``, ``std_error``, ``lower``, ``upper``
        (delta method with the fit's variance: classical, robust, cluster, dyadic).
    alpha : float
        1 - confidence level of the intervals.
    reference : {"sample", "zero"}
        Cox linear predictor and risk: centred at the estimation sample's means (R's
        ``reference = "sample"``, the default) or not centred (``"zero"``).
    times : array-like, optional
        Cox survival / cumulative incidence: the times to report (default: every
        distinct stop time of the row's stratum).

    Returns
    -------
    Series (``se=False``) indexed like ``newdata``, or DataFrame. Cox survival and
    cumulative incidence are long: one row per (newdata row, time) with columns
    ``row``, ``time`` (and ``strata``) beside the estimate. Their standard errors
    carry the uncertainty of ``b`` through both the risk score and the Breslow/Efron
    baseline hazard; unlike ``survfit``'s ``std.err`` they leave out the variance of
    the baseline's increments given ``b``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, diffusion_stats as ds
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=300)})
    >>> df["event"] = (rng.random(300) < 1 / (1 + np.exp(1 - df["x"]))).astype(int)
    >>> res = ds.EventLogit("event ~ x", df).fit(cov_type="robust")
    >>> p = res.predict(pd.DataFrame({"x": [0.0, 1.0]}), se=True)
    >>> list(p.columns)
    ['estimate', 'std_error', 'lower', 'upper']
    """
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha!r}")
    fam = _family(results)
    model = {"binary": "EventLogit/DyadicLogit", "cox": "CoxHazard", "spatial": "SpatialLag"}[fam]
    if kind is None:
        kind = {"binary": "response", "cox": "linear", "spatial": "response"}[fam]
    _check_choice(kind, _KINDS[fam], "kind", model)
    _check_choice(reference, ("sample", "zero"), "reference", model)
    b, V, names = _beta(results, fam)
    data = _estimation_data(results, fam) if newdata is None else newdata
    if fam == "spatial":
        return _predict_spatial(results, newdata, kind, se, alpha)
    X = _design(results, fam, data, names)
    eta = X @ b
    if fam == "binary":
        if kind == "linear":
            return _frame(data.index, eta, X, V, se, alpha, "linear", results=results)
        mu = en.link_value(eta, results.link)
        G = en.link_derivative(eta, results.link)[:, None] * X if se else None
        return _frame(data.index, mu, G, V, se, alpha, "response", results=results)
    # Cox
    if kind in ("linear", "risk"):
        Xc = X - results.state.in_memory("predictions")[0].means if reference == "sample" else X
        lp = Xc @ b
        if kind == "linear":
            return _frame(data.index, lp, Xc, V, se, alpha, "linear", results=results)
        r = np.exp(lp)
        return _frame(data.index, r, r[:, None] * Xc if se else None, V, se, alpha, "risk", results=results)
    codes = _cox_strata_of(results, data)
    # (row, time) pairs: requested times, or every distinct stop time of the row's stratum
    P, _ = results.state.in_memory("predictions")
    if times is None:
        per = {s: np.unique(P.stop[P.strata == s]) for s in np.unique(codes)}
    else:
        tv = np.sort(np.unique(np.asarray(times, dtype=float)))
        per = {s: tv for s in np.unique(codes)}
    counts = np.array([len(per[s]) for s in codes])
    rows_idx = np.repeat(np.arange(len(data)), counts)
    t_list = [per[s] for s in codes]
    tt = np.concatenate(t_list) if t_list else np.empty(0)
    sc = codes[rows_idx]
    H0, dH = _cox_cumhaz(results, sc, tt, gradient=se)
    r = np.exp(eta)[rows_idx]
    S = np.exp(-H0 * r)
    G = None
    if se:
        # dS/db = -S r (dH0/db + H0 x)
        G = -(S * r)[:, None] * (dH + H0[:, None] * X[rows_idx])
    est = S
    if kind == "cumulative_incidence":
        est = 1.0 - S
        G = None if G is None else -G
    extra: dict[str, Any] = {"row": np.asarray(data.index)[rows_idx], "time": tt}
    if results.model.strata:
        extra["strata"] = np.asarray(P.strata_labels, dtype=object)[sc]
    return _frame(pd.RangeIndex(len(tt)), est, G, V, se, alpha, kind, extra, results=results)


def _predict_spatial(results: Any, newdata: pd.DataFrame | None, kind: str, se: bool, alpha: float
                     ) -> pd.Series | pd.DataFrame:
    """SpatialLag: X b, or the reduced form (I - rho W)^-1 X b (estimation rows)."""
    from ..spatial import numerics as num
    from ..spatial.numerics import spatial_lag_of as _lag

    rho = results.rho
    p = results.params.to_numpy()
    Vfull = results.cov.to_numpy()
    if newdata is not None:
        if kind == "response":
            raise SpecificationError("kind='response' (the spatial reduced form) is available for the estimation "
                                     "rows only (newdata=None): new data need their own W")
        X = _design(results, "spatial", newdata, list(results.params.index[1:]))
        Xb = X @ p[1:]
        G: np.ndarray | None = np.column_stack([np.zeros(len(X)), X])
        return _frame(newdata.index, Xb, G, Vfull, se, alpha, "linear", results=results)
    st = results.state
    X = st.X
    Xb = X @ p[1:]
    idx = st.index
    if kind == "linear":
        return _frame(idx, Xb, np.column_stack([np.zeros(len(X)), X]), Vfull, se, alpha, "linear", results=results)
    lay = st.layout
    y = num.solve_blocks(lay.blocks, lay.offsets, rho, Xb)
    G = None
    if se:
        SX = num.solve_blocks(lay.blocks, lay.offsets, rho, X)
        dr = num.solve_blocks(lay.blocks, lay.offsets, rho, _lag(lay, y))  # d/d rho: S W S X b
        G = np.column_stack([dr, SX])
    return _frame(idx, y, G, Vfull, se, alpha, "response", results=results)


# --------------------------------------------------------------------------- effects
def _contrast_label(v: str, spec: Any) -> str:
    if spec == "dydx":
        return "dY/dX"
    if isinstance(spec, tuple):
        return f"{spec[0]} -> {spec[1]}"
    if spec == "sd":
        return "+1 SD"
    return f"+{spec:g}" if spec >= 0 else f"{spec:g}"


def _resolve_value(x: np.ndarray, v: Any, variable: str) -> float:
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("min", "max", "mean", "median"):
            return float(getattr(np, s)(x))
        if s.startswith("p"):
            try:
                q = float(s[1:])
            except ValueError:
                q = -1.0
            if 0 <= q <= 100:
                return float(np.quantile(x, q / 100))
        raise InputError(f"contrast value {v!r} for '{variable}' is not understood; use a number, "
                         "'min', 'max', 'mean', 'median' or a percentile like 'p10'")
    return float(v)


def _is_categorical(col: pd.Series) -> bool:
    return (isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or pd.api.types.is_bool_dtype(col)
            or pd.api.types.is_string_dtype(col))


def effects(results: Any, variables: str | list[str] | None = None, *, at: dict | None = None,
            over: str | None = None, contrast: Any = None, scale: str | None = None,
            horizon: float | None = None, interval: str = "delta", n_sim: int = 1000, seed: int | None = None,
            alpha: float = 0.05) -> pd.DataFrame:
    """Average marginal effects, effects at representative values and contrasts.

    For each variable, every estimation row's prediction is computed twice, at the
    variable's "low" and "high" setting (other columns as observed, or as set by
    ``at``); the effect is the mean difference (divided by the step for ``dY/dX``).
    Terms built from the variable (interactions, transformations, categorical coding)
    are recomputed from the formula, so moderated channels are handled exactly.

    Parameters
    ----------
    results : results of EventLogit, DyadicLogit or CoxHazard ``.fit()``
        (for SpatialLag use ``results.impacts()``: direct, indirect and total effects).
    variables : str or list of str, optional
        Data columns to vary (default: every column the formula uses, except the
        duration clock).
    at : dict, optional
        ``{column: value or list of values}``: the effects are computed with the column
        set to each value in every row (grid over several columns), e.g. the channel's
        effect at chosen values of its moderator.
    over : str, optional
        Column to average within (one row of output per group), e.g. ``"year"``.
    contrast : dict or spec, optional
        Per variable (dict) or for all: ``None`` = derivative for numeric columns and
        each level against the first for categorical and 0/1 columns; a number ``d`` =
        ``x + d`` vs ``x`` (``1``: one more adopting neighbour); ``(a, b)`` = the
        column set to ``a`` and to ``b`` in every row (``(0, 0.5)``; ``("p10", "p90")``
        for percentiles, also "min", "max", "mean", "median"); ``"sd"`` = ``x + sd``.
    scale : str
        Binary models: "response" (probability, the default) or "linear" (log-odds /
        link). Cox: "hazard_ratio" (``exp`` of the mean log-hazard difference, the
        default), "linear" (the log-hazard difference) or "absolute_risk" (difference in
        cumulative incidence ``1 - S(horizon | x)`` through the stratum's baseline hazard).
    horizon : float
        Time (in ``stop`` units) for ``scale="absolute_risk"``.
    interval : {"delta", "simulation"}
        Delta method, or ``n_sim`` draws of the parameters from N(b, V) (seeded),
        giving the standard deviation and percentile interval of the draws.
    alpha : float
        1 - confidence level.

    Returns
    -------
    DataFrame with columns variable, contrast, (the ``over`` group, the ``at`` values),
    estimate, std_error, z, pvalue, lower, upper. Hazard ratios: estimate and interval on
    the ratio scale, ``std_error`` that of the log ratio.

    Examples
    --------
    >>> import numpy as np, pandas as pd, diffusion_stats as ds
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=400), "n": rng.integers(0, 4, 400)})
    >>> df["event"] = (rng.random(400) < 1 / (1 + np.exp(2 - df["x"] - 0.3 * df["n"]))).astype(int)
    >>> res = ds.EventLogit("event ~ x + n", df).fit(cov_type="robust")
    >>> eff = ds.effects(res, ["x", "n"], contrast={"n": 1})
    >>> eff[["variable", "contrast"]].values.tolist()
    [['x', 'dY/dX'], ['n', '+1']]
    """
    fam = _family(results)
    if fam == "spatial":
        raise SpecificationError("for SpatialLag use results.impacts(): direct, indirect and total effects")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha!r}")
    if scale is None:
        scale = "response" if fam == "binary" else "hazard_ratio"
    _check_choice(scale, _SCALES[fam], "scale", "CoxHazard" if fam == "cox" else "EventLogit/DyadicLogit")
    _check_choice(interval, get_args(Interval), "interval", "effects")
    if scale == "absolute_risk":
        if horizon is None:
            raise InputError("scale='absolute_risk' needs horizon= (the time at which the cumulative incidence "
                             "is compared, in units of the stop column)")
    b, V, names = _beta(results, fam)
    data = _estimation_data(results, fam)
    spec = _spec_and_roles(results, fam)
    used = sorted(spec.required_variables) if spec is not None else list(names)
    bd = results.state.data if fam == "binary" else None
    if bd is not None and bd.duration_layout is not None:
        used = [u for u in used if u != bd.clock]
    if variables is None:
        variables = used
    elif isinstance(variables, str):
        variables = [variables]
    for v in variables:
        if v not in data.columns:
            raise ColumnNotFoundError(f"variable '{v}' is not a column of the estimation data"
                                      f"{did_you_mean(v, data.columns)}")
        if v not in used:
            raise InputError(f"variable '{v}' does not enter the formula {results.formula!r}; "
                             f"variables used: {used}")
    if isinstance(contrast, dict):
        unknown = [k for k in contrast if k not in variables]
        if unknown:
            raise InputError(f"contrast given for {unknown}, which are not in variables={variables}")
        cspec = dict(contrast)
    else:
        cspec = {v: contrast for v in variables}
    # at-grid
    grid: list[dict] = [{}]
    if at is not None:
        if not isinstance(at, dict) or not at:
            raise InputError("at must be a dict {column: value or list of values}")
        for k in at:
            if k not in data.columns:
                raise ColumnNotFoundError(f"at= column '{k}' is not in the estimation data"
                                          f"{did_you_mean(k, data.columns)}")
        keys = list(at)
        vals = [at[k] if isinstance(at[k], (list, tuple, np.ndarray, pd.Series)) else [at[k]] for k in keys]
        grid = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*vals)]
    # groups
    if over is not None:
        if over not in data.columns:
            raise ColumnNotFoundError(f"over= column '{over}' is not in the estimation data"
                                      f"{did_you_mean(over, data.columns)}")
        gcodes, glabels = pd.factorize(data[over], sort=True)
        if np.any(gcodes < 0):
            raise DataValidationError(f"over= column '{over}' has missing values in the estimation rows")
    else:
        gcodes, glabels = np.zeros(len(data), dtype=np.int64), np.array([None])
    ng = len(glabels)
    ctx = _Context(results, fam, scale, b, V, names, horizon, data)
    rows: list[dict] = []
    ests, grads, sims = [], [], []
    draws = None
    if interval == "simulation":
        if not isinstance(n_sim, (int, np.integer)) or n_sim < 2:
            raise InputError(f"n_sim must be an integer >= 2, got {n_sim!r}")
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(b, V, size=int(n_sim), method="eigh")
    for point in grid:
        base = data.copy() if point else data
        for k, val in point.items():
            base[k] = val
        for v in variables:
            for label, lo, hi, step in _settings(base, data, v, cspec.get(v)):
                e_rows, g_rows, s_rows = ctx.contrast(lo, hi, step, draws)
                ests.append(en.group_means(e_rows, gcodes, ng))
                grads.append(en.group_means(g_rows, gcodes, ng))
                if s_rows is not None:
                    sims.append(en.group_means(s_rows, gcodes, ng))
                for gl in glabels:
                    r = {"variable": v, "contrast": label}
                    if over is not None:
                        r[over] = gl
                    r.update({f"at {k}" if k in ("variable", "contrast") else k: val for k, val in point.items()})
                    rows.append(r)
    est = np.concatenate(ests)
    G = np.vstack(grads)
    out = pd.DataFrame(rows)
    if interval == "delta":
        se = en.delta_se(G, V)
        cols = en.wald_frame_columns(est, se, alpha, _contrast_df(results, G))
    else:
        S = np.vstack(sims)  # (effects, draws)
        se = S.std(axis=1, ddof=1)
        cols = en.wald_frame_columns(est, se, alpha)
        cols["lower"] = np.quantile(S, alpha / 2, axis=1)
        cols["upper"] = np.quantile(S, 1 - alpha / 2, axis=1)
    for k, val in cols.items():
        out[k] = val
    if scale == "hazard_ratio":
        out["estimate"] = np.exp(out["estimate"])
        out["lower"], out["upper"] = np.exp(out["lower"]), np.exp(out["upper"])
        out["z"] = np.log(out["estimate"]) / out["std_error"]
    out.attrs["scale"] = scale
    return out


def _settings(base: pd.DataFrame, data: pd.DataFrame, v: str, spec: Any):
    """(label, low frame, high frame, step) pairs for variable ``v``."""
    col = data[v]
    if _is_categorical(col) or (spec is None and pd.api.types.is_numeric_dtype(col)
                                and set(pd.unique(col.dropna())) <= {0, 1} and col.nunique() == 2):
        if spec is not None:
            raise InputError(f"variable '{v}' is categorical or 0/1: its contrast is each level against the first; "
                             "do not pass a contrast for it")
        levels = (list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype)
                  else sorted(pd.unique(col.dropna()), key=lambda z: (str(type(z)), z)))
        lo = base.copy()
        lo[v] = pd.Categorical([levels[0]] * len(base), categories=levels) if isinstance(
            col.dtype, pd.CategoricalDtype) else levels[0]
        for lev in levels[1:]:
            hi = base.copy()
            hi[v] = pd.Categorical([lev] * len(base), categories=levels) if isinstance(
                col.dtype, pd.CategoricalDtype) else lev
            yield f"{lev} - {levels[0]}", lo, hi, 1.0
        return
    if not pd.api.types.is_numeric_dtype(col):
        raise InputError(f"variable '{v}' has dtype {col.dtype}; effects need a numeric or categorical column")
    x = base[v].to_numpy(dtype=float)
    xall = data[v].to_numpy(dtype=float)
    if spec is None or spec == "dydx":
        sd = float(np.std(xall))
        h = 1e-5 * (sd if sd > 0 else 1.0)
        lo, hi = base.copy(), base.copy()
        lo[v], hi[v] = x - h / 2, x + h / 2
        yield "dY/dX", lo, hi, h
        return
    if isinstance(spec, (tuple, list)):
        if len(spec) != 2:
            raise InputError(f"contrast for '{v}' must be a pair (low, high), got {spec!r}")
        a, c = (_resolve_value(xall, s, v) for s in spec)
        lo, hi = base.copy(), base.copy()
        lo[v], hi[v] = a, c
        yield _contrast_label(v, tuple(spec)), lo, hi, 1.0
        return
    if isinstance(spec, str) and spec == "sd":
        d = float(np.std(xall, ddof=1))
        lo, hi = base, base.copy()
        hi[v] = x + d
        yield "+1 SD", lo, hi, 1.0
        return
    if isinstance(spec, (int, float, np.integer, np.floating)) and not isinstance(spec, bool):
        lo, hi = base, base.copy()
        hi[v] = x + float(spec)
        yield _contrast_label(v, float(spec)), lo, hi, 1.0
        return
    raise InputError(f"contrast for '{v}' = {spec!r} is not understood; use None (derivative), a number "
                     "(x + d vs x), a pair (low, high) or 'sd'")


class _Context:
    """Per-row contrasts and their gradients for one fitted model and scale."""

    def __init__(self, results, fam, scale, b, V, names, horizon, data):
        self.results, self.fam, self.scale, self.b, self.V, self.names = results, fam, scale, b, V, names
        self.H0 = self.dH0 = None
        if scale == "absolute_risk":
            codes = _cox_strata_of(results, data)
            self.H0, self.dH0 = _cox_cumhaz(results, codes, np.full(len(data), float(horizon)), gradient=True)

    def _value(self, X: np.ndarray, B: np.ndarray | None = None):
        """Per-row value and gradient at b, or values for draws B (d, p) -> (n, d)."""
        if B is not None:
            eta = X @ B.T
            if self.scale in ("linear", "hazard_ratio"):
                return eta
            if self.fam == "binary":
                return en.link_value(eta, self.results.link)
            # absolute risk: baseline linearised in b around the estimate
            Hd = self.H0[:, None] + self.dH0 @ (B - self.b).T
            return 1.0 - np.exp(-Hd * np.exp(eta))
        eta = X @ self.b
        if self.scale in ("linear", "hazard_ratio"):
            return eta, X
        if self.fam == "binary":
            return en.link_value(eta, self.results.link), en.link_derivative(eta, self.results.link)[:, None] * X
        r = np.exp(eta)
        S = np.exp(-self.H0 * r)
        return 1.0 - S, (S * r)[:, None] * (self.dH0 + self.H0[:, None] * X)

    def contrast(self, lo: pd.DataFrame, hi: pd.DataFrame, step: float, draws: np.ndarray | None):
        X0 = _design(self.results, self.fam, lo, self.names)
        X1 = _design(self.results, self.fam, hi, self.names)
        v0, g0 = self._value(X0)
        v1, g1 = self._value(X1)
        sims = None
        if draws is not None:
            sims = (self._value(X1, draws) - self._value(X0, draws)) / step
        return (v1 - v0) / step, (g1 - g0) / step, sims


# --------------------------------------------------------------------------- spatial impacts
def spatial_impacts(results: Any, *, method: str = "exact", order: int = 30) -> pd.DataFrame:
    """LeSage & Pace impacts of a spatial-lag (or Durbin) fit with delta-method standard errors.

    Point impacts as :meth:`SpatialLagResults.impacts` (``method="exact"``: eigenvalues
    and sparse solves, spatialreg's ``impacts(..., listw=)``; ``"trace"``: power series
    of exact traces). Their gradient in (rho, beta, theta) is written out:
    ``d tr(S)/d rho = sum lambda / (1 - rho lambda)^2``, ``d 1'S1/d rho = (S'1)' W (S1)``
    (and the Durbin terms alike), so the standard errors need no simulation. Called by
    ``results.impacts(se="delta")``, which resolves ``method="auto"``.

    Returns
    -------
    DataFrame indexed by regressor: direct, indirect, total, se_*, z_* (as ``impacts``).
    """
    from scipy import sparse as sps
    from scipy.sparse import linalg as spla

    from ..spatial import numerics as num

    if method not in ("exact", "trace"):
        raise InputError(f"method={method!r}; use 'exact' or 'trace' (or results.impacts(se='delta', method='auto'))")
    rho = results.rho
    st = results.state
    blocks, counts = num.unique_blocks(st.layout.blocks)
    n = float(sum(B.shape[0] * c for B, c in zip(blocks, counts, strict=False)))
    val = np.zeros(4)  # trS, trSW, 1'S1, 1'SW1
    der = np.zeros(4)
    ld = st.log_determinant  # the ML fit's eigenvalues, when it used them
    eigs = getattr(ld, "eigs", None) if ld is not None and len(getattr(ld, "blocks", ())) == len(blocks) else None
    for b_i, (B, cnt) in enumerate(zip(blocks, counts, strict=False)):
        m = B.shape[0]
        one = np.ones(m)
        if method == "exact":
            ev = eigs[b_i] if eigs is not None else num.eigenvalues(B)
            den = 1.0 - rho * ev
            val[0] += cnt * float(np.sum(1.0 / den).real)
            val[1] += cnt * float(np.sum(ev / den).real)
            der[0] += cnt * float(np.sum(ev / den**2).real)
            der[1] += cnt * float(np.sum(ev**2 / den**2).real)
            lu = spla.splu((sps.identity(m, format="csc") - rho * B).tocsc())
            sol = lu.solve(np.column_stack([one, B @ one]))  # S1, S W1
            c = lu.solve(one, trans="T")  # S'1
            val[2] += cnt * float(sol[:, 0].sum())
            val[3] += cnt * float(sol[:, 1].sum())
            der[2] += cnt * float(c @ (B @ sol[:, 0]))
            der[3] += cnt * float(c @ (B @ sol[:, 1]))
        else:
            tr = num.trace_products(B, order)
            v = one.copy()
            ones = np.empty(order + 2)
            for q in range(order + 2):
                ones[q] = v.sum()
                v = B.T @ v
            k = np.arange(order + 1)
            pw = rho ** k
            dpw = np.r_[0.0, k[1:] * rho ** (k[1:] - 1)]
            val += cnt * np.array([pw @ tr, pw[:order] @ tr[1:], pw @ ones[:order + 1], pw @ ones[1:order + 2]])
            der += cnt * np.array([dpw @ tr, dpw[:order] @ tr[1:], dpw @ ones[:order + 1], dpw @ ones[1:order + 2]])
    names = list(results.params.index)
    V = results.cov.to_numpy()
    p = results.params
    base = [nm for nm in names[1:] if nm != "Intercept" and nm not in st.lagged]
    rows, grads = [], []
    for nm in base:
        th_name = f"W_{nm}"
        bk, th = float(p[nm]), float(p[th_name]) if th_name in st.lagged else 0.0
        g_d, g_t = np.zeros(len(names)), np.zeros(len(names))
        g_d[0], g_t[0] = (bk * der[0] + th * der[1]) / n, (bk * der[2] + th * der[3]) / n
        g_d[names.index(nm)], g_t[names.index(nm)] = val[0] / n, val[2] / n
        if th_name in st.lagged:
            g_d[names.index(th_name)], g_t[names.index(th_name)] = val[1] / n, val[3] / n
        d, t = (bk * val[0] + th * val[1]) / n, (bk * val[2] + th * val[3]) / n
        rows.append((d, t - d, t))
        grads.append((g_d, g_t - g_d, g_t))
    out = pd.DataFrame(rows, index=base, columns=["direct", "indirect", "total"])
    for j, c in enumerate(["direct", "indirect", "total"]):
        out[f"se_{c}"] = en.delta_se(np.array([g[j] for g in grads]).reshape(len(base), -1), V)
    for c in ["direct", "indirect", "total"]:
        out[f"z_{c}"] = out[c] / out[f"se_{c}"]
    out.attrs["se"] = "delta"
    return out


# used by mechanisms.horse_race (moderated channels)
estimation_data = _estimation_data
model_family = _family
