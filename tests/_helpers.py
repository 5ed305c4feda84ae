"""Helpers shared by the golden test files: `from _helpers import Card, Facts, ...`.

pytest finds this module through `pythonpath = ["tests"]` in pyproject.toml; mypy through
the tests folder being checked as a folder of top-level modules.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import points
from points import Applicant, ScoreCard

Facts = dict[str, Any]

#: The five social insurance types, each counted in months.
FIVE = ("pension_months", "medical_months", "unemployment_months", "injury_months",
        "maternity_months")


class Card:
    """`card(facts)`: the score card of `facts` under one schedule, on one date.

    `card = Card("guangzhou/2021", date(2024, 6, 1))`, then `card(facts)`,
    `card(facts, "settlement")` or `card(facts, on=other_day)`. Keyword `defaults` are facts
    every dict of facts starts from (`Card(..., age=30)`); an `Applicant` is scored as it is.
    """

    def __init__(self, schedule: str, on: date, **defaults: Any) -> None:
        self.schedule = schedule
        self.on = on
        self.defaults: Facts = defaults

    def __call__(self, facts: Facts | Applicant, purpose: str | None = None, *,
                 on: date | None = None) -> ScoreCard:
        if isinstance(facts, dict):
            facts = {**self.defaults, **facts}
        return points.score(facts, self.schedule, purpose=purpose,
                            on=self.on if on is None else on)


def insured(months: int) -> Facts:
    """All five insurance types for `months`."""
    return dict.fromkeys(FIVE, months)


def failed(c: ScoreCard) -> set[str]:
    """The ids of the gates the card failed."""
    return {g.id for g in c.gates if not g.passed}


def gate(c: ScoreCard, gid: str) -> bool:
    """Whether gate `gid` passed."""
    return next(g.passed for g in c.gates if g.id == gid)


def assert_line(c: ScoreCard, lid: str, points_: int | str, capped: bool) -> None:
    """Line `lid` scores `points_`, and `capped` says whether its own cap cut it."""
    line = c.line(lid)
    assert line.points == Decimal(points_), lid
    assert line.capped is capped, lid
