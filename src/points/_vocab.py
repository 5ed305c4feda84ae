"""Facts as declared data: the declaration format, the standard vocabulary file, the models.

A *fact declaration* (`FactDecl`) is one table of `src/points/_data/facts.toml` (the standard
vocabulary) or of a schedule's `[facts]`: its kind, bounds, unit, labels, ordered levels with
the Chinese names accepted as input, look-back window, and whether it may be absent. A
declaration with `expr` is *derived*: computed from other facts (see
`points.expression`), never given. `fact_info` turns a declaration into the `FactInfo`
every part of the library reads; `applicant_fields` into the pydantic fields an applicant
model validates with.
"""

from __future__ import annotations

import difflib
import functools
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import attrs
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import ApplicantError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "FLAG_WORDS",
    "KIND_OF",
    "ApplicantBase",
    "Check",
    "CheckDecl",
    "FactDecl",
    "FactInfo",
    "LevelDecl",
    "Share",
    "StandardVocabulary",
    "age_on",
    "annotation_of",
    "applicant_error",
    "expr_type",
    "fact_info",
    "field_of",
    "level_aliases",
    "mend",
    "near_miss",
    "read_standard",
    "years_begun",
]

#: Chinese words accepted for flags.
FLAG_WORDS: dict[str, bool] = {"是": True, "否": False}
#: The declaration kinds and the kind of value each holds (`FactInfo.kind`).
KIND_OF: dict[str, str] = {
    "count": "int", "months": "int", "money": "decimal", "decimal": "decimal",
    "share": "fraction", "flag": "bool", "level": "level", "date": "date",
}
_UNIT = {"months": "month", "money": "yuan", "share": "share", "count": "count"}
_DEFAULT_MAX = {"months": Decimal(1200), "money": Decimal(10) ** 12}
_LIMIT = Decimal(10) ** 15
_Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Label(_Strict):
    zh: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)


class LevelDecl(_Strict):
    """One value of an ordered level list: its id, labels and other accepted names."""

    id: _Name
    zh: str = Field(min_length=1, max_length=100)
    en: str = Field(min_length=1, max_length=100)
    aliases: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list, max_length=32)


class FactDecl(_Strict):
    """One fact: given (`kind` and its keys) or derived (`expr`)."""

    label: _Label
    kind: Literal["count", "months", "money", "decimal", "share", "flag", "level",
                  "date"] | None = None
    unit: Annotated[str, Field(pattern=r"^[a-z]+$", max_length=16)] | None = None
    places: int | None = Field(default=None, ge=0, le=6)
    min: Decimal | None = Field(default=None, gt=-_LIMIT, lt=_LIMIT)
    max: Decimal | None = Field(default=None, gt=-_LIMIT, lt=_LIMIT)
    levels: _Name | list[LevelDecl] | None = Field(default=None)
    optional: bool = Field(default=False, description="Absent (none) unless given.")
    required: bool = Field(default=False, description="Must be given: no default.")
    window_years: int | None = Field(default=None, ge=1, le=100)
    section: str | None = Field(default=None, max_length=100)
    expr: str | None = Field(default=None, min_length=1, max_length=4000,
                             description="Derived: computed from other facts.")
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FactDecl:
        if isinstance(self.levels, list) and not 1 <= len(self.levels) <= 64:
            raise ValueError("a level list has 1 to 64 values")
        if self.expr is not None:
            extra = [k for k in ("places", "min", "max", "levels", "window_years")
                     if getattr(self, k) is not None]
            if self.optional or self.required:
                extra.append("optional" if self.optional else "required")
            if extra:
                raise ValueError(f"a derived fact (expr) takes no {', '.join(extra)}: "
                                 "they follow from its expression")
            return self
        if self.kind is None:
            raise ValueError("give kind (count, months, money, decimal, share, flag, level, "
                             "date) or expr")
        if self.optional and self.required:
            raise ValueError("a fact is optional or required, not both")
        numeric = self.kind in ("count", "months", "money", "decimal", "share")
        if not numeric and (self.min is not None or self.max is not None):
            raise ValueError(f"a {self.kind} fact has no min or max")
        if self.kind == "count" and self.max is None:
            raise ValueError("a count needs max (the largest value accepted)")
        if self.kind == "decimal" and (self.places is None or self.max is None):
            raise ValueError("a decimal needs places and max")
        if self.kind != "decimal" and self.places is not None:
            raise ValueError("only a decimal fact has places")
        if (self.kind == "level") != (self.levels is not None):
            raise ValueError("a level fact needs levels; only a level fact has them")
        lo = self.min if self.min is not None else Decimal(0)
        hi = self.max if self.max is not None else _DEFAULT_MAX.get(self.kind)
        if numeric and hi is not None and hi < lo:
            raise ValueError(f"max {hi} is below min {lo}")
        if self.kind in ("count", "months") and any(
                v is not None and v != v.to_integral_value() for v in (self.min, self.max)):
            raise ValueError(f"the bounds of a {self.kind} are whole numbers")
        return self


