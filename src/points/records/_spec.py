"""The record kinds and derivations file (`records.toml`): pydantic models and the loader.

Loading fails loud, as a schedule does: a TOML syntax error, an unknown key, a wrong type, a
derivation of a fact that is not in `points.FACTS`, of the wrong kind, over an unknown record
kind or field, raise a `RecordSpecError` naming the file, the line and the key path.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import RecordSpecError, ScheduleError, ScheduleValidationError
from ..facts import FACTS, LEVEL_ALIASES
from ..schedule import dotted, key_lines, validation_error, where

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "BUNDLED",
    "MAX_FILE_BYTES",
    "RecordSpec",
    "bundled_spec",
    "load_spec",
    "loads_spec",
]

#: bytes in one records file, refused before parsing
MAX_FILE_BYTES = 1 << 20
#: record kinds, fields per kind, derivations, `where` entries, choice values
MAX_KINDS = 100
MAX_FIELDS = 50
MAX_FACTS = 1000
MAX_WHERE = 20
MAX_VALUES = 1000
#: months in any window, gap or period parameter (100 years)
MAX_MONTHS = 1200
#: characters in any text (a label, a note, a value)
MAX_TEXT = 10_000

BUNDLED = "points:records.toml"

_ID = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=_ID, max_length=64)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Months = Annotated[int, Field(ge=0, le=MAX_MONTHS)]

#: the fields every record has, by shape (besides record_id and applicant_id)
SHAPE_FIELDS: dict[str, tuple[str, ...]] = {
    "interval": ("start", "end"),
    "event": ("date",),
    "yearly": ("year",),
}
#: fields every record kind has
COMMON_FIELDS = ("record_id", "applicant_id")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Label(_Model):
    zh: Text
    en: Text


class LevelsOf(_Model):
    """The fact whose levels a `level` field takes, chosen by another field's value."""

    field: Id
    facts: dict[Id, Id] = Field(max_length=MAX_VALUES)


class FieldSpec(_Model):
    """One field of a record kind."""

    type: Literal["date", "int", "decimal", "bool", "text", "choice", "level"]
    required: bool
    label: Label
    default: bool | int | Decimal | str | date | None = None
    values: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, max_length=MAX_VALUES)
    levels_of: LevelsOf | None = None
    level_fact: Id | None = None
    min: int | Decimal | None = None
    max: int | Decimal | None = None
    places: Annotated[int, Field(ge=0, le=6)] | None = None

    @model_validator(mode="after")
    def _fits(self) -> FieldSpec:
        if self.required and self.default is not None:
            raise ValueError("default is for fields that are not required")
        if (self.values is None) != (self.type != "choice"):
            raise ValueError("values is given for a choice field, and only for one")
        if self.type == "level" and (self.levels_of is None) == (self.level_fact is None):
            raise ValueError("level_fact or levels_of is given for a level field (one of)")
        if self.type != "level" and (self.levels_of or self.level_fact):
            raise ValueError("levels_of and level_fact are for level fields")
        if (self.min is not None or self.max is not None) and self.type not in ("int",
                                                                                  "decimal"):
            raise ValueError("min and max are for int and decimal fields")
        if self.places is not None and self.type != "decimal":
            raise ValueError("places is for decimal fields")
        if self.default is not None and not _fits_type(self, self.default):
            raise ValueError(f"default does not fit the field type {self.type}")
        return self


def _fits_type(spec: FieldSpec, v: Any) -> bool:
    t = spec.type
    if t == "bool":
        return isinstance(v, bool)
    if t == "int":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "decimal":
        return isinstance(v, (int, Decimal)) and not isinstance(v, bool)
    if t == "date":
        return isinstance(v, date)
    if t == "choice":
        return isinstance(v, str) and v in (spec.values or ())
    return isinstance(v, str)


class Overlap(_Model):
    """Records of one kind with the same `key` must not overlap in time."""

    key: Id
    fault: Literal["applicant"]


