"""In columns: long record tables (one per kind, keyed by `applicant_id`) → one facts table.

Each derivation of `_engine` translated into Polars group-bys, giving the same values: the
tests hold the two together on random records and random parameters. Window bounds depend
only on the evaluation date, so they are constants here; month arithmetic on columns
follows `_dates` (`add_months` with `dt.offset_by`, which clamps, then a day on for `roll`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import polars as pl

from ..facts import FACTS, fact_step
from ._columns_read import PROBLEM_SCHEMA, check_kind, unknown_kind
from ._engine import derivable, last_tax_year, window_bounds
from ._spec import (
    Any_,
    Compare,
    Count_,
    Current_,
    CurrentLevel_,
    Highest_,
    Months_,
    RecordSpec,
    Sum_,
    Window,
)
from ._validate import Reason

__all__ = ["ColumnFacts", "facts_columns"]

AID = "applicant_id"
#: the applicants as whole numbers: derivations group by this, not by the text id
KEY = "__key"


@attrs.frozen
class ColumnFacts:
    """What records give in columns: `facts` (one row per applicant: `applicant_id` and each
    derived fact), `rejects` (one row per problem of a refused record), `faults` (one row
    per problem that refuses an applicant as a whole), and counts per kind."""

    facts: pl.DataFrame
    rejects: pl.DataFrame
    faults: pl.DataFrame
    derived: tuple[str, ...]
    records_read: dict[str, int]
    records_valid: dict[str, int]
    #: valid records per applicant (`applicant_id`, `records`)
    per_applicant: pl.DataFrame


# --- conditions and month arithmetic -----------------------------------------------------------


def where_expr(where: Mapping[str, Any]) -> pl.Expr:
    out = pl.lit(True)
    for name, cond in where.items():
        c = pl.col(name)
        if isinstance(cond, Compare):
            for op, bound in (("lt", cond.lt), ("le", cond.le), ("gt", cond.gt),
                              ("ge", cond.ge)):
                if bound is not None:
                    out = out & getattr(c, op)(_lit(bound))
        elif isinstance(cond, list):
            e = pl.lit(False)
            for v in cond:
                e = e | (c == _lit(v))
            out = out & e
        else:
            out = out & (c == _lit(cond))
    return out.fill_null(False)


def _lit(v: Any) -> pl.Expr:
    if isinstance(v, Decimal):
        return pl.lit(str(v)).cast(pl.Decimal(38, max(0, -int(v.as_tuple().exponent))))
    return pl.lit(v)


def _mi(d: pl.Expr) -> pl.Expr:
    return d.dt.year().cast(pl.Int32) * 12 + d.dt.month().cast(pl.Int32) - 1


def add_months(d: pl.Expr, k: int, month_end: str) -> pl.Expr:
    if k == 0:
        return d
    moved = d.dt.offset_by(f"{k}mo")
    if month_end == "clamp":
        return moved
    return pl.when(moved.dt.day() < d.dt.day()).then(moved.dt.offset_by("1d")).otherwise(moved)


def months_between(a: pl.Expr, b: pl.Expr, month_end: str) -> pl.Expr:
    n = _mi(b) - _mi(a)
    day = a.dt.day().cast(pl.Int32)
    if month_end == "clamp":
        day = pl.min_horizontal(day, b.dt.month_end().dt.day().cast(pl.Int32))
    return n - (b.dt.day().cast(pl.Int32) < day).cast(pl.Int32)



# --- derivations ---------------------------------------------------------------------------------


#: larger than any day or month number: `value + key * _SPAN` keeps applicants apart in one
#: sorted column, so running maxima need no window per applicant
_SPAN = 1_000_000


def _same() -> pl.Expr:
    """This row's applicant is the previous row's (rows sorted by applicant)."""
    return (pl.col(KEY) == pl.col(KEY).shift(1)).fill_null(False)


def months(d: Months_, recs: pl.DataFrame, on: date) -> pl.DataFrame:
    """(key, value) for applicants with periods: `_engine.derive_months` in columns.

    Periods are merged into runs (touching or overlapping days) and runs into chains (gaps of
    at most `gap_months`) with running maxima over rows sorted by applicant and start.
    Counting any day of a month needs no day runs: the months touched are the same.
    """
    day = timedelta(days=1)
    f = recs.lazy().filter(where_expr(d.where) & (pl.col("start") < on)).select(
        KEY, s=pl.col("start"),
        x=pl.min_horizontal((pl.col("end") + day).fill_null(on), pl.lit(on)))
    f = f.filter(pl.col("s") < pl.col("x"))
    gap = d.gap_months or 0
    shift = pl.col(KEY).cast(pl.Int64) * _SPAN
    if d.partial_month != "any":
        f = f.sort(KEY, "s").with_columns(
            _prev=(pl.col("x").cast(pl.Int64) + shift).cum_max().shift(1))
        f = f.with_columns(_run=(~_same() | (pl.col("s").cast(pl.Int64) + shift
                                             > pl.col("_prev"))).cum_sum())
        runs = f.group_by("_run", maintain_order=True).agg(
            pl.col(KEY).first(), pl.col("s").min(), pl.col("x").max())
    else:
        runs = f
    if d.partial_month == "elapsed":
        me = d.month_end or "roll"
        prev_x = pl.col("x").shift(1)
        runs = runs.with_columns(
            n=months_between(pl.col("s"), pl.col("x"), me),
            _new=~_same() | (pl.col("s") > add_months(prev_x, gap, me)))
        runs = runs.with_columns(_chain=pl.col("_new").cum_sum())
        chains = runs.group_by("_chain", maintain_order=True).agg(
            pl.col(KEY).first(), first=pl.col("s").min(), last=pl.col("x").max(),
            covered=pl.col("n").sum())
        span = months_between(pl.col("first"), pl.col("last"), me)
        current = pl.lit(on) <= add_months(pl.col("last"), gap, me)
    else:
        if d.partial_month == "any":
            fm, lm = _mi(pl.col("s")), _mi(pl.col("x") - day)
        else:
            fm = _mi(pl.col("s")) + (pl.col("s").dt.day() != 1).cast(pl.Int32)
            lm = _mi(pl.col("x")) - 1
        ranges = runs.select(KEY, f=fm, l=lm).filter(pl.col("f") <= pl.col("l"))
        ranges = ranges.sort(KEY, "f").with_columns(
            _prev=(pl.col("l").cast(pl.Int64) + shift).cum_max().shift(1) - shift)
        ranges = ranges.with_columns(
            covered=pl.when(~_same()).then(pl.col("l") - pl.col("f") + 1).otherwise(
                pl.max_horizontal(pl.lit(0), pl.col("l") - pl.max_horizontal(
                    pl.col("f"), pl.col("_prev") + 1) + 1)),
            _new=~_same() | (pl.col("f") > pl.col("_prev") + 1 + gap))
        ranges = ranges.with_columns(_chain=pl.col("_new").cum_sum())
        chains = ranges.group_by("_chain", maintain_order=True).agg(
            pl.col(KEY).first(), first=pl.col("f").min(), last=pl.col("l").max(),
            covered=pl.col("covered").sum())
        span = pl.col("last") - pl.col("first") + 1
        ref = (on - day).year * 12 + (on - day).month - 1 if d.partial_month == "any" \
            else on.year * 12 + on.month - 2
        current = (ref - pl.col("last")) <= gap
    if d.count == "cumulative":
        return chains.group_by(KEY).agg(value=pl.col("covered").sum()).collect()
    chains = chains.with_columns(
        v=span if d.gap_counts else pl.col("covered"), _cur=current)
    if d.run == "longest":
        out = chains.group_by(KEY).agg(value=pl.col("v").max())
    else:
        last = chains.group_by(KEY).agg(pl.col("v").last(), pl.col("_cur").last())
        value = pl.col("v") if d.run == "latest" else \
            pl.when(pl.col("_cur")).then(pl.col("v")).otherwise(0)
        out = last.select(KEY, value=value)
    return out.collect()


def window_filter(w: Window, shape: str, on: date) -> pl.Expr:
    if shape == "yearly":
        y = pl.col("year")
        if w.kind == "ever":
            return y <= on.year
        assert w.years is not None
        last = last_tax_year(w, on)
        return (y > last - w.years) & (y <= last)
    d = pl.col("date")
    if w.kind == "ever":
        return d <= on
    lo, hi = window_bounds(w, on)
    after = (d > lo) | (d == lo) if w.start == "inclusive" else d > lo
    before = (d < hi) | (d == hi) if w.end == "inclusive" else d < hi
    return after & before


def events(d: Count_ | Sum_ | Any_, recs: pl.DataFrame, shape: str, on: date
           ) -> pl.DataFrame:
    f = recs.lazy().filter(where_expr(d.where) & window_filter(d.window, shape, on))
    if isinstance(d, Count_):
        agg = (pl.col(d.distinct).drop_nulls().n_unique() if d.distinct else pl.len())
    elif isinstance(d, Sum_):
        agg = pl.col(d.field).sum()
    else:
        agg = pl.len() > 0
    return f.group_by(KEY).agg(value=agg).collect()


def covering(recs: pl.DataFrame, where: Mapping[str, Any], on: date) -> pl.LazyFrame:
    return recs.lazy().filter(where_expr(where) & (pl.col("start") <= on)
                              & (pl.col("end").is_null() | (pl.col("end") >= on)))


def highest(d: Highest_, fact: str, recs: pl.DataFrame, on: date) -> pl.DataFrame:
    levels = list(FACTS[fact].levels)
    rank = pl.col(d.field).replace_strict({lv: i for i, lv in enumerate(levels)},
                                          default=None, return_dtype=pl.Int32)
    f = recs.lazy().filter(where_expr(d.where) & (pl.col("date") <= on)).select(KEY, r=rank)
    best = f.group_by(KEY).agg(pl.col("r").max())
    floor = levels.index(d.otherwise)
    return best.select(KEY, value=pl.max_horizontal(pl.col("r").fill_null(floor),
                                                    pl.lit(floor)).replace_strict(
        dict(enumerate(levels)), return_dtype=pl.String)).collect()


def _default(fact: str, d: Any) -> Any:
    info = FACTS[fact]
    if isinstance(d, (CurrentLevel_, Highest_)):
        return d.otherwise
    if info.kind == "bool":
        return False
    return Decimal(0) if info.kind == "decimal" else 0


def _dtype(fact: str) -> Any:
    info = FACTS[fact]
    if info.kind == "bool":
        return pl.Boolean
    if info.kind == "level":
        return pl.String
    if info.kind == "decimal":
        step = fact_step(info)
        return pl.Decimal(38, max(0, -int(step.as_tuple().exponent)))
    return pl.Int64


def derive_column(spec: RecordSpec, fact: str, valid: Mapping[str, pl.DataFrame],
                  on: date) -> pl.DataFrame:
    """(applicant_id, value) of one fact for the applicants with records that give it."""
    d = spec.facts[fact]
    if isinstance(d, CurrentLevel_):
        parts = [covering(valid[c.record], c.where, on).select(KEY, r=pl.lit(i))
                 for i, c in enumerate(d.choices)]
        first = pl.concat(parts).group_by(KEY).agg(pl.col("r").min())
        return first.select(KEY, value=pl.col("r").replace_strict(
            {i: c.level for i, c in enumerate(d.choices)}, return_dtype=pl.String)).collect()
    recs = valid[d.record]
    if isinstance(d, Months_):
        return months(d, recs, on)
    if isinstance(d, Current_):
        return covering(recs, d.where, on).select(KEY).unique().with_columns(
            value=pl.lit(True)).collect()
    if isinstance(d, Highest_):
        return highest(d, fact, recs, on)
    assert isinstance(d, (Count_, Sum_, Any_))
    return events(d, recs, spec.kinds[d.record].shape, on)


def facts_columns(
    tables: Mapping[str, pl.DataFrame], *, on: date, spec: RecordSpec,
    applicants: pl.DataFrame | None = None, kinds: Iterable[str] | None = None,
    row_column: str | None = None,
) -> ColumnFacts:
    """Records in long tables → facts: `_engine.facts_for` for every applicant at once.

    `tables` maps each record kind to its table (a kind not in `spec` has every row
    refused); `applicants` (with `applicant_id` and `birth_date`), when given, lists the
    applicants (one facts row each; records of others are refused); otherwise the applicants
    are those the records name. A fact is derived when every kind it reads is in `kinds`
    (default: the kinds of `tables`). `row_column` names the column of each table that holds
    its row numbers in the file (else rows count from 1).
    """
    problems: list[pl.DataFrame] = []
    valid: dict[str, pl.DataFrame] = {}
    read: dict[str, int] = {}
    for kind, frame in tables.items():
        read[kind] = frame.height
        kspec = spec.kinds.get(kind)
        if kspec is None:
            problems.append(unknown_kind(kind, frame, row_column))
            continue
        ok, bad = check_kind(kind, kspec, frame, applicants=applicants,
                             row_column=row_column)
        valid[kind] = ok
        problems.append(bad)
    use = [k for k in (tables if kinds is None else kinds) if k in spec.kinds]
    for k in use:
        if k not in valid:
            valid[k] = _empty(spec, k)
    faults = [_overlaps(spec, valid)]
    if applicants is not None:
        ids = applicants.select(AID)
    else:
        seen = [v.select(AID) for v in valid.values()]
        ids = pl.concat(seen).unique(maintain_order=True) if seen else \
            pl.DataFrame(schema={AID: pl.String})
    keys = ids.unique(AID, keep="first").with_row_index(KEY)
    keyed = {k: v.join(keys, on=AID, how="inner") for k, v in valid.items()}
    facts = ids.join(keys, on=AID, how="left", maintain_order="left")
    derived = derivable(spec, use)
    for fact in derived:
        got = derive_column(spec, fact, keyed, on)
        dtype = _dtype(fact)
        default = _default(fact, spec.facts[fact])
        lit = pl.lit(str(default)).cast(dtype) if isinstance(default, Decimal) else \
            pl.lit(default, dtype=dtype)
        facts = facts.join(got.select(KEY, pl.col("value").cast(dtype).alias(fact)), on=KEY,
                           how="left", maintain_order="left").with_columns(
            pl.col(fact).fill_null(lit))
        hi = FACTS[fact].maximum
        if hi is not None and FACTS[fact].kind in ("int", "decimal"):
            over = facts.filter(pl.col(fact) > hi)
            if over.height:
                faults.append(over.select(
                    row=pl.lit(None, dtype=pl.Int64), record_id=pl.lit(""),
                    kind=pl.lit(None, dtype=pl.String), applicant_id=AID,
                    field=pl.lit(fact), value=pl.col(fact).cast(pl.String),
                    reason=pl.lit(Reason.fact_above(fact, hi))))
    rejects = pl.concat([p.cast(PROBLEM_SCHEMA) for p in problems]) if problems else \
        pl.DataFrame(schema=PROBLEM_SCHEMA)
    owners = [v.select(AID) for k, v in valid.items() if k in tables]
    per_applicant = (pl.concat(owners).group_by(AID).agg(records=pl.len()) if owners else
                     pl.DataFrame(schema={AID: pl.String, "records": pl.UInt32}))
    return ColumnFacts(
        per_applicant=per_applicant,
        facts=facts.drop(KEY), rejects=rejects,
        faults=pl.concat([f.cast(PROBLEM_SCHEMA) for f in faults]),
        derived=tuple(derived), records_read=read,
        records_valid={k: v.height for k, v in valid.items() if k in tables})


def _empty(spec: RecordSpec, kind: str) -> pl.DataFrame:
    ok, _ = check_kind(kind, spec.kinds[kind], pl.DataFrame())
    return ok


def _overlaps(spec: RecordSpec, valid: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    out = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    for kind, kspec in spec.kinds.items():
        if kspec.overlap is None or kind not in valid:
            continue
        key = kspec.overlap.key
        end = pl.col("end").fill_null(date.max)
        f = valid[kind].sort(AID, key, "start", end, "record_id")
        grp = [AID, key]
        f = f.with_columns(_reach=end.cum_max().shift(1).over(grp))
        new_max = pl.col("_reach").is_null() | (end > pl.col("_reach"))
        f = f.with_columns(_new=new_max)
        f = f.with_columns(_by=pl.when(pl.col("_new")).then(pl.col("record_id"))
                           .forward_fill().shift(1).over(grp))
        bad = f.filter(pl.col("start") <= pl.col("_reach"))
        out.append(bad.select(
            "row", "record_id", kind=pl.lit(kind), applicant_id=AID, field=pl.lit(key),
            value=pl.col(key).cast(pl.String),
            reason=pl.lit("overlaps record ") + pl.col("_by") + pl.lit(f" with the same {key}")
        ).cast(PROBLEM_SCHEMA))
    return pl.concat(out)
