"""Read and validate adoption data: "unit u adopted policy p in year t".

The canonical adoption table (the input of every builder) has three columns,

``unit`` (str), ``policy`` (str), ``year`` (int64),

one row per (unit, policy) first adoption, sorted by policy, year, unit.
:func:`read_adoptions` produces it from DataFrames and files (CSV/TSV/.tab, Stata,
R, Parquet), in long or wide layout, and refuses data it cannot trust with a clear
error: duplicated adoptions, missing or non-integer years, unknown units, years
outside a declared window.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.accounting import Accounting
from ..core.errors import (
    DataNotAvailableError,
    DataValidationError,
    InputError,
    did_you_mean,
    require_columns,
)
from .frame import DesignFrame, Reports, design_frame, report

__all__ = ["read_adoptions", "as_adoptions", "ADOPTION_COLUMNS"]

ADOPTION_COLUMNS = ("unit", "policy", "year")

_TEXT_SEP = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": None}
_R_EXT = {".rdata", ".rda", ".rds"}
_PARQUET_EXT = {".parquet", ".pq"}
_SUPPORTED = ".csv, .tsv, .tab, .txt, .dta, .RData, .rda, .rds, .parquet"


# --------------------------------------------------------------------------- helpers
def _examples(items: Iterable[Any], k: int = 5) -> str:
    items = list(items)
    shown = ", ".join(map(str, items[:k]))
    return shown + (", ..." if len(items) > k else "")


def labels_to_str(values: pd.Series, *, argument: str, column: str) -> np.ndarray:
    """Convert unit/policy labels to stripped ``str`` (integer-valued floats lose ``.0``).

    Missing or empty labels raise :class:`DataValidationError`.
    """
    s = pd.Series(values).reset_index(drop=True)
    if pd.api.types.is_bool_dtype(s):
        raise DataValidationError(f"column '{column}' in {argument} holds booleans, not labels")
    if pd.api.types.is_float_dtype(s):
        finite = s.notna()
        if finite.all() and np.all(np.mod(s.to_numpy(), 1) == 0):
            s = s.astype("int64")
    # convert the distinct labels only (fast for long panels with few units/policies)
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    missing = codes < 0
    if not missing.any():
        ustr = np.asarray([str(u).strip() for u in np.asarray(uniq, dtype=object)], dtype=object)
        missing = (ustr == "")[codes] if len(ustr) else missing
    if missing.any():
        rows = np.flatnonzero(missing)
        raise DataValidationError(
            f"{missing.sum():,} rows of {argument} have no '{column}' label (rows {_examples(rows)}); "
            f"drop or fill them before reading")
    return ustr[codes] if len(codes) else np.array([], dtype=object)


def years_to_int(values: pd.Series, *, argument: str, column: str, context: pd.DataFrame | None = None,
                 id_columns: Sequence[str] = (), allow_missing: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Convert a year column to int64.

    Returns ``(years, missing_mask)``; missing entries are 0 in ``years``. Non-integer
    values always raise; missing values raise unless ``allow_missing``.
    """
    s = pd.Series(values).reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(s):
        missing = s.isna().to_numpy()
        num = s.dt.year.astype("float64")
    elif pd.api.types.is_bool_dtype(s):
        raise DataValidationError(f"column '{column}' in {argument} holds booleans, not years")
    elif pd.api.types.is_numeric_dtype(s):
        num = s.astype("float64")
        missing = num.isna().to_numpy()
    else:
        txt = s.astype("string").str.strip()
        missing = (s.isna() | (txt == "")).to_numpy()
        num = pd.to_numeric(txt.where(~missing), errors="coerce").astype("float64")
    arr = num.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~missing & ~(np.isfinite(arr) & (np.mod(np.where(np.isfinite(arr), arr, 0), 1) == 0))
    ctx = context.reset_index(drop=True) if context is not None else None

    def describe(mask: np.ndarray) -> str:
        rows = np.flatnonzero(mask)[:5]
        out = []
        for r in rows:
            ident = ", ".join(f"{c}={ctx[c].iloc[r]!r}" for c in id_columns) if ctx is not None else f"row {r}"
            v = s.iloc[r]
            out.append(f"{ident}: {(v.item() if isinstance(v, np.generic) else v)!r}")
        return "; ".join(out)

    if bad.any():
        raise DataValidationError(
            f"{bad.sum():,} values of '{column}' in {argument} are not integer years (e.g. {describe(bad)}); "
            "years must be whole numbers such as 1987")
    if missing.any() and not allow_missing:
        raise DataValidationError(
            f"{missing.sum():,} rows of {argument} have a missing '{column}' (e.g. {describe(missing)}); "
            "drop them, fill them, or pass missing='drop' to exclude them (the accounting records how many)")
    years = np.where(missing, 0, np.nan_to_num(arr, nan=0.0)).astype("int64")
    return years, missing


