"""The file formats, what a run reports (`BatchSummary`), and where rows come from."""


from __future__ import annotations

import stat
import sys
from bisect import bisect_left
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

import attrs
import polars as pl

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    pass




Format = Literal["csv", "parquet", "jsonl", "excel"]
#: The file formats read and written, by name.
FORMATS: tuple[Format, ...] = ("csv", "parquet", "jsonl", "excel")
_SUFFIXES: dict[str, Format] = {
    ".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl",
    ".ndjson": "jsonl", ".xlsx": "excel",
}
_EXTENSION: dict[Format, str] = {
    "csv": ".csv", "parquet": ".parquet", "jsonl": ".jsonl", "excel": ".xlsx"}
#: Columns of a rejects file: one line per problem; a row with two bad fields has two lines.
REJECT_COLUMNS = ("row", "field", "value", "reason", "source")
_REJECT_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String,
                  "reason": pl.String, "source": pl.String}
#: The field named in a reject when the whole row could not be read.
WHOLE_ROW = "(row)"
#: Rows scored at a time unless told.
DEFAULT_CHUNK_ROWS = 100_000
_CSV_BLOCK = 1 << 22
_EXCEL_MAX_ROWS = 1_048_575
_STDIN = "<stdin>"

#: Called after each chunk is scored with (rows done so far, rows in all or None): rows
#: done are scored or rejected; rows in all are exact for Parquet, estimated from the line
#: ends for CSV and JSON Lines files, and None for streams and Excel.
ProgressHook = Callable[[int, "int | None"], None]


@attrs.frozen
class BatchSummary:
    """What a run did: counts, tiers, cutoff when ranked, and where the outputs are.

    `rows_read == rows_scored + rows_rejected` always holds. `tiers` counts the scored
    applicants per tier unlocked (an applicant can unlock several tiers); `files` gives, per
    input file, its name, the number of its first row and its number of rows. When
    `ranked`: `in_ranking` applicants passed the ranking purpose's gates and were ranked,
    `admitted` of them are admitted, the last at `cutoff` points, under `quota`.
    """

    rows_read: int
    rows_scored: int
    rows_rejected: int
    tiers: Mapping[str, int]
    eligible: int | None
    schedule_id: str
    schedule_hash: str
    purpose: str | None
    on: date
    output: Path | None
    rejects: Path | None
    files: tuple[tuple[str, int, int], ...]
    seconds: float
    cutoff: Decimal | None = None
    admitted: int | None = None
    quota: int | None = None
    ranked: bool = False
    in_ranking: int | None = None
    summary: Path | None = None

    def _repr_html_(self) -> str:
        from .._report import html_table

        rows: list[list[object]] = [
            ["rows read", self.rows_read], ["scored", self.rows_scored],
            ["rejected", self.rows_rejected]]
        if self.eligible is not None:
            rows.append(["eligible", self.eligible])
        rows += [[f"tier {t}", n] for t, n in self.tiers.items()]
        if self.ranked:
            rows += [["admitted", self.admitted], ["cutoff", self.cutoff],
                     ["quota", self.quota]]
        return (html_table([f"{self.schedule_id}, on {self.on}", "applicants"], rows,
                           cls="summary") + self._preview())

    def _preview(self) -> str:
        """The first rows of the written output, when it is a regular file one can read back
        (not standard output, a pipe or Excel)."""
        from .._report import PREVIEW_ROWS, preview_html

        path = self.output
        if path is None or not path.is_file() or path.suffix.lower() not in _SUFFIXES:
            return ""
        fmt = _SUFFIXES[path.suffix.lower()]
        try:
            if fmt == "csv":
                head = pl.read_csv(path, n_rows=PREVIEW_ROWS, infer_schema=False)
            elif fmt == "parquet":
                head = pl.read_parquet(path, n_rows=PREVIEW_ROWS)
            elif fmt == "jsonl":
                head = pl.read_ndjson(path, n_rows=PREVIEW_ROWS)
            else:
                return ""
        except (OSError, pl.exceptions.PolarsError):
            return ""  # a preview is a courtesy: a file moved or changed since is no error
        return preview_html(head, str(path.name), self.rows_scored,
                            columns=("row", "applicant_id", "total", "eligible", "tier"))


