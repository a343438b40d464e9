"""Axes helpers for plots drawn outside ``output/`` (e.g. a model's own caterpillar plot).

The package's one figure style: :func:`get_ax` gives the user's Axes or a new one, and
:func:`style` applies the common look.
"""

from __future__ import annotations

from ._plot_base import _get_ax as get_ax
from ._plot_base import _style as style

__all__ = ["get_ax", "style"]
