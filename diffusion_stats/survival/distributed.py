"""Stratified Cox model on a Dask collection: Newton on partition sums of the partial likelihood.

Public through :mod:`diffusion_stats.design.distributed` (``ds.DaskCoxHazard``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import (
    DataValidationError,
    IdentificationWarning,
    InputError,
    SpecificationError,
    user_stacklevel,
)
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
    import_dask,
    part_clusters,
    persist_all,
    reduce_frames,
    sum_arrays,
)
from ..inference.covariance import (
    SmallSample,
    finite_sample_meat,
    resolve_cov_type,
    resolve_small_sample,
    robust_factor,
)
from ..inference.protocol import ModelProtocol
from . import _numerics as cn
from .cox import (
    SMALL_SAMPLE_DEFAULT,
    SMALL_SAMPLE_SUPPORTED,
    CoxFitState,
    CoxResults,
    _check_solution,
    _check_strata_count,
    _inv,
    _tests,
    _warn_negative_diagonal,
)

__all__ = ["DaskCoxHazard", "DaskCoxResults"]


# =========================================================================== Cox on Dask
def _cox_make_part(pdf: pd.DataFrame, spec: PartitionSpec, roles: dict) -> dict:
    extra = [c for c in (roles["start"], roles["stop"], roles["weights"], *roles["strata"]) if c is not None]
    y, X, bad, per = design_part(pdf, spec, extra)
    keep = ~bad
    sub = pdf if keep.all() else pdf.loc[keep]
    if not keep.all():
        y, X = y[keep], X[keep]
    n = len(y)
    part: dict[str, Any] = {"n_in": len(bad), "n_bad": int(bad.sum()), "per": per, "event": y, "Xraw": X}
    part["stop"] = sub[roles["stop"]].to_numpy(dtype=float)
    part["start"] = np.zeros(n) if roles["start"] is None else sub[roles["start"]].to_numpy(dtype=float)
    part["w"] = np.ones(n) if roles["weights"] is None else sub[roles["weights"]].to_numpy(dtype=float)
    if roles["strata"]:
        s = roles["strata"]
        key = sub[s[0]] if len(s) == 1 else pd.MultiIndex.from_frame(sub[s])
        codes, labels = pd.factorize(key, sort=True)
        part["strata"] = codes.astype(np.int64)
        part["strata_labels"] = [x if not isinstance(x, tuple) else tuple(x) for x in list(labels)]
    else:
        part["strata"] = np.zeros(n, dtype=np.int64)
        part["strata_labels"] = ["(all)"] if n else []
    part["clusters"], part["cluster_na"] = part_clusters(sub, roles["cluster"])
    return part


def _cox_setup_stats(part: dict) -> dict:
    ev, X, w = part["event"], part["Xraw"], part["w"]
    badv = ~np.isin(ev, (0.0, 1.0))
    return {"n_in": part["n_in"], "n_bad": part["n_bad"], "per": part["per"], "n": len(ev),
            "nonbinary": int(badv.sum()), "examples": pd.unique(ev[badv])[:5].tolist(),
            "events": float(ev[~badv].sum()), "bad_interval": int((part["stop"] <= part["start"]).sum()),
            "nonfinite": int((~np.isfinite(part["stop"])).sum() + (~np.isfinite(part["start"])).sum()),
            "w_bad": int((w <= 0).sum()), "w_nonint": int((w != np.round(w)).sum()),
            "xsum": X.sum(axis=0), "xsq": (X * X).sum(axis=0),
            "strata": part["strata_labels"], "cluster_na": part["cluster_na"]}


def _cox_prepare(part: dict, means: np.ndarray) -> dict:
    new = dict(part)
    new["X"] = part["Xraw"] - means
    del new["Xraw"]
    new["rs"] = cn.build_risk_sets(part["start"], part["stop"], part["event"], part["w"], part["strata"]) \
        if len(part["event"]) else None
    return new


def _cox_info0(part: dict) -> dict:
    p = part["X"].shape[1]
    if part["rs"] is None or part["rs"].n_sets == 0:
        return {"info": np.zeros((p, p)), "dw": 0.0}
    e = cn.evaluate(part["rs"], part["X"], part["w"], np.zeros(p), efron=False)
    return {"info": e.info, "dw": float(part["rs"].dw.sum())}


def _cox_keep(part: dict, keep: np.ndarray) -> dict:
    new = dict(part)
    new["X"] = np.ascontiguousarray(part["X"][:, keep])
    new["ws"] = cn.workspace(part["rs"], new["X"], part["w"]) if (part["rs"] is not None and part["rs"].n_sets) \
        else None
    return new


def _cox_eval(part: dict, beta: np.ndarray, efron: bool) -> dict:
    p = len(beta)
    if part.get("ws") is None:
        return {"loglik": 0.0, "score": np.zeros(p), "info": np.zeros((p, p)), "precision": 1.0}
    e = cn.evaluate(part["rs"], part["X"], part["w"], beta, efron=efron, want_info=True, ws=part["ws"])
    return {"loglik": e.loglik, "score": e.score, "info": e.info, "precision": float(e.precision)}


def _cox_pairs(part: dict) -> dict:
    if part.get("ws") is None or part["rs"].mode == "pairs":
        return part
    new = dict(part)
    new["rs"] = cn.pairs_of(part["rs"])
    new["ws"] = cn.workspace(new["rs"], part["X"], part["w"])
    return new


def _cox_newton(parts: list, p: int, efron: bool, max_iter: int, tol: float) -> tuple:
    """:func:`._numerics.newton` (the loop of ``CoxHazard``) on partition sums."""
    dask, _ = import_dask()

    def ev(b: np.ndarray) -> cn.Evaluation:
        r = compute_all([dask.delayed(_cox_eval, pure=False)(pt, b, efron) for pt in parts])
        return cn.Evaluation(loglik=float(sum(x["loglik"] for x in r)), score=sum_arrays(r, "score"),
                             info=sum_arrays(r, "info"), precision=max(x["precision"] for x in r))

    return cn.newton(ev, p, max_iter, tol)


def _cox_resid(part: dict, beta: np.ndarray, efron: bool, cov_type: str) -> Any:
    p = len(beta)
    if part.get("ws") is None:
        return np.zeros((p, p)) if cov_type == "robust" else pd.DataFrame()
    e = cn.evaluate(part["rs"], part["X"], part["w"], beta, efron=efron, want_info=False, keep=True,
                    ws=part["ws"])
    L, _ = cn.score_residuals(part["rs"], part["X"], e)
    WL = part["w"][:, None] * L
    if cov_type == "robust":
        return WL.T @ WL
    return cluster_sums(WL, part["clusters"])


class DaskCoxResults(CoxResults):
    """:class:`~diffusion_stats.survival.cox.CoxResults` of a Dask fit.

    Everything of the in-memory results except what needs the rows themselves
    (residuals, ``cox_zph``, baseline hazard, predictions, linear predictor): those raise
    a clear error; refit in memory (e.g. on a subset of strata) for them.
    """

    def _rows_needed(self, what: str):
        raise SpecificationError(f"{what} needs the rows in memory; it is not available for a Dask fit. "
                                 "Refit with ds.CoxHazard on a pandas frame (e.g. a subset of strata)")

    @property
    def linear_predictor(self):
        self._rows_needed("linear_predictor")

    def residuals(self, kind: str = "martingale"):
        self._rows_needed("residuals()")

    @property
    def fitted_values(self):
        self._rows_needed("fitted_values")

    def cox_zph(self, transform: str = "km", global_test: bool = True):
        self._rows_needed("cox_zph()")

    def baseline_hazard(self):
        self._rows_needed("baseline_hazard()")

    def predict_survival(self, newdata):
        self._rows_needed("predict_survival()")


class DaskCoxHazard(ModelProtocol):
    """:class:`~diffusion_stats.CoxHazard` on a ``dask.dataframe`` (same numbers as in memory).

    Each stratum must lie inside one partition (a risk set never spans partitions), as
    :func:`dask_event_history` and :func:`partition_by` arrange; that is checked. Without
    strata the data must be one partition. Per partition the risk sets are built once
    (:mod:`._numerics`) and kept on the workers; every Newton step sums the log
    partial likelihood, gradient and Hessian of the partitions; cluster meats sum the
    score residuals by cluster within partitions and then across them.

    Parameters
    ----------
    formula, start, stop, strata, weights, missing
        As :class:`~diffusion_stats.CoxHazard`.
    data : dask.dataframe.DataFrame
    ties : {"efron", "breslow"}
        ("exact" is available in memory only.)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import diffusion_stats as ds
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame({"policy": np.repeat(["a", "b", "c"], 40), "start": 0,
    ...                    "stop": rng.integers(1, 8, 120), "event": rng.integers(0, 2, 120),
    ...                    "x": rng.normal(size=120)})
    >>> mem = ds.CoxHazard("event ~ x", df, strata="policy").fit()
    >>> dsk = ds.DaskCoxHazard("event ~ x", ds.partition_by(df, "policy"), strata="policy").fit()
    >>> bool(np.allclose(mem.params, dsk.params, rtol=1e-10))
    True
    """

    _role_args = ("start", "stop", "strata", "weights")

    def __init__(self, formula: str, data, *, start: str | None = "start", stop: str = "stop",
                 strata: str | list[str] | None = None, ties: str = "efron", weights: str | None = None,
                 missing: str = "raise") -> None:
        as_dask(data, "CoxHazard")
        if ties not in ("efron", "breslow"):
            if ties == "exact":
                raise SpecificationError("ties='exact' is available in memory only (ds.CoxHazard); use "
                                         "ties='efron' (R's default) or 'breslow' on Dask")
            raise SpecificationError(f"ties={ties!r} is not one of ('efron', 'breslow', 'exact')")
        if missing not in ("raise", "drop"):
            raise InputError(f"missing={missing!r}; use 'raise' or 'drop'")
        strata_cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
        for role, cols in (("start", [start]), ("stop", [stop]), ("weights", [weights]), ("strata", strata_cols)):
            check_columns(data, cols, f"{role}=")
        self.formula, self.data = formula, data
        self.start, self.stop, self.ties, self.weights = start, stop, ties, weights
        self.strata, self.missing = strata_cols, missing
        self._spec = build_spec(formula, data, intercept=False)
        if not self._spec.names:
            raise SpecificationError(f"formula {formula!r} has no covariates; add terms after '~'")

    def fit(self, *, cov_type: str | None = None, cluster: str | list[str] | None = None,
            small_sample: SmallSample = None, max_iter: int = 50, tol: float = 1e-12, persist: bool = True):
        """Newton-Raphson with step halving on partition sums (see :meth:`CoxHazard.fit`).

        Parameters
        ----------
        cov_type : {"classical", "robust", "cluster"}, optional
        cluster : str or list of two str, optional
        small_sample : {None, "none", "CR1", True, False}
            As :meth:`CoxHazard.fit`; CR2/CR3 need the rows in memory (``CoxHazard``).
        max_iter, tol : int, float
        persist : bool
            Keep each partition's risk sets in worker memory (default).

        Returns
        -------
        CoxResults
            A :class:`~diffusion_stats.survival.cox.CoxResults` subclass.
        """
        default_cov = cov_type is None and cluster is None
        cov_type, ccols = resolve_cov_type(cov_type, cluster, allowed=("classical", "robust", "cluster"))
        if small_sample in ("CR2", "CR3"):
            raise SpecificationError(f"small_sample={small_sample!r} (CR2/CR3) is available for the in-memory "
                                     "CoxHazard only; use small_sample='CR1' (G/(G-1)) here")
        check_columns(self.data, ccols, "cluster")
        dask, _ = import_dask()
        roles = {"start": self.start, "stop": self.stop, "weights": self.weights, "strata": self.strata,
                 "cluster": list(ccols)}
        parts = persist_all([dask.delayed(_cox_make_part, pure=False)(p, self._spec, roles)
                          for p in self.data.to_delayed()], persist)
        setup = compute_all([dask.delayed(_cox_setup_stats, pure=False)(p) for p in parts])
        names_all = list(self._spec.names)
        check_missing(setup, self.missing)
        n = sum(s["n"] for s in setup)
        if n == 0:
            raise DataValidationError("no rows left to fit the Cox model")
        resp = self._spec.response
        nonbin = sum(s["nonbinary"] for s in setup)
        if nonbin:
            ex = [v for s in setup for v in s["examples"]][:5]
            raise DataValidationError(
                f"event column '{resp}' must be 0/1; {nonbin} rows have other values "
                f"(e.g. {', '.join(map(str, ex))}); recode it as 1 = event, 0 = no event")
        if sum(s["nonfinite"] for s in setup):
            raise DataValidationError(f"columns '{self.start}'/'{self.stop}' have missing or infinite values")
        badi = sum(s["bad_interval"] for s in setup)
        if badi:
            raise DataValidationError(f"{badi} rows have stop <= start; every interval must have start < stop")
        if sum(s["w_bad"] for s in setup):
            raise DataValidationError(f"weights column '{self.weights}' has values <= 0; case weights must be "
                                      "positive (drop those rows)")
        check_cluster_na(setup, ccols)
        weights_note = None
        if default_cov and sum(s.get("w_nonint", 0) for s in setup):  # as CoxHazard.fit (R's coxph)
            cov_type = "robust"
            weights_note = ("Variance robust (Lin-Wei sandwich) by default because the case weights are not "
                            "integers, as R's coxph does; pass cov_type='classical' for the model-based one.")
        kind = resolve_small_sample(small_sample, cov_type, ccols, model=type(self).__name__,
                                    default=SMALL_SAMPLE_DEFAULT, supported=SMALL_SAMPLE_SUPPORTED)
        events = sum(s["events"] for s in setup)
        if events == 0:
            raise DataValidationError(f"event column '{resp}' has no events; nothing to fit")
        # every stratum inside one partition
        seen: dict[Any, int] = {}
        for k_, s in enumerate(setup):
            for lab in s["strata"]:
                if lab in seen:
                    what = (f"stratum {lab!r} of strata={self.strata!r}" if self.strata else
                            "an unstratified model (one risk set per time over all rows)")
                    fix = ("repartition so that each stratum lies in one partition, e.g. "
                           f"ds.partition_by(df, {self.strata[0]!r}) or ds.dask_event_history(...)"
                           if self.strata else "pass strata= (e.g. strata='policy') or use one partition "
                           "(data.repartition(npartitions=1))")
                    raise SpecificationError(f"{what} spans partitions {seen[lab]} and {k_}: risk sets would be "
                                             f"split across partitions. Fix: {fix}")
                seen[lab] = k_
        strata_labels = np.asarray(sorted(seen, key=str) if self.strata else ["(all)"], dtype=object)
        if self.strata:
            _check_strata_count(self.strata, len(strata_labels), n)
        xsum, xsq = sum_arrays(setup, "xsum"), sum_arrays(setup, "xsq")
        means_all = xsum / n
        parts = persist_all([dask.delayed(_cox_prepare, pure=False)(p, means_all) for p in parts], persist)
        # identification (as cox._identified, from summed information at beta = 0)
        i0 = compute_all([dask.delayed(_cox_info0, pure=False)(p) for p in parts])
        info0, dw = sum_arrays(i0, "info"), sum(r["dw"] for r in i0)
        var = np.maximum(xsq / n - means_all**2, 0.0)
        keep, dropped = cn.identified_columns(info0, dw * np.maximum(var, 1e-300), names_all)
        if dropped:
            warnings.warn("covariates not identified by the partial likelihood were dropped: "
                          + "; ".join(f"'{k_}' ({v})" for k_, v in dropped.items()), IdentificationWarning,
                          stacklevel=user_stacklevel())
        if not keep.any():
            raise SpecificationError("no covariate is identified by the partial likelihood (each is constant "
                                     "within every risk set or collinear); nothing can be estimated")
        names = [nm for nm, k_ in zip(names_all, keep, strict=True) if k_]
        parts = persist_all([dask.delayed(_cox_keep, pure=False)(p, keep) for p in parts], persist)
        efron = self.ties == "efron"

        beta, e, e0, converged, it, halvings, change = _cox_newton(parts, len(names), efron, max_iter, tol)
        if e.precision > 1e7:
            # interval sums lost precision (as CoxHazard.fit): redo on expanded risk sets
            parts = persist_all([dask.delayed(_cox_pairs, pure=False)(p) for p in parts], persist)
            beta, e, e0, converged, it, halvings, change = _cox_newton(parts, len(names), efron, max_iter, tol)
        converged = _check_solution(beta, e, names, converged, it, change)
        naive = _inv(e.info)
        n_clusters: tuple[int, ...] = ()
        if cov_type == "classical":
            cov = naive
        else:
            r = compute_all([dask.delayed(_cox_resid, pure=False)(pt, beta, efron, cov_type) for pt in parts])
            if cov_type == "robust":
                M = sum(r[1:], r[0])
                meat = (naive @ M @ naive) * robust_factor(cov_type, kind, n, len(names))
            else:
                sums = reduce_frames(list(r))
                if len(ccols) == 1:
                    s = sums.to_numpy() @ naive
                    G = len(s)
                    from ..core.validate import check_cluster_count

                    check_cluster_count([G], list(ccols))
                    meat = finite_sample_meat(((s.T @ s, G),), kind)
                    n_clusters = (G,)
                else:
                    s1 = sums.groupby(level=0, sort=False).sum().to_numpy() @ naive
                    s2 = sums.groupby(level=1, sort=False).sum().to_numpy() @ naive
                    s12 = sums.to_numpy() @ naive
                    G1, G2, G12 = len(s1), len(s2), len(s12)
                    from ..core.validate import check_cluster_count

                    check_cluster_count([G1, G2], list(ccols))
                    meat = finite_sample_meat(((s1.T @ s1, G1), (s2.T @ s2, G2), (s12.T @ s12, G12)), kind)
                    n_clusters = (G1, G2)
            cov = meat
            _warn_negative_diagonal(cov, names)
        tests = _tests(beta, e, e0, cov)
        idxn = pd.Index(names)
        info = {"Events": int(round(events)), "Strata": len(strata_labels) if self.strata else 1, "Ties": self.ties,
                "Partitions": int(self.data.npartitions)}
        if weights_note:
            info["variance note"] = weights_note
        model = self
        state = CoxFitState(names=list(names), dropped=dict(dropped), strata_labels=np.asarray(strata_labels),
                            n_events=int(round(events)), evaluation=e)
        return DaskCoxResults(model=model, state=state, params=pd.Series(beta, index=idxn, name="coef"),
                   cov=pd.DataFrame(cov, index=idxn, columns=idxn),
                   naive_cov=pd.DataFrame(naive, index=idxn, columns=idxn), nobs=n, loglik=e.loglik,
                   loglik_null=e0.loglik, cov_type=cov_type, cluster=ccols, n_clusters=n_clusters, info=info,
                   formula=self.formula, tests=tests, converged=converged, iterations=it, step_halvings=halvings,
                   small_sample=kind)

