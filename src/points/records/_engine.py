"""Per record: one applicant's records → facts on a date, each explained.

The algorithm of every derivation kind is written here in plain Python; `_columns.py` is its
translation into Polars group-bys, and the tests hold the two together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from ..facts import FACTS
from ._dates import DAY, add_months, month_index, month_text, months_between
from ._result import DerivedFact, RecordFacts, RecordReject, value_text
from ._spec import (
    SHAPE_FIELDS,
    Any_,
    Compare,
    Count_,
    Current_,
    CurrentLevel_,
    Highest_,
    KindSpec,
    Months_,
    RecordSpec,
    Sum_,
    Window,
)
from ._validate import Reason, read_value
from ._words import rule_text

__all__ = ["Rec", "derive_one", "read_records", "window_bounds"]


@attrs.define
class Rec:
    """One valid record: its kind, id, place in the input and typed values."""

    kind: str
    id: str
    values: dict[str, Any]

    @property
    def start(self) -> date:
        v = self.values["start"]
        assert isinstance(v, date)
        return v

    @property
    def end(self) -> date | None:
        v = self.values.get("end")
        return v if isinstance(v, date) else None

    def when(self) -> date | int:
        """The date of an event, the start of an interval, the year of a yearly record."""
        v = self.values.get("date", self.values.get("start", self.values.get("year")))
        assert isinstance(v, (date, int))
        return v


# --- reading records --------------------------------------------------------------------------


def _flatten(records: Mapping[str, Sequence[Mapping[str, Any]]] | Iterable[Mapping[str, Any]]
             ) -> tuple[list[tuple[str | None, Mapping[str, Any]]], list[str]]:
    """(kind, record) pairs in input order, and the kinds present."""
    if isinstance(records, Mapping):
        out: list[tuple[str | None, Mapping[str, Any]]] = []
        for kind, rows in records.items():
            for row in rows:
                out.append((kind, row))
        return out, list(records)
    pairs: list[tuple[str | None, Mapping[str, Any]]] = []
    kinds: list[str] = []
    for row in records:
        kind = row.get("kind")
        k = kind if isinstance(kind, str) else None
        pairs.append((k, row))
        if k is not None and k not in kinds:
            kinds.append(k)
    return pairs, kinds


def read_records(
    spec: RecordSpec,
    records: Mapping[str, Sequence[Mapping[str, Any]]] | Iterable[Mapping[str, Any]],
    *, applicant_id: str | None = None, birth_date: date | None = None,
) -> tuple[list[Rec], list[RecordReject], list[str], int]:
    """Validate records: (valid records, rejects, kinds present, records read)."""
    pairs, present = _flatten(records)
    valid: list[Rec] = []
    rejects: list[RecordReject] = []
    counters: dict[str, int] = {}
    seen: dict[tuple[str, str], bool] = {}
    for kind, raw in pairs:
        key = kind if kind is not None else "?"
        counters[key] = counters.get(key, 0) + 1
        n = counters[key]
        rid_raw = raw.get("record_id")
        rid, _ = read_value("text", None, rid_raw) if _given(rid_raw) else (None, None)
        record_id = rid if isinstance(rid, str) and rid else f"{key}:{n}"
        aid_raw = raw.get("applicant_id")
        aid, _ = read_value("text", None, aid_raw) if _given(aid_raw) else (None, None)
        who = aid if isinstance(aid, str) else applicant_id

        def refuse(field: str | None, value: Any, reason: str,
                   _rid: str = record_id, _kind: str | None = kind, _who: Any = who) -> None:
            rejects.append(RecordReject(record_id=_rid, kind=_kind, applicant_id=_who,
                                        field=field, value=value_text(value), reason=reason))

        kspec = spec.kinds.get(kind) if kind is not None else None
        if kspec is None:
            refuse("kind", kind if kind is not None else raw.get("kind"), Reason.UNKNOWN_KIND)
            continue
        assert kind is not None
        before = len(rejects)
        values = _read_fields(kspec, raw, refuse)
        if len(rejects) > before:
            continue
        if applicant_id is not None and aid is not None and aid != applicant_id:
            refuse("applicant_id", aid, Reason.OTHER_APPLICANT)
            continue
        values["record_id"] = record_id
        values["applicant_id"] = who
        if kspec.shape == "interval" and values["end"] is not None \
                and values["end"] < values["start"]:
            refuse("end", values["end"], Reason.END_BEFORE_START)
            continue
        if birth_date is not None:
            field = SHAPE_FIELDS[kspec.shape][0]
            v = values[field]
            if (v < birth_date.year) if field == "year" else (v < birth_date):
                refuse(field, v, Reason.BEFORE_BIRTH)
                continue
        if (kind, record_id) in seen:
            refuse("record_id", record_id, Reason.DUPLICATE)
            continue
        seen[(kind, record_id)] = True
        valid.append(Rec(kind=kind, id=record_id, values=values))
    return valid, rejects, present, len(pairs)


def _given(v: Any) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def _read_fields(kspec: KindSpec, raw: Mapping[str, Any], refuse: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    shape = SHAPE_FIELDS[kspec.shape]
    known = {"kind", "record_id", "applicant_id", *shape, *kspec.fields}
    for name in raw:
        if name not in known and _given(raw[name]):
            refuse(name, raw[name], Reason.UNKNOWN_FIELD)
    for name in shape:
        v = raw.get(name)
        required = name != "end"
        if not _given(v):
            if required:
                refuse(name, None, Reason.MISSING)
            values[name] = None
            continue
        got, why = read_value("int" if name == "year" else "date", None, v)
        if why is not None:
            refuse(name, v, why)
        elif name == "year" and not 1900 <= got <= 2199:
            refuse(name, v, Reason.DATE_RANGE)
        values[name] = got
    for name, f in kspec.fields.items():
        if f.type == "level":
            continue
        v = raw.get(name)
        if not _given(v):
            if f.required:
                refuse(name, None, Reason.MISSING)
            values[name] = f.default
            continue
        got, why = read_value(f.type, f, v)
        if why is not None:
            refuse(name, v, why)
        values[name] = got
    for name, f in kspec.fields.items():  # levels last: they read the field naming the fact
        if f.type != "level":
            continue
        v = raw.get(name)
        if not _given(v):
            if f.required:
                refuse(name, None, Reason.MISSING)
            values[name] = f.default
            continue
        fact = f.level_fact
        if f.levels_of is not None:
            fact = f.levels_of.facts.get(values.get(f.levels_of.field) or "")
        if fact is None:  # the field naming the fact was refused already
            values[name] = None
            continue
        got, why = read_value("level", f, v, level_fact=fact)
        if why is not None:
            refuse(name, v, why)
        values[name] = got
    return values


# --- applicant-level checks ------------------------------------------------------------------


def overlaps(spec: RecordSpec, recs: list[Rec]) -> list[RecordReject]:
    """Records of kinds that declare `overlap` whose periods overlap a record with the same
    key: each overlapping record after the first, naming the record it overlaps."""
    out: list[RecordReject] = []
    for kind, kspec in spec.kinds.items():
        if kspec.overlap is None:
            continue
        key = kspec.overlap.key
        by: dict[Any, list[Rec]] = {}
        for r in recs:
            if r.kind == kind:
                by.setdefault(r.values[key], []).append(r)
        for group in by.values():
            group.sort(key=lambda r: (r.start, r.end or date.max, r.id))
            reach: date | None = None
            reach_id = ""
            for r in group:
                if reach is not None and r.start <= reach:
                    out.append(RecordReject(
                        record_id=r.id, kind=kind, applicant_id=r.values["applicant_id"],
                        field=key, value=value_text(r.values[key]),
                        reason=Reason.overlap(key, reach_id)))
                end = r.end or date.max
                if reach is None or end > reach:
                    reach, reach_id = end, r.id
    return out


# --- derivations -----------------------------------------------------------------------------


def matches(values: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Whether a record's values meet every condition of `where`."""
    for name, cond in where.items():
        v = values.get(name)
        if v is None:
            return False
        if isinstance(cond, Compare):
            if cond.lt is not None and not v < cond.lt:
                return False
            if cond.le is not None and not v <= cond.le:
                return False
            if cond.gt is not None and not v > cond.gt:
                return False
            if cond.ge is not None and not v >= cond.ge:
                return False
        elif isinstance(cond, list):
            if not any(_same(v, c) for c in cond):
                return False
        elif not _same(v, cond):
            return False
    return True


