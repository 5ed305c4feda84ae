"""The contract every rule kind fulfils, the registry, and the arithmetic they share.

A rule kind is one class (`RuleKind`) in one module of this package. It gives everything the
library needs of the kind: the pydantic model that validates its TOML table (`spec`), its
load checks, its per-record evaluation, its Polars column expression, its description in
Chinese and English, the values of its fact where its points change (for `points check`),
the cap it promises (for `assert_capped`) and a Hypothesis strategy of random specs (for
`points.testing.schedules()`). `register` refuses a kind that lacks a part.

Points are computed in *ticks*, whole multiples of the schedule's precision (0.01 → one tick
is 0.01 points), so every sum is an exact integer and the column engine uses the same
integer arithmetic. Only a pro-rata rate needs rounding, once per line, with the schedule's
rounding mode. A factor never scores below zero and a deduction never above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from ...facts import FACTS, fact_step, fact_value, vocabulary
from .._base import FactorBase

if TYPE_CHECKING:
    import polars as pl
    from hypothesis import strategies as st

__all__ = [
    "KINDS",
    "LIMIT",
    "NUMERIC",
    "Arith",
    "Const",
    "FactColumn",
    "Problem",
    "RuleFn",
    "RuleKind",
    "bound",
    "bound_column",
    "bound_source",
    "compare_column",
    "fact_step",
    "fact_value",
    "fine",
    "huge",
    "int_fact",
    "never_negative",
    "number",
    "per_text",
    "ratio",
    "round_div",
    "round_div_column",
    "to_ticks",
    "units_column",
    "units_fn",
    "whole",
]

#: the values of the facts a rule reads (in `RuleKind.facts` order) → (ticks, cap hit)
RuleFn = Callable[..., tuple[int, bool]]
#: holds a value in the generated function's closure and gives the name it is read by
Const = Callable[[Any], str]
Path = tuple[str | int, ...]
Problem = tuple[Path, str, Any]
NUMERIC = ("int", "decimal", "fraction")
#: every number in a schedule is below this in magnitude (exact tick arithmetic needs it)
LIMIT = Decimal(10) ** 15


@attrs.frozen
class Arith:
    """How a schedule does its arithmetic: ticks per point and the rounding mode."""

    scale: int
    rounding: str
    precision: Decimal = Decimal("0.01")

    def tick(self, v: Decimal) -> int:
        """`v` points in ticks."""
        return to_ticks(v, self.scale)

    def ticks(self, v: Decimal | None) -> int | None:
        """`v` points in ticks, None staying None (an absent cap)."""
        return None if v is None else to_ticks(v, self.scale)


class RuleKind:
    """One rule kind. Subclasses set `name`, `spec`, `fact_kinds` and implement every method.

    All methods are class methods of a stateless class: the spec (a validated instance of
    `spec`) carries the parameters.
    """

    name: ClassVar[str]
    #: the pydantic model of the kind's TOML table (`rule = name`)
    spec: ClassVar[type[FactorBase]]
    #: the kinds of fact (`FactInfo.kind`) its `fact` may be
    fact_kinds: ClassVar[tuple[str, ...]]

    @classmethod
    def facts(cls, spec: Any) -> tuple[str, ...]:
        """The facts the rule reads, in the order `record` takes their values."""
        return (spec.fact,)

    @classmethod
    def check(cls, spec: Any, path: Path, sign: int, precision: Decimal) -> Iterator[Problem]:
        """Problems of the kind's own keys (signs, precision, levels, bands)."""
        raise NotImplementedError

    @classmethod
    def record(cls, spec: Any, arith: Arith, sign: int) -> RuleFn:
        """The rule as a function of the values of `facts(spec)`, in ticks."""
        raise NotImplementedError

    @classmethod
    def column(cls, spec: Any, arith: Arith, sign: int,
               facts: tuple[FactColumn, ...]) -> pl.Expr:
        """The rule as a Polars expression of Int64 ticks: `record` on columns."""
        raise NotImplementedError

    @classmethod
    def describe(cls, spec: Any, lang: str) -> str:
        """The rule in words, without the `when` clause (`"zh"` or `"en"`)."""
        raise NotImplementedError

    @classmethod
    def cuts(cls, spec: Any, multiples: int) -> dict[str, set[Any]]:
        """Per fact read, the values where the points may change (at most about
        `multiples` repetitions of a periodic step): `points check` tries them all."""
        raise NotImplementedError

    @classmethod
    def cliffs(cls, spec: Any, fn: RuleFn, step: Any, scale: int) -> list[tuple[Any, Any]]:
        """Values where one `step` of the fact changes the points by more than the rule's
        regular step, each with the rule's unit."""
        raise NotImplementedError

    @classmethod
    def line_cap(cls, spec: Any) -> Decimal | None:
        """The most (in magnitude) one line of this kind can score, if the spec bounds it."""
        raise NotImplementedError

    @classmethod
    def strategy(cls, unit: Decimal, sign: int) -> st.SearchStrategy[dict[str, Any]]:
        """Random valid TOML tables of this kind (without label, ref, status, when)."""
        raise NotImplementedError

    @classmethod
    def source(cls, spec: Any, arith: Arith, sign: int, args: tuple[str, ...], out: str,
               hit: str, const: Const) -> list[str] | None:
        """Optional: `record`'s function written out as straight-line Python for the
        generated per-record function, or None (it then calls `record`'s function).

        The lines set the local `out` to the rule's ticks and `hit` to whether its cap cut
        them, exactly as `record` does, reading the facts' values from the locals `args` (in
        `facts(spec)` order). Numbers go in through `whole` (validated `int`s only); any
        other value (a table keyed by level) is held in the closure and read by the name
        `const(value)` gives. No other name, no schedule text. Nested lines are indented by
        four spaces; `out` may hold a step of the work.
        """
        return None


