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


import itertools  # noqa: E402
import math  # noqa: E402
from collections.abc import Callable, Mapping, Sequence  # noqa: E402
from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402
from fractions import Fraction  # noqa: E402

from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import InvalidArgument  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from ._card import ScoreCard  # noqa: E402
from ._vocab import FactDecl, fact_info  # noqa: E402
from .compiled import ScoreTest, compile_schedule, walk  # noqa: E402
from .engines import facts_of, score  # noqa: E402
from .expression import parse_expression  # noqa: E402
from .facts import (  # noqa: E402
    FACTS,
    Applicant,
    ApplicantBase,
    FactInfo,
    standard_levels,
    vocabulary,
)
from .schedule._facts import derived_info, expr_type  # noqa: E402
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
    """Valid applicants, drawn from the facts' bounds and levels (never by filtering).

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
    return st.fixed_dictionaries(fields).map(lambda d: applicant_model(**d))


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
    for section in ("facts", "groups", "factors", "branches", "deductions", "gates",
                    "purposes"):
        for key, table in doc.get(section, {}).items():
            out.append(f"\n[{section}.{key}]")
            out += [f"{_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    for tier in doc.get("tiers", []):
        out.append("\n[[tiers]]")
        out += [f"{_key(k)} = {_toml_value(v)}" for k, v in tier.items()]
    if doc.get("ranking"):
        out.append("\n[ranking]")
        out += [f"{_key(k)} = {_toml_value(v)}" for k, v in doc["ranking"].items()]
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
               depth: int = 0, own: Mapping[str, FactInfo] | None = None) -> dict[str, Any]:
    """A gate condition; `safe` ones only rise with the score (fit for tiers and purposes).
    `own`: the schedule's own facts, compared too."""
    shape = draw(st.sampled_from(["fact", "fact", "score", "all", "any", "not"]
                                 if depth < 2 else ["fact", "score"]))
    if shape in ("all", "any"):
        subs = draw(st.lists(_condition(scores, unit, safe, depth + 1, own), min_size=1,
                             max_size=3))
        return {shape: subs}
    if shape == "not":
        inner = _fact_condition(own) if safe else _condition(scores, unit, safe, depth + 1,
                                                             own)
        return {"not": draw(inner)}
    if shape == "score":
        ops = ["ge", "gt"] if safe else ["lt", "le", "gt", "ge", "eq", "ne", "in"]
        op = draw(st.sampled_from(ops))
        value = _amounts(unit, top=60, sign=1) | _amounts(unit, top=20, sign=-1)
        target: Any = draw(st.lists(value, min_size=1, max_size=3)) if op == "in" \
            else draw(value)
        return {"score": draw(st.sampled_from(scores)), op: target}
    return draw(_fact_condition(own))


@st.composite
def _fact_condition(draw: st.DrawFn, own: Mapping[str, FactInfo] | None = None
                    ) -> dict[str, Any]:
    """A comparison of a standard fact, or (`own`) of the schedule's own, with values."""
    if own and bool(draw(st.booleans())):  # half the time one of the schedule's own
        fact = draw(st.sampled_from(sorted(own)))
    else:
        fact = draw(st.sampled_from([*_BOOL, *_LEVEL, *_NUMERIC]))
    info = own[fact] if own and fact in own else vocabulary()[fact]
    if info.kind == "bool":
        if own and bool(draw(st.integers(0, 3)) == 0):
            return {"fact": fact, "in": draw(st.lists(st.booleans(), min_size=1, max_size=2,
                                                      unique=True))}
        return {"fact": fact, draw(st.sampled_from(["eq", "ne"])): draw(st.booleans())}
    op = draw(st.sampled_from(["lt", "le", "gt", "ge", "eq", "ne", "in"]))
    value: st.SearchStrategy[Any]
    if info.kind == "level":
        value = st.sampled_from(info.levels)
    elif own and fact in own:
        value = st.integers(*_int_bounds(info))
    else:
        value = st.integers(int(info.minimum or 0), min(int(info.maximum or 0), 200))
    target = draw(st.lists(value, min_size=1, max_size=3, unique=True)) if op == "in" \
        else draw(value)
    return {"fact": fact, op: target}


