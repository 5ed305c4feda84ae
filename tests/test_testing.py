"""`points.testing`: the strategies, their coverage, the property helpers (each shown to
catch a planted defect), the Hypothesis plugin, the tutorial's code, and the HTML card."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import points
from points import FACTS, Applicant, analysis, load_schedule, loads_schedule, score
from points.schedule.model import Schedule
from points.testing import (
    applicants,
    assert_at_most,
    assert_capped,
    assert_monotone,
    assert_no_one_loses,
    assert_tiers_nested,
    schedules,
)

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = points.bundled_ids()
ON = date(2024, 6, 1)
FAST = settings(max_examples=30, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
#: A search for a planted defect: derandomised (the same examples, counterexample and
#: shrinking on every run) and ten times as long as FAST, so that a Hypothesis release drawing
#: other examples still finds the defect: FAST's 30 random examples missed the falling band
#: of 23 → 24 months in about 1 run in 6, so 300 miss it about once in (6 ** 10) runs. The
#: search stops at the first failure, so the length costs nothing when the defect is found.
HUNT = settings(FAST, max_examples=300, derandomize=True)


def toy(body: str) -> Schedule:
    """A small schedule; every table in `body` gets a ref and a status."""
    lines = []
    for line in body.strip().splitlines():
        lines.append(line)
        if line.startswith("["):
            lines.append('ref = "test"\nstatus = "provisional"')
    return loads_schedule("""
