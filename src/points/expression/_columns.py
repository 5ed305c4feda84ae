"""An expression (`_expr`) as a Polars column expression, equal to `record_fn` on every row.

Numbers are Int64 columns holding the value × 10^places of their node, so every operation
is exact integer arithmetic (the parser's limits keep every intermediate value below
10^18); levels are compared by rank (the Enum's physical index). A comparison reading a
null is false (`!=` true), `in` is false, so yes/no results are never null.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

import polars as pl

from ._nodes import (
    And,
    Call,
    Cmp,
    Expr,
    In,
    Lit,
    Name,
    Neg,
    Node,
    Not,
    Or,
    Prod,
    Sum,
)
from ._run import scaled

__all__ = ["column_expr"]

Col = Callable[[str], pl.Expr]
_OPS: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


def column_expr(expr: Expr, col: Col) -> pl.Expr:
    """The expression over columns: `col(name)` gives a fact's column (a number as Int64
    holding value × 10^places of its type, yes/no as Boolean, a level as `pl.Enum(levels)`).
    The result: Int64 scaled by 10^`expr.type.places`, Boolean (never null), or
    `pl.Enum(expr.type.levels)`."""
    out = _col(expr.root, col)
    t = expr.type
    if t.kind == "number":
        return out.cast(pl.Int64)
    if t.kind == "bool":
        return out.cast(pl.Boolean)
    return out.cast(pl.Enum(list(t.levels)))


def _int(value: int) -> pl.Expr:
    return pl.lit(value, dtype=pl.Int64)


def _at(node: Node, places: int, col: Col) -> pl.Expr:
    """`node`'s column in units of 10^-places."""
    e = _col(node, col)
    by = 10 ** (places - node.type.places)
    return e if by == 1 else e * _int(by)


def _col(node: Node, col: Col) -> pl.Expr:
    if isinstance(node, Lit):
        t = node.type
        if t.kind == "number":
            return _int(scaled(node, t.places))
        if t.kind == "bool":
            return pl.lit(node.value, dtype=pl.Boolean)
        return pl.lit(node.value, dtype=pl.Enum(list(t.levels)))
    if isinstance(node, Name):
        return col(node.name)
    if isinstance(node, Neg):
        return -_col(node.item, col)
    if isinstance(node, Sum):
        p = node.type.places
        out = _at(node.terms[0], p, col)
        for sign, term in zip(node.signs[1:], node.terms[1:], strict=True):
            e = _at(term, p, col)
            out = out + e if sign > 0 else out - e
        return out
    if isinstance(node, Prod):
        out = _col(node.first, col)
        places = node.first.type.places
        for step in node.steps:
            if isinstance(step, int):
                # floor(x / (k·10^p)) = floor(floor(x / 10^p) / k): no divisor overflows
                if places:
                    out = out // _int(10**places)
                out, places = out // _int(step), 0
            else:
                out, places = out * _col(step, col), places + step.type.places
        return out
    if isinstance(node, Call):
        if node.func == "count":
            return reduce(lambda a, b: a + b,
                          [_col(a, col).cast(pl.Int64) for a in node.args])
        args = [_at(a, node.type.places, col) for a in node.args]
        if node.func == "sum":
            return reduce(lambda a, b: a + b, args)
        return (pl.min_horizontal if node.func == "min" else pl.max_horizontal)(args)
    if isinstance(node, Not):
        return ~_col(node.item, col)
    if isinstance(node, And):
        return reduce(lambda a, b: a & b, [_col(x, col) for x in node.items])
    if isinstance(node, Or):
        return reduce(lambda a, b: a | b, [_col(x, col) for x in node.items])
    if isinstance(node, Cmp):
        return _cmp(node, col)
    if isinstance(node, In):
        return _in(node, col)
    if node.type.kind == "number":
        a, b = _at(node.then, node.type.places, col), _at(node.else_, node.type.places, col)
    else:
        a, b = _col(node.then, col), _col(node.else_, col)
    return pl.when(_col(node.cond, col)).then(a).otherwise(b)


def _rank(node: Node, col: Col) -> pl.Expr:
    """A level's rank among its levels (Int64)."""
    if isinstance(node, Lit):
        return _int(node.type.levels.index(str(node.value)))
    return _col(node, col).to_physical().cast(pl.Int64)


def _cmp(node: Cmp, col: Col) -> pl.Expr:
    a, b = node.left, node.right
    if a.type.kind == "number":
        p = max(a.type.places, b.type.places)
        ea, eb = _at(a, p, col), _at(b, p, col)
    elif a.type.kind == "level":
        ea, eb = _rank(a, col), _rank(b, col)
    else:
        ea, eb = _col(a, col), _col(b, col)
    out = _OPS[node.op](ea, eb)
    if a.type.optional or b.type.optional:
        out = out.fill_null(node.op == "!=")
    return out


def _in(node: In, col: Col) -> pl.Expr:
    item = node.item
    if item.type.kind == "level":
        out = _rank(item, col).is_in([item.type.levels.index(str(v.value))
                                      for v in node.values])
    else:
        p = max(x.type.places for x in (item, *node.values))
        out = _at(item, p, col).is_in([scaled(v, p) for v in node.values])
    return out.fill_null(False) if item.type.optional else out
