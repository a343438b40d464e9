"""Shared input checks (hardening): implausible years, numbers stored as text, cluster
counts, unknown labels, atomic file writes and output-folder manifests.

Each check raises from the :class:`~diffusion_stats.DiffusionStatsError` family with the
argument, the offending values and the fix, or warns with counts.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DataValidationError, InputError

__all__ = ["YEAR_GAP", "MAX_PANEL_ROWS", "MIN_CLUSTERS", "outlying_years", "check_years",
           "check_panel_size", "text_number_columns", "check_no_text_numbers", "check_formula_inputs",
           "closest_labels", "atomic_write_bytes", "OutputFolder", "check_cluster_count", "check_flat_likelihood",
           "check_symmetric_agree", "centring_shift"]

#: a year separated from the bulk of the years by a gap wider than this is implausible
YEAR_GAP = 100
#: a builder refuses to lay out more rows than this (a typo'd year would otherwise ask numpy for TiBs)
MAX_PANEL_ROWS = 500_000_000
#: below this many clusters a cluster-robust variance is unreliable (warned)
MIN_CLUSTERS = 10


def outlying_years(years: np.ndarray, anchor: np.ndarray | None = None, gap: int = YEAR_GAP) -> np.ndarray:
    """Mask of ``years`` outside the main block of years.

    The sorted distinct years are split wherever two consecutive ones are more than
    ``gap`` apart; the main block is the one holding the median of ``anchor`` (default
    ``years``). SPID's 1691-2017 adoptions have no gap wider than 42 years, so real data
    spanning centuries pass, while ``20`` among 2001-2002, ``19`` for 1983, ``2950`` or
    ``-5`` among 20th-century years are flagged.

    Examples
    --------
    >>> import numpy as np
    >>> outlying_years(np.array([2001, 2002, 20])).tolist()
    [False, False, True]
    """
    y = np.asarray(years, dtype="float64")
    out = np.zeros(len(y), dtype=bool)
    fin = np.isfinite(y)
    if fin.sum() < 2:
        return out
    u = np.unique(y[fin])
    block = np.concatenate([[0], np.cumsum(np.diff(u) > gap)])
    if block[-1] == 0:
        return out
    a = y[fin] if anchor is None else np.asarray(anchor, dtype="float64")
    a = a[np.isfinite(a)]
    if not len(a):
        a = y[fin]
    med = np.median(a)
    main = block[min(np.searchsorted(u, med), len(u) - 1)]
    lo, hi = u[block == main].min(), u[block == main].max()
    out[fin] = (y[fin] < lo) | (y[fin] > hi)
    return out


def check_years(adoptions, *, windows_years: dict[str, np.ndarray] | None = None,
                scalars: dict[str, int | None] | None = None, argument: str = "adoptions",
                opt_out: str = "check_years=False") -> None:
    """Raise :class:`DataValidationError` naming adoption rows (and window/start/end values)
    whose year lies far outside the other years (see :func:`outlying_years`)."""
    ay = adoptions["year"].to_numpy(dtype="float64")
    parts = [ay]
    names = ["adoptions"] * len(ay)
    for k, v in (windows_years or {}).items():
        v = np.asarray(v, dtype="float64")
        parts.append(v)
        names += [k] * len(v)
    for k, sv in (scalars or {}).items():
        if sv is not None:
            parts.append(np.array([float(sv)]))
            names.append(k)
    allv = np.concatenate(parts) if parts else np.zeros(0)
    bad = outlying_years(allv, anchor=ay if len(ay) else None)
    if not bad.any():
        return
    good = allv[~bad & np.isfinite(allv)]
    span = f"{int(good.min())}-{int(good.max())}" if len(good) else "?"
    nad = int(bad[:len(ay)].sum())
    msgs = []
    if nad:
        rows = adoptions.loc[bad[:len(ay)], ["unit", "policy", "year"]]
        ex = "; ".join(f"{r.unit} {r.policy} {r.year}" for r in rows.head(8).itertuples(index=False))
        msgs.append(f"{nad:,} adoption rows have a year far outside the other years ({span}): {ex}"
                    + (" ..." if nad > 8 else ""))
    other = [(names[i], allv[i]) for i in np.flatnonzero(bad[len(ay):]) + len(ay)]
    if other:
        shown = ", ".join(f"{k} {int(v)}" for k, v in other[:8])
        msgs.append(f"{len(other):,} window/start/end years lie far outside them: {shown}")
    raise DataValidationError(
        f"{argument}: {'; '.join(msgs)} (more than {YEAR_GAP} years from the nearest other year). A truncated "
        f"line or a two-digit year would invent a risk set of decades or centuries; fix the year(s), or pass "
        f"{opt_out} if they are right")


def check_panel_size(total: int, *, what: str = "event_history", fix: str = "") -> None:
    """Refuse to allocate more than :data:`MAX_PANEL_ROWS` rows."""
    if total > MAX_PANEL_ROWS:
        raise InputError(f"{what} would build {total:,} rows (limit {MAX_PANEL_ROWS:,}); the year span is "
                         f"implausibly long: check the years{(', ' + fix) if fix else ''}")


def text_number_columns(data, columns: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Columns among ``columns`` of object/string dtype whose non-missing values all parse as numbers."""
    import pandas as pd

    found = []
    for c in columns:
        if c not in data.columns:
            continue
        s = data[c]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue
        v = s.dropna()
        if not len(v):
            continue
        head = v.iloc[:2000]
        if not all(isinstance(x, str) for x in head):
            continue
        num = pd.to_numeric(head, errors="coerce")
        if num.notna().all():
            found.append((str(c), [repr(x) for x in head.unique()[:3]]))
    return found


