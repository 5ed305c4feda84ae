"""Batch equals per record, reproducibly: derandomised properties over random schedules of
every rule kind and construct, with applicants drawn at the schedule's cuts (issue 8).

These run fast and always draw the same examples, so the mutation run (see mutation/README.md)
gives the same verdict every time; tests/test_batch.py runs the wider random properties.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import points
from points import FACTS, Applicant, ApplicantError
from points._gen_base import _toml
from points.batch import score_frame
from points.schedule.kinds import KINDS
from points.testing import applicants, schedules

ON = date(2024, 6, 1)


def fixed(n: int) -> settings:
    """`n` examples, the same ones on every run (no database, derandomised)."""
    return settings(max_examples=n, derandomize=True, database=None, deadline=None,
                    print_blob=True, suppress_health_check=list(HealthCheck))


def frame(people: list[Applicant]) -> pl.DataFrame:
    kinds = {"int": pl.Int64(), "bool": pl.Boolean(), "level": pl.String(),
             "decimal": pl.Decimal(38, 4), "fraction": pl.String()}
    schema: dict[str, pl.DataType] = {"applicant_id": pl.String(),
                                      **{n: kinds[i.kind] for n, i in FACTS.items()}}

    def cell(n: str, v: Any) -> Any:
        if v is not None and FACTS.get(n) is not None and FACTS[n].kind == "fraction":
            return f"{v.numerator}/{v.denominator}"
        return v

    rows = [{n: cell(n, getattr(a, n)) for n in schema} for a in people]
    return pl.DataFrame(rows, schema=schema, orient="row")


def same(schedule: points.Schedule, people: list[Applicant], purpose: str | None) -> None:
    """Every row of the batch scores, line by line, what `points.score` gives alone."""
    result = score_frame(frame(people), schedule, purpose=purpose, on=ON)
    rows = {r["row"]: r for r in result.points().iter_rows(named=True)}
    for i, a in enumerate(people, start=1):
        try:
            card = points.score(a, schedule, purpose=purpose, on=ON)
        except ApplicantError:  # pragma: no cover - drawn applicants are valid
            assert i not in rows
            continue
        row = rows[i]
        assert row["total"] == card.total, (i, "total", row["total"], card.total)
        for line in card.lines:
            assert row[line.id] == line.points, (i, line.id, row[line.id], line.points)
        for g in card.groups:
            assert row[f"group.{g.id}"] == g.points, (i, g.id, row[f"group.{g.id}"], g.points)
        for gate in card.gates:
            assert row[f"gate.{gate.id}"] is gate.passed, (i, gate.id)
        assert row["eligible"] is card.eligible, i
        assert tuple(row["tiers"]) == card.tiers, i
        assert tuple(row["services"]) == card.services, i
        assert row["tier"] == (card.tiers[-1] if card.tiers else None), i


@fixed(30)
@given(schedule=schedules(), data=st.data())
def test_batch_equals_per_record_at_the_cuts(schedule: points.Schedule,
                                             data: st.DataObject) -> None:
    # applicants on both sides of every cut the schedule makes (band edges, unit multiples,
    # caps, vesting points, gate values), so off-by-one mutants change some line
    people = data.draw(st.lists(applicants(schedule), min_size=8, max_size=8))
    for purpose in [None, *schedule.purposes]:
        same(schedule, people, purpose)


@fixed(12)
@given(schedule=schedules(max_factors=4),
       people=st.lists(applicants(), min_size=4, max_size=4))
def test_batch_equals_per_record_anywhere(schedule: points.Schedule,
                                          people: list[Applicant]) -> None:
    # applicants drawn from the whole range of every fact
    for purpose in [None, *schedule.purposes]:
        same(schedule, people, purpose)


# --- within: members share a budget, in order; a false `when` counts and uses nothing -----

MONTHS = ["permit_months", "owned_home_months", "rental_months", "moved_out_central_months"]
YUAN = ["income_tax_3y", "business_tax_3y"]
FLAGS = ["employed", "has_permit"]
SOURCED = {"ref": "r", "status": "confirmed"}


@st.composite
def within_schedules(draw: st.DrawFn) -> points.Schedule:
    """A schedule of one `within` group of 2 to 4 rate members, some with a `when`, in a
    random order, sharing months (int facts) or yuan (decimal facts, den 100)."""
    yuan = draw(st.booleans())
    facts = YUAN if yuan else MONTHS
    budget = draw(st.sampled_from(facts))
    unit = Decimal(draw(st.sampled_from(["1", "0.1", "0.01"])))
    doc: dict[str, Any] = {"schedule": {
        "id": "within/1", "place": "within", "title": {"zh": "t", "en": "t"}, "document": "d",
        "effective_from": date(2020, 1, 1), "precision": format(unit, "f"),
        "rounding": draw(st.sampled_from(["half_up", "half_even", "down", "up"]))}}
    group: dict[str, Any] = {"label": {"zh": "g", "en": "g"}, "within": budget,
                             "combine": draw(st.sampled_from(["sum", "highest"])), **SOURCED}
    if draw(st.booleans()):
        group["cap"] = unit * draw(st.integers(0, 400))
    factors: dict[str, Any] = {}
    for i in range(draw(st.integers(2, 4))):
        f: dict[str, Any] = {
            "label": {"zh": f"f{i}", "en": f"f{i}"}, "fact": draw(st.sampled_from(facts)),
            "rule": "rate", "rate": unit * draw(st.integers(1, 300)),
            "per": draw(st.sampled_from(["0.5", "1", "7"] if yuan else ["1", "5", "12"])),
            "whole": draw(st.booleans()), "min_units": draw(st.integers(0, 2)),
            "group": "g", **SOURCED}
        f["per"] = Decimal(f["per"])
        if draw(st.booleans()):
            f["when"] = draw(st.sampled_from(FLAGS))
        factors[f"f{i}"] = f
    doc.update(groups={"g": group}, factors=factors)
    return points.loads_schedule(_toml(doc))


def within_applicants() -> st.SearchStrategy[Applicant]:
    months = st.integers(0, 40)
    yuan = st.decimals(0, 30, places=2)
    fixed: dict[str, st.SearchStrategy[Any]] = {m: months for m in MONTHS}
    fixed.update({y: yuan for y in YUAN})
    fixed.update({b: st.booleans() for b in FLAGS})
    return applicants(None, **fixed)


@fixed(30)
@given(schedule=within_schedules(), people=st.lists(within_applicants(), min_size=6,
                                                    max_size=6))
def test_batch_equals_per_record_within(schedule: points.Schedule,
                                        people: list[Applicant]) -> None:
    same(schedule, people, None)


def test_the_random_schedules_use_every_rule_kind_and_construct() -> None:
    # the properties above are only as good as what the generator makes: check it, on the
    # same derandomised draws, for every kind, `when`, within, highest, cap, floor, gate
    seen: set[str] = set()

    @fixed(60)
    @given(schedule=schedules())
    def collect(schedule: points.Schedule) -> None:
        for f in (*schedule.factors.values(), *schedule.deductions.values()):
            seen.add(f"kind:{f.rule}")
            if f.when is not None:
                seen.add("when")
        for g in schedule.groups.values():
            seen.add(f"combine:{g.combine}")
            if g.within is not None:
                seen.add("within")
            if g.cap is not None:
                seen.add("group cap")
            if g.group is not None:
                seen.add("nested group")
        if schedule.schedule.floor is not None:
            seen.add("floor")
        if schedule.gates:
            seen.add("gate")
        if schedule.tiers:
            seen.add("tier")
        if schedule.purposes:
            seen.add("purpose")

    collect()
    wanted = {f"kind:{k}" for k in KINDS} | {
        "when", "combine:sum", "combine:highest", "within", "group cap", "nested group",
        "floor", "gate", "tier", "purpose"}
    assert wanted <= seen, sorted(wanted - seen)


# --- hand-computed cases the random schedules do not reach ------------------------------

GATES_ON_SEX = """
[schedule]
id = "sex/1"
place = "sex"
title = { zh = "t", en = "t" }
document = "d"
effective_from = 2020-01-01