def _same(v: Any, c: Any) -> bool:
    if isinstance(v, bool) or isinstance(c, bool):
        return isinstance(v, bool) and isinstance(c, bool) and v == c
    return bool(v == c)


def window_bounds(w: Window, on: date) -> tuple[date, date]:
    """(lo, hi) of a months window: dates between them, each edge as the window says."""
    assert w.months is not None and w.skip_months is not None and w.month_end is not None
    hi = add_months(on, -w.skip_months, w.month_end)
    lo = add_months(on, -(w.skip_months + w.months), w.month_end)
    return lo, hi


def last_tax_year(w: Window, on: date) -> int:
    return on.year - 1 if w.latest == "previous" else on.year


def in_window(w: Window, r: Rec, on: date) -> bool:
    when = r.when()
    if w.kind == "ever":
        return when <= (on.year if isinstance(when, int) else on)  # type: ignore[operator]
    if w.kind == "tax_years":
        assert isinstance(when, int) and w.years is not None
        last = last_tax_year(w, on)
        return last - w.years < when <= last
    assert isinstance(when, date)
    lo, hi = window_bounds(w, on)
    after_lo = when > lo or (w.start == "inclusive" and when == lo)
    before_hi = when < hi or (w.end == "inclusive" and when == hi)
    return after_lo and before_hi


