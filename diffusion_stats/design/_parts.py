"""Parquet part-file folders that cannot lose or mix rows.

The writers (:func:`~diffusion_stats.write_dyads_parquet`,
:func:`~diffusion_stats.write_dyads_partitioned`) validate their input before they touch
the disk, refuse a folder holding ``.parquet`` files they did not write, write every part
to a hidden temporary name and rename it, and write a manifest with the row accounting
**last**. :func:`check_parquet_parts` (called by :func:`read_parquet_parts`; call it before
``dask.dataframe.read_parquet(path)``) refuses a folder whose manifest is missing or
incomplete, or whose files do not hold the rows it lists. An interrupted folder is
recognised by the next run, which replaces exactly its own files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..core.errors import DataValidationError, InputError

__all__ = ["MANIFEST", "prepare_part_folder", "write_part_file", "finish_part_folder", "check_parquet_parts",
           "read_parquet_parts"]

#: manifest file name (leading underscore: pyarrow, pandas and dask ignore it when reading the folder)
MANIFEST = "_diffusion_stats_parts.json"


def _read_manifest(path: Path) -> dict | None:
    f = path / MANIFEST
    if not f.exists():
        return None
    try:
        return json.loads(f.read_text())
    except (OSError, ValueError) as exc:
        raise DataValidationError(f"{f} is unreadable ({exc}); the folder's completeness is unknown: rewrite it "
                                  "into a new folder") from None


def _write_manifest(path: Path, info: dict) -> None:
    from ..core.validate import atomic_write_bytes

    atomic_write_bytes(path / MANIFEST, json.dumps(info, indent=1, default=str).encode())


def prepare_part_folder(path: str | os.PathLike, *, writer: str) -> Path:
    """Create (or reclaim) the output folder; call only after the input has been validated."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"path={str(path)!r} is a file, not a folder; give a folder name for the part files")
    if path.is_dir():
        info = _read_manifest(path)
        parquet = sorted(p.name for p in path.iterdir() if p.suffix.lower() in (".parquet", ".pq"))
        if info is None and parquet:
            raise InputError(
                f"{path} already holds {len(parquet)} .parquet file(s) not written by diffusion_stats (e.g. "
                f"{', '.join(parquet[:3])}); reading the folder would mix their rows with the new ones: choose a "
                "new or empty folder")
        if info is not None and info.get("complete"):
            raise InputError(
                f"{path} already holds a complete set of {len(info.get('files', []))} part files "
                f"({info.get('rows', '?'):,} rows, written by {info.get('writer', '?')}); choose a new folder or "
                "delete this one first")
        if info is not None:  # an interrupted run of ours: replace exactly its files
            own = set(info.get("files", [])) | {p.name for p in path.glob("part-*.parquet")}
            foreign = [p for p in parquet if p not in own]
            if foreign:
                raise InputError(f"{path} holds .parquet files not written by diffusion_stats "
                                 f"({', '.join(foreign[:3])}); choose a new or empty folder")
            for name in own:
                (path / name).unlink(missing_ok=True)
            for tmp in path.glob(".part-*.tmp"):
                tmp.unlink()
    try:
        path.mkdir(parents=True, exist_ok=True)
        _write_manifest(path, {"writer": writer, "complete": False, "files": []})
    except OSError as exc:
        raise InputError(f"cannot write into {path}: {exc.strerror or exc}; choose a folder you can write to") from None
    return path


def write_part_file(df, path: str | os.PathLike) -> None:
    """Write one part to a hidden temporary name, then rename it into place (atomic)."""
    from ..core.errors import require

    pa = require("pyarrow", extra="distributed", what="writing Parquet dyad files")
    pq = require("pyarrow.parquet", extra="distributed", what="writing Parquet dyad files")
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    try:
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}; check the folder's permissions and free "
                         "space") from None


def finish_part_folder(path: Path, *, writer: str, files: list[tuple[str, int]], events: int,
                       accounting: Any = None) -> None:
    """Write the manifest (files, rows per file, totals, accounting) last."""
    counts = {}
    if accounting is not None:
        counts = {k: v for k, v in getattr(accounting, "counts", {}).items()}
    _write_manifest(path, {
        "writer": writer, "complete": True, "files": [f for f, _ in files],
        "rows_per_file": {f: int(n) for f, n in files}, "rows": int(sum(n for _, n in files)),
        "events": int(events), "accounting": counts,
    })


def check_parquet_parts(path: str | os.PathLike) -> dict:
    """Check a part-file folder written by diffusion_stats before reading it.

    Raises :class:`~diffusion_stats.DataValidationError` when the manifest is missing
    or says the write did not finish (an interrupted run: rerun the writer on the same
    folder to complete it), when a listed file is missing, or when a file holds a
    different number of rows than the manifest. Returns the manifest (see
    :func:`read_parquet_parts` for an example).
    """
    from ..core.errors import require

    pq = require("pyarrow.parquet", extra="distributed", what="checking Parquet part files")
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path} is not a folder of part files")
    info = _read_manifest(path)
    if info is None:
        raise DataValidationError(f"{path} has no {MANIFEST}: it was not written by diffusion_stats, or the write "
                                  "was interrupted before it started; rewrite it")
    if not info.get("complete"):
        done = sorted(p.name for p in path.glob("part-*.parquet"))
        raise DataValidationError(
            f"{path} is incomplete: the write by {info.get('writer', '?')} was interrupted ({len(done)} part files "
            "present, no final manifest); rerun the same call on the same folder to complete it")
    for f in info["files"]:
        p = path / f
        if not p.exists():
            raise DataValidationError(f"{path}: part file {f} listed in the manifest is missing; rewrite the folder")
        n = pq.ParquetFile(p).metadata.num_rows
        if n != info["rows_per_file"][f]:
            raise DataValidationError(f"{path}: {f} holds {n:,} rows, the manifest {info['rows_per_file'][f]:,}; "
                                      "the folder was modified: rewrite it")
    extra = sorted(p.name for p in path.iterdir() if p.suffix.lower() in (".parquet", ".pq")
                   and p.name not in set(info["files"]))
    if extra:
        raise DataValidationError(f"{path} holds .parquet files the manifest does not list ({', '.join(extra[:3])}); "
                                  "reading the folder would add their rows: remove them")
    return info


def read_parquet_parts(path: str | os.PathLike, *, dask: bool = False):
    """Read a checked part-file folder (pandas, or ``dask=True`` for a Dask DataFrame).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> import diffusion_stats as ds
    >>> ad = pd.DataFrame({"unit": list("ABAB"), "policy": list("ppqq"), "year": [2001, 2002, 2002, 2003]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     acc = ds.write_dyads_parquet(ad, folder, units=list("ABC"), sources="all", partition_rows=5)
    ...     info = ds.check_parquet_parts(folder)
    ...     len(ds.read_parquet_parts(folder)) == info["rows"] == acc.counts["dyad rows"]
    True
    """
    info = check_parquet_parts(path)
    files = [str(Path(path) / f) for f in info["files"]]
    if dask:
        import dask.dataframe as dd

        return dd.read_parquet(files)
    import pandas as pd

    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
