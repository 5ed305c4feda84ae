"""Factor families: typed definitions of the indicators the policies share.

A schedule may write a factor by *family* instead of by rule kind. The family names the
indicator (housing, social insurance, age, ...) and its parameters say what this policy
pays for it:

    [factors.insurance]
    family = "social_insurance"
    rate = 2
    per = 12
    types = ["pension", "medical", "unemployment", "injury", "maternity"]
    group = "base"
    ref = "穗来穗规字〔2021〕1号 附件：合法稳定就业"
    status = "confirmed"

Before validation the loader replaces the table by the plain rule-kind entries it stands
for (`expand`): here a `sum` group `insurance` holding the factors `insurance_pension`,
`insurance_medical`, ... . So a family is shorthand, never new behaviour: the engine, the
checks, the score card and the content hash see only the six rule kinds.

Generated ids: a family with one part becomes the factor `<id>` itself; with several, a group
`<id>` holding `<id>_<part>` (nested where the family says so). `<id>` is therefore always a
score that gates, tiers and ranking keys can name. `penalties` is the exception: deductions
are never grouped, so it gives one deduction per part.

Parameters are checked when the schedule loads; a bad one is a `ScheduleValidationError`
naming the file, the line and the key path of the family's table. `help()` on a family
class lists its parameters.
"""

from __future__ import annotations

import inspect
import itertools
import json
import math
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

import attrs
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from pydantic.fields import FieldInfo

from .applicant import FACTS, SkillGrade, Title
from .applicant import Education as EducationLevel
from .errors import ScheduleError, ScheduleValidationError
from .schedule._locate import locate
from .schedule.loader import _dotted, _validation_error
from .schedule.model import Id, Label, Meta, Schedule, Status

__all__ = [
    "FAMILIES",
    "Age",
    "AgeStep",
    "Awards",
    "Each",
    "Education",
    "Employment",
    "Family",
    "Housing",
    "Innovation",
    "Merit",
    "Penalties",
    "Rate",
    "RatioBand",
    "ResidenceYears",
    "Share",
    "Skills",
    "SocialInsurance",
    "Tax",
    "TaxPart",
    "Volunteering",
    "expand_families",
    "schedule_json_schema",
    "to_toml",
]

#: section ("factors", "groups", "deductions") → id → the TOML table of one entry
Tables = dict[str, dict[str, dict[str, Any]]]
Lines = dict[tuple[str | int, ...], int]

Points = Annotated[Decimal, Field(ge=0, le=1000)]
Negative = Annotated[Decimal, Field(lt=0, ge=-1000)]
Months = Annotated[int, Field(gt=0, le=1200)]
Combine = Literal["sum", "highest"]
InsuranceType = Literal["pension", "medical", "unemployment", "injury", "maternity"]
ResidenceFact = Literal[
    "permit_months", "residence_months", "moved_out_central_months",
    "outer_district_work_and_home_months", "spouse_local_hukou_months"]
EmploymentFact = Literal[
    "pension_months", "medical_months", "unemployment_months", "injury_months",
    "maternity_months", "housing_fund_months", "public_service_field_months",
    "hardship_industry_months", "rd_high_tech_months"]
_ALL_TYPES: list[InsuranceType] = ["pension", "medical", "unemployment", "injury", "maternity"]


# --- the tree a family expands to ---------------------------------------------------------


@attrs.frozen
class _Part:
    """One generated factor: `rule` is its rule-kind table; `key` the parameter it came from."""

    name: str
    rule: dict[str, Any]
    key: str = ""
    label: tuple[str, str] | None = None  # default: the fact's label


@attrs.frozen
class _Node:
    """One generated group of parts and nodes."""

    name: str
    combine: str
    members: list[_Part | _Node]
    cap: Decimal | None = None
    label: tuple[str, str] | None = None
    within: str | None = None


def _simplify(n: _Part | _Node) -> _Part | _Node | None:
    """Drop empty groups; a group of one member and no cap is that member."""
    if isinstance(n, _Part):
        return n
    members = [m for m in (_simplify(x) for x in n.members) if m is not None]
    if not members:
        return None
    if len(members) == 1 and n.cap is None and n.within is None:
        return members[0]
    return attrs.evolve(n, members=members)


def _fact_label(fact: str) -> tuple[str, str]:
    info = FACTS[fact]
    return info.zh, info.en[:1].upper() + info.en[1:]


def _rate(fact: str, rate: Decimal, per: Decimal | int, cap: Decimal | None = None,
          **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"fact": fact, "rule": "rate", "rate": rate, "per": per}
    if cap is not None:
        out["cap"] = cap
    return {**out, **{k: v for k, v in more.items() if v is not None}}


def _flag(fact: str, points: Decimal) -> dict[str, Any]:
    return {"fact": fact, "rule": "flag", "points": points}


def _count(fact: str, each: Decimal, cap: Decimal | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"fact": fact, "rule": "count", "each": each}
    if cap is not None:
        out["cap"] = cap
    if FACTS[fact].window_years is not None:
        out["window_years"] = FACTS[fact].window_years
    return out


# --- parameter tables shared by several families ------------------------------------------


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rate(_Params):
    """`rate` points per full `per` months, capped at `cap`."""

    rate: Points = Field(description="Points per full period.")
    per: Months = Field(default=12, description="Months in one period (12: per full year).")
    cap: Points | None = Field(default=None, description="Most points this part gives.")


class Share(_Params):
    """`rate` points per patent, shared exactly among its inventors, capped at `cap`."""

    rate: Points = Field(description="Points for one whole patent (split by inventors).")
    cap: Points | None = Field(default=None, description="Most points this part gives.")


class Each(_Params):
    """`each` points per event in the fact's look-back window, capped at `cap`."""

    each: Points = Field(description="Points per event.")
    cap: Points | None = Field(default=None, description="Most points this part gives.")


