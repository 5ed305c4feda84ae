"""Records → facts in columns equal records → facts per record.

Hypothesis draws record sets (overlaps, gaps, records after the evaluation date, dates on
window edges, month ends and leap days, back-payments, bad values) for a few applicants and
random derivation parameters; the column engine must give every applicant the facts, the
refused records and the faults the per-record engine gives.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from points.records import RecordSpec, bundled_spec, loads_spec
from points.records._columns import facts_columns
from points.records._dates import add_months
from points.records._engine import facts_for

ONS = [date(2024, 2, 29), date(2024, 3, 31), date(2024, 6, 1), date(2023, 12, 31),
       date(2021, 2, 28), date(2024, 6, 15)]


@st.composite
def days(draw: st.DrawFn, on: date) -> date:
    """A date near something that matters: the evaluation date, its window edges, a month
    end, a leap day, or anywhere in 2014..2026."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        base = add_months(on, -draw(st.sampled_from([0, 12, 24, 36, 48, 60])),
                          draw(st.sampled_from(["roll", "clamp"])))
        return base + timedelta(days=draw(st.integers(-2, 2)))
    if kind == 1:
        y, m = draw(st.integers(2016, 2025)), draw(st.integers(1, 12))
        first_next = date(y + (m == 12), m % 12 + 1, 1)
        return first_next - timedelta(days=draw(st.integers(0, 2)))
    if kind == 2:
        return draw(st.sampled_from([date(2020, 2, 29), date(2024, 2, 29), date(2016, 2, 29),
                                     date(2020, 3, 1), date(2021, 2, 28)]))
    return date(2014, 1, 1) + timedelta(days=draw(st.integers(0, 13 * 365)))


@st.composite
def periods(draw: st.DrawFn, on: date) -> tuple[date, date | None]:
    start = draw(days(on))
    if draw(st.integers(0, 4)) == 0:
        return start, None
    if draw(st.booleans()):
        end = draw(days(on))
        if end < start:
            start, end = end, start
        return start, end
    return start, start + timedelta(days=draw(st.integers(0, 800)))


def _bad(draw: st.DrawFn, value: Any) -> Any:
    """Now and then a bad value in place of a good one."""
    if draw(st.integers(0, 30)) == 0:
        return draw(st.sampled_from(["", "x", "2021-02-30", "12.5", "-1", "true", "  "]))
    return value


@st.composite
def record_sets(draw: st.DrawFn, on: date, bad: bool) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in bundled_spec().kinds}
    n = 0

    def rid() -> str:
        nonlocal n
        n += 1
        return f"R{n}" if draw(st.integers(0, 20)) else f"R{n - 1}"  # a repeat, now and then

    for aid in ("A", "B", "C"):
        for _ in range(draw(st.integers(0, 3))):
            s, e = draw(periods(on))
            out["permit"].append({"applicant_id": aid, "record_id": rid(), "start": s,
                                  "end": e, "local": draw(st.booleans())})
        for _ in range(draw(st.integers(0, 5))):
            s, e = draw(periods(on))
            out["insurance"].append({
                "applicant_id": aid, "record_id": rid(), "start": s, "end": e,
                "type": draw(st.sampled_from(["pension", "medical", "injury"])),
                "back_paid": draw(st.integers(0, 4)) == 0,
                "transferred_in": draw(st.integers(0, 6)) == 0})
        for _ in range(draw(st.integers(0, 2))):
            s, e = draw(periods(on))
            out["home"].append({"applicant_id": aid, "record_id": rid(), "start": s,
                                "end": e, "property_id": draw(st.sampled_from(["p", "q", "r"])),
                                "outer_district": draw(st.booleans())})
        for _ in range(draw(st.integers(0, 3))):
            s, e = draw(periods(on))
            out["rental"].append({"applicant_id": aid, "record_id": rid(), "start": s,
                                  "end": e, "type": draw(st.sampled_from(["rental",
                                                                          "dormitory"]))})
        for _ in range(draw(st.integers(0, 3))):
            out["certificate"].append({
                "applicant_id": aid, "record_id": rid(), "date": draw(days(on)),
                "type": "education",
                "level": draw(st.sampled_from(["associate", "bachelor_degree", "master",
                                               "大专", "本科"]))})
        for _ in range(draw(st.integers(0, 4))):
            out["penalty"].append({
                "applicant_id": aid, "record_id": rid(), "date": draw(days(on)),
                "type": draw(st.sampled_from(["public_security", "criminal", "detention"]))})
        for _ in range(draw(st.integers(0, 2))):
            out["credit"].append({"applicant_id": aid, "record_id": rid(),
                                  "date": draw(days(on)),
                                  "days_overdue": draw(st.sampled_from([0, 89, 90, 400]))})
        for _ in range(draw(st.integers(0, 5))):
            out["volunteering"].append({"applicant_id": aid, "record_id": rid(),
                                        "date": draw(days(on)),
                                        "hours": draw(st.integers(0, 120))})
        for _ in range(draw(st.integers(0, 3))):
            out["blood_donation"].append({"applicant_id": aid, "record_id": rid(),
                                          "date": draw(days(on))})
        for _ in range(draw(st.integers(0, 4))):
            out["tax"].append({"applicant_id": aid, "record_id": rid(),
                               "year": on.year + draw(st.integers(-5, 1)),
                               "type": draw(st.sampled_from(["income", "business"])),
                               "amount": Decimal(draw(st.integers(0, 10**7))) / 100})
        for _ in range(draw(st.integers(0, 2))):
            out["award"].append({"applicant_id": aid, "record_id": rid(),
                                 "date": draw(days(on)),
                                 "level": draw(st.sampled_from(["municipal",
                                                                "merit_first_class"])),
                                 "name": draw(st.sampled_from(["a", "b"]))})
    if bad:
        for rows in out.values():
            for row in rows:
                for k in list(row):
                    if k not in ("applicant_id", "record_id"):  # default ids differ
                        row[k] = _bad(draw, row[k])
                if draw(st.integers(0, 40)) == 0:
                    row["colour"] = "red"  # an unknown field
    return out


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + " }"
    return str(v)