@attrs.frozen
class FactInfo:
    """What the library needs to know about one fact."""

    name: str
    kind: Literal["int", "decimal", "fraction", "bool", "level", "date"]
    zh: str
    en: str
    unit: str | None = None
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    levels: tuple[str, ...] = ()
    level_type: str | None = None
    window_years: int | None = None
    places: int = 0
    optional: bool = False
    required: bool = False
    #: Chinese (and other) names accepted as input for level values → the value
    aliases: Mapping[str, str] = attrs.field(factory=dict, eq=False)
    #: the Chinese and English label of each level value
    level_labels: Mapping[str, tuple[str, str]] = attrs.field(factory=dict, eq=False)
    declaration: str | None = None  # where it is declared: None for the standard vocabulary
    expr: str | None = None  # derived facts: the expression text (normalised)
    section: str | None = None
    parsed: Any = attrs.field(default=None, eq=False, repr=False)  # derived: its `Expr`

    @property
    def default(self) -> Any:
        """The value when not given (None when optional or required)."""
        if self.optional or self.required:
            return None
        return {"int": 0, "decimal": Decimal(0), "fraction": Fraction(0), "bool": False,
                "level": self.levels[0] if self.levels else None, "date": None}[self.kind]


def level_aliases(values: list[LevelDecl]) -> dict[str, str]:
    """Every accepted name of a level list → its value: the id, the Chinese label, aliases."""
    out: dict[str, str] = {}
    for v in values:
        for name in (v.zh, *v.aliases):
            out.setdefault(name, v.id)
    return out


def fact_info(name: str, decl: FactDecl, level_lists: Mapping[str, list[LevelDecl]],
              declaration: str | None = None) -> FactInfo:
    """The `FactInfo` of a given (not derived) declaration; `levels` named by a string are
    looked up in `level_lists` (KeyError when absent: the caller checks first)."""
    assert decl.kind is not None
    kind = KIND_OF[decl.kind]
    levels: list[LevelDecl] = []
    level_type = None
    if isinstance(decl.levels, str):
        level_type, levels = decl.levels, level_lists[decl.levels]
    elif decl.levels is not None:
        levels = decl.levels
    places = {"money": 2}.get(decl.kind, decl.places or 0)
    lo: Any = None
    hi: Any = None
    if kind in ("int", "decimal", "fraction"):
        lo = decl.min if decl.min is not None else Decimal(0)
        hi = decl.max if decl.max is not None else _DEFAULT_MAX.get(decl.kind, Decimal(1000))
        if kind == "int":
            lo, hi = int(lo), int(hi)
    return FactInfo(
        name=name, kind=kind, zh=decl.label.zh, en=decl.label.en,  # type: ignore[arg-type]
        unit=decl.unit or _UNIT.get(decl.kind), minimum=lo, maximum=hi,
        levels=tuple(v.id for v in levels), level_type=level_type,
        window_years=decl.window_years, places=places, optional=decl.optional,
        required=decl.required, aliases=level_aliases(levels),
        level_labels={v.id: (v.zh, v.en) for v in levels}, declaration=declaration,
        section=decl.section)


def _exact_share(v: Any) -> Any:
    """A float share is read from its shortest decimal text (0.1 is 1/10, not 2^-55 × …)."""
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


Share = Annotated[Fraction, BeforeValidator(_exact_share)]


def annotation_of(info: FactInfo) -> Any:
    """The Python type an applicant model gives the fact."""
    base: Any = {"int": int, "decimal": Decimal, "fraction": Share, "bool": bool,
                 "date": date}.get(info.kind)
    if info.kind == "level":
        base = Literal[info.levels]
    return base | None if info.optional else base