[factors.one]
label = { zh = "1", en = "1" }
fact = "employed"
rule = "flag"
points = 1
ref = "r"
status = "confirmed"
""" + "".join(f"""
[gates.{gid}]
label = {{ zh = "{gid}", en = "{gid}" }}
condition = {{ fact = "sex", {cond} }}
ref = "r"
status = "confirmed"
""" for gid, cond in [("ge_female", 'ge = "female"'), ("lt_male", 'lt = "male"'),
                      ("eq_male", 'eq = "male"'), ("ne_male", 'ne = "male"'),
                      ("in_female", 'in = ["female"]')])


@pytest.mark.parametrize(("sex", "passed"), [
    # an unknown sex (None) passes no ordered comparison and no `eq`/`in`, but is not male
    pytest.param(None, {"ge_female": False, "lt_male": False, "eq_male": False,
                        "ne_male": True, "in_female": False}, id="unknown"),
    pytest.param("female", {"ge_female": True, "lt_male": True, "eq_male": False,
                            "ne_male": True, "in_female": True}, id="female"),
    pytest.param("male", {"ge_female": True, "lt_male": False, "eq_male": True,
                          "ne_male": False, "in_female": False}, id="male"),
])
def test_gates_on_an_optional_level_in_both_engines(sex: str | None,
                                                    passed: dict[str, bool]) -> None:
    schedule = points.loads_schedule(GATES_ON_SEX)
    card = points.score({"age": 30, "sex": sex}, schedule, on=ON)
    assert {g.id: g.passed for g in card.gates} == passed
    table = pl.DataFrame({"age": [30], "sex": [sex]}, schema={"age": pl.Int64,
                                                              "sex": pl.String})
    row = score_frame(table, schedule, on=ON).points().row(0, named=True)
    assert {g: row[f"gate.{g}"] for g in passed} == passed


def test_gate_reasons_name_the_facts_they_read() -> None:
    schedule = points.loads_schedule(GATES_ON_SEX + """