def _span(s: date, e: date) -> str:
    return f"{s.isoformat()}..{e.isoformat()}"


def _months_text(a: int, b: int) -> str:
    return month_text(a) if a == b else f"{month_text(a)}..{month_text(b)}"


def derive_months(d: Months_, recs: list[Rec], on: date) -> tuple[int, list[str], str, str]:
    """(months, record ids used, detail en, detail zh).

    Months count the days before `on`: each record is the half-open period [start, end + 1
    day), cut at `on` (an open end runs to `on`). Periods that overlap or touch are merged
    into runs; runs are chained across gaps of at most `gap_months`.
    """
    ivs = sorted(((r.start, min(r.end + DAY, on) if r.end is not None else on, r.id)
                  for r in recs if r.start < on), key=lambda t: (t[0], t[1], t[2]))
    runs: list[list[Any]] = []  # [start, end (exclusive), ids]
    for s, x, rid in ivs:
        if s >= x:
            continue
        if runs and s <= runs[-1][1]:
            if x > runs[-1][1]:
                runs[-1][1] = x
            runs[-1][2].append(rid)
        else:
            runs.append([s, x, [rid]])
    gap = d.gap_months or 0
    # chains: [first, last, value, ids, pieces]; pieces are (text, months) of its runs
    chains: list[list[Any]] = []
    if d.partial_month == "elapsed":
        me = d.month_end or "roll"
        prev_x: date | None = None
        for s, x, ids in runs:
            n = months_between(s, x, me)
            piece = (_span(s, x - DAY), n)
            if chains and prev_x is not None and s <= add_months(prev_x, gap, me):
                c = chains[-1]
                c[1] = x
                c[2] += n
                c[3] += ids
                c[4].append(piece)
            else:
                chains.append([s, x, n, list(ids), [piece]])
            prev_x = x
        current = bool(chains) and on <= add_months(chains[-1][1], gap, me)

        def span_value(c: list[Any]) -> int:
            return months_between(c[0], c[1], me)

        def chain_text(c: list[Any]) -> str:
            return _span(c[0], c[1] - DAY)
    else:
        prev_l: int | None = None
        for s, x, ids in runs:
            if d.partial_month == "any":
                f, last = month_index(s), month_index(x - DAY)
            else:
                f, last = month_index(s) + (s.day != 1), month_index(x) - 1
            if f > last:
                continue
            covered = last - f + 1 if prev_l is None else max(0, last - max(f, prev_l + 1) + 1)
            piece = (_months_text(f, last), covered)
            if chains and prev_l is not None and f <= prev_l + 1 + gap:
                c = chains[-1]
                c[1] = max(c[1], last)
                c[2] += covered
                c[3] += ids
                c[4].append(piece)
            else:
                chains.append([f, last, covered, list(ids), [piece]])
            prev_l = last if prev_l is None else max(prev_l, last)
        ref = month_index(on - DAY) if d.partial_month == "any" else month_index(on) - 1
        current = bool(chains) and ref - chains[-1][1] <= gap

        def span_value(c: list[Any]) -> int:
            return int(c[1] - c[0] + 1)

        def chain_text(c: list[Any]) -> str:
            return _months_text(c[0], c[1])

    def value(c: list[Any]) -> int:
        return span_value(c) if d.gap_counts else int(c[2])

    if d.count == "cumulative":
        total = sum(int(c[2]) for c in chains)
        ids = [i for c in chains for i in c[3]]
        pieces = [p for c in chains for p in c[4]]
        en = ", ".join(f"{t} ({n})" for t, n in pieces) or "no period"
        zh = "，".join(f"{t}（{n}个月）" for t, n in pieces) or "无记录期间"
        return total, ids, en, zh
    chosen: list[Any] | None = None
    if chains:
        if d.run == "longest":
            chosen = max(chains, key=value)  # the first of equals
        elif d.run == "latest" or current:
            chosen = chains[-1]
    if chosen is None:
        late = bool(chains) and d.run == "current"
        return (0, [], "no run reaches the evaluation date" if late else "no period",
                "没有延续到评估日的连续期间" if late else "无记录期间")
    gaps = len(chosen[4]) - 1
    en = zh = chain_text(chosen)
    if gaps:
        en += (f", {gaps} gap{'s' if gaps > 1 else ''} of at most {gap} month"
               f"{'s' if gap > 1 else ''} allowed")
        zh += f"，其中 {gaps} 处不超过 {gap} 个月的中断按连续计"
    return value(chosen), list(chosen[3]), en, zh


