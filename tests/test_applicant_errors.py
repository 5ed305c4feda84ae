"""Bad applicant facts raise `ApplicantError` naming every bad field and its value."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import pytest

import points
from points import Applicant, ApplicantError, UnknownPurpose

ON = date(2024, 6, 1)


def parse_error(data: Any, **where: Any) -> ApplicantError:
    with pytest.raises(ApplicantError) as info:
        Applicant.parse(data, **where)
    return info.value


@pytest.mark.parametrize(
    ("data", "field", "value", "reason"),
    [
        ({"age": 30, "permit_months": "many"}, "permit_months", "many", "integer"),
        ({"age": 30, "permit_months": 3.5}, "permit_months", 3.5, "fractional"),
        ({"age": 30, "permit_months": -1}, "permit_months", -1, "greater than or equal to 0"),
        ({"age": 30, "pension_months": 1201}, "pension_months", 1201, "less than or equal"),
        ({"age": 130}, "age", 130, "less than or equal to 120"),
        ({"age": -1}, "age", -1, "greater than or equal to 0"),
        ({"age": 30, "colour": "red"}, "colour", "red", "unknown field"),
        ({"age": 30, "education": "phd"}, "education", "phd", "'bachelor'"),
        ({"age": 30, "housing": "castle"}, "housing", "castle", "'owned'"),
        ({"age": 30, "has_permit": "maybe"}, "has_permit", "maybe", "boolean"),
        ({"age": 30, "invention_patent_share": "1/0"}, "invention_patent_share", "1/0",
         "fraction"),
        ({"age": 30, "invention_patent_share": "a/b"}, "invention_patent_share", "a/b",
         "fraction"),
        ({"age": 30, "invention_patent_share": "-1/3"}, "invention_patent_share", "-1/3",
         "greater than or equal to 0"),
        ({"age": 30, "income_tax_3y": "12.345"}, "income_tax_3y", "12.345", "2 decimal places"),
        ({"age": 30, "income_tax_3y": "nan"}, "income_tax_3y", "nan", "finite"),
        ({"birth_date": "1990-02-30"}, "birth_date", "1990-02-30", "date"),
    ],
)
def test_bad_field_is_named_with_its_value(
    data: dict[str, Any], field: str, value: Any, reason: str
) -> None:
    exc = parse_error(data, row=7, source="in.csv")
    assert exc.problems == ((field, value, exc.problems[0][2]),)
    assert reason in exc.problems[0][2]
    assert exc.field == field
    assert (exc.row, exc.source) == (7, "in.csv")
    message = str(exc)
    assert message.startswith("in.csv: row 7: invalid applicant: ")
    assert f"{field}: " in message
    assert f"(got {value!r})" in message


def test_neither_age_nor_birth_date() -> None:
    exc = parse_error({"permit_months": 12})
    (_, value, reason) = exc.problems[0]
    assert len(exc.problems) == 1
    assert "age" in reason and "birth_date" in reason
    assert value == {"permit_months": 12}
    assert "give age or birth_date" in str(exc)


@pytest.mark.parametrize("data", [None, [1, 2], "age=30", 30])
def test_not_a_mapping(data: Any) -> None:
    exc = parse_error(data, row=3)
    assert exc.problems[0][1] == data
    assert "row 3" in str(exc)


def test_several_problems_reported_at_once() -> None:
    exc = parse_error({"age": 130, "permit_months": -1, "colour": "red", "education": "phd"},
                      row=12, source="batch.csv")
    assert {f for f, _, _ in exc.problems} == {"age", "permit_months", "colour", "education"}
    assert {f: v for f, v, _ in exc.problems} == {
        "age": 130, "permit_months": -1, "colour": "red", "education": "phd"}
    message = str(exc)
    assert message.startswith("batch.csv: row 12: ")
    for part in ("age", "(got 130)", "permit_months", "(got -1)", "colour", "(got 'red')",
                 "education", "(got 'phd')"):
        assert part in message


def test_more_than_five_problems_are_counted() -> None:
    bad = {f"nonsense_{i}": i for i in range(8)}
    exc = parse_error({"age": 30, **bad})
    assert len(exc.problems) == 8
    assert "and 3 more" in str(exc)


def test_score_rejects_a_bad_mapping() -> None:
    with pytest.raises(ApplicantError) as info:
        points.score({"age": 30, "permit_months": -5}, "guangzhou/2021", on=ON)
    assert info.value.problems[0][:2] == ("permit_months", -5)


def test_birth_date_after_the_evaluation_date() -> None:
    with pytest.raises(ApplicantError) as info:
        points.score({"birth_date": "2030-01-01"}, "guangzhou/2021", on=ON)
    exc = info.value
    assert exc.problems[0][:2] == ("birth_date", date(2030, 1, 1))
    assert "2024-06-01" in str(exc) and "2030-01-01" in str(exc)


def test_age_disagreeing_with_birth_date() -> None:
    # born 1980-01-01: on 2024-06-01 the birthday has passed, so 2024 - 1980 = 44, not 30
    with pytest.raises(ApplicantError) as info:
        points.score({"age": 30, "birth_date": "1980-01-01"}, "guangzhou/2021", on=ON)
    exc = info.value
    assert exc.problems[0][:2] == ("age", 30)
    assert "1980-01-01" in str(exc) and "44" in str(exc)


def test_age_agreeing_with_birth_date_is_fine() -> None:
    # born 1994-06-02: on 2024-06-01 the 30th birthday is a day away, so 29
    card = points.score({"age": 29, "birth_date": "1994-06-02"}, "guangzhou/2021", on=ON)
    assert card.on == ON


def test_bool_is_not_a_number() -> None:
    exc = parse_error({"age": True})
    assert exc.field == "age" and "not true/false" in str(exc)


def test_float_share_is_read_as_its_decimal_text() -> None:
    a = points.Applicant.parse({"age": 30, "invention_patent_share": 0.1})
    assert a.invention_patent_share == Fraction(1, 10)


def test_unknown_purpose() -> None:
    with pytest.raises(UnknownPurpose) as info:
        points.score({"age": 30}, "guangzhou/2021", purpose="lottery", on=ON)
    exc = info.value
    assert (exc.purpose, exc.schedule_id) == ("lottery", "guangzhou/2021")
    assert "settlement" in exc.known
    assert "'lottery'" in str(exc) and "'guangzhou/2021'" in str(exc)
    assert isinstance(exc, points.PointsError)
