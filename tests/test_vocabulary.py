"""The fact vocabulary as declared data: the bundled file, the generated `Applicant`, the
declaration format's refusals, near-miss suggestions.

Run `python tests/test_vocabulary.py` after editing `src/points/_data/facts.toml` to
regenerate `src/points/_applicant.py`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError

import points
from points import Applicant, ApplicantError
from points._vocab import FactDecl, near_miss
from points.batch import score_frame
from points.facts import CHECKS, FACTS, LEVEL_ALIASES, VOCABULARY, applicant_source
from points.testing import consistent

GENERATED = Path(__file__).parents[1] / "src" / "points" / "_applicant.py"


def test_generated_applicant_is_current() -> None:
    assert GENERATED.read_text(encoding="utf-8") == applicant_source(), \
        "src/points/_applicant.py is stale: run `python tests/test_vocabulary.py`"


def test_applicant_fields_are_the_vocabulary() -> None:
    assert list(Applicant.model_fields) == ["applicant_id", *VOCABULARY]
    for name, info in FACTS.items():
        field = Applicant.model_fields[name]
        assert field.default == info.default, name
        extra = field.json_schema_extra
        assert isinstance(extra, dict) and extra["zh"] == info.zh and extra["en"] == info.en


def test_bounds_come_from_the_file() -> None:
    assert FACTS["permit_months"].maximum == 1200
    assert FACTS["income_tax_3y"].places == 2 and FACTS["income_tax_3y"].unit == "yuan"
    assert FACTS["insurance_base_ratio"].places == 4
    with pytest.raises(ApplicantError, match="permit_months"):
        Applicant.parse({"age": 30, "permit_months": 1201})
    with pytest.raises(ApplicantError, match="income_tax_3y"):
        Applicant.parse({"age": 30, "income_tax_3y": Decimal("1.001")})


def test_chinese_names_are_accepted() -> None:
    a = Applicant.parse({"age": 30, "education": "大专", "skill_grade": "技师", "employed": "是"})
    assert (a.education, a.skill_grade, a.employed) == ("associate", "level2", True)
    assert LEVEL_ALIASES["education"]["本科"] == "bachelor"


@pytest.mark.parametrize("given,suggested", [
    ("permit_years", "permit_months"), ("pension_month", "pension_months"),
    ("educaton", "education"), ("criminal_records", "criminal_record"),
])
def test_unknown_fields_get_a_near_miss(given: str, suggested: str) -> None:
    with pytest.raises(ApplicantError, match=f"{given}: unknown field; did you mean {suggested}"):
        Applicant.parse({"age": 30, given: 1})


def test_no_suggestion_when_nothing_is_close() -> None:
    assert near_miss("zzz_qqq", FACTS) == ""


_LABEL = {"zh": "某", "en": "something"}


@pytest.mark.parametrize("decl,message", [
    ({}, "give kind"),
    ({"kind": "count"}, "a count needs max"),
    ({"kind": "decimal", "max": 3}, "a decimal needs places and max"),
    ({"kind": "flag", "max": 3}, "a flag fact has no min or max"),
    ({"kind": "level"}, "a level fact needs levels"),
    ({"kind": "count", "max": 3, "levels": "education"}, "only a level fact has them"),
    ({"kind": "months", "places": 2}, "only a decimal fact has places"),
    ({"kind": "months", "min": 5, "max": 2}, "max 2 is below min 5"),
    ({"kind": "months", "max": "2.5"}, "whole numbers"),
    ({"kind": "count", "max": "1e400"}, "less than"),
    ({"kind": "flag", "optional": True, "required": True}, "optional or required"),
    ({"expr": "a + b", "kind": "count", "max": 3}, "takes no max"),
    ({"kind": "level", "levels": []}, "1 to 64 values"),
    ({"kind": "level", "levels": [{"id": f"v{i}", "zh": "x", "en": "x"} for i in range(65)]},
     "1 to 64 values"),
    ({"kind": "flag", "colour": "red"}, "Extra inputs"),
])
def test_declarations_are_checked(decl: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FactDecl.model_validate({"label": _LABEL, **decl})



# --- consistency checks ------------------------------------------------------------------

CONTRADICTIONS: list[tuple[dict[str, Any], str]] = [
    ({"criminal_records_5y": 1, "criminal_record": False}, "criminal_record"),
    ({"serious_criminal_record": True, "criminal_record": False}, "criminal_record"),
    ({"detention_records_5y": 2, "public_security_penalties_5y": 1}, "detention_records_5y"),
    ({"owned_home_months": 12, "housing": "none"}, "owned_home_months"),
    ({"rental_months": 5, "housing": "none"}, "rental_months"),
]


@pytest.mark.parametrize("facts,field", CONTRADICTIONS)
def test_contradictions_are_refused_per_record_and_in_batches(
        facts: dict[str, Any], field: str) -> None:
    with pytest.raises(ApplicantError, match=f"{field}: "):
        Applicant.parse({"age": 30, **facts})
    frame = pl.DataFrame([{"age": 30, **facts}, {"age": 31}])
    result = score_frame(frame, "guangzhou/2021", on=date(2024, 6, 1))
    assert result.scored["row"].to_list() == [2]
    assert (1, field) in {(r["row"], r["field"]) for r in result.rejects.to_dicts()}
    assert consistent(facts) != facts
    Applicant.parse({"age": 30, **consistent(facts)})  # the fix mends it


@pytest.mark.parametrize("facts", [
    {"criminal_records_5y": 0, "criminal_record": True},  # a record older than 5 years
    {"owned_home_months": 24, "housing": "rental"},  # an owner living in a rental
    {"detention_records_5y": 1, "public_security_penalties_5y": 3},
    {"rental_months": 5},  # housing not given: nothing contradicts
])
def test_facts_that_agree_are_accepted(facts: dict[str, Any]) -> None:
    Applicant.parse({"age": 30, **facts})


def test_a_check_asking_for_a_fact_applies_where_a_schedule_reads_it() -> None:
    # Guangzhou's veto reads the count of criminal penalties in 5 years: a criminal record
    # alone does not say whether it is recent; Shenzhen reads criminal_record itself
    with pytest.raises(ApplicantError, match="criminal_records_5y: with a criminal record"):
        points.score({"age": 30, "criminal_record": True}, "guangzhou/2021", on="2024-06-01")
    card = points.score({"age": 30, "sex": "male", "criminal_record": True}, "shenzhen/2020",
                        on="2024-06-01")
    assert card.points("crime") < 0
    frame = pl.DataFrame({"age": [30], "criminal_record": [True]})
    rejects = score_frame(frame, "guangzhou/2021", on=date(2024, 6, 1)).rejects
    assert rejects["field"].to_list() == ["criminal_records_5y"]
    # a detention where Guangzhou reads public-security penalties must be counted there
    with pytest.raises(ApplicantError, match="public_security_penalties_5y: with detentions"):
        points.score({"age": 30, "detention_records_5y": 1}, "guangzhou/2021", on="2024-06-01")


def test_checks_are_documented() -> None:
    assert {c.id for c in CHECKS} == {
        "recent_criminal_is_criminal", "criminal_needs_recent_count",
        "serious_criminal_is_criminal", "detentions_are_penalties",
        "detentions_need_penalties", "owned_months_need_a_home", "rental_months_need_housing"}

if __name__ == "__main__":
    GENERATED.write_text(applicant_source(), encoding="utf-8")
    print(f"wrote {GENERATED}")
