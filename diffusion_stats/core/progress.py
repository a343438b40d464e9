"""Progress bars for long loops, switchable globally or per call."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")

_ENABLED = os.environ.get("DIFFUSION_STATS_PROGRESS", "1") not in {"0", "false", "False", "no"}


def set_progress(enabled: bool) -> None:
    """Switch tqdm progress bars on or off for the whole package."""
    global _ENABLED
    _ENABLED = bool(enabled)


def progress(iterable: Iterable[T], *, desc: str = "", total: int | None = None,
             enabled: bool | None = None) -> Iterable[T]:
    """Wrap ``iterable`` in a tqdm bar unless progress is switched off.

    ``enabled=None`` follows the package setting (``set_progress`` or the environment
    variable ``DIFFUSION_STATS_PROGRESS=0``).
    """
    on = _ENABLED if enabled is None else enabled
    if not on:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False)
