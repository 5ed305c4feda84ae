"""The rule kinds: one module each, registered by name in `KINDS`.

See `_base.RuleKind` for what a kind provides. Importing this package registers every
bundled kind; `KINDS` maps the TOML name (`rule = "rate"`) to the kind's class.
"""

from __future__ import annotations

from ...facts import vocabulary
from . import bands, count, flag, flat_plus_rate, levels, rate, table
from ._base import (
    KINDS,
    Arith,
    Const,
    FactColumn,
    Problem,
    RuleFn,
    RuleKind,
    bound_source,
    compare_column,
    fact_step,
    fact_value,
    fine,
    register,
    round_div,
    to_ticks,
    whole,
)

__all__ = [
    "KINDS",
    "Arith",
    "Const",
    "FactColumn",
    "Problem",
    "RuleFn",
    "RuleKind",
    "bound_source",
    "compare_column",
    "describe_rule",
    "fact_step",
    "fact_value",
    "fine",
    "kind_of",
    "register",
    "round_div",
    "to_ticks",
    "whole",
]

del bands, count, flag, flat_plus_rate, levels, rate, table


def kind_of(spec: object) -> type[RuleKind]:
    """The kind of a validated factor or deduction spec."""
    return KINDS[spec.rule]  # type: ignore[attr-defined]


def describe_rule(spec: object, lang: str = "en") -> str:
    """A factor's rule in words, with its `when` clause when it names a fact (`"zh"` or
    `"en"`; the compiled form words a gate or a condition)."""
    text = kind_of(spec).describe(spec, lang)
    when = getattr(spec, "when", None)
    if isinstance(when, str) and when in vocabulary():
        w = vocabulary()[when]
        text += f"（须{w.zh}）" if lang == "zh" else f" (only if: {w.en})"
    return text
