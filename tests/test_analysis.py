"""`points.analysis` and `points check`: exact bounds, findings on deliberately broken
schedules, agreement with a targeted Hypothesis search, and `explain --what-if`."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings, target
from hypothesis import strategies as st
from typer.testing import CliRunner

import points
from points import FACTS, Applicant, analysis, load_schedule, loads_schedule, score
from points.cli import app
from points.schedule.model import Schedule

HEAD = """
[schedule]
id = "toy/1"
place = "toy"
title = { zh = "玩具", en = "toy" }
document = "toy"
effective_from = 2020-01-01
precision = "0.01"
{extra}
"""
SRC = 'ref = "test"\nstatus = "provisional"\n'


def toy_text(body: str, extra: str = "") -> str:
    """A small schedule: the header above, then `body` (every table gets ref and status)."""
    lines = []
    for line in body.strip().splitlines():
        lines.append(line)
        if line.startswith("["):
            lines.append(SRC.strip())
    return HEAD.replace("{extra}", extra) + "\n".join(lines) + "\n"


def toy(body: str, extra: str = "") -> Schedule:
    return loads_schedule(toy_text(body, extra))


def label(text: str) -> str:
    return f'label = {{ zh = "{text}", en = "{text}" }}'


# A schedule whose bounds are worked out by hand below.
TOY = f"""
[groups.housing]
{label("housing")}
combine = "highest"

[groups.bonus]
{label("bonus")}
combine = "sum"
cap = 25

[factors.owned]
{label("owned")}
fact = "housing"
rule = "levels"
match = "exact"
points = {{ owned = 20 }}
group = "housing"

[factors.rental]
{label("rental")}
fact = "rental_months"
rule = "rate"
rate = 5
per = 12
cap = 15
group = "housing"

[factors.degree]
{label("degree")}
fact = "education"
rule = "levels"
points = {{ associate = 10, bachelor = 20 }}
group = "bonus"

[factors.shortage]
{label("shortage")}
fact = "shortage_occupation"
rule = "flag"
points = 10
group = "bonus"

[factors.age]
{label("age")}
fact = "age"
rule = "bands"
bands = [
  {{ min = 18, below = 41, points = 30 }},
  {{ min = 41, below = 56, points = 28, slope = -2 }},
]

[deductions.credit]
{label("credit")}
fact = "credit_records_under_90d"
rule = "count"
each = -10
cap = 30
purposes = ["settlement"]

[purposes.settlement]
{label("settlement")}

