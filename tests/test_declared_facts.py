"""A schedule's own facts (`[facts.NAME]`) and `required_facts`: validated per record and in
batches alike, explained with their labels, refused when they clash with the standard ones."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import points
from points import Applicant, ApplicantError, InputError, ScheduleError
from points.batch import score_frame
from points.cli import app

HEAD = """\
[schedule]
id = "example/own"
place = "example"
title = { zh = "示例", en = "Example" }
document = "示例〔2026〕1号"
effective_from = 2026-01-01
required_facts = ["sex"]
"""

FACTS = """
[facts.language_listening]
label = { zh = "听力等级", en = "listening level" }
kind = "level"
levels = [
  { id = "none", zh = "无", en = "none" },
  { id = "clb7", zh = "七级", en = "CLB 7", aliases = ["7级"] },
  { id = "clb9", zh = "九级", en = "CLB 9" },
]

[facts.job_offers]
label = { zh = "工作邀请数", en = "job offers" }
kind = "count"
max = 10
required = true

[facts.savings]
label = { zh = "存款", en = "savings" }
kind = "money"
max = 1000000
"""

RULES = """
[factors.listening]
label = { zh = "听力", en = "Listening" }
rule = "levels"
fact = "language_listening"
points = { clb7 = 6, clb9 = 8 }
ref = "test"
status = "confirmed"

[factors.offers]
label = { zh = "工作邀请", en = "Offers" }
rule = "rate"
fact = "job_offers"
per = 1
rate = 5
cap = 10
ref = "test"
status = "confirmed"

[factors.savings]
label = { zh = "存款", en = "Savings" }
rule = "rate"
fact = "savings"
per = 10000
rate = 1
cap = 20
ref = "test"
status = "confirmed"

