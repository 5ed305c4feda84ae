"""In columns: one table of records of one kind → its valid records, typed, and its problems.

The same rules as `_validate.read_value` and `_engine.read_records`, as Polars expressions:
a row with any problem is refused (one problem row per bad field), the others are typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from ..facts import FACTS, LEVEL_ALIASES
from ._spec import SHAPE_FIELDS, FieldSpec, KindSpec
from ._validate import DATE_MAX, DATE_MIN, INT_LIMIT, TEXT_MAX, Reason

__all__ = ["PROBLEM_SCHEMA", "check_kind", "unknown_kind"]

#: the columns of a problem row: record, kind, applicant, field, value (as text), reason
PROBLEM_SCHEMA = pl.Schema({
    "row": pl.Int64, "record_id": pl.String, "kind": pl.String, "applicant_id": pl.String,
    "field": pl.String, "value": pl.String, "reason": pl.String})

_INTS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_TRUE = ["true", "1", "是"]
_FALSE = ["false", "0", "否"]


def _is_int(dtype: pl.DataType) -> bool:
    return any(dtype == t for t in _INTS)


def _present(c: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return c.is_not_null() & (c.str.strip_chars() != "")
    return c.is_not_null()


def _text_of(c: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A value as the rejects file shows it."""
    if dtype == pl.Null:
        return pl.lit("", dtype=pl.String)
    return c.cast(pl.String).fill_null("")


def _reason(*pairs: tuple[pl.Expr, str]) -> pl.Expr:
    """The first reason whose condition holds, else null."""
    if not pairs:
        return pl.lit(None, dtype=pl.String)
    out: Any = pl
    for cond, why in pairs:
        out = out.when(cond).then(pl.lit(why))
    return out.otherwise(pl.lit(None, dtype=pl.String))  # type: ignore[no-any-return]


def _bounds(v: pl.Expr, spec: FieldSpec | None, pairs: list[tuple[pl.Expr, str]]) -> None:
    if spec is not None and spec.min is not None:
        pairs.append((v < spec.min, Reason.below(spec.min)))
    if spec is not None and spec.max is not None:
        pairs.append((v > spec.max, Reason.above(spec.max)))