# --- the constructs of declared facts: schedules(constructs=True) -------------------------

#: Standard facts that generated expressions read (always present: `age` is not, it may
#: come from a birth date; no money, whose 10^12 bound leaves little room for arithmetic).
_EXPR_FACTS = ("permit_months", "pension_months", "rental_months", "blood_donations_5y",
               "merit_first_class", "insurance_base_ratio", "married", "employed",
               "has_permit", "education", "housing", "professional_title")
#: Standard facts a generated schedule may require (`[schedule] required_facts`).
_REQUIRABLE = ("sex", "education", "married", "permit_months")
#: Standard facts that rules over several facts may read next to the schedule's own.
_MULTI_STANDARD = ("permit_months", "rental_months", "blood_donations_5y",
                   "insurance_base_ratio", "invention_patent_share", "utility_patent_share",
                   "married", "employed", "education", "professional_title", "housing")
_DIGITS = "零一二三四五六七八九"
#: The kinds of a schedule's own given facts (dates are not read by rules)
_OWN_KINDS = ("level", "flag", "decimal", "count", "share", "money", "months")
#: Kinds of own facts generated `optional` (absent unless given). Not flags yet: the batch
#: reads an absent optional flag as false, per record it is absent (None), so the engines
#: disagree (tests/test_properties_constructs.py keeps the case as an expected failure).
_OPTIONAL_KINDS = ("level",)
_WHERE = "schedule generated/1"
#: `per` values for rules on the schedule's own facts (small bounds)
_OWN_PERS: dict[str, list[Any]] = {
    "int": [1, 2, 12], "decimal": [Decimal("0.5"), 1, 10], "fraction": [1]}


class _Facts:
    """The facts a generated schedule declares (given and derived) and its `when` gates."""

    def __init__(self, own: Mapping[str, FactInfo], gates: Mapping[str, Any]) -> None:
        self.own = dict(own)
        self.gates = dict(gates)

    def info(self, name: str) -> FactInfo:
        return self.own.get(name) or FACTS[name]

    def names(self, *kinds: str, standard: Sequence[str] = ()) -> list[str]:
        """Own facts of these kinds, then the standard ones listed."""
        own = [n for n, i in self.own.items() if i.kind in kinds]
        return own + [n for n in standard if FACTS[n].kind in kinds]


@st.composite
def _own_fact(draw: st.DrawFn, name: str, kind: str) -> dict[str, Any]:
    """The declaration of one given fact of the schedule's own, of `kind`."""
    decl: dict[str, Any] = {"label": _label(f"own {name}"), "kind": kind}
    if kind == "count":
        decl["max"] = draw(st.integers(1, 30))
    elif kind == "months" and (top := draw(st.sampled_from([None, 36, 240]))) is not None:
        decl["max"] = top
    elif kind == "money":
        decl["max"] = draw(st.sampled_from([100, 50000]))
    elif kind == "decimal":
        decl["places"] = draw(st.integers(0, 3))
        decl["max"] = draw(st.integers(1, 60))
        if draw(st.integers(0, 3)) == 0:
            decl["min"] = -draw(st.integers(1, 10))
    elif kind == "share":
        decl["max"] = draw(st.integers(1, 3))
    elif kind == "level":
        if draw(st.integers(0, 3)) == 0:  # a standard list by name: shares its levels
            decl["levels"] = draw(st.sampled_from(["education", "title", "housing"]))
        else:
            decl["levels"] = [
                {"id": f"v{i}", "zh": f"{_DIGITS[i]}级", "en": f"level {i}",
                 **({"aliases": [f"{i}级"]} if draw(st.booleans()) else {})}
                for i in range(draw(st.integers(2, 5)))]
    if kind in _OPTIONAL_KINDS and draw(st.integers(0, 3)) == 0:
        decl["optional"] = True
    elif draw(st.integers(0, 3)) == 0:
        decl["required"] = True
    return decl