class KindSpec(_Model):
    """One record kind: its shape and its own fields."""

    label: Label
    shape: Literal["interval", "event", "yearly"]
    fields: dict[Id, FieldSpec] = Field(default_factory=dict, max_length=MAX_FIELDS)
    overlap: Overlap | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _names(self) -> KindSpec:
        taken = set(COMMON_FIELDS) | set(SHAPE_FIELDS[self.shape]) | {"kind"}
        for name in self.fields:
            if name in taken:
                raise ValueError(f"fields: {name} is a field every {self.shape} record has")
        for name, f in self.fields.items():
            if f.levels_of is not None:
                ref = self.fields.get(f.levels_of.field)
                if ref is None or ref.type != "choice" or not ref.required:
                    raise ValueError(f"fields: {name}: levels_of.field names a required "
                                     "choice field of this kind")
        if self.overlap is not None:
            if self.shape != "interval":
                raise ValueError("overlap is for interval kinds")
            key = self.fields.get(self.overlap.key)
            if key is None or not key.required:
                raise ValueError("overlap: key names a required field of this kind")
        return self

    def field_type(self, name: str) -> str | None:
        """The type of field `name` (implied fields included), or None."""
        if name in self.fields:
            return self.fields[name].type
        if name in ("record_id", "applicant_id"):
            return "text"
        if name in SHAPE_FIELDS[self.shape]:
            return "int" if name == "year" else "date"
        return None


class Compare(_Model):
    """A comparison of a number field: every given bound must hold."""

    lt: int | Decimal | None = None
    le: int | Decimal | None = None
    gt: int | Decimal | None = None
    ge: int | Decimal | None = None

    @model_validator(mode="after")
    def _some(self) -> Compare:
        if self.lt is None and self.le is None and self.gt is None and self.ge is None:
            raise ValueError("a comparison gives lt, le, gt or ge")
        return self


Scalar = bool | int | Decimal | str | date
Condition = Scalar | list[Scalar] | Compare
Where = Annotated[dict[Id, Condition], Field(max_length=MAX_WHERE)]


class Window(_Model):
    """Which records count by their date (or tax year), on the evaluation date `on`.

    - `kind = "months"`: dates in (on − skip_months − months, on − skip_months], each edge
      inclusive or exclusive as `start` and `end` say; `month_end` as in `add_months`.
    - `kind = "tax_years"`: the `years` tax years up to the year before `on`'s year
      (`latest = "previous"`) or up to `on`'s year (`"current"`).
    - `kind = "ever"`: every record on or before `on` (a yearly record: its year <= on's).
    """

    kind: Literal["months", "tax_years", "ever"]
    months: Annotated[int, Field(ge=1, le=MAX_MONTHS)] | None = None
    skip_months: Months | None = None
    start: Literal["inclusive", "exclusive"] | None = None
    end: Literal["inclusive", "exclusive"] | None = None
    month_end: Literal["roll", "clamp"] | None = None
    years: Annotated[int, Field(ge=1, le=100)] | None = None
    latest: Literal["previous", "current"] | None = None

    @model_validator(mode="after")
    def _params(self) -> Window:
        wants = {"months": ("months", "skip_months", "start", "end", "month_end"),
                 "tax_years": ("years", "latest"), "ever": ()}
        mine = wants[self.kind]
        for key in ("months", "skip_months", "start", "end", "month_end", "years", "latest"):
            given = getattr(self, key) is not None
            if key in mine and not given:
                raise ValueError(f"kind = {self.kind} needs {', '.join(mine)}")
            if key not in mine and given:
                raise ValueError(f"{key} is not a parameter of a {self.kind} window")
        return self


class _Derivation(_Model):
    provisional: bool
    note: Text
    ref: Text | None = None


class Months_(_Derivation):
    """Months covered by interval records (merged once)."""

    derive: Literal["months"]
    record: Id
    where: Where = Field(default_factory=dict)
    count: Literal["cumulative", "continuous"]
    partial_month: Literal["full", "any", "elapsed"]
    run: Literal["current", "latest", "longest"] | None = None
    gap_months: Months | None = None
    gap_counts: bool | None = None
    month_end: Literal["roll", "clamp"] | None = None

    @model_validator(mode="after")
    def _params(self) -> Months_:
        cont = (self.run, self.gap_months, self.gap_counts)
        if self.count == "continuous" and any(v is None for v in cont):
            raise ValueError("count = continuous needs run, gap_months and gap_counts")
        if self.count == "cumulative" and any(v is not None for v in cont):
            raise ValueError("count = cumulative takes no run, gap_months or gap_counts")
        if (self.partial_month == "elapsed") != (self.month_end is not None):
            raise ValueError("month_end is given with partial_month = elapsed, and only then")
        return self


