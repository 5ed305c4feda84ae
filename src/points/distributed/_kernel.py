"""The Polars work done inside each Spark or Dask task, and its combination on the driver.

Nothing here imports pyspark or dask: a task receives a Polars frame (one Arrow batch or one
partition) and returns a Polars frame; the driver combines the small per-task results.
"""

from __future__ import annotations

import io
import pickle
from collections import Counter
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Literal

import attrs
import numpy as np
import polars as pl
from numpy.typing import NDArray

from .._version import __version__
from ..analysis import NONE_TIER
from ..batch import RANK_SURE_COLUMNS as SURE_COLUMNS
from ..batch import rank as local_rank
from ..batch import score_frame
from ..errors import InputError, PointsError
from ..schedule.model import Schedule

#: Column telling a scored row (0) from a reject (1) in the one output of a scoring task.
KIND = "_kind"
#: The global input row number a task reads beside the data columns.
ROW_IN = "_row"
REJECT_COLUMNS = ("field", "value", "reason", "source")
Extra = Literal["forbid", "ignore"]

# --- the schedule, sent once and unpickled once per process -------------------------------


@attrs.frozen
class Payload:
    """A schedule as sent to the executors: its id and content hash, and its pickle."""

    id: str
    hash: str
    data: bytes


def payload(schedule: Schedule) -> Payload:
    """The schedule without what the per-record engine caches on it (compiled closures,
    which do not pickle); the batch engine compiles it again on each worker."""
    clone = schedule.model_copy()
    private = dict(clone.__pydantic_private__ or {})
    private.pop("_compiled", None)
    clone.__pydantic_private__ = private
    return Payload(schedule.id, schedule.content_hash, pickle.dumps(clone))


_SCHEDULES: dict[str, Schedule] = {}


def schedule_of(p: Payload) -> Schedule:
    """The schedule of `p`, unpickled once per process (so compiled once per process: the
    batch engine caches compiled plans per schedule object)."""
    found = _SCHEDULES.get(p.hash)
    if found is None:
        found = pickle.loads(p.data)
        if not isinstance(found, Schedule) or found.content_hash != p.hash:
            raise PointsError(f"the schedule sent for {p.id} does not match its hash")
        if len(_SCHEDULES) > 16:
            _SCHEDULES.clear()
        _SCHEDULES[p.hash] = found
    return found


# --- scoring ------------------------------------------------------------------------------


@attrs.frozen
class ScoreJob:
    """What a scoring task needs besides its rows."""

    schedule: Payload
    purpose: str | None
    on: date
    extra: Extra
    sources: tuple[tuple[int, str], ...] = ()  # (first row, file name), for rejects


def _narrow_decimals(frame: pl.DataFrame) -> pl.DataFrame:
    """Points as Decimal(18, places), as the local engine writes them to Parquet."""
    return frame.with_columns(
        pl.col(c).cast(pl.Decimal(18, t.scale)) for c, t in frame.schema.items()
        if isinstance(t, pl.Decimal) and t.precision is not None and t.precision > 18)


def scored_schema(job: ScoreJob, columns: dict[str, pl.DataType]) -> pl.Schema:
    """The scored columns for an input with these columns (raises the engine's InputError
    for unknown columns, as `score_frame` does)."""
    empty = pl.DataFrame(schema=columns)
    res = score_frame(empty, schedule_of(job.schedule), purpose=job.purpose, on=job.on,
                      extra=job.extra)
    return _narrow_decimals(res.points()).with_columns(
        pl.lit(__version__).alias("points_version")).schema


def union_schema(scored: pl.Schema) -> pl.Schema:
    """One task output holding scored rows and rejects: scored columns, then the reject's."""
    cols = dict(scored)
    cols.update({f"reject.{c}": pl.String() for c in REJECT_COLUMNS})
    cols[KIND] = pl.Int8()
    return pl.Schema(cols)


