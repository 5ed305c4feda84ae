"""Rank scored applicants under a quota: `rank(scored, schedule, quota=, seed=)`.

The schedule's `[ranking]` says which score ranks (`key`: "total", a group or a factor id),
the ordered tie-breaks (a fact or a score, `asc` or `desc`), the purpose whose gates an
applicant must pass to be ranked at all, and the final rule for applicants still tied:

- `all_admitted`: tied applicants share a rank; everyone tied at the cutoff is admitted,
  even past the quota (广州 "并列排名者具有同等资格").
- `lottery`: a seeded draw orders the tied applicants; the same seed and the same list in
  the same order give the same draw. Ranks are then unique and the quota is exact.
- `timestamp`: the earlier `applied_at` ranks first (Canada's Express Entry rule). The
  `applied_at` column is batch-only (not an `Applicant` fact): give it in the input of
  `score_frame`. Applicants with the same time too share a rank, as under `all_admitted`.

`rank` works on the `scored` table of `points.batch.score_frame` (points as integer ticks)
or on its `points()` (points as Decimal), scored for the ranking's purpose (its deductions
change the total). Both are exact; the cutoff is a Decimal in points either way. Fact
tie-breaks read the `fact.<name>` columns `score_frame` keeps for the schedule's ranking
(patent shares, the only fraction facts, compare as Float64 there).
"""

from __future__ import annotations

import logging
from decimal import Decimal

import attrs
import numpy as np
import polars as pl

from ..errors import InputError, ScheduleError
from ..schedule.loader import load_schedule
from ..schedule.model import Schedule
from ._rank_sure import rank_sureness

__all__ = ["RankResult", "rank"]


@attrs.frozen
class RankResult:
    """Eligible applicants in rank order, with `rank` and `admitted`, and the cutoff.

    `cutoff` is the rank-key score of the last admitted applicant (None when nobody is
    admitted); `admitted` how many are; `quota` the quota applied (None: no quota, all
    eligible applicants are admitted).
    """

    ranked: pl.DataFrame
    cutoff: Decimal | None
    admitted: int
    quota: int | None
    #: the admitted set cannot change with the schedule's provisional values (None: the
    #: scored table lacks the columns that tell); per applicant in `ranked["rank_sure"]`
    sure: bool | None = None

    def __repr__(self) -> str:
        return (f"<RankResult ranked={self.ranked.height} admitted={self.admitted} "
                f"quota={self.quota} cutoff={self.cutoff}>")


def _points(schedule: Schedule, ticks: int) -> Decimal:
    """Ticks of the schedule's precision as points (the scored table holds ticks)."""
    exponent = schedule.schedule.precision.normalize().as_tuple().exponent
    return Decimal(ticks).scaleb(min(int(exponent), 0))


def _score_column(schedule: Schedule, key: str) -> str:
    if key == "total":
        return "total"
    if key in schedule.groups:
        return f"group.{key}"
    return key