class Merit(_Params):
    """Military merit: `first` for the first award, `further` for each one after it."""

    first: Points = Field(description="Points for the first award.")
    further: Points = Field(default=Decimal(0), description="Points for each further award.")


class TaxPart(_Params):
    """Either `rate` per full `per` units (yuan or hires) with `cap`, or `points` from `at_least`.

    Amounts are 3-year totals: "an average of ¥100,000 a year" is `at_least = 300000`.
    """

    rate: Points | None = Field(default=None, description="Points per full `per` units.")
    per: Decimal | None = Field(default=None, gt=0, description="Yuan (or hires) per step.")
    cap: Points | None = Field(default=None, description="Most points this part gives.")
    at_least: Decimal | None = Field(
        default=None, gt=0, description="Threshold on the 3-year total for `points`.")
    points: Points | None = Field(default=None, description="Points at or above `at_least`.")

    @model_validator(mode="after")
    def _one_form(self) -> TaxPart:
        step = self.rate is not None or self.per is not None
        threshold = self.at_least is not None or self.points is not None
        if step == threshold:
            raise ValueError("give rate and per (steps), or at_least and points (threshold)")
        if step and (self.rate is None or self.per is None):
            raise ValueError("a step needs both rate and per")
        if threshold and (self.at_least is None or self.points is None or self.cap is not None):
            raise ValueError("a threshold needs at_least and points, and takes no cap")
        return self

    def rule(self, fact: str) -> dict[str, Any]:
        if self.rate is not None and self.per is not None:
            return _rate(fact, self.rate, self.per, self.cap)
        return {"fact": fact, "rule": "bands", "bands": [{"min": self.at_least,
                                                          "points": self.points}]}


class RatioBand(_Params):
    """`points` when `min <= ratio < below`."""

    min: Decimal = Field(ge=0, le=100, description="Lowest ratio of the band (inclusive).")
    below: Decimal | None = Field(default=None, gt=0, le=100,
                                  description="Upper end of the band (exclusive); none: open.")
    points: Points = Field(description="Points in the band.")


class AgeStep(_Params):
    """From age `from` on (until the next step or `max_age`), `points`."""

    from_: int = Field(alias="from", ge=0, le=120, description="First age of the step.")
    points: Points = Field(description="Points from that age on.")


# --- the family base -----------------------------------------------------------------------


_COMMON = ("family", "label", "group", "ref", "status", "note")


