"""The generated per-record function and the fast validation path (issue 14).

What they compute is held to the column engine by tests/test_equivalence.py and
tests/test_kinds.py (batch equals per record) and to hand-computed values by the golden
files; here: the generated source holds no schedule text, the fast path of validation gives
exactly what pydantic gives or steps aside, and a card made the fast way is a whole card.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import points
from points import Applicant, ApplicantError
from points.engines import _record
from points.engines._generate import generate
from points.engines._input import fast_facts, other_model_facts
from points.schedule.loader import bundled_ids
from points.testing import applicants, schedules

ON = date(2024, 6, 1)
#: every name a generated function may hold: its own locals and closure cells, keywords,
#: and `max`
_NAME = re.compile(r"(F|T|x|make|run|sure|left|v|raw|total|ok|mask|max|min|[lu]?(total|[tdg]\d+)"
                   r"|[hpumnzv]\d+|hd\d+|[kfcqxsbeyor]\d+)")


#: the explanation's names: its own and the `_Detail` attributes it reads
_EXPLAIN = re.compile(r"(D|F|b|v|bool|make|explain|facts|ticks|hits|passes|get"
                      r"|numerator|denominator|KeyError|None|k"
                      r"|[tchpGLQ]\d+|ch\d+)")


def _names_and_strings(source: str) -> tuple[set[str], list[str]]:
    """The names of a generated source and its strings (none is allowed); every number in
    it must be a whole number written in decimal digits."""
    names, strings = set(), []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
            names.add(tok.string)
        elif tok.type == tokenize.STRING:
            strings.append(tok.string)
        elif tok.type == tokenize.NUMBER:
            assert re.fullmatch(r"0|[1-9][0-9]*", tok.string), tok.string
    return names, strings


def only_generated(schedule: points.Schedule) -> None:
    """The generated sources of every purpose hold only generated names and numbers."""
    sid = schedule.id
    c = points.compiled.compile_schedule(schedule)
    for purpose in [None, *schedule.purposes]:
        with c.scope():
            rp = generate(c, purpose)
        names, strings = _names_and_strings(rp.source)
        assert strings == [], (sid, purpose)
        assert all(_NAME.fullmatch(n) for n in names), sorted(
            n for n in names if not _NAME.fullmatch(n))
        for f in (*c.factors, *c.deductions):  # ids and labels stay data
            assert f.label_en not in rp.source
    plan = _record._plan(schedule)
    for purpose in [None, *schedule.purposes]:
        explain = plan.record(purpose)[1]
        names, strings = _names_and_strings(explain.source)
        assert strings == [], (sid, purpose)
        assert all(_EXPLAIN.fullmatch(n) for n in names), sorted(
            n for n in names if not _EXPLAIN.fullmatch(n))


@pytest.mark.parametrize("sid", bundled_ids())
def test_generated_source_holds_only_its_own_names_and_numbers(sid: str) -> None:
    only_generated(points.load_schedule(sid))


def test_generated_source_of_every_construct_holds_only_names_and_numbers() -> None:
    from test_new_city import SCHEDULE

    only_generated(points.load_schedule(SCHEDULE))


@pytest.mark.slow
@settings(max_examples=40, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(schedule=schedules(max_factors=5, constructs=True))
def test_generated_source_of_random_constructs_holds_only_names_and_numbers(
        schedule: points.Schedule) -> None:
    only_generated(schedule)


HOSTILE = """
[schedule]
id = "hostile/1"
place = "hostile"
title = { zh = "t", en = "__import__('os').system('echo pwned')" }
document = "d"
effective_from = 2020-01-01

[factors.import]
label = { zh = "\\"); import os; (\\"", en = "'); __import__('os'); ('" }
fact = "permit_months"
rule = "rate"
rate = 1
per = 12
ref = "') or exit() or ('"
status = "confirmed"

[gates.g]
label = { zh = "g", en = "g" }
condition = { fact = "education", eq = "bachelor" }
ref = "r"
status = "confirmed"

