"""The facts of one applicant as of one evaluation date (`Applicant`), and their metadata.

The facts are declared data: `src/points/_data/facts.toml` is the standard vocabulary (one
entry per fact: kind, bounds, unit, labels, ordered levels and the Chinese names accepted for
them, look-back window), and a schedule may declare its own in `[facts]`. `Applicant` is the
typed model of the standard vocabulary, generated from that file (`python -m points.facts
--write`); `extend_model` adds a schedule's own facts to it.

An applicant is flat: every field is a number, a flag, a level or a date, so one applicant
is one row of a table. Durations are whole **months**; money is yuan as `Decimal`; shared
patent credit is an exact `Fraction`. Counts whose name ends in `_5y` / `_3y` are events in
the look-back window of that many years before the evaluation date.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
from pydantic import create_model

from ._applicant import Applicant, Education, Housing, SkillGrade, Title
from ._vocab import (
    FLAG_WORDS,
    ApplicantBase,
    Check,
    FactInfo,
    LevelDecl,
    age_on,
    annotation_of,
    field_of,
    level_aliases,
    near_miss,
    read_standard,
    years_begun,
)
from .errors import InputError

__all__ = [
    "CHECKS",
    "FACTS",
    "FLAG_WORDS",
    "INT_SCAN",
    "LEVELS",
    "LEVEL_ALIASES",
    "MULTIPLES",
    "VOCABULARY",
    "Applicant",
    "ApplicantBase",
    "Check",
    "Education",
    "FactInfo",
    "Housing",
    "SkillGrade",
    "Title",
    "age_on",
    "applicant_source",
    "candidates",
    "evaluation_date",
    "extend_model",
    "fact_step",
    "fact_value",
    "near_miss",
    "standard_levels",
    "vocabulary",
    "vocabulary_scope",
    "years_begun",
]

_STANDARD = read_standard()
#: The consistency checks of the standard vocabulary.
CHECKS = _STANDARD.checks
#: Every fact of the standard vocabulary, `birth_date` included, in file order.
VOCABULARY: dict[str, FactInfo] = _STANDARD.facts
#: Every fact a rule may read in the standard vocabulary (dates are not read by rules).
FACTS: dict[str, FactInfo] = {n: i for n, i in VOCABULARY.items() if i.kind != "date"}
#: Chinese and English labels of every level value, by level list.
LEVELS: dict[str, dict[str, tuple[str, str]]] = {
    name: {v.id: (v.zh, v.en) for v in values} for name, values in _STANDARD.levels.items()}
#: Chinese names accepted as input for level values, by level list: each label and its
#: aliases (`大专`, `高职`, `五级`, `初级工`). `本科` alone is the course without a degree (a
#: degree is `本科及学士学位`, `本科+学士` or `学士`).
LEVEL_ALIASES: dict[str, dict[str, str]] = {
    name: level_aliases(values) for name, values in _STANDARD.levels.items()}


_SCOPE: ContextVar[Mapping[str, FactInfo] | None] = ContextVar("points_vocabulary",
                                                               default=None)


def vocabulary() -> Mapping[str, FactInfo]:
    """The facts in scope: a schedule's vocabulary (standard, its own, derived) while it is
    loaded, compiled or analysed (`vocabulary_scope`), else the standard `FACTS`."""
    v = _SCOPE.get()
    return FACTS if v is None else v


class vocabulary_scope:
    """Make `facts` the vocabulary in scope (what `vocabulary()` returns) inside the block.

    A plain context manager (not a generator): the explanation enters it per line or gate
    it builds, and this costs a quarter of a generator's entry and exit."""

    __slots__ = ("facts", "token")

    def __init__(self, facts: Mapping[str, FactInfo]) -> None:
        self.facts = facts

    def __enter__(self) -> None:
        self.token = _SCOPE.set(self.facts)

    def __exit__(self, *exc: object) -> None:
        _SCOPE.reset(self.token)


def standard_levels() -> dict[str, list[LevelDecl]]:
    """The standard level lists as declared, by name (what `levels = "NAME"` refers to)."""
    return _STANDARD.levels


def extend_model(name: str, facts: Mapping[str, FactInfo], required: tuple[str, ...] = (),
                 vocabulary: Mapping[str, FactInfo] | None = None,
                 checks: tuple[Check, ...] | None = None) -> type[ApplicantBase]:
    """`Applicant` extended by given facts (`facts`: a schedule's own, not derived), with
    `required` standard facts made required; `vocabulary` (default: the standard facts and
    `facts`) is what its messages know of (a derived fact is named as such)."""
    fields: dict[str, Any] = {n: (annotation_of(i), field_of(i)) for n, i in facts.items()}
    for n in required:
        info = VOCABULARY[n]
        strict = attrs.evolve(info, optional=False, required=True)
        fields[n] = (annotation_of(strict), field_of(strict))
    vocab = {**VOCABULARY, **(facts if vocabulary is None else vocabulary)}
    model = create_model(name, __base__=Applicant, **fields)
    model.use(vocab, checks)
    return model


# --- the generated typed class --------------------------------------------------------------

