"""Score applicant files: read in chunks, score, write scored rows and rejects, atomically.

`score_file(input, output, schedule, on=...)` reads CSV, Parquet, JSON Lines or Excel from a
path, a directory of files or standard input, scores each chunk with
`points.batch.score_frame`, and writes the scored rows and the rejects as it goes, in bounded
memory. `rank_file` does the same and then ranks the scored list under the quota.

Rows are numbered 1, 2, 3, … in reading order (a CSV or Excel header is not a row, nor is a
blank line); in a directory the files are read in sorted name order and the numbering goes
on from one file to the next. Every row read ends in exactly one of the scored output or
the rejects, which carry the row number, the field, the value, the reason and the file name.

A run writes the scored rows, the rejects and a summary (`OUT.summary.json`) to hidden
temporary names (`.NAME.*.part`) in their folders and renames them into place together when
all are whole (`_commit`: rejects, summary, scored output last; on a failed rename the ones
already renamed get their old files back), so a failed or interrupted run leaves no new
file. Special files (FIFOs, devices) and standard output are written through, never
replaced. CSV outputs are safe to open in a spreadsheet: a text cell that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return, and is not a plain number, gets a leading `'`;
CSV files start with a UTF-8 byte-order mark unless told not to.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import re
import secrets
import shutil
import stat
import sys
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, cast

import attrs
import polars as pl

from .errors import InputError, OutputError, PointsError
from .schedule.loader import load_schedule
from .schedule.model import Schedule

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = [
    "FORMATS",
    "REJECT_COLUMNS",
    "BatchSummary",
    "Format",
    "ProgressHook",
    "format_of",
    "neutralise_formulas",
    "rank_file",
    "score_file",
    "write_table",
]

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
        from .report import html_table

        rows: list[list[object]] = [
            ["rows read", self.rows_read], ["scored", self.rows_scored],
            ["rejected", self.rows_rejected]]
        if self.eligible is not None:
            rows.append(["eligible", self.eligible])
        rows += [[f"tier {t}", n] for t, n in self.tiers.items()]
        if self.ranked:
            rows += [["admitted", self.admitted], ["cutoff", self.cutoff],
                     ["quota", self.quota]]
        return html_table([f"{self.schedule_id}, on {self.on}", "applicants"], rows,
                          cls="summary")


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


#: The longest header line read (a file whose first line is longer is not a CSV list).
_MAX_HEADER = 1 << 20


def _codec(encoding: str | None) -> str | None:
    """The canonical name of an encoding (None: detect UTF-8 or GB18030)."""
    if encoding is None:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError("unknown text encoding (try utf-8 or gb18030)",
                         value=encoding) from None


def _line_ends(data: bytes, after_cr: bool) -> int:
    """Line ends in `data`: LF, CR LF or a lone CR each count once."""
    n = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    if after_cr and data.startswith(b"\n"):
        n -= 1  # the CR LF split between two blocks
    return n


@attrs.define
class _Scan:
    """What one pass over a text file found: its line ends and its encoding."""

    lines: int
    encoding: str
    ends_open: bool  # the last line has no line end


class _Guess:
    """UTF-8 until a byte is not, then GB18030 - unless UTF-8 text beyond ASCII came
    before it: then the file is UTF-8 with a bad byte (GB18030 would read it as garbage
    without an error), and reading it as UTF-8 refuses it at that byte's line."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._wide = False  # non-ASCII UTF-8 seen
        self.encoding: str | None = None  # decided

    def feed(self, data: bytes, final: bool = False) -> None:
        if self.encoding is not None:
            return
        try:
            self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            wide = self._wide or not data[:max(exc.start, 0)].isascii()
            self.encoding = "utf-8" if wide else "gb18030"
            return
        self._wide = self._wide or not data.isascii()
        if final:
            self.encoding = "utf-8"

    def result(self) -> str:
        return self.encoding or "utf-8"


def _scan(path: Path) -> _Scan:
    guess = _Guess()
    lines, cr, last = 0, False, b""
    with path.open("rb") as f:
        while block := f.read(_CSV_BLOCK):
            guess.feed(block)
            lines += _line_ends(block, cr)
            cr = block.endswith(b"\r")
            last = block
    guess.feed(b"", True)
    return _Scan(lines, guess.result(), bool(last) and not last.endswith((b"\n", b"\r")))


class _CsvText:
    """A CSV byte stream as UTF-8 for PyArrow, checked as it is read.

    Decodes with `encoding` (re-encoding to UTF-8 when it is another one), counts line ends
    (LF, CR LF or a lone CR), and remembers the line of the last `"`: when the number of
    quotes is odd at the end, that quote opened a cell that never closes. A byte that is not
    valid text, or a quote left open, is kept in `error` and the stream ends there; the
    reader raises it once PyArrow stops.
    """

    def __init__(self, raw: BinaryIO, encoding: str, name: str, *,
                 detected: bool = False) -> None:
        self.raw = raw
        self.detected = detected
        self.encoding = encoding
        self.name = name
        self.utf8 = encoding == "utf-8"
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.lines = 0  # line ends handed out so far
        self._cr = False
        self._quotes = 0
        self._quote_line = 0
        self._pending = b""
        self._eof = False
        self.error: InputError | None = None
        self.closed = False
        self.open_end = False  # the text handed out so far ends inside a line

    def _block(self) -> bytes:
        if self._eof:
            return b""
        data = self.raw.read(_CSV_BLOCK)
        held = len(self._decoder.getstate()[0])
        try:
            text = self._decoder.decode(data, not data)
        except UnicodeDecodeError as exc:
            at = max(exc.start - held, 0)
            line = self.lines + _line_ends(data[:at], self._cr) + 1
            label = ("UTF-8 or GB18030 (name it with --encoding)" if self.detected
                     else self.encoding.upper())
            self.error = InputError(f"line {line}: not valid {label} text; "
                                    "nothing was read from this file", source=self.name,
                                    value=data[at:at + 4])
            self._eof = True
            return b""
        if not data:
            self._eof = True
            return b""
        out = data if self.utf8 else text.encode("utf-8")
        return out

    def _count(self, out: bytes) -> None:
        quotes = out.count(b'"')
        if quotes:
            self._quotes += quotes
            self._quote_line = self.lines + _line_ends(out[:out.rfind(b'"')], self._cr) + 1
        self.lines += _line_ends(out, self._cr)
        self._cr = out.endswith(b"\r")
        if out:
            self.open_end = not out.endswith((b"\n", b"\r"))

    def header(self) -> bytes:
        """The first line (without its line end); the rest is left for `read`."""
        buf = b""
        while True:
            for i, b in enumerate(buf):
                if b in (10, 13):
                    end = i + 1
                    if b == 13:
                        if end == len(buf) and not self._eof:
                            break  # a CR at the end of a block: LF may follow
                        if buf[end:end + 1] == b"\n":
                            end += 1
                    self._pending = buf[end:]
                    self.lines = 1
                    return buf[:i]
            else:
                if self._eof or len(buf) > _MAX_HEADER:
                    if len(buf) > _MAX_HEADER:
                        raise InputError("line 1: no line end in the first MiB; not a CSV "
                                         "list", source=self.name)
                    self._pending = b""
                    return buf
            more = self._block()
            if self.error is not None:
                raise self.error
            if not more and self._eof and not buf:
                return b""
            buf += more

    def read(self, n: int = -1) -> bytes:
        if self._pending:
            out, self._pending = self._pending, b""
        else:
            out = self._block()
        self._count(out)
        return out

    def finish(self) -> None:
        """Raise the problem found, if any (call once PyArrow has stopped)."""
        if self.error is not None:
            raise self.error
        if self._quotes % 2:
            raise InputError(f"line {self._quote_line}: a quote opens a cell that is never "
                             "closed; nothing was read from this file", source=self.name)

    def close(self) -> None:
        self.closed = True


