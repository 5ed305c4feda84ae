"""What deriving facts from records gives: facts, their explanations, the records refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

__all__ = ["DerivedFact", "RecordFacts", "RecordReject", "value_text"]


def value_text(v: Any) -> str:
    """A value as the rejects file and messages show it (None as empty text)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@attrs.frozen
class DerivedFact:
    """One fact derived from records: its value, the rule applied and the records behind it.

    `text_en` / `text_zh` say it in words ("permit_months 48: continuous months ... :
    2020-06-15..2024-06-14"); `records` are the ids of the records used; `given` is the value
    the applicant's own facts held when the records replaced a different one.
    """

    fact: str
    value: Any
    derive: str
    records: tuple[str, ...]
    rule_en: str
    rule_zh: str
    detail_en: str
    detail_zh: str
    provisional: bool
    note: str
    given: Any = None

    def text(self, lang: str = "en") -> str:
        """`fact value: rule; detail` in `lang` ("en" or "zh")."""
        zh = lang == "zh"
        rule, detail = (self.rule_zh, self.detail_zh) if zh else (self.rule_en, self.detail_en)
        sep = "：" if zh else ": "
        out = f"{self.fact} {value_text(self.value)}{sep}{rule}"
        if detail:
            out += ("；" if zh else "; ") + detail
        if self.given is not None:
            out += (f"（替换申请人填报的 {value_text(self.given)}）" if zh
                    else f" (replaces the given {value_text(self.given)})")
        if self.provisional:
            out += "（待核实规则）" if zh else " (provisional rule)"
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "value": _json(self.value), "derive": self.derive,
                "records": list(self.records), "rule": {"zh": self.rule_zh, "en": self.rule_en},
                "detail": {"zh": self.detail_zh, "en": self.detail_en},
                "provisional": self.provisional, "note": self.note,
                "given": _json(self.given)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DerivedFact:
        return cls(fact=d["fact"], value=d["value"], derive=d["derive"],
                   records=tuple(d["records"]), rule_en=d["rule"]["en"],
                   rule_zh=d["rule"]["zh"], detail_en=d["detail"]["en"],
                   detail_zh=d["detail"]["zh"], provisional=d["provisional"], note=d["note"],
                   given=d.get("given"))


def _json(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    return str(v)


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
