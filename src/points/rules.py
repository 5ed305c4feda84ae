"""The rule kinds: what each one means, in words and as exact integer arithmetic.

Points are computed in *ticks*, whole multiples of the schedule's precision (0.01 → one
tick is 0.01 points), so every sum is an exact integer and the batch engine can use the same
integer arithmetic on columns. Only a pro-rata rate (`whole = false`, e.g. 20 ÷ inventors)
needs rounding, once per line, with the schedule's rounding mode.

A factor never scores below zero and a deduction never above it; caps bound the magnitude.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from .applicant import FACTS, LEVELS
from .schedule.model import (
    BandsRule,
    CountRule,
    FlagRule,
    FlatPlusRateRule,
    LevelsRule,
    RateRule,
)

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "FactColumn",
    "RuleFn",
    "column_rule",
    "compare_column",
    "compile_rule",
    "describe_rule",
    "round_div",
    "round_div_column",
    "to_ticks",
]

#: value of the fact → (ticks, cap hit)
RuleFn = Callable[[Any], tuple[int, bool]]
AnyRule = RateRule | LevelsRule | BandsRule | FlagRule | FlatPlusRateRule | CountRule


def to_ticks(value: Decimal, scale: int) -> int:
    """`value` in ticks of 1/scale points (exact; the loader checked it is a multiple)."""
    t = value * scale
    if t != t.to_integral_value():
        raise ValueError(f"{value} is finer than 1/{scale}")
    return int(t)


def round_div(n: int, d: int, mode: str) -> int:
    """Round n / d (d > 0) to an integer by the schedule's rounding mode."""
    if d == 1:
        return n
    q, r = divmod(n, d)  # floor division: 0 <= r < d
    if r == 0:  # exact (n and d need not be in lowest terms)
        return q
    if mode == "down":  # towards zero
        return q if n >= 0 else q + 1
    if mode == "up":  # away from zero
        return q + 1 if n >= 0 else q
    twice = 2 * r
    if twice > d:
        return q + 1
    if twice < d:
        return q
    if mode == "half_even":
        return q if q % 2 == 0 else q + 1
    return q + 1 if n >= 0 else q  # half_up: halves away from zero


