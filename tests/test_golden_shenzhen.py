"""Golden worked examples for `shenzhen/2020`, every expected value computed by hand.

The arithmetic follows shared/domain.md D.1: 1 per full month owning a home or 0.2 per full
month renting (the higher), 0.3 per insurance type per full month (five types), the 2020
deductions (D4), no floor; the gates of the 2020 round (D5). Everything is computed as of
the application deadline, 2020-09-30.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import points
from _helpers import Card, Facts, failed, insured

SCHEDULE = "shenzhen/2020"
ON = date(2020, 9, 30)

card = Card(SCHEDULE, ON)


OK: Facts = {"has_permit": True, "employed": True, "sex": "male", "age": 40}

# THE CARELESS ONE, D3's worked example: 5 years renting + 5 years of social insurance.
# rental 60 mo × 0.2 = 12; insurance 0.3 × 5 types × 60 mo = 90 (not 0.3 × 60 = 18).
# total = 102
D3_EXAMPLE: Facts = {**OK, "rental_months": 60, **insured(60)}

# Owner who rented first: owned 120 mo × 1 = 120 vs rental 60 × 0.2 = 12 → 120;
# insurance 0.3 × 5 × 100 = 150.  total = 270
OWNER: Facts = {**OK, "owned_home_months": 120, "rental_months": 60, **insured(100)}

# Pension only: 0.3 × 60 = 18; rental 60 × 0.2 = 12.  total = 30
PENSION_ONLY: Facts = {**OK, "rental_months": 60, "pension_months": 60}

# Tenths: rental 61 × 0.2 = 12.2; insurance 0.3 × 5 × 61 = 91.5.  total = 103.7
TENTHS: Facts = {**OK, "rental_months": 61, **insured(61)}

# Credit records on D3_EXAMPLE (102): 2 × −15 = −30; 1 × −30.  total = 102 − 60 = 42
CREDIT: Facts = {**D3_EXAMPLE, "credit_records_under_90d": 2, "credit_records_over_90d": 1}

# A court defaulter: 42 − 100 = −58 (no floor)
DEFAULTER: Facts = {**CREDIT, "court_defaulter": True}

# Criminal record −200 and two drug records, counted once: −150.
# 102 − 200 − 150 = −248
RECORDS: Facts = {**D3_EXAMPLE, "criminal_record": True, "drug_records": 2}

# A woman of 50 is past the age limit (women under 50); a man of 50 is not.
WOMAN_50: Facts = {**D3_EXAMPLE, "sex": "female", "age": 50}

# Owned 30 months and rented 30: neither reaches 5 years, so the residence gate fails.
# owned 30 × 1 = 30 vs rental 30 × 0.2 = 6 → 30; insurance 90.  total = 120
SPLIT_HOUSING: Facts = {**OK, "owned_home_months": 30, "rental_months": 30, **insured(60)}

GOLDEN = [
    pytest.param(D3_EXAMPLE, "102", True, id="d3-example"),
    pytest.param(OWNER, "270", True, id="owner"),
    pytest.param(PENSION_ONLY, "30", True, id="pension-only"),
    pytest.param(TENTHS, "103.7", True, id="tenths"),
    pytest.param(CREDIT, "42", True, id="credit-records"),
    pytest.param(DEFAULTER, "-58", True, id="court-defaulter"),
    pytest.param(RECORDS, "-248", True, id="crime-and-drugs"),
    pytest.param(WOMAN_50, "102", False, id="woman-50"),
    pytest.param({**WOMAN_50, "sex": "male"}, "102", True, id="man-50"),
    pytest.param(SPLIT_HOUSING, "120", False, id="split-housing"),
]


@pytest.mark.parametrize(("facts", "total", "eligible"), GOLDEN)
def test_golden_total_and_eligibility(facts: Facts, total: str, eligible: bool) -> None:
    c = card(facts)
    assert c.total == Decimal(total)
    assert c.eligible is eligible
    assert c.tiers == (("settlement",) if eligible else ())
    assert c.in_force


def test_insurance_is_per_type_per_month() -> None:
    c = card(D3_EXAMPLE)
    assert c.points("insurance") == 90  # 0.3 × 5 × 60
    assert c.line("pension").points == 18  # 0.3 × 60
    assert c.points("residence") == 12
    assert card(TENTHS).line("rental").points == Decimal("12.2")


def test_owned_or_rented_the_higher() -> None:
    c = card(OWNER)
    assert c.points("residence") == 120
    assert c.line("owned_home").counted
    assert not c.line("rental").counted


def test_deductions() -> None:
    c = card(CREDIT)
    assert c.line("credit_minor").points == -30
    assert c.line("credit_serious").points == -30
    assert card(DEFAULTER).line("court_defaulter").points == -100
    r = card(RECORDS)
    assert r.line("crime").points == -200
    assert r.line("drugs").points == -150 and r.line("drugs").capped


@pytest.mark.parametrize(("sex", "age", "passes"), [
    pytest.param("male", 54, True, id="man-54"),
    pytest.param("male", 55, False, id="man-55"),
    pytest.param("female", 49, True, id="woman-49"),
    pytest.param("female", 50, False, id="woman-50"),
])
def test_sex_dependent_age_gate(sex: str | None, age: int, passes: bool) -> None:
    c = card({**D3_EXAMPLE, "sex": sex, "age": age})
    assert ("age_limit" not in failed(c)) is passes


def test_sex_is_required() -> None:
    # the age limit differs by sex: an applicant without it is refused, not guessed
    with pytest.raises(points.ApplicantError, match="sex: is required by the schedule"):
        card({**{k: v for k, v in D3_EXAMPLE.items() if k != "sex"}, "age": 30})


@pytest.mark.parametrize(("facts", "gate"), [
    pytest.param({**D3_EXAMPLE, "rental_months": 59}, "residence_5y", id="rental-59"),
    pytest.param(SPLIT_HOUSING, "residence_5y", id="split-housing"),
    pytest.param({**D3_EXAMPLE, "pension_months": 59}, "pension_5y", id="pension-59"),
    pytest.param({**D3_EXAMPLE, "has_permit": False}, "permit_valid", id="no-permit"),
    pytest.param({**D3_EXAMPLE, "employed": False}, "insured_now", id="not-insured-now"),
    pytest.param({**D3_EXAMPLE, "banned_organisation": True}, "no_banned_organisation",
                 id="banned-organisation"),
])
def test_each_gate_fails_alone(facts: Facts, gate: str) -> None:
    assert failed(card(facts)) == {gate}


def test_ranking_has_no_pass_mark() -> None:
    schedule = points.load_schedule(SCHEDULE)
    assert schedule.ranking is not None
    assert schedule.ranking.quota == 10000
    assert schedule.ranking.key == "total"
    assert all(t.min_score is None for t in schedule.tiers)


def test_one_round_table_ends_after_the_deadline() -> None:
    # D4, D5: applications 2020-06-29 to 2020-09-30, everything computed at the deadline;
    # the 2022 table (D2) differs (a court defaulter −200, not −100), so the 2020 table is
    # not in force after the round: effective_until 2020-10-01 (exclusive)
    assert card(D3_EXAMPLE).in_force  # 2020-09-30, the deadline
    assert not points.score(D3_EXAMPLE, SCHEDULE, on=date(2020, 10, 1)).in_force
    assert points.schedule_for("shenzhen", date(2020, 9, 30)).id == SCHEDULE
    with pytest.raises(points.NoScheduleInForce):
        points.schedule_for("shenzhen", date(2026, 11, 30))


def test_rates_attested_only_after_2020_are_provisional() -> None:
    # owned 1/month, rental 0.2/month and pension 0.3/month come from D2 (2022) and D3 only
    s = points.load_schedule(SCHEDULE)
    for fid in ("owned_home", "rental", "pension"):
        assert s.factors[fid].status == "provisional", fid
    assert s.groups["residence"].status == "provisional"
    assert (s.schedule.note or "").startswith("PROVISIONAL DATES")
