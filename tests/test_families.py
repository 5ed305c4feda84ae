"""Factor families: what each one expands to, that scoring through a family equals scoring
the rule kinds written by hand, that each policy table of shared/domain.md can be written
with families (golden totals computed by hand), and that bad parameters are reported at the
family's table with file, line, key path and value.
"""

from __future__ import annotations

import pydoc
import re
import sys
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import points
from points import FACTS, ScheduleValidationError
from points.batch import sample_applicants
from points.families import (
    FAMILIES,
    EmploymentFact,
    ResidenceFact,
    expand_families,
    schedule_json_schema,
    to_toml,
)
from points.schedule._locate import key_lines
from points.testing import consistent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ON = date(2024, 6, 1)
PLAIN = pydoc.plaintext  # type: ignore[attr-defined]  # what help() prints, without bold
HEAD = """\
[schedule]
id = "test/1"
place = "test"
title = { zh = "测试", en = "Test" }
document = "test"
effective_from = 2024-01-01
floor = 0
default_purpose = "settlement"

[purposes.settlement]
label = { zh = "入户", en = "Settlement" }
ref = "t"
status = "confirmed"

[purposes.school]
label = { zh = "入学", en = "School" }
ref = "t"
status = "confirmed"
"""
_TABLE = re.compile(r"^\[(factors|groups|deductions)\.(\w+)\]$", re.M)


def sourced(body: str) -> str:
    """`body` with `ref`/`status` added to every table lacking them, and labels."""
    out = []
    for block in re.split(r"(?m)^(?=\[)", body):
        m = _TABLE.match(block)
        if m:
            head, _, rest = block.partition("\n")
            extra = [k for k in ('ref = "t"', 'status = "confirmed"')
                     if not re.search(rf"(?m)^{k.split()[0]} =", rest)]
            if not re.search(r"(?m)^label =", rest) and "family = " not in rest:
                extra.append('label = { zh = "组", en = "Group" }')
            block = "\n".join([head, *extra, rest])
        out.append(block)
    return "".join(out)


def schedule(body: str, source: str = "<test>") -> points.Schedule:
    return points.loads_schedule(HEAD + "\n" + sourced(body), source=source)


def expand(fragment: str) -> dict[str, Any]:
    """What the single family table in `fragment` expands to, without labels and sources."""
    raw = tomllib.loads(sourced(fragment), parse_float=Decimal)
    ((_, table),) = raw.items()
    ((fid, entry),) = table.items()
    tables = FAMILIES[entry["family"]].model_validate(entry).expand(fid)
    return {sec: {k: {a: b for a, b in v.items() if a not in ("label", "ref", "status", "note")}
                  for k, v in t.items()} for sec, t in tables.items()}


def total(s: points.Schedule, facts: dict[str, Any], purpose: str | None = None) -> Decimal:
    return points.score({"age": 30, **facts}, s, purpose=purpose, on=ON).total


# --- the registry, the facts, help() -------------------------------------------------------


def test_the_twelve_families() -> None:
    assert set(FAMILIES) == {
        "residence_years", "employment", "housing", "education", "social_insurance", "tax",
        "skills", "volunteering", "age", "awards", "innovation", "penalties"}


@pytest.mark.parametrize("cls", FAMILIES.values(), ids=list(FAMILIES))
def test_help_shows_every_parameter_and_an_example(cls: type[Any]) -> None:
    text = pydoc.render_doc(cls, renderer=PLAIN)
    for name, field in cls.model_fields.items():
        if name not in ("family", "label", "ref", "status", "note") and \
                not (name == "group" and cls.SECTION == "deductions"):
            assert f"{field.alias or name}: " in text, name
            assert field.description and field.description in text, name
    name = cls.model_fields["family"].annotation.__args__[0]
    assert "Example::" in text and f'family = "{name}"' in text


def test_help_of_housing_names_its_parameters() -> None:
    text = pydoc.render_doc(points.families.Housing, renderer=PLAIN)
    assert "owned_years: Rate, optional" in text
    assert 'combine: "sum" | "highest", default "highest"' in text


@pytest.mark.parametrize("names,unit", [(ResidenceFact, "month"), (EmploymentFact, "month")])
def test_family_facts_are_month_facts(names: Any, unit: str) -> None:
    for name in names.__args__:
        assert FACTS[name].unit == unit, name


# --- what each family expands to -----------------------------------------------------------


def test_residence_years_is_one_rate_factor() -> None:
    assert expand("""
[factors.outer]
family = "residence_years"
fact = "outer_district_work_and_home_months"
rate = 2
cap = 20
min_units = 5
when = "employed"
group = "bonus"
""") == {"factors": {"outer": {
        "fact": "outer_district_work_and_home_months", "rule": "rate", "rate": 2, "per": 12,
        "cap": 20, "min_units": 5, "when": "employed", "group": "bonus"}}}


def test_employment_with_flat_is_flat_plus_rate() -> None:
    assert expand("""
[factors.hardship]
family = "employment"
fact = "hardship_industry_months"
when = "hardship_industry"
flat = 10
rate = 5
cap = 20
""") == {"factors": {"hardship": {
        "fact": "hardship_industry_months", "rule": "flat_plus_rate", "flat": 10, "rate": 5,
        "per": 12, "cap": 20, "when": "hardship_industry"}}}


def test_housing_owned_or_rented_is_a_highest_group() -> None:
    assert expand("""
[factors.housing]
family = "housing"
owned = 20
rental = { rate = 5, cap = 20 }
group = "base"
""") == {
        "groups": {"housing": {"combine": "highest", "group": "base"}},
        "factors": {
            "housing_owned": {"fact": "housing", "rule": "levels", "match": "exact",
                              "points": {"owned": 20}, "group": "housing"},
            "housing_rental": {"fact": "rental_months", "rule": "rate", "rate": 5, "per": 12,
                               "cap": 20, "group": "housing"}}}


