"""Hypothesis strategies for `points`, and property helpers for analysts' own tests.

Strategies (plural nouns of what they make):

- `applicants(schedule=None, **fixed)`: valid `Applicant`s, drawn straight from the bounds
  and levels in `FACTS` (never by filtering). Any field can be fixed to a value or given its
  own strategy. With a schedule, each fact it reads is drawn half the time from the values on
  both sides of the schedule's cuts (band edges, per-unit multiples ± 1, gate comparison
  values ± 1), so every level and both sides of every gate come up; the schedule's own
  given facts are drawn too, into its `applicant_model()`.
- `schedules(constructs=False)`: small random valid schedules using every rule kind, groups,
  deductions, gates, purposes and tiers — for testing the engine and analysts' own tooling;
  with `constructs=True` also facts of their own, derived facts, `when` conditions, branches
  and rules over several facts.

`st.from_type(Applicant)` works with no set-up: the package registers `applicants()` through
Hypothesis's plugin entry point.

Property helpers raise `AssertionError` with a readable counterexample; call them inside
your own `@given` tests:

    @given(applicants("guangzhou/2021"))
    def test_permit_years_never_hurt(applicant):
        assert_monotone("guangzhou/2021", "permit_months", applicant)
"""

from __future__ import annotations

from typing import Any, cast


def _hypothesis_setup_hook() -> None:
    """Register `applicants()` for `st.from_type(Applicant)` (Hypothesis's entry point).

    Defined before this module imports Hypothesis, so the hook exists even when importing
    this module is what first imports Hypothesis; the strategy itself is built lazily.
    """
    from hypothesis import strategies as st

    from .facts import Applicant

    def build(_: type) -> Any:
        return applicants()

    st.register_type_strategy(Applicant, build)


from collections.abc import Callable, Mapping, Sequence  # noqa: E402
from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402
from fractions import Fraction  # noqa: E402

from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import InvalidArgument  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from ._card import ScoreCard  # noqa: E402
from ._vocab import mend  # noqa: E402
from .compiled import ScoreTest, compile_schedule, walk  # noqa: E402
from .engines import facts_of, score  # noqa: E402
from .facts import (  # noqa: E402
    CHECKS,
    FACTS,
    Applicant,
    ApplicantBase,
    FactInfo,
    vocabulary,
)
from .schedule.kinds import kind_of  # noqa: E402
from .schedule.loader import load_schedule  # noqa: E402
from .schedule.model import Schedule  # noqa: E402

__all__ = [
    "applicants",
    "assert_at_most",
    "assert_capped",
    "assert_monotone",
    "assert_no_one_loses",
    "assert_tiers_nested",
    "consistent",
    "schedules",
]

ScheduleRef = Schedule | str


def _load(schedule: ScheduleRef) -> Schedule:
    return schedule if isinstance(schedule, Schedule) else load_schedule(schedule)


# --- applicants --------------------------------------------------------------------------


#: Shares are drawn as multiples of 1/840 = 1/lcm(1, ..., 8): any split among 8 inventors.
_SHARE = 840
#: Optional facts drawn without None: age and years begun follow `birth_date` when absent.
_NEVER_NONE = frozenset({"age", "age_years_begun"})


def _fact_strategy(info: FactInfo, marks: list[Any] | None) -> st.SearchStrategy[Any]:
    base: st.SearchStrategy[Any]
    absent = info.optional and info.name not in _NEVER_NONE
    if info.kind == "bool":
        return st.none() | st.booleans() if absent else st.booleans()
    if info.kind == "level":
        levels = st.sampled_from(info.levels)
        return st.none() | levels if absent else levels
    lo, hi = info.minimum, info.maximum
    if info.kind == "int":
        base = st.integers(int(lo or 0), int(hi or 0))
    elif info.kind == "decimal":
        base = st.decimals(min_value=lo, max_value=hi, places=info.places,
                           allow_nan=False, allow_infinity=False)
    else:  # shares: sums of 1/n for up to 8 inventors, as multiples of 1/840 (fast to draw)
        base = st.integers(int(lo or 0) * _SHARE, int(hi or 0) * _SHARE).map(
            lambda k: Fraction(k, _SHARE))
    if marks:
        base = st.one_of(st.sampled_from(marks), base)
    return st.none() | base if absent else base


