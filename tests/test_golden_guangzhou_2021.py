"""Golden worked examples for `guangzhou/2021`, every expected value computed by hand.

The arithmetic follows the table in shared/domain.md A.3 (indicators), A.2 (settlement
gates) and A.6 (purposes), as written in schedules/guangzhou/2021.toml. Durations are whole
months; a rate counts full years only ("每满1年"). Age: −2 for each year *or part-year*
above 40, counted in years begun (given `age` alone is taken as exact). Settlement needs a
total of 150 (A22, the 2022 round on; the gate score_150 and the tier's min_score). The
evaluation date is 2024-06-01.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

import points
from _helpers import Card, Facts, assert_line, gate

SCHEDULE = "guangzhou/2021"
ON = date(2024, 6, 1)

card = Card(SCHEDULE, ON)


# A permit holder in stable work, renting, 4 years and 2 months into everything.
# permit 50 mo → 4 full yrs × 8 = 32; rental 50 mo → 4 × 5 = 20 (= cap 20, not cut);
# owned home: housing is "rental" → 0, so housing (highest) = 20;
# 5 insurance types × (4 yrs × 2) = 40; housing fund 4 × 2 = 8; age 28 → 30;
# education bachelor_degree (at least 本科) → 30.
# total = 32 + 20 + 40 + 8 + 30 + 30 = 160
RENTER: Facts = {
    "age": 28, "has_permit": True, "employed": True,
    "permit_months": 50, "housing": "rental", "rental_months": 50,
    "pension_months": 50, "medical_months": 50, "unemployment_months": 50,
    "injury_months": 50, "maternity_months": 50, "housing_fund_months": 50,
    "education": "bachelor_degree",
}

# Caps hit, and 11- versus 12-month boundaries.
# permit 11 mo → 0 full yrs → 0; rental 61 mo → 5 × 5 = 25 → cap 20 (cut);
# district move 72 mo → 6 × 2 = 12 → cap 10 (cut); pension 12 mo → 1 × 2 = 2;
# medical 11 mo → 0; housing fund 23 mo → 1 × 2 = 2; age 41 → 30 − 2 = 28;
# education associate → 20.
# total = 0 + 20 + 10 + 2 + 0 + 2 + 28 + 20 = 82
CAPPED: Facts = {
    "age": 41, "has_permit": True, "employed": True,
    "permit_months": 11, "housing": "rental", "rental_months": 61,
    "moved_out_central_months": 72, "pension_months": 12, "medical_months": 11,
    "housing_fund_months": 23, "education": "associate",
}

# Owns a home and also rented before; holds a title and a skill grade.
# permit 96 mo → 8 × 8 = 64; housing: owned 20 vs rental 36 mo → 3 × 5 = 15 → 20;
# 5 types × (8 × 2) = 80; housing fund 8 × 2 = 16; age 35 → 30; master (≥ 本科) → 30;
# skills: title intermediate 20 vs grade level3 10 → 20; matching trade +5.
# total = 64 + 20 + 80 + 16 + 30 + 30 + 20 + 5 = 265
OWNER: Facts = {
    "age": 35, "has_permit": True, "employed": True,
    "permit_months": 96, "housing": "owned", "rental_months": 36,
    "pension_months": 96, "medical_months": 96, "unemployment_months": 96,
    "injury_months": 96, "maternity_months": 96, "housing_fund_months": 96,
    "education": "master", "professional_title": "intermediate", "skill_grade": "level3",
    "works_in_qualified_trade": True,
}

# Skill grade beats the title this time. age 30 → 30; skills: grade level2 (技师) 20 vs
# junior title 10 → 20; education high_school → 10.  total = 30 + 20 + 10 = 60
TECHNICIAN: Facts = {
    "age": 30, "professional_title": "junior", "skill_grade": "level2",
    "education": "high_school",
}

# Age 55: permit 24 mo → 2 × 8 = 16; pension 60 mo → 5 × 2 = 10;
# age 55 → 30 − 2 × 15 = 0.  total = 16 + 10 + 0 = 26
AGE_55: Facts = {
    "age": 55, "has_permit": True, "employed": True, "permit_months": 24,
    "pension_months": 60,
}

# Innovation. permit 36 mo → 3 × 8 = 24; age 30 → 30;
# patents 20 × 1/3 = 6.666… → 6.67 (half_up); R&D 60 mo → 5 × 2 = 10 (= cap, not cut);
# shortage occupation 10.  total = 24 + 30 + 6.67 + 10 + 10 = 80.67
INNOVATOR: Facts = {
    "age": 30, "permit_months": 36, "invention_patent_share": Fraction(1, 3),
    "rd_high_tech_months": 60, "shortage_occupation": True,
}

# Innovation caps. patents 20 × (1 + 1 + 1/2 + 1/2 + 1/3) = 20 × 10/3 = 66.67 → cap 40 (cut);
# R&D 72 mo → 6 × 2 = 12 → cap 10 (cut); age 30 → 30.  total = 40 + 10 + 30 = 80
PROLIFIC: Facts = {
    "age": 30, "invention_patent_share": Fraction(10, 3), "rd_high_tech_months": 72,
}

# Hardship industry 30 mo: 10 + 2 full yrs × 5 = 20; age 30 → 30.  total = 50
HARDSHIP: Facts = {"age": 30, "hardship_industry": True, "hardship_industry_months": 30}

# Social service. blood 6 × 2 = 12 → cap 10 (cut); volunteering 2 per full 50 h, ≤ 2 a year:
# y1 120 h → 2 × 2 = 4 → 2 (cut); y2 50 h → 2; y3 49 h → 0; y4 100 h → 4 → 2 (cut); y5 0.
# volunteering = 2 + 2 + 0 + 2 + 0 = 6 (group cap 10 not reached); age 30 → 30.
# total = 30 + 10 + 6 = 46
VOLUNTEER: Facts = {
    "age": 30, "blood_donations_5y": 6,
    "volunteer_hours_year1": 120, "volunteer_hours_year2": 50, "volunteer_hours_year3": 49,
    "volunteer_hours_year4": 100,
}

# Awards, without a residence permit. national 1 × 30; provincial 1 × 20; municipal 2 × 10;
# district 1 × 5; 一等功 ×2 → 20 + 5 = 25; 二等功 ×1 → 10; 三等功 ×3 → 5 + 2 × 1 = 7.
# awards = 30 + 20 + 20 + 5 + 25 + 10 + 7 = 117; age 30 → 30.  total = 147
DECORATED: Facts = {
    "age": 30, "has_permit": False, "employed": True,
    "awards_national": 1, "awards_provincial": 1, "awards_municipal": 2, "awards_district": 1,
    "merit_first_class": 2, "merit_second_class": 1, "merit_third_class": 3,
}

# RENTER (160) with records: credit −10 − 10, tax evasion −10, public security 2 × −10 = −20.
# settlement / housing: 160 − 50 = 110; school: the deductions do not apply → 160
RECORDS: Facts = {
    **RENTER, "credit_records_under_90d": 1, "credit_records_over_90d": 1,
    "tax_evasion_records_5y": 1, "public_security_penalties_5y": 2,
}

# RENTER (160) with a criminal penalty in the last 5 years: no points change, the veto bars
# settlement and housing.
CONVICTED: Facts = {**RENTER, "criminal_records_5y": 1}

# Floor. permit 12 mo → 1 × 8 = 8; age 50 → 30 − 2 × 10 = 10; credit 3 × −10 = −30;
# public security 1 × −10.  settlement: 18 − 40 = −22 → floor 0; school: 18
SINKING: Facts = {
    "age": 50, "has_permit": True, "permit_months": 12,
    "credit_records_under_90d": 3, "public_security_penalties_5y": 1,
}

# 2 points short of 150. permit 48 mo → 4 × 8 = 32; 5 insurance types × 48 mo → 5 × 4 × 2 = 40;
# rental 48 mo → 4 × 5 = 20; housing fund 36 mo → 3 × 2 = 6; age 30 → 30; associate → 20.
# total = 32 + 40 + 20 + 6 + 30 + 20 = 148, missing 2: only the score gate fails
SHORT: Facts = {
    "age": 30, "has_permit": True, "employed": True, "permit_months": 48,
    "pension_months": 48, "medical_months": 48, "unemployment_months": 48,
    "injury_months": 48, "maternity_months": 48, "housing": "rental", "rental_months": 48,
    "housing_fund_months": 36, "education": "associate",
}
# SHORT plus 12 months outside the four central districts → 1 × 2 = 2: total = 150, exactly
# the threshold
AT_THRESHOLD: Facts = {**SHORT, "moved_out_central_months": 12}

# Income tax (placeholder rule: 1 per full ¥10,000, cap 10): ¥25,000 → 2; age 30 → 30.  = 32
TAXPAYER: Facts = {"age": 30, "income_tax_3y": Decimal("25000")}


GOLDEN = [
    pytest.param(RENTER, "settlement", "160", ("permit_holder", "settlement"), id="renter"),
    pytest.param(RENTER, "school", "160", ("permit_holder", "school_admission"),
                 id="renter-school"),
    pytest.param(RENTER, "housing", "160", ("permit_holder", "housing_support"),
                 id="renter-housing"),
    pytest.param(CAPPED, "settlement", "82", ("permit_holder",), id="caps-and-boundaries"),
    pytest.param(OWNER, "settlement", "265", ("permit_holder", "settlement"), id="owner"),
    pytest.param(TECHNICIAN, "settlement", "60", (), id="technician"),
    pytest.param(AGE_55, "settlement", "26", ("permit_holder",), id="age-55"),
    pytest.param(INNOVATOR, "settlement", "80.67", (), id="innovator"),
    pytest.param(PROLIFIC, "settlement", "80", (), id="innovation-caps"),
    pytest.param(HARDSHIP, "settlement", "50", (), id="hardship"),
    pytest.param(VOLUNTEER, "settlement", "46", (), id="social-service"),
    pytest.param(DECORATED, "settlement", "147", (), id="awards-no-permit"),
    # 110 < 150: no settlement (under the 2020 measures' 100 it qualified)
    pytest.param(RECORDS, "settlement", "110", ("permit_holder",),
                 id="deductions-settlement"),
    pytest.param(RECORDS, "housing", "110", ("permit_holder", "housing_support"),
                 id="deductions-housing"),
    pytest.param(RECORDS, "school", "160", ("permit_holder", "school_admission"),
                 id="deductions-school"),
    pytest.param(CONVICTED, "settlement", "160", ("permit_holder",), id="veto-settlement"),
    pytest.param(CONVICTED, "housing", "160", ("permit_holder",), id="veto-housing"),
    pytest.param(CONVICTED, "school", "160", ("permit_holder", "school_admission"),
                 id="veto-school"),
    pytest.param(SINKING, "settlement", "0", ("permit_holder",), id="floor-settlement"),
    pytest.param(SINKING, "school", "18", ("permit_holder", "school_admission"),
                 id="floor-school"),
    pytest.param(SHORT, "settlement", "148", ("permit_holder",), id="short-by-2"),
    pytest.param(AT_THRESHOLD, "settlement", "150", ("permit_holder", "settlement"),
                 id="at-threshold"),
    pytest.param(TAXPAYER, "settlement", "32", (), id="income-tax"),
]


@pytest.mark.parametrize(("facts", "purpose", "total", "tiers"), GOLDEN)
def test_golden_total_and_tiers(
    facts: Facts, purpose: str, total: str, tiers: tuple[str, ...]
) -> None:
    c = card(facts, purpose)
    assert c.total == Decimal(total)
    assert c.tiers == tiers
    assert c.schedule_id == SCHEDULE
    assert c.purpose == purpose
    assert c.in_force


def test_renter_lines_and_gates() -> None:
    c = card(points.Applicant(**RENTER))
    assert c.line("permit").points == 32  # 4 full years × 8
    assert c.line("rental").points == 20  # 4 × 5 = 20, exactly the cap
    assert not c.line("rental").capped
    assert c.line("owned_home").points == 0
    assert c.points("housing") == 20
    assert c.points("insurance") == 40  # 5 types × 4 yrs × 2
    assert c.line("housing_fund").points == 8
    assert c.line("age").points == 30
    assert c.line("education").points == 30
    assert c.points("base") == 130  # 32 + 20 + 40 + 8 + 30
    assert c.points("bonus") == 30
    assert c.eligible
    assert all(g.passed for g in c.gates)
    assert c.services == ("employment_services", "vocational_training_subsidy",
                          "basic_health_care", "family_planning_services", "public_culture",
                          "household_registration")
    assert c.next_tier is None
    assert not c.floor_applied


def alone(facts: Facts, fact: str) -> Decimal:
    """The insurance points of one type of `facts`, the others left out."""
    return card({"age": 30, fact: facts[fact]}).line("insurance").points


def test_caps_cut_and_month_boundaries() -> None:
    c = card(CAPPED)
    assert_line(c, "rental", 20, True)  # 25 → 20
    assert_line(c, "district_move", 10, True)  # 12 → 10
    assert c.line("permit").points == 0  # 11 months: no full year
    # one rule over the five insurance types (formerly the lines pension, medical, ...):
    # each type alone scores as its old line did
    assert alone(CAPPED, "pension_months") == 2  # 12 months: one full year
    assert alone(CAPPED, "medical_months") == 0  # 11 months
    assert c.line("insurance").value["pension_months"] == 12
    assert c.line("housing_fund").points == 2  # 23 months: one full year
    assert c.line("age").points == 28  # 41: 30 − 2
    assert not gate(c, "insurance_4y")  # pension 12 < 48
    assert gate(c, "age_limit") and gate(c, "permit_valid") and gate(c, "employed")
    assert not c.eligible
    assert c.next_tier is not None
    assert c.next_tier.id == "settlement"
    assert c.next_tier.missing == 68  # 150 − 82
    assert c.next_tier.failed_gates == ("insurance_4y", "score_150")


def test_owned_or_rented_and_skills_take_the_highest() -> None:
    c = card(OWNER)
    assert c.line("owned_home").points == 20
    assert c.line("owned_home").counted
    assert c.line("rental").points == 15  # 3 × 5, computed but not counted
    assert not c.line("rental").counted
    assert c.points("housing") == 20  # not 35
    assert c.line("title").points == 20 and c.line("title").counted
    assert c.line("skill").points == 10 and not c.line("skill").counted
    assert c.points("skills") == 20  # not 30
    assert c.line("matching_trade").points == 5
    assert c.points("bonus") == 55  # 30 + 20 + 5

    t = card(TECHNICIAN)
    assert t.line("skill").points == 20 and t.line("skill").counted
    assert t.line("title").points == 10 and not t.line("title").counted
    assert t.points("skills") == 20


@pytest.mark.parametrize(
    ("age", "points_"),
    [
        pytest.param(17, 0, id="17-below-every-band"),
        pytest.param(18, 30, id="18"),
        pytest.param(40, 30, id="40-last-full"),
        pytest.param(41, 28, id="41"),  # 30 − 2 × 1
        pytest.param(45, 20, id="45"),  # 30 − 2 × 5
        pytest.param(46, 18, id="46"),  # 30 − 2 × 6
        pytest.param(54, 2, id="54"),  # 30 − 2 × 14
        pytest.param(55, 0, id="55"),  # 30 − 2 × 15
        pytest.param(56, 0, id="56"),  # floor 0
        pytest.param(70, 0, id="70"),
    ],
)
def test_age_declines_after_40(age: int, points_: int) -> None:
    c = card({"age": age})
    assert c.line("age").points == points_
    assert c.total == points_
    assert gate(c, "age_limit") is (age <= 45)


def test_age_from_birth_date_counts_a_part_year_as_a_year() -> None:
    # 2024-06-01. Each year *or part-year* above 40 takes 2 (A9, A10):
    # born 1984-06-01: 40th birthday, no part-year → 30
    assert card({"birth_date": date(1984, 6, 1)}).line("age").points == 30
    # born 1983-12-01: 40 and a half → the part-year counts → 30 − 2 × 1 = 28 (was 30)
    half = card({"birth_date": date(1983, 12, 1)})
    assert half.line("age").points == 28
    assert half.line("age").value == 41  # years begun
    # born 1983-06-02: 40 years and 364 days → 28 (was 30 when full years were counted)
    assert card({"birth_date": date(1983, 6, 2)}).line("age").points == 28
    # born 1983-06-01: 41st birthday, one whole year above 40 → 28
    assert card({"birth_date": date(1983, 6, 1)}).line("age").points == 28
    # born 1983-05-31: 41 and a day → years begun 42 → 30 − 2 × 2 = 26
    assert card({"birth_date": date(1983, 5, 31)}).line("age").points == 26
    # born 1969-06-02: 54 and 364 days → 55 begun → 30 − 2 × 15 = 0
    assert card({"birth_date": date(1969, 6, 2)}).line("age").points == 0
    # born 1978-06-01 is 46 on the day → age gate fails, 30 − 2 × 6 = 18
    c = card({"birth_date": date(1978, 6, 1)})
    assert c.line("age").points == 18
    assert not gate(c, "age_limit")


def test_age_55_gets_nothing_and_fails_the_age_gate() -> None:
    c = card(AGE_55)
    assert c.line("age").points == 0
    assert not gate(c, "age_limit")
    assert gate(c, "insurance_4y")  # 60 ≥ 48
    assert c.next_tier is not None
    assert c.next_tier.failed_gates == ("age_limit", "score_150")
    assert c.next_tier.missing == 124  # 150 − 26


@pytest.mark.parametrize(
    ("months", "points_", "capped"),
    [
        pytest.param(11, 0, False, id="11-months"),
        pytest.param(12, 8, False, id="12-months"),  # 1 × 8
        pytest.param(23, 8, False, id="23-months"),
        pytest.param(120, 80, False, id="10-years"),  # 10 × 8, no cap
    ],
)
def test_permit_counts_full_years(months: int, points_: int, capped: bool) -> None:
    assert_line(card({"age": 30, "permit_months": months}), "permit", points_, capped)


def test_innovation_share_rounding_and_caps() -> None:
    c = card(INNOVATOR)
    assert c.line("patents").points == Decimal("6.67")  # 20 × 1/3 = 6.666… half_up
    assert c.line("rd_high_tech").points == 10  # 5 × 2 = 10 = cap, not cut
    assert not c.line("rd_high_tech").capped
    assert c.line("shortage_occupation").points == 10
    assert c.points("innovation") == Decimal("16.67")

    p = card(PROLIFIC)
    assert_line(p, "patents", 40, True)  # 66.67 → 40
    assert_line(p, "rd_high_tech", 10, True)


@pytest.mark.parametrize(
    ("share", "points_", "capped"),
    [
        pytest.param(Fraction(1, 3), "6.67", False, id="1-of-3"),  # 6.666…
        pytest.param(Fraction(2, 3), "13.33", False, id="2-of-3"),  # 13.333…
        pytest.param(Fraction(1, 8), "2.50", False, id="1-of-8"),  # exact
        pytest.param(Fraction(1, 32), "0.63", False, id="1-of-32-half-up"),  # 0.625
        pytest.param(Fraction(1, 2) + Fraction(1, 3) + Fraction(1, 6), "20", False,
                     id="three-shares-make-one"),
        pytest.param(Fraction(2), "40", False, id="two-sole-at-cap"),
        pytest.param(Fraction(7, 3), "40", True, id="over-cap"),  # 46.67 → 40
    ],
)
def test_patent_share(share: Fraction, points_: str, capped: bool) -> None:
    line = card({"age": 30, "invention_patent_share": share}).line("patents")
    assert line.points == Decimal(points_)
    assert line.capped is capped


@pytest.mark.parametrize(
    ("on_job", "months", "points_", "capped"),
    [
        pytest.param(True, 0, 10, False, id="starts-at-10"),
        pytest.param(True, 11, 10, False, id="11-months"),
        pytest.param(True, 12, 15, False, id="12-months"),  # 10 + 5
        pytest.param(True, 48, 30, False, id="extra-at-cap"),  # 10 + 4 × 5 = 10 + 20
        pytest.param(True, 60, 30, True, id="extra-over-cap"),  # 10 + min(25, 20)
        pytest.param(False, 60, 0, False, id="no-longer-on-the-job"),
    ],
)
def test_hardship_flat_plus_yearly(on_job: bool, months: int, points_: int,
                                   capped: bool) -> None:
    c = card({"age": 30, "hardship_industry": on_job, "hardship_industry_months": months})
    assert_line(c, "hardship", points_, capped)
    assert c.line("hardship").applied is on_job
    assert c.total == 30 + points_  # age 30 → 30


def test_hardship_golden_line() -> None:
    assert card(HARDSHIP).line("hardship").points == 20  # 10 + 2 × 5


def test_social_service_caps() -> None:
    c = card(VOLUNTEER)
    assert_line(c, "blood", 10, True)  # 12 → 10
    # one rule over the five years (formerly volunteer_year1..5): each year on its own
    # scores 2, 2, 0, 2, 0 (120 h → 4, capped at 2; 50 → 2; 49 → 0; 100 → 4 → 2; none)
    hours = c.line("volunteer_hours")
    assert hours.value == {f"volunteer_hours_year{i}": VOLUNTEER.get(f"volunteer_hours_year{i}", 0)
                           for i in range(1, 6)}
    alone = [card({"age": 30, f"volunteer_hours_year{i}": VOLUNTEER.get(
        f"volunteer_hours_year{i}", 0)}).line("volunteer_hours") for i in range(1, 6)]
    assert [ln.points for ln in alone] == [2, 2, 0, 2, 0]
    assert [ln.capped for ln in alone] == [True, False, False, True, False]
    assert (hours.points, hours.capped) == (Decimal(6), True)  # a year was capped
    assert c.points("volunteering") == 6
    assert c.points("social_service") == 16
    # five years at the yearly cap add up to exactly the group cap: 5 × 2 = 10, never cut
    full = card({"age": 30, "blood_donations_5y": 5,
                 **{f"volunteer_hours_year{i}": 50 for i in range(1, 6)}})
    assert_line(full, "blood", 10, False)  # 5 × 2
    assert full.points("volunteering") == 10
    assert not next(g for g in full.groups if g.id == "volunteering").capped


def test_awards_without_permit_unlock_nothing() -> None:
    c = card(DECORATED)
    assert c.points("awards") == 117
    assert c.line("merit_first").points == 25  # 20 + 5
    assert c.line("merit_second").points == 10
    assert c.line("merit_third").points == 7  # 5 + 1 + 1
    assert c.line("award_municipal").points == 20  # 2 × 10
    assert not gate(c, "permit_valid")
    assert not c.eligible
    assert c.tiers == ()
    assert c.services == ()
    assert c.next_tier is not None
    assert c.next_tier.id == "permit_holder"
    assert c.next_tier.failed_gates == ("permit_valid",)
    assert c.next_tier.missing == 0


def test_deductions_depend_on_the_purpose() -> None:
    settle, school = card(RECORDS, "settlement"), card(RECORDS, "school")
    # one credit indicator over both counts (formerly credit_minor −10, credit_serious −10)
    assert settle.line("credit").points == -20  # (1 + 1) × −10
    assert settle.line("tax_evasion").points == -10
    assert settle.line("public_security").points == -20  # 2 × −10
    assert settle.total == 110  # 160 − 50
    assert settle.line("credit").label("zh") == "不良信用记录"  # no 90-day split
    for ln in ("credit", "tax_evasion", "public_security"):
        assert school.line(ln).points == 0
        assert not school.line(ln).applied
    assert school.total == 160
    assert school.raw_total == 160


def test_criminal_veto_blocks_settlement_not_school() -> None:
    settle = card(CONVICTED, "settlement")
    assert settle.total == 160  # the veto is a gate, not a deduction
    assert not gate(settle, "no_crime_5y")
    assert next(g for g in settle.gates if g.id == "no_crime_5y").veto
    assert not settle.eligible
    assert "household_registration" not in settle.services
    assert settle.next_tier is not None
    assert settle.next_tier.id == "settlement"
    assert settle.next_tier.missing == 0
    assert settle.next_tier.failed_gates == ("no_crime_5y",)

    school = card(CONVICTED, "school")
    assert school.eligible
    assert "public_school_admission" in school.services
    assert school.next_tier is None


def test_floor_at_zero() -> None:
    c = card(SINKING, "settlement")
    assert c.raw_total == -22  # 8 + 10 − 30 − 10
    assert c.total == 0
    assert c.floor_applied
    assert c.line("credit").points == -30  # uncapped: 3 × −10
    s = card(SINKING, "school")
    assert s.total == 18
    assert not s.floor_applied


def test_just_short_and_exactly_at_the_threshold() -> None:
    short = card(SHORT)
    assert not short.eligible  # 148: the qualifying-score gate fails, every other passes
    assert [g.id for g in short.gates if not g.passed] == ["score_150"]
    assert short.next_tier is not None
    assert short.next_tier.id == "settlement"
    assert short.next_tier.missing == 2  # 150 − 148
    assert short.next_tier.failed_gates == ("score_150",)
    at = card(AT_THRESHOLD)
    assert at.eligible
    assert "settlement" in at.tiers  # 150 ≥ 150
    assert at.next_tier is None


def test_settlement_agrees_with_the_2023_settlement_measures() -> None:
    # 2024-06-01: both schedules are in force. 140 points: permit 60 mo → 5 × 8 = 40;
    # 5 insurance types × 60 mo → 5 × 5 × 2 = 50; age 30 → 30; associate → 20.
    # total = 40 + 50 + 30 + 20 = 140 < 150: not eligible under either (under the 2020
    # measures' 100 it was "eligible, settlement" here)
    facts = {"age": 30, "has_permit": True, "employed": True, "permit_months": 60,
             **dict.fromkeys(("pension_months", "medical_months", "unemployment_months",
                              "injury_months", "maternity_months"), 60),
             "education": "associate"}
    a, b = card(facts), points.score(facts, "guangzhou-settlement/2023", on=ON)
    assert a.total == b.total == 140
    assert not a.eligible and not b.eligible
    assert "settlement" not in a.tiers and "settlement" not in b.tiers
    # both rank by the base score: 40 + 50 + 30 = 120 (education is a bonus indicator)
    assert a.points("base") == b.points("base") == 120
    for sid in (SCHEDULE, "guangzhou-settlement/2023"):
        ranking = points.load_schedule(sid).ranking
        assert ranking is not None and ranking.key == "base"


def test_years_begun_can_be_given_and_must_match_the_birth_date() -> None:
    # without a birth date, a given age_years_begun is used: 43 → 30 − 2 × 3 = 24
    assert card({"age": 42, "age_years_begun": 43}).line("age").points == 24
    # born 1983-12-01 begins year 41 on 2024-06-01: 42 contradicts it
    with pytest.raises(points.ApplicantError, match="age_years_begun"):
        card({"birth_date": date(1983, 12, 1), "age_years_begun": 42})


def test_housing_support_grants_public_rental_housing_only() -> None:
    # A.6: 积分制住房保障 is public rental housing; no source ties social assistance to a score
    c = card(RENTER, "housing")
    assert "public_rental_housing" in c.services
    assert "social_assistance" not in c.services


@pytest.mark.parametrize(
    ("tax", "points_", "capped"),
    [
        pytest.param("9999.99", 0, False, id="under-one-step"),
        pytest.param("25000", 2, False, id="two-steps"),
        pytest.param("100000", 10, False, id="at-cap"),
        pytest.param("150000", 10, True, id="over-cap"),  # 15 → 10
    ],
)
def test_income_tax_placeholder(tax: str, points_: int, capped: bool) -> None:
    c = card({"age": 30, "income_tax_3y": Decimal(tax)})
    assert_line(c, "income_tax", points_, capped)
    assert c.line("income_tax").status == "provisional"


def test_education_levels() -> None:
    # 高中 10 / 专科 20 / 本科+ 30; nothing below 高中
    expected = {"none": 0, "junior_high": 0, "high_school": 10, "associate": 20,
                "bachelor": 30, "bachelor_degree": 30, "master": 30, "doctorate": 30}
    for level, pts in expected.items():
        assert card({"age": 30, "education": level}).line("education").points == pts, level


def test_every_factor_and_deduction_is_covered() -> None:
    # guard: the golden applicants above give every line of the schedule non-zero points
    applicants = [RENTER, CAPPED, OWNER, TECHNICIAN, INNOVATOR, HARDSHIP, VOLUNTEER,
                  DECORATED, RECORDS, TAXPAYER,
                  {**VOLUNTEER, "volunteer_hours_year3": 50, "volunteer_hours_year5": 50}]
    scored = {ln.id for a in applicants for ln in card(a).lines if ln.points != 0}
    schedule = points.load_schedule(SCHEDULE)
    assert scored == set(schedule.factors) | set(schedule.deductions)


def test_statuses_and_labels_follow_the_sources() -> None:
    s = points.load_schedule(SCHEDULE)
    # −10 per bad credit record is stated for the 2021 table (A13): confirmed
    assert s.deductions["credit"].status == "confirmed"
    # the permit is a 广东省居住证 issued in Guangzhou, not a separate Guangzhou permit
    assert s.factors["permit"].label.zh == "持有广州市办理的广东省居住证年限"
    assert s.gates["permit_valid"].label.zh == "持有广州市办理的有效广东省居住证"
    # A22 against A23: the 150 of the 2022 round is provisional here
    assert s.gates["score_150"].status == "provisional"
    tier = next(t for t in s.tiers if t.id == "settlement")
    assert tier.min_score == 150 and tier.status == "provisional"
    # no service tier has a min_score: the seed's 阶梯式 names no score (listed as not covered)
    assert [t.id for t in s.tiers if t.min_score is not None] == ["settlement"]