def _read_r(path: Path, obj: str | None, needed: Sequence[str]) -> pd.DataFrame:
    import pyreadr

    try:
        result = pyreadr.read_r(str(path))
    except Exception as exc:  # pyreadr raises its own exception types
        raise InputError(f"could not read R file '{path}': {exc}") from exc
    frames = {k: v for k, v in result.items() if isinstance(v, pd.DataFrame)}
    listing = "; ".join(f"'{k}' ({len(v):,} rows: {', '.join(map(str, list(v.columns)[:8]))})"
                        for k, v in frames.items())
    if not frames:
        raise InputError(f"R file '{path}' holds no data frame")
    if obj is not None:
        if obj not in frames:
            raise InputError(f"object '{obj}' not found in '{path}'{did_you_mean(obj, frames)}; "
                             f"it holds: {listing}")
        return frames[obj]
    if len(frames) == 1:
        return next(iter(frames.values()))
    fits = [k for k, v in frames.items() if all(c in v.columns for c in needed)]
    if len(fits) == 1:
        return frames[fits[0]]
    why = "several hold" if fits else "none holds"
    raise InputError(f"R file '{path}' holds several data frames and {why} all of the columns "
                     f"{', '.join(map(repr, needed))}; choose one with object= "
                     f"(and name its columns with unit=, policy=, year=): {listing}")


def _read_source(source: str | os.PathLike, *, obj: str | None, sep: str | None,
                 needed: Sequence[str]) -> pd.DataFrame:
    path = Path(source).expanduser()
    if not path.exists():
        raise DataNotAvailableError(f"file '{path}' not found (source= of read_adoptions)")
    ext = path.suffix.lower()
    if obj is not None and ext not in _R_EXT:
        raise InputError(f"object= applies only to R files (.RData/.rda/.rds), not '{path.name}'")
    try:
        if ext in _TEXT_SEP:
            use = sep if sep is not None else _TEXT_SEP[ext]
            return pd.read_csv(path, sep=use, engine="python" if use is None else "c")
        if ext == ".dta":
            return pd.read_stata(path)
        if ext in _PARQUET_EXT:
            from ..core.errors import require

            require("pyarrow", extra="distributed", what=f"reading the Parquet file '{path.name}'")
            return pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(f"could not read '{path}': {exc}") from exc
    if ext in _R_EXT:
        return _read_r(path, obj, needed)
    raise InputError(f"unsupported file type '{path.suffix}' for '{path.name}'; supported: {_SUPPORTED} "
                     "(or pass a DataFrame)")


def _wide_to_long(df: pd.DataFrame, unit: str, argument: str, acc: Accounting, never: Any = None) -> pd.DataFrame:
    if unit not in df.columns:
        if df.index.name == unit or (not isinstance(df.index, pd.RangeIndex) and df.index.name is None):
            df = df.rename_axis(unit).reset_index()
        else:
            require_columns(df, [unit], argument=argument)
    policies = [c for c in df.columns if c != unit]
    if not policies:
        raise InputError(f"wide {argument} has no policy columns besides '{unit}'")
    units = labels_to_str(df[unit], argument=argument, column=unit)
    vals = df[policies]
    n_u, n_p = vals.shape
    long = pd.DataFrame({
        "unit": np.repeat(units, n_p),
        "policy": np.tile(np.asarray([str(p).strip() for p in policies], dtype=object), n_u),
    })
    stacked = pd.Series(vals.to_numpy(dtype=object).ravel())
    long["year"] = stacked
    empty = stacked.isna() | (stacked.astype(str).str.strip() == "")
    if never is not None:
        codes = [never] if isinstance(never, (str, int, float)) else list(never)
        as_num = pd.to_numeric(stacked, errors="coerce")
        num_codes = [float(c) for c in codes if not isinstance(c, str)]
        str_codes = {str(c).strip() for c in codes}
        empty |= as_num.isin(num_codes) | stacked.astype(str).str.strip().isin(str_codes)
    acc.counts["cells"] = int(n_u * n_p)
    acc.counts["empty cells (never adopted)"] = int(empty.sum())
    return long.loc[~empty.to_numpy()].reset_index(drop=True)


