"""Guangzhou 2021 written by hand in Polars, the way an analyst would, without `points`.

Written from the policy table (shared/domain.md A.3) and the readings the bundled schedule
documents (each year or part-year above 40 takes 2: 40 and a day scores 28, 54 and a day
scores 0; "本科+" means any bachelor's course or more; the +5 for the matching trade stacks;
the income-tax placeholder of 1 point per full ¥10,000, cap 10; settlement needs 150 points,
a gate and the tier minimum). Points are integer hundredths. It serves
only as the yardstick of `bench_batch.py`; it is checked against `points` there.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

SERVICES_PERMIT = ["employment_services", "vocational_training_subsidy", "basic_health_care",
                   "family_planning_services", "public_culture"]


def score(df: pl.DataFrame, on: date) -> pl.DataFrame:
    """Settlement-purpose scores of every row, in hundredths of a point."""
    def c(name: str) -> pl.Expr:  # a count the list does not carry is zero
        return pl.col(name) if name in df.columns or not name.endswith(
            ("_year4", "_year5", "_national", "_first_class", "_second_class")) \
            else pl.lit(0, pl.Int64).alias(name)

    def years(name: str) -> pl.Expr:
        return c(name) // 12

    birth = c("birth_date")

    def full_years(day: date) -> pl.Expr:
        return (day.year - birth.dt.year().cast(pl.Int64)
                - ((birth.dt.month().cast(pl.Int64) * 100 + birth.dt.day())
                   > day.month * 100 + day.day).cast(pl.Int64))

    age = full_years(on)
    # years begun: one more than the full years, unless `on` is a birthday
    begun = age + (age == full_years(on - timedelta(days=1))).cast(pl.Int64)
    share = c("invention_patent_share").str.split_exact("/", 1)
    num = share.struct.field("field_0").cast(pl.Int64)
    den = share.struct.field("field_1").cast(pl.Int64).fill_null(1)

    def merit(name: str, first: int, more: int) -> pl.Expr:
        return pl.when(c(name) >= 1).then(first + more * (c(name) - 1)).otherwise(0)

    factors = [
        (years("permit_months") * 800).alias("permit"),
        pl.when(c("housing") == "owned").then(2000).otherwise(0).alias("owned_home"),
        (years("rental_months") * 500).clip(0, 2000).alias("rental"),
        (years("moved_out_central_months") * 200).clip(0, 1000).alias("district_move"),
        *((years(f"{k}_months") * 200).alias(k)
          for k in ("pension", "medical", "unemployment", "injury", "maternity")),
        (years("housing_fund_months") * 200).alias("housing_fund"),
        pl.when(begun.is_between(18, 40)).then(3000)
        .when(begun.is_between(41, 55)).then(2800 - 200 * (begun - 41)).otherwise(0).alias("age"),
        pl.when(c("education").is_in(["bachelor", "bachelor_degree", "master", "doctorate"]))
        .then(3000).when(c("education") == "associate").then(2000)
        .when(c("education") == "high_school").then(1000).otherwise(0).alias("education"),
        pl.when(c("professional_title").is_in(["intermediate", "senior"])).then(2000)
        .when(c("professional_title") == "junior").then(1000).otherwise(0).alias("title"),
        pl.when(c("skill_grade").is_in(["level2", "level1"])).then(2000)
        .when(c("skill_grade") == "level3").then(1000)
        .when(c("skill_grade") == "level4").then(500).otherwise(0).alias("skill"),
        pl.when(c("works_in_qualified_trade")).then(500).otherwise(0).alias("matching_trade"),
        # 20 points ÷ inventors, to the hundredth, halves up; cap 40
        ((4000 * num + den) // (2 * den)).clip(0, 4000).alias("patents"),
        (years("rd_high_tech_months") * 200).clip(0, 1000).alias("rd_high_tech"),
        pl.when(c("shortage_occupation")).then(1000).otherwise(0).alias("shortage_occupation"),
        pl.when(c("hardship_industry"))
        .then(1000 + (years("hardship_industry_months") * 500).clip(0, 2000))
        .otherwise(0).alias("hardship"),
        (c("blood_donations_5y") * 200).clip(0, 1000).alias("blood"),
        *((c(f"volunteer_hours_year{i}") // 50 * 200).clip(0, 200).alias(f"volunteer_year{i}")
          for i in range(1, 6)),
        (c("income_tax_3y").cast(pl.Int64) // 10000 * 100).clip(0, 1000).alias("income_tax"),
        (c("awards_national") * 3000).alias("award_national"),
        (c("awards_provincial") * 2000).alias("award_provincial"),
        (c("awards_municipal") * 1000).alias("award_municipal"),
        (c("awards_district") * 500).alias("award_district"),
        merit("merit_first_class", 2000, 500).alias("merit_first"),
        merit("merit_second_class", 1000, 200).alias("merit_second"),
        merit("merit_third_class", 500, 100).alias("merit_third"),
        (c("credit_records_under_90d") * -1000).alias("credit_minor"),
        (c("credit_records_over_90d") * -1000).alias("credit_serious"),
        (c("tax_evasion_records_5y") * -1000).alias("tax_evasion"),
        (c("public_security_penalties_5y") * -1000).alias("public_security"),
        age.alias("_age"),
    ]
    groups1 = [
        pl.max_horizontal("owned_home", "rental").alias("housing_g"),
        pl.sum_horizontal("pension", "medical", "unemployment", "injury", "maternity")
        .alias("insurance"),
        pl.max_horizontal("title", "skill").alias("skills"),
        (c("patents") + c("rd_high_tech")).alias("innovation"),
        pl.sum_horizontal(f"volunteer_year{i}" for i in range(1, 6)).clip(0, 1000)
        .alias("volunteering"),
        pl.sum_horizontal("award_national", "award_provincial", "award_municipal",
                          "award_district", "merit_first", "merit_second", "merit_third")
        .alias("awards"),
    ]
    groups2 = [
        pl.sum_horizontal("permit", "housing_g", "district_move", "insurance", "housing_fund",
                          "age").alias("base"),
        (c("blood") + c("volunteering")).alias("social_service"),
    ]
    bonus = pl.sum_horizontal("education", "skills", "matching_trade", "innovation",
                              "shortage_occupation", "hardship", "social_service",
                              "income_tax", "awards").alias("bonus")
    total = (c("base") + c("bonus") + c("credit_minor") + c("credit_serious")
             + c("tax_evasion") + c("public_security")).clip(0).alias("total")
    c = pl.col
    gates = [
        c("has_permit").alias("permit_valid"),
        (c("criminal_records_5y") == 0).alias("no_crime_5y"),
        (c("_age") <= 45).alias("age_limit"),
        (c("pension_months") >= 48).alias("insurance_4y"),
        c("employed").alias("employed_gate"),
    ]
    eligible = pl.all_horizontal("permit_valid", "no_crime_5y", "age_limit", "insurance_4y",
                                 "employed_gate", c("total") >= 15000).alias("eligible")
    settles = c("eligible") & (c("total") >= 15000)
    holder = c("permit_valid")
    out = [
        pl.when(settles).then(pl.lit("settlement")).when(holder).then(pl.lit("permit_holder"))
        .alias("tier"),
        pl.when(holder & settles).then(pl.lit(["permit_holder", "settlement"]))
        .when(holder).then(pl.lit(["permit_holder"]))
        .when(settles).then(pl.lit(["settlement"])).otherwise(pl.lit([], pl.List(pl.String)))
        .alias("tiers"),
        pl.when(holder & settles).then(pl.lit([*SERVICES_PERMIT, "household_registration"]))
        .when(holder).then(pl.lit(SERVICES_PERMIT))
        .when(settles).then(pl.lit(["household_registration"]))
        .otherwise(pl.lit([], pl.List(pl.String))).alias("services"),
    ]
    keep = ["applicant_id", *(e.meta.output_name() for e in factors[:-1]),
            *(e.meta.output_name() for e in groups1 + groups2), "bonus", "total",
            *(e.meta.output_name() for e in gates), "eligible", "tier", "tiers", "services"]
    return (df.lazy().with_columns(*factors)
            .with_columns(groups1).with_columns(groups2).with_columns(bonus)
            .with_columns(total, *gates).with_columns(eligible).with_columns(out)
            .select(keep).collect())


#: the columns `score` reads, by the type a careful hand writer casts text to
_TEXT_INTS = ("permit_months", "rental_months", "moved_out_central_months", "pension_months",
              "medical_months", "unemployment_months", "injury_months", "maternity_months",
              "housing_fund_months", "rd_high_tech_months", "hardship_industry_months",
              "blood_donations_5y", *(f"volunteer_hours_year{i}" for i in range(1, 6)),
              "awards_national", "awards_provincial", "awards_municipal", "awards_district",
              "merit_first_class", "merit_second_class", "merit_third_class",
              "credit_records_under_90d", "credit_records_over_90d", "tax_evasion_records_5y",
              "public_security_penalties_5y", "criminal_records_5y")
_TEXT_FLAGS = ("has_permit", "employed", "works_in_qualified_trade", "shortage_occupation",
               "hardship_industry")


def score_text(df: pl.DataFrame, on: date) -> pl.DataFrame:
    """`score` on all-text columns (as read from a CSV without a schema): first the casts a
    careful hand writer needs, strict (a bad cell raises), of only the columns `score`
    reads; levels and the patent share stay text."""
    flags = {"true": True, "false": False}
    casts = [
        *(pl.col(n).cast(pl.Int64, strict=True) for n in _TEXT_INTS if n in df.columns),
        *(pl.col(n).replace_strict(flags, return_dtype=pl.Boolean) for n in _TEXT_FLAGS
          if n in df.columns),
        pl.col("birth_date").str.to_date("%Y-%m-%d", strict=True),
        pl.col("income_tax_3y").cast(pl.Decimal(16, 2), strict=True),
    ]
    return score(df.with_columns(casts), on)
