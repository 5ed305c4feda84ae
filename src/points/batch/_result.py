"""The result of scoring a table (`BatchResult`) and the names of its scored columns."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
import polars as pl

from ..engines import points_expr
from ..errors import InputError
from ..schedule.model import Schedule

__all__ = ["BatchResult", "output_names", "points_columns", "wanted_outputs"]

#: the compact columns of `scored` and their types in `points()` (and in files)
_WIDE: dict[str, pl.DataType] = {
    "schedule_id": pl.String(), "schedule_hash": pl.String(), "purpose": pl.String(),
    "tier": pl.String(), "tiers": pl.List(pl.String()), "services": pl.List(pl.String()),
    "rank_key_low": pl.Int64(), "rank_key_high": pl.Int64()}

@attrs.frozen
class BatchResult:
    """The result of scoring a table: scored rows, rejected rows, and the counts.

    `scored` has one row per accepted input row, in input order: `row` (the input row
    number), `applicant_id`, `total`, one points column per factor and deduction (named by
    its id), `group.<id>` points, `gate.<id>` booleans, `eligible`, `tier` (the highest tier
    unlocked, or null), `tiers`, `services`, `schedule_id`, `schedule_hash`, `purpose`; then
    `fact.<name>` for each fact the schedule's ranking breaks ties on, and `applied_at` when
    given. `rejects` has one row per problem: `row`, `field`, `value`, `reason`.
    `rows_scored + rows_rejected == rows_read` always.

    Points columns (`points_columns`) hold integer *ticks*: points × 10**`places` (the
    schedule's precision; 54.00 points is 5400 at precision 0.01), each in the narrowest
    integer type its bounds allow (Int16, Int32 or Int64); `tier` is an `Enum` of the
    purpose's tiers, `tiers` and `services` lists of enums, `schedule_id`, `schedule_hash`
    and `purpose` one-value enums (a byte a row). `points()` gives the table with exact
    `Decimal` points and those columns as text instead (as files hold them),
    `to_points(ticks)` one value.
    """

    scored: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int
    places: int
    points_columns: tuple[str, ...] = ()

    @property
    def rows_scored(self) -> int:
        return self.scored.height

    @property
    def rows_rejected(self) -> int:
        """Distinct rejected input rows (a row with three bad cells counts once)."""
        if self.rejects.height == 0:
            return 0
        return int(self.rejects["row"].n_unique())

    def points(self) -> pl.DataFrame:
        """`scored` with every points column as exact `Decimal(38, places)` points, and the
        compact in-memory types widened as files hold them (tiers and services as text,
        ranking keys as Int64)."""
        return self.scored.with_columns(
            *(points_expr(c, self.places) for c in self.points_columns
              if c in self.scored.columns),
            *(pl.col(c).cast(_WIDE[c]) for c in _WIDE if c in self.scored.columns))

    def to_points(self, ticks: int) -> Decimal:
        """Ticks of this result's schedule as points: 5400 → Decimal("54.00")."""
        return Decimal(ticks).scaleb(-self.places)

    def __repr__(self) -> str:
        return (f"<BatchResult read={self.rows_read} scored={self.rows_scored} "
                f"rejected={self.rows_rejected}>")

    def _repr_html_(self) -> str:
        """Counts and applicants per tier, then the first scored and rejected rows, as HTML
        tables (Jupyter)."""
        from .._report import html_table, preview_html

        rows: list[list[object]] = [
            ["rows read", self.rows_read], ["scored", self.rows_scored],
            ["rejected", self.rows_rejected]]
        if "tier" in self.scored.columns:
            counts = self.scored.group_by("tier").len().sort("tier", nulls_last=True)
            rows += [[f"highest tier {t or '(none)'}", n] for t, n in counts.iter_rows()]
        return (html_table(["batch", "applicants"], rows, cls="summary")
                + preview_html(self.points(), "scored", self.rows_scored)
                + preview_html(self.rejects, "rejects", self.rejects.height))


def output_names(schedule: Schedule, applied_at: bool = False) -> tuple[str, ...]:
    """Every column of `BatchResult.scored` for `schedule`, in order (`applied_at`: when
    the input has that column)."""
    from ..compiled import compile_schedule

    c = compile_schedule(schedule)
    ties = [] if c.ranking is None else list(dict.fromkeys(
        f"fact.{tb.fact}" for tb in c.ranking.tie_breaks if tb.fact is not None))
    rank = [] if c.ranking is None else ["rank_key_low", "rank_key_high", "rank_pool_sure"]
    return ("row", "applicant_id", *points_columns(c), *(f"gate.{g}" for g in c.gates),
            "eligible", "provisional", "outcome_sure", "tier", "tiers", "services",
            "schedule_id", "schedule_hash", "purpose", *ties, *rank, "in_force",
            *(["applied_at"] if applied_at else []))


def wanted_outputs(schedule: Schedule, outputs: Sequence[str] | None, applied_at: bool
                   ) -> frozenset[str] | None:
    """The scored columns to keep: `outputs` with `row` and `applicant_id` (None: all).
    Raises `InputError` naming any column `output_names` does not list."""
    if outputs is None:
        return None
    if isinstance(outputs, str):
        raise InputError("outputs is a list of column names, not one string", value=outputs)
    known = output_names(schedule, applied_at)
    unknown = [n for n in outputs if n not in known]
    if unknown:
        raise InputError(
            f"unknown output column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(str, unknown))}; the scored columns are "
            f"{', '.join(known)}", value=unknown)
    return frozenset({"row", "applicant_id", *outputs})


def points_columns(c: Any) -> tuple[str, ...]:
    """The points columns of a compiled schedule, as `ColumnPlan.points_columns`."""
    return ("total", *(f.id for f in c.factors), *(d.id for d in c.deductions),
            *(f"group.{gid}" for gid in c.group_ids))