def check_no_text_numbers(data, columns: Iterable[str], *, argument: str = "data") -> None:
    """Raise when a column used by a formula holds numbers stored as text (unless wrapped in ``C()``)."""
    bad = text_number_columns(data, columns)
    if bad:
        c, ex = bad[0]
        more = f" (also: {', '.join(b[0] for b in bad[1:])})" if len(bad) > 1 else ""
        raise DataValidationError(
            f"column '{c}' of {argument} holds numbers stored as text (e.g. {', '.join(ex)}){more}; it would be "
            f"dummy-coded with one level per distinct value. Convert it: data['{c}'] = pd.to_numeric(data['{c}']); "
            f"or write C({c}) in the formula if it really is categorical")


def closest_labels(unknown: Iterable[Any], known: Iterable[Any], k: int = 5) -> str:
    """``"Nwe Yrok (did you mean 'New York'?), ..."`` for up to ``k`` unknown labels."""
    choices = [str(c) for c in known]
    parts = []
    for u in list(unknown)[:k]:
        close = difflib.get_close_matches(str(u), choices, n=1, cutoff=0.6)
        parts.append(f"{u}" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return ", ".join(parts)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _os_error(exc: OSError, path: Path, what: str, fix: str) -> InputError:
    return InputError(f"cannot {what} {path}: {exc.strerror or type(exc).__name__}; {fix}")


class OutputFolder:
    """An output folder the tool owns: empty, new, or made by it (its manifest lists what it wrote).

    :meth:`check` refuses a folder holding files not in the manifest (unless ``force``);
    :meth:`clear_previous` removes exactly the files of the previous run's manifest (no
    stale tables beside a new report); :meth:`finish` writes the new manifest last.
    """

    MANIFEST = "diffusion_stats_manifest.json"

    def __init__(self, path: str | os.PathLike, *, tool: str, force: bool = False, flag: str = "--force",
                 argument: str = "--out"):
        self.path = Path(path).expanduser()
        self.tool, self.force, self.flag, self.argument = tool, force, flag, argument
        self.written: list[str] = []
        self.previous: list[str] = []

    def _listing(self) -> list[str]:
        return sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file())

    def check(self) -> None:
        p = self.path
        if p.exists() and not p.is_dir():
            raise InputError(f"{self.argument} {p} is a file, not a folder; give a folder name")
        if not p.is_dir():
            return
        man = p / self.MANIFEST
        prev = None
        if man.exists():
            try:
                prev = [str(f) for f in json.loads(man.read_text())["files"]]
            except (OSError, ValueError, KeyError, TypeError):
                prev = None
        self.previous = prev or []
        foreign = [f for f in self._listing() if f != self.MANIFEST and f not in self.previous]
        if foreign and not self.force:
            raise InputError(
                f"{self.argument} {p} already holds {len(foreign)} file(s) that {self.tool} did not write (e.g. "
                f"{', '.join(foreign[:4])}); choose a new or empty folder, or pass {self.flag} to write into it "
                "anyway (files with the report's names are then replaced, the others kept)")

    def clear_previous(self) -> None:
        try:
            for f in self.previous:
                q = self.path / f
                if q.is_file():
                    q.unlink()
        except OSError as exc:
            raise _os_error(exc, self.path, "replace the previous report in", "choose another folder") from None

    def record(self, *paths: str | os.PathLike) -> None:
        for q in paths:
            rel = str(Path(q).expanduser().resolve().relative_to(self.path.resolve()))
            if rel not in self.written:
                self.written.append(rel)

    def finish(self, extra: dict | None = None) -> None:
        """Write the manifest last: only the files this run wrote (never a user's file, even with force)."""
        files = sorted(f for f in self.written if (self.path / f).is_file())
        info = {"tool": self.tool, "files": files, **(extra or {})}
        try:
            atomic_write_bytes(self.path / self.MANIFEST, json.dumps(info, indent=1).encode())
        except OSError as exc:
            raise _os_error(exc, self.path, "write the manifest into", "choose a folder you can write to") from None


