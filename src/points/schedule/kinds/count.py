"""`count`: points for each event counted in a look-back window, capped."""

from __future__ import annotations

import math
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
    bits_for,
    bound,
    bound_column,
    bound_source,
    cap_text,
    facts_of_kind,
    never_negative,
    num_column,
    number,
    register,
    whole,
)

__all__ = ["Count", "CountRule"]

if TYPE_CHECKING:
    import polars as pl
    from hypothesis import strategies as st


class CountRule(FactorBase):
    """`each` per event counted in the look-back window, capped."""

    rule: Literal["count"]
    each: Points
    cap: Points | None = Field(default=None, ge=0)
    window_years: int | None = Field(default=None, gt=0)


@register
class Count(RuleKind):
    """The `count` rule kind: see `CountRule`."""

    name = "count"
    spec = CountRule
    fact_kinds = ("int",)

    @classmethod
    def check(cls, spec: CountRule, path: Path, sign: int, precision: Decimal
              ) -> Iterator[Problem]:
        yield from amount((*path, "each"), spec.each, precision, sign)
        if spec.cap is not None:
            yield from amount((*path, "cap"), spec.cap, precision, sign, signed=False)
        info = vocabulary().get(spec.fact)
        if spec.window_years is not None and info is not None and \
                info.window_years != spec.window_years:
            yield ((*path, "window_years"),
                   f"fact {spec.fact!r} counts a {info.window_years or 'no'}-year window",
                   spec.window_years)

    @classmethod
    def record(cls, spec: CountRule, arith: Arith, sign: int) -> RuleFn:
        each, cap = arith.ticks(spec.each), arith.ticks(spec.cap)
        assert each is not None
        if sign > 0 and never_negative(spec.fact):
            if cap is None:
                return lambda v: (each * v, False)

            def capped(v: int) -> tuple[int, bool]:
                ticks = each * v
                return (cap, True) if ticks > cap else (ticks, False)
            return capped
        return lambda v: bound(each * v, cap, sign)

    @classmethod
    def source(cls, spec: CountRule, arith: Arith, sign: int, args: tuple[str, ...], out: str,
               hit: str, const: Const) -> list[str] | None:
        """`each * v`, then `bound`."""
        each, cap = arith.ticks(spec.each), arith.ticks(spec.cap)
        assert each is not None
        (v,) = args
        # as `record` (on any whole number): only a factor on a count that cannot be
        # negative is not clamped
        signed = sign > 0 and never_negative(spec.fact)
        return [f"{out} = {whole(each)} * {v}", *bound_source(out, hit, cap, sign, signed)]

    @classmethod
    def column(cls, spec: CountRule, arith: Arith, sign: int,
               facts: tuple[FactColumn, ...]) -> pl.Expr:
        import polars as pl

        (fact,) = facts
        each, cap = arith.ticks(spec.each), arith.ticks(spec.cap)
        assert each is not None
        ticks = num_column(fact, bits_for(fact, each)) * each
        return bound_column(ticks, cap, sign, fact.nonneg and each >= 0).cast(pl.Int64)

    @classmethod
    def describe(cls, spec: CountRule, lang: str) -> str:
        zh = lang == "zh"
        window = ""
        if spec.window_years:
            window = f"近{spec.window_years}年" if zh else f" in the last {spec.window_years} years"
        text = f"{window}每次{number(spec.each)}分" if zh else f"{number(spec.each)} each{window}"
        return text + cap_text(spec.cap, lang)

    @classmethod
    def cuts(cls, spec: CountRule, multiples: int) -> dict[str, set[Any]]:
        k_max = multiples
        if spec.cap is not None and spec.each:
            k_max = min(math.ceil(abs(spec.cap / spec.each)) + 1, 10 * multiples)
        return {spec.fact: set(range(k_max + 1))}

    @classmethod
    def cliffs(cls, spec: CountRule, fn: RuleFn, step: Any, scale: int
               ) -> list[tuple[Any, Any]]:
        return []  # every event is worth the same

    @classmethod
    def line_cap(cls, spec: CountRule) -> Decimal | None:
        return spec.cap

    @classmethod
    def strategy(cls, unit: Decimal, sign: int) -> st.SearchStrategy[dict[str, Any]]:
        from hypothesis import strategies as st

        @st.composite
        def specs(draw: st.DrawFn) -> dict[str, Any]:
            out = {"rule": "count", "fact": draw(st.sampled_from(facts_of_kind("int"))),
                   "each": draw(amounts(unit, sign=sign))}
            if (c := draw(st.none() | amounts(unit))) is not None:
                out["cap"] = c
            return out
        return specs()