_MARKS: dict[tuple[str, str], dict[str, list[Any]]] = {}


def _marks(schedule: Schedule) -> dict[str, list[Any]]:
    """`analysis.thresholds` of a schedule, remembered by id and content hash."""
    from .analysis import thresholds

    key = (schedule.id, schedule.content_hash)
    if key not in _MARKS:
        if len(_MARKS) > 256:
            _MARKS.clear()
        _MARKS[key] = thresholds(schedule)
    return _MARKS[key]


def _model_of(schedules: list[Schedule]) -> tuple[type[ApplicantBase], dict[str, FactInfo]]:
    """The applicant model to draw for `schedules`, and every fact they know (by name).

    Several schedules must declare the same given facts of their own (the applicant is then
    valid for each); a fact one of them requires is required of the draw.
    """
    vocab: dict[str, FactInfo] = dict(FACTS)
    model: type[ApplicantBase] = Applicant
    own: set[str] | None = None
    for s in schedules:
        given = {n for n, i in s.vocabulary.items() if i.declaration is not None
                 and i.expr is None}
        if own is not None and given != own:
            raise InvalidArgument(
                "applicants(): the schedules declare different facts of their own "
                f"({', '.join(sorted(own)) or 'none'} against "
                f"{', '.join(sorted(given)) or 'none'}); draw applicants for each")
        own = given
        if model is Applicant:
            model = s.applicant_model()
        for n, i in s.vocabulary.items():
            if i.expr is not None:
                continue
            if n in vocab and vocab[n].required and not i.required:
                continue  # required by an earlier schedule: stays required
            vocab[n] = i
    return model, vocab


def applicants(
    schedule: ScheduleRef | Sequence[ScheduleRef] | None = None, **fixed: Any,
) -> st.SearchStrategy[Applicant]:
    """Valid applicants, drawn from the facts' bounds and levels (never by filtering; facts
    that contradict each other are mended by the vocabulary's checks, see docs/facts.md).

    Without `schedule`, every fact is drawn. With a schedule (a `Schedule`, an id or a
    path) or several (to compare a revision, pass both), only the facts they read are
    drawn, and each half the time from the values on both sides of their cuts (see
    `points.analysis.thresholds`); the other facts keep their defaults, which those
    schedules ignore — so examples are faster to draw and shrink to what matters.
    A schedule's own given facts (`[facts.NAME]`) and the facts it requires are always
    drawn, and the applicants are instances of `schedule.applicant_model()`; derived facts
    are computed by the schedule, never drawn.
    Each keyword fixes a field to a value or gives it its own strategy:
    `applicants(age=30, housing=st.just("owned"))`. Age is always drawn (as `age`); fix
    `birth_date` to draw by birth date instead.
    """
    refs: list[ScheduleRef] = []
    if schedule is not None:
        refs = [schedule] if isinstance(schedule, Schedule | str) else list(schedule)
        if not refs:
            raise InvalidArgument("applicants(schedule=[]): give at least one schedule")
    loaded = [_load(ref) for ref in refs]
    model, vocab = _model_of(loaded)
    unknown = sorted(set(fixed) - set(model.model_fields))
    if unknown:
        whose = "points.Applicant" if model is Applicant else "the schedule's applicant model"
        raise InvalidArgument(
            f"applicants() got unknown fields {', '.join(unknown)}; "
            f"fields are those of {whose}")
    needed = {n: _example(i) for n, i in vocab.items() if i.required and n in model.model_fields}
    for name, value in fixed.items():
        if isinstance(value, st.SearchStrategy):
            continue
        probe: dict[str, Any] = {**needed, "age": 30, name: value}
        if name == "age" and value is None:
            probe["birth_date"] = date(2000, 1, 1)
        try:
            model.model_validate(probe)
        except ValidationError as exc:
            msg = exc.errors(include_url=False)[0]["msg"]
            raise InvalidArgument(f"applicants({name}={value!r}): {msg}") from None
    marks: dict[str, list[Any]] | None = None
    if loaded:
        marks = {}
        for s in loaded:
            for name, values in _marks(s).items():
                marks[name] = sorted({*marks.get(name, ()), *values},
                                     key=_order(vocab.get(name) or s.vocabulary[name]))
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name in model.model_fields:
        info = vocab.get(name)
        if name in fixed:
            value = fixed[name]
            fields[name] = value if isinstance(value, st.SearchStrategy) else st.just(value)
        elif info is not None and (marks is None or name in marks or name == "age"
                                   or info.required or info.declaration is not None):
            fields[name] = _fact_strategy(info, None if marks is None else marks.get(name))
    if "birth_date" in fixed and "age" not in fixed:
        fields["age"] = st.none()
    if "birth_date" in fixed and "age_years_begun" not in fixed:
        fields["age_years_begun"] = st.none()
    applicant_model = cast("type[Applicant]", model)  # a schedule's model extends Applicant
    return st.fixed_dictionaries(fields).map(lambda d: applicant_model(**consistent(d)))


