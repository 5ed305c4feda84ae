"""The compiled form: a schedule turned, once, into named frozen nodes.

Everything that follows from the schedule's structure is decided here and nowhere else: the
order of the group tree (children before parents), which factors share a `within` budget,
which deductions, gates and tiers apply to each purpose, the rule of every factor as a
kind plus its per-record function, every condition as nodes. The per-record engine, the
column engine, `points check`, `points show`, the comparison page and `points.testing`
read this form; none of them re-derives it from the `Schedule` model.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from ..facts import FactInfo, vocabulary_scope
from ..schedule.kinds import Arith, RuleFn, RuleKind, describe_rule, kind_of, to_ticks
from ..schedule.model import RankingSpec, Schedule
from ._conditions import (
    AllNode,
    CondNode,
    FactTest,
    Test,
    compile_condition,
    describe,
    facts_read,
    record_test,
)

__all__ = ["BranchNode", "Budget", "CompiledSchedule", "FactorNode", "GateNode", "GroupNode",
           "PurposeNode", "TierNode", "compile_schedule"]


@attrs.frozen
class FactorNode:
    """A factor (`sign` 1) or a deduction (`sign` -1) and its compiled rule."""

    id: str
    kind: str  # "factor" or "deduction"
    sign: int
    rule: type[RuleKind]
    spec: Any  # the validated table of its rule kind
    fact: str
    facts: tuple[str, ...]  # every fact the rule reads, `fact` first
    #: the true/false fact (or, for a condition, the key of its value among the facts, set
    #: before scoring from `CompiledSchedule.conditions`) the factor needs, with its
    #: groups' `when`s
    when: str | None
    group: str | None
    purposes: frozenset[str] | None
    fn: RuleFn  # the values of `facts` → (ticks, cap hit)
    within: str | None  # the shared fact of its `within` group, if any
    label_zh: str
    label_en: str
    rule_zh: str
    rule_en: str
    ref: str
    status: str
    when_node: CondNode | None = None  # the condition behind `when`
    when_zh: str = ""  # it in words
    when_en: str = ""
    #: a rule over several facts (`facts = [...]`): the rule's spec for each fact, in order;
    #: `fn` adds their points (or keeps the highest: `combine`)
    parts: tuple[Any, ...] = ()
    combine: str = "sum"
    #: each part's own rule function (value → (ticks, cap hit)), as `fn` combines them
    part_fns: tuple[RuleFn, ...] = ()

    def cuts(self, multiples: int) -> dict[str, set[Any]]:
        """Per fact read, where the rule's points may change (`RuleKind.cuts`)."""
        out: dict[str, set[Any]] = {}
        for spec in self.parts or (self.spec,):
            for fact, values in self.rule.cuts(spec, multiples).items():
                out.setdefault(fact, set()).update(values)
        return out


@attrs.frozen
class BranchNode:
    """Members (factors or groups) of which exactly one (`one`) or at most one applies."""

    id: str
    exactly: str
    members: tuple[str, ...]
    keys: tuple[str, ...]  # per member: the key of its `when` among the facts
    label_zh: str
    label_en: str
    ref: str
    status: str


@attrs.frozen
class GroupNode:
    """A group: how it combines its members (children before parents) and its cap."""

    id: str
    combine: str  # "sum" or "highest"
    cap: int | None  # ticks
    parent: str | None
    members: tuple[str, ...]  # factor ids and group ids, schedule order
    depth: int  # 1 for a group of factors only; a parent is deeper than its members
    within: str | None
    label_zh: str
    label_en: str
    ref: str
    status: str


@attrs.frozen
class Budget:
    """A `within` group: its members, in order, count at most what is left of `fact`."""

    group: str
    fact: str
    members: tuple[FactorNode, ...]


@attrs.frozen
class GateNode:
    """A gate: its condition as nodes, its per-record test and its words."""

    id: str
    condition: CondNode
    test: Test
    text: str
    text_zh: str
    facts: tuple[str, ...]
    label_zh: str
    label_en: str
    veto: bool
    ref: str
    status: str


@attrs.frozen
class TierNode:
    """A tier: its minimum in ticks, its own gates, the purposes it serves, its services."""

    id: str
    min_ticks: int | None
    min_score: Decimal | None
    gates: tuple[str, ...]
    purposes: frozenset[str] | None
    services: tuple[str, ...]
    label_zh: str
    label_en: str