def _check_units(out: pd.DataFrame, units: Any) -> None:
    if isinstance(units, pd.DataFrame):
        require_columns(units, ["unit"], argument="units")
        known = labels_to_str(units["unit"], argument="units", column="unit")
    elif isinstance(units, (str, bytes)) or not isinstance(units, Iterable):
        raise InputError("units= must be a list of unit labels or a DataFrame with a 'unit' column, "
                         f"not {type(units).__name__}")
    else:
        known = labels_to_str(pd.Series(list(units), dtype=object), argument="units", column="unit")
    known_set = set(known)
    unknown = sorted(set(out["unit"]) - known_set)
    if unknown:
        hints = []
        for u in unknown[:5]:
            close = difflib.get_close_matches(u, list(known_set), n=1, cutoff=0.6)
            hints.append(f"'{u}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise DataValidationError(
            f"{len(unknown)} units in the adoptions are not in the declared units= list: "
            f"{', '.join(hints)}{', ...' if len(unknown) > 5 else ''}; fix the labels or add them to units=")


def _check_window(out: pd.DataFrame, window: Any) -> None:
    if isinstance(window, pd.DataFrame):
        require_columns(window, ["policy", "first_year", "last_year"], argument="window")
        w = window.assign(policy=labels_to_str(window["policy"], argument="window", column="policy"))
        w = w.drop_duplicates("policy").set_index("policy")
        missing = sorted(set(out["policy"]) - set(w.index))
        if missing:
            raise DataValidationError(
                f"{len(missing)} policies in the adoptions have no row in window= (e.g. {_examples(missing)})")
        lo = out["policy"].map(w["first_year"]).astype("float64").fillna(-np.inf).to_numpy()
        hi = out["policy"].map(w["last_year"]).astype("float64").fillna(np.inf).to_numpy()
        what = "their policy's window (window= first_year..last_year)"
    else:
        try:
            first, last = window
        except (TypeError, ValueError):
            raise InputError("window= must be a (first_year, last_year) pair or a DataFrame with policy, "
                             f"first_year, last_year; got {window!r}") from None
        lo = np.full(len(out), -np.inf if first is None else float(first))
        hi = np.full(len(out), np.inf if last is None else float(last))
        what = f"the window {'open' if first is None else first}..{'open' if last is None else last}"
    y = out["year"].to_numpy()
    bad = (y < lo) | (y > hi)
    if bad.any():
        ex = out.loc[bad, ["unit", "policy", "year"]].head(5).itertuples(index=False)
        raise DataValidationError(
            f"{bad.sum():,} adoptions fall outside {what} (e.g. "
            f"{'; '.join(f'{u} {p} {t}' for u, p, t in ex)}); correct the years or the window")