def test_housing_ownership_parts_add_up_before_the_choice() -> None:
    # Guangzhou 2018: owned 10, plus 5 in 从化/增城; rental 2 a year, cap 10
    assert expand("""
[factors.home]
family = "housing"
owned = 10
outer_district = 5
rental = { rate = 2, cap = 10 }
""") == {
        "groups": {"home": {"combine": "highest"},
                   "home_ownership": {"combine": "sum", "group": "home"}},
        "factors": {
            "home_owned": {"fact": "housing", "rule": "levels", "match": "exact",
                           "points": {"owned": 10}, "group": "home_ownership"},
            "home_outer_district": {"fact": "owned_home_outer_district", "rule": "flag",
                                    "points": 5, "group": "home_ownership"},
            "home_rental": {"fact": "rental_months", "rule": "rate", "rate": 2, "per": 12,
                            "cap": 10, "group": "home"}}}


def test_housing_by_period_sums_in_beijing_and_one_part_is_one_factor() -> None:
    assert expand("""
[factors.home]
family = "housing"
owned_years = { rate = 1 }
rental = { rate = 0.5 }
combine = "sum"
within = "pension_months"
""") == {
        "groups": {"home": {"combine": "sum", "within": "pension_months"}},
        "factors": {
            "home_owned_years": {"fact": "owned_home_months", "rule": "rate", "rate": 1,
                                 "per": 12, "group": "home"},
            "home_rental": {"fact": "rental_months", "rule": "rate", "rate": Decimal("0.5"),
                            "per": 12, "group": "home"}}}
    assert expand("""
[factors.rent]
family = "housing"
rental = { rate = 0.2, per = 1 }
""") == {"factors": {"rent": {"fact": "rental_months", "rule": "rate",
                              "rate": Decimal("0.2"), "per": 1}}}


def test_education_alone_and_with_flags() -> None:
    assert expand("""
[factors.edu]
family = "education"
points = { associate = 10.5, bachelor_degree = 15, master = 26, doctorate = 37 }
""") == {"factors": {"edu": {
        "fact": "education", "rule": "levels", "match": "at_least",
        "points": {"associate": Decimal("10.5"), "bachelor_degree": 15, "master": 26,
                   "doctorate": 37}}}}
    assert expand("""
[factors.edu]
family = "education"
points = { master = 100 }
match = "exact"
shortage_major = 30
recent_graduate = 10
""") == {
        "groups": {"edu": {"combine": "sum"}},
        "factors": {
            "edu_level": {"fact": "education", "rule": "levels", "match": "exact",
                          "points": {"master": 100}, "group": "edu"},
            "edu_shortage_major": {"fact": "shortage_major", "rule": "flag", "points": 30,
                                   "group": "edu"},
            "edu_recent_graduate": {"fact": "recent_graduate", "rule": "flag", "points": 10,
                                    "group": "edu"}}}


def test_skills_take_the_highest_and_flags_add_on_top() -> None:
    title = {"fact": "professional_title", "rule": "levels", "points": {"intermediate": 20}}
    grade = {"fact": "skill_grade", "rule": "levels", "points": {"level2": 20}}
    assert expand("""
[factors.skills]
family = "skills"
title = { intermediate = 20 }
grade = { level2 = 20 }
""") == {"groups": {"skills": {"combine": "highest"}},
         "factors": {"skills_title": {**title, "group": "skills"},
                     "skills_grade": {**grade, "group": "skills"}}}
    assert expand("""
[factors.skills]
family = "skills"
title = { intermediate = 20 }
grade = { level2 = 20 }
matching_trade = 5
shortage_occupation = 10
""") == {
        "groups": {"skills": {"combine": "sum"},
                   "skills_level": {"combine": "highest", "group": "skills"}},
        "factors": {
            "skills_title": {**title, "group": "skills_level"},
            "skills_grade": {**grade, "group": "skills_level"},
            "skills_matching_trade": {"fact": "works_in_qualified_trade", "rule": "flag",
                                      "points": 5, "group": "skills"},
            "skills_shortage_occupation": {"fact": "shortage_occupation", "rule": "flag",
                                           "points": 10, "group": "skills"}}}


def test_social_insurance_is_one_factor_per_type() -> None:
    assert expand("""
[factors.insurance]
family = "social_insurance"
rate = 0.3
per = 1
types = ["pension", "medical"]
cap = 100
""") == {
        "groups": {"insurance": {"combine": "sum", "cap": 100}},
        "factors": {
            f"insurance_{t}": {"fact": f"{t}_months", "rule": "rate", "rate": Decimal("0.3"),
                               "per": 1, "group": "insurance"}
            for t in ("pension", "medical")}}
    assert expand("""
[factors.insured]
family = "social_insurance"
rate = 3
types = ["pension"]
""") == {"factors": {"insured": {"fact": "pension_months", "rule": "rate", "rate": 3,
                                 "per": 12}}}


def test_social_insurance_base_ratio_is_bands() -> None:
    assert expand("""
[factors.base]
family = "social_insurance"
base_ratio = [{ min = 0.8, below = 1, points = 25 }, { min = 1, below = 2, points = 50 },
              { min = 2, points = 100 }]
""") == {"factors": {"base": {"fact": "insurance_base_ratio", "rule": "bands", "bands": [
        {"min": Decimal("0.8"), "below": 1, "points": 25},
        {"min": 1, "below": 2, "points": 50}, {"min": 2, "points": 100}]}}}


