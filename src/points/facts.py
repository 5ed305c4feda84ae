"""The facts of one applicant as of one evaluation date (`Applicant`), and their metadata.

An `Applicant` is flat: every field is a number, a flag, a level or a date, so one applicant
is one row of a table. Durations are whole **months**; money is yuan as `Decimal`; shared
patent credit is an exact `Fraction`. Counts whose name ends in `_5y` / `_3y` are events in
the look-back window of that many years before the evaluation date.

Every field's bounds are `annotated_types` metadata (read by pydantic, Hypothesis and JSON
Schema); `FACTS` describes every fact a schedule may name, `age` included (derived from
`birth_date` when only that is given).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal, get_args

import attrs
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import ApplicantError

__all__ = [
    "FACTS",
    "FLAG_WORDS",
    "INT_SCAN",
    "LEVELS",
    "LEVEL_ALIASES",
    "MULTIPLES",
    "Applicant",
    "Education",
    "FactInfo",
    "Housing",
    "SkillGrade",
    "Title",
    "age_on",
    "candidates",
    "fact_step",
    "fact_value",
    "optional",
    "years_begun",
]

Education = Literal[
    "none",
    "junior_high",
    "high_school",
    "associate",
    "bachelor",
    "bachelor_degree",
    "master",
    "doctorate",
]
Title = Literal["none", "junior", "intermediate", "senior"]
SkillGrade = Literal["none", "level5", "level4", "level3", "level2", "level1"]
Housing = Literal["none", "dormitory", "rental", "owned"]
Sex = Literal["female", "male"]
Relative = Literal["none", "spouse", "parent", "child", "other_close"]
Veteran = Literal["none", "discharged", "resettled_cadre"]

#: Chinese and English labels of every level value, by level type.
LEVELS: dict[str, dict[str, tuple[str, str]]] = {
    "education": {
        "none": ("初中以下", "below junior high"),
        "junior_high": ("初中", "junior high school"),
        "high_school": ("高中、中专、中职", "senior high or secondary vocational"),
        "associate": ("大专、高职", "associate (junior college)"),
        "bachelor": ("本科（无学位）", "bachelor's course, no degree"),
        "bachelor_degree": ("本科及学士学位", "bachelor's degree"),
        "master": ("硕士研究生", "master's degree"),
        "doctorate": ("博士研究生", "doctorate"),
    },
    "title": {
        "none": ("无职称", "no professional title"),
        "junior": ("初级职称", "junior professional title"),
        "intermediate": ("中级职称", "intermediate professional title"),
        "senior": ("高级职称", "senior professional title"),
    },
    "skill": {
        "none": ("无技能等级", "no skill grade"),
        "level5": ("五级/初级工", "grade 5 (elementary worker)"),
        "level4": ("四级/中级工", "grade 4 (intermediate worker)"),
        "level3": ("三级/高级工", "grade 3 (senior worker)"),
        "level2": ("二级/技师", "grade 2 (technician)"),
        "level1": ("一级/高级技师", "grade 1 (senior technician)"),
    },
    "housing": {
        "none": ("无", "none"),
        "dormitory": ("单位宿舍", "employer dormitory"),
        "rental": ("登记租赁住房", "registered rental"),
        "owned": ("自有住房", "owned home"),
    },
    "sex": {"female": ("女", "female"), "male": ("男", "male")},
    "relative": {
        "none": ("无", "none"),
        "spouse": ("配偶", "spouse"),
        "parent": ("父母", "parent"),
        "child": ("子女", "child"),
        "other_close": ("其他近亲属", "other close relative"),
    },
    "military": {
        "none": ("无", "none"),
        "discharged": ("复员、退伍、转业军人", "discharged from active service"),
        "resettled_cadre": ("接受安置的军队转业、退役、离退休干部",
                            "military cadre resettled by the state"),
    },
}

#: Chinese names accepted as input for level values, by level type: each label of `LEVELS`,
#: for education and skill also each part of a label (`大专`, `高职`, `五级`, `初级工`) and
#: the label without its parenthesis; and the short forms of office files. `本科` alone is
#: the course without a degree (a degree is `本科及学士学位`, `本科+学士` or `学士`).
def _level_aliases() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for kind, values in LEVELS.items():
        names: dict[str, str] = {}
        for value, (zh, _) in values.items():
            parts = {zh}
            if kind in ("education", "skill"):
                bare = zh.split("（")[0]
                parts |= {bare, *bare.replace("/", "、").split("、")}
            for part in sorted(parts):
                names.setdefault(part, value)
        out[kind] = names
    out["education"].update({
        "本科": "bachelor", "本科+学士": "bachelor_degree", "学士": "bachelor_degree",
        "专科": "associate", "硕士": "master", "博士": "doctorate"})
    out["title"].update({"初级": "junior", "中级": "intermediate", "高级": "senior"})
    return out


LEVEL_ALIASES = _level_aliases()
#: Chinese words accepted for flags.
FLAG_WORDS: dict[str, bool] = {"是": True, "否": False}

_MAX_MONTHS = 1200
_MAX_AGE = 120
_MAX_COUNT = 1000
_MAX_YUAN = Decimal("1000000000000")


def _meta(zh: str, en: str, unit: str | None = None, window: int | None = None) -> Any:
    extra: dict[str, Any] = {"zh": zh, "en": en}
    if unit:
        extra["unit"] = unit
    if window:
        extra["window_years"] = window
    return extra


def _months(zh: str, en: str) -> Any:
    return Field(default=0, ge=0, le=_MAX_MONTHS, json_schema_extra=_meta(zh, en, "month"))


def _count(zh: str, en: str, window: int | None = None, hi: int = _MAX_COUNT) -> Any:
    return Field(default=0, ge=0, le=hi, json_schema_extra=_meta(zh, en, "count", window))


def _hours(zh: str, en: str, hi: int = 8784) -> Any:
    return Field(default=0, ge=0, le=hi, json_schema_extra=_meta(zh, en, "hour"))


def _flag(zh: str, en: str, window: int | None = None) -> Any:
    return Field(default=False, json_schema_extra=_meta(zh, en, None, window))


def _yuan(zh: str, en: str, window: int | None = None) -> Any:
    return Field(
        default=Decimal(0), ge=0, le=_MAX_YUAN, max_digits=16, decimal_places=2,
        json_schema_extra=_meta(zh, en, "yuan", window),
    )


def _exact_share(v: Any) -> Any:
    """A float share is read from its shortest decimal text (0.1 is 1/10, not 2^-55 × …)."""
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


Share = Annotated[Fraction, BeforeValidator(_exact_share)]


def _share(zh: str, en: str, window: int | None = None) -> Any:
    return Field(default=Fraction(0), ge=0, le=1000,
                 json_schema_extra=_meta(zh, en, "share", window))


class Applicant(BaseModel):
    """The flat facts of one applicant on one evaluation date.

    Every field but `age`/`birth_date` has a default (zero, false, "none"), so a caller
    gives only what it knows. Give `age` or `birth_date` (or both, if they agree).

    >>> Applicant(age=30, permit_months=36).permit_months
    36
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False,
                              validate_default=False)

    # identity
    applicant_id: str | None = Field(
        default=None, max_length=200, json_schema_extra=_meta("编号", "applicant id"))
    birth_date: date | None = Field(
        default=None, json_schema_extra=_meta("出生日期", "date of birth"))
    age: int | None = Field(
        default=None, ge=0, le=_MAX_AGE,
        json_schema_extra=_meta("年龄", "age in full years", "year"))
    age_years_begun: int | None = Field(
        default=None, ge=0, le=_MAX_AGE + 1, json_schema_extra=_meta(
            "年龄（不满一年按一年计）",
            "age in years begun: full years, plus one unless the day is a birthday", "year"))
    sex: Sex | None = Field(default=None, json_schema_extra=_meta("性别", "sex"))

    # residence
    residence_months: int = _months("在本地连续居住月数", "months lived in the city")
    has_permit: bool = _flag("持有本地有效居住证", "holds a valid local residence permit")
    permit_months: int = _months("连续持有居住证月数", "months continuously holding the permit")
    housing: Housing = Field(
        default="none", json_schema_extra=_meta("住所类型", "current housing"))
    owned_home_months: int = _months("拥有自有住房月数", "months owning a home in the city")
    rental_months: int = _months(
        "登记租赁住房或单位宿舍居住月数", "months in a registered rental or employer dormitory")
    owned_home_outer_district: bool = _flag(
        "自有住房位于外围区（如从化、增城）", "owned home is in a designated outer district")
    moved_out_central_months: int = _months(
        "迁出中心城区后居住月数", "months living outside the central districts after moving out")
    outer_district_work_and_home_months: int = _months(
        "在远郊重点区域就业并居住月数", "months working and living in a designated outer district")

    # employment and social insurance (local months; back-paid and transferred-in excluded)
    employed: bool = _flag("合法稳定就业或经营", "lawful stable employment or business")
    pension_months: int = _months("养老保险缴费月数", "months of pension insurance")
    medical_months: int = _months("医疗保险缴费月数", "months of medical insurance")
    unemployment_months: int = _months("失业保险缴费月数", "months of unemployment insurance")
    injury_months: int = _months("工伤保险缴费月数", "months of work-injury insurance")
    maternity_months: int = _months("生育保险缴费月数", "months of maternity insurance")
    insurance_back_paid_months: int = _months("社保补缴月数", "back-paid insurance months")
    housing_fund_months: int = _months("住房公积金缴存月数", "months of housing-fund deposits")
    insurance_base_ratio: Decimal = Field(
        default=Decimal(0), ge=0, le=100, max_digits=8, decimal_places=4,
        json_schema_extra=_meta("社保缴费基数与平均工资之比",
                                "insurance contribution base / city average wage", "ratio"))
    rd_high_tech_months: int = _months(
        "在高新技术企业或新型研发机构从事研发月数",
        "months of R&D work at a high-tech enterprise or R&D institution")
    hardship_industry: bool = _flag(
        "现从事特殊艰苦行业一线工作", "works front-line in a special-skill or hardship industry")
    hardship_industry_months: int = _months(
        "从事特殊艰苦行业一线工作月数", "months front-line in a special-skill or hardship industry")
    shortage_occupation: bool = _flag("从事急需紧缺工种", "works in a listed shortage occupation")
    works_in_qualified_trade: bool = _flag(
        "从事与职称或技能等级对应的工作", "works in the trade matching the title or skill grade")
    public_service_field_months: int = _months(
        "在特定公共服务领域就业月数", "months employed in a designated public-service field")
    spouse_local_hukou_months: int = _months(
        "与本地户籍配偶结婚月数", "months married to a local-hukou spouse")

    # education and skills
    education: Education = Field(
        default="none", json_schema_extra=_meta("文化程度", "education level"))
    student: bool = _flag("全日制在校学生", "enrolled full-time student")
    recent_graduate: bool = _flag("全日制应届高校毕业生", "full-time new graduate")
    shortage_major: bool = _flag("紧缺急需专业", "field of study on the shortage list")
    professional_title: Title = Field(
        default="none", json_schema_extra=_meta("专业技术职称", "professional title"))
    skill_grade: SkillGrade = Field(
        default="none", json_schema_extra=_meta("职业技能等级", "vocational skill grade"))
    talent_certified: bool = _flag("经认定的人才", "certified as talent by the city")

    # innovation, awards, honours
    invention_patent_share: Share = _share(
        "发明专利份额（每项专利1÷发明人数之和）",
        "invention patents, each counted as 1 ÷ number of inventors", 5)
    utility_patent_share: Share = _share(
        "实用新型专利份额", "utility-model patents, each 1 ÷ number of inventors", 5)
    design_patent_share: Share = _share(
        "外观设计专利份额", "design patents, each 1 ÷ number of inventors", 5)
    awards_national: int = _count("国家级表彰奖励项数", "distinct national awards")
    awards_provincial: int = _count(
        "省部级表彰奖励项数", "distinct provincial or ministerial awards")
    awards_municipal: int = _count("市级表彰奖励项数", "distinct municipal awards")
    awards_district: int = _count("区级或市直部门表彰奖励项数",
                                  "distinct district or municipal-department awards")
    awards_municipal_special: int = _count(
        "市级专项表彰奖励项数", "distinct municipal special (single-field) awards")
    merit_first_class: int = _count("一等功次数", "first-class military merits", hi=100)
    merit_second_class: int = _count("二等功次数", "second-class military merits", hi=100)
    merit_third_class: int = _count("三等功次数", "third-class military merits", hi=100)
    model_worker_honour: bool = _flag(
        "省部级以上劳动模范等荣誉", "provincial-or-higher model worker or similar honour")

    # social service
    blood_donations_5y: int = _count("近5年无偿献血次数", "blood donations", 5, hi=200)
    volunteer_hours_year1: int = _hours("最近第1年志愿服务时数", "volunteer hours, latest year")
    volunteer_hours_year2: int = _hours("最近第2年志愿服务时数", "volunteer hours, 2nd year")
    volunteer_hours_year3: int = _hours("最近第3年志愿服务时数", "volunteer hours, 3rd year")
    volunteer_hours_year4: int = _hours("最近第4年志愿服务时数", "volunteer hours, 4th year")
    volunteer_hours_year5: int = _hours("最近第5年志愿服务时数", "volunteer hours, 5th year")

    # tax
    income_tax_3y: Decimal = _yuan("近3个纳税年度个人所得税", "personal income tax paid", 3)
    business_tax_3y: Decimal = _yuan("近3个纳税年度投资企业纳税份额",
                                     "investor's share of company tax paid", 3)
    local_hires_3y: int = _count("近3年带动本地户籍就业人数", "local-hukou people hired", 3)

    # negative records
    credit_records_under_90d: int = _count(
        "不良信用记录（逾期不足90天）", "bad credit records, overdue under 90 days", 5)
    credit_records_over_90d: int = _count(
        "不良信用记录（逾期90天及以上）", "bad credit records, overdue 90 days or more", 5)
    court_defaulter: bool = _flag("失信被执行人", "listed by a court as a defaulting debtor")
    tax_evasion_records_5y: int = _count("近5年偷逃税记录", "tax-evasion records", 5)
    public_security_penalties_5y: int = _count(
        "近5年治安管理处罚记录", "public-security penalties", 5)
    detention_records_5y: int = _count("近5年行政拘留记录", "administrative detentions", 5)
    false_material_3y: int = _count("近3年提供虚假材料记录", "false-material findings", 3)
    criminal_records_5y: int = _count("近5年刑事处罚记录", "criminal penalties", 5)
    criminal_record: bool = _flag("有刑事犯罪记录", "has ever had a criminal penalty")
    drug_records: int = _count("涉毒记录", "drug-related penalties")
    family_planning_violation: bool = _flag("违反计划生育政策", "violated family-planning rules")

    # settlement routes (落户通道): family, origin, status
    married: bool = _flag("已婚", "married")
    local_relative: Relative = Field(
        default="none", json_schema_extra=_meta(
            "可投靠的本地户籍近亲属", "close relative with local hukou the applicant joins"))
    local_relative_rural: bool = _flag(
        "所投靠近亲属为本地农村户籍且有宅基地",
        "that relative has rural local hukou and a homestead")
    rural_origin: bool = _flag("农村籍（原户籍在农村）", "rural hukou origin")
    rural_land_rights: bool = _flag(
        "在原籍拥有宅基地使用权和土地承包经营权",
        "holds homestead and contracted-land rights at the rural origin")
    lives_in_rural_area: bool = _flag("在农村经常居住生活", "usually lives in a rural village")
    returned_to_work: bool = _flag(
        "返乡入乡就业创业", "returned home or moved to the countryside to work or start a business")
    veteran: Veteran = Field(
        default="none", json_schema_extra=_meta("退出现役军人", "military service ended"))
    vocational_secondary: bool = _flag(
        "就读或毕业于中专、中职或技工学校",
        "enrolled at or graduated from a secondary vocational or technical school")
    stable_income: bool = _flag(
        "有合法稳定收入", "lawful stable income (work, business, pension or other)")
    child_junior_school_months: int = _months(
        "随迁子女在本地初中阶段连续就读月数",
        "months an accompanying child has studied continuously at a local junior secondary")
    child_senior_school_months: int = _months(
        "随迁子女在本地高中阶段连续就读月数",
        "months an accompanying child has studied continuously at a local senior secondary")

    # big-city points schemes (Shanghai, Beijing, Shenzhen)
    cadre: bool = _flag(
        "干部身份（管理或专业技术岗位，女性55岁退休）",
        "in a cadre post (management or professional), women retire at 55 not 50")
    incubator_startup_months: int = _months(
        "在孵化器或众创空间内创业企业投资或就业月数",
        "months as investor or employee of a start-up inside an incubator or maker space")
    incubator_service_months: int = _months(
        "在孵化器、众创空间、技术转移或科技服务机构投资或就业月数",
        "months as investor or employee of an incubator, maker space, tech-transfer or "
        "tech-service organisation")
    serious_criminal_record: bool = _flag("有严重刑事犯罪记录", "has a serious criminal record")
    banned_organisation: bool = _flag(
        "参加过国家禁止的组织或活动", "took part in a banned organisation or activity")

    @model_validator(mode="before")
    @classmethod
    def _chinese_words(cls, data: Any) -> Any:
        # level values by their Chinese names, flags as 是/否
        if isinstance(data, dict):
            changed: dict[str, Any] = {}
            for name, value in data.items():
                if not isinstance(value, str) or name not in FACTS:
                    continue
                info = FACTS[name]
                if info.level_type is not None:
                    found = LEVEL_ALIASES[info.level_type].get(value)
                    if found is not None:
                        changed[name] = found
                elif info.kind == "bool" and value in FLAG_WORDS:
                    changed[name] = FLAG_WORDS[value]
            if changed:
                data = {**data, **changed}
        return data

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: Any) -> Any:
        # pydantic's lax mode reads True as 1; a flag in a number field is a mistake
        if isinstance(data, dict):
            for name in _NUMBER_FIELDS.intersection(data):
                if isinstance(data[name], bool):
                    raise PydanticCustomError(
                        "bool_not_number", "{field} is a number, not true/false",
                        {"field": name})
        return data

    @model_validator(mode="after")
    def _age_or_birth_date(self) -> Applicant:
        if self.age is None and self.birth_date is None:
            raise PydanticCustomError("age_missing", "give age or birth_date")
        return self

    @classmethod
    def parse(
        cls, data: Mapping[str, Any], *, row: int | None = None, source: str | None = None
    ) -> Applicant:
        """Validate a mapping of facts, raising `ApplicantError` naming every bad field."""
        if isinstance(data, Applicant):
            return data
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _applicant_error(exc, row=row, source=source) from None

    def age_on(self, on: date) -> int:
        """Age in full years on `on` (from `birth_date` when given, else `age`)."""
        if self.birth_date is not None:
            years = age_on(self.birth_date, on)
            if self.age is not None and self.age != years:
                raise ApplicantError(
                    [("age", self.age,
                      f"does not match birth_date {self.birth_date} on {on} ({years})")])
            return years
        assert self.age is not None
        return self.age

    def years_begun_on(self, on: date) -> int:
        """Years of age begun on `on`, a part-year counted as a year (不满一年按一年计).

        From `birth_date` when given (a given `age_years_begun` must agree), else the given
        `age_years_begun`, else the age in full years (taken as exact: no part-year).
        """
        if self.birth_date is not None:
            years = years_begun(self.birth_date, on)
            if self.age_years_begun is not None and self.age_years_begun != years:
                raise ApplicantError(
                    [("age_years_begun", self.age_years_begun,
                      f"does not match birth_date {self.birth_date} on {on} ({years})")])
            return years
        if self.age_years_begun is not None:
            return self.age_years_begun
        return self.age_on(on)