def field_of(info: FactInfo) -> Any:
    """The pydantic `Field` of the fact: default, bounds and labels."""
    extra: dict[str, Any] = {"zh": info.zh, "en": info.en}
    if info.unit and info.kind != "bool":
        extra["unit"] = info.unit
    if info.window_years:
        extra["window_years"] = info.window_years
    kw: dict[str, Any] = {}
    if info.kind in ("int", "decimal", "fraction"):
        kw = {"ge": info.minimum, "le": info.maximum}
        if info.kind == "decimal":
            kw |= {"max_digits": 16 + info.places, "decimal_places": info.places}
    if info.required:
        return Field(json_schema_extra=extra, **kw)
    return Field(default=info.default, json_schema_extra=extra, **kw)


@attrs.frozen
class StandardVocabulary:
    """The bundled vocabulary: facts in file order, the level lists by name, the checks."""

    facts: dict[str, FactInfo]
    levels: dict[str, list[LevelDecl]]
    declarations: dict[str, FactDecl]
    checks: tuple[Check, ...] = ()

    @property
    def always(self) -> tuple[Check, ...]:
        """The checks every applicant model applies: those without `unless_given` (a check
        asking for a fact applies only for a schedule that reads that fact)."""
        return tuple(c for c in self.checks if not c.unless)


def expr_type(info: FactInfo) -> Any:
    """How an expression sees a fact (None: it cannot read it, a share or a date)."""
    from .expression import ExprType

    if info.kind in ("int", "decimal"):
        return ExprType("number", lo=Fraction(info.minimum or 0), hi=Fraction(info.maximum or 0),
                        places=info.places, optional=info.optional)
    if info.kind == "bool":
        return ExprType("bool", optional=info.optional)
    if info.kind == "level":
        return ExprType("level", levels=info.levels, aliases=info.aliases, optional=info.optional)
    return None


class CheckDecl(_Strict):
    """A consistency check: `expr` true means the facts contradict each other."""

    id: _Name
    expr: str = Field(min_length=1, max_length=1000)
    field: _Name
    message: _Label
    unless_given: list[_Name] = Field(default_factory=list, max_length=8)
    fix: dict[_Name, Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=4)


@attrs.frozen
class Check:
    """A consistency check, compiled: it applies when every fact in `needs` is given and
    none in `unless`; then `test(facts)` true is a contradiction, reported at `field`."""

    id: str
    field: str
    zh: str
    en: str
    needs: frozenset[str]
    unless: frozenset[str]
    expr: Any = attrs.field(repr=False)  # a `points.expression.Expr`
    test: Callable[[Mapping[str, Any]], Any] = attrs.field(repr=False, eq=False)
    #: how to mend a contradiction: each fact and a function of the facts giving its value
    fix: tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...] = attrs.field(
        default=(), repr=False, eq=False)
    fix_text: tuple[tuple[str, str], ...] = ()  # the fix as written: (fact, expression)

    def applies(self, given: Iterable[str]) -> bool:
        """Whether the check applies to an applicant giving these facts."""
        g = set(given)
        return self.needs <= g and not self.unless & g


class _VocabularyFile(_Strict):
    levels: dict[_Name, list[LevelDecl]]
    facts: dict[_Name, FactDecl]
    checks: list[CheckDecl] = Field(default_factory=list)