def consistent(facts: Mapping[str, Any]) -> dict[str, Any]:
    """`facts` with each contradiction the vocabulary's checks find mended by the check's
    `fix` (facts drawn apart may contradict each other): map fact-dictionary strategies.

    >>> consistent({"criminal_records_5y": 1, "criminal_record": False})["criminal_record"]
    True
    """
    return mend(dict(facts), _DEFAULTS, CHECKS)


_DEFAULTS = {n: i.default for n, i in FACTS.items()}


def _example(info: FactInfo) -> Any:
    """Some valid value of a fact (to check a fixed field while the others are required)."""
    if info.kind == "level":
        return info.levels[0]
    if info.kind == "bool":
        return False
    return info.minimum if info.minimum is not None else 0


def _order(info: FactInfo) -> Callable[[Any], Any]:
    if info.kind == "level":
        return lambda v: info.levels.index(v)
    return lambda v: v


from ._gen_schedules import schedules  # noqa: E402

# --- property helpers --------------------------------------------------------------------


def _who(applicant: Applicant) -> str:
    facts = applicant.model_dump(exclude_defaults=True)
    return ", ".join(f"{k}={_show(v)}" for k, v in facts.items()) or "(all defaults)"


def _show(v: Any) -> str:
    if isinstance(v, Decimal):
        return f"{v.normalize():f}"
    if isinstance(v, Fraction):
        return str(v)
    return repr(v) if isinstance(v, str) else str(v)


def _changed_lines(a: ScoreCard, b: ScoreCard) -> list[str]:
    old = {ln.id: ln for ln in a.lines}
    new = {ln.id: ln for ln in b.lines}
    out = []
    for key in [*old, *(k for k in new if k not in old)]:
        x, y = old.get(key), new.get(key)
        if x is None and y is not None:
            if y.points:
                out.append(f"{key}: only in the second, {y.points}")
        elif y is None and x is not None:
            if x.points:
                out.append(f"{key}: only in the first, {x.points}")
        elif x is not None and y is not None and x.points != y.points:
            out.append(f"{key}: {x.points} → {y.points}")
    oldg = {g.id: g.points for g in a.groups}
    for g in b.groups:
        if g.id in oldg and oldg[g.id] != g.points:
            out.append(f"group {g.id}: {oldg[g.id]} → {g.points}")
    return out


def _fail(title: str, applicant: Applicant, details: list[str]) -> AssertionError:
    text = [title, f"  applicant: {_who(applicant)}"]
    text += [f"  {d}" for d in details]
    return AssertionError("\n".join(text))


def _where(s: Schedule, card: ScoreCard) -> str:
    return f"{s.id}" + (f" (purpose {card.purpose})" if card.purpose else "")


def _raised(info: FactInfo, value: Any, by: Any) -> Any:
    """`value` raised by `by` (levels: that many levels; flags: to true), within bounds."""
    if info.kind == "bool":
        return True
    if info.kind == "level":
        levels = list(info.levels)
        if value is None:
            return levels[min(int(by) - 1, len(levels) - 1)]
        return levels[min(levels.index(value) + int(by), len(levels) - 1)]
    hi = info.maximum
    assert hi is not None
    new = value + by
    return hi if new > hi else new


