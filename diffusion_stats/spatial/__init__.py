"""Spatial autoregressive models (SpatialLag): model, numerics and diagnostics.

See ``docs/design.md`` for the layout of the package.
"""
