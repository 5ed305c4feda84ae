"""Batch equals per record on random schedules that use every construct of issue 9: facts of
their own (levels with their own values and aliases, required and optional ones), derived
facts, `when` as a condition or a gate on factors and groups, branches, rules over several
facts.

For each schedule (`schedules(constructs=True)`) and each purpose, a list of applicants
(`applicants(schedule)`, which draws the schedule's own facts) is scored one by one with
`points.score` and as one table with `points.batch.score_frame`: every total, line, group,
gate, eligibility and tier agrees, and an applicant the per-record engine refuses (a branch
matched by none or two) is exactly a row the batch rejects, with the same fields.
Derandomised (tests/conftest.py), so every run draws the same schedules.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import points
from points import ApplicantError, FactInfo, Schedule, ScoreCard
from points.batch import score_frame
from points.engines import facts_of
from points.expression import record_fn
from points.testing import applicants, schedules

ON = date(2024, 6, 1)
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def given_facts(schedule: Schedule) -> dict[str, FactInfo]:
    """The facts an applicant gives for the schedule (standard and own; not derived)."""
    return {n: i for n, i in schedule.vocabulary.items()
            if i.expr is None and i.kind != "date"}


def cell(info: FactInfo, value: Any, text: bool, alias: bool) -> Any:
    """A cell as a table holds it: typed, or (text) as a CSV reader gives it; a level
    (alias) by one of its other accepted names."""
    if value is None:
        return None
    if info.kind == "level" and alias:
        names = [k for k, v in info.aliases.items() if v == value]
        return names[0] if names else value
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if not text:
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def frame(schedule: Schedule, people: list[Any], text: bool, alias: bool) -> pl.DataFrame:
    facts = given_facts(schedule)
    kinds = {"int": pl.Int64(), "bool": pl.Boolean(), "level": pl.String(),
             "decimal": pl.Decimal(38, 4), "fraction": pl.String()}
    schema: dict[str, pl.DataType] = {
        n: pl.String() if text else kinds[i.kind] for n, i in facts.items()}
    rows = [{n: cell(i, getattr(a, n), text, alias) for n, i in facts.items()}
            for a in people]
    return pl.DataFrame(rows, schema=schema, orient="row")


def derived_values(schedule: Schedule, applicant: Any) -> dict[str, Any]:
    """The derived facts of an applicant, computed per record."""
    facts = facts_of(applicant, ON)
    todo = [n for n, i in schedule.vocabulary.items() if i.expr is not None]
    while todo:  # each once the derived facts it reads are known
        ready = [n for n in todo if all(
            r in facts for r in schedule.vocabulary[n].parsed.reads)]
        assert ready, todo
        for n in ready:
            facts[n] = record_fn(schedule.vocabulary[n].parsed)(facts)
            todo.remove(n)
    return {n: facts[n] for n, i in schedule.vocabulary.items() if i.expr is not None}


def same_value(column: Any, value: Any) -> bool:
    """A batch's fact column equals a value computed per record (numbers exactly)."""
    if isinstance(value, bool) or isinstance(column, bool) or value is None:
        return column is value
    if isinstance(value, str):
        return bool(column == value)
    return Fraction(column) == Fraction(value)


