"""CEPII GeoDist: dyadic geography, language and colonial ties, mapped to COW codes."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..core.accounting import Accounting
from ..core.errors import InputError, require_columns
from ..design.frame import design_frame
from ._io import data_file, read_rda

__all__ = ["CEPII_ALIASES", "read_cepii_dist", "cepii_weights"]

#: ISO3 codes that CEPII GeoDist spells differently (ISO3 -> CEPII code).
CEPII_ALIASES: dict[str, str] = {"ROU": "ROM", "COD": "ZAR", "TLS": "TMP", "SRB": "YUG", "PSE": "PAL"}

_BINARY = ["contig", "comlang_off", "comlang_ethno", "colony", "comcol", "curcol", "col45", "smctry"]
_DIST = ["dist", "distcap", "distw", "distwces"]


def read_cepii_dist(path=None, *, table: pd.DataFrame | None = None,
                    aliases: Mapping[str, str] | None = None, merge=None) -> pd.DataFrame:
    """CEPII GeoDist dyadic covariates for pairs of COW states (directed, static).

    Each COW state is given the CEPII code of its ISO3 code (:func:`cow_iso3_table`,
    then :data:`CEPII_ALIASES`: CEPII writes ROM, ZAR, TMP, YUG, PAL). One CEPII code can
    stand for several COW states over time (DEU: 255 and 260; YEM: 678 and 679), so
    their rows repeat. Dropped and reported: CEPII territories that are not COW states
    (Aruba, Greenland ...), pairs of two COW states with the same CEPII code (a CEPII
    self-pair), and COW states without CEPII data (e.g. GDR, Czechoslovakia, Montenegro,
    Kosovo, South Sudan: the data predate them or merge them).

    Parameters
    ----------
    path : path-like, optional
        ``dist_cepii.rda``; default ``$DIFFUSION_STATS_DATA/cepii/dist_cepii.rda``.
    table : DataFrame, optional
        Output of :func:`cow_iso3_table` (default: built from the COW states file).
    aliases : dict, optional
        Extra ``{ISO3: CEPII code}`` entries (e.g. ``{"MNE": "YUG"}`` to give Montenegro
        Serbia-and-Montenegro's rows).
    merge : None, "continuity" or dict, optional
        Recode successor codes as in :func:`read_cow_states`.

    Returns
    -------
    DataFrame
        ``unit1``, ``unit2`` (COW codes as str), ``iso_o``, ``iso_d`` (CEPII codes),
        ``contig``, ``comlang_off``, ``comlang_ethno``, ``colony``, ``comcol``, ``curcol``,
        ``col45``, ``smctry`` (int8), ``dist``, ``distcap``, ``distw``, ``distwces`` (km;
        NaN where CEPII has ".").

    Examples
    --------
    >>> cd = read_cepii_dist()
    >>> cd.query("unit1 == '2' and unit2 == '200'").comlang_off.item()
    1
    """
    from .codes import cow_iso3_table

    raw = read_rda(data_file(path, "cepii", "dist_cepii.rda"), "dist_cepii", ["iso_o", "iso_d", *_BINARY, *_DIST])
    acc = Accounting("read_cepii_dist", counts={"input pairs": len(raw)})
    if table is None:
        table = cow_iso3_table()
    al = {**CEPII_ALIASES, **{str(k).upper(): str(v).upper() for k, v in (aliases or {}).items()}}
    cw = table.drop_duplicates("ccode")[["ccode", "iso3", "statenme"]].copy()
    cw["cepii"] = cw["iso3"].map(lambda c: al.get(c, c) if isinstance(c, str) else None)
    have = set(raw["iso_o"]) | set(raw["iso_d"])
    miss = cw[~cw["cepii"].isin(have)]
    acc.exclude(len(miss), "have no CEPII code (no rows for them)", what="COW states",
                examples=[f"{n} ({c})" for c, n in zip(miss["ccode"], miss["statenme"], strict=False)])
    acc.counts["COW states without CEPII data"] = ", ".join(f"{c}" for c in miss["ccode"])
    cw = cw[cw["cepii"].isin(have)][["ccode", "cepii"]]
    df = raw.copy()
    for c in _DIST:
        v = pd.to_numeric(df[c], errors="coerce")
        acc.counts[f"{c}: missing ('.')"] = int(v.isna().sum())
        df[c] = v.astype(float)
    for c in _BINARY:
        if df[c].isna().any() or not df[c].isin([0, 1]).all():
            raise InputError(f"CEPII column '{c}' should be 0/1 but holds {sorted(df[c].dropna().unique())[:5]}")
        df[c] = df[c].astype("int8")
    cepii_cow = set(cw["cepii"])
    nonstate = ~df["iso_o"].isin(cepii_cow) | ~df["iso_d"].isin(cepii_cow)
    acc.exclude(int(nonstate.sum()), "involve a territory that is not a COW state: dropped", what="CEPII pairs",
                examples=sorted(set(df.loc[nonstate, "iso_o"]) - cepii_cow))
    df = df.loc[~nonstate]
    o = cw.rename(columns={"ccode": "unit1", "cepii": "iso_o"})
    d = cw.rename(columns={"ccode": "unit2", "cepii": "iso_d"})
    df = df.merge(o, on="iso_o").merge(d, on="iso_d")
    self_ = df["unit1"] == df["unit2"]
    acc.counts["self-pairs (unit1 == unit2) left out"] = int(self_.sum())
    same = ~self_ & (df["iso_o"] == df["iso_d"])
    acc.exclude(int(same.sum()), "pair two COW states that share one CEPII code (a CEPII self-pair): dropped",
                what="dyads", examples=(df.loc[same, "unit1"].astype(str) + "-" + df.loc[same, "unit2"].astype(str)))
    df = df.loc[~self_ & ~same]
    from .cow import _apply_merge, _merge_map

    df = _apply_merge(df, _merge_map(merge), ["unit1", "unit2"], acc, "dyads", keys=["unit1", "unit2"])
    df = df.sort_values(["unit1", "unit2"]).reset_index(drop=True)
    df["unit1"] = df["unit1"].astype(str)
    df["unit2"] = df["unit2"].astype(str)
    df = df[["unit1", "unit2", "iso_o", "iso_d", *_BINARY, *_DIST]]
    acc.n_rows = len(df)
    acc.counts["COW states covered"] = int(df["unit1"].nunique())
    df = design_frame(df, acc)
    return df


def cepii_weights(dist: pd.DataFrame, value: str | list[str] = "comlang_off", *, inverse: bool = False,
                  labels=None, name: str | None = None):
    """Static ``Weights`` from a CEPII column (ties where the value is positive).

    Parameters
    ----------
    dist : DataFrame
        Output of :func:`read_cepii_dist`.
    value : str or list of str
        A 0/1 column (``comlang_off``, ``colony``, ``comcol``, ``contig`` ...) or a distance
        column with ``inverse=True``. A list of 0/1 columns gives a tie where any is 1
        (e.g. ``["comlang_off", "colony", "comcol"]``: a shared language or colonial tie).
    inverse : bool
        Use 1 / value (inverse distance; pairs with distance 0 or NaN left out).
    labels : sequence of str, optional
        Unit labels of the ``Weights`` (adds states without CEPII data as isolates;
        pairs with other units are left out).
    name : str, optional

    Returns
    -------
    Weights

    Examples
    --------
    >>> W = cepii_weights(read_cepii_dist(), "comlang_off")
    """
    cols = [value] if isinstance(value, str) else list(value)
    require_columns(dist, ["unit1", "unit2", *cols], argument="dist")
    if len(cols) > 1 and inverse:
        raise InputError("inverse=True takes one distance column, not a list")
    v = dist[cols].astype(float).max(axis=1).to_numpy()
    if inverse:
        with np.errstate(divide="ignore"):
            v = np.where(v > 0, 1.0 / v, np.nan)
    keep = np.isfinite(v) & (v > 0)
    if labels is not None:  # a selection the caller asked for
        labels = [str(u) for u in labels]
        keep &= dist["unit1"].isin(labels).to_numpy() & dist["unit2"].isin(labels).to_numpy()
    frame = pd.DataFrame({"unit1": dist["unit1"].to_numpy()[keep], "unit2": dist["unit2"].to_numpy()[keep],
                          "w": v[keep]})
    from ..weights.core import Weights

    return Weights.from_dyads(frame, unit1="unit1", unit2="unit2", value="w", symmetric=False, units=labels,
                              name=name or (f"1/{value}" if inverse else "|".join(cols)))
