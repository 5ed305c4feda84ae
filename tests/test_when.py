"""`when` takes a condition or a gate, on factors and groups; branches of which exactly one
applies: scored alike per record and in batches, refused when ill-formed, and searched
exactly by `points check` (two branches that exclude each other are never both counted)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import points
from points import ApplicantError, ScheduleError, analysis
from points.batch import score_frame

HEAD = """\
[schedule]
id = "example/when"
place = "example"
title = { zh = "示例", en = "Example" }
document = "示例〔2026〕1号"
effective_from = 2026-01-01
"""

BODY = """
[gates.young_worker]
label = { zh = "青年就业", en = "Young worker" }
condition = { all = [{ fact = "age", lt = 45 }, { fact = "employed", eq = true }] }
ref = "t"
status = "confirmed"

[groups.with_spouse]
label = { zh = "有配偶", en = "With spouse" }
when = "married"
cap = 10
ref = "t"
status = "confirmed"

[groups.single]
label = { zh = "单身", en = "Single" }
when = { not = { fact = "married", eq = true } }
ref = "t"
status = "confirmed"

[branches.family]
label = { zh = "家庭", en = "Family" }
members = ["with_spouse", "single"]
ref = "t"
status = "confirmed"

[factors.age_spouse]
label = { zh = "年龄（有配偶）", en = "Age (spouse)" }
rule = "bands"
fact = "age"
group = "with_spouse"
bands = [{ min = 18, below = 36, points = 8 }, { min = 36, points = 4 }]
ref = "t"
status = "confirmed"

[factors.spouse_degree]
label = { zh = "配偶学历", en = "Spouse has a degree" }
rule = "flag"
fact = "local_relative_rural"
points = 5
group = "with_spouse"
when = { fact = "age", ge = 30 }
ref = "t"
status = "confirmed"

[factors.age_single]
label = { zh = "年龄（单身）", en = "Age (single)" }
rule = "bands"
fact = "age"
group = "single"
bands = [{ min = 18, below = 36, points = 12 }, { min = 36, points = 6 }]
ref = "t"
status = "confirmed"

[factors.degree]
label = { zh = "学历", en = "Degree" }
rule = "levels"
fact = "education"
points = { bachelor_degree = 5, master = 7 }
when = "young_worker"
ref = "t"
status = "confirmed"
"""

ON = "2026-06-01"


@pytest.fixture
def sched(tmp_path: Path) -> points.Schedule:
    path = tmp_path / "when.toml"
    path.write_text(HEAD + BODY, encoding="utf-8")
    return points.load_schedule(path)


def _load(tmp_path: Path, text: str) -> points.Schedule:
    path = tmp_path / "s.toml"
    path.write_text(HEAD + text, encoding="utf-8")
    return points.load_schedule(path)


# by hand: with spouse = min(age band + (5 if age ≥ 30 and the flag), 10); single = age band;
# degree only under 45 and employed
CASES: list[tuple[dict[str, Any], str]] = [
    ({"age": 30, "married": True, "local_relative_rural": True, "education": "master",
      "employed": True}, "17"),  # min(8 + 5, 10) + 7
    ({"age": 29, "married": True, "local_relative_rural": True, "education": "master",
      "employed": True}, "15"),  # 8 (under 30: no spouse points) + 7
    ({"age": 50, "married": False, "education": "master", "employed": True}, "6"),
    ({"age": 30, "education": "bachelor_degree", "employed": True}, "17"),  # 12 + 5
    ({"age": 44, "education": "bachelor_degree", "employed": False}, "6"),
    ({"age": 45, "married": True, "education": "master", "employed": True}, "4"),
    ({"age": 17, "married": True}, "0"),
]


@pytest.mark.parametrize("facts,total", CASES)
def test_conditions_score_alike_per_record_and_in_batches(
        sched: points.Schedule, facts: dict[str, Any], total: str) -> None:
    assert points.score(facts, sched, on=ON).total == Decimal(total)
    result = score_frame(pl.DataFrame([facts]), sched, on=ON)
    assert result.points()["total"].to_list() == [Decimal(total)]


def test_a_condition_is_explained(sched: points.Schedule) -> None:
    card = points.score(CASES[4][0], sched, on=ON)
    degree = next(ln for ln in card.lines if ln.id == "degree")
    assert not degree.applied
    assert degree.why_not == "applies only when all of (age < 45 years; employed = yes)"
    assert "only if: all of (age < 45 years; employed = yes)" in degree.rule_en


def test_points_check_knows_branches_exclude_each_other(sched: points.Schedule) -> None:
    b = analysis.bounds(sched)
    # single 12 + degree 7 = 19 beats spouse min(8 + 5, 10) + 7 = 17; never 8 + 5 + 12 + 7
    assert (b.maximum, b.minimum, b.exact) == (Decimal("19.00"), Decimal("0.00"), True)
    assert points.score({**b.highest, "age": b.highest.get("age", 30)}, sched,
                        on=ON).total == b.maximum


BRANCHES = BODY.replace('when = { not = { fact = "married", eq = true } }',
                        'when = { fact = "age", lt = 40 }')


@pytest.mark.parametrize("facts,message", [
    ({"age": 30, "married": True}, "branches.family: matches 2 of its members"),
    ({"age": 50, "married": False}, "branches.family: matches none of with_spouse, single"),
])
def test_a_branch_matched_by_none_or_two_is_an_error(
        tmp_path: Path, facts: dict[str, Any], message: str) -> None:
    s = _load(tmp_path, BRANCHES)
    with pytest.raises(ApplicantError, match=message):
        points.score(facts, s, on=ON)
    result = score_frame(pl.DataFrame([facts, {"age": 30, "married": False}]), s, on=ON)
    assert result.scored["row"].to_list() == [2]
    (reject,) = result.rejects.to_dicts()
    assert (reject["row"], reject["field"]) == (1, "branches.family")
    assert message.split(": ", 1)[1] in reject["reason"]
    assert result.rows_read == result.rows_scored + result.rows_rejected


THREE = """
[factors.young]
label = { zh = "青年", en = "Young" }
rule = "flag"
fact = "employed"
points = 1
when = { fact = "age", lt = 30 }
ref = "t"
status = "confirmed"

