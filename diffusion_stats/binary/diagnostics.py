"""Fitted values and residuals of the binary-response models (R's ``residuals.glm``)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ..core.options import check_option
from ._glm import _linkfun, _mu_eta

__all__ = ["ResidualKind", "binary_residuals"]

ResidualKind = Literal["response", "pearson", "deviance", "working"]


def binary_residuals(y: np.ndarray, mu: np.ndarray, *, link: str, weights: np.ndarray | None,
                     kind: ResidualKind = "response", index: Any = None) -> pd.Series:
    """Residuals of a binary GLM, as R's ``residuals(glm_fit, type=kind)``.

    ``"response"`` ``y - mu``; ``"pearson"`` ``(y - mu) sqrt(w) / sqrt(mu (1 - mu))``;
    ``"deviance"`` ``sign(y - mu) sqrt(w d)`` with ``d = -2 [y log mu + (1 - y) log(1 - mu)]``;
    ``"working"`` ``(y - mu) / (d mu / d eta)``. ``w`` are the prior weights (1 without).

    Examples
    --------
    >>> import numpy as np
    >>> r = binary_residuals(np.array([1.0, 0.0]), np.array([0.8, 0.4]), link="logit", weights=None,
    ...                      kind="pearson")
    >>> np.round(r.to_numpy(), 4).tolist()
    [0.5, -0.8165]
    """
    check_option("kind", kind, ResidualKind)
    y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
    w = np.ones_like(mu) if weights is None else np.asarray(weights, dtype=float)
    r = y - mu
    if kind == "pearson":
        r = r * np.sqrt(w) / np.sqrt(mu * (1 - mu))
    elif kind == "deviance":
        d = -2 * (y * np.log(mu) + (1 - y) * np.log1p(-mu))
        r = np.sign(r) * np.sqrt(np.maximum(w * d, 0.0))
    elif kind == "working":
        r = r / _mu_eta(_linkfun(mu, link), mu, link)
    return pd.Series(r, index=index, name=kind)