@functools.cache
def read_standard() -> StandardVocabulary:
    """Read and check `_data/facts.toml` (an error here is a bug of the library)."""
    text = resources.files("points").joinpath("_data/facts.toml").read_text("utf-8")
    try:
        doc = _VocabularyFile.model_validate(tomllib.loads(text, parse_float=Decimal))
    except ValidationError as exc:  # pragma: no cover - the file is tested
        raise RuntimeError(f"points/_data/facts.toml is broken: {exc}") from None
    facts = {}
    for name, decl in doc.facts.items():
        if decl.expr is not None or (isinstance(decl.levels, str)
                                     and decl.levels not in doc.levels):
            raise RuntimeError(f"points/_data/facts.toml: {name}")  # pragma: no cover
        facts[name] = fact_info(name, decl, doc.levels)
    from .expression import parse_expression, record_fn

    names = {k: t for k, i in facts.items() if (t := expr_type(i)) is not None}
    checks = []
    for c in doc.checks:
        expr = parse_expression(c.expr, names)
        fix: list[tuple[str, Callable[[Mapping[str, Any]], Any]]] = []
        for fact, text in c.fix.items():
            if text[:1] == "'" and text[-1:] == "'" and text[1:-1] in facts[fact].levels:
                fix.append((fact, functools.partial(_constant, text[1:-1])))
            else:
                fix.append((fact, record_fn(parse_expression(text, names))))
        checks.append(Check(id=c.id, field=c.field, zh=c.message.zh, en=c.message.en,
                            needs=frozenset(expr.reads), unless=frozenset(c.unless_given),
                            expr=expr, test=record_fn(expr), fix=tuple(fix),
                            fix_text=tuple(c.fix.items())))
    return StandardVocabulary(facts=facts, levels=doc.levels, declarations=doc.facts,
                              checks=tuple(checks))


# --- applicant models ----------------------------------------------------------------------

_MAX_AGE = 120
_A = TypeVar("_A", bound="ApplicantBase")


