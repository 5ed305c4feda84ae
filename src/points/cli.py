"""The `points` command line (Typer + Rich).

Every command exits 0 on success, 1 when the input is bad (a `PointsError`, printed as one
clear line), and 2 on a usage error; `score --strict` and `rank --strict` exit 3 when any
row was rejected (after writing everything).
"""

from __future__ import annotations

import contextlib
import csv
import inspect
import json
import logging
import os
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
from .errors import InputError, NoScheduleInForce, PointsError
from .schedule.loader import _parse, bundled_ids, dates_provisional, load_schedule, serves
from .schedule.model import Schedule

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from .io import BatchSummary

app = typer.Typer(
    name="points",
    help="Score applicants under points-based residence-permit schedules, and explain why.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
# no markup, no emoji codes: schedule and applicant text is printed as written (`[/]` and
# `:x:` stay text); the few styled messages pass markup=True and escape what they insert
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

#: C0 and C1 control characters but tab and newline, shown escaped instead of sent to a terminal
_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]
             if chr(c) not in "\t\n"}


def _safe(text: str) -> str:
    """`text` with control characters (ESC, CR, ...) shown as `\\x1b` escapes."""
    return text.translate(_CONTROLS)

_log = logging.getLogger("points.cli")

#: The schedule used when none is named.
DEFAULT_SCHEDULE = "guangzhou/2021"

ScheduleOpt = Annotated[str, typer.Option(
    "--schedule", "-s", help="Bundled schedule id or path to a TOML file.")]
PurposeOpt = Annotated[str | None, typer.Option(
    "--purpose", "-p", help="Purpose to score for (default: the schedule's own).")]
OnOpt = Annotated[str | None, typer.Option(
    "--on", help="Evaluation date, YYYY-MM-DD (default: today; the sample's date for it).")]


def _lang(value: str | None) -> str | None:
    if value is not None and value not in ("en", "zh"):
        raise typer.BadParameter(f"{value!r} is not a language: en or zh")
    return value


LangOpt = Annotated[str, typer.Option("--lang", help="Label language: en or zh.",
                                      callback=_lang)]


def _fit(text: str) -> str:
    """`text` with each line wrapped to `_width()` between words, continued one step in."""
    from .explain import _wrap

    width = _width()
    out = []
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        out.extend(_wrap(line, width, indent + 2))
    return "\n".join(out)


def _width() -> int:
    """Columns for text: the terminal's, else 100."""
    from .explain import DEFAULT_WIDTH

    return out.width if out.is_terminal else DEFAULT_WIDTH


OutOfForceOpt = Annotated[bool, typer.Option(
    "--out-of-force", help="Use the schedule even when it is not in force on the evaluation "
    "date (history, or a schedule past its end), on purpose.")]


def _span(s: Schedule) -> str:
    m = s.schedule
    span = f"[{m.effective_from}, {m.effective_until or '…'})"
    return span + (" (dates provisional)" if dates_provisional(s) else "")


def _in_force(s: Schedule, on: date, out_of_force: bool, *, refuse: bool = True) -> str:
    """Whether `s` is in force on `on`, as the line to print on stderr once the command has
    done its work. Refuses (`NoScheduleInForce`) a schedule not in force unless
    `out_of_force`, or `refuse` is false (a proposal compared with the schedule in force)."""
    if s.in_force(on):
        return f"{s.id} is in force on {on}: {_span(s)}"
    if refuse and not out_of_force:
        raise NoScheduleInForce(
            f"{s.id} is not in force on {on}: {_span(s)}; give --on a date in force, or "
            "--out-of-force to use it anyway", path="--on", value=on)
    why = "--out-of-force" if out_of_force else "compared as a proposal"
    return f"warning: {s.id} is NOT in force on {on}: {_span(s)}; used anyway ({why})"


def _say(*lines: str) -> None:
    for line in lines:
        err.print(line, markup=False, style="yellow" if line.startswith("warning") else None)


def _fail(exc: PointsError) -> None:
    err.print(f"[bold red]error:[/] {escape(_safe(str(exc)))}", markup=True)
    raise typer.Exit(1)


#: Exit status when standard output was closed early (`points sample | head`): that of a
#: Unix tool ended by SIGPIPE.
EXIT_PIPE = 141


@contextlib.contextmanager
def _batch_errors() -> Iterator[None]:
    """One clear line for what a batch command cannot do: a `PointsError`, a system error
    (disk full, permission), no memory; a reader that closed standard output early ends the
    run quietly, as Unix tools do."""
    try:
        yield
    except PointsError as exc:
        _fail(exc)
    except BrokenPipeError:
        # nothing more can go to standard output; point it at nothing so that the flush
        # at exit does not fail again
        with contextlib.suppress(OSError, ValueError):
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, sys.stdout.fileno())
            os.close(fd)
        raise typer.Exit(EXIT_PIPE) from None
    except MemoryError:
        _fail(PointsError("out of memory; score the list in parts, or as CSV or Parquet "
                          "(read in chunks) rather than Excel"))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(PointsError(f"{where}{exc.strerror or exc}"))