def _detect(src: _Source, f: BinaryIO) -> tuple[BinaryIO, str]:
    """UTF-8 unless the text is not valid UTF-8 and holds no UTF-8 beyond ASCII before the
    first bad byte, then GB18030 (a superset of GBK).

    A file is checked whole (its scan); a stream by its first block, kept for reading.
    """
    if src.scan is None and src.path is not None and _regular(src.path):
        with contextlib.suppress(OSError):
            src.scan = _scan(src.path)
    if src.scan is not None:
        return f, src.scan.encoding
    head = f.read(_CSV_BLOCK)
    guess = _Guess()
    guess.feed(head, len(head) < _CSV_BLOCK)
    return cast(BinaryIO, _Prefixed(head, f)), guess.result()


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self._head:
            out, self._head = self._head, b""
            return out
        return self._rest.read(n)


def _read_csv(src: _Source, chunk_rows: int, block_size: int,
              encoding: str | None) -> Iterator[_Chunk]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    f = _open(src)
    try:
        raw, enc = (f, encoding) if encoding is not None else _detect(src, f)
        text_in = _CsvText(raw, enc, src.name, detected=encoding is None)
        head = text_in.header()
        if not head.strip():
            raise InputError("no header line (an empty file)", source=src.name)
        text = head.decode("utf-8").removeprefix("\ufeff")
        names = [n.strip() for n in next(csv.reader([text]))]
        for i, name in enumerate(names, 1):
            if not name.strip():
                raise InputError(f"line 1: column {i} of the header has no name",
                                 source=src.name)
        dup = [n for n, k in Counter(names).items() if k > 1]
        if dup:
            raise InputError("line 1: the header repeats a column", source=src.name,
                             value=dup[0])

        bad: dict[int, tuple[str, str]] = {}
        skipped: list[int] = []
        short: set[int] = set()

        def invalid(row: Any) -> str:
            if row.number is None:  # pragma: no cover - only when parsing in parallel
                raise InputError(f"a row has {row.actual_columns} fields, the header has "
                                 f"{row.expected_columns}", source=src.name, value=row.text)
            skipped.append(row.number)
            bad[row.number] = (row.text, f"has {row.actual_columns} fields; the header has "
                                         f"{row.expected_columns}")
            if row.actual_columns < row.expected_columns:
                short.add(row.number)
            return "skip"

        try:
            reader = pacsv.open_csv(
                text_in,
                read_options=pacsv.ReadOptions(column_names=names, block_size=block_size,
                                               use_threads=False),
                parse_options=pacsv.ParseOptions(newlines_in_values=True,
                                                 invalid_row_handler=invalid),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names}, null_values=[""],
                    strings_can_be_null=True, quoted_strings_can_be_null=True),
            )
        except pa.ArrowInvalid as exc:
            if "Empty CSV" in str(exc):  # a header and no rows
                text_in.finish()
                return
            text_in.finish()
            raise InputError(f"cannot read as CSV: {exc}", source=src.name) from None
        row, at, shown = 1, 0, 0
        chunks: list[_Chunk] = []
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                text_in.finish()
                raise InputError(f"cannot read as CSV (after row {row - 1}): {exc}",
                                 source=src.name) from None
            frame = cast(pl.DataFrame, pl.from_arrow(batch))
            spans, row = _runs(row, frame.height, skipped, at)
            chunk = _Chunk(src.name, [], [], 0)
            offset = 0
            for start, n in spans:
                chunk.runs.append((start, frame.slice(offset, n)))
                offset += n
            at = bisect_left(skipped, row, lo=at)
            chunk.bad = [(r, WHOLE_ROW, *bad.pop(r)) for r in skipped[shown:at]]
            shown = at
            # one chunk held back: the last must not be scored before the end is checked
            chunks.append(chunk)
            if len(chunks) > 1:
                yield chunks.pop(0)
        text_in.finish()
        if skipped and skipped[-1] >= row and skipped[-1] in short and text_in.open_end:
            # the last row is short and has no line end: the file was cut mid-row
            raise InputError(f"line {text_in.lines + 1}: the file ends inside a row "
                             f"({bad[skipped[-1]][1]}) and without a line end; it looks cut "
                             "short", source=src.name)
        yield from chunks
        # rows skipped after the last good row
        tail: list[tuple[int, str, str | None, str]] = [
            (r, WHOLE_ROW, *bad.pop(r)) for r in skipped[shown:]]
        if tail:
            yield _Chunk(src.name, [], tail, 0)
    finally:
        if src.stream is None:
            f.close()


def _tell(f: BinaryIO) -> int:
    try:
        return f.tell()
    except (OSError, ValueError):
        return 0


def _split(chunk: _Chunk, chunk_rows: int) -> Iterator[_Chunk]:
    """Cut a chunk into chunks of at most `chunk_rows` good rows; each bad row goes with
    the part whose rows reach it, so rows stay in order."""
    parts = [_Chunk(chunk.source, [], [], chunk.done)]
    room = chunk_rows
    for start, frame in chunk.runs:
        offset = 0
        while offset < frame.height:
            if room == 0:
                parts.append(_Chunk(chunk.source, [], [], chunk.done))
                room = chunk_rows
            take = min(room, frame.height - offset)
            parts[-1].runs.append((start + offset, frame.slice(offset, take)))
            offset += take
            room -= take
    ends = [p.last for p in parts]
    for bad in chunk.bad:
        at = bisect_left(ends, bad[0])
        parts[min(at, len(parts) - 1)].bad.append(bad)
    yield from (p for p in parts if p.runs or p.bad)


