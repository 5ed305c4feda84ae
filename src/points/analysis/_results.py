"""The values the analysis returns: bounds, findings, an analysis, what-if changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import attrs

from .._card import ScoreCard
from ..facts import Applicant, ApplicantBase, vocabulary

__all__ = ["Analysis", "Bounds", "Change", "Finding", "Kind", "Severity", "WhatIf",
           "applicant_of", "plain"]

Severity = Literal["warning", "info"]
Kind = Literal[
    "unreachable_tier", "dead_factor", "gate_never_passes", "gate_never_fails",
    "near_cliff", "idle_cap", "inexact", "status_inconsistent",
]


@attrs.frozen
class Bounds:
    """The exact lowest and highest total under one purpose, and an applicant reaching each.

    `lowest` and `highest` hold the facts (only those the schedule reads, plus `age`) of an
    applicant scoring `minimum` and `maximum`; `exact` is false when the search hit its limit
    (then `maximum`/`minimum` are totals some applicant reaches, not proven extremes; but
    when a derived fact reads an amount of money they are bounds no applicant can pass, not
    proven tight).
    """

    purpose: str | None
    minimum: Decimal
    maximum: Decimal
    lowest: Mapping[str, Any]
    highest: Mapping[str, Any]
    exact: bool = True
    #: the schedule's applicant model (its own facts included)
    model: type[ApplicantBase] = attrs.field(default=Applicant, eq=False, repr=False)

    def applicant(self, which: Literal["lowest", "highest"]) -> ApplicantBase:
        """The applicant reaching the minimum (`"lowest"`) or maximum (`"highest"`)."""
        return applicant_of(self.lowest if which == "lowest" else self.highest, self.model)


@attrs.frozen
class Finding:
    """One thing `analyse` found: its kind, severity, where (a key path) and what, in words."""

    kind: Kind
    severity: Severity
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


@attrs.frozen
class Analysis:
    """Bounds per purpose and findings for one schedule."""

    schedule_id: str
    bounds: tuple[Bounds, ...]
    findings: tuple[Finding, ...]

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def of_kind(self, kind: Kind) -> tuple[Finding, ...]:
        """The findings of one kind."""
        return tuple(f for f in self.findings if f.kind == kind)

    def text(self) -> str:
        """The analysis as plain text, one finding a line."""
        out = []
        for b in self.bounds:
            flag = "" if b.exact else " (search limit reached: not proven)"
            out.append(f"purpose {b.purpose or '-'}: total from {b.minimum} to {b.maximum}{flag}")
        out.extend(str(f) for f in self.findings)
        return "\n".join(out)


@attrs.frozen
class Change:
    """One fact changed to reach a tier: from `old` to `new`, and the total it then gives."""

    fact: str
    old: Any
    new: Any
    total: Decimal

    @property
    def delta(self) -> Any:
        """How far the fact moves: a number, or the number of levels up (negative: down)."""
        info = vocabulary()[self.fact]
        if info.kind == "level":
            return info.levels.index(self.new) - info.levels.index(self.old)
        if info.kind == "bool":
            return self.new
        return self.new - self.old

    def text(self, lang: str = "en") -> str:
        from .._explain import fact_text

        info = vocabulary()[self.fact]
        label = info.zh if lang == "zh" else info.en
        change = f"{fact_text(self.fact, self.old, lang)} → {fact_text(self.fact, self.new, lang)}"
        if info.kind in ("int", "decimal", "fraction"):
            d = self.delta
            change += f" ({'+' if d > 0 else ''}{plain(d)})"
        if lang == "zh":
            return f"{label}：{change}，总分 {self.total}"
        return f"{label} ({self.fact}): {change}, total {self.total} points"


@attrs.frozen
class WhatIf:
    """What would bring one applicant to the next tier, using only the schedule.

    `changes`: for each fact that can do it alone, the smallest change that does (others
    held). `by_time`: the first month-end date on which time alone gets there (duration facts
    accrue one month a month, age follows the calendar), or None within `horizon_years`.
    """

    card: ScoreCard
    target: str | None
    changes: tuple[Change, ...]
    by_time: date | None
    by_time_total: Decimal | None
    horizon_years: int
    accruing: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: the target tier, the changes and the date time alone gets there."""
        def js(v: Any) -> Any:
            return v if v is None or isinstance(v, bool | int | str) else str(v)

        return {
            "target": self.target,
            "changes": [{"fact": c.fact, "from": js(c.old), "to": js(c.new),
                         "total": str(c.total)} for c in self.changes],
            "by_time": None if self.by_time is None else self.by_time.isoformat(),
            "by_time_total": None if self.by_time_total is None else str(self.by_time_total),
            "horizon_years": self.horizon_years,
            "accruing": list(self.accruing),
        }

    def text(self, lang: str = "en") -> str:
        zh = lang == "zh"
        if self.target is None:
            return "已达到所有层级。" if zh else "Every tier of the purpose is already unlocked."
        nt = self.card.next_tier
        name = nt.label_zh if nt is not None and nt.id == self.target else self.target
        head = f"下一层级「{name}」：" if zh else f"To reach the next tier, {self.target}:"
        out = [head]
        if self.changes:
            out.append("  单项改变（其余不变）：" if zh
                       else "  one change alone (everything else unchanged):")
            out.extend(f"    - {c.text(lang)}" for c in self.changes)
        else:
            out.append("  没有单项改变能够达到。" if zh else "  no single change reaches it.")
        if self.by_time is not None:
            out.append(f"  仅随时间推移：{self.by_time}（总分 {self.by_time_total}）" if zh
                        else f"  by time alone: on {self.by_time} (total {self.by_time_total})")
        else:
            out.append(f"  仅随时间推移：{self.horizon_years}年内无法达到" if zh
                        else f"  by time alone: not within {self.horizon_years} years")
        if self.accruing:
            if zh:
                out.append("  （随时间累计：" + "、".join(vocabulary()[f].zh for f in self.accruing)
                           + "）")
            else:
                out.append("  (accruing with time: " + ", ".join(self.accruing) + ")")
        return "\n".join(out)


def applicant_of(facts: Mapping[str, Any], model: type[ApplicantBase] = Applicant
                 ) -> ApplicantBase:
    """The applicant with these facts (age 30 when the schedule does not read it); facts
    `model` does not take (derived ones) are left out."""
    data = {k: v for k, v in facts.items()
            if (v is not None or k == "sex") and k in model.model_fields}
    if "age" not in data:
        data["age"] = 30  # any valid age: the schedule does not read it
    # the consistency checks between facts the schedule reads held in the search; those
    # with facts it does not read are not applied to a witness
    return model.model_validate(data, context={"checks": False})


def plain(v: Any) -> str:
    """A number without trailing zeros."""
    if isinstance(v, Decimal):
        return f"{v.normalize():f}"
    return str(v)
