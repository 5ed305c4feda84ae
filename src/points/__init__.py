"""points: typed scoring of points-based residence-permit and settlement schemes.

>>> from datetime import date
>>> import points
>>> card = points.score({"age": 30, "permit_months": 36}, "guangzhou/2021",
...                     on=date(2024, 6, 1))
>>> card.total
Decimal('54.00')
"""

import logging as _logging

from . import families
from ._card import GateResult, GroupResult, Line, NextTier, ScoreCard
from ._version import __version__
from .engines import score
from .errors import (
    ApplicantError,
    InputError,
    NoScheduleInForce,
    PointsError,
    ScheduleError,
    ScheduleNotFound,
    ScheduleSyntaxError,
    ScheduleValidationError,
    UnknownPurpose,
)
from .facts import FACTS, Applicant, FactInfo
from .schedule.loader import (
    bundled_ids,
    load_schedule,
    loads_schedule,
    schedule_for,
    service_catalogue,
)
from .schedule.model import Schedule

__all__ = [
    "FACTS",
    "Applicant",
    "ApplicantError",
    "FactInfo",
    "GateResult",
    "GroupResult",
    "InputError",
    "Line",
    "NextTier",
    "NoScheduleInForce",
    "PointsError",
    "Schedule",
    "ScheduleError",
    "ScheduleNotFound",
    "ScheduleSyntaxError",
    "ScheduleValidationError",
    "ScoreCard",
    "UnknownPurpose",
    "__version__",
    "bundled_ids",
    "families",
    "load_schedule",
    "loads_schedule",
    "schedule_for",
    "score",
    "service_catalogue",
]

# the library logs to the `points` logger and leaves handlers to the application
_logging.getLogger("points").addHandler(_logging.NullHandler())