def age_on(birth: date, on: date) -> int:
    """Full years between `birth` and `on` (a birthday on 29 February counts on 1 March)."""
    if on < birth:
        raise ApplicantError([("birth_date", birth, f"is after the evaluation date {on}")])
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    if years > _MAX_AGE:
        raise ApplicantError([("birth_date", birth,
                               f"gives an age of {years} on {on}, above the maximum {_MAX_AGE}")])
    return years


def years_begun(birth: date, on: date) -> int:
    """Full years between `birth` and `on`, plus one unless `on` completes a year (a
    birthday, as `age_on` counts it): 40 years and a day is 41; the birthday itself is 40."""
    full = age_on(birth, on)
    if on == birth:
        return full
    day = on - timedelta(days=1)  # the age the day before, as `age_on` counts it
    before = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return full if before < full else full + 1


def _applicant_error(
    exc: ValidationError, *, row: int | None, source: str | None
) -> ApplicantError:
    problems = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(applicant)"
        if err["type"] == "age_missing":
            loc = "age"
        elif err["type"] == "bool_not_number":
            loc = str(err.get("ctx", {}).get("field", loc))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        problems.append((loc, err.get("input"), msg))
    return ApplicantError(problems, row=row, source=source)


@attrs.frozen
class FactInfo:
    """What a schedule needs to know about one fact."""

    name: str
    kind: Literal["int", "decimal", "fraction", "bool", "level"]
    zh: str
    en: str
    unit: str | None = None
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    levels: tuple[str, ...] = ()
    level_type: str | None = None
    window_years: int | None = None


