"""What a schedule does, found by reasoning over its rules and the facts' bounds (no sampling).

- `bounds(schedule, purpose)`: the exact lowest and highest total any applicant can reach,
  with an applicant that reaches each.
- `analyse(schedule)`: the bounds of every purpose plus findings: tiers no applicant can
  reach, factors that can never change the total, gates that can never pass or never fail,
  thresholds within one rule unit of a cliff, caps that never bind. `points check` prints it.
- `what_if(applicant, schedule)`: the smallest single-fact changes that reach the next tier,
  and the date at which time alone gets there.
- `thresholds(schedule)`: the values on both sides of every cut the schedule makes in each
  fact (band edges, per-unit multiples, gate comparisons); `points.testing` draws near them.

How it is exact: every fact is independent of the others and bounded (`FACTS`). A fact
reaches the total only through the factors that read it, and every group, cap, `highest`,
the floor and the total are non-decreasing in every factor's points. So each fact is reduced
to its distinct outcomes (the points of its factors, and the truth of every gate comparison
on it) — whole-number facts value by value, decimal facts at both sides of every cut — and
for a maximum only its Pareto-best outcomes can matter (Pareto-worst for a minimum). Facts
named by `when` are enumerated together; a `within` group (members sharing one number of
months) is searched as one variable: the largest budget of each region of its shared fact,
and the least value of each points level of its members. Conditions are put in disjunctive
normal form;
comparisons on facts filter outcomes, comparisons on scores are checked on the combined
result. When a search would exceed `_PRODUCT_LIMIT` combinations the answer is flagged
`exact = False`.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import attrs

from .applicant import FACTS, Applicant, FactInfo
from .card import ScoreCard
from .compiled import CompiledSchedule as Compiled
from .compiled import FactorNode as CompiledFactor
from .compiled import compile_schedule, condition_test
from .engine import score
from .kinds import fact_step, fact_value, kind_of
from .schedule.loader import load_schedule
from .schedule.model import (
    AllOf,
    AnyOf,
    Condition,
    FactCondition,
    NotOf,
    Schedule,
    ScoreCondition,
)

__all__ = [
    "Analysis",
    "Bounds",
    "Change",
    "Finding",
    "WhatIf",
    "analyse",
    "bounds",
    "monotone_facts",
    "thresholds",
    "what_if",
]

#: Whole-number facts with at most this many values are examined value by value.
_INT_SCAN = 20_000
#: Largest number of outcome combinations one search tries before giving up exactness.
_PRODUCT_LIMIT = 50_000
#: Largest number of `when` facts enumerated together.
_HUB_LIMIT = 12
#: Per-unit multiples listed as thresholds when a rule has no cap to stop at.
_MULTIPLES = 12

Severity = Literal["warning", "info"]
Kind = Literal[
    "unreachable_tier", "dead_factor", "gate_never_passes", "gate_never_fails",
    "near_cliff", "idle_cap", "inexact",
]


# --- results -----------------------------------------------------------------------------


@attrs.frozen
class Bounds:
    """The exact lowest and highest total under one purpose, and an applicant reaching each.

    `lowest` and `highest` hold the facts (only those the schedule reads, plus `age`) of an
    applicant scoring `minimum` and `maximum`; `exact` is false when the search hit its limit
    (then `maximum`/`minimum` are totals some applicant reaches, not proven extremes).
    """

    purpose: str | None
    minimum: Decimal
    maximum: Decimal
    lowest: Mapping[str, Any]
    highest: Mapping[str, Any]
    exact: bool = True

    def applicant(self, which: Literal["lowest", "highest"]) -> Applicant:
        """The applicant reaching the minimum (`"lowest"`) or maximum (`"highest"`)."""
        return _applicant(self.lowest if which == "lowest" else self.highest)


@attrs.frozen
class Finding:
    """One thing `analyse` found: its kind, severity, where (a key path) and what, in words."""

    kind: Kind
    severity: Severity
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


@attrs.frozen
class Analysis:
    """Bounds per purpose and findings for one schedule."""

    schedule_id: str
    bounds: tuple[Bounds, ...]
    findings: tuple[Finding, ...]

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def of_kind(self, kind: Kind) -> tuple[Finding, ...]:
        """The findings of one kind."""
        return tuple(f for f in self.findings if f.kind == kind)

    def text(self) -> str:
        """The analysis as plain text, one finding a line."""
        out = []
        for b in self.bounds:
            flag = "" if b.exact else " (search limit reached: not proven)"
            out.append(f"purpose {b.purpose or '-'}: total from {b.minimum} to {b.maximum}{flag}")
        out.extend(str(f) for f in self.findings)
        return "\n".join(out)


@attrs.frozen
class Change:
    """One fact changed to reach a tier: from `old` to `new`, and the total it then gives."""

    fact: str
    old: Any
    new: Any
    total: Decimal

    @property
    def delta(self) -> Any:
        """How far the fact moves: a number, or the number of levels up (negative: down)."""
        info = FACTS[self.fact]
        if info.kind == "level":
            return info.levels.index(self.new) - info.levels.index(self.old)
        if info.kind == "bool":
            return self.new
        return self.new - self.old

    def text(self, lang: str = "en") -> str:
        from .explain import fact_text

        info = FACTS[self.fact]
        label = info.zh if lang == "zh" else info.en
        change = f"{fact_text(self.fact, self.old, lang)} → {fact_text(self.fact, self.new, lang)}"
        if info.kind in ("int", "decimal", "fraction"):
            d = self.delta
            change += f" ({'+' if d > 0 else ''}{_plain(d)})"
        if lang == "zh":
            return f"{label}（{self.fact}）：{change}，总分 {self.total}"
        return f"{label} ({self.fact}): {change}, total {self.total} points"


@attrs.frozen
class WhatIf:
    """What would bring one applicant to the next tier, using only the schedule.

    `changes`: for each fact that can do it alone, the smallest change that does (others
    held). `by_time`: the first month-end date on which time alone gets there (duration facts
    accrue one month a month, age follows the calendar), or None within `horizon_years`.
    """

    card: ScoreCard
    target: str | None
    changes: tuple[Change, ...]
    by_time: date | None
    by_time_total: Decimal | None
    horizon_years: int
    accruing: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: the target tier, the changes and the date time alone gets there."""
        def js(v: Any) -> Any:
            return v if v is None or isinstance(v, bool | int | str) else str(v)

        return {
            "target": self.target,
            "changes": [{"fact": c.fact, "from": js(c.old), "to": js(c.new),
                         "total": str(c.total)} for c in self.changes],
            "by_time": None if self.by_time is None else self.by_time.isoformat(),
            "by_time_total": None if self.by_time_total is None else str(self.by_time_total),
            "horizon_years": self.horizon_years,
            "accruing": list(self.accruing),
        }

    def text(self, lang: str = "en") -> str:
        zh = lang == "zh"
        if self.target is None:
            return "已达到所有层级。" if zh else "Every tier of the purpose is already unlocked."
        head = f"下一层级 {self.target}：" if zh else f"To reach the next tier, {self.target}:"
        out = [head]
        if self.changes:
            out.append("  单项改变（其余不变）：" if zh
                       else "  one change alone (everything else unchanged):")
            out.extend(f"    - {c.text(lang)}" for c in self.changes)
        else:
            out.append("  没有单项改变能够达到。" if zh else "  no single change reaches it.")
        if self.by_time is not None:
            out.append(f"  仅随时间推移：{self.by_time}（总分 {self.by_time_total}）" if zh
                        else f"  by time alone: on {self.by_time} (total {self.by_time_total})")
        else:
            out.append(f"  仅随时间推移：{self.horizon_years}年内无法达到" if zh
                        else f"  by time alone: not within {self.horizon_years} years")
        if self.accruing:
            out.append(("  （随时间累计的事实：" if zh else "  (accruing with time: ")
                       + ", ".join(self.accruing) + ("）" if zh else ")"))
        return "\n".join(out)