[gates.scored]
label = { zh = "s", en = "s" }
condition = { score = "total", ge = 1 }
ref = "r"
status = "confirmed"
""")
    card = points.score({"age": 30, "sex": None}, schedule, on=ON)
    reasons = {g.id: g.reason for g in card.gates}
    assert reasons["ge_female"] == "failed: sex ≥ female (sex is None)"
    assert reasons["scored"] == "failed: score total ≥ 1"  # a score gate reads no fact


def test_a_recycled_schedule_id_never_reuses_another_schedules_plan() -> None:
    # the per-record engine caches its plan by id(schedule); an id the garbage collector
    # handed to a new schedule must not return the old schedule's plan
    from points.engines import _record

    old = points.loads_schedule(GATES_ON_SEX)
    new = points.loads_schedule(GATES_ON_SEX.replace("points = 1", "points = 2"))
    points.score({"age": 30, "employed": True}, old, on=ON)
    _record._PLANS[id(new)] = _record._PLANS.pop(id(old))  # as if `new` took old's id
    assert points.score({"age": 30, "employed": True}, new, on=ON).total == 2


def test_a_column_plan_gives_points_from_ticks() -> None:
    from points.engines import compile_columns

    plan = compile_columns(points.load_schedule("guangzhou/2021"), None, ON)
    assert plan.places == 2
    assert plan.points(1234) == Decimal("12.34")


def test_a_schedule_without_factors_scores_zero_in_both_engines() -> None:
    schedule = points.loads_schedule(GATES_ON_SEX.split("[factors.one]")[0])
    assert points.score({"age": 30}, schedule, on=ON).total == 0
    table = pl.DataFrame({"age": [30]}, schema={"age": pl.Int64})
    assert score_frame(table, schedule, on=ON).points()["total"].to_list() == [0]


FRACTION = GATES_ON_SEX.split("[gates.")[0].replace(
    "effective_from", 'precision = "0.01"\neffective_from') + """
[factors.patents]
label = { zh = "p", en = "p" }
fact = "invention_patent_share"
rule = "rate"
rate = 10
whole = false
ref = "r"
status = "confirmed"

[gates.half]
label = { zh = "h", en = "h" }
condition = { fact = "invention_patent_share", ge = 1 }
ref = "r"
status = "confirmed"

[ranking]
key = "total"
tie_breaks = [{ fact = "invention_patent_share" }, { score = "one" },
              { fact = "invention_patent_share", order = "asc" }, { fact = "income_tax_3y" },
              { fact = "permit_months" }]
ref = "r"
status = "confirmed"
"""


@pytest.mark.parametrize(("share", "points_", "passed"), [
    # pro rata 10 per share: 1/3 → 3.33 (precision 0.01, half_up); 7/4 → 17.5; 2/2 → 10
    pytest.param("1/3", "3.33", False, id="third"),
    pytest.param("7/4", "17.5", True, id="seven-quarters"),
    pytest.param("2/2", "10", True, id="unreduced-one"),
])
def test_a_fraction_fact_in_both_engines(share: str, points_: str, passed: bool) -> None:
    schedule = points.loads_schedule(FRACTION)
    card = points.score({"age": 30, "invention_patent_share": share}, schedule, on=ON)
    assert f"{card.line('patents').points.normalize():f}" == points_
    assert {g.id: g.passed for g in card.gates}["half"] is passed
    table = pl.DataFrame({"age": [30], "invention_patent_share": [share],
                          "income_tax_3y": ["12.34"], "permit_months": [7]})
    result = score_frame(table, schedule, on=ON)
    row = result.points().row(0, named=True)
    assert f"{row['patents'].normalize():f}" == points_
    assert row["gate.half"] is passed
    # tie-break facts are kept once each, in order, as values (a share as a float)
    n, d = (int(x) for x in share.split("/"))
    facts = [c for c in result.scored.columns if c.startswith("fact.")]
    assert facts == ["fact.invention_patent_share", "fact.income_tax_3y", "fact.permit_months"]
    assert row["fact.invention_patent_share"] == n / d
    assert row["fact.income_tax_3y"] == Decimal("12.34")
    assert row["fact.permit_months"] == 7


HIGHEST = GATES_ON_SEX.split("[factors.one]")[0].replace(
    "effective_from", 'precision = "1"\neffective_from') + "".join(f"""
[factors.{fid}]
label = {{ zh = "{fid}", en = "{fid}" }}
fact = "{fact}"
rule = "flag"
points = {pts}
group = "best"
ref = "r"
status = "confirmed"
""" for fid, fact, pts in [("a", "employed", 1), ("b", "has_permit", 1),
                          ("c", "criminal_record", 3)]) + """
[groups.best]
label = { zh = "b", en = "b" }
combine = "highest"
cap = 3
ref = "r"
status = "confirmed"
"""


@pytest.mark.parametrize(("facts", "counted", "group", "capped"), [
    # nothing scores: no member is set aside
    pytest.param({}, {"a": True, "b": True, "c": True}, "0", False, id="none"),
    # a scores 1 (one tick at precision 1): only a counts
    pytest.param({"employed": True}, {"a": True, "b": False, "c": False}, "1", False,
                 id="one-tick"),
    # a tie of 1 and 1: the first member counts
    pytest.param({"employed": True, "has_permit": True}, {"a": True, "b": False, "c": False},
                 "1", False, id="tie-first-wins"),
    # c scores 3, exactly the cap: the group is 3 and not marked capped
    pytest.param({"employed": True, "criminal_record": True},
                 {"a": False, "b": False, "c": True}, "3", False, id="at-the-cap"),
])
def test_a_highest_group_counts_one_member(facts: dict[str, bool], counted: dict[str, bool],
                                           group: str, capped: bool) -> None:
    schedule = points.loads_schedule(HIGHEST)
    card = points.score({"age": 30, **facts}, schedule, on=ON)
    assert {ln.id: ln.counted for ln in card.lines} == counted
    (g,) = card.groups
    assert (f"{g.points.normalize():f}", g.capped) == (group, capped)


def test_a_capped_deduction_says_so() -> None:
    schedule = points.loads_schedule(GATES_ON_SEX.split("[gates.")[0] + """