def test_tax_threshold_and_steps() -> None:
    assert expand("""
[factors.tax]
family = "tax"
income = { at_least = 300000, points = 6 }
business = { rate = 10, per = 300000 }
hires = { rate = 10, per = 10 }
cap = 100
""") == {
        "groups": {"tax": {"combine": "highest", "cap": 100}},
        "factors": {
            "tax_income": {"fact": "income_tax_3y", "rule": "bands",
                           "bands": [{"min": 300000, "points": 6}], "group": "tax"},
            "tax_business": {"fact": "business_tax_3y", "rule": "rate", "rate": 10,
                             "per": 300000, "group": "tax"},
            "tax_hires": {"fact": "local_hires_3y", "rule": "rate", "rate": 10, "per": 10,
                          "group": "tax"}}}


def test_volunteering_caps_each_year_and_the_total() -> None:
    year = {"rule": "rate", "rate": 2, "per": 50, "cap": 2}
    assert expand("""
[factors.vol]
family = "volunteering"
rate = 2
year_cap = 2
cap = 10
years = 3
""") == {
        "groups": {"vol": {"combine": "sum", "cap": 10}},
        "factors": {f"vol_year{i}": {"fact": f"volunteer_hours_year{i}", **year,
                                     "group": "vol"} for i in (1, 2, 3)}}
    assert expand("""
[factors.vol]
family = "volunteering"
rate = 2
year_cap = 2
cap = 10
years = 2
blood = { each = 2, cap = 10 }
""") == {
        "groups": {"vol": {"combine": "sum"},
                   "vol_hours": {"combine": "sum", "cap": 10, "group": "vol"}},
        "factors": {
            **{f"vol_year{i}": {"fact": f"volunteer_hours_year{i}", **year,
                                "group": "vol_hours"} for i in (1, 2)},
            "vol_blood": {"fact": "blood_donations_5y", "rule": "count", "each": 2, "cap": 10,
                          "window_years": 5, "group": "vol"}}}


def bands(fragment: str) -> list[dict[str, Any]]:
    (spec,) = expand("[factors.age]\nfamily = \"age\"\n" + fragment)["factors"].values()
    assert spec["fact"] == "age" and spec["rule"] == "bands"
    return list(spec["bands"])


def test_age_plateau_then_decline_to_zero() -> None:
    # Guangzhou 2021: 30 for 18–40, −2 a year after: 41 → 28 … 54 → 2, 55 → 0
    assert bands("points = 30\nuntil = 40\ndecline = 2") == [
        {"min": 18, "below": 41, "points": 30},
        {"min": 41, "below": 55, "points": 28, "slope": -2}]


def test_age_decline_with_first_floor_and_max_age() -> None:
    # Shanghai: 30 to 43; 44 → 29, −2 a year to 55 → 7; 56–60 → 5; over 60 nothing
    assert bands("points = 30\nuntil = 43\nfirst = 29\ndecline = 2\nfloor = 5\n"
                 "max_age = 60") == [
        {"min": 18, "below": 44, "points": 30},
        {"min": 44, "below": 56, "points": 29, "slope": -2},
        {"min": 56, "below": 61, "points": 5}]


def test_age_steps_and_plain_plateau() -> None:
    # Guangzhou 2018: 18–30 → 30; 31–40 → 20; 41–45 → 10
    assert bands("points = 30\nuntil = 30\nmax_age = 45\n"
                 "steps = [{ from = 31, points = 20 }, { from = 41, points = 10 }]") == [
        {"min": 18, "below": 31, "points": 30}, {"min": 31, "below": 41, "points": 20},
        {"min": 41, "below": 46, "points": 10}]
    # Beijing: 20 at 45 or under
    assert bands("points = 20\nuntil = 45") == [{"min": 18, "below": 46, "points": 20}]


def test_awards_count_each_level_and_merits_step() -> None:
    assert expand("""
[factors.awards]
family = "awards"
national = 30
merit_first = { first = 20, further = 5 }
honour = 20
""") == {
        "groups": {"awards": {"combine": "sum"}},
        "factors": {
            "awards_national": {"fact": "awards_national", "rule": "count", "each": 30,
                                "group": "awards"},
            "awards_merit_first": {"fact": "merit_first_class", "rule": "flat_plus_rate",
                                   "start": 1, "flat": 20, "rate": 5, "group": "awards"},
            "awards_honour": {"fact": "model_worker_honour", "rule": "flag", "points": 20,
                              "group": "awards"}}}
    # Shanghai: the highest award only, each level counted once
    assert expand("""
[factors.awards]
family = "awards"
provincial = 110
municipal = 60
repeat = false
combine = "highest"
cap = 110
""") == {
        "groups": {"awards": {"combine": "highest", "cap": 110}},
        "factors": {
            "awards_provincial": {"fact": "awards_provincial", "rule": "count", "each": 110,
                                  "cap": 110, "group": "awards"},
            "awards_municipal": {"fact": "awards_municipal", "rule": "count", "each": 60,
                                 "cap": 60, "group": "awards"}}}


def test_innovation_patents_are_pro_rata() -> None:
    assert expand("""
[factors.innovation]
family = "innovation"
invention = { rate = 20, cap = 40 }
utility = { rate = 10, cap = 20 }
rd = { rate = 2, cap = 10 }
""") == {
        "groups": {"innovation": {"combine": "sum"}},
        "factors": {
            "innovation_invention": {"fact": "invention_patent_share", "rule": "rate",
                                     "rate": 20, "per": 1, "cap": 40, "whole": False,
                                     "group": "innovation"},
            "innovation_utility": {"fact": "utility_patent_share", "rule": "rate", "rate": 10,
                                   "per": 1, "cap": 20, "whole": False,
                                   "group": "innovation"},
            "innovation_rd": {"fact": "rd_high_tech_months", "rule": "rate", "rate": 2,
                              "per": 12, "cap": 10, "group": "innovation"}}}
    # Beijing's 创新创业: the best item only
    assert expand("""
[factors.inn]
family = "innovation"
incubator_service = { rate = 1, cap = 3 }
contest_national = { each = 12, cap = 12 }
combine = "highest"
""") == {
        "groups": {"inn": {"combine": "highest"}},
        "factors": {
            "inn_incubator_service": {"fact": "incubator_service_months", "rule": "rate",
                                      "rate": 1, "per": 12, "cap": 3, "group": "inn"},
            "inn_contest_national": {"fact": "awards_national", "rule": "count", "each": 12,
                                     "cap": 12, "group": "inn"}}}


