"""What a batch says about a bad row: a problem (a row predicate and its reason), the
parsed column of a field, and the schema of the rejects."""

from __future__ import annotations

import attrs
import polars as pl

__all__ = ["REJECTS_SCHEMA", "Problem", "parsed"]

REJECTS_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String,
                  "reason": pl.String}


@attrs.frozen(eq=False)
class Problem:
    """A problem a row may have: `row` true on such a row, with its `reason`."""

    row: pl.Expr  # true on a row with the problem (null counts as false)
    reason: str | pl.Expr
    column: pl.Expr | None = None  # true when some row may have it (default: row.any())

    def anywhere(self) -> pl.Expr:
        return (self.row.any() if self.column is None else self.column).fill_null(False)


def parsed(name: str, part: str = "") -> str:
    """The column holding the parsed value of field `name`."""
    return f"_p.{name}{part}"
