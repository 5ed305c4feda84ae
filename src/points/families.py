"""Factor families: typed definitions of the indicators the policies share.

The families are part of the schedule format (`points.schedule.families`, where the loader
expands them); this module is where users find them: `help(points.families.Housing)`.
"""

from __future__ import annotations

from .schedule.families import (
    FAMILIES,
    Age,
    AgeStep,
    Awards,
    Each,
    Education,
    Employment,
    EmploymentFact,
    Family,
    Housing,
    Innovation,
    Merit,
    Penalties,
    Rate,
    RatioBand,
    ResidenceFact,
    ResidenceYears,
    Share,
    Skills,
    SocialInsurance,
    Tax,
    TaxPart,
    Volunteering,
    expand_families,
    parameter_rows,
    parameters_text,
    schedule_json_schema,
    to_toml,
)

__all__ = [
    "FAMILIES",
    "Age",
    "AgeStep",
    "Awards",
    "Each",
    "Education",
    "Employment",
    "EmploymentFact",
    "Family",
    "Housing",
    "Innovation",
    "Merit",
    "Penalties",
    "Rate",
    "RatioBand",
    "ResidenceFact",
    "ResidenceYears",
    "Share",
    "Skills",
    "SocialInsurance",
    "Tax",
    "TaxPart",
    "Volunteering",
    "expand_families",
    "parameter_rows",
    "parameters_text",
    "schedule_json_schema",
    "to_toml",
]