def check_columns(columns: Sequence[str], rows: int) -> None:
    """The table-level check `score_frame` makes only on a non-empty table."""
    if rows and "age" not in columns and "birth_date" not in columns:
        raise InputError("the table needs an age or a birth_date column")


def _source_of(rows: pl.Series, sources: tuple[tuple[int, str], ...]) -> pl.Series:
    if not sources:
        return pl.Series("source", [None] * rows.len(), dtype=pl.String)
    firsts = np.array([s for s, _ in sources], dtype=np.int64)
    names = pl.Series([n for _, n in sources], dtype=pl.String)
    at = np.searchsorted(firsts, rows.to_numpy(), side="right") - 1
    return names.gather(np.clip(at, 0, len(sources) - 1)).alias("source")


def score_part(frame: pl.DataFrame, job: ScoreJob, schema: pl.Schema) -> pl.DataFrame:
    """Score one batch whose `_row` column holds the global row numbers; scored rows and
    rejects in one frame of `union_schema(schema)`."""
    rows = frame.get_column(ROW_IN).cast(pl.Int64)
    data = frame.drop(ROW_IN)
    res = score_frame(data, schedule_of(job.schedule), purpose=job.purpose, on=job.on,
                      row_offset=0, extra=job.extra)
    scored = _narrow_decimals(res.points()).with_columns(
        rows.gather(res.scored.get_column("row")).alias("row"),
        pl.lit(__version__).alias("points_version"))
    rej = res.rejects
    reject_rows = rows.gather(rej.get_column("row"))
    rejects = pl.DataFrame({
        "row": reject_rows,
        "reject.field": rej.get_column("field"),
        "reject.value": rej.get_column("value"),
        "reject.reason": rej.get_column("reason"),
        "reject.source": _source_of(reject_rows, job.sources),
    })
    out = union_schema(schema)
    parts = [scored.with_columns(pl.lit(0, pl.Int8).alias(KIND)),
             rejects.with_columns(pl.lit(1, pl.Int8).alias(KIND))]
    return pl.concat([p.select(pl.col(c).cast(t) if c in p.columns else
                               pl.lit(None, t).alias(c) for c, t in out.items())
                      for p in parts])


# --- counts of a scoring run ----------------------------------------------------------------

STATS_SCHEMA = pl.Schema({"what": pl.String(), "key": pl.String(), "n": pl.Int64()})


def stats_part(union: pl.DataFrame) -> pl.DataFrame:
    """Per task: rows scored, distinct rows rejected, eligible, applicants per tier.

    The rejects of one input row all come from one task, so distinct counts add up."""
    scored = union.filter(pl.col(KIND) == 0)
    rejected = union.filter(pl.col(KIND) == 1).get_column("row").n_unique()
    rows = [("scored", "", scored.height), ("rejected", "", rejected)]
    if "eligible" in scored.columns:
        rows.append(("eligible", "", int(scored.get_column("eligible").sum())))
    if "tiers" in scored.columns:
        tiers = scored.get_column("tiers").explode().drop_nulls().value_counts()
        rows += [("tier", str(t), int(n)) for t, n in tiers.iter_rows()]
    return pl.DataFrame(rows, schema=STATS_SCHEMA, orient="row")


@attrs.frozen
class Counts:
    rows_scored: int
    rows_rejected: int
    eligible: int | None
    tiers: dict[str, int]


def combine_stats(parts: pl.DataFrame, has_eligible: bool) -> Counts:
    total: Counter[tuple[str, str]] = Counter()
    for what, key, n in parts.iter_rows():
        total[(what, key)] += n
    tiers = {k: n for (w, k), n in total.items() if w == "tier"}
    return Counts(rows_scored=total[("scored", "")], rows_rejected=total[("rejected", "")],
                  eligible=total[("eligible", "")] if has_eligible else None, tiers=tiers)