def test_penalties_are_deductions_with_purposes() -> None:
    assert expand("""
[deductions.pen]
family = "penalties"
credit_minor = -15
court_defaulter = -100
false_material = -150
purposes = ["settlement"]
""") == {"deductions": {
        "pen_credit_minor": {"fact": "credit_records_under_90d", "rule": "count",
                             "each": -15, "window_years": 5, "purposes": ["settlement"]},
        "pen_court_defaulter": {"fact": "court_defaulter", "rule": "flag", "points": -100,
                                "purposes": ["settlement"]},
        "pen_false_material": {"fact": "false_material_3y", "rule": "count", "each": -150,
                               "window_years": 3, "purposes": ["settlement"]}}}
    assert expand("[deductions.drugs]\nfamily = \"penalties\"\ndrugs = -150\n") == {
        "deductions": {"drugs": {"fact": "drug_records", "rule": "count", "each": -150}}}


def test_generated_entries_carry_labels_and_sources() -> None:
    s = schedule("""
[factors.home]
family = "housing"
label = { zh = "住所", en = "Housing" }
owned = 20
rental = { rate = 5, cap = 20 }
ref = "穗来穗规字〔2021〕1号"
status = "provisional"
note = "why"
""")
    assert s.groups["home"].label.en == "Housing" and s.groups["home"].note == "why"
    assert s.factors["home_owned"].label.zh == "自有住房"
    assert s.factors["home_rental"].label.en == FACTS["rental_months"].en.capitalize()
    for spec in (s.groups["home"], s.factors["home_owned"], s.factors["home_rental"]):
        assert (spec.ref, spec.status) == ("穗来穗规字〔2021〕1号", "provisional")


def test_a_schedule_without_families_is_left_as_it_is() -> None:
    raw = {"schedule": {}, "factors": {"a": {"rule": "flag"}}}
    assert expand_families(raw, [("<x>", {})]) is raw


# --- scoring through families equals the rule kinds written by hand -------------------------

# Guangzhou 2021 (domain.md A.3) by families ...
GZ_FAMILIES = """
[groups.base]
[groups.bonus]

[factors.permit]
family = "residence_years"
fact = "permit_months"
rate = 8
group = "base"

[factors.housing]
family = "housing"
owned = 20
rental = { rate = 5, cap = 20 }
group = "base"

[factors.move]
family = "residence_years"
fact = "moved_out_central_months"
rate = 2
cap = 10
group = "base"

[factors.insurance]
family = "social_insurance"
rate = 2
group = "base"

[factors.fund]
family = "employment"
fact = "housing_fund_months"
rate = 2
group = "base"

[factors.age]
family = "age"
points = 30
until = 40
decline = 2
group = "base"

[factors.education]
family = "education"
points = { high_school = 10, associate = 20, bachelor = 30 }
group = "bonus"

[factors.skills]
family = "skills"
title = { junior = 10, intermediate = 20 }
grade = { level4 = 5, level3 = 10, level2 = 20 }
matching_trade = 5
shortage_occupation = 10
group = "bonus"

[factors.innovation]
family = "innovation"
invention = { rate = 20, cap = 40 }
rd = { rate = 2, cap = 10 }
group = "bonus"

[factors.hardship]
family = "employment"
fact = "hardship_industry_months"
when = "hardship_industry"
flat = 10
rate = 5
cap = 20
group = "bonus"

[factors.service]
family = "volunteering"
rate = 2
year_cap = 2
cap = 10
blood = { each = 2, cap = 10 }
group = "bonus"

[factors.tax]
family = "tax"
income = { rate = 1, per = 10000, cap = 10 }
group = "bonus"

[factors.awards]
family = "awards"
national = 30
provincial = 20
municipal = 10
district = 5
merit_first = { first = 20, further = 5 }
merit_second = { first = 10, further = 2 }
merit_third = { first = 5, further = 1 }
group = "bonus"

[deductions.pen]
family = "penalties"
credit_minor = -10
credit_serious = -10
tax_evasion = -10
public_security = -10
purposes = ["settlement"]
"""

# ... and as written by hand with the rule kinds, in the shape of
# schedules/guangzhou/2021.toml (a different tree: e.g. age below 56, skills flags in bonus).


def _f(fact: str, rule: str, group: str, **params: Any) -> dict[str, Any]:
    return {"fact": fact, "rule": rule, **params, "group": group}


def _years(fact: str, group: str, rate: int, **params: Any) -> dict[str, Any]:
    return _f(fact, "rate", group, rate=rate, per=12, **params)


