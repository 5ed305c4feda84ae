"""Readable text of a score card, with Chinese or English labels."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .applicant import FACTS, LEVELS

if TYPE_CHECKING:
    from .card import ScoreCard

__all__ = ["explain_text", "fact_text"]

_WORDS = {
    "en": {
        "schedule": "Schedule", "purpose": "Purpose", "on": "Evaluated on",
        "total": "Total", "floor": "raised to the floor",
        "not_in_force": "not in force on this date",
        "points": "points", "gates": "Gates", "tiers": "Tiers unlocked", "none": "none",
        "services": "Services", "next": "Next tier", "missing": "points missing",
        "blocked": "blocked by gates", "capped": "cap reached", "not_counted": "not counted",
        "group": "Groups", "provisional": "provisional", "applicant": "Applicant",
        "eligible": "Eligible for the purpose", "yes": "yes", "no": "no",
    },
    "zh": {
        "schedule": "积分方案", "purpose": "用途", "on": "评估日期",
        "total": "总分", "floor": "按最低分计", "not_in_force": "该日期不在有效期内",
        "points": "分", "gates": "条件", "tiers": "已达到的层级", "none": "无",
        "services": "可享受的服务", "next": "下一层级", "missing": "尚差分值",
        "blocked": "未满足条件", "capped": "已达上限", "not_counted": "不计入",
        "group": "分组", "provisional": "待核实", "applicant": "申请人",
        "eligible": "符合该用途的条件", "yes": "是", "no": "否",
    },
}


def fact_text(name: str, value: Any, lang: str = "en") -> str:
    """A fact's value in words, with its unit."""
    info = FACTS.get(name)
    if info is None:
        return str(value)
    zh = lang == "zh"
    if info.kind == "level":
        labels = LEVELS[info.level_type or ""]
        return labels.get(value, (str(value), str(value)))[0 if zh else 1]
    if info.kind == "bool":
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, Decimal):
        value = f"{value.normalize():f}"
    units = {"month": ("个月", "months"), "yuan": ("元", "yuan"), "count": ("", ""),
             "year": ("岁", "years"), "ratio": ("倍", "×"), "hour": ("小时", "hours")}
    unit = units.get(info.unit or "", ("", ""))
    u = unit[0] if zh else unit[1]
    if not zh and value == 1 and u.endswith("s"):
        u = u[:-1]  # 1 month, 1 year
    return f"{value}{u}" if zh or not u else f"{value} {u}"


def explain_text(card: ScoreCard, lang: str = "en") -> str:
    """Every line, group, gate and tier of `card`, as aligned plain text."""
    w = _WORDS["zh" if lang == "zh" else "en"]
    out = [
        f"{w['schedule']}: {card.schedule_id} ({card.schedule_hash[:19]}…)",
        f"{w['on']}: {card.on}" + ("" if card.in_force else f"  [{w['not_in_force']}]"),
    ]
    if card.applicant_id:
        out.append(f"{w['applicant']}: {card.applicant_id}")
    if card.purpose:
        out.append(f"{w['purpose']}: {card.purpose}")
    out.append("")
    width = max((len(ln.label(lang)) for ln in card.lines), default=10) + 2
    for ln in card.lines:
        marks = []
        if ln.capped:
            marks.append(w["capped"])
        if not ln.counted:
            marks.append(f"{w['not_counted']}: {ln.why_not}")
        if ln.status == "provisional":
            marks.append(w["provisional"])
        mark = f"  ({'; '.join(marks)})" if marks else ""
        value = fact_text(ln.fact, ln.value, lang)
        out.append(
            f"  {ln.label(lang):<{width}} {ln.points!s:>8}  "
            f"[{value}; {ln.rule(lang)}]{mark}  — {ln.ref}")
    if card.groups:
        out.append("")
        out.append(f"{w['group']}:")
        for g in card.groups:
            cap = f"  ({w['capped']})" if g.capped else ""
            label = g.label_zh if lang == "zh" else g.label_en
            out.append(f"  {label:<{width}} {g.points!s:>8}  [{g.combine}]{cap}")
    out.append("")
    floor = f"  ({w['floor']}; {card.raw_total})" if card.floor_applied else ""
    out.append(f"{w['total']}: {card.total} {w['points']}{floor}")
    if card.gates:
        out.append("")
        out.append(f"{w['gates']}:")
        for gate in card.gates:
            label = gate.label_zh if lang == "zh" else gate.label_en
            tick = "✓" if gate.passed else "✗"
            out.append(f"  {tick} {label}: {gate.reason}  — {gate.ref}")
        if card.purpose:
            out.append(f"  {w['eligible']}: {w['yes'] if card.eligible else w['no']}")
    out.append("")
    out.append(f"{w['tiers']}: {', '.join(card.tiers) or w['none']}")
    if card.services:
        out.append(f"{w['services']}: {', '.join(card.services)}")
    nt = card.next_tier
    if nt is not None:
        label = nt.label_zh if lang == "zh" else nt.label_en
        text = f"{w['next']}: {label} ({nt.id})"
        if nt.missing > 0:
            text += f", {nt.missing} {w['missing']}"
        if nt.failed_gates:
            text += f", {w['blocked']}: {', '.join(nt.failed_gates)}"
        out.append(text)
    return "\n".join(out)
