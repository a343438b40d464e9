"""The spatial numerics other families build on (delta-method impacts, predictions).

A public face of the private :mod:`diffusion_stats.spatial._numerics` and the spatial
lag operator of :mod:`diffusion_stats.spatial.lag`.
"""

from __future__ import annotations

from ._numerics import _eigenvalues, _trace_products, _unique_blocks, solve_blocks
from .lag import _lag

eigenvalues = _eigenvalues
trace_products = _trace_products
unique_blocks = _unique_blocks
spatial_lag_of = _lag

__all__ = ["eigenvalues", "solve_blocks", "spatial_lag_of", "trace_products", "unique_blocks"]
