"""Guangzhou 2021 written by hand in plain Python, one applicant at a time, without `points`
(the per-record yardstick of bench_record.py).

The same readings of the policy as `gz2021_polars.py` (see its docstring), for the
settlement purpose, on an `Applicant` validated beforehand. `score` keeps every factor's
and group's points (what a card explains) as well as the total, eligibility, tiers and
services. Points are integer hundredths.
It is checked against `points.score` in bench_record.py before it is timed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

SERVICES_PERMIT = ("employment_services", "vocational_training_subsidy", "basic_health_care",
                   "family_planning_services", "public_culture")
BACHELOR = frozenset({"bachelor", "bachelor_degree", "master", "doctorate"})


def _ages(a: Any, on: date) -> tuple[int, int]:
    """Full years on `on` and years begun (a part-year counts as a year)."""
    birth = a.birth_date
    if birth is None:
        age = a.age
        begun = a.age_years_begun if a.age_years_begun is not None else age
        return age, begun

    def full(day: date) -> int:
        return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))

    age = full(on)
    begun = age if on == birth or full(on - timedelta(days=1)) < age else age + 1
    return age, begun


def score(a: Any, on: date) -> tuple[int, bool, tuple[str, ...], tuple[str, ...],
                                      tuple[int, ...]]:
    """(total, eligible, tiers, services, every factor's and group's points)."""
    age, begun = _ages(a, on)
    permit = a.permit_months // 12 * 800
    owned_home = 2000 if a.housing == "owned" else 0
    rental = min(a.rental_months // 12 * 500, 2000)
    district_move = min(a.moved_out_central_months // 12 * 200, 1000)
    pension = a.pension_months // 12 * 200
    medical = a.medical_months // 12 * 200
    unemployment = a.unemployment_months // 12 * 200
    injury = a.injury_months // 12 * 200
    maternity = a.maternity_months // 12 * 200
    housing_fund = a.housing_fund_months // 12 * 200
    age_pts = 3000 if 18 <= begun <= 40 else 2800 - 200 * (begun - 41) if 41 <= begun <= 55 \
        else 0
    edu = a.education
    education = 3000 if edu in BACHELOR else 2000 if edu == "associate" else \
        1000 if edu == "high_school" else 0
    t = a.professional_title
    title = 2000 if t in ("intermediate", "senior") else 1000 if t == "junior" else 0
    s = a.skill_grade
    skill = 2000 if s in ("level2", "level1") else 1000 if s == "level3" else \
        500 if s == "level4" else 0
    matching_trade = 500 if a.works_in_qualified_trade else 0
    share = a.invention_patent_share
    patents = min((4000 * share.numerator + share.denominator) // (2 * share.denominator), 4000)
    rd = min(a.rd_high_tech_months // 12 * 200, 1000)
    shortage = 1000 if a.shortage_occupation else 0
    hardship = 1000 + min(a.hardship_industry_months // 12 * 500, 2000) \
        if a.hardship_industry else 0
    blood = min(a.blood_donations_5y * 200, 1000)
    v1 = min(a.volunteer_hours_year1 // 50 * 200, 200)
    v2 = min(a.volunteer_hours_year2 // 50 * 200, 200)
    v3 = min(a.volunteer_hours_year3 // 50 * 200, 200)
    v4 = min(a.volunteer_hours_year4 // 50 * 200, 200)
    v5 = min(a.volunteer_hours_year5 // 50 * 200, 200)
    income_tax = min(int(a.income_tax_3y // 10000) * 100, 1000)
    award_national = a.awards_national * 3000
    award_provincial = a.awards_provincial * 2000
    award_municipal = a.awards_municipal * 1000
    award_district = a.awards_district * 500
    k = a.merit_first_class
    merit_first = 2000 + 500 * (k - 1) if k >= 1 else 0
    k = a.merit_second_class
    merit_second = 1000 + 200 * (k - 1) if k >= 1 else 0
    k = a.merit_third_class
    merit_third = 500 + 100 * (k - 1) if k >= 1 else 0
    credit_minor = a.credit_records_under_90d * -1000
    credit_serious = a.credit_records_over_90d * -1000
    tax_evasion = a.tax_evasion_records_5y * -1000
    public_security = a.public_security_penalties_5y * -1000

    housing = max(owned_home, rental)
    insurance = pension + medical + unemployment + injury + maternity
    skills = max(title, skill)
    innovation = patents + rd
    volunteering = min(v1 + v2 + v3 + v4 + v5, 1000)
    awards = (award_national + award_provincial + award_municipal + award_district
              + merit_first + merit_second + merit_third)
    base = permit + housing + district_move + insurance + housing_fund + age_pts
    social = blood + volunteering
    bonus = (education + skills + matching_trade + innovation + shortage + hardship + social
             + income_tax + awards)
    total = max(base + bonus + credit_minor + credit_serious + tax_evasion + public_security, 0)

    holder = a.has_permit
    eligible = (holder and a.criminal_records_5y == 0 and age <= 45 and a.pension_months >= 48
                and a.employed and total >= 15000)
    settles = eligible and total >= 15000
    tiers = ("permit_holder", "settlement") if holder and settles else ("permit_holder",) \
        if holder else ("settlement",) if settles else ()
    services = (*SERVICES_PERMIT, "household_registration") if holder and settles else \
        SERVICES_PERMIT if holder else ("household_registration",) if settles else ()
    detail = (permit, owned_home, rental, district_move, pension, medical, unemployment,
              injury, maternity, housing_fund, age_pts, education, title, skill,
              matching_trade, patents, rd, shortage, hardship, blood, v1, v2, v3, v4, v5,
              income_tax, award_national, award_provincial, award_municipal, award_district,
              merit_first, merit_second, merit_third, credit_minor, credit_serious,
              tax_evasion, public_security, base, bonus, housing, insurance, skills,
              innovation, social, volunteering, awards)
    return total, bool(eligible), tiers, services, detail

