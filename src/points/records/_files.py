"""Record exports on disk: write a synthetic one, score one, file to file.

A record export is a folder: `applicants.csv` (or `.parquet`: one row per applicant, the
facts no record gives) and one file per record kind named after it (`permit.csv`,
`insurance.parquet`, ...). A table file with another name is a kind nobody declared: all its
rows are refused.

`score_records(folder, output, schedule, on=)` reads it in parts of applicants (by a hash of
`applicant_id`, so each part holds every record of its applicants and memory stays bounded),
derives the facts in columns, merges them over the applicants' own and scores them with
`points.batch.score_frame`. It writes the scored rows, the refused applicants
(`OUT.rejects.EXT`: row, field, value, reason, source, as `points score` does), the refused
records (`OUT.record_rejects.EXT`) and a summary (`OUT.summary.json`); each file is written
whole or not at all, the summary last. With more than one part the scored rows come part by
part; `row` is the applicant's row in the applicants file.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import polars as pl

from ..errors import InputError, OutputError
from ._columns import facts_columns
from ._columns_read import PROBLEM_SCHEMA
from ._spec import RecordSpec, bundled_spec

__all__ = ["RecordsSummary", "applicant_records", "derive_records", "read_folder",
           "score_records", "write_sample"]

ROW = "__row"
#: records in one part when the number of parts is not given
PART_RECORDS = 2_500_000
#: from this many parts on, Parquet inputs are split into their parts in one pass rather
#: than scanned once per part
SPLIT_PARTS = 4
_SUFFIX = {".csv": "csv", ".parquet": "parquet"}
_RECORD_REJECTS = pl.Schema({"source": pl.String, "row": pl.Int64, "record_id": pl.String,
                   "kind": pl.String, "applicant_id": pl.String, "field": pl.String,
                   "value": pl.String, "reason": pl.String})
_REJECTS = pl.Schema({"row": pl.Int64, "field": pl.String, "value": pl.String,
                      "reason": pl.String, "source": pl.String})


@attrs.frozen
class RecordsSummary:
    """What a records run did. Counts reconcile: `applicants_read == applicants_scored +
    applicants_rejected` and `records_read == records_used + records_rejected`, where the
    records rejected are those refused one by one plus those of rejected applicants."""

    applicants_read: int
    applicants_scored: int
    applicants_rejected: int
    applicants_rejected_by_records: int
    records_read: int
    records_used: int
    records_rejected: int
    records_refused: int
    records_of_rejected_applicants: int
    kinds: dict[str, dict[str, int]]
    derived: tuple[str, ...]
    tiers: dict[str, int]
    schedule_id: str
    schedule_hash: str
    purpose: str | None
    on: date
    parts: int
    output: Path | None
    rejects: Path | None
    record_rejects: Path | None
    summary: Path | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """The summary file's content (no timings: the same run gives the same bytes)."""
        from .._version import __version__

        return {
            "applicants_read": self.applicants_read,
            "applicants_scored": self.applicants_scored,
            "applicants_rejected": self.applicants_rejected,
            "applicants_rejected_by_records": self.applicants_rejected_by_records,
            "records_read": self.records_read, "records_used": self.records_used,
            "records_rejected": self.records_rejected,
            "records_refused": self.records_refused,
            "records_of_rejected_applicants": self.records_of_rejected_applicants,
            "kinds": self.kinds, "derived": list(self.derived),
            "tiers": dict(sorted(self.tiers.items())),
            "schedule_id": self.schedule_id, "schedule_hash": self.schedule_hash,
            "points_version": __version__, "on": self.on.isoformat(), "purpose": self.purpose,
            "parts": self.parts,
            "output": None if self.output is None else str(self.output),
            "rejects": None if self.rejects is None else str(self.rejects),
            "record_rejects": None if self.record_rejects is None else str(self.record_rejects),
        }


# --- reading ---------------------------------------------------------------------------------