[[tiers]]
id = "t"
label = { zh = "t", en = "t" }
min_score = 1
gates = ["g"]
services = []
ref = "r"
status = "confirmed"
"""


def test_schedule_text_never_reaches_the_source() -> None:
    schedule = points.loads_schedule(HOSTILE)
    c = points.compiled.compile_schedule(schedule)
    with c.scope():
        rp = generate(c, None)
    names, strings = _names_and_strings(rp.source)
    assert strings == []
    assert "import" not in names and "os" not in names and "bachelor" not in rp.source
    card = points.score({"age": 30, "permit_months": 25, "education": "bachelor"}, schedule,
                        on=ON)
    assert card.total == 2
    assert card.tiers == ("t",)
    assert card.lines[0].label_en == "'); __import__('os'); ('"


# --- the fast path of validation ---------------------------------------------------------


def _web(a: Applicant, draw: st.DrawFn, keep: int = 1) -> dict[str, Any]:
    """An applicant as a web service sends it: some values as text, unset ones left out (and
    each other one with a chance of 1 in `keep` + 1)."""
    out: dict[str, Any] = {}
    for name, value in a.__dict__.items():
        if value is None or (name != "age" and draw(st.integers(0, keep)) == 0):
            continue
        if isinstance(value, date) and draw(st.booleans()):
            value = value.isoformat()
        elif isinstance(value, Decimal) and draw(st.booleans()):
            value = str(value)
        elif isinstance(value, Fraction) and draw(st.booleans()):
            value = f"{value.numerator}/{value.denominator}"
        out[name] = value
    return out


#: values that look almost right: each must go through pydantic, and agree with it
ODD: list[Any] = [
    " 12", "12.0", "12.", "1e3", 12.0, 12.5, True, False, "true", "yes", 1, 0, "是", "否",
    "本科", "大专", "bachelor", "1/2", "2/4", "0.5", "1/0", "-1", -1, 10**13, "1990-01-02",
    "1990-1-2", "1990-02-30", date(1990, 1, 2), Decimal("12.300"), Decimal("1E+3"),
    Decimal("NaN"), Fraction(3, 2), None, "", "x" * 201, "٣", "１２",
]


@st.composite
def web_dicts(draw: st.DrawFn) -> dict[str, Any]:
    data = _web(draw(applicants()), draw)
    for _ in range(draw(st.integers(0, 3))):  # an odd value in a random field
        name = draw(st.sampled_from(sorted(Applicant.model_fields)))
        data[name] = draw(st.sampled_from(ODD))
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.sampled_from(["colour", "age_in_years"]))] = 1
    if draw(st.integers(0, 9)) == 0:
        data.pop("age", None)
    return data


@pytest.mark.slow
@settings(max_examples=400, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(data=web_dicts())
def test_the_fast_path_gives_what_pydantic_gives_or_steps_aside(data: dict[str, Any]) -> None:
    _fast_agrees_or_steps_aside(Applicant, data)


def _fast_agrees_or_steps_aside(model: Any, data: dict[str, Any]) -> None:
    """The fast path gives what `model`'s pydantic validation gives, values and types, or
    None; never facts where pydantic refuses."""
    fast = fast_facts(model, data)
    try:
        slow = dict(model.parse(data).__dict__)
    except ApplicantError:
        assert fast is None, data
        return
    if fast is not None:
        assert fast == slow
        assert {k: type(v) for k, v in fast.items()} == {k: type(v) for k, v in slow.items()}


@st.composite
def construct_dicts(draw: st.DrawFn) -> tuple[points.Schedule, dict[str, Any]]:
    """A random schedule with every construct, and a mapping for its applicant model: some
    facts left out (a required one too), odd values, levels by alias or by another fact's
    level, a derived fact given, facts that contradict each other."""
    schedule = draw(schedules(max_factors=4, constructs=True))
    model = schedule.applicant_model()
    data = _web(draw(applicants(schedule)), draw, keep=7)
    fields = sorted(model.model_fields)
    levels = sorted({k for i in schedule.vocabulary.values() for k in (*i.levels, *i.aliases)})
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        name = draw(st.sampled_from(fields))
        data[name] = draw(st.sampled_from(ODD + levels + [-5, 10**9]))
    if draw(st.integers(0, 4)) == 0:
        data.update(draw(st.sampled_from(CONTRADICTIONS)))
    derived = [n for n, i in schedule.vocabulary.items() if i.expr is not None]
    if derived and draw(st.integers(0, 9)) == 0:
        data[draw(st.sampled_from(derived))] = 1
    return schedule, data


#: facts the vocabulary's consistency checks refuse together
CONTRADICTIONS: list[dict[str, Any]] = [
    {"criminal_records_5y": 1, "criminal_record": False},
    {"criminal_record": True},  # without criminal_records_5y: asked by schedules reading it
    {"serious_criminal_record": "是", "criminal_record": "否"},
    {"detention_records_5y": 2, "public_security_penalties_5y": 1},
    {"owned_home_months": 3, "housing": "none"},
]


@pytest.mark.slow
@settings(max_examples=300, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(drawn=construct_dicts())
def test_the_fast_path_agrees_with_pydantic_on_every_construct(
        drawn: tuple[points.Schedule, dict[str, Any]]) -> None:
    # a schedule's own facts (levels with their own values and aliases, optional, bounds),
    # required facts and the consistency checks its model applies: the fast path gives what
    # pydantic gives, or steps aside; it never takes what pydantic refuses
    schedule, data = drawn
    _fast_agrees_or_steps_aside(schedule.applicant_model(), data)


@pytest.mark.slow
@settings(max_examples=150, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(schedule=st.one_of(schedules(max_factors=3, constructs=True),
                          st.sampled_from(["guangzhou/2021", "beijing/2016"]).map(
                              points.load_schedule)),
       data=st.data())
def test_an_applicant_of_another_model_is_checked_as_pydantic_checks_it(
        schedule: points.Schedule, data: st.DataObject) -> None:
    # a standard `Applicant` (facts left out, contradictions mended or not) under a schedule
    # whose model requires more or checks more: the quick way gives pydantic's facts or
    # steps aside
    model = schedule.applicant_model()
    a = data.draw(applicants())
    if data.draw(st.booleans()):
        bad = data.draw(st.sampled_from(CONTRADICTIONS))
        fields = {**a.model_dump(exclude_unset=True), **bad}
        a = Applicant.model_validate(fields, context={"checks": False})
    quick = other_model_facts(model, a)
    try:
        slow = dict(model.parse(a.model_dump(exclude_unset=True)).__dict__)
    except ApplicantError:
        assert quick is None
        return
    if quick is not None:
        assert quick == slow
        assert {k: type(v) for k, v in quick.items()} == {k: type(v) for k, v in slow.items()}


def test_the_fast_path_steps_aside_for_a_contradiction() -> None:
    # each check's own message comes from pydantic, through `points.score`
    data = {"age": 30, "criminal_records_5y": 1, "criminal_record": False}
    assert fast_facts(Applicant, data) is None
    assert fast_facts(Applicant, {**data, "criminal_record": True}) is not None
    with pytest.raises(ApplicantError) as fast_way:
        points.score(data, "guangzhou/2021", on=ON)
    with pytest.raises(ApplicantError) as slow_way:
        Applicant.parse(data)
    assert fast_way.value.problems == slow_way.value.problems
    assert fast_way.value.problems[0][0] == "criminal_record"
    # a check asking for a fact applies only under a model whose schedule reads it
    gz = points.load_schedule("guangzhou/2021").applicant_model()
    assert fast_facts(Applicant, {"age": 30, "criminal_record": True}) is not None
    assert fast_facts(gz, {"age": 30, "criminal_record": True}) is None
    with pytest.raises(ApplicantError, match="criminal_records_5y"):
        points.score({"age": 30, "criminal_record": True}, "guangzhou/2021", on=ON)


def test_keys_seen_before_are_checked_again_value_by_value() -> None:
    # the fast path is written once per list of keys; its second use still checks every
    # value, the bounds and the consistency checks that apply to those keys
    keys_first: dict[str, Any] = {"age": 30, "criminal_records_5y": 0,
                                  "criminal_record": False, "permit_months": 12}
    assert fast_facts(Applicant, keys_first) == dict(Applicant.parse(keys_first).__dict__)
    odd: list[dict[str, Any]] = [
                 {**keys_first, "criminal_records_5y": 1},  # a contradiction
                 {**keys_first, "permit_months": 1201},  # above the bound
                 {**keys_first, "permit_months": -1}, {**keys_first, "permit_months": "12"},
                 {**keys_first, "criminal_record": 1}, {**keys_first, "age": None}]
    for data in odd:
        assert fast_facts(Applicant, data) is None, data
    again = {**keys_first, "permit_months": 1200, "criminal_record": "否"}
    assert fast_facts(Applicant, again) == dict(Applicant.parse(again).__dict__)
    assert list(again) == list(keys_first)  # the same keys in the same order: one function


@pytest.mark.parametrize("sex", [None, "male"])
def test_a_required_fact_given_as_none_goes_to_pydantic(sex: str | None) -> None:
    # Beijing requires `sex`, an optional fact elsewhere: None is no value, and pydantic
    # says so (the fast path steps aside, the same keys given a value take it)
    schedule = points.load_schedule("beijing/2016")
    model = schedule.applicant_model()
    data = {"age": 30, "sex": sex}
    if sex is None:
        assert fast_facts(model, data) is None
        with pytest.raises(ApplicantError, match="sex"):
            points.score(data, schedule, on=ON)
    else:
        assert fast_facts(model, data) == dict(model.parse(data).__dict__)


#: every name the written validation may hold
_VALID = re.compile(r"(O|D|v|valid|make|type|int|copy|Exception|[ndkct]\d+)")


@pytest.mark.parametrize("sid", bundled_ids())
def test_the_written_validation_holds_only_its_own_names_and_numbers(sid: str) -> None:
    from points.engines._input import _Model, written

    model = points.load_schedule(sid).applicant_model()
    m = _Model(model)
    if m.checks is None:  # pragma: no cover - every bundled model takes the fast path
        pytest.skip("a model the fast path does not know")
    every = tuple(m.checks)
    for keys in [every, tuple(reversed(every)), ("age", *sorted(m.required))]:
        made = written(m, tuple(dict.fromkeys(keys)))
        assert made is not None
        names, strings = _names_and_strings(made[0])
        assert strings == []
        assert all(_VALID.fullmatch(n) for n in names), sorted(
            n for n in names if not _VALID.fullmatch(n))
        assert "criminal" not in made[0] and "age" not in names
    assert written(m, ("colour", "age")) is None  # not a field: always pydantic
    assert written(m, ("permit_months",)) is None  # neither age nor birth date


def test_the_fast_path_takes_the_usual_forms() -> None:
    data = {"applicant_id": "a1", "birth_date": "1990-01-02", "permit_months": 36,
            "education": "本科及学士学位", "has_permit": "是", "income_tax_3y": "12345.60",
            "invention_patent_share": "1/3", "sex": None}
    assert fast_facts(Applicant, data) == dict(Applicant.parse(data).__dict__)
    assert fast_facts(Applicant, {"age": 30, "permit_months": "36"}) is None  # text: pydantic


@pytest.mark.parametrize("data", [
    {"age": 30, "permit_months": True}, {"age": 30, "colour": "red"}, {},
    {"age": 30, "income_tax_3y": "12.345"}, {"birth_date": "1990-02-30"},
])
def test_bad_input_gives_pydantics_error_through_score(data: dict[str, Any]) -> None:
    with pytest.raises(ApplicantError) as fast_way:
        points.score(data, "guangzhou/2021", on=ON)
    with pytest.raises(ApplicantError) as slow_way:
        Applicant.parse(data)
    assert fast_way.value.problems == slow_way.value.problems


def test_a_card_made_the_fast_way_has_every_attribute() -> None:
    card = points.score({"age": 30, "permit_months": 36}, "guangzhou/2021", on=ON)
    assert set(vars(card)) == {a.name for a in attrs.fields(points.ScoreCard)}
    again = points.ScoreCard.from_dict(card.to_dict())
    assert again == card


# --- the explanation's caches: a line, group or gate result is shared only when equal ------


@pytest.mark.parametrize("constructs", [False, True])
@settings(max_examples=30, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_cached_explanations_equal_fresh_ones(constructs: bool, data: st.DataObject) -> None:
    # every card's explanation is the same whether its lines were built for it or found in
    # the caches another applicant filled: score in one order, then afresh in the other
    # (with constructs: `when`, derived facts, rules over several facts, `within` shares)
    schedule = data.draw(schedules(constructs=constructs))
    people = data.draw(st.lists(applicants(schedule), min_size=2, max_size=6))

    def explained(a: Any, purpose: str | None) -> Any:
        try:
            return points.score(a, schedule, purpose=purpose, on=ON).to_dict()
        except ApplicantError as exc:  # a broken branch: the same error both ways
            return str(exc)

    for purpose in [None, *schedule.purposes]:
        _record._PLANS.clear()
        first = [explained(a, purpose) for a in people]
        _record._PLANS.clear()
        again = [explained(a, purpose) for a in reversed(people)]
        assert first == list(reversed(again))


def test_a_within_line_is_kept_by_its_share_and_limit_not_its_value_alone() -> None:
    # Beijing counts housing years within the insured (employment) years: the same 120
    # rental months count 84 − 60 = 24 under 84 insured months, 90 − 60 = 30 under 90, both
    # 2 whole years (the same points, so the points alone cannot tell the lines apart)
    s = points.load_schedule("beijing/2016")
    on = date(2018, 12, 31)
    base = {"has_permit": True, "employed": True, "sex": "male", "age": 44,
            "owned_home_months": 60, "rental_months": 120}

    def insured(months: int) -> dict[str, int]:
        return {f"{k}_months": months
                for k in ("pension", "medical", "unemployment", "injury", "maternity")}

    _record._PLANS.clear()
    lines = [points.score({**base, **insured(m)}, s, on=on).line("rental")
             for m in (84, 90, 84)]
    assert [(x.value, x.points) for x in lines] == [(24, Decimal(1)), (30, Decimal(1)),
                                                    (24, Decimal(1))]
    assert lines[0] is lines[2]  # kept, and found again
    assert "(84)" in (lines[0].why_not or "") and "(90)" in (lines[1].why_not or "")
    _record._PLANS.clear()
    assert points.score({**base, **insured(90)}, s, on=on).line("rental") == lines[1]