_MERIT = {"first": (20, 5), "second": (10, 2), "third": (5, 1)}
GZ_BY_HAND = to_toml({
    "groups": {
        "base": {}, "bonus": {}, "housing": {"combine": "highest", "group": "base"},
        "insurance": {"group": "base"}, "skills": {"combine": "highest", "group": "bonus"},
        "innovation": {"group": "bonus"}, "service": {"group": "bonus"},
        "vol": {"cap": 10, "group": "service"}, "awards": {"group": "bonus"}},
    "factors": {
        "permit": _years("permit_months", "base", 8),
        "owned": _f("housing", "levels", "housing", match="exact", points={"owned": 20}),
        "rental": _years("rental_months", "housing", 5, cap=20),
        "move": _years("moved_out_central_months", "base", 2, cap=10),
        **{t: _years(f"{t}_months", "insurance", 2)
           for t in ("pension", "medical", "unemployment", "injury", "maternity")},
        "fund": _years("housing_fund_months", "base", 2),
        "age": _f("age", "bands", "base", bands=[
            {"min": 18, "below": 41, "points": 30},
            {"min": 41, "below": 56, "points": 28, "slope": -2}]),
        "education": _f("education", "levels", "bonus",
                        points={"high_school": 10, "associate": 20, "bachelor": 30}),
        "title": _f("professional_title", "levels", "skills",
                    points={"junior": 10, "intermediate": 20}),
        "grade": _f("skill_grade", "levels", "skills",
                    points={"level4": 5, "level3": 10, "level2": 20}),
        "matching": _f("works_in_qualified_trade", "flag", "bonus", points=5),
        "shortage": _f("shortage_occupation", "flag", "bonus", points=10),
        "patents": _f("invention_patent_share", "rate", "innovation", rate=20, whole=False,
                      cap=40),
        "rd": _years("rd_high_tech_months", "innovation", 2, cap=10),
        "hardship": _f("hardship_industry_months", "flat_plus_rate", "bonus",
                       when="hardship_industry", flat=10, rate=5, per=12, cap=20),
        "blood": _f("blood_donations_5y", "count", "service", each=2, cap=10),
        **{f"vol{i}": _f(f"volunteer_hours_year{i}", "rate", "vol", rate=2, per=50, cap=2)
           for i in range(1, 6)},
        "tax": _f("income_tax_3y", "rate", "bonus", rate=1, per=10000, cap=10),
        **{lv: _f(f"awards_{lv}", "count", "awards", each=pts)
           for lv, pts in (("national", 30), ("provincial", 20), ("municipal", 10),
                           ("district", 5))},
        **{f"merit_{c}": _f(f"merit_{c}_class", "flat_plus_rate", "awards", start=1,
                            flat=flat, rate=more) for c, (flat, more) in _MERIT.items()}},
    "deductions": {
        name: {"fact": fact, "rule": "count", "each": -10, "purposes": ["settlement"]}
        for name, fact in (("credit1", "credit_records_under_90d"),
                           ("credit2", "credit_records_over_90d"),
                           ("evasion", "tax_evasion_records_5y"),
                           ("security", "public_security_penalties_5y"))},
})

_months = st.integers(0, 240)
_few = st.integers(0, 4)
APPLICANTS = st.fixed_dictionaries({
    "age": st.integers(16, 70),
    "permit_months": _months, "rental_months": _months, "moved_out_central_months": _months,
    "housing": st.sampled_from(["none", "dormitory", "rental", "owned"]),
    **{f"{t}_months": _months for t in ("pension", "medical", "unemployment", "injury",
                                        "maternity", "housing_fund", "rd_high_tech",
                                        "hardship_industry")},
    "hardship_industry": st.booleans(), "shortage_occupation": st.booleans(),
    "works_in_qualified_trade": st.booleans(),
    "education": st.sampled_from(FACTS["education"].levels),
    "professional_title": st.sampled_from(FACTS["professional_title"].levels),
    "skill_grade": st.sampled_from(FACTS["skill_grade"].levels),
    "invention_patent_share": st.builds(Fraction, st.integers(0, 12), st.integers(1, 7)),
    "blood_donations_5y": st.integers(0, 8),
    **{f"volunteer_hours_year{i}": st.integers(0, 180) for i in range(1, 6)},
    "income_tax_3y": st.decimals(0, 200000, places=2, allow_nan=False, allow_infinity=False),
    **{f"awards_{lv}": _few for lv in ("national", "provincial", "municipal", "district")},
    **{f"merit_{c}_class": _few for c in ("first", "second", "third")},
    "credit_records_under_90d": _few, "credit_records_over_90d": _few,
    "tax_evasion_records_5y": _few, "public_security_penalties_5y": _few,
}).map(consistent)


@pytest.fixture(scope="module")
def gz() -> tuple[points.Schedule, points.Schedule]:
    return schedule(GZ_FAMILIES), schedule(GZ_BY_HAND)


def _same(pair: tuple[points.Schedule, points.Schedule], facts: dict[str, Any]) -> None:
    by_family, by_hand = pair
    for purpose in ("settlement", "school"):
        a = points.score(facts, by_family, purpose=purpose, on=ON)
        b = points.score(facts, by_hand, purpose=purpose, on=ON)
        assert (a.total, a.raw_total) == (b.total, b.raw_total), (purpose, facts)
        for g in ("base", "bonus"):
            assert a.points(g) == b.points(g), (g, facts)
        assert a.points("housing") == b.points("housing")
        assert a.points("skills") == b.points("skills") + b.points("matching") + \
            b.points("shortage")


@settings(max_examples=60, deadline=None)
@given(APPLICANTS)
def test_guangzhou_by_families_scores_as_by_hand(
        gz: tuple[points.Schedule, points.Schedule], facts: dict[str, Any]) -> None:
    _same(gz, facts)


def test_guangzhou_by_families_scores_as_by_hand_on_the_sample(
        gz: tuple[points.Schedule, points.Schedule]) -> None:
    for row in sample_applicants(300, seed=7, on=ON):
        _same(gz, row)


# --- every table of domain.md can be written with families (golden totals by hand) ---------