class Family(_Params):
    """What every family table has: its name, label, place, legal reference and status."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    SECTION: ClassVar[str] = "factors"
    LABEL: ClassVar[tuple[str, str]] = ("", "")
    EXAMPLE: ClassVar[str] = ""

    label: Label | None = Field(
        default=None, description="Label of the family's score; default: the family's own.")
    group: Id | None = Field(default=None, description="The group the family's score is in.")
    ref: str = Field(min_length=1, description="Legal reference: document number and article.")
    status: Status = Field(description="confirmed against the official text, or provisional.")
    note: str | None = Field(default=None, description="Where a value came from, doubts.")

    def _tree(self) -> _Part | _Node:
        raise NotImplementedError

    def expand(self, id: str) -> Tables:
        """The rule-kind tables this family stands for, as the family with id `id`."""
        return self._expand(id)[0]

    def _expand(self, id: str) -> tuple[Tables, dict[tuple[str, str], str]]:
        out: Tables = {"groups": {}, "factors": {}, "deductions": {}}
        keys: dict[tuple[str, str], str] = {}
        root = _simplify(self._tree())
        assert root is not None  # every family's validator asks for at least one part
        common: dict[str, Any] = {"ref": self.ref, "status": self.status}

        def emit(key: str, n: _Part | _Node, parent: str | None, top: bool) -> None:
            place = {"group": parent} if parent is not None else {}
            note = {"note": self.note} if top and self.note is not None else {}
            if top and self.label is not None:
                zh, en = self.label.zh, self.label.en
            elif isinstance(n, _Part):
                zh, en = n.label or _fact_label(n.rule["fact"])
            else:
                zh, en = self.LABEL if top or n.label is None else n.label
            label = {"label": {"zh": zh, "en": en}}
            if isinstance(n, _Node) and self.SECTION == "deductions":  # never grouped
                for m in n.members:
                    emit(f"{id}_{m.name}", m, None, False)
                    out[self.SECTION][f"{id}_{m.name}"].update(note)
                return
            if isinstance(n, _Part):
                out[self.SECTION][key] = {**label, **n.rule, **place, **common, **note}
                keys[(self.SECTION, key)] = n.key
                return
            more = {k: v for k, v in (("cap", n.cap), ("within", n.within)) if v is not None}
            out["groups"][key] = {**label, "combine": n.combine, **more, **place, **common,
                                  **note}
            keys[("groups", key)] = ""
            for m in n.members:
                emit(f"{id}_{m.name}", m, key, False)

        emit(id, root, self.group, True)
        return {k: v for k, v in out.items() if v}, keys


def _need_one(model: BaseModel, *names: str) -> None:
    if all(getattr(model, n) is None for n in names):
        raise ValueError(f"give at least one of {', '.join(names)}")


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
        if self.when is not None and getattr(FACTS.get(self.when), "kind", None) != "bool":
            raise ValueError(f"when names a true/false fact, not {self.when!r}")
        return self

    def _years(self, fact: str) -> dict[str, Any]:
        return _rate(fact, self.rate, self.per, self.cap,
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

    def _tree(self) -> _Part:
        return _Part("years", self._years(self.fact))


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

    def _tree(self) -> _Part:
        if self.flat is None:
            return _Part("years", self._years(self.fact))
        rule = {"fact": self.fact, "rule": "flat_plus_rate", "flat": self.flat,
                "rate": self.rate, "per": self.per}
        if self.cap is not None:
            rule["cap"] = self.cap
        if self.when is not None:
            rule["when"] = self.when
        return _Part("years", rule)


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
        _need_one(self, "owned", "owned_years", "rental")
        if self.outer_district is not None and self.owned is None and self.owned_years is None:
            raise ValueError("outer_district adds to owned or owned_years: give one of them")
        if self.within is not None:
            if self.combine != "sum" or self.owned is not None or self.outer_district is not None:
                raise ValueError('within goes with combine = "sum" and owned_years and rental '
                                 "only (periods that share the months)")
            if getattr(FACTS.get(self.within), "unit", None) != "month":
                raise ValueError(f"within names a months fact, not {self.within!r}")
        return self

    def _tree(self) -> _Node:
        own: list[_Part | _Node] = []
        if self.owned is not None:
            own.append(_Part("owned", {"fact": "housing", "rule": "levels", "match": "exact",
                                       "points": {"owned": self.owned}}, "owned",
                             ("自有住房", "Owned home")))
        if self.owned_years is not None:
            r = self.owned_years
            own.append(_Part("owned_years", _rate("owned_home_months", r.rate, r.per, r.cap),
                             "owned_years"))
        if self.outer_district is not None:
            own.append(_Part("outer_district",
                             _flag("owned_home_outer_district", self.outer_district),
                             "outer_district"))
        rent: list[_Part | _Node] = []
        if self.rental is not None:
            r = self.rental
            rent.append(_Part("rental", _rate("rental_months", r.rate, r.per, r.cap), "rental"))
        return _Node("", self.combine, [_Node("ownership", "sum", own,
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
        _need_one(self, "points", "shortage_major", "recent_graduate")
        return self

    def _tree(self) -> _Node:
        parts: list[_Part | _Node] = []
        if self.points is not None:
            parts.append(_Part("level", {"fact": "education", "rule": "levels",
                                         "points": dict(self.points), "match": self.match},
                               "points", self.LABEL))
        for name in ("shortage_major", "recent_graduate"):
            pts = getattr(self, name)
            if pts is not None:
                parts.append(_Part(name, _flag(name, pts), name))
        return _Node("", "sum", parts)


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
        _need_one(self, "title", "grade", "matching_trade", "shortage_occupation")
        return self

    def _tree(self) -> _Node:
        level: list[_Part | _Node] = []
        for name, fact in (("title", "professional_title"), ("grade", "skill_grade")):
            table = getattr(self, name)
            if table is not None:
                level.append(_Part(name, {"fact": fact, "rule": "levels",
                                          "points": dict(table)}, name))
        flags: list[_Part | _Node] = [
            _Part(name, _flag(fact, getattr(self, name)), name)
            for name, fact in (("matching_trade", "works_in_qualified_trade"),
                               ("shortage_occupation", "shortage_occupation"))
            if getattr(self, name) is not None]
        return _Node("", "sum", [_Node("level", self.combine, level,
                                       label=("职称或技能等级", "Title or skill grade")),
                                 *flags])


class SocialInsurance(Family):
    """Social insurance (社会保险): `rate` per insurance type per full period, or base bands.

    Guangzhou's 2 per type per year, Shenzhen's 0.3 per type per month, Beijing's 3 a year
    of pension insurance: group `<id>` (sum, capped at `cap`) holding `<id>_pension`,
    `<id>_medical`, ... (one type: the factor `<id>`). Or `base_ratio`: Shanghai's bands of
    the contribution base over the city's average wage, the factor `<id>`.
    """

    family: Literal["social_insurance"]
    rate: Points | None = Field(default=None, description="Points per type per full period.")
    per: Months = Field(default=12, description="Months in one period (12: per full year).")
    types: list[InsuranceType] = Field(
        default_factory=lambda: list(_ALL_TYPES), min_length=1,
        description="The insurance types that count, each its own factor.")
    cap: Points | None = Field(default=None, description="Most points over all types.")
    min_units: int = Field(default=0, ge=0, le=100,
                           description="Full periods of a type needed before it counts.")
    base_ratio: list[RatioBand] | None = Field(default=None, min_length=1, description=(
        "Instead of rate: points by contribution base ÷ average wage, in ascending bands."))
    LABEL = ("社会保险", "Social insurance")
    EXAMPLE = """
[factors.insurance]
family = "social_insurance"
rate = 2
per = 12
types = ["pension", "medical", "unemployment", "injury", "maternity"]
ref = "穗来穗规字〔2021〕1号 附件：合法稳定就业 社会保险"
status = "confirmed"
"""

    @model_validator(mode="after")
    def _one_form(self) -> SocialInsurance:
        if (self.rate is None) == (self.base_ratio is None):
            raise ValueError("give rate (per insurance type) or base_ratio (bands), not both; "
                             "write two families for both")
        if self.base_ratio is not None and self.cap is not None:
            raise ValueError("cap goes with rate, not base_ratio")
        if len(set(self.types)) != len(self.types):
            raise ValueError("types lists an insurance type twice")
        for a, b in itertools.pairwise(self.base_ratio or ()):
            if a.below is None or b.min < a.below:
                raise ValueError("base_ratio bands overlap or are not in ascending order")
        for band in self.base_ratio or ():
            if band.below is not None and band.below <= band.min:
                raise ValueError(f"base_ratio band below {band.below} is not above its min")
        return self

    def _tree(self) -> _Part | _Node:
        if self.base_ratio is not None:
            bands = [{k: v for k, v in b.model_dump().items() if v is not None}
                     for b in self.base_ratio]
            return _Part("base_ratio", {"fact": "insurance_base_ratio", "rule": "bands",
                                        "bands": bands}, "base_ratio")
        assert self.rate is not None
        return _Node("", "sum", [
            _Part(t, _rate(f"{t}_months", self.rate, self.per,
                           min_units=self.min_units or None), "types")
            for t in self.types], cap=self.cap)


class Tax(Family):
    """Tax paid (纳税情况), from 3-year totals: income tax, business tax share, local hires.

    Each part is steps (`rate` per full `per`, `cap`) or a threshold (`points` from
    `at_least`): Beijing's 6 for ¥100,000 a year of income tax *or* ¥200,000 of business tax
    (`combine = "highest"`), Shanghai's 10 per ¥100,000 a year or per 10 local hires, cap 100.
    `<id>` alone, or group `<id>` holding `<id>_income`, `<id>_business`, `<id>_hires`.
    """

    family: Literal["tax"]
    income: TaxPart | None = Field(
        default=None, description="Personal income tax over the last 3 tax years (yuan).")
    business: TaxPart | None = Field(
        default=None, description="Investor's share of company tax over 3 years (yuan).")
    hires: TaxPart | None = Field(
        default=None, description="Local-hukou people hired over the last 3 years.")
    combine: Combine = Field(default="highest", description="How the parts combine.")
    cap: Points | None = Field(default=None, description="Most points over all parts.")
    LABEL = ("纳税情况", "Tax paid")
    EXAMPLE = """
