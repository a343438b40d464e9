"""Connectivity matrices between units: labelled, year-varying :class:`~diffusion_stats.Weights`.

See ``docs/design.md`` for the layout of the package.
"""