[purposes.school]
{label("school")}
"""


def test_bounds_of_a_small_schedule_by_hand() -> None:
    s = toy(TOY, 'default_purpose = "settlement"')
    # highest: housing = max(owned 20, rental capped at 15) = 20
    # bonus: degree 20 + shortage 10 = 30, capped at 25
    # age: 30 (18 to 40)
    # maximum = 20 + 25 + 30 = 75; credit deduction 0 at best
    # minimum: everything 0 (age 0 is in no band), credit −10 each capped at 30 → −30
    settlement = analysis.bounds(s, "settlement")
    assert (settlement.minimum, settlement.maximum) == (Decimal("-30.00"), Decimal("75.00"))
    # school: the credit deduction does not apply → minimum 0
    school = analysis.bounds(s, "school")
    assert (school.minimum, school.maximum) == (Decimal("0.00"), Decimal("75.00"))
    assert settlement.exact and school.exact
    # each bound is reached by the applicant the analysis hands back
    for b in (settlement, school):
        assert score(b.applicant("highest"), s, purpose=b.purpose).total == b.maximum
        assert score(b.applicant("lowest"), s, purpose=b.purpose).total == b.minimum


def test_floor_raises_the_minimum() -> None:
    s = toy(TOY, "floor = 0")
    # without purpose: the credit deduction (scoped to settlement) never applies; with the
    # floor at 0 the settlement minimum −30 is raised to 0
    assert analysis.bounds(s, "settlement").minimum == 0


def test_guangzhou_2021_maximum_by_hand() -> None:
    # The bounds of the facts (FACTS): months ≤ 1200 (100 years), counts ≤ 1000,
    # military merits ≤ 100. Base: permit 8 × 100 = 800; housing max(owned 20, rental
    # cap 20) = 20; district move cap 10; insurance 5 types × 2 × 100 = 1000; housing
    # fund 2 × 100 = 200; age 30 → 2060. Bonus: education 30; skills max(20, 20) = 20;
    # matching trade 5; patents cap 40 + R&D cap 10 = 50; shortage 10; hardship 10 + cap
    # 20 = 30; blood cap 10 + volunteering 5 × 2 = 10 → 20; income tax cap 10; awards
    # 1000 × (30 + 20 + 10 + 5) = 65000; merits 20 + 5 × 99 = 515, 10 + 2 × 99 = 208,
    # 5 + 1 × 99 = 104 → 65827. Bonus = 30+20+5+50+10+30+20+10+65827 = 66002.
    # Total = 2060 + 66002 = 68062; minimum: floor 0.
    for purpose in ("settlement", "school", "housing"):
        b = analysis.bounds("guangzhou/2021", purpose)
        assert (b.minimum, b.maximum) == (Decimal("0.00"), Decimal("68062.00"))


BUNDLED = points.bundled_ids()


@pytest.mark.parametrize("sid", BUNDLED)
def test_bounds_are_reached_on_every_bundled_schedule(sid: str) -> None:
    s = load_schedule(sid)
    for b in analysis.analyse(s).bounds:
        assert b.exact
        on = s.schedule.effective_from
        assert score(b.applicant("highest"), s, purpose=b.purpose, on=on).total == b.maximum
        assert score(b.applicant("lowest"), s, purpose=b.purpose, on=on).total == b.minimum


# --- findings on deliberately broken schedules ---------------------------------------------


def kinds(s: Schedule) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in analysis.analyse(s).findings:
        out.setdefault(f.kind, []).append(f.path)
    return out


def test_unreachable_tier_by_points() -> None:
    s = toy(TOY + """
[[tiers]]
id = "gold"
label = { zh = "gold", en = "gold" }
min_score = 80
services = ["compulsory_education"]
""")
    found = analysis.analyse(s).of_kind("unreachable_tier")
    assert [f.path for f in found] == ["tiers[0] (gold)"]
    assert "at most 75.00" in found[0].message  # the hand-computed maximum above


def test_reachable_tier_is_not_reported() -> None:
    s = toy(TOY + """
[[tiers]]
id = "gold"
label = { zh = "gold", en = "gold" }
min_score = 75
services = ["compulsory_education"]
""")
    assert "unreachable_tier" not in kinds(s)


def test_unreachable_tier_by_gates() -> None:
    s = toy(f"""
[factors.permit]
{label("permit")}
fact = "permit_months"
rule = "rate"
rate = 1
per = 12

[gates.young]
{label("young")}
condition = {{ fact = "age", le = 30 }}

[gates.old]
{label("old")}
condition = {{ fact = "age", ge = 40 }}

[purposes.settlement]
{label("settlement")}
gates = ["young"]

[[tiers]]
id = "both"
label = {{ zh = "both", en = "both" }}
purposes = ["settlement"]
gates = ["old"]
services = ["compulsory_education"]
""")
    found = analysis.analyse(s)
    assert [f.path for f in found.of_kind("unreachable_tier")] == ["tiers[0] (both)"]
    assert "gates can never all pass" in found.of_kind("unreachable_tier")[0].message
    # each gate alone can pass and can fail
    assert not found.of_kind("gate_never_passes") and not found.of_kind("gate_never_fails")


def test_gate_on_the_score_above_the_maximum_never_passes() -> None:
    s = toy(TOY + """
[gates.rich]
label = { zh = "rich", en = "rich" }
condition = { score = "total", gt = 75 }

