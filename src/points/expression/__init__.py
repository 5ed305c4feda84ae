"""The expression grammar of derived facts: `parse_expression` type-checks text into frozen
nodes, `record_fn` evaluates them on one applicant's facts, `column_expr` on Polars columns
(the same values), `describe_expr` words them. See `_parse` for the grammar."""

from __future__ import annotations

from ._nodes import number_text
from ._parse import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_PARTS,
    MAX_PLACES,
    Expr,
    ExpressionError,
    ExprType,
    column_expr,
    describe_expr,
    parse_expression,
    record_fn,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_PARTS",
    "MAX_PLACES",
    "Expr",
    "ExprType",
    "ExpressionError",
    "column_expr",
    "describe_expr",
    "number_text",
    "parse_expression",
    "record_fn",
]
