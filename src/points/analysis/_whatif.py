"""`what_if`: the smallest single-fact changes that reach the next tier, and the date at
which time alone gets there."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ..compiled import compile_schedule
from ..engines import evaluation_date, facts_of, score
from ..errors import ApplicantError
from ..facts import Applicant, ApplicantBase, candidates, vocabulary
from ..schedule.model import Schedule
from ._results import Change, WhatIf
from ._space import Space
from ._thresholds import cuts, load, scoped

__all__ = ["what_if"]

#: Duration facts that accrue with time while a condition holds (others: while above 0).
_ACCRUES: dict[str, Callable[[Applicant], bool]] = {
    "residence_months": lambda a: True,
    "permit_months": lambda a: a.has_permit,
    "owned_home_months": lambda a: a.housing == "owned",
    "rental_months": lambda a: a.housing in ("rental", "dormitory"),
    "pension_months": lambda a: a.employed,
    "medical_months": lambda a: a.employed,
    "unemployment_months": lambda a: a.employed,
    "injury_months": lambda a: a.employed,
    "maternity_months": lambda a: a.employed,
    "housing_fund_months": lambda a: a.employed,
    "hardship_industry_months": lambda a: a.hardship_industry,
}
_NEVER_ACCRUES = {"insurance_back_paid_months"}


def _accruing(a: Applicant) -> tuple[str, ...]:
    out = []
    for name, info in vocabulary().items():
        if info.unit != "month" or name in _NEVER_ACCRUES:
            continue
        active = _ACCRUES.get(name)
        if active(a) if active is not None else getattr(a, name) > 0:
            out.append(name)
    return tuple(out)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


@scoped(1)
def what_if(
    applicant: Applicant | Mapping[str, Any],
    schedule: Schedule | str,
    *,
    purpose: str | None = None,
    on: date | str | None = None,
    horizon_years: int = 40,
) -> WhatIf:
    """What would bring `applicant` to the next tier of `purpose` under `schedule`.

    Single changes: every fact the schedule reads except `age` is tried on its own, at the
    nearest value on each side of every cut (the only places the card can change); the
    smallest change of each fact that unlocks the next tier is kept. Time alone: month by
    month, the duration facts in `WhatIf.accruing` grow by one (up to their bound) and age
    follows `birth_date` (or grows by one every 12 months when only `age` is known); nothing
    else changes — look-back counts are held, and no new record is assumed. Months accrue:
    residence always; the permit's while `has_permit`; owned-home months while `housing` is
    owned, rental months while renting or in a dormitory; the five insurances and the
    housing fund while `employed`; hardship months while `hardship_industry`; any other
    duration while it is above 0; back-paid insurance months never.
    """
    s = load(schedule)
    model = s.applicant_model()
    if isinstance(applicant, model):
        a: Any = applicant
    elif isinstance(applicant, ApplicantBase):
        a = model.parse(applicant.model_dump(exclude_unset=True))
    else:
        a = model.parse(applicant)
    when = evaluation_date(on)
    card = score(a, s, purpose=purpose, on=when)
    accruing = _accruing(a)
    if card.next_tier is None:
        return WhatIf(card=card, target=None, changes=(), by_time=None, by_time_total=None,
                      horizon_years=horizon_years, accruing=accruing)
    target = card.next_tier.id
    space = Space(compile_schedule(s))
    changes = []
    for fact in space.facts:
        if fact in ("age", "age_years_begun"):  # time moves them, not the applicant
            continue
        change = _smallest_change(space, a, fact, target, card.purpose, when)
        if change is not None:
            changes.append(change)
    by_time, by_total = _by_time(a, s, card.purpose, when, target, horizon_years, accruing)
    return WhatIf(card=card, target=target, changes=tuple(changes), by_time=by_time,
                  by_time_total=by_total, horizon_years=horizon_years, accruing=accruing)


def _smallest_change(space: Space, a: Applicant, fact: str, target: str,
                     purpose: str | None, on: date) -> Change | None:
    info = vocabulary()[fact]
    current = getattr(a, fact)
    values = candidates(info, cuts(space.c, fact))[0]
    # nearest value of each region (a run of equal outcomes), on each side of `current`
    if info.kind in ("level", "bool"):
        order = list(values)
        pos = order.index(current) if current in order else 0
        tries = sorted((v for v in order if v != current),
                       key=lambda v: abs(order.index(v) - pos))
    else:
        facts = facts_of(a, on)  # a rule reading several facts: the others as they are
        sig = {v: space.signature(fact, v, facts) for v in values}
        below = [v for v in values if v < current]
        above = [v for v in values if v > current]
        ups = [v for k, v in enumerate(above)
               if k == 0 or sig[above[k - 1]] != sig[v]]
        downs = [v for k, v in enumerate(reversed(below))
                 if k == 0 or sig[below[len(below) - k]] != sig[v]]
        tries = sorted([*ups, *downs], key=lambda v: abs(v - current))
    for v in tries:
        trial = _changed(a, {fact: v})
        if trial is None:  # a change that contradicts another fact is not a change alone
            continue
        card = score(trial, space.c.schedule, purpose=purpose, on=on)
        if target in card.tiers:
            return Change(fact=fact, old=current, new=v, total=card.total)
    return None


def _by_time(a: Applicant, s: Schedule, purpose: str | None, on: date, target: str,
             horizon_years: int, accruing: tuple[str, ...]) -> tuple[date | None, Decimal | None]:
    age0 = a.age_on(on)
    for m in range(1, 12 * horizon_years + 1):
        when = _add_months(on, m)
        update: dict[str, Any] = {}
        for name in accruing:
            hi = vocabulary()[name].maximum
            assert hi is not None
            update[name] = min(getattr(a, name) + m, int(hi))
        if a.birth_date is not None:
            update["age"] = None
        else:
            update["age"] = min(age0 + m // 12, 120)
            if a.age_years_begun is not None:
                update["age_years_begun"] = min(a.age_years_begun + m // 12, 121)
        trial = _changed(a, update)
        if trial is None:
            continue
        card = score(trial, s, purpose=purpose, on=when)
        if target in card.tiers:
            return when, card.total
    return None, None


def _changed(a: ApplicantBase, update: dict[str, Any]) -> ApplicantBase | None:
    """`a` with `update`, validated (its consistency checks too); None if refused."""
    try:
        return type(a).parse({**a.model_dump(exclude_unset=True), **update})
    except ApplicantError:
        return None