def check_nothing_lost(rows_read: int, counts: Counts) -> None:
    if counts.rows_scored + counts.rows_rejected != rows_read:
        raise PointsError(
            f"nothing-lost check failed: {rows_read} rows read, {counts.rows_scored} scored, "
            f"{counts.rows_rejected} rejected; no output was written")


# --- ranking --------------------------------------------------------------------------------


@attrs.frozen
class RankSpec:
    """The schedule's ranking, checked against the scored columns."""

    schedule: Payload
    final: str
    quota: int | None
    seed: int | None
    gates: tuple[str, ...]
    use_eligible: bool
    keys: tuple[str, ...]
    descending: tuple[bool, ...]
    purpose: str | None
    #: the scored columns tell whether admissions are sure (`rank_sure`, `sure`)
    sure: bool = False
    #: the ties are broken on scores (which provisional values may move)
    tie_scores: bool = False


def _score_column(schedule: Schedule, key: str) -> str:
    if key == "total":
        return "total"
    if key in schedule.groups:
        return f"group.{key}"
    return key


def rank_spec(schedule: Schedule, scored: pl.Schema, *, quota: int | None,
              seed: int | None) -> RankSpec:
    """Check the ranking as `points.batch.rank` does (same errors), on no rows."""
    result = local_rank(pl.DataFrame(schema=scored), schedule, quota=quota, seed=seed)
    spec = schedule.ranking
    assert spec is not None  # local_rank raised otherwise
    gates = tuple(f"gate.{g}" for g in schedule.purposes[spec.purpose].gates) \
        if spec.purpose is not None else ()
    keys = [_score_column(schedule, spec.key)]
    descending = [True]
    for tb in spec.tie_breaks:
        keys.append(_score_column(schedule, tb.score) if tb.score is not None
                    else f"fact.{tb.fact}")
        descending.append(tb.order == "desc")
    if spec.final == "timestamp":
        keys.append("applied_at")
        descending.append(False)
    return RankSpec(schedule=payload(schedule), final=spec.final, quota=result.quota,
                    seed=spec.seed if seed is None else seed, gates=gates,
                    use_eligible=not gates and spec.purpose is None,
                    keys=tuple(keys), descending=tuple(descending), purpose=spec.purpose,
                    sure="rank_sure" in result.ranked.columns,
                    tie_scores=any(tb.score is not None for tb in spec.tie_breaks))


def check_purpose(spec: RankSpec, scored_purpose: str | None, rows_scored: int) -> None:
    """`rank`'s check that the list was scored for the ranking's purpose."""
    if spec.purpose is not None and rows_scored and scored_purpose != spec.purpose:
        raise InputError(
            f"the ranking of {spec.schedule.id} is for purpose {spec.purpose!r}; score the "
            f"list for that purpose (it was scored for {scored_purpose})")


def in_pool(spec: RankSpec) -> pl.Expr:
    """Whether a row is ranked: it passes the ranking purpose's gates."""
    if spec.gates:
        return pl.all_horizontal([pl.col(g) for g in spec.gates])
    if spec.use_eligible:
        return pl.col("eligible")
    return pl.lit(True)


def pool(frame: pl.DataFrame, spec: RankSpec) -> pl.DataFrame:
    """The rows that are ranked: passing the ranking purpose's gates."""
    if spec.gates or spec.use_eligible:
        return frame.filter(in_pool(spec))
    return frame


def rank_columns(spec: RankSpec, scored: pl.Schema | Sequence[str]) -> list[str]:
    """The scored columns a ranking reads: row, gates, keys and what tells sureness."""
    sure = [*SURE_COLUMNS, *(["provisional"] if spec.tie_scores else [])] \
        if spec.sure else []
    return [c for c in dict.fromkeys(
        ["row", *spec.gates, *spec.keys, *(["eligible"] if spec.use_eligible else []),
         *sure]) if c in scored]


