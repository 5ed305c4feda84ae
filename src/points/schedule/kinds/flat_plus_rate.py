"""`flat_plus_rate`: from `start` on, `flat` points plus `rate` per full unit beyond it."""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ...facts import vocabulary
from .._base import FactorBase, Points
from ._base import (
    NUMERIC,
    PERS,
    Arith,
    Const,
    FactColumn,
    Path,
    Problem,
    RuleFn,
    RuleKind,
    amount,
    amounts,
    bound,
    bound_column,
    bound_source,
    compare_column,
    fact_value,
    facts_of_kind,
    huge,
    int_fact,
    number,
    per_text,
    register,
    unit_of,
    units_column,
    units_fn,
    whole,
)

__all__ = ["FlatPlusRate", "FlatPlusRateRule"]

if TYPE_CHECKING:
    import polars as pl
    from hypothesis import strategies as st


class FlatPlusRateRule(FactorBase):
    """From `start` on: `flat`, plus `rate` per full `per` units beyond `start`, capped."""

    rule: Literal["flat_plus_rate"]
    flat: Points
    rate: Points
    per: Decimal = Field(default=Decimal(1), gt=0)
    start: Decimal = Decimal(0)
    cap: Points | None = Field(default=None, ge=0, description="Cap on the increment.")


@register
class FlatPlusRate(RuleKind):
    """The `flat_plus_rate` rule kind: see `FlatPlusRateRule`."""

    name = "flat_plus_rate"
    spec = FlatPlusRateRule
    fact_kinds = NUMERIC

    @classmethod
    def check(cls, spec: FlatPlusRateRule, path: Path, sign: int, precision: Decimal
              ) -> Iterator[Problem]:
        yield from huge((*path, "per"), spec.per)
        yield from huge((*path, "start"), spec.start)
        yield from amount((*path, "flat"), spec.flat, precision, sign)
        yield from amount((*path, "rate"), spec.rate, precision, sign)
        if spec.cap is not None:
            yield from amount((*path, "cap"), spec.cap, precision, sign, signed=False)

    @classmethod
    def record(cls, spec: FlatPlusRateRule, arith: Arith, sign: int) -> RuleFn:
        flat, cap, rate = arith.ticks(spec.flat), arith.ticks(spec.cap), arith.ticks(spec.rate)
        assert flat is not None and rate is not None
        units_of = units_fn(spec.fact, spec.per, spec.start)
        start: Any = spec.start
        if int_fact(spec.fact) and start == start.to_integral_value():
            start = int(start)

        def flat_plus_rate(v: Any) -> tuple[int, bool]:
            if v < start:
                return 0, False
            inc, hit = bound(rate * units_of(v), cap, sign)
            return flat + inc, hit
        return flat_plus_rate

    @classmethod
    def source(cls, spec: FlatPlusRateRule, arith: Arith, sign: int, args: tuple[str, ...],
               out: str, hit: str, const: Const) -> list[str] | None:
        """Below `start` 0; from it, `flat` plus the bounded increment (a whole-number fact,
        whole `start` and `per`; otherwise `record`'s function)."""
        start, per = spec.start, spec.per
        if not int_fact(spec.fact) or start != start.to_integral_value() \
                or per != per.to_integral_value():
            return None
        flat, cap, rate = arith.ticks(spec.flat), arith.ticks(spec.cap), arith.ticks(spec.rate)
        assert flat is not None and rate is not None
        (v,) = args
        s, p = int(start), int(per)
        units = v if not s else f"({v} - {whole(s)})"
        if p != 1:
            units = f"{units} // {whole(p)}"
        # from `start` on the units are never negative: the rate's sign decides the clamp
        inc = bound_source(out, hit, cap, sign, rate * sign >= 0)
        if flat:
            inc.append(f"{out} += {whole(flat)}")
        return [f"if {v} < {whole(s)}:", f"    {out} = 0", f"    {hit} = False", "else:",
                f"    {out} = {whole(rate)} * ({units})", *("    " + x for x in inc)]

    @classmethod
    def column(cls, spec: FlatPlusRateRule, arith: Arith, sign: int,
               facts: tuple[FactColumn, ...]) -> pl.Expr:
        import polars as pl

        (fact,) = facts
        flat, cap, rate = arith.ticks(spec.flat), arith.ticks(spec.cap), arith.ticks(spec.rate)
        assert flat is not None and rate is not None
        units, _ = units_column(fact, spec.per, spec.start, rate, 2)
        # below `start` the units are negative, but those rows score 0 anyway
        inc = bound_column(units * rate, cap, sign, fact.nonneg and rate >= 0)
        return (pl.when(compare_column(fact, "lt", spec.start)).then(0)
                .otherwise(inc.cast(pl.Int64) + flat))

    @classmethod
    def describe(cls, spec: FlatPlusRateRule, lang: str) -> str:
        unit = unit_of(spec.fact)
        if lang == "zh":
            text = (f"满{number(spec.start)}起计{number(spec.flat)}分，另"
                    f"{per_text(spec.per, unit, 'zh')}加{number(spec.rate)}分")
            return text + ("" if spec.cap is None else f"，加分最高{number(spec.cap)}分")
        text = (f"{number(spec.flat)} from {number(spec.start)}, plus {number(spec.rate)} "
                f"{per_text(spec.per, unit, 'en')} beyond")
        return text + ("" if spec.cap is None else f", extra capped at {number(spec.cap)}")

    @classmethod
    def cuts(cls, spec: FlatPlusRateRule, multiples: int) -> dict[str, set[Any]]:
        start = Fraction(spec.start)
        rate = abs(Fraction(spec.rate))
        k_max = multiples
        if spec.cap is not None and rate:
            k_max = min(math.ceil(Fraction(spec.cap) / rate) + 1, 10 * multiples)
        cuts: set[Any] = {spec.start}
        cuts |= {start + k * Fraction(spec.per) for k in range(k_max + 1)}
        return {spec.fact: cuts}

    @classmethod
    def cliffs(cls, spec: FlatPlusRateRule, fn: RuleFn, step: Any, scale: int
               ) -> list[tuple[Any, Any]]:
        if not spec.flat:
            return []
        info = vocabulary()[spec.fact]
        v = fact_value(info, spec.start)
        if fn(v)[0] - fn(v - step)[0]:
            return [(v, max(fact_value(info, spec.per), step))]
        return []

    @classmethod
    def line_cap(cls, spec: FlatPlusRateRule) -> Decimal | None:
        return None if spec.cap is None else abs(spec.flat) + spec.cap

    @classmethod
    def strategy(cls, unit: Decimal, sign: int) -> st.SearchStrategy[dict[str, Any]]:
        from hypothesis import strategies as st

        @st.composite
        def specs(draw: st.DrawFn) -> dict[str, Any]:
            fact = draw(st.sampled_from(facts_of_kind(*NUMERIC)))
            out = {"rule": "flat_plus_rate", "fact": fact,
                   "flat": draw(amounts(unit, sign=sign)), "rate": draw(amounts(unit, sign=sign)),
                   "per": draw(st.sampled_from(PERS[vocabulary()[fact].kind])),
                   "start": draw(st.integers(0, 24))}
            if (c := draw(st.none() | amounts(unit))) is not None:
                out["cap"] = c
            return out
        return specs()
