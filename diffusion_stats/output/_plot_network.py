"""Figure of a directed (inferred) diffusion network for one year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..core.errors import InputError
from ._plot_adoption import US_TILES, state_code
from ._plot_base import _PALETTE, _get_ax

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["network_graph"]


def _positions(labels: tuple[str, ...], layout: str) -> np.ndarray:
    codes = [state_code(u) for u in labels]
    if layout == "auto":
        layout = "tiles" if all(c is not None for c in codes) else "circle"
    if layout == "tiles":
        missing = [u for u, c in zip(labels, codes, strict=True) if c is None]
        if missing:
            raise InputError(f"layout='tiles' needs US states (postal codes or names); not states: "
                             f"{', '.join(map(str, missing[:5]))}; use layout='circle'")
        rc = np.array([US_TILES[c][:2] for c in codes if c is not None], dtype=float)  # none is None here
        return np.column_stack([rc[:, 1], -rc[:, 0]])
    ang = np.pi / 2 - 2 * np.pi * np.arange(len(labels)) / max(len(labels), 1)
    return np.column_stack([np.cos(ang), np.sin(ang)])


def network_graph(W: Any, year: int | None = None, *, layout: Literal["auto", "tiles", "circle"] = "auto",
                  labels: bool = True, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Draw a directed diffusion network (e.g. one year of :func:`~diffusion_stats.mechanisms.rolling_netinf`).

    An arrow ``origin -> destination`` is drawn for each tie ``W[destination, origin]``;
    a unit's marker grows with its out-degree (number of followers).

    Parameters
    ----------
    W : Weights
        Directed network, static or year-varying.
    year : int, optional
        The year to draw (required for year-varying weights).
    layout : {"auto", "tiles", "circle"}
        ``"tiles"`` places US states on the tile grid of :func:`tile_map`; ``"circle"``
        puts the units on a circle in label order; ``"auto"`` uses tiles when every unit
        is a US state.
    labels : bool
        Write the unit labels (postal codes on the tile layout).
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> e = pd.DataFrame({"source": ["CA", "CA", "NY"], "target": ["NV", "OR", "NJ"]})
    >>> ax = ds.plots.network_graph(ds.Weights.from_edges(e, symmetric=False))
    """
    from ..mechanisms.netinf import years_and_matrices

    years_and_matrices(W)
    if layout not in ("auto", "tiles", "circle"):
        raise InputError(f"layout={layout!r}: use 'auto', 'tiles' or 'circle'")
    m = W.matrix(year=year) if (W.is_time_varying or year is not None) else W.matrix()
    pos = _positions(W.labels, layout)
    ax = _get_ax(ax, figsize=(7.5, 5.2))
    coo = m.tocoo()
    for dest, orig in zip(coo.row.tolist(), coo.col.tolist(), strict=True):
        ax.annotate("", xy=pos[dest], xytext=pos[orig], zorder=1,
                    arrowprops={"arrowstyle": "-|>", "color": _PALETTE[0], "alpha": 0.35, "lw": 0.6,
                                "shrinkA": 7, "shrinkB": 7, "mutation_scale": 7,
                                "connectionstyle": "arc3,rad=0.12"})
    outdeg = np.asarray((m != 0).sum(axis=0)).ravel()
    size = 40 + 260 * outdeg / max(int(outdeg.max()) if outdeg.size else 0, 1)
    ax.scatter(pos[:, 0], pos[:, 1], s=size, color=np.where(outdeg > 0, "#f19c99", "#d9d9d9"),
               edgecolor="white", linewidth=0.8, zorder=2)
    if labels:
        names = [state_code(u) or u for u in W.labels] if layout != "circle" else list(W.labels)
        for (x, y), name in zip(pos, names, strict=True):
            ax.text(x, y, str(name), ha="center", va="center", fontsize=6.5, zorder=3)
    ax.set_aspect("equal")
    ax.set_axis_off()
    yr = f" ({year})" if year is not None else ""
    ax.set_title(title if title is not None else f"{W.name}{yr}: {coo.nnz} edges; marker size = out-degree",
                 fontsize=10)
    pad = 0.6 if layout != "circle" else 0.12
    ax.set_xlim(pos[:, 0].min() - pad, pos[:, 0].max() + pad)
    ax.set_ylim(pos[:, 1].min() - pad, pos[:, 1].max() + pad)
    return ax
