"""Sure or not, per result: whether eligibility and tiers rest on provisional values (the
card, the scored file, the ranking) and `points check`'s status inconsistencies. Every
expected value is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from points import ScoreCard, analysis, load_schedule, loads_schedule, score
from points.batch import rank, score_frame
from points.schedule.model import Schedule

ON = date(2024, 6, 1)

HEAD = """
[schedule]
id = "toy/1"
place = "toy"
title = { zh = "玩具", en = "toy" }
document = "toy"
effective_from = 2020-01-01
precision = "0.01"
"""


def src(status: str) -> str:
    return f'ref = "test"\nstatus = "{status}"'


def lab(text: str) -> str:
    return f'label = {{ zh = "{text}中文", en = "{text}" }}'


# `rental` (confirmed): 1 point a month. `edu` (provisional): bachelor_degree 20, master
# 30, anything else 0 — its range over the education levels is [0, 30]. Tier `gold` at 50.
BASE = f"""
[factors.rental]
{lab("rental")}
fact = "rental_months"
rule = "rate"
rate = 1
per = 1
{src("confirmed")}

[factors.edu]
{lab("edu")}
fact = "education"
rule = "levels"
match = "exact"
points = {{ bachelor_degree = 20, master = 30 }}
{{edu_status}}

[[tiers]]
id = "gold"
{lab("gold")}
min_score = 50
{{gold_status}}
"""


def toy(extra: str = "", edu: str = "provisional", gold: str = "confirmed",
        head: str = HEAD) -> Schedule:
    body = BASE.replace("{edu_status}", src(edu)).replace("{gold_status}", src(gold))
    return loads_schedule(head + body + extra)


def card(s: Schedule, purpose: str | None = None, **facts: Any) -> ScoreCard:
    return score({"age": 30, **facts}, s, purpose=purpose, on=ON)


# --- the card -----------------------------------------------------------------------------


def test_a_provisional_factor_that_can_flip_the_tier() -> None:
    # 40 + 20 = 60 unlocks gold; edu anywhere in [0, 30] gives a total in [40, 70]: 50 inside
    c = card(toy(), rental_months=40, education="bachelor_degree")
    assert c.total == 60 and c.tiers == ("gold",)
    assert c.rests_on_provisional is True
    assert c.outcome_sure is False
    assert c.flipped_by == (("edu", "edu中文", "edu"),)


def test_a_provisional_factor_that_cannot_flip_the_tier() -> None:
    # 60 + 20 = 80; edu in [0, 30] gives [60, 90], all above 50: gold whatever edu is
    c = card(toy(), rental_months=60, education="bachelor_degree")
    assert c.tiers == ("gold",)
    assert (c.rests_on_provisional, c.outcome_sure, c.flipped_by) == (True, True, ())
    # and below: 10 + 20 = 30, at most 10 + 30 = 40 < 50: never gold
    c = card(toy(), rental_months=10, education="bachelor_degree")
    assert c.tiers == ()
    assert (c.rests_on_provisional, c.outcome_sure) == (True, True)


def test_a_provisional_factor_that_can_lift_into_the_tier() -> None:
    # 25 + 20 = 45 misses gold; edu anywhere in [0, 30] gives [25, 55]: 50 inside (upwards)
    c = card(toy(), rental_months=25, education="bachelor_degree")
    assert c.total == 45 and c.tiers == ()
    assert (c.rests_on_provisional, c.outcome_sure) == (True, False)
    assert c.flipped_by == (("edu", "edu中文", "edu"),)
    scored = score_frame(pl.DataFrame([{"age": 30, "rental_months": 25,
                                        "education": "bachelor_degree"}]), toy(), on=ON).scored
    assert scored.select("provisional", "outcome_sure").row(0) == (True, False)


def test_a_provisional_line_scoring_nothing_is_not_rested_on() -> None:
    # no degree: edu scores 0 and stays 0, so 45 points are sure to miss gold
    c = card(toy(), rental_months=45, education="none")
    assert (c.rests_on_provisional, c.outcome_sure, c.flipped_by) == (False, True, ())


def test_everything_confirmed_is_sure() -> None:
    c = card(toy(edu="confirmed"), rental_months=40, education="bachelor_degree")
    assert (c.rests_on_provisional, c.outcome_sure, c.flipped_by) == (False, True, ())


def test_a_provisional_tier_may_or_may_not_be_reached() -> None:
    c = card(toy(edu="confirmed", gold="provisional"), rental_months=5, education="none")
    assert c.tiers == ()
    assert (c.rests_on_provisional, c.outcome_sure) == (True, False)
    assert [i for i, _, _ in c.flipped_by] == ["gold"]


GATES = f"""
[gates.young]
{lab("young")}
condition = {{ fact = "age", le = 45 }}
{{young_status}}

