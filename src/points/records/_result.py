"""What deriving facts from records gives: facts, their explanations, the records refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from .._card import DerivedFact, value_text

__all__ = ["DerivedFact", "RecordFacts", "RecordReject", "value_text"]


@attrs.frozen
class RecordReject:
    """One problem with one record: which record, which field, the value, the reason."""

    record_id: str
    kind: str | None
    applicant_id: str | None
    field: str | None
    value: str
    reason: str


@attrs.frozen
class RecordFacts:
    """The facts records give on one evaluation date, and why.

    `facts` maps each derived fact to its value; `why` maps it to its `DerivedFact`;
    `rejects` lists the records refused (the facts come from the others); `records_read` =
    `records_used` + the records refused.
    """

    on: date
    applicant_id: str | None
    facts: dict[str, Any]
    why: dict[str, DerivedFact]
    rejects: tuple[RecordReject, ...]
    records_read: int
    records_used: int
    kinds: tuple[str, ...]

    def explain(self, lang: str = "en") -> str:
        """One line per derived fact, then one per refused record."""
        zh = lang == "zh"
        out = [("由记录得出的事实（" if zh else "Facts from records (on ")
               + self.on.isoformat() + ("）：" if zh else "):")]
        out += ["  " + d.text(lang) for d in self.why.values()]
        for r in self.rejects:
            out.append(("  未采用记录 " if zh else "  record refused ") + f"{r.record_id} "
                       f"({r.kind}) {r.field or ''}: {r.reason}"
                       + (f" [{r.value}]" if r.value else ""))
        return "\n".join(out)