def derive_one(spec: RecordSpec, fact: str, recs_by_kind: Mapping[str, list[Rec]],
               on: date) -> DerivedFact:
    """Derive one fact from valid records (grouped by kind), explained."""
    d = spec.facts[fact]
    value: Any
    used: list[str] = []
    en = zh = ""
    if isinstance(d, CurrentLevel_):
        value = d.otherwise
        for c in d.choices:
            hits = [r for r in recs_by_kind.get(c.record, ()) if matches(r.values, c.where)
                    and r.start <= on and (r.end is None or on <= r.end)]
            if hits:
                value = c.level
                used = [r.id for r in hits]
                en = zh = ", ".join(f"{r.id} {_span(r.start, r.end or on)}" for r in hits)
                break
        return _made(d, fact, value, used, en, zh)
    recs = [r for r in recs_by_kind.get(d.record, ()) if matches(r.values, d.where)]
    if isinstance(d, Months_):
        value, used, en, zh = derive_months(d, recs, on)
    elif isinstance(d, Current_):
        hits = [r for r in recs if r.start <= on and (r.end is None or on <= r.end)]
        value = bool(hits)
        used = [r.id for r in hits]
        en = zh = ", ".join(f"{r.id} {_span(r.start, r.end or on)}" for r in hits)
    elif isinstance(d, Highest_):
        levels = FACTS[fact].levels
        value = d.otherwise
        best = None
        for r in recs:
            if r.when() <= on and r.values.get(d.field) is not None:  # type: ignore[operator]
                lv = r.values[d.field]
                if best is None or levels.index(lv) > levels.index(best.values[d.field]):
                    best = r
        if best is not None and levels.index(best.values[d.field]) > levels.index(value):
            value = best.values[d.field]
            used = [best.id]
            en = zh = f"{best.id} ({best.when()})"
    else:
        assert isinstance(d, (Count_, Sum_, Any_))
        hits = [r for r in recs if in_window(d.window, r, on)]
        used = [r.id for r in hits]
        if isinstance(d, Count_):
            if d.distinct is not None:
                value = len({r.values[d.distinct] for r in hits
                             if r.values.get(d.distinct) is not None})
            else:
                value = len(hits)
        elif isinstance(d, Sum_):
            total: Any = Decimal(0) if FACTS[fact].kind == "decimal" else 0
            for r in hits:
                total += r.values[d.field] or 0
            value = total
        else:
            value = bool(hits)
        en = zh = ", ".join(f"{r.id} ({r.when()})" for r in hits)
        if isinstance(d, Sum_):
            en = zh = ", ".join(f"{r.id} ({r.when()}: {r.values[d.field]})" for r in hits)
        lo_hi = window_text(d.window, on)
        en = f"{lo_hi[0]}: {en or 'none'}"
        zh = f"{lo_hi[1]}：{zh or '无'}"
    return _made(d, fact, value, used, en, zh)