@st.composite
def specs(draw: st.DrawFn) -> RecordSpec:
    """The bundled kinds with random parameters for the months and window derivations."""
    parts = ['extends = "points"']
    for fact, record, where in (("permit_months", "permit", {}),
                                ("pension_months", "insurance", {"type": "pension"}),
                                ("rental_months", "rental", {}),
                                ("owned_home_months", "home", {})):
        p: dict[str, Any] = {"derive": "months", "record": record, "where": where,
                             "count": draw(st.sampled_from(["cumulative", "continuous"])),
                             "partial_month": draw(st.sampled_from(["full", "any",
                                                                    "elapsed"]))}
        if p["count"] == "continuous":
            p.update(run=draw(st.sampled_from(["current", "latest", "longest"])),
                     gap_months=draw(st.integers(0, 3)), gap_counts=draw(st.booleans()))
        if p["partial_month"] == "elapsed":
            p["month_end"] = draw(st.sampled_from(["roll", "clamp"]))
        parts.append(f"[facts.{fact}]")
        parts += [f"{k} = {_toml(v)}" for k, v in p.items()]
        parts += ["provisional = true", 'note = "drawn"']
    for fact, record in (("public_security_penalties_5y", "penalty"),
                         ("blood_donations_5y", "blood_donation")):
        w = {"kind": "months", "months": draw(st.sampled_from([1, 12, 60])),
             "skip_months": draw(st.sampled_from([0, 12])),
             "start": draw(st.sampled_from(["inclusive", "exclusive"])),
             "end": draw(st.sampled_from(["inclusive", "exclusive"])),
             "month_end": draw(st.sampled_from(["roll", "clamp"]))}
        where = {"type": "public_security"} if record == "penalty" else {}
        parts += [f"[facts.{fact}]", 'derive = "count"', f'record = "{record}"',
                  f"where = {_toml(where)}", f"window = {_toml(w)}",
                  "provisional = true", 'note = "drawn"']
    latest = draw(st.sampled_from(["previous", "current"]))
    parts += ["[facts.income_tax_3y]", 'derive = "sum"', 'record = "tax"',
              'where = { type = "income" }', 'field = "amount"',
              f'window = {{ kind = "tax_years", years = 3, latest = "{latest}" }}',
              "provisional = true", 'note = "drawn"']
    return loads_spec("\n".join(parts) + "\n", source="drawn.toml")


def _window(draw: st.DrawFn, shape: str = "event") -> dict[str, Any]:
    if draw(st.integers(0, 3)) == 0:
        return {"kind": "ever"}
    if shape == "yearly":
        return {"kind": "tax_years", "years": draw(st.integers(1, 4)),
                "latest": draw(st.sampled_from(["previous", "current"]))}
    return {"kind": "months", "months": draw(st.sampled_from([1, 12, 36, 60])),
            "skip_months": draw(st.sampled_from([0, 12])),
            "start": draw(st.sampled_from(["inclusive", "exclusive"])),
            "end": draw(st.sampled_from(["inclusive", "exclusive"])),
            "month_end": draw(st.sampled_from(["roll", "clamp"]))}


