"""Ranking under a quota (`points.batch.rank`): keys, tie-breaks, the three final rules,
the cutoff and the number admitted, worked by hand on small lists."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pytest

import points
from points import InputError, ScheduleError
from points.batch import rank, sample_frame, score_frame

ON = date(2024, 6, 1)

HEAD = """
[schedule]
id = "test/1"
place = "test"
title = { zh = "测试", en = "Test" }
document = "none"
effective_from = 2020-01-01
precision = "1"

[groups.stay]
label = { zh = "居住", en = "stay" }
ref = "r"
status = "provisional"

[factors.permit]
label = { zh = "居住证", en = "permit" }
fact = "permit_months"
rule = "rate"
rate = 1
per = 12
group = "stay"
ref = "r"
status = "provisional"

[factors.degree]
label = { zh = "学历", en = "degree" }
fact = "education"
rule = "levels"
points = { bachelor = 1 }
ref = "r"
status = "provisional"

[gates.permit]
label = { zh = "持证", en = "holds a permit" }
condition = { fact = "has_permit", eq = true }
ref = "r"
status = "provisional"

[purposes.settlement]
label = { zh = "入户", en = "settlement" }
gates = ["permit"]
ref = "r"
status = "provisional"

[purposes.other]
label = { zh = "其他", en = "other" }
ref = "r"
status = "provisional"
"""


def schedule(ranking: str) -> points.Schedule:
    return points.loads_schedule(HEAD + "\n[ranking]\n" + ranking + '\nref = "r"\n'
                                 'status = "provisional"\n')


# Five applicants. Points = full years of permit (1 each) + 1 for a bachelor's course.
#   A: 60 months → 5                      medical 0
#   B: 48 months → 4                      medical 0
#   C: 48 months → 4                      medical 10
#   D: 36 months + bachelor → 3 + 1 = 4   medical 10
#   E: 72 months → 6 but no permit: fails the settlement gate, never ranked
PEOPLE = pl.DataFrame({
    "applicant_id": ["A", "B", "C", "D", "E"],
    "age": [30] * 5,
    "has_permit": [True, True, True, True, False],
    "permit_months": [60, 48, 48, 36, 72],
    "education": ["none", "none", "none", "bachelor", "none"],
    "medical_months": [0, 0, 10, 10, 0],
    "applied_at": [datetime(2024, 3, d) for d in (5, 1, 4, 2, 1)],
})
TIES = 'key = "total"\npurpose = "settlement"\ntie_breaks = [{ fact = "medical_months" }]\n'


def ranked(rule: str, people: pl.DataFrame = PEOPLE, **kw: int) -> points.batch.RankResult:
    s = schedule(rule)
    return rank(score_frame(people, s, purpose="settlement", on=ON).scored, s, **kw)


def ids(result: points.batch.RankResult, admitted_only: bool = False) -> list[str]:
    table = result.ranked.filter("admitted") if admitted_only else result.ranked
    return table["applicant_id"].to_list()


def test_all_admitted_admits_every_tie_at_the_cutoff() -> None:
    r = ranked(TIES + 'final = "all_admitted"\nquota = 2')
    # A (5) first; C and D tie on 4 points and 10 medical months; B (4, 0 months) after them
    assert ids(r) == ["A", "C", "D", "B"]
    assert r.ranked["rank"].to_list() == [1, 2, 2, 4]
    # quota 2: A and the tie at rank 2, both of them: three admitted, past the quota
    assert ids(r, admitted_only=True) == ["A", "C", "D"]
    assert (r.admitted, r.quota, r.cutoff) == (3, 2, Decimal(4))


def test_the_tie_break_direction() -> None:
    r = ranked('key = "total"\npurpose = "settlement"\n'
               'tie_breaks = [{ fact = "medical_months", order = "asc" }]\nquota = 2')
    # fewer medical months first now: B (0) ranks 2nd, C and D share 3rd, outside the quota
    assert ids(r) == ["A", "B", "C", "D"]
    assert r.ranked["rank"].to_list() == [1, 2, 3, 3]
    assert (r.admitted, r.cutoff) == (2, Decimal(4))


def test_a_group_or_factor_as_key_and_score_tie_break() -> None:
    r = ranked('key = "stay"\npurpose = "settlement"\n'
               'tie_breaks = [{ score = "degree" }]\nquota = 1')
    # by permit years only: A 5, then B and C 4, D 3 (its degree does not count here)
    assert ids(r) == ["A", "B", "C", "D"]
    assert r.ranked["rank"].to_list() == [1, 2, 2, 4]
    assert r.cutoff == Decimal(5)


def test_lottery_is_seeded_and_reproducible() -> None:
    rule = TIES + 'final = "lottery"\nseed = 7\nquota = 2'
    first = ranked(rule)
    # unique ranks: A first, then one of C and D drawn, the other third; B last
    assert first.ranked["rank"].to_list() == [1, 2, 3, 4]
    assert ids(first)[0] == "A" and ids(first)[3] == "B"
    assert set(ids(first)[1:3]) == {"C", "D"}
    assert first.admitted == 2 and first.cutoff == Decimal(4)
    for _ in range(3):
        assert ids(ranked(rule)) == ids(first)
    # the argument overrides the schedule's seed; over a few seeds both C and D win
    winners = {ids(ranked(rule, seed=s))[1] for s in range(20)}
    assert winners == {"C", "D"}


def test_lottery_without_a_quota_admits_everyone() -> None:
    r = ranked(TIES + 'final = "lottery"\nseed = 1')
    assert (r.admitted, r.quota, r.cutoff) == (4, None, Decimal(4))
    assert r.ranked["rank"].to_list() == [1, 2, 3, 4]


def test_a_lottery_schedule_needs_a_seed() -> None:
    with pytest.raises(points.ScheduleValidationError, match="a lottery needs a seed"):
        schedule(TIES + 'final = "lottery"')


def test_timestamp_ranks_the_earlier_application_first() -> None:
    r = ranked(TIES + 'final = "timestamp"\nquota = 2')
    # C applied on 4 March, D on 2 March: D first within the tie
    assert ids(r) == ["A", "D", "C", "B"]
    assert r.ranked["rank"].to_list() == [1, 2, 3, 4]
    assert ids(r, admitted_only=True) == ["A", "D"]
    assert r.cutoff == Decimal(4)


def test_same_timestamp_is_still_a_tie() -> None:
    same = PEOPLE.with_columns(applied_at=pl.lit(datetime(2024, 3, 1)))
    r = ranked(TIES + 'final = "timestamp"\nquota = 2', same)
    assert r.ranked["rank"].to_list() == [1, 2, 2, 4]
    assert r.admitted == 3


def test_timestamp_needs_applied_at() -> None:
    with pytest.raises(InputError, match="applied_at"):
        ranked(TIES + 'final = "timestamp"', PEOPLE.drop("applied_at"))
    missing = PEOPLE.with_columns(applied_at=pl.when(pl.col("applicant_id") == "C")
                                  .then(None).otherwise(pl.col("applied_at")))
    with pytest.raises(InputError, match=r"1 ranked applicant\(s\) have no applied_at"):
        ranked(TIES + 'final = "timestamp"', missing)


def test_quota_larger_than_the_pool() -> None:
    r = ranked(TIES + "quota = 10")
    assert r.admitted == 4  # E is not eligible
    assert r.cutoff == Decimal(4)  # the last admitted: B with 4
    assert r.ranked["admitted"].all()


def test_quota_zero_and_no_quota() -> None:
    r = ranked(TIES, quota=0)
    assert (r.admitted, r.cutoff) == (0, None)
    r = ranked(TIES)
    assert (r.admitted, r.quota) == (4, None)


def test_only_the_ranking_purpose_gates_decide_who_is_ranked() -> None:
    r = ranked(TIES)
    assert "E" not in ids(r)


def test_scored_for_another_purpose_is_refused() -> None:
    s = schedule(TIES)
    scored = score_frame(PEOPLE, s, purpose="other", on=ON).scored
    with pytest.raises(InputError, match="purpose 'settlement'"):
        rank(scored, s)


def test_a_schedule_without_ranking() -> None:
    s = points.loads_schedule(HEAD)
    with pytest.raises(ScheduleError, match="no \\[ranking\\]"):
        rank(score_frame(PEOPLE, s, on=ON).scored, s)


def test_guangzhou_cutoff_splits_the_list() -> None:
    result = score_frame(sample_frame(3000, seed=11), "guangzhou/2021", on=ON)
    r = rank(result.scored, "guangzhou/2021", quota=200)
    table = r.ranked
    # Guangzhou ranks qualified applicants by the base-indicator score alone (A22)
    inside = table.filter("admitted")["group.base"]
    outside = table.filter(~pl.col("admitted"))["group.base"]
    assert r.cutoff is not None
    cutoff_ticks = int(r.cutoff * 100)  # the scored points are hundredths of a point
    assert r.admitted == inside.len() >= 200  # ties at the cutoff are all admitted
    assert inside.min() == cutoff_ticks
    assert outside.max() is None or outside.max() <= cutoff_ticks  # type: ignore[operator]
    # the same ranking from the Decimal-points table
    again = rank(result.points(), "guangzhou/2021", quota=200)
    assert (again.cutoff, again.admitted) == (r.cutoff, r.admitted)
    # every ranked applicant passed the settlement gates; ranks never decrease
    assert table.select(pl.col("^gate\\..*$")).to_numpy().all()
    assert table["rank"].is_sorted()
