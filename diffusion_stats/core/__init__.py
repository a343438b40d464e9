"""Cross-cutting pieces every family uses: the error family, row accounting, progress bars,
formula designs, option checks and bundled files.

See ``docs/design.md`` for the layout of the package.
"""