def check_cluster_count(counts: Iterable[int], columns: Iterable[str]) -> None:
    """Refuse fewer than 2 clusters; warn below :data:`MIN_CLUSTERS` (the sandwich is then unreliable)."""
    import warnings

    from ..core.errors import user_stacklevel
    from .errors import DiffusionStatsWarning, SpecificationError

    for G, c in zip(counts, columns, strict=True):
        if G < 2:
            raise SpecificationError(
                f"cluster='{c}' has {G} cluster in the rows used: a clustered variance needs at least 2 (with one, "
                "the sandwich is zero up to rounding, SE ~1e-15); cluster on a column with more groups or use "
                "cov_type='robust'")
        if G < MIN_CLUSTERS:
            warnings.warn(f"cluster='{c}' has only {G} clusters (< {MIN_CLUSTERS}): the cluster-robust variance is "
                          "unreliable with so few; consider a wild cluster bootstrap or a coarser model",
                          DiffusionStatsWarning, stacklevel=user_stacklevel())


def check_flat_likelihood(info: np.ndarray, info0: np.ndarray, X: np.ndarray, w: np.ndarray, event: np.ndarray,
                          names: list[str], ties: str) -> None:
    """Refuse an estimate at which the partial likelihood is flat in a covariate (information ~0):
    its coefficient would be noise with a zero or infinite standard error."""
    from .errors import SpecificationError

    if not len(names):
        return
    d = float(np.dot(w, event))
    var = np.average(X**2, axis=0, weights=w) - np.average(X, axis=0, weights=w) ** 2
    tiny = 1e-10 * max(d, 1.0) * np.maximum(var, 1e-300)
    # flat at the estimate AND at zero (separation: informative at zero, flat only far out)
    flat = (np.diag(info) <= tiny) & (np.diag(info0) <= tiny)
    if flat.any():
        bad = [n for n, f in zip(names, flat, strict=True) if f]
        how = (" (with ties='exact' this happens when the events exhaust their risk sets: every unit at risk "
               "fails together, whatever the covariates)" if ties == "exact" else "")
        raise SpecificationError(
            f"the partial likelihood is flat in {bad} at the estimate (information ~0){how}: the coefficient is "
            "not identified and its standard error would be meaningless; drop the term, or check the risk sets "
            "(start/stop/event)")


def check_formula_inputs(formula: str, data) -> None:
    """Numbers stored as text, used outside ``C()``, raise with the ``pd.to_numeric`` fix."""
    import re

    rhs = formula.split("~", 1)[-1]
    cols = [c for c in data.columns if isinstance(c, str) and re.search(rf"(?<![\w.]){re.escape(c)}(?![\w.])", rhs)]
    if not cols:
        return
    bad = text_number_columns(data, cols)
    outside = []
    for c, _ in bad:
        stripped = re.sub(rf"C\(\s*{re.escape(c)}\b[^)]*\)", "", rhs)
        if re.search(rf"(?<![\w.]){re.escape(c)}(?![\w.])", stripped):
            outside.append(c)
    if outside:
        check_no_text_numbers(data, outside)


def check_symmetric_agree(keyall: np.ndarray, rows: np.ndarray, spec, columns: list[str], label: str) -> None:
    """A symmetric dyad covariate listed in both orders (or twice) must carry the same values."""
    import pandas as pd

    order = np.argsort(keyall, kind="stable")
    k, r = keyall[order], rows[order]
    same = np.flatnonzero(k[1:] == k[:-1])
    if not len(same):
        return
    a, b = r[same], r[same + 1]
    a, b = a[a != b], b[a != b]
    if not len(a):
        return
    vals = spec[columns].reset_index(drop=True)
    va, vb = vals.iloc[a].reset_index(drop=True), vals.iloc[b].reset_index(drop=True)
    differ = ~((va == vb) | (va.isna() & vb.isna())).all(axis=1).to_numpy()
    if differ.any():
        i = int(np.flatnonzero(differ)[0])
        ra, rb = spec.iloc[a[i]], spec.iloc[b[i]]
        col = next(c for c in columns if not (pd.isna(va.at[i, c]) and pd.isna(vb.at[i, c]))
                   and va.at[i, c] != vb.at[i, c])
        raise DataValidationError(
            f"{label} is symmetric but {int(differ.sum()):,} unordered pairs are listed with different values "
            f"(e.g. {ra['unit']}-{ra['partner']}: {col}={_plain(ra[col])!r} vs {rb['unit']}-{rb['partner']}: "
            f"{col}={_plain(rb[col])!r}); keep one row per pair, fix the values, or declare it 'directed'")


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def centring_shift(X: np.ndarray) -> tuple[int, np.ndarray] | None:
    """``(intercept column, shifts)`` when some column's mean exceeds 1000 x its spread beside an
    intercept (``x + 1e8``): centring it makes the normal equations well conditioned. ``None``
    otherwise (ordinary designs are fitted unchanged, bitwise)."""
    first = X[: min(len(X), 1000)]
    cand = np.flatnonzero(np.all(first == 1.0, axis=0))
    if not len(cand):
        return None
    i0 = int(cand[0])
    if not np.all(X[:, i0] == 1.0):
        return None
    mean = X.mean(axis=0)
    sd = X.std(axis=0)
    far = (np.abs(mean) > 1e3 * sd) & (sd > 0)
    far[i0] = False
    if not far.any():
        return None
    shift = np.where(far, mean, 0.0)
    return i0, shift
