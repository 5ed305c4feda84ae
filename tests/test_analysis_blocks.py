"""`points check` on rules over several facts (`facts = [...]`): the facts only such a rule
reads are searched fact by fact (a block of their sums or highest), and the result is the
same as enumerating every combination — bounds, findings, the facts more of which never
lowers the total — checked against a brute force over every applicant of small random
schedules, and by hand on Guangzhou's volunteering (five years, one rule)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points import Schedule, analysis, load_schedule, loads_schedule, score
from points.analysis import _space
from points.batch import score_frame
from points.compiled import compile_schedule
from points.facts import vocabulary_scope

HEAD = """[schedule]
id = "toy/blocks"
place = "toy"
title = { zh = "玩具", en = "toy" }
document = "toy"
effective_from = 2020-01-01
precision = "0.01"
"""
SRC = 'ref = "t"\nstatus = "confirmed"\n'
# counts 0..2 and decimals 0.0..0.9: every applicant is tried by the brute force
COUNTS = ("a", "b", "c")
DECIMALS = ("d", "e")
BOOLS = ("has_permit", "married")
FACTS = "".join(f'[facts.{x}]\nlabel = {{ zh = "{x}", en = "{x}" }}\nkind = "count"\nmax = 2\n\n'
                for x in COUNTS) + "".join(
    f'[facts.{x}]\nlabel = {{ zh = "{x}", en = "{x}" }}\nkind = "decimal"\nplaces = 1\n'
    f'max = 0.9\n\n' for x in DECIMALS)
VALUES: dict[str, list[Any]] = {
    **{x: [0, 1, 2] for x in COUNTS},
    **{x: [Decimal(k) / 10 for k in range(10)] for x in DECIMALS},
    **{x: [False, True] for x in BOOLS},
}
ON = "2020-06-01"


def everyone() -> pl.DataFrame:
    names = list(VALUES)
    rows = list(itertools.product(*(VALUES[x] for x in names)))
    cols: dict[str, Any] = {x: [r[k] for r in rows] for k, x in enumerate(names)}
    cols["age"] = [30] * len(rows)
    return pl.DataFrame(cols, schema_overrides={x: pl.Decimal(3, 1) for x in DECIMALS})


EVERYONE = everyone()


def table(head: str, spec: dict[str, Any]) -> str:
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return str(v)
    return f"{head}\n" + "".join(f"{k} = {value(v)}\n" for k, v in spec.items()) + SRC + "\n"


@st.composite
def numeric_rule(draw: st.DrawFn, facts: list[str], sign: int) -> dict[str, Any]:
    """A rate or bands rule with points of `sign` (a factor's bands may fall)."""
    decimal = facts[0] in DECIMALS
    if draw(st.booleans()):
        spec: dict[str, Any] = {"rule": "rate", "rate": sign * draw(st.integers(1, 6))}
        if decimal:
            spec["per"] = Decimal("0.3")
            if draw(st.booleans()):
                spec["whole"] = False
        if draw(st.booleans()):
            spec["cap"] = draw(st.integers(1, 8))  # a magnitude
        return spec
    lo = Decimal(draw(st.integers(0, 4))) / 10 if decimal else draw(st.integers(0, 1))
    mid = lo + (Decimal("0.3") if decimal else 1)
    first = draw(st.integers(0, 9))
    bands = [{"min": lo, "below": mid, "points": sign * first}]
    top = draw(st.integers(0, 9))
    last: dict[str, Any] = {"min": mid, "points": sign * top}
    if not decimal and sign > 0 and draw(st.booleans()):  # falling: 9 − 4 × (2 − 1) ≥ 0
        last["slope"] = -draw(st.integers(0, top // 2 if top else 0))
        last["below"] = 3  # a decline ends: at most 1 unit of it within 0..2
    bands.append(last)
    return {"rule": "bands", "bands": bands}


@st.composite
def block_schedules(draw: st.DrawFn) -> str:
    """A small schedule with one or two rules over several facts (summed or highest;
    factor or deduction), facts that only they read or that a gate, another rule or a
    `when` also reads, groups with caps, and a tier behind a gate."""
    body = [FACTS]
    groups = draw(st.lists(st.sampled_from(["sum", "highest"]), max_size=2))
    for k, how in enumerate(groups):
        spec: dict[str, Any] = {"label": {"zh": f"g{k}", "en": f"g{k}"}, "combine": how}
        if draw(st.booleans()):
            spec["cap"] = draw(st.integers(0, 20))
        body.append(table(f"[groups.g{k}]", spec))
    homes = [None, *(f"g{k}" for k in range(len(groups)))]
    n_multi = draw(st.integers(1, 2))
    for k in range(n_multi):
        kind = draw(st.sampled_from([COUNTS, DECIMALS]))
        facts = draw(st.lists(st.sampled_from(kind), min_size=2, max_size=len(kind),
                              unique=True))
        deduction = draw(st.integers(0, 3)) == 0
        spec = {"label": {"zh": f"m{k}", "en": f"m{k}"}, "facts": facts,
                "combine": draw(st.sampled_from(["sum", "highest"])),
                **draw(numeric_rule(facts, -1 if deduction else 1))}
        if draw(st.booleans()):
            spec["when"] = draw(st.sampled_from(BOOLS))
        home = draw(st.sampled_from(homes))
        if home is not None and not deduction:
            spec["group"] = home
        body.append(table(f"[{'deductions' if deduction else 'factors'}.m{k}]", spec))
    if draw(st.booleans()):  # another rule on one of the facts: it leaves the block
        # (on a count: a decimal is examined at cuts, and two rules pulling it both ways
        # between cuts are, rightly, not proven exact)
        fact = draw(st.sampled_from(COUNTS))
        spec = {"label": {"zh": "o", "en": "o"}, "fact": fact,
                **draw(numeric_rule([fact], 1))}
        home = draw(st.sampled_from(homes))
        if home is not None:
            spec["group"] = home
        body.append(table("[factors.other]", spec))
    for k in range(len(groups)):  # a group needs a member
        if f'group = "g{k}"' not in "".join(body):
            body.append(table(f"[factors.fill{k}]", {
                "label": {"zh": "f", "en": "f"}, "fact": "married", "rule": "flag",
                "points": draw(st.integers(0, 5)), "group": f"g{k}"}))
    body.append(table("[factors.permit]", {"label": {"zh": "p", "en": "p"},
                                           "fact": "has_permit", "rule": "flag",
                                           "points": draw(st.integers(0, 5))}))
    fact = draw(st.sampled_from(COUNTS + DECIMALS + BOOLS))
    test: dict[str, Any]
    if fact in BOOLS:
        test = {"fact": fact, "eq": draw(st.booleans())}
    elif draw(st.booleans()):
        test = {"fact": fact, "ge": 1 if fact in COUNTS else Decimal("0.5")}
    else:
        test = {"score": "total", "ge": draw(st.integers(0, 30))}
    body.append(table("[gates.g]", {"label": {"zh": "g", "en": "g"}, "condition": test}))
    body.append(table("[[tiers]]", {"id": "t", "label": {"zh": "t", "en": "t"},
                                    "min_score": draw(st.integers(0, 40)), "gates": ["g"],
                                    "services": ["compulsory_education"]}))
    extra = "floor = 0\n" if draw(st.booleans()) else ""
    return HEAD + extra + "\n" + "".join(body)


def brute_force(s: Schedule) -> tuple[Decimal, Decimal, bool, bool, bool]:
    """Lowest and highest total over every applicant; whether any reaches tier t; whether
    gate g passes for some and fails for some."""
    res = score_frame(EVERYONE, s, on=ON)
    assert res.rows_rejected == 0
    out = res.points()
    gate = out["gate.g"]
    return (out["total"].min(), out["total"].max(),  # type: ignore[return-value]
            bool(out["tiers"].list.contains("t").any()), bool(gate.any()),
            bool((~gate).any()))


@contextlib.contextmanager
def without_blocks() -> Iterator[None]:
    """Every variable enumerated combination by combination, as before blocks (and
    before a fact read by each rule on its own was kept a value per outcome)."""
    saved = _space.Space._blocks, _space.Space._separable
    _space.Space._blocks = lambda self: {}  # type: ignore[method-assign]
    _space.Space._separable = lambda self, x: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        _space.Space._blocks, _space.Space._separable = saved  # type: ignore[method-assign]


def findings(result: analysis.Analysis) -> list[tuple[str, str, str]]:
    return sorted((f.kind, f.path, f.message) for f in result.findings)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(block_schedules())
def test_blocks_equal_a_brute_force_and_the_full_enumeration(text: str) -> None:
    s = loads_schedule(text)
    found = analysis.analyse(s)
    (b,) = found.bounds
    lo, hi, reached, passes, fails = brute_force(s)
    assert b.exact
    assert (b.minimum, b.maximum) == (lo, hi)
    assert score(b.applicant("highest"), s, on=ON).total == hi
    assert score(b.applicant("lowest"), s, on=ON).total == lo
    assert bool(found.of_kind("unreachable_tier")) == (not reached)
    assert any(f.path == "gates.g" for f in found.of_kind("gate_never_passes")) == (not passes)
    assert any(f.path == "gates.g" for f in found.of_kind("gate_never_fails")) == (not fails)
    monotone = analysis.monotone_facts(s)
    # the same answers as enumerating every combination of the facts (small enough here)
    with without_blocks():
        full = analysis.analyse(s)
        full_monotone = analysis.monotone_facts(s)
    assert full.bounds[0].exact
    assert (full.bounds[0].minimum, full.bounds[0].maximum) == (lo, hi)
    assert findings(found) == findings(full)
    assert monotone == full_monotone
    # blocks combined one by one (as for points too large for numpy): the same
    saved = _space.BLOCK_VECTOR_LIMIT
    _space.BLOCK_VECTOR_LIMIT = 0
    try:
        slow = analysis.analyse(s)
    finally:
        _space.BLOCK_VECTOR_LIMIT = saved
    assert [(x.minimum, x.maximum, x.exact) for x in slow.bounds] == [(b.minimum, b.maximum, True)]
    assert findings(slow) == findings(found)


def test_the_facts_only_a_rule_reads_form_its_block() -> None:
    # a, b and c: 1 point per full 2, cap 1; a gate compares c alone (c = 1 scores as c = 0
    # but passes): the block carries the comparison along
    text = HEAD + FACTS + table("[factors.m]", {
        "label": {"zh": "m", "en": "m"}, "facts": ["a", "b", "c"], "rule": "rate",
        "rate": 1, "per": 2, "cap": 1}) + table("[gates.g]", {
            "label": {"zh": "g", "en": "g"}, "condition": {"fact": "c", "eq": 1}}) + table(
        "[[tiers]]", {"id": "t", "label": {"zh": "t", "en": "t"}, "min_score": 2,
                      "gates": ["g"], "services": ["compulsory_education"]})
    s = loads_schedule(text)
    with vocabulary_scope(s.vocabulary):
        space = _space.Space(compile_schedule(s))
        (i,) = space.blocks
        assert [space.factors[i].facts[k] for k in space.blocks[i]] == ["a", "b", "c"]
        var = space.var("a")
        # per fact: 0 (0 or 1), 1 (2, the cap reached), and for c the gate's truth: the
        # sums 0..3, with or without a cap hit and the gate, not all 27 combinations
        assert len(var.values) < 27
        assert {sig[0][0] for sig in var.sigs} == {0, 100, 200, 300}
        assert 1 in {v[var.facts.index("c")] for v in var.values}
    found = analysis.analyse(s)
    # c = 1 passes the gate, a = b = 2 give the 2 points of the tier
    assert not found.of_kind("unreachable_tier") and not found.of_kind("gate_never_passes")
    b = analysis.bounds(s)
    assert (b.minimum, b.maximum, b.exact) == (Decimal("0.00"), Decimal("3.00"), True)


def test_a_fact_read_by_two_rules_and_a_gate_keeps_a_value_per_outcome() -> None:
    # a and b: 1 point per full 2; another rule reads a alone (1 per full 3: 0 here), so a
    # is not in the block; the gate reads a alone: a = 1 scores as a = 0 but passes
    text = HEAD + FACTS + table("[factors.m]", {
        "label": {"zh": "m", "en": "m"}, "facts": ["a", "b"], "rule": "rate", "rate": 1,
        "per": 2}) + table("[factors.o]", {
            "label": {"zh": "o", "en": "o"}, "fact": "a", "rule": "rate", "rate": 1,
            "per": 3}) + table("[gates.g]", {
            "label": {"zh": "g", "en": "g"}, "condition": {"fact": "a", "eq": 1}}) + table(
        "[[tiers]]", {"id": "t", "label": {"zh": "t", "en": "t"}, "min_score": 1,
                      "gates": ["g"], "services": ["compulsory_education"]})
    s = loads_schedule(text)
    with vocabulary_scope(s.vocabulary):
        space = _space.Space(compile_schedule(s))
        assert [space.factors[i].facts[k] for i, ks in space.blocks.items()
                for k in ks] == ["b"]
        var = space.var("a")
        assert sorted({v[var.facts.index("a")] for v in var.values}) == [0, 1, 2]
    found = analysis.analyse(s)
    # a = 1 (the gate) and b = 2 (1 point) reach the tier
    assert not found.of_kind("unreachable_tier") and not found.of_kind("gate_never_passes")
    b = analysis.bounds(s)
    assert (b.minimum, b.maximum, b.exact) == (Decimal("0.00"), Decimal("2.00"), True)


@pytest.mark.parametrize("limit", [_space.BLOCK_VECTOR_LIMIT, 0])  # numpy, one by one
def test_a_block_knows_which_fact_reaches_the_cap(limit: int) -> None:
    # x (at most 2) never reaches the cap of 5, y (at most 9) does from 5: the cap cuts
    text = HEAD + "".join(
        f'[facts.{x}]\nlabel = {{ zh = "{x}", en = "{x}" }}\nkind = "count"\nmax = {m}\n\n'
        for x, m in (("x", 2), ("y", 9))) + table("[factors.m]", {
            "label": {"zh": "m", "en": "m"}, "facts": ["x", "y"], "rule": "rate", "rate": 1,
            "cap": 5})
    saved = _space.BLOCK_VECTOR_LIMIT
    _space.BLOCK_VECTOR_LIMIT = limit
    try:
        found = analysis.analyse(loads_schedule(text))
    finally:
        _space.BLOCK_VECTOR_LIMIT = saved
    assert not found.of_kind("idle_cap")
    assert (found.bounds[0].maximum, found.bounds[0].exact) == (Decimal("7.00"), True)


# --- Guangzhou's volunteering: five years, one rule ----------------------------------------


def test_guangzhou_2018_maximum_by_hand() -> None:
    # Facts at their bounds (months ≤ 1200, counts ≤ 1000, merits ≤ 100, hours ≤ 8784).
    # Base: permit 3 × 100 = 300; housing max(owned 10 + outer district 5, rental cap 10)
    # = 15; district move cap 10; insurance 5 types × 1 × 100 = 500; education 50; age 30
    # → 905. Bonus: skills max(30, 30) = 30; matching trade 10; patents 40 + 20 + 10 = 70;
    # shortage 20; hardship 10 + cap 30 = 40; blood cap 10 + volunteer hours (one rule:
    # each of five years 1 per 50 h, at most 2) 5 × 2 = 10, group cap 10 → 20; awards
    # 1000 × (30 + 20 + 10 + 5) = 65000, merits 20 + 5 × 99 + 10 + 2 × 99 + 5 + 99 = 827
    # → 66017. Total 905 + 66017 = 66922; the floor is 0.
    for purpose in ("settlement", "school", "housing"):
        b = analysis.bounds("guangzhou/2018", purpose)
        assert (b.minimum, b.maximum, b.exact) == (Decimal("0.00"), Decimal("66922.00"), True)
        assert [b.highest[f"volunteer_hours_year{i}"] >= 100 for i in range(1, 6)] == [True] * 5


def test_guangzhou_settlement_2023_maximum_by_hand() -> None:
    # The 2021 table (tests/test_analysis.py: 68062), with volunteer hours as one rule of
    # 2 per 50 h, at most 2 a year: 5 × 2 = 10 under the group cap 10.
    b = analysis.bounds("guangzhou-settlement/2023")
    assert (b.minimum, b.maximum, b.exact) == (Decimal("0.00"), Decimal("68062.00"), True)


@pytest.mark.parametrize("sid", ["guangzhou/2018", "guangzhou/2021",
                                 "guangzhou-settlement/2023"])
def test_volunteer_hours_are_one_block_of_five(sid: str) -> None:
    s = load_schedule(sid)
    with vocabulary_scope(s.vocabulary):
        space = _space.Space(compile_schedule(s))
        i = space.index["volunteer_hours"]
        assert space.blocks[i] == (0, 1, 2, 3, 4)
        var = space.var("volunteer_hours_year1")
        # per year 0, 1 or 2 points (2018: 1 per 50 h) or 0 or 2 (2 per 50 h), capped or not:
        # the sums 0..10 with or without a cap hit, not the 10^10 combinations of hours
        assert len(var.values) <= 22
        assert {sig[0][0] for sig in var.sigs} == {0, 200, 400, 600, 800, 1000} | (
            {100, 300, 500, 700, 900} if sid == "guangzhou/2018" else set())
