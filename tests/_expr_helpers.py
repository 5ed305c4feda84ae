"""Shared by the expression tests: a names table and the column evaluation of an expression."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from points.expression import Expr, ExprType, column_expr

LEVELS = ("none", "high_school", "college", "bachelor", "master", "doctor")
ALIASES = {"无": "none", "高中": "high_school", "大专": "college", "本科": "bachelor",
           "硕士": "master", "博士": "doctor"}


def num(lo: str, hi: str, places: int = 0, optional: bool = False) -> ExprType:
    """A number fact's type."""
    return ExprType("number", Fraction(lo), Fraction(hi), places, optional=optional)


def level(optional: bool = False, levels: tuple[str, ...] = LEVELS) -> ExprType:
    """A level fact's type (education by default)."""
    return ExprType("level", levels=levels, aliases=ALIASES if levels == LEVELS else {},
                    optional=optional)


def frame(names: Mapping[str, ExprType], rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """The rows as columns: numbers × 10^places in Int64, Boolean, Enum."""
    data = {}
    for name, t in names.items():
        values = [r.get(name) for r in rows]
        if t.kind == "number":
            ints = [None if v is None else int(Fraction(v) * 10**t.places) for v in values]
            data[name] = pl.Series(name, ints, dtype=pl.Int64)
        elif t.kind == "bool":
            data[name] = pl.Series(name, values, dtype=pl.Boolean)
        else:
            data[name] = pl.Series(name, values, dtype=pl.Enum(list(t.levels)))
    return pl.DataFrame(data)


def column_values(expr: Expr, names: Mapping[str, ExprType],
                  rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """`column_expr` on the rows, as `record_fn` gives values (int, Decimal, bool, str)."""
    df = frame(names, rows).with_columns(column_expr(expr, pl.col).alias("_result"))
    series = df["_result"]
    t = expr.type
    expected = {"number": pl.Int64, "bool": pl.Boolean}.get(t.kind, pl.Enum(list(t.levels)))
    assert series.dtype == expected
    out = series.to_list()
    if t.kind == "number" and t.places:
        return [None if v is None else Decimal(v).scaleb(-t.places) for v in out]
    return out
