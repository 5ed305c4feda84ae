"""Read a schedule TOML file into a validated `Schedule`, and find bundled schedules.

Loading fails loud: a TOML syntax error, an unknown key, a wrong type, an unknown fact or
service, overlapping bands or unsorted tiers raise a `ScheduleError` naming the file, the
line and the key path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import (
    NoScheduleInForce,
    ScheduleError,
    ScheduleNotFound,
    ScheduleSyntaxError,
    ScheduleValidationError,
)
from ..facts import vocabulary_scope
from . import _checks, _limits
from ._facts import build_vocabulary
from ._locate import key_lines, locate, path_at
from ._problems import dotted, validation_error, where
from ._toml import parse_toml
from .model import Schedule, ServiceSpec

__all__ = [
    "bundled_dir",
    "bundled_ids",
    "dates_provisional",
    "load_schedule",
    "loads_schedule",
    "parse_toml",
    "schedule_for",
    "serves",
    "service_catalogue",
]

_log = logging.getLogger(__name__)

_ID = re.compile(r"^[a-z][a-z0-9-]*/[0-9A-Za-z._-]+$")
_MERGED_TABLES = ("factors", "groups", "deductions", "gates", "purposes", "services",
                  "households", "derive")


def bundled_dir() -> Path:
    """The folder holding the bundled schedules (inside the wheel, or the source tree)."""
    return _bundled_root()


@lru_cache(maxsize=1)
def _bundled_root() -> Path:
    """`bundled_dir`, found once: the package's folder does not move while it runs."""
    packaged = Path(str(resources.files("points"))) / "_bundled"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "schedules"


def bundled_ids() -> list[str]:
    """Ids of every bundled schedule, sorted."""
    root = bundled_dir()
    return sorted(
        p.relative_to(root).with_suffix("").as_posix()
        for p in root.glob("*/*.toml")
    )


@lru_cache(maxsize=1)
def service_catalogue() -> dict[str, ServiceSpec]:
    """The bundled catalogue of public services, by id."""
    path = bundled_dir() / "services.toml"
    raw = parse_toml(path.read_text(encoding="utf-8"), str(path))
    out: dict[str, ServiceSpec] = {}
    for key, value in raw.get("services", {}).items():
        try:
            out[key] = ServiceSpec.model_validate(value)
        except ValidationError as exc:  # pragma: no cover - guarded by tests
            raise validation_error(exc, str(path), key_lines(path.read_text("utf-8")),
                                    prefix=("services", key)) from None
    return out


def load_schedule(ref: str | Path) -> Schedule:
    """Load a schedule by bundled id (`"guangzhou/2021"`) or by path to a TOML file.

    Loaded once per file and time it was changed: a file changed since is loaded again."""
    path = _resolve(ref)
    try:
        changed = path.stat().st_mtime_ns
    except OSError:  # a bundled file gone since it was found: say so as for any id
        _bundled_path.cache_clear()
        path = _resolve(ref)
        changed = path.stat().st_mtime_ns
    return _load_cached(str(path), changed)


def loads_schedule(text: str, *, source: str = "<string>") -> Schedule:
    """Load a schedule from TOML text (`extends` is looked up among the bundled ids)."""
    if len(text) > _limits.MAX_FILE_BYTES or len(text.encode("utf-8")) > _limits.MAX_FILE_BYTES:
        raise ScheduleSyntaxError(_too_big(), file=source, line=1)
    return _build(text, source)


def schedule_for(place: str, on: date, *, purpose: str | None = None,
                 strict: bool = True) -> Schedule:
    """The bundled version of `place`'s schedule in force on `on` (for `purpose`, if given).

    A version is in force when `effective_from <= on < effective_until` and no version that
    `supersedes` it (directly or down a chain) has taken effect by `on`; of several, the one
    that took effect last. With `purpose`, the versions are those of `place` and of the place
    `<place>-<purpose>` (a document serving one purpose of the place, e.g.
    `guangzhou-settlement` for Guangzhou's settlement measures) that define that purpose.
    Strict (the default): raise `NoScheduleInForce`, naming every version and its dates, when
    none is. Lenient: the latest version that took effect on or before `on`, or failing that
    the earliest one.
    """
    if isinstance(on, datetime):
        on = on.date()  # a datetime is a date, but does not compare with one
    ids = bundled_ids()
    places = {place} if purpose is None else {place, f"{place}-{purpose}"}
    versions = [load_schedule(i) for i in ids if i.split("/")[0] in places]
    if not versions:
        known = ", ".join(sorted({i.split("/")[0] for i in ids}))
        raise ScheduleNotFound(
            f"no bundled schedule for this place (places: {known})", path="place",
            value=place)
    if purpose is not None:
        serving = [s for s in versions if purpose in s.purposes]
        if not serving:
            raise ScheduleNotFound(
                f"no bundled schedule of {place!r} has the purpose {purpose!r}",
                path="purpose", value=purpose)
        versions = serving
        place = f"{place} ({purpose})"
    by_id = {s.id: s for s in versions}
    started = [s for s in versions if s.schedule.effective_from <= on]
    replaced: set[str] = set()
    for s in started:
        prev = s.schedule.supersedes
        while prev is not None and prev not in replaced:
            replaced.add(prev)
            before = by_id.get(prev)
            prev = None if before is None else before.schedule.supersedes
    in_force = [s for s in started if s.in_force(on) and s.id not in replaced]
    if in_force:
        return max(in_force, key=lambda s: (s.schedule.effective_from, s.id))
    if strict:
        spans = ", ".join(
            f"{s.id} [{s.schedule.effective_from}, {s.schedule.effective_until or '…'})"
            + (" (superseded)" if s.id in replaced else "")
            for s in sorted(versions, key=lambda s: (s.schedule.effective_from, s.id)))
        raise NoScheduleInForce(
            f"no version of {place!r} is in force on {on} (from inclusive, until exclusive); "
            f"versions: {spans}", path="on", value=on)
    if started:
        return max(started, key=lambda s: (s.schedule.effective_from, s.id))
    return min(versions, key=lambda s: (s.schedule.effective_from, s.id))


