"""A whole fictional schedule that uses every construct of issue 9 at once (tests/schedules/
new_city.toml, also built step by step in docs/tutorial-new-city.md): its own facts with
levels and Chinese aliases, derived facts, `when` by fact, derived fact, gate and condition
table, two branches of which exactly one applies, a two-dimensional table, one rule over
four facts, sub-caps under an overall cap. Every total below is worked out by hand from the
schedule's text; both engines must agree with it, and `points check` with its bounds.

The rules, as the schedule states them (whole points):

- family branch: `with_spouse` when `spouse_coming`; `single` when `no_spouse` (= not
  married). An applicant in neither or both is an error.
- age, with spouse: 18–19 → 90, 20–29 → 100, 30–44 → 95 − 5 × (age − 30); without spouse:
  18–19 → 99, 20–29 → 110, 30–44 → 105 − 5 × (age − 30); otherwise 0.
- language (each of listening, reading, writing, speaking, added up): with spouse band5 6,
  band7 14, band9 20; without spouse band5 8, band7 16, band9 24; `none` 0.
- spouse's education (with spouse only): associate 6, bachelor_degree 8, master 10 (at least).
- education: high_school 30, associate 90, bachelor_degree 120, master 135, doctorate 150
  (at least: `bachelor` without a degree scores associate's 90).
- work: 10 per year, cap 50.
- combination points `transfer`, cap 50 = sub-group `transfer_education` (cap 30:
  education × language table, when all four ≥ band7: bachelor_degree 13/25, master 15/30,
  doctorate 15/30 by "all four at band9" no/yes, other rows 0; education with work ≥ 3
  years: bachelor_degree 13, master 25 at least) + work with language (when all four ≥
  band7: 1–2 years 13, 3+ years 25).
- job offer: 50, only when no false statement (gate `truthful`).
- false statements: −30 each, at most −60.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import points
from points import ApplicantError, analysis
from points.batch import score_frame

HERE = Path(__file__).resolve().parent
SCHEDULE = HERE / "schedules" / "new_city.toml"
TUTORIAL = HERE.parent / "docs" / "tutorial-new-city.md"
ON = "2026-06-01"

ALL9 = {"listening": "band9", "reading": "band9", "writing": "band9", "speaking": "band9"}
ALL7 = {"listening": "band7", "reading": "band7", "writing": "band7", "speaking": "band7"}
SINGLE = {"married": False, "spouse_coming": False}
COUPLE = {"married": True, "spouse_coming": True}

# (facts, total, tiers unlocked); the arithmetic is next to each case
CASES: list[tuple[dict[str, Any], int, list[str]]] = [
    # 1. single, 25, all band9, doctorate, 5 years, offer: age 110 + language 4 × 24 = 96
    # → branch 206; education 150; work min(50, 50) = 50; transfer: table doctorate/band9
    # 30 + education-work 25 = 55 → sub-cap 30, + work-language 25 = 55 → cap 50; offer 50
    # = 206 + 150 + 50 + 50 + 50 = 506 (the maximum)
    ({"age": 25, **SINGLE, **ALL9, "education": "doctorate", "work_years": 5,
      "job_offer": True}, 506, ["pool", "invited"]),
    # 2. couple, 33, L9 R7 W7 S5, master, spouse bachelor_degree, 2 years: age 95 − 15 = 80,
    # language 20 + 14 + 14 + 6 = 54, spouse 8 → branch 142; education 135; work 20;
    # speaking band5 → not all ≥ band7: table 0, work-language 0; work 2 < 3: no
    # education-work → transfer 0 = 142 + 135 + 20 = 297 (below the pool's 300)
    ({"age": 33, **COUPLE, "listening": "band9", "reading": "band7", "writing": "band7",
      "speaking": "band5", "education": "master", "spouse_education": "bachelor_degree",
      "work_years": 2}, 297, []),
    # 3. single, 19, all band7, bachelor_degree, 3 years, offer: age 99 + language 64 = 163;
    # education 120; work 30; table bachelor_degree/not band9 13 + education-work 13 = 26
    # (under 30), + work-language 25 = 51 → cap 50; offer 50 = 163 + 120 + 30 + 50 + 50 = 413
    ({"age": 19, **SINGLE, **ALL7, "education": "bachelor_degree", "work_years": 3,
      "job_offer": True}, 413, ["pool"]),
    # 4. couple, 44, all band9, doctorate, spouse doctorate, 10 years, offer, 1 false
    # statement: age 95 − 70 = 25, language 80, spouse 10 (at least master) → 115;
    # education 150; work min(100, 50) = 50; transfer 30 + 25 → 30, + 25 = 55 → 50; offer
    # 0 (gate truthful fails); deduction −30 = 115 + 150 + 50 + 50 − 30 = 335
    ({"age": 44, **COUPLE, **ALL9, "education": "doctorate", "spouse_education": "doctorate",
      "work_years": 10, "job_offer": True, "false_statements": 1}, 335, ["pool"]),
    # 5. single, 45 (no age band), all band9, master, no work, offer: age 0 + language 96;
    # education 135; transfer: table master/band9 30, no education-work, work 0 is in no
    # band → 30; offer 50 = 96 + 135 + 30 + 50 = 311; the working-age gate fails: no tier
    ({"age": 45, **SINGLE, **ALL9, "education": "master", "job_offer": True}, 311, []),
    # 6. single, 17: age 0, language 4 × 8 = 32, education high_school 30, offer 50 = 112
    ({"age": 17, **SINGLE, "listening": "band5", "reading": "band5", "writing": "band5",
      "speaking": "band5", "education": "high_school", "job_offer": True}, 112, []),
    # 7. couple, 20, no language test, associate, spouse associate, 1 year: age 100 +
    # language 0 + spouse 6 = 106; education 90; work 10; transfer 0 = 206 (gate
    # basic_language fails)
    ({"age": 20, **COUPLE, "education": "associate", "spouse_education": "associate",
      "work_years": 1}, 206, []),
    # 8. Chinese input: single, 30, 九级 9级 七级 7级, 硕士, 4 years, offer, 2 false
    # statements: age 105 + language 24 + 24 + 16 + 16 = 80 → 185; education 135; work 40;
    # table master/not band9 15 + education-work 25 = 40 → 30, + work-language 25 = 55 →
    # 50; offer 0 (not truthful); deduction −60 = 185 + 135 + 40 + 50 − 60 = 350
    ({"age": 30, "married": "否", "spouse_coming": "否", "listening": "九级",
      "reading": "9级", "writing": "七级", "speaking": "7级", "education": "硕士",
      "work_years": 4, "job_offer": "是", "false_statements": 2}, 350, ["pool"]),
    # 9. couple, 29, all band7, 本科 without degree, spouse 学士, 2 years, offer: age 100 +
    # language 56 + spouse 8 = 164; education 90 (at least associate); work 20; table: no
    # `bachelor` row → 0, work 2 < 3 → 0, work-language 13 → transfer 13; offer 50
    # = 164 + 90 + 20 + 13 + 50 = 337
    ({"age": 29, **COUPLE, **ALL7, "education": "本科", "spouse_education": "学士",
      "work_years": 2, "job_offer": True}, 337, ["pool"]),
    # 10. single, 50, nothing else, 5 false statements: −30 × 5 = −150 → cap −60 = −60
    # (the minimum)
    ({"age": 50, **SINGLE, "false_statements": 5}, -60, []),
    # 11. single, 38, L9 R9 W9 S7, doctorate, 2 years: age 105 − 40 = 65 + language 72 + 16
    # = 88 → 153; education 150; work 20; table doctorate/not band9 15, work 2: no
    # education-work, work-language 13 → 28 = 153 + 150 + 20 + 28 = 351
    ({"age": 38, **SINGLE, **ALL9, "speaking": "band7", "education": "doctorate",
      "work_years": 2}, 351, ["pool"]),
    # 12. couple, 31, all band9, bachelor_degree, spouse none, 3 years, offer: age 90 +
    # language 80 + spouse 0 = 170; education 120; work 30; table bachelor_degree/band9 25 +
    # education-work 13 = 38 → 30, + 25 = 55 → 50; offer 50 = 170 + 120 + 30 + 50 + 50 = 420
    ({"age": 31, **COUPLE, **ALL9, "education": "bachelor_degree", "work_years": 3,
      "job_offer": True}, 420, ["pool"]),
    # 13. single, 26, band5 ×3 and no speaking, associate, 7 years, offer, 1 false
    # statement: age 110 + language 24 = 134; education 90; work min(70, 50) = 50; not all ≥
    # band7 and associate has no row → transfer 0; offer 0; deduction −30
    # = 134 + 90 + 50 − 30 = 244
    ({"age": 26, **SINGLE, "listening": "band5", "reading": "band5", "writing": "band5",
      "education": "associate", "work_years": 7, "job_offer": True, "false_statements": 1},
     244, []),
    # 14. couple, 18, L7 R7 W9 S7, master, spouse master, 3 years: age 90 + language 14 + 14
    # + 20 + 14 = 62 + spouse 10 = 162; education 135; work 30; table master/not band9 15 +
    # education-work 25 = 40 → 30, + 25 = 55 → 50 = 162 + 135 + 30 + 50 = 377
    ({"age": 18, **COUPLE, **ALL7, "writing": "band9", "education": "master",
      "spouse_education": "master", "work_years": 3}, 377, ["pool"]),
]


@pytest.fixture(scope="module")
def city() -> points.Schedule:
    return points.load_schedule(SCHEDULE)


def test_the_schedule_uses_every_new_construct(city: points.Schedule) -> None:
    text = SCHEDULE.read_text(encoding="utf-8")
    assert 'kind = "level"' in text and "aliases = [" in text  # own levels, Chinese aliases
    assert "expr = " in text  # derived facts
    assert "[branches.family]" in text
    assert 'rule = "table"' in text and 'by = "language_9"' in text  # by a derived fact
    assert 'facts = ["listening", "reading", "writing", "speaking"]' in text
    assert city.groups["transfer_education"].group == "transfer"  # a sub-cap under a cap
    assert city.groups["transfer"].cap == 50 and city.groups["transfer_education"].cap == 30
    whens = {f.when if isinstance(f.when, str) else "table" for f in city.factors.values()
             if f.when is not None}
    assert whens == {"language_7", "truthful", "table"}  # a derived fact, a gate, a condition
    assert city.schedule.note is not None and "FICTIONAL" in city.schedule.note


@pytest.mark.parametrize("facts,total,tiers", CASES,
                         ids=[f"case{i + 1}" for i in range(len(CASES))])
def test_hand_computed_totals(city: points.Schedule, facts: dict[str, Any], total: int,
                              tiers: list[str]) -> None:
    card = points.score(facts, city, on=ON)
    assert card.total == total
    assert list(card.tiers) == tiers


def test_both_engines_score_every_case_alike(city: points.Schedule) -> None:
    rows = [{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in facts.items()}
            for facts, _, _ in CASES]
    result = score_frame(pl.DataFrame(rows), city, on=ON)
    assert result.rejects.is_empty()
    table = result.points()
    assert table["total"].to_list() == [Decimal(t) for _, t, _ in CASES]
    for i, (facts, _, _) in enumerate(CASES):
        card = points.score(facts, city, on=ON)
        batch = table.row(i, named=True)
        assert {ln.id: batch[ln.id] for ln in card.lines} == \
            {ln.id: ln.points for ln in card.lines}
        assert {g.id: batch[f"group.{g.id}"] for g in card.groups} == \
            {g.id: g.points for g in card.groups}
        assert batch["eligible"] == card.eligible


def test_the_card_shows_derived_facts_caps_and_the_branch(city: points.Schedule) -> None:
    card = points.score(CASES[7][0], city, on=ON)  # case 8: Chinese input
    assert card.line("language_single").value == {
        "listening": "band9", "reading": "band9", "writing": "band7", "speaking": "band7"}
    assert card.line("age_with_spouse").applied is False  # the other branch
    table = card.line("education_language")
    assert table.points == 15 and table.counted
    assert card.points("transfer_education") == 30  # 40, capped
    assert card.points("transfer") == 50  # 30 + 25, capped
    assert card.line("job_offer").points == 0  # the gate `truthful` fails
    en = card.explain("en", width=400)
    assert "all four abilities at band 7 or above" in en and "cap reached" in en


@pytest.mark.parametrize("family,message", [
    ({"married": True, "spouse_coming": False},
     "branches.family: matches none of with_spouse, single"),
    ({"married": False, "spouse_coming": True}, "branches.family: matches 2 of its members"),
])
def test_neither_or_both_branches_is_an_error(city: points.Schedule, family: dict[str, bool],
                                              message: str) -> None:
    facts = {"age": 30, **ALL9, "education": "master", **family}
    with pytest.raises(ApplicantError, match=re.escape(message)):
        points.score(facts, city, on=ON)
    frame = pl.DataFrame([facts, {**facts, **SINGLE}])
    result = score_frame(frame, city, on=ON)
    assert result.scored["row"].to_list() == [2]
    (reject,) = result.rejects.to_dicts()
    assert (reject["row"], reject["field"]) == (1, "branches.family")
    assert message.split(": ", 1)[1] in reject["reason"]


# The bounds by hand. Every factor and group is ≥ 0 and the total only rises with each of
# them, so the maximum takes each part at its best where the parts can coexist:
# - branch: single 110 (age 20–29) + 4 × 24 = 206 beats with spouse 100 + 4 × 20 + 10 = 190;
#   they exclude each other (counted together: 396, total 696);
# - education 150 (doctorate); work 50 (5+ years);
# - transfer: table 30 (doctorate or master, all band9) + education-work 25 (master+, 3+
#   years) → 30; work-language 25 (3+ years, all ≥ band7) → 55 → 50;
# - job offer 50 with no false statement (so the deduction is 0); age 25 passes every gate.
#   Maximum = 206 + 150 + 50 + 50 + 50 = 506 (case 1).
# The minimum: every positive part can be 0 at once (single, age under 18 or 45+, no
# language, no education, no work), and the deduction is at least −60 (2+ false
# statements): minimum = −60 (case 10).
MINIMUM, MAXIMUM = Decimal(-60), Decimal(506)


@pytest.mark.slow
def test_points_check_gives_the_exact_bounds(city: points.Schedule) -> None:
    b = analysis.bounds(city)
    assert (b.minimum, b.maximum, b.exact) == (MINIMUM, MAXIMUM, True)
    for facts, expected in ((b.lowest, MINIMUM), (b.highest, MAXIMUM)):
        given = {k: v for k, v in facts.items() if k not in city.facts or
                 city.facts[k].expr is None}
        assert points.score(given, city, on=ON).total == expected


@pytest.mark.slow
def test_points_check_bounds_hold_today(city: points.Schedule) -> None:
    b = analysis.bounds(city)
    assert b.minimum == MINIMUM and b.maximum >= MAXIMUM


def _without_derived(text: str) -> str:
    """The schedule with its derived facts declared as plain flags and `no_spouse` read
    directly as `married = false`: the same bounds, with nothing derived."""
    text = re.sub(r"expr = \"listening >= [^\n]*", 'kind = "flag"', text)
    text = text.replace('expr = "not married"', 'kind = "flag"')
    return text.replace('when = "no_spouse"', 'when = { fact = "married", eq = false }')


def test_points_check_respects_overlapping_branches_without_derived_facts() -> None:
    s = points.loads_schedule(_without_derived(SCHEDULE.read_text(encoding="utf-8")))
    b = analysis.bounds(s)
    assert (b.minimum, b.maximum, b.exact) == (MINIMUM, MAXIMUM, True)


def test_points_check_is_exact_when_the_branches_cannot_overlap() -> None:
    # the same schedule with `with_spouse` when married: the branches are complementary
    text = _without_derived(SCHEDULE.read_text(encoding="utf-8"))
    s = points.loads_schedule(text.replace('when = "spouse_coming"', 'when = "married"'))
    b = analysis.bounds(s)
    assert (b.minimum, b.maximum, b.exact) == (MINIMUM, MAXIMUM, True)


def test_the_tutorial_builds_this_schedule() -> None:
    fragments = [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```",
                                                   TUTORIAL.read_text(encoding="utf-8"),
                                                   flags=re.M | re.S) if lang == "toml"]
    assert "\n".join(fragments) == SCHEDULE.read_text(encoding="utf-8")


def test_a_gate_on_an_own_level_fact_can_be_explained(city: points.Schedule) -> None:
    text = SCHEDULE.read_text(encoding="utf-8").replace(
        'condition = { fact = "language_5", eq = true }',
        'condition = { fact = "listening", ge = "band5" }')
    s = points.loads_schedule(text)
    card = points.score(CASES[0][0], s, on=ON)
    assert "band 5" in card.explain("en")
