"""The Cox numerics other families build on (the bootstrap, small-sample variance).

A public face of the private :mod:`diffusion_stats.survival._numerics`: risk-set
evaluation (Breslow/Efron and exact ties), score residuals and hazard sums.
"""

from __future__ import annotations

from ._numerics import (
    _pair_hazard_sums,
    evaluate,
    evaluate_exact,
    exact_layout,
    exact_score_residuals,
    score_residuals,
    workspace,
)

pair_hazard_sums = _pair_hazard_sums

__all__ = ["evaluate", "evaluate_exact", "exact_layout", "exact_score_residuals", "pair_hazard_sums",
           "score_residuals", "workspace"]