def dates_provisional(schedule: Schedule) -> bool:
    """True when the schedule's dates are ours, not the document's: its note begins with
    `PROVISIONAL DATES` (the convention every bundled schedule with inferred dates follows)."""
    return (schedule.schedule.note or "").startswith("PROVISIONAL DATES")


def serves(schedule: Schedule, ids: list[str] | None = None) -> tuple[str, str] | None:
    """`(place, purpose)` when the schedule's place is `<place>-<purpose>`, `place` is another
    bundled place and the schedule defines `purpose`: it serves that purpose of that place
    (`schedule_for(place, on, purpose=purpose)` considers it). Otherwise None."""
    own = schedule.schedule.place
    places = {i.split("/")[0] for i in (bundled_ids() if ids is None else ids)}
    for purpose in schedule.purposes:
        base = own.removesuffix(f"-{purpose}")
        if base != own and base in places:
            return base, purpose
    return None


# --- implementation ----------------------------------------------------------------------


def _resolve(ref: str | Path) -> Path:
    if isinstance(ref, Path) or str(ref).endswith(".toml") or "\\" in str(ref):
        path = Path(ref)
        if not path.is_file():
            raise ScheduleNotFound("no schedule file at this path", file=str(ref),
                                   value=str(ref))
        return path
    return _bundled_path(bundled_dir(), ref)


@lru_cache(maxsize=256)
def _bundled_path(root: Path, ref: str) -> Path:
    """The file of a bundled id under `root`, found once (a service names its schedule on
    every call: finding the package folder cost some 50 µs, the scoring itself 10)."""
    if not _ID.match(ref):
        raise ScheduleNotFound(
            'not a schedule id ("place/version") nor a path to a .toml file', value=ref)
    path = root / f"{ref}.toml"
    if not path.is_file():
        known = ", ".join(bundled_ids())
        raise ScheduleNotFound(f"no bundled schedule with this id (bundled: {known})", value=ref)
    return path


@lru_cache(maxsize=64)
def _load_cached(path: str, mtime: int) -> Schedule:
    return _build(_read(Path(path)), path)


