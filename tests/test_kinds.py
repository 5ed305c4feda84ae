"""Rule kinds are units: every registered kind provides every part, and each one scores the
same in both engines; the two-fact `table` kind, worked by hand."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import points
from points import ScheduleValidationError
from points.batch import score_frame
from points.compiled import compile_schedule
from points.engines._generate import rule_source
from points.facts import FactInfo, fact_step
from points.schedule.kinds import KINDS, RuleKind
from points.schedule.kinds._base import register
from points.schedule.kinds.flag import Flag, FlagRule
from points.testing import applicants

ON = date(2024, 6, 1)
PARTS = ("check", "record", "column", "describe", "cuts", "cliffs", "line_cap", "strategy")

HEAD = """
[schedule]
id = "test/1"
place = "test"
title = { zh = "测试", en = "Test" }
document = "none"
effective_from = 2020-01-01
precision = "0.01"
"""


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml_value(x)}' for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, str):
        return f'"{v}"'
    return format(v, "f") if isinstance(v, Decimal) else str(v)


def _schedule(spec: dict[str, Any], section: str = "factors", facts: str = ""
              ) -> points.Schedule:
    body = "\n".join(f"{k} = {_toml_value(v)}" for k, v in spec.items())
    return points.loads_schedule(
        HEAD + facts + f'\n[{section}.x]\nlabel = {{ zh = "x", en = "x" }}\n{body}\n'
        'ref = "r"\nstatus = "confirmed"\n')


# --- the registry --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_provides_every_part(name: str) -> None:
    kind = KINDS[name]
    assert kind.name == name
    for part in PARTS:
        assert getattr(kind, part).__func__ is not getattr(RuleKind, part).__func__, part
    assert kind.spec.model_fields["rule"].annotation.__args__ == (name,)  # type: ignore[union-attr]
    assert kind.fact_kinds


def test_a_kind_missing_a_part_fails_at_registration() -> None:
    class Half(RuleKind):
        name = "half"
        spec = FlagRule
        fact_kinds = ("bool",)

        @classmethod
        def describe(cls, spec: Any, lang: str) -> str:
            return "half"

    with pytest.raises(TypeError, match="lacks check, record, column, cuts, cliffs"):
        register(Half)
    assert "half" not in KINDS


def test_a_kind_registered_twice_fails() -> None:
    with pytest.raises(TypeError, match="registered twice"):
        register(KINDS["flag"])


def test_a_kind_whose_spec_names_another_rule_fails() -> None:
    class Wrong(Flag):
        name = "wrong"

    with pytest.raises(TypeError, match=r"FlagRule.rule must be Literal\['wrong'\]"):
        register(Wrong)


def test_the_format_accepts_exactly_the_registered_kinds() -> None:
    with pytest.raises(ScheduleValidationError) as info:
        _schedule({"rule": "nope", "fact": "married"})
    assert f"rule must be one of {', '.join(KINDS)}" in str(info.value)
    schema = points.Schedule.model_json_schema()  # the union of the kinds' tables
    rules = {d["properties"]["rule"]["const"] for name, d in schema["$defs"].items()
             if name.endswith("Rule")}
    assert rules == set(KINDS)


# --- each kind: what its strategy draws loads and scores the same in both engines ----------

_RANDOM = settings(max_examples=25, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("name", sorted(KINDS))
@pytest.mark.parametrize("sign", [1, -1])
@_RANDOM
@given(data=st.data())
def test_each_kind_scores_the_same_in_both_engines(name: str, sign: int,
                                                   data: st.DataObject) -> None:
    spec = data.draw(KINDS[name].strategy(Decimal("0.01"), sign))
    s = _schedule(spec, "factors" if sign > 0 else "deductions")
    people = data.draw(st.lists(applicants(s), min_size=1, max_size=8))
    cards = [points.score(a, s, on=ON) for a in people]
    frame = pl.DataFrame([a.model_dump(exclude_none=True) for a in people])
    result = score_frame(frame, s, on=ON)
    assert result.rows_rejected == 0
    assert [result.to_points(t) for t in result.scored["x"]] == [c.points("x") for c in cards]
    for c in cards:  # every rule can be described in both languages
        line = c.lines[0]
        assert line.rule_zh and line.rule_en
        if sign > 0:
            assert line.points >= 0
        else:
            assert line.points <= 0


# --- the table kind, by hand -----------------------------------------------------------------

TABLE = {
    "rule": "table", "fact": "education", "by": "married",
    "points": {"bachelor_degree": {"true": Decimal(10), "false": Decimal(15)},
               "master": {"false": Decimal(20)},
               "doctorate": {"true": Decimal("22.5"), "false": Decimal(25)}},
}


@pytest.mark.parametrize(("education", "married", "expected"), [
    ("bachelor_degree", True, "10"),   # the cell (bachelor_degree, true)
    ("bachelor_degree", False, "15"),
    ("master", False, "20"),
    ("master", True, "0"),             # the row lists no `true` cell: 0
    ("doctorate", True, "22.5"),
    ("associate", False, "0"),         # no row at all: 0 (a table is exact, not "at least")
])
def test_table_looks_up_both_facts(education: str, married: bool, expected: str) -> None:
    s = _schedule(TABLE)
    facts = {"age": 30, "education": education, "married": married}
    card = points.score(facts, s, on=ON)
    assert card.points("x") == Decimal(expected)
    batch = score_frame(pl.DataFrame([facts]), s, on=ON)
    assert batch.to_points(batch.scored["x"][0]) == Decimal(expected)


def test_table_in_words() -> None:
    card = points.score({"age": 30}, _schedule(TABLE), on=ON)
    assert card.lines[0].rule_en.startswith(
        "bachelor's degree, married: yes: 10; bachelor's degree, married: no: 15")
    assert "本科及学士学位" in card.lines[0].rule_zh


def test_table_with_when_and_as_a_deduction() -> None:
    spec = {**TABLE, "when": "employed"}
    s = _schedule(spec)
    assert points.score({"age": 30, "education": "master"}, s, on=ON).total == 0
    assert points.score({"age": 30, "education": "master", "employed": True}, s,
                        on=ON).total == 20
    minus = {"rule": "table", "fact": "housing", "by": "criminal_record",
             "points": {"none": {"true": Decimal(-5)}}}
    d = _schedule(minus, "deductions")
    facts = {"age": 30, "housing": "none", "criminal_record": True}
    assert points.score(facts, d, on=ON).total == -5
    batch = score_frame(pl.DataFrame([facts]), d, on=ON)
    assert batch.to_points(batch.scored["total"][0]) == Decimal(-5)


@pytest.mark.parametrize(("change", "path", "reason"), [
    ({"by": "no_such_fact"}, "factors.x.by", "unknown fact"),
    ({"by": "permit_months"}, "factors.x.by", "needs a level or bool fact"),
    ({"by": "education"}, "factors.x.by", "two facts must differ"),
    ({"fact": "age"}, "factors.x.fact", "needs a level or bool fact"),
    ({"points": {"phd": {"true": Decimal(1)}}}, "factors.x.points.phd", "not a value of"),
    ({"points": {"master": {"yes": Decimal(1)}}}, "factors.x.points.master.yes",
     "not a value of married"),
    ({"points": {"master": {"true": Decimal("0.001")}}}, "factors.x.points.master.true",
     "finer than the schedule's precision"),
    ({"points": {"master": {"true": Decimal(-1)}}}, "factors.x.points.master.true",
     "must be zero or more"),
])
def test_bad_tables_are_refused_with_the_key(change: dict[str, Any], path: str,
                                             reason: str) -> None:
    with pytest.raises(ScheduleValidationError) as info:
        _schedule({**TABLE, **change})
    found = {(p.path, p.reason) for p in info.value.problems}
    assert any(p == path and reason in r for p, r in found), found


# --- a card pickles, read or not ---------------------------------------------------------------


def test_a_fresh_card_pickles_and_keeps_its_explanation() -> None:
    import pickle

    facts = {"age": 44, "has_permit": True, "permit_months": 50, "housing": "rental",
             "rental_months": 40, "education": "bachelor_degree"}
    fresh = points.score(facts, "guangzhou/2021", on=ON)
    back = pickle.loads(pickle.dumps(fresh))  # before .lines was ever read
    read = points.score(facts, "guangzhou/2021", on=ON)
    assert back.total == read.total and back.tiers == read.tiers
    assert back.lines == read.lines and back.gates == read.gates
    assert back.explain("zh") == read.explain("zh")
    assert pickle.loads(pickle.dumps(read)).to_dict() == read.to_dict()


# --- each kind's source: written out, it scores as its record function and its column -------

#: a whole-number fact of the schedule's own that may be below zero
DECLARED = """
[facts.n]
label = { zh = "n", en = "n" }
kind = "count"
min = -30
max = 30
"""
#: the kinds that read whole numbers, tried on `DECLARED` too
_WHOLE = sorted(n for n, k in KINDS.items() if "int" in k.fact_kinds)


def _around(info: FactInfo, cuts: set[Any]) -> set[Any]:
    """Every value of a level or true/false fact; each cut of a number and a step either
    side, within the fact's bounds."""
    if info.kind == "bool":
        return {False, True}
    if info.kind == "level":
        return {*info.levels, *([None] if info.optional else [])}
    lo, hi, step = info.minimum, info.maximum, fact_step(info)
    assert lo is not None and hi is not None
    out: set[Any] = set()
    for cut in cuts:
        if info.kind == "int":
            v: Any = math.ceil(cut)
        elif info.kind == "fraction":
            v = Fraction(cut)
        else:
            v = Decimal(cut.numerator) / Decimal(cut.denominator) if isinstance(
                cut, Fraction) else Decimal(cut)
            v = v.quantize(step, rounding="ROUND_CEILING")
        out |= {x for x in (v - step, v, v + step) if lo <= x <= hi}
    return out