def same(schedule: Schedule, people: list[Any], purpose: str | None, text: bool,
         alias: bool) -> Counter[str]:
    """Batch and per record agree on every applicant; counts what was compared."""
    result = score_frame(frame(schedule, people, text, alias), schedule, purpose=purpose,
                         on=ON)
    assert result.rows_read == len(people)
    assert result.rows_scored + result.rows_rejected == result.rows_read
    rows = {r["row"]: r for r in result.points().iter_rows(named=True)}
    rejects: dict[int, set[str]] = {}
    for r in result.rejects.iter_rows(named=True):
        rejects.setdefault(r["row"], set()).add(r["field"])
    seen: Counter[str] = Counter()
    for i, a in enumerate(people, start=1):
        try:
            card = points.score(a, schedule, purpose=purpose, on=ON)
        except ApplicantError as exc:
            fields = {f for f, _, _ in exc.problems}
            assert all(f.startswith("branches.") for f in fields), exc
            assert rejects.get(i) == fields, (i, str(exc), rejects.get(i))
            assert i not in rows
            seen["refused"] += 1
            continue
        assert i not in rejects, (i, result.rejects.filter(pl.col("row") == i).to_dicts())
        row = rows[i]
        assert row["total"] == card.total, (i, "total", row["total"], card.total)
        for line in card.lines:
            assert row[line.id] == line.points, (i, line.id, row[line.id], line.points)
        for g in card.groups:
            assert row[f"group.{g.id}"] == g.points, (i, g.id, row[f"group.{g.id}"],
                                                      g.points)
        for gate in card.gates:
            assert row[f"gate.{gate.id}"] is gate.passed, (i, gate.id)
        assert row["eligible"] is card.eligible, i
        assert tuple(row["tiers"]) == card.tiers, i
        assert tuple(row["services"]) == card.services, i
        assert row["tier"] == (card.tiers[-1] if card.tiers else None), i
        assert row["provisional"] is card.rests_on_provisional, i
        assert row["outcome_sure"] is card.outcome_sure, i
        for name, value in derived_values(schedule, a).items():  # tie-break columns
            assert same_value(row[f"fact.{name}"], value), (i, name, row[f"fact.{name}"],
                                                            value)
        seen["scored"] += 1
        seen["nonzero"] += card.total != 0
    return seen


def check(schedule: Schedule, data: st.DataObject, n: int) -> Counter[str]:
    people = data.draw(st.lists(applicants(schedule), min_size=n, max_size=n),
                       label="applicants")
    text = data.draw(st.booleans(), label="text cells")
    alias = data.draw(st.booleans(), label="levels by other names")
    seen: Counter[str] = Counter()
    for purpose in [None, *schedule.purposes]:
        seen += same(schedule, people, purpose, text, alias)
    return seen


# No shrinking: a failure names the row and the column, and the schedule is shown as drawn;
# shrinking a schedule with 20 applicants would take minutes.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


@pytest.mark.slow
@settings(max_examples=40, phases=NO_SHRINK, suppress_health_check=HEALTH)
@given(schedule=schedules(max_factors=5, constructs=True), data=st.data())
def test_batch_equals_per_record_with_every_construct(schedule: Schedule,
                                                      data: st.DataObject) -> None:
    check(schedule, data, 20)


@pytest.mark.slow  # Hypothesis: 150 random schedules, 20 applicants each, every purpose
@settings(max_examples=150, phases=NO_SHRINK, suppress_health_check=HEALTH)
@given(schedule=schedules(constructs=True), data=st.data())
def test_batch_equals_per_record_with_every_construct_at_length(schedule: Schedule,
                                                                data: st.DataObject) -> None:
    check(schedule, data, 20)


# --- the property is only as good as what the generator makes -------------------------------