def _rechunk(chunks: Iterable[_Chunk], chunk_rows: int) -> Iterator[_Chunk]:
    """Gather the pieces a reader gives into chunks of `chunk_rows` rows (the last smaller),
    joining runs of consecutive rows, so a chunk is scored in one call."""
    runs: list[tuple[int, int, list[pl.DataFrame]]] = []  # first row, next row, frames
    bad: list[tuple[int, str, str | None, str]] = []
    rows, source, done = 0, "", 0

    def gathered() -> _Chunk:
        merged = [(first, frames[0] if len(frames) == 1 else pl.concat(frames))
                  for first, _, frames in runs]
        return _Chunk(source, merged, bad, done)

    for chunk in chunks:
        source, done = chunk.source, chunk.done
        for start, frame in chunk.runs:
            if runs and runs[-1][1] == start:
                runs[-1][2].append(frame)
                runs[-1] = (runs[-1][0], start + frame.height, runs[-1][2])
            else:
                runs.append((start, start + frame.height, [frame]))
            rows += frame.height
        bad.extend(chunk.bad)
        rows += len(chunk.bad)
        if rows >= chunk_rows:
            yield from _split(gathered(), chunk_rows)
            runs, bad, rows = [], [], 0
    if runs or bad:
        yield from _split(gathered(), chunk_rows)


def _jsonl_text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v, ensure_ascii=False)


def _known_columns() -> frozenset[str]:
    from .applicant import FACTS
    from .batch import BATCH_COLUMNS

    return frozenset({"applicant_id", "birth_date", *FACTS, *BATCH_COLUMNS})


def _read_jsonl(src: _Source, chunk_rows: int, extra: str) -> Iterator[_Chunk]:
    """JSON Lines, one object per line, in blocks of `chunk_rows` lines (blank lines skipped)."""
    known = _known_columns()
    f = _open(src)
    try:
        row = 1
        block: list[tuple[int, bytes]] = []  # (line number, line) of the non-blank lines
        for lineno, raw in enumerate(f, 1):
            if raw.strip():
                block.append((lineno, raw))
            if len(block) >= chunk_rows:
                yield _jsonl_block(src.name, block, row, known, extra, _tell(f))
                row += len(block)
                block = []
        if block:
            yield _jsonl_block(src.name, block, row, known, extra, _tell(f))
    finally:
        if src.stream is None:
            f.close()


#: Maps digits and dots to "0", every other byte to " ": a run of 16 zeros then marks a
#: number a float may not hold exactly.
_DIGIT_MAP = bytes(48 if 48 <= b <= 57 or b == 46 else 32 for b in range(256))
_LONG_NUMBER = b"0" * 16


def _jsonl_fast(lines: list[bytes], known: frozenset[str], extra: str) -> pl.DataFrame | None:
    """The block read by Polars in one go, or None when a line needs a closer look (bad
    JSON, not an object, an unknown key, a nested value, a number of 16+ digits)."""
    data = b"".join(lines)
    if not data.endswith(b"\n"):
        data += b"\n"
    if _LONG_NUMBER in data.translate(_DIGIT_MAP):
        return None
    try:
        frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
    except Exception:  # any parse problem: read line by line instead
        return None
    if frame.height != len(lines):
        return None
    unknown = [c for c in frame.columns if c not in known]
    if unknown and extra != "ignore":
        return None
    frame = frame.drop(unknown)
    if any(t.is_nested() or t == pl.Object for t in frame.schema.dtypes()):
        return None
    # floats as their shortest exact text (numbers of up to 15 digits keep their value)
    return frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items()
                              if t.is_float() or t == pl.Null)


def _jsonl_block(name: str, block: list[tuple[int, bytes]], first: int,
                 known: frozenset[str], extra: str, done: int) -> _Chunk:
    fast = _jsonl_fast([raw for _, raw in block], known, extra)
    if fast is not None:
        return _Chunk(name, [(first, fast)], [], done)
    records: list[tuple[int, dict[str, Any]]] = []
    bad: list[tuple[int, str, str | None, str]] = []
    for row, (lineno, raw) in enumerate(block, first):
        try:
            text = raw.decode("utf-8-sig" if lineno == 1 else "utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            bad.append((row, WHOLE_ROW, raw.decode("utf-8", "replace").rstrip("\r\n"),
                        f"line {lineno}: not UTF-8 text ({exc.reason})"))
            continue
        try:
            obj = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
        except json.JSONDecodeError as exc:
            bad.append((row, WHOLE_ROW, text,
                        f"line {lineno}: invalid JSON at column {exc.colno}: {exc.msg}"))
            continue
        if not isinstance(obj, dict):
            bad.append((row, WHOLE_ROW, text,
                        f"line {lineno}: a JSON Lines row is one JSON object"))
        elif extra == "ignore":
            records.append((row, {k: v for k, v in obj.items() if k in known}))
        elif any(k not in known for k in obj):
            bad.extend((row, k, _jsonl_text(v), "unknown field")
                       for k, v in obj.items() if k not in known)
        else:
            records.append((row, obj))
    return _jsonl_chunk(name, records, bad, done)


def _jsonl_chunk(name: str, records: list[tuple[int, dict[str, Any]]],
                 bad: list[tuple[int, str, str | None, str]], done: int) -> _Chunk:
    keys: dict[str, None] = dict.fromkeys(("age", "birth_date"))  # rows lacking both: rejects
    for _, obj in records:
        keys.update(dict.fromkeys(obj))
    runs: list[tuple[int, pl.DataFrame]] = []
    i = 0
    while i < len(records):  # contiguous row numbers (bad rows break a run)
        j = i + 1
        while j < len(records) and records[j][0] == records[j - 1][0] + 1:
            j += 1
        part = [obj for _, obj in records[i:j]]
        runs.append((records[i][0], pl.DataFrame(
            {k: [_jsonl_text(o.get(k)) for o in part] for k in keys},
            schema=dict.fromkeys(keys, pl.String))))
        i = j
    return _Chunk(name, runs, bad, done)