def test_shanghai_b2_by_families() -> None:
    s = schedule("""
[factors.age]
family = "age"
points = 30
until = 43
first = 29
decline = 2
floor = 5
max_age = 60

[factors.education]
family = "education"
points = { associate = 50, bachelor = 60, bachelor_degree = 90, master = 100, doctorate = 110 }
shortage_major = 30
recent_graduate = 10

[factors.skills]
family = "skills"
title = { intermediate = 100, senior = 140 }
grade = { level5 = 15, level4 = 30, level3 = 60, level2 = 100, level1 = 140 }

[factors.insured]
family = "social_insurance"
rate = 3
types = ["pension"]

[factors.base]
family = "social_insurance"
base_ratio = [{ min = 0.8, below = 1, points = 25 }, { min = 1, below = 2, points = 50 },
              { min = 2, points = 100 }]

[factors.tax]
family = "tax"
business = { rate = 10, per = 300000 }
hires = { rate = 10, per = 10 }
cap = 100

[factors.public_service]
family = "employment"
fact = "public_service_field_months"
rate = 4
min_units = 5

[factors.outer]
family = "residence_years"
fact = "outer_district_work_and_home_months"
rate = 2
cap = 20

[factors.spouse]
family = "residence_years"
fact = "spouse_local_hukou_months"
rate = 4
cap = 40

[factors.awards]
family = "awards"
national = 110
provincial = 110
municipal = 60
repeat = false
combine = "highest"
cap = 110

[deductions.pen]
family = "penalties"
false_material = -150
detention = -50
criminal = -150
""")
    # age 44 → 5 + 2 × (56 − 44) = 29; 本科+学士 90; max(中级 100, level3 60) = 100;
    # pension 61 mo → 5 yrs × 3 = 15; base 1.5× → 50; public service 59 mo → 4 yrs < 5 → 0;
    # spouse 30 mo → 2 × 4 = 8; one false-material finding −150
    # total = 29 + 90 + 100 + 15 + 50 + 0 + 8 − 150 = 142
    assert total(s, {"age": 44, "education": "bachelor_degree", "skill_grade": "level3",
                     "professional_title": "intermediate", "pension_months": 61,
                     "insurance_base_ratio": "1.5", "public_service_field_months": 59,
                     "spouse_local_hukou_months": 30, "false_material_3y": 1}) == 142
    # age 58 → 5; 大专 50 + shortage major 30; public service 72 mo → 6 × 4 = 24;
    # outer district 132 mo → 11 × 2 = 22 → cap 20; hires 25 → 2 × 10 = 20, business tax
    # ¥1,000,000 → 3 × 10 = 30, highest 30; two provincial awards, one counted → 110
    # total = 5 + 80 + 24 + 20 + 30 + 110 = 269
    assert total(s, {"age": 58, "education": "associate", "shortage_major": True,
                     "public_service_field_months": 72,
                     "outer_district_work_and_home_months": 132, "local_hires_3y": 25,
                     "business_tax_3y": 1000000, "awards_provincial": 2}) == 269
    # age alone: 43 → 30, 55 → 5 + 2 × 1 = 7, 60 → 5, 61 → nothing
    assert [total(s, {"age": a}) for a in (43, 55, 60, 61)] == [30, 7, 5, 0]


def test_beijing_c3_by_families() -> None:
    s = schedule("""
[factors.insured]
family = "employment"
fact = "pension_months"
rate = 3

[factors.home]
family = "housing"
owned_years = { rate = 1 }
rental = { rate = 0.5 }
combine = "sum"
within = "pension_months"

[factors.education]
family = "education"
points = { associate = 10.5, bachelor_degree = 15, master = 26, doctorate = 37 }

[factors.moved]
family = "residence_years"
fact = "moved_out_central_months"
rate = 2
cap = 6

[factors.moved_both]
family = "residence_years"
fact = "outer_district_work_and_home_months"
rate = 4
cap = 12

[factors.innovation]
family = "innovation"
contest_national = { each = 12, cap = 12 }
contest_provincial = { each = 6, cap = 6 }
rd = { rate = 2, cap = 6 }
incubator_startup = { rate = 2, cap = 6 }
incubator_service = { rate = 1, cap = 3 }
combine = "highest"

[factors.tax]
family = "tax"
income = { at_least = 300000, points = 6 }
business = { at_least = 600000, points = 6 }

[factors.age]
family = "age"
points = 20
until = 45

[factors.honour]
family = "awards"
honour = 20

[deductions.record]
family = "penalties"
detention = -30
tax_evasion = -12
""")
    # insurance 84 mo → 7 × 3 = 21; owned 30 mo → 2 × 1 = 2, rental 50 mo → 4 × 0.5 = 2,
    # summed 4; 硕士 26; moved 40 mo → 3 × 2 = 6 (= cap); both 13 mo → 1 × 4 = 4;
    # incubator service 50 mo → 4 × 1 = 4 → cap 3, the only innovation item: 3;
    # income tax ¥300,000 in 3 years → 6; age 40 → 20; honour 20; −30 − 12
    # total = 21 + 4 + 26 + 6 + 4 + 3 + 6 + 20 + 20 − 30 − 12 = 68
    assert total(s, {"age": 40, "pension_months": 84, "owned_home_months": 30,
                     "rental_months": 50, "education": "master",
                     "moved_out_central_months": 40, "outer_district_work_and_home_months": 13,
                     "incubator_service_months": 50, "income_tax_3y": 300000,
                     "model_worker_honour": True, "detention_records_5y": 1,
                     "tax_evasion_records_5y": 1}) == 68
    # 创新创业 counts the best item only: R&D 40 mo → 3 × 2 = 6, a municipal contest
    # award 6, a national one 12 → 12; with age 30 → 20: total 32
    assert total(s, {"rd_high_tech_months": 40, "awards_provincial": 1,
                     "awards_national": 1}) == 32
    # a 25-month rental → 2 × 0.5 = 1 (within 25 insurance months); age 46 → 0;
    # ¥299,999.99 of tax → 0. total = 2 × 3 + 1 = 7
    assert total(s, {"age": 46, "rental_months": 25, "pension_months": 25,
                     "income_tax_3y": "299999.99"}) == 7
    # housing years at most the insurance years, owned first: insurance 36 mo → 3 × 3 = 9;
    # owned 30 mo of 36 → 2 × 1 = 2; rental counts 36 − 30 = 6 of its 50 mo → 0;
    # age 30 → 20. total = 9 + 2 + 0 + 20 = 31
    assert total(s, {"pension_months": 36, "owned_home_months": 30,
                     "rental_months": 50}) == 31