[deductions.credit]
label = { zh = "c", en = "c" }
fact = "credit_records_under_90d"
rule = "rate"
rate = -1
cap = 2
ref = "r"
status = "confirmed"
""")
    # -1 per record, at most 2 in all: 5 records → -2 (capped); 1 record → -1 (not)
    five = points.score({"age": 30, "credit_records_under_90d": 5}, schedule, on=ON)
    one = points.score({"age": 30, "credit_records_under_90d": 1}, schedule, on=ON)
    assert (five.line("credit").points, five.line("credit").capped) == (Decimal(-2), True)
    assert (one.line("credit").points, one.line("credit").capped) == (Decimal(-1), False)
    assert (one.line("credit").kind, one.line("one").kind) == ("deduction", "factor")
    # and in the batch, with no record at all: 0, not below
    table = pl.DataFrame({"age": [30, 30, 30], "credit_records_under_90d": [5, 1, 0]})
    got = score_frame(table, schedule, on=ON).points()["credit"].to_list()
    assert got == [-2, -1, 0]


BIG = GATES_ON_SEX.split("[factors.one]")[0].replace(
    "effective_from", 'precision = "1"\neffective_from') + """
[groups.taxes]
label = { zh = "t", en = "t" }
within = "income_tax_3y"
ref = "r"
status = "confirmed"

[factors.tax]
label = { zh = "t", en = "t" }
fact = "income_tax_3y"
rule = "rate"
rate = 1000
per = 0.01
whole = false
ref = "r"
status = "confirmed"

[factors.business]
label = { zh = "b", en = "b" }
fact = "business_tax_3y"
rule = "rate"
rate = 1000
per = 0.01
whole = false
group = "taxes"
ref = "r"
status = "confirmed"
"""


def test_the_largest_yuan_amounts_do_not_overflow_in_the_batch() -> None:
    # 1000 points per 0.01 yuan on 999,999,999,999.99 yuan: 99,999,999,999,999,000 points.
    # The column engine's integer width must allow (value × 100) × 1000 ≈ 10^19 > 2^63, for
    # a plain fact and for a `within` member's counted value alike.
    schedule = points.loads_schedule(BIG)
    most = Decimal("999999999999.99")
    facts = {"age": 30, "income_tax_3y": most, "business_tax_3y": most}
    card = points.score(facts, schedule, on=ON)
    expected = 99_999_999_999_999_000
    assert card.line("tax").points == expected
    assert card.line("business").points == expected  # the whole budget is left for it
    table = pl.DataFrame([facts], schema={"age": pl.Int64, "income_tax_3y": pl.Decimal(38, 2),
                                          "business_tax_3y": pl.Decimal(38, 2)})
    row = score_frame(table, schedule, on=ON).points().row(0, named=True)
    assert (row["tax"], row["business"]) == (expected, expected)


@pytest.mark.parametrize(("months", "expected"), [(0, 0), (2, 0), (5, 2), (7, 2), (10, 4),
                                                  (12, 4)])
def test_a_fractional_per_on_an_int_fact_in_both_engines(months: int, expected: int) -> None:
    # 1 point per full 2.5 months: 7 months → 2 full units; 10 → 4
    schedule = points.loads_schedule(GATES_ON_SEX.split("[factors.one]")[0] + """