[factors.tax]
family = "tax"
income = { at_least = 300000, points = 6 }
business = { at_least = 600000, points = 6 }
ref = "京政办发〔2016〕39号 纳税指标"
status = "provisional"
note = "A flat 6 (C6, C7); some blogs say 2 a year up to 6."
"""

    @model_validator(mode="after")
    def _parts(self) -> Tax:
        _need_one(self, "income", "business", "hires")
        return self

    def _tree(self) -> _Node:
        parts: list[_Part | _Node] = []
        for name, fact in (("income", "income_tax_3y"), ("business", "business_tax_3y"),
                           ("hires", "local_hires_3y")):
            part: TaxPart | None = getattr(self, name)
            if part is not None:
                parts.append(_Part(name, part.rule(fact), name))
        return _Node("", self.combine, parts, cap=self.cap)


class Volunteering(Family):
    """Social service (社会服务): volunteer hours year by year, and blood donations.

    `rate` points per full `hours` in each of the last `years` years, at most `year_cap` a
    year and `cap` in all (Guangzhou: 2 per 50 hours, 2 a year, 10 in total): group
    `<id>_hours` (or `<id>` alone) holding `<id>_year1` … `<id>_year5`. `blood` adds
    `<id>_blood`, per donation in the last 5 years.
    """

    family: Literal["volunteering"]
    rate: Points | None = Field(default=None, description="Points per full `hours` in a year.")
    hours: int = Field(default=50, gt=0, le=8784, description="Hours per step.")
    year_cap: Points | None = Field(default=None, description="Most points in any one year.")
    cap: Points | None = Field(default=None, description="Most points over all years.")
    years: int = Field(default=5, ge=1, le=5, description="How many recent years count.")
    blood: Each | None = Field(
        default=None, description="Points per blood donation in the last 5 years.")
    LABEL = ("社会服务", "Social service")
    EXAMPLE = """
[factors.volunteering]
family = "volunteering"
rate = 2
hours = 50
year_cap = 2
cap = 10
blood = { each = 2, cap = 10 }
ref = "穗来穗规字〔2021〕1号 附件：社会服务"
status = "confirmed"
"""

    @model_validator(mode="after")
    def _parts(self) -> Volunteering:
        _need_one(self, "rate", "blood")
        if self.rate is None and (self.year_cap is not None or self.cap is not None):
            raise ValueError("year_cap and cap go with rate")
        return self

    def _tree(self) -> _Node:
        years: list[_Part | _Node] = []
        if self.rate is not None:
            years = [_Part(f"year{i}", _rate(f"volunteer_hours_year{i}", self.rate,
                                              self.hours, self.year_cap), "rate")
                     for i in range(1, self.years + 1)]
        blood: list[_Part | _Node] = []
        if self.blood is not None:
            blood.append(_Part("blood", _count("blood_donations_5y", self.blood.each,
                                               self.blood.cap), "blood"))
        return _Node("", "sum", [_Node("hours", "sum", years, cap=self.cap,
                                       label=("志愿服务", "Volunteering")), *blood])


class Age(Family):
    """Age (年龄): full `points` from `min_age` to `until`, then steps or a decline.

    After `until`, either `steps` (Guangzhou 2018: 20 from 31, 10 from 41) or a decline of
    `decline` a year starting at `first` (default `points - decline`) and never below
    `floor` (Guangzhou 2021: 30 to 40, then −2 a year to 0; Shanghai: 30 to 43, 29 at 44,
    −2 a year, 5 from 56). Nothing after `max_age`. Beijing's 20 at 45 or under is
    `points = 20, until = 45`. One factor `<id>` of rule `bands` on `age`.
    """

    family: Literal["age"]
    points: Points = Field(description="Full points, from min_age to until.")
    min_age: int = Field(default=18, ge=0, le=120, description="First age that scores.")
    until: int = Field(ge=0, le=120, description="Last age with full points.")
    steps: list[AgeStep] = Field(default_factory=list, description=(
        "Then these points from these ages, ascending ages."))
    decline: Points = Field(default=Decimal(0), description="Or: points lost per year of age.")
    first: Points | None = Field(default=None, description=(
        "Points at the first declining age (until + 1); default points − decline."))
    floor: Points = Field(default=Decimal(0), description="The decline stops at this.")
    max_age: int | None = Field(default=None, ge=0, le=120, description=(
        "Last age that scores anything; default: the steps' or decline's end."))
    LABEL = ("年龄", "Age")
    EXAMPLE = """