@attrs.frozen
class PurposeNode:
    """What applies when scoring for one purpose (`id` None: no purpose)."""

    id: str | None
    label: tuple[str, str] | None  # (zh, en); None for no purpose
    gates: tuple[str, ...]  # eligibility: all must pass
    deductions: tuple[FactorNode, ...]  # the deductions that apply
    tiers: tuple[tuple[TierNode, tuple[str, ...]], ...]  # each tier and the gates it needs


@attrs.frozen
class CompiledSchedule:
    """A schedule compiled once; build it with `compile_schedule`."""

    schedule: Schedule
    id: str
    hash: str
    scale: int
    places: int
    arith: Arith
    floor: int | None
    effective_from: date
    effective_until: date | None
    factors: tuple[FactorNode, ...]
    deductions: tuple[FactorNode, ...]
    groups: tuple[GroupNode, ...]  # children before parents
    group_ids: tuple[str, ...]  # the groups in schedule order
    roots: tuple[str, ...]  # top-level factor and group ids
    budgets: tuple[Budget, ...]
    gates: dict[str, GateNode]
    purposes: dict[str | None, PurposeNode]
    tiers: tuple[TierNode, ...]
    ranking: RankingSpec | None
    scored_facts: frozenset[str]  # the facts the rules, `when`, budgets and gates read
    facts: frozenset[str]  # those and the facts the ranking breaks ties on
    vocab: Mapping[str, FactInfo]  # every fact the schedule may read, by name
    #: `when` conditions other than one true/false fact: each key (`when:<id>`) and its
    #: condition, worked out before scoring
    conditions: tuple[tuple[str, CondNode], ...] = ()
    branches: tuple[BranchNode, ...] = ()
    #: the derived facts scoring reads, each after those it reads: (name, `Expr`)
    derived: tuple[tuple[str, Any], ...] = ()

    def scope(self) -> AbstractContextManager[None]:
        """The schedule's vocabulary in scope (`points.facts.vocabulary()`) in a block."""
        return vocabulary_scope(self.vocab)

    def to_points(self, ticks: int) -> Decimal:
        return Decimal(ticks).scaleb(-self.places)

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (
            self.effective_until is None or on < self.effective_until)

    def purpose(self, purpose: str | None) -> PurposeNode:
        return self.purposes.get(purpose, self.purposes[None])



_CACHE: OrderedDict[int, tuple[Schedule, CompiledSchedule]] = OrderedDict()
_CACHE_SIZE = 128


def compile_schedule(schedule: Schedule) -> CompiledSchedule:
    """The compiled form of `schedule` (cached: compiling twice returns the same object)."""
    hit = _CACHE.get(id(schedule))
    if hit is not None and hit[0] is schedule:
        return hit[1]
    with vocabulary_scope(schedule.vocabulary):
        compiled = _compile(schedule)
    _CACHE[id(schedule)] = (schedule, compiled)  # holding the schedule keeps its id unique
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return compiled


