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

import json
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, cast

import polars as pl

from ..errors import InputError, OutputError, PointsError
from ..schedule.loader import load_schedule
from ..schedule.model import Schedule

if TYPE_CHECKING:  # pragma: no cover
    pass

from ._csv import _codec
from ._formats import (
    _CSV_BLOCK,
    _EXTENSION,
    _REJECT_SCHEMA,
    _SUFFIXES,
    DEFAULT_CHUNK_ROWS,
    BatchSummary,
    Format,
    ProgressHook,
    _check_format,
    _sources,
)
from ._read import _expected_rows, _read, _rows_in
from ._write import _commit, _Discard, _kind, _read_rejects, _rejects_frame, _Writer

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
    from .._version import __version__

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
    outputs: Sequence[str] | None = None,
    columns: Literal["all", "read"] = "all",
) -> BatchSummary:
    from . import _score as batch

    # the summary counts eligibility and tiers: worked out, written only when asked for
    asked = None if outputs is None else list(outputs)
    needed = None if asked is None else [*asked, *(c for c in ("eligible", "tiers")
                                                     if c not in asked)]

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
                                                row_offset=base + start, extra=extra,
                                                outputs=needed, columns=columns)
                    except InputError as exc:
                        if exc.source is not None:
                            raise
                        raise InputError(str(exc), source=src.name) from None
                    scored = res.points()  # ticks as exact decimal points
                    if asked is not None and needed != asked:
                        scored = scored.select(c for c in scored.columns
                                               if c in asked or c in ("row", "applicant_id"))
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
                                      purpose=purpose, on=on, outputs=asked)
            (kept.append if ranked else scored_out.write)(empty.points())
        if not rejects_out.writes:
            rejects_out.write(pl.DataFrame(schema=_REJECT_SCHEMA))
        cutoff = admitted = in_ranking = None
        used_quota = quota
        if ranked:
            from . import _ranking as ranking

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
    outputs: Sequence[str] | None = None,
    columns: Literal["all", "read"] = "all",
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
    `bom=False` writes CSV files without a UTF-8 byte-order mark. `outputs` names the scored
    columns to write (`row` and `applicant_id` always are; see `score_frame`);
    `columns="read"` skips the columns of facts the schedule never reads (see
    `score_frame`: a bad cell there then rejects nothing).

    Raises `InputError` when an input cannot be read at all and `OutputError` when an output
    cannot be written; then no output is left under its final name.
    """
    return _run(input, output, schedule, rejects=rejects, purpose=purpose, on=on,
                format=format, output_format=output_format, chunk_rows=chunk_rows,
                progress=progress, ranked=False, quota=None, seed=None, extra=extra,
                write=write, bom=bom, encoding=encoding, outputs=outputs, columns=columns)


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
    columns: Literal["all", "read"] = "all",
) -> BatchSummary:
    """Score like `score_file`, then rank the scored list and write it with rank and admitted.

    The default output is `NAME.ranked.EXT` beside the input (rejects
    `NAME.ranked.rejects.EXT`, summary `NAME.ranked.summary.json`).
    `quota` and `seed` override the schedule's `[ranking]`; `purpose` defaults to the
    ranking's purpose. Reading, scoring and rejects stream; the scored list is held in
    memory for ranking. The summary carries the cutoff and the number admitted.
    `columns="read"` as in `score_file`.
    """
    sched = schedule if isinstance(schedule, Schedule) else load_schedule(schedule)
    if purpose is None and sched.ranking is not None:
        purpose = sched.ranking.purpose
    return _run(input, output, sched, rejects=rejects, purpose=purpose, on=on,
                format=format, output_format=output_format, chunk_rows=chunk_rows,
                progress=progress, ranked=True, quota=quota, seed=seed, extra=extra,
                bom=bom, encoding=encoding, columns=columns)
