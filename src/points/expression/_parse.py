"""Expressions for derived facts and conditions: parsed once, type-checked, then compiled.

`parse_expression(text, names)` reads the grammar below into a tree of frozen nodes whose
result type (kind, exact bounds, decimal places) is known before any applicant is seen.
`record_fn` (`_run`) compiles the tree to a closure over one record's facts and
`column_expr` (`_columns`) to a Polars expression; both give the same values. Nothing
is `eval`ed; length, nesting, size and magnitudes are bounded, so hostile text is refused
quickly with an `ExpressionError` that says where::

    expr   := "if" expr "then" expr "else" expr | or
    or     := and ("or" and)*
    and    := not ("and" not)*
    not    := "not" not | cmp
    cmp    := sum [("<"|"<="|">"|">="|"=="|"!=") sum] | sum "in" "[" lit ("," lit)* [","] "]"
    sum    := prod (("+"|"-") prod)*
    prod   := unary (("*" unary) | ("//" INT))*
    unary  := "-" unary | atom
    atom   := NUMBER | STRING | "true" | "false" | NAME | FUNC "(" expr ("," expr)* ")"
            | "(" expr ")"
    FUNC   := min | max | sum | count

The nodes and types are in `_nodes`; this module re-exports the interface:
`ExprType`, `Expr`, `ExpressionError`, `parse_expression`, `record_fn`, `column_expr`,
`describe_expr`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import NoReturn

import attrs

from ._columns import column_expr
from ._nodes import (
    BOOL,
    LIMIT,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_PARTS,
    MAX_PLACES,
    SCALED_LIMIT,
    And,
    Call,
    Cmp,
    Expr,
    ExpressionError,
    ExprType,
    If,
    In,
    Lit,
    Name,
    Neg,
    Node,
    Not,
    Or,
    Prod,
    Sum,
    bounds,
    number_text,
    text_of,
)
from ._run import describe_expr, record_fn

__all__ = [
    "MAX_DEPTH", "MAX_LENGTH", "MAX_PARTS", "MAX_PLACES", "Expr", "ExprType",
    "ExpressionError", "column_expr", "describe_expr", "parse_expression", "record_fn",
]

KEYWORDS = frozenset({"if", "then", "else", "or", "and", "not", "in", "true", "false"})
FUNCS = frozenset({"min", "max", "sum", "count"})
CMP_OPS = ("<", "<=", ">", ">=", "==", "!=")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<num>[0-9]+(?:\.[0-9]*)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<str>"[^"\n]*"|'[^'\n]*')
  | (?P<op><=|>=|==|!=|//|[<>+\-*()\[\],])
""", re.VERBOSE)
_BAD_CHAR = {"=": "use == to compare", "/": "only // divides (by a whole number, rounding down)",
             "!": "use != to compare, or not", '"': "a text value is not closed",
             "'": "a text value is not closed", ".": "a number needs a digit before the point"}


@attrs.frozen
class _Str:
    """A text literal before the comparison or branch that gives it its level."""

    value: str
    pos: int


_Parsed = Node | _Str


@attrs.frozen
class _Tok:
    kind: str  # num, str, word, op, end
    text: str
    pos: int


def _same_levels(a: ExprType, b: ExprType) -> bool:
    return a.levels is b.levels or a.levels == b.levels


