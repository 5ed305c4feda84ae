"""A group's `within`: its member factors share one fact's amount, in order (Beijing housing)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest

import points
from points import ScheduleValidationError

ON = date(2020, 1, 1)

HEAD = """
[schedule]
id = "test/1"
place = "test"
title = { zh = "测试", en = "Test" }
document = "none"
effective_from = 2020-01-01
precision = "0.1"
"""

GROUP = """
[groups.housing]
label = { zh = "住所", en = "Housing" }
within = "pension_months"
ref = "r"
status = "confirmed"
"""


def factor(fid: str, fact: str, rate: str = "1", extra: str = "") -> str:
    return f"""
[factors.{fid}]
label = {{ zh = "{fid}", en = "{fid}" }}
fact = "{fact}"
rule = "rate"
rate = {rate}
per = 12
group = "housing"
ref = "r"
status = "confirmed"
{extra}
"""


SCHEDULE = HEAD + GROUP + factor("owned", "owned_home_months") + \
    factor("rental", "rental_months", "0.5") + factor(
        "district", "moved_out_central_months", "2", 'when = "employed"')


@pytest.mark.parametrize(("facts", "owned", "rental", "district", "total"), [
    # budget 84: owned 60 → 5; rental min(120, 24) = 24 → 2 × 0.5 = 1; district 0 left
    pytest.param({"pension_months": 84, "owned_home_months": 60, "rental_months": 120,
                  "moved_out_central_months": 50, "employed": True},
                 60, 24, 0, "6", id="second-member-limited"),
    # budget 200: owned 60 → 5 and rental 120 → 10 × 0.5 = 5 fit; the third member gets
    # 200 − 180 = 20 of its 50 months → 1 × 2 = 2.  total = 12
    pytest.param({"pension_months": 200, "owned_home_months": 60, "rental_months": 120,
                  "moved_out_central_months": 50, "employed": True},
                 60, 120, 20, "12", id="third-member-limited"),
    # budget 300: nothing limited. 5 + 5 + 50 mo → 4 × 2 = 8.  total = 18
    pytest.param({"pension_months": 300, "owned_home_months": 60, "rental_months": 120,
                  "moved_out_central_months": 50, "employed": True},
                 60, 120, 50, "18", id="within-budget"),
    # a member whose `when` is false uses none of the budget: 84 − 60 − 24 = 0 either way
    pytest.param({"pension_months": 100, "owned_home_months": 60, "rental_months": 24,
                  "moved_out_central_months": 50, "employed": False},
                 60, 24, 0, "6", id="when-false-uses-nothing"),
    # the first member takes everything: owned 100 → 84 counted → 7; rental 0
    pytest.param({"pension_months": 84, "owned_home_months": 100, "rental_months": 36},
                 84, 0, 0, "7", id="first-member-takes-all"),
])
def test_members_share_the_fact_in_order(
    facts: dict[str, object], owned: int, rental: int, district: int, total: str
) -> None:
    schedule = points.loads_schedule(SCHEDULE)
    c = points.score({"age": 30, **facts}, schedule, on=ON)
    assert c.line("owned").value == owned
    assert c.line("rental").value == rental
    assert str(c.total.normalize()) == total
    if facts.get("employed"):
        assert c.line("district").value == district


def test_a_limited_line_says_why() -> None:
    schedule = points.loads_schedule(SCHEDULE)
    c = points.score({"age": 30, "pension_months": 84, "owned_home_months": 60,
                      "rental_months": 120}, schedule, on=ON)
    assert c.line("rental").why_not == (
        "counts 24 of 120: group housing counts at most pension_months (84) in all")
    assert c.line("owned").why_not is None  # not limited
    assert c.line("rental").counted


@pytest.mark.parametrize(("text", "path", "message"), [
    pytest.param(HEAD + GROUP.replace("pension_months", "nothing") + factor(
        "owned", "owned_home_months"), "groups.housing.within", "unknown fact",
        id="unknown-fact"),
    pytest.param(HEAD + GROUP.replace("pension_months", "education") + factor(
        "owned", "owned_home_months"), "groups.housing.within", "int or decimal",
        id="level-fact"),
    pytest.param(HEAD + GROUP + factor("owned", "owned_home_months") + factor(
        "tax", "income_tax_3y"), "factors.tax.fact", "counts in month", id="other-unit"),
    pytest.param(HEAD + GROUP + factor("owned", "owned_home_months") + """
