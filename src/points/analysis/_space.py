"""A compiled schedule seen as a finite search problem: variables, their outcomes, atoms.

A *variable* is a set of facts that rules read together: the facts linked, directly or
through others, by a rule that reads several (`FactorNode.facts`), found by union-find; a
fact no such rule reads is a variable of its own. Distinct variables are independent. A
variable's candidate values are every combination of its facts' candidate values, and its
*outcomes* are what each combination gives: the points of every factor reading its facts,
their cap flags, and the truth of every gate comparison on them.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

import attrs

from ..compiled import (
    AllNode,
    AnyNode,
    CompiledSchedule,
    CondNode,
    FactorNode,
    FactTest,
    NotNode,
    facts_read,
    record_test,
    walk,
)
from ..expression import record_fn
from ..facts import CHECKS, candidates, vocabulary
from ._thresholds import cuts, monotone_pieces, read_facts

__all__ = ["PRODUCT_LIMIT", "Atom", "Lit", "Space", "Term", "Var", "Vec", "Within", "conjoin"]

#: Largest number of outcome combinations one search tries before giving up exactness.
PRODUCT_LIMIT = 50_000

Lit = tuple[int, bool]  # (atom index, negated)
Term = tuple[Lit, ...]
Vec = tuple[int, ...]
Sig = tuple[Vec, tuple[bool, ...], tuple[bool, ...]]  # ticks, cap hits, atom truths


@attrs.frozen
class Atom:
    """One comparison of a gate: on a fact (tested on its value) or a score (on ticks).

    A comparison of a derived fact reads the facts it is derived from (`reads`, `name` the
    first of them) and `test` takes their values."""

    kind: Literal["fact", "score"]
    name: str
    op: str
    value: Any
    test: Callable[..., bool]
    reads: tuple[str, ...] = ()

    @property
    def facts(self) -> tuple[str, ...]:
        return self.reads or (self.name,)


@attrs.frozen
class Var:
    """One variable's candidate values and their distinct outcomes."""

    facts: tuple[str, ...]
    factors: tuple[int, ...]  # indices into Space.factors: the rules reading its facts
    atoms: tuple[int, ...]  # indices into Space.atoms: comparisons on its facts
    values: tuple[tuple[Any, ...], ...]  # candidate combinations (values in `facts` order)
    sigs: tuple[Sig, ...]  # per combination
    exact: bool  # the candidates reach every outcome the facts can give
    distinct: tuple[tuple[Vec, tuple[bool, ...], tuple[Any, ...]], ...]  # first of each

    def lines(self, fact: str) -> list[list[int]]:
        """Indices into `values` along `fact` (ascending), one list per combination of the
        other facts."""
        k = self.facts.index(fact)
        out: dict[tuple[Any, ...], list[int]] = {}
        for i, v in enumerate(self.values):
            out.setdefault(v[:k] + v[k + 1:], []).append(i)
        return list(out.values())

    def rising(self, j: int, fact: str) -> bool:
        """The `j`-th factor's points never fall as `fact` grows, the others held."""
        return all(self.sigs[b][0][j] >= self.sigs[a][0][j]
                   for line in self.lines(fact) for a, b in itertools.pairwise(line))

    def assignment(self, v: tuple[Any, ...]) -> dict[str, Any]:
        return dict(zip(self.facts, v, strict=True))


@attrs.frozen
class Within:
    """A group whose members share one fact (`within`): searched as one variable."""

    group: str
    shared: str
    member_facts: tuple[str, ...]
    exact: bool  # members never fall as their fact grows; nothing else reads their facts

    @property
    def facts(self) -> tuple[str, ...]:
        return (self.shared, *self.member_facts)


