"""`levels`: points by the level of a level fact (education, title, skill grade)."""

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

__all__ = ["Levels", "LevelsRule", "level_table"]

if TYPE_CHECKING:
    import polars as pl
    from hypothesis import strategies as st


class LevelsRule(FactorBase):
    """Points by the level of a level fact; `at_least` takes the best listed level reached."""

    rule: Literal["levels"]
    points: dict[str, Points] = Field(min_length=1)
    match: Literal["at_least", "exact"] = "at_least"


def level_table(spec: LevelsRule, arith: Arith) -> dict[str, int]:
    """Ticks for every level of the fact, in its order (`at_least` carries the best on)."""
    listed = {k: arith.ticks(v) or 0 for k, v in spec.points.items()}
    table: dict[str, int] = {}
    best = 0
    for level in vocabulary()[spec.fact].levels:
        best = listed.get(level, 0 if spec.match == "exact" else best)
        table[level] = best
    return table


@register
class Levels(RuleKind):
    """The `levels` rule kind: see `LevelsRule`."""

    name = "levels"
    spec = LevelsRule
    fact_kinds = ("level",)

    @classmethod
    def check(cls, spec: LevelsRule, path: Path, sign: int, precision: Decimal
              ) -> Iterator[Problem]:
        info = vocabulary().get(spec.fact)
        for level, pts in spec.points.items():
            if info is not None and info.kind == "level" and level not in info.levels:
                yield ((*path, "points", level),
                       f"not a level of {spec.fact} ({', '.join(info.levels)})", level)
            yield from amount((*path, "points"), pts, precision, sign)

    @classmethod
    def record(cls, spec: LevelsRule, arith: Arith, sign: int) -> RuleFn:
        table = level_table(spec, arith)
        return lambda v: (table.get(v, 0), False)

    @classmethod
    def source(cls, spec: LevelsRule, arith: Arith, sign: int, args: tuple[str, ...],
               out: str, hit: str, const: Const) -> list[str] | None:
        """The level's ticks looked up in the table (held in the closure: levels are text)."""
        table = level_table(spec, arith)
        (v,) = args
        if not any(table.values()):
            return [f"{out} = 0", f"{hit} = False"]
        return [f"{out} = {const(table.get)}({v}, 0)", f"{hit} = False"]

    @classmethod
    def column(cls, spec: LevelsRule, arith: Arith, sign: int,
               facts: tuple[FactColumn, ...]) -> pl.Expr:
        import polars as pl

        (fact,) = facts
        table = level_table(spec, arith)
        if not any(table.values()):
            return pl.lit(0, pl.Int64)
        # `num` is an Enum of the fact's levels: its physical value is the level's index
        lookup = pl.Series(list(table.values()), dtype=pl.Int64)
        return pl.lit(lookup).gather(fact.num.to_physical()).fill_null(0)

    @classmethod
    def describe(cls, spec: LevelsRule, lang: str) -> str:
        zh = lang == "zh"
        info = vocabulary().get(spec.fact)
        names = {} if info is None else info.level_labels
        parts = [f"{names.get(k, (k, k))[0 if zh else 1]} {number(v)}"
                 for k, v in sorted(spec.points.items(), key=lambda kv: -kv[1])]
        text = "、".join(parts) if zh else "; ".join(parts)
        if spec.match == "at_least":
            text += "（就高）" if zh else " (highest level reached)"
        return text

    @classmethod
    def cuts(cls, spec: LevelsRule, multiples: int) -> dict[str, set[Any]]:
        return {spec.fact: set(vocabulary()[spec.fact].levels)}

    @classmethod
    def cliffs(cls, spec: LevelsRule, fn: RuleFn, step: Any, scale: int
               ) -> list[tuple[Any, Any]]:
        return []  # levels are not numbers: no step to compare with

    @classmethod
    def line_cap(cls, spec: LevelsRule) -> Decimal | None:
        return None

    @classmethod
    def strategy(cls, unit: Decimal, sign: int) -> st.SearchStrategy[dict[str, Any]]:
        from hypothesis import strategies as st

        @st.composite
        def specs(draw: st.DrawFn) -> dict[str, Any]:
            fact = draw(st.sampled_from([n for n in facts_of_kind("level") if n != "sex"]))
            levels = draw(st.lists(st.sampled_from(vocabulary()[fact].levels), min_size=1,
                                   unique=True))
            return {"rule": "levels", "fact": fact,
                    "points": {lv: draw(amounts(unit, sign=sign)) for lv in levels},
                    "match": draw(st.sampled_from(["at_least", "exact"]))}
        return specs()