def parse(ftype: str, spec: FieldSpec | None, c: pl.Expr, dtype: pl.DataType
          ) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, reason or null) of a present value of column `c`."""
    s = c.str.strip_chars() if dtype == pl.String else c
    pairs: list[tuple[pl.Expr, str]] = []
    v: pl.Expr
    if ftype == "text":
        if dtype == pl.String:
            v = s
            pairs.append((s.str.len_chars() > TEXT_MAX, Reason.TOO_LONG))
        elif _is_int(dtype):
            v = c.cast(pl.String)
        else:
            v, pairs = pl.lit(None, dtype=pl.String), [(pl.lit(True), Reason.NOT_TEXT)]
        return v, _reason(*pairs)
    if ftype == "date":
        if dtype == pl.String:
            v = s.str.to_date("%Y-%m-%d", strict=False)
            pairs.append((~s.str.contains(r"^\d{4}-\d{2}-\d{2}$") | v.is_null(),
                          Reason.NOT_DATE))
        elif dtype == pl.Date:
            v = c
        elif isinstance(dtype, pl.Datetime):
            v = c.dt.date()
        else:
            return pl.lit(None, dtype=pl.Date), _reason((pl.lit(True), Reason.NOT_DATE))
        pairs.append(((v < DATE_MIN) | (v > DATE_MAX), Reason.DATE_RANGE))
        return v, _reason(*pairs)
    if ftype == "bool":
        if dtype == pl.Boolean:
            return c, _reason()
        if _is_int(dtype):
            return c == 1, _reason((~c.is_in([0, 1]), Reason.NOT_BOOL))
        if dtype == pl.String:
            low = s.str.to_lowercase()
            v = pl.when(low.is_in(_TRUE)).then(True).when(low.is_in(_FALSE)).then(False) \
                .otherwise(None)
            return v, _reason((v.is_null(), Reason.NOT_BOOL))
        return pl.lit(None, dtype=pl.Boolean), _reason((pl.lit(True), Reason.NOT_BOOL))
    if ftype == "int":
        if dtype == pl.String:
            ok = s.str.contains(r"^[+-]?\d{1,18}$")
            v = pl.when(ok).then(s.str.strip_prefix("+")).cast(pl.Int64, strict=False)
            pairs.append((~ok, Reason.NOT_INT))
        elif _is_int(dtype):
            v = c.cast(pl.Int64, strict=False)
            pairs.append((v.is_null(), Reason.above(INT_LIMIT - 1)))
        elif dtype in (pl.Float32, pl.Float64) or isinstance(dtype, pl.Decimal):
            f = c.cast(pl.Float64)
            ok = (f == f.floor()) & (f.abs() < INT_LIMIT)
            v = pl.when(ok).then(c).cast(pl.Int64, strict=False)
            pairs.append((~ok, Reason.NOT_INT))
        else:
            return pl.lit(None, dtype=pl.Int64), _reason((pl.lit(True), Reason.NOT_INT))
        pairs.append((v >= INT_LIMIT, Reason.above(INT_LIMIT - 1)))
        pairs.append((v <= -INT_LIMIT, Reason.below(1 - INT_LIMIT)))
        _bounds(v, spec, pairs)
        return v, _reason(*pairs)
    if ftype == "decimal":
        scale = spec.places if spec is not None and spec.places is not None else 18
        if _is_int(dtype):
            t = c.cast(pl.String)
        elif dtype == pl.String or dtype in (pl.Float32, pl.Float64) \
                or isinstance(dtype, pl.Decimal):
            t = s.cast(pl.String)
        else:
            return (pl.lit(None, dtype=pl.Decimal(38, scale)),
                    _reason((pl.lit(True), Reason.NOT_NUMBER)))
        ok = t.str.contains(r"^[+-]?\d{1,18}(\.\d{1,18})?$")
        pairs.append((~ok, Reason.NOT_NUMBER))
        whole = t.str.extract(r"^[+-]?(\d+)", 1).str.strip_chars_start("0")
        big = whole.str.len_chars() >= 16
        neg = t.str.starts_with("-")
        pairs.append((big & ~neg, Reason.above(INT_LIMIT - 1)))
        pairs.append((big & neg, Reason.below(1 - INT_LIMIT)))
        places = t.str.extract(r"\.(\d*?)0*$", 1).str.len_chars().fill_null(0)
        if spec is not None and spec.places is not None:
            pairs.append((places > spec.places, Reason.places(spec.places)))
        fits = ok & ~big & (places <= scale)
        v = pl.when(fits).then(t.str.strip_prefix("+")).cast(pl.Decimal(38, scale),
                                                             strict=False)
        _bounds(v, spec, pairs)
        return v, _reason(*pairs)
    if ftype == "choice":
        assert spec is not None and spec.values is not None
        if dtype == pl.String:
            return s, _reason((~s.is_in(list(spec.values)), Reason.not_choice(spec.values)))
        return pl.lit(None, dtype=pl.String), _reason(
            (pl.lit(True), Reason.not_choice(list(spec.values))))
    raise AssertionError(ftype)  # pragma: no cover


def _level_map(fact: str) -> dict[str, str]:
    info = FACTS[fact]
    out = {lv: lv for lv in info.levels}
    if info.level_type is not None:
        for alias, lv in LEVEL_ALIASES.get(info.level_type, {}).items():
            out.setdefault(alias, lv)
    return out


def _level(spec: FieldSpec, c: pl.Expr, dtype: pl.DataType, typed: Mapping[str, pl.Expr]
           ) -> tuple[pl.Expr, pl.Expr]:
    """(level, reason or null) of a level field: the fact is fixed or chosen by a field."""
    if spec.level_fact is not None:
        by: list[tuple[pl.Expr, str]] = [(pl.lit(True), spec.level_fact)]
    else:
        assert spec.levels_of is not None
        ctrl = typed[spec.levels_of.field]
        by = [(ctrl == value, fact) for value, fact in spec.levels_of.facts.items()]
    if dtype != pl.String:
        v = pl.lit(None, dtype=pl.String)
        reason: Any = pl
        for cond, fact in by:
            reason = reason.when(cond).then(pl.lit(Reason.not_level(fact)))
        return v, reason.otherwise(pl.lit(None, dtype=pl.String))
    s = c.str.strip_chars()
    out: Any = pl
    why: Any = pl
    for cond, fact in by:
        mapped = s.replace_strict(_level_map(fact), default=None, return_dtype=pl.String)
        out = out.when(cond).then(mapped)
        why = why.when(cond & mapped.is_null()).then(pl.lit(Reason.not_level(fact)))
    return (out.otherwise(pl.lit(None, dtype=pl.String)),
            why.otherwise(pl.lit(None, dtype=pl.String)))


def _literal(v: Any, ftype: str, spec: FieldSpec | None) -> pl.Expr:
    if ftype == "decimal":
        scale = spec.places if spec is not None and spec.places is not None else 18
        return pl.lit(None if v is None else str(v), dtype=pl.String).cast(
            pl.Decimal(38, scale))
    dtypes = {"date": pl.Date, "int": pl.Int64, "bool": pl.Boolean}
    return pl.lit(v, dtype=dtypes.get(ftype, pl.String))


def _numbered(frame: pl.DataFrame, row_column: str | None) -> pl.DataFrame:
    """The frame with its row numbers in `row` (from `row_column`, else 1, 2, 3, ...)."""
    if row_column is not None and row_column in frame.columns:
        return frame.rename({row_column: "row"}).with_columns(pl.col("row").cast(pl.Int64))
    return frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))


def unknown_kind(kind: str, frame: pl.DataFrame, row_column: str | None = None
                 ) -> pl.DataFrame:
    """Every row of a table of an unknown kind, refused."""
    df = _numbered(frame, row_column)
    rid = (pl.col("record_id").cast(pl.String).str.strip_chars()
           if "record_id" in df.columns else pl.lit(None, dtype=pl.String))
    aid = (pl.col("applicant_id").cast(pl.String).str.strip_chars()
           if "applicant_id" in df.columns else pl.lit(None, dtype=pl.String))
    return df.select(
        pl.col("row").cast(pl.Int64),
        record_id=pl.when(rid.is_null() | (rid == "")).then(
            pl.lit(f"{kind}:") + pl.col("row").cast(pl.String)).otherwise(rid),
        kind=pl.lit(kind), applicant_id=aid, field=pl.lit("kind"), value=pl.lit(kind),
        reason=pl.lit(Reason.UNKNOWN_KIND))


def check_kind(kind: str, kspec: KindSpec, frame: pl.DataFrame, *,
               applicants: pl.DataFrame | None = None, row_column: str | None = None,
               ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid records, problems) of one table of records of `kind`.

    Valid records have `row` (1-based place in the table), `record_id`, `applicant_id` and
    every field typed (defaults filled). `applicants`, when given, has `applicant_id` and
    `birth_date` (may be null): records of others are refused, and dates before birth.
    `row_column` names a column holding the row numbers (else rows count from 1).
    """
    numbered = _numbered(frame, row_column)
    schema = numbered.drop("row").schema
    df = numbered.lazy()
    shape = SHAPE_FIELDS[kspec.shape]
    fields: list[tuple[str, str, FieldSpec | None, bool]] = [
        (n, "int" if n == "year" else "date", None, n != "end") for n in shape]
    fields += [(n, f.type, f, f.required) for n, f in kspec.fields.items() if f.type != "level"]
    levels = [(n, f) for n, f in kspec.fields.items() if f.type == "level"]
    known = {"kind", "record_id", "applicant_id", *shape, *kspec.fields}

    def col(name: str) -> tuple[pl.Expr, pl.DataType]:
        if name in schema:
            return pl.col(name), schema[name]
        return pl.lit(None, dtype=pl.Null), pl.Null()

    ident: dict[str, pl.Expr] = {}
    for name in ("record_id", "applicant_id"):
        c, dt = col(name)
        v, why = parse("text", None, c, dt)
        ident[name] = pl.when(_present(c, dt) & why.is_null()).then(v).otherwise(None)
    rid = pl.when(ident["record_id"].is_not_null()).then(ident["record_id"]).otherwise(
        pl.lit(f"{kind}:") + pl.col("row").cast(pl.String))
    aid = ident["applicant_id"]
    typed: dict[str, pl.Expr] = {}
    reasons: dict[str, pl.Expr] = {}
    for name, ftype, spec, required in fields:
        c, dt = col(name)
        here = _present(c, dt)
        v, why = parse(ftype, spec, c, dt) if dt != pl.Null else (_literal(None, ftype, spec),
                                                                  pl.lit(None, pl.String))
        if name == "year":
            why = pl.when(why.is_null() & ((v < 1900) | (v > 2199))).then(
                pl.lit(Reason.DATE_RANGE)).otherwise(why)
        default = _literal(spec.default if spec is not None else None, ftype, spec)
        typed[name] = pl.when(here).then(v).otherwise(default)
        reasons[name] = (pl.when(~here).then(pl.lit(Reason.MISSING if required else None,
                                                    dtype=pl.String)).otherwise(why))
    stage = df.with_columns(**{f"_v_{n}": e for n, e in typed.items()})
    for name, spec in levels:
        c, dt = col(name)
        here = _present(c, dt)
        v, why = _level(spec, c, dt, {n: pl.col(f"_v_{n}") for n in typed})
        typed[name] = pl.when(here).then(v).otherwise(_literal(spec.default, "text", spec))
        reasons[name] = pl.when(~here).then(
            pl.lit(Reason.MISSING if spec.required else None, dtype=pl.String)).otherwise(why)
    for name in schema:
        if name not in known:
            c, dt = col(name)
            reasons[name] = pl.when(_present(c, dt)).then(pl.lit(Reason.UNKNOWN_FIELD))
    ok = pl.all_horizontal([pl.col(f"_r_{n}").is_null() for n in reasons]) \
        if reasons else pl.lit(True)
    done = stage.with_columns(
        _rid=rid, _aid=aid, **{f"_v_{n}": e for n, e in typed.items()},
        **{f"_r_{n}": e.cast(pl.String) for n, e in reasons.items()}).with_columns(_ok=ok)
    valid, bad_rows = pl.collect_all([
        done.filter(pl.col("_ok")).select("row", record_id="_rid", applicant_id="_aid",
                                          **{n: f"_v_{n}" for n in typed}),
        done.filter(~pl.col("_ok"))])  # few: the problems are read from these alone
    problems = [
        bad_rows.filter(pl.col(f"_r_{n}").is_not_null()).select(
            "row", record_id="_rid", kind=pl.lit(kind), applicant_id="_aid", field=pl.lit(n),
            value=pl.when(pl.col(f"_r_{n}") == Reason.MISSING).then(pl.lit("")).otherwise(
                _text_of(col(n)[0], col(n)[1])), reason=f"_r_{n}")
        for n in reasons] if bad_rows.height else []
    checks: list[tuple[pl.Expr, str, str, pl.Expr]] = []
    if applicants is not None:
        valid = valid.join(applicants.select("applicant_id", _birth="birth_date"),
                           on="applicant_id", how="left")
        known_ids = pl.col("applicant_id").is_in(applicants["applicant_id"].implode())
        checks.append((~known_ids, "applicant_id", Reason.NO_APPLICANT,
                       pl.col("applicant_id")))
    if kspec.shape == "interval":
        checks.append((pl.col("end") < pl.col("start"), "end", Reason.END_BEFORE_START,
                       pl.col("end").cast(pl.String)))
    if applicants is not None:
        first = shape[0]
        early = (pl.col(first) < pl.col("_birth").dt.year()) if first == "year" \
            else (pl.col(first) < pl.col("_birth"))
        checks.append((early.fill_null(False), first, Reason.BEFORE_BIRTH,
                       pl.col(first).cast(pl.String)))
    for cond, field, words, shown in checks:
        bad = valid.filter(cond.fill_null(False))
        if bad.height:
            problems.append(bad.select("row", "record_id", kind=pl.lit(kind),
                                       applicant_id="applicant_id", field=pl.lit(field),
                                       value=shown.fill_null(""), reason=pl.lit(words)))
            valid = valid.filter(~cond.fill_null(False))
    dup = valid.select(pl.struct("applicant_id", "record_id").is_first_distinct()).to_series()
    if not dup.all():
        problems.append(valid.filter(~dup).select(
            "row", "record_id", kind=pl.lit(kind), applicant_id="applicant_id",
            field=pl.lit("record_id"), value="record_id", reason=pl.lit(Reason.DUPLICATE)))
        valid = valid.filter(dup)
    if "_birth" in valid.columns:
        valid = valid.drop("_birth")
    out = pl.concat([p.cast(PROBLEM_SCHEMA) for p in problems]) if problems else \
        pl.DataFrame(schema=PROBLEM_SCHEMA)
    return valid, out