_LEVEL_TYPES = {
    "local_relative": "relative",
    "veteran": "military",
    "education": "education",
    "professional_title": "title",
    "skill_grade": "skill",
    "housing": "housing",
    "sex": "sex",
}


def _facts() -> dict[str, FactInfo]:
    out: dict[str, FactInfo] = {}
    for name, field in Applicant.model_fields.items():
        if name in ("applicant_id", "birth_date"):
            continue
        extra = field.json_schema_extra
        assert isinstance(extra, dict)
        lo = hi = None
        for m in field.metadata:
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        ann = field.annotation
        args = [a for a in get_args(ann) if a is not type(None)] or [ann]
        base = args[0]
        kind: Literal["int", "decimal", "fraction", "bool", "level"]
        levels: tuple[str, ...] = ()
        if name in _LEVEL_TYPES:
            kind = "level"
            levels = tuple(get_args(base)) if get_args(base) else tuple(get_args(ann))
        elif base is bool:
            kind = "bool"
        elif base is int:
            kind = "int"
        elif base is Decimal:
            kind = "decimal"
        elif base is Fraction:
            kind = "fraction"
        else:  # pragma: no cover - guarded by the test of FACTS
            raise TypeError(f"fact {name} has unsupported type {ann!r}")
        out[name] = FactInfo(
            name=name, kind=kind, zh=str(extra["zh"]), en=str(extra["en"]),
            unit=extra.get("unit"),  # type: ignore[arg-type]
            minimum=lo, maximum=hi, levels=levels, level_type=_LEVEL_TYPES.get(name),
            window_years=extra.get("window_years"),  # type: ignore[arg-type]
        )
    return out


