"""The per-record engine: one applicant, scored and explained, from the compiled form.

It translates the compiled form into plain tuples once per schedule (`_plan`) and runs them
over integer ticks; the explanation (lines, groups, gate reasons) is built only when read.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import attrs

from .._card import GateResult, GroupResult, Line, NextTier, ScoreCard
from .._explain import fact_text, gate_reason, why_not_text
from .._version import __version__
from ..compiled import CompiledSchedule, compile_schedule, record_test
from ..errors import ApplicantError, InputError, UnknownPurpose
from ..expression import record_fn
from ..facts import ApplicantBase
from ..schedule.kinds import RuleFn
from ..schedule.loader import load_schedule
from ..schedule.model import Schedule
from ._sure import sure_of

__all__ = ["evaluation_date", "facts_of", "score"]

Facts = Mapping[str, Any]
Scores = Mapping[str, int]
#: (factor id, the key of its one fact or None, its facts, `when`, function)
_Step = tuple[str, str | None, tuple[str, ...], str | None, RuleFn]


@attrs.frozen
class _Plan:
    """The compiled form as tuples, in the order the engine runs them."""

    c: CompiledSchedule
    factors: tuple[_Step, ...]
    groups: tuple[tuple[str, bool, int | None, tuple[str, ...]], ...]
    deductions: dict[str | None, tuple[_Step, ...]]
    budgets: tuple[tuple[str, tuple[tuple[str, str, str | None], ...]], ...]
    gates: tuple[tuple[str, Any], ...]
    #: every deduction at 0 ticks (those that do not apply to a purpose stay so)
    no_deductions: dict[str, int]
    #: per purpose: the gates eligibility needs, and each tier with the gates it needs
    purposes: dict[str | None, tuple[tuple[str, ...], tuple[tuple[Any, tuple[str, ...]], ...]]]
    #: whether scoring reads `age_years_begun` (worked out from `birth_date` only then)
    reads_years_begun: bool
    #: the derived facts, then the `when` conditions, worked out before scoring: (key, fn)
    conditions: tuple[tuple[str, Any], ...] = ()


_PLANS: OrderedDict[int, tuple[Schedule, _Plan]] = OrderedDict()


def _counted(factor_id: str) -> str:
    """The key of a `within` member's counted value among the facts (never a fact name)."""
    return f"{factor_id}@within"


def _step(f: Any, key: str | None = None) -> _Step:
    one = key if key is not None else (f.facts[0] if len(f.facts) == 1 else None)
    return (f.id, one, f.facts, f.when, f.fn)


def _plan(schedule: Schedule) -> _Plan:
    hit = _PLANS.get(id(schedule))
    if hit is not None and hit[0] is schedule:
        return hit[1]
    c = compile_schedule(schedule)
    with c.scope():  # conditions on the schedule's own level facts look up their levels
        plan = _new_plan(c)
    _PLANS[id(schedule)] = (schedule, plan)
    while len(_PLANS) > 128:
        _PLANS.popitem(last=False)
    return plan


def _new_plan(c: CompiledSchedule) -> _Plan:
    shared = {f.id for b in c.budgets for f in b.members}
    return _Plan(
        c=c,
        factors=tuple(_step(f, _counted(f.id) if f.id in shared else None) for f in c.factors),
        groups=tuple((g.id, g.combine == "highest", g.cap, g.members) for g in c.groups),
        deductions={p: tuple(_step(d) for d in n.deductions) for p, n in c.purposes.items()},
        budgets=tuple((b.fact, tuple((f.id, f.fact, f.when) for f in b.members))
                      for b in c.budgets),
        gates=tuple((gid, g.test) for gid, g in c.gates.items()),
        no_deductions={d.id: 0 for d in c.deductions},
        purposes={p: (n.gates, n.tiers) for p, n in c.purposes.items()},
        reads_years_begun="age_years_begun" in c.facts,
        conditions=tuple([(name, _derive(record_fn(expr))) for name, expr in c.derived]
                         + [(key, record_test(node)) for key, node in c.conditions]))


