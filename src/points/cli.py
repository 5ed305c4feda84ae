"""The `points` command line (Typer + Rich).

Every command exits 0 on success, 1 when the input is bad (a `PointsError`, printed as one
clear line), and 2 on a usage error; `score --strict` and `rank --strict` exit 3 when any
row was rejected (after writing everything).
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from . import __version__
from .applicant import Applicant
from .data import SAMPLE_ON, sample_path
from .engine import score as score_one
from .errors import InputError, PointsError
from .schedule.loader import _parse, bundled_ids, load_schedule
from .schedule.model import Schedule

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from .io import BatchSummary

app = typer.Typer(
    name="points",
    help="Score applicants under points-based residence-permit schedules, and explain why.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

#: The schedule used when none is named.
DEFAULT_SCHEDULE = "guangzhou/2021"

ScheduleOpt = Annotated[str, typer.Option(
    "--schedule", "-s", help="Bundled schedule id or path to a TOML file.")]
PurposeOpt = Annotated[str | None, typer.Option(
    "--purpose", "-p", help="Purpose to score for (default: the schedule's own).")]
OnOpt = Annotated[str | None, typer.Option(
    "--on", help="Evaluation date, YYYY-MM-DD (default: today; the sample's date for it).")]
LangOpt = Annotated[str, typer.Option("--lang", help="Label language: en or zh.")]


def _fail(exc: PointsError) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
    raise typer.Exit(1)


def _date(text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("--on takes a date as YYYY-MM-DD", value=text) from None


def _read_applicant(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from None
    if path.suffix == ".toml":
        data = _parse(text, str(path))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                source=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("an applicant is one JSON object or TOML table", source=str(path),
                         value=type(data).__name__)
    return data


def _sample_rows() -> list[dict[str, Any]]:
    with sample_path().open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@app.command()
def explain(
    applicant: Annotated[Path | None, typer.Argument(
        help="Applicant facts as a .json or .toml file; none: the first bundled sample.")] = None,
    schedule: ScheduleOpt = DEFAULT_SCHEDULE,
    purpose: PurposeOpt = None,
    on: OnOpt = None,
    lang: LangOpt = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print the card as JSON.")] = False,
    what_if: Annotated[bool, typer.Option(
        "--what-if", help="Also show the smallest changes that reach the next tier, and the "
        "date time alone gets there.")] = False,
) -> None:
    """Score one applicant and explain every point."""
    try:
        if applicant is None:
            facts: dict[str, Any] = _sample_rows()[0]
            when = _date(on, SAMPLE_ON)
        else:
            facts = _read_applicant(applicant)
            when = _date(on, date.today())
        parsed = Applicant.parse(facts, source=str(applicant or sample_path().name))
        card = score_one(parsed, schedule, purpose=purpose, on=when)
        if what_if:
            from .analysis import what_if as find_what_if

            found = find_what_if(parsed, schedule, purpose=purpose, on=when)
    except PointsError as exc:
        _fail(exc)
        return
    if as_json:
        data = card.to_dict()
        if what_if:
            data = {"card": data, "what_if": found.to_dict()}
        out.print_json(json.dumps(data, ensure_ascii=False))
    else:
        out.print(card.explain(lang), markup=False)
        if what_if:
            out.print()
            out.print(found.text(lang), markup=False)


@app.command()
def check(
    schedule: Annotated[str, typer.Argument(help="Bundled schedule id or path to a TOML file.")],
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit 1 when the analysis finds warnings, not only errors.")] = False,
) -> None:
    """Validate a schedule, then analyse it: the exact lowest and highest total per purpose,
    tiers no one can reach, factors that can never matter, gates that never pass or never
    fail, thresholds within one rule unit of a cliff. Exit 1 on errors (with --strict, on
    warnings too)."""
    try:
        s = load_schedule(schedule)
    except PointsError as exc:
        _fail(exc)
        return
    m = s.schedule
    out.print(f"[green]ok[/] {s.id}: {m.title.en} ({m.document})")
    out.print(f"   {len(s.factors)} factors, {len(s.groups)} groups, "
              f"{len(s.deductions)} deductions, {len(s.gates)} gates, "
              f"{len(s.purposes)} purposes, {len(s.tiers)} tiers")
    provisional = [k for k, f in {**s.factors, **s.deductions}.items()
                   if f.status == "provisional"]
    if provisional:
        out.print(f"   provisional: {', '.join(provisional)}")
    from .analysis import analyse

    found = analyse(s)
    for b in found.bounds:
        proof = "" if b.exact else " (search limit reached: not proven)"
        out.print(f"   purpose {b.purpose or '-'}: total from {b.minimum} to {b.maximum}{proof}",
                  markup=False)
    for f in found.findings:
        style = "yellow" if f.severity == "warning" else "dim"
        out.print(f"[{style}]{f.severity}[/] {escape(f.path)}: {escape(f.message)}")
    if strict and found.warnings:
        err.print(f"[bold red]strict:[/] {len(found.warnings)} warning(s)", markup=True)
        raise typer.Exit(1)


@app.command()
def schedules() -> None:
    """List the bundled schedules."""
    table = Table("id", "document", "in force", "title")
    for sid in bundled_ids():
        try:
            s = load_schedule(sid)
        except PointsError as exc:  # pragma: no cover - every bundled schedule loads (tested)
            table.add_row(sid, "[red]error[/]", "", str(exc))
            continue
        m = s.schedule
        span = f"{m.effective_from} – {m.effective_until or ''}"
        table.add_row(sid, m.document, span, m.title.zh)
    out.print(table)


@app.command()
def show(
    schedule: Annotated[str | None, typer.Argument(
        help="Bundled schedule id or path to a TOML file (or --all).",
        show_default=False)] = None,
    markdown: Annotated[bool, typer.Option(
        "--markdown", help="Markdown (the docs page) instead of plain text.")] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="zh or en (default en; with --out, both).", show_default=False)] = None,
    every: Annotated[bool, typer.Option("--all", help="Every bundled schedule.")] = False,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Write the Markdown pages into this folder (with --all also the "
        "README.md index, and remove pages of schedules no longer bundled).",
        show_default=False)] = None,
) -> None:
    """Print a schedule for checking against its document: every factor, gate, tier and
    service with its reference and status (a merged schedule says what is inherited)."""
    from . import show as shows

    if (schedule is None) == (not every):
        raise typer.BadParameter("give a schedule id or --all, not both", param_hint="SCHEDULE")
    if lang not in (None, "en", "zh"):
        raise typer.BadParameter("en or zh", param_hint="--lang")
    try:
        ids = bundled_ids() if every else [str(schedule)]
        if out_dir is not None:
            langs = ("en", "zh") if lang is None else (lang,)
            pages = shows.pages(ids, langs=langs, index=every)
            for path in shows.write_pages(out_dir, pages, prune=every and lang is None):
                out.print(f"wrote {path}" if path.exists() else f"removed {path}")
            out.print(f"{len(pages)} pages up to date in {out_dir}")
            return
        texts = [shows.render(i, lang=lang or "en", markdown=markdown) for i in ids]
    except PointsError as exc:
        _fail(exc)
        return
    sys.stdout.write("\n".join(texts))


@app.command()
def schema(
    applicant: Annotated[bool, typer.Option(
        "--applicant", help="The JSON Schema of applicant facts instead.")] = False,
) -> None:
    """Print the JSON Schema of the schedule TOML format (or of applicant facts)."""
    from .families import schedule_json_schema  # the format, with factors by family

    data = (Applicant.model_json_schema(by_alias=True) if applicant
            else schedule_json_schema())
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


InputArg = Annotated[str | None, typer.Argument(
    help="Applicant list: a .csv, .parquet, .jsonl or .xlsx file, a directory of such files "
         "(one format), or - for standard input.", show_default=False)]
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", help="Output file (- for standard output). Default: NAME.scored.EXT "
    "(NAME.ranked.EXT for rank) beside the input.", show_default=False)]
RejectsOpt = Annotated[str | None, typer.Option(
    "--rejects", help="Rejects file (row, field, value, reason, source). Default: "
    "NAME.rejects.EXT beside the output.", show_default=False)]
FormatOpt = Annotated[str | None, typer.Option(
    "--format", help="Input format: csv, parquet, jsonl or excel (needed for standard "
    "input; otherwise read from the suffix).", show_default=False)]
ToOpt = Annotated[str | None, typer.Option(
    "--to", help="Output format (default: the output's suffix, else the input's).",
    show_default=False)]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Exit 3 when any row was rejected (everything is still written).")]
ExtraOpt = Annotated[bool, typer.Option(
    "--ignore-extra", help="Skip columns that are not facts instead of refusing the file.")]

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
    only once a run has taken more than `delay` seconds."""

    def __init__(self, label: str, *, delay: float = 1.0) -> None:
        self.label = label
        self.enabled = out.is_terminal and err.is_terminal
        self.delay = delay
        self._start = time.perf_counter()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, rows: int, done: int, total: int | None) -> None:
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
        self._bar.update(self._task, completed=done, total=total, rows=rows, rate=rate)

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
               (s.rejects, f"{s.rows_rejected:,} rejected rows")]
    for path, what in written:
        if path is not None:
            console.print(f"wrote {path} ({what})", markup=False)


