"""Month arithmetic on dates, one meaning for both engines.

`add_months(d, k, month_end)` moves a date by whole months. When the day does not exist in
the target month (31 April, 29 February of a common year) `"roll"` gives the first day of the
next month (as `age_on` counts a 29 February birthday on 1 March) and `"clamp"` the last day
of the target month. `months_between(a, b, month_end)` is the number of whole months from
`a` to `b`: the largest n with `add_months(a, n) <= b`.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = ["DAY", "add_months", "days_in_month", "month_index", "month_text",
           "months_between"]

DAY = timedelta(days=1)


def month_index(d: date) -> int:
    """Months since year 0: consecutive calendar months have consecutive indexes."""
    return d.year * 12 + d.month - 1


def month_text(index: int) -> str:
    """`YYYY-MM` of a month index."""
    y, m = divmod(index, 12)
    return f"{y:04d}-{m + 1:02d}"


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(d: date, k: int, month_end: str) -> date:
    """`d` moved by `k` months (k may be negative); see the module text for month ends."""
    y, m = divmod(month_index(d) + k, 12)
    m += 1
    dim = days_in_month(y, m)
    if d.day <= dim:
        return date(y, m, d.day)
    return date(y, m, dim) if month_end == "clamp" else date(y, m, dim) + DAY


def months_between(a: date, b: date, month_end: str) -> int:
    """Whole months from `a` to `b` (`b >= a`): the largest n with add_months(a, n) <= b."""
    n = month_index(b) - month_index(a)
    day = a.day if month_end == "roll" else min(a.day, days_in_month(b.year, b.month))
    return n - 1 if b.day < day else n
