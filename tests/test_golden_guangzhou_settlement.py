"""Golden worked examples for `guangzhou-settlement/2023`, every expected value by hand.

The arithmetic follows the current 来穗 table in shared/domain.md A.3 (which the 2023
settlement measures select from), the 2023 gates in A.2 and the ranking in A.5: total ≥ 150
qualifies, and qualified applicants are ranked by the BASE-indicator score only, then by
longer medical insurance, then by longer permit. Durations are whole months; a rate counts
full years only. The evaluation date 2024-10-08 is the opening day of the 2024 round.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import points
from _helpers import Card, Facts, failed, insured

SCHEDULE = "guangzhou-settlement/2023"
ON = date(2024, 10, 8)

card = Card(SCHEDULE, ON)


GATES_OK: Facts = {"has_permit": True, "employed": True}

# Renter, six years of everything.
# permit 72 mo → 6 × 8 = 48; rental 72 mo → 6 × 5 = 30 → cap 20; 5 types × 6 × 2 = 60;
# housing fund 72 → 6 × 2 = 12; age 35 → 30.  base = 48 + 20 + 60 + 12 + 30 = 170
# bonus: bachelor_degree (本科+) → 30.  total = 200
RENTER: Facts = {
    **GATES_OK, "age": 35, "permit_months": 72, "housing": "rental", "rental_months": 72,
    **insured(72), "housing_fund_months": 72, "education": "bachelor_degree",
}

# THE CARELESS ONE: a big bonus lifts the total over 150, but only the base score ranks.
# base: permit 48 → 4 × 8 = 32; rental 48 → 4 × 5 = 20; 5 × 4 × 2 = 40; age 30 → 30
#   base = 32 + 20 + 40 + 30 = 122
# bonus: master → 30; intermediate title → 20; matching trade +5; shortage occupation 10;
#   blood 5 × 2 = 10.  bonus = 75.  total = 122 + 75 = 197
BONUS_HEAVY: Facts = {
    **GATES_OK, "age": 30, "permit_months": 48, "housing": "rental", "rental_months": 48,
    **insured(48), "education": "master", "professional_title": "intermediate",
    "works_in_qualified_trade": True, "shortage_occupation": True, "blood_donations_5y": 5,
}

# Owner with a long permit and little bonus.
# permit 96 → 8 × 8 = 64; owned home 20; 5 × 5 × 2 = 50; age 40 → 30.
# base = 64 + 20 + 50 + 30 = 164; bonus: high school 10.  total = 174
BASE_HEAVY: Facts = {
    **GATES_OK, "age": 40, "permit_months": 96, "housing": "owned", **insured(60),
    "education": "high_school",
}

# Exactly 150. permit 48 → 32; rental 48 → 20; 5 × 4 × 2 = 40; fund 48 → 8; age 30 → 30
# base = 130; associate → 20.  total = 150 (≥ 150 qualifies)
AT_150: Facts = {
    **GATES_OK, "age": 30, "permit_months": 48, "housing": "rental", "rental_months": 48,
    **insured(48), "housing_fund_months": 48, "education": "associate",
}
# The same with high school (10): total 140, 10 short.
BELOW_150: Facts = {**AT_150, "education": "high_school"}

# Aged 46: age points 28 − 2 × (46 − 41) = 18; else as RENTER (base 170 − 30 + 18 = 158).
# total = 158 + 30 = 188, but the age gate (≤ 45) fails.
AGED_46: Facts = {**RENTER, "age": 46}

# Aged 45: age points 28 − 2 × 4 = 20; base = 170 − 30 + 20 = 160; total 190; passes.
AGED_45: Facts = {**RENTER, "age": 45}

# 47 months of pension: 3 full years → 6, and the 4-year gate fails.
# permit 60 → 5 × 8 = 40; rental 60 → 25 → cap 20; pension 6; medical, unemployment,
# injury, maternity 60 → 4 × 10 = 40; fund 60 → 10; age 30 → 30.
# base = 40 + 20 + 6 + 40 + 10 + 30 = 146; bachelor_degree 30.  total = 176
INSURANCE_47: Facts = {
    **GATES_OK, "age": 30, "permit_months": 60, "housing": "rental", "rental_months": 60,
    **insured(60), "pension_months": 47, "housing_fund_months": 60,
    "education": "bachelor_degree",
}

# RENTER (200) with records: credit 1 + 1 → −20; public security −10 → 170;
# a criminal penalty in the last 5 years vetoes settlement.
CONVICTED: Facts = {
    **RENTER, "credit_records_under_90d": 1, "credit_records_over_90d": 1,
    "public_security_penalties_5y": 1, "criminal_records_5y": 1,
}

# Floor. age 30 → 30; 5 credit records × −10 = −50.  30 − 50 = −20 → floor 0
SINKING: Facts = {"age": 30, "credit_records_under_90d": 5}

GOLDEN = [
    pytest.param(RENTER, "200", "170", True, ("settlement",), id="renter"),
    pytest.param(BONUS_HEAVY, "197", "122", True, ("settlement",), id="bonus-heavy"),
    pytest.param(BASE_HEAVY, "174", "164", True, ("settlement",), id="base-heavy"),
    pytest.param(AT_150, "150", "130", True, ("settlement",), id="exactly-150"),
    pytest.param(BELOW_150, "140", "130", False, (), id="below-150"),
    pytest.param(AGED_46, "188", "158", False, (), id="aged-46"),
    pytest.param(AGED_45, "190", "160", True, ("settlement",), id="aged-45"),
    pytest.param(INSURANCE_47, "176", "146", False, (), id="insurance-47-months"),
    pytest.param(CONVICTED, "170", "170", False, (), id="convicted"),
    pytest.param(SINKING, "0", "30", False, (), id="floor"),
]


@pytest.mark.parametrize(("facts", "total", "base", "eligible", "tiers"), GOLDEN)
def test_golden_total_base_and_tier(
    facts: Facts, total: str, base: str, eligible: bool, tiers: tuple[str, ...]
) -> None:
    c = card(facts)
    assert c.total == Decimal(total)
    assert c.points("base") == Decimal(base)
    assert c.eligible is eligible
    assert c.tiers == tiers
    assert c.services == (("household_registration",) if tiers else ())
    assert c.in_force


def test_the_rank_key_is_the_base_score_not_the_total() -> None:
    schedule = points.load_schedule(SCHEDULE)
    assert schedule.ranking is not None
    assert schedule.ranking.key == "base"
    heavy_bonus, heavy_base = card(BONUS_HEAVY), card(BASE_HEAVY)
    # a careless reading ranks by total: 197 > 174 puts BONUS_HEAVY first
    assert heavy_bonus.total > heavy_base.total
    # the rules rank by base: 164 > 122 puts BASE_HEAVY first
    key = schedule.ranking.key
    ranked = sorted([("bonus", heavy_bonus), ("base", heavy_base)],
                    key=lambda kv: kv[1].points(key), reverse=True)
    assert [name for name, _ in ranked] == ["base", "bonus"]
    assert heavy_bonus.points("bonus") == 75  # 30 + 20 + 5 + 10 + 10


def test_ranking_tie_breaks_final_rule_and_quota() -> None:
    r = points.load_schedule(SCHEDULE).ranking
    assert r is not None
    assert [(t.fact, t.order) for t in r.tie_breaks] == [
        ("medical_months", "desc"), ("permit_months", "desc")]
    assert r.final == "all_admitted"
    assert r.quota == 16000  # the 2024 round (A6)
    assert r.purpose == "settlement"


def test_the_150_threshold_is_a_gate_and_the_tier_minimum() -> None:
    below = card(BELOW_150)
    assert failed(below) == {"score_150"}
    assert below.next_tier is not None
    assert below.next_tier.id == "settlement"
    assert below.next_tier.missing == 10  # 150 − 140
    assert "score_150" in below.next_tier.failed_gates
    assert not failed(card(AT_150))


def test_each_gate_fails_alone() -> None:
    assert failed(card(AGED_46)) == {"age_limit"}
    assert failed(card(INSURANCE_47)) == {"insurance_4y"}
    assert failed(card(CONVICTED)) == {"no_crime_5y"}
    assert failed(card({**RENTER, "has_permit": False})) == {"permit_valid"}
    assert failed(card({**RENTER, "employed": False})) == {"employed"}
    assert next(g for g in card(CONVICTED).gates if g.id == "no_crime_5y").veto


def test_lines_of_the_renter_and_the_boundary_applicants() -> None:
    c = card(RENTER)
    assert c.line("permit").points == 48  # 6 full years × 8
    assert c.line("rental").points == 20 and c.line("rental").capped  # 30 → cap 20
    assert c.points("insurance") == 60  # 5 types × 6 years × 2
    assert c.line("housing_fund").points == 12
    assert c.line("age").points == 30
    assert c.line("education").group == "bonus"  # education is a bonus indicator since 2021

    short = card(INSURANCE_47)
    # one rule over the five insurance types (formerly the lines pension, medical, ...):
    # each type alone scores as its old line did
    assert card({"age": 30, "pension_months": 47}).line("insurance").points == 6  # 3 × 2
    assert card({"age": 30, "medical_months": 60}).line("insurance").points == 10  # 5 × 2
    assert short.line("insurance").value["pension_months"] == 47

    assert card(AGED_45).line("age").points == 20  # 28 − 2 × (45 − 41)
    assert card(AGED_46).line("age").points == 18  # 28 − 2 × (46 − 41)


def test_deductions_apply_to_settlement() -> None:
    c = card(CONVICTED)
    # one credit indicator over both counts (formerly credit_minor −10, credit_serious −10)
    assert c.line("credit").points == -20  # (1 + 1) × −10
    assert c.line("public_security").points == -10
    assert c.raw_total == 170  # 200 − 30

    sinking = card(SINKING)
    assert sinking.raw_total == -20  # 30 − 5 × 10
    assert sinking.floor_applied


@pytest.mark.parametrize(("birth", "passes"), [
    # 2024 round: born on or after 1978-01-01, i.e. age ≤ 45 on 2023-12-31
    pytest.param(date(1978, 1, 1), True, id="born-1978-01-01"),
    pytest.param(date(1977, 12, 31), False, id="born-1977-12-31"),
])
def test_birth_date_cutoff_of_the_2024_round(birth: date, passes: bool) -> None:
    facts = {k: v for k, v in RENTER.items() if k != "age"}
    c = card({**facts, "birth_date": birth}, on=date(2023, 12, 31))
    # 1978-01-01 is 45 and 364 days (the gate reads full years: 45 ≤ 45), 1977-12-31 turns
    # 46 that day; both have begun their 46th year, so the age indicator (each year or
    # part-year above 40 takes 2) gives both 30 − 2 × (46 − 40) = 18
    assert c.line("age").value == 46
    assert c.line("age").points == 18
    assert ("age_limit" not in failed(c)) is passes
    # on the application date both are a year older: 1978-01-01 would be 46 and fail,
    # which is why the round's cut-off is evaluated on 31 December of the year before
    later = card({**facts, "birth_date": birth})
    assert "age_limit" in failed(later)


def test_the_date_is_in_force() -> None:
    assert not card(RENTER, on=date(2023, 2, 8)).in_force  # before 2023-02-09
    assert card(RENTER, on=date(2023, 2, 9)).in_force
    # the 来穗 table it selects from (穗府规〔2021〕7号) lapsed on 2026-11-16 (A2)
    assert card(RENTER, on=date(2026, 11, 15)).in_force
    assert not card(RENTER, on=date(2026, 11, 16)).in_force


def test_statuses_say_no_more_than_the_sources() -> None:
    s = points.load_schedule(SCHEDULE)
    # the 入户 table is only "a selection" of the 来穗 table (A5): no indicator is confirmed
    for table in (s.factors, s.groups, s.deductions):
        assert {spec.status for spec in table.values()} == {"provisional"}
    # the same 150 has one status as a gate and as the tier minimum
    gate150 = s.gates["score_150"]
    tier = next(t for t in s.tiers if t.id == "settlement")
    assert tier.min_score == 150 and gate150.status == tier.status == "confirmed"
    assert s.ranking is not None and s.ranking.status == "provisional"  # 16,000: one round's


def test_age_counts_a_part_year_above_40() -> None:
    # on 2024-10-08, born 1983-10-09: 40 years and 364 days → 41 begun → 30 − 2 = 28;
    # born 1984-10-08: 40th birthday → 30
    facts = {k: v for k, v in RENTER.items() if k != "age"}
    assert card({**facts, "birth_date": date(1983, 10, 9)}).line("age").points == 28
    assert card({**facts, "birth_date": date(1984, 10, 8)}).line("age").points == 30
