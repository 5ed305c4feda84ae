"""The generated per-record engine on every construct of issue 9, values worked out by hand.

One small schedule uses them all: a level fact of its own with aliases (optional), a
required count of its own, a required standard fact, derived facts (one reading another),
`when` as a fact, a gate and a condition on factors and on a group, a branch, rules over
several facts (summed, the highest, and a deduction's "highest" which is its lowest), a
two-dimensional table. Each case is scored through `points.score` (the fast validation path
and the generated function) and through the generated function itself (`RecordPlan.run`),
and its lines show derived and several-fact values as main's engine does.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

import points
from points import ApplicantError
from points.engines import _record
from points.engines._input import fast_facts

ON = date(2026, 6, 1)

SCHEDULE = """
[schedule]
id = "gen/1"
place = "gen"
title = { zh = "t", en = "t" }
document = "d"
effective_from = 2020-01-01
precision = 1
required_facts = ["sex"]

[facts.skill]
label = { zh = "技能", en = "skill" }
kind = "level"
optional = true
levels = [{ id = "low", zh = "初级", en = "low" },
          { id = "mid", zh = "中级", en = "mid", aliases = ["中"] },
          { id = "top", zh = "高级", en = "top" }]

[facts.offers]
label = { zh = "邀请", en = "offers" }
kind = "count"
max = 9
required = true

[facts.double]
label = { zh = "双倍", en = "double" }
expr = "offers * 2"

[facts.plus]
label = { zh = "加一", en = "plus one" }
expr = "double + 1"

[facts.skilled_couple]
label = { zh = "技能夫妻", en = "skilled couple" }
expr = "married and skill >= 'mid'"

[facts.unmarried]
label = { zh = "未婚", en = "unmarried" }
expr = "not married"

[gates.young]
label = { zh = "年轻", en = "young" }
condition = { fact = "age", lt = 40 }
ref = "r"
status = "confirmed"

[groups.couple]
label = { zh = "夫妻", en = "couple" }
when = { any = [{ fact = "married", eq = true }, { fact = "offers", ge = 8 }] }
ref = "r"
status = "confirmed"

[groups.alone]
label = { zh = "单身", en = "alone" }
when = "unmarried"
cap = 12
ref = "r"
status = "confirmed"

[branches.family]
label = { zh = "家庭", en = "family" }
members = ["couple", "alone"]
ref = "r"
status = "confirmed"

[factors.plus]
label = { zh = "加一", en = "plus one" }
fact = "plus"
rule = "rate"
rate = 1
group = "alone"
ref = "r"
status = "confirmed"

[factors.couple_skill]
label = { zh = "夫妻技能", en = "couple skill" }
fact = "skilled_couple"
rule = "flag"
points = 7
group = "couple"
ref = "r"
status = "confirmed"

[factors.kids]
label = { zh = "子女", en = "children" }
facts = ["blood_donations_5y", "merit_third_class"]
rule = "count"
each = 2
ref = "r"
status = "confirmed"

[factors.best_award]
label = { zh = "最高奖", en = "best award" }
facts = ["awards_national", "awards_provincial"]
combine = "highest"
rule = "count"
each = 5
cap = 10
when = "young"
ref = "r"
status = "confirmed"

[factors.edu_skill]
label = { zh = "学历技能", en = "education by skill" }
fact = "education"
by = "skill"
rule = "table"
points = { bachelor_degree = { mid = 4, top = 6 }, master = { top = 9 } }
when = { fact = "offers", ge = 2 }
ref = "r"
status = "confirmed"

