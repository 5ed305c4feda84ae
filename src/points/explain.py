"""Readable text of a score card, with Chinese or English labels."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .applicant import FACTS, LEVELS

if TYPE_CHECKING:
    from .card import ScoreCard

__all__ = [
    "DEFAULT_WIDTH",
    "cell_width",
    "explain_text",
    "fact_text",
    "gate_reason",
    "why_not_text",
]

#: columns of text when the width is not known (not a terminal)
DEFAULT_WIDTH = 100

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
        "sum": "sum", "highest": "highest", "passed": "passed", "failed": "failed",
    },
    "zh": {
        "schedule": "积分方案", "purpose": "用途", "on": "评估日期",
        "total": "总分", "floor": "按最低分计", "not_in_force": "该日期不在有效期内",
        "points": "分", "gates": "条件", "tiers": "已达到的层级", "none": "无",
        "services": "可享受的服务", "next": "下一层级", "missing": "尚差分值",
        "blocked": "未满足条件", "capped": "已达上限", "not_counted": "不计入",
        "group": "分组", "provisional": "待核实", "applicant": "申请人",
        "eligible": "符合该用途的条件", "yes": "是", "no": "否",
        "sum": "合计", "highest": "就高", "passed": "通过", "failed": "未通过",
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


_OPS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠"}


def fact_label(name: str, lang: str = "en") -> str:
    """A fact's name for people: its Chinese label in Chinese, its id in English."""
    info = FACTS.get(name)
    return info.zh if lang == "zh" and info is not None else name


def gate_reason(passed: bool, text: str, names: Sequence[str], facts: Mapping[str, Any],
                lang: str = "en") -> str:
    """`passed: age ≤ 45 years (age is 38 years)` / `通过：年龄 ≤ 45岁（年龄为38岁）`."""
    w = _WORDS["zh" if lang == "zh" else "en"]
    seen = list(dict.fromkeys(names))
    head = w["passed" if passed else "failed"]
    if lang == "zh":
        actual = "，".join(f"{fact_label(n, 'zh')}为{fact_text(n, facts[n], 'zh')}"
                          for n in seen)
        return f"{head}，{text}" + (f"（{actual}）" if actual else "")
    actual = ", ".join(f"{n} is {fact_text(n, facts[n])}" for n in seen)
    return f"{head}: {text}" + (f" ({actual})" if actual else "")


def why_not_text(kind: str, lang: str = "en", **v: Any) -> str:
    """Why a line was not applied or not counted, in words.

    `kind` is `when` (fact), `purpose` (purpose), `highest` (group, label) or `within`
    (value, total, group, label, within, limit).
    """
    zh = lang == "zh"
    if kind == "when":
        return f"{fact_label(v['fact'], 'zh')}为否" if zh else f"{v['fact']} is false"
    if kind == "purpose":
        return f"不适用于用途“{v['purpose']}”" if zh else f"not applied for purpose {v['purpose']}"
    if kind == "highest":
        return f"“{v['label']}”只计最高一项" if zh else \
            f"group {v['group']} counts only its highest member"
    if zh:
        return (f"只计{v['value']}（共{v['total']}）：“{v['label']}”合计最多计"
                f"{fact_label(v['within'], 'zh')}（{v['limit']}）")
    return (f"counts {v['value']} of {v['total']}: group {v['group']} counts at most "
            f"{v['within']} ({v['limit']}) in all")


