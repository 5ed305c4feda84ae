"""The tree a family expands to, the parameter tables families share, and `Family`."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

import attrs
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ...facts import vocabulary
from ..model import Id, Label, Status

#: section ("factors", "groups", "deductions") → id → the TOML table of one entry
Tables = dict[str, dict[str, dict[str, Any]]]
Lines = dict[tuple[str | int, ...], int]

Points = Annotated[Decimal, Field(ge=0, le=1000)]
Negative = Annotated[Decimal, Field(lt=0, ge=-1000)]
Months = Annotated[int, Field(gt=0, le=1200)]
Combine = Literal["sum", "highest"]
InsuranceType = Literal["pension", "medical", "unemployment", "injury", "maternity"]
ResidenceFact = Literal[
    "permit_months", "residence_months", "moved_out_central_months",
    "outer_district_work_and_home_months", "spouse_local_hukou_months"]
EmploymentFact = Literal[
    "pension_months", "medical_months", "unemployment_months", "injury_months",
    "maternity_months", "housing_fund_months", "public_service_field_months",
    "hardship_industry_months", "rd_high_tech_months"]
ALL_TYPES: list[InsuranceType] = ["pension", "medical", "unemployment", "injury", "maternity"]



# --- the tree a family expands to ---------------------------------------------------------


@attrs.frozen
class Part:
    """One generated factor: `rule` is its rule-kind table; `key` the parameter it came from."""

    name: str
    rule: dict[str, Any]
    key: str = ""
    label: tuple[str, str] | None = None  # default: the fact's label


@attrs.frozen
class Node:
    """One generated group of parts and nodes."""

    name: str
    combine: str
    members: list[Part | Node]
    cap: Decimal | None = None
    label: tuple[str, str] | None = None
    within: str | None = None


def simplify(n: Part | Node) -> Part | Node | None:
    """Drop empty groups; a group of one member and no cap is that member."""
    if isinstance(n, Part):
        return n
    members = [m for m in (simplify(x) for x in n.members) if m is not None]
    if not members:
        return None
    if len(members) == 1 and n.cap is None and n.within is None:
        return members[0]
    return attrs.evolve(n, members=members)


def _fact_label(fact: str) -> tuple[str, str]:
    info = vocabulary()[fact]
    return info.zh, info.en[:1].upper() + info.en[1:]


def rate_entry(fact: str, rate: Decimal, per: Decimal | int, cap: Decimal | None = None,
          **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"fact": fact, "rule": "rate", "rate": rate, "per": per}
    if cap is not None:
        out["cap"] = cap
    return {**out, **{k: v for k, v in more.items() if v is not None}}


def flag_entry(fact: str, points: Decimal) -> dict[str, Any]:
    return {"fact": fact, "rule": "flag", "points": points}


def count_entry(fact: str, each: Decimal, cap: Decimal | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"fact": fact, "rule": "count", "each": each}
    if cap is not None:
        out["cap"] = cap
    if vocabulary()[fact].window_years is not None:
        out["window_years"] = vocabulary()[fact].window_years
    return out


# --- parameter tables shared by several families ------------------------------------------


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rate(_Params):
    """`rate` points per full `per` months, capped at `cap`."""

    rate: Points = Field(description="Points per full period.")
    per: Months = Field(default=12, description="Months in one period (12: per full year).")
    cap: Points | None = Field(default=None, description="Most points this part gives.")


class Share(_Params):
    """`rate` points per patent, shared exactly among its inventors, capped at `cap`."""

    rate: Points = Field(description="Points for one whole patent (split by inventors).")
    cap: Points | None = Field(default=None, description="Most points this part gives.")


class Each(_Params):
    """`each` points per event in the fact's look-back window, capped at `cap`."""

    each: Points = Field(description="Points per event.")
    cap: Points | None = Field(default=None, description="Most points this part gives.")


class Merit(_Params):
    """Military merit: `first` for the first award, `further` for each one after it."""

    first: Points = Field(description="Points for the first award.")
    further: Points = Field(default=Decimal(0), description="Points for each further award.")