# --- the search space --------------------------------------------------------------------


Lit = tuple[int, bool]  # (atom index, negated)
Term = tuple[Lit, ...]
Vec = tuple[int, ...]


@attrs.frozen
class _Atom:
    kind: Literal["fact", "score"]
    name: str
    op: str
    value: Any
    test: Callable[[Any], bool]


@attrs.frozen
class _Table:
    """One fact's values, reduced to its distinct outcomes."""

    fact: str
    factors: tuple[int, ...]  # indices into _Space.factors
    atoms: tuple[int, ...]  # indices into _Space.atoms
    values: tuple[Any, ...]  # every candidate value, ascending (levels: in level order)
    sigs: tuple[tuple[Vec, tuple[bool, ...], tuple[bool, ...]], ...]  # per value
    exact: bool  # every value examined (or both sides of every cut of a monotone piece)
    distinct: tuple[tuple[Vec, tuple[bool, ...], Any], ...]  # (ticks, truths, first value)


@attrs.frozen
class _Within:
    """A group whose members share one fact (`within`): searched as one variable."""

    group: str
    shared: str
    member_facts: tuple[str, ...]
    exact: bool  # members never fall as their fact grows; nothing else reads their facts

    @property
    def facts(self) -> tuple[str, ...]:
        return (self.shared, *self.member_facts)


@attrs.frozen
class _Best:
    value: int | None  # ticks of the objective (or 0 when only feasibility was asked)
    facts: dict[str, Any]
    exact: bool


_DIRECTION = {"ge": 1, "gt": 1, "le": -1, "lt": -1}