def _derive(fn: Any) -> Any:
    """A derived fact's function in the shape of a condition's test."""
    return lambda facts, _scores: fn(facts)


def _share(plan: _Plan, facts: Facts) -> dict[str, Any]:
    """What each member of a `within` group counts: in order, at most what is left; a
    member whose `when` is false counts (and uses) nothing."""
    out: dict[str, Any] = {}
    for within, members in plan.budgets:
        left = facts[within]
        for fid, fact, when in members:
            v = 0 if when is not None and not facts[when] else facts[fact]
            if v > left:
                v = left
            left -= v
            out[_counted(fid)] = v
    return out


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


def facts_of(applicant: ApplicantBase, on: date, *, years_begun: bool = True) -> dict[str, Any]:
    """The facts an applicant gives on a date (`age` from `birth_date` when needed, and
    `age_years_begun` unless told it is not read)."""
    facts = dict(applicant.__dict__)
    facts["age"] = applicant.age_on(on)
    if years_begun:
        facts["age_years_begun"] = applicant.years_begun_on(on)
    return facts


def score(
    applicant: ApplicantBase | Mapping[str, Any],
    schedule: Schedule | str,
    *,
    purpose: str | None = None,
    on: date | str | None = None,
    records: Any = None,
) -> ScoreCard:
    """Score one applicant: every factor, group, deduction, gate and tier, explained.

    `applicant` is an `Applicant` or a mapping of facts (validated, `ApplicantError` on bad
    input); `schedule` a loaded `Schedule` or a bundled id or path; `purpose` one of the
    schedule's purposes (default: its `default_purpose`); `on` the evaluation date (default:
    today; a `datetime` counts as its date, a string must be ISO `YYYY-MM-DD`), used for age
    from `birth_date` and recorded in the card. `records`: the applicant's dated records
    (see `points.records.facts_from_records`); the facts they give on `on` replace the
    applicant's own, and the card's `derivations` explain each.
    """
    if not isinstance(schedule, Schedule):
        schedule = load_schedule(schedule)
    plan = _plan(schedule)
    model = schedule.applicant_model()
    given: ApplicantBase
    if isinstance(applicant, model):
        given = applicant
    elif isinstance(applicant, ApplicantBase):  # another schedule's model: its own facts
        given = model.parse(applicant.model_dump(exclude_unset=True))
    else:
        given = model.parse(applicant)
    on = evaluation_date(on)
    if purpose is None:
        purpose = schedule.schedule.default_purpose
    elif purpose not in schedule.purposes:
        raise UnknownPurpose(purpose, schedule.id, list(schedule.purposes))
    derived = None
    if records is not None:
        from ..records import with_records

        given, derived = with_records(given, records, on, schedule)
    facts = facts_of(given, on, years_begun=plan.reads_years_begun)
    card = _score(plan, facts, given.applicant_id, purpose, on)
    return card if derived is None else attrs.evolve(card, derivations=derived)



