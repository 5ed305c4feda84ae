"""Realistic synthetic applicants, seeded, for demos, tests and benchmarks.

The shapes follow what the schemes reward: most applicants are 22–45, employed with
social insurance that started when the job did, renting; fewer own a home, hold titles,
patents or awards; a few carry negative records. Nothing here is real data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = ["DEFAULT_ON", "sample_applicants"]

#: The evaluation date the bundled sample is drawn for.
DEFAULT_ON = date(2024, 6, 1)

_EDUCATION = (("junior_high", 18), ("high_school", 30), ("associate", 24), ("bachelor", 4),
              ("bachelor_degree", 17), ("master", 6), ("doctorate", 1))
_TITLE = (("none", 80), ("junior", 12), ("intermediate", 7), ("senior", 1))
_SKILL = (("none", 70), ("level5", 8), ("level4", 10), ("level3", 8), ("level2", 3),
          ("level1", 1))


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _rare(rng: random.Random, p: float, hi: int = 1) -> int:
    return rng.randint(1, hi) if rng.random() < p else 0


def sample_applicants(rows: int, *, seed: int = 0,
                      on: date = DEFAULT_ON) -> Iterator[dict[str, Any]]:
    """`rows` synthetic applicants as fact mappings (valid `Applicant` input), seeded."""
    rng = random.Random(seed)
    for i in range(rows):
        age = min(62, max(18, int(rng.gauss(34, 8))))
        birth = on - timedelta(days=int(age * 365.25) + rng.randint(1, 360))
        lived = rng.randint(0, min(240, (age - 16) * 12))
        permit = rng.randint(0, lived)
        employed = rng.random() < 0.86
        job = rng.randint(0, lived) if employed else rng.randint(0, lived // 3)
        housing = rng.choices(["rental", "owned", "dormitory", "none"], [55, 18, 17, 10])[0]
        rental = rng.randint(0, lived) if housing in ("rental", "dormitory") else 0
        owned = rng.randint(0, lived) if housing == "owned" else 0
        insured = rng.random() < 0.9
        pension = job if insured else 0
        medical = min(lived, pension + rng.choice([0, 0, 0, 6, 12]))
        patents = Fraction(0)
        if rng.random() < 0.03:
            for _ in range(rng.randint(1, 3)):
                patents += Fraction(1, rng.randint(1, 5))
        education = _pick(rng, _EDUCATION)
        tax = Decimal(0)
        if employed and rng.random() < 0.6:
            tax = Decimal(rng.randint(0, 120_000))
        row: dict[str, Any] = {
            "applicant_id": f"S{seed:03d}-{i:07d}",
            "birth_date": birth.isoformat(),
            "sex": rng.choice(["female", "male"]),
            "residence_months": lived,
            "has_permit": permit > 0 and rng.random() < 0.97,
            "permit_months": permit,
            "housing": housing,
            "owned_home_months": owned,
            "rental_months": rental,
            "owned_home_outer_district": housing == "owned" and rng.random() < 0.2,
            "moved_out_central_months": rng.randint(0, lived) if rng.random() < 0.15 else 0,
            "employed": employed,
            "pension_months": pension,
            "medical_months": medical,
            "unemployment_months": pension if rng.random() < 0.8 else pension // 2,
            "injury_months": pension if rng.random() < 0.85 else pension // 2,
            "maternity_months": pension if rng.random() < 0.75 else 0,
            "insurance_back_paid_months": _rare(rng, 0.1, 8),
            "housing_fund_months": pension if rng.random() < 0.45 else 0,
            "insurance_base_ratio": str(Decimal(rng.randint(60, 350)) / 100),
            "rd_high_tech_months": rng.randint(0, job) if rng.random() < 0.06 else 0,
            "hardship_industry": (hard := rng.random() < 0.04),
            "hardship_industry_months": rng.randint(0, job) if hard else 0,
            "shortage_occupation": rng.random() < 0.08,
            "works_in_qualified_trade": rng.random() < 0.15,
            "education": education,
            "professional_title": _pick(rng, _TITLE),
            "skill_grade": _pick(rng, _SKILL),
            "invention_patent_share": str(patents),
            "awards_provincial": _rare(rng, 0.005),
            "awards_municipal": _rare(rng, 0.01, 2),
            "awards_district": _rare(rng, 0.02, 2),
            "merit_third_class": _rare(rng, 0.005, 2),
            "blood_donations_5y": _rare(rng, 0.12, 8),
            "volunteer_hours_year1": _rare(rng, 0.15, 160),
            "volunteer_hours_year2": _rare(rng, 0.12, 160),
            "volunteer_hours_year3": _rare(rng, 0.1, 160),
            "income_tax_3y": str(tax),
            "credit_records_under_90d": _rare(rng, 0.04, 2),
            "credit_records_over_90d": _rare(rng, 0.015),
            "tax_evasion_records_5y": _rare(rng, 0.003),
            "public_security_penalties_5y": _rare(rng, 0.01),
            "criminal_records_5y": _rare(rng, 0.004),
        }
        row["criminal_record"] = row["criminal_records_5y"] > 0 or rng.random() < 0.005
        yield row
