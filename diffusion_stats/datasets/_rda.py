"""A streaming reader of one data frame in an R ``.rda`` file, keeping only some columns.

``pyreadr`` materialises every column of every object: the CSP file (13 columns of 5.5 M
rows, seven of them strings; 2.5 GB once decompressed) peaks at several GB that way. This
reader decompresses the file in pieces and decodes R's XDR serialisation (format versions
2 and 3) as it goes, skipping the columns that are not asked for and storing string columns
as codes into their distinct values, so memory stays near the size of the columns kept.

It understands what data frames saved by R hold: a top-level pairlist of one named object,
a list (``VECSXP``) of logical, integer, double or character columns (factors as integer
codes with a ``levels`` attribute), and the attributes of columns and of the frame
(``names``, ``class``, ``row.names``). Anything else raises :class:`UnsupportedRda`, and the
callers fall back to ``pyreadr``.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["UnsupportedRda", "read_rda_frame"]

_NILVALUE, _SYM, _LIST, _CHAR, _LGL, _INT, _REAL, _STR, _VEC, _REF = 254, 1, 2, 9, 10, 13, 14, 16, 19, 255
_HAS_ATTR, _HAS_TAG = 1 << 9, 1 << 10
_NA_INT = -(2 ** 31)
_CHUNK = 1 << 24  # decompressed bytes per piece


class UnsupportedRda(Exception):
    """The file holds something this reader does not decode (the caller uses pyreadr)."""


def _pieces(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        magic = fh.read(6)
    opener: Any
    if magic[:2] == b"\x1f\x8b":
        opener = gzip.open
    elif magic[:3] == b"BZh":
        opener = bz2.open
    elif magic[:6] == b"\xfd7zXZ\x00":
        opener = lzma.open
    else:
        opener = open
    with opener(path, "rb") as fh:
        while True:
            b = fh.read(_CHUNK)
            if not b:
                return
            yield b


class _Stream:
    """Bytes of the decompressed file, read front to back from a window over the pieces."""

    _ii = struct.Struct(">ii")

    def __init__(self, path: Path) -> None:
        self._it = _pieces(path)
        self.buf = b""
        self.pos = 0

    def _need(self, n: int) -> None:
        if self.pos + n <= len(self.buf):
            return
        parts = [self.buf[self.pos:]]
        have = len(parts[0])
        while have < n:
            nxt = next(self._it, None)
            if nxt is None:
                raise UnsupportedRda("file ends inside an object")
            parts.append(nxt)
            have += len(nxt)
        self.buf = b"".join(parts)
        self.pos = 0

    def read(self, n: int) -> bytes:
        self._need(n)
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def i32(self) -> int:
        self._need(4)
        v = int.from_bytes(self.buf[self.pos:self.pos + 4], "big", signed=True)
        self.pos += 4
        return v

    def array(self, dtype: str, n: int) -> np.ndarray:
        return np.frombuffer(self.read(np.dtype(dtype).itemsize * n), dtype=dtype).astype(dtype[1:])

    def strings(self, n: int) -> tuple[np.ndarray, list[str | None]]:
        """``n`` CHARSXPs as (codes into the distinct values, the values); code -1 is NA."""
        codes = np.empty(n, dtype=np.int32)
        seen: dict[bytes, int] = {}
        values: list[str | None] = []
        unpack = self._ii.unpack_from
        i = 0
        while i < n:
            # decode the whole records the window holds, then refill
            buf, pos, end = self.buf, self.pos, len(self.buf)
            while i < n and pos + 8 <= end:
                flags, ln = unpack(buf, pos)
                if flags & 0xFF != _CHAR:
                    raise UnsupportedRda(f"expected a string, found SEXP type {flags & 0xFF}")
                if ln < 0:
                    codes[i] = -1
                    pos += 8
                    i += 1
                    continue
                if pos + 8 + ln > end:
                    break
                s = buf[pos + 8:pos + 8 + ln]
                c = seen.get(s)
                if c is None:
                    c = seen[s] = len(values)
                    values.append(s.decode("latin-1" if flags & (1 << 14) else "utf-8"))
                codes[i] = c
                pos += 8 + ln
                i += 1
            self.pos = pos
            if i < n:
                self._need(8 if pos + 8 > end else 8 + unpack(buf, pos)[1])
        return codes, values


def _item(st: _Stream, refs: list) -> Any:
    """One serialised R object (the subset described in the module docstring)."""
    flags = st.i32()
    typ = flags & 0xFF
    if typ == _NILVALUE:
        return None
    if typ == _REF:
        idx = flags >> 8
        return refs[(idx if idx else st.i32()) - 1]
    if typ == _SYM:
        name = _item(st, refs)
        refs.append(name)
        return name
    if typ == _CHAR:
        ln = st.i32()
        return None if ln < 0 else st.read(ln).decode("utf-8")
    attrs: dict = {}
    if typ == _LIST:  # pairlist: attributes, tag, value, rest
        out: dict = {}
        while typ == _LIST:
            if flags & _HAS_ATTR:
                _item(st, refs)
            tag = _item(st, refs) if flags & _HAS_TAG else None
            out[tag] = _item(st, refs)
            flags = st.i32()
            typ = flags & 0xFF
        if typ != _NILVALUE:
            raise UnsupportedRda("improper pairlist")
        return out
    if typ in (_LGL, _INT, _REAL, _STR, _VEC):
        n = st.i32()
        if n == -1:
            raise UnsupportedRda("long vectors")
        value: Any
        if typ in (_LGL, _INT):
            value = st.array(">i4", n)
        elif typ == _REAL:
            value = st.array(">f8", n)
        elif typ == _STR:
            value = st.strings(n)
        else:
            value = [_item(st, refs) for _ in range(n)]
        if flags & _HAS_ATTR:
            attrs = _item(st, refs) or {}
        return _Vector(typ, value, attrs)
    raise UnsupportedRda(f"SEXP type {typ}")


class _Vector:
    def __init__(self, typ: int, value: Any, attrs: dict) -> None:
        self.typ, self.value, self.attrs = typ, value, attrs


def _read(path: Path) -> tuple[str, list[str], _Vector]:
    st = _Stream(path)
    head = st.read(5)
    if head not in (b"RDX2\n", b"RDX3\n"):
        raise UnsupportedRda("not an RDX2/RDX3 .rda file")
    if st.read(2) != b"X\n":
        raise UnsupportedRda("not XDR (binary big-endian) serialisation")
    version = st.i32()
    st.i32()
    st.i32()
    if version == 3:
        st.read(st.i32())  # native encoding name
    flags = st.i32()
    if flags & 0xFF != _LIST or not flags & _HAS_TAG:
        raise UnsupportedRda("top level is not a named pairlist")
    refs: list = []
    if flags & _HAS_ATTR:
        _item(st, refs)
    obj = _item(st, refs)
    frame = _item(st, refs)
    if st.i32() & 0xFF != _NILVALUE:
        raise UnsupportedRda("more than one object in the file")
    if not isinstance(frame, _Vector) or frame.typ != _VEC:
        raise UnsupportedRda("the object is not a list / data frame")
    cls = frame.attrs.get("class")
    if cls is None or "data.frame" not in _strings(cls):
        raise UnsupportedRda("the object is not a data frame")
    return str(obj), [str(n) for n in _strings(frame.attrs["names"])], frame


def _strings(v: _Vector) -> list[str | None]:
    codes, values = v.value
    return [None if c < 0 else values[c] for c in codes]


def _to_series(v: _Vector, name: str) -> pd.Series:
    if v.typ == _REAL:
        return pd.Series(v.value, name=name)
    if v.typ == _STR:
        codes, values = v.value
        arr = np.array(values + [None], dtype=object)[np.where(codes < 0, len(values), codes)]
        return pd.Series(arr, name=name)
    x = v.value
    levels = v.attrs.get("levels")
    if levels is not None:  # factor
        cats = [s for s in _strings(levels)]
        return pd.Series(pd.Categorical.from_codes(np.where(x == _NA_INT, -1, x - 1), categories=cats), name=name)
    if v.typ == _LGL:
        out = pd.array(np.where(x == _NA_INT, False, x != 0), dtype="boolean")
        out[x == _NA_INT] = pd.NA
        return pd.Series(out, name=name)
    return pd.Series(np.where(x == _NA_INT, np.nan, x) if (x == _NA_INT).any() else x.astype(np.int32), name=name)


def read_rda_frame(path: str | Path, columns: Sequence[str]) -> tuple[str, pd.DataFrame]:
    """``(object name, frame of the requested columns)`` of the one data frame in ``path``.

    One streaming pass; every column is held compactly (strings as codes) until the names,
    which follow the columns in the file, say which to return. Values equal
    ``pyreadr.read_r``'s for the column types read here: doubles as float64, strings as
    object (None for NA), factors as categoricals, integers as int32 (float64 with NaN when
    NA), logicals as nullable booleans.

    Raises
    ------
    UnsupportedRda
        When the file holds anything else, or a requested column is missing.
    """
    obj, names, frame = _read(Path(path))
    missing = [c for c in columns if c not in names]
    if missing:
        raise UnsupportedRda(f"columns not in the data frame: {missing}")
    pos = {n: i for i, n in enumerate(names)}
    return obj, pd.DataFrame({c: _to_series(frame.value[pos[c]], c) for c in columns})