def _given_info(name: str, decl: Mapping[str, Any]) -> FactInfo:
    return fact_info(name, FactDecl.model_validate(decl), standard_levels(), declaration=_WHERE)


def _pick(draw: st.DrawFn, names: Sequence[str], facts: Mapping[str, FactInfo]) -> str:
    """One of `names`: a third of the time a derived fact, when there is one (so that
    derived facts read each other), a third of the time a given fact of the schedule's own
    (small bounds: expressions over them land near their cuts)."""
    derived = [n for n in names if n in facts and facts[n].expr is not None]
    own = [n for n in names if n in facts and facts[n].declaration is not None
           and facts[n].expr is None]
    which = draw(st.integers(0, 2))
    if which == 0 and derived:
        return draw(st.sampled_from(derived))
    if which == 1 and own:
        return draw(st.sampled_from(own))
    return draw(st.sampled_from(list(names)))


def _level_text(draw: st.DrawFn, info: FactInfo) -> str:
    """A level of `info` as an expression writes it: its id, or a name accepted for it."""
    names = [a for a in info.aliases if "'" not in a]
    if names and draw(st.integers(0, 2)) == 0:
        return "'" + draw(st.sampled_from(names)) + "'"
    return "'" + draw(st.sampled_from(info.levels)) + "'"


def _numbers(facts: Mapping[str, FactInfo]) -> list[str]:
    return [n for n, i in facts.items() if i.kind in ("int", "decimal") and not i.optional]


@st.composite
def _number_expr(draw: st.DrawFn, facts: Mapping[str, FactInfo], depth: int = 0) -> str:
    """A number: facts, literals, + - * //, min, max, sum, count, if-then-else."""
    numbers = _numbers(facts)
    if depth >= 3 or (depth > 0 and draw(st.integers(0, 2)) == 0):
        if draw(st.integers(0, 3)):
            return _pick(draw, numbers, facts)
        return draw(st.sampled_from(["0", "1", "2", "7", "12", "1.5", "(-3)"]))
    shape = draw(st.sampled_from(["+", "-", "-", "*", "//", "//", "min", "max", "sum", "count",
                                  "if"]))
    sub = _number_expr(facts, depth + 1)
    if shape in ("+", "-"):
        return f"({draw(sub)} {shape} {draw(sub)})"
    if shape == "*":
        return f"({draw(sub)} * {draw(st.sampled_from(['2', '3', '10']))})"
    if shape == "//":
        return f"({draw(sub)} // {draw(st.sampled_from(['2', '3', '5', '12']))})"
    n = draw(st.integers(2, 3))
    if shape == "count":
        return "count(" + ", ".join(draw(_bool_expr(facts, depth + 1)) for _ in range(n)) + ")"
    if shape == "if":
        return f"(if {draw(_bool_expr(facts, depth + 1))} then {draw(sub)} else {draw(sub)})"
    return f"{shape}(" + ", ".join(draw(sub) for _ in range(n)) + ")"