def _tokenise(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        m = _TOKEN.match(text, i)
        if m is None:
            ch = text[i]
            raise ExpressionError(_BAD_CHAR.get(ch, f"unexpected character {ch!r}"), i, text)
        kind = m.lastgroup or ""
        if kind == "num" and m.group().endswith("."):
            raise ExpressionError("a number needs a digit after the point", m.end() - 1, text)
        if kind != "space":
            toks.append(_Tok(kind, m.group(), i))
        i = m.end()
    toks.append(_Tok("end", "", n))
    return toks


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _snippet(node: _Parsed) -> str:
    return _short(repr(node.value) if isinstance(node, _Str) else text_of(node))


def _what(node: _Parsed) -> str:
    if isinstance(node, _Str):
        return "a text value"
    return {"number": "a number", "bool": "a yes/no value", "level": "a level"}[node.type.kind]


class _Parser:
    def __init__(self, text: str, names: Mapping[str, ExprType]) -> None:
        self.text = text
        self.names = names
        self.toks = _tokenise(text)
        self.i = 0
        self.depth = 0
        self.parts = 0
        self.reads: dict[str, None] = {}
        self.level_sets: dict[int, tuple[tuple[str, ...], frozenset[str]]] = {}

    # -- tokens, limits ---------------------------------------------------------------
    def fail(self, message: str, pos: int) -> NoReturn:
        raise ExpressionError(message, pos, self.text)

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def at(self, kind: str, *texts: str) -> bool:
        tok = self.toks[self.i]
        return tok.kind == kind and tok.text in texts

    def expect(self, kind: str, text: str) -> _Tok:
        if not self.at(kind, text):
            self.unexpected(f"expected {text}")
        return self.take()

    def unexpected(self, wanted: str) -> NoReturn:
        tok = self.peek()
        if tok.kind == "end":
            self.fail(f"the expression ends early; {wanted}", tok.pos)
        self.fail(f"{wanted}, found {tok.text!r}", tok.pos)

    def part(self, pos: int) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            self.fail(f"expression too large: more than {MAX_PARTS} parts", pos)

    def enter(self, pos: int) -> None:
        """One level deeper, opened at `pos`; checked before recursing."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"expression nested deeper than {MAX_DEPTH}", pos)

    def sub(self, pos: int) -> _Parsed:
        """An `expr` nested one level deeper, opened at `pos`."""
        self.enter(pos)
        try:
            return self.expr()
        finally:
            self.depth -= 1

    # -- type checks ------------------------------------------------------------------
    def number(self, node: _Parsed, what: str) -> Node:
        if isinstance(node, _Str) or node.type.kind != "number":
            self.fail(f"{what} needs numbers; {_snippet(node)} is {_what(node)}", node.pos)
        if node.type.optional:
            self.fail(f"{_snippet(node)} may be absent; {what} needs a value that is always "
                      "present", node.pos)
        return node

    def boolean(self, node: _Parsed, what: str) -> Node:
        if isinstance(node, _Str) or node.type.kind != "bool":
            self.fail(f"{what} needs yes/no values; {_snippet(node)} is {_what(node)}",
                      node.pos)
        if node.type.optional:
            self.fail(f"{_snippet(node)} may be absent; compare it: {_snippet(node)} == true",
                      node.pos)
        return node

    def level_value(self, s: _Str, other: _Parsed) -> Lit:
        """The text literal `s` as a value of `other`'s level."""
        if isinstance(other, _Str) or other.type.kind != "level":
            self.fail(f"a text value compares only with a level; {_snippet(other)} is "
                      f"{_what(other)}", s.pos)
        t = other.type
        cached = self.level_sets.get(id(t.levels))  # by identity: hashing levels is O(n)
        if cached is None or cached[0] is not t.levels:
            cached = self.level_sets[id(t.levels)] = (t.levels, frozenset(t.levels))
        known = cached[1]
        value = s.value if s.value in known else t.aliases.get(s.value)
        if value is None:
            shown = ", ".join(repr(v) for v in t.levels[:8]) + (", ..." if len(t.levels) > 8
                                                                else "")
            hint = ""
            if len(t.levels) + len(t.aliases) <= 1000:
                near = difflib.get_close_matches(s.value, [*t.levels, *t.aliases], n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
            self.fail(f"unknown value {_short(repr(s.value))} for {_snippet(other)} (one of "
                      f"{shown}){hint}", s.pos)
        return Lit(value, ExprType("level", levels=t.levels, aliases=t.aliases), s.pos)

    def check_range(self, lo: Fraction, hi: Fraction, places: int, pos: int) -> None:
        if places > MAX_PLACES:
            self.fail(f"the result has {places} decimal places; at most {MAX_PLACES}", pos)
        far = hi if abs(hi) >= abs(lo) else lo
        if abs(far) >= LIMIT:
            self.fail(f"this part may reach {number_text(far, places)}; numbers must stay "
                      "below 10^15", pos)
        if abs(far) * 10**places >= SCALED_LIMIT:
            self.fail(f"this part may reach {number_text(far, places)} with {places} decimal "
                      "places; at most 18 digits in all", pos)

    def fits(self, node: Node, places: int, pos: int) -> None:
        """`node` rescaled to `places` stays within the limits."""
        if node.type.kind == "number" and node.type.lo is not None and node.type.hi is not None:
            self.check_range(node.type.lo, node.type.hi, places, pos)

    def sum_type(self, items: list[Node], signs: list[int], ops: list[int]) -> ExprType:
        """Bounds of `±items[0] ± ...`, checking every partial sum at the common places."""
        places = max(x.type.places for x in items)
        lo = hi = Fraction(0)
        for item, sign, pos in zip(items, signs, ops, strict=True):
            self.fits(item, places, item.pos)
            ilo, ihi = bounds(item)
            lo, hi = (lo + ilo, hi + ihi) if sign > 0 else (lo - ihi, hi - ilo)
            self.check_range(lo, hi, places, pos)
        return ExprType("number", lo, hi, places)

    # -- grammar ----------------------------------------------------------------------
    def expr(self) -> _Parsed:
        if not self.at("word", "if"):
            return self.or_()
        tok = self.take()
        self.part(tok.pos)
        cond = self.boolean(self.sub(tok.pos), "if")
        a = self.sub(self.expect("word", "then").pos)
        else_pos = self.expect("word", "else").pos
        b = self.sub(else_pos)
        return self.if_(cond, a, b, tok.pos, else_pos)

    def if_(self, cond: Node, a: _Parsed, b: _Parsed, pos: int, else_pos: int) -> If:
        if isinstance(a, _Str) and isinstance(b, _Str):
            self.fail("if gives a text value in both branches; one must be a level fact", pos)
        if isinstance(a, _Str):
            assert not isinstance(b, _Str)
            a = self.level_value(a, b)
        if isinstance(b, _Str):
            b = self.level_value(b, a)
        ta, tb = a.type, b.type
        if ta.kind != tb.kind:
            self.fail(f"the branches of if differ: then gives {_what(a)}, else gives "
                      f"{_what(b)}", else_pos)
        optional = ta.optional or tb.optional
        if ta.kind == "bool":
            self.boolean(a, "if")
            self.boolean(b, "if")
            return If(cond, a, b, BOOL, pos)
        if ta.kind == "level":
            if not _same_levels(ta, tb):
                self.fail(f"the branches of if have different levels: {_snippet(a)} and "
                          f"{_snippet(b)}", else_pos)
            return If(cond, a, b, attrs.evolve(ta, optional=optional), pos)
        places = max(ta.places, tb.places)
        self.fits(a, places, a.pos)
        self.fits(b, places, b.pos)
        (alo, ahi), (blo, bhi) = bounds(a), bounds(b)
        t = ExprType("number", min(alo, blo), max(ahi, bhi), places, optional=optional)
        return If(cond, a, b, t, pos)

    def or_(self) -> _Parsed:
        return self.chain("or", self.and_, Or)

    def and_(self) -> _Parsed:
        return self.chain("and", self.not_, And)

    def chain(self, word: str, operand: Callable[[], _Parsed],
              node: type[Or] | type[And]) -> _Parsed:
        """`operand (word operand)*` as one n-ary `node` (the operand alone if single)."""
        first = operand()
        items: list[_Parsed] = [first]
        while self.at("word", word):
            self.part(self.take().pos)
            items.append(operand())
        if len(items) == 1:
            return first
        return node(tuple(self.boolean(x, word) for x in items), BOOL, first.pos)

    def not_(self) -> _Parsed:
        if not self.at("word", "not"):
            return self.cmp()
        tok = self.take()
        self.part(tok.pos)
        self.enter(tok.pos)
        try:
            item = self.not_()
        finally:
            self.depth -= 1
        return Not(self.boolean(item, "not"), BOOL, tok.pos)

    def cmp(self) -> _Parsed:
        left = self.sum_()
        tok = self.peek()
        if tok.kind == "op" and tok.text in CMP_OPS:
            self.take()
            self.part(tok.pos)
            node: Node = self.compare(tok.text, left, self.sum_(), tok.pos)
        elif self.at("word", "in"):
            self.take()
            self.part(tok.pos)
            node = self.in_(left, tok.pos)
        else:
            return left
        nxt = self.peek()
        if (nxt.kind == "op" and nxt.text in CMP_OPS) or self.at("word", "in"):
            self.fail("comparisons cannot be chained; join them with and", nxt.pos)
        return node

    def compare(self, op: str, a: _Parsed, b: _Parsed, pos: int) -> Cmp:
        if isinstance(a, _Str) and isinstance(b, _Str):
            self.fail("two text values cannot be compared; compare a level with a text value",
                      a.pos)
        if isinstance(a, _Str):
            assert not isinstance(b, _Str)
            a = self.level_value(a, b)
        if isinstance(b, _Str):
            b = self.level_value(b, a)
        ta, tb = a.type, b.type
        if ta.kind != tb.kind:
            self.fail(f"{op} cannot compare {_what(a)} with {_what(b)}: {_snippet(a)} {op} "
                      f"{_snippet(b)}", pos)
        ordered = op not in ("==", "!=")
        if ta.kind == "bool" and ordered:
            self.fail(f"yes/no values compare only with == or !=, not {op}", pos)
        if ta.kind == "level" and not _same_levels(ta, tb):
            self.fail(f"{_snippet(a)} and {_snippet(b)} have different levels", pos)
        if ta.kind == "number":
            if ordered:
                self.number(a, op)
                self.number(b, op)
            places = max(ta.places, tb.places)
            self.fits(a, places, a.pos)
            self.fits(b, places, b.pos)
        return Cmp(op, a, b, BOOL, a.pos)

    def in_(self, item: _Parsed, pos: int) -> In:
        self.expect("op", "[")
        raw: list[_Parsed] = []
        while True:
            tok = self.peek()
            if tok.kind == "str":
                self.take()
                raw.append(_Str(tok.text[1:-1], tok.pos))
            elif tok.kind == "num" or self.at("op", "-"):
                if tok.kind == "op":
                    self.take()
                    if self.peek().kind != "num":
                        self.unexpected("expected a number after -")
                lit = self.num_lit(self.take())
                if tok.kind == "op":
                    assert isinstance(lit.value, Fraction)
                    neg = -lit.value
                    lit = Lit(neg, ExprType("number", neg, neg, lit.type.places), tok.pos)
                raw.append(lit)
            else:
                self.unexpected("expected a number or a text value in the list")
            self.part(tok.pos)
            if self.at("op", ","):
                self.take()
                if not self.at("op", "]"):
                    continue
            self.expect("op", "]")
            break
        if isinstance(item, _Str) or item.type.kind == "bool":
            self.fail(f"in needs a number or a level; {_snippet(item)} is {_what(item)}", pos)
        values: list[Lit] = []
        for v in raw:
            if item.type.kind == "level":
                if not isinstance(v, _Str):
                    self.fail(f"{_snippet(item)} is a level; the list needs text values", v.pos)
                values.append(self.level_value(v, item))
            else:
                if isinstance(v, _Str):
                    self.fail(f"{_snippet(item)} is a number; the list needs numbers", v.pos)
                assert isinstance(v, Lit)
                values.append(v)
        places = max(x.type.places for x in [item, *values])
        self.fits(item, places, item.pos)
        for lit in values:
            self.fits(lit, places, lit.pos)
        return In(item, tuple(values), BOOL, item.pos)

    def sum_(self) -> _Parsed:
        first = self.prod()
        items: list[_Parsed] = [first]
        signs, ops = [1], [first.pos]
        while self.at("op", "+", "-"):
            tok = self.take()
            self.part(tok.pos)
            items.append(self.prod())
            signs.append(1 if tok.text == "+" else -1)
            ops.append(tok.pos)
        if len(items) == 1:
            return first
        nodes = [self.number(x, "+" if signs[max(i, 1)] > 0 else "-")
                 for i, x in enumerate(items)]
        return Sum(tuple(nodes), tuple(signs), self.sum_type(nodes, signs, ops), first.pos)

    def prod(self) -> _Parsed:
        first = self.unary()
        if not self.at("op", "*", "//"):
            return first
        acc = self.number(first, self.peek().text)
        lo, hi = bounds(acc)
        places = acc.type.places
        steps: list[Node | int] = []
        while self.at("op", "*", "//"):
            tok = self.take()
            self.part(tok.pos)
            if tok.text == "*":
                item = self.number(self.unary(), "*")
                ilo, ihi = bounds(item)
                corners = (lo * ilo, lo * ihi, hi * ilo, hi * ihi)
                lo, hi, places = min(corners), max(corners), places + item.type.places
                steps.append(item)
            else:
                k = self.peek()
                if k.kind != "num" or "." in k.text:
                    self.unexpected("// divides by a whole number greater than 0")
                self.take()
                self.part(k.pos)
                div = int(self.num_lit(k).value)
                if div == 0:
                    self.fail("// divides by a whole number greater than 0, not 0", k.pos)
                lo, hi, places = Fraction(lo // div), Fraction(hi // div), 0
                steps.append(div)
            self.check_range(lo, hi, places, tok.pos)
        return Prod(acc, tuple(steps), ExprType("number", lo, hi, places), first.pos)

    def unary(self) -> _Parsed:
        if not self.at("op", "-"):
            return self.atom()
        tok = self.take()
        self.part(tok.pos)
        self.enter(tok.pos)
        try:
            item = self.number(self.unary(), "-")
        finally:
            self.depth -= 1
        lo, hi = bounds(item)
        return Neg(item, attrs.evolve(item.type, lo=-hi, hi=-lo), tok.pos)

    def num_lit(self, tok: _Tok) -> Lit:
        whole, _, frac = tok.text.partition(".")
        if len(whole.lstrip("0")) > 15:
            self.fail(f"the number {tok.text[:20]}{'...' if len(tok.text) > 20 else ''} is "
                      "too large; numbers must stay below 10^15", tok.pos)
        if len(frac) > MAX_PLACES:
            self.fail(f"the number {tok.text} has more than {MAX_PLACES} decimal places",
                      tok.pos)
        value = Fraction(int(whole + frac), 10 ** len(frac))
        return Lit(value, ExprType("number", value, value, len(frac)), tok.pos)

    def atom(self) -> _Parsed:
        tok = self.peek()
        if tok.kind == "num":
            self.take()
            self.part(tok.pos)
            return self.num_lit(tok)
        if tok.kind == "str":
            self.take()
            self.part(tok.pos)
            return _Str(tok.text[1:-1], tok.pos)
        if self.at("op", "("):
            inner = self.sub(self.take().pos)
            self.expect("op", ")")
            return inner
        if tok.kind != "word" or tok.text in KEYWORDS - {"true", "false"}:
            self.unexpected("expected a value")
        self.take()
        self.part(tok.pos)
        if tok.text in ("true", "false"):
            return Lit(tok.text == "true", BOOL, tok.pos)
        if tok.text in FUNCS:
            return self.call(tok)
        return self.name(tok)

    def call(self, tok: _Tok) -> Call:
        if not self.at("op", "("):
            self.unexpected(f"{tok.text} is a function: write {tok.text}(...)")
        raw = [self.sub(self.take().pos)]
        while self.at("op", ","):
            raw.append(self.sub(self.take().pos))
        self.expect("op", ")")
        if tok.text == "count":
            args = tuple(self.boolean(x, "count") for x in raw)
            n = Fraction(len(args))
            return Call("count", args, ExprType("number", Fraction(0), n, 0), tok.pos)
        args = tuple(self.number(x, tok.text) for x in raw)
        if tok.text == "sum":
            t = self.sum_type(list(args), [1] * len(args), [x.pos for x in args])
            return Call("sum", args, t, tok.pos)
        places = max(x.type.places for x in args)
        for x in args:
            self.fits(x, places, x.pos)
        pick = min if tok.text == "min" else max
        bs = [bounds(x) for x in args]
        t = ExprType("number", pick(b[0] for b in bs), pick(b[1] for b in bs), places)
        return Call(tok.text, args, t, tok.pos)

    def name(self, tok: _Tok) -> Name:
        word = tok.text
        t = self.names.get(word) if _NAME.match(word) else None
        if t is None:
            near = difflib.get_close_matches(word, list(self.names), n=1)
            hint = f"; did you mean {near[0]}?" if near else ""
            self.fail(f"unknown fact {_short(word)}{hint}", tok.pos)
        if word in self.reads:  # checked at its first reading
            return Name(word, t, tok.pos)
        if t.kind == "number":
            if t.lo is None or t.hi is None or t.lo > t.hi:
                self.fail(f"fact {word} is a number without bounds", tok.pos)
            if not 0 <= t.places <= MAX_PLACES:
                self.fail(f"fact {word} has {t.places} decimal places; at most {MAX_PLACES}",
                          tok.pos)
            self.check_range(t.lo, t.hi, t.places, tok.pos)
        elif t.kind == "level" and (not t.levels or len(set(t.levels)) != len(t.levels)):
            self.fail(f"fact {word} needs distinct levels", tok.pos)
        self.reads[word] = None
        return Name(word, t, tok.pos)


def parse_expression(text: str, names: Mapping[str, ExprType]) -> Expr:
    """Parse and type-check `text` reading the facts `names`; `ExpressionError` if refused."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH,
                              text)
    if not text.strip():
        raise ExpressionError("empty expression", 0, text)
    p = _Parser(text, names)
    root = p.expr()
    if p.peek().kind != "end":
        p.fail(f"unexpected {p.peek().text!r} after the end of the expression", p.peek().pos)
    if isinstance(root, _Str):
        p.fail("a text value alone is no expression; compare a level with it", root.pos)
    if root.type.kind == "bool":
        p.boolean(root, "the result")
    return Expr(root.type, tuple(p.reads), text_of(root), root)