[factors.middle]
label = { zh = "中年", en = "Middle" }
rule = "flag"
fact = "employed"
points = 2
when = { fact = "age", lt = 50 }
ref = "t"
status = "confirmed"

[factors.married]
label = { zh = "已婚", en = "Married" }
rule = "flag"
fact = "employed"
points = 3
when = "married"
ref = "t"
status = "confirmed"

[branches.stage]
label = { zh = "阶段", en = "Stage" }
members = ["young", "middle", "married"]
ref = "t"
status = "confirmed"
"""


@pytest.mark.parametrize("facts,value,reason", [
    # per record and in a batch: exactly the members that apply
    ({"age": 20, "married": True}, ["young", "middle", "married"],
     "branch stage: matches 3 of its members (young, middle, married); at most one may apply"),
    ({"age": 60}, [], "branch stage: matches none of young, middle, married; exactly one "
                      "must apply"),
    ({"age": 40, "married": True}, ["middle", "married"],
     "branch stage: matches 2 of its members (middle, married); at most one may apply"),
    ({"age": 20, "married": False}, ["young", "middle"],
     "branch stage: matches 2 of its members (young, middle); at most one may apply"),
])
def test_batch_branch_rejects_name_the_branch_and_its_members(
        tmp_path: Path, facts: dict[str, Any], value: list[str], reason: str) -> None:
    s = _load(tmp_path, THREE)
    with pytest.raises(ApplicantError) as caught:
        points.score(facts, s, on=ON)
    ((field, hit, _),) = caught.value.problems
    assert (field, hit) == ("branches.stage", value)
    (reject,) = score_frame(pl.DataFrame([facts]), s, on=ON).rejects.to_dicts()
    assert (reject["field"], reject["reason"]) == ("branches.stage", reason)
    assert reject["value"] == ", ".join(value)
    # a branch of two: both members named
    s2 = _load(tmp_path, BRANCHES)
    (two,) = score_frame(pl.DataFrame([{"age": 30, "married": True}]), s2,
                         on=ON).rejects.to_dicts()
    assert (two["value"], two["reason"]) == (
        "with_spouse, single", "branch family: matches 2 of its members (with_spouse, "
        "single); at most one may apply")


def test_at_most_one_allows_none(tmp_path: Path) -> None:
    s = _load(tmp_path, BRANCHES.replace('members = ["with_spouse", "single"]',
                                         'members = ["with_spouse", "single"]\n'
                                         'exactly = "at_most_one"'))
    assert points.score({"age": 50, "married": False}, s, on=ON).total == 0
    with pytest.raises(ApplicantError, match="matches 2"):
        points.score({"age": 30, "married": True}, s, on=ON)


@pytest.mark.parametrize("old,new,where,message", [
    ('when = "young_worker"', 'when = "young_workr"', "factors.degree.when",
     "names no fact or gate; did you mean young_worker?"),
    ('when = "young_worker"', 'when = "education"', "factors.degree.when",
     "a `when` name is a true/false fact or a gate, not a level fact"),
    ('when = { fact = "age", ge = 30 }', 'when = { score = "total", ge = 30 }',
     "factors.spouse_degree.when.score", "names no score"),
    ('when = "married"', 'when = { fact = "age", ge = "x" }', "groups.with_spouse.when.ge",
     ""),
    ('members = ["with_spouse", "single"]', 'members = ["with_spouse", "nobody"]',
     "branches.family.members[1]", "names no factor or group"),
    ('members = ["with_spouse", "single"]', 'members = ["with_spouse", "age_single"]',
     "branches.family.members[1]", "a branch member needs its own `when`"),
    ('members = ["with_spouse", "single"]', 'members = ["with_spouse", "spouse_degree"]',
     "branches.family.members[1]", "is inside 'with_spouse', another member"),
])
def test_ill_formed_conditions_and_branches_are_refused(
        tmp_path: Path, old: str, new: str, where: str, message: str) -> None:
    assert old in BODY
    with pytest.raises(ScheduleError) as info:
        _load(tmp_path, BODY.replace(old, new, 1))
    assert where in str(info.value) and message in str(info.value)


def test_a_when_gate_may_not_read_scores(tmp_path: Path) -> None:
    text = BODY.replace('condition = { all = [{ fact = "age", lt = 45 }, '
                        '{ fact = "employed", eq = true }] }',
                        'condition = { score = "total", ge = 10 }')
    with pytest.raises(ScheduleError, match="names a gate that reads scores"):
        _load(tmp_path, text)


def test_points_check_leaves_out_applicants_two_branches_would_both_take(
        tmp_path: Path) -> None:
    # members whose `when`s can hold together: married and employed; nobody may be in
    # both, nor in neither, so the most is 20 (employed, unmarried), not 10 + 20
    s = _load(tmp_path, """
