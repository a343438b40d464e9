"""Replication tables of Desmarais, Harden & Boehmke (2015, APSR)."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from ..core.errors import InputError, did_you_mean
from ._fetch import fetch

__all__ = ["load_dhb2015", "DHB2015"]

# table -> (file, {policy name: adoption indicator column})
_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "lottery": ("dhb2015/lottery.tab", {"lottery": "adopt"}),
    "gaming": ("dhb2015/gaming.tab", {"indgam": "adopt_ig", "casino": "adopt_cg", "cardtab": "adopt_ct"}),
    "punishment": ("dhb2015/punishment.tab", {"cappun": "adopt_cp"}),
    "smoking": ("dhb2015/smoking.tab", {"govbuildings": "dvgovbuild", "restaurants": "dvrest",
                                        "outofpackage": "dvoutpack"}),
    "statehood": ("dhb2015/mkdata-network02-statehood.tab", {}),
    "networks": ("dhb2015/dhb2015apsr-networks.csv", {}),
}


class DHB2015(NamedTuple):
    """A DHB 2015 replication table and the adoptions it records."""

    data: pd.DataFrame
    adoptions: pd.DataFrame | None


def load_dhb2015(table: str, *, download: bool = True) -> DHB2015:
    """Load a table of the Desmarais, Harden & Boehmke (2015) replication archive.

    Parameters
    ----------
    table : {"lottery", "gaming", "punishment", "smoking", "statehood", "networks"}
        ``lottery`` (Berry & Berry 1990, 48 states 1964-86), ``gaming`` (Boehmke 2005:
        Indian gaming, casinos, card tables), ``punishment`` (capital punishment),
        ``smoking`` (Shipan & Volden 2006, three anti-smoking laws, stacked by
        ``policynum``), ``statehood`` (statehood year, FIPS, ICPSR codes) and
        ``networks`` (inferred diffusion ties by year).
    download : bool
        Allow a download when the file is not available locally.

    Returns
    -------
    DHB2015
        ``data``: the file as a DataFrame, unchanged except that ``lottery``'s
        two-digit ``year`` (64..86) becomes the calendar year (1964..1986).
        ``adoptions``: canonical adoptions (unit = postal code, policy, year), one per
        state-policy row with the adoption indicator = 1 (lottery: ``adopt``; gaming:
        ``adopt_ig`` -> ``indgam``, ``adopt_cg`` -> ``casino``, ``adopt_ct`` ->
        ``cardtab``; punishment: ``adopt_cp`` -> ``cappun``; smoking: ``dvgovbuild`` ->
        ``govbuildings``, ``dvrest`` -> ``restaurants``, ``dvoutpack`` ->
        ``outofpackage``); ``None`` for ``statehood`` and ``networks``. Adoptions before
        a table's first year are not in the file and so not in ``adoptions``.

    Examples
    --------
    >>> from diffusion_stats.datasets import load_dhb2015
    >>> lottery = load_dhb2015("lottery")  # doctest: +SKIP
    >>> len(lottery.data), len(lottery.adoptions)  # doctest: +SKIP
    (901, 27)
    """
    from ..design.adoptions import read_adoptions

    if table not in _TABLES:
        raise InputError(f"unknown DHB 2015 table {table!r}{did_you_mean(table, _TABLES)}; choose from "
                         f"{', '.join(_TABLES)}")
    name, policies = _TABLES[table]
    sep = "," if name.endswith(".csv") else "\t"
    data = pd.read_csv(fetch(name, download=download), sep=sep)
    if table == "lottery":
        data["year"] = data["year"].astype("int64") + 1900
    if not policies:
        return DHB2015(data, None)
    parts = []
    for policy, col in policies.items():
        hit = data.loc[data[col] == 1, ["state", "year"]].drop_duplicates()
        parts.append(pd.DataFrame({"unit": hit["state"].to_numpy(), "policy": policy,
                                   "year": hit["year"].to_numpy()}))
    adoptions = read_adoptions(pd.concat(parts, ignore_index=True))
    return DHB2015(data, adoptions)