@app.command()
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
    cards: Annotated[int, typer.Option(
        help="Explained cards to print when scoring the bundled sample.")] = 2,
    lang: LangOpt = "en",
    engine: EngineOpt = "local",
    master: MasterOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Score an applicant list; write scored rows and rejects; print a summary.

    With no INPUT, scores the bundled sample applicants and prints the summary and a few
    explained score cards; it writes the scored list only when -o is given.
    """
    sample = input is None
    try:
        sched = load_schedule(schedule)
        when = _date(on, SAMPLE_ON if sample else date.today())
        name, address = _engine(engine, master, scheduler, fmt, to)
        if name is not None:
            if input is None:
                raise InputError(f"--engine {name} needs an INPUT (Parquet)")
            from . import distributed

            summary = distributed.score_file(
                input, output, sched, engine=name, address=address, rejects=rejects,
                purpose=purpose, on=when, extra="ignore" if ignore_extra else "forbid")
            _print_summary(summary, sched, to_stdout=False)
            _finish_strict(summary, strict)
            return
        from .io import score_file

        with _Progress("scoring") as progress:
            summary = score_file(
                sample_path() if input is None else input, output, sched, rejects=rejects,
                purpose=purpose, on=when, format=fmt, output_format=to,
                extra="ignore" if ignore_extra else "forbid", progress=progress,
                write=not sample or output is not None)
        shown = []
        if sample:
            for i, row in enumerate(_sample_rows()[:cards], start=1):
                shown.append(score_one(Applicant.parse(row, row=i, source=sample_path().name),
                                       sched, purpose=purpose, on=when))
    except PointsError as exc:
        _fail(exc)
        return
    _print_summary(summary, sched, to_stdout=output == "-")
    for card in shown:
        out.print()
        out.print(card.explain(lang), markup=False)
    _finish_strict(summary, strict)


def _engine(engine: str, master: str | None, scheduler: str | None,
            fmt: str | None, to: str | None) -> tuple[Any, str | None]:
    """The distributed engine's name and address; None for the local engine."""
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


