"""File location and low-level reading shared by the country readers (internal)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..core.errors import DataNotAvailableError, DataValidationError, InputError

ENV = "DIFFUSION_STATS_DATA"


def data_file(path: str | os.PathLike | None, folder: str, file: str) -> Path:
    """Resolve ``path``, else the published file ``<folder>/<file>``.

    Without ``path``, files in the package's data registry are found by
    :func:`diffusion_stats.datasets.fetch` (``$DIFFUSION_STATS_DATA/<folder>/<file>``, then
    the user cache, then a download from the pinned public URL; SHA-256 verified).
    Other files are looked up under ``$DIFFUSION_STATS_DATA`` only.
    """
    if path is not None:
        p = Path(path).expanduser()
        if p.is_dir():
            p = p / file
        if not p.exists():
            raise DataNotAvailableError(f"path={str(path)!r}: file not found (expected the original '{file}')")
        return p
    name = f"{folder}/{file}"
    try:
        from ..datasets import REGISTRY
    except ImportError:  # pragma: no cover - the datasets subpackage ships with the package
        REGISTRY = {}
    if name in REGISTRY:
        from ..datasets import fetch

        return fetch(name)
    root = os.environ.get(ENV)
    if not root:
        raise DataNotAvailableError(
            f"no path given and the environment variable {ENV} is not set: pass path='.../{name}' "
            f"or set {ENV} to the folder holding '{name}' (see the data README)")
    p = Path(root).expanduser() / folder / file
    if not p.exists():
        raise DataNotAvailableError(f"'{name}' not found under {ENV}={root!r}: pass path= or place the "
                                    f"original file there")
    return p


def read_rda(path: Path, obj: str, columns: list[str]) -> pd.DataFrame:
    """Read R object ``obj`` from an .rda/.RData file and check its columns."""
    import pyreadr

    try:
        res = pyreadr.read_r(str(path))
    except Exception as exc:  # pyreadr raises its own family
        raise DataValidationError(f"could not read R data file {str(path)!r}: {exc}") from exc
    if obj not in res:
        raise DataValidationError(f"R data file {str(path)!r} holds {list(res)} but not the object '{obj}'")
    df = res[obj]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataValidationError(f"object '{obj}' in {str(path)!r} lacks column(s) {missing}; "
                                  f"is this the original file? (columns: {list(df.columns)})")
    return df


def year_range(years) -> tuple[int, int] | None:
    """Normalise ``years=`` (None, int, (first, last)) to an inclusive pair."""
    if years is None:
        return None
    if isinstance(years, (int,)) and not isinstance(years, bool):
        return int(years), int(years)
    try:
        a, b = years
        a, b = int(a), int(b)
    except (TypeError, ValueError):
        raise InputError(f"years={years!r}: give one year (1990) or an inclusive pair (1990, 2014)") from None
    if a > b:
        raise InputError(f"years={years!r}: first year after last year; give (first, last)")
    return a, b
