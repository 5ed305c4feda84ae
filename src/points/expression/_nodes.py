"""The nodes of a parsed expression (`_expr`), its types and its normalised text.

Every node is frozen and carries its `type` (an `ExprType`: kind, exact bounds, places) and
`pos`, the offset in the text where it starts. Numbers are exact: every value of a number
node is a whole number of 10^-places within `lo..hi`, below 10^15, and below 10^18 counted
in units of 10^-places (so the Int64 columns never overflow).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Literal

import attrs

__all__ = [
    "BOOL", "LIMIT", "MAX_DEPTH", "MAX_LENGTH", "MAX_PARTS", "MAX_PLACES", "SCALED_LIMIT",
    "And", "Call", "Cmp", "Expr", "ExprType", "ExpressionError", "If", "In", "Lit", "Name",
    "Neg", "Node", "Not", "Or", "Prod", "Sum", "bounds", "lit_text", "number_text",
    "precedence", "text_of",
]

#: the longest text accepted, in characters
MAX_LENGTH = 4000
#: the deepest nesting (parentheses, function arguments, if parts, not, unary minus)
MAX_DEPTH = 32
#: the most parts (values, names and operators)
MAX_PARTS = 500
#: the most decimal places of a literal or of any result
MAX_PLACES = 6
#: every number stays below this magnitude
LIMIT = 10**15
#: ... and below this counted in units of 10^-places (Int64 holds 9.2 × 10^18)
SCALED_LIMIT = 10**18

Kind = Literal["number", "bool", "level"]


@attrs.frozen
class ExprType:
    """The type of a fact or of an expression's value.

    Numbers have inclusive bounds `lo..hi` and `places` decimal places (a money fact has 2);
    a level has its ordered `levels`, lowest first, and `aliases` (other accepted spellings,
    such as Chinese names, mapped to a value; not part of equality). `optional`: the value
    may be absent (None).
    """

    kind: Kind
    lo: Fraction | None = None
    hi: Fraction | None = None
    places: int = 0
    levels: tuple[str, ...] = ()
    aliases: Mapping[str, str] = attrs.field(factory=dict, eq=False)
    optional: bool = False


BOOL = ExprType("bool")


class ExpressionError(Exception):
    """An expression was refused: `message`, `position` (0-based offset in `text`), `text`."""

    def __init__(self, message: str, position: int, text: str) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position
        self.text = text

    def __reduce__(self) -> tuple[type[ExpressionError], tuple[str, int, str]]:
        return type(self), (self.message, self.position, self.text)


@attrs.frozen
class Lit:
    """A literal: a number (Fraction, with the places written), true/false, or a level's
    value (already resolved from an alias)."""

    value: Fraction | bool | str
    type: ExprType
    pos: int


@attrs.frozen
class Name:
    """A fact read by name."""

    name: str
    type: ExprType
    pos: int


@attrs.frozen
class Neg:
    """`-item`."""

    item: Node
    type: ExprType
    pos: int


@attrs.frozen
class Sum:
    """`terms[0] ± terms[1] ± ...`; `signs[i]` is 1 or -1 (`signs[0]` is 1)."""

    terms: tuple[Node, ...]
    signs: tuple[int, ...]
    type: ExprType
    pos: int


@attrs.frozen
class Prod:
    """`first` then, left to right, `* node` for each node step and `// k` for each int."""

    first: Node
    steps: tuple[Node | int, ...]
    type: ExprType
    pos: int


@attrs.frozen
class Call:
    """`min`, `max`, `sum` (numbers) or `count` (how many are true) over `args`."""

    func: str
    args: tuple[Node, ...]
    type: ExprType
    pos: int


@attrs.frozen
class Not:
    """`not item`."""

    item: Node
    type: ExprType
    pos: int


@attrs.frozen
class And:
    """`items[0] and items[1] and ...`."""

    items: tuple[Node, ...]
    type: ExprType
    pos: int


@attrs.frozen
class Or:
    """`items[0] or items[1] or ...`."""

    items: tuple[Node, ...]
    type: ExprType
    pos: int


@attrs.frozen
class Cmp:
    """`left op right`: numbers, a level with a level (ordered by rank), yes/no values."""

    op: str
    left: Node
    right: Node
    type: ExprType
    pos: int


@attrs.frozen
class In:
    """`item in [values]`: a number among number literals or a level among its values."""

    item: Node
    values: tuple[Lit, ...]
    type: ExprType
    pos: int


@attrs.frozen
class If:
    """`if cond then then else else_`."""

    cond: Node
    then: Node
    else_: Node
    type: ExprType
    pos: int


Node = Lit | Name | Neg | Sum | Prod | Call | Not | And | Or | Cmp | In | If


@attrs.frozen
class Expr:
    """A parsed, type-checked expression: its result `type` (kind, exact bounds, places),
    the names it `reads` (first appearance order), its normalised `text` and its `root`."""

    type: ExprType
    reads: tuple[str, ...]
    text: str
    root: Node


def number_text(value: Fraction, places: int) -> str:
    """`value` (a whole number of 10^-places) written with exactly `places` decimals."""
    scaled = value * 10**places
    digits = str(abs(scaled.numerator // scaled.denominator))
    sign = "-" if value < 0 else ""
    if places == 0:
        return sign + digits
    digits = digits.rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def bounds(node: Node) -> tuple[Fraction, Fraction]:
    """`lo, hi` of a number node."""
    t = node.type
    assert t.lo is not None and t.hi is not None, node
    return t.lo, t.hi


# -- normalised text ------------------------------------------------------------------

def precedence(node: Node) -> int:
    """How tightly `node` binds: 0 (if) .. 8 (a value, name or call)."""
    if isinstance(node, If):
        return 0
    if isinstance(node, Or):
        return 1
    if isinstance(node, And):
        return 2
    if isinstance(node, Not):
        return 3
    if isinstance(node, Cmp | In):
        return 4
    if isinstance(node, Sum):
        return 5
    if isinstance(node, Prod):
        return 6
    if isinstance(node, Neg):
        return 7
    return 8


def _wrap(node: Node, need: int) -> str:
    s = text_of(node)
    return f"({s})" if precedence(node) < need else s


def lit_text(lit: Lit) -> str:
    """A literal as the normalised text writes it."""
    v = lit.value
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f"'{v}'" if '"' in v else f'"{v}"'
    return number_text(v, lit.type.places)


def text_of(node: Node) -> str:
    """The normalised text of `node`: single spaces, only the parentheses needed (and
    those grouping operators of the same precedence, as written)."""
    if isinstance(node, Lit):
        return lit_text(node)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Neg):
        return "-" + _wrap(node.item, 7)
    if isinstance(node, Sum):
        out = _wrap(node.terms[0], 6)
        for sign, term in zip(node.signs[1:], node.terms[1:], strict=True):
            out += f" {'+' if sign > 0 else '-'} {_wrap(term, 6)}"
        return out
    if isinstance(node, Prod):
        out = _wrap(node.first, 7)
        for step in node.steps:
            out += f" // {step}" if isinstance(step, int) else f" * {_wrap(step, 7)}"
        return out
    if isinstance(node, Call):
        return f"{node.func}({', '.join(text_of(a) for a in node.args)})"
    if isinstance(node, Not):
        return "not " + _wrap(node.item, 3)
    if isinstance(node, And):
        return " and ".join(_wrap(x, 3) for x in node.items)
    if isinstance(node, Or):
        return " or ".join(_wrap(x, 2) for x in node.items)
    if isinstance(node, Cmp):
        return f"{_wrap(node.left, 5)} {node.op} {_wrap(node.right, 5)}"
    if isinstance(node, In):
        return f"{_wrap(node.item, 5)} in [{', '.join(lit_text(v) for v in node.values)}]"
    return (f"if {_wrap(node.cond, 1)} then {_wrap(node.then, 1)} "
            f"else {text_of(node.else_)}")
