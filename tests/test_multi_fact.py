"""One rule over several facts (`facts = [...]`, summed or the highest): the same in both
engines, explained fact by fact, searched exactly, and refused when ill-formed."""

from __future__ import annotations

import copy
import json
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import points
from points import ScheduleError, analysis
from points.batch import score_frame

HEAD = """\
[schedule]
id = "example/multi"
place = "example"
title = { zh = "示例", en = "Example" }
document = "示例〔2026〕1号"
effective_from = 2026-01-01
"""

FACTS = "".join(f"""
[facts.{name}]
label = {{ zh = "{zh}", en = "{name}" }}
kind = "count"
max = 12
""" for name, zh in (("listening", "听"), ("reading", "读"), ("writing", "写")))

RULES = """
[factors.language]
label = { zh = "语言", en = "Language" }
rule = "bands"
facts = ["listening", "reading", "writing"]
bands = [{ min = 7, below = 9, points = 4 }, { min = 9, points = 6 }]
ref = "t"
status = "confirmed"

[factors.best]
label = { zh = "最好", en = "Best" }
rule = "rate"
facts = ["listening", "reading"]
combine = "highest"
per = 1
rate = 1
cap = 10
ref = "t"
status = "confirmed"

[deductions.gaps]
label = { zh = "欠缺", en = "Gaps" }
rule = "flag"
facts = ["court_defaulter", "family_planning_violation"]
points = -3
ref = "t"
status = "confirmed"
"""

ON = "2026-06-01"


def _load(tmp_path: Path, text: str) -> points.Schedule:
    path = tmp_path / "s.toml"
    path.write_text(HEAD + text, encoding="utf-8")
    return points.load_schedule(path)


# by hand: language = the band points of each of the three, added; best = min(the higher of
# listening and reading, 10); gaps = -3 for each of the two flags
CASES: list[tuple[dict[str, Any], str]] = [
    ({"listening": 7, "reading": 9, "writing": 12}, "25"),  # 4 + 6 + 6 + max(7, 9)
    ({"listening": 12, "reading": 3, "writing": 8}, "20"),  # 6 + 0 + 4 + min(12, 10)
    ({"listening": 6, "reading": 6, "writing": 6}, "6"),  # no band + 6
    ({"listening": 9, "reading": 9, "writing": 9, "court_defaulter": True,
      "family_planning_violation": True}, "21"),  # 18 + 9 - 6
    ({"court_defaulter": True}, "-3"),
]


@pytest.mark.parametrize("facts,total", CASES)
def test_several_facts_score_alike_per_record_and_in_batches(
        tmp_path: Path, facts: dict[str, Any], total: str) -> None:
    s = _load(tmp_path, FACTS + RULES)
    row = {"age": 30, **facts}
    assert points.score(row, s, on=ON).total == Decimal(total)
    assert score_frame(pl.DataFrame([row]), s, on=ON).points()["total"].to_list() == \
        [Decimal(total)]


def test_explained_fact_by_fact(tmp_path: Path) -> None:
    card = points.score({"age": 30, **CASES[0][0]}, _load(tmp_path, FACTS + RULES), on=ON)
    line = next(ln for ln in card.lines if ln.id == "language")
    assert line.value == {"listening": 7, "reading": 9, "writing": 12}
    assert line.value_en == "listening 7, reading 9, writing 12"
    assert line.rule_en.endswith("for each of listening, reading, writing (added up)")
    best = next(ln for ln in card.lines if ln.id == "best")
    assert "(the highest counts)" in best.rule_en and "取最高" in best.rule_zh


def test_cards_with_the_same_values_share_a_read_only_line(tmp_path: Path) -> None:
    # a line is a value: two cards whose facts give the same values, points and cap hit
    # share it, so its value may not be changed through one card
    s = _load(tmp_path, FACTS + RULES)
    first, second, other = (points.score({"age": age, **facts}, s, on=ON)
                            for age, facts in ((30, CASES[0][0]), (41, CASES[0][0]),
                                               (30, CASES[1][0])))
    line = next(ln for ln in first.lines if ln.id == "language")
    assert next(ln for ln in second.lines if ln.id == "language") is line
    other_line = next(ln for ln in other.lines if ln.id == "language")
    assert other_line.value == {"listening": 12, "reading": 3, "writing": 8}
    assert other_line.points == Decimal(10)
    with pytest.raises(TypeError, match="read-only"):
        line.value["listening"] = 12
    with pytest.raises(TypeError, match="read-only"):
        line.value.update(listening=12)
    assert line.value == {"listening": 7, "reading": 9, "writing": 12}
    # it pickles, copies and serialises as the plain dict it equals
    again = pickle.loads(pickle.dumps(first))
    assert next(ln for ln in again.lines if ln.id == "language") == line
    assert copy.deepcopy(line.value) == line.value
    assert json.loads(json.dumps(line.value)) == {"listening": 7, "reading": 9, "writing": 12}
    assert json.loads(json.dumps(first.to_dict()))["lines"][0]["value"] == line.value


def test_points_check_is_exact(tmp_path: Path) -> None:
    b = analysis.bounds(_load(tmp_path, FACTS + RULES))
    assert (b.minimum, b.maximum, b.exact) == (Decimal("-6.00"), Decimal("28.00"), True)


@pytest.mark.parametrize("old,new,message", [
    ('facts = ["listening", "reading", "writing"]',
     'fact = "listening"\nfacts = ["listening", "reading"]', "give fact or facts, not both"),
    ('facts = ["listening", "reading"]\ncombine = "highest"',
     'fact = "listening"\ncombine = "highest"', "combine goes with facts"),
    ('facts = ["listening", "reading", "writing"]', 'facts = ["listening", "education"]',
     "not a level fact"),
    ('facts = ["listening", "reading", "writing"]', 'facts = ["listening", "listening"]',
     "is listed twice"),
    ('facts = ["listening", "reading", "writing"]', 'facts = ["listening"]',
     "at least 2 items"),
    ('facts = ["listening", "reading", "writing"]', 'facts = ["listening", "permit_monthz"]',
     "unknown fact"),
])
def test_ill_formed_rules_over_several_facts_are_refused(
        tmp_path: Path, old: str, new: str, message: str) -> None:
    text = FACTS + RULES
    assert old in text
    with pytest.raises(ScheduleError, match=message):
        _load(tmp_path, text.replace(old, new, 1))
