"""Research designs: adoption tables, event-history panels, directed dyads, exposures,
the diffusion simulator and the partitioned (Dask) builders.

See ``docs/design.md`` for the layout of the package.
"""
