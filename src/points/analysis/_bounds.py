"""Exact bounds of the total, and the facts more of which never lowers it."""

from __future__ import annotations

from ..compiled import CompiledSchedule, compile_schedule
from ..engines import score
from ..schedule.model import Schedule
from ._results import Bounds, applicant_of
from ._search import search
from ._space import Space
from ._thresholds import load, scoped

__all__ = ["bounds", "bounds_of", "contexts", "monotone_facts"]


def contexts(c: CompiledSchedule) -> list[str | None]:
    """The purposes a card can be scored for (None when the schedule has no default)."""
    ps: list[str | None] = [p for p in c.purposes if p is not None]
    if not ps or c.schedule.schedule.default_purpose is None:
        ps.append(None)
    return ps


@scoped(0)
def bounds(schedule: Schedule | str, purpose: str | None = None) -> Bounds:
    """The exact lowest and highest total of `schedule` under `purpose`.

    `purpose` defaults to the schedule's `default_purpose`, as `score` does.
    """
    s = load(schedule)
    if purpose is None:
        purpose = s.schedule.default_purpose
    return bounds_of(Space(compile_schedule(s)), purpose)


def bounds_of(space: Space, purpose: str | None) -> Bounds:
    hi = search(space, purpose, [()], "max")
    lo = search(space, purpose, [()], "min")
    assert hi.value is not None and lo.value is not None
    c = space.c
    top, bottom = c.to_points(hi.value), c.to_points(lo.value)
    # not proven: report what the applicants found score (unless derived facts were searched
    # as free facts: the search's values then bound the totals, and no applicant need reach)
    if not (hi.exact and lo.exact) and not space.derived_free:
        model = c.schedule.applicant_model()
        top = score(applicant_of(hi.facts, model), c.schedule, purpose=purpose,
                    on=c.effective_from).total
        bottom = score(applicant_of(lo.facts, model), c.schedule, purpose=purpose,
                       on=c.effective_from).total
    return Bounds(purpose=purpose, minimum=bottom, maximum=top,
                  lowest=lo.facts, highest=hi.facts, exact=hi.exact and lo.exact,
                  model=c.schedule.applicant_model())


@scoped(0)
def monotone_facts(schedule: Schedule | str) -> list[str]:
    """The facts more of which never lowers any factor's points nor deepens any deduction.

    For these facts, raising the value (a higher level, false to true) can never lower the
    total, whatever the other facts: every group, cap, `highest` and the floor are
    non-decreasing in their members. A rule reading several facts must rise in this one
    for every value of the others.
    """
    space = Space(compile_schedule(load(schedule)))
    deduction_hubs = {f.when for f in space.c.deductions if f.when is not None}
    out = []
    for fact in space.facts:
        if fact in deduction_hubs:
            continue
        var = space.var(fact)
        readers = [j for j, i in enumerate(var.factors) if fact in space.factors[i].facts]
        rising = all(var.rising(j, fact) for j in readers)
        if (rising and readers) or (not readers and fact in space.hubs):
            out.append(fact)
    return out
