"""All-text columns (as from a CSV) through the column path: the quick reads of dates and
decimal places from the cells' views (`batch._text`) give the answers the slow parse and
`points.score` give, on every edge they could get wrong."""

from __future__ import annotations

from datetime import date
from typing import Any
from unittest.mock import patch

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import points
from points import ApplicantError
from points.batch import BatchResult, _text
from points.batch import _score as score_module
from points.batch._text import few_places, iso_dates

GZ = "guangzhou/2021"
ON = date(2024, 6, 1)
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _columns(table: dict[str, list[Any]]) -> BatchResult:
    """Score `table` (all text) on the column path, not the row-by-row one of small tables."""
    frame = pl.DataFrame(table, schema=dict.fromkeys(table, pl.String))
    r = score_module._score_frame(frame, points.load_schedule(GZ), None, ON, 1, "forbid",
                                  small=False)
    assert r.rows_scored + r.rows_rejected == r.rows_read == frame.height
    return r


def _per_record_refuses(facts: dict[str, Any]) -> bool:
    try:
        points.score(facts, GZ, on=ON)
    except ApplicantError:
        return True
    return False


# --- decimals ------------------------------------------------------------------------------

# income_tax_3y: 2 places; 1 point (100 ticks) per full ¥10,000, at most 10 points
TAX = [
    ("19999.99", 100), ("20000.00", 200), ("29999.990", 200), ("12.340", 0),
    ("1e3", 0), ("1e5", 1000), ("+1", 0), (".5", 0), ("12.", 0), (" 12.5 ", 0),
    ("20000", 200), ("-0", 0), ("00030000.5", 300),
    ("1234567890.12000000", 1000),  # 19 bytes, zeros beyond the places: still 2 places
    ("12.3401", None), ("12.345", None), ("29999.991", None),
    ("12.3400000000000000001", None),  # 22 bytes: the slow way finds the 1
    ("1.2.3", "is not a decimal number"), ("12,5", "is not a decimal number"),
    # exponents: the places after applying it, trailing zeros aside (as per record)
    ("1e-3", None), ("1.5e-3", None), ("1E-2", 0), ("1.20e-1", 0), ("2.5E4", 200),
    ("12345678.9e-1", 1000), ("1.0000001e4", None),  # 1,234,567.89: at the cap; 10,000.001
]


def test_decimal_text_cells_read_as_before_and_as_per_record() -> None:
    cells = [c for c, _ in TAX]
    r = _columns({"age": ["30"] * len(cells), "income_tax_3y": cells})
    points_of = dict(zip(r.scored["row"].to_list(), r.scored["income_tax"].to_list(),
                         strict=True))
    why = {row: (field, value, reason) for row, field, value, reason in r.rejects.iter_rows()}
    for row, (cell, expected) in enumerate(TAX, start=1):
        if isinstance(expected, int):
            assert points_of.get(row) == expected, (cell, why.get(row))
            assert not _per_record_refuses({"age": 30, "income_tax_3y": cell}), cell
        else:
            reason = expected or "has more than 2 decimal places"
            assert why[row] == ("income_tax_3y", cell, reason), cell
            assert _per_record_refuses({"age": 30, "income_tax_3y": cell}), cell


def test_a_decimal_column_of_whole_numbers_and_odd_places() -> None:
    # every cell a different way: none may be read the quick way with the wrong places
    cells = ["0", "5", "100000", "7.5", "7.50", "7.500", "7.505", None, ""]
    r = _columns({"age": ["30"] * len(cells), "income_tax_3y": cells})
    assert r.rejects.rows() == [
        (7, "income_tax_3y", "7.505", "has more than 2 decimal places"),
        (9, "income_tax_3y", "", "is not a decimal number")]
    assert r.scored["income_tax"].to_list() == [0, 0, 1000, 0, 0, 0, 0]


# --- dates -----------------------------------------------------------------------------------

BAD_DATES = ["1990- 1-02", "1990-1-2", " 990-01-01", "1990-02-30", "19900102", "1990-01-02 ",
             "1900-02-29", "1990-13-01", "1990-00-10", "1990-01-00", "1990-01-32",
             "1990/01/02", "+990-01-02", "١٩٩٠-01-02", "1990-01-0２"]


def test_dates_not_exactly_yyyy_mm_dd_are_rejected_as_per_record() -> None:
    cells = ["1990-01-02", *BAD_DATES, "2000-02-29"]
    r = _columns({"birth_date": cells})
    assert r.rejects.rows() == [(row, "birth_date", cell, "is not a date (YYYY-MM-DD)")
                                for row, cell in enumerate(cells, start=1)
                                if cell in BAD_DATES]
    assert r.scored["row"].to_list() == [1, len(cells)]
    # born 1990-01-02: 34 on 2024-06-01 (30 points); born 2000-02-29: 24 (30 points)
    assert r.scored["age"].to_list() == [3000, 3000]
    for cell in BAD_DATES:
        assert _per_record_refuses({"birth_date": cell}), cell


def test_dates_over_a_thousand_years_are_read_alike() -> None:
    # the quick read keeps a table of at most 1,000 years: the rest take the slow way
    cells = ["0001-01-01", "1990-01-02", "2024-06-01", "9999-12-31", "0000-01-01"]
    r = _columns({"birth_date": cells, "age": [None, None, "0", None, None]})
    reasons = {row: why for row, _, _, why in r.rejects.iter_rows()}
    assert reasons[1] == "gives an age of 2023 on 2024-06-01, above the maximum 120"
    assert reasons[4] == "is after the evaluation date 2024-06-01"
    # year 0 is no Python date: refused per record, and no longer stops the batch
    assert reasons[5] == "is not a date (YYYY-MM-DD)"
    assert _per_record_refuses({"birth_date": "0000-01-01"})
    assert r.scored["row"].to_list() == [2, 3]