class _Space:
    """A compiled schedule seen as a finite search problem over independent facts."""

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self.c: Compiled = compile_schedule(schedule)
        self.factors: tuple[CompiledFactor, ...] = (*self.c.factors, *self.c.deductions)
        self.index = {f.id: i for i, f in enumerate(self.factors)}
        self.atoms: list[_Atom] = []
        self._atom_of: dict[int, int] = {}
        for g in schedule.gates.values():
            self._register(g.condition)
        self.hubs = tuple(sorted({f.when for f in self.factors if f.when is not None}))
        facts: set[str] = {f.fact for f in self.factors} | set(self.hubs)
        facts |= {a.name for a in self.atoms if a.kind == "fact"}
        facts |= {g.within for g in schedule.groups.values() if g.within is not None}
        self.facts = tuple(sorted(facts, key=_fact_order))
        self._tables: dict[str, _Table] = {}
        self.within = tuple(self._within_groups())
        self._option_cache: dict[tuple[Any, ...], list[tuple[Vec, Any]]] = {}
        self._within_cache: dict[tuple[Any, ...], tuple[
            tuple[int, ...], list[tuple[Vec, dict[str, Any]]], bool]] = {}
        self._scale = self.c.scale

    def _within_groups(self) -> Iterator[_Within]:
        seen: Counter[str] = Counter()
        for key, spec in self.schedule.groups.items():
            if spec.within is not None:
                seen.update({spec.within, *(f.fact for f in self.c.factors if f.group == key)})
        shared_facts = {f for f, n in seen.items() if n > 1}  # in two groups: not separable
        for gid, g in self.schedule.groups.items():
            shared = getattr(g, "within", None)
            if shared is None:
                continue
            members = [f for f in self.c.factors if f.group == gid]
            facts = tuple(f.fact for f in members)
            readers = [f for f in self.factors if f.fact in facts and f.group != gid]
            atoms = [a for a in self.atoms if a.kind == "fact" and a.name in facts]
            rising = all(self._rising(self.index[f.id]) for f in members)
            exact = (rising and not readers and not atoms and len(set(facts)) == len(facts)
                     and shared not in facts and not set(facts) & set(self.hubs)
                     and shared not in self.hubs and not {shared, *facts} & shared_facts)
            yield _Within(group=gid, shared=shared, member_facts=facts, exact=exact)

    def _rising(self, i: int) -> bool:
        table = self.table(self.factors[i].fact)
        k = table.factors.index(i)
        return all(b[0][k] >= a[0][k] for a, b in itertools.pairwise(table.sigs))

    # conditions -------------------------------------------------------------------------

    def _register(self, c: Condition) -> None:
        if isinstance(c, AllOf | AnyOf):
            for sub in (c.all if isinstance(c, AllOf) else c.any):
                self._register(sub)
            return
        if isinstance(c, NotOf):
            self._register(c.not_)
            return
        fn = condition_test(c, self.c.scale)
        op, value = c.comparison()
        atom: _Atom
        if isinstance(c, FactCondition):
            name = c.fact
            atom = _Atom("fact", name, op, value, _on_fact(fn, name))
        else:
            assert isinstance(c, ScoreCondition)
            name = c.score
            atom = _Atom("score", name, op, value, _on_score(fn, name))
        self._atom_of[id(c)] = len(self.atoms)
        self.atoms.append(atom)

    def score_atom(self, name: str, op: str, value: Decimal) -> int:
        """Register an extra comparison on a score (e.g. a tier's minimum)."""
        target = int(value * self.c.scale)
        cmp = {"ge": lambda t: t >= target, "gt": lambda t: t > target,
               "le": lambda t: t <= target, "lt": lambda t: t < target}[op]
        self.atoms.append(_Atom("score", name, op, value, cmp))
        return len(self.atoms) - 1

    def dnf(self, c: Condition, neg: bool = False) -> list[Term]:
        """`c` (or its negation) as a disjunction of conjunctions of literals."""
        if isinstance(c, NotOf):
            return self.dnf(c.not_, not neg)
        if isinstance(c, AllOf | AnyOf):
            subs = [self.dnf(x, neg) for x in (c.all if isinstance(c, AllOf) else c.any)]
            conj = isinstance(c, AllOf) != neg
            return conjoin(subs) if conj else [t for s in subs for t in s]
        return [((self._atom_of[id(c)], neg),)]

    def gate_terms(self, gate_ids: Iterable[str]) -> list[Term]:
        parts = [self.dnf(self.schedule.gates[g].condition) for g in gate_ids]
        return conjoin(parts)

    # facts ------------------------------------------------------------------------------

    def table(self, fact: str) -> _Table:
        """The distinct outcomes of `fact` (cached)."""
        if fact in self._tables:
            return self._tables[fact]
        info = FACTS[fact]
        factors = tuple(i for i, f in enumerate(self.factors) if f.fact == fact)
        atoms = tuple(i for i, a in enumerate(self.atoms) if a.kind == "fact" and a.name == fact)
        values, exact = _candidates(info, _cuts(self.schedule, fact))
        sigs = []
        for v in values:
            ticks, hits = [], []
            for i in factors:
                t, h = self.factors[i].fn(v)
                ticks.append(t)
                hits.append(h)
            truths = tuple(self.atoms[a].test(v) for a in atoms)
            sigs.append((tuple(ticks), tuple(hits), truths))
        if exact and info.kind in ("decimal", "fraction"):
            exact = _monotone_pieces(sigs)
        distinct: dict[tuple[Vec, tuple[bool, ...]], Any] = {}
        for v, (ticks_, _hits, truths_) in zip(values, sigs, strict=True):
            distinct.setdefault((ticks_, truths_), v)
        table = _Table(fact=fact, factors=factors, atoms=atoms, values=tuple(values),
                       sigs=tuple(sigs), exact=exact,
                       distinct=tuple((t, tr, v) for (t, tr), v in distinct.items()))
        self._tables[fact] = table
        return table

    def applies(self, i: int, purpose: str | None) -> bool:
        f = self.factors[i]
        return f.purposes is None or purpose in f.purposes

    def _options(self, fact: str, mask: tuple[bool, ...], value: Any, want: tuple[Lit, ...],
                 reduce: int) -> list[tuple[Vec, Any]]:
        """The fact's distinct outcomes that satisfy `want`, Pareto-reduced (cached)."""
        key = (fact, mask, value, want, reduce)
        if key in self._option_cache:
            return self._option_cache[key]
        table = self.table(fact)
        pos = {a: k for k, a in enumerate(table.atoms)}
        outcomes: Iterable[tuple[Vec, tuple[bool, ...], Any]] = table.distinct
        if value is not None:  # a `when` fact, fixed by the enumeration
            k = table.values.index(value)
            outcomes = [(table.sigs[k][0], table.sigs[k][2], value)]
        options: dict[Vec, Any] = {}
        for ticks, truths, v in outcomes:
            if all(truths[pos[i]] != neg for i, neg in want):
                vec = tuple(t if m else 0 for t, m in zip(ticks, mask, strict=True))
                options.setdefault(vec, v)
        opts = list(options.items())
        if reduce and len(opts) > 1:
            opts = _front(opts, reduce)
        self._option_cache[key] = opts
        return opts

    # evaluation -------------------------------------------------------------------------

    def evaluate(self, ticks: Mapping[str, int]) -> dict[str, int]:
        """Every score (factors, groups, deductions, total) from the factors' points."""
        s = dict(ticks)
        for g in self.c.groups:
            vals = [s[m] for m in g.members]
            best = max(vals, default=0) if g.combine == "highest" else sum(vals)
            s[g.id] = g.cap if g.cap is not None and best > g.cap else best
        raw = sum(s[r] for r in self.c.roots) + sum(s[d.id] for d in self.c.deductions)
        s["total"] = raw if self.c.floor is None or raw >= self.c.floor else self.c.floor
        return s

    # search -----------------------------------------------------------------------------

    def search(self, purpose: str | None, terms: Sequence[Term],
               objective: Literal["max", "min"] | None) -> _Best:
        """The best (or any, without objective) applicant satisfying one of `terms`."""
        best: _Best | None = None
        exact = True
        sense = {"max": 1, "min": -1, None: 0}[objective]
        for term in terms:
            for found in self._search_term(purpose, term, sense):
                exact = exact and found.exact
                if found.value is None:
                    continue
                if best is None or sense * found.value > sense * (best.value or 0):
                    best = found
                if sense == 0:
                    return _Best(best.value, best.facts, True)  # a witness is proof
        if best is None:
            return _Best(None, {}, exact)
        return _Best(best.value, best.facts, exact)

    def _search_term(self, purpose: str | None, term: Term, sense: int) -> Iterator[_Best]:
        lits: dict[str, list[Lit]] = {}
        score_lits: list[Lit] = []
        for lit in term:
            a = self.atoms[lit[0]]
            if a.kind == "fact":
                lits.setdefault(a.name, []).append(lit)
            else:
                score_lits.append(lit)
        dirs = {(-1 if neg else 1) * _DIRECTION.get(self.atoms[i].op, 0) for i, neg in score_lits}
        if sense == 0:
            reduce = dirs.pop() if len(dirs) == 1 else (1 if not dirs else 0)
        else:
            reduce = sense if dirs <= {sense} else 0
        hubs = self.hubs
        hub_exact = len(hubs) <= _HUB_LIMIT
        assignments: Iterable[tuple[bool, ...]] = itertools.product((False, True), repeat=len(hubs))
        if not hub_exact:
            assignments = itertools.islice(assignments, 2 ** _HUB_LIMIT)
        for assignment in assignments:
            hub = dict(zip(hubs, assignment, strict=True))
            yield self._search_hubs(purpose, hub, lits, score_lits, sense, reduce, hub_exact)

    def _search_hubs(self, purpose: str | None, hub: dict[str, bool], lits: dict[str, list[Lit]],
                     score_lits: list[Lit], sense: int, reduce: int, exact: bool) -> _Best:
        fixed: dict[str, int] = {f.id: 0 for f in self.factors}
        facts: dict[str, Any] = {}
        # one entry per variable: (factor indices, options of (points, facts))
        varying: list[tuple[tuple[int, ...], list[tuple[Vec, dict[str, Any]]]]] = []

        def active(i: int) -> bool:
            f = self.factors[i]
            return self.applies(i, purpose) and (f.when is None or hub[f.when])

        def add(idx: tuple[int, ...], opts: list[tuple[Vec, dict[str, Any]]]) -> None:
            if len(opts) == 1:
                (vec, chosen), = opts
                facts.update(chosen)
                for t, i in zip(vec, idx, strict=True):
                    fixed[self.factors[i].id] = t
            else:
                varying.append((idx, opts))

        in_clusters = {f for w in self.within for f in w.facts}
        for fact in self.facts:
            if fact in in_clusters:
                continue
            table = self.table(fact)
            exact = exact and table.exact
            mask = tuple(active(i) for i in table.factors)
            value = hub.get(fact)
            opts = self._options(fact, mask, value, tuple(lits.get(fact, ())), reduce)
            if not opts:
                return _Best(None, {}, exact)
            add(table.factors, [(vec, {fact: v}) for vec, v in opts])
        for w in self.within:
            idx, wopts, w_exact = self._within_options(w, active, hub, lits, reduce)
            exact = exact and w_exact
            if not wopts:
                return _Best(None, {}, exact)
            add(idx, wopts)
        size = math.prod(len(o) for _, o in varying)
        combos: Iterable[tuple[tuple[Vec, dict[str, Any]], ...]]
        if size > _PRODUCT_LIMIT:
            exact = False
            combos = _greedy([o for _, o in varying], sense or 1)
        else:
            combos = itertools.product(*(o for _, o in varying))
        best: _Best | None = None
        for combo in combos:
            ticks = dict(fixed)
            for (idx, _), (vec, _) in zip(varying, combo, strict=True):
                for t, i in zip(vec, idx, strict=True):
                    ticks[self.factors[i].id] = t
            s = self.evaluate(ticks)
            if not all(self.atoms[i].test(s[self.atoms[i].name]) != neg for i, neg in score_lits):
                continue
            total = s["total"]
            if best is None or sense * total > sense * (best.value or 0):
                chosen = dict(facts)
                for _, (_, more) in zip(varying, combo, strict=True):
                    chosen.update(more)
                best = _Best(total, chosen, exact)
                if sense == 0:
                    break
        return best if best is not None else _Best(None, {}, exact)

    def _within_options(
        self, w: _Within, active: Callable[[int], bool], hub: dict[str, bool],
        lits: dict[str, list[Lit]], reduce: int,
    ) -> tuple[tuple[int, ...], list[tuple[Vec, dict[str, Any]]], bool]:
        """The outcomes of a `within` group: its shared fact and its members' facts together.

        Each member counts at most what is left of the shared fact, in order. For a maximum,
        the shared fact takes the top of each of its own regions (the largest budget) and
        each member the least value reaching each of its points levels; for a minimum, the
        bottom of each region and nothing for the members. Exact when the members' rules
        never fall as their fact grows and nothing else reads the members' facts.
        """
        m_tables = [self.table(f) for f in w.member_facts]
        w_table = self.table(w.shared)
        idx = w_table.factors + tuple(i for t in m_tables for i in t.factors)
        key = (w.group, tuple(active(i) for i in idx), tuple(lits.get(w.shared, ())),
               any(lits.get(f) for f in w.member_facts), reduce)
        if key not in self._within_cache:
            self._within_cache[key] = self._within_search(w, active, lits, reduce)
        return self._within_cache[key]

    def _within_search(
        self, w: _Within, active: Callable[[int], bool], lits: dict[str, list[Lit]],
        reduce: int,
    ) -> tuple[tuple[int, ...], list[tuple[Vec, dict[str, Any]]], bool]:
        exact = w.exact and reduce != 0 and not any(lits.get(f) for f in w.member_facts)
        w_table = self.table(w.shared)
        exact = exact and w_table.exact
        mask = tuple(active(i) for i in w_table.factors)
        want = tuple(lits.get(w.shared, ()))
        pos = {a: k for k, a in enumerate(w_table.atoms)}
        m_tables = [self.table(f) for f in w.member_facts]
        idx = w_table.factors + tuple(i for t in m_tables for i in t.factors)
        # budgets: the ends of the shared fact's regions that satisfy the literals
        budgets: list[tuple[Any, Vec]] = []
        sigs = list(zip(w_table.values, w_table.sigs, strict=True))
        for k, (v, sig) in enumerate(sigs):
            first = k == 0 or sigs[k - 1][1] != sig
            last = k == len(sigs) - 1 or sigs[k + 1][1] != sig
            keep = (last if reduce > 0 else first) if reduce else (first or last)
            if keep and all(sig[2][pos[i]] != neg for i, neg in want):
                budgets.append((v, tuple(t if m else 0 for t, m in zip(sig[0], mask,
                                                                        strict=True))))
        # each member's useful values: the least value of each of its regions
        steps: list[list[Any]] = []
        for t in m_tables:
            starts = [v for k, v in enumerate(t.values) if k == 0 or t.sigs[k - 1] != t.sigs[k]]
            live = any(active(i) for i in t.factors)
            steps.append(starts if reduce >= 0 and live else starts[:1])
        options: dict[Vec, dict[str, Any]] = {}
        count = 0
        for budget, wvec in budgets:
            for alloc in _allocations(steps, budget, greedy_last=reduce > 0 and exact):
                count += 1
                if count > _PRODUCT_LIMIT:
                    exact = False
                    break
                vec = list(wvec)
                chosen = {w.shared: budget}
                for t, x, v in zip(m_tables, w.member_facts, alloc, strict=True):
                    chosen[x] = v
                    vec += [self.factors[i].fn(v)[0] if active(i) else 0 for i in t.factors]
                options.setdefault(tuple(vec), chosen)
        opts = list(options.items())
        if reduce and len(opts) > 1:
            opts = _front(opts, reduce)
        return idx, opts, exact