[factors.age]
family = "age"
points = 30
until = 40
decline = 2
ref = "穗来穗规字〔2021〕1号 附件：年龄"
status = "provisional"
note = "Full years: 41 scores 28. For 'or part-year', use bands on age_years_begun."
"""

    @model_validator(mode="after")
    def _shape(self) -> Age:
        if self.until < self.min_age:
            raise ValueError(f"until {self.until} is below min_age {self.min_age}")
        if self.steps and self.decline:
            raise ValueError("give steps or decline after until, not both")
        if not self.decline and (self.first is not None or self.floor):
            raise ValueError("first and floor go with decline")
        ages = [s.from_ for s in self.steps]
        if ages and (ages[0] <= self.until or ages != sorted(set(ages))):
            raise ValueError("steps need ascending ages, all after until")
        if self.max_age is not None:
            if not (self.steps or self.decline):
                raise ValueError("max_age goes with steps or decline")
            if self.max_age < max([self.until + bool(self.decline), *ages]):
                raise ValueError("max_age must come after until (with decline) and every step")
        if self.decline and self.floor >= (self.first if self.first is not None
                                           else self.points):
            raise ValueError("floor must be below the first declining points")
        return self

    def _tree(self) -> _Part:
        end = None if self.max_age is None else self.max_age + 1
        bands: list[dict[str, Any]] = [
            {"min": self.min_age, "below": self.until + 1, "points": self.points}]
        for i, s in enumerate(self.steps):
            below = self.steps[i + 1].from_ if i + 1 < len(self.steps) else end
            bands.append({"min": s.from_, "below": below, "points": s.points})
        if self.decline:
            start = self.until + 1
            first = self.points - self.decline if self.first is None else self.first
            # ages scoring above the floor: first - decline * j > floor for j < k
            k = math.ceil((first - self.floor) / self.decline)
            stop = start + k if end is None else min(start + k, end)
            bands.append({"min": start, "below": stop, "points": first,
                          "slope": -self.decline})
            if self.floor and (end is None or stop < end):
                bands.append({"min": stop, "below": end, "points": self.floor})
        return _Part("age", {"fact": "age", "rule": "bands",
                             "bands": [{k: v for k, v in b.items() if v is not None}
                                       for b in bands]}, label=self.LABEL)


class Awards(Family):
    """Awards and honours (表彰奖项): points per distinct award by level, military merit.

    Guangzhou adds 30/20/10/5 per award by level and 20 (+5 each further) for first-class
    merit; Shanghai takes the highest (`combine = "highest"`, `repeat = false`), Beijing
    gives 20 for a model-worker honour. `<id>` alone, or group `<id>` holding
    `<id>_national`, ..., `<id>_merit_first`, ..., `<id>_honour`.
    """

    family: Literal["awards"]
    national: Points | None = Field(default=None, description="Per national award.")
    provincial: Points | None = Field(
        default=None, description="Per provincial or national-ministry award.")
    municipal: Points | None = Field(default=None, description="Per municipal award.")
    district: Points | None = Field(
        default=None, description="Per district or municipal-department award.")
    repeat: bool = Field(default=True, description=(
        "Whether several awards of one level add up (false: one counts)."))
    merit_first: Merit | None = Field(default=None, description="First-class military merit.")
    merit_second: Merit | None = Field(default=None, description="Second-class merit.")
    merit_third: Merit | None = Field(default=None, description="Third-class merit.")
    honour: Points | None = Field(
        default=None, description="Points for a provincial-or-higher model-worker honour.")
    combine: Combine = Field(default="sum", description="How the parts combine.")
    cap: Points | None = Field(default=None, description="Most points over all parts.")
    LABEL = ("表彰奖项", "Awards and honours")
    EXAMPLE = """
[factors.awards]
family = "awards"
national = 30
provincial = 20
municipal = 10
district = 5
merit_first = { first = 20, further = 5 }
merit_second = { first = 10, further = 2 }
merit_third = { first = 5, further = 1 }
ref = "穗来穗规字〔2021〕1号 附件：表彰奖项"
status = "confirmed"
"""

    @model_validator(mode="after")
    def _parts(self) -> Awards:
        _need_one(self, "national", "provincial", "municipal", "district", "merit_first",
                  "merit_second", "merit_third", "honour")
        return self

    def _tree(self) -> _Node:
        parts: list[_Part | _Node] = []
        for level in ("national", "provincial", "municipal", "district"):
            pts = getattr(self, level)
            if pts is not None:
                parts.append(_Part(level, _count(f"awards_{level}", pts,
                                                 None if self.repeat else pts), level))
        for name in ("first", "second", "third"):
            merit: Merit | None = getattr(self, f"merit_{name}")
            if merit is not None:
                parts.append(_Part(f"merit_{name}", {
                    "fact": f"merit_{name}_class", "rule": "flat_plus_rate", "start": 1,
                    "flat": merit.first, "rate": merit.further}, f"merit_{name}"))
        if self.honour is not None:
            parts.append(_Part("honour", _flag("model_worker_honour", self.honour), "honour"))
        return _Node("", self.combine, parts, cap=self.cap)


_YEARS_OF = {"rd": "rd_high_tech_months", "incubator_startup": "incubator_startup_months",
             "incubator_service": "incubator_service_months"}
_CONTESTS = {
    "contest_national": ("awards_national", "国家级科技、文化或创新创业大赛奖项",
                         "National science, culture or innovation-contest awards"),
    "contest_provincial": ("awards_provincial", "省级（含直辖市）科技、文化或创新创业大赛奖项",
                           "Provincial or municipal contest awards"),
}


class Innovation(Family):
    """Innovation (创新能力 / 创新创业): patents, years in innovative work, contest awards.

    Each patent part gives `rate` per whole patent, split exactly by inventors (Guangzhou:
    20 ÷ inventors per invention patent, cap 40). The year parts give points per full
    period of R&D at a high-tech employer (Guangzhou: 2 a year, cap 10) or of work in or for
    an incubator. The contest parts count awards (Beijing: up to 12 national, 6 municipal),
    read from the award-count facts. Beijing counts only the best item:
    `combine = "highest"`. `<id>` alone, or group `<id>` holding `<id>_invention`,
    `<id>_utility`, `<id>_design`, `<id>_rd`, `<id>_incubator_startup`,
    `<id>_incubator_service`, `<id>_contest_national`, `<id>_contest_provincial`.
    """

    family: Literal["innovation"]
    invention: Share | None = Field(default=None, description="Invention patents, 5 years.")
    utility: Share | None = Field(default=None, description="Utility-model patents, 5 years.")
    design: Share | None = Field(default=None, description="Design patents, 5 years.")
    rd: Rate | None = Field(default=None, description=(
        "Per full period of R&D at a high-tech enterprise or R&D institution."))
    incubator_startup: Rate | None = Field(default=None, description=(
        "Per full period in a start-up inside an incubator or maker space."))
    incubator_service: Rate | None = Field(default=None, description=(
        "Per full period at an incubator, maker space, tech-transfer or service body."))
    contest_national: Each | None = Field(default=None, description=(
        "Per national science, culture or innovation-contest award (awards_national)."))
    contest_provincial: Each | None = Field(default=None, description=(
        "Per provincial or municipal contest award (awards_provincial)."))
    combine: Combine = Field(default="sum", description="How the parts combine.")
    cap: Points | None = Field(default=None, description="Most points over all parts.")
    LABEL = ("创新能力", "Innovation")
    EXAMPLE = """