def _tuple_schema(scored: pl.Schema, spec: RankSpec) -> pl.Schema:
    return pl.Schema({**{k: scored[k] for k in spec.keys}, "n": pl.Int64(),
                      "undated": pl.Int64(), "fixed": pl.Int64()})


def rank_part_schema(scored: pl.Schema, spec: RankSpec) -> pl.Schema:
    """What `rank_part` returns: key tuples and counts, or (lottery) the narrow pool."""
    if spec.final == "lottery":
        return pl.Schema({"row": pl.Int64(), **{k: scored[k] for k in spec.keys}})
    return _tuple_schema(scored, spec)


def rank_part(frame: pl.DataFrame, spec: RankSpec) -> pl.DataFrame:
    """Per task: how many ranked rows hold each ranking-key tuple (with the first rows that
    lack an `applied_at` under the timestamp rule); under a lottery, the rows and keys."""
    p = pool(frame, spec)
    if spec.final == "lottery":
        return p.select("row", *spec.keys)
    fixed = pl.Series("fixed", _fixed(p, spec), dtype=pl.Int64) if spec.sure else \
        pl.repeat(0, p.height, dtype=pl.Int64, eager=True).alias("fixed")
    counts = p.select(*spec.keys).with_columns(fixed).group_by(list(spec.keys)).agg(
        pl.len().cast(pl.Int64).alias("n"), pl.col("fixed").sum())
    counts = counts.with_columns(pl.lit(None, pl.Int64).alias("undated"))
    if spec.final == "timestamp":
        undated = p.filter(pl.col("applied_at").is_null()).get_column("row").sort().head(5)
        extra = pl.DataFrame({"undated": undated}).with_columns(
            [pl.lit(None, frame.schema[k]).alias(k) for k in spec.keys]
            + [pl.lit(0, pl.Int64).alias("n"), pl.lit(0, pl.Int64).alias("fixed")])
        counts = pl.concat([counts, extra.select(counts.columns)])
    return counts.select(*spec.keys, "n", "undated", "fixed")


@attrs.frozen
class Ranks:
    """The global ranking worked out on the driver from the tasks' small outputs."""

    table: pl.DataFrame  # key tuple → rank, admitted, fixed_ahead (lottery: row → …)
    on: tuple[str, ...]  # the join columns of `table`
    cutoff: Decimal | None
    admitted: int
    quota: int | None
    ranked: int


def _points(schedule: Schedule, ticks: int) -> Decimal:
    exponent = schedule.schedule.precision.normalize().as_tuple().exponent
    return Decimal(ticks).scaleb(min(int(exponent), 0))


def combine_ranks(parts: pl.DataFrame, spec: RankSpec) -> Ranks:
    """The ranks of every key tuple (competition ranking), the cutoff and the admitted."""
    schedule = schedule_of(spec.schedule)
    keys = list(spec.keys)
    if spec.final == "lottery":
        narrow = parts.sort("row").with_columns(pl.lit(True).alias(g) for g in spec.gates)
        if spec.use_eligible:
            narrow = narrow.with_columns(pl.lit(True).alias("eligible"))
        res = local_rank(narrow, schedule, quota=spec.quota, seed=spec.seed)
        # fixed applicants only when every key and place is fixed: then each of them
        # is fixed, and the ranks are 1, 2, … (`combine_sure` says whether)
        table = res.ranked.select("row", "rank", "admitted",
                                  (pl.col("rank") - 1).alias("fixed_ahead"))
        return Ranks(table, ("row",), res.cutoff, res.admitted, res.quota,
                     res.ranked.height)
    undated = parts.get_column("undated").drop_nulls().sort()
    tuples = parts.filter(pl.col("undated").is_null()).group_by(keys).agg(
        pl.col("n").sum(), pl.col("fixed").sum())
    if spec.final == "timestamp" and undated.len():
        n = int(tuples.filter(pl.col("applied_at").is_null()).get_column("n").sum())
        rows = ", ".join(str(r) for r in undated.head(5).to_list())
        raise InputError(
            f"{n} ranked applicant(s) have no applied_at (rows {rows}"
            f"{', …' if n > 5 else ''}); the timestamp rule needs it")
    tuples = tuples.sort(keys, descending=list(spec.descending), nulls_last=True)
    tuples = tuples.with_columns(
        (pl.col("n").cum_sum() - pl.col("n") + 1).cast(pl.Int64).alias("rank"),
        (pl.col("fixed").cum_sum() - pl.col("fixed")).cast(pl.Int64).alias("fixed_ahead"))
    admitted = pl.col("rank") <= spec.quota if spec.quota is not None else pl.lit(True)
    tuples = tuples.with_columns(admitted.alias("admitted"))
    inside = tuples.filter("admitted")
    count = int(inside.get_column("n").sum())
    cutoff = None
    if count:
        value = inside.get_column(keys[0])[-1]
        cutoff = value if isinstance(value, Decimal) else _points(schedule, int(value))
    return Ranks(tuples.select(*keys, "rank", "admitted", "fixed_ahead"), tuple(keys),
                 cutoff, count, spec.quota, int(tuples.get_column("n").sum()))