def _parquet_columns(pf: Any, name: str, extra: str) -> list[str] | None:
    """The columns to read (None: all), refusing repeated names and nested values."""
    import pyarrow as pa

    schema = pf.schema_arrow
    dup = [n for n, k in Counter(schema.names).items() if k > 1]
    if dup:
        raise InputError("the file repeats a column", source=name, value=dup[0])
    known = _known_columns()
    keep = [f.name for f in schema if extra != "ignore" or f.name in known]
    for field in schema:
        t = field.type
        nested = (pa.types.is_nested(t) or (pa.types.is_dictionary(t)
                  and pa.types.is_nested(t.value_type)))
        if field.name in keep and nested:
            raise InputError(f"column {field.name} holds {t}: a fact is one value per row",
                             source=name)
    return None if len(keep) == len(schema.names) else keep


def _read_parquet(src: _Source, chunk_rows: int, extra: str) -> Iterator[_Chunk]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    f = _open(src) if src.path is not None else io.BytesIO(_open(src).read())
    try:
        try:
            # pre-buffering keeps every row group's bytes read so far: memory would grow
            # with the file
            pf = pq.ParquetFile(f, pre_buffer=False)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"cannot read as Parquet: {exc}", source=src.name) from None
        columns = _parquet_columns(pf, src.name, extra)
        row = 1
        batches = pf.iter_batches(batch_size=chunk_rows, columns=columns)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except (pa.ArrowException, OSError) as exc:
                raise InputError(f"cannot read as Parquet (after row {row - 1}): {exc}",
                                 source=src.name) from None
            frame = cast(pl.DataFrame, pl.from_arrow(batch))
            yield _Chunk(src.name, [(row, frame)], [], row - 1 + frame.height)
            row += frame.height
    finally:
        if src.stream is None:
            f.close()


_EXCEL_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")


def _read_excel(src: _Source, chunk_rows: int) -> Iterator[_Chunk]:
    try:
        import fastexcel  # noqa: F401
    except ImportError:
        raise InputError("reading Excel needs the excel extra: "
                         "pip install 'points[excel]'", source=src.name) from None
    data: Any = src.path if src.path is not None else _open(src).read()
    try:
        frame = pl.read_excel(data, sheet_id=1, infer_schema_length=0, raise_if_empty=False)
    except Exception as exc:  # fastexcel raises its own exception classes
        raise InputError(f"cannot read as Excel (first sheet): {exc}", source=src.name) \
            from None
    # a date cell reads as "YYYY-MM-DD 00:00:00": keep the date
    frame = frame.with_columns(
        pl.col(c).str.replace(_EXCEL_DATETIME.pattern, "${1}")
        for c, t in frame.schema.items() if t == pl.String)
    for start in range(0, frame.height, chunk_rows):
        part = frame.slice(start, chunk_rows)
        yield _Chunk(src.name, [(start + 1, part)], [], start + part.height)


def _read(src: _Source, fmt: Format, chunk_rows: int, block_size: int,
          extra: str, encoding: str | None = None) -> Iterator[_Chunk]:
    pieces: Iterator[_Chunk]
    if fmt == "csv":
        pieces = _read_csv(src, chunk_rows, block_size, encoding)
    elif fmt == "jsonl":
        pieces = _read_jsonl(src, chunk_rows, extra)
    elif fmt == "parquet":
        pieces = _read_parquet(src, chunk_rows, extra)
    else:
        pieces = _read_excel(src, chunk_rows)
    return _rechunk(_unchanged(src, pieces), chunk_rows)


