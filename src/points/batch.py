"""Score a whole table of applicants in columns: `score_frame(data, schedule, on=...)`.

The table (Polars or pandas) has one applicant per row and one `Applicant` fact per column.
`score_frame` validates it column by column, sends every invalid row to `rejects` (row
number, field, value, reason) and scores the other rows with the schedule compiled once into
Polars expressions (`compile_columns`). The rules are the column twins of the per-record ones
(`points.rules.column_rule`), so every row scores exactly what `points.score` gives.

Decisions:

- **Points are Int64 ticks**: whole multiples of the schedule's precision (at 0.01, 54.00
  points is 5400), the same integers the per-record engine computes, so every total equals
  `points.score(...).total` exactly. `BatchResult.places` gives the scale, `points()` the
  table with exact `Decimal(38, places)` points (for writing files or reading by eye), and
  `to_points(ticks)` one value. Ticks keep the columns 8 bytes wide and the arithmetic in
  plain integers: Decimal columns are twice as wide and made scoring ~40% slower.
- **Missing columns** take the `Applicant` defaults (0, false, "none"); so does an empty cell
  (null), as if the field were not given. `age` or `birth_date` is needed: a table with
  neither column is an `InputError`, a row with neither value is rejected.
- **Unknown columns** are an `InputError` naming them, unless `extra="ignore"`.
- **`applied_at`** is a batch-only column (not a fact): the application time used by the
  `timestamp` ranking rule. It is optional, parsed as a date-time, and kept in `scored`.
- **Accepted cell forms**: integers as integers, whole floats or digit strings ("12",
  " 12 ", "12.0"); flags as booleans, 1/0 or the words pydantic accepts ("true", "false",
  "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0", any case, no spaces); levels as
  named; money and ratios as decimals, integers, floats or decimal strings (no more decimal
  places than the fact allows, trailing zeros aside); patent shares as "a/b", "a" or "0.5"
  strings, integers or decimals; `birth_date` as dates, midnight date-times or "YYYY-MM-DD"
  strings; `applicant_id` as text or integers. Per record, pydantic also takes a few rarer
  spellings ("1_000" for a count, "1990-01-02T00:00" for a date), which the batch rejects;
  the batch takes integer applicant ids, which pydantic refuses.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import attrs
import polars as pl

from .applicant import FACTS, Applicant
from .errors import InputError, UnknownPurpose
from .rules import FactColumn, column_rule, compare_column, to_ticks
from .schedule.loader import load_schedule
from .schedule.model import (
    AllOf,
    AnyOf,
    Condition,
    FactCondition,
    NotOf,
    Schedule,
    ScoreCondition,
    condition_facts,
)

__all__ = [
    "BATCH_COLUMNS",
    "BatchResult",
    "ColumnPlan",
    "compile_columns",
    "points_expr",
    "score_frame",
]

#: Columns a batch accepts besides the `Applicant` fields (not facts of the applicant).
BATCH_COLUMNS = ("applied_at",)

_REJECTS_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String,
                   "reason": pl.String}


@attrs.frozen
class BatchResult:
    """The result of scoring a table: scored rows, rejected rows, and the counts.

    `scored` has one row per accepted input row, in input order: `row` (the input row
    number), `applicant_id`, `total`, one points column per factor and deduction (named by
    its id), `group.<id>` points, `gate.<id>` booleans, `eligible`, `tier` (the highest tier
    unlocked, or null), `tiers`, `services`, `schedule_id`, `schedule_hash`, `purpose`; then
    `fact.<name>` for each fact the schedule's ranking breaks ties on, and `applied_at` when
    given. `rejects` has one row per problem: `row`, `field`, `value`, `reason`.
    `rows_scored + rows_rejected == rows_read` always.

    Points columns (`points_columns`) hold Int64 *ticks*: points × 10**`places` (the
    schedule's precision; 54.00 points is 5400 at precision 0.01). `points()` gives the
    table with exact `Decimal` points instead, `to_points(ticks)` one value.
    """

    scored: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int
    places: int
    points_columns: tuple[str, ...] = ()

    @property
    def rows_scored(self) -> int:
        return self.scored.height

    @property
    def rows_rejected(self) -> int:
        """Distinct rejected input rows (a row with three bad cells counts once)."""
        if self.rejects.height == 0:
            return 0
        return int(self.rejects["row"].n_unique())

    def points(self) -> pl.DataFrame:
        """`scored` with every points column as exact `Decimal(38, places)` points."""
        return self.scored.with_columns(
            points_expr(c, self.places) for c in self.points_columns if c in self.scored.columns)

    def to_points(self, ticks: int) -> Decimal:
        """Ticks of this result's schedule as points: 5400 → Decimal("54.00")."""
        return Decimal(ticks).scaleb(-self.places)

    def __repr__(self) -> str:
        return (f"<BatchResult read={self.rows_read} scored={self.rows_scored} "
                f"rejected={self.rows_rejected}>")

    def _repr_html_(self) -> str:
        """Counts and applicants per tier, then the first scored and rejected rows, as HTML
        tables (Jupyter)."""
        from .report import html_table, preview_html

        rows: list[list[object]] = [
            ["rows read", self.rows_read], ["scored", self.rows_scored],
            ["rejected", self.rows_rejected]]
        if "tier" in self.scored.columns:
            counts = self.scored.group_by("tier").len().sort("tier", nulls_last=True)
            rows += [[f"highest tier {t or '(none)'}", n] for t, n in counts.iter_rows()]
        return (html_table(["batch", "applicants"], rows, cls="summary")
                + preview_html(self.points(), "scored", self.rows_scored)
                + preview_html(self.rejects, "rejects", self.rejects.height))


# --- compiling a schedule into columns ---------------------------------------------------


def _fact_col(name: str) -> str:
    return f"_f.{name}"


def _den_col(name: str) -> str:
    return f"_f.{name}/den"


def _decimal_places(name: str) -> int:
    for m in Applicant.model_fields[name].metadata:
        places = getattr(m, "decimal_places", None)
        if places is not None:
            return int(places)
    raise TypeError(f"decimal fact {name} declares no decimal_places")  # pragma: no cover


def _fact_column(name: str, fraction_top: int | None = None) -> FactColumn:
    """The normalised column(s) of fact `name`, as the rules read them."""
    info = FACTS[name]
    col = pl.col(_fact_col(name))
    if info.kind == "int":
        return FactColumn(col, 1, None if info.maximum is None else int(info.maximum), 0)
    if info.kind == "decimal":
        scale = 10 ** _decimal_places(name)
        top = None if info.maximum is None else int(Decimal(info.maximum) * scale)
        return FactColumn(col, scale, top, 0)
    if info.kind == "fraction":  # numerator and denominator: validated Int64, >= 0
        return FactColumn(col, pl.col(_den_col(name)), fraction_top, 0)
    return FactColumn(col)


_OPS = ("lt", "le", "gt", "ge", "eq", "ne")


def _condition_column(c: Condition, scale: int, score_col: dict[str, str],
                      fraction_top: int | None = None) -> pl.Expr:
    """A gate condition as a boolean column (never null): `engine._compile_condition`."""
    if isinstance(c, AllOf):
        return pl.all_horizontal([_condition_column(x, scale, score_col, fraction_top)
                                  for x in c.all])
    if isinstance(c, AnyOf):
        return pl.any_horizontal([_condition_column(x, scale, score_col, fraction_top)
                                  for x in c.any])
    if isinstance(c, NotOf):
        return ~_condition_column(c.not_, scale, score_col, fraction_top)
    op, value = c.comparison()
    if isinstance(c, ScoreCondition):
        col = pl.col(score_col[c.score])
        if op == "in":
            return col.is_in([to_ticks(Decimal(v), scale) for v in value])
        return getattr(col, f"__{op}__")(to_ticks(Decimal(value), scale))  # type: ignore[no-any-return]
    assert isinstance(c, FactCondition)
    info = FACTS[c.fact]
    fact = _fact_column(c.fact, fraction_top)
    if info.kind == "level":
        col = fact.num
        if op in ("lt", "le", "gt", "ge"):
            rank = info.levels.index(value)
            return getattr(col.to_physical(), f"__{op}__")(rank).fill_null(False)  # type: ignore[no-any-return]
        if op == "in":
            return col.cast(pl.String).is_in([str(v) for v in value]).fill_null(False)
        if op == "eq":
            return col.cast(pl.String).eq_missing(pl.lit(value, pl.String))
        return col.cast(pl.String).ne_missing(pl.lit(value, pl.String))
    if info.kind == "bool":
        if op == "in":
            return fact.num.is_in([bool(v) for v in value])
        return getattr(fact.num, f"__{op}__")(bool(value))  # type: ignore[no-any-return]
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
    plan = _compile(schedule, purpose, on, fraction_top)
    _PLANS[key] = plan
    while len(_PLANS) > _PLAN_CACHE_SIZE:
        _PLANS.popitem(last=False)
    return plan


def points_expr(col: str, places: int) -> pl.Expr:
    """A column of Int64 ticks as exact `Decimal(38, places)` points (the ticks are the
    decimal's unscaled value)."""
    return pl.col(col).cast(pl.Int128).reinterpret(dtype=pl.Decimal(38, places))


def _compile(s: Schedule, purpose: str | None, on: date,
             fraction_top: int | None) -> ColumnPlan:
    meta = s.schedule
    places = max(-meta.precision.normalize().as_tuple().exponent, 0)  # type: ignore[operator]
    scale = 10**places
    facts: set[str] = set()

    counted = _within_columns(s, facts)

    def rule(spec: Any, sign: int, fid: str | None = None) -> pl.Expr:
        facts.add(spec.fact)
        fact = counted[fid] if fid in counted else _fact_column(spec.fact, fraction_top)
        expr = column_rule(spec, scale, meta.rounding, sign, fact)
        if spec.when is not None:
            facts.add(spec.when)
            expr = pl.when(pl.col(_fact_col(spec.when))).then(expr).otherwise(0)
        return expr

    # 1. factor and deduction ticks
    first: list[pl.Expr] = [rule(f, 1, fid).alias(fid) for fid, f in s.factors.items()]
    applied: list[str] = []
    for did, d in s.deductions.items():
        if d.purposes is not None and purpose not in d.purposes:
            first.append(pl.lit(0, pl.Int64).alias(did))
        else:
            first.append(rule(d, -1).alias(did))
            applied.append(did)
    stages: list[tuple[pl.Expr, ...]] = [tuple(first)]

    # 2. groups, deepest first (a group's members are computed in an earlier stage)
    score_col = {fid: fid for fid in (*s.factors, *s.deductions)}
    score_col.update({gid: f"group.{gid}" for gid in s.groups})
    score_col["total"] = "total"
    members: dict[str, list[str]] = {g: [] for g in s.groups}
    for fid, f in s.factors.items():
        if f.group is not None:
            members[f.group].append(fid)
    for gid, g in s.groups.items():
        if g.group is not None:
            members[g.group].append(gid)

    def depth(gid: str) -> int:
        subs = [m for m in members[gid] if m in s.groups]
        return 1 + max((depth(m) for m in subs), default=0)

    by_depth: dict[int, list[pl.Expr]] = {}
    for gid, g in s.groups.items():
        cols = [pl.col(score_col[m]) for m in members[gid]]
        if not cols:
            expr: pl.Expr = pl.lit(0, pl.Int64)
        elif g.combine == "highest":
            expr = pl.max_horizontal(*cols, pl.lit(0, pl.Int64))  # none scores: 0
        else:
            expr = pl.sum_horizontal(cols)
        if g.cap is not None:
            expr = pl.min_horizontal(expr, to_ticks(g.cap, scale))
        by_depth.setdefault(depth(gid), []).append(expr.cast(pl.Int64).alias(f"group.{gid}"))
    stages.extend(tuple(by_depth[d]) for d in sorted(by_depth))

    # 3. total
    roots = [pl.col(fid) for fid, f in s.factors.items() if f.group is None]
    roots += [pl.col(f"group.{gid}") for gid, g in s.groups.items() if g.group is None]
    roots += [pl.col(did) for did in applied]
    total = pl.sum_horizontal(roots) if roots else pl.lit(0, pl.Int64)
    if meta.floor is not None:
        total = pl.max_horizontal(total, to_ticks(meta.floor, scale))
    stages.append((total.cast(pl.Int64).alias("total"),))

    # 4. gates
    gate_exprs = []
    for gid, gate in s.gates.items():
        facts |= set(condition_facts(gate.condition))
        gate_exprs.append(_condition_column(gate.condition, scale, score_col, fraction_top)
                          .alias(f"gate.{gid}"))
    if gate_exprs:
        stages.append(tuple(gate_exprs))

    # 5. eligibility and tiers
    purpose_gates = list(s.purposes[purpose].gates) if purpose is not None else []
    eligible = pl.all_horizontal([pl.col(f"gate.{g}") for g in purpose_gates]) \
        if purpose_gates else pl.lit(True)
    tiers = [t for t in s.tiers if t.purposes is None or purpose in t.purposes]
    unlocked: list[pl.Expr] = []
    for t in tiers:
        needs = [pl.col(f"gate.{g}") for g in
                 ([*purpose_gates, *t.gates] if t.purposes is not None else t.gates)]
        if t.min_score is not None:
            needs.append(pl.col("total") >= to_ticks(t.min_score, scale))
        unlocked.append(pl.all_horizontal(needs) if needs else pl.lit(True))
    stages.append((eligible.alias("eligible"), *(
        u.alias(f"_u.{i}") for i, u in enumerate(unlocked))))

    # 6. outputs
    tier_expr: Any = None
    for i in reversed(range(len(tiers))):
        cond = pl.col(f"_u.{i}")
        tier_expr = (pl.when(cond) if tier_expr is None else tier_expr.when(cond)).then(
            pl.lit(tiers[i].id))
    tier_col = pl.lit(None, pl.String) if tier_expr is None else tier_expr.otherwise(None)
    tier_lists, service_lists = _tier_lookup(tiers)
    if tiers:
        mask = pl.sum_horizontal([pl.col(f"_u.{i}").cast(pl.UInt32) * (1 << i)
                                  for i in range(len(tiers))])
        tiers_col = pl.lit(tier_lists).gather(mask)
        services_col = pl.lit(service_lists).gather(mask)
    else:
        tiers_col = pl.lit([], pl.List(pl.String))
        services_col = pl.lit([], pl.List(pl.String))

    points_columns = ("total", *s.factors, *s.deductions, *(f"group.{g}" for g in s.groups))
    tie_facts: list[str] = []
    if s.ranking is not None:
        for tb in s.ranking.tie_breaks:
            if tb.fact is not None and tb.fact not in tie_facts:
                tie_facts.append(tb.fact)
    facts |= set(tie_facts)

    outputs = [
        *(pl.col(c) for c in points_columns),
        *(pl.col(f"gate.{gid}") for gid in s.gates),
        pl.col("eligible"),
        tier_col.alias("tier"),
        tiers_col.alias("tiers"),
        services_col.alias("services"),
        pl.lit(s.id, pl.String).alias("schedule_id"),
        pl.lit(s.content_hash, pl.String).alias("schedule_hash"),
        pl.lit(purpose, pl.String).alias("purpose"),
        *(_fact_output(name).alias(f"fact.{name}") for name in tie_facts),
    ]
    return ColumnPlan(schedule=s, purpose=purpose, on=on, places=places,
                      points_columns=points_columns,
                      facts=frozenset(facts), tie_facts=tuple(tie_facts),
                      stages=tuple(stages), outputs=tuple(outputs))


def _within_columns(s: Schedule, facts: set[str]) -> dict[str, FactColumn]:
    """The value each member of a `within` group counts: in schedule order, at most what is
    left of the shared fact (`engine._share` on columns). Keyed by factor id."""
    out: dict[str, FactColumn] = {}
    for gid, g in s.groups.items():
        within = g.within
        if within is None:
            continue
        facts.add(within)
        members = [(fid, f) for fid, f in s.factors.items() if f.group == gid]
        shared = _fact_column(within)
        cols = [_fact_column(f.fact) for _, f in members]
        dens = [c.den for c in (shared, *cols)]
        fixed = [d for d in dens if isinstance(d, int)]
        if len(fixed) != len(dens):  # pragma: no cover - the loader refuses fractions here
            raise TypeError(f"group {gid}: within needs integer or decimal facts")
        den = math.lcm(*fixed)
        tops = [c.top for c in (shared, *cols)]
        top = None if None in tops else max(int(t) * den for t in tops if t is not None)
        left = shared.num.cast(pl.Int64) * (den // fixed[0])
        for (fid, f), c, d in zip(members, cols, fixed[1:], strict=True):
            value = c.num.cast(pl.Int64) * (den // d)
            if f.when is not None:
                facts.add(f.when)
                value = pl.when(pl.col(_fact_col(f.when))).then(value).otherwise(0)
            value = pl.min_horizontal(value, left)
            out[fid] = FactColumn(value, den, top, 0)
            left = left - value
    return out


def _tier_lookup(tiers: Sequence[Any]) -> tuple[pl.Series, pl.Series]:
    """For every set of unlocked tiers (a bit mask), the tier ids and the services granted."""
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
    dtype = pl.List(pl.String)
    return pl.Series(tier_lists, dtype=dtype), pl.Series(service_lists, dtype=dtype)


def _fact_output(name: str) -> pl.Expr:
    """A normalised fact as an output column (fractions as Float64, see `points.ranking`)."""
    info = FACTS[name]
    col = pl.col(_fact_col(name))
    if info.kind == "decimal":
        return col.cast(pl.Int128).reinterpret(dtype=pl.Decimal(38, _decimal_places(name)))
    if info.kind == "fraction":
        return col / pl.col(_den_col(name))
    return col


# --- validating the input ----------------------------------------------------------------
# Each input column becomes a `_Field`: how to parse it into `_p.<name>` column(s) (null
# where the cell is null or invalid) and the problems a cell can have. Text is parsed the
# quick way on every row (`parse`) and the slow, forgiving way (`slow`: spaces, "12.0",
# "Yes") only on the rows the quick way missed. A problem has a per-row condition (for the
# rejects) and a cheap whole-column test (min/max, null counts): when no column can have a
# problem, the rows are scored without any per-row check.

_BOOL_WORDS = {w: True for w in ("1", "on", "t", "true", "y", "yes")}
_BOOL_WORDS.update({w: False for w in ("0", "off", "f", "false", "n", "no")})


@attrs.frozen(eq=False)
class _Problem:
    row: pl.Expr  # true on a row with the problem (null counts as false)
    reason: str | pl.Expr
    column: pl.Expr | None = None  # true when some row may have it (default: row.any())

    def anywhere(self) -> pl.Expr:
        return (self.row.any() if self.column is None else self.column).fill_null(False)


@attrs.frozen
class _Field:
    """One input column: how to parse it and the problems a cell can have."""

    name: str
    parse: dict[str, pl.Expr]  # `_p.*` columns, null when the cell is null or bad
    problems: list[_Problem]  # the first one that holds is the cell's reason
    slow: dict[str, pl.Expr] | None = None  # for the rows whose first `parse` column is null


def _p(name: str, part: str = "") -> str:
    return f"_p.{name}{part}"


def _is_text(dtype: pl.DataType) -> bool:
    return dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))


def _text(c: pl.Expr) -> pl.Expr:
    return c.cast(pl.String).str.strip_chars()


def _failed(c: pl.Expr, p: pl.Expr, reason: str) -> _Problem:
    """The cell is not null but did not parse."""
    return _Problem(c.is_not_null() & p.is_null(), reason, p.null_count() > c.null_count())


def _bounds(p: pl.Expr, lo: int | None, hi: int | None, shown: tuple[Any, Any]) -> list[_Problem]:
    out = []
    if lo is not None:
        out.append(_Problem(p < lo, f"is below the minimum {shown[0]}", p.min() < lo))
    if hi is not None:
        out.append(_Problem(p > hi, f"is above the maximum {shown[1]}", p.max() > hi))
    return out


def _int_field(name: str, dtype: pl.DataType, lo: Any, hi: Any) -> _Field:
    c = pl.col(name)
    slow = None
    if dtype.is_integer():
        p = c  # any integer type: normalised to Int32 once the bounds are checked
    elif dtype == pl.Boolean:
        p = c.cast(pl.Int64)
    elif dtype.is_float():
        p = pl.when(c == c.floor()).then(c.cast(pl.Int64, strict=False))
    elif dtype.is_decimal():
        as_int = c.cast(pl.Int64, strict=False)
        p = pl.when(as_int.cast(dtype) == c).then(as_int)
    elif _is_text(dtype):
        p = c.cast(pl.String).cast(pl.Int64, strict=False)
        slow = {_p(name): _text(c).str.extract(r"^([+-]?\d+)(?:\.0*)?$", 1)
                .cast(pl.Int64, strict=False)}
    else:
        p = pl.lit(None, pl.Int64)
    pc = pl.col(_p(name))
    return _Field(name, {_p(name): p}, [
        _failed(c, pc, "is not a whole number"),
        *_bounds(pc, None if lo is None else int(lo), None if hi is None else int(hi),
                 (lo, hi))], slow)


def _bool_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    slow = None
    if dtype == pl.Boolean:
        p = c
    elif dtype.is_numeric():
        p = pl.when(c == 1).then(True).when(c == 0).then(False)
    elif _is_text(dtype):
        text = c.cast(pl.String)
        p = pl.when(text == "true").then(True).when(text == "false").then(False)
        slow = {_p(name): text.str.to_lowercase().replace_strict(  # no spaces, as pydantic
            _BOOL_WORDS, default=None, return_dtype=pl.Boolean)}
    else:
        p = pl.lit(None, pl.Boolean)
    return _Field(name, {_p(name): p}, [
        _failed(c, pl.col(_p(name)), "is not true/false")], slow)


def _level_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    info = FACTS[name]
    enum = pl.Enum(list(info.levels))
    if dtype == enum:
        p = c
    elif _is_text(dtype):
        p = c.cast(pl.String).cast(enum, strict=False)
    else:
        p = pl.lit(None, enum)
    return _Field(name, {_p(name): p}, [
        _failed(c, pl.col(_p(name)), f"is not a level of {name} ({', '.join(info.levels)})")])


def _decimal_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    info = FACTS[name]
    places = _decimal_places(name)
    scale = 10**places
    target = pl.Decimal(38, places)
    parse: dict[str, pl.Expr]
    slow = None
    problems: list[_Problem] = []
    if dtype.is_integer():
        parse = {_p(name): c.cast(pl.Int128, strict=False) * scale}
    elif dtype.is_decimal():
        fine = c.cast(target, strict=False)
        parse = {_p(name): fine.reinterpret(dtype=pl.Int128)}
        if (getattr(dtype, "scale", 0) or 0) > places:
            problems.append(_Problem(fine.cast(dtype, strict=False) != c,
                                     f"has more than {places} decimal places"))
    elif dtype.is_float() or _is_text(dtype):
        # quick: a plain number with at most `places` decimals; slow: the rest, checking
        # that the decimals beyond `places` are zeros ("12.340" is 12.34)
        text = c.cast(pl.String)
        decimals = (text.str.len_bytes().cast(pl.Int64)
                    - text.str.find(".", literal=True) - 1).fill_null(0)
        parse = {_p(name): pl.when(decimals <= places).then(
                     text.cast(target, strict=False).reinterpret(dtype=pl.Int128)),
                 _p(name, "/fine"): pl.lit(True)}
        stripped = _text(c)
        slow = {_p(name): stripped.cast(target, strict=False).reinterpret(dtype=pl.Int128),
                _p(name, "/fine"): ~stripped.str.contains(rf"\.\d{{{places}}}\d*[1-9]")}
        problems.append(_Problem(~pl.col(_p(name, "/fine")),
                                 f"has more than {places} decimal places"))
    else:
        parse = {_p(name): pl.lit(None, pl.Int128)}
    pc = pl.col(_p(name))
    lo = None if info.minimum is None else int(Decimal(info.minimum) * scale)
    hi = None if info.maximum is None else int(Decimal(info.maximum) * scale)
    problems += [_failed(c, pc, "is not a decimal number"),
                 *_bounds(pc, lo, hi, (info.minimum, info.maximum))]
    return _Field(name, parse, problems, slow)


def _fraction_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    info = FACTS[name]
    one = pl.when(c.is_not_null()).then(pl.lit(1, pl.Int64))
    slow = None
    num: pl.Expr
    den: pl.Expr
    if dtype.is_integer():
        num, den = c.cast(pl.Int64, strict=False), one
    elif dtype.is_decimal():
        num = c.reinterpret(dtype=pl.Int128).cast(pl.Int64, strict=False)
        den = pl.when(c.is_not_null()).then(pl.lit(10 ** (getattr(dtype, "scale", 0) or 0)))
    elif dtype.is_float() or _is_text(dtype):  # whole numbers quickly, then "a/b" and "a.b"
        num = c.cast(pl.String).cast(pl.Int64, strict=False)
        den = pl.when(num.is_not_null()).then(pl.lit(1, pl.Int64))
        slow = {(_p(name) if k == "num" else _p(name, "/den")): e
                for k, e in _fraction_text(c).items()}
    else:
        num = den = pl.lit(None, pl.Int64)
    pn, pd = pl.col(_p(name)), pl.col(_p(name, "/den"))
    problems = [
        _Problem(c.is_not_null() & (pn.is_null() | pd.is_null()),
                 "is not a fraction (a/b), a whole number or a decimal",
                 (pn.null_count() > c.null_count()) | (pd.null_count() > c.null_count())),
        _Problem(pd == 0, "has a zero denominator", pd.min() == 0),
        _Problem(pn < 0, "is below the minimum 0", pn.min() < 0),
    ]
    if info.maximum is not None:
        problems.append(_Problem(pn.cast(pl.Int128) > pd.cast(pl.Int128) * int(info.maximum),
                                 f"is above the maximum {info.maximum}"))
    return _Field(name, {_p(name): num.cast(pl.Int64), _p(name, "/den"): den.cast(pl.Int64)},
                  problems, slow)


def _fraction_text(c: pl.Expr) -> dict[str, pl.Expr]:
    """"a/b", "a" or "a.b" (also signed) as numerator and denominator; null if neither."""
    parts = _text(c).str.split_exact("/", 1)
    top, bottom = parts.struct.field("field_0"), parts.struct.field("field_1")
    whole = top.cast(pl.Int64, strict=False)
    places = top.str.len_chars().cast(pl.Int64) - top.str.find(".", literal=True) - 1
    decimal = pl.when(bottom.is_null() & (places <= 18)).then(
        top.str.replace(".", "", literal=True).cast(pl.Int64, strict=False))
    den: pl.Expr = pl.when(whole.is_not_null()).then(
        pl.when(bottom.is_null()).then(pl.lit(1, pl.Int64))
        .otherwise(bottom.cast(pl.Int64, strict=False)))
    den = pl.coalesce(den, pl.when(decimal.is_not_null()).then(
        pl.lit(10, pl.Int64).pow(places)))
    return {"num": pl.coalesce(whole, decimal), "den": pl.when(den >= 0).then(den)}


def _date_field(name: str, dtype: pl.DataType, on: date) -> _Field:
    c = pl.col(name)
    problems: list[_Problem] = []
    slow = None
    if dtype == pl.Date:
        p = c
    elif isinstance(dtype, pl.Datetime):
        p = c.dt.date()
        problems.append(_Problem(c.dt.time() != pl.time(0), "has a time of day (give a date)"))
    elif _is_text(dtype):  # exactly YYYY-MM-DD, as pydantic (Polars alone takes "1990-1-2")
        text = c.cast(pl.String)
        shaped = (text.str.len_bytes() == 10) & (text.str.slice(4, 1) == "-") \
            & (text.str.slice(7, 1) == "-") & text.str.slice(0, 1).is_in(list("0123456789"))
        p = pl.when(shaped).then(text.str.to_date("%Y-%m-%d", strict=False))
    else:
        p = pl.lit(None, pl.Date)
    pc = pl.col(_p(name))
    problems.append(_failed(c, pc, "is not a date (YYYY-MM-DD)"))
    problems.append(_Problem(pc > on, f"is after the evaluation date {on}", pc.max() > on))
    return _Field(name, {_p(name): p}, problems, slow)


_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M",
                     "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _datetime_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    us = pl.Datetime("us")
    if isinstance(dtype, pl.Datetime):
        p = (c.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
             if dtype.time_zone else c).cast(us)
    elif dtype == pl.Date:
        p = c.cast(us)
    elif _is_text(dtype):
        s = _text(c)
        p = pl.coalesce([s.str.to_datetime(f, time_unit="us", strict=False)
                         for f in _DATETIME_FORMATS])
    else:
        p = pl.lit(None, us)
    return _Field(name, {_p(name): p}, [
        _failed(c, pl.col(_p(name)), "is not a date-time (YYYY-MM-DDTHH:MM:SS)")])


def _id_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    p = c.cast(pl.String) if _is_text(dtype) or dtype.is_integer() else pl.lit(None, pl.String)
    size = pl.col(_p(name)).str.len_chars()
    return _Field(name, {_p(name): p}, [
        _failed(c, pl.col(_p(name)), "is not text"),
        _Problem(size > 200, "is longer than 200 characters", size.max() > 200)])


def _field(name: str, dtype: pl.DataType, on: date) -> _Field:
    if name == "applicant_id":
        return _id_field(name, dtype)
    if name == "birth_date":
        return _date_field(name, dtype, on)
    if name == "applied_at":
        return _datetime_field(name, dtype)
    info = FACTS[name]
    if info.kind == "int":
        return _int_field(name, dtype, info.minimum, info.maximum)
    if info.kind == "bool":
        return _bool_field(name, dtype)
    if info.kind == "level":
        return _level_field(name, dtype)
    if info.kind == "decimal":
        return _decimal_field(name, dtype)
    return _fraction_field(name, dtype)


def _parsed(frame: pl.DataFrame, fields: list[_Field], row_offset: int) -> pl.DataFrame:
    """The input with `row` and the parsed `_p.*` columns of every field."""
    out = frame.with_row_index("row").with_columns(
        (pl.col("row").cast(pl.Int64) + row_offset).alias("row"),
        *(e.alias(k) for f in fields for k, e in f.parse.items()))
    fixes = []
    for f in fields:
        if f.slow is None:
            continue
        first = next(iter(f.parse))
        missed = (out[first].is_null() & out[f.name].is_not_null()).arg_true()
        if missed.len() == 0:
            continue
        redo = out.select(f.name).gather(missed).select(
            e.cast(out[k].dtype).alias(k) for k, e in f.slow.items())
        fixes += [out[k].clone().scatter(missed, redo[k]) for k in f.slow]
    return out.with_columns(fixes) if fixes else out


def _int_type(name: str) -> pl.DataType:
    """Int32 for an integer fact whose bounds fit (all of them today), else Int64."""
    info = FACTS[name]
    fits = info.maximum is not None and info.minimum is not None \
        and int(info.minimum) >= -(2**31) and int(info.maximum) < 2**31
    return pl.Int32() if fits else pl.Int64()


def _normalised(name: str, present: bool, nulls: bool) -> list[pl.Expr]:
    """The `_f.<name>` column(s) of a fact: its parsed value, or the `Applicant` default.

    Only rows whose every cell is valid get here, so the casts cannot fail.
    """
    info = FACTS[name]
    default = Applicant.model_fields[name].default
    dtype: pl.DataType
    if info.kind == "int":
        dtype = _int_type(name)
        value: Any = int(default)
    elif info.kind == "bool":
        dtype, value = pl.Boolean(), bool(default)
    elif info.kind == "level":
        dtype, value = pl.Enum(list(info.levels)), default
    elif info.kind == "decimal":
        dtype, value = pl.Int64(), int(Decimal(default) * 10 ** _decimal_places(name))
    else:
        num, den = pl.lit(int(default), pl.Int64), pl.lit(1, pl.Int64)
        if present:
            num = pl.col(_p(name)).fill_null(num) if nulls else pl.col(_p(name))
            den = pl.col(_p(name, "/den")).fill_null(den) if nulls else pl.col(_p(name, "/den"))
        return [num.alias(_fact_col(name)), den.alias(_den_col(name))]
    fill = pl.lit(value, pl.String).cast(dtype) if info.kind == "level" else pl.lit(value, dtype)
    if not present:
        return [fill.alias(_fact_col(name))]
    col = pl.col(_p(name)).cast(dtype, strict=False)
    return [(col.fill_null(fill) if nulls else col).alias(_fact_col(name))]


def _age_problems(present: set[str], on: date) -> tuple[pl.Expr, list[tuple[str, _Problem]]]:
    """The age on `on` (from birth_date, else age) and the row-level problems."""
    age = pl.col(_p("age")) if "age" in present else pl.lit(None, pl.Int64)
    birth = pl.col(_p("birth_date")) if "birth_date" in present else pl.lit(None, pl.Date)
    later = (birth.dt.month().cast(pl.Int64) * 100 + birth.dt.day().cast(pl.Int64)) \
        > on.month * 100 + on.day
    derived = pl.lit(on.year, pl.Int64) - birth.dt.year().cast(pl.Int64) \
        - later.cast(pl.Int64)
    problems: list[tuple[str, _Problem]] = []
    missing = [pl.col(n).is_null() for n in ("age", "birth_date") if n in present]
    if missing:
        both = pl.all_horizontal(missing)
        problems.append(("age", _Problem(both, "give age or birth_date")))
    if "age" in present and "birth_date" in present:
        differ = age.is_not_null() & derived.is_not_null() & (age != derived)
        problems.append(("age", _Problem(differ, pl.format(
            "does not match birth_date on {} ({})", pl.lit(str(on)), derived))))
    return pl.coalesce(derived, age).cast(_int_type("age"), strict=False), problems


def score_frame(
    data: pl.DataFrame | Any,
    schedule: Schedule | str,
    *,
    purpose: str | None = None,
    on: date,
    row_offset: int = 1,
    extra: Literal["forbid", "ignore"] = "forbid",
) -> BatchResult:
    """Score every row of `data` under `schedule`; bad rows go to `rejects`, none is lost.

    `data` is a Polars or pandas data frame with one column per fact (see the module
    docstring for the accepted forms); `schedule` a `Schedule` or a bundled id or path;
    `purpose` one of the schedule's purposes (default: its `default_purpose`); `on` the
    evaluation date (age from `birth_date`); `row_offset` the number of the first row (for
    chunks of a longer file). Unknown columns raise `InputError` unless `extra="ignore"`.
    """
    frame = _polars(data)
    if extra not in ("forbid", "ignore"):
        raise ValueError(f"extra must be 'forbid' or 'ignore', not {extra!r}")
    if not isinstance(schedule, Schedule):
        schedule = load_schedule(schedule)
    if purpose is None:
        purpose = schedule.schedule.default_purpose
    elif purpose not in schedule.purposes:
        raise UnknownPurpose(purpose, schedule.id, list(schedule.purposes))

    known = {"applicant_id", "birth_date", *FACTS, *BATCH_COLUMNS}
    unknown = [c for c in frame.columns if c not in known]
    if unknown and extra == "forbid":
        raise InputError(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            "(not a fact of Applicant; pass extra='ignore' to skip them)", value=unknown)
    if frame.height and "age" not in frame.columns and "birth_date" not in frame.columns:
        raise InputError("the table needs an age or a birth_date column")

    present = {c for c in frame.columns if c in known}
    fields = [_field(name, frame.schema[name], on) for name in frame.columns if name in present]
    age, row_problems = _age_problems(present, on)

    # parse every column, then find the columns that may hold a bad cell
    parsed = _parsed(frame, fields, row_offset)
    plan = compile_columns(schedule, purpose, on, fraction_top=_fraction_top(parsed))
    checks = [(f.name, pr) for f in fields for pr in f.problems] + row_problems
    verdict = parsed.select(pr.anywhere().alias(f"c{i}") for i, (_, pr) in
                            enumerate(checks)).row(0) if checks else ()
    suspect = [(name, pr) for (name, pr), hit in zip(checks, verdict, strict=True) if hit]

    lf = parsed.lazy()
    if suspect:
        lf = lf.filter(~pl.any_horizontal([pr.row for _, pr in suspect]).fill_null(False))
    nulls = {f.name for f in fields if frame[f.name].null_count()}
    normal = [e for name in sorted(plan.facts - {"age"})
              for e in _normalised(name, name in present, name in nulls)]
    lf = lf.with_columns(age.alias(_fact_col("age")), *normal)
    for stage in plan.stages:
        lf = lf.with_columns(stage)
    keep = [pl.col("row"),
            (pl.col(_p("applicant_id")) if "applicant_id" in present
             else pl.lit(None, pl.String)).alias("applicant_id")]
    tail = [pl.col(_p("applied_at")).alias("applied_at")] if "applied_at" in present else []
    lf = lf.select(*keep, *plan.outputs, *tail)
    scored = lf.collect()

    if scored.height == frame.height:
        rejects = pl.DataFrame(schema=_REJECTS_SCHEMA)
    else:
        rejects = _rejects(parsed, suspect)
    return BatchResult(scored=scored, rejects=rejects, rows_read=frame.height,
                       places=plan.places, points_columns=plan.points_columns)


def _fraction_top(parsed: pl.DataFrame) -> int | None:
    """A bound of every fraction's numerator and denominator (2**15 or 2**31), if any."""
    cols = [c for name, info in FACTS.items() if info.kind == "fraction"
            for c in (_p(name), _p(name, "/den")) if c in parsed.columns]
    if not cols:
        return 2**15
    top = parsed.select(pl.max_horizontal(pl.col(cols).abs().max())).item()
    if top is None or top < 2**15:
        return 2**15
    return 2**31 if top < 2**31 else None


def _rejects(parsed: pl.DataFrame, checks: list[tuple[str, _Problem]]) -> pl.DataFrame:
    """One row per bad cell: row, field, value, reason (the first problem of the cell)."""
    by_field: dict[str, list[_Problem]] = {}
    for name, pr in checks:
        by_field.setdefault(name, []).append(pr)
    parts = []
    for name, problems in by_field.items():
        reason: Any = None
        for pr in problems:
            text = pl.lit(pr.reason) if isinstance(pr.reason, str) else pr.reason
            reason = (pl.when(pr.row) if reason is None else reason.when(pr.row)).then(text)
        value = pl.col(name).cast(pl.String, strict=False) if name in parsed.columns \
            else pl.lit(None, pl.String)
        parts.append(parsed.lazy().select(
            pl.col("row"), pl.lit(name).alias("field"), value.alias("value"),
            reason.otherwise(None).cast(pl.String).alias("reason"),
        ).filter(pl.col("reason").is_not_null()))
    order = {name: i for i, name in enumerate(by_field)}
    out = pl.concat(pl.collect_all(parts), how="vertical")
    out = out.with_columns(pl.col("field").replace_strict(order, return_dtype=pl.Int64)
                           .alias("_o")).sort("row", "_o").drop("_o")
    return out.cast(_REJECTS_SCHEMA)  # type: ignore[arg-type]


def _polars(data: Any) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        return data
    if type(data).__module__.split(".")[0] == "pandas":
        return pl.from_pandas(data)
    raise InputError(f"expected a Polars or pandas DataFrame, not {type(data).__name__}")
