"""Commands over applicant lists: score, rank, sample, diff."""


from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from .._data import SAMPLE_ON, sample_path
from ..engines import score as score_one
from ..errors import InputError
from ..facts import Applicant
from ..schedule.loader import load_schedule
from ..schedule.model import Schedule

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from ..batch import BatchSummary

from ._common import (
    DEFAULT_SCHEDULE,
    LangOpt,
    OnOpt,
    OutOfForceOpt,
    PurposeOpt,
    ScheduleOpt,
    _batch_errors,
    _date,
    _in_force,
    _log,
    _safe,
    _sample_rows,
    _say,
    _width,
    err,
    out,
)
from ._records import RecordsOpt, sample_records, score_records

InputArg = Annotated[str | None, typer.Argument(
    help="Applicant list: a .csv, .parquet, .jsonl or .xlsx file, a directory of such files "
         "(one format), or - for standard input.", show_default=False)]
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", help="Output file (- for standard output). Default: NAME.scored.EXT "
    "(NAME.ranked.EXT for rank) beside the input.", show_default=False)]
RejectsOpt = Annotated[str | None, typer.Option(
    "--rejects", help="Rejects file (row, field, value, reason, source). Default: "
    "OUT.rejects.EXT beside the output, OUT being its name without the suffix "
    "(list.scored.rejects.csv); the run summary goes beside it (list.scored.summary.json).",
    show_default=False)]
FormatOpt = Annotated[str | None, typer.Option(
    "--format", help="Input format: csv, parquet, jsonl or excel (needed for standard "
    "input; otherwise read from the suffix).", show_default=False)]
ToOpt = Annotated[str | None, typer.Option(
    "--to", help="Output format (default: the output's suffix, else the input's).",
    show_default=False)]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", help="Text encoding of CSV input, such as utf-8 or gb18030 (default: "
    "UTF-8, or GB18030 when the file is not valid UTF-8).", show_default=False)]
BomOpt = Annotated[bool, typer.Option(
    "--bom/--no-bom", help="Start CSV files written with a UTF-8 byte-order mark, so Excel "
    "reads Chinese text right (never on standard output or a pipe).")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Exit 3 when any row was rejected (everything is still written).")]
OutputsOpt = Annotated[str | None, typer.Option(
    "--outputs", help="Write only these scored columns, comma-separated (row and "
    "applicant_id are always written), e.g. total,eligible,tier: quicker and smaller.",
    show_default=False)]
ExtraOpt = Annotated[bool, typer.Option(
    "--ignore-extra", help="Skip columns that are not facts instead of refusing the file.")]
UnreadOpt = Annotated[bool, typer.Option(
    "--skip-unread", help="Skip the columns of facts the schedule never reads instead of "
    "checking them: quicker on a wide file, but a bad cell there then rejects nothing "
    "(points.score would refuse the row). Local engine only.")]

EngineOpt = Annotated[str, typer.Option(
    "--engine", help="Where to run: local (this process), spark or dask (Parquet in, "
    "Parquet folders out; needs the spark or dask extra of points).")]
MasterOpt = Annotated[str | None, typer.Option(
    "--master", help="Spark master URL for --engine spark (default: local[2]).",
    show_default=False)]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Dask scheduler address for --engine dask (default: a new local "
    "cluster).", show_default=False)]

#: Exit status of `score --strict` / `rank --strict` when a row was rejected.
EXIT_REJECTED = 3


