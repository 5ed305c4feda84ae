"""Sure or not: whether one result's eligibility and tiers could change with the schedule's
provisional values (`status = "provisional"`).

The provisional parts of a schedule are varied between their extremes, everything confirmed
stays as scored (docs/decisions.md, "Sure or not"):

- a provisional factor or deduction that applies to the applicant and scores non-zero for
  them takes any points from the lowest to the highest its rule can give over its facts'
  range (`line_range`); one that scores 0 stays 0 (the applicant has none of what it counts);
- a provisional group may combine its members anywhere from its `highest` member under its
  cap (lowest) to the sum of its members without a cap (highest);
- a provisional gate, and a provisional tier, may pass or fail.

Every score is non-decreasing in every line's points, so each score lies between its value
with every varied line at its lowest and with every one at its highest. Each gate comparison
on a score is then true, false or either over that interval; conditions combine in
three-valued logic (`all`, `any`, `not`). The outcome is *sure* when eligibility and every
tier of the purpose are each true or false whatever the provisional values. It is a bound:
"not sure" means the provisional values can reach both sides of a comparison the outcome
reads, not that every combination between the extremes is possible.

The column engine (`_sure_columns`) computes the same from the same plan (`sure_plan`).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import attrs

from ..compiled import (
    AllNode,
    AnyNode,
    CompiledSchedule,
    CondNode,
    FactorNode,
    FactTest,
    NotNode,
    ScoreTest,
    record_test,
)
from ..facts import MULTIPLES, candidates, fact_step, fact_value, vocabulary

__all__ = ["Sure", "SurePlan", "line_range", "score_may", "sure_of", "sure_plan"]

#: The most combinations of candidate values one multi-fact rule is evaluated at.
_PRODUCT_LIMIT = 50_000
Interval = tuple[int, int]
May = tuple[bool, bool]  # (may be true, may be false)


@attrs.frozen
class SurePlan:
    """The provisional parts of one compiled schedule, found once."""

    c: CompiledSchedule
    lines: Mapping[str, Interval]  # provisional factor/deduction id → (lowest, highest) ticks
    groups: frozenset[str]  # provisional groups
    gates: frozenset[str]  # provisional gates
    tiers: frozenset[str]  # provisional tiers
    tests: Mapping[int, Any]  # id(FactTest) → its per-record test
    labels: Mapping[str, tuple[str, str]]  # every provisional entry's (zh, en) label

    @property
    def any(self) -> bool:
        return bool(self.lines or self.groups or self.gates or self.tiers)


#: whether a result rests on provisional values, whether its outcome is sure, and (id, zh,
#: en) of the provisional entries that could change it
Sure = tuple[bool, bool, tuple[tuple[str, str, str], ...]]


_PLANS: OrderedDict[int, tuple[CompiledSchedule, SurePlan]] = OrderedDict()


def line_range(c: CompiledSchedule, f: FactorNode) -> Interval:
    """The lowest and highest ticks `f`'s rule gives over its facts' range: every value of a
    level or true/false fact; a number at its bounds and both sides of every cut the rule
    makes in it (`RuleKind.cuts`; a rule is monotone between its cuts)."""

    rule_cuts = f.cuts(MULTIPLES)
    per = []
    for x in f.facts:
        info = vocabulary()[x]
        if info.kind in ("bool", "level"):
            per.append(candidates(info, set())[0])
            continue
        step = fact_step(info)
        lo, hi = fact_value(info, info.minimum), fact_value(info, info.maximum)
        values = {lo, hi}
        for v in rule_cuts.get(x, set()):
            v = fact_value(info, v[1]) + step if isinstance(v, tuple) else fact_value(info, v)
            values.update(y for y in (v - step, v, v + step) if lo <= y <= hi)
        per.append(sorted(values))
    values_ = [f.fn(*v)[0] for v in itertools.islice(itertools.product(*per), _PRODUCT_LIMIT)]
    return min(values_), max(values_)


def _line_ranges(c: CompiledSchedule) -> dict[str, Any]:
    with c.scope():
        return {f.id: line_range(c, f) for f in (*c.factors, *c.deductions)
                if f.status == "provisional"}


def sure_plan(c: CompiledSchedule) -> SurePlan:
    """The provisional parts of `c` (cached per compiled schedule)."""
    hit = _PLANS.get(id(c))
    if hit is not None and hit[0] is c:
        return hit[1]
    with c.scope():  # conditions on a schedule's own facts read its vocabulary
        return _sure_plan(c)


def _sure_plan(c: CompiledSchedule) -> SurePlan:
    tests: dict[int, Any] = {}
    with c.scope():  # a comparison of the schedule's own level fact looks up its levels
        for g in c.gates.values():
            _leaf_tests(g.condition, tests)
    plan = SurePlan(
        c=c,
        lines=_line_ranges(c),
        groups=frozenset(g.id for g in c.groups if g.status == "provisional"),
        gates=frozenset(g for g, n in c.gates.items() if n.status == "provisional"),
        tiers=frozenset(t.id for t in c.schedule.tiers if t.status == "provisional"),
        tests=tests, labels=_labels(c))
    _PLANS[id(c)] = (c, plan)
    while len(_PLANS) > 128:
        _PLANS.popitem(last=False)
    return plan


def _labels(c: CompiledSchedule) -> dict[str, tuple[str, str]]:
    out = {n.id: (n.label_zh, n.label_en) for n in (*c.factors, *c.deductions)}
    out.update({g.id: (g.label_zh, g.label_en) for g in c.groups})
    out.update({g.id: (g.label_zh, g.label_en) for g in c.gates.values()})
    out.update({t.id: (t.label_zh, t.label_en) for t in c.tiers})
    return out


def _leaf_tests(node: CondNode, out: dict[int, Any]) -> None:
    if isinstance(node, AllNode | AnyNode):
        for x in node.items:
            _leaf_tests(x, out)
    elif isinstance(node, NotNode):
        _leaf_tests(node.item, out)
    elif isinstance(node, FactTest):
        out[id(node)] = record_test(node)


def score_may(op: str, ticks: Any, lo: int, hi: int) -> May:
    """Whether `score <op> ticks` may be true and may be false for a score in [lo, hi]."""
    if op == "ge":
        return hi >= ticks, lo < ticks
    if op == "gt":
        return hi > ticks, lo <= ticks
    if op == "le":
        return lo <= ticks, hi > ticks
    if op == "lt":
        return lo < ticks, hi >= ticks
    values = sorted(ticks) if op == "in" else [ticks]
    inside = any(lo <= v <= hi for v in values)
    fixed = lo == hi and lo in values
    if op == "ne":
        return not fixed, inside
    return inside, not fixed  # eq, in


def _may(plan: SurePlan, node: CondNode, facts: Mapping[str, Any],
         lo: Mapping[str, int], hi: Mapping[str, int]) -> May:
    if isinstance(node, AllNode):
        parts = [_may(plan, x, facts, lo, hi) for x in node.items]
        return all(t for t, _ in parts), any(f for _, f in parts)
    if isinstance(node, AnyNode):
        parts = [_may(plan, x, facts, lo, hi) for x in node.items]
        return any(t for t, _ in parts), all(f for _, f in parts)
    if isinstance(node, NotNode):
        t, f = _may(plan, node.item, facts, lo, hi)
        return f, t
    if isinstance(node, ScoreTest):
        return score_may(node.op, node.ticks, lo[node.score], hi[node.score])
    passed = bool(plan.tests[id(node)](facts, {}))
    return passed, not passed


def _varied_lines(plan: SurePlan, ticks: Mapping[str, int]) -> list[str]:
    """The provisional lines this applicant's result varies: those scoring non-zero (a line
    that does not apply scores 0)."""
    return [fid for fid, (lo, hi) in plan.lines.items() if ticks[fid] != 0 and lo != hi]


def _intervals(plan: SurePlan, ticks: Mapping[str, int], purpose_deductions: tuple[str, ...],
               vary: set[str]) -> tuple[dict[str, int], dict[str, int]]:
    c = plan.c
    lo: dict[str, int] = {}
    hi: dict[str, int] = {}
    for f in (*c.factors, *c.deductions):
        if f.id in vary:
            lo[f.id], hi[f.id] = plan.lines[f.id]
        else:
            lo[f.id] = hi[f.id] = ticks[f.id]
    for g in c.groups:
        los = [lo[m] for m in g.members]
        his = [hi[m] for m in g.members]
        if g.id in vary:  # its combination unconfirmed: highest under cap .. sum uncapped
            low = max([0, *los])
            lo[g.id] = low if g.cap is None or low <= g.cap else g.cap
            hi[g.id] = sum(his)
            continue
        if g.combine == "highest":
            low, high = max([0, *los]), max([0, *his])
        else:
            low, high = sum(los), sum(his)
        lo[g.id] = low if g.cap is None or low <= g.cap else g.cap
        hi[g.id] = high if g.cap is None or high <= g.cap else g.cap
    for side in (lo, hi):
        raw = sum(side[r] for r in c.roots) + sum(side[d] for d in purpose_deductions)
        side["total"] = raw if c.floor is None or raw >= c.floor else c.floor
    return lo, hi


def _outcome_sure(plan: SurePlan, facts: Mapping[str, Any], ticks: Mapping[str, int],
                  purpose: str | None, vary: set[str]) -> bool:
    c = plan.c
    node = c.purpose(purpose)
    lo, hi = _intervals(plan, ticks, tuple(d.id for d in node.deductions), vary)
    cache: dict[str, May] = {}

    def gate(g: str) -> May:
        if g not in cache:
            cache[g] = (True, True) if g in vary else _may(plan, c.gates[g].condition,
                                                            facts, lo, hi)
        return cache[g]

    def both(parts: list[May]) -> bool:
        return all(t for t, _ in parts) and any(f for _, f in parts)

    if both([gate(g) for g in node.gates]):
        return False
    for tier, needs in node.tiers:
        if tier.id in vary:
            return False
        parts = [gate(g) for g in needs]
        if tier.min_ticks is not None:
            parts.append(score_may("ge", tier.min_ticks, lo["total"], hi["total"]))
        if both(parts):
            return False
    return True


def sure_of(c: CompiledSchedule, facts: Mapping[str, Any], ticks: Mapping[str, int],
            purpose: str | None) -> Sure:
    """Whether one scored result rests on provisional values and whether its eligibility and
    tiers are sure; `flipped_by` names the provisional entries that could change them (each
    alone, or, when none alone can, every one varied)."""
    plan = sure_plan(c)
    if not plan.any:
        return False, True, ()
    node = c.purpose(purpose)
    read = set(node.gates)
    for _, needs in node.tiers:
        read.update(needs)
    lines = _varied_lines(plan, ticks)
    gates = [g for g in c.gates if g in plan.gates and g in read]
    tiers = [t.id for t, _ in node.tiers if t.id in plan.tiers]
    groups = [g.id for g in c.groups if g.id in plan.groups and ticks[g.id] != 0]
    rests = bool(lines or groups or gates or tiers)
    items = [*lines, *groups, *gates, *tiers]
    if _outcome_sure(plan, facts, ticks, purpose, set(items)):
        return rests, True, ()
    alone = [i for i in items if not _outcome_sure(plan, facts, ticks, purpose, {i})]
    return rests, False, tuple((i, *plan.labels[i]) for i in alone or items)