def assert_monotone(
    schedule: ScheduleRef,
    fact: str,
    applicant: Applicant,
    *,
    by: Any = None,
    decreasing: bool = False,
    purpose: str | None = None,
    on: date | None = None,
) -> None:
    """Raising `fact` by `by` never lowers the total (never raises it when `decreasing`).

    `by` defaults to one step: 1 for whole numbers, 0.01 for yuan, one level up, false to
    true. The raise stops at the fact's upper bound; nothing is checked when it cannot move.

        @given(applicants(s), st.integers(1, 120))
        def test(applicant, months):
            assert_monotone(s, "permit_months", applicant, by=months)
    """
    s = _load(schedule)
    info = vocabulary().get(fact)
    if info is None:
        raise InvalidArgument(f"assert_monotone: unknown fact {fact!r}")
    if by is None:
        by = {"int": 1, "decimal": Decimal("0.01"), "fraction": Fraction(1, 100)}.get(
            info.kind, 1)
    if fact == "age":
        when = on or date.today()
        old_value: Any = applicant.age_on(when)
        # the age alone, taken as exact: years begun follow it (no part-year)
        base = applicant.model_copy(update={"age": old_value, "birth_date": None,
                                            "age_years_begun": None})
    else:
        old_value = getattr(applicant, fact)
        base = applicant
    new_value = _raised(info, old_value, by)
    if new_value == old_value:
        return
    before = score(base, s, purpose=purpose, on=on)
    after = score(base.model_copy(update={fact: new_value}), s, purpose=purpose, on=on)
    worse = after.total > before.total if decreasing else after.total < before.total
    if worse:
        verb = "raised" if decreasing else "lowered"
        raise _fail(
            f"assert_monotone: raising {fact} from {_show(old_value)} to {_show(new_value)} "
            f"{verb} the total under {_where(s, before)} from {before.total} to {after.total}",
            applicant, ["changed: " + "; ".join(_changed_lines(before, after))])


def assert_capped(
    schedule: ScheduleRef,
    applicant: Applicant,
    *,
    limits: Mapping[str, Any] | None = None,
    purpose: str | None = None,
    on: date | None = None,
) -> None:
    """No line or group exceeds its cap, the total keeps the floor, and `limits` hold.

    Caps are the schedule's own (a factor's `cap`; for flat plus rate, flat plus the cap on
    the increment; a group's `cap`), in magnitude for deductions. `limits` maps a factor,
    group or deduction id, or `"total"`, to the most (in magnitude) the policy text allows —
    the way to check a cap the schedule may have left out:

        assert_capped(s, applicant, limits={"volunteering": 10, "blood": 10})
    """
    s = _load(schedule)
    card = score(applicant, s, purpose=purpose, on=on)
    problems = []
    for ln in card.lines:
        spec = (s.factors if ln.kind == "factor" else s.deductions)[ln.id]
        cap = kind_of(spec).line_cap(spec)
        if cap is not None and abs(ln.points) > cap:
            problems.append(f"{ln.kind} {ln.id} scored {ln.points}, over its cap {cap}")
    for g in card.groups:
        cap = s.groups[g.id].cap
        if cap is not None and g.points > cap:
            problems.append(f"group {g.id} scored {g.points}, over its cap {cap}")
    floor = s.schedule.floor
    if floor is not None and card.total < floor:
        problems.append(f"the total {card.total} is below the floor {floor}")
    for key, limit in (limits or {}).items():
        try:
            got = card.points(key)
        except KeyError:
            raise InvalidArgument(f"assert_capped: {s.id} has no factor, group or "
                                  f"deduction {key!r}") from None
        if abs(got) > Decimal(limit):
            problems.append(f"{key} scored {got}, over the limit {limit}")
    if problems:
        raise _fail(f"assert_capped: caps broken under {_where(s, card)}", applicant, problems)


