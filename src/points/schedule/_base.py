"""The building blocks of the schedule format shared by `model` and the rule kinds.

`points.schedule.kinds` defines each rule kind's table on `FactorBase`; `model` assembles the whole
format from the kinds registered there, so adding a kind never edits `model`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

__all__ = ["AllOf", "AnyOf", "Band", "Condition", "FactCondition", "FactorBase", "Id", "Label",
           "NotOf", "Points", "ScoreCondition", "Sourced", "Status", "Strict", "When",
           "condition_facts", "when_names"]

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


# --- conditions --------------------------------------------------------------------------

Scalar = bool | int | Decimal | str | date


class _Compare(Strict):
    lt: Scalar | None = None
    le: Scalar | None = None
    gt: Scalar | None = None
    ge: Scalar | None = None
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_operator(self) -> _Compare:
        ops = self.operators()
        if len(ops) != 1:
            raise ValueError(
                "give exactly one comparison of lt, le, gt, ge, eq, ne, in "
                f"(got {', '.join(ops) or 'none'})")
        return self

    def operators(self) -> list[str]:
        return [k for k in ("lt", "le", "gt", "ge", "eq", "ne", "in_")
                if getattr(self, k) is not None]

    def comparison(self) -> tuple[str, Any]:
        op = self.operators()[0]
        return ("in" if op == "in_" else op), getattr(self, op)


class FactCondition(_Compare):
    """Compares a fact with a value: `{ fact = "age", le = 45 }`."""

    fact: str


class ScoreCondition(_Compare):
    """Compares a score with a value: `"total"`, a group id or a factor id."""

    score: str


class AllOf(Strict):
    """True when every condition is."""

    all: list[Condition] = Field(min_length=1)


class AnyOf(Strict):
    """True when at least one condition is."""

    any: list[Condition] = Field(min_length=1)


class NotOf(Strict):
    """True when the condition is false."""

    not_: Condition = Field(alias="not")


def _condition_tag(v: Any) -> str | None:
    if isinstance(v, dict):
        for key in ("fact", "score", "all", "any", "not"):
            if key in v:
                return f"cond={key}"
        return None
    tags = {FactCondition: "fact", ScoreCondition: "score", AllOf: "all", AnyOf: "any",
            NotOf: "not"}
    tag = tags.get(type(v))  # type: ignore[call-overload]
    return None if tag is None else f"cond={tag}"


Condition = Annotated[
    Annotated[FactCondition, Tag("cond=fact")]
    | Annotated[ScoreCondition, Tag("cond=score")]
    | Annotated[AllOf, Tag("cond=all")]
    | Annotated[AnyOf, Tag("cond=any")]
    | Annotated[NotOf, Tag("cond=not")],
    Discriminator(
        _condition_tag,
        custom_error_type="unknown_condition",
        custom_error_message="a condition needs one of the keys fact, score, all, any, not",
    ),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


def condition_facts(c: Condition) -> list[str]:
    """The facts a condition reads, in order of appearance (repeats kept)."""
    if isinstance(c, AllOf):
        return [n for x in c.all for n in condition_facts(x)]
    if isinstance(c, AnyOf):
        return [n for x in c.any for n in condition_facts(x)]
    if isinstance(c, NotOf):
        return condition_facts(c.not_)
    return [c.fact] if isinstance(c, FactCondition) else []



#: What `when` takes: a true/false fact or a gate by name, or a condition (the gate grammar).
When = str | Condition


def when_names(w: When | None) -> list[str]:
    """The names a `when` reads: the fact or gate it names, or the facts of its condition."""
    if w is None:
        return []
    return [w] if isinstance(w, str) else condition_facts(w)


class FactorBase(Sourced):
    """The keys every factor and deduction has, whatever its rule kind."""

    label: Label
    rule: str  # each kind narrows it to its own name
    fact: str
    group: Id | None = None
    when: When | None = Field(
        default=None, description="When the factor applies: a true/false fact or a gate by "
                                  "name, or a condition table (the gate grammar).")
    purposes: list[Id] | None = Field(
        default=None, description="Deductions only: the purposes they apply to (all if absent).")
    facts: list[str] | None = Field(
        default=None, min_length=2, max_length=16,
        description="One rule over several facts (instead of `fact`): each fact scores by the "
                    "rule, and the factor is their sum or the highest (`combine`).")
    combine: Literal["sum", "highest"] | None = Field(
        default=None, description="With `facts`: add the facts' points (default) or keep the "
                                  "highest.")

    @model_validator(mode="before")
    @classmethod
    def _fact_or_facts(cls, data: Any) -> Any:
        if isinstance(data, dict) and "facts" in data:
            if "fact" in data:
                raise ValueError("give fact or facts, not both")
            facts = data["facts"]
            if isinstance(facts, list) and facts and isinstance(facts[0], str):
                data = {**data, "fact": facts[0]}
        elif isinstance(data, dict) and "combine" in data:
            raise ValueError("combine goes with facts (one rule over several facts)")
        return data


class Band(Strict):
    """`min <= value < below` scores `points`, plus `slope` per full unit above `min`."""

    min: Decimal
    below: Decimal | None = None
    points: Points
    slope: Points = Decimal(0)
