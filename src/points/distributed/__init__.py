"""Score, rank and diff on Apache Spark or Dask, with the same results as the local engine.

Each task runs the library's own columnar engine (`points.batch.score_frame`) on Polars
frames made from Arrow data: Spark's `DataFrame.mapInArrow` batches, Dask's Arrow-backed
partitions. The schedule goes to the executors once (a Spark broadcast; one object in the
Dask graph) and is unpickled and compiled once per worker process. Rankings and diffs are
computed from small per-task results combined on the driver: exact integer or decimal sums;
for the ranking, counts per key tuple and per key value (whether admissions are sure),
added up in the cluster first.

- `score(data, schedule, on=...)`, `rank(...)`, `diff(old, new, data, on=...)` take a
  Spark or a Dask DataFrame (rows numbered 1, 2, … in partition order);
- `score_file`, `rank_file`, `diff_file` read Parquet files (rows numbered as
  `points score` numbers them) and write Parquet folders with the engine's committed
  writer; `points score|rank|diff --engine spark|dask` call them.

pyspark and dask are optional (`pip install 'points[spark]'` or `'points[dask]'`); they are
imported only when an engine is used. See docs/distributed.md.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import attrs
import polars as pl

from .._version import __version__
from ..analysis import Diff, FactorChange, Mover, mean_of, tier_order
from ..batch import BatchSummary
from ..errors import InputError, UnknownPurpose
from ..schedule.loader import load_schedule
from ..schedule.model import Schedule
from . import _kernel as k

__all__ = ["ENGINES", "DistributedRank", "DistributedScore", "diff", "diff_file", "rank",
           "rank_file", "score", "score_file"]

Engine = Literal["spark", "dask"]
#: The engines, by name.
ENGINES: tuple[Engine, ...] = ("spark", "dask")
#: Default Spark master.
DEFAULT_MASTER = "local[2]"


@attrs.frozen
class DistributedScore:
    """A scored Spark or Dask DataFrame: `scored` and `rejects` (row, field, value, reason,
    source) are the engine's DataFrames; the counts are computed (`rows_read ==
    rows_scored + rows_rejected` is checked). `scored` has the local engine's columns, with
    points as Decimal(18, places), and `points_version`."""

    scored: Any = attrs.field(repr=False)
    rejects: Any = attrs.field(repr=False)
    rows_read: int
    rows_scored: int
    rows_rejected: int
    eligible: int | None
    tiers: dict[str, int]
    schedule_id: str
    schedule_hash: str
    purpose: str | None
    engine: str
    version: str = __version__


@attrs.frozen
class DistributedRank:
    """A ranked Spark or Dask DataFrame: `ranked` holds every scored row with `rank` and
    `admitted`, the ranked ones in rank order, then those outside the ranking (no rank);
    `cutoff`, `admitted`, `quota` and `sure` as in `points.batch.RankResult`."""

    ranked: Any = attrs.field(repr=False)
    score: DistributedScore
    cutoff: Decimal | None
    admitted: int
    quota: int | None
    in_ranking: int
    #: the admitted set cannot change with the schedule's provisional values, as
    #: `points.batch.RankResult.sure` (None: the scored rows lack the columns that tell);
    #: per applicant in `ranked["rank_sure"]`
    sure: bool | None = None


# --- engines ------------------------------------------------------------------------------


def _engine_of(data: Any) -> Any:
    module = type(data).__module__
    if module.startswith("pyspark."):
        from ._spark import SparkEngine

        return SparkEngine(data.sparkSession)
    if module.startswith("dask"):
        from ._dask import DaskEngine

        return DaskEngine()
    raise InputError(f"expected a Spark or Dask DataFrame, not {type(data).__name__}")


def _needs(engine: str) -> None:
    try:
        if engine == "spark":
            import pyspark  # noqa: F401
        else:
            import dask.dataframe  # noqa: F401
            import distributed  # noqa: F401
    except ImportError:
        raise InputError(f"the {engine} engine needs the {engine} extra: "
                         f"pip install 'points[{engine}]'") from None


@contextlib.contextmanager
def _open(engine: Engine, address: str | None) -> Iterator[Any]:
    """The engine on `address` (Spark master or Dask scheduler), local by default; what
    was started here is stopped at the end."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine; use local, {', '.join(ENGINES)}", value=engine)
    _needs(engine)
    if engine == "spark":
        from ._spark import SparkEngine, session

        spark, made = session(address or DEFAULT_MASTER)
        try:
            yield SparkEngine(spark)
        finally:
            if made:
                spark.stop()
    else:
        from ._dask import DaskEngine, client

        c, made = client(address)
        try:
            yield DaskEngine()
        finally:
            if made:
                cluster = getattr(c, "cluster", None)
                c.close()
                if cluster is not None:
                    cluster.close()


# --- pipelines ----------------------------------------------------------------------------


def _schedule(schedule: Schedule | str, purpose: str | None) -> Schedule:
    s = schedule if isinstance(schedule, Schedule) else load_schedule(schedule)
    if purpose is not None and purpose not in s.purposes:
        raise UnknownPurpose(purpose, s.id, list(s.purposes))
    return s


def _score_task(frame: pl.DataFrame, shared: tuple[k.ScoreJob, pl.Schema]) -> pl.DataFrame:
    return k.score_part(frame, *shared)


def _stats_task(frame: pl.DataFrame, shared: None) -> pl.DataFrame:
    return k.stats_part(frame)


def _plan(engine: Any, numbered: Any, rows_read: int, sched: Schedule, *,
          purpose: str | None, on: date, extra: k.Extra,
          sources: tuple[tuple[int, str], ...] = ()) -> tuple[Any, pl.Schema]:
    """The scoring of `numbered` (with `_row`) as one lazy union of scored rows and
    rejects, and the scored columns."""
    if extra not in ("forbid", "ignore"):
        raise ValueError(f"extra must be 'forbid' or 'ignore', not {extra!r}")
    job = k.ScoreJob(k.payload(sched), purpose, on, extra, sources)
    cols = engine.columns(numbered)
    k.check_columns(list(cols), rows_read)
    schema = k.scored_schema(job, cols)
    union = engine.map(numbered, _score_task, k.union_schema(schema), (job, schema))
    return union, schema


def _split(engine: Any, union: Any, schema: pl.Schema) -> tuple[Any, Any]:
    scored = engine.select(engine.where(union, k.KIND, 0), {c: c for c in schema})
    rejects = engine.select(engine.where(union, k.KIND, 1), {
        "row": "row", **{f"reject.{c}": c for c in k.REJECT_COLUMNS}})
    return scored, rejects


def _result(engine: Any, union: Any, schema: pl.Schema, rows_read: int, counts: k.Counts,
            sched: Schedule, purpose: str | None) -> DistributedScore:
    k.check_nothing_lost(rows_read, counts)
    scored, rejects = _split(engine, union, schema)
    return DistributedScore(
        scored=scored, rejects=rejects, rows_read=rows_read, rows_scored=counts.rows_scored,
        rows_rejected=counts.rows_rejected, eligible=counts.eligible, tiers=counts.tiers,
        schedule_id=sched.id, schedule_hash=sched.content_hash,
        purpose=purpose or sched.schedule.default_purpose, engine=engine.name)


def _score(engine: Any, numbered: Any, rows_read: int, sched: Schedule, *,
           purpose: str | None, on: date, extra: k.Extra,
           sources: tuple[tuple[int, str], ...] = ()) -> tuple[DistributedScore, Any]:
    union, schema = _plan(engine, numbered, rows_read, sched, purpose=purpose, on=on,
                          extra=extra, sources=sources)
    union = engine.persist(union)
    stats = engine.stats(union, schema)
    counts = k.combine_stats(stats, "eligible" in schema)
    return _result(engine, union, schema, rows_read, counts, sched, purpose), union


def score(data: Any, schedule: Schedule | str, *, on: date, purpose: str | None = None,
          extra: k.Extra = "forbid") -> DistributedScore:
    """Score a Spark or Dask DataFrame of applicant facts under `schedule`.

    Rows are numbered 1, 2, … in the DataFrame's partition order (so the order must be
    deterministic: a file read is). The scored rows are cached by the engine (Spark: memory
    and disk; Dask: `persist` in the cluster's memory) so that `scored`, `rejects` and the
    counts come from one scoring. Raises what `points.batch.score_frame` raises.
    """
    engine = _engine_of(data)
    sched = _schedule(schedule, purpose)
    numbered, rows_read = engine.number(data)
    return _score(engine, numbered, rows_read, sched, purpose=purpose, on=on, extra=extra)[0]


def _rank_task(frame: pl.DataFrame, spec: k.RankSpec) -> pl.DataFrame:
    return k.rank_part(frame, spec)


def _mark_task(frame: pl.DataFrame, shared: tuple[Any, ...]) -> pl.DataFrame:
    return k.mark_part(frame, *shared)


def _sure_task(frame: pl.DataFrame, spec: k.RankSpec) -> pl.DataFrame:
    return k.sure_part(frame, spec)


def _unsure_task(frame: pl.DataFrame, shared: tuple[Any, ...]) -> pl.DataFrame:
    return k.unsure_part(frame, *shared)


def _rank(engine: Any, res: DistributedScore, schema: pl.Schema, sched: Schedule, *,
          quota: int | None, seed: int | None) -> DistributedRank:
    spec = k.rank_spec(sched, schema, quota=quota, seed=seed)
    k.check_purpose(spec, res.purpose, res.rows_scored)
    needed = k.rank_columns(spec, schema)
    narrow = engine.select(res.scored, {c: c for c in needed})
    part_schema = k.rank_part_schema(schema, spec)
    parts = engine.map(narrow, _rank_task, part_schema, spec)
    if spec.final != "lottery":  # the tuple counts added up in the cluster
        parts = engine.sum_by(parts, [*spec.keys, "undated"], ["n", "fixed"])
    ranks = k.combine_ranks(engine.collect(parts).select(  # group-bys may narrow decimals
        pl.col(c).cast(t) for c, t in part_schema.items()), spec)
    tables: k.SureTables | None = None
    sure: bool | None = None
    if spec.sure:  # applicants per key value, added up in the cluster; then every row
        counts = engine.sum_by(engine.map(narrow, _sure_task, k.SURE_SCHEMA, spec),
                               ["set", "key"], ["n"])
        tables = k.combine_sure(engine.collect(counts), spec)
        unsure = engine.collect(engine.map(narrow, _unsure_task, k.UNSURE_SCHEMA,
                                           (spec, ranks.table, ranks.on, tables)))
        sure = not (int(unsure.get_column("unsure").sum())
                    or int(unsure.get_column("outside").sum()))
    out = k.ranked_schema(schema, spec.sure)
    marked = engine.map(res.scored, _mark_task, out,
                        (spec, ranks.table, ranks.on, ranks.ranked, res.rows_read, tables))
    ranked = engine.select(engine.sort(marked, [k.ORDER]),
                           {c: c for c in out if c != k.ORDER})
    return DistributedRank(ranked=ranked, score=res, cutoff=ranks.cutoff,
                           admitted=ranks.admitted, quota=ranks.quota,
                           in_ranking=ranks.ranked, sure=sure)


def rank(data: Any, schedule: Schedule | str, *, on: date, purpose: str | None = None,
         quota: int | None = None, seed: int | None = None,
         extra: k.Extra = "forbid") -> DistributedRank:
    """Score a Spark or Dask DataFrame, then rank it as `points.batch.rank` ranks.

    `purpose` defaults to the ranking's; `quota` and `seed` override the schedule's. Ranks
    come from the count of applicants per ranking-key tuple (summed in the cluster, ordered
    on the driver); a lottery needs the whole ranked pool's rows and keys on the driver.
    `rank_sure` and `sure` (when the scored rows have `rank_key_low`, `rank_key_high` and
    `rank_pool_sure`, as they do for a schedule with a ranking) come from counts of
    applicants per ranking-key value, then one more pass over the ranking's columns.
    """
    sched = _schedule(schedule, purpose)
    if purpose is None and sched.ranking is not None:
        purpose = sched.ranking.purpose
    engine = _engine_of(data)
    numbered, rows_read = engine.number(data)
    res = _score(engine, numbered, rows_read, sched, purpose=purpose, on=on, extra=extra)[0]
    schema = k.scored_schema(k.ScoreJob(k.payload(sched), purpose, on, extra),
                             engine.columns(numbered))
    return _rank(engine, res, schema, sched, quota=quota, seed=seed)


# --- diff ---------------------------------------------------------------------------------


def _diff_task(frame: pl.DataFrame, job: k.DiffJob) -> pl.DataFrame:
    parts = k.diff_part(frame, job)
    return k.pack(parts)


def _diff(engine: Any, numbered: Any, rows_read: int, old: Schedule | str,
          new: Schedule | str, *, purpose: str | None, on: date, quota: int | None,
          top: int, unreadable: int = 0) -> Diff:
    old_s = old if isinstance(old, Schedule) else load_schedule(old)
    new_s = new if isinstance(new, Schedule) else load_schedule(new)
    if purpose is not None:
        for s in (old_s, new_s):
            if s.purposes and purpose not in s.purposes:
                raise InputError(f"schedule {s.id} has no purpose {purpose!r}", value=purpose)
    cols = engine.columns(numbered)
    k.check_columns(list(cols), rows_read)
    jobs = [k.ScoreJob(k.payload(s), purpose, on, "forbid") for s in (old_s, new_s)]
    schemas = [k.scored_schema(j, cols) for j in jobs]
    specs: list[k.RankSpec | None] = [None, None]
    if quota is not None:
        specs = [attrs.evolve(k.rank_spec(s, sc, quota=quota, seed=None), sure=False)
                 for s, sc in zip((old_s, new_s), schemas, strict=True)]
    old_ids = [*old_s.factors, *old_s.deductions]
    new_ids = [*new_s.factors, *new_s.deductions]
    ids = [*old_ids, *(i for i in new_ids if i not in old_ids)]
    job = k.DiffJob(jobs[0], jobs[1], top, tuple(ids), specs[0], specs[1])
    packed = engine.collect(engine.map(numbered, _diff_task, k.PACKED_SCHEMA, job))
    parts = k.unpack(packed, k.diff_part_schemas(job, cols))

    values: dict[tuple[str, str, str], Decimal] = {}
    maxima: dict[str, Decimal] = {}
    for what, a, b, v in parts[k.AGG].iter_rows():
        if what in ("delta.max", "delta.min"):
            d = Decimal(v)
            old_v = maxima.get(what)
            if old_v is None or (d > old_v if what == "delta.max" else d < old_v):
                maxima[what] = d
        else:
            values[(what, a, b)] = values.get((what, a, b), Decimal(0)) + Decimal(v)

    def count(what: str) -> int:
        return int(values.get((what, "", ""), Decimal(0)))

    read, joined = count("read"), count("joined")
    if read != rows_read:
        raise InputError(f"nothing-lost check failed: {rows_read} rows in, {read} read")
    gainers, losers = count("gain"), count("lose")
    scored = {"old": count("scored.old"), "new": count("scored.new")}
    factors = []
    for fid in ids:
        in_old, in_new = fid in old_ids, fid in new_ids
        om = mean_of(values.get(("sum.old", fid, ""), Decimal(0)), scored["old"]) \
            if in_old else 0.0
        nm = mean_of(values.get(("sum.new", fid, ""), Decimal(0)), scored["new"]) \
            if in_new else 0.0
        note = "" if in_old and in_new else ("only in old" if in_old else "only in new")
        entry = (new_s.factors.get(fid) or new_s.deductions.get(fid)
                or old_s.factors.get(fid) or old_s.deductions.get(fid))
        factors.append(FactorChange(
            id=fid, old_mean=om, new_mean=nm, note=note,
            label_zh=entry.label.zh if entry else "",
            label_en=entry.label.en if entry else ""))
    moves = pl.DataFrame(
        [(a, b, int(v)) for (w, a, b), v in values.items() if w == "move"],
        schema={"old_tier": pl.String, "new_tier": pl.String, "n": pl.Int64}, orient="row")
    transitions = moves.sort("old_tier", "new_tier").rows()
    worst = parts["worst"].sort("delta", "row").head(top)
    movers = tuple(
        Mover(applicant_id=str(r["applicant_id"] if r["applicant_id"] is not None
                               else f"row {r['row']}"),
              old_total=r["old_total"], new_total=r["new_total"], old_tier=r["old_tier"],
              new_tier=r["new_tier"])
        for r in worst.iter_rows(named=True))
    cuts: list[Decimal | None] = [None, None]
    for i, (spec, name) in enumerate(zip(specs, ("old", "new"), strict=True)):
        if spec is not None:
            k.check_purpose(spec, purpose or (old_s, new_s)[i].schedule.default_purpose,
                            scored[name])
            cuts[i] = k.combine_ranks(parts[f"rank.{name}"], spec).cutoff
    zero = Decimal(0)

    return Diff(
        old_id=old_s.id, new_id=new_s.id, old_hash=old_s.content_hash,
        new_hash=new_s.content_hash, purpose=purpose, on=on, rows=joined,
        rejected=rows_read - joined + unreadable, gainers=gainers, losers=losers,
        unchanged=joined - gainers - losers, tier_changes=count("changed"),
        mean_change=mean_of(values.get(("delta.sum", "", ""), zero), joined),
        max_gain=max(zero, maxima.get("delta.max", zero)),
        max_loss=min(zero, maxima.get("delta.min", zero)),
        old_totals=(), new_totals=(), tier_order=tier_order(old_s, new_s),
        transitions=tuple((str(x), str(y), int(n)) for x, y, n in transitions),
        factors=tuple(factors), biggest_losses=movers, table=worst.clear(), quota=quota,
        old_cutoff=cuts[0], new_cutoff=cuts[1])


def diff(old: Schedule | str, new: Schedule | str, data: Any, *, on: date,
         purpose: str | None = None, quota: int | None = None, top: int = 20) -> Diff:
    """Compare two schedules on a Spark or Dask DataFrame, as `points.analysis.diff` does.

    Every count, the tier transitions, the factor means, the largest gain and loss, the
    biggest losses and the cutoffs under `quota` equal the local diff's. The per-applicant
    parts stay in the cluster: `table` is empty and `old_totals` / `new_totals` are empty
    (so the HTML report shows no distribution chart).
    """
    engine = _engine_of(data)
    numbered, rows_read = engine.number(data)
    return _diff(engine, numbered, rows_read, old, new, purpose=purpose, on=on, quota=quota,
                 top=top)


# --- files --------------------------------------------------------------------------------


def _parquet_files(input: str | Path) -> list[Path]:
    path = Path(input)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(
            (".", "_")) and p.suffix.lower() in (".parquet", ".pq"))
        if not files:
            raise InputError("no Parquet files in the directory", source=str(path))
        return files
    if not path.exists():
        raise InputError("no such file or directory", source=str(path))
    if path.suffix.lower() not in (".parquet", ".pq"):
        raise InputError("the spark and dask engines read Parquet (a .parquet file or a "
                         "directory of them); convert the list first", source=str(path))
    return [path]


def _read(engine: Any, input: str | Path,
          files: list[Path]) -> tuple[Any, int, tuple[tuple[int, str], ...]]:
    """The input numbered as `points score` numbers it, its row count, its sources."""
    import pyarrow.parquet as pq

    firsts, at = [], 1
    sources = []
    for f in files:
        try:
            n = int(pq.ParquetFile(f).metadata.num_rows)
        except Exception as exc:
            raise InputError(f"cannot read as Parquet: {exc}", source=str(f)) from None
        firsts.append(at)
        sources.append((at, str(f)))
        at += n
    df = engine.read_parquet([str(f) for f in files], firsts)
    if engine.name == "dask":
        df, rows = engine.number(df)
        if rows != at - 1:
            raise InputError(f"read {rows} rows, the Parquet footers say {at - 1}",
                             source=str(input))
    return df, at - 1, tuple(sources)


def _targets(input: str | Path, output: str | Path | None, rejects: str | Path | None,
             kind: str) -> tuple[Path, Path]:
    src = Path(input)
    stem = src.name if src.is_dir() else src.stem
    out = Path(output) if output is not None else src.parent / f"{stem}.{kind}.parquet"
    if rejects is not None:
        rej = Path(rejects)
    else:
        name = out.name[: -len(out.suffix)] if out.suffix else out.name
        rej = out.parent / f"{name.removesuffix(f'.{kind}')}.rejects.parquet"
    for p in (out, rej):
        if str(p) == "-":
            raise InputError("the spark and dask engines write Parquet folders; give -o DIR")
        if p.exists():
            raise InputError("the output exists already; remove it or name another",
                             source=str(p))
        if not p.parent.is_dir():
            raise InputError("the output folder does not exist", source=str(p))
    if out.resolve() == rej.resolve():
        raise InputError("the output and the rejects file must differ", source=str(out))
    return out, rej


def _provenance(path: Path, res: DistributedScore, on: date, extra: dict[str, Any]) -> None:
    data = {"schedule_id": res.schedule_id, "schedule_hash": res.schedule_hash,
            "points_version": __version__, "engine": res.engine, "purpose": res.purpose,
            "on": str(on), "rows_read": res.rows_read, "rows_scored": res.rows_scored,
            "rows_rejected": res.rows_rejected, **extra}
    (path / "_points.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _summary(res: DistributedScore, out: Path, rej: Path, on: date, started: float,
             files: tuple[tuple[int, str], ...], rank: DistributedRank | None) -> BatchSummary:
    ends = [f for f, _ in files[1:]] + [res.rows_read + 1]
    return BatchSummary(
        rows_read=res.rows_read, rows_scored=res.rows_scored,
        rows_rejected=res.rows_rejected, tiers=dict(Counter(res.tiers)),
        eligible=res.eligible, schedule_id=res.schedule_id, schedule_hash=res.schedule_hash,
        purpose=res.purpose, on=on, output=out, rejects=rej,
        files=tuple((name, first, end - first) for (first, name), end
                    in zip(files, ends, strict=True)),
        seconds=time.perf_counter() - started,
        cutoff=None if rank is None else rank.cutoff,
        admitted=None if rank is None else rank.admitted,
        quota=None if rank is None else rank.quota, ranked=rank is not None,
        in_ranking=None if rank is None else rank.in_ranking)


def _run_file(input: str | Path, output: str | Path | None, schedule: Schedule | str, *,
              engine: Engine, address: str | None, rejects: str | Path | None,
              purpose: str | None, on: date, extra: k.Extra, ranked: bool,
              quota: int | None, seed: int | None) -> BatchSummary:
    started = time.perf_counter()
    sched = _schedule(schedule, purpose)
    if ranked and purpose is None and sched.ranking is not None:
        purpose = sched.ranking.purpose
    files = _parquet_files(input)
    out, rej = _targets(input, output, rejects, "ranked" if ranked else "scored")
    with _open(engine, address) as eng:
        df, rows_read, sources = _read(eng, input, files)
        if eng.name == "dask" and not ranked:
            return _score_file_dask(eng, df, rows_read, sched, out, rej, purpose=purpose,
                                    on=on, extra=extra, sources=sources, started=started)
        res, union = _score(eng, df, rows_read, sched, purpose=purpose, on=on, extra=extra,
                            sources=sources)
        result = None
        outputs = {str(rej): res.rejects}
        if ranked:
            schema = k.scored_schema(k.ScoreJob(k.payload(sched), purpose, on, extra),
                                     eng.columns(df))
            result = _rank(eng, res, schema, sched, quota=quota, seed=seed)
            outputs[str(out)] = result.ranked
        else:
            outputs[str(out)] = res.scored
        extra_info = {} if result is None else {
            "quota": result.quota, "admitted": result.admitted,
            "cutoff": None if result.cutoff is None else str(result.cutoff),
            "sure": result.sure}
        if eng.name == "spark":
            eng.write(outputs)
            _provenance(out, res, on, extra_info)
            eng.unpersist(union)
        else:
            from ._dask import write_all

            write_all(outputs, before_rename=lambda temps: _provenance(
                temps[str(out)], res, on, extra_info))
    return _summary(res, out, rej, on, started, sources, result)


def _score_file_dask(eng: Any, df: Any, rows_read: int, sched: Schedule, out: Path, rej: Path,
                     *, purpose: str | None, on: date, extra: k.Extra,
                     sources: tuple[tuple[int, str], ...], started: float) -> BatchSummary:
    """Dask: the outputs and the counts in one computation (each partition scored once);
    the folders are renamed into place only when nothing was lost."""
    from ._dask import write_all

    union, schema = _plan(eng, df, rows_read, sched, purpose=purpose, on=on, extra=extra,
                          sources=sources)
    scored, rejects = _split(eng, union, schema)
    stats = eng.map(union, _stats_task, k.STATS_SCHEMA, None)
    found: list[DistributedScore] = []

    def check(results: list[Any]) -> None:
        from ._dask import _polars

        counts = k.combine_stats(_polars(results[0]), "eligible" in schema)
        found.append(_result(eng, union, schema, rows_read, counts, sched, purpose))

    write_all({str(rej): rejects, str(out): scored}, also=[stats], check=check,
              before_rename=lambda temps: _provenance(temps[str(out)], found[0], on, {}))
    return _summary(found[0], out, rej, on, started, sources, None)


def score_file(input: str | Path, output: str | Path | None, schedule: Schedule | str, *,
               engine: Engine, on: date, address: str | None = None,
               rejects: str | Path | None = None, purpose: str | None = None,
               extra: k.Extra = "forbid") -> BatchSummary:
    """Score a Parquet file or directory of Parquet files on Spark or Dask; write the
    scored rows and the rejects as Parquet folders.

    `address` is the Spark master (default `local[2]`; an active session is used as is)
    or the Dask scheduler (default: a new local cluster). Rows are numbered as
    `points.batch.score_file` numbers them (files in name order). `output` defaults to
    `NAME.scored.parquet/` beside the input, `rejects` to `NAME.rejects.parquet/` beside
    the output; neither may exist. Spark writes each with its committed writer (a
    `_SUCCESS` file marks it whole); Dask writes to hidden temporary folders renamed into
    place. The scored folder also holds `_points.json` (schedule id and hash, library
    version, counts). Nothing is written when `rows_read != rows_scored + rows_rejected`.
    """
    return _run_file(input, output, schedule, engine=engine, address=address,
                     rejects=rejects, purpose=purpose, on=on, extra=extra, ranked=False,
                     quota=None, seed=None)


def rank_file(input: str | Path, output: str | Path | None, schedule: Schedule | str, *,
              engine: Engine, on: date, address: str | None = None,
              rejects: str | Path | None = None, purpose: str | None = None,
              quota: int | None = None, seed: int | None = None,
              extra: k.Extra = "forbid") -> BatchSummary:
    """Score and rank like `points.batch.rank_file`, on Spark or Dask (see `score_file`): the
    ranked folder (`NAME.ranked.parquet/`) holds every scored row in rank order, then the
    rows outside the ranking."""
    return _run_file(input, output, schedule, engine=engine, address=address,
                     rejects=rejects, purpose=purpose, on=on, extra=extra, ranked=True,
                     quota=quota, seed=seed)


def diff_file(old: Schedule | str, new: Schedule | str, population: str | Path, *,
              engine: Engine, on: date, address: str | None = None,
              purpose: str | None = None, quota: int | None = None, top: int = 20) -> Diff:
    """`diff` on a Parquet file or directory, on Spark or Dask (see `score_file`)."""
    files = _parquet_files(population)
    with _open(engine, address) as eng:
        df, rows_read, _ = _read(eng, population, files)
        return _diff(eng, df, rows_read, old, new, purpose=purpose, on=on, quota=quota,
                     top=top)