def rank(scored: pl.DataFrame, schedule: Schedule | str, *, quota: int | None = None,
         seed: int | None = None) -> RankResult:
    """Rank the applicants of `scored` who pass the ranking purpose's gates.

    `quota` and `seed` override the schedule's `[ranking]` values. Raises `ScheduleError`
    when the schedule has no `[ranking]`, `InputError` when `scored` lacks a column the
    ranking needs or was scored for another purpose.
    """
    if not isinstance(schedule, Schedule):
        schedule = load_schedule(schedule)
    spec = schedule.ranking
    if spec is None:
        raise ScheduleError(f"schedule {schedule.id!r} has no [ranking] table",
                            file=schedule.source, path="ranking")
    quota = spec.quota if quota is None else quota
    if quota is not None and not 0 <= quota < 2**63:
        raise InputError("the quota must be zero or more (and below 2^63)", value=quota)
    seed = spec.seed if seed is None else seed
    if seed is not None and not 0 <= seed < 2**63:
        raise InputError("the lottery seed must be zero or more (and below 2^63)", value=seed)
    if spec.final == "lottery" and seed is None:
        raise InputError(f"the ranking of {schedule.id} ends in a lottery: give a seed")

    if spec.purpose is not None and "purpose" in scored.columns and scored.height:
        purposes = scored["purpose"].unique().to_list()
        if purposes != [spec.purpose]:
            raise InputError(
                f"the ranking of {schedule.id} is for purpose {spec.purpose!r}; score the "
                f"list for that purpose (it was scored for {', '.join(map(str, purposes))})")

    # who is ranked: the ranking purpose's gates, else the purpose the list was scored for
    if spec.purpose is not None:
        gates = [f"gate.{g}" for g in schedule.purposes[spec.purpose].gates]
    else:
        gates = []
    need = ["row", *gates] + ([] if gates or spec.purpose is not None else ["eligible"])
    keys = [_score_column(schedule, spec.key)]
    descending = [True]
    for tb in spec.tie_breaks:
        if tb.score is not None:
            keys.append(_score_column(schedule, tb.score))
        else:
            keys.append(f"fact.{tb.fact}")
        descending.append(tb.order == "desc")
    if spec.final == "timestamp":
        keys.append("applied_at")
        descending.append(False)
    missing = [c for c in dict.fromkeys([*need, *keys]) if c not in scored.columns]
    if missing:
        raise InputError(
            f"the scored list lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} that the ranking of {schedule.id} needs")

    if gates:
        pool = scored.filter(pl.all_horizontal([pl.col(g) for g in gates]))
    elif spec.purpose is None:
        pool = scored.filter(pl.col("eligible"))
    else:
        pool = scored
    if spec.final == "timestamp":
        undated = pool.filter(pl.col("applied_at").is_null())["row"]
        if undated.len():
            rows = ", ".join(str(r) for r in undated.head(5).to_list())
            raise InputError(
                f"{undated.len()} ranked applicant(s) have no applied_at (rows {rows}"
                f"{', …' if undated.len() > 5 else ''}); the timestamp rule needs it")

    order = [*keys, "row"]
    pool = pool.sort(order, descending=[*descending, False], nulls_last=True)
    n = pool.height
    if spec.final == "lottery":
        draw = np.random.default_rng(seed).permutation(n)
        pool = pool.with_columns(pl.Series("_draw", draw, dtype=pl.Int64))
        pool = pool.sort([*keys, "_draw"], descending=[*descending, False],
                         nulls_last=True).drop("_draw")
        ranks = pl.int_range(1, n + 1, dtype=pl.Int64, eager=True)
    else:
        # competition ranking: tied applicants share the rank of the first of them
        tied = pool.select(pl.struct(keys).rle_id()).to_series()
        first = pl.int_range(1, n + 1, dtype=pl.Int64, eager=True)
        ranks = pl.DataFrame({"g": tied, "i": first}).select(
            pl.col("i").min().over("g")).to_series()
    pool = pool.with_columns(ranks.alias("rank"))
    admitted = pl.col("rank") <= quota if quota is not None else pl.lit(True)
    pool = pool.with_columns(admitted.alias("admitted"))
    count = int(pool["admitted"].sum())
    cutoff = None
    if count:
        value = pool.filter("admitted")[keys[0]][-1]
        cutoff = value if isinstance(value, Decimal) else _points(schedule, int(value))
    logging.getLogger(__name__).info(
        "ranked %d applicants under %s: quota %s, cutoff %s, %d admitted", pool.height,
        schedule.id, quota, cutoff, count)
    pool, sure = rank_sureness(scored, pool, quota, spec.final == "lottery",
                               any(tb.score is not None for tb in spec.tie_breaks))
    return RankResult(ranked=pool, cutoff=cutoff, admitted=count, quota=quota, sure=sure)