def ranked_schema(scored: pl.Schema, sure: bool = False) -> pl.Schema:
    return pl.Schema({**scored, "rank": pl.Int64(), "admitted": pl.Boolean(),
                      **({"rank_sure": pl.Boolean()} if sure else {}), ORDER: pl.Int64()})


#: Sort key of the ranked output: rank, then row; rows outside the ranking last, by row.
ORDER = "_order"


def _marked(frame: pl.DataFrame, spec: RankSpec, ranks: pl.DataFrame,
            on: Sequence[str]) -> pl.DataFrame:
    """`frame` with `rank`, `admitted` and `fixed_ahead` (null outside the ranking)."""
    p = pool(frame, spec).select("row", *on) if spec.final != "lottery" else \
        pool(frame, spec).select("row")
    marked = p.join(ranks, on=list(on), how="left", nulls_equal=True).select(
        "row", "rank", "admitted", "fixed_ahead")
    return frame.join(marked, on="row", how="left", maintain_order="left")


def mark_part(frame: pl.DataFrame, spec: RankSpec, ranks: pl.DataFrame,
              on: Sequence[str], last_rank: int, last_row: int,
              sure: SureTables | None) -> pl.DataFrame:
    """Per task: every scored row with its `rank` and `admitted` (null and false outside
    the ranking), `rank_sure` when `sure` is given, and the output's sort key `_order`."""
    out = _marked(frame, spec, ranks, on)
    order = pl.col("rank").fill_null(last_rank + 1) * (last_row + 1) + pl.col("row")
    out = out.with_columns(pl.col("admitted").fill_null(False), order.alias(ORDER))
    if sure is not None:
        rank_sure, _, _ = sure_marks(out, spec, sure)
        out = out.with_columns(pl.Series("rank_sure", rank_sure, dtype=pl.Boolean))
    return out.select(*frame.columns, "rank", "admitted",
                      *(["rank_sure"] if sure is not None else []), ORDER)


# --- whether admissions are sure ------------------------------------------------------------
#
# `points.batch._rank_sure.rank_sureness` compares each applicant's lowest (highest) ranking
# key with the sorted highest (lowest) keys of the others. Only counts are read from those
# sorted arrays ("how many have a key at least x"), so each task counts its applicants per
# key value, the cluster adds the counts up (a group-by: one row per value of the ranking
# key in ticks, as many as the key's range allows whatever the number of applicants), the
# driver turns them into cumulative counts, and a second pass over the rows reads them.
# The "fixed" applicants (surely in the pool, key unmovable) keep the order the ranking
# gave them: how many fixed ones rank ahead of each comes with the ranks (per key tuple).

Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]
SURE_SCHEMA = pl.Schema({"set": pl.String(), "key": pl.Int64(), "n": pl.Int64()})
UNSURE_SCHEMA = pl.Schema({"unsure": pl.Int64(), "outside": pl.Int64()})