#: Every fact a schedule may name, by name.
FACTS: dict[str, FactInfo] = _facts()
_NUMBER_FIELDS = frozenset(
    n for n, f in FACTS.items() if f.kind in ("int", "decimal", "fraction"))


# --- the values of a fact worth examining (points check, sure-or-not) --------------------

#: Whole-number facts with at most this many values are examined value by value.
INT_SCAN = 20_000
#: Per-unit multiples listed as thresholds when a rule has no cap to stop at.
MULTIPLES = 12


def fact_step(info: FactInfo) -> Any:
    """The smallest change of a numeric fact: 1, 0.01 for yuan, 1/1000 of a share."""
    if info.kind == "int":
        return 1
    if info.kind == "fraction":
        return Fraction(1, 1000)
    places = 0
    for m in Applicant.model_fields[info.name].metadata:
        places = getattr(m, "decimal_places", places) or places
    return Decimal(1).scaleb(-places)


def fact_value(info: FactInfo, v: Any) -> Any:
    """`v` as a value of the fact's type (rounded up to the fact's step)."""
    if info.kind == "int":
        return math.ceil(v)
    if info.kind == "fraction":
        return Fraction(v)
    step = fact_step(info)
    if isinstance(v, Fraction):
        v = Decimal(v.numerator) / Decimal(v.denominator)
    return Decimal(v).quantize(step, rounding="ROUND_CEILING")


