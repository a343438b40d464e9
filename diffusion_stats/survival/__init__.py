"""Cox proportional hazards (CoxHazard): model, numerics, diagnostics and the Dask twin.

See ``docs/design.md`` for the layout of the package.
"""
