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
from typing import Any

from .applicant import FACTS, LEVELS
from .schedule.model import (
    BandsRule,
    CountRule,
    FlagRule,
    FlatPlusRateRule,
    LevelsRule,
    RateRule,
)

__all__ = ["RuleFn", "compile_rule", "describe_rule", "round_fraction", "to_ticks"]

#: value of the fact → (ticks, cap hit)
RuleFn = Callable[[Any], tuple[int, bool]]
AnyRule = RateRule | LevelsRule | BandsRule | FlagRule | FlatPlusRateRule | CountRule


def to_ticks(value: Decimal, scale: int) -> int:
    """`value` in ticks of 1/scale points (exact; the loader checked it is a multiple)."""
    t = value * scale
    if t != t.to_integral_value():
        raise ValueError(f"{value} is finer than 1/{scale}")
    return int(t)


def round_fraction(x: Fraction, mode: str) -> int:
    """Round an exact fraction to an integer by the schedule's rounding mode."""
    return round_div(x.numerator, x.denominator, mode)


def round_div(n: int, d: int, mode: str) -> int:
    """Round n / d (d > 0) to an integer by the schedule's rounding mode."""
    if d == 1:
        return n
    q, r = divmod(n, d)  # floor division: 0 <= r < d
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
        def bound(x: Decimal | None) -> Any:
            if x is not None and _int_fact(spec.fact) and x == x.to_integral_value():
                return int(x)  # int facts compare faster with int bounds
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
