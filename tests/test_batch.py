"""Batch scoring (`points.batch.score_frame`): the same answers as `points.score`, every bad
cell rejected with its row, field, value and reason, and no row lost."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import points
from points import FACTS, Applicant, ApplicantError, InputError, UnknownPurpose
from points.batch import BatchResult, sample_applicants, score_frame
from points.engines import compile_columns
from points.testing import applicants, schedules

ON = date(2024, 6, 1)
GZ = "guangzhou/2021"


# --- building tables from applicants ----------------------------------------------------


def _cell(name: str, value: Any, text: bool) -> Any:
    if value is None:
        return None
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}" if value.denominator != 1 \
            else str(value.numerator)
    if not text:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _schema(text: bool) -> dict[str, pl.DataType]:
    if text:
        return {n: pl.String() for n in ("applicant_id", "birth_date", *FACTS)}
    kinds = {"int": pl.Int64(), "bool": pl.Boolean(), "level": pl.String(),
             "decimal": pl.Decimal(38, 4), "fraction": pl.String()}
    return {"applicant_id": pl.String(), "birth_date": pl.Date(),
            **{n: kinds[i.kind] for n, i in FACTS.items()}}


def frame(people: list[Applicant], text: bool = False) -> pl.DataFrame:
    """One row per applicant, typed columns or all text (as a CSV reader gives)."""
    schema = _schema(text)
    rows = [{n: _cell(n, getattr(a, n), text) for n in schema} for a in people]
    return pl.DataFrame(rows, schema=schema, orient="row")


def assert_same(result: BatchResult, people: list[Applicant], schedule: points.Schedule,
                purpose: str | None) -> None:
    """Every applicant scores in the batch exactly as `points.score` scores them alone."""
    assert result.rows_read == len(people)
    assert result.rows_scored + result.rows_rejected == result.rows_read
    table = result.points()
    by_row = {r["row"]: r for r in table.iter_rows(named=True)}
    rejected = set(result.rejects["row"].to_list())
    for i, a in enumerate(people, start=1):
        try:
            card = points.score(a, schedule, purpose=purpose, on=ON)
        except ApplicantError as exc:
            assert i in rejected, f"row {i}: per record raised {exc}, the batch scored it"
            assert i not in by_row
            continue
        assert i not in rejected, result.rejects.filter(pl.col("row") == i).to_dicts()
        row = by_row[i]
        assert row["total"] == card.total, (i, row["total"], card.total)
        for line in card.lines:
            assert row[line.id] == line.points, (i, line.id, row[line.id], line.points)
        for g in card.groups:
            assert row[f"group.{g.id}"] == g.points, (i, g.id)
        for gate in card.gates:
            assert row[f"gate.{gate.id}"] is gate.passed, (i, gate.id)
        assert row["eligible"] is card.eligible
        assert row["provisional"] is card.rests_on_provisional, i
        assert row["outcome_sure"] is card.outcome_sure, i
        assert tuple(row["tiers"]) == card.tiers
        assert tuple(row["services"]) == card.services
        assert row["tier"] == (card.tiers[-1] if card.tiers else None)
        assert row["applicant_id"] == card.applicant_id
        assert (row["schedule_id"], row["schedule_hash"], row["purpose"]) == \
            (card.schedule_id, card.schedule_hash, card.purpose)


# --- the property: batch == per record, on every bundled schedule ------------------------


def _births(draw: Any) -> Any:
    return draw(st.dates(date(1950, 1, 1), date(2010, 12, 31)))


@pytest.mark.slow  # Hypothesis: 25 lists of people per purpose, each scored both ways
@pytest.mark.parametrize("schedule_id", points.bundled_ids())
def test_batch_equals_per_record_on_every_bundled_schedule(schedule_id: str) -> None:
    schedule = points.load_schedule(schedule_id)
    purposes = [None, *schedule.purposes]
    people = st.lists(
        applicants(schedule) | applicants(schedule, birth_date=st.dates(
            date(1950, 1, 1), date(2010, 12, 31))),
        min_size=1, max_size=6)

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(people=people, text=st.booleans(), purpose=st.sampled_from(purposes))
    def check(people: list[Applicant], text: bool, purpose: str | None) -> None:
        result = score_frame(frame(people, text), schedule, purpose=purpose, on=ON)
        assert_same(result, people, schedule, purpose)

    check()


@pytest.mark.slow  # Hypothesis: 40 random schedules
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(schedule=schedules(), people=st.lists(applicants(), min_size=1, max_size=4),
       text=st.booleans())
def test_batch_equals_per_record_on_random_schedules(
        schedule: points.Schedule, people: list[Applicant], text: bool) -> None:
    # every rule kind, rounding mode, group, gate and tier shape the generator makes
    for purpose in [None, *schedule.purposes]:
        result = score_frame(frame(people, text), schedule, purpose=purpose, on=ON)
        assert_same(result, people, schedule, purpose)


def test_sample_applicants_score_alike_in_batch() -> None:
    rows = list(sample_applicants(300, seed=5))
    result = score_frame(pl.DataFrame(rows), GZ, on=ON)
    assert result.rows_scored == 300
    people = [Applicant.parse({k: v for k, v in r.items() if v is not None}) for r in rows]
    assert_same(result, people, points.load_schedule(GZ), "settlement")


# --- hand-worked rows ----------------------------------------------------------------------


def test_a_worked_guangzhou_row() -> None:
    df = pl.DataFrame({
        "applicant_id": ["A1"], "age": [44], "permit_months": [40], "rental_months": [30],
        "pension_months": [50], "medical_months": [50], "education": ["associate"],
        "invention_patent_share": ["1/3"], "credit_records_under_90d": [1],
        "has_permit": [True], "employed": [True],
    })
    r = score_frame(df, GZ, on=ON)
    row = r.points().row(0, named=True)
    # permit: 40 // 12 = 3 years × 8 = 24; rental: 30 // 12 = 2 × 5 = 10; pension and
    # medical: 4 years × 2 = 8 each; age 44: 28 - 2 × (44 - 41) = 22; education 20;
    # patents: 20 × 1/3 = 6.666… → 6.67 (half up); credit: −10
    assert row["permit"] == Decimal("24.00")
    assert row["rental"] == Decimal("10.00")
    assert row["age"] == Decimal("22.00")
    assert row["patents"] == Decimal("6.67")
    assert row["credit"] == Decimal("-10.00")
    # base 24 + 10 + 8 + 8 + 22 = 72; bonus 20 + 6.67 = 26.67; total 72 + 26.67 − 10 = 88.67
    assert row["group.base"] == Decimal("72.00")
    assert row["total"] == Decimal("88.67")
    assert r.scored["total"][0] == 8867  # ticks of 0.01
    assert r.to_points(8867) == Decimal("88.67")
    # every settlement precondition passes but the qualifying score: 88.67 < 150
    assert row["gate.score_150"] is False
    assert row["eligible"] is False
    assert row["tier"] == "permit_holder"
    assert row["tiers"] == ["permit_holder"]


def test_school_purpose_drops_the_credit_deduction() -> None:
    df = pl.DataFrame({"age": [30], "credit_records_under_90d": [2]})
    settle = score_frame(df, GZ, on=ON).points().row(0, named=True)
    school = score_frame(df, GZ, purpose="school", on=ON).points().row(0, named=True)
    # age 30 scores 30; settlement also deducts 2 × 10
    assert settle["total"] == Decimal("10.00")
    assert school["total"] == Decimal("30.00")
    assert school["credit"] == 0
    assert school["purpose"] == "school"


def test_missing_columns_and_empty_cells_take_the_defaults() -> None:
    df = pl.DataFrame({"age": [30, 30], "permit_months": [None, 24],
                       "housing": [None, "owned"]})
    out = score_frame(df, GZ, on=ON).points()
    assert out["permit"].to_list() == [0, 16]  # 24 // 12 × 8
    assert out["owned_home"].to_list() == [0, 20]
    assert out["applicant_id"].to_list() == [None, None]


def test_age_comes_from_birth_date_on_the_evaluation_date() -> None:
    df = pl.DataFrame({"birth_date": [date(1983, 6, 1), date(1983, 6, 2), None],
                       "age": [None, None, 44]})
    out = score_frame(df, GZ, on=ON).points()
    # 41 on 2024-06-01 (birthday that day) → 28; 40 and a part-year the day before the
    # 41st birthday → also 28 (−2 per year or part-year above 40); age alone: 44 → 22
    assert out["age"].to_list() == [Decimal(28), Decimal(28), Decimal(22)]


def test_pandas_in() -> None:
    df = pd.DataFrame({"age": [30, 50], "permit_months": [36, 12]})
    r = score_frame(df, GZ, on=ON)
    # 30 + 3 × 8 = 54; age 50: 28 − 2 × 9 = 10, plus 8 = 18
    assert r.points()["total"].to_list() == [Decimal(54), Decimal(18)]


def test_row_numbers_follow_the_offset() -> None:
    df = pl.DataFrame({"age": [30, 200, 30]})
    r = score_frame(df, GZ, on=ON, row_offset=101)
    assert r.scored["row"].to_list() == [101, 103]
    assert r.rejects["row"].to_list() == [102]


def test_compiled_once() -> None:
    schedule = points.load_schedule(GZ)
    assert compile_columns(schedule, "settlement", ON) is \
        compile_columns(schedule, "settlement", ON)


def test_empty_table() -> None:
    r = score_frame(pl.DataFrame(), GZ, on=ON)
    assert (r.rows_read, r.rows_scored, r.rows_rejected) == (0, 0, 0)
    assert {"row", "total", "eligible", "tiers"} <= set(r.scored.columns)


# --- rejects -------------------------------------------------------------------------------


def _rejects(columns: dict[str, list[Any]], **kw: Any) -> tuple[BatchResult, dict[int, Any]]:
    n = len(next(iter(columns.values())))
    data = {"age": [30] * n, **columns}
    r = score_frame(pl.DataFrame(data, strict=False), GZ, on=ON, **kw)
    assert r.rows_scored + r.rows_rejected == r.rows_read == n
    assert not set(r.scored["row"].to_list()) & set(r.rejects["row"].to_list())
    return r, {row: (f, v, why) for row, f, v, why in r.rejects.iter_rows()}


@pytest.mark.parametrize(("column", "cells", "bad"), [
    ("permit_months", ["12", "x", "1.5", "-1", "1201", " 7 ", "12.0", ""],
     {2: "is not a whole number", 3: "is not a whole number", 4: "below the minimum 0",
      5: "above the maximum 1200", 8: "is not a whole number"}),
    ("permit_months", [12.0, 12.5, None], {2: "is not a whole number"}),
    ("has_permit", ["true", "Yes", " no ", "2", "F", "maybe"],  # no spaces, as pydantic
     {3: "is not true/false", 4: "is not true/false", 6: "is not true/false"}),
    ("has_permit", [1, 0, 2], {3: "is not true/false"}),
    ("education", ["bachelor", "Bachelor", "phd", None],
     {2: "is not a level of education", 3: "is not a level of education"}),
    ("income_tax_3y", ["1.234", "12.340", " 2.5 ", "abc", "-1", "1000000000001", "5"],
     {1: "more than 2 decimal places", 4: "is not a decimal number",
      5: "below the minimum 0", 6: "above the maximum 1000000000000"}),
    ("invention_patent_share", ["1/3", "x", "-1/2", "3/0", "1/-3", "0.5", "1001", "2001/2"],
     {2: "is not a fraction", 3: "below the minimum 0", 4: "zero denominator",
      5: "is not a fraction", 7: "above the maximum 1000", 8: "above the maximum 1000"}),
    ("applicant_id", ["ok", "x" * 201], {2: "longer than 200 characters"}),
])
def test_every_kind_of_bad_cell_is_rejected(column: str, cells: list[Any],
                                             bad: dict[int, str]) -> None:
    _, got = _rejects({column: cells})
    assert set(got) == set(bad), got
    for row, why in bad.items():
        field, value, reason = got[row]
        assert field == column
        assert why in reason
        cell = cells[row - 1]
        assert value == (None if cell is None else str(cell))


def test_birth_date_problems() -> None:
    _, got = _rejects({
        "age": [None, None, None, 30, None, 29],
        "birth_date": ["1990-01-02", "1990-02-30", "2030-01-01", None, None, "1990-01-02"]})
    assert got[2][:2] == ("birth_date", "1990-02-30")
    assert "not a date" in got[2][2]
    assert "after the evaluation date 2024-06-01" in got[3][2]
    assert got[5][0] == "age" and got[5][2] == "give age or birth_date"
    # born 1990-01-02: 34 on 2024-06-01, not 29
    assert got[6][0] == "age" and "does not match birth_date" in got[6][2]
    assert "(34)" in got[6][2]
    assert set(got) == {2, 3, 5, 6}


def test_birth_datetime_with_a_time_is_rejected() -> None:
    df = pl.DataFrame({"birth_date": [datetime(1990, 1, 2), datetime(1990, 1, 2, 8, 30)]})
    r = score_frame(df, GZ, on=ON)
    assert r.rejects["row"].to_list() == [2]
    assert "time of day" in r.rejects["reason"][0]


def test_one_row_many_problems_counts_once() -> None:
    r, _ = _rejects({"permit_months": ["x", "1"], "has_permit": ["maybe", "true"],
                     "education": ["phd", "none"]})
    assert r.rejects.filter(pl.col("row") == 1)["field"].to_list() == \
        ["permit_months", "has_permit", "education"]
    assert (r.rows_rejected, r.rows_scored) == (1, 1)


def test_decimal_columns_with_too_many_places() -> None:
    df = pl.DataFrame({"age": [30, 30],
                       "income_tax_3y": pl.Series([Decimal("1.230"), Decimal("1.234")],
                                                  dtype=pl.Decimal(10, 3))})
    r = score_frame(df, GZ, on=ON)
    assert r.rejects.rows() == [(2, "income_tax_3y", "1.234", "has more than 2 decimal places")]


def test_applied_at_is_parsed_and_kept() -> None:
    df = pl.DataFrame({"age": [30, 30, 30],
                       "applied_at": ["2024-03-01T09:30:00", "2024-03-01", "soon"]})
    r = score_frame(df, GZ, on=ON)
    assert r.scored["applied_at"].to_list() == [datetime(2024, 3, 1, 9, 30),
                                               datetime(2024, 3, 1)]
    assert r.rejects.rows() == [(3, "applied_at", "soon",
                                 "is not a date-time (YYYY-MM-DDTHH:MM:SS)")]


def test_unknown_columns() -> None:
    df = pl.DataFrame({"age": [30], "shoe_size": [42], "colour": ["red"]})
    with pytest.raises(InputError, match="unknown columns shoe_size, colour"):
        score_frame(df, GZ, on=ON)
    r = score_frame(df, GZ, on=ON, extra="ignore")
    assert r.rows_scored == 1
    assert "shoe_size" not in r.scored.columns


def test_a_table_without_age_or_birth_date_is_refused() -> None:
    with pytest.raises(InputError, match="age or a birth_date"):
        score_frame(pl.DataFrame({"permit_months": [12]}), GZ, on=ON)


def test_unknown_purpose() -> None:
    with pytest.raises(UnknownPurpose):
        score_frame(pl.DataFrame({"age": [30]}), GZ, purpose="lunch", on=ON)


def test_not_a_frame() -> None:
    with pytest.raises(InputError, match="Polars or pandas"):
        score_frame([{"age": 30}], GZ, on=ON)


# --- rounding of pro-rata rates ------------------------------------------------------------

ROUNDING = """
[schedule]
id = "test/1"
place = "test"
title = {{ zh = "测试", en = "Test" }}
document = "none"
effective_from = 2020-01-01
precision = "1"
rounding = "{mode}"