[factors.innovation]
family = "innovation"
invention = { rate = 20, cap = 40 }
rd = { rate = 2, cap = 10 }
ref = "穗来穗规字〔2021〕1号 附件：创新能力"
status = "provisional"
note = "20 ÷ inventors (A11); the 2020 table used 20/(n+1) (A16), a conflict."
"""

    @model_validator(mode="after")
    def _parts(self) -> Innovation:
        _need_one(self, "invention", "utility", "design", *_YEARS_OF, *_CONTESTS)
        return self

    def _tree(self) -> _Node:
        parts: list[_Part | _Node] = []
        for kind in ("invention", "utility", "design"):
            share: Share | None = getattr(self, kind)
            if share is not None:
                parts.append(_Part(kind, _rate(f"{kind}_patent_share", share.rate, 1,
                                               share.cap, whole=False), kind))
        for name, fact in _YEARS_OF.items():
            years: Rate | None = getattr(self, name)
            if years is not None:
                parts.append(_Part(name, _rate(fact, years.rate, years.per, years.cap), name))
        for name, (fact, zh, en) in _CONTESTS.items():
            each: Each | None = getattr(self, name)
            if each is not None:
                parts.append(_Part(name, _count(fact, each.each, each.cap), name, (zh, en)))
        return _Node("", self.combine, parts, cap=self.cap)


_PENALTY_FACTS = {
    "credit_minor": "credit_records_under_90d",
    "credit_serious": "credit_records_over_90d",
    "court_defaulter": "court_defaulter",
    "tax_evasion": "tax_evasion_records_5y",
    "public_security": "public_security_penalties_5y",
    "detention": "detention_records_5y",
    "false_material": "false_material_3y",
    "criminal": "criminal_records_5y",
    "criminal_record": "criminal_record",
    "drugs": "drug_records",
    "family_planning": "family_planning_violation",
}


class Penalties(Family):
    """Deductions (减分指标) per negative record, written in `[deductions.<id>]`.

    Each parameter is the (negative) points per record in the fact's look-back window, or
    once for a true/false record; `purposes` limits them (Guangzhou's do not apply to school
    admission). One deduction `<id>_<part>` per parameter given (`<id>` if just one), each
    with the family's `ref`, `status` and `note`.
    """

    SECTION = "deductions"
    family: Literal["penalties"]
    group: None = Field(default=None, description="Deductions are never grouped.")
    credit_minor: Negative | None = Field(
        default=None, description="Per bad credit record overdue under 90 days (5 years).")
    credit_serious: Negative | None = Field(
        default=None, description="Per bad credit record overdue 90 days or more (5 years).")
    court_defaulter: Negative | None = Field(
        default=None, description="Once, if listed by a court as a defaulting debtor.")
    tax_evasion: Negative | None = Field(
        default=None, description="Per tax-evasion record (5 years).")
    public_security: Negative | None = Field(
        default=None, description="Per public-security penalty (5 years).")
    detention: Negative | None = Field(
        default=None, description="Per administrative detention (5 years).")
    false_material: Negative | None = Field(
        default=None, description="Per false-material finding (3 years).")
    criminal: Negative | None = Field(
        default=None, description="Per criminal penalty (5 years).")
    criminal_record: Negative | None = Field(
        default=None, description="Once, for any criminal record ever.")
    drugs: Negative | None = Field(default=None, description="Per drug-related penalty.")
    family_planning: Negative | None = Field(
        default=None, description="Once, for a family-planning violation.")
    purposes: list[Id] | None = Field(
        default=None, description="The purposes the deductions apply to (all if absent).")
    LABEL = ("减分指标", "Deductions")
    EXAMPLE = """