# --- words -------------------------------------------------------------------------------


def optional(name: str) -> bool:
    """Whether the fact may be absent (None) on an applicant."""
    ann = Applicant.model_fields[name].annotation
    return type(None) in getattr(ann, "__args__", ())


def candidates(info: FactInfo, cut: set[Any]) -> tuple[list[Any], bool]:
    """The values of a fact to examine, and whether they are every value it can take.

    Level and true/false facts: every value (a level fact that may be absent: also None);
    whole numbers over at most `INT_SCAN` values: every one; other numbers: the bounds and
    both sides of every cut (`monotone_pieces` decides whether that is enough).
    """
    if info.kind == "bool":
        return [False, True], True
    if info.kind == "level":
        levels: list[Any] = list(info.levels)
        if info.name != "age" and optional(info.name):
            levels.append(None)
        return levels, True
    lo, hi = info.minimum, info.maximum
    assert lo is not None and hi is not None
    if info.kind == "int" and hi - lo <= INT_SCAN:
        return list(range(int(lo), int(hi) + 1)), True
    step = fact_step(info)
    lo_v, hi_v = fact_value(info, lo), fact_value(info, hi)
    values = {lo_v, hi_v}
    for x in cut:
        for v in (x - step, x, x + step):
            if lo_v <= v <= hi_v:
                values.add(v)
    return sorted(values), False
