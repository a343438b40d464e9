"""Locate the files the project authors and ships (the top-level ``datasets/`` folder).

In a wheel they live in ``diffusion_stats/bundled``; in a source checkout (editable
install, tests) they are read from ``datasets/`` beside the package.
"""

from __future__ import annotations

from pathlib import Path

from .errors import DataNotAvailableError

__all__ = ["bundled_path"]


def _roots() -> list[Path]:
    pkg = Path(__file__).resolve().parents[1]  # diffusion_stats/
    return [pkg / "bundled", pkg.parent / "datasets"]


def bundled_path(name: str) -> Path:
    """Path of bundled file ``name`` (e.g. ``"us_states.csv"``)."""
    for root in _roots():
        p = root / name
        if p.exists():
            return p
    raise DataNotAvailableError(
        f"bundled file '{name}' is missing from this installation (looked in "
        f"{', '.join(map(str, _roots()))}); reinstall diffusion_stats")
