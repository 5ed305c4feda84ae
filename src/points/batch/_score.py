"""Score a whole table of applicants in columns: `score_frame(data, schedule, on=...)`.

The table (Polars or pandas) has one applicant per row and one `Applicant` fact per column.
`score_frame` validates it column by column, sends every invalid row to `rejects` (row
number, field, value, reason) and scores the other rows with the column engine
(`points.engines`), a translation of the same compiled form the per-record engine runs, so
every row scores exactly what `points.score` gives.

Decisions:

- **Points are Int64 ticks**: whole multiples of the schedule's precision (at 0.01, 54.00
  points is 5400), the same integers the per-record engine computes, so every total equals
  `points.score(...).total` exactly. `BatchResult.places` gives the scale, `points()` the
  table with exact `Decimal(38, places)` points (for writing files or reading by eye), and
  `to_points(ticks)` one value. Ticks keep the columns 8 bytes wide and the arithmetic in
  plain integers: Decimal columns are twice as wide and made scoring ~40% slower.
- **Missing columns** take the `Applicant` defaults (0, false, "none"); so does an empty cell
  (null), as if the field were not given. `age` or `birth_date` is needed: a table with
  neither column is an `InputError`, a row with neither value is rejected.
- **Unknown columns** are an `InputError` naming them, unless `extra="ignore"`.
- **`applied_at`** is a batch-only column (not a fact): the application time used by the
  `timestamp` ranking rule. It is optional, parsed as a date-time, and kept in `scored`.
- **Accepted cell forms**: integers as integers, whole floats or digit strings ("12",
  " 12 ", "12.0"); flags as booleans, 1/0 or the words pydantic accepts ("true", "false",
  "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0", any case, no spaces) and 是/否;
  levels as named or by a Chinese name of `applicant.LEVEL_ALIASES` (both per record too);
  a boolean column in a number fact is rejected, not read as 1/0; money and ratios as
  decimals, integers, floats or decimal strings (no more decimal places than the fact
  allows, trailing zeros aside); patent shares as "a/b", "a" or "0.5"
  strings, integers or decimals; `birth_date` as dates, midnight date-times or "YYYY-MM-DD"
  strings; `applicant_id` as text or integers. Per record, pydantic also takes a few rarer
  spellings ("1_000" for a count, "1990-01-02T00:00" for a date), which the batch rejects;
  the batch takes integer applicant ids, which pydantic refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, Literal

import attrs
import polars as pl

from ..compiled import compile_schedule
from ..engines import (
    compile_columns,
    decimal_places,
    den_col,
    evaluation_date,
    fact_col,
)
from ..errors import InputError, UnknownPurpose
from ..facts import FLAG_WORDS, vocabulary, vocabulary_scope
from ..schedule.loader import load_schedule
from ..schedule.model import Schedule
from ._checks import branch_masks, branch_rejects, check_problems
from ._problem import REJECTS_SCHEMA as _REJECTS_SCHEMA
from ._problem import Problem as _Problem
from ._problem import parsed as _p
from ._result import BatchResult, output_names, points_columns, wanted_outputs
from ._small import SMALL_ROWS, small_plan
from ._text import few_places, iso_dates

__all__ = [
    "BATCH_COLUMNS",
    "BatchResult",
    "output_names",
    "score_frame",
    "unread_columns",
]

#: Columns a batch accepts besides the `Applicant` fields (not facts of the applicant).
BATCH_COLUMNS = ("applied_at",)
#: an empty rejects table, copied (`clear`) for each result: quicker than building one
_NO_REJECTS = pl.DataFrame(schema=_REJECTS_SCHEMA)


# --- validating the input ----------------------------------------------------------------
# Each input column becomes a `_Field`: how to parse it into `_p.<name>` column(s) (null
# where the cell is null or invalid) and the problems a cell can have. Text is parsed the
# quick way on every row (`parse`) and the slow, forgiving way (`slow`: spaces, "12.0",
# "Yes") only on the rows the quick way missed. A problem has a per-row condition (for the
# rejects) and a cheap whole-column test (min/max, null counts): when no column can have a
# problem, the rows are scored without any per-row check.

_BOOL_WORDS = {w: True for w in ("1", "on", "t", "true", "y", "yes")}
_BOOL_WORDS.update({w: False for w in ("0", "off", "f", "false", "n", "no")})
_BOOL_WORDS.update(FLAG_WORDS)  # 是 / 否


@attrs.frozen
class _Field:
    """One input column: how to parse it and the problems a cell can have."""

    name: str
    parse: dict[str, pl.Expr]  # `_p.*` columns, null when the cell is null or bad
    problems: list[_Problem]  # the first one that holds is the cell's reason
    slow: dict[str, pl.Expr] | None = None  # for the rows whose first `parse` column is null


def _is_text(dtype: pl.DataType) -> bool:
    return dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))


def _text(c: pl.Expr) -> pl.Expr:
    return c.cast(pl.String).str.strip_chars()


def _failed(c: pl.Expr, p: pl.Expr, reason: str) -> _Problem:
    """The cell is not null but did not parse."""
    return _Problem(c.is_not_null() & p.is_null(), reason, p.null_count() > c.null_count())


def _bounds(p: pl.Expr, lo: int | None, hi: int | None, shown: tuple[Any, Any]) -> list[_Problem]:
    out = []
    if lo is not None:
        out.append(_Problem(p < lo, f"is below the minimum {shown[0]}", p.min() < lo))
    if hi is not None:
        out.append(_Problem(p > hi, f"is above the maximum {shown[1]}", p.max() > hi))
    return out


def _int_field(name: str, dtype: pl.DataType, lo: Any, hi: Any) -> _Field:
    c = pl.col(name)
    slow = None
    reason = "is not a whole number"
    if dtype.is_integer():
        p = c  # any integer type: normalised to Int32 once the bounds are checked
    elif dtype == pl.Boolean:  # a flag in a number column is a mistake, not 1/0
        p = pl.lit(None, pl.Int64)
        reason = "is true/false, not a whole number"
    elif dtype.is_float():
        p = pl.when(c == c.floor()).then(c.cast(pl.Int64, strict=False))
    elif dtype.is_decimal():
        as_int = c.cast(pl.Int64, strict=False)
        p = pl.when(as_int.cast(dtype) == c).then(as_int)
    elif _is_text(dtype):
        # parsed as Int32 when the bounds fit (twice as quick as Int64); a value beyond
        # Int32 is out of bounds: the slow path keeps its side, for the bounds' reason
        narrow = lo is not None and hi is not None and int(lo) >= -(2**31) \
            and int(hi) < 2**31
        p = c.cast(pl.String).cast(pl.Int32 if narrow else pl.Int64, strict=False)
        whole = _text(c).str.extract(r"^([+-]?\d+)(?:\.0*)?$", 1).cast(pl.Int64, strict=False)
        slow = {_p(name): whole.clip(-(2**31), 2**31 - 1) if narrow else whole}
    else:
        p = pl.lit(None, pl.Int64)
    pc = pl.col(_p(name))
    return _Field(name, {_p(name): p}, [
        _failed(c, pc, reason),
        *_bounds(pc, None if lo is None else int(lo), None if hi is None else int(hi),
                 (lo, hi))], slow)


def _bool_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    slow = None
    if dtype == pl.Boolean:
        p = c
    elif dtype.is_numeric():
        p = pl.when(c == 1).then(True).when(c == 0).then(False)
    elif _is_text(dtype):
        text = c.cast(pl.String)
        p = pl.when(text == "true").then(True).when(text == "false").then(False)
        slow = {_p(name): text.str.to_lowercase().replace_strict(  # no spaces, as pydantic
            _BOOL_WORDS, default=None, return_dtype=pl.Boolean)}
    else:
        p = pl.lit(None, pl.Boolean)
    return _Field(name, {_p(name): p}, [
        _failed(c, pl.col(_p(name)), "is not true/false")], slow)


def _level_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    info = vocabulary()[name]
    enum = pl.Enum(list(info.levels))
    slow = None
    if dtype == enum:
        p = c
    elif _is_text(dtype):
        p = c.cast(pl.String).cast(enum, strict=False)
        if info.aliases:  # Chinese names: 本科, 大专, 硕士 …
            slow = {_p(name): c.cast(pl.String).replace_strict(
                dict(info.aliases), default=None, return_dtype=pl.String)
                .cast(enum, strict=False)}
    else:
        p = pl.lit(None, enum)
    return _Field(name, {_p(name): p}, [
        _failed(c, pl.col(_p(name)), f"is not a level of {name} ({', '.join(info.levels)})")],
        slow)


def _decimal_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    info = vocabulary()[name]
    places = decimal_places(name)
    scale = 10**places
    target = pl.Decimal(38, places)
    parse: dict[str, pl.Expr]
    slow = None
    problems: list[_Problem] = []
    if dtype.is_integer():
        parse = {_p(name): c.cast(pl.Int128, strict=False) * scale}
    elif dtype.is_decimal():
        fine = c.cast(target, strict=False)
        parse = {_p(name): fine.reinterpret(dtype=pl.Int128)}
        if (getattr(dtype, "scale", 0) or 0) > places:
            problems.append(_Problem(fine.cast(dtype, strict=False) != c,
                                     f"has more than {places} decimal places"))
    elif dtype.is_float() or _is_text(dtype):
        # quick: a plain number with at most `places` decimals; slow: the rest, checking
        # that the decimals beyond `places` are zeros ("12.340" is 12.34)
        # (the places, and whether it has an exponent, in one pass over the cells' views)
        text = c.cast(pl.String)
        few = text.map_batches(partial(few_places, places=places), return_dtype=pl.Boolean)
        parse = {_p(name): pl.when(few).then(
                     text.cast(target, strict=False).reinterpret(dtype=pl.Int128)),
                 _p(name, "/fine"): pl.lit(True)}
        stripped = _text(c)
        # an exponent ("1e-3", "1.5E2", a float written so): its places worked out exactly
        exponent = stripped.map_elements(partial(_within_places, places=places),
                                         return_dtype=pl.Boolean)
        slow = {_p(name): stripped.cast(target, strict=False).reinterpret(dtype=pl.Int128),
                _p(name, "/fine"): pl.when(stripped.str.contains("[eE]")).then(exponent)
                .otherwise(~stripped.str.contains(rf"\.\d{{{places}}}\d*[1-9]"))}
        problems.append(_Problem(~pl.col(_p(name, "/fine")),
                                 f"has more than {places} decimal places"))
    else:
        parse = {_p(name): pl.lit(None, pl.Int128)}
    pc = pl.col(_p(name))
    lo = None if info.minimum is None else int(Decimal(info.minimum) * scale)
    hi = None if info.maximum is None else int(Decimal(info.maximum) * scale)
    problems += [_failed(c, pc, "is not a decimal number"),
                 *_bounds(pc, lo, hi, (info.minimum, info.maximum))]
    return _Field(name, parse, problems, slow)


def _within_places(text: str, places: int) -> bool:
    """Whether a number's text has at most `places` decimal places, trailing zeros aside
    ("1.20e-1" has 2, "1e-3" 3); text that is not a number passes (its cast fails)."""
    try:
        value = Decimal(text)
        return not value.is_finite() or value == value.quantize(Decimal(1).scaleb(-places),
                                                                rounding="ROUND_DOWN")
    except ArithmeticError:  # not a number, or too long for any bound: reported otherwise
        return True


def _fraction_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    info = vocabulary()[name]
    one = pl.when(c.is_not_null()).then(pl.lit(1, pl.Int64))
    slow = None
    num: pl.Expr
    den: pl.Expr
    if dtype.is_integer():
        num, den = c.cast(pl.Int64, strict=False), one
    elif dtype.is_decimal():
        num = c.reinterpret(dtype=pl.Int128).cast(pl.Int64, strict=False)
        den = pl.when(c.is_not_null()).then(pl.lit(10 ** (getattr(dtype, "scale", 0) or 0)))
    elif dtype.is_float() or _is_text(dtype):  # whole numbers quickly, then "a/b" and "a.b"
        num = c.cast(pl.String).cast(pl.Int64, strict=False)
        den = pl.when(num.is_not_null()).then(pl.lit(1, pl.Int64))
        slow = {(_p(name) if k == "num" else _p(name, "/den")): e
                for k, e in _fraction_text(c).items()}
    else:
        num = den = pl.lit(None, pl.Int64)
    pn, pd = pl.col(_p(name)), pl.col(_p(name, "/den"))
    problems = [
        _Problem(c.is_not_null() & (pn.is_null() | pd.is_null()),
                 "is not a fraction (a/b), a whole number or a decimal",
                 (pn.null_count() > c.null_count()) | (pd.null_count() > c.null_count())),
        _Problem(pd == 0, "has a zero denominator", pd.min() == 0),
        _Problem(pn < 0, "is below the minimum 0", pn.min() < 0),
    ]
    if info.maximum is not None:
        problems.append(_Problem(pn.cast(pl.Int128) > pd.cast(pl.Int128) * int(info.maximum),
                                 f"is above the maximum {info.maximum}"))
    return _Field(name, {_p(name): num.cast(pl.Int64), _p(name, "/den"): den.cast(pl.Int64)},
                  problems, slow)


def _fraction_text(c: pl.Expr) -> dict[str, pl.Expr]:
    """"a/b", "a" or "a.b" (also signed) as numerator and denominator; null if neither."""
    parts = _text(c).str.split_exact("/", 1)
    top, bottom = parts.struct.field("field_0"), parts.struct.field("field_1")
    whole = top.cast(pl.Int64, strict=False)
    places = top.str.len_chars().cast(pl.Int64) - top.str.find(".", literal=True) - 1
    decimal = pl.when(bottom.is_null() & (places <= 18)).then(
        top.str.replace(".", "", literal=True).cast(pl.Int64, strict=False))
    den: pl.Expr = pl.when(whole.is_not_null()).then(
        pl.when(bottom.is_null()).then(pl.lit(1, pl.Int64))
        .otherwise(bottom.cast(pl.Int64, strict=False)))
    den = pl.coalesce(den, pl.when(decimal.is_not_null()).then(
        pl.lit(10, pl.Int64).pow(places)))
    return {"num": pl.coalesce(whole, decimal), "den": pl.when(den >= 0).then(den)}


def _date_field(name: str, dtype: pl.DataType, on: date) -> _Field:
    c = pl.col(name)
    problems: list[_Problem] = []
    slow = None
    if dtype == pl.Date:
        p = c
    elif isinstance(dtype, pl.Datetime):
        p = c.dt.date()
        problems.append(_Problem(c.dt.time() != pl.time(0), "has a time of day (give a date)"))
    elif _is_text(dtype):  # exactly YYYY-MM-DD, as pydantic (Polars alone takes "1990-1-2",
        # " 990-01-01" and "1990- 1-01"): read from the cells' views, ~3x quicker than a
        # pattern and `to_date`; the few cells they leave (year 0, ...) get both, slowly
        text = c.cast(pl.String)
        p = text.map_batches(iso_dates, return_dtype=pl.Date)
        # (year 0: no Python date, as per record; it used to stop the batch)
        shaped = text.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$") \
            & ~text.str.starts_with("0000")
        slow = {_p(name): pl.when(shaped).then(
            text.str.to_date("%Y-%m-%d", strict=False, cache=False)).otherwise(None)}
    else:
        p = pl.lit(None, pl.Date)
    pc = pl.col(_p(name))
    problems.append(_failed(c, pc, "is not a date (YYYY-MM-DD)"))
    problems.append(_Problem(pc > on, f"is after the evaluation date {on}", pc.max() > on))
    return _Field(name, {_p(name): p}, problems, slow)


_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M",
                     "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _datetime_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    us = pl.Datetime("us")
    if isinstance(dtype, pl.Datetime):
        p = (c.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
             if dtype.time_zone else c).cast(us)
    elif dtype == pl.Date:
        p = c.cast(us)
    elif _is_text(dtype):
        s = _text(c)
        p = pl.coalesce([s.str.to_datetime(f, time_unit="us", strict=False)
                         for f in _DATETIME_FORMATS])
    else:
        p = pl.lit(None, us)
    return _Field(name, {_p(name): p}, [
        _failed(c, pl.col(_p(name)), "is not a date-time (YYYY-MM-DDTHH:MM:SS)")])


def _id_field(name: str, dtype: pl.DataType) -> _Field:
    c = pl.col(name)
    p = c.cast(pl.String) if _is_text(dtype) or dtype.is_integer() else pl.lit(None, pl.String)
    size = pl.col(_p(name)).str.len_chars()
    return _Field(name, {_p(name): p}, [
        _failed(c, pl.col(_p(name)), "is not text"),
        _Problem(size > 200, "is longer than 200 characters", size.max() > 200)])


def _field(name: str, dtype: pl.DataType, on: date) -> _Field:
    if name == "applicant_id":
        return _id_field(name, dtype)
    if name == "birth_date":
        return _date_field(name, dtype, on)
    if name == "applied_at":
        return _datetime_field(name, dtype)
    info = vocabulary()[name]
    if info.kind == "int":
        field = _int_field(name, dtype, info.minimum, info.maximum)
    elif info.kind == "bool":
        field = _bool_field(name, dtype)
    elif info.kind == "level":
        field = _level_field(name, dtype)
    elif info.kind == "decimal":
        field = _decimal_field(name, dtype)
    else:
        field = _fraction_field(name, dtype)
    if info.required:
        c = pl.col(name)
        field.problems.insert(0, _Problem(c.is_null(), "is required by the schedule",
                                          c.null_count() > 0))
    return field


def _parsed(frame: pl.DataFrame, fields: list[_Field], row_offset: int) -> pl.DataFrame:
    """The input with `row` and the parsed `_p.*` columns of every field."""
    out = frame.with_row_index("row").with_columns(
        (pl.col("row").cast(pl.Int64) + row_offset).alias("row"),
        *(e.alias(k) for f in fields for k, e in f.parse.items()))
    fixes = []
    for f in fields:
        if f.slow is None:
            continue
        first = next(iter(f.parse))
        if out[first].null_count() == out[f.name].null_count():  # the quick way took all
            continue
        missed = (out[first].is_null() & out[f.name].is_not_null()).arg_true()
        if missed.len() == 0:
            continue
        redo = out.select(f.name).gather(missed).select(
            e.cast(out[k].dtype).alias(k) for k, e in f.slow.items())
        fixes += [out[k].clone().scatter(missed, redo[k]) for k in f.slow]
    return out.with_columns(fixes) if fixes else out


def _int_type(name: str) -> pl.DataType:
    """Int32 for an integer fact whose bounds fit (all of them today), else Int64."""
    info = vocabulary()[name]
    fits = info.maximum is not None and info.minimum is not None \
        and int(info.minimum) >= -(2**31) and int(info.maximum) < 2**31
    return pl.Int32() if fits else pl.Int64()


def _normalised(name: str, present: bool, nulls: bool) -> list[pl.Expr]:
    """The `_f.<name>` column(s) of a fact: its parsed value, or the `Applicant` default.

    Only rows whose every cell is valid get here, so the casts cannot fail.
    """
    info = vocabulary()[name]
    # a required fact has no default: rows without it were rejected, any value fills
    default = attrs.evolve(info, required=False).default
    dtype: pl.DataType
    if info.kind == "int":
        dtype = _int_type(name)
        value: Any = int(default)
    elif info.kind == "bool":  # an optional flag not given stays absent (null)
        dtype, value = pl.Boolean(), None if info.optional else bool(default)
    elif info.kind == "level":
        dtype, value = pl.Enum(list(info.levels)), default
    elif info.kind == "decimal":
        dtype, value = pl.Int64(), int(Decimal(default) * 10 ** decimal_places(name))
    else:
        num, den = pl.lit(int(default), pl.Int64), pl.lit(1, pl.Int64)
        if present:
            num = pl.col(_p(name)).fill_null(num) if nulls else pl.col(_p(name))
            den = pl.col(_p(name, "/den")).fill_null(den) if nulls else pl.col(_p(name, "/den"))
        return [num.alias(fact_col(name)), den.alias(den_col(name))]
    fill = pl.lit(value, pl.String).cast(dtype) if info.kind == "level" else pl.lit(value, dtype)
    if not present:
        return [fill.alias(fact_col(name))]
    col = pl.col(_p(name)).cast(dtype, strict=False)
    return [(col.fill_null(fill) if nulls else col).alias(fact_col(name))]


def _full_years(birth: pl.Expr, day: date) -> pl.Expr:
    """Full years of age on `day` of a birth date column."""
    later = (birth.dt.month().cast(pl.Int64) * 100 + birth.dt.day().cast(pl.Int64)) \
        > day.month * 100 + day.day
    return pl.lit(day.year, pl.Int64) - birth.dt.year().cast(pl.Int64) - later.cast(pl.Int64)


#: birth dates spanning more days than this are worked out per row, not looked up
_MAX_DAYS = 200_000
_EPOCH = date(1970, 1, 1)


def _per_day(derive: Any, birth: pl.Expr, span: tuple[Any, Any] | None) -> pl.Expr:
    """`derive(birth)` looked up in a table of its value on every day of `span` (the birth
    dates' range): the same expression run once a day, not once a row (splitting a date
    into year, month and day is the costly part)."""
    if span is None or None in span or (span[1] - span[0]).days > _MAX_DAYS:
        return derive(birth)  # type: ignore[no-any-return]
    days = pl.select(pl.date_range(span[0], span[1], eager=True).alias("d"))
    table = days.select(derive(pl.col("d"))).to_series()
    return pl.lit(table).gather(birth.to_physical().cast(pl.Int64) - (span[0] - _EPOCH).days)


def _age_problems(present: set[str], on: date, span: tuple[Any, Any] | None = None,
                  ) -> tuple[pl.Expr, list[tuple[str, _Problem]]]:
    """The age on `on` (from birth_date, else age) and the row-level problems; `span`: the
    lowest and highest birth date, if known."""
    age = pl.col(_p("age")) if "age" in present else pl.lit(None, pl.Int64)
    birth = pl.col(_p("birth_date")) if "birth_date" in present else pl.lit(None, pl.Date)
    derived = _per_day(lambda b: _full_years(b, on), birth, span)
    problems: list[tuple[str, _Problem]] = []
    missing = [pl.col(n).is_null() for n in ("age", "birth_date") if n in present]
    if missing:
        both = pl.all_horizontal(missing)
        problems.append(("age", _Problem(both, "give age or birth_date")))
    if "birth_date" in present:  # the age bound holds for a derived age too
        top = int(vocabulary()["age"].maximum or 0)
        problems.append(("birth_date", _Problem(derived > top, pl.format(
            "gives an age of {} on {}, above the maximum {}", derived, pl.lit(str(on)),
            pl.lit(top)))))
    if "age" in present and "birth_date" in present:
        differ = age.is_not_null() & derived.is_not_null() & (age != derived)
        problems.append(("age", _Problem(differ, pl.format(
            "does not match birth_date on {} ({})", pl.lit(str(on)), derived))))
    return pl.coalesce(derived, age).cast(_int_type("age"), strict=False), problems


def _years_begun(present: set[str], on: date, span: tuple[Any, Any] | None = None,
                 ) -> tuple[pl.Expr, list[tuple[str, _Problem]]]:
    """Years of age begun on `on` (`Applicant.years_begun_on`) and the row-level problems."""
    given = pl.col(_p("age_years_begun")) if "age_years_begun" in present \
        else pl.lit(None, pl.Int64)
    age = pl.col(_p("age")) if "age" in present else pl.lit(None, pl.Int64)
    birth = pl.col(_p("birth_date")) if "birth_date" in present else pl.lit(None, pl.Date)

    def begun(b: pl.Expr) -> pl.Expr:
        now = _full_years(b, on)  # not a birthday: +1
        return now + (now == _full_years(b, on - timedelta(days=1))).cast(pl.Int64)

    derived = _per_day(begun, birth, span)
    problems: list[tuple[str, _Problem]] = []
    if "age_years_begun" in present and "birth_date" in present:
        differ = given.is_not_null() & derived.is_not_null() & (given != derived)
        problems.append(("age_years_begun", _Problem(differ, pl.format(
            "does not match birth_date on {} ({})", pl.lit(str(on)), derived))))
    return (pl.coalesce(derived, given, age).cast(_int_type("age_years_begun"), strict=False),
            problems)


def score_frame(
    data: pl.DataFrame | Any,
    schedule: Schedule | str,
    *,
    purpose: str | None = None,
    on: date | str,
    row_offset: int = 1,
    extra: Literal["forbid", "ignore"] = "forbid",
    outputs: Sequence[str] | None = None,
    columns: Literal["all", "read"] = "all",
) -> BatchResult:
    """Score every row of `data` under `schedule`; bad rows go to `rejects`, none is lost.

    `data` is a Polars or pandas data frame with one column per fact (see the module
    docstring for the accepted forms); `schedule` a `Schedule` or a bundled id or path;
    `purpose` one of the schedule's purposes (default: its `default_purpose`); `on` the
    evaluation date (age from `birth_date`; a string must be ISO `YYYY-MM-DD`); `row_offset`
    the number of the first row (for chunks of a longer file). Unknown columns raise
    `InputError` unless `extra="ignore"`. `outputs` names the scored columns to keep
    (`["total", "eligible", "tier"]`; `row` and `applicant_id` are always kept, in the usual
    order): the others are not computed where they need not be, which is faster and
    smaller. Every row is still validated and rejected as without it. `columns="read"`
    skips the columns `unread_columns` names, as `extra="ignore"` skips unknown ones:
    quicker, but a bad cell there rejects nothing (per record and by default, it does).
    """
    on = evaluation_date(on)
    frame = _polars(data)
    if extra not in ("forbid", "ignore"):
        raise ValueError(f"extra must be 'forbid' or 'ignore', not {extra!r}")
    if not isinstance(schedule, Schedule):
        schedule = load_schedule(schedule)
    if purpose is None:
        purpose = schedule.schedule.default_purpose
    elif purpose not in schedule.purposes:
        raise UnknownPurpose(purpose, schedule.id, list(schedule.purposes))
    wanted = wanted_outputs(schedule, outputs, "applied_at" in frame.columns)
    if columns not in ("all", "read"):
        raise InputError("columns is \"all\" or \"read\"", value=columns)
    frame = frame.drop(unread_columns(schedule, frame.columns)) if columns == "read" else frame
    with vocabulary_scope(schedule.vocabulary):
        return _score_frame(frame, schedule, purpose, on, row_offset, extra, wanted=wanted)


def unread_columns(schedule: Schedule, names: Sequence[str]) -> list[str]:
    """The columns among `names` of facts `schedule` never reads (for any purpose; never
    `age` nor a required fact): what `columns="read"` skips."""
    vocab = schedule.vocabulary
    keep = compile_schedule(schedule).facts | {"age", "age_years_begun"} | {
        n for n, info in vocab.items() if info.required}
    return [n for n in names if n in vocab and n not in keep]


def _score_frame(frame: pl.DataFrame, schedule: Schedule, purpose: str | None, on: date,
                 row_offset: int, extra: str, *, small: bool = True,
                 wanted: frozenset[str] | None = None) -> BatchResult:
    known = {"applicant_id", "birth_date", *vocabulary(), *BATCH_COLUMNS}
    unknown = [c for c in frame.columns if c not in known]
    if unknown and extra == "forbid":
        raise InputError(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            "(not a fact of Applicant; pass extra='ignore' to skip them)", value=unknown)
    if frame.height and "age" not in frame.columns and "birth_date" not in frame.columns:
        raise InputError("the table needs an age or a birth_date column")
    needed = [n for n, i in vocabulary().items() if i.required and n not in frame.columns]
    if frame.height and needed:
        raise InputError(f"the table needs a column for {', '.join(needed)} (required by "
                         f"schedule {schedule.id})", value=needed)

    if 0 < frame.height <= SMALL_ROWS and small:
        def columns() -> pl.Schema:
            empty = _score_frame(frame.head(0), schedule, purpose, on, row_offset, extra,
                                 small=False)
            return empty.scored.schema

        plan_small = small_plan(schedule, purpose, on, frame.schema, columns)
        scored_small = None if plan_small is None else plan_small.score(frame, row_offset,
                                                                        wanted)
        if scored_small is not None:
            assert plan_small is not None
            return BatchResult(scored=scored_small, rejects=_NO_REJECTS.clear(),
                               rows_read=frame.height, places=plan_small.c.places,
                               points_columns=points_columns(plan_small.c))

    present = {c for c in frame.columns if c in known}
    fields = [_field(name, frame.schema[name], on) for name in frame.columns if name in present]

    # parse every column, then find the columns that may hold a bad cell
    parsed = _parsed(frame, fields, row_offset)
    span = None
    if "birth_date" in present:
        births = parsed.get_column(_p("birth_date"))
        span = (births.min(), births.max())
    age, row_problems = _age_problems(present, on, span)
    begun, begun_problems = _years_begun(present, on, span)
    row_problems += begun_problems
    row_problems += check_problems(schedule.applicant_model().checks, present)
    plan = compile_columns(schedule, purpose, on, fraction_top=_fraction_top(parsed))
    checks = [(f.name, pr) for f in fields for pr in f.problems] + row_problems
    verdict = parsed.select(pr.anywhere().alias(f"c{i}") for i, (_, pr) in
                            enumerate(checks)).row(0) if checks else ()
    suspect = [(name, pr) for (name, pr), hit in zip(checks, verdict, strict=True) if hit]

    lf = parsed.lazy()
    if suspect:
        lf = lf.filter(~pl.any_horizontal([pr.row for _, pr in suspect]).fill_null(False))
    nulls = {f.name for f in fields if frame[f.name].null_count()}
    normal = [e for name in sorted(plan.facts - {"age", "age_years_begun"})
              for e in _normalised(name, name in present, name in nulls)]
    lf = lf.with_columns(age.alias(fact_col("age")),
                         begun.alias(fact_col("age_years_begun")), *normal)
    for stage in plan.stages:
        lf = lf.with_columns(stage)
    keep = [pl.col("row"),
            (pl.col(_p("applicant_id")) if "applicant_id" in present
             else pl.lit(None, pl.String)).alias("applicant_id")]
    tail = [pl.col(_p("applied_at")).alias("applied_at")] if "applied_at" in present else []
    tail.insert(0, pl.lit(schedule.in_force(on), pl.Boolean).alias("in_force"))
    outputs = list(plan.outputs)
    if wanted is not None:
        outputs = [e for e in outputs if e.meta.output_name() in wanted]
        tail = [e for e in tail if e.meta.output_name() in wanted]
    branch_cols = branch_masks(plan.branches, fact_col)
    lf = lf.select(*keep, *outputs, *tail, *branch_cols)
    scored = lf.collect()
    wrong = branch_rejects(scored, plan.branches) if plan.branches else None
    if wrong is not None:
        scored = scored.filter(~pl.col("row").is_in(wrong["row"].implode()))
    scored = scored.drop([f"_b.{b.id}" for b in plan.branches])

    if scored.height == frame.height:
        rejects = pl.DataFrame(schema=_REJECTS_SCHEMA)
    else:
        rejects = _rejects(parsed, suspect) if suspect else pl.DataFrame(schema=_REJECTS_SCHEMA)
        if wrong is not None:
            rejects = pl.concat([rejects, wrong]).sort("row", maintain_order=True)
    return BatchResult(scored=scored, rejects=rejects, rows_read=frame.height,
                       places=plan.places, points_columns=plan.points_columns)


def _fraction_top(parsed: pl.DataFrame) -> int | None:
    """A bound of every fraction's numerator and denominator (2**15 or 2**31), if any."""
    cols = [c for name, info in vocabulary().items() if info.kind == "fraction"
            for c in (_p(name), _p(name, "/den")) if c in parsed.columns]
    if not cols:
        return 2**15
    top = parsed.select(pl.max_horizontal(pl.col(cols).abs().max())).item()
    if top is None or top < 2**15:
        return 2**15
    return 2**31 if top < 2**31 else None


