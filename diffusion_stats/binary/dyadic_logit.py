"""Directed-dyad binary models with dyadic-robust inference: ``ds.DyadicLogit``.

In a directed-dyad panel (``ds.dyads``) unit i, at risk in year t, is paired with each
potential source j. Every row involving i shares i's shocks, and every row involving j
shares j's, so neither robust nor one-way clustered errors are valid. ``cov_type="dyadic"``
is the Fafchamps & Gubert (2007) / Cameron & Miller (2014) / Aronow, Samii & Assenova
(2015) estimator: any two rows whose dyads share a unit, as unit or partner, in any
year, may be correlated. Its meat is

    D = sum_u S_u S_u' - sum_{u<v} S_uv S_uv'

with S_u the score sum over rows involving unit u and S_uv over rows of the unordered pair
{u, v}: O(n k^2) from group sums (:func:`diffusion_stats.inference.covariance.dyadic_meat`),
never an n x n loop. No finite-sample factor is applied. The matrix is a difference of
sums and can fail to be positive definite with few units: that is checked (eigenvalues),
warned about, noted in the summary and exposed as ``results.not_psd``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import ColumnNotFoundError, DataValidationError, did_you_mean
from ..core.options import CovType, HCType, Link, Missing, renamed
from ..inference.covariance import SmallSample
from .event_logit import BinaryResults, _BinaryModel

__all__ = ["DyadicLogit"]


class DyadicLogit(_BinaryModel):
    """Binary-response model (logit, cloglog or probit) for a directed-dyad panel.

    Parameters
    ----------
    formula : str
        ``"event ~ partner_adopted + border"`` (formulaic syntax); 0/1 response.
    data : DataFrame
        Directed-dyad rows (e.g. from ``ds.dyads``).
    unit, partner : str
        The two members of each dyad (for ``cov_type="dyadic"``).
    link : {"logit", "cloglog", "probit"}
    weights : str or array, optional
        Prior weights.
    missing : {"raise", "drop"}
    case_control : {None, "prior", "weight"}
        King & Zeng (2001) correction after ``ds.case_control_sample``.
    tau : float, optional
        Population event share (read from the sample's ``reports.case_control`` when omitted).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import diffusion_stats as ds
    >>> rng = np.random.default_rng(1)
    >>> units = np.array(list("abcdefghijkl"))
    >>> i, j = np.meshgrid(np.arange(12), np.arange(12)); keep = i.ravel() != j.ravel()
    >>> df = pd.DataFrame({"unit": units[i.ravel()[keep]], "partner": units[j.ravel()[keep]]})
    >>> df = pd.concat([df] * 5, ignore_index=True)
    >>> df["x"] = rng.normal(size=len(df)); df["event"] = (rng.random(len(df)) < 0.3).astype(int)
    >>> res = ds.DyadicLogit("event ~ x", df).fit(cov_type="dyadic")
    >>> res.cov_type, res.not_psd
    ('dyadic', False)
    """

    _name = "DyadicLogit"
    _allowed_cov = ("classical", "robust", "cluster", "dyadic")
    _role_args = ("unit", "partner", "weights")

    def __init__(self, formula: str, data: pd.DataFrame, *, unit: str = "unit", partner: str = "partner",
                 link: Link = "logit", weights=None, missing: Missing = "raise", case_control: str | None = None,
                 tau: float | None = None) -> None:
        self._unit, self._partner = unit, partner
        if not isinstance(data, pd.DataFrame):
            raise DataValidationError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        _check_dyad_columns(data, unit, partner)
        self._setup(formula, data, link=link, weights=weights, missing=missing, extra=(unit, partner),
                    case_control=case_control, tau=tau)

    @property
    def unit(self) -> str:
        return self._unit

    @property
    def partner(self) -> str:
        return self._partner

    def _extra_cov_args(self, cov_type: str) -> dict:
        if cov_type != "dyadic":
            return {}
        rows = self._design.rows
        allrows = bool(rows.all())
        su, sp = self._data[self._unit], self._data[self._partner]
        if isinstance(su.dtype, pd.CategoricalDtype) and isinstance(sp.dtype, pd.CategoricalDtype):
            uc, pc = _joint_codes(su, sp)
        else:
            codes, _ = pd.factorize(np.concatenate([su.to_numpy(dtype=object), sp.to_numpy(dtype=object)]))
            uc, pc = codes[:len(su)], codes[len(su):]
        if not allrows:
            uc, pc = uc[rows], pc[rows]
        if (uc < 0).any() or (pc < 0).any():
            raise DataValidationError("unit/partner have missing values; drop those rows")
        uc, pc = uc.astype(np.int64), pc.astype(np.int64)
        same = uc == pc
        if same.any():
            raise _self_pairs_error(int(same.sum()), self._unit, self._partner)
        return {"unit_codes": uc, "partner_codes": pc}

    def _info_extra(self) -> dict:
        return {}

    @renamed(maxiter="max_iter")
    def fit(self, *, cov_type: CovType | None = None, cluster=None, small_sample: SmallSample = None,
            hc_type: HCType | None = None, max_iter: int = 100, tol: float = 1e-10) -> BinaryResults:
        """Fit by IRLS; ``cov_type`` adds "dyadic" to EventLogit's options (see :meth:`EventLogit.fit`).

        Parameters
        ----------
        cov_type : {"classical", "robust", "cluster", "dyadic"}, optional
        cluster : str or list of str, optional
        small_sample : {None, "none", "CR1", "HC1", "CR2", "CR3", True, False}
            Finite-sample factor (see :meth:`EventLogit.fit`); "dyadic" takes none.
        hc_type : {"HC0", "HC1"}, optional
            Deprecated alias of ``small_sample`` (FutureWarning).
        max_iter, tol : IRLS limits (``maxiter=`` is the deprecated spelling of ``max_iter=``).

        Returns
        -------
        BinaryResults
        """
        return super().fit(cov_type=cov_type, cluster=cluster, hc_type=hc_type, small_sample=small_sample,
                           max_iter=max_iter, tol=tol)

    def _report_clusters(self, cov_type: str | None, info: dict, n_clusters: tuple) -> tuple:
        if cov_type == "dyadic":
            info["Units (dyadic)"] = n_clusters[0]
            return ()
        return n_clusters


def _check_dyad_columns(data, unit: str, partner: str) -> None:
    """The unit= and partner= columns exist (pandas or Dask frame)."""
    for role, col in (("unit", unit), ("partner", partner)):
        if col not in data.columns:
            raise ColumnNotFoundError(f"{role}= column '{col}' not found in data"
                                      f"{did_you_mean(col, data.columns)}; pass {role}='<column name>'")


def _self_pairs_error(count: int, unit: str, partner: str) -> DataValidationError:
    return DataValidationError(f"{count} rows pair a unit with itself ({unit} == {partner}); a directed dyad "
                               "needs two different units: drop them")


def _joint_codes(u: pd.Series, p: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of unit and partner in one common factorisation (fast path for categoricals)."""
    cu, cp = u.cat.codes.to_numpy(), p.cat.codes.to_numpy()
    cats_u, cats_p = pd.Index(u.cat.categories), pd.Index(p.cat.categories)
    if not cats_u.equals(cats_p):
        cats = cats_u.union(cats_p)
        cu = np.where(cu < 0, -1, cats.get_indexer(cats_u)[cu])
        cp = np.where(cp < 0, -1, cats.get_indexer(cats_p)[cp])
    return cu, cp