[factors.share]
label = {{ zh = "份额", en = "share" }}
fact = "invention_patent_share"
rule = "rate"
rate = 1
whole = false
ref = "r"
status = "provisional"

[deductions.minus]
label = {{ zh = "扣分", en = "minus" }}
fact = "utility_patent_share"
rule = "rate"
rate = -1
whole = false
ref = "r"
status = "provisional"
"""

SHARES = ["1/2", "3/2", "5/2", "1/3", "2/3"]


@pytest.mark.parametrize(("mode", "expected"), [
    # 1 point per share, pro rata, rounded to whole points: 0.5, 1.5, 2.5, 0.33, 0.67
    ("half_up", [1, 2, 3, 0, 1]),  # halves away from zero
    ("half_even", [0, 2, 2, 0, 1]),  # halves to the even neighbour
    ("down", [0, 1, 2, 0, 0]),  # towards zero
    ("up", [1, 2, 3, 1, 1]),  # away from zero
])
def test_pro_rata_rounding_modes(mode: str, expected: list[int]) -> None:
    schedule = points.loads_schedule(ROUNDING.format(mode=mode))
    df = pl.DataFrame({"age": [30] * 5, "invention_patent_share": SHARES,
                       "utility_patent_share": SHARES})
    out = score_frame(df, schedule, on=ON).points()
    assert out["share"].to_list() == [Decimal(v) for v in expected]
    # a deduction rounds the same magnitudes: half_up and up away from zero, down towards it
    assert out["minus"].to_list() == [Decimal(-v) for v in expected]
    for i, share in enumerate(SHARES):
        card = points.score({"age": 30, "invention_patent_share": share,
                             "utility_patent_share": share}, schedule, on=ON)
        assert card.total == out["total"][i] == 0


# --- nothing lost, on messy text -----------------------------------------------------------

MESSY = {
    "age": ["30", "44", " 52 ", "30.0", "200", "x", "", None],
    "birth_date": ["1990-01-02", "1983-06-01", "1990-02-30", "2030-01-01", "1990-1-2",
                   " 1990-01-02", "1990- 1-02", "+990-01-02", None],
    "permit_months": ["0", "12", " 7 ", "36.0", "-1", "1201", "1.5", "x", "", None],
    "has_permit": ["true", "False", "yes", " no ", "0", "1", "2", "maybe", None],
    "education": ["bachelor", "none", "associate", "Bachelor", "phd", "", None],
    "income_tax_3y": ["0", "12.34", "12.340", " 3.5 ", "20000", "1.234", "-5", "abc", None],
    "invention_patent_share": ["0", "1/3", "2/4", "0.5", " 3 ", "3/0", "-1/2", "1001", "x",
                               None],
    "credit_records_under_90d": ["0", "1", "2", "1001", "one", None],
}


@st.composite
def messy_tables(draw: st.DrawFn) -> pl.DataFrame:
    columns = draw(st.lists(st.sampled_from(sorted(MESSY)), min_size=1, unique=True))
    if "age" not in columns and "birth_date" not in columns:
        columns.append("age")
    n = draw(st.integers(1, 8))
    return pl.DataFrame({c: draw(st.lists(st.sampled_from(MESSY[c]), min_size=n, max_size=n))
                         for c in columns}, schema={c: pl.String for c in columns})


@pytest.mark.slow  # Hypothesis: 150 messy tables
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=messy_tables())
def test_nothing_lost_and_rejected_exactly_when_per_record_refuses(
        table: pl.DataFrame) -> None:
    schedule = points.load_schedule(GZ)
    r = score_frame(table, schedule, on=ON)
    scored, rejected = set(r.scored["row"].to_list()), set(r.rejects["row"].to_list())
    assert scored.isdisjoint(rejected)
    assert scored | rejected == set(range(1, table.height + 1))
    assert r.rows_scored + r.rows_rejected == r.rows_read == table.height
    # a row with neither age nor birth date is reported under "age"
    assert set(r.rejects["field"].to_list()) <= {*table.columns, "age"}
    totals = dict(zip(r.scored["row"].to_list(), r.points()["total"].to_list(), strict=True))
    for i, cells in enumerate(table.iter_rows(named=True), start=1):
        facts = {k: v for k, v in cells.items() if v is not None}
        try:
            card = points.score(facts, schedule, on=ON)
        except ApplicantError:
            assert i in rejected, (i, facts)
        else:
            assert i in scored, (i, facts, r.rejects.filter(pl.col("row") == i).rows())
            assert totals[i] == card.total


def test_a_rule_over_several_facts_gets_the_narrowest_type_its_parts_allow() -> None:
    # insurance: 2 points a full year of each of five types, 1,200 months at most each →
    # 5 × 100 × 2 = 1,000 points = 100,000 ticks; credit: −10 a record, two counts of at most
    # 1,000 → −20,000 points = −2,000,000 ticks. Both beyond Int16, within Int32.
    months = {f"{k}_months": 1200 for k in ("pension", "medical", "unemployment", "injury",
                                           "maternity")}
    rows = [{"age": 30, **months},
            {"age": 30, "credit_records_under_90d": 1000, "credit_records_over_90d": 1000}]
    scored = score_frame(pl.DataFrame(rows), "guangzhou/2021", on=ON).scored
    assert scored.schema["insurance"] == pl.Int32
    assert scored.schema["credit"] == pl.Int32
    assert scored["insurance"].to_list() == [100_000, 0]
    assert scored["credit"].to_list() == [0, -2_000_000]
    for row, facts in zip(scored.iter_rows(named=True), rows, strict=True):
        card = points.score(facts, "guangzhou/2021", on=ON)
        assert Decimal(row["total"]).scaleb(-2) == card.total


@pytest.mark.parametrize("on", [date(2024, 2, 29), date(2023, 2, 28), date(2024, 3, 1),
                                date(2024, 6, 1), date(2023, 12, 31)])
def test_ages_looked_up_by_day_equal_ages_worked_out_per_row(on: date) -> None:
    from points.batch._score import _age_problems, _years_begun

    births = pl.date_range(date(1959, 1, 1), on, eager=True).shuffle(seed=1)
    births = pl.concat([births, pl.Series([None], dtype=pl.Date)])
    frame = pl.DataFrame({"_p.birth_date": births, "_p.age": pl.Series([None] * len(births),
                                                                         dtype=pl.Int64)})
    span = (births.min(), births.max())
    for derive in (_age_problems, _years_begun):
        looked_up, _ = derive({"birth_date"}, on, span)
        per_row, _ = derive({"birth_date"}, on)
        both = frame.select(looked_up.alias("a"), per_row.alias("b"))
        assert both["a"].equals(both["b"])
    # by hand: born on 2000-02-29 (one of the shuffled days)
    (age,) = frame.filter(pl.col("_p.birth_date") == date(2000, 2, 29)).select(
        _age_problems({"birth_date"}, on, span)[0]).to_series()
    assert age == on.year - 2000 - ((on.month, on.day) < (2, 29))


@pytest.mark.parametrize("text", ["1990- 1-02", "1990-01- 2", " 990-01-02", "+990-01-02",
                                  "1990-1-2"])
def test_a_date_with_spaces_or_a_sign_is_rejected_as_per_record(text: str) -> None:
    from points.batch import _score

    with pytest.raises(ApplicantError):
        points.score({"birth_date": text}, GZ, on=ON)
    table = pl.DataFrame({"birth_date": [text, "1990-01-02"]})
    for small in (True, False):  # the row-by-row path and the column path
        r = _score._score_frame(table, points.load_schedule(GZ), None, ON, 1, "forbid",
                                small=small)
        assert r.rejects.rows() == [(1, "birth_date", text, "is not a date (YYYY-MM-DD)")]
        assert r.scored["row"].to_list() == [2]
