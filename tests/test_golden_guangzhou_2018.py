"""Golden worked examples for `guangzhou/2018`, every expected value computed by hand.

The arithmetic follows the 2018 来穗 table in shared/domain.md A.4 (the table the 2020
settlement measures used), the 2020 settlement gates in A.2, and the values
schedules/guangzhou/2018.toml carries over from 2021 as provisional. Durations are whole
months; a rate counts full years only. The evaluation date 2020-09-01 is inside the
schedule's span [2018-03-29, 2021-11-16) and after the 2020 measures took effect.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

import points
from _helpers import Card, Facts, assert_line, gate

SCHEDULE = "guangzhou/2018"
ON = date(2020, 9, 1)

card = Card(SCHEDULE, ON)


# A permit holder in stable work, renting, 4 years and 2 months into everything.
# permit 50 mo → 4 full yrs × 3 = 12; rental 50 mo → 4 × 2 = 8 (cap 10 not reached);
# owned home 0 → housing (highest) = 8; 5 insurance types × (4 yrs × 1) = 20;
# housing fund: no 2018 item → 0; education bachelor_degree (本科+) → 50; age 28 → 30.
# total = 12 + 8 + 20 + 50 + 30 = 120
RENTER: Facts = {
    "age": 28, "has_permit": True, "employed": True,
    "permit_months": 50, "housing": "rental", "rental_months": 50,
    "pension_months": 50, "medical_months": 50, "unemployment_months": 50,
    "injury_months": 50, "maternity_months": 50, "housing_fund_months": 50,
    "education": "bachelor_degree",
}

# Caps reached exactly, and 11- versus 12-month boundaries.
# permit 11 mo → 0; rental 60 mo → 5 × 2 = 10 (= cap 10, not cut);
# district move 60 mo → 5 × 2 = 10 (= cap, not cut); pension 12 mo → 1; medical 11 mo → 0;
# age 31 → 20; associate → 35.  total = 0 + 10 + 10 + 1 + 0 + 20 + 35 = 76
AT_CAPS: Facts = {
    "age": 31, "has_permit": True, "employed": True,
    "permit_months": 11, "housing": "rental", "rental_months": 60,
    "moved_out_central_months": 60, "pension_months": 12, "medical_months": 11,
    "education": "associate",
}

# Caps cut. permit 12 mo → 3; rental 72 mo → 6 × 2 = 12 → 10 (cut);
# district move 84 mo → 7 × 2 = 14 → 10 (cut); pension 12 → 1; medical 12 → 1;
# age 30 → 30; associate → 35.  total = 3 + 10 + 10 + 1 + 1 + 30 + 35 = 90
OVER_CAPS: Facts = {
    **AT_CAPS, "age": 30, "permit_months": 12, "rental_months": 72,
    "moved_out_central_months": 84, "medical_months": 12,
}

# Owns a home in 增城, rented before; skill grade beats the title.
# permit 96 mo → 8 × 3 = 24; housing: owned 10 + 从化/增城 5 = 15 vs rental 60 mo → 10 → 15;
# 5 types × 8 yrs × 1 = 40; age 35 → 20; master (本科+) → 50;
# skills: grade level2 30 vs junior title 20 → 30; matching trade +10.
# total = 24 + 15 + 40 + 20 + 50 + 30 + 10 = 189
OUTER_OWNER: Facts = {
    "age": 35, "has_permit": True, "employed": True,
    "permit_months": 96, "housing": "owned", "owned_home_outer_district": True,
    "rental_months": 60,
    "pension_months": 96, "medical_months": 96, "unemployment_months": 96,
    "injury_months": 96, "maternity_months": 96,
    "education": "master", "professional_title": "junior", "skill_grade": "level2",
    "works_in_qualified_trade": True,
}

# Owns a home elsewhere; the title beats the skill grade.
# housing: owned 10 vs rental 24 mo → 2 × 2 = 4 → 10; age 40 → 20;
# skills: intermediate title 30 vs grade level4 10 → 30.  total = 10 + 20 + 30 = 60
OWNER: Facts = {
    "age": 40, "housing": "owned", "rental_months": 24,
    "professional_title": "intermediate", "skill_grade": "level4",
}

# Innovation. patents 20 × 1/3 = 6.666… → 6.67 (half_up); utility 10 × 1/2 = 5;
# design 5 × 1/3 = 1.666… → 1.67; shortage occupation 20; age 30 → 30.
# total = 30 + 6.67 + 5 + 1.67 + 20 = 63.34
INNOVATOR: Facts = {
    "age": 30, "invention_patent_share": Fraction(1, 3),
    "utility_patent_share": Fraction(1, 2), "design_patent_share": Fraction(1, 3),
    "shortage_occupation": True,
}

# Innovation caps. patents 20 × 3 = 60 → 40 (cut); utility 10 × 3 = 30 → 20 (cut);
# design 5 × 3 = 15 → 10 (cut); age 30 → 30.  total = 30 + 40 + 20 + 10 = 100
PROLIFIC: Facts = {
    "age": 30, "invention_patent_share": Fraction(3), "utility_patent_share": Fraction(3),
    "design_patent_share": Fraction(3),
}

# Hardship industry 30 mo: 10 + 2 × 5 = 20; age 30 → 30.  total = 50
HARDSHIP: Facts = {"age": 30, "hardship_industry": True, "hardship_industry_months": 30}

# Social service. blood 5 × 2 = 10 (= cap, not cut); volunteering 1 per full 50 h, ≤ 2 a year:
# y1 49 h → 0; y2 50 h → 1; y3 100 h → 2 (= cap); y4 150 h → 3 → 2 (cut); y5 500 h → 10 → 2
# (cut); volunteering = 0 + 1 + 2 + 2 + 2 = 7; age 30 → 30.  total = 30 + 10 + 7 = 47
VOLUNTEER: Facts = {
    "age": 30, "blood_donations_5y": 5,
    "volunteer_hours_year1": 49, "volunteer_hours_year2": 50, "volunteer_hours_year3": 100,
    "volunteer_hours_year4": 150, "volunteer_hours_year5": 500,
}

# Awards (2021 amounts carried over, provisional), no permit. national 30; provincial 20;
# municipal 10; district 2 × 5 = 10; 一等功 ×1 → 20; 二等功 ×2 → 10 + 2 = 12; 三等功 ×1 → 5.
# awards = 30 + 20 + 10 + 10 + 20 + 12 + 5 = 107; age 30 → 30.  total = 137
DECORATED: Facts = {
    "age": 30, "awards_national": 1, "awards_provincial": 1, "awards_municipal": 1,
    "awards_district": 2, "merit_first_class": 1, "merit_second_class": 2,
    "merit_third_class": 1,
}

# RENTER (120) with records: credit 2 × −5 and 1 × −5, tax evasion −10, public security −10.
# settlement / housing: 120 − 35 = 85 (below 100); school: no deductions → 120
RECORDS: Facts = {
    **RENTER, "credit_records_under_90d": 2, "credit_records_over_90d": 1,
    "tax_evasion_records_5y": 1, "public_security_penalties_5y": 1,
}

# RENTER (120) with a criminal penalty in the last 5 years: barred from settlement.
CONVICTED: Facts = {**RENTER, "criminal_records_5y": 1}

# Floor. permit 12 mo → 3; age 44 → 10; credit 4 × −5 = −20.
# settlement: 13 − 20 = −7 → floor 0; school: 13
SINKING: Facts = {
    "age": 44, "has_permit": True, "permit_months": 12, "credit_records_under_90d": 4,
}

# Exactly the threshold with every gate passing. permit 48 mo → 4 × 3 = 12; pension 48 → 4;
# medical 48 → 4; bachelor (本科) → 50; age 30 → 30.  total = 12 + 4 + 4 + 50 + 30 = 100
AT_THRESHOLD: Facts = {
    "age": 30, "has_permit": True, "employed": True, "permit_months": 48,
    "pension_months": 48, "medical_months": 48, "education": "bachelor",
}
# medical 47 mo → 3 full yrs → 3: total 99, one short
SHORT: Facts = {**AT_THRESHOLD, "medical_months": 47}


GOLDEN = [
    pytest.param(RENTER, "settlement", "120", ("permit_holder", "settlement"), id="renter"),
    pytest.param(RENTER, "school", "120", ("permit_holder", "school_admission"),
                 id="renter-school"),
    pytest.param(AT_CAPS, "settlement", "76", ("permit_holder",), id="at-caps"),
    pytest.param(OVER_CAPS, "settlement", "90", ("permit_holder",), id="over-caps"),
    pytest.param(OUTER_OWNER, "settlement", "189", ("permit_holder", "settlement"),
                 id="outer-district-owner"),
    pytest.param(OWNER, "settlement", "60", (), id="owner"),
    pytest.param(INNOVATOR, "settlement", "63.34", (), id="innovator"),
    pytest.param(PROLIFIC, "settlement", "100", (), id="innovation-caps"),
    pytest.param(HARDSHIP, "settlement", "50", (), id="hardship"),
    pytest.param(VOLUNTEER, "settlement", "47", (), id="social-service"),
    pytest.param(DECORATED, "settlement", "137", (), id="awards-no-permit"),
    pytest.param(RECORDS, "settlement", "85", ("permit_holder",), id="deductions-settlement"),
    pytest.param(RECORDS, "housing", "85", ("permit_holder", "housing_support"),
                 id="deductions-housing"),
    pytest.param(RECORDS, "school", "120", ("permit_holder", "school_admission"),
                 id="deductions-school"),
    pytest.param(CONVICTED, "settlement", "120", ("permit_holder",), id="veto-settlement"),
    pytest.param(CONVICTED, "school", "120", ("permit_holder", "school_admission"),
                 id="veto-school"),
    pytest.param(SINKING, "settlement", "0", ("permit_holder",), id="floor-settlement"),
    pytest.param(SINKING, "school", "13", ("permit_holder", "school_admission"),
                 id="floor-school"),
    pytest.param(AT_THRESHOLD, "settlement", "100", ("permit_holder", "settlement"),
                 id="at-threshold"),
    pytest.param(SHORT, "settlement", "99", ("permit_holder",), id="short-by-1"),
]


@pytest.mark.parametrize(("facts", "purpose", "total", "tiers"), GOLDEN)
def test_golden_total_and_tiers(
    facts: Facts, purpose: str, total: str, tiers: tuple[str, ...]
) -> None:
    c = card(facts, purpose)
    assert c.total == Decimal(total)
    assert c.tiers == tiers
    assert c.schedule_id == SCHEDULE
    assert c.in_force


def test_renter_lines_and_gates() -> None:
    c = card(points.Applicant(**RENTER))
    assert c.line("permit").points == 12  # 4 full years × 3
    assert c.line("rental").points == 8  # 4 × 2
    assert not c.line("rental").capped
    assert c.points("housing") == 8
    assert c.points("insurance") == 20  # 5 types × 4 yrs × 1
    assert c.line("education").points == 50
    assert c.line("education").group == "base"  # a base indicator in 2018
    assert c.line("age").points == 30
    assert c.points("base") == 120
    assert c.points("bonus") == 0
    assert c.eligible
    assert all(g.passed for g in c.gates)
    assert c.next_tier is None


def test_no_housing_fund_rd_or_tax_items() -> None:
    # 2018 had no 公积金 item; R&D and tax have no 2018 value and are left out
    c = card(RENTER)
    for absent in ("housing_fund", "rd_high_tech", "income_tax"):
        with pytest.raises(KeyError):
            c.line(absent)


def alone(facts: Facts, fact: str) -> Decimal:
    """The insurance points of one type of `facts`, the others left out."""
    return card({"age": 30, fact: facts[fact]}).line("insurance").points


def test_caps_reached_and_cut() -> None:
    at = card(AT_CAPS)
    assert_line(at, "rental", 10, False)  # 5 × 2
    assert_line(at, "district_move", 10, False)
    assert at.line("permit").points == 0  # 11 months
    # one rule over the five insurance types (formerly the lines pension, medical, ...):
    # each type alone scores as its old line did
    assert alone(AT_CAPS, "pension_months") == 1  # 12 months
    assert alone(AT_CAPS, "medical_months") == 0  # 11 months
    assert not gate(at, "insurance_4y")
    assert at.next_tier is not None
    assert at.next_tier.id == "settlement"
    assert at.next_tier.missing == 24  # 100 − 76
    assert at.next_tier.failed_gates == ("insurance_4y",)

    over = card(OVER_CAPS)
    assert_line(over, "rental", 10, True)  # 12 → 10
    assert_line(over, "district_move", 10, True)  # 14 → 10
    assert over.line("permit").points == 3  # 12 months


def test_owned_home_outer_district_and_highest() -> None:
    c = card(OUTER_OWNER)
    assert c.line("owned_home").points == 10
    assert c.line("owned_home_outer").points == 5
    assert c.points("owned") == 15
    assert c.line("rental").points == 10  # 5 × 2 = cap, computed
    assert not c.line("rental").counted
    assert c.points("housing") == 15  # not 25
    assert c.line("skill").points == 30 and c.line("skill").counted
    assert c.line("title").points == 20 and not c.line("title").counted
    assert c.points("skills") == 30
    assert c.line("matching_trade").points == 10
    assert c.points("bonus") == 40  # 30 + 10

    o = card(OWNER)
    assert o.points("housing") == 10
    assert o.line("owned_home").counted
    assert not o.line("rental").counted  # 4 < 10
    assert o.line("title").points == 30 and o.line("title").counted
    assert not o.line("skill").counted


def test_tie_in_housing_counts_one_branch() -> None:
    # owned 10 (no outer extra) vs rental 60 mo → 5 × 2 = 10: housing = 10, one branch counts
    c = card({"age": 30, "housing": "owned", "rental_months": 60})
    assert c.points("housing") == 10
    assert c.total == 40  # 10 + age 30
    assert [c.line("owned_home").counted, c.line("rental").counted].count(True) == 1


@pytest.mark.parametrize(
    ("age", "points_"),
    [
        pytest.param(17, 0, id="17"),
        pytest.param(18, 30, id="18"),
        pytest.param(30, 30, id="30"),
        pytest.param(31, 20, id="31"),
        pytest.param(40, 20, id="40"),
        pytest.param(41, 10, id="41"),
        pytest.param(45, 10, id="45"),
        pytest.param(46, 0, id="46"),
        pytest.param(60, 0, id="60"),
    ],
)
def test_age_bands(age: int, points_: int) -> None:
    c = card({"age": age})
    assert c.line("age").points == points_
    assert c.total == points_
    assert gate(c, "age_limit") is (age <= 45)


def test_age_from_birth_date() -> None:
    # on 2020-09-01: born 1989-09-02 is 30 → 30; born 1989-09-01 turns 31 that day → 20
    assert card({"birth_date": date(1989, 9, 2)}).line("age").points == 30
    assert card({"birth_date": date(1989, 9, 1)}).line("age").points == 20


def test_education_is_base_50_35_20() -> None:
    expected = {"none": 0, "junior_high": 0, "high_school": 20, "associate": 35,
                "bachelor": 50, "bachelor_degree": 50, "master": 50, "doctorate": 50}
    for level, pts in expected.items():
        c = card({"age": 30, "education": level})
        assert c.line("education").points == pts, level
        assert c.points("base") == 30 + pts, level


def test_innovation_shares_round_half_up_and_cap() -> None:
    c = card(INNOVATOR)
    assert c.line("patents").points == Decimal("6.67")  # 20 × 1/3
    assert c.line("utility_patents").points == 5  # 10 × 1/2
    assert c.line("design_patents").points == Decimal("1.67")  # 5 × 1/3
    assert c.points("innovation") == Decimal("13.34")
    assert c.line("shortage_occupation").points == 20
    assert c.line("patents").status == "provisional"

    p = card(PROLIFIC)
    for ln, pts in (("patents", 40), ("utility_patents", 20), ("design_patents", 10)):
        assert_line(p, ln, pts, True)
    # utility 10 × 2 = 20 and design 5 × 2 = 10: exactly at the caps, not cut
    q = card({"age": 30, "utility_patent_share": 2, "design_patent_share": 2})
    assert_line(q, "utility_patents", 20, False)
    assert_line(q, "design_patents", 10, False)


@pytest.mark.parametrize(
    ("on_job", "months", "points_", "capped"),
    [
        pytest.param(True, 0, 10, False, id="starts-at-10"),
        pytest.param(True, 11, 10, False, id="11-months"),
        pytest.param(True, 12, 15, False, id="12-months"),  # 10 + 5
        pytest.param(True, 72, 40, False, id="extra-at-cap"),  # 10 + 6 × 5 = 10 + 30
        pytest.param(True, 84, 40, True, id="extra-over-cap"),  # 10 + min(35, 30)
        pytest.param(False, 84, 0, False, id="no-longer-on-the-job"),
    ],
)
def test_hardship_flat_plus_yearly(on_job: bool, months: int, points_: int,
                                   capped: bool) -> None:
    c = card({"age": 30, "hardship_industry": on_job, "hardship_industry_months": months})
    assert_line(c, "hardship", points_, capped)
    assert c.line("hardship").applied is on_job
    assert c.total == 30 + points_


def test_hardship_golden_line() -> None:
    assert card(HARDSHIP).line("hardship").points == 20  # 10 + 2 × 5


def test_social_service() -> None:
    c = card(VOLUNTEER)
    assert_line(c, "blood", 10, False)  # 5 × 2 = cap
    # one rule over the five years (formerly volunteer_year1..5): each year on its own
    # scores 0, 1, 2, 2, 2 (49 h → 0; 50 → 1; 100 → 2; 150 → 3 → 2; 500 → 10 → 2)
    alone = [card({"age": 30, f"volunteer_hours_year{i}": VOLUNTEER[f"volunteer_hours_year{i}"]})
             .line("volunteer_hours") for i in range(1, 6)]
    assert [ln.points for ln in alone] == [0, 1, 2, 2, 2]
    assert [ln.capped for ln in alone] == [False, False, False, True, True]
    hours = c.line("volunteer_hours")
    assert (hours.points, hours.capped) == (Decimal(7), True)
    assert c.points("volunteering") == 7
    assert c.points("social_service") == 17
    more = card({"age": 30, "blood_donations_5y": 7})
    assert_line(more, "blood", 10, True)  # 14 → 10


def test_awards_carried_over() -> None:
    c = card(DECORATED)
    assert c.points("awards") == 107
    assert c.line("merit_second").points == 12  # 10 + 2
    assert c.line("award_district").points == 10  # 2 × 5
    assert c.line("award_national").status == "provisional"
    assert not gate(c, "permit_valid")
    assert c.tiers == ()
    assert c.next_tier is not None
    assert c.next_tier.id == "permit_holder"
    assert c.next_tier.failed_gates == ("permit_valid",)


def test_deductions_depend_on_the_purpose() -> None:
    settle, school = card(RECORDS, "settlement"), card(RECORDS, "school")
    # one credit indicator over both counts (formerly credit_minor −10, credit_serious −5)
    assert settle.line("credit").points == -15  # (2 + 1) × −5
    assert settle.line("credit").value == {"credit_records_under_90d": 2,
                                           "credit_records_over_90d": 1}
    assert settle.line("tax_evasion").points == -10
    assert settle.line("public_security").points == -10
    assert settle.total == 85
    assert settle.eligible  # every gate passes, the score falls short
    assert settle.next_tier is not None
    assert settle.next_tier.id == "settlement"
    assert settle.next_tier.missing == 15  # 100 − 85
    assert settle.next_tier.failed_gates == ()
    assert school.total == 120
    assert not school.line("credit").applied


def test_criminal_veto_blocks_settlement_not_school() -> None:
    settle = card(CONVICTED, "settlement")
    assert settle.total == 120
    assert not gate(settle, "no_crime_5y")
    assert not settle.eligible
    assert settle.next_tier is not None
    assert settle.next_tier.id == "settlement"
    assert settle.next_tier.missing == 0
    assert settle.next_tier.failed_gates == ("no_crime_5y",)
    housing = card(CONVICTED, "housing")
    assert "housing_support" not in housing.tiers
    school = card(CONVICTED, "school")
    assert school.eligible
    assert school.next_tier is None


def test_floor_at_zero() -> None:
    c = card(SINKING, "settlement")
    assert c.raw_total == -7  # 3 + 10 − 20
    assert c.total == 0
    assert c.floor_applied
    s = card(SINKING, "school")
    assert s.total == 13
    assert not s.floor_applied


def test_one_point_short_and_at_threshold() -> None:
    short = card(SHORT)
    assert alone(SHORT, "medical_months") == 3  # 47 months → 3 full years
    assert short.next_tier is not None
    assert short.next_tier.missing == 1
    at = card(AT_THRESHOLD)
    assert alone(AT_THRESHOLD, "medical_months") == 4
    assert "household_registration" in at.services


def test_same_applicant_under_2018_and_2021() -> None:
    # RENTER: 120 under 2018 (above); under 2021: permit 4 × 8 = 32, rental 4 × 5 = 20,
    # insurance 5 × 4 × 2 = 40, fund 4 × 2 = 8, age 28 → 30, bachelor_degree 30 → 160
    later = points.score(RENTER, "guangzhou/2021", on=date(2024, 6, 1))
    assert card(RENTER).total == 120
    assert later.total == 160


def test_dates_choose_the_version() -> None:
    assert points.schedule_for("guangzhou", date(2018, 3, 29)).id == SCHEDULE
    assert points.schedule_for("guangzhou", date(2021, 11, 15)).id == SCHEDULE
    assert points.schedule_for("guangzhou", date(2021, 11, 16)).id == "guangzhou/2021"
    with pytest.raises(points.NoScheduleInForce):
        points.schedule_for("guangzhou", date(2018, 3, 28))
    late = points.score(RENTER, SCHEDULE, on=date(2024, 6, 1))
    assert not late.in_force


def test_every_factor_and_deduction_is_covered() -> None:
    # guard: the golden applicants above give every line of the schedule non-zero points
    applicants = [RENTER, AT_CAPS, OUTER_OWNER, OWNER, INNOVATOR, HARDSHIP, VOLUNTEER,
                  DECORATED, RECORDS, {**VOLUNTEER, "volunteer_hours_year1": 50}]
    scored = {ln.id for a in applicants for ln in card(a).lines if ln.points != 0}
    schedule = points.load_schedule(SCHEDULE)
    assert scored == set(schedule.factors) | set(schedule.deductions)


def test_statuses_follow_what_the_2018_sources_state() -> None:
    s = points.load_schedule(SCHEDULE)
    # deductions −5 / −10 are stated for the 2018/2020 table (A17, A19)
    assert {d.status for d in s.deductions.values()} == {"confirmed"}
    assert s.deductions["credit"].label.zh == "不良信用记录"  # no 90-day split
    # "highest only" and the 2020 measures' gates are carried back to 2018: provisional
    assert s.groups["skills"].status == "provisional"
    for gid in ("age_limit", "employed", "no_crime_5y"):
        assert s.gates[gid].status == "provisional", gid
    assert s.purposes["settlement"].status == "provisional"
    # housing support is public rental housing only (A.6)
    assert "social_assistance" not in card(RENTER, "housing").services