def _date(text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("--on takes a date as YYYY-MM-DD", value=text) from None


def _read_applicant(path: Path) -> dict[str, Any]:
    """Facts from a .json or .toml file, or from standard input for `-` (a JSON object, or
    TOML when it does not start with `{`)."""
    stdin = str(path) == "-"
    try:
        text = sys.stdin.read() if stdin else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", source=str(path)) from None
    if stdin and not text.lstrip().startswith("{"):
        data = _parse(text, "<stdin>")
    elif path.suffix == ".toml":
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
        help="Applicant facts as a .json or .toml file, or - to read them from standard "
        "input; none: the first bundled sample.")] = None,
    schedule: ScheduleOpt = DEFAULT_SCHEDULE,
    purpose: PurposeOpt = None,
    on: OnOpt = None,
    lang: LangOpt = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print the card as JSON.")] = False,
    what_if: Annotated[bool, typer.Option(
        "--what-if", help="Also show the smallest changes that reach the next tier, and the "
        "date time alone gets there.")] = False,
    out_of_force: OutOfForceOpt = False,
) -> None:
    """Score one applicant and explain every point.

    Says on stderr whether the schedule is in force on the evaluation date, and refuses one
    that is not unless --out-of-force is given.
    """
    try:
        sched = load_schedule(schedule)
        if applicant is None:
            facts: dict[str, Any] = _sample_rows()[0]
            when = _date(on, SAMPLE_ON)
        else:
            facts = _read_applicant(applicant)
            when = _date(on, date.today())
        force = _in_force(sched, when, out_of_force)
        source = "<stdin>" if str(applicant) == "-" else str(applicant or sample_path().name)
        parsed = Applicant.parse(facts, source=source)
        card = score_one(parsed, sched, purpose=purpose, on=when)
        if what_if:
            from .analysis import what_if as find_what_if

            found = find_what_if(parsed, sched, purpose=purpose, on=when)
    except PointsError as exc:
        _fail(exc)
        return
    if as_json:
        data = card.to_dict()
        if what_if:
            data = {"card": data, "what_if": found.to_dict()}
        out.print_json(json.dumps(data, ensure_ascii=False))
    else:
        out.print(_safe(card.explain(lang, width=_width())), markup=False)
        if what_if:
            out.print()
            out.print(_safe(_fit(found.text(lang))), markup=False)
    _say(force)


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
    today = date.today()
    out.print(f"[green]ok[/] {s.id}: {escape(m.title.en)} ({escape(m.document)})", markup=True)
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
        out.print(f"[{style}]{f.severity}[/] {escape(f.path)}: {escape(f.message)}",
                  markup=True)
    _say(f"{s.id} is {'in force' if s.in_force(today) else 'NOT in force'} today "
         f"({today}): {_span(s)}")
    if strict and found.warnings:
        err.print(f"[bold red]strict:[/] {len(found.warnings)} warning(s)", markup=True)
        raise typer.Exit(1)