@app.command()
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
        "--seed", help="Seed of the lottery among the still tied (final = lottery).",
        show_default=False)] = None,
    fmt: FormatOpt = None,
    to: ToOpt = None,
    strict: StrictOpt = False,
    ignore_extra: ExtraOpt = False,
    engine: EngineOpt = "local",
    master: MasterOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Score and rank an applicant list under the quota; print the cutoff and the number
    admitted, and write the ranked list (with rank and admitted) and the rejects."""
    try:
        sched = load_schedule(schedule)
        when = _date(on, date.today())
        name, address = _engine(engine, master, scheduler, fmt, to)
        if name is not None:
            from . import distributed

            summary = distributed.rank_file(
                input, output, sched, engine=name, address=address, rejects=rejects,
                purpose=purpose, on=when, quota=quota, seed=seed,
                extra="ignore" if ignore_extra else "forbid")
        else:
            from .io import rank_file

            with _Progress("scoring") as progress:
                summary = rank_file(
                    input, output, sched, rejects=rejects, purpose=purpose, on=when,
                    quota=quota, seed=seed, format=fmt, output_format=to,
                    extra="ignore" if ignore_extra else "forbid", progress=progress)
    except PointsError as exc:
        _fail(exc)
        return
    console = err if output == "-" else out
    _print_summary(summary, sched, to_stdout=output == "-")
    final = sched.ranking.final if sched.ranking is not None else "all_admitted"
    if summary.quota is None:
        console.print(f"no quota: all {summary.admitted or 0:,} ranked applicants admitted"
                      + ("" if summary.cutoff is None else f", lowest {summary.cutoff}"))
    elif summary.cutoff is None:
        console.print(f"no applicant admitted (quota {summary.quota:,})")
    else:
        console.print(f"cutoff {summary.cutoff}: {summary.admitted or 0:,} admitted "
                      f"(quota {summary.quota:,}; still tied at the cutoff: {final})")
    _finish_strict(summary, strict)


@app.command()
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
) -> None:
    """Write a seeded list of realistic synthetic applicants (for demos, tests, benchmarks)."""
    from .io import write_table
    from .sample import sample_frames

    try:
        when = _date(on, SAMPLE_ON)
        with _Progress("drawing") as progress:
            done = 0

            def frames() -> Iterator[pl.DataFrame]:
                nonlocal done
                for frame in sample_frames(rows, seed=seed, on=when):
                    done += frame.height
                    progress(done, done, rows)
                    yield frame

            written = write_table(frames(), output, format=to)
    except PointsError as exc:
        _fail(exc)
        return
    if output is not None and output != "-":
        err.print(f"{written:,} applicants (seed {seed}, on {when}) written to {output}")


@app.command()
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
    engine: EngineOpt = "local",
    master: MasterOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Score one population under two schedules: who gains, who loses, tier moves."""
    from .diff import diff as run_diff

    try:
        name, address = _engine(engine, master, scheduler, None, None)
        if name is not None:
            from . import distributed

            d = distributed.diff_file(old, new, population, engine=name, address=address,
                                      purpose=purpose, on=_date(on, date.today()),
                                      quota=quota)
        else:
            d = run_diff(old, new, population, purpose=purpose, on=_date(on, date.today()),
                         quota=quota)
    except PointsError as exc:
        _fail(exc)
        return
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


def _version(value: bool) -> None:
    if value:
        out.print(f"points {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    pass


def main() -> None:
    """Entry point of the `points` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
