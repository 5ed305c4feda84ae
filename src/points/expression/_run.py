"""An expression (`_expr`) as a function of one record's facts, and in words.

`record_fn` compiles the node tree once into nested closures: numbers travel as whole
numbers of 10^-places of their node (exact, no Fractions per call), levels as their value,
an absent value as None. A comparison reading None is false (`!=` true); `in` is false.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

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
    number_text,
    precedence,
)

__all__ = ["describe_expr", "record_fn", "scaled"]

Facts = Mapping[str, Any]
Fn = Callable[[Facts], Any]

#: wide enough for every value the limits allow, whatever the caller's decimal context
_CTX = Context(prec=40)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}


def scaled(lit: Lit, places: int) -> int:
    """A number literal as a whole number of 10^-places."""
    value = lit.value * 10**places
    assert isinstance(value, Fraction) and value.denominator == 1, lit
    return value.numerator


def record_fn(expr: Expr) -> Callable[[Facts], Any]:
    """The expression as a function of one record's facts (a mapping of name to value: int
    for whole numbers, Decimal for numbers with places, bool, a level's value, None when
    absent). A number result is an int when `expr.type.places` is 0, else a Decimal with
    exactly that many places."""
    fn = _fn(expr.root)
    t = expr.type
    if t.kind != "number" or t.places == 0:
        return fn
    exp = -t.places
    if t.optional:
        return lambda f: None if (v := fn(f)) is None else Decimal(v).scaleb(exp, _CTX)
    return lambda f: Decimal(fn(f)).scaleb(exp, _CTX)


def _rescale(fn: Fn, by: int, optional: bool = False) -> Fn:
    """`fn` times `by` (a power of ten), None kept."""
    if by == 1:
        return fn
    if optional:
        return lambda f: None if (v := fn(f)) is None else v * by
    return lambda f: fn(f) * by


def _at(node: Node, places: int) -> Fn:
    return _rescale(_fn(node), 10 ** (places - node.type.places), node.type.optional)


def _fn(node: Node) -> Fn:
    if isinstance(node, Lit):
        const: Any = scaled(node, node.type.places) if node.type.kind == "number" \
            else node.value
        return lambda f: const
    if isinstance(node, Name):
        return _name(node)
    if isinstance(node, Neg):
        item = _fn(node.item)
        return lambda f: -item(f)
    if isinstance(node, Sum):
        p = node.type.places
        parts = [(s * 10 ** (p - t.type.places), _fn(t))
                 for s, t in zip(node.signs, node.terms, strict=True)]
        return _linear(parts)
    if isinstance(node, Prod):
        return _prod(node)
    if isinstance(node, Call):
        if node.func == "count":
            conds = [_fn(a) for a in node.args]
            return lambda f: sum(1 for c in conds if c(f))
        p = node.type.places
        if node.func == "sum":
            return _linear([(10 ** (p - a.type.places), _fn(a)) for a in node.args])
        args = [_at(a, p) for a in node.args]
        pick = min if node.func == "min" else max
        if len(args) == 2:
            a, b = args
            return lambda f: pick(a(f), b(f))
        return lambda f: pick(a(f) for a in args)
    if isinstance(node, Not):
        item = _fn(node.item)
        return lambda f: not item(f)
    if isinstance(node, And | Or):
        items = [_fn(x) for x in node.items]
        if len(items) == 2:
            a, b = items
            if isinstance(node, And):
                return lambda f: a(f) and b(f)
            return lambda f: a(f) or b(f)
        if isinstance(node, And):
            return lambda f: all(x(f) for x in items)
        return lambda f: any(x(f) for x in items)
    if isinstance(node, Cmp):
        return _cmp(node)
    if isinstance(node, In):
        return _in(node)
    cond = _fn(node.cond)
    if node.type.kind == "number":
        a, b = _at(node.then, node.type.places), _at(node.else_, node.type.places)
    else:
        a, b = _fn(node.then), _fn(node.else_)
    return lambda f: a(f) if cond(f) else b(f)


def _name(node: Name) -> Fn:
    name, t = node.name, node.type
    if t.optional:
        if t.kind == "number" and t.places:
            p, m = t.places, 10**t.places
            return lambda f: None if (v := f.get(name)) is None else (
                v * m if isinstance(v, int) else int(v.scaleb(p, _CTX)))
        if t.kind == "number":
            return lambda f: None if (v := f.get(name)) is None else int(v)
        return lambda f: f.get(name)
    if t.kind == "number" and t.places:
        p, m = t.places, 10**t.places
        return lambda f: v * m if isinstance(v := f[name], int) else int(v.scaleb(p, _CTX))
    if t.kind == "number":  # a decimal fact of 0 places is a Decimal: as an int, `//` floors
        return lambda f: v if isinstance(v := f[name], int) else int(v)
    return lambda f: f[name]


def _linear(parts: list[tuple[int, Fn]]) -> Fn:
    """Σ m × fn(f) over the parts."""
    if len(parts) == 2:
        (m1, f1), (m2, f2) = parts
        if m1 == 1 and m2 in (1, -1):
            return (lambda f: f1(f) + f2(f)) if m2 == 1 else (lambda f: f1(f) - f2(f))
        return lambda f: m1 * f1(f) + m2 * f2(f)
    return lambda f: sum(m * fn(f) for m, fn in parts)


def _prod(node: Prod) -> Fn:
    first = _fn(node.first)
    places = node.first.type.places
    steps: list[tuple[bool, Any]] = []
    for step in node.steps:
        if isinstance(step, int):
            steps.append((False, step * 10**places))
            places = 0
        else:
            steps.append((True, _fn(step)))
            places += step.type.places
    if len(steps) == 1:
        mul, x = steps[0]
        if mul:
            return lambda f: first(f) * x(f)
        return lambda f: first(f) // x

    def run(f: Facts) -> Any:
        v = first(f)
        for mul, x in steps:
            v = v * x(f) if mul else v // x
        return v
    return run


def _cmp(node: Cmp) -> Fn:
    op, a, b = _OPS[node.op], node.left, node.right
    kind = a.type.kind
    if kind == "number":
        p = max(a.type.places, b.type.places)
        fa, fb = _at(a, p), _at(b, p)
    elif kind == "level" and node.op not in ("==", "!="):
        rank = {v: i for i, v in enumerate(a.type.levels)}
        fa, fb = _rank(a, rank), _rank(b, rank)
    else:
        fa, fb = _fn(a), _fn(b)
    if isinstance(b, Lit):  # the usual `fact op value`: one call less
        target = fb(None)  # type: ignore[arg-type]  # a literal's function reads nothing
        if a.type.optional:
            absent = node.op == "!="
            return lambda f: absent if (v := fa(f)) is None else op(v, target)
        return lambda f: op(fa(f), target)
    if a.type.optional or b.type.optional:
        absent = node.op == "!="

        def test(f: Facts) -> bool:
            x, y = fa(f), fb(f)
            return absent if x is None or y is None else op(x, y)
        return test
    return lambda f: op(fa(f), fb(f))


def _rank(node: Node, rank: Mapping[str, int]) -> Fn:
    if isinstance(node, Lit):
        r = rank[str(node.value)]
        return lambda f: r
    fn = _fn(node)
    if node.type.optional:
        return lambda f: None if (v := fn(f)) is None else rank[v]
    return lambda f: rank[fn(f)]


def _in(node: In) -> Fn:
    item = node.item
    if item.type.kind == "level":
        options: frozenset[Any] = frozenset(v.value for v in node.values)
        fn = _fn(item)  # None is in no set of values
        return lambda f: fn(f) in options
    p = max(x.type.places for x in (item, *node.values))
    options = frozenset(scaled(v, p) for v in node.values)
    fn = _at(item, p)  # None is in no set of numbers either
    return lambda f: fn(f) in options


# -- in words ---------------------------------------------------------------------------

_WORDS = {
    "en": {"and": " and ", "or": " or ", "not": "not ", "if": "if ", "then": " then ",
           "else": " else ", "true": "yes", "false": "no", "in": "{} is one of {}", "sep": ", ",
           "min": "lowest of ", "max": "highest of ", "sum": "sum of ",
           "count": "number true of "},
    "zh": {"and": " 且 ", "or": " 或 ", "not": "非 ", "if": "如果 ", "then": " 则 ",
           "else": " 否则 ", "true": "是", "false": "否", "in": "{}为{}之一", "sep": "、",
           "min": "最小值", "max": "最大值", "sum": "合计", "count": "成立的个数"},
}
_OP_WORDS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


def describe_expr(expr: Expr, lang: str, label: Callable[[str], str] | None = None) -> str:
    """The expression in words (`lang` "en" or "zh"); `label` names the facts (default:
    their names). A level value shows its Chinese alias in zh when it has one."""
    if lang not in _WORDS:
        raise ValueError(f"lang must be one of {sorted(_WORDS)}, not {lang!r}")
    return _words(expr.root, _WORDS[lang], lang == "zh", label or (lambda n: n))


def _words(node: Node, w: Mapping[str, str], zh: bool,
           label: Callable[[str], str]) -> str:
    def sub(x: Node, need: int) -> str:
        s = _words(x, w, zh, label)
        return f"({s})" if precedence(x) < need else s

    if isinstance(node, Lit):
        return _lit_words(node, w, zh)
    if isinstance(node, Name):
        return label(node.name)
    if isinstance(node, Neg):
        return "-" + sub(node.item, 7)
    if isinstance(node, Sum):
        out = sub(node.terms[0], 6)
        for sign, term in zip(node.signs[1:], node.terms[1:], strict=True):
            out += f" {'+' if sign > 0 else '-'} {sub(term, 6)}"
        return out
    if isinstance(node, Prod):
        out = sub(node.first, 7)
        for step in node.steps:
            out = f"⌊{out} ÷ {step}⌋" if isinstance(step, int) else f"{out} × {sub(step, 7)}"
        return out
    if isinstance(node, Call):
        return f"{w[node.func]}({w['sep'].join(_words(a, w, zh, label) for a in node.args)})"
    if isinstance(node, Not):
        return w["not"] + sub(node.item, 3)
    if isinstance(node, And):
        return w["and"].join(sub(x, 3) for x in node.items)
    if isinstance(node, Or):
        return w["or"].join(sub(x, 2) for x in node.items)
    if isinstance(node, Cmp):
        return f"{sub(node.left, 5)} {_OP_WORDS[node.op]} {sub(node.right, 5)}"
    if isinstance(node, In):
        shown = w["sep"].join(_lit_words(v, w, zh) for v in node.values)
        return w["in"].format(sub(node.item, 5), shown)
    return (w["if"] + sub(node.cond, 1) + w["then"] + sub(node.then, 1) + w["else"]
            + _words(node.else_, w, zh, label))


def _lit_words(lit: Lit, w: Mapping[str, str], zh: bool) -> str:
    v = lit.value
    if isinstance(v, bool):
        return w["true" if v else "false"]
    if isinstance(v, str):
        if zh:
            return next((k for k, x in lit.type.aliases.items() if x == v), v)
        return v
    return number_text(v, lit.type.places)
