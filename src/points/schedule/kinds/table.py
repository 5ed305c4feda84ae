"""`table`: points looked up by two facts at once, a row fact and a column fact (`by`).

Written for policies whose points for one thing depend on another: age points that differ
with and without an accompanying spouse, education points by level of language ability.
Both facts are levels or true/false; a cell not listed scores zero.

```toml
[factors.age_by_spouse]
rule = "table"
fact = "education"            # the rows
by = "has_local_relative"     # the columns: for a true/false fact, "true" and "false"
points = { bachelor_degree = { true = 10, false = 15 }, master = { false = 20 } }
```
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ...facts import vocabulary
from .._base import FactorBase, Points
from ._base import (
    Arith,
    Const,
    FactColumn,
    Path,
    Problem,
    RuleFn,
    RuleKind,
    amount,
    amounts,
    facts_of_kind,
    number,
    register,
)

__all__ = ["Table", "TableRule", "cells", "values_of"]

if TYPE_CHECKING:
    import polars as pl
    from hypothesis import strategies as st

_KINDS = ("level", "bool")


class TableRule(FactorBase):
    """Points by the values of two facts: `points[row][column]`, zero where not listed."""

    rule: Literal["table"]
    by: str = Field(description="The column fact (a level or true/false fact).")
    points: dict[str, dict[str, Points]] = Field(min_length=1)


def values_of(fact: str) -> tuple[Any, ...]:
    """A table fact's values in column order: its levels, or (False, True)."""
    info = vocabulary()[fact]
    return (False, True) if info.kind == "bool" else info.levels


def _key(fact: str, value: Any) -> str:
    """How a value is written as a TOML key."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cells(spec: TableRule, arith: Arith) -> dict[tuple[Any, Any], int]:
    """Ticks for every (row value, column value), zero where the table lists nothing."""
    out: dict[tuple[Any, Any], int] = {}
    for r in values_of(spec.fact):
        row = spec.points.get(_key(spec.fact, r), {})
        for c in values_of(spec.by):
            out[r, c] = arith.ticks(row.get(_key(spec.by, c), Decimal(0))) or 0
    return out


@register
class Table(RuleKind):
    """The `table` rule kind: see `TableRule`."""

    name = "table"
    spec = TableRule
    fact_kinds = _KINDS

    @classmethod
    def facts(cls, spec: TableRule) -> tuple[str, ...]:
        return (spec.fact, spec.by)

    @classmethod
    def check(cls, spec: TableRule, path: Path, sign: int, precision: Decimal
              ) -> Iterator[Problem]:
        by = vocabulary().get(spec.by)
        if by is None:
            yield (*path, "by"), "unknown fact", spec.by
        elif by.kind not in _KINDS:
            yield (*path, "by"), f"rule 'table' needs a level or bool fact, not a {by.kind} " \
                "fact", spec.by
        elif spec.by == spec.fact:
            yield (*path, "by"), "a table's two facts must differ", spec.by
        row_info = vocabulary().get(spec.fact)
        rows = None if row_info is None or row_info.kind not in _KINDS else \
            {_key(spec.fact, v) for v in values_of(spec.fact)}
        cols = None if by is None or by.kind not in _KINDS else \
            {_key(spec.by, v) for v in values_of(spec.by)}
        for r, row in spec.points.items():
            if rows is not None and r not in rows:
                yield (*path, "points", r), f"not a value of {spec.fact} " \
                    f"({', '.join(sorted(rows))})", r
            for c, pts in row.items():
                if cols is not None and c not in cols:
                    yield (*path, "points", r, c), f"not a value of {spec.by} " \
                        f"({', '.join(sorted(cols))})", c
                yield from amount((*path, "points", r, c), pts, precision, sign)

    @classmethod
    def record(cls, spec: TableRule, arith: Arith, sign: int) -> RuleFn:
        table = cells(spec, arith)
        return lambda row, col: (table.get((row, col), 0), False)

    @classmethod
    def source(cls, spec: TableRule, arith: Arith, sign: int, args: tuple[str, ...], out: str,
               hit: str, const: Const) -> list[str] | None:
        """The cell's ticks looked up by both values (the table held in the closure)."""
        table = cells(spec, arith)
        row, col = args
        if not any(table.values()):
            return [f"{out} = 0", f"{hit} = False"]
        return [f"{out} = {const(table.get)}(({row}, {col}), 0)", f"{hit} = False"]

    @classmethod
    def column(cls, spec: TableRule, arith: Arith, sign: int,
               facts: tuple[FactColumn, ...]) -> pl.Expr:
        import polars as pl

        rows, cols = values_of(spec.fact), values_of(spec.by)
        table = cells(spec, arith)
        if not any(table.values()):
            return pl.lit(0, pl.Int64)

        def index(fact: FactColumn, name: str) -> pl.Expr:
            # a level is an Enum whose physical value is its index; a flag is 0 or 1
            if vocabulary()[name].kind == "bool":
                return fact.num.cast(pl.UInt32)
            return fact.num.to_physical().cast(pl.UInt32)

        flat = pl.Series([table[r, c] for r in rows for c in cols], dtype=pl.Int64)
        at = index(facts[0], spec.fact) * len(cols) + index(facts[1], spec.by)
        return pl.lit(flat).gather(at).fill_null(0)

    @classmethod
    def describe(cls, spec: TableRule, lang: str) -> str:
        zh = lang == "zh"

        def name(fact: str, key: str) -> str:
            info = vocabulary().get(fact)
            if info is None:
                return key
            if info.kind == "bool":
                yes = key == "true"
                label = info.zh if zh else info.en
                return (f"{label}：{'是' if yes else '否'}" if zh
                        else f"{label}: {'yes' if yes else 'no'}")
            names = info.level_labels
            return names.get(key, (key, key))[0 if zh else 1]

        parts = [f"{name(spec.fact, r)}，{name(spec.by, c)} {number(v)}" if zh
                 else f"{name(spec.fact, r)}, {name(spec.by, c)}: {number(v)}"
                 for r, row in spec.points.items() for c, v in row.items()]
        return ("；" if zh else "; ").join(parts)

    @classmethod
    def cuts(cls, spec: TableRule, multiples: int) -> dict[str, set[Any]]:
        return {spec.fact: set(values_of(spec.fact)), spec.by: set(values_of(spec.by))}

    @classmethod
    def cliffs(cls, spec: TableRule, fn: RuleFn, step: Any, scale: int
               ) -> list[tuple[Any, Any]]:
        return []  # levels and flags have no numeric step

    @classmethod
    def line_cap(cls, spec: TableRule) -> Decimal | None:
        return None

    @classmethod
    def strategy(cls, unit: Decimal, sign: int) -> st.SearchStrategy[dict[str, Any]]:
        from hypothesis import strategies as st

        choices = [n for n in facts_of_kind(*_KINDS) if n != "sex"]

        @st.composite
        def specs(draw: st.DrawFn) -> dict[str, Any]:
            fact, by = draw(st.lists(st.sampled_from(choices), min_size=2, max_size=2,
                                     unique=True))
            rows = draw(st.lists(st.sampled_from(values_of(fact)), min_size=1, unique=True))
            points = {}
            for r in rows:
                cs = draw(st.lists(st.sampled_from(values_of(by)), min_size=1, unique=True))
                points[_key(fact, r)] = {_key(by, c): draw(amounts(unit, sign=sign))
                                         for c in cs}
            return {"rule": "table", "fact": fact, "by": by, "points": points}
        return specs()
