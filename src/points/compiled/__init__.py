"""The compiled form of a schedule: what every engine and analysis reads.

`compile_schedule(schedule)` returns a `CompiledSchedule` of frozen nodes (factors with
their rule kind and function, the group tree in evaluation order, `within` budgets, gates
as condition nodes, tiers, what applies to each purpose). It is built once per schedule and
cached.
"""

from __future__ import annotations

from ._conditions import (
    AllNode,
    AnyNode,
    CondNode,
    FactTest,
    NotNode,
    ScoreTest,
    compile_condition,
    describe,
    facts_read,
    record_test,
    walk,
)
from ._form import (
    BranchNode,
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
    "BranchNode",
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
    "describe",
    "facts_read",
    "record_test",
    "walk",
]