def _constructs(schedule: Schedule) -> Counter[str]:
    """The constructs one generated schedule uses, by name."""
    found: Counter[str] = Counter()
    for name, decl in schedule.facts.items():
        info = schedule.vocabulary[name]
        if decl.expr is not None:
            found[f"derived {info.kind}"] += 1
            found["derived reads derived"] += any(
                r in schedule.facts and schedule.facts[r].expr is not None
                for r in info.parsed.reads)
            text = decl.expr
            for op, what in (("//", "floor division"), ("min(", "min"), ("max(", "max"),
                             ("sum(", "sum"), ("count(", "count"), ("if ", "if"),
                             (" in [", "in"), (" and ", "and"), (" or ", "or"),
                             ("not ", "not"), ("<", "comparison")):
                found[f"expr {what}"] += op in text
        else:
            found[f"own {decl.kind}"] += 1
            found["own level values"] += isinstance(decl.levels, list)
            found["own level aliases"] += isinstance(decl.levels, list) and any(
                v.aliases for v in decl.levels)
            found["own required"] += decl.required
            found[f"own optional {decl.kind}"] += decl.optional
    found["required_facts"] += bool(schedule.schedule.required_facts)
    for spec in (*schedule.factors.values(), *schedule.groups.values(),
                 *schedule.deductions.values()):
        w = getattr(spec, "when", None)
        if isinstance(w, str):
            found["when gate" if w in schedule.gates else "when fact"] += 1
        elif w is not None:
            found["when condition"] += 1
    found["group when"] += sum(g.when is not None for g in schedule.groups.values())
    for f in (*schedule.factors.values(), *schedule.deductions.values()):
        if f.facts is not None:
            found[f"several facts {f.combine}"] += 1
        reads = f.facts or [f.fact]
        found["rule on own fact"] += any(r in schedule.facts for r in reads)
    for b in schedule.branches.values():
        found[f"branch {b.exactly}"] += 1
        found["branch of a group"] += any(m in schedule.groups for m in b.members)
    return found


#: every construct the generator must make (each comes up several times in 150 schedules,
#: so a change in the order of draws cannot hide one)
WANTED = [f"own {k}" for k in ("count", "months", "money", "decimal", "share", "flag",
                               "level")]
WANTED += ["own level values", "own level aliases", "own required", "own optional level",
           "own optional flag", "required_facts", "derived int", "derived bool",
           "derived level", "derived reads derived", "when gate", "when fact",
           "when condition", "group when", "several facts sum", "several facts highest",
           "rule on own fact", "branch one", "branch at_most_one", "branch of a group"]
WANTED += [f"expr {w}" for w in ("floor division", "min", "max", "sum", "count", "if",
                                 "in", "and", "or", "not", "comparison")]