_SCHEDULE_HEAD = """\
[schedule]
id = "drawn/1"
place = "drawn"
title = { zh = "抽", en = "drawn" }
document = "x"
effective_from = 2020-01-01
"""
_OWN = """\
[facts.own_months]
label = { zh = "月", en = "months" }
kind = "months"
[facts.own_count]
label = { zh = "数", en = "count" }
kind = "count"
max = 10000
[facts.own_sum]
label = { zh = "和", en = "sum" }
kind = "money"
[facts.own_any]
label = { zh = "有", en = "any" }
kind = "flag"
[facts.own_level]
label = { zh = "级", en = "level" }
kind = "level"
levels = "education"
[facts.own_now]
label = { zh = "今", en = "now" }
kind = "flag"
"""


@st.composite
def schedule_specs(draw: st.DrawFn) -> RecordSpec:
    """The bundled spec with a drawn schedule's own derivations over it: its own facts
    (months, count, sum, any, highest, current) and a standard fact re-stated."""
    from points import loads_schedule
    from points.records import spec_for

    parts = [_SCHEDULE_HEAD, _OWN]

    def table(name: str, p: dict[str, Any]) -> None:
        parts.append(f"[derive.{name}]")
        parts.extend(f"{k} = {_toml(v)}" for k, v in p.items())
        parts.extend(["provisional = true", 'note = "drawn"'])

    record, where = draw(st.sampled_from([
        ("insurance", {"type": "medical"}), ("insurance", {"back_paid": True}),
        ("rental", {"type": "rental"}), ("home", {}), ("permit", {"local": False})]))
    p: dict[str, Any] = {"derive": "months", "record": record, "where": where,
                         "count": draw(st.sampled_from(["cumulative", "continuous"])),
                         "partial_month": draw(st.sampled_from(["full", "any", "elapsed"]))}
    if p["count"] == "continuous":
        p.update(run=draw(st.sampled_from(["current", "latest", "longest"])),
                 gap_months=draw(st.integers(0, 3)), gap_counts=draw(st.booleans()))
    if p["partial_month"] == "elapsed":
        p["month_end"] = draw(st.sampled_from(["roll", "clamp"]))
    table("own_months", p)
    record, where, distinct = draw(st.sampled_from([
        ("penalty", {"type": ["criminal", "detention"]}, None), ("credit",
         {"days_overdue": {"ge": 90}}, None), ("blood_donation", {}, None),
        ("award", {}, "name"), ("award", {"level": "municipal"}, None)]))
    p = {"derive": "count", "record": record, "where": where, "window": _window(draw)}
    if distinct:
        p["distinct"] = distinct
    table("own_count", p)
    record, field, where = draw(st.sampled_from([
        ("volunteering", "hours", {}), ("tax", "amount", {"type": "business"})]))
    table("own_sum", {"derive": "sum", "record": record, "where": where, "field": field,
                      "window": _window(draw, "yearly" if record == "tax" else "event")})
    table("own_any", {"derive": "any", "record": "penalty",
                      "where": {"type": draw(st.sampled_from(["criminal", "public_security"]))},
                      "window": _window(draw)})
    p = {"derive": "highest", "record": "certificate", "where": {"type": "education"},
         "field": "level", "otherwise": draw(st.sampled_from(["none", "associate"]))}
    if draw(st.booleans()):
        p["window"] = _window(draw)
    table("own_level", p)
    table("own_now", {"derive": "current", "record": draw(st.sampled_from(["home", "rental"]))})
    w = {"kind": "months", "months": draw(st.sampled_from([12, 24])), "skip_months": 0,
         "start": "exclusive", "end": "inclusive", "month_end": "roll"}
    parts += ["[derive.public_security_penalties_5y]", "override = true", 'derive = "count"',
              'record = "penalty"', 'where = { type = "public_security" }',
              f"window = {_toml(w)}", "provisional = true", 'note = "drawn"']
    schedule = loads_schedule("\n".join(parts) + "\n", source="drawn-schedule.toml")
    return spec_for(schedule)


