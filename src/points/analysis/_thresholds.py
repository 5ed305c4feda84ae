"""The values of each fact worth examining: the cuts the schedule makes in it, and its
candidate values. `thresholds` lists them for `points.testing`."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from ..compiled import CompiledSchedule, FactTest, compile_schedule, walk
from ..facts import MULTIPLES, fact_step, fact_value, vocabulary, vocabulary_scope
from ..schedule.loader import load_schedule
from ..schedule.model import Schedule

__all__ = ["cuts", "fact_order", "load",
           "monotone_pieces", "read_facts", "scoped", "thresholds"]



def load(schedule: Schedule | str) -> Schedule:
    return schedule if isinstance(schedule, Schedule) else load_schedule(schedule)


_F = TypeVar("_F", bound=Callable[..., Any])


def scoped(at: int) -> Callable[[_F], _F]:
    """Run the analysis with the vocabulary of its schedule (positional argument `at`, or
    keyword `schedule`) in scope: the facts it declares and derives are then known."""
    def wrap(fn: _F) -> _F:
        @functools.wraps(fn)
        def run(*args: Any, **kw: Any) -> Any:
            ref = args[at] if len(args) > at else kw["schedule"]
            s = load(ref)
            with vocabulary_scope(s.vocabulary):
                if len(args) > at:
                    args = (*args[:at], s, *args[at + 1:])
                else:
                    kw["schedule"] = s
                return fn(*args, **kw)
        return run  # type: ignore[return-value]
    return wrap


def fact_order(name: str) -> int:
    return list(vocabulary()).index(name)


def read_facts(c: CompiledSchedule) -> tuple[str, ...]:
    """The facts the total, the gates and the budgets read, in `FACTS` order."""
    return tuple(sorted(c.scored_facts, key=fact_order))


def compared(values: Any) -> list[Any]:
    """The values of one comparison (`in` compares with several)."""
    return list(values) if isinstance(values, list | tuple | set | frozenset) else [values]


def gate_cuts(c: CompiledSchedule, fact: str) -> set[Any]:
    """The values every gate and `when` condition compares `fact` with (`("+", v)`: just
    above `v`)."""
    out: set[Any] = set()
    nodes = [g.condition for g in c.gates.values()] + [n for _, n in c.conditions]
    for node in nodes:
        for t in walk(node):
            if not isinstance(t, FactTest) or t.fact != fact:
                continue
            for v in compared(t.value):
                if isinstance(v, int | Decimal) and not isinstance(v, bool):
                    out.add(v)
                    if t.op in ("gt", "le", "eq", "ne", "in"):
                        out.add(("+", v))
    return out


def cuts(c: CompiledSchedule, fact: str) -> set[Any]:
    """Every value of `fact` at which the schedule's behaviour may change (in the fact's
    type): the rule kinds' own cuts (`RuleKind.cuts`) and the gates' comparisons."""
    info = vocabulary()[fact]
    if info.kind not in ("int", "decimal", "fraction"):
        return set()
    step = fact_step(info)
    raw: set[Any] = set()
    for f in (*c.factors, *c.deductions):
        if fact in f.facts:
            raw |= f.cuts(MULTIPLES).get(fact, set())
    out: set[Any] = set()
    for v in raw | gate_cuts(c, fact):
        if isinstance(v, tuple):  # just above a compared value
            x = fact_value(info, v[1])
            out.add(x + step if x == v[1] else x)
        else:
            out.add(fact_value(info, v))
    return out


Sig = tuple[tuple[int, ...], tuple[bool, ...], tuple[bool, ...]]


def monotone_pieces(sigs: Sequence[Sig]) -> bool:
    """True when, between consecutive sampled values, no two factors move in opposite ways.

    A fact not examined value by value is examined at both sides of every cut; between
    cuts each rule is monotone, so the sampled ends are the extremes unless two rules on
    the fact pull in opposite directions inside one piece.
    """
    for (a, _, _), (b, _, _) in itertools.pairwise(sigs):
        ups = {(y > x) - (y < x) for x, y in zip(a, b, strict=True)} - {0}
        if len(ups) > 1:
            return False
    return True


@scoped(0)
def thresholds(schedule: Schedule | str) -> dict[str, list[Any]]:
    """For each fact the schedule reads, values on both sides of every cut it makes.

    Cuts are band edges, per-unit multiples (up to the cap), starts, vesting points and the
    values gates compare the fact with; each comes with the values one step below and above.
    Bounds of the fact are included; level facts list every level, true/false facts both.
    """
    c = compile_schedule(load(schedule))
    out: dict[str, list[Any]] = {}
    for fact in read_facts(c):
        info = vocabulary()[fact]
        if info.kind == "bool":
            out[fact] = [False, True]
            continue
        if info.kind == "level":
            out[fact] = list(info.levels)
            continue
        step = fact_step(info)
        lo, hi = fact_value(info, info.minimum), fact_value(info, info.maximum)
        vals = {lo, hi}
        for x in cuts(c, fact):
            vals |= {v for v in (x - step, x, x + step) if lo <= v <= hi}
        out[fact] = sorted(vals)
    return out
