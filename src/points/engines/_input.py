"""The fast path of validation: the facts of a well-formed mapping, without pydantic.

`fast_facts(model, data)` returns what `dict(model.parse(data).__dict__)` would, for a
mapping whose every key is a field of `model` and every value already of the plain form a
web service sends: a whole number (not a flag) within the fact's bounds, a flag or 是/否, a
level by its id or a Chinese name, money as a `Decimal`, a whole number or plain digits with
at most the fact's decimal places, a share as `Fraction`, a whole number or "a/b", a date or
"YYYY-MM-DD", a text applicant id. Anything else — an unknown key, a missing required fact,
neither age nor birth date, "12.0", " 12", a float, an out-of-range value, facts that one
of the model's consistency checks finds contradicting — returns None, and the caller
validates with pydantic, which reports the errors: the fast path never accepts what
pydantic would refuse, and never decides an error message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic_core import PydanticUndefined

from ..facts import FLAG_WORDS, ApplicantBase, FactInfo

__all__ = ["fast_facts", "other_model_facts", "written"]

#: a value that fails the fast path (None is a value: an optional fact may be absent)
_NO: Any = object()
_DIGITS = re.compile(r"[0-9]{1,15}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SHARE = re.compile(r"([0-9]{1,9})(?:/([0-9]{1,9}))?")
Check = Callable[[Any], Any]


def _int(info: FactInfo) -> Check:
    lo, hi = int(info.minimum or 0), int(info.maximum or 0)

    def check(v: Any) -> Any:
        return v if type(v) is int and lo <= v <= hi else _NO
    return check


def _decimal(info: FactInfo) -> Check:
    lo, hi, places = Decimal(info.minimum or 0), Decimal(info.maximum or 0), info.places
    text = re.compile(rf"[0-9]{{1,15}}(?:\.[0-9]{{1,{places}}})?" if places else "[0-9]{1,15}")

    def check(v: Any) -> Any:
        t = type(v)
        if t is str:
            if not text.fullmatch(v):
                return _NO
            v = Decimal(v)
        elif t is int:
            v = Decimal(v)
        elif t is not Decimal or not v.is_finite() or not -places <= v.as_tuple().exponent <= 0 \
                or len(v.as_tuple().digits) > 15 + places:
            return _NO
        return v if lo <= v <= hi else _NO
    return check


def _fraction(info: FactInfo) -> Check:
    lo, hi = Fraction(info.minimum or 0), Fraction(info.maximum or 0)

    seen: dict[str, Any] = {}  # shares repeat: "1/2", "1/3"

    def check(v: Any) -> Any:
        t = type(v)
        if t is str:
            found = seen.get(v)
            if found is not None:
                return found
            m = _SHARE.fullmatch(v)
            if m is None:
                return _NO
            top, bottom = m.groups()
            den = 1 if bottom is None else int(bottom)
            if den == 0:
                return _NO
            share = Fraction(int(top), den)
            if not lo <= share <= hi:
                return _NO
            if len(seen) > 4096:
                seen.clear()
            seen[v] = share
            return share
        elif t is int:
            v = Fraction(v)
        elif t is not Fraction:
            return _NO
        return v if lo <= v <= hi else _NO
    return check


def _bool(info: FactInfo) -> Check:
    def check(v: Any) -> Any:
        if type(v) is bool:
            return v
        return FLAG_WORDS.get(v, _NO) if type(v) is str else _NO
    return check


def _level(info: FactInfo) -> Check:
    levels, aliases = frozenset(info.levels), dict(info.aliases)

    def check(v: Any) -> Any:
        if type(v) is not str:
            return _NO
        v = aliases.get(v, v)
        return v if v in levels else _NO
    return check


def _date(info: FactInfo) -> Check:
    seen: dict[str, date] = {}  # birth dates repeat

    def check(v: Any) -> Any:
        if type(v) is date:
            return v
        if type(v) is str:
            found = seen.get(v)
            if found is not None:
                return found
            if _DATE.fullmatch(v):
                try:
                    d = date.fromisoformat(v)
                except ValueError:
                    return _NO
                if len(seen) > 65536:
                    seen.clear()
                seen[v] = d
                return d
        return _NO
    return check


def _applicant_id(v: Any) -> Any:
    return v if v is None or (type(v) is str and len(v) <= 200) else _NO


_KINDS = {"int": _int, "decimal": _decimal, "fraction": _fraction, "bool": _bool,
          "level": _level, "date": _date}


class _Model:
    """The fast path of one applicant model: a check per field, the defaults, the required."""

    def __init__(self, model: type[ApplicantBase]) -> None:
        self.checks: dict[str, Check] | None = {"applicant_id": _applicant_id}
        self.defaults: dict[str, Any] = {}
        self.required: frozenset[str] = frozenset()
        #: whole-number facts and their bounds, true/false facts: checked inline
        self.ints: dict[str, tuple[int, int]] = {}
        self.flags: frozenset[str] = frozenset()
        #: per list of keys: the generated fast path (`written`), None: always pydantic
        self.written: dict[tuple[str, ...], Any] = {}
        #: the consistency checks the model applies: (needs, unless, test)
        self.consistency = tuple((c.needs, c.unless, c.test) for c in model.checks)
        required = []
        for name, field in model.model_fields.items():
            default = field.default
            if default is PydanticUndefined:
                required.append(name)
            self.defaults[name] = None if default is PydanticUndefined else default
            if name == "applicant_id":
                continue
            info = model.vocabulary.get(name)
            if info is None or info.kind not in _KINDS or info.expr is not None \
                    or field.default_factory is not None:
                self.checks = None  # a field this path does not know: always pydantic
                return
            check = _KINDS[info.kind](info)
            if info.optional:
                check = _optional(check)
            self.checks[name] = check
            if info.kind == "int":
                self.ints[name] = (int(info.minimum or 0), int(info.maximum or 0))
        self.required = frozenset(required)
        self.flags = frozenset(n for n in self.checks if n in model.vocabulary
                               and model.vocabulary[n].kind == "bool")


def _optional(check: Check) -> Check:
    def optional(v: Any) -> Any:
        return None if v is None else check(v)
    return optional


_MODELS: dict[type[ApplicantBase], _Model] = {}
#: at most this many key lists written per model (then they are written again)
_WRITTEN_LIMIT = 256


def fast_facts(model: type[ApplicantBase], data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The facts `model.parse(data)` gives (its `__dict__`), or None: validate with pydantic.

    The checks of a mapping's keys, in its order, are written out once per list of keys
    (`written`: a service sends the same keys again and again), the consistency checks that
    apply to those keys among them."""
    m = _MODELS.get(model)
    if m is None:
        m = _MODELS[model] = _Model(model)
    if m.checks is None or type(data) is not dict:
        return None
    keys = tuple(data)
    valid = m.written.get(keys, _NO)
    if valid is _NO:
        if len(m.written) >= _WRITTEN_LIMIT:
            m.written.clear()
        made = written(m, keys)
        valid = m.written[keys] = None if made is None else made[1]
    return None if valid is None else valid(data)