def read_folder(folder: str | Path) -> tuple[Path, dict[str, Path]]:
    """(the applicants file, {kind: file}) of a record export folder."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError("is not a folder of record files", source=str(root))
    found: dict[str, Path] = {}
    for p in sorted(root.iterdir()):
        if p.is_file() and p.suffix.lower() in _SUFFIX and not p.name.startswith("."):
            if p.stem in found:
                raise InputError(f"two files for {p.stem!r}; keep one format",
                                 source=str(p))
            found[p.stem] = p
    if "applicants" not in found:
        raise InputError("has no applicants.csv or applicants.parquet", source=str(root))
    applicants = found.pop("applicants")
    return applicants, found


def _scan(path: Path) -> pl.LazyFrame:
    if path.suffix.lower() == ".parquet":
        return pl.scan_parquet(path)
    return pl.scan_csv(path, infer_schema=False, encoding="utf8-lossy")


def applicant_records(folder: str | Path, applicant_id: str | None = None
                      ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """One applicant of a record export folder: (their row of the applicants file, {kind:
    their records}), dates as text. `applicant_id` None: the first applicant."""
    apps_path, kinds = read_folder(folder)
    apps = _scan(apps_path)
    if applicant_id is None:
        first = apps.head(1).collect()
        if first.height == 0 or "applicant_id" not in first.columns:
            raise InputError("has no applicants", source=apps_path.name)
        applicant_id = str(first["applicant_id"][0])
    row = apps.filter(pl.col("applicant_id").cast(pl.String) == applicant_id).collect()
    if row.height == 0:
        raise InputError("no applicant with this applicant_id", source=apps_path.name,
                         value=applicant_id)
    facts = {k: v for k, v in row.with_columns(pl.col(pl.Date).cast(pl.String)).row(
        0, named=True).items() if v not in (None, "")}
    records = {}
    for kind, path in kinds.items():
        t = _scan(path).filter(pl.col("applicant_id").cast(pl.String) == applicant_id)
        records[kind] = t.collect().with_columns(pl.col(pl.Date).cast(pl.String)).to_dicts()
    return facts, records


def _rows(path: Path) -> int:
    return int(_scan(path).select(pl.len()).collect().item())


def _part(scan: pl.LazyFrame, part: int, parts: int) -> pl.DataFrame:
    scan = scan.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    if parts > 1 and "applicant_id" in scan.collect_schema():
        key = pl.col("applicant_id").cast(pl.String).hash(seed=20240601) % parts
        scan = scan.filter(key == part)
    elif parts > 1 and part:
        scan = scan.head(0)  # no applicant_id: every row is in part 0
    return scan.collect(engine="streaming")


# --- scoring ---------------------------------------------------------------------------------


def score_records(
    folder: str | Path,
    output: str | Path | None,
    schedule: Any,
    *,
    on: date,
    purpose: str | None = None,
    rejects: str | Path | None = None,
    record_rejects: str | Path | None = None,
    spec: RecordSpec | None = None,
    parts: int | None = None,
    output_format: str | None = None,
    extra: str = "forbid",
    write: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RecordsSummary:
    """Score a record export folder (see the module text); return the summary."""
    from ..batch import score_frame, write_table
    from ..schedule.loader import load_schedule
    from ..schedule.model import Schedule

    started = time.perf_counter()
    spec = spec or bundled_spec()
    sched = schedule if isinstance(schedule, Schedule) else load_schedule(schedule)
    apps_path, kind_paths = read_folder(folder)
    fmt = output_format or _SUFFIX[apps_path.suffix.lower()]
    if fmt not in ("csv", "parquet"):
        raise InputError("records runs write csv or parquet", value=fmt)
    root = Path(folder)
    ext = "." + fmt
    out = Path(output) if output is not None else root.parent / f"{root.name}.scored{ext}"
    stem = out.name[: -len(out.suffix)] if out.suffix else out.name
    rej = Path(rejects) if rejects is not None else out.parent / f"{stem}.rejects{ext}"
    rrej = Path(record_rejects) if record_rejects is not None else \
        out.parent / f"{stem}.record_rejects{ext}"
    summ = out.parent / f"{stem}.summary.json"
    for p in (out, rej, rrej, summ):
        if p.resolve().is_relative_to(root.resolve()):
            raise OutputError("an output would go inside the record folder", source=str(p))
    total_records = sum(_rows(p) for p in kind_paths.values())
    n_parts = parts or max(1, math.ceil(total_records / PART_RECORDS))
    derived_all = set(spec.facts)
    counts = {"applicants_read": 0, "scored": 0, "rejected": 0, "by_records": 0,
              "records_read": 0, "used": 0, "refused": 0, "of_rejected": 0}
    kinds: dict[str, dict[str, int]] = {k: {"read": 0, "refused": 0} for k in kind_paths}
    tiers: dict[str, int] = {}
    applicant_rejects: list[pl.DataFrame] = []
    refused_records: list[pl.DataFrame] = []
    derived: tuple[str, ...] = ()

    def parts_scored() -> Iterator[pl.DataFrame]:
        with tempfile.TemporaryDirectory(prefix=".points-parts-", dir=out.parent) as tmp:
            yield from _score_parts(Path(tmp))

    def _score_parts(scratch: Path) -> Iterator[pl.DataFrame]:
        nonlocal derived
        for k, apps, got in _derived_parts(apps_path, kind_paths, n_parts, on, spec,
                                           scratch):
            derived = got.derived
            given = apps.drop([c for c in apps.columns if c in derived_all])
            merged = given.with_columns(pl.col("applicant_id").cast(pl.String)).join(
                got.facts.unique("applicant_id", keep="first"), on="applicant_id",
                how="left", maintain_order="left")
            faulted = got.faults.select("applicant_id").unique()
            bad = merged.join(faulted, on="applicant_id", how="semi")
            if bad.height:
                applicant_rejects.append(_fault_rows(bad, got.faults, apps_path.name))
            merged = merged.join(faulted, on="applicant_id", how="anti")
            rows = merged.get_column(ROW)
            res = score_frame(merged.drop(ROW), sched, purpose=purpose, on=on, row_offset=1,
                              extra=extra)  # type: ignore[arg-type]
            scored = res.points()
            scored = scored.with_columns(row=rows.gather(scored.get_column("row") - 1))
            if res.rejects.height:
                found = res.rejects.with_columns(
                    row=rows.gather(res.rejects.get_column("row") - 1),
                    source=pl.lit(apps_path.name))
                applicant_rejects.append(found.select(list(_REJECTS)).cast(_REJECTS))
            if got.rejects.height:
                src = {kind: p.name for kind, p in kind_paths.items()}
                refused_records.append(got.rejects.select(
                    source=pl.col("kind").replace_strict(src, default=None),
                    **{c: c for c in PROBLEM_SCHEMA}).select(list(_RECORD_REJECTS))
                    .cast(_RECORD_REJECTS))
            scored_ids = scored.select(pl.col("applicant_id").cast(pl.String)).unique()
            refused_rows = got.rejects.select("kind", "row").unique()
            for kind in kind_paths:
                kinds[kind]["read"] += got.records_read.get(kind, 0)
                kinds[kind]["refused"] += refused_rows.filter(pl.col("kind") == kind).height
            counts["applicants_read"] += apps.height
            counts["scored"] += scored.height
            counts["rejected"] += apps.height - scored.height
            counts["by_records"] += bad.height
            counts["records_read"] += sum(got.records_read.values())
            counts["refused"] += refused_rows.height
            used = got.per_applicant.join(scored_ids, on="applicant_id", how="semi")
            n_used = int(used.get_column("records").sum() or 0)
            counts["used"] += n_used
            counts["of_rejected"] += int(got.per_applicant.get_column("records").sum() or 0) \
                - n_used
            for t, n in scored.get_column("tiers").explode().drop_nulls().value_counts() \
                    .iter_rows():
                tiers[t] = tiers.get(t, 0) + n
            if progress is not None:
                progress(k + 1, n_parts)
            yield scored

    if write:
        write_table(parts_scored(), out, format=fmt)
    else:
        for _ in parts_scored():
            pass
    rej_frame = pl.concat(applicant_rejects) if applicant_rejects else \
        pl.DataFrame(schema=_REJECTS)
    rrej_frame = pl.concat(refused_records) if refused_records else \
        pl.DataFrame(schema=_RECORD_REJECTS)
    rejected_records = counts["refused"] + counts["of_rejected"]
    summary = RecordsSummary(
        applicants_read=counts["applicants_read"], applicants_scored=counts["scored"],
        applicants_rejected=counts["rejected"], applicants_rejected_by_records=counts[
            "by_records"], records_read=counts["records_read"], records_used=counts["used"],
        records_rejected=rejected_records, records_refused=counts["refused"],
        records_of_rejected_applicants=counts["of_rejected"],
        kinds={k: dict(v) for k, v in kinds.items()}, derived=derived,
        tiers=tiers, schedule_id=sched.id, schedule_hash=sched.content_hash, purpose=purpose
        or sched.schedule.default_purpose, on=on, parts=n_parts,
        output=out if write else None, rejects=rej if write else None,
        record_rejects=rrej if write else None, summary=summ if write else None,
        seconds=time.perf_counter() - started)
    if summary.records_read != summary.records_used + summary.records_rejected or \
            summary.applicants_read != summary.applicants_scored + summary.applicants_rejected:
        raise AssertionError(f"counts do not reconcile: {summary.to_dict()}")  # pragma: no cover
    if write:
        write_table([rej_frame.sort("row")], rej, format=_fmt(rej, fmt))
        write_table([rrej_frame.sort("source", "row")], rrej, format=_fmt(rrej, fmt))
        tmp = summ.with_name(f".{summ.name}.part")
        tmp.write_text(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8")
        os.replace(tmp, summ)
    return summary


def _derived_parts(apps_path: Path, kind_paths: dict[str, Path], n_parts: int, on: date,
                   spec: RecordSpec, scratch: Path | None = None,
                   ) -> Iterator[tuple[int, pl.DataFrame, Any]]:
    """(part, its applicants, what their records give) for each part of applicants.

    With `SPLIT_PARTS` parts or more, Parquet inputs are split into their parts in one pass
    (under `scratch`, uncompressed); otherwise, and for CSV, each input is scanned once per
    part, keeping the rows of that part."""
    files = {"applicants": apps_path, **kind_paths}
    split = None
    if n_parts >= SPLIT_PARTS and scratch is not None and all(
            p.suffix.lower() == ".parquet" for p in files.values()):
        split = {name: _split(path, n_parts, scratch) for name, path in files.items()}
    for k in range(n_parts):
        if split is not None:
            frames = {name: pl.read_parquet(parts[k]) if parts[k].exists() else
                      pl.DataFrame(schema=_schema(files[name])) for name, parts in
                      split.items()}
        else:
            frames = {name: _part(_scan(p), k, n_parts) for name, p in files.items()}
        apps = frames.pop("applicants")
        if "applicant_id" not in apps.columns:
            raise InputError("the applicants file has no applicant_id column",
                             source=apps_path.name)
        ids = apps.select(pl.col("applicant_id").cast(pl.String), birth_date=_birth(apps))
        got = facts_columns({k_: t.rename({ROW: "__file_row"}) for k_, t in frames.items()},
                            on=on, spec=spec, applicants=ids, row_column="__file_row")
        yield k, apps, got


def _schema(path: Path) -> pl.Schema:
    return pl.Schema([*_scan(path).collect_schema().items(), (ROW, pl.Int64())])


def _split(path: Path, n_parts: int, scratch: Path) -> list[Path]:
    """A Parquet file split by part of applicants into `scratch`, row numbers kept."""
    import pyarrow.parquet as pq

    out = [scratch / f"{path.stem}.{k}.parquet" for k in range(n_parts)]
    writers: dict[int, Any] = {}
    first = 1
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=500_000):
            frame = pl.DataFrame(pl.from_arrow(batch))
            frame = frame.with_columns(pl.int_range(first, first + frame.height,
                                                    dtype=pl.Int64).alias(ROW))
            first += frame.height
            if "applicant_id" in frame.columns:
                key = pl.col("applicant_id").cast(pl.String).hash(seed=20240601) % n_parts
            else:
                key = pl.lit(0, dtype=pl.UInt64)
            for (k,), piece in frame.with_columns(_part=key).partition_by(
                    "_part", as_dict=True, include_key=False).items():
                table = piece.to_arrow()
                w = writers.get(int(k))
                if w is None:
                    w = writers[int(k)] = pq.ParquetWriter(str(out[int(k)]), table.schema,
                                                           compression="none")
                w.write_table(table)
    finally:
        for w in writers.values():
            w.close()
    return out


def derive_records(folder: str | Path, output: str | Path, *, on: date,
                   spec: RecordSpec | None = None, parts: int | None = None) -> int:
    """Records → facts, file to file: one row per applicant of the folder's applicants file,
    `applicant_id` and every fact its records give (refused records and faults are left out:
    `score_records` reports them). Return the rows written."""
    from ..batch import write_table

    spec = spec or bundled_spec()
    apps_path, kind_paths = read_folder(folder)
    total = sum(_rows(p) for p in kind_paths.values())
    n_parts = parts or max(1, math.ceil(total / PART_RECORDS))
    out = Path(output)
    with tempfile.TemporaryDirectory(prefix=".points-parts-", dir=out.parent) as tmp:
        return write_table((got.facts for _, _, got in _derived_parts(
            apps_path, kind_paths, n_parts, on, spec, Path(tmp))), out,
            format=_fmt(out, "parquet"))


def _fmt(path: Path, default: str) -> str:
    return _SUFFIX.get(path.suffix.lower(), default)


def _birth(apps: pl.DataFrame) -> pl.Expr:
    if "birth_date" not in apps.columns:
        return pl.lit(None, dtype=pl.Date)
    dtype = apps.schema["birth_date"]
    if dtype == pl.Date:
        return pl.col("birth_date")
    return pl.col("birth_date").cast(pl.String).str.strip_chars().str.to_date(
        "%Y-%m-%d", strict=False)


def _fault_rows(bad: pl.DataFrame, faults: pl.DataFrame, source: str) -> pl.DataFrame:
    """One rejects row per fault of each refused applicant, at the applicant's row."""
    return bad.select(ROW, "applicant_id").join(faults, on="applicant_id").select(
        row=pl.col(ROW), field=pl.col("field"), value=pl.col("value"),
        reason=pl.when(pl.col("record_id") != "").then(
            pl.lit("records: ") + pl.col("kind") + " " + pl.col("record_id") + " "
        ).otherwise(pl.lit("records: ")) + pl.col("reason"),
        source=pl.lit(source)).cast(_REJECTS)