def _canonical(df: pd.DataFrame, *, unit: str, policy: str, year: str, argument: str,
               missing: str, duplicates: str, acc: Accounting, allow_missing_year: bool = False) -> pd.DataFrame:
    if missing not in {"raise", "drop"}:
        raise InputError(f"missing= must be 'raise' or 'drop', not {missing!r}")
    if duplicates not in {"raise", "first"}:
        raise InputError(f"duplicates= must be 'raise' or 'first', not {duplicates!r}")
    require_columns(df, [unit, policy, year], argument=argument)
    if len({unit, policy, year}) < 3:
        raise InputError(f"unit=, policy= and year= must name three different columns, got {unit!r}, "
                         f"{policy!r}, {year!r}")
    u = labels_to_str(df[unit], argument=argument, column=unit)
    p = labels_to_str(df[policy], argument=argument, column=policy)
    y, miss = years_to_int(df[year], argument=argument, column=year, context=pd.DataFrame({unit: u, policy: p}),
                           id_columns=(unit, policy), allow_missing=(missing == "drop") or allow_missing_year)
    out = pd.DataFrame({"unit": u, "policy": p, "year": y})
    if miss.any():
        ex = [f"{a}/{b}" for a, b in zip(u[miss][:5], p[miss][:5], strict=True)]
        acc.exclude(int(miss.sum()), "had no adoption year: excluded (missing='drop')", examples=ex)
        out = out.loc[~miss]
    dup = out.duplicated(["unit", "policy"], keep=False).to_numpy()
    if dup.any():
        d = out.loc[dup].sort_values(["policy", "unit", "year"])
        groups = d.groupby(["unit", "policy"], sort=False)["year"].agg(list)
        if duplicates == "raise":
            shown = "; ".join(f"{uu} {pp}: {yy}" for (uu, pp), yy in list(groups.items())[:8])
            raise DataValidationError(
                f"{len(groups):,} unit-policy pairs adopt more than once ({shown}"
                f"{'; ...' if len(groups) > 8 else ''}); each (unit, policy) must appear once with its first "
                "adoption year: deduplicate, or pass duplicates='first' to keep the earliest year")
        out = out.sort_values(["unit", "policy", "year"], kind="stable")
        keep = ~out.duplicated(["unit", "policy"], keep="first").to_numpy()
        acc.exclude(int((~keep).sum()), "were later adoptions of a unit-policy pair already adopted: "
                    "kept the earliest (duplicates='first')",
                    examples=[f"{a}/{b}" for a, b in groups.index[:5]])
        out = out.loc[keep]
    out = out.sort_values(["policy", "year", "unit"], kind="stable").reset_index(drop=True)
    out["year"] = out["year"].astype("int64")
    return out


def _finish(out: pd.DataFrame, acc: Accounting) -> DesignFrame:
    acc.n_rows = len(out)
    acc.counts.update({
        "adoptions": len(out),
        "units": int(out["unit"].nunique()),
        "policies": int(out["policy"].nunique()),
    })
    if len(out):
        acc.counts["years"] = f"{int(out['year'].min())}-{int(out['year'].max())}"
    # every unit of the source, so that a later subset (one topic's policies) can tell which units it lost
    units = report(out, "units") or tuple(sorted(map(str, out["unit"].unique())))
    return design_frame(out, acc, Reports(units=tuple(units)))


