"""`bands`: points by the band a number falls in (age bands), with optional slopes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ...facts import vocabulary
from .._base import Band, FactorBase
from ._base import (
    NUMERIC,
    Arith,
    Const,
    FactColumn,
    Path,
    Problem,
    RuleFn,
    RuleKind,
    amounts,
    bound,
    bound_column,
    compare_column,
    fact_value,
    facts_of_kind,
    fine,
    huge,
    int_fact,
    number,
    register,
    unit_of,
    units_column,
    whole,
)

__all__ = ["Bands", "BandsRule"]

if TYPE_CHECKING:
    import polars as pl
    from hypothesis import strategies as st


class BandsRule(FactorBase):
    """Points by the band a number falls in; outside every band, zero."""

    rule: Literal["bands"]
    bands: list[Band] = Field(min_length=1)


def _band_end(b: Band, sign: int) -> Decimal | None:
    """The points at the last full unit of the band, or for a band without end, None when it
    moves away from zero and a value past zero when it moves towards it (a factor's decline,
    a deduction's rise: either crosses zero in the end)."""
    if b.slope == 0:
        return Decimal(b.points)
    if b.below is None:
        return None if b.slope * sign > 0 else Decimal(b.slope)
    span = b.below - b.min
    whole = span == span.to_integral_value()
    full = span - 1 if whole else span.to_integral_value(rounding="ROUND_FLOOR")
    return Decimal(b.points + b.slope * full)


@register
class Bands(RuleKind):
    """The `bands` rule kind: see `BandsRule`."""

    name = "bands"
    spec = BandsRule
    fact_kinds = NUMERIC

    @classmethod
    def check(cls, spec: BandsRule, path: Path, sign: int, precision: Decimal
              ) -> Iterator[Problem]:
        prev_below: Decimal | None = None
        for i, b in enumerate(spec.bands):
            bp = (*path, "bands", i)
            yield from fine((*bp, "points"), b.points, precision)
            yield from fine((*bp, "slope"), b.slope, precision)
            yield from huge((*bp, "min"), b.min)
            yield from huge((*bp, "below"), b.below)
            if b.below is not None and b.below <= b.min:
                yield (*bp, "below"), f"must be above min {b.min}", b.below
            if i > 0:
                if prev_below is None:
                    yield (*bp, "min"), "bands overlap: the band before it has no upper bound", \
                        b.min
                elif b.min < prev_below:
                    yield ((*bp, "min"),
                           f"bands overlap or are unsorted (previous below {prev_below})", b.min)
            prev_below = b.below
            for v in (b.points, _band_end(b, sign)):
                if v is not None and v * sign < 0:
                    yield (*bp, "points"), "a band's points cross zero", v
                    break

    @classmethod
    def record(cls, spec: BandsRule, arith: Arith, sign: int) -> RuleFn:
        kind = vocabulary()[spec.fact].kind if spec.fact in vocabulary() else None

        def edge(x: Decimal | None) -> Any:
            if x is None:
                return None
            if kind == "int" and x == x.to_integral_value():
                return int(x)  # int facts compare faster with int bounds
            if kind == "fraction":
                return Fraction(x)  # Fraction − Decimal is undefined; Fraction − Fraction is exact
            return x

        bands = [(edge(b.min), edge(b.below), arith.tick(b.points), arith.tick(b.slope))
                 for b in spec.bands]

        def bands_fn(v: Any) -> tuple[int, bool]:
            for lo, below, pts, slope in bands:
                if v >= lo and (below is None or v < below):
                    if slope:
                        return bound(pts + slope * int(v - lo), None, sign)
                    return pts, False
            return 0, False
        return bands_fn

    @classmethod
    def source(cls, spec: BandsRule, arith: Arith, sign: int, args: tuple[str, ...], out: str,
               hit: str, const: Const) -> list[str] | None:
        """The bands as one `if`/`elif` chain of whole-number edges (a whole-number fact
        only), the first band the value falls in scoring, a slope's points kept on the rule's
        side of zero."""
        edges = [e for b in spec.bands for e in (b.min, b.below) if e is not None]
        if not int_fact(spec.fact) or any(e != e.to_integral_value() for e in edges):
            return None
        (v,) = args
        lines = []
        for i, b in enumerate(spec.bands):
            lo = whole(int(b.min))
            test = f"{v} >= {lo}" if b.below is None else f"{lo} <= {v} < {whole(int(b.below))}"
            lines.append(f"{'if' if i == 0 else 'elif'} {test}:")
            pts, slope = arith.tick(b.points), arith.tick(b.slope)
            if not slope:
                lines.append(f"    {out} = {whole(pts)}")
                continue
            lines.append(f"    {out} = {whole(pts)} + {whole(slope)} * ({v} - {lo})")
            # the points at the band's ends: when both are on the rule's side, no clamp
            ends = [pts] if b.below is None else [
                pts, pts + slope * (int(b.below) - int(b.min) - 1)]
            if (b.below is None and slope * sign < 0) or any(x * sign < 0 for x in ends):
                lines += [f"    if {out} {'<' if sign > 0 else '>'} 0:", f"        {out} = 0"]
        return [*lines, "else:", f"    {out} = 0", f"{hit} = False"]

    @classmethod
    def column(cls, spec: BandsRule, arith: Arith, sign: int,
               facts: tuple[FactColumn, ...]) -> pl.Expr:
        import polars as pl

        (fact,) = facts
        chain: Any = None
        for b in spec.bands:
            inside = compare_column(fact, "ge", b.min)
            if b.below is not None:
                inside = inside & compare_column(fact, "lt", b.below)
            pts, slope = arith.tick(b.points), arith.tick(b.slope)
            if slope:
                units, _ = units_column(fact, Decimal(1), b.min, slope, 2)
                value = bound_column(units.cast(pl.Int64) * slope + pts, None, sign)
            else:
                value = pl.lit(pts, pl.Int64)
            chain = (pl.when(inside) if chain is None else chain.when(inside)).then(value)
        return chain.otherwise(0).cast(pl.Int64)  # type: ignore[no-any-return]

    @classmethod
    def describe(cls, spec: BandsRule, lang: str) -> str:
        zh = lang == "zh"
        unit = unit_of(spec.fact)
        parts = []
        for b in spec.bands:
            if unit not in ("yuan", "ratio"):
                rng = f"{number(b.min)}–{number(b.below - 1) if b.below is not None else ''}"
            else:
                rng = f"≥{number(b.min)}" + (f" <{number(b.below)}" if b.below is not None else "")
            slope = ""
            if b.slope:
                if zh:
                    slope = (f"起每增1减{number(-b.slope)}" if b.slope < 0
                             else f"起每增1加{number(b.slope)}")
                else:
                    slope = f", {number(b.slope)} per unit above {number(b.min)}"
            parts.append(f"{rng}{'：' if zh else ': '}{number(b.points)}{slope}")
        return ("；" if zh else "; ").join(parts)

    @classmethod
    def cuts(cls, spec: BandsRule, multiples: int) -> dict[str, set[Any]]:
        cuts: set[Any] = set()
        for b in spec.bands:
            cuts.add(b.min)
            if b.below is not None:
                cuts.add(b.below)
            if b.slope:  # the points move at every full unit above the band's start
                top = multiples if b.below is None else min(int(b.below - b.min),
                                                            10 * multiples)
                cuts |= {b.min + k for k in range(1, top + 1)}
        return {spec.fact: cuts}

    @classmethod
    def cliffs(cls, spec: BandsRule, fn: RuleFn, step: Any, scale: int
               ) -> list[tuple[Any, Any]]:
        info = vocabulary()[spec.fact]
        regular = {int(abs(b.slope) * scale) for b in spec.bands}
        out = []
        for b in spec.bands:
            for e in (b.min, b.below):
                if e is not None:
                    v = fact_value(info, e)
                    d = abs(fn(v)[0] - fn(v - step)[0])
                    if d and d not in regular:
                        out.append((v, step))
        return out

    @classmethod
    def line_cap(cls, spec: BandsRule) -> Decimal | None:
        return None

    @classmethod
    def strategy(cls, unit: Decimal, sign: int) -> st.SearchStrategy[dict[str, Any]]:
        from hypothesis import strategies as st

        @st.composite
        def specs(draw: st.DrawFn) -> dict[str, Any]:
            fact = draw(st.sampled_from(facts_of_kind(*NUMERIC)))
            hi = min(int(vocabulary()[fact].maximum or 0), 120)
            edges = draw(st.lists(st.integers(0, hi), min_size=1, max_size=4, unique=True))
            edges.sort()
            open_end = draw(st.booleans()) or len(edges) == 1
            bands = []
            for i, lo in enumerate(edges if open_end else edges[:-1]):
                below = edges[i + 1] if i + 1 < len(edges) else None
                pts = draw(amounts(unit, sign=sign))
                band: dict[str, Any] = {"min": lo}
                if below is not None:
                    band["below"] = below
                band["points"] = pts
                span = (below - lo - 1) if below is not None else 0
                if span > 0 and pts and draw(st.booleans()):
                    k = draw(st.integers(0, int(abs(pts) / unit) // span))
                    band["slope"] = -sign * k * unit
                bands.append(band)
            return {"rule": "bands", "fact": fact, "bands": bands}
        return specs()