def written(m: _Model, keys: tuple[str, ...]
            ) -> tuple[str, Callable[[dict[str, Any]], dict[str, Any] | None]] | None:
    """The fast path for mappings with exactly these keys, in this order, as generated
    Python (its source, and the function), or None when such a mapping always goes to
    pydantic (a key that is not a field, a required fact or both age and birth date
    missing). Only generated names and the fact's whole-number bounds are in the source;
    keys, defaults, checks and consistency tests are values of its closure."""
    checks = m.checks
    assert checks is not None
    if any(k not in checks for k in keys) or not m.required <= set(keys) or (
            "age" not in keys and "birth_date" not in keys):
        return None
    names: list[str] = []
    values: list[Any] = []

    def const(prefix: str, value: Any) -> str:
        names.append(f"{prefix}{len(names)}")
        values.append(value)
        return names[-1]

    no, defaults = const("n", _NO), const("d", m.defaults)
    key: dict[str, str] = {k: const("k", k) for k in keys}
    lines = [f"O = {defaults}.copy()"]
    for k in keys:
        lines.append(f"v = D[{key[k]}]")
        bounds = m.ints.get(k)
        if bounds is not None:  # the usual case without a call: a whole number within bounds
            lo, hi = (repr(int(b)) for b in bounds)
            lines.append(f"if type(v) is not int or not {lo} <= v <= {hi}:")
        elif k in m.flags:
            lines.append("if v is not True and v is not False:")
        else:
            lines += [f"v = {const('c', checks[k])}(v)", f"if v is {no}:", "    return None",
                      f"O[{key[k]}] = v"]
            continue
        lines += [f"    v = {const('c', checks[k])}(v)", f"    if v is {no}:",
                  "        return None", f"O[{key[k]}] = v"]
    absent = [f"O[{key[k]}] is None" for k in keys if k in m.required]
    absent.append(" and ".join(f"O[{key[k]}] is None" for k in ("age", "birth_date")
                               if k in keys))
    lines += [f"if {' or '.join(absent)}:", "    return None"]
    # the model's consistency checks that apply: those given every fact they read and none
    # of their `unless_given` (pydantic's `model_fields_set`: the keys)
    given = set(keys)
    tests = [const("t", test) for needs, unless, test in m.consistency
             if needs <= given and unless.isdisjoint(given)]
    if tests:  # a contradiction, or any error, and pydantic decides
        lines += ["try:", f"    if {' or '.join(f'{t}(O)' for t in tests)}:",
                  "        return None", "except Exception:", "    return None"]
    source = (f"def make({', '.join(names)}):\n    def valid(D):\n"
              + "".join(f"        {line}\n" for line in lines)
              + "        return O\n    return valid\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, "<points generated validation>", "exec"), namespace)
    return source, namespace["make"](*values)


#: (applicant's model, schedule's model) → the checks to run again, or None: other fields
_SAME_FIELDS: dict[tuple[type[ApplicantBase], type[ApplicantBase]], Any] = {}


def other_model_facts(model: type[ApplicantBase], applicant: ApplicantBase
                      ) -> dict[str, Any] | None:
    """The facts `model.parse(applicant.model_dump(exclude_unset=True))` gives, for an
    applicant validated by another model, or None: validate with pydantic.

    When the two models have the same fields, equally required and typed (`Applicant` under
    a schedule that only applies more consistency checks), its values stand and the model's
    checks run on them; otherwise the facts it was given take the fast path."""
    key = (type(applicant), model)
    extra = _SAME_FIELDS.get(key, _NO)
    if extra is _NO:
        mine, theirs = model.model_fields, type(applicant).model_fields
        same = mine.keys() == theirs.keys() and all(
            mine[n].annotation == theirs[n].annotation
            and mine[n].is_required() == theirs[n].is_required()
            and mine[n].default == theirs[n].default for n in mine)
        # every check (an applicant may have been made with checks off)
        extra = _SAME_FIELDS[key] = tuple(
            (c.needs, c.unless, c.test) for c in model.checks) if same else None
    values = applicant.__dict__
    given = applicant.model_fields_set
    if extra is None:
        return fast_facts(model, {k: values[k] for k in given})
    for needs, unless, test in extra:
        if needs <= given and unless.isdisjoint(given):
            try:
                if test(values):
                    return None
            except Exception:  # whatever it is, pydantic decides
                return None
    return dict(values)
