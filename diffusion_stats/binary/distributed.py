"""Binary GLMs (EventLogit, DyadicLogit) on a Dask collection: IRLS on partition sums.

Public through :mod:`diffusion_stats.design.distributed` (``ds.DaskEventLogit``, ``ds.DaskDyadicLogit``).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import (
    DataValidationError,
    InputError,
    SpecificationError,
)
from ..core.options import Duration, renamed, translating
from ..design.dask_frames import (
    PartitionSpec,
    as_dask,
    build_spec,
    check_cluster_na,
    check_columns,
    check_missing,
    cluster_sums,
    compute_all,
    design_part,
    dyad_codes,
    dyad_sums,
    import_dask,
    part_clusters,
    persist_all,
    reduce_frames,
    sum_arrays,
)
from ..inference.covariance import SmallSample, dyadic_meat_from_sums, resolve_cov_type, sandwich
from ..inference.protocol import ModelProtocol
from ._glm import (
    GLMFit,
    IRLSPoint,
    _linkinv,
    block_point,
    check_link,
    glm_scores,
    irls,
    null_deviance,
    resolve_glm_small_sample,
    separation_flags,
    separation_stats,
    subsample_start,
    warm_start_step,
)
from .event_logit import BinaryFitState, BinaryResults, clock_keyword

__all__ = ["DaskEventLogit", "DaskDyadicLogit", "DaskBinaryResults"]


# =========================================================================== binary GLM on Dask
def _glm_make_part(pdf: pd.DataFrame, spec: PartitionSpec, roles: dict) -> dict:
    """Design arrays of one partition (what stays in worker memory)."""
    extra = [c for c in (roles["time"], roles["weights"], roles["unit"], roles["partner"]) if c is not None]
    y, X, bad, per = design_part(pdf, spec, extra)
    keep = ~bad
    part: dict[str, Any] = {"n_in": len(y), "n_bad": int(bad.sum()), "per": per, "keep": None if keep.all() else keep}
    sub = pdf if keep.all() else pdf.loc[keep]
    if not keep.all():
        y, X = y[keep], X[keep]
    part["y"], part["X"] = y, X
    part["w"] = None if roles["weights"] is None else sub[roles["weights"]].to_numpy(dtype=float)
    part["t"] = None if roles["time"] is None else sub[roles["time"]].to_numpy(dtype=float)
    part["clusters"], part["cluster_na"] = part_clusters(sub, roles["cluster"])
    part["dyad"] = None
    part["self_pairs"] = 0
    if roles["dyadic"] and len(y):
        u, p = sub[roles["unit"]], sub[roles["partner"]]
        uc, pc, lab = dyad_codes(u, p)
        part["self_pairs"] = int((uc == pc).sum())
        part["dyad"] = (uc, pc, lab)
    return part


def _glm_setup_stats(part: dict) -> dict:
    y = part["y"]
    badv = ~((y == 0) | (y == 1))
    w = part["w"]
    out = {"n_in": part["n_in"], "n_bad": part["n_bad"], "per": part["per"], "n": len(y),
           "ysum": float(y[~badv].sum()), "nonbinary": int(badv.sum()),
           "nonbinary_examples": np.unique(y[badv])[:5].tolist(),
           "w_bad": 0 if w is None else int((~np.isfinite(w) | (w < 0)).sum()),
           "cluster_na": part["cluster_na"], "self_pairs": part["self_pairs"],
           "t_counts": None}
    if part["t"] is not None:
        vals, cnt = np.unique(part["t"], return_counts=True)
        out["t_counts"] = (vals, cnt)
    return out


def _glm_add_duration(part: dict, dur: dict) -> dict:
    if dur["kind"] is None:
        return part
    from .event_logit import _duration_matrix

    t = part["t"]
    D = _duration_matrix(t, dur, dense=True) if len(t) else np.zeros((0, len(dur["names"])))
    new = dict(part)
    new["X"] = np.column_stack([part["X"], D]) if len(t) else np.zeros((0, part["X"].shape[1] + len(dur["names"])))
    return new


def _glm_pass(part: dict, beta: np.ndarray | None, link: str) -> dict:
    """Deviance, X'WX and X'Wz at ``beta`` (R's start values when ``beta`` is None), as one
    IRLS step of :func:`diffusion_stats.binary._glm.fit_binary_glm`."""
    y, X, w = part["y"], part["X"], part["w"]
    k = X.shape[1]
    if len(y) == 0:
        return {"dev": 0.0, "A": np.zeros((k, k)), "b": np.zeros(k)}
    pt = block_point(y, X, beta, link=link, weights=w)
    A, b = pt.normal_equations()
    return {"dev": pt.dev, "A": A, "b": b}


def _glm_subsample(part: dict, step: int, first: int) -> tuple:
    sl = slice(first, len(part["y"]), step)
    return part["y"][sl], part["X"][sl], None if part["w"] is None else part["w"][sl]


def _glm_final(part: dict, beta: np.ndarray, link: str, cov_type: str) -> dict:
    """Score products / group sums and separation statistics at the estimate."""
    y, X, w = part["y"], part["X"], part["w"]
    k = X.shape[1]
    out: dict[str, Any] = {"meat": np.zeros((k, k)), "clu": None, "su": None, "sp": None,
                           "n_perfect": 0, "is01": np.ones(k, bool), "on": np.zeros(k),
                           "y_on": np.zeros(k), "ysum": 0.0, "on_perfect": np.zeros(k, bool), "wsum": 0.0,
                           "wysum": 0.0}
    if len(y) == 0:
        return out
    eta = X @ beta
    mu = _linkinv(eta, link)
    wp = np.ones(len(y)) if w is None else w
    out["wsum"], out["wysum"] = float(wp.sum()), float(np.dot(wp, y))
    out.update(separation_stats(y, X, mu))
    out["ysum"] = float(out["ysum"])
    if cov_type == "classical":
        return out
    S = glm_scores(y, X, SimpleNamespace(mu=mu, eta=eta, link=link), w)
    if cov_type == "robust":
        out["meat"] = S.T @ S
    elif cov_type == "cluster":
        out["clu"] = cluster_sums(S, part["clusters"])
    else:
        uc, pc, lab = part["dyad"]
        out["su"], out["sp"] = dyad_sums(S, uc, pc, lab)
    return out


def _type7_quantiles(vals: np.ndarray, cnt: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """R's type-7 quantiles of the values ``vals`` repeated ``cnt`` times."""
    n = int(cnt.sum())
    cum = np.cumsum(cnt)
    out = []
    for p in probs:
        h = (n - 1) * p
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        xlo = vals[np.searchsorted(cum, lo, side="right")]
        xhi = vals[np.searchsorted(cum, hi, side="right")]
        out.append(xlo + (h - lo) * (xhi - xlo))
    return np.asarray(out, dtype=float)


def _fitted_part(pdf: pd.DataFrame, spec: PartitionSpec, roles: dict, dur: dict, beta: np.ndarray, link: str
                 ) -> pd.Series:
    part = _glm_add_duration(_glm_make_part(pdf, spec, roles), dur)
    keep = np.ones(len(pdf), dtype=bool) if part["keep"] is None else part["keep"]
    return pd.Series(_linkinv(part["X"] @ beta, link) if len(part["y"]) else np.zeros(0), index=pdf.index[keep],
                     name="fitted")


class _LazyFitted:
    """Fitted probabilities as a lazy ``dask`` Series (rows used, partition by partition)."""

    def __init__(self, data, spec: PartitionSpec, roles: dict, dur: dict, beta: np.ndarray, link: str) -> None:
        self._args = (data, spec, roles, dur, beta, link)

    def copy(self):
        data, spec, roles, dur, beta, link = self._args
        return data.map_partitions(_fitted_part, spec, roles, dur, beta, link, meta=("fitted", "f8"))


class DaskBinaryResults(BinaryResults):
    """:class:`~diffusion_stats.binary.event_logit.BinaryResults` of a Dask fit.

    ``fitted_values`` is a lazy ``dask`` Series (probabilities for the rows used, indexed
    like the input partitions): call ``.compute()`` or write it out with ``.to_parquet``.
    """

    @property
    def fitted_values(self):
        return self._fitted.copy()

    def residuals(self, kind: str = "response"):
        raise SpecificationError("residuals() need the rows in memory; compute them from fitted_values (a lazy "
                                 "dask Series) or refit with ds.EventLogit / ds.DyadicLogit on a pandas frame")


class _DaskBinaryModel(ModelProtocol):
    """Binary GLM (logit / cloglog / probit) on a Dask collection; see :class:`DaskEventLogit`."""

    _name = "EventLogit"
    _allowed_cov: tuple[str, ...] = ("classical", "robust", "cluster")
    _dyadic = False
    _unit: str  # dyadic models only
    _partner: str

    def _setup(self, formula: str, data, *, link: str, weights, missing: str, extra: tuple[str, ...]) -> None:
        self._data = as_dask(data, self._name)
        check_link(link)
        if missing not in ("raise", "drop"):
            raise InputError(f"missing={missing!r}; use 'raise' or 'drop'")
        if weights is not None and not isinstance(weights, str):
            raise InputError("weights= must be a column name on Dask (arrays cannot be aligned with partitions)")
        check_columns(data, [weights], "weights")
        check_columns(data, extra, "role")
        self._formula, self._link, self._missing, self._wcol = formula, link, missing, weights
        self._spec = build_spec(formula, data, intercept=True)
        self._names = list(self._spec.names)

    @property
    def formula(self) -> str:
        return self._formula

    @property
    def link(self) -> str:
        return self._link

    @property
    def exog_names(self) -> list[str]:
        return list(self._names) + list(getattr(self, "_dur_names", []))

    def _roles(self, cluster_cols: tuple[str, ...], cov_type: str) -> dict:
        return {"time": None, "weights": self._wcol, "unit": None, "partner": None, "cluster": list(cluster_cols),
                "dyadic": False}

    def _duration(self, setup: list[dict]) -> dict:
        return {"kind": None, "names": []}

    @renamed(maxiter="max_iter")
    def fit(self, *, cov_type: str | None = None, cluster: str | list[str] | None = None,
            small_sample: SmallSample = None, hc_type: str | None = None, max_iter: int = 100, tol: float = 1e-10,
            persist: bool = True):
        """Fit by IRLS with partition sums; same options and results as the in-memory model.

        Parameters
        ----------
        cov_type : {"classical", "robust", "cluster", "dyadic"}, optional
        cluster : str or list of str, optional
        small_sample : {None, "none", "CR1", "HC1", True, False}
            Finite-sample factor, as :meth:`EventLogit.fit` (CR2/CR3 need the rows in memory).
        hc_type : {"HC0", "HC1"}, optional
            Deprecated alias of ``small_sample`` (FutureWarning).
        max_iter, tol : IRLS limits (relative deviance change, R's rule); ``maxiter=`` is the
            deprecated spelling of ``max_iter=``.
        persist : bool
            Keep the design arrays of every partition in worker memory for the IRLS
            passes (default). ``False`` rebuilds each partition from the source (Parquet
            or builder) on every pass: slower, with the smallest memory footprint.

        Returns
        -------
        BinaryResults
        """
        cov_type, cols = resolve_cov_type(cov_type, cluster, allowed=self._allowed_cov, default="classical")
        check_columns(self._data, cols, "cluster")
        kind = resolve_glm_small_sample(small_sample, hc_type, cov_type, cols, model=type(self).__name__, cr23=False)
        dask, _ = import_dask()
        roles = self._roles(cols, cov_type)
        parts = [dask.delayed(_glm_make_part, pure=False)(p, self._spec, roles) for p in self._data.to_delayed()]
        parts = persist_all(parts, persist)
        setup = compute_all([dask.delayed(_glm_setup_stats, pure=False)(p) for p in parts])
        check_missing(setup, self._missing)
        n = sum(s["n"] for s in setup)
        resp = self._spec.response
        nonbin = sum(s["nonbinary"] for s in setup)
        if nonbin:
            ex = sorted({v for s in setup for v in s["nonbinary_examples"]})[:5]
            raise DataValidationError(
                f"the response '{resp}' must be 0/1 (event indicator); found {nonbin} rows with other values, "
                f"e.g. {', '.join(map(repr, ex))}. Recode it, e.g. '(x > 0) ~ ...' or a new column")
        ysum = sum(s["ysum"] for s in setup)
        if n and (ysum == 0 or ysum == n):
            raise DataValidationError(f"the response '{resp}' is {int(ysum > 0)} in every one of the {n} rows; "
                                      "a binary model needs both events and non-events")
        if sum(s["w_bad"] for s in setup):
            raise DataValidationError("weights must be finite and non-negative")
        check_cluster_na(setup, cols)
        selfp = sum(s["self_pairs"] for s in setup)
        if selfp:
            from .dyadic_logit import _self_pairs_error

            raise _self_pairs_error(selfp, self._unit, self._partner)
        dur = self._duration(setup)
        if dur["kind"] is not None:
            parts = persist_all([dask.delayed(_glm_add_duration, pure=False)(p, dur) for p in parts], persist)
        names = self._names + dur["names"]
        k = len(names)
        wcol = self._wcol

        def point(beta: np.ndarray | None) -> IRLSPoint:
            res = compute_all([dask.delayed(_glm_pass, pure=False)(p, beta, self._link) for p in parts])
            A, b = sum_arrays(res, "A"), sum_arrays(res, "b")
            return IRLSPoint(dev=sum(r["dev"] for r in res), normal_equations=lambda: (A, b))

        # the IRLS of diffusion_stats.binary._glm.fit_binary_glm, on partition sums
        start = self._warm_start(parts, [s["n"] for s in setup], names, max_iter)
        beta, inv, last, n_iter, converged = irls(point, start, names, maxiter=max_iter, tol=tol)
        dev = last.dev
        fins = compute_all([dask.delayed(_glm_final, pure=False)(p, beta, self._link, cov_type) for p in parts])
        fin = {key: sum_arrays(fins, key) for key in ("n_perfect", "on", "y_on", "ysum", "wsum", "wysum")}
        fin["is01"] = np.all([f["is01"] for f in fins], axis=0)
        fin["on_perfect"] = np.any([f["on_perfect"] for f in fins], axis=0)
        wsum, wysum = fin["wsum"], fin["wysum"]
        ybar = wysum / wsum if wsum > 0 else 0.5
        n1, n0 = wysum, wsum - wysum
        null_dev = null_deviance(n1, n0, ybar)
        sep, n_perfect = separation_flags(fin, beta, inv, names, n)
        V, facts = self._cov(fins, inv, cov_type, kind, n, k, cols)
        glmfit = GLMFit(params=beta, cov_unscaled=inv, eta=np.zeros(0), mu=np.zeros(0), loglik=-dev / 2,
                        deviance=dev, null_deviance=null_dev, iterations=n_iter, converged=converged,
                        link=self._link, separation=sep, n_perfect=n_perfect)
        params = pd.Series(beta, index=names, name="coef")
        notes: list[str] = []
        info: dict[str, Any] = {"Link": self._link, "Events": int(round(ysum))}
        info.update(dur.get("info", {}))
        if cov_type != "classical":
            info["Variance factor"] = facts["adjustment"]
        if not converged:
            notes.append(f"WARNING: IRLS did not converge in {n_iter} iterations.")
        if sep:
            notes.append(f"WARNING: (quasi-)complete separation; estimates of {sep} diverge "
                         f"({n_perfect} fitted probabilities numerically 0 or 1).")
        if facts["not_psd"]:
            notes.append(f"WARNING: the {cov_type} variance matrix is not positive definite; treat standard errors "
                         "and tests with caution.")
        notes.append(f"Fitted on Dask: {self._data.npartitions} partitions, {n_iter + 1} passes over the data"
                     + (f" (weights '{wcol}')" if wcol else "") + ".")
        n_clusters = facts["n_clusters"]
        if cov_type == "dyadic":
            info["Units (dyadic)"] = n_clusters[0]
            n_clusters = ()
        cov = pd.DataFrame(V, index=names, columns=names)
        fitted = _LazyFitted(self._data, self._spec, roles, dur, beta, self._link)
        state = BinaryFitState(fit=glmfit, fitted=fitted, names=list(names), link=self._link)
        res = DaskBinaryResults(state=state, notes=notes, not_psd=facts["not_psd"],
                            model_name=self._name, model=self, params=params, cov=cov, nobs=n, loglik=glmfit.loglik,
                            cov_type=cov_type, cluster=cols, n_clusters=n_clusters, info=info,
                            formula=self._formula)
        return res

    def _warm_start(self, parts: list, sizes: list[int], names: list[str], maxiter: int) -> np.ndarray | None:
        """Start from a systematic-subsample fit on large data, the same rows as
        ``fit_binary_glm`` takes in memory (every ``step``-th row used): IRLS then needs ~3
        passes over the data instead of ~7; the optimum is the full-data one."""
        n = int(sum(sizes))
        step = warm_start_step(n, maxiter)
        if not step:
            return None
        dask, _ = import_dask()
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        subs = compute_all([dask.delayed(_glm_subsample, pure=False)(p, step, int(-o % step))
                         for p, o in zip(parts, offsets, strict=True)])
        y = np.concatenate([s[0] for s in subs])
        X = np.concatenate([s[1] for s in subs])
        w = None if subs[0][2] is None else np.concatenate([s[2] for s in subs])
        return subsample_start(y, X, link=self._link, weights=w, offset=None, names=names)

    @staticmethod
    def _cov(fins: list[dict], bread: np.ndarray, cov_type: str, kind: str, n: int, k: int,
             cols: tuple[str, ...]) -> tuple[np.ndarray, dict]:
        """:func:`diffusion_stats.inference.covariance.sandwich` from meat pieces reduced over partitions."""
        if cov_type == "classical":
            return sandwich(bread, cov_type, kind=kind, n=n, k=k)
        if cov_type == "robust":
            return sandwich(bread, cov_type, kind=kind, n=n, k=k, meat=sum_arrays(fins, "meat"))
        if cov_type == "cluster":
            sums = reduce_frames([f["clu"] for f in fins])
            if len(cols) == 1:
                s = sums.to_numpy()
                pieces: tuple = ((s.T @ s, len(s)),)
            else:
                s1 = sums.groupby(level=0, sort=False).sum().to_numpy()
                s2 = sums.groupby(level=1, sort=False).sum().to_numpy()
                s12 = sums.to_numpy()
                pieces = ((s1.T @ s1, len(s1)), (s2.T @ s2, len(s2)), (s12.T @ s12, len(s12)))
            return sandwich(bread, cov_type, kind=kind, n=n, k=k, cluster_meats=pieces)
        su = reduce_frames([f["su"] for f in fins]).to_numpy()
        sp = reduce_frames([f["sp"] for f in fins]).to_numpy()
        return sandwich(bread, cov_type, kind=kind, n=n, k=k, meat=dyadic_meat_from_sums(su, sp), n_units=len(su))


class DaskEventLogit(_DaskBinaryModel):
    """:class:`~diffusion_stats.EventLogit` on a ``dask.dataframe`` (same numbers as in memory).

    Parameters
    ----------
    formula : str
        ``"event ~ x1 + x2"`` (formulaic). The design is built per partition from one
        spec (same columns and categorical levels as in memory; stateful transforms such
        as ``center()`` or ``bs()`` are refused: compute those columns first).
    data : dask.dataframe.DataFrame
        A unit-period panel at risk, e.g. :func:`dask_event_history`.
    link : {"logit", "cloglog", "probit"}
    duration : {None, "cubic", "spline", "dummies"}
        Duration dependence in ``data[clock]`` (knots and dummy values from a pass over
        all partitions, as in memory).
    clock : str
        The duration clock (default ``"stop"``); ``time=`` is its deprecated name, as in
        :class:`~diffusion_stats.EventLogit`.
    spline_df : int
    knots : array-like, optional
    weights : str, optional
        Prior-weight column.
    missing : {"raise", "drop"}

    Notes
    -----
    ``fit()`` takes the in-memory options (``cov_type``, ``cluster``, ``small_sample``,
    ``max_iter``, ``tol``) plus ``persist``, and returns a
    :class:`~diffusion_stats.binary.event_logit.BinaryResults` (``DaskBinaryResults``, whose
    ``fitted_values`` is a lazy dask Series). The case-control corrections
    (``case_control=``) are in memory only: a case-control sample is small by design.

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd
    >>> import diffusion_stats as ds
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"x": rng.normal(size=400), "stop": np.tile(np.arange(1, 9), 50)})
    >>> df["event"] = (rng.random(400) < 0.2).astype(int)
    >>> mem = ds.EventLogit("event ~ x", df).fit(cov_type="robust")
    >>> dsk = ds.DaskEventLogit("event ~ x", dd.from_pandas(df, npartitions=3)).fit(cov_type="robust")
    >>> bool(np.allclose(mem.params, dsk.params, rtol=1e-10) and np.allclose(mem.std_errors, dsk.std_errors))
    True
    """

    _name = "EventLogit"
    _role_args = ("clock", "weights")

    @translating(clock_keyword("DaskEventLogit"))
    def __init__(self, formula: str, data, *, link: str = "logit", duration: Duration | None = None,
                 clock: str = "stop", spline_df: int = 4, knots=None, weights: str | None = None,
                 missing: str = "raise") -> None:
        from .event_logit import _check_duration_args

        _check_duration_args(duration, clock, data)
        self._setup(formula, data, link=link, weights=weights, missing=missing,
                    extra=(clock,) if duration is not None else ())
        self._duration_kind, self._clock, self._spline_df, self._knots = duration, clock, spline_df, knots

    def _roles(self, cluster_cols, cov_type):
        r = super()._roles(cluster_cols, cov_type)
        r["time"] = self._clock if self._duration_kind is not None else None  # the partition spec's clock
        return r

    def _duration(self, setup: list[dict]) -> dict:
        from .event_logit import _duration_layout

        kind, time = self._duration_kind, self._clock
        if kind is None:
            return {"kind": None, "names": []}
        tc = [s["t_counts"] for s in setup if s["t_counts"] is not None and len(s["t_counts"][0])]
        allv = pd.concat([pd.Series(c, index=v) for v, c in tc]).groupby(level=0).sum().sort_index()
        vals, cnt = allv.index.to_numpy(dtype=float), allv.to_numpy()
        out = _duration_layout(kind, time, has_intercept="Intercept" in self._names, spline_df=self._spline_df,
                               knots=self._knots, formula_names=self._names,
                               bounds=lambda: (float(vals.min()), float(vals.max())),
                               quantile=lambda probs: _type7_quantiles(vals, cnt, probs), distinct=lambda: vals)
        out["info"] = {"Duration": f"{kind} in '{time}'", **out["info"]}
        return out


class DaskDyadicLogit(_DaskBinaryModel):
    """:class:`~diffusion_stats.DyadicLogit` on a ``dask.dataframe`` (same numbers as in memory).

    ``cov_type="dyadic"`` sums scores by unit (as unit or partner) and by unordered pair
    within each partition; those group sums add across partitions, so the meat
    ``sum_u S_u S_u' - sum_{u<v} S_uv S_uv'`` is exact whatever the partitioning.

    Parameters
    ----------
    formula : str
    data : dask.dataframe.DataFrame
        Directed-dyad rows, e.g. :func:`dask_dyads` or ``dask.dataframe.read_parquet`` of
        :func:`write_dyads_partitioned` output.
    unit, partner : str
    link : {"logit", "cloglog", "probit"}
    weights : str, optional
    missing : {"raise", "drop"}

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> import numpy as np, dask.dataframe as dd
    >>> rng = np.random.default_rng(3)
    >>> units = np.array(list("abcdefgh"))
    >>> i, j = np.meshgrid(np.arange(8), np.arange(8)); keep = i.ravel() != j.ravel()
    >>> df = pd.DataFrame({"unit": units[i.ravel()[keep]], "partner": units[j.ravel()[keep]]})
    >>> df = pd.concat([df] * 10, ignore_index=True)
    >>> df["x"] = rng.normal(size=len(df)); df["event"] = (rng.random(len(df)) < 0.3).astype(int)
    >>> mem = ds.DyadicLogit("event ~ x", df).fit(cov_type="dyadic")
    >>> dsk = ds.DaskDyadicLogit("event ~ x", dd.from_pandas(df, npartitions=4)).fit(cov_type="dyadic")
    >>> bool(np.allclose(dsk.std_errors, mem.std_errors, rtol=1e-10)), dsk.nobs
    (True, 560)
    """

    _name = "DyadicLogit"
    _allowed_cov = ("classical", "robust", "cluster", "dyadic")
    _role_args = ("unit", "partner", "weights")

    def __init__(self, formula: str, data, *, unit: str = "unit", partner: str = "partner",
                 link: str = "logit", weights: str | None = None, missing: str = "raise") -> None:
        self._unit, self._partner = unit, partner
        as_dask(data, "DyadicLogit")
        from .dyadic_logit import _check_dyad_columns

        _check_dyad_columns(data, unit, partner)
        self._setup(formula, data, link=link, weights=weights, missing=missing, extra=(unit, partner))

    def _roles(self, cluster_cols, cov_type):
        r = super()._roles(cluster_cols, cov_type)
        r.update(unit=self._unit, partner=self._partner, dyadic=cov_type == "dyadic")
        return r


