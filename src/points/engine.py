"""Score one applicant under one schedule: `score(applicant, schedule, purpose=, on=)`.

The implementation is `points.engines._record`, a translator of the compiled form; this
module keeps the names users import.
"""

from __future__ import annotations

from .compiled import compile_schedule
from .engines import evaluation_date, score

__all__ = ["compile_schedule", "evaluation_date", "score"]
