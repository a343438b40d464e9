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
import sys
import types
from typing import Any

from ._accounting import Accounting, accounting
from ._errors import (
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
from ._progress import set_progress

__version__ = "0.1.0"

# public name -> module that defines it (imported on first use)
_LAZY: dict[str, str] = {
    # data layer
    "read_adoptions": "diffusion_stats.adoptions",
    "event_history": "diffusion_stats.panel",
    "Weights": "diffusion_stats.weights",
    "exposure": "diffusion_stats.exposure",
    "dyads": "diffusion_stats.dyads",
    "iter_dyads": "diffusion_stats.dyads",
    "write_dyads_parquet": "diffusion_stats.dyads",
    # estimators
    "CoxHazard": "diffusion_stats.cox",
    "EventLogit": "diffusion_stats.event_logit",
    "DyadicLogit": "diffusion_stats.dyadic_logit",
    "case_control_sample": "diffusion_stats.rare_events",
    "SpatialLag": "diffusion_stats.spatial_lag",
    "moran_test": "diffusion_stats.spatial_diagnostics",
    "lm_tests": "diffusion_stats.spatial_diagnostics",
    "yearly_moran": "diffusion_stats.spatial_diagnostics",
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
    "simulate_diffusion": "diffusion_stats.simulate",
    # output
    "compare": "diffusion_stats.compare",
    # distributed (Dask)
    "dask_dyads": "diffusion_stats.distributed",
    "write_dyads_partitioned": "diffusion_stats.distributed",
    "dask_event_history": "diffusion_stats.distributed",
    "partition_by": "diffusion_stats.distributed",
    "DaskEventLogit": "diffusion_stats.distributed",
    "DaskDyadicLogit": "diffusion_stats.distributed",
    "DaskCoxHazard": "diffusion_stats.distributed",
}
_SUBMODULES = {"datasets", "countries", "mechanisms", "plots"}

__all__ = [
    "Accounting", "accounting", "set_progress", "__version__",
    "DiffusionStatsError", "InputError", "ColumnNotFoundError", "DataValidationError",
    "SpecificationError", "ConvergenceError", "DataNotAvailableError", "DiffusionStatsWarning",
    "RowAccountingWarning", "ConvergenceWarning", "IdentificationWarning", "SeparationWarning",
    *sorted(_LAZY), "datasets", "countries", "mechanisms",
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"diffusion_stats.{name}")
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'diffusion_stats' has no attribute {name!r}")
    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """Keep functions named like their modules (``ds.exposure``, ``ds.dyads``, ``ds.compare``).

    Importing the submodule ``diffusion_stats.exposure`` makes Python bind the package
    attribute ``exposure`` to the module; bind the function of that name instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (isinstance(value, types.ModuleType) and name in _LAZY
                and value.__name__ == f"{__name__}.{name}" and hasattr(value, name)):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
