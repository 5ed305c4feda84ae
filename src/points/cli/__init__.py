"""The `points` command line (Typer + Rich).

Every command exits 0 on success, 1 when the input is bad (a `PointsError`, printed as one
clear line), and 2 on a usage error; `score --strict` and `rank --strict` exit 3 when any
row was rejected (after writing everything).
"""

from __future__ import annotations

import inspect
import logging
import sys
from typing import Annotated

import typer

from .. import __version__
from ._batch import EXIT_REJECTED, diff, rank, sample, score
from ._common import app, out
from ._schedules import check, explain, schedules, schema, show

__all__ = ["EXIT_REJECTED", "app", "main"]



# the commands, in the order `points --help` lists them
for _command in (explain, check, schedules, show, schema, score, rank, sample, diff):
    app.command()(_command)


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


