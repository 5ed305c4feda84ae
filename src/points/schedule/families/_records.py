"""Families of contributions and conduct: insurance, tax, volunteering, age, awards,
innovation, penalties; and `FAMILIES`, every family by name."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from typing import Any, Literal, get_args

from pydantic import Field, model_validator

from ...facts import vocabulary
from ..model import Id
from ._base import (
    ALL_TYPES,
    AgeStep,
    Combine,
    Each,
    Family,
    InsuranceType,
    Merit,
    Months,
    Negative,
    Node,
    Part,
    Points,
    Rate,
    RatioBand,
    Share,
    TaxPart,
    count_entry,
    flag_entry,
    need_one,
    rate_entry,
)
from ._people import Education, Employment, Housing, ResidenceYears, Skills


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
        default_factory=lambda: list(ALL_TYPES), min_length=1,
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

    def _tree(self) -> Part | Node:
        if self.base_ratio is not None:
            bands = [{k: v for k, v in b.model_dump().items() if v is not None}
                     for b in self.base_ratio]
            return Part("base_ratio", {"fact": "insurance_base_ratio", "rule": "bands",
                                        "bands": bands}, "base_ratio")
        assert self.rate is not None
        return Node("", "sum", [
            Part(t, rate_entry(f"{t}_months", self.rate, self.per,
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
        need_one(self, "income", "business", "hires")
        return self

    def _tree(self) -> Node:
        parts: list[Part | Node] = []
        for name, fact in (("income", "income_tax_3y"), ("business", "business_tax_3y"),
                           ("hires", "local_hires_3y")):
            part: TaxPart | None = getattr(self, name)
            if part is not None:
                parts.append(Part(name, part.rule(fact), name))
        return Node("", self.combine, parts, cap=self.cap)


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
        need_one(self, "rate", "blood")
        if self.rate is None and (self.year_cap is not None or self.cap is not None):
            raise ValueError("year_cap and cap go with rate")
        return self

    def _tree(self) -> Node:
        years: list[Part | Node] = []
        if self.rate is not None:
            years = [Part(f"year{i}", rate_entry(f"volunteer_hours_year{i}", self.rate,
                                              self.hours, self.year_cap), "rate")
                     for i in range(1, self.years + 1)]
        blood: list[Part | Node] = []
        if self.blood is not None:
            blood.append(Part("blood", count_entry("blood_donations_5y", self.blood.each,
                                               self.blood.cap), "blood"))
        return Node("", "sum", [Node("hours", "sum", years, cap=self.cap,
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

    def _tree(self) -> Part:
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
        return Part("age", {"fact": "age", "rule": "bands",
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
        need_one(self, "national", "provincial", "municipal", "district", "merit_first",
                  "merit_second", "merit_third", "honour")
        return self

    def _tree(self) -> Node:
        parts: list[Part | Node] = []
        for level in ("national", "provincial", "municipal", "district"):
            pts = getattr(self, level)
            if pts is not None:
                parts.append(Part(level, count_entry(f"awards_{level}", pts,
                                                 None if self.repeat else pts), level))
        for name in ("first", "second", "third"):
            merit: Merit | None = getattr(self, f"merit_{name}")
            if merit is not None:
                parts.append(Part(f"merit_{name}", {
                    "fact": f"merit_{name}_class", "rule": "flat_plus_rate", "start": 1,
                    "flat": merit.first, "rate": merit.further}, f"merit_{name}"))
        if self.honour is not None:
            parts.append(Part("honour", flag_entry("model_worker_honour", self.honour), "honour"))
        return Node("", self.combine, parts, cap=self.cap)


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
        need_one(self, "invention", "utility", "design", *_YEARS_OF, *_CONTESTS)
        return self

    def _tree(self) -> Node:
        parts: list[Part | Node] = []
        for kind in ("invention", "utility", "design"):
            share: Share | None = getattr(self, kind)
            if share is not None:
                parts.append(Part(kind, rate_entry(f"{kind}_patent_share", share.rate, 1,
                                               share.cap, whole=False), kind))
        for name, fact in _YEARS_OF.items():
            years: Rate | None = getattr(self, name)
            if years is not None:
                parts.append(Part(name, rate_entry(fact, years.rate, years.per, years.cap), name))
        for name, (fact, zh, en) in _CONTESTS.items():
            each: Each | None = getattr(self, name)
            if each is not None:
                parts.append(Part(name, count_entry(fact, each.each, each.cap), name, (zh, en)))
        return Node("", self.combine, parts, cap=self.cap)


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
        need_one(self, *_PENALTY_FACTS)
        return self

    def _tree(self) -> Node:
        parts: list[Part | Node] = []
        for name, fact in _PENALTY_FACTS.items():
            pts = getattr(self, name)
            if pts is not None:
                rule = (flag_entry(fact, pts) if vocabulary()[fact].kind == "bool"
                        else count_entry(fact, pts))
                if self.purposes is not None:
                    rule["purposes"] = list(self.purposes)
                parts.append(Part(name, rule, name))
        return Node("", "sum", parts)



def family_name(cls: type[Family]) -> str:
    return str(get_args(cls.model_fields["family"].annotation)[0])


#: Every family by the name a schedule gives in `family = "..."`.
FAMILIES: dict[str, type[Family]] = {
    family_name(cls): cls
    for cls in (ResidenceYears, Employment, Housing, Education, SocialInsurance, Tax, Skills,
                Volunteering, Age, Awards, Innovation, Penalties)
}