def _compile(s: Schedule) -> CompiledSchedule:
    meta = s.schedule
    places = max(-meta.precision.normalize().as_tuple().exponent, 0)  # type: ignore[operator]
    scale = 10 ** places
    arith = Arith(scale, meta.rounding, meta.precision)
    within_of = {gid: g.within for gid, g in s.groups.items() if g.within is not None}
    gate_nodes = {gid: compile_condition(g.condition, scale) for gid, g in s.gates.items()}
    conditions: dict[str, CondNode] = {}
    effective: dict[str, tuple[CondNode | None, str | None]] = {}

    def own(w: Any) -> CondNode | None:
        if w is None:
            return None
        if isinstance(w, str):
            return gate_nodes[w] if w in gate_nodes else FactTest(w, "eq", True, "bool")
        return compile_condition(w, scale)

    def when_of(key: str, spec: Any) -> tuple[CondNode | None, str | None]:
        """The condition a factor, deduction or group needs (its own and its groups'), and
        its key among the facts: the fact itself for one true/false fact, else `when:<key>`."""
        if key in effective:
            return effective[key]
        parent = spec.group
        up = when_of(parent, s.groups[parent])[0] if parent is not None else None
        mine = own(spec.when)
        node = mine if up is None else up if mine is None else AllNode((up, mine))
        name: str | None = None
        if isinstance(node, FactTest) and node.op == "eq" and node.value is True \
                and node.kind == "bool":
            name = node.fact
        elif node is not None:
            name = f"when:{key}"
            conditions[name] = node
        effective[key] = (node, name)
        return node, name

    def each(parts: tuple[Any, ...], combine: str, lang: str) -> str:
        """`, for each of a, b (added up)` for a rule over several facts."""
        if not parts:
            return ""
        names = [p.fact for p in parts]
        if lang == "zh":
            return f"（{'、'.join(names)}分别计，{'取最高' if combine == 'highest' else '相加'}）"
        how = "the highest counts" if combine == "highest" else "added up"
        return f", for each of {', '.join(names)} ({how})"

    def words(w: Any, lang: str) -> str:
        """A `when` that is a gate or a condition, in words (a fact is worded by the rule)."""
        if w is None or (isinstance(w, str) and w not in gate_nodes):
            return ""
        node = own(w)
        assert node is not None
        text = describe(node, lang)
        return f"（须{text}）" if lang == "zh" else f" (only if: {text})"

    def multi(fns: tuple[RuleFn, ...], sign: int, combine: str) -> RuleFn:
        if combine == "highest":
            pick = max if sign > 0 else min

            def best(*values: Any) -> tuple[int, bool]:
                got = [fn(v) for fn, v in zip(fns, values, strict=True)]
                top = pick(t for t, _ in got)
                return top, any(hit for t, hit in got if t == top)
            return best

        def total(*values: Any) -> tuple[int, bool]:
            got = [fn(v) for fn, v in zip(fns, values, strict=True)]
            return sum(t for t, _ in got), any(hit for _, hit in got)
        return total

    def factor(key: str, spec: Any, sign: int) -> FactorNode:
        kind = kind_of(spec)
        parts = () if spec.facts is None else tuple(
            spec.model_copy(update={"fact": x, "facts": None, "combine": None})
            for x in spec.facts)
        combine = spec.combine or "sum"
        part_fns = tuple(kind.record(p, arith, sign) for p in parts)
        node, when = when_of(key, spec)  # a deduction has no group: its own `when` only
        return FactorNode(
            id=key, kind="factor" if sign > 0 else "deduction", sign=sign, rule=kind,
            spec=spec, fact=spec.fact, facts=tuple(spec.facts) if parts else kind.facts(spec),
            when=when,
            group=spec.group, purposes=None if spec.purposes is None else frozenset(spec.purposes),
            fn=multi(part_fns, sign, combine) if parts else kind.record(spec, arith, sign),
            within=within_of.get(spec.group or ""), parts=parts, combine=combine,
            part_fns=part_fns,
            label_zh=spec.label.zh, label_en=spec.label.en,
            rule_zh=describe_rule(parts[0] if parts else spec, "zh") + each(parts, combine, "zh")
            + words(spec.when, "zh"),
            rule_en=describe_rule(parts[0] if parts else spec, "en") + each(parts, combine, "en")
            + words(spec.when, "en"),
            ref=spec.ref, status=spec.status, when_node=node,
            when_zh="" if node is None else describe(node, "zh"),
            when_en="" if node is None else describe(node))

    factors = tuple(factor(k, f, 1) for k, f in s.factors.items())
    deductions = tuple(factor(k, f, -1) for k, f in s.deductions.items())

    members: dict[str, list[str]] = {g: [] for g in s.groups}
    for f in factors:
        if f.group is not None:
            members[f.group].append(f.id)
    for gid, g in s.groups.items():
        if g.group is not None:
            members[g.group].append(gid)
    depth: dict[str, int] = {}
    order: list[str] = []

    def visit(gid: str) -> int:
        if gid not in depth:
            depth[gid] = 1 + max((visit(m) for m in members[gid] if m in s.groups), default=0)
            order.append(gid)
        return depth[gid]

    for gid in s.groups:
        visit(gid)
    groups = tuple(
        GroupNode(id=gid, combine=g.combine, cap=None if g.cap is None else to_ticks(g.cap, scale),
                  parent=g.group, members=tuple(members[gid]), depth=depth[gid],
                  within=g.within, label_zh=g.label.zh, label_en=g.label.en, ref=g.ref,
                  status=g.status)
        for gid, g in ((gid, s.groups[gid]) for gid in order))
    roots = tuple([f.id for f in factors if f.group is None]
                  + [g for g, spec in s.groups.items() if spec.group is None])
    budgets = tuple(
        Budget(group=gid, fact=g.within, members=tuple(f for f in factors if f.group == gid))
        for gid, g in s.groups.items() if g.within is not None)

    gates: dict[str, GateNode] = {}
    score_labels = {k: v.label.zh for k, v in s.factors.items()}
    score_labels.update({k: v.label.zh for k, v in s.groups.items()})
    score_labels.update({k: v.label.zh for k, v in s.deductions.items()})
    for gid in s.groups:
        when_of(gid, s.groups[gid])
    branches = tuple(
        BranchNode(id=bid, exactly=b.exactly, members=tuple(b.members),
                   keys=tuple(str(effective[m][1]) for m in b.members),
                   label_zh=b.label.zh, label_en=b.label.en, ref=b.ref, status=b.status)
        for bid, b in s.branches.items())
    for gid, gate in s.gates.items():
        node = gate_nodes[gid]
        gates[gid] = GateNode(
            id=gid, condition=node, test=record_test(node), text=describe(node),
            text_zh=describe(node, "zh", score_labels),
            facts=facts_read(node), label_zh=gate.label.zh, label_en=gate.label.en,
            veto=gate.veto, ref=gate.ref, status=gate.status)
    tiers = tuple(
        TierNode(id=t.id, min_ticks=None if t.min_score is None else to_ticks(t.min_score, scale),
                 min_score=t.min_score, gates=tuple(t.gates),
                 purposes=None if t.purposes is None else frozenset(t.purposes),
                 services=tuple(t.services), label_zh=t.label.zh, label_en=t.label.en)
        for t in s.tiers)

    def purpose(pid: str | None) -> PurposeNode:
        scoped = tuple(s.purposes[pid].gates) if pid is not None else ()
        return PurposeNode(
            id=pid, label=None if pid is None else (s.purposes[pid].label.zh,
                                                      s.purposes[pid].label.en),
            gates=scoped,
            deductions=tuple(d for d in deductions if d.purposes is None or pid in d.purposes),
            tiers=tuple((t, (*scoped, *t.gates) if t.purposes is not None else t.gates)
                        for t in tiers if t.purposes is None or pid in t.purposes))

    purposes = {pid: purpose(pid) for pid in [None, *s.purposes]}
    facts: set[str] = set()
    for f in (*factors, *deductions):
        facts.update(f.facts)
        if f.when_node is not None:
            facts.update(facts_read(f.when_node))
    for node in conditions.values():
        facts.update(facts_read(node))
    facts.update(b.fact for b in budgets)
    for gate_node in gates.values():
        facts.update(gate_node.facts)
    ties = set() if s.ranking is None else {
        tb.fact for tb in s.ranking.tie_breaks if tb.fact is not None}
    vocab = s.vocabulary
    needed: set[str] = set()
    stack = [n for n in facts | ties if vocab[n].parsed is not None]
    while stack:  # the derived facts read, and what they read in turn
        n = stack.pop()
        if n not in needed:
            needed.add(n)
            reads = vocab[n].parsed.reads
            facts.update(reads)
            stack += [m for m in reads if vocab[m].parsed is not None]
    derived = tuple((n, i.parsed) for n, i in vocab.items() if n in needed)
    return CompiledSchedule(
        schedule=s, id=s.id, hash=s.content_hash, scale=scale, places=places, arith=arith,
        floor=None if meta.floor is None else to_ticks(meta.floor, scale),
        effective_from=meta.effective_from, effective_until=meta.effective_until,
        factors=factors, deductions=deductions, groups=groups, group_ids=tuple(s.groups),
        roots=roots, budgets=budgets,
        gates=gates, purposes=purposes, tiers=tiers, ranking=s.ranking,
        scored_facts=frozenset(facts), facts=frozenset(facts | ties), vocab=s.vocabulary,
        conditions=tuple(conditions.items()), branches=branches, derived=derived)
