"""Families of the person: residence and employment years, housing, education, skills."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ...facts import Education as EducationLevel
from ...facts import SkillGrade, Title, vocabulary
from ._base import (
    Combine,
    EmploymentFact,
    Family,
    Months,
    Node,
    Part,
    Points,
    Rate,
    ResidenceFact,
    flag_entry,
    need_one,
    rate_entry,
)

# --- the twelve families -------------------------------------------------------------------


class _Years(Family):
    rate: Points = Field(description="Points per full period.")
    per: Months = Field(default=12, description="Months in one period (12: per full year).")
    cap: Points | None = Field(default=None, description="Most points the factor gives.")
    min_units: int = Field(default=0, ge=0, le=100, description=(
        "Full periods needed before any count (vesting): 5 for 'counted after 5 years'."))
    when: str | None = Field(default=None, description="A true/false fact the factor needs.")

    @model_validator(mode="after")
    def _when_is_bool(self) -> _Years:
        if self.when is not None and getattr(vocabulary().get(self.when), "kind", None) != "bool":
            raise ValueError(f"when names a true/false fact, not {self.when!r}")
        return self

    def _years(self, fact: str) -> dict[str, Any]:
        return rate_entry(fact, self.rate, self.per, self.cap,
                     min_units=self.min_units or None, when=self.when)


class ResidenceYears(_Years):
    """Years of residence (居住年限): `rate` points per full period of a residence fact.

    Guangzhou's 8 per year holding the permit, its 2 per year (cap 10) after moving out of
    the central districts, Beijing's 职住区域 years, Shanghai's outer-district (远郊) and
    local-spouse years. One factor, `<id>`.
    """

    family: Literal["residence_years"]
    fact: ResidenceFact = Field(description="The months fact counted.")
    LABEL = ("居住年限", "Years of residence")
    EXAMPLE = """
[factors.permit]
family = "residence_years"
fact = "permit_months"
rate = 8
ref = "穗来穗规字〔2021〕1号 附件：合法稳定住所 居住证"
status = "confirmed"
"""

    def _tree(self) -> Part:
        return Part("years", self._years(self.fact))


class Employment(_Years):
    """Stable employment (合法稳定就业): points per full period of a job fact.

    With `flat`, the factor gives `flat` as soon as it applies plus `rate` per full period,
    the increment capped at `cap` (Guangzhou's hardship industry: 10 plus 5 a year, extra at
    most 20, `when = "hardship_industry"`). Also Guangzhou's housing fund, Beijing's and
    Shanghai's insurance years, Shanghai's public-service field (4 a year, counted after 5
    years: `min_units = 5`). One factor, `<id>`.
    """

    family: Literal["employment"]
    fact: EmploymentFact = Field(description="The months fact counted.")
    flat: Points | None = Field(
        default=None, description="Points once the factor applies; then `cap` caps the rest.")
    LABEL = ("合法稳定就业", "Stable employment")
    EXAMPLE = """
[factors.hardship]
family = "employment"
fact = "hardship_industry_months"
when = "hardship_industry"
flat = 10
rate = 5
cap = 20
ref = "穗来穗规字〔2021〕1号 附件：特定职业"
status = "confirmed"
"""

    @model_validator(mode="after")
    def _flat_alone(self) -> Employment:
        if self.flat is not None and self.min_units:
            raise ValueError("flat and min_units do not combine")
        return self

    def _tree(self) -> Part:
        if self.flat is None:
            return Part("years", self._years(self.fact))
        rule = {"fact": self.fact, "rule": "flat_plus_rate", "flat": self.flat,
                "rate": self.rate, "per": self.per}
        if self.cap is not None:
            rule["cap"] = self.cap
        if self.when is not None:
            rule["when"] = self.when
        return Part("years", rule)


class Housing(Family):
    """Lawful stable housing (合法稳定住所): owned home and/or rental, one of or both.

    The ownership parts (`owned`, `owned_years`, `outer_district`) add up; they and `rental`
    are combined by `combine`: `highest` for "owned *or* rented" (Guangzhou, Shenzhen),
    `sum` where periods of each kind add (Beijing, with `within` when they may not exceed
    another period). Group `<id>` holding `<id>_owned`,
    `<id>_owned_years`, `<id>_outer_district` (in `<id>_ownership` when more than one) and
    `<id>_rental`.
    """

    family: Literal["housing"]
    owned: Points | None = Field(default=None, description=(
        'Points for owning a home now (housing = "owned").'))
    owned_years: Rate | None = Field(
        default=None, description="Points per full period of owning a home.")
    outer_district: Points | None = Field(default=None, description=(
        "Extra points when the owned home is in a designated outer district."))
    rental: Rate | None = Field(
        default=None, description="Points per full period in a registered rental or dormitory.")
    combine: Combine = Field(default="highest", description="Ownership vs rental.")
    within: str | None = Field(default=None, description=(
        "With sum: a months fact the owned and rental months share, owned first (Beijing: "
        "housing years count at most the insurance years)."))
    LABEL = ("合法稳定住所", "Lawful stable housing")
    EXAMPLE = """