# --- columns the schedule does not read ------------------------------------------------------

@pytest.mark.parametrize(("column", "cell", "reason"), [
    ("insurance_base_ratio", "1.23456", "has more than 4 decimal places"),
    ("insurance_base_ratio", "101", "is above the maximum 100"),
    ("sex", "x", "is not a level of sex"),
    ("residence_months", "1.5", "is not a whole number"),
    ("criminal_record", "maybe", "is not true/false"),
])
def test_a_bad_cell_in_a_column_the_schedule_does_not_read_rejects_the_row(
        column: str, cell: str, reason: str) -> None:
    ok = {"insurance_base_ratio": "1.2345", "sex": "male", "residence_months": "12",
          "criminal_record": "false"}[column]
    r = _columns({"age": ["30", "30"], column: [ok, cell]})
    ((row, field, value, why),) = r.rejects.rows()
    assert (row, field, value) == (2, column, cell)
    assert why.startswith(reason)
    assert r.scored["row"].to_list() == [1]
    assert _per_record_refuses({"age": 30, column: cell})
    assert not _per_record_refuses({"age": 30, column: ok})


# --- the quick readers themselves ------------------------------------------------------------

def _slow_dates(s: pl.Series) -> pl.Series:
    return pl.select(pl.when(pl.lit(s).str.contains(DATE_PATTERN)).then(
        pl.lit(s).str.to_date("%Y-%m-%d", strict=False))).to_series()


DATE_CHARS = st.sampled_from("0123456789-- +/.T:é")
DATES = st.one_of(st.dates(date(1, 1, 1)).map(str), st.text(DATE_CHARS, max_size=13))


@given(st.lists(st.one_of(DATES, st.none()), max_size=40), st.integers(0, 5))
def test_a_quickly_read_date_is_the_date_the_slow_parse_reads(cells: list[str | None],
                                                             start: int) -> None:
    s = pl.Series(cells, dtype=pl.String)[start:]  # a slice: its views start further on
    quick, slow = iso_dates(s), _slow_dates(s)
    assert quick.len() == s.len()
    assert ((quick == slow) | quick.is_null()).all()
    # all from year 1 and within a thousand years: every date is read the quick way
    days = slow.drop_nulls().to_physical()
    if days.len() and (slow.dt.year() > 0).all() and days.max() - days.min() < 365 * 999:  # type: ignore[operator]
        assert quick.null_count() == slow.null_count()


def test_dates_read_from_a_table_in_several_chunks() -> None:
    parts = [pl.Series(["1990-01-02", None, "x"]), pl.Series(["2000-02-29", "1990-1-2"])]
    s = pl.concat(parts, rechunk=False)
    assert s.n_chunks() == 2
    assert iso_dates(s).to_list() == [date(1990, 1, 2), None, None, date(2000, 2, 29), None]
    assert iso_dates(s.head(0)).to_list() == []


DECIMAL_CHARS = st.sampled_from("0123456789..-+eE x")


@given(st.lists(st.one_of(st.text(DECIMAL_CHARS, max_size=14), st.none()), max_size=40),
       st.integers(0, 6), st.integers(0, 3), st.sampled_from([1, 3, 8, _text._STEP]))
def test_few_places_counts_the_bytes_after_the_first_point(cells: list[str | None],
                                                          places: int, start: int,
                                                          step: int) -> None:
    # read `step` cells at a time (the slices' edges, with nulls and a sliced column)
    s = pl.Series(cells, dtype=pl.String)[start:]
    after = (s.str.len_bytes().cast(pl.Int64) - s.str.find(".", literal=True) - 1).fill_null(0)
    expected = (after <= places) & s.is_not_null() & (s.str.len_bytes() <= 12) \
        & ~s.str.contains("[eE]")
    with patch.object(_text, "_STEP", step):
        assert few_places(s, places).to_list() == expected.to_list()


def test_an_exponent_is_left_to_the_slow_way() -> None:
    s = pl.Series(["1e3", "1E3", "12.5e", "e", "12.34", "123456789e"])
    assert few_places(s, 2).to_list() == [False, False, False, False, True, False]


def test_a_float_column_with_more_places_than_money_has_is_rejected() -> None:
    # 0.00001 is written "1e-05" as text: 5 places, as pydantic finds for the float
    frame = pl.DataFrame({"age": [30, 30, 30], "income_tax_3y": [0.00001, 12.5, 25000.0]})
    r = score_module._score_frame(frame, points.load_schedule(GZ), None, ON, 1, "forbid",
                                  small=False)
    assert r.rejects.select("row", "reason").rows() == [
        (1, "has more than 2 decimal places")]
    assert r.scored["income_tax"].to_list() == [0, 200]
    assert _per_record_refuses({"age": 30, "income_tax_3y": 0.00001})


def test_few_places_by_hand() -> None:
    s = pl.Series(["12.34", "12.340", "12", "1.2.34", ".", "123456789.12", "1234567890.12",
                   None, ""])
    assert few_places(s, 2).to_list() == [True, False, True, False, True, True, False,
                                          False, True]
