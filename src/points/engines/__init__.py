"""The engines: translators of the compiled form.

- per record (`score`): one applicant, explained, by Python generated once per schedule
  and purpose from the compiled form (only names and whole numbers in its source);
- columns (`compile_columns`, run by `points.batch.score_frame`): a whole table in Polars.
  Loaded on first use, so that scoring one applicant never imports Polars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..facts import evaluation_date
from ._generate import RecordPlan
from ._generate import generate as generate_record
from ._record import facts_of, score

if TYPE_CHECKING:
    from ._columns import (
        ColumnPlan,
        compile_columns,
        decimal_places,
        den_col,
        fact_col,
        points_expr,
        tick_dtypes,
        tier_lookup,
    )

__all__ = ["ColumnPlan", "RecordPlan", "compile_columns", "decimal_places", "den_col",
           "evaluation_date", "fact_col", "facts_of", "generate_record", "points_expr", "score",
           "tick_dtypes", "tier_lookup"]

_COLUMNS = frozenset({"ColumnPlan", "compile_columns", "decimal_places", "den_col", "fact_col",
                      "points_expr", "tick_dtypes", "tier_lookup"})


def __getattr__(name: str) -> Any:
    if name in _COLUMNS:
        from . import _columns

        return getattr(_columns, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