# --- writing a sample ------------------------------------------------------------------------


def write_sample(folder: str | Path, rows: int, *, seed: int = 0, on: date | None = None,
                 format: str = "csv", spec: RecordSpec | None = None) -> dict[str, int]:
    """Write a synthetic record export to `folder` (made if missing): `applicants.EXT` and
    one file per record kind; return the rows written per file. Each file is written to a
    hidden name and renamed into place when whole."""
    from .._data import SAMPLE_ON
    from ._sample import sample_records

    if format not in ("csv", "parquet"):
        raise InputError("a record sample is written as csv or parquet", value=format)
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise OutputError("is not a folder", source=str(root))
    root.mkdir(parents=True, exist_ok=True)
    writers: dict[str, Any] = {}
    written: dict[str, int] = {}
    try:
        for apps, tables in sample_records(rows, seed=seed, on=on or SAMPLE_ON, spec=spec):
            for name, frame in {"applicants": apps, **tables}.items():
                w = writers.get(name)
                if w is None:
                    w = writers[name] = _PartWriter(root / f"{name}.{format}", format)
                w.write(frame)
                written[name] = written.get(name, 0) + frame.height
        for w in writers.values():
            w.close()
    except BaseException:
        for w in writers.values():
            w.abort()
        raise
    return written


class _PartWriter:
    """Frames appended to a hidden file, renamed into place on `close`."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self.tmp = path.with_name(f".{path.name}.part")
        self.pq: Any = None
        self.fh: Any = None

    def write(self, frame: pl.DataFrame) -> None:
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            table = frame.to_arrow()
            if self.pq is None:
                self.pq = pq.ParquetWriter(str(self.tmp), table.schema)
            self.pq.write_table(table)
        else:
            first = self.fh is None
            if first:
                self.fh = self.tmp.open("wb")
            frame.write_csv(self.fh, include_header=first)

    def close(self) -> None:
        if self.pq is not None:
            self.pq.close()
        if self.fh is not None:
            self.fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        for h in (self.pq, self.fh):
            try:
                if h is not None:
                    h.close()
            except Exception:
                pass
        self.tmp.unlink(missing_ok=True)
