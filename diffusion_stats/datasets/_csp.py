"""CSP: the Correlates of State Policy (Jordan & Grossmann 2016), long state-year format."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pandas as pd

from ..core.errors import InputError, did_you_mean
from ._fetch import cache_dir, fetch
from ._registry import REGISTRY

__all__ = ["load_csp", "read_raw"]

_COLUMNS = ["year", "st", "variable", "value"]


def read_raw(path, columns=tuple(_COLUMNS)) -> pd.DataFrame:
    """The columns ``columns`` of the raw CSP file (all 5.5 M rows), in the file's order.

    Read by the package's streaming reader (:mod:`._rda`: about 30 s and 1 GB for these
    four columns, against 6.6 GB for ``pyreadr``, which decodes all 13), falling back to
    ``pyreadr`` if the file holds something that reader does not decode.
    """
    from ._rda import UnsupportedRda, read_rda_frame

    try:
        return read_rda_frame(path, list(columns))[1]
    except UnsupportedRda:
        import pyreadr

        return next(iter(pyreadr.read_r(str(path)).values()))[list(columns)]


def load_csp(variables: Iterable[str], *, download: bool = True, cache: bool = True) -> pd.DataFrame:
    """Load CSP state-year variables in long format (``year``, ``st``, ``variable``, ``value``).

    Reading the whole file (5.5 M rows) takes about 30 s (:func:`read_raw`), so the rows of the
    requested variables are kept as a Parquet file in the user cache
    (:func:`~diffusion_stats.datasets.cache_dir`, keyed by the file's SHA-256 and the
    variable list) and read from there next time.

    Parameters
    ----------
    variables : list of str
        CSP variable names (e.g. ``"regulation_motorcycle_helmets"``); unknown names
        raise an error with the closest match.
    download : bool
        Allow a download of ``csp/csp.rda`` when it is not available locally.
    cache : bool
        Keep / reuse the Parquet extract in the cache.

    Returns
    -------
    DataFrame
        Every row of those variables, including rows with a missing ``value`` (years
        the variable does not cover), sorted by variable, st, year; ``year`` is int64.

    Examples
    --------
    >>> import diffusion_stats as ds
    >>> csp = ds.datasets.load_csp(["regulation_motorcycle_helmets"])  # doctest: +SKIP
    """
    wanted = [variables] if isinstance(variables, str) else [str(v) for v in variables]
    if not wanted:
        raise InputError("variables= is empty: name the CSP variables to load")
    try:  # the extract is cached as Parquet when pyarrow is installed (the [distributed] extra)
        import pyarrow  # noqa: F401
    except ImportError:
        cache = False
    key = hashlib.sha256("\n".join(sorted(set(wanted))).encode()).hexdigest()[:16]
    target = cache_dir() / "csp" / f"csp_{REGISTRY['csp/csp.rda'][3][:12]}_{key}.parquet"
    if cache and target.exists():
        return pd.read_parquet(target)
    csp = read_raw(fetch("csp/csp.rda", download=download))
    known = set(pd.unique(csp["variable"]))
    unknown = [v for v in wanted if v not in known]
    if unknown:
        raise InputError(f"variables=: {len(unknown)} name(s) not in CSP: {', '.join(unknown[:5])}"
                         f"{did_you_mean(unknown[0], known)}")
    out = csp.loc[csp["variable"].isin(wanted), _COLUMNS]
    del csp
    out = out.assign(year=out["year"].astype("int64")).sort_values(["variable", "st", "year"], kind="stable")
    out = out.reset_index(drop=True)
    if cache:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        out.to_parquet(tmp)
        tmp.replace(target)
    return out