[gates.anyone]
label = { zh = "anyone", en = "anyone" }
condition = { score = "total", ge = -30 }
""")
    k = kinds(s)
    assert k["gate_never_passes"] == ["gates.rich"]  # maximum 75 (by hand above)
    assert k["gate_never_fails"] == ["gates.anyone"]  # minimum −30


def test_gates_that_never_pass_or_never_fail() -> None:
    s = toy(f"""
[factors.permit]
{label("permit")}
fact = "permit_months"
rule = "rate"
rate = 1
per = 12

[gates.too_old]
{label("too old")}
condition = {{ fact = "age", gt = 120 }}

[gates.contradiction]
{label("contradiction")}
condition = {{ all = [{{ fact = "age", le = 30 }}, {{ not = {{ fact = "age", lt = 40 }} }}] }}

[gates.tautology]
{label("tautology")}
condition = {{ any = [{{ fact = "has_permit", eq = true }},
                     {{ fact = "has_permit", eq = false }}] }}

[gates.fine]
{label("fine")}
condition = {{ any = [{{ fact = "has_permit", eq = true }}, {{ fact = "age", ge = 60 }}] }}
""")
    k = kinds(s)
    assert sorted(k["gate_never_passes"]) == ["gates.contradiction", "gates.too_old"]
    assert k["gate_never_fails"] == ["gates.tautology"]


def test_factors_that_can_never_matter() -> None:
    s = toy(f"""
[groups.best]
{label("best")}
combine = "highest"

[groups.capped]
{label("capped")}
combine = "sum"
cap = 10

[groups.zero]
{label("zero")}
combine = "sum"
cap = 0

[factors.adult]
{label("always 10")}
fact = "age"
rule = "bands"
bands = [{{ min = 0, points = 10 }}]
group = "best"

[factors.dominated]
{label("at most 5, beside one always 10")}
fact = "shortage_occupation"
rule = "flag"
points = 5
group = "best"

[factors.adult_again]
{label("always 10 again")}
fact = "age"
rule = "bands"
bands = [{{ min = 0, points = 10 }}]
group = "capped"

[factors.crowded_out]
{label("the cap is always full")}
fact = "employed"
rule = "flag"
points = 3
group = "capped"

[factors.in_zero]
{label("in a group capped at 0")}
fact = "pension_months"
rule = "rate"
rate = 1
per = 12
group = "zero"

[factors.never_a_unit]
{label("per 2000 months; at most 1200")}
fact = "permit_months"
rule = "rate"
rate = 5
per = 2000

[factors.cap_zero]
{label("cap 0")}
fact = "medical_months"
rule = "rate"
rate = 1
per = 12
cap = 0

[factors.alive]
{label("alive")}
fact = "housing_fund_months"
rule = "rate"
rate = 1
per = 12
""")
    dead = set(kinds(s)["dead_factor"])
    assert dead == {"factors.dominated", "factors.crowded_out", "factors.in_zero",
                    "groups.zero", "factors.never_a_unit", "factors.cap_zero",
                    # a constant factor changes nothing either (always 10)
                    "factors.adult", "factors.adult_again", "groups.best", "groups.capped"}


def test_idle_cap_is_reported_as_information() -> None:
    s = toy(f"""
[factors.age_years]
{label("age")}
fact = "age"
rule = "rate"
rate = 1
per = 12
cap = 50
""")
    found = analysis.analyse(s).of_kind("idle_cap")
    # age ≤ 120 gives at most 10 full units of 12: the cap 50 never cuts
    assert [(f.path, f.severity) for f in found] == [("factors.age_years.cap", "info")]


CLIFF = f"""
[factors.age]
{label("age")}
fact = "age"
rule = "bands"
bands = [{{ min = 18, below = 46, points = 10 }}]

[factors.pension]
{label("pension")}
fact = "pension_months"
rule = "rate"
rate = 2
per = 12
min_units = 5

[gates.age_limit]
{label("age limit")}
condition = {{ fact = "age", le = {{age}} }}