[factors.rent]
label = { zh = "r", en = "r" }
fact = "rental_months"
rule = "rate"
rate = 1
per = 2.5
ref = "r"
status = "confirmed"
""")
    assert points.score({"age": 30, "rental_months": months}, schedule,
                        on=ON).line("rent").points == expected
    table = pl.DataFrame({"age": [30], "rental_months": [months]})
    assert score_frame(table, schedule, on=ON).points()["rent"].to_list() == [expected]


def test_a_zero_rate_on_a_large_amount_scores_zero_in_both_engines() -> None:
    # a rate of 0 must not shrink the integer width: 10^9 yuan is 10^11 cents, beyond 32 bits
    schedule = points.loads_schedule(BIG.replace("rate = 1000", "rate = 0"))
    facts = {"age": 30, "income_tax_3y": Decimal("1000000000"), "business_tax_3y": 0}
    assert points.score(facts, schedule, on=ON).line("tax").points == 0
    table = pl.DataFrame([facts], schema={"age": pl.Int64, "income_tax_3y": pl.Decimal(38, 2),
                                          "business_tax_3y": pl.Decimal(38, 2)})
    assert score_frame(table, schedule, on=ON).points()["tax"].to_list() == [0]


ONE_RULE = GATES_ON_SEX.split("[factors.one]")[0] + """
[factors.x]
label = { zh = "x", en = "x" }
ref = "r"
status = "confirmed"
"""


@pytest.mark.parametrize(("rule", "fact", "value", "expected"), [
    # 1 point per full share: 7/4 → 1; 2/2 → 1; 1/3 → 0
    ('rule = "rate"\nrate = 1', "invention_patent_share", "7/4", 1),
    ('rule = "rate"\nrate = 1', "invention_patent_share", "2/2", 1),
    ('rule = "rate"\nrate = 1', "invention_patent_share", "1/3", 0),
    # from 3 months on: 5, plus 1 per full 2.5 months beyond 3: 3 → 5; 5 → 5; 8 → 7; 2 → 0
    ('rule = "flat_plus_rate"\nflat = 5\nrate = 1\nper = 2.5\nstart = 3', "rental_months",
     8, 7),
    ('rule = "flat_plus_rate"\nflat = 5\nrate = 1\nper = 2.5\nstart = 3', "rental_months",
     5, 5),
    ('rule = "flat_plus_rate"\nflat = 5\nrate = 1\nper = 2.5\nstart = 3', "rental_months",
     3, 5),
    ('rule = "flat_plus_rate"\nflat = 5\nrate = 1\nper = 2.5\nstart = 3', "rental_months",
     2, 0),
    # from 100 yuan on: 5, plus 1 per full 50 yuan beyond: 250 → 5 + 3 = 8
    ('rule = "flat_plus_rate"\nflat = 5\nrate = 1\nper = 50\nstart = 100', "income_tax_3y",
     "250.00", 8),
    # the same on a share from 1/2 on, 1 per full 1/4: 7/4 → 5 + 5 = 10
    ('rule = "flat_plus_rate"\nflat = 5\nrate = 1\nper = 0.25\nstart = 0.5',
     "invention_patent_share", "7/4", 10),
])
def test_units_beyond_a_start_in_both_engines(rule: str, fact: str, value: object,
                                              expected: int) -> None:
    schedule = points.loads_schedule(ONE_RULE.replace(
        'ref = "r"\nstatus = "confirmed"\n',
        f'fact = "{fact}"\n{rule}\nref = "r"\nstatus = "confirmed"\n', 1))
    assert points.score({"age": 30, fact: value}, schedule, on=ON).line("x").points == expected
    table = pl.DataFrame({"age": [30], fact: [value]})
    assert score_frame(table, schedule, on=ON).points()["x"].to_list() == [expected]


@pytest.mark.parametrize(("rate", "ok"), [("999999999999999", True), ("1000000000000000", False)])
def test_numbers_in_a_schedule_are_below_ten_to_the_fifteen(rate: str, ok: bool) -> None:
    text = ONE_RULE.replace('ref = "r"\nstatus = "confirmed"\n',
                            f'fact = "rental_months"\nrule = "rate"\nrate = {rate}\n'
                            'ref = "r"\nstatus = "confirmed"\n', 1)
    if ok:
        points.loads_schedule(text)
    else:
        with pytest.raises(points.ScheduleValidationError, match="too large"):
            points.loads_schedule(text)


@pytest.mark.parametrize(("rule", "months", "expected"), [
    # 1 per full 12 months, counted from 2 units (24 months) on: 12 → 0, 24 → 2
    ('rule = "rate"\nrate = 1\nper = 12\nmin_units = 2', 12, 0),
    ('rule = "rate"\nrate = 1\nper = 12\nmin_units = 2', 24, 2),
    # pro rata 1 per 12 months from 2 units on: 0 → 0, 18 → 0, 30 → 2.5
    ('rule = "rate"\nrate = 1\nper = 12\nmin_units = 2\nwhole = false', 0, 0),
    ('rule = "rate"\nrate = 1\nper = 12\nmin_units = 2\nwhole = false', 18, 0),
    ('rule = "rate"\nrate = 1\nper = 12\nmin_units = 2\nwhole = false', 30, Decimal("2.5")),
    # from 2.5 months on: 5, plus 1 per full month beyond 2.5: 5 → 5 + 2 = 7; 2 → 0
    ('rule = "flat_plus_rate"\nflat = 5\nrate = 1\nstart = 2.5', 5, 7),
    ('rule = "flat_plus_rate"\nflat = 5\nrate = 1\nstart = 2.5', 2, 0),
    # 1 per month, no cap, no vesting (the integer fast path): 5 → 5, not capped
    ('rule = "rate"\nrate = 1', 5, 5),
])
def test_vesting_and_starts_score_uncapped_in_both_engines(rule: str, months: int,
                                                           expected: Decimal) -> None:
    schedule = points.loads_schedule(ONE_RULE.replace(
        'ref = "r"\nstatus = "confirmed"\n',
        f'fact = "rental_months"\n{rule}\nref = "r"\nstatus = "confirmed"\n', 1).replace(
        "effective_from", 'precision = "0.1"\neffective_from'))
    line = points.score({"age": 30, "rental_months": months}, schedule, on=ON).line("x")
    assert (line.points, line.capped) == (expected, False)  # below the vesting point: no cap
    table = pl.DataFrame({"age": [30], "rental_months": [months]})
    assert score_frame(table, schedule, on=ON).points()["x"].to_list() == [expected]


def test_a_negative_vesting_point_is_refused() -> None:
    with pytest.raises(points.ScheduleValidationError, match="min_units"):
        points.loads_schedule(ONE_RULE.replace(
            'ref = "r"\nstatus = "confirmed"\n',
            'fact = "rental_months"\nrule = "rate"\nrate = 1\nmin_units = -1\n'
            'ref = "r"\nstatus = "confirmed"\n', 1))


@pytest.mark.parametrize(("tax", "passed"), [("0.40", False), ("0.50", True), ("0.60", True)])
def test_a_gate_on_a_fractional_value_in_both_engines(tax: str, passed: bool) -> None:
    schedule = points.loads_schedule(GATES_ON_SEX.split("[gates.")[0] + """