class ApplicantBase(BaseModel):
    """What every applicant model shares: Chinese input words, the age rules, `parse`.

    The fields come from a vocabulary: `points.Applicant` has the standard one (a generated
    class), `points.facts.applicant_model(schedule)` adds a schedule's own facts.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False,
                              validate_default=False)
    #: the facts of this model by name
    vocabulary: ClassVar[Mapping[str, FactInfo]] = {}
    #: the consistency checks of the vocabulary (`[[checks]]` of facts.toml)
    checks: ClassVar[tuple[Check, ...]] = ()
    _numbers: ClassVar[frozenset[str]] = frozenset()

    applicant_id: str | None = Field(
        default=None, max_length=200, json_schema_extra={"zh": "编号", "en": "applicant id"})

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.use(cls.vocabulary)

    @classmethod
    def use(cls, vocabulary: Mapping[str, FactInfo],
            checks: tuple[Check, ...] | None = None) -> None:
        """Make `vocabulary` (and `checks`, if given) what this model knows of."""
        cls.vocabulary = vocabulary
        if checks is not None:
            cls.checks = checks
        cls._numbers = frozenset(n for n, i in vocabulary.items()
                                 if i.kind in ("int", "decimal", "fraction"))

    @model_validator(mode="before")
    @classmethod
    def _chinese_words(cls, data: Any) -> Any:
        # level values by their Chinese names, flags as 是/否
        if isinstance(data, dict):
            vocab = cls.vocabulary
            changed: dict[str, Any] = {}
            for name, value in data.items():
                if not isinstance(value, str) or name not in vocab:
                    continue
                info = vocab[name]
                if info.kind == "level":
                    found = info.aliases.get(value)
                    if found is not None:
                        changed[name] = found
                elif info.kind == "bool" and value in FLAG_WORDS:
                    changed[name] = FLAG_WORDS[value]
            if changed:
                data = {**data, **changed}
        return data

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: Any) -> Any:
        # pydantic's lax mode reads True as 1; a flag in a number field is a mistake
        if isinstance(data, dict):
            for name in cls._numbers.intersection(data):
                if isinstance(data[name], bool):
                    raise PydanticCustomError(
                        "bool_not_number", "{field} is a number, not true/false",
                        {"field": name})
        return data

    @model_validator(mode="after")
    def _age_or_birth_date(self: _A) -> _A:
        if getattr(self, "age", None) is None and getattr(self, "birth_date", None) is None:
            raise PydanticCustomError("age_missing", "give age or birth_date")
        return self

    @model_validator(mode="after")
    def _consistent(self: _A, info: ValidationInfo) -> _A:
        # the vocabulary's consistency checks (skipped with context {"checks": False})
        if info.context is not None and info.context.get("checks") is False:
            return self
        given = self.model_fields_set
        for c in self.checks:
            if c.applies(given) and c.test(self.__dict__):
                raise PydanticCustomError("inconsistent", "{message}",
                                          {"message": c.en, "field": c.field, "check": c.id})
        return self

    @classmethod
    def parse(cls: type[_A], data: Mapping[str, Any], *, row: int | None = None,
              source: str | None = None) -> _A:
        """Validate a mapping of facts, raising `ApplicantError` naming every bad field."""
        if isinstance(data, cls):
            return data
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise applicant_error(exc, cls.vocabulary, row=row, source=source) from None

    def age_on(self, on: date) -> int:
        """Age in full years on `on` (from `birth_date` when given, else `age`)."""
        birth: date | None = getattr(self, "birth_date", None)
        age: int | None = getattr(self, "age", None)
        if birth is not None:
            years = age_on(birth, on)
            if age is not None and age != years:
                raise ApplicantError(
                    [("age", age, f"does not match birth_date {birth} on {on} ({years})")])
            return years
        assert age is not None
        return age

    def years_begun_on(self, on: date) -> int:
        """Years of age begun on `on`, a part-year counted as a year (不满一年按一年计).

        From `birth_date` when given (a given `age_years_begun` must agree), else the given
        `age_years_begun`, else the age in full years (taken as exact: no part-year).
        """
        birth: date | None = getattr(self, "birth_date", None)
        begun: int | None = getattr(self, "age_years_begun", None)
        if birth is not None:
            years = years_begun(birth, on)
            if begun is not None and begun != years:
                raise ApplicantError(
                    [("age_years_begun", begun,
                      f"does not match birth_date {birth} on {on} ({years})")])
            return years
        if begun is not None:
            return begun
        return self.age_on(on)


def age_on(birth: date, on: date) -> int:
    """Full years between `birth` and `on` (a birthday on 29 February counts on 1 March)."""
    if on < birth:
        raise ApplicantError([("birth_date", birth, f"is after the evaluation date {on}")])
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    if years > _MAX_AGE:
        raise ApplicantError([("birth_date", birth,
                               f"gives an age of {years} on {on}, above the maximum {_MAX_AGE}")])
    return years


def years_begun(birth: date, on: date) -> int:
    """Full years between `birth` and `on`, plus one unless `on` completes a year (a
    birthday, as `age_on` counts it): 40 years and a day is 41; the birthday itself is 40."""
    full = age_on(birth, on)
    if on == birth:
        return full
    day = on - timedelta(days=1)  # the age the day before, as `age_on` counts it
    before = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return full if before < full else full + 1


def _constant(value: Any, _facts: Mapping[str, Any]) -> Any:
    return value


def mend(facts: dict[str, Any], defaults: Mapping[str, Any],
         checks: Iterable[Check]) -> dict[str, Any]:
    """`facts` with every contradiction the checks find mended by their `fix`, facts not
    given read as their `defaults` (so that the facts stay consistent written out in full,
    as a table row has them); a check asking for a fact applies only while it is not given.
    """
    checks = tuple(checks)
    for _ in range(len(checks) + 1):
        for c in checks:
            if (c.applies(facts) if c.unless else True) and c.test({**defaults, **facts}):
                env = {**defaults, **facts}
                facts = {**facts, **{f: fn(env) for f, fn in c.fix}}
                break
        else:
            return facts
    return facts  # pragma: no cover - the fixes of the bundled checks converge


def near_miss(name: str, known: Iterable[str]) -> str:
    """`; did you mean X?` when a known name is close to `name`, else ``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    if not close:  # same words in another order or with another unit: permit_years
        stem = name.rsplit("_", 1)[0]
        close = [k for k in known if k.rsplit("_", 1)[0] == stem][:1]
    return f"; did you mean {close[0]}?" if close else ""


def applicant_error(exc: ValidationError, vocabulary: Mapping[str, FactInfo], *,
                    row: int | None, source: str | None) -> ApplicantError:
    """Pydantic's errors as one `ApplicantError` naming each field, value and reason."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(applicant)"
        if err["type"] == "age_missing":
            loc = "age"
        elif err["type"] in ("bool_not_number", "inconsistent"):
            loc = str(err.get("ctx", {}).get("field", loc))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            derived = vocabulary.get(loc)
            msg = ("is derived by the schedule, not given" if derived is not None
                   else "unknown field" + near_miss(loc, [*vocabulary, "applicant_id"]))
        elif err["type"] == "missing":
            msg = "is required by the schedule"
        value = err.get("input")
        if err["type"] == "inconsistent" and isinstance(value, Mapping):
            value = value.get(loc)
        problems.append((loc, value, msg))
    return ApplicantError(problems, row=row, source=source)
