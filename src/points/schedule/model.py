"""The schedule format: one pydantic model per TOML table.

These models are the single definition of the format: the loader validates with them and
`points schema` exports their JSON Schema. Semantic checks that need the whole schedule
(fact names, references between tables, band overlaps, tier order) live in `_checks.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import (
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from .._vocab import ApplicantBase, FactDecl, FactInfo
from ..facts import CHECKS, FACTS, Applicant, extend_model
from ._base import (
    AllOf,
    AnyOf,
    Band,
    Condition,
    FactCondition,
    FactorBase,
    Id,
    Label,
    NotOf,
    Points,
    ScoreCondition,
    Sourced,
    Status,
    Strict,
    When,
    condition_facts,
    when_names,
)
from .kinds import KINDS
from .kinds.bands import BandsRule
from .kinds.count import CountRule
from .kinds.flag import FlagRule
from .kinds.flat_plus_rate import FlatPlusRateRule
from .kinds.levels import LevelsRule
from .kinds.rate import RateRule
from .kinds.table import TableRule

__all__ = [
    "RULE_KINDS",
    "AllOf",
    "AnyOf",
    "Band",
    "BandsRule",
    "BranchSpec",
    "Condition",
    "CountRule",
    "FactCondition",
    "FactorSpec",
    "FlagRule",
    "FlatPlusRateRule",
    "GateSpec",
    "GroupSpec",
    "Id",
    "Label",
    "LevelsRule",
    "Meta",
    "NotOf",
    "Points",
    "PurposeSpec",
    "RankingSpec",
    "RateRule",
    "Schedule",
    "ScoreCondition",
    "ServiceSpec",
    "Status",
    "TableRule",
    "TieBreak",
    "TierSpec",
    "When",
    "condition_facts",
    "when_names",
]

Rounding = Literal["half_up", "half_even", "down", "up"]


class Meta(Strict):
    """The `[schedule]` table: which document this is and how to do its arithmetic."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*/[0-9A-Za-z._-]+$",
                    description='"place/version", e.g. "guangzhou/2021".')
    place: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: Label
    document: str = Field(min_length=1, description="文号 of the policy document.")
    effective_from: date = Field(description="First day in force (inclusive).")
    effective_until: date | None = Field(
        default=None, description="First day no longer in force (exclusive).")
    supersedes: str | None = None
    extends: str | None = None
    precision: Decimal = Field(default=Decimal("0.01"), gt=0)
    rounding: Rounding = "half_up"
    floor: Points | None = Field(default=None, description="Lowest total; none if absent.")
    default_purpose: Id | None = None
    required_facts: list[str] = Field(
        default_factory=list, max_length=200,
        description="Standard facts an applicant must give for this schedule (no default).")
    sources: list[str] = Field(default_factory=list)
    note: str | None = None

    @field_validator("precision")
    @classmethod
    def _power_of_ten(cls, v: Decimal) -> Decimal:
        if v.normalize() not in {Decimal(1).scaleb(-k) for k in range(0, 7)}:
            raise ValueError("precision must be 1, 0.1, 0.01, ... or 0.000001")
        return v

    @model_validator(mode="after")
    def _dates(self) -> Meta:
        if self.effective_until is not None and self.effective_until <= self.effective_from:
            raise ValueError(
                f"effective_until {self.effective_until} is not after "
                f"effective_from {self.effective_from}")
        return self


# --- rules -------------------------------------------------------------------------------
# Each rule kind defines its own table in its module of `points.schedule.kinds`; a factor is the
# union of them all, told apart by `rule`.


def _rule_tag(v: Any) -> str | None:
    rule = v.get("rule") if isinstance(v, dict) else getattr(v, "rule", None)
    return f"rule={rule}" if isinstance(rule, str) else None


RULE_KINDS = tuple(KINDS)

if TYPE_CHECKING:
    FactorSpec = FactorBase