def _read(path: Path, *, echo: bool = True) -> str:
    """The text of a schedule file; not UTF-8 names the line (and, with `echo`, the bytes)."""
    try:
        with path.open("rb") as f:  # never more than the limit, whatever the file is
            data = f.read(_limits.MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScheduleNotFound(f"cannot read: {exc.strerror}", file=str(path)) from None
    if len(data) > _limits.MAX_FILE_BYTES:
        raise ScheduleSyntaxError(_too_big(), file=str(path), line=1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if not echo:
            raise ScheduleSyntaxError(f"not UTF-8 text ({exc.reason})", file=str(path),
                                      line=line) from None
        at = path_at(data.decode("utf-8", "replace"), line)
        raise ScheduleSyntaxError(f"not UTF-8 text ({exc.reason})", file=str(path), line=line,
                                  path=dotted(at) if at else None,
                                  value=data[exc.start:exc.end]) from None


def _too_big() -> str:
    return f"the schedule is too large (at most {_limits.MAX_FILE_BYTES} bytes)"


def _build(text: str, source: str) -> Schedule:
    raw = parse_toml(text, source)
    lines = key_lines(text)
    merged, chain = _resolve_extends(raw, source, lines, seen=())
    from .families import expand_families

    merged = expand_families(merged, chain)
    groups, factors = merged.get("groups"), merged.get("factors")
    if isinstance(groups, dict) and isinstance(factors, dict):
        deep = list(_limits.check_groups(groups, factors))
        if deep:
            errors = []
            for path, msg, value in deep:
                file, line = where(path, source, lines, chain)
                errors.append(ScheduleError(msg, file=file, line=line, path=dotted(path),
                                            value=value))
            raise ScheduleValidationError(errors)
    try:
        schedule = Schedule.model_validate(merged)
    except ValidationError as exc:
        raise validation_error(exc, source, lines, chain=chain) from None
    vocab, problems = build_vocabulary(schedule)
    if not problems:
        with vocabulary_scope(vocab):
            problems = _checks.check(schedule, service_catalogue())
    if problems:
        errors = []
        for path, msg, value in problems:
            file, line = where(path, source, lines, chain)
            errors.append(ScheduleError(msg, file=file, line=line, path=dotted(path),
                                        value=value))
        raise ScheduleValidationError(errors)
    if schedule.derive:
        from ..records.declared import check_derive

        schedule._derivations, bad = check_derive(schedule, vocab, source, lines, chain)
        if bad:
            raise ScheduleValidationError(bad)
    schedule._source = source
    schedule._hash = _content_hash(merged)
    schedule._vocabulary = vocab
    _log.info("loaded schedule %s (%s) from %s", schedule.id, schedule._hash[:19], source)
    if len(chain) > 1:
        _log.debug("%s extends %s", schedule.id, " → ".join(f for f, _ in chain[1:]))
    return schedule


def _resolve_extends(
    raw: dict[str, Any], source: str, lines: dict[tuple[str | int, ...], int],
    seen: tuple[str, ...],
) -> tuple[dict[str, Any], list[tuple[str, dict[tuple[str | int, ...], int]]]]:
    meta = raw.get("schedule")
    base_id = meta.get("extends") if isinstance(meta, dict) else None
    chain = [(source, lines)]
    if base_id is None:
        return raw, chain
    line = locate(lines, ("schedule", "extends"))
    if not isinstance(base_id, str):
        raise ScheduleValidationError([ScheduleError(
            "extends names a schedule id", file=source, line=line, path="schedule.extends",
            value=base_id)])
    if base_id in seen:
        raise ScheduleValidationError([ScheduleError(
            "schedules extend each other in a cycle", file=source, line=line,
            path="schedule.extends", value=base_id)])
    if len(seen) + 1 >= _limits.MAX_EXTENDS:
        raise ScheduleValidationError([ScheduleError(
            f"extends chains too long (at most {_limits.MAX_EXTENDS} schedules)", file=source,
            line=line, path="schedule.extends", value=base_id)])
    base_path = _extends_target(base_id, source, line)
    base_text = _read(base_path, echo=False)
    base_raw = parse_toml(base_text, str(base_path), echo=False)
    if not isinstance(base_raw.get("schedule"), dict):
        # say nothing of what the file holds: it may be anything
        raise ScheduleValidationError([ScheduleError(
            "extends names a file that is not a schedule (it has no [schedule] table)",
            file=source, line=line, path="schedule.extends", value=base_id)])
    base_raw, base_chain = _resolve_extends(
        base_raw, str(base_path), key_lines(base_text), seen=(*seen, base_id))
    return _merge(base_raw, raw), chain + base_chain


def _extends_target(base_id: str, source: str, line: int | None) -> Path:
    """The file `extends = base_id` names, refused before it is read unless it is a bundled
    schedule id or a relative `.toml` path inside the folder tree of the extending file."""
    def refuse(reason: str) -> ScheduleValidationError:
        return ScheduleValidationError([ScheduleError(
            reason, file=source, line=line, path="schedule.extends", value=base_id)])

    if not base_id.endswith(".toml"):
        try:
            return _resolve(base_id)  # a bundled id: `_resolve` takes nothing else here
        except ScheduleNotFound as exc:
            raise refuse(exc.reason) from None
    rel = Path(base_id)
    if "\\" in base_id or rel.is_absolute() or rel.drive or ".." in rel.parts:
        raise refuse("extends names a bundled schedule id or a relative path inside this "
                     "schedule's folder (no absolute path, no '..')")
    src = Path(source)
    if not src.is_file():
        raise refuse("a schedule read from text can only extend a bundled schedule id")
    root = src.resolve().parent
    target = (src.parent / rel)
    try:
        inside = target.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a symlink loop
        inside = False
    if not inside:
        raise refuse("extends leads outside this schedule's folder (through a symbolic link)")
    if not target.is_file():
        raise refuse("no schedule file at this path")
    return target


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """The child over its base: tables merge by id, tiers by id (new ones appended)."""
    out = dict(base)
    for key, value in child.items():
        if key in _MERGED_TABLES and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        elif key == "tiers" and isinstance(value, list) and isinstance(out.get(key), list):
            tiers = list(out[key])
            index = {t.get("id"): i for i, t in enumerate(tiers) if isinstance(t, dict)}
            for t in value:
                tid = t.get("id") if isinstance(t, dict) else None
                if tid in index:
                    tiers[index[tid]] = t
                else:
                    tiers.append(t)
            out[key] = tiers
        else:
            out[key] = value
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, Decimal):
        return str(v.normalize()) if v == v.to_integral_value() else str(v)
    if isinstance(v, date):
        return v.isoformat()
    return v


def _content_hash(merged: dict[str, Any]) -> str:
    text = json.dumps(_jsonable(merged), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
