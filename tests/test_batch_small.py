"""Small tables take the row-by-row path (`points.batch._small`): the same scored table, to
the column and dtype, and the same rejects as the column path, whichever path a table takes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import points
from points import Applicant
from points.batch import _score, sample_frame, score_frame, unread_columns
from points.batch._small import SMALL_ROWS, small_plan
from points.testing import applicants, schedules
from test_equivalence import frame

ON = date(2024, 6, 1)
pytestmark = pytest.mark.row_by_row
SETTINGS = settings(max_examples=40, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


def both_ways(table: pl.DataFrame, schedule: points.Schedule, purpose: str | None,
              monkeypatch: pytest.MonkeyPatch, **kw: Any) -> None:
    small = score_frame(table, schedule, purpose=purpose, on=ON, **kw)
    with monkeypatch.context() as m:
        m.setattr(_score, "SMALL_ROWS", 0)
        columns = score_frame(table, schedule, purpose=purpose, on=ON, **kw)
    assert_frame_equal(small.scored, columns.scored)
    assert_frame_equal(small.rejects, columns.rejects)
    assert (small.rows_read, small.places, small.points_columns) == (
        columns.rows_read, columns.places, columns.points_columns)


@pytest.mark.slow
@SETTINGS
@given(schedule=schedules(), data=st.data())
def test_small_tables_score_as_the_column_path(schedule: points.Schedule, data: st.DataObject,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    people = data.draw(st.lists(applicants(schedule), min_size=1, max_size=6))
    table = frame(people)
    as_text = data.draw(st.booleans())
    if as_text:  # as read from a CSV: every column text
        table = table.with_columns(pl.all().cast(pl.String))
    for purpose in [None, *schedule.purposes]:
        both_ways(table, schedule, purpose, monkeypatch)


#: cells the small path must not decide: each hands the table to the column path
ODD: list[tuple[str, Any, pl.DataType]] = [
    ("permit_months", "12.0", pl.String()), ("permit_months", " 12", pl.String()),
    ("permit_months", "-1", pl.String()), ("permit_months", 5000, pl.Int64()),
    ("has_permit", "yes", pl.String()), ("has_permit", "是", pl.String()),
    ("education", "本科及学士学位", pl.String()), ("education", "phd", pl.String()),
    ("income_tax_3y", "12.345", pl.String()), ("income_tax_3y", "1e3", pl.String()),
    ("invention_patent_share", "1/0", pl.String()), ("invention_patent_share", "0.5",
                                                      pl.String()),
    ("invention_patent_share", " 1/2", pl.String()),
    ("birth_date", "1990-1-2", pl.String()), ("birth_date", "2030-01-01", pl.String()),
    ("birth_date", "1990-02-30", pl.String()), ("age", 200, pl.Int64()),
    ("applicant_id", "x" * 201, pl.String()),
]


@pytest.mark.parametrize(("column", "value", "dtype"), ODD)
def test_an_odd_cell_gives_the_column_paths_rejects(column: str, value: Any,
                                                    dtype: pl.DataType,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = points.load_schedule("guangzhou/2021")
    table = sample_frame(5, seed=3, on=ON).with_columns(pl.all().cast(pl.String))
    table = table.with_columns(pl.Series(column, [value, *table[column].to_list()[1:]])
                               .cast(dtype, strict=False) if dtype == pl.String()
                               else pl.Series(column, [value] * 5, dtype=dtype))
    both_ways(table, schedule, None, monkeypatch)


def test_age_and_birth_date_that_disagree_are_rejected_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = points.load_schedule("guangzhou/2021")
    table = pl.DataFrame({"age": [30, 31, None], "birth_date": [date(1994, 1, 1)] * 3,
                          "age_years_begun": [None, None, 40]})
    both_ways(table, schedule, None, monkeypatch)


def test_typed_columns_of_every_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = points.load_schedule("guangzhou/2021")
    table = sample_frame(50, seed=5, on=ON)
    both_ways(table, schedule, None, monkeypatch)
    both_ways(table.with_columns(pl.col("income_tax_3y").cast(pl.Decimal(20, 4))), schedule,
              "school", monkeypatch)
    both_ways(table.with_columns(applicant_id=pl.int_range(0, 50)), schedule, None,
              monkeypatch)
    nulls = table.with_columns(pl.when(pl.int_range(0, 50) % 3 == 0).then(None)
                               .otherwise(pl.col(c)).alias(c)
                               for c in ("permit_months", "education", "has_permit"))
    both_ways(nulls, schedule, None, monkeypatch)


def test_a_clean_small_table_takes_the_row_by_row_path() -> None:
    schedule = points.load_schedule("guangzhou/2021")
    table = sample_frame(20, seed=7, on=ON)
    with points.compiled.compile_schedule(schedule).scope():
        plan = small_plan(schedule, "settlement", ON, table.schema, lambda: score_frame(
            table.head(0), schedule, on=ON).scored.schema)
    assert plan is not None
    assert plan.score(table, 1, None) is not None
    person = Applicant(age=30, permit_months=36, income_tax_3y=Decimal("12345.60"))
    assert score_frame(frame([person]), schedule, on=ON).scored["total"].to_list() == [
        int(points.score(person, schedule, on=ON).total * 100)]


# --- outputs: only the columns asked for ---------------------------------------------------


@pytest.mark.parametrize("rows", [5, 1500])  # the row-by-row path and the column path
def test_outputs_keep_the_asked_columns_with_the_same_values(rows: int) -> None:
    schedule = points.load_schedule("guangzhou/2021")
    table = sample_frame(rows, seed=11, on=ON)
    full = score_frame(table, schedule, on=ON)
    asked = ["tier", "total", "eligible", "gate.age_limit", "provisional"]
    some = score_frame(table, schedule, on=ON, outputs=asked)
    assert some.scored.columns == ["row", "applicant_id", "total", "gate.age_limit",
                                   "eligible", "provisional", "tier"]
    assert_frame_equal(some.scored, full.scored.select(some.scored.columns))
    assert some.points()["total"].to_list() == full.points()["total"].to_list()


def test_outputs_reject_the_same_rows() -> None:
    schedule = points.load_schedule("guangzhou/2021")
    table = pl.DataFrame({"age": ["30", "x", "41"], "permit_months": ["12", "24", "-3"]})
    some = score_frame(table, schedule, on=ON, outputs=["total"])
    full = score_frame(table, schedule, on=ON)
    assert_frame_equal(some.rejects, full.rejects)
    assert some.scored.columns == ["row", "applicant_id", "total"]
    assert some.scored["row"].to_list() == [1]


@pytest.mark.parametrize("outputs", [["totl"], "total", ["total", "gate.nope"]])
def test_unknown_outputs_are_named(outputs: Any) -> None:
    with pytest.raises(points.InputError) as info:
        score_frame(pl.DataFrame({"age": [30]}), "guangzhou/2021", on=ON, outputs=outputs)
    assert ("not one string" in str(info.value)) if isinstance(outputs, str) else \
        "the scored columns are row, applicant_id, total" in str(info.value)


def test_text_whole_numbers_beyond_32_bits_keep_their_reasons(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # text counts are parsed as Int32 first: a value beyond it is still out of bounds, with
    # the bound it passes as the reason, on both paths
    table = pl.DataFrame({"age": ["30"] * 5, "permit_months": [
        "12", "3000000000", "-3000000000", "99999999999999999999", "1201"]})
    result = score_frame(table, "guangzhou/2021", on=ON)
    assert result.rejects.select("row", "reason").rows() == [
        (2, "is above the maximum 1200"), (3, "is below the minimum 0"),
        (4, "is not a whole number"), (5, "is above the maximum 1200")]
    both_ways(table, points.load_schedule("guangzhou/2021"), None, monkeypatch)


def test_score_file_writes_only_the_asked_columns(tmp_path: Any) -> None:
    from points.batch import score_file

    source = tmp_path / "in.csv"
    sample_frame(300, seed=13, on=ON).write_csv(source)
    full = score_file(source, tmp_path / "full.csv", "guangzhou/2021", on=ON, chunk_rows=128)
    some = score_file(source, tmp_path / "some.csv", "guangzhou/2021", on=ON, chunk_rows=128,
                      outputs=["total", "tier"])
    written = pl.read_csv(tmp_path / "some.csv")
    assert written.columns == ["row", "applicant_id", "total", "tier"]
    whole = pl.read_csv(tmp_path / "full.csv")
    assert_frame_equal(written, whole.select(written.columns))
    assert (some.tiers, some.eligible, some.rows_scored) == (
        full.tiers, full.eligible, full.rows_scored)


# --- schedules with every construct: the same results, and the same rejects -----------------


#: contradicting facts (the vocabulary's consistency checks) put into a drawn row
CONTRADICTIONS: list[dict[str, Any]] = [
    {"criminal_records_5y": 1, "criminal_record": False},
    {"serious_criminal_record": True, "criminal_record": False},
    {"detention_records_5y": 2, "public_security_penalties_5y": 1},
]


@pytest.mark.slow
@SETTINGS
@given(schedule=schedules(max_factors=5, constructs=True), data=st.data())
def test_small_tables_with_every_construct_score_and_reject_as_the_column_path(
        schedule: points.Schedule, data: st.DataObject,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # own facts (levels by alias too), derived facts, when, branches (refused rows), rules
    # over several facts; some rows made contradictory: whichever path the table takes, the
    # scored rows and the rejects are the column path's
    from test_properties_constructs import frame as construct_frame

    people = data.draw(st.lists(applicants(schedule), min_size=1, max_size=8))
    text, alias = data.draw(st.booleans()), data.draw(st.booleans())
    table = construct_frame(schedule, people, text, alias)
    for _ in range(data.draw(st.integers(0, 2))):
        row = data.draw(st.integers(0, table.height - 1))
        bad = data.draw(st.sampled_from(CONTRADICTIONS))
        table = table.with_columns(
            pl.when(pl.int_range(0, table.height) == row).then(
                pl.lit(str(v) if text else v, dtype=table.schema[k])).otherwise(pl.col(k))
            .alias(k) for k, v in bad.items() if k in table.columns)
    for purpose in [None, *schedule.purposes]:
        both_ways(table, schedule, purpose, monkeypatch)


def test_a_contradiction_hands_the_table_to_the_column_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = points.load_schedule("guangzhou/2021")
    table = pl.DataFrame({"age": [30, 31], "criminal_record": [False, False],
                          "criminal_records_5y": [0, 1]})
    with points.compiled.compile_schedule(schedule).scope():
        plan = small_plan(schedule, None, ON, table.schema, lambda: score_frame(
            table.head(0), schedule, on=ON).scored.schema)
    assert plan is not None
    assert plan.score(table.head(1), 1, None) is not None
    assert plan.score(table, 1, None) is None  # row 2 contradicts itself
    result = score_frame(table, schedule, on=ON)
    assert result.rejects.select("row", "field").rows() == [(2, "criminal_record")]
    both_ways(table, schedule, None, monkeypatch)


def test_the_new_city_small_table_takes_the_row_by_row_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # every construct of issue 9 in one schedule (tests/test_new_city.py: 14 hand-computed
    # applicants): its clean table is scored row by row to the hand-computed totals, and a
    # table with a branch broken goes whole to the column path; both agree with it
    from test_new_city import CASES, SCHEDULE

    schedule = points.load_schedule(SCHEDULE)
    words = {True: "true", False: "false", "是": "true", "否": "false"}
    table = pl.DataFrame([{k: words.get(v, str(v)) if isinstance(v, bool | str) else str(v)
                           for k, v in facts.items()} for facts, _, _ in CASES])
    with points.compiled.compile_schedule(schedule).scope():
        plan = small_plan(schedule, None, ON, table.schema, lambda: score_frame(
            table.head(0), schedule, on=ON).scored.schema)
    assert plan is not None
    rows = plan.score(table, 1, None)
    assert rows is not None
    assert rows["total"].to_list() == [t for _, t, _ in CASES]  # precision 1: ticks = points
    both_ways(table, schedule, None, monkeypatch)
    broken = table.with_columns(spouse_coming=pl.lit("false"))  # a couple not coming: none
    assert plan.score(broken, 1, None) is None
    both_ways(broken, schedule, None, monkeypatch)
    assert score_frame(broken, schedule, on=ON).rejects["field"].unique().to_list() == [
        "branches.family"]


# --- columns="read": only the columns the schedule reads ---------------------------------


@pytest.mark.slow
@SETTINGS
@given(schedule=schedules(), data=st.data())
def test_reading_only_the_read_columns_scores_valid_rows_alike(
        schedule: points.Schedule, data: st.DataObject) -> None:
    # valid applicants: the same scored table with or without the unread columns, typed or
    # all text, on the small path and the column path alike
    table = frame(data.draw(st.lists(applicants(schedule), min_size=1, max_size=4)))
    if data.draw(st.booleans()):
        table = table.with_columns(pl.all().cast(pl.String))
    with patch.object(_score, "SMALL_ROWS", data.draw(st.sampled_from([0, SMALL_ROWS]))):
        for purpose in [None, *schedule.purposes]:
            full = score_frame(table, schedule, purpose=purpose, on=ON)
            read = score_frame(table, schedule, purpose=purpose, on=ON, columns="read")
            assert_frame_equal(read.scored, full.scored)
            assert read.rejects.height == full.rejects.height == 0


def test_a_bad_cell_in_an_unread_column_rejects_only_by_default() -> None:
    # Guangzhou 2021 never reads sex or insurance_base_ratio: by default their bad cells
    # reject rows 2 and 3, as points.score refuses them; with columns="read" those rows are
    # scored as if the cells were not given; a bad cell in a read column rejects either way
    schedule = points.load_schedule("guangzhou/2021")
    assert {"sex", "insurance_base_ratio"} <= set(
        unread_columns(schedule, ["sex", "insurance_base_ratio", "permit_months"]))
    assert unread_columns(schedule, ["permit_months", "age", "applicant_id"]) == []
    table = pl.DataFrame({"age": ["30", "31", "32", "33"],
                          "permit_months": ["12", "24", "36", "x"],
                          "sex": ["male", "robot", "female", "female"],
                          "insurance_base_ratio": ["1.5", "1", "abc", "2"]})
    full = score_frame(table, schedule, on=ON)
    assert full.rejects.select("row", "field", "value").rows() == [
        (2, "sex", "robot"), (3, "insurance_base_ratio", "abc"), (4, "permit_months", "x")]
    with pytest.raises(points.ApplicantError):
        points.score({"age": 31, "permit_months": 24, "sex": "robot"}, schedule, on=ON)
    read = score_frame(table, schedule, on=ON, columns="read")
    assert read.rejects.select("row", "field", "value").rows() == [(4, "permit_months", "x")]
    assert read.scored["row"].to_list() == [1, 2, 3]
    without = score_frame(table.drop("sex", "insurance_base_ratio"), schedule, on=ON)
    assert_frame_equal(read.scored, without.scored.filter(pl.col("row") <= 3))
    assert read.scored["total"].to_list() == [
        int(points.score({"age": a, "permit_months": m}, schedule, on=ON).total * 100)
        for a, m in ((30, 12), (31, 24), (32, 36))]


def test_columns_is_all_or_read() -> None:
    with pytest.raises(points.InputError, match="columns is") as info:
        score_frame(pl.DataFrame({"age": [30]}), "guangzhou/2021", on=ON,
                    columns="some")  # type: ignore[arg-type]
    assert info.value.value == "some"


def test_score_file_and_the_command_skip_unread_columns(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from points.batch import score_file
    from points.cli import app

    source = tmp_path / "in.csv"
    table = sample_frame(300, seed=13, on=ON).with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("robot"))
        .otherwise(pl.col("sex")).alias("sex"))
    table.write_csv(source)
    full = score_file(source, tmp_path / "full.csv", "guangzhou/2021", on=ON, chunk_rows=128)
    read = score_file(source, tmp_path / "read.csv", "guangzhou/2021", on=ON, chunk_rows=128,
                      columns="read")
    assert (full.rows_scored, full.rows_rejected, read.rows_scored, read.rows_rejected) == (
        299, 1, 300, 0)
    scored = pl.read_csv(tmp_path / "read.csv")
    assert_frame_equal(scored.filter(pl.col("row") != 5), pl.read_csv(tmp_path / "full.csv"))
    run = CliRunner().invoke(app, ["score", str(source), "--on", "2024-06-01", "--skip-unread",
                                   "-o", str(tmp_path / "cli.csv")])
    assert run.exit_code == 0, run.output
    assert_frame_equal(pl.read_csv(tmp_path / "cli.csv"), scored)
    for args in ([str(source), "--engine", "dask"], ["--records", str(tmp_path)]):
        run = CliRunner().invoke(app, ["score", *args, "--on", "2024-06-01", "--skip-unread",
                                       "-o", str(tmp_path / "x.parquet")])
        assert run.exit_code != 0 and "--skip-unread works with" in run.output, run.output