@st.composite
def _bool_expr(draw: st.DrawFn, facts: Mapping[str, FactInfo], depth: int = 0) -> str:
    """A yes/no value: flags, comparisons, `in`, and, or, not, if-then-else."""
    ops = ["<", "<=", ">", ">=", "==", "!="]
    if depth >= 3 or (depth > 0 and draw(st.integers(0, 2)) == 0):
        shape = draw(st.sampled_from(["flag", "compare", "level", "in"]))
        if shape == "flag":
            name = _pick(draw, [n for n, i in facts.items() if i.kind == "bool"], facts)
            return f"({name} == true)" if facts[name].optional else name
        if shape == "compare":
            name = _pick(draw, _numbers(facts), facts)
            lo, hi = _int_bounds(facts[name])
            return f"({name} {draw(st.sampled_from(ops))} {draw(st.integers(lo, hi))})"
        level = _pick(draw, [n for n, i in facts.items() if i.kind == "level"], facts)
        if shape == "level":
            return f"({level} {draw(st.sampled_from(ops))} {_level_text(draw, facts[level])})"
        if draw(st.booleans()):
            values = [_level_text(draw, facts[level]) for _ in range(draw(st.integers(1, 3)))]
            return f"({level} in [{', '.join(values)}])"
        name = _pick(draw, _numbers(facts), facts)
        lo, hi = _int_bounds(facts[name])
        values = [str(v) for v in draw(st.lists(st.integers(lo, hi), min_size=1, max_size=3))]
        return f"({name} in [{', '.join(values)}])"
    shape = draw(st.sampled_from(["and", "or", "not", "if", "compare"]))
    sub = _bool_expr(facts, depth + 1)
    if shape in ("and", "or"):
        return f"({draw(sub)} {shape} {draw(sub)})"
    if shape == "not":
        return f"(not {draw(sub)})"
    if shape == "if":
        return f"(if {draw(sub)} then {draw(sub)} else {draw(sub)})"
    num = _number_expr(facts, depth + 1)
    return f"({draw(num)} {draw(st.sampled_from(ops))} {draw(num)})"


@st.composite
def _level_expr(draw: st.DrawFn, facts: Mapping[str, FactInfo], levels: tuple[str, ...],
                depth: int = 0) -> str:
    """A level of the list `levels`: a fact, or if-then-else between one and a level."""
    name = _pick(draw, [n for n, i in facts.items() if i.kind == "level"
                        and i.levels == levels], facts)
    if depth >= 2 or (depth > 0 and draw(st.booleans())):
        return name
    inner = draw(_level_expr(facts, levels, depth + 1))
    value = _level_text(draw, facts[name])
    a, b = (inner, value) if draw(st.booleans()) else (value, inner)
    return f"(if {draw(_bool_expr(facts, depth + 1))} then {a} else {b})"


def _int_bounds(info: FactInfo) -> tuple[int, int]:
    """Whole numbers from the fact's lowest value (or -30, when it may be lower) to at most
    60 above it, within its bounds: values near 0 come up often."""
    lo, hi = math.floor(info.minimum or 0), math.ceil(info.maximum or 0)
    start = max(lo, min(-30, hi))
    return start, max(start, min(hi, start + 60))


@st.composite
def _derived_fact(draw: st.DrawFn, name: str, facts: Mapping[str, FactInfo]
                  ) -> tuple[dict[str, Any], FactInfo]:
    """A derived fact over `facts` (standard, own, earlier derived): its table and info."""
    readable = {n: i for n, i in facts.items() if expr_type(i) is not None}
    wants = ["number", "number", "bool"] + (["level"] if any(
        i.kind == "level" for i in readable.values()) else [])
    want = draw(st.sampled_from(wants))
    if want == "number":
        text = draw(_number_expr(readable))
    elif want == "bool":
        text = draw(_bool_expr(readable))
    else:
        lists = sorted({i.levels for i in readable.values() if i.kind == "level"})
        text = draw(_level_expr(readable, draw(st.sampled_from(lists))))
    types = {n: t for n, i in readable.items() if (t := expr_type(i)) is not None}
    expr = parse_expression(text, types)  # well-typed by construction
    label = _label(f"derived {name}")
    return {"label": label, "expr": text}, derived_info(name, label["zh"], label["en"], expr,
                                                        _WHERE, None)


@st.composite
def _declared_facts(draw: st.DrawFn) -> tuple[dict[str, dict[str, Any]], dict[str, FactInfo]]:
    """1 to 6 given facts of the schedule's own, of different kinds (often a level), and 1
    to 3 derived ones."""
    tables: dict[str, dict[str, Any]] = {}
    own: dict[str, FactInfo] = {}
    kinds = draw(st.permutations(_OWN_KINDS))[:draw(st.integers(1, 5))]
    if "level" not in kinds and draw(st.booleans()):
        kinds.append("level")
    for i, kind in enumerate(kinds):
        name = f"own{i + 1}"
        tables[name] = draw(_own_fact(name, kind))
        own[name] = _given_info(name, tables[name])
    facts: dict[str, FactInfo] = {n: FACTS[n] for n in _EXPR_FACTS}
    facts.update(own)
    for i in range(draw(st.sampled_from([1, 2, 2, 3]))):
        name = f"derived{i + 1}"
        tables[name], own[name] = draw(_derived_fact(name, facts))
        facts[name] = own[name]
    return tables, own


