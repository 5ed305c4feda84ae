"""Writing outputs: formulas neutralised, same bytes for the same rows, all outputs of a run
committed together or not at all, special files written through."""


from __future__ import annotations

import contextlib
import io
import os
import secrets
import shutil
import stat
import sys
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, cast

import polars as pl

from ..errors import InputError, OutputError, PointsError

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

from ._formats import _EXCEL_MAX_ROWS, _REJECT_SCHEMA, Format, _check_format, format_of

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