[gates.insured]
{label("insured")}
condition = {{ fact = "pension_months", ge = {{months}} }}
"""


def test_thresholds_within_one_step_of_a_cliff() -> None:
    # the band pays 10 up to 45 and nothing from 46; a gate "age ≤ 46" lets a 46-year-old
    # through, one year past the cliff. Pension points vest at 5 × 12 = 60 months; a gate
    # at 48 months is one rule unit (12 months) before the cliff.
    s = toy(CLIFF.replace("{age}", "46").replace("{months}", "48"))
    paths = sorted(f.path for f in analysis.analyse(s).of_kind("near_cliff"))
    assert paths == ["gates.age_limit", "gates.insured"]
    # aligned thresholds: the gate changes where the points do
    s = toy(CLIFF.replace("{age}", "45").replace("{months}", "60"))
    assert not analysis.analyse(s).of_kind("near_cliff")


def test_every_bundled_schedule_is_analysed_quickly_and_exactly() -> None:
    for sid in BUNDLED:
        result = analysis.analyse(sid)
        assert result.bounds and not result.of_kind("inexact"), sid


# --- agreement with a targeted Hypothesis search ---------------------------------------------


def natural(fact: str) -> st.SearchStrategy[Any]:
    """Every value of a fact, from its bounds alone (independent of the analysis).

    Numbers draw their bounds often: a targeted search alone may end one short of the top
    (1199 of 1200 months), depending on the constants Hypothesis collects from the code.
    """
    info = FACTS[fact]
    if info.kind == "bool":
        return st.booleans()
    if info.kind == "level":
        return st.sampled_from(info.levels)
    if info.kind == "int":
        lo, hi = int(info.minimum or 0), int(info.maximum or 0)
        return st.sampled_from([lo, hi]) | st.integers(lo, hi)
    if info.kind == "decimal":
        places = next(m.decimal_places for m in Applicant.model_fields[fact].metadata
                      if getattr(m, "decimal_places", None) is not None)
        return st.sampled_from([info.minimum, info.maximum]) | \
            st.decimals(info.minimum, info.maximum, places=places)
    return st.fractions(0, info.maximum, max_denominator=60)


def independent_parts(s: Schedule) -> list[tuple[list[str], set[str]]]:
    """The total as a sum of parts that share no fact: descend through uncapped `sum`
    groups; a capped or `highest` group, a factor or a deduction is one part; parts
    that share a fact (or a `within` budget) are merged."""
    members: dict[str, list[str]] = {g: [] for g in s.groups}
    for k, f in s.factors.items():
        if f.group:
            members[f.group].append(k)
    for k, g in s.groups.items():
        if g.group:
            members[g.group].append(k)
    nodes: list[str] = []

    def visit(n: str) -> None:
        g = s.groups.get(n)
        if g is not None and g.combine == "sum" and g.cap is None and g.within is None:
            for m in members[n]:
                visit(m)
        else:
            nodes.append(n)

    for k, f in s.factors.items():
        if f.group is None:
            visit(k)
    for k, g in s.groups.items():
        if g.group is None:
            visit(k)
    nodes += list(s.deductions)

    def facts(n: str) -> set[str]:
        if n in s.groups:
            within = {s.groups[n].within} - {None}
            return set().union(within, *(facts(m) for m in members[n]))  # type: ignore[arg-type]
        spec = s.factors.get(n) or s.deductions[n]
        return {spec.fact} | ({spec.when} if spec.when else set())

    parts = [([n], facts(n)) for n in nodes]
    merged = True
    while merged:
        merged = False
        for i in range(len(parts)):
            for j in range(i + 1, len(parts)):
                if parts[i][1] & parts[j][1]:
                    parts[i] = (parts[i][0] + parts[j][0], parts[i][1] | parts[j][1])
                    del parts[j]
                    merged = True
                    break
            if merged:
                break
    return parts


def _size(v: Any) -> float:
    """A number growing with the value of any fact (levels by rank)."""
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        return 0.0
    return float(v)


def targeted_best(s: Schedule, nodes: list[str], facts: set[str], purpose: str | None,
                  sense: int) -> Decimal:
    """The best points of `nodes` that a targeted Hypothesis search over their facts finds.

    The target is the points, plus a pull far smaller than any point towards larger fact
    values (towards smaller ones when minimising), so the hill climb crosses the flat
    stretches between steps (a rate per full 12 months) instead of stopping on them.
    """
    best: list[Decimal] = []
    on = s.schedule.effective_from
    levels = {f: FACTS[f].levels for f in facts if FACTS[f].kind == "level"}

    @settings(max_examples=MAX_EXAMPLES * len(facts), deadline=None, database=None,
              derandomize=True,
              phases=[Phase.generate, Phase.target],
              suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({f: natural(f) for f in sorted(facts)}))
    def search(values: dict[str, Any]) -> None:
        card = score({"age": 30, **values}, s, purpose=purpose, on=on)
        pts = sum((card.points(n) for n in nodes), Decimal(0))
        pull = sum(levels[f].index(v) if f in levels else _size(v) for f, v in values.items())
        target(float(sense * pts) + 1e-9 * sense * pull)
        if not best or sense * pts > sense * best[0]:
            best[:] = [pts]

    search()
    return best[0]


MAX_EXAMPLES = 40


@pytest.mark.parametrize("sid", BUNDLED)
def test_bounds_equal_the_best_a_targeted_search_finds(sid: str) -> None:
    """The total is a sum of parts with no fact in common, so its extremes are the sums of
    the parts' extremes (raised to the floor); each part's extreme is found by a targeted
    Hypothesis search over every value its facts can take."""
    s = load_schedule(sid)
    parts = independent_parts(s)
    found: dict[tuple[Any, ...], tuple[Decimal, Decimal]] = {}
    ps: list[str | None] = [*s.purposes] or [None]
    for purpose in ps:
        b = analysis.bounds(s, purpose)
        hi = lo = Decimal(0)
        for nodes, facts in parts:
            # only a deduction's points depend on the purpose
            key = (*nodes, purpose if set(nodes) & set(s.deductions) else None)
            if key not in found:
                found[key] = (targeted_best(s, nodes, facts, purpose, 1),
                              targeted_best(s, nodes, facts, purpose, -1))
            hi += found[key][0]
            lo += found[key][1]
        floor = s.schedule.floor
        if floor is not None:
            hi, lo = max(hi, floor), max(lo, floor)
        assert (lo, hi) == (b.minimum, b.maximum), purpose


@pytest.mark.parametrize("sid", BUNDLED)
def test_no_applicant_goes_beyond_the_bounds(sid: str) -> None:
    """A targeted search with the library's own applicant strategy stays within them."""
    from points.testing import applicants

    s = load_schedule(sid)
    b = analysis.bounds(s)

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(applicants(s))
    def check(a: Applicant) -> None:
        total = score(a, s, on=s.schedule.effective_from).total
        target(float(total))
        assert b.minimum <= total <= b.maximum

    check()