class Count_(_Derivation):
    """Records in a window (or their distinct values of one field)."""

    derive: Literal["count"]
    record: Id
    where: Where = Field(default_factory=dict)
    window: Window
    distinct: Id | None = None


class Sum_(_Derivation):
    """The sum of a number field over the records in a window."""

    derive: Literal["sum"]
    record: Id
    where: Where = Field(default_factory=dict)
    field: Id
    window: Window


class Any_(_Derivation):
    """Whether any record falls in the window."""

    derive: Literal["any"]
    record: Id
    where: Where = Field(default_factory=dict)
    window: Window


class Current_(_Derivation):
    """Whether an interval record covers the evaluation date."""

    derive: Literal["current"]
    record: Id
    where: Where = Field(default_factory=dict)


class Choice(_Model):
    level: Annotated[str, Field(max_length=64)]
    record: Id
    where: Where = Field(default_factory=dict)


class CurrentLevel_(_Derivation):
    """The level of the first choice whose records cover the evaluation date."""

    derive: Literal["current_level"]
    choices: list[Choice] = Field(min_length=1, max_length=MAX_WHERE)
    otherwise: Annotated[str, Field(max_length=64)]


class Highest_(_Derivation):
    """The highest level (in the fact's order) among the records up to the date."""

    derive: Literal["highest"]
    record: Id
    where: Where = Field(default_factory=dict)
    field: Id
    otherwise: Annotated[str, Field(max_length=64)]


Derivation = Months_ | Count_ | Sum_ | Any_ | Current_ | CurrentLevel_ | Highest_
#: the model of each `derive` value
DERIVES: dict[str, type[_Derivation]] = {
    "months": Months_, "count": Count_, "sum": Sum_, "any": Any_, "current": Current_,
    "current_level": CurrentLevel_, "highest": Highest_}


class Header(_Model):
    format: Literal[1]
    note: Text | None = None


class RecordSpec(_Model):
    """Record kinds and derivations, validated (`bundled_spec()`, `load_spec(path)`)."""

    records: Header
    kinds: dict[Id, KindSpec] = Field(default_factory=dict, max_length=MAX_KINDS)
    facts: dict[Id, Annotated[Derivation, Field(discriminator="derive")]] = Field(
        default_factory=dict, max_length=MAX_FACTS)
    extends: Literal["points"] | None = None
    source: str = Field(default="<string>", exclude=True)

    def __repr__(self) -> str:
        return (f"RecordSpec(source={self.source!r}, {len(self.kinds)} kinds, "
                f"{len(self.facts)} facts)")

    def kinds_read(self, fact: str) -> tuple[str, ...]:
        """The record kinds derivation `fact` reads."""
        d = self.facts[fact]
        if isinstance(d, CurrentLevel_):
            return tuple(dict.fromkeys(c.record for c in d.choices))
        return (d.record,)


# --- checks across tables --------------------------------------------------------------------

Problem = tuple[tuple[str | int, ...], str, Any]

_DERIVED_KIND = {"months": "int", "count": "int", "any": "bool", "current": "bool",
                 "current_level": "level", "highest": "level"}


def _cross(spec: RecordSpec) -> list[Problem]:
    out: list[Problem] = []
    for name, kspec in spec.kinds.items():
        out += _kind_problems(name, kspec)
    for fact, d in spec.facts.items():
        out += _fact_problems(spec, fact, d)
    return out


def _kind_problems(name: str, kspec: KindSpec) -> list[Problem]:
    out: list[Problem] = []
    for fname, f in kspec.fields.items():
        at: tuple[str | int, ...] = ("kinds", name, "fields", fname)
        named = ([f.level_fact] if f.level_fact else
                 list(f.levels_of.facts.values()) if f.levels_of else [])
        for fact in named:
            info = FACTS.get(fact)
            if info is None or info.kind != "level":
                key = "level_fact" if f.level_fact else "levels_of"
                out.append(((*at, key), "names a level fact of points.FACTS", fact))
        if f.levels_of is not None:
            choice = kspec.fields[f.levels_of.field]
            missing = sorted(set(choice.values or ()) - set(f.levels_of.facts))
            if missing:
                out.append(((*at, "levels_of", "facts"),
                            "gives a fact for every value of the choice field", missing))
    return out


