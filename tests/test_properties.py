"""Properties of scoring (issue 2), over every bundled schedule and over random schedules.

- the total is the sum of the top-level lines and groups plus the deductions that apply,
  raised to the floor — recomputed from the card, each group from its members;
- no line or group exceeds its cap;
- more of a positively weighted fact never lowers the total;
- tiers are nested: a higher total never loses a tier's services (the facts held fixed);
- a score card survives `to_dict()` → JSON → `from_dict()`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import points
from points import FACTS, Applicant, ScoreCard, analysis, load_schedule, score
from points.schedule.model import Schedule
from points.testing import (
    applicants,
    assert_capped,
    assert_monotone,
    assert_tiers_nested,
    schedules,
)

BUNDLED = points.bundled_ids()
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@cache
def strategy(sid: str) -> st.SearchStrategy[Applicant]:
    return applicants(load_schedule(sid))


def purposes(s: Schedule) -> list[str | None]:
    return list(s.purposes) or [None]


def recomputed_total(s: Schedule, card: ScoreCard) -> None:
    """Check every group and the total of `card` against the schedule's definitions."""
    lines = {ln.id: ln.points for ln in card.lines}
    groups = {g.id: g.points for g in card.groups}
    for gid, spec in s.groups.items():
        members = [lines[k] for k, f in s.factors.items() if f.group == gid]
        members += [groups[k] for k, g in s.groups.items() if g.group == gid]
        combined = max(members, default=Decimal(0)) if spec.combine == "highest" \
            else sum(members, Decimal(0))
        if spec.cap is not None and combined > spec.cap:
            combined = spec.cap
        assert groups[gid] == combined, gid
    raw = sum((lines[k] for k, f in s.factors.items() if f.group is None), Decimal(0))
    raw += sum((groups[k] for k, g in s.groups.items() if g.group is None), Decimal(0))
    raw += sum((lines[k] for k in s.deductions), Decimal(0))
    for ln in card.lines:
        if ln.kind == "deduction" and not ln.applied:
            assert ln.points == 0, ln.id
    assert card.raw_total == raw
    floor = s.schedule.floor
    assert card.total == (raw if floor is None or raw >= floor else floor)
    assert card.floor_applied == (card.total != raw)


def round_trip(card: ScoreCard) -> None:
    data = card.to_dict()
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    back = ScoreCard.from_dict(again)
    assert back == card
    assert back.to_dict() == data


@st.composite
def raises(draw: st.DrawFn, fact: str) -> Any:
    """How much to raise a fact by: months to decades, a few levels, cents to millions."""
    kind = FACTS[fact].kind
    if kind == "int":
        return draw(st.integers(1, 240))
    if kind == "decimal":
        return draw(st.decimals(Decimal("0.01"), Decimal(10) ** 6, places=2))
    if kind == "fraction":
        return draw(st.fractions(Fraction(1, 60), 10, max_denominator=60))
    if kind == "level":
        return draw(st.integers(1, 3))
    return True


# --- bundled schedules ---------------------------------------------------------------------


@pytest.mark.parametrize("sid", BUNDLED)
@SETTINGS
@given(data=st.data())
def test_total_is_the_sum_of_its_parts(sid: str, data: st.DataObject) -> None:
    s = load_schedule(sid)
    a = data.draw(strategy(sid), label="applicant")
    for p in purposes(s):
        card = score(a, s, purpose=p, on=s.schedule.effective_from)
        recomputed_total(s, card)


@pytest.mark.parametrize("sid", BUNDLED)
@SETTINGS
@given(data=st.data())
def test_no_line_exceeds_its_cap(sid: str, data: st.DataObject) -> None:
    s = load_schedule(sid)
    a = data.draw(strategy(sid), label="applicant")
    for p in purposes(s):
        assert_capped(s, a, purpose=p, on=s.schedule.effective_from)


@cache
def rising(sid: str) -> list[str]:
    return analysis.monotone_facts(load_schedule(sid))


@pytest.mark.parametrize("sid", [i for i in BUNDLED if rising(i)])
@SETTINGS
@given(data=st.data())
def test_more_of_a_positive_fact_never_lowers_the_total(sid: str, data: st.DataObject) -> None:
    s = load_schedule(sid)
    a = data.draw(strategy(sid), label="applicant")
    fact = data.draw(st.sampled_from(rising(sid)), label="fact")
    by = data.draw(raises(fact), label="by")
    for p in purposes(s):
        assert_monotone(s, fact, a, by=by, purpose=p, on=s.schedule.effective_from)


@pytest.mark.parametrize("sid", BUNDLED)
@SETTINGS
@given(data=st.data())
def test_tiers_are_nested(sid: str, data: st.DataObject) -> None:
    s = load_schedule(sid)
    a = data.draw(strategy(sid), label="applicant")
    for p in purposes(s):
        assert_tiers_nested(s, a, purpose=p, on=s.schedule.effective_from)


@pytest.mark.parametrize("sid", BUNDLED)
@SETTINGS
@given(data=st.data())
def test_score_card_round_trips(sid: str, data: st.DataObject) -> None:
    s = load_schedule(sid)
    a = data.draw(strategy(sid), label="applicant")
    for p in purposes(s):
        round_trip(score(a, s, purpose=p, on=s.schedule.effective_from))


def test_the_monotone_facts_of_guangzhou_2021() -> None:
    # the positive indicators of the table, and not age (its points fall after 40) nor
    # the negative records
    facts = set(analysis.monotone_facts("guangzhou/2021"))
    assert {"permit_months", "pension_months", "education", "hardship_industry",
            "awards_national", "volunteer_hours_year1"} <= facts
    assert not facts & {"age", "credit_records_under_90d", "tax_evasion_records_5y"}


# --- random schedules ----------------------------------------------------------------------

RANDOM = settings(max_examples=60, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.slow  # Hypothesis: 60 random schedules
@RANDOM
@given(s=schedules(), data=st.data())
def test_properties_hold_on_random_schedules(s: Schedule, data: st.DataObject) -> None:
    a = data.draw(applicants(s), label="applicant")
    p = data.draw(st.sampled_from(purposes(s)), label="purpose")
    on = s.schedule.effective_from
    card = score(a, s, purpose=p, on=on)
    recomputed_total(s, card)
    round_trip(card)
    assert_capped(s, a, purpose=p, on=on)
    assert_tiers_nested(s, a, purpose=p, on=on)
    facts = analysis.monotone_facts(s)
    if facts:
        fact = data.draw(st.sampled_from(facts), label="fact")
        assert_monotone(s, fact, a, by=data.draw(raises(fact), label="by"), purpose=p, on=on)


def test_sloped_band_on_a_patent_share() -> None:
    s = points.loads_schedule("""
[schedule]
id = "toy/1"
place = "toy"
title = { zh = "玩具", en = "toy" }
document = "toy"
effective_from = 2020-01-01

[factors.patents]
label = { zh = "专利", en = "patents" }
fact = "invention_patent_share"
rule = "bands"
bands = [{ min = 0, below = 5, points = 10, slope = -2 }]
ref = "test"
status = "provisional"
""")
    # a share of 3/2 is 1 full unit above 0: 10 − 2 × 1 = 8
    card = score({"age": 30, "invention_patent_share": "3/2"}, s)
    assert card.total == 8
