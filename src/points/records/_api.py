"""`facts_from_records`: one applicant's records → facts on a date."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from ..errors import RecordsError
from ..facts import evaluation_date
from ._result import RecordFacts
from ._spec import RecordSpec, bundled_spec

__all__ = ["Records", "facts_from_records"]


Records = Mapping[str, Sequence[Mapping[str, Any]]] | Iterable[Mapping[str, Any]]


def facts_from_records(
    records: Records,
    *,
    on: date | str | None = None,
    spec: RecordSpec | None = None,
    kinds: Iterable[str] | None = None,
    applicant_id: str | None = None,
    birth_date: date | None = None,
    strict: bool = False,
    schedule: Any = None,
) -> RecordFacts:
    """The facts one applicant's records give on `on` (default today), each explained.

    `records` is a list of mappings, each with a `kind` and that kind's fields, or a mapping
    of kind → list of such mappings (then `kind` may be left out, and a kind with an empty
    list counts as present). A fact is derived when every record kind its derivation reads is
    present (`kinds`, default: the kinds given). Records dated after `on` are ignored. A bad
    record (unknown kind or field, a value of the wrong type, an end before its start, a
    date before `birth_date`) is refused and listed in `.rejects`; the facts come from the
    others (`strict=True`: raise `RecordsError` instead). Records that contradict each other
    (two overlapping periods of the same home) or a derived fact beyond its bounds raise
    `RecordsError`: the applicant cannot be scored from them. `schedule` (a `Schedule`, a
    bundled id or a path) adds the derivations it declares in its `[derive]` tables.
    """
    from ._engine import facts_for

    when = evaluation_date(on)
    if schedule is not None:
        spec = _with_schedule(schedule, spec)
    result, faults = facts_for(spec or bundled_spec(), records, when, kinds=kinds,
                               applicant_id=applicant_id, birth_date=birth_date)
    if faults or (strict and result.rejects):
        problems = [(r.record_id or None, r.kind, r.field, r.value or None, r.reason)
                    for r in (*faults, *(result.rejects if strict else ()))]
        raise RecordsError(problems, applicant_id=result.applicant_id)
    return result


def _with_schedule(schedule: Any, spec: RecordSpec | None) -> RecordSpec:
    from ..schedule.loader import load_schedule
    from ..schedule.model import Schedule
    from .declared import spec_for

    return spec_for(schedule if isinstance(schedule, Schedule) else load_schedule(schedule),
                    spec)