def _on_fact(fn: Callable[[Mapping[str, Any], Mapping[str, int]], bool],
             name: str) -> Callable[[Any], bool]:
    return lambda v: fn({name: v}, {})


def _on_score(fn: Callable[[Mapping[str, Any], Mapping[str, int]], bool],
              name: str) -> Callable[[Any], bool]:
    return lambda t: fn({}, {name: t})


def conjoin(parts: Sequence[list[Term]]) -> list[Term]:
    """The conjunction of disjunctions, as one disjunction (limited to 4096 terms)."""
    out: list[Term] = [()]
    for p in parts:
        out = [a + b for a in out for b in p][:4096]
    return out


def _front(opts: list[tuple[Vec, Any]], sense: int) -> list[tuple[Vec, Any]]:
    """The Pareto-best options (largest when sense > 0, smallest when sense < 0)."""
    if all(len(vec) == 1 for vec, _ in opts):
        return [max(opts, key=lambda o: sense * o[0][0])]
    if len(opts) > 256 and max(abs(x) for vec, _ in opts for x in vec) < 2 ** 60:
        import numpy as np

        arr = np.array([vec for vec, _ in opts], dtype=np.int64) * sense
        kept = np.empty((0, arr.shape[1]), dtype=np.int64)
        chosen: list[int] = []
        for i in np.argsort(-arr.sum(axis=1), kind="stable"):
            if kept.shape[0] and bool(np.any(np.all(kept >= arr[i], axis=1))):
                continue
            chosen.append(int(i))
            kept = np.vstack([kept, arr[i]])
        return [opts[i] for i in chosen]
    keep: list[tuple[Vec, Any]] = []
    for vec, v in sorted(opts, key=lambda o: -sense * sum(o[0])):
        if any(all(sense * (k - x) >= 0 for k, x in zip(kv, vec, strict=True))
               for kv, _ in keep):
            continue
        keep.append((vec, v))
    return keep


