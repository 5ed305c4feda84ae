"""A schedule's own derivations: its `[derive.NAME]` tables, checked at load and merged over
a record spec when scoring with records.

Each `[derive.NAME]` has exactly the keys of a records.toml `[facts.NAME]` and reads the
bundled record kinds. NAME is one of the schedule's own given facts (declared in its
`[facts.NAME]`), or a standard fact with `override = true`: the schedule's derivation then
replaces the bundled one, never silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .._vocab import FactInfo, near_miss
from ..errors import RecordSpecError, ScheduleError
from ..facts import FACTS
from ..schedule import dotted, validation_error, where
from ._spec import DERIVES, RecordSpec, _fact_problems, bundled_spec

if TYPE_CHECKING:
    from ..schedule.model import Schedule

__all__ = ["check_derive", "spec_for"]

Lines = dict[tuple[str | int, ...], int]
Chain = list[tuple[str, Lines]]


def check_derive(schedule: Schedule, vocab: Mapping[str, FactInfo], source: str,
                 lines: Lines, chain: Chain) -> tuple[dict[str, Any], list[ScheduleError]]:
    """(the derivations of `schedule.derive`, validated; the problems, each at file, line
    and key) over the bundled record kinds and the schedule's vocabulary `vocab`."""
    spec = bundled_spec()
    out: dict[str, Any] = {}
    problems: list[ScheduleError] = []

    def refuse(at: tuple[str | int, ...], msg: str, value: Any = None) -> None:
        file, line = where(at, source, lines, chain)
        problems.append(ScheduleError(msg, file=file, line=line, path=dotted(at),
                                      **({"value": value} if value is not None else {})))

    for name, raw in schedule.derive.items():
        path: tuple[str | int, ...] = ("derive", name)
        entry = dict(raw)
        override = entry.pop("override", None)
        if override is not None and not isinstance(override, bool):
            refuse((*path, "override"), "override is true or false", override)
            continue
        decl = schedule.facts.get(name)
        if name in FACTS:
            if override is not True:
                refuse((*path, "override") if "override" in raw else path,
                       f"{name} is a standard fact: a schedule replaces its bundled "
                       "derivation only with override = true", name)
                continue
        elif decl is not None:
            if decl.expr is not None:
                refuse(path, f"{name} is derived from other facts (its expr); it cannot be "
                       "derived from records too", name)
                continue
            if override is not None:
                refuse((*path, "override"), f"override is for standard facts; {name} is "
                       "this schedule's own fact", override)
                continue
        else:
            refuse(path, "is not a fact of this schedule: declare it in [facts." + name
                   + "], or name a standard fact with override = true"
                   + near_miss(name, [*FACTS, *schedule.facts]), name)
            continue
        kind = entry.get("derive")
        model = DERIVES.get(kind) if isinstance(kind, str) else None
        if model is None:
            at = (*path, "derive") if "derive" in entry else path
            refuse(at, f"derive is one of {', '.join(DERIVES)}", kind)
            continue
        try:
            d = model.model_validate(entry)
        except ValidationError as exc:
            problems += validation_error(exc, source, lines, prefix=path,
                                         chain=chain).problems
            continue
        found = _fact_problems(spec, name, d, vocab, base=path)
        for at, msg, value in found:
            refuse(at, msg, value)
        if not found:
            out[name] = d
    return out, problems


def spec_for(schedule: Schedule, base: RecordSpec | None = None) -> RecordSpec:
    """`base` (default: the bundled record spec) with the derivations `schedule` declares
    in place of, or beside, its own; the facts they give are read from the schedule's
    vocabulary. A `base` whose kinds do not fit a derivation raises `RecordSpecError`."""
    own: dict[str, Any] = schedule._derivations
    if not own:
        return base or bundled_spec()
    bundled = base is None or base is bundled_spec()
    if bundled and schedule._records_spec is not None:
        cached: RecordSpec = schedule._records_spec
        return cached
    base = base or bundled_spec()
    if not bundled:
        found = [(at, msg, value) for name, d in own.items()
                 for at, msg, value in _fact_problems(base, name, d, schedule.vocabulary,
                                                      base=("derive", name))]
        if found:
            raise RecordSpecError([ScheduleError(
                f"{msg} (in the record file {base.source})", file=schedule.source,
                path=dotted(at), value=value) for at, msg, value in found])
    merged = base.model_copy(update={"facts": {**base.facts, **own}})
    merged._vocab = schedule.vocabulary
    merged._owners = {**base._owners, **{n: (schedule.id, n in FACTS) for n in own}}
    if bundled:
        schedule._records_spec = merged
    return merged
