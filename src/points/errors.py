"""Every failure `points` raises on purpose is a `PointsError`.

Each error names where the problem is (file and line, key path, field or row) and the
offending value, in its message and as attributes, so a caller can report it without parsing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = [
    "ApplicantError",
    "InputError",
    "NoScheduleInForce",
    "OutputError",
    "PointsError",
    "RecordSpecError",
    "RecordsError",
    "ScheduleError",
    "ScheduleNotFound",
    "ScheduleSyntaxError",
    "ScheduleValidationError",
    "UnknownPurpose",
]

_MISSING = object()


def _show(value: Any) -> str:
    """A value as a message shows it: dates and numbers as written, anything else by repr."""
    text = str(value) if isinstance(value, (date, Decimal, Fraction)) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class PointsError(Exception):
    """Base class of every error `points` raises on purpose."""


class ScheduleError(PointsError):
    """A schedule could not be found, read or accepted.

    `file`, `line` and `path` (the dotted key path inside the TOML) say where; `value` is
    what was found there.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
        value: Any = _MISSING,
    ) -> None:
        self.reason = message
        self.file = file
        self.line = line
        self.path = path
        self.value = None if value is _MISSING else value
        where = ":".join(str(p) for p in (file, line) if p is not None)
        parts = [p for p in (where, path) if p]
        text = ": ".join([*parts, message])
        if value is not _MISSING:
            text += f" (got {_show(value)})"
        super().__init__(text)


class ScheduleSyntaxError(ScheduleError):
    """The schedule file is not valid TOML."""


class ScheduleValidationError(ScheduleError):
    """The schedule is valid TOML but breaks the schedule format.

    `problems` holds every problem found (each a `ScheduleError`); the message shows the
    first ones.
    """

    def __init__(self, problems: Sequence[ScheduleError]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        super().__init__(
            first.reason, file=first.file, line=first.line, path=first.path,
            value=first.value if first.value is not None else _MISSING,
        )
        if len(self.problems) > 1:
            lines = [str(p) for p in self.problems]
            head = f"{first.file}: " if first.file else ""
            self.args = (
                f"{head}{len(self.problems)} problems in schedule:\n  " + "\n  ".join(lines),
            )


class ScheduleNotFound(ScheduleError):
    """No bundled schedule has that id, and no file has that path."""


class NoScheduleInForce(ScheduleError):
    """No version of a place's schedule is in force on the date asked for."""


class UnknownPurpose(PointsError):
    """The purpose asked for is not one the schedule defines."""

    def __init__(self, purpose: str, schedule_id: str, known: Sequence[str]) -> None:
        self.purpose = purpose
        self.schedule_id = schedule_id
        self.known = tuple(known)
        super().__init__(
            f"schedule {schedule_id!r} has no purpose {purpose!r}; "
            f"it defines {', '.join(known) or 'none'}"
        )


class ApplicantError(PointsError):
    """The facts of an applicant are invalid.

    `problems` is a tuple of `(field, value, reason)`; `row` is set when the applicant came
    from a row of a table or file.
    """

    def __init__(
        self,
        problems: Sequence[tuple[str, Any, str]],
        *,
        row: int | None = None,
        source: str | None = None,
    ) -> None:
        self.problems = tuple(problems)
        self.row = row
        self.source = source
        where = ""
        if source is not None:
            where += f"{source}: "
        if row is not None:
            where += f"row {row}: "
        shown = "; ".join(f"{f}: {r} (got {_show(v)})" for f, v, r in self.problems[:5])
        more = len(self.problems) - 5
        if more > 0:
            shown += f"; and {more} more"
        super().__init__(f"{where}invalid applicant: {shown}")

    @property
    def field(self) -> str:
        """The first invalid field."""
        return self.problems[0][0]


class OutputError(PointsError):
    """An output cannot be written (a folder, a full disk, a refused rename); nothing new
    was left under the output's name. `source` names the output."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class InputError(PointsError):
    """An input file or table cannot be read at all (not a single bad row)."""

    def __init__(self, message: str, *, source: str | None = None, value: Any = _MISSING):
        self.source = source
        self.value = None if value is _MISSING else value
        text = f"{source}: {message}" if source else message
        if value is not _MISSING:
            text += f" (got {_show(value)})"
        super().__init__(text)


class RecordSpecError(ScheduleValidationError):
    """A record kinds and derivations file (`records.toml`) breaks its format; `problems`
    holds each problem (a `ScheduleError` naming file, line, key path and value)."""


class RecordsError(PointsError):
    """An applicant's records cannot give facts: `problems` is a tuple of
    `(record_id, kind, field, value, reason)`; `applicant_id` names the applicant."""

    def __init__(self, problems: Sequence[tuple[str | None, str | None, str | None, Any, str]],
                 *, applicant_id: str | None = None) -> None:
        self.problems = tuple(problems)
        self.applicant_id = applicant_id
        who = f"applicant {applicant_id}: " if applicant_id else ""
        shown = "; ".join(
            ": ".join(str(x) for x in (rid, kind, field) if x) + f": {reason}"
            + ("" if value is None else f" (got {_show(value)})")
            for rid, kind, field, value, reason in self.problems[:5])
        more = len(self.problems) - 5
        if more > 0:
            shown += f"; and {more} more"
        super().__init__(f"{who}records refused: {shown}")