[deductions.penalties]
family = "penalties"
credit_minor = -10
credit_serious = -10
tax_evasion = -10
public_security = -10
purposes = ["settlement"]
ref = "穗来穗规字〔2021〕1号 附件：减分指标"
status = "provisional"
note = "−10 per credit record in the 2021 table (A13); 2018/2020 gave −5."
"""

    @model_validator(mode="after")
    def _parts(self) -> Penalties:
        _need_one(self, *_PENALTY_FACTS)
        return self

    def _tree(self) -> _Node:
        parts: list[_Part | _Node] = []
        for name, fact in _PENALTY_FACTS.items():
            pts = getattr(self, name)
            if pts is not None:
                rule = _flag(fact, pts) if FACTS[fact].kind == "bool" else _count(fact, pts)
                if self.purposes is not None:
                    rule["purposes"] = list(self.purposes)
                parts.append(_Part(name, rule, name))
        return _Node("", "sum", parts)


def _family_name(cls: type[Family]) -> str:
    return str(get_args(cls.model_fields["family"].annotation)[0])


#: Every family by the name a schedule gives in `family = "..."`.
FAMILIES: dict[str, type[Family]] = {
    _family_name(cls): cls
    for cls in (ResidenceYears, Employment, Housing, Education, SocialInsurance, Tax, Skills,
                Volunteering, Age, Awards, Innovation, Penalties)
}


# --- the loader's hook ---------------------------------------------------------------------


@attrs.frozen
class _Found:
    """One family table of the schedule, validated and expanded."""

    section: str
    id: str
    family: Family
    file: str
    lines: Lines
    tables: Tables
    keys: dict[tuple[str, str], str]

    def error(self, path: tuple[str | int, ...], msg: str, value: Any) -> ScheduleError:
        full = (self.section, self.id, *path)
        return ScheduleError(msg, file=self.file, line=locate(self.lines, full),
                             path=_dotted(full), value=value)


def expand_families(raw: dict[str, Any],
                    chain: Sequence[tuple[str, Lines]]) -> dict[str, Any]:
    """`raw` (a parsed, merged schedule) with every family table replaced by its expansion.

    `chain` is the loader's list of (file, key lines), the schedule first and then what it
    extends. Family parameters are checked here, with the schedule's precision, the groups
    and purposes they name, and the ids they generate; each error names the family table.
    The line of every generated key is recorded in the lines of the file holding the
    family, so any later error about a generated entry points there too.
    """
    sections = ("factors", "groups", "deductions")
    tables = {s: raw[s] if isinstance(raw.get(s), dict) else {} for s in sections}
    is_family = [(s, i) for s in sections for i, e in tables[s].items()
                 if s != "groups" and isinstance(e, dict) and "family" in e]
    if not is_family:
        return raw
    problems: list[ScheduleError] = []
    found: dict[tuple[str, str], _Found] = {}
    for section, fid in is_family:
        file, lines = next(((f, ls) for f, ls in chain if (section, fid) in ls), chain[0])
        try:
            fam = _family(section, fid, tables[section][fid], file, lines)
        except ScheduleValidationError as exc:
            problems.extend(exc.problems)
            continue
        found[(section, fid)] = _Found(section, fid, fam, file, lines, *fam._expand(fid))
    taken = {i for s in sections for i in tables[s] if (s, i) not in is_family}
    made_groups = {g for f in found.values() for g in f.tables.get("groups", {})}
    purposes: dict[str, Any] = raw["purposes"] if isinstance(raw.get("purposes"), dict) else {}
    q = _precision(raw)
    for f in found.values():
        for sec, gen in f.tables.items():
            for gid in gen:
                if gid in taken:
                    problems.append(f.error((), f"makes {sec}.{gid}, an id already in use", gid))
                taken.add(gid)
        for path, value in _finer(f.family, q) if q is not None else ():
            problems.append(f.error(path, f"is finer than the schedule's precision {q}", value))
        if f.family.group is not None and f.family.group not in {*tables["groups"],
                                                                 *made_groups}:
            problems.append(f.error(("group",), "names no group", f.family.group))
        for i, pid in enumerate(getattr(f.family, "purposes", None) or ()):
            if pid not in purposes:
                problems.append(f.error(("purposes", i), "names no purpose", pid))
    if problems:
        raise ScheduleValidationError(problems)
    new: dict[str, dict[str, Any]] = {s: {} for s in sections}
    for section in sections:
        for key, entry in tables[section].items():
            if (section, key) not in found:
                new[section][key] = entry
                continue
            f = found[(section, key)]
            for sec, gen in f.tables.items():
                for gid, spec in gen.items():
                    new[sec][gid] = spec
                    _record_lines(f.lines, (section, key), (sec, gid), f.keys[(sec, gid)], spec)
    out = dict(raw)
    for sec in sections:
        if isinstance(raw.get(sec), dict) or (sec not in raw and new[sec]):
            out[sec] = new[sec]
    return out


def _precision(raw: dict[str, Any]) -> Decimal | None:
    meta = raw.get("schedule")
    q = meta.get("precision") if isinstance(meta, dict) else None
    if q is None:
        return Decimal(str(Meta.model_fields["precision"].default))
    try:
        value = Decimal(str(q))
    except ArithmeticError:
        return None  # the [schedule] table's own check reports it
    powers = {Decimal(1).scaleb(-k) for k in range(7)}
    return value if value.is_finite() and value.normalize() in powers else None


_QUANTITIES = frozenset({"per", "at_least", "min", "below"})  # fact units, not points


def _finer(v: Any, q: Decimal, path: tuple[str | int, ...] = (),
           name: str = "") -> Iterator[tuple[tuple[str | int, ...], Decimal]]:
    """The points parameters of `v` that are not multiples of `q`, with their key paths."""
    if isinstance(v, BaseModel):
        for key, field in type(v).model_fields.items():
            yield from _finer(getattr(v, key), q, (*path, field.alias or key), key)
    elif isinstance(v, (list, dict)):
        for k, x in (enumerate(v) if isinstance(v, list) else v.items()):
            yield from _finer(x, q, (*path, k), name)
    elif isinstance(v, Decimal) and name not in _QUANTITIES and v % q != 0:
        yield path, v


def _family(section: str, fid: str, entry: dict[str, Any], file: str, lines: Lines) -> Family:
    name = entry["family"]
    cls = FAMILIES.get(name) if isinstance(name, str) else None

    def fail(key: str, msg: str, value: Any) -> ScheduleValidationError:
        path = (section, fid, key)
        return ScheduleValidationError([ScheduleError(
            msg, file=file, line=lines.get(path, lines.get((section, fid))),
            path=".".join(path), value=value)])

    if cls is None:
        raise fail("family", f"unknown family (families: {', '.join(FAMILIES)})", name)
    if "rule" in entry:
        raise fail("rule", "a factor is written with rule or with family, not both",
                   entry["rule"])
    if section != cls.SECTION:
        raise fail("family", f"family {name!r} belongs in [{cls.SECTION}]", name)
    try:
        fam = cls.model_validate(entry)
    except ValidationError as exc:
        raise _validation_error(exc, file, lines, prefix=(section, fid)) from None
    return fam


def _record_lines(lines: Lines, family: tuple[str, str], target: tuple[str, str], key: str,
                  spec: dict[str, Any]) -> None:
    head = lines.get(family)
    if head is None:
        return
    part = lines.get((*family, key), head) if key else head
    lines.setdefault(target, part)
    for k in spec:
        common = k in _COMMON or k in ("when", "purposes")
        candidates = [(*family, k)] if common else [(*family, key, k), (*family, k),
                                                      (*family, key)]
        line = next((lines[c] for c in candidates if c in lines and c[-1]), part)
        lines.setdefault((*target, k), line)


def to_toml(tables: Tables) -> str:
    """Expanded tables as TOML text, one `[section.id]` table each (for docs and review)."""
    out = []
    for section, entries in tables.items():
        for key, spec in entries.items():
            out.append(f"[{section}.{key}]\n" + "".join(
                f"{k} = {_toml_value(v)}\n" for k, v in spec.items()))
    return "\n".join(out)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return str(v)


# --- JSON Schema ---------------------------------------------------------------------------


def schedule_json_schema() -> dict[str, Any]:
    """The JSON Schema of the schedule format, a factor or deduction by family included."""
    data = Schedule.model_json_schema(by_alias=True)
    factor_families = [c for c in FAMILIES.values() if c.SECTION == "factors"]
    adapter: TypeAdapter[Any] = TypeAdapter(
        Union[tuple(FAMILIES.values())])  # type: ignore[arg-type]  # noqa: UP007
    fam = adapter.json_schema(by_alias=True, ref_template="#/$defs/{model}")
    data["$defs"].update(fam.get("$defs", {}))
    for section, classes in (("factors", factor_families), ("deductions", [Penalties])):
        prop = data["properties"][section]
        for pattern in prop.get("patternProperties", {}).values():
            pattern["oneOf"] = [*pattern["oneOf"],
                                *({"$ref": f"#/$defs/{c.__name__}"} for c in classes)]
    return data


# --- parameters in words (for help() and docs/families.md) ---------------------------------


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line if line else line for line in text.splitlines())


def _type_text(tp: Any) -> str:
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        return _type_text(args[0])
    if origin is Literal:
        return " | ".join(f'"{a}"' for a in args)
    if origin is list:
        return f"list of {_type_text(args[0])}"
    if origin is dict:
        return f"table of {_type_text(args[0])} → {_type_text(args[1])}"
    if args and type(None) in args:
        return _type_text(Union[tuple(a for a in args if a is not type(None))])  # noqa: UP007
    names = {Decimal: "number", int: "integer", bool: "true/false", str: "string",
             type(None): "none"}
    if tp in names:
        return names[tp]
    return getattr(tp, "__name__", str(tp))


def _bounds(field: FieldInfo) -> str:
    found: dict[str, Any] = {}
    metas = list(field.metadata)
    for a in get_args(field.annotation):
        for m in get_args(a)[1:] if get_origin(a) is Annotated else ():
            metas.extend(getattr(m, "metadata", [m]))
    for m in metas:
        for op in ("ge", "gt", "le", "lt"):
            if getattr(m, op, None) is not None:
                found[op] = getattr(m, op)
    signs = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    return ", ".join(f"{signs[op]} {v}" for op, v in found.items())


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "optional"
    if isinstance(value, str):
        return f'default "{value}"'
    if isinstance(value, bool):
        return f"default {str(value).lower()}"
    if isinstance(value, list):
        return "default [" + ", ".join(f'"{v}"' for v in value) + "]" if value else \
            "default []"
    return f"default {value}"


def parameter_rows(cls: type[BaseModel]) -> list[tuple[str, str, str, str]]:
    """(name, type and bounds, required or default, description) for each parameter."""
    rows = []
    order = sorted(cls.model_fields, key=lambda n: (n != "fact", n == "group"))
    for name in order:
        field = cls.model_fields[name]
        if name == "family" or (name in _COMMON and name != "group") or \
                (name == "group" and cls is Penalties):
            continue
        kind = _type_text(field.annotation)
        bounds = _bounds(field)
        rows.append((field.alias or name, kind + (f" ({bounds})" if bounds else ""),
                     _default(field), field.description or ""))
    return rows


def parameters_text(cls: type[BaseModel]) -> str:
    """The parameters of a family or parameter table as plain text (in its docstring)."""
    head = "Parameters"
    if issubclass(cls, Family):
        head += f' (family = "{_family_name(cls)}"; also label, ref, status, note)'
    lines = [head, ""]
    for name, kind, default, text in parameter_rows(cls):
        lines += [f"{name}: {kind}, {default}", f"    {text}"]
    return "\n".join(lines)


_documented: tuple[type[BaseModel], ...] = (*FAMILIES.values(), Rate, Share, Each, Merit,
                                            TaxPart, RatioBand, AgeStep)
for _cls in _documented:
    _example = getattr(_cls, "EXAMPLE", "").strip()
    _cls.__doc__ = inspect.cleandoc(_cls.__doc__ or "") + "\n\n" + parameters_text(_cls) + (
        "\n\nExample::\n\n" + _indent(_example, "    ") if _example else "") + "\n"
