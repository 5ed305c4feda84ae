"""Hypothesis strategies for `points`, and property helpers for analysts' own tests.

Strategies (plural nouns of what they make):

- `applicants(schedule=None, **fixed)`: valid `Applicant`s, drawn straight from the bounds
  and levels in `FACTS` (never by filtering). Any field can be fixed to a value or given its
  own strategy. With a schedule, each fact it reads is drawn half the time from the values on
  both sides of the schedule's cuts (band edges, per-unit multiples ± 1, gate comparison
  values ± 1), so every level and both sides of every gate come up.
- `schedules()`: small random valid schedules using every rule kind, groups, deductions,
  gates, purposes and tiers — for testing the engine and analysts' own tooling.

`st.from_type(Applicant)` works with no set-up: the package registers `applicants()` through
Hypothesis's plugin entry point.

Property helpers raise `AssertionError` with a readable counterexample; call them inside
your own `@given` tests:

    @given(applicants("guangzhou/2021"))
    def test_permit_years_never_hurt(applicant):
        assert_monotone("guangzhou/2021", "permit_months", applicant)
"""

from __future__ import annotations

from typing import Any


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

import attrs  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import InvalidArgument  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from ._card import ScoreCard  # noqa: E402
from ._vocab import mend  # noqa: E402
from .compiled import ScoreTest, compile_schedule, walk  # noqa: E402
from .engines import facts_of, score  # noqa: E402
from .facts import CHECKS, FACTS, Applicant, FactInfo, vocabulary  # noqa: E402
from .schedule.kinds import KINDS, kind_of  # noqa: E402
from .schedule.loader import load_schedule, loads_schedule, service_catalogue  # noqa: E402
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


def _places(name: str) -> int:
    for m in Applicant.model_fields[name].metadata:
        places = getattr(m, "decimal_places", None)
        if places is not None:
            return int(places)
    return 0


#: Shares are drawn as multiples of 1/840 = 1/lcm(1, ..., 8): any split among 8 inventors.
_SHARE = 840