[gates.score_50]
{lab("score 50")}
condition = {{ score = "total", ge = 50 }}
{src("confirmed")}

[purposes.settle]
{lab("settle")}
gates = ["young", "score_50"]
{src("confirmed")}
"""


def test_a_provisional_gate_may_pass_or_fail() -> None:
    s = toy(GATES.replace("{young_status}", src("provisional")), edu="confirmed")
    c = card(s, "settle", age=30, rental_months=80, education="none")
    assert c.eligible is True
    assert (c.rests_on_provisional, c.outcome_sure) == (True, False)
    assert [i for i, _, _ in c.flipped_by] == ["young"]


def test_a_score_gate_reads_the_provisional_interval() -> None:
    s = toy(GATES.replace("{young_status}", src("confirmed")))
    # 35 + 20 = 55 passes score_50; edu in [0, 30] gives [35, 65]: eligibility could flip
    c = card(s, "settle", age=30, rental_months=35, education="bachelor_degree")
    assert c.eligible is True and c.outcome_sure is False
    assert [i for i, _, _ in c.flipped_by] == ["edu"]
    # the age gate fails for sure: eligibility is no whatever edu is, but gold could flip
    c = card(s, "settle", age=50, rental_months=35, education="bachelor_degree")
    assert c.eligible is False and c.outcome_sure is False


GROUP = f"""
[groups.extra]
{lab("extra")}
combine = "sum"
cap = 30
{src("provisional")}

[factors.a]
{lab("a")}
fact = "pension_months"
rule = "rate"
rate = 1
per = 1
group = "extra"
{src("confirmed")}