@pytest.mark.slow
def test_the_generated_schedules_use_every_construct() -> None:
    """Over 150 derandomised schedules (drawing nothing else, so the count of each
    construct does not hang on what other tests draw), every construct comes up."""
    found: Counter[str] = Counter()

    @settings(max_examples=150, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(schedule=schedules(max_factors=5, constructs=True))
    def collect(schedule: Schedule) -> None:
        found.update(_constructs(schedule))

    collect()
    assert not [w for w in WANTED if not found[w]], (
        [w for w in WANTED if not found[w]], found)


@pytest.mark.slow
def test_generated_applicants_are_scored_refused_and_explained() -> None:
    """On the same draws as the fast property: applicants are both scored and refused (by
    a branch, only where the schedule has one), and every card is explained."""
    found: Counter[str] = Counter()

    @settings(max_examples=40, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(schedule=schedules(max_factors=5, constructs=True), data=st.data())
    def collect(schedule: Schedule, data: st.DataObject) -> None:
        people = data.draw(st.lists(applicants(schedule), min_size=20, max_size=20))
        kind = "branched" if schedule.branches else "plain"
        for k, a in enumerate(people):
            assert isinstance(a, schedule.applicant_model())
            try:
                card = points.score(a, schedule, on=ON)
            except ApplicantError:
                found[f"refused {kind}"] += 1
                continue
            found[f"scored {kind}"] += 1
            if k >= 5:
                continue
            # the card of every construct explains itself and survives JSON
            assert card.explain("zh") and card.explain("en")
            assert ScoreCard.from_dict(json.loads(json.dumps(card.to_dict()))) == card

    collect()
    assert found["refused plain"] == 0, found  # only a branch refuses a generated applicant
    assert found["scored plain"] and found["scored branched"] and found["refused branched"], \
        found
    # most applicants are valid, even where a branch may refuse them
    assert found["scored branched"] > found["refused branched"], found


def test_applicants_draw_a_schedules_own_facts() -> None:
    s = points.loads_schedule(OWN)
    model = s.applicant_model()
    drawn: Counter[str] = Counter()

    @settings(max_examples=60, database=None, suppress_health_check=list(HealthCheck))
    @given(applicants(s))
    def draw(a: Any) -> None:
        assert type(a) is model
        facts = a.model_dump()
        assert 0 <= facts["job_offers"] <= 4  # required: always drawn
        assert facts["sex"] is not None  # a required standard fact
        drawn[f"listening {facts['listening']}"] += 1
        drawn[f"offers {facts['job_offers']}"] += 1
        assert "lowest" not in facts  # derived: computed, never given
        points.score(a, s, on=ON)

    draw()
    assert {f"listening {v}" for v in ("none", "clb7", "clb9", None)} <= set(drawn)
    assert {f"offers {k}" for k in range(5)} <= set(drawn)


def test_applicants_for_schedules_with_different_own_facts_is_refused() -> None:
    from hypothesis.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="declare different facts of their own"):
        applicants([points.loads_schedule(OWN), "guangzhou/2021"])
    with pytest.raises(InvalidArgument, match="unknown fields listenin"):
        applicants(points.loads_schedule(OWN), listenin="clb7")
    with pytest.raises(InvalidArgument, match=r"applicants\(listening='clb8'\)"):
        applicants(points.loads_schedule(OWN), listening="clb8")

    @settings(max_examples=5, database=None)
    @given(applicants(points.loads_schedule(OWN), listening="clb9", job_offers=2))
    def fixed(a: Any) -> None:
        assert (a.listening, a.job_offers) == ("clb9", 2)  # (Any: the schedule's own model)

    fixed()


OWN = """
[schedule]
id = "own/1"
place = "own"
title = { zh = "t", en = "t" }
document = "d"
effective_from = 2020-01-01
required_facts = ["sex"]

[facts.listening]
label = { zh = "听", en = "listening" }
kind = "level"
optional = true
levels = [{ id = "none", zh = "无", en = "none" }, { id = "clb7", zh = "七级", en = "CLB 7" },
          { id = "clb9", zh = "九级", en = "CLB 9" }]

[facts.job_offers]
label = { zh = "邀请", en = "offers" }
kind = "count"
max = 4
required = true

[facts.lowest]
label = { zh = "低", en = "lowest" }
expr = "job_offers * 2"

[factors.listening]
label = { zh = "听", en = "listening" }
rule = "levels"
fact = "listening"
points = { clb7 = 1, clb9 = 2 }
ref = "r"
status = "confirmed"

[factors.offers]
label = { zh = "邀请", en = "offers" }
rule = "rate"
fact = "lowest"
rate = 1
ref = "r"
status = "confirmed"
"""


OPTIONAL_FLAG = """
[schedule]
id = "flag/1"
place = "flag"
title = { zh = "t", en = "t" }
document = "d"
effective_from = 2020-01-01

[facts.own]
label = { zh = "o", en = "o" }
kind = "flag"
optional = true

[factors.f]
label = { zh = "f", en = "f" }
rule = "flag"
fact = "married"
points = 1
when = { fact = "own", ne = false }
ref = "r"
status = "confirmed"

[gates.g]
label = { zh = "g", en = "g" }
condition = { fact = "own", eq = false }
ref = "r"
status = "confirmed"
"""


def test_an_absent_optional_flag_in_both_engines() -> None:
    # an optional flag left empty is absent in both engines: `ne false` holds, `eq false`
    # does not
    s = points.loads_schedule(OPTIONAL_FLAG)
    card = points.score({"age": 30, "married": True}, s, on=ON)
    assert (card.total, card.gates[0].passed) == (Decimal(1), False)
    table = pl.DataFrame({"age": [30], "married": [True], "own": [None]},
                         schema={"age": pl.Int64, "married": pl.Boolean, "own": pl.Boolean})
    row = score_frame(table, s, on=ON).points().row(0, named=True)
    assert (row["total"], row["gate.g"]) == (Decimal(1), False)
