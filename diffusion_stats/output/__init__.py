"""Summaries, model comparison tables, the HTML report and plots.

See ``docs/design.md`` for the layout of the package.
"""