[gates.half]
label = { zh = "h", en = "h" }
condition = { fact = "income_tax_3y", ge = 0.5 }
ref = "r"
status = "confirmed"
""")
    card = points.score({"age": 30, "income_tax_3y": tax}, schedule, on=ON)
    assert [g.passed for g in card.gates] == [passed]
    table = pl.DataFrame({"age": [30], "income_tax_3y": [tax]})
    assert score_frame(table, schedule, on=ON).points()["gate.half"].to_list() == [passed]


@pytest.mark.parametrize(("keys", "field"), [("per = 0", "per"), ("cap = -1", "cap")])
def test_a_rate_needs_a_positive_per_and_a_cap_of_zero_or_more(keys: str, field: str) -> None:
    with pytest.raises(points.ScheduleValidationError, match=field):
        points.loads_schedule(ONE_RULE.replace(
            'ref = "r"\nstatus = "confirmed"\n',
            f'fact = "rental_months"\nrule = "rate"\nrate = 1\n{keys}\n'
            'ref = "r"\nstatus = "confirmed"\n', 1))


def test_a_large_amount_at_one_point_per_yuan_in_both_engines() -> None:
    # 10^9 yuan is 10^11 cents: the batch must not squeeze it into 32 bits
    schedule = points.loads_schedule(BIG.replace("per = 0.01", "per = 1").replace(
        "rate = 1000", "rate = 1"))
    facts = {"age": 30, "income_tax_3y": Decimal("1000000000"), "business_tax_3y": 0}
    assert points.score(facts, schedule, on=ON).line("tax").points == 10**9
    table = pl.DataFrame([facts], schema={"age": pl.Int64, "income_tax_3y": pl.Decimal(38, 2),
                                          "business_tax_3y": pl.Decimal(38, 2)})
    assert score_frame(table, schedule, on=ON).points()["tax"].to_list() == [10**9]


def test_the_compiled_form_knows_when_a_schedule_is_in_force_and_its_purpose_gates() -> None:
    from points.compiled import compile_schedule

    text = GATES_ON_SEX.replace("effective_from = 2020-01-01",
                                "effective_from = 2020-01-01\neffective_until = 2021-01-01") + """