class _Progress:
    """A Rich progress bar on stderr (rows, rows/s, ETA), shown only on a terminal and
    only once a run has taken more than `delay` seconds. It counts rows scored (or
    rejected) against the rows expected: exact for Parquet, estimated from the line ends
    for CSV and JSON Lines; with no total (a stream) it shows no ETA."""

    def __init__(self, label: str, *, delay: float = 1.0) -> None:
        self.label = label
        self.enabled = out.is_terminal and err.is_terminal
        self.delay = delay
        self._start = time.perf_counter()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, rows: int, total: int | None) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if time.perf_counter() - self._start < self.delay:
                return
            self._bar = Progress(
                TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[rows]:,} rows"),
                TextColumn("{task.fields[rate]:,.0f} rows/s"),
                TimeRemainingColumn(), console=err, transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=total, rows=0, rate=0.0)
        assert self._task is not None
        rate = rows / max(time.perf_counter() - self._start, 1e-9)
        self._bar.update(self._task, completed=rows, total=total, rows=rows, rate=rate)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _summary_table(s: BatchSummary, sched: Schedule) -> Table:
    rate = s.rows_read / s.seconds if s.seconds > 0 else 0.0
    table = Table(show_header=False, title=f"{sched.id} ({sched.schedule.document}), "
                  f"purpose {s.purpose or '-'}, on {s.on}", title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("rows read", f"{s.rows_read:,}")
    table.add_row("scored", f"{s.rows_scored:,}")
    table.add_row("rejected", f"{s.rows_rejected:,}",
                  style="red" if s.rows_rejected else None)
    if s.eligible is not None:
        table.add_row("eligible", f"{s.eligible:,}")
    for t in sched.tiers:
        table.add_row(f"tier {t.id}", f"{s.tiers.get(t.id, 0):,}")
    if s.ranked:
        table.add_row("ranked", f"{s.in_ranking or 0:,}")
        table.add_row("quota", "none" if s.quota is None else f"{s.quota:,}")
        table.add_row("cutoff", "-" if s.cutoff is None else str(s.cutoff))
        table.add_row("admitted", f"{s.admitted or 0:,}")
    table.add_row("time", f"{s.seconds:.2f} s ({rate:,.0f} rows/s)")
    return table


def _print_summary(s: BatchSummary, sched: Schedule, *, to_stdout: bool) -> None:
    """The summary table, then where the outputs are (on stderr when rows go to stdout)."""
    console = err if to_stdout else out
    console.print(_summary_table(s, sched))
    scored = f"{s.rows_scored:,} scored rows"
    if s.ranked:
        scored += f", {s.in_ranking or 0:,} of them ranked"
    written = [(s.output, scored),
               (s.rejects, f"{s.rows_rejected:,} rejected rows"),
               (s.summary, "counts, schedule, version, date")]
    for path, what in written:
        if path is not None:
            console.print(f"wrote {path} ({what})", markup=False)


def score(
    input: InputArg = None,
    schedule: ScheduleOpt = DEFAULT_SCHEDULE,
    output: OutputOpt = None,
    rejects: RejectsOpt = None,
    purpose: PurposeOpt = None,
    on: OnOpt = None,
    fmt: FormatOpt = None,
    to: ToOpt = None,
    strict: StrictOpt = False,
    ignore_extra: ExtraOpt = False,
    skip_unread: UnreadOpt = False,
    outputs: OutputsOpt = None,
    cards: Annotated[int, typer.Option(
        help="Explained cards to print when scoring the bundled sample.")] = 2,
    lang: LangOpt = "en",
    out_of_force: OutOfForceOpt = False,
    encoding: EncodingOpt = None,
    bom: BomOpt = True,
    engine: EngineOpt = "local",
    master: MasterOpt = None,
    scheduler: SchedulerOpt = None,
    records: RecordsOpt = None,
) -> None:
    """Score an applicant list; write scored rows and rejects; print a summary.

    With no INPUT, scores the bundled sample applicants on the sample's own date (2024-06-01)
    and prints the summary and a few explained score cards; it writes the scored list only
    when -o is given. Says on stderr whether the schedule is in force on the evaluation date
    (the scored file has an in_force column), and refuses one that is not unless
    --out-of-force is given. With --records DIR, scores a record export instead: the facts the
    records give replace the applicants' own (refused records go to OUT.record_rejects.EXT).
    """
    if records is not None:
        with _batch_errors():
            if input is not None or engine != "local":
                raise InputError("--records takes the place of INPUT, on the local engine")
            if skip_unread:
                raise InputError("--skip-unread works with an INPUT, not --records")
            sched = load_schedule(schedule)
            when = _date(on, date.today())
            force = _in_force(sched, when, out_of_force)
            done = score_records(records, output, sched, when=when, purpose=purpose,
                                 rejects=rejects, to=to, ignore_extra=ignore_extra)
            _say(force)
        if strict and (done.applicants_rejected or done.records_refused):
            err.print(f"[bold red]strict:[/] {done.applicants_rejected:,} applicants "
                      f"rejected, {done.records_refused:,} records refused", markup=True)
            raise typer.Exit(EXIT_REJECTED)
        return
    sample = input is None
    with _batch_errors():
        sched = load_schedule(schedule)
        when = _date(on, SAMPLE_ON if sample else date.today())
        force = _in_force(sched, when, out_of_force)
        name, address = _engine(engine, master, scheduler, fmt, to, skip_unread)
        asked = None if outputs is None else [c.strip() for c in outputs.split(",")
                                              if c.strip()]
        if name is not None:
            if input is None:
                raise InputError(f"--engine {name} needs an INPUT (Parquet)")
            if asked is not None:
                raise InputError(f"--outputs works with the local engine, not --engine {name}")
            from .. import distributed

            summary = distributed.score_file(
                input, output, sched, engine=name, address=address, rejects=rejects,
                purpose=purpose, on=when, extra="ignore" if ignore_extra else "forbid")
            _print_summary(summary, sched, to_stdout=False)
            _say(force)
            _finish_strict(summary, strict)
            return
        from ..batch import score_file

        with _Progress("scoring") as progress:
            summary = score_file(
                sample_path() if input is None else input, output, sched, rejects=rejects,
                purpose=purpose, on=when, format=fmt, output_format=to,
                extra="ignore" if ignore_extra else "forbid", progress=progress,
                write=not sample or output is not None, encoding=encoding, bom=bom,
                outputs=asked, columns="read" if skip_unread else "all")
        shown = []
        if sample:
            for i, row in enumerate(_sample_rows()[:cards], start=1):
                shown.append(score_one(Applicant.parse(row, row=i, source=sample_path().name),
                                       sched, purpose=purpose, on=when))
        _log.info("scored %s under %s: %d rows read, %d scored, %d rejected",
                  input or "the bundled sample", sched.id, summary.rows_read,
                  summary.rows_scored, summary.rows_rejected)
        _print_summary(summary, sched, to_stdout=output == "-")
        for card in shown:
            out.print()
            out.print(_safe(card.explain(lang, width=_width())), markup=False)
        _say(force)
    _finish_strict(summary, strict)


def _engine(engine: str, master: str | None, scheduler: str | None,
            fmt: str | None, to: str | None, skip_unread: bool = False
            ) -> tuple[Any, str | None]:
    """The distributed engine's name and address; None for the local engine."""
    if engine != "local" and skip_unread:
        raise InputError(f"--skip-unread works with the local engine, not --engine {engine}")
    if engine == "local":
        if master is not None or scheduler is not None:
            raise InputError("--master and --scheduler go with --engine spark or dask")
        return None, None
    if engine not in ("spark", "dask"):
        raise InputError("--engine takes local, spark or dask", value=engine)
    if (master is not None and engine != "spark") or (scheduler is not None
                                                       and engine != "dask"):
        raise InputError("--master goes with --engine spark, --scheduler with --engine dask")
    for opt, value in (("--format", fmt), ("--to", to)):
        if value not in (None, "parquet"):
            raise InputError(f"--engine {engine} reads and writes Parquet; {opt} takes only "
                             "parquet", value=value)
    return engine, master if engine == "spark" else scheduler


def _finish_strict(s: BatchSummary, strict: bool) -> None:
    if strict and s.rows_rejected:
        err.print(f"[bold red]strict:[/] {s.rows_rejected:,} rows rejected; see "
                  f"{s.rejects}", markup=True)
        raise typer.Exit(EXIT_REJECTED)


def rank(
    input: Annotated[str, typer.Argument(
        help="Applicant list: a .csv, .parquet, .jsonl or .xlsx file, a directory of such "
             "files (one format), or - for standard input.", show_default=False)],
    schedule: ScheduleOpt = DEFAULT_SCHEDULE,
    output: OutputOpt = None,
    rejects: RejectsOpt = None,
    purpose: Annotated[str | None, typer.Option(
        "--purpose", "-p", help="Purpose to score for (default: the schedule's ranking "
        "purpose).", show_default=False)] = None,
    on: OnOpt = None,
    quota: Annotated[int | None, typer.Option(
        "--quota", min=1, help="Places to fill (default: the schedule's ranking quota).",
        show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", min=0, help="Seed of the lottery among the still tied (final = lottery).",
        show_default=False)] = None,
    fmt: FormatOpt = None,
    to: ToOpt = None,
    strict: StrictOpt = False,
    ignore_extra: ExtraOpt = False,
    skip_unread: UnreadOpt = False,
    out_of_force: OutOfForceOpt = False,
    encoding: EncodingOpt = None,
    bom: BomOpt = True,
    engine: EngineOpt = "local",
    master: MasterOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Score and rank an applicant list under the quota; print the cutoff and the number
    admitted, and write the ranked list (with rank and admitted) and the rejects.

    Refuses a schedule not in force on the evaluation date unless --out-of-force is given.
    """
    with _batch_errors():
        sched = load_schedule(schedule)
        when = _date(on, date.today())
        force = _in_force(sched, when, out_of_force)
        name, address = _engine(engine, master, scheduler, fmt, to, skip_unread)
        if name is not None:
            from .. import distributed

            summary = distributed.rank_file(
                input, output, sched, engine=name, address=address, rejects=rejects,
                purpose=purpose, on=when, quota=quota, seed=seed,
                extra="ignore" if ignore_extra else "forbid")
        else:
            from ..batch import rank_file

            with _Progress("scoring") as progress:
                summary = rank_file(
                    input, output, sched, rejects=rejects, purpose=purpose, on=when,
                    quota=quota, seed=seed, format=fmt, output_format=to,
                    extra="ignore" if ignore_extra else "forbid", progress=progress,
                    encoding=encoding, bom=bom, columns="read" if skip_unread else "all")
        console = err if output == "-" else out
        _print_summary(summary, sched, to_stdout=output == "-")
        final = sched.ranking.final if sched.ranking is not None else "all_admitted"
        if summary.quota is None:
            console.print(f"no quota: all {summary.admitted or 0:,} ranked applicants "
                          "admitted"
                          + ("" if summary.cutoff is None else f", lowest {summary.cutoff}"))
        elif summary.cutoff is None:
            console.print(f"no applicant admitted (quota {summary.quota:,})")
        else:
            console.print(f"cutoff {summary.cutoff}: {summary.admitted or 0:,} admitted "
                          f"(quota {summary.quota:,}; still tied at the cutoff: {final})")
        _say(force)
    _finish_strict(summary, strict)


def sample(
    rows: Annotated[int, typer.Option("--rows", "-n", min=0, help="Applicants to draw.")]
    = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 0,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="File to write (.csv, .parquet, .jsonl, .xlsx); default: CSV "
        "on standard output.", show_default=False)] = None,
    on: Annotated[str | None, typer.Option(
        "--on", help="Evaluation date the applicants are drawn for, YYYY-MM-DD.",
        show_default=False)] = None,
    to: ToOpt = None,
    bom: BomOpt = True,
    records: Annotated[Path | None, typer.Option(
        "--records", help="Write a synthetic record export to this folder instead: "
        "applicants plus one file per record kind (--to csv or parquet), about 40 records "
        "an applicant.", show_default=False)] = None,
) -> None:
    """Write a seeded list of realistic synthetic applicants (for demos, tests, benchmarks)."""
    from ..batch import sample_frames, write_table

    if records is not None:
        with _batch_errors():
            sample_records(records, rows, seed, _date(on, SAMPLE_ON), to)
        return
    with _batch_errors():
        when = _date(on, SAMPLE_ON)
        with _Progress("drawing") as progress:
            done = 0

            def frames() -> Iterator[pl.DataFrame]:
                nonlocal done
                for frame in sample_frames(rows, seed=seed, on=when):
                    done += frame.height
                    progress(done, rows)
                    yield frame

            written = write_table(frames(), output, format=to, bom=bom)
    if output is not None and output != "-":
        err.print(f"{written:,} applicants (seed {seed}, on {when}) written to {output}")


def diff(
    old: Annotated[str, typer.Argument(help="The schedule in force (id or path).")],
    new: Annotated[str, typer.Argument(help="The proposed revision (id or path).")],
    population: Annotated[Path, typer.Option(
        "--population", help="Applicants to compare on: a file or directory of CSV, Parquet, "
        "JSON Lines or Excel.")],
    purpose: PurposeOpt = None,
    on: OnOpt = None,
    quota: Annotated[int | None, typer.Option(
        help="Also compare the cutoff under this quota.")] = None,
    html_out: Annotated[Path | None, typer.Option(
        "--html", help="Write the offline HTML report with charts here.")] = None,
    out_of_force: OutOfForceOpt = False,
    encoding: EncodingOpt = None,
    engine: EngineOpt = "local",
    master: MasterOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Score one population under two schedules: who gains, who loses, tier moves.

    The OLD schedule must be in force on the evaluation date unless --out-of-force is given;
    the NEW one is a proposal: whether it is in force is only reported (on stderr).
    """
    from ..analysis import diff as run_diff

    with _batch_errors():
        when = _date(on, date.today())
        name, address = _engine(engine, master, scheduler, None, None)
        if name is not None:
            from .. import distributed

            d = distributed.diff_file(old, new, population, engine=name, address=address,
                                      purpose=purpose, on=when, quota=quota)
        else:
            d = run_diff(old, new, population, purpose=purpose, on=when, quota=quota,
                         encoding=encoding)
        forces = (_in_force(load_schedule(old), when, out_of_force),
                  _in_force(load_schedule(new), when, out_of_force, refuse=False))
    table = Table("", "applicants", title=f"{d.old_id} → {d.new_id}: {d.rows} applicants"
                  + (f" ({d.rejected} rejected)" if d.rejected else ""))
    for name, n in (("gain", d.gainers), ("lose", d.losers), ("unchanged", d.unchanged),
                    ("change tier", d.tier_changes)):
        table.add_row(name, str(n))
    out.print(table)
    out.print(f"mean change {d.mean_change:+.2f}; largest gain {d.max_gain}, "
              f"largest loss {d.max_loss}")
    moves = Table("old tier", "new tier", "applicants", title="tier transitions")
    for a, b, n in d.transitions:
        if a != b:
            moves.add_row(a, b, str(n))
    if moves.row_count:
        out.print(moves)
    factors = Table("factor", "old mean", "new mean", "change", title="factor contributions")
    for f in d.factors:
        if f.change or f.note:
            factors.add_row(f.id, f"{f.old_mean:.2f}", f"{f.new_mean:.2f}",
                            f"{f.change:+.2f} {f.note}".strip())
    if factors.row_count:
        out.print(factors)
    if quota is not None:
        out.print(f"cutoff under quota {quota}: {d.old_cutoff} → {d.new_cutoff}")
    if html_out is not None:
        tmp = html_out.with_name(f".{html_out.name}.tmp")
        tmp.write_text(d.html(), encoding="utf-8")
        tmp.replace(html_out)
        out.print(f"report: {html_out}")
    _say(*forces)


