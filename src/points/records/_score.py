"""Merging the facts records give over an applicant's own (for `points.score(records=)`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from ..facts import Applicant
from ._api import facts_from_records
from ._result import DerivedFact, RecordFacts

__all__ = ["with_records"]


def with_records(applicant: Applicant, records: Any, on: date
                 ) -> tuple[Applicant, tuple[DerivedFact, ...]]:
    """The applicant with the facts `records` give on `on` in place of its own, and the
    explanations (each noting the applicant's own value it replaced, when that differed).

    `records` is what `facts_from_records` takes, or a `RecordFacts` already derived.
    """
    if isinstance(records, RecordFacts):
        derived = records
    else:
        derived = facts_from_records(records, on=on, applicant_id=applicant.applicant_id,
                                     birth_date=applicant.birth_date)
    given = applicant.model_fields_set
    why = []
    for fact, d in derived.why.items():
        old = getattr(applicant, fact)
        why.append(attrs.evolve(d, given=old) if fact in given and old != d.value else d)
    merged = Applicant.parse({**applicant.model_dump(exclude_unset=True), **derived.facts})
    return merged, tuple(why)
