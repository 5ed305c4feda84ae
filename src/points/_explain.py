"""Readable text of a score card, with Chinese or English labels."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from .facts import FactInfo, vocabulary

__all__ = [
    "DEFAULT_WIDTH",
    "cell_width",
    "decimal_text",
    "fact_text",
    "gate_fact_words",
    "gate_reason_frame",
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
    return fact_words(vocabulary().get(name), value)[0 if lang == "zh" else 1]


_UNITS = {"month": ("个月", "months"), "yuan": ("元", "yuan"), "count": ("", ""),
          "year": ("岁", "years"), "ratio": ("倍", "×"), "hour": ("小时", "hours")}


def fact_words(info: FactInfo | None, value: Any) -> tuple[str, str]:
    """A fact's value in words, with its unit, in Chinese and English (`info`: the fact's,
    None for a name the vocabulary does not know)."""
    if info is None:
        return str(value), str(value)
    if info.kind == "level":
        labels = info.level_labels.get(value, (str(value), str(value)))
        return labels[0], labels[1]
    if info.kind == "bool":
        return ("是", "yes") if value else ("否", "no")
    if isinstance(value, Decimal):
        value = decimal_text(value)
    zh, en = _UNITS.get(info.unit or "", ("", ""))
    if value == 1 and en.endswith("s"):
        en = en[:-1]  # 1 month, 1 year
    return f"{value}{zh}", f"{value} {en}" if en else f"{value}"


def decimal_text(value: Decimal) -> str:
    """A decimal without trailing zeros, never in exponent form: `46145.00` → `46145`
    (`f"{value.normalize():f}"`, quicker for the usual plain amounts)."""
    text = str(value)
    if "E" in text or not value.is_finite():
        return f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_OPS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠"}


def fact_label(name: str, lang: str = "en") -> str:
    """A fact's name for people: its Chinese label in Chinese, its id in English."""
    info = vocabulary().get(name)
    return info.zh if lang == "zh" and info is not None else name


def gate_fact_words(name: str, info: FactInfo | None, said: tuple[str, str]
                    ) -> tuple[str, str]:
    """One fact of a gate's reason, zh and en, from its value's words (`fact_words`):
    `年龄为38岁`, `age is 38 years`."""
    return f"{name if info is None else info.zh}为{said[0]}", f"{name} is {said[1]}"


def gate_reason_frame(passed: bool, text_zh: str, text_en: str, reads: bool
                      ) -> tuple[str, str, str, str]:
    """What a gate's reason says around the words of the facts it reads (`gate_fact_words`,
    each fact once, joined with `，` and `, `; `reads`: whether it reads any): zh before and
    after, en before and after. Joined: `通过，年龄 ≤ 45岁（年龄为38岁）`,
    `passed: age ≤ 45 years (age is 38 years)`."""
    verdict = "passed" if passed else "failed"
    zh = f"{_WORDS['zh'][verdict]}，{text_zh}"
    en = f"{_WORDS['en'][verdict]}: {text_en}"
    return (zh + "（", "）", en + " (", ")") if reads else (zh, "", en, "")


def why_not_text(kind: str, lang: str = "en", **v: Any) -> str:
    """Why a line was not applied or not counted, in words.

    `kind` is `when` (fact), `purpose` (purpose), `highest` (group, label) or `within`
    (value, total, limit; in English group and within, in Chinese label and within_label,
    the labels of the group and of the fact it counts within).
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
                f"{v['within_label']}（{v['limit']}）")
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