def _allocations(steps: list[list[Any]], budget: Any,
                 greedy_last: bool) -> Iterator[tuple[Any, ...]]:
    """Values for the members of a `within` group that together stay within `budget`.

    With `greedy_last`, the last member takes only the largest value that still fits.
    """
    if not steps:
        yield ()
        return
    head, rest = steps[0], steps[1:]
    if not rest and greedy_last:
        fits = [v for v in head if v <= budget]
        if fits:
            yield (fits[-1],)
        return
    for v in head:
        if v > budget:
            break
        for tail in _allocations(rest, budget - v, greedy_last):
            yield (v, *tail)


def _greedy(varying: list[list[tuple[Vec, Any]]],
            sense: int) -> Iterator[tuple[tuple[Vec, Any], ...]]:
    """A few good combinations when there are too many to try them all."""
    ranked = [sorted(o, key=lambda x: -sense * sum(x[0])) for o in varying]
    yield tuple(r[0] for r in ranked)
    for k in range(len(ranked)):
        for alt in ranked[k][1:50]:
            yield tuple(alt if j == k else r[0] for j, r in enumerate(ranked))


def _fact_order(name: str) -> int:
    return list(FACTS).index(name)


_step = fact_step
_as = fact_value


def _gate_cuts(schedule: Schedule, fact: str) -> set[Any]:
    """The values every gate compares `fact` with."""
    cuts: set[Any] = set()

    def walk(c: Condition) -> None:
        if isinstance(c, AllOf | AnyOf):
            for sub in (c.all if isinstance(c, AllOf) else c.any):
                walk(sub)
        elif isinstance(c, NotOf):
            walk(c.not_)
        elif isinstance(c, FactCondition) and c.fact == fact:
            op, value = c.comparison()
            for v in (value if isinstance(value, list) else [value]):
                if isinstance(v, int | Decimal) and not isinstance(v, bool):
                    cuts.add(v)
                    if op in ("gt", "le", "eq", "ne", "in"):
                        cuts.add(("+", v))

    for g in schedule.gates.values():
        walk(g.condition)
    return cuts


def _specs(schedule: Schedule) -> Iterator[Any]:
    yield from schedule.factors.values()
    yield from schedule.deductions.values()


def _cuts(schedule: Schedule, fact: str) -> set[Any]:
    """Every value of `fact` at which the schedule's behaviour may change (in the fact's type)."""
    info = FACTS[fact]
    if info.kind not in ("int", "decimal", "fraction"):
        return set()
    step = _step(info)
    raw: set[Any] = set()
    for spec in _specs(schedule):
        raw |= kind_of(spec).cuts(spec, _MULTIPLES).get(fact, set())
    out: set[Any] = set()
    for c in raw | _gate_cuts(schedule, fact):
        if isinstance(c, tuple):  # just above a compared value
            v = _as(info, c[1])
            out.add(v + step if v == c[1] else v)
        else:
            out.add(_as(info, c))
    return out


def _candidates(info: FactInfo, cuts: set[Any]) -> tuple[list[Any], bool]:
    """The values of a fact to examine, and whether they are every value it can take."""
    if info.kind == "bool":
        return [False, True], True
    if info.kind == "level":
        levels: list[Any] = list(info.levels)
        if info.name != "age" and _optional(info.name):
            levels.append(None)
        return levels, True
    lo, hi = info.minimum, info.maximum
    assert lo is not None and hi is not None
    if info.kind == "int" and hi - lo <= _INT_SCAN:
        return list(range(int(lo), int(hi) + 1)), True
    step = _step(info)
    lo_v, hi_v = _as(info, lo), _as(info, hi)
    values = {lo_v, hi_v}
    for c in cuts:
        for v in (c - step, c, c + step):
            if lo_v <= v <= hi_v:
                values.add(v)
    return sorted(values), True


