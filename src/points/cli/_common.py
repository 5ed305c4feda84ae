"""What every command shares: the app, the consoles, the common options and helpers."""


from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from .._data import sample_path
from ..errors import InputError, NoScheduleInForce, PointsError
from ..schedule.loader import dates_provisional, parse_toml
from ..schedule.model import Schedule

if TYPE_CHECKING:  # pragma: no cover

    pass



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
    from .._explain import _wrap

    width = _width()
    out = []
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        out.extend(_wrap(line, width, indent + 2))
    return "\n".join(out)


def _width() -> int:
    """Columns for text: the terminal's, else 100."""
    from .._explain import DEFAULT_WIDTH

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
    except KeyboardInterrupt:
        # outputs not yet committed were never made visible: say so in one line
        err.print("interrupted: nothing new was written", markup=False)
        raise typer.Exit(130) from None
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
        data = parse_toml(text, "<stdin>")
    elif path.suffix == ".toml":
        data = parse_toml(text, str(path))
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