class TaxPart(_Params):
    """Either `rate` per full `per` units (yuan or hires) with `cap`, or `points` from `at_least`.

    Amounts are 3-year totals: "an average of ¥100,000 a year" is `at_least = 300000`.
    """

    rate: Points | None = Field(default=None, description="Points per full `per` units.")
    per: Decimal | None = Field(default=None, gt=0, description="Yuan (or hires) per step.")
    cap: Points | None = Field(default=None, description="Most points this part gives.")
    at_least: Decimal | None = Field(
        default=None, gt=0, description="Threshold on the 3-year total for `points`.")
    points: Points | None = Field(default=None, description="Points at or above `at_least`.")

    @model_validator(mode="after")
    def _one_form(self) -> TaxPart:
        step = self.rate is not None or self.per is not None
        threshold = self.at_least is not None or self.points is not None
        if step == threshold:
            raise ValueError("give rate and per (steps), or at_least and points (threshold)")
        if step and (self.rate is None or self.per is None):
            raise ValueError("a step needs both rate and per")
        if threshold and (self.at_least is None or self.points is None or self.cap is not None):
            raise ValueError("a threshold needs at_least and points, and takes no cap")
        return self

    def rule(self, fact: str) -> dict[str, Any]:
        if self.rate is not None and self.per is not None:
            return rate_entry(fact, self.rate, self.per, self.cap)
        return {"fact": fact, "rule": "bands", "bands": [{"min": self.at_least,
                                                          "points": self.points}]}


class RatioBand(_Params):
    """`points` when `min <= ratio < below`."""

    min: Decimal = Field(ge=0, le=100, description="Lowest ratio of the band (inclusive).")
    below: Decimal | None = Field(default=None, gt=0, le=100,
                                  description="Upper end of the band (exclusive); none: open.")
    points: Points = Field(description="Points in the band.")


class AgeStep(_Params):
    """From age `from` on (until the next step or `max_age`), `points`."""

    from_: int = Field(alias="from", ge=0, le=120, description="First age of the step.")
    points: Points = Field(description="Points from that age on.")


# --- the family base -----------------------------------------------------------------------


COMMON_KEYS = ("family", "label", "group", "ref", "status", "note")


class Family(_Params):
    """What every family table has: its name, label, place, legal reference and status."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    SECTION: ClassVar[str] = "factors"
    LABEL: ClassVar[tuple[str, str]] = ("", "")
    EXAMPLE: ClassVar[str] = ""

    label: Label | None = Field(
        default=None, description="Label of the family's score; default: the family's own.")
    group: Id | None = Field(default=None, description="The group the family's score is in.")
    ref: str = Field(min_length=1, description="Legal reference: document number and article.")
    status: Status = Field(description="confirmed against the official text, or provisional.")
    note: str | None = Field(default=None, description="Where a value came from, doubts.")

    def _tree(self) -> Part | Node:
        raise NotImplementedError

    def expand(self, id: str) -> Tables:
        """The rule-kind tables this family stands for, as the family with id `id`."""
        return self._expand(id)[0]

    def _expand(self, id: str) -> tuple[Tables, dict[tuple[str, str], str]]:
        out: Tables = {"groups": {}, "factors": {}, "deductions": {}}
        keys: dict[tuple[str, str], str] = {}
        root = simplify(self._tree())
        assert root is not None  # every family's validator asks for at least one part
        common: dict[str, Any] = {"ref": self.ref, "status": self.status}

        def emit(key: str, n: Part | Node, parent: str | None, top: bool) -> None:
            place = {"group": parent} if parent is not None else {}
            note = {"note": self.note} if top and self.note is not None else {}
            if top and self.label is not None:
                zh, en = self.label.zh, self.label.en
            elif isinstance(n, Part):
                zh, en = n.label or _fact_label(n.rule["fact"])
            else:
                zh, en = self.LABEL if top or n.label is None else n.label
            label = {"label": {"zh": zh, "en": en}}
            if isinstance(n, Node) and self.SECTION == "deductions":  # never grouped
                for m in n.members:
                    emit(f"{id}_{m.name}", m, None, False)
                    out[self.SECTION][f"{id}_{m.name}"].update(note)
                return
            if isinstance(n, Part):
                out[self.SECTION][key] = {**label, **n.rule, **place, **common, **note}
                keys[(self.SECTION, key)] = n.key
                return
            more = {k: v for k, v in (("cap", n.cap), ("within", n.within)) if v is not None}
            out["groups"][key] = {**label, "combine": n.combine, **more, **place, **common,
                                  **note}
            keys[("groups", key)] = ""
            for m in n.members:
                emit(f"{id}_{m.name}", m, key, False)

        emit(id, root, self.group, True)
        return {k: v for k, v in out.items() if v}, keys


def need_one(model: BaseModel, *names: str) -> None:
    if all(getattr(model, n) is None for n in names):
        raise ValueError(f"give at least one of {', '.join(names)}")