def _optional(name: str) -> bool:
    ann = Applicant.model_fields[name].annotation
    return type(None) in getattr(ann, "__args__", ())


def _monotone_pieces(sigs: Sequence[tuple[Vec, tuple[bool, ...], tuple[bool, ...]]]) -> bool:
    """True when, between consecutive sampled values, no two factors move in opposite ways.

    Decimal facts are examined at both sides of every cut; between cuts each rule is
    monotone, so the sampled ends are the extremes unless two rules on the fact pull in
    opposite directions inside one piece.
    """
    for (a, _, _), (b, _, _) in itertools.pairwise(sigs):
        ups = {(y > x) - (y < x) for x, y in zip(a, b, strict=True)} - {0}
        if len(ups) > 1:
            return False
    return True


def _applicant(facts: Mapping[str, Any]) -> Applicant:
    data = {k: v for k, v in facts.items() if v is not None or k == "sex"}
    if "age" not in data:
        data["age"] = 30  # any valid age: the schedule does not read it
    return Applicant(**data)


def _contexts(schedule: Schedule) -> list[str | None]:
    """The purposes a card can be scored for (None when the schedule has no default)."""
    ps: list[str | None] = list(schedule.purposes)
    if not ps or schedule.schedule.default_purpose is None:
        ps.append(None)
    return ps


def _plain(v: Any) -> str:
    if isinstance(v, Decimal):
        return f"{v.normalize():f}"
    return str(v)


def _points(c: Compiled, ticks: int) -> Decimal:
    return c.to_points(ticks)


# --- public functions --------------------------------------------------------------------


def _load(schedule: Schedule | str) -> Schedule:
    return schedule if isinstance(schedule, Schedule) else load_schedule(schedule)


def bounds(schedule: Schedule | str, purpose: str | None = None) -> Bounds:
    """The exact lowest and highest total of `schedule` under `purpose`.

    `purpose` defaults to the schedule's `default_purpose`, as `score` does.
    """
    s = _load(schedule)
    if purpose is None:
        purpose = s.schedule.default_purpose
    return _bounds(_Space(s), purpose)


def _bounds(space: _Space, purpose: str | None) -> Bounds:
    hi = space.search(purpose, [()], "max")
    lo = space.search(purpose, [()], "min")
    assert hi.value is not None and lo.value is not None
    c = space.c
    top, bottom = _points(c, hi.value), _points(c, lo.value)
    if not (hi.exact and lo.exact):  # not proven: report what the applicants found score
        on = space.schedule.schedule.effective_from
        top = score(_applicant(hi.facts), space.schedule, purpose=purpose, on=on).total
        bottom = score(_applicant(lo.facts), space.schedule, purpose=purpose, on=on).total
    return Bounds(purpose=purpose, minimum=bottom, maximum=top,
                  lowest=lo.facts, highest=hi.facts, exact=hi.exact and lo.exact)


def monotone_facts(schedule: Schedule | str) -> list[str]:
    """The facts more of which never lowers any factor's points nor deepens any deduction.

    For these facts, raising the value (a higher level, false to true) can never lower the
    total: every group, cap, `highest` and the floor are non-decreasing in their members.
    """
    s = _load(schedule)
    space = _Space(s)
    deduction_hubs = {f.when for f in space.c.deductions if f.when is not None}
    out = []
    for fact in space.facts:
        if fact in deduction_hubs:
            continue
        table = space.table(fact)
        rising = all(
            all(b[0][k] >= a[0][k] for a, b in itertools.pairwise(table.sigs))
            for k in range(len(table.factors)))
        if (rising and table.factors) or (not table.factors and fact in space.hubs):
            out.append(fact)
    return out


def thresholds(schedule: Schedule | str) -> dict[str, list[Any]]:
    """For each fact the schedule reads, values on both sides of every cut it makes.

    Cuts are band edges, per-unit multiples (up to the cap), starts, vesting points and the
    values gates compare the fact with; each comes with the values one step below and above.
    Bounds of the fact are included; level facts list every level, true/false facts both.
    """
    s = _load(schedule)
    space = _Space(s)
    out: dict[str, list[Any]] = {}
    for fact in space.facts:
        info = FACTS[fact]
        if info.kind == "bool":
            out[fact] = [False, True]
            continue
        if info.kind == "level":
            out[fact] = list(info.levels)
            continue
        step = _step(info)
        lo, hi = _as(info, info.minimum), _as(info, info.maximum)
        vals = {lo, hi}
        for c in _cuts(s, fact):
            vals |= {v for v in (c - step, c, c + step) if lo <= v <= hi}
        out[fact] = sorted(vals)
    return out


def analyse(schedule: Schedule | str) -> Analysis:
    """Bounds of every purpose, and every finding, for one loaded schedule."""
    s = _load(schedule)
    space = _Space(s)
    contexts = _contexts(s)
    all_bounds = tuple(_bounds(space, p) for p in contexts)
    findings: list[Finding] = []
    if not all(b.exact for b in all_bounds):
        findings.append(Finding("inexact", "info", "schedule",
                                "the search limit was reached: some bounds are not proven"))
    findings += _tier_findings(space, contexts)
    findings += _gate_findings(space, contexts)
    findings += _factor_findings(space)
    findings += _cliff_findings(space)
    return Analysis(schedule_id=s.id, bounds=all_bounds, findings=tuple(findings))


def _tier_findings(space: _Space, contexts: list[str | None]) -> Iterator[Finding]:
    s = space.schedule
    c = space.c
    for i, t in enumerate(s.tiers):
        scope = contexts if t.purposes is None else list(t.purposes)
        best: int | None = None
        exact = True
        for p in scope:
            gate_ids = [*(s.purposes[p].gates if t.purposes is not None and p else ()),
                        *t.gates]
            top = space.search(p, space.gate_terms(gate_ids), "max")
            exact = exact and top.exact
            if top.value is not None:
                best = top.value if best is None else max(best, top.value)
        need = None if t.min_score is None else int(t.min_score * c.scale)
        if best is not None and (need is None or best >= need):
            continue
        path = f"tiers[{i}] ({t.id})"
        if not exact:
            yield Finding("inexact", "info", path,
                          "the search limit was reached: reachability not proven")
            continue
        if best is None:
            why = "its gates can never all pass"
        else:
            why = (f"needs {t.min_score} points but at most {_points(c, best)} "
                   "can be scored while its gates pass")
        yield Finding("unreachable_tier", "warning", path,
                      f"no applicant can reach tier {t.id!r}: {why}")


