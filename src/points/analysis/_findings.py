"""`analyse`: bounds of every purpose, and what the schedule does that it may not mean to."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..compiled import CompiledSchedule, FactTest, compile_schedule, walk
from ..facts import FactInfo, vocabulary
from ..schedule.kinds import RuleFn, fact_step, fact_value
from ..schedule.model import Schedule
from ._bounds import bounds_of, contexts
from ._results import Analysis, Finding, plain
from ._search import search
from ._space import Space
from ._status import status_findings
from ._thresholds import compared, load, scoped

__all__ = ["analyse"]


@scoped(0)
def analyse(schedule: Schedule | str) -> Analysis:
    """Bounds of every purpose, and every finding, for one loaded schedule."""
    c = compile_schedule(load(schedule))
    space = Space(c)
    scopes = contexts(c)
    all_bounds = tuple(bounds_of(space, p) for p in scopes)
    findings: list[Finding] = []
    if not all(b.exact for b in all_bounds):
        findings.append(Finding("inexact", "info", "schedule",
                                "the search limit was reached: some bounds are not proven"))
    findings += _tier_findings(space, scopes)
    findings += _gate_findings(space, scopes)
    findings += _factor_findings(space)
    findings += _cliff_findings(space)
    findings += status_findings(c)
    return Analysis(schedule_id=c.id, bounds=all_bounds, findings=tuple(findings))


def _tier_findings(space: Space, scopes: list[str | None]) -> Iterator[Finding]:
    c = space.c
    needs: dict[int, list[tuple[str | None, tuple[str, ...]]]] = {}
    for p in scopes:  # the purposes each tier applies to, with the gates it then needs
        for tier, gates in c.purposes[p].tiers:
            needs.setdefault(id(tier), []).append((p, gates))
    for i, t in enumerate(c.tiers):
        best: int | None = None
        exact = True
        for p, gates in needs.get(id(t), []):
            top = search(space, p, space.gate_terms(gates), "max")
            exact = exact and top.exact
            if top.value is not None:
                best = top.value if best is None else max(best, top.value)
        if best is not None and (t.min_ticks is None or best >= t.min_ticks):
            continue
        path = f"tiers[{i}] ({t.id})"
        if not exact:
            yield Finding("inexact", "info", path,
                          "the search limit was reached: reachability not proven")
            continue
        if best is None:
            why = "its gates can never all pass"
        else:
            why = (f"needs {t.min_score} points but at most {c.to_points(best)} "
                   "can be scored while its gates pass")
        yield Finding("unreachable_tier", "warning", path,
                      f"no applicant can reach tier {t.id!r}: {why}")


def _gate_findings(space: Space, scopes: list[str | None]) -> Iterator[Finding]:
    for gid, g in space.c.gates.items():
        path = f"gates.{gid}"
        for neg, kind, text in (
            (False, "gate_never_passes", "no applicant can pass this gate"),
            (True, "gate_never_fails", "every applicant passes this gate: it decides nothing"),
        ):
            found = [search(space, p, space.dnf(g.condition, neg), None) for p in scopes]
            if any(f.value is not None for f in found):
                continue
            if all(f.exact for f in found):
                yield Finding(kind, "warning", path, text)  # type: ignore[arg-type]
            else:
                yield Finding("inexact", "info", path,
                              "the search limit was reached: the gate was not decided")


def _ranges(space: Space) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """Each factor's, deduction's and group's lowest and highest points (groups relaxed),
    and the ones not proven: read from facts the search could not try in every outcome (too
    many together, or sampled), so that the values tried may miss the lowest or highest."""
    out: dict[str, tuple[int, int]] = {}
    unproven: set[str] = set()
    for names in space.variables:
        var = space.var(names[0])
        for k, i in enumerate(var.factors):
            f = space.factors[i]
            vals = [sig[0][k] for sig in var.sigs]
            lo, hi = min(vals), max(vals)
            if f.when is not None:
                lo, hi = min(lo, 0), max(hi, 0)
            out[f.id] = (lo, hi)
            if not var.exact:
                unproven.add(f.id)
    for g in space.c.groups:
        if any(m in unproven for m in g.members):
            unproven.add(g.id)
        los = [out[m][0] for m in g.members]
        his = [out[m][1] for m in g.members]
        if g.combine == "highest":
            lo, hi = max(los, default=0), max(his, default=0)
        else:
            lo, hi = sum(los), sum(his)
        if g.cap is not None:
            lo, hi = min(lo, g.cap), min(hi, g.cap)
        out[g.id] = (lo, hi)
    return out, unproven


def _factor_findings(space: Space) -> Iterator[Finding]:
    c = space.c
    ranges, unproven = _ranges(space)
    parent: dict[str, str | None] = {f.id: f.group for f in space.factors}
    parent.update({g.id: g.parent for g in c.groups})
    members = {g.id: g.members for g in c.groups}
    combine = {g.id: (g.combine, g.cap) for g in c.groups}
    why: dict[str, str] = {}

    def dead(node: str) -> str | None:
        if node in why:
            return why[node]
        lo, hi = ranges[node]
        reason: str | None = None
        if node in unproven:  # the values tried may not show every outcome: claim nothing
            why[node] = ""
            return None
        if lo == hi:
            reason = f"it always scores {c.to_points(lo)}"
        p = parent.get(node)
        if reason is None and p is not None:
            how, cap = combine[p]
            others = [m for m in members[p] if m != node]
            proven = not any(m in unproven for m in others)  # else nothing said of them
            if proven and how == "sum" and cap is not None and \
                    sum(ranges[m][0] for m in others) >= cap:
                reason = f"the other members of group {p!r} always fill its cap"
            elif proven and how == "highest":
                for m in others:
                    if ranges[m][0] >= hi:
                        reason = f"{m!r} always scores at least as much in group {p!r}"
                        break
            if reason is None and dead(p):
                reason = f"its group {p!r} can never change the total"
        why[node] = reason or ""
        return reason

    for key, section in [*((f.id, "factors") for f in c.factors),
                         *((g, "groups") for g in c.group_ids),
                         *((f.id, "deductions") for f in c.deductions)]:
        reason = dead(key)
        if reason:
            yield Finding("dead_factor", "warning", f"{section}.{key}",
                          f"can never change the total: {reason}")
    # caps that never bind
    for names in space.variables:
        var = space.var(names[0])
        for k, i in enumerate(var.factors):
            f = space.factors[i]
            cap = getattr(f.spec, "cap", None)  # the spec's own `cap` key, if its kind has one
            if cap is not None and var.exact and not any(sig[1][k] for sig in var.sigs):
                section = "factors" if f.kind == "factor" else "deductions"
                yield Finding("idle_cap", "info", f"{section}.{f.id}.cap",
                              f"the cap {plain(cap)} never cuts any points "
                              f"within the bounds of {' and '.join(f.facts)}")
    for g in c.groups:
        if g.cap is None or g.id in unproven:
            continue
        his = [ranges[m][1] for m in g.members]
        top = max(his, default=0) if g.combine == "highest" else sum(his)
        if top <= g.cap:
            yield Finding("idle_cap", "info", f"groups.{g.id}.cap",
                          f"the cap {c.to_points(g.cap)} never cuts any points "
                          f"(members give at most {c.to_points(top)})")


def _cliff_findings(space: Space) -> Iterator[Finding]:
    c = space.c
    for fact in space.facts:
        info = vocabulary()[fact]
        if info.kind not in ("int", "decimal", "fraction"):
            continue
        step = fact_step(info)
        cliffs: list[tuple[Any, Any, str, str]] = []  # (value, rule unit, factor, what)
        for f in space.factors:
            # `RuleKind.cliffs` is of a rule reading this fact alone, or of its part on it
            if f.facts == (fact,):
                spec, fn = f.spec, f.fn
            elif f.part_fns and fact in f.facts and tuple(p.fact for p in f.parts) == f.facts:
                k = f.facts.index(fact)
                spec, fn = f.parts[k], f.part_fns[k]
            else:
                continue
            cliffs += [(v, unit, f.id, f"{f.id} jumps {_jump(fn, v, step, c)} at {plain(v)}")
                       for v, unit in f.rule.cliffs(spec, fn, step, c.scale)]
        gates = [(v, gid) for gid, g in c.gates.items()
                 for v in _atom_cuts(g.condition, fact, info, step)]
        seen: set[tuple[Any, Any]] = set()
        for v, unit, _key, what in cliffs:
            for g_v, gid in gates:
                if 0 < abs(g_v - v) <= unit and (g_v, v) not in seen:
                    seen.add((g_v, v))
                    yield Finding(
                        "near_cliff", "warning", f"gates.{gid}",
                        f"the gate changes at {fact} = {plain(g_v)}, within one rule unit "
                        f"({plain(unit)}) of a cliff: {what}")
        for (v1, u1, k1, w1), (v2, u2, k2, w2) in itertools.combinations(cliffs, 2):
            if 0 < abs(v1 - v2) <= max(u1, u2) and k1 != k2:
                yield Finding("near_cliff", "warning", f"{fact}",
                              f"two cliffs within one rule unit: {w1}; {w2}")


def _jump(fn: RuleFn, v: Any, step: Any, c: CompiledSchedule) -> str:
    d = fn(v)[0] - fn(v - step)[0]
    return f"{'+' if d > 0 else ''}{c.to_points(d)}"


def _atom_cuts(node: Any, fact: str, info: FactInfo, step: Any) -> list[Any]:
    """Where a gate's comparisons on `fact` change, as the first value on the upper side."""
    out: list[Any] = []
    for t in walk(node):
        if not isinstance(t, FactTest) or t.fact != fact:
            continue
        for v in compared(t.value):
            if isinstance(v, bool) or not isinstance(v, int | Decimal):
                continue
            x = fact_value(info, v)
            if t.op in ("ge", "lt"):
                out.append(x)
            elif t.op in ("gt", "le"):
                out.append(x + step if x == v else x)
            else:
                out += [x, x + step]
    return out
