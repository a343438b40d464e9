"""Discrete-time binary models: EventLogit, DyadicLogit, rare-events corrections, the
shared IRLS numerics and the Dask twins.

See ``docs/design.md`` for the layout of the package.
"""