_PARTS = ("check", "record", "column", "describe", "cuts", "cliffs", "line_cap", "strategy")
KINDS: dict[str, type[RuleKind]] = {}


def register(kind: type[RuleKind]) -> type[RuleKind]:
    """Add `kind` to `KINDS`; a kind missing a part or a name fails here, at import."""
    missing = [p for p in _PARTS if getattr(kind, p).__func__ is getattr(RuleKind, p).__func__]
    for attr in ("name", "spec", "fact_kinds"):
        if not hasattr(kind, attr):
            missing.append(attr)
    if missing:
        raise TypeError(f"rule kind {kind.__name__} lacks {', '.join(missing)}")
    if kind.name in KINDS:
        raise TypeError(f"rule kind {kind.name!r} is registered twice")
    rule_field = kind.spec.model_fields.get("rule")
    if rule_field is None or getattr(rule_field.annotation, "__args__", ()) != (kind.name,):
        raise TypeError(f"{kind.spec.__name__}.rule must be Literal[{kind.name!r}]")
    KINDS[kind.name] = kind
    return kind


# --- ticks -------------------------------------------------------------------------------


def to_ticks(value: Decimal | int, scale: int) -> int:
    """`value` in ticks of 1/scale points (exact; the loader checked it is a multiple)."""
    t = Decimal(value) * scale
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


def bound(ticks: int, cap: int | None, sign: int) -> tuple[int, bool]:
    """Ticks kept on the rule's side of zero and within the cap, with the cap flag."""
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


def whole(v: int) -> str:
    """A whole number as source: the only literal a rule's `source` writes."""
    if type(v) is not int:
        raise TypeError(f"not a whole number: {v!r}")
    return repr(v)


def bound_source(out: str, hit: str, cap: int | None, sign: int, signed: bool) -> list[str]:
    """`bound` as source lines on the local `out`, setting `hit`; `signed`: `out` is known
    to be on the rule's side of zero already (no clamp written)."""
    lines = []
    if not signed:
        lines += [f"if {out} {'<' if sign > 0 else '>'} 0:", f"    {out} = 0"]
    if cap is None:
        return [*lines, f"{hit} = False"]
    edge = whole(cap if sign > 0 else -cap)
    return [*lines, f"if {out} {'>' if sign > 0 else '<'} {edge}:", f"    {out} = {edge}",
            f"    {hit} = True", "else:", f"    {hit} = False"]


