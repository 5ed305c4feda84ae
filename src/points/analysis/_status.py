"""Status inconsistencies: the same value confirmed in one place and provisional in another.

Within one schedule, a number is "the same value" when it is the same threshold on the same
score or fact: a tier's `min_score` and a gate comparing the total with that number; two gates
comparing one fact (or one score) with one number. Two tiers alone are not compared: a tier's
status also covers its services, so two tiers at one score may differ in status rightly.
Across schedules, an entry of the schedule this one `extends` or `supersedes` with the same
id and the same content (everything but its status, reference and note) is the same value: a
warning against the schedule it extends (the entry is the same text), worth knowing (info)
against the one it supersedes (another document, whose sources may differ).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..compiled import CompiledSchedule, FactTest, ScoreTest, walk
from ..errors import PointsError
from ..schedule.model import Schedule
from ._results import Finding, plain
from ._thresholds import compared

__all__ = ["status_findings"]

_SECTIONS = ("factors", "deductions", "groups", "gates", "purposes")


def status_findings(c: CompiledSchedule) -> Iterator[Finding]:
    """Every status inconsistency of `c`, within it and against the schedules it extends
    or supersedes."""
    yield from _within(c)
    meta = c.schedule.schedule
    for how, other_id in (("extends", meta.extends), ("supersedes", meta.supersedes)):
        if other_id is None:
            continue
        other = _load_other(c.schedule, other_id)
        if other is not None:
            yield from _across(c.schedule, other, how)


def _within(c: CompiledSchedule) -> Iterator[Finding]:
    # (what is compared, the number) → [(where, status)]
    seen: dict[tuple[str, Any], list[tuple[str, str]]] = {}
    for t in c.schedule.tiers:
        if t.min_score is not None:
            seen.setdefault(("score total", Decimal(t.min_score)), []).append(
                (f"tiers.{t.id}.min_score", t.status))
    for gid, g in c.gates.items():
        for test in walk(g.condition):
            what = f"score {test.score}" if isinstance(test, ScoreTest) else \
                f"fact {test.fact}" if isinstance(test, FactTest) else None
            if what is None:  # pragma: no cover - walk yields comparisons only
                continue
            for v in compared(test.value):
                if isinstance(v, bool) or not isinstance(v, int | Decimal):
                    continue
                number = Decimal(v)
                places = seen.setdefault((what, number), [])
                if (f"gates.{gid}", g.status) not in places:
                    places.append((f"gates.{gid}", g.status))
    for (what, number), places in seen.items():
        statuses = {s for _, s in places}
        gate_statuses = {s for p, s in places if p.startswith("gates.")}
        if len(statuses) < 2 or not gate_statuses:
            continue  # tiers alone: a tier's status also covers its services
        confirmed = [p for p, s in places if s == "confirmed"]
        provisional = [p for p, s in places if s == "provisional"]
        yield Finding(
            "status_inconsistent", "warning", provisional[0],
            f"{what} compared with {plain(number)} is provisional here "
            f"({', '.join(provisional)}) but confirmed in {', '.join(confirmed)}")


def _load_other(s: Schedule, other_id: str) -> Schedule | None:
    """The schedule `other_id` names (a bundled id, or a path beside `s`'s file); None when
    it cannot be loaded (a superseded schedule need not be bundled)."""
    from ..schedule.loader import load_schedule

    target: str = other_id
    if other_id.endswith(".toml"):
        target = str(Path(s.source).parent / other_id)
    try:
        return load_schedule(target)
    except PointsError:
        return None


def _entries(s: Schedule) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every sourced entry by its path: (status, its content without status, ref, note)."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    skip = {"status", "ref", "note"}
    for section in _SECTIONS:
        for key, spec in getattr(s, section).items():
            out[f"{section}.{key}"] = (spec.status, spec.model_dump(exclude=skip))
    for t in s.tiers:
        out[f"tiers.{t.id}"] = (t.status, t.model_dump(exclude=skip))
    if s.ranking is not None:
        out["ranking"] = (s.ranking.status, s.ranking.model_dump(exclude=skip))
    return out


def _across(s: Schedule, other: Schedule, how: str) -> Iterator[Finding]:
    mine, theirs = _entries(s), _entries(other)
    for path, (status, content) in mine.items():
        if path not in theirs:
            continue
        other_status, other_content = theirs[path]
        if other_status != status and other_content == content:
            # an extended entry is the same text; a superseded document may differ in its
            # sources, so a different status there is only worth knowing
            yield Finding(
                "status_inconsistent", "warning" if how == "extends" else "info", path,
                f"the same entry is {status} here but {other_status} in {other.id}, "
                f"which this schedule {how}")
