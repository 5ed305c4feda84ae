"""The loader's hook: family tables expanded into rule-kind entries, with their lines."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs
from pydantic import BaseModel, ValidationError

from ...errors import ScheduleError, ScheduleValidationError
from .._locate import locate
from .._problems import dotted, validation_error
from ..model import Meta
from ._base import COMMON_KEYS, Family, Lines, Tables
from ._records import FAMILIES

# --- the loader's hook ---------------------------------------------------------------------


@attrs.frozen
class _Found:
    """One family table of the schedule, validated and expanded."""

    section: str
    id: str
    family: Family
    file: str
    lines: Lines
    tables: Tables
    keys: dict[tuple[str, str], str]

    def error(self, path: tuple[str | int, ...], msg: str, value: Any) -> ScheduleError:
        full = (self.section, self.id, *path)
        return ScheduleError(msg, file=self.file, line=locate(self.lines, full),
                             path=dotted(full), value=value)


def expand_families(raw: dict[str, Any],
                    chain: Sequence[tuple[str, Lines]]) -> dict[str, Any]:
    """`raw` (a parsed, merged schedule) with every family table replaced by its expansion.

    `chain` is the loader's list of (file, key lines), the schedule first and then what it
    extends. Family parameters are checked here, with the schedule's precision, the groups
    and purposes they name, and the ids they generate; each error names the family table.
    The line of every generated key is recorded in the lines of the file holding the
    family, so any later error about a generated entry points there too.
    """
    sections = ("factors", "groups", "deductions")
    tables = {s: raw[s] if isinstance(raw.get(s), dict) else {} for s in sections}
    is_family = [(s, i) for s in sections for i, e in tables[s].items()
                 if s != "groups" and isinstance(e, dict) and "family" in e]
    if not is_family:
        return raw
    problems: list[ScheduleError] = []
    found: dict[tuple[str, str], _Found] = {}
    for section, fid in is_family:
        file, lines = next(((f, ls) for f, ls in chain if (section, fid) in ls), chain[0])
        try:
            fam = _family(section, fid, tables[section][fid], file, lines)
        except ScheduleValidationError as exc:
            problems.extend(exc.problems)
            continue
        found[(section, fid)] = _Found(section, fid, fam, file, lines, *fam._expand(fid))
    taken = {i for s in sections for i in tables[s] if (s, i) not in is_family}
    made_groups = {g for f in found.values() for g in f.tables.get("groups", {})}
    purposes: dict[str, Any] = raw["purposes"] if isinstance(raw.get("purposes"), dict) else {}
    q = _precision(raw)
    for f in found.values():
        for sec, gen in f.tables.items():
            for gid in gen:
                if gid in taken:
                    problems.append(f.error((), f"makes {sec}.{gid}, an id already in use", gid))
                taken.add(gid)
        for path, value in _finer(f.family, q) if q is not None else ():
            problems.append(f.error(path, f"is finer than the schedule's precision {q}", value))
        if f.family.group is not None and f.family.group not in {*tables["groups"],
                                                                 *made_groups}:
            problems.append(f.error(("group",), "names no group", f.family.group))
        for i, pid in enumerate(getattr(f.family, "purposes", None) or ()):
            if pid not in purposes:
                problems.append(f.error(("purposes", i), "names no purpose", pid))
    if problems:
        raise ScheduleValidationError(problems)
    new: dict[str, dict[str, Any]] = {s: {} for s in sections}
    for section in sections:
        for key, entry in tables[section].items():
            if (section, key) not in found:
                new[section][key] = entry
                continue
            f = found[(section, key)]
            for sec, gen in f.tables.items():
                for gid, spec in gen.items():
                    new[sec][gid] = spec
                    _record_lines(f.lines, (section, key), (sec, gid), f.keys[(sec, gid)], spec)
    out = dict(raw)
    for sec in sections:
        if isinstance(raw.get(sec), dict) or (sec not in raw and new[sec]):
            out[sec] = new[sec]
    return out


def _precision(raw: dict[str, Any]) -> Decimal | None:
    meta = raw.get("schedule")
    q = meta.get("precision") if isinstance(meta, dict) else None
    if q is None:
        return Decimal(str(Meta.model_fields["precision"].default))
    try:
        value = Decimal(str(q))
    except ArithmeticError:
        return None  # the [schedule] table's own check reports it
    powers = {Decimal(1).scaleb(-k) for k in range(7)}
    return value if value.is_finite() and value.normalize() in powers else None


_QUANTITIES = frozenset({"per", "at_least", "min", "below"})  # fact units, not points


def _finer(v: Any, q: Decimal, path: tuple[str | int, ...] = (),
           name: str = "") -> Iterator[tuple[tuple[str | int, ...], Decimal]]:
    """The points parameters of `v` that are not multiples of `q`, with their key paths."""
    if isinstance(v, BaseModel):
        for key, field in type(v).model_fields.items():
            yield from _finer(getattr(v, key), q, (*path, field.alias or key), key)
    elif isinstance(v, (list, dict)):
        for k, x in (enumerate(v) if isinstance(v, list) else v.items()):
            yield from _finer(x, q, (*path, k), name)
    elif isinstance(v, Decimal) and name not in _QUANTITIES and v % q != 0:
        yield path, v


def _family(section: str, fid: str, entry: dict[str, Any], file: str, lines: Lines) -> Family:
    name = entry["family"]
    cls = FAMILIES.get(name) if isinstance(name, str) else None

    def fail(key: str, msg: str, value: Any) -> ScheduleValidationError:
        path = (section, fid, key)
        return ScheduleValidationError([ScheduleError(
            msg, file=file, line=lines.get(path, lines.get((section, fid))),
            path=".".join(path), value=value)])

    if cls is None:
        raise fail("family", f"unknown family (families: {', '.join(FAMILIES)})", name)
    if "rule" in entry:
        raise fail("rule", "a factor is written with rule or with family, not both",
                   entry["rule"])
    if section != cls.SECTION:
        raise fail("family", f"family {name!r} belongs in [{cls.SECTION}]", name)
    try:
        fam = cls.model_validate(entry)
    except ValidationError as exc:
        raise validation_error(exc, file, lines, prefix=(section, fid)) from None
    return fam


def _record_lines(lines: Lines, family: tuple[str, str], target: tuple[str, str], key: str,
                  spec: dict[str, Any]) -> None:
    head = lines.get(family)
    if head is None:
        return
    part = lines.get((*family, key), head) if key else head
    lines.setdefault(target, part)
    for k in spec:
        common = k in COMMON_KEYS or k in ("when", "purposes")
        candidates = [(*family, k)] if common else [(*family, key, k), (*family, k),
                                                      (*family, key)]
        line = next((lines[c] for c in candidates if c in lines and c[-1]), part)
        lines.setdefault((*target, k), line)


def to_toml(tables: Tables) -> str:
    """Expanded tables as TOML text, one `[section.id]` table each (for docs and review)."""
    out = []
    for section, entries in tables.items():
        for key, spec in entries.items():
            out.append(f"[{section}.{key}]\n" + "".join(
                f"{k} = {_toml_value(v)}\n" for k, v in spec.items()))
    return "\n".join(out)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return str(v)
