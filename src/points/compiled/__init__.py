"""The compiled form of a schedule: what every engine and analysis reads.

`compile_schedule(schedule)` returns a `CompiledSchedule` of frozen nodes (factors with
their rule kind and function, the group tree in evaluation order, `within` budgets, gates
as condition nodes, tiers, what applies to each purpose). It is built once per schedule and
cached.
"""

from __future__ import annotations

from ..schedule.model import Condition
from ._conditions import (
    AllNode,
    AnyNode,
    CondNode,
    FactTest,
    NotNode,
    ScoreTest,
    Test,
    compile_condition,
    describe,
    facts_read,
    record_test,
    walk,
)
from ._form import (
    Budget,
    CompiledSchedule,
    FactorNode,
    GateNode,
    GroupNode,
    PurposeNode,
    TierNode,
    compile_schedule,
)

__all__ = [
    "AllNode",
    "AnyNode",
    "Budget",
    "CompiledSchedule",
    "CondNode",
    "FactTest",
    "FactorNode",
    "GateNode",
    "GroupNode",
    "NotNode",
    "PurposeNode",
    "ScoreTest",
    "TierNode",
    "compile_condition",
    "compile_schedule",
    "condition_test",
    "describe",
    "facts_read",
    "record_test",
    "walk",
]


def condition_test(c: Condition, scale: int) -> Test:
    """A schedule condition as a per-record test of (facts, scores in ticks)."""
    return record_test(compile_condition(c, scale))
