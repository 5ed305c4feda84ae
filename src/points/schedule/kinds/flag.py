"""`flag`: points when a true/false fact is true."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

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
    whole,
)

__all__ = ["Flag", "FlagRule"]

if TYPE_CHECKING:
    import polars as pl
    from hypothesis import strategies as st


class FlagRule(FactorBase):
    """`points` when a true/false fact is true."""

    rule: Literal["flag"]
    points: Points


@register
class Flag(RuleKind):
    """The `flag` rule kind: see `FlagRule`."""

    name = "flag"
    spec = FlagRule
    fact_kinds = ("bool",)

    @classmethod
    def check(cls, spec: FlagRule, path: Path, sign: int, precision: Decimal
              ) -> Iterator[Problem]:
        yield from amount((*path, "points"), spec.points, precision, sign)

    @classmethod
    def record(cls, spec: FlagRule, arith: Arith, sign: int) -> RuleFn:
        pts = arith.tick(spec.points)
        return lambda v: (pts, False) if v else (0, False)

    @classmethod
    def source(cls, spec: FlagRule, arith: Arith, sign: int, args: tuple[str, ...], out: str,
               hit: str, const: Const) -> list[str] | None:
        (v,) = args
        return [f"{out} = {whole(arith.tick(spec.points))} if {v} else 0", f"{hit} = False"]

    @classmethod
    def column(cls, spec: FlagRule, arith: Arith, sign: int,
               facts: tuple[FactColumn, ...]) -> pl.Expr:
        import polars as pl

        (fact,) = facts
        return pl.when(fact.num).then(pl.lit(arith.ticks(spec.points), pl.Int64)).otherwise(0)

    @classmethod
    def describe(cls, spec: FlagRule, lang: str) -> str:
        return f"符合计{number(spec.points)}分" if lang == "zh" \
            else f"{number(spec.points)} if true"

    @classmethod
    def cuts(cls, spec: FlagRule, multiples: int) -> dict[str, set[Any]]:
        return {spec.fact: {False, True}}

    @classmethod
    def cliffs(cls, spec: FlagRule, fn: RuleFn, step: Any, scale: int
               ) -> list[tuple[Any, Any]]:
        return []  # a flag has no numeric step

    @classmethod
    def line_cap(cls, spec: FlagRule) -> Decimal | None:
        return None

    @classmethod
    def strategy(cls, unit: Decimal, sign: int) -> st.SearchStrategy[dict[str, Any]]:
        from hypothesis import strategies as st

        return st.fixed_dictionaries({
            "rule": st.just("flag"), "fact": st.sampled_from(facts_of_kind("bool")),
            "points": amounts(unit, sign=sign)})
