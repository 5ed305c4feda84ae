"""Turning what is wrong with a schedule into errors that name the file, the line and the key.

Shared by the loader and the factor families (both validate TOML tables with pydantic).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from ..errors import ScheduleError, ScheduleValidationError
from ._locate import locate

__all__ = ["dotted", "validation_error", "where"]


def where(
    path: tuple[str | int, ...], source: str,
    lines: dict[tuple[str | int, ...], int],
    chain: list[tuple[str, dict[tuple[str | int, ...], int]]] | None = None,
) -> tuple[str, int | None]:
    """The file and line of a key path (in the first file of an `extends` chain that has it,
    else the nearest enclosing table of `source`)."""
    for file, ls in chain or [(source, lines)]:
        if tuple(path) in ls:
            return file, ls[tuple(path)]
    return source, locate(lines, path)


def dotted(path: tuple[str | int, ...] | list[str | int]) -> str:
    """A key path as written: `factors.permit.bands[0]`."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + p
    return out


def validation_error(
    exc: ValidationError, source: str, lines: dict[tuple[str | int, ...], int],
    *, prefix: tuple[str | int, ...] = (),
    chain: list[tuple[str, dict[tuple[str | int, ...], int]]] | None = None,
) -> ScheduleValidationError:
    """Pydantic's errors as one `ScheduleValidationError`, each naming file, line and key."""
    errors = []
    for err in _merge_scalar_unions(exc.errors(include_url=False)):
        path = prefix + tuple(_clean_loc(err["loc"]))
        msg = err["msg"]
        kind = err["type"]
        value = err.get("input")
        if kind == "extra_forbidden":
            msg = "unknown key"
        elif kind == "missing":
            # the key is missing from its table: point at the table (in the file that has it)
            file, line = where(path[:-1], source, lines, chain)
            errors.append(ScheduleError("missing required key", file=file, line=line,
                                        path=dotted(path)))
            continue
        elif kind == "unknown_rule":
            if not isinstance(value, dict):
                msg = "a factor is a table with a rule"
            elif "rule" not in value:
                file, line = where(path, source, lines, chain)
                errors.append(ScheduleError("missing required key", file=file, line=line,
                                            path=dotted((*path, "rule"))))
                continue
            else:
                path, value = (*path, "rule"), value["rule"]
        elif kind == "string_pattern_mismatch" and \
                err.get("ctx", {}).get("pattern") == _ID_KEY.pattern:
            msg = "an id is lower-case letters, digits and _, starting with a letter"
        elif kind == "value_error":
            msg = str(err.get("ctx", {}).get("error", msg.removeprefix("Value error, ")))
            # a check of a whole table whose message starts with one of its keys is about it
            first = re.match(r"\w+", msg)
            if isinstance(value, dict) and first and first.group() in value:
                path, value = (*path, first.group()), value[first.group()]
        file, line = where(path, source, lines, chain)
        errors.append(ScheduleError(msg, file=file, line=line, path=dotted(path),
                                    value=value))
    return ScheduleValidationError(errors)


_ID_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
#: the members of `model.Scalar`, as pydantic names them in error locations
_SCALAR_TAGS = frozenset({"bool", "int", "decimal", "str", "date"})


def _merge_scalar_unions(errs: list[Any]) -> list[Any]:
    """One error, not five, for a value that fits no member of the `Scalar` union."""
    tags: dict[tuple[Any, ...], set[str]] = {}
    for e in errs:
        loc = tuple(e["loc"])
        if loc and loc[-1] in _SCALAR_TAGS:
            tags.setdefault(loc[:-1], set()).add(loc[-1])
    merged = {p for p, t in tags.items() if t == _SCALAR_TAGS}
    out, done = [], set()
    for e in errs:
        loc = tuple(e["loc"])
        if loc and loc[:-1] in merged and loc[-1] in _SCALAR_TAGS:
            if loc[:-1] not in done:
                done.add(loc[:-1])
                out.append({**e, "loc": loc[:-1], "type": "scalar",
                            "msg": "must be a number, true/false, text or a date"})
            continue
        out.append(e)
    return out


def _clean_loc(path: tuple[Any, ...]) -> Iterator[str | int]:
    """Drop the union and dict-key tags pydantic puts in error locations."""
    for p in path:
        if isinstance(p, str) and (p.startswith(("rule=", "cond=")) or p == "[key]"):
            continue
        yield p