def _gate_findings(space: _Space, contexts: list[str | None]) -> Iterator[Finding]:
    for gid, g in space.schedule.gates.items():
        path = f"gates.{gid}"
        for neg, kind, text in (
            (False, "gate_never_passes", "no applicant can pass this gate"),
            (True, "gate_never_fails", "every applicant passes this gate: it decides nothing"),
        ):
            found = [space.search(p, space.dnf(g.condition, neg), None) for p in contexts]
            if any(f.value is not None for f in found):
                continue
            if all(f.exact for f in found):
                yield Finding(kind, "warning", path, text)  # type: ignore[arg-type]
            else:
                yield Finding("inexact", "info", path,
                              "the search limit was reached: the gate was not decided")


def _ranges(space: _Space) -> dict[str, tuple[int, int]]:
    """Each factor's, deduction's and group's lowest and highest points (groups relaxed)."""
    out: dict[str, tuple[int, int]] = {}
    for fact in space.facts:
        table = space.table(fact)
        for k, i in enumerate(table.factors):
            f = space.factors[i]
            vals = [sig[0][k] for sig in table.sigs]
            lo, hi = min(vals), max(vals)
            if f.when is not None:
                lo, hi = min(lo, 0), max(hi, 0)
            out[f.id] = (lo, hi)
    for g in space.c.groups:
        los = [out[m][0] for m in g.members]
        his = [out[m][1] for m in g.members]
        if g.combine == "highest":
            lo, hi = max(los, default=0), max(his, default=0)
        else:
            lo, hi = sum(los), sum(his)
        if g.cap is not None:
            lo, hi = min(lo, g.cap), min(hi, g.cap)
        out[g.id] = (lo, hi)
    return out


def _factor_findings(space: _Space) -> Iterator[Finding]:
    s = space.schedule
    c = space.c
    ranges = _ranges(space)
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
        if lo == hi:
            reason = f"it always scores {_points(c, lo)}"
        p = parent.get(node)
        if reason is None and p is not None:
            how, cap = combine[p]
            others = [m for m in members[p] if m != node]
            if how == "sum" and cap is not None and sum(ranges[m][0] for m in others) >= cap:
                reason = f"the other members of group {p!r} always fill its cap"
            elif how == "highest":
                for m in others:
                    if ranges[m][0] >= hi:
                        reason = f"{m!r} always scores at least as much in group {p!r}"
                        break
            if reason is None and dead(p):
                reason = f"its group {p!r} can never change the total"
        why[node] = reason or ""
        return reason

    for key, kind in [*((k, "factors") for k in s.factors), *((k, "groups") for k in s.groups),
                      *((k, "deductions") for k in s.deductions)]:
        reason = dead(key)
        if reason:
            yield Finding("dead_factor", "warning", f"{kind}.{key}",
                          f"can never change the total: {reason}")
    # caps that never bind
    for fact in space.facts:
        table = space.table(fact)
        for k, i in enumerate(table.factors):
            f = space.factors[i]
            spec = (s.factors if f.kind == "factor" else s.deductions)[f.id]
            cap = getattr(spec, "cap", None)
            if cap is not None and not any(sig[1][k] for sig in table.sigs):
                section = "factors" if f.kind == "factor" else "deductions"
                yield Finding("idle_cap", "info", f"{section}.{f.id}.cap",
                              f"the cap {_plain(cap)} never cuts any points "
                              f"within the bounds of {fact}")
    for g in c.groups:
        if g.cap is None:
            continue
        his = [ranges[m][1] for m in g.members]
        top = max(his, default=0) if g.combine == "highest" else sum(his)
        if top <= g.cap:
            yield Finding("idle_cap", "info", f"groups.{g.id}.cap",
                          f"the cap {_points(c, g.cap)} never cuts any points "
                          f"(members give at most {_points(c, top)})")


def _cliff_findings(space: _Space) -> Iterator[Finding]:
    s = space.schedule
    for fact in space.facts:
        info = FACTS[fact]
        if info.kind not in ("int", "decimal", "fraction"):
            continue
        step = _step(info)
        cliffs: list[tuple[Any, Any, str, str]] = []  # (value, rule unit, factor, what)
        for key, spec in [*s.factors.items(), *s.deductions.items()]:
            if spec.fact != fact or len(kind_of(spec).facts(spec)) > 1:
                continue
            f = space.factors[space.index[key]]
            cliffs += [(v, unit, key, f"{key} jumps {_jump(f, v, step, space.c)} at {_plain(v)}")
                       for v, unit in kind_of(spec).cliffs(spec, f.fn, step, space.c.scale)]
        gates = [(v, gid) for gid, g in s.gates.items() for v in _atom_cuts(g.condition, fact,
                                                                               info, step)]
        seen: set[tuple[Any, Any]] = set()
        for v, unit, _key, what in cliffs:
            for g_v, gid in gates:
                if 0 < abs(g_v - v) <= unit and (g_v, v) not in seen:
                    seen.add((g_v, v))
                    yield Finding(
                        "near_cliff", "warning", f"gates.{gid}",
                        f"the gate changes at {fact} = {_plain(g_v)}, within one rule unit "
                        f"({_plain(unit)}) of a cliff: {what}")
        for (v1, u1, k1, w1), (v2, u2, k2, w2) in itertools.combinations(cliffs, 2):
            if 0 < abs(v1 - v2) <= max(u1, u2) and k1 != k2:
                yield Finding("near_cliff", "warning", f"{fact}",
                              f"two cliffs within one rule unit: {w1}; {w2}")


def _jump(f: CompiledFactor, v: Any, step: Any, c: Compiled) -> str:
    d = f.fn(v)[0] - f.fn(v - step)[0]
    return f"{'+' if d > 0 else ''}{_points(c, d)}"


