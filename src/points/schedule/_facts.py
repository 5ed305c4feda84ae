"""A schedule's vocabulary: the standard facts, the facts it declares, its derived facts.

`build_vocabulary` checks the `[facts]` tables against the standard vocabulary (a schedule may
not redefine a standard fact) and returns every fact the schedule may read, with the problems
found, each at its key path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from .._vocab import FactInfo, expr_type, fact_info, near_miss
from ..expression import Expr, ExpressionError, parse_expression
from ..facts import FACTS, LEVELS, VOCABULARY, standard_levels

if TYPE_CHECKING:
    from .model import Schedule

__all__ = ["build_vocabulary", "derived_info"]

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
    if not problems:
        problems += _derived(s, vocab, where)
    return vocab, problems


_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _derived(s: Schedule, vocab: dict[str, FactInfo], where: str) -> list[Problem]:
    """Parse the derived facts in the order they read each other (a cycle is refused) and
    add each to `vocab` with the kind and bounds its expression gives."""
    todo = {n: d for n, d in s.facts.items() if d.expr is not None}
    reads = {n: [m for m in _NAME.findall(d.expr or "") if m in todo] for n, d in todo.items()}
    problems: list[Problem] = []
    state: dict[str, int] = {}  # 1: being parsed, 2: done

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        path: tuple[str | int, ...] = ("facts", name, "expr")
        if state.get(name) == 1:
            cycle = (*chain[chain.index(name):], name)
            problems.append((path, "derived facts read each other in a cycle ("
                             + " → ".join(cycle) + ")", todo[name].expr))
            return
        state[name] = 1
        for m in reads[name]:
            visit(m, (*chain, name))
        state[name] = 2
        if any(p[0][:2] == ("facts", m) for m in reads[name] for p in problems):
            return
        names = {k: t for k, i in vocab.items() if (t := expr_type(i)) is not None}
        text = todo[name].expr or ""
        try:
            expr = parse_expression(text, names)
        except ExpressionError as exc:
            problems.append((path, f"{exc.message} (at character {exc.position + 1})", text))
            return
        unit = todo[name].unit
        if unit is not None and expr.type.kind != "number":
            problems.append((("facts", name, "unit"), "a unit is for a derived number, not "
                             f"a {'true/false' if expr.type.kind == 'bool' else 'level'}",
                             unit))
            return
        vocab[name] = derived_info(name, todo[name].label.zh, todo[name].label.en, expr,
                                   where, todo[name].section, unit)

    for name in todo:
        visit(name, ())
    return problems


def derived_info(name: str, zh: str, en: str, expr: Expr, where: str,
                 section: str | None, unit: str | None = None) -> FactInfo:
    """The `FactInfo` of a derived fact: its kind and bounds from its expression (`unit`:
    the declared unit of a number, words only)."""
    t = expr.type
    kind: Any = {"bool": "bool", "level": "level"}.get(t.kind)
    lo: Any = None
    hi: Any = None
    if t.kind == "number":
        kind = "int" if t.places == 0 else "decimal"
        assert t.lo is not None and t.hi is not None
        if t.places == 0:
            lo, hi = math.floor(t.lo), math.ceil(t.hi)
        else:
            lo = Decimal(t.lo.numerator) / Decimal(t.lo.denominator)
            hi = Decimal(t.hi.numerator) / Decimal(t.hi.denominator)
    return FactInfo(name=name, kind=kind, zh=zh, en=en, minimum=lo, maximum=hi,
                    levels=t.levels, places=t.places, optional=t.optional,
                    aliases=dict(t.aliases), declaration=where, expr=expr.text,
                    section=section, parsed=expr, unit=unit)


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
