"""Golden worked examples for `beijing/2016`, every expected value computed by hand.

The arithmetic follows shared/domain.md C.2 (four gates), C.3 (nine indicators) and the
schedule's notes: per full year; housing years count at most the insurance years, owned-home
years first; the 职住区域, 创新创业 and 纳税 items take the highest; no floor. Everything is
measured on 31 December of the year before the round: the 2019 round is scored on 2018-12-31.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import points
from _helpers import Card, Facts, failed, insured

SCHEDULE = "beijing/2016"
ON = date(2018, 12, 31)  # the 2019 round

card = Card(SCHEDULE, ON)


OK: Facts = {"has_permit": True, "employed": True, "sex": "male"}

# THE CARELESS ONE: 7 rental years at 0.5 = 3.5 (not 7, not 3).
# employment 96 mo → 8 × 3 = 24; rental 84 mo (within 96) → 7 × 0.5 = 3.5;
# bachelor_degree 15; age 40 ≤ 45 → 20.  total = 24 + 3.5 + 15 + 20 = 62.5
RENTER_7Y: Facts = {**OK, "age": 40, **insured(96), "rental_months": 84,
                    "education": "bachelor_degree"}

# Housing years are at most the employment years, owned-home years first.
# employment 84 mo → 7 × 3 = 21; owned 60 mo counts 60 → 5 × 1 = 5;
# rental 120 mo counts 84 − 60 = 24 → 2 × 0.5 = 1 (a careless 10 × 0.5 = 5);
# master 26; age 44 → 20.  total = 21 + 5 + 1 + 26 + 20 = 73
LIMITED: Facts = {**OK, "age": 44, **insured(84), "owned_home_months": 60,
                  "rental_months": 120, "education": "master"}

# Owned years beyond the employment years: owned 100 mo counts 84 → 7; rental counts 0.
# 21 + 7 + 0 + age 20 + associate 10.5 = 58.5
OWNER_LONG: Facts = {**OK, "age": 45, **insured(84), "owned_home_months": 100,
                     "rental_months": 36, "education": "associate"}

# Back-paid months fill the 7 years, at most 5 in all.
# 80 months on time + 4 back-paid ≥ 84: passes. employment 80 mo → 6 × 3 = 18; age 30 → 20.
# total = 38
BACK_PAID_4: Facts = {**OK, "age": 30, **insured(80), "insurance_back_paid_months": 4}

# 职住区域 (highest), 创新创业 (highest), 纳税 (highest, 6), honours.
# employment 84 → 21; age 30 → 20;
# area: residence move 48 mo → 4 × 2 = 8 → cap 6; job and residence 24 mo → 2 × 4 = 8 → 8;
# innovation: national award 12; high-tech 48 mo → 8 → cap 6; incubator service 60 mo → 5 →
#   cap 3 → 12;
# tax: salary tax ¥300,000 over 3 yrs → 6; investor ¥600,000 → 6 → highest 6 (not 12);
# honour 20; doctorate 37.
# total = 21 + 20 + 8 + 12 + 6 + 20 + 37 = 124
ACHIEVER: Facts = {
    **OK, "age": 30, **insured(84), "moved_out_central_months": 48,
    "outer_district_work_and_home_months": 24, "awards_national": 1,
    "rd_high_tech_months": 48, "incubator_service_months": 60,
    "income_tax_3y": Decimal("300000"), "business_tax_3y": Decimal("600000"),
    "model_worker_honour": True, "education": "doctorate",
}

# Caps of the area and innovation items. employment 84 → 21; age 46 → 0;
# job and residence 48 mo → 16 → cap 12; incubator start-up 48 mo → 8 → cap 6;
# municipal (provincial-level) award 6 → innovation 6; salary tax ¥299,999.99 → 0.
# total = 21 + 12 + 6 = 39
CAPPED: Facts = {
    **OK, "age": 46, **insured(84), "outer_district_work_and_home_months": 48,
    "incubator_startup_months": 48, "awards_provincial": 1,
    "income_tax_3y": Decimal("299999.99"),
}

# Deductions, no floor: detention −30; 2 tax violations −24. age 50 → 0.
# total = 0 − 30 − 24 = −54
RECORDS: Facts = {"age": 50, "sex": "male", "detention_records_5y": 1,
                  "tax_evasion_records_5y": 2}

# A female worker of 50 is at retirement age; a female cadre of 50 is not.
# employment 96 → 24; age 50 > 45 → 0; bachelor (no degree) → 10.5 (大专 level reached).
# total = 34.5
WOMAN_50: Facts = {"has_permit": True, "employed": True, "sex": "female", "age": 50,
                   **insured(96), "education": "bachelor"}

GOLDEN = [
    pytest.param(RENTER_7Y, "62.5", True, id="rental-7-years"),
    pytest.param(LIMITED, "73", True, id="housing-within-employment"),
    pytest.param(OWNER_LONG, "58.5", True, id="owned-beyond-employment"),
    pytest.param(BACK_PAID_4, "38", True, id="back-paid-4"),
    pytest.param(ACHIEVER, "124", True, id="highest-items"),
    pytest.param(CAPPED, "39", True, id="caps-age-46"),  # 46 is no bar (retirement 60)
    pytest.param(RECORDS, "-54", False, id="deductions-no-floor"),
    pytest.param(WOMAN_50, "34.5", False, id="female-worker-50"),
    pytest.param({**WOMAN_50, "cadre": True}, "34.5", True, id="female-cadre-50"),
]


@pytest.mark.parametrize(("facts", "total", "eligible"), GOLDEN)
def test_golden_total_and_eligibility(facts: Facts, total: str, eligible: bool) -> None:
    c = card(facts)
    assert c.total == Decimal(total)
    assert c.eligible is eligible
    # no pass mark: an eligible applicant is in the settlement tier, ranked under the quota
    assert c.tiers == (("settlement",) if eligible else ())
    assert c.in_force


def test_rental_half_points() -> None:
    c = card(RENTER_7Y)
    assert c.line("rental").points == Decimal("3.5")  # 7 × 0.5
    assert c.line("employment").points == 24
    assert c.points("housing") == Decimal("3.5")
    assert card({**RENTER_7Y, "rental_months": 95}).line("rental").points == Decimal("3.5")
    assert card({**RENTER_7Y, "rental_months": 96}).line("rental").points == 4  # 8 × 0.5


def test_housing_counts_at_most_the_employment_years() -> None:
    c = card(LIMITED)
    assert c.line("owned_home").points == 5
    assert c.line("owned_home").value == 60
    rental = c.line("rental")
    assert rental.value == 24  # 84 − 60 of the 120 months
    assert rental.points == 1
    assert rental.why_not is not None and "pension_months" in rental.why_not
    assert c.points("housing") == 6
    o = card(OWNER_LONG)
    assert o.line("owned_home").value == 84
    assert o.line("owned_home").points == 7
    assert o.line("rental").value == 0
    assert o.line("rental").points == 0


@pytest.mark.parametrize(("months", "back_paid", "passes"), [
    pytest.param(84, 0, True, id="84-on-time"),
    pytest.param(83, 0, False, id="83-on-time"),
    pytest.param(80, 4, True, id="80+4"),
    pytest.param(80, 3, False, id="80+3"),
    pytest.param(79, 5, True, id="79+5"),
    pytest.param(84, 6, False, id="6-back-paid"),
])
def test_seven_years_with_at_most_five_back_paid_months(
    months: int, back_paid: int, passes: bool
) -> None:
    c = card({**OK, "age": 30, **insured(months), "insurance_back_paid_months": back_paid})
    assert ("insurance_7y" not in failed(c)) is passes


TYPES = ("pension", "medical", "unemployment", "injury", "maternity")


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(st.lists(st.integers(70, 90), min_size=5, max_size=5), st.integers(0, 8))
def test_the_insurance_gate_is_the_policy_spelled_out(months: list[int], back_paid: int
                                                      ) -> None:
    # the schedule lists the six ways (b = 0..5 back-paid months, every type ≥ 84 − b);
    # spelled out here as the policy reads: at most 5 months back-paid, and b of them
    # (0 ≤ b ≤ back-paid) bring every type to 84
    spelled = back_paid <= 5 and any(
        all(m >= 84 - b for m in months) for b in range(back_paid + 1))
    c = card({**OK, "age": 30, **{f"{t}_months": m for t, m in zip(TYPES, months,
                                                                      strict=True)},
              "insurance_back_paid_months": back_paid})
    assert ("insurance_7y" not in failed(c)) is spelled


def test_all_five_insurance_types_are_needed() -> None:
    c = card({**OK, "age": 30, **insured(96), "maternity_months": 60})
    assert failed(c) == {"insurance_7y"}


@pytest.mark.parametrize(("sex", "cadre", "age", "passes"), [
    pytest.param("male", False, 59, True, id="man-59"),
    pytest.param("male", False, 60, False, id="man-60"),
    pytest.param("female", False, 49, True, id="woman-worker-49"),
    pytest.param("female", False, 50, False, id="woman-worker-50"),
    pytest.param("female", True, 54, True, id="woman-cadre-54"),
    pytest.param("female", True, 55, False, id="woman-cadre-55"),
])
def test_retirement_age_gate(sex: str | None, cadre: bool, age: int, passes: bool) -> None:
    c = card({"has_permit": True, "employed": True, "sex": sex, "cadre": cadre, "age": age,
              **insured(96)})
    assert ("below_retirement" not in failed(c)) is passes


def test_sex_is_required() -> None:
    # the retirement age differs by sex: an applicant without it is refused, not guessed
    with pytest.raises(points.ApplicantError, match="sex: is required by the schedule"):
        card({"has_permit": True, "employed": True, "cadre": False, "age": 30, **insured(96)})


def test_other_gates() -> None:
    assert failed(card({**RENTER_7Y, "employed": False})) == {"below_retirement"}
    assert failed(card({**RENTER_7Y, "has_permit": False})) == {"permit_valid"}
    crime = card({**RENTER_7Y, "criminal_record": True})
    assert failed(crime) == {"no_crime"}
    assert crime.total == Decimal("62.5")  # a gate, not a deduction


def test_highest_items() -> None:
    c = card(ACHIEVER)
    assert c.points("area") == 8
    assert c.line("residence_move").points == 6 and c.line("residence_move").capped
    assert not c.line("residence_move").counted
    assert c.points("innovation") == 12
    assert c.line("high_tech").points == 6 and not c.line("high_tech").counted
    assert c.points("tax") == 6
    capped = card(CAPPED)
    assert capped.line("job_and_residence_move").points == 12
    assert capped.line("job_and_residence_move").capped
    assert capped.points("innovation") == 6
    assert capped.line("income_tax").points == 0
    assert capped.line("age").points == 0


def test_evaluation_date_is_the_end_of_the_prior_year() -> None:
    # born 1973-06-30: 45 on 2018-12-31 (20 points), 46 by mid-2019 (0 points)
    facts = {**{k: v for k, v in RENTER_7Y.items() if k != "age"},
             "birth_date": date(1973, 6, 30)}
    assert card(facts).line("age").points == 20
    assert card(facts, on=date(2019, 6, 30)).line("age").points == 0
    schedule = points.load_schedule(SCHEDULE)
    assert "31 December" in (schedule.schedule.note or "")


def test_ranking_and_dates() -> None:
    schedule = points.load_schedule(SCHEDULE)
    r = schedule.ranking
    assert r is not None and r.key == "total" and r.quota == 6000 and r.status == "provisional"
    assert schedule.tiers[0].min_score is None  # the cutoff comes from the quota
    assert not card(RENTER_7Y, on=date(2020, 1, 1)).in_force
    assert card(RENTER_7Y, on=date(2017, 1, 1)).in_force


def test_stated_values_are_confirmed_and_the_honour_label_is_whole() -> None:
    # employment 3/yr (C4, C5), education 10.5/15/26/37 (C4, C5), high-tech 2/yr cap 6
    # (C6, C7, C8): stated without conflict
    s = points.load_schedule(SCHEDULE)
    for fid in ("employment", "education", "high_tech"):
        assert s.factors[fid].status == "confirmed", fid
    label = s.factors["honour"].label.zh
    assert "全国或首都道德模范" in label and "首都见义勇为好市民" in label
