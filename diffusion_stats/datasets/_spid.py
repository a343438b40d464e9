"""SPID v1.0: the State Policy Innovation and Diffusion database (Boehmke et al. 2020)."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from ..core.errors import InputError
from ._fetch import fetch

__all__ = ["load_spid", "SPID"]


class SPID(NamedTuple):
    """SPID adoptions (canonical) and per-policy metadata."""

    adoptions: pd.DataFrame
    metadata: pd.DataFrame


def load_spid(*, unit: str = "name", download: bool = True) -> SPID:
    """Load SPID v1.0 (728 policies x 50 states, first adoptions 1691-2017).

    The file ``spid/policies.RData`` is taken from ``$DIFFUSION_STATS_DATA``, the user
    cache, or downloaded from its pinned public URL (the NetworkInference R package),
    and verified against its SHA-256.

    Parameters
    ----------
    unit : {"name", "postal"}
        Unit labels: the state names exactly as in SPID's ``statenam`` (default, e.g.
        ``"New Hampshire"``), or two-letter postal codes (mapped with
        :func:`load_us_states`, e.g. to join ``load_us_state_borders``).
    download : bool
        Allow a download when the file is not available locally.

    Returns
    -------
    SPID
        A named tuple ``(adoptions, metadata)``: ``adoptions`` is the canonical table
        (unit, policy, year; 17,835 rows) with its accounting; ``metadata`` is
        ``policies_metadata`` (policy, source, first_year, last_year, adopt_count,
        description, majortopic), usable directly as ``windows=`` of
        :func:`~diffusion_stats.event_history`.

    Raises
    ------
    DataNotAvailableError
        Offline with no local copy; the message says where to get the file.

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> adoptions, metadata = ds.datasets.load_spid()  # doctest: +SKIP
    >>> panel = ds.event_history(adoptions, windows=metadata)  # doctest: +SKIP
    >>> len(panel), int(panel["event"].sum())  # doctest: +SKIP
    (582377, 17833)
    """
    import pyreadr

    from ..design.adoptions import read_adoptions

    if unit not in {"name", "postal"}:
        raise InputError(f"unit= must be 'name' (SPID's statenam) or 'postal', not {unit!r}")
    objs = pyreadr.read_r(str(fetch("spid/policies.RData", download=download)))
    raw = objs["policies"]
    if unit == "postal":
        from ._tables import load_us_states

        codes = dict(zip(load_us_states()["name"], load_us_states()["postal"], strict=True))
        raw = raw.assign(statenam=raw["statenam"].map(codes))
    adoptions = read_adoptions(raw, unit="statenam", policy="policy", year="adopt_year")
    meta = objs["policies_metadata"].copy()
    for col in ("first_year", "last_year", "adopt_count"):
        meta[col] = meta[col].astype("int64")
    return SPID(adoptions, meta.reset_index(drop=True))
