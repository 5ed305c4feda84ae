"""The typed `Applicant` of the standard vocabulary.

Generated from `_data/facts.toml` by `python tests/test_vocabulary.py`: do not edit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from ._vocab import ApplicantBase, Check, FactInfo, Share, field_of, read_standard

__all__ = ["Applicant", "Education", "Housing", "Relative", "Sex", "SkillGrade", "Title", "Veteran"]

_FACTS = read_standard().facts
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


class Applicant(ApplicantBase):
    """The facts of one applicant on one evaluation date, in the standard vocabulary.

    Every fact but `age`/`birth_date` has a default (zero, false, the lowest level), so a
    caller gives only what it knows. Give `age` or `birth_date` (or both, if they agree).

    >>> Applicant(age=30, permit_months=36).permit_months
    36
    """

    vocabulary: ClassVar[dict[str, FactInfo]] = _FACTS
    checks: ClassVar[tuple[Check, ...]] = read_standard().always
    birth_date: date | None = field_of(_FACTS["birth_date"])
    age: int | None = field_of(_FACTS["age"])
    age_years_begun: int | None = field_of(_FACTS["age_years_begun"])
    sex: Sex | None = field_of(_FACTS["sex"])
    residence_months: int = field_of(_FACTS["residence_months"])
    has_permit: bool = field_of(_FACTS["has_permit"])
    permit_months: int = field_of(_FACTS["permit_months"])
    housing: Housing = field_of(_FACTS["housing"])
    owned_home_months: int = field_of(_FACTS["owned_home_months"])
    rental_months: int = field_of(_FACTS["rental_months"])
    owned_home_outer_district: bool = field_of(_FACTS["owned_home_outer_district"])
    moved_out_central_months: int = field_of(_FACTS["moved_out_central_months"])
    outer_district_work_and_home_months: int = field_of(
        _FACTS["outer_district_work_and_home_months"])
    employed: bool = field_of(_FACTS["employed"])
    pension_months: int = field_of(_FACTS["pension_months"])
    medical_months: int = field_of(_FACTS["medical_months"])
    unemployment_months: int = field_of(_FACTS["unemployment_months"])
    injury_months: int = field_of(_FACTS["injury_months"])
    maternity_months: int = field_of(_FACTS["maternity_months"])
    insurance_back_paid_months: int = field_of(_FACTS["insurance_back_paid_months"])
    housing_fund_months: int = field_of(_FACTS["housing_fund_months"])
    insurance_base_ratio: Decimal = field_of(_FACTS["insurance_base_ratio"])
    rd_high_tech_months: int = field_of(_FACTS["rd_high_tech_months"])
    hardship_industry: bool = field_of(_FACTS["hardship_industry"])
    hardship_industry_months: int = field_of(_FACTS["hardship_industry_months"])
    shortage_occupation: bool = field_of(_FACTS["shortage_occupation"])
    works_in_qualified_trade: bool = field_of(_FACTS["works_in_qualified_trade"])
    public_service_field_months: int = field_of(_FACTS["public_service_field_months"])
    spouse_local_hukou_months: int = field_of(_FACTS["spouse_local_hukou_months"])
    education: Education = field_of(_FACTS["education"])
    student: bool = field_of(_FACTS["student"])
    recent_graduate: bool = field_of(_FACTS["recent_graduate"])
    shortage_major: bool = field_of(_FACTS["shortage_major"])
    professional_title: Title = field_of(_FACTS["professional_title"])
    skill_grade: SkillGrade = field_of(_FACTS["skill_grade"])
    talent_certified: bool = field_of(_FACTS["talent_certified"])
    invention_patent_share: Share = field_of(_FACTS["invention_patent_share"])
    utility_patent_share: Share = field_of(_FACTS["utility_patent_share"])
    design_patent_share: Share = field_of(_FACTS["design_patent_share"])
    awards_national: int = field_of(_FACTS["awards_national"])
    awards_provincial: int = field_of(_FACTS["awards_provincial"])
    awards_municipal: int = field_of(_FACTS["awards_municipal"])
    awards_district: int = field_of(_FACTS["awards_district"])
    awards_municipal_special: int = field_of(_FACTS["awards_municipal_special"])
    merit_first_class: int = field_of(_FACTS["merit_first_class"])
    merit_second_class: int = field_of(_FACTS["merit_second_class"])
    merit_third_class: int = field_of(_FACTS["merit_third_class"])
    model_worker_honour: bool = field_of(_FACTS["model_worker_honour"])
    blood_donations_5y: int = field_of(_FACTS["blood_donations_5y"])
    volunteer_hours_year1: int = field_of(_FACTS["volunteer_hours_year1"])
    volunteer_hours_year2: int = field_of(_FACTS["volunteer_hours_year2"])
    volunteer_hours_year3: int = field_of(_FACTS["volunteer_hours_year3"])
    volunteer_hours_year4: int = field_of(_FACTS["volunteer_hours_year4"])
    volunteer_hours_year5: int = field_of(_FACTS["volunteer_hours_year5"])
    income_tax_3y: Decimal = field_of(_FACTS["income_tax_3y"])
    business_tax_3y: Decimal = field_of(_FACTS["business_tax_3y"])
    local_hires_3y: int = field_of(_FACTS["local_hires_3y"])
    credit_records_under_90d: int = field_of(_FACTS["credit_records_under_90d"])
    credit_records_over_90d: int = field_of(_FACTS["credit_records_over_90d"])
    court_defaulter: bool = field_of(_FACTS["court_defaulter"])
    tax_evasion_records_5y: int = field_of(_FACTS["tax_evasion_records_5y"])
    public_security_penalties_5y: int = field_of(_FACTS["public_security_penalties_5y"])
    detention_records_5y: int = field_of(_FACTS["detention_records_5y"])
    false_material_3y: int = field_of(_FACTS["false_material_3y"])
    criminal_records_5y: int = field_of(_FACTS["criminal_records_5y"])
    criminal_record: bool = field_of(_FACTS["criminal_record"])
    drug_records: int = field_of(_FACTS["drug_records"])
    family_planning_violation: bool = field_of(_FACTS["family_planning_violation"])
    married: bool = field_of(_FACTS["married"])
    local_relative: Relative = field_of(_FACTS["local_relative"])
    local_relative_rural: bool = field_of(_FACTS["local_relative_rural"])
    rural_origin: bool = field_of(_FACTS["rural_origin"])
    rural_land_rights: bool = field_of(_FACTS["rural_land_rights"])
    lives_in_rural_area: bool = field_of(_FACTS["lives_in_rural_area"])
    returned_to_work: bool = field_of(_FACTS["returned_to_work"])
    veteran: Veteran = field_of(_FACTS["veteran"])
    vocational_secondary: bool = field_of(_FACTS["vocational_secondary"])
    stable_income: bool = field_of(_FACTS["stable_income"])
    child_junior_school_months: int = field_of(_FACTS["child_junior_school_months"])
    child_senior_school_months: int = field_of(_FACTS["child_senior_school_months"])
    cadre: bool = field_of(_FACTS["cadre"])
    incubator_startup_months: int = field_of(_FACTS["incubator_startup_months"])
    incubator_service_months: int = field_of(_FACTS["incubator_service_months"])
    serious_criminal_record: bool = field_of(_FACTS["serious_criminal_record"])
    banned_organisation: bool = field_of(_FACTS["banned_organisation"])
