"""Guangzhou 2021 written by hand in NumPy, without `points` (the yardstick of bench_batch).

The same readings of the policy as `gz2021_polars.py` (see its docstring), written again
array by array. Input columns are taken out of the Polars frame with `to_numpy()` (money as
whole yuan, text as NumPy strings); that conversion is part of the time measured.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

SERVICES_PERMIT = ("employment_services", "vocational_training_subsidy", "basic_health_care",
                   "family_planning_services", "public_culture")
TEXT = np.dtypes.StringDType()


def score(df: pl.DataFrame, on: date) -> dict[str, np.ndarray]:
    """Settlement-purpose scores of every row, in hundredths of a point, as arrays."""
    n = df.height

    def col(name: str) -> np.ndarray:
        if name not in df.columns:  # a count the list does not carry is zero
            return np.zeros(n, dtype=np.int64)
        s = df[name]
        if s.dtype == pl.String:
            return s.to_numpy().astype(TEXT)
        if s.dtype.is_decimal():
            return s.cast(pl.Int64).to_numpy()  # whole yuan are enough for this table
        return s.to_numpy()

    def years(name: str) -> np.ndarray:
        return col(name).astype(np.int64) // 12

    birth = col("birth_date")
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    m = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    age = on.year - y - ((m * 100 + d) > on.month * 100 + on.day)
    before = on - timedelta(days=1)
    begun = age + (age == before.year - y - ((m * 100 + d) > before.month * 100 + before.day))

    out: dict[str, np.ndarray] = {}
    out["permit"] = years("permit_months") * 800
    housing = col("housing")
    out["owned_home"] = np.where(housing == "owned", 2000, 0)
    out["rental"] = np.minimum(years("rental_months") * 500, 2000)
    out["district_move"] = np.minimum(years("moved_out_central_months") * 200, 1000)
    for k in ("pension", "medical", "unemployment", "injury", "maternity"):
        out[k] = years(f"{k}_months") * 200
    out["housing_fund"] = years("housing_fund_months") * 200
    out["age"] = np.where((begun >= 18) & (begun <= 40), 3000,
                          np.where((begun >= 41) & (begun <= 55), 2800 - 200 * (begun - 41), 0))
    edu = col("education")
    out["education"] = np.select(
        [np.isin(edu, ["bachelor", "bachelor_degree", "master", "doctorate"]),
         edu == "associate", edu == "high_school"], [3000, 2000, 1000], 0)
    title = col("professional_title")
    out["title"] = np.select([np.isin(title, ["intermediate", "senior"]), title == "junior"],
                             [2000, 1000], 0)
    skill = col("skill_grade")
    out["skill"] = np.select([np.isin(skill, ["level2", "level1"]), skill == "level3",
                              skill == "level4"], [2000, 1000, 500], 0)
    out["matching_trade"] = np.where(col("works_in_qualified_trade"), 500, 0)
    top, _, bottom = np.strings.partition(col("invention_patent_share"),
                                          np.array("/", dtype=TEXT))
    num = top.astype(np.int64)
    den = np.where(bottom == "", "1", bottom).astype(np.int64)
    out["patents"] = np.minimum((4000 * num + den) // (2 * den), 4000)  # 20 ÷ n, halves up
    out["rd_high_tech"] = np.minimum(years("rd_high_tech_months") * 200, 1000)
    out["shortage_occupation"] = np.where(col("shortage_occupation"), 1000, 0)
    out["hardship"] = np.where(
        col("hardship_industry"),
        1000 + np.minimum(years("hardship_industry_months") * 500, 2000), 0)
    out["blood"] = np.minimum(col("blood_donations_5y").astype(np.int64) * 200, 1000)
    for i in range(1, 6):
        out[f"volunteer_year{i}"] = np.minimum(
            col(f"volunteer_hours_year{i}").astype(np.int64) // 50 * 200, 200)
    out["income_tax"] = np.minimum(col("income_tax_3y") // 10000 * 100, 1000)
    for key, fact, each in (("award_national", "awards_national", 3000),
                            ("award_provincial", "awards_provincial", 2000),
                            ("award_municipal", "awards_municipal", 1000),
                            ("award_district", "awards_district", 500)):
        out[key] = col(fact).astype(np.int64) * each
    for key, fact, first, more in (("merit_first", "merit_first_class", 2000, 500),
                                   ("merit_second", "merit_second_class", 1000, 200),
                                   ("merit_third", "merit_third_class", 500, 100)):
        k = col(fact).astype(np.int64)
        out[key] = np.where(k >= 1, first + more * (k - 1), 0)
    for key, fact in (("credit_minor", "credit_records_under_90d"),
                      ("credit_serious", "credit_records_over_90d"),
                      ("tax_evasion", "tax_evasion_records_5y"),
                      ("public_security", "public_security_penalties_5y")):
        out[key] = col(fact).astype(np.int64) * -1000

    out["housing_g"] = np.maximum(out["owned_home"], out["rental"])
    out["insurance"] = sum(out[k] for k in ("pension", "medical", "unemployment", "injury",
                                            "maternity"))
    out["skills"] = np.maximum(out["title"], out["skill"])
    out["innovation"] = out["patents"] + out["rd_high_tech"]
    out["volunteering"] = np.minimum(sum(out[f"volunteer_year{i}"] for i in range(1, 6)), 1000)
    out["awards"] = sum(out[k] for k in ("award_national", "award_provincial",
                                         "award_municipal", "award_district", "merit_first",
                                         "merit_second", "merit_third"))
    out["base"] = sum(out[k] for k in ("permit", "housing_g", "district_move", "insurance",
                                       "housing_fund", "age"))
    out["social_service"] = out["blood"] + out["volunteering"]
    out["bonus"] = sum(out[k] for k in ("education", "skills", "matching_trade", "innovation",
                                        "shortage_occupation", "hardship", "social_service",
                                        "income_tax", "awards"))
    out["total"] = np.maximum(out["base"] + out["bonus"] + out["credit_minor"]
                              + out["credit_serious"] + out["tax_evasion"]
                              + out["public_security"], 0)
    out["permit_valid"] = col("has_permit")
    out["no_crime_5y"] = col("criminal_records_5y") == 0
    out["age_limit"] = age <= 45
    out["insurance_4y"] = col("pension_months") >= 48
    out["employed_gate"] = col("employed")
    out["eligible"] = (out["permit_valid"] & out["no_crime_5y"] & out["age_limit"]
                       & out["insurance_4y"] & out["employed_gate"] & (out["total"] >= 15000))
    settles = out["eligible"] & (out["total"] >= 15000)
    holder = out["permit_valid"]
    out["tier"] = np.where(settles, "settlement", np.where(holder, "permit_holder", ""))
    combos = np.array([(), ("permit_holder",), ("settlement",),
                       ("permit_holder", "settlement")], dtype=object)
    services = np.array([(), SERVICES_PERMIT, ("household_registration",),
                         (*SERVICES_PERMIT, "household_registration")], dtype=object)
    mask = holder.astype(np.int64) + 2 * settles
    out["tiers"] = combos[mask]
    out["services"] = services[mask]
    return out
