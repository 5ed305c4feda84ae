"""Reading TOML text within the limits of `_limits`: a syntax error names the line and the
key on it; a limit broken names the file, the line, the key and the value.

Shared by the schedule loader and the other TOML formats (records.toml).
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from typing import Any

from ..errors import ScheduleError, ScheduleSyntaxError, ScheduleValidationError
from . import _limits
from ._locate import key_lines, locate, path_at
from ._problems import dotted

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["parse_toml"]


def parse_toml(text: str, source: str, *, echo: bool = True) -> dict[str, Any]:
    """TOML text as a dict within the limits of `_limits`; a syntax error names the line
    (and, with `echo`, shows it)."""
    try:
        data: dict[str, Any] = tomllib.loads(text, parse_float=Decimal)
    except RecursionError:
        line = _limits.nesting_line(text)
        at = _key_on_deep_line(text, line) if line is not None else None
        raise ScheduleSyntaxError(
            f"nested too deeply (at most {_limits.MAX_NESTING} tables and arrays inside each "
            "other)", file=source, line=line, path=dotted(at) if at else None) from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else None
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        text_lines = text.splitlines()
        if not echo or line is None or not 0 < line <= len(text_lines):
            raise ScheduleSyntaxError(f"invalid TOML: {reason}", file=source, line=line) from None
        # name the key (or table) on that line, and show the line itself
        at = path_at(text, line)
        raise ScheduleSyntaxError(
            f"invalid TOML: {reason}", file=source, line=line,
            path=dotted(at) if at else None, value=text_lines[line - 1].strip()) from None
    problems = list(_limits.check_raw(data))
    if problems:
        _raise_problems(problems, source, text, echo=echo)
    return data


def _key_on_deep_line(text: str, line: int) -> tuple[str | int, ...] | None:
    """The key path of `line`, read from the text up to its first `=` (the value past it
    nests too deep to scan)."""
    start = sum(len(x) for x in text.splitlines(True)[:line - 1])
    eq = text.find("=", start)
    return path_at(text[:eq + 1] + " 0" if eq >= 0 else text, line)


def _raise_problems(problems: list[_limits.Problem], source: str, text: str, *,
                    echo: bool = True) -> None:
    """Raise the problems found in the text of one file, each with its line."""
    try:
        lines = key_lines(text)
    except RecursionError:  # pragma: no cover - the nesting limit comes first
        lines = {}
    raise ScheduleValidationError([
        ScheduleError(msg, file=source, line=locate(lines, path), path=dotted(path),
                      **({"value": value} if echo and value is not None else {}))
        for path, msg, value in problems])