def _score(plan: _Plan, facts: dict[str, Any], applicant_id: str | None,
           purpose: str | None, on: date) -> ScoreCard:
    c = plan.c
    ticks: dict[str, int] = {}
    capped: set[str] = set()
    for ckey, test in plan.conditions:
        facts[ckey] = test(facts, ticks)
    if c.branches:
        _check_branches(c, facts)
    if plan.budgets:
        facts = {**facts, **_share(plan, facts)}
    for fid, key, reads, when, fn in plan.factors:
        if when is not None and not facts[when]:
            ticks[fid] = 0
            continue
        t, hit = fn(facts[key]) if key is not None else fn(*[facts[k] for k in reads])
        ticks[fid] = t
        if hit:
            capped.add(fid)
    chosen: dict[str, str | None] = {}
    for gid, highest, cap, members in plan.groups:
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
    ticks.update(plan.no_deductions)
    for fid, key, reads, when, fn in plan.deductions.get(purpose, plan.deductions[None]):
        if when is not None and not facts[when]:
            continue
        t, hit = fn(facts[key]) if key is not None else fn(*[facts[k] for k in reads])
        ticks[fid] = t
        raw += t
        if hit:
            capped.add(fid)
    total = raw if c.floor is None or raw >= c.floor else c.floor
    ticks["total"] = total

    gate_pass = {gid: test(facts, ticks) for gid, test in plan.gates}
    gates, tiers = plan.purposes.get(purpose) or plan.purposes[None]
    eligible = all([gate_pass[g] for g in gates])
    unlocked: list[str] = []
    labels: list[tuple[str, str, str]] = []
    services: list[str] = []
    next_tier: NextTier | None = None
    for tier, needs in tiers:
        failed = tuple([g for g in needs if not gate_pass[g]])
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

    places = c.places
    return ScoreCard(
        schedule_id=c.id, schedule_hash=c.hash,
        library_version=__version__, purpose=purpose, on=on,
        in_force=c.in_force(on),
        applicant_id=applicant_id,
        total=Decimal(total).scaleb(-places), raw_total=Decimal(raw).scaleb(-places),
        floor_applied=total != raw, eligible=eligible, tiers=tuple(unlocked),
        services=tuple(services), next_tier=next_tier,
        tier_labels=tuple(labels), purpose_label=c.purposes[purpose].label
        if purpose in c.purposes else None,
        sure=partial(sure_of, c, facts, ticks, purpose),
        detail=_Detail(c, facts, ticks, capped, chosen, gate_pass, purpose))


def _check_branches(c: CompiledSchedule, facts: Facts) -> None:
    """Raise `ApplicantError` naming every branch the applicant matches none or two of."""
    problems = []
    for b in c.branches:
        hit = [m for m, k in zip(b.members, b.keys, strict=True) if facts[k]]
        if len(hit) > 1:
            problems.append((f"branches.{b.id}", hit,
                             f"matches {len(hit)} of its members; at most one may apply"))
        elif not hit and b.exactly == "one":
            problems.append((f"branches.{b.id}", [],
                             f"matches none of {', '.join(b.members)}; exactly one must apply"))
    if problems:
        raise ApplicantError(problems, row=None, source=None)


