"""Score one applicant under one schedule: `score(applicant, schedule, purpose=, on=)`.

A schedule is compiled once (cached on the schedule) into plain functions over integer
ticks; scoring an applicant runs them and builds a `ScoreCard`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from ._version import __version__
from .applicant import FACTS, Applicant
from .card import GateResult, GroupResult, Line, NextTier, ScoreCard
from .errors import InputError, UnknownPurpose
from .explain import condition_text, fact_text, gate_reason, why_not_text
from .rules import RuleFn, compile_rule, describe_rule, to_ticks
from .schedule.loader import load_schedule
from .schedule.model import (
    AllOf,
    AnyOf,
    Condition,
    FactCondition,
    NotOf,
    Schedule,
    ScoreCondition,
    condition_facts,
)

__all__ = ["compile_schedule", "describe_condition", "score"]

Facts = Mapping[str, Any]
Scores = Mapping[str, int]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "eq": operator.eq, "ne": operator.ne,
}
_OP_TEXT = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠", "in": "in"}


@attrs.frozen
class CompiledFactor:
    id: str
    kind: str
    fact: str
    when: str | None
    group: str | None
    purposes: frozenset[str] | None
    fn: RuleFn
    label_zh: str
    label_en: str
    rule_zh: str
    rule_en: str
    ref: str
    status: str


@attrs.frozen
class CompiledGroup:
    id: str
    combine: str
    cap: int | None
    parent: str | None
    members: tuple[str, ...]  # factor ids and group ids, schedule order
    label_zh: str
    label_en: str


@attrs.frozen
class CompiledGate:
    id: str
    test: Callable[[Facts, Scores], bool]
    text: str
    facts: tuple[str, ...]
    label_zh: str
    label_en: str
    veto: bool
    ref: str
    status: str
    text_zh: str = ""


@attrs.frozen
class CompiledTier:
    id: str
    min_ticks: int | None
    gates: tuple[str, ...]
    purposes: frozenset[str] | None
    services: tuple[str, ...]
    label_zh: str
    label_en: str
    min_score: Decimal | None


@attrs.frozen
class Compiled:
    """A schedule turned into functions over ticks; built once per schedule."""

    schedule: Schedule
    scale: int
    places: int
    floor: int | None
    factors: tuple[CompiledFactor, ...]
    deductions: tuple[CompiledFactor, ...]
    groups: tuple[CompiledGroup, ...]  # children before parents
    roots: tuple[str, ...]  # top-level factor and group ids
    gates: dict[str, CompiledGate]
    purpose_gates: dict[str | None, tuple[str, ...]]
    tiers: tuple[CompiledTier, ...]
    schedule_id: str
    schedule_hash: str
    effective_from: date
    effective_until: date | None
    factor_plan: tuple[tuple[str, str, str | None, RuleFn], ...]
    group_plan: tuple[tuple[str, bool, int | None, tuple[str, ...]], ...]
    deduction_plan: dict[str | None, tuple[tuple[str, str, str | None, RuleFn], ...]]
    gate_plan: tuple[tuple[str, Callable[[Facts, Scores], bool]], ...]
    #: groups with `within`: (shared fact, ((factor id, fact, when), ...) in order); the
    #: factor plan reads such a member's counted value under the key `_counted(id)`
    budget_plan: tuple[tuple[str, tuple[tuple[str, str, str | None], ...]], ...] = ()
    #: (zh, en) label of each purpose
    purpose_labels: dict[str | None, tuple[str, str]] = attrs.field(factory=dict)

    def to_points(self, ticks: int) -> Decimal:
        return Decimal(ticks).scaleb(-self.places)


def compile_schedule(schedule: Schedule) -> Compiled:
    """Compile `schedule` (cached on it: compiling twice returns the same object)."""
    # read the private slot directly: pydantic's __getattr__ for private attributes costs
    # microseconds, and this runs once per scored applicant
    private = schedule.__pydantic_private__
    cached = private.get("_compiled") if private is not None else None
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    meta = schedule.schedule
    places = -meta.precision.normalize().as_tuple().exponent  # type: ignore[operator]
    places = max(places, 0)
    scale = 10 ** places

    def factor(key: str, spec: Any, kind: str, sign: int) -> CompiledFactor:
        return CompiledFactor(
            id=key, kind=kind, fact=spec.fact, when=spec.when, group=spec.group,
            purposes=None if spec.purposes is None else frozenset(spec.purposes),
            fn=compile_rule(spec, scale, meta.rounding, sign),
            label_zh=spec.label.zh, label_en=spec.label.en,
            rule_zh=describe_rule(spec, "zh"), rule_en=describe_rule(spec, "en"),
            ref=spec.ref, status=spec.status)

    factors = tuple(factor(k, f, "factor", 1) for k, f in schedule.factors.items())
    deductions = tuple(factor(k, f, "deduction", -1) for k, f in schedule.deductions.items())

    members: dict[str, list[str]] = {g: [] for g in schedule.groups}
    for f in factors:
        if f.group is not None:
            members[f.group].append(f.id)
    for gid, g in schedule.groups.items():
        if g.group is not None:
            members[g.group].append(gid)
    order: list[str] = []

    def visit(gid: str) -> None:
        if gid in order:
            return
        for m in members[gid]:
            if m in schedule.groups:
                visit(m)
        order.append(gid)

    for gid in schedule.groups:
        visit(gid)
    groups = tuple(
        CompiledGroup(
            id=gid, combine=schedule.groups[gid].combine,
            cap=None if schedule.groups[gid].cap is None
            else to_ticks(schedule.groups[gid].cap, scale),  # type: ignore[arg-type]
            parent=schedule.groups[gid].group, members=tuple(members[gid]),
            label_zh=schedule.groups[gid].label.zh, label_en=schedule.groups[gid].label.en)
        for gid in order)
    roots = tuple([f.id for f in factors if f.group is None]
                  + [g for g, spec in schedule.groups.items() if spec.group is None])

    gates = {
        gid: CompiledGate(
            id=gid, test=_compile_condition(g.condition, scale),
            text=describe_condition(g.condition), facts=tuple(condition_facts(g.condition)),
            label_zh=g.label.zh, label_en=g.label.en,
            veto=g.veto, ref=g.ref, status=g.status,
            text_zh=condition_text(g.condition, "zh", {
                k: v.label.zh for k, v in
                (*schedule.factors.items(), *schedule.groups.items(),
                 *schedule.deductions.items())}))
        for gid, g in schedule.gates.items()}
    purpose_gates: dict[str | None, tuple[str, ...]] = {
        pid: tuple(p.gates) for pid, p in schedule.purposes.items()}
    purpose_gates[None] = ()
    tiers = tuple(
        CompiledTier(
            id=t.id, min_ticks=None if t.min_score is None else to_ticks(t.min_score, scale),
            gates=tuple(t.gates), purposes=None if t.purposes is None else frozenset(t.purposes),
            services=tuple(t.services), label_zh=t.label.zh, label_en=t.label.en,
            min_score=t.min_score)
        for t in schedule.tiers)
    budget_plan = tuple(
        (g.within, tuple((f.id, f.fact, f.when) for f in factors if f.group == gid))
        for gid, g in schedule.groups.items() if g.within is not None)
    shared = {fid for _, ms in budget_plan for fid, _, _ in ms}
    compiled = Compiled(
        schedule=schedule, scale=scale, places=places,
        floor=None if meta.floor is None else to_ticks(meta.floor, scale),
        factors=factors, deductions=deductions, groups=groups, roots=roots, gates=gates,
        purpose_gates=purpose_gates, tiers=tiers, schedule_id=schedule.id,
        purpose_labels={pid: (p.label.zh, p.label.en) for pid, p in schedule.purposes.items()},
        schedule_hash=schedule.content_hash, effective_from=meta.effective_from,
        effective_until=meta.effective_until,
        factor_plan=tuple((f.id, _counted(f.id) if f.id in shared else f.fact, f.when, f.fn)
                          for f in factors),
        group_plan=tuple((g.id, g.combine == "highest", g.cap, g.members) for g in groups),
        deduction_plan={
            p: tuple((d.id, d.fact, d.when, d.fn) for d in deductions
                     if d.purposes is None or p in d.purposes)
            for p in [None, *schedule.purposes]},
        gate_plan=tuple((gid, g.test) for gid, g in gates.items()),
        budget_plan=budget_plan)
    schedule._compiled = compiled
    return compiled


def _counted(factor_id: str) -> str:
    """The key of a `within` member's counted value among the facts (never a fact name)."""
    return f"{factor_id}@within"


