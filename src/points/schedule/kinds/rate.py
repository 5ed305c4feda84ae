"""`rate`: points per full `per` units of a number, or pro rata; with a cap and vesting."""

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
    bits_for,
    bound,
    bound_column,
    bound_source,
    cap_text,
    den_column,
    fact_value,
    facts_of_kind,
    huge,
    int_fact,
    never_negative,
    num_column,
    number,
    per_text,
    ratio,
    register,
    round_div,
    round_div_column,
    unit_of,
    units_column,
    units_fn,
    whole,
)

__all__ = ["Rate", "RateRule"]

if TYPE_CHECKING:
    import polars as pl
    from hypothesis import strategies as st


class RateRule(FactorBase):
    """`rate` points per full `per` units of the fact (or pro rata when `whole = false`)."""

    rule: Literal["rate"]
    rate: Points
    per: Decimal = Field(default=Decimal(1), gt=0)
    cap: Points | None = Field(default=None, ge=0)
    whole: bool = True
    min_units: int = Field(default=0, ge=0,
                           description="Units needed before any count (vesting).")


def _int_rate(rate: int, per: int, cap: int | None) -> RuleFn:
    """The fast path of a non-negative rate on a non-negative integer fact."""
    if cap is None:
        if per == 1:
            return lambda v: (rate * v, False)
        return lambda v: (rate * (v // per), False)

    def capped(v: int) -> tuple[int, bool]:
        ticks = rate * (v // per)
        return (cap, True) if ticks > cap else (ticks, False)
    return capped


@register
class Rate(RuleKind):
    """The `rate` rule kind: see `RateRule`."""

    name = "rate"
    spec = RateRule
    fact_kinds = NUMERIC

    @classmethod
    def check(cls, spec: RateRule, path: Path, sign: int, precision: Decimal
              ) -> Iterator[Problem]:
        yield from huge((*path, "per"), spec.per)
        yield from amount((*path, "rate"), spec.rate, precision, sign)
        if spec.cap is not None:
            yield from amount((*path, "cap"), spec.cap, precision, sign, signed=False)

    @classmethod
    def record(cls, spec: RateRule, arith: Arith, sign: int) -> RuleFn:
        rate, cap, per, min_units = arith.ticks(spec.rate), arith.ticks(spec.cap), spec.per, \
            spec.min_units
        assert rate is not None
        if spec.whole and sign > 0 and not min_units and int_fact(spec.fact) \
                and never_negative(spec.fact) and per == per.to_integral_value():
            return _int_rate(rate, int(per), cap)
        if spec.whole:
            units_of = units_fn(spec.fact, per)

            def rate_whole(v: Any) -> tuple[int, bool]:
                units = units_of(v)
                if units < min_units:
                    return 0, False
                return bound(rate * units, cap, sign)
            return rate_whole
        pn, pd = ratio(per)
        rounding = arith.rounding

        def rate_pro_rata(v: Any) -> tuple[int, bool]:
            if not v:
                return 0, False
            x = v if isinstance(v, Fraction) else Fraction(v)
            n, d = x.numerator * pd, x.denominator * pn  # units = n / d
            if n < min_units * d:
                return 0, False
            return bound(round_div(rate * n, d, rounding), cap, sign)
        return rate_pro_rata

    @classmethod
    def source(cls, spec: RateRule, arith: Arith, sign: int, args: tuple[str, ...], out: str,
               hit: str, const: Const) -> list[str] | None:
        """Whole units of a whole-number fact by a whole `per`: `units = v // per`, then
        vesting and `bound` (pro rata and other facts keep `record`'s function)."""
        per = spec.per
        if not spec.whole or not int_fact(spec.fact) or per != per.to_integral_value():
            return None
        rate, cap, min_units = arith.ticks(spec.rate), arith.ticks(spec.cap), spec.min_units
        assert rate is not None
        (v,) = args
        units = v if per == 1 else f"{v} // {whole(int(per))}"
        # as `record`, on any whole number: its fast path (`_int_rate`) neither tests the
        # units nor clamps; otherwise units below `min_units` (>= 0) score 0, and past it a
        # rate on the rule's side of zero needs no clamp
        if sign > 0 and not min_units and never_negative(spec.fact):
            return [f"{out} = {whole(rate)} * ({units})",
                    *bound_source(out, hit, cap, sign, True)]
        return [f"{out} = {units}", f"if {out} < {whole(min_units)}:", f"    {out} = 0",
                f"    {hit} = False", "else:", f"    {out} = {whole(rate)} * {out}",
                *("    " + line for line in bound_source(out, hit, cap, sign, rate * sign >= 0))]

    @classmethod
    def column(cls, spec: RateRule, arith: Arith, sign: int,
               facts: tuple[FactColumn, ...]) -> pl.Expr:
        import polars as pl

        (fact,) = facts
        rate, cap, min_units = arith.ticks(spec.rate), arith.ticks(spec.cap), spec.min_units
        assert rate is not None
        pn, pd = ratio(spec.per)
        nonneg = fact.nonneg and rate >= 0
        if spec.whole:
            units, _ = units_column(fact, spec.per, Decimal(0), rate)
            out = bound_column(units * rate, cap, sign, nonneg)
            if min_units:
                out = pl.when(units < min_units).then(0).otherwise(out)
            return out.cast(pl.Int64)
        # pro rata: units = value / per = num*pd / (den*pn); ticks = round(rate * units)
        bits = bits_for(fact, pd, pn, rate)
        num = num_column(fact, bits) * pd
        den = den_column(fact, bits) * pn
        out = bound_column(round_div_column(num * rate, den, arith.rounding), cap, sign, nonneg)
        if min_units:
            out = pl.when(num < den * min_units).then(0).otherwise(out)
        return out.cast(pl.Int64)

    @classmethod
    def describe(cls, spec: RateRule, lang: str) -> str:
        zh = lang == "zh"
        unit = unit_of(spec.fact)
        if spec.whole:
            text = (f"{per_text(spec.per, unit, 'zh')}计{number(spec.rate)}分" if zh
                    else f"{number(spec.rate)} {per_text(spec.per, unit, 'en')}")
        else:
            text = (f"每{number(spec.per)}单位计{number(spec.rate)}分（按比例）" if zh
                    else f"{number(spec.rate)} per {number(spec.per)} (pro rata)")
        if spec.min_units:
            text += (f"，满{spec.min_units}个单位后计分" if zh
                     else f", counted from {spec.min_units} units on")
        return text + cap_text(spec.cap, lang)

    @classmethod
    def cuts(cls, spec: RateRule, multiples: int) -> dict[str, set[Any]]:
        cuts: set[Any] = {Decimal(0)}
        rate = abs(Fraction(spec.rate))
        cap = None if spec.cap is None else Fraction(spec.cap)
        if not spec.whole:
            if cap is not None and rate:
                cuts.add(cap / rate * Fraction(spec.per))
        else:
            k_max = multiples
            if cap is not None and rate:
                k_max = min(math.ceil(cap / rate) + 1, 10 * multiples)
            cuts |= {k * Fraction(spec.per) for k in range(k_max + 1)}
        if spec.min_units:
            cuts.add(spec.min_units * Fraction(spec.per))
        return {spec.fact: cuts}

    @classmethod
    def cliffs(cls, spec: RateRule, fn: RuleFn, step: Any, scale: int
               ) -> list[tuple[Any, Any]]:
        if not spec.min_units:
            return []
        info = vocabulary()[spec.fact]
        v = fact_value(info, spec.min_units * Fraction(spec.per))
        if fn(v)[0] - fn(v - step)[0] and (spec.min_units > 1 or not spec.whole):
            return [(v, max(fact_value(info, spec.per), step))]
        return []

    @classmethod
    def line_cap(cls, spec: RateRule) -> Decimal | None:
        return spec.cap

    @classmethod
    def strategy(cls, unit: Decimal, sign: int) -> st.SearchStrategy[dict[str, Any]]:
        from hypothesis import strategies as st

        @st.composite
        def specs(draw: st.DrawFn) -> dict[str, Any]:
            fact = draw(st.sampled_from(facts_of_kind(*NUMERIC)))
            out = {"rule": "rate", "fact": fact, "rate": draw(amounts(unit, sign=sign)),
                   "per": draw(st.sampled_from(PERS[vocabulary()[fact].kind])),
                   "whole": draw(st.booleans()), "min_units": draw(st.integers(0, 3))}
            if (c := draw(st.none() | amounts(unit))) is not None:
                out["cap"] = c
            return out
        return specs()