[schedule]
id = "toy/1"
place = "toy"
title = { zh = "玩具", en = "toy" }
document = "toy"
effective_from = 2020-01-01
""" + "\n".join(lines) + "\n")


def purposes(s: Schedule) -> list[str | None]:
    return [*s.purposes] or [None]


def label(text: str) -> str:
    return f'label = {{ zh = "{text}", en = "{text}" }}'


# --- applicants ----------------------------------------------------------------------------


@FAST
@given(applicants())
def test_applicants_are_valid_and_within_bounds(a: Applicant) -> None:
    assert Applicant.model_validate(a.model_dump()) == a
    for name, info in FACTS.items():
        v = getattr(a, name)
        if info.kind in ("int", "decimal", "fraction"):
            assert info.minimum is not None and info.maximum is not None
            assert info.minimum <= v <= info.maximum, name
        elif info.kind == "level" and v is not None:
            assert v in info.levels, name


@FAST
@given(applicants("guangzhou/2021", education="master", age=st.integers(20, 25)))
def test_fields_can_be_fixed_or_given_a_strategy(a: Applicant) -> None:
    assert a.education == "master" and 20 <= a.age <= 25  # type: ignore[operator]


@FAST
@given(applicants(birth_date=date(1990, 5, 1)))
def test_a_fixed_birth_date_replaces_age(a: Applicant) -> None:
    assert a.age is None and a.age_on(ON) == 34


def test_bad_arguments_fail_early() -> None:
    with pytest.raises(InvalidArgument, match="unknown fields shoe_size"):
        applicants(shoe_size=42)
    with pytest.raises(InvalidArgument, match="permit_months"):
        applicants(permit_months=-1)
    with pytest.raises(InvalidArgument, match="education"):
        applicants(education="kindergarten")
    with pytest.raises(InvalidArgument):
        schedules(max_factors=0)


def test_only_the_facts_a_schedule_reads_are_drawn() -> None:
    s = toy(PERMIT_BANDS)
    seen: set[str] = set()

    @FAST
    @given(applicants(s))
    def draw(a: Applicant) -> None:
        seen.update(a.model_dump(exclude_defaults=True))

    draw()
    assert seen <= {"age", "permit_months"} and "permit_months" in seen


@FAST
@given(applicants(sex=st.sampled_from(["female", "male"])))  # Beijing, Shenzhen require it
def test_every_bundled_schedule_accepts_every_applicant(a: Applicant) -> None:
    for sid in BUNDLED:
        s = load_schedule(sid)
        for p in purposes(s):
            score(a, s, purpose=p, on=s.schedule.effective_from)


class Covered(Exception):
    """Raised from inside a search once everything to cover has been seen."""


def coverage_targets(s: Schedule) -> set[tuple[Any, ...]]:
    """Every level of every levels table, and both sides of every gate that has two."""
    need: set[tuple[Any, ...]] = set()
    for fid, f in [*s.factors.items(), *s.deductions.items()]:
        if f.rule == "levels":
            need |= {("level", fid, lv) for lv in FACTS[f.fact].levels}
    one_sided = analysis.analyse(s)
    never = {f.path for f in one_sided.of_kind("gate_never_passes")}
    always = {f.path for f in one_sided.of_kind("gate_never_fails")}
    for gid in s.gates:
        if f"gates.{gid}" not in never | always:
            need |= {("gate", gid, True), ("gate", gid, False)}
    return need


@pytest.mark.slow  # up to 400 examples per schedule
@pytest.mark.parametrize("sid", BUNDLED)
def test_applicants_cover_every_level_and_both_sides_of_every_gate(sid: str) -> None:
    """Measured: draw applicants for the schedule until every level of every levels table
    has been drawn and every gate has both passed and failed (under some purpose); fail if
    400 examples are not enough. (Across three seeds every bundled schedule was covered
    within 5 to 301 examples.)"""
    s = load_schedule(sid)
    need = coverage_targets(s)
    seen: set[tuple[Any, ...]] = set()
    count = Counter[str]()
    levels = [(fid, f.fact) for fid, f in [*s.factors.items(), *s.deductions.items()]
              if f.rule == "levels"]

    @settings(max_examples=400, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(applicants(s))
    def draw(a: Applicant) -> None:
        count["examples"] += 1
        seen.update(("level", fid, getattr(a, fact)) for fid, fact in levels)
        for p in purposes(s):
            card = score(a, s, purpose=p, on=s.schedule.effective_from)
            seen.update(("gate", g.id, g.passed) for g in card.gates)
        if need <= seen:
            raise Covered

    with contextlib.suppress(Covered):
        draw()
    assert not need - seen, f"not covered in {count['examples']} examples: {need - seen}"


# --- schedules -----------------------------------------------------------------------------


@pytest.mark.slow  # 120 random schedules
def test_schedules_cover_the_format() -> None:
    found: Counter[str] = Counter()

    @settings(max_examples=120, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(schedules())
    def draw(s: Schedule) -> None:
        assert isinstance(s, Schedule) and s.factors
        for f in s.factors.values():
            found[f"rule {f.rule}"] += 1
            found["when"] += f.when is not None
        for d in s.deductions.values():
            found["deduction"] += 1
            found["scoped deduction"] += d.purposes is not None
        for g in s.groups.values():
            found[f"group {g.combine}"] += 1
            found["capped group"] += g.cap is not None
            found["nested group"] += g.group is not None
            found["within"] += g.within is not None
        for gate in s.gates.values():
            text = repr(gate.condition)
            for kind in ("AllOf", "AnyOf", "NotOf", "FactCondition", "ScoreCondition"):
                found[kind] += kind in text
        found["purpose"] += len(s.purposes)
        found["tier"] += len(s.tiers)
        found["floor"] += s.schedule.floor is not None

    draw()
    wanted = [f"rule {k}" for k in ("rate", "levels", "bands", "flag", "flat_plus_rate",
                                    "count")]
    wanted += ["when", "deduction", "scoped deduction", "group sum", "group highest",
               "capped group", "nested group", "within", "AllOf", "AnyOf", "NotOf",
               "FactCondition", "ScoreCondition", "purpose", "tier", "floor"]
    assert not [w for w in wanted if not found[w]], found


# --- the property helpers, each against a planted defect ---------------------------------------

PERMIT_BANDS = f"""
[factors.permit]
{label("permit")}
fact = "permit_months"
rule = "bands"
bands = [{{ min = 0, below = 24, points = 10 }}, {{ min = 24, points = 5 }}]
"""


def test_assert_monotone_catches_a_falling_band() -> None:
    s = toy(PERMIT_BANDS)  # planted: 24 months or more score less than 23

    @HUNT
    @given(applicants(s))
    def check(a: Applicant) -> None:
        assert_monotone(s, "permit_months", a, on=ON)

    with pytest.raises(AssertionError) as caught:
        check()
    message = str(caught.value)
    assert "raising permit_months from 23 to 24 lowered the total" in message
    assert "from 10.00 to 5.00" in message and "permit: 10.00 → 5.00" in message
    assert "applicant: age=0, permit_months=23" in message  # shrunk to what matters


@FAST
@given(applicants("guangzhou/2021"), st.integers(1, 240))
def test_assert_monotone_passes_on_guangzhou_permit_years(a: Applicant, months: int) -> None:
    assert_monotone("guangzhou/2021", "permit_months", a, by=months, on=ON)


VOLUNTEERING = f"""
[groups.volunteering]
{label("volunteering")}
combine = "sum"
{{cap}}