[purposes.p1]
label = { zh = "p", en = "p" }
gates = ["eq_male"]
ref = "r"
status = "confirmed"
"""
    c = compile_schedule(points.loads_schedule(text))
    assert [c.in_force(d) for d in (date(2019, 12, 31), date(2020, 1, 1), date(2020, 12, 31),
                                    date(2021, 1, 1))] == [False, True, True, False]
    assert c.purposes["p1"].gates == ("eq_male",)
    assert compile_schedule(c.schedule) is c  # compiled once, then reused
    assert c.hash == c.schedule.content_hash
    assert c.id == "sex/1"
    g = compile_schedule(points.loads_schedule(HIGHEST))
    assert [(n.id, n.depth) for n in g.groups] == [("best", 1)]  # a group of factors only


def test_points_at_precision_one_have_no_decimal_places() -> None:
    schedule = points.loads_schedule(HIGHEST)  # precision 1
    card = points.score({"age": 30, "criminal_record": True}, schedule, on=ON)
    assert str(card.total) == "3"
    table = pl.DataFrame({"age": [30], "criminal_record": [True]})
    assert str(score_frame(table, schedule, on=ON).points()["total"][0]) == "3"


BANDS = ONE_RULE.replace("effective_from", 'precision = "0.1"\neffective_from')


def bands_schedule(fact: str, bands: str, kind: str = "factors") -> points.Schedule:
    """One `bands` rule (a factor, or a deduction) on `fact`, at precision 0.1."""
    text = BANDS.replace('ref = "r"\nstatus = "confirmed"\n',
                         f'fact = "{fact}"\nrule = "bands"\nbands = [{bands}]\n'
                         'ref = "r"\nstatus = "confirmed"\n', 1)
    return points.loads_schedule(text.replace("[factors.x]", f"[{kind}.x]"))


@pytest.mark.parametrize(("fact", "bands", "value", "expected"), [
    # a fractional edge on an int fact is not truncated: 17 months is below 17.5
    ("rental_months", "{ min = 17.5, below = 20, points = 4 }", 17, 0),
    ("rental_months", "{ min = 17.5, below = 20, points = 4 }", 18, 4),
    ("rental_months", "{ min = 17.5, below = 20, points = 4 }", 20, 0),
    # a slope on yuan: 5 from 100 yuan, +1 per full yuan above: 102.50 → 7; 99.99 → 0
    ("income_tax_3y", "{ min = 100, points = 5, slope = 1 }", "102.50", 7),
    ("income_tax_3y", "{ min = 100, points = 5, slope = 1 }", "99.99", 0),
    # a slope on a share: 5 from 1/2, +1 per full unit above: 7/4 → 5 + 1; 5/2 → 5 + 2
    ("invention_patent_share", "{ min = 0.5, points = 5, slope = 1 }", "7/4", 6),
    ("invention_patent_share", "{ min = 0.5, points = 5, slope = 1 }", "5/2", 7),
    ("invention_patent_share", "{ min = 0.5, points = 5, slope = 1 }", "1/3", 0),
])
def test_bands_on_every_numeric_fact_kind_in_both_engines(fact: str, bands: str, value: object,
                                                          expected: int) -> None:
    schedule = bands_schedule(fact, bands)
    line = points.score({"age": 30, fact: value}, schedule, on=ON).line("x")
    assert (line.points, line.capped) == (Decimal(expected), False)  # a band has no cap
    table = pl.DataFrame({"age": [30], fact: [value]})
    assert score_frame(table, schedule, on=ON).points()["x"].to_list() == [expected]


@pytest.mark.parametrize(("kind", "bands", "refused"), [
    # 10 at 0, -3 per unit: 10 - 3 × 9 = -17 at 9, the band's last full unit
    ("factors", "{ min = 0, below = 10, points = 10, slope = -3 }", True),
    # 5 at 0, -1 per unit: 5 - 9 = -4 at 9
    ("factors", "{ min = 0, below = 10, points = 5, slope = -1 }", True),
    # 8 at 0, -1 per unit: -1 at 9, the last full unit (8 - 8 = 0 at 8 is not the end)
    ("factors", "{ min = 0, below = 10, points = 8, slope = -1 }", True),
    # 9 at 0, -1 per unit: exactly 0 at 9, the last full unit below 10: allowed
    ("factors", "{ min = 0, below = 10, points = 9, slope = -1 }", False),
    # a decline without end crosses zero, however slow
    ("factors", "{ min = 0, points = 5, slope = -0.5 }", True),
    ("factors", "{ min = 0, points = 5, slope = 1 }", False),
    # a deduction of -5 at 0, +1 per unit: +4 at 9
    ("deductions", "{ min = 0, below = 10, points = -5, slope = 1 }", True),
    ("deductions", "{ min = 0, below = 10, points = -9, slope = 1 }", False),
    # a deduction band without end that rises crosses zero, however slowly; one that
    # falls further never does
    ("deductions", "{ min = 0, points = -5, slope = 1 }", True),
    ("deductions", "{ min = 0, points = -5, slope = 0.5 }", True),
    ("deductions", "{ min = 0, points = -5, slope = -1 }", False),
])
def test_a_band_whose_points_cross_zero_is_refused(kind: str, bands: str, refused: bool) -> None:
    if refused:
        with pytest.raises(points.ScheduleValidationError, match="cross zero"):
            bands_schedule("rental_months", bands, kind)
    else:
        bands_schedule("rental_months", bands, kind)


def test_a_bands_rule_without_bands_is_refused() -> None:
    with pytest.raises(points.ScheduleValidationError, match="bands"):
        bands_schedule("rental_months", "")


def one_rule(rule: str, kind: str = "factors") -> points.Schedule:
    """One rule (a factor, or a deduction) from its TOML keys, at precision 0.1."""
    text = BANDS.replace('ref = "r"\nstatus = "confirmed"\n',
                         f'{rule}\nref = "r"\nstatus = "confirmed"\n', 1)
    return points.loads_schedule(text.replace("[factors.x]", f"[{kind}.x]"))


@pytest.mark.parametrize(("kind", "rule", "records", "expected", "capped"), [
    # -1 per record, at most 2 in all: 5 → -2 (capped); 2 → -2, exactly the cap; 1 → -1
    ("deductions", "each = -1\ncap = 2", 5, -2, True),
    ("deductions", "each = -1\ncap = 2", 2, -2, False),
    ("deductions", "each = -1\ncap = 2", 1, -1, False),
    ("deductions", "each = -1", 5, -5, False),
    # 3 per record, at most 7: 5 → 7 (capped); 2 → 6; without a cap, 5 → 15 (not capped)
    ("factors", "each = 3\ncap = 7", 5, 7, True),
    ("factors", "each = 3\ncap = 7", 2, 6, False),
    ("factors", "each = 3", 5, 15, False),
    # a cap of 0 is allowed: nothing counts
    ("factors", "each = 3\ncap = 0", 5, 0, True),
])
def test_count_in_both_engines(kind: str, rule: str, records: int, expected: int,
                               capped: bool) -> None:
    schedule = one_rule(f'fact = "credit_records_under_90d"\nrule = "count"\n{rule}', kind)
    line = points.score({"age": 30, "credit_records_under_90d": records}, schedule,
                        on=ON).line("x")
    assert (line.points, line.capped) == (Decimal(expected), capped)
    table = pl.DataFrame({"age": [30], "credit_records_under_90d": [records]})
    assert score_frame(table, schedule, on=ON).points()["x"].to_list() == [expected]


@pytest.mark.parametrize(("keys", "message"), [
    ("cap = -1", "greater than or equal to 0"),
    ("window_years = 0", "greater than 0"),
    # a window of 1 year is a valid number, but not this fact's 5-year window
    ("window_years = 1", "5-year window"),
])
def test_a_count_needs_a_cap_of_zero_or_more_and_the_facts_window(keys: str,
                                                                  message: str) -> None:
    with pytest.raises(points.ScheduleValidationError, match=message):
        one_rule(f'fact = "credit_records_under_90d"\nrule = "count"\neach = 1\n{keys}')


@pytest.mark.parametrize("value", [True, False])
def test_a_flag_is_never_capped_in_both_engines(value: bool) -> None:
    schedule = one_rule('fact = "employed"\nrule = "flag"\npoints = 3', "factors")
    line = points.score({"age": 30, "employed": value}, schedule, on=ON).line("x")
    assert (line.points, line.capped) == (Decimal(3 if value else 0), False)
    table = pl.DataFrame({"age": [30], "employed": [value]})
    assert score_frame(table, schedule, on=ON).points()["x"].to_list() == [3 if value else 0]


@pytest.mark.parametrize(("keys", "months", "expected", "capped"), [
    # 5 from 3 months on, +1 per full month beyond, the increment capped at 0: 8 → 5 (capped)
    ("cap = 0", 8, 5, True),
    ("cap = 0", 3, 5, False),
    # the increment capped at 2: 8 → 5 + 2 (capped); 4 → 5 + 1
    ("cap = 2", 8, 7, True),
    ("cap = 2", 4, 6, False),
])
def test_a_flat_plus_rate_cap_of_zero_or_more_in_both_engines(keys: str, months: int,
                                                              expected: int,
                                                              capped: bool) -> None:
    schedule = one_rule('fact = "rental_months"\nrule = "flat_plus_rate"\nflat = 5\nrate = 1\n'
                        f'start = 3\n{keys}')
    line = points.score({"age": 30, "rental_months": months}, schedule, on=ON).line("x")
    assert (line.points, line.capped) == (Decimal(expected), capped)
    table = pl.DataFrame({"age": [30], "rental_months": [months]})
    assert score_frame(table, schedule, on=ON).points()["x"].to_list() == [expected]


@pytest.mark.parametrize(("keys", "message"), [
    ("cap = -1", "greater than or equal to 0"),
    ("per = 0", "greater than 0"),
])
def test_a_flat_plus_rate_needs_a_positive_per_and_a_cap_of_zero_or_more(keys: str,
                                                                        message: str) -> None:
    with pytest.raises(points.ScheduleValidationError, match=message):
        one_rule('fact = "rental_months"\nrule = "flat_plus_rate"\nflat = 5\nrate = 1\n'
                 f'{keys}')


@pytest.mark.parametrize(("rule", "education", "expected"), [
    # at least associate: 4; junior_high and none (below every listed level) score 0
    ('points = { associate = 4 }', "none", 0),
    ('points = { associate = 4 }', "junior_high", 0),
    ('points = { associate = 4 }', "bachelor", 4),
    ('points = { associate = 4 }\nmatch = "exact"', "bachelor", 0),
    # every listed level worth 0: 0 everywhere
    ('points = { associate = 0 }', "master", 0),
])
def test_levels_below_every_listed_level_score_zero_in_both_engines(rule: str, education: str,
                                                                    expected: int) -> None:
    schedule = one_rule(f'fact = "education"\nrule = "levels"\n{rule}')
    line = points.score({"age": 30, "education": education}, schedule, on=ON).line("x")
    assert (line.points, line.capped) == (Decimal(expected), False)  # levels have no cap
    table = pl.DataFrame({"age": [30], "education": [education]})
    assert score_frame(table, schedule, on=ON).points()["x"].to_list() == [expected]


@pytest.mark.parametrize(("sex", "expected"), [(None, 0), ("female", 2), ("male", 0)])
def test_levels_on_an_optional_level_in_both_engines(sex: str | None, expected: int) -> None:
    # an unknown sex (None) is no level: 0, in both engines
    schedule = one_rule('fact = "sex"\nrule = "levels"\npoints = { female = 2 }\n'
                        'match = "exact"')
    line = points.score({"age": 30, "sex": sex}, schedule, on=ON).line("x")
    assert (line.points, line.capped) == (Decimal(expected), False)
    table = pl.DataFrame({"age": [30], "sex": [sex]}, schema={"age": pl.Int64,
                                                               "sex": pl.String})
    assert score_frame(table, schedule, on=ON).points()["x"].to_list() == [expected]


def test_a_levels_rule_without_levels_is_refused() -> None:
    with pytest.raises(points.ScheduleValidationError, match="points"):
        one_rule('fact = "education"\nrule = "levels"\npoints = {}')


SEX_BY_EMPLOYED = ('fact = "sex"\nrule = "table"\nby = "employed"\n'
                   "points = { female = { true = 3, false = 0 }, male = { true = 1 } }")


@pytest.mark.parametrize(("rule", "sex", "employed", "expected"), [
    (SEX_BY_EMPLOYED, "female", True, 3),
    (SEX_BY_EMPLOYED, "female", False, 0),  # listed as 0
    (SEX_BY_EMPLOYED, "male", True, 1),
    (SEX_BY_EMPLOYED, "male", False, 0),  # not listed
    (SEX_BY_EMPLOYED, None, True, 0),  # an unknown sex is no row
    # every listed cell worth 0: 0 everywhere
    ('fact = "sex"\nrule = "table"\nby = "employed"\npoints = { female = { true = 0 } }',
     "female", True, 0),
])
def test_a_table_in_both_engines(rule: str, sex: str | None, employed: bool,
                                 expected: int) -> None:
    schedule = one_rule(rule)
    line = points.score({"age": 30, "sex": sex, "employed": employed}, schedule,
                        on=ON).line("x")
    assert (line.points, line.capped) == (Decimal(expected), False)  # a table has no cap
    table = pl.DataFrame({"age": [30], "sex": [sex], "employed": [employed]},
                         schema={"age": pl.Int64, "sex": pl.String, "employed": pl.Boolean})
    assert score_frame(table, schedule, on=ON).points()["x"].to_list() == [expected]


def test_a_table_without_rows_is_refused() -> None:
    with pytest.raises(points.ScheduleValidationError, match="points"):
        one_rule('fact = "sex"\nrule = "table"\nby = "employed"\npoints = {}')


TIERED = GATES_ON_SEX.split("[gates.")[0] + """
[[tiers]]
id = "at_one"
label = { zh = "1", en = "1" }
min_score = 1
services = []
ref = "r"
status = "confirmed"
"""


@pytest.mark.parametrize(("employed", "tiers"), [
    (True, ("at_one",)),  # a total of exactly the minimum unlocks the tier
    (False, ()),
])
def test_a_tier_unlocks_at_its_minimum_in_both_engines(employed: bool,
                                                       tiers: tuple[str, ...]) -> None:
    schedule = points.loads_schedule(TIERED)
    card = points.score({"age": 30, "employed": employed}, schedule, on=ON)
    assert (card.total, card.tiers) == (Decimal(int(employed)), tiers)
    if tiers:
        assert card.next_tier is None
    else:
        assert card.next_tier is not None and card.next_tier.missing == 1
    table = pl.DataFrame({"age": [30], "employed": [employed]})
    row = score_frame(table, schedule, on=ON).points().row(0, named=True)
    assert (tuple(row["tiers"]), row["tier"]) == (tiers, tiers[-1] if tiers else None)
