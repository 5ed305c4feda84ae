"""Reading JSON Lines, Parquet and Excel, in chunks, refusing a file that changes while read."""


from __future__ import annotations

import io
import json
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    pass

from ._csv import _read_csv, _scan, _tell
from ._formats import WHOLE_ROW, Format, _Chunk, _open, _regular, _Source


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
    from ..facts import vocabulary
    from ._score import BATCH_COLUMNS

    return frozenset({"applicant_id", "birth_date", *vocabulary(), *BATCH_COLUMNS})


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