[factors.year1]
{label("year 1")}
fact = "volunteer_hours_year1"
rule = "rate"
rate = 2
per = 50
cap = 2
group = "volunteering"

[factors.year2]
{label("year 2")}
fact = "volunteer_hours_year2"
rule = "rate"
rate = 2
per = 50
cap = 2
group = "volunteering"
"""


def test_assert_capped_catches_a_forgotten_cap() -> None:
    # the policy: 2 per 50 hours, at most 2 a year, at most 3 in all; the cap of 3 is left out
    s = toy(VOLUNTEERING.replace("{cap}", ""))

    @HUNT
    @given(applicants(s))
    def check(a: Applicant) -> None:
        assert_capped(s, a, limits={"volunteering": 3}, on=ON)

    with pytest.raises(AssertionError, match=r"volunteering scored 4(\.\d+)?, over the limit 3"):
        check()
    fixed = toy(VOLUNTEERING.replace("{cap}", "cap = 3"))

    @FAST
    @given(applicants(fixed))
    def check_fixed(a: Applicant) -> None:
        assert_capped(fixed, a, limits={"volunteering": 3}, on=ON)

    check_fixed()


@FAST
@given(applicants("guangzhou/2021"))
def test_assert_capped_passes_on_guangzhou(a: Applicant) -> None:
    assert_capped("guangzhou/2021", a, limits={"volunteering": 10, "blood": 10}, on=ON)


LOW_INCOME = f"""
[factors.permit]
{label("permit")}
fact = "permit_months"
rule = "rate"
rate = 10
per = 12

[gates.low]
{label("low score only")}
condition = {{ score = "total", lt = 100 }}

[[tiers]]
id = "basic"
{label("basic")}
gates = ["low"]
services = ["compulsory_education"]