@attrs.frozen
class _Flags:
    in_pool: Bools
    pool_sure: Bools
    lo: Ints
    hi: Ints
    moves: Bools

    @property
    def may_in(self) -> Bools:
        return self.in_pool | ~self.pool_sure

    @property
    def sure_in(self) -> Bools:
        return self.in_pool & self.pool_sure


def _flags(frame: pl.DataFrame, spec: RankSpec) -> _Flags:
    inside = frame.with_columns(in_pool(spec).fill_null(False).alias("_in")).get_column("_in")
    lo = frame.get_column("rank_key_low").cast(pl.Int64).to_numpy()
    hi = frame.get_column("rank_key_high").cast(pl.Int64).to_numpy()
    moves = lo != hi
    if spec.tie_scores and "provisional" in frame.columns:
        moves |= frame.get_column("provisional").to_numpy().astype(bool)
    return _Flags(inside.to_numpy().astype(bool),
                  frame.get_column("rank_pool_sure").to_numpy().astype(bool), lo, hi, moves)


def _fixed(frame: pl.DataFrame, spec: RankSpec) -> Bools:
    """Per row: surely in the pool and neither key nor place can move."""
    f = _flags(frame, spec)
    return f.sure_in & ~f.moves


def sure_part(frame: pl.DataFrame, spec: RankSpec) -> pl.DataFrame:
    """Per task: applicants per key value in four sets (the highest keys of those who may
    be in the pool, the lowest of those surely in it; fixed or loose), and ("unfixable",
    0) how many could move (a lottery then fixes nobody)."""
    f = _flags(frame, spec)
    fixed = f.sure_in & ~f.moves
    may_in, sure_in = f.may_in, f.sure_in
    chosen = {"may_hi_loose": f.hi[may_in & ~fixed], "may_hi_fixed": f.hi[may_in & fixed],
              "sure_lo_loose": f.lo[sure_in & ~fixed], "sure_lo_fixed": f.lo[sure_in & fixed]}
    frames = [pl.DataFrame({"set": ["unfixable"], "key": [0],
                            "n": [int((~(f.pool_sure & ~f.moves)).sum())]}, schema=SURE_SCHEMA)]
    for name, keys in chosen.items():
        values, counts = np.unique(keys, return_counts=True)
        frames.append(pl.DataFrame({"set": [name] * len(values), "key": values,
                                    "n": counts}, schema=SURE_SCHEMA))
    return pl.concat(frames)


@attrs.frozen
class KeyCounts:
    """A sorted array of keys as distinct keys and counts: how many are at least, or
    above, a key (as `np.searchsorted` on the whole array tells)."""

    keys: Ints  # distinct, ascending
    below: Ints  # below[i]: how many keys are below keys[i]; below[-1]: all

    @classmethod
    def of(cls, counts: pl.DataFrame) -> KeyCounts:
        counts = counts.group_by("key").agg(pl.col("n").sum()).sort("key")
        n = counts.get_column("n").to_numpy().astype(np.int64)
        return cls(counts.get_column("key").to_numpy().astype(np.int64),
                   np.concatenate([[0], np.cumsum(n)]).astype(np.int64))

    def at_least(self, x: Ints) -> Ints:
        out: Ints = self.below[-1] - self.below[np.searchsorted(self.keys, x, side="left")]
        return out

    def above(self, x: Ints) -> Ints:
        out: Ints = self.below[-1] - self.below[np.searchsorted(self.keys, x, side="right")]
        return out


