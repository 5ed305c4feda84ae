"""Golden applicants for the settlement-route schedules (no points: gates and tiers only).

Each expected result is reasoned by hand from the policy text, in the comment beside it:
which tiers (permit services, settlement routes) the applicant reaches, which services, who
may follow and where the household registers. Tiers come back in schedule order: the base
schedule's tiers (national/2016) first, then the city's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import points
from _helpers import Card
from points.schedule.model import TierSpec

ON = date(2023, 6, 1)

NATIONAL_SERVICES = (
    # Decree 663 art. 12: six basic public services
    "compulsory_education", "public_employment_services", "public_health_services",
    "public_culture_sports", "legal_aid", "other_state_services",
    # art. 13: seven conveniences
    "exit_entry_documents", "id_card_renewal", "vehicle_registration", "driving_licence",
    "vocational_qualification_exams", "birth_registration", "other_state_conveniences",
    # art. 12: rights to social insurance and the housing fund
    "social_insurance", "housing_fund",
)


def card(schedule: str, **facts: Any) -> points.ScoreCard:
    return Card(schedule, ON, age=30)(facts)


def tiers(schedule: str, **facts: Any) -> tuple[str, ...]:
    return card(schedule, **facts).tiers


def tier(schedule: str, tier_id: str) -> TierSpec:
    return next(t for t in points.load_schedule(schedule).tiers if t.id == tier_id)


def followers(schedule: str, **facts: Any) -> dict[str, list[str]]:
    """Who may follow, for each tier the applicant reaches that lets anyone follow."""
    s = points.load_schedule(schedule)
    reached = set(card(schedule, **facts).tiers)
    return {t.id: list(t.follow) for t in s.tiers if t.id in reached and t.follow}


# --- national/2016: Decree 663 art. 2 ---------------------------------------------------

N = "national/2016"


def test_national_exactly_six_months_is_half_a_year() -> None:
    # 居住半年以上: 以上 includes the number, so 6 full months qualify. A careless reading
    # of the English "more than half a year" (> 6) would refuse this applicant.
    c = card(N, residence_months=6, employed=True)
    assert c.tiers == ("residence_permit",)
    # the tier grants the 6 services, the 7 conveniences and the art. 12 rights: 15 in all
    assert c.services == NATIONAL_SERVICES


def test_national_five_months_is_not_enough() -> None:
    # 5 < 6 full months: no permit, even with all three bases (job, own home, study)
    assert tiers(N, residence_months=5, employed=True, housing="owned", student=True) == ()


def test_national_needs_one_of_three_bases() -> None:
    # 2 years of residence but no job, no home, no study: art. 2 needs one of the three;
    # social-insurance months are none of them.
    assert tiers(N, residence_months=24, pension_months=24) == ()


def test_national_study_alone_is_enough() -> None:
    # continuous study (连续就读) is one of the three: a student with no job or home qualifies
    assert tiers(N, residence_months=12, student=True) == ("residence_permit",)


def test_national_dormitory_is_a_stable_residence() -> None:
    # an employer dormitory is a lawful stable residence for the permit (art. 9 proof)
    assert tiers(N, residence_months=12, housing="dormitory") == ("residence_permit",)


def test_national_rental_after_seven_months() -> None:
    # 7 > 6 months and a registered rental: permit; nobody "follows" a permit
    assert tiers(N, residence_months=7, housing="rental") == ("residence_permit",)
    assert followers(N, residence_months=7, housing="rental") == {}


def test_national_all_three_bases_but_just_arrived() -> None:
    # job + own home + study, but 0 months: the half year comes first
    assert tiers(N, residence_months=0, employed=True, housing="owned", student=True) == ()


def test_national_holding_an_old_permit_is_not_a_basis() -> None:
    # has_permit is not an art. 2 condition: 6 months and none of the three bases → nothing
    assert tiers(N, residence_months=6, has_permit=True, permit_months=6) == ()


# --- nantong/2020: 通政办发〔2020〕35号 -------------------------------------------------

NT = "nantong/2020"
NT_FAMILY = ["spouse", "unmarried_children", "parents"]


def test_nantong_renter_settles_without_a_permit() -> None:
    # (四): a lawful stable residence, rental included, is enough to settle; no residence
    # time is asked. 3 months < 6, so no permit tiers. Spouse, unmarried children and parents
    # follow; (五): register at the rented home (owner consents) or the community household.
    c = card(NT, residence_months=3, housing="rental")
    assert c.tiers == ("settle_rental",)
    assert c.services == ("household_registration",)
    assert followers(NT, residence_months=3, housing="rental") == {"settle_rental": NT_FAMILY}
    assert tier(NT, "settle_rental").register_in == ["rented_home", "community_collective"]


def test_nantong_job_without_social_insurance_does_not_settle() -> None:
    # (四): 合法稳定就业（并参加城镇社会保险）— both. A job with no insurance month gives the
    # permit (12 months, employed) and Nantong's permit services, but no settlement.
    c = card(NT, residence_months=12, employed=True)
    assert c.tiers == ("residence_permit", "nantong_permit_services")
    assert "household_registration" not in c.services
    # Nantong adds medical insurance on local terms and temporary assistance (十一, 十四)
    assert c.services == (*NATIONAL_SERVICES, "resident_medical_insurance",
                          "flexible_employee_medical_insurance", "temporary_assistance")


def test_nantong_one_month_of_any_urban_insurance_settles() -> None:
    # employed + 1 month of medical insurance (any of the five, provisional reading) →
    # settle_employment; 0 months of residence → no permit tiers
    assert tiers(NT, employed=True, medical_months=1) == ("settle_employment",)
    assert followers(NT, employed=True, medical_months=1) == {"settle_employment": NT_FAMILY}
    assert tier(NT, "settle_employment").register_in == []  # the text does not say where


def test_nantong_owner() -> None:
    # owned home + 6 months: permit (residence is a basis), Nantong services, and the owned-home
    # route, registering in the own home
    assert tiers(NT, residence_months=6, housing="owned") == (
        "residence_permit", "nantong_permit_services", "settle_owned_home")
    assert tier(NT, "settle_owned_home").register_in == ["own_home"]


def test_nantong_dormitory_worker_settles_through_employment() -> None:
    # a dormitory is not a named settlement residence, but job + pension does it
    assert tiers(NT, residence_months=24, housing="dormitory", employed=True,
                 pension_months=24) == (
        "residence_permit", "nantong_permit_services", "settle_employment")


def test_nantong_dormitory_alone_gives_the_permit_only() -> None:
    # the dormitory is a residence for the permit (national art. 2), not for settlement
    assert tiers(NT, residence_months=24, housing="dormitory") == (
        "residence_permit", "nantong_permit_services")


def test_nantong_rural_college_student() -> None:
    # (五) 农村籍大学生: a full-time student past senior secondary; hukou to the origin or the
    # place of work; the student alone (nobody follows)
    assert tiers(NT, rural_origin=True, student=True, education="high_school") == (
        "rural_college_student",)
    assert followers(NT, rural_origin=True, student=True, education="high_school") == {}
    assert tier(NT, "rural_college_student").register_in == ["origin", "workplace"]


def test_nantong_vocational_school_student_is_not_a_college_student() -> None:
    # a 中职 student (junior-high education completed) is not 大学生; 8 months of study in the
    # city does give the permit
    assert tiers(NT, rural_origin=True, student=True, education="junior_high",
                 vocational_secondary=True, residence_months=8) == (
        "residence_permit", "nantong_permit_services")


def test_nantong_rural_graduate_and_returnee() -> None:
    # (五) graduates too: a rural-origin 大专 holder
    assert tiers(NT, rural_origin=True, education="associate") == ("rural_college_student",)
    # (六) a returnee who works or starts a business at home (conditions unstated: provisional)
    assert tiers(NT, returned_to_work=True) == ("returnee",)


# --- wusheng/2016: county plan, year counts are PLACEHOLDERS ------------------------------

WS = "wusheng/2016"
# equal services from the start; free secondary-vocational tuition and inclusive preschool
# (四（三）2, no condition stated: on the permit, provisional)
PERMIT = ("residence_permit", "equal_services", "child_preschool_vocational")


def test_wusheng_services_equal_from_the_start() -> None:
    # 四（二）2: after half a year, the permit and the equal services at once; no step tier
    c = card(WS, residence_months=6, employed=True)
    assert c.tiers == PERMIT
    assert {"employment_services", "basic_public_education", "basic_health_care",
            "family_planning_services", "public_culture", "licensing_services"} <= set(c.services)
    assert "housing_security" not in c.services


def test_wusheng_one_year_of_residence_but_eleven_months_of_insurance() -> None:
    # step 1 needs 1 year of residence AND 1 year of insurance (placeholders): 11 months
    # of pension insurance is a missing month
    assert tiers(WS, residence_months=12, employed=True, pension_months=11) == PERMIT


def test_wusheng_first_step() -> None:
    # 12 and 12: secondary-vocational aid, employment support, housing security
    c = card(WS, residence_months=12, employed=True, pension_months=12)
    assert c.tiers == (*PERMIT, "step_one_year")
    assert {"secondary_vocational_aid", "employment_support", "housing_security"} <= set(
        c.services)


def test_wusheng_three_years_and_a_rented_home() -> None:
    # 36 and 36: both steps; a rented home also settles, with spouse, MINOR children and
    # parents (未成年子女, not 未婚子女 as in Nantong)
    facts: dict[str, Any] = dict(residence_months=36, pension_months=36, employed=True,
                                 housing="rental")
    assert tiers(WS, **facts) == (*PERMIT, "step_one_year", "step_three_years",
                                  "settle_residence")
    assert followers(WS, **facts) == {"settle_residence": ["spouse", "minor_children",
                                                           "parents"]}
    assert {"elderly_services", "social_assistance"} <= set(card(WS, **facts).services)


def test_wusheng_thirty_five_months_of_residence() -> None:
    # 35 < 36 months of residence: the 3-year step waits, although insurance has 40 months
    assert tiers(WS, residence_months=35, pension_months=40, employed=True) == (
        *PERMIT, "step_one_year")


def test_wusheng_child_sits_zhongkao_after_three_junior_years() -> None:
    # 36 months of local junior secondary (placeholder) and a permit-eligible parent
    assert tiers(WS, residence_months=6, employed=True, child_junior_school_months=36) == (
        *PERMIT, "child_zhongkao")
    # 35 months: not yet
    assert tiers(WS, residence_months=6, employed=True, child_junior_school_months=35) == PERMIT


def test_wusheng_gaokao_depends_on_the_child_schooling_only() -> None:
    # 四（二）2 ties 中考/高考 to the child's years of continuous schooling; it states no
    # parent residence or insurance years. A permit-eligible parent (6 months, employed) and
    # 36 months of local senior secondary (placeholder): 高考
    assert tiers(WS, residence_months=6, employed=True, child_senior_school_months=36) == (
        *PERMIT, "child_gaokao")
    # 35 months: not yet
    assert tiers(WS, residence_months=6, employed=True,
                 child_senior_school_months=35) == PERMIT


def test_wusheng_preschool_and_vocational_tuition_on_the_permit() -> None:
    c = card(WS, residence_months=6, employed=True)
    assert {"secondary_vocational_free_tuition", "inclusive_preschool"} <= set(c.services)
    assert tier(WS, "child_preschool_vocational").status == "provisional"


def test_wusheng_owner_settles_on_arrival() -> None:
    # settlement asks only a lawful stable residence; 0 months → no permit services
    assert tiers(WS, housing="owned") == ("settle_residence",)
    # a dormitory is not a settlement residence, and 0 months gives no permit either
    assert tiers(WS, housing="dormitory", employed=True) == ()


# --- liaocheng/2022: channels from 2022-08-01 ---------------------------------------------

LC = "liaocheng/2022"
LC_ORDER = ["titled_home", "relative_household", "employer_collective", "talent_collective",
            "community_collective"]


def test_liaocheng_employment_needs_no_insurance() -> None:
    # 三（一）3: anyone employed in a town may settle: no insurance condition (unlike
    # Nantong); close relatives follow; households in the order of 三（一）6
    assert tiers(LC, employed=True) == ("settle_employment",)
    assert followers(LC, employed=True) == {"settle_employment": ["close_relatives"]}
    assert tier(LC, "settle_employment").register_in == LC_ORDER


def test_liaocheng_ordinary_senior_high_is_not_talent() -> None:
    # 中专及以上: an ordinary senior-high diploma is not 中专; no other channel applies
    assert tiers(LC, education="high_school") == ()


def test_liaocheng_secondary_vocational_diploma_is_talent() -> None:
    assert tiers(LC, education="high_school", vocational_secondary=True) == ("settle_talent",)
    # a skill grade of any level is talent too
    assert tiers(LC, skill_grade="level5") == ("settle_talent",)


def test_liaocheng_registered_rental() -> None:
    # no own home, a registered rental: the rental channel; 8 months → the permit as well
    assert tiers(LC, housing="rental", residence_months=8) == (
        "residence_permit", "settle_rental")


def test_liaocheng_owner_who_rents_uses_the_property_channel() -> None:
    # owns a home (24 months) but lives in a rental: 在城镇无自有房屋 fails, the owned-property
    # channel applies
    assert tiers(LC, housing="rental", owned_home_months=24) == ("settle_owned_property",)


def test_liaocheng_joining_an_urban_relative() -> None:
    # 三（一）4: joins a parent with urban hukou; the joiner alone (nobody follows)
    assert tiers(LC, local_relative="parent") == ("settle_join_relative",)
    assert followers(LC, local_relative="parent") == {}


def test_liaocheng_married_child_cannot_join_parents_in_the_village() -> None:
    # 三（二）3: 未婚子女投靠父母 only: a married child living in the village → nothing
    rural: dict[str, Any] = dict(local_relative="parent", local_relative_rural=True,
                                 lives_in_rural_area=True)
    assert tiers(LC, married=True, **rural) == ()
    assert tiers(LC, married=False, **rural) == ("rural_join_relative",)
    # a parent joining an adult child, even married, may
    assert tiers(LC, married=True, **{**rural, "local_relative": "child"}) == (
        "rural_join_relative",)
    assert tier(LC, "rural_join_relative").register_in == ["rural_relative_household"]


def test_liaocheng_unplaced_rural_veteran() -> None:
    # 三（二）1: without a job, back to the origin, or the enlistment / township collective
    assert tiers(LC, rural_origin=True, veteran="discharged") == ("rural_veteran_return",)
    assert tier(LC, "rural_veteran_return").register_in == [
        "origin", "enlistment_collective", "origin_township_collective"]


def test_liaocheng_veteran_who_returned_to_work() -> None:
    # with a job at home: the workplace channel and the town employment channel, not the
    # "no job placement" return
    assert tiers(LC, rural_origin=True, veteran="discharged", employed=True,
                 returned_to_work=True) == ("settle_employment", "rural_work_settlement")


def test_liaocheng_return_to_origin_needs_land_rights() -> None:
    assert tiers(LC, rural_origin=True, rural_land_rights=True, lives_in_rural_area=True) == (
        "return_to_origin",)
    assert tiers(LC, rural_origin=True, lives_in_rural_area=True) == ()


def test_liaocheng_rural_graduate() -> None:
    # a rural-origin bachelor: back to the origin (三（二）1) or settle as talent (三（一）5)
    assert tiers(LC, rural_origin=True, education="bachelor_degree") == (
        "settle_talent", "rural_graduate_return")


def test_liaocheng_general_high_school_student() -> None:
    # a full-time student who has not finished senior secondary and is not at a vocational
    # school: not talent; study is an art. 2 basis, so 6 months give the permit
    assert tiers(LC, student=True, education="junior_high", residence_months=6) == (
        "residence_permit",)


# --- xining/2017: 宁政办〔2017〕243号 ----------------------------------------------------

XN = "xining/2017"
XN_PERMIT = ("residence_permit", "qinghai_extra_services", "xining_permit_services",
             "free_education_accompanying_children")


def test_xining_urban_districts_after_three_years_of_pension() -> None:
    # (五)3: job, rental, income and 36 months of Xining pension → the urban-district route,
    # and the town route (residence + income). Parents follow in towns, not in the districts.
    facts: dict[str, Any] = dict(employed=True, housing="rental", stable_income=True,
                                 pension_months=36, residence_months=36)
    c = card(XN, **facts)
    assert c.tiers == (*XN_PERMIT, "towns_small_cities", "urban_work_residence")
    assert followers(XN, **facts) == {
        "towns_small_cities": ["spouse", "unmarried_children", "parents"],
        "urban_work_residence": ["spouse", "unmarried_children"]}
    # 13 services = 6 national + 7 provincial (provisional; 6 named, the 7th unknown);
    # item 21 temporary assistance; item 22 15-year free education (provisional)
    assert {"temporary_assistance", "talent_preferences", "housing_security",
            "household_registration", "free_15_year_education"} <= set(c.services)


def test_xining_provincial_services_do_not_count_social_insurance_twice() -> None:
    # social insurance is a national right of every holder (Decree 663 art. 12, national
    # tier); the guessed provincial list must not repeat it: 6 named, the 7th unknown
    extra = tier(XN, "qinghai_extra_services")
    assert "social_insurance" not in extra.services and len(extra.services) == 6
    assert "social_insurance" in tier(XN, "residence_permit").services
    assert extra.status == "provisional"
    s = points.load_schedule(XN)
    assert s.services["accompanying_child_education"].en == "Education of accompanying children"
    assert s.gates["pension_3y"].status == "provisional"  # back-paid months: not in the text
    assert tier(XN, "resettled_cadre_family").status == "provisional"  # two readings


def test_xining_thirty_five_months_of_pension() -> None:
    # 满3年: 35 months are not 3 years: towns only
    assert tiers(XN, employed=True, housing="rental", stable_income=True, pension_months=35,
                 residence_months=36) == (*XN_PERMIT, "towns_small_cities")


def test_xining_owner_in_the_urban_districts() -> None:
    # owning is enough in the districts; without income the towns route fails
    assert tiers(XN, housing="owned") == ("urban_owned_property",)
    assert followers(XN, housing="owned") == {
        "urban_owned_property": ["spouse", "unmarried_children"]}


def test_xining_retiree_with_income_settles_in_a_town() -> None:
    # income without a job (a pension) and a rental: towns, with parents
    assert tiers(XN, housing="rental", stable_income=True) == ("towns_small_cities",)
    assert tier(XN, "towns_small_cities").register_in == ["own_home",
                                                         "community_family_collective"]


def test_xining_senior_high_is_not_a_graduate_route() -> None:
    # employed with an ordinary senior-high diploma: not 大中专; 0 months → no permit
    assert tiers(XN, employed=True, education="high_school") == ()
    # a 大专 graduate working in Xining settles directly, first in the talent centre
    assert tiers(XN, employed=True, education="associate") == ("graduates_returnees",)
    assert tier(XN, "graduates_returnees").register_in[0] == "talent_centre_collective"


def test_xining_intermediate_title_is_not_high_talent() -> None:
    # 中级: its own route (unit, relatives' or talent-centre household); the labour-contract
    # route wants 副高 (senior) or a skill grade
    assert tiers(XN, employed=True, professional_title="intermediate") == (
        "intermediate_title",)
    assert tiers(XN, employed=True, skill_grade="level5") == ("skilled_talent",)
    # a senior title without a job or contract: nothing
    assert tiers(XN, professional_title="senior") == ()


def test_xining_resettled_cadre() -> None:
    # alone in the unit collective household; with a rental also spouse and unmarried children
    assert tiers(XN, veteran="resettled_cadre") == ("resettled_cadre_collective",)
    assert followers(XN, veteran="resettled_cadre", housing="rental") == {
        "resettled_cadre_family": ["spouse", "unmarried_children"]}


def test_xining_rural_student_and_veteran() -> None:
    # (四)1: an admitted rural student may move the hukou to the school; 6 months of study
    # also give the permit
    assert tiers(XN, rural_origin=True, student=True, education="high_school",
                 residence_months=6) == (*XN_PERMIT, "rural_student_school")
    # a rural-origin veteran who works: settles at the workplace, alone
    assert tiers(XN, rural_origin=True, veteran="discharged", employed=True) == (
        "rural_veteran_work",)


@pytest.mark.parametrize("schedule", [N, NT, WS, LC, XN])
def test_route_schedules_score_no_points(schedule: str) -> None:
    # a route schedule has no factors: the total is 0 for everyone
    c = card(schedule, residence_months=120, employed=True, housing="owned",
             pension_months=120)
    assert c.total == 0
    assert not points.load_schedule(schedule).factors


def test_liaocheng_interpretations_are_provisional() -> None:
    # 未落实工作单位 read as not employed, and the talent students matched by a proxy:
    # interpretations, not the text
    s = points.load_schedule(LC)
    assert s.gates["rural_veteran_unplaced"].status == "provisional"
    assert s.gates["talent"].status == "provisional"


def test_wusheng_date_is_marked_as_ours() -> None:
    note = points.load_schedule(WS).schedule.note or ""
    assert note.startswith("PROVISIONAL DATES") and "invented date" in note


@pytest.mark.parametrize(("schedule", "items"), [
    (NT, ["区域户口通迁", "建档立卡", "welfare institution"]),
    (LC, ["家庭居民户口簿"]),
    (XN, ["colleges outside the city"]),
    ("guangzhou/2021", ["阶梯式", "公共集体户"]),
])
def test_items_the_format_cannot_express_are_listed(schedule: str, items: list[str]) -> None:
    note = points.load_schedule(schedule).schedule.note or ""
    assert "NOT COVERED" in note
    for item in items:
        assert item in note, item


def test_vocational_qualification_convenience_is_a_grant_not_a_prize() -> None:
    # Decree 663 art. 13 (5): 报名参加职业资格考试、申请授予职业资格
    s = points.load_schedule(N)
    assert "granted qualifications" in points.service_catalogue()[
        "vocational_qualification_exams"].en
    assert "vocational_qualification_exams" in tier(N, "residence_permit").services
    assert s.id == N
