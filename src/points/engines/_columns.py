"""The column engine: the compiled form translated into Polars expressions.

`compile_columns(schedule, purpose, on)` gives a `ColumnPlan`: stages of expressions that
`points.batch.score_frame` runs over a validated table whose facts are normalised into
`_f.<name>` columns (`fact_col`). Every rule is its kind's `column` twin of the per-record
function, so every row scores exactly what `points.score` gives.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import polars as pl

from ..compiled import (
    AllNode,
    AnyNode,
    BranchNode,
    CompiledSchedule,
    CondNode,
    FactorNode,
    FactTest,
    NotNode,
    ScoreTest,
    compile_schedule,
)
from ..errors import InputError
from ..expression import column_expr
from ..facts import vocabulary
from ..schedule.kinds import FactColumn, compare_column
from ..schedule.model import Schedule
from ._sure_columns import sure_stages

__all__ = ["ColumnPlan", "compile_columns", "decimal_places", "den_col", "fact_col",
           "points_expr", "tick_dtypes", "tier_lookup"]


def fact_col(name: str) -> str:
    """The column of a normalised fact."""
    return f"_f.{name}"


def den_col(name: str) -> str:
    """The denominator column of a normalised fraction fact."""
    return f"_f.{name}/den"


def decimal_places(name: str) -> int:
    """The decimal places of a decimal fact."""
    return vocabulary()[name].places


def points_expr(col: str, places: int) -> pl.Expr:
    """A column of Int64 ticks as exact `Decimal(38, places)` points (the ticks are the
    decimal's unscaled value)."""
    return pl.col(col).cast(pl.Int128).reinterpret(dtype=pl.Decimal(38, places))


def _fact_column(name: str, fraction_top: int | None = None) -> FactColumn:
    """The normalised column(s) of fact `name`, as the rules read them."""
    info = vocabulary()[name]
    col = pl.col(fact_col(name))
    if info.kind in ("int", "decimal"):
        # a declared or derived fact may go below 0: `low` and `top` follow its bounds
        scale = 1 if info.kind == "int" else 10 ** decimal_places(name)
        low = 0 if info.minimum is None else math.floor(Decimal(info.minimum) * scale)
        top = None if info.maximum is None else max(
            math.ceil(Decimal(info.maximum) * scale), -low)
        return FactColumn(col, scale, top, low)
    if info.kind == "fraction":  # numerator and denominator: validated Int64, >= 0
        return FactColumn(col, pl.col(den_col(name)), fraction_top, 0)
    return FactColumn(col)


def _condition_column(node: CondNode, score_col: dict[str, str],
                      fraction_top: int | None = None) -> pl.Expr:
    """A condition node as a boolean column (never null): its per-record test on columns."""
    if isinstance(node, AllNode):
        return pl.all_horizontal([_condition_column(x, score_col, fraction_top)
                                  for x in node.items])
    if isinstance(node, AnyNode):
        return pl.any_horizontal([_condition_column(x, score_col, fraction_top)
                                  for x in node.items])
    if isinstance(node, NotNode):
        return ~_condition_column(node.item, score_col, fraction_top)
    op = node.op
    if isinstance(node, ScoreTest):
        col = pl.col(score_col[node.score])
        if op == "in":
            assert isinstance(node.ticks, frozenset)
            return col.is_in(sorted(node.ticks))
        return getattr(col, f"__{op}__")(node.ticks)  # type: ignore[no-any-return]
    assert isinstance(node, FactTest)
    value = node.value
    fact = _fact_column(node.fact, fraction_top)
    if node.kind == "level":
        col = fact.num
        if node.rank is not None:
            return getattr(col.to_physical(), f"__{op}__")(node.rank).fill_null(False)  # type: ignore[no-any-return]
        if op == "in":
            return col.cast(pl.String).is_in([str(v) for v in value]).fill_null(False)
        if op == "eq":
            return col.cast(pl.String).eq_missing(pl.lit(value, pl.String))
        return col.cast(pl.String).ne_missing(pl.lit(value, pl.String))
    if node.kind == "bool":  # an absent optional flag: `ne` holds, the rest do not
        if op == "in":
            return fact.num.is_in([bool(v) for v in value]).fill_null(False)
        if op == "ne":
            return fact.num.ne_missing(pl.lit(bool(value)))
        return fact.num.eq_missing(pl.lit(bool(value)))
    if op == "in":
        return pl.any_horizontal([compare_column(fact, "eq", v) for v in value])
    return compare_column(fact, op, value)


@attrs.frozen
class ColumnPlan:
    """A schedule compiled for one purpose into Polars expressions over normalised facts.

    Built once per (schedule, purpose, date) by `compile_columns`; `stages` run in order with
    `with_columns` on a validated frame, then `outputs` select the scored columns.
    """

    schedule: Schedule
    purpose: str | None
    on: date
    places: int
    points_columns: tuple[str, ...]  # total, factors, deductions, groups: Int64 ticks
    facts: frozenset[str]  # facts the scoring reads
    tie_facts: tuple[str, ...]  # facts the ranking breaks ties on (kept as fact.<name>)
    stages: tuple[tuple[pl.Expr, ...], ...]
    outputs: tuple[pl.Expr, ...]
    branches: tuple[BranchNode, ...] = ()  # checked on the rows after scoring

    def points(self, ticks: int) -> Decimal:
        return Decimal(ticks).scaleb(-self.places)


_PLANS: OrderedDict[tuple[Any, ...], ColumnPlan] = OrderedDict()
_PLAN_CACHE_SIZE = 64


def compile_columns(schedule: Schedule, purpose: str | None, on: date, *,
                    fraction_top: int | None = None) -> ColumnPlan:
    """Compile `schedule` for `purpose` into column expressions (cached per content hash).

    `fraction_top` bounds the numerators and denominators of fraction facts, when the
    caller knows a bound, so that their arithmetic can use 64-bit integers.
    """
    key = (schedule.id, schedule.content_hash or id(schedule), purpose, on, fraction_top)
    plan = _PLANS.get(key)
    if plan is not None and plan.schedule is schedule:
        _PLANS.move_to_end(key)
        return plan
    c = compile_schedule(schedule)
    with c.scope():
        plan = _translate(c, purpose, on, fraction_top)
    _PLANS[key] = plan
    while len(_PLANS) > _PLAN_CACHE_SIZE:
        _PLANS.popitem(last=False)
    return plan


def _translate(c: CompiledSchedule, purpose: str | None, on: date,
               fraction_top: int | None) -> ColumnPlan:
    counted = _within_columns(c)
    node = c.purpose(purpose)

    def rule(f: FactorNode) -> pl.Expr:
        if f.id in counted:
            cols: tuple[FactColumn, ...] = (counted[f.id],)
        else:
            cols = tuple(_fact_column(name, fraction_top) for name in f.facts)
        if f.parts:
            each = [f.rule.column(p, c.arith, f.sign, (col,))
                    for p, col in zip(f.parts, cols, strict=True)]
            pick = pl.max_horizontal if f.sign > 0 else pl.min_horizontal
            expr = (pick(each) if f.combine == "highest" else pl.sum_horizontal(each)
                    ).cast(pl.Int64)
        else:
            expr = f.rule.column(f.spec, c.arith, f.sign, cols)
        if f.when is not None:
            expr = pl.when(pl.col(fact_col(f.when))).then(expr).otherwise(0)
        return expr

    # 0. the `when` conditions, 1. factor and deduction ticks
    stages: list[tuple[pl.Expr, ...]] = []
    for name, parsed in c.derived:  # each after the ones it reads
        stages.append((column_expr(parsed, lambda n: pl.col(fact_col(n)).cast(
            pl.Int64) if c.vocab[n].kind in ("int", "decimal") else pl.col(fact_col(n)))
            .alias(fact_col(name)),))
    if c.conditions:
        stages.append(tuple(_condition_column(n, {}, fraction_top).alias(fact_col(k))
                            for k, n in c.conditions))
    applied = {d.id for d in node.deductions}
    first = [rule(f).alias(f.id) for f in c.factors]
    first += [(rule(d) if d.id in applied else pl.lit(0, pl.Int64)).alias(d.id)
              for d in c.deductions]
    stages.append(tuple(first))

    # 2. groups, deepest last (a group's members are computed in an earlier stage)
    score_col = {f.id: f.id for f in (*c.factors, *c.deductions)}
    score_col.update({g.id: f"group.{g.id}" for g in c.groups})
    score_col["total"] = "total"
    by_depth: dict[int, list[pl.Expr]] = {}
    for g in c.groups:
        cols = [pl.col(score_col[m]) for m in g.members]
        if not cols:
            expr: pl.Expr = pl.lit(0, pl.Int64)
        elif g.combine == "highest":
            expr = pl.max_horizontal(*cols, pl.lit(0, pl.Int64))  # none scores: 0
        else:
            expr = pl.sum_horizontal(cols)
        if g.cap is not None:
            expr = pl.min_horizontal(expr, g.cap)
        by_depth.setdefault(g.depth, []).append(expr.cast(pl.Int64).alias(f"group.{g.id}"))
    stages.extend(tuple(by_depth[d]) for d in sorted(by_depth))

    # 3. total
    roots = [pl.col(score_col[r]) for r in c.roots] + [pl.col(d.id) for d in node.deductions]
    total = pl.sum_horizontal(roots) if roots else pl.lit(0, pl.Int64)
    if c.floor is not None:
        total = pl.max_horizontal(total, c.floor)
    stages.append((total.cast(pl.Int64).alias("total"),))

    # 4. gates
    gate_exprs = [_condition_column(g.condition, score_col, fraction_top).alias(f"gate.{gid}")
                  for gid, g in c.gates.items()]
    if gate_exprs:
        stages.append(tuple(gate_exprs))

    # 5. eligibility and tiers
    eligible = pl.all_horizontal([pl.col(f"gate.{g}") for g in node.gates]) \
        if node.gates else pl.lit(True)
    tiers = [t for t, _ in node.tiers]
    unlocked: list[pl.Expr] = []
    for t, needs in node.tiers:
        conds = [pl.col(f"gate.{g}") for g in needs]
        if t.min_ticks is not None:
            conds.append(pl.col("total") >= t.min_ticks)
        unlocked.append(pl.all_horizontal(conds) if conds else pl.lit(True))
    stages.append((eligible.alias("eligible"), *(
        u.alias(f"_u.{i}") for i, u in enumerate(unlocked))))
    sure, provisional, outcome_sure, rank_sure = sure_stages(
        c, node, score_col, lambda n: _condition_column(n, score_col, fraction_top))
    stages.extend(sure)

    # 6. outputs: ticks in the narrowest integers their bounds allow; tiers and services
    # as enums (one byte a row), the schedule's id and hash as constants
    tier_lists, service_lists = tier_lookup(tiers)
    tier_dtype = pl.Enum([t.id for t in tiers])
    if tiers:
        mask = pl.sum_horizontal([pl.col(f"_u.{i}").cast(pl.UInt32) * (1 << i)
                                  for i in range(len(tiers))])
        tier_col = pl.lit(pl.Series([ids[-1] if ids else None
                                     for ids in tier_lists.to_list()],
                                    dtype=tier_dtype)).gather(mask)
        tiers_col = pl.lit(tier_lists).gather(mask)
        services_col = pl.lit(service_lists).gather(mask)
    else:
        tier_col = pl.lit(None, tier_dtype)
        tiers_col = pl.lit(tier_lists[0:1]).first()
        services_col = pl.lit(service_lists[0:1]).first()

    points_columns = ("total", *(f.id for f in c.factors), *(d.id for d in c.deductions),
                      *(f"group.{gid}" for gid in c.group_ids))
    tie_facts: list[str] = []
    if c.ranking is not None:
        for tb in c.ranking.tie_breaks:
            if tb.fact is not None and tb.fact not in tie_facts:
                tie_facts.append(tb.fact)

    dtypes = tick_dtypes(c, purpose)
    outputs = [
        *(pl.col(col).cast(dtypes[col]) for col in points_columns),
        *(pl.col(f"gate.{gid}") for gid in c.gates),
        pl.col("eligible"),
        provisional.alias("provisional"),
        outcome_sure.alias("outcome_sure"),
        tier_col.alias("tier"),
        tiers_col.alias("tiers"),
        services_col.alias("services"),
        pl.lit(c.id, pl.Enum([c.id])).alias("schedule_id"),
        pl.lit(c.hash, pl.Enum([c.hash])).alias("schedule_hash"),
        pl.lit(purpose, pl.Enum([] if purpose is None else [purpose])).alias("purpose"),
        *(_fact_output(name).alias(f"fact.{name}") for name in tie_facts),
        *(e.cast(dtypes[e.meta.output_name()]) if e.meta.output_name() in dtypes else e
          for e in rank_sure),
    ]
    return ColumnPlan(schedule=c.schedule, purpose=purpose, on=on, places=c.places,
                      points_columns=points_columns,
                      facts=c.facts - {n for n, _ in c.derived}, tie_facts=tuple(tie_facts),
                      stages=tuple(stages), outputs=tuple(outputs), branches=c.branches)


def _within_columns(c: CompiledSchedule) -> dict[str, FactColumn]:
    """The value each member of a `within` group counts: in order, at most what is left of
    the shared fact; a member whose `when` is false counts and uses nothing. By factor id."""
    out: dict[str, FactColumn] = {}
    for b in c.budgets:
        shared = _fact_column(b.fact)
        cols = [_fact_column(f.fact) for f in b.members]
        dens = [col.den for col in (shared, *cols)]
        fixed = [d for d in dens if isinstance(d, int)]
        if len(fixed) != len(dens):  # pragma: no cover - the loader refuses fractions here
            raise TypeError(f"group {b.group}: within needs integer or decimal facts")
        den = math.lcm(*fixed)
        tops = [col.top for col in (shared, *cols)]
        top = None if None in tops else max(int(t) * den for t in tops if t is not None)
        left = shared.num.cast(pl.Int64) * (den // fixed[0])
        for f, col, d in zip(b.members, cols, fixed[1:], strict=True):
            value = col.num.cast(pl.Int64) * (den // d)
            if f.when is not None:
                value = pl.when(pl.col(fact_col(f.when))).then(value).otherwise(0)
            value = pl.min_horizontal(value, left)
            out[f.id] = FactColumn(value, den, top, 0)
            left = left - value
    return out


def tier_lookup(tiers: Sequence[Any]) -> tuple[pl.Series, pl.Series]:
    """For every set of unlocked tiers (a bit mask), the tier ids and the services granted,
    as lists of enums (of the tier ids, of the services in order of first mention)."""
    n = len(tiers)
    if n > 16:  # pragma: no cover - no real schedule has that many tiers for one purpose
        raise InputError(f"{n} tiers for one purpose is more than the batch engine supports")
    tier_lists: list[list[str]] = []
    service_lists: list[list[str]] = []
    for mask in range(1 << n):
        ids = [t.id for i, t in enumerate(tiers) if mask >> i & 1]
        services: list[str] = []
        for i, t in enumerate(tiers):
            if mask >> i & 1:
                services.extend(x for x in t.services if x not in services)
        tier_lists.append(ids)
        service_lists.append(services)
    services_all = list(dict.fromkeys(x for t in tiers for x in t.services))
    return (pl.Series(tier_lists, dtype=pl.List(pl.Enum([t.id for t in tiers]))),
            pl.Series(service_lists, dtype=pl.List(pl.Enum(services_all))))


#: (bits, lowest, highest) of the integer types ticks may be kept in
_WIDTHS = ((16, -(2**15), 2**15 - 1), (32, -(2**31), 2**31 - 1))


def _dtype(bounds: tuple[int, int] | None) -> pl.DataType:
    if bounds is not None:
        for bits, lo, hi in _WIDTHS:
            if lo <= bounds[0] and bounds[1] <= hi:
                return pl.Int16() if bits == 16 else pl.Int32()
    return pl.Int64()


def tick_dtypes(c: CompiledSchedule, purpose: str | None) -> dict[str, pl.DataType]:
    """The integer type of each points column (and `rank_key_low`/`_high`): the narrowest
    that holds every value the rules can give. A line's bounds are its kind's `line_cap`,
    else (one fact) the lowest and highest its rule gives over the fact's range
    (`line_range`), else (a rule over several facts, one part per fact) its parts' ranges
    added, or the widest of them for `highest`; a group adds or takes the highest of its
    members' bounds, under its cap; the total adds the roots and the purpose's deductions, raised to
    the floor. The ranking keys allow a provisional group's uncapped sum."""
    from ._sure import line_range, sure_plan

    line: dict[str, tuple[int, int] | None] = {}
    with c.scope():
        for f in (*c.factors, *c.deductions):
            cap = f.rule.line_cap(f.spec)
            if cap is not None:
                t = abs(c.arith.tick(cap))
                line[f.id] = (0, t) if f.sign > 0 else (-t, 0)
            elif len(f.facts) == 1:
                lo, hi = line_range(c, f)
                line[f.id] = (min(lo, 0), max(hi, 0))
            elif f.parts and len(f.part_fns) == len(f.parts) == len(f.facts):
                # one fact per part: the parts' ranges added (or the widest, for `highest`)
                parts = [line_range(c, attrs.evolve(f, facts=(x,), spec=p, fn=fn, parts=(),
                                                    part_fns=()))
                         for x, p, fn in zip(f.facts, f.parts, f.part_fns, strict=True)]
                if f.combine == "highest":
                    lo, hi = min(p[0] for p in parts), max(p[1] for p in parts)
                else:
                    lo, hi = sum(p[0] for p in parts), sum(p[1] for p in parts)
                line[f.id] = (min(lo, 0), max(hi, 0))
            else:
                line[f.id] = None
    provisional = sure_plan(c).groups

    def combine(uncapped: bool) -> dict[str, tuple[int, int] | None]:
        b = dict(line)
        for g in c.groups:
            parts = [b[m] for m in g.members]
            if any(p is None for p in parts):
                b[g.id] = None
                continue
            los = [p[0] for p in parts if p is not None]
            his = [p[1] for p in parts if p is not None]
            if g.combine == "highest" and not (uncapped and g.id in provisional):
                lo, hi = min([0, *los]), max([0, *his])
            else:
                lo, hi = min(0, sum(los)), max(0, sum(his))
            if g.cap is not None and not (uncapped and g.id in provisional):
                lo, hi = min(lo, g.cap), min(hi, g.cap)
            b[g.id] = (lo, hi)
        parts = [b[r] for r in c.roots] + [b[d.id] for d in c.purpose(purpose).deductions]
        if any(p is None for p in parts):
            b["total"] = None
        else:
            lo = sum(p[0] for p in parts if p is not None)
            hi = sum(p[1] for p in parts if p is not None)
            if c.floor is not None:
                lo, hi = max(lo, c.floor), max(hi, c.floor)
            b["total"] = (lo, hi)
        return b

    capped, loose = combine(False), combine(True)
    out = {("total" if k == "total" else f"group.{k}" if k in {g.id for g in c.groups}
            else k): _dtype(v) for k, v in capped.items()}
    if c.ranking is not None:
        key = loose.get(c.ranking.key)
        wide = _dtype(None if key is None else (min(key[0], 0), max(key[1], 0)))
        out["rank_key_low"] = out["rank_key_high"] = wide
    return out


def _fact_output(name: str) -> pl.Expr:
    """A normalised fact as an output column (fractions as Float64, see `points.batch`)."""
    info = vocabulary()[name]
    col = pl.col(fact_col(name))
    if info.kind == "decimal":
        return col.cast(pl.Int128).reinterpret(dtype=pl.Decimal(38, decimal_places(name)))
    if info.kind == "fraction":
        return col / pl.col(den_col(name))
    return col