def _share(plan: tuple[tuple[str, tuple[tuple[str, str, str | None], ...]], ...],
           facts: Facts) -> dict[str, Any]:
    """What each member of a `within` group counts: in order, at most what is left."""
    out: dict[str, Any] = {}
    for within, members in plan:
        left = facts[within]
        for fid, fact, when in members:
            v = 0 if when is not None and not facts[when] else facts[fact]
            if v > left:
                v = left
            left -= v
            out[_counted(fid)] = v
    return out


def _compile_condition(c: Condition, scale: int) -> Callable[[Facts, Scores], bool]:
    if isinstance(c, AllOf):
        subs = [_compile_condition(x, scale) for x in c.all]
        return lambda f, s: all(t(f, s) for t in subs)
    if isinstance(c, AnyOf):
        subs = [_compile_condition(x, scale) for x in c.any]
        return lambda f, s: any(t(f, s) for t in subs)
    if isinstance(c, NotOf):
        sub = _compile_condition(c.not_, scale)
        return lambda f, s: not sub(f, s)
    op, value = c.comparison()
    if isinstance(c, ScoreCondition):
        key = c.score
        if op == "in":
            targets = {to_ticks(Decimal(v), scale) for v in value}
            return lambda f, s: s[key] in targets
        target = to_ticks(Decimal(value), scale)
        cmp = _OPS[op]
        return lambda f, s: cmp(s[key], target)
    assert isinstance(c, FactCondition)
    name = c.fact
    info = FACTS[name]
    if info.kind == "level" and op in ("lt", "le", "gt", "ge"):
        rank = {lv: i for i, lv in enumerate(info.levels)}
        target_rank = rank[value]
        cmp = _OPS[op]
        return lambda f, s: f[name] is not None and cmp(rank[f[name]], target_rank)
    if op == "in":
        options = set(value)
        return lambda f, s: f[name] in options
    cmp = _OPS[op]
    if info.kind in ("int", "decimal", "fraction"):
        return lambda f, s: f[name] is not None and cmp(f[name], value)
    return lambda f, s: cmp(f[name], value)