def _fact_problems(spec: RecordSpec, fact: str, d: Any) -> list[Problem]:
    base: tuple[str | int, ...] = ("facts", fact)
    info = FACTS.get(fact)
    if info is None:
        return [(base, "is not a fact of points.FACTS", fact)]
    out: list[Problem] = []
    want = "sum" if isinstance(d, Sum_) else _DERIVED_KIND[d.derive]
    if want == "sum":
        if info.kind not in ("int", "decimal"):
            out.append((base, f"a sum gives a number; {fact} is of kind {info.kind}", fact))
    elif info.kind != want:
        out.append((base, f"derive = {d.derive} gives a value of kind {want}; {fact} "
                    f"is of kind {info.kind}", d.derive))
    reads: list[tuple[tuple[str | int, ...], str, Mapping[str, Any]]]
    if isinstance(d, CurrentLevel_):
        reads = [(("choices", i), c.record, c.where) for i, c in enumerate(d.choices)]
    else:
        reads = [((), d.record, d.where)]
    need = {"months": ("interval",), "current": ("interval",),
            "current_level": ("interval",)}.get(d.derive, ("event", "yearly"))
    for sub, record, cond in reads:
        read = spec.kinds.get(record)
        if read is None:
            out.append(((*base, *sub, "record"), "is not a record kind of this file", record))
            continue
        out += _where_problems((*base, *sub, "where"), read, cond)
        if read.shape not in need:
            out.append(((*base, *sub, "record"), f"derive = {d.derive} reads "
                        f"{' or '.join(need)} records; {record} is {read.shape}", record))
    kspec = None if isinstance(d, CurrentLevel_) else spec.kinds.get(d.record)
    if isinstance(d, (Count_, Sum_, Any_)) and kspec is not None:
        ok = {"event": ("months", "ever"), "yearly": ("tax_years", "ever")}
        if kspec.shape in ok and d.window.kind not in ok[kspec.shape]:
            out.append(((*base, "window", "kind"), f"a {kspec.shape} record takes a window "
                        f"of kind {' or '.join(ok[kspec.shape])}", d.window.kind))
    if isinstance(d, Sum_) and kspec is not None:
        ftype = kspec.field_type(d.field)
        if ftype not in ("int", "decimal"):
            out.append(((*base, "field"), "names an int or decimal field of the record kind",
                        d.field))
        elif ftype == "decimal" and info.kind == "int":
            out.append(((*base, "field"), f"a decimal field cannot sum into the whole "
                        f"number fact {fact}", d.field))
    if isinstance(d, Count_) and d.distinct is not None and kspec is not None \
            and kspec.field_type(d.distinct) is None:
        out.append(((*base, "distinct"), "names a field of the record kind", d.distinct))
    if isinstance(d, Highest_) and kspec is not None:
        fspec = kspec.fields.get(d.field)
        if fspec is None or fspec.type not in ("level", "choice"):
            out.append(((*base, "field"), "names a level or choice field of the record kind",
                        d.field))
        elif fspec.type == "choice":
            bad = [v for v in fspec.values or () if v not in info.levels]
            if bad:
                out.append(((*base, "field"), f"holds values that are not levels of {fact}",
                            bad))
    if isinstance(d, (CurrentLevel_, Highest_)) and info.kind == "level":
        if d.otherwise not in info.levels:
            out.append(((*base, "otherwise"), f"is not a level of {fact}", d.otherwise))
        if isinstance(d, CurrentLevel_):
            for i, c in enumerate(d.choices):
                if c.level not in info.levels:
                    out.append(((*base, "choices", i, "level"), f"is not a level of {fact}",
                                c.level))
    return out