@attrs.frozen
class SureTables:
    """What every task needs to tell whether an admission is sure."""

    quota: int | None
    fixing: bool  # False: under a lottery where a key or a place can move, nobody is fixed
    loose_may_hi: KeyCounts
    all_may_hi: KeyCounts
    loose_sure_lo: KeyCounts
    all_sure_lo: KeyCounts


def combine_sure(parts: pl.DataFrame, spec: RankSpec) -> SureTables:
    """The tasks' key counts added up."""
    unfixable = int(parts.filter(pl.col("set") == "unfixable").get_column("n").sum())
    fixing = not (spec.final == "lottery" and unfixable)

    def sets(*names: str) -> KeyCounts:
        return KeyCounts.of(parts.filter(pl.col("set").is_in(names)).select("key", "n"))

    may_all, sure_all = sets("may_hi_loose", "may_hi_fixed"), sets("sure_lo_loose",
                                                                    "sure_lo_fixed")
    return SureTables(
        quota=spec.quota, fixing=fixing,
        loose_may_hi=sets("may_hi_loose") if fixing else may_all, all_may_hi=may_all,
        loose_sure_lo=sets("sure_lo_loose") if fixing else sure_all, all_sure_lo=sure_all)


def sure_marks(marked: pl.DataFrame, spec: RankSpec,
               t: SureTables) -> tuple[Bools, int, int]:
    """Per row of `marked` (with `rank`, `admitted`, `fixed_ahead`): `rank_sure` (outside
    the ranking: whether failing its gates is sure); how many ranked rows are not sure;
    how many rows outside could enter the pool and be admitted."""
    f = _flags(marked, spec)
    may_in, sure_in = f.may_in, f.sure_in
    fixed = sure_in & ~f.moves & t.fixing
    ahead = marked.get_column("fixed_ahead").fill_null(0).to_numpy().astype(np.int64)
    if t.quota is None:
        sure_row = f.pool_sure
        outside = ~f.in_pool & ~f.pool_sure
    else:
        worst = np.where(fixed, t.loose_may_hi.at_least(f.lo) + ahead,
                         t.all_may_hi.at_least(f.lo) - may_in.astype(np.int64))
        best = np.where(fixed, t.loose_sure_lo.above(f.hi) + ahead,
                        t.all_sure_lo.above(f.hi))
        surely_out = 1 + best > t.quota
        admitted = marked.get_column("admitted").fill_null(False).to_numpy().astype(bool)
        sure_row = f.pool_sure & np.where(admitted, 1 + worst <= t.quota, surely_out)
        outside = ~f.in_pool & ~f.pool_sure & ~surely_out
    rank_sure = np.where(f.in_pool, sure_row, f.pool_sure)
    return rank_sure, int((f.in_pool & ~sure_row).sum()), int(outside.sum())


def unsure_part(frame: pl.DataFrame, spec: RankSpec, ranks: pl.DataFrame,
                on: Sequence[str], sure: SureTables) -> pl.DataFrame:
    """Per task: how many ranked rows are not sure, how many outside could get in."""
    _, unsure, outside = sure_marks(_marked(frame, spec, ranks, on), spec, sure)
    return pl.DataFrame({"unsure": [unsure], "outside": [outside]}, schema=UNSURE_SCHEMA)


# --- diff -------------------------------------------------------------------------------------


@attrs.frozen
class DiffJob:
    old: ScoreJob
    new: ScoreJob
    top: int
    factors: tuple[str, ...]  # ids read from each side (a missing one scores nothing)
    old_rank: RankSpec | None
    new_rank: RankSpec | None


AGG = "agg"  # a part's aggregate rows: (what, a, b, value) with value exact decimal text