def _rejects(parsed: pl.DataFrame, checks: list[tuple[str, _Problem]]) -> pl.DataFrame:
    """One row per bad cell: row, field, value, reason (the first problem of the cell)."""
    by_field: dict[str, list[_Problem]] = {}
    for name, pr in checks:
        by_field.setdefault(name, []).append(pr)
    parts = []
    for name, problems in by_field.items():
        reason: Any = None
        for pr in problems:
            text = pl.lit(pr.reason) if isinstance(pr.reason, str) else pr.reason
            reason = (pl.when(pr.row) if reason is None else reason.when(pr.row)).then(text)
        value = pl.col(name).cast(pl.String, strict=False) if name in parsed.columns \
            else pl.lit(None, pl.String)
        parts.append(parsed.lazy().select(
            pl.col("row"), pl.lit(name).alias("field"), value.alias("value"),
            reason.otherwise(None).cast(pl.String).alias("reason"),
        ).filter(pl.col("reason").is_not_null()))
    order = {name: i for i, name in enumerate(by_field)}
    out = pl.concat(pl.collect_all(parts), how="vertical")
    out = out.with_columns(pl.col("field").replace_strict(order, return_dtype=pl.Int64)
                           .alias("_o")).sort("row", "_o").drop("_o")
    return out.cast(_REJECTS_SCHEMA)  # type: ignore[arg-type]


def _polars(data: Any) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        return data
    if type(data).__module__.split(".")[0] == "pandas":
        return pl.from_pandas(data)
    raise InputError(f"expected a Polars or pandas DataFrame, not {type(data).__name__}")