def _actual(names: tuple[str, ...], facts: Facts) -> str:
    if not names:
        return ""
    seen = dict.fromkeys(names)
    return " (" + ", ".join(f"{n} is {fact_text(n, facts[n])}" for n in seen) + ")"


def describe_condition(c: Condition) -> str:
    """A condition in words: `age ≤ 45`, `all of (…)`."""
    if isinstance(c, AllOf):
        return "all of (" + "; ".join(describe_condition(x) for x in c.all) + ")"
    if isinstance(c, AnyOf):
        return "any of (" + "; ".join(describe_condition(x) for x in c.any) + ")"
    if isinstance(c, NotOf):
        return "not (" + describe_condition(c.not_) + ")"
    op, value = c.comparison()
    name = c.fact if isinstance(c, FactCondition) else f"score {c.score}"
    fact = c.fact if isinstance(c, FactCondition) else ""  # a score has no unit
    if op == "in":
        shown = "{" + ", ".join(fact_text(fact, v) for v in value) + "}"
    else:
        shown = fact_text(fact, value)
    return f"{name} {_OP_TEXT[op]} {shown}"


def evaluation_date(on: object) -> date:
    """`on` as a date: None is today, a datetime its date, a string ISO `YYYY-MM-DD`;
    anything else raises `InputError`."""
    if on is None:
        return date.today()
    if isinstance(on, datetime):
        return on.date()
    if isinstance(on, date):
        return on
    if isinstance(on, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", on):
        try:
            return date.fromisoformat(on)
        except ValueError:
            pass
    raise InputError("on is a date, or a string YYYY-MM-DD", value=on)


def _facts_of(applicant: Applicant, on: date) -> dict[str, Any]:
    facts = dict(applicant.__dict__)
    facts["age"] = applicant.age_on(on)
    return facts


def score(
    applicant: Applicant | Mapping[str, Any],
    schedule: Schedule | str,
    *,
    purpose: str | None = None,
    on: date | str | None = None,
) -> ScoreCard:
    """Score one applicant: every factor, group, deduction, gate and tier, explained.

    `applicant` is an `Applicant` or a mapping of facts (validated, `ApplicantError` on bad
    input); `schedule` a loaded `Schedule` or a bundled id or path; `purpose` one of the
    schedule's purposes (default: its `default_purpose`); `on` the evaluation date (default:
    today; a `datetime` counts as its date, a string must be ISO `YYYY-MM-DD`), used for age
    from `birth_date` and recorded in the card.
    """
    if not isinstance(schedule, Schedule):
        schedule = load_schedule(schedule)
    c = compile_schedule(schedule)
    if not isinstance(applicant, Applicant):
        applicant = Applicant.parse(applicant)
    on = evaluation_date(on)
    if purpose is None:
        purpose = schedule.schedule.default_purpose
    elif purpose not in schedule.purposes:
        raise UnknownPurpose(purpose, schedule.id, list(schedule.purposes))
    facts = _facts_of(applicant, on)
    return _score(c, facts, applicant.applicant_id, purpose, on)


def _score(c: Compiled, facts: dict[str, Any], applicant_id: str | None,
           purpose: str | None, on: date) -> ScoreCard:
    ticks: dict[str, int] = {}
    capped: set[str] = set()
    if c.budget_plan:
        facts = {**facts, **_share(c.budget_plan, facts)}
    for fid, fact, when, fn in c.factor_plan:
        if when is not None and not facts[when]:
            ticks[fid] = 0
            continue
        t, hit = fn(facts[fact])
        ticks[fid] = t
        if hit:
            capped.add(fid)
    chosen: dict[str, str | None] = {}
    for gid, highest, cap, members in c.group_plan:
        if highest:
            best = 0
            pick = None
            for m in members:
                if ticks[m] > best:
                    best, pick = ticks[m], m
            chosen[gid] = pick
        else:
            best = sum([ticks[m] for m in members])
        if cap is not None and best > cap:
            best = cap
            capped.add(gid)
        ticks[gid] = best
    raw = sum([ticks[r] for r in c.roots])
    for d in c.deductions:
        ticks[d.id] = 0
    for fid, fact, when, fn in c.deduction_plan.get(purpose, c.deduction_plan[None]):
        if when is not None and not facts[when]:
            continue
        t, hit = fn(facts[fact])
        ticks[fid] = t
        raw += t
        if hit:
            capped.add(fid)
    total = raw if c.floor is None or raw >= c.floor else c.floor
    ticks["total"] = total

    gate_pass = {gid: test(facts, ticks) for gid, test in c.gate_plan}
    purpose_gates = c.purpose_gates.get(purpose, ())
    eligible = all([gate_pass[g] for g in purpose_gates])
    unlocked: list[str] = []
    labels: list[tuple[str, str, str]] = []
    services: list[str] = []
    next_tier: NextTier | None = None
    for tier in c.tiers:
        if tier.purposes is not None and purpose not in tier.purposes:
            continue
        scoped = purpose_gates if tier.purposes is not None else ()
        failed = tuple([g for g in (*scoped, *tier.gates) if not gate_pass[g]])
        short = 0 if tier.min_ticks is None else max(0, tier.min_ticks - total)
        if not failed and short == 0:
            unlocked.append(tier.id)
            labels.append((tier.id, tier.label_zh, tier.label_en))
            for s in tier.services:
                if s not in services:
                    services.append(s)
        elif next_tier is None:
            next_tier = NextTier(id=tier.id, label_zh=tier.label_zh, label_en=tier.label_en,
                                 min_score=tier.min_score, missing=c.to_points(short),
                                 failed_gates=failed)

    def detail() -> tuple[tuple[Line, ...], tuple[GroupResult, ...], tuple[GateResult, ...]]:
        return _detail(c, facts, ticks, capped, chosen, gate_pass, purpose)

    places = c.places
    return ScoreCard(
        schedule_id=c.schedule_id, schedule_hash=c.schedule_hash,
        library_version=__version__, purpose=purpose, on=on,
        in_force=c.effective_from <= on and (c.effective_until is None or on < c.effective_until),
        applicant_id=applicant_id,
        total=Decimal(total).scaleb(-places), raw_total=Decimal(raw).scaleb(-places),
        floor_applied=total != raw, eligible=eligible, tiers=tuple(unlocked),
        services=tuple(services), next_tier=next_tier, detail=detail,
        tier_labels=tuple(labels), purpose_label=c.purpose_labels.get(purpose))


def _detail(
    c: Compiled, facts: Facts, ticks: Scores, capped: set[str],
    chosen: Mapping[str, str | None], gate_pass: Mapping[str, bool], purpose: str | None,
) -> tuple[tuple[Line, ...], tuple[GroupResult, ...], tuple[GateResult, ...]]:
    to_points = c.to_points
    groups = tuple(
        GroupResult(id=g.id, label_zh=g.label_zh, label_en=g.label_en, combine=g.combine,
                    points=to_points(ticks[g.id]), capped=g.id in capped, group=g.parent)
        for g in c.groups)
    gates = tuple(
        GateResult(id=g.id, label_zh=g.label_zh, label_en=g.label_en,
                   passed=gate_pass[g.id],
                   reason=("passed: " if gate_pass[g.id] else "failed: ") + g.text
                   + _actual(g.facts, facts),
                   veto=g.veto, ref=g.ref, status=g.status,
                   reason_zh=gate_reason(gate_pass[g.id], g.text_zh, g.facts, facts, "zh"))
        for g in c.gates.values())
    return _lines(c, facts, ticks, capped, chosen, purpose), groups, gates


def _lines(c: Compiled, facts: Facts, ticks: Scores, capped: set[str],
           chosen: Mapping[str, str | None], purpose: str | None) -> tuple[Line, ...]:
    highest = {g.id for g in c.groups if g.combine == "highest"}
    parent = {g.id: g.parent for g in c.groups}
    shares = {fid: within for within, ms in c.budget_plan for fid, _, _ in ms}
    out = []
    group_zh = {g.id: g.label_zh for g in c.groups}
    for f in (*c.factors, *c.deductions):
        why_not = why_zh = None
        value = facts[f.fact]
        if f.id in shares and facts[_counted(f.id)] != value:
            value = facts[_counted(f.id)]
            why_not = (f"counts {value} of {facts[f.fact]}: group {f.group} counts at most "
                       f"{shares[f.id]} ({facts[shares[f.id]]}) in all")
            why_zh = why_not_text("within", "zh", value=value, total=facts[f.fact],
                                  label=group_zh.get(f.group or "", f.group),
                                  within=shares[f.id], limit=facts[shares[f.id]])
        applied = True
        if f.when is not None and not facts[f.when]:
            applied = False
            why_not = f"{f.when} is false"
            why_zh = why_not_text("when", "zh", fact=f.when)
        elif f.purposes is not None and purpose not in f.purposes:
            applied = False
            why_not = f"not applied for purpose {purpose}"
            why_zh = why_not_text("purpose", "zh", purpose=purpose)
        counted = applied
        member, g = f.id, f.group
        while counted and g is not None:  # every `highest` ancestor must have chosen this path
            if g in highest and chosen.get(g) not in (None, member):
                counted = False
                why_not = f"group {g} counts only its highest member"
                why_zh = why_not_text("highest", "zh", label=group_zh.get(g, g))
            member, g = g, parent[g]
        out.append(Line(
            id=f.id, kind=f.kind, label_zh=f.label_zh, label_en=f.label_en, fact=f.fact,
            value=value, rule_zh=f.rule_zh, rule_en=f.rule_en,
            points=c.to_points(ticks[f.id]), capped=f.id in capped, applied=applied,
            counted=counted, group=f.group, ref=f.ref, status=f.status, why_not=why_not,
            why_not_zh=why_zh))
    return tuple(out)

