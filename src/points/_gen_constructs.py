"""Random schedules for `points.testing.schedules(constructs=True)`: a schedule's own
facts, derived facts, conditions, branches and rules over several facts."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from ._gen_base import _BOOL, _INT, _LEVEL, _SOURCED, _amounts, _fact_condition, _int_bounds, _label
from ._vocab import FactDecl, expr_type, fact_info
from .expression import parse_expression
from .facts import FACTS, FactInfo, standard_levels
from .schedule import derived_info
from .schedule.kinds import KINDS

__all__: list[str] = []

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
#: Kinds of own facts generated `optional` (absent unless given); optional flags are
#: held to both engines by test_an_absent_optional_flag_in_both_engines
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
