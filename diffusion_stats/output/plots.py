"""Figures for diffusion research (matplotlib).

Every function takes ``ax=None`` (a new figure is made when omitted) and returns the
Axes it drew on, so figures compose and can be restyled:

- :func:`adoption_curves` - cumulative adoption over time, one or many policies;
- :func:`tile_map` - US tile-grid map of adoption timing (50 states + DC; no GIS);
- :func:`exposure_hazard` - exposure to prior adopters versus the observed hazard;
- :func:`forest` - estimates with intervals (channel effects, horse races);
- :func:`identification` - identification-check results (true vs recovered);
- :func:`weight_sensitivity` - estimates across alternative weight matrices;
- :func:`schoenfeld` - scaled Schoenfeld residuals of a Cox model against time;
- :func:`network_graph` - a directed (inferred) diffusion network for one year.
- :func:`counterfactual` - observed, fitted and counterfactual adoption curves;
- :func:`survival` - survival or cumulative-hazard curves of a Cox model by stratum;
- :func:`country_map` - world dot map of country values at their capitals (no basemap).
"""

from __future__ import annotations

# the private helpers are re-exported for the tests and the command line
from ._plot_adoption import US_TILES, _wilson, adoption_curves, exposure_hazard, state_code, tile_map  # noqa: F401
from ._plot_counterfactual import counterfactual
from ._plot_country_map import country_map
from ._plot_effects import (  # noqa: F401
    _scale_schoenfeld,
    _schoenfeld_frame,
    forest,
    identification,
    schoenfeld,
    weight_sensitivity,
)
from ._plot_network import network_graph
from ._plot_survival import survival

__all__ = [
    "adoption_curves", "tile_map", "exposure_hazard", "forest", "identification",
    "weight_sensitivity", "schoenfeld", "counterfactual", "US_TILES", "network_graph",
    "survival", "country_map",
]
