"""`points.testing.schedules()`: small random valid schedules, loaded through the real
loader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ._gen_base import _BOOL, _MONTHS, _SOURCED, _amounts, _condition, _label, _rule, _toml
from ._gen_constructs import (
    _REQUIRABLE,
    _branches,
    _construct_rule,
    _declared_facts,
    _fact_only_condition,
    _Facts,
    _when,
)
from .schedule.loader import loads_schedule, service_catalogue
from .schedule.model import Schedule

__all__ = ["schedules"]

@st.composite
def _schedule_doc(draw: st.DrawFn, max_factors: int, constructs: bool = False
                  ) -> dict[str, Any]:
    unit = Decimal(draw(st.sampled_from(["1", "0.1", "0.01"])))
    doc: dict[str, Any] = {"schedule": {
        "id": "generated/1", "place": "generated", "title": _label("generated"),
        "document": "generated", "effective_from": date(2020, 1, 1),
        "precision": format(unit, "f"),
        "rounding": draw(st.sampled_from(["half_up", "half_even", "down", "up"])),
    }}
    floor = draw(st.none() | st.just(Decimal(0)) | _amounts(unit, top=20, sign=-1))
    if floor is not None:
        doc["schedule"]["floor"] = floor
    facts = _Facts({}, {})
    when_gates: dict[str, dict[str, Any]] = {}
    if constructs:
        doc["facts"], own = draw(_declared_facts())
        if draw(st.integers(0, 2)) == 0:
            doc["schedule"]["required_facts"] = draw(st.lists(
                st.sampled_from(_REQUIRABLE), min_size=1, max_size=2, unique=True))
        for i in range(draw(st.integers(0, 2))):  # gates reading no score: `when` may name them
            when_gates[f"cond{i + 1}"] = {"label": _label(f"condition {i + 1}"),
                                          "condition": draw(_fact_only_condition(own)),
                                          **_SOURCED}
        facts = _Facts(own, {k: g["condition"] for k, g in when_gates.items()})

    groups: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(0, 3))):
        g: dict[str, Any] = {"label": _label(f"group {i + 1}"),
                             "combine": draw(st.sampled_from(["sum", "highest"]))}
        if (c := draw(st.none() | _amounts(unit))) is not None:
            g["cap"] = c
        parents = sorted(k for k, v in groups.items() if "within" not in v)
        if parents and bool(draw(st.booleans())):
            g["group"] = draw(st.sampled_from(parents))
        elif draw(st.integers(0, 3)) == 0:  # members share a number of months
            g["within"] = draw(st.sampled_from(_MONTHS))
        if constructs and draw(st.integers(0, 3)) == 0:
            g["when"] = draw(_when(facts))
        groups[f"g{i + 1}"] = {**g, **_SOURCED}
    factors: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(1, max_factors))):
        spec = draw(_construct_rule(facts, unit, 1) if constructs else _rule(unit, 1))
        if groups and bool(draw(st.booleans())):
            gid = draw(st.sampled_from(sorted(groups)))
            if "within" not in groups[gid] or spec.get("fact") in _MONTHS:
                spec["group"] = gid
        factors[f"f{i + 1}"] = {"label": _label(f"factor {i + 1}"), **spec, **_SOURCED}
    members = {f.get("group") for f in factors.values()} | {g.get("group") for g in
                                                             groups.values()}
    for gid, g in groups.items():
        if gid in members:
            continue
        fill: dict[str, Any] = {"rule": "flag", "fact": draw(st.sampled_from(_BOOL)),
                                "points": draw(_amounts(unit))}
        if "within" in g:
            fill = {"rule": "rate", "fact": draw(st.sampled_from(_MONTHS)),
                    "rate": draw(_amounts(unit)), "per": 12}
        factors[f"fill_{gid}"] = {"label": _label(f"member of {gid}"), **fill, "group": gid,
                                  **_SOURCED}
    branches = draw(_branches(facts, factors, groups)) if constructs else {}
    purposes = [f"p{i + 1}" for i in range(draw(st.integers(0, 2)))]
    deductions: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(0, 2))):
        spec = draw(_construct_rule(facts, unit, -1) if constructs else _rule(unit, -1))
        if purposes and bool(draw(st.booleans())):
            spec["purposes"] = draw(st.lists(st.sampled_from(purposes), min_size=1,
                                             unique=True))
        deductions[f"d{i + 1}"] = {"label": _label(f"deduction {i + 1}"), **spec, **_SOURCED}
    scores = ["total", *factors, *groups, *deductions]
    gates: dict[str, dict[str, Any]] = dict(when_gates)
    safe: list[str] = list(when_gates)  # facts only: they do not move with the score
    for i in range(draw(st.integers(0, 3))):
        is_safe = draw(st.booleans())
        gid = f"gate{i + 1}"
        gates[gid] = {"label": _label(f"gate {i + 1}"),
                      "condition": draw(_condition(scores, unit, is_safe,
                                                   own=facts.own or None)),
                      "veto": draw(st.booleans()), **_SOURCED}
        if is_safe:
            safe.append(gid)
    gate_list = st.lists(st.sampled_from(safe), unique=True, max_size=2) if safe \
        else st.just([])
    purpose_docs = {p: {"label": _label(f"purpose {p}"), "gates": draw(gate_list), **_SOURCED}
                    for p in purposes}
    if purposes and bool(draw(st.booleans())):
        doc["schedule"]["default_purpose"] = draw(st.sampled_from(purposes))
    services = sorted(service_catalogue())
    tiers = []
    threshold = Decimal(0)
    for i in range(draw(st.integers(0, 3))):
        tier: dict[str, Any] = {"id": f"t{i + 1}", "label": _label(f"tier {i + 1}")}
        threshold += draw(_amounts(unit, top=30))
        tier_gates = draw(gate_list)
        if i > 0 or draw(st.booleans()):
            tier["min_score"] = threshold
        if tier_gates:
            tier["gates"] = tier_gates
        if i > 0 and "min_score" not in tier and not tier_gates:
            tier["min_score"] = threshold
        if purposes and bool(draw(st.booleans())):
            tier["purposes"] = draw(st.lists(st.sampled_from(purposes), min_size=1,
                                             unique=True))
        tier["services"] = draw(st.lists(st.sampled_from(services), min_size=1, max_size=2,
                                         unique=True))
        tiers.append({**tier, **_SOURCED})
    doc.update(groups=groups, factors=factors, branches=branches, deductions=deductions,
               gates=gates, purposes=purpose_docs, tiers=tiers)
    if constructs:  # ties broken on every derived fact: a batch keeps them as columns
        doc["ranking"] = {"key": draw(st.sampled_from(["total", *factors, *groups])),
                          "tie_breaks": [
                              {"fact": n, "order": draw(st.sampled_from(["asc", "desc"]))}
                              for n, i in facts.own.items() if i.expr is not None],
                          **_SOURCED}
    return doc


def schedules(*, max_factors: int = 6, constructs: bool = False
              ) -> st.SearchStrategy[Schedule]:
    """Small random valid schedules, loaded through the real loader from generated TOML.

    Each has 1 to `max_factors` factors of random rule kinds (plus one per group that would
    otherwise be empty), up to 3 groups (`sum`/`highest`, capped or not, nested, some
    sharing a number of months among their members with `within`), up to 2
    deductions scoped to purposes or not, up to 3 gates of fact and score comparisons under
    all/any/not, up to 2 purposes and up to 3 tiers. Gates that tiers or purposes use only
    rise with the score, so generated tiers are nested (other gates may compare any way).

    With `constructs=True`, each also declares facts of its own (`[facts.NAME]`: 1 to 4
    given ones of any kind but dates — levels with their own values and aliases, or a
    standard list; some required, some optional — and 1 to 3 derived ones, well-typed
    expressions over standard, own and earlier derived facts giving numbers, yes/no values
    or levels), may require standard facts, and its rules read them: one fact or several
    (`facts = [...]`, `combine` sum or highest), with a `when` that is a true/false fact, a
    gate reading no score or a condition table, on factors and groups. Up to 2 branches of
    2 or 3 members each: mostly conditions that exclude each other and cover everyone
    (`exactly = "one"`), sometimes `at_most_one`, sometimes conditions that overlap or leave
    a gap, so that some applicants match none or two (an `ApplicantError`). Draw the
    applicants with `applicants(schedule)`: it draws the schedule's own facts too.
    """
    if max_factors < 1:
        raise InvalidArgument(f"schedules(max_factors={max_factors}) needs at least 1")

    def load(doc: dict[str, Any]) -> Schedule:
        return loads_schedule(_toml(doc), source="<generated>")

    return _schedule_doc(max_factors, constructs).map(load)


