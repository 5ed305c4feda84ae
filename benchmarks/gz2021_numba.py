"""Guangzhou 2021 as one fused numba loop, without `points` (a yardstick of bench_batch).

The same readings of the policy as `gz2021_polars.py` (see its docstring). The input columns
are taken out of the Polars frame as NumPy arrays (levels as enum codes, the patent share
split into numerator and denominator by Polars, money as whole yuan), one compiled loop
computes every factor, group, gate, the total, eligibility and the unlocked tiers per row,
and the result is put back into a Polars frame with the same columns as the hand-written
Polars version (tiers and services looked up by the unlocked-tier mask). `total_tier`
computes only the total, eligibility and the highest tier. Conversions in and out are part
of the time measured. numba is a benchmark-only dependency (`pip install points[bench]`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numba
import numpy as np
import polars as pl

SERVICES_PERMIT = ["employment_services", "vocational_training_subsidy", "basic_health_care",
                   "family_planning_services", "public_culture"]
EDUCATION = ["none", "junior_high", "high_school", "associate", "bachelor", "bachelor_degree",
             "master", "doctorate"]
TITLE = ["none", "junior", "intermediate", "senior"]
SKILL = ["none", "level5", "level4", "level3", "level2", "level1"]
HOUSING = ["none", "dormitory", "rental", "owned"]

#: the factor and group columns, in the hand-written Polars version's order
FACTORS = ["permit", "owned_home", "rental", "district_move", "pension", "medical",
           "unemployment", "injury", "maternity", "housing_fund", "age", "education", "title",
           "skill", "matching_trade", "patents", "rd_high_tech", "shortage_occupation",
           "hardship", "blood", "volunteer_year1", "volunteer_year2", "volunteer_year3",
           "volunteer_year4", "volunteer_year5", "income_tax", "award_national",
           "award_provincial", "award_municipal", "award_district", "merit_first",
           "merit_second", "merit_third", "credit_minor", "credit_serious", "tax_evasion",
           "public_security", "housing_g", "insurance", "skills", "innovation",
           "volunteering", "awards", "base", "social_service", "bonus", "total"]
GATES = ["permit_valid", "no_crime_5y", "age_limit", "insurance_4y", "employed_gate"]
#: the integer input columns, in the kernel's order
INTS = ["permit_months", "rental_months", "moved_out_central_months", "pension_months",
        "medical_months", "unemployment_months", "injury_months", "maternity_months",
        "housing_fund_months", "rd_high_tech_months", "hardship_industry_months",
        "blood_donations_5y", "volunteer_hours_year1", "volunteer_hours_year2",
        "volunteer_hours_year3", "volunteer_hours_year4", "volunteer_hours_year5",
        "awards_national", "awards_provincial", "awards_municipal", "awards_district",
        "merit_first_class", "merit_second_class", "merit_third_class",
        "credit_records_under_90d", "credit_records_over_90d", "tax_evasion_records_5y",
        "public_security_penalties_5y", "criminal_records_5y"]
BOOLS = ["works_in_qualified_trade", "shortage_occupation", "hardship_industry", "has_permit",
         "employed"]
LEVELS = [("housing", HOUSING), ("education", EDUCATION), ("professional_title", TITLE),
          ("skill_grade", SKILL)]


@numba.njit(cache=True, nogil=True)
def _kernel(ints: Any, bools: Any, levels: Any, num: Any, den: Any, tax: Any, age: Any,
            begun: Any, out: Any, gates: Any, mask: Any, full: bool) -> None:  # pragma: no cover
    n = ints.shape[0]
    for r in range(n):
        i = ints[r]
        permit = i[0] // 12 * 800
        owned = 2000 if levels[r, 0] == 3 else 0
        rental = min(i[1] // 12 * 500, 2000)
        move = min(i[2] // 12 * 200, 1000)
        pension = i[3] // 12 * 200
        medical = i[4] // 12 * 200
        unemployment = i[5] // 12 * 200
        injury = i[6] // 12 * 200
        maternity = i[7] // 12 * 200
        fund = i[8] // 12 * 200
        b = begun[r]
        agep = 3000 if 18 <= b <= 40 else (2800 - 200 * (b - 41) if 41 <= b <= 55 else 0)
        e = levels[r, 1]
        edu = 3000 if e >= 4 else (2000 if e == 3 else (1000 if e == 2 else 0))
        t = levels[r, 2]
        title = 2000 if t >= 2 else (1000 if t == 1 else 0)
        s = levels[r, 3]
        skill = 2000 if s >= 4 else (1000 if s == 3 else (500 if s == 2 else 0))
        trade = 500 if bools[r, 0] else 0
        patents = min((4000 * num[r] + den[r]) // (2 * den[r]), 4000)
        rd = min(i[9] // 12 * 200, 1000)
        shortage = 1000 if bools[r, 1] else 0
        hardship = 1000 + min(i[10] // 12 * 500, 2000) if bools[r, 2] else 0
        blood = min(i[11] * 200, 1000)
        v1 = min(i[12] // 50 * 200, 200)
        v2 = min(i[13] // 50 * 200, 200)
        v3 = min(i[14] // 50 * 200, 200)
        v4 = min(i[15] // 50 * 200, 200)
        v5 = min(i[16] // 50 * 200, 200)
        income = min(tax[r] // 10000 * 100, 1000)
        a1 = i[17] * 3000
        a2 = i[18] * 2000
        a3 = i[19] * 1000
        a4 = i[20] * 500
        m1 = 2000 + 500 * (i[21] - 1) if i[21] >= 1 else 0
        m2 = 1000 + 200 * (i[22] - 1) if i[22] >= 1 else 0
        m3 = 500 + 100 * (i[23] - 1) if i[23] >= 1 else 0
        c1 = i[24] * -1000
        c2 = i[25] * -1000
        c3 = i[26] * -1000
        c4 = i[27] * -1000
        housing = max(owned, rental)
        insurance = pension + medical + unemployment + injury + maternity
        skills = max(title, skill)
        innovation = patents + rd
        volunteering = min(v1 + v2 + v3 + v4 + v5, 1000)
        awards = a1 + a2 + a3 + a4 + m1 + m2 + m3
        base = permit + housing + move + insurance + fund + agep
        social = blood + volunteering
        bonus = edu + skills + trade + innovation + shortage + hardship + social + income \
            + awards
        total = max(base + bonus + c1 + c2 + c3 + c4, 0)
        holder = bools[r, 3]
        g1 = i[28] == 0
        g2 = age[r] <= 45
        g3 = i[3] >= 48
        g4 = bools[r, 4]
        settles = holder and g1 and g2 and g3 and g4 and total >= 15000
        mask[r] = (1 if holder else 0) + (2 if settles else 0)
        out[r, 46] = total
        if not full:
            continue
        o = out[r]
        o[0], o[1], o[2], o[3], o[4], o[5] = permit, owned, rental, move, pension, medical
        o[6], o[7], o[8], o[9], o[10] = unemployment, injury, maternity, fund, agep
        o[11], o[12], o[13], o[14], o[15], o[16] = edu, title, skill, trade, patents, rd
        o[17], o[18], o[19], o[20], o[21], o[22] = shortage, hardship, blood, v1, v2, v3
        o[23], o[24], o[25], o[26], o[27], o[28] = v4, v5, income, a1, a2, a3
        o[29], o[30], o[31], o[32], o[33], o[34] = a4, m1, m2, m3, c1, c2
        o[35], o[36], o[37], o[38], o[39], o[40] = c3, c4, housing, insurance, skills, innovation
        o[41], o[42], o[43], o[44], o[45] = volunteering, awards, base, social, bonus
        gates[r, 0], gates[r, 1], gates[r, 2], gates[r, 3], gates[r, 4] = holder, g1, g2, g3, g4


def _inputs(df: pl.DataFrame, on: date) -> tuple[Any, ...]:
    n = df.height

    def col(name: str) -> pl.Expr:  # a count the list does not carry is zero
        return pl.col(name) if name in df.columns else pl.lit(0, pl.Int64).alias(name)

    birth = pl.col("birth_date")

    def full_years(day: date) -> pl.Expr:
        return (day.year - birth.dt.year().cast(pl.Int64)
                - ((birth.dt.month().cast(pl.Int64) * 100 + birth.dt.day())
                   > day.month * 100 + day.day).cast(pl.Int64))

    age = full_years(on)
    share = pl.col("invention_patent_share").str.split_exact("/", 1)
    prepared = df.select(
        *(col(c).cast(pl.Int64) for c in INTS),
        *(pl.col(c) for c in BOOLS),
        *(pl.col(c).cast(pl.Enum(levels)).to_physical().cast(pl.Int64).alias(c)
          for c, levels in LEVELS),
        share.struct.field("field_0").cast(pl.Int64).alias("_num"),
        share.struct.field("field_1").cast(pl.Int64).fill_null(1).alias("_den"),
        pl.col("income_tax_3y").cast(pl.Int64).alias("_tax"),
        age.alias("_age"),
        (age + (age == full_years(on - timedelta(days=1))).cast(pl.Int64)).alias("_begun"))
    ints = prepared.select(INTS).to_numpy(order="c")
    bools = prepared.select(BOOLS).to_numpy(order="c")
    levels = prepared.select([c for c, _ in LEVELS]).to_numpy(order="c")
    return (ints, bools, levels, *(prepared.get_column(c).to_numpy()
                                   for c in ("_num", "_den", "_tax", "_age", "_begun")), n)


def _run(df: pl.DataFrame, on: date, full: bool) -> tuple[Any, Any, Any]:
    *arrays, n = _inputs(df, on)
    out = np.zeros((n, 47), dtype=np.int64)
    gates = np.zeros((n, 5), dtype=np.bool_)
    mask = np.zeros(n, dtype=np.uint32)
    _kernel(*arrays, out, gates, mask, full)
    return out, gates, mask


_TIERS = pl.Series([[], ["permit_holder"], ["settlement"], ["permit_holder", "settlement"]],
                   dtype=pl.List(pl.String))
_SERVICES = pl.Series([[], SERVICES_PERMIT, ["household_registration"],
                       [*SERVICES_PERMIT, "household_registration"]], dtype=pl.List(pl.String))
_TIER = pl.Series([None, "permit_holder", "settlement", "settlement"], dtype=pl.String)


def score(df: pl.DataFrame, on: date) -> pl.DataFrame:
    """Settlement-purpose scores of every row, in hundredths of a point: the columns of
    `gz2021_polars.score`."""
    out, gates, mask = _run(df, on, True)
    m = pl.Series(mask)
    frame = pl.from_numpy(out, schema=FACTORS, orient="row")
    gate_frame = pl.from_numpy(gates, schema=GATES, orient="row")
    return pl.concat([df.select("applicant_id"), frame, gate_frame], how="horizontal") \
        .with_columns(eligible=m >= 2, tier=_TIER.gather(m), tiers=_TIERS.gather(m),
                      services=_SERVICES.gather(m))


def total_tier(df: pl.DataFrame, on: date) -> pl.DataFrame:
    """Only the total, eligibility and the highest tier of every row."""
    out, _, mask = _run(df, on, False)
    m = pl.Series(mask)
    return df.select("applicant_id").with_columns(
        total=pl.Series(out[:, 46]), eligible=m >= 2, tier=_TIER.gather(m))