def _units(value: Any, per: Decimal, start: Decimal = Decimal(0)) -> int:
    """Full `per`-sized units in `value - start` (value >= start)."""
    if isinstance(value, int) and per == per.to_integral_value() \
            and start == start.to_integral_value():
        return (value - int(start)) // int(per)
    return int((Fraction(value) - Fraction(start)) // Fraction(per))


def _units_fn(fact: str, per: Decimal, start: Decimal = Decimal(0)) -> Callable[[Any], int]:
    """`_units` specialised for the fact's kind (the same result, faster)."""
    kind = FACTS[fact].kind if fact in FACTS else None
    whole = per == per.to_integral_value() and start == start.to_integral_value()
    if kind == "int" and whole:
        p, s = int(per), int(start)
        if s == 0:
            return lambda v: v // p
        return lambda v: (v - s) // p
    if kind == "decimal":
        return lambda v: int((v - start) // per)  # v >= start: truncation is the floor
    return lambda v: _units(v, per, start)


def _bound(ticks: int, cap: int | None, sign: int) -> tuple[int, bool]:
    if sign > 0:
        if ticks < 0:
            ticks = 0
        if cap is not None and ticks > cap:
            return cap, True
    else:
        if ticks > 0:
            ticks = 0
        if cap is not None and ticks < -cap:
            return -cap, True
    return ticks, False


def _int_fact(name: str) -> bool:
    info = FACTS.get(name)
    return info is not None and info.kind == "int"


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


def compile_rule(spec: AnyRule, scale: int, rounding: str, sign: int = 1) -> RuleFn:
    """The rule of `spec` as a function of the fact's value, in ticks."""
    def t(v: Decimal | None) -> int | None:
        return None if v is None else to_ticks(v, scale)

    if isinstance(spec, RateRule):
        rate, cap, per, min_units = to_ticks(spec.rate, scale), t(spec.cap), spec.per, \
            spec.min_units
        if spec.whole and sign > 0 and not min_units and _int_fact(spec.fact) \
                and per == per.to_integral_value():
            return _int_rate(rate, int(per), cap)
        if spec.whole:
            units_of = _units_fn(spec.fact, per)

            def rate_whole(v: Any) -> tuple[int, bool]:
                units = units_of(v)
                if units < min_units:
                    return 0, False
                return _bound(rate * units, cap, sign)
            return rate_whole
        pn, pd = Fraction(per).numerator, Fraction(per).denominator

        def rate_pro_rata(v: Any) -> tuple[int, bool]:
            if not v:
                return 0, False
            x = v if isinstance(v, Fraction) else Fraction(v)
            n, d = x.numerator * pd, x.denominator * pn  # units = n / d
            if n < min_units * d:
                return 0, False
            return _bound(round_div(rate * n, d, rounding), cap, sign)
        return rate_pro_rata

    if isinstance(spec, FlagRule):
        pts = t(spec.points)
        assert pts is not None
        return lambda v: (pts, False) if v else (0, False)

    if isinstance(spec, CountRule):
        each, cap = to_ticks(spec.each, scale), t(spec.cap)
        if sign > 0:
            return _int_rate(each, 1, cap)
        return lambda v: _bound(each * v, cap, sign)

    if isinstance(spec, FlatPlusRateRule):
        flat, cap = to_ticks(spec.flat, scale), t(spec.cap)
        rate = to_ticks(spec.rate, scale)
        per, start = spec.per, spec.start
        units_of = _units_fn(spec.fact, per, start)
        if FACTS.get(spec.fact) is not None and FACTS[spec.fact].kind == "int" \
                and start == start.to_integral_value():
            start = int(start)  # type: ignore[assignment]

        def flat_plus_rate(v: Any) -> tuple[int, bool]:
            if v < start:
                return 0, False
            inc, hit = _bound(rate * units_of(v), cap, sign)
            return flat + inc, hit
        return flat_plus_rate

    if isinstance(spec, LevelsRule):
        info = FACTS[spec.fact]
        listed = {k: to_ticks(v, scale) for k, v in spec.points.items()}
        table: dict[Any, int] = {}
        best = 0
        for level in info.levels:
            if spec.match == "exact":
                table[level] = listed.get(level, 0)
            else:
                best = listed.get(level, best)
                table[level] = best
        return lambda v: (table.get(v, 0), False)

    if isinstance(spec, BandsRule):
        kind = FACTS[spec.fact].kind if spec.fact in FACTS else None

        def bound(x: Decimal | None) -> Any:
            if x is None:
                return None
            if kind == "int" and x == x.to_integral_value():
                return int(x)  # int facts compare faster with int bounds
            if kind == "fraction":
                return Fraction(x)  # Fraction − Decimal is undefined; Fraction − Fraction is exact
            return x

        bands = [(bound(b.min), bound(b.below), to_ticks(b.points, scale),
                  to_ticks(b.slope, scale)) for b in spec.bands]

        def bands_fn(v: Any) -> tuple[int, bool]:
            for lo, below, pts, slope in bands:
                if v >= lo and (below is None or v < below):
                    if slope:
                        return _bound(pts + slope * int(v - lo), None, sign)
                    return pts, False
            return 0, False
        return bands_fn

    raise TypeError(f"unknown rule {spec!r}")  # pragma: no cover


# --- columns -----------------------------------------------------------------------------
# The batch engine (`points.batch`) runs the same rules on Polars columns. Each function here
# is the column twin of the scalar code above and keeps its meaning exactly: integer ticks,
# floor division for full units, the same rounding of pro-rata rates, the same bounds.
# Arithmetic is done in 32-bit integers when the fact's bounds prove it cannot overflow, else
# in 64 or 128 bits; every rule's result is an Int64 column of ticks. Polars is imported
# only when a column rule is built, so per-record scoring never needs it.


@attrs.frozen
class FactColumn:
    """A fact as a column, for `column_rule`.

    For numbers the value is exactly `num / den`, `den > 0`: an integer fact has `den = 1`,
    a decimal fact is an integer scaled by `den = 10**places`, a fraction has a denominator
    column. For flags `num` is the boolean column; for levels an `Enum` of the fact's levels
    in `FACTS` order. `top` bounds `abs(num)` (and `abs(den)` when it is a column) where
    known, to choose the integer width; `low` is a lower bound of `num` where known (0 for
    the facts of `Applicant`, which are never negative).
    """

    num: pl.Expr
    den: int | pl.Expr = 1
    top: int | None = None
    low: int | None = None

    @property
    def nonneg(self) -> bool:
        return self.low is not None and self.low >= 0


def _ratio(value: Decimal | int) -> tuple[int, int]:
    f = Fraction(value)
    return f.numerator, f.denominator


def _bits(fact: FactColumn, *factors: int) -> int:
    """The integer width in which `num` (or `den`) times `factors` cannot overflow."""
    if fact.top is None:
        return 128
    bound = fact.top
    for f in factors:
        bound *= max(abs(f), 1)
    if bound < 2**30:
        return 32
    return 64 if bound < 2**62 else 128


def _int(bits: int) -> Any:
    import polars as pl

    return {32: pl.Int32, 64: pl.Int64, 128: pl.Int128}[bits]


def _num(fact: FactColumn, bits: int) -> pl.Expr:
    return fact.num.cast(_int(bits))


def _den(fact: FactColumn, bits: int) -> int | pl.Expr:
    return fact.den if isinstance(fact.den, int) else fact.den.cast(_int(bits))


def _bound_column(ticks: pl.Expr, cap: int | None, sign: int, nonneg: bool = False) -> pl.Expr:
    """`_bound` on a column of ticks (without the cap flag); `nonneg`: ticks are never < 0."""
    import polars as pl

    if sign > 0:
        if not nonneg:
            ticks = pl.max_horizontal(ticks, 0)
        return ticks if cap is None else pl.min_horizontal(ticks, cap)
    ticks = pl.min_horizontal(ticks, 0)
    return ticks if cap is None else pl.max_horizontal(ticks, -cap)


def _units_column(fact: FactColumn, per: Decimal, start: Decimal = Decimal(0),
                  *more: int) -> tuple[pl.Expr, int]:
    """`_units`: full `per`-sized units in `value - start`, by floor division, and the width
    in which they may be multiplied by `more`."""
    pn, pd = _ratio(per)
    sn, sd = _ratio(start)
    # (num/den - sn/sd) / (pn/pd) = (num*sd*pd - sn*den*pd) / (den*sd*pn)
    bits = _bits(fact, sd * pd, abs(sn * pd) + 1, pn, *more)
    top = _num(fact, bits)
    if sd * pd != 1:
        top = top * (sd * pd)
    den = _den(fact, bits)
    if sn:
        top = top - den * (sn * pd)
    return top // (den * (sd * pn)), bits


def compare_column(fact: FactColumn, op: str, value: Decimal | int) -> pl.Expr:
    """`num / den <op> value`, exact (op: lt, le, gt, ge, eq, ne)."""
    vn, vd = _ratio(value)
    bits = _bits(fact, vd, abs(vn) + 1)
    left = _num(fact, bits)
    if vd != 1:
        left = left * vd
    right = _den(fact, bits) * vn
    return getattr(left, f"__{op}__")(right)  # type: ignore[no-any-return]


def round_div_column(n: pl.Expr, d: pl.Expr | int, mode: str) -> pl.Expr:
    """`round_div(n, d, mode)` on integer columns (d > 0): the same exact rounding."""
    import polars as pl

    q = n // d  # floor
    r = n - q * d  # 0 <= r < d
    if mode == "down":  # towards zero
        up = (r != 0) & (n < 0)
    elif mode == "up":  # away from zero
        up = (r != 0) & (n >= 0)
    else:
        twice = r * 2
        tie = (q % 2 != 0) if mode == "half_even" else (n >= 0)
        up = (twice > d) | ((twice == d) & tie)
    return q + up.cast(pl.Int32)


def column_rule(spec: AnyRule, scale: int, rounding: str, sign: int,
                fact: FactColumn) -> pl.Expr:
    """The rule of `spec` as a Polars expression of Int64 ticks: `compile_rule` on columns."""
    import polars as pl

    def t(v: Decimal | None) -> int | None:
        return None if v is None else to_ticks(v, scale)

    if isinstance(spec, RateRule):
        rate, cap, min_units = to_ticks(spec.rate, scale), t(spec.cap), spec.min_units
        pn, pd = _ratio(spec.per)
        nonneg = fact.nonneg and rate >= 0
        if spec.whole:
            units, _ = _units_column(fact, spec.per, Decimal(0), rate)
            out = _bound_column(units * rate, cap, sign, nonneg)
            if min_units:
                out = pl.when(units < min_units).then(0).otherwise(out)
            return out.cast(pl.Int64)
        # pro rata: units = value / per = num*pd / (den*pn); ticks = round(rate * units)
        bits = _bits(fact, pd, pn, rate)
        num = _num(fact, bits) * pd
        den = _den(fact, bits) * pn
        out = _bound_column(round_div_column(num * rate, den, rounding), cap, sign, nonneg)
        if min_units:
            out = pl.when(num < den * min_units).then(0).otherwise(out)
        return out.cast(pl.Int64)

    if isinstance(spec, FlagRule):
        return pl.when(fact.num).then(pl.lit(t(spec.points), pl.Int64)).otherwise(0)

    if isinstance(spec, CountRule):
        each, cap = to_ticks(spec.each, scale), t(spec.cap)
        ticks = _num(fact, _bits(fact, each)) * each
        return _bound_column(ticks, cap, sign, fact.nonneg and each >= 0).cast(pl.Int64)

    if isinstance(spec, FlatPlusRateRule):
        flat, cap, rate = to_ticks(spec.flat, scale), t(spec.cap), to_ticks(spec.rate, scale)
        units, _ = _units_column(fact, spec.per, spec.start, rate, 2)
        # below `start` the units are negative, but those rows score 0 anyway
        inc = _bound_column(units * rate, cap, sign, fact.nonneg and rate >= 0)
        return (pl.when(compare_column(fact, "lt", spec.start)).then(0)
                .otherwise(inc.cast(pl.Int64) + flat))

    if isinstance(spec, LevelsRule):
        info = FACTS[spec.fact]
        listed = {k: to_ticks(v, scale) for k, v in spec.points.items()}
        table: dict[str, int] = {}
        best = 0
        for level in info.levels:
            best = listed.get(level, 0 if spec.match == "exact" else best)
            table[level] = best
        if not any(table.values()):
            return pl.lit(0, pl.Int64)
        # `num` is an Enum of info.levels: its physical value is the level's index
        lookup = pl.Series([table[level] for level in info.levels], dtype=pl.Int64)
        return pl.lit(lookup).gather(fact.num.to_physical()).fill_null(0)

    if isinstance(spec, BandsRule):
        chain: Any = None
        for b in spec.bands:
            inside = compare_column(fact, "ge", b.min)
            if b.below is not None:
                inside = inside & compare_column(fact, "lt", b.below)
            pts, slope = to_ticks(b.points, scale), to_ticks(b.slope, scale)
            if slope:
                units, _ = _units_column(fact, Decimal(1), b.min, slope, 2)
                value = _bound_column(units.cast(pl.Int64) * slope + pts, None, sign)
            else:
                value = pl.lit(pts, pl.Int64)
            chain = (pl.when(inside) if chain is None else chain.when(inside)).then(value)
        return chain.otherwise(0).cast(pl.Int64)  # type: ignore[no-any-return]

    raise TypeError(f"unknown rule {spec!r}")  # pragma: no cover


# --- words -------------------------------------------------------------------------------


def _n(v: Decimal | int) -> str:
    d = Decimal(v)
    return f"{d.normalize():f}"


def _per(per: Decimal, unit: str | None, lang: str) -> str:
    if unit == "month" and per % 12 == 0:
        years = int(per / 12)
        if lang == "zh":
            return "每满1年" if years == 1 else f"每满{years}年"
        return "per full year" if years == 1 else f"per full {years} years"
    name = {"month": ("个月", "month"), "count": ("次", "event"), "yuan": ("元", "yuan"),
            "share": ("份", "share"), "hour": ("小时", "hour")}.get(unit or "", ("个单位", "unit"))
    if lang == "zh":
        return f"每满{_n(per)}{name[0]}"
    plural = name[1] + ("s" if per != 1 and unit != "yuan" else "")
    return f"per full {name[1]}" if per == 1 else f"per full {_n(per)} {plural}"


def describe_rule(spec: AnyRule, lang: str = "en") -> str:
    """The rule in words, in English (`"en"`) or Chinese (`"zh"`)."""
    zh = lang == "zh"
    unit = FACTS[spec.fact].unit if spec.fact in FACTS else None
    cap = getattr(spec, "cap", None)
    cap_text = "" if cap is None else (f"，最高{_n(cap)}分" if zh else f", cap {_n(cap)}")
    when = ""
    if spec.when is not None and spec.when in FACTS:
        w = FACTS[spec.when]
        when = f"（须{w.zh}）" if zh else f" (only if: {w.en})"
    if isinstance(spec, RateRule):
        if spec.whole:
            text = (f"{_per(spec.per, unit, 'zh')}计{_n(spec.rate)}分" if zh
                    else f"{_n(spec.rate)} {_per(spec.per, unit, 'en')}")
        else:
            text = (f"每{_n(spec.per)}单位计{_n(spec.rate)}分（按比例）" if zh
                    else f"{_n(spec.rate)} per {_n(spec.per)} (pro rata)")
        if spec.min_units:
            text += (f"，满{spec.min_units}个单位后计分" if zh
                     else f", counted from {spec.min_units} units on")
    elif isinstance(spec, FlagRule):
        text = f"符合计{_n(spec.points)}分" if zh else f"{_n(spec.points)} if true"
    elif isinstance(spec, CountRule):
        window = ""
        if spec.window_years:
            window = f"近{spec.window_years}年" if zh else f" in the last {spec.window_years} years"
        text = (f"{window}每次{_n(spec.each)}分" if zh else f"{_n(spec.each)} each{window}")
    elif isinstance(spec, FlatPlusRateRule):
        text = (f"满{_n(spec.start)}起计{_n(spec.flat)}分，另{_per(spec.per, unit, 'zh')}加"
                f"{_n(spec.rate)}分" if zh else
                f"{_n(spec.flat)} from {_n(spec.start)}, plus {_n(spec.rate)} "
                f"{_per(spec.per, unit, 'en')} beyond")
        if cap is not None:
            cap_text = f"，加分最高{_n(cap)}分" if zh else f", extra capped at {_n(cap)}"
    elif isinstance(spec, LevelsRule):
        lt = FACTS[spec.fact].level_type if spec.fact in FACTS else None
        names = LEVELS.get(lt or "", {})
        parts = [f"{names.get(k, (k, k))[0 if zh else 1]} {_n(v)}"
                 for k, v in sorted(spec.points.items(), key=lambda kv: -kv[1])]
        text = ("、".join(parts) if zh else "; ".join(parts))
        if spec.match == "at_least":
            text += "（就高）" if zh else " (highest level reached)"
    elif isinstance(spec, BandsRule):
        parts = []
        for b in spec.bands:
            rng = f"{_n(b.min)}–{_n(b.below - 1) if b.below is not None else ''}" \
                if unit != "yuan" and unit != "ratio" else \
                f"≥{_n(b.min)}" + (f" <{_n(b.below)}" if b.below is not None else "")
            slope = ""
            if b.slope:
                slope = (f"起每增1减{_n(-b.slope)}" if b.slope < 0 else f"起每增1加{_n(b.slope)}") \
                    if zh else (f", {_n(b.slope)} per unit above {_n(b.min)}")
            parts.append(f"{rng}: {_n(b.points)}{slope}")
        text = "; ".join(parts)
    else:  # pragma: no cover
        raise TypeError(spec)
    return text + cap_text + when
