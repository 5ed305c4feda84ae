"""Commands about one applicant and about schedules: explain, check, schedules, show, schema."""


from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from .._data import SAMPLE_ON, sample_path
from ..engines import score as score_one
from ..errors import InputError, PointsError
from ..facts import Applicant
from ..schedule.loader import bundled_ids, dates_provisional, load_schedule, serves

if TYPE_CHECKING:  # pragma: no cover

    pass

from ._common import (
    DEFAULT_SCHEDULE,
    LangOpt,
    OnOpt,
    OutOfForceOpt,
    PurposeOpt,
    ScheduleOpt,
    _date,
    _fail,
    _fit,
    _in_force,
    _read_applicant,
    _safe,
    _sample_rows,
    _say,
    _span,
    _width,
    err,
    out,
)
from ._records import IdOpt, RecordsOpt, explain_records


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
    records: RecordsOpt = None,
    applicant_id: IdOpt = None,
) -> None:
    """Score one applicant and explain every point.

    Says on stderr whether the schedule is in force on the evaluation date, and refuses one
    that is not unless --out-of-force is given. With --records DIR (and --id), explains an
    applicant of a record export: each fact the records give, with the records behind it;
    --what-if then gives the date time alone reaches the next tier, the records read afresh.
    """
    if records is not None:
        try:
            if applicant is not None:
                raise InputError("--records takes the place of APPLICANT")
            sched = load_schedule(schedule)
            when = _date(on, date.today())
            force = _in_force(sched, when, out_of_force)
            explain_records(records, applicant_id, sched, when=when, purpose=purpose,
                            lang=lang, as_json=as_json, what_if=what_if)
        except PointsError as exc:
            _fail(exc)
            return
        _say(force)
        return
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
            from ..analysis import what_if as find_what_if

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
    from ..analysis import analyse

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
    from .._explain import cell_width

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
    from .. import _show as shows

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


def schema(
    applicant: Annotated[str | None, typer.Option(
        "--applicant", metavar="SCHEDULE",
        help="The JSON Schema of an applicant for this schedule (a bundled id or a path; "
             "'standard' for the standard vocabulary) instead: its own facts included, "
             "derived facts left out.")] = None,
) -> None:
    """Print the JSON Schema of the schedule TOML format (or of an applicant's facts)."""
    from ..families import schedule_json_schema  # the format, with factors by family

    if applicant is None:
        data = schedule_json_schema()
    elif applicant == "standard":
        data = Applicant.model_json_schema(by_alias=True)
    else:
        try:
            model = load_schedule(applicant).applicant_model()
        except PointsError as exc:
            _fail(exc)
        data = model.model_json_schema(by_alias=True)
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