# --------------------------------------------------------------------------- public
def read_adoptions(source: pd.DataFrame | str | os.PathLike, *, unit: str = "unit", policy: str = "policy",
                   year: str = "year", wide: bool = False, units: Any = None, window: Any = None,
                   object: str | None = None, sep: str | None = None, missing: str = "raise",
                   duplicates: str = "raise", never: Any = None) -> DesignFrame:
    """Read adoption data into the canonical long table (unit, policy, year).

    Parameters
    ----------
    source : DataFrame or path
        A DataFrame, or a file: ``.csv``, ``.tsv``/``.tab`` (tab separated), ``.txt``
        (separator sniffed), Stata ``.dta``, R ``.RData``/``.rda``/``.rds``, Parquet
        ``.parquet``.
    unit, policy, year : str
        Names of the columns holding the unit label, the policy label and the adoption
        year (long layout). In the wide layout only ``unit`` is used.
    wide : bool
        ``True`` for a units x policies table: one row per unit (label in column
        ``unit``, or in the index), one column per policy, cells hold the adoption year
        and empty cells (NaN) mean "never adopted".
    units : list of labels or DataFrame with a ``unit`` column, optional
        The declared unit list; any other unit in the data raises an error.
    window : (first_year, last_year) or DataFrame, optional
        Declared observation window, either common to all policies (a pair; ``None``
        leaves a side open) or per policy (``policy``, ``first_year``, ``last_year``,
        e.g. SPID's ``policies_metadata``). Adoptions outside it raise an error.
    object : str, optional
        For R files holding several data frames: the one to read. By default the only
        data frame, or the only one with the named columns; otherwise the error lists
        the objects.
    sep : str, optional
        Override the field separator of text files.
    missing : {"raise", "drop"}
        Rows with no adoption year (long layout) raise an error, or are excluded and
        counted in the accounting.
    duplicates : {"raise", "first"}
        A unit adopting the same policy twice raises an error listing the pairs, or the
        earliest year is kept and the others counted in the accounting.
    never : scalar or list, optional
        Wide layout only: cell values that also mean "never adopted" besides empty
        cells, e.g. ``never=0`` or ``never=["-", 9999]``.

    Returns
    -------
    DataFrame
        Columns ``unit`` (str), ``policy`` (str), ``year`` (int64); one row per (unit,
        policy) first adoption, sorted by policy, year, unit, with the
        :class:`~diffusion_stats.Accounting` as ``df.accounting``; ``df.reports.units``
        lists every unit of the source.

    Raises
    ------
    ColumnNotFoundError
        A named column is missing (the message suggests the closest name).
    DataValidationError
        Duplicated adoptions, missing or non-integer years, unknown units, years outside
        the window.

    Examples
    --------
    >>> import pandas as pd
    >>> import diffusion_stats as ds
    >>> raw = pd.DataFrame({"state": ["CA", "NV", "CA"], "law": ["a", "a", "b"],
    ...                     "adopted": [1990, 1992.0, 1985]})
    >>> ds.read_adoptions(raw, unit="state", policy="law", year="adopted")
      unit policy  year
    0   CA      a  1990
    1   NV      a  1992
    2   CA      b  1985
    >>> wide = pd.DataFrame({"unit": ["CA", "NV"], "a": [1990, None], "b": [1985, 1999]})
    >>> ds.read_adoptions(wide, wide=True)
      unit policy  year
    0   CA      a  1990
    1   CA      b  1985
    2   NV      b  1999
    """
    acc = Accounting("read_adoptions")
    if isinstance(source, pd.DataFrame):
        df, argument = source, "source DataFrame"
        if object is not None:
            raise InputError("object= applies only to R files, not to a DataFrame source")
    elif isinstance(source, (str, os.PathLike)):
        needed = [unit] if wide else [unit, policy, year]
        df = _read_source(source, obj=object, sep=sep, needed=needed)
        argument = f"'{Path(source).name}'"
    else:
        raise InputError(f"source= must be a DataFrame or a file path, not {type(source).__name__}")
    acc.counts["input rows"] = len(df)
    if never is not None and not wide:
        raise InputError("never= applies to the wide layout (wide=True); in the long layout drop the rows of "
                         "units that never adopted")
    if wide:
        long = _wide_to_long(df, unit, argument, acc, never)
        out = _canonical(long, unit="unit", policy="policy", year="year", argument=argument,
                         missing="raise", duplicates=duplicates, acc=acc)
    else:
        out = _canonical(df, unit=unit, policy=policy, year=year, argument=argument,
                         missing=missing, duplicates=duplicates, acc=acc)
    if units is not None:
        _check_units(out, units)
    if window is not None:
        _check_window(out, window)
    return _finish(out, acc)


def as_adoptions(adoptions: pd.DataFrame, *, argument: str = "adoptions") -> pd.DataFrame:
    """Validate a DataFrame with ``unit``, ``policy``, ``year`` into the canonical table.

    Used by every builder: accepts the output of :func:`read_adoptions` or any
    DataFrame with those three columns, and raises the same errors.

    Examples
    --------
    >>> import pandas as pd
    >>> from diffusion_stats.design.adoptions import as_adoptions
    >>> as_adoptions(pd.DataFrame({"unit": [1, 2], "policy": ["p", "p"], "year": [1990.0, 1989]}))
      unit policy  year
    0    2      p  1989
    1    1      p  1990
    """
    if not isinstance(adoptions, pd.DataFrame):
        raise InputError(f"{argument} must be a DataFrame with columns unit, policy, year "
                         f"(see ds.read_adoptions), not {type(adoptions).__name__}")
    acc = Accounting("read_adoptions")
    acc.counts["input rows"] = len(adoptions)
    out = _canonical(adoptions, unit="unit", policy="policy", year="year", argument=argument,
                     missing="raise", duplicates="raise", acc=acc)
    return _finish(out, acc)