[factors.b]
{lab("b")}
fact = "medical_months"
rule = "rate"
rate = 1
per = 1
group = "extra"
{src("confirmed")}
"""


def test_a_provisional_group_spans_highest_capped_to_sum_uncapped() -> None:
    s = toy(GROUP, edu="confirmed")
    # a 20 + b 20 = 40, capped at 30; rental 25: total 55 (gold). The group's combination
    # unconfirmed: from its highest member under the cap (20) to the sum uncapped (40), so
    # the total is in [45, 65]: gold could flip
    c = card(s, rental_months=25, pension_months=20, medical_months=20, education="none")
    assert c.total == 55 and c.tiers == ("gold",)
    assert c.outcome_sure is False
    assert [i for i, _, _ in c.flipped_by] == ["extra"]
    # rental 31: [51, 71], gold for sure
    c = card(s, rental_months=31, pension_months=20, medical_months=20, education="none")
    assert (c.rests_on_provisional, c.outcome_sure) == (True, True)


DEDUCTION = f"""
[deductions.credit]
{lab("credit")}
fact = "credit_records_under_90d"
rule = "count"
each = -10
cap = 20
{src("provisional")}
"""


def test_a_provisional_deduction_spans_its_cap() -> None:
    s = toy(DEDUCTION, edu="confirmed")
    # 60 − 10 = 50: gold; the deduction anywhere in [−20, 0] gives [40, 60]
    c = card(s, rental_months=60, credit_records_under_90d=1, education="none")
    assert c.total == 50 and c.tiers == ("gold",)
    assert c.outcome_sure is False
    assert [i for i, _, _ in c.flipped_by] == ["credit"]
    # no record: the deduction scores 0 and is not varied
    c = card(s, rental_months=45, education="none")
    assert (c.rests_on_provisional, c.outcome_sure) == (False, True)


def test_together_when_no_entry_alone_can_flip() -> None:
    # edu [0, 30] and the deduction [−20, 0]: 40 + 20 − 10 = 50. Edu alone: [30, 60]
    # (could flip); deduction alone: [40, 60] (could flip). Both are named.
    s = toy(DEDUCTION)
    c = card(s, rental_months=40, education="bachelor_degree", credit_records_under_90d=1)
    assert [i for i, _, _ in c.flipped_by] == ["edu", "credit"]
    # 52 + 20 − 10 = 62. Edu alone: 52 + [0, 30] − 10 = [42, 72] (could flip); the
    # deduction alone: 72 + [−20, 0] = [52, 72] (sure). Only edu is named.
    c = card(s, rental_months=52, education="bachelor_degree", credit_records_under_90d=1)
    assert c.outcome_sure is False
    assert [i for i, _, _ in c.flipped_by] == ["edu"]
    # 66 + 20 − 10 = 76. Edu alone: [56, 86]; the deduction alone: [66, 86]: each alone
    # is sure, but both at their lowest give 66 + 0 − 20 = 46 < 50: both are named
    c = card(s, rental_months=66, education="bachelor_degree", credit_records_under_90d=1)
    assert c.outcome_sure is False
    assert [i for i, _, _ in c.flipped_by] == ["edu", "credit"]


# --- JSON and text ---------------------------------------------------------------------------


def test_json_round_trip_and_older_cards() -> None:
    c = card(toy(), rental_months=40, education="bachelor_degree")
    data = c.to_dict()
    assert data["rests_on_provisional"] is True
    assert data["outcome_sure"] is False
    assert data["flipped_by"] == [{"id": "edu", "label": {"zh": "edu中文", "en": "edu"}}]
    back = ScoreCard.from_dict(data)
    assert back == c
    assert back.flipped_by == c.flipped_by
    old = {k: v for k, v in data.items()
           if k not in ("rests_on_provisional", "outcome_sure", "flipped_by")}
    before = ScoreCard.from_dict(old)
    assert (before.rests_on_provisional, before.outcome_sure, before.flipped_by) == \
        (None, None, ())
    assert "Provisional values" not in before.explain()


def test_explain_says_it_in_both_languages() -> None:
    c = card(toy(), rental_months=40, education="bachelor_degree")
    assert "Provisional values: eligibility or tiers could change with them (edu (edu))" \
        in c.explain("en")
    assert "待核实数值：资格或层级可能因待核实数值而改变（edu中文）" in c.explain("zh")
    sure = card(toy(), rental_months=60, education="bachelor_degree")
    assert "Provisional values: used, but eligibility and tiers do not depend on them" \
        in sure.explain("en")
    assert "待核实数值：本结果用到待核实数值，但资格与层级不受其影响" in sure.explain("zh")
    none = card(toy(), rental_months=45, education="none")
    assert "Provisional" not in none.explain("en") and "待核实数值" not in none.explain("zh")


# --- the scored file -----------------------------------------------------------------------


def test_scored_file_columns_match_the_cards() -> None:
    s = toy(GATES.replace("{young_status}", src("confirmed")) + DEDUCTION)
    rows = [
        {"age": 30, "rental_months": 40, "education": "bachelor_degree"},  # [40, 70]: flips
        {"age": 30, "rental_months": 60, "education": "bachelor_degree"},  # [60, 90]: sure
        {"age": 30, "rental_months": 45, "education": "none"},  # nothing provisional
        {"age": 30, "rental_months": 60, "education": "none",
         "credit_records_under_90d": 1},  # 50, deduction [−20, 0]: flips
    ]
    frame = pl.DataFrame(rows)
    scored = score_frame(frame, s, purpose="settle", on=ON).scored
    assert scored["provisional"].to_list() == [True, True, False, True]
    assert scored["outcome_sure"].to_list() == [False, True, True, False]
    for i, r in enumerate(rows):
        c = card(s, "settle", **r)
        assert (c.rests_on_provisional, c.outcome_sure) == \
            (scored["provisional"][i], scored["outcome_sure"][i])


# --- the ranking ---------------------------------------------------------------------------

RANKING = f"""
[ranking]
key = "total"
quota = {{quota}}
{src("confirmed")}
"""


@pytest.mark.parametrize(("quota", "sure", "per_row"), [
    # A 80 (no provisional line), B 60 in [40, 70], C 55 in [25, 55]
    (1, True, [True, True, True]),  # only A can reach 80
    (2, False, [True, False, False]),  # B could fall below C (40 < 55), C could pass B
    (3, True, [True, True, True]),  # everyone is admitted whatever the values
])
def test_rank_says_whether_each_admission_is_sure(quota: int, sure: bool,
                                                  per_row: list[bool]) -> None:
    s = toy(RANKING.replace("{quota}", str(quota)))
    frame = pl.DataFrame([
        {"applicant_id": "A", "age": 30, "rental_months": 80, "education": "none"},
        {"applicant_id": "B", "age": 30, "rental_months": 40, "education": "bachelor_degree"},
        {"applicant_id": "C", "age": 30, "rental_months": 25, "education": "master"},
    ])
    scored = score_frame(frame, s, on=ON).scored
    assert scored["rank_key_low"].to_list() == [8000, 4000, 2500]
    assert scored["rank_key_high"].to_list() == [8000, 7000, 5500]
    r = rank(scored, s)
    assert r.ranked["applicant_id"].to_list() == ["A", "B", "C"]
    assert r.sure is sure
    assert r.ranked["rank_sure"].to_list() == per_row


def test_rank_of_a_table_without_the_columns_says_nothing() -> None:
    s = toy(RANKING.replace("{quota}", "1"))
    scored = score_frame(pl.DataFrame([{"age": 30, "rental_months": 80}]), s, on=ON).scored
    r = rank(scored.drop("rank_key_low"), s)
    assert r.sure is None and "rank_sure" not in r.ranked.columns


# --- points check: status inconsistencies ----------------------------------------------------


def kinds(s: Schedule) -> list[tuple[str, str]]:
    return [(f.severity, f.path) for f in analysis.analyse(s).of_kind("status_inconsistent")]


def test_a_gate_and_a_tier_on_the_same_score_with_different_statuses() -> None:
    gate = f"""