[groups.sub]
label = { zh = "子", en = "Sub" }
group = "housing"
ref = "r"
status = "confirmed"
""" + factor("rental", "rental_months").replace('group = "housing"', 'group = "sub"'),
        "groups.sub.group", "among factors only", id="subgroup"),
])
def test_bad_within_fails_at_load(text: str, path: str, message: str) -> None:
    with pytest.raises(ScheduleValidationError) as info:
        points.loads_schedule(text)
    problems = [p for p in info.value.problems if p.path == path]
    assert problems, info.value
    assert message in problems[0].reason


# --- a member whose `when` is false counts nothing and uses nothing, wherever it stands ---

DISTRICT = factor("district", "moved_out_central_months", "2", 'when = "employed"')
OWNED = factor("owned", "owned_home_months")
RENTAL = factor("rental", "rental_months", "0.5")
ORDERS = {"first": DISTRICT + OWNED + RENTAL, "middle": OWNED + DISTRICT + RENTAL,
          "last": OWNED + RENTAL + DISTRICT}
WHEN_FACTS = {"age": 30, "pension_months": 84, "moved_out_central_months": 60,
              "owned_home_months": 60, "rental_months": 24}


def both_engines(text: str, facts: Mapping[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    """Points of every line and the total, from `points.score` and from `score_frame`."""
    import polars as pl

    from points.batch import score_frame

    schedule = points.loads_schedule(text)
    card = points.score(facts, schedule, on=ON)
    one = {ln.id: f"{ln.points.normalize():f}" for ln in card.lines}
    one["total"] = f"{card.total.normalize():f}"
    row = score_frame(pl.DataFrame([facts]), schedule, on=ON).points().row(0, named=True)
    batch = {k: f"{row[k].normalize():f}" for k in one}
    return one, batch


@pytest.mark.parametrize(("order", "employed", "expected"), [
    # district's `when` is false: it counts 0 and the 84 months go to owned (60 → 5 years →
    # 5) and rental (the 24 left → 2 years × 0.5 = 1).  total 6, wherever district stands.
    # (A false member that used its 60 months anyway would leave owned 24 → 2 and rental 0
    # when first (total 2), or rental 0 when in the middle (total 5).)
    pytest.param("first", False, {"district": "0", "owned": "5", "rental": "1", "total": "6"},
                 id="false-first"),
    pytest.param("middle", False, {"district": "0", "owned": "5", "rental": "1", "total": "6"},
                 id="false-middle"),
    pytest.param("last", False, {"district": "0", "owned": "5", "rental": "1", "total": "6"},
                 id="false-last"),
    # `when` true: district first takes 60 → 5 × 2 = 10, owned the 24 left → 2, rental 0
    pytest.param("first", True, {"district": "10", "owned": "2", "rental": "0", "total": "12"},
                 id="true-first"),
    # in the middle: owned 60 → 5, district the 24 left → 2 × 2 = 4, rental 0
    pytest.param("middle", True, {"district": "4", "owned": "5", "rental": "0", "total": "9"},
                 id="true-middle"),
])
def test_a_false_when_member_uses_nothing_in_both_engines(
        order: str, employed: bool, expected: dict[str, str]) -> None:
    text = HEAD + GROUP + ORDERS[order]
    one, batch = both_engines(text, {**WHEN_FACTS, "employed": employed})
    assert one == expected
    assert batch == expected


def test_the_permit_case_of_issue_8() -> None:
    # budget permit_months 30, 1 point per month; first a has_permit member (false: counts
    # and uses nothing), then owned 24 → 24 and rental the 6 left → 6: total 30.  A false
    # member that used its 30 months anyway would leave 0 for the others (total 0).
    text = HEAD.replace('"0.1"', '"0.01"') + GROUP.replace("pension_months", "permit_months") \
        + factor("held", "residence_months", "1", 'when = "has_permit"').replace(
            "per = 12", "per = 1") \
        + OWNED.replace("per = 12", "per = 1") + RENTAL.replace("per = 12", "per = 1").replace(
            "rate = 0.5", "rate = 1")
    facts = {"age": 30, "has_permit": False, "permit_months": 30, "residence_months": 30,
             "owned_home_months": 24, "rental_months": 24}
    one, batch = both_engines(text, facts)
    expected = {"held": "0", "owned": "24", "rental": "6", "total": "30"}
    assert one == expected
    assert batch == expected