_HEADER = '''"""The typed `Applicant` of the standard vocabulary.

Generated from `_data/facts.toml` by `python tests/test_vocabulary.py`: do not edit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from ._vocab import ApplicantBase, Check, FactInfo, Share, field_of, read_standard

__all__ = ["Applicant"]

_FACTS = read_standard().facts
'''
_CLASS = '''

class Applicant(ApplicantBase):
    """The facts of one applicant on one evaluation date, in the standard vocabulary.

    Every fact but `age`/`birth_date` has a default (zero, false, the lowest level), so a
    caller gives only what it knows. Give `age` or `birth_date` (or both, if they agree).

    >>> Applicant(age=30, permit_months=36).permit_months
    36
    """

    vocabulary: ClassVar[dict[str, FactInfo]] = _FACTS
    checks: ClassVar[tuple[Check, ...]] = read_standard().always
'''


#: The Python names of the standard level lists' types (others: the list name capitalised).
_LEVEL_TYPE_NAMES = {"skill": "SkillGrade", "military": "Veteran"}


def _level_type_name(name: str) -> str:
    return _LEVEL_TYPE_NAMES.get(name, name.capitalize())


def applicant_source() -> str:
    """The source of `points._applicant`, generated from the vocabulary file."""
    names = [_level_type_name(n) for n in LEVELS]
    lines = [_HEADER.replace('__all__ = ["Applicant"]', "__all__ = [" + ", ".join(
        f'"{n}"' for n in sorted(["Applicant", *names])) + "]")]
    aliases = []
    for level, values in LEVELS.items():
        line = f"{_level_type_name(level)} = Literal[" + ", ".join(f'"{v}"' for v in values)
        if len(line) > 99:
            line = line.replace("[", "[\n    ", 1).replace(", ", ",\n    ") + ",\n"
        aliases.append(line + "]\n")
    lines += ["".join(aliases), _CLASS]
    for name, info in VOCABULARY.items():
        kind = {"int": "int", "decimal": "Decimal", "fraction": "Share", "bool": "bool",
                "date": "date"}.get(info.kind)
        if info.kind == "level":
            assert info.level_type is not None
            kind = _level_type_name(info.level_type)
        if info.optional:
            kind = f"{kind} | None"
        line = f'    {name}: {kind} = field_of(_FACTS["{name}"])\n'
        if len(line) > 101:
            line = line.replace("(", "(\n        ", 1)
        lines.append(line)
    return "".join(lines)


# --- the values of a fact worth examining (points check, sure-or-not) --------------------

#: Whole-number facts with at most this many values are examined value by value.
INT_SCAN = 20_000
#: Per-unit multiples listed as thresholds when a rule has no cap to stop at.
MULTIPLES = 12


def fact_step(info: FactInfo) -> Any:
    """The smallest change of a numeric fact: 1, 0.01 for yuan, 1/1000 of a share."""
    if info.kind == "int":
        return 1
    if info.kind == "fraction":
        return Fraction(1, 1000)
    return Decimal(1).scaleb(-info.places)


def fact_value(info: FactInfo, v: Any) -> Any:
    """`v` as a value of the fact's type (rounded up to the fact's step)."""
    if info.kind == "int":
        return math.ceil(v)
    if info.kind == "fraction":
        return Fraction(v)
    step = fact_step(info)
    if isinstance(v, Fraction):
        v = Decimal(v.numerator) / Decimal(v.denominator)
    return Decimal(v).quantize(step, rounding="ROUND_CEILING")


# --- words -------------------------------------------------------------------------------


def candidates(info: FactInfo, cut: set[Any]) -> tuple[list[Any], bool]:
    """The values of a fact to examine, and whether they are every value it can take.

    Level and true/false facts: every value (a level fact that may be absent: also None);
    whole numbers over at most `INT_SCAN` values: every one; other numbers: the bounds and
    both sides of every cut (`monotone_pieces` decides whether that is enough).
    """
    if info.kind == "bool":
        return [False, True], True
    if info.kind == "level":
        levels: list[Any] = list(info.levels)
        if info.name != "age" and info.optional:
            levels.append(None)
        return levels, True
    lo, hi = info.minimum, info.maximum
    assert lo is not None and hi is not None
    if info.kind == "int" and hi - lo <= INT_SCAN:
        return list(range(int(lo), int(hi) + 1)), True
    step = fact_step(info)
    lo_v, hi_v = fact_value(info, lo), fact_value(info, hi)
    values = {lo_v, hi_v}
    for x in cut:
        for v in (x - step, x, x + step):
            if lo_v <= v <= hi_v:
                values.add(v)
    return sorted(values), False


def evaluation_date(on: object) -> date:
    """`on` as a date, as `points.score` reads it: None is today, a datetime its date, a
    string ISO `YYYY-MM-DD`; anything else raises `InputError`."""
    if on is None:
        return date.today()
    if isinstance(on, datetime):
        return on.date()
    if isinstance(on, date):
        return on
    if isinstance(on, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", on):
        try:
            return date.fromisoformat(on)
        except ValueError:
            pass
    raise InputError("on is a date, or a string YYYY-MM-DD", value=on)