def test_shenzhen_d1_by_families() -> None:
    s = schedule("""
[factors.home]
family = "housing"
owned_years = { rate = 1, per = 1 }
rental = { rate = 0.2, per = 1 }

[factors.insurance]
family = "social_insurance"
rate = 0.3
per = 1

[deductions.integrity]
family = "penalties"
credit_minor = -15
credit_serious = -30
court_defaulter = -100
criminal_record = -200
drugs = -150
""")
    # D3's worked example: 5 years renting + 5 years of all five insurances
    # = 5 × 2.4 + 5 × 18 = 12 + 90 = 102
    five = {f"{t}_months": 60 for t in ("pension", "medical", "unemployment", "injury",
                                        "maternity")}
    assert total(s, {"rental_months": 60, **five}) == 102
    # owned 24 mo → 24 × 1 = 24 beats rental 60 × 0.2 = 12: 24; one minor credit record −15
    assert total(s, {"owned_home_months": 24, "rental_months": 60,
                     "credit_records_under_90d": 1}) == 24 - 15


def test_guangzhou_2018_a4_by_families() -> None:
    s = schedule("""
[factors.permit]
family = "residence_years"
fact = "permit_months"
rate = 3

[factors.home]
family = "housing"
owned = 10
outer_district = 5
rental = { rate = 2, cap = 10 }

[factors.insurance]
family = "social_insurance"
rate = 1

[factors.education]
family = "education"
points = { high_school = 20, associate = 35, bachelor = 50 }

[factors.age]
family = "age"
points = 30
until = 30
steps = [{ from = 31, points = 20 }, { from = 41, points = 10 }]
max_age = 45

[factors.skills]
family = "skills"
title = { junior = 20, intermediate = 30 }
grade = { level4 = 10, level3 = 20, level2 = 30 }
matching_trade = 10
shortage_occupation = 20

[factors.hardship]
family = "employment"
fact = "hardship_industry_months"
when = "hardship_industry"
flat = 10
rate = 5
cap = 30

[factors.service]
family = "volunteering"
rate = 1
year_cap = 2
cap = 10

[deductions.pen]
family = "penalties"
credit_minor = -5
credit_serious = -5
tax_evasion = -10
public_security = -10
""")
    # age steps: 30 → 30, 31 → 20, 41 → 10, 45 → 10, 46 → 0
    assert [total(s, {"age": a}) for a in (30, 31, 41, 45, 46)] == [30, 20, 10, 10, 0]
    # age 35 → 20; permit 40 mo → 3 × 3 = 9; owned in 增城: 10 + 5 = 15 beats rental
    # 30 mo → 2 × 2 = 4; 本科 50; volunteering 120 h → 2, 200 h → 4 → 2, 49 h → 0: 4;
    # one credit record −5. total = 20 + 9 + 15 + 50 + 4 − 5 = 93
    assert total(s, {"age": 35, "permit_months": 40, "housing": "owned",
                     "owned_home_outer_district": True, "rental_months": 30,
                     "education": "bachelor_degree", "volunteer_hours_year1": 120,
                     "volunteer_hours_year2": 200, "volunteer_hours_year3": 49,
                     "credit_records_under_90d": 1}) == 93


# --- errors name the family's table ---------------------------------------------------------


def load_error(body: str, source: str = "sched.toml") -> ScheduleValidationError:
    with pytest.raises(ScheduleValidationError) as info:
        schedule(body, source=source)
    return info.value


def line_of(body: str, text: str) -> int:
    """The line of `text` in the schedule `body` is loaded as (HEAD, a blank, then body)."""
    full = (HEAD + "\n" + sourced(body)).splitlines()
    return next(i for i, ln in enumerate(full, start=1) if text in ln)


INSURANCE = """
[factors.insurance]
family = "social_insurance"
rate = 2
types = ["pension", "medical"]
"""


@pytest.mark.parametrize("change,key,value,message", [
    ("rate = -2", "rate", -2, "greater than or equal to 0"),
    ("rate = 2\nper = 0", "per", 0, "greater than 0"),
    ('rate = "two"', "rate", "two", "decimal"),
    ("rate = 2.125", "rate", Decimal("2.125"), "finer than the schedule's precision 0.01"),
    ("rate = 2\nrule = \"rate\"", "rule", "rate", "rule or with family, not both"),
    ("rate = 2\npoints = 5", "points", 5, "unknown key"),
    ("rate = 2\ngroup = \"nowhere\"", "group", "nowhere", "names no group"),
])
def test_bad_parameter_names_file_line_path_value(change: str, key: str, value: Any,
                                                  message: str) -> None:
    body = INSURANCE.replace("rate = 2", change)
    err = load_error(body)
    assert err.file == "sched.toml"
    assert err.path == f"factors.insurance.{key}"
    assert err.line == line_of(body, change.splitlines()[-1])
    assert err.value == value
    assert message in str(err)


def test_bad_list_element_names_its_index() -> None:
    err = load_error(INSURANCE.replace('"medical"', '"dental"'))
    assert (err.path, err.value) == ("factors.insurance.types[1]", "dental")
    assert err.line == line_of(INSURANCE, "types =")


