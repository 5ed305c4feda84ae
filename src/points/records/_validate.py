"""Reading one record's values: what each field type accepts, and the reasons for refusing.

Both engines accept the same values and give the same reasons (the column engine builds the
same rules from Polars expressions; the equivalence tests hold them together):

- text: a string (surrounding blanks dropped), or a whole number; at most 200 characters.
- date: a date, or text `YYYY-MM-DD`; from 1900-01-01 to 2199-12-31.
- int: a whole number (not true/false), or its text (`-3`, `12`); within min..max.
- decimal: a number, or its text (`12`, `0.50`); within min..max, at most `places` decimals.
- bool: true/false, 1/0, or the text true/false/1/0/是/否 (any case).
- choice: one of the listed values. level: a level id or Chinese name of the fact chosen.

An empty text is no value. A field that is not required and has no value takes its default.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ._spec import FieldSpec, level_alias

__all__ = ["DATE_MAX", "DATE_MIN", "TEXT_MAX", "Reason", "read_value"]

DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)
TEXT_MAX = 200
#: whole numbers beyond this are refused whatever the field's bounds (Int64 stays exact)
INT_LIMIT = 10**15

_INT = re.compile(r"^[+-]?\d{1,18}$")
_DEC = re.compile(r"^[+-]?\d{1,18}(\.\d{1,18})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "1", "是"}
_FALSE = {"false", "0", "否"}


class Reason:
    """The words of every refusal, shared by both engines."""

    UNKNOWN_KIND = "unknown record kind"
    UNKNOWN_FIELD = "unknown field"
    MISSING = "missing required field"
    NOT_TEXT = "not text"
    TOO_LONG = f"longer than {TEXT_MAX} characters"
    NOT_DATE = "not a date YYYY-MM-DD"
    DATE_RANGE = f"outside {DATE_MIN}..{DATE_MAX}"
    NOT_INT = "not a whole number"
    NOT_NUMBER = "not a number"
    NOT_BOOL = "not true/false"
    END_BEFORE_START = "ends before it starts"
    BEFORE_BIRTH = "dated before the applicant's birth date"
    DUPLICATE = "repeats the record_id of an earlier record of the same kind"
    NO_APPLICANT = "no applicant with this applicant_id"
    OTHER_APPLICANT = "belongs to another applicant"

    @staticmethod
    def not_choice(values: list[str]) -> str:
        shown = ", ".join(values[:12]) + (", ..." if len(values) > 12 else "")
        return f"not one of {shown}"

    @staticmethod
    def not_level(fact: str) -> str:
        return f"not a level of {fact}"

    @staticmethod
    def below(lo: Any) -> str:
        return f"below the minimum {lo}"

    @staticmethod
    def above(hi: Any) -> str:
        return f"above the maximum {hi}"

    @staticmethod
    def places(n: int) -> str:
        return f"more than {n} decimal places"

    @staticmethod
    def overlap(key: str, other: str) -> str:
        return f"overlaps record {other} with the same {key}"

    @staticmethod
    def fact_above(fact: str, hi: Any) -> str:
        return f"derived {fact} is above its maximum {hi}"


def read_value(ftype: str, spec: FieldSpec | None, raw: Any,
               level_fact: str | None = None) -> tuple[Any, str | None]:
    """(value, None) when `raw` is a good value of the type, else (None, reason). `raw` is
    not None and not empty text (the caller handles absent values)."""
    if isinstance(raw, str):
        raw = raw.strip()
    if ftype == "text":
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str):
            return None, Reason.NOT_TEXT
        return (raw, None) if len(raw) <= TEXT_MAX else (None, Reason.TOO_LONG)
    if ftype == "date":
        if isinstance(raw, datetime):
            raw = raw.date()
        if isinstance(raw, str) and _DATE.match(raw):
            try:
                raw = date.fromisoformat(raw)
            except ValueError:
                return None, Reason.NOT_DATE
        if not isinstance(raw, date):
            return None, Reason.NOT_DATE
        if not DATE_MIN <= raw <= DATE_MAX:
            return None, Reason.DATE_RANGE
        return raw, None
    if ftype == "bool":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw), None
        if isinstance(raw, str) and raw.lower() in _TRUE:
            return True, None
        if isinstance(raw, str) and raw.lower() in _FALSE:
            return False, None
        return None, Reason.NOT_BOOL
    if ftype == "int":
        v: Any
        if isinstance(raw, bool):
            return None, Reason.NOT_INT
        whole = (isinstance(raw, float) and raw.is_integer() and abs(raw) < INT_LIMIT) or (
            isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value())
        if isinstance(raw, int):
            v = raw
        elif whole or (isinstance(raw, str) and _INT.match(raw)):
            v = int(raw)
        else:
            return None, Reason.NOT_INT
        if abs(v) >= INT_LIMIT:
            return None, Reason.above(INT_LIMIT - 1) if v > 0 else Reason.below(1 - INT_LIMIT)
        return _bounds(spec, v)
    if ftype == "decimal":
        if isinstance(raw, bool):
            return None, Reason.NOT_NUMBER
        if isinstance(raw, float):
            raw = repr(raw) if raw == raw and abs(raw) < INT_LIMIT else "x"
        if isinstance(raw, int):
            d = Decimal(raw)
        elif isinstance(raw, Decimal) and raw.is_finite():
            d = raw
        elif isinstance(raw, str) and _DEC.match(raw):
            try:
                d = Decimal(raw)
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                return None, Reason.NOT_NUMBER
        else:
            return None, Reason.NOT_NUMBER
        if abs(d) >= INT_LIMIT:
            return None, Reason.above(INT_LIMIT - 1) if d > 0 else Reason.below(1 - INT_LIMIT)
        if spec is not None and spec.places is not None and _places(d) > spec.places:
            return None, Reason.places(spec.places)
        return _bounds(spec, d)
    if ftype == "choice":
        assert spec is not None and spec.values is not None
        if isinstance(raw, str) and raw in spec.values:
            return raw, None
        return None, Reason.not_choice(list(spec.values))
    if ftype == "level":
        assert level_fact is not None
        if isinstance(raw, str):
            found = level_alias(level_fact, raw)
            if found is not None:
                return found, None
        return None, Reason.not_level(level_fact)
    raise AssertionError(ftype)  # pragma: no cover


def _places(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def _bounds(spec: FieldSpec | None, v: Any) -> tuple[Any, str | None]:
    if spec is not None:
        if spec.min is not None and v < spec.min:
            return None, Reason.below(spec.min)
        if spec.max is not None and v > spec.max:
            return None, Reason.above(spec.max)
    return v, None
