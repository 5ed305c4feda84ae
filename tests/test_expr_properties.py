"""Properties of the expression grammar over random well-typed expressions and facts.

The strategy writes an expression's text together with a model of its meaning (plain
Fractions, written here independently of the compiler); per record, in columns and in the
model the values agree, lie within the inferred bounds, and the normalised text reparses to
itself and to the same values. Random token soup is refused with `ExpressionError` only.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from _expr_helpers import ALIASES, LEVELS, column_values, level, num
from points.expression import ExpressionError, ExprType, number_text, parse_expression, record_fn

Facts = Mapping[str, Any]
Model = Callable[[Facts], Any]
Case = tuple[str, Model]

NAMES = {
    "n0": num("-50", "50"), "n1": num("-20", "20", 1), "n2": num("0", "999.99", 2),
    "n3": num("0", "1", 3), "b0": ExprType("bool"), "b1": ExprType("bool"), "lv": level(),
    "olv": level(optional=True), "on": num("0", "9", optional=True),
    "ob": ExprType("bool", optional=True),
}
NUMBERS = ("n0", "n1", "n2", "n3")
RANK = {v: i for i, v in enumerate(LEVELS)}
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}


def _value(v: Any) -> Any:
    return Fraction(v) if isinstance(v, int | Decimal) and not isinstance(v, bool) else v


def _compare(op: str, x: Any, y: Any) -> bool:
    """The model of a comparison: reading None is false, except != (true)."""
    if x is None or y is None:
        return op == "!="
    return OPS[op](x, y)


def _wrap(draw: st.DrawFn, text: str, prec: int, need: int) -> str:
    """`text` (binding as tightly as `prec`) as an operand needing `need`: in parentheses
    when it must be, and now and then when it need not."""
    return f"({text})" if prec < need or draw(st.integers(0, 4)) == 0 else text


Num = tuple[str, Model, int, int]  # text, model, places, precedence
Cond = tuple[str, Model, int]  # text, model, precedence


@st.composite
def number(draw: st.DrawFn, depth: int) -> Num:
    """A number expression that is always present."""
    kind = draw(st.sampled_from(["leaf", "leaf", "sum", "prod", "prod", "neg", "min", "max",
                                 "sum()", "count", "if"])) if depth else "leaf"
    if kind == "leaf":
        if draw(st.booleans()):
            name = draw(st.sampled_from(["n0", *NUMBERS]))  # n0 and n1 may be negative
            return name, lambda f: _value(f[name]), NAMES[name].places, 8
        places = draw(st.integers(0, 2))
        v = Fraction(draw(st.integers(0, 2000)), 10**places)
        return number_text(v, places), lambda f: v, places, 8
    if kind == "sum":  # a chain: a ± b ± c ..., left to right
        terms = draw(st.lists(number(depth - 1), min_size=2, max_size=4))
        signs = [1] + [draw(st.sampled_from([1, -1])) for _ in terms[1:]]
        text = _wrap(draw, terms[0][0], terms[0][3], 6)
        for sign, (t, _, _, prec) in zip(signs[1:], terms[1:], strict=True):
            text += f" {'+' if sign > 0 else '-'} {_wrap(draw, t, prec, 6)}"
        return (text, lambda f: sum(s * m(f) for s, (_, m, _, _) in zip(signs, terms,
                                                                         strict=True)),
                max(p for _, _, p, _ in terms), 5)
    if kind == "prod":  # a chain: a * b // k * c ..., left to right
        t0, m0, places, prec0 = draw(number(depth - 1))
        text = _wrap(draw, t0, prec0, 7)
        steps: list[tuple[Model | None, int]] = []
        for _ in range(draw(st.integers(1, 3))):
            t, m, p, prec = draw(number(depth - 1))
            if draw(st.booleans()) and places + p <= 6:
                text += f" * {_wrap(draw, t, prec, 7)}"
                steps.append((m, 0))
                places += p
            else:
                k = draw(st.integers(1, 7))
                text += f" // {k}"
                steps.append((None, k))
                places = 0

        def run(f: Facts) -> Fraction:
            v: Fraction = m0(f)
            for m, k in steps:
                v = v * m(f) if m is not None else Fraction(math.floor(v / k))
            return v
        return text, run, places, 6
    if kind == "neg":
        ta, ma, pa, prec = draw(number(depth - 1))
        return "-" + _wrap(draw, ta, prec, 7), lambda f: -ma(f), pa, 7
    if kind == "count":
        conds = draw(st.lists(boolean(depth - 1), min_size=1, max_size=3))
        return (f"count({', '.join(t for t, _, _ in conds)})",
                lambda f: Fraction(sum(1 for _, m, _ in conds if m(f))), 0, 8)
    if kind == "if":
        (tc, mc, _), (ta, ma, pa, _), (tb, mb, pb, _) = (
            draw(boolean(depth - 1)), draw(number(depth - 1)), draw(number(depth - 1)))
        return (f"if {tc} then {ta} else {tb}", lambda f: ma(f) if mc(f) else mb(f),
                max(pa, pb), 0)
    args = draw(st.lists(number(depth - 1), min_size=1, max_size=3))
    func = kind.rstrip("()")
    picks: dict[str, Callable[[list[Fraction]], Any]] = {"min": min, "max": max, "sum": sum}
    pick = picks[func]
    return (f"{func}({', '.join(t for t, _, _, _ in args)})",
            lambda f: Fraction(pick([m(f) for _, m, _, _ in args])),
            max(p for _, _, p, _ in args), 8)


@st.composite
def maybe_number(draw: st.DrawFn, depth: int) -> Num:
    """A number that may be absent (`on`, or an if with `on` in a branch) or not."""
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return "on", lambda f: _value(f["on"]), 0, 8
    if choice == 1 and depth:
        (tc, mc, _), (ta, ma, pa, _) = draw(boolean(depth - 1)), draw(number(depth - 1))
        if draw(st.booleans()):
            return f"if {tc} then on else {ta}", \
                lambda f: _value(f["on"]) if mc(f) else ma(f), pa, 0
        return f"if {tc} then {ta} else on", \
            lambda f: ma(f) if mc(f) else _value(f["on"]), pa, 0
    return draw(number(depth))


def _level_text(draw: st.DrawFn) -> tuple[str, str]:
    """A level literal as written (a value or an alias) and the value it means."""
    value = draw(st.sampled_from(LEVELS))
    alias = next(k for k, v in ALIASES.items() if v == value)
    return repr(draw(st.sampled_from([value, alias]))), value


@st.composite
def level_expr(draw: st.DrawFn, depth: int) -> Cond:
    """A level expression (may be absent): text, model giving the value or None, prec."""
    if depth == 0 or draw(st.booleans()):
        name = draw(st.sampled_from(["lv", "olv"]))
        return name, lambda f: f[name], 8
    (tc, mc, _), (ta, ma, _) = draw(boolean(depth - 1)), draw(level_expr(depth - 1))
    if draw(st.booleans()):
        tb, vb = _level_text(draw)
        mb: Model = lambda f: vb  # noqa: E731
    else:
        tb, mb, _ = draw(level_expr(depth - 1))
    if draw(st.booleans()):
        ta, tb, ma, mb = tb, ta, mb, ma
    return f"if {tc} then {ta} else {tb}", lambda f: ma(f) if mc(f) else mb(f), 0


@st.composite
def boolean(draw: st.DrawFn, depth: int) -> Cond:
    """A yes/no expression (never absent): text, model, precedence."""
    kinds = ["b0", "b1", "const", "ob"]
    if depth:
        kinds += ["cmp", "cmp", "level", "level", "maybe", "in", "beq", "not", "and", "or",
                  "if"]
    kind = draw(st.sampled_from(kinds))
    op = draw(st.sampled_from(list(OPS)))
    eq_op = draw(st.sampled_from(["==", "!="]))
    if kind in ("b0", "b1"):
        return kind, lambda f: f[kind], 8
    if kind == "const":
        c = draw(st.booleans())
        return ("true" if c else "false"), lambda f: c, 8
    if kind == "ob":
        c = draw(st.booleans())
        return f"ob {eq_op} {'true' if c else 'false'}", \
            lambda f: _compare(eq_op, f["ob"], c), 4
    if kind in ("cmp", "maybe"):
        (ta, ma, _, pa), (tb, mb, _, pb) = draw(
            number(depth - 1) if kind == "cmp" else maybe_number(depth - 1)), \
            draw(number(depth - 1))
        if kind == "maybe":
            op = eq_op
        return (f"{_wrap(draw, ta, pa, 5)} {op} {_wrap(draw, tb, pb, 5)}",
                lambda f: _compare(op, ma(f), mb(f)), 4)
    if kind == "beq":
        (ta, ma, pa), (tb, mb, pb) = draw(boolean(depth - 1)), draw(boolean(depth - 1))
        return (f"{_wrap(draw, ta, pa, 5)} {eq_op} {_wrap(draw, tb, pb, 5)}",
                lambda f: _compare(eq_op, ma(f), mb(f)), 4)
    if kind == "level":
        ta, ma, pa = draw(level_expr(depth - 1))
        if draw(st.booleans()):
            tb, vb = _level_text(draw)
            mb = lambda f: vb  # noqa: E731
            pb = 8
        else:
            tb, mb, pb = draw(level_expr(depth - 1))

        def rank(v: str | None) -> int | None:
            return None if v is None else RANK[v]
        return (f"{_wrap(draw, ta, pa, 5)} {op} {_wrap(draw, tb, pb, 5)}",
                lambda f: _compare(op, rank(ma(f)), rank(mb(f))), 4)
    if kind == "in":
        if draw(st.booleans()):
            ta, ma, pa = draw(level_expr(depth - 1))
            written = [_level_text(draw) for _ in range(draw(st.integers(1, 3)))]
            options = {v for _, v in written}
            return f"{_wrap(draw, ta, pa, 5)} in [{', '.join(t for t, _ in written)}]", \
                lambda f: ma(f) in options, 4
        tn, mn, _, pn = draw(maybe_number(depth - 1))
        nums = draw(st.lists(st.integers(-30, 30), min_size=1, max_size=3))
        places = draw(st.integers(0, 2))
        values = [Fraction(n, 10**places) for n in nums]
        shown = ", ".join(number_text(v, places) for v in values)
        return f"{_wrap(draw, tn, pn, 5)} in [{shown}]", lambda f: mn(f) in values, 4
    if kind == "not":
        ta, ma, pa = draw(boolean(depth - 1))
        return "not " + _wrap(draw, ta, pa, 3), lambda f: not ma(f), 3
    if kind in ("and", "or"):
        items = draw(st.lists(boolean(depth - 1), min_size=2, max_size=4))
        join = all if kind == "and" else any
        need = 3 if kind == "and" else 2
        return (f" {kind} ".join(_wrap(draw, t, p, need) for t, _, p in items),
                lambda f: join(m(f) for _, m, _ in items), need - 1)
    (tc, mc, _), (ta, ma, _), (tb, mb, _) = (draw(boolean(depth - 1)), draw(boolean(depth - 1)),
                                             draw(boolean(depth - 1)))
    return f"if {tc} then {ta} else {tb}", lambda f: ma(f) if mc(f) else mb(f), 0


@st.composite
def expression(draw: st.DrawFn) -> Case:
    """Any expression: a number (maybe absent), a yes/no value or a level."""
    depth = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["number", "maybe", "bool", "level"]))
    if kind in ("number", "maybe"):
        t, m, _, _ = draw(number(depth) if kind == "number" else maybe_number(depth))
        return t, m
    t, m, _ = draw(boolean(depth) if kind == "bool" else level_expr(depth))
    return t, m


def _decimals(lo: int, hi: int, places: int) -> st.SearchStrategy[Decimal]:
    return st.integers(lo, hi).map(lambda i: Decimal(i).scaleb(-places))


FACTS = st.fixed_dictionaries({
    "n0": st.integers(-50, 50), "n1": _decimals(-200, 200, 1), "n2": _decimals(0, 99999, 2),
    "n3": _decimals(0, 1000, 3), "b0": st.booleans(), "b1": st.booleans(),
    "lv": st.sampled_from(LEVELS), "olv": st.none() | st.sampled_from(LEVELS),
    "on": st.none() | st.integers(0, 9), "ob": st.none() | st.booleans(),
})


@pytest.mark.slow
@settings(max_examples=800)
@given(case=expression(), rows=st.lists(FACTS, min_size=1, max_size=5))
def test_records_columns_and_model_agree(case: Case, rows: list[dict[str, Any]]) -> None:
    text, model = case
    try:
        expr = parse_expression(text, NAMES)
    except ExpressionError as e:  # a random product may grow beyond the limits
        assert "may reach" in e.message, (text, e.message)
        reject()
    fn = record_fn(expr)
    values = [fn(r) for r in rows]
    columns = column_values(expr, NAMES, rows)
    assert [str(v) for v in columns] == [str(v) for v in values]
    assert [type(v) for v in columns] == [type(v) for v in values]
    t = expr.type
    for row, v in zip(rows, values, strict=True):
        expected = model(row)
        assert (Fraction(v) if t.kind == "number" and v is not None else v) == expected
        if t.kind == "number" and v is not None:
            assert t.lo is not None and t.hi is not None
            assert t.lo <= Fraction(v) <= t.hi
            assert isinstance(v, int) if t.places == 0 else v.as_tuple().exponent == -t.places
        elif v is None:
            assert t.optional
    again = parse_expression(expr.text, NAMES)
    assert again.text == expr.text and again.type == expr.type
    assert [record_fn(again)(r) for r in rows] == values


TOKENS = ["n0", "n1", "n2", "b0", "lv", "olv", "on", "ob", "if", "then", "else", "and", "or",
          "not", "in", "true", "false", "min", "max", "sum", "count", "(", ")", "[", "]", ",",
          "+", "-", "*", "//", "<", "<=", "==", "!=", ">=", ">", "0", "7", "2.5", "0.001",
          "'本科'", '"master"', "'x'", "zz", "=", "/", "1000000000000000"]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join))
def test_any_token_soup_parses_or_is_refused(text: str) -> None:
    try:
        expr = parse_expression(text, NAMES)
    except ExpressionError as e:
        assert 0 <= e.position <= len(text) and e.message
        return
    assert parse_expression(expr.text, NAMES).text == expr.text