[deductions.worst]
label = { zh = "处罚", en = "penalties" }
facts = ["credit_records_under_90d", "tax_evasion_records_5y"]
combine = "highest"
rule = "count"
each = -3
ref = "r"
status = "confirmed"
"""


@pytest.fixture(scope="module")
def s() -> points.Schedule:
    return points.loads_schedule(SCHEDULE)


def card(s: points.Schedule, **facts: Any) -> points.ScoreCard:
    return points.score({"age": 30, "sex": "male", "offers": 1, **facts}, s, on=ON)


def run(s: points.Schedule, **facts: Any) -> tuple[Any, ...]:
    """The generated function itself on the facts the fast path gives."""
    plan = _record._plan(s)
    rp = plan.record(None)[0]
    given = fast_facts(plan.model, {"age": 30, "sex": "male", "offers": 1, **facts})
    assert given is not None  # plain well-formed values: no pydantic
    return rp.run(given)


# case A: married, skill by its alias 中 (mid), 2 offers, bachelor_degree, 3 blood
# donations and a third-class merit, 1 national and 3 provincial awards, 1 short credit
# record and 2 tax evasions.
# derived: double 4, plus 5, skilled_couple (married and mid >= mid), unmarried false;
# couple (married) applies, alone does not: one member of the branch.
# couple_skill 7 in couple; plus 0 (alone off); kids 2×3 + 2×1 = 8 (summed); best_award
# (young: 30 < 40) highest of 5, 15 → cap 10 = 10, the cap cut the best part; edu_skill
# (offers 2 ≥ 2) bachelor_degree × mid = 4; worst: the lowest of −3, −6 = −6.
# total 7 + 8 + 10 + 4 − 6 = 23
A = {"married": True, "skill": "中", "offers": 2, "education": "bachelor_degree",
     "blood_donations_5y": 3, "merit_third_class": 1, "awards_national": 1,
     "awards_provincial": 3, "credit_records_under_90d": 1, "tax_evasion_records_5y": 2}
# case B: unmarried, no skill, 1 offer, 45 years, master: double 2, plus 3; alone only:
# plus 3 (under the cap 12); best_award 0 (the gate young fails), edu_skill 0 (1 offer).
# total 3
B = {"married": False, "offers": 1, "age": 45, "education": "master", "awards_national": 3}
# case C: unmarried, 7 offers, skill top, master: plus 15 → alone's cap 12; edu_skill
# master × top 9. total 21
C = {"married": False, "offers": 7, "skill": "top", "education": "master"}


@pytest.mark.parametrize(("facts", "total", "ticks"), [
    # ticks: plus, couple_skill, kids, best_award, edu_skill, worst, couple, alone
    (A, 23, (0, 7, 8, 10, 4, -6, 7, 0)),
    (B, 3, (3, 0, 0, 0, 0, 0, 0, 3)),
    (C, 21, (15, 0, 0, 0, 9, 0, 0, 12)),
])
def test_hand_computed_totals_and_ticks(s: points.Schedule, facts: dict[str, Any],
                                        total: int, ticks: tuple[int, ...]) -> None:
    assert card(s, **facts).total == total
    got_total, raw, eligible, mask, got_ticks, passes, hits = run(s, **facts)
    assert (got_total, raw, eligible, mask) == (total, total, True, 0)  # no tiers
    assert got_ticks == ticks
    assert passes == (facts.get("age", 30) < 40,)
    # only best_award's cap cut it (case A: its provincial part, 15 → 10, is the best)
    assert hits == (False, False, False, facts is A, False, False)


def test_derived_facts_come_first_in_order(s: points.Schedule) -> None:
    plan = _record._plan(s)
    rp = plan.record(None)[0]
    facts = fast_facts(plan.model, {"age": 30, "sex": "male", "offers": 4, "married": True})
    assert facts is not None
    rp.run(facts)
    # plus reads double: computed after it; every `when` worked out beside them
    assert (facts["double"], facts["plus"], facts["skilled_couple"], facts["unmarried"]) == (
        8, 9, False, False)
    # the conditions: the group's, its member's (the group's), the gate's, the factor's
    assert {k: v for k, v in facts.items() if k.startswith("when:")} == {
        "when:couple": True, "when:couple_skill": True, "when:best_award": True,
        "when:edu_skill": True}


def test_a_when_condition_on_a_group_and_on_a_factor_at_its_edges(s: points.Schedule) -> None:
    # edu_skill needs offers >= 2: 1 offer off, 2 on; couple applies from 8 offers even
    # unmarried, then alone applies too: the branch is broken
    assert card(s, **{**A, "offers": 1}).total == 23 - 4
    line = next(x for x in card(s, **{**A, "offers": 1}).lines if x.id == "edu_skill")
    assert (line.applied, line.why_not) == (False, "applies only when offers ≥ 2")
    assert card(s, **{**C, "offers": 2}).total == 5 + 9
    with pytest.raises(ApplicantError) as info:
        card(s, **{**C, "offers": 8})
    assert list(info.value.problems) == [
        ("branches.family", ["couple", "alone"],
         "matches 2 of its members; at most one may apply")]


def test_the_lines_show_derived_and_several_fact_values(s: points.Schedule) -> None:
    lines = {x.id: x for x in card(s, **A).lines}
    assert lines["plus"].value == 5
    assert lines["plus"].value_en == "5 (= double + 1; double 4)"
    assert lines["plus"].value_zh == "5（= double + 1；double 4）"
    assert lines["kids"].value == {"blood_donations_5y": 3, "merit_third_class": 1}
    assert lines["kids"].value_en == "blood_donations_5y 3, merit_third_class 1"
    assert (lines["best_award"].points, lines["best_award"].capped) == (Decimal(10), True)
    assert (lines["worst"].points, lines["worst"].capped) == (Decimal(-6), False)
    assert lines["couple_skill"].value_en == (
        'yes (= married and skill >= "mid"; married yes, skill mid)')


def test_own_facts_required_facts_and_checks_through_the_fast_path(
        s: points.Schedule) -> None:
    model = s.applicant_model()
    base = {"age": 30, "sex": "male", "offers": 1}
    assert fast_facts(model, {**base, "skill": "中"})["skill"] == "mid"  # type: ignore[index]
    assert fast_facts(model, {**base, "skill": None})["skill"] is None  # type: ignore[index]
    for bad in ({**base, "skill": "huge"}, {"age": 30, "sex": "male"},
                {"age": 30, "offers": 1}, {**base, "offers": 10},
                {**base, "criminal_records_5y": 1, "criminal_record": False},
                {**base, "double": 3}):
        assert fast_facts(model, bad) is None, bad
        with pytest.raises(ApplicantError) as fast_way:
            points.score(bad, s, on=ON)
        with pytest.raises(ApplicantError) as slow_way:
            model.parse(bad)
        assert fast_way.value.problems == slow_way.value.problems
    assert card(s, **B).total == Decimal(3)