def format_of(path: str | Path) -> Format:
    """The format a file name's suffix names (`InputError` when it names none)."""
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(
            "cannot tell the format from the file name; name it with --format "
            f"({', '.join(FORMATS)})", source=str(path))
    return fmt


def _check_format(fmt: str | None) -> Format | None:
    if fmt is None:
        return None
    for known in FORMATS:
        if fmt == known:
            return known
    raise InputError(f"unknown format; use one of {', '.join(FORMATS)}", value=fmt)


# ---------------------------------------------------------------------------------------
# Reading


@attrs.define
class _Source:
    name: str
    path: Path | None = None
    stream: BinaryIO | None = None
    scan: _Scan | None = None  # of a CSV or JSON Lines file, once scanned


@attrs.define
class _Chunk:
    """Rows read from one source: contiguous runs of good rows, and rows that failed to parse."""

    source: str
    runs: list[tuple[int, pl.DataFrame]]  # (number of the first row, rows)
    bad: list[tuple[int, str, str | None, str]]  # (row, field, value, reason)
    done: int  # progress units done so far in this source

    @property
    def last(self) -> int:
        """The number of the last row in the chunk (0 when empty)."""
        return max([s + f.height - 1 for s, f in self.runs] + [b[0] for b in self.bad] + [0])


def _sources(input: str | Path | BinaryIO, fmt: Format | None) -> tuple[list[_Source], Format]:
    if not isinstance(input, (str, Path)):
        if fmt is None:
            raise InputError("reading a stream needs a format (--format)", source=_STDIN)
        return [_Source(_STDIN, stream=input)], fmt
    if str(input) == "-":
        if fmt is None:
            raise InputError("reading standard input needs --format", source=_STDIN)
        return [_Source(_STDIN, stream=sys.stdin.buffer)], fmt
    path = Path(input)
    if path.is_dir():
        files = sorted(p for p in path.iterdir()
                       if p.is_file() and not p.name.startswith(".")
                       and p.suffix.lower() in _SUFFIXES)
        found = {_SUFFIXES[p.suffix.lower()] for p in files}
        if fmt is not None:
            files = [p for p in files if _SUFFIXES[p.suffix.lower()] == fmt]
        elif len(found) > 1:
            raise InputError("a directory holds files of one format; found "
                             + ", ".join(sorted(found)) + " (choose one with --format)",
                             source=str(path))
        if not files:
            raise InputError("no CSV, Parquet, JSON Lines or Excel files in the directory"
                             if fmt is None else f"no {fmt} files in the directory",
                             source=str(path))
        return [_Source(str(p), path=p) for p in files], fmt or found.pop()
    if not path.exists():
        raise InputError("no such file or directory", source=str(path))
    return [_Source(str(path), path=path)], fmt or format_of(path)


def _open(src: _Source) -> BinaryIO:
    if src.stream is not None:
        return src.stream
    assert src.path is not None
    try:
        return src.path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=src.name) from None


def _size(src: _Source) -> int | None:
    if src.path is None:
        return None
    try:
        return src.path.stat().st_size
    except OSError:  # pragma: no cover - raced with a delete
        return None


def _runs(first: int, n: int, skipped: list[int], at: int) -> tuple[list[tuple[int, int]], int]:
    """Split `n` good rows starting at row `first` around the skipped row numbers."""
    out: list[tuple[int, int]] = []
    row = first
    i = bisect_left(skipped, row, lo=at)
    while n:
        while i < len(skipped) and skipped[i] == row:
            row += 1
            i += 1
        stop = skipped[i] if i < len(skipped) else row + n
        take = min(n, stop - row)
        out.append((row, take))
        row += take
        n -= take
    return out, row


@attrs.define
class _Scan:
    """What one pass over a text file found: its line ends and its encoding."""

    lines: int
    encoding: str
    ends_open: bool  # the last line has no line end


def _regular(path: Path) -> bool:
    """A regular file (links followed): one that can be read twice."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False