def _text(v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _frames(recs: dict[str, list[dict[str, Any]]], as_text: bool) -> dict[str, pl.DataFrame]:
    out = {}
    for kind, rows in recs.items():
        if as_text:
            rows = [{k: _text(v) for k, v in r.items()} for r in rows]
            names = sorted({k for r in rows for k in r})
            out[kind] = pl.DataFrame([{n: r.get(n) for n in names} for r in rows],
                                     schema=dict.fromkeys(names, pl.String))
        else:
            names = sorted({k for r in rows for k in r})
            out[kind] = pl.DataFrame([{n: r.get(n) for n in names} for r in rows],
                                     infer_schema_length=None)
    return out


BIRTH = {"A": date(1990, 5, 1), "B": date(2018, 1, 1), "C": None}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return Decimal(str(a)) == Decimal(str(b))
    return bool(a == b) and type(a) is type(b)


def check(recs: dict[str, list[dict[str, Any]]], on: date, spec: RecordSpec,
          as_text: bool) -> None:
    applicants = pl.DataFrame({"applicant_id": list(BIRTH), "birth_date": list(BIRTH.values())},
                              schema={"applicant_id": pl.String, "birth_date": pl.Date})
    got = facts_columns(_frames(recs, as_text), on=on, spec=spec, applicants=applicants)
    rows = {r["applicant_id"]: r for r in got.facts.to_dicts()}
    key = ("record_id", "kind", "applicant_id", "field", "value", "reason")
    col_rejects = {tuple(r[k] or "" for k in key) for r in got.rejects.to_dicts()}
    col_faults = {tuple(r[k] or "" for k in key) for r in got.faults.to_dicts()}
    per_rejects: set[tuple[str, ...]] = set()
    per_faults: set[tuple[str, ...]] = set()
    for aid, birth in BIRTH.items():
        mine = {k: [{kk: (_text(vv) if as_text else vv) for kk, vv in r.items()}
                    for r in rows_ if r["applicant_id"] == aid] for k, rows_ in recs.items()}
        result, faults = facts_for(spec, mine, on, applicant_id=aid, birth_date=birth)
        for name, value in result.facts.items():
            assert _same(value, rows[aid][name]), (aid, name, value, rows[aid][name])
        assert set(result.facts) == set(got.derived)
        per_rejects |= {tuple(getattr(r, k) or "" for k in key) for r in result.rejects}
        per_faults |= {tuple(getattr(r, k) or "" for k in key) for r in faults}
    assert col_rejects == per_rejects
    assert col_faults == per_faults
    valid = sum(got.records_valid.values())
    assert sum(got.records_read.values()) == valid + got.rejects.height - (
        got.rejects.height - got.rejects.select("kind", "row").unique().height)


@pytest.mark.slow
@settings(max_examples=60)
@given(data=st.data())
def test_columns_equal_per_record_on_typed_values(data: st.DataObject) -> None:
    on = data.draw(st.sampled_from(ONS))
    check(data.draw(record_sets(on, bad=False)), on, data.draw(specs()), as_text=False)


@pytest.mark.slow
@settings(max_examples=60)
@given(data=st.data())
def test_columns_equal_per_record_on_text_with_bad_values(data: st.DataObject) -> None:
    on = data.draw(st.sampled_from(ONS))
    check(data.draw(record_sets(on, bad=True)), on, data.draw(specs()), as_text=True)


@pytest.mark.slow
@settings(max_examples=40)
@given(data=st.data())
def test_columns_equal_per_record_with_a_schedule_s_own_derivations(
        data: st.DataObject) -> None:
    on = data.draw(st.sampled_from(ONS))
    bad = data.draw(st.booleans())
    check(data.draw(record_sets(on, bad=bad)), on, data.draw(schedule_specs()),
          as_text=bad or data.draw(st.booleans()))


@pytest.mark.slow
@settings(max_examples=400)
@given(data=st.data())
def test_columns_equal_per_record_long_search(data: st.DataObject) -> None:
    on = data.draw(st.sampled_from(ONS))
    bad = data.draw(st.booleans())
    check(data.draw(record_sets(on, bad=bad)), on, data.draw(specs()),
          as_text=bad or data.draw(st.booleans()))  # a bad value makes a column of text


def test_the_bundled_derivations_agree_on_a_known_case() -> None:
    recs: dict[str, list[dict[str, Any]]] = {k: [] for k in bundled_spec().kinds}
    recs["permit"] = [{"applicant_id": "A", "record_id": "P", "start": date(2020, 6, 15),
                       "end": None, "local": True}]
    recs["volunteering"] = [{"applicant_id": "A", "record_id": "V", "date": date(2023, 6, 15),
                             "hours": 60}]
    got = facts_columns(_frames(recs, as_text=False), on=date(2024, 6, 15),
                        spec=bundled_spec())
    row = got.facts.to_dicts()[0]
    assert (row["permit_months"], row["volunteer_hours_year2"]) == (48, 60)