[factors.housing]
family = "housing"
owned = 20
rental = { rate = 5, cap = 20 }
ref = "穗来穗规字〔2021〕1号 附件：合法稳定住所"
status = "confirmed"
"""

    @model_validator(mode="after")
    def _parts(self) -> Housing:
        need_one(self, "owned", "owned_years", "rental")
        if self.outer_district is not None and self.owned is None and self.owned_years is None:
            raise ValueError("outer_district adds to owned or owned_years: give one of them")
        if self.within is not None:
            if self.combine != "sum" or self.owned is not None or self.outer_district is not None:
                raise ValueError('within goes with combine = "sum" and owned_years and rental '
                                 "only (periods that share the months)")
            if getattr(vocabulary().get(self.within), "unit", None) != "month":
                raise ValueError(f"within names a months fact, not {self.within!r}")
        return self

    def _tree(self) -> Node:
        own: list[Part | Node] = []
        if self.owned is not None:
            own.append(Part("owned", {"fact": "housing", "rule": "levels", "match": "exact",
                                       "points": {"owned": self.owned}}, "owned",
                             ("自有住房", "Owned home")))
        if self.owned_years is not None:
            r = self.owned_years
            own.append(Part("owned_years", rate_entry("owned_home_months", r.rate, r.per, r.cap),
                             "owned_years"))
        if self.outer_district is not None:
            own.append(Part("outer_district",
                             flag_entry("owned_home_outer_district", self.outer_district),
                             "outer_district"))
        rent: list[Part | Node] = []
        if self.rental is not None:
            r = self.rental
            rent.append(Part("rental", rate_entry("rental_months", r.rate, r.per, r.cap), "rental"))
        return Node("", self.combine, [Node("ownership", "sum", own,
                                              label=("自有住房", "Owned home")), *rent],
                     within=self.within)


class Education(Family):
    """Education (文化程度 / 教育背景): points by the highest level reached, plus flags.

    Guangzhou's 30/20/10, Shanghai's 50…110, Beijing's 10.5…37; Shanghai's shortage major
    and new-graduate bonuses. `<id>` alone, or group `<id>` holding `<id>_level`,
    `<id>_shortage_major`, `<id>_recent_graduate`.
    """

    family: Literal["education"]
    points: dict[EducationLevel, Points] | None = Field(default=None, description=(
        "Points by education level."))
    match: Literal["at_least", "exact"] = Field(default="at_least", description=(
        "at_least: the best listed level reached; exact: the level itself only."))
    shortage_major: Points | None = Field(
        default=None, description="Points when the field of study is on the shortage list.")
    recent_graduate: Points | None = Field(
        default=None, description="Points for a full-time new graduate.")
    LABEL = ("文化程度", "Education")
    EXAMPLE = """
[factors.education]
family = "education"
points = { high_school = 10, associate = 20, bachelor = 30 }
ref = "穗来穗规字〔2021〕1号 附件：文化程度"
status = "confirmed"
"""

    @model_validator(mode="after")
    def _parts(self) -> Education:
        need_one(self, "points", "shortage_major", "recent_graduate")
        return self

    def _tree(self) -> Node:
        parts: list[Part | Node] = []
        if self.points is not None:
            parts.append(Part("level", {"fact": "education", "rule": "levels",
                                         "points": dict(self.points), "match": self.match},
                               "points", self.LABEL))
        for name in ("shortage_major", "recent_graduate"):
            pts = getattr(self, name)
            if pts is not None:
                parts.append(Part(name, flag_entry(name, pts), name))
        return Node("", "sum", parts)


class Skills(Family):
    """Technical ability (技术能力): professional title and skill grade, plus flags.

    `title` and `grade` take the best listed level reached and are combined by `combine`
    (Guangzhou and Shanghai: the highest of the two). `matching_trade` (works in the matching
    trade) and `shortage_occupation` add on top. Group `<id>` holding `<id>_title` and
    `<id>_grade` (in `<id>_level` when flags are given), `<id>_matching_trade`,
    `<id>_shortage_occupation`.
    """

    family: Literal["skills"]
    title: dict[Title, Points] | None = Field(
        default=None, description="Points by professional title (best reached).")
    grade: dict[SkillGrade, Points] | None = Field(
        default=None, description="Points by vocational skill grade (best reached).")
    combine: Combine = Field(default="highest", description="Title vs grade.")
    matching_trade: Points | None = Field(
        default=None, description="Points for working in the trade of the title or grade.")
    shortage_occupation: Points | None = Field(
        default=None, description="Points for working in a listed shortage occupation.")
    LABEL = ("技术能力", "Technical ability")
    EXAMPLE = """
[factors.skills]
family = "skills"
title = { junior = 10, intermediate = 20 }
grade = { level4 = 5, level3 = 10, level2 = 20 }
matching_trade = 5
ref = "穗来穗规字〔2021〕1号 附件：技术能力"
status = "provisional"
note = "Whether the +5 for the matching trade stacks is unconfirmed (A10)."
"""

    @model_validator(mode="after")
    def _parts(self) -> Skills:
        need_one(self, "title", "grade", "matching_trade", "shortage_occupation")
        return self

    def _tree(self) -> Node:
        level: list[Part | Node] = []
        for name, fact in (("title", "professional_title"), ("grade", "skill_grade")):
            table = getattr(self, name)
            if table is not None:
                level.append(Part(name, {"fact": fact, "rule": "levels",
                                          "points": dict(table)}, name))
        flags: list[Part | Node] = [
            Part(name, flag_entry(fact, getattr(self, name)), name)
            for name, fact in (("matching_trade", "works_in_qualified_trade"),
                               ("shortage_occupation", "shortage_occupation"))
            if getattr(self, name) is not None]
        return Node("", "sum", [Node("level", self.combine, level,
                                       label=("职称或技能等级", "Title or skill grade")),
                                 *flags])
