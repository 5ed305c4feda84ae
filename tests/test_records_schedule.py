"""A schedule's own derivations (`[derive.NAME]`): hand-computed golden cases on
tests/schedules/records_city.toml, the same facts per record, in columns, on disk and from
the CLI, and every bad declaration refused naming file, line and key."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import points
from points.cli import app
from points.errors import RecordSpecError, ScheduleValidationError
from points.records import (
    bundled_spec,
    derive_records,
    facts_from_records,
    loads_spec,
    score_records,
    spec_for,
)

CITY = Path(__file__).parent / "schedules" / "records_city.toml"
ON = date(2024, 6, 15)


@pytest.fixture(scope="module")
def city() -> points.Schedule:
    return points.load_schedule(CITY)


def _facts(records: list[dict[str, Any]], schedule: Any, on: date = ON) -> dict[str, Any]:
    return facts_from_records(records, on=on, schedule=schedule).facts


# --- golden cases, computed by hand --------------------------------------------------------


def _title(d: str, level: str, type_: str = "title") -> dict[str, Any]:
    return {"kind": "certificate", "type": type_, "level": level, "date": d}


@pytest.mark.parametrize("certs,on,want", [
    # the window is (on − 36 months, on]: the anniversary is out, the day after in
    ([_title("2021-06-15", "senior"), _title("2021-06-16", "中级")], ON, "intermediate"),
    ([_title("2021-06-15", "senior")], ON, "none"),
    # on the evaluation date itself: in; after it: ignored
    ([_title("2024-06-15", "junior"), _title("2024-06-16", "senior")], ON, "junior"),
    # a leap day: 2024-02-29 − 36 months has no 29 February and rolls to 2021-03-01
    ([_title("2021-03-01", "senior"), _title("2021-03-02", "junior")], date(2024, 2, 29),
     "junior"),
    # a skill certificate is not a title, however high
    ([_title("2023-01-01", "level1", "skill"), _title("2023-01-01", "junior")], ON,
     "junior"),
    # the highest in the window, not the latest
    ([_title("2022-01-01", "senior"), _title("2023-01-01", "junior")], ON, "senior"),
])
def test_title_recent_is_the_highest_title_in_36_months(city: points.Schedule,
                                                        certs: list[dict[str, Any]], on: date,
                                                        want: str) -> None:
    assert _facts(certs, city, on)["title_recent"] == want


@pytest.mark.parametrize("hours,want", [
    ([("2021-06-15", 100), ("2023-01-01", 120)], 120),  # the anniversary is out
    ([("2021-06-16", 100), ("2024-06-15", 7)], 107),  # the day after and the date in
    ([("2024-06-16", 50)], 0),  # after the evaluation date: ignored
    ([], 0),
])
def test_volunteer_hours_3y_sums_the_hours_in_36_months(city: points.Schedule,
                                                        hours: list[tuple[str, int]],
                                                        want: int) -> None:
    recs: dict[str, list[dict[str, Any]]] = {
        "volunteering": [{"date": d, "hours": h} for d, h in hours]}
    assert _facts(recs, city)["volunteer_hours_3y"] == want  # type: ignore[arg-type]


def _ins(start: str, end: str | None = None, type_: str = "unemployment",
         **more: Any) -> dict[str, Any]:
    return {"kind": "insurance", "type": type_, "start": start, "end": end, **more}


@pytest.mark.parametrize("recs,want", [
    # 2022-01..2024-06 unbroken (June 2024 has days before the 15th): 30
    ([_ins("2022-01-10", "2023-03-31"), _ins("2023-04-01")], 30),
    # March 2023 unpaid breaks the run: 2023-04..2024-06 is 15
    ([_ins("2022-01-10", "2023-02-28"), _ins("2023-04-01")], 15),
    # a run that ended before last month does not reach the date: 0
    ([_ins("2020-01-01", "2024-04-30")], 0),
    # one that ended on 31 May: June 2024 has days before the 15th and none is paid, so
    # the run does not reach the month of the date: 0
    ([_ins("2020-01-01", "2024-05-31")], 0),
    # pension months and back-paid months are not unemployment months
    ([_ins("2023-01-01", type_="pension"), _ins("2024-01-01", back_paid=True)], 0),
])
def test_unemployment_run_months_is_the_current_unbroken_run(
        city: points.Schedule, recs: list[dict[str, Any]], want: int) -> None:
    assert _facts(recs, city)["unemployment_run_months"] == want


def _permits(*spans: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"kind": "permit", "start": s, "end": e} for s, e in spans]


@pytest.mark.parametrize("spans,bundled,ours", [
    # a renewal 16 days late: the bundled rule restarts at 2021-07-01 (35 months to
    # 2024-06-15); the schedule's allows a gap of a month, not counted: 12 + 35 = 47
    ((("2020-06-15", "2021-06-14"), ("2021-07-01", None)), 35, 47),
    # on time: the same under both rules, 48
    ((("2020-06-15", "2021-06-14"), ("2021-06-15", None)), 48, 48),
    # late by more than a month (2021-06-15 + 1 month = 2021-07-15 < 2021-07-16): restarts,
    # 34 full months (the 35th completes on 2024-06-16)
    ((("2020-06-15", "2021-06-14"), ("2021-07-16", None)), 34, 34),
    # late by exactly a month: allowed (2021-07-15 <= 2021-06-15 + 1 month); 2021-07-15
    # to 2024-06-15 is 35 full months
    ((("2020-06-15", "2021-06-14"), ("2021-07-15", None)), 35, 47),
])
def test_permit_months_follows_the_schedule_s_rule_not_the_bundled_one(
        city: points.Schedule, spans: tuple[tuple[str, str | None], ...], bundled: int,
        ours: int) -> None:
    recs = _permits(*spans)
    assert facts_from_records(recs, on=ON).facts["permit_months"] == bundled
    assert _facts(recs, city)["permit_months"] == ours


RECORDS: list[dict[str, Any]] = [
    {"kind": "permit", "record_id": "P1", "start": "2020-06-15", "end": "2021-06-14"},
    {"kind": "permit", "record_id": "P2", "start": "2021-07-01"},
    {"kind": "insurance", "record_id": "U1", "type": "unemployment", "start": "2022-01-10",
     "end": "2023-03-31"},
    {"kind": "insurance", "record_id": "U2", "type": "unemployment", "start": "2023-04-01"},
    {"kind": "certificate", "record_id": "C1", "type": "title", "level": "senior",
     "date": "2021-06-15"},
    {"kind": "certificate", "record_id": "C2", "type": "title", "level": "中级",
     "date": "2021-06-16"},
    {"kind": "volunteering", "record_id": "V1", "date": "2021-06-15", "hours": 100},
    {"kind": "volunteering", "record_id": "V2", "date": "2023-01-01", "hours": 120},
]


def test_score_with_records_uses_the_schedule_s_derivations(city: points.Schedule) -> None:
    card = points.score({"birth_date": "1990-01-01"}, city, on=ON, records=RECORDS)
    # permit 47 months: 3 full years × 10 = 30; title intermediate 10; 120 hours: 2 per 50
    # → 2; unemployment 30 months: 2 full years × 2 = 4
    assert [(ln.id, int(ln.points)) for ln in card.lines] == [
        ("permit", 30), ("title", 10), ("volunteering", 2), ("unemployment", 4)]
    assert card.total == 46
    why = {d.fact: d for d in card.derivations}
    assert why["permit_months"].value == 47
    assert why["permit_months"].rule_en.startswith(
        "schedule recordcity/2026's rule, in place of the bundled one: continuous months")
    assert why["permit_months"].rule_zh.startswith("方案 recordcity/2026 的规则（取代内置规则）")
    assert why["title_recent"].rule_en.startswith("schedule recordcity/2026's rule: highest")
    assert why["title_recent"].records == ("C2",)
    assert why["pension_months"].rule_en.startswith("cumulative months")  # the bundled rule
    assert "schedule recordcity/2026's rule" in card.explain()


def test_the_bundled_schedules_and_no_schedule_keep_the_bundled_rules() -> None:
    got = facts_from_records(RECORDS, on=ON)
    assert "title_recent" not in got.facts and got.facts["permit_months"] == 35
    card = points.score({"birth_date": "1990-01-01"}, "guangzhou/2021", on=ON,
                        records=RECORDS)
    assert {d.fact: d.value for d in card.derivations}["permit_months"] == 35


def test_own_facts_absent_from_the_records_keep_the_applicant_s_value(
        city: points.Schedule) -> None:
    recs = {"permit": [{"start": "2020-06-15"}]}
    card = points.score({"birth_date": "1990-01-01", "volunteer_hours_3y": 150}, city, on=ON,
                        records=recs)
    values = {ln.fact: ln.value for ln in card.lines}
    assert values["volunteer_hours_3y"] == 150 and values["permit_months"] == 48


# --- in columns, on disk, from the command line ----------------------------------------------


def _export(folder: Path) -> None:
    folder.mkdir()
    pl.DataFrame({"applicant_id": ["A", "B", "C"],
                  "birth_date": ["1990-01-01", "1985-03-01", "1999-12-31"]}).write_csv(
        folder / "applicants.csv")
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for aid, recs in (("A", RECORDS), ("B", [_ins("2010-01-01"), *_permits(
            ("2015-02-28", "2019-02-27"), ("2019-03-20", None)), _title("2023-05-05", "高级")]),
            ("C", [{"kind": "volunteering", "date": "2024-06-01", "hours": 260}])):
        for i, r in enumerate(recs):
            row = {k: v for k, v in r.items() if k != "kind"}
            by_kind.setdefault(r["kind"], []).append(
                {"applicant_id": aid, "record_id": row.pop("record_id", f"{aid}{i}"), **row})
    for kind, rows in by_kind.items():
        names = sorted({k for r in rows for k in r})
        pl.DataFrame([{n: None if r.get(n) is None else str(r[n]) for n in names}
                      for r in rows], schema=dict.fromkeys(names, pl.String)).write_csv(
            folder / f"{kind}.csv")


def test_columns_and_files_equal_per_record(city: points.Schedule, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    _export(folder)
    summary = score_records(folder, tmp_path / "out.csv", city, on=ON)
    assert summary.applicants_scored == 3 and {"title_recent", "volunteer_hours_3y",
                                               "unemployment_run_months"} <= set(
        summary.derived)
    scored = {r["applicant_id"]: r for r in pl.read_csv(tmp_path / "out.csv").to_dicts()}
    derive_records(folder, tmp_path / "facts.parquet", on=ON, schedule=city)
    facts = {r["applicant_id"]: r for r in pl.read_parquet(tmp_path / "facts.parquet")
             .to_dicts()}
    from points.records import applicant_records

    for aid in ("A", "B", "C"):
        given, recs = applicant_records(folder, aid)
        card = points.score(given, city, on=ON, records=recs)
        assert scored[aid]["total"] == card.total, aid
        values = {ln.fact: ln.value for ln in card.lines}
        for fact in ("title_recent", "volunteer_hours_3y", "unemployment_run_months",
                     "permit_months"):
            assert facts[aid][fact] == values[fact], (aid, fact)
    # by hand: B's permits break for 20 days in 2019 (allowed): 48 + 62 = 110 months → 9
    # full years → 90, capped at 50; senior title 2023 → 20; unemployment since 2010:
    # 174 months, 14 years × 2 capped at 10. C: 260 hours → 5.
    assert (scored["A"]["total"], scored["B"]["total"], scored["C"]["total"]) == (46, 80, 5)
    assert facts["B"]["permit_months"] == 110


def test_the_cli_scores_and_explains_with_the_schedule_s_rules(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    _export(folder)
    runner = CliRunner()
    res = runner.invoke(app, ["score", "--records", str(folder), "-s", str(CITY), "--on",
                              "2024-06-15", "-o", str(tmp_path / "out.csv")])
    assert res.exit_code == 0, res.output
    assert pl.read_csv(tmp_path / "out.csv").sort("row")["total"].to_list() == [46, 80, 5]
    res = runner.invoke(app, ["explain", "--records", str(folder), "--id", "A", "-s",
                              str(CITY), "--on", "2024-06-15", "--json"])
    assert res.exit_code == 0, res.output
    card = json.loads(res.stdout)
    why = {d["fact"]: d for d in card["derivations"]}
    assert why["permit_months"]["value"] == 47
    assert why["permit_months"]["rule"]["en"].startswith("schedule recordcity/2026's rule")


def test_a_record_file_of_one_s_own_is_checked_against_the_schedule(
        city: points.Schedule) -> None:
    no_certs = loads_spec('[records]\nformat = 1\n[kinds.volunteering]\nlabel = { zh = "志愿",'
                          ' en = "v" }\nshape = "event"\n[kinds.volunteering.fields]\nhours = '
                          '{ type = "int", required = true, label = { zh = "时", en = "h" } }'
                          '\n', source="mine.toml")
    with pytest.raises(RecordSpecError) as info:
        spec_for(city, no_certs)
    paths = {p.path for p in info.value.problems}
    assert "derive.title_recent.record" in paths and "derive.permit_months.record" in paths
    assert all(p.file == str(CITY) for p in info.value.problems)
    merged = spec_for(city, bundled_spec())
    assert merged is spec_for(city)  # cached
    assert merged.owner("permit_months") == ("recordcity/2026", True)
    assert merged.owner("title_recent") == ("recordcity/2026", False)
    assert merged.owner("pension_months") is None
    assert bundled_spec().owner("permit_months") is None  # the bundled spec is untouched
    assert "title_recent" not in bundled_spec().facts


def test_a_schedule_extending_another_replaces_its_derivations_by_name(
        tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(CITY.read_text("utf-8"), encoding="utf-8")
    (tmp_path / "child.toml").write_text(
        '[schedule]\nid = "recordcity/2027"\nplace = "recordcity"\nextends = "base.toml"\n'
        'title = { zh = "子", en = "child" }\ndocument = "x"\neffective_from = 2021-01-01\n'
        '[derive.volunteer_hours_3y]\nderive = "sum"\nrecord = "volunteering"\n'
        'field = "hours"\nwindow = { kind = "months", months = 12, skip_months = 0, '
        'start = "exclusive", end = "inclusive", month_end = "roll" }\nprovisional = true\n'
        'note = "one year only"\n', encoding="utf-8")
    child = points.load_schedule(tmp_path / "child.toml")
    got = _facts(RECORDS, child)
    assert got["volunteer_hours_3y"] == 0  # V2 of 2023-01-01 is outside the last 12 months
    assert got["permit_months"] == 47  # the base's override is kept
    assert set(child._derivations) == {"title_recent", "volunteer_hours_3y",
                                       "unemployment_run_months", "permit_months"}


def test_the_derivations_are_part_of_the_content_hash(city: points.Schedule) -> None:
    text = CITY.read_text("utf-8").replace("gap_months = 1", "gap_months = 2")
    other = points.loads_schedule(text, source="other.toml")
    assert other.content_hash != city.content_hash
    assert _facts(_permits(("2020-06-15", "2021-06-14"), ("2021-08-10", None)), other)[
        "permit_months"] == 12 + 34


# --- bad declarations ------------------------------------------------------------------------

HEAD = CITY.read_text("utf-8").split("[derive.title_recent]")[0]
OWN = ('[facts.ratio]\nlabel = { zh = "比", en = "ratio" }\nkind = "share"\n'
       '[facts.strict_count]\nlabel = { zh = "数", en = "count" }\nkind = "count"\nmin = 1\n'
       'max = 9\n[facts.skill_recent]\nlabel = { zh = "技", en = "skill" }\nkind = "level"\n'
       'levels = "skill"\n[facts.twice]\nlabel = { zh = "倍", en = "twice" }\n'
       'expr = "volunteer_hours_3y * 2"\n')
TAIL = 'provisional = true\nnote = "x"\n'
SUM = 'derive = "sum"\nrecord = "volunteering"\nfield = "hours"\nwindow = { kind = "ever" }\n'


@pytest.mark.parametrize("table,snippet,path,words", [
    ("[derive.volunteer_hours_9y]\n" + SUM + TAIL, "[derive.volunteer_hours_9y]",
     "derive.volunteer_hours_9y", "is not a fact of this schedule: declare it in "
     "[facts.volunteer_hours_9y]"),
    ("[derive.pension_months]\n" + 'derive = "months"\nrecord = "insurance"\n'
     'count = "cumulative"\npartial_month = "full"\n' + TAIL, "[derive.pension_months]",
     "derive.pension_months", "only with override = true"),
    ("[derive.pension_months]\noverride = false\n" + 'derive = "months"\n'
     'record = "insurance"\ncount = "cumulative"\npartial_month = "full"\n' + TAIL,
     "override = false", "derive.pension_months.override", "only with override = true"),
    ("[derive.volunteer_hours_3y]\noverride = true\n" + SUM + TAIL, "override = true",
     "derive.volunteer_hours_3y.override", "override is for standard facts"),
    ("[derive.volunteer_hours_3y]\noverride = \"yes\"\n" + SUM + TAIL, "override = \"yes\"",
     "derive.volunteer_hours_3y.override", "override is true or false"),
    ("[derive.twice]\n" + SUM + TAIL, "[derive.twice]", "derive.twice",
     "cannot be derived from records too"),
    ("[derive.volunteer_hours_3y]\nderive = \"tally\"\n" + TAIL, 'derive = "tally"',
     "derive.volunteer_hours_3y.derive", "derive is one of"),
    ("[derive.volunteer_hours_3y]\n" + SUM + "windoe = 1\n" + TAIL, "windoe = 1",
     "derive.volunteer_hours_3y.windoe", "unknown key"),
    ("[derive.volunteer_hours_3y]\n" + SUM, "[derive.volunteer_hours_3y]",
     "derive.volunteer_hours_3y.provisional", "missing required key"),
    ("[derive.volunteer_hours_3y]\n" + SUM.replace('"volunteering"', '"volunteer"') + TAIL,
     'record = "volunteer"', "derive.volunteer_hours_3y.record", "is not a record kind"),
    ("[derive.volunteer_hours_3y]\n" + SUM + 'where = { colour = "red" }\n' + TAIL,
     "where = { colour", "derive.volunteer_hours_3y.where.colour", "is not a field"),
    ("[derive.volunteer_hours_3y]\n" + SUM + "where = { hours = \"many\" }\n" + TAIL,
     "where = { hours", "derive.volunteer_hours_3y.where.hours", "does not fit the int field"),
    ("[derive.volunteer_hours_3y]\n" + SUM.replace('"hours"', '"date"') + TAIL,
     'field = "date"', "derive.volunteer_hours_3y.field", "names an int or decimal field"),
    # a level derivation for a count fact, a count for a level fact, a share, a minimum
    ("[derive.volunteer_hours_3y]\nderive = \"highest\"\nrecord = \"certificate\"\n"
     "field = \"level\"\notherwise = \"none\"\n" + TAIL, "[derive.volunteer_hours_3y]",
     "derive.volunteer_hours_3y", "gives a value of kind level; volunteer_hours_3y is of "
     "kind int"),
    ("[derive.title_recent]\n" + SUM + TAIL, "[derive.title_recent]", "derive.title_recent",
     "a sum gives a number; title_recent is of kind level"),
    ("[derive.ratio]\n" + SUM + TAIL, "[derive.ratio]", "derive.ratio",
     "ratio is of kind fraction"),
    ("[derive.strict_count]\n" + SUM + TAIL, "[derive.strict_count]", "derive.strict_count",
     "a derivation can give 0; the minimum of strict_count is 1"),
    ("[derive.skill_recent]\nderive = \"highest\"\nrecord = \"certificate\"\n"
     "where = { type = \"title\" }\nfield = \"level\"\notherwise = \"none\"\n" + TAIL,
     'field = "level"', "derive.skill_recent.field",
     "holds levels of professional_title that are not levels of skill_recent"),
    ("[derive.skill_recent]\nderive = \"highest\"\nrecord = \"certificate\"\n"
     "where = { type = \"skill\" }\nfield = \"level\"\notherwise = \"senior\"\n" + TAIL,
     'otherwise = "senior"', "derive.skill_recent.otherwise", "is not a level of skill_recent"),
    ("[derive.skill_recent]\nderive = \"highest\"\nrecord = \"certificate\"\n"
     "where = { type = \"skill\" }\nfield = \"level\"\notherwise = \"none\"\n"
     "window = { kind = \"tax_years\", years = 3, latest = \"previous\" }\n" + TAIL,
     "window = { kind", "derive.skill_recent.window.kind",
     "an event record takes a window of kind months or ever"),
    ("[derive.volunteer_hours_3y]\nderive = \"months\"\nrecord = \"volunteering\"\n"
     "count = \"cumulative\"\npartial_month = \"full\"\n" + TAIL, 'record = "volunteering"',
     "derive.volunteer_hours_3y.record", "reads interval records"),
])
def test_a_bad_derivation_names_file_line_and_key(tmp_path: Path, table: str, snippet: str,
                                                  path: str, words: str) -> None:
    text = HEAD + OWN + table
    file = tmp_path / "bad.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(file)
    lines = [i for i, ln in enumerate(text.splitlines(), 1) if snippet in ln]
    assert len(lines) == 1, snippet
    found = [(p.file, p.line, p.path) for p in info.value.problems]
    assert (str(file), lines[0], path) in found, (found, str(info.value))
    assert words in str(info.value)


def test_the_schedule_limits_hold_in_derive_tables(tmp_path: Path) -> None:
    text = HEAD + "[derive.volunteer_hours_3y]\n" + SUM + "provisional = true\n" \
        + 'note = "' + "x" * 10_001 + '"\n'
    file = tmp_path / "long.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(file)
    (p,) = info.value.problems
    assert (p.file, p.line, p.path) == (str(file), len(text.splitlines()),
                                        "derive.volunteer_hours_3y.note")
    assert "10,000" in p.reason or "10000" in p.reason


def test_a_good_declaration_of_each_kind_loads(tmp_path: Path) -> None:
    """`current`, `any`, `count` with `distinct`, `current_level`, `sum` into a decimal:
    every derivation kind derives a schedule's own fact, per record as the text says."""
    own = ('[facts.rents_now]\nlabel = { zh = "租", en = "rents" }\nkind = "flag"\n'
           '[facts.drug_ever]\nlabel = { zh = "毒", en = "drug" }\nkind = "flag"\n'
           '[facts.award_names]\nlabel = { zh = "奖", en = "awards" }\nkind = "count"\n'
           'max = 50\n[facts.home_kind]\nlabel = { zh = "住", en = "home" }\nkind = "level"\n'
           'levels = [{ id = "none", zh = "无", en = "none" }, { id = "dorm", zh = "宿舍", '
           'en = "dorm" }, { id = "own", zh = "自有", en = "own" }]\n'
           '[facts.tax_2y]\nlabel = { zh = "税", en = "tax" }\nkind = "money"\n'
           '[derive.rents_now]\nderive = "current"\nrecord = "rental"\n'
           'where = { type = "rental" }\n' + TAIL +
           '[derive.drug_ever]\nderive = "any"\nrecord = "penalty"\nwhere = { type = "drug" }'
           '\nwindow = { kind = "ever" }\n' + TAIL +
           '[derive.award_names]\nderive = "count"\nrecord = "award"\n'
           'window = { kind = "ever" }\ndistinct = "name"\n' + TAIL +
           '[derive.home_kind]\nderive = "current_level"\nchoices = [{ level = "own", '
           'record = "home" }, { level = "dorm", record = "rental", where = { type = '
           '"dormitory" } }]\notherwise = "none"\n' + TAIL +
           '[derive.tax_2y]\nderive = "sum"\nrecord = "tax"\nfield = "amount"\n'
           'window = { kind = "tax_years", years = 2, latest = "previous" }\n' + TAIL)
    s = points.loads_schedule(HEAD + own, source="own.toml")
    recs = {
        "rental": [{"type": "dormitory", "start": "2023-01-01"},
                   {"type": "rental", "start": "2020-01-01", "end": "2022-12-31"}],
        "penalty": [{"type": "drug", "date": "2010-05-05"}],
        "award": [{"level": "district", "name": "a", "date": "2020-01-01"},
                  {"level": "national", "name": "a", "date": "2021-01-01"},
                  {"level": "district", "name": "b", "date": "2025-01-01"}],
        "home": [],
        "tax": [{"year": 2022, "type": "income", "amount": "100.50"},
                {"year": 2023, "type": "business", "amount": 20},
                {"year": 2024, "type": "income", "amount": 999}],
    }
    got = _facts(recs, s)  # type: ignore[arg-type]
    assert (got["rents_now"], got["drug_ever"], got["award_names"], got["home_kind"],
            got["tax_2y"]) == (False, True, 1, "dorm", Decimal("120.50"))