@app.command()
def schedules(
    on: Annotated[str | None, typer.Option(
        "--on", help="Mark what is in force on this date, YYYY-MM-DD (default: today).",
        show_default=False)] = None,
) -> None:
    """List the bundled schedules: dates (from inclusive, until exclusive; "?" when the
    dates are ours, not the document's), whether each is in force today (or --on), and what
    supersedes what.

    On a terminal, a table; otherwise (piped) one line per schedule, columns separated by
    two spaces, nothing cut.
    """
    from .explain import cell_width

    try:
        when = _date(on, date.today())
        loaded = [load_schedule(sid) for sid in bundled_ids()]
    except PointsError as exc:
        _fail(exc)
        return
    by_id = {s.id: s for s in loaded}
    later: dict[str, list[str]] = {}
    for s in loaded:
        if s.schedule.supersedes is not None:
            later.setdefault(s.schedule.supersedes, []).append(s.id)
    rows = []
    for s in loaded:
        m = s.schedule
        span = f"{m.effective_from} – {m.effective_until or ''}".rstrip()
        if dates_provisional(s):
            span += " ?"
        links = []
        if m.supersedes is not None:
            links.append(f"supersedes {m.supersedes}")
        links += [f"superseded by {x} from {by_id[x].schedule.effective_from}"
                  for x in later.get(s.id, [])]
        served = serves(s, bundled_ids())
        if served is not None:
            links.append(f"serves {served[0]} for {served[1]}")
        rows.append((s.id, span, "in force" if s.in_force(when) else "-",
                     "; ".join(links) or "-"))
    head = ("id", "from – until", f"on {when}", "supersedes, superseded by, serves")
    if not out.is_terminal:
        widths = [max(cell_width(r[i]) for r in (head, *rows)) for i in range(3)]
        for r in (head, *rows):
            cells = [c + " " * (w - cell_width(c)) for c, w in zip(r, widths, strict=False)]
            sys.stdout.write("  ".join([*cells, r[3]]).rstrip() + "\n")
    else:
        table = Table(*head, title=f"bundled schedules; in force on {when} marked",
                      title_justify="left")
        for i in range(3):
            table.columns[i].no_wrap = True  # ids and dates are never cut; links wrap
        for r in rows:
            table.add_row(*r, style="green" if r[2] == "in force" else None)
        out.print(table)
    err.print('"?": dates inferred by us, see the schedule\'s note (points show ID). '
              '"serves P for X": schedule_for(P, on, purpose=X) picks it where it is in force.',
              markup=False)


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
    sys.stdout.write(_safe("\n".join(texts)))


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
ExtraOpt = Annotated[bool, typer.Option(
    "--ignore-extra", help="Skip columns that are not facts instead of refusing the file.")]

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
    out_of_force: OutOfForceOpt = False,
    encoding: EncodingOpt = None,
    bom: BomOpt = True,
) -> None:
    """Score an applicant list; write scored rows and rejects; print a summary.

    With no INPUT, scores the bundled sample applicants on the sample's own date (2024-06-01)
    and prints the summary and a few explained score cards; it writes the scored list only
    when -o is given. Says on stderr whether the schedule is in force on the evaluation date
    (the scored file has an in_force column), and refuses one that is not unless
    --out-of-force is given.
    """
    sample = input is None
    with _batch_errors():
        sched = load_schedule(schedule)
        when = _date(on, SAMPLE_ON if sample else date.today())
        force = _in_force(sched, when, out_of_force)
        from .io import score_file

        with _Progress("scoring") as progress:
            summary = score_file(
                sample_path() if input is None else input, output, sched, rejects=rejects,
                purpose=purpose, on=when, format=fmt, output_format=to,
                extra="ignore" if ignore_extra else "forbid", progress=progress,
                write=not sample or output is not None, encoding=encoding, bom=bom)
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
        "--seed", min=0, help="Seed of the lottery among the still tied (final = lottery).",
        show_default=False)] = None,
    fmt: FormatOpt = None,
    to: ToOpt = None,
    strict: StrictOpt = False,
    ignore_extra: ExtraOpt = False,
    out_of_force: OutOfForceOpt = False,
    encoding: EncodingOpt = None,
    bom: BomOpt = True,
) -> None:
    """Score and rank an applicant list under the quota; print the cutoff and the number
    admitted, and write the ranked list (with rank and admitted) and the rejects.

    Refuses a schedule not in force on the evaluation date unless --out-of-force is given.
    """
    with _batch_errors():
        sched = load_schedule(schedule)
        when = _date(on, date.today())
        force = _in_force(sched, when, out_of_force)
        from .io import rank_file

        with _Progress("scoring") as progress:
            summary = rank_file(
                input, output, sched, rejects=rejects, purpose=purpose, on=when,
                quota=quota, seed=seed, format=fmt, output_format=to,
                extra="ignore" if ignore_extra else "forbid", progress=progress,
                encoding=encoding, bom=bom)
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
    bom: BomOpt = True,
) -> None:
    """Write a seeded list of realistic synthetic applicants (for demos, tests, benchmarks)."""
    from .io import write_table
    from .sample import sample_frames

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
    out_of_force: OutOfForceOpt = False,
    encoding: EncodingOpt = None,
) -> None:
    """Score one population under two schedules: who gains, who loses, tier moves.

    The OLD schedule must be in force on the evaluation date unless --out-of-force is given;
    the NEW one is a proposal: whether it is in force is only reported (on stderr).
    """
    from .diff import diff as run_diff

    with _batch_errors():
        when = _date(on, date.today())
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


def _version(value: bool) -> None:
    if value:
        out.print(f"points {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version.")] = False,
    verbose: Annotated[int, typer.Option(
        "--verbose", "-v", count=True, show_default=False,
        help="Log what happens on standard error: -v for steps (schedules loaded, row "
        "counts), -vv for details.")] = 0,
) -> None:
    """Score applicants under points-based residence-permit schedules, and explain why.

    Shell completion: `points --install-completion` (bash, zsh, fish, PowerShell), or
    `points --show-completion` to see the script.
    """
    _log_to_stderr(None if not verbose else logging.DEBUG if verbose > 1 else logging.INFO)


def _log_to_stderr(level: int | None) -> None:
    """Send the `points` logger's records at `level` and above to standard error (None:
    nowhere)."""
    logger = logging.getLogger("points")
    for old in [h for h in logger.handlers if getattr(h, "_points_cli", False)]:
        logger.removeHandler(old)  # one handler, on this run's standard error
    if level is None:
        logger.setLevel(logging.NOTSET)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler._points_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)


def _unwrap_help() -> None:
    """Commands' help with each paragraph on one line, for Typer to wrap to the terminal
    (Typer keeps a docstring's own line breaks, which break sentences mid-line)."""
    for cmd in [*app.registered_commands, app.registered_callback]:
        if cmd is None or cmd.callback is None:
            continue
        doc = cmd.help or inspect.getdoc(cmd.callback) or ""
        cmd.help = "\n\n".join(" ".join(p.split()) for p in doc.split("\n\n"))


_unwrap_help()


def main() -> None:
    """Entry point of the `points` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
