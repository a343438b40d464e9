"""Variance estimation (robust, cluster, multi-way, dyadic) and the Results base class.

See ``docs/design.md`` for the layout of the package.
"""