else:
    FactorSpec = Annotated[
        Union[tuple(Annotated[k.spec, Tag(f"rule={name}")] for name, k in KINDS.items())],  # noqa: UP007
        Discriminator(
            _rule_tag,
            custom_error_type="unknown_rule",
            custom_error_message=f"rule must be one of {', '.join(RULE_KINDS)}",
        ),
    ]


class GroupSpec(Sourced):
    """Combines its member factors and groups: `sum` or `highest`, then an optional cap."""

    label: Label
    combine: Literal["sum", "highest"] = "sum"
    cap: Points | None = Field(default=None, ge=0)
    group: Id | None = None
    within: str | None = Field(
        default=None,
        description="A number fact the members' facts share: each member factor, in order, "
                    "counts at most what is left of it (Beijing: housing years, owned first, "
                    "at most the insurance years).")
    when: When | None = Field(
        default=None, description="When the group applies (to every member): a true/false "
                                  "fact or a gate by name, or a condition table.")


class BranchSpec(Sourced):
    """Groups or factors of which exactly one (or at most one) applies to any applicant,
    each by its `when`: an applicant matching none or two is an error, not a silent 0."""

    label: Label
    members: list[Id] = Field(min_length=2, max_length=64)
    exactly: Literal["one", "at_most_one"] = "one"


class GateSpec(Sourced):
    """A named condition: an eligibility precondition or a veto (一票否决)."""

    label: Label
    condition: Condition
    veto: bool = Field(default=False, description="Shown as a veto rather than a precondition.")


class PurposeSpec(Sourced):
    """What a score is for; its gates apply to every tier of the purpose."""

    label: Label
    gates: list[Id] = Field(default_factory=list)