# --- points check -------------------------------------------------------------------------


def test_points_check_prints_bounds_and_findings(tmp_path: Path) -> None:
    path = tmp_path / "toy.toml"
    path.write_text(toy_text(TOY + """
[[tiers]]
id = "gold"
label = { zh = "gold", en = "gold" }
min_score = 80
services = ["compulsory_education"]
"""), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "purpose settlement: total from -30.00 to 75.00" in result.output
    assert "warning tiers[0] (gold): no applicant can reach tier 'gold'" in result.output
    strict = runner.invoke(app, ["check", "--strict", str(path)])
    assert strict.exit_code == 1
    assert "strict" in strict.output


def test_points_check_exit_status() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["check", "--strict", "guangzhou/2021"])
    assert ok.exit_code == 0, ok.output  # only information, no warning
    assert "total from 0.00 to 68062.00" in ok.output
    bad = runner.invoke(app, ["check", "no/such"])
    assert bad.exit_code == 1


# --- what if ------------------------------------------------------------------------------

WHAT_IF = f"""
[factors.permit]
{label("permit")}
fact = "permit_months"
rule = "rate"
rate = 2
per = 12

[factors.age]
{label("age")}
fact = "age"
rule = "bands"
bands = [{{ min = 18, below = 41, points = 10 }}]

[factors.degree]
{label("degree")}
fact = "education"
rule = "levels"
points = {{ associate = 2, bachelor = 4 }}

[gates.permit]
{label("permit")}
condition = {{ fact = "has_permit", eq = true }}

[[tiers]]
id = "base"
label = {{ zh = "base", en = "base" }}
services = ["compulsory_education"]

[[tiers]]
id = "gold"
label = {{ zh = "gold", en = "gold" }}
min_score = 30
gates = ["permit"]
services = ["public_employment_services"]
"""