class _Detail:
    """What the explanation is built from, kept until the card's lines are read (a card
    builds them before it is pickled). A plain slotted class: made once per score."""

    __slots__ = ("c", "capped", "chosen", "facts", "gate_pass", "purpose", "ticks")

    def __init__(self, c: CompiledSchedule, facts: Facts, ticks: Scores, capped: set[str],
                 chosen: Mapping[str, str | None], gate_pass: Mapping[str, bool],
                 purpose: str | None) -> None:
        self.c, self.facts, self.ticks, self.capped = c, facts, ticks, capped
        self.chosen, self.gate_pass, self.purpose = chosen, gate_pass, purpose

    def __call__(self) -> tuple[tuple[Line, ...], tuple[GroupResult, ...],
                                tuple[GateResult, ...]]:
        with self.c.scope():
            return self._explain()

    def _explain(self) -> tuple[tuple[Line, ...], tuple[GroupResult, ...],
                                tuple[GateResult, ...]]:
        c, facts, ticks, capped = self.c, self.facts, self.ticks, self.capped
        to_points = c.to_points
        groups = tuple(
            GroupResult(id=g.id, label_zh=g.label_zh, label_en=g.label_en, combine=g.combine,
                        points=to_points(ticks[g.id]), capped=g.id in capped, group=g.parent)
            for g in c.groups)
        gates = tuple(
            GateResult(id=g.id, label_zh=g.label_zh, label_en=g.label_en,
                       passed=self.gate_pass[g.id],
                       reason=("passed: " if self.gate_pass[g.id] else "failed: ") + g.text
                       + _actual(g.facts, facts),
                       veto=g.veto, ref=g.ref, status=g.status,
                       reason_zh=gate_reason(self.gate_pass[g.id], g.text_zh, g.facts, facts,
                                             "zh"))
            for g in c.gates.values())
        return self._lines(), groups, gates

    def _lines(self) -> tuple[Line, ...]:
        c, facts, ticks, purpose = self.c, self.facts, self.ticks, self.purpose
        highest = {g.id for g in c.groups if g.combine == "highest"}
        parent = {g.id: g.parent for g in c.groups}
        group_zh = {g.id: g.label_zh for g in c.groups}
        out = []
        for f in (*c.factors, *c.deductions):
            why_not = why_zh = None
            value = facts[f.fact] if not f.parts else {x: facts[x] for x in f.facts}
            if f.within is not None and facts[_counted(f.id)] != value:
                value = facts[_counted(f.id)]
                why_not = (f"counts {value} of {facts[f.fact]}: group {f.group} counts at "
                           f"most {f.within} ({facts[f.within]}) in all")
                why_zh = why_not_text("within", "zh", value=value, total=facts[f.fact],
                                      label=group_zh.get(f.group or "", f.group),
                                      within=f.within, limit=facts[f.within])
            applied = True
            if f.when is not None and not facts[f.when]:
                applied = False
                if f.when.startswith("when:"):
                    why_not = f"applies only when {f.when_en}"
                    why_zh = f"仅在{f.when_zh}时适用"
                else:
                    why_not = f"{f.when} is false"
                    why_zh = why_not_text("when", "zh", fact=f.when)
            elif f.purposes is not None and purpose not in f.purposes:
                applied = False
                why_not = f"not applied for purpose {purpose}"
                why_zh = why_not_text("purpose", "zh", purpose=purpose)
            counted = applied
            member, g = f.id, f.group
            while counted and g is not None:  # every `highest` ancestor must choose this path
                if g in highest and self.chosen.get(g) not in (None, member):
                    counted = False
                    why_not = f"group {g} counts only its highest member"
                    why_zh = why_not_text("highest", "zh", label=group_zh.get(g, g))
                member, g = g, parent[g]
            out.append(Line(
                id=f.id, kind=f.kind, label_zh=f.label_zh, label_en=f.label_en, fact=f.fact,
                value=value, rule_zh=f.rule_zh, rule_en=f.rule_en,
                points=c.to_points(ticks[f.id]), capped=f.id in self.capped, applied=applied,
                counted=counted, group=f.group, ref=f.ref, status=f.status, why_not=why_not,
                why_not_zh=why_zh, value_zh=_value_text(c, f.fact, value, facts, "zh"),
                value_en=_value_text(c, f.fact, value, facts, "en")))
        return tuple(out)


def _value_text(c: CompiledSchedule, name: str, value: Any, facts: Facts, lang: str) -> str:
    """A fact's value in words; a derived fact's with its expression and inputs:
    `9 (= min(listening, reading); listening 10, reading 9)`."""
    if isinstance(value, dict):  # a rule over several facts
        return ("，" if lang == "zh" else ", ").join(
            f"{x} {_value_text(c, x, v, facts, lang)}" for x, v in value.items())
    text = fact_text(name, value, lang)
    info = c.vocab.get(name)
    if info is None or info.parsed is None:
        return text
    inputs = ("，" if lang == "zh" else ", ").join(
        f"{m} {fact_text(m, facts[m], lang)}" for m in info.parsed.reads)
    return f"{text}（= {info.expr}；{inputs}）" if lang == "zh" else \
        f"{text} (= {info.expr}; {inputs})"


def _actual(names: tuple[str, ...], facts: Facts) -> str:
    if not names:
        return ""
    seen = dict.fromkeys(names)
    return " (" + ", ".join(f"{n} is {fact_text(n, facts[n])}" for n in seen) + ")"