[factors.male]
label = { zh = "男性", en = "Male" }
rule = "levels"
fact = "sex"
points = { male = 1 }
ref = "test"
status = "confirmed"
"""

ON = "2026-06-01"


@pytest.fixture
def own(tmp_path: Path) -> points.Schedule:
    path = tmp_path / "own.toml"
    path.write_text(HEAD + FACTS + RULES, encoding="utf-8")
    return points.load_schedule(path)


def _load(tmp_path: Path, text: str) -> points.Schedule:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return points.load_schedule(path)


# hand-computed: listening clb7 6 + offers min(3×5, 10) 10 + savings ⌊25,000/10,000⌋ 2 + male 1
CASES: list[tuple[dict[str, Any], str]] = [
    ({"age": 30, "sex": "male", "language_listening": "clb7", "job_offers": 3,
      "savings": "25000"}, "19"),
    ({"age": 30, "sex": "female", "language_listening": "九级", "job_offers": 1}, "13"),
    ({"age": 30, "sex": "女", "job_offers": 0, "savings": "9999.99"}, "0"),
    ({"age": 30, "sex": "male", "language_listening": "7级", "job_offers": 2,
      "savings": "1000000"}, "37"),
]


@pytest.mark.parametrize("facts,total", CASES)
def test_own_facts_score_per_record_and_in_batches_alike(
        own: points.Schedule, facts: dict[str, Any], total: str) -> None:
    card = points.score(facts, own, on=ON)
    assert card.total == Decimal(total)
    frame = pl.DataFrame([{k: str(v) for k, v in facts.items()}])
    result = score_frame(frame, own, on=ON)
    assert result.rejects.is_empty()
    assert result.points()["total"].to_list() == [Decimal(total)]


def test_own_levels_are_explained_with_their_labels(own: points.Schedule) -> None:
    card = points.score(CASES[0][0], own, on=ON)
    assert "七级；九级 8、七级 6" in card.explain("zh")
    assert "[CLB 7; CLB 9 8; CLB 7 6" in card.explain("en")
    assert "25000 yuan" in card.explain("en") or "25,000" in card.explain("en")


def test_the_model_of_a_schedule(own: points.Schedule) -> None:
    model = own.applicant_model()
    assert model is own.applicant_model()  # built once
    assert {"language_listening", "job_offers", "savings"} <= set(model.model_fields)
    plain = points.loads_schedule(HEAD.replace('required_facts = ["sex"]\n', "") + RULES.split(
        "[factors.listening]")[0] + "[factors.male]" + RULES.split("[factors.male]")[1])
    assert plain.applicant_model() is Applicant  # nothing of its own, nothing asked
    # Guangzhou reads the count of criminal penalties in 5 years: its model asks for it
    # from an applicant with a criminal record
    gz = points.load_schedule("guangzhou/2021").applicant_model()
    with pytest.raises(ApplicantError, match="criminal_records_5y: with a criminal record"):
        gz.parse({"age": 30, "criminal_record": True})
    assert Applicant.parse({"age": 30, "criminal_record": True}).criminal_record
    with pytest.raises(ApplicantError, match="job_offers: is required by the schedule"):
        model.parse({"age": 30, "sex": "male"})
    with pytest.raises(ApplicantError, match="sex: is required by the schedule"):
        points.score({"age": 30, "job_offers": 1}, own, on=ON)
    with pytest.raises(ApplicantError, match="language_listening: Input should be 'none', "
                                             "'clb7' or 'clb9'"):
        points.score({"age": 30, "sex": "male", "job_offers": 1,
                      "language_listening": "clb8"}, own, on=ON)
    with pytest.raises(ApplicantError, match="job_offer: unknown field; did you mean "
                                             "job_offers"):
        points.score({"age": 30, "sex": "male", "job_offer": 1}, own, on=ON)


def test_a_standard_applicant_is_checked_against_the_schedule(own: points.Schedule) -> None:
    with pytest.raises(ApplicantError, match="job_offers: is required"):
        points.score(Applicant(age=30, sex="male"), own, on=ON)
    bounded = Applicant(age=30)
    assert points.score(bounded, "guangzhou/2021", on=ON).total >= 0


def test_batch_rejects_rows_without_required_facts(own: points.Schedule) -> None:
    frame = pl.DataFrame({"age": [30, 31, 32], "sex": ["male", None, "female"],
                          "job_offers": [1, 2, None], "language_listening": ["clb9", "x", None]})
    result = score_frame(frame, own, on=ON)
    assert result.scored["row"].to_list() == [1]
    rejects = {(r["row"], r["field"]): r["reason"] for r in result.rejects.to_dicts()}
    assert rejects[(2, "sex")] == "is required by the schedule"
    assert rejects[(3, "job_offers")] == "is required by the schedule"
    assert "is not a level" in rejects[(2, "language_listening")]
    with pytest.raises(InputError, match="needs a column for job_offers"):
        score_frame(pl.DataFrame({"age": [30], "sex": ["male"]}), own, on=ON)


@pytest.mark.parametrize("text,where,message", [
    ("[facts.permit_months]\nlabel = { zh = \"x\", en = \"x\" }\nkind = \"months\"\n",
     "facts.permit_months", "is a standard fact: a schedule may not redefine it"),
    ("[facts.level_x]\nlabel = { zh = \"x\", en = \"x\" }\nkind = \"level\"\n"
     "levels = \"educaton\"\n", "facts.level_x.levels", "did you mean education?"),
    ("[facts.n]\nlabel = { zh = \"x\", en = \"x\" }\nkind = \"count\"\n",
     "facts.n", "a count needs max"),
    ("[facts.Bad]\nlabel = { zh = \"x\", en = \"x\" }\nkind = \"flag\"\n",
     "facts.Bad", "an id is lower-case letters"),
])
def test_bad_declarations_name_file_line_and_key(tmp_path: Path, text: str, where: str,
                                                 message: str) -> None:
    with pytest.raises(ScheduleError) as info:
        _load(tmp_path, HEAD + "\n" + text)
    shown = str(info.value)
    assert f"{where}" in shown and message in shown
    assert f"{tmp_path / 's.toml'}:" in shown


def test_required_facts_must_be_standard(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match=r"required_facts\[0\]: is not a standard fact; "
                                            "did you mean permit_months"):
        _load(tmp_path, HEAD.replace('["sex"]', '["permit_month"]'))
    with pytest.raises(ScheduleError, match="is listed twice"):
        _load(tmp_path, HEAD.replace('["sex"]', '["sex", "sex"]'))


def test_a_rule_on_an_undeclared_fact_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match=r"factors\.listening\.fact"):
        _load(tmp_path, HEAD + RULES)


def test_applicant_schema_of_a_schedule(own: points.Schedule) -> None:
    result = CliRunner().invoke(app, ["schema", "--applicant", own.source])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["properties"]["language_listening"]["enum"] == ["none", "clb7", "clb9"]
    assert set(data["required"]) == {"sex", "job_offers"}
    standard = json.loads(CliRunner().invoke(app, ["schema", "--applicant", "standard"]).output)
    assert "language_listening" not in standard["properties"]
    bad = CliRunner().invoke(app, ["schema", "--applicant", "nowhere/2020"])
    assert bad.exit_code == 1 and "nowhere/2020" in bad.output


NEGATIVE = """
[facts.x]
label = { zh = "x", en = "x" }
kind = "decimal"
places = 0
min = -3000000000
max = 5

