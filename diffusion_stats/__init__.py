"""diffusion_stats: empirical policy- and norm-diffusion research.

Turn "unit u adopted policy p in year t" into event-history, directed-dyad and
spatial designs; estimate Cox, discrete-time, dyadic and spatial-lag models with the
inference these data need; and test whether mechanisms (learning, emulation,
coercion, competition) can be told apart.

Public names are imported lazily, so ``import diffusion_stats as ds`` is fast and the
command-line tool starts quickly.

Examples
--------
>>> import diffusion_stats as ds
>>> isinstance(ds.__version__, str)
True
"""

from __future__ import annotations

import importlib
from typing import Any

from .core.accounting import Accounting, accounting
from .core.errors import (
    ColumnNotFoundError,
    ConvergenceError,
    ConvergenceWarning,
    DataNotAvailableError,
    DataValidationError,
    DiffusionStatsError,
    DiffusionStatsWarning,
    IdentificationWarning,
    InputError,
    RowAccountingWarning,
    SeparationWarning,
    SpecificationError,
)
from .core.progress import set_progress

__version__ = "0.2.0.dev0"

# public name -> module that defines it (imported on first use)
_LAZY: dict[str, str] = {
    # data layer
    "read_adoptions": "diffusion_stats.design.adoptions",
    "event_history": "diffusion_stats.design.panel",
    "policy_spells": "diffusion_stats.design.repeated",
    "spells_from_events": "diffusion_stats.design.repeated",
    "read_spells": "diffusion_stats.design.repeated",
    "status_events": "diffusion_stats.design.repeated",
    "repeated_event_history": "diffusion_stats.design.repeated",
    "status_exposure": "diffusion_stats.design.repeated",
    "status_channels": "diffusion_stats.design.repeated",
    "Weights": "diffusion_stats.weights.core",
    "exposure": "diffusion_stats.design.exposure",
    "dyads": "diffusion_stats.design.dyads",
    "iter_dyads": "diffusion_stats.design.dyads",
    "write_dyads_parquet": "diffusion_stats.design.dyads",
    "check_parquet_parts": "diffusion_stats.design._parts",
    "DesignFrame": "diffusion_stats.design.frame",
    "read_parquet_parts": "diffusion_stats.design._parts",
    # estimators
    "CoxHazard": "diffusion_stats.survival.cox",
    "EventLogit": "diffusion_stats.binary.event_logit",
    "MixedEventLogit": "diffusion_stats.binary.mixed_logit",
    "DyadicLogit": "diffusion_stats.binary.dyadic_logit",
    "case_control_sample": "diffusion_stats.binary.rare_events",
    "SpatialLag": "diffusion_stats.spatial.lag",
    "spatial_temporal_lag": "diffusion_stats.spatial.lag",
    "moran_test": "diffusion_stats.spatial.diagnostics",
    "lm_tests": "diffusion_stats.spatial.diagnostics",
    "yearly_moran": "diffusion_stats.spatial.diagnostics",
    # mechanisms
    "Channel": "diffusion_stats.mechanisms.channels",
    "add_channels": "diffusion_stats.mechanisms.channels",
    "horse_race": "diffusion_stats.mechanisms.horse_race",
    "separability": "diffusion_stats.mechanisms.separability",
    "galton_check": "diffusion_stats.mechanisms.galton",
    "placebo_test": "diffusion_stats.mechanisms.placebo",
    "permutation_test": "diffusion_stats.mechanisms.permutation",
    "identification_check": "diffusion_stats.mechanisms.identification",
    "weight_sensitivity": "diffusion_stats.mechanisms.sensitivity",
    "simulate_diffusion": "diffusion_stats.design.simulate",
    # output
    "compare": "diffusion_stats.output.compare",
    "wild_bootstrap": "diffusion_stats.inference.bootstrap",
    "BootstrapResult": "diffusion_stats.inference.bootstrap",
    "effects": "diffusion_stats.postestimation.effects",
    "counterfactual": "diffusion_stats.postestimation.counterfactual",
    # distributed (Dask)
    "dask_dyads": "diffusion_stats.design.distributed",
    "write_dyads_partitioned": "diffusion_stats.design.distributed",
    "dask_event_history": "diffusion_stats.design.distributed",
    "partition_by": "diffusion_stats.design.distributed",
    "DaskEventLogit": "diffusion_stats.design.distributed",
    "DaskDyadicLogit": "diffusion_stats.design.distributed",
    "DaskCoxHazard": "diffusion_stats.design.distributed",
}
# public subpackages/modules reached as attributes (``ds.plots``, ``ds.countries`` ...)
_SUBMODULES = {"datasets": "diffusion_stats.datasets", "countries": "diffusion_stats.countries",
               "mechanisms": "diffusion_stats.mechanisms", "plots": "diffusion_stats.output.plots"}

__all__ = [
    "Accounting", "accounting", "set_progress", "__version__",
    "DiffusionStatsError", "InputError", "ColumnNotFoundError", "DataValidationError",
    "SpecificationError", "ConvergenceError", "DataNotAvailableError", "DiffusionStatsWarning",
    "RowAccountingWarning", "ConvergenceWarning", "IdentificationWarning", "SeparationWarning",
    *sorted(_LAZY), "datasets", "countries", "mechanisms",
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(_SUBMODULES[name])
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'diffusion_stats' has no attribute {name!r}")
    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
