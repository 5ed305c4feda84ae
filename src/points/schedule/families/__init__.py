"""Factor families: typed definitions of the indicators the policies share.

A schedule may write a factor by *family* instead of by rule kind. The family names the
indicator (housing, social insurance, age, ...) and its parameters say what this policy
pays for it:

    [factors.insurance]
    family = "social_insurance"
    rate = 2
    per = 12
    types = ["pension", "medical", "unemployment", "injury", "maternity"]
    group = "base"
    ref = "穗来穗规字〔2021〕1号 附件：合法稳定就业"
    status = "confirmed"

Before validation the loader replaces the table by the plain rule-kind entries it stands
for (`expand`): here a `sum` group `insurance` holding the factors `insurance_pension`,
`insurance_medical`, ... . So a family is shorthand, never new behaviour: the engine, the
checks, the score card and the content hash see only rule kinds.

Generated ids: a family with one part becomes the factor `<id>` itself; with several, a group
`<id>` holding `<id>_<part>` (nested where the family says so). `<id>` is therefore always a
score that gates, tiers and ranking keys can name. `penalties` is the exception: deductions
are never grouped, so it gives one deduction per part.

Parameters are checked when the schedule loads; a bad one is a `ScheduleValidationError`
naming the file, the line and the key path of the family's table. `help()` on a family
class lists its parameters.
"""

from __future__ import annotations

from ._base import (
    AgeStep,
    Each,
    EmploymentFact,
    Family,
    Merit,
    Rate,
    RatioBand,
    ResidenceFact,
    Share,
    TaxPart,
)
from ._expand import expand_families, to_toml
from ._people import Education, Employment, Housing, ResidenceYears, Skills
from ._records import (
    FAMILIES,
    Age,
    Awards,
    Innovation,
    Penalties,
    SocialInsurance,
    Tax,
    Volunteering,
)
from ._words import parameter_rows, parameters_text, schedule_json_schema

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
