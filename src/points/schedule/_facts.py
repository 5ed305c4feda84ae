"""A schedule's vocabulary: the standard facts, the facts it declares, its derived facts.

`build_vocabulary` checks the `[facts]` tables against the standard vocabulary (a schedule may
not redefine a standard fact) and returns every fact the schedule may read, with the problems
found, each at its key path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs

from .._vocab import FactInfo, fact_info, near_miss
from ..facts import FACTS, LEVELS, VOCABULARY, standard_levels

if TYPE_CHECKING:
    from .model import Schedule

__all__ = ["build_vocabulary"]

Problem = tuple[tuple[str | int, ...], str, Any]


def build_vocabulary(s: Schedule) -> tuple[dict[str, FactInfo], list[Problem]]:
    """Every fact `s` may read, in order (standard, then its own as declared), and the
    problems of its declarations."""
    vocab: dict[str, FactInfo] = dict(FACTS)
    problems = list(_required(s))
    where = f"schedule {s.id}"
    for name, decl in s.facts.items():
        path: tuple[str | int, ...] = ("facts", name)
        if name in VOCABULARY or name == "applicant_id":
            problems.append((path, "is a standard fact: a schedule may not redefine it "
                                   "(read it as it is, or declare a fact of another name)", name))
            continue
        if decl.expr is not None:
            problems.append(((*path, "expr"), "derived facts are not supported yet", decl.expr))
            continue
        if isinstance(decl.levels, str) and decl.levels not in LEVELS:
            problems.append(((*path, "levels"), "unknown level list (give the values, or "
                             f"one of {', '.join(LEVELS)}){near_miss(decl.levels, LEVELS)}",
                             decl.levels))
            continue
        vocab[name] = fact_info(name, decl, standard_levels(), declaration=where)
    for name in s.schedule.required_facts:
        if name in FACTS:
            vocab[name] = attrs.evolve(vocab[name], optional=False, required=True)
    return vocab, problems


def _required(s: Schedule) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, name in enumerate(s.schedule.required_facts):
        path: tuple[str | int, ...] = ("schedule", "required_facts", i)
        if name in seen:
            yield path, "is listed twice", name
        elif name not in FACTS:
            hint = (" (a schedule's own fact is required with `required = true` in its "
                    "declaration)" if name in s.facts else near_miss(name, FACTS))
            yield path, f"is not a standard fact{hint}", name
        seen.add(name)
