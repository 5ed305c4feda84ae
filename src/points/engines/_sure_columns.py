"""Sure or not, in columns: `provisional` and `outcome_sure` of every row, computed from the
same plan and by the same rules as the card's (`_sure`), so that the scored file and
`points.score` agree row by row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from ..compiled import (
    AllNode,
    AnyNode,
    CompiledSchedule,
    CondNode,
    NotNode,
    PurposeNode,
    ScoreTest,
)
from ._sure import sure_plan

__all__ = ["sure_stages"]

MayCol = tuple[pl.Expr, pl.Expr]  # (may be true, may be false)


def _lo(name: str) -> str:
    return f"_sure.lo.{name}"


def _hi(name: str) -> str:
    return f"_sure.hi.{name}"


def _score_may(op: str, ticks: Any, lo: pl.Expr, hi: pl.Expr) -> MayCol:
    """`_sure.score_may` on columns."""
    if op == "ge":
        return hi >= ticks, lo < ticks
    if op == "gt":
        return hi > ticks, lo <= ticks
    if op == "le":
        return lo <= ticks, hi > ticks
    if op == "lt":
        return lo < ticks, hi >= ticks
    values = sorted(ticks) if op == "in" else [ticks]
    inside = pl.any_horizontal([(lo <= v) & (hi >= v) for v in values]) if values \
        else pl.lit(False)
    fixed = (lo == hi) & lo.is_in(values)
    if op == "ne":
        return ~fixed, inside
    return inside, ~fixed


def sure_stages(c: CompiledSchedule, node: PurposeNode, score_col: dict[str, str],
                fact_condition: Callable[[CondNode], pl.Expr],
                ) -> tuple[list[tuple[pl.Expr, ...]], pl.Expr, pl.Expr, list[pl.Expr]]:
    """Stages to run after the scores and gates, the `provisional` and `outcome_sure`
    expressions, and for a schedule with a ranking the columns `points.ranking` reads to say
    whether a rank is sure (`rank_key_low`, `rank_key_high`: the ranking key in ticks with
    every provisional value at its lowest and highest; `rank_pool_sure`: whether passing the
    gates that admit to the ranking is sure). `score_col` names each score's column,
    `fact_condition` turns a condition on facts into a boolean column."""
    plan = sure_plan(c)
    if not plan.any:
        key = [] if c.ranking is None else [
            pl.col(score_col[c.ranking.key]).alias("rank_key_low"),
            pl.col(score_col[c.ranking.key]).alias("rank_key_high"),
            pl.lit(True).alias("rank_pool_sure")]
        return [], pl.lit(False), pl.lit(True), key
    stages: list[tuple[pl.Expr, ...]] = []

    # the lines: a provisional one scoring non-zero spans its rule's range; a score nothing
    # provisional reaches is its own lowest and highest (no new column)
    lo_of: dict[str, str] = {}
    hi_of: dict[str, str] = {}
    first: list[pl.Expr] = []
    varied_lines: list[pl.Expr] = []
    for f in (*c.factors, *c.deductions):
        col = pl.col(score_col[f.id])
        rng = plan.lines.get(f.id)
        if rng is not None and rng[0] != rng[1]:
            on = col != 0
            varied_lines.append(on)
            first += [pl.when(on).then(pl.lit(rng[0], pl.Int64)).otherwise(col).alias(_lo(f.id)),
                      pl.when(on).then(pl.lit(rng[1], pl.Int64)).otherwise(col).alias(_hi(f.id))]
            lo_of[f.id], hi_of[f.id] = _lo(f.id), _hi(f.id)
        else:
            lo_of[f.id] = hi_of[f.id] = score_col[f.id]
    if first:
        stages.append(tuple(first))

    # the groups, deepest last
    by_depth: dict[int, list[pl.Expr]] = {}
    varied_groups: list[pl.Expr] = []
    for g in c.groups:
        if all(lo_of[m] == hi_of[m] for m in g.members) and g.id not in plan.groups:
            lo_of[g.id] = hi_of[g.id] = score_col[g.id]
            continue
        los = [pl.col(lo_of[m]) for m in g.members]
        his = [pl.col(hi_of[m]) for m in g.members]
        zero = pl.lit(0, pl.Int64)
        if g.combine == "highest":
            low, high = pl.max_horizontal(*los, zero), pl.max_horizontal(*his, zero)
        else:
            low = pl.sum_horizontal(los) if los else zero
            high = pl.sum_horizontal(his) if his else zero
        if g.cap is not None:
            low, high = pl.min_horizontal(low, g.cap), pl.min_horizontal(high, g.cap)
        if g.id in plan.groups:  # scoring: its combination unconfirmed
            on = pl.col(score_col[g.id]) != 0
            varied_groups.append(on)
            p_low = pl.max_horizontal(*los, zero)
            if g.cap is not None:
                p_low = pl.min_horizontal(p_low, g.cap)
            p_high = pl.sum_horizontal(his) if his else zero
            low = pl.when(on).then(p_low).otherwise(low)
            high = pl.when(on).then(p_high).otherwise(high)
        by_depth.setdefault(g.depth, []).extend(
            [low.cast(pl.Int64).alias(_lo(g.id)), high.cast(pl.Int64).alias(_hi(g.id))])
        lo_of[g.id], hi_of[g.id] = _lo(g.id), _hi(g.id)
    stages.extend(tuple(by_depth[d]) for d in sorted(by_depth))

    # the total
    parts = [*c.roots, *(d.id for d in node.deductions)]
    if all(lo_of[p] == hi_of[p] for p in parts):
        lo_of["total"] = hi_of["total"] = score_col["total"]
    else:
        totals = []
        for side, of in ((_lo, lo_of), (_hi, hi_of)):
            raw = pl.sum_horizontal([pl.col(of[p]) for p in parts]) if parts \
                else pl.lit(0, pl.Int64)
            if c.floor is not None:
                raw = pl.max_horizontal(raw, c.floor)
            totals.append(raw.cast(pl.Int64).alias(side("total")))
        stages.append(tuple(totals))
        lo_of["total"], hi_of["total"] = _lo("total"), _hi("total")

    # gates, eligibility and tiers, each true, false or either
    def may(n: CondNode) -> MayCol:
        if isinstance(n, AllNode):
            subs = [may(x) for x in n.items]
            return (pl.all_horizontal([t for t, _ in subs]),
                    pl.any_horizontal([f for _, f in subs]))
        if isinstance(n, AnyNode):
            subs = [may(x) for x in n.items]
            return (pl.any_horizontal([t for t, _ in subs]),
                    pl.all_horizontal([f for _, f in subs]))
        if isinstance(n, NotNode):
            t, f = may(n.item)
            return f, t
        if isinstance(n, ScoreTest):
            return _score_may(n.op, n.ticks, pl.col(lo_of[n.score]), pl.col(hi_of[n.score]))
        holds = fact_condition(n)
        return holds, ~holds

    read: list[str] = list(node.gates)
    for _, needs in node.tiers:
        read += [g for g in needs if g not in read]
    gate_cols: list[pl.Expr] = []
    for gid in read:
        pair = (pl.lit(True), pl.lit(True)) if gid in plan.gates \
            else may(c.gates[gid].condition)
        gate_cols += [pair[0].alias(f"_sure.t.{gid}"), pair[1].alias(f"_sure.f.{gid}")]
    if gate_cols:
        stages.append(tuple(gate_cols))

    def both(gates: tuple[str, ...], extra: list[MayCol]) -> pl.Expr:
        ts = [pl.col(f"_sure.t.{g}") for g in gates] + [t for t, _ in extra]
        fs = [pl.col(f"_sure.f.{g}") for g in gates] + [f for _, f in extra]
        if not ts:
            return pl.lit(False)
        return pl.all_horizontal(ts) & pl.any_horizontal(fs)

    unsure = [both(node.gates, [])]
    tier_prov = False
    for tier, needs in node.tiers:
        if tier.id in plan.tiers:
            tier_prov = True
            unsure.append(pl.lit(True))
            continue
        extra = [] if tier.min_ticks is None else [
            _score_may("ge", tier.min_ticks, pl.col(lo_of["total"]), pl.col(hi_of["total"]))]
        unsure.append(both(needs, extra))
    gate_prov = any(g in plan.gates for g in read)
    rests = pl.any_horizontal([*varied_lines, *varied_groups, pl.lit(gate_prov or tier_prov)])
    key = [] if c.ranking is None else [
        pl.col(lo_of[c.ranking.key]).alias("rank_key_low"),
        pl.col(hi_of[c.ranking.key]).alias("rank_key_high"),
        (~unsure[0]).alias("rank_pool_sure")]
    return stages, rests, ~pl.any_horizontal(unsure), key
