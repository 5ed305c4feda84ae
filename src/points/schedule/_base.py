"""The building blocks of the schedule format shared by `model` and the rule kinds.

`points.schedule.kinds` defines each rule kind's table on `FactorBase`; `model` assembles the whole
format from the kinds registered there, so adding a kind never edits `model`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Band", "FactorBase", "Id", "Label", "Points", "Sourced", "Status", "Strict"]

Status = Literal["confirmed", "provisional"]
Points = Decimal
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Label(Strict):
    """A label in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Sourced(Strict):
    ref: str = Field(min_length=1, description="Legal reference: document number and article.")
    status: Status = Field(description="confirmed against the official text, or provisional.")
    note: str | None = None


class FactorBase(Sourced):
    """The keys every factor and deduction has, whatever its rule kind."""

    label: Label
    rule: str  # each kind narrows it to its own name
    fact: str
    group: Id | None = None
    when: str | None = Field(default=None, description="A true/false fact the factor needs.")
    purposes: list[Id] | None = Field(
        default=None, description="Deductions only: the purposes they apply to (all if absent).")


class Band(Strict):
    """`min <= value < below` scores `points`, plus `slope` per full unit above `min`."""

    min: Decimal
    below: Decimal | None = None
    points: Points
    slope: Points = Decimal(0)
