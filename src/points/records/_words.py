"""Every derivation's rule in words, in English and Chinese, from its parameters."""

from __future__ import annotations

from typing import Any

from ._spec import (
    Any_,
    Compare,
    Count_,
    Current_,
    CurrentLevel_,
    Highest_,
    Months_,
    Sum_,
    Window,
)

__all__ = ["rule_text", "where_text", "window_rule"]


def _v(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def where_text(where: dict[str, Any]) -> str:
    """`type = pension, back_paid = false` (the same in both languages)."""
    parts = []
    for name, cond in where.items():
        if isinstance(cond, Compare):
            for op, sym in (("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">=")):
                bound = getattr(cond, op)
                if bound is not None:
                    parts.append(f"{name} {sym} {bound}")
        elif isinstance(cond, list):
            parts.append(f"{name} in ({', '.join(_v(c) for c in cond)})")
        else:
            parts.append(f"{name} = {_v(cond)}")
    return ", ".join(parts)


def window_rule(w: Window) -> tuple[str, str]:
    if w.kind == "ever":
        return "on or before the evaluation date", "评估日及以前"
    if w.kind == "tax_years":
        which = "previous" if w.latest == "previous" else "current"
        zh = "上一年" if w.latest == "previous" else "当年"
        return (f"the {w.years} tax years up to the {which} year",
                f"截至{zh}的 {w.years} 个纳税年度")
    skip_en = f", ending {w.skip_months} months before" if w.skip_months else ""
    skip_zh = f"（截至评估日前 {w.skip_months} 个月）" if w.skip_months else ""
    edges_en = (f"start {w.start}, end {w.end}; a day missing in a short month "
                + ("rolls to the 1st of the next" if w.month_end == "roll"
                   else "is the month's last day"))
    edges_zh = (f"起点{'含' if w.start == 'inclusive' else '不含'}当日，终点"
                f"{'含' if w.end == 'inclusive' else '不含'}当日")
    return (f"in the {w.months} months before the evaluation date{skip_en} ({edges_en})",
            f"评估日前 {w.months} 个月内{skip_zh}（{edges_zh}）")


def _of(record: str, where: dict[str, Any]) -> tuple[str, str]:
    w = where_text(where)
    return (f"{record} records" + (f" where {w}" if w else ""),
            f"{record} 记录" + (f"（{w}）" if w else ""))


def rule_text(d: Any) -> tuple[str, str]:
    """(en, zh) of a derivation's rule."""
    if isinstance(d, Months_):
        of_en, of_zh = _of(d.record, d.where)
        part = {"full": ("a calendar month counts when every day of it is covered",
                         "整月均有记录的自然月才计"),
                "any": ("a calendar month counts when any day of it is covered",
                        "月内任一天有记录即计该月"),
                "elapsed": ("full months elapsed from the first day, as an age is counted"
                            + ("; a day missing in a short month rolls to the 1st of the next"
                               if d.month_end == "roll" else
                               "; a day missing in a short month is the month's last day"),
                            "自首日起按周月计满月数")}[d.partial_month]
        if d.count == "cumulative":
            return (f"cumulative months of {of_en}; {part[0]}; overlaps counted once",
                    f"{of_zh}累计月数；{part[1]}；重叠期间只计一次")
        run = {"current": ("the run reaching the evaluation date", "延续至评估日的连续期间"),
               "latest": ("the latest run", "最近一段连续期间"),
               "longest": ("the longest run", "最长一段连续期间")}[d.run or "current"]
        gap_en = (f"gaps of at most {d.gap_months} months do not break it"
                  + (" and count" if d.gap_counts else " but do not count")
                  if d.gap_months else "no gap allowed")
        gap_zh = (f"不超过 {d.gap_months} 个月的中断不视为中断"
                  + ("并计入月数" if d.gap_counts else "但不计入月数")
                  if d.gap_months else "不允许中断")
        return (f"continuous months of {of_en}, {run[0]}; {gap_en}; {part[0]}; "
                "overlaps counted once",
                f"{of_zh}连续月数，取{run[1]}；{gap_zh}；{part[1]}；重叠期间只计一次")
    if isinstance(d, (Count_, Sum_, Any_)):
        of_en, of_zh = _of(d.record, d.where)
        w_en, w_zh = window_rule(d.window)
        if isinstance(d, Count_):
            if d.distinct:
                return (f"distinct {d.distinct} of {of_en} {w_en}",
                        f"{of_zh}中{w_zh}的不同 {d.distinct} 数")
            return f"number of {of_en} {w_en}", f"{of_zh}中{w_zh}的条数"
        if isinstance(d, Sum_):
            return f"sum of {d.field} of {of_en} {w_en}", f"{of_zh}中{w_zh}的 {d.field} 合计"
        return f"whether any {of_en} falls {w_en}", f"{of_zh}中是否有{w_zh}的记录"
    if isinstance(d, Current_):
        of_en, of_zh = _of(d.record, d.where)
        return f"whether one of the {of_en} covers the evaluation date", \
            f"是否有{of_zh}覆盖评估日"
    if isinstance(d, CurrentLevel_):
        order = "; ".join(f"{c.level} if {_of(c.record, c.where)[0]} cover the date"
                          for c in d.choices)
        order_zh = "；".join(f"{_of(c.record, c.where)[1]}覆盖评估日为 {c.level}"
                             for c in d.choices)
        return (f"the first that holds: {order}; otherwise {d.otherwise}",
                f"按顺序取第一个成立的：{order_zh}；否则为 {d.otherwise}")
    assert isinstance(d, Highest_)
    of_en, of_zh = _of(d.record, d.where)
    return (f"highest {d.field} of {of_en} on or before the evaluation date; otherwise "
            f"{d.otherwise}",
            f"评估日及以前{of_zh}中最高的 {d.field}；否则为 {d.otherwise}")
