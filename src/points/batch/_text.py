"""Quick reads of short text cells straight from their Arrow string views (NumPy, no copy).

A Polars string column keeps, per cell, a 16-byte view: the length in bytes, then the first
12 bytes of the text (the whole text when it has at most 12 bytes). Reading those views as
four 32-bit words per cell lets a few whole-column integer operations check and parse cells
that a regular expression or a per-cell parser would take several times longer to. These
readers are the *quick* way of `batch._score`: a cell they cannot vouch for comes back null,
and the batch's slow, careful parse decides it, so they never change an answer, only how
soon it comes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

import numpy as np
import polars as pl
import pyarrow as pa
from numpy.typing import NDArray

__all__ = ["few_places", "iso_dates"]

_U32 = np.uint32
_EPOCH = date(1970, 1, 1)
#: the most years of dates read quickly (a table of their days); the others go slowly
_MAX_YEARS = 1000
_NO_DAY = -(2**31)


#: cells read per slice: the slice's words (4 × 128 KiB) stay in the processor's cache, so
#: the dozens of whole-slice operations that follow read no main memory
_STEP = 1 << 15


def _views(s: pl.Series) -> tuple[NDArray[np.uint32], NDArray[np.bool_] | None] | None:
    """The cells' views as four 32-bit words each (byte length, text bytes 0-3, 4-7,
    8-11, little-endian), read-only, and where the nulls are (None: none); None where the
    views cannot be read this way."""
    if sys.byteorder != "little" or s.dtype != pl.String or s.len() == 0:
        return None
    a = s.to_arrow(compat_level=pl.CompatLevel.newest())
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    if a.type != pa.string_view():
        return None
    views = np.frombuffer(a.buffers()[1], dtype=np.uint32).reshape(-1, 4)
    nulls = np.asarray(s.is_null().to_numpy()) if a.null_count else None
    return views[a.offset:a.offset + len(a)], nulls


def _words(s: pl.Series) -> tuple[NDArray[np.uint32], ...] | None:
    """Per cell: byte length, text bytes 0-3, 4-7 and 8-11 (`_views`; a null cell has
    length 0), as four contiguous writable arrays; None where the views cannot be read."""
    read = _views(s)
    if read is None:
        return None
    views, nulls = read
    words = views.T.copy()
    if nulls is not None:  # a null cell's view is undefined: read it as empty
        words[0][nulls] = 0
    return tuple(words)


def _sliced(views: NDArray[np.uint32], nulls: NDArray[np.bool_] | None
            ) -> Iterator[tuple[int, int, tuple[NDArray[np.uint32], ...]]]:
    """`_words` a slice of `_STEP` cells at a time: (first, end, words), the words in one
    buffer that the next slice overwrites."""
    buffer = np.empty((4, min(_STEP, len(views))), dtype=np.uint32)
    for lo in range(0, len(views), _STEP):
        hi = min(lo + _STEP, len(views))
        words = buffer[:, :hi - lo]
        np.copyto(words, views[lo:hi].T)
        if nulls is not None:
            words[0][nulls[lo:hi]] = 0
        yield lo, hi, tuple(words)


def _series(values: NDArray[np.int32], good: NDArray[np.bool_], dtype: pa.DataType,
            ) -> pl.Series:
    bits = np.packbits(good, bitorder="little")
    out = pa.Array.from_buffers(dtype, len(values), [pa.py_buffer(bits), pa.py_buffer(values)])
    return pl.Series(out)


@lru_cache(maxsize=16)
def _days(y0: int, y1: int) -> NDArray[np.int32]:
    """Days since 1970-01-01 of every real day of the years y0..y1, at index
    (year - y0) * 416 + month * 32 + day; `_NO_DAY` where there is no such day."""
    first = (date(y0, 1, 1) - _EPOCH).days
    last = (date(y1, 12, 31) - _EPOCH).days
    days = np.arange(first, last + 1, dtype=np.int64).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    out = np.full((y1 - y0 + 1) * 416, _NO_DAY, dtype=np.int32)
    out[(year - y0) * 416 + month * 32 + day] = days.astype(np.int64)
    out.flags.writeable = False
    return out


def iso_dates(s: pl.Series) -> pl.Series:
    """The cells written exactly `YYYY-MM-DD` (ASCII digits, a real day, year 1 or later)
    as dates; null for every other cell, for the slow parse to judge."""
    words = _words(s)
    if words is None:
        return pl.Series(s.name, [None] * s.len(), dtype=pl.Date)
    # in place where possible: each new 4 MB array costs more than the operation on it
    n, a, b, c = words
    a ^= _U32(0x30303030)  # "YYYY": each byte 0-9
    b ^= _U32(0x2D30302D)  # "-MM-": bytes 0 and 3 zero, 1 and 2 from 0-9
    c ^= _U32(0x3030)  # "DD", then padding
    c &= _U32(0xFFFF)
    t = a + _U32(0x06060606)  # a byte from 0-9 stays below 16 with 6 added
    t |= a
    t &= _U32(0xF0F0F0F0)
    u = b + _U32(0x00060600)
    u |= b
    u &= _U32(0xFFF0F0FF)
    t |= u
    np.add(c, _U32(0x0606), out=u)
    u |= c
    u &= _U32(0xF0F0)
    t |= u
    ok = t == 0
    ok &= n == 10
    year = np.multiply(a, _U32(10), out=t)  # "1990": bytes 1, 9, 9, 0 → 19 and 90
    year += np.right_shift(a, _U32(8), out=u)
    year &= _U32(0x00FF00FF)
    np.right_shift(year, _U32(16), out=u)
    year &= _U32(0xFF)
    year *= _U32(100)
    year += u
    month = np.multiply(b, _U32(10), out=u)
    month += np.right_shift(b, _U32(8), out=b)
    month >>= _U32(8)
    month &= _U32(0xFF)
    day = np.right_shift(c, _U32(8), out=b)
    day += c * _U32(10)
    day &= _U32(0xFF)
    ok &= (year >= 1) & (month <= 12) & (day <= 31)
    if not ok.any():
        return pl.Series(s.name, [None] * s.len(), dtype=pl.Date)
    years = year[ok]
    y0, y1 = int(years.min()), int(years.max())
    if y1 - y0 >= _MAX_YEARS:  # a table of the years around the mean; the rest go slowly
        y0 = max(1, min(int(years.mean()) - _MAX_YEARS // 2, 10_000 - _MAX_YEARS))
        y1 = y0 + _MAX_YEARS - 1
        ok &= (year >= y0) & (year <= y1)
    key = year
    key -= _U32(y0)
    key *= _U32(416)
    month *= _U32(32)
    key += month
    key += day
    key *= ok  # 0 where not a date: any index will do
    days = _days(y0, y1)[key]
    return _series(days, ok & (days != _NO_DAY), pa.date32()).alias(s.name)


#: per word i (bytes 4i..4i+3) and count k, the bytes of the word among bytes 0..k-1
_PREFIX = np.array([[sum(0xFF << (8 * j) for j in range(4) if 4 * i + j < k)
                     for k in range(13)] for i in range(3)], dtype=np.uint32)


def _zero_bytes(v: NDArray[np.uint32], among: NDArray[np.uint32], z: NDArray[np.uint32],
                found: NDArray[np.uint32]) -> None:
    """Mark in `found` the zero bytes of each word of `v` among the bytes `among` marks
    (`v` and `z` are overwritten). (v - 0x01..) & ~v & 0x80.. flags every zero byte, and
    perhaps bytes above one through a borrow; the marked bytes are a prefix, so when such
    a byte is marked the zero byte below it is too, and "any" is exact."""
    np.subtract(v, _U32(0x01010101), out=z)
    np.invert(v, out=v)
    z &= v
    z &= _U32(0x80808080)
    z &= among
    found |= z


def few_places(s: pl.Series, places: int) -> pl.Series:
    """Per cell, whether it has at most `places` bytes after its first "." (or no "."), as
    a plain decimal with at most `places` decimals has. False for a null cell, one over
    12 bytes and one with an exponent ("e" or "E": "1e-3" has 3 places): the slow way
    decides those."""
    read = _views(s)
    if read is None:
        return pl.Series(s.name, [False] * s.len(), dtype=pl.Boolean)
    out = np.empty(s.len(), dtype=np.bool_)
    step = min(_STEP, s.len())
    found, z, mask, y = (np.empty(step, dtype=np.uint32) for _ in range(4))
    before = np.empty(step, dtype=np.int32)
    inside = np.empty(step, dtype=np.intp)
    for lo, hi, words in _sliced(*read):
        m = hi - lo
        n = words[0]
        f, zm, mm, ym, b, ins = found[:m], z[:m], mask[:m], y[:m], before[:m], inside[:m]
        # more places than `places` ⇔ a "." among bytes 0..n-2-places: "." bytes are the
        # zero bytes of x = word ^ "....", and (x - 0x01..) & ~x & 0x80.. flags every zero
        # byte (and perhaps bytes above one, through a borrow: those are in the prefix
        # too, so "any" is exact)
        np.subtract(n, 1 + places, out=b, casting="unsafe")
        np.clip(b, 0, 12, out=b)
        np.minimum(n, _U32(12), out=ins, casting="unsafe")
        f.fill(0)
        for i, x in enumerate(words[1:]):
            # "e" or "E" among the cell's own bytes: with bit 0x20 set, only those two
            # bytes become "e", the zero bytes of y
            np.bitwise_or(x, _U32(0x20202020), out=ym)
            ym ^= _U32(0x65656565)
            _zero_bytes(ym, np.take(_PREFIX[i], ins, out=mm), zm, f)
            x ^= _U32(0x2E2E2E2E)
            _zero_bytes(x, np.take(_PREFIX[i], b, out=mm), zm, f)
        ok = out[lo:hi]
        np.equal(f, 0, out=ok)
        ok &= n <= 12
    if read[1] is not None:
        out &= ~read[1]
    return pl.Series(s.name, out, dtype=pl.Boolean)
