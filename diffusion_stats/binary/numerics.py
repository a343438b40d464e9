"""The IRLS pieces other families build on (the bootstrap, small-sample variance).

A public face of the private :mod:`diffusion_stats.binary._glm`: the scores, working
weights and inverse links of a fitted binary GLM, and the IRLS fit itself.
"""

from __future__ import annotations

from ._glm import GLMFit, _gram, _irls_weights, _linkinv, fit_binary_glm, glm_scores

irls_weights = _irls_weights
gram = _gram
linkinv = _linkinv

__all__ = ["GLMFit", "fit_binary_glm", "glm_scores", "gram", "irls_weights", "linkinv"]