def int_fact(name: str) -> bool:
    info = vocabulary().get(name)
    return info is not None and info.kind == "int"


def never_negative(name: str) -> bool:
    """The fact is known never to be below 0 (a declared or derived fact may be)."""
    info = vocabulary().get(name)
    return info is not None and info.minimum is not None and info.minimum >= 0


def units_fn(fact: str, per: Decimal, start: Decimal = Decimal(0)) -> Callable[[Any], int]:
    """Full `per`-sized units in `value - start` (value >= start), specialised for the
    fact's kind."""
    kind = vocabulary()[fact].kind if fact in vocabulary() else None
    whole = per == per.to_integral_value() and start == start.to_integral_value()
    if kind == "int" and whole:
        p, s = int(per), int(start)
        if s == 0:
            return lambda v: v // p
        return lambda v: (v - s) // p
    if kind == "decimal":
        return lambda v: int((v - start) // per)  # v >= start: truncation is the floor
    fp, fs = Fraction(per), Fraction(start)
    return lambda v: int((Fraction(v) - fs) // fp)


# --- columns -----------------------------------------------------------------------------
# The column twins of the arithmetic above keep its meaning exactly: integer ticks, floor
# division for full units, the same rounding, the same bounds. Arithmetic runs in 32-bit
# integers when the fact's bounds prove it cannot overflow, else in 64 or 128 bits; every
# rule's result is an Int64 column of ticks. Polars is imported only when a column rule is
# built, so per-record scoring never needs it.


@attrs.frozen
class FactColumn:
    """A fact as a column.

    For numbers the value is exactly `num / den`, `den > 0`: an integer fact has `den = 1`,
    a decimal fact is an integer scaled by `den = 10**places`, a fraction has a denominator
    column. For flags `num` is the boolean column; for levels an `Enum` of the fact's levels
    in `FACTS` order. `top` bounds `abs(num)` (and `abs(den)` when it is a column) where
    known, to choose the integer width; `low` is a lower bound of `num` where known.
    """

    num: pl.Expr
    den: int | pl.Expr = 1
    top: int | None = None
    low: int | None = None

    @property
    def nonneg(self) -> bool:
        return self.low is not None and self.low >= 0


def ratio(value: Decimal | int) -> tuple[int, int]:
    f = Fraction(value)
    return f.numerator, f.denominator


def _bits(fact: FactColumn, *factors: int) -> int:
    """The integer width in which `num` (or `den`) times `factors` cannot overflow."""
    if fact.top is None:
        return 128
    top = fact.top
    for f in factors:
        top *= max(abs(f), 1)
    if top < 2**30:
        return 32
    return 64 if top < 2**62 else 128


def _int(bits: int) -> Any:
    import polars as pl

    return {32: pl.Int32, 64: pl.Int64, 128: pl.Int128}[bits]


def num_column(fact: FactColumn, bits: int) -> pl.Expr:
    return fact.num.cast(_int(bits))


def den_column(fact: FactColumn, bits: int) -> int | pl.Expr:
    return fact.den if isinstance(fact.den, int) else fact.den.cast(_int(bits))


def bits_for(fact: FactColumn, *factors: int) -> int:
    return _bits(fact, *factors)


def bound_column(ticks: pl.Expr, cap: int | None, sign: int, nonneg: bool = False) -> pl.Expr:
    """`bound` on a column of ticks (without the cap flag); `nonneg`: ticks are never < 0."""
    import polars as pl

    if sign > 0:
        if not nonneg:
            ticks = pl.max_horizontal(ticks, 0)
        return ticks if cap is None else pl.min_horizontal(ticks, cap)
    ticks = pl.min_horizontal(ticks, 0)
    return ticks if cap is None else pl.max_horizontal(ticks, -cap)


def units_column(fact: FactColumn, per: Decimal, start: Decimal = Decimal(0),
                 *more: int) -> tuple[pl.Expr, int]:
    """Full `per`-sized units in `value - start`, by floor division, and the width in which
    they may be multiplied by `more`."""
    pn, pd = ratio(per)
    sn, sd = ratio(start)
    # (num/den - sn/sd) / (pn/pd) = (num*sd*pd - sn*den*pd) / (den*sd*pn)
    bits = _bits(fact, sd * pd, abs(sn * pd) + 1, pn, *more)
    top = num_column(fact, bits)
    if sd * pd != 1:
        top = top * (sd * pd)
    den = den_column(fact, bits)
    if sn:
        top = top - den * (sn * pd)
    return top // (den * (sd * pn)), bits


def compare_column(fact: FactColumn, op: str, value: Decimal | int) -> pl.Expr:
    """`num / den <op> value`, exact (op: lt, le, gt, ge, eq, ne)."""
    vn, vd = ratio(value)
    bits = _bits(fact, vd, abs(vn) + 1)
    left = num_column(fact, bits)
    if vd != 1:
        left = left * vd
    right = den_column(fact, bits) * vn
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


# --- checks ------------------------------------------------------------------------------


def huge(path: Path, v: Decimal | None) -> Iterator[Problem]:
    if v is not None and not abs(v) < LIMIT:
        yield path, "is too large (numbers in a schedule are below 10^15)", v


def fine(path: Path, v: Decimal, q: Decimal) -> Iterator[Problem]:
    """`v` is a multiple of the precision `q` (and not too large)."""
    if not abs(v) < LIMIT:
        yield from huge(path, v)
    elif v % q != 0:
        yield path, f"is finer than the schedule's precision {q}", v


def amount(path: Path, v: Decimal, q: Decimal, sign: int, signed: bool = True) -> Iterator[Problem]:
    """An amount of points: fine, and on the rule's side of zero unless not `signed`."""
    yield from fine(path, v, q)
    if signed and v * sign < 0:
        what = "a deduction" if sign < 0 else "a factor"
        yield path, f"must be {'negative' if sign < 0 else 'zero or more'} in {what}", v


# --- facts -------------------------------------------------------------------------------


def facts_of_kind(*kinds: str) -> list[str]:
    """The names of the facts of these kinds, in `FACTS` order (for strategies)."""
    return [n for n, i in FACTS.items() if i.kind in kinds]


def number(v: Decimal | int) -> str:
    """A number as a schedule would write it: 2, 0.5, 10.5."""
    return f"{Decimal(v).normalize():f}"


def per_text(per: Decimal, unit: str | None, lang: str) -> str:
    """"per full year", "每满1年", "per full 10 hours"."""
    if unit == "month" and per % 12 == 0:
        years = int(per / 12)
        if lang == "zh":
            return "每满1年" if years == 1 else f"每满{years}年"
        return "per full year" if years == 1 else f"per full {years} years"
    name = {"month": ("个月", "month"), "count": ("次", "event"), "yuan": ("元", "yuan"),
            "share": ("份", "share"), "hour": ("小时", "hour")}.get(unit or "", ("个单位", "unit"))
    if lang == "zh":
        return f"每满{number(per)}{name[0]}"
    plural = name[1] + ("s" if per != 1 and unit != "yuan" else "")
    return f"per full {name[1]}" if per == 1 else f"per full {number(per)} {plural}"


def cap_text(cap: Decimal | None, lang: str) -> str:
    if cap is None:
        return ""
    return f"，最高{number(cap)}分" if lang == "zh" else f", cap {number(cap)}"


def unit_of(fact: str) -> str | None:
    info = vocabulary().get(fact)
    return None if info is None else info.unit


# --- strategies (Hypothesis is imported only when a strategy is asked for) ---------------


def amounts(unit: Decimal, top: int = 40, sign: int = 1) -> st.SearchStrategy[Decimal]:
    """Multiples of `unit` from 0 to `top` points, negated for a deduction."""
    from hypothesis import strategies as st

    return st.integers(0, int(top / unit)).map(lambda n: sign * n * unit)


#: `per` values that suit each kind of numeric fact, for strategies
PERS: dict[str, list[Any]] = {
    "int": [1, 2, 12, 50], "decimal": [Decimal("0.5"), 1, 10000], "fraction": [1]}