[[tiers]]
id = "more"
{label("more")}
min_score = 50
services = ["public_employment_services"]
"""


def test_assert_tiers_nested_catches_a_tier_lost_at_a_higher_score() -> None:
    s = toy(LOW_INCOME)  # planted: "basic" is granted only below 100 points

    @HUNT
    @given(applicants(s))
    def check(a: Applicant) -> None:
        assert_tiers_nested(s, a, on=ON)

    with pytest.raises(AssertionError) as caught:
        check()
    message = str(caught.value)
    assert "a higher total loses services" in message
    assert "lost ['compulsory_education']" in message


@FAST
@given(applicants("guangzhou/2021"), st.sampled_from(["settlement", "school", "housing"]))
def test_assert_tiers_nested_passes_on_guangzhou(a: Applicant, purpose: str) -> None:
    assert_tiers_nested("guangzhou/2021", a, purpose=purpose, on=ON)


RATE = f"""
[factors.permit]
{label("permit")}
fact = "permit_months"
rule = "rate"
rate = {{rate}}
per = 12
cap = {{cap}}
"""


def test_assert_no_one_loses_catches_a_lower_rate() -> None:
    old = toy(RATE.replace("{rate}", "5").replace("{cap}", "20"))
    lower = toy(RATE.replace("{rate}", "4").replace("{cap}", "20"))  # planted: 5 → 4 a year
    higher = toy(RATE.replace("{rate}", "6").replace("{cap}", "30"))

    @HUNT
    @given(applicants(old))
    def check(a: Applicant) -> None:
        assert_no_one_loses(old, lower, a, on=ON)

    with pytest.raises(AssertionError) as caught:
        check()
    # the simplest loser: one full year, 5 points before and 4 after
    assert "loses 1.00 points: toy/1 gives 5.00, toy/1 gives 4.00" in str(caught.value)

    @FAST
    @given(applicants(old))
    def check_higher(a: Applicant) -> None:
        assert_no_one_loses(old, higher, a, on=ON, services=True)

    check_higher()


def test_guangzhou_2018_to_2021_has_losers() -> None:
    if "guangzhou/2018" not in BUNDLED:
        pytest.skip("guangzhou/2018 is not bundled")
    # a 25-year-old with a bachelor's course: 2018 本科 50 + age 18–30 30 = 80;
    # 2021 本科 30 + age 18–40 30 = 60 → loses 20
    a = Applicant(age=25, education="bachelor")
    with pytest.raises(AssertionError, match=r"loses 20\.00 points"):
        assert_no_one_loses("guangzhou/2018", "guangzhou/2021", a, purpose="settlement", on=ON)


def test_assert_at_most_catches_a_large_move() -> None:
    old = toy(RATE.replace("{rate}", "5").replace("{cap}", "20"))
    new = toy(RATE.replace("{rate}", "10").replace("{cap}", "40"))  # planted: doubled

    @HUNT
    @given(applicants(old))
    def check(a: Applicant) -> None:
        assert_at_most(old, new, a, points=10, on=ON)

    with pytest.raises(AssertionError) as caught:
        check()
    # the simplest case: 3 full years, 15 → 30, a move of 15 > 10
    assert "moves the total by 15.00 (more than 10)" in str(caught.value)

    @FAST
    @given(applicants(old))
    def check_within(a: Applicant) -> None:
        assert_at_most(old, new, a, points=20, on=ON)  # at most 40 − 20 = 20

    check_within()


# --- the Hypothesis plugin -------------------------------------------------------------------


@pytest.mark.slow  # a fresh interpreter in a subprocess
@pytest.mark.parametrize("first", ["hypothesis", "points.testing"])
def test_from_type_works_with_no_set_up(first: str) -> None:
    code = (f"import {first}\n"
            "from hypothesis import given, settings, strategies as st\n"
            "from points import Applicant\n"
            "@settings(max_examples=5, database=None)\n"
            "@given(st.from_type(Applicant))\n"
            "def t(a): assert isinstance(a, Applicant)\n"
            "t(); print('ok')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


# --- the tutorial ----------------------------------------------------------------------------


@pytest.mark.slow  # the tutorial's Hypothesis searches
@pytest.mark.docs
def test_the_tutorial_runs() -> None:
    text = (ROOT / "docs" / "testing-a-policy.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 10
    namespace: dict[str, Any] = {"__name__": "tutorial"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for i, block in enumerate(blocks):
            try:
                exec(compile(block, f"testing-a-policy.md block {i + 1}", "exec"), namespace)
            except Exception as exc:  # pragma: no cover - shown on failure
                raise AssertionError(f"block {i + 1} failed:\n{block}") from exc
    assert "assert_monotone: raising age from 40 to 41" in out.getvalue()


# --- the score card in Jupyter ---------------------------------------------------------------


def test_score_card_renders_as_html() -> None:
    card = score({"age": 30, "permit_months": 36, "applicant_id": "<b>x</b>"},
                 "guangzhou/2021", on=ON)
    html = card._repr_html_()
    assert html.startswith('<div class="points-card">')
    assert "&lt;b&gt;x&lt;/b&gt;" in html  # the applicant id, escaped
    assert "Years holding a Guangdong residence permit issued in Guangzhou" in html
    assert '<span class="num">24.00</span>' in html  # 3 full years × 8
    assert "Total <b>54.00</b>" in html  # 24 + age 30
    assert "&lt;" not in html or "<b>x</b>" not in html  # nothing unescaped
