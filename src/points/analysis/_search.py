"""The search: the best (or any) applicant satisfying a condition, over a `Space`.

For each assignment of the `when` facts, every variable is reduced to the outcomes that
satisfy the term's literals on its facts, Pareto-reduced towards the objective; `within`
clusters are reduced as one variable; the product of what is left is tried in full (up to
`PRODUCT_LIMIT` combinations), the scores evaluated through groups, caps and the floor.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal

import attrs

from ._space import PRODUCT_LIMIT, Lit, Space, Term, Vec, Within

__all__ = ["HUB_LIMIT", "Best", "search"]

#: Most combinations of the values of the `when` facts enumerated (12 true/false facts).
HUB_LIMIT = 4096
#: A fact left free in a variable (not held at a `when` value).
FREE = object()
_DIRECTION = {"ge": 1, "gt": 1, "le": -1, "lt": -1}

Option = tuple[Vec, dict[str, Any]]


@attrs.frozen
class Best:
    value: int | None  # ticks of the objective (or of the total when only feasibility asked)
    facts: dict[str, Any]
    exact: bool


def search(space: Space, purpose: str | None, terms: Sequence[Term],
           objective: Literal["max", "min"] | None) -> Best:
    """The best (or any, without objective) applicant satisfying one of `terms`."""
    best: Best | None = None
    exact = space.budgets_exact and not space.derived_free
    sense = {"max": 1, "min": -1, None: 0}[objective]
    for term in terms:
        for found in _search_term(space, purpose, term, sense):
            exact = exact and found.exact
            if found.value is None:
                continue
            if best is None or sense * found.value > sense * (best.value or 0):
                best = found
            if sense == 0:
                # a witness is proof (unless a budget was left out of the search)
                return Best(best.value, best.facts,
                            space.budgets_exact and not space.derived_free)
    if best is None:
        return Best(None, {}, exact)
    return Best(best.value, best.facts, exact)


def _search_term(space: Space, purpose: str | None, term: Term, sense: int) -> Iterator[Best]:
    lits: dict[str, list[Lit]] = {}
    score_lits: list[Lit] = []
    for lit in term:
        a = space.atoms[lit[0]]
        if a.kind == "fact":
            lits.setdefault(a.name, []).append(lit)
        else:
            score_lits.append(lit)
    dirs = {(-1 if neg else 1) * _DIRECTION.get(space.atoms[i].op, 0) for i, neg in score_lits}
    if sense == 0:
        reduce = dirs.pop() if len(dirs) == 1 else (1 if not dirs else 0)
    else:
        reduce = sense if dirs <= {sense} else 0
    hubs = space.hubs
    hub_exact = math.prod(len(v) for v in space.hub_values) <= HUB_LIMIT
    assignments: Iterable[tuple[Any, ...]] = itertools.product(*space.hub_values)
    if not hub_exact:
        assignments = itertools.islice(assignments, HUB_LIMIT)
    for assignment in assignments:
        hub = dict(zip(hubs, assignment, strict=True))
        if space.branches and not space.branches_hold(hub):
            continue  # an applicant in no branch, or in two, is refused: no score to find
        yield _search_hubs(space, purpose, hub, lits, score_lits, sense, reduce, hub_exact)


def _options(space: Space, fact: str, mask: tuple[bool, ...], fixed: tuple[Any, ...],
             want: tuple[Lit, ...], reduce: int) -> list[Option]:
    """The outcomes of `fact`'s variable that satisfy `want`, with the `when` facts in it
    among their `fixed` values (a set of values a `when` test reads alike; `FREE`: free),
    Pareto-reduced (cached)."""
    var = space.var(fact)
    key = (space.var_index(fact), mask, fixed, want, reduce)
    if key in space.option_cache:
        return space.option_cache[key]
    pos = {a: k for k, a in enumerate(var.atoms)}
    outcomes: Iterable[tuple[Vec, tuple[bool, ...], tuple[Any, ...]]] = var.distinct
    if any(x is not FREE for x in fixed):
        outcomes = [(sig[0], sig[2], v) for v, sig in zip(var.values, var.sigs, strict=True)
                    if all(x is FREE or y in x for x, y in zip(fixed, v, strict=True))]
    options: dict[Vec, dict[str, Any]] = {}
    for ticks, truths, v in outcomes:
        if all(truths[pos[i]] != neg for i, neg in want):
            vec = tuple(t if m else 0 for t, m in zip(ticks, mask, strict=True))
            options.setdefault(vec, var.assignment(v))
    opts = list(options.items())
    if reduce and len(opts) > 1:
        opts = front(opts, reduce)
    space.option_cache[key] = opts
    return opts


def _search_hubs(space: Space, purpose: str | None, hub: dict[str, Any],
                 lits: dict[str, list[Lit]], score_lits: list[Lit], sense: int, reduce: int,
                 exact: bool) -> Best:
    fixed: dict[str, int] = {f.id: 0 for f in space.factors}
    facts: dict[str, Any] = {}
    # one entry per variable: (factor indices, options of (points, facts))
    varying: list[tuple[tuple[int, ...], list[Option]]] = []

    def active(i: int) -> bool:
        f = space.factors[i]
        return space.applies(i, purpose) and (f.when is None or space.when_holds(i, hub))

    def add(idx: tuple[int, ...], opts: list[Option]) -> None:
        if len(opts) == 1:
            (vec, chosen), = opts
            facts.update(chosen)
            for t, i in zip(vec, idx, strict=True):
                fixed[space.factors[i].id] = t
        else:
            varying.append((idx, opts))

    in_clusters = {f for w in space.within for f in w.facts}
    for names in space.variables:
        if names[0] in in_clusters:
            continue
        var = space.var(names[0])
        exact = exact and var.exact
        mask = tuple(active(i) for i in var.factors)
        want = tuple(lit for x in names for lit in lits.get(x, ()))
        held: tuple[Any, ...] = tuple(space.hub_sets[x][hub[x]] if x in hub else FREE
                                      for x in names)
        opts = _options(space, names[0], mask, held, want, reduce)
        if not opts:
            return Best(None, {}, exact)
        add(var.factors, opts)
    for w in space.within:
        idx, wopts, w_exact = _within_options(space, w, active, lits, reduce)
        exact = exact and w_exact
        if not wopts:
            return Best(None, {}, exact)
        add(idx, wopts)
    size = math.prod(len(o) for _, o in varying)
    combos: Iterable[tuple[Option, ...]]
    if size > PRODUCT_LIMIT:
        exact = False
        combos = _greedy([o for _, o in varying], sense or 1)
    else:
        combos = itertools.product(*(o for _, o in varying))
    best: Best | None = None
    for combo in combos:
        ticks = dict(fixed)
        for (idx, _), (vec, _) in zip(varying, combo, strict=True):
            for t, i in zip(vec, idx, strict=True):
                ticks[space.factors[i].id] = t
        s = space.evaluate(ticks)
        if not all(space.atoms[i].test(s[space.atoms[i].name]) != neg for i, neg in score_lits):
            continue
        total = s["total"]
        if best is None or sense * total > sense * (best.value or 0):
            chosen = dict(facts)
            for _, (_, more) in zip(varying, combo, strict=True):
                chosen.update(more)
            best = Best(total, chosen, exact)
            if sense == 0:
                break
    return best if best is not None else Best(None, {}, exact)


def _within_options(space: Space, w: Within, active: Callable[[int], bool],
                    lits: dict[str, list[Lit]], reduce: int,
                    ) -> tuple[tuple[int, ...], list[Option], bool]:
    """The outcomes of a `within` group: its shared fact and its members' facts together.

    Each member counts at most what is left of the shared fact, in order. For a maximum,
    the shared fact takes the top of each of its own regions (the largest budget) and
    each member the least value reaching each of its points levels; for a minimum, the
    bottom of each region and nothing for the members. Exact when the members' rules
    never fall as their fact grows and nothing else reads the members' facts.
    """
    tables = [space.var(f) for f in w.facts]
    idx = tuple(i for t in tables for i in t.factors)
    key = (w.group, tuple(active(i) for i in idx), tuple(lits.get(w.shared, ())),
           any(lits.get(f) for f in w.member_facts), reduce)
    if key not in space.within_cache:
        space.within_cache[key] = _within_search(space, w, active, lits, reduce)
    return space.within_cache[key]


def _within_search(space: Space, w: Within, active: Callable[[int], bool],
                   lits: dict[str, list[Lit]], reduce: int,
                   ) -> tuple[tuple[int, ...], list[Option], bool]:
    exact = w.exact and reduce != 0 and not any(lits.get(f) for f in w.member_facts)
    w_table = space.var(w.shared)  # every fact of a `within` group is a variable of its own
    exact = exact and w_table.exact
    mask = tuple(active(i) for i in w_table.factors)
    want = tuple(lits.get(w.shared, ()))
    pos = {a: k for k, a in enumerate(w_table.atoms)}
    m_tables = [space.var(f) for f in w.member_facts]
    idx = w_table.factors + tuple(i for t in m_tables for i in t.factors)
    # budgets: the ends of the shared fact's regions that satisfy the literals
    budgets: list[tuple[Any, Vec]] = []
    sigs = list(zip(w_table.values, w_table.sigs, strict=True))
    for k, ((v,), sig) in enumerate(sigs):
        first = k == 0 or sigs[k - 1][1] != sig
        last = k == len(sigs) - 1 or sigs[k + 1][1] != sig
        keep = (last if reduce > 0 else first) if reduce else (first or last)
        if keep and all(sig[2][pos[i]] != neg for i, neg in want):
            budgets.append((v, tuple(t if m else 0 for t, m in zip(sig[0], mask, strict=True))))
    # each member's useful values: the least value of each of its regions
    steps: list[list[Any]] = []
    for t in m_tables:
        starts = [v for k, (v,) in enumerate(t.values) if k == 0 or t.sigs[k - 1] != t.sigs[k]]
        live = any(active(i) for i in t.factors)
        steps.append(starts if reduce >= 0 and live else starts[:1])
    options: dict[Vec, dict[str, Any]] = {}
    count = 0
    for budget, wvec in budgets:
        for alloc in _allocations(steps, budget, greedy_last=reduce > 0 and exact):
            count += 1
            if count > PRODUCT_LIMIT:
                exact = False
                break
            vec = list(wvec)
            chosen = {w.shared: budget}
            for t, x, v in zip(m_tables, w.member_facts, alloc, strict=True):
                chosen[x] = v
                vec += [space.factors[i].fn(v)[0] if active(i) else 0 for i in t.factors]
            options.setdefault(tuple(vec), chosen)
    opts = list(options.items())
    if reduce and len(opts) > 1:
        opts = front(opts, reduce)
    return idx, opts, exact


def front(opts: list[Option], sense: int) -> list[Option]:
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
    keep: list[Option] = []
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


def _greedy(varying: list[list[Option]], sense: int) -> Iterator[tuple[Option, ...]]:
    """A few good combinations when there are too many to try them all."""
    ranked = [sorted(o, key=lambda x: -sense * sum(x[0])) for o in varying]
    yield tuple(r[0] for r in ranked)
    for k in range(len(ranked)):
        for alt in ranked[k][1:50]:
            yield tuple(alt if j == k else r[0] for j, r in enumerate(ranked))