def cell_width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide and full-width characters take 2,
    combining marks none."""
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_width(text))


def _rpad(text: str, width: int) -> str:
    return " " * max(0, width - cell_width(text)) + text


def _wrap(text: str, width: int, indent: int) -> list[str]:
    """`text` in lines of at most `width` columns, broken between words (or, in Chinese
    text without spaces, between characters), continued under `indent` spaces."""
    if cell_width(text) <= width:
        return [text]
    out: list[str] = []
    line = ""
    limit = width
    for word in _words(text):
        if line and cell_width(line + word) > limit:
            out.append(line.rstrip())
            line = " " * indent
            limit = width
            word = word.lstrip()
        while cell_width(line + word) > limit and cell_width(line) <= indent:
            # one word longer than a line: cut it at the width
            cut = _fit(word, limit - cell_width(line))
            out.append(line + word[:cut])
            word = word[cut:]
            line = " " * indent
        line += word
    if line.strip():
        out.append(line.rstrip())
    return out


def _words(text: str) -> list[str]:
    """Break points: after a space, and around each wide character (Chinese has no spaces)."""
    words: list[str] = []
    cur = ""
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if wide and cur and not cur.endswith(" "):
            words.append(cur)
            cur = ""
        cur += ch
        if ch == " " or wide:
            words.append(cur)
            cur = ""
    if cur:
        words.append(cur)
    # keep closing punctuation with the word before it, opening with the word after it
    merged: list[str] = []
    for wd in words:
        if merged and ((wd[:1] in "，。；：、）」』】〕,.;:)]"
                       and not merged[-1].endswith(" "))
                       or merged[-1][-1:] in "（「『【〔“"):
            merged[-1] += wd
        else:
            merged.append(wd)
    return merged


def _fit(word: str, room: int) -> int:
    n = 0
    for i, ch in enumerate(word):
        n += cell_width(ch)
        if n > room:
            return max(i, 1)
    return len(word)


def explain_text(card: ScoreCard, lang: str = "en", width: int | None = None) -> str:
    """Every line, group, gate and tier of `card`, as aligned plain text.

    Columns are aligned by display width (a Chinese character takes two columns) and lines
    are wrapped between words to fit `width` columns (default `DEFAULT_WIDTH`). In Chinese,
    every word is Chinese where the card has a Chinese text.
    """
    zh = lang == "zh"
    w = _WORDS["zh" if zh else "en"]
    width = max(40, width or DEFAULT_WIDTH)
    colon = "：" if zh else ": "
    semi = "；" if zh else "; "
    comma = "、" if zh else ", "
    out: list[str] = []

    def add(text: str, indent: int = 2) -> None:
        out.extend(_wrap(text, width, indent))

    add(f"{w['schedule']}{colon}{card.schedule_id} ({card.schedule_hash[:19]}…)")
    add(f"{w['on']}{colon}{card.on}" + ("" if card.in_force else f"  [{w['not_in_force']}]"))
    if card.applicant_id:
        add(f"{w['applicant']}{colon}{card.applicant_id}")
    if card.purpose:
        label = card.purpose_label[0 if zh else 1] if card.purpose_label else card.purpose
        add(f"{w['purpose']}{colon}{label}" + (f" ({card.purpose})" if label != card.purpose
                                               else ""))
    out.append("")
    labels = [ln.label(lang) for ln in card.lines] + \
        [g.label_zh if zh else g.label_en for g in card.groups]
    lab_w = min(max((cell_width(x) for x in labels), default=10), width // 3)
    pts_w = max([len(str(ln.points)) for ln in card.lines]
                + [len(str(g.points)) for g in card.groups], default=6)

    def row(label: str, points: object, tail: str) -> None:
        if cell_width(label) > lab_w:  # a long label takes its own line(s)
            add("  " + label, 4)
            label = ""
        head = f"  {_pad(label, lab_w)} {_rpad(str(points), pts_w)}  "
        indent = cell_width(head)
        if width - indent < 30:
            out.append(head.rstrip())
            add(" " * 6 + tail, 6)
        else:
            add(head + tail, indent)

    for ln in card.lines:
        marks = []
        if ln.capped:
            marks.append(w["capped"])
        if not ln.counted:
            why = (ln.why_not_zh or ln.why_not) if zh else ln.why_not
            marks.append(f"{w['not_counted']}{colon}{why}")
        if ln.status == "provisional":
            marks.append(w["provisional"])
        mark = ""
        if marks:
            mark = f"（{semi.join(marks)}）" if zh else f"  ({semi.join(marks)})"
        value = fact_text(ln.fact, ln.value, lang)
        row(ln.label(lang), ln.points, f"[{value}{semi}{ln.rule(lang)}]{mark}  — {ln.ref}")
    if card.groups:
        out.append("")
        out.append(f"{w['group']}{colon.strip()}")
        for g in card.groups:
            cap = (f"（{w['capped']}）" if zh else f"  ({w['capped']})") if g.capped else ""
            row(g.label_zh if zh else g.label_en, g.points,
                f"[{w.get(g.combine, g.combine)}]{cap}")
    out.append("")
    floor = ""
    if card.floor_applied:
        floor = f"（{w['floor']}；{card.raw_total}）" if zh else \
            f"  ({w['floor']}; {card.raw_total})"
    add(f"{w['total']}{colon}{card.total} {w['points']}{floor}")
    gate_label = {g.id: (g.label_zh if zh else g.label_en) for g in card.gates}
    if card.gates:
        out.append("")
        out.append(f"{w['gates']}{colon.strip()}")
        for gate in card.gates:
            reason = (gate.reason_zh or gate.reason) if zh else gate.reason
            tick = "✓" if gate.passed else "✗"
            add(f"  {tick} {gate_label[gate.id]}{colon}{reason}  — {gate.ref}", 4)
        if card.purpose:
            add(f"  {w['eligible']}{colon}{w['yes'] if card.eligible else w['no']}")
    out.append("")
    tier_label = {t: (z if zh else e) for t, z, e in card.tier_labels}
    tiers = comma.join(tier_label.get(t, t) for t in card.tiers)
    add(f"{w['tiers']}{colon}{tiers or w['none']}")
    if card.services:
        add(f"{w['services']}{colon}{comma.join(_service(sid, lang) for sid in card.services)}")
    nt = card.next_tier
    if nt is not None:
        label = nt.label_zh if zh else nt.label_en
        text = f"{w['next']}{colon}{label}" + ("" if zh else f" ({nt.id})")
        if nt.missing > 0:
            text += f"{'，' if zh else ', '}{w['missing']} {nt.missing}" if zh else \
                f", {nt.missing} {w['missing']}"
        if nt.failed_gates:
            failed = comma.join(gate_label.get(g, g) for g in nt.failed_gates)
            text += f"{'，' if zh else ', '}{w['blocked']}{colon}{failed}"
        add(text)
    sure = sure_text(card, lang)
    if sure:
        add(sure)
    return "\n".join(out)


def sure_text(card: ScoreCard, lang: str = "en") -> str:
    """Whether the card's outcome rests on provisional values, in words ("" when it does
    not, or when the card does not say)."""
    zh = lang == "zh"
    if not card.rests_on_provisional:
        return ""
    if card.outcome_sure:
        return ("待核实数值：本结果用到待核实数值，但资格与层级不受其影响" if zh else
                "Provisional values: used, but eligibility and tiers do not depend on them")
    which = ("、" if zh else ", ").join(z if zh else f"{e} ({i})" for i, z, e in card.flipped_by)
    return (f"待核实数值：资格或层级可能因待核实数值而改变（{which}）" if zh else
            f"Provisional values: eligibility or tiers could change with them ({which})")


def _service(sid: str, lang: str) -> str:
    from .schedule.loader import service_catalogue

    spec = service_catalogue().get(sid)
    if spec is None:
        return sid
    return spec.zh if lang == "zh" else spec.en
