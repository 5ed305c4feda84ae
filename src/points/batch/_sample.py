"""Realistic synthetic applicants, seeded, for demos, tests and benchmarks.

The shapes follow what the schemes reward: most applicants are 22–45, employed with
social insurance that started when the job did, renting; fewer own a home, hold titles,
patents or awards; a few carry negative records. Nothing here is real data.

`sample_frame(rows, seed=)` draws a whole table at once with NumPy (millions of rows per
second); `sample_frames` draws a long list in bounded chunks; `sample_applicants` yields the
same applicants one at a time as fact mappings (valid `Applicant` input).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from .._data import SAMPLE_ON

__all__ = ["sample_applicants", "sample_frame", "sample_frames"]

#: Rows drawn at a time by `sample_frames` (and so by `sample_applicants`).
CHUNK_ROWS = 100_000

_EDUCATION = (("junior_high", 18), ("high_school", 30), ("associate", 24), ("bachelor", 4),
              ("bachelor_degree", 17), ("master", 6), ("doctorate", 1))
_TITLE = (("none", 80), ("junior", 12), ("intermediate", 7), ("senior", 1))
_SKILL = (("none", 70), ("level5", 8), ("level4", 10), ("level3", 8), ("level2", 3),
          ("level1", 1))
_HOUSING = (("rental", 55), ("owned", 18), ("dormitory", 17), ("none", 10))


def _pick(rng: np.random.Generator, table: tuple[tuple[str, int], ...], n: int) -> pl.Series:
    weights = np.array([w for _, w in table], dtype=float)
    idx = rng.choice(len(table), size=n, p=weights / weights.sum())
    return pl.Series([k for k, _ in table], dtype=pl.String).gather(idx)


def _upto(rng: np.random.Generator, hi: np.ndarray) -> np.ndarray:
    """A uniform integer in 0..hi (inclusive), per element."""
    return rng.integers(0, hi + 1)


def _rare(rng: np.random.Generator, n: int, p: float, hi: int = 1) -> np.ndarray:
    """1..hi with probability p, else 0."""
    return np.where(rng.random(n) < p, rng.integers(1, hi + 1, size=n), 0)


def sample_frame(rows: int, *, seed: int = 0, on: date = SAMPLE_ON,
                 first: int = 0) -> pl.DataFrame:
    """`rows` synthetic applicants as one table, one column per fact, seeded.

    Months and counts are integers, money and ratios `Decimal`, `birth_date` a date, patent
    shares exact fractions written as text (`"1/3"`). `first` numbers the applicant ids
    (`S<seed>-<number>`), for drawing a long list in parts.
    """
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows}")
    rng = np.random.default_rng([seed, first])
    n = rows
    age = np.clip(rng.normal(34, 8, n).astype(np.int64), 18, 62)
    days = (age * 365.25).astype(np.int64) + rng.integers(1, 361, n)
    birth = np.datetime64(on, "D") - days.astype("timedelta64[D]")
    lived = _upto(rng, np.minimum(240, (age - 16) * 12))
    permit = _upto(rng, lived)
    employed = rng.random(n) < 0.86
    job = np.where(employed, _upto(rng, lived), _upto(rng, lived // 3))
    housing = _pick(rng, _HOUSING, n)
    h = housing.to_numpy()
    rental = np.where((h == "rental") | (h == "dormitory"), _upto(rng, lived), 0)
    owned = np.where(h == "owned", _upto(rng, lived), 0)
    insured = rng.random(n) < 0.9
    pension = np.where(insured, job, 0)
    medical = np.minimum(lived, pension + rng.choice([0, 0, 0, 6, 12], n))
    # patents: 3% hold 1-3, each credited 1/k for k inventors; in sixtieths (lcm of 1..5)
    count = np.where(rng.random(n) < 0.03, rng.integers(1, 4, n), 0)
    sixtieths = np.zeros(n, dtype=np.int64)
    for j in range(3):
        sixtieths += np.where(j < count, 60 // rng.integers(1, 6, n), 0)
    g = np.gcd(sixtieths, 60)
    num, den = sixtieths // g, 60 // g
    share = pl.select(
        pl.when(pl.lit(den) == 1).then(pl.lit(num).cast(pl.String))
        .otherwise(pl.lit(num).cast(pl.String) + "/" + pl.lit(den).cast(pl.String))
    ).to_series()
    tax = np.where(employed & (rng.random(n) < 0.6), rng.integers(0, 120_001, n), 0)
    hard = rng.random(n) < 0.04
    criminal_5y = _rare(rng, n, 0.004)

    def ints(a: np.ndarray) -> pl.Series:
        return pl.Series(a, dtype=pl.Int32)

    def maybe(p: float, a: np.ndarray, other: np.ndarray | int = 0) -> pl.Series:
        return ints(np.where(rng.random(n) < p, a, other))

    ids = pl.select(pl.lit(f"S{seed:03d}-")
                    + pl.int_range(first, first + n).cast(pl.String).str.zfill(7)).to_series()
    frame = pl.DataFrame({
        "applicant_id": ids,
        "birth_date": pl.Series(birth, dtype=pl.Date),
        "sex": _pick(rng, (("female", 1), ("male", 1)), n),
        "residence_months": ints(lived),
        "has_permit": pl.Series((permit > 0) & (rng.random(n) < 0.97)),
        "permit_months": ints(permit),
        "housing": housing,
        "owned_home_months": ints(owned),
        "rental_months": ints(rental),
        "owned_home_outer_district": pl.Series((h == "owned") & (rng.random(n) < 0.2)),
        "moved_out_central_months": maybe(0.15, _upto(rng, lived)),
        "employed": pl.Series(employed),
        "pension_months": ints(pension),
        "medical_months": ints(medical),
        "unemployment_months": maybe(0.8, pension, pension // 2),
        "injury_months": maybe(0.85, pension, pension // 2),
        "maternity_months": maybe(0.75, pension),
        "insurance_back_paid_months": ints(_rare(rng, n, 0.1, 8)),
        "housing_fund_months": maybe(0.45, pension),
        "insurance_base_ratio": pl.Series(rng.integers(60, 351, n)).cast(pl.Decimal(8, 2))
        / 100,
        "rd_high_tech_months": maybe(0.06, _upto(rng, job)),
        "hardship_industry": pl.Series(hard),
        "hardship_industry_months": ints(np.where(hard, _upto(rng, job), 0)),
        "shortage_occupation": pl.Series(rng.random(n) < 0.08),
        "works_in_qualified_trade": pl.Series(rng.random(n) < 0.15),
        "education": _pick(rng, _EDUCATION, n),
        "professional_title": _pick(rng, _TITLE, n),
        "skill_grade": _pick(rng, _SKILL, n),
        "invention_patent_share": share,
        "awards_provincial": ints(_rare(rng, n, 0.005)),
        "awards_municipal": ints(_rare(rng, n, 0.01, 2)),
        "awards_district": ints(_rare(rng, n, 0.02, 2)),
        "merit_third_class": ints(_rare(rng, n, 0.005, 2)),
        "blood_donations_5y": ints(_rare(rng, n, 0.12, 8)),
        "volunteer_hours_year1": ints(_rare(rng, n, 0.15, 160)),
        "volunteer_hours_year2": ints(_rare(rng, n, 0.12, 160)),
        "volunteer_hours_year3": ints(_rare(rng, n, 0.1, 160)),
        "income_tax_3y": pl.Series(tax).cast(pl.Decimal(16, 2)),
        "credit_records_under_90d": ints(_rare(rng, n, 0.04, 2)),
        "credit_records_over_90d": ints(_rare(rng, n, 0.015)),
        "tax_evasion_records_5y": ints(_rare(rng, n, 0.003)),
        "public_security_penalties_5y": ints(_rare(rng, n, 0.01)),
        "criminal_records_5y": ints(criminal_5y),
        "criminal_record": pl.Series((criminal_5y > 0) | (rng.random(n) < 0.005)),
    })
    return frame


def sample_frames(rows: int, *, seed: int = 0, on: date = SAMPLE_ON,
                  chunk_rows: int = CHUNK_ROWS) -> Iterator[pl.DataFrame]:
    """`rows` synthetic applicants in tables of at most `chunk_rows` rows, seeded.

    Each part is drawn from its own seed `(seed, first row)`: the same arguments give the
    same applicants; another `chunk_rows` gives another list.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    if rows <= 0:
        yield sample_frame(0, seed=seed, on=on)  # the columns, no rows
    for first in range(0, rows, chunk_rows):
        yield sample_frame(min(chunk_rows, rows - first), seed=seed, on=on, first=first)


def sample_applicants(rows: int, *, seed: int = 0,
                      on: date = SAMPLE_ON) -> Iterator[dict[str, Any]]:
    """`rows` synthetic applicants as fact mappings (valid `Applicant` input), seeded.

    The same applicants as `sample_frames(rows, seed=seed, on=on)`, one at a time; dates,
    money and shares as text.
    """
    for frame in sample_frames(rows, seed=seed, on=on):
        text = frame.with_columns(pl.col(pl.Date, pl.Decimal).cast(pl.String))
        yield from text.iter_rows(named=True)