def test_what_if_smallest_changes_and_time() -> None:
    s = toy(WHAT_IF)
    a = Applicant(age=30, has_permit=True, permit_months=96, education="associate")
    w = analysis.what_if(a, s, on=date(2024, 1, 1))
    # now: permit 8 years × 2 = 16, age 10, associate 2 → 28; gold needs 30
    assert w.card.total == 28 and w.target == "gold"
    changes = {c.fact: c for c in w.changes}
    # one more full year of permit: 108 months → 18 + 10 + 2 = 30
    assert changes["permit_months"].new == 108 and changes["permit_months"].total == 30
    # or a bachelor's course: 16 + 10 + 4 = 30 (one level up)
    assert (changes["education"].new, changes["education"].delta) == ("bachelor", 1)
    assert set(changes) == {"permit_months", "education"}
    # time alone: 12 more months of permit, on 2025-01-01 (age 31 still in the band)
    assert w.by_time == date(2025, 1, 1) and w.by_time_total == 30


def test_what_if_time_cannot_help_when_age_takes_points_away() -> None:
    s = toy(WHAT_IF)
    # age 40: 10 points now, none from 41; permit 12 years → 24; 24 + 10 + 0 = 34 ≥ 30
    # but the permit gate fails: has_permit is false and no month ever fixes it
    a = Applicant(age=40, has_permit=False, permit_months=144)
    w = analysis.what_if(a, s, on=date(2024, 1, 1), horizon_years=5)
    assert [c.fact for c in w.changes] == ["has_permit"]
    assert w.by_time is None


def test_what_if_with_birth_date_moves_the_age_band() -> None:
    s = toy(WHAT_IF)
    # born 1990-06-15: age 33 on 2024-01-01; 120 months of permit → 20, age 10 → 30 already
    a = Applicant(birth_date=date(1990, 6, 15), has_permit=True, permit_months=120)
    assert analysis.what_if(a, s, on=date(2024, 1, 1)).target is None
    # 1982-06-15: age 41 on 2024-01-01 → no age points; 20 + 0 = 20; time alone: permit
    # points grow 2 a year → 30 needs 180 months, 60 more: 2029-01-01
    old = Applicant(birth_date=date(1982, 6, 15), has_permit=True, permit_months=120)
    w = analysis.what_if(old, s, on=date(2024, 1, 1))
    assert w.by_time == date(2029, 1, 1) and w.by_time_total == 30


def test_explain_what_if_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"age": 30, "has_permit": True, "permit_months": 96,
                                "education": "associate"}), encoding="utf-8")
    sched = tmp_path / "toy.toml"
    sched.write_text(toy_text(WHAT_IF), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["explain", str(path), "--schedule", str(sched),
                                 "--on", "2024-01-01", "--what-if"])
    assert result.exit_code == 0, result.output
    assert "To reach the next tier, gold:" in result.output
    assert "96 months → 108 months (+12), total 30.00 points" in result.output
    assert "by time alone: on 2025-01-01 (total 30.00)" in result.output
    as_json = runner.invoke(app, ["explain", str(path), "--schedule", str(sched),
                                  "--on", "2024-01-01", "--what-if", "--json"])
    data = json.loads(as_json.output)
    assert data["what_if"]["by_time"] == "2025-01-01"
    assert {"fact": "permit_months", "from": 96, "to": 108, "total": "30.00"} \
        in data["what_if"]["changes"]
