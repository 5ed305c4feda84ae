"""Reading CSV: the encoding (UTF-8 or GB18030), quotes and line ends checked as it reads."""


from __future__ import annotations

import codecs
import contextlib
import csv
import io
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import polars as pl

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    pass

from ._formats import _CSV_BLOCK, WHOLE_ROW, _Chunk, _open, _regular, _runs, _Scan, _Source

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


