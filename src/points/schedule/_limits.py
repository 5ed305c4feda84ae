"""Limits on what a schedule file may hold, checked at load before any deep work.

A schedule is data that may come from anyone. These limits keep loading and scoring bounded
in time, memory and stack, so a hostile or broken file ends in one `ScheduleError` naming
file, line, key and value, never in a traceback. They are far above what any real policy
needs (the bundled schedules stay below a tenth of each); docs/schedule-format.md ("Limits")
lists them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

__all__ = [
    "MAX_DECIMAL_PLACES",
    "MAX_ENTRIES",
    "MAX_EXTENDS",
    "MAX_FILE_BYTES",
    "MAX_GROUP_DEPTH",
    "MAX_NESTING",
    "MAX_NUMBER",
    "MAX_TEXT_CHARS",
    "check_groups",
    "check_raw",
    "controls",
    "nesting_line",
]

#: bytes in one schedule file (or characters in schedule text), refused before parsing
MAX_FILE_BYTES = 1 << 20
#: characters in any one string (a title, a note, a label, an id)
MAX_TEXT_CHARS = 10_000
#: tables and arrays inside each other, counted from the top of the file
MAX_NESTING = 32
#: entries in any one table or array (factors, groups, gates, tiers, levels, bands, `in` lists)
MAX_ENTRIES = 1000
#: groups inside groups (a factor's group, that group's group, ...)
MAX_GROUP_DEPTH = 16
#: schedules in one `extends` chain, the extending one included
MAX_EXTENDS = 8
#: every number is below this in magnitude (points are exact Int64 ticks when scoring)
MAX_NUMBER = Decimal(10) ** 15
#: digits after the decimal point of any number (the finest precision is 0.000001)
MAX_DECIMAL_PLACES = 6

Problem = tuple[tuple[str | int, ...], str, Any]

#: C0 and C1 control characters, DEL included; tab and newline are text
_CONTROLS = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n"] + [chr(0x7F)]
    + [chr(c) for c in range(0x80, 0xA0)])


def controls(text: str) -> bool:
    """True when `text` holds a control character other than tab and newline."""
    return not _CONTROLS.isdisjoint(text)


def check_raw(raw: Mapping[str, Any]) -> Iterator[Problem]:
    """Problems of the parsed TOML `raw` with the limits above (walked without recursion)."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), raw)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, (Mapping, list)):
            if len(path) > MAX_NESTING:
                yield (path, f"nested too deeply (at most {MAX_NESTING} tables and arrays "
                       "inside each other)", None)
                continue
            if len(value) > MAX_ENTRIES:
                yield path, f"too many entries (at most {MAX_ENTRIES})", len(value)
                continue
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            children = list(items)
            for key, sub in reversed(children):
                if isinstance(key, str):
                    yield from _text((*path, key), key, key=True)
                stack.append(((*path, key), sub))
        elif isinstance(value, str):
            yield from _text(path, value)
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            yield from _number(path, value)


def _text(path: tuple[str | int, ...], s: str, *, key: bool = False) -> Iterator[Problem]:
    what = "a key" if key else "text"
    if len(s) > MAX_TEXT_CHARS:
        yield path, f"{what} is too long ({len(s)} characters; at most {MAX_TEXT_CHARS})", s
    elif controls(s):
        bad = sorted({f"U+{ord(c):04X}" for c in s if c in _CONTROLS})
        yield (path, f"{what} holds control characters ({', '.join(bad)}); only tab and "
               "newline are allowed", s)


def _number(path: tuple[str | int, ...], v: int | Decimal) -> Iterator[Problem]:
    if isinstance(v, Decimal) and not v.is_finite():
        return  # the format's own checks name NaN and infinity
    if not (Decimal(v) if isinstance(v, int) else v).copy_abs() < MAX_NUMBER:
        yield path, "is too large (numbers in a schedule are below 10^15)", v
    elif isinstance(v, Decimal) and _places(v) > MAX_DECIMAL_PLACES:
        yield (path, f"has too many decimal places (at most {MAX_DECIMAL_PLACES})", v)


def _places(v: Decimal) -> int:
    """Digits after the decimal point, trailing zeros not counted (exact: no rounding)."""
    _sign, digits, exponent = v.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - zeros)


def nesting_line(text: str) -> int | None:
    """The first line of TOML `text` where brackets and braces nest deeper than
    `MAX_NESTING` (strings and comments skipped), or None."""
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" and quote[0] == '"' else 1
            line += text.count("\n", i, j)
            i = j + len(quote)
            continue
        elif c in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif c in "]}":
            depth -= 1
        i += 1
    return None


def check_groups(groups: Mapping[str, Any], factors: Mapping[str, Any]) -> Iterator[Problem]:
    """Groups nested deeper than `MAX_GROUP_DEPTH`, named at the group that starts the chain.

    `groups` and `factors` map ids to tables (raw dicts or models) whose `group` names the
    group they belong to. Cycles are left to the format checks.
    """
    def parent(spec: Any) -> Any:
        return spec.get("group") if isinstance(spec, Mapping) else getattr(spec, "group", None)

    for section, table in (("factors", factors), ("groups", groups)):
        for key, spec in table.items():
            seen: set[str] = set()
            g = parent(spec)
            while isinstance(g, str) and g in groups and g not in seen:
                seen.add(g)
                g = parent(groups[g])
            if len(seen) > MAX_GROUP_DEPTH:
                yield ((section, key, "group"),
                       f"groups nest too deeply (at most {MAX_GROUP_DEPTH} groups inside each "
                       "other)", parent(spec))
                return
