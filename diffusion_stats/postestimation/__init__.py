"""postestimation

See ``docs/design.md`` for the layout of the package.
"""
