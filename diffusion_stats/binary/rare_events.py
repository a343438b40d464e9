"""Rare events at scale: case-control sampling of non-events (King & Zeng 2001).

A pooled directed-dyad design has tens of millions of rows and well under 1% events.
Keeping every event and a random fraction of the non-events loses little information
about the slopes (King & Zeng 2001, sec. 4: the variance grows only slowly once there are
a few controls per event) while shrinking the data many times. Two corrections restore
population quantities:

* **prior correction** (``case_control="prior"``, logit only): fit the ordinary logit on the
  sample, then subtract ``log[((1 - tau) / tau) * (ybar / (1 - ybar))]`` from the
  intercept, where ``tau`` is the population event share and ``ybar`` the sample's. The
  slopes are consistent as they are; their standard errors are those of the sample fit
  (any ``cov_type``). Efficient when the model is correctly specified.
* **weighting** (``case_control="weight"``): maximise the weighted log-likelihood with
  weights ``tau / ybar`` for events and ``(1 - tau) / (1 - ybar)`` for non-events. More
  robust to misspecification, slightly less efficient; the variance must be a sandwich
  (``cov_type`` "robust", "cluster" or "dyadic"; "classical" is refused).

Trade-off: fewer controls per event means faster fits and larger standard errors; with
5+ controls per event the loss is usually small (check by refitting with another
``seed``). The sample, ``tau`` and the sampling fractions are recorded on the result.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..core.accounting import Accounting, to_plain
from ..core.errors import ColumnNotFoundError, DataValidationError, InputError, SpecificationError, did_you_mean
from ..design.frame import Reports, design_frame, report

__all__ = ["case_control_sample", "prior_correction_offset", "case_control_setup", "apply_prior_correction"]


def prior_correction_offset(tau: float, ybar: float) -> float:
    """``log[((1 - tau) / tau) * (ybar / (1 - ybar))]``, subtracted from the logit intercept.

    Examples
    --------
    >>> round(prior_correction_offset(0.01, 0.5), 4)
    4.5951
    """
    return float(np.log((1 - tau) / tau * (ybar / (1 - ybar))))


def _check_event(df: pd.DataFrame, event: str) -> np.ndarray:
    if event not in df.columns:
        raise ColumnNotFoundError(f"event column '{event}' not found in data{did_you_mean(event, df.columns)}")
    y = df[event].to_numpy()
    if pd.isna(y).any() or not np.isin(y, (0, 1)).all():
        raise DataValidationError(f"event column '{event}' must be 0/1 without missing values")
    return y.astype(bool)


def case_control_sample(data: pd.DataFrame | Iterable[pd.DataFrame], *, event: str = "event",
                        controls_per_event: float | None = None, fraction: float | None = None,
                        seed: int | None = None) -> pd.DataFrame:
    """Keep every event and a random sample of non-events.

    Parameters
    ----------
    data : DataFrame or iterable of DataFrames
        The full design, or its chunks (e.g. ``ds.iter_dyads(...)``) so the full design
        never has to sit in memory; chunks need ``fraction=``.
    event : str
        0/1 event column.
    controls_per_event : float, optional
        Sample this many non-events per event (without replacement; DataFrame input only).
    fraction : float, optional
        Keep each non-event with this probability (independent Bernoulli draws).
    seed : int, optional
        Random seed (numpy ``default_rng``).

    Returns
    -------
    DataFrame
        The sample (a :class:`~diffusion_stats.DesignFrame`). ``df.reports.case_control``
        holds ``tau`` (population event share), ``ybar`` (sample event share), the
        population and sample counts, and the fraction of non-events kept;
        ``df.accounting`` records the non-events left out.
        Pass the sample to ``ds.EventLogit``/``ds.DyadicLogit`` with
        ``case_control="prior"`` or ``"weight"``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import diffusion_stats as ds
    >>> df = pd.DataFrame({"event": [1] * 10 + [0] * 990, "x": np.arange(1000.0)})
    >>> s = ds.case_control_sample(df, controls_per_event=5, seed=1)
    >>> len(s), s.reports.case_control["tau"]
    (60, 0.01)
    """
    if (controls_per_event is None) == (fraction is None):
        raise InputError("give exactly one of controls_per_event= (e.g. 5) or fraction= (e.g. 0.05)")
    if fraction is not None and not 0 < fraction <= 1:
        raise InputError(f"fraction must be in (0, 1], got {fraction!r}")
    if controls_per_event is not None and not controls_per_event > 0:
        raise InputError(f"controls_per_event must be positive, got {controls_per_event!r}")
    rng = np.random.default_rng(seed)
    if isinstance(data, pd.DataFrame):
        y = _check_event(data, event)
        n1, n = int(y.sum()), len(y)
        n0 = n - n1
        if n1 == 0:
            raise DataValidationError(f"no events in '{event}': nothing to sample around")
        idx0 = np.flatnonzero(~y)
        if controls_per_event is not None:
            m = min(n0, int(round(controls_per_event * n1)))
            keep0 = np.sort(rng.choice(idx0, size=m, replace=False))
            frac = m / n0 if n0 else 1.0
        else:
            assert fraction is not None  # exactly one of the two is given (checked above)
            keep0 = idx0[rng.random(n0) < fraction]
            frac = float(fraction)
        keep = np.sort(np.concatenate([np.flatnonzero(y), keep0]))
        out = data.iloc[keep].reset_index(drop=True)
        n_pop, n1_pop, n0_kept = n, n1, len(keep0)
    else:
        if fraction is None:
            raise InputError("chunked input needs fraction= (the number of events is not known in advance)")
        parts, n_pop, n1_pop, n0_kept = [], 0, 0, 0
        for chunk in data:
            y = _check_event(chunk, event)
            sel = y | (rng.random(len(y)) < fraction)
            parts.append(chunk.loc[sel])
            n_pop += len(y)
            n1_pop += int(y.sum())
            n0_kept += int((sel & ~y).sum())
        if not parts or n1_pop == 0:
            raise DataValidationError("the chunks hold no events: nothing to sample around")
        out = pd.concat(parts, ignore_index=True)
        for c in out.columns:
            if isinstance(parts[0][c].dtype, pd.CategoricalDtype) and not isinstance(out[c].dtype, pd.CategoricalDtype):
                out[c] = out[c].astype("category")
        frac = float(fraction)
    tau = n1_pop / n_pop
    ybar = n1_pop / (n1_pop + n0_kept)
    acc = Accounting("case_control_sample", n_rows=len(out),
                     counts={"population rows": n_pop, "events": n1_pop, "non-events kept": n0_kept})
    acc.exclude(n_pop - n1_pop - n0_kept, f"non-events left out by case-control sampling (kept {frac:.4g})",
                warn=False)
    cc = {"tau": tau, "ybar": ybar, "n_population": n_pop, "n_events": n1_pop, "n_nonevents_kept": n0_kept,
          "fraction": frac, "seed": seed}
    return design_frame(out, acc, Reports(case_control=to_plain(cc)))


def case_control_setup(y: np.ndarray, data: pd.DataFrame, *, tau: float | None, link: str, how: str,
                       names: list[str]) -> dict[str, float]:
    """Resolve ``tau`` and the weights for a model fitted with ``case_control=``."""
    if tau is None:
        tau = (report(data, "case_control") or {}).get("tau")
        if tau is None:
            raise SpecificationError("case_control needs tau= (the population event share); it is read from the "
                                     "data only when they come straight from ds.case_control_sample")
    tau = float(tau)
    if not 0 < tau < 1:
        raise InputError(f"tau must be in (0, 1), got {tau!r}")
    ybar = float(np.mean(y))
    if how == "prior":
        if link != "logit":
            raise SpecificationError(f"prior correction is exact only for the logit link (got link={link!r}); "
                                     "use case_control='weight'")
        if "Intercept" not in names:
            raise SpecificationError("prior correction adjusts the intercept: the formula must keep one")
    return {"tau": tau, "ybar": ybar, "w1": tau / ybar, "w0": (1 - tau) / (1 - ybar)}


def apply_prior_correction(params: pd.Series, tau: float, ybar: float) -> pd.Series:
    """Return ``params`` with the intercept prior-corrected (King & Zeng 2001, eq. 7)."""
    out = params.copy()
    out["Intercept"] = out["Intercept"] - prior_correction_offset(tau, ybar)
    return out