class ServiceSpec(Strict):
    """A public service a tier may grant (the bundled catalogue, or a schedule's own)."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    family: Literal[
        "employment", "education", "health", "family_planning", "housing",
        "social_assistance", "culture", "legal", "convenience", "settlement", "insurance",
        "other",
    ]


class TierSpec(Sourced):
    """A level of entitlement: minimum score and/or gates, and the services it grants."""

    id: Id
    label: Label
    min_score: Points | None = None
    gates: list[Id] = Field(default_factory=list)
    purposes: list[Id] | None = None
    services: list[Id] = Field(default_factory=list)
    follow: list[Literal["spouse", "unmarried_children", "children", "parents",
                         "close_relatives", "minor_children"]] = Field(
        default_factory=list, description="Who may settle with the applicant (routes).")
    register_in: list[Id] = Field(
        default_factory=list,
        description="Where to register the household, in order: ids of [households.*].")


class TieBreak(Strict):
    """One tie-break key: a fact or a score, high-to-low (`desc`) or low-to-high (`asc`)."""

    fact: str | None = None
    score: str | None = None
    order: Literal["asc", "desc"] = "desc"

    @model_validator(mode="after")
    def _one_key(self) -> TieBreak:
        if (self.fact is None) == (self.score is None):
            raise ValueError("a tie-break names exactly one of fact or score")
        return self


class RankingSpec(Sourced):
    """How a batch is ranked under the quota."""

    purpose: Id | None = None
    key: str = "total"
    tie_breaks: list[TieBreak] = Field(default_factory=list)
    final: Literal["all_admitted", "lottery", "timestamp"] = "all_admitted"
    seed: int | None = Field(default=None, ge=0)
    quota: int | None = Field(default=None, gt=0)


class Schedule(Strict):
    """One validated version of one policy document.

    Load it with `points.load_schedule`; never build it by hand.
    """

    schedule: Meta
    facts: dict[Id, FactDecl] = Field(
        default_factory=dict, description="The schedule's own facts: given or derived.")
    factors: dict[Id, FactorSpec] = Field(default_factory=dict)
    groups: dict[Id, GroupSpec] = Field(default_factory=dict)
    branches: dict[Id, BranchSpec] = Field(default_factory=dict)
    deductions: dict[Id, FactorSpec] = Field(default_factory=dict)
    gates: dict[Id, GateSpec] = Field(default_factory=dict)
    purposes: dict[Id, PurposeSpec] = Field(default_factory=dict)
    services: dict[Id, ServiceSpec] = Field(default_factory=dict)
    households: dict[Id, Label] = Field(
        default_factory=dict, description="Where a settling household may register.")
    tiers: list[TierSpec] = Field(default_factory=list)
    ranking: RankingSpec | None = None
    derive: dict[Id, dict[str, Any]] = Field(
        default_factory=dict, description="Facts derived from dated records, by fact: the "
        "keys of a records.toml [facts.NAME] (docs/records.md); a standard fact's derivation "
        "is replaced only with override = true.")

    _source: str = PrivateAttr(default="<memory>")
    _hash: str = PrivateAttr(default="")
    _compiled: Any = PrivateAttr(default=None)
    _vocabulary: Any = PrivateAttr(default=None)
    _model: Any = PrivateAttr(default=None)
    _derivations: dict[str, Any] = PrivateAttr(default_factory=dict)
    _records_spec: Any = PrivateAttr(default=None)

    @property
    def id(self) -> str:
        return self.schedule.id

    @property
    def source(self) -> str:
        """The file it was loaded from."""
        return self._source

    @property
    def content_hash(self) -> str:
        """sha256 of the schedule's resolved content (after `extends`), in canonical JSON."""
        return self._hash

    @property
    def vocabulary(self) -> Mapping[str, FactInfo]:
        """Every fact the schedule may read: the standard ones, its own, its derived ones."""
        return FACTS if self._vocabulary is None else self._vocabulary

    def applicant_model(self) -> type[ApplicantBase]:
        """The model validating an applicant for this schedule: `Applicant`, plus the facts
        it declares (derived ones are computed, never given), with its `required_facts`
        required, and the consistency checks that ask for a fact it reads."""
        if self._model is None:
            own = {n: i for n, i in self.vocabulary.items()
                   if i.declaration is not None and i.expr is None}
            required = tuple(self.schedule.required_facts)
            derived = any(i.expr is not None for i in self.vocabulary.values())
            reads = set(self.facts_read())
            asks = tuple(c for c in CHECKS if c.unless & reads)
            self._model = (Applicant if not own and not required and not derived and not asks
                           else extend_model(f"Applicant[{self.id}]", own, required,
                                             vocabulary=self.vocabulary,
                                             checks=(*Applicant.checks, *asks)))
        return self._model  # type: ignore[no-any-return]

    def __getstate__(self) -> dict[Any, Any]:
        # the applicant model is a class made at run time: made again where unpickled
        state = super().__getstate__()
        private = dict(state.get("__pydantic_private__") or {})
        private["_model"] = None
        return {**state, "__pydantic_private__": private}

    def facts_read(self) -> tuple[str, ...]:
        """Every fact the schedule reads anywhere, in the order it reads them, each derived
        fact followed by the facts it reads (`points show` lists them so)."""
        names: list[str] = []
        for f in (*self.factors.values(), *self.deductions.values()):
            names.extend(f.facts or KINDS[f.rule].facts(f))
            names.extend(when_names(f.when))
        for g in self.groups.values():
            names.extend(when_names(g.when))
            if g.within is not None:
                names.append(g.within)
        for gate in self.gates.values():
            names.extend(condition_facts(gate.condition))
        if self.ranking is not None:
            names.extend(tb.fact for tb in self.ranking.tie_breaks if tb.fact)
        out: dict[str, None] = {}
        stack = list(reversed(names))
        while stack:
            n = stack.pop()
            if n in out:
                continue
            out[n] = None
            info = self.vocabulary.get(n)
            if info is not None and info.parsed is not None:
                stack += reversed(info.parsed.reads)
        return tuple(out)

    def in_force(self, on: date) -> bool:
        """True when `effective_from <= on < effective_until`."""
        m = self.schedule
        return m.effective_from <= on and (m.effective_until is None or on < m.effective_until)

    def __repr__(self) -> str:
        return f"<Schedule {self.id} ({self.schedule.document}) from {self._source}>"

    __str__ = __repr__
