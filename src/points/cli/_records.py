"""`--records DIR`: the record-export side of `points sample`, `score` and `explain`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import attrs
import typer
from rich.table import Table

from ..schedule.model import Schedule
from ._common import _fit, _safe, _width, err, out

__all__ = ["ByTime", "IdOpt", "RecordsOpt", "by_time", "explain_records", "sample_records",
           "score_records"]

RecordsOpt = Annotated[Path | None, typer.Option(
    "--records", help="A record export folder: applicants.csv (or .parquet) plus one file "
    "per record kind (permit, insurance, rental, home, certificate, penalty, ...); the facts "
    "the records give replace the applicants' own (docs/records.md).", show_default=False)]
IdOpt = Annotated[str | None, typer.Option(
    "--id", help="With --records: the applicant_id to explain (default: the first "
    "applicant).", show_default=False)]


def sample_records(folder: Path, rows: int, seed: int, when: date, to: str | None) -> None:
    from ..records import write_sample

    fmt = to or "csv"
    written = write_sample(folder, rows, seed=seed, on=when, format=fmt)
    total = sum(n for k, n in written.items() if k != "applicants")
    err.print(f"{rows:,} applicants and {total:,} records (seed {seed}, on {when}) written "
              f"to {folder}/ ({len(written)} {fmt} files)", markup=False)


def score_records(folder: Path, output: str | None, sched: Schedule, *, when: date,
                  purpose: str | None, rejects: str | None, to: str | None,
                  ignore_extra: bool) -> Any:
    from ..records import score_records as run

    summary = run(folder, output, sched, on=when, purpose=purpose, rejects=rejects,
                  output_format=to, extra="ignore" if ignore_extra else "forbid")
    rate = summary.applicants_read / summary.seconds if summary.seconds > 0 else 0.0
    table = Table(show_header=False, title=f"{sched.id} from records in {folder}, purpose "
                  f"{summary.purpose or '-'}, on {when}", title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, n in (("applicants read", summary.applicants_read),
                     ("scored", summary.applicants_scored),
                     ("rejected", summary.applicants_rejected),
                     ("  for their records", summary.applicants_rejected_by_records),
                     ("records read", summary.records_read),
                     ("used", summary.records_used),
                     ("refused", summary.records_refused),
                     ("of rejected applicants", summary.records_of_rejected_applicants)):
        table.add_row(label, f"{n:,}")
    for t in sched.tiers:
        table.add_row(f"tier {t.id}", f"{summary.tiers.get(t.id, 0):,}")
    table.add_row("time", f"{summary.seconds:.2f} s ({rate:,.0f} applicants/s)")
    out.print(table)
    for path, what in ((summary.output, "scored applicants"),
                       (summary.rejects, "rejected applicants"),
                       (summary.record_rejects, "refused records"),
                       (summary.summary, "counts, schedule, version, date")):
        out.print(f"wrote {path} ({what})", markup=False)
    return summary


def explain_records(folder: Path, applicant_id: str | None, sched: Schedule, *, when: date,
                    purpose: str | None, lang: str, as_json: bool, what_if: bool) -> None:
    from ..engines import score
    from ..facts import Applicant
    from ..records import applicant_records

    facts, records = applicant_records(folder, applicant_id)
    applicant = Applicant.parse(facts, source=f"{folder}/applicants")
    card = score(applicant, sched, purpose=purpose, on=when, records=records)
    found = by_time(applicant, sched, records, on=when, purpose=purpose) if what_if else None
    if as_json:
        data = card.to_dict()
        if found is not None:
            data = {"card": data, "by_time": {
                "tier": found.tier, "on": None if found.on is None else found.on.isoformat(),
                "total": None if found.total is None else str(found.total),
                "horizon_years": found.horizon_years}}
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    out.print(_safe(card.explain(lang, width=_width())), markup=False)
    if found is not None:
        out.print()
        out.print(_safe(_fit(found.text(lang))), markup=False)


# --- time alone ----------------------------------------------------------------------------


@attrs.frozen
class ByTime:
    """The first date on which the applicant unlocks `tier` with no record added or changed
    (None within `horizon_years`), and the total that day."""

    tier: str | None
    on: date | None
    total: Decimal | None
    horizon_years: int

    def text(self, lang: str = "en") -> str:
        if self.tier is None:
            return "已达到最高层级" if lang == "zh" else "No next tier to reach."
        if self.on is None:
            return (f"仅凭时间推移，{self.horizon_years} 年内达不到 {self.tier}（记录不变）"
                    if lang == "zh" else
                    f"Time alone does not reach {self.tier} within {self.horizon_years} "
                    "years (records as they are).")
        return (f"仅凭时间推移（记录不变，未结束的记录延续）：{self.on} 达到 {self.tier}，"
                f"总分 {self.total}" if lang == "zh" else
                f"Time alone (records as they are, open periods running on): {self.tier} "
                f"on {self.on}, total {self.total}.")


def by_time(applicant: Any, schedule: Any, records: Any, *, on: date,
            purpose: str | None = None, horizon_years: int = 10) -> ByTime:
    """The first date after `on` when the next tier of the card on `on` is unlocked, the
    records read afresh on that date: open periods run on, windows move (old penalties drop
    out), age follows the birth date, and nothing else changes (a permit that ends is not
    renewed). Searched four weeks at a time, then day by day within the four weeks found."""
    from ..engines import score

    card = score(applicant, schedule, purpose=purpose, on=on, records=records)
    target = card.next_tier.id if card.next_tier is not None else None
    if target is None:
        return ByTime(tier=None, on=None, total=None, horizon_years=horizon_years)

    def reached(d: date) -> Decimal | None:
        c = score(applicant, schedule, purpose=purpose, on=d, records=records)
        return c.total if target in c.tiers else None

    before = on
    for step in range(1, horizon_years * 365 // 28 + 2):
        d = on + timedelta(days=28 * step)
        if reached(d) is not None:
            day = before + timedelta(days=1)
            while day <= d:
                total = reached(day)
                if total is not None:
                    return ByTime(tier=target, on=day, total=total,
                                  horizon_years=horizon_years)
                day += timedelta(days=1)
        before = d
    return ByTime(tier=target, on=None, total=None, horizon_years=horizon_years)