[groups.a]
label = { zh = "甲", en = "A" }
when = "married"
ref = "t"
status = "confirmed"

[groups.b]
label = { zh = "乙", en = "B" }
when = "employed"
ref = "t"
status = "confirmed"

[branches.family]
label = { zh = "家庭", en = "Family" }
members = ["a", "b"]
ref = "t"
status = "confirmed"

[factors.fa]
label = { zh = "甲分", en = "A points" }
rule = "bands"
fact = "age"
group = "a"
bands = [{ min = 18, points = 10 }]
ref = "t"
status = "confirmed"

[factors.fb]
label = { zh = "乙分", en = "B points" }
rule = "bands"
fact = "age"
group = "b"
bands = [{ min = 18, points = 20 }]
ref = "t"
status = "confirmed"
""")
    b = analysis.bounds(s)
    assert (b.minimum, b.maximum, b.exact) == (Decimal("0.00"), Decimal("20.00"), True)
    for which in ("lowest", "highest"):  # both witnesses are in exactly one branch
        points.score(b.applicant(which), s, on=ON)


def test_a_gate_on_an_own_level_fact_is_explained(tmp_path: Path) -> None:
    s = _load(tmp_path, """
[facts.band]
label = { zh = "级别", en = "band" }
kind = "level"
levels = [{ id = "low", zh = "低", en = "low" }, { id = "high", zh = "高", en = "high" }]

[gates.strong]
label = { zh = "强", en = "Strong" }
condition = { fact = "band", ge = "high" }
ref = "t"
status = "provisional"

[factors.x]
label = { zh = "分", en = "Points" }
rule = "levels"
fact = "band"
points = { high = 5 }
ref = "t"
status = "provisional"
""")
    card = points.score({"age": 30, "band": "high"}, s, on=ON)
    assert card.total == 5 and "Strong" in card.explain()



def test_a_when_ordering_an_own_level_scores_per_record(tmp_path: Path) -> None:
    # found by tests/test_properties_constructs.py: the per-record plan looked the levels of
    # `own` up outside the schedule's vocabulary (KeyError)
    s = _load(tmp_path, """
[facts.own]
label = { zh = "o", en = "o" }
kind = "level"
levels = [{ id = "a", zh = "甲", en = "A" }, { id = "b", zh = "乙", en = "B" }]

[factors.f]
label = { zh = "f", en = "f" }
rule = "flag"
fact = "married"
points = 1
when = { fact = "own", ge = "b" }
ref = "t"
status = "confirmed"
""")
    for level, total in (("a", 0), ("b", 1), ("乙", 1)):
        facts = {"age": 30, "married": True, "own": level}
        assert points.score(facts, s, on=ON).total == total
        assert score_frame(pl.DataFrame([facts]), s, on=ON).points()["total"].to_list() == \
            [total]



def test_a_gate_ordering_an_own_level_is_explained(tmp_path: Path) -> None:
    # found by the example of schedules(constructs=True) in docs/testing-a-policy.md: the
    # sure-or-not plan looked the levels of `own` up outside the schedule's vocabulary
    s = _load(tmp_path, """
[facts.own]
label = { zh = "o", en = "o" }
kind = "level"
levels = [{ id = "a", zh = "甲", en = "A" }, { id = "b", zh = "乙", en = "B" }]

[gates.high]
label = { zh = "高", en = "High" }
condition = { fact = "own", ge = "b" }
ref = "t"
status = "confirmed"
""")
    card = points.score({"age": 30, "own": "乙"}, s, on=ON)
    assert card.gates[0].passed and card.outcome_sure
    assert "High" in card.explain("en")