def _fact_strategy(info: FactInfo, marks: list[Any] | None) -> st.SearchStrategy[Any]:
    base: st.SearchStrategy[Any]
    if info.kind == "bool":
        return st.booleans()
    if info.kind == "level":
        levels = st.sampled_from(info.levels)
        return st.none() | levels if info.optional else levels
    lo, hi = info.minimum, info.maximum
    if info.kind == "int":
        base = st.integers(int(lo or 0), int(hi or 0))
    elif info.kind == "decimal":
        base = st.decimals(min_value=lo, max_value=hi, places=_places(info.name),
                           allow_nan=False, allow_infinity=False)
    else:  # shares: sums of 1/n for up to 8 inventors, as multiples of 1/840 (fast to draw)
        base = st.integers(int(lo or 0) * _SHARE, int(hi or 0) * _SHARE).map(
            lambda k: Fraction(k, _SHARE))
    if marks:
        return st.one_of(st.sampled_from(marks), base)
    return base


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
    Each keyword fixes a field to a value or gives it its own strategy:
    `applicants(age=30, housing=st.just("owned"))`. Age is always drawn (as `age`); fix
    `birth_date` to draw by birth date instead.
    """
    unknown = sorted(set(fixed) - set(Applicant.model_fields))
    if unknown:
        raise InvalidArgument(
            f"applicants() got unknown fields {', '.join(unknown)}; "
            f"fields are those of points.Applicant")
    for name, value in fixed.items():
        if isinstance(value, st.SearchStrategy):
            continue
        probe: dict[str, Any] = {"age": 30, name: value}
        if name == "age" and value is None:
            probe["birth_date"] = date(2000, 1, 1)
        try:
            Applicant.model_validate(probe)
        except ValidationError as exc:
            msg = exc.errors(include_url=False)[0]["msg"]
            raise InvalidArgument(f"applicants({name}={value!r}): {msg}") from None
    marks: dict[str, list[Any]] | None = None
    required: set[str] = set()  # facts a schedule requires (never drawn absent)
    if schedule is not None:
        refs = [schedule] if isinstance(schedule, Schedule | str) else list(schedule)
        if not refs:
            raise InvalidArgument("applicants(schedule=[]): give at least one schedule")
        marks = {}
        for ref in refs:
            required |= {n for n, i in _load(ref).vocabulary.items() if i.required}
            for name, values in _marks(_load(ref)).items():
                marks[name] = sorted({*marks.get(name, ()), *values}, key=_order(name))
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name in Applicant.model_fields:
        if name in fixed:
            value = fixed[name]
            fields[name] = value if isinstance(value, st.SearchStrategy) else st.just(value)
        elif name in vocabulary() and (marks is None or name in marks or name == "age"):
            info = vocabulary()[name]
            if name in required:
                info = attrs.evolve(info, optional=False)
            fields[name] = _fact_strategy(info, None if marks is None else marks.get(name))
    if "birth_date" in fixed and "age" not in fixed:
        fields["age"] = st.none()
    if "birth_date" in fixed and "age_years_begun" not in fixed:
        fields["age_years_begun"] = st.none()
    return st.fixed_dictionaries(fields).map(lambda d: Applicant(**consistent(d)))


def consistent(facts: Mapping[str, Any]) -> dict[str, Any]:
    """`facts` with each contradiction the vocabulary's checks find mended by the check's
    `fix` (facts drawn apart may contradict each other): map fact-dictionary strategies.

    >>> consistent({"criminal_records_5y": 1, "criminal_record": False})["criminal_record"]
    True
    """
    return mend(dict(facts), _DEFAULTS, CHECKS)


_DEFAULTS = {n: i.default for n, i in FACTS.items()}


def _order(name: str) -> Callable[[Any], Any]:
    info = vocabulary()[name]
    if info.kind == "level":
        return lambda v: info.levels.index(v)
    return lambda v: v


# --- schedules ---------------------------------------------------------------------------

_INT = [n for n, i in FACTS.items() if i.kind == "int"]
_NUMERIC = [n for n, i in FACTS.items() if i.kind in ("int", "decimal", "fraction")]
_LEVEL = [n for n, i in FACTS.items() if i.kind == "level" and n != "sex"]
_BOOL = [n for n, i in FACTS.items() if i.kind == "bool"]
_MONTHS = [n for n, i in FACTS.items() if i.kind == "int" and i.unit == "month"]
_PERS: dict[str, list[Any]] = {
    "int": [1, 2, 12, 50], "decimal": [Decimal("0.5"), 1, 10000], "fraction": [1]}


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else f'"{k}"'


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, str):
        import json

        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {v!r} as TOML")  # pragma: no cover


def _toml(doc: Mapping[str, Any]) -> str:
    """TOML text of a schedule document (tables of tables, and `[[tiers]]`)."""
    out = ["[schedule]"]
    out += [f"{_key(k)} = {_toml_value(v)}" for k, v in doc["schedule"].items()]
    for section in ("groups", "factors", "deductions", "gates", "purposes"):
        for key, table in doc.get(section, {}).items():
            out.append(f"\n[{section}.{key}]")
            out += [f"{_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    for tier in doc.get("tiers", []):
        out.append("\n[[tiers]]")
        out += [f"{_key(k)} = {_toml_value(v)}" for k, v in tier.items()]
    return "\n".join(out) + "\n"


def _label(text: str) -> dict[str, str]:
    return {"zh": text, "en": text}


_SOURCED = {"ref": "generated by points.testing.schedules()", "status": "provisional"}


@st.composite
def _amounts(draw: st.DrawFn, unit: Decimal, top: int = 40, sign: int = 1) -> Decimal:
    n = draw(st.integers(0, int(top / unit)))
    return sign * n * unit


@st.composite
def _rule(draw: st.DrawFn, unit: Decimal, sign: int) -> dict[str, Any]:
    """One factor (sign 1) or deduction (sign -1) of a random rule kind."""
    kind = KINDS[draw(st.sampled_from(sorted(KINDS)))]
    spec = draw(kind.strategy(unit, sign))
    if draw(st.booleans()):
        spec["when"] = draw(st.sampled_from(_BOOL))
    return spec


@st.composite
def _condition(draw: st.DrawFn, scores: list[str], unit: Decimal, safe: bool,
               depth: int = 0) -> dict[str, Any]:
    """A gate condition; `safe` ones only rise with the score (fit for tiers and purposes)."""
    shape = draw(st.sampled_from(["fact", "fact", "score", "all", "any", "not"]
                                 if depth < 2 else ["fact", "score"]))
    if shape in ("all", "any"):
        subs = draw(st.lists(_condition(scores, unit, safe, depth + 1), min_size=1, max_size=3))
        return {shape: subs}
    if shape == "not":
        inner = _fact_condition() if safe else _condition(scores, unit, safe, depth + 1)
        return {"not": draw(inner)}
    if shape == "score":
        ops = ["ge", "gt"] if safe else ["lt", "le", "gt", "ge", "eq", "ne", "in"]
        op = draw(st.sampled_from(ops))
        value = _amounts(unit, top=60, sign=1) | _amounts(unit, top=20, sign=-1)
        target: Any = draw(st.lists(value, min_size=1, max_size=3)) if op == "in" \
            else draw(value)
        return {"score": draw(st.sampled_from(scores)), op: target}
    return draw(_fact_condition())


@st.composite
def _fact_condition(draw: st.DrawFn) -> dict[str, Any]:
    fact = draw(st.sampled_from([*_BOOL, *_LEVEL, *_NUMERIC]))
    info = vocabulary()[fact]
    if info.kind == "bool":
        return {"fact": fact, draw(st.sampled_from(["eq", "ne"])): draw(st.booleans())}
    op = draw(st.sampled_from(["lt", "le", "gt", "ge", "eq", "ne", "in"]))
    value: st.SearchStrategy[Any]
    if info.kind == "level":
        value = st.sampled_from(info.levels)
    else:
        value = st.integers(int(info.minimum or 0), min(int(info.maximum or 0), 200))
    target = draw(st.lists(value, min_size=1, max_size=3, unique=True)) if op == "in" \
        else draw(value)
    return {"fact": fact, op: target}


@st.composite
def _schedule_doc(draw: st.DrawFn, max_factors: int) -> dict[str, Any]:
    unit = Decimal(draw(st.sampled_from(["1", "0.1", "0.01"])))
    doc: dict[str, Any] = {"schedule": {
        "id": "generated/1", "place": "generated", "title": _label("generated"),
        "document": "generated", "effective_from": date(2020, 1, 1),
        "precision": format(unit, "f"),
        "rounding": draw(st.sampled_from(["half_up", "half_even", "down", "up"])),
    }}
    floor = draw(st.none() | st.just(Decimal(0)) | _amounts(unit, top=20, sign=-1))
    if floor is not None:
        doc["schedule"]["floor"] = floor

    groups: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(0, 3))):
        g: dict[str, Any] = {"label": _label(f"group {i + 1}"),
                             "combine": draw(st.sampled_from(["sum", "highest"]))}
        if (c := draw(st.none() | _amounts(unit))) is not None:
            g["cap"] = c
        parents = sorted(k for k, v in groups.items() if "within" not in v)
        if parents and bool(draw(st.booleans())):
            g["group"] = draw(st.sampled_from(parents))
        elif draw(st.integers(0, 3)) == 0:  # members share a number of months
            g["within"] = draw(st.sampled_from(_MONTHS))
        groups[f"g{i + 1}"] = {**g, **_SOURCED}
    factors: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(1, max_factors))):
        spec = draw(_rule(unit, 1))
        if groups and bool(draw(st.booleans())):
            gid = draw(st.sampled_from(sorted(groups)))
            if "within" not in groups[gid] or spec["fact"] in _MONTHS:
                spec["group"] = gid
        factors[f"f{i + 1}"] = {"label": _label(f"factor {i + 1}"), **spec, **_SOURCED}
    members = {f.get("group") for f in factors.values()} | {g.get("group") for g in
                                                             groups.values()}
    for gid, g in groups.items():
        if gid in members:
            continue
        fill: dict[str, Any] = {"rule": "flag", "fact": draw(st.sampled_from(_BOOL)),
                                "points": draw(_amounts(unit))}
        if "within" in g:
            fill = {"rule": "rate", "fact": draw(st.sampled_from(_MONTHS)),
                    "rate": draw(_amounts(unit)), "per": 12}
        factors[f"fill_{gid}"] = {"label": _label(f"member of {gid}"), **fill, "group": gid,
                                  **_SOURCED}
    purposes = [f"p{i + 1}" for i in range(draw(st.integers(0, 2)))]
    deductions: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(0, 2))):
        spec = draw(_rule(unit, -1))
        if purposes and bool(draw(st.booleans())):
            spec["purposes"] = draw(st.lists(st.sampled_from(purposes), min_size=1,
                                             unique=True))
        deductions[f"d{i + 1}"] = {"label": _label(f"deduction {i + 1}"), **spec, **_SOURCED}
    scores = ["total", *factors, *groups, *deductions]
    gates: dict[str, dict[str, Any]] = {}
    safe: list[str] = []
    for i in range(draw(st.integers(0, 3))):
        is_safe = draw(st.booleans())
        gid = f"gate{i + 1}"
        gates[gid] = {"label": _label(f"gate {i + 1}"),
                      "condition": draw(_condition(scores, unit, is_safe)),
                      "veto": draw(st.booleans()), **_SOURCED}
        if is_safe:
            safe.append(gid)
    gate_list = st.lists(st.sampled_from(safe), unique=True, max_size=2) if safe \
        else st.just([])
    purpose_docs = {p: {"label": _label(f"purpose {p}"), "gates": draw(gate_list), **_SOURCED}
                    for p in purposes}
    if purposes and bool(draw(st.booleans())):
        doc["schedule"]["default_purpose"] = draw(st.sampled_from(purposes))
    services = sorted(service_catalogue())
    tiers = []
    threshold = Decimal(0)
    for i in range(draw(st.integers(0, 3))):
        tier: dict[str, Any] = {"id": f"t{i + 1}", "label": _label(f"tier {i + 1}")}
        threshold += draw(_amounts(unit, top=30))
        tier_gates = draw(gate_list)
        if i > 0 or draw(st.booleans()):
            tier["min_score"] = threshold
        if tier_gates:
            tier["gates"] = tier_gates
        if i > 0 and "min_score" not in tier and not tier_gates:
            tier["min_score"] = threshold
        if purposes and bool(draw(st.booleans())):
            tier["purposes"] = draw(st.lists(st.sampled_from(purposes), min_size=1,
                                             unique=True))
        tier["services"] = draw(st.lists(st.sampled_from(services), min_size=1, max_size=2,
                                         unique=True))
        tiers.append({**tier, **_SOURCED})
    doc.update(groups=groups, factors=factors, deductions=deductions, gates=gates,
               purposes=purpose_docs, tiers=tiers)
    return doc


def schedules(*, max_factors: int = 6) -> st.SearchStrategy[Schedule]:
    """Small random valid schedules, loaded through the real loader from generated TOML.

    Each has 1 to `max_factors` factors of random rule kinds (plus one per group that would
    otherwise be empty), up to 3 groups (`sum`/`highest`, capped or not, nested, some
    sharing a number of months among their members with `within`), up to 2
    deductions scoped to purposes or not, up to 3 gates of fact and score comparisons under
    all/any/not, up to 2 purposes and up to 3 tiers. Gates that tiers or purposes use only
    rise with the score, so generated tiers are nested (other gates may compare any way).
    """
    if max_factors < 1:
        raise InvalidArgument(f"schedules(max_factors={max_factors}) needs at least 1")

    def load(doc: dict[str, Any]) -> Schedule:
        return loads_schedule(_toml(doc), source="<generated>")

    return _schedule_doc(max_factors).map(load)


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

