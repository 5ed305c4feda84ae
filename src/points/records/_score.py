"""Merging the facts records give over an applicant's own (for `points.score(records=)`)."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import attrs

from ..facts import ApplicantBase
from ._api import facts_from_records
from ._result import DerivedFact, RecordFacts

__all__ = ["with_records"]

_A = TypeVar("_A", bound=ApplicantBase)


def with_records(applicant: _A, records: Any, on: date
                 ) -> tuple[_A, tuple[DerivedFact, ...]]:
    """The applicant with the facts `records` give on `on` in place of its own, and the
    explanations (each noting the applicant's own value it replaced, when that differed).

    `records` is what `facts_from_records` takes, or a `RecordFacts` already derived.
    """
    if isinstance(records, RecordFacts):
        derived = records
    else:
        derived = facts_from_records(records, on=on, applicant_id=applicant.applicant_id,
                                     birth_date=getattr(applicant, "birth_date", None))
    given = applicant.model_fields_set
    why = []
    for fact, d in derived.why.items():
        old = getattr(applicant, fact)
        why.append(attrs.evolve(d, given=old) if fact in given and old != d.value else d)
    merged = type(applicant).parse({**applicant.model_dump(exclude_unset=True),
                                    **derived.facts})
    return merged, tuple(why)
