"""Golden worked examples for `shanghai/2018`, every expected value computed by hand.

The arithmetic follows shared/domain.md B.2 (the table), B.3 (what the permit alone and the
120-point standard score unlock) and the encoding choices the schedule's notes give:
education, title and skill grade count the highest only (the 二选一 reading); the public-
service item vests after 5 full years; the contribution-base item stops at 100. Durations
are whole months; a rate counts full years only. Evaluated on 2020-06-01.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import points
from _helpers import Card, Facts

SCHEDULE = "shanghai/2018"
ON = date(2020, 6, 1)

OK: Facts = {"has_permit": True, "employed": True}
PERMIT_SERVICES = ("compulsory_education", "vocational_school_admission",
                   "public_rental_housing_permit", "housing_fund", "driving_licence",
                   "vehicle_registration", "exit_entry_documents",
                   "vocational_qualification_exams")
SCORE_SERVICES = ("children_zhongkao_gaokao", "family_social_insurance")
REPORTED_SERVICES = ("kindergarten_priority", "home_purchase_tax_exemption")
ALL_TIERS = ("permit_holder", "standard_score", "standard_score_reported")
card = Card(SCHEDULE, ON)


# THE CARELESS ONE: age 44. The rule is 5 at 56–60 and 2 more per year younger, so
# 44 → 5 + 2 × (56 − 44) = 29 (counting down from 30 at 43 by 2 gives 28: wrong).
# bachelor without degree 60; insurance 84 mo → 7 × 3 = 21; outer district 60 mo → 5 × 2 = 10.
# total = 29 + 60 + 21 + 10 = 120: exactly the standard score (28 would leave it at 119)
AGED_44: Facts = {
    **OK, "age": 44, "education": "bachelor", "pension_months": 84,
    "outer_district_work_and_home_months": 60,
}

# Either-or: master 100, intermediate title 100 and skill grade level3 60 (both matching the
# job) → highest 100, not 260. age 30 → 30; insurance 36 mo → 3 × 3 = 9.  total = 139
EITHER_OR: Facts = {
    **OK, "age": 30, "education": "master", "professional_title": "intermediate",
    "skill_grade": "level3", "works_in_qualified_trade": True, "pension_months": 36,
}

# A senior title (140) that does not match the job scores 0; bachelor_degree 90 is the highest.
# age 35 → 30; insurance 12 mo → 3.  total = 30 + 90 + 3 = 123
TITLE_NOT_MATCHING: Facts = {
    **OK, "age": 35, "education": "bachelor_degree", "professional_title": "senior",
    "pension_months": 12,
}

# Permit holder with a low score. age 50 → 5 + 2 × 6 = 17; high school scores nothing;
# insurance 12 mo → 3.  total = 20: permit services only, 100 short of 120.
LOW_SCORE: Facts = {**OK, "age": 50, "education": "high_school", "pension_months": 12}

# Every bonus item. age 30 → 30; associate 50; insurance 24 mo → 2 × 3 = 6;
# shortage major 30;
# investment: tax ¥650,000 over 3 yrs → 2 full ¥300,000 × 10 = 20; hires 35 → 3 × 10 = 30;
#   highest → 30;
# contribution base 1.5× → 50;
# public service 59 mo → 4 full years < 5 → 0 (not 16);
# outer district 132 mo → 11 × 2 = 22 → cap 20;
# new graduate 10;
# awards: municipal general 60, two municipal special 2 × 30 = 60 → cap 30 → highest 60;
# spouse 132 mo → 11 × 4 = 44 → cap 40.
# total = 30 + 50 + 6 + 30 + 30 + 50 + 0 + 20 + 10 + 60 + 40 = 326
BONUSES: Facts = {
    **OK, "age": 30, "education": "associate", "pension_months": 24, "shortage_major": True,
    "business_tax_3y": Decimal("650000"), "local_hires_3y": 35,
    "insurance_base_ratio": Decimal("1.5"), "public_service_field_months": 59,
    "outer_district_work_and_home_months": 132, "recent_graduate": True,
    "awards_municipal": 1, "awards_municipal_special": 2, "spouse_local_hukou_months": 132,
}

# Public service vests at 5 full years: 60 mo → 5 × 4 = 20. contribution base exactly 0.8× → 25.
# age 30 → 30; doctorate 110; insurance 12 mo → 3.  total = 30 + 110 + 3 + 20 + 25 = 188
VESTED: Facts = {
    **OK, "age": 30, "education": "doctorate", "pension_months": 12,
    "public_service_field_months": 60, "insurance_base_ratio": Decimal("0.8"),
}

# Deductions. age 30 → 30; bachelor_degree 90; insurance 60 mo → 15: 135.
# one detention −50 → 85: below 120.
DETAINED: Facts = {
    **OK, "age": 30, "education": "bachelor_degree", "pension_months": 60,
    "detention_records_5y": 1,
}
# false material −150 and a general crime −150: 135 − 300 = −165 → floor 0
SINKING: Facts = {**DETAINED, "detention_records_5y": 0, "false_material_3y": 1,
                  "criminal_records_5y": 1}

# Veto: a family-planning violation bars the points purpose; the permit services stay.
# Score as VESTED: 188.
VETOED: Facts = {**VESTED, "family_planning_violation": True}

# Founder (provisional, B6): 120; age 30 → 30; insurance 12 mo → 3.  total = 153
FOUNDER: Facts = {**OK, "age": 30, "pension_months": 12, "talent_certified": True}

# Not paying Shanghai insurance: VESTED without insurance months, 185, fails the gate.
UNINSURED: Facts = {**VESTED, "pension_months": 0}

GOLDEN = [
    pytest.param(AGED_44, "120", ALL_TIERS, id="aged-44"),
    pytest.param(EITHER_OR, "139", ALL_TIERS, id="education-or-title"),
    pytest.param(TITLE_NOT_MATCHING, "123", ALL_TIERS, id="title-not-matching"),
    pytest.param(LOW_SCORE, "20", ("permit_holder",), id="permit-only"),
    pytest.param(BONUSES, "326", ALL_TIERS, id="bonuses"),
    pytest.param(VESTED, "188", ALL_TIERS, id="vested"),
    pytest.param(UNINSURED, "185", ("permit_holder",), id="uninsured"),
    pytest.param(DETAINED, "85", ("permit_holder",), id="detained"),
    pytest.param(SINKING, "0", ("permit_holder",), id="floor"),
    pytest.param(VETOED, "188", ("permit_holder",), id="veto"),
    pytest.param(FOUNDER, "153", ALL_TIERS, id="founder"),
]


@pytest.mark.parametrize(("facts", "total", "tiers"), GOLDEN)
def test_golden_total_and_tiers(facts: Facts, total: str, tiers: tuple[str, ...]) -> None:
    c = card(facts)
    assert c.total == Decimal(total)
    assert c.tiers == tiers
    assert c.in_force


@pytest.mark.parametrize(("age", "pts"), [
    pytest.param(30, 30, id="30"),
    pytest.param(43, 30, id="43"),  # 5 + 2 × 13 = 31 → at most 30
    pytest.param(44, 29, id="44"),  # 5 + 2 × 12
    pytest.param(45, 27, id="45"),  # 5 + 2 × 11
    pytest.param(55, 7, id="55"),  # 5 + 2 × 1
    pytest.param(56, 5, id="56"),
    pytest.param(60, 5, id="60"),
    pytest.param(61, 0, id="61"),
])
def test_age_points(age: int, pts: int) -> None:
    assert card({"age": age}).line("age").points == pts


def test_services_by_tier() -> None:
    low = card(LOW_SCORE)
    assert low.services == PERMIT_SERVICES
    assert low.next_tier is not None
    assert low.next_tier.id == "standard_score"
    assert low.next_tier.missing == 100  # 120 − 20
    full = card(AGED_44)
    assert full.services == PERMIT_SERVICES + SCORE_SERVICES + REPORTED_SERVICES
    assert full.next_tier is None
    # without a permit nothing is unlocked, however high the score
    none = card({**VESTED, "has_permit": False})
    assert none.total == 188 and none.tiers == () and not none.eligible


def test_highest_of_education_title_and_skill() -> None:
    c = card(EITHER_OR)
    assert c.points("qualification") == 100
    counted = [ln.id for ln in c.lines if ln.group == "qualification" and ln.counted]
    assert len(counted) == 1
    assert c.line("skill").points == 60 and not c.line("skill").counted
    t = card(TITLE_NOT_MATCHING)
    assert t.line("title").points == 0
    assert not t.line("title").applied  # works_in_qualified_trade is false
    assert t.points("qualification") == 90


def test_bonus_lines() -> None:
    c = card(BONUSES)
    assert c.line("investment_tax").points == 20
    assert c.line("local_hires").points == 30
    assert c.points("investment") == 30
    assert c.line("insurance_base").points == 50
    assert c.line("public_service").points == 0  # 4 full years: not yet vested
    assert c.line("outer_district").points == 20 and c.line("outer_district").capped
    assert c.points("awards") == 60
    assert c.line("award_municipal_special").points == 30
    assert c.line("spouse_local").points == 40 and c.line("spouse_local").capped
    assert card(VESTED).line("public_service").points == 20  # 5 × 4


@pytest.mark.parametrize(("ratio", "pts"), [
    ("0.79", 0), ("0.8", 25), ("0.9999", 25), ("1", 50), ("1.99", 50), ("2", 100),
    ("3", 100),  # no 120 rung (B5, B18)
])
def test_contribution_base_bands(ratio: str, pts: int) -> None:
    c = card({"age": 30, "insurance_base_ratio": Decimal(ratio)})
    assert c.line("insurance_base").points == pts


def test_deductions_and_vetoes() -> None:
    d = card(DETAINED)
    assert d.line("detention").points == -50
    assert d.next_tier is not None and d.next_tier.missing == 35  # 120 − 85
    s = card(SINKING)
    assert s.raw_total == -165  # 135 − 150 − 150
    assert s.floor_applied
    v = card(VETOED)
    assert not v.eligible
    assert {g.id for g in v.gates if not g.passed} == {"no_family_planning_violation"}
    serious = card({**VESTED, "serious_criminal_record": True})
    assert serious.total == 188  # a veto, not a deduction
    assert serious.tiers == ("permit_holder",)


def test_not_in_force_outside_2018_to_2022() -> None:
    assert not points.score(VESTED, SCHEDULE, on=date(2023, 1, 1)).in_force
    assert points.score(VESTED, SCHEDULE, on=date(2022, 12, 31)).in_force