[factors.rate]
label = { zh = "r", en = "r" }
rule = "rate"
fact = "x"
rate = 2
whole = false
ref = "t"
status = "confirmed"

[gates.deep]
label = { zh = "g", en = "g" }
condition = { fact = "x", lt = -2500000000 }
ref = "t"
status = "confirmed"
"""


@pytest.mark.parametrize("x,total,deep", [(-1, "0", False), (-2900000000, "0", True),
                                          (3, "6", False)])
def test_an_own_fact_below_zero_scores_alike_in_batches(
        tmp_path: Path, x: int, total: str, deep: bool) -> None:
    # found by tests/test_properties_constructs.py: the column engine took every number fact
    # to be >= 0 and bounded by its maximum (a rate went negative; -2.9e9 overflowed Int32)
    s = _load(tmp_path, HEAD.replace('required_facts = ["sex"]\n', "") + NEGATIVE)
    card = points.score({"age": 30, "x": x}, s, on=ON)
    assert (card.total, card.gates[0].passed) == (Decimal(total), deep)
    row = score_frame(pl.DataFrame({"age": [30], "x": [x]}), s, on=ON).points().row(
        0, named=True)
    assert (row["total"], row["gate.deep"]) == (Decimal(total), deep)


@pytest.mark.parametrize("rule", ['rule = "count"\neach = 2', 'rule = "count"\neach = 2\ncap = 5',
                                  'rule = "rate"\nrate = 2', 'rule = "rate"\nrate = 2\nper = 2'])
@pytest.mark.parametrize("n,total", [(-3, "0"), (-1, "0"), (0, "0"), (2, None)])
def test_a_count_below_zero_scores_nothing_in_both_engines(
        tmp_path: Path, rule: str, n: int, total: str | None) -> None:
    # found by tests/test_properties_constructs.py: per record, `count` and the whole-number
    # `rate` took an integer fact to be >= 0 and scored a negative count below 0
    s = _load(tmp_path, HEAD.replace('required_facts = ["sex"]\n', "") + f"""
[facts.n]
label = {{ zh = "n", en = "n" }}
kind = "count"
min = -5
max = 5

[factors.x]
label = {{ zh = "x", en = "x" }}
fact = "n"
{rule}
ref = "t"
status = "confirmed"
""")
    expected = Decimal(total) if total is not None else Decimal(2 if "per = 2" in rule else 4)
    assert points.score({"age": 30, "n": n}, s, on=ON).total == expected
    table = pl.DataFrame({"age": [30], "n": [n]})
    assert score_frame(table, s, on=ON).points()["total"].to_list() == [expected]