def _where_problems(path: tuple[str | int, ...], kind: KindSpec,
                    where_: Mapping[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    for fname, cond in where_.items():
        ftype = kind.field_type(fname)
        if ftype is None:
            out.append(((*path, fname), "is not a field of the record kind", fname))
            continue
        values = cond if isinstance(cond, list) else [cond]
        if isinstance(cond, Compare):
            if ftype not in ("int", "decimal", "date"):
                out.append(((*path, fname), "a comparison is for int, decimal and date "
                            "fields", ftype))
            continue
        for v in values:
            fits = {
                "bool": isinstance(v, bool),
                "int": isinstance(v, int) and not isinstance(v, bool),
                "decimal": isinstance(v, (int, Decimal)) and not isinstance(v, bool),
                "date": isinstance(v, date),
            }.get(ftype, isinstance(v, str))
            if fits and ftype == "choice":
                fits = v in (kind.fields[fname].values or ())
            if not fits:
                out.append(((*path, fname), f"does not fit the {ftype} field {fname}", v))
    return out


# --- loading ---------------------------------------------------------------------------------


def loads_spec(text: str, *, source: str = "<string>") -> RecordSpec:
    """Record kinds and derivations from TOML text (`extends = "points"`: over the bundled)."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise RecordSpecError([ScheduleError(
            f"the records file is too large (at most {MAX_FILE_BYTES} bytes)", file=source,
            line=1)])
    try:
        from ..schedule.loader import parse_toml

        raw = parse_toml(text, source)
    except ScheduleValidationError as exc:
        raise RecordSpecError(exc.problems) from None
    except ScheduleError as exc:
        raise RecordSpecError([exc]) from None
    lines = key_lines(text)
    if raw.get("extends") == "points":
        base = tomllib.loads(_bundled_text(), parse_float=Decimal)
        merged = {**base, "extends": "points",
                  "kinds": {**base.get("kinds", {}), **raw.get("kinds", {})},
                  "facts": {**base.get("facts", {}), **raw.get("facts", {})},
                  "records": raw.get("records", base["records"])}
        chain = [(source, lines)]
    else:
        merged, chain = raw, [(source, lines)]
    problems: list[ScheduleError] = []
    facts: dict[str, Any] = {}
    raw_facts = merged.get("facts", {})
    if isinstance(raw_facts, dict):
        for name, entry in raw_facts.items():
            path: tuple[str | int, ...] = ("facts", name)
            kind = entry.get("derive") if isinstance(entry, dict) else None
            model = DERIVES.get(kind) if isinstance(kind, str) else None
            if model is None:
                at = (*path, "derive") if isinstance(entry, dict) and "derive" in entry \
                    else path
                file, line = where(at, source, lines, chain)
                problems.append(ScheduleError(
                    f"derive is one of {', '.join(DERIVES)}" if isinstance(entry, dict)
                    else "a derivation is a table", file=file, line=line, path=dotted(at),
                    value=kind if isinstance(entry, dict) else entry))
                continue
            try:
                facts[name] = model.model_validate(entry)
            except ValidationError as exc:
                problems += validation_error(exc, source, lines, prefix=path,
                                             chain=chain).problems
    try:
        spec = RecordSpec.model_validate({**merged, "facts": facts, "source": source})
    except ValidationError as exc:
        problems += validation_error(exc, source, lines, chain=chain).problems
    if problems:
        raise RecordSpecError(problems)
    crossed = []
    for at, msg, value in _cross(spec):
        file, line = where(at, source, lines, chain)
        crossed.append(ScheduleError(msg, file=file, line=line, path=dotted(at), value=value))
    if crossed:
        raise RecordSpecError(crossed)
    return spec


def load_spec(path: str | Path) -> RecordSpec:
    """Record kinds and derivations from a TOML file."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise RecordSpecError([ScheduleError(f"cannot read: {exc.strerror}", file=str(p))]
                              ) from None
    if len(data) > MAX_FILE_BYTES:
        raise RecordSpecError([ScheduleError(
            f"the records file is too large (at most {MAX_FILE_BYTES} bytes)", file=str(p),
            line=1)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordSpecError([ScheduleError(
            f"not UTF-8 text ({exc.reason})", file=str(p),
            line=data.count(b"\n", 0, exc.start) + 1)]) from None
    return loads_spec(text, source=str(p))


def _bundled_text() -> str:
    return (resources.files("points._data") / "records.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def bundled_spec() -> RecordSpec:
    """The bundled record kinds and derivations (src/points/_data/records.toml)."""
    return loads_spec(_bundled_text(), source=BUNDLED)


def level_alias(fact: str, value: str) -> str | None:
    """`value` as a level of `fact`: the level itself, or its Chinese name; None if neither."""
    info = FACTS[fact]
    if value in info.levels:
        return value
    if info.level_type is not None:
        return LEVEL_ALIASES.get(info.level_type, {}).get(value)
    return None
