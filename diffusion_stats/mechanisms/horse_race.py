"""Horse race between mechanism channels estimated jointly in any estimator."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import DiffusionStatsError, DiffusionStatsWarning, user_stacklevel
from ..output.summary import Summary, format_number
from ._protocol import channel_names, drop_terms, fit_results, model_data, model_formula, rebuild

__all__ = ["horse_race", "HorseRaceResult"]


@dataclass(frozen=True, eq=False)
class HorseRaceResult:
    """Channel effects estimated jointly, with the tests that compare them.

    Attributes
    ----------
    effects : DataFrame
        One row per channel: mechanism, estimate, std_error, z, pvalue, lower, upper
        (and exp_estimate, the hazard or odds ratio, for Cox and logit/cloglog models).
    joint : dict
        Wald test that every channel effect is 0 (statistic, df, pvalue).
    pairwise : DataFrame
        Wald tests of equal effects for each pair (a, b, difference, std_error,
        statistic, pvalue). Meaningful when the exposures share a scale (e.g. shares).
    drop_one : DataFrame or None
        Likelihood-ratio contribution of each channel: the model refitted without it
        (loglik_full, loglik_without, lr, df, pvalue). None when only results were given.
    results : Results
        The full model's results.
    separability : SeparabilityResult or None
        Collinearity diagnostics of the channel columns (when the data are available).
    conditional : DataFrame or None
        For channels that enter interactions: the channel's effect on the linear
        predictor at chosen moderator values (``ds.effects(..., at=)``); None otherwise.
    """

    effects: pd.DataFrame
    joint: dict
    pairwise: pd.DataFrame
    drop_one: pd.DataFrame | None
    results: Any
    separability: Any = None
    notes: list = field(default_factory=list)
    conditional: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """The effects table (index: channel), e.g. for ``ds.plots.forest``."""
        return self.effects.copy()

    def summary(self) -> Summary:
        header = [("Model", getattr(self.results, "model_name", type(self.results).__name__)),
                  ("Observations", format_number(self.results.nobs)),
                  ("Covariance", str(getattr(self.results, "cov_type", ""))),
                  ("Joint Wald (all channels = 0)",
                   f"chi2({self.joint['df']}) = {self.joint['statistic']:.3f}, "
                   f"p = {format_number(self.joint['pvalue'])}")]
        tables = [("Channel effects", self.effects.drop(columns=["mechanism"]).assign(
            mechanism=self.effects["mechanism"]))]
        if not self.pairwise.empty:
            pw = self.pairwise.copy()
            pw.index = [f"{a} = {b}" for a, b in zip(pw["a"], pw["b"], strict=False)]
            tables.append(("Pairwise equality (Wald)", pw.drop(columns=["a", "b"])))
        if self.conditional is not None:
            tables.append(("Conditional channel effects (linear predictor)", self.conditional))
        if self.drop_one is not None:
            tables.append(("Drop-one likelihood ratio", self.drop_one))
        notes = list(self.notes)
        if self.separability is not None:
            notes.append(self.separability.verdict)
        return Summary(title="Horse race of diffusion channels", header=header, tables=tables, notes=notes)

    def __str__(self) -> str:
        return str(self.summary())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _mechanisms(channels: Any, names: list[str]) -> dict[str, str]:
    from .channels import MECHANISM_LABELS

    if isinstance(channels, str) or hasattr(channels, "weights") or hasattr(channels, "mechanism"):
        channels = [channels]
    out = {}
    for c, n in zip(channels, names, strict=False):
        m = getattr(c, "mechanism", "") if not isinstance(c, str) else ""
        out[n] = MECHANISM_LABELS.get(m, m)
    return out


def horse_race(model_or_results: Any, channels: Any, *, fit_kwargs: dict | None = None, drop_one: bool = True,
               alpha: float = 0.05, check_separability: bool = True,
               moderator_at: dict | None = None) -> HorseRaceResult:
    """Estimate channels jointly and test which one carries the diffusion.

    Parameters
    ----------
    model_or_results : model or Results
        An unfitted model with every channel in its formula (``CoxHazard``,
        ``EventLogit``, ``DyadicLogit``, ``SpatialLag`` or any estimator with
        ``formula``, its data and ``fit``): it is fitted with ``fit_kwargs`` and refitted
        without each channel for the drop-one likelihood-ratio tests. Fitted results
        give the Wald tests only.
    channels : list of Channel or str
        The channel terms (Channel objects carry their mechanism into the table).
    fit_kwargs : dict, optional
        Passed to every ``fit`` (e.g. ``{"cluster": "unit"}``).
    drop_one : bool
        Refit without each channel (models only).
    alpha : float
        Level of the confidence intervals.
    check_separability : bool
        Add the separability diagnostics of the channel columns (models only).
    moderator_at : dict, optional
        ``{moderator: values}`` at which to report the effect of a channel that enters an
        interaction (default: the moderator's quartiles in the estimation data).

    Returns
    -------
    HorseRaceResult

    Notes
    -----
    A channel in an interaction (``igo * lcinc``) has no single effect: its coefficient
    is the effect at moderator = 0, possibly outside the data. horse_race then warns,
    reports the channel's average effect on the linear predictor (the mean over the
    estimation rows of d eta / d channel) in the effects table, its effect at
    ``moderator_at`` values in ``conditional``, and the joint test covers every term
    containing the channel (EventLogit, DyadicLogit, CoxHazard results).

    The joint and pairwise tests are Wald tests with the chosen covariance (cluster-
    robust if asked). The drop-one statistic ``2 (ll_full - ll_without)`` is a classical
    likelihood-ratio test: with clustered data prefer the Wald tests. Equal-effect tests
    compare coefficients, so they are meaningful only for exposures on a common scale.

    Examples
    --------
    >>> import numpy as np, pandas as pd, diffusion_stats as ds
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"a": rng.random(3000), "b": rng.random(3000)})
    >>> df["event"] = (rng.random(3000) < 1 / (1 + np.exp(3 - 1.5 * df["a"]))).astype(int)
    >>> hr = ds.horse_race(ds.EventLogit("event ~ a + b", df), ["a", "b"])
    >>> bool(hr.effects.loc["a", "estimate"] > hr.effects.loc["b", "estimate"])
    True
    """
    from .resistance import drop_channel_terms, moderated_channels

    model, res = fit_results(model_or_results, fit_kwargs)
    names = channel_names(channels)
    terms = moderated_channels(res.params.index, names)
    moderated = {n: t[1:] for n, t in terms.items() if len(t) > 1}
    msg = ("Moderated channel(s) " + "; ".join(f"'{n}' (with {', '.join(t)})" for n, t in moderated.items())
           + ": the coefficient of each is its effect at moderator = 0; 'estimate' is its average effect on the "
           "linear predictor where the estimation data are at hand, 'conditional' its effect at moderator values "
           "(also ds.mechanisms.conditional_effect), and the joint Wald and drop-one tests cover every term "
           "containing the channel.")
    mech = _mechanisms(channels, names)
    params = res.params
    ci = res.conf_int(alpha=alpha)
    eff = pd.DataFrame({
        "mechanism": [mech[n] for n in names],
        "estimate": params[names].to_numpy(),
        "std_error": res.std_errors[names].to_numpy(),
        "z": res.tvalues[names].to_numpy(),
        "pvalue": res.pvalues[names].to_numpy(),
        "lower": ci.loc[names].iloc[:, 0].to_numpy(),
        "upper": ci.loc[names].iloc[:, 1].to_numpy(),
    }, index=pd.Index(names, name="channel"))
    ratio_model = "cox" in str(getattr(res, "model_name", "")).lower() or \
        getattr(res, "link", None) in ("logit", "cloglog")
    if ratio_model:  # hazard ratios (Cox, cloglog) or odds ratios (logit)
        eff["exp_estimate"] = np.exp(eff["estimate"])
    conditional = _moderated(res, eff, {n: terms[n][1:] for n in names}, moderator_at, alpha)
    joint = res.wald_test([t for n in names for t in terms[n]])
    idx = list(params.index)
    rows = []
    for a, b in combinations(names, 2):
        R = np.zeros((1, len(idx)))
        R[0, idx.index(a)], R[0, idx.index(b)] = 1.0, -1.0
        t = res.wald_test(R)
        V = res.cov.to_numpy()
        se = float(np.sqrt(max((R @ V @ R.T)[0, 0], 0.0)))
        rows.append({"a": a, "b": b, "difference": float(params[a] - params[b]), "std_error": se,
                     "statistic": t["statistic"], "pvalue": t["pvalue"]})
    pairwise = pd.DataFrame(rows, columns=["a", "b", "difference", "std_error", "statistic", "pvalue"])
    notes: list[str] = []
    drop = None
    sep = None
    if model is not None and drop_one:
        ll_full = res.loglik
        if ll_full is None:
            notes.append("The estimator reports no log-likelihood: drop-one likelihood-ratio tests skipped.")
        else:
            formula = model_formula(model)
            drows = []
            for n in names:
                try:
                    sub = rebuild(model, drop_terms(formula, [n]) if n not in moderated
                                  else drop_channel_terms(formula, [n]))
                    r0 = sub.fit(**dict(fit_kwargs or {}))
                    ll0 = r0.loglik
                except DiffusionStatsError as exc:
                    warnings.warn(f"horse_race: refit without '{n}' failed ({exc}); its drop-one test is NaN",
                                  DiffusionStatsWarning, stacklevel=user_stacklevel())
                    ll0 = np.nan
                    r0 = None
                if r0 is not None and r0.nobs != res.nobs:
                    notes.append(f"Refit without '{n}' used {r0.nobs} rows, the full model {res.nobs}: "
                                 "its LR test compares different samples.")
                lr = 2.0 * (ll_full - ll0) if ll0 is not None else np.nan
                k = len(terms[n])
                drows.append({"channel": n, "loglik_full": ll_full, "loglik_without": ll0, "lr": lr, "df": k,
                              "pvalue": float(stats.chi2.sf(lr, k)) if np.isfinite(lr) else np.nan})
            drop = pd.DataFrame(drows).set_index("channel")
            if getattr(res, "cov_type", "classical") != "classical":
                notes.append("Drop-one LR tests assume independent observations; with "
                             f"cov_type='{res.cov_type}' read the Wald tests.")
    if model is not None and check_separability and len(names) >= 2:
        from .separability import separability

        try:
            data = model_data(model)
            sep = separability(data, names, within="auto")
        except DiffusionStatsError as exc:
            notes.append(f"Separability diagnostics unavailable: {exc}")
    srcs = [f"{c.name}: {c.source}" for c in (channels if isinstance(channels, (list, tuple)) else [channels])
            if not isinstance(c, str) and getattr(c, "source", None)]
    if srcs:
        notes.append("Channel sources - " + "; ".join(srcs) + ".")
    if moderated:
        notes.append(msg)
    if len(names) >= 2 and not pairwise.empty:
        notes.append("Pairwise tests compare coefficients: meaningful only for channels on a common scale "
                     "(e.g. all shares).")
    return HorseRaceResult(effects=eff, joint=joint, pairwise=pairwise, drop_one=drop, results=res,
                           separability=sep, notes=notes, conditional=conditional)


def _moderated(res: Any, eff: pd.DataFrame, inter: dict[str, list[str]], moderator_at: dict | None,
               alpha: float) -> pd.DataFrame | None:
    """Warn about channels in interactions; their average and conditional effects (in place on ``eff``)."""
    moderated = {n: ts for n, ts in inter.items() if ts}
    if not moderated:
        return None
    try:
        from ..postestimation.effects import effects
        from ..postestimation.effects import estimation_data as _estimation_data
        from ..postestimation.effects import model_family as _family
        fam = _family(res)
        if fam == "spatial":
            raise DiffusionStatsError("spatial")
        data = _estimation_data(res, fam)
    except DiffusionStatsError:
        data = None
    frames = []
    for n, ts in moderated.items():
        mods = sorted({f for t in ts for f in t.split(":") if f != n})
        rng = "; ".join(f"{m} in [{data[m].min():.4g}, {data[m].max():.4g}]" for m in mods
                        if data is not None and m in data.columns)
        warnings.warn(f"horse_race: channel '{n}' enters interaction(s) {ts}: its coefficient is its effect at "
                      f"moderator = 0 ({' = '.join(mods)} = 0{'; data: ' + rng if rng else ''}). "
                      "The effects table reports its average effect on the linear predictor, 'conditional' its "
                      "effect at moderator values, and the joint test covers all terms containing it",
                      DiffusionStatsWarning,
                      stacklevel=user_stacklevel())
        if data is None:
            continue
        scale = "linear"
        avg = effects(res, n, scale=scale, alpha=alpha)
        for col in ("estimate", "std_error", "z", "pvalue", "lower", "upper"):
            eff.loc[n, col] = float(avg[col].iloc[0])
        if "exp_estimate" in eff.columns or "cox" in str(getattr(res, "model_name", "")).lower():
            eff.loc[n, "exp_estimate"] = float(np.exp(avg["estimate"].iloc[0]))
        for m in mods:
            if m not in data.columns or not pd.api.types.is_numeric_dtype(data[m]):
                continue
            vals = (moderator_at or {}).get(m)
            if vals is None:
                vals = np.quantile(data[m].to_numpy(dtype=float), [0.25, 0.5, 0.75]).tolist()
            c = effects(res, n, at={m: list(np.atleast_1d(vals))}, scale=scale, alpha=alpha)
            c = c.rename(columns={m: "value"}).assign(moderator=m)
            frames.append(c[["variable", "moderator", "value", "estimate", "std_error", "z", "pvalue",
                             "lower", "upper"]].rename(columns={"variable": "channel"}))
    return pd.concat(frames, ignore_index=True) if frames else None