def test_bad_nested_parameter_names_its_key() -> None:
    body = '[factors.home]\nfamily = "housing"\nrental = { rate = 5, cap = -1 }\n'
    err = load_error(body)
    assert (err.path, err.value) == ("factors.home.rental.cap", -1)
    assert err.line == line_of(body, "rental =")


def test_unknown_family_lists_the_families() -> None:
    body = '[factors.x]\nfamily = "housng"\nowned = 20\n'
    err = load_error(body)
    assert (err.path, err.value, err.line) == ("factors.x.family", "housng",
                                               line_of(body, "family ="))
    assert "housing" in err.reason and "penalties" in err.reason


def test_a_family_in_the_wrong_table() -> None:
    err = load_error('[factors.x]\nfamily = "penalties"\ndrugs = -5\n')
    assert err.path == "factors.x.family" and "belongs in [deductions]" in err.reason
    err = load_error('[deductions.x]\nfamily = "age"\npoints = 5\nuntil = 40\n')
    assert err.path == "deductions.x.family" and "belongs in [factors]" in err.reason


def test_a_whole_table_check_names_the_table_or_its_key() -> None:
    body = '[factors.age]\nfamily = "age"\npoints = 30\nuntil = 40\ndecline = 2\n' \
           'steps = [{ from = 45, points = 10 }]\n'
    err = load_error(body)
    assert err.path and err.path.startswith("factors.age") and "steps or decline" in err.reason
    body = '[factors.age]\nfamily = "age"\npoints = 30\nuntil = 40\ndecline = 2\nmax_age = 40\n'
    err = load_error(body)
    assert (err.path, err.value, err.line) == ("factors.age.max_age", 40,
                                               line_of(body, "max_age ="))
    body = '[factors.home]\nfamily = "housing"\nowned = 20\nwithin = "pension_months"\n'
    err = load_error(body)
    assert (err.path, err.value) == ("factors.home.within", "pension_months")
    body = '[factors.home]\nfamily = "housing"\n'
    err = load_error(body)
    assert (err.path, err.line) == ("factors.home", line_of(body, "[factors.home]"))
    assert "give at least one of owned, owned_years, rental" in err.reason


def test_missing_required_parameter() -> None:
    err = load_error('[factors.age]\nfamily = "age"\npoints = 30\n')
    assert err.path == "factors.age.until" and "missing" in err.reason


def test_a_generated_id_already_in_use() -> None:
    body = INSURANCE + '\n[factors.insurance_medical]\nfact = "medical_months"\n' \
                       'rule = "rate"\nrate = 1\nlabel = { zh = "x", en = "x" }\n'
    err = load_error(body)
    assert (err.path, err.value) == ("factors.insurance", "insurance_medical")
    assert err.line == line_of(body, "[factors.insurance]")
    err = load_error(INSURANCE + "\n[groups.insurance]\n")
    assert (err.path, err.value) == ("factors.insurance", "insurance")


def test_every_problem_is_reported_at_once() -> None:
    body = INSURANCE.replace("rate = 2", "rate = -2") + \
        '\n[deductions.pen]\nfamily = "penalties"\ndrugs = 5\npurposes = ["work"]\n'
    err = load_error(body)
    assert {p.path for p in err.problems} == {"factors.insurance.rate", "deductions.pen.drugs"}
    err = load_error('[deductions.pen]\nfamily = "penalties"\ndrugs = -5\npurposes = ["work"]\n')
    assert (err.path, err.value) == ("deductions.pen.purposes[0]", "work")


def test_an_error_in_an_extended_schedule_names_that_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "base.toml"
    base.write_text(HEAD + "\n" + sourced(INSURANCE.replace("rate = 2", "rate = 2.001")),
                    encoding="utf-8")
    from points.schedule import loader

    real = loader._resolve
    monkeypatch.setattr(loader, "_resolve",
                        lambda ref: base if ref == "test/1" else real(ref))
    child = HEAD.replace('id = "test/1"', 'id = "test/2"').replace(
        "effective_from = 2024-01-01\n", 'effective_from = 2025-01-01\nextends = "test/1"\n')
    with pytest.raises(ScheduleValidationError) as info:
        points.loads_schedule(child, source="child.toml")
    err = info.value
    assert (err.file, err.path, err.value) == (str(base), "factors.insurance.rate",
                                               Decimal("2.001"))
    assert err.line == line_of(INSURANCE, "rate = 2")
    base.write_text(HEAD + "\n" + sourced(INSURANCE), encoding="utf-8")
    s = points.loads_schedule(child, source="child.toml")
    assert set(s.factors) == {"insurance_pension", "insurance_medical"}


def test_generated_keys_are_located_at_the_family() -> None:
    text = HEAD + "\n" + sourced(INSURANCE.replace("rate = 2", "rate = 2\ngroup = \"g\""))
    lines = key_lines(text)
    raw = tomllib.loads(text, parse_float=Decimal)
    out = expand_families({**raw, "groups": {"g": {}}}, [("<x>", lines)])
    assert set(out["factors"]) == {"insurance_pension", "insurance_medical"}
    family = lines[("factors", "insurance")]
    assert lines[("groups", "insurance")] == family
    assert lines[("factors", "insurance_medical", "rate")] == lines[("factors", "insurance",
                                                                       "rate")]
    assert lines[("groups", "insurance", "group")] == lines[("factors", "insurance", "group")]


# --- the JSON Schema -----------------------------------------------------------------------


def test_the_json_schema_offers_every_family() -> None:
    data = schedule_json_schema()
    for name, cls in FAMILIES.items():
        section = "deductions" if name == "penalties" else "factors"
        (entry,) = data["properties"][section]["patternProperties"].values()
        assert {"$ref": f"#/$defs/{cls.__name__}"} in entry["oneOf"]
        assert data["$defs"][cls.__name__]["properties"]["family"]["const"] == name