def _regular(path: Path) -> bool:
    """A regular file (links followed): one that can be read twice."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def _unchanged(src: _Source, pieces: Iterator[_Chunk]) -> Iterator[_Chunk]:
    """The pieces of a file, then a check that the file did not change while it was read
    (truncated, grown, replaced): such a run stops instead of scoring part of it."""
    if src.path is None or not _regular(src.path):  # a FIFO's times change as it is fed
        yield from pieces
        return
    before = _stamp(src.path)
    held: _Chunk | None = None
    for piece in pieces:
        if held is not None:
            yield held
        held = piece
    after = _stamp(src.path)
    if after != before:
        size = "gone" if after is None else f"{after[0]:,} bytes"
        was = "?" if before is None else f"{before[0]:,} bytes"
        raise InputError(f"the file changed while it was read ({was} at the start, {size} "
                         "at the end); score a copy that is not being written",
                         source=src.name)
    if held is not None:
        yield held


def _rows_in(src: _Source, fmt: Format, encoding: str | None) -> int | None:
    """How many rows a source holds, as far as is known before reading: exact for Parquet,
    estimated from the line ends for CSV and JSON Lines files (exact without blank lines
    or line breaks inside quotes), unknown for streams and Excel."""
    if src.path is None or not _regular(src.path):  # a FIFO is read once, not scanned
        return None
    if fmt in ("csv", "jsonl"):
        try:
            src.scan = _scan(src.path)
        except OSError:
            return None  # reported when the file is read
        lines = src.scan.lines + src.scan.ends_open
        return max(lines - (fmt == "csv"), 0)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(src.path).metadata.num_rows)
        except Exception:  # reported when the file is read
            return None
    return None


def _expected_rows(totals: list[int | None], i: int, rows_read: int,
                   base: int) -> int | None:
    """Rows in all, for the progress bar: the files done as read, the others as expected."""
    if any(n is None for n in totals):
        return None
    here = totals[i] or 0
    rest = sum(n or 0 for j, n in enumerate(totals) if j != i)
    return rest + max(here, rows_read - base)


# ---------------------------------------------------------------------------------------
# Writing

_FORMULA_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix `'` to every text cell a spreadsheet would run as a formula.

    A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula
    to a spreadsheet, unless it is a plain number such as `-10`; numeric columns are never
    touched.
    """
    text = [c for c, t in frame.schema.items() if t == pl.String]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_START)
                & ~pl.col(c).str.contains(_PLAIN_NUMBER))
        .then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text)


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested columns as text, for CSV and Excel: lists joined by `;`, structs as JSON."""
    exprs = []
    for c, t in frame.schema.items():
        if isinstance(t, (pl.List, pl.Array)):
            exprs.append(pl.col(c).cast(pl.List(pl.String)).list.join(";"))
        elif isinstance(t, pl.Struct):
            exprs.append(pl.col(c).struct.json_encode())
    return frame.with_columns(exprs) if exprs else frame


#: Output columns whose values are (nearly) all different: Parquet stores them without a
#: dictionary.
_UNIQUE_COLUMNS = frozenset({"row", "applicant_id"})


_BOM = b"\xef\xbb\xbf"
_PIECE = 1 << 16
#: The creation time written into every xlsx output, so that the same rows give the same
#: bytes (xlsxwriter would write the current time).
_XLSX_CREATED = datetime(2000, 1, 1)


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class _Writer:
    """Writes frames to one output, at a temporary name renamed into place by `_commit`.

    `path` None writes to standard output (CSV and JSON Lines only). A path that is a
    symbolic link writes its target (the link stays); a path that is a FIFO, a device or
    another special file is written through, never replaced. Both of these are "streams":
    written as the run goes, not atomically. A regular file (or a new name) is written at a
    hidden temporary name in its folder and renamed when the run commits.
    CSV files (not streams) start with a UTF-8 byte-order mark unless `bom=False`.
    Parquet chunks are encoded and written in a background thread while the caller reads
    and scores the next chunk; at most one chunk waits there, and its error (if any) is
    raised by the next `write` or by `finish`.
    """

    def __init__(self, path: Path | None, fmt: Format, *, bom: bool = True) -> None:
        self.path = path
        self.fmt = fmt
        self.rows = 0
        self.writes = 0
        self.final: Path | None = None  # the file the temporary file becomes
        self._tmp: Path | None = None
        self._file: BinaryIO | None = None
        self._own = True  # close the file when done (not standard output)
        self._pq: Any = None
        self._schema: pa.Schema | None = None
        self._frames: list[pl.DataFrame] = []
        self._header = True
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None
        if fmt == "excel":
            try:
                import xlsxwriter  # noqa: F401
            except ImportError:
                raise InputError("writing Excel needs the excel extra: "
                                 "pip install 'points[excel]'", source=str(path)) from None
        if path is None:
            if fmt not in ("csv", "jsonl"):
                raise OutputError(f"{fmt} cannot be written to standard output; give -o FILE")
            self._file = sys.stdout.buffer
            self._own = False
            return
        real = Path(os.path.realpath(path))
        kind = _kind(path)
        if kind == "dir":
            raise OutputError("is a directory; give a file name", source=str(path))
        if kind == "special":  # a FIFO, a device: written through, never replaced
            try:
                fd = os.open(real, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
            except OSError as exc:
                raise OutputError(f"cannot write: {_why(exc)}", source=str(path)) from None
            self._file = cast(BinaryIO, os.fdopen(fd, "wb"))
            return
        folder = real.parent
        if not folder.is_dir():
            raise OutputError("the output folder does not exist", source=str(path))
        tmp = folder / f".{real.name}.{secrets.token_hex(4)}.part"
        try:  # 0o666 less the umask, like any new file (mkstemp would give 0o600)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            raise OutputError(f"cannot write: {_why(exc)}", source=str(path)) from None
        self._tmp = tmp
        self.final = real
        self._file = cast(BinaryIO, os.fdopen(fd, "wb"))
        if fmt == "csv" and bom:
            self._put(_BOM)

    @property
    def stream(self) -> bool:
        """True when written as the run goes (standard output, a special file)."""
        return self.final is None

    def _raw_write(self, data: bytes) -> None:
        assert self._file is not None
        if self.final is not None:
            self._file.write(data)
            return
        # a stream: write the descriptor in pieces, so that a reader that goes away (a
        # closed pipe) shows as an error on the next piece, not as a short write
        self._file.flush()
        try:
            fd = self._file.fileno()
        except (OSError, ValueError):  # an in-memory stream (a test runner's)
            self._file.write(data)
            return
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view[:_PIECE]):]

    def _put(self, data: bytes) -> None:
        try:
            self._raw_write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(f"cannot write: {_why(exc)}", source=self._name()) from None

    def _name(self) -> str:
        return "<stdout>" if self.path is None else str(self.path)

    def raw(self, data: bytes) -> None:
        """Write bytes as they are (the run summary)."""
        self.writes += 1
        self._put(data)

    def write(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        self.writes += 1
        if self.fmt == "csv":
            buf = io.BytesIO()
            neutralise_formulas(_flat(frame)).write_csv(buf, include_header=self._header)
            self._header = False
            self._put(buf.getvalue())
        elif self.fmt == "jsonl":
            buf = io.BytesIO()
            frame.write_ndjson(buf)
            self._put(buf.getvalue())
        elif self.fmt == "parquet":
            self._wait()
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="points-parquet")
            self._pending = self._pool.submit(self._write_parquet, frame)
        else:
            if self.rows > _EXCEL_MAX_ROWS:
                raise OutputError(f"an Excel sheet holds at most {_EXCEL_MAX_ROWS:,} rows; "
                                  "write CSV or Parquet", source=self._name())
            self._frames.append(_flat(frame))

    def _write_parquet(self, frame: pl.DataFrame) -> None:
        import pyarrow.parquet as pq

        # points fit 18 digits, which Parquet stores as plain 64-bit integers: much faster
        # to write than 38-digit decimals (a value that did not fit would fail the cast);
        # one chunk per column, so the bytes do not depend on how many threads scored it
        table = frame.with_columns(
            pl.col(c).cast(pl.Decimal(18, t.scale)) for c, t in frame.schema.items()
            if isinstance(t, pl.Decimal) and t.precision is not None and t.precision > 18
        ).rechunk().to_arrow().combine_chunks()
        if self._pq is None:
            self._schema = table.schema
            # a dictionary of values that never repeat is wasted work and space
            self._pq = pq.ParquetWriter(
                self._file, table.schema, compression="zstd", store_decimal_as_integer=True,
                use_dictionary=[c for c in table.column_names if c not in _UNIQUE_COLUMNS])
        elif table.schema != self._schema:
            table = table.cast(self._schema)
        self._pq.write_table(table)

    def _wait(self) -> None:
        """Wait for the chunk being written in the background; raise its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            try:
                pending.result()
            except (BrokenPipeError, PointsError):
                raise
            except OSError as exc:
                raise OutputError(f"cannot write: {_why(exc)}", source=self._name()) from None

    def _stop(self) -> None:
        """Wait for the background chunk, ignoring its error, and end the thread."""
        with contextlib.suppress(Exception):
            self._wait()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def finish(self) -> None:
        """Write the last bytes and make them durable; the file keeps its temporary name."""
        self._wait()
        self._stop()
        try:
            if self._pq is not None:
                self._pq.close()
                self._pq = None
            if self.fmt == "excel" and self._file is not None:
                self._put(_xlsx(self._frames))
                self._frames = []
            if self._file is None:
                return
            self._file.flush()
            if self._tmp is not None:
                os.fsync(self._file.fileno())
            if self._own:
                self._file.close()
        except (BrokenPipeError, PointsError):
            raise
        except OSError as exc:
            raise OutputError(f"cannot write: {_why(exc)}", source=self._name()) from None

    def commit(self) -> None:
        """Finish the output and give it its final name."""
        _commit([self])

    def abort(self) -> None:
        """Drop the temporary file; the final name is left as it was."""
        self._stop()
        with contextlib.suppress(Exception):
            if self._pq is not None:
                self._pq.close()
        if self._own and self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.unlink()
            self._tmp = None