def assert_tiers_nested(
    schedule: ScheduleRef,
    applicant: Applicant,
    *,
    purpose: str | None = None,
    on: date | None = None,
) -> None:
    """A higher total never loses a tier's services, the applicant's facts held fixed.

    The applicant is scored; then the tiers are decided again at every higher total where
    anything could change (each tier's minimum and each score comparison of a gate), with
    gates re-evaluated on the same facts and the same factor and group points. Every service
    granted at the real total must still be granted at each higher one.
    """
    s = _load(schedule)
    c = compile_schedule(s)
    card = score(applicant, s, purpose=purpose, on=on)
    facts = facts_of(applicant, card.on)
    ticks: dict[str, int] = {ln.id: int(ln.points * c.scale) for ln in card.lines}
    ticks.update({g.id: int(g.points * c.scale) for g in card.groups})
    total = int(card.total * c.scale)
    node = c.purpose(card.purpose)

    def services_at(t: int) -> tuple[list[str], list[str]]:
        scores = {**ticks, "total": t}
        passed = {gid: g.test(facts, scores) for gid, g in c.gates.items()}
        tiers, services = [], []
        for tier, needs in node.tiers:
            ok = all(passed[g] for g in needs)
            if ok and (tier.min_ticks is None or t >= tier.min_ticks):
                tiers.append(tier.id)
                services += [x for x in tier.services if x not in services]
        return tiers, services

    tiers_now, services_now = services_at(total)
    if tiers_now != list(card.tiers):
        raise _fail(f"assert_tiers_nested: the card's tiers {list(card.tiers)} differ from "
                    f"the schedule's rule ({tiers_now}) under {_where(s, card)}", applicant, [])
    points = {t.min_ticks for t in c.tiers if t.min_ticks is not None}
    for g in c.gates.values():
        for test in walk(g.condition):
            if isinstance(test, ScoreTest) and test.score == "total":
                values = test.value if isinstance(test.value, list) else [test.value]
                for v in values:
                    base = int(Decimal(v) * c.scale)
                    points |= {base, base + 1}
    for t in sorted(x for x in points | {total + 1} if x > total):
        tiers_then, services_then = services_at(t)
        lost = [x for x in services_now if x not in services_then]
        if lost:
            raise _fail(
                f"assert_tiers_nested: a higher total loses services under {_where(s, card)}",
                applicant,
                [f"at {card.total} points: tiers {tiers_now}, services {services_now}",
                 f"at {c.to_points(t)} points: tiers {tiers_then}, lost {lost}"])


def _pair(old: ScheduleRef, new: ScheduleRef, applicant: Applicant, purpose: str | None,
          on: date | None) -> tuple[Schedule, Schedule, ScoreCard, ScoreCard]:
    a, b = _load(old), _load(new)
    return a, b, score(applicant, a, purpose=purpose, on=on), \
        score(applicant, b, purpose=purpose, on=on)


def assert_no_one_loses(
    old: ScheduleRef,
    new: ScheduleRef,
    applicant: Applicant,
    *,
    purpose: str | None = None,
    on: date | None = None,
    services: bool = False,
) -> None:
    """Under the revision `new`, the applicant's total is not below the one under `old`.

    With `services=True`, no service granted under `old` may be lost either. The same
    `purpose` (default: each schedule's own) and date are used for both.
    """
    a, b, before, after = _pair(old, new, applicant, purpose, on)
    problems = []
    if after.total < before.total:
        problems.append(f"loses {before.total - after.total} points: {a.id} gives "
                        f"{before.total}, {b.id} gives {after.total}")
    if services:
        lost = [x for x in before.services if x not in after.services]
        if lost:
            problems.append(f"loses services {lost}")
    if problems:
        raise _fail(f"assert_no_one_loses: {a.id} → {b.id}", applicant,
                    [*problems, "lines: " + "; ".join(_changed_lines(before, after))])


def assert_at_most(
    old: ScheduleRef,
    new: ScheduleRef,
    applicant: Applicant,
    *,
    points: Any,
    purpose: str | None = None,
    on: date | None = None,
) -> None:
    """The revision `new` moves the applicant's total by at most `points`, up or down."""
    a, b, before, after = _pair(old, new, applicant, purpose, on)
    moved = after.total - before.total
    if abs(moved) > Decimal(points):
        raise _fail(f"assert_at_most: {a.id} → {b.id} moves the total by {moved} "
                    f"(more than {points})", applicant,
                    [f"{before.total} → {after.total}",
                     "lines: " + "; ".join(_changed_lines(before, after))])