def _cell(info: FactInfo, v: Any) -> Any:
    """A value as a table cell: a share as "a/b", money as text, anything else as it is."""
    if isinstance(v, Fraction):
        return f"{v.numerator}/{v.denominator}"
    return str(v) if isinstance(v, Decimal) else v


def _row(facts: tuple[str, ...], values: tuple[Any, ...],
         vocab: Mapping[str, FactInfo]) -> dict[str, Any]:
    row: dict[str, Any] = {"age": 30}
    for fact, v in zip(facts, values, strict=True):
        row[fact] = _cell(vocab[fact], v)
        if fact == "age_years_begun":
            row["age"] = v  # years begun equal to full years: a birthday
    return row


@pytest.mark.parametrize(("name", "declared"), [(n, False) for n in sorted(KINDS)]
                         + [(n, True) for n in _WHOLE])
@pytest.mark.parametrize("sign", [1, -1])
@_RANDOM
@given(data=st.data())
def test_each_kinds_source_scores_as_its_record_function_and_its_column(
        name: str, declared: bool, sign: int, data: st.DataObject) -> None:
    """Where a kind writes its rule out (`RuleKind.source`), the written rule, the kind's
    `record` function and its column expression give the same ticks, at every cut of the
    rule, a step either side and anywhere (random applicants); the written rule and `record`
    also on any whole number, beyond the fact's bounds, and on an absent or unknown level."""
    spec = data.draw(KINDS[name].strategy(Decimal("0.01"), sign))
    if declared:
        spec["fact"] = "n"
    s = _schedule(spec, "factors" if sign > 0 else "deductions", DECLARED if declared else "")
    c = compile_schedule(s)
    (node,) = (*c.factors, *c.deductions)
    with c.scope():
        made = rule_source(node.rule, node.spec, c.arith, sign)
    if made is None:  # the kind keeps the call for this spec: only numbers it cannot write
        kinds = {c.vocab[f].kind for f in node.facts}
        assert name in ("rate", "bands", "flat_plus_rate") and (
            kinds != {"int"} or not getattr(node.spec, "whole", True)
            or any(x != x.to_integral_value() for x in _numbers(node.spec))), spec
        return
    source, written = made
    values = []
    people = data.draw(st.lists(applicants(s), min_size=1, max_size=4))
    for fact in node.facts:
        found = _around(c.vocab[fact], node.cuts(12).get(fact, set()))
        values.append(sorted(found | {getattr(p, fact) for p in people}, key=repr))
    combos = list(itertools.product(*values))
    for combo in combos:
        assert written(*combo) == node.fn(*combo), (combo, source)
    if node.facts == (node.fact,) and c.vocab[node.fact].kind == "int":
        for v in data.draw(st.lists(st.integers(-10**6, 10**6), max_size=20)):
            assert written(v) == node.fn(v), (v, source)
    # a level or flag that is absent or not one of the fact's values (an optional level)
    odd = [[*vs, None, "no such level"] if c.vocab[f].kind in ("level", "bool") else vs
           for f, vs in zip(node.facts, values, strict=True)]
    for combo in itertools.product(*odd):
        assert written(*combo) == node.fn(*combo), (combo, source)
    model = s.applicant_model()
    rows = []
    for combo in combos:  # values of two facts may contradict each other: not an applicant
        row = _row(node.facts, combo, c.vocab)
        try:
            model.parse(row)
        except points.ApplicantError:
            continue
        rows.append((row, combo))
    assert rows  # the cuts of one fact never contradict
    combos = [combo for _, combo in rows]
    frame = pl.DataFrame([row for row, _ in rows])
    result = score_frame(frame, s, on=ON)
    assert result.rows_rejected == 0
    assert result.scored["x"].to_list() == [written(*combo)[0] for combo in combos], source