class Space:
    """The variables, atoms and `within` clusters of one compiled schedule."""

    def __init__(self, c: CompiledSchedule) -> None:
        self.c = c
        #: derived facts are searched through the facts they are derived from
        self.derived = {name: (expr.reads, record_fn(expr)) for name, expr in c.derived}
        self.facts = tuple(x for x in read_facts(c) if x not in self.derived)
        self.factors: tuple[FactorNode, ...] = tuple(
            self._through_derived(f) for f in (*c.factors, *c.deductions))
        self.index = {f.id: i for i, f in enumerate(self.factors)}
        self.atoms: list[Atom] = []
        self._atom_of: dict[int, int] = {}
        for g in c.gates.values():
            for t in walk(g.condition):
                self._register(t)
        #: the facts `when`s read (a named true/false fact, or the facts of a condition):
        #: enumerated together, each at its candidate values
        self.when_tests: dict[str, Callable[[Mapping[str, Any]], bool]] = {}
        self._conditions = dict(c.conditions)
        hubs: set[str] = set()
        keys = [f.when for f in self.factors if f.when is not None]
        keys += [k for b in c.branches for k in b.keys]
        for key in keys:
            hubs.update(self._when_test(key))
        self.hubs = tuple(sorted(hubs, key=self.facts.index))
        #: per branch: how many members may apply ("one": exactly 1), and their tests
        self.branches = tuple((b.exactly, tuple(self.when_tests.get(k) or _fact_is(k)
                                                for k in b.keys)) for b in c.branches)
        #: per `when` fact: its values grouped into classes that every `when` test reads
        #: alike (a fact read through a derived fact: each value a class of its own), each
        #: class by its first value; the search enumerates the classes
        self.hub_sets: dict[str, dict[Any, frozenset[Any]]] = {
            h: self._classes(h, candidates(vocabulary()[h], cuts(c, h))[0])
            for h in self.hubs}
        self.hub_values = tuple(tuple(self.hub_sets[h]) for h in self.hubs)
        #: the consistency checks on facts all read here: combinations they refuse are left
        #: out (a check about whether a fact is given does not apply to a search)
        self.checks = tuple(ch for ch in CHECKS if not ch.unless and ch.needs <= set(self.facts))
        self.variables = _link(self.facts, [f.facts for f in self.factors]
                               + [a.reads for a in self.atoms if a.reads]
                               + [tuple(sorted(ch.needs)) for ch in self.checks])
        #: facts derived facts read that are sampled, not enumerated: not proven exact
        self.sampled_inputs = {x for reads, _ in self.derived.values() for x in
                               self.inputs_of(reads)[0] if not candidates(
                                   vocabulary()[x], set())[1]}
        self._var_index = {f: k for k, v in enumerate(self.variables) for f in v}
        self._vars: dict[int, Var] = {}
        #: False when a `within` group's facts are linked to others by a rule: it is then
        #: searched fact by fact, without its budget, and nothing is proven
        self.budgets_exact = True
        #: derived facts are searched as free facts within their bounds when one of the
        #: facts they read is sampled at cuts (a money amount): not proven exact then
        self.derived_free = bool(self.sampled_inputs)
        self.within = tuple(self._within_groups())
        self.option_cache: dict[tuple[Any, ...], list[tuple[Vec, dict[str, Any]]]] = {}
        self.within_cache: dict[tuple[Any, ...], tuple[
            tuple[int, ...], list[tuple[Vec, dict[str, Any]]], bool]] = {}

    # conditions -------------------------------------------------------------------------

    def _when_test(self, key: str) -> tuple[str, ...]:
        """Register the test of a `when` key (a true/false fact, derived or given, or a
        condition `when:<id>`) on the `when` facts; the given facts it reads."""
        if key not in self.derived and key not in self._conditions:
            return (key,)
        node = self._conditions.get(key)
        inputs, derive = self.inputs_of(facts_read(node) if node is not None else (key,))
        test = record_test(node) if node is not None else None

        def holds(hub: Mapping[str, Any]) -> bool:
            env = derive(*[hub[x] for x in inputs])
            return bool(test(env, {}) if test is not None else env[key])
        self.when_tests[key] = holds
        return inputs

    def _classes(self, fact: str, values: list[Any]) -> dict[Any, frozenset[Any]]:
        """`values` of a `when` fact grouped by what the `when` tests see of them."""
        through_derived = any(fact in self.inputs_of((d,))[0] for d in self.derived)
        tests: list[Callable[[Any], bool]] = []
        for node in self._conditions.values():
            for t in walk(node):
                if isinstance(t, FactTest) and t.fact == fact:
                    test = record_test(t)
                    tests.append(lambda v, t=test: bool(t({fact: v}, {})))  # type: ignore[misc]
        out: dict[tuple[Any, ...], list[Any]] = {}
        for v in values:
            key = (v,) if through_derived or not tests else (
                tuple(t(v) for t in tests) if self._only_tested(fact) else (v,))
            out.setdefault(key, []).append(v)
        return {vs[0]: frozenset(vs) for vs in out.values()}

    def _only_tested(self, fact: str) -> bool:
        """Whether `when`s read `fact` only through comparisons (not as a named flag)."""
        return not any(f.when == fact for f in self.factors) and not any(
            fact in b.keys for b in self.c.branches)

    def branches_hold(self, hub: Mapping[str, Any]) -> bool:
        """Whether the `when` facts at `hub` apply exactly one member of each branch (at
        most one for `at_most_one`): other applicants are refused, never scored."""
        for exactly, tests in self.branches:
            n = sum(1 for t in tests if t(hub))
            if n > 1 or (n == 0 and exactly == "one"):
                return False
        return True

    def inputs_of(self, reads: tuple[str, ...]) -> tuple[tuple[str, ...],
                                                        Callable[..., dict[str, Any]]]:
        """The given facts behind `reads` (derived facts replaced by what they read, in
        `facts` order) and a function of their values giving every value `reads` needs."""
        inputs: set[str] = set()
        needed: set[str] = set()
        stack = list(reads)
        while stack:
            x = stack.pop()
            if x in self.derived:
                if x not in needed:
                    needed.add(x)
                    stack += self.derived[x][0]
            else:
                inputs.add(x)
        order = tuple(sorted(inputs, key=self._order))
        steps = [(n, fn) for n, (_, fn) in self.derived.items() if n in needed]

        def derive(*values: Any) -> dict[str, Any]:
            env = dict(zip(order, values, strict=True))
            for n, fn in steps:
                env[n] = fn(env)
            return env
        return order, derive

    def _order(self, name: str) -> int:
        return self.facts.index(name) if name in self.facts else len(self.facts)

    def _through_derived(self, f: FactorNode) -> FactorNode:
        """`f` as a rule of given facts: a derived fact it reads replaced by its inputs."""
        if not any(x in self.derived for x in f.facts):
            return f
        inputs, derive = self.inputs_of(f.facts)
        reads, fn = f.facts, f.fn

        def through(*values: Any) -> tuple[int, bool]:
            env = derive(*values)
            return fn(*[env[x] for x in reads])
        return attrs.evolve(f, facts=inputs, fn=through, fact=inputs[0])

    def _register(self, t: CondNode) -> None:
        test = record_test(t)
        if isinstance(t, FactTest) and t.fact in self.derived:
            inputs, derive = self.inputs_of((t.fact,))
            name = t.fact
            atom = Atom("fact", inputs[0], t.op, t.value,
                        lambda *v: test(derive(*v), {}), reads=inputs)
        elif isinstance(t, FactTest):
            name = t.fact
            atom = Atom("fact", name, t.op, t.value, lambda v: test({name: v}, {}))
        else:
            assert not isinstance(t, AllNode | AnyNode | NotNode)
            key = t.score
            atom = Atom("score", key, t.op, t.value, lambda x: test({}, {key: x}))
        self._atom_of[id(t)] = len(self.atoms)
        self.atoms.append(atom)

    def dnf(self, node: CondNode, neg: bool = False) -> list[Term]:
        """`node` (or its negation) as a disjunction of conjunctions of literals."""
        if isinstance(node, NotNode):
            return self.dnf(node.item, not neg)
        if isinstance(node, AllNode | AnyNode):
            subs = [self.dnf(x, neg) for x in node.items]
            conj = isinstance(node, AllNode) != neg
            return conjoin(subs) if conj else [t for s in subs for t in s]
        return [((self._atom_of[id(node)], neg),)]

    def gate_terms(self, gate_ids: tuple[str, ...]) -> list[Term]:
        return conjoin([self.dnf(self.c.gates[g].condition) for g in gate_ids])

    # variables --------------------------------------------------------------------------

    def var_index(self, fact: str) -> int:
        return self._var_index[fact]

    def var(self, fact: str) -> Var:
        """The variable holding `fact`, its outcomes computed once."""
        k = self._var_index[fact]
        if k not in self._vars:
            self._vars[k] = self._build(self.variables[k])
        return self._vars[k]

    def _build(self, facts: tuple[str, ...]) -> Var:
        factors = tuple(i for i, f in enumerate(self.factors) if f.facts[0] in facts)
        atoms = tuple(i for i, a in enumerate(self.atoms) if a.kind == "fact" and a.name in facts)
        per: list[list[Any]] = []
        complete: list[bool] = []
        for x in facts:
            vals, full = candidates(vocabulary()[x], cuts(self.c, x))
            per.append(vals)
            complete.append(full)
        exact = math.prod(len(p) for p in per) <= PRODUCT_LIMIT
        values = tuple(itertools.islice(itertools.product(*per), PRODUCT_LIMIT))
        checks = [ch for ch in self.checks if ch.needs <= set(facts)]
        if checks:
            values = tuple(v for v in values if not any(
                ch.test(dict(zip(facts, v, strict=True))) for ch in checks))
        reads = [(self.factors[i].fn, tuple(facts.index(x) for x in self.factors[i].facts))
                 for i in factors]
        tests = [(self.atoms[a].test, tuple(facts.index(x) for x in self.atoms[a].facts))
                 for a in atoms]
        sigs: list[Sig] = []
        for v in values:
            ticks, hits = [], []
            for fn, where in reads:
                t, h = fn(*[v[p] for p in where])
                ticks.append(t)
                hits.append(h)
            sigs.append((tuple(ticks), tuple(hits),
                         tuple(test(*[v[p] for p in ps]) for test, ps in tests)))
        var = Var(facts=facts, factors=factors, atoms=atoms, values=values, sigs=tuple(sigs),
                  exact=exact, distinct=())
        for x, full in zip(facts, complete, strict=True):
            if x in self.sampled_inputs:  # cut where the rule cuts its derived fact: unknown
                exact = False
            if exact and not full:  # sampled at the cuts: enough if no piece pulls two ways
                exact = all(monotone_pieces([var.sigs[i] for i in line]) for line in var.lines(x))
        distinct: dict[tuple[Vec, tuple[bool, ...]], tuple[Any, ...]] = {}
        for v, (ticks_, _hits, truths_) in zip(values, sigs, strict=True):
            distinct.setdefault((ticks_, truths_), v)
        return attrs.evolve(var, exact=exact,
                            distinct=tuple((t, tr, v) for (t, tr), v in distinct.items()))

    def applies(self, i: int, purpose: str | None) -> bool:
        f = self.factors[i]
        return f.purposes is None or purpose in f.purposes

    def when_holds(self, i: int, hub: Mapping[str, Any]) -> bool:
        """Whether the `i`-th factor's `when` holds with the `when` facts at `hub`."""
        w = self.factors[i].when
        if w is None:
            return True
        test = self.when_tests.get(w)
        return bool(hub[w]) if test is None else test(hub)

    def signature(self, fact: str, value: Any, facts: Mapping[str, Any]) -> tuple[Any, ...]:
        """What `fact` at `value` gives, the other facts as in `facts`: the points of every
        rule reading it and the truth of every comparison on it."""
        at = {**facts, fact: value}
        ticks = tuple(f.fn(*[at[x] for x in f.facts])[0] for f in self.factors if fact in f.facts)
        truths = tuple(a.test(*[at[x] for x in a.facts]) for a in self.atoms
                       if a.kind == "fact" and fact in a.facts)
        return ticks, truths

    # within -----------------------------------------------------------------------------

    def _within_groups(self) -> Iterator[Within]:
        seen: Counter[str] = Counter()
        for b in self.c.budgets:
            seen.update({b.fact, *(f.fact for f in b.members)})
        shared_facts = {f for f, n in seen.items() if n > 1}  # in two groups: not separable
        for b in self.c.budgets:
            facts = tuple(f.fact for f in b.members)
            if any(x not in self._var_index or len(self.variables[self._var_index[x]]) > 1
                   for x in (b.fact, *facts)):
                self.budgets_exact = False
                continue
            readers = [f for f in self.factors if set(f.facts) & set(facts) and f.group != b.group]
            on_members = [a for a in self.atoms if a.kind == "fact" and a.name in facts]
            rising = all(self.var(f.fact).rising(self.var(f.fact).factors.index(self.index[f.id]),
                                                 f.fact) for f in b.members)
            exact = (rising and not readers and not on_members and len(set(facts)) == len(facts)
                     and b.fact not in facts and not set(facts) & set(self.hubs)
                     and b.fact not in self.hubs and not {b.fact, *facts} & shared_facts)
            yield Within(group=b.group, shared=b.fact, member_facts=facts, exact=exact)

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


def _fact_is(name: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda hub: bool(hub[name])


def _link(facts: tuple[str, ...], links: list[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """The facts grouped into variables: union-find over the facts each rule (and each
    comparison of a derived fact) reads."""
    parent = {f: f for f in facts}

    def root(f: str) -> str:
        while parent[f] != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    for read in links:
        for x in read[1:]:
            a, b = root(read[0]), root(x)
            if a != b:
                parent[b] = a
    groups: dict[str, list[str]] = {}
    for f in facts:  # `facts` is in vocabulary() order, so each variable is too
        groups.setdefault(root(f), []).append(f)
    return tuple(tuple(g) for g in groups.values())


def conjoin(parts: list[list[Term]]) -> list[Term]:
    """The conjunction of disjunctions, as one disjunction (limited to 4096 terms)."""
    out: list[Term] = [()]
    for p in parts:
        out = [a + b for a in out for b in p][:4096]
    return out