def diff_part(frame: pl.DataFrame, job: DiffJob) -> dict[str, pl.DataFrame]:
    """Per task: the diff's exact partial sums (as decimal text), the biggest losses and
    the ranking inputs."""
    rows = frame.get_column(ROW_IN).cast(pl.Int64)
    data = frame.drop(ROW_IN)
    out: dict[str, pl.DataFrame] = {}
    sides = []
    for name, sj in (("old", job.old), ("new", job.new)):
        s = schedule_of(sj.schedule)
        res = score_frame(data, s, purpose=sj.purpose, on=sj.on, row_offset=0,
                          extra=sj.extra)
        pts = res.points().with_columns(rows.gather(res.scored.get_column("row")).alias("row"))
        sides.append(pts)
        spec = job.old_rank if name == "old" else job.new_rank
        if spec is not None:
            out[f"rank.{name}"] = rank_part(pts, spec)
    old_pts, new_pts = sides
    agg: list[tuple[str, str, str, str]] = [
        ("read", "", "", str(data.height)), ("scored.old", "", "", str(old_pts.height)),
        ("scored.new", "", "", str(new_pts.height))]
    for name, pts in (("old", old_pts), ("new", new_pts)):
        for fid in job.factors:
            if fid in pts.columns and pts.height:
                agg.append((f"sum.{name}", fid, "", str(pts.get_column(fid).sum())))
    keep = ["row", "applicant_id", "total", "tier"]
    joined = old_pts.select(keep).join(new_pts.select(keep), on="row", how="inner",
                                       suffix="_new")
    joined = joined.with_columns(
        pl.col("tier").fill_null(NONE_TIER), pl.col("tier_new").fill_null(NONE_TIER),
        (pl.col("total_new") - pl.col("total")).alias("delta"),
    ).rename({"total": "old_total", "total_new": "new_total", "tier": "old_tier",
              "tier_new": "new_tier"}).drop("applicant_id_new")
    deltas = joined.get_column("delta")
    agg += [("joined", "", "", str(joined.height)),
            ("gain", "", "", str(int((deltas > 0).sum()))),
            ("lose", "", "", str(int((deltas < 0).sum()))),
            ("changed", "", "", str(joined.filter(pl.col("old_tier") != pl.col("new_tier"))
                                    .height))]
    if joined.height:
        agg += [("delta.sum", "", "", str(deltas.sum())),
                ("delta.max", "", "", str(deltas.max())),
                ("delta.min", "", "", str(deltas.min()))]
    for a, b, n in joined.group_by("old_tier", "new_tier").len().iter_rows():
        agg.append(("move", a, b, str(n)))
    out[AGG] = pl.DataFrame(agg, schema={"what": pl.String, "a": pl.String, "b": pl.String,
                                        "value": pl.String}, orient="row")
    out["worst"] = joined.filter(pl.col("delta") < 0).sort("delta", "row").head(job.top)
    return out


def diff_part_schemas(job: DiffJob, columns: dict[str, pl.DataType]) -> dict[str, pl.Schema]:
    """The schema of each frame `diff_part` returns."""
    empty = pl.DataFrame(schema={**columns, ROW_IN: pl.Int64()})
    return {k: v.schema for k, v in diff_part(empty, job).items()}


#: Several small frames from one task, each as Arrow IPC bytes.
PACKED_SCHEMA = pl.Schema({"part": pl.String(), "data": pl.Binary()})


def pack(parts: dict[str, pl.DataFrame]) -> pl.DataFrame:
    data = []
    for frame in parts.values():
        buf = io.BytesIO()
        frame.write_ipc(buf)
        data.append(buf.getvalue())
    return pl.DataFrame({"part": list(parts), "data": data}, schema=PACKED_SCHEMA)


def unpack(packed: pl.DataFrame, schemas: dict[str, pl.Schema]) -> dict[str, pl.DataFrame]:
    found: dict[str, list[pl.DataFrame]] = {name: [] for name in schemas}
    for name, data in packed.iter_rows():
        found[name].append(pl.read_ipc(io.BytesIO(data)))
    return {name: pl.concat(frames, how="vertical_relaxed") if frames
            else pl.DataFrame(schema=schemas[name]) for name, frames in found.items()}