def _numbers(spec: Any) -> list[Decimal]:
    """The per, start and band edges of a spec (what a kind must write as whole numbers)."""
    out = [getattr(spec, k) for k in ("per", "start") if getattr(spec, k, None) is not None]
    for b in getattr(spec, "bands", ()):
        out += [e for e in (b.min, b.below) if e is not None]
    return out


@pytest.mark.parametrize(("spec", "calls"), [
    ({"rule": "rate", "fact": "permit_months", "rate": Decimal(2), "per": 12}, False),
    ({"rule": "rate", "fact": "permit_months", "rate": Decimal(2), "per": 12,
      "min_units": 2, "cap": Decimal(5)}, False),
    ({"rule": "rate", "fact": "income_tax_3y", "rate": Decimal(1), "per": 10000}, True),
    ({"rule": "rate", "fact": "invention_patent_share", "rate": Decimal(20),
      "whole": False}, True),
    ({"rule": "count", "fact": "awards_national", "each": Decimal(3), "cap": Decimal(9)},
     False),
    ({"rule": "flag", "fact": "married", "points": Decimal(5)}, False),
    ({"rule": "levels", "fact": "education", "points": {"master": Decimal(5)}}, False),
    ({"rule": "bands", "fact": "age", "bands": [{"min": 18, "below": 30, "points": 5}]},
     False),
    ({"rule": "bands", "fact": "insurance_base_ratio",
      "bands": [{"min": 1, "points": 5}]}, True),
    ({"rule": "flat_plus_rate", "fact": "merit_first_class", "flat": Decimal(2),
      "rate": Decimal(1), "start": 1}, False),
    (TABLE, False),
])
def test_which_rules_are_written_out(spec: dict[str, Any], calls: bool) -> None:
    """Every bundled kind writes its usual rules out; pro rata, money and shares keep the
    call of `record`'s function (the generated function says which it wrote)."""
    s = _schedule(spec)
    c = compile_schedule(s)
    with c.scope():
        made = rule_source(c.factors[0].rule, c.factors[0].spec, c.arith, 1)
        rp = points.engines._generate.generate(c, None)
    assert (made is None) is calls
    assert rp.inlined == (() if calls else ("x",))