@st.composite
def _fact_only_condition(draw: st.DrawFn, own: Mapping[str, FactInfo], depth: int = 0
                         ) -> dict[str, Any]:
    """A condition on facts only (fit for `when`): comparisons under all/any/not."""
    shape = draw(st.sampled_from(["fact", "fact", "all", "any", "not"] if depth < 2
                                 else ["fact"]))
    if shape in ("all", "any"):
        return {shape: draw(st.lists(_fact_only_condition(own, depth + 1), min_size=1,
                                     max_size=3))}
    if shape == "not":
        return {"not": draw(_fact_only_condition(own, depth + 1))}
    return draw(_fact_condition(own))


@st.composite
def _when(draw: st.DrawFn, facts: _Facts) -> Any:
    """A `when`: a true/false fact, a gate reading no score, or a condition table."""
    shape = draw(st.sampled_from(["fact", "gate", "condition", "condition"]))
    if shape == "gate" and facts.gates:
        return draw(st.sampled_from(sorted(facts.gates)))
    if shape == "fact":
        return _pick(draw, facts.names("bool", standard=_BOOL), facts.own)
    return draw(_fact_only_condition(facts.own))


def _multi_classes(facts: _Facts) -> list[list[str]]:
    """Facts a rule may read together: of one kind (and one level list)."""
    out: list[list[str]] = []
    for kind in ("bool", "int", "decimal", "fraction"):
        out.append(facts.names(kind, standard=_MULTI_STANDARD))
    by_levels: dict[tuple[str, ...], list[str]] = {}
    for n in facts.names("level", standard=_MULTI_STANDARD):
        by_levels.setdefault(facts.info(n).levels, []).append(n)
    out += list(by_levels.values())
    return [c for c in out if len(c) >= 2]


