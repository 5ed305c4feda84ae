"""Checks that need the whole schedule: names, references, signs, bands, tier order.

Each check yields `(key_path, message, value)`; the loader turns them into errors with
the file and line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from .._vocab import near_miss
from ..facts import FactInfo, vocabulary
from .kinds import Problem, fine, kind_of
from .model import (
    AllOf,
    AnyOf,
    Condition,
    FactCondition,
    NotOf,
    Schedule,
    ScoreCondition,
    ServiceSpec,
    When,
)


def check(s: Schedule, catalogue: Mapping[str, ServiceSpec]) -> list[Problem]:
    """Every semantic problem of `s`, in file order as far as possible."""
    return list(_all(s, catalogue))


def _all(s: Schedule, catalogue: Mapping[str, ServiceSpec]) -> Iterator[Problem]:
    meta = s.schedule
    q = meta.precision
    if meta.id.split("/")[0] != meta.place:
        yield ("schedule", "id"), f"id must start with the place {meta.place!r}", meta.id
    if meta.supersedes == meta.id:
        yield ("schedule", "supersedes"), "a schedule cannot supersede itself", meta.supersedes
    if meta.floor is not None:
        yield from fine(("schedule", "floor"), meta.floor, q)
    if meta.default_purpose is not None and meta.default_purpose not in s.purposes:
        yield (("schedule", "default_purpose"), "names no purpose of this schedule",
               meta.default_purpose)

    names: dict[str, str] = {}
    for section in ("factors", "groups", "deductions"):
        for key in getattr(s, section):
            if key in names:
                yield ((section, key),
                       f"id is already used in [{names[key]}]; ids must be unique", key)
            names[key] = section
    if "total" in names:
        yield (names["total"], "total"), "'total' is reserved for the total score", "total"

    for section, sign in (("factors", 1), ("deductions", -1)):
        for key, f in getattr(s, section).items():
            yield from _factor((section, key), f, sign, s, q)

    for key, g in s.groups.items():
        if g.cap is not None:
            yield from fine(("groups", key, "cap"), g.cap, q)
        if g.when is not None:
            yield from _when(("groups", key, "when"), g.when, s, q)
        if g.group is not None and g.group not in s.groups:
            yield ("groups", key, "group"), "names no group", g.group
    yield from _group_cycles(s)
    members = {f.group for f in s.factors.values()} | {g.group for g in s.groups.values()}
    for key in s.groups:
        if key not in members:
            yield ("groups", key), "group has no member factor or group", key
    yield from _within(s)

    yield from _branches(s)
    scores = {"total", *s.factors, *s.groups, *s.deductions}
    for key, gate in s.gates.items():
        yield from _condition(("gates", key, "condition"), gate.condition, scores, q)

    for key, p in s.purposes.items():
        for i, gid in enumerate(p.gates):
            if gid not in s.gates:
                yield ("purposes", key, "gates", i), "names no gate", gid

    services = {**catalogue, **s.services}
    seen: set[str] = set()
    for i, t in enumerate(s.tiers):
        if t.id in seen:
            yield ("tiers", i, "id"), "duplicate tier id", t.id
        seen.add(t.id)
        if t.min_score is not None:
            yield from fine(("tiers", i, "min_score"), t.min_score, q)
        for j, gid in enumerate(t.gates):
            if gid not in s.gates:
                yield ("tiers", i, "gates", j), "names no gate", gid
        for j, pid in enumerate(t.purposes or ()):
            if pid not in s.purposes:
                yield ("tiers", i, "purposes", j), "names no purpose", pid
        for j, sid in enumerate(t.services):
            if sid not in services:
                yield ("tiers", i, "services", j), "unknown service (not in the catalogue)", sid
        for j, hid in enumerate(t.register_in):
            if hid not in s.households:
                yield (("tiers", i, "register_in", j),
                       "names no household (declare it in [households.<id>])", hid)
        if len(set(t.register_in)) != len(t.register_in):
            yield ("tiers", i, "register_in"), "a household is listed twice", t.register_in
        if t.min_score is None and not t.gates and not (
            t.purposes and any(s.purposes[p].gates for p in t.purposes if p in s.purposes)
        ) and i > 0:
            yield ("tiers", i), "a tier after the first needs min_score or gates", t.id
    yield from _tier_order(s)

    r = s.ranking
    if r is not None:
        if r.purpose is not None and r.purpose not in s.purposes:
            yield ("ranking", "purpose"), "names no purpose", r.purpose
        if r.key not in scores:
            yield ("ranking", "key"), "names no score (total, a group or a factor)", r.key
        for i, tb in enumerate(r.tie_breaks):
            if tb.fact is not None and tb.fact not in vocabulary():
                yield ("ranking", "tie_breaks", i, "fact"), "unknown fact", tb.fact
            if tb.score is not None and tb.score not in scores:
                yield ("ranking", "tie_breaks", i, "score"), "names no score", tb.score
        if r.final == "lottery" and r.seed is None:
            yield ("ranking", "final"), "a lottery needs a seed", r.final


def _fact(path: tuple[str | int, ...], name: str, kinds: tuple[str, ...],
          what: str) -> Iterator[Problem]:
    info = vocabulary().get(name)
    if info is None:
        yield path, "unknown fact", name
    elif info.kind not in kinds:
        yield path, f"{what} needs a {' or '.join(kinds)} fact, not a {info.kind} fact", name


def _factor(path: tuple[str | int, ...], f: Any, sign: int, s: Schedule,
            q: Decimal) -> Iterator[Problem]:
    kind = kind_of(f)
    if f.facts is None:
        yield from _fact((*path, "fact"), f.fact, kind.fact_kinds, f"rule {f.rule!r}")
    else:
        if len(kind.facts(f)) != 1:
            yield (*path, "facts"), f"rule {f.rule!r} reads two facts: give one fact", f.facts
        for i, name in enumerate(f.facts):
            yield from _fact((*path, "facts", i), name, kind.fact_kinds, f"rule {f.rule!r}")
            if name in f.facts[:i]:
                yield (*path, "facts", i), "is listed twice", name
        kinds = {vocabulary()[x].kind for x in f.facts if x in vocabulary()}
        if len(kinds) > 1:
            yield (*path, "facts"), "the facts of one rule are of one kind", f.facts
        elif kinds == {"level"} and len({vocabulary()[x].levels for x in f.facts}) > 1:
            yield (*path, "facts"), "the facts of one rule have the same levels", f.facts
        if f.group is not None and f.group in s.groups and s.groups[f.group].within:
            yield (*path, "facts"), "a rule over several facts cannot share a `within`", f.facts
    if f.when is not None:
        yield from _when((*path, "when"), f.when, s, q)
    if sign > 0 and f.purposes is not None:
        yield (*path, "purposes"), "only deductions are scoped to purposes", f.purposes
    for i, pid in enumerate(f.purposes or ()):
        if pid not in s.purposes:
            yield (*path, "purposes", i), "names no purpose", pid
    if sign < 0 and f.group is not None:
        yield (*path, "group"), "deductions are not grouped", f.group
    if f.group is not None and f.group not in s.groups:
        yield (*path, "group"), "names no group", f.group

    yield from kind.check(f, path, sign, q)


def _when(path: tuple[str | int, ...], w: When, s: Schedule, q: Decimal) -> Iterator[Problem]:
    """`when` names a true/false fact or a gate that reads no score, or is a condition on
    facts."""
    if not isinstance(w, str):
        yield from _condition(path, w, set(), q)
        return
    if w in s.gates:
        if w in vocabulary():
            yield path, "names both a fact and a gate: rename the gate", w
        elif _reads_scores(s.gates[w].condition):
            yield path, "names a gate that reads scores (a factor's `when` reads facts only)", w
        return
    info = vocabulary().get(w)
    if info is None:
        yield path, f"names no fact or gate{near_miss(w, [*vocabulary(), *s.gates])}", w
    elif info.kind != "bool":
        yield path, f"a `when` name is a true/false fact or a gate, not a {info.kind} fact", w


def _reads_scores(c: Condition) -> bool:
    if isinstance(c, AllOf):
        return any(_reads_scores(x) for x in c.all)
    if isinstance(c, AnyOf):
        return any(_reads_scores(x) for x in c.any)
    if isinstance(c, NotOf):
        return _reads_scores(c.not_)
    return isinstance(c, ScoreCondition)


def _branches(s: Schedule) -> Iterator[Problem]:
    """Each member of a branch is a factor or group with its own `when`, in one branch only,
    and not inside another member."""
    seen: dict[str, str] = {}
    for key, b in s.branches.items():
        for i, m in enumerate(b.members):
            path = ("branches", key, "members", i)
            spec = s.factors.get(m) or s.groups.get(m)
            if spec is None:
                yield path, f"names no factor or group{near_miss(m, [*s.factors, *s.groups])}", m
            elif spec.when is None:
                yield path, "a branch member needs its own `when`", m
            elif m in seen:
                yield path, f"is already a member of branch {seen[m]!r}", m
            seen.setdefault(m, key)
        for i, m in enumerate(b.members):
            parent = (s.factors.get(m) or s.groups.get(m))
            g = getattr(parent, "group", None)
            depth = 0
            while g is not None and g in s.groups and depth <= len(s.groups):
                if g in b.members:
                    yield (("branches", key, "members", i),
                           f"is inside {g!r}, another member of the branch", m)
                    break
                g, depth = s.groups[g].group, depth + 1


def _within(s: Schedule) -> Iterator[Problem]:
    """A group's `within` fact is a number its members' facts share, in the same unit."""
    for key, g in s.groups.items():
        if g.within is None:
            continue
        path = ("groups", key, "within")
        info = vocabulary().get(g.within)
        if info is None:
            yield path, "unknown fact", g.within
            continue
        if info.kind not in ("int", "decimal"):
            yield path, f"within needs an int or decimal fact, not a {info.kind} fact", g.within
            continue
        for sub, spec in s.groups.items():
            if spec.group == key:
                yield (("groups", sub, "group"),
                       f"group {key!r} shares {g.within!r} among factors only", key)
        for fid, f in s.factors.items():
            member = vocabulary().get(f.fact)
            if f.group != key or member is None:
                continue
            if member.kind not in ("int", "decimal") or member.unit != info.unit:
                yield (("factors", fid, "fact"),
                       f"a member of group {key!r} counts in {info.unit or 'no unit'} like "
                       f"{g.within!r}", f.fact)


def _group_cycles(s: Schedule) -> Iterator[Problem]:
    for key in s.groups:
        chain = [key]
        g = s.groups[key].group
        while g is not None and g in s.groups:
            if g in chain:  # reported at each group in the cycle, not at those leading in
                if g == key:
                    yield (("groups", key, "group"),
                           f"groups form a cycle ({' → '.join([*chain, key])})",
                           s.groups[key].group)
                break
            chain.append(g)
            g = s.groups[g].group


def _condition(path: tuple[str | int, ...], c: Condition,
               scores: set[str], q: Decimal) -> Iterator[Problem]:
    if isinstance(c, AllOf):
        for i, sub in enumerate(c.all):
            yield from _condition((*path, "all", i), sub, scores, q)
    elif isinstance(c, AnyOf):
        for i, sub in enumerate(c.any):
            yield from _condition((*path, "any", i), sub, scores, q)
    elif isinstance(c, NotOf):
        yield from _condition((*path, "not"), c.not_, scores, q)
    elif isinstance(c, ScoreCondition):
        if c.score not in scores:
            yield (*path, "score"), "names no score (total, a group or a factor)", c.score
        op, value = c.comparison()
        for v in (value if isinstance(value, list) else [value]):
            if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
                yield (*path, op), "a score is compared with a number", v
            else:
                yield from fine((*path, op), Decimal(v), q)
    elif isinstance(c, FactCondition):
        info = vocabulary().get(c.fact)
        if info is None:
            yield (*path, "fact"), "unknown fact", c.fact
            return
        op, value = c.comparison()
        for v in (value if isinstance(value, list) else [value]):
            problem = _value_problem(info, op, v)
            if problem:
                yield (*path, op), problem, v


def _value_problem(info: FactInfo, op: str, v: Any) -> str | None:
    if info.kind == "bool":
        if not isinstance(v, bool):
            return f"{info.name} is true/false"
        if op not in ("eq", "ne", "in"):
            return f"{info.name} is true/false: compare it with eq or ne"
    elif info.kind == "level":
        if v not in info.levels:
            return f"not a level of {info.name} ({', '.join(info.levels)})"
    elif isinstance(v, bool) or not isinstance(v, (int, Decimal)):
        if isinstance(v, date):
            return f"{info.name} is a number, not a date"
        return f"{info.name} is a number"
    return None


def _tier_order(s: Schedule) -> Iterator[Problem]:
    for pid in [None, *s.purposes]:
        last: tuple[int, Decimal] | None = None
        for i, t in enumerate(s.tiers):
            if pid is not None and t.purposes is not None and pid not in t.purposes:
                continue
            if pid is None and t.purposes is not None:
                continue
            if t.min_score is None:
                continue
            if last is not None and t.min_score < last[1]:
                yield (("tiers", i, "min_score"),
                       f"tiers are unsorted: {t.id!r} needs less than the tier before it "
                       f"({last[1]})", t.min_score)
            last = (i, t.min_score)