def _kind(path: Path) -> Literal["file", "dir", "special", "new"]:
    """What a path names, links followed: a regular file, a folder, a special file (FIFO,
    device, socket) or nothing yet."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "new"
    except OSError as exc:
        raise OutputError(f"cannot write: {_why(exc)}", source=str(path)) from None
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "special"


def _xlsx(frames: list[pl.DataFrame]) -> bytes:
    """One sheet of the rows, with fixed document properties (same rows, same bytes)."""
    import xlsxwriter

    frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    buf = io.BytesIO()
    # the options Polars uses for a workbook of its own, and a fixed creation time
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True,
                                   "strings_to_formulas": False,
                                   "default_date_format": "yyyy-mm-dd"})
    wb.set_properties({"created": _XLSX_CREATED})
    frame.write_excel(wb, autofit=False)
    wb.close()
    return buf.getvalue()


def _commit(writers: list[_Writer]) -> None:
    """Finish every output, then rename the temporary files into place in the given order.

    When a rename fails, the outputs renamed before it get their previous files back (or
    are removed when they had none), so either every output is new or none is. A file that
    an output replaces is first hard-linked to a hidden backup name, so the old file stays
    visible until the moment the new one takes its name.
    """
    try:
        for w in writers:
            w.finish()
    except BaseException:
        for w in writers:
            w.abort()
        raise
    done: list[tuple[Path, Path | None]] = []  # (final name, backup of the old file)
    try:
        for w in writers:
            if w._tmp is None or w.final is None:
                continue
            final = w.final
            backup = _backup(final, w._name())
            try:
                os.replace(w._tmp, final)
            except OSError as exc:
                if backup is not None:
                    with contextlib.suppress(OSError):
                        backup.unlink()
                raise OutputError(f"cannot rename into place: {_why(exc)}",
                                  source=w._name()) from None
            w._tmp = None
            done.append((final, backup))
    except BaseException:
        for final, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is None:
                    final.unlink()
                else:
                    os.replace(backup, final)
        for w in writers:
            w.abort()
        raise
    for _, backup in done:
        if backup is not None:
            with contextlib.suppress(OSError):
                backup.unlink()
    for folder in {final.parent for final, _ in done}:
        _fsync_dir(folder)


def _backup(final: Path, name: str) -> Path | None:
    """A hidden second name for the file at `final` (None when there is none)."""
    if not final.exists():
        return None
    backup = final.parent / f".{final.name}.{secrets.token_hex(4)}.old"
    try:
        os.link(final, backup)
    except OSError:
        try:  # no hard links here: a copy
            shutil.copy2(final, backup)
        except OSError as exc:
            with contextlib.suppress(OSError):
                backup.unlink()
            raise OutputError(f"cannot keep the previous file while replacing it: "
                              f"{_why(exc)}", source=name) from None
    return backup


def _fsync_dir(folder: Path) -> None:
    """Make the renames in `folder` durable (where the system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Discard:
    """Counts frames and keeps none (a run that writes no file)."""

    path = None
    final = None
    stream = False

    def __init__(self) -> None:
        self.rows = 0
        self.writes = 0

    def write(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        self.writes += 1

    def raw(self, data: bytes) -> None:
        pass

    def abort(self) -> None:
        pass


def write_table(frames: Iterable[pl.DataFrame], output: str | Path | None, *,
                format: str | None = None, bom: bool = True) -> int:
    """Write tables one after another to one file, atomically; return the rows written.

    `output` is a path (format from its suffix unless `format` says) or None / `"-"` for
    standard output (CSV or JSON Lines). CSV text cells are made safe for spreadsheets; a
    CSV file starts with a UTF-8 byte-order mark unless `bom=False`. A special file (a FIFO)
    is written through, never replaced.
    """
    fmt = _check_format(format)
    path = None if output is None or str(output) == "-" else Path(output)
    if fmt is None:
        fmt = "csv" if path is None else format_of(path)
    writer = _Writer(path, fmt, bom=bom)
    try:
        for frame in frames:
            writer.write(frame)
    except BaseException:
        writer.abort()
        raise
    _commit([writer])
    return writer.rows


def _rejects_frame(rejects: pl.DataFrame, source: str) -> pl.DataFrame:
    """The engine's rejects in the rejects-file shape (every value as text)."""
    cols = [pl.col(c).cast(t) if c in rejects.columns else pl.lit(None, t).alias(c)
            for c, t in _REJECT_SCHEMA.items() if c != "source"]
    return rejects.select(*cols, pl.lit(source, pl.String).alias("source"))


def _read_rejects(bad: list[tuple[int, str, str | None, str]], source: str) -> pl.DataFrame:
    return pl.DataFrame(
        [(*b, source) for b in bad], schema=_REJECT_SCHEMA, orient="row")


# ---------------------------------------------------------------------------------------
# Running


def _stem(path: Path) -> str:
    return path.name[: -len(path.suffix)] if path.suffix else path.name


def _targets(input: str | Path | BinaryIO, output: str | Path | None,
             rejects: str | Path | None, in_fmt: Format, out_fmt: Format | None,
             kind: str) -> tuple[Path | None, Format, Path, Format, Path]:
    """Output, rejects and summary paths and formats (output None: standard output).

    The rejects file is `NAME.rejects.EXT` and the summary `NAME.summary.json`, NAME being
    the output's name without its suffix (`list.scored`, `list.ranked`: each command has its
    own). When the output is standard output or a special file, NAME is the command's
    `scored` / `ranked` in the working folder. The summary sits beside the rejects file.
    """
    out: Path | None
    if output is not None and str(output) == "-":
        out = None
        fmt = out_fmt or in_fmt
    elif output is not None:
        out = Path(output)
        fmt = out_fmt or _SUFFIXES.get(out.suffix.lower()) or in_fmt
    elif isinstance(input, (str, Path)) and str(input) != "-":
        src = Path(input)
        fmt = out_fmt or in_fmt
        stem = src.name if src.is_dir() else src.stem
        out = src.parent / f"{stem}.{kind}{_EXTENSION[fmt]}"
    else:
        out = None
        fmt = out_fmt or in_fmt
    if out is not None and _kind(out) == "dir":
        raise OutputError("is a directory; give a file name", source=str(out))
    rej_fmt: Format
    if rejects is not None:
        rej = Path(rejects)
        rej_fmt = _SUFFIXES.get(rej.suffix.lower()) or fmt
    else:
        rej_fmt = fmt
        if out is None or _kind(out) == "special":
            rej = Path(f"{kind}.rejects{_EXTENSION[fmt]}")
        else:
            rej = out.parent / f"{_stem(out)}.rejects{_EXTENSION[rej_fmt]}"
    summary = rej.parent / f"{_stem(rej).removesuffix('.rejects')}.summary.json"
    named = [("output", out), ("rejects file", rej), ("summary", summary)]
    for i, (what, a) in enumerate(named):
        for other, b in named[i + 1:]:
            if a is not None and b is not None and a.resolve() == b.resolve():
                raise OutputError(f"the {what} and the {other} must differ", source=str(a))
    if isinstance(input, (str, Path)) and str(input) != "-":
        for _, target in named:
            if target is not None and target.resolve() == Path(input).resolve():
                raise OutputError("an output would replace the input", source=str(target))
    return out, fmt, rej, rej_fmt, summary


def _summary_json(s: BatchSummary) -> bytes:
    """The run summary file: counts, schedule, version, date, purpose (no timings, so the
    same run gives the same bytes)."""
    from . import __version__

    data: dict[str, Any] = {
        "rows_read": s.rows_read, "rows_scored": s.rows_scored,
        "rows_rejected": s.rows_rejected, "eligible": s.eligible,
        "tiers": dict(sorted(s.tiers.items())),
        "schedule_id": s.schedule_id, "schedule_hash": s.schedule_hash,
        "points_version": __version__, "on": s.on.isoformat(), "purpose": s.purpose,
        "output": None if s.output is None else str(s.output),
        "rejects": None if s.rejects is None else str(s.rejects),
        "files": [{"source": n, "first_row": f, "rows": k} for n, f, k in s.files],
    }
    if s.ranked:
        data.update(ranked=s.in_ranking, quota=s.quota, admitted=s.admitted,
                    cutoff=None if s.cutoff is None else str(s.cutoff))
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def _tier_counts(scored: pl.DataFrame) -> Counter[str]:
    """Scored applicants per tier unlocked (from the `tiers` list column)."""
    tiers = scored.get_column("tiers").explode().drop_nulls()
    return Counter(dict(tiers.value_counts().iter_rows()))


def _run(
    input: str | Path | BinaryIO,
    output: str | Path | None,
    schedule: Schedule | str,
    *,
    rejects: str | Path | None,
    purpose: str | None,
    on: date,
    format: str | None,
    output_format: str | None,
    chunk_rows: int,
    progress: ProgressHook | None,
    ranked: bool,
    quota: int | None,
    seed: int | None,
    extra: Literal["forbid", "ignore"] = "forbid",
    write: bool = True,
    bom: bool = True,
    encoding: str | None = None,
) -> BatchSummary:
    from . import batch

    block_size = _CSV_BLOCK

    if chunk_rows < 1:
        raise InputError("chunk_rows must be at least 1", value=chunk_rows)
    started = time.perf_counter()
    sched = schedule if isinstance(schedule, Schedule) else load_schedule(schedule)
    sources, in_fmt = _sources(input, _check_format(format))
    out, out_fmt, rej_path, rej_fmt, sum_path = _targets(
        input, output, rejects, in_fmt, _check_format(output_format),
        "ranked" if ranked else "scored")
    codec = _codec(encoding)
    if ranked and seed is not None and seed < 0:
        raise InputError("the lottery seed is a whole number from 0", value=seed)
    writers: list[_Writer | _Discard] = []
    try:
        scored_out = _Writer(out, out_fmt, bom=bom) if write else _Discard()
        writers.append(scored_out)
        rejects_out = _Writer(rej_path, rej_fmt, bom=bom) if write else _Discard()
        writers.append(rejects_out)
        summary_out = _Writer(sum_path, "jsonl") if write else _Discard()
        writers.append(summary_out)
        totals = [_rows_in(s, in_fmt, codec) for s in sources]
        rows_read = rows_scored = rows_rejected = 0
        tiers: Counter[str] = Counter()
        eligible = 0
        has_eligible = False
        files: list[tuple[str, int, int]] = []
        kept: list[pl.DataFrame] = []  # scored rows, kept for ranking
        for i, src in enumerate(sources):
            base = rows_read  # rows are numbered on from the previous file
            for chunk in _read(src, in_fmt, chunk_rows, block_size, extra, codec):
                found: list[pl.DataFrame] = []  # this chunk's rejects
                for start, frame in chunk.runs:
                    try:
                        res = batch.score_frame(frame, sched, purpose=purpose, on=on,
                                                row_offset=base + start, extra=extra)
                    except InputError as exc:
                        if exc.source is not None:
                            raise
                        raise InputError(str(exc), source=src.name) from None
                    scored = res.points()  # ticks as exact decimal points
                    if ranked:
                        kept.append(scored)
                    else:
                        scored_out.write(scored)
                    if res.rejects.height:
                        found.append(_rejects_frame(res.rejects, src.name))
                    rows_scored += res.rows_scored
                    tiers.update(_tier_counts(res.scored))
                    if "eligible" in res.scored.columns:
                        has_eligible = True
                        eligible += int(res.scored.get_column("eligible").sum())
                if chunk.bad:
                    bad = [(base + r, f, v, why) for r, f, v, why in chunk.bad]
                    found.append(_read_rejects(bad, src.name))
                if found:  # in row order; chunks hold disjoint rows, so counts add up
                    rej = pl.concat(found).sort("row", maintain_order=True)
                    rows_rejected += rej.get_column("row").n_unique()
                    rejects_out.write(rej)
                rows_read = max(rows_read, base + chunk.last)
                if progress is not None:
                    progress(rows_read, _expected_rows(totals, i, rows_read, base))
            files.append((src.name, base + 1, rows_read - base))
            totals[i] = rows_read - base  # now known
        if not scored_out.writes and not kept:
            empty = batch.score_frame(pl.DataFrame(schema={"age": pl.Int64}), sched,
                                      purpose=purpose, on=on)
            (kept.append if ranked else scored_out.write)(empty.points())
        if not rejects_out.writes:
            rejects_out.write(pl.DataFrame(schema=_REJECT_SCHEMA))
        cutoff = admitted = in_ranking = None
        used_quota = quota
        if ranked:
            from . import ranking

            every = pl.concat(kept, how="vertical_relaxed")
            result = ranking.rank(every, sched, quota=quota, seed=seed)
            # every scored row stays in the output: the ranked ones in rank order, then
            # those outside the ranking (failing its purpose's gates) with no rank
            unranked = every.join(result.ranked.select("row"), on="row", how="anti")
            unranked = unranked.with_columns(pl.lit(None, pl.Int64).alias("rank"),
                                             pl.lit(False).alias("admitted"))
            if "rank_sure" in result.ranked.columns:  # staying out is sure if failing is
                unranked = unranked.with_columns(pl.col("rank_pool_sure").alias("rank_sure"))
            out_frame = pl.concat([result.ranked, unranked.select(result.ranked.columns)],
                                  how="vertical_relaxed")
            for start in range(0, max(out_frame.height, 1), chunk_rows):
                scored_out.write(out_frame.slice(start, chunk_rows))
            cutoff, admitted, used_quota = result.cutoff, result.admitted, result.quota
            in_ranking = result.ranked.height
        if rows_scored + rows_rejected != rows_read:  # the engine broke its contract
            raise PointsError(
                f"nothing-lost check failed: {rows_read} rows read, {rows_scored} scored, "
                f"{rows_rejected} rejected; no output was written")
        summary = BatchSummary(
            rows_read=rows_read, rows_scored=rows_scored, rows_rejected=rows_rejected,
            tiers=dict(tiers), eligible=eligible if has_eligible else None,
            schedule_id=sched.id, schedule_hash=sched.content_hash,
            purpose=purpose or sched.schedule.default_purpose, on=on,
            output=out if write else None, rejects=rej_path if write else None,
            files=tuple(files),
            seconds=time.perf_counter() - started,
            cutoff=cutoff, admitted=admitted, quota=used_quota, ranked=ranked,
            in_ranking=in_ranking, summary=sum_path if write else None)
        summary_out.raw(_summary_json(summary))
    except BaseException:
        for w in writers:
            w.abort()
        raise
    if write:
        # the scored output last: once it has its name, the others have theirs
        _commit([cast(_Writer, w) for w in (rejects_out, summary_out, scored_out)])
    return summary


def read_table(input: str | Path | BinaryIO, *, format: str | None = None,
               extra: Literal["forbid", "ignore"] = "forbid",
               encoding: str | None = None) -> tuple[pl.DataFrame, int]:
    """A whole applicant list in memory, read as `score_file` reads it (analyst sizes).

    Returns the rows that could be read, in order, and how many rows could not be read at
    all (a CSV row with the wrong number of fields, a JSON Lines line that is no object).
    """
    sources, fmt = _sources(input, _check_format(format))
    codec = _codec(encoding)
    frames: list[pl.DataFrame] = []
    unreadable = 0
    for src in sources:
        for chunk in _read(src, fmt, DEFAULT_CHUNK_ROWS, _CSV_BLOCK, extra, codec):
            frames.extend(frame for _, frame in chunk.runs)
            unreadable += len(chunk.bad)
    table = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    return table, unreadable


def score_file(
    input: str | Path | BinaryIO,
    output: str | Path | None,
    schedule: Schedule | str,
    *,
    rejects: str | Path | None = None,
    purpose: str | None = None,
    on: date,
    format: str | None = None,
    output_format: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    extra: Literal["forbid", "ignore"] = "forbid",
    progress: ProgressHook | None = None,
    write: bool = True,
    encoding: str | None = None,
    bom: bool = True,
) -> BatchSummary:
    """Score an applicant file, directory of files or stream; write scored rows and rejects.

    `input` is a path (`.csv`, `.parquet`, `.jsonl`, `.xlsx`, or a directory of files of one
    format), `"-"` for standard input, or a binary stream (then `format` is required).
    `output` is a path, `"-"` for standard output (then the rejects default to
    `scored.rejects.EXT` in the working folder), or None for `NAME.scored.EXT` beside the
    input; its format follows its suffix, else `output_format`, else the input's. `rejects`
    defaults to `OUT.rejects.EXT` beside the output (OUT: the output's name without its
    suffix) and is always written (empty when nothing was rejected); a summary
    `OUT.summary.json` (counts, schedule id and hash, version, date, purpose) is written
    beside the rejects. The three are committed together: all new, or none. A FIFO or other
    special file as output is written through, never replaced; a symbolic link's target is
    replaced (the link stays). Reads and scores `chunk_rows` rows at a time.
    `extra="ignore"` skips columns that are not facts (else a file with one is refused).
    `progress` is called after each chunk with the rows done and the rows expected.
    `write=False` scores and counts without writing any file. `encoding` is the text
    encoding of CSV input (default: UTF-8, else GB18030 when the text is not valid UTF-8);
    `bom=False` writes CSV files without a UTF-8 byte-order mark.

    Raises `InputError` when an input cannot be read at all and `OutputError` when an output
    cannot be written; then no output is left under its final name.
    """
    return _run(input, output, schedule, rejects=rejects, purpose=purpose, on=on,
                format=format, output_format=output_format, chunk_rows=chunk_rows,
                progress=progress, ranked=False, quota=None, seed=None, extra=extra,
                write=write, bom=bom, encoding=encoding)


def rank_file(
    input: str | Path | BinaryIO,
    output: str | Path | None,
    schedule: Schedule | str,
    *,
    rejects: str | Path | None = None,
    purpose: str | None = None,
    on: date,
    quota: int | None = None,
    seed: int | None = None,
    format: str | None = None,
    output_format: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    extra: Literal["forbid", "ignore"] = "forbid",
    progress: ProgressHook | None = None,
    encoding: str | None = None,
    bom: bool = True,
) -> BatchSummary:
    """Score like `score_file`, then rank the scored list and write it with rank and admitted.

    The default output is `NAME.ranked.EXT` beside the input (rejects
    `NAME.ranked.rejects.EXT`, summary `NAME.ranked.summary.json`).
    `quota` and `seed` override the schedule's `[ranking]`; `purpose` defaults to the
    ranking's purpose. Reading, scoring and rejects stream; the scored list is held in
    memory for ranking. The summary carries the cutoff and the number admitted.
    """
    sched = schedule if isinstance(schedule, Schedule) else load_schedule(schedule)
    if purpose is None and sched.ranking is not None:
        purpose = sched.ranking.purpose
    return _run(input, output, sched, rejects=rejects, purpose=purpose, on=on,
                format=format, output_format=output_format, chunk_rows=chunk_rows,
                progress=progress, ranked=True, quota=quota, seed=seed, extra=extra,
                bom=bom, encoding=encoding)