@st.composite
def _rule_on(draw: st.DrawFn, names: list[str], facts: _Facts, unit: Decimal, sign: int
             ) -> dict[str, Any]:
    """A rule of a kind that suits the facts `names` (one, or several of one kind)."""
    infos = [facts.info(n) for n in names]
    info = infos[0]
    key: dict[str, Any] = {"fact": names[0]} if len(names) == 1 else {
        "facts": names, "combine": draw(st.sampled_from(["sum", "highest"]))}
    amount = _amounts(unit, sign=sign)
    if info.kind == "bool":
        return {"rule": "flag", **key, "points": draw(amount)}
    if info.kind == "level":
        columns = [n for n in facts.names("bool", "level", standard=[*_BOOL[:4], *_LEVEL])
                   if n != names[0]]
        if len(names) == 1 and draw(st.booleans()):
            by = draw(st.sampled_from(columns))
            by_info = facts.info(by)
            values = ["false", "true"] if by_info.kind == "bool" else list(by_info.levels)
            rows = draw(st.lists(st.sampled_from(info.levels), min_size=1, unique=True))
            return {"rule": "table", "fact": names[0], "by": by, "points": {
                r: {c: draw(amount) for c in draw(st.lists(st.sampled_from(values),
                                                           min_size=1, unique=True))}
                for r in rows}}
        listed = draw(st.lists(st.sampled_from(info.levels), min_size=1, unique=True))
        return {"rule": "levels", **key, "points": {lv: draw(amount) for lv in listed},
                "match": draw(st.sampled_from(["at_least", "exact"]))}
    lo = min(_int_bounds(i)[0] for i in infos)
    hi = max(_int_bounds(i)[1] for i in infos)
    rule = draw(st.sampled_from(["rate", "bands", "flat_plus_rate"]
                                + (["count"] if info.kind == "int" else [])))
    cap = draw(st.none() | _amounts(unit))
    spec: dict[str, Any] = {"rule": rule, **key}
    pers = _OWN_PERS[info.kind]
    if rule == "count":
        spec["each"] = draw(amount)
    elif rule == "rate":
        spec.update(rate=draw(amount), per=draw(st.sampled_from(pers)),
                    whole=draw(st.booleans()), min_units=draw(st.integers(0, 3)))
    elif rule == "flat_plus_rate":
        spec.update(flat=draw(amount), rate=draw(amount), per=draw(st.sampled_from(pers)),
                    start=draw(st.integers(max(lo, 0), max(lo, 0) + 24)))
    else:
        edges = sorted(draw(st.lists(st.integers(lo, hi), min_size=1, max_size=4,
                                     unique=True)))
        open_end = draw(st.booleans()) or len(edges) == 1
        bands = []
        for i, start in enumerate(edges if open_end else edges[:-1]):
            below = edges[i + 1] if i + 1 < len(edges) else None
            band: dict[str, Any] = {"min": start, "points": draw(amount)}
            if below is not None:
                band["below"] = below
                span = below - start - 1
                if span > 0 and band["points"] and draw(st.booleans()):
                    k = draw(st.integers(0, int(abs(band["points"]) / unit) // span))
                    band["slope"] = -sign * k * unit
            bands.append(band)
        return {**spec, "bands": bands}
    if cap is not None:
        spec["cap"] = cap
    return spec


@st.composite
def _construct_rule(draw: st.DrawFn, facts: _Facts, unit: Decimal, sign: int
                    ) -> dict[str, Any]:
    """A factor or deduction: a standard rule, one on the schedule's own or derived facts,
    or one over several facts; half of them with a `when`."""
    shape = draw(st.sampled_from(["standard", "own", "own", "several"]))
    classes = _multi_classes(facts)
    if shape == "several" and classes:
        names = draw(st.lists(st.sampled_from(draw(st.sampled_from(classes))), min_size=2,
                              max_size=3, unique=True))
        spec = draw(_rule_on(names, facts, unit, sign))
    elif shape != "standard" and facts.own:
        spec = draw(_rule_on([draw(st.sampled_from(sorted(facts.own)))], facts, unit, sign))
    else:
        spec = draw(KINDS[draw(st.sampled_from(sorted(KINDS)))].strategy(unit, sign))
    if draw(st.booleans()):
        spec["when"] = draw(_when(facts))
    return spec


def _parents(key: str, factors: Mapping[str, Any], groups: Mapping[str, Any]) -> set[str]:
    """The groups `key` (a factor or group) lies in, at any depth."""
    out: set[str] = set()
    g = (factors.get(key) or groups.get(key) or {}).get("group")
    while g is not None and g not in out:
        out.add(g)
        g = groups[g].get("group")
    return out


@st.composite
def _partition(draw: st.DrawFn, facts: _Facts, n: int) -> list[Any]:
    """`n` conditions of which exactly one holds for any applicant (short of an absent
    optional fact, for which none may hold)."""
    shape = draw(st.sampled_from(["not", "flag", "levels", "numbers"]))
    if shape == "levels":
        names = facts.names("level", standard=_LEVEL)
        name = draw(st.sampled_from(names))
        levels = list(draw(st.permutations(facts.info(name).levels)))
        if len(levels) >= n:
            cuts = sorted(draw(st.lists(st.integers(1, len(levels) - 1), min_size=n - 1,
                                        max_size=n - 1, unique=True)))
            parts = [levels[a:b] for a, b in zip([0, *cuts], [*cuts, len(levels)],
                                                 strict=True)]
            return [{"fact": name, "in": p} if len(p) > 1 or draw(st.booleans())
                    else {"fact": name, "eq": p[0]} for p in parts]
    if shape == "numbers":
        name = draw(st.sampled_from(facts.names("int", "decimal", standard=_INT[:12])))
        lo, hi = _int_bounds(facts.info(name))
        cuts = sorted(draw(st.lists(st.integers(lo, hi + 1), min_size=n - 1, max_size=n - 1,
                                    unique=True)))
        out: list[Any] = [{"fact": name, "lt": cuts[0]}]
        for a, b in itertools.pairwise(cuts):
            out.append({"all": [{"fact": name, "ge": a}, {"fact": name, "lt": b}]})
        return [*out, {"fact": name, "ge": cuts[-1]}]
    if shape == "flag" and n == 2:
        name = _pick(draw, facts.names("bool", standard=_BOOL), facts.own)
        if draw(st.booleans()):
            return [name, {"fact": name, "eq": False}]
        return [{"fact": name, "ne": True}, name]
    if n == 2:
        if facts.gates and bool(draw(st.booleans())):
            gate = draw(st.sampled_from(sorted(facts.gates)))
            return [gate, {"not": facts.gates[gate]}]
        c = draw(_fact_only_condition(facts.own))
        return [c, {"not": c}]
    return [*draw(_partition(facts, 2)), draw(_fact_only_condition(facts.own))]  # may overlap


@st.composite
def _branches(draw: st.DrawFn, facts: _Facts, factors: dict[str, dict[str, Any]],
              groups: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Up to 2 branches of 2 or 3 factors or groups, each member given its own `when`:
    mostly conditions that exclude each other and cover everyone, sometimes not."""
    out: dict[str, dict[str, Any]] = {}
    taken: set[str] = set()
    for i in range(draw(st.integers(0, 2))):
        members: list[str] = []
        for _ in range(draw(st.integers(2, 3))):
            free = [k for k in [*factors, *groups] if k not in taken and not any(
                k in _parents(m, factors, groups) or m in _parents(k, factors, groups)
                for m in members)]
            if not free:
                break
            members.append(draw(st.sampled_from(free)))
            taken.add(members[-1])
        if len(members) < 2:
            break
        if draw(st.integers(0, 5)) == 0:  # independent: matching none or two is likely
            whens = [draw(_when(facts)) for _ in members]
        else:
            whens = draw(_partition(facts, len(members)))
        exactly = draw(st.sampled_from(["one", "one", "one", "at_most_one"]))
        if exactly == "at_most_one" and draw(st.booleans()):  # narrow one: none may apply
            whens[-1] = {"all": [_condition_of(whens[-1], facts),
                                 draw(_fact_only_condition(facts.own))]}
        for m, w in zip(members, whens, strict=True):
            (factors.get(m) or groups[m])["when"] = w
        out[f"b{i + 1}"] = {"label": _label(f"branch {i + 1}"), "members": members,
                            "exactly": exactly, **_SOURCED}
    return out


def _condition_of(when: Any, facts: _Facts) -> Any:
    """A `when` as a condition table (a fact name compared with true, a gate's condition)."""
    if not isinstance(when, str):
        return when
    if when in facts.gates:
        return facts.gates[when]
    return {"fact": when, "eq": True}


@st.composite
def _schedule_doc(draw: st.DrawFn, max_factors: int, constructs: bool = False
                  ) -> dict[str, Any]:
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
    facts = _Facts({}, {})
    when_gates: dict[str, dict[str, Any]] = {}
    if constructs:
        doc["facts"], own = draw(_declared_facts())
        if draw(st.integers(0, 2)) == 0:
            doc["schedule"]["required_facts"] = draw(st.lists(
                st.sampled_from(_REQUIRABLE), min_size=1, max_size=2, unique=True))
        for i in range(draw(st.integers(0, 2))):  # gates reading no score: `when` may name them
            when_gates[f"cond{i + 1}"] = {"label": _label(f"condition {i + 1}"),
                                          "condition": draw(_fact_only_condition(own)),
                                          **_SOURCED}
        facts = _Facts(own, {k: g["condition"] for k, g in when_gates.items()})

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
        if constructs and draw(st.integers(0, 3)) == 0:
            g["when"] = draw(_when(facts))
        groups[f"g{i + 1}"] = {**g, **_SOURCED}
    factors: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(1, max_factors))):
        spec = draw(_construct_rule(facts, unit, 1) if constructs else _rule(unit, 1))
        if groups and bool(draw(st.booleans())):
            gid = draw(st.sampled_from(sorted(groups)))
            if "within" not in groups[gid] or spec.get("fact") in _MONTHS:
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
    branches = draw(_branches(facts, factors, groups)) if constructs else {}
    purposes = [f"p{i + 1}" for i in range(draw(st.integers(0, 2)))]
    deductions: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(0, 2))):
        spec = draw(_construct_rule(facts, unit, -1) if constructs else _rule(unit, -1))
        if purposes and bool(draw(st.booleans())):
            spec["purposes"] = draw(st.lists(st.sampled_from(purposes), min_size=1,
                                             unique=True))
        deductions[f"d{i + 1}"] = {"label": _label(f"deduction {i + 1}"), **spec, **_SOURCED}
    scores = ["total", *factors, *groups, *deductions]
    gates: dict[str, dict[str, Any]] = dict(when_gates)
    safe: list[str] = list(when_gates)  # facts only: they do not move with the score
    for i in range(draw(st.integers(0, 3))):
        is_safe = draw(st.booleans())
        gid = f"gate{i + 1}"
        gates[gid] = {"label": _label(f"gate {i + 1}"),
                      "condition": draw(_condition(scores, unit, is_safe,
                                                   own=facts.own or None)),
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
    doc.update(groups=groups, factors=factors, branches=branches, deductions=deductions,
               gates=gates, purposes=purpose_docs, tiers=tiers)
    if constructs:  # ties broken on every derived fact: a batch keeps them as columns
        doc["ranking"] = {"key": draw(st.sampled_from(["total", *factors, *groups])),
                          "tie_breaks": [
                              {"fact": n, "order": draw(st.sampled_from(["asc", "desc"]))}
                              for n, i in facts.own.items() if i.expr is not None],
                          **_SOURCED}
    return doc


def schedules(*, max_factors: int = 6, constructs: bool = False
              ) -> st.SearchStrategy[Schedule]:
    """Small random valid schedules, loaded through the real loader from generated TOML.

    Each has 1 to `max_factors` factors of random rule kinds (plus one per group that would
    otherwise be empty), up to 3 groups (`sum`/`highest`, capped or not, nested, some
    sharing a number of months among their members with `within`), up to 2
    deductions scoped to purposes or not, up to 3 gates of fact and score comparisons under
    all/any/not, up to 2 purposes and up to 3 tiers. Gates that tiers or purposes use only
    rise with the score, so generated tiers are nested (other gates may compare any way).

    With `constructs=True`, each also declares facts of its own (`[facts.NAME]`: 1 to 4
    given ones of any kind but dates — levels with their own values and aliases, or a
    standard list; some required, some optional — and 1 to 3 derived ones, well-typed
    expressions over standard, own and earlier derived facts giving numbers, yes/no values
    or levels), may require standard facts, and its rules read them: one fact or several
    (`facts = [...]`, `combine` sum or highest), with a `when` that is a true/false fact, a
    gate reading no score or a condition table, on factors and groups. Up to 2 branches of
    2 or 3 members each: mostly conditions that exclude each other and cover everyone
    (`exactly = "one"`), sometimes `at_most_one`, sometimes conditions that overlap or leave
    a gap, so that some applicants match none or two (an `ApplicantError`). Draw the
    applicants with `applicants(schedule)`: it draws the schedule's own facts too.
    """
    if max_factors < 1:
        raise InvalidArgument(f"schedules(max_factors={max_factors}) needs at least 1")

    def load(doc: dict[str, Any]) -> Schedule:
        return loads_schedule(_toml(doc), source="<generated>")

    return _schedule_doc(max_factors, constructs).map(load)


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

