"""Compare two schedules on one population: who gains, who loses, tier moves, factor changes.

`diff(old, new, population, on=...)` scores the population under both schedules with the batch
engine and returns a `Diff`; `Diff.html()` renders it as one offline HTML page with charts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import polars as pl

from ._version import __version__
from .batch import score_frame
from .errors import InputError
from .schedule.loader import load_schedule
from .schedule.model import Schedule

__all__ = ["Diff", "FactorChange", "Mover", "diff", "mean_of"]

NONE_TIER = "(none)"


@attrs.frozen
class FactorChange:
    """Mean points of one factor or deduction under each schedule."""

    id: str
    old_mean: float
    new_mean: float
    note: str

    @property
    def change(self) -> float:
        return self.new_mean - self.old_mean


@attrs.frozen
class Mover:
    """One applicant whose total changed."""

    applicant_id: str
    old_total: Decimal
    new_total: Decimal
    old_tier: str
    new_tier: str

    @property
    def delta(self) -> Decimal:
        return self.new_total - self.old_total


@attrs.frozen
class Diff:
    """What changes for one population when `new` replaces `old`."""

    old_id: str
    new_id: str
    old_hash: str
    new_hash: str
    purpose: str | None
    on: date
    rows: int
    rejected: int
    gainers: int
    losers: int
    unchanged: int
    tier_changes: int
    mean_change: float
    max_gain: Decimal
    max_loss: Decimal
    old_totals: tuple[float, ...] = attrs.field(repr=False)
    new_totals: tuple[float, ...] = attrs.field(repr=False)
    tier_order: tuple[str, ...]
    transitions: tuple[tuple[str, str, int], ...]
    factors: tuple[FactorChange, ...]
    biggest_losses: tuple[Mover, ...]
    table: pl.DataFrame = attrs.field(repr=False)
    quota: int | None = None
    old_cutoff: Decimal | None = None
    new_cutoff: Decimal | None = None
    version: str = __version__

    def html(self) -> str:
        """The diff as one self-contained HTML page (inline SVG charts, no network)."""
        from .report import diff_html

        return diff_html(self)

    def _repr_html_(self) -> str:
        from .report import html_table

        return html_table(
            ["", "applicants"],
            [["gain", self.gainers], ["lose", self.losers], ["unchanged", self.unchanged],
             ["change tier", self.tier_changes]], cls="summary")


def _tier_order(old: Schedule, new: Schedule) -> tuple[str, ...]:
    order = [NONE_TIER]
    for s in (old, new):
        for t in s.tiers:
            if t.id not in order:
                order.append(t.id)
    return tuple(order)


def diff(
    old: Schedule | str, new: Schedule | str, population: pl.DataFrame | Path | str | Any, *,
    purpose: str | None = None, on: date, quota: int | None = None, top: int = 20,
) -> Diff:
    """Score `population` under `old` and `new`.

    `population` is a Polars or pandas frame of applicant facts, or a file or directory read
    as `points score` reads it (`points.io.read_table`). Rows that cannot be read, and rows
    either schedule rejects, are left out of the comparison and counted in `rejected`.
    With `quota`, both schedules rank the population and the cutoffs are compared.
    """
    old_s = old if isinstance(old, Schedule) else load_schedule(old)
    new_s = new if isinstance(new, Schedule) else load_schedule(new)
    if purpose is not None:
        for s in (old_s, new_s):
            if s.purposes and purpose not in s.purposes:
                raise InputError(f"schedule {s.id} has no purpose {purpose!r}", value=purpose)
    unreadable = 0
    if isinstance(population, (str, Path)):
        from .io import read_table

        population, unreadable = read_table(population)
    a = score_frame(population, old_s, purpose=purpose, on=on)
    b = score_frame(population, new_s, purpose=purpose, on=on)
    old_pts, new_pts = a.points(), b.points()
    keep = ["row", "applicant_id", "total", "tier"]
    joined = old_pts.select(keep).join(
        new_pts.select(keep), on="row", how="inner", suffix="_new")
    joined = joined.with_columns(
        pl.col("tier").fill_null(NONE_TIER), pl.col("tier_new").fill_null(NONE_TIER),
        (pl.col("total_new") - pl.col("total")).alias("delta"),
    ).rename({"total": "old_total", "total_new": "new_total", "tier": "old_tier",
              "tier_new": "new_tier"}).drop("applicant_id_new")
    rejected = a.rows_read - joined.height + unreadable

    deltas = joined["delta"]
    gainers = int((deltas > 0).sum())
    losers = int((deltas < 0).sum())
    changes = joined.filter(pl.col("old_tier") != pl.col("new_tier")).height
    transitions = (joined.group_by("old_tier", "new_tier").len()
                   .sort("old_tier", "new_tier").rows())

    factors = []
    old_ids = [*old_s.factors, *old_s.deductions]
    new_ids = [*new_s.factors, *new_s.deductions]
    for fid in [*old_ids, *(i for i in new_ids if i not in old_ids)]:
        in_old, in_new = fid in old_ids, fid in new_ids
        om = _mean(old_pts, fid) if in_old else 0.0
        nm = _mean(new_pts, fid) if in_new else 0.0
        note = "" if in_old and in_new else ("only in old" if in_old else "only in new")
        factors.append(FactorChange(id=fid, old_mean=om, new_mean=nm, note=note))

    worst = joined.filter(pl.col("delta") < 0).sort("delta").head(top)
    movers = tuple(
        Mover(applicant_id=str(r["applicant_id"] if r["applicant_id"] is not None
                               else f"row {r['row']}"),
              old_total=r["old_total"], new_total=r["new_total"], old_tier=r["old_tier"],
              new_tier=r["new_tier"])
        for r in worst.iter_rows(named=True))

    old_cut = new_cut = None
    if quota is not None:
        from .ranking import rank

        old_cut = rank(old_pts, old_s, quota=quota).cutoff
        new_cut = rank(new_pts, new_s, quota=quota).cutoff

    zero = Decimal(0)
    return Diff(
        old_id=old_s.id, new_id=new_s.id, old_hash=old_s.content_hash,
        new_hash=new_s.content_hash, purpose=purpose, on=on, rows=joined.height,
        rejected=rejected, gainers=gainers, losers=losers,
        unchanged=joined.height - gainers - losers, tier_changes=changes,
        mean_change=mean_of(_decimal(deltas.sum()), deltas.len()),
        max_gain=max(zero, _decimal(deltas.max())),
        max_loss=min(zero, _decimal(deltas.min())),
        old_totals=tuple(joined["old_total"].cast(pl.Float64).to_list()),
        new_totals=tuple(joined["new_total"].cast(pl.Float64).to_list()),
        tier_order=_tier_order(old_s, new_s),
        transitions=tuple((str(x), str(y), int(n)) for x, y, n in transitions),
        factors=tuple(factors), biggest_losses=movers, table=joined, quota=quota,
        old_cutoff=old_cut, new_cutoff=new_cut)


def _decimal(v: object) -> Decimal:
    """A Decimal column's max or min (None for an empty table) as a Decimal."""
    return v if isinstance(v, Decimal) else Decimal(0)


def mean_of(total: Decimal | int, n: int) -> float:
    """The exact sum `total` of `n` values divided by `n`, rounded once to a float (0.0
    when `n` is 0): the same mean however the sum was split into parts and added up."""
    return float(Fraction(total) / n) if n else 0.0


def _mean(frame: pl.DataFrame, column: str) -> float:
    if column not in frame.columns or frame.height == 0:
        return 0.0
    return mean_of(_decimal(frame[column].sum()), frame.height)