def _atom_cuts(c: Condition, fact: str, info: FactInfo, step: Any) -> list[Any]:
    """Where a gate's comparisons on `fact` change, as the first value on the upper side."""
    out: list[Any] = []
    if isinstance(c, AllOf | AnyOf):
        for sub in (c.all if isinstance(c, AllOf) else c.any):
            out += _atom_cuts(sub, fact, info, step)
    elif isinstance(c, NotOf):
        out += _atom_cuts(c.not_, fact, info, step)
    elif isinstance(c, FactCondition) and c.fact == fact:
        op, value = c.comparison()
        for v in (value if isinstance(value, list) else [value]):
            if isinstance(v, bool) or not isinstance(v, int | Decimal):
                continue
            if op in ("ge", "lt"):
                out.append(_as(info, v))
            elif op in ("gt", "le"):
                out.append(_as(info, v) + step if _as(info, v) == v else _as(info, v))
            else:
                out += [_as(info, v), _as(info, v) + step]
    return out


# --- what if -----------------------------------------------------------------------------

#: Duration facts that accrue with time while a condition holds (others: while above 0).
_ACCRUES: dict[str, Callable[[Applicant], bool]] = {
    "residence_months": lambda a: True,
    "permit_months": lambda a: a.has_permit,
    "owned_home_months": lambda a: a.housing == "owned",
    "rental_months": lambda a: a.housing in ("rental", "dormitory"),
    "pension_months": lambda a: a.employed,
    "medical_months": lambda a: a.employed,
    "unemployment_months": lambda a: a.employed,
    "injury_months": lambda a: a.employed,
    "maternity_months": lambda a: a.employed,
    "housing_fund_months": lambda a: a.employed,
    "hardship_industry_months": lambda a: a.hardship_industry,
}
_NEVER_ACCRUES = {"insurance_back_paid_months"}


def _accruing(a: Applicant) -> tuple[str, ...]:
    out = []
    for name, info in FACTS.items():
        if info.unit != "month" or name in _NEVER_ACCRUES:
            continue
        active = _ACCRUES.get(name)
        if active(a) if active is not None else getattr(a, name) > 0:
            out.append(name)
    return tuple(out)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def what_if(
    applicant: Applicant | Mapping[str, Any],
    schedule: Schedule | str,
    *,
    purpose: str | None = None,
    on: date | None = None,
    horizon_years: int = 40,
) -> WhatIf:
    """What would bring `applicant` to the next tier of `purpose` under `schedule`.

    Single changes: every fact the schedule reads except `age` is tried on its own, at the
    nearest value on each side of every cut (the only places the card can change); the
    smallest change of each fact that unlocks the next tier is kept. Time alone: month by
    month, the duration facts in `WhatIf.accruing` grow by one (up to their bound) and age
    follows `birth_date` (or grows by one every 12 months when only `age` is known); nothing
    else changes — look-back counts are held, and no new record is assumed. Months accrue:
    residence always; the permit's while `has_permit`; owned-home months while `housing` is
    owned, rental months while renting or in a dormitory; the five insurances and the
    housing fund while `employed`; hardship months while `hardship_industry`; any other
    duration while it is above 0; back-paid insurance months never.
    """
    s = _load(schedule)
    a = applicant if isinstance(applicant, Applicant) else Applicant.parse(applicant)
    when = on or date.today()
    card = score(a, s, purpose=purpose, on=when)
    accruing = _accruing(a)
    if card.next_tier is None:
        return WhatIf(card=card, target=None, changes=(), by_time=None, by_time_total=None,
                      horizon_years=horizon_years, accruing=accruing)
    target = card.next_tier.id
    space = _Space(s)
    changes = []
    for fact in space.facts:
        if fact in ("age", "age_years_begun"):  # time moves them, not the applicant
            continue
        change = _smallest_change(space, a, fact, target, card.purpose, when)
        if change is not None:
            changes.append(change)
    by_time, by_total = _by_time(a, s, card.purpose, when, target, horizon_years, accruing)
    return WhatIf(card=card, target=target, changes=tuple(changes), by_time=by_time,
                  by_time_total=by_total, horizon_years=horizon_years, accruing=accruing)


def _smallest_change(space: _Space, a: Applicant, fact: str, target: str,
                     purpose: str | None, on: date) -> Change | None:
    table = space.table(fact)
    info = FACTS[fact]
    current = getattr(a, fact)
    values = table.values
    sig = {v: (t, tr) for v, (t, _h, tr) in zip(values, table.sigs, strict=True)}
    # nearest value of each region (a run of equal outcomes), on each side of `current`
    if info.kind in ("level", "bool"):
        order = list(values)
        pos = order.index(current) if current in order else 0
        tries = sorted((v for v in order if v != current),
                       key=lambda v: abs(order.index(v) - pos))
    else:
        below = [v for v in values if v < current]
        above = [v for v in values if v > current]
        ups = [v for k, v in enumerate(above)
               if k == 0 or sig[above[k - 1]] != sig[v]]
        downs = [v for k, v in enumerate(reversed(below))
                 if k == 0 or sig[below[len(below) - k]] != sig[v]]
        tries = sorted([*ups, *downs], key=lambda v: abs(v - current))
    for v in tries:
        trial = a.model_copy(update={fact: v})
        card = score(trial, space.schedule, purpose=purpose, on=on)
        if target in card.tiers:
            return Change(fact=fact, old=current, new=v, total=card.total)
    return None


def _by_time(a: Applicant, s: Schedule, purpose: str | None, on: date, target: str,
             horizon_years: int, accruing: tuple[str, ...]) -> tuple[date | None, Decimal | None]:
    age0 = a.age_on(on)
    for m in range(1, 12 * horizon_years + 1):
        when = _add_months(on, m)
        update: dict[str, Any] = {}
        for name in accruing:
            hi = FACTS[name].maximum
            assert hi is not None
            update[name] = min(getattr(a, name) + m, int(hi))
        if a.birth_date is not None:
            update["age"] = None
        else:
            update["age"] = min(age0 + m // 12, 120)
            if a.age_years_begun is not None:
                update["age_years_begun"] = min(a.age_years_begun + m // 12, 121)
        card = score(a.model_copy(update=update), s, purpose=purpose, on=when)
        if target in card.tiers:
            return when, card.total
    return None, None

