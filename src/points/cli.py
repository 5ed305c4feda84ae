"""The `points` command line (Typer + Rich).

Every command exits 0 on success, 1 when the input is bad (a `PointsError`, printed as one
clear line), and 2 on a usage error.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .applicant import Applicant
from .engine import score as score_one
from .errors import InputError, PointsError
from .schedule.loader import _parse, bundled_ids, load_schedule
from .schedule.model import Schedule

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
#: The evaluation date of the bundled sample applicants.
SAMPLE_ON = date(2024, 6, 1)

ScheduleOpt = Annotated[str, typer.Option(
    "--schedule", "-s", help="Bundled schedule id or path to a TOML file.")]
PurposeOpt = Annotated[str | None, typer.Option(
    "--purpose", "-p", help="Purpose to score for (default: the schedule's own).")]
OnOpt = Annotated[str | None, typer.Option(
    "--on", help="Evaluation date, YYYY-MM-DD (default: today; the sample's date for it).")]
LangOpt = Annotated[str, typer.Option("--lang", help="Label language: en or zh.")]


def _fail(exc: PointsError) -> None:
    err.print(f"[bold red]error:[/] {exc}", markup=True)
    raise typer.Exit(1)


def _date(text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("--on takes a date as YYYY-MM-DD", value=text) from None


def sample_path() -> Path:
    """The bundled sample applicant list (CSV)."""
    return Path(str(resources.files("points") / "data" / "sample_applicants.csv"))


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
    except PointsError as exc:
        _fail(exc)
        return
    if as_json:
        out.print_json(json.dumps(card.to_dict(), ensure_ascii=False))
    else:
        out.print(card.explain(lang), markup=False)


@app.command()
def check(
    schedule: Annotated[str, typer.Argument(help="Bundled schedule id or path to a TOML file.")],
) -> None:
    """Validate a schedule; print what it defines, or every problem with file and line."""
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
def schema(
    applicant: Annotated[bool, typer.Option(
        "--applicant", help="The JSON Schema of applicant facts instead.")] = False,
) -> None:
    """Print the JSON Schema of the schedule TOML format (or of applicant facts)."""
    model = Applicant if applicant else Schedule
    data = model.model_json_schema(by_alias=True)
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command()
def score(
    schedule: ScheduleOpt = DEFAULT_SCHEDULE,
    purpose: PurposeOpt = None,
    on: OnOpt = None,
    cards: Annotated[int, typer.Option(help="How many explained cards to print.")] = 2,
    lang: LangOpt = "en",
) -> None:
    """Score the bundled sample applicants and print a summary by tier."""
    try:
        s = load_schedule(schedule)
        when = _date(on, SAMPLE_ON)
        rows = _sample_rows()
        results = []
        for i, row in enumerate(rows, start=2):
            results.append(score_one(Applicant.parse(row, row=i, source=sample_path().name),
                                     s, purpose=purpose, on=when))
    except PointsError as exc:
        _fail(exc)
        return
    tiers: Counter[str] = Counter()
    for c in results:
        tiers.update(c.tiers or ("(none)",))
    table = Table("tier", "applicants", title=f"{len(results)} sample applicants, {s.id}, "
                  f"purpose {results[0].purpose if results else '-'}, on {when}")
    for t in [*(t.id for t in s.tiers), "(none)"]:
        if tiers[t]:
            table.add_row(t, str(tiers[t]))
    out.print(table)
    totals = sorted(c.total for c in results)
    if totals:
        out.print(f"total points: min {totals[0]}, median {totals[len(totals) // 2]}, "
                  f"max {totals[-1]}; eligible {sum(c.eligible for c in results)}")
    for c in results[:cards]:
        out.print()
        out.print(c.explain(lang), markup=False)


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
