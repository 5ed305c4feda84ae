"""Records → facts, per record: hand-computed cases for every derivation kind.

Each case states its records, its evaluation date, the derivation's parameters and the value
worked out by hand (in the comment or the id). Month arithmetic at month ends and leap days,
windows that start mid-month, continuity broken by one month and back-payments are covered.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from points.records import RecordSpec, facts_from_records, loads_spec
from points.records._dates import add_months, months_between

D = date.fromisoformat


def spec_with(fact: str, **params: Any) -> RecordSpec:
    """The bundled kinds with `fact` derived by `params` (written as TOML)."""
    def toml(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {toml(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(toml(x) for x in v) + "]"
        return str(v)

    body = "\n".join(f"{k} = {toml(v)}" for k, v in params.items())
    return loads_spec(f'extends = "points"\n[facts.{fact}]\n{body}\nprovisional = true\n'
                      f'note = "test"\n', source="test.toml")


def one(fact: str, records: list[dict[str, Any]], on: str, spec: RecordSpec | None = None
        ) -> Any:
    return facts_from_records(records, on=D(on), spec=spec).facts[fact]


# --- month arithmetic --------------------------------------------------------------------------

@pytest.mark.parametrize("d,k,rule,want", [
    ("2020-01-31", 1, "roll", "2020-03-01"),   # no 31 Feb: the day after 29 Feb (leap year)
    ("2020-01-31", 1, "clamp", "2020-02-29"),
    ("2021-01-31", 1, "roll", "2021-03-01"),
    ("2021-01-31", 1, "clamp", "2021-02-28"),
    ("2020-02-29", 12, "roll", "2021-03-01"),  # a leap day a year on
    ("2020-02-29", 12, "clamp", "2021-02-28"),
    ("2020-02-29", 48, "roll", "2024-02-29"),
    ("2024-02-29", -60, "roll", "2019-03-01"),
    ("2024-02-29", -60, "clamp", "2019-02-28"),
    ("2024-03-31", -1, "roll", "2024-03-01"),
    ("2024-03-31", -1, "clamp", "2024-02-29"),
    ("2024-06-01", -60, "roll", "2019-06-01"),
    ("2023-12-15", 1, "roll", "2024-01-15"),   # across a year end
])
def test_add_months(d: str, k: int, rule: str, want: str) -> None:
    assert add_months(D(d), k, rule) == D(want)


@pytest.mark.parametrize("a,b,rule,want", [
    ("2020-06-15", "2024-06-15", "roll", 48),
    ("2020-06-15", "2024-06-14", "roll", 47),
    ("2020-01-31", "2020-02-29", "roll", 0),
    ("2020-01-31", "2020-02-29", "clamp", 1),
    ("2020-01-31", "2020-03-01", "roll", 1),
    ("2020-02-29", "2021-02-28", "roll", 11),
    ("2020-02-29", "2021-02-28", "clamp", 12),
    ("2020-02-29", "2021-03-01", "roll", 12),
    ("2021-03-31", "2021-04-30", "roll", 0),
    ("2021-03-31", "2021-04-30", "clamp", 1),
    ("2021-03-31", "2021-05-01", "roll", 1),
    ("2024-01-01", "2024-01-01", "roll", 0),
])
def test_months_between(a: str, b: str, rule: str, want: int) -> None:
    assert months_between(D(a), D(b), rule) == want
    # the largest n with add_months(a, n) <= b
    assert add_months(D(a), want, rule) <= D(b) < add_months(D(a), want + 1, rule)


# --- months covered: calendar months, cumulative ---------------------------------------------

def pension(*periods: tuple[str, str | None], back_paid: bool = False) -> list[dict[str, Any]]:
    return [{"kind": "insurance", "record_id": f"I{i}", "type": "pension", "start": s,
             "end": e, "back_paid": back_paid} for i, (s, e) in enumerate(periods)]


ANY = {"derive": "months", "record": "insurance", "where": {"type": "pension"},
       "count": "cumulative", "partial_month": "any"}
FULL = {**ANY, "partial_month": "full"}


@pytest.mark.parametrize("params,periods,on,want", [
    # 2019-03..2023-02 = 48 months
    (ANY, [("2019-03-01", "2023-02-28")], "2024-06-01", 48),
    # two employers overlapping: 2020-01..2021-03 once = 15
    (ANY, [("2020-01-01", "2020-12-31"), ("2020-06-15", "2021-03-31")], "2024-06-01", 15),
    # mid-month start and end: Jan, Feb, Mar
    (ANY, [("2020-01-20", "2020-03-05")], "2024-06-01", 3),
    # open end: Jan..May; June has no day before 1 June
    (ANY, [("2024-01-10", None)], "2024-06-01", 5),
    # ... one day later June has one
    (ANY, [("2024-01-10", None)], "2024-06-02", 6),
    # starting on the evaluation date: nothing yet
    (ANY, [("2024-06-01", None)], "2024-06-01", 0),
    # after the evaluation date: ignored
    (ANY, [("2024-07-01", "2024-12-31")], "2024-06-01", 0),
    # straddling the evaluation date: May only
    (ANY, [("2024-05-20", "2024-08-31")], "2024-06-01", 1),
    # two pieces of one month: 1
    (ANY, [("2021-03-01", "2021-03-10"), ("2021-03-20", "2021-03-31")], "2024-06-01", 1),
    # a period of one day: its month
    (ANY, [("2021-02-28", "2021-02-28")], "2024-06-01", 1),
    # full months only: 15 Jan..14 Apr → Feb, Mar
    (FULL, [("2020-01-15", "2020-04-14")], "2024-06-01", 2),
    # February of a leap year, whole
    (FULL, [("2020-02-01", "2020-02-29")], "2024-06-01", 1),
    # February of a common year, whole
    (FULL, [("2021-02-01", "2021-02-28")], "2024-06-01", 1),
    # February of a common year less its last day
    (FULL, [("2021-02-01", "2021-02-27")], "2024-06-01", 0),
    # adjacent leases join: 1..15 Jan + 16 Jan..29 Feb → Jan, Feb
    (FULL, [("2020-01-01", "2020-01-15"), ("2020-01-16", "2020-02-29")], "2024-06-01", 2),
    # on 30 June the month of the date is not yet full: Jan..May
    (FULL, [("2024-01-01", None)], "2024-06-30", 5),
    (FULL, [("2024-01-01", None)], "2024-07-01", 6),
    # a gap of two days across a month end spoils both months: March only
    (FULL, [("2020-01-01", "2020-01-30"), ("2020-02-02", "2020-03-31")], "2024-06-01", 1),
    # the evaluation date mid-month: 1 Jan..14 Mar counted, Jan and Feb full
    (FULL, [("2024-01-01", None)], "2024-03-15", 2),
])
def test_months_calendar(params: dict[str, Any], periods: list[tuple[str, str | None]],
                         on: str, want: int) -> None:
    spec = spec_with("pension_months", **params)
    assert one("pension_months", pension(*periods), on, spec) == want


def test_back_paid_months_are_left_out_and_counted_apart() -> None:
    # paid 2019-03..2021-04 and 2021-07..2023-02, the gap back-paid in 2023
    recs = pension(("2019-03-01", "2021-04-30"), ("2021-07-01", "2023-02-28"))
    recs += [{"kind": "insurance", "record_id": "B1", "type": "pension",
              "start": "2021-05-01", "end": "2021-06-30", "back_paid": True},
             {"kind": "insurance", "record_id": "B2", "type": "medical",
              "start": "2021-05-01", "end": "2021-06-30", "back_paid": "是"}]
    facts = facts_from_records(recs, on=D("2024-06-01")).facts
    assert facts["pension_months"] == 46
    assert facts["medical_months"] == 0
    assert facts["insurance_back_paid_months"] == 2  # two types, the same two months: once


def test_transferred_in_months_are_left_out() -> None:
    recs = pension(("2019-01-01", "2019-12-31"))
    recs.append({"kind": "insurance", "record_id": "T", "type": "pension",
                 "start": "2015-01-01", "end": "2018-12-31", "transferred_in": True})
    assert one("pension_months", recs, "2024-06-01") == 12


# --- months covered: continuity ----------------------------------------------------------------

CONT = {"derive": "months", "record": "insurance", "where": {"type": "pension"},
        "count": "continuous", "run": "latest", "gap_months": 2, "gap_counts": True,
        "partial_month": "any"}
TWO = [("2019-03-01", "2021-04-30"), ("2021-07-01", "2023-02-28")]


@pytest.mark.parametrize("params,periods,on,want", [
    # "pension 48 months: 2019-03..2023-02, one gap of 2 months in 2021 allowed"
    (CONT, TWO, "2023-03-01", 48),
    # the gap allowed but not counted: 48 − 2
    ({**CONT, "gap_counts": False}, TWO, "2023-03-01", 46),
    # a gap of 2 with 1 allowed breaks the run: the latest is 2021-07..2023-02
    ({**CONT, "gap_months": 1}, TWO, "2023-03-01", 20),
    # ... and the longest is 2019-03..2021-04
    ({**CONT, "gap_months": 1, "run": "longest"}, TWO, "2023-03-01", 26),
    # current: the run reaches February 2023, the last month before the date
    ({**CONT, "run": "current", "gap_counts": False}, TWO, "2023-03-01", 46),
    # current three months later: March..May unpaid, more than the 2 allowed
    ({**CONT, "run": "current"}, TWO, "2023-06-01", 0),
    # ... with 3 allowed it still runs
    ({**CONT, "run": "current", "gap_months": 3, "gap_counts": False}, TWO, "2023-06-01", 46),
    # continuity broken by one month, no gap allowed: Feb..Dec 2020 only
    ({**CONT, "run": "current", "gap_months": 0, "gap_counts": False},
     [("2019-01-01", "2019-12-31"), ("2020-02-01", "2020-12-31")], "2021-01-01", 11),
    # the same one-month break allowed: 2019-01..2020-12 less January 2020
    ({**CONT, "run": "current", "gap_months": 1, "gap_counts": False},
     [("2019-01-01", "2019-12-31"), ("2020-02-01", "2020-12-31")], "2021-01-01", 23),
    # full months, current: a lease ending 14 May is not current on 1 June with no gap
    ({**CONT, "partial_month": "full", "run": "current", "gap_months": 0,
      "gap_counts": False}, [("2023-06-01", "2024-05-14")], "2024-06-01", 0),
    # ... one month of gap allowed: June 2023..April 2024 = 11
    ({**CONT, "partial_month": "full", "run": "current", "gap_months": 1,
      "gap_counts": False}, [("2023-06-01", "2024-05-14")], "2024-06-01", 11),
])
def test_months_continuous(params: dict[str, Any], periods: list[tuple[str, str | None]],
                           on: str, want: int) -> None:
    spec = spec_with("pension_months", **params)
    assert one("pension_months", pension(*periods), on, spec) == want


def test_the_explanation_names_the_run_and_the_gap() -> None:
    spec = spec_with("pension_months", **CONT)
    why = facts_from_records(pension(*TWO), on=D("2023-03-01"), spec=spec).why
    d = why["pension_months"]
    assert d.value == 48 and d.records == ("I0", "I1")
    assert "2019-03..2023-02, 1 gap of at most 2 months allowed" in d.text("en")
    assert "2019-03..2023-02，其中 1 处不超过 2 个月的中断按连续计" in d.text("zh")


# --- months covered: elapsed (the residence permit) --------------------------------------------

def permits(*periods: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"kind": "permit", "record_id": f"P{i}", "start": s, "end": e}
            for i, (s, e) in enumerate(periods)]


CLAMP = {"derive": "months", "record": "permit", "count": "continuous", "run": "current",
         "gap_months": 0, "gap_counts": False, "partial_month": "elapsed",
         "month_end": "clamp"}


@pytest.mark.parametrize("params,periods,on,want", [
    # the bundled rule: full months from the first day, like an age
    (None, [("2020-06-15", None)], "2024-06-15", 48),
    (None, [("2020-06-15", None)], "2024-06-14", 47),
    # a month-end start: one month completes on 1 March (roll) ...
    (None, [("2020-01-31", None)], "2020-02-29", 0),
    (None, [("2020-01-31", None)], "2020-03-01", 1),
    # ... or on 29 February (clamp)
    (CLAMP, [("2020-01-31", None)], "2020-02-29", 1),
    # a leap-day start: a year on is 1 March of the next year (roll) or 28 February (clamp)
    (None, [("2020-02-29", None)], "2021-02-28", 11),
    (None, [("2020-02-29", None)], "2021-03-01", 12),
    (CLAMP, [("2020-02-29", None)], "2021-02-28", 12),
    # annual endorsements that touch: one run
    (None, [("2020-06-15", "2021-06-14"), ("2021-06-15", "2022-06-14"),
            ("2022-06-15", None)], "2024-06-15", 48),
    # a late endorsement (10 days) restarts the count: from 2021-06-25
    (None, [("2020-06-15", "2021-06-14"), ("2021-06-25", None)], "2024-06-25", 36),
    # expired a year ago: no current run
    (None, [("2020-06-15", "2023-06-14")], "2024-06-15", 0),
    # expired yesterday: its days all lie before the date, so the run still reaches it
    (None, [("2020-06-15", "2024-06-14")], "2024-06-15", 48),
    # overlapping renewals merge
    (None, [("2020-06-15", "2021-12-31"), ("2021-06-15", None)], "2024-06-15", 48),
    # the latest run, not the current one
    ({**CLAMP, "month_end": "roll", "run": "latest"}, [("2020-06-15", "2023-06-14")],
     "2024-06-15", 36),
])
def test_months_elapsed(params: dict[str, Any] | None, periods: list[tuple[str, str | None]],
                        on: str, want: int) -> None:
    spec = spec_with("permit_months", **params) if params else None
    assert one("permit_months", permits(*periods), on, spec) == want


@pytest.mark.parametrize("params,periods,on,want", [
    # cumulative elapsed: 15 Jan..14 Mar = 2, May = 1; the remainders are not added up
    ({"count": "cumulative"}, [("2020-01-15", "2020-03-14"), ("2020-05-01", "2020-05-31")],
     "2024-06-01", 3),
    ({"count": "cumulative"}, [("2020-01-15", "2020-03-20"), ("2020-05-10", "2020-06-25")],
     "2024-06-01", 3),
    # a one-month gap allowed and counted: 2020-01-01..2021-01-01 = 12
    ({"count": "continuous", "run": "current", "gap_months": 1, "gap_counts": True},
     [("2020-01-01", "2020-06-30"), ("2020-08-01", None)], "2021-01-01", 12),
    # ... allowed, not counted: 6 + 5
    ({"count": "continuous", "run": "current", "gap_months": 1, "gap_counts": False},
     [("2020-01-01", "2020-06-30"), ("2020-08-01", None)], "2021-01-01", 11),
    # a gap of one month and a day breaks it
    ({"count": "continuous", "run": "current", "gap_months": 1, "gap_counts": False},
     [("2020-01-01", "2020-06-30"), ("2020-08-02", None)], "2021-01-02", 5),
])
def test_months_elapsed_cumulative_and_gaps(params: dict[str, Any],
                                             periods: list[tuple[str, str | None]], on: str,
                                             want: int) -> None:
    base = {"derive": "months", "record": "permit", "partial_month": "elapsed",
            "month_end": "roll"}
    spec = spec_with("permit_months", **base, **params)
    assert one("permit_months", permits(*periods), on, spec) == want


# --- counts and sums in windows ----------------------------------------------------------------

def events(kind: str, *items: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"kind": kind, "record_id": f"E{i}", "date": d, **fields}
            for i, (d, fields) in enumerate(items)]


PS = {"type": "public_security"}
W60 = {"kind": "months", "months": 60, "skip_months": 0, "start": "exclusive",
       "end": "inclusive", "month_end": "roll"}
COUNT = {"derive": "count", "record": "penalty", "where": PS, "window": W60}


@pytest.mark.parametrize("window,day,on,want", [
    # the bundled window on 2024-06-01 is (2019-06-01, 2024-06-01]
    (W60, "2019-06-01", "2024-06-01", 0),
    (W60, "2019-06-02", "2024-06-01", 1),
    (W60, "2024-06-01", "2024-06-01", 1),
    (W60, "2024-06-02", "2024-06-01", 0),   # after the date: ignored
    ({**W60, "start": "inclusive"}, "2019-06-01", "2024-06-01", 1),
    ({**W60, "end": "exclusive"}, "2024-06-01", "2024-06-01", 0),
    # a window that starts mid-month
    (W60, "2019-06-15", "2024-06-15", 0),
    (W60, "2019-06-16", "2024-06-15", 1),
    # a leap-day evaluation date: 5 years back is 1 March 2019 (roll) or 28 February (clamp)
    (W60, "2019-03-01", "2024-02-29", 0),
    (W60, "2019-03-02", "2024-02-29", 1),
    ({**W60, "month_end": "clamp"}, "2019-03-01", "2024-02-29", 1),
    ({**W60, "month_end": "clamp"}, "2019-02-28", "2024-02-29", 0),
    # a one-month window from 31 March: back to 1 March (roll) or 29 February (clamp)
    ({**W60, "months": 1}, "2024-03-01", "2024-03-31", 0),
    ({**W60, "months": 1, "month_end": "clamp"}, "2024-03-01", "2024-03-31", 1),
    # ever: everything up to the date
    ({"kind": "ever"}, "1990-01-01", "2024-06-01", 1),
    ({"kind": "ever"}, "2024-06-02", "2024-06-01", 0),
])
def test_count_window_edges(window: dict[str, Any], day: str, on: str, want: int) -> None:
    spec = spec_with("public_security_penalties_5y", **{**COUNT, "window": window})
    recs = events("penalty", (day, PS))
    assert one("public_security_penalties_5y", recs, on, spec) == want


def test_counts_by_type_and_the_criminal_flag() -> None:
    recs = events("penalty", ("2020-01-01", PS), ("2023-05-05", PS), ("2021-01-01",
                  {"type": "detention"}), ("2000-01-01", {"type": "criminal"}),
                  ("2010-01-01", {"type": "drug"}), ("2023-01-01", {"type": "drug"}))
    f = facts_from_records(recs, on=D("2024-06-01")).facts
    assert f["public_security_penalties_5y"] == 3  # the detention is one of them
    assert f["detention_records_5y"] == 1
    assert f["criminal_records_5y"] == 0      # 2000 is outside the 5 years
    assert f["criminal_record"] is True       # but there is one, ever
    assert f["drug_records"] == 2
    assert f["false_material_3y"] == 0


def test_any_is_false_until_the_day() -> None:
    recs = events("penalty", ("2024-06-02", {"type": "criminal"}))
    assert one("criminal_record", recs, "2024-06-01") is False
    assert one("criminal_record", recs, "2024-06-02") is True


def test_credit_records_split_at_90_days() -> None:
    recs = events("credit", ("2022-01-01", {"days_overdue": 89}),
                  ("2022-02-01", {"days_overdue": 90}), ("2022-03-01", {"days_overdue": "120"}),
                  ("2018-01-01", {"days_overdue": 10}))
    f = facts_from_records(recs, on=D("2024-06-01")).facts
    assert (f["credit_records_under_90d"], f["credit_records_over_90d"]) == (1, 2)


def test_blood_donations_in_five_years() -> None:
    recs = events("blood_donation", ("2019-06-01", {}), ("2019-06-02", {}),
                  ("2022-01-01", {"millilitres": 400}), ("2024-06-01", {}), ("2024-07-01", {}))
    assert one("blood_donations_5y", recs, "2024-06-01") == 3


def test_distinct_awards_by_name() -> None:
    recs = events("award", ("2020-01-01", {"level": "municipal", "name": "优秀来穗人员"}),
                  ("2021-01-01", {"level": "municipal", "name": "优秀来穗人员"}),
                  ("2022-01-01", {"level": "municipal", "name": "劳动模范"}),
                  ("2022-01-01", {"level": "merit_third_class", "name": "三等功"}),
                  ("2023-01-01", {"level": "merit_third_class", "name": "三等功"}))
    f = facts_from_records(recs, on=D("2024-06-01")).facts
    assert f["awards_municipal"] == 2
    assert f["merit_third_class"] == 2  # every merit counts


# --- per-year sums (volunteering) and tax years ---------------------------------------------

@pytest.mark.parametrize("day,year", [
    ("2024-06-01", 1),   # the evaluation date: year 1
    ("2023-06-02", 1),
    ("2023-06-01", 2),   # exactly 12 months back: the end of year 2, not year 1
    ("2022-06-02", 2),
    ("2022-06-01", 3),
    ("2020-06-01", 5),
    ("2019-06-02", 5),
    ("2019-06-01", 0),   # 5 years back: no year
    ("2024-06-02", 0),   # after the date
])
def test_volunteer_years_tile_the_five_years(day: str, year: int) -> None:
    recs = events("volunteering", (day, {"hours": 30}))
    f = facts_from_records(recs, on=D("2024-06-01")).facts
    got = [f[f"volunteer_hours_year{n}"] for n in range(1, 6)]
    assert got == [30 if n == year else 0 for n in range(1, 6)]


def test_volunteer_hours_add_up_within_a_year_on_a_leap_day() -> None:
    # on 2024-02-29 year 1 is (2023-03-01, 2024-02-29] and year 2 (2022-03-01, 2023-03-01]
    recs = events("volunteering", ("2024-02-29", {"hours": 40}), ("2023-03-02", {"hours": 30}),
                  ("2023-03-01", {"hours": 20}), ("2022-03-01", {"hours": 7}))
    f = facts_from_records(recs, on=D("2024-02-29")).facts
    assert (f["volunteer_hours_year1"], f["volunteer_hours_year2"]) == (70, 20)
    assert f["volunteer_hours_year3"] == 7


@pytest.mark.parametrize("latest,on,want", [
    ("previous", "2024-06-01", Decimal("600.30")),   # 2021, 2022, 2023
    ("current", "2024-06-01", Decimal("1100.20")),   # 2022, 2023, 2024
    ("previous", "2024-01-01", Decimal("600.30")),
    ("previous", "2023-12-31", Decimal("300.30")),   # 2020, 2021, 2022
])
def test_tax_years(latest: str, on: str, want: Decimal) -> None:
    amounts = {2020: "100.00", 2021: "0.10", 2022: "200.20", 2023: "400", 2024: "500",
               2025: "9999"}
    recs = [{"kind": "tax", "record_id": f"T{y}", "year": y, "type": "income", "amount": a}
            for y, a in amounts.items()]
    recs.append({"kind": "tax", "record_id": "B", "year": 2023, "type": "business",
                 "amount": "5"})
    spec = spec_with("income_tax_3y", derive="sum", record="tax", where={"type": "income"},
                     field="amount", window={"kind": "tax_years", "years": 3,
                                             "latest": latest})
    assert one("income_tax_3y", recs, on, spec) == want


# --- levels and what holds on the date ----------------------------------------------------------

def certs(*items: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"kind": "certificate", "record_id": f"C{i}", "type": t, "level": lv, "date": d}
            for i, (t, lv, d) in enumerate(items)]


@pytest.mark.parametrize("records,on,fact,want", [
    (certs(("education", "associate", "2010-07-01"),
           ("education", "bachelor_degree", "2014-07-01")), "2024-06-01", "education",
     "bachelor_degree"),
    (certs(("education", "bachelor_degree", "2014-07-01"),
           ("education", "associate", "2016-07-01")), "2024-06-01", "education",
     "bachelor_degree"),  # the highest, not the latest
    (certs(("education", "master", "2024-07-01")), "2024-06-01", "education", "none"),
    (certs(("education", "master", "2024-06-01")), "2024-06-01", "education", "master"),
    (certs(("education", "大专", "2010-07-01")), "2024-06-01", "education", "associate"),
    (certs(("education", "本科+学士", "2010-07-01")), "2024-06-01", "education",
     "bachelor_degree"),
    (certs(("title", "intermediate", "2018-01-01"), ("title", "senior", "2022-01-01")),
     "2024-06-01", "professional_title", "senior"),
    (certs(("skill", "level4", "2018-01-01"), ("skill", "level1", "2022-01-01"),
           ("skill", "level3", "2023-01-01")), "2024-06-01", "skill_grade", "level1"),
    (certs(("skill", "五级", "2018-01-01")), "2024-06-01", "skill_grade", "level5"),
    (certs(("title", "senior", "2018-01-01")), "2024-06-01", "education", "none"),
])
def test_highest_level(records: list[dict[str, Any]], on: str, fact: str, want: str) -> None:
    assert one(fact, records, on) == want


def homes(*items: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"kind": "home", "record_id": f"H{i}", "property_id": f"X{i}", "start": s,
             "end": e} for i, (s, e) in enumerate(items)]


def rentals(*items: tuple[str, str, str | None]) -> list[dict[str, Any]]:
    return [{"kind": "rental", "record_id": f"R{i}", "type": t, "start": s, "end": e}
            for i, (t, s, e) in enumerate(items)]


@pytest.mark.parametrize("records,on,want", [
    (homes(("2020-01-01", None)) + rentals(("rental", "2018-01-01", None)), "2024-06-01",
     "owned"),
    (homes(("2020-01-01", "2023-12-31")) + rentals(("rental", "2024-01-01", None)),
     "2024-06-01", "rental"),
    (rentals(("dormitory", "2024-01-01", None)), "2024-06-01", "dormitory"),
    (rentals(("rental", "2023-01-01", "2024-05-31")), "2024-06-01", "none"),
    (rentals(("rental", "2023-01-01", "2024-06-01")), "2024-06-01", "rental"),
    (rentals(("rental", "2024-06-01", None)), "2024-06-01", "rental"),
    (homes(("2024-06-02", None)), "2024-06-01", "none"),
    ([], "2024-06-01", "none"),
])
def test_housing_on_the_date(records: list[dict[str, Any]], on: str, want: str) -> None:
    r = facts_from_records(records, on=D(on), kinds=["home", "rental"])
    assert r.facts["housing"] == want


@pytest.mark.parametrize("period,on,want", [
    (("2023-06-02", "2024-06-01"), "2024-06-01", True),   # ends on the date: valid that day
    (("2023-06-01", "2024-05-31"), "2024-06-01", False),
    (("2024-06-01", None), "2024-06-01", True),
    (("2024-06-02", None), "2024-06-01", False),
])
def test_has_permit(period: tuple[str, str | None], on: str, want: bool) -> None:
    assert one("has_permit", permits(period), on) is want


def test_a_permit_from_elsewhere_does_not_count() -> None:
    recs = [{"kind": "permit", "record_id": "P", "start": "2020-01-01", "local": False}]
    f = facts_from_records(recs, on=D("2024-06-01")).facts
    assert (f["has_permit"], f["permit_months"]) == (False, 0)


def test_owned_months_and_outer_district() -> None:
    recs = homes(("2020-01-15", "2021-01-14"))
    recs.append({"kind": "home", "record_id": "H9", "property_id": "Y", "start": "2022-01-01",
                 "outer_district": "true"})
    f = facts_from_records(recs, on=D("2024-06-01")).facts
    # Feb..Dec 2020 (11) + Jan 2022..May 2024 (29)
    assert (f["owned_home_months"], f["owned_home_outer_district"]) == (40, True)


# --- which facts are derived ----------------------------------------------------------------------

def test_only_facts_whose_kinds_are_present_are_derived() -> None:
    r = facts_from_records(permits(("2020-01-01", None)), on=D("2024-06-01"))
    assert set(r.facts) == {"has_permit", "permit_months"}
    r = facts_from_records({"permit": [], "home": [], "rental": []}, on=D("2024-06-01"))
    assert r.facts["housing"] == "none" and r.facts["permit_months"] == 0