def window_text(w: Window, on: date) -> tuple[str, str]:
    """The dates a window takes on `on`, in words (en, zh)."""
    if w.kind == "ever":
        return f"up to {on}", f"截至 {on}"
    if w.kind == "tax_years":
        assert w.years is not None
        last = last_tax_year(w, on)
        return (f"tax years {last - w.years + 1}..{last}",
                f"{last - w.years + 1}..{last} 纳税年度")
    lo, hi = window_bounds(w, on)
    a = "[" if w.start == "inclusive" else "("
    b = "]" if w.end == "inclusive" else ")"
    return f"dates in {a}{lo}, {hi}{b}", f"日期在 {a}{lo}, {hi}{b} 内"


def _made(d: Any, fact: str, value: Any, used: list[str], en: str, zh: str) -> DerivedFact:
    rule_en, rule_zh = rule_text(d)
    return DerivedFact(fact=fact, value=value, derive=d.derive, records=tuple(used),
                       rule_en=rule_en, rule_zh=rule_zh, detail_en=en, detail_zh=zh,
                       provisional=d.provisional, note=d.note)


def derivable(spec: RecordSpec, kinds: Iterable[str]) -> list[str]:
    """The facts every record kind of whose derivation is present, in file order."""
    have = set(kinds)
    return [f for f in spec.facts if set(spec.kinds_read(f)) <= have]


def facts_for(
    spec: RecordSpec,
    records: Mapping[str, Sequence[Mapping[str, Any]]] | Iterable[Mapping[str, Any]],
    on: date, *, kinds: Iterable[str] | None = None, applicant_id: str | None = None,
    birth_date: date | None = None,
) -> tuple[RecordFacts, list[RecordReject]]:
    """(facts and rejected records, applicant-level faults) of one applicant on `on`."""
    valid, rejects, present, read = read_records(spec, records, applicant_id=applicant_id,
                                                 birth_date=birth_date)
    faults = overlaps(spec, valid)
    if applicant_id is None:
        ids = {r.values["applicant_id"] for r in valid if r.values["applicant_id"]}
        applicant_id = next(iter(ids)) if len(ids) == 1 else None
    use = [k for k in (present if kinds is None else kinds) if k in spec.kinds]
    by_kind: dict[str, list[Rec]] = {}
    for r in valid:
        by_kind.setdefault(r.kind, []).append(r)
    why: dict[str, DerivedFact] = {}
    for fact in derivable(spec, use):
        made = derive_one(spec, fact, by_kind, on)
        why[fact] = made
        hi = FACTS[fact].maximum
        if hi is not None and not isinstance(made.value, (bool, str)) and made.value > hi:
            faults.append(RecordReject(record_id="", kind=None, applicant_id=applicant_id,
                                       field=fact, value=value_text(made.value),
                                       reason=Reason.fact_above(fact, hi)))
    result = RecordFacts(
        on=on, applicant_id=applicant_id, facts={f: w.value for f, w in why.items()},
        why=why, rejects=tuple(rejects), records_read=read, records_used=len(valid),
        kinds=tuple(use))
    return result, faults