def test_guangzhou_2021_calls_only_the_rules_it_cannot_write() -> None:
    c = compile_schedule(points.load_schedule("guangzhou/2021"))
    with c.scope():
        rp = points.engines._generate.generate(c, "settlement")
    called = {f.id for f in (*c.factors, *c.deductions)} - set(rp.inlined)
    assert called == {"patents", "income_tax"}  # a share pro rata; money
    assert rp.source.count("= f") == 2


@pytest.mark.parametrize("sign", [1, -1])
def test_a_written_band_keeps_its_slope_on_the_rules_side_of_zero(sign: int) -> None:
    # a loaded schedule never has a band crossing zero (`check` refuses it), but the written
    # rule is `record`'s: its clamp where a band's points would cross zero, on any table
    from points.schedule.kinds import Arith
    from points.schedule.kinds.bands import BandsRule

    spec = BandsRule.model_validate({
        "rule": "bands", "fact": "permit_months", "label": {"zh": "x", "en": "x"},
        "ref": "r", "status": "confirmed",
        "bands": [{"min": 0, "below": 10, "points": 3 * sign, "slope": -sign},
                  {"min": 10, "points": 2 * sign, "slope": -sign}]})
    arith = Arith(100, "half_up")
    made = rule_source(KINDS["bands"], spec, arith, sign)
    assert made is not None
    source, written = made
    fn = KINDS["bands"].record(spec, arith, sign)
    for v in range(-2, 40):
        assert written(v) == fn(v), (v, source)
    assert written(9) == written(12) == written(30) == (0, False)
    assert written(1) == (200 * sign, False)