[gates.score_50]
{lab("score 50")}
condition = {{ score = "total", ge = 50 }}
{src("provisional")}
"""
    s = toy(gate, edu="confirmed")
    found = analysis.analyse(s).of_kind("status_inconsistent")
    assert [(f.severity, f.path) for f in found] == [("warning", "gates.score_50")]
    assert "tiers.gold.min_score" in found[0].message
    assert kinds(toy(gate.replace("provisional", "confirmed"), edu="confirmed")) == []


def test_one_fact_threshold_in_two_gates_with_different_statuses() -> None:
    gates = f"""
[gates.young]
{lab("young")}
condition = {{ fact = "age", le = 45 }}
{src("confirmed")}

[gates.not_old]
{lab("not old")}
condition = {{ not = {{ fact = "age", gt = 45 }} }}
{src("provisional")}

[gates.other]
{lab("other")}
condition = {{ fact = "age", ge = 18 }}
{src("provisional")}
"""
    assert kinds(toy(gates, edu="confirmed")) == [("warning", "gates.not_old")]


def test_an_entry_the_same_as_in_the_schedule_it_extends_or_supersedes(tmp_path: Path) -> None:
    base = tmp_path / "base.toml"
    base.write_text(HEAD + BASE.replace("{edu_status}", src("provisional"))
                    .replace("{gold_status}", src("confirmed")), encoding="utf-8")
    same = f"""
[factors.edu]
{lab("edu")}
fact = "education"
rule = "levels"
match = "exact"
points = {{ bachelor_degree = 20, master = 30 }}
{src("confirmed")}
"""
    child = tmp_path / "child.toml"
    child.write_text(HEAD.replace('id = "toy/1"', 'id = "toy/2"').replace(
        'precision = "0.01"', 'precision = "0.01"\nextends = "base.toml"') + same,
        encoding="utf-8")
    assert kinds(load_schedule(child)) == [("warning", "factors.edu")]
    # a different value under the same id is a change, not an inconsistency
    changed = child.with_name("changed.toml")
    changed.write_text(child.read_text(encoding="utf-8").replace("master = 30", "master = 40"),
                       encoding="utf-8")
    assert kinds(load_schedule(changed)) == []
    # a schedule it supersedes: worth knowing (another document), not a warning
    later = tmp_path / "later.toml"
    later.write_text(HEAD.replace('id = "toy/1"', 'id = "toy/3"').replace(
        'precision = "0.01"', 'precision = "0.01"\nsupersedes = "base.toml"')
        + BASE.replace("{edu_status}", src("confirmed"))
        .replace("{gold_status}", src("confirmed")), encoding="utf-8")
    assert kinds(load_schedule(later)) == [("info", "factors.edu")]


@pytest.mark.parametrize("points_", [0, 10, 20, 30])
def test_a_sure_outcome_survives_any_correction_of_the_provisional_line(points_: int) -> None:
    # rental 60 + edu: sure. Confirm edu with any bachelor points in its range [0, 30]:
    # still gold, as the card promised
    assert card(toy(), rental_months=60, education="bachelor_degree").outcome_sure is True
    corrected = loads_schedule(
        HEAD + BASE.replace("bachelor_degree = 20", f"bachelor_degree = {points_}")
        .replace("{edu_status}", src("confirmed")).replace("{gold_status}", src("confirmed")))
    c = card(corrected, rental_months=60, education="bachelor_degree")
    assert c.tiers == ("gold",)
    # the unsure one (40 months, see above): some corrections take gold away (0 points)
    c = card(corrected, rental_months=40, education="bachelor_degree")
    assert c.tiers == (("gold",) if points_ >= 10 else ())


def test_two_tiers_at_one_score_are_not_compared() -> None:
    # a tier's status also covers its services: a provisional tier beside a confirmed one at
    # the same score is not an inconsistency
    extra = f"""
[[tiers]]
id = "gold_reported"
{lab("gold reported")}
min_score = 50
{src("provisional")}
"""
    assert kinds(toy(extra, edu="confirmed")) == []
