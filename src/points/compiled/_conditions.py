"""Conditions (gates) compiled once into frozen nodes, and their per-record tests.

A condition in the schedule is `all`/`any`/`not` over comparisons of a fact or a score with
a value. Compiling resolves each comparison once: the operator, the value in the fact's own
terms (a level's rank, a score in ticks), so that the per-record test, the column
expression (`points.engines`) and the words all read the same node.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from .._explain import fact_label, fact_text
from ..facts import vocabulary
from ..schedule.kinds import to_ticks
from ..schedule.model import AllOf, AnyOf, Condition, FactCondition, NotOf, ScoreCondition

__all__ = ["AllNode", "AnyNode", "CondNode", "FactTest", "NotNode", "ScoreTest",
           "compile_condition", "describe", "facts_read", "record_test", "walk"]

Facts = Mapping[str, Any]
Scores = Mapping[str, int]
Test = Callable[[Facts, Scores], bool]

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "eq": operator.eq, "ne": operator.ne,
}
_OP_TEXT = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠", "in": "in"}


@attrs.frozen
class FactTest:
    """`fact <op> value`. `kind` is the fact's kind; for an ordered comparison of a level,
    `rank` is the value's index among the fact's levels."""

    fact: str
    op: str
    value: Any
    kind: str
    rank: int | None = None


@attrs.frozen
class ScoreTest:
    """`score <op> value`, the value in ticks (a frozenset of ticks for `in`)."""

    score: str
    op: str
    value: Any
    ticks: int | frozenset[int]


@attrs.frozen
class AllNode:
    """True when every item is."""

    items: tuple[CondNode, ...]


@attrs.frozen
class AnyNode:
    """True when at least one item is."""

    items: tuple[CondNode, ...]


@attrs.frozen
class NotNode:
    """True when the item is false."""

    item: CondNode


CondNode = FactTest | ScoreTest | AllNode | AnyNode | NotNode


def compile_condition(c: Condition, scale: int) -> CondNode:
    """The node of a validated condition (the loader checked facts and values)."""
    if isinstance(c, AllOf):
        return AllNode(tuple(compile_condition(x, scale) for x in c.all))
    if isinstance(c, AnyOf):
        return AnyNode(tuple(compile_condition(x, scale) for x in c.any))
    if isinstance(c, NotOf):
        return NotNode(compile_condition(c.not_, scale))
    op, value = c.comparison()
    if isinstance(c, ScoreCondition):
        ticks: int | frozenset[int] = (
            frozenset(to_ticks(Decimal(v), scale) for v in value) if op == "in"
            else to_ticks(Decimal(value), scale))
        return ScoreTest(c.score, op, value, ticks)
    assert isinstance(c, FactCondition)
    info = vocabulary()[c.fact]
    rank = None
    if info.kind == "level" and op in ("lt", "le", "gt", "ge"):
        rank = info.levels.index(value)
    return FactTest(c.fact, op, value, info.kind, rank)


def walk(node: CondNode) -> Iterator[FactTest | ScoreTest]:
    """Every comparison in `node`, in order."""
    if isinstance(node, AllNode | AnyNode):
        for x in node.items:
            yield from walk(x)
    elif isinstance(node, NotNode):
        yield from walk(node.item)
    else:
        yield node


def facts_read(node: CondNode) -> tuple[str, ...]:
    """The facts a condition reads, in order of appearance (repeats kept)."""
    return tuple(t.fact for t in walk(node) if isinstance(t, FactTest))


def record_test(node: CondNode) -> Test:
    """The condition as a function of one applicant's facts and scores (ticks)."""
    if isinstance(node, AllNode):
        subs = [record_test(x) for x in node.items]
        return lambda f, s: all(t(f, s) for t in subs)
    if isinstance(node, AnyNode):
        subs = [record_test(x) for x in node.items]
        return lambda f, s: any(t(f, s) for t in subs)
    if isinstance(node, NotNode):
        sub = record_test(node.item)
        return lambda f, s: not sub(f, s)
    if isinstance(node, ScoreTest):
        key, target = node.score, node.ticks
        if node.op == "in":
            return lambda f, s: s[key] in target  # type: ignore[operator]
        cmp = OPS[node.op]
        return lambda f, s: cmp(s[key], target)
    name, op, value = node.fact, node.op, node.value
    if node.rank is not None:
        rank = {lv: i for i, lv in enumerate(vocabulary()[name].levels)}
        target_rank = node.rank
        cmp = OPS[op]
        return lambda f, s: f[name] is not None and cmp(rank[f[name]], target_rank)
    if op == "in":
        options = set(value)
        return lambda f, s: f[name] in options
    cmp = OPS[op]
    if node.kind in ("int", "decimal", "fraction"):
        return lambda f, s: f[name] is not None and cmp(f[name], value)
    return lambda f, s: cmp(f[name], value)


def describe(node: CondNode, lang: str = "en", scores: Mapping[str, str] | None = None) -> str:
    """A condition in words: `age ≤ 45 years` / `年龄 ≤ 45岁`, `all of (…)` / `同时满足（…）`.

    `scores` names the factors and groups a score condition reads (their Chinese labels).
    """
    zh = lang == "zh"
    if isinstance(node, AllNode | AnyNode):
        inner = ("；" if zh else "; ").join(describe(x, lang, scores) for x in node.items)
        if zh:
            return ("同时满足（" if isinstance(node, AllNode) else "满足其一（") + inner + "）"
        return ("all of (" if isinstance(node, AllNode) else "any of (") + inner + ")"
    if isinstance(node, NotNode):
        inner = describe(node.item, lang, scores)
        return f"不满足（{inner}）" if zh else f"not ({inner})"
    if isinstance(node, FactTest):
        name, fact = fact_label(node.fact, lang), node.fact
    else:
        fact = ""  # a score has no unit
        if zh:
            name = "总分" if node.score == "total" else \
                f"{(scores or {}).get(node.score, node.score)}得分"
        else:
            name = f"score {node.score}"
    if node.op == "in":
        sep = "、" if zh else ", "
        shown = "{" + sep.join(fact_text(fact, v, lang) for v in node.value) + "}"
        return f"{name}属于{shown}" if zh else f"{name} in {shown}"
    return f"{name} {_OP_TEXT[node.op]} {fact_text(fact, node.value, lang)}"
